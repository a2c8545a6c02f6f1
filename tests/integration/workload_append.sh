#!/usr/bin/env bash
# workload_append.sh — the list-append workload against a real
# 3-node MariaDB Galera cluster on the local backend (`lab cluster up`):
# 20 s of `lab workload --workload append` on 6 threads, each
# transaction on a host picked at random, REPEATABLE READ, wsrep_sync_wait 0;
# node 2 is SIGKILLed half way (`lab cluster kill 2`). Then, from the
# journal and the survivors' tables:
#   - the journal is well formed (append.h's format, every line);
#   - after a gap of at most 5 s every second shows ok > 0;
#   - attempted = ok + failed + unknown, and the counts match the summary;
#   - each process's transactions are sequential (an unknown outcome moved
#     its thread to a new process);
#   - every value an ok transaction read was appended to that key by an ok
#     or unknown transaction, never by a failed one, and no list holds a
#     value twice;
#   - every ok read is a prefix of the key's final list on the survivors
#     (a row's versions are linear);
#   - the survivors hold every ok-appended value and no failed one;
#   - the session settings were applied (read back: REPEATABLE-READ, 0), and a
#     second short run (read-only) with read-committed / sync_wait 1 reads
#     those back;
#   - the bank's journal reader (lab check --journal) refuses the journal as
#     "an append journal, not a bank journal";
#   - the bank with audits in its mix (the sums read in one snapshot while
#     the load runs) on the survivors: audits commit, none shows read skew.
# Values are 63-bit: awk only compares them as strings.
#
# Why REPEATABLE READ (the server's default) in the main run: under
# SERIALIZABLE this workload stalls MariaDB 10.11 + galera-4 here. Every
# read takes shared (and, on a key not yet written, gap) locks; a replicated
# write set that needs them waits, the applier's BF abort does not free
# it, flow control stops every node (wsrep_flow_control_paused_ns grew by
# 9.5 s in 36 s of load), and the stall lasts until the local transaction's
# innodb_lock_wait_timeout (1205): 3-5 s without a commit anywhere on a
# healthy cluster; after the kill one survivor stopped applying and the two
# survivors' tables differed. Sampled by hand (no kill): one node stopped
# committing for good — a session in "wsrep replaying trx", two in
# "Waiting for certification", its recv queue stuck at 6 and its
# last_committed 10 behind the others long after the load ended
# (MariaDB 10.11.19, galera-4 26.4.23). READ COMMITTED and REPEATABLE READ
# run without a gap. That is a finding for a scenario, not something this test of the
# workload's machinery should trip on: WORKLOAD_APPEND_ISOLATION=serializable
# (and WORKLOAD_APPEND_SYNC_WAIT=3) reproduce it.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "workload append"
DURATION=${WORKLOAD_APPEND_SECONDS:-20}
ISOLATION=${WORKLOAD_APPEND_ISOLATION:-repeatable-read}
SYNC_WAIT=${WORKLOAD_APPEND_SYNC_WAIT:-0}
KILL_AT=$((DURATION / 2))
PROVIDER_OPTIONS=${WORKLOAD_GALERA_PROVIDER_OPTIONS-gcache.size=64M;evs.suspect_timeout=PT3S}
unset LAB_PASSWORD # the cluster's client.cnf has the lab user's password
[ -x "$LAB" ] || { not_ok "lab binary" "$LAB missing (make build/test/lab)"; exit 1; }

lab_fixture_init
NAME=$FIX_NAME
STATE=$FIX_STATE
CNF=$STATE/client.cnf
OUT=$(fixture_tmp galera)
up_args=()
[ -n "$PROVIDER_OPTIONS" ] && up_args+=(--mysqld "wsrep-provider-options=$PROVIDER_OPTIONS")
note "lab cluster up ${up_args[*]} --name $NAME --state-dir $STATE"
if ! fixture_cluster_up "${up_args[@]}" >"$OUT/up.out" 2>&1; then
	not_ok "cluster up --name $NAME" "$(tail -3 "$OUT/up.out" | tr '\n' ' ')"
	exit 1
