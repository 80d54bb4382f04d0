/* Unit tests: connections and their pragmas, transactions, the statement
 * cache, backup and integrity check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "log.h"

struct fx {
	char	 dir[64];
	char	 path[128];
	sqlite3	*db;
};

static int
setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/bureau-test-db-XXXXXX");
	if (mkdtemp(f.dir) == NULL)
		return -1;
	snprintf(f.path, sizeof(f.path), "%s/t.db", f.dir);
	if (db_open(&f.db, f.path, DB_OPEN_CREATE, 2345) == -1)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *
one_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt	*st;

	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void
test_pragmas(void **state)
{
	struct fx	*f = *state;
	char		 buf[32];

	assert_string_equal(one_text(f->db, "PRAGMA journal_mode", buf,
	    sizeof(buf)), "wal");
	assert_int_equal(one_int(f->db, "PRAGMA synchronous"), 2);	/* FULL */
	assert_int_equal(one_int(f->db, "PRAGMA foreign_keys"), 1);
	/* Defensive: the schema cannot be written as plain text. */
	assert_int_equal(db_exec(f->db, "PRAGMA writable_schema=ON; "
	    "UPDATE sqlite_schema SET sql = 'x'"), -1);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A rollback-journal file (a restored backup) opened by several workers at
 * once: each turns it into WAL, which takes an exclusive lock, and SQLite
 * answers BUSY without the busy handler where waiting could deadlock.
 * Every opener must get through (db_open waits and tries again).
 */
static void
test_open_rollback_file_concurrently(void **state)
{
	struct fx	*f = *state;
	sqlite3		*raw;
	pid_t		 pids[12];
	int		 round, i, status, failed = 0;

	for (round = 0; round < 40; round++) {
		unlink(f->path);
		assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
		assert_int_equal(sqlite3_exec(raw, "PRAGMA journal_mode=DELETE;"
		    "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL,
		    NULL), SQLITE_OK);
		sqlite3_close(raw);
		for (i = 0; i < 12; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				sqlite3 *db = NULL;

				if (db_open(&db, f->path, 0, 2000) == -1)
					_exit(1);
				db_close(db);
				_exit(0);
			}
		}
		for (i = 0; i < 12; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* The busy handler (db.c): waits the whole timeout for a held lock, then
 * says SQLITE_BUSY; takes the lock once it is free. */
static void
test_busy_wait(void **state)
{
	struct fx	*f = *state;
	sqlite3		*holder = NULL, *waiter = NULL;
	int64_t		 t0;
	int		 fds[2], status;
	char		 c;
	pid_t		 pid;

	assert_int_equal(db_exec(f->db, "CREATE TABLE w(x)"), 0);
	assert_int_equal(db_open(&holder, f->path, 0, 1000), 0);
	assert_int_equal(db_open(&waiter, f->path, 0, 300), 0);
	assert_int_equal(db_begin(holder), 0);
	t0 = mono_ms();
	assert_int_equal(db_begin(waiter), -1);
	assert_int_equal(sqlite3_extended_errcode(waiter) & 0xff, SQLITE_BUSY);
	assert_true(mono_ms() - t0 >= 300);
	db_rollback(holder);
	db_close(holder);
	db_close(waiter);

	/* Another process holds the lock for 200 ms, then commits. */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;

		close(fds[0]);
		if (db_open(&db, f->path, 0, 1000) == -1 || db_begin(db) == -1 ||
		    db_exec(db, "INSERT INTO w VALUES (1)") == -1 ||
		    write(fds[1], "x", 1) != 1)
			_exit(1);
		usleep(200 * 1000);
		_exit(db_commit(db) == 0 ? 0 : 1);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1);
	close(fds[0]);
	assert_int_equal(db_begin(f->db), 0);	/* waited, then got it */
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM w"), 1);
	assert_int_equal(db_exec(f->db, "INSERT INTO w VALUES (2)"), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_open_readonly_and_missing(void **state)
{
	struct fx	*f = *state;
	sqlite3		*ro = NULL;
	char		 path[160];

	/* A missing file is not created without DB_OPEN_CREATE. */
	snprintf(path, sizeof(path), "%s/missing.db", f->dir);
	assert_int_equal(db_open(&ro, path, 0, 1000), -1);
	assert_null(ro);
	assert_int_equal(access(path, F_OK), -1);

	assert_int_equal(db_exec(f->db, "CREATE TABLE t(x)"), 0);
	assert_int_equal(db_open(&ro, f->path, DB_OPEN_RDONLY, 1000), 0);
	assert_int_equal(one_int(ro, "PRAGMA foreign_keys"), 1);
	assert_int_equal(db_exec(ro, "INSERT INTO t VALUES (1)"), -1);
	db_close(ro);
}

static void
test_transactions(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t(x INTEGER)"), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO t VALUES (1)"), 0);
	db_rollback(f->db);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM t"), 0);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO t VALUES (2)"), 0);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(one_int(f->db, "SELECT sum(x) FROM t"), 2);
	/* Rollback with nothing open is harmless; a bad statement fails. */
	db_rollback(f->db);
	assert_int_equal(db_exec(f->db, "INSERT INTO nope VALUES (1)"), -1);
	/* A nested BEGIN fails and leaves the outer transaction alone. */
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_begin(f->db), -1);
	assert_int_equal(sqlite3_get_autocommit(f->db), 0);
	db_rollback(f->db);
	assert_int_equal(sqlite3_get_autocommit(f->db), 1);
}

