# mmaudit - crash extension auditing task->mm / active_mm, mm_users / mm_count
# and mm_cpumask in Linux vmcores.
#
#   make                      build build/mmaudit.so against the cached crash
#                             (scripts/setup-crash.sh builds it on first use)
#   make CRASH_SRC=<dir>      build against another crash: a crash source tree
#                             (its Makefile gives TARGET and GDB flags) or any
#                             directory holding that crash's defs.h
#   make install              the .so into crash's extensions directory (EXTDIR),
#                             mmaudit-batch, mmaudit-index and the tools into
#                             BINDIR, the man pages into MANDIR (PREFIX
#                             /usr/local; DESTDIR for staging; install-extension:
#                             the .so alone)
#   make unit                 unit tests of the crash-free core (no dump)
#   make tools                the C helper tools in tools/ (libelf)
#   make direct               build/mmaudit: the direct (crash-free) command
#                             (libkdumpfile, libbpf, libelf; docs/direct.md)
#   make check                every test suite (what CI runs; scenario dumps of 6.1)
#   make check-all            the same with the scenario dumps of all three kernels
#   make crash9               build (or find) the cached crash 9.0.x (gdb 16)
#   make so-crash9            build/crash9/mmaudit.so against it
#   make check-crash9         the real-dump suites under crash 9.0.x (make check
#                             runs the crash9 suite: ABI refusal, foundation,
#                             extension and flush on the 6.1 dumps under crash 9)
#   make crash                build (or find) the cached crash (rebuilt when
#                             its build configuration changed: make check
#                             runs it first)
#   make dumps                produce (or find) the cached test vmcores
#   make demo                 set up everything and audit the reference dump
#   make asan                 build/asan/mmaudit.so (ASan + UBSan)
#   make mutate               mutation campaign on the real dumps (MUTATE_SEED,
#                             MUTATE_COUNT; docs/robustness.md)
#   make fuzz-smoke           libFuzzer on the crash-free core, bounded (suite
#                             fuzz of make check; docs/robustness.md)
#   make fuzz                 the same for FUZZ_SECONDS (1800) with FUZZ_JOBS
#                             (2) workers, then coverage (make fuzz-cov)
#
# The extension must be built with the defs.h of the crash that loads it and
# with that crash's -D<TARGET> and -DGDB_x_y.

CC       ?= gcc
CACHE    ?= $(or $(MMAUDIT_CACHE),$(HOME)/.cache/mmaudit)
BUILD    ?= build
WARN      = -Wall -Wextra
CFLAGS   ?= -O2 -g

