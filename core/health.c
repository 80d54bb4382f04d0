/*
 * health.c -- GET /api/v1/health, for load balancers, monitoring and
 * the quick-start check.  Public: it tells nothing but whether the
 * database answers and which plugins are enabled.
 */
#include <string.h>

#include "app.h"
#include "db.h"
#include "health.h"
#include "request.h"

static int
health_get(struct bureau_req *req, void *state)
{
	sqlite3_stmt *st;
	json_t *plugins, *body;
	int rc, db_ok = 1;

	(void)state;
	plugins = json_array();
	st = stmt_cache_get(req->thr->stmts,
	    "SELECT name, coalesce(version, ''), state FROM plugins "
	    "ORDER BY name");
	if (st == NULL)
		db_ok = 0;
	else {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *s = (const char *)sqlite3_column_text(st, 2);

			json_array_append_new(plugins, json_pack("{s:s, s:s, s:b, s:s}",
			    "name", (const char *)sqlite3_column_text(st, 0),
			    "version", (const char *)sqlite3_column_text(st, 1),
			    "enabled", strcmp(s, "enabled") == 0,
			    "state", s));
		}
		if (rc != SQLITE_DONE)
			db_ok = 0;
		sqlite3_reset(st);
	}
	body = json_pack("{s:s, s:s, s:s, s:o}",
	    "status", db_ok ? "ok" : "degraded",
	    "version", PACKAGE_VERSION,
	    "db", db_ok ? "ok" : "unavailable",
	    "plugins", plugins);
	return resp_json(req, db_ok ? 200 : 503, body);
}

const struct bureau_route health_routes[] = {
	{ "GET", "/api/v1/health", health_get, BUREAU_PERM_PUBLIC, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
