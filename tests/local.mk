# tests/ -- unit tests (cmocka) run by `make check`; the test plugins they
# load; the integration, browser and hostile suites are run by scripts/test.
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS = $(CORE_LIBS) $(CMOCKA_LIBS)
AM_TESTS_ENVIRONMENT = \
	BUREAU_BUILDDIR='$(abs_top_builddir)'; export BUREAU_BUILDDIR; \
	BUREAU_SRCDIR='$(abs_top_srcdir)'; export BUREAU_SRCDIR;

include tests/unit/core.mk
include tests/unit/process.mk
include tests/unit/data.mk
include tests/unit/auth.mk
include tests/plugins/local.mk
include tests/integration/local.mk
include tests/fuzz/local.mk
