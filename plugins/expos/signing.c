/*
 * signing -- a project signed at an expo edition: a link to a project
 * (projects_v) plus what the bureau expects of it (paid-in by a date).
 * The amount is never restated: it is the project's own signing amount
 * from its contracted ledger, read through projects_v.
 *
 * A project may be signed at several editions (a re-signing at a later
 * expo is common: a ceremony for a second phase, a renewed agreement).
 * It counts at its FIRST signing only -- the one at the earliest edition
 * (EXPOS_FIRST_SQL) -- so capital is never counted twice; the others are
 * listed with first_signing false and counted_at_expo_id naming where it
 * counts.  Only projects with a signing can be linked (409 not_signed):
 * an expo signing without a contract would count no capital.
 */
#include <string.h>

#include "expos.h"

#define NOTE_MAX	1000

#define SIGNING_SELECT							\
	"SELECT g.id, g.edition_id, g.project_id, p.name_zh, p.name_en,"	\
	" p.investor, p.district, p.source_region, p.industry_chain,"	\
	" p.stage, p.signed_on, p.signing_wan, p.contracted_wan,"	\
	" p.paid_in_wan, g.expected_paid_in_wan, g.expected_by, g.note,"	\
	" g.is_demo, g.created_at, g.actor_id,"				\
	" (SELECT t.edition_id FROM expo_signings t"			\
	"   JOIN expo_editions te ON te.id = t.edition_id"		\
	"   WHERE t.project_id = g.project_id"				\
	"   ORDER BY te.starts_on, te.id LIMIT 1) AS counted_at"	\
	" FROM expo_signings g LEFT JOIN projects_v p ON p.id = g.project_id"

static json_t *
signing_row(sqlite3_stmt *st)
{
	int64_t edition = sqlite3_column_int64(st, 1);
	int64_t counted = sqlite3_column_int64(st, 20);

	return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:I, s:I, s:I, s:I, s:o, s:s, s:b, s:s, s:o, s:b, s:I}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "expo_id", (json_int_t)edition,
	    "project_id", (json_int_t)sqlite3_column_int64(st, 2),
	    "project_name_zh", kit_col_str(st, 3),
	    "project_name_en", kit_col_str(st, 4),
	    "investor", kit_col_str(st, 5),
	    "district", kit_col_str(st, 6),
	    "source_region", kit_col_str(st, 7),
	    "industry_chain", kit_col_str(st, 8),
	    "stage", kit_col_str(st, 9),
	    "signed_on", kit_col_str(st, 10),
	    "signing_wan", (json_int_t)sqlite3_column_int64(st, 11),
	    "contracted_wan", (json_int_t)sqlite3_column_int64(st, 12),
	    "paid_in_wan", (json_int_t)sqlite3_column_int64(st, 13),
	    "expected_paid_in_wan", (json_int_t)sqlite3_column_int64(st, 14),
	    "expected_by", kit_col_str(st, 15),
	    "note", (const char *)sqlite3_column_text(st, 16),
	    "is_demo", sqlite3_column_int(st, 17),
	    "created_at", (const char *)sqlite3_column_text(st, 18),
	    "actor_id", sqlite3_column_type(st, 19) == SQLITE_NULL ?
	    json_null() : json_integer(sqlite3_column_int64(st, 19)),
	    "first_signing", counted == edition,
	    "counted_at_expo_id", (json_int_t)counted);
}

static json_t *
signing_load(const struct bureau_host *h, struct bureau_req *req,
    int64_t edition_id, int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, SIGNING_SELECT
	    " WHERE g.id = ?1 AND g.edition_id = ?2")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, edition_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = signing_row(st);
	sqlite3_reset(st);
	return o;
}

/* 1 when the edition exists, 0 not, -1 db error; its start date. */
static int
signing_edition(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, char starts[11])
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req,
	    "SELECT starts_on FROM expo_editions WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(starts, 11, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* GET /api/v1/expos/{id}/signings[?first_signing=true|false&limit&offset] */