fi
ok "3-node galera cluster $NAME is up"
status=$(fixture_cluster status)
note "$status"
hosts=$(awk '$1 ~ /^[0-9]+$/ { printf "%s%s", sep, $3; sep = "," }' <<<"$status")
addr() { awk -v n="$1" '$1 == n { print $3 }' <<<"$status"; }
is "three node addresses" "$(tr ',' '\n' <<<"$hosts" | grep -c .)" 3
sql() { # NODE SQL
	local a; a=$(addr "$1")
	mariadb --defaults-file="$CNF" -h "${a%:*}" -P "${a##*:}" -N -B -e "$2"
}

# ---- 20 s of append workload, node 2 killed half way ---------------------
J=$OUT/journal
"$LAB" workload --workload append --hosts "$hosts" --defaults-file "$CNF" --threads 6 \
	--duration ${DURATION}s --journal "$J" --seed 13 --keys 6 --ops-per-txn 1..4 \
	--read-ratio 0.5 --appends-per-key 24 --isolation "$ISOLATION" --sync-wait "$SYNC_WAIT" \
	--per-second >"$OUT/run.out" 2>"$OUT/run.err" &
WL_PID=$!
fixture_pid "$WL_PID"
for _ in $(seq 1 600); do grep -q '^second ' "$OUT/run.out" && break; kill -0 $WL_PID 2>/dev/null || break; sleep 0.1; done
check "workload is running" kill -0 "$WL_PID"
sleep $KILL_AT
victim=$(fixture_cluster pid 2)
kill_t=$(date +%s)
fixture_cluster kill 2 >"$OUT/kill.out" 2>&1
is "lab cluster kill 2 (SIGKILL) exits 0" "$?" 0
gone() { ! kill -0 "$1" 2>/dev/null || awk '{ exit $3 != "Z" }' "/proc/$1/stat" 2>/dev/null; }
for _ in $(seq 1 50); do gone "$victim" && break; sleep 0.1; done
check "node 2 (pid $victim) is gone" gone "$victim"
wait "$WL_PID"
rc=$?
WL_PID=
is "workload exits 0" "$rc" 0
grep -v '^second ' "$OUT/run.out" | sed 's/^/# /'
sed 's/^/# stderr: /' "$OUT/run.err" | head -5
awk -v k="$kill_t" '/^second / { printf "# %s%s\n", ($2 >= k && !m++) ? "KILL> " : "", $0 }' "$OUT/run.out"

# ---- per-second figures ---------------------------------------------------
grep '^second ' "$OUT/run.out" | sed '$d' >"$OUT/seconds"
is "every second before the kill shows ok > 0" "$(awk -v k="$kill_t" '$2 < k && $4 == 0' "$OUT/seconds" | wc -l)" 0
read -r gap recovered <<<"$(awk -v k="$kill_t" '$2 >= k { t[n] = $2; o[n] = $4; n++ }
	END { g = 0; for (i = 0; i < n && o[i] == 0; i++) g++; if (i == n) print g, -1; else print g, t[i] }' "$OUT/seconds")"
check "the gap after the kill is at most 5 s ($gap seconds with ok = 0)" test "$recovered" -ge 0 -a "$gap" -le 5
is "after the gap every second shows ok > 0" "$(awk -v r="$recovered" '$2 >= r && $4 == 0' "$OUT/seconds" | wc -l)" 0

