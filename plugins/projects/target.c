/*
 * target -- the bureau's annual targets (contracted and paid-in), for
 * the whole city and optionally per district.  A PUT replaces the
 * year's whole set, so the request is the state (idempotent).
 * project_targets keeps the city under district ''.
 */
#include <string.h>

#include "projects.h"

#define TARGET_MAX	1000000000LL
#define TARGET_MAX_DISTRICTS	100

/* -1 answered (400), else the year. */
static int64_t
target_year(const struct bureau_host *h, struct bureau_req *req)
{
	int64_t year = h->req_param_id(req, "year");

	if (year < 2000 || year > 2100) {
		validate_fail(h, req, "year", "must be a year 2000..2100");
		return -1;
	}
	return year;
}

static json_t *
target_load(const struct bureau_host *h, struct bureau_req *req,
    int64_t year)
{
	sqlite3_stmt *st;
	json_t *o, *districts, *d;
	int rc;

	if ((st = h->db_prepare(req, "SELECT t.district, t.contracted_wan, "
	    "t.paid_in_wan, d.name_zh, d.name_en FROM project_targets t "
	    "LEFT JOIN proj_districts d ON d.code = t.district "
	    "WHERE t.year = ?1 ORDER BY t.district <> '', d.sort, "
	    "t.district")) == NULL)
		return NULL;
	if ((o = json_pack("{s:I, s:n, s:[]}", "year", (json_int_t)year,
	    "city", "districts")) == NULL)
		return NULL;
	districts = json_object_get(o, "districts");
	sqlite3_bind_int64(st, 1, year);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(st, 0);

		if (*code == '\0') {
			json_object_set_new(o, "city", json_pack("{s:I, s:I}",
			    "contracted_wan",
			    (json_int_t)sqlite3_column_int64(st, 1),
			    "paid_in_wan",
			    (json_int_t)sqlite3_column_int64(st, 2)));
			continue;
		}
		d = json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "district", code,
		    "name_zh", (const char *)sqlite3_column_text(st, 3),
		    "name_en", (const char *)sqlite3_column_text(st, 4),
		    "contracted_wan", (json_int_t)sqlite3_column_int64(st, 1),
		    "paid_in_wan", (json_int_t)sqlite3_column_int64(st, 2));
		json_array_append_new(districts, d);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* GET /api/v1/targets/{year} */
int
target_get(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t year;
	json_t *o;

	if ((year = target_year(h, req)) < 0)
		return 0;
	if ((o = target_load(h, req, year)) == NULL)
		return -1;
	h->resp_json(req, 200, o);
	return 0;
}

static const char *const target_fields[] = { "city", "districts", NULL };
static const char *const target_amount_fields[] = {
	"contracted_wan", "paid_in_wan", NULL
};
static const char *const target_district_fields[] = {
	"district", "contracted_wan", "paid_in_wan", NULL
};

/* Reads {"contracted_wan", "paid_in_wan"} of obj, naming errors with a
 * prefix ("city.", "districts[2]."). */
static int
target_amounts(const struct bureau_host *h, struct bureau_req *req,
    json_t *obj, const char *prefix, int64_t *c, int64_t *p)
{
	static const char *const keys[] = { "contracted_wan", "paid_in_wan" };
	json_t *v;
	int i;

	for (i = 0; i < 2; i++) {
		v = json_object_get(obj, keys[i]);
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > TARGET_MAX)
			return validate_fail(h, req, h->printf(req, "%s%s",
			    prefix, keys[i]), "must be an integer 0.."
			    "1000000000 (万元)");
		*(i == 0 ? c : p) = json_integer_value(v);
	}
	return 0;
}

static int
target_insert(const struct bureau_host *h, struct bureau_req *req,
    int64_t year, const char *district, int64_t c, int64_t p)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, "INSERT INTO project_targets(year, "
	    "district, contracted_wan, paid_in_wan) VALUES (?1, ?2, ?3, ?4)"))
	    == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, year);
	sqlite3_bind_text(st, 2, district, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, c);
	sqlite3_bind_int64(st, 4, p);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* PUT /api/v1/targets/{year} {"city": {...}|null, "districts": [...]} */
int
target_put(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	json_t *body = h->req_json(req), *city, *dists, *d, *before = NULL;
	json_t *after = NULL;
	int64_t year, c, p;
	const char *code, *prefix;
	sqlite3_stmt *st;
	size_t i, j;
	int rc;

	if ((year = target_year(h, req)) < 0 ||
	    validate_json_known(h, req, body, target_fields) < 0)
		return 0;
	city = json_object_get(body, "city");
	if (city != NULL && !json_is_null(city) && (!json_is_object(city) ||
	    validate_json_known(h, req, city, target_amount_fields) < 0 ||
	    target_amounts(h, req, city, "city.", &c, &p) < 0)) {
		if (!json_is_object(city))
			validate_fail(h, req, "city", "must be an object or "
			    "null");
		return 0;
	}
	dists = json_object_get(body, "districts");
	if (dists != NULL && !json_is_null(dists) && (!json_is_array(dists) ||
	    json_array_size(dists) > TARGET_MAX_DISTRICTS)) {
		validate_fail(h, req, "districts", "must be an array of at "
		    "most 100 districts");
		return 0;
	}
	json_array_foreach(dists, i, d) {
		prefix = h->printf(req, "districts[%zu].", i);
		if (!json_is_object(d)) {
			validate_fail(h, req, h->printf(req, "districts[%zu]",
			    i), "must be an object");
			return 0;
		}
		if (validate_json_known(h, req, d, target_district_fields) < 0 ||
		    target_amounts(h, req, d, prefix, &c, &p) < 0)
			return 0;
		code = json_string_value(json_object_get(d, "district"));
		if (code == NULL || *code == '\0') {
			validate_fail(h, req, h->printf(req, "%sdistrict",
			    prefix), "is required");
			return 0;
		}
		if ((rc = validate_ref_exists(h, req, "proj_districts",
		    code)) < 0)
			return -1;
		if (rc == 0) {
			validate_fail(h, req, h->printf(req, "%sdistrict",
			    prefix), "unknown district");
			return 0;
		}
		for (j = 0; j < i; j++)
			if (strcmp(code, json_string_value(json_object_get(
			    json_array_get(dists, j), "district"))) == 0) {
				validate_fail(h, req, h->printf(req,
				    "%sdistrict", prefix), "listed twice");
				return 0;
			}
	}

	if (h->db_begin(req) < 0)
		return -1;
	if ((before = target_load(h, req, year)) == NULL ||
	    (st = h->db_prepare(req,
	    "DELETE FROM project_targets WHERE year = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, year);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if (json_is_object(city)) {
		target_amounts(h, req, city, "city.", &c, &p);
		if (target_insert(h, req, year, "", c, p) < 0)
			goto fail;
	}
	json_array_foreach(dists, i, d) {
		target_amounts(h, req, d, "", &c, &p);
		if (target_insert(h, req, year, json_string_value(
		    json_object_get(d, "district")), c, p) < 0)
			goto fail;
	}
	if ((after = target_load(h, req, year)) == NULL ||
	    h->audit(req, "targets.update", "targets", year, before,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	h->resp_json(req, 200, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: targets %lld: %s", (long long)year,
	    sqlite3_errmsg(h->db(req)));
	h->db_rollback(req);
	json_decref(before);
	json_decref(after);
	return -1;
}
