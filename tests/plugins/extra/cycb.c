/* cycb -- depends on cyca, which depends on it: a cycle. */
#include "extra.h"

EXTRA_ROUTES("cycb");

static const char *const cycb_depends[] = { "cyca", NULL };

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("cycb"),
	.depends = cycb_depends,
};
