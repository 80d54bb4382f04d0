# tests/fuzz/fuzz.mk -- builds the libFuzzer targets with clang, apart
# from the normal (gcc) build: `make fuzz` in a configured build tree
# runs this file with the configure results (see tests/fuzz/local.mk).
#
#   make fuzz                     # all targets into BUILD/tests/fuzz/
#   make fuzz FUZZ_CC=clang-16    # another clang
#
# The core and each plugin are compiled again here, instrumented for
# coverage (-fsanitize=fuzzer-no-link) and with ASan+UBSan; a plugin's
# sources are those its plugins/NAME/local.mk lists, and its descriptor
# is renamed fz_plugin_NAME so that several link into one binary.
# GNU make; not read by automake.

FUZZ_CC ?= clang
SRC ?= ../..
OUT ?= .

CORE_SRCS := $(filter-out $(SRC)/core/main.c,$(wildcard $(SRC)/core/*.c))
PLUGINS := projects staff expos regions

SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FZ_CFLAGS := -g -O1 -std=c11 -Wall -Wno-unused-parameter \
	-fsanitize=fuzzer-no-link $(SAN) -fvisibility=hidden \
	$(DEFS) -I$(SRC)/include -I$(SRC)/core -I$(SRC)/tests/fuzz \
	-DBUREAU_PLUGINSDIR='"/nonexistent"' $(PKG_CFLAGS)
FZ_LDFLAGS := -fsanitize=fuzzer $(SAN)
FZ_LIBS := $(PKG_LIBS) -lpthread

OBJ := $(OUT)/obj
CORE_OBJS := $(patsubst $(SRC)/core/%.c,$(OBJ)/core/%.o,$(CORE_SRCS))
FZ_HDRS := $(wildcard $(SRC)/tests/fuzz/*.h)

TARGETS := fuzz_query fuzz_path fuzz_cookies fuzz_media_type fuzz_router \
	fuzz_config fuzz_fcgi fuzz_import $(addprefix fuzz_,$(PLUGINS))

all: $(addprefix $(OUT)/,$(TARGETS))

$(OBJ)/core/%.o: $(SRC)/core/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) -c $< -o $@

$(OBJ)/fz/%.o: $(SRC)/tests/fuzz/%.c $(FZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) -c $< -o $@

# --- plugins: the .c files of plugins/NAME/local.mk's _SOURCES -----------
plugin_srcs = $(shell awk '/_la_SOURCES *=/ { f = 1 } \
	f { for (i = 1; i <= NF; i++) if ($$i ~ /\.c$$/) print $$i; \
	    if ($$0 !~ /\\$$/) f = 0 }' $(SRC)/plugins/$(1)/local.mk)
plugin_obj = $(OBJ)/$(1)/$(subst /,_,$(basename $(2))).o

define plugin_obj_rule
$(call plugin_obj,$(1),$(2)): $(SRC)/$(2)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FZ_CFLAGS) -Dbureau_plugin=fz_plugin_$(1) -c $$< -o $$@
endef

define plugin_rules
$(1)_OBJS := $(foreach s,$(call plugin_srcs,$(1)),$(call plugin_obj,$(1),$(s)))
$(foreach s,$(call plugin_srcs,$(1)),$(eval $(call plugin_obj_rule,$(1),$(s))))
$(OBJ)/lib$(1).a: $$($(1)_OBJS)
	rm -f $$@ && ar rcs $$@ $$^
$(OBJ)/fz/fuzz_$(1).o: $(SRC)/tests/fuzz/fuzz_plugin.c $(FZ_HDRS)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FZ_CFLAGS) -DFZ_PLUGIN=$(1) -c $$< -o $$@
endef
$(foreach p,$(PLUGINS),$(eval $(call plugin_rules,$(p))))

FZ := $(OBJ)/fz/fz.o
FZ_PLUG := $(foreach p,$(PLUGINS),$(OBJ)/fz/fz_$(p).o)
LIBCORE := $(OBJ)/libcore.a
LIBPLUG := $(foreach p,$(PLUGINS),$(OBJ)/lib$(p).a)

$(LIBCORE): $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $^

# Each target links every plugin (the seeds of one may need another's
# records: expos signs projects); the linker takes what is used.
define link
	$(FUZZ_CC) $(FZ_LDFLAGS) $^ -o $@ $(FZ_LIBS)
endef

$(OUT)/fuzz_query: $(OBJ)/fz/fuzz_query.o $(FZ) $(LIBCORE)
	$(link)
$(OUT)/fuzz_path: $(OBJ)/fz/fuzz_path.o $(FZ) $(LIBCORE)
	$(link)
$(OUT)/fuzz_cookies: $(OBJ)/fz/fuzz_cookies.o $(FZ) $(LIBCORE)
	$(link)
$(OUT)/fuzz_media_type: $(OBJ)/fz/fuzz_media_type.o $(FZ) $(LIBCORE)
	$(link)
$(OUT)/fuzz_config: $(OBJ)/fz/fuzz_config.o $(FZ) $(LIBCORE)
	$(link)
$(OUT)/fuzz_router: $(OBJ)/fz/fuzz_router.o $(FZ) $(FZ_PLUG) $(LIBPLUG) $(LIBCORE)
	$(link)
$(OUT)/fuzz_fcgi: $(OBJ)/fz/fuzz_fcgi.o $(FZ) $(FZ_PLUG) $(LIBPLUG) $(LIBCORE)
	$(link)
$(OUT)/fuzz_import: $(OBJ)/fz/fuzz_import.o $(FZ) $(FZ_PLUG) $(LIBPLUG) $(LIBCORE)
	$(link)
$(foreach p,$(PLUGINS),$(eval \
$(OUT)/fuzz_$(p): $(OBJ)/fz/fuzz_$(p).o $(FZ) $(FZ_PLUG) $(LIBPLUG) $(LIBCORE) ; \
	$$(link)))

clean:
	rm -rf $(OBJ) $(addprefix $(OUT)/,$(TARGETS))

.PHONY: all clean
