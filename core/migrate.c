/*
 * migrate.c -- versioned schema migrations, one list per owner ("core" or
 * a plugin name), recorded in schema_versions.
 *
 * Every worker process runs migrate_apply at start-up, so a step must be
 * applied once however many race for it: each step runs under BEGIN
 * IMMEDIATE (the write lock) and the recorded version is read again
 * inside that transaction before anything is done.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "migrate.h"
#include "scoreboard.h"

static const char bootstrap_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_versions ("
	"  owner TEXT PRIMARY KEY,"
	"  version INTEGER NOT NULL,"
	"  applied_at TEXT NOT NULL"
	") STRICT";

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* How long a worker waits for another one's migration: master.c's
 * READY_TIMEOUT_MS, after which a starting worker is killed anyway. */
#define MIGRATE_BUSY_MS	30000

/*
 * db_exec() that outlasts another worker's migration: a step on a big
 * database (an index over a million projects takes seconds) holds the
 * write lock longer than the connection's busy timeout, and a worker
 * giving up would serve without the plugin.  Retries while the lock is
 * busy, up to MIGRATE_BUSY_MS, keeping the connection's own handler.
 */
static int
migrate_exec_patient(sqlite3 *db, const char *sql)
{
	int64_t deadline = scoreboard_now_ms() + MIGRATE_BUSY_MS;

	for (;;) {
		if (db_exec(db, sql) == 0)
			return 0;
		if ((sqlite3_extended_errcode(db) & 0xff) != SQLITE_BUSY ||
		    scoreboard_now_ms() >= deadline)
			return -1;
		log_info("migrate: the database is busy (another worker "
		    "migrating?); waiting");
	}
}

int
migrate_latest(const struct bureau_migration *m)
{
	int	v = 0;

	for (; m != NULL && m->version != 0; m++)
		if (m->version > v)
			v = m->version;
	return v;
}

int
migrate_needs_rebuild(const struct bureau_migration *m)
{
	for (; m != NULL && m->version != 0; m++)
		if (m->flags & BUREAU_MIGRATION_REBUILD)
			return 1;
	return 0;
}

int
migrate_check(const char *owner, const struct bureau_migration *m,
    char *err, size_t errlen)
{
	int	prev = 0, n = 0;

	for (; m != NULL && m->version != 0; m++, n++) {
		if (m->version <= prev) {
			seterr(err, errlen, "%s: migration versions must be "
			    "positive and increasing (%d after %d)", owner,
			    m->version, prev);
			return -1;
		}
		if (m->sql == NULL && m->apply == NULL) {
			seterr(err, errlen, "%s: migration %d has neither sql "
			    "nor apply", owner, m->version);
			return -1;
		}
		if (m->flags & ~BUREAU_MIGRATION_REBUILD) {
			seterr(err, errlen, "%s: migration %d has unknown "
			    "flags 0x%x", owner, m->version, m->flags);
			return -1;
		}
		prev = m->version;
		if (n > 10000)
			break;
	}
	return 0;
}

/* Recorded version, 0 when the owner (or the table) is absent; -1. */
static int
read_version(sqlite3 *db, const char *owner)
{
	sqlite3_stmt	*st = NULL;
	int		 rc, v = -1;

	rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_versions "
	    "WHERE owner = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* No bootstrap table yet means nothing applied. */
		if (sqlite3_errcode(db) == SQLITE_ERROR && strstr(
		    sqlite3_errmsg(db), "no such table") != NULL)
			v = 0;
		goto done;
	}
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else if (rc == SQLITE_DONE)
		v = 0;
done:
	if (v == -1)
		log_err("migrate: reading the version of %s: %s", owner,
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return v;
}

int
migrate_version(sqlite3 *db, const char *owner)
{
	return read_version(db, owner);
}

static int
record_version(sqlite3 *db, const char *owner, int version)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(db, "INSERT INTO schema_versions(owner, "
	    "version, applied_at) VALUES (?1, ?2, "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) ON CONFLICT(owner) "
	    "DO UPDATE SET version = excluded.version, "
	    "applied_at = excluded.applied_at", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, version);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * While a step runs, its SQL may not end or start transactions or
 * attach files: a COMMIT inside a step would make a half-applied
 * migration permanent.
 */
