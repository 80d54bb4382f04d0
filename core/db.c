/*
 * db.c -- SQLite connections, transactions, the per-thread statement
 * cache, online backup and integrity checks.
 *
 * A connection is opened with SQLITE_OPEN_NOMUTEX: it never leaves the
 * thread that opened it, so SQLite's own per-connection mutex would only
 * cost time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"

/*
 * Waits for a lock in short steps.  SQLite's own handler sleeps 1, 2, 5,
 * 10 ... 100 ms between tries, so a writer oversleeps commits that take
 * 3-5 ms (one fsync): with two writers that gave write p99 of 0.3-0.6 s
 * (docs/BENCHMARKS.md).  Here: 0.25 ms, 0.5 ms, then 1 ms per try until
 * the timeout (in ms, carried in arg: no state to free).
 */
static int
db_busy_wait(void *arg, int count)
{
	long long timeout_us = (long long)(intptr_t)arg * 1000;
	long long spent_us, step_us;

	spent_us = count == 0 ? 0 : count == 1 ? 250 :
	    750 + (long long)(count - 2) * 1000;
	if (spent_us >= timeout_us)
		return 0;		/* give up: SQLITE_BUSY */
	step_us = count == 0 ? 250 : count == 1 ? 500 : 1000;
	usleep((useconds_t)step_us);
	return 1;
}

int
db_open(sqlite3 **out, const char *path, int flags, int busy_timeout_ms)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	int		 oflags, rc, memdb, tries;
	int		 timeout = busy_timeout_ms > 0 ? busy_timeout_ms : 5000;
	const char	*mode;

	*out = NULL;
	memdb = (path[0] == '\0' || strcmp(path, ":memory:") == 0);
	oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	if (flags & DB_OPEN_RDONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else {
		oflags |= SQLITE_OPEN_READWRITE;
		if (flags & DB_OPEN_CREATE)
			oflags |= SQLITE_OPEN_CREATE;
	}
	rc = sqlite3_open_v2(path, &db, oflags, NULL);
	if (rc != SQLITE_OK) {
		log_err("db: cannot open %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_handler(db, db_busy_wait, (void *)(intptr_t)timeout)
	    != SQLITE_OK)
		goto fail_db;
	/*
	 * Hardening: no writable_schema or other ways to corrupt the file
	 * through SQL.  (trusted_schema stays on: with it off, FTS5 tables
	 * cannot be used from triggers and views, which search needs.)
	 */
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) !=
	    SQLITE_OK)
		goto fail_db;

	if (!(flags & DB_OPEN_RDONLY)) {
		/*
		 * The pragma answers with the mode now in force.  Turning a
		 * rollback-journal file (a restored backup) into WAL takes an
		 * exclusive lock, and when several workers open it at once
		 * SQLite answers BUSY without calling the busy handler (waiting
		 * could deadlock): wait here instead, as the handler would.
		 */
		for (tries = 0;; tries++) {
			rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL",
			    -1, &st, NULL);
			if (rc != SQLITE_OK)
				goto fail_db;
			if ((rc = sqlite3_step(st)) == SQLITE_ROW)
				break;
			sqlite3_finalize(st);
			st = NULL;
			if ((rc & 0xff) != SQLITE_BUSY ||
			    !db_busy_wait((void *)(intptr_t)timeout, tries))
				goto fail_db;
		}
		mode = (const char *)sqlite3_column_text(st, 0);
		if (mode == NULL || (strcmp(mode, "wal") != 0 &&
		    !(memdb && strcmp(mode, "memory") == 0))) {
			log_err("db: %s: journal_mode is %s, not wal", path,
			    mode != NULL ? mode : "?");
			goto fail;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (db_exec(db, "PRAGMA synchronous=FULL") == -1)
			goto fail;
	}
	if (db_exec(db, "PRAGMA foreign_keys=ON") == -1)
		goto fail;

	/* Pragmas fail silently (inside a transaction, say): read back. */
	rc = sqlite3_prepare_v2(db, "SELECT (SELECT foreign_keys FROM "
	    "pragma_foreign_keys), (SELECT synchronous FROM "
	    "pragma_synchronous)", -1, &st, NULL);
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
		goto fail_db;
	if (sqlite3_column_int(st, 0) != 1 ||
	    (!(flags & DB_OPEN_RDONLY) && sqlite3_column_int(st, 1) != 2)) {
		log_err("db: %s: foreign_keys/synchronous did not take", path);
		goto fail;
	}
	sqlite3_finalize(st);
	*out = db;
	return 0;

