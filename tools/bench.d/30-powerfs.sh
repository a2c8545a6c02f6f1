#!/usr/bin/env bash
# 30-powerfs.sh — what the power-loss filesystem costs: sysbench
# oltp_write_only against one mariadbd on a plain datadir and against the
# same server settings with the datadir on powerfs (cache none, fsync
# honoured), side by side, with the ratio. A third run passes every fsync
# through to the backing file as well (--real-sync), the like-for-like
# durability cost. Target: the layer costs at most 30 %.
#
#   POWERFS_BENCH_TIME=30 (s per run)  POWERFS_BENCH_THREADS=4
# Ports 13401, /var/tmp/lab-bench/powerfs.
set -u
LAB_REL=${LAB_REL:-$(cd "$(dirname "$0")/../.." && pwd)/lab}
TIME=${POWERFS_BENCH_TIME:-30}
THREADS=${POWERFS_BENCH_THREADS:-4}
PORT=13401
base=/var/tmp/lab-bench/powerfs
for c in sysbench mariadbd mariadb-install-db nsenter; do
	command -v $c >/dev/null || { echo "30-powerfs: SKIP: $c not installed"; exit 0; }
done
[ -c /dev/fuse ] && [ "$(id -u)" -eq 0 ] || { echo "30-powerfs: SKIP: needs root and /dev/fuse"; exit 0; }
[ -x "$LAB_REL" ] || { echo "30-powerfs: SKIP: build lab first ($LAB_REL)"; exit 0; }

mysqld= daemon=
cleanup() {
	[ -n "$mysqld" ] && kill "$mysqld" 2>/dev/null && wait "$mysqld" 2>/dev/null
	if [ -n "$daemon" ]; then
		"$LAB_REL" _powerfs ctl "$base/ctl.sock" stop noflush >/dev/null 2>&1
		wait "$daemon" 2>/dev/null
	fi
}
trap cleanup EXIT

# run_one NAME DATADIR [WRAP...]: install, start, prepare, run; prints tps.
run_one() {
	local name=$1 datadir=$2 sock=$base/mysqld.sock
	shift 2
	"$@" mariadb-install-db --no-defaults --user=mysql --datadir="$datadir" \
		--auth-root-authentication-method=normal --skip-test-db >"$base/$name.install.log" 2>&1 || {
		echo "30-powerfs: install failed ($name)" >&2; return 1; }
	"$@" mariadbd --no-defaults --user=mysql --datadir="$datadir" --socket="$sock" \
		--port=$PORT --bind-address=127.0.0.1 --log-error="$base/$name.error.log" \
		--pid-file="$base/$name.pid" --skip-log-bin --innodb-buffer-pool-size=256M \
		--innodb-log-file-size=128M --innodb-flush-log-at-trx-commit=1 --max-connections=100 &
	mysqld=$!
	for _ in $(seq 600); do
		mariadb --no-defaults -uroot --socket="$sock" -e 'SELECT 1' >/dev/null 2>&1 && break
		sleep 0.1
	done
	mariadb --no-defaults -uroot --socket="$sock" -e 'CREATE DATABASE sbtest'
	local sb=(sysbench oltp_write_only --db-driver=mysql --mysql-socket="$sock" --mysql-user=root
		--mysql-db=sbtest --tables=4 --table-size=20000 --threads="$THREADS")
	"${sb[@]}" prepare >"$base/$name.prepare.log" 2>&1
	"${sb[@]}" --time="$TIME" --report-interval=0 run >"$base/$name.run.log" 2>&1
	kill "$mysqld"; wait "$mysqld" 2>/dev/null; mysqld=
	awk '/transactions:/ { gsub(/\(/, "", $3); print $3 }' "$base/$name.run.log"
}

rm -rf "$base"
mkdir -p "$base/plain" "$base/pfs/backing" "$base/pfs/data"
chown -R mysql:mysql "$base"
plain=$(run_one plain "$base/plain")

start_pfs() { # extra daemon args
	rm -rf "$base/pfs"
	mkdir -p "$base/pfs/backing" "$base/pfs/data"
	chown mysql:mysql "$base/pfs/backing"
	"$LAB_REL" _powerfs "$base/pfs/backing" "$base/pfs/data" --socket "$base/ctl.sock" --mode none "$@" \
		>>"$base/daemon.log" 2>&1 &
	daemon=$!
	for _ in $(seq 100); do "$LAB_REL" _powerfs ctl "$base/ctl.sock" stats >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}
stop_pfs() {
	"$LAB_REL" _powerfs ctl "$base/ctl.sock" stats >"$base/$1.stats"
	"$LAB_REL" _powerfs ctl "$base/ctl.sock" stop >/dev/null
	wait "$daemon"; daemon=
}
start_pfs
layer=$(run_one powerfs "$base/pfs/data" "$LAB_REL" _powerfs exec "$base/ctl.sock" --)
stop_pfs powerfs
start_pfs --real-sync
layer_sync=$(run_one powerfs-realsync "$base/pfs/data" "$LAB_REL" _powerfs exec "$base/ctl.sock" --)
stop_pfs powerfs-realsync

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f (cost %.0f %%)", a / b, (1 - a / b) * 100; else print "n/a" }'; }
printf 'sysbench oltp_write_only, %d threads, %d s, 4x20000 rows, flush_log_at_trx_commit=1\n' "$THREADS" "$TIME"
printf '  %-34s %10s tps\n' "plain datadir" "$plain"
printf '  %-34s %10s tps   ratio %s\n' "powerfs, cache none (fsync honoured)" "$layer" "$(ratio "$layer" "$plain")"
printf '  %-34s %10s tps   ratio %s\n' "powerfs + real fsync of backing" "$layer_sync" "$(ratio "$layer_sync" "$plain")"
echo "  daemon stats: $(cut -c1-200 "$base/powerfs.stats")"
