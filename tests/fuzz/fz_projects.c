/*
 * fz_projects -- the projects plugin in the fuzz environment: records
 * made through its own handlers before the snapshot, and the
 * invariants its tables keep whatever is sent (each query returns the
 * rows that break one).
 */
#include <stdio.h>
#include <string.h>

#include "fz.h"
#include "fz_plugins.h"

const struct bureau_plugin *const fz_set_projects[] = {
	&fz_plugin_projects, NULL
};

const char *const fz_inv_projects[] = {
	/* Every project has its creating stage entry. */
	"SELECT id FROM projects p WHERE NOT EXISTS (SELECT 1 FROM"
	" project_stages s WHERE s.project_id = p.id)",
	/* The stage is the latest entry's. */
	"SELECT id FROM projects p WHERE stage <> (SELECT to_stage FROM"
	" project_stages s WHERE s.project_id = p.id"
	" ORDER BY effective_on DESC, id DESC LIMIT 1)",
	/* The ledger caches are the ledgers' sums. */
	"SELECT id FROM projects p WHERE contracted_wan <> (SELECT"
	" coalesce(sum(amount_wan), 0) FROM project_contracts c"
	" WHERE c.project_id = p.id)",
	"SELECT id FROM projects p WHERE paid_in_wan <> (SELECT"
	" coalesce(sum(amount_wan), 0) FROM project_payments c"
	" WHERE c.project_id = p.id)",
	/* The signing is the first contract entry, and its figures. */
	"SELECT p.id FROM projects p JOIN project_contracts c ON"
	" c.project_id = p.id AND c.kind = 'signing' WHERE p.signed_on IS"
	" NOT c.signed_on OR p.signing_wan <> c.amount_wan",
	"SELECT id FROM projects p WHERE signed_on IS NOT NULL AND NOT"
	" EXISTS (SELECT 1 FROM project_contracts c WHERE c.project_id ="
	" p.id AND c.kind = 'signing')",
	/* Paid in beyond the contract only with an override entry. */
	"SELECT id FROM projects p WHERE paid_in_wan > contracted_wan AND"
	" NOT EXISTS (SELECT 1 FROM project_payments y WHERE y.project_id"
	" = p.id AND y.over_contract_override = 1)",
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
	/* Each seed builds on the previous one. */
	fz_keep_state();
}

void
fz_seed_projects(void)
{
	/* 1: signed, paid, with a problem; 2: a lead; 3: cancelled. */
	must("POST", "/api/v1/projects", "{\"name_zh\": \"新能源汽车电池项目\","
	    " \"name_en\": \"EV battery plant\", \"investor\": \"CATL\","
	    " \"investor_type\": \"private\", \"district\": \"yubei\","
	    " \"stage_effective_on\": \"2021-01-04\"}", 201);
	must("POST", "/api/v1/projects/1/contracts", "{\"signed_on\":"
	    " \"2021-03-05\", \"amount_wan\": 500000}", 201);
	must("POST", "/api/v1/projects/1/payments", "{\"paid_on\":"
	    " \"2021-04-01\", \"amount_wan\": 120000, \"evidence\":"
	    " \"bank receipt\"}", 201);
	must("POST", "/api/v1/projects/1/problems", "{\"category\": \"land\","
	    " \"description\": \"Land quota\", \"opened_on\": \"2021-05-10\"}",
	    201);
	must("POST", "/api/v1/projects", "{\"name_en\": \"Data centre\","
	    " \"investor\": \"Acme\", \"investor_type\": \"foreign\","
	    " \"stage_effective_on\": \"2021-02-01\"}", 201);
	must("POST", "/api/v1/projects", "{\"name_en\": \"Old lead\","
	    " \"investor\": \"Gone\", \"investor_type\": \"hmt\","
	    " \"stage_effective_on\": \"2021-02-01\"}", 201);
	must("POST", "/api/v1/projects/3/stage", "{\"to\": \"cancelled\","
	    " \"effective_on\": \"2021-03-01\"}", 201);
	must("PUT", "/api/v1/targets/2021", "{\"city\": {\"contracted_wan\":"
	    " 1000000, \"paid_in_wan\": 300000}, \"districts\": []}", 200);
}
