/* depgrand -- depends on depchild (a chain of three). */
#include "extra.h"

EXTRA_ROUTES("depgrand");

static const char *const depgrand_depends[] = { "depchild", NULL };

static const struct bureau_migration depgrand_migrations[] = {
	{ 1, "a view over depchild's",
	    "CREATE VIEW depgrand_v AS SELECT id FROM depchild_v;", NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("depgrand"),
	.depends = depgrand_depends,
	.migrations = depgrand_migrations,
};