# ---- the journal: format and accounting -----------------------------------
check "journal header" grep -Eq '^# lab-journal 1 workload=append seed=13 started=[0-9]+$' <(head -1 "$J")
bad=$(awk -F'\t' '
	/^#/ { next }
	{
		okl = NF == 9 && $1 ~ /^[0-9]+$/ && $2 == "append" && $3 ~ /^(ok|failed|unknown)$/ &&
		      $4 ~ /^[^:]+:[0-9]+$/ && $5 ~ /^[0-9]+$/ && $6 ~ /^[0-9]+$/ && $5 + 0 <= $6 + 0 &&
		      $7 ~ /^[0-9]+$/ && ($3 == "ok") == ($7 == 0) && $8 ~ /^[0-9]+$/ && $9 != ""
		n = split($9, m, " ")
		for (i = 1; okl && i <= n; i++)
			okl = m[i] ~ /^a:[0-9]+:-?[0-9]+$/ || m[i] ~ /^r:[0-9]+:([0-9]+(,[0-9]+)*)?$/ ||
			      (m[i] ~ /^r:[0-9]+:\?$/ && $3 != "ok")
		if (!okl) { bad++; if (bad <= 3) print "# malformed: " $0 > "/dev/stderr" }
	}
	END { print bad + 0 }' "$J")
is "every journal line is well formed" "$bad" 0
jc=$(awk -F'\t' '/^#/ { next } { n++; c[$3]++ } END { printf "%d %d %d %d\n", n, c["ok"], c["failed"], c["unknown"] }' "$J")
sc=$(sed -n 's/^summary: attempted=\([0-9]*\) ok=\([0-9]*\) failed=\([0-9]*\) unknown=\([0-9]*\).*/\1 \2 \3 \4/p' "$OUT/run.out")
read -r att okn fail unk <<<"$jc"
note "journal: attempted $att ok $okn failed $fail unknown $unk"
is "attempted = ok + failed + unknown" "$att" "$((okn + fail + unk))"
is "journal counts match the summary" "$jc" "$sc"
check "some transactions committed" test "$okn" -gt 0
is "transaction ids are unique" "$(awk -F'\t' '!/^#/ { print $1 }' "$J" | sort | uniq -d | wc -l)" 0
nodes_used=$(awk -F'\t' '!/^#/ && $3 == "ok" { print $4 }' "$J" | sort -u | wc -l)
is "ok transactions ran on all three nodes" "$nodes_used" 3
overlap=$(awk -F'\t' '!/^#/ { print $8, $5, $6 }' "$J" | sort -k1,1n -k2,2n |
	awk '$1 == p && $2 < e { n++ } { p = $1; e = $3 } END { print n + 0 }')
is "each process's transactions are sequential" "$overlap" 0
procs=$(awk -F'\t' '!/^#/ { print $8 }' "$J" | sort -u | wc -l)
note "processes: $procs (6 threads, $unk unknown outcomes)"
# An unknown outcome is its process's last transaction: the thread goes on
# as process + threads.
after_unknown=$(awk -F'\t' '!/^#/ { print $8, $5, $3 }' "$J" | sort -k1,1n -k2,2n |
	awk '$1 == p && u { n++ } { u = $3 == "unknown"; p = $1 } END { print n + 0 }')
is "no process goes on after an unknown outcome" "$after_unknown" 0
check "processes: at least the 6 threads, at most 6 + unknown ($procs)" test "$procs" -ge 6 -a "$procs" -le $((6 + unk))

# ---- reads against appends --------------------------------------------------
# appended[key SUBSEP value] = outcome of the appending transaction
read_problems=$(awk -F'\t' '
	/^#/ { next }
	{ n = split($9, m, " ")
	  for (i = 1; i <= n; i++) { split(m[i], f, ":")
		if (f[1] == "a") { if ((f[2], f[3]) in app) dup++; app[f[2], f[3]] = $3 }
		else if ($3 == "ok") reads[++nr] = f[2] ":" f[3] } }
	END {
		for (r = 1; r <= nr; r++) {
			c = index(reads[r], ":"); k = substr(reads[r], 1, c - 1); l = substr(reads[r], c + 1)
			nv = split(l, v, ",")
			delete seen
			for (j = 1; j <= nv; j++) {
				if (!((k, v[j]) in app)) unexplained++
				else if (app[k, v[j]] == "failed") aborted++
				if (v[j] in seen) twice++
				seen[v[j]] = 1
			}
		}
		printf "%d %d %d %d %d\n", nr, unexplained, aborted, twice, dup
	}' "$J")
read -r nreads unexplained aborted twice dup <<<"$read_problems"
note "ok reads: $nreads"
check "ok transactions read lists ($nreads reads)" test "$nreads" -gt 0
is "every value read was appended to that key by some transaction" "$unexplained" 0
is "no value read was appended by a failed transaction" "$aborted" 0
is "no list read holds a value twice" "$twice" 0
is "no value was appended twice" "$dup" 0

# ---- the survivors' tables ----------------------------------------------------
awk -F'\t' '!/^#/ { n = split($9, m, " "); for (i = 1; i <= n; i++) { split(m[i], f, ":")
	if (f[1] == "a") print $3, f[2], f[3] } }' "$J" >"$OUT/appends"
for n in 1 3; do
	sql $n "SELECT k, v FROM bank.append_kv" >"$OUT/table$n" || not_ok "read append_kv on node $n"
