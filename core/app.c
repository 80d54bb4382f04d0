/*
 * app.c -- assembling what a worker serves with, and each serving
 * thread's own resources.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "arena.h"
#include "audit.h"
#include "auditlog.h"
#include "auth.h"
#include "db.h"
#include "health.h"
#include "log.h"
#include "migrate.h"
#include "nav.h"
#include "pluginadmin.h"
#include "plugins.h"
#include "request.h"
#include "respcache.h"
#include "router.h"
#include "scoreboard.h"
#include "sessions.h"

#define ARENA_CHUNK	(64 * 1024)

const struct bureau_route *const app_core_routes[] = {
	health_routes, nav_routes, auth_routes, auditlog_routes,
	sessions_routes, NULL
};

static int
app_add_routes(struct app *app, const char *owner,
    const struct bureau_route *routes, void *state)
{
	const struct bureau_route *r;

	for (r = routes; r != NULL && r->method != NULL; r++)
		if (router_add(app->router, owner, r, state) == -1)
			return -1;
	return 0;
}

int
app_open(struct app *app, const struct config *cfg, int lane,
    struct scoreboard *sb)
{
	sqlite3 *db = NULL;
	char err[256];
	size_t i;

	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	app->lane = lane;
	app->sb = sb;
	app->host = &host_api;
	app->hash_sem = -1;
	if (sodium_init() < 0) {
		log_err("app: sodium_init failed");
		return -1;
	}
	if (sb != NULL)
		app->plugin_generation = sb->plugin_generation;

	if (db_open(&db, cfg->db_path, DB_OPEN_CREATE,
	    cfg->busy_timeout_ms) == -1)
		goto fail;
	/* Idempotent and race-free across workers: each step re-reads the
	 * version inside BEGIN IMMEDIATE. */
	if (migrate_apply(db, "core", core_migrations, 0, err,
	    sizeof(err)) == -1) {
		log_err("app: core migrations failed: %s", err);
		goto fail;
	}
	if (audit_key_load(cfg, 1) == -1 || auth_init(cfg) == -1)
		goto fail;

	if ((app->router = router_new()) == NULL ||
	    (app->plugin_cache = plugin_cache_new()) == NULL)
		goto fail;
	if (app_add_routes(app, "core", pluginadmin_routes,
	    app->plugin_cache) == -1)
		goto fail;
	for (i = 0; app_core_routes[i] != NULL; i++)
		if (app_add_routes(app, "core", app_core_routes[i], NULL) == -1)
			goto fail;

	if ((app->plugins = calloc(1, sizeof(*app->plugins))) == NULL)
		goto fail;
	if (plugin_set_load(app->plugins, cfg, db, &host_api) == -1)
		goto fail;
	for (i = 0; i < app->plugins->count; i++) {
		const struct loaded_plugin *lp = &app->plugins->items[i];

		/* A plugin whose routes clash is a packaging error; refuse
		 * to start rather than serve half of it. */
		if (app_add_routes(app, lp->desc->name, lp->desc->routes,
		    lp->state) == -1) {
			log_err("app: plugin %s: routes refused",
			    lp->desc->name);
			goto fail;
		}
	}
	db_close(db);
	return 0;
fail:
	db_close(db);
	app_close(app);
	return -1;
}

void
app_close(struct app *app)
{
	if (app->plugins != NULL) {
		plugin_set_unload(app->plugins);
		free(app->plugins);
		app->plugins = NULL;
	}
	router_free(app->router);
	app->router = NULL;
	plugin_cache_free(app->plugin_cache);
	app->plugin_cache = NULL;
}

int
thread_ctx_init(struct thread_ctx *t, struct app *app, int index,
    struct sb_slot *slot)
{
	memset(t, 0, sizeof(*t));
	t->app = app;
	t->index = index;
	t->slot = slot;
	if (db_open(&t->db, app->cfg->db_path, 0,
	    app->cfg->busy_timeout_ms) == -1)
		return -1;
	if ((t->stmts = stmt_cache_new(t->db)) == NULL) {
		db_close(t->db);
		t->db = NULL;
		return -1;
	}
	t->arena = arena_new(ARENA_CHUNK);
	/* Without memory for it the thread still serves, uncached. */
	t->rcache = respcache_new(app->cfg->response_cache);
	return 0;
}

void
thread_ctx_fini(struct thread_ctx *t)
{
	/* Statements before the connection: sqlite3_close refuses to
	 * close with statements still prepared. */
	respcache_free(t->rcache);
	t->rcache = NULL;
	stmt_cache_free(t->stmts);
	t->stmts = NULL;
	db_close(t->db);
	t->db = NULL;
	arena_free(t->arena);
	t->arena = NULL;
}
