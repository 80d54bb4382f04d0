/*
 * edition -- an expo edition: one series in one year (2021 智博会), its
 * dates, city, organiser and signing ceremonies.  The API calls an
 * edition an "expo" (/api/v1/expos/{id}).
 *
 * Rules: one edition per series and year (409 duplicate); starts_on lies
 * in `year`, ends_on on or after it in the same year; every ceremony
 * lies within the edition's dates.  A PATCH names the version it read
 * (409 conflict when stale) and replaces the ceremonies when it sends
 * them.  Every write is one transaction with its audit entry.
 */
#include <string.h>

#include "expos.h"

#define CITY_MAX	100
#define ORGANISER_MAX	500
#define PLACE_MAX	200
#define CEREMONIES_MAX	20

#define EDITION_SELECT							\
	"SELECT e.id, e.series_id, s.code, s.name_zh, s.name_en, e.year,"	\
	" e.name_zh, e.name_en, e.starts_on, e.ends_on, e.city,"	\
	" e.organiser, e.notes, e.is_demo, e.created_at, e.updated_at,"	\
	" e.version,"							\
	" (SELECT json_group_array(json_object('date', c.held_on,"	\
	"   'place', c.place)) FROM (SELECT held_on, place FROM"	\
	"   expo_ceremonies c WHERE c.edition_id = e.id"		\
	"   ORDER BY c.held_on, c.id) c),"				\
	" (SELECT count(*) FROM expo_signings g"			\
	"   WHERE g.edition_id = e.id),"				\
	" (SELECT count(*) FROM expo_signings g"			\
	"   WHERE g.edition_id = e.id AND " EXPOS_FIRST_SQL ")"		\
	" FROM expo_editions e JOIN expo_series s ON s.id = e.series_id"

static json_t *
edition_row(sqlite3_stmt *st)
{
	json_t *o, *cer;

	if ((cer = kit_col_json(st, 17)) == NULL)
		return NULL;
	o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s,"
	    " s:s, s:s, s:s, s:s, s:o, s:b, s:s, s:s, s:I, s:I, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "series_id", (json_int_t)sqlite3_column_int64(st, 1),
	    "series", (const char *)sqlite3_column_text(st, 2),
	    "series_code", (const char *)sqlite3_column_text(st, 2),
	    "series_name_zh", (const char *)sqlite3_column_text(st, 3),
	    "series_name_en", (const char *)sqlite3_column_text(st, 4),
	    "year", (json_int_t)sqlite3_column_int64(st, 5),
	    "name_zh", (const char *)sqlite3_column_text(st, 6),
	    "name_en", (const char *)sqlite3_column_text(st, 7),
	    "starts_on", (const char *)sqlite3_column_text(st, 8),
	    "ends_on", (const char *)sqlite3_column_text(st, 9),
	    "city", (const char *)sqlite3_column_text(st, 10),
	    "organiser", (const char *)sqlite3_column_text(st, 11),
	    "notes", (const char *)sqlite3_column_text(st, 12),
	    "ceremonies", cer,
	    "is_demo", sqlite3_column_int(st, 13),
	    "created_at", (const char *)sqlite3_column_text(st, 14),
	    "updated_at", (const char *)sqlite3_column_text(st, 15),
	    "version", (json_int_t)sqlite3_column_int64(st, 16),
	    "signings", (json_int_t)sqlite3_column_int64(st, 18),
	    "signed_projects", (json_int_t)sqlite3_column_int64(st, 19));
	return o;
}

json_t *
edition_load(const struct bureau_host *h, struct bureau_req *req, int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, EDITION_SELECT " WHERE e.id = ?1")) ==
	    NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = edition_row(st);
	sqlite3_reset(st);
	return o;
}

