# tests/plugins/ -- real plugins the tests load through the real host,
# built as shared objects by `make check` (check_LTLIBRARIES are static
# archives unless given -module -rpath).
#
# tests/plugins/.libs/hello.so is the one a test instance gets by
# default (tests/integration/harness.py copies tests/plugins/.libs/*.so);
# the others live in tests/plugins/extra/.libs/ and are installed by the
# tests that need them (some would refuse hello as a duplicate, some
# crash or hang on purpose).

TEST_PLUGIN_LD = $(PLUGIN_LD) -rpath /nowhere
EXTRA_DIST += tests/plugins/extra/extra.h

check_LTLIBRARIES += tests/plugins/hello.la
tests_plugins_hello_la_SOURCES = tests/plugins/hello.c
tests_plugins_hello_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_hello_la_LIBADD = $(PLUGIN_DEPLIBS)

# Same plugin, version 2.0.0 with a second migration (upgrade tests).
check_LTLIBRARIES += tests/plugins/extra/hello_v2.la
tests_plugins_extra_hello_v2_la_SOURCES = tests/plugins/hello.c
tests_plugins_extra_hello_v2_la_CPPFLAGS = $(AM_CPPFLAGS) -DHELLO_V2
tests_plugins_extra_hello_v2_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_hello_v2_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/badabi.la
tests_plugins_extra_badabi_la_SOURCES = tests/plugins/extra/badabi.c
tests_plugins_extra_badabi_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_badabi_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/newerminor.la
tests_plugins_extra_newerminor_la_SOURCES = tests/plugins/extra/newerminor.c
tests_plugins_extra_newerminor_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_newerminor_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/badmagic.la
tests_plugins_extra_badmagic_la_SOURCES = tests/plugins/extra/badmagic.c
tests_plugins_extra_badmagic_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_badmagic_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/badsig.la
tests_plugins_extra_badsig_la_SOURCES = tests/plugins/extra/badsig.c
tests_plugins_extra_badsig_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_badsig_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/nosymbol.la
tests_plugins_extra_nosymbol_la_SOURCES = tests/plugins/extra/nosymbol.c
# Without the export list: an empty one is a broken version script.
tests_plugins_extra_nosymbol_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -rpath /nowhere
tests_plugins_extra_nosymbol_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/badmig.la
tests_plugins_extra_badmig_la_SOURCES = tests/plugins/extra/badmig.c
tests_plugins_extra_badmig_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_badmig_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/needsmissing.la
tests_plugins_extra_needsmissing_la_SOURCES = tests/plugins/extra/needsmissing.c
tests_plugins_extra_needsmissing_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_needsmissing_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/ctorcrash.la
tests_plugins_extra_ctorcrash_la_SOURCES = tests/plugins/extra/ctorcrash.c
tests_plugins_extra_ctorcrash_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_ctorcrash_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/dupname.la
tests_plugins_extra_dupname_la_SOURCES = tests/plugins/extra/dupname.c
tests_plugins_extra_dupname_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_dupname_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/initfail.la
tests_plugins_extra_initfail_la_SOURCES = tests/plugins/extra/initfail.c
tests_plugins_extra_initfail_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_initfail_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/initcrash.la
tests_plugins_extra_initcrash_la_SOURCES = tests/plugins/extra/initcrash.c
tests_plugins_extra_initcrash_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_initcrash_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/depbase.la
tests_plugins_extra_depbase_la_SOURCES = tests/plugins/extra/depbase.c
tests_plugins_extra_depbase_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_depbase_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/depchild.la
tests_plugins_extra_depchild_la_SOURCES = tests/plugins/extra/depchild.c
tests_plugins_extra_depchild_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_depchild_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/depgrand.la
tests_plugins_extra_depgrand_la_SOURCES = tests/plugins/extra/depgrand.c
tests_plugins_extra_depgrand_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_depgrand_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/cyca.la
tests_plugins_extra_cyca_la_SOURCES = tests/plugins/extra/cyca.c
tests_plugins_extra_cyca_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_cyca_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/cycb.la
tests_plugins_extra_cycb_la_SOURCES = tests/plugins/extra/cycb.c
tests_plugins_extra_cycb_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_cycb_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/badroute.la
tests_plugins_extra_badroute_la_SOURCES = tests/plugins/extra/badroute.c
tests_plugins_extra_badroute_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_badroute_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/noisy.la
tests_plugins_extra_noisy_la_SOURCES = tests/plugins/extra/noisy.c
tests_plugins_extra_noisy_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_noisy_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/slowctor.la
tests_plugins_extra_slowctor_la_SOURCES = tests/plugins/extra/slowctor.c
tests_plugins_extra_slowctor_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_slowctor_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/closehang.la
tests_plugins_extra_closehang_la_SOURCES = tests/plugins/extra/closehang.c
tests_plugins_extra_closehang_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_closehang_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/rebuild.la
tests_plugins_extra_rebuild_la_SOURCES = tests/plugins/extra/rebuild.c
tests_plugins_extra_rebuild_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_rebuild_la_LIBADD = $(PLUGIN_DEPLIBS)

# Records its init() calls (bureauctl plugin enable loads only what it
# enables); initlog_dep is the same source, depending on initlog.
check_LTLIBRARIES += tests/plugins/extra/initlog.la
tests_plugins_extra_initlog_la_SOURCES = tests/plugins/extra/initlog.c
tests_plugins_extra_initlog_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_initlog_la_LIBADD = $(PLUGIN_DEPLIBS)

check_LTLIBRARIES += tests/plugins/extra/initlog_dep.la
tests_plugins_extra_initlog_dep_la_SOURCES = tests/plugins/extra/initlog.c
tests_plugins_extra_initlog_dep_la_CPPFLAGS = $(AM_CPPFLAGS) -DINITLOG_DEP
tests_plugins_extra_initlog_dep_la_LDFLAGS = $(TEST_PLUGIN_LD)
tests_plugins_extra_initlog_dep_la_LIBADD = $(PLUGIN_DEPLIBS)

# `bureaud --probe` for the unit tests, without the rest of bureaud.
check_PROGRAMS += tests/plugins/probe-driver
tests_plugins_probe_driver_SOURCES = tests/plugins/probe_driver.c
tests_plugins_probe_driver_CFLAGS = $(PIE_CC)
tests_plugins_probe_driver_LDFLAGS = $(PIE_LD)
tests_plugins_probe_driver_LDADD = $(CORE_LIBS)
