/*
 * login.c -- the core's account routes:
 *
 *	POST  /api/v1/auth/login	public (login lane), Origin checked
 *	POST  /api/v1/auth/logout	session
 *	GET   /api/v1/auth/me		session
 *	PATCH /api/v1/auth/me		session
 *	POST  /api/v1/auth/password	session, allowed while a change is due
 *
 * A login always runs exactly one Argon2id verification -- against the
 * user's hash or, for an unknown name, a dummy hash of the same cost --
 * and every refusal (unknown, wrong password, locked, deactivated,
 * expired temporary password) is the same 401 invalid_credentials.  The
 * reason is kept in the audit log only.
 *
 * Hashing holds a slot of the cross-process hash cap; with none free the
 * answer is 503 busy at once.  Lockouts are times in the database
 * (locked_until), never a sleep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "auth.h"
#include "hashcap.h"
#include "log.h"
#include "request.h"

#define NAME_MAX_BYTES	128
#define DISPLAY_MAX	100	/* code points */

/* The lockout figures: [auth] lock_failures, lock_window, lock_seconds,
 * ip_failures (defaults in config.c: 5 failures within 900 s lock an
 * account for 900 s; 20 per address within the same window). */
static const struct config *
login_cfg(const struct bureau_req *req)
{
	return req->thr->app->cfg;
}

/* What the users table says about one account. */
struct login_user {
	int64_t		 id;
	const char	*username, *display_name, *title, *role, *language;
	const char	*hash;
	int		 must_change;
	int		 active;
	int64_t		 locked_until;		/* 0 = not locked */
	int64_t		 expires_at;		/* 0 = no expiry */
};

/* --- small helpers ------------------------------------------------- */

static const char *
col_dup(struct bureau_req *req, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return host_api.strdup(req, t != NULL ? (const char *)t : "");
}

static json_t *
user_json(int64_t id, const char *username, const char *display_name,
    const char *title, const char *role, const char *language,
    int must_change)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:b}",
	    "id", (json_int_t)id, "username", username,
	    "display_name", display_name, "title", title, "role", role,
	    "language", language, "must_change_password", must_change);
}

static json_t *
req_user_json(struct bureau_req *req)
{
	return user_json(req->user.id, req->user.username,
	    req->user.display_name, req->user.title, req->user.role,
	    req->user.language, req->session.must_change_password);
}

static int
step_done(struct bureau_req *req, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("login: %s", sqlite3_errmsg(host_api.db(req)));
		return -1;
	}
	return 0;
}

/* Wipes the plaintext the request carried: the raw body and the string
 * in the parsed JSON (both owned by this request, mutable memory). */
static void
wipe_secret(struct bureau_req *req, const char *s)
{
	if (s != NULL)
		sodium_memzero((char *)(uintptr_t)s, strlen(s));
	if (req->body != NULL)
		sodium_memzero(req->body, req->body_len);
}

static const char *
json_str_field(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* --- the account lookups and counters ----------------------------- */

static int
user_load(struct bureau_req *req, const char *by_name, int64_t by_id,
    struct login_user *u)
{
	static const char sql_name[] =
	    "SELECT id, username, display_name, title, role, language,"
	    "  password_hash, must_change_password, active,"
	    "  coalesce(locked_until, 0), coalesce(password_expires_at, 0)"
	    " FROM users WHERE username = ?1";
	static const char sql_id[] =
	    "SELECT id, username, display_name, title, role, language,"
	    "  password_hash, must_change_password, active,"
	    "  coalesce(locked_until, 0), coalesce(password_expires_at, 0)"
	    " FROM users WHERE id = ?1";
	sqlite3_stmt *st;
	int rc;

	st = host_api.db_prepare(req, by_name != NULL ? sql_name : sql_id);
	if (st == NULL)
		return -1;
	if (by_name != NULL)
		sqlite3_bind_text(st, 1, by_name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, by_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		log_err("login: user lookup: %s",
		    sqlite3_errmsg(host_api.db(req)));
		sqlite3_reset(st);
		return -1;
	}
	u->id = sqlite3_column_int64(st, 0);
	u->username = col_dup(req, st, 1);
	u->display_name = col_dup(req, st, 2);
	u->title = col_dup(req, st, 3);
	u->role = col_dup(req, st, 4);
	u->language = col_dup(req, st, 5);
	u->hash = col_dup(req, st, 6);
	u->must_change = sqlite3_column_int(st, 7) != 0;
	u->active = sqlite3_column_int(st, 8) != 0;
	u->locked_until = sqlite3_column_int64(st, 9);
	u->expires_at = sqlite3_column_int64(st, 10);
	sqlite3_reset(st);
	return 1;
}

/* Seconds until the address may try again, 0 when it may now. */
static int64_t
ip_blocked_for(struct bureau_req *req, const char *ip, int64_t now)
{
	const struct config *cfg = login_cfg(req);
	sqlite3_stmt *st;
	int64_t left = 0;

	st = host_api.db_prepare(req, "SELECT count, window_start"
	    " FROM login_ip_failures WHERE ip = ?1");
	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && cfg->ip_failures > 0 &&
	    sqlite3_column_int64(st, 0) >= cfg->ip_failures) {
		left = sqlite3_column_int64(st, 1) + cfg->lock_window - now;
		if (left < 0)
			left = 0;
	}
	sqlite3_reset(st);
	return left;
}

