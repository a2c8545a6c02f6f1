#!/usr/bin/env bash
# package_deb.sh — `make deb` builds lab's Debian package with Debian's own
# tools (dpkg-buildpackage, debhelper) and it holds what it should: dpkg -c
# lists the binary, the man page, the bash completion, every shipped scenario
# and the docs; Depends names the libraries (shlibs) and the run-time
# packages, each of which `make deps` installs; lintian finds no error (SKIP
# when lintian is absent; make nightly, make deps-deb and make deb install
# it); the packaged man page renders; the packaged lab, unpacked with dpkg -x
# (never installed), says its commit and finds its scenarios. The tree's git
# status is the same after the build. Touches no node, needs no root.
# Nightly, not make test: 35 to 70 s (a full compile with Debian's flags on
# 2 shared cores); tests/integration/package_install.sh is the quick part.
. "$(dirname "$0")/../lib/tap.sh"
cd "$LAB_TOP" || exit 1
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
	skip "make deb builds the package" "no dpkg-buildpackage or dh (make deps installs dpkg-dev and debhelper)"
	exit 0
fi
tmp=$(mktemp -d /tmp/lab-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
git_status() { git status --porcelain 2>/dev/null; }

before=$(git_status)
start=$(date +%s)
# noautodbgsym: the -dbgsym package is not what this test looks at.
DEB_BUILD_OPTIONS=noautodbgsym make -s --no-print-directory deb-only >"$tmp/out" 2>"$tmp/err"
rc=$?
deb=$(tail -1 "$tmp/out")
is "make deb-only exits 0" "$rc" 0
[ $rc -eq 0 ] || { sed 's/^/# /' "$tmp/err" | tail -20; exit 1; }
note "built in $(($(date +%s) - start)) s"
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
arch=$(dpkg --print-architecture)
is "it names build/deb/lab_VERSION_ARCH.deb" "$deb" "build/deb/lab_${version}_${arch}.deb"
check "the package is there" test -s "$deb"
is "git status is what it was before the build" "$(git_status)" "$before"

# 1. What it holds.
dpkg -c "$deb" | awk '{print $6}' | sed 's#^\./#/#' >"$tmp/contents"
missing=
for f in /usr/bin/lab /usr/share/man/man1/lab.1.gz /usr/share/bash-completion/completions/lab \
	/usr/share/doc/lab/copyright /usr/share/doc/lab/README.md /usr/share/doc/lab/docs/cli.md \
	/usr/share/doc/lab/docs/scenario-format.md; do
	grep -qxF "$f" "$tmp/contents" || missing="$missing $f"
done
for s in scenarios/*.yaml; do
	grep -qxF "/usr/share/lab/$s" "$tmp/contents" || missing="$missing /usr/share/lab/$s"
done
is "dpkg -c: binary, man page, completion, docs and every scenario" "${missing# }" ""
note "$(grep -c '[^/]$' "$tmp/contents") files, $(grep -c '^/usr/share/lab/scenarios/.' "$tmp/contents") scenarios"
check "nothing outside /usr" bash -c '! grep -v "^/usr/\|^/$" "$1"' _ "$tmp/contents"

# 2. Depends: libraries from shlibs, and the servers and tools lab runs,
# each one that make deps installs (so the two lists cannot drift apart).
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libmariadb3 libsqlite3-0 libfuse3-3 libyaml-0-2; do
	check "Depends: $lib (shlibs)" grep -qE "(^|, )$lib( |,|$)" <<<"$depends"
done
deb_pkgs=$(awk '/^DEB_PKGS :=/{on=1} on{print} on && !/\\$/{exit}' Makefile | tr -d '\\' | sed 's/^DEB_PKGS :=//')
runtime=$(tr ',' '\n' <<<"$(sed -n '/^Package: lab/,$p' debian/control | sed -n '/^Depends:/,/^[A-Z]/p' |
	sed '$d; s/^Depends://')" | tr -d ' ' | grep -v '^\${\|^$' | sed 's/(.*//')
missing=
for p in $runtime; do
	grep -qE "(^|, )$p( |,|$)" <<<"$depends" || missing="$missing not-in-deb:$p"
	grep -qw -- "$p" <<<"$deb_pkgs" || missing="$missing not-in-DEB_PKGS:$p"
done
for p in mariadb-server galera-4 fuse3 iproute2 nftables; do
	grep -qw -- "$p" <<<"$runtime" || missing="$missing not-in-control:$p"
done
is "Depends has the run-time packages, each in the Makefile's DEB_PKGS" "${missing# }" ""
note "Depends: $depends"

# 3. lintian.
if command -v lintian >/dev/null; then
	lintian --info "$deb" >"$tmp/lintian" 2>"$tmp/lintian.err"
	lrc=$?
	grep -v 'running with root privileges' "$tmp/lintian.err" | sed 's/^/# /'
	errors=$(grep -c '^E: ' "$tmp/lintian")
	warnings=$(grep -c '^W: ' "$tmp/lintian")
	is "lintian finds no error" "$errors" 0
	is "lintian exits 0" "$lrc" 0
	note "lintian: $errors errors, $warnings warnings"
	sed 's/^/# /' "$tmp/lintian" | head -30
else
	skip "lintian finds no error" "lintian is not installed (make deps-deb installs it)"
fi

# 4. The packaged lab, unpacked beside nothing else.
dpkg -x "$deb" "$tmp/root"
is "dpkg -x unpacks it" "$?" 0
if command -v man >/dev/null; then
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
		"$tmp/root/usr/share/man/man1/lab.1.gz" >/dev/null 2>"$tmp/warn"
	is "man renders the packaged lab(1) without a warning" "$?:$(head -3 "$tmp/warn")" "0:"
else
	skip "man renders the packaged lab(1)" "man is not installed"
fi
version_line=$("$tmp/root/usr/bin/lab" --version)
is "the packaged lab runs" "$?" 0
if git rev-parse --git-dir >/dev/null 2>&1; then
	is "lab --version names the tree's commit" "$version_line" \
		"lab $version (commit $(git describe --always --dirty))"
else
	check "lab --version names a commit" grep -qv 'commit unknown' <<<"$version_line"
fi
list=$(cd /tmp && "$tmp/root/usr/bin/lab" list 2>&1)
is "it lists its scenarios from /usr/share/lab/scenarios" "$(wc -l <<<"$list")" "$(ls scenarios/*.yaml | wc -l)"
check "ELF hardening: BIND_NOW (Debian's LDFLAGS reached the link)" \
	bash -c 'readelf -d "$1" | grep -q "BIND_NOW\|FLAGS.*NOW"' _ "$tmp/root/usr/bin/lab"
