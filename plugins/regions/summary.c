/*
 * summary -- GET /api/v1/regions/summary?year=YYYY: the regional
 * cooperation page's figures (docs/api/regions.md).
 *
 *   district_pairs, parks, parks_by_status   current counts of the records
 *   partners  per partner region, for the calendar year:
 *     projects        projects whose signing (first contract entry,
 *                     projects_v.signed_on) is dated in the year
 *     contracted_wan  all contract entries dated in the year (signings
 *                     and amendments: project_contracts_v)
 *     paid_in_wan     payments dated in the year (project_payments_v)
 *   of the projects whose source region the partner covers (the regions
 *   it lists and their sub-regions), by the project's current region --
 *   the report card's by_source_region rules (docs/REPORT_CARD.md), so a
 *   partner listing one top-level region shows the report card's figure.
 *   Sorted by contracted_wan, projects, paid_in_wan (descending), then id.
 */
#include <stdlib.h>
#include <string.h>

#include "regions.h"

/* Counts of parks per status, every status present. */
static json_t *
summary_parks(const struct bureau_host *h, struct bureau_req *req,
    int64_t *total)
{
	sqlite3_stmt *st;
	json_t *o;
	size_t i;
	int rc;

	*total = 0;
	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; regions_park_statuses[i] != NULL; i++)
		json_object_set_new(o, regions_park_statuses[i],
		    json_integer(0));
	if ((st = h->db_prepare(req, "SELECT status, count(*) FROM"
	    " region_parks GROUP BY status")) == NULL) {
		json_decref(o);
		return NULL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_object_set_new(o, (const char *)sqlite3_column_text(st, 0),
		    json_integer(sqlite3_column_int64(st, 1)));
		*total += sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A partner's figures for [from, to]; 0 / -1. */
static int
summary_partner(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, const char *from, const char *to, json_t *row)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, "WITH RECURSIVE " REGIONS_COVER_CTE ","
	    " pr(id, signed_on) AS (SELECT id, signed_on FROM projects_v"
	    "   WHERE source_region IN (SELECT code FROM cov))"
	    " SELECT (SELECT count(*) FROM pr WHERE signed_on BETWEEN ?2 AND ?3),"
	    " (SELECT coalesce(sum(c.amount_wan), 0) FROM project_contracts_v c"
	    "   WHERE c.project_id IN (SELECT id FROM pr)"
	    "   AND c.signed_on BETWEEN ?2 AND ?3),"
	    " (SELECT coalesce(sum(y.amount_wan), 0) FROM project_payments_v y"
	    "   WHERE y.project_id IN (SELECT id FROM pr)"
	    "   AND y.paid_on BETWEEN ?2 AND ?3)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_object_set_new(row, "projects",
		    json_integer(sqlite3_column_int64(st, 0)));
		json_object_set_new(row, "contracted_wan",
		    json_integer(sqlite3_column_int64(st, 1)));
		json_object_set_new(row, "paid_in_wan",
		    json_integer(sqlite3_column_int64(st, 2)));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int64_t
summary_num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static int
summary_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	static const char *const keys[] = { "contracted_wan", "projects",
	    "paid_in_wan" };
	int64_t p, q;
	size_t i;

	for (i = 0; i < 3; i++) {
		p = summary_num(x, keys[i]);
		q = summary_num(y, keys[i]);
		if (p != q)
			return p > q ? -1 : 1;
	}
	p = summary_num(x, "partner_id");
	q = summary_num(y, "partner_id");
	return (p > q) - (p < q);
}

static int
summary_count(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
regions_summary(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	int64_t year, pairs, parks;
	json_t *by_status = NULL, *partners = NULL, *p, *row, **v = NULL;
	const char *from, *to;
	sqlite3_stmt *st;
	char today[11];
	size_t i, n = 0;
	int has_year, rc;

	if (kit_query_int(h, req, "year", 2000, 2100, &year, &has_year) < 0)
		return 0;
	if (!has_year) {
		h->today(req, today);
		year = atoi(today);
	}
	from = h->printf(req, "%04lld-01-01", (long long)year);
	to = h->printf(req, "%04lld-12-31", (long long)year);
	if (from == NULL || to == NULL ||
	    summary_count(h, req, "SELECT count(*) FROM region_pairs",
	    &pairs) < 0 ||
	    (by_status = summary_parks(h, req, &parks)) == NULL ||
	    (partners = json_array()) == NULL)
		goto fail;

	/* The partners first (one statement at a time), then figures. */
	if ((st = h->db_prepare(req, "SELECT id FROM region_partners"
	    " ORDER BY id")) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(partners, json_integer(
		    sqlite3_column_int64(st, 0)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	n = json_array_size(partners);
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		int64_t id = json_integer_value(json_array_get(partners, i));

		if ((p = partner_load(h, req, id)) == NULL)
			goto fail;
		row = json_pack("{s:o, s:I, s:O, s:O, s:O, s:O, s:O}",
		    "partner", p, "partner_id", (json_int_t)id,
		    "name_zh", json_object_get(p, "name_zh"),
		    "name_en", json_object_get(p, "name_en"),
		    "kind", json_object_get(p, "kind"),
		    "source_region", json_object_get(p, "source_region"),
		    "source_regions", json_object_get(p, "source_regions"));
		if (row == NULL)
			goto fail;
		v[i] = row;
		if (summary_partner(h, req, id, from, to, row) < 0)
			goto fail;
	}
	qsort(v, n, sizeof(*v), summary_cmp);
	json_array_clear(partners);
	for (i = 0; i < n; i++) {
		json_array_append_new(partners, v[i]);
		v[i] = NULL;
	}
	free(v);
	h->resp_json(req, 200, json_pack("{s:I, s:I, s:I, s:o, s:o}",
	    "year", (json_int_t)year, "district_pairs", (json_int_t)pairs,
	    "parks", (json_int_t)parks, "parks_by_status", by_status,
	    "partners", partners));
	return 0;
fail:
	if (v != NULL)
		for (i = 0; i < n; i++)
			json_decref(v[i]);
	free(v);
	json_decref(by_status);
	json_decref(partners);
	return -1;
}