/* GET /api/v1/expos[?series=&year=&limit=&offset=] */
int
edition_list(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t limit, offset, year, total, sid = 0;
	const char *series;
	sqlite3_stmt *st;
	json_t *items;
	int has_year;

	if (kit_paging(h, req, &limit, &offset) < 0 ||
	    kit_query_int(h, req, "year", 2000, 2100, &year, &has_year) < 0)
		return 0;
	series = h->req_query(req, "series");
	if (series != NULL && *series != '\0') {
		if ((sid = series_id_by_code(h, req, series)) < 0)
			return -1;
		if (sid == 0) {
			kit_fail(h, req, "series", "unknown series code");
			return 0;
		}
	}
	if ((st = h->db_prepare(req, "SELECT count(*) FROM expo_editions e"
	    " WHERE (?1 = 0 OR e.series_id = ?1) AND (?2 = 0 OR e.year = ?2)"))
	    == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, has_year ? year : 0);
	if ((total = kit_count(st)) < 0)
		return -1;

	if ((st = h->db_prepare(req, EDITION_SELECT
	    " WHERE (?1 = 0 OR e.series_id = ?1) AND (?2 = 0 OR e.year = ?2)"
	    " ORDER BY e.starts_on DESC, e.id DESC LIMIT ?3 OFFSET ?4")) ==
	    NULL)
		return -1;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, has_year ? year : 0);
	sqlite3_bind_int64(st, 3, limit);
	sqlite3_bind_int64(st, 4, offset);
	if ((items = kit_rows(st, edition_row)) == NULL)
		return -1;
	kit_send_page(h, req, items, total, limit, offset);
	return 0;
}

/* GET /api/v1/expos/{id} */
int
edition_get(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	json_t *o;

	if ((o = edition_load(h, req, h->req_param_id(req, "id"))) == NULL) {
		kit_not_found(h, req, "expo");
		return 0;
	}
	kit_etag(h, req, json_integer_value(json_object_get(o, "version")));
	h->resp_json(req, 200, o);
	return 0;
}

/* ---- writing -------------------------------------------------------- */

/* The fields of a POST or PATCH; each used only when present. */
struct edition_input {
	const char	*series, *name_zh, *name_en, *starts_on, *ends_on;
	const char	*city, *organiser, *notes;
	int64_t		 year, series_id;
	json_t		*ceremonies;	/* borrowed; NULL when absent */
	int		 has_series, has_year, has_name_zh, has_name_en;
	int		 has_starts_on, has_ends_on, has_city, has_organiser;
	int		 has_notes;
};

static const char *const edition_fields[] = {
	"series", "year", "name_zh", "name_en", "starts_on", "ends_on",
	"city", "organiser", "notes", "ceremonies", "version", NULL
};

/* Shape of the ceremonies array: [{"date": D, "place": "..."}]. */
static int
edition_read_ceremonies(const struct bureau_host *h, struct bureau_req *req,
    json_t *a)
{
	static const char *const cfields[] = { "date", "place", NULL };
	const char *s, *name;
	json_t *c, *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > CEREMONIES_MAX)
		return kit_fail(h, req, "ceremonies", "must be an array of at "
		    "most 20 {\"date\", \"place\"} objects");
	json_array_foreach(a, i, c) {
		name = h->printf(req, "ceremonies[%zu]", i);
		if (!json_is_object(c))
			return kit_fail(h, req, name, "must be an object "
			    "{\"date\", \"place\"}");
		json_object_foreach(c, s, v) {
			(void)v;
			if (kit_enum_index(cfields, s) < 0)
				return kit_fail(h, req, h->printf(req,
				    "%s.%s", name, s), "unknown field");
		}
		v = json_object_get(c, "date");
		if (!json_is_string(v) ||
		    kit_date_valid(json_string_value(v)) < 0)
			return kit_fail(h, req, h->printf(req, "%s.date",
			    name), "must be a date YYYY-MM-DD");
		v = json_object_get(c, "place");
		if (v != NULL && !json_is_null(v) && (!json_is_string(v) ||
		    strlen(json_string_value(v)) != json_string_length(v) ||
		    kit_text_valid(json_string_value(v), PLACE_MAX) < 0))
			return kit_fail(h, req, h->printf(req, "%s.place",
			    name), "must be text of at most 200 characters");
	}
	return 0;
}

