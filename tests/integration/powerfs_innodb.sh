#!/usr/bin/env bash
# powerfs_innodb.sh — a real mariadbd whose datadir is on the power-loss
# filesystem, under an INSERT load whose acknowledged ids are recorded.
#
# Part 1 (fsync honoured, cache none, innodb_flush_log_at_trx_commit=1):
#   POWERFS_CUTS power cuts (default 20): SIGKILL mariadbd, drop every
#   pending write, restart; no acknowledged id may be missing, and the cuts
#   must really have dropped pages.
# POWERFS_KEEP=F makes each cut a torn one (a seeded fraction F of the
# pending pages is written back in random order); POWERFS_EVIDENCE=1 keeps
# the post-cut datadir image and the trace of a cut that loses data or stops
# recovery in /var/tmp/lab-evidence/ (tests/nightly/powerfs_innodb_long.sh
# sets both); everything else goes with the test's directory.
# Part 2 (cache unsafe + innodb_flush_log_at_trx_commit=0): one cut must
#   lose acknowledged ids, and the test detects it.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/cluster.sh"
need_root "powerfs needs root (FUSE mount, mount namespace)"
[ -c /dev/fuse ] || { skip "powerfs innodb" "no /dev/fuse"; exit 0; }
command -v mariadbd >/dev/null || { skip "powerfs innodb" "mariadbd not installed"; exit 0; }

CUTS=${POWERFS_CUTS:-20}
KEEP=${POWERFS_KEEP:-0}
EVIDENCE=${POWERFS_EVIDENCE:-0}
lab_fixture_init
PORT=${POWERFS_PORT:-$(fixture_port)}
base=$(fixture_tmp powerfs)
EVID=/var/tmp/lab-evidence/powerfs_innodb.$FIX_NAME
B=$base/backing M=$base/data S=$base/ctl.sock SOCK=$base/mysqld.sock
daemon= mysqld= loadpid=

sql() { mariadb --no-defaults -uroot --socket="$SOCK" -N -B -e "$1"; }
inns() { "$LAB" _powerfs exec "$S" -- "$@"; }

cleanup() {
	[ -n "$loadpid" ] && kill "$loadpid" 2>/dev/null
	if [ -n "$mysqld" ] && kill -0 "$mysqld" 2>/dev/null; then
		kill -9 "$mysqld" 2>/dev/null
	fi
	if [ -n "$daemon" ] && kill -0 "$daemon" 2>/dev/null; then
		"$LAB" _powerfs ctl "$S" stop noflush >/dev/null 2>&1
		for _ in $(seq 100); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$daemon" 2>/dev/null
	fi
	wait 2>/dev/null
}
fixture_at_exit cleanup

mkdir -p "$B" "$M"
chown mysql:mysql "$B" "$base"
"$LAB" _powerfs "$B" "$M" --socket "$S" --mode none >>"$base/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do "$LAB" _powerfs ctl "$S" stats >/dev/null 2>&1 && break; sleep 0.1; done
check "daemon mounted" bash -c '"$@" >/dev/null' _ "$LAB" _powerfs ctl "$S" stats

if ! inns mariadb-install-db --no-defaults --user=mysql --datadir="$M" \
	--auth-root-authentication-method=normal --skip-test-db >"$base/install.log" 2>&1; then
	not_ok "mariadb-install-db on powerfs" "$(tail -3 "$base/install.log")"
	exit 1
fi
ok "mariadb-install-db on powerfs"
# What install-db wrote must be durable before the first cut counts.
"$LAB" _powerfs ctl "$S" flush >/dev/null

