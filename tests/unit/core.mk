# tests/unit/core.mk -- the request layer: parsing, routing, arena, log,
# response cache.
check_PROGRAMS += tests/unit/test_request tests/unit/test_router tests/unit/test_arena \
	tests/unit/test_log tests/unit/test_respcache
TESTS += tests/unit/test_request tests/unit/test_router tests/unit/test_arena \
	tests/unit/test_log tests/unit/test_respcache

tests_unit_test_request_SOURCES = tests/unit/test_request.c
tests_unit_test_request_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_request_LDADD = $(TEST_LIBS)

tests_unit_test_router_SOURCES = tests/unit/test_router.c
tests_unit_test_router_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_router_LDADD = $(TEST_LIBS)

tests_unit_test_arena_SOURCES = tests/unit/test_arena.c
tests_unit_test_arena_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_arena_LDADD = $(TEST_LIBS)

tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_log_LDADD = $(TEST_LIBS)

tests_unit_test_respcache_SOURCES = tests/unit/test_respcache.c
tests_unit_test_respcache_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_respcache_LDADD = $(TEST_LIBS)
