/* Unit tests: the audit log's keyed hash chain -- appending, verifying,
 * and catching altered, removed and renumbered entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "audit.h"
#include "config.h"
#include "migrate.h"

static char dir[] = "/tmp/bureau-audit-XXXXXX";
static char keypath[256];
static struct config cfg;

static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(keypath, sizeof(keypath), "%s/audit.key", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.audit_key_path = keypath;
	/* Missing and not asked to create: refused. */
	if (audit_key_load(&cfg, 0) != -1)
		return -1;
	if (audit_key_load(&cfg, 1) != 0)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	unlink(keypath);
	rmdir(dir);
	return 0;
}

static int
setup(void **state)
{
	char err[256];
	sqlite3 *db;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return -1;
	if (migrate_apply(db, "core", core_migrations, 0, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "migrate: %s\n", err);
		return -1;
	}
	*state = db;
	return 0;
}

static int
teardown(void **state)
{
	sqlite3_close(*state);
	return 0;
}

/* Five entries of assorted shapes. */
static void
fill(sqlite3 *db)
{
	json_t *before = json_pack("{s:s,s:i}", "name", "重庆", "n", 1);
	json_t *after = json_pack("{s:s,s:i}", "n", "x", "name", "x");

	assert_int_equal(audit_append(db, 1700000000, 1, "alice", "127.0.0.1",
	    "auth.login", "user", 1, NULL, NULL), 0);
	assert_int_equal(audit_append(db, 1700000001, 0, NULL, "10.0.0.1",
	    "auth.login_failed", "user", 0, NULL, after), 0);
	assert_int_equal(audit_append(db, 1700000002, 1, "alice", NULL,
	    "project.update", "project", 7, before, after), 0);
	assert_int_equal(audit_append(db, 1700000003, 0, "bureauctl:root",
	    NULL, "user.create", "user", 2, NULL, after), 0);
	assert_int_equal(audit_append(db, 1700000004, 1, "alice", "::1",
	    "auth.logout", "user", 1, NULL, NULL), 0);
	json_decref(before);
	json_decref(after);
}

static void
test_chain_intact(void **state)
{
	sqlite3 *db = *state;
	char msg[256], hash[AUDIT_HASH_HEXLEN + 1];
	int64_t bad = -1, id;

	assert_int_equal(audit_head(db, &id, hash), 0);
	assert_int_equal(id, 0);
	assert_string_equal(hash, "genesis");
	assert_int_equal(audit_verify(db, &bad, msg, sizeof(msg)), 0);
	fill(db);
	assert_int_equal(audit_verify(db, &bad, msg, sizeof(msg)), 0);
	assert_int_equal(bad, 0);
	assert_non_null(strstr(msg, "5 entries"));
	assert_int_equal(audit_head(db, &id, hash), 0);
	assert_int_equal(id, 5);
	assert_int_equal(strlen(hash), 64);
}

static void
test_append_only_triggers(void **state)
{
	sqlite3 *db = *state;

	fill(db);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_log SET actor = 'x'"
	    " WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_log WHERE"
	    " id = 2", NULL, NULL, NULL), SQLITE_OK);
}

static void
test_tampered_content(void **state)
{
	sqlite3 *db = *state;
	char msg[256];
	int64_t bad = 0;

	fill(db);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER audit_no_update;"
	    "UPDATE audit_log SET after = '{\"n\":\"y\"}' WHERE id = 3", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(audit_verify(db, &bad, msg, sizeof(msg)), -1);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(msg, "hash mismatch"));
}

static void
test_removed_entry(void **state)
{
	sqlite3 *db = *state;
	char msg[256];
	int64_t bad = 0;

	fill(db);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER audit_no_delete;"
	    "DELETE FROM audit_log WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(audit_verify(db, &bad, msg, sizeof(msg)), -1);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(msg, "link"));
}

static void
test_recomputed_without_key(void **state)
{
	sqlite3 *db = *state;
	char msg[256];
	int64_t bad = 0;

	fill(db);
	/* Changing the actor and pasting in the hash of another entry is
	 * still caught: the hash covers the content under the key. */
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER audit_no_update;"
	    "UPDATE audit_log SET actor = 'mallory' WHERE id = 1", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(audit_verify(db, &bad, msg, sizeof(msg)), -1);
	assert_int_equal(bad, 1);
}

static void
test_renumbered(void **state)
{
	sqlite3 *db = *state;
	char msg[256];
	int64_t bad = 0;

	fill(db);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER audit_no_update;"
	    "UPDATE audit_log SET id = 50 WHERE id = 5", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(audit_verify(db, &bad, msg, sizeof(msg)), -1);
	assert_int_equal(bad, 50);
}