start_mysqld() { # extra args...
	# Not through the inns function: $! must be mariadbd itself (exec).
	"$LAB" _powerfs exec "$S" -- mariadbd --no-defaults --user=mysql --datadir="$M" --socket="$SOCK" \
		--pid-file="$base/mysqld.pid" --port="$PORT" --bind-address=127.0.0.1 \
		--log-error="$base/error.log" --innodb-buffer-pool-size=64M \
		--innodb-log-file-size=48M --skip-name-resolve --skip-log-bin \
		--innodb-flush-log-at-trx-commit=1 --innodb-max-dirty-pages-pct=0 \
		--innodb-max-dirty-pages-pct-lwm=0 "$@" &
	mysqld=$!
	for _ in $(seq 600); do
		sql 'SELECT 1' >/dev/null 2>&1 && return 0
		kill -0 "$mysqld" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# INSERTs in autocommit; after each one the client prints its id, so a
# printed id is an acknowledged commit.
start_load() { # first id
	awk -v s="$1" 'BEGIN { srand(s); for (i = s; ; i++)
		printf "INSERT INTO bank.acks VALUES (%d, %d, REPEAT(\"x\", 300)); SELECT %d;\n", i, int(rand() * 1000000), i }' |
		mariadb --no-defaults -uroot --socket="$SOCK" -N -B --unbuffered >>"$base/acked" 2>>"$base/load.err" &
	loadpid=$!
}

# Every acknowledged id present? Prints the number missing.
missing() {
	sql 'SELECT id FROM bank.acks' | sort >"$base/present"
	sort -u "$base/acked" >"$base/acked.sorted"
	comm -23 "$base/acked.sorted" "$base/present" | wc -l
}

power_cut() { # seed
	kill -9 "$mysqld" 2>/dev/null
	wait "$mysqld" 2>/dev/null
	if kill -0 "$mysqld" 2>/dev/null; then
		echo "error mariadbd $mysqld survived SIGKILL" >"$base/cut.reply"
		return 1
	fi
	mysqld=
	wait "$loadpid" 2>/dev/null
	loadpid=
	"$LAB" _powerfs ctl "$S" cut keep="${2:-0}" seed="$1" trace="$base/trace.$1" >"$base/cut.reply"
	if [ "$EVIDENCE" = 1 ]; then
		"$LAB" _powerfs save-image "$B" "$base/image.$1"
	fi
}

# keep_evidence CUT: the post-cut image and the trace outlive the test.
keep_evidence() {
	mkdir -p "$EVID"
	mv "$base/image.$1" "$base/trace.$1" "$EVID/" && cp "$base/error.log" "$EVID/error.log.$1"
	note "evidence: $EVID/image.$1 (post-cut datadir), $EVID/trace.$1 (operation trace)"
}

if ! start_mysqld; then
	not_ok "mariadbd starts on powerfs" "$(tail -5 "$base/error.log")"
	exit 1
fi
ok "mariadbd starts on powerfs (allow_other, O_DIRECT stripped)"
sql 'CREATE DATABASE IF NOT EXISTS bank; CREATE TABLE bank.acks (id BIGINT PRIMARY KEY, k INT NOT NULL, pad VARCHAR(400), INDEX (k)) ENGINE=InnoDB'
: >"$base/acked"

lost_total=0 dropped_total=0 failed_start=0 start_why= t0=$(date +%s)
for cut in $(seq 1 "$CUTS"); do
	start_load $((cut * 10000000))
	sleep "$(awk -v s="$cut" 'BEGIN { srand(s); printf "%.1f", 1 + rand() * 2 }')"
	power_cut "$cut" "$KEEP"
	d=$(grep -o 'dropped_pages=[0-9]*' "$base/cut.reply" | cut -d= -f2)
	dropped_total=$((dropped_total + ${d:-0}))
	if ! start_mysqld; then
		kill -9 "$mysqld" 2>/dev/null; wait "$mysqld" 2>/dev/null; mysqld=
		failed_start=$((failed_start + 1))
		start_why="cut $cut of $CUTS (keep=$KEEP): $(grep -E 'ERROR|corrupt' "$base/error.log" | tail -3 | tr '\n' ' ' | cut -c1-600)"
		note "mariadbd did not come back after $start_why"
		# The evidence outlives the test: the post-cut trace, the server's
		# log and the datadir as recovery left it (the failure is either a
		# MariaDB finding or a powerfs bug; both need it).
		if [ "$EVIDENCE" = 1 ]; then
			keep_evidence "$cut"
		else
			mkdir -p "$EVID" && cp "$base/error.log" "$base/trace.$cut" "$base/cut.reply" "$EVID/" 2>/dev/null
			tar -C "$B" -czf "$EVID/backing-after-recovery.tgz" . 2>/dev/null
			note "evidence: $EVID (error.log, trace.$cut, backing-after-recovery.tgz)"
		fi
		break
	fi
	n=$(missing)
	if [ "$EVIDENCE" = 1 ]; then
		if [ "$n" -gt 0 ]; then
			keep_evidence "$cut"
		else
			rm -rf "$base/image.$cut"
		fi
	fi
	note "cut $cut: $(wc -l <"$base/acked.sorted") acknowledged so far, $n missing, $d pages dropped"
	lost_total=$((lost_total + n))
