# tests/lib/solo-mariadb.sh — one standalone mariadbd on 127.0.0.1 for tests
# that need a real server but not a cluster (sourced).
#
#   solo_start DIR PORT     create a datadir in DIR, start mariadbd on PORT,
#                           create user lab / database bank; sets SOLO_PID.
#                           mariadb-install-db fails now and then on the
#                           shared machine: a failed start is retried once
#                           (on a fresh datadir if this call created it).
#   solo_stop DIR           stop the server started from DIR (by its pid file,
#                           if that pid is still a mariadbd of DIR)
#   solo_sql PORT SQL       run SQL as the lab user
# The lab user's password is $LAB_PASSWORD (exported by solo_start).
export LAB_PASSWORD=${LAB_PASSWORD:-labpass}

solo_start() {
	local fresh=1
	[ -d "$1/data/mysql" ] && fresh=0
	solo_start_once "$1" "$2" && return 0
	echo "# retrying the server in $1 once"
	solo_stop "$1"
	# Only a datadir this call created is thrown away: a restart keeps
	# the data the test is about.
	[ $fresh = 1 ] && rm -rf "$1/data"
	solo_start_once "$1" "$2"
}

solo_start_once() {
	local dir=$1 port=$2
	mkdir -p "$dir" "$dir/tmp"
	chown mysql:mysql "$dir" "$dir/tmp"
	# A private temporary directory: mariadb-install-db and the server
	# otherwise collide with other servers' files in the shared /tmp.
	export TMPDIR="$dir/tmp"
	if [ ! -d "$dir/data/mysql" ]; then
		mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
			--auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 || {
			echo "# mariadb-install-db failed:"; sed 's/^/# /' "$dir/install.log"; return 1; }
	fi
	mariadbd --no-defaults --user=mysql --datadir="$dir/data" --socket="$dir/mysqld.sock" \
		--pid-file="$dir/mysqld.pid" --port="$port" --bind-address=127.0.0.1 \
		--log-error="$dir/error.log" --tmpdir="$dir/tmp" --innodb-buffer-pool-size=128M \
		--innodb-log-file-size=64M --max-connections=500 --skip-name-resolve \
		${SOLO_EXTRA_ARGS:-} &
	SOLO_PID=$!
	local i
	for i in $(seq 1 300); do
		if mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e 'SELECT 1' >/dev/null 2>&1; then
			mariadb --no-defaults -uroot --socket="$dir/mysqld.sock" -e "
				CREATE USER IF NOT EXISTS 'lab'@'%' IDENTIFIED BY '$LAB_PASSWORD';
				CREATE USER IF NOT EXISTS 'lab'@'localhost' IDENTIFIED BY '$LAB_PASSWORD';
				GRANT ALL ON *.* TO 'lab'@'%'; GRANT ALL ON *.* TO 'lab'@'localhost';
				CREATE DATABASE IF NOT EXISTS bank;"
			return $?
		fi
		kill -0 "$SOLO_PID" 2>/dev/null || { echo "# mariadbd exited:"; tail -20 "$dir/error.log" | sed 's/^/# /'; return 1; }
		sleep 0.2
	done
	echo "# mariadbd did not answer within 60 s"
	return 1
}

solo_stop() {
	local dir=$1 pid
	pid=$(cat "$dir/mysqld.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	# A server killed with SIGKILL leaves its pid file: the pid may belong
	# to someone else's process by now. Only the server of this datadir.
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--datadir=$dir/data " || return 0
	kill "$pid" 2>/dev/null || return 0
	local i
	for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

solo_sql() {
	mariadb --no-defaults -h127.0.0.1 -P"$1" -ulab -p"$LAB_PASSWORD" -N -B -e "$2"
}
