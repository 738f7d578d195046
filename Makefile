# tlsrpt: SMTP TLS Reporting (RFC 8460) for mail servers.
#   make                 build/tlsrpt
#   make check           every test (unit, end-to-end); ends with "N passed, N failed"
#   make SANITIZE=1 check   the same under ASan + UBSan (objects in build/asan/)
#   make check-valgrind  the test suite with every tlsrpt run under valgrind (TESTS=PATTERN: part)
#   make bench           benchmarks, results in bench/RESULTS.md
#   make fuzz            every fuzz target (clang libFuzzer) for FUZZ_SECONDS each; see fuzz/README.md
#   make man             the man pages (build/man/), from man/*.scd with scdoc
#   make example-config  regenerate etc/tlsrpt.conf.example from the key table
#   make install         PREFIX=/usr/local DESTDIR= (directories below can be overridden)

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/tlsrpt
# The program reads /etc/tlsrpt/tlsrpt.conf whatever PREFIX is.
SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d

BUILD ?= build
ifeq ($(SANITIZE),1)
BUILD := build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

CC ?= cc
PKGS := jansson sqlite3 libcurl libidn2 zlib opendkim
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers
ALL_CFLAGS := -std=gnu11 $(WARNINGS) $(CFLAGS) $(SAN_FLAGS) -pthread -MMD -MP
ALL_CPPFLAGS := -I. -I$(BUILD) -D_GNU_SOURCE -D_DEFAULT_SOURCE \
                -DTLSRPT_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CPPFLAGS)
ALL_LDFLAGS := $(SAN_FLAGS) -pthread $(LDFLAGS)
LIBS := $(PKG_LIBS) -lresolv $(LDLIBS)

