/* Unit tests: the per-thread response cache (core/respcache.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "respcache.h"

static struct respcache_entry
entry(const char *body)
{
	struct respcache_entry e;

	e.status = 200;
	e.ctype = "application/json; charset=utf-8";
	e.headers = "";
	e.body = body;
	e.body_len = strlen(body);
	return e;
}

static void
test_off_is_null(void **state)
{
	struct respcache_entry e = entry("{}");
	struct respcache_state st = { 1, 0 };

	(void)state;
	assert_null(respcache_new(0));
	/* Every call takes the NULL a zero size gives. */
	respcache_validate(NULL, &st);
	assert_null(respcache_get(NULL, "k"));
	assert_int_equal(respcache_put(NULL, "k", &e), 1);
	respcache_free(NULL);
}

static void
test_put_get_copy(void **state)
{
	struct respcache *rc = respcache_new(1 << 20);
	struct respcache_state st = { 7, 3 };
	const struct respcache_entry *got;
	struct respcache_entry e;
	char body[] = "{\"items\":[1,2]}";
	size_t n, bytes;

	(void)state;
	respcache_validate(rc, &st);
	e = entry(body);
	e.headers = "Content-Disposition: attachment; filename=\"x\"\r\n";
	assert_int_equal(respcache_put(rc, "2026-11-27 /a?x=1", &e), 0);
	/* The cache keeps its own copy. */
	memset(body, 'z', sizeof(body) - 1);
	got = respcache_get(rc, "2026-11-27 /a?x=1");
	assert_non_null(got);
	assert_int_equal(got->status, 200);
	assert_string_equal(got->body, "{\"items\":[1,2]}");
	assert_int_equal(got->body_len, 15);
	assert_string_equal(got->ctype, "application/json; charset=utf-8");
	assert_string_equal(got->headers,
	    "Content-Disposition: attachment; filename=\"x\"\r\n");
	assert_null(respcache_get(rc, "2026-11-27 /a?x=2"));
	assert_null(respcache_get(rc, "2026-11-28 /a?x=1"));
	/* Same key again replaces, never duplicates. */
	e = entry("[]");
	assert_int_equal(respcache_put(rc, "2026-11-27 /a?x=1", &e), 0);
	respcache_stats(rc, &n, &bytes);
	assert_int_equal(n, 1);
	assert_string_equal(respcache_get(rc, "2026-11-27 /a?x=1")->body, "[]");
	respcache_free(rc);
}

static void
test_state_change_empties(void **state)
{
	struct respcache *rc = respcache_new(1 << 20);
	struct respcache_state st = { 1, 10 };
	struct respcache_entry e = entry("{}");
	size_t n, bytes;

	(void)state;
	respcache_validate(rc, &st);
	assert_int_equal(respcache_put(rc, "k", &e), 0);
	respcache_validate(rc, &st);		/* unchanged: kept */
	assert_non_null(respcache_get(rc, "k"));
	st.changes = 11;			/* this connection wrote */
	respcache_validate(rc, &st);
	assert_null(respcache_get(rc, "k"));
	assert_int_equal(respcache_put(rc, "k", &e), 0);
	st.data_version = 2;			/* another one committed */
	respcache_validate(rc, &st);
	assert_null(respcache_get(rc, "k"));
	respcache_stats(rc, &n, &bytes);
	assert_int_equal(n, 0);
	assert_int_equal(bytes, 0);
	respcache_free(rc);
}

static void
test_bounded_lru(void **state)
{
	struct respcache *rc = respcache_new(64 * 1024);
	struct respcache_state st = { 1, 1 };
	struct respcache_entry e;
	char key[32], *body;
	size_t n, bytes;
	int i;

	(void)state;
	respcache_validate(rc, &st);
	body = malloc(8000);
	assert_non_null(body);
	memset(body, 'x', 7999);
	body[7999] = '\0';
	e = entry(body);
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(respcache_put(rc, key, &e), 0);
		/* k0 is used after every put: the most recent, never evicted. */
		assert_non_null(respcache_get(rc, "k0"));
		respcache_stats(rc, &n, &bytes);
		assert_true(bytes <= 64 * 1024);
	}
	assert_non_null(respcache_get(rc, "k0"));
	assert_non_null(respcache_get(rc, "k19"));
	assert_null(respcache_get(rc, "k1"));	/* the oldest unused went */
	respcache_stats(rc, &n, &bytes);
	assert_true(n < 20 && n >= 6);
	free(body);

	/* More than a quarter of the cache is not kept at all. */
	body = calloc(1, 20000);
	assert_non_null(body);
	memset(body, 'y', 19999);
	e = entry(body);
	assert_int_equal(respcache_put(rc, "huge", &e), 1);
	assert_null(respcache_get(rc, "huge"));
	free(body);
	respcache_free(rc);
}

static void
test_entry_count_bounded(void **state)
{
	struct respcache *rc = respcache_new(1 << 30);
	struct respcache_state st = { 1, 1 };
	struct respcache_entry e = entry("1");
	char key[32];
	size_t n, bytes;
	int i;

	(void)state;
	respcache_validate(rc, &st);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(respcache_put(rc, key, &e), 0);
	}
	respcache_stats(rc, &n, &bytes);
	assert_int_equal(n, 64);
	assert_non_null(respcache_get(rc, "k999"));
	assert_null(respcache_get(rc, "k0"));
	respcache_free(rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_is_null),
		cmocka_unit_test(test_put_get_copy),
		cmocka_unit_test(test_state_change_empties),
		cmocka_unit_test(test_bounded_lru),
		cmocka_unit_test(test_entry_count_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
