/*
 * pair -- district pairs: two Chongqing districts or counties paired for
 * cooperation (渝北–云阳 Yubei–Yunyang, 江津–开州 Jiangjin–Kaizhou ...),
 * usually a metropolitan district with one of the northeast or southeast
 * counties.  The districts are the projects plugin's reference codes
 * (proj_districts_v), distinct; a pair is the same pair in either order
 * (409 duplicate).  name_zh/name_en are composed from the districts'
 * names.  A PATCH that moves a pair away from a district in which one of
 * its parks lies is refused (409 park_district).
 */
#include <string.h>

#include "regions.h"

#define PAIR_SELECT							\
	"SELECT r.id, r.district_a, da.name_zh, da.name_en, r.district_b,"	\
	" db.name_zh, db.name_en, r.since, r.notes, r.is_demo,"		\
	" r.created_at, r.updated_at, r.version,"			\
	" (SELECT count(*) FROM region_parks k WHERE k.pair_id = r.id)"	\
	" FROM region_pairs r"						\
	" LEFT JOIN proj_districts_v da ON da.code = r.district_a"	\
	" LEFT JOIN proj_districts_v db ON db.code = r.district_b"

static const char *const pair_fields[] = {
	"district_a", "district_b", "since", "notes", "version", NULL
};

static const char *
col(sqlite3_stmt *st, int i, const char *dflt)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : dflt;
}

static json_t *
pair_row(sqlite3_stmt *st)
{
	char zh[256], en[256];

	snprintf(zh, sizeof(zh), "%s–%s", col(st, 2, col(st, 1, "")),
	    col(st, 5, col(st, 4, "")));
	snprintf(en, sizeof(en), "%s–%s", col(st, 3, col(st, 1, "")),
	    col(st, 6, col(st, 4, "")));
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:s, s:b, s:s, s:s, s:I, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name_zh", zh, "name_en", en,
	    "district_a", col(st, 1, ""),
	    "district_a_name_zh", kit_col_str(st, 2),
	    "district_a_name_en", kit_col_str(st, 3),
	    "district_b", kit_col_str(st, 4),
	    "district_b_name_zh", kit_col_str(st, 5),
	    "district_b_name_en", kit_col_str(st, 6),
	    "since", kit_col_str(st, 7),
	    "notes", col(st, 8, ""),
	    "is_demo", sqlite3_column_int(st, 9),
	    "created_at", col(st, 10, ""),
	    "updated_at", col(st, 11, ""),
	    "version", (json_int_t)sqlite3_column_int64(st, 12),
	    "parks", (json_int_t)sqlite3_column_int64(st, 13));
}

json_t *
pair_load(const struct bureau_host *h, struct bureau_req *req, int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, PAIR_SELECT " WHERE r.id = ?1")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = pair_row(st);
	sqlite3_reset(st);
	return o;
}

/* GET /api/v1/regions/pairs[?district=&limit=&offset=] */
int
pair_list(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	int64_t limit, offset, total;
	const char *district;
	sqlite3_stmt *st;
	json_t *items;
	int rc;

	if (kit_paging(h, req, &limit, &offset) < 0)
		return 0;
	district = h->req_query(req, "district");
	if (district != NULL && *district == '\0')
		district = NULL;
	if (district != NULL) {
		if ((rc = kit_ref_exists(h, req, KIT_REF_DISTRICT, district)) < 0)
			return -1;
		if (rc == 0) {
			kit_fail(h, req, "district", "unknown district code");
			return 0;
		}
	}
	if ((st = h->db_prepare(req, "SELECT count(*) FROM region_pairs WHERE"
	    " ?1 IS NULL OR district_a = ?1 OR district_b = ?1")) == NULL)
		return -1;
	if (district != NULL)
		sqlite3_bind_text(st, 1, district, -1, SQLITE_STATIC);
	if ((total = kit_count(st)) < 0)
		return -1;
	if ((st = h->db_prepare(req, PAIR_SELECT " WHERE ?1 IS NULL OR"
	    " r.district_a = ?1 OR r.district_b = ?1 ORDER BY r.id"
	    " LIMIT ?2 OFFSET ?3")) == NULL)
		return -1;
	if (district != NULL)
		sqlite3_bind_text(st, 1, district, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if ((items = kit_rows(st, pair_row)) == NULL)
		return -1;
	kit_send_page(h, req, items, total, limit, offset);
	return 0;
}

/* GET /api/v1/regions/pairs/{id} */
int
pair_get(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	json_t *o;

	if ((o = pair_load(h, req, h->req_param_id(req, "id"))) == NULL) {
		kit_not_found(h, req, "district pair");
		return 0;
	}
	kit_etag(h, req, json_integer_value(json_object_get(o, "version")));
	h->resp_json(req, 200, o);
	return 0;
}

struct pair_input {
	const char	*a, *b, *since, *notes;
	int		 has_a, has_b, has_since, has_notes;
};

/* A district field: -1 answered, -2 internal. */
static int
pair_read_district(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, const char *field, int required, const char **out,
    int *present)
{
	int rc;

	if (kit_json_text(h, req, body, field, 64, required, 0, out,
	    present) < 0)
		return -1;
	if (*present && *out == NULL)
		return kit_fail(h, req, field, "must not be null");
	if (*out == NULL)
		return 0;
	if ((rc = kit_ref_exists(h, req, KIT_REF_DISTRICT, *out)) < 0)
		return -2;
	if (rc == 0)
		return kit_fail(h, req, field, "unknown district code");
	return 0;
}

static int
pair_read(const struct bureau_host *h, struct bureau_req *req, json_t *body,
    int patch, struct pair_input *in)
{
	int rc;

	memset(in, 0, sizeof(*in));
	if (kit_json_known(h, req, body, pair_fields) < 0)
		return -1;
	if (!patch && json_object_get(body, "version") != NULL)
		return kit_fail(h, req, "version", "unknown field");
	if ((rc = pair_read_district(h, req, body, "district_a", !patch,
	    &in->a, &in->has_a)) < 0 ||
	    (rc = pair_read_district(h, req, body, "district_b", !patch,
	    &in->b, &in->has_b)) < 0)
		return rc;
	if (kit_json_date(h, req, body, "since", 0, &in->since,
	    &in->has_since) < 0 ||
	    kit_json_text(h, req, body, "notes", KIT_NOTES_MAX, 0, 1,
	    &in->notes, &in->has_notes) < 0)
		return -1;
	return 0;
}

/* The merged districts: distinct, and no other pair of the two (either
 * order).  -1 answered, 0 ok, -2 internal. */
static int
pair_check(const struct bureau_host *h, struct bureau_req *req,
    const char *a, const char *b, int64_t except)
{
	sqlite3_stmt *st;
	int rc;

	if (strcmp(a, b) == 0)
		return kit_fail(h, req, "district_b",
		    "must differ from district_a");
	if ((st = h->db_prepare(req, "SELECT id FROM region_pairs WHERE"
	    " id <> ?3 AND min(district_a, district_b) = min(?1, ?2)"
	    " AND max(district_a, district_b) = max(?1, ?2)")) == NULL)
		return -2;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, except);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -2;
	h->resp_error(req, 409, "duplicate", "district_b",
	    "these two districts are already paired");
	return -1;
}

