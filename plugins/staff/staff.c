/*
 * staff -- account administration for admins (permission staff.admin).
 *
 *	GET    /api/v1/staff			list (q, role, active, limit, offset)
 *	POST   /api/v1/staff			create; one-time password, once  [reauth]
 *	GET    /api/v1/staff/{id}
 *	PATCH  /api/v1/staff/{id}		display_name, title, department,
 *						role, language, active; version  [reauth]
 *	POST   /api/v1/staff/{id}/reset-password	one-time password  [reauth]
 *	POST   /api/v1/staff/{id}/unlock
 *	GET    /api/v1/staff/{id}/sessions
 *	DELETE /api/v1/staff/{id}/sessions	sign out everywhere
 *	DELETE /api/v1/staff/{id}/sessions/{sid}	end one session
 *
 * The accounts live in the core's users table (the core authenticates
 * them); this plugin only administers them, through plugin.h alone:
 * hashing, the password rules and revoking sessions are host calls.
 *
 * Every write runs in one transaction with its audit entry (before and
 * after, never a hash or a password).  "The last active admin cannot be
 * demoted or deactivated" is checked inside that transaction, so two
 * admins demoting each other at once cannot both succeed.
 *
 * Passwords made here are temporary: valid 24 h, and the user must
 * change them at the first sign-in (the core enforces both).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bureau/plugin.h"

#define PERM		"staff.admin"
#define TEMP_TTL	86400
#define PW_BUF		64
#define HASH_BUF	160
#define TEXT_MAX	100	/* code points for names, titles, departments */

struct staff_state {
	const struct bureau_host *host;
};

/* One account as this plugin shows it. */
#define USER_COLS							\
	"u.id, u.username, u.display_name, u.title, u.department, u.role,"	\
	" u.language, u.active, u.must_change_password,"		\
	" u.password_expires_at, u.locked_until, u.failed_count,"	\
	" u.created_at, u.updated_at, u.version,"			\
	" (SELECT max(last_seen) FROM sessions s WHERE s.user_id = u.id)"

/* --- helpers ------------------------------------------------------- */

static json_t *
time_json(sqlite3_stmt *st, int col)
{
	char buf[24];
	struct tm tm;
	time_t t;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	t = (time_t)sqlite3_column_int64(st, col);
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static const char *
text(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t != NULL ? t : "";
}

/* A row of USER_COLS as JSON; now decides "locked". */
static json_t *
user_row_json(sqlite3_stmt *st, int64_t now)
{
	int64_t locked_until = sqlite3_column_int64(st, 10);

	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:o,s:b,s:o,"
	    "s:I,s:o,s:o,s:I,s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "username", text(st, 1),
	    "display_name", text(st, 2),
	    "title", text(st, 3),
	    "department", text(st, 4),
	    "role", text(st, 5),
	    "language", text(st, 6),
	    "active", sqlite3_column_int(st, 7) != 0,
	    "must_change_password", sqlite3_column_int(st, 8) != 0,
	    "password_expires_at", time_json(st, 9),
	    "locked", sqlite3_column_type(st, 10) != SQLITE_NULL &&
		locked_until > now,
	    "locked_until", time_json(st, 10),
	    "failed_count", (json_int_t)sqlite3_column_int64(st, 11),
	    "created_at", time_json(st, 12),
	    "updated_at", time_json(st, 13),
	    "version", (json_int_t)sqlite3_column_int64(st, 14),
	    "last_seen", time_json(st, 15));
}

/* The account as JSON, NULL when there is none (or on an error). */
static json_t *
user_get(const struct bureau_host *h, struct bureau_req *req, int64_t id)
{
	sqlite3_stmt *st;
	json_t *j = NULL;

	st = h->db_prepare(req, "SELECT " USER_COLS " FROM users u"
	    " WHERE u.id = ?1");
	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		j = user_row_json(st, h->now(req));
	sqlite3_reset(st);
	return j;
}

static int
step_done(const struct bureau_host *h, struct bureau_req *req,
    sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		h->log(BUREAU_LOG_ERR, "staff: %s",
		    sqlite3_errmsg(h->db(req)));
		return -1;
	}
	return 0;
}

/* Code points of a (valid UTF-8, as Jansson guarantees) string; -1 when
 * it holds a control character. */
