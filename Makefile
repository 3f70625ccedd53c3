# libbtf — build, test, benchmark and demo entry points.
#   make          build the release `btf` tool to build/btf, and the C library: build/libbtf.so.1
#                 (+ libbtf.so link), build/libbtf.a, build/libbtf.pc (see "The C library" below)
#   make install  install the C library, its headers and libbtf.pc, and the `btf` tool with its man
#                 pages and bash/zsh/fish completions (PREFIX, DESTDIR, LIBDIR, BINDIR, MANDIR)
#   make man completions   generate the man pages (build/man/) and completions (build/completions/)
#   make msrv-check        build btf-core and btf-cli with the rust-version of Cargo.toml (rustup
#                          installs it if missing; skipped with a reason when it cannot)
#   make header   regenerate include/bpf/{btf,libbpf,libbpf_legacy}.h from capi/src/ffi/
#   make demo     build, then scripts/demo.sh: on test-data/demo/ (two Debian kernel builds and two
#                 modules) check, distill and relocate module BTF, and write a vmlinux.h
#   make test     install missing Debian packages, then fmt check, clippy -D warnings, every test
#   make bench    btf-core against libbpf 1.7.0 on the corpus, on one core and on all, printing ratios
#   make examples     build examples/ (C over libbtf.so.1, Rust over btf-core), check they agree
#   make test-pahole  Debian's pahole over libbtf.so.1 vs over the system libbpf, byte for byte

CARGO   ?= cargo
BUILD   := build
VMLINUX := /sys/kernel/btf/vmlinux
# Tests run optimised but keep debug assertions and overflow checks (see [profile.ci]).
TEST_PROFILE ?= ci

.PHONY: all demo test deps fmt-check clippy bench clean

all: $(BUILD)/btf lib

$(BUILD)/btf: FORCE
	$(CARGO) build --release -p btf-cli
	@mkdir -p $(BUILD)
	cp target/release/btf $(BUILD)/btf

FORCE:

demo: $(BUILD)/btf
	@scripts/demo.sh $(BUILD)/btf

# make test-demo: scripts/test-demo.sh runs `make demo`, then the demo of a fresh clone of HEAD, and
# checks the lines they print and the runtime (< 10 s after the build).
.PHONY: test-demo
test: test-demo
test-demo:
	scripts/test-demo.sh

deps:
	./scripts/install-deps.sh

fmt-check:
	$(CARGO) fmt --all -- --check

clippy: deps
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: deps fmt-check clippy
	$(CARGO) test --workspace --profile $(TEST_PROFILE)

bench: deps
	scripts/bench.sh

clean:
	$(CARGO) clean
	rm -rf $(BUILD)

# ---- pahole parity and the examples ------------------------------------------------------------
#   make test-pahole  Debian's pahole over the system libbpf vs over build/libbtf.so.1, byte for byte
#                     (tests-c/pahole/run.sh; skips when pahole or ../shared/corpus is missing)
#   make examples     build examples/largest_structs.c against include/ and build/libbtf.so.1, and its
#                     btf-core twin (cargo example), then check that both print the same bytes

CC              ?= cc
EXAMPLES_CFLAGS ?= -O2 -g -Wall -Wextra -Werror
CORPUS          ?= ../shared/corpus

.PHONY: test-pahole examples

test: test-pahole examples

test-pahole: deps $(BUILD)/libbtf.so.1
	tests-c/pahole/run.sh