# Every folder of the pipeline; a new .c file needs no Makefile change.
APP_SRC := $(wildcard lib/*.c collector/*.c aggregator/*.c reporter/*.c cli/*.c)
MAIN_SRC := cli/main.c
CORE_SRC := $(filter-out $(MAIN_SRC),$(APP_SRC))
SCHEMA := $(sort $(wildcard schema/[0-9]*.sql))

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/schema_sql.o $(BUILD)/obj/help_text.o
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c bench/*.c)
TOOL_BIN := $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(TOOL_SRC)))

MAN_SRC := $(wildcard man/*.scd)
MAN_OUT := $(MAN_SRC:man/%.scd=$(BUILD)/man/%)
UNITS := $(wildcard systemd/*.socket systemd/*.timer) $(wildcard systemd/*.service.in)

.PHONY: all check check-valgrind bench clean install uninstall man example-config deps test-deps \
        fuzz fuzz-build
all: $(BUILD)/tlsrpt $(UNIT_BIN) $(TOOL_BIN)

$(BUILD)/tlsrpt: $(CORE_OBJ) $(MAIN_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/schema_sql.c: schema/embed.sh $(SCHEMA)
	@mkdir -p $(dir $@)
	sh schema/embed.sh $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/schema_sql.o: $(BUILD)/schema_sql.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# `tlsrpt help` and `COMMAND --help` are tlsrpt(8)'s synopses and option lists.
$(BUILD)/help_text.c: man/help.awk man/tlsrpt.8.scd
	@mkdir -p $(dir $@)
	awk -f man/help.awk man/tlsrpt.8.scd > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/help_text.o: $(BUILD)/help_text.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(CORE_OBJ) $(LIBS)

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBS)

$(BUILD)/tools/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBS)

man: $(MAN_OUT)

# etc/tlsrpt.conf.example is the key table of lib/config.c (tests/e2e/ops_check_config.sh
# checks it); regenerate it after changing a key.
example-config: $(BUILD)/tlsrpt
	$(BUILD)/tlsrpt --config /dev/null check-config --defaults > etc/tlsrpt.conf.example

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@.tmp && mv $@.tmp $@

# Units name the binary by its installed path: @sbindir@ in the *.in files.
install: $(BUILD)/tlsrpt $(MAN_OUT)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(SYSCONFDIR)/tlsrpt $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/tlsrpt $(DESTDIR)$(SBINDIR)/tlsrpt
	install -m 0644 $(BUILD)/man/tlsrpt.8 $(DESTDIR)$(MANDIR)/man8/tlsrpt.8
	install -m 0644 $(BUILD)/man/tlsrpt.conf.5 $(DESTDIR)$(MANDIR)/man5/tlsrpt.conf.5
	install -m 0644 etc/tlsrpt.conf.example $(DESTDIR)$(SYSCONFDIR)/tlsrpt/tlsrpt.conf.example
	for u in $(UNITS); do \
	  sed 's|@sbindir@|$(SBINDIR)|g' $$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u .in).tmp && \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u .in).tmp && \
	  mv $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u .in).tmp \
	     $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u .in) || exit 1; \
	done
	install -m 0644 systemd/tlsrpt.sysusers $(DESTDIR)$(SYSUSERSDIR)/tlsrpt.conf
	install -m 0644 systemd/tlsrpt.tmpfiles $(DESTDIR)$(TMPFILESDIR)/tlsrpt.conf
	install -m 0644 schema/README.md $(DESTDIR)$(DOCDIR)/schema.md
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tlsrpt $(DESTDIR)$(MANDIR)/man8/tlsrpt.8 \
	  $(DESTDIR)$(MANDIR)/man5/tlsrpt.conf.5 $(DESTDIR)$(SYSCONFDIR)/tlsrpt/tlsrpt.conf.example \
	  $(DESTDIR)$(SYSUSERSDIR)/tlsrpt.conf $(DESTDIR)$(TMPFILESDIR)/tlsrpt.conf \
	  $(DESTDIR)$(DOCDIR)/schema.md $(DESTDIR)$(DOCDIR)/README.md
	for u in $(UNITS); do rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/$$(basename $$u .in); done

deps:
	sh scripts/setup.sh

test-deps:
	sh scripts/setup.sh --test

check: all
	BUILD=$(BUILD) sh tests/run.sh

# Every tlsrpt run (and every unit test) under valgrind. Each process writes its own log in
# VALGRIND_LOGS (-q: empty unless valgrind found something); tests/run.sh fails a test that
# left a non-empty log, so errors of background or killed processes count too. --vgdb=no:
# after the collector drops privileges, valgrind could not remove its gdbserver FIFOs.
# --num-callers=40: deep enough through libcrypto for tests/valgrind.supp to see libopendkim.
VALGRIND_LOGS ?= $(BUILD)/valgrind-logs
check-valgrind: all
	rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_LOGS)
	BUILD=$(BUILD) TLSRPT_VALGRIND_LOGS=$(abspath $(VALGRIND_LOGS)) \
	  TLSRPT_WRAPPER="valgrind -q --vgdb=no --num-callers=40 --error-exitcode=99 --leak-check=full \
	  --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	  --suppressions=$(abspath tests/valgrind.supp) --log-file=$(abspath $(VALGRIND_LOGS))/vg.%p.log" \
	  sh tests/run.sh $(TESTS)

bench: all
	BUILD=$(BUILD) sh bench/run.sh

# Fuzzing: fuzz/fuzz_NAME.c becomes build/fuzz/fuzz_NAME (clang, libFuzzer, ASan + UBSan),
# linked with the project's objects compiled again into build/fuzz/obj/ with coverage
# instrumentation. `make fuzz` runs each target for FUZZ_SECONDS (fuzz/run.sh).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# clang (unlike gcc) flags vprintf-style forwarding of a va_list format: not a finding.
FUZZ_CFLAGS := -std=gnu11 $(WARNINGS) -Wno-format-nonliteral -O1 -g $(FUZZ_SAN) \
               -fsanitize=fuzzer-no-link -pthread -MMD -MP
FUZZ_CPPFLAGS := -I. -D_GNU_SOURCE -D_DEFAULT_SOURCE -DTLSRPT_VERSION='"$(VERSION)"' \
                 $(PKG_CFLAGS) $(CPPFLAGS)
FUZZ_OBJ := $(CORE_SRC:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/schema_sql.o \
            $(FUZZ_DIR)/obj/help_text.o
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_DIR)/%)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@for t in $(FUZZ_SRC:fuzz/fuzz_%.c=%); do \
	    FUZZ_DIR=$(FUZZ_DIR) sh fuzz/run.sh $$t $(FUZZ_SECONDS) || exit 1; \
	done

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/schema_sql.c: schema/embed.sh $(SCHEMA)
	@mkdir -p $(dir $@)
	sh schema/embed.sh $(SCHEMA) > $@.tmp && mv $@.tmp $@

$(FUZZ_DIR)/obj/schema_sql.o: $(FUZZ_DIR)/schema_sql.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/help_text.o: $(BUILD)/help_text.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LIBS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
ifneq ($(filter fuzz%,$(MAKECMDGOALS)),)
-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
endif
