/*
 * sessions.c -- the caller's own sessions, for every signed-in user:
 *
 *	GET    /api/v1/auth/sessions		the live ones, this one marked
 *	DELETE /api/v1/auth/sessions		end all the others
 *	DELETE /api/v1/auth/sessions/{id}	end one of the others
 *
 * An admin sees anyone's through the staff plugin; these let an officer
 * who left a browser signed in elsewhere end it without an admin.  The
 * current session is ended by logging out (it also clears the cookie),
 * so DELETE of its id is refused.  Only the caller's sessions are ever
 * visible or touched: another user's id answers 404 like a missing one.
 */
#include <string.h>

#include "app.h"
#include "audit.h"
#include "auth.h"
#include "request.h"
#include "sessions.h"

#define SESSIONS_MAX	200	/* listed; more live ones than this is odd */

static const struct config *
sessions_cfg(const struct bureau_req *req)
{
	return req->thr->app->cfg;
}

static json_t *
sessions_time(int64_t t)
{
	char buf[21];

	audit_format_time(t, buf);
	return json_string(buf);
}

/* When the session ends by itself: idle or absolute, whichever first. */
static int64_t
sessions_expiry(const struct config *cfg, int64_t created, int64_t last_seen)
{
	int64_t idle = last_seen + cfg->session_idle;
	int64_t abs = created + cfg->session_absolute;

	return idle < abs ? idle : abs;
}

static int
sessions_list(struct bureau_req *req, void *state)
{
	const struct config *cfg = sessions_cfg(req);
	sqlite3_stmt *st;
	json_t *items, *row;
	int64_t now = req_now(req), id, created, seen;
	const char *ip, *ua;
	int rc;

	(void)state;
	/* Live only: not revoked, within both limits (the staff plugin's
	 * list shows the stale ones too, for an admin to judge). */
	st = host_api.db_prepare(req, "SELECT id, created_at, last_seen,"
	    " auth_time, ip, user_agent FROM sessions WHERE user_id = ?1"
	    " AND revoked_at IS NULL AND last_seen >= ?2 AND created_at >= ?3"
	    " ORDER BY last_seen DESC, id DESC LIMIT " BUREAU_STR(SESSIONS_MAX));
	if (st == NULL || (items = json_array()) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, req->user.id);
	sqlite3_bind_int64(st, 2, now - cfg->session_idle);
	sqlite3_bind_int64(st, 3, now - cfg->session_absolute);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		created = sqlite3_column_int64(st, 1);
		seen = sqlite3_column_int64(st, 2);
		ip = (const char *)sqlite3_column_text(st, 4);
		ua = (const char *)sqlite3_column_text(st, 5);
		row = json_pack("{s:I,s:o,s:o,s:o,s:o,s:s,s:s,s:b}",
		    "id", (json_int_t)id,
		    "created_at", sessions_time(created),
		    "last_seen", sessions_time(seen),
		    "auth_time", sessions_time(sqlite3_column_int64(st, 3)),
		    "expires_at", sessions_time(sessions_expiry(cfg, created,
		    seen)),
		    "ip", ip != NULL ? ip : "",
		    "user_agent", ua != NULL ? ua : "",
		    "current", id == req->session.id);
		if (row == NULL || json_array_append_new(items, row) == -1)
			goto fail;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_reset(st);
	return resp_json(req, 200, json_pack("{s:o,s:I}", "items", items,
	    "total", (json_int_t)json_array_size(items)));
fail:
	sqlite3_reset(st);
	json_decref(items);
	return -1;
}

static int
sessions_end_others(struct bureau_req *req, void *state)
{
	json_t *after;
	int n, arc;

	(void)state;
	if (host_api.db_begin(req) == -1)
		return -1;
	if ((n = auth_sessions_revoke_user(req, req->user.id,
	    req->session.id)) == -1)
		goto fail;
	after = json_pack("{s:i}", "sessions_revoked", n);
	arc = audit_from_req(req, "auth.sessions_end_others", "user",
	    req->user.id, NULL, after);
	json_decref(after);
	if (arc == -1 || host_api.db_commit(req) == -1)
		goto fail;
	return resp_json(req, 200, json_pack("{s:i}", "revoked", n));
fail:
	host_api.db_rollback(req);
	return -1;
}

static int
sessions_end_one(struct bureau_req *req, void *state)
{
	int64_t sid = host_api.req_param_id(req, "id");
	json_t *after;
	int n, arc;

	(void)state;
	if (sid == req->session.id)
		return resp_error(req, 409, "current_session", "id",
		    "this is the session you are using: log out to end it");
	if (host_api.db_begin(req) == -1)
		return -1;
	if ((n = auth_session_revoke_of(req, req->user.id, sid)) == -1)
		goto fail;
	if (n == 0) {
		host_api.db_rollback(req);
		return resp_error(req, 404, "not_found", "id",
		    "no such session of yours (ended already?)");
	}
	after = json_pack("{s:I}", "session_id", (json_int_t)sid);
	arc = audit_from_req(req, "auth.session_end", "user", req->user.id,
	    NULL, after);
	json_decref(after);
	if (arc == -1 || host_api.db_commit(req) == -1)
		goto fail;
	return resp_json(req, 200, json_pack("{s:i}", "revoked", 1));
fail:
	host_api.db_rollback(req);
	return -1;
}

const struct bureau_route sessions_routes[] = {
	{ "GET", "/api/v1/auth/sessions", sessions_list, BUREAU_PERM_SESSION,
	    0 },
	{ "DELETE", "/api/v1/auth/sessions", sessions_end_others,
	    BUREAU_PERM_SESSION, 0 },
	{ "DELETE", "/api/v1/auth/sessions/{id}", sessions_end_one,
	    BUREAU_PERM_SESSION, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};