static int
ip_count_failure(struct bureau_req *req, const char *ip, int64_t now)
{
	sqlite3_stmt *st;

	st = host_api.db_prepare(req,
	    "INSERT INTO login_ip_failures(ip, count, window_start)"
	    " VALUES (?1, 1, ?2)"
	    " ON CONFLICT(ip) DO UPDATE SET"
	    "  count = CASE WHEN ?2 - window_start > ?3 THEN 1"
	    "    ELSE count + 1 END,"
	    "  window_start = CASE WHEN ?2 - window_start > ?3 THEN ?2"
	    "    ELSE window_start END");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, login_cfg(req)->lock_window);
	return step_done(req, st);
}

/*
 * One more failure on an account, inside the write transaction so that
 * concurrent attempts count exactly; the fifth within the window locks
 * it.  Sets *locked when this failure locked it.
 */
static int
account_count_failure(struct bureau_req *req, int64_t user_id, int64_t now,
    int *locked)
{
	sqlite3_stmt *st;
	int64_t count = 0;

	*locked = 0;
	st = host_api.db_prepare(req,
	    "UPDATE users SET"
	    "  failed_count = CASE WHEN first_failed_at IS NULL"
	    "    OR ?2 - first_failed_at > ?3 THEN 1"
	    "    ELSE failed_count + 1 END,"
	    "  first_failed_at = CASE WHEN first_failed_at IS NULL"
	    "    OR ?2 - first_failed_at > ?3 THEN ?2"
	    "    ELSE first_failed_at END"
	    " WHERE id = ?1 RETURNING failed_count");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, login_cfg(req)->lock_window);
	if (sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int64(st, 0);
	if (step_done(req, st) == -1)
		return -1;
	if (count < login_cfg(req)->lock_failures)
		return 0;
	st = host_api.db_prepare(req, "UPDATE users SET locked_until = ?2,"
	    " failed_count = 0, first_failed_at = NULL WHERE id = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, now + login_cfg(req)->lock_seconds);
	*locked = 1;
	return step_done(req, st);
}

static int
account_clear_failures(struct bureau_req *req, int64_t user_id)
{
	sqlite3_stmt *st;

	st = host_api.db_prepare(req, "UPDATE users SET failed_count = 0,"
	    " first_failed_at = NULL, locked_until = NULL WHERE id = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	return step_done(req, st);
}

static int
account_store_hash(struct bureau_req *req, int64_t user_id,
    const char *hash, int64_t now, int clear_temporary)
{
	sqlite3_stmt *st;

	st = host_api.db_prepare(req, clear_temporary ?
	    "UPDATE users SET password_hash = ?2, updated_at = ?3,"
	    " must_change_password = 0, password_expires_at = NULL,"
	    " version = version + 1 WHERE id = ?1" :
	    "UPDATE users SET password_hash = ?2 WHERE id = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if (clear_temporary)
		sqlite3_bind_int64(st, 3, now);
	return step_done(req, st);
}

/* Revoked and long-expired sessions of a user are dropped at login, so
 * the table does not grow without end. */
static int
sessions_prune(struct bureau_req *req, int64_t user_id, int64_t now)
{
	const struct config *cfg = auth_config();
	sqlite3_stmt *st;

	st = host_api.db_prepare(req, "DELETE FROM sessions WHERE user_id = ?1"
	    " AND ((revoked_at IS NOT NULL AND revoked_at < ?2)"
	    "   OR created_at < ?3)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_int64(st, 2, now - 30 * 86400);
	sqlite3_bind_int64(st, 3, now - cfg->session_absolute - 30 * 86400);
	return step_done(req, st);
}

/* --- POST /api/v1/auth/login -------------------------------------- */

/* Code points of a UTF-8 string (Jansson only hands out valid UTF-8). */
static json_int_t
utf8_chars(const char *s)
{
	json_int_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int
login_refuse(struct bureau_req *req, struct login_user *u, int found,
    const char *attempted, const char *reason, int64_t now)
{
	const char *ip = req->remote_addr != NULL ? req->remote_addr : "";
	char digest[AUDIT_NAME_HEXLEN + 1];
	json_t *after;
	int locked = 0, rc;

	if (host_api.db_begin(req) == -1)
		return -1;
	if (ip_count_failure(req, ip, now) == -1)
		goto fail;
	/* A locked account's lock is not extended by more attempts. */
	if (found && strcmp(reason, "locked") != 0 &&
	    account_count_failure(req, u->id, now, &locked) == -1)
		goto fail;
	/*
	 * A name that matches an account is that account's name: stored
	 * as typed.  Any other text may be a password typed into the name
	 * field, and auditors read this log: only its keyed digest and
	 * length are kept, which still show repeated attempts with one
	 * name and let the key holder check a suspected name.
	 */
	if (found)
		after = json_pack("{s:s,s:s,s:b}", "username", attempted,
		    "reason", reason, "locked_now", locked);
	else if (audit_name_digest(attempted, digest) == 0)
		after = json_pack("{s:s,s:I,s:s,s:b}", "username_hash", digest,
		    "username_length", utf8_chars(attempted), "reason", reason,
		    "locked_now", locked);
	else
		goto fail;
	if (after == NULL)
		goto fail;
	rc = audit_append(host_api.db(req), now, found ? u->id : 0,
	    found ? u->username : NULL, req->remote_addr,
	    "auth.login_failed", "user", found ? u->id : 0, NULL, after);
	json_decref(after);
	if (rc == -1 || host_api.db_commit(req) == -1)
		goto fail;
	return resp_error(req, 401, "invalid_credentials", NULL,
	    "wrong user name or password");
fail:
	host_api.db_rollback(req);
	return -1;
}

static int
auth_login(struct bureau_req *req, void *state)
{
	const struct config *cfg = auth_config();
	const char *username, *password, *reason = NULL;
	const char *ip = req->remote_addr != NULL ? req->remote_addr : "";
	char newhash[crypto_pwhash_STRBYTES];
	struct login_user u, cur;
	json_t *body, *after, *resp;
	int64_t now = req_now(req), wait;
	int found, verified = 0, rehashed = 0, rc = -1;
	char retry[24];

	(void)state;
	memset(&u, 0, sizeof(u));
	body = host_api.req_json(req);
	username = json_str_field(body, "username");
	password = json_str_field(body, "password");
	if (!json_is_object(body)) {
		rc = resp_error(req, 400, "validation_failed", NULL,
		    "expected {\"username\", \"password\"}");
		goto out;
	}
	if (username == NULL || *username == '\0' ||
	    strlen(username) > NAME_MAX_BYTES) {
		rc = resp_error(req, 400, "validation_failed", "username",
		    "user name required");
		goto out;
	}
	if (password == NULL || *password == '\0') {
		rc = resp_error(req, 400, "validation_failed", "password",
		    "password required");
		goto out;
	}

	/* Cheap refusals before any hashing. */
	if ((wait = ip_blocked_for(req, ip, now)) > 0) {
		snprintf(retry, sizeof(retry), "%lld", (long long)wait);
		resp_header(req, "Retry-After", retry);
		rc = resp_error(req, 429, "too_many_attempts", NULL,
		    "too many failed sign-ins from this address; try later");
		goto out;
	}
	if ((found = user_load(req, username, 0, &u)) == -1)
		goto out;

	if (hashcap_try_acquire(auth_hash_sem()) == -1) {
		resp_header(req, "Retry-After", "1");
		rc = resp_error(req, 503, "busy",
		    NULL, "too many sign-ins at once; try again");
		goto out;
	}
	/* Only an Argon2 string costs a real verification; anything else
	 * (a hash set by hand, say) would fail fast and tell the timing
	 * apart, so it gets the dummy hash like an unknown name. */
	if (found && strncmp(u.hash, "$argon2", 7) == 0) {
		verified = auth_password_verify(u.hash, password) == 0;
		if (verified && auth_password_needs_rehash(cfg, u.hash)) {
			/* Parameters changed since this hash was made. */
			rehashed = auth_password_hash(cfg, password,
			    newhash) == 0;
		}
	} else
		auth_password_dummy_verify(password);
	hashcap_release(auth_hash_sem());

	if (!found)
		reason = "unknown_user";
	else if (!verified)
		reason = u.locked_until > now ? "locked" : "bad_password";
	else if (!u.active)
		reason = "inactive";
	else if (u.locked_until > now)
		reason = "locked";
	else if (u.expires_at != 0 && now > u.expires_at)
		reason = "password_expired";
	if (reason != NULL) {
		rc = login_refuse(req, &u, found, username, reason, now);
		goto out;
	}

	if (host_api.db_begin(req) == -1)
		goto out;
	/*
	 * The row was read before the hash ran.  Meanwhile a parallel
	 * wrong guess may have locked the account, an admin deactivated
	 * it or reset its password: decide on what this transaction sees,
	 * or parallel guesses would slip past the lockout.
	 */
	if (user_load(req, NULL, u.id, &cur) != 1)
		goto fail;
	if (!cur.active || cur.locked_until > now ||
	    strcmp(cur.hash, u.hash) != 0) {
		host_api.db_rollback(req);
		rc = login_refuse(req, &u, found, username, !cur.active ?
		    "inactive" : cur.locked_until > now ? "locked" :
		    "password_changed", now);
		goto out;
	}
	if (account_clear_failures(req, u.id) == -1)
		goto fail;
	if (rehashed && account_store_hash(req, u.id, newhash, now, 0) == -1)
		goto fail;
	/* A session cookie sent along is replaced: never reuse a token
	 * across a login (fixation). */
	if (req->session.id != 0 &&
	    auth_session_revoke_of(req, req->user.id, req->session.id) == -1)
		goto fail;
	if (sessions_prune(req, u.id, now) == -1 ||
	    auth_session_create(req, u.id) == -1)
		goto fail;
	after = json_pack("{s:I,s:b}", "session_id",
	    (json_int_t)req->session.id, "rehashed", rehashed);
	rc = audit_append(host_api.db(req), now, u.id, u.username,
	    req->remote_addr, "auth.login", "user", u.id, NULL, after);
	json_decref(after);
	if (rc == -1 || host_api.db_commit(req) == -1)
		goto fail;
	if (rehashed)
		log_info("login: password hash of user %lld upgraded",
		    (long long)u.id);

	req->has_user = 1;
	req->user.id = u.id;
	req->user.username = u.username;
	req->user.display_name = u.display_name;
	req->user.title = u.title;
	req->user.role = u.role;
	req->user.language = u.language;
	req->session.must_change_password = u.must_change;
	resp = json_pack("{s:o,s:s}", "user", req_user_json(req),
	    "csrf_token", req->session.csrf);
	rc = resp_json(req, 200, resp);
	goto out;
fail:
	host_api.db_rollback(req);
	rc = -1;
out:
	sodium_memzero(newhash, sizeof(newhash));
	wipe_secret(req, password);
	return rc;
}

/* --- POST /api/v1/auth/logout ------------------------------------- */

static int
auth_logout(struct bureau_req *req, void *state)
{
	(void)state;
	if (host_api.db_begin(req) == -1)
		return -1;
	if (auth_session_revoke_of(req, req->user.id, req->session.id) == -1 ||
	    audit_from_req(req, "auth.logout", "user", req->user.id, NULL,
	    NULL) == -1 || host_api.db_commit(req) == -1) {
		host_api.db_rollback(req);
		return -1;
	}
	auth_cookie_clear(req);
	return resp_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* --- GET/PATCH /api/v1/auth/me ------------------------------------ */

static int
auth_me_get(struct bureau_req *req, void *state)
{
	json_t *perms;

	(void)state;
	if ((perms = auth_role_permissions(req, req->user.role)) == NULL)
		return -1;
	return resp_json(req, 200, json_pack("{s:o,s:s,s:o}",
	    "user", req_user_json(req), "csrf_token", req->session.csrf,
	    "permissions", perms));
}

/* A name shown to others: 1..DISPLAY_MAX code points, no control
 * characters, not blank. */
static int
display_name_ok(const char *s)
{
	const unsigned char *p;
	long n;
	int blank = 1;

	n = auth_utf8_len(s, strlen(s));
	if (n < 1 || n > DISPLAY_MAX)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p != ' ')
			blank = 0;
	}
	return !blank;
}

static int
auth_me_patch(struct bureau_req *req, void *state)
{
	json_t *body = host_api.req_json(req), *v, *before, *after;
	const char *key, *display_name, *language;
	sqlite3_stmt *st;
	int rc;

	(void)state;
	if (!json_is_object(body) || json_object_size(body) == 0)
		return resp_error(req, 400, "validation_failed", NULL,
		    "expected an object with display_name and/or language");
	json_object_foreach(body, key, v) {
		if (strcmp(key, "display_name") != 0 &&
		    strcmp(key, "language") != 0)
			return resp_error(req, 400, "validation_failed", key,
			    "field cannot be changed here");
	}
	display_name = req->user.display_name;
	language = req->user.language;
	if ((v = json_object_get(body, "display_name")) != NULL) {
		if (!json_is_string(v) ||
		    !display_name_ok(json_string_value(v)))
			return resp_error(req, 400, "validation_failed",
			    "display_name", "1 to 100 characters");
		display_name = host_api.strdup(req, json_string_value(v));
	}
	if ((v = json_object_get(body, "language")) != NULL) {
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "zh-CN") != 0 &&
		    strcmp(json_string_value(v), "en") != 0))
			return resp_error(req, 400, "validation_failed",
			    "language", "zh-CN or en");
		language = host_api.strdup(req, json_string_value(v));
	}

	if (host_api.db_begin(req) == -1)
		return -1;
	st = host_api.db_prepare(req, "UPDATE users SET display_name = ?2,"
	    " language = ?3, updated_at = ?4, version = version + 1"
	    " WHERE id = ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, req->user.id);
	sqlite3_bind_text(st, 2, display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, language, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, req_now(req));
	if (step_done(req, st) == -1)
		goto fail;
	before = json_pack("{s:s,s:s}", "display_name",
	    req->user.display_name, "language", req->user.language);
	after = json_pack("{s:s,s:s}", "display_name", display_name,
	    "language", language);
	rc = audit_from_req(req, "user.update_self", "user", req->user.id,
	    before, after);
	json_decref(before);
	json_decref(after);
	if (rc == -1 || host_api.db_commit(req) == -1)
		goto fail;
	req->user.display_name = display_name;
	req->user.language = language;
	return resp_json(req, 200, json_pack("{s:o}", "user",
	    req_user_json(req)));
fail:
	host_api.db_rollback(req);
	return -1;
}

/* --- POST /api/v1/auth/password ----------------------------------- */

static int
auth_password_change(struct bureau_req *req, void *state)
{
	const struct config *cfg = auth_config();
	json_t *body = host_api.req_json(req), *after;
	const char *current, *newpw, *why;
	char newhash[crypto_pwhash_STRBYTES];
	struct login_user u;
	sqlite3_stmt *st;
	int64_t now = req_now(req);
	int ok, locked, was_locked, revoked, rc = -1;

	(void)state;
	current = json_str_field(body, "current");
	newpw = json_str_field(body, "new");
	if (current == NULL || *current == '\0') {
		rc = resp_error(req, 400, "validation_failed", "current",
		    "current password required");
		goto out;
	}
	if (newpw == NULL) {
		rc = resp_error(req, 400, "validation_failed", "new",
		    "new password required");
		goto out;
	}
	if (auth_password_acceptable(newpw, req->user.username, &why) == -1) {
		rc = resp_error(req, 400, "validation_failed", "new", why);
		goto out;
	}
	if (strcmp(current, newpw) == 0) {
		rc = resp_error(req, 400, "validation_failed", "new",
		    "the new password must differ from the current one");
		goto out;
	}
	memset(&u, 0, sizeof(u));
	if (user_load(req, NULL, req->user.id, &u) != 1)
		goto out;

	if (hashcap_try_acquire(auth_hash_sem()) == -1) {
		resp_header(req, "Retry-After", "1");
		rc = resp_error(req, 503, "busy", NULL,
		    "too many password operations at once; try again");
		goto out;
	}
	/*
	 * A stolen session must not become a password oracle: a wrong
	 * current password counts towards the lockout like a login, and
	 * while the account is locked no answer says whether the password
	 * was right (the hash still runs, so the time says nothing either).
	 */
	was_locked = u.locked_until > now;
	ok = auth_password_verify(u.hash, current) == 0 && !was_locked;
	if (ok && auth_password_hash(cfg, newpw, newhash) == -1)
		ok = -1;
	hashcap_release(auth_hash_sem());
	if (ok == -1)
		goto out;

	if (host_api.db_begin(req) == -1)
		goto out;
	if (!ok) {
		/* As at login, more attempts do not extend a lock. */
		locked = 0;
		if (!was_locked && account_count_failure(req, u.id, now,
		    &locked) == -1)
			goto fail;
		after = json_pack("{s:s,s:b}", "reason", was_locked ?
		    "locked" : "bad_password", "locked_now", locked);
		rc = audit_from_req(req, "auth.password_change_failed", "user",
		    u.id, NULL, after);
		json_decref(after);
		if (rc == -1 || host_api.db_commit(req) == -1)
			goto fail;
		rc = resp_error(req, 400, "invalid_credentials", "current",
		    "the current password is wrong");
		goto out;
	}
	if (account_store_hash(req, u.id, newhash, now, 1) == -1 ||
	    account_clear_failures(req, u.id) == -1)
		goto fail;
	if ((revoked = auth_sessions_revoke_user(req, u.id,
	    req->session.id)) == -1)
		goto fail;
	/* Knowing the password just now counts as a fresh login. */
	st = host_api.db_prepare(req,
	    "UPDATE sessions SET auth_time = ?2 WHERE id = ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, req->session.id);
	sqlite3_bind_int64(st, 2, now);
	if (step_done(req, st) == -1)
		goto fail;
	after = json_pack("{s:i,s:b}", "other_sessions_revoked", revoked,
	    "was_temporary", u.must_change || u.expires_at != 0);
	rc = audit_from_req(req, "auth.password_change", "user", u.id, NULL,
	    after);
	json_decref(after);
	if (rc == -1 || host_api.db_commit(req) == -1)
		goto fail;
	req->session.must_change_password = 0;
	req->session.auth_time = now;
	rc = resp_json(req, 200, json_pack("{s:o,s:s}", "user",
	    req_user_json(req), "csrf_token", req->session.csrf));
	goto out;
fail:
	host_api.db_rollback(req);
	rc = -1;
out:
	sodium_memzero(newhash, sizeof(newhash));
	wipe_secret(req, current);
	if (newpw != NULL)
		sodium_memzero((char *)(uintptr_t)newpw, strlen(newpw));
	return rc;
}

/* --- host API entries for plugins (staff) ------------------------- */

int
auth_host_password_hash(struct bureau_req *req, const char *pw, char *out,
    size_t outlen)
{
	if (outlen < crypto_pwhash_STRBYTES)
		return -1;
	return auth_password_hash_capped(req, pw, out);
}

int
auth_host_password_check_rules(struct bureau_req *req, const char *pw,
    const char *username, const char **why)
{
	(void)req;
	return auth_password_acceptable(pw, username, why);
}

int
auth_host_password_generate(struct bureau_req *req, char *out,
    size_t outlen)
{
	(void)req;
	return auth_password_generate(out, outlen);
}

int
auth_host_sessions_revoke(struct bureau_req *req, int64_t user_id)
{
	return auth_sessions_revoke_user(req, user_id, 0);
}

const struct bureau_route auth_routes[] = {
	{ "POST", "/api/v1/auth/login", auth_login, BUREAU_PERM_PUBLIC,
	    BUREAU_ROUTE_NO_CSRF },
	{ "POST", "/api/v1/auth/logout", auth_logout, BUREAU_PERM_SESSION,
	    BUREAU_ROUTE_PW_CHANGE },
	{ "GET", "/api/v1/auth/me", auth_me_get, BUREAU_PERM_SESSION,
	    BUREAU_ROUTE_PW_CHANGE },
	{ "PATCH", "/api/v1/auth/me", auth_me_patch, BUREAU_PERM_SESSION, 0 },
	{ "POST", "/api/v1/auth/password", auth_password_change,
	    BUREAU_PERM_SESSION, BUREAU_ROUTE_PW_CHANGE },
	{ NULL, NULL, NULL, NULL, 0 }
};
