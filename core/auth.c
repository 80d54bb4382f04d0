/*
 * auth.c -- sessions, CSRF and permission checks.
 *
 * A session token is 32 random bytes sent as base64url in an HttpOnly,
 * SameSite=Strict cookie; the database keeps only its BLAKE2b hash, so a
 * copy of the database does not let anyone sign in.  Each session has its
 * own CSRF token (not secret from the page; compared in constant time).
 *
 * Expiry is measured with req_now() so the tests can move the clock:
 * idle (now - last_seen) and absolute (now - created_at).  last_seen is
 * written at most once a minute: every write is an fsync under
 * synchronous=FULL, and a GET should not cost one.
 */
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "app.h"
#include "audit.h"
#include "auth.h"
#include "db.h"
#include "hashcap.h"
#include "log.h"
#include "request.h"

#define COOKIE_SECURE	"__Host-bureau_session"
#define COOKIE_DEV	"bureau_session"
#define LAST_SEEN_EVERY	60

/* Set once per process by auth_init before threads start. */
static const struct config	*auth_cfg;
static int			 auth_semid = -1;

const struct config *
auth_config(void)
{
	return auth_cfg;
}

int
auth_hash_sem(void)
{
	return auth_semid;
}

/* The hash cap's slots: cfg->hash_cap, or cores - 1, at least 1. */
static int
auth_hash_slots(const struct config *cfg)
{
	long cores;

	if (cfg->hash_cap > 0)
		return cfg->hash_cap;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 1 ? (int)cores - 1 : 1;
}

/*
 * The master's part: create (or re-size) the semaphore set before the
 * workers start, and remove it when bureaud stops, so sets do not pile
 * up in the kernel across runs.  Workers find the same set by its key.
 */
static int	master_semid = -1;

int
auth_master_init(const struct config *cfg)
{
	if (cfg->db_path == NULL)
		return 0;
	master_semid = hashcap_create(cfg->db_path, auth_hash_slots(cfg));
	return 0;	/* workers retry and log on their own */
}

void
auth_master_fini(void)
{
	if (master_semid >= 0 && hashcap_remove(master_semid) == -1)
		log_warn("auth: removing the hash-cap semaphore: %m");
	master_semid = -1;
}

int
auth_init(const struct config *cfg)
{

	if (sodium_init() < 0) {
		log_err("auth: sodium_init failed");
		return -1;
	}
	auth_cfg = cfg;
	if (auth_password_init(cfg) == -1 ||
	    auth_password_dummy_init(cfg) == -1)
		return -1;
	/* The key is made by `bureauctl init`; a missing one is made here
	 * rather than refusing to serve, and said loudly. */
	if (audit_key_load(cfg, 0) == -1) {
		log_warn("auth: audit key %s missing, creating it",
		    cfg->audit_key_path != NULL ? cfg->audit_key_path : "?");
		if (audit_key_load(cfg, 1) == -1)
			return -1;
	}
	if (auth_semid == -1 && cfg->db_path != NULL) {
		/* Without the semaphore logins still work, uncapped. */
		auth_semid = hashcap_create(cfg->db_path,
		    auth_hash_slots(cfg));
		if (auth_semid == -1)
			log_err("auth: no hash cap: logins are not limited");
	}
	if (cfg->public_origin == NULL || *cfg->public_origin == '\0')
		log_warn("auth: no public_origin: Origin headers are refused");
	audit_log_head_file(cfg);
	return 0;
}

/* --- tokens -------------------------------------------------------- */

static void
auth_token_new(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

static void
auth_token_hash(const char *token, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token,
	    strlen(token), NULL, 0);
}

