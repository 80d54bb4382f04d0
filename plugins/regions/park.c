/*
 * park -- industrial cooperation parks: built by a district pair, with a
 * status (planned, under_construction, operating), the industry chains
 * they host, an area in 亩 (mu, integer; 1 km2 = 1,500 mu), the district
 * of the pair they lie in, and the projects located in them.
 *
 * project_ids are projects_v ids; a project lies in one park at most
 * (409 project_in_other_park).  A lead deleted by the projects plugin
 * later simply stops being listed (links are read through projects_v).
 * A PATCH needs the version read (409 conflict) and replaces a list it
 * sends.
 */
#include <string.h>

#include "regions.h"

#define PARK_CODES_MAX		30
#define PARK_PROJECTS_MAX	2000
#define AREA_MU_MAX		100000000LL	/* ~66,700 km2: any park */

#define PARK_SELECT							\
	"SELECT k.id, k.name_zh, k.name_en, k.pair_id, k.status,"	\
	" k.area_mu, k.district, dk.name_zh, dk.name_en, k.notes,"	\
	" k.is_demo, k.created_at, k.updated_at, k.version,"		\
	" r.district_a, da.name_zh, da.name_en, r.district_b,"		\
	" db.name_zh, db.name_en,"					\
	" " CODES_CHAINS_SQL("region_park_industries", "park_id", "k.id") \
	", (SELECT json_group_array(x.project_id) FROM (SELECT"		\
	"   pp.project_id FROM region_park_projects pp JOIN projects_v v"	\
	"   ON v.id = pp.project_id WHERE pp.park_id = k.id"		\
	"   ORDER BY pp.project_id) x)"				\
	" FROM region_parks k JOIN region_pairs r ON r.id = k.pair_id"	\
	" LEFT JOIN proj_districts_v dk ON dk.code = k.district"	\
	" LEFT JOIN proj_districts_v da ON da.code = r.district_a"	\
	" LEFT JOIN proj_districts_v db ON db.code = r.district_b"

static const char *const park_fields[] = {
	"name_zh", "name_en", "pair_id", "status", "area_mu", "district",
	"industries", "project_ids", "notes", "version", NULL
};

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

static json_t *
park_row(sqlite3_stmt *st)
{
	json_t *detail, *codes, *projects, *pair;
	char zh[256], en[256];

	if ((detail = codes_detail(st, 20, &codes)) == NULL)
		return NULL;
	if ((projects = kit_col_json(st, 21)) == NULL) {
		json_decref(detail);
		json_decref(codes);
		return NULL;
	}
	snprintf(zh, sizeof(zh), "%s–%s", col(st, 15), col(st, 18));
	snprintf(en, sizeof(en), "%s–%s", col(st, 16), col(st, 19));
	pair = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "id", (json_int_t)sqlite3_column_int64(st, 3),
	    "name_zh", zh, "name_en", en,
	    "district_a", col(st, 14),
	    "district_a_name_zh", col(st, 15),
	    "district_a_name_en", col(st, 16),
	    "district_b", col(st, 17),
	    "district_b_name_zh", col(st, 18),
	    "district_b_name_en", col(st, 19));
	return json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:o, s:o, s:o, s:o,"
	    " s:s, s:b, s:s, s:s, s:I, s:o, s:o, s:o, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name_zh", col(st, 1),
	    "name_en", col(st, 2),
	    "pair_id", (json_int_t)sqlite3_column_int64(st, 3),
	    "pair", pair,
	    "status", col(st, 4),
	    "area_mu", sqlite3_column_type(st, 5) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 5)),
	    "district", kit_col_str(st, 6),
	    "district_name_zh", kit_col_str(st, 7),
	    "district_name_en", kit_col_str(st, 8),
	    "notes", col(st, 9),
	    "is_demo", sqlite3_column_int(st, 10),
	    "created_at", col(st, 11),
	    "updated_at", col(st, 12),
	    "version", (json_int_t)sqlite3_column_int64(st, 13),
	    "industries", codes,
	    "industries_detail", detail,
	    "project_ids", projects,
	    "projects", (json_int_t)json_array_size(projects));
}

static json_t *
park_load(const struct bureau_host *h, struct bureau_req *req, int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, PARK_SELECT " WHERE k.id = ?1")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = park_row(st);
	sqlite3_reset(st);
	return o;
}

