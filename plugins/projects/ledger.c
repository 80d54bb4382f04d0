/*
 * ledger -- the contracted-capital and paid-in ledgers of a project.
 *
 * Contracts: the first entry is the signing (date and amount, the one
 * source of truth for both) and moves the project to `signed`; later
 * entries are amendments carrying the signed delta, so an increase
 * counts only its increment, in the year it was signed.  Payments:
 * dated tranches with evidence, only into a project that is signed and
 * not cancelled (signed, under_construction, in_operation), dated on or
 * after its signing; their total may not pass the contracted total
 * unless "override": true, which is audited under its own action (the
 * override is about the amount, never about the stage or the date).
 *
 * projects.signed_on/signing_wan/contracted_wan/paid_in_wan cache the
 * ledgers and are recomputed from them (ledger_refresh) in the same
 * transaction as every entry, so the cache cannot drift from the sums.
 */
#include <string.h>

#include "projects.h"

#define AMOUNT_MAX	1000000000LL	/* 10^9 万元 */
#define NOTE_MAX_CHARS	1000

int
ledger_refresh(const struct bureau_host *h, struct bureau_req *req,
    int64_t project_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = h->db_prepare(req, "UPDATE projects SET "
	    "signed_on = (SELECT signed_on FROM project_contracts"
	    "  WHERE project_id = ?1 AND kind = 'signing'),"
	    "signing_wan = coalesce((SELECT amount_wan FROM project_contracts"
	    "  WHERE project_id = ?1 AND kind = 'signing'), 0),"
	    "contracted_wan = coalesce((SELECT sum(amount_wan) FROM"
	    "  project_contracts WHERE project_id = ?1), 0),"
	    "paid_in_wan = coalesce((SELECT sum(amount_wan) FROM"
	    "  project_payments WHERE project_id = ?1), 0) "
	    "WHERE id = ?1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, project_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
bind_actor(const struct bureau_host *h, struct bureau_req *req,
    sqlite3_stmt *st, int i)
{
	int64_t actor = project_actor(h, req);

	if (actor > 0)
		sqlite3_bind_int64(st, i, actor);
	else
		sqlite3_bind_null(st, i);
}

static json_t *
actor_json(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() :
	    json_integer(sqlite3_column_int64(st, i));
}

#define CONTRACT_SELECT							\
	"SELECT id, project_id, kind, signed_on, amount_wan, note,"	\
	" recorded_at, actor_id FROM project_contracts"

static json_t *
contract_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "project_id", (json_int_t)sqlite3_column_int64(st, 1),
	    "kind", (const char *)sqlite3_column_text(st, 2),
	    "signed_on", (const char *)sqlite3_column_text(st, 3),
	    "amount_wan", (json_int_t)sqlite3_column_int64(st, 4),
	    "note", (const char *)sqlite3_column_text(st, 5),
	    "recorded_at", (const char *)sqlite3_column_text(st, 6),
	    "actor_id", actor_json(st, 7));
}

#define PAYMENT_SELECT							\
	"SELECT id, project_id, paid_on, amount_wan, evidence,"		\
	" over_contract_override, recorded_at, actor_id"		\
	" FROM project_payments"

static json_t *
payment_json(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:I, s:s, s:I, s:s, s:b, s:s, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "project_id", (json_int_t)sqlite3_column_int64(st, 1),
	    "paid_on", (const char *)sqlite3_column_text(st, 2),
	    "amount_wan", (json_int_t)sqlite3_column_int64(st, 3),
	    "evidence", (const char *)sqlite3_column_text(st, 4),
	    "override", sqlite3_column_int(st, 5),
	    "recorded_at", (const char *)sqlite3_column_text(st, 6),
	    "actor_id", actor_json(st, 7));
}

