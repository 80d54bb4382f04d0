# plugins/staff -- account administration (staff.so).
plugins_LTLIBRARIES += plugins/staff/staff.la
plugins_staff_staff_la_SOURCES = plugins/staff/staff.c
plugins_staff_staff_la_CFLAGS = $(AM_CFLAGS)
plugins_staff_staff_la_LDFLAGS = $(PLUGIN_LD)
plugins_staff_staff_la_LIBADD = $(PLUGIN_DEPLIBS)