static int
step_authorizer(void *arg, int action, const char *a, const char *b,
    const char *c, const char *d)
{
	(void)arg; (void)a; (void)b; (void)c; (void)d;
	switch (action) {
	case SQLITE_TRANSACTION:
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	default:
		return SQLITE_OK;
	}
}

static int
run_step(sqlite3 *db, const char *owner, const struct bureau_migration *m,
    char *err, size_t errlen)
{
	char	*msg = NULL;
	int	 rc = 0;

	sqlite3_set_authorizer(db, step_authorizer, NULL);
	if (m->sql != NULL &&
	    sqlite3_exec(db, m->sql, NULL, NULL, &msg) != SQLITE_OK) {
		seterr(err, errlen, "migration %s v%d (%s) failed: %s", owner,
		    m->version, m->description != NULL ? m->description : "",
		    msg != NULL ? msg : sqlite3_errmsg(db));
		rc = -1;
	} else if (m->apply != NULL && m->apply(db) != 0) {
		seterr(err, errlen, "migration %s v%d (%s) failed in its "
		    "code step: %s", owner, m->version,
		    m->description != NULL ? m->description : "",
		    sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_set_authorizer(db, NULL, NULL);
	sqlite3_free(msg);
	if (rc == 0 && sqlite3_get_autocommit(db)) {
		seterr(err, errlen, "migration %s v%d ended the transaction",
		    owner, m->version);
		rc = -1;
	}
	return rc;
}

int
migrate_fk_check(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		seterr(err, errlen, "foreign_key_check: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		seterr(err, errlen, "foreign key violation: table %s row %lld "
		    "references %s", (const char *)sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		seterr(err, errlen, "foreign_key_check: %s",
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
refuse_downgrade(const char *owner, int cur, int latest, char *err,
    size_t errlen)
{
	seterr(err, errlen, "the schema of %s is at version %d, newer than "
	    "this build knows (%d): downgrade refused", owner, cur, latest);
	return -1;
}

int
migrate_apply_txn(sqlite3 *db, const char *owner,
    const struct bureau_migration *list, char *err, size_t errlen)
{
	const struct bureau_migration	*m;
	int				 cur, latest;

	if (migrate_check(owner, list, err, errlen) == -1)
		return -1;
	if (sqlite3_exec(db, bootstrap_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    (cur = read_version(db, owner)) == -1) {
		seterr(err, errlen, "schema_versions: %s", sqlite3_errmsg(db));
		return -1;
	}
	latest = migrate_latest(list);
	if (cur > latest)
		return refuse_downgrade(owner, cur, latest, err, errlen);
	for (m = list; m != NULL && m->version != 0; m++) {
		if (m->version <= cur)
			continue;
		if (run_step(db, owner, m, err, errlen) == -1)
			return -1;
		if (record_version(db, owner, m->version) == -1) {
			seterr(err, errlen, "recording %s v%d: %s", owner,
			    m->version, sqlite3_errmsg(db));
			return -1;
		}
	}
	return 0;
}

/* One step in its own transaction; 1 when another process had done it. */
static int
apply_one(sqlite3 *db, const char *owner, const struct bureau_migration *m,
    int latest, char *err, size_t errlen)
{
	int	rebuild = (m->flags & BUREAU_MIGRATION_REBUILD) != 0;
	int	cur, rc = -1;

	/* Has effect only outside a transaction: SQLite's rebuild recipe. */
	if (rebuild && db_exec(db, "PRAGMA foreign_keys=OFF") == -1) {
		seterr(err, errlen, "foreign_keys=OFF: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (migrate_exec_patient(db, "BEGIN IMMEDIATE") == -1) {
		seterr(err, errlen, "BEGIN IMMEDIATE: %s", sqlite3_errmsg(db));
		goto out;
	}
	/* Re-read under the write lock: another worker may have won. */
	if ((cur = read_version(db, owner)) == -1) {
		seterr(err, errlen, "schema_versions: %s", sqlite3_errmsg(db));
		goto rollback;
	}
	if (cur > latest) {
		refuse_downgrade(owner, cur, latest, err, errlen);
		goto rollback;
	}
	if (cur >= m->version) {
		db_rollback(db);
		rc = 1;
		goto out;
	}
	if (run_step(db, owner, m, err, errlen) == -1)
		goto rollback;
	if (rebuild && migrate_fk_check(db, err, errlen) == -1)
		goto rollback;
	if (record_version(db, owner, m->version) == -1) {
		seterr(err, errlen, "recording %s v%d: %s", owner, m->version,
		    sqlite3_errmsg(db));
		goto rollback;
	}
	if (db_commit(db) == -1) {
		seterr(err, errlen, "COMMIT of %s v%d: %s", owner, m->version,
		    sqlite3_errmsg(db));
		goto out;
	}
	log_info("migrate: %s v%d applied (%s)", owner, m->version,
	    m->description != NULL ? m->description : "");
	rc = 0;
	goto out;

rollback:
	db_rollback(db);
out:
	if (rebuild && db_exec(db, "PRAGMA foreign_keys=ON") == -1 && rc == 0) {
		seterr(err, errlen, "foreign_keys=ON: %s", sqlite3_errmsg(db));
		rc = -1;
	}
	return rc;
}

static int
apply_dry(sqlite3 *db, const char *owner,
    const struct bureau_migration *list, char *err, size_t errlen)
{
	int	rebuild = migrate_needs_rebuild(list);
	int	rc = -1;

	if (rebuild && db_exec(db, "PRAGMA foreign_keys=OFF") == -1) {
		seterr(err, errlen, "foreign_keys=OFF: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (migrate_exec_patient(db, "BEGIN IMMEDIATE") == -1) {
		seterr(err, errlen, "BEGIN IMMEDIATE: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (migrate_apply_txn(db, owner, list, err, errlen) == 0 &&
	    (!rebuild || migrate_fk_check(db, err, errlen) == 0))
		rc = 0;
	db_rollback(db);
out:
	if (rebuild && db_exec(db, "PRAGMA foreign_keys=ON") == -1)
		rc = -1;
	return rc;
}

int
migrate_apply(sqlite3 *db, const char *owner,
    const struct bureau_migration *list, int dry_run, char *err,
    size_t errlen)
{
	const struct bureau_migration	*m;
	int				 cur, latest, rc;

	if (errlen > 0)
		err[0] = '\0';
	if (!sqlite3_get_autocommit(db)) {
		seterr(err, errlen, "migrate_apply inside a transaction");
		return -1;
	}
	if (migrate_check(owner, list, err, errlen) == -1)
		return -1;
	if (dry_run)
		return apply_dry(db, owner, list, err, errlen);

	latest = migrate_latest(list);
	/* Fast path without the write lock: usually all is applied. */
	if ((cur = read_version(db, owner)) == -1) {
		seterr(err, errlen, "schema_versions: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (cur > latest)
		return refuse_downgrade(owner, cur, latest, err, errlen);
	if (cur == latest)
		return 0;
	/*
	 * Steps are pending, and another worker may be running them right
	 * now: a step on a big database (an index over a million projects
	 * takes seconds) holds the write lock longer than the busy timeout
	 * a request waits, and a worker giving up here would serve without
	 * the plugin.  Wait as long as the master lets a worker start.
	 */
	rc = 0;
	/* IF NOT EXISTS: harmless when several workers race here. */
	if (migrate_exec_patient(db, bootstrap_sql) == -1) {
		seterr(err, errlen, "schema_versions: %s", sqlite3_errmsg(db));
		rc = -1;
	}
	for (m = list; rc != -1 && m->version != 0; m++) {
		if (m->version <= cur)
			continue;
		if ((rc = apply_one(db, owner, m, latest, err, errlen)) == -1)
			log_err("migrate: %s", err);
	}
	return rc == -1 ? -1 : 0;
}
