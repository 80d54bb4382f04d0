/*
 * cmd_user -- bureauctl user add|reset|unlock|disable|enable|list.
 *
 * The way in when nobody can sign in yet (the first admin) and the way
 * back when the last admin is locked out.  Works on the database
 * directly, in one transaction per change with its audit entry (actor
 * "bureauctl:<login>"); a running bureaud sees the change with the next
 * request, nothing to reload.
 *
 * Passwords: from a prompt (twice, no echo) on a terminal, one line on
 * stdin with --password-stdin, or generated with --generate.  A generated
 * or reset password is printed once, alone on stdout, so that scripts can
 * take it; everything else goes to stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "config.h"
#include "audit.h"
#include "auth.h"
#include "db.h"
#include "ctl.h"
#include "util.h"

#define PW_MAX		1024	/* bytes read; the rules cap at 128 chars */
#define TEMP_TTL	AUTH_TEMP_PASSWORD_TTL

static const char usage_text[] =
    "usage: bureauctl user add [--role ROLE] [--display-name NAME]\n"
    "                          [--title TITLE] [--department DEPT]\n"
    "                          [--language zh-CN|en]\n"
    "                          [--password-stdin | --generate] USERNAME\n"
    "       bureauctl user reset USERNAME\n"
    "       bureauctl user unlock USERNAME\n"
    "       bureauctl user disable USERNAME\n"
    "       bureauctl user enable USERNAME\n"
    "       bureauctl user list [--json]\n"
    "\n"
    "ROLE is admin, officer, viewer (default) or auditor.  Without\n"
    "--password-stdin or --generate the password is asked twice on the\n"
    "terminal.  A generated password (add --generate, reset) is printed\n"
    "once, alone on stdout.  `reset` makes a temporary password: valid\n"
    "24 hours, to be changed at the first sign-in; it also unlocks the\n"
    "account and signs it out everywhere.  `disable` refuses the last\n"
    "active admin.\n";

/*
 * "Now" as bureaud sees it: the test clock (testing.clock_file, an
 * offset in seconds) applies here too, or expiry times written by
 * bureauctl and read by bureaud would disagree in tests.
 */
static int64_t
user_now(const struct config *cfg)
{
	char buf[32];
	FILE *f;
	int64_t off = 0;

	if (cfg->clock_file != NULL && (f = fopen(cfg->clock_file, "re")) !=
	    NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			off = strtoll(buf, NULL, 10);
		fclose(f);
	}
	return (int64_t)time(NULL) + off;
}

static int
user_name_ok(const char *u)
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

static int
role_ok(const char *r)
{
	return strcmp(r, "admin") == 0 || strcmp(r, "officer") == 0 ||
	    strcmp(r, "viewer") == 0 || strcmp(r, "auditor") == 0;
}

/* One line from fp without its line end; -1 at EOF or when too long. */
static int
read_line(FILE *fp, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, fp) == NULL)
		return -1;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && !feof(fp)) {
		sodium_memzero(buf, len);
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}

/* Prompt on the terminal without echo. */
static int
prompt_password(const char *prompt, char *buf, size_t len)
{
	struct termios old, quiet;
	FILE *tty;
	int rc, restore = 0;

	if ((tty = fopen("/dev/tty", "r+e")) == NULL)
		return -1;
	fputs(prompt, tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	rc = read_line(tty, buf, len);
	if (restore)
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	fclose(tty);
	return rc;
}

static int
user_exists_table(sqlite3 *db)
{
	if (sqlite3_exec(db, "SELECT 1 FROM users LIMIT 0", NULL, NULL,
	    NULL) != SQLITE_OK) {
		ctl_err("the database has no accounts table yet (run "
		    "`bureauctl init`)");
		return 0;
	}
	return 1;
}

/* Opens the database and loads the audit key: every change is audited. */
static int
user_open(const struct config *cfg, sqlite3 **db)
{
	if (ctl_db_open(cfg, 0, db) == -1)
		return -1;
	if (!user_exists_table(*db))
		goto fail;
	if (audit_key_load(cfg, 0) == -1) {
		ctl_err("audit key %s cannot be loaded (run `bureauctl init`)",
		    cfg->audit_key_path ? cfg->audit_key_path : "(unset)");
		goto fail;
	}
	return 0;
fail:
	db_close(*db);
	*db = NULL;
	return -1;
}

static int
audit(sqlite3 *db, const struct config *cfg, const char *action,
    int64_t id, json_t *before, json_t *after)
{
	int rc;

	rc = audit_append(db, user_now(cfg), 0, ctl_actor(), NULL, action,
	    "user", id, before, after);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* The id of an account, 0 when there is none, -1 on error. */
static int64_t
user_id(sqlite3 *db, const char *name, char *role, size_t rolelen,
    int *active)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id, role, active FROM users"
	    " WHERE username = ?1", -1, &st, NULL) != SQLITE_OK) {
		ctl_err("%s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (role != NULL)
			snprintf(role, rolelen, "%s",
			    (const char *)sqlite3_column_text(st, 1));
		if (active != NULL)
			*active = sqlite3_column_int(st, 2);
	} else if (rc != SQLITE_DONE) {
		ctl_err("%s", sqlite3_errmsg(db));
		id = -1;
	}
	sqlite3_finalize(st);
	return id;
}

