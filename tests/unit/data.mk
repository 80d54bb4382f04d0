# tests/unit/data.mk -- SQLite access, migrations, the plugin probe and
# loader (they load the real test plugins of tests/plugins/).
check_PROGRAMS += tests/unit/test_db tests/unit/test_migrate tests/unit/test_plugins
TESTS += tests/unit/test_db tests/unit/test_migrate tests/unit/test_plugins

tests_unit_test_db_SOURCES = tests/unit/test_db.c
tests_unit_test_db_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_db_LDADD = $(TEST_LIBS)

tests_unit_test_migrate_SOURCES = tests/unit/test_migrate.c
tests_unit_test_migrate_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_migrate_LDADD = $(TEST_LIBS)

tests_unit_test_plugins_SOURCES = tests/unit/test_plugins.c
tests_unit_test_plugins_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_plugins_LDADD = $(TEST_LIBS)
