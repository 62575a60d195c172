# pp - build, set-up, tests, benchmarks, installation.
#
#   make setup      install Debian packages and set-up data (needs root or
#                   sudo), then build: the first of the README's two commands
#   make            build libpp, the tools (bin/) and the man pages
#   make test       all tests, with the normal build and with ASan+UBSan
#   make bench      benchmarks (see bench/ scripts of each stage)
#   make install    PREFIX=/usr/local DESTDIR= : binaries, man pages, data
#
# Conventions (so that adding a module or a tool needs no Makefile edit):
#   lib/NAME.c          goes into libpp.a
#   lib/NAME.cu         goes into libpp_cuda.a, only when CUDA is on
#   lib/NAME_nocuda.c   goes into libpp.a only when CUDA is off (stubs)
#   src/pp-TOOL.c       becomes bin/pp-TOOL, linked with libpp.a
#   src/pp-TOOL.sh      becomes bin/pp-TOOL (a shell tool, copied)
#   man/NAME.N.scd      becomes $(BUILD)/man/NAME.N (scdoc)
#   tests/unit/NAME_test.c  becomes $(BUILD)/tests/NAME_test (TAP)
#   tests/tNNNN-*.sh    shell tests (TAP), run by prove
#
# CUDA=auto (default) builds the GPU backend when nvcc and cudnn.h are found;
# CUDA=0 or CUDA=1 force it. Only the tools in CUDA_TOOLS link it.

PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
BINDIR   ?= bin
CUDA     ?= auto
CUDA_HOME ?= /usr/local/cuda
CUDA_TOOLS = pp-infer

CC       ?= cc
NVCC     ?= nvcc
OPT      ?= -O2
SAN      ?=
# -Wno-format-truncation: error messages are cut to one record on purpose.
WARN     = -Wall -Wextra -Werror -Wno-format-truncation
PKGS     = jansson sndfile samplerate libxml-2.0 smf libcurl sqlite3 libzip fluidsynth
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CPPFLAGS += -Ilib -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 \
            -DPP_DATADIR_INSTALLED='"$(PREFIX)/share/pp"'
CFLAGS   += -std=c11 $(WARN) $(OPT) -g $(SAN) $(PKG_CFLAGS)
LDFLAGS  += $(SAN) -Wl,--as-needed
LDLIBS   += $(PKG_LIBS) -lopenblas -lm -lpthread

ifeq ($(CUDA),auto)
  CUDA := $(shell command -v $(NVCC) >/dev/null 2>&1 && test -f $(CUDA_HOME)/include/cudnn.h && echo 1 || echo 0)
endif
ifeq ($(CUDA),1)
  CPPFLAGS += -DPP_HAVE_CUDA=1
  CUDA_LIBS = -L$(CUDA_HOME)/lib64 -lcudnn -lcublas -lcudart
  # The GPU's own architecture when one is visible; else Ampere and Hopper
  # code plus PTX that newer GPUs compile at load time.
  NVARCH ?= $(shell nvidia-smi >/dev/null 2>&1 && echo -arch=native || echo -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=[sm_90,compute_90])
  NVFLAGS ?= -O2 -std=c++17 -Ilib $(NVARCH) -Xcompiler -Wall
endif

LIB_C    = $(filter-out %_nocuda.c,$(wildcard lib/*.c))
ifeq ($(CUDA),1)
  LIB_CU = $(wildcard lib/*.cu)
else
  LIB_C += $(wildcard lib/*_nocuda.c)
  LIB_CU =
endif
LIB_O    = $(LIB_C:lib/%.c=$(BUILD)/lib/%.o)
CU_O     = $(LIB_CU:lib/%.cu=$(BUILD)/lib/%.cu.o)
TOOLS_C  = $(patsubst src/%.c,%,$(wildcard src/pp-*.c))
TOOLS_SH = $(patsubst src/%.sh,%,$(wildcard src/pp-*.sh))
BINS     = $(TOOLS_C:%=$(BINDIR)/%) $(TOOLS_SH:%=$(BINDIR)/%)
MANS     = $(patsubst man/%.scd,$(BUILD)/man/%,$(wildcard man/*.scd))
UNIT     = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/*_test.c))
HDRS     = $(wildcard lib/*.h)

.PHONY: all setup deps test check check-asan asan bench install clean man
all: $(BINS) $(MANS)

setup: deps
	$(MAKE) all

deps:
	sh tools/deps.sh

# Quiet by default; `make V=1` shows the commands.
Q = $(if $(V),,@)

$(BUILD)/lib/%.o: lib/%.c $(HDRS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/lib/%.cu.o: lib/%.cu $(HDRS)
	@mkdir -p $(@D)
	$(NVCC) $(NVFLAGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/libpp.a: $(LIB_O)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/libpp_cuda.a: $(CU_O)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/src/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

ifeq ($(CUDA),1)
$(CUDA_TOOLS:%=$(BINDIR)/%): $(BINDIR)/%: $(BUILD)/src/%.o $(BUILD)/libpp_cuda.a $(BUILD)/libpp.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libpp_cuda.a $(BUILD)/libpp.a $(LDLIBS) $(CUDA_LIBS) -lstdc++
endif

$(BINDIR)/%: $(BUILD)/src/%.o $(BUILD)/libpp.a
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libpp.a $(LDLIBS)

$(BINDIR)/%: src/%.sh
	@mkdir -p $(@D)
	cp $< $@ && chmod +x $@

$(BUILD)/tests/%_test: tests/unit/%_test.c tests/unit/tap.h $(BUILD)/libpp.a
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libpp.a $(LDLIBS)

$(BUILD)/man/%: man/%.scd
	@mkdir -p $(@D)
	scdoc < $< > $@.tmp && mv $@.tmp $@

man: $(MANS)

units: $(UNIT)
.PHONY: units

# The test suite runs twice: the normal build, then the sanitizer build.
PROVE = prove --exec '' -j2 --timer
check: all units
	PP_BIN=$(CURDIR)/$(BINDIR) PP_UNIT=$(CURDIR)/$(BUILD)/tests \
	  $(PROVE) $(UNIT) tests/t[0-9]*.sh

asan:
	$(MAKE) BUILD=build/asan BINDIR=build/asan/bin CUDA=0 OPT=-O1 \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer' \
	  all units

check-asan: asan
	PP_BIN=$(CURDIR)/build/asan/bin PP_UNIT=$(CURDIR)/build/asan/tests \
	  PP_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
	  $(PROVE) $(patsubst $(BUILD)/%,build/asan/%,$(UNIT)) tests/t[0-9]*.sh

test: check check-asan

bench: all
	sh tools/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pp \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	  $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	cp -R data/. $(DESTDIR)$(PREFIX)/share/pp/
	for m in $(MANS); do \
	  s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s; \
	done

clean:
	rm -rf $(BUILD) $(TOOLS_C:%=$(BINDIR)/%) $(TOOLS_SH:%=$(BINDIR)/%)

.SECONDARY:
