# lab — build, test, deps, demo.
#
#   make            build ./lab
#   make deps       install the Debian packages lab needs (no-op when present)
#   make test       deps + unit tests (ASan/UBSan) + integration tests on real servers
#   make demo       deps + build + a real scenario on the embedded local cluster
#   make bench      side-by-side measurements (workload vs sysbench, checker, powerfs)
#   make nightly    the long tests (VMs, scenarios over 5 minutes, 10 min of fuzzing each)
#   make fuzz-smoke each fuzzer (tests/fuzz/) FUZZ_SECONDS (30) from its corpus; fails on a crash
#   make docs       regenerate the generated parts of docs/ from ./lab (tools/gen-docs)
#   make install    ./lab, its man page, bash completion, scenarios and docs under
#                   DESTDIR PREFIX (default /usr/local); make uninstall removes them
#   make deb        build/deb/lab_VERSION_ARCH.deb with dpkg-buildpackage (debian/)
#
# Sources are picked up by directory: a new module is a new .c file, no
# Makefile edit. Unit tests are tests/unit/test_*.c (cmocka), one binary each,
# linked against every module but harness/cli/lab.c (main).
#
# The rooms (docs/architecture.md):
#   lib/              the ground floor: errors, strbuf, exec, files, dbconn, GTID sets
#   harness/cli/      main, the verb table, one cmd_X.c per verb
#   harness/scenario/ the scenario format: schema tables, YAML parser, lint
#   harness/run/      the runner, the faults table, the undo stack
#   harness/cluster/  the cluster API, backends and flavors
#   harness/local/    network namespaces and powerfs (the local backend's floor)
#   harness/virt/     libvirt
#   workloads/ checkers/ results/   what their names say

CC      ?= gcc
PKGS    := libmariadb yaml-0.1 sqlite3 fuse3 libcurl json-c openssl
HAVE_LIBVIRT := $(shell pkg-config --exists libvirt 2>/dev/null && echo 1)
ifeq ($(HAVE_LIBVIRT),1)
PKGS    += libvirt libvirt-qemu
else
DEFS    += -DLAB_NO_LIBVIRT
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes
CFLAGS  ?= -O2 -g
CPPFLAGS += -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Ibuild/gen $(addprefix -I,$(SRCDIRS)) $(PKG_CFLAGS) $(DEFS)
LDLIBS  := $(PKG_LIBS) -lpthread -lm

SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCDIRS := lib harness/cli harness/scenario harness/run harness/cluster harness/local harness/virt \
	workloads checkers results history