done
is "the survivors agree on append_kv" "$(cmp -s "$OUT/table1" "$OUT/table3" && echo same)" same
table_check=$(awk -v T="$OUT/table1" -F'\t' '
	BEGIN { while ((getline line < T) > 0) { split(line, t, "\t"); final[t[1]] = t[2]
		nv = split(t[2], v, ","); for (j = 1; j <= nv; j++) has[t[1], v[j]] = 1 } }
	/^#/ { next }
	{ n = split($9, m, " ")
	  for (i = 1; i <= n; i++) { split(m[i], f, ":")
		if (f[1] == "a" && $3 == "ok" && !((f[2], f[3]) in has)) lost++
		if (f[1] == "a" && $3 == "failed" && ((f[2], f[3]) in has)) phantom++
		if (f[1] == "r" && $3 == "ok" && f[3] != "" && final[f[2]] != f[3] &&
		    substr(final[f[2]], 1, length(f[3]) + 1) != f[3] ",") notprefix++ } }
	END { printf "%d %d %d\n", lost, phantom, notprefix }' "$J")
read -r lost phantom notprefix <<<"$table_check"
is "every ok-appended value is in the final lists" "$lost" 0
is "no failed-appended value is in the final lists" "$phantom" 0
is "every ok read is a prefix of its key's final list" "$notprefix" 0
keys=$(wc -l <"$OUT/table1")
longest=$(awk -F'\t' '{ n = split($2, v, ","); if (n > m) m = n } END { print m + 0 }' "$OUT/table1")
note "keys used: $keys, longest list: $longest values"
check "keys rotated (more keys than the 6 active, lists at most 24 long)" test "$keys" -gt 6 -a "$longest" -le 24

# ---- session settings ----------------------------------------------------------
want_iso=$(tr 'a-z' 'A-Z' <<<"$ISOLATION")
check "$want_iso and wsrep_sync_wait=$SYNC_WAIT were applied (read back)" \
	grep -Eq "^session: isolation=$want_iso wsrep_sync_wait=$SYNC_WAIT " "$OUT/run.out"
survivors="$(addr 1),$(addr 3)"
"$LAB" workload --workload append --hosts "$survivors" --defaults-file "$CNF" --threads 2 \
	--duration 2s --journal "$OUT/journal2" --no-load --isolation read-committed --sync-wait 1 \
	--read-ratio 1 \
	>"$OUT/run2.out" 2>&1
is "a second run on the survivors (--no-load) exits 0" "$?" 0
grep '^session:' "$OUT/run2.out" | sed 's/^/# /'
check "READ-COMMITTED and wsrep_sync_wait=1 were applied (read back)" \
	grep -Eq '^session: isolation=READ-COMMITTED wsrep_sync_wait=1 ' "$OUT/run2.out"
first2=$(awk -F'\t' '!/^#/ { split($9, m, " "); split(m[1], f, ":"); print f[2]; exit }' "$OUT/journal2")
maxk=$(cut -f1 "$OUT/table1" | sort -n | tail -1)
check "--no-load continues above the existing keys ($first2 > $maxk)" test "${first2:-0}" -gt "$maxk"

# ---- the bank's journal reader refuses the journal ------------------------------
"$LAB" check --hosts "$survivors" --defaults-file "$CNF" --journal "$J" --checks durability \
	>"$OUT/check.out" 2>&1
rc=$?
sed 's/^/# /' "$OUT/check.out" | head -3
check "lab check --journal says: an append journal, not a bank journal (exit $rc)" \
	grep -q 'an append journal, not a bank journal' "$OUT/check.out"

# ---- the bank's audit on the survivors ---------------------------------------------
"$LAB" workload --hosts "$survivors" --defaults-file "$CNF" --threads 4 --duration 4s \
	--journal "$OUT/bank.journal" --customers 200 \
	--mix credit=30,purchase=45,transfer=10,new_customer=10,delete_customer=5,audit=10 \
	>"$OUT/bank.out" 2>&1
is "the bank with audits exits 0" "$?" 0
grep -E '^(summary|audits):' "$OUT/bank.out" | sed 's/^/# /'
read -r audits skew <<<"$(sed -n 's/^audits: \([0-9]*\) ok, read skew in \([0-9]*\).*/\1 \2/p' "$OUT/bank.out")"
check "audits committed (${audits:-0})" test "${audits:-0}" -gt 0
is "no audit saw read skew" "${skew:-x}" 0
is "no read-skew line in the bank journal" "$(grep -c '^# read-skew' "$OUT/bank.journal")" 0
