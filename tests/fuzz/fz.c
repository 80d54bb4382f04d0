/*
 * fz.c -- the served environment of the fuzz targets (see fz.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "app.h"
#include "arena.h"
#include "audit.h"
#include "auth.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "plugins.h"
#include "request.h"
#include "router.h"

#include "fz.h"

int64_t fz_admin_id, fz_officer_id;

/* Fixed, well-formed (43 characters of base64url) session secrets. */
#define FZ_TOKEN	"fuzzSessionTokenAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FZ_CSRF_TOKEN	"fuzzCsrfTokenBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define FZ_ORIGIN	"https://bureau.fuzz.invalid"
#define FZ_REFRESH	300	/* seconds between session refreshes */

static struct config	 cfg;
static struct app	 app;
static struct plugin_set pset;
static struct thread_ctx thr;
static char		 tmpdir[64];
static sqlite3		*snapdb;
static int		 dirty;	/* requests that changed the database */
/*
 * Restore after this many writing requests: 1 (the default) makes every
 * input's answer depend on that input alone; FZ_RESTORE_EVERY=N trades
 * that for speed in long runs (a finding then may need the inputs
 * before it, which libFuzzer's log and -print_final_stats show).
 */
static int		 restore_every = 1;
static time_t		 snap_time;
static int		 ready;
static struct fz_resp	 last;

/* Tables written by the last request: pending until COMMIT. */
#define FZ_MAXTAB 64
static char		 pending[FZ_MAXTAB][48], committed[FZ_MAXTAB][48];
static int		 npending, ncommitted;

void
fz_append(char **end, const char *s)
{
	size_t n = strlen(s);

	memcpy(*end, s, n + 1);
	*end += n;
}

void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n*** fuzz finding: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

int
fz_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			len = 2, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			len = 3, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			len = 4, cp = c & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* --- in-memory FastCGI streams ---------------------------------------- */

struct fz_cap {
	unsigned char	*buf;
	size_t		 cap;
};

static void
fz_in_fill(FCGX_Stream *s)
{
	/* Nothing beyond what the stream was given: end of input. */
	s->isClosed = 1;
}

static void
fz_in_empty(FCGX_Stream *s, int doClose)
{
	(void)s;
	(void)doClose;
}

static void
fz_out_fill(FCGX_Stream *s)
{
	s->isClosed = 1;
}

static void
fz_out_empty(FCGX_Stream *s, int doClose)
{
	struct fz_cap *c = s->data;
	size_t used = (size_t)(s->wrNext - c->buf);

	if (doClose)
		return;
	c->cap *= 2;
	if ((c->buf = realloc(c->buf, c->cap)) == NULL)
		fz_fail("out of memory");
	s->wrNext = c->buf + used;
	s->stop = c->buf + c->cap;
	s->rdNext = s->stop;
}

/* --- the environment --------------------------------------------------- */

static void	fz_snapshot(void);

static void
fz_exec(const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(thr.db, sql, NULL, NULL, &err) != SQLITE_OK)
		fz_fail("setup: %s: %s", sql, err ? err : "?");
}

