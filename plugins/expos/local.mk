# plugins/expos -- expos and their signings (expos.so); depends on projects.
# kit.h, field.c and csv.c are shared with plugins/regions, which compiles
# them into its own .so (per-target CFLAGS keep the objects apart).
plugins_LTLIBRARIES += plugins/expos/expos.la
plugins_expos_expos_la_SOURCES = \
	plugins/expos/kit.h \
	plugins/expos/field.c \
	plugins/expos/csv.c \
	plugins/expos/expos.h \
	plugins/expos/expos.c \
	plugins/expos/schema.c \
	plugins/expos/series.c \
	plugins/expos/edition.c \
	plugins/expos/signing.c \
	plugins/expos/summary.c \
	plugins/expos/export.c \
	plugins/expos/demo.c
plugins_expos_expos_la_CFLAGS = $(AM_CFLAGS)
plugins_expos_expos_la_LDFLAGS = $(PLUGIN_LD)
plugins_expos_expos_la_LIBADD = $(PLUGIN_DEPLIBS)
EXTRA_DIST += docs/api/expos.md docs/EXPOS.md