int
signing_list(struct bureau_req *req, void *state)
{
	static const char *const bools[] = { "true", "false", NULL };
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t id = h->req_param_id(req, "id"), limit, offset, total = -1;
	int64_t counted = -1;
	const char *first;
	sqlite3_stmt *st;
	json_t *items;
	char starts[11];
	int rc, want;

	if (kit_paging(h, req, &limit, &offset) < 0 ||
	    kit_query_enum(h, req, "first_signing", bools, &first) < 0)
		return 0;
	want = first == NULL ? -1 : strcmp(first, "true") == 0;
	if ((rc = signing_edition(h, req, id, starts)) < 0)
		return -1;
	if (rc == 0) {
		kit_not_found(h, req, "expo");
		return 0;
	}
	if ((st = h->db_prepare(req, "SELECT count(*), coalesce(sum("
	    EXPOS_FIRST_SQL "), 0) FROM expo_signings g JOIN expo_editions e"
	    " ON e.id = g.edition_id WHERE g.edition_id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		total = sqlite3_column_int64(st, 0);
		counted = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (total < 0)
		return -1;
	if (want >= 0)
		total = want ? counted : total - counted;

	if ((st = h->db_prepare(req, "SELECT * FROM (" SIGNING_SELECT
	    " WHERE g.edition_id = ?1) WHERE ?2 < 0 OR"
	    " (counted_at = edition_id) = ?2 ORDER BY id LIMIT ?3 OFFSET ?4"))
	    == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, want);
	sqlite3_bind_int64(st, 3, limit);
	sqlite3_bind_int64(st, 4, offset);
	if ((items = kit_rows(st, signing_row)) == NULL)
		return -1;
	/* kit_send_page's shape plus signed_projects. */
	h->resp_json(req, 200, json_pack("{s:o, s:I, s:I, s:I, s:I}",
	    "items", items, "total", (json_int_t)total,
	    "signed_projects", (json_int_t)counted,
	    "limit", (json_int_t)limit, "offset", (json_int_t)offset));
	return 0;
}

/* What a POST needs to know of the project. */
struct signing_project {
	int		 exists, signed_;
	int64_t		 contracted;
};

static int
signing_project(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, struct signing_project *p)
{
	sqlite3_stmt *st;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((st = h->db_prepare(req, "SELECT signed_on IS NOT NULL,"
	    " contracted_wan FROM projects_v WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p->exists = 1;
		p->signed_ = sqlite3_column_int(st, 0);
		p->contracted = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* POST /api/v1/expos/{id}/signings
 * {"project_id", "expected_paid_in_wan", "expected_by", "note"} */
int
signing_create(struct bureau_req *req, void *state)
{
	static const char *const fields[] = { "project_id",
	    "expected_paid_in_wan", "expected_by", "note", NULL };
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t id = h->req_param_id(req, "id"), project, expected = 0, sid;
	json_t *body = h->req_json(req), *after = NULL;
	struct signing_project p;
	const char *by, *note;
	sqlite3_stmt *st;
	char starts[11];
	int present, rc;

	if (kit_json_known(h, req, body, fields) < 0 ||
	    kit_json_int(h, req, body, "project_id", 1, INT64_MAX, 1,
	    &project, &present) < 0 ||
	    kit_json_int(h, req, body, "expected_paid_in_wan", 0, KIT_WAN_MAX,
	    0, &expected, &present) < 0 ||
	    kit_json_date(h, req, body, "expected_by", 0, &by, &present) < 0 ||
	    kit_json_text(h, req, body, "note", NOTE_MAX, 0, 1, &note,
	    &present) < 0)
		return 0;

	if (h->db_begin(req) < 0)
		return -1;
	if ((rc = signing_edition(h, req, id, starts)) < 0 ||
	    signing_project(h, req, project, &p) < 0)
		goto fail;
	if (rc == 0) {
		h->db_rollback(req);
		kit_not_found(h, req, "expo");
		return 0;
	}
	if (!p.exists) {
		h->db_rollback(req);
		kit_fail(h, req, "project_id", "no such project");
		return 0;
	}
	if (!p.signed_) {
		h->db_rollback(req);
		h->resp_error(req, 409, "not_signed", "project_id", "the project "
		    "has no signing in its contracted ledger; record the "
		    "contract first (POST /api/v1/projects/{id}/contracts)");
		return 0;
	}
	if (expected > p.contracted) {
		h->db_rollback(req);
		kit_fail(h, req, "expected_paid_in_wan", h->printf(req,
		    "must not exceed the project's contracted capital "
		    "(%lld 万元)", (long long)p.contracted));
		return 0;
	}
	if (by != NULL && strcmp(by, starts) < 0) {
		h->db_rollback(req);
		kit_fail(h, req, "expected_by", "must not be before the expo");
		return 0;
	}
	if ((st = h->db_prepare(req, "SELECT id FROM expo_signings WHERE"
	    " edition_id = ?1 AND project_id = ?2")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, project);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		h->db_rollback(req);
		h->resp_error(req, 409, "duplicate", "project_id", "the project "
		    "is already signed at this expo");
		return 0;
	}
	if (rc != SQLITE_DONE ||
	    (st = h->db_prepare(req, "INSERT INTO expo_signings(edition_id,"
	    " project_id, expected_paid_in_wan, expected_by, note, created_at,"
	    " actor_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, project);
	sqlite3_bind_int64(st, 3, expected);
	if (by != NULL)
		sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, note != NULL ? note : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, kit_timestamp(h, req), -1, SQLITE_TRANSIENT);
	if (kit_actor(h, req) > 0)
		sqlite3_bind_int64(st, 7, kit_actor(h, req));
	if (kit_exec(st) < 0)
		goto fail;
	sid = sqlite3_last_insert_rowid(h->db(req));
	if ((after = signing_load(h, req, id, sid)) == NULL ||
	    h->audit(req, "expo.signing.create", "expo_signing", sid, NULL,
	    after) < 0 || h->db_commit(req) < 0)
		goto fail;
	h->resp_header(req, "Location", h->printf(req,
	    "/api/v1/expos/%lld/signings/%lld", (long long)id,
	    (long long)sid));
	h->resp_json(req, 201, after);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "expos: signing at %lld: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	json_decref(after);
	h->db_rollback(req);
	return -1;
}

/* DELETE /api/v1/expos/{id}/signings/{sid}: removes the link only; the
 * project and its ledgers stay.  A later signing of the same project, if
 * any, becomes its first and counts from then on. */
int
signing_delete(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct expos_state *)state)->host;
	int64_t id = h->req_param_id(req, "id");
	int64_t sid = h->req_param_id(req, "sid");
	json_t *before = NULL;
	sqlite3_stmt *st;

	if (h->db_begin(req) < 0)
		return -1;
	if ((before = signing_load(h, req, id, sid)) == NULL) {
		h->db_rollback(req);
		kit_not_found(h, req, "signing at this expo");
		return 0;
	}
	if ((st = h->db_prepare(req, "DELETE FROM expo_signings WHERE"
	    " id = ?1 AND edition_id = ?2")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int64(st, 2, id);
	if (kit_exec(st) < 0 ||
	    h->audit(req, "expo.signing.delete", "expo_signing", sid, before,
	    NULL) < 0 || h->db_commit(req) < 0)
		goto fail;
	json_decref(before);
	h->resp_json(req, 200, json_pack("{s:b, s:I}", "deleted", 1, "id",
	    (json_int_t)sid));
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "expos: delete signing %lld: %s",
	    (long long)sid, sqlite3_errmsg(h->db(req)));
	json_decref(before);
	h->db_rollback(req);
	return -1;
}