static int64_t
fz_add_user(const char *username, const char *role, time_t now)
{
	char hash[crypto_pwhash_STRBYTES];
	sqlite3_stmt *st;

	if (auth_password_hash(&cfg, "fuzz-password-Quokka-42", hash) != 0)
		fz_fail("setup: password hash");
	if (sqlite3_prepare_v2(thr.db, "INSERT INTO users(username,"
	    " display_name, role, language, password_hash, created_at,"
	    " updated_at) VALUES (?1, ?1, ?2, 'en', ?3, ?4, ?4)", -1, &st,
	    NULL) != SQLITE_OK)
		fz_fail("setup: %s", sqlite3_errmsg(thr.db));
	sqlite3_bind_text(st, 1, username, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		fz_fail("setup: user: %s", sqlite3_errmsg(thr.db));
	sqlite3_finalize(st);
	return sqlite3_last_insert_rowid(thr.db);
}

/* The admin's session, signed in now (re-authentication is fresh). */
static void
fz_session(time_t now)
{
	unsigned char th[32];
	sqlite3_stmt *st;

	crypto_generichash(th, sizeof(th), (const unsigned char *)FZ_TOKEN,
	    strlen(FZ_TOKEN), NULL, 0);
	if (sqlite3_prepare_v2(thr.db, "INSERT OR REPLACE INTO sessions(id,"
	    " token_hash, user_id, csrf_token, created_at, last_seen,"
	    " auth_time, ip, user_agent) VALUES (1, ?1, ?2, ?3, ?4, ?4, ?4,"
	    " '127.0.0.1', 'fuzz')", -1, &st, NULL) != SQLITE_OK)
		fz_fail("setup: %s", sqlite3_errmsg(thr.db));
	sqlite3_bind_blob(st, 1, th, sizeof(th), SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, fz_admin_id);
	sqlite3_bind_text(st, 3, FZ_CSRF_TOKEN, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if (sqlite3_step(st) != SQLITE_DONE)
		fz_fail("setup: session: %s", sqlite3_errmsg(thr.db));
	sqlite3_finalize(st);
}

static void
fz_tab_add(char tabs[][48], int *n, const char *name)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(tabs[i], name) == 0)
			return;
	if (*n < FZ_MAXTAB)
		snprintf(tabs[(*n)++], 48, "%s", name);
}

static void
fz_update_hook(void *arg, int op, const char *db, const char *table,
    sqlite3_int64 rowid)
{
	(void)arg;
	(void)op;
	(void)db;
	(void)rowid;
	fz_tab_add(pending, &npending, table);
}

static int
fz_commit_hook(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < npending; i++)
		fz_tab_add(committed, &ncommitted, pending[i]);
	npending = 0;
	return 0;
}

static void
fz_rollback_hook(void *arg)
{
	(void)arg;
	npending = 0;
}

int
fz_committed(const char *table)
{
	int i;

	for (i = 0; i < ncommitted; i++)
		if (strcmp(committed[i], table) == 0)
			return 1;
	return 0;
}

void
fz_check_unchanged(const char *const *allowed)
{
	const char *const *a;
	int i, ok;

	for (i = 0; i < ncommitted; i++) {
		ok = 0;
		for (a = allowed; a != NULL && *a != NULL; a++)
			if (strcmp(*a, committed[i]) == 0)
				ok = 1;
		if (!ok)
			fz_fail("an answer %d committed a write to %s",
			    last.status, committed[i]);
	}
}

void
fz_keep_state(void)
{
	fz_snapshot();
}

/*
 * Snapshot and restore with the backup API, not sqlite3_deserialize():
 * a restore through the backup API bumps the schema cookie, so the
 * statement cache re-prepares; a deserialized database leaves cached
 * statements pointing into the schema it freed.
 */
static void
fz_copy(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b;
	int rc;

	if ((b = sqlite3_backup_init(to, "main", from, "main")) == NULL)
		fz_fail("backup_init: %s", sqlite3_errmsg(to));
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		fz_fail("backup_step: %s", sqlite3_errstr(rc));
}

static void
fz_snapshot(void)
{
	stmt_cache_reset_all(thr.stmts);
	if (snapdb == NULL && sqlite3_open(":memory:", &snapdb) != SQLITE_OK)
		fz_fail("snapshot db");
	fz_copy(snapdb, thr.db);
	snap_time = time(NULL);
	dirty = 0;
}

void
fz_restore(void)
{
	stmt_cache_reset_all(thr.stmts);
	fz_copy(thr.db, snapdb);
	dirty = 0;
	/* Keep the session young: its re-authentication window is 15
	 * minutes, and a long run lasts hours. */
	if (time(NULL) - snap_time > FZ_REFRESH) {
		fz_session(time(NULL));
		fz_snapshot();
	}
}

