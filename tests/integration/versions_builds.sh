#!/usr/bin/env bash
# versions_builds.sh — several server builds side by side: `lab versions`
# lists the installed build and the cached 10.11.18 with what each mariadbd
# says, a second fetch is a no-op, an uncached version stops `cluster up`
# and `lab run` with exit 2 and one line naming `lab versions fetch`; a
# 2-node Galera cluster on 10.11.18 (install-db, SST scripts, mariadbd all
# from the cache), `lab cluster upgrade 2 10.11.19` (IST, mariadb-upgrade),
# a restart keeps the new build, a downgrade back to 10.11.18.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/versions.sh"
need_root "server builds"
OLD=10.11.18
NAME=hv1
STATE=/var/tmp/lab/$NAME
CNF=$STATE/client.cnf
TMP=$(mktemp -d /var/tmp/lab-versions-test.XXXXXX)
cleanup() { "$LAB" cluster down --name "$NAME" >/dev/null 2>&1; "$LAB" cluster down --name hv1x >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT
"$LAB" cluster down --name "$NAME" >/dev/null 2>&1

INST=$(dpkg-query -W -f='${Version}' mariadb-server-core | sed 's/^[0-9]*://; s/-.*//')
need_build "$OLD"
list=$("$LAB" versions)
note "$list"
check "lab versions lists the installed build ($INST) with its mariadbd --version" \
	bash -c "echo \"\$1\" | grep -Eq '^$INST .*\(installed\).*Ver $INST-MariaDB'" _ "$list"
check "lab versions lists the cached $OLD with its mariadbd --version" \
	bash -c "echo \"\$1\" | grep -Eq '^$OLD .*mariadb-$OLD .*Ver $OLD-MariaDB'" _ "$list"
t0=$(date +%s.%N)
out=$("$LAB" versions fetch "$OLD" 2>&1)
rc=$?
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
is "a second fetch of $OLD exits 0" "$rc" 0
check "a second fetch is the cache's answer ($secs s: $out)" bash -c "echo \"\$1\" | grep -q 'is cached' && awk -v s=$secs 'BEGIN { exit !(s < 5) }'" _ "$out"
out=$("$LAB" versions fetch "$INST" 2>&1)
check "fetching the installed version points at the system build" bash -c "echo \"\$1\" | grep -q 'installed build'" _ "$out"
is "a bad version is a usage error (exit 2)" "$("$LAB" versions fetch 10.x >/dev/null 2>&1; echo $?)" 2

out=$("$LAB" cluster up --name hv1x --version 10.11.1 2>&1)
rc=$?
is "cluster up --version 10.11.1 (not cached) exits 2" "$rc" 2
is "... with one line" "$(echo "$out" | grep -c .)" 1
check "... naming 'lab versions fetch 10.11.1' ($out)" bash -c "echo \"\$1\" | grep -q \"lab versions fetch 10.11.1'\"" _ "$out"
check "... and making nothing" test ! -e /var/tmp/lab/hv1x/state
cat > "$TMP/s.yaml" <<YAML
name: uncached
cluster: { flavor: galera, nodes: 2, versions: { 2: "10.11.1" } }
steps: [ { sleep: 1s } ]
YAML
out=$("$LAB" run "$TMP/s.yaml" --name hv1x --db "$TMP/lab.db" 2>&1)
rc=$?
note "$out"
is "lab run of a scenario with an uncached build exits 2" "$rc" 2
is "... with one line" "$(echo "$out" | grep -c .)" 1
check "... saying 'lab versions fetch 10.11.1', before any run is recorded" \
	bash -c "echo \"\$1\" | grep -q 'lab versions fetch 10.11.1' && [ ! -e \"\$2\" ]" _ "$out" "$TMP/lab.db"

t0=$(date +%s)
out=$("$LAB" cluster up --name "$NAME" --nodes 2 --version "$OLD" 2>&1)
rc=$?
is "cluster up --version $OLD (2 galera nodes) exits 0" "$rc" 0
[ "$rc" = 0 ] || { note "$out"; exit 1; }
note "up in $(($(date +%s) - t0)) s"
ver() { mariadb --defaults-file="$CNF" -h "10.213.$(awk '$1 == "local.subnet" { print $2 }' "$STATE/state").1$1" -N -e 'SELECT VERSION()' 2>/dev/null; }
is "node 1 runs $OLD" "$(ver 1 | cut -d- -f1)" "$OLD"
is "node 2 (SST from node 1 with the cached wsrep_sst_rsync) runs $OLD" "$(ver 2 | cut -d- -f1)" "$OLD"
pid=$("$LAB" cluster pid --name "$NAME" 2)
check "node 2's mariadbd is the cached binary with its own basedir" \
	bash -c "tr '\0' ' ' < /proc/$pid/cmdline | grep -q 'mariadb-$OLD/usr/sbin/mariadbd --no-defaults --basedir=.*mariadb-$OLD/usr --plugin-dir'"
check "node 2's PATH starts in the cached build (its SST scripts)" \
	bash -c "tr '\0' '\n' < /proc/$pid/environ | grep -q '^PATH=.*mariadb-$OLD/usr/bin:'"

mariadb --defaults-file="$CNF" -h "10.213.$(awk '$1 == "local.subnet" { print $2 }' "$STATE/state").11" -e \
	'CREATE TABLE IF NOT EXISTS bank.vt (id INT PRIMARY KEY); INSERT INTO bank.vt VALUES (1), (2), (3)' 2>/dev/null
out=$("$LAB" cluster upgrade --name "$NAME" 2 "$INST" 2>&1)
rc=$?
note "$out"
is "cluster upgrade 2 $INST exits 0" "$rc" 0
is "node 2 runs $INST" "$(ver 2 | cut -d- -f1)" "$INST"
check "it rejoined by IST" bash -c "echo \"\$1\" | grep -q 'Receiving IST'" _ "$out"
check "the detail says how long it was out" bash -c "echo \"\$1\" | grep -Eq 'out [0-9.]+ s'" _ "$out"
check "mariadb-upgrade of the new build ran" bash -c "echo \"\$1\" | grep -q 'mariadb-upgrade [0-9.]* s'" _ "$out"
is "the state file records it" "$(awk '$1 == "node.2.version" { print $2 }' "$STATE/state")" "$INST"
"$LAB" cluster stop --name "$NAME" 2 >/dev/null 2>&1 && "$LAB" cluster start --name "$NAME" 2 >/dev/null 2>&1 &&
	"$LAB" cluster wait --name "$NAME" 2 synced >/dev/null 2>&1
is "a restart keeps the new build" "$(ver 2 | cut -d- -f1)" "$INST"
is "the write made before the upgrade is there" "$(mariadb --defaults-file="$CNF" -h "10.213.$(awk '$1 == "local.subnet" { print $2 }' "$STATE/state").12" -N -e 'SELECT count(*) FROM bank.vt' 2>/dev/null)" 3
out=$("$LAB" cluster upgrade --name "$NAME" 2 "$OLD" 2>&1)
rc=$?
note "$out"
is "a downgrade back to $OLD exits 0" "$rc" 0
check "a downgrade is a slow shutdown and runs no mariadb-upgrade" \
	bash -c "echo \"\$1\" | grep -q 'innodb_fast_shutdown=0' && echo \"\$1\" | grep -q 'no mariadb-upgrade'" _ "$out"
is "node 2 runs $OLD again" "$(ver 2 | cut -d- -f1)" "$OLD"
out=$("$LAB" cluster upgrade --name "$NAME" 2 10.11.1 2>&1)
is "an upgrade to an uncached build exits 2" "$?" 2
check "... naming lab versions fetch, and node 2 still runs" bash -c "echo \"\$1\" | grep -q 'lab versions fetch 10.11.1' && [ \"\$(\"$LAB\" cluster pid --name $NAME 2)\" -gt 0 ]" _ "$out"
is "cluster down exits 0" "$("$LAB" cluster down --name "$NAME" >/dev/null 2>&1; echo $?)" 0
check "no server of the cluster is left" bash -c "! ps -eo args= | grep -v grep | grep -q '$STATE/'"
check "the cache is still there" test -x "${LAB_CACHE_DIR:-/var/cache/lab}/mariadb-$OLD/usr/sbin/mariadbd"
echo "1..$tap_n"
