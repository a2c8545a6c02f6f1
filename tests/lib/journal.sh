# tests/lib/journal.sh — reading a lab journal in shell tests (sourced).
#
#   credit_ids FILE OUTCOME OP   credit ids with op OP (+ or -) in the lines
#                                of that outcome (load lines count as ok),
#                                one per line, sorted. Ids are 63-bit: awk
#                                only splits the text, bash expands the
#                                ranges (awk's doubles would round them).
credit_ids() {
	awk -F'\t' -v want="$2" -v op="$3" '/^#/ { next } $3 == want {
		n = split($8, r, " ")
		for (i = 1; i <= n; i++) {
			if (substr(r[i], 1, 1) != op || substr(r[i], 2, 7) != "credit:") continue
			v = substr(r[i], 9); d = index(v, "-")
			if (d) print substr(v, 1, d - 1), substr(v, d + 1); else print v, v
		}
	}' "$1" | while read -r a b; do
		for ((x = a; x <= b; x++)); do echo "$x"; done
	done | sort
}
