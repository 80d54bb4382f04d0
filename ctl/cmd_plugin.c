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
 * at once, by loading the enabled set through plugin_set_load on its own
 * connection (probe, dependency order, dlopen, migrations under BEGIN
 * IMMEDIATE, init; then fini).  A failing migration is then reported
 * here, to the admin who asked, with the plugin left 'failed' and the
 * reason recorded -- rather than discovered later in bureaud's log.
 * bureaud's workers would apply the same steps at their next start;
 * migrations re-read the version inside their transaction, so whoever
 * comes second finds nothing to do.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "audit.h"
#include "db.h"
#include "migrate.h"
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
 * file).  plugin_set_load records a failure in the plugins table rather
 * than returning it, so the row is read back afterwards.
 */
static int
plugin_migrate_now(const struct config *cfg, sqlite3 *db, const char *name)
{
	struct plugin_set set = { NULL, 0 };
	char state[32], reason[512];
	int v;

	if (plugin_set_load(&set, cfg, db, &host_api) == -1) {
		ctl_err("loading the enabled plugins failed (database error)");
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

static int
plugin_switch(int argc, char **argv, const struct config *cfg, int enable)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	const char *verb = enable ? "enable" : "disable";
	struct plugin_change change;
	char err[1024];
	const char *name;
	sqlite3 *db = NULL;
	int rc = CTL_FAIL;

	if (getopt_long(argc, argv, "", longopts, NULL) != -1)
		return ctl_usage_error("plugin", "%s: bad option", verb);
	if (argc - optind != 1)
		return ctl_usage_error("plugin", "%s: %s", verb,
		    argc - optind == 0 ? "NAME is missing" : "one NAME only");
	name = argv[optind];
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
		printf("plugin %s disabled (its data is kept)\n", name);
	}
	/* Closed before the reload: nothing of ours holds the database
	 * while the new generation starts. */
	db_close(db);
	db = NULL;
	if (ctl_reload_if_running(cfg) == -1)
		goto fail;
	rc = CTL_OK;
fail:
	db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- */

static const json_t *
list_find(const json_t *list, const char *name)
{
	const json_t *e;
	size_t i;

	json_array_foreach(list, i, e)
		if (strcmp(jstr(e, "name"), name) == 0)
			return e;
	return NULL;
}

static int
array_has(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/*
 * The migrations that enabling would run: versions above what the
 * database recorded, with their descriptions from the probe's report of
 * the file (one more probe of that file alone), or bare numbers when the
 * report lists none.
 */
static json_t *
pending_migrations(const struct config *cfg, const char *name, int applied,
    int latest)
{
	struct plugin_info *info;
	const json_t *list = NULL, *m;
	json_t *out = json_array();
	char path[4096];
	size_t i;
	int v, listed = 0;

	/* plugin_info_free frees the array itself: one element on the heap. */
	if ((info = calloc(1, sizeof(*info))) != NULL) {
		snprintf(path, sizeof(path), "%s/%s.so", cfg->plugin_dir, name);
		(void)probe_run(cfg, path, info);
		if (info->report != NULL)
			list = json_object_get(info->report, "migrations");
	}
	json_array_foreach(list, i, m) {
		v = (int)json_integer_value(json_object_get(m, "version"));
		listed = 1;
		if (v > applied)
			json_array_append_new(out, json_pack("{s:i, s:s}",
			    "version", v, "description",
			    jstr(m, "description")));
	}
	if (!listed)
		for (v = applied + 1; v <= latest; v++)
			json_array_append_new(out, json_pack("{s:i, s:s}",
			    "version", v, "description", ""));
	plugin_info_free(info, 1);
	return out;
}

static void
impact_print(const json_t *imp)
{
	const json_t *a, *e;
	const char *action = jstr(imp, "action");
	const char *verb = strcmp(action, "enable") == 0 ? "appear" :
	    "disappear";
	size_t i;

	printf("plugin %s %s: %s -> %s\n", jstr(imp, "name"),
	    jstr(imp, "version"), jstr(imp, "state"), action);
	a = json_object_get(imp, "blocked_by");
	if (json_array_size(a) == 0)
		printf("blocked: no\n");
	else {
		printf("blocked: yes\n");
		json_array_foreach(a, i, e)
			printf("  %s\n", json_string_value(e));
	}
	a = json_object_get(imp, "routes");
	printf("routes that would %s (%zu):\n", verb, json_array_size(a));
	json_array_foreach(a, i, e)
		printf("  %-6s %s  [%s]\n", jstr(e, "method"),
		    jstr(e, "pattern"), jstr(e, "permission"));
	a = json_object_get(imp, "nav");
	printf("menu entries that would %s (%zu):\n", verb,
	    json_array_size(a));
	json_array_foreach(a, i, e)
		printf("  %-12s %s / %s  %s\n", jstr(e, "id"),
		    jstr(e, "label_en"), jstr(e, "label_zh"), jstr(e, "href"));
	if (strcmp(action, "enable") == 0) {
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
 * change -- the same rules plugin_enable/plugin_disable apply, read off
 * the merged list.  Changes nothing.
 */
static int
plugin_impact(int argc, char **argv, const struct config *cfg)
{
	sqlite3 *db = NULL;
	json_t *list = NULL, *imp = NULL, *blocked;
	json_t *routes, *nav;
	const json_t *e, *d, *o;
	const char *name, *state, *dstate;
	size_t i;
	int json, rc = CTL_FAIL, enable, applied, latest;

	if (parse_json_opt(argc, argv, &json) == -1)
		return ctl_usage_error("plugin", "impact: bad option");
	if (argc - optind != 1)
		return ctl_usage_error("plugin", "impact: %s",
		    argc - optind == 0 ? "NAME is missing" : "one NAME only");
	name = argv[optind];
	if (ctl_db_open(cfg, DB_OPEN_RDONLY, &db) == -1)
		goto fail;
	if ((list = plugin_list_load(cfg, db)) == NULL)
		goto fail;
	if ((e = list_find(list, name)) == NULL) {
		ctl_err("no plugin named %s in %s", name, cfg->plugin_dir);
		goto fail;
	}
	state = jstr(e, "state");
	enable = strcmp(state, "enabled") != 0;
	if ((blocked = json_array()) == NULL)
		goto fail;
	if (strcmp(state, "incompatible") == 0 ||
	    strcmp(state, "missing") == 0)
		json_array_append_new(blocked, json_sprintf("%s: %s", state,
		    jstr(e, "reason")));
	if (enable) {
		/* Every dependency must be enabled already. */
		json_array_foreach(json_object_get(e, "depends"), i, d) {
			o = list_find(list, json_string_value(d));
			dstate = o ? jstr(o, "state") : "not installed";
			if (strcmp(dstate, "enabled") != 0)
				json_array_append_new(blocked, json_sprintf(
				    "requires %s (%s)", json_string_value(d),
				    dstate));
		}
	} else {
		/* No enabled plugin may depend on it. */
		json_array_foreach(list, i, o)
			if (array_has(json_object_get(o, "depends"), name) &&
			    strcmp(jstr(o, "state"), "enabled") == 0)
				json_array_append_new(blocked, json_sprintf(
				    "required by %s (enabled)",
				    jstr(o, "name")));
	}
	routes = json_object_get(e, "routes");
	nav = json_object_get(e, "nav");
	/* "o" steals: each gets a reference of its own. */
	imp = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}",
	    "name", name, "version", jstr(e, "version"), "state", state,
	    "action", enable ? "enable" : "disable", "blocked_by", blocked,
	    "routes", json_is_array(routes) ? json_incref(routes) :
	    json_array(),
	    "nav", json_is_array(nav) ? json_incref(nav) : json_array());
	if (imp == NULL)
		goto fail;
	if (enable && strcmp(state, "missing") != 0) {
		applied = (int)json_integer_value(json_object_get(e,
		    "schema_applied"));
		latest = (int)json_integer_value(json_object_get(e,
		    "schema_version"));
		json_object_set_new(imp, "schema_applied",
		    json_integer(applied));
		json_object_set_new(imp, "schema_version",
		    json_integer(latest));
		json_object_set_new(imp, "migrations", pending_migrations(cfg,
		    name, applied, latest));
	}
	if (json)
		print_json(imp);
	else
		impact_print(imp);
	rc = CTL_OK;
fail:
	json_decref(imp);
	json_decref(list);
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