/* -1 answered, -2 internal. */
static int
edition_read(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, int patch, struct edition_input *in)
{
	json_t *v;

	memset(in, 0, sizeof(*in));
	if (kit_json_known(h, req, body, edition_fields) < 0)
		return -1;
	if (!patch && json_object_get(body, "version") != NULL)
		return kit_fail(h, req, "version", "unknown field");
	if (kit_json_text(h, req, body, "series", 32, !patch, 0, &in->series,
	    &in->has_series) < 0 ||
	    kit_json_int(h, req, body, "year", 2000, 2100, !patch, &in->year,
	    &in->has_year) < 0 ||
	    kit_json_text(h, req, body, "name_zh", KIT_NAME_MAX, 0, 1,
	    &in->name_zh, &in->has_name_zh) < 0 ||
	    kit_json_text(h, req, body, "name_en", KIT_NAME_MAX, 0, 1,
	    &in->name_en, &in->has_name_en) < 0 ||
	    kit_json_date(h, req, body, "starts_on", !patch, &in->starts_on,
	    &in->has_starts_on) < 0 ||
	    kit_json_date(h, req, body, "ends_on", 0, &in->ends_on,
	    &in->has_ends_on) < 0 ||
	    kit_json_text(h, req, body, "city", CITY_MAX, 0, 1, &in->city,
	    &in->has_city) < 0 ||
	    kit_json_text(h, req, body, "organiser", ORGANISER_MAX, 0, 1,
	    &in->organiser, &in->has_organiser) < 0 ||
	    kit_json_text(h, req, body, "notes", KIT_NOTES_MAX, 0, 1,
	    &in->notes, &in->has_notes) < 0)
		return -1;
	/* Required ones may not be cleared by a PATCH either. */
	if (in->has_series && in->series == NULL)
		return kit_fail(h, req, "series", "must not be null");
	if (in->has_year && in->year == 0)
		return kit_fail(h, req, "year", "must not be null");
	if (in->has_starts_on && in->starts_on == NULL)
		return kit_fail(h, req, "starts_on", "must not be null");
	if (in->series != NULL) {
		if ((in->series_id = series_id_by_code(h, req, in->series)) < 0)
			return -2;
		if (in->series_id == 0)
			return kit_fail(h, req, "series", "unknown series code "
			    "(see GET /api/v1/expos/series)");
	}
	if ((v = json_object_get(body, "ceremonies")) != NULL) {
		if (json_is_null(v))
			v = NULL;	/* the same as [] */
		else if (edition_read_ceremonies(h, req, v) < 0)
			return -1;
		in->ceremonies = v != NULL ? v : json_object_get(body,
		    "ceremonies");
	}
	return 0;
}

/*
 * Cross-field rules on the merged record: dates against the year and
 * each other, ceremonies within the dates.  cer is the list that will be
 * stored (the new one, or the current one on a PATCH without it).
 */
static int
edition_check(const struct bureau_host *h, struct bureau_req *req,
    int64_t year, const char *starts, const char *ends, json_t *cer)
{
	const char *d;
	json_t *c;
	size_t i;

	if (strncmp(starts, h->printf(req, "%04lld", (long long)year), 4)
	    != 0)
		return kit_fail(h, req, "starts_on",
		    "must lie in the edition's year");
	if (strcmp(ends, starts) < 0)
		return kit_fail(h, req, "ends_on",
		    "must not be before starts_on");
	if (strncmp(ends, starts, 4) != 0)
		return kit_fail(h, req, "ends_on",
		    "must lie in the edition's year");
	json_array_foreach(cer, i, c) {
		d = json_string_value(json_object_get(c, "date"));
		if (d == NULL || strcmp(d, starts) < 0 || strcmp(d, ends) > 0)
			return kit_fail(h, req, h->printf(req,
			    "ceremonies[%zu].date", i), "must lie within the "
			    "edition's dates (starts_on .. ends_on)");
	}
	return 0;
}

static int
edition_write_ceremonies(const struct bureau_host *h,
    struct bureau_req *req, int64_t id, json_t *cer)
{
	sqlite3_stmt *del, *ins;
	const char *place;
	json_t *c;
	size_t i;

