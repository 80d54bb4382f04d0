/*
 * audit.c -- the append-only, hash-chained audit log.
 *
 * Entry n stores prev_hash = hash of entry n-1 ("genesis" for the first)
 * and hash = BLAKE2b-256, keyed with a 32-byte key kept in a file outside
 * the database, over
 *
 *	prev_hash || canonical(n)
 *
 * where canonical(n) is the compact JSON array
 *
 *	[id, at, actor_id, actor, ip, action, entity_type, entity_id,
 *	 before, after]
 *
 * with before/after as the exact text stored in the row (itself
 * json_dumps(JSON_COMPACT|JSON_SORT_KEYS) of the snapshot), so verifying
 * never depends on re-serialising.  The id is part of the content: it is
 * chosen as head + 1 inside the write transaction rather than left to the
 * INSERT, so a renumbered row is caught too.
 *
 * Whoever can write the database but not read the key cannot recompute
 * the chain; whoever can do both can, up to the last head written to the
 * system log -- hence the head is logged at start-up, when an entry is
 * the first of a new date, and at least once a day even when nothing is
 * written (audit_head_daily, from the request path).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "log.h"
#include "request.h"

#define AUDIT_KEYBYTES	32
#define GENESIS		"genesis"

/* Loaded once per process before threads start; read-only afterwards. */
static unsigned char	audit_key[AUDIT_KEYBYTES];
static int		audit_key_ready;

/* The date whose head was last logged; guarded, appends run in threads. */
static pthread_mutex_t	head_lock = PTHREAD_MUTEX_INITIALIZER;
static char		head_logged_date[11];
/* When this process last looked at the daily marker (same lock). */
static int64_t		head_checked_at;
static int		head_checked;

/* The settings row naming the UTC date of the last daily head line; in
 * the database, so the workers share it and log one line a day between
 * them, and it survives restarts. */
#define HEAD_SETTING		"audit_head_logged_on"
/* A request looks at the marker at most this often per process. */
#define HEAD_CHECK_SECONDS	60

/* --- the key ------------------------------------------------------- */

static int
audit_key_parse(const char *buf, size_t len, unsigned char *key)
{
	size_t binlen;

	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' '))
		len--;
	if (len != 2 * AUDIT_KEYBYTES)
		return -1;
	if (sodium_hex2bin(key, AUDIT_KEYBYTES, buf, len, NULL, &binlen,
	    NULL) != 0 || binlen != AUDIT_KEYBYTES)
		return -1;
	return 0;
}

static int
audit_key_create(const struct config *cfg, const char *path)
{
	char hex[2 * AUDIT_KEYBYTES + 2];
	struct passwd *pw;
	ssize_t w;
	int fd;

	randombytes_buf(audit_key, sizeof(audit_key));
	sodium_bin2hex(hex, sizeof(hex), audit_key, sizeof(audit_key));
	strcat(hex, "\n");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		log_err("audit: create key %s: %m", path);
		goto fail;
	}
	w = write(fd, hex, strlen(hex));
	if (w != (ssize_t)strlen(hex) || fsync(fd) == -1) {
		log_err("audit: write key %s: %m", path);
		close(fd);
		(void)unlink(path);
		goto fail;
	}
	/* Made by root at `bureauctl init`, read by the service user. */
	if (geteuid() == 0 && cfg->user != NULL && *cfg->user != '\0') {
		if ((pw = getpwnam(cfg->user)) == NULL ||
		    fchown(fd, pw->pw_uid, pw->pw_gid) == -1)
			log_warn("audit: cannot give key %s to %s", path,
			    cfg->user);
	}
	close(fd);
	sodium_memzero(hex, sizeof(hex));
	audit_key_ready = 1;
	log_info("audit: created chain key %s", path);
	return 0;
fail:
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(audit_key, sizeof(audit_key));
	return -1;
}

int
audit_key_load(const struct config *cfg, int create)
{
	char buf[256];
	struct stat sb;
	const char *path = cfg->audit_key_path;
	ssize_t n;
	int fd;

	if (path == NULL || *path == '\0') {
		log_err("audit: no key path configured (auth.audit_key)");
		return -1;
	}
	if (sodium_init() < 0)
		return -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT && create)
			return audit_key_create(cfg, path);
		if (errno != ENOENT || create)
			log_err("audit: open key %s: %m", path);
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		log_err("audit: key %s is not a regular file", path);
		goto fail;
	}
	if (sb.st_mode & 0077)
		log_warn("audit: key %s is readable by others (mode %o)",
		    path, (unsigned)(sb.st_mode & 0777));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0 || audit_key_parse(buf, (size_t)n, audit_key) == -1) {
		log_err("audit: key %s unreadable or malformed", path);
		goto fail;
	}
	close(fd);
	sodium_memzero(buf, sizeof(buf));
	audit_key_ready = 1;
	return 0;
