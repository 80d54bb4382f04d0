/*
 * cmd_demo -- bureauctl demo: the demonstration dataset, loaded once.
 *
 * The enabled plugins are loaded here as a worker loads them
 * (plugin_set_load with the host API table), and each one with a demo
 * hook is called in dependency order -- expos after projects, whose data
 * it refers to -- with an internal request whose user is "system".
 * Every hook runs inside ONE write transaction together with the
 * settings row demo_loaded: the dataset is there completely or not at
 * all, and a second run is refused even when two run at once (the
 * marker is re-read inside the transaction).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "app.h"
#include "audit.h"
#include "db.h"
#include "plugins.h"
#include "request.h"
#include "ctl.h"
#include "util.h"

#define DEMO_KEY	"demo_loaded"

/* The settings value of demo_loaded into buf ("" when absent); -1 on a
 * database error. */
static int
demo_marker(sqlite3 *db, char *buf, size_t buflen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int rc;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE key = ?",
	    -1, &st, NULL) != SQLITE_OK) {
		ctl_err("reading settings: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, DEMO_KEY, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL)
		snprintf(buf, buflen, "%s", (const char *)v);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ctl_err("reading settings: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
demo_mark(sqlite3 *db, const char *date)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "INSERT INTO settings(key, value) "
	    "VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK) {
		ctl_err("writing settings: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, DEMO_KEY, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ctl_err("writing settings: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The descriptor knows the demo field (its size covers it) and has one. */
static int
has_demo(const struct bureau_plugin *desc)
{
	return desc->size >= offsetof(struct bureau_plugin, demo) +
	    sizeof(desc->demo) && desc->demo != NULL;
}

int
cmd_demo(int argc, char **argv, const struct config *cfg)
{
	struct plugin_set set = { NULL, 0 };
	struct app app;
	struct thread_ctx t;
	struct bureau_req req;
	const struct bureau_plugin *desc;
	char marker[64], today[11], names[1024];
	sqlite3 *db = NULL;
	size_t i, ndemo = 0;
	int rc = CTL_FAIL, have_t = 0, have_req = 0, in_txn = 0;

	if (argc > 1)
		return ctl_usage_error("demo", "unexpected argument '%s'",
		    argv[1]);
	if (ctl_db_open(cfg, 0, &db) == -1)
		goto fail;
	/* Said early, before anything is loaded; checked again below
	 * inside the transaction, where it counts. */
	if (demo_marker(db, marker, sizeof(marker)) == -1)
		goto fail;
	if (marker[0] != '\0') {
		ctl_err("demo data was already loaded (%s); refusing to load "
		    "it twice", marker);
		goto fail;
	}
	/* Hooks write audited rows: the chain key must be there. */
	if (audit_key_load(cfg, 0) == -1) {
		ctl_err("audit key %s cannot be loaded (run `bureauctl init`)",
		    cfg->audit_key_path ? cfg->audit_key_path : "(unset)");
		goto fail;
	}
	if (plugin_set_load(&set, cfg, db, &host_api) == -1) {
		ctl_err("loading the enabled plugins failed");
		goto fail;
	}
	for (i = 0; i < set.count; i++)
		if (has_demo(set.items[i].desc))
			ndemo++;
	if (ndemo == 0) {
		printf("no enabled plugin provides demo data; nothing "
		    "loaded\n");
		rc = CTL_OK;
		goto fail;
	}

	memset(&app, 0, sizeof(app));
	app.cfg = cfg;
	app.lane = LANE_API;
	app.sb = NULL;
	app.plugins = &set;
	app.host = &host_api;
	app.hash_sem = -1;
	if (thread_ctx_init(&t, &app, 0, NULL) == -1) {
		ctl_err("cannot set up a request context");
		goto fail;
	}
	have_t = 1;
	request_internal_init(&req, &t);
	have_req = 1;

	if (host_api.db_begin(&req) == -1) {
		ctl_err("cannot begin the write transaction");
		goto fail;
	}
	in_txn = 1;
	if (demo_marker(host_api.db(&req), marker, sizeof(marker)) == -1)
		goto fail;
	if (marker[0] != '\0') {
		ctl_err("demo data was loaded meanwhile (%s); refusing",
		    marker);
		goto fail;
	}
	names[0] = '\0';
	for (i = 0; i < set.count; i++) {
		desc = set.items[i].desc;
		if (!has_demo(desc))
			continue;
		if (desc->demo(&req, set.items[i].state) != 0) {
			ctl_err("the demo data of plugin %s failed to load "
			    "(status %d); nothing was loaded", desc->name,
			    req.status);
			goto fail;
		}
		if (names[0] != '\0')
			strncat(names, ", ", sizeof(names) - strlen(names) -
			    1);
		strncat(names, desc->name, sizeof(names) - strlen(names) - 1);
	}
	host_api.today(&req, today);
	if (demo_mark(host_api.db(&req), today) == -1)
		goto fail;
	if (host_api.db_commit(&req) == -1) {
		ctl_err("committing the demo data failed; nothing was loaded");
		goto fail;
	}
	in_txn = 0;
	printf("demo data loaded (%s): %s\n", today, names);
	rc = CTL_OK;
fail:
	if (in_txn)
		host_api.db_rollback(&req);
	if (have_req)
		request_internal_finish(&req);
	if (have_t)
		thread_ctx_fini(&t);
	plugin_set_unload(&set);
	db_close(db);
	return rc;
}