static long
text_len(const char *s)
{
	const unsigned char *p;
	long n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return -1;
		if ((*p & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static int
text_ok(const char *s, long min)
{
	long n = text_len(s);
	const char *p;

	if (n < min || n > TEXT_MAX)
		return 0;
	if (min > 0) {	/* required: not only blanks */
		for (p = s; *p == ' '; p++)
			;
		if (*p == '\0')
			return 0;
	}
	return 1;
}

static int
role_ok(const char *r)
{
	return strcmp(r, "admin") == 0 || strcmp(r, "officer") == 0 ||
	    strcmp(r, "viewer") == 0 || strcmp(r, "auditor") == 0;
}

static int
language_ok(const char *l)
{
	return strcmp(l, "zh-CN") == 0 || strcmp(l, "en") == 0;
}

/* [a-z0-9][a-z0-9._-]{1,31}: typed at the sign-in form, shown in logs. */
static int
username_ok(const char *u)
{
	size_t i, n = strlen(u);

	if (n < 2 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		char c = u[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '.' || c == '_' || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

static void
wipe(char *p, size_t n)
{
	volatile char *v = p;

	while (n-- > 0)
		*v++ = '\0';
}

static const char *
iso_time(const struct bureau_host *h, struct bureau_req *req, int64_t t)
{
	char buf[24];
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return h->strdup(req, buf);
}

/*
 * A temporary password and its hash, made before any transaction opens
 * (Argon2id must not hold the write lock).  0, -1 after having answered
 * (503 busy) or -1 without an answer (error).
 */
static int
temp_password(const struct bureau_host *h, struct bureau_req *req,
    char pw[PW_BUF], char hash[HASH_BUF], int *answered)
{
	int rc;

	*answered = 0;
	if (h->password_generate(req, pw, PW_BUF) == -1)
		return -1;
	rc = h->password_hash(req, pw, hash, HASH_BUF);
	if (rc == 1) {
		wipe(pw, PW_BUF);
		h->resp_header(req, "Retry-After", "1");
		h->resp_error(req, 503, "busy", NULL,
		    "too many password operations at once; try again");
		*answered = 1;
		return -1;
	}
	if (rc != 0) {
		wipe(pw, PW_BUF);
		return -1;
	}
	return 0;
}

/* Active admins other than `except`, inside the caller's transaction. */
static int64_t
other_active_admins(const struct bureau_host *h, struct bureau_req *req,
    int64_t except)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	st = h->db_prepare(req, "SELECT count(*) FROM users"
	    " WHERE role = 'admin' AND active = 1 AND id != ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, except);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static int
not_found(const struct bureau_host *h, struct bureau_req *req)
{
	return h->resp_error(req, 404, "not_found", NULL, "no such account");
}

/* --- GET /api/v1/staff -------------------------------------------- */

static int
query_int(const struct bureau_host *h, struct bureau_req *req,
    const char *name, long long lo, long long hi, long long dflt,
    long long *out)
{
	const char *v = h->req_query(req, name);
	char *end;

	*out = dflt;
	if (v == NULL)
		return 0;
	if (*v < '0' || *v > '9')
		return -1;
	*out = strtoll(v, &end, 10);
	return *end == '\0' && *out >= lo && *out <= hi ? 0 : -1;
}

/* "%q%" for LIKE ... ESCAPE '\': the user's % and _ match themselves. */
static const char *
like_pattern(const struct bureau_host *h, struct bureau_req *req,
    const char *q)
{
	char *out, *o;

	if ((out = h->alloc(req, 2 * strlen(q) + 3)) == NULL)
		return NULL;
	o = out;
	*o++ = '%';
	for (; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

static int
staff_list(struct bureau_req *req, void *state)
{
	static const char where[] =
	    " FROM users u WHERE (?1 IS NULL OR u.username LIKE ?1 ESCAPE '\\'"
	    "   OR u.display_name LIKE ?1 ESCAPE '\\'"
	    "   OR u.title LIKE ?1 ESCAPE '\\')"
	    " AND (?2 IS NULL OR u.role = ?2)"
	    " AND (?3 IS NULL OR u.active = ?3)";
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	const char *q, *role, *active;
	long long limit, offset;
	sqlite3_stmt *st;
	json_t *items, *row;
	int64_t total = 0, now = h->now(req);
	int pass, rc, act = -1;

	q = h->req_query(req, "q");
	role = h->req_query(req, "role");
	active = h->req_query(req, "active");
	if (role != NULL && !role_ok(role))
		return h->resp_error(req, 400, "validation_failed", "role",
		    "admin, officer, viewer or auditor");
	if (active != NULL) {
		if (strcmp(active, "true") == 0 || strcmp(active, "1") == 0)
			act = 1;
		else if (strcmp(active, "false") == 0 ||
		    strcmp(active, "0") == 0)
			act = 0;
		else
			return h->resp_error(req, 400, "validation_failed",
			    "active", "true or false");
	}
	if (query_int(h, req, "limit", 1, 200, 50, &limit) == -1)
		return h->resp_error(req, 400, "validation_failed", "limit",
		    "1 to 200");
	if (query_int(h, req, "offset", 0, 1000000000, 0, &offset) == -1)
		return h->resp_error(req, 400, "validation_failed", "offset",
		    "a number from 0");
	if (q != NULL && strlen(q) > 100)
		return h->resp_error(req, 400, "validation_failed", "q",
		    "at most 100 characters");

	if ((items = json_array()) == NULL)
		return -1;
	for (pass = 0; pass < 2; pass++) {
		st = h->db_prepare(req, pass == 0 ?
		    h->printf(req, "SELECT count(*)%s", where) :
		    h->printf(req, "SELECT " USER_COLS "%s"
		    " ORDER BY u.username LIMIT ?4 OFFSET ?5", where));
		if (st == NULL)
			goto fail;
		if (q != NULL && *q != '\0')
			sqlite3_bind_text(st, 1, like_pattern(h, req, q), -1,
			    SQLITE_TRANSIENT);
		if (role != NULL)
			sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
		if (act != -1)
			sqlite3_bind_int(st, 3, act);
		if (pass == 0) {
			if (sqlite3_step(st) == SQLITE_ROW)
				total = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
			continue;
		}
		sqlite3_bind_int64(st, 4, limit);
		sqlite3_bind_int64(st, 5, offset);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			row = user_row_json(st, now);
			if (row == NULL || json_array_append_new(items, row)) {
				sqlite3_reset(st);
				goto fail;
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	return h->resp_json(req, 200, json_pack("{s:o,s:I}", "items", items,
	    "total", (json_int_t)total));
fail:
	json_decref(items);
	return -1;
}

/* --- POST /api/v1/staff ------------------------------------------- */

struct new_staff {
	const char	*username, *display_name, *title, *department;
	const char	*role, *language;
};

/* Inserts and audits inside the caller's transaction; the new id, 0
 * when the name is taken, -1 on error. */
static int64_t
staff_insert(const struct bureau_host *h, struct bureau_req *req,
    const struct new_staff *n, const char *hash, int64_t now)
{
	sqlite3_stmt *st;
	json_t *after;
	int64_t id;
	int rc;

	st = h->db_prepare(req, "SELECT 1 FROM users WHERE username = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, n->username, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	st = h->db_prepare(req, "INSERT INTO users(username, display_name,"
	    " title, department, role, language, password_hash,"
	    " must_change_password, password_expires_at, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9, ?9)");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, n->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, n->department, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, n->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, n->language, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now + TEMP_TTL);
	sqlite3_bind_int64(st, 9, now);
	if (step_done(h, req, st) == -1)
		return -1;
	id = sqlite3_last_insert_rowid(h->db(req));
	after = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b}",
	    "username", n->username, "display_name", n->display_name,
	    "title", n->title, "department", n->department, "role", n->role,
	    "language", n->language, "active", 1, "must_change_password", 1);
	rc = h->audit(req, "staff.create", "user", id, NULL, after);
	json_decref(after);
	return rc == -1 ? -1 : id;
}

/*
 * The account staff_insert just wrote, as user_get would show it, built
 * from the values written rather than read back: the create's answer
 * carries the one-time password, and a read-back failing after the
 * commit would turn a committed account into a 500 whose password
 * nobody ever sees.  Keep in step with the INSERT and the table's
 * defaults (active 1, failed_count 0, no lock, version 1, no session).
 */
static json_t *
new_user_json(const struct bureau_host *h, struct bureau_req *req,
    const struct new_staff *n, int64_t id, int64_t now)
{
	const char *created = iso_time(h, req, now);

	/* s with a NULL string (arena exhausted) fails the pack: NULL. */
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:b,s:n,"
	    "s:I,s:s,s:s,s:I,s:n}",
	    "id", (json_int_t)id,
	    "username", n->username,
	    "display_name", n->display_name,
	    "title", n->title,
	    "department", n->department,
	    "role", n->role,
	    "language", n->language,
	    "active", 1,
	    "must_change_password", 1,
	    "password_expires_at", iso_time(h, req, now + TEMP_TTL),
	    "locked", 0,
	    "locked_until",
	    "failed_count", (json_int_t)0,
	    "created_at", created,
	    "updated_at", created,
	    "version", (json_int_t)1,
	    "last_seen");
}

static const char *
opt_str(json_t *body, const char *key, const char *dflt)
{
	json_t *v = json_object_get(body, key);

	return v == NULL ? dflt : json_string_value(v);	/* NULL: not a string */
}

static int
staff_create(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	json_t *body = h->req_json(req), *v, *user, *resp = NULL;
	char pw[PW_BUF], hash[HASH_BUF];
	struct new_staff n;
	const char *key;
	int64_t now = h->now(req), id;
	int answered, rc = -1;

	memset(pw, 0, sizeof(pw));
	if (!json_is_object(body))
		return h->resp_error(req, 400, "validation_failed", NULL,
		    "expected an object");
	json_object_foreach(body, key, v) {
		if (strcmp(key, "username") != 0 &&
		    strcmp(key, "display_name") != 0 &&
		    strcmp(key, "title") != 0 &&
		    strcmp(key, "department") != 0 &&
		    strcmp(key, "role") != 0 && strcmp(key, "language") != 0)
			return h->resp_error(req, 400, "validation_failed",
			    key, "unknown field");
	}
	n.username = opt_str(body, "username", NULL);
	n.display_name = opt_str(body, "display_name", NULL);
	n.title = opt_str(body, "title", "");
	n.department = opt_str(body, "department", "");
	n.role = opt_str(body, "role", NULL);
	n.language = opt_str(body, "language", "zh-CN");
	if (n.username == NULL || !username_ok(n.username))
		return h->resp_error(req, 400, "validation_failed", "username",
		    "2 to 32 of a-z, 0-9, '.', '_', '-', starting with a "
		    "letter or digit");
	if (n.display_name == NULL || !text_ok(n.display_name, 1))
		return h->resp_error(req, 400, "validation_failed",
		    "display_name", "1 to 100 characters");
	if (n.title == NULL || !text_ok(n.title, 0))
		return h->resp_error(req, 400, "validation_failed", "title",
		    "at most 100 characters");
	if (n.department == NULL || !text_ok(n.department, 0))
		return h->resp_error(req, 400, "validation_failed",
		    "department", "at most 100 characters");
	if (n.role == NULL || !role_ok(n.role))
		return h->resp_error(req, 400, "validation_failed", "role",
		    "admin, officer, viewer or auditor");
	if (n.language == NULL || !language_ok(n.language))
		return h->resp_error(req, 400, "validation_failed", "language",
		    "zh-CN or en");

	if (temp_password(h, req, pw, hash, &answered) == -1)
		return answered ? 0 : -1;
	if (h->db_begin(req) == -1)
		goto out;
	id = staff_insert(h, req, &n, hash, now);
	if (id == 0) {
		h->db_rollback(req);
		rc = h->resp_error(req, 409, "conflict", "username",
		    "this user name is taken");
		goto out;
	}
	if (id == -1) {
		h->db_rollback(req);
		goto out;
	}
	/*
	 * The answer is complete before the commit, so nothing after it
	 * can fail: a committed account always answers 201 with the only
	 * copy of its password (the only time it is ever shown).
	 */
	if ((user = new_user_json(h, req, &n, id, now)) == NULL ||
	    (resp = json_pack("{s:o,s:s,s:s}", "user", user, "password", pw,
	    "password_expires_at", iso_time(h, req, now + TEMP_TTL))) ==
	    NULL || h->db_commit(req) == -1) {
		h->db_rollback(req);
		goto out;
	}
	h->resp_header(req, "Location", h->printf(req, "/api/v1/staff/%lld",
	    (long long)id));
	rc = h->resp_json(req, 201, resp);
	resp = NULL;
out:
	json_decref(resp);
	wipe(pw, sizeof(pw));
	wipe(hash, sizeof(hash));
	return rc;
}

/* --- GET/PATCH /api/v1/staff/{id} --------------------------------- */

static int
staff_get(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	json_t *user;

	if ((user = user_get(h, req, h->req_param_id(req, "id"))) == NULL)
		return not_found(h, req);
	return h->resp_json(req, 200, json_pack("{s:o}", "user", user));
}

/* The editable fields: name in the body and in the table. */
static const char *const patch_fields[] = {
	"display_name", "title", "department", "role", "language", NULL
};

/* Answers 400 validation_failed; 1 = answered. */
static int
patch_bad(const struct bureau_host *h, struct bureau_req *req,
    const char *field, const char *msg)
{
	h->resp_error(req, 400, "validation_failed", field, msg);
	return 1;
}

/* 0 when the body is acceptable, 1 after having answered 400. */
static int
patch_validate(const struct bureau_host *h, struct bureau_req *req,
    json_t *body)
{
	const char *key, *s;
	json_t *v;
	size_t i;

	if (!json_is_object(body) || json_object_size(body) == 0)
		return patch_bad(h, req, NULL,
		    "expected an object with the fields to change");
	json_object_foreach(body, key, v) {
		for (i = 0; patch_fields[i] != NULL; i++)
			if (strcmp(key, patch_fields[i]) == 0)
				break;
		if (patch_fields[i] != NULL) {
			s = json_string_value(v);
			if (s == NULL ||
			    (strcmp(key, "display_name") == 0 &&
			    !text_ok(s, 1)) ||
			    ((strcmp(key, "title") == 0 ||
			    strcmp(key, "department") == 0) &&
			    !text_ok(s, 0)) ||
			    (strcmp(key, "role") == 0 && !role_ok(s)) ||
			    (strcmp(key, "language") == 0 && !language_ok(s)))
				return patch_bad(h, req, key, "invalid value");
			continue;
		}
		if (strcmp(key, "active") == 0) {
			if (!json_is_boolean(v))
				return patch_bad(h, req, key, "true or false");
			continue;
		}
		if (strcmp(key, "version") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1)
				return patch_bad(h, req, key,
				    "a positive integer");
			continue;
		}
		return patch_bad(h, req, key, "field cannot be changed");
	}
	return 0;
}

static int
staff_patch(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	json_t *body = h->req_json(req), *cur = NULL, *before, *after, *v;
	const char *key;
	sqlite3_stmt *st;
	int64_t id = h->req_param_id(req, "id"), now = h->now(req), admins;
	int was_admin, will_admin, was_active, will_active, rc = -1, ar;
	size_t i;

	if (patch_validate(h, req, body) != 0)
		return 0;	/* answered */
	if ((before = json_object()) == NULL ||
	    (after = json_object()) == NULL) {
		json_decref(before);
		return -1;
	}
	if (h->db_begin(req) == -1)
		goto out;
	if ((cur = user_get(h, req, id)) == NULL) {
		h->db_rollback(req);
		rc = not_found(h, req);
		goto out;
	}
	v = json_object_get(body, "version");
	if (v != NULL && json_integer_value(v) !=
	    json_integer_value(json_object_get(cur, "version"))) {
		h->db_rollback(req);
		rc = h->resp_error(req, 409, "conflict", "version",
		    "the account was changed meanwhile; reload it");
		goto out;
	}
	/* Only what really changes goes into the update and the audit. */
	json_object_foreach(body, key, v) {
		if (strcmp(key, "version") == 0)
			continue;
		if (json_equal(v, json_object_get(cur, key)))
			continue;
		json_object_set(before, key, json_object_get(cur, key));
		json_object_set(after, key, v);
	}
	if (json_object_size(after) == 0) {
		h->db_rollback(req);
		rc = h->resp_json(req, 200, json_pack("{s:O}", "user", cur));
		goto out;
	}

	was_admin = strcmp(json_string_value(json_object_get(cur, "role")),
	    "admin") == 0;
	was_active = json_is_true(json_object_get(cur, "active"));
	v = json_object_get(after, "role");
	will_admin = v != NULL ? strcmp(json_string_value(v), "admin") == 0 :
	    was_admin;
	v = json_object_get(after, "active");
	will_active = v != NULL ? json_is_true(v) : was_active;
	if (was_admin && was_active && !(will_admin && will_active)) {
		if ((admins = other_active_admins(h, req, id)) == -1) {
			h->db_rollback(req);
			goto out;
		}
		if (admins == 0) {
			h->db_rollback(req);
			rc = h->resp_error(req, 409, "last_admin", NULL,
			    "the last active admin cannot be demoted or "
			    "deactivated");
			goto out;
		}
	}

	for (i = 0; patch_fields[i] != NULL; i++) {
		if ((v = json_object_get(after, patch_fields[i])) == NULL)
			continue;
		/* The column name comes from patch_fields, never the body. */
		st = h->db_prepare(req, h->printf(req, "UPDATE users SET %s"
		    " = ?2 WHERE id = ?1", patch_fields[i]));
		if (st == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, json_string_value(v), -1,
		    SQLITE_STATIC);
		if (step_done(h, req, st) == -1)
			goto fail;
	}
	st = h->db_prepare(req, "UPDATE users SET active = ?2,"
	    " updated_at = ?3, version = version + 1 WHERE id = ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, will_active);
	sqlite3_bind_int64(st, 3, now);
	if (step_done(h, req, st) == -1)
		goto fail;
	/* A deactivated account is signed out everywhere at once. */
	if (was_active && !will_active) {
		if ((ar = h->sessions_revoke(req, id)) == -1)
			goto fail;
		json_object_set_new(after, "sessions_revoked",
		    json_integer(ar));
	}
	if (h->audit(req, "staff.update", "user", id, before, after) == -1 ||
	    h->db_commit(req) == -1)
		goto fail;
	json_decref(cur);
	if ((cur = user_get(h, req, id)) == NULL)
		goto out;
	rc = h->resp_json(req, 200, json_pack("{s:O}", "user", cur));
	goto out;
fail:
	h->db_rollback(req);
	rc = -1;
out:
	json_decref(cur);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* --- POST /api/v1/staff/{id}/reset-password ----------------------- */

static int
staff_reset_password(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	char pw[PW_BUF], hash[HASH_BUF];
	sqlite3_stmt *st;
	json_t *after, *cur;
	int64_t id = h->req_param_id(req, "id"), now = h->now(req);
	int answered, revoked, rc = -1, arc;

	memset(pw, 0, sizeof(pw));
	if ((cur = user_get(h, req, id)) == NULL)
		return not_found(h, req);
	json_decref(cur);
	if (temp_password(h, req, pw, hash, &answered) == -1)
		return answered ? 0 : -1;
	if (h->db_begin(req) == -1)
		goto out;
	st = h->db_prepare(req, "UPDATE users SET password_hash = ?2,"
	    " must_change_password = 1, password_expires_at = ?3,"
	    " failed_count = 0, first_failed_at = NULL, locked_until = NULL,"
	    " updated_at = ?4, version = version + 1 WHERE id = ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now + TEMP_TTL);
	sqlite3_bind_int64(st, 4, now);
	if (step_done(h, req, st) == -1)
		goto fail;
	if (sqlite3_changes(h->db(req)) == 0) {
		h->db_rollback(req);
		rc = not_found(h, req);
		goto out;
	}
	/* Whoever knew the old password is signed out now. */
	if ((revoked = h->sessions_revoke(req, id)) == -1)
		goto fail;
	after = json_pack("{s:b,s:s,s:i}", "must_change_password", 1,
	    "password_expires_at", iso_time(h, req, now + TEMP_TTL),
	    "sessions_revoked", revoked);
	arc = h->audit(req, "staff.reset_password", "user", id, NULL, after);
	json_decref(after);
	if (arc == -1 || h->db_commit(req) == -1)
		goto fail;
	rc = h->resp_json(req, 200, json_pack("{s:s,s:s}", "password", pw,
	    "password_expires_at", iso_time(h, req, now + TEMP_TTL)));
	goto out;
fail:
	h->db_rollback(req);
	rc = -1;
out:
	wipe(pw, sizeof(pw));
	wipe(hash, sizeof(hash));
	return rc;
}

/* --- POST /api/v1/staff/{id}/unlock ------------------------------- */

static int
staff_unlock(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	json_t *cur, *before, *after;
	sqlite3_stmt *st;
	int64_t id = h->req_param_id(req, "id");
	int arc;

	if (h->db_begin(req) == -1)
		return -1;
	if ((cur = user_get(h, req, id)) == NULL) {
		h->db_rollback(req);
		return not_found(h, req);
	}
	st = h->db_prepare(req, "UPDATE users SET locked_until = NULL,"
	    " failed_count = 0, first_failed_at = NULL WHERE id = ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (step_done(h, req, st) == -1)
		goto fail;
	before = json_pack("{s:O,s:O}", "locked_until",
	    json_object_get(cur, "locked_until"), "failed_count",
	    json_object_get(cur, "failed_count"));
	after = json_pack("{s:n,s:i}", "locked_until", "failed_count", 0);
	arc = h->audit(req, "staff.unlock", "user", id, before, after);
	json_decref(before);
	json_decref(after);
	if (arc == -1 || h->db_commit(req) == -1)
		goto fail;
	json_decref(cur);
	if ((cur = user_get(h, req, id)) == NULL)
		return -1;
	return h->resp_json(req, 200, json_pack("{s:o}", "user", cur));
fail:
	h->db_rollback(req);
	json_decref(cur);
	return -1;
}

/* --- GET/DELETE /api/v1/staff/{id}/sessions ----------------------- */

static int
staff_sessions(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	sqlite3_stmt *st;
	json_t *cur, *items, *row;
	int64_t id = h->req_param_id(req, "id"), mine, sid;
	int rc;

	if ((cur = user_get(h, req, id)) == NULL)
		return not_found(h, req);
	json_decref(cur);
	/* Not revoked; the idle and absolute limits are the core's to
	 * apply, so last_seen is shown for the admin to judge. */
	mine = h->req_session_id(req);
	st = h->db_prepare(req, "SELECT id, created_at, last_seen, auth_time,"
	    " ip, user_agent FROM sessions WHERE user_id = ?1"
	    " AND revoked_at IS NULL ORDER BY last_seen DESC LIMIT 200");
	if (st == NULL || (items = json_array()) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sid = sqlite3_column_int64(st, 0);
		row = json_pack("{s:I,s:o,s:o,s:o,s:s,s:s,s:b}",
		    "id", (json_int_t)sid,
		    "created_at", time_json(st, 1),
		    "last_seen", time_json(st, 2),
		    "auth_time", time_json(st, 3),
		    "ip", text(st, 4),
		    "user_agent", text(st, 5),
		    "current", sid == mine);
		if (row == NULL || json_array_append_new(items, row) == -1) {
			sqlite3_reset(st);
			json_decref(items);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		return -1;
	}
	return h->resp_json(req, 200, json_pack("{s:o,s:I}", "items", items,
	    "total", (json_int_t)json_array_size(items)));
}

/*
 * DELETE …/sessions signs the account out everywhere; DELETE
 * …/sessions/{sid} ends one session: the admin's own current one is
 * refused as on the profile page (logging out clears the cookie too), one
 * that is not the user's, or is ended already, is 404.
 */
static int
staff_sessions_revoke(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	json_t *cur, *after;
	int64_t id = h->req_param_id(req, "id");
	int64_t sid = h->req_param_id(req, "sid");	/* 0: all of them */
	int n, arc;

	if (sid != 0 && sid == h->req_session_id(req))
		return h->resp_error(req, 409, "current_session", "sid",
		    "this is the session you are using: log out to end it");
	if (h->db_begin(req) == -1)
		return -1;
	if ((cur = user_get(h, req, id)) == NULL) {
		h->db_rollback(req);
		return not_found(h, req);
	}
	json_decref(cur);
	n = sid != 0 ? h->session_revoke(req, id, sid) :
	    h->sessions_revoke(req, id);
	if (n == -1)
		goto fail;
	if (sid != 0 && n == 0) {
		h->db_rollback(req);
		return h->resp_error(req, 404, "not_found", "sid",
		    "no such live session of this user");
	}
	after = sid != 0 ? json_pack("{s:I}", "session_id", (json_int_t)sid) :
	    json_pack("{s:i}", "sessions_revoked", n);
	arc = h->audit(req, sid != 0 ? "staff.session_revoke" :
	    "staff.sessions_revoke", "user", id, NULL, after);
	json_decref(after);
	if (arc == -1 || h->db_commit(req) == -1)
		goto fail;
	return h->resp_json(req, 200, json_pack("{s:i}", "revoked", n));
fail:
	h->db_rollback(req);
	return -1;
}

/* --- demo data: FIGURES.md F18 ------------------------------------ */

/*
 * The bureau's leadership named in the source article.  Roles: the
 * director and the first deputy run projects (officer); the second
 * deputy reads (viewer), so the demo shows both roles.  Nobody of them
 * is an admin: administration stays a separate account (`admin`).
 * Their passwords are random, temporary and never shown -- an admin
 * resets one to sign in as that person.
 */
static const struct new_staff demo_staff[] = {
	{ "zhoubo", "Zhou Bo", "Director", "Bureau leadership", "officer",
	  "zh-CN" },
	{ "xiexiaogang", "Xie Xiaogang", "Deputy Director",
	  "Bureau leadership", "officer", "zh-CN" },
	{ "yangzixuan", "Yang Zixuan", "Deputy Director",
	  "Bureau leadership", "viewer", "zh-CN" },
};

static int
staff_demo(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = ((struct staff_state *)state)->host;
	char pw[PW_BUF], hash[HASH_BUF];
	size_t i;
	int64_t id;
	int answered;

	/* The caller holds the transaction. */
	for (i = 0; i < sizeof(demo_staff) / sizeof(demo_staff[0]); i++) {
		if (temp_password(h, req, pw, hash, &answered) == -1)
			return -1;
		wipe(pw, sizeof(pw));
		id = staff_insert(h, req, &demo_staff[i], hash, h->now(req));
		wipe(hash, sizeof(hash));
		if (id == -1)
			return -1;
		/* id 0: already there (created by hand); keep it. */
	}
	return 0;
}

/* --- descriptor ---------------------------------------------------- */

static int
staff_init(const struct bureau_host *host, void **state)
{
	struct staff_state *s;

	/* The accounts entries arrived with the host table's growth
	 * (session_revoke last, in ABI 1.2). */
	if (host->size < offsetof(struct bureau_host, session_revoke) +
	    sizeof(host->session_revoke) || host->password_hash == NULL ||
	    host->sessions_revoke == NULL || host->req_session_id == NULL ||
	    host->session_revoke == NULL) {
		host->log(BUREAU_LOG_ERR, "staff: host lacks the accounts API");
		return -1;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->host = host;
	*state = s;
	return 0;
}

static void
staff_fini(void *state)
{
	free(state);
}

static const struct bureau_route staff_routes[] = {
	{ "GET", "/api/v1/staff", staff_list, PERM, 0 },
	{ "POST", "/api/v1/staff", staff_create, PERM, BUREAU_ROUTE_REAUTH },
	{ "GET", "/api/v1/staff/{id}", staff_get, PERM, 0 },
	{ "PATCH", "/api/v1/staff/{id}", staff_patch, PERM,
	    BUREAU_ROUTE_REAUTH },
	{ "POST", "/api/v1/staff/{id}/reset-password", staff_reset_password,
	    PERM, BUREAU_ROUTE_REAUTH },
	{ "POST", "/api/v1/staff/{id}/unlock", staff_unlock, PERM, 0 },
	{ "GET", "/api/v1/staff/{id}/sessions", staff_sessions, PERM, 0 },
	{ "DELETE", "/api/v1/staff/{id}/sessions", staff_sessions_revoke,
	    PERM, 0 },
	{ "DELETE", "/api/v1/staff/{id}/sessions/{sid}", staff_sessions_revoke,
	    PERM, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

static const struct bureau_permission staff_permissions[] = {
	{ PERM, "Manage staff accounts: create, edit, roles, password "
	  "resets, unlock, sign-out", "admin" },
	{ NULL, NULL, NULL }
};

static const struct bureau_migration staff_migrations[] = {
	/* No tables of its own: the accounts are the core's. */
	{ 0, NULL, NULL, NULL, 0 }
};

static const struct bureau_nav staff_nav[] = {
	{ "staff", "人员管理", "Staff", "#/staff", "/plugins/staff/index.js",
	  PERM, 90 },
	{ NULL, NULL, NULL, NULL, NULL, NULL, 0 }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	.name = "staff",
	.version = "1.0.0",
	.title = "Staff",
	.description = "Staff accounts: roles, password resets, unlocking, "
	    "signing out",
	.depends = NULL,
	.migrations = staff_migrations,
	.routes = staff_routes,
	.permissions = staff_permissions,
	.nav = staff_nav,
	.init = staff_init,
	.fini = staff_fini,
	.demo = staff_demo,
};
