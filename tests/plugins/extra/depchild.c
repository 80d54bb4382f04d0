/*
 * depchild -- depends on depbase and reads its view in a migration, so
 * loading it before depbase's migrations ran would fail.
 */
#include "extra.h"

EXTRA_ROUTES("depchild");

static const char *const depchild_depends[] = { "depbase", NULL };

static const struct bureau_migration depchild_migrations[] = {
	{ 1, "a view over depbase's",
	    "CREATE VIEW depchild_v AS SELECT id FROM depbase_v;", NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("depchild"),
	.depends = depchild_depends,
	.migrations = depchild_migrations,
};
