/* initfail -- init() reports failure. */
#include "extra.h"

EXTRA_ROUTES("initfail");

static int
initfail_init(const struct bureau_host *host, void **state)
{
	(void)host;
	(void)state;
	return -1;
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_BASE("initfail"),
	.init = initfail_init,
};