/* One entry by id through a fixed select; NULL when absent. */
static json_t *
ledger_entry(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, json_t *(*conv)(sqlite3_stmt *), int64_t id)
{
	sqlite3_stmt *st;
	json_t *o = NULL;

	if ((st = h->db_prepare(req, sql)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = conv(st);
	sqlite3_reset(st);
	return o;
}

/* Lists a project's entries; answers 404 for an unknown project. */
static int
ledger_list(const struct bureau_host *h, struct bureau_req *req,
    const char *sql, json_t *(*conv)(sqlite3_stmt *), const char *sum_key,
    const char *sum_field)
{
	int64_t id = h->req_param_id(req, "id");
	json_t *items, *o, *p;
	sqlite3_stmt *st;
	int rc;

	if ((p = project_load_json(h, req, id)) == NULL) {
		h->resp_error(req, 404, "not_found", NULL, "no such project");
		return 0;
	}
	if ((st = h->db_prepare(req, sql)) == NULL ||
	    (items = json_array()) == NULL) {
		json_decref(p);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = conv(st)) == NULL)
			break;
		json_array_append_new(items, o);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(p);
		json_decref(items);
		return -1;
	}
	h->resp_json(req, 200, json_pack("{s:o, s:I, s:O}", "items", items,
	    "total", (json_int_t)json_array_size(items), sum_key,
	    json_object_get(p, sum_field)));
	json_decref(p);
	return 0;
}

int
contract_list(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;

	return ledger_list(ps->host, req, CONTRACT_SELECT
	    " WHERE project_id = ?1 ORDER BY id", contract_json,
	    "contracted_wan", "contracted_wan");
}

int
payment_list(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;

	return ledger_list(ps->host, req, PAYMENT_SELECT
	    " WHERE project_id = ?1 ORDER BY paid_on, id", payment_json,
	    "paid_in_wan", "paid_in_wan");
}

/*
 * Finishes a ledger write: refresh the caches, bump the project's
 * version, audit, commit and answer 201 {"entry", "project"}.
 */
static int
ledger_finish(const struct bureau_host *h, struct bureau_req *req,
    int64_t id, json_t *before, json_t *entry, const char *action)
{
	json_t *after, *resp;

	if (entry == NULL || ledger_refresh(h, req, id) < 0 ||
	    report_rollup_project(h, req, id, +1) < 0 ||
	    project_touch(h, req, id) < 0 ||
	    (after = project_load_json(h, req, id)) == NULL) {
		json_decref(entry);
		return -1;
	}
	if ((resp = json_pack("{s:o, s:o}", "entry", entry, "project",
	    after)) == NULL)
		return -1;
	if (h->audit(req, action, "project", id, before, resp) < 0 ||
	    h->db_commit(req) < 0) {
		json_decref(resp);
		return -1;
	}
	project_etag(h, req, json_integer_value(json_object_get(after,
	    "version")));
	h->resp_json(req, 201, resp);
	return 0;
}

static const char *const contract_fields[] = {
	"kind", "signed_on", "amount_wan", "note", NULL
};

