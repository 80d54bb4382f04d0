# tests/unit/auth.mk -- accounts: password rules and hashing, the hash
# cap, the audit hash chain.
check_PROGRAMS += tests/unit/test_password tests/unit/test_audit
TESTS += tests/unit/test_password tests/unit/test_audit

tests_unit_test_password_SOURCES = tests/unit/test_password.c
tests_unit_test_password_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_password_LDADD = $(TEST_LIBS)

tests_unit_test_audit_SOURCES = tests/unit/test_audit.c
tests_unit_test_audit_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_audit_LDADD = $(TEST_LIBS)
