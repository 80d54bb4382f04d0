/*
 * project -- create, read, update and delete a project record.
 *
 * Every write is one transaction: the row, its first stage entry, its
 * key levels, its search index entry and the audit entry commit
 * together or not at all.  Concurrent edits are refused, never merged:
 * a PATCH names the version it read (body "version" or If-Match) and a
 * stale one is answered 409 conflict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "projects.h"

#define NAME_MAX_CHARS		200
#define NOTES_MAX_CHARS		4000

/* What a POST or PATCH body says; a field is used only when present. */
struct project_input {
	const char	*name_zh, *name_en, *investor, *investor_type;
	const char	*source_region, *industry_chain, *district, *stage;
	const char	*notes;
	const char	*stage_effective_on;	/* POST: the first entry's date */
	int64_t		 officer_id;	/* 0: none (JSON null) */
	int64_t		 version;
	json_t		*key_levels;	/* borrowed from the body */
	int		 has_name_zh, has_name_en, has_investor;
	int		 has_investor_type, has_source_region;
	int		 has_industry_chain, has_district, has_stage;
	int		 has_notes, has_officer, has_version;
};

const char *
project_timestamp(const struct bureau_host *h, struct bureau_req *req)
{
	time_t t = (time_t)h->now(req);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return "1970-01-01T00:00:00Z";
	return h->strdup(req, buf);
}

int
project_etag(const struct bureau_host *h, struct bureau_req *req,
    int64_t version)
{
	return h->resp_header(req, "ETag",
	    h->printf(req, "\"%lld\"", (long long)version));
}

json_t *
project_load_json(const struct bureau_host *h, struct bureau_req *req,
    int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, PROJECTS_SELECT " WHERE p.id = ?1"))
	    == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = project_row_json(st);
	sqlite3_reset(st);
	return o;
}

