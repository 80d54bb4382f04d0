/*
 * series -- expo series (智博会 Smart China Expo `sce`, 西洽会 Western
 * China International Fair `wcif`, ...): a code that clients use
 * (compare?series=sce) and its two names.  The code never changes once
 * created; the names may be corrected (PATCH, with a version).
 */
#include <string.h>

#include "expos.h"

#define SERIES_SELECT							\
	"SELECT s.id, s.code, s.name_zh, s.name_en, s.created_at,"	\
	" s.updated_at, s.version,"					\
	" (SELECT count(*) FROM expo_editions e WHERE e.series_id = s.id)" \
	" FROM expo_series s"

static json_t *
series_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "code", (const char *)sqlite3_column_text(st, 1),
	    "name_zh", (const char *)sqlite3_column_text(st, 2),
	    "name_en", (const char *)sqlite3_column_text(st, 3),
	    "created_at", (const char *)sqlite3_column_text(st, 4),
	    "updated_at", (const char *)sqlite3_column_text(st, 5),
	    "version", (json_int_t)sqlite3_column_int64(st, 6),
	    "editions", (json_int_t)sqlite3_column_int64(st, 7));
}

static json_t *
series_load(const struct bureau_host *h, struct bureau_req *req, int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, SERIES_SELECT " WHERE s.id = ?1")) ==
	    NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = series_row(st);
	sqlite3_reset(st);
	return o;
}

int64_t
series_id_by_code(const struct bureau_host *h, struct bureau_req *req,
    const char *code)
{
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if ((st = h->db_prepare(req,
	    "SELECT id FROM expo_series WHERE code = ?1")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) :
	    rc == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	return id;
}

/* GET /api/v1/expos/series */
int
series_list(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	sqlite3_stmt *st;
	json_t *items;

	if ((st = h->db_prepare(req, SERIES_SELECT " ORDER BY s.code")) ==
	    NULL || (items = kit_rows(st, series_row)) == NULL)
		return -1;
	h->resp_json(req, 200, json_pack("{s:I, s:o}", "total",
	    (json_int_t)json_array_size(items), "items", items));
	return 0;
}

static int
series_code_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 32 || s[0] < 'a' || s[0] > 'z')
		return -1;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return -1;
	return 0;
}

/* POST /api/v1/expos/series {"code", "name_zh", "name_en"} */
int
series_create(struct bureau_req *req, void *state)
{
	static const char *const fields[] = { "code", "name_zh", "name_en",
	    NULL };
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	json_t *body = h->req_json(req), *after = NULL;
	const char *code, *zh, *en, *now;
	sqlite3_stmt *st;
	int present, rc;
	int64_t id;

	if (kit_json_known(h, req, body, fields) < 0 ||
	    kit_json_text(h, req, body, "code", 32, 1, 0, &code,
	    &present) < 0 ||
	    kit_json_text(h, req, body, "name_zh", KIT_NAME_MAX, 1, 0, &zh,
	    &present) < 0 ||
	    kit_json_text(h, req, body, "name_en", KIT_NAME_MAX, 1, 0, &en,
	    &present) < 0)
		return 0;
	if (series_code_valid(code) < 0) {
		kit_fail(h, req, "code", "must be [a-z][a-z0-9_]{0,31}");
		return 0;
	}
	now = kit_timestamp(h, req);
	if (h->db_begin(req) < 0)
		return -1;
	if ((id = series_id_by_code(h, req, code)) < 0)
		goto fail;
	if (id > 0) {
		h->db_rollback(req);
		h->resp_error(req, 409, "duplicate", "code",
		    "a series with this code exists");
		return 0;
	}
	if ((st = h->db_prepare(req, "INSERT INTO expo_series(code, name_zh,"
	    " name_en, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)"))
	    == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, zh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, en, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	rc = kit_exec(st);
	id = sqlite3_last_insert_rowid(h->db(req));
	if (rc < 0 || (after = series_load(h, req, id)) == NULL ||
	    h->audit(req, "expo.series.create", "expo_series", id, NULL,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	h->resp_header(req, "Location",
	    h->printf(req, "/api/v1/expos/series/%lld", (long long)id));
	kit_etag(h, req, 1);
	h->resp_json(req, 201, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "expos: series create: %s",
	    sqlite3_errmsg(h->db(req)));
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

/* PATCH /api/v1/expos/series/{id} {"version", "name_zh", "name_en"} */
int
series_patch(struct bureau_req *req, void *state)
{
	static const char *const fields[] = { "version", "name_zh", "name_en",
	    NULL };
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t id = h->req_param_id(req, "id"), claimed;
	json_t *body = h->req_json(req), *before = NULL, *after = NULL;
	const char *zh, *en;
	int has_zh, has_en;
	sqlite3_stmt *st;

	if (kit_json_known(h, req, body, fields) < 0 ||
	    kit_json_text(h, req, body, "name_zh", KIT_NAME_MAX, 0, 0, &zh,
	    &has_zh) < 0 ||
	    kit_json_text(h, req, body, "name_en", KIT_NAME_MAX, 0, 0, &en,
	    &has_en) < 0)
		return 0;
	if ((has_zh && zh == NULL) || (has_en && en == NULL)) {
		kit_fail(h, req, has_zh && zh == NULL ? "name_zh" : "name_en",
		    "must not be null");
		return 0;
	}
	if (kit_require_version(h, req, body, &claimed) < 0)
		return 0;
	if (h->db_begin(req) < 0)
		return -1;
	if ((before = series_load(h, req, id)) == NULL) {
		h->db_rollback(req);
		kit_not_found(h, req, "expo series");
		return 0;
	}
	if (json_integer_value(json_object_get(before, "version")) !=
	    claimed) {
		h->db_rollback(req);
		json_decref(before);
		kit_conflict(h, req, "expo series");
		return 0;
	}
	if ((st = h->db_prepare(req, "UPDATE expo_series SET"
	    " name_zh = coalesce(?2, name_zh), name_en = coalesce(?3, name_en),"
	    " updated_at = ?4, version = version + 1 WHERE id = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (zh != NULL)
		sqlite3_bind_text(st, 2, zh, -1, SQLITE_STATIC);
	if (en != NULL)
		sqlite3_bind_text(st, 3, en, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, kit_timestamp(h, req), -1, SQLITE_TRANSIENT);
	if (kit_exec(st) < 0 || (after = series_load(h, req, id)) == NULL ||
	    h->audit(req, "expo.series.update", "expo_series", id, before,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	kit_etag(h, req, json_integer_value(json_object_get(after,
	    "version")));
	h->resp_json(req, 200, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "expos: series %lld update: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	json_decref(before);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}