$(BUILD)/examples/largest_structs: examples/largest_structs.c $(BUILD)/libbtf.so.1 $(wildcard include/bpf/*.h)
	@mkdir -p $(@D)
	$(CC) $(EXAMPLES_CFLAGS) -Iinclude -o $@ $< -L$(BUILD) -l:libbtf.so.1 -Wl,-rpath,'$$ORIGIN/..'

examples: $(BUILD)/examples/largest_structs
	$(CARGO) build --release -p btf-core --example largest_structs
	@set -e; n=0; \
	for f in $(if $(wildcard $(VMLINUX)),"") test-data/small.btf $(wildcard $(CORPUS)/vmlinux/*.btf); do \
	  $(BUILD)/examples/largest_structs $$f > $(BUILD)/examples/c.out; \
	  target/release/examples/largest_structs $$f > $(BUILD)/examples/rust.out; \
	  if ! cmp -s $(BUILD)/examples/c.out $(BUILD)/examples/rust.out; then \
	    echo "examples: C and Rust differ on $${f:-the running kernel}:"; \
	    diff $(BUILD)/examples/c.out $(BUILD)/examples/rust.out; exit 1; fi; \
	  n=$$((n + 1)); \
	done; \
	cat $(BUILD)/examples/c.out; \
	echo "examples: C (libbtf.so.1) and Rust (btf-core) print the same on $$n inputs"

# ---- The C library ------------------------------------------------------------------------------
#   make lib               build/libbtf.so.1 (soname libbtf.so.1, libbpf's symbol versions from
#                          capi/libbtf.map), build/libbtf.so -> libbtf.so.1, build/libbtf.a, build/libbtf.pc
#   make install           copy them (the .so stripped of symbols it does not need, the .a of debug
#                          info), include/bpf/*.h and libbtf.pc under $(DESTDIR)$(PREFIX)
#   make uninstall         remove what install copied
#   make header            regenerate the generated headers in include/bpf/ with capi/header-gen
#   make header-check      regenerate into build/ and fail if include/bpf/ differs
#   make prototypes-check  compile tests-c/prototypes.c (libbpf 1.7.0's prototypes against our header)
#                          as C11 with -Werror, and the headers as C99 and C++
#   make symbols-check     scripts/check-symbols.sh: exported symbols and versions == capi/libbtf.map
#   make install-check     install into build/stage, then build and run a program via pkg-config
#                          (shared and static) with scripts/check-install.sh

CXX          ?= c++
STRIP        ?= strip
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
VERSION      := $(shell sed -n '/^\[workspace\.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
# The C libraries Rust's std needs (`cargo rustc -p btf-capi --crate-type staticlib --
# --print native-static-libs`); --no-undefined below turns a missing one into a link error.
LIBBTF_LIBS  := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
# The libbpf API version libbtf implements, from the hand-written include/bpf/libbpf_version.h.
LIBBPF_API_VERSION := $(shell awk '/^\#define LIBBPF_(MAJOR|MINOR)_VERSION/ { v = v sep $$3; sep = "." } END { print v }' include/bpf/libbpf_version.h)
GEN_HEADERS  := btf.h libbpf.h libbpf_legacy.h
HEADERS      := $(wildcard include/bpf/*.h)
HEADER_GEN   := $(CARGO) run -q -p btf-header-gen --
STAGE        := $(BUILD)/stage

.PHONY: lib install uninstall header header-check prototypes-check symbols-check install-check

test: header-check prototypes-check symbols-check install-check

lib: $(BUILD)/libbtf.so.1 $(BUILD)/libbtf.so $(BUILD)/libbtf.a $(BUILD)/libbtf.pc

# Cargo decides whether the staticlib is stale; the rules below relink only when it changed.
target/release/libbtf.a: FORCE
	$(CARGO) build --release -p btf-capi

# Both written to a temporary name and renamed: a concurrent make or a reader never sees half a file.
$(BUILD)/libbtf.a: target/release/libbtf.a
	@mkdir -p $(@D)
	cp $< $@.tmp.$$$$ && mv -f $@.tmp.$$$$ $@

# rustc's cdylib would apply its own version script, so link the staticlib instead: every object
# (--whole-archive), exports and versions from capi/libbtf.map (everything else local), and
# unreferenced sections dropped (--gc-sections halves the size).
$(BUILD)/libbtf.so.1: target/release/libbtf.a capi/libbtf.map
	@mkdir -p $(@D)
	$(CC) -shared -o $@.tmp.$$$$ -Wl,-soname,libbtf.so.1 -Wl,--version-script=capi/libbtf.map \
	  -Wl,--gc-sections -Wl,--no-undefined -Wl,-z,relro -Wl,-z,now \
	  -Wl,--whole-archive $< -Wl,--no-whole-archive -Wl,--as-needed $(LIBBTF_LIBS) \
	  && mv -f $@.tmp.$$$$ $@

$(BUILD)/libbtf.so: $(BUILD)/libbtf.so.1
	ln -sfn libbtf.so.1 $@

# Rewritten only when PREFIX/LIBDIR/INCLUDEDIR change what it says.
$(BUILD)/libbtf.pc: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' \
	  'prefix=$(PREFIX)' \
	  'libdir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))' \
	  'includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))' \
	  '' \
	  'Name: libbtf' \
	  'Description: BTF (BPF Type Format) library with the BTF API of libbpf $(LIBBPF_API_VERSION)' \
	  'Version: $(VERSION)' \
	  'Libs: -L$${libdir} -lbtf' \
	  'Libs.private: $(LIBBTF_LIBS)' \
	  'Cflags: -I$${includedir}' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; echo "wrote $@"; fi

install: lib install-tool
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/bpf $(DESTDIR)$(PKGCONFIGDIR)
	install -m 0755 $(BUILD)/libbtf.so.1 $(DESTDIR)$(LIBDIR)/libbtf.so.1
	$(STRIP) --strip-unneeded $(DESTDIR)$(LIBDIR)/libbtf.so.1
	ln -sfn libbtf.so.1 $(DESTDIR)$(LIBDIR)/libbtf.so
	install -m 0644 $(BUILD)/libbtf.a $(DESTDIR)$(LIBDIR)/libbtf.a
	$(STRIP) --strip-debug $(DESTDIR)$(LIBDIR)/libbtf.a
	install -m 0644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/bpf/
	install -m 0644 $(BUILD)/libbtf.pc $(DESTDIR)$(PKGCONFIGDIR)/libbtf.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/btf $(DESTDIR)$(MANDIR)/man1/btf.1 $(DESTDIR)$(MANDIR)/man1/btf-*.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/btf $(DESTDIR)$(ZSHCOMPDIR)/_btf $(DESTDIR)$(FISHCOMPDIR)/btf.fish
	rm -f $(DESTDIR)$(LIBDIR)/libbtf.so.1 $(DESTDIR)$(LIBDIR)/libbtf.so $(DESTDIR)$(LIBDIR)/libbtf.a
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/bpf/,$(notdir $(HEADERS)))
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/libbtf.pc

# ---- The btf tool: binary, man pages, shell completions ------------------------------------------
#   Generated from the clap command definitions by the hidden `btf man DIR` and
#   `btf completions SHELL`, so they always match `btf --help`.
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR  ?= $(PREFIX)/share/fish/vendor_completions.d

.PHONY: man completions install-tool msrv-check

man: $(BUILD)/btf
	rm -rf $(BUILD)/man
	$(BUILD)/btf man $(BUILD)/man

completions: $(BUILD)/btf
	@mkdir -p $(BUILD)/completions
	$(BUILD)/btf completions bash > $(BUILD)/completions/btf.bash
	$(BUILD)/btf completions zsh > $(BUILD)/completions/_btf
	$(BUILD)/btf completions fish > $(BUILD)/completions/btf.fish

install-tool: $(BUILD)/btf man completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(BUILD)/btf $(DESTDIR)$(BINDIR)/btf
	install -m 0644 $(BUILD)/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/completions/btf.bash $(DESTDIR)$(BASHCOMPDIR)/btf
	install -m 0644 $(BUILD)/completions/_btf $(DESTDIR)$(ZSHCOMPDIR)/_btf
	install -m 0644 $(BUILD)/completions/btf.fish $(DESTDIR)$(FISHCOMPDIR)/btf.fish

# The MSRV (rust-version in Cargo.toml) is a promise to crates.io users: build the two published
# crates with that toolchain when rustup has it (`rustup toolchain install $(MSRV) --profile
# minimal`), else say why the check is skipped.
MSRV := $(shell sed -n '/^\[workspace\.package\]/,/^\[/s/^rust-version *= *"\(.*\)"/\1/p' Cargo.toml)

test: msrv-check
msrv-check:
	@if ! command -v rustup >/dev/null 2>&1; then \
	  echo "SKIP msrv-check: no rustup to run Rust $(MSRV) (rust-version in Cargo.toml)"; \
	elif ! rustup toolchain list | grep -q '^$(MSRV)[-.]' && \
	  ! timeout 600 rustup toolchain install $(MSRV) --profile minimal >/dev/null 2>&1; then \
	  echo "SKIP msrv-check: Rust $(MSRV) is not installed and rustup could not install it (offline?)"; \
	else \
	  echo "msrv-check: building btf-core and btf-cli with Rust $(MSRV)"; \
	  CARGO_TARGET_DIR=$(abspath target/msrv) rustup run $(MSRV) cargo check --locked -p btf-core -p btf-cli; \
	fi

header:
	$(HEADER_GEN) --out include/bpf

header-check:
	@rm -rf $(BUILD)/header-check
	@$(HEADER_GEN) --out $(BUILD)/header-check > /dev/null
	@fail=0; for h in $(GEN_HEADERS); do \
	  diff -u include/bpf/$$h $(BUILD)/header-check/$$h || fail=1; done; \
	if [ $$fail -ne 0 ]; then \
	  echo "header-check: include/bpf/ is not what capi/src/ffi/ generates: run 'make header'"; exit 1; fi
	@echo "header-check: include/bpf/ ($(GEN_HEADERS)) is what capi/src/ffi/ generates"

prototypes-check:
	@mkdir -p $(BUILD)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -Iinclude -c tests-c/prototypes.c -o $(BUILD)/prototypes.o
	echo '#include <bpf/btf.h>' | $(CC) -std=c99 -Wall -Wextra -Werror -Iinclude -x c -fsyntax-only -
	echo '#include <bpf/btf.h>' | $(CXX) -Wall -Wextra -Werror -Iinclude -x c++ -fsyntax-only -
	@# <bpf/btf.h> alone declares nothing of libbpf.h's, as libbpf's does: names a program may use.
	printf '%s\n' '#include <bpf/btf.h>' 'enum libbpf_print_level { MINE };' \
	  'static int libbpf_set_print, libbpf_strerror, libbpf_get_error;' \
	  'int main(void) { return (int)btf__type_cnt(0) + MINE + libbpf_set_print + libbpf_strerror + libbpf_get_error; }' \
	  | $(CC) -std=c99 -Wall -Wextra -Werror -Iinclude -x c -fsyntax-only -
	@test "$$(grep '^#include' include/bpf/btf.h | grep -v btf_inline.h | tr '\n' ' ')" = \
	  '#include <stdarg.h> #include <stdbool.h> #include <linux/btf.h> #include <linux/types.h> #include "libbpf_common.h" ' \
	  || { echo "prototypes-check: <bpf/btf.h> includes other headers than libbpf's btf.h"; exit 1; }

symbols-check: $(BUILD)/libbtf.so.1
	scripts/check-symbols.sh $(BUILD)/libbtf.so.1 capi/libbtf.map

install-check: lib
	rm -rf $(STAGE)
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(STAGE))
	scripts/check-install.sh $(abspath $(STAGE)) $(LIBDIR)

# ---- C tests of the library (tests-c/) ---------------------------------------------------------
#   make test-c           build tests-c/test_*.c against include/ and build/libbtf.so.1 and run them
#                         (one "N passed, N failed" line each); first check that every function in
#                         capi/libbtf.map is called by some test (tests-c/check-coverage.sh)
#   make test-c-valgrind  the same programs under valgrind: no error, no definite/indirect leak
#   make test-c-asan      the programs rebuilt with -fsanitize=address,undefined (the library is
#                         not instrumented; ASan still checks every access the tests make and every
#                         allocation through malloc), leak detection on
#   make test-c-ref       development aid, not part of `make test`: the same programs linked
#                         statically against libbpf 1.7.0 (the libbpf-sys build), to check that
#                         what the tests expect is what libbpf does (libbtf-only checks are skipped)
# The programs find the shared corpus through LIBBTF_CORPUS (skipping those tests when it is absent)
# and test-data/ through LIBBTF_TEST_DATA.

TESTC_NAMES   := $(notdir $(basename $(wildcard tests-c/test_*.c)))
TESTC_DIR     := $(BUILD)/tests-c
TESTC_CFLAGS  ?= -O1 -g -Wall -Wextra -Werror
TESTC_ASAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TESTC_DEPS    := tests-c/harness.h tests-c/fixtures.h $(wildcard include/bpf/*.h)
TESTC_CORPUS  ?= ../shared/corpus
TESTC_ENV     := LIBBTF_CORPUS=$(abspath $(TESTC_CORPUS)) LIBBTF_TEST_DATA=$(CURDIR)/test-data \
                 LIBBTF_MAP=$(CURDIR)/capi/libbtf.map
TESTC_LIBBPF   = $(firstword $(wildcard target/release/build/libbpf-sys-*/out))

