#!/usr/bin/env bash
# docs_current.sh — docs/ says what this lab does: every generated block
# (usage texts, the scenario reference, the results schema) is what
# tools/gen-docs makes from $LAB now; the blocks are there at all; every
# action and top-level section that `lab validate --describe` prints is in
# docs/scenario-format.md; and nothing in the repository still points to
# the design folder outside it. Touches no node, needs no root.
. "$(dirname "$0")/../lib/tap.sh"
cd "$LAB_TOP" || exit 1
tmp=$(mktemp -d /tmp/lab-docs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 1. No generated block is stale.
LAB="$LAB" tools/gen-docs --check >"$tmp/check" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	ok "every generated block of docs/ is current"
else
	stale=$(sed -n 's/^stale: \([^ ]*\).*/\1/p' "$tmp/check" | tr '\n' ' ')
	if [ -n "$stale" ]; then
		not_ok "every generated block of docs/ is current" "stale: ${stale% } (run make docs)"
	else
		not_ok "every generated block of docs/ is current" "gen-docs exit $rc: $(head -1 "$tmp/check")"
	fi
	sed 's/^/# /' "$tmp/check" | head -60
fi

# 2. The blocks exist (a deleted block would pass --check vacuously).
has_block() { grep -qxF "<!-- BEGIN generated: $2 -->" "$1"; }
for want in "docs/cli.md|lab help" "docs/cli.md|lab help VERB (every verb)" \
	"docs/scenario-format.md|lab validate --describe" \
	"docs/results-schema.md|cat results/schema.sql"; do
	file=${want%%|*} src=${want#*|}
	check "$file has the generated block '$src'" has_block "$file" "$src"
done

# 3. Every action and top-level section of the reference is in the page.
describe=$("$LAB" validate --describe)
is "lab validate --describe exits 0" "$?" 0
sections=$(awk '/^Scenario keys:/{k=1; next} /^$/{k=0} k && /^  [a-z]/{print $1}' <<<"$describe")
actions=$(sed -n 's/^  - \([a-z][a-z-]*\).*/\1/p' <<<"$describe")
[ -n "$sections" ] && [ -n "$actions" ]
is "the reference lists sections and actions" "$?" 0
missing=
for w in $sections; do grep -q "^  $w " docs/scenario-format.md || missing="$missing section:$w"; done
for w in $actions; do grep -q "^  - $w[ :]" docs/scenario-format.md || missing="$missing action:$w"; done
is "docs/scenario-format.md has every section and action (run make docs)" "${missing# }" ""
note "$(wc -w <<<"$sections") sections, $(wc -w <<<"$actions") actions"

# 4. Nothing points to the design folder beside the repository any more.
pattern='shared/DESIGN[.]md'
refs=$(grep -rlE --exclude-dir=.git --exclude-dir=build "$pattern" . 2>/dev/null | sort)
is "no file refers to the shared DESIGN.md" "$refs" ""

# 5. The generator refuses what it does not know, and says where.
printf '# t\n<!-- BEGIN generated: rm -rf / -->\n<!-- END generated -->\n' >"$tmp/bad.md"
out=$(LAB="$LAB" tools/gen-docs --check "$tmp/bad.md" 2>&1)
is "gen-docs exits 2 on an unknown source" "$?" 2
check "and names it" grep -q "unknown generated source 'rm -rf /'" <<<"$out"
printf '# t\n<!-- BEGIN generated: lab help -->\n' >"$tmp/open.md"
out=$(LAB="$LAB" tools/gen-docs --check "$tmp/open.md" 2>&1)
is "gen-docs exits 2 on a BEGIN without END" "$?" 2
check "and names the line" grep -q "open.md:2: BEGIN without its END" <<<"$out"
