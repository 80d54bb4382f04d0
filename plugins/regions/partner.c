/*
 * partner -- partner regions: provinces, cities and areas the bureau
 * cooperates with (Shandong; Chengdu in the Chengdu-Chongqing economic
 * circle; the Greater Bay Area with Hong Kong ...), the source-region
 * codes through which projects are attributed to them, and the industry
 * chains the cooperation targets.
 *
 * A partner covers the source regions it lists and all their
 * sub-regions (REGIONS_COVER_CTE): listing `gba` covers Hong Kong, Macao
 * and Guangdong.  Two partners may cover the same region (a "Hong Kong"
 * partner beside the Greater Bay Area): each counts its own projects.
 * Names are unique (409 duplicate).  PATCH needs the version read (409
 * conflict) and replaces a list it sends.
 */
#include <string.h>

#include "regions.h"

#define PARTNER_CODES_MAX	30

#define PARTNER_SELECT							\
	"SELECT p.id, p.name_zh, p.name_en, p.kind, p.notes, p.is_demo,"	\
	" p.created_at, p.updated_at, p.version,"			\
	" (SELECT json_group_array(x.code) FROM (SELECT s.code FROM"	\
	"   region_partner_sources s LEFT JOIN proj_source_regions_v r"	\
	"   ON r.code = s.code WHERE s.partner_id = p.id"		\
	"   ORDER BY r.sort, s.code) x),"				\
	" " CODES_CHAINS_SQL("region_partner_industries", "partner_id",	\
	    "p.id")							\
	" FROM region_partners p"

static const char *const partner_fields[] = {
	"name_zh", "name_en", "kind", "source_regions", "industries", "notes",
	"version", NULL
};