	if ((del = h->db_prepare(req, "DELETE FROM expo_ceremonies WHERE"
	    " edition_id = ?1")) == NULL ||
	    (ins = h->db_prepare(req, "INSERT INTO expo_ceremonies(edition_id,"
	    " held_on, place) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	sqlite3_bind_int64(del, 1, id);
	if (kit_exec(del) < 0)
		return -1;
	json_array_foreach(cer, i, c) {
		place = json_string_value(json_object_get(c, "place"));
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_text(ins, 2, json_string_value(json_object_get(c,
		    "date")), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, place != NULL ? place : "", -1,
		    SQLITE_TRANSIENT);
		if (kit_exec(ins) < 0)
			return -1;
	}
	return 0;
}

/* The edition of (series, year) other than `except`: id, 0, -1. */
static int64_t
edition_find(const struct bureau_host *h, struct bureau_req *req,
    int64_t series_id, int64_t year, int64_t except)
{
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if ((st = h->db_prepare(req, "SELECT id FROM expo_editions WHERE"
	    " series_id = ?1 AND year = ?2 AND id <> ?3")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, series_id);
	sqlite3_bind_int64(st, 2, year);
	sqlite3_bind_int64(st, 3, except);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) :
	    rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return id;
}

static int
edition_duplicate(const struct bureau_host *h, struct bureau_req *req)
{
	h->resp_error(req, 409, "duplicate", "year", "this series already "
	    "has an edition in that year");
	return -1;
}

/* Default names: "2021智博会" / "Smart China Expo 2021". */
static int
edition_default_names(const struct bureau_host *h, struct bureau_req *req,
    int64_t series_id, int64_t year, const char **zh, const char **en)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, "SELECT name_zh, name_en FROM expo_series"
	    " WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, series_id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*zh == NULL || **zh == '\0')
			*zh = h->printf(req, "%lld%s", (long long)year,
			    (const char *)sqlite3_column_text(st, 0));
		if (*en == NULL || **en == '\0')
			*en = h->printf(req, "%s %lld",
			    (const char *)sqlite3_column_text(st, 1),
			    (long long)year);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW && *zh != NULL && *en != NULL ? 0 : -1;
}

/* POST /api/v1/expos */
int
edition_create(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	struct edition_input in;
	json_t *after = NULL, *cer;
	const char *ends, *now, *zh, *en;
	sqlite3_stmt *st;
	int64_t id, dup;
	int rc;

	if ((rc = edition_read(h, req, h->req_json(req), 0, &in)) < 0)
		return rc == -1 ? 0 : -1;
	ends = in.ends_on != NULL ? in.ends_on : in.starts_on;
	cer = in.ceremonies != NULL && json_is_array(in.ceremonies) ?
	    in.ceremonies : NULL;
	if (edition_check(h, req, in.year, in.starts_on, ends, cer) < 0)
		return 0;
	zh = in.name_zh;
	en = in.name_en;
	now = kit_timestamp(h, req);

	if (h->db_begin(req) < 0)
		return -1;
	if ((dup = edition_find(h, req, in.series_id, in.year, 0)) < 0)
		goto fail;
	if (dup > 0) {
		h->db_rollback(req);
		edition_duplicate(h, req);
		return 0;
	}
	if (edition_default_names(h, req, in.series_id, in.year, &zh, &en) < 0)
		goto fail;
	if ((st = h->db_prepare(req, "INSERT INTO expo_editions(series_id,"
	    " year, name_zh, name_en, starts_on, ends_on, city, organiser,"
	    " notes, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	    " ?7, ?8, ?9, ?10, ?10)")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, in.series_id);
	sqlite3_bind_int64(st, 2, in.year);
	sqlite3_bind_text(st, 3, zh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, en, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in.starts_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, ends, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, in.city ? in.city : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, in.organiser ? in.organiser : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 9, in.notes ? in.notes : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	if (kit_exec(st) < 0)
		goto fail;
	id = sqlite3_last_insert_rowid(h->db(req));
	if (edition_write_ceremonies(h, req, id, cer) < 0 ||
	    (after = edition_load(h, req, id)) == NULL ||
	    h->audit(req, "expo.create", "expo", id, NULL, after) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	h->resp_header(req, "Location",
	    h->printf(req, "/api/v1/expos/%lld", (long long)id));
	kit_etag(h, req, 1);
	h->resp_json(req, 201, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "expos: create: %s",
	    sqlite3_errmsg(h->db(req)));
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* PATCH /api/v1/expos/{id} */
int
edition_patch(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t id = h->req_param_id(req, "id"), claimed, series_id, year, dup;
	json_t *body = h->req_json(req), *before = NULL, *after = NULL, *cer;
	struct edition_input in;
	const char *starts, *ends;
	sqlite3_stmt *st;
	int rc;

	if ((rc = edition_read(h, req, body, 1, &in)) < 0)
		return rc == -1 ? 0 : -1;
	if (kit_require_version(h, req, body, &claimed) < 0)
		return 0;
	if (h->db_begin(req) < 0)
		return -1;
	if ((before = edition_load(h, req, id)) == NULL) {
		h->db_rollback(req);
		kit_not_found(h, req, "expo");
		return 0;
	}
	if (json_integer_value(json_object_get(before, "version")) !=
	    claimed) {
		kit_conflict(h, req, "expo");
		goto refused;
	}
	series_id = in.has_series ? in.series_id :
	    json_integer_value(json_object_get(before, "series_id"));
	year = in.has_year ? in.year :
	    json_integer_value(json_object_get(before, "year"));
	starts = in.has_starts_on ? in.starts_on : jstr(before, "starts_on");
	/* ends_on null: a one-day edition. */
	if (in.has_ends_on)
		ends = in.ends_on != NULL ? in.ends_on : starts;
	else
		ends = jstr(before, "ends_on");
	cer = in.ceremonies != NULL ? (json_is_array(in.ceremonies) ?
	    in.ceremonies : NULL) : json_object_get(before, "ceremonies");
	if (edition_check(h, req, year, starts, ends, cer) < 0)
		goto refused;
	if ((dup = edition_find(h, req, series_id, year, id)) < 0)
		goto fail;
	if (dup > 0) {
		edition_duplicate(h, req);
		goto refused;
	}
	if ((st = h->db_prepare(req, "UPDATE expo_editions SET series_id = ?2,"
	    " year = ?3, name_zh = coalesce(?4, name_zh),"
	    " name_en = coalesce(?5, name_en), starts_on = ?6, ends_on = ?7,"
	    " city = coalesce(?8, city), organiser = coalesce(?9, organiser),"
	    " notes = coalesce(?10, notes), updated_at = ?11,"
	    " version = version + 1 WHERE id = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, series_id);
	sqlite3_bind_int64(st, 3, year);
	/* null clears a text field to '' (the names keep theirs). */
	if (in.has_name_zh && in.name_zh != NULL && *in.name_zh != '\0')
		sqlite3_bind_text(st, 4, in.name_zh, -1, SQLITE_STATIC);
	if (in.has_name_en && in.name_en != NULL && *in.name_en != '\0')
		sqlite3_bind_text(st, 5, in.name_en, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, starts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, ends, -1, SQLITE_TRANSIENT);
	if (in.has_city)
		sqlite3_bind_text(st, 8, in.city ? in.city : "", -1,
		    SQLITE_STATIC);
	if (in.has_organiser)
		sqlite3_bind_text(st, 9, in.organiser ? in.organiser : "", -1,
		    SQLITE_STATIC);
	if (in.has_notes)
		sqlite3_bind_text(st, 10, in.notes ? in.notes : "", -1,
		    SQLITE_STATIC);
	sqlite3_bind_text(st, 11, kit_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	if (kit_exec(st) < 0)
		goto fail;
	if (in.ceremonies != NULL &&
	    edition_write_ceremonies(h, req, id, cer) < 0)
		goto fail;
	if ((after = edition_load(h, req, id)) == NULL ||
	    h->audit(req, "expo.update", "expo", id, before, after) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	kit_etag(h, req, json_integer_value(json_object_get(after,
	    "version")));
	h->resp_json(req, 200, after);
	return 0;
refused:
	h->db_rollback(req);
	json_decref(before);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "expos: update %lld: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	json_decref(before);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}