fail:
	close(fd);
	sodium_memzero(buf, sizeof(buf));
	return -1;
}

/* --- hashing ------------------------------------------------------- */

static json_t *
audit_json_text_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
audit_json_int_or_null(int64_t v, int is_null)
{
	return is_null ? json_null() : json_integer(v);
}

/* One entry's content as stored, in the fixed order. */
struct audit_row {
	int64_t		 id;
	const char	*at;
	int64_t		 actor_id;	/* 0 = NULL */
	const char	*actor;
	const char	*ip;
	const char	*action;
	const char	*entity_type;
	int64_t		 entity_id;
	int		 entity_id_null;
	const char	*before;
	const char	*after;
};

static int
audit_hash_row(const char *prev_hash, const struct audit_row *r,
    char out[2 * crypto_generichash_BYTES + 1])
{
	crypto_generichash_state st;
	unsigned char h[crypto_generichash_BYTES];
	json_t *arr;
	char *canon;

	if (!audit_key_ready) {
		log_err("audit: chain key not loaded");
		return -1;
	}
	arr = json_pack("[I,s,o,o,o,s,o,o,o,o]", (json_int_t)r->id, r->at,
	    audit_json_int_or_null(r->actor_id, r->actor_id == 0),
	    audit_json_text_or_null(r->actor),
	    audit_json_text_or_null(r->ip), r->action,
	    audit_json_text_or_null(r->entity_type),
	    audit_json_int_or_null(r->entity_id, r->entity_id_null),
	    audit_json_text_or_null(r->before),
	    audit_json_text_or_null(r->after));
	if (arr == NULL)
		return -1;
	canon = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (canon == NULL)
		return -1;
	crypto_generichash_init(&st, audit_key, sizeof(audit_key), sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)prev_hash,
	    strlen(prev_hash));
	crypto_generichash_update(&st, (const unsigned char *)canon,
	    strlen(canon));
	crypto_generichash_final(&st, h, sizeof(h));
	free(canon);
	sodium_bin2hex(out, 2 * crypto_generichash_BYTES + 1, h, sizeof(h));
	return 0;
}

int
audit_name_digest(const char *name, char out[AUDIT_NAME_HEXLEN + 1])
{
	/* Domain separation: the chain key, a different message space. */
	static const char domain[] = "bureau login name v1";
	crypto_generichash_state st;
	unsigned char h[AUDIT_NAME_HEXLEN / 2];

	out[0] = '\0';
	if (!audit_key_ready) {
		log_err("audit: chain key not loaded");
		return -1;
	}
	crypto_generichash_init(&st, audit_key, sizeof(audit_key), sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)domain,
	    sizeof(domain));	/* with its NUL: no prefix ambiguity */
	crypto_generichash_update(&st, (const unsigned char *)name,
	    strlen(name));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, AUDIT_NAME_HEXLEN + 1, h, sizeof(h));
	return 0;
}

