/*
 * problem -- the blockers of a project (problem register) and the list
 * of open problems across projects the coordination meeting works from.
 *
 * A problem is resolved only with a resolution note and a resolution
 * date; its escalation (district → bureau → municipal) only moves up,
 * because an issue handed to a higher level does not go back down.
 * Each problem carries its own version for concurrent edits.
 */
#include <string.h>

#include "projects.h"

#define DESC_MAX_CHARS	4000
#define OWNER_MAX_CHARS	200

/* Age in days: up to the resolution date, else up to today (:today). */
#define PROBLEM_AGE							\
	"CAST(julianday(coalesce(q.resolved_on, :today)) -"		\
	" julianday(q.opened_on) AS INTEGER)"

#define PROBLEM_SELECT							\
	"SELECT q.id, q.project_id, q.category, q.description, q.owner,"	\
	" q.status, q.opened_on, q.resolved_on, q.escalation,"		\
	" q.resolution, q.version, q.created_at, q.updated_at, "	\
	PROBLEM_AGE ", p.name_zh, p.name_en, p.district"		\
	" FROM project_problems q JOIN projects p ON p.id = q.project_id"

static json_t *
text_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	    json_string((const char *)sqlite3_column_text(st, i));
}

static json_t *
problem_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:s, "
	    "s:o, s:I, s:s, s:s, s:I, s:{s:s, s:s, s:o}}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "project_id", (json_int_t)sqlite3_column_int64(st, 1),
	    "category", (const char *)sqlite3_column_text(st, 2),
	    "description", (const char *)sqlite3_column_text(st, 3),
	    "owner", (const char *)sqlite3_column_text(st, 4),
	    "status", (const char *)sqlite3_column_text(st, 5),
	    "opened_on", (const char *)sqlite3_column_text(st, 6),
	    "resolved_on", text_or_null(st, 7),
	    "escalation", (const char *)sqlite3_column_text(st, 8),
	    "resolution", text_or_null(st, 9),
	    "version", (json_int_t)sqlite3_column_int64(st, 10),
	    "created_at", (const char *)sqlite3_column_text(st, 11),
	    "updated_at", (const char *)sqlite3_column_text(st, 12),
	    "age_days", (json_int_t)sqlite3_column_int64(st, 13),
	    "project", "name_zh", (const char *)sqlite3_column_text(st, 14),
	    "name_en", (const char *)sqlite3_column_text(st, 15),
	    "district", text_or_null(st, 16));
}

static void
bind_today(const struct bureau_host *h, struct bureau_req *req,
    sqlite3_stmt *st)
{
	char today[11];

	h->today(req, today);
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":today"),
	    today, -1, SQLITE_TRANSIENT);
}

static json_t *
problem_load(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id, int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, PROBLEM_SELECT
	    " WHERE q.id = :id AND q.project_id = :project")) == NULL)
		return NULL;
	bind_today(h, req, st);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":id"), id);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":project"),
	    project_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = problem_json(st);
	sqlite3_reset(st);
	return o;
}

static int
problem_project_exists(const struct bureau_host *h, struct bureau_req *req,
    int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req,
	    "SELECT 1 FROM projects WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* GET /api/v1/projects/{id}/problems */
int
problem_list(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id");
	json_t *items, *o;
	sqlite3_stmt *st;
	int rc;

	if ((rc = problem_project_exists(h, req, id)) < 0)
		return -1;
	if (rc == 0) {
		h->resp_error(req, 404, "not_found", NULL, "no such project");
		return 0;
	}
	if ((st = h->db_prepare(req, PROBLEM_SELECT
	    " WHERE q.project_id = :project ORDER BY q.id")) == NULL ||
	    (items = json_array()) == NULL)
		return -1;
	bind_today(h, req, st);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":project"),
	    id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = problem_json(st)) == NULL)
			break;
		json_array_append_new(items, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		return -1;
	}
	h->resp_json(req, 200, json_pack("{s:o, s:I}", "items", items,
	    "total", (json_int_t)json_array_size(items)));
	return 0;
}

/*
 * The resolution rules on the merged record: resolved needs a
 * resolution and a date not before the opening; an unresolved problem
 * has no resolution date; nothing is dated after today.
 */