static int
auth_token_wellformed(const char *t)
{
	size_t i;

	if (t == NULL || strlen(t) != AUTH_TOKEN_LEN)
		return 0;
	for (i = 0; i < AUTH_TOKEN_LEN; i++) {
		char c = t[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* --- cookies ------------------------------------------------------- */

/*
 * The __Host- prefix and Secure unless in the documented plain-HTTP dev
 * mode; a dev-mode instance reached over TLS still gets the secure form.
 */
static int
auth_cookie_secure(struct bureau_req *req)
{
	return !auth_cfg->dev_mode || req->https;
}

static int
auth_cookie_set(struct bureau_req *req, const char *token)
{
	char *v;

	if (auth_cookie_secure(req))
		v = host_api.printf(req, "%s=%s; Path=/; Secure; HttpOnly; "
		    "SameSite=Strict", COOKIE_SECURE, token);
	else
		v = host_api.printf(req, "%s=%s; Path=/; HttpOnly; "
		    "SameSite=Strict", COOKIE_DEV, token);
	return resp_header(req, "Set-Cookie", v);
}

int
auth_cookie_clear(struct bureau_req *req)
{
	char *v;

	if (auth_cookie_secure(req))
		v = host_api.printf(req, "%s=; Path=/; Max-Age=0; Secure; "
		    "HttpOnly; SameSite=Strict", COOKIE_SECURE);
	else
		v = host_api.printf(req, "%s=; Path=/; Max-Age=0; HttpOnly; "
		    "SameSite=Strict", COOKIE_DEV);
	return resp_header(req, "Set-Cookie", v);
}

/* --- sessions ------------------------------------------------------ */

static const char *
auth_col_text(struct bureau_req *req, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return host_api.strdup(req, t != NULL ? (const char *)t : "");
}

int
auth_session_load(struct bureau_req *req)
{
	static const char sql[] =
	    "SELECT s.id, s.csrf_token, s.created_at, s.last_seen,"
	    "  s.auth_time, u.id, u.username, u.display_name, u.title,"
	    "  u.role, u.language, u.must_change_password"
	    " FROM sessions s JOIN users u ON u.id = s.user_id"
	    " WHERE s.token_hash = ?1 AND s.revoked_at IS NULL"
	    "   AND u.active = 1";
	unsigned char th[32];
	sqlite3_stmt *st;
	const char *token;
	int64_t now, created, last_seen;
	int rc;

	req->has_user = 0;
	memset(&req->session, 0, sizeof(req->session));
	/*
	 * Outside the plain-HTTP dev mode only the __Host- cookie counts:
	 * a cookie without the prefix can be planted by a sibling
	 * subdomain or over plain HTTP (cookie tossing), which is what the
	 * prefix is there to rule out -- it would sign a victim in to an
	 * account of the attacker's choosing.
	 */
	token = kvlist_get(&req->cookies, COOKIE_SECURE);
	if (token == NULL && auth_cfg->dev_mode)
		token = kvlist_get(&req->cookies, COOKIE_DEV);
	if (!auth_token_wellformed(token))
		return 0;
	auth_token_hash(token, th);

	if ((st = host_api.db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, th, sizeof(th), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		log_err("auth: session lookup: %s",
		    sqlite3_errmsg(sqlite3_db_handle(st)));
		sqlite3_reset(st);
		return -1;
	}
	now = req_now(req);
	created = sqlite3_column_int64(st, 2);
	last_seen = sqlite3_column_int64(st, 3);
	if (now - last_seen > auth_cfg->session_idle ||
	    now - created > auth_cfg->session_absolute) {
		sqlite3_reset(st);
		return 0;	/* expired: as if there were no cookie */
	}
	req->session.id = sqlite3_column_int64(st, 0);
	snprintf(req->session.csrf, sizeof(req->session.csrf), "%s",
	    (const char *)sqlite3_column_text(st, 1));
	req->session.auth_time = sqlite3_column_int64(st, 4);
	req->session.must_change_password = sqlite3_column_int(st, 11) != 0;
	req->user.id = sqlite3_column_int64(st, 5);
	req->user.username = auth_col_text(req, st, 6);
	req->user.display_name = auth_col_text(req, st, 7);
	req->user.title = auth_col_text(req, st, 8);
	req->user.role = auth_col_text(req, st, 9);
	req->user.language = auth_col_text(req, st, 10);
	req->has_user = 1;
	sqlite3_reset(st);

	if (now - last_seen >= LAST_SEEN_EVERY) {
		st = host_api.db_prepare(req,
		    "UPDATE sessions SET last_seen = ?1 WHERE id = ?2");
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, req->session.id);
		/* A busy database only delays the touch; not an error. */
		if (sqlite3_step(st) != SQLITE_DONE)
			log_warn("auth: last_seen not updated: %s",
			    sqlite3_errmsg(sqlite3_db_handle(st)));
		sqlite3_reset(st);
	}
	return 0;
}

/*
 * The User-Agent as stored: a header may carry any byte, and the staff
 * plugin lists it back as JSON, which takes only UTF-8.  Invalid
 * sequences and control characters become '?', and the cut to fit
 * falls on a character boundary.
 */
static void
auth_ua_clean(const char *in, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0, n;

	while (*p != '\0' && o + 1 < outlen) {
		if (*p < 0x80) {
			out[o++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
			p++;
			continue;
		}
		n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		if (strnlen((const char *)p, n) == n &&
		    auth_utf8_len((const char *)p, n) == 1) {
			if (o + n + 1 > outlen)
				break;
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			out[o++] = '?';
			p++;
		}
	}
	out[o] = '\0';
}

int
auth_session_create(struct bureau_req *req, int64_t user_id)
{
	static const char sql[] =
	    "INSERT INTO sessions(token_hash, user_id, csrf_token,"
	    "  created_at, last_seen, auth_time, ip, user_agent)"
	    " VALUES (?1, ?2, ?3, ?4, ?4, ?4, ?5, ?6)";
	char token[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	char ua[256];
	unsigned char th[32];
	const char *agent;
	sqlite3_stmt *st;
	int64_t now = req_now(req);
	int rc;

	auth_token_new(token);
	auth_token_new(csrf);
	auth_token_hash(token, th);
	agent = req_env(req, "HTTP_USER_AGENT");
	auth_ua_clean(agent != NULL ? agent : "", ua, sizeof(ua));

	if ((st = host_api.db_prepare(req, sql)) == NULL)
		goto fail;
	sqlite3_bind_blob(st, 1, th, sizeof(th), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_text(st, 3, csrf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now);
	if (req->remote_addr != NULL)
		sqlite3_bind_text(st, 5, req->remote_addr, -1,
		    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, ua, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_err("auth: session insert: %s",
		    sqlite3_errmsg(host_api.db(req)));
		goto fail;
	}
	req->session.id = sqlite3_last_insert_rowid(host_api.db(req));
	snprintf(req->session.csrf, sizeof(req->session.csrf), "%s", csrf);
	req->session.auth_time = now;
	req->session.rotated = 1;
	if (auth_cookie_set(req, token) == -1)
		goto fail;
	sodium_memzero(token, sizeof(token));
	return 0;
fail:
	sodium_memzero(token, sizeof(token));
	return -1;
}

/*
 * Revokes the live sessions that sql picks: ?1 is now, ?2 the user, ?3 a
 * session id.  The number revoked, or -1.
 */
static int
sessions_revoke_where(struct bureau_req *req, const char *sql,
    int64_t user_id, int64_t session_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = host_api.db_prepare(req, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, req_now(req));
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int64(st, 3, session_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(host_api.db(req));
}

int
auth_session_revoke_of(struct bureau_req *req, int64_t user_id,
    int64_t session_id)
{
	/* The owner in the WHERE: someone else's id ends nothing. */
	return sessions_revoke_where(req, "UPDATE sessions SET revoked_at ="
	    " ?1 WHERE user_id = ?2 AND id = ?3 AND revoked_at IS NULL",
	    user_id, session_id);
}

int
auth_sessions_revoke_user(struct bureau_req *req, int64_t user_id,
    int64_t except)
{
	return sessions_revoke_where(req, "UPDATE sessions SET revoked_at ="
	    " ?1 WHERE user_id = ?2 AND id != ?3 AND revoked_at IS NULL",
	    user_id, except);
}

/* --- passwords with the cap held ---------------------------------- */

int
auth_password_hash_capped(struct bureau_req *req, const char *pw, char *out)
{
	const struct config *cfg = auth_cfg;
	int rc;

	/* bureauctl runs no auth_init: its request knows the config. */
	if (cfg == NULL && req->thr != NULL && req->thr->app != NULL)
		cfg = req->thr->app->cfg;

	if (cfg == NULL)
		return -1;
	if (hashcap_try_acquire(auth_semid) == -1)
		return 1;
	rc = auth_password_hash(cfg, pw, out);
	hashcap_release(auth_semid);
	return rc;
}

/* --- permissions --------------------------------------------------- */

int
auth_can(struct bureau_req *req, const char *permission)
{
	sqlite3_stmt *st;
	int rc;

	if (permission == NULL)
		return 0;
	if (strcmp(permission, BUREAU_PERM_PUBLIC) == 0)
		return 1;
	if (!req->has_user || req->user.role == NULL)
		return 0;
	if (strcmp(permission, BUREAU_PERM_SESSION) == 0)
		return 1;
	/* bureauctl's internal request (request_internal_init); no account
	 * can carry this role (users.role has a CHECK). */
	if (req->user.id == 0 && strcmp(req->user.role, "system") == 0)
		return 1;
	/* Held only when some row grants it: a permission nobody was given
	 * is denied to everyone, admins included. */
	st = host_api.db_prepare(req, "SELECT 1 FROM role_permissions"
	    " WHERE role = ?1 AND permission = ?2");
	if (st == NULL)
		return 0;
	sqlite3_bind_text(st, 1, req->user.role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, permission, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_ROW;
}

json_t *
auth_role_permissions(struct bureau_req *req, const char *role)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();

	st = host_api.db_prepare(req, "SELECT permission FROM role_permissions"
	    " WHERE role = ?1 ORDER BY permission");
	if (st == NULL || arr == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_string(
		    (const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

/* --- CSRF ---------------------------------------------------------- */

static int
auth_method_safe(const char *m)
{
	return m == NULL || strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    strcmp(m, "OPTIONS") == 0;
}

/* Origin is scheme://host[:port]; the configured one may end in "/". */
static int
auth_origin_ok(const char *origin)
{
	const char *want = auth_cfg->public_origin;
	size_t n;

	if (want == NULL)
		return 0;
	n = strlen(want);
	while (n > 0 && want[n - 1] == '/')
		n--;
	return strlen(origin) == n && strncasecmp(origin, want, n) == 0;
}

int
auth_csrf_check(struct bureau_req *req, unsigned route_flags)
{
	const char *origin, *tok;
	size_t n;

	if (auth_method_safe(req->method))
		return 0;
	origin = req_env(req, "HTTP_ORIGIN");
	if (origin != NULL && !auth_origin_ok(origin))
		goto fail;
	if (route_flags & BUREAU_ROUTE_NO_CSRF)
		return 0;
	tok = req_env(req, "HTTP_X_CSRF_TOKEN");
	if (!req->has_user || req->session.id == 0 || tok == NULL)
		goto fail;
	n = strlen(req->session.csrf);
	if (n == 0 || strlen(tok) != n ||
	    sodium_memcmp(tok, req->session.csrf, n) != 0)
		goto fail;
	return 0;
fail:
	resp_error(req, 403, "csrf_failed", NULL,
	    "missing or wrong CSRF token or Origin");
	return -1;
}