/* Active admins other than id (inside the transaction), -1 on error. */
static int64_t
user_other_admins(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM users WHERE"
	    " role = 'admin' AND active = 1 AND id != ?1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
	}
	if (n == -1)
		ctl_err("%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return n;
}

/* Runs one statement with up to three int64 and one text parameter:
 * ?1..?3 int64 (when given), ?4 text. */
static int
exec_bound(sqlite3 *db, const char *sql, int64_t a, int64_t b, int64_t c,
    const char *t)
{
	sqlite3_stmt *st = NULL;
	int rc, n;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	n = sqlite3_bind_parameter_count(st);
	if (n >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (n >= 2)
		sqlite3_bind_int64(st, 2, b);
	if (n >= 3)
		sqlite3_bind_int64(st, 3, c);
	if (n >= 4)
		sqlite3_bind_text(st, 4, t, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail_msg;
	return sqlite3_changes(db);
fail:
	sqlite3_finalize(st);
fail_msg:
	ctl_err("%s", sqlite3_errmsg(db));
	return -1;
}

/* --- add ----------------------------------------------------------- */

static int
user_add(int argc, char **argv, const struct config *cfg)
{
	static const struct option longopts[] = {
		{ "role",		required_argument,	NULL, 'r' },
		{ "display-name",	required_argument,	NULL, 'n' },
		{ "title",		required_argument,	NULL, 't' },
		{ "department",		required_argument,	NULL, 'd' },
		{ "language",		required_argument,	NULL, 'l' },
		{ "password-stdin",	no_argument,		NULL, 's' },
		{ "generate",		no_argument,		NULL, 'g' },
		{ "help",		no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *role = "viewer", *display = NULL, *title = "";
	const char *dept = "", *lang = "zh-CN", *name, *why;
	char pw[PW_MAX], pw2[PW_MAX], hash[crypto_pwhash_STRBYTES];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t now, id;
	int ch, from_stdin = 0, generate = 0, rc = CTL_FAIL, in_txn = 0;

	memset(pw, 0, sizeof(pw));
	memset(pw2, 0, sizeof(pw2));
	ctl_getopt_reset();
	while ((ch = getopt_long(argc, argv, "r:n:t:d:l:sgh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r': role = optarg; break;
		case 'n': display = optarg; break;
		case 't': title = optarg; break;
		case 'd': dept = optarg; break;
		case 'l': lang = optarg; break;
		case 's': from_stdin = 1; break;
		case 'g': generate = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			return CTL_OK;
		default:
			fputs(usage_text, stderr);
			return CTL_USAGE;
		}
	}
	if (optind != argc - 1)
		return ctl_usage_error("user", "user add takes one USERNAME");
	name = argv[optind];
	if (from_stdin && generate)
		return ctl_usage_error("user", "--password-stdin or "
		    "--generate, not both");
	if (!user_name_ok(name))
		return ctl_usage_error("user", "user name: 2 to 32 of a-z, "
		    "0-9, '.', '_', '-', starting with a letter or digit");
	if (!role_ok(role))
		return ctl_usage_error("user", "role: admin, officer, viewer "
		    "or auditor");
	if (strcmp(lang, "zh-CN") != 0 && strcmp(lang, "en") != 0)
		return ctl_usage_error("user", "language: zh-CN or en");
	if (display == NULL)
		display = name;
	if (auth_utf8_len(display, strlen(display)) < 1 ||
	    auth_utf8_len(display, strlen(display)) > 100 ||
	    auth_utf8_len(title, strlen(title)) < 0 ||
	    auth_utf8_len(dept, strlen(dept)) < 0)
		return ctl_usage_error("user", "display name, title and "
		    "department: valid UTF-8, display name 1 to 100 characters");
	if (auth_password_init(cfg) == -1)
		return CTL_FAIL;

	if (generate) {
		if (auth_password_generate(pw, sizeof(pw)) == -1) {
			ctl_err("cannot generate a password");
			goto out;
		}
	} else if (from_stdin) {
		if (read_line(stdin, pw, sizeof(pw)) == -1) {
			ctl_err("no password on standard input");
			goto out;
		}
	} else {
		if (!isatty(STDIN_FILENO)) {
			ctl_err("not a terminal: use --password-stdin or "
			    "--generate");
			goto out;
		}
		if (prompt_password("Password: ", pw, sizeof(pw)) == -1 ||
		    prompt_password("Again: ", pw2, sizeof(pw2)) == -1) {
			ctl_err("no password given");
			goto out;
		}
		if (strcmp(pw, pw2) != 0) {
			ctl_err("the passwords differ");
			goto out;
		}
	}
	if (auth_password_acceptable(pw, name, &why) == -1) {
		ctl_err("password refused: %s", why);
		goto out;
	}
	if (auth_password_hash(cfg, pw, hash) == -1) {
		ctl_err("hashing the password failed");
		goto out;
	}

	if (user_open(cfg, &db) == -1)
		goto out;
	if (db_begin(db) == -1)
		goto out;
	in_txn = 1;
	if ((id = user_id(db, name, NULL, 0, NULL)) != 0) {
		if (id > 0)
			ctl_err("user %s exists already", name);
		goto out;
	}
	now = user_now(cfg);
	if (sqlite3_prepare_v2(db, "INSERT INTO users(username, display_name,"
	    " title, department, role, language, password_hash, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)", -1,
	    &st, NULL) != SQLITE_OK)
		goto fail_db;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, display, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dept, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail_db;
	id = sqlite3_last_insert_rowid(db);
	if (audit(db, cfg, "user.create", id, NULL, json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "username", name,
	    "display_name", display, "title", title, "department", dept,
	    "role", role, "language", lang, "active", 1)) == -1)
		goto out;
	if (db_commit(db) == -1)
		goto out;
	in_txn = 0;
	if (generate)
		printf("%s\n", pw);
	fprintf(stderr, "bureauctl: user %s added (id %lld, role %s)\n", name,
	    (long long)id, role);
	rc = CTL_OK;
	goto out;
fail_db:
	ctl_err("%s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	if (in_txn)
		db_rollback(db);
	db_close(db);
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(pw2, sizeof(pw2));
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* --- reset / unlock / disable / enable ----------------------------- */

static int
user_change(const char *what, int argc, char **argv, const struct config *cfg)
{
	char role[16], pw[64], hash[crypto_pwhash_STRBYTES], expires[21];
	sqlite3 *db = NULL;
	const char *name;
	int64_t id, now, n;
	int active = 0, rc = CTL_FAIL, in_txn = 0, revoked;

	memset(pw, 0, sizeof(pw));
	memset(hash, 0, sizeof(hash));
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		fputs(usage_text, stdout);
		return CTL_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return ctl_usage_error("user", "user %s takes one USERNAME",
		    what);
	name = argv[1];

	if (strcmp(what, "reset") == 0) {
		if (auth_password_init(cfg) == -1 ||
		    auth_password_generate(pw, sizeof(pw)) == -1 ||
		    auth_password_hash(cfg, pw, hash) == -1) {
			ctl_err("cannot make a temporary password");
			goto out;
		}
	}
	if (user_open(cfg, &db) == -1)
		goto out;
	if (db_begin(db) == -1)
		goto out;
	in_txn = 1;
	if ((id = user_id(db, name, role, sizeof(role), &active)) <= 0) {
		if (id == 0)
			ctl_err("no user %s", name);
		goto out;
	}
	now = user_now(cfg);

	if (strcmp(what, "reset") == 0) {
		if (exec_bound(db, "UPDATE users SET password_hash = ?4,"
		    " must_change_password = 1, password_expires_at = ?2,"
		    " failed_count = 0, first_failed_at = NULL,"
		    " locked_until = NULL, updated_at = ?3,"
		    " version = version + 1 WHERE id = ?1", id, now + TEMP_TTL,
		    now, hash) == -1)
			goto out;
		if ((revoked = exec_bound(db, "UPDATE sessions SET"
		    " revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS"
		    " NULL", id, now, 0, NULL)) == -1)
			goto out;
		audit_format_time(now + TEMP_TTL, expires);
		if (audit(db, cfg, "user.reset_password", id, NULL, json_pack(
		    "{s:b,s:s,s:i}", "must_change_password", 1,
		    "password_expires_at", expires, "sessions_revoked",
		    revoked)) == -1)
			goto out;
	} else if (strcmp(what, "unlock") == 0) {
		if (exec_bound(db, "UPDATE users SET locked_until = NULL,"
		    " failed_count = 0, first_failed_at = NULL WHERE id = ?1",
		    id, 0, 0, NULL) == -1)
			goto out;
		if (audit(db, cfg, "user.unlock", id, NULL, NULL) == -1)
			goto out;
	} else if (strcmp(what, "disable") == 0) {
		if (strcmp(role, "admin") == 0 && active) {
			if ((n = user_other_admins(db, id)) == -1)
				goto out;
			if (n == 0) {
				ctl_err("%s is the last active admin; add "
				    "another admin first", name);
				goto out;
			}
		}
		if (exec_bound(db, "UPDATE users SET active = 0,"
		    " updated_at = ?2, version = version + 1 WHERE id = ?1",
		    id, now, 0, NULL) == -1 ||
		    (revoked = exec_bound(db, "UPDATE sessions SET"
		    " revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS"
		    " NULL", id, now, 0, NULL)) == -1)
			goto out;
		if (audit(db, cfg, "user.disable", id, json_pack("{s:b}",
		    "active", active), json_pack("{s:b,s:i}", "active", 0,
		    "sessions_revoked", revoked)) == -1)
			goto out;
	} else {	/* enable */
		if (exec_bound(db, "UPDATE users SET active = 1,"
		    " updated_at = ?2, version = version + 1 WHERE id = ?1",
		    id, now, 0, NULL) == -1)
			goto out;
		if (audit(db, cfg, "user.enable", id, json_pack("{s:b}",
		    "active", active), json_pack("{s:b}", "active", 1)) == -1)
			goto out;
	}
	if (db_commit(db) == -1)
		goto out;
	in_txn = 0;
	if (strcmp(what, "reset") == 0) {
		printf("%s\n", pw);
		fprintf(stderr, "bureauctl: temporary password for %s, valid "
		    "until %s; it must be changed at the first sign-in\n",
		    name, expires);
	} else
		fprintf(stderr, "bureauctl: user %s: %s done\n", name, what);
	rc = CTL_OK;
out:
	if (in_txn)
		db_rollback(db);
	db_close(db);
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* --- list ---------------------------------------------------------- */

static int
user_list(int argc, char **argv, const struct config *cfg)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL, *row;
	int64_t now, locked;
	int json = 0, rc = CTL_FAIL, r;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1)
		return ctl_usage_error("user", "user list [--json]");
	if (ctl_db_open(cfg, 0, &db) == -1 || !user_exists_table(db))
		goto out;
	now = user_now(cfg);
	if (sqlite3_prepare_v2(db, "SELECT id, username, display_name, role,"
	    " active, must_change_password, coalesce(locked_until, 0), title"
	    " FROM users ORDER BY username", -1, &st, NULL) != SQLITE_OK) {
		ctl_err("%s", sqlite3_errmsg(db));
		goto out;
	}
	if ((arr = json_array()) == NULL)
		goto out;
	if (!json)
		printf("%-5s %-20s %-8s %-7s %-6s %-12s %s\n", "ID", "USERNAME",
		    "ROLE", "ACTIVE", "LOCKED", "MUST_CHANGE", "NAME");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		locked = sqlite3_column_int64(st, 6);
		if (json) {
			row = json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:b,s:b}",
			    "id", (json_int_t)sqlite3_column_int64(st, 0),
			    "username", sqlite3_column_text(st, 1),
			    "display_name", sqlite3_column_text(st, 2),
			    "title", sqlite3_column_text(st, 7),
			    "role", sqlite3_column_text(st, 3),
			    "active", sqlite3_column_int(st, 4),
			    "must_change_password", sqlite3_column_int(st, 5),
			    "locked", locked > now);
			json_array_append_new(arr, row);
			continue;
		}
		printf("%-5lld %-20s %-8s %-7s %-6s %-12s %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 3),
		    sqlite3_column_int(st, 4) ? "yes" : "no",
		    locked > now ? "yes" : "no",
		    sqlite3_column_int(st, 5) ? "yes" : "no",
		    (const char *)sqlite3_column_text(st, 2));
	}
	if (r != SQLITE_DONE) {
		ctl_err("%s", sqlite3_errmsg(db));
		goto out;
	}
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputs("\n", stdout);
	}
	rc = CTL_OK;
out:
	json_decref(arr);
	sqlite3_finalize(st);
	db_close(db);
	return rc;
}

int
cmd_user(int argc, char **argv, const struct config *cfg)
{
	const char *sub;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_USAGE : CTL_OK;
	}
	sub = argv[1];
	if (sodium_init() < 0) {
		ctl_err("sodium_init failed");
		return CTL_FAIL;
	}
	if (strcmp(sub, "add") == 0)
		return user_add(argc - 1, argv + 1, cfg);
	if (strcmp(sub, "reset") == 0 || strcmp(sub, "unlock") == 0 ||
	    strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
		return user_change(sub, argc - 1, argv + 1, cfg);
	if (strcmp(sub, "list") == 0)
		return user_list(argc - 1, argv + 1, cfg);
	return ctl_usage_error("user", "unknown subcommand '%s'", sub);
}
