#!/usr/bin/env bash
# workload_solo.sh — the bank workload against one real standalone mariadbd
# (ports 13300-13319, /var/tmp/lab-H2): 10 s on 4 threads, then the journal
# is held against the tables: its counts add up and match the summary,
# every `ok` credit row is there (unless an `ok` delete removed it), no
# `failed` one is, the ledger sums (invariant 1) hold; then the server is
# SIGKILLed mid-run: the workload must record unknown/failed outcomes, end
# on time and cleanly, and after the server restarts every acknowledged
# credit is still there.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/solo-mariadb.sh"

DIR=/var/tmp/lab-H2/solo
PORT=13300
OUT=$DIR/out
need_root "workload solo"
[ -x "$LAB" ] || { not_ok "lab binary" "$LAB missing (make build/test/lab)"; exit 1; }
cleanup() {
	[ -n "${WL_PID:-}" ] && kill -0 "$WL_PID" 2>/dev/null && kill "$WL_PID" 2>/dev/null
	solo_stop "$DIR"
}
trap cleanup EXIT
rm -rf "$DIR"
mkdir -p "$OUT"
solo_start "$DIR" $PORT || { not_ok "start mariadbd" "see above"; exit 1; }
ok "mariadbd started on port $PORT (pid $SOLO_PID)"

# journal_counts FILE -> "attempted ok failed unknown" of the transaction lines
journal_counts() {
	awk -F'\t' '/^#/ || $2 == "load" { next }
		{ n++; c[$3]++ } END { printf "%d %d %d %d\n", n, c["ok"], c["failed"], c["unknown"] }' "$1"
}
# summary_counts FILE -> the same four numbers from the workload's summary line
summary_counts() {
	sed -n 's/^summary: attempted=\([0-9]*\) ok=\([0-9]*\) failed=\([0-9]*\) unknown=\([0-9]*\).*/\1 \2 \3 \4/p' "$1"
}
# credit_ids FILE OUTCOME OP -> credit ids with that op in lines of that
# outcome (load lines count as ok), one per line, sorted. Ids are 63-bit:
# awk only splits the text, bash expands the ranges (awk's doubles would
# round them).
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
ledger() {
	solo_sql $PORT "SELECT (SELECT COALESCE(SUM(credit),0) FROM bank.customer) = \
		(SELECT COALESCE(SUM(amount),0) FROM bank.credit) - (SELECT COALESCE(SUM(cost),0) FROM bank.purchase)"
}

# ---- 1. a clean 10 s run -------------------------------------------------
J=$OUT/journal1
"$LAB" workload --hosts 127.0.0.1:$PORT --threads 4 --duration 10s --journal "$J" --seed 42 \
	--customers 1000 --products 100 --per-second >"$OUT/run1.out" 2>"$OUT/run1.err"
rc=$?
is "workload run exits 0" "$rc" 0
sed 's/^/# /' "$OUT/run1.out" | grep -v '^# second' | head -12
jc=$(journal_counts "$J")
sc=$(summary_counts "$OUT/run1.out")
read -r att okn fail unk <<<"$jc"
is "journal counts add up (attempted = ok + failed + unknown)" "$att" "$((okn + fail + unk))"
is "journal counts match the summary" "$jc" "$sc"
check "some transactions committed ($okn)" test "$okn" -gt 100
is "no unknown outcome without a fault" "$unk" 0
secs=$(grep -c '^second ' "$OUT/run1.out")
check "per-second lines printed ($secs)" test "$secs" -ge 9
psum=$(awk '/^second /{ s += $4 } END { print s + 0 }' "$OUT/run1.out")
is "per-second ok figures add up to the total" "$psum" "$okn"

