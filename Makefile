# dagd — build, test, demo, bench.
# `make` builds optimised binaries into bin/; `make test` builds a second copy
# under ASan+UBSan into build/san/ and runs every suite against it.

CC ?= cc
PKGS := libuv sqlite3 jansson inih libcurl ncursesw
PREFIX ?= /usr/local

MODE ?= release
BUILD := build/$(MODE)
ifeq ($(MODE),san)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  BINDIR := $(BUILD)/bin
else
  OPT := -O2 -g
  BINDIR := bin
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcurl is opened on first use (agent/curl_lazy.c), not linked: headers only.
PKG_LIBS = $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null) -ldl
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Ishared $(PKG_CFLAGS) $(OPT) $(CPPFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(LDFLAGS)

SHARED_SRC := $(wildcard shared/*.c)
AGENT_SRC := $(wildcard agent/*.c)
# Each front end has its folder: tui/dagctl/ (one-shot) and tui/dagtop/ (full
# screen). dagtop's main is tui/dagtop/dagtop.c; the rest of its folder is a
# library the unit tests link too.
DAGCTL_SRC := $(wildcard tui/dagctl/*.c)
DAGTOP_MAIN := $(wildcard tui/dagtop/dagtop.c)
TUI_LIB_SRC := $(filter-out $(DAGTOP_MAIN),$(wildcard tui/dagtop/*.c))
TUI_FILES := $(wildcard tui/*/*.c tui/*/*.h)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

SHARED_OBJ := $(SHARED_SRC:%.c=$(BUILD)/%.o)
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/%.o)
DAGCTL_OBJ := $(DAGCTL_SRC:%.c=$(BUILD)/%.o)
TUI_LIB_OBJ := $(TUI_LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
AGENT_LIB_OBJ := $(filter-out $(BUILD)/agent/main.o,$(AGENT_OBJ))

.PHONY: all deps test units demo demo-stop bench valgrind install install-service deb clean format check-format
BINS := $(BINDIR)/dagd $(BINDIR)/dagctl $(if $(DAGTOP_MAIN),$(BINDIR)/dagtop)
all: $(BINS)

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $(MODE) $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libdagd_shared.a: $(SHARED_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/libdagd_agent.a: $(AGENT_LIB_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BINDIR)/dagd: $(BUILD)/agent/main.o $(BUILD)/libdagd_agent.a $(BUILD)/libdagd_shared.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

$(BINDIR)/dagctl: $(DAGCTL_OBJ) $(BUILD)/libdagd_shared.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/libdagd_tui.a: $(TUI_LIB_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BINDIR)/dagtop: $(BUILD)/tui/dagtop/dagtop.o $(BUILD)/libdagd_tui.a $(BUILD)/libdagd_shared.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lm

# Unit tests link the shared, agent and TUI libraries (each minus its main).
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdagd_agent.a $(BUILD)/libdagd_tui.a $(BUILD)/libdagd_shared.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CFLAGS_ALL) -Iagent -o $@ $^ $(PKG_LIBS) -lcmocka -lm

# Small programs the end-to-end tests drive the agent with.
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $<

units: $(UNIT_BIN) $(TOOL_BIN)

# Fills a store with history through the agent's store code (bench).
GEN_HISTORY := $(BUILD)/tools/gen_history
$(GEN_HISTORY): scripts/gen_history.c $(BUILD)/libdagd_agent.a $(BUILD)/libdagd_shared.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -Iagent -o $@ $^ $(PKG_LIBS) -lm

deps:
	@scripts/deps.sh

# The test suites run against sanitizer builds; one summary line at the end.
test: deps
	@$(MAKE) --no-print-directory MODE=san all units
	@$(MAKE) --no-print-directory all # the release agent: test_abuse_user.sh measures its RSS
	@scripts/docker-engine.sh || echo "docker: engine unavailable, Docker tests will skip"
	@# A one-node swarm when none is active, left after the suites only if made here.
	@swarm=$$(scripts/swarm.sh up); scripts/run-tests.sh build/san; rc=$$?; \
		scripts/swarm.sh down "$$swarm"; exit $$rc

demo: deps all
	@scripts/demo.sh

demo-stop:
	@if [ -f var/dagd.pid ]; then kill -TERM $$(cat var/dagd.pid) 2>/dev/null || true; rm -f var/dagd.pid; echo "demo: agent stopped"; fi

valgrind: deps all
	@command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
	@scripts/valgrind.sh

bench: deps all $(GEN_HISTORY)
	@scripts/bench.sh
	@scripts/bench_history.sh
	@scripts/bench_docker.sh
	@scripts/bench_swarm.sh
	@scripts/bench_dagtop.sh

MAN1 := man/dagctl.1 man/dagtop.1
MAN5 := man/dagd.ini.5 man/dagd-dag.5
MAN8 := man/dagd.8
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/dagd
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/dagd/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(MAN8) $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 completion/dagctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/dagctl

# The agent as a system service: user dagd, /etc/dagd, state in /var/lib/dagd.
install-service: install
	id dagd >/dev/null 2>&1 || useradd --system --home-dir /var/lib/dagd --shell /usr/sbin/nologin dagd
	install -d -m 0755 $(DESTDIR)/etc/dagd $(DESTDIR)/etc/dagd/dags
	test -e $(DESTDIR)/etc/dagd/dagd.ini || install -m 0644 config/dagd.system.ini $(DESTDIR)/etc/dagd/dagd.ini
	sed 's|/usr/local/bin|$(PREFIX)/bin|' config/dagd.service >$(DESTDIR)/etc/systemd/system/dagd.service
	systemctl daemon-reload 2>/dev/null || true
	@echo "enable with: systemctl enable --now dagd; the socket is /var/lib/dagd/dagd.sock"

format:
	clang-format -i $(SHARED_SRC) $(AGENT_SRC) $(TUI_FILES) $(UNIT_SRC) shared/*.h agent/*.h

check-format:
	clang-format --dry-run -Werror $(SHARED_SRC) $(AGENT_SRC) $(TUI_FILES) $(UNIT_SRC) shared/*.h agent/*.h

# libFuzzer targets (tests/fuzz/fuzz_*.c) against shared/ built with clang into
# build/fuzz/; each runs FUZZ_SECONDS on a scratch copy of its corpus.
.PHONY: fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := build/fuzz
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Ishared -g -O1 \
	-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJ := $(SHARED_SRC:%.c=$(FUZZ_DIR)/%.o)
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_DIR)/shared/%.o: shared/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      fuzz $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/libdagd_shared.a: $(FUZZ_OBJ)
	@rm -f $@; ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DIR)/libdagd_shared.a $(wildcard shared/*.h)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libdagd_shared.a \
		-linih -ljansson -lm

fuzz: deps
	@scripts/fuzz.sh deps
	@$(MAKE) --no-print-directory -s $(FUZZ_BIN)
	@scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_BIN)
	@$(MAKE) --no-print-directory MODE=san all
	@python3 tests/fuzz/live_fuzz.py --bin build/san/bin --seconds $(FUZZ_SECONDS)

# A Debian package, built with debhelper from debian/ in a copy of the tree
# under build/deb/ (dpkg-buildpackage writes beside the source folder); the
# .deb lands here: apt-get install ./dagd_*.deb.
DEB_VERSION := $(shell sed -n '1s/^dagd (\([0-9][^ ]*\)) .*/\1/p' debian/changelog)
DEB_DIR := build/deb
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
		{ echo "make deb needs debhelper (scripts/deps.sh installs it)"; exit 1; }
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/dagd-$(DEB_VERSION)
	tar --exclude=./build --exclude=./bin --exclude=./var --exclude=./.git \
		--exclude='./dagd_*' -cf - . | tar -xf - -C $(DEB_DIR)/dagd-$(DEB_VERSION)
	cd $(DEB_DIR)/dagd-$(DEB_VERSION) && dpkg-buildpackage -b -us -uc
	cp $(DEB_DIR)/dagd_$(DEB_VERSION)_*.deb .
	@ls dagd_$(DEB_VERSION)_*.deb

clean:
	rm -rf build bin dagd_*.deb

-include $(shell find build -name '*.d' 2>/dev/null)