static void
test_foreign_keys_enforced(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(db_exec(f->db, "CREATE TABLE p(id INTEGER PRIMARY "
	    "KEY); CREATE TABLE c(p INTEGER REFERENCES p(id))"), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO c VALUES (7)"), -1);
}

static void
test_stmt_cache(void **state)
{
	struct fx		*f = *state;
	struct stmt_cache	*c;
	sqlite3_stmt		*a, *b;
	char			 sql[64];
	int			 i;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t(x INTEGER)"), 0);
	assert_non_null(c = stmt_cache_new(f->db));
	a = stmt_cache_get(c, "SELECT ?1");
	assert_non_null(a);
	assert_int_equal(sqlite3_bind_int(a, 1, 42), SQLITE_OK);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	/*
	 * Still on its row: asking for the same text again is a caller
	 * bug (a loop would be restarted under its feet).  NULL, and the
	 * statement is left as it was.
	 */
	assert_null(stmt_cache_get(c, "SELECT ?1"));
	assert_int_equal(sqlite3_stmt_busy(a), 1);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	assert_int_equal(sqlite3_step(a), SQLITE_DONE);
	/* Run to completion (or reset): the same text gives the same
	 * statement, reset and unbound. */
	b = stmt_cache_get(c, "SELECT ?1");
	assert_ptr_equal(a, b);
	assert_int_equal(sqlite3_stmt_busy(b), 0);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);

	/* Many texts: the table grows and every one is still found. */
	for (i = 0; i < 300; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_non_null(stmt_cache_get(c, sql));
	}
	for (i = 0; i < 300; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		b = stmt_cache_get(c, sql);
		assert_int_equal(sqlite3_step(b), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(b, 0), i);
		sqlite3_reset(b);
	}
	sqlite3_reset(a);
	assert_ptr_equal(stmt_cache_get(c, "SELECT ?1"), a);

	/* Bad SQL and more than one statement are refused. */
	assert_null(stmt_cache_get(c, "SELEKT 1"));
	assert_null(stmt_cache_get(c, "SELECT 1; SELECT 2"));
	assert_non_null(stmt_cache_get(c, "SELECT 3;  "));

	/* reset_all releases the read a stepped statement holds. */
	a = stmt_cache_get(c, "SELECT x FROM t");
	assert_int_equal(db_exec(f->db, "INSERT INTO t VALUES (1),(2)"), 0);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_stmt_busy(a), 1);
	stmt_cache_reset_all(c);
	assert_int_equal(sqlite3_stmt_busy(a), 0);
	/* ... and the text may be asked for again. */
	assert_ptr_equal(stmt_cache_get(c, "SELECT x FROM t"), a);
	stmt_cache_free(c);
}

/*
 * The misuse the busy check is for: a loop over one statement calls a
 * helper that asks for the same SQL.  Before, the helper's get reset
 * the loop's statement and the loop silently started over (or ended);
 * now the helper gets NULL and the loop's position is untouched.
 */