done
note "$CUTS cuts (keep=$KEEP) in $(($(date +%s) - t0)) s"
note "daemon: $("$LAB" _powerfs ctl "$S" stats)"
if [ "$failed_start" = 0 ]; then ok "fsync honoured: mariadbd recovered after every cut"
else not_ok "fsync honoured: mariadbd recovered after every cut" "$start_why (evidence: $EVID)"; fi
is "fsync honoured: no acknowledged commit lost in $CUTS power cuts" "$lost_total" 0
acked=$(wc -l <"$base/acked.sorted")
if [ "$acked" -gt 100 ]; then ok "load made $acked acknowledged commits"; else not_ok "load made commits" "only $acked"; fi
if [ "$dropped_total" -gt 0 ]; then ok "the cuts dropped $dropped_total pending pages (the fault is real)"; else not_ok "the cuts dropped pending pages" "none"; fi

# Part 2: unsafe cache + innodb_flush_log_at_trx_commit=0 loses acknowledged commits.
if [ -n "$mysqld" ]; then
	"$LAB" _powerfs ctl "$S" mode unsafe >/dev/null
	sql 'SET GLOBAL innodb_flush_log_at_trx_commit = 0'
	before=$(wc -l <"$base/acked.sorted")
	start_load $(((CUTS + 1) * 10000000))   # ids past every cut's (cut N starts at N * 10^7)
	# Until the load has commits acknowledged in this phase (a busy
	# machine may need more than a few seconds), at most 60 s.
	n0=$(wc -l <"$base/acked")
	for _ in $(seq 600); do
		[ $(($(wc -l <"$base/acked") - n0)) -ge 2000 ] && break
		sleep 0.1
	done
	sleep 1
	power_cut 999
	"$LAB" _powerfs ctl "$S" mode none >/dev/null
	if start_mysqld; then
		n=$(missing)
		note "unsafe: $(($(wc -l <"$base/acked.sorted") - before)) acknowledged during the unsafe phase, $n missing after the cut"
		if [ "$n" -gt 0 ]; then ok "unsafe cache: the power cut lost $n acknowledged commits (detected)"
		else not_ok "unsafe cache: acknowledged commits lost" "none missing ($(tail -2 "$base/load.err" | tr '\n' ' '))"; fi
	else
		# Not coming back is also a detected loss, but say which.
		ok "unsafe cache: mariadbd could not recover after the cut (loss detected: $(grep -E 'ERROR' "$base/error.log" | tail -1))"
	fi
	kill -9 "$mysqld" 2>/dev/null; wait "$mysqld" 2>/dev/null; mysqld=
fi

pid=$daemon
"$LAB" _powerfs ctl "$S" stop >/dev/null
wait "$daemon"; daemon=
is "daemon gone" "$(kill -0 "$pid" 2>/dev/null && echo alive || echo gone)" gone
is "no mount left" "$(grep -c "$base" /proc/mounts)" 0
