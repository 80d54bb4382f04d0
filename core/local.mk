# core/ -- the bureaud server and the library it shares with bureauctl
# and the unit tests.

noinst_LTLIBRARIES += core/libbureaucore.la
core_libbureaucore_la_SOURCES = \
	core/arena.c core/arena.h \
	core/log.c core/log.h \
	core/config.c core/config.h \
	core/request.c core/request.h \
	core/router.c core/router.h \
	core/response.c \
	core/respcache.c core/respcache.h \
	core/hostapi.c \
	core/handle.c \
	core/app.c core/app.h \
	core/health.c core/health.h \
	core/nav.c core/nav.h \
	core/pluginadmin.c core/pluginadmin.h \
	core/db.c core/db.h \
	core/migrate.c core/migrate.h \
	core/schema.c \
	core/plugins.c core/plugins.h \
	core/probe.c \
	core/scoreboard.c core/scoreboard.h \
	core/worker.c core/worker.h \
	core/master.c core/master.h \
	core/control.c core/control.h \
	core/auth.c core/auth.h \
	core/password.c \
	core/login.c \
	core/sessions.c core/sessions.h \
	core/hashcap.c core/hashcap.h \
	core/audit.c core/audit.h \
	core/auditlog.c core/auditlog.h \
	core/csv.c include/bureau/csv.h \
	include/bureau/plugin.h
core_libbureaucore_la_CFLAGS = $(AM_CFLAGS)

CORE_LIBS = core/libbureaucore.la $(FCGI_LIBS) $(JANSSON_LIBS) \
	$(SODIUM_LIBS) $(SQLITE_LIBS) $(INIH_LIBS) $(SYSTEMD_LIBS) \
	$(CRACK_LIBS)

sbin_PROGRAMS += core/bureaud
core_bureaud_SOURCES = core/main.c
core_bureaud_CFLAGS = $(PIE_CC)
core_bureaud_LDFLAGS = $(PIE_LD)
core_bureaud_LDADD = $(CORE_LIBS)

pkginclude_HEADERS = include/bureau/plugin.h include/bureau/csv.h
# The SDK's CSV writer: a plugin compiles it into its own .so.
sdkdir = $(pkgdatadir)/sdk
sdk_DATA = core/csv.c
