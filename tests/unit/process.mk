# tests/unit/process.mk -- bureaud's configuration (the process model is
# exercised end to end by tests/integration/test_process.py).
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config

tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_config_LDADD = $(TEST_LIBS)
