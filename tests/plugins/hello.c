/*
 * hello -- the test suite's well-behaved plugin: a table, a few routes
 * that exercise the request and response paths, a slow route (reloads
 * must not cut it off) and a crashing one (crash blame, quarantine).
 *
 * Built twice: hello.so (1.0.0, schema 1) and, with -DHELLO_V2,
 * hello_v2.so (2.0.0, schema 2 adds a column) for upgrade tests.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bureau/plugin.h"

struct hello {
	const struct bureau_host	*host;
};

#define H(state)	(((struct hello *)(state))->host)

static int
hello_root(struct bureau_req *req, void *state)
{
	return H(state)->resp_json(req, 200,
	    json_pack("{s:s}", "hello", "world"));
}

static int
hello_slow(struct bureau_req *req, void *state)
{
	const char	*s = H(state)->req_query(req, "ms");
	char		*end;
	long		 ms;
	struct timespec	 ts;

	errno = 0;
	ms = s != NULL ? strtol(s, &end, 10) : -1;
	if (s == NULL || *s == '\0' || *end != '\0' || errno != 0 || ms < 0 ||
	    ms > 30000)
		return H(state)->resp_error(req, 400, "validation_failed", "ms",
		    "ms must be an integer from 0 to 30000");
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return H(state)->resp_json(req, 200,
	    json_pack("{s:i}", "slept_ms", (int)ms));
}

static int
hello_crash(struct bureau_req *req, void *state)
{
	(void)req;
	(void)state;
	/* A real signal, not abort(): what a wild pointer would do. */
	raise(SIGSEGV);
	return -1;
}

static int
hello_echo(struct bureau_req *req, void *state)
{
	const struct bureau_host	*h = H(state);
	const char			*k, *v, *ct;
	json_t				*q, *body;
	size_t				 n;

	q = json_array();
	if (h->req_query_at != NULL)
		for (n = 0; h->req_query_at(req, n, &k, &v) == 0; n++)
			json_array_append_new(q, json_pack("[s,s]", k, v));
	body = h->req_json(req);
	ct = h->req_content_type(req);
	return h->resp_json(req, 200, json_pack("{s:s,s:s,s:o,s:O,s:o}",
	    "method", h->req_method(req),
	    "path", h->req_path(req),
	    "query", q,
	    "json", body != NULL ? body : json_null(),
	    "content_type", ct != NULL ? json_string(ct) : json_null()));
}

static int
hello_item_get(struct bureau_req *req, void *state)
{
	const struct bureau_host	*h = H(state);
	sqlite3_stmt			*st;
	int64_t				 id = h->req_param_id(req, "id");
	json_t				*o;
	int				 rc;

	st = h->db_prepare(req, "SELECT id, name FROM hello_items "
	    "WHERE id = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return h->resp_error(req, 404, "not_found", NULL,
		    "no such item");
	if (rc != SQLITE_ROW)
		return -1;
	o = json_pack("{s:I,s:s}", "id", (json_int_t)sqlite3_column_int64(st,
	    0), "name", (const char *)sqlite3_column_text(st, 1));
	return h->resp_json(req, 200, o);
}

static int
hello_item_post(struct bureau_req *req, void *state)
{
	const struct bureau_host	*h = H(state);
	json_t				*body = h->req_json(req);
	const char			*name;
	sqlite3_stmt			*st;
	int64_t				 id;

	name = json_string_value(json_object_get(body, "name"));
	if (name == NULL || name[0] == '\0' || strlen(name) > 100)
		return h->resp_error(req, 400, "validation_failed", "name",
		    "name must be a string of 1 to 100 bytes");
	if (h->db_begin(req) == -1)
		return -1;
	st = h->db_prepare(req, "INSERT INTO hello_items(name) VALUES (?1)");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(h->db(req));
	if (h->db_commit(req) == -1)
		return -1;
	return h->resp_json(req, 201, json_pack("{s:I,s:s}", "id",
	    (json_int_t)id, "name", name));
fail:
	h->db_rollback(req);
	return -1;
}

static int
hello_init(const struct bureau_host *host, void **state)
{
	struct hello	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->host = host;
	*state = s;
	return 0;
}

static void
hello_fini(void *state)
{
	free(state);
}

static const struct bureau_migration hello_migrations[] = {
	{ 1, "items", "CREATE TABLE hello_items ("
	    "  id INTEGER PRIMARY KEY,"
	    "  name TEXT NOT NULL"
	    ") STRICT;", NULL, 0 },
#ifdef HELLO_V2
	{ 2, "item notes", "ALTER TABLE hello_items ADD COLUMN "
	    "note TEXT NOT NULL DEFAULT '';", NULL, 0 },
#endif
	{ 0, NULL, NULL, NULL, 0 }
};

/* Public on purpose: the tests drive these without signing in. */
static const struct bureau_route hello_routes[] = {
	{ "GET", "/api/v1/hello", hello_root, BUREAU_PERM_PUBLIC, 0 },
	{ "GET", "/api/v1/hello/slow", hello_slow, BUREAU_PERM_PUBLIC, 0 },
	{ "GET", "/api/v1/hello/crash", hello_crash, BUREAU_PERM_PUBLIC, 0 },
	{ "GET", "/api/v1/hello/echo", hello_echo, BUREAU_PERM_PUBLIC, 0 },
	{ "POST", "/api/v1/hello/echo", hello_echo, BUREAU_PERM_PUBLIC,
	    BUREAU_ROUTE_NO_CSRF },
	{ "GET", "/api/v1/hello/items/{id}", hello_item_get,
	    BUREAU_PERM_PUBLIC, 0 },
	{ "POST", "/api/v1/hello/items", hello_item_post, BUREAU_PERM_PUBLIC,
	    BUREAU_ROUTE_NO_CSRF },
	{ NULL, NULL, NULL, NULL, 0 }
};

static const struct bureau_permission hello_permissions[] = {
	{ "hello.read", "See the hello menu entry", "admin,officer,viewer" },
	{ NULL, NULL, NULL }
};

static const struct bureau_nav hello_nav[] = {
	{ "hello", "你好", "Hello", "#/hello", NULL, "hello.read", 900 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	.name = "hello",
#ifdef HELLO_V2
	.version = "2.0.0",
#else
	.version = "1.0.0",
#endif
	.title = "Hello",
	.description = "Test plugin: greetings, echo, items, slow and "
	    "crashing routes",
	.migrations = hello_migrations,
	.routes = hello_routes,
	.permissions = hello_permissions,
	.nav = hello_nav,
	.init = hello_init,
	.fini = hello_fini,
};