void
audit_format_time(int64_t t, char out[21])
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
audit_head(sqlite3 *db, int64_t *id, char hash[AUDIT_HASH_HEXLEN + 1])
{
	sqlite3_stmt *st = NULL;
	int rc;

	*id = 0;
	snprintf(hash, AUDIT_HASH_HEXLEN + 1, "%s", GENESIS);
	if (sqlite3_prepare_v2(db, "SELECT id, hash FROM audit_log"
	    " ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(hash, AUDIT_HASH_HEXLEN + 1, "%s",
		    (const char *)sqlite3_column_text(st, 1));
	} else if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	log_err("audit: reading the head: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

/* The head goes to the system log once a day (by the entries' UTC date)
 * and at start-up; what is logged is committed state. */
static void
audit_maybe_log_head(int64_t now, int64_t head_id, const char *head_hash)
{
	char at[21], date[11];

	audit_format_time(now, at);
	memcpy(date, at, 10);
	date[10] = '\0';
	pthread_mutex_lock(&head_lock);
	if (strcmp(date, head_logged_date) != 0) {
		memcpy(head_logged_date, date, sizeof(date));
		pthread_mutex_unlock(&head_lock);
		log_msg(LOG_LVL_NOTICE, "audit: chain head id=%lld hash=%s",
		    (long long)head_id, head_hash);
		return;
	}
	pthread_mutex_unlock(&head_lock);
}

/* The marker's date into out ("" when absent); 0/-1. */
static int
audit_head_marker(sqlite3 *db, char out[11])
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int rc;

	out[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, HEAD_SETTING, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL)
		snprintf(out, 11, "%s", (const char *)v);
	else if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	log_err("audit: reading %s: %s", HEAD_SETTING, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

void
audit_head_daily(sqlite3 *db, int64_t now)
{
	char at[21], date[11], last[11], hash[AUDIT_HASH_HEXLEN + 1];
	sqlite3_stmt *st = NULL;
	int64_t id;

	/* A time compare on almost every request, a read once a minute. */
	pthread_mutex_lock(&head_lock);
	if (head_checked && now >= head_checked_at &&
	    now - head_checked_at < HEAD_CHECK_SECONDS) {
		pthread_mutex_unlock(&head_lock);
		return;
	}
	head_checked = 1;
	head_checked_at = now;
	pthread_mutex_unlock(&head_lock);

	/* Never inside a transaction of someone else's. */
	if (!sqlite3_get_autocommit(db))
		return;
	audit_format_time(now, at);
	memcpy(date, at, 10);
	date[10] = '\0';
	if (audit_head_marker(db, last) == -1 || strcmp(last, date) == 0)
		return;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto fail;
	/* Another worker may have logged it while this one waited. */
	if (audit_head_marker(db, last) == -1)
		goto fail;
	if (strcmp(last, date) == 0) {
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	if (audit_head(db, &id, hash) == -1)
		goto fail;
	if (sqlite3_prepare_v2(db, "INSERT INTO settings(key, value)"
	    " VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET"
	    " value = excluded.value", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, HEAD_SETTING, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	/*
	 * Logged before the commit: should the commit fail, another
	 * request logs it again -- a line twice rather than a day
	 * without one.
	 */
	log_msg(LOG_LVL_NOTICE, "audit: chain head id=%lld hash=%s",
	    (long long)id, hash);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	pthread_mutex_lock(&head_lock);
	memcpy(head_logged_date, date, sizeof(date));
	pthread_mutex_unlock(&head_lock);
	return;
fail:
	log_err("audit: daily head: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

void
audit_log_head_file(const struct config *cfg)
{
	char hash[AUDIT_HASH_HEXLEN + 1];
	sqlite3 *db = NULL;
	int64_t id;

	if (cfg->db_path == NULL)
		return;
	if (sqlite3_open_v2(cfg->db_path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return;
	}
	sqlite3_busy_timeout(db, cfg->busy_timeout_ms);
	/* Before the core migrations ran there is no table yet: quiet. */
	if (sqlite3_exec(db, "SELECT 1 FROM audit_log LIMIT 0", NULL, NULL,
	    NULL) == SQLITE_OK && audit_head(db, &id, hash) == 0)
		audit_maybe_log_head(time(NULL), id, hash);
	sqlite3_close(db);
}

/* --- appending ----------------------------------------------------- */

int
audit_append(sqlite3 *db, int64_t now, int64_t actor_id,
    const char *actor_name, const char *ip, const char *action,
    const char *entity_type, int64_t entity_id,
    json_t *before, json_t *after)
{
	static const char sql[] =
	    "INSERT INTO audit_log(id, at, actor_id, actor, ip, action,"
	    "  entity_type, entity_id, before, after, prev_hash, hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	char prev[AUDIT_HASH_HEXLEN + 1], hash[AUDIT_HASH_HEXLEN + 1];
	char at[21];
	struct audit_row r;
	sqlite3_stmt *st = NULL;
	char *btext = NULL, *atext = NULL;
	int64_t head_id;
	int own_txn = 0, rc;

	if (action == NULL || *action == '\0')
		return -1;
	/* The head read and the insert must not interleave with another
	 * writer, or the chain forks: always inside a write transaction. */
	if (sqlite3_get_autocommit(db)) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			log_err("audit: begin: %s", sqlite3_errmsg(db));
			return -1;
		}
		own_txn = 1;
	}
	if (audit_head(db, &head_id, prev) == -1)
		goto fail;
	audit_maybe_log_head(now, head_id, prev);

	if (before != NULL && !json_is_null(before) &&
	    (btext = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		goto fail;
	if (after != NULL && !json_is_null(after) &&
	    (atext = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY)) == NULL)
		goto fail;
	audit_format_time(now, at);
	memset(&r, 0, sizeof(r));
	r.id = head_id + 1;
	r.at = at;
	r.actor_id = actor_id > 0 ? actor_id : 0;
	r.actor = actor_name;
	r.ip = ip;
	r.action = action;
	r.entity_type = entity_type;
	r.entity_id = entity_id;
	r.entity_id_null = entity_id <= 0;
	r.before = btext;
	r.after = atext;
	if (audit_hash_row(prev, &r, hash) == -1)
		goto fail;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail_db;
	sqlite3_bind_int64(st, 1, r.id);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	if (r.actor_id > 0)
		sqlite3_bind_int64(st, 3, r.actor_id);
	if (actor_name != NULL)
		sqlite3_bind_text(st, 4, actor_name, -1, SQLITE_STATIC);
	if (ip != NULL)
		sqlite3_bind_text(st, 5, ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, action, -1, SQLITE_STATIC);
	if (entity_type != NULL)
		sqlite3_bind_text(st, 7, entity_type, -1, SQLITE_STATIC);
	if (!r.entity_id_null)
		sqlite3_bind_int64(st, 8, entity_id);
	if (btext != NULL)
		sqlite3_bind_text(st, 9, btext, -1, SQLITE_STATIC);
	if (atext != NULL)
		sqlite3_bind_text(st, 10, atext, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		goto fail_db;
	sqlite3_finalize(st);
	st = NULL;
	if (own_txn && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto fail_db;
	free(btext);
	free(atext);
	return 0;

fail_db:
	log_err("audit: append %s: %s", action, sqlite3_errmsg(db));
fail:
	sqlite3_finalize(st);
	if (own_txn)
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	free(btext);
	free(atext);
	return -1;
}

int
audit_from_req(struct bureau_req *req, const char *action,
    const char *entity_type, int64_t entity_id,
    json_t *before, json_t *after)
{
	const char *actor = NULL;
	int64_t actor_id = 0;

	if (req->has_user) {
		actor_id = req->user.id;	/* 0 for a system request */
		actor = req->user.username;
	}
	return audit_append(host_api.db(req), req_now(req), actor_id, actor,
	    req->remote_addr, action, entity_type, entity_id, before, after);
}

/* --- verifying ----------------------------------------------------- */

static const char *
audit_col(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int
audit_verify(sqlite3 *db, int64_t *bad_id, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT id, at, actor_id, actor, ip, action, entity_type,"
	    "  entity_id, before, after, prev_hash, hash"
	    " FROM audit_log ORDER BY id";
	char expect[AUDIT_HASH_HEXLEN + 1], got[AUDIT_HASH_HEXLEN + 1];
	struct audit_row r;
	sqlite3_stmt *st = NULL;
	const char *prev, *hash;
	long long count = 0;
	int rc;

	*bad_id = 0;
	snprintf(expect, sizeof(expect), "%s", GENESIS);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, 0);
		r.at = audit_col(st, 1);
		r.actor_id = sqlite3_column_type(st, 2) == SQLITE_NULL ? 0 :
		    sqlite3_column_int64(st, 2);
		r.actor = audit_col(st, 3);
		r.ip = audit_col(st, 4);
		r.action = audit_col(st, 5);
		r.entity_type = audit_col(st, 6);
		r.entity_id_null = sqlite3_column_type(st, 7) == SQLITE_NULL;
		r.entity_id = sqlite3_column_int64(st, 7);
		r.before = audit_col(st, 8);
		r.after = audit_col(st, 9);
		prev = audit_col(st, 10);
		hash = audit_col(st, 11);
		if (r.at == NULL || r.action == NULL || prev == NULL ||
		    hash == NULL) {
			snprintf(err, errlen, "entry %lld: missing fields",
			    (long long)r.id);
			goto broken;
		}
		if (strcmp(prev, expect) != 0) {
			snprintf(err, errlen, "entry %lld: link to the previous "
			    "entry broken (an entry before it was removed or "
			    "altered)", (long long)r.id);
			goto broken;
		}
		if (audit_hash_row(prev, &r, got) == -1) {
			snprintf(err, errlen, "entry %lld: cannot hash (key?)",
			    (long long)r.id);
			goto broken;
		}
		if (strcmp(got, hash) != 0) {
			snprintf(err, errlen, "entry %lld: hash mismatch "
			    "(content altered)", (long long)r.id);
			goto broken;
		}
		snprintf(expect, sizeof(expect), "%s", hash);
		count++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	snprintf(err, errlen, "%lld entries, head %s", count, expect);
	return 0;
broken:
	*bad_id = r.id;
	sqlite3_finalize(st);
	return -1;
}