static void
test_stmt_cache_nested_same_sql(void **state)
{
	struct fx		*f = *state;
	struct stmt_cache	*c;
	sqlite3_stmt		*outer, *inner;
	const char		*sql = "SELECT x FROM t ORDER BY x";
	int			 rc, seen = 0, refused = 0;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t(x INTEGER);"
	    "INSERT INTO t VALUES (1),(2),(3)"), 0);
	assert_non_null(c = stmt_cache_new(f->db));
	assert_non_null(outer = stmt_cache_get(c, sql));
	while ((rc = sqlite3_step(outer)) == SQLITE_ROW) {
		assert_int_equal(sqlite3_column_int(outer, 0), ++seen);
		if ((inner = stmt_cache_get(c, sql)) == NULL)
			refused++;
		assert_true(seen <= 3);
	}
	assert_int_equal(rc, SQLITE_DONE);
	assert_int_equal(seen, 3);
	assert_int_equal(refused, 3);
	/* Finished: no longer busy, handed out again. */
	assert_ptr_equal(stmt_cache_get(c, sql), outer);
	/* A statement that failed is not busy either. */
	assert_int_equal(db_exec(f->db, "CREATE TABLE u(x INTEGER UNIQUE);"
	    "INSERT INTO u VALUES (1)"), 0);
	assert_non_null(inner = stmt_cache_get(c, "INSERT INTO u VALUES (1)"));
	assert_int_equal(sqlite3_step(inner) & 0xff, SQLITE_CONSTRAINT);
	assert_ptr_equal(stmt_cache_get(c, "INSERT INTO u VALUES (1)"), inner);
	stmt_cache_free(c);
}

static int
count_entries(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*de;
	int		 n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_backup(void **state)
{
	struct fx	*f = *state;
	sqlite3		*copy;
	char		 dest[160], err[256];
	struct stat	 sb;
	int		 before;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t(x INTEGER);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION SELECT i+1 FROM n "
	    "WHERE i < 1000) INSERT INTO t SELECT i FROM n"), 0);
	snprintf(dest, sizeof(dest), "%s/backup.db", f->dir);
	before = count_entries(f->dir);
	assert_int_equal(db_backup(f->db, dest, err, sizeof(err)), 0);
	/* The copy and nothing else (no temporary left behind). */
	assert_int_equal(count_entries(f->dir), before + 1);
	assert_int_equal(stat(dest, &sb), 0);
	assert_int_equal(sb.st_mode & 077, 0);	/* holds password hashes */
	assert_int_equal(sqlite3_open_v2(dest, &copy, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(one_int(copy, "SELECT count(*) FROM t"), 1000);
	assert_int_equal(db_integrity_check(copy, err, sizeof(err)), 0);
	sqlite3_close(copy);

	/* Never over an existing file. */
	assert_int_equal(db_backup(f->db, dest, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(count_entries(f->dir), before + 1);
	/* A directory that is not there. */
	assert_int_equal(db_backup(f->db, "/nonexistent-dir/x.db", err,
	    sizeof(err)), -1);
}

static void
test_backup_under_writes(void **state)
{
	struct fx	*f = *state;
	sqlite3		*copy;
	char		 dest[160], err[256];
	pid_t		 pid;
	int		 status, i;
	int64_t		 n;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t(x INTEGER)"), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *w;

		if (db_open(&w, f->path, 0, 5000) == -1)
			_exit(1);
		for (;;) {
			if (db_exec(w, "BEGIN IMMEDIATE; INSERT INTO t VALUES "
			    "(1); INSERT INTO t VALUES (2); COMMIT") == -1)
				db_rollback(w);
		}
	}
	usleep(50000);
	for (i = 0; i < 3; i++) {
		snprintf(dest, sizeof(dest), "%s/b%d.db", f->dir, i);
		assert_int_equal(db_backup(f->db, dest, err, sizeof(err)), 0);
		assert_int_equal(sqlite3_open_v2(dest, &copy,
		    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(db_integrity_check(copy, err, sizeof(err)), 0);
		/* A consistent snapshot: whole transactions only. */
		n = one_int(copy, "SELECT count(*) FROM t");
		assert_int_equal(n % 2, 0);
		sqlite3_close(copy);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* Search keeps FTS5 tables in step with triggers: that must keep working
 * under the connection's hardening. */
static void
test_fts5_from_triggers(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(db_exec(f->db, "CREATE TABLE t(id INTEGER PRIMARY "
	    "KEY, x TEXT); CREATE VIRTUAL TABLE s USING fts5(x, content='t', "
	    "content_rowid='id', tokenize='trigram'); CREATE TRIGGER t_ai "
	    "AFTER INSERT ON t BEGIN INSERT INTO s(rowid, x) VALUES (new.id, "
	    "new.x); END; CREATE VIEW v AS SELECT rowid FROM s WHERE s MATCH "
	    "'重庆市'; INSERT INTO t(x) VALUES ('重庆市汽车产业')"), 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM v"), 1);
}

static void
test_integrity_check(void **state)
{
	struct fx	*f = *state;
	char		 err[256];

	assert_int_equal(db_integrity_check(f->db, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_open_rollback_file_concurrently, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_readonly_and_missing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_foreign_keys_enforced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache_nested_same_sql,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup_under_writes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fts5_from_triggers, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_integrity_check, setup,
		    teardown),
	};

	log_init("test_db", LOG_LVL_ERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