SRCS    := $(foreach d,$(SRCDIRS),$(wildcard $(d)/*.c))
LIBSRCS := $(filter-out harness/cli/lab.c,$(SRCS))
OBJS    := $(SRCS:%.c=build/rel/%.o)
TOBJS   := $(SRCS:%.c=build/test/%.o)
TLIBOBJS:= $(LIBSRCS:%.c=build/test/%.o)
UNITSRC := $(wildcard tests/unit/test_*.c)
UNITBIN := $(UNITSRC:tests/unit/%.c=build/test/%)

# Debian packages: run-time, build-time and test-time.
DEB_PKGS := build-essential pkg-config libjson-c-dev libcurl4-openssl-dev python3 mariadb-server mariadb-client galera-4 mariadb-backup \
	default-libmysqlclient-dev libyaml-dev libsqlite3-dev sqlite3 libcmocka-dev \
	iproute2 nftables rsync socat lsof procps e2fsprogs fuse3 libfuse3-dev libvirt-dev clang libclang-rt-14-dev \
	ca-certificates chromium openssl libssl-dev \
	corosync pacemaker pacemaker-cli-utils resource-agents crmsh bc
BENCH_PKGS := sysbench
# Building and checking the Debian package: make deb, make nightly
# (tests/nightly/package_deb.sh). Not make test's: lintian is 120 packages.
DEBPKG_PKGS := dpkg-dev debhelper lintian groff-base man-db
# The VM backend's host side (vm-images/, tests/nightly/vm_*.sh) only.
VM_PKGS := libvirt-daemon-system libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils debootstrap e2fsprogs

.PHONY: all deps deps-vm deps-bench deps-deb test unit integration demo bench nightly docs clean fuzz-smoke \
	install uninstall deb deb-only FORCE
all: lab

lab: $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

build/test/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC asan $<"
	@$(CC) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -MMD -MP -c -o $@ $<

# The sanitizer build of lab itself: integration tests run this one.
build/test/lab: $(TOBJS)
	@echo "  LD asan $@"
	@$(CC) $(SAN) -o $@ $^ $(LDLIBS)

build/test/test_%: tests/unit/test_%.c $(TLIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC unit $@"
	@$(CC) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -Wno-missing-prototypes -o $@ $^ $(LDLIBS) -lcmocka

# Fuzzing (tests/fuzz/): libFuzzer harnesses, clang with ASan + UBSan,
# linked against every module like the unit tests. fuzz-smoke runs each for
# FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/NAME) and fails on a
# crash, keeping the input in tests/fuzz/regress/NAME/; build/test/replay_NAME
# (gcc, the ASan test build) replays the corpus and every kept crash.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZSRC      := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS      := $(FUZZSRC:tests/fuzz/fuzz_%.c=build/fuzz/fuzz_%)
REPLAYS      := $(FUZZSRC:tests/fuzz/fuzz_%.c=build/test/replay_%)
FUZZLIBOBJS  := $(LIBSRCS:%.c=build/fuzz/%.o)
.SECONDARY: $(FUZZLIBOBJS)

# The modules as they are (other compilers' warnings are not this build's
# business: -w); the harnesses with the project's warnings.
build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(CPPFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -w -MMD -MP -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZLIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(CPPFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer $(WARN) -o $@ $^ $(LDLIBS)

build/test/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(TLIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC replay $@"
	@$(CC) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -o $@ $^ $(LDLIBS)

fuzz-smoke: $(FUZZERS) $(REPLAYS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZSRC:tests/fuzz/fuzz_%.c=%)

-include $(OBJS:.o=.d) $(TOBJS:.o=.d) $(FUZZLIBOBJS:.o=.d)

# The commit lab is built from, for `lab --version` (harness/cli/lab.c only):
# LAB_COMMIT from the environment or the command line, else the file COMMIT
# (a copy of the tree without .git: make deb writes it), else
# `git describe --always --dirty`, else "unknown". Rewritten only when it
# changes, so an unchanged commit relinks nothing.
LAB_COMMIT ?= $(shell cat COMMIT 2>/dev/null || git describe --always --dirty 2>/dev/null)
LAB_COMMIT := $(or $(subst ",,$(LAB_COMMIT)),unknown)
build/gen/commit.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define LAB_COMMIT "$(LAB_COMMIT)"' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi
build/rel/harness/cli/lab.o build/test/harness/cli/lab.o: build/gen/commit.h
FORCE:

# The man page lab(1), written by lab from its own tables (harness/cli/man.c);
# dated by SOURCE_DATE_EPOCH (dpkg-buildpackage sets it), else the commit's date.
LAB_DATE_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell git log -1 --format=%ct 2>/dev/null))
build/man/lab.1: lab
	@mkdir -p $(dir $@)
	@echo "  MAN     $@"
	@SOURCE_DATE_EPOCH=$(LAB_DATE_EPOCH) ./lab help --man >$@.tmp && mv -f $@.tmp $@

# The results schema is compiled in from results/schema.sql.
build/gen/schema_sql.h: results/schema.sql
	@mkdir -p $(dir $@)
	@sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@
build/rel/results/resultsdb.o build/test/results/resultsdb.o: build/gen/schema_sql.h

# deps: one dpkg query; apt-get update and install only when something is missing.
deps:
	@tools/install-deps $(DEB_PKGS)

deps-vm:
	@tools/install-deps $(DEB_PKGS) $(VM_PKGS)

deps-bench:
	@tools/install-deps $(DEB_PKGS) $(BENCH_PKGS)

deps-deb:
	@tools/install-deps $(DEB_PKGS) $(DEBPKG_PKGS)

# The builds use every core (-j: 27 s instead of 53 s on two); the tests
# run one after the other.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) lab build/test/lab $(UNITBIN) $(REPLAYS)
	@tests/run.sh $(UNITBIN)

unit: lab build/test/lab $(UNITBIN)
	@tests/run.sh --unit-only $(UNITBIN)

demo: deps
	@$(MAKE) --no-print-directory lab
	@tools/demo

bench: deps-bench
	@$(MAKE) --no-print-directory lab
	@tools/bench

nightly: deps-vm deps-deb
	@$(MAKE) --no-print-directory lab build/test/lab
	@tests/run.sh --nightly

# docs: the usage texts, the scenario reference and the results schema in
# docs/ rewritten from ./lab (tools/gen-docs --check only compares).
docs: lab
	@LAB=./lab tools/gen-docs

# install: the Debian package's layout under any PREFIX (debian/rules calls
# this with PREFIX=/usr). lab finds PREFIX/share/lab/scenarios from its own
# place (harness/cli/scenario_dir.c), so nothing is compiled in.
PREFIX  ?= /usr/local
DESTDIR ?=
INSTDIRS := bin share/man/man1 share/bash-completion/completions share/lab/scenarios share/doc/lab/docs
install: lab build/man/lab.1
	@echo "  INSTALL $(DESTDIR)$(PREFIX)"
	@for d in $(INSTDIRS); do install -d "$(DESTDIR)$(PREFIX)/$$d" || exit 1; done
	@install -m 0755 lab "$(DESTDIR)$(PREFIX)/bin/lab"
	@install -m 0644 build/man/lab.1 "$(DESTDIR)$(PREFIX)/share/man/man1/lab.1"
	@install -m 0644 tools/lab-completion.bash "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lab"
	@install -m 0644 scenarios/*.yaml "$(DESTDIR)$(PREFIX)/share/lab/scenarios/"
	@install -m 0644 README.md "$(DESTDIR)$(PREFIX)/share/doc/lab/"
	@install -m 0644 docs/*.md "$(DESTDIR)$(PREFIX)/share/doc/lab/docs/"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/lab" "$(DESTDIR)$(PREFIX)/share/man/man1/lab.1" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions/lab"
	rm -rf "$(DESTDIR)$(PREFIX)/share/lab" "$(DESTDIR)$(PREFIX)/share/doc/lab"

# deb: dpkg-buildpackage on a copy of the tree in build/deb/src (debian/ has
# the packaging), so everything it writes stays under build/deb/.
# deb-only: the same without deps-deb (tests/nightly/package_deb.sh, which
# skips what is not installed).
deb: deps-deb
	@$(MAKE) --no-print-directory deb-only
deb-only:
	@LAB_COMMIT=$(LAB_COMMIT) tools/build-deb

clean:
	rm -rf build lab
