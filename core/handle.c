/*
 * handle.c -- one request from accept to finish:
 *
 *	parse -> route (404/405) -> session -> permission (401/403)
 *	-> CSRF (unsafe methods) -> body (413/415/400) -> handler -> log
 *
 * Deny by default: a route without a permission cannot be registered,
 * and anything but "public" needs a session whose role holds it.
 */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "db.h"
#include "log.h"
#include "request.h"
#include "respcache.h"
#include "router.h"
#include "scoreboard.h"

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
req_make_id(struct bureau_req *req)
{
	unsigned char raw[8];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(req->id, sizeof(req->id), raw, sizeof(raw));
}

static int
method_unsafe(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 &&
	    strcmp(m, "OPTIONS") != 0;
}

static int
method_has_body(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0;
}

/* Parses CONTENT_LENGTH strictly: digits only, no sign, no overflow. */
static long long
content_length_parse(const char *s)
{
	long long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (LLONG_MAX - 9) / 10)
			return -2;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int
req_parse(struct bureau_req *req)
{
	const char *qs, *cl, *https;

	req->method = req_env(req, "REQUEST_METHOD");
	req->raw_uri = req_env(req, "REQUEST_URI");
	req->remote_addr = req_env(req, "REMOTE_ADDR");
	https = req_env(req, "HTTPS");
	req->https = https != NULL && strcmp(https, "on") == 0;
	if (req->method == NULL || req->raw_uri == NULL) {
		resp_error(req, 400, "bad_request", NULL,
		    "REQUEST_METHOD and REQUEST_URI are required.");
		return -1;
	}
	if (path_decode(req->arena, req->raw_uri, &req->path) == -1) {
		req->path = (char *)"-";
		resp_error(req, 400, "invalid_path", NULL,
		    "The path is malformed (bad escape, encoded slash, "
		    "dot segment or invalid UTF-8).");
		return -1;
	}
	qs = req_env(req, "QUERY_STRING");
	if (qs == NULL) {
		qs = strchr(req->raw_uri, '?');
		qs = qs ? qs + 1 : "";
	}
	if (query_parse(req->arena, qs, &req->query) == -1) {
		resp_error(req, 400, "invalid_query", NULL,
		    "The query string is malformed (bad escape, NUL or "
		    "invalid UTF-8).");
		return -1;
	}
	cookies_parse(req->arena, req_env(req, "HTTP_COOKIE"), &req->cookies);
	req->content_type = media_type(req->arena, req_env(req, "CONTENT_TYPE"));
	if (req->content_type != NULL && req->content_type[0] == '\0')
		req->content_type = NULL;
	cl = req_env(req, "CONTENT_LENGTH");
	req->content_length = content_length_parse(cl);
	if (req->content_length == -2) {
		resp_error(req, 400, "bad_request", NULL,
		    "Content-Length is malformed.");
		return -1;
	}
	return 0;
}

static int
req_route(struct bureau_req *req)
{
	const struct app *app = req->thr->app;
	const char *method = req->method;
	char allow[64], full[96], msg[160];
	int rc;

	/* HEAD is GET without the body (RFC 9110, 9.3.2): the same route,
	 * checks and handler; nginx drops the body on its way out. */
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	rc = router_match(app->router, req->arena, method, req->path,
	    &req->route, &req->params, allow, sizeof(allow));
	/*
	 * A plugin switched off after this worker loaded it is gone at
	 * once, not only from the next generation: one integer compare
	 * while nothing changed (scoreboard.h).
	 */
	if (rc == ROUTE_FOUND && strcmp(req->route->plugin, "core") != 0 &&
	    !scoreboard_plugin_live(app->sb, app->plugin_generation,
	    req->route->plugin)) {
		req->route = NULL;
		rc = ROUTE_NOT_FOUND;
	}
	if (rc == ROUTE_FOUND)
		return 0;
	if (rc == ROUTE_BAD_METHOD) {
		snprintf(full, sizeof(full), "%s%s, OPTIONS", allow,
		    strstr(allow, "GET") != NULL ? ", HEAD" : "");
		resp_header(req, "Allow", full);
		/* OPTIONS names the methods of an existing path; it needs
		 * no session, like the 405 that would say the same. */
		if (strcmp(req->method, "OPTIONS") == 0) {
			resp_body(req, 204, "application/json; charset=utf-8",
			    NULL, "", 0);
			return -1;
		}
		snprintf(msg, sizeof(msg), "Use %s on this path.", full);
		resp_error(req, 405, "method_not_allowed", NULL, msg);
		return -1;
	}
	resp_error(req, 404, "not_found", NULL, "No such resource.");
	return -1;
}

