/*
 * depbase -- a dependency: a table and the view that is its contract,
 * and a route that crashes the worker, so that a quarantine of depbase
 * takes depchild and depgrand down with it (test_pluginadmin).
 */
#include "extra.h"

static int
depbase_crash(struct bureau_req *req, void *state)
{
	(void)req;
	(void)state;
	raise(SIGSEGV);
	return -1;
}

static const struct bureau_route extra_routes[] = {
	{ "GET", "/api/v1/depbase/ping", extra_ping, BUREAU_PERM_PUBLIC, 0 },
	{ "GET", "/api/v1/depbase/crash", depbase_crash, BUREAU_PERM_PUBLIC,
	    0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

static const struct bureau_migration depbase_migrations[] = {
	{ 1, "items and their public view",
	    "CREATE TABLE depbase_items (id INTEGER PRIMARY KEY, v TEXT);"
	    "CREATE VIEW depbase_v AS SELECT id, v FROM depbase_items;",
	    NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};

static const struct bureau_permission depbase_permissions[] = {
	{ "depbase.read", "Read depbase", "admin,officer,viewer" },
	{ "depbase.write", "Change depbase", "admin,officer" },
	{ NULL, NULL, NULL }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("depbase"),
	.migrations = depbase_migrations,
	.permissions = depbase_permissions,
};