static json_t *
partner_covers(const struct bureau_host *h, struct bureau_req *req,
    int64_t id)
{
	sqlite3_stmt *st;
	json_t *a = NULL;

	if ((st = h->db_prepare(req, "WITH RECURSIVE " REGIONS_COVER_CTE
	    " SELECT json_group_array(x.code) FROM (SELECT cov.code FROM cov"
	    " LEFT JOIN proj_source_regions_v r ON r.code = cov.code"
	    " ORDER BY r.sort, cov.code) x")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		a = kit_col_json(st, 0);
	sqlite3_reset(st);
	return a;
}

/* A row of PARTNER_SELECT as JSON (covers added by the caller). */
static json_t *
partner_row(sqlite3_stmt *st)
{
	json_t *sources, *detail, *codes;

	if ((sources = kit_col_json(st, 9)) == NULL)
		return NULL;
	if ((detail = codes_detail(st, 10, &codes)) == NULL) {
		json_decref(sources);
		return NULL;
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:I, s:o,"
	    " s:o, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "name_zh", (const char *)sqlite3_column_text(st, 1),
	    "name_en", (const char *)sqlite3_column_text(st, 2),
	    "kind", (const char *)sqlite3_column_text(st, 3),
	    "notes", (const char *)sqlite3_column_text(st, 4),
	    "is_demo", sqlite3_column_int(st, 5),
	    "created_at", (const char *)sqlite3_column_text(st, 6),
	    "updated_at", (const char *)sqlite3_column_text(st, 7),
	    "version", (json_int_t)sqlite3_column_int64(st, 8),
	    "source_regions", sources,
	    "industries", codes,
	    "industries_detail", detail);
}

static int
partner_finish(const struct bureau_host *h, struct bureau_req *req,
    json_t *o)
{
	json_t *cov, *src;

	if (o == NULL || (cov = partner_covers(h, req,
	    json_integer_value(json_object_get(o, "id")))) == NULL)
		return -1;
	json_object_set_new(o, "covers", cov);
	/* One code: the UI links to projects?source_region=<it>. */
	src = json_object_get(o, "source_regions");
	json_object_set(o, "source_region", json_array_size(src) == 1 ?
	    json_array_get(src, 0) : json_null());
	return 0;
}

json_t *
partner_load(const struct bureau_host *h, struct bureau_req *req,
    int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, PARTNER_SELECT " WHERE p.id = ?1")) ==
	    NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = partner_row(st);
	sqlite3_reset(st);
	if (o != NULL && partner_finish(h, req, o) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* GET /api/v1/regions/partners[?kind=&limit=&offset=] */
int
partner_list(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	int64_t limit, offset, total;
	const char *kind;
	sqlite3_stmt *st;
	json_t *items, *o;
	size_t i;

	if (kit_paging(h, req, &limit, &offset) < 0 ||
	    kit_query_enum(h, req, "kind", regions_partner_kinds, &kind) < 0)
		return 0;
	if ((st = h->db_prepare(req, "SELECT count(*) FROM region_partners"
	    " WHERE ?1 IS NULL OR kind = ?1")) == NULL)
		return -1;
	if (kind != NULL)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if ((total = kit_count(st)) < 0)
		return -1;
	if ((st = h->db_prepare(req, PARTNER_SELECT " WHERE ?1 IS NULL OR"
	    " p.kind = ?1 ORDER BY p.id LIMIT ?2 OFFSET ?3")) == NULL)
		return -1;
	if (kind != NULL)
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if ((items = kit_rows(st, partner_row)) == NULL)
		return -1;
	/* Covers after the list statement is done (one at a time). */
	json_array_foreach(items, i, o)
		if (partner_finish(h, req, o) < 0) {
			json_decref(items);
			return -1;
		}
	kit_send_page(h, req, items, total, limit, offset);
	return 0;
}

/* GET /api/v1/regions/partners/{id} */
int
partner_get(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	json_t *o;

	if ((o = partner_load(h, req, h->req_param_id(req, "id"))) == NULL) {
		kit_not_found(h, req, "partner");
		return 0;
	}
	kit_etag(h, req, json_integer_value(json_object_get(o, "version")));
	h->resp_json(req, 200, o);
	return 0;
}

struct partner_input {
	const char	*name_zh, *name_en, *kind, *notes;
	json_t		*sources, *industries;	/* new arrays, or NULL */
	int		 has_name_zh, has_name_en, has_kind, has_notes;
	int		 has_sources, has_industries;
};

static void
partner_input_free(struct partner_input *in)
{
	json_decref(in->sources);
	json_decref(in->industries);
	in->sources = in->industries = NULL;
}

/* -1 answered, -2 internal. */
static int
partner_read(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, int patch, struct partner_input *in)
{
	int rc;

	memset(in, 0, sizeof(*in));
	if (kit_json_known(h, req, body, partner_fields) < 0)
		return -1;
	if (!patch && json_object_get(body, "version") != NULL)
		return kit_fail(h, req, "version", "unknown field");
	if (kit_json_text(h, req, body, "name_zh", KIT_NAME_MAX, 0, 1,
	    &in->name_zh, &in->has_name_zh) < 0 ||
	    kit_json_text(h, req, body, "name_en", KIT_NAME_MAX, 0, 1,
	    &in->name_en, &in->has_name_en) < 0 ||
	    kit_json_enum(h, req, body, "kind", regions_partner_kinds, !patch,
	    &in->kind, &in->has_kind) < 0 ||
	    kit_json_text(h, req, body, "notes", KIT_NOTES_MAX, 0, 1,
	    &in->notes, &in->has_notes) < 0)
		return -1;
	if (in->has_kind && in->kind == NULL)
		return kit_fail(h, req, "kind", "must not be null");
	if ((rc = kit_json_codes(h, req, body, "source_regions",
	    KIT_REF_SOURCE_REGION, PARTNER_CODES_MAX, &in->sources,
	    &in->has_sources)) < 0 ||
	    (rc = kit_json_codes(h, req, body, "industries", KIT_REF_CHAIN,
	    PARTNER_CODES_MAX, &in->industries, &in->has_industries)) < 0) {
		partner_input_free(in);
		return rc;
	}
	return 0;
}

/* 409 duplicate when another partner has either name: -1 answered, 0
 * free, -2 internal. */
static int
partner_names_free(const struct bureau_host *h, struct bureau_req *req,
    const char *zh, const char *en, int64_t except)
{
	sqlite3_stmt *st;
	int rc, which = 0;

	if ((st = h->db_prepare(req, "SELECT name_zh = ?1 AND ?1 <> '' FROM"
	    " region_partners WHERE id <> ?3 AND ((name_zh = ?1 AND ?1 <> '')"
	    " OR (name_en = ?2 COLLATE NOCASE AND ?2 <> '')) LIMIT 1")) ==
	    NULL)
		return -2;
	sqlite3_bind_text(st, 1, zh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, en, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, except);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		which = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return -2;
	h->resp_error(req, 409, "duplicate", which ? "name_zh" : "name_en",
	    "another partner has this name");
	return -1;
}

static int
partner_write_lists(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, const struct partner_input *in)
{
	if (in->has_sources && codes_replace(h, req, "DELETE FROM"
	    " region_partner_sources WHERE partner_id = ?1", "INSERT INTO"
	    " region_partner_sources(partner_id, code) VALUES (?1, ?2)", id,
	    in->sources) < 0)
		return -1;
	if (in->has_industries && codes_replace(h, req, "DELETE FROM"
	    " region_partner_industries WHERE partner_id = ?1", "INSERT INTO"
	    " region_partner_industries(partner_id, code) VALUES (?1, ?2)", id,
	    in->industries) < 0)
		return -1;
	return 0;
}

/* POST /api/v1/regions/partners */
int
partner_create(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	struct partner_input in;
	json_t *after = NULL;
	const char *zh, *en, *now;
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if ((rc = partner_read(h, req, h->req_json(req), 0, &in)) < 0)
		return rc == -1 ? 0 : -1;
	zh = in.name_zh != NULL ? in.name_zh : "";
	en = in.name_en != NULL ? in.name_en : "";
	if (*zh == '\0' && *en == '\0') {
		partner_input_free(&in);
		kit_fail(h, req, "name_zh",
		    "a Chinese or an English name is required");
		return 0;
	}
	now = kit_timestamp(h, req);
	if (h->db_begin(req) < 0) {
		partner_input_free(&in);
		return -1;
	}
	if ((rc = partner_names_free(h, req, zh, en, 0)) == -1)
		goto refused;
	if (rc < 0 || (st = h->db_prepare(req, "INSERT INTO region_partners("
	    "name_zh, name_en, kind, notes, created_at, updated_at) VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?5)")) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, zh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, en, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in.kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in.notes ? in.notes : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	if (kit_exec(st) < 0)
		goto fail;
	id = sqlite3_last_insert_rowid(h->db(req));
	if (partner_write_lists(h, req, id, &in) < 0 ||
	    (after = partner_load(h, req, id)) == NULL ||
	    h->audit(req, "region.partner.create", "region_partner", id, NULL,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	partner_input_free(&in);
	h->resp_header(req, "Location", h->printf(req,
	    "/api/v1/regions/partners/%lld", (long long)id));
	kit_etag(h, req, 1);
	h->resp_json(req, 201, after);
	return 0;
refused:
	h->db_rollback(req);
	partner_input_free(&in);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "regions: partner create: %s",
	    sqlite3_errmsg(h->db(req)));
	partner_input_free(&in);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

/* PATCH /api/v1/regions/partners/{id} */
int
partner_patch(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct regions_state *)state)->host;
	int64_t id = h->req_param_id(req, "id"), claimed;
	json_t *body = h->req_json(req), *before = NULL, *after = NULL;
	struct partner_input in;
	const char *zh, *en;
	sqlite3_stmt *st;
	int rc;

	if ((rc = partner_read(h, req, body, 1, &in)) < 0)
		return rc == -1 ? 0 : -1;
	if (kit_require_version(h, req, body, &claimed) < 0) {
		partner_input_free(&in);
		return 0;
	}
	if (h->db_begin(req) < 0) {
		partner_input_free(&in);
		return -1;
	}
	if ((before = partner_load(h, req, id)) == NULL) {
		kit_not_found(h, req, "partner");
		goto refused;
	}
	if (json_integer_value(json_object_get(before, "version")) !=
	    claimed) {
		kit_conflict(h, req, "partner");
		goto refused;
	}
	zh = in.has_name_zh ? (in.name_zh ? in.name_zh : "") :
	    json_string_value(json_object_get(before, "name_zh"));
	en = in.has_name_en ? (in.name_en ? in.name_en : "") :
	    json_string_value(json_object_get(before, "name_en"));
	if (*zh == '\0' && *en == '\0') {
		kit_fail(h, req, in.has_name_zh ? "name_zh" : "name_en",
		    "a Chinese or an English name is required");
		goto refused;
	}
	if ((rc = partner_names_free(h, req, zh, en, id)) == -1)
		goto refused;
	if (rc < 0 || (st = h->db_prepare(req, "UPDATE region_partners SET"
	    " name_zh = ?2, name_en = ?3, kind = coalesce(?4, kind),"
	    " notes = coalesce(?5, notes), updated_at = ?6,"
	    " version = version + 1 WHERE id = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, zh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, en, -1, SQLITE_TRANSIENT);
	if (in.kind != NULL)
		sqlite3_bind_text(st, 4, in.kind, -1, SQLITE_STATIC);
	if (in.has_notes)
		sqlite3_bind_text(st, 5, in.notes ? in.notes : "", -1,
		    SQLITE_STATIC);
	sqlite3_bind_text(st, 6, kit_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	if (kit_exec(st) < 0 || partner_write_lists(h, req, id, &in) < 0 ||
	    (after = partner_load(h, req, id)) == NULL ||
	    h->audit(req, "region.partner.update", "region_partner", id,
	    before, after) < 0 || h->db_commit(req) < 0)
		goto fail;
	partner_input_free(&in);
	json_decref(before);
	kit_etag(h, req, json_integer_value(json_object_get(after,
	    "version")));
	h->resp_json(req, 200, after);
	return 0;
refused:
	h->db_rollback(req);
	partner_input_free(&in);
	json_decref(before);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "regions: partner %lld update: %s",
	    (long long)id, sqlite3_errmsg(h->db(req)));
	partner_input_free(&in);
	json_decref(before);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}