# --- the crash we build against ------------------------------------------
ifeq ($(CRASH_SRC),)
CRASH_SRC := $(CACHE)/crash-8.0.6
NEED_CRASH := $(CRASH_SRC)/defs.h
endif
CRASH_MK := $(firstword $(wildcard $(CRASH_SRC)/Makefile $(CRASH_SRC)/Makefile.crash))
ifneq ($(CRASH_MK),)
TARGET   ?= $(shell sed -n 's/^TARGET=//p' $(CRASH_MK))
GDB_FLAGS ?= $(shell sed -n 's/^GDB_FLAGS=//p' $(CRASH_MK))
TARGET_CFLAGS ?= $(shell sed -n 's/^TARGET_CFLAGS=//p' $(CRASH_MK))
# an unconfigured crash source tree: crash's own configure builds for the
# host (uname -m) with the gdb its configure.c names as default_gdb
ifeq ($(TARGET),)
TARGET := $(patsubst x86_64,X86_64,$(patsubst aarch64,ARM64,$(patsubst ppc64le,PPC64,$(patsubst s390x,S390X,$(shell uname -m)))))
endif
ifeq ($(GDB_FLAGS),)
GDB_FLAGS := $(shell sed -n 's/^int default_gdb = \(GDB_[0-9_]*\);.*/-D\1/p' $(CRASH_SRC)/configure.c 2>/dev/null)
endif
endif
# The cached crash (not yet built on a new machine: its rule below builds it
# first) is crash 8.0.6 built by scripts/setup-crash.sh for the host with its
# embedded gdb 10.2.
ifneq ($(NEED_CRASH),)
ifeq ($(CRASH_MK),)
TARGET := $(patsubst x86_64,X86_64,$(patsubst aarch64,ARM64,$(patsubst ppc64le,PPC64,$(patsubst s390x,S390X,$(shell uname -m)))))
GDB_FLAGS := -DGDB_10_2
endif
endif
# The crash version the extension is compiled for (its ABI check refuses to
# load into another crash): the tree's .rh_rpm_package (what crash's
# configure writes into build_version), else the built binary's --version.
CRASH_VERSION ?= $(or $(shell cat $(CRASH_SRC)/.rh_rpm_package 2>/dev/null),$(shell $(CRASH_SRC)/crash --version 2>/dev/null | sed -n 's/^crash \([0-9][0-9.]*\).*/\1/p' | head -n1))
ABI_FLAGS = $(if $(CRASH_VERSION),-DMMAUDIT_CRASH_VERSION='"$(CRASH_VERSION)"')
# A directory with only crash's defs.h says nothing of the crash build's
# target and gdb: guessing them builds an extension with a wrong ABI.
ifeq ($(filter all install install-extension check asan mutate $(BUILD)/mmaudit.so $(BUILD)/asan/mmaudit.so,$(or $(MAKECMDGOALS),all)),)
else ifeq ($(TARGET),)
$(error CRASH_SRC=$(CRASH_SRC) has no crash Makefile: give the crash build's TARGET and GDB_FLAGS, e.g. make CRASH_SRC=$(CRASH_SRC) TARGET=X86_64 GDB_FLAGS=-DGDB_10_2)
else ifeq ($(GDB_FLAGS),)
$(error CRASH_SRC=$(CRASH_SRC) has no crash Makefile: give the crash build's GDB_FLAGS too, e.g. GDB_FLAGS=-DGDB_10_2)
endif

# crash's own extension directory (crash's extensions.c): `extend NAME.so`
# looks in $CRASH_EXTENSIONS, /usr/lib64/crash/extensions (64-bit crash),
# /usr/lib/crash/extensions, ./extensions; `crash -x` loads every .so of the
# first of these directories that exists.  /usr/lib64/... when it exists
# (Fedora/RHEL's crash), else /usr/lib/... (Debian's): never create the
# lib64 one, it would hide /usr/lib/crash/extensions from crash -x.
EXTDIR ?= $(if $(wildcard /usr/lib64/crash/extensions/.),/usr/lib64/crash/extensions,/usr/lib/crash/extensions)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man

CORE_SRCS := $(wildcard extensions/core/*.c)
CORE_HDRS := $(wildcard extensions/core/*.h)
GLUE_SRCS := $(wildcard extensions/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
TOOL_LIB  := tools/dumpid.c
TOOL_SRCS := $(filter-out $(TOOL_LIB),$(wildcard tools/*.c))
TOOL_BINS := $(patsubst tools/%.c,$(BUILD)/%,$(TOOL_SRCS))
DIRECT_SRCS := $(wildcard extensions/direct/*.c)
DIRECT_HDRS := $(wildcard extensions/direct/*.h)
DIRECT_LIBS := -lkdumpfile -lbpf -lelf -lz
# the direct command once its symbol reader (dsym.c) is in the tree
DIRECT_BIN := $(if $(wildcard extensions/direct/dsym.c),$(BUILD)/mmaudit)

.PHONY: direct dropin demo all crash dumps install install-extension install-tools unit tools check test-foundation test-extension clean asan mutate
all: $(BUILD)/mmaudit.so $(DIRECT_BIN)

$(CACHE)/crash-8.0.6/defs.h:
	scripts/setup-crash.sh

crash:
	scripts/setup-crash.sh

demo:
	scripts/demo.sh

dumps:
	testdumps/dumps.sh make

$(BUILD)/mmaudit.so: $(GLUE_SRCS) $(wildcard extensions/*.h) $(CORE_SRCS) $(CORE_HDRS) $(NEED_CRASH) $(wildcard $(CRASH_SRC)/defs.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -shared -fPIC -rdynamic \
	    -D$(TARGET) $(TARGET_CFLAGS) $(GDB_FLAGS) $(ABI_FLAGS) -I$(CRASH_SRC) -Iextensions/core \
	    -Wl,-soname,mmaudit.so $(LDFLAGS) -o $@ $(GLUE_SRCS) $(CORE_SRCS)

# the direct command: its own front end on the same core, the dump module of
# tools/ for telling formats apart and reading flattened files
$(BUILD)/mmaudit: $(DIRECT_SRCS) $(DIRECT_HDRS) $(CORE_SRCS) $(CORE_HDRS) $(TOOL_LIB) tools/dumpid.h | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Iextensions/core -Iextensions/direct -Itools \
	    $(LDFLAGS) -o $@ $(DIRECT_SRCS) $(CORE_SRCS) $(TOOL_LIB) $(DIRECT_LIBS)

direct: $(BUILD)/mmaudit

$(BUILD) $(BUILD)/unit:
	mkdir -p $@

install: install-extension install-tools

install-extension: $(BUILD)/mmaudit.so
	install -d $(DESTDIR)$(EXTDIR)
	install -m 0644 $(BUILD)/mmaudit.so $(DESTDIR)$(EXTDIR)/mmaudit.so

install-tools: $(TOOL_BINS) $(DIRECT_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 0755 scripts/mmaudit-batch scripts/mmaudit-index $(TOOL_BINS) $(DIRECT_BIN) $(DESTDIR)$(BINDIR)/
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.7 $(DESTDIR)$(MANDIR)/man7/

# unit tests: each tests/unit/test_*.c is a program linked with the core
$(BUILD)/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(CORE_SRCS) $(CORE_HDRS) | $(BUILD)/unit
	$(CC) $(CFLAGS) $(WARN) -Iextensions/core -o $@ $< $(CORE_SRCS)

unit: $(UNIT_BINS)
	tests/run-unit.sh $(UNIT_BINS)

# each tools/X.c is a program linked with the shared dump module tools/dumpid.c
$(BUILD)/%: tools/%.c $(TOOL_LIB) tools/dumpid.h | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Itools $(LDFLAGS) -o $@ $< $(TOOL_LIB) -lelf -lz

tools: $(TOOL_BINS)

# the direct front end's symbols/types layer (extensions/direct/dsym*.c, also
# built into build/mmaudit) as objects a program links with $(DSYM_LIBS),
# and its test against crash's recorded answers (suite dsym)
DSYM_SRCS := extensions/direct/dsym.c extensions/direct/dsym_kallsyms.c extensions/direct/dsym_elf.c
DSYM_OBJS := $(patsubst extensions/direct/%.c,$(BUILD)/direct/%.o,$(DSYM_SRCS))
DSYM_LIBS := -lbpf -lelf

$(BUILD)/direct:
	mkdir -p $@

$(DSYM_OBJS): $(BUILD)/direct/%.o: extensions/direct/%.c extensions/direct/dsym.h extensions/direct/dsym_int.h $(CORE_HDRS) | $(BUILD)/direct
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Iextensions/core -Iextensions/direct -c -o $@ $<

$(BUILD)/direct/test_dsym: tests/direct/test_dsym.c $(DSYM_OBJS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Iextensions/direct $(LDFLAGS) -o $@ $< $(DSYM_OBJS) $(DSYM_LIBS) -lkdumpfile

dsym: $(BUILD)/direct/test_dsym

.PHONY: dsym

# the extension with AddressSanitizer + UndefinedBehaviorSanitizer, for crash
# started with the sanitizer runtimes preloaded (tests/mutate.py --asan,
# docs/robustness.md)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
$(BUILD)/asan/mmaudit.so: $(GLUE_SRCS) $(wildcard extensions/*.h) $(CORE_SRCS) $(CORE_HDRS) $(NEED_CRASH)
	mkdir -p $(BUILD)/asan
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(WARN) -shared -fPIC -rdynamic \
	    -D$(TARGET) $(TARGET_CFLAGS) $(GDB_FLAGS) $(ABI_FLAGS) -I$(CRASH_SRC) -Iextensions/core \
	    -o $@ $(GLUE_SRCS) $(CORE_SRCS)

asan: $(BUILD)/asan/mmaudit.so

# the mutation campaign on the real dumps (docs/robustness.md): seeded,
# MUTATE_COUNT mutations over the live and panic ELF dumps of the three
# kernels, the extension built with ASan + UBSan
MUTATE_SEED  ?= 1
MUTATE_COUNT ?= 10200
mutate: all asan tools
	tests/mutate.py --asan --seed $(MUTATE_SEED) --count $(MUTATE_COUNT)

# libFuzzer on the crash-free core (tests/fuzz/, docs/robustness.md "Fuzzed
# core"): the core instrumented for coverage, the harness and the fake not
FUZZ_CC   ?= clang
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJS := $(patsubst extensions/core/%.c,$(BUILD)/fuzz/obj/%.o,$(CORE_SRCS))
FUZZ_DEPS := tests/fuzz/fuzz_core.c tests/fuzz/fuzz_input.h $(wildcard tests/unit/*.h)
FUZZ_BINS := $(BUILD)/fuzz/fuzz_core $(BUILD)/fuzz/fuzz_core_cov $(BUILD)/fuzz/mkseeds

$(BUILD)/fuzz/obj:
	mkdir -p $@

$(BUILD)/fuzz/obj/%.o: extensions/core/%.c $(CORE_HDRS) | $(BUILD)/fuzz/obj
	$(FUZZ_CC) -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(WARN) -Iextensions/core -c -o $@ $<

$(BUILD)/fuzz/harness.o: $(FUZZ_DEPS) | $(BUILD)/fuzz/obj
	$(FUZZ_CC) -g -O1 $(FUZZ_SAN) $(WARN) -Iextensions/core -Itests/unit -c -o $@ $<

$(BUILD)/fuzz/fuzz_core: $(BUILD)/fuzz/harness.o $(FUZZ_OBJS)
	$(FUZZ_CC) -g $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^

$(BUILD)/fuzz/fuzz_core_cov: $(FUZZ_DEPS) $(CORE_SRCS) $(CORE_HDRS) | $(BUILD)/fuzz/obj
	$(FUZZ_CC) -g -O0 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
	    -Iextensions/core -Itests/unit -o $@ $< $(CORE_SRCS)

$(BUILD)/fuzz/mkseeds: tests/fuzz/mkseeds.c tests/fuzz/fuzz_input.h | $(BUILD)/fuzz/obj
	$(CC) $(CFLAGS) $(WARN) -o $@ $<

fuzz-build: $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh smoke

FUZZ_SECONDS ?= 1800
FUZZ_JOBS    ?= 2
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run.sh long

fuzz-cov: fuzz-build
	tests/fuzz/run.sh cov

.PHONY: fuzz-build fuzz-smoke fuzz fuzz-cov check-all deps

# make check (CI): the scenario dumps of the required kernel (6.1) only;
# make check-all: those of all three test kernels (22 more QEMU boots)
# the Debian packages the builds and suites need (apt-get; 1 s when present)
deps:
	scripts/install-deps.sh

check: deps crash all asan tools $(UNIT_BINS) fuzz-build so-crash9
	MMAUDIT_SCEN_TAGS="$${MMAUDIT_SCEN_TAGS:-bookworm-6.1}" tests/run.sh

check-all: deps crash all asan tools $(UNIT_BINS) fuzz-build
	MMAUDIT_SCEN_TAGS="bookworm-6.1 bullseye-5.10 trixie-6.12" tests/run.sh

# crash 9.0.x next to 8.0.6 (scripts/setup-crash.sh --crash9, Debian's
# source package with its gdb 16), and the extension built against its
# defs.h into $(BUILD)/crash9/ (same sources, no change).  make check runs
# the suite crash9 (ABI refusal both ways; foundation, extension and flush
# on the 6.1 dumps under crash 9); make check-crash9 that suite on all three
# kernels' dumps and the other real-dump suites under crash 9.
CRASH9_SRC ?= $(CACHE)/crash-9.0.x
CRASH9_SUITES ?= crash9 faults slab filtered

crash9:
	scripts/setup-crash.sh --crash9

so-crash9: crash9
	$(MAKE) BUILD=$(BUILD)/crash9 CRASH_SRC=$(CRASH9_SRC) $(BUILD)/crash9/mmaudit.so

check-crash9: deps all tools so-crash9
	CRASH=$(CRASH9_SRC)/crash MMAUDIT_SO=$(BUILD)/crash9/mmaudit.so CRASH_SRC=$(CRASH9_SRC) \
	    MMAUDIT_DUMP_TAGS="$${MMAUDIT_DUMP_TAGS:-bookworm-6.1 bullseye-5.10 trixie-6.12}" \
	    MMAUDIT_SUITES="$${MMAUDIT_SUITES:-$(CRASH9_SUITES)}" tests/run.sh

.PHONY: crash9 so-crash9 check-crash9

clean:
	rm -rf $(BUILD)

# copy the extension into a crash source tree for crash's own `make extensions`
dropin:
	@test -f "$(CRASH_SRC)/extensions/Makefile" || { echo "usage: make dropin CRASH_SRC=<crash source tree>"; exit 2; }
	cp extensions/mmaudit.c extensions/mmaudit.mk $(CRASH_SRC)/extensions/
	rm -rf $(CRASH_SRC)/extensions/mmaudit-core $(CRASH_SRC)/extensions/mmaudit-glue
	cp -r extensions/core $(CRASH_SRC)/extensions/mmaudit-core
	mkdir -p $(CRASH_SRC)/extensions/mmaudit-glue
	cp $(filter-out extensions/mmaudit.c,$(GLUE_SRCS)) $(wildcard extensions/*.h) $(CRASH_SRC)/extensions/mmaudit-glue/
	@echo "now run: make -C $(CRASH_SRC) extensions"
