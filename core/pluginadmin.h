/*
 * pluginadmin -- plugin administration at run time (issue 6):
 *
 *	GET  /api/v1/plugins			every file and row, merged
 *	GET  /api/v1/plugins/{name}		one of them
 *	GET  /api/v1/plugins/{name}/impact	what a switch would change
 *	POST /api/v1/plugins/{name}/enable	test-load, record, reload
 *	POST /api/v1/plugins/{name}/disable	record, 404 at once, reload
 *
 * All need plugins.admin; the POSTs a fresh login (BUREAU_ROUTE_REAUTH)
 * and CSRF, and are audited.  Files are only ever looked at through the
 * probe helper (plugins.c), never dlopen'ed here.  See docs/api/plugins.md.
 */
#ifndef BUREAU_PLUGINADMIN_H
#define BUREAU_PLUGINADMIN_H

#include <stddef.h>
#include <sqlite3.h>
#include <jansson.h>

#include "bureau/plugin.h"
#include "config.h"

struct plugin_cache;

/* Registered by app_open with the worker's probe cache as their state. */
extern const struct bureau_route pluginadmin_routes[];

/*
 * What switching plugin name would change: action "enable" or "disable"
 * (NULL: the opposite of its state).  Shared by the API and bureauctl.
 * cache may be NULL.  A new reference; NULL when name is unknown (err:
 * why, *status 404), action is not one of those two (400) or on a
 * database error (500).
 */
json_t	*pluginadmin_impact(sqlite3 *, const struct config *,
	    struct plugin_cache *, const char *name, const char *action,
	    int *status, char *err, size_t errlen);

/* The merged list's entry of name (new reference), NULL when none. */
json_t	*pluginadmin_entry(sqlite3 *, const struct config *,
	    struct plugin_cache *, const char *name);

#endif