/* GET /api/v1/regions/parks[?status=&pair_id=&district=&limit=&offset=] */
int
park_list(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	int64_t limit, offset, pair = 0, total;
	const char *status, *district;
	sqlite3_stmt *st;
	json_t *items;
	int rc, has_pair;

	if (kit_paging(h, req, &limit, &offset) < 0 ||
	    kit_query_enum(h, req, "status", regions_park_statuses,
	    &status) < 0 ||
	    kit_query_int(h, req, "pair_id", 1, INT64_MAX, &pair,
	    &has_pair) < 0)
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
#define PARK_WHERE " WHERE (?1 IS NULL OR k.status = ?1)"		\
	" AND (?2 = 0 OR k.pair_id = ?2) AND (?3 IS NULL OR k.district = ?3)"
	if ((st = h->db_prepare(req, "SELECT count(*) FROM region_parks k"
	    PARK_WHERE)) == NULL)
		return -1;
	if (status != NULL)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, has_pair ? pair : 0);
	if (district != NULL)
		sqlite3_bind_text(st, 3, district, -1, SQLITE_STATIC);
	if ((total = kit_count(st)) < 0)
		return -1;
	if ((st = h->db_prepare(req, PARK_SELECT PARK_WHERE
	    " ORDER BY k.id LIMIT ?4 OFFSET ?5")) == NULL)
		return -1;
#undef PARK_WHERE
	if (status != NULL)
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, has_pair ? pair : 0);
	if (district != NULL)
		sqlite3_bind_text(st, 3, district, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, limit);
	sqlite3_bind_int64(st, 5, offset);
	if ((items = kit_rows(st, park_row)) == NULL)
		return -1;
	kit_send_page(h, req, items, total, limit, offset);
	return 0;
}

/* GET /api/v1/regions/parks/{id} */
int
park_get(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	json_t *o;

	if ((o = park_load(h, req, h->req_param_id(req, "id"))) == NULL) {
		kit_not_found(h, req, "park");
		return 0;
	}
	kit_etag(h, req, json_integer_value(json_object_get(o, "version")));
	h->resp_json(req, 200, o);
	return 0;
}

struct park_input {
	const char	*name_zh, *name_en, *status, *district, *notes;
	int64_t		 pair_id, area_mu;
	json_t		*industries;	/* new array or NULL */
	json_t		*projects;	/* borrowed from the body */
	int		 has_name_zh, has_name_en, has_status, has_district;
	int		 has_notes, has_pair, has_area, has_industries;
	int		 has_projects;
};

/* project_ids: distinct existing projects.  -1 answered, -2 internal. */
static int
park_read_projects(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, struct park_input *in)
{
	json_t *v = json_object_get(body, "project_ids"), *x;
	const char *name;
	size_t i, j;
	int rc;

	if (v == NULL)
		return 0;
	in->has_projects = 1;
	if (json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > PARK_PROJECTS_MAX)
		return kit_fail(h, req, "project_ids", "must be an array of at "
		    "most 2000 project ids");
	json_array_foreach(v, i, x) {
		name = h->printf(req, "project_ids[%zu]", i);
		if (!json_is_integer(x) || json_integer_value(x) < 1)
			return kit_fail(h, req, name, "must be a project id");
		for (j = 0; j < i; j++)
			if (json_integer_value(json_array_get(v, j)) ==
			    json_integer_value(x))
				return kit_fail(h, req, name, "listed twice");
		if ((rc = kit_project_exists(h, req,
		    json_integer_value(x))) < 0)
			return -2;
		if (rc == 0)
			return kit_fail(h, req, name, "no such project");
	}
	in->projects = v;
	return 0;
}

static int
park_read(const struct bureau_host *h, struct bureau_req *req, json_t *body,
    int patch, struct park_input *in)
{
	int rc;

	memset(in, 0, sizeof(*in));
	if (kit_json_known(h, req, body, park_fields) < 0)
		return -1;
	if (!patch && json_object_get(body, "version") != NULL)
		return kit_fail(h, req, "version", "unknown field");
	if (kit_json_text(h, req, body, "name_zh", KIT_NAME_MAX, 0, 1,
	    &in->name_zh, &in->has_name_zh) < 0 ||
	    kit_json_text(h, req, body, "name_en", KIT_NAME_MAX, 0, 1,
	    &in->name_en, &in->has_name_en) < 0 ||
	    kit_json_int(h, req, body, "pair_id", 1, INT64_MAX, !patch,
	    &in->pair_id, &in->has_pair) < 0 ||
	    kit_json_enum(h, req, body, "status", regions_park_statuses,
	    !patch, &in->status, &in->has_status) < 0 ||
	    kit_json_int(h, req, body, "area_mu", 1, AREA_MU_MAX, 0,
	    &in->area_mu, &in->has_area) < 0 ||
	    kit_json_text(h, req, body, "district", 64, 0, 0, &in->district,
	    &in->has_district) < 0 ||
	    kit_json_text(h, req, body, "notes", KIT_NOTES_MAX, 0, 1,
	    &in->notes, &in->has_notes) < 0)
		return -1;
	if (in->has_pair && in->pair_id == 0)
		return kit_fail(h, req, "pair_id", "must not be null");
	if (in->has_status && in->status == NULL)
		return kit_fail(h, req, "status", "must not be null");
	if ((rc = park_read_projects(h, req, body, in)) < 0)
		return rc;
	if ((rc = kit_json_codes(h, req, body, "industries", KIT_REF_CHAIN,
	    PARK_CODES_MAX, &in->industries, &in->has_industries)) < 0)
		return rc;
	return 0;
}

