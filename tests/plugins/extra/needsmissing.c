/* needsmissing -- depends on a plugin that does not exist. */
#include "extra.h"

EXTRA_ROUTES("needsmissing");

static const char *const needsmissing_depends[] = { "nonexistent", NULL };

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("needsmissing"),
	.depends = needsmissing_depends,
};
