/* cyca -- depends on cycb, which depends on it: a cycle. */
#include "extra.h"

EXTRA_ROUTES("cyca");

static const char *const cyca_depends[] = { "cycb", NULL };

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("cyca"),
	.depends = cyca_depends,
};
