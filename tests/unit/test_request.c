/* Unit tests: query strings, cookies, paths, media types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"
#include "request.h"

/* A 500 carries none of the headers set for the answer the handler
 * meant to give (say a session cookie set before a failed commit). */
static void
test_internal_drops_headers(void **state)
{
	struct bureau_req req;

	memset(&req, 0, sizeof(req));
	req.arena = *state;
	strcpy(req.id, "t1");
	assert_int_equal(resp_header(&req, "Set-Cookie", "s=abc"), 0);
	assert_non_null(req.headers);
	resp_internal(&req, "commit failed");
	assert_int_equal(req.status, 500);
	assert_int_equal(req.responded, 1);
	assert_null(req.headers);
}

static int
setup(void **state)
{
	*state = arena_new(4096);
	return 0;
}

static int
teardown(void **state)
{
	arena_free(*state);
	return 0;
}

static void
test_query_basic(void **state)
{
	struct kvlist q;

	assert_int_equal(query_parse(*state, "a=1&b=two+words&c=%E9%87%8D%E5%BA%86", &q), 0);
	assert_int_equal(q.count, 3);
	assert_string_equal(kvlist_get(&q, "a"), "1");
	assert_string_equal(kvlist_get(&q, "b"), "two words");
	assert_string_equal(kvlist_get(&q, "c"), "重庆");
}

static void
test_query_empty_and_repeated(void **state)
{
	struct kvlist q;

	assert_int_equal(query_parse(*state, "k&e=&&r=1&r=2&=v", &q), 0);
	assert_int_equal(q.count, 5);
	assert_string_equal(q.items[0].key, "k");
	assert_string_equal(q.items[0].value, "");
	assert_string_equal(q.items[1].value, "");
	assert_string_equal(q.items[2].value, "1");
	assert_string_equal(q.items[3].key, "r");
	assert_string_equal(q.items[3].value, "2");
	assert_string_equal(q.items[4].key, "");
	assert_string_equal(q.items[4].value, "v");
	assert_int_equal(query_parse(*state, "", &q), 0);
	assert_int_equal(q.count, 0);
	assert_int_equal(query_parse(*state, NULL, &q), 0);
	assert_int_equal(q.count, 0);
}

static void
test_query_malformed(void **state)
{
	struct kvlist q;

	assert_int_equal(query_parse(*state, "a=%zz", &q), -1);
	assert_int_equal(query_parse(*state, "a=%4", &q), -1);
	assert_int_equal(query_parse(*state, "a=%", &q), -1);
	assert_int_equal(query_parse(*state, "a=%00", &q), -1);	/* NUL */
	assert_int_equal(query_parse(*state, "a=%C3%28", &q), -1);	/* bad UTF-8 */
	assert_int_equal(query_parse(*state, "a=%C0%AF", &q), -1);	/* overlong */
	assert_int_equal(query_parse(*state, "a=%ED%A0%80", &q), -1);	/* surrogate */
	assert_int_equal(query_parse(*state, "a=%2F", &q), 0);	/* slash fine here */
	assert_string_equal(kvlist_get(&q, "a"), "/");
}

static void
test_cookies(void **state)
{
	struct kvlist c;

	assert_int_equal(cookies_parse(*state,
	    "a=1; __Host-bureau_session=abc_DEF-123 ;b=\"q\"; junk; =x", &c), 0);
	assert_int_equal(c.count, 3);
	assert_string_equal(kvlist_get(&c, "a"), "1");
	assert_string_equal(kvlist_get(&c, "__Host-bureau_session"), "abc_DEF-123");
	assert_string_equal(kvlist_get(&c, "b"), "q");
	assert_null(kvlist_get(&c, "junk"));
}

static void
test_path(void **state)
{
	char *p;

	assert_int_equal(path_decode(*state, "/api/v1/projects?x=1", &p), 0);
	assert_string_equal(p, "/api/v1/projects");
	assert_int_equal(path_decode(*state, "/api/v1/%E9%A1%B9", &p), 0);
	assert_string_equal(p, "/api/v1/项");
	assert_int_equal(path_decode(*state, "/api/v1/x/", &p), 0);	/* router's 404 */
	assert_int_equal(path_decode(*state, "/api/v1/a%2Fb", &p), -1);
	assert_int_equal(path_decode(*state, "/api/v1/a%2fb", &p), -1);
	assert_int_equal(path_decode(*state, "/api/../etc/passwd", &p), -1);
	assert_int_equal(path_decode(*state, "/api/%2e%2e/x", &p), -1);
	assert_int_equal(path_decode(*state, "/api/./x", &p), -1);
	assert_int_equal(path_decode(*state, "/api//x", &p), -1);
	assert_int_equal(path_decode(*state, "/api/%00", &p), -1);
	assert_int_equal(path_decode(*state, "api", &p), -1);
	assert_int_equal(path_decode(*state, "/a+b", &p), 0);
	assert_string_equal(p, "/a+b");		/* '+' is literal in paths */
}

static void
test_media_type(void **state)
{
	assert_string_equal(media_type(*state, "Application/JSON; charset=utf-8"),
	    "application/json");
	assert_string_equal(media_type(*state, "  text/csv  "), "text/csv");
	assert_null(media_type(*state, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_query_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_empty_and_repeated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_media_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_internal_drops_headers, setup, teardown),
	};

	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
