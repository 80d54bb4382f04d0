/*
 * pluginadmin.c -- the admin's plugin routes (see pluginadmin.h).
 *
 * How a switch reaches every worker without a restart or a failed
 * request:
 *
 *  1. plugin_enable_ex / plugin_disable_ex (plugins.c) check the rules
 *     (probe, downgrade, dependencies, the test-load in a throwaway
 *     child for enable) and record the change with its audit entry in
 *     one transaction on this thread's connection.
 *  2. Right after the commit this worker reads the enabled set in one
 *     snapshot and sends it with its reload request; the master
 *     publishes it in the scoreboard and bumps the plugin generation,
 *     so from then on every worker still serving the old set answers
 *     404 for a plugin that left it (handle.c, nav.c) -- at once, not
 *     only after the reload.
 *  3. The reload starts a new generation that loads the new set (and
 *     applies an enabled plugin's migrations once); the old one drains,
 *     finishing what it serves.  Nothing is ever dlclose'd.
 *
 * The handler waits for that reload (bounded), so its answer shows the
 * plugin as the new generation really loaded it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit.h"
#include "control.h"
#include "db.h"
#include "log.h"
#include "pluginadmin.h"
#include "plugins.h"
#include "request.h"
#include "worker.h"

/* New workers load every enabled plugin (probe, migrations, init):
 * seconds, not minutes; past this the answer says it is still going. */
#define PA_RELOAD_WAIT_MS	30000

/* --- reading -------------------------------------------------------- */

static const char *
jstr(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static json_t *
list_find(const json_t *list, const char *name)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(list, i, e)
		if (strcmp(jstr(e, "name"), name) == 0)
			return e;
	return NULL;
}

static int
array_has(const json_t *arr, const char *s)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

json_t *
pluginadmin_entry(sqlite3 *db, const struct config *cfg,
    struct plugin_cache *cache, const char *name)
{
	json_t	*list, *e;

	if ((list = plugin_list_json_ex(db, cfg, cache)) == NULL)
		return NULL;
	if ((e = list_find(list, name)) != NULL)
		json_incref(e);
	json_decref(list);
	return e;
}

/* {method, pattern, permission} of each route, as the impact lists it. */
static json_t *
routes_brief(const json_t *routes)
{
	const json_t	*r;
	json_t		*out = json_array();
	size_t		 i;

	json_array_foreach(routes, i, r)
		json_array_append_new(out, json_pack("{s:s,s:s,s:s}",
		    "method", jstr(r, "method"), "pattern", jstr(r, "pattern"),
		    "permission", jstr(r, "permission")));
	return out;
}

static json_t *
nav_brief(const json_t *nav)
{
	const json_t	*n;
	json_t		*out = json_array();
	size_t		 i;

	json_array_foreach(nav, i, n)
		json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:s}",
		    "id", jstr(n, "id"), "label_zh", jstr(n, "label_zh"),
		    "label_en", jstr(n, "label_en"), "href", jstr(n, "href"),
		    "permission", jstr(n, "permission")));
	return out;
}

/*
 * Enabled plugins recorded as depending on name: the very rule
 * plugin_disable applies (plugin_deps, written when they were enabled
 * or loaded), so the impact never promises what disable then refuses.
 */