static int
req_authorize(struct bureau_req *req)
{
	const struct route_entry *rt = req->route;
	int public = strcmp(rt->permission, BUREAU_PERM_PUBLIC) == 0;

	if (req->cookies.count > 0 || !public) {
		if (auth_session_load(req) == -1) {
			resp_internal(req, "session lookup failed");
			return -1;
		}
	}
	if (!public) {
		if (!req->has_user) {
			resp_error(req, 401, "unauthenticated", NULL,
			    "Sign in first.");
			return -1;
		}
		if (req->session.must_change_password &&
		    !(rt->flags & BUREAU_ROUTE_PW_CHANGE)) {
			resp_error(req, 403, "password_change_required", NULL,
			    "Change your password before going on.");
			return -1;
		}
		if (strcmp(rt->permission, BUREAU_PERM_SESSION) != 0 &&
		    !auth_can(req, rt->permission)) {
			resp_error(req, 403, "forbidden", NULL,
			    "Your role does not allow this.");
			return -1;
		}
		if ((rt->flags & BUREAU_ROUTE_REAUTH) &&
		    req_now(req) - req->session.auth_time > AUTH_REAUTH_SECONDS) {
			resp_error(req, 403, "reauth_required", NULL,
			    "Sign in again to confirm this action.");
			return -1;
		}
	}
	if (method_unsafe(req->method) &&
	    auth_csrf_check(req, rt->flags) == -1)
		return -1;		/* auth answered 403 csrf_failed */
	return 0;
}

