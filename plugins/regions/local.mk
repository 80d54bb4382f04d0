# plugins/regions -- regional cooperation (regions.so); depends on projects.
# The field checks are the expos plugin's (kit.h) and the CSV writer the
# SDK's (core/csv.c), compiled into this .so too: per-target CFLAGS give
# them their own objects.
plugins_LTLIBRARIES += plugins/regions/regions.la
plugins_regions_regions_la_SOURCES = \
	plugins/expos/kit.h \
	plugins/expos/field.c \
	core/csv.c include/bureau/csv.h \
	plugins/regions/regions.h \
	plugins/regions/regions.c \
	plugins/regions/schema.c \
	plugins/regions/codes.c \
	plugins/regions/partner.c \
	plugins/regions/pair.c \
	plugins/regions/park.c \
	plugins/regions/summary.c \
	plugins/regions/export.c \
	plugins/regions/demo.c
plugins_regions_regions_la_CFLAGS = $(AM_CFLAGS)
plugins_regions_regions_la_LDFLAGS = $(PLUGIN_LD)
plugins_regions_regions_la_LIBADD = $(PLUGIN_DEPLIBS)
EXTRA_DIST += docs/api/regions.md