static int
enabled_dependents(sqlite3 *db, const char *name, json_t *out)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT d.plugin FROM plugin_deps d JOIN "
	    "plugins p ON p.name = d.plugin WHERE d.requires = ?1 AND "
	    "p.state = 'enabled' ORDER BY d.plugin", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_string((const char *)
		    sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void
impact_enable(json_t *imp, const json_t *list, const json_t *e,
    json_t *blocked)
{
	const json_t	*d, *m, *o;
	json_t		*missing = json_array(), *pending = json_array();
	const char	*state = jstr(e, "state"), *dstate;
	json_int_t	 applied;
	size_t		 i;
	int		 upgrade = json_is_true(json_object_get(e, "upgrade"));

	if (strcmp(state, "enabled") == 0 && !upgrade)
		json_object_set_new(imp, "no_change", json_true());
	if (!array_has(json_object_get(e, "actions"), "enable") &&
	    strcmp(state, "enabled") != 0)
		json_array_append_new(blocked, json_sprintf("%s: %s", state,
		    json_is_string(json_object_get(e, "reason")) ?
		    jstr(e, "reason") : "no plugin file"));
	json_array_foreach(json_object_get(e, "depends"), i, d) {
		o = list_find(list, json_string_value(d));
		dstate = o != NULL ? jstr(o, "state") : "not installed";
		if (strcmp(dstate, "enabled") == 0)
			continue;
		json_array_append_new(missing, json_pack("{s:s,s:s}", "name",
		    json_string_value(d), "state", dstate));
		json_array_append_new(blocked, json_sprintf("requires %s (%s)",
		    json_string_value(d), dstate));
	}
	json_object_set_new(imp, "missing_dependencies", missing);
	/* What an upgrade or a first enable runs, once, in the new
	 * generation (after the test-load tried it and rolled it back). */
	applied = json_integer_value(json_object_get(e, "schema_applied"));
	json_array_foreach(json_object_get(e, "migrations"), i, m)
		if (json_integer_value(json_object_get(m, "version")) > applied)
			json_array_append_new(pending, json_pack("{s:I,s:s}",
			    "version", json_integer_value(json_object_get(m,
			    "version")), "description", jstr(m,
			    "description")));
	json_object_set_new(imp, "migrations", pending);
	if (strcmp(state, "enabled") == 0) {
		/* Already served: an upgrade changes no route set we know
		 * of until the new file is loaded; list them as they will
		 * be. */
		json_object_set_new(imp, "routes_added", json_array());
		json_object_set_new(imp, "nav_added", json_array());
	} else {
		json_object_set_new(imp, "routes_added",
		    routes_brief(json_object_get(e, "routes")));
		json_object_set_new(imp, "nav_added",
		    nav_brief(json_object_get(e, "nav")));
	}
	json_object_set_new(imp, "test_load", json_boolean(
	    json_object_get(imp, "no_change") == NULL));
}

static int
impact_disable(sqlite3 *db, json_t *imp, const json_t *e, json_t *blocked)
{
	const char	*state = jstr(e, "state");
	const char	*dbs = jstr(e, "db_state");
	json_t		*deps = json_array();
	const json_t	*d;
	size_t		 i;
	int		 served = strcmp(state, "enabled") == 0;

	if (enabled_dependents(db, jstr(e, "name"), deps) == -1) {
		json_decref(deps);
		return -1;
	}
	json_array_foreach(deps, i, d)
		json_array_append_new(blocked, json_sprintf(
		    "required by %s (enabled)", json_string_value(d)));
	json_object_set_new(imp, "dependents", deps);
	if (dbs[0] == '\0' || strcmp(dbs, "disabled") == 0)
		json_object_set_new(imp, "no_change", json_true());
	json_object_set_new(imp, "routes_removed", served ?
	    routes_brief(json_object_get(e, "routes")) : json_array());
	json_object_set_new(imp, "nav_removed", served ?
	    nav_brief(json_object_get(e, "nav")) : json_array());
	json_object_set_new(imp, "data", json_string("kept"));
	return 0;
}

json_t *
pluginadmin_impact(sqlite3 *db, const struct config *cfg,
    struct plugin_cache *cache, const char *name, const char *action,
    int *status, char *err, size_t errlen)
{
	json_t		*list, *imp = NULL, *blocked;
	const json_t	*e;
	int		 enable;

	*status = 200;
	err[0] = '\0';
	if ((list = plugin_list_json_ex(db, cfg, cache)) == NULL) {
		*status = 500;
		snprintf(err, errlen, "cannot list the plugins");
		return NULL;
	}
	if (!plugin_name_valid(name) || (e = list_find(list, name)) == NULL) {
		*status = 404;
		snprintf(err, errlen, "No plugin %s in the plugin directory "
		    "or the database.", name);
		goto out;
	}
	if (action == NULL)
		enable = strcmp(jstr(e, "state"), "enabled") != 0;
	else if (strcmp(action, "enable") == 0 ||
	    strcmp(action, "disable") == 0)
		enable = action[0] == 'e';
	else {
		*status = 400;
		snprintf(err, errlen, "action must be enable or disable");
		goto out;
	}
	blocked = json_array();
	imp = json_pack("{s:s,s:s,s:s,s:o}", "name", name,
	    "state", jstr(e, "state"), "action", enable ? "enable" : "disable",
	    "blocked_by", blocked);
	if (imp != NULL) {
		static const char *const copied[] = { "version", "reason",
		    "schema_applied", "schema_version", NULL };
		const json_t	*v;
		size_t		 k;

		for (k = 0; copied[k] != NULL; k++) {
			v = json_object_get(e, copied[k]);
			json_object_set_new(imp, copied[k], v != NULL ?
			    json_incref((json_t *)v) : json_null());
		}
	}
	if (imp == NULL) {
		*status = 500;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (enable)
		impact_enable(imp, list, e, blocked);
	else if (impact_disable(db, imp, e, blocked) == -1) {
		json_decref(imp);
		imp = NULL;
		*status = 500;
		snprintf(err, errlen, "database error: %s",
		    sqlite3_errmsg(db));
		goto out;
	}
	json_object_set_new(imp, "allowed",
	    json_boolean(json_array_size(blocked) == 0));
out:
	json_decref(list);
	return imp;
}

/* --- routes --------------------------------------------------------- */

static int
pa_list(struct bureau_req *req, void *state)
{
	json_t	*list;

	list = plugin_list_json_ex(req->thr->db, req->thr->app->cfg, state);
	if (list == NULL)
		return resp_internal(req, "plugin list failed");
	return resp_json(req, 200, json_pack("{s:o}", "items", list));
}

/* The {name} of the path when it can name a plugin, else a 404 sent. */
static const char *
pa_name(struct bureau_req *req)
{
	const char	*name = kvlist_get(&req->params, "name");
	char		 msg[96];

	if (name == NULL || !plugin_name_valid(name)) {
		snprintf(msg, sizeof(msg), "No plugin %.40s.",
		    name != NULL ? name : "");
		resp_error(req, 404, "not_found", NULL, msg);
		return NULL;
	}
	return name;
}

static int
pa_get(struct bureau_req *req, void *state)
{
	const char	*name;
	json_t		*e;

	if ((name = pa_name(req)) == NULL)
		return 0;
	e = pluginadmin_entry(req->thr->db, req->thr->app->cfg, state, name);
	if (e == NULL)
		return resp_error(req, 404, "not_found", NULL,
		    "No such plugin in the plugin directory or the database.");
	return resp_json(req, 200, e);
}

static int
pa_impact(struct bureau_req *req, void *state)
{
	const char	*name, *action = kvlist_get(&req->query, "action");
	json_t		*imp;
	char		 err[256];
	int		 status;

	if ((name = pa_name(req)) == NULL)
		return 0;
	if (action != NULL && action[0] == '\0')
		action = NULL;
	imp = pluginadmin_impact(req->thr->db, req->thr->app->cfg, state,
	    name, action, &status, err, sizeof(err));
	if (imp != NULL)
		return resp_json(req, 200, imp);
	if (status == 404)
		return resp_error(req, 404, "not_found", NULL, err);
	if (status == 400)
		return resp_error(req, 400, "validation_failed", "action",
		    err);
	return resp_internal(req, err);
}

/* The audit entry, in the transaction plugins.c records the change in. */
static int
pa_audit(sqlite3 *db, const char *action, const char *name, json_t *before,
    json_t *after, void *arg)
{
	struct bureau_req	*req = arg;
	json_t			*b, *a;
	int			 rc;

	(void)db;	/* the same connection: req->thr->db */
	b = before != NULL ? json_deep_copy(before) : json_object();
	a = after != NULL ? json_deep_copy(after) : json_object();
	if (b == NULL || a == NULL) {
		json_decref(b);
		json_decref(a);
		return -1;
	}
	/* Plugins have no integer id: the name goes into the snapshots. */
	json_object_set_new(b, "plugin", json_string(name));
	json_object_set_new(a, "plugin", json_string(name));
	rc = audit_from_req(req, action, "plugin", 0, b, a);
	json_decref(b);
	json_decref(a);
	return rc;
}

/* "a,b" -> ["a","b"] */
static json_t *
names_array(const char *csv)
{
	json_t		*a = json_array();
	const char	*p = csv, *end;

	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if (end > p)
			json_array_append_new(a, json_stringn(p,
			    (size_t)(end - p)));
		p = *end != '\0' ? end + 1 : end;
	}
	return a;
}

static int
pa_refused(struct bureau_req *req, int refused, const char *err,
    const char *names)
{
	json_t	*e;

	switch (refused) {
	case PLUGIN_REFUSED_INVALID:
	case PLUGIN_REFUSED_UNKNOWN:
		return resp_error(req, 404, "not_found", NULL, err);
	case PLUGIN_REFUSED_INCOMPATIBLE:
		return resp_error(req, 422, "incompatible", NULL, err);
	case PLUGIN_REFUSED_TEST_LOAD:
		return resp_error(req, 422, "test_load_failed", NULL, err);
	case PLUGIN_REFUSED_DEPENDENCIES:
	case PLUGIN_REFUSED_REQUIRED:
		e = json_pack("{s:s,s:s,s:o}", "code",
		    refused == PLUGIN_REFUSED_REQUIRED ? "required_by" :
		    "unmet_dependencies", "message", err,
		    "names", names_array(names));
		if (e == NULL)
			return resp_internal(req, "out of memory");
		return resp_json(req, 409, json_pack("{s:o}", "error", e));
	case PLUGIN_REFUSED_BUSY:
		resp_header(req, "Retry-After", "1");
		return resp_error(req, 503, "busy", NULL,
		    "The database is busy; try again.");
	default:
		return resp_internal(req, err[0] != '\0' ? err :
		    "plugin switch failed");
	}
}

/*
 * After a committed change: the enabled set to the master with the
 * reload request (step 2 at the top), then wait for the new generation.
 * 1 when it is serving, 0 when the reload failed or is still going.
 */
static int
pa_reload(struct bureau_req *req, const char *name)
{
	char	set[CONTROL_LINE_MAX - 32];
	int	have_set;

	have_set = plugin_enabled_spec(req->thr->db, set, sizeof(set)) == 0;
	if (!have_set)
		log_err("%s: plugin %s: cannot read the enabled set; its "
		    "routes change with the reload only", req->id, name);
	if (worker_request_reload_enabled(have_set ? set : NULL,
	    PA_RELOAD_WAIT_MS) == -1) {
		log_warn("%s: plugin %s: the reload did not complete within "
		    "%d ms (or failed); see the log", req->id, name,
		    PA_RELOAD_WAIT_MS);
		return 0;
	}
	return 1;
}

static int
pa_switch(struct bureau_req *req, void *state, int enable)
{
	struct plugin_change	 ch;
	const char		*name;
	char			 err[1024], names[512];
	int			 refused = 0, changed = 0, rc, reloaded = 0;
	json_t			*e;

	if ((name = pa_name(req)) == NULL)
		return 0;
	memset(&ch, 0, sizeof(ch));
	ch.actor = req->user.username;
	ch.audit = pa_audit;
	ch.arg = req;
	ch.refused = &refused;
	ch.names = names;
	ch.nameslen = sizeof(names);
	ch.changed = &changed;
	names[0] = err[0] = '\0';
	if (enable)
		rc = plugin_enable_ex(req->thr->db, req->thr->app->cfg, name,
		    &ch, err, sizeof(err));
	else
		rc = plugin_disable_ex(req->thr->db, name, &ch, err,
		    sizeof(err));
	if (rc == -1)
		return pa_refused(req, refused, err, names);
	if (changed)
		reloaded = pa_reload(req, name);
	e = pluginadmin_entry(req->thr->db, req->thr->app->cfg, state, name);
	if (e == NULL)
		e = json_pack("{s:s}", "name", name);
	return resp_json(req, 200, json_pack("{s:o,s:b,s:b}", "plugin", e,
	    "changed", changed, "reloaded", reloaded));
}

static int
pa_enable(struct bureau_req *req, void *state)
{
	return pa_switch(req, state, 1);
}

static int
pa_disable(struct bureau_req *req, void *state)
{
	return pa_switch(req, state, 0);
}

const struct bureau_route pluginadmin_routes[] = {
	{ "GET", "/api/v1/plugins", pa_list, "plugins.admin", 0 },
	{ "GET", "/api/v1/plugins/{name:slug}", pa_get, "plugins.admin", 0 },
	{ "GET", "/api/v1/plugins/{name:slug}/impact", pa_impact,
	    "plugins.admin", 0 },
	{ "POST", "/api/v1/plugins/{name:slug}/enable", pa_enable,
	    "plugins.admin", BUREAU_ROUTE_REAUTH },
	{ "POST", "/api/v1/plugins/{name:slug}/disable", pa_disable,
	    "plugins.admin", BUREAU_ROUTE_REAUTH },
	{ NULL, NULL, NULL, NULL, 0 }
};
