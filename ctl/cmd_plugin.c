/*
 * cmd_plugin -- bureauctl plugin list|enable|disable|impact.
 *
 * What a .so is comes from the probe helper only (plugin_list_json and
 * probe_run run it): this process never dlopens a plugin it has not
 * seen pass the probe.  Which plugins are enabled comes from the plugins
 * table, the one source of truth every worker reads.  `list` shows the
 * very list GET /api/v1/plugins serves.
 *
 * Migrations on enable: `plugin enable` applies the plugin's migrations
 * at once, by loading that plugin and the enabled plugins it depends on
 * through plugin_set_load_one on its own connection (probe, dependency
 * order, dlopen, migrations under BEGIN IMMEDIATE, init; then fini) --
 * not the whole enabled set: the other plugins' init() has no business
 * running in this process.  Since that is plugin code running here,
 * `plugin enable` refuses to run as root when [server] user names
 * another user (bureaud's workers never run plugin code as root then
 * either); refusing is simpler than dropping privileges halfway through
 * a command, and that user can do everything enable needs (database,
 * audit key, control socket).  A failing migration is then reported
 * here, to the admin who asked, with the plugin left 'failed' and the
 * reason recorded -- rather than discovered later in bureaud's log.
 * bureaud's workers would apply the same steps at their next start;
 * migrations re-read the version inside their transaction, so whoever
 * comes second finds nothing to do.
 *
 * A running bureaud: after a change, the enabled set (read right after
 * the commit) goes with the reload request ("reload enabled@V:a,b,c"),
 * so a disabled plugin's routes answer 404 in every worker at once, as
 * when the change comes from the Plugins page (see core/master.c).
 * `impact` is the API's own (pluginadmin_impact).
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "audit.h"
#include "control.h"
#include "db.h"
#include "migrate.h"
#include "pluginadmin.h"
#include "plugins.h"
#include "request.h"
#include "ctl.h"
#include "util.h"

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* "a,b" of a JSON array of strings into buf ("-" when empty). */
static const char *
join_names(const json_t *arr, char *buf, size_t buflen)
{
	const json_t *v;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			continue;
		if (buf[0] != '\0')
			strncat(buf, ",", buflen - strlen(buf) - 1);
		strncat(buf, json_string_value(v), buflen - strlen(buf) - 1);
	}
	if (buf[0] == '\0')
		snprintf(buf, buflen, "-");
	return buf;
}

static int
width_of(const json_t *list, const char *key, int min)
{
	const json_t *e;
	size_t i;
	int w = min, len;

	json_array_foreach(list, i, e)
		if ((len = (int)strlen(jstr(e, key))) > w)
			w = len;
	return w;
}

static void
print_table(const json_t *list)
{
	const json_t *e, *r;
	char deps[256];
	size_t i;
	int wn, wv, ws;

	wn = width_of(list, "name", 4);
	wv = width_of(list, "version", 7);
	ws = width_of(list, "state", 5);
	printf("%-*s  %-*s  %-*s  %-12s  %s\n", wn, "NAME", wv, "VERSION",
	    ws, "STATE", "DEPENDS", "REASON");
	json_array_foreach(list, i, e) {
		r = json_object_get(e, "reason");
		printf("%-*s  %-*s  %-*s  %-12s  %s\n",
		    wn, jstr(e, "name"),
		    wv, json_is_string(json_object_get(e, "version")) ?
		    jstr(e, "version") : "-",
		    ws, jstr(e, "state"),
		    join_names(json_object_get(e, "depends"), deps,
		    sizeof(deps)),
		    json_is_string(r) && json_string_value(r)[0] != '\0' ?
		    json_string_value(r) : "-");
	}
}

static int
parse_json_opt(int argc, char **argv, int *json)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*json = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'j')
			return -1;
		*json = 1;
	}
	return 0;
}

static void
print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2));

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

/*
 * Every plugin file and plugins row, merged (plugin_list_json: the very
 * list GET /api/v1/plugins shows).  NULL after a message.
 */
