#!/usr/bin/env bash
# history_elle.sh — `lab history --json` over every list-append and
# rw-register history of the Elle reference corpus (elle-cli's published
# test data, kept beside the repository in shared/reference/elle-histories;
# SKIP when absent — it is never copied into the repository). For each
# history with an expected result, lab's valid?, anomaly types and the
# models ruled out (not, also-not) must equal Elle's; options come from
# INDEX.md's opts notes (consistency-models, *-keys), the rest run with
# strict-serializable as upstream. Cases INDEX.md marks "skipped upstream
# (jepsen-io/elle#32)" have expected results known to be wrong: a
# difference there is reported and skipped, never failed. docs/history.md
# explains every difference.
. "$(dirname "$0")/../lib/tap.sh"

ref=${LAB_ELLE_REF:-$LAB_TOP/../shared/reference/elle-histories}
if [ ! -f "$ref/INDEX.md" ]; then
	skip "Elle reference corpus" "not found at $ref"
	exit 0
fi
command -v python3 >/dev/null || { skip "Elle reference corpus" "python3 not installed"; exit 0; }

while IFS='|' read -r status name detail; do
	case $status in
	ok) ok "$name${detail:+ ($detail)}" ;;
	fail) not_ok "$name" "$detail" ;;
	skip) skip "$name" "$detail" ;;
	note) note "$name $detail" ;;
	esac
done < <(python3 - "$ref" "$LAB" <<'PY'
import json, os, re, subprocess, sys
ref, lab = sys.argv[1], sys.argv[2]
rows = []
for line in open(os.path.join(ref, "INDEX.md")):
    if not line.startswith("| ") or line.startswith("| History") or line.startswith("|---"):
        continue
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 8 or cells[1] not in ("list-append", "rw-register"):
        continue
    rows.append(cells)
# Result files whose history is checked under another model (INDEX.md's
# second table): the same G2-item history under serializable.
rows.append(["rw-register-anomaly-g2-item.json", "rw-register", "", "", "rw-register-model-serializable-result.json",
             "", "", "opts: consistency-models serializable"])
for hist, wl, _ops, _src, result, _valid, _types, notes in rows:
    path = os.path.join(ref, hist)
    if not os.path.exists(path):
        print(f"skip|{hist}|history file not in the corpus")
        continue
    args = [lab, "history", "--json", "--workload", wl]
    m = re.search(r"opts: ([^;]*)", notes)
    unsupported = None
    if m:
        o = m.group(1)
        if o.startswith("consistency-models"):
            args += ["--model", o.split()[1]]
        elif o in ("linearizable-keys", "sequential-keys", "wfr-keys"):
            args += ["--" + o]
        else:
            unsupported = o
    upstream_skip = "skipped upstream" in notes
    p = subprocess.run(args + [path], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        print(f"fail|{hist}|lab exited {p.returncode}: {p.stderr.strip()}")
        continue
    got = json.loads(p.stdout)
    if result == "—":
        print(f"ok|{hist}: no reference result; lab says valid? {got.get('valid?')} {got.get('anomaly-types', [])}|")
        continue
    want = json.load(open(os.path.join(ref, result)))
    diffs = []
    for k in ("valid?", "anomaly-types", "not", "also-not"):
        w, g = want.get(k), got.get(k)
        if isinstance(w, list): w, g = sorted(w), sorted(g or [])
        if w != g:
            diffs.append(f"{k}: Elle {w}, lab {g}")
    name = f"{hist}{' (' + m.group(1) + ')' if m else ''} agrees with Elle ({', '.join(want.get('anomaly-types', [])) or 'valid'})"
    if not diffs:
        print(f"ok|{name}|")
    elif upstream_skip:
        print(f"skip|{name}|expected result known wrong upstream (jepsen-io/elle#32); " + "; ".join(diffs))
    elif unsupported:
        print(f"skip|{name}|option '{unsupported}' not supported; " + "; ".join(diffs))
    else:
        print(f"fail|{name}|" + "; ".join(diffs))
PY
)