/*
 * Rules against the database, on the merged record: the pair exists, the
 * district is one of the pair's, no listed project lies in another park.
 * -1 answered, 0 ok, -2 internal.
 */
static int
park_check(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, int64_t pair_id, const char *district, json_t *projects)
{
	sqlite3_stmt *st;
	json_t *x;
	size_t i;
	int rc, in_pair = 0;

	if ((st = h->db_prepare(req, "SELECT ?2 IS NULL OR ?2 IN (district_a,"
	    " district_b) FROM region_pairs WHERE id = ?1")) == NULL)
		return -2;
	sqlite3_bind_int64(st, 1, pair_id);
	if (district != NULL)
		sqlite3_bind_text(st, 2, district, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		in_pair = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return kit_fail(h, req, "pair_id", "no such district pair");
	if (rc != SQLITE_ROW)
		return -2;
	if (!in_pair)
		return kit_fail(h, req, "district",
		    "must be one of the pair's two districts");
	if ((st = h->db_prepare(req, "SELECT park_id FROM region_park_projects"
	    " WHERE project_id = ?1 AND park_id <> ?2")) == NULL)
		return -2;
	json_array_foreach(projects, i, x) {
		sqlite3_bind_int64(st, 1, json_integer_value(x));
		sqlite3_bind_int64(st, 2, id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW) {
			h->resp_error(req, 409, "project_in_other_park",
			    h->printf(req, "project_ids[%zu]", i),
			    "the project lies in another park");
			return -1;
		}
		if (rc != SQLITE_DONE)
			return -2;
	}
	return 0;
}

static int
park_write_lists(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, const struct park_input *in)
{
	sqlite3_stmt *del, *ins;
	json_t *x;
	size_t i;

	if (in->has_industries && codes_replace(h, req, "DELETE FROM"
	    " region_park_industries WHERE park_id = ?1", "INSERT INTO"
	    " region_park_industries(park_id, code) VALUES (?1, ?2)", id,
	    in->industries) < 0)
		return -1;
	if (!in->has_projects)
		return 0;
	if ((del = h->db_prepare(req, "DELETE FROM region_park_projects"
	    " WHERE park_id = ?1")) == NULL ||
	    (ins = h->db_prepare(req, "INSERT INTO region_park_projects("
	    "park_id, project_id) VALUES (?1, ?2)")) == NULL)
		return -1;
	sqlite3_bind_int64(del, 1, id);
	if (kit_exec(del) < 0)
		return -1;
	json_array_foreach(in->projects, i, x) {
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_int64(ins, 2, json_integer_value(x));
		if (kit_exec(ins) < 0)
			return -1;
	}
	return 0;
}

/* POST /api/v1/regions/parks */
int
park_create(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	struct park_input in;
	json_t *after = NULL;
	const char *zh, *en;
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if ((rc = park_read(h, req, h->req_json(req), 0, &in)) < 0) {
		json_decref(in.industries);
		return rc == -1 ? 0 : -1;
	}
	zh = in.name_zh != NULL ? in.name_zh : "";
	en = in.name_en != NULL ? in.name_en : "";
	if (*zh == '\0' && *en == '\0') {
		json_decref(in.industries);
		kit_fail(h, req, "name_zh",
		    "a Chinese or an English name is required");
		return 0;
	}
	if (h->db_begin(req) < 0) {
		json_decref(in.industries);
		return -1;
	}
	if ((rc = park_check(h, req, 0, in.pair_id, in.district,
	    in.projects)) == -1) {
		h->db_rollback(req);
		json_decref(in.industries);
		return 0;
	}
	if (rc < 0 || (st = h->db_prepare(req, "INSERT INTO region_parks("
	    "name_zh, name_en, pair_id, status, area_mu, district, notes,"
	    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " ?8)")) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, zh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, en, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, in.pair_id);
	sqlite3_bind_text(st, 4, in.status, -1, SQLITE_STATIC);
	if (in.area_mu > 0)
		sqlite3_bind_int64(st, 5, in.area_mu);
	if (in.district != NULL)
		sqlite3_bind_text(st, 6, in.district, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, in.notes ? in.notes : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, kit_timestamp(h, req), -1, SQLITE_TRANSIENT);
	if (kit_exec(st) < 0)
		goto fail;
	id = sqlite3_last_insert_rowid(h->db(req));
	if (park_write_lists(h, req, id, &in) < 0 ||
	    (after = park_load(h, req, id)) == NULL ||
	    h->audit(req, "region.park.create", "region_park", id, NULL,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	json_decref(in.industries);
	h->resp_header(req, "Location", h->printf(req,
	    "/api/v1/regions/parks/%lld", (long long)id));
	kit_etag(h, req, 1);
	h->resp_json(req, 201, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "regions: park create: %s",
	    sqlite3_errmsg(h->db(req)));
	json_decref(in.industries);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* PATCH /api/v1/regions/parks/{id} */
int
park_patch(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	int64_t id = h->req_param_id(req, "id"), claimed, pair_id;
	json_t *body = h->req_json(req), *before = NULL, *after = NULL;
	struct park_input in;
	const char *zh, *en, *district;
	sqlite3_stmt *st;
	int rc;

	if ((rc = park_read(h, req, body, 1, &in)) < 0) {
		json_decref(in.industries);
		return rc == -1 ? 0 : -1;
	}
	if (kit_require_version(h, req, body, &claimed) < 0) {
		json_decref(in.industries);
		return 0;
	}
	if (h->db_begin(req) < 0) {
		json_decref(in.industries);
		return -1;
	}
	if ((before = park_load(h, req, id)) == NULL) {
		kit_not_found(h, req, "park");
		goto refused;
	}
	if (json_integer_value(json_object_get(before, "version")) !=
	    claimed) {
		kit_conflict(h, req, "park");
		goto refused;
	}
	zh = in.has_name_zh ? (in.name_zh ? in.name_zh : "") :
	    jstr(before, "name_zh");
	en = in.has_name_en ? (in.name_en ? in.name_en : "") :
	    jstr(before, "name_en");
	if (*zh == '\0' && *en == '\0') {
		kit_fail(h, req, in.has_name_zh ? "name_zh" : "name_en",
		    "a Chinese or an English name is required");
		goto refused;
	}
	pair_id = in.has_pair ? in.pair_id :
	    json_integer_value(json_object_get(before, "pair_id"));
	district = in.has_district ? in.district : jstr(before, "district");
	if ((rc = park_check(h, req, id, pair_id, district,
	    in.projects)) == -1)
		goto refused;
	if (rc < 0 || (st = h->db_prepare(req, "UPDATE region_parks SET"
	    " name_zh = ?2, name_en = ?3, pair_id = ?4,"
	    " status = coalesce(?5, status),"
	    " area_mu = CASE WHEN ?6 THEN ?7 ELSE area_mu END,"
	    " district = ?8, notes = coalesce(?9, notes), updated_at = ?10,"
	    " version = version + 1 WHERE id = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, zh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, en, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, pair_id);
	if (in.status != NULL)
		sqlite3_bind_text(st, 5, in.status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, in.has_area);
	if (in.has_area && in.area_mu > 0)
		sqlite3_bind_int64(st, 7, in.area_mu);
	if (district != NULL)
		sqlite3_bind_text(st, 8, district, -1, SQLITE_TRANSIENT);
	if (in.has_notes)
		sqlite3_bind_text(st, 9, in.notes ? in.notes : "", -1,
		    SQLITE_STATIC);
	sqlite3_bind_text(st, 10, kit_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	if (kit_exec(st) < 0 || park_write_lists(h, req, id, &in) < 0 ||
	    (after = park_load(h, req, id)) == NULL ||
	    h->audit(req, "region.park.update", "region_park", id, before,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	json_decref(in.industries);
	json_decref(before);
	kit_etag(h, req, json_integer_value(json_object_get(after,
	    "version")));
	h->resp_json(req, 200, after);
	return 0;
refused:
	h->db_rollback(req);
	json_decref(in.industries);
	json_decref(before);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "regions: park %lld update: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	json_decref(in.industries);
	json_decref(before);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}