.PHONY: test-c test-c-valgrind test-c-asan test-c-ref test-c-coverage test-log-levels test-c-helgrind

test: test-c test-c-valgrind test-c-asan test-log-levels test-c-helgrind

$(TESTC_DIR)/%: tests-c/%.c $(TESTC_DEPS) $(BUILD)/libbtf.so.1
	@mkdir -p $(@D)
	$(CC) $(TESTC_CFLAGS) -Iinclude -o $@ $< -L$(BUILD) -l:libbtf.so.1 -Wl,-rpath,'$$ORIGIN/..' -ldl -lpthread

$(TESTC_DIR)/asan/%: tests-c/%.c $(TESTC_DEPS) $(BUILD)/libbtf.so.1
	@mkdir -p $(@D)
	$(CC) $(TESTC_CFLAGS) $(TESTC_ASAN) -Iinclude -o $@ $< -L$(BUILD) -l:libbtf.so.1 \
	  -Wl,-rpath,'$$ORIGIN/../..' -ldl -lpthread

test-c-coverage:
	@tests-c/check-coverage.sh capi/libbtf.map tests-c/test_*.c

test-c: test-c-coverage $(addprefix $(TESTC_DIR)/,$(TESTC_NAMES))
	@$(TESTC_ENV) tests-c/run.sh plain $(TESTC_DIR) $(TESTC_NAMES)

