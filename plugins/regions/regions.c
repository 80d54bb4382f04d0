/*
 * regions.c -- the plugin descriptor: routes, permissions, menu, init.
 *
 * Literal paths (/regions/partners/export.csv) never collide with
 * /regions/partners/{id}: the router matches {id} only against positive
 * integers.
 */
#include <stdlib.h>

#include "regions.h"

#define READ	"regions.read"
#define WRITE	"regions.write"

const char *const regions_partner_kinds[] = {
	"province", "city", "area", NULL
};
const char *const regions_park_statuses[] = {
	"planned", "under_construction", "operating", NULL
};

static const struct bureau_route regions_routes[] = {
	{ "GET",   "/api/v1/regions/summary", regions_summary, READ, 0 },
	{ "GET",   "/api/v1/regions/partners", partner_list, READ, 0 },
	{ "POST",  "/api/v1/regions/partners", partner_create, WRITE, 0 },
	{ "GET",   "/api/v1/regions/partners/export.csv", export_partners_csv,
	  READ, 0 },
	{ "GET",   "/api/v1/regions/partners/{id}", partner_get, READ, 0 },
	{ "PATCH", "/api/v1/regions/partners/{id}", partner_patch, WRITE, 0 },
	{ "GET",   "/api/v1/regions/pairs", pair_list, READ, 0 },
	{ "POST",  "/api/v1/regions/pairs", pair_create, WRITE, 0 },
	{ "GET",   "/api/v1/regions/pairs/export.csv", export_pairs_csv, READ,
	  0 },
	{ "GET",   "/api/v1/regions/pairs/{id}", pair_get, READ, 0 },
	{ "PATCH", "/api/v1/regions/pairs/{id}", pair_patch, WRITE, 0 },
	{ "GET",   "/api/v1/regions/parks", park_list, READ, 0 },
	{ "POST",  "/api/v1/regions/parks", park_create, WRITE, 0 },
	{ "GET",   "/api/v1/regions/parks/export.csv", export_parks_csv, READ,
	  0 },
	{ "GET",   "/api/v1/regions/parks/{id}", park_get, READ, 0 },
	{ "PATCH", "/api/v1/regions/parks/{id}", park_patch, WRITE, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

static const struct bureau_permission regions_permissions[] = {
	{ READ, "Read partner regions, district pairs, cooperation parks and "
	  "the regional cooperation summary", "admin,officer,viewer" },
	{ WRITE, "Record partner regions, district pairs and cooperation "
	  "parks", "admin,officer" },
	{ NULL, NULL, NULL }
};

static const struct bureau_nav regions_nav[] = {
	{ "regions", "区域合作", "Regional cooperation", "#/regions",
	  "/plugins/regions/index.js", READ, 31 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

static const char *const regions_depends[] = { "projects", NULL };

static int
regions_init(const struct bureau_host *host, void **state)
{
	struct regions_state *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	st->host = host;
	*state = st;
	return 0;
}

static void
regions_fini(void *state)
{
	free(state);
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	.name = "regions",
	.version = "1.0.0",
	.title = "Regional cooperation",
	.description = "Partner regions and their projects, district pairs "
	    "and the cooperation parks they build",
	.depends = regions_depends,
	.migrations = regions_migrations,
	.routes = regions_routes,
	.permissions = regions_permissions,
	.nav = regions_nav,
	.init = regions_init,
	.fini = regions_fini,
	.demo = regions_demo,
};
