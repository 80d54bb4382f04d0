/*
 * summary -- the follow-up figures of an expo's signings (docs/EXPOS.md
 * defines each), as of a date, and editions of one series side by side.
 *
 * Over the edition's COUNTED signings (first signings, EXPOS_FIRST_SQL):
 *   signed_projects        how many
 *   contracted_wan         their signing amounts (projects_v.signing_wan:
 *                          the first contract entry, never restated here)
 *   expected_paid_in_wan   what the signings expect
 *   paid_in_wan            their payments dated <= as_of
 *   performance_rate_pct   履约率  not cancelled as of D / signed
 *   start_rate_pct         开工率  under construction or in operation / signed
 *   operation_rate_pct     投产率  in operation / signed
 *   funds_rate_pct         资金到位率 paid_in / contracted
 * The stage as of D is the to_stage of the project's latest
 * project_stages_v entry with effective_on <= D (ties by id).  Rates are
 * one decimal, rounded half away from zero in integer arithmetic
 * (kit_pct), null without a base.
 */
#include <stdlib.h>
#include <string.h>

#include "expos.h"

#define COMPARE_MAX_YEARS	20

json_t *
summary_build(const struct bureau_host *h, struct bureau_req *req,
    int64_t edition_id, const char *as_of)
{
	sqlite3_stmt *st;
	int64_t n, contracted, expected, paid, alive, started, operating;
	int64_t signings = -1;

	if ((st = h->db_prepare(req, "SELECT count(*) FROM expo_signings"
	    " WHERE edition_id = ?1")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, edition_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		signings = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (signings < 0)
		return NULL;

	if ((st = h->db_prepare(req,
	    "WITH c AS ("
	    "  SELECT g.project_id, g.expected_paid_in_wan AS expected"
	    "  FROM expo_signings g JOIN expo_editions e ON e.id = g.edition_id"
	    "  WHERE g.edition_id = ?1 AND " EXPOS_FIRST_SQL
	    "), s AS ("
	    "  SELECT c.expected, p.signing_wan,"
	    "   (SELECT x.to_stage FROM project_stages_v x"
	    "     WHERE x.project_id = c.project_id AND x.effective_on <= ?2"
	    "     ORDER BY x.effective_on DESC, x.id DESC LIMIT 1) AS stage,"
	    "   (SELECT coalesce(sum(y.amount_wan), 0) FROM project_payments_v y"
	    "     WHERE y.project_id = c.project_id AND y.paid_on <= ?2) AS paid"
	    "  FROM c JOIN projects_v p ON p.id = c.project_id"
	    ") SELECT count(*), coalesce(sum(signing_wan), 0),"
	    " coalesce(sum(expected), 0), coalesce(sum(paid), 0),"
	    " coalesce(sum(stage IS NULL OR stage <> 'cancelled'), 0),"
	    " coalesce(sum(stage IN ('under_construction', 'in_operation')), 0),"
	    " coalesce(sum(stage = 'in_operation'), 0) FROM s")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, edition_id);
	sqlite3_bind_text(st, 2, as_of, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	n = sqlite3_column_int64(st, 0);
	contracted = sqlite3_column_int64(st, 1);
	expected = sqlite3_column_int64(st, 2);
	paid = sqlite3_column_int64(st, 3);
	alive = sqlite3_column_int64(st, 4);
	started = sqlite3_column_int64(st, 5);
	operating = sqlite3_column_int64(st, 6);
	sqlite3_reset(st);

	return json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:o, s:o, s:o, s:o}",
	    "expo_id", (json_int_t)edition_id,
	    "as_of", as_of,
	    "signed_projects", (json_int_t)n,
	    "signings", (json_int_t)signings,
	    "resignings", (json_int_t)(signings - n),
	    "contracted_wan", (json_int_t)contracted,
	    "expected_paid_in_wan", (json_int_t)expected,
	    "paid_in_wan", (json_int_t)paid,
	    "projects_not_cancelled", (json_int_t)alive,
	    "projects_started", (json_int_t)started,
	    "projects_in_operation", (json_int_t)operating,
	    "performance_rate_pct", kit_pct(alive, n),
	    "start_rate_pct", kit_pct(started, n),
	    "operation_rate_pct", kit_pct(operating, n),
	    "funds_rate_pct", kit_pct(paid, contracted));
}

/* Copies the edition's identity into a summary. */
static void
summary_identity(json_t *s, json_t *e)
{
	static const char *const keys[] = { "series", "series_name_zh",
	    "series_name_en", "year", "name_zh", "name_en", "starts_on",
	    "ends_on", "is_demo", NULL };
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		json_object_set(s, keys[i], json_object_get(e, keys[i]));
}

/* as_of from the query, else today (Asia/Shanghai); NULL answered. */
static const char *
summary_as_of(const struct bureau_host *h, struct bureau_req *req)
{
	const char *as_of;
	char today[11];

	if (kit_query_date(h, req, "as_of", &as_of) < 0)
		return NULL;
	if (as_of == NULL) {
		h->today(req, today);
		as_of = h->strdup(req, today);
		if (as_of == NULL)
			kit_fail(h, req, NULL, "out of memory");
	}
	return as_of;
}

/* GET /api/v1/expos/{id}/summary[?as_of=YYYY-MM-DD] */
int
summary_get(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t id = h->req_param_id(req, "id");
	const char *as_of;
	json_t *e, *s;

	if ((as_of = summary_as_of(h, req)) == NULL)
		return 0;
	if ((e = edition_load(h, req, id)) == NULL) {
		kit_not_found(h, req, "expo");
		return 0;
	}
	if ((s = summary_build(h, req, id, as_of)) == NULL) {
		json_decref(e);
		return -1;
	}
	summary_identity(s, e);
	json_decref(e);
	h->resp_json(req, 200, s);
	return 0;
}

/* "2020,2021" (commas and/or repeated keys) into distinct sorted years;
 * -1 answered. */
static int
summary_years(const struct bureau_host *h, struct bureau_req *req,
    int64_t *years, size_t *n)
{
	const char *v;
	char *buf, *tok, *save;
	size_t k, i, j, count;
	int64_t y, t;

	*n = 0;
	count = h->req_query_count(req, "years");
	for (k = 0; k < count; k++) {
		v = h->req_query_nth(req, "years", k);
		if (v == NULL || (buf = h->strdup(req, v)) == NULL)
			continue;
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (kit_parse_int(tok, 2000, 2100, &y) < 0)
				return kit_fail(h, req, "years", "must be "
				    "years 2000..2100 separated by commas");
			for (i = 0; i < *n && years[i] != y; i++)
				;
			if (i < *n)
				continue;
			if (*n == COMPARE_MAX_YEARS)
				return kit_fail(h, req, "years",
				    "at most 20 years");
			years[(*n)++] = y;
		}
	}
	for (i = 1; i < *n; i++)
		for (j = i; j > 0 && years[j - 1] > years[j]; j--) {
			t = years[j];
			years[j] = years[j - 1];
			years[j - 1] = t;
		}
	return 0;
}

/* GET /api/v1/expos/compare?series=sce&years=2020,2021[&as_of=] --
 * every edition of the series when years is absent. */
int
summary_compare(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t years[COMPARE_MAX_YEARS], sid, eid, y;
	const char *code, *as_of;
	json_t *out = NULL, *eds, *missing, *ys, *e, *s;
	sqlite3_stmt *st;
	size_t n, i, j;
	int rc;

	code = h->req_query(req, "series");
	if (code == NULL || *code == '\0') {
		kit_fail(h, req, "series", "is required (a series code)");
		return 0;
	}
	if (summary_years(h, req, years, &n) < 0 ||
	    (as_of = summary_as_of(h, req)) == NULL)
		return 0;
	if ((sid = series_id_by_code(h, req, code)) < 0)
		return -1;
	if (sid == 0) {
		kit_fail(h, req, "series", "unknown series code");
		return 0;
	}
	if ((st = h->db_prepare(req, "SELECT code, name_zh, name_en FROM"
	    " expo_series WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = json_pack("{s:{s:s, s:s, s:s}, s:s, s:[], s:[], s:[]}",
		    "series", "code", (const char *)sqlite3_column_text(st, 0),
		    "name_zh", (const char *)sqlite3_column_text(st, 1),
		    "name_en", (const char *)sqlite3_column_text(st, 2),
		    "as_of", as_of, "years", "editions", "missing_years");
	sqlite3_reset(st);
	if (out == NULL)
		return -1;
	ys = json_object_get(out, "years");
	eds = json_object_get(out, "editions");
	missing = json_object_get(out, "missing_years");

	/* The series' editions in year order, those asked for. */
	if ((st = h->db_prepare(req, "SELECT id, year FROM expo_editions"
	    " WHERE series_id = ?1 ORDER BY year")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, sid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		eid = sqlite3_column_int64(st, 0);
		y = sqlite3_column_int64(st, 1);
		for (i = 0; i < n && years[i] != y; i++)
			;
		if (n > 0 && i == n)
			continue;
		if ((e = json_pack("{s:I, s:I}", "id", (json_int_t)eid,
		    "year", (json_int_t)y)) == NULL)
			break;
		json_array_append_new(eds, e);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	for (i = 0; i < n; i++) {
		json_array_append_new(ys, json_integer(years[i]));
		json_array_foreach(eds, j, e)
			if (json_integer_value(json_object_get(e, "year")) ==
			    years[i])
				break;
		if (j == json_array_size(eds))
			json_array_append_new(missing, json_integer(years[i]));
	}
	/* Each edition with its figures (statements reused: one at a time). */
	json_array_foreach(eds, i, e) {
		eid = json_integer_value(json_object_get(e, "id"));
		if ((s = summary_build(h, req, eid, as_of)) == NULL)
			goto fail;
		if ((e = edition_load(h, req, eid)) == NULL) {
			json_decref(s);
			goto fail;
		}
		summary_identity(s, e);
		json_object_set_new(e, "summary", s);
		json_array_set_new(eds, i, e);
		if (n == 0)
			json_array_append_new(ys, json_integer(
			    json_integer_value(json_object_get(e, "year"))));
	}
	h->resp_json(req, 200, out);
	return 0;
fail:
	json_decref(out);
	return -1;
}
