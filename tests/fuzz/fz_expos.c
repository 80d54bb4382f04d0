/*
 * fz_expos -- the expos plugin in the fuzz environment (it reads the
 * projects plugin's views: projects is loaded and seeded first).
 */
#include <string.h>

#include "fz.h"
#include "fz_plugins.h"

const struct bureau_plugin *const fz_set_expos[] = {
	&fz_plugin_projects, &fz_plugin_expos, NULL
};

const char *const fz_inv_expos[] = {
	/* An edition lies in its year and ends after it starts. */
	"SELECT id FROM expo_editions WHERE ends_on < starts_on OR"
	" substr(starts_on, 1, 4) <> CAST(year AS TEXT) OR"
	" substr(ends_on, 1, 4) <> CAST(year AS TEXT)",
	/* A signing names a project that exists. */
	"SELECT id FROM expo_signings s WHERE NOT EXISTS (SELECT 1 FROM"
	" projects_v p WHERE p.id = s.project_id)",
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
fz_seed_expos(void)
{
	fz_seed_projects();
	fz_seed_expos_own();
}

/* Its own records, on a database that has the projects' seeds. */
void
fz_seed_expos_own(void)
{
	must("POST", "/api/v1/expos/series", "{\"code\": \"cifit\","
	    " \"name_zh\": \"投洽会\", \"name_en\": \"CIFIT\"}", 201);
	must("POST", "/api/v1/expos", "{\"series\": \"sce\", \"year\": 2021,"
	    " \"starts_on\": \"2021-08-23\", \"ends_on\": \"2021-08-25\","
	    " \"city\": \"重庆\", \"ceremonies\": [{\"date\": \"2021-08-23\","
	    " \"place\": \"悦来\"}]}", 201);
	must("POST", "/api/v1/expos/1/signings", "{\"project_id\": 1,"
	    " \"expected_paid_in_wan\": 40000, \"expected_by\":"
	    " \"2021-12-31\", \"note\": \"二期\"}", 201);
}