/* POST /api/v1/projects/{id}/contracts */
int
contract_post(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id"), amount = 0, contracted;
	int64_t paid, eid;
	json_t *body = h->req_json(req), *before = NULL;
	const char *kind, *signed_on, *note, *stage, *first_on;
	char last[11];
	sqlite3_stmt *st;
	int present, rc;

	if (validate_json_known(h, req, body, contract_fields) < 0 ||
	    validate_json_enum(h, req, body, "kind", (const char *const [])
	    { "signing", "amendment", NULL }, 0, &kind, &present) ||
	    validate_json_date(h, req, body, "signed_on", 1, &signed_on,
	    &present) ||
	    validate_not_future(h, req, "signed_on", signed_on) ||
	    validate_json_amount(h, req, body, "amount_wan", -AMOUNT_MAX,
	    AMOUNT_MAX, 1, &amount, &present) ||
	    validate_json_text(h, req, body, "note", NOTE_MAX_CHARS, 0, 1,
	    &note, &present))
		return 0;

	if (h->db_begin(req) < 0)
		return -1;
	if ((before = project_load_json(h, req, id)) == NULL) {
		h->db_rollback(req);
		h->resp_error(req, 404, "not_found", NULL, "no such project");
		return 0;
	}
	stage = json_string_value(json_object_get(before, "stage"));
	first_on = json_string_value(json_object_get(before, "signed_on"));
	contracted = json_integer_value(json_object_get(before,
	    "contracted_wan"));
	paid = json_integer_value(json_object_get(before, "paid_in_wan"));

	if (first_on == NULL) {
		/* The signing. */
		if (kind != NULL && strcmp(kind, "signing") != 0) {
			validate_fail(h, req, "kind", "the first contract "
			    "entry is the signing");
			goto refused;
		}
		kind = "signing";
		if (strcmp(stage, "lead") != 0 &&
		    strcmp(stage, "negotiating") != 0) {
			h->resp_error(req, 409, "invalid_stage", "stage",
			    "only a lead or a project in negotiation can be "
			    "signed");
			goto refused;
		}
		if (amount < 1) {
			validate_fail(h, req, "amount_wan", "the signing "
			    "amount must be between 1 and 1000000000");
			goto refused;
		}
		if (stage_last_effective(h, req, id, last) < 0)
			goto fail;
		if (strcmp(signed_on, last) < 0) {
			validate_fail(h, req, "signed_on", h->printf(req,
			    "must not be before the last stage change (%s)",
			    last));
			goto refused;
		}
	} else {
		if (kind != NULL && strcmp(kind, "amendment") != 0) {
			validate_fail(h, req, "kind", "the project is signed "
			    "already; later entries are amendments");
			goto refused;
		}
		kind = "amendment";
		if (strcmp(stage, "cancelled") == 0) {
			h->resp_error(req, 409, "invalid_stage", "stage",
			    "a cancelled project takes no amendments");
			goto refused;
		}
		if (amount == 0) {
			validate_fail(h, req, "amount_wan", "an amendment "
			    "carries a non-zero change");
			goto refused;
		}
		if (strcmp(signed_on, first_on) < 0) {
			validate_fail(h, req, "signed_on", h->printf(req,
			    "must not be before the signing (%s)", first_on));
			goto refused;
		}
		if (contracted + amount < 0 || contracted + amount < paid) {
			validate_fail(h, req, "amount_wan", h->printf(req,
			    "the contracted total may not go below the "
			    "paid-in total (%lld) or zero", (long long)paid));
			goto refused;
		}
		if (contracted + amount > AMOUNT_MAX) {
			validate_fail(h, req, "amount_wan",
			    "the contracted total may not exceed 1000000000");
			goto refused;
		}
	}

	/* Out of the report's roll-ups now; ledger_finish adds it back. */
	if (report_rollup_project(h, req, id, -1) < 0)
		goto fail;
	if ((st = h->db_prepare(req, "INSERT INTO project_contracts("
	    "project_id, kind, signed_on, amount_wan, note, recorded_at, "
	    "actor_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, signed_on, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, amount);
	sqlite3_bind_text(st, 5, note ? note : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, project_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	bind_actor(h, req, st, 7);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	eid = sqlite3_last_insert_rowid(h->db(req));
	if (strcmp(kind, "signing") == 0 && stage_record(h, req, id, stage,
	    "signed", signed_on, "first contract entry") < 0)
		goto fail;
	if (ledger_finish(h, req, id, before, ledger_entry(h, req,
	    CONTRACT_SELECT " WHERE id = ?1", contract_json, eid),
	    "project.contract") < 0)
		goto fail;
	json_decref(before);
	return 0;
refused:
	h->db_rollback(req);
	json_decref(before);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: contract %lld: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	h->db_rollback(req);
	json_decref(before);
	return -1;
}

static const char *const payment_fields[] = {
	"paid_on", "amount_wan", "evidence", "override", NULL
};

/* POST /api/v1/projects/{id}/payments */
int
payment_post(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	const struct bureau_host *h = ps->host;
	int64_t id = h->req_param_id(req, "id"), amount = 0, contracted;
	int64_t paid, eid;
	json_t *body = h->req_json(req), *before = NULL;
	const char *paid_on, *evidence, *stage, *signed_on;
	sqlite3_stmt *st;
	int present, override = 0, over, rc;

	if (validate_json_known(h, req, body, payment_fields) < 0 ||
	    validate_json_date(h, req, body, "paid_on", 1, &paid_on,
	    &present) ||
	    validate_not_future(h, req, "paid_on", paid_on) ||
	    validate_json_amount(h, req, body, "amount_wan", 1, AMOUNT_MAX, 1,
	    &amount, &present) ||
	    validate_json_text(h, req, body, "evidence", NOTE_MAX_CHARS, 1, 0,
	    &evidence, &present) ||
	    validate_json_bool(h, req, body, "override", &override, &present))
		return 0;

	if (h->db_begin(req) < 0)
		return -1;
	if ((before = project_load_json(h, req, id)) == NULL) {
		h->db_rollback(req);
		h->resp_error(req, 404, "not_found", NULL, "no such project");
		return 0;
	}
	/*
	 * Money comes in under a signed contract: not into a lead or a
	 * negotiation (nothing to pay against yet), not into a cancelled
	 * project, and not before the signing.
	 */
	stage = json_string_value(json_object_get(before, "stage"));
	signed_on = json_string_value(json_object_get(before, "signed_on"));
	if (stage == NULL || signed_on == NULL || (strcmp(stage, "signed") !=
	    0 && strcmp(stage, "under_construction") != 0 &&
	    strcmp(stage, "in_operation") != 0)) {
		h->db_rollback(req);
		json_decref(before);
		h->resp_error(req, 409, "invalid_stage", "stage",
		    "payments go only to a signed project (signed, "
		    "under_construction or in_operation)");
		return 0;
	}
	if (strcmp(paid_on, signed_on) < 0) {
		/* signed_on is before's: answer first, then let go. */
		validate_fail(h, req, "paid_on", h->printf(req,
		    "must not be before the signing (%s)", signed_on));
		h->db_rollback(req);
		json_decref(before);
		return 0;
	}
	contracted = json_integer_value(json_object_get(before,
	    "contracted_wan"));
	paid = json_integer_value(json_object_get(before, "paid_in_wan"));
	over = paid + amount > contracted;
	if (over && !override) {
		h->db_rollback(req);
		json_decref(before);
		h->resp_error(req, 409, "over_contract", "amount_wan",
		    h->printf(req, "paid-in would reach %lld of %lld "
		    "contracted; send \"override\": true to record it anyway",
		    (long long)(paid + amount), (long long)contracted));
		return 0;
	}

	if (report_rollup_project(h, req, id, -1) < 0)
		goto fail;
	if ((st = h->db_prepare(req, "INSERT INTO project_payments("
	    "project_id, paid_on, amount_wan, evidence, "
	    "over_contract_override, recorded_at, actor_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, paid_on, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, amount);
	sqlite3_bind_text(st, 4, evidence, -1, SQLITE_STATIC);
	/* The flag records that the override was needed, not just sent. */
	sqlite3_bind_int(st, 5, over);
	sqlite3_bind_text(st, 6, project_timestamp(h, req), -1,
	    SQLITE_TRANSIENT);
	bind_actor(h, req, st, 7);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	eid = sqlite3_last_insert_rowid(h->db(req));
	if (ledger_finish(h, req, id, before, ledger_entry(h, req,
	    PAYMENT_SELECT " WHERE id = ?1", payment_json, eid),
	    over ? "project.payment.override" : "project.payment") < 0)
		goto fail;
	json_decref(before);
	return 0;
fail:
	h->log(BUREAU_LOG_ERR, "projects: payment %lld: %s", (long long)id,
	    sqlite3_errmsg(h->db(req)));
	h->db_rollback(req);
	json_decref(before);
	return -1;
}