/* POST /api/v1/regions/pairs */
int
pair_create(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	struct pair_input in;
	json_t *after = NULL;
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if ((rc = pair_read(h, req, h->req_json(req), 0, &in)) < 0)
		return rc == -1 ? 0 : -1;
	if (h->db_begin(req) < 0)
		return -1;
	if ((rc = pair_check(h, req, in.a, in.b, 0)) == -1) {
		h->db_rollback(req);
		return 0;
	}
	if (rc < 0 || (st = h->db_prepare(req, "INSERT INTO region_pairs("
	    "district_a, district_b, since, notes, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?5)")) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, in.a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in.b, -1, SQLITE_STATIC);
	if (in.since != NULL)
		sqlite3_bind_text(st, 3, in.since, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in.notes ? in.notes : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, kit_timestamp(h, req), -1, SQLITE_TRANSIENT);
	if (kit_exec(st) < 0)
		goto fail;
	id = sqlite3_last_insert_rowid(h->db(req));
	if ((after = pair_load(h, req, id)) == NULL ||
	    h->audit(req, "region.pair.create", "region_pair", id, NULL,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	h->resp_header(req, "Location", h->printf(req,
	    "/api/v1/regions/pairs/%lld", (long long)id));
	kit_etag(h, req, 1);
	h->resp_json(req, 201, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "regions: pair create: %s",
	    sqlite3_errmsg(h->db(req)));
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

/* PATCH /api/v1/regions/pairs/{id} */
int
pair_patch(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	int64_t id = h->req_param_id(req, "id"), claimed;
	json_t *body = h->req_json(req), *before = NULL, *after = NULL;
	struct pair_input in;
	const char *a, *b;
	sqlite3_stmt *st;
	int rc;

	if ((rc = pair_read(h, req, body, 1, &in)) < 0)
		return rc == -1 ? 0 : -1;
	if (kit_require_version(h, req, body, &claimed) < 0)
		return 0;
	if (h->db_begin(req) < 0)
		return -1;
	if ((before = pair_load(h, req, id)) == NULL) {
		kit_not_found(h, req, "district pair");
		goto refused;
	}
	if (json_integer_value(json_object_get(before, "version")) !=
	    claimed) {
		kit_conflict(h, req, "district pair");
		goto refused;
	}
	a = in.has_a ? in.a : json_string_value(json_object_get(before,
	    "district_a"));
	b = in.has_b ? in.b : json_string_value(json_object_get(before,
	    "district_b"));
	if ((rc = pair_check(h, req, a, b, id)) == -1)
		goto refused;
	if (rc < 0)
		goto fail;
	/* A park lying in a district the pair leaves would be orphaned. */
	if ((st = h->db_prepare(req, "SELECT id FROM region_parks WHERE"
	    " pair_id = ?1 AND district IS NOT NULL AND district <> ?2"
	    " AND district <> ?3 LIMIT 1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		h->resp_error(req, 409, "park_district", in.has_a ?
		    "district_a" : "district_b", "a park of this pair lies in "
		    "the district it would leave; move the park first");
		goto refused;
	}
	if (rc != SQLITE_DONE || (st = h->db_prepare(req, "UPDATE region_pairs"
	    " SET district_a = ?2, district_b = ?3,"
	    " since = CASE WHEN ?4 THEN ?5 ELSE since END,"
	    " notes = coalesce(?6, notes), updated_at = ?7,"
	    " version = version + 1 WHERE id = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, in.has_since);
	if (in.since != NULL)
		sqlite3_bind_text(st, 5, in.since, -1, SQLITE_STATIC);
	if (in.has_notes)
		sqlite3_bind_text(st, 6, in.notes ? in.notes : "", -1,
		    SQLITE_STATIC);
	sqlite3_bind_text(st, 7, kit_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	if (kit_exec(st) < 0 || (after = pair_load(h, req, id)) == NULL ||
	    h->audit(req, "region.pair.update", "region_pair", id, before,
	    after) < 0 || h->db_commit(req) < 0)
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
	h->log(BUREAU_LOG_ERR, "regions: pair %lld update: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	json_decref(before);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}