static json_t *
plugin_list_load(const struct config *cfg, sqlite3 *db)
{
	json_t *list;

	if ((list = plugin_list_json(db, cfg)) == NULL) {
		ctl_err("cannot list the plugins (database %s, directory %s)",
		    cfg->db_path, cfg->plugin_dir ? cfg->plugin_dir :
		    "(unset)");
		return NULL;
	}
	if (json_is_object(list) && json_is_array(json_object_get(list,
	    "items"))) {
		/* {"items":[...]} as the API wraps lists. */
		json_t *items = json_incref(json_object_get(list, "items"));

		json_decref(list);
		list = items;
	}
	if (!json_is_array(list)) {
		ctl_err("unexpected plugin list");
		json_decref(list);
		return NULL;
	}
	return list;
}

static int
plugin_list(int argc, char **argv, const struct config *cfg)
{
	sqlite3 *db = NULL;
	json_t *list = NULL;
	int json, rc = CTL_FAIL;

	if (parse_json_opt(argc, argv, &json) == -1)
		return ctl_usage_error("plugin", "list: bad option");
	if (optind != argc)
		return ctl_usage_error("plugin", "list: unexpected argument "
		    "'%s'", argv[optind]);
	if (ctl_db_open(cfg, DB_OPEN_RDONLY, &db) == -1)
		goto fail;
	if ((list = plugin_list_load(cfg, db)) == NULL)
		goto fail;
	if (json)
		print_json(list);
	else if (json_array_size(list) == 0)
		printf("no plugins in %s\n", cfg->plugin_dir);
	else
		print_table(list);
	rc = CTL_OK;
fail:
	json_decref(list);
	db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- */

/* The plugins row's state and reason after a change, for messages. */
static int
row_state(sqlite3 *db, const char *name, char *state, size_t slen,
    char *reason, size_t rlen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *s, *r;
	int rc = -1;

	state[0] = reason[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT state, reason FROM plugins "
	    "WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s = sqlite3_column_text(st, 0);
		r = sqlite3_column_text(st, 1);
		snprintf(state, slen, "%s", s ? (const char *)s : "");
		snprintf(reason, rlen, "%s", r ? (const char *)r : "");
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Applies the newly enabled plugin's migrations now (see the top of the
 * file).  plugin_set_load_one records a failure in the plugins table
 * rather than returning it, so the row is read back afterwards.
 */
static int
plugin_migrate_now(const struct config *cfg, sqlite3 *db, const char *name)
{
	struct plugin_set set = { NULL, 0 };
	char state[32], reason[512];
	int v;

	if (plugin_set_load_one(&set, cfg, db, &host_api, name) == -1) {
		ctl_err("loading %s failed (database error)", name);
		return -1;
	}
	plugin_set_unload(&set);
	if (row_state(db, name, state, sizeof(state), reason,
	    sizeof(reason)) == -1) {
		ctl_err("cannot read the state of %s back", name);
		return -1;
	}
	if (strcmp(state, "enabled") != 0) {
		ctl_err("%s could not be loaded and is now %s: %s", name,
		    state, reason[0] ? reason : "(no reason recorded)");
		return -1;
	}
	v = migrate_version(db, name);
	printf("plugin %s enabled (schema version %d)\n", name, v);
	return 0;
}

/*
 * 1 (after a message) when this is root and [server] user names another
 * user: enable would run plugin code as root (see the top of the file).
 * An unknown user counts as another one.
 */
static int
enable_as_root_refused(const struct config *cfg)
{
	struct passwd *pw;

	if (geteuid() != 0 || cfg->user == NULL || cfg->user[0] == '\0')
		return 0;
	if ((pw = getpwnam(cfg->user)) != NULL && pw->pw_uid == 0)
		return 0;
	ctl_err("plugin enable runs the plugin's code and must not run as "
	    "root while server.user is %s: run it as that user "
	    "(runuser -u %s -- bureauctl plugin enable ...)", cfg->user,
	    cfg->user);
	return 1;
}

/*
 * The audit entry of a change, written by plugin_enable_ex/_disable_ex
 * inside the transaction that records it.  Plugins have no integer id:
 * the name goes into the snapshots.
 */
static int
plugin_audit(sqlite3 *db, const char *action, const char *name,
    json_t *before, json_t *after, void *arg)
{
	json_t *b, *a;
	int rc;

	(void)arg;
	b = before ? json_deep_copy(before) : json_object();
	a = after ? json_deep_copy(after) : json_object();
	if (b == NULL || a == NULL) {
		json_decref(b);
		json_decref(a);
		return -1;
	}
	json_object_set_new(b, "plugin", json_string(name));
	json_object_set_new(a, "plugin", json_string(name));
	rc = audit_append(db, (int64_t)time(NULL), 0, ctl_actor(), NULL,
	    action, "plugin", 0, b, a);
	json_decref(b);
	json_decref(a);
	return rc;
}

/*
 * ctl_reload_if_running, with the enabled set published first (spec
 * from plugin_enabled_spec, NULL for a plain reload).
 */
static int
plugin_reload_if_running(const struct config *cfg, const char *spec)
{
	char cmd[CONTROL_LINE_MAX];

	if (spec == NULL || (size_t)snprintf(cmd, sizeof(cmd),
	    "reload enabled@%s", spec) >= sizeof(cmd))
		return ctl_reload_if_running(cfg);
	return ctl_reload_if_running_cmd(cfg, cmd);
}

static int
plugin_switch(int argc, char **argv, const struct config *cfg, int enable)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	const char *verb = enable ? "enable" : "disable";
	struct plugin_change change;
	char err[1024], spec[CONTROL_LINE_MAX - 32];
	const char *name;
	sqlite3 *db = NULL;
	int rc = CTL_FAIL, changed = 0, have_spec;

	if (getopt_long(argc, argv, "", longopts, NULL) != -1)
		return ctl_usage_error("plugin", "%s: bad option", verb);
	if (argc - optind != 1)
		return ctl_usage_error("plugin", "%s: %s", verb,
		    argc - optind == 0 ? "NAME is missing" : "one NAME only");
	name = argv[optind];
	/* Before anything is recorded: no half-done enable. */
	if (enable && enable_as_root_refused(cfg))
		goto fail;
	if (ctl_db_open(cfg, 0, &db) == -1)
		goto fail;
	/* Every switch is audited, in its own transaction; no key, no
	 * switch. */
	if (audit_key_load(cfg, 0) == -1) {
		ctl_err("audit key %s cannot be loaded (run `bureauctl init`)",
		    cfg->audit_key_path ? cfg->audit_key_path : "(unset)");
		goto fail;
	}
	memset(&change, 0, sizeof(change));
	change.actor = ctl_actor();
	change.audit = plugin_audit;
	change.changed = &changed;
	err[0] = '\0';
	if (enable) {
		if (plugin_enable_ex(db, cfg, name, &change, err,
		    sizeof(err)) == -1) {
			ctl_err("cannot enable %s: %s", name,
			    err[0] ? err : "failed");
			goto fail;
		}
		if (plugin_migrate_now(cfg, db, name) == -1)
			goto fail;
	} else {
		if (plugin_disable_ex(db, name, &change, err,
		    sizeof(err)) == -1) {
			ctl_err("cannot disable %s: %s", name,
			    err[0] ? err : "failed");
			goto fail;
		}
		printf("plugin %s %s (its data is kept)\n", name, changed ?
		    "disabled" : "was disabled already");
	}
	/*
	 * Reloaded even when nothing changed: the admin asked for this
	 * set to be what runs, and a reload makes sure it is.
	 */
	have_spec = plugin_enabled_spec(db, spec, sizeof(spec)) == 0;
	/* Closed before the reload: nothing of ours holds the database
	 * while the new generation starts. */
	db_close(db);
	db = NULL;
	if (plugin_reload_if_running(cfg, have_spec ? spec : NULL) == -1)
		goto fail;
	rc = CTL_OK;
fail:
	db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- */

static void
impact_list(const json_t *a, const char *title, int routes)
{
	const json_t *e;
	size_t i;

	printf("%s (%zu):\n", title, json_array_size(a));
	json_array_foreach(a, i, e) {
		if (routes)
			printf("  %-6s %s  [%s]\n", jstr(e, "method"),
			    jstr(e, "pattern"), jstr(e, "permission"));
		else
			printf("  %-12s %s / %s  %s\n", jstr(e, "id"),
			    jstr(e, "label_en"), jstr(e, "label_zh"),
			    jstr(e, "href"));
	}
}

static void
impact_print(const json_t *imp)
{
	const json_t *a, *e;
	const char *action = jstr(imp, "action");
	int enable = strcmp(action, "enable") == 0;
	size_t i;

	printf("plugin %s %s: %s -> %s\n", jstr(imp, "name"),
	    json_is_string(json_object_get(imp, "version")) ?
	    jstr(imp, "version") : "-", jstr(imp, "state"), action);
	if (json_is_true(json_object_get(imp, "no_change")))
		printf("no change: it is %s already\n", enable ? "enabled" :
		    "disabled");
	a = json_object_get(imp, "blocked_by");
	if (json_array_size(a) == 0)
		printf("blocked: no\n");
	else {
		printf("blocked: yes\n");
		json_array_foreach(a, i, e)
			printf("  %s\n", json_string_value(e));
	}
	impact_list(json_object_get(imp, enable ? "routes_added" :
	    "routes_removed"), enable ? "routes that would appear" :
	    "routes that would disappear", 1);
	impact_list(json_object_get(imp, enable ? "nav_added" :
	    "nav_removed"), enable ? "menu entries that would appear" :
	    "menu entries that would disappear", 0);
	if (enable) {
		a = json_object_get(imp, "migrations");
		printf("migrations that would run (%zu):\n",
		    json_array_size(a));
		json_array_foreach(a, i, e)
			printf("  %d  %s\n",
			    (int)json_integer_value(json_object_get(e,
			    "version")), jstr(e, "description"));
	} else
		printf("data: kept (enabling it again brings it back)\n");
}

/*
 * What enabling a disabled plugin, or disabling an enabled one, would
 * change: GET /api/v1/plugins/NAME/impact's answer.  Changes nothing.
 */
static int
plugin_impact(int argc, char **argv, const struct config *cfg)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "action",	required_argument,	NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	sqlite3 *db = NULL;
	json_t *imp = NULL;
	const char *action = NULL;
	char err[512];
	int json = 0, rc = CTL_FAIL, status, ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else if (ch == 'a')
			action = optarg;
		else
			return ctl_usage_error("plugin", "impact: bad option");
	}
	if (argc - optind != 1)
		return ctl_usage_error("plugin", "impact: %s",
		    argc - optind == 0 ? "NAME is missing" : "one NAME only");
	if (ctl_db_open(cfg, DB_OPEN_RDONLY, &db) == -1)
		goto fail;
	imp = pluginadmin_impact(db, cfg, NULL, argv[optind], action,
	    &status, err, sizeof(err));
	if (imp == NULL) {
		if (status == 400)
			rc = ctl_usage_error("plugin", "impact: %s", err);
		else
			ctl_err("%s", err);
		goto fail;
	}
	if (json)
		print_json(imp);
	else
		impact_print(imp);
	rc = CTL_OK;
fail:
	json_decref(imp);
	db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- */

int
cmd_plugin(int argc, char **argv, const struct config *cfg)
{
	if (argc < 2)
		return ctl_usage_error("plugin", "which action?");
	/* The action's own argv: argv[0] is the action. */
	argc--;
	argv++;
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		ctl_usage("plugin", stdout);
		return CTL_OK;
	}
	if (strcmp(argv[0], "list") == 0)
		return plugin_list(argc, argv, cfg);
	if (strcmp(argv[0], "enable") == 0)
		return plugin_switch(argc, argv, cfg, 1);
	if (strcmp(argv[0], "disable") == 0)
		return plugin_switch(argc, argv, cfg, 0);
	if (strcmp(argv[0], "impact") == 0)
		return plugin_impact(argc, argv, cfg);
	return ctl_usage_error("plugin", "unknown action '%s'", argv[0]);
}