test-c-valgrind: deps $(addprefix $(TESTC_DIR)/,$(TESTC_NAMES))
	@$(TESTC_ENV) tests-c/run.sh valgrind $(TESTC_DIR) $(TESTC_NAMES)

test-c-asan: $(addprefix $(TESTC_DIR)/asan/,$(TESTC_NAMES))
	@$(TESTC_ENV) tests-c/run.sh asan $(TESTC_DIR)/asan $(TESTC_NAMES)

#   make test-c-helgrind  the threaded tests of test_process.c under valgrind's Helgrind, against a
#                         libbtf built with the `helgrind` feature (happens-before annotations on its
#                         lock-free once-cell, which Helgrind cannot see through atomics), in its own
#                         target dir and build/helgrind/; any reported race fails
HELGRIND_TARGET := target/helgrind

$(BUILD)/helgrind/libbtf.so.1: FORCE
	CARGO_TARGET_DIR=$(HELGRIND_TARGET) $(CARGO) build -q --release -p btf-capi --features helgrind
	@mkdir -p $(@D)
	$(CC) -shared -o $@ -Wl,-soname,libbtf.so.1 -Wl,--version-script=capi/libbtf.map \
	  -Wl,--gc-sections -Wl,--no-undefined -Wl,--whole-archive $(HELGRIND_TARGET)/release/libbtf.a \
	  -Wl,--no-whole-archive -Wl,--as-needed $(LIBBTF_LIBS)

