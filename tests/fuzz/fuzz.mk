# tests/fuzz/fuzz.mk -- builds the libFuzzer targets with clang, apart
# from the normal (gcc) build: `make fuzz` in a configured build tree
# runs this file with the configure results (see tests/fuzz/local.mk).
#
#   make fuzz                     # all targets into BUILD/tests/fuzz/
#   make fuzz FUZZ_CC=clang-16    # another clang
#
# The core and each plugin are compiled again here, instrumented for
# coverage (-fsanitize=fuzzer-no-link) and with ASan+UBSan; a plugin's
# descriptor is renamed fz_plugin_NAME so several link into one binary.
# GNU make; not read by automake.

FUZZ_CC ?= clang
SRC ?= ../..
OUT ?= .

CORE_SRCS := $(filter-out $(SRC)/core/main.c,$(wildcard $(SRC)/core/*.c))
PROJECTS_SRCS := $(wildcard $(SRC)/plugins/projects/*.c)
STAFF_SRCS := $(wildcard $(SRC)/plugins/staff/*.c)

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
PROJECTS_OBJS := $(patsubst $(SRC)/plugins/projects/%.c,$(OBJ)/projects/%.o,$(PROJECTS_SRCS))
STAFF_OBJS := $(patsubst $(SRC)/plugins/staff/%.c,$(OBJ)/staff/%.o,$(STAFF_SRCS))

TARGETS := fuzz_query fuzz_path fuzz_cookies fuzz_media_type fuzz_router \
	fuzz_config fuzz_fcgi fuzz_projects fuzz_staff fuzz_import

all: $(addprefix $(OUT)/,$(TARGETS))

$(OBJ)/core/%.o: $(SRC)/core/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) -c $< -o $@

$(OBJ)/projects/%.o: $(SRC)/plugins/projects/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) $(XLSX_CFLAGS) -Dbureau_plugin=fz_plugin_projects -c $< -o $@

$(OBJ)/staff/%.o: $(SRC)/plugins/staff/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) -Dbureau_plugin=fz_plugin_staff -c $< -o $@

$(OBJ)/fz/%.o: $(SRC)/tests/fuzz/%.c $(wildcard $(SRC)/tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) -c $< -o $@

$(OBJ)/fz/fuzz_projects.o: $(SRC)/tests/fuzz/fuzz_plugin.c $(wildcard $(SRC)/tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) -DFZ_PLUGIN=projects -c $< -o $@

$(OBJ)/fz/fuzz_staff.o: $(SRC)/tests/fuzz/fuzz_plugin.c $(wildcard $(SRC)/tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CFLAGS) -DFZ_PLUGIN=staff -c $< -o $@

$(OBJ)/libcore.a: $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $^
$(OBJ)/libprojects.a: $(PROJECTS_OBJS)
	rm -f $@ && ar rcs $@ $^
$(OBJ)/libstaff.a: $(STAFF_OBJS)
	rm -f $@ && ar rcs $@ $^

FZ := $(OBJ)/fz/fz.o
LIBCORE := $(OBJ)/libcore.a
LIBPROJ := $(OBJ)/libprojects.a
LIBSTAFF := $(OBJ)/libstaff.a

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
$(OUT)/fuzz_router: $(OBJ)/fz/fuzz_router.o $(FZ) $(LIBPROJ) $(LIBSTAFF) $(LIBCORE)
	$(link)
$(OUT)/fuzz_fcgi: $(OBJ)/fz/fuzz_fcgi.o $(OBJ)/fz/fz_projects.o $(OBJ)/fz/fz_staff.o $(FZ) $(LIBPROJ) $(LIBSTAFF) $(LIBCORE)
	$(link)
$(OUT)/fuzz_projects: $(OBJ)/fz/fuzz_projects.o $(OBJ)/fz/fz_projects.o $(FZ) $(LIBPROJ) $(LIBCORE)
	$(link)
$(OUT)/fuzz_staff: $(OBJ)/fz/fuzz_staff.o $(OBJ)/fz/fz_staff.o $(FZ) $(LIBSTAFF) $(LIBCORE)
	$(link)
$(OUT)/fuzz_import: $(OBJ)/fz/fuzz_import.o $(OBJ)/fz/fz_projects.o $(FZ) $(LIBPROJ) $(LIBCORE)
	$(link)

clean:
	rm -rf $(OBJ) $(addprefix $(OUT)/,$(TARGETS))

.PHONY: all clean