static int
req_read_body(struct bureau_req *req)
{
	const struct config *cfg = req->thr->app->cfg;
	const struct route_entry *rt = req->route;
	int raw = (rt->flags & BUREAU_ROUTE_RAW_BODY) != 0;
	size_t limit = raw ? cfg->import_limit : cfg->body_limit;
	size_t got = 0;
	json_error_t jerr;
	char msg[256];
	int n;

	if (!method_has_body(req->method) || req->content_length <= 0)
		return 0;
	if ((unsigned long long)req->content_length > limit) {
		snprintf(msg, sizeof(msg), "The body may be at most %zu bytes.",
		    limit);
		resp_error(req, 413, "payload_too_large", NULL, msg);
		return -1;
	}
	if (!raw && (req->content_type == NULL ||
	    strcmp(req->content_type, "application/json") != 0)) {
		resp_error(req, 415, "unsupported_media_type", NULL,
		    "Send the body as application/json.");
		return -1;
	}
	req->body_len = (size_t)req->content_length;
	req->body = arena_alloc(req->arena, req->body_len + 1);
	while (got < req->body_len) {
		n = FCGX_GetStr(req->body + got, (int)(req->body_len - got),
		    req->fcgx->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != req->body_len) {
		resp_error(req, 400, "bad_request", NULL,
		    "The body is shorter than Content-Length.");
		return -1;
	}
	req->body[got] = '\0';
	if (raw)
		return 0;
	req->json = json_loadb(req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (req->json == NULL) {
		snprintf(msg, sizeof(msg), "The body is not valid JSON: %s "
		    "(line %d, column %d).", jerr.text, jerr.line, jerr.column);
		resp_error(req, 400, "invalid_json", NULL, msg);
		return -1;
	}
	if (!json_is_object(req->json)) {
		resp_error(req, 400, "invalid_json", NULL,
		    "The body must be a JSON object.");
		return -1;
	}
	return 0;
}

/*
 * The database state a cached answer belongs to (respcache.h).  -1 when
 * it cannot be read: the request is then served uncached.
 */
static int
req_db_state(struct bureau_req *req, struct respcache_state *st)
{
	struct thread_ctx *t = req->thr;
	sqlite3_stmt *s;
	int rc;

	if ((s = stmt_cache_get(t->stmts, "PRAGMA data_version")) == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		st->data_version = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW)
		return -1;
	st->changes = sqlite3_total_changes64(t->db);
	return 0;
}

/*
 * A GET on a cacheable route, after authentication and permission
 * checks: answers from the thread's cache (1), or arms the store of the
 * coming answer (0).  The key is today's date and the URI as received.
 */
static int
req_cache_lookup(struct bureau_req *req)
{
	struct thread_ctx *t = req->thr;
	const struct respcache_entry *e;
	struct respcache_state st;
	char today[11];
	const char *key;

	if (t->rcache == NULL || !(req->route->flags & BUREAU_ROUTE_CACHEABLE) ||
	    strcmp(req->method, "GET") != 0 || req_db_state(req, &st) == -1)
		return 0;
	respcache_validate(t->rcache, &st);
	host_api.today(req, today);
	key = arena_printf(req->arena, "%s %s", today, req->raw_uri);
	if ((e = respcache_get(t->rcache, key)) != NULL) {
		resp_replay(req, e->status, e->ctype, e->headers, e->body,
		    e->body_len);
		return 1;
	}
	req->cache_key = key;
	req->cache_hdr_off = req->headers != NULL ? strlen(req->headers) : 0;
	return 0;
}

/* Client-controlled text in a log line: no control characters, so a
 * request cannot forge a second line. */
static const char *
log_safe(struct arena *a, const char *s)
{
	char *o, *p;

	if (s == NULL)
		return "-";
	o = arena_strdup(a, s);
	for (p = o; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return o;
}

static void
req_finish(struct bureau_req *req)
{
	struct thread_ctx *t = req->thr;
	int64_t us = mono_us() - req->t_start_us;

	if (req->in_txn) {
		/* A handler that forgot to commit loses its write, never
		 * leaves the connection inside a transaction. */
		log_err("%s: transaction left open by %s; rolled back", req->id,
		    req->route ? req->route->plugin : "core");
		db_rollback(t->db);
		req->in_txn = 0;
	}
	log_info("%s %s %d %" PRId64 ".%03" PRId64 "ms %s %s",
	    log_safe(req->arena, req->method), log_safe(req->arena, req->path),
	    req->status, us / 1000, us % 1000, req->id,
	    req->route ? req->route->plugin : "-");
	if (t->slot != NULL)
		scoreboard_idle(t->slot);
	json_decref(req->json);
	stmt_cache_reset_all(t->stmts);
	/* After the reset: no statement of this request holds a read. */
	audit_head_daily(t->db, req_now(req));
	arena_reset(t->arena);
}

void
request_handle(struct thread_ctx *t, FCGX_Request *fcgx)
{
	struct bureau_req *req;
	char route_name[96];
	int rc;

	req = arena_calloc(t->arena, 1, sizeof(*req));
	req->thr = t;
	req->arena = t->arena;
	req->fcgx = fcgx;
	req->envp = fcgx->envp;
	req->t_start_us = mono_us();
	req_make_id(req);
	db_storage_reset();

	if (req_parse(req) == -1 || req_route(req) == -1)
		goto done;
	if (t->slot != NULL) {
		snprintf(route_name, sizeof(route_name), "%s %s",
		    req->route->method, req->route->pattern);
		scoreboard_busy(t->slot, strcmp(req->route->plugin, "core") ?
		    req->route->plugin : "", route_name, req->id);
	}
	if (req_authorize(req) == -1 || req_read_body(req) == -1 ||
	    req_cache_lookup(req) == 1)
		goto done;

	rc = req->route->handler(req, req->route->state);
	if (req->in_txn) {
		log_err("%s: %s left a transaction open", req->id,
		    req->route->plugin);
		db_rollback(t->db);
		req->in_txn = 0;
		if (!req->responded)
			rc = -1;
	}
	if (!req->responded)
		resp_internal(req, rc == 0 ? "handler sent no response" :
		    "handler failed");
done:
	if (!req->responded)
		resp_internal(req, "no response");
	req_finish(req);
}

void
request_internal_init(struct bureau_req *req, struct thread_ctx *t)
{
	memset(req, 0, sizeof(*req));
	req->thr = t;
	req->arena = t->arena;
	req->t_start_us = mono_us();
	snprintf(req->id, sizeof(req->id), "internal");
	req->method = "INTERNAL";
	req->path = (char *)"-";
	req->remote_addr = "local";
	req->has_user = 1;
	req->user.id = 0;
	req->user.username = "system";
	req->user.display_name = "system";
	req->user.title = "";
	req->user.role = "system";
	req->user.language = "en";
}

void
request_internal_finish(struct bureau_req *req)
{
	if (req->in_txn) {
		db_rollback(req->thr->db);
		req->in_txn = 0;
	}
	json_decref(req->json);
	req->json = NULL;
	stmt_cache_reset_all(req->thr->stmts);
	arena_reset(req->thr->arena);
}