test-c-helgrind: deps $(TESTC_DIR)/test_process $(BUILD)/helgrind/libbtf.so.1
	@$(TESTC_ENV) LIBBTF_TEST_THREADS_ONLY=1 LD_LIBRARY_PATH=$(BUILD)/helgrind \
	  valgrind --tool=helgrind --error-exitcode=1 $(TESTC_DIR)/test_process \
	  > $(TESTC_DIR)/test_process.helgrind.log 2>&1 \
	  || { cat $(TESTC_DIR)/test_process.helgrind.log; echo "test-c-helgrind: FAILED"; exit 1; }
	@grep -q 'ERROR SUMMARY: 0 errors' $(TESTC_DIR)/test_process.helgrind.log
	@echo "test-c-helgrind: $$(grep -E '^[0-9]+ passed' $(TESTC_DIR)/test_process.helgrind.log), Helgrind: 0 errors"

#   make test-log-levels  tests-c/log_levels.c built against libbtf.so.1 and against libbpf 1.7.0
#                         (libbpf-sys's static build): the levels of the messages each prints through
#                         libbpf_set_print for 95 failures and successes must be identical
test-log-levels: $(BUILD)/libbtf.so.1
	$(CARGO) build -q --profile $(TEST_PROFILE) -p btf-difftest
	tests-c/log-levels.sh "$$(ls -td target/$(TEST_PROFILE)/build/libbpf-sys-*/out | head -n 1)"

