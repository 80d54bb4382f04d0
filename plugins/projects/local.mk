# plugins/projects -- the projects plugin (projects.so).
# Records and API: projects.c schema.c project.c stage.c ledger.c problem.c
# target.c search.c export.c import.c validate.c ("projects");
# report card, reference data, demo: report.c refdata.c demo.c ("report").
plugins_LTLIBRARIES += plugins/projects/projects.la
plugins_projects_projects_la_SOURCES = \
	plugins/projects/projects.h \
	plugins/projects/projects.c \
	plugins/projects/schema.c \
	plugins/projects/validate.c \
	plugins/projects/project.c \
	plugins/projects/stage.c \
	plugins/projects/ledger.c \
	plugins/projects/problem.c \
	plugins/projects/target.c \
	plugins/projects/search.c \
	plugins/projects/export.c \
	plugins/projects/import.c \
	plugins/projects/report.c \
	plugins/projects/refdata.c \
	plugins/projects/demo.c
plugins_projects_projects_la_CFLAGS = $(AM_CFLAGS) $(XLSXWRITER_CFLAGS)
plugins_projects_projects_la_LDFLAGS = $(PLUGIN_LD)
plugins_projects_projects_la_LIBADD = $(PLUGIN_DEPLIBS) $(XLSXWRITER_LIBS) $(CSV_LIBS)
EXTRA_DIST += docs/api/projects.md
