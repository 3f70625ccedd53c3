# libbtf — build, test, benchmark and demo entry points.
#   make          build the release `btf` tool to build/btf
#   make demo     build and run `btf dump` on the running kernel's BTF (or test-data/small.btf)
#   make test     install missing Debian packages, then fmt check, clippy -D warnings, every test
#   make bench    btf-core against libbpf 1.7.0 on the corpus, printing ratios

CARGO   ?= cargo
BUILD   := build
VMLINUX := /sys/kernel/btf/vmlinux
# Tests run optimised but keep debug assertions and overflow checks (see [profile.ci]).
TEST_PROFILE ?= ci

.PHONY: all demo test deps fmt-check clippy bench clean

all: $(BUILD)/btf

$(BUILD)/btf: FORCE
	$(CARGO) build --release -p btf-cli
	@mkdir -p $(BUILD)
	cp target/release/btf $(BUILD)/btf

FORCE:

demo: $(BUILD)/btf
	@if [ -r $(VMLINUX) ]; then src=$(VMLINUX); else src=test-data/small.btf; \
	  echo "($(VMLINUX) not readable: dumping the project's test-data/small.btf)"; fi; \
	echo "== $(BUILD)/btf dump $$src (first 25 lines) =="; \
	$(BUILD)/btf dump $$src > $(BUILD)/demo-dump.txt; \
	head -n 25 $(BUILD)/demo-dump.txt; \
	echo "..."; \
	echo "== $$(grep -c '^\[' $(BUILD)/demo-dump.txt) types, $$(wc -l < $(BUILD)/demo-dump.txt) lines; full dump in $(BUILD)/demo-dump.txt =="

deps:
	./scripts/install-deps.sh

fmt-check:
	$(CARGO) fmt --all -- --check

clippy: deps
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: deps fmt-check clippy
	$(CARGO) test --workspace --profile $(TEST_PROFILE)

bench: deps
	$(CARGO) bench -p btf-difftest --bench vs_libbpf

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