void
fz_restore_due(void)
{
	/* A restore costs a copy and a schema reload; most inputs are
	 * refused and write nothing, so restore only after a request
	 * that committed something (a session's last_seen aside: it
	 * changes no answer). */
	if (dirty >= restore_every || time(NULL) - snap_time > FZ_REFRESH)
		fz_restore();
}

static void
fz_cleanup(void)
{
	char path[128];

	if (tmpdir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/audit.key", tmpdir);
	unlink(path);
	rmdir(tmpdir);
}

static void
fz_add_routes(const char *owner, const struct bureau_route *r, void *state)
{
	for (; r != NULL && r->method != NULL; r++)
		if (router_add(app.router, owner, r, state) == -1)
			fz_fail("setup: route %s %s refused", r->method,
			    r->pattern);
}

void
fz_env_init(const struct bureau_plugin *const *plugins, void (*seed)(void))
{
	char err[512], path[128];
	const char *lvl;
	size_t n, i;
	time_t now = time(NULL);

	if (ready)
		return;
	if ((lvl = getenv("FZ_RESTORE_EVERY")) != NULL && atoi(lvl) > 0)
		restore_every = atoi(lvl);
	lvl = getenv("FZ_LOG");
	log_init("fuzz", lvl ? atoi(lvl) : LOG_LVL_ERR - 1, 0);
	if (sodium_init() < 0)
		fz_fail("sodium_init");
	if (config_load(&cfg, NULL, err, sizeof(err)) == -1)
		fz_fail("config: %s", err);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bureau-fuzz-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		fz_fail("mkdtemp");
	atexit(fz_cleanup);
	snprintf(path, sizeof(path), "%s/audit.key", tmpdir);
	free(cfg.audit_key_path);
	cfg.audit_key_path = strdup(path);
	free(cfg.public_origin);
	cfg.public_origin = strdup(FZ_ORIGIN);
	cfg.dev_mode = 0;
	/* Cheapest Argon2id: the logins and resets fuzzing reaches. */
	cfg.pw_opslimit = crypto_pwhash_OPSLIMIT_MIN;
	cfg.pw_memlimit = crypto_pwhash_MEMLIMIT_MIN;
	/* The snapshot brings last_seen back every time. */
	cfg.session_idle = 30 * 86400;
	cfg.session_absolute = 365 * 86400;
	/* No hash-cap semaphore for a fuzzer: it would outlive it. */
	free(cfg.db_path);
	cfg.db_path = NULL;
	if (auth_init(&cfg) == -1)
		fz_fail("auth_init");
	cfg.db_path = strdup(":memory:");

	memset(&app, 0, sizeof(app));
	app.cfg = &cfg;
	app.lane = LANE_API;
	app.host = &host_api;
	app.hash_sem = -1;
	app.plugins = &pset;
	if ((app.router = router_new()) == NULL)
		fz_fail("router_new");
	for (n = 0; app_core_routes[n] != NULL; n++)
		fz_add_routes("core", app_core_routes[n], NULL);

	memset(&thr, 0, sizeof(thr));
	thr.app = &app;
	if (db_open(&thr.db, ":memory:", DB_OPEN_CREATE, 1000) == -1)
		fz_fail("db_open");
	if ((thr.stmts = stmt_cache_new(thr.db)) == NULL)
		fz_fail("stmt_cache_new");
	thr.arena = arena_new(64 * 1024);
	if (migrate_apply(thr.db, "core", core_migrations, 0, err,
	    sizeof(err)) == -1)
		fz_fail("core migrations: %s", err);

	for (n = 0; plugins != NULL && plugins[n] != NULL; n++)
		;
	pset.items = calloc(n ? n : 1, sizeof(*pset.items));
	for (i = 0; i < n; i++) {
		const struct bureau_plugin *d = plugins[i];
		struct loaded_plugin *lp = &pset.items[i];
		char *sql;

		if (migrate_apply(thr.db, d->name, d->migrations, 0, err,
		    sizeof(err)) == -1)
			fz_fail("%s migrations: %s", d->name, err);
		if (plugin_seed_permissions(thr.db, d) == -1)
			fz_fail("%s permissions", d->name);
		sql = sqlite3_mprintf("INSERT OR REPLACE INTO plugins(name,"
		    " state, version) VALUES (%Q, 'enabled', %Q)", d->name,
		    d->version);
		fz_exec(sql);
		sqlite3_free(sql);
		lp->desc = d;
		lp->fd = -1;
		lp->path = strdup("(linked)");
		if (d->init != NULL && d->init(&host_api, &lp->state) != 0)
			fz_fail("%s init", d->name);
		fz_add_routes(d->name, d->routes, lp->state);
		pset.count++;
	}
	fz_admin_id = fz_add_user("admin", "admin", now);
	fz_officer_id = fz_add_user("officer", "officer", now);
	fz_session(now);
	sqlite3_update_hook(thr.db, fz_update_hook, NULL);
	sqlite3_commit_hook(thr.db, fz_commit_hook, NULL);
	sqlite3_rollback_hook(thr.db, fz_rollback_hook, NULL);
	ready = 1;
	fz_snapshot();
	if (seed != NULL)
		seed();
	fz_snapshot();
}

struct thread_ctx *
fz_thread(void)
{
	return &thr;
}

/* --- serving ------------------------------------------------------------ */

static int
fz_token_char(int c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/* Checks the raw FastCGI answer and fills `last`. */
static void
fz_check_response(unsigned char *raw, size_t len)
{
	char *text, *line, *end, *hdr_end, *p;
	static char ctype[256];
	int n_ctype = 0, n_clen = 0, status;
	unsigned long long clen = 0;
	json_t *j, *e;
	json_error_t jerr;

	memset(&last, 0, sizeof(last));
	if (len == 0)
		fz_fail("no response at all");
	/* As text up to the blank line; the body may hold anything. */
	text = malloc(len + 1);
	memcpy(text, raw, len);
	text[len] = '\0';
	if ((hdr_end = strstr(text, "\r\n\r\n")) == NULL)
		fz_fail("response without a header block end");
	if (memchr(text, '\0', (size_t)(hdr_end - text)) != NULL)
		fz_fail("NUL byte in the response headers");
	if (strncmp(text, "Status: ", 8) != 0 || !isdigit((unsigned char)text[8])
	    || !isdigit((unsigned char)text[9]) ||
	    !isdigit((unsigned char)text[10]) || text[11] != ' ')
		fz_fail("bad status line: %.60s", text);
	status = atoi(text + 8);
	if (status < 200 || status > 599)
		fz_fail("status %d", status);
	hdr_end[2] = '\0';		/* headers end with their last CRLF */
	for (line = text; *line != '\0'; line = end + 2) {
		if ((end = strstr(line, "\r\n")) == NULL)
			fz_fail("header line without CRLF");
		*end = '\0';
		/* A lone CR or LF inside a line is a split header. */
		if (strchr(line, '\r') || strchr(line, '\n'))
			fz_fail("CR or LF inside a header: %.100s", line);
		for (p = line; *p != '\0' && *p != ':'; p++)
			if (!fz_token_char((unsigned char)*p))
				fz_fail("bad header name: %.100s", line);
		if (*p != ':' || p == line || p[1] != ' ')
			fz_fail("bad header line: %.100s", line);
		for (p += 2; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 && *p != '\t')
				fz_fail("control byte in a header: %.100s",
				    line);
		if (strncasecmp(line, "Content-Type: ", 14) == 0) {
			n_ctype++;
			snprintf(ctype, sizeof(ctype), "%s", line + 14);
		} else if (strncasecmp(line, "Content-Length: ", 16) == 0) {
			n_clen++;
			clen = strtoull(line + 16, NULL, 10);
		}
		*end = '\r';
	}
	hdr_end[2] = '\r';
	if (n_ctype != 1 || n_clen != 1)
		fz_fail("%d Content-Type and %d Content-Length headers",
		    n_ctype, n_clen);
	last.status = status;
	last.ctype = ctype;
	last.headers = text;
	last.body = hdr_end + 4;
	last.body_len = len - (size_t)(hdr_end + 4 - text);
	if (clen != last.body_len)
		fz_fail("Content-Length %llu, body %zu bytes", clen,
		    last.body_len);
	if (status >= 500)
		fz_fail("status %d: %.*s", status, (int)last.body_len,
		    last.body);
	if (status == 204 && last.body_len != 0)
		fz_fail("204 with a %zu-byte body", last.body_len);
	if (status != 204 && strncmp(last.ctype, "application/json", 16) == 0) {
		j = json_loadb(last.body, last.body_len,
		    JSON_REJECT_DUPLICATES, &jerr);
		if (j == NULL)
			fz_fail("JSON answer does not parse: %s", jerr.text);
		if (status >= 400) {
			e = json_object_get(j, "error");
			if (!json_is_object(e) ||
			    !json_is_string(json_object_get(e, "code")) ||
			    !json_is_string(json_object_get(e, "message")) ||
			    (json_object_get(e, "field") != NULL &&
			    !json_is_string(json_object_get(e, "field"))))
				fz_fail("error %d not in the documented "
				    "shape: %.*s", status,
				    (int)last.body_len, last.body);
		}
		json_decref(j);
	} else if (status >= 400)
		fz_fail("error %d is not JSON but %s", status, last.ctype);
}

static const char *
req_env_of(const char **env, const char *name)
{
	size_t n = strlen(name);

	for (; *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return "-";
}

const struct fz_resp *
fz_serve(const char *const *envp, unsigned flags, const void *body,
    size_t body_len)
{
	static struct fz_cap cap;
	static char *prev_text;
	FCGX_Stream in, out, err;
	FCGX_Request fcgx;
	unsigned char *bodycopy;
	const char **env;
	sqlite3_int64 changes;
	size_t n, k = 0, i;

	if (!ready)
		fz_fail("fz_env_init first");
	if (!(flags & FZ_NO_RESTORE))
		fz_restore_due();
	for (n = 0; envp[n] != NULL; n++)
		;
	env = calloc(n + 5, sizeof(*env));
	/* Ours first: the first of repeated params wins.  REMOTE_ADDR is
	 * nginx's $remote_addr, always an address. */
	env[k++] = "REMOTE_ADDR=127.0.0.1";
	if (flags & FZ_SESSION)
		env[k++] = "HTTP_COOKIE=__Host-bureau_session=" FZ_TOKEN;
	if (flags & FZ_CSRF) {
		env[k++] = "HTTP_X_CSRF_TOKEN=" FZ_CSRF_TOKEN;
		env[k++] = "HTTP_ORIGIN=" FZ_ORIGIN;
	}
	for (i = 0; i < n; i++)
		env[k++] = envp[i];
	env[k] = NULL;

	/* An exact-size heap copy: ASan sees any read past the body. */
	bodycopy = malloc(body_len ? body_len : 1);
	if (body_len)
		memcpy(bodycopy, body, body_len);
	memset(&in, 0, sizeof(in));
	in.rdNext = in.stopUnget = bodycopy;
	in.wrNext = in.stop = bodycopy + body_len;
	in.isReader = 1;
	in.fillBuffProc = fz_in_fill;
	in.emptyBuffProc = fz_in_empty;

	if (cap.buf == NULL) {
		cap.cap = 4096;
		cap.buf = malloc(cap.cap);
	}
	memset(&out, 0, sizeof(out));
	out.wrNext = cap.buf;
	out.stop = out.rdNext = cap.buf + cap.cap;
	out.fillBuffProc = fz_out_fill;
	out.emptyBuffProc = fz_out_empty;
	out.data = &cap;
	err = out;
	err.isClosed = 1;

	memset(&fcgx, 0, sizeof(fcgx));
	fcgx.in = &in;
	fcgx.out = &out;
	fcgx.err = &err;
	fcgx.envp = (char **)env;
	fcgx.ipcFd = -1;

	npending = ncommitted = 0;
	changes = sqlite3_total_changes64(thr.db);
	request_handle(&thr, &fcgx);
	changes = sqlite3_total_changes64(thr.db) - changes;

	if (!sqlite3_get_autocommit(thr.db))
		fz_fail("request finished inside a transaction");
	/* The update hook misses WITHOUT ROWID tables: count rows too.
	 * A lone last_seen touch is one row of sessions. */
	k = changes > 1 || (changes == 1 && !(ncommitted == 1 &&
	    strcmp(committed[0], "sessions") == 0));
	for (i = 0; i < (size_t)ncommitted; i++)
		if (strcmp(committed[i], "sessions") != 0)
			k = 1;
	dirty += (int)k;
	/*
	 * A write to the accounts (a revoked session, a changed role or
	 * password, a deactivated admin) changes who the next input signs
	 * in as: restore before it even when FZ_RESTORE_EVERY batches, or
	 * the next answer would be judged as the fuzzer's admin's.
	 */
	for (i = 0; k && i < (size_t)ncommitted; i++)
		if (strcmp(committed[i], "sessions") == 0 ||
		    strcmp(committed[i], "users") == 0)
			dirty = restore_every;
	free(prev_text);
	fz_check_response(cap.buf, (size_t)(out.wrNext - cap.buf));
	prev_text = (char *)last.headers;
	if (getenv("FZ_TRACE") != NULL)
		fprintf(stderr, "fz: %s %s -> %d %.*s\n",
		    req_env_of(env, "REQUEST_METHOD"),
		    req_env_of(env, "REQUEST_URI"), last.status,
		    (int)(last.body_len < 160 ? last.body_len : 160), last.body);
	free(bodycopy);
	free(env);
	return &last;
}

const struct fz_resp *
fz_request(const char *method, const char *uri, const char *ctype,
    unsigned flags, const void *body, size_t body_len)
{
	char m[64], u[4200], ct[256], cl[64], qs[4200];
	const char *env[8];
	const char *q;
	int k = 0;

	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", method);
	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	q = strchr(uri, '?');
	snprintf(qs, sizeof(qs), "QUERY_STRING=%s", q ? q + 1 : "");
	env[k++] = m;
	env[k++] = u;
	env[k++] = qs;
	env[k++] = "REMOTE_ADDR=127.0.0.1";
	env[k++] = "HTTPS=on";
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "CONTENT_TYPE=%s", ctype);
		env[k++] = ct;
	}
	if (body != NULL) {
		snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", body_len);
		env[k++] = cl;
	}
	env[k] = NULL;
	return fz_serve(env, flags, body, body_len);
}

int
fz_wrote(const char *method, const struct fz_resp *r)
{
	return r->status >= 200 && r->status < 300 &&
	    strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

void
fz_check_db(const char *const *must_be_empty)
{
	char err[512];
	int64_t bad = 0;
	sqlite3_stmt *st;
	int rc;

	if (db_integrity_check(thr.db, err, sizeof(err)) != 0)
		fz_fail("integrity_check: %s", err);
	if (migrate_fk_check(thr.db, err, sizeof(err)) != 0)
		fz_fail("foreign_key_check: %s", err);
	if (audit_verify(thr.db, &bad, err, sizeof(err)) != 0)
		fz_fail("audit chain broken at %lld: %s", (long long)bad, err);
	for (; must_be_empty != NULL && *must_be_empty != NULL;
	    must_be_empty++) {
		if (sqlite3_prepare_v2(thr.db, *must_be_empty, -1, &st,
		    NULL) != SQLITE_OK)
			fz_fail("invariant %s: %s", *must_be_empty,
			    sqlite3_errmsg(thr.db));
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			fz_fail("invariant broken: %s (first row: %s)",
			    *must_be_empty,
			    (const char *)sqlite3_column_text(st, 0));
		if (rc != SQLITE_DONE)
			fz_fail("invariant %s: %s", *must_be_empty,
			    sqlite3_errmsg(thr.db));
		sqlite3_finalize(st);
	}
}