fail_db:
	log_err("db: %s: %s", path, sqlite3_errmsg(db));
fail:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return -1;
}

void
db_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	/* A leftover statement would turn close into a zombie; report it. */
	if (sqlite3_close(db) != SQLITE_OK) {
		log_err("db: close: %s (statement not finalized?)",
		    sqlite3_errmsg(db));
		sqlite3_close_v2(db);
	}
}

/*
 * Set when a statement run here failed because the disk is full
 * (SQLITE_FULL: ENOSPC, or the file size limit); per thread, reset at
 * the start of each request, read by resp_internal() to answer 503.
 */
static _Thread_local int db_full;

int
db_storage_full(void)
{
	return db_full;
}

void
db_storage_reset(void)
{
	db_full = 0;
}

int
db_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_FULL)
			db_full = 1;
		log_err("db: %s: %s", sql, msg != NULL ? msg :
		    sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(sqlite3 *db)
{
	if (db_exec(db, "COMMIT") == 0)
		return 0;
	/* Leave the connection usable: no half-open transaction. */
	db_rollback(db);
	return -1;
}

void
db_rollback(sqlite3 *db)
{
	/* SQLite may already have rolled back on its own (SQLITE_FULL...). */
	if (!sqlite3_get_autocommit(db))
		(void)db_exec(db, "ROLLBACK");
}

/* --- statement cache ------------------------------------------------ */

struct stmt_slot {
	char		*sql;		/* NULL: empty slot */
	uint64_t	 hash;
	sqlite3_stmt	*stmt;
};

struct stmt_cache {
	sqlite3		*db;
	struct stmt_slot *slots;
	size_t		 cap;		/* power of two */
	size_t		 count;
	int		 warned;
};

/* Past this many distinct texts a caller is building SQL by hand. */
#define STMT_CACHE_WARN	1024

static uint64_t
fnv1a(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ull;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct stmt_cache *
stmt_cache_new(sqlite3 *db)
{
	struct stmt_cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->db = db;
	c->cap = 64;
	if ((c->slots = calloc(c->cap, sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
stmt_cache_free(struct stmt_cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->cap; i++) {
		if (c->slots[i].sql == NULL)
			continue;
		sqlite3_finalize(c->slots[i].stmt);
		free(c->slots[i].sql);
	}
	free(c->slots);
	free(c);
}

static struct stmt_slot *
cache_find(struct stmt_slot *slots, size_t cap, uint64_t h, const char *sql)
{
	size_t	i = (size_t)h & (cap - 1);

	/* Linear probing; the table is never full (load <= 1/2). */
	while (slots[i].sql != NULL) {
		if (slots[i].hash == h && strcmp(slots[i].sql, sql) == 0)
			return &slots[i];
		i = (i + 1) & (cap - 1);
	}
	return &slots[i];
}

static int
cache_grow(struct stmt_cache *c)
{
	struct stmt_slot	*ns, *dst;
	size_t			 ncap = c->cap * 2, i;

	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < c->cap; i++) {
		if (c->slots[i].sql == NULL)
			continue;
		dst = cache_find(ns, ncap, c->slots[i].hash, c->slots[i].sql);
		*dst = c->slots[i];
	}
	free(c->slots);
	c->slots = ns;
	c->cap = ncap;
	return 0;
}

sqlite3_stmt *
stmt_cache_get(struct stmt_cache *c, const char *sql)
{
	struct stmt_slot	*s;
	sqlite3_stmt		*st = NULL;
	const char		*tail = NULL;
	uint64_t		 h = fnv1a(sql);

	s = cache_find(c->slots, c->cap, h, sql);
	if (s->sql != NULL) {
		/*
		 * Stepped but neither finished nor reset: someone may still
		 * be walking its rows (a loop calling a helper that asks
		 * for the same SQL).  Resetting it would silently end that
		 * loop early or hand it another query's rows; refuse loudly
		 * instead (callers treat NULL as an internal error).  A
		 * caller done with a statement resets it.
		 */
		if (sqlite3_stmt_busy(s->stmt)) {
			log_err("db: statement requested again while still "
			    "being stepped (reset it when done, or nest "
			    "another text): %s", sql);
			return NULL;
		}
		sqlite3_reset(s->stmt);
		sqlite3_clear_bindings(s->stmt);
		return s->stmt;
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, &tail) != SQLITE_OK) {
		log_err("db: prepare failed: %s: %s", sqlite3_errmsg(c->db),
		    sql);
		return NULL;
	}
	if (st == NULL || (tail != NULL && tail[strspn(tail, " \t\r\n;")]
	    != '\0')) {
		/* Only the first statement would ever run: a caller bug. */
		log_err("db: not exactly one statement: %s", sql);
		sqlite3_finalize(st);
		return NULL;
	}
	if ((c->count + 1) * 2 > c->cap) {
		if (cache_grow(c) == -1)
			goto fail;
		s = cache_find(c->slots, c->cap, h, sql);
	}
	if ((s->sql = strdup(sql)) == NULL)
		goto fail;
	s->hash = h;
	s->stmt = st;
	if (++c->count > STMT_CACHE_WARN && !c->warned) {
		c->warned = 1;
		log_warn("db: statement cache holds %zu texts; is SQL being "
		    "built from values instead of bound?", c->count);
	}
	return st;

fail:
	log_err("db: statement cache: out of memory");
	sqlite3_finalize(st);
	return NULL;
}

void
stmt_cache_reset_all(struct stmt_cache *c)
{
	size_t	i;

	for (i = 0; i < c->cap; i++) {
		if (c->slots[i].sql == NULL)
			continue;
		/* Reset releases read locks; clearing drops bound copies. */
		sqlite3_reset(c->slots[i].stmt);
		sqlite3_clear_bindings(c->slots[i].stmt);
	}
}

/* --- integrity and backup ------------------------------------------- */

int
db_integrity_check(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	const char	*row;
	int		 rc, n = 0, ok = 0;
	size_t		 used = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL)
	    != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = (const char *)sqlite3_column_text(st, 0);
		if (row == NULL)
			continue;
		if (n++ == 0 && strcmp(row, "ok") == 0) {
			ok = 1;
			continue;
		}
		ok = 0;
		/* Keep the first problems; they say the most. */
		if (used + 1 < errlen) {
			int w = snprintf(err + used, errlen - used, "%s%s",
			    used > 0 ? "; " : "", row);
			if (w > 0)
				used += (size_t)w;
			if (used >= errlen)
				used = errlen - 1;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		ok = 0;
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

int
db_backup(sqlite3 *db, const char *dest, char *err, size_t errlen)
{
	sqlite3		*copy = NULL;
	sqlite3_stmt	*st = NULL;
	struct stat	 sb;
	char		*tmp = NULL, *dcopy = NULL, *dir;
	char		 why[512];
	int		 fd = -1, dfd = -1, made = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (lstat(dest, &sb) == 0) {
		snprintf(err, errlen, "%s: already exists", dest);
		return -1;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		return -1;
	}
	/*
	 * VACUUM INTO writes into an empty file; mkstemp makes one beside
	 * dest (same file system, so the final step is a rename) with mode
	 * 0600: the copy holds password hashes.
	 */
	if (asprintf(&tmp, "%s.tmp-XXXXXX", dest) == -1) {
		tmp = NULL;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	made = 1;
	close(fd);
	fd = -1;

	if (sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &st, NULL) !=
	    SQLITE_OK ||
	    sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "VACUUM INTO: %s", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;

	/* Check the copy itself, not the source. */
	if (sqlite3_open_v2(tmp, &copy, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "open copy: %s", copy != NULL ?
		    sqlite3_errmsg(copy) : "out of memory");
		goto fail;
	}
	if (db_integrity_check(copy, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "integrity_check of the copy: %s", why);
		goto fail;
	}
	sqlite3_close(copy);
	copy = NULL;

	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	close(fd);
	fd = -1;
	/* link() fails on an existing dest, atomically: no overwrite race. */
	if (link(tmp, dest) == -1) {
		snprintf(err, errlen, "%s: %s", dest, errno == EEXIST ?
		    "already exists" : strerror(errno));
		goto fail;
	}
	unlink(tmp);
	made = 0;
	if ((dcopy = strdup(dest)) != NULL) {
		dir = dirname(dcopy);
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	free(dcopy);
	free(tmp);
	return 0;

fail:
	sqlite3_finalize(st);
	if (copy != NULL)
		sqlite3_close(copy);
	if (fd != -1)
		close(fd);
	if (made)
		unlink(tmp);
	free(tmp);
	return -1;
}
