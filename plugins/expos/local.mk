# plugins/expos -- expos and their signings (expos.so); depends on projects.
# kit.h and field.c are shared with plugins/regions, which compiles them
# into its own .so (per-target CFLAGS keep the objects apart); so is the
# SDK's CSV writer, core/csv.c.
plugins_LTLIBRARIES += plugins/expos/expos.la
plugins_expos_expos_la_SOURCES = \
	plugins/expos/kit.h \
	plugins/expos/field.c \
	core/csv.c include/bureau/csv.h \
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
