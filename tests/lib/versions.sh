# tests/lib/versions.sh — the older server build the version tests run
# (sourced, after tap.sh).
#
#   need_build VERSION   make sure `lab versions` has VERSION: cached
#                        builds are reused between runs (the cache dir,
#                        LAB_CACHE_DIR or /var/cache/lab, is shared and
#                        never deleted); otherwise fetched from Debian's
#                        archive. When the archive does not know it or
#                        cannot be reached: one SKIP line with the reason,
#                        and the script ends.
need_build() {
	local v=$1 out rc t0
	if "$LAB" versions | awk -v v="$v" '$1 == v { f = 1 } END { exit !f }'; then
		note "build $v: already cached or installed"
		return 0
	fi
	# apt's index knows the package (no network needed for this)?
	if ! out=$(timeout 30 apt-get download --print-uris "mariadb-server-core=1:$v-0+deb12u1" 2>&1) ||
	   ! echo "$out" | grep -q "^'http"; then
		skip "server build $v" "Debian's archive index has no mariadb-server-core $v: $(echo "$out" | tail -1)"
		exit 0
	fi
	t0=$(date +%s)
	out=$(timeout 300 "$LAB" versions fetch "$v" 2>&1)
	rc=$?
	note "$out"
	if [ "$rc" != 0 ]; then
		skip "server build $v" "the archive is unreachable or the fetch failed (exit $rc): $(echo "$out" | tail -1)"
		exit 0
	fi
	note "fetched $v in $(($(date +%s) - t0)) s"
}
