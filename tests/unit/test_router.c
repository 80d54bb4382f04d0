/* Unit tests: route patterns, typed parameters, 404/405. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arena.h"
#include "router.h"

static int h_list(struct bureau_req *r, void *s) { (void)r; (void)s; return 0; }
static int h_get(struct bureau_req *r, void *s) { (void)r; (void)s; return 1; }
static int h_csv(struct bureau_req *r, void *s) { (void)r; (void)s; return 2; }
static int h_slug(struct bureau_req *r, void *s) { (void)r; (void)s; return 3; }

static const struct bureau_route routes[] = {
	{ "GET", "/api/v1/projects", h_list, "projects.read", 0 },
	{ "POST", "/api/v1/projects", h_list, "projects.write", 0 },
	{ "GET", "/api/v1/projects/{id}", h_get, "projects.read", 0 },
	{ "PATCH", "/api/v1/projects/{id}", h_get, "projects.write", 0 },
	{ "GET", "/api/v1/projects/export.csv", h_csv, "projects.read", 0 },
	{ "GET", "/api/v1/projects/{id}/problems/{pid}", h_get, "projects.read", 0 },
	{ "POST", "/api/v1/plugins/{name:slug}/enable", h_slug, "plugins.admin", 0 },
	{ "GET", "/api/v1/day/{d:date}", h_slug, "public", 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

struct fixture {
	struct router	*r;
	struct arena	*a;
};

static int
setup(void **state)
{
	static struct fixture f;
	const struct bureau_route *rt;

	f.r = router_new();
	f.a = arena_new(4096);
	for (rt = routes; rt->method; rt++)
		assert_int_equal(router_add(f.r, "test", rt, NULL), 0);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	router_free(f->r);
	arena_free(f->a);
	return 0;
}

static int
match(struct fixture *f, const char *m, const char *path,
    const struct route_entry **e, struct kvlist *p, char *allow)
{
	return router_match(f->r, f->a, m, path, e, p, allow, 64);
}

static void
test_found_and_params(void **state)
{
	struct fixture *f = *state;
	const struct route_entry *e;
	struct kvlist p;
	char allow[64];

	assert_int_equal(match(f, "GET", "/api/v1/projects", &e, &p, allow), ROUTE_FOUND);
	assert_ptr_equal(e->handler, h_list);
	assert_int_equal(match(f, "GET", "/api/v1/projects/42", &e, &p, allow), ROUTE_FOUND);
	assert_ptr_equal(e->handler, h_get);
	assert_string_equal(kvlist_get(&p, "id"), "42");
	assert_int_equal(match(f, "GET", "/api/v1/projects/7/problems/9", &e, &p, allow), ROUTE_FOUND);
	assert_string_equal(kvlist_get(&p, "id"), "7");
	assert_string_equal(kvlist_get(&p, "pid"), "9");
	assert_int_equal(match(f, "GET", "/api/v1/projects/export.csv", &e, &p, allow), ROUTE_FOUND);
	assert_ptr_equal(e->handler, h_csv);
	assert_int_equal(match(f, "POST", "/api/v1/plugins/expos/enable", &e, &p, allow), ROUTE_FOUND);
	assert_string_equal(kvlist_get(&p, "name"), "expos");
	assert_int_equal(match(f, "GET", "/api/v1/day/2021-12-30", &e, &p, allow), ROUTE_FOUND);
}

static void
test_typed_params_reject(void **state)
{
	struct fixture *f = *state;
	const struct route_entry *e;
	struct kvlist p;
	char allow[64];

	assert_int_equal(match(f, "GET", "/api/v1/projects/0", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/projects/-1", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/projects/007", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/projects/1x", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/projects/99999999999999999999", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "POST", "/api/v1/plugins/Expos/enable", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/day/2021-13-01", &e, &p, allow), ROUTE_NOT_FOUND);
}

/* {d:date} is a real calendar day: month lengths and leap years. */
static void
test_date_calendar(void **state)
{
	struct fixture *f = *state;
	const struct route_entry *e;
	struct kvlist p;
	char allow[64];
	static const char *const good[] = {
		"2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30",
		"2021-12-31", "2020-02-29", "2000-02-29", "2400-02-29",
		"2021-06-30", "2021-11-30", NULL
	};
	static const char *const bad[] = {
		"2021-02-31", "2021-02-29", "2021-02-30", "1900-02-29",
		"2100-02-29", "2021-04-31", "2021-06-31", "2021-09-31",
		"2021-11-31", "2021-01-32", "2021-01-00", "2021-00-10",
		"2021-1-10", "2021-01-1x", "20210-1-10", NULL
	};
	size_t i;

	for (i = 0; good[i] != NULL; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/api/v1/day/%s", good[i]);
		assert_int_equal(match(f, "GET", path, &e, &p, allow), ROUTE_FOUND);
		assert_string_equal(kvlist_get(&p, "d"), good[i]);
	}
	for (i = 0; bad[i] != NULL; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/api/v1/day/%s", bad[i]);
		if (match(f, "GET", path, &e, &p, allow) != ROUTE_NOT_FOUND)
			fail_msg("%s matched {d:date}", bad[i]);
	}
}

static void
test_trailing_slash_and_unknown(void **state)
{
	struct fixture *f = *state;
	const struct route_entry *e;
	struct kvlist p;
	char allow[64];

	assert_int_equal(match(f, "GET", "/api/v1/projects/", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/projectsx", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/", &e, &p, allow), ROUTE_NOT_FOUND);
	assert_int_equal(match(f, "GET", "/api/v1/projects/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", &e, &p, allow), ROUTE_NOT_FOUND);
}

static void
test_method_not_allowed(void **state)
{
	struct fixture *f = *state;
	const struct route_entry *e;
	struct kvlist p;
	char allow[64];

	assert_int_equal(match(f, "DELETE", "/api/v1/projects", &e, &p, allow), ROUTE_BAD_METHOD);
	assert_string_equal(allow, "GET, POST");
	assert_int_equal(match(f, "PUT", "/api/v1/projects/3", &e, &p, allow), ROUTE_BAD_METHOD);
	assert_string_equal(allow, "GET, PATCH");
}

static void
test_bad_registrations(void **state)
{
	struct fixture *f = *state;
	const struct bureau_route dup = { "GET", "/api/v1/projects/{other}", h_get, "x", 0 };
	const struct bureau_route noperm = { "GET", "/api/v1/x", h_get, NULL, 0 };
	const struct bureau_route badpat = { "GET", "/api/v1/{id", h_get, "x", 0 };
	const struct bureau_route badtype = { "GET", "/api/v1/{id:float}", h_get, "x", 0 };
	const struct bureau_route badmethod = { "BREW", "/api/v1/x", h_get, "x", 0 };

	assert_int_equal(router_add(f->r, "t", &dup, NULL), -1);
	assert_int_equal(router_add(f->r, "t", &noperm, NULL), -1);
	assert_int_equal(router_add(f->r, "t", &badpat, NULL), -1);
	assert_int_equal(router_add(f->r, "t", &badtype, NULL), -1);
	assert_int_equal(router_add(f->r, "t", &badmethod, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_and_params),
		cmocka_unit_test(test_typed_params_reject),
		cmocka_unit_test(test_date_calendar),
		cmocka_unit_test(test_trailing_slash_and_unknown),
		cmocka_unit_test(test_method_not_allowed),
		cmocka_unit_test(test_bad_registrations),
	};

	return cmocka_run_group_tests_name("router", tests, setup, teardown);
}