static void
test_key_file_mode(void **state)
{
	struct stat sb;

	(void)state;
	assert_int_equal(stat(keypath, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* Loading again gives the same key: the chain still verifies. */
	assert_int_equal(audit_key_load(&cfg, 0), 0);
}

static void
test_rollback_keeps_chain(void **state)
{
	sqlite3 *db = *state;
	char msg[256];
	int64_t bad = 0;

	fill(db);
	/* An entry written in a transaction that rolls back leaves no
	 * trace, and the next one links to the committed head. */
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(audit_append(db, 1700000010, 1, "alice", NULL,
	    "project.delete", "project", 9, NULL, NULL), 0);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(audit_append(db, 1700000011, 1, "alice", NULL,
	    "project.create", "project", 10, NULL, NULL), 0);
	assert_int_equal(audit_verify(db, &bad, msg, sizeof(msg)), 0);
}

static void
marker(sqlite3 *db, char out[16])
{
	sqlite3_stmt *st;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM settings"
	    " WHERE key = 'audit_head_logged_on'", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, 16, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* The daily head: a settings marker per UTC day, looked at no more than
 * once a minute, never inside a transaction. */
static void
test_head_daily(void **state)
{
	sqlite3 *db = *state;
	const int64_t day = 2208988800;	/* 2040-01-01T00:00:00Z */
	char m[16];

	fill(db);
	audit_head_daily(db, day + 86400 - 20);		/* 23:59:40 */
	marker(db, m);
	assert_string_equal(m, "2040-01-01");
	assert_int_not_equal(sqlite3_get_autocommit(db), 0);
	/* Within the minute: not even looked at, though the date moved. */
	audit_head_daily(db, day + 86400 + 10);		/* 00:00:10 */
	marker(db, m);
	assert_string_equal(m, "2040-01-01");
	/* Inside a transaction: left alone. */
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL),
	    SQLITE_OK);
	audit_head_daily(db, day + 86400 + 3600);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	marker(db, m);
	assert_string_equal(m, "2040-01-01");
	/* The next look, outside: the new day is marked. */
	audit_head_daily(db, day + 86400 + 7200);
	marker(db, m);
	assert_string_equal(m, "2040-01-02");
	/* A clock set back (tests do it) still looks. */
	audit_head_daily(db, day + 7200);
	marker(db, m);
	assert_string_equal(m, "2040-01-01");
}

/* The digest stored for an unknown sign-in name: keyed, stable, hex. */
static void
test_name_digest(void **state)
{
	char a[AUDIT_NAME_HEXLEN + 1], b[AUDIT_NAME_HEXLEN + 1];
	char c[AUDIT_NAME_HEXLEN + 1], first[AUDIT_NAME_HEXLEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(audit_name_digest("Tr0ub4dor&3-horse", a), 0);
	assert_int_equal(strlen(a), AUDIT_NAME_HEXLEN);
	for (i = 0; i < AUDIT_NAME_HEXLEN; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	/* Same name, same digest: repeated attempts can be told. */
	assert_int_equal(audit_name_digest("Tr0ub4dor&3-horse", b), 0);
	assert_string_equal(a, b);
	/* Any change of the text changes it, case included. */
	assert_int_equal(audit_name_digest("tr0ub4dor&3-horse", c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(audit_name_digest("", c), 0);
	assert_int_equal(strlen(c), AUDIT_NAME_HEXLEN);
	assert_string_not_equal(a, c);
	/* Keyed: not a plain BLAKE2b of the name (which anyone could
	 * compute to test guesses). */
	{
		unsigned char h[AUDIT_NAME_HEXLEN / 2];
		char hex[AUDIT_NAME_HEXLEN + 1];

		crypto_generichash(h, sizeof(h),
		    (const unsigned char *)"Tr0ub4dor&3-horse", 17, NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		assert_string_not_equal(a, hex);
	}
	/* Another key, another digest. */
	snprintf(first, sizeof(first), "%s", a);
	assert_int_equal(unlink(keypath), 0);
	assert_int_equal(audit_key_load(&cfg, 1), 0);
	assert_int_equal(audit_name_digest("Tr0ub4dor&3-horse", b), 0);
	assert_string_not_equal(first, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_intact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_append_only_triggers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_content, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_removed_entry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_recomputed_without_key,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_renumbered, setup,
		    teardown),
		cmocka_unit_test(test_key_file_mode),
		cmocka_unit_test_setup_teardown(test_rollback_keeps_chain,
		    setup, teardown),
		cmocka_unit_test(test_name_digest),
		cmocka_unit_test_setup_teardown(test_head_daily, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
