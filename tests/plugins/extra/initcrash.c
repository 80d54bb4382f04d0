/* initcrash -- init() crashes: the test-load at enable must catch it. */
#include "extra.h"

EXTRA_ROUTES("initcrash");

static int
initcrash_init(const struct bureau_host *host, void **state)
{
	(void)host;
	(void)state;
	raise(SIGSEGV);
	return -1;
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_BASE("initcrash"),
	.init = initcrash_init,
};