test-c-ref:
	@test -n "$(TESTC_LIBBPF)" || { echo "test-c-ref: no libbpf-sys build under target/release/build (cargo build --release -p btf-difftest)"; exit 1; }
	@mkdir -p $(TESTC_DIR)/ref
	@for t in $(TESTC_NAMES); do \
	  $(CC) $(TESTC_CFLAGS) -DHARNESS_REF_LIBBPF -I$(TESTC_LIBBPF)/include -o $(TESTC_DIR)/ref/$$t \
	    tests-c/$$t.c $(TESTC_LIBBPF)/libbpf.a -lelf -lz -ldl || exit 1; done
	@$(TESTC_ENV) tests-c/run.sh plain $(TESTC_DIR)/ref $(TESTC_NAMES)

# ---- Fuzzing (fuzz/: a cargo workspace of its own; not part of `make test`) ---------------------
#   make fuzz   build every fuzz target (nightly + AddressSanitizer when a nightly toolchain is
#               installed, else stable with libFuzzer's coverage flags) and run each for
#               FUZZ_SECONDS (default 60) with -rss_limit_mb/-malloc_limit_mb 2048 and -timeout=10;
#               crashes land in fuzz/artifacts/<target>/; the last line is
#               "fuzz: T targets, E executions, C crashes". FUZZ_TARGETS selects targets,
#               FUZZ_JOBS runs several at once, FUZZ_SANITIZER=none forces the stable build.
#               Regression inputs (fuzz/regressions/) and seeds are replayed by plain `cargo test`.
.PHONY: fuzz

fuzz:
	@fuzz/run.sh

# ---- Debian packages (debian/) ------------------------------------------------------------------
#   make deb       dpkg-buildpackage -us -uc -b: libbtf1, libbtf-dev, btf-tools (and btf-tools-dbgsym)
#                  into build/deb/, built by debian/rules with this Makefile (`make`, `make install`
#                  with PREFIX=/usr, INCLUDEDIR=/usr/include/libbtf) in this tree, reusing target/;
#                  then lintian, which must report no error; debian/ is left as it was
#   make test-deb  scripts/test-deb.sh: make deb, install the packages with dpkg, build and run a C
#                  program through `pkg-config --cflags --libs libbtf`, run btf, purge them and check
#                  nothing is left (SKIP without dpkg-buildpackage/debhelper or root)
DEB_DIR := $(BUILD)/deb

.PHONY: deb test-deb

test: test-deb

deb:
	@command -v dpkg-buildpackage > /dev/null || { echo "deb: dpkg-buildpackage not found (scripts/install-deps.sh installs dpkg-dev, debhelper and lintian)"; exit 1; }
	@mkdir -p $(DEB_DIR)
	rm -f $(DEB_DIR)/*.deb $(DEB_DIR)/*.ddeb $(DEB_DIR)/*.changes $(DEB_DIR)/*.buildinfo
	LIBBTF_DEB_DESTDIR=$(abspath $(DEB_DIR)) dpkg-buildpackage -us -uc -b \
	  --changes-file=$(abspath $(DEB_DIR))/libbtf_$(VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).changes \
	  --buildinfo-file=$(abspath $(DEB_DIR))/libbtf_$(VERSION)_$$(dpkg-architecture -qDEB_HOST_ARCH).buildinfo \
	  --changes-option=-u$(abspath $(DEB_DIR)) --buildinfo-option=-u$(abspath $(DEB_DIR))
	@debian/rules clean > /dev/null
	@ls -l $(DEB_DIR)/*.deb
	@if command -v lintian > /dev/null; then \
	  echo "lintian $(DEB_DIR)/*.changes"; \
	  lintian --fail-on error --tag-display-limit 0 $(DEB_DIR)/libbtf_$(VERSION)_*.changes; \
	else echo "deb: lintian not installed: not run"; fi

test-deb: deps
	scripts/test-deb.sh
