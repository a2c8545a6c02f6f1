#!/usr/bin/env bash
# package_install.sh — what an installed lab is, without the Debian tools
# (package_deb.sh builds the .deb): `lab help --man` is a man page that man
# renders without a warning and that has every verb; `lab --version` names a
# commit of this repository; `make install DESTDIR PREFIX` puts the binary,
# the man page, the completion, the scenarios and the docs in place, and the
# installed lab finds its scenarios from outside the source tree (lab list,
# a bare name for lab validate); the bash completion asks lab for verbs,
# sub-verbs, options and values; make uninstall takes it all away. Touches
# no node, needs no root. A few seconds.
. "$(dirname "$0")/../lib/tap.sh"
cd "$LAB_TOP" || exit 1
tmp=$(mktemp -d /tmp/lab-pkg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 1. The man page, from lab's own tables.
"$LAB" help --man >"$tmp/lab.1"
is "lab help --man exits 0" "$?" 0
check "it is a man page for lab(1)" grep -q '^\.TH LAB 1 ' "$tmp/lab.1"
verbs=$("$LAB" help | sed -n 's/^   \([a-z][a-z0-9_-]*\) .*/\1/p')
missing=
for v in $verbs; do grep -qxF ".SS \"lab $v\"" "$tmp/lab.1" || missing="$missing $v"; done
is "every verb of lab help has its section" "${missing# }" ""
note "$(wc -w <<<"$verbs") verbs, $(wc -l <"$tmp/lab.1") lines of troff"
if command -v man >/dev/null; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$tmp/lab.1" >/dev/null 2>"$tmp/warn"
	is "man renders it (the way lintian checks)" "$?" 0
	is "without a warning" "$(head -3 "$tmp/warn")" ""
	MANWIDTH=80 man -l "$tmp/lab.1" 2>/dev/null | sed "s/.\x08//g" >"$tmp/lab.txt"
	check "the rendered page has lab run's synopsis" grep -q 'usage: lab run SCENARIO' "$tmp/lab.txt"
	check "and the scenario reference's actions" grep -q -- '- hard-reset \[node\]' "$tmp/lab.txt"
elif command -v groff >/dev/null; then
	groff -man -Tutf8 -ww "$tmp/lab.1" >/dev/null 2>"$tmp/warn"
	is "groff renders it without a warning" "$?:$(head -3 "$tmp/warn")" "0:"
else
	skip "man renders the page" "neither man nor groff is installed"
fi

# 2. The version and the commit.
version=$("$LAB" --version)
want=$(sed -n 's/^#define LAB_VERSION "\(.*\)"$/\1/p' lib/base.h)
if [[ $version =~ ^lab\ ([^ ]+)\ \(commit\ ([^\)]+)\)$ ]]; then
	ok "lab --version says version and commit: $version"
	is "the version is LAB_VERSION" "${BASH_REMATCH[1]}" "$want"
	commit=${BASH_REMATCH[2]%-dirty}
	if git rev-parse --git-dir >/dev/null 2>&1; then
		check "the commit '$commit' is one of this repository's" git cat-file -e "$commit^{commit}"
	else
		skip "the commit is one of this repository's" "not a git tree"
	fi
else
	not_ok "lab --version says version and commit" "got '$version'"
fi
is "debian/changelog's version is lab's" "$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null ||
	sed -n '1s/^lab (\([^)]*\)).*/\1/p' debian/changelog)" "$want"

# 3. make install, from outside the tree.
dest=$tmp/dest
make -s --no-print-directory install DESTDIR="$dest" PREFIX=/opt/lab >"$tmp/install" 2>&1
is "make install DESTDIR PREFIX exits 0" "$?" 0
p=$dest/opt/lab
for f in bin/lab share/man/man1/lab.1 share/bash-completion/completions/lab share/doc/lab/README.md \
	share/doc/lab/docs/cli.md share/lab/scenarios/kill-mysqld-under-load.yaml; do
	[ -f "$p/$f" ] || missing="$missing $f"
done
is "it installs the binary, man page, completion, docs and scenarios" "${missing# }" ""
is "every shipped scenario" "$(ls "$p/share/lab/scenarios" | wc -l)" "$(ls scenarios/*.yaml | wc -l)"
check "the binary is executable" test -x "$p/bin/lab"
check "the installed man page is lab help --man's" cmp -s <(sed '/^\.TH/d' "$p/share/man/man1/lab.1") \
	<(sed '/^\.TH/d' "$tmp/lab.1")

list=$(cd /tmp && "$p/bin/lab" list 2>&1)
is "the installed lab lists its scenarios from /tmp" "$(wc -l <<<"$list")" "$(ls scenarios/*.yaml | wc -l)"
check "kill-mysqld-under-load among them" grep -q '^kill-mysqld-under-load ' <<<"$list"
out=$(cd /tmp && "$p/bin/lab" validate kill-mysqld-under-load 2>&1)
is "lab validate takes a shipped scenario's bare name" "$?" 0
check "and reads the installed file" grep -q '^kill-mysqld-under-load: ok' <<<"$out"
out=$(cd /tmp && "$p/bin/lab" validate no-such-scenario 2>&1)
is "a name that is no scenario is bad input" "$?" 2
check "naming it" grep -q "no-such-scenario: cannot read" <<<"$out"

# 4. The bash completion asks the installed lab.
complete_words() { # WORD... (the last is the one being completed)
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lab; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$p/share/bash-completion/completions/lab" "$p/bin/lab" "$@" | sort | tr '\n' ' '
}
is "verbs" "$(complete_words clu)" "cluster "
check "sub-verbs of cluster" grep -q 'down .*hard-reset .*up ' <<<"$(complete_words cluster '')"
is "options" "$(complete_words cluster up --fla)" "--flavor "
is "an option's values from the usage" "$(complete_words cluster up --flavor '')" "async galera semisync "
is "a flag takes no value" "$(complete_words run x.yaml --keep --se)" "--seed "
is "shipped scenarios by name" "$(complete_words run kill-my)" "kill-mysqld-under-load "
mkdir "$tmp/cwd" && touch "$tmp/cwd/mine.yaml" "$tmp/cwd/notes.txt"
words=$(cd "$tmp/cwd" && complete_words validate '')
check "scenario files in the current directory" grep -q ' mine.yaml ' <<<" $words"
check "and no other files" bash -c '! grep -q notes.txt <<<"$1"' _ "$words"

# 5. make uninstall.
make -s --no-print-directory uninstall DESTDIR="$dest" PREFIX=/opt/lab >/dev/null 2>&1
is "make uninstall leaves no file" "$(find "$dest" -type f | head -3)" ""
