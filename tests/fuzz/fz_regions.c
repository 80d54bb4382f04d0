/*
 * fz_regions -- the regions plugin in the fuzz environment (it reads
 * the projects plugin's views: projects is loaded and seeded first).
 */
#include <string.h>

#include "fz.h"
#include "fz_plugins.h"

const struct bureau_plugin *const fz_set_regions[] = {
	&fz_plugin_projects, &fz_plugin_regions, NULL
};

const char *const fz_inv_regions[] = {
	/* A park's projects exist. */
	"SELECT project_id FROM region_park_projects pp WHERE NOT EXISTS"
	" (SELECT 1 FROM projects_v p WHERE p.id = pp.project_id)",
	/* A pair joins two different districts. */
	"SELECT id FROM region_pairs WHERE district_a = district_b",
	NULL
};

static void
must(const char *method, const char *uri, const char *json, int want)
{
	const struct fz_resp *r;

	r = fz_request(method, uri, "application/json", FZ_SESSION | FZ_CSRF,
	    json, strlen(json));
	if (r->status != want)
		fz_fail("seed %s %s: %d, not %d: %.*s", method, uri,
		    r->status, want, (int)r->body_len, r->body);
	fz_keep_state();
}

void
fz_seed_regions(void)
{
	fz_seed_projects();
	fz_seed_regions_own();
}

/* Its own records, on a database that has the projects' seeds. */
void
fz_seed_regions_own(void)
{
	must("POST", "/api/v1/regions/partners", "{\"name_zh\": \"成都\","
	    " \"name_en\": \"Chengdu\", \"kind\": \"city\"}", 201);
	must("POST", "/api/v1/regions/pairs", "{\"district_a\": \"jiangjin\","
	    " \"district_b\": \"kaizhou\", \"since\": \"2020-05-01\"}", 201);
	must("POST", "/api/v1/regions/parks", "{\"name_zh\": \"飞地产业园\","
	    " \"pair_id\": 1, \"status\": \"planned\", \"area_mu\": 3000,"
	    " \"district\": \"kaizhou\", \"project_ids\": [1]}", 201);
}
