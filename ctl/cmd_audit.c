/*
 * cmd_audit -- bureauctl audit verify|head|name-hash.
 *
 * `verify` walks the whole hash chain with the key and reports the first
 * broken entry (exit 1); the check itself is recorded in the log, so the
 * log shows when it was last known good.  `head` prints the newest
 * entry's id and hash -- what bureaud writes to the system log daily --
 * for comparing with an earlier copy: an attacker holding both the
 * database and the key can rewrite the chain, but not the heads already
 * written elsewhere.  `name-hash` prints the keyed digest that a failed
 * sign-in with an unknown name stores instead of the name (it may be a
 * password typed into the wrong field): an investigator holding the key
 * checks whether a suspected name is the one that was tried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "audit.h"
#include "db.h"
#include "ctl.h"
#include "util.h"

static const char usage_text[] =
    "usage: bureauctl audit verify [--no-record]\n"
    "       bureauctl audit head\n"
    "       bureauctl audit name-hash NAME\n"
    "\n"
    "verify: checks every entry's keyed BLAKE2b hash and its link to the\n"
    "previous one; prints the first broken entry and exits 1 when the log\n"
    "was altered.  The result is appended to the log (action\n"
    "audit.verify) unless --no-record is given.\n"
    "head:   prints the newest entry's id and hash.\n"
    "name-hash: prints the username_hash a failed sign-in with the unknown\n"
    "name NAME records (auth.login_failed stores no unknown name as text).\n";

static int
audit_cmd_verify(int argc, char **argv, const struct config *cfg)
{
	char msg[512];
	sqlite3 *db = NULL;
	int64_t bad = 0;
	int record = 1, ok, rc = CTL_FAIL;
	json_t *after;

	if (argc == 2 && strcmp(argv[1], "--no-record") == 0)
		record = 0;
	else if (argc != 1)
		return ctl_usage_error("audit", "audit verify [--no-record]");
	if (ctl_db_open(cfg, 0, &db) == -1)
		return CTL_FAIL;
	if (audit_key_load(cfg, 0) == -1) {
		ctl_err("audit key %s cannot be loaded",
		    cfg->audit_key_path ? cfg->audit_key_path : "(unset)");
		goto out;
	}
	ok = audit_verify(db, &bad, msg, sizeof(msg)) == 0;
	if (ok)
		printf("audit log intact: %s\n", msg);
	else if (bad > 0)
		printf("audit log BROKEN at entry %lld: %s\n", (long long)bad,
		    msg);
	else {
		ctl_err("cannot verify: %s", msg);
		goto out;
	}
	if (record) {
		after = json_pack("{s:b,s:I}", "intact", ok, "first_broken",
		    (json_int_t)bad);
		if (audit_append(db, (int64_t)time(NULL), 0, ctl_actor(), NULL,
		    "audit.verify", NULL, 0, NULL, after) == -1)
			ctl_err("could not record the check in the log");
		json_decref(after);
	}
	rc = ok ? CTL_OK : CTL_FAIL;
out:
	db_close(db);
	return rc;
}

static int
audit_cmd_head(int argc, const struct config *cfg)
{
	char hash[AUDIT_HASH_HEXLEN + 1];
	sqlite3 *db = NULL;
	int64_t id;
	int rc = CTL_FAIL;

	if (argc != 1)
		return ctl_usage_error("audit", "audit head takes no argument");
	if (ctl_db_open(cfg, DB_OPEN_RDONLY, &db) == -1)
		return CTL_FAIL;
	if (audit_head(db, &id, hash) == 0) {
		printf("%lld %s\n", (long long)id, hash);
		rc = CTL_OK;
	}
	db_close(db);
	return rc;
}

static int
audit_cmd_name_hash(int argc, char **argv, const struct config *cfg)
{
	char digest[AUDIT_NAME_HEXLEN + 1];

	if (argc != 2)
		return ctl_usage_error("audit", "audit name-hash NAME");
	if (audit_key_load(cfg, 0) == -1) {
		ctl_err("audit key %s cannot be loaded",
		    cfg->audit_key_path ? cfg->audit_key_path : "(unset)");
		return CTL_FAIL;
	}
	if (audit_name_digest(argv[1], digest) == -1)
		return CTL_FAIL;
	printf("%s\n", digest);
	return CTL_OK;
}

int
cmd_audit(int argc, char **argv, const struct config *cfg)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? CTL_USAGE : CTL_OK;
	}
	if (strcmp(argv[1], "verify") == 0)
		return audit_cmd_verify(argc - 1, argv + 1, cfg);
	if (strcmp(argv[1], "head") == 0)
		return audit_cmd_head(argc - 1, cfg);
	if (strcmp(argv[1], "name-hash") == 0)
		return audit_cmd_name_hash(argc - 1, argv + 1, cfg);
	return ctl_usage_error("audit", "unknown subcommand '%s'", argv[1]);
}