credit_ids "$J" ok + >"$OUT/ok_ins"
credit_ids "$J" ok - >"$OUT/ok_del"
comm -23 "$OUT/ok_ins" "$OUT/ok_del" >"$OUT/expected"
solo_sql $PORT "SELECT id FROM bank.credit" | sort >"$OUT/table"
missing=$(comm -23 "$OUT/expected" "$OUT/table" | wc -l)
check "journal lists ok credit rows ($(wc -l <"$OUT/expected"))" test "$(wc -l <"$OUT/expected")" -gt 1000
is "every ok credit id (not deleted later) is in the table" "$missing" 0
credit_ids "$J" failed + >"$OUT/failed_ins"
phantom=$(comm -12 "$OUT/failed_ins" "$OUT/table" | wc -l)
is "no failed credit id is in the table" "$phantom" 0
extra=$(comm -13 <(sort -u "$OUT/ok_ins") "$OUT/table" | wc -l)
is "every credit row in the table is explained by an ok journal line" "$extra" 0
is "invariant 1: sum(customer.credit) = sum(credit.amount) - sum(purchase.cost)" "$(ledger)" 1
neg=$(solo_sql $PORT "SELECT COUNT(*) FROM bank.customer WHERE credit < 0")
is "no negative balance (refused purchases are refused)" "$neg" 0

# ---- 2. the server is killed half way ------------------------------------
J2=$OUT/journal2
start=$(date +%s)
"$LAB" workload --hosts 127.0.0.1:$PORT --threads 4 --duration 12s --journal "$J2" --seed 43 \
	--no-load --per-second >"$OUT/run2.out" 2>"$OUT/run2.err" &
WL_PID=$!
sleep 5
kill -KILL "$SOLO_PID"
wait "$SOLO_PID" 2>/dev/null
check_fails "mariadbd (pid $SOLO_PID) is gone after SIGKILL" kill -0 "$SOLO_PID"
wait "$WL_PID"
rc=$?
WL_PID=
took=$(( $(date +%s) - start ))
is "workload exits 0 after losing its server" "$rc" 0
check "workload ended on time (${took}s for a 12 s run)" test "$took" -le 20
sed 's/^/# /' "$OUT/run2.out" | grep -v '^# second' | head -12
jc=$(journal_counts "$J2")
read -r att okn fail unk <<<"$jc"
is "journal counts add up after the kill" "$att" "$((okn + fail + unk))"
is "journal counts match the summary after the kill" "$jc" "$(summary_counts "$OUT/run2.out")"
check "the kill shows as unknown or failed outcomes (failed $fail, unknown $unk)" test "$((fail + unk))" -gt 0
lost=$(awk -F'\t' '/^#/ { next } $3 != "ok" && ($7 == 2013 || $7 == 2006 || $7 == 2026 || $7 == 2055) { n++ } END { print n + 0 }' "$J2")
check "lost-connection errors (2013/2006) journaled ($lost)" test "$lost" -gt 0
check "journal ends with a whole line (flushed at stop)" test "$(tail -c1 "$J2" | od -An -c | tr -d ' ')" = '\n'
check "no lost-connection outcome is reported as ok" test "$(awk -F'\t' '$3 == "ok" && $7 != 0' "$J2" | wc -l)" -eq 0

solo_start "$DIR" $PORT || { not_ok "restart mariadbd" "see above"; exit 1; }
cat "$J" "$J2" >"$OUT/both"
credit_ids "$OUT/both" ok + >"$OUT/ok_ins"
credit_ids "$OUT/both" ok - >"$OUT/ok_del"
comm -23 "$OUT/ok_ins" "$OUT/ok_del" >"$OUT/expected"
solo_sql $PORT "SELECT id FROM bank.credit" | sort >"$OUT/table"
is "after crash recovery every acknowledged credit id is in the table" \
	"$(comm -23 "$OUT/expected" "$OUT/table" | wc -l)" 0
credit_ids "$J2" failed + >"$OUT/failed_ins"
is "after crash recovery no failed credit id is in the table" "$(comm -12 "$OUT/failed_ins" "$OUT/table" | wc -l)" 0
is "invariant 1 holds after crash recovery" "$(ledger)" 1
