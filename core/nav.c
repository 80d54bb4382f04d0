/*
 * nav.c -- GET /api/v1/nav: the menu a signed-in user may see, built
 * from the nav entries of the plugins this worker has loaded plus the
 * core's own pages, filtered by the user's permissions.  Admins also get
 * the plugins that need attention (quarantined or failed), for the
 * shell's banner.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth.h"
#include "db.h"
#include "nav.h"
#include "plugins.h"
#include "request.h"
#include "scoreboard.h"

static const struct bureau_nav core_nav[] = {
	{ "plugins", "插件管理", "Plugins", "#/plugins", "/js/pages/plugins.js",
	    "plugins.admin", 900 },
	{ "audit", "审计日志", "Audit log", "#/audit", "/js/pages/audit.js",
	    "audit.read", 910 },
	{ "profile", "个人设置", "Profile", "#/profile", "/js/pages/profile.js",
	    BUREAU_PERM_SESSION, 990 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

static void
nav_add(struct bureau_req *req, json_t *items, const char *plugin,
    const struct bureau_nav *n)
{
	for (; n != NULL && n->id != NULL; n++) {
		if (n->permission != NULL &&
		    strcmp(n->permission, BUREAU_PERM_SESSION) != 0 &&
		    !auth_can(req, n->permission))
			continue;
		json_array_append_new(items, json_pack(
		    "{s:s, s:s, s:s, s:s, s:s, s:s?, s:i}",
		    "id", n->id, "plugin", plugin,
		    "label_zh", n->label_zh ? n->label_zh : n->id,
		    "label_en", n->label_en ? n->label_en : n->id,
		    "href", n->href ? n->href : "",
		    "module", n->module, "order", n->order));
	}
}

static json_int_t
nav_order_of(json_t *e)
{
	return json_integer_value(json_object_get(e, "order"));
}

/* Insertion sort by "order": stable, and a menu has a dozen entries. */
static void
nav_sort(json_t **v, size_t n)
{
	size_t i, j;
	json_t *e;

	for (i = 1; i < n; i++) {
		e = v[i];
		for (j = i; j > 0 && nav_order_of(v[j - 1]) > nav_order_of(e); j--)
			v[j] = v[j - 1];
		v[j] = e;
	}
}

/* Plugins in trouble, for the admin's banner. */
static json_t *
nav_alerts(struct bureau_req *req)
{
	sqlite3_stmt *st;
	json_t *alerts = json_array();

	st = stmt_cache_get(req->thr->stmts,
	    "SELECT name, state, coalesce(reason, '') FROM plugins "
	    "WHERE state IN ('quarantined', 'failed') ORDER BY name");
	if (st == NULL)
		return alerts;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(alerts, json_pack("{s:s, s:s, s:s}",
		    "plugin", (const char *)sqlite3_column_text(st, 0),
		    "state", (const char *)sqlite3_column_text(st, 1),
		    "reason", (const char *)sqlite3_column_text(st, 2)));
	sqlite3_reset(st);
	return alerts;
}

static int
nav_get(struct bureau_req *req, void *state)
{
	const struct plugin_set *ps = req->thr->app->plugins;
	json_t *items = json_array(), *sorted, *body;
	json_t **v;
	size_t i, n;

	(void)state;
	for (i = 0; ps != NULL && i < ps->count; i++) {
		/* Switched off since this worker loaded it: gone already. */
		if (!scoreboard_plugin_live(req->thr->app->sb,
		    req->thr->app->plugin_generation, ps->items[i].desc->name))
			continue;
		nav_add(req, items, ps->items[i].desc->name,
		    ps->items[i].desc->nav);
	}
	nav_add(req, items, "core", core_nav);

	/* Stable order for the menu: by "order", then as declared. */
	n = json_array_size(items);
	v = arena_calloc(req->arena, n ? n : 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(items, i);
	nav_sort(v, n);
	sorted = json_array();
	for (i = 0; i < n; i++)
		json_array_append(sorted, v[i]);
	json_decref(items);

	body = json_pack("{s:o}", "items", sorted);
	if (auth_can(req, "plugins.admin"))
		json_object_set_new(body, "alerts", nav_alerts(req));
	return resp_json(req, 200, body);
}

const struct bureau_route nav_routes[] = {
	{ "GET", "/api/v1/nav", nav_get, BUREAU_PERM_SESSION,
	    BUREAU_ROUTE_PW_CHANGE },
	{ NULL, NULL, NULL, NULL, 0 }
};