static int
problem_check(const struct bureau_host *h, struct bureau_req *req,
    const char *status, const char *opened_on, const char *resolved_on,
    const char *resolution, int resolved_given)
{
	char today[11];

	h->today(req, today);
	if (strcmp(opened_on, today) > 0)
		return validate_fail(h, req, "opened_on",
		    "must not be in the future");
	if (strcmp(status, "resolved") == 0) {
		if (resolution == NULL || *resolution == '\0')
			return validate_fail(h, req, "resolution",
			    "resolving a problem needs a resolution note");
		if (resolved_on == NULL)
			return validate_fail(h, req, "resolved_on",
			    "resolving a problem needs its date");
		if (strcmp(resolved_on, opened_on) < 0)
			return validate_fail(h, req, "resolved_on",
			    "must not be before opened_on");
		if (strcmp(resolved_on, today) > 0)
			return validate_fail(h, req, "resolved_on",
			    "must not be in the future");
	} else if (resolved_given && resolved_on != NULL)
		return validate_fail(h, req, "resolved_on",
		    "only a resolved problem has a resolution date");
	return 0;
}

static const char *const problem_post_fields[] = {
	"category", "description", "owner", "status", "opened_on",
	"escalation", "resolution", "resolved_on", NULL
};

/* POST /api/v1/projects/{id}/problems */
int
problem_post(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id"), pid;
	json_t *body = h->req_json(req), *after = NULL;
	const char *category, *desc, *owner, *status, *opened, *esc, *res;
	const char *resolved, *now;
	char today[11];
	sqlite3_stmt *st;
	int present, has_resolved, rc;

	if (validate_json_known(h, req, body, problem_post_fields) < 0 ||
	    validate_json_enum(h, req, body, "category",
	    projects_problem_categories, 1, &category, &present) ||
	    validate_json_text(h, req, body, "description", DESC_MAX_CHARS, 1,
	    0, &desc, &present) ||
	    validate_json_text(h, req, body, "owner", OWNER_MAX_CHARS, 0, 1,
	    &owner, &present) ||
	    validate_json_enum(h, req, body, "status",
	    projects_problem_statuses, 0, &status, &present) ||
	    validate_json_date(h, req, body, "opened_on", 0, &opened,
	    &present) ||
	    validate_json_enum(h, req, body, "escalation",
	    projects_escalations, 0, &esc, &present) ||
	    validate_json_text(h, req, body, "resolution", DESC_MAX_CHARS, 0,
	    1, &res, &present) ||
	    validate_json_date(h, req, body, "resolved_on", 0, &resolved,
	    &has_resolved))
		return 0;
	h->today(req, today);
	if (status == NULL)
		status = "open";
	if (opened == NULL)
		opened = today;
	if (esc == NULL)
		esc = "district";
	if (problem_check(h, req, status, opened, resolved, res,
	    has_resolved) < 0)
		return 0;
	now = project_timestamp(h, req);

	if (h->db_begin(req) < 0)
		return -1;
	if ((rc = problem_project_exists(h, req, id)) < 0)
		goto fail;
	if (rc == 0) {
		h->db_rollback(req);
		h->resp_error(req, 404, "not_found", NULL, "no such project");
		return 0;
	}
	if ((st = h->db_prepare(req, "INSERT INTO project_problems("
	    "project_id, category, description, owner, status, opened_on, "
	    "resolved_on, escalation, resolution, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, desc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, owner ? owner : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, opened, -1, SQLITE_TRANSIENT);
	if (strcmp(status, "resolved") == 0)
		sqlite3_bind_text(st, 7, resolved, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_text(st, 8, esc, -1, SQLITE_STATIC);
	if (res != NULL)
		sqlite3_bind_text(st, 9, res, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	pid = sqlite3_last_insert_rowid(h->db(req));
	if ((after = problem_load(h, req, id, pid)) == NULL ||
	    h->audit(req, "problem.create", "problem", pid, NULL, after) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	h->resp_header(req, "Location", h->printf(req,
	    "/api/v1/projects/%lld/problems/%lld", (long long)id,
	    (long long)pid));
	project_etag(h, req, 1);
	h->resp_json(req, 201, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: problem create: %s",
	    sqlite3_errmsg(h->db(req)));
	h->db_rollback(req);
	json_decref(after);
	return -1;
}

static const char *const problem_patch_fields[] = {
	"category", "description", "owner", "status", "opened_on",
	"escalation", "resolution", "resolved_on", "version", NULL
};

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* PATCH /api/v1/projects/{id}/problems/{pid} */
int
problem_patch(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id");
	int64_t pid = h->req_param_id(req, "pid"), version = 0;
	json_t *body = h->req_json(req), *before = NULL, *after = NULL;
	const char *category, *desc, *owner, *status, *opened, *esc, *res;
	const char *resolved;
	sqlite3_stmt *st;
	int p_cat, p_desc, p_owner, p_status, p_opened, p_esc, p_res;
	int p_resolved, p_version, rc;

	if (validate_json_known(h, req, body, problem_patch_fields) < 0 ||
	    validate_json_enum(h, req, body, "category",
	    projects_problem_categories, 0, &category, &p_cat) ||
	    validate_json_text(h, req, body, "description", DESC_MAX_CHARS, 0,
	    0, &desc, &p_desc) ||
	    validate_json_text(h, req, body, "owner", OWNER_MAX_CHARS, 0, 1,
	    &owner, &p_owner) ||
	    validate_json_enum(h, req, body, "status",
	    projects_problem_statuses, 0, &status, &p_status) ||
	    validate_json_date(h, req, body, "opened_on", 0, &opened,
	    &p_opened) ||
	    validate_json_enum(h, req, body, "escalation",
	    projects_escalations, 0, &esc, &p_esc) ||
	    validate_json_text(h, req, body, "resolution", DESC_MAX_CHARS, 0,
	    1, &res, &p_res) ||
	    validate_json_date(h, req, body, "resolved_on", 0, &resolved,
	    &p_resolved) ||
	    validate_json_amount(h, req, body, "version", 1, INT64_MAX, 0,
	    &version, &p_version))
		return 0;
	if ((p_desc && desc == NULL) || (p_opened && opened == NULL)) {
		validate_fail(h, req, p_desc && desc == NULL ? "description" :
		    "opened_on", "must not be null");
		return 0;
	}
	if (!p_version) {
		if (projects_if_match(h, req, &version) < 0) {
			validate_fail(h, req, "version", "If-Match must be an "
			    "ETag of this problem");
			return 0;
		}
		p_version = version > 0;
	}
	if (!p_version) {
		validate_fail(h, req, "version", "is required (or If-Match)");
		return 0;
	}

	if (h->db_begin(req) < 0)
		return -1;
	if ((before = problem_load(h, req, id, pid)) == NULL) {
		h->db_rollback(req);
		h->resp_error(req, 404, "not_found", NULL, "no such problem");
		return 0;
	}
	if (json_integer_value(json_object_get(before, "version")) !=
	    version) {
		h->resp_error(req, 409, "conflict", "version", "the problem "
		    "was changed by someone else; reload it and retry");
		goto refused;
	}
	if (!p_cat)
		category = jstr(before, "category");
	if (!p_desc)
		desc = jstr(before, "description");
	if (!p_owner)
		owner = jstr(before, "owner");
	else if (owner == NULL)
		owner = "";
	if (!p_status)
		status = jstr(before, "status");
	if (!p_opened)
		opened = jstr(before, "opened_on");
	if (!p_esc)
		esc = jstr(before, "escalation");
	else if (validate_enum_index(projects_escalations, esc) <
	    validate_enum_index(projects_escalations,
	    jstr(before, "escalation"))) {
		validate_fail(h, req, "escalation", "escalation only moves "
		    "up: district, bureau, municipal");
		goto refused;
	}
	if (!p_res)
		res = jstr(before, "resolution");
	if (!p_resolved)
		resolved = jstr(before, "resolved_on");
	if (strcmp(status, "resolved") != 0 && !p_resolved)
		resolved = NULL;	/* reopening clears the date */
	if (problem_check(h, req, status, opened, resolved, res,
	    p_resolved) < 0)
		goto refused;

	if ((st = h->db_prepare(req, "UPDATE project_problems SET "
	    "category = ?2, description = ?3, owner = ?4, status = ?5, "
	    "opened_on = ?6, resolved_on = ?7, escalation = ?8, "
	    "resolution = ?9, updated_at = ?10, version = version + 1 "
	    "WHERE id = ?1 AND version = ?11")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, category, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, desc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, owner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, opened, -1, SQLITE_TRANSIENT);
	if (resolved != NULL)
		sqlite3_bind_text(st, 7, resolved, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 7);
	sqlite3_bind_text(st, 8, esc, -1, SQLITE_TRANSIENT);
	if (res != NULL)
		sqlite3_bind_text(st, 9, res, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_text(st, 10, project_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 11, version);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sqlite3_changes(h->db(req)) != 1)
		goto fail;
	if ((after = problem_load(h, req, id, pid)) == NULL ||
	    h->audit(req, "problem.update", "problem", pid, before, after) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	project_etag(h, req, json_integer_value(json_object_get(after,
	    "version")));
	h->resp_json(req, 200, after);
	return 0;
refused:
	h->db_rollback(req);
	json_decref(before);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: problem update: %s",
	    sqlite3_errmsg(h->db(req)));
	h->db_rollback(req);
	json_decref(before);
	json_decref(after);
	return -1;
}

#define PROBLEM_FILTER							\
	" WHERE (:status = 'all' OR (:status = 'unresolved' AND"	\
	"   q.status <> 'resolved') OR q.status = :status)"		\
	" AND (:category IS NULL OR q.category = :category)"		\
	" AND (:district IS NULL OR p.district = :district)"		\
	" AND (:escalation IS NULL OR q.escalation = :escalation)"	\
	" AND (:project IS NULL OR q.project_id = :project)"		\
	" AND (:min_age IS NULL OR " PROBLEM_AGE " >= :min_age)"

static void
bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i == 0)
		return;
	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_named_int(sqlite3_stmt *st, const char *name, int64_t v, int null)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i == 0)
		return;
	if (null)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

static const char *
query_nonempty(const struct bureau_host *h, struct bureau_req *req,
    const char *name)
{
	const char *v = h->req_query(req, name);

	return v == NULL || *v == '\0' ? NULL : v;
}

/* GET /api/v1/problems: unresolved problems across projects by default,
 * oldest first. */
int
problem_list_all(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	const char *status, *category, *district, *esc, *v;
	int64_t min_age = 0, project = 0, limit = 50, offset = 0, total;
	json_t *items = NULL, *o;
	sqlite3_stmt *st = NULL, *cnt;
	int rc, i;

	status = query_nonempty(h, req, "status");
	if (status == NULL)
		status = "unresolved";
	else if (strcmp(status, "all") != 0 && strcmp(status,
	    "unresolved") != 0 &&
	    validate_enum_index(projects_problem_statuses, status) < 0) {
		validate_fail(h, req, "status", "must be open, in_progress, "
		    "resolved, unresolved or all");
		return 0;
	}
	category = query_nonempty(h, req, "category");
	if (category != NULL &&
	    validate_enum_index(projects_problem_categories, category) < 0) {
		validate_fail(h, req, "category", "unknown category");
		return 0;
	}
	esc = query_nonempty(h, req, "escalation");
	if (esc != NULL && validate_enum_index(projects_escalations, esc) < 0) {
		validate_fail(h, req, "escalation", "unknown escalation level");
		return 0;
	}
	district = query_nonempty(h, req, "district");
	if (district != NULL) {
		if ((rc = validate_ref_exists(h, req, "proj_districts",
		    district)) < 0)
			return -1;
		if (rc == 0) {
			validate_fail(h, req, "district", "unknown code");
			return 0;
		}
	}
	if ((v = query_nonempty(h, req, "min_age_days")) != NULL &&
	    validate_parse_int(v, 0, 100000, &min_age) < 0) {
		validate_fail(h, req, "min_age_days",
		    "must be a non-negative integer");
		return 0;
	}
	if ((v = query_nonempty(h, req, "project_id")) != NULL &&
	    validate_parse_int(v, 1, INT64_MAX, &project) < 0) {
		validate_fail(h, req, "project_id", "must be a project id");
		return 0;
	}
	if ((v = query_nonempty(h, req, "limit")) != NULL &&
	    validate_parse_int(v, 1, 200, &limit) < 0) {
		validate_fail(h, req, "limit", "must be 1..200");
		return 0;
	}
	if ((v = query_nonempty(h, req, "offset")) != NULL &&
	    validate_parse_int(v, 0, INT64_MAX, &offset) < 0) {
		validate_fail(h, req, "offset", "must be a non-negative integer");
		return 0;
	}

	if ((cnt = h->db_prepare(req, "SELECT count(*) FROM project_problems q"
	    " JOIN projects p ON p.id = q.project_id" PROBLEM_FILTER)) == NULL ||
	    (st = h->db_prepare(req, PROBLEM_SELECT PROBLEM_FILTER
	    " ORDER BY q.opened_on, q.id LIMIT :limit OFFSET :offset")) == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		sqlite3_stmt *s = i == 0 ? cnt : st;

		bind_today(h, req, s);
		bind_named_text(s, ":status", status);
		bind_named_text(s, ":category", category);
		bind_named_text(s, ":district", district);
		bind_named_text(s, ":escalation", esc);
		bind_named_int(s, ":project", project, project == 0);
		bind_named_int(s, ":min_age", min_age,
		    query_nonempty(h, req, "min_age_days") == NULL);
		bind_named_int(s, ":limit", limit, 0);
		bind_named_int(s, ":offset", offset, 0);
	}
	if (sqlite3_step(cnt) != SQLITE_ROW) {
		sqlite3_reset(cnt);
		return -1;
	}
	total = sqlite3_column_int64(cnt, 0);
	sqlite3_reset(cnt);
	if ((items = json_array()) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = problem_json(st)) == NULL)
			break;
		json_array_append_new(items, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		return -1;
	}
	h->resp_json(req, 200, json_pack("{s:o, s:I, s:I, s:I}", "items",
	    items, "total", (json_int_t)total, "limit", (json_int_t)limit,
	    "offset", (json_int_t)offset));
	return 0;
}
