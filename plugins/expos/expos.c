/*
 * expos.c -- the plugin descriptor: routes, permissions, menu, init.
 *
 * Literal paths (/expos/compare, /expos/series, /expos/export.csv) never
 * collide with /expos/{id}: the router matches {id} only against
 * positive integers.
 */
#include <stdlib.h>

#include "expos.h"

#define READ	"expos.read"
#define WRITE	"expos.write"

static const struct bureau_route expos_routes[] = {
	{ "GET",    "/api/v1/expos", edition_list, READ, 0 },
	{ "POST",   "/api/v1/expos", edition_create, WRITE, 0 },
	{ "GET",    "/api/v1/expos/export.csv", export_editions_csv, READ, 0 },
	{ "GET",    "/api/v1/expos/compare", summary_compare, READ, 0 },
	{ "GET",    "/api/v1/expos/series", series_list, READ, 0 },
	{ "POST",   "/api/v1/expos/series", series_create, WRITE, 0 },
	{ "GET",    "/api/v1/expos/series/export.csv", export_series_csv,
	  READ, 0 },
	{ "PATCH",  "/api/v1/expos/series/{id}", series_patch, WRITE, 0 },
	{ "GET",    "/api/v1/expos/{id}", edition_get, READ, 0 },
	{ "PATCH",  "/api/v1/expos/{id}", edition_patch, WRITE, 0 },
	{ "GET",    "/api/v1/expos/{id}/signings", signing_list, READ, 0 },
	{ "POST",   "/api/v1/expos/{id}/signings", signing_create, WRITE, 0 },
	{ "GET",    "/api/v1/expos/{id}/signings/export.csv",
	  export_signings_csv, READ, 0 },
	{ "DELETE", "/api/v1/expos/{id}/signings/{sid}", signing_delete,
	  WRITE, 0 },
	{ "GET",    "/api/v1/expos/{id}/summary", summary_get, READ, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

static const struct bureau_permission expos_permissions[] = {
	{ READ, "Read expo editions, their signings and follow-up figures",
	  "admin,officer,viewer" },
	{ WRITE, "Record expo series, editions and signings",
	  "admin,officer" },
	{ NULL, NULL, NULL }
};

static const struct bureau_nav expos_nav[] = {
	{ "expos", "展会签约", "Expos", "#/expos", "/plugins/expos/index.js",
	  READ, 30 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

static const char *const expos_depends[] = { "projects", NULL };

static int
expos_init(const struct bureau_host *host, void **state)
{
	struct expos_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	st->host = host;
	*state = st;
	return 0;
}

static void
expos_fini(void *state)
{
	free(state);
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	.name = "expos",
	.version = "1.0.0",
	.title = "Expos",
	.description = "Projects signed at expos (Smart China Expo, Western "
	    "China International Fair): editions, signing ceremonies, "
	    "signings and their follow-up rates",
	.depends = expos_depends,
	.migrations = expos_migrations,
	.routes = expos_routes,
	.permissions = expos_permissions,
	.nav = expos_nav,
	.init = expos_init,
	.fini = expos_fini,
	.demo = expos_demo,
};
