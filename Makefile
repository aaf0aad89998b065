# wuye — one non-recursive Makefile.
#
#   make          release build (build/rel/): wuye-fcgi (workers), wuye (operator tool)
#   make run      the whole system with demo data (scripts/run.sh)
#   make test     every test: unit, integration (real stack), sanitizers (scripts/test.sh)
#   make bench    wrk through nginx beside a FastCGI hello-world (scripts/bench.sh)
#   make format   clang-format over our sources
#
# Two flavours share the sources: build/rel (-O2) and build/san (ASan+UBSan,
# used by the tests). Missing Debian packages are installed by scripts/deps.sh.

CC      ?= gcc
PKGS    := libcjson libmariadb libcurl libcrypto libargon2 xlsxwriter
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
BASE    := -std=c11 -D_GNU_SOURCE -g $(WARN) -Ilib $(PKG_CFLAGS) -MMD -MP
REL_CFLAGS := $(BASE) -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
SAN_CFLAGS := $(BASE) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
LIBS    := $(PKG_LIBS) -lfcgi -lpthread -lm

LIB_SRC    := $(shell find lib -name '*.c' | sort)
TOOL_SRC   := fcgi/tool.c
SERVER_SRC := $(filter-out $(TOOL_SRC),$(wildcard fcgi/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
ITEST_SRC  := $(wildcard tests/integration/test_*.c)
ITEST_LIB  := tests/integration/itest.c

obj = $(patsubst %.c,build/$(1)/%.o,$(2))

REL_LIB := $(call obj,rel,$(LIB_SRC))
SAN_LIB := $(call obj,san,$(LIB_SRC))

.PHONY: all programs san deps run test bench format clean
# The public targets first make sure the Debian packages are there, then
# build in a fresh make: the pkg-config flags above are read when make
# starts, which on a fresh machine is before the packages exist.
all: deps
	@$(MAKE) --no-print-directory programs

programs: build/rel/wuye-fcgi build/rel/wuye build/rel/hello-fcgi

san: build/san/wuye-fcgi build/san/wuye $(patsubst tests/unit/%.c,build/san/tests/%,$(UNIT_SRC)) \
     $(patsubst tests/integration/%.c,build/san/itests/%,$(ITEST_SRC))

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"; $(CC) $(REL_CFLAGS) -c $< -o $@

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC[san] $<"; $(CC) $(SAN_CFLAGS) -c $< -o $@

build/rel/wuye-fcgi: $(call obj,rel,$(SERVER_SRC)) $(REL_LIB)
	$(CC) -o $@ $^ $(LIBS)
build/rel/wuye: $(call obj,rel,$(TOOL_SRC)) $(REL_LIB)
	$(CC) -o $@ $^ $(LIBS)
build/rel/hello-fcgi: build/rel/tests/bench/hello_fcgi.o
	$(CC) -o $@ $^ -lfcgi -lpthread

build/san/wuye-fcgi: $(call obj,san,$(SERVER_SRC)) $(SAN_LIB)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(LIBS)
build/san/wuye: $(call obj,san,$(TOOL_SRC)) $(SAN_LIB)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests: one binary per tests/unit/test_<module>.c. Outside calls are
# replaced at link time: a test lists the symbols it wraps in a line
# "// WRAP: sym1 sym2" near its top.
wraps = $(addprefix -Wl$(comma)--wrap=,$(shell sed -n 's|^// WRAP: ||p' $(1)))
comma := ,
# test_errors reads docs/api.md to check it against the error table.
build/san/tests/unit/test_errors.o: SAN_CFLAGS += -DDOCS_API=\"$(CURDIR)/docs/api.md\"
# test_tickets checks that docs/api.md prints the tickets' state table.
build/san/tests/unit/test_tickets.o: SAN_CFLAGS += -DDOCS_API=\"$(CURDIR)/docs/api.md\"
build/san/tests/%: build/san/tests/unit/%.o $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(call wraps,tests/unit/$*.c) $(LIBS) -lcmocka

build/san/itests/%: build/san/tests/integration/%.o build/san/$(ITEST_LIB:.c=.o) $(SAN_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(LIBS) -lcmocka

deps:
	@scripts/deps.sh

run: all
	@scripts/run.sh

test: deps
	@scripts/test.sh

bench: all
	@scripts/bench.sh

format:
	clang-format -i $$(find fcgi lib tests/unit tests/integration tests/bench -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
