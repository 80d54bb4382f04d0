/*
 * hostapi.c -- the function table plugins call (struct bureau_host).
 * Thin wrappers over the request, response, arena, database and audit
 * code, so that plugins see none of the core's symbols.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "request.h"

static const char *
h_req_method(struct bureau_req *req)
{
	return req->method;
}

static const char *
h_req_path(struct bureau_req *req)
{
	return req->path;
}

static const char *
h_req_id(struct bureau_req *req)
{
	return req->id;
}

static const char *
h_req_remote_addr(struct bureau_req *req)
{
	return req->remote_addr ? req->remote_addr : "";
}

static int64_t
h_req_param_id(struct bureau_req *req, const char *name)
{
	const char *v = kvlist_get(&req->params, name);

	/* The router admitted only 1..18 digits without a leading zero. */
	return v ? strtoll(v, NULL, 10) : 0;
}

static const char *
h_req_param(struct bureau_req *req, const char *name)
{
	return kvlist_get(&req->params, name);
}

static const char *
h_req_query(struct bureau_req *req, const char *name)
{
	return kvlist_get(&req->query, name);
}

static size_t
h_req_query_count(struct bureau_req *req, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < req->query.count; i++)
		if (strcmp(req->query.items[i].key, name) == 0)
			n++;
	return n;
}

static const char *
h_req_query_nth(struct bureau_req *req, const char *name, size_t nth)
{
	size_t i, n = 0;

	for (i = 0; i < req->query.count; i++)
		if (strcmp(req->query.items[i].key, name) == 0 && n++ == nth)
			return req->query.items[i].value;
	return NULL;
}

static int
h_req_query_at(struct bureau_req *req, size_t n, const char **key,
    const char **value)
{
	if (n >= req->query.count)
		return -1;
	*key = req->query.items[n].key;
	*value = req->query.items[n].value;
	return 0;
}

static const char *
h_req_header(struct bureau_req *req, const char *name)
{
	char env[128];
	size_t i, o;

	/* "If-Match" -> "HTTP_IF_MATCH", as FastCGI passes headers. */
	if (strcasecmp(name, "Content-Type") == 0)
		return req_env(req, "CONTENT_TYPE");
	if (strcasecmp(name, "Content-Length") == 0)
		return req_env(req, "CONTENT_LENGTH");
	o = (size_t)snprintf(env, sizeof(env), "HTTP_");
	for (i = 0; name[i] != '\0' && o < sizeof(env) - 1; i++)
		env[o++] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	env[o] = '\0';
	return req_env(req, env);
}

static json_t *
h_req_json(struct bureau_req *req)
{
	return req->json;
}

static const char *
h_req_body(struct bureau_req *req, size_t *len)
{
	if (len != NULL)
		*len = req->body_len;
	return req->body;
}

static const char *
h_req_content_type(struct bureau_req *req)
{
	return req->content_type;
}

static const struct bureau_user *
h_req_user(struct bureau_req *req)
{
	return req->has_user ? &req->user : NULL;
}

static int64_t
h_req_session_id(struct bureau_req *req)
{
	return req->session.id;
}

static int
h_req_can(struct bureau_req *req, const char *perm)
{
	/* bureauctl's internal requests act as the system itself. */
	if (req->has_user && strcmp(req->user.role, "system") == 0)
		return 1;
	return auth_can(req, perm);
}

static void *
h_alloc(struct bureau_req *req, size_t n)
{
	return arena_alloc(req->arena, n);
}

static char *
h_strdup(struct bureau_req *req, const char *s)
{
	return arena_strdup(req->arena, s);
}

static char *
h_printf(struct bureau_req *req, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = arena_vprintf(req->arena, fmt, ap);
	va_end(ap);
	return s;
}

static sqlite3 *
h_db(struct bureau_req *req)
{
	return req->thr->db;
}

static sqlite3_stmt *
h_db_prepare(struct bureau_req *req, const char *sql)
{
	return stmt_cache_get(req->thr->stmts, sql);
}

static int
h_db_begin(struct bureau_req *req)
{
	if (req->in_txn) {
		log_err("%s: nested db_begin", req->id);
		return -1;
	}
	if (db_begin(req->thr->db) == -1)
		return -1;
	req->in_txn = 1;
	return 0;
}

static int
h_db_commit(struct bureau_req *req)
{
	if (!req->in_txn)
		return -1;
	if (db_commit(req->thr->db) == -1) {
		db_rollback(req->thr->db);
		req->in_txn = 0;
		return -1;
	}
	req->in_txn = 0;
	return 0;
}

static void
h_db_rollback(struct bureau_req *req)
{
	if (!req->in_txn)
		return;
	db_rollback(req->thr->db);
	req->in_txn = 0;
}

static int
h_audit(struct bureau_req *req, const char *action, const char *entity_type,
    int64_t entity_id, json_t *before, json_t *after)
{
	return audit_from_req(req, action, entity_type, entity_id, before,
	    after);
}

static int64_t
h_now(struct bureau_req *req)
{
	return req_now(req);
}

static void
h_today(struct bureau_req *req, char out[11])
{
	time_t t;
	struct tm tm;

	/* The bureau's calendar is Asia/Shanghai: UTC+8, no DST since
	 * 1991, so no tz database is needed to get the date right. */
	t = (time_t)(req_now(req) + 8 * 3600);
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static void
h_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int64_t
req_now(struct bureau_req *req)
{
	const struct config *cfg;
	char buf[32];
	FILE *f;
	int64_t off = 0;

	if (req->now_override != 0)
		return req->now_override;
	cfg = req->thr != NULL && req->thr->app != NULL ? req->thr->app->cfg :
	    NULL;
	/* Tests move time forward through a file instead of sleeping. */
	if (cfg != NULL && cfg->clock_file != NULL &&
	    (f = fopen(cfg->clock_file, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			off = strtoll(buf, NULL, 10);
		fclose(f);
	}
	req->now_override = (int64_t)time(NULL) + off;
	return req->now_override;
}

const struct bureau_host host_api = {
	.size = sizeof(struct bureau_host),
	.abi_major = BUREAU_ABI_MAJOR,
	.abi_minor = BUREAU_ABI_MINOR,
	.req_method = h_req_method,
	.req_path = h_req_path,
	.req_id = h_req_id,
	.req_remote_addr = h_req_remote_addr,
	.req_param_id = h_req_param_id,
	.req_param = h_req_param,
	.req_query = h_req_query,
	.req_query_count = h_req_query_count,
	.req_query_nth = h_req_query_nth,
	.req_query_at = h_req_query_at,
	.req_header = h_req_header,
	.req_json = h_req_json,
	.req_body = h_req_body,
	.req_content_type = h_req_content_type,
	.req_user = h_req_user,
	.req_session_id = h_req_session_id,
	.req_can = h_req_can,
	.resp_json = resp_json,
	.resp_error = resp_error,
	.resp_body = resp_body,
	.resp_header = resp_header,
	.alloc = h_alloc,
	.strdup = h_strdup,
	.printf = h_printf,
	.db = h_db,
	.db_prepare = h_db_prepare,
	.db_begin = h_db_begin,
	.db_commit = h_db_commit,
	.db_rollback = h_db_rollback,
	.audit = h_audit,
	.now = h_now,
	.today = h_today,
	.log = h_log,
	/* accounts (auth.c, login.c) */
	.password_hash = auth_host_password_hash,
	.password_check_rules = auth_host_password_check_rules,
	.password_generate = auth_host_password_generate,
	.sessions_revoke = auth_host_sessions_revoke,
	.session_revoke = auth_session_revoke_of,
};
