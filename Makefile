# Vireo top-level Makefile: thin wrapper around meson/ninja in build/.
BUILD ?= build
PYTHON ?= /usr/bin/python3

.PHONY: all deps run check check-unit check-functional bench install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	./configure

deps:
	@scripts/install-deps.sh test

run: deps
	@scripts/run.sh

check: deps
	@$(MAKE) --no-print-directory all
	@scripts/check.sh

check-unit: all
	meson test -C $(BUILD) --suite unit --print-errorlogs

check-functional: all
	$(PYTHON) -m pytest -q tests/functional

bench:
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory all
	bash tests/bench/qmp.sh
	bash tests/bench/tcg.sh
	bash tests/bench/libvirt.sh
	bash tests/bench/net.sh

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD)
