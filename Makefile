# tlsrpt: SMTP TLS Reporting (RFC 8460) for mail servers.
#   make                 build/tlsrpt
#   make check           every test (unit, end-to-end); ends with "N passed, N failed"
#   make SANITIZE=1 check   the same under ASan + UBSan (objects in build/asan/)
#   make check-valgrind  the test suite with every tlsrpt run under valgrind
#   make bench           benchmarks, results in bench/RESULTS.md
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

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/schema_sql.o
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC := $(wildcard tests/tools/*.c bench/*.c)
TOOL_BIN := $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(TOOL_SRC)))

MAN_SRC := $(wildcard man/*.scd)
MAN_OUT := $(MAN_SRC:man/%.scd=$(BUILD)/man/%)
UNITS := $(wildcard systemd/*.socket systemd/*.timer) $(wildcard systemd/*.service.in)

.PHONY: all check check-valgrind bench clean install uninstall man example-config deps test-deps
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

check-valgrind: all
	BUILD=$(BUILD) TLSRPT_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp" sh tests/run.sh

bench: all
	BUILD=$(BUILD) sh bench/run.sh

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
