/* Unit tests: migrations apply once, roll back whole, refuse downgrades,
 * rebuild with foreign keys off, and race safely across processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "log.h"
#include "migrate.h"

struct fx {
	char	 dir[64];
	char	 path[128];
	sqlite3	*db;
	char	 err[512];
};

static int
setup(void **state)
{
	static struct fx f;

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/bureau-test-mig-XXXXXX");
	if (mkdtemp(f.dir) == NULL)
		return -1;
	snprintf(f.path, sizeof(f.path), "%s/t.db", f.dir);
	if (db_open(&f.db, f.path, DB_OPEN_CREATE, 5000) == -1)
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

static int
table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt	*st;
	int		 found;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema "
	    "WHERE name = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static const struct bureau_migration two_steps[] = {
	{ 1, "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, n TEXT);",
	    NULL, 0 },
	{ 2, "seed", "INSERT INTO items(n) VALUES ('first');", NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};

static void
test_apply_and_rerun(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(migrate_version(f->db, "t"), 0);	/* no table */
	assert_int_equal(migrate_latest(two_steps), 2);
	assert_int_equal(migrate_apply(f->db, "t", two_steps, 0, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(migrate_version(f->db, "t"), 2);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM items"), 1);
	/* A rerun is a no-op: the seeding step does not run again. */
	assert_int_equal(migrate_apply(f->db, "t", two_steps, 0, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM items"), 1);
	assert_int_equal(migrate_version(f->db, "t"), 2);
	/* Owners are separate. */
	assert_int_equal(migrate_version(f->db, "other"), 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM "
	    "schema_versions WHERE applied_at LIKE '____-__-__T__:__:__Z'"), 1);
}

static const struct bureau_migration step3_fails[] = {
	{ 1, "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, n TEXT);",
	    NULL, 0 },
	{ 2, "seed", "INSERT INTO items(n) VALUES ('first');", NULL, 0 },
	{ 3, "broken", "CREATE TABLE later (x);"
	    "INSERT INTO items(n) VALUES ('second');"
	    "INSERT INTO no_such_table VALUES (1);", NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};

static void
test_failure_rolls_back(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(migrate_apply(f->db, "t", step3_fails, 0, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "no such table: no_such_table"));
	assert_non_null(strstr(f->err, "t v3"));
	/* Steps 1 and 2 committed; nothing of step 3 is left. */
	assert_int_equal(migrate_version(f->db, "t"), 2);
	assert_false(table_exists(f->db, "later"));
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM items"), 1);
	assert_int_equal(sqlite3_get_autocommit(f->db), 1);
}

static int
apply_fails(sqlite3 *db)
{
	(void)db;
	return -1;
}

static int
apply_inserts(sqlite3 *db)
{
	return sqlite3_exec(db, "INSERT INTO items(n) VALUES ('code')", NULL,
	    NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void
test_code_steps(void **state)
{
	struct fx	*f = *state;
	const struct bureau_migration ok[] = {
		{ 1, "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, "
		    "n TEXT);", apply_inserts, 0 },
		{ 2, "code only", NULL, apply_inserts, 0 },
		{ 0, NULL, NULL, NULL, 0 }
	};
	const struct bureau_migration bad[] = {
		{ 1, "other", "CREATE TABLE other (x);", apply_fails, 0 },
		{ 0, NULL, NULL, NULL, 0 }
	};

	assert_int_equal(migrate_apply(f->db, "c", ok, 0, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM items"), 2);
	assert_int_equal(migrate_apply(f->db, "d", bad, 0, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "code step"));
	assert_false(table_exists(f->db, "other"));
}

static void
test_downgrade_refused(void **state)
{
	struct fx	*f = *state;
	const struct bureau_migration one[] = {
		{ 1, "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, "
		    "n TEXT);", NULL, 0 },
		{ 0, NULL, NULL, NULL, 0 }
	};

	assert_int_equal(migrate_apply(f->db, "t", two_steps, 0, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(migrate_apply(f->db, "t", one, 0, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "downgrade refused"));
	assert_int_equal(migrate_apply(f->db, "t", one, 1, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "downgrade refused"));
	assert_int_equal(migrate_version(f->db, "t"), 2);
}

static void
test_dry_run(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(migrate_apply(f->db, "t", two_steps, 1, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(migrate_version(f->db, "t"), 0);
	assert_false(table_exists(f->db, "items"));
	/* A dry run reports the failure of a later step, and keeps nothing. */
	assert_int_equal(migrate_apply(f->db, "t", step3_fails, 1, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "no_such_table"));
	assert_false(table_exists(f->db, "items"));
	assert_int_equal(migrate_version(f->db, "t"), 0);
}

static void
test_malformed_lists(void **state)
{
	struct fx	*f = *state;
	const struct bureau_migration backwards[] = {
		{ 2, "b", "SELECT 1;", NULL, 0 },
		{ 1, "a", "SELECT 1;", NULL, 0 },
		{ 0, NULL, NULL, NULL, 0 }
	};
	const struct bureau_migration empty_step[] = {
		{ 1, "a", NULL, NULL, 0 },
		{ 0, NULL, NULL, NULL, 0 }
	};

	assert_int_equal(migrate_apply(f->db, "t", backwards, 0, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "increasing"));
	assert_int_equal(migrate_apply(f->db, "t", empty_step, 0, f->err,
	    sizeof(f->err)), -1);
	/* An empty list is fine: nothing to do. */
	assert_int_equal(migrate_apply(f->db, "t", NULL, 0, f->err,
	    sizeof(f->err)), 0);
}

static void
test_step_may_not_end_transaction(void **state)
{
	struct fx	*f = *state;
	const struct bureau_migration sneaky[] = {
		{ 1, "commits", "CREATE TABLE half (x); COMMIT; "
		    "CREATE TABLE other (x);", NULL, 0 },
		{ 0, NULL, NULL, NULL, 0 }
	};
	const struct bureau_migration attach[] = {
		{ 1, "attaches", "ATTACH ':memory:' AS m;", NULL, 0 },
		{ 0, NULL, NULL, NULL, 0 }
	};

	assert_int_equal(migrate_apply(f->db, "t", sneaky, 0, f->err,
	    sizeof(f->err)), -1);
	assert_false(table_exists(f->db, "half"));
	assert_int_equal(migrate_version(f->db, "t"), 0);
	assert_int_equal(migrate_apply(f->db, "u", attach, 0, f->err,
	    sizeof(f->err)), -1);
	/* The authorizer is gone afterwards. */
	assert_int_equal(db_exec(f->db, "BEGIN; COMMIT"), 0);
}

static const struct bureau_migration rebuild_list[] = {
	{ 1, "parent and child",
	    "CREATE TABLE parent (id INTEGER PRIMARY KEY, a TEXT);"
	    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER "
	    "NOT NULL REFERENCES parent(id) ON DELETE CASCADE);"
	    "INSERT INTO parent VALUES (1, 'x'), (2, 'y');"
	    "INSERT INTO child VALUES (10, 1), (20, 2);", NULL, 0 },
	{ 2, "rebuild parent",
	    "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, a TEXT NOT NULL);"
	    "INSERT INTO parent_new SELECT id, a FROM parent;"
	    "DROP TABLE parent;"
	    "ALTER TABLE parent_new RENAME TO parent;", NULL,
	    BUREAU_MIGRATION_REBUILD },
	{ 0, NULL, NULL, NULL, 0 }
};

static void
test_rebuild(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(migrate_apply(f->db, "r", rebuild_list, 0, f->err,
	    sizeof(f->err)), 0);
	/* With foreign keys on, DROP TABLE parent would have cascaded. */
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM child"), 2);
	assert_int_equal(one_int(f->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(migrate_version(f->db, "r"), 2);
}

static void
test_rebuild_violation_rolls_back(void **state)
{
	struct fx	*f = *state;
	const struct bureau_migration bad[] = {
		{ 1, "parent and child", rebuild_list[0].sql, NULL, 0 },
		{ 2, "rebuild that loses a parent",
		    "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, a TEXT);"
		    "INSERT INTO parent_new SELECT id, a FROM parent "
		    "WHERE id = 1;"
		    "DROP TABLE parent;"
		    "ALTER TABLE parent_new RENAME TO parent;", NULL,
		    BUREAU_MIGRATION_REBUILD },
		{ 0, NULL, NULL, NULL, 0 }
	};

	assert_int_equal(migrate_apply(f->db, "r", bad, 0, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "foreign key violation"));
	assert_int_equal(migrate_version(f->db, "r"), 1);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM parent"), 2);
	assert_int_equal(one_int(f->db, "PRAGMA foreign_keys"), 1);
	/* The dry run sees the same. */
	assert_int_equal(migrate_apply(f->db, "r", bad, 1, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "foreign key violation"));
}

static const struct bureau_migration race_list[] = {
	{ 1, "table", "CREATE TABLE raced (id INTEGER PRIMARY KEY, pid INT);",
	    NULL, 0 },
	{ 2, "one row", "INSERT INTO raced(pid) VALUES (1);", NULL, 0 },
	{ 3, "another", "INSERT INTO raced(pid) VALUES (2);", NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};

static void
test_concurrent_apply_once(void **state)
{
	struct fx	*f = *state;
	int		 go[2], i, round, status;
	pid_t		 pids[4];
	char		 c = 'x';

	for (round = 0; round < 3; round++) {
		assert_int_equal(db_exec(f->db, "DROP TABLE IF EXISTS raced;"
		    "DELETE FROM schema_versions WHERE owner = 'race'"),
		    round == 0 ? -1 : 0);
		assert_int_equal(pipe(go), 0);
		for (i = 0; i < 4; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				sqlite3	*db;
				char	 err[256], b;

				close(go[1]);
				/* Start together: wait for the pipe to close. */
				if (read(go[0], &b, 1) < 0)
					_exit(3);
				if (db_open(&db, f->path, 0, 10000) == -1)
					_exit(2);
				if (migrate_apply(db, "race", race_list, 0, err,
				    sizeof(err)) == -1)
					_exit(1);
				db_close(db);
				_exit(0);
			}
		}
		close(go[0]);
		(void)c;
		close(go[1]);
		for (i = 0; i < 4; i++) {
			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		assert_int_equal(one_int(f->db, "SELECT count(*) FROM raced"),
		    2);
		assert_int_equal(migrate_version(f->db, "race"), 3);
	}
}

static void
test_core_migrations(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(migrate_apply(f->db, "core", core_migrations, 0,
	    f->err, sizeof(f->err)), 0);
	assert_int_equal(migrate_version(f->db, "core"),
	    migrate_latest(core_migrations));
	assert_true(table_exists(f->db, "plugins"));
	assert_true(table_exists(f->db, "plugin_permissions"));
	assert_true(table_exists(f->db, "plugin_deps"));
	/* Core permissions are recorded, so a plugin cannot re-seed them. */
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM "
	    "plugin_permissions WHERE plugin = 'core'"), 3);
	assert_int_equal(migrate_apply(f->db, "core", core_migrations, 0,
	    f->err, sizeof(f->err)), 0);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_apply_and_rerun),
		T(test_failure_rolls_back),
		T(test_code_steps),
		T(test_downgrade_refused),
		T(test_dry_run),
		T(test_malformed_lists),
		T(test_step_may_not_end_transaction),
		T(test_rebuild),
		T(test_rebuild_violation_rolls_back),
		T(test_concurrent_apply_once),
		T(test_core_migrations),
	};

	log_init("test_migrate", LOG_LVL_ERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