int
project_touch(const struct bureau_host *h, struct bureau_req *req,
    int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, "UPDATE projects SET version = version "
	    "+ 1, updated_at = ?2 WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, project_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A reference field: absent, null (clears it) or an existing code.
 * -1 answered, -2 internal. */
static int
project_read_ref(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, const char *field, const char *table, const char **out,
    int *present)
{
	int rc;

	if (validate_json_text(h, req, body, field, 64, 0, 0, out, present))
		return -1;
	if (*out == NULL)
		return 0;
	if ((rc = validate_ref_exists(h, req, table, *out)) < 0)
		return -2;
	if (rc == 0)
		return validate_fail(h, req, field, "unknown code");
	return 0;
}

/* {"2021": "municipal", "2020": "none"}: years 2000..2100. */
static int
project_read_key_levels(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, json_t **out)
{
	json_t *kl = json_object_get(body, "key_levels"), *v;
	const char *year;
	int64_t y;

	*out = NULL;
	if (kl == NULL || json_is_null(kl))
		return 0;
	if (!json_is_object(kl))
		return validate_fail(h, req, "key_levels", "must be an object "
		    "of year to none, district or municipal");
	json_object_foreach(kl, year, v) {
		if (strlen(year) != 4 ||
		    validate_parse_int(year, 2000, 2100, &y) < 0)
			return validate_fail(h, req, "key_levels",
			    "keys must be years 2000..2100");
		if (!json_is_string(v) || validate_enum_index(
		    projects_key_levels, json_string_value(v)) < 0)
			return validate_fail(h, req, "key_levels",
			    "values must be none, district or municipal");
	}
	*out = kl;
	return 0;
}

static const char *const project_post_fields[] = {
	"name_zh", "name_en", "investor", "investor_type", "source_region",
	"industry_chain", "district", "stage", "officer_id", "notes",
	"key_levels", "stage_effective_on", NULL
};
static const char *const project_patch_fields[] = {
	"name_zh", "name_en", "investor", "investor_type", "source_region",
	"industry_chain", "district", "stage", "officer_id", "notes",
	"key_levels", "version", NULL
};

/* -1 answered (400), -2 internal error. */
static int
project_read_input(const struct bureau_host *h, struct bureau_req *req,
    json_t *body, int patch, struct project_input *in)
{
	json_t *v;
	int rc, present;
	int64_t n;

	memset(in, 0, sizeof(*in));
	if (validate_json_known(h, req, body,
	    patch ? project_patch_fields : project_post_fields) < 0)
		return -1;
	if (validate_json_text(h, req, body, "name_zh", NAME_MAX_CHARS, 0, 1,
	    &in->name_zh, &in->has_name_zh) ||
	    validate_json_text(h, req, body, "name_en", NAME_MAX_CHARS, 0, 1,
	    &in->name_en, &in->has_name_en) ||
	    validate_json_text(h, req, body, "investor", NAME_MAX_CHARS,
	    !patch, 0, &in->investor, &in->has_investor) ||
	    validate_json_enum(h, req, body, "investor_type",
	    projects_investor_types, !patch, &in->investor_type,
	    &in->has_investor_type))
		return -1;
	if (patch && in->has_investor && in->investor == NULL)
		return validate_fail(h, req, "investor", "must not be null");
	if (patch && json_is_null(json_object_get(body, "investor_type")))
		return validate_fail(h, req, "investor_type",
		    "must not be null");
	if ((rc = project_read_ref(h, req, body, "source_region",
	    "proj_source_regions", &in->source_region,
	    &in->has_source_region)) < 0 ||
	    (rc = project_read_ref(h, req, body, "industry_chain",
	    "proj_industry_chains", &in->industry_chain,
	    &in->has_industry_chain)) < 0 ||
	    (rc = project_read_ref(h, req, body, "district",
	    "proj_districts", &in->district, &in->has_district)) < 0)
		return rc;
	if (json_object_get(body, "stage") != NULL) {
		if (patch)
			return validate_fail(h, req, "stage", "the stage "
			    "changes through POST /api/v1/projects/{id}/stage");
		if (validate_json_enum(h, req, body, "stage", projects_stages,
		    0, &in->stage, &in->has_stage))
			return -1;
		if (in->stage != NULL && strcmp(in->stage, "lead") != 0 &&
		    strcmp(in->stage, "negotiating") != 0)
			return validate_fail(h, req, "stage", "a new project "
			    "starts as lead or negotiating; signed comes with "
			    "its first contract entry");
	}
	if ((v = json_object_get(body, "officer_id")) != NULL) {
		in->has_officer = 1;
		if (!json_is_null(v)) {
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return validate_fail(h, req, "officer_id",
				    "must be a user id or null");
			in->officer_id = json_integer_value(v);
			/* The officer answers for the project: someone who
			 * can still sign in and edit it. */
			if ((rc = validate_officer(h, req,
			    in->officer_id)) < 0)
				return -2;
			if (rc == 0)
				return validate_fail(h, req, "officer_id",
				    "no such user");
			if (rc == 2)
				return validate_fail(h, req, "officer_id",
				    "must be an active admin or officer (not "
				    "a viewer, an auditor or a deactivated "
				    "account)");
		}
	}
	if (validate_json_text(h, req, body, "notes", NOTES_MAX_CHARS, 0, 1,
	    &in->notes, &in->has_notes))
		return -1;
	if (in->has_notes && in->notes == NULL)
		in->notes = "";
	if (project_read_key_levels(h, req, body, &in->key_levels) < 0)
		return -1;
	/* A project entered after the fact dates its first stage entry
	 * back; later entries may not precede it. */
	if (!patch && (validate_json_date(h, req, body, "stage_effective_on",
	    0, &in->stage_effective_on, &present) ||
	    validate_not_future(h, req, "stage_effective_on",
	    in->stage_effective_on)))
		return -1;
	if (patch) {
		if (validate_json_amount(h, req, body, "version", 1, INT64_MAX,
		    0, &n, &present))
			return -1;
		in->has_version = present;
		in->version = n;
	}
	return 0;
}

int
projects_if_match(const struct bureau_host *h, struct bureau_req *req,
    int64_t *out)
{
	const char *im;
	char buf[32];
	size_t n;

	*out = 0;
	if ((im = h->req_header(req, "If-Match")) == NULL)
		return 0;
	if (strncmp(im, "W/", 2) == 0)
		im += 2;
	n = strlen(im);
	if (n >= 2 && im[0] == '"' && im[n - 1] == '"') {
		im++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, im, n);
	buf[n] = '\0';
	return validate_parse_int(buf, 1, INT64_MAX, out);
}

/* The version a PATCH or DELETE claims: body, else If-Match.  0 when
 * none; -1 when If-Match is unreadable. */
static int
project_claimed_version(const struct bureau_host *h, struct bureau_req *req,
    const struct project_input *in, int64_t *out)
{
	*out = 0;
	if (in != NULL && in->has_version) {
		*out = in->version;
		return 0;
	}
	return projects_if_match(h, req, out);
}

static int
project_write_key_levels(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, json_t *kl)
{
	sqlite3_stmt *del, *ins;
	const char *year;
	json_t *v;
	int rc;

	if (kl == NULL)
		return 0;
	if ((del = h->db_prepare(req, "DELETE FROM project_key_levels WHERE "
	    "project_id = ?1 AND year = ?2")) == NULL ||
	    (ins = h->db_prepare(req, "INSERT INTO project_key_levels("
	    "project_id, year, level) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	json_object_foreach(kl, year, v) {
		sqlite3_bind_int64(del, 1, id);
		sqlite3_bind_int(del, 2, atoi(year));
		rc = sqlite3_step(del);
		sqlite3_reset(del);
		if (rc != SQLITE_DONE)
			return -1;
		if (strcmp(json_string_value(v), "none") == 0)
			continue;	/* no row means none */
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_int(ins, 2, atoi(year));
		sqlite3_bind_text(ins, 3, json_string_value(v), -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(ins);
		sqlite3_reset(ins);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static int
project_not_found(const struct bureau_host *h, struct bureau_req *req)
{
	h->resp_error(req, 404, "not_found", NULL, "no such project");
	return 0;
}

/* POST /api/v1/projects */
int
project_create(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	struct project_input in;
	sqlite3_stmt *st;
	const char *now, *stage;
	json_t *after = NULL;
	char today[11];
	int64_t id;
	int rc;

	if ((rc = project_read_input(h, req, h->req_json(req), 0, &in)) < 0)
		return rc == -1 ? 0 : -1;
	if ((in.name_zh == NULL || *in.name_zh == '\0') &&
	    (in.name_en == NULL || *in.name_en == '\0')) {
		validate_fail(h, req, "name_zh",
		    "a Chinese or an English name is required");
		return 0;
	}
	stage = in.stage != NULL ? in.stage : "lead";
	now = project_timestamp(h, req);
	h->today(req, today);

	if (h->db_begin(req) < 0)
		return -1;
	if ((st = h->db_prepare(req, "INSERT INTO projects(name_zh, name_en, "
	    "investor, investor_type, source_region, industry_chain, "
	    "district, stage, officer_id, notes, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)"))
	    == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, in.name_zh ? in.name_zh : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in.name_en ? in.name_en : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in.investor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, in.investor_type, -1, SQLITE_STATIC);
	bind_text_or_null(st, 5, in.source_region);
	bind_text_or_null(st, 6, in.industry_chain);
	bind_text_or_null(st, 7, in.district);
	/* The stage column follows the history: stage_record sets it. */
	sqlite3_bind_text(st, 8, "lead", -1, SQLITE_STATIC);
	if (in.officer_id > 0)
		sqlite3_bind_int64(st, 9, in.officer_id);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_text(st, 10, in.notes ? in.notes : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(h->db(req));
	if (stage_record(h, req, id, NULL, stage, in.stage_effective_on ?
	    in.stage_effective_on : today, "") < 0 ||
	    project_write_key_levels(h, req, id, in.key_levels) < 0 ||
	    report_rollup_project(h, req, id, +1) < 0 ||
	    search_index(h, req, id) < 0 ||
	    (after = project_load_json(h, req, id)) == NULL ||
	    h->audit(req, "project.create", "project", id, NULL, after) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	h->resp_header(req, "Location",
	    h->printf(req, "/api/v1/projects/%lld", (long long)id));
	project_etag(h, req, 1);
	h->resp_json(req, 201, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: create: %s",
	    sqlite3_errmsg(h->db(req)));
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

/* GET /api/v1/projects/{id} */
int
project_get(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id");
	json_t *o;

	if ((o = project_load_json(h, req, id)) == NULL)
		return project_not_found(h, req);
	project_etag(h, req, json_integer_value(json_object_get(o,
	    "version")));
	h->resp_json(req, 200, o);
	return 0;
}

static const char *
json_str_or_null(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* PATCH /api/v1/projects/{id} */
int
project_patch(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id"), claimed, officer;
	struct project_input in;
	json_t *before = NULL, *after = NULL, *ov;
	const char *zh, *en;
	sqlite3_stmt *st;
	int rc;

	if ((rc = project_read_input(h, req, h->req_json(req), 1, &in)) < 0)
		return rc == -1 ? 0 : -1;
	if (project_claimed_version(h, req, &in, &claimed) < 0) {
		validate_fail(h, req, "version", "If-Match must be an ETag "
		    "of this project");
		return 0;
	}
	if (claimed == 0) {
		validate_fail(h, req, "version", "is required (or If-Match)");
		return 0;
	}

	if (h->db_begin(req) < 0)
		return -1;
	if ((before = project_load_json(h, req, id)) == NULL) {
		h->db_rollback(req);
		return project_not_found(h, req);
	}
	if (json_integer_value(json_object_get(before, "version")) !=
	    claimed) {
		h->db_rollback(req);
		json_decref(before);
		h->resp_error(req, 409, "conflict", "version", "the project "
		    "was changed by someone else; reload it and retry");
		return 0;
	}
	zh = in.has_name_zh ? (in.name_zh ? in.name_zh : "") :
	    json_str_or_null(before, "name_zh");
	en = in.has_name_en ? (in.name_en ? in.name_en : "") :
	    json_str_or_null(before, "name_en");
	if (*zh == '\0' && *en == '\0') {
		h->db_rollback(req);
		json_decref(before);
		validate_fail(h, req, in.has_name_zh ? "name_zh" : "name_en",
		    "a Chinese or an English name is required");
		return 0;
	}
	ov = json_object_get(before, "officer_id");
	officer = in.has_officer ? in.officer_id :
	    (json_is_integer(ov) ? json_integer_value(ov) : 0);

	/* The report's roll-ups: take the project out, put it back after. */
	if (report_rollup_project(h, req, id, -1) < 0)
		goto fail;
	if ((st = h->db_prepare(req, "UPDATE projects SET name_zh = ?2, "
	    "name_en = ?3, investor = ?4, investor_type = ?5, "
	    "source_region = ?6, industry_chain = ?7, district = ?8, "
	    "officer_id = ?9, notes = ?10, updated_at = ?11, "
	    "version = version + 1 WHERE id = ?1 AND version = ?12")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, zh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, en, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, in.has_investor ? in.investor :
	    json_str_or_null(before, "investor"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, in.has_investor_type ? in.investor_type :
	    json_str_or_null(before, "investor_type"), -1, SQLITE_TRANSIENT);
	bind_text_or_null(st, 6, in.has_source_region ? in.source_region :
	    json_str_or_null(before, "source_region"));
	bind_text_or_null(st, 7, in.has_industry_chain ? in.industry_chain :
	    json_str_or_null(before, "industry_chain"));
	bind_text_or_null(st, 8, in.has_district ? in.district :
	    json_str_or_null(before, "district"));
	if (officer > 0)
		sqlite3_bind_int64(st, 9, officer);
	else
		sqlite3_bind_null(st, 9);
	sqlite3_bind_text(st, 10, in.has_notes ? in.notes :
	    json_str_or_null(before, "notes"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, project_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 12, claimed);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE || sqlite3_changes(h->db(req)) != 1)
		goto fail;
	if (project_write_key_levels(h, req, id, in.key_levels) < 0 ||
	    report_rollup_project(h, req, id, +1) < 0 ||
	    search_index(h, req, id) < 0 ||
	    (after = project_load_json(h, req, id)) == NULL ||
	    h->audit(req, "project.update", "project", id, before, after) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	project_etag(h, req, json_integer_value(json_object_get(after,
	    "version")));
	h->resp_json(req, 200, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: update %lld: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	json_decref(before);
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

static int
project_exec_id(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* DELETE /api/v1/projects/{id}: only a lead without ledger entries; any
 * later project is cancelled instead, so its history stays. */
int
project_delete(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id"), claimed;
	json_t *before = NULL;
	sqlite3_stmt *st;
	int64_t entries;

	if (project_claimed_version(h, req, NULL, &claimed) < 0) {
		validate_fail(h, req, "version", "If-Match must be an ETag "
		    "of this project");
		return 0;
	}
	if (h->db_begin(req) < 0)
		return -1;
	if ((before = project_load_json(h, req, id)) == NULL) {
		h->db_rollback(req);
		return project_not_found(h, req);
	}
	if (claimed != 0 && json_integer_value(json_object_get(before,
	    "version")) != claimed) {
		h->db_rollback(req);
		json_decref(before);
		h->resp_error(req, 409, "conflict", "version", "the project "
		    "was changed by someone else; reload it and retry");
		return 0;
	}
	if ((st = h->db_prepare(req, "SELECT (SELECT count(*) FROM "
	    "project_contracts WHERE project_id = ?1) + (SELECT count(*) "
	    "FROM project_payments WHERE project_id = ?1)")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	entries = sqlite3_step(st) == SQLITE_ROW ?
	    sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (entries < 0)
		goto fail;
	if (strcmp(json_str_or_null(before, "stage"), "lead") != 0 ||
	    entries > 0) {
		h->db_rollback(req);
		json_decref(before);
		h->resp_error(req, 409, "not_deletable", "stage", "only a lead "
		    "without ledger entries can be deleted; cancel the project "
		    "instead (POST /api/v1/projects/{id}/stage with "
		    "{\"to\": \"cancelled\"})");
		return 0;
	}
	/* Children explicitly: correctness must not hinge on the
	 * connection's foreign_keys setting. */
	if (report_rollup_project(h, req, id, -1) < 0 ||
	    project_exec_id(h, req, "DELETE FROM project_key_levels WHERE "
	    "project_id = ?1", id) < 0 ||
	    project_exec_id(h, req, "DELETE FROM project_stages WHERE "
	    "project_id = ?1", id) < 0 ||
	    project_exec_id(h, req, "DELETE FROM project_problems WHERE "
	    "project_id = ?1", id) < 0 ||
	    project_exec_id(h, req, "DELETE FROM projects WHERE id = ?1",
	    id) < 0 ||
	    search_unindex(h, req, id) < 0 ||
	    h->audit(req, "project.delete", "project", id, before, NULL) < 0 ||
	    h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	h->resp_json(req, 200, json_pack("{s:b, s:I}", "deleted", 1, "id",
	    (json_int_t)id));
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: delete %lld: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	json_decref(before);
	h->db_rollback(req);
	return -1;
}
