/*
 * stage -- a project's stage history and the rules for moving it.
 *
 * Each change is a dated entry (from, to, effective_on, recorded_at,
 * actor, reason); projects.stage caches the latest entry's to_stage.
 * The stage as of a date D is the to_stage of the latest entry with
 * effective_on <= D, ties by id; effective dates never go backwards, so
 * the latest entry by id is also the latest by date.
 *
 * Moves: forward one step at a time along lead → negotiating → signed →
 * under_construction → in_operation, where `signed` is reached only by
 * the first contract entry (ledger.c); cancelled from any stage before
 * in_operation; any backward move (and reviving a cancelled project)
 * needs a reason.
 */
#include <string.h>

#include "projects.h"

enum { ST_LEAD, ST_NEGOTIATING, ST_SIGNED, ST_CONSTRUCTION, ST_OPERATION,
    ST_CANCELLED };

int64_t
project_actor(const struct bureau_host *h, struct bureau_req *req)
{
	const struct bureau_user *u = h->req_user(req);

	return u != NULL && u->id > 0 ? u->id : 0;
}

int
stage_record(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id, const char *from, const char *to,
    const char *effective_on, const char *reason)
{
	sqlite3_stmt *st;
	int64_t actor = project_actor(h, req);
	int rc;

	if ((st = h->db_prepare(req, "INSERT INTO project_stages(project_id, "
	    "from_stage, to_stage, effective_on, recorded_at, actor_id, "
	    "reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	if (from != NULL)
		sqlite3_bind_text(st, 2, from, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, effective_on, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, project_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	if (actor > 0)
		sqlite3_bind_int64(st, 6, actor);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, reason ? reason : "", -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	if ((st = h->db_prepare(req,
	    "UPDATE projects SET stage = ?2 WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
stage_last_effective(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id, char out[11])
{
	sqlite3_stmt *st;
	const unsigned char *d;
	int rc;

	out[0] = '\0';
	if ((st = h->db_prepare(req, "SELECT max(effective_on) FROM "
	    "project_stages WHERE project_id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (d = sqlite3_column_text(st, 0)) != NULL) {
		strncpy(out, (const char *)d, 10);
		out[10] = '\0';
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* 1 when the project has its signing entry, 0 not, -1 error. */
static int
stage_has_signing(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, "SELECT 1 FROM project_contracts WHERE "
	    "project_id = ?1 AND kind = 'signing'")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static json_t *
stage_entry_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:s}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "project_id", (json_int_t)sqlite3_column_int64(st, 1),
	    "from", sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null() :
	    json_string((const char *)sqlite3_column_text(st, 2)),
	    "to", (const char *)sqlite3_column_text(st, 3),
	    "effective_on", (const char *)sqlite3_column_text(st, 4),
	    "recorded_at", (const char *)sqlite3_column_text(st, 5),
	    "actor_id", sqlite3_column_type(st, 6) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 6)),
	    "actor_name", sqlite3_column_type(st, 7) == SQLITE_NULL ?
	    json_null() : json_string((const char *)
	    sqlite3_column_text(st, 7)),
	    "reason", (const char *)sqlite3_column_text(st, 8));
}

#define STAGE_SELECT							\
	"SELECT s.id, s.project_id, s.from_stage, s.to_stage,"		\
	" s.effective_on, s.recorded_at, s.actor_id, u.display_name,"	\
	" s.reason FROM project_stages s"				\
	" LEFT JOIN users u ON u.id = s.actor_id"

/* GET /api/v1/projects/{id}/stage[?as_of=YYYY-MM-DD] */
int
stage_list(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id");
	const char *as_of = h->req_query(req, "as_of"), *cur = NULL;
	json_t *items = NULL, *o, *body;
	sqlite3_stmt *st;
	int rc;

	if (as_of != NULL && validate_date(as_of) < 0) {
		validate_fail(h, req, "as_of", "must be a date YYYY-MM-DD");
		return 0;
	}
	if ((st = h->db_prepare(req, "SELECT stage FROM projects WHERE "
	    "id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		cur = h->strdup(req, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (cur == NULL) {
		h->resp_error(req, 404, "not_found", NULL, "no such project");
		return 0;
	}
	if ((st = h->db_prepare(req, STAGE_SELECT " WHERE s.project_id = ?1 "
	    "ORDER BY s.effective_on, s.id")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((items = json_array()) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = stage_entry_json(st)) == NULL)
			goto fail;
		json_array_append_new(items, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	body = json_pack("{s:s, s:o, s:I}", "stage", cur, "items", items,
	    "total", (json_int_t)json_array_size(items));
	items = NULL;
	if (body == NULL)
		return -1;
	if (as_of != NULL) {
		if ((st = h->db_prepare(req, "SELECT to_stage FROM "
		    "project_stages WHERE project_id = ?1 AND effective_on <= "
		    "?2 ORDER BY effective_on DESC, id DESC LIMIT 1")) == NULL) {
			json_decref(body);
			return -1;
		}
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, as_of, -1, SQLITE_STATIC);
		json_object_set_new(body, "as_of", json_string(as_of));
		json_object_set_new(body, "stage_as_of",
		    sqlite3_step(st) == SQLITE_ROW ? json_string((const char *)
		    sqlite3_column_text(st, 0)) : json_null());
		sqlite3_reset(st);
	}
	h->resp_json(req, 200, body);
	return 0;
fail:
	sqlite3_reset(st);
	json_decref(items);
	return -1;
}

static const char *const stage_post_fields[] = {
	"to", "effective_on", "reason", NULL
};

/*
 * Checks a move; answers and returns -1 when refused, -2 on an internal
 * error, 0 when allowed.
 */
static int
stage_check_move(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, int from, int to, const char *reason)
{
	int backward, signing;

	if (from == to) {
		h->resp_error(req, 409, "invalid_transition", "to",
		    "the project is already at this stage");
		return -1;
	}
	if (to == ST_CANCELLED) {
		if (from == ST_OPERATION) {
			h->resp_error(req, 409, "invalid_transition", "to",
			    "a project in operation cannot be cancelled");
			return -1;
		}
		return 0;
	}
	backward = from == ST_CANCELLED || to < from;
	if (backward && (reason == NULL || *reason == '\0'))
		return validate_fail(h, req, "reason",
		    "a backward move needs a reason");
	if (!backward && to != from + 1) {
		h->resp_error(req, 409, "invalid_transition", "to",
		    "forward moves go one stage at a time: lead, negotiating, "
		    "signed, under_construction, in_operation");
		return -1;
	}
	if (to >= ST_SIGNED) {
		if ((signing = stage_has_signing(h, req, id)) < 0)
			return -2;
		if (!signing) {
			h->resp_error(req, 409, "invalid_transition", "to",
			    "a project becomes signed through its first "
			    "contract entry (POST /api/v1/projects/{id}/"
			    "contracts)");
			return -1;
		}
	}
	return 0;
}

/* POST /api/v1/projects/{id}/stage {"to", "effective_on", "reason"} */
int
stage_post(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id");
	json_t *body = h->req_json(req), *before = NULL, *after = NULL;
	json_t *resp = NULL;
	const char *to, *eff, *reason, *from;
	char today[11], last[11];
	int present, rc;

	if (validate_json_known(h, req, body, stage_post_fields) < 0 ||
	    validate_json_enum(h, req, body, "to", projects_stages, 1, &to,
	    &present) ||
	    validate_json_date(h, req, body, "effective_on", 0, &eff,
	    &present) ||
	    validate_not_future(h, req, "effective_on", eff) ||
	    validate_json_text(h, req, body, "reason", 1000, 0, 1, &reason,
	    &present))
		return 0;
	if (eff == NULL) {
		h->today(req, today);
		eff = today;
	}

	if (h->db_begin(req) < 0)
		return -1;
	if ((before = project_load_json(h, req, id)) == NULL) {
		h->db_rollback(req);
		h->resp_error(req, 404, "not_found", NULL, "no such project");
		return 0;
	}
	from = json_string_value(json_object_get(before, "stage"));
	rc = stage_check_move(h, req, id,
	    validate_enum_index(projects_stages, from),
	    validate_enum_index(projects_stages, to), reason);
	if (rc == -2)
		goto fail;
	if (rc < 0)
		goto refused;
	if (stage_last_effective(h, req, id, last) < 0)
		goto fail;
	if (strcmp(eff, last) < 0) {
		validate_fail(h, req, "effective_on", h->printf(req,
		    "must not be before the previous entry's date %s", last));
		goto refused;
	}
	if (report_rollup_project(h, req, id, -1) < 0 ||
	    stage_record(h, req, id, from, to, eff, reason) < 0 ||
	    report_rollup_project(h, req, id, +1) < 0 ||
	    project_touch(h, req, id) < 0 ||
	    (after = project_load_json(h, req, id)) == NULL)
		goto fail;
	resp = json_pack("{s:{s:s, s:s, s:s, s:s}, s:o}", "entry", "from",
	    from, "to", to, "effective_on", eff, "reason",
	    reason ? reason : "", "project", after);
	after = NULL;
	if (resp == NULL ||
	    h->audit(req, "project.stage", "project", id, before, resp) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	project_etag(h, req, json_integer_value(json_object_get(
	    json_object_get(resp, "project"), "version")));
	h->resp_json(req, 201, resp);
	return 0;
refused:
	h->db_rollback(req);
	json_decref(before);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: stage %lld: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	h->db_rollback(req);
	json_decref(before);
	json_decref(after);
	json_decref(resp);
	return -1;
}
