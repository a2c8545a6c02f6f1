# bash completion for lab — installed as
# PREFIX/share/bash-completion/completions/lab (make install, the Debian
# package). It keeps no list of its own: it asks the lab being completed.
#
#   lab <TAB>                 the verbs `lab help` lists
#   lab VERB <TAB>            VERB's sub-verbs: the words after "lab VERB" in
#                             `lab help VERB` (cluster up|down|..., results show, ...)
#   lab VERB --<TAB>          the options `lab help VERB` names
#   lab VERB --opt <TAB>      the values the usage lists as "--opt a|b|c"
#   lab run|validate|explore  scenario files (*.yaml) and the names of the
#                             shipped scenarios (`lab list`)
#
# Needs only bash; uses bash-completion's _filedir when it is there.

_lab_words() { # the words of "a|b|c" and "[a|b]"
	tr -d '[]' <<<"$1" | tr '|' '\n' | grep -E '^[A-Za-z][A-Za-z0-9_-]*$'
}

_lab_files() { # cur [yaml]: files (only scenario files with yaml) and directories
	local IFS=$'\n'
	if declare -F _filedir >/dev/null; then
		_filedir ${2:+'yaml|yml'}
	elif [ -n "${2:-}" ]; then
		COMPREPLY+=($(compgen -f -X '!*.y*ml' -- "$1") $(compgen -d -- "$1"))
	else
		COMPREPLY+=($(compgen -f -- "$1"))
	fi
}

_lab() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local lab=${COMP_WORDS[0]} verb=${COMP_WORDS[1]:-} usage words
	COMPREPLY=()

	if [ "$COMP_CWORD" -eq 1 ]; then
		words=$("$lab" help 2>/dev/null | sed -n 's/^   \([a-z][a-z0-9_-]*\) .*/\1/p')
		COMPREPLY=($(compgen -W "$words help version --version --help" -- "$cur"))
		return 0
	fi
	if [ "$verb" = help ]; then
		[ "$COMP_CWORD" -eq 2 ] || return 0
		words=$("$lab" help 2>/dev/null | sed -n 's/^   \([a-z][a-z0-9_-]*\) .*/\1/p')
		COMPREPLY=($(compgen -W "$words --man" -- "$cur"))
		return 0
	fi
	usage=$("$lab" help "$verb" 2>/dev/null) || return 0

	# The value of an option: "--opt a|b|c" in the usage, a file, nothing
	# for a value lab cannot list (N, NAME); a flag ("[--keep]") is no option
	# with a value: complete as if it were not there.
	if [[ $prev == --* ]] && ! grep -qF -- "[$prev]" <<<"$usage"; then
		words=$(grep -oE -- "$prev ([A-Za-z0-9_-]+[|])+[A-Za-z0-9_-]+" <<<"$usage" | head -1)
		if [ -n "$words" ]; then
			COMPREPLY=($(compgen -W "$(_lab_words "${words#"$prev "}")" -- "$cur"))
			return 0
		fi
		case $prev in
		--db | --junit | --html | --journal | --defaults-file | --out | --history | --image-dir | --state-dir)
			_lab_files "$cur"
			;;
		esac
		return 0
	fi
	if [[ $cur == -* ]]; then
		words=$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$usage" | sort -u)
		COMPREPLY=($(compgen -W "$words --help" -- "$cur"))
		return 0
	fi
	if [ "$COMP_CWORD" -eq 2 ]; then
		words=$(grep -oE "lab $verb \[?[a-z][a-z|-]*" <<<"$usage" | sed "s/^lab $verb //")
		words=$(_lab_words "$words" | sort -u)
		if [ -n "$words" ]; then
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
			return 0
		fi
	fi
	case $verb in
	run | validate | explore)
		COMPREPLY=($(compgen -W "$("$lab" list 2>/dev/null | awk '{print $1}')" -- "$cur"))
		_lab_files "$cur" yaml
		;;
	*)
		_lab_files "$cur"
		;;
	esac
	return 0
}
complete -F _lab lab
