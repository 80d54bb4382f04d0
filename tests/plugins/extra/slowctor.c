/* slowctor -- hangs in a constructor: the probe's timeout must end it. */
#include <unistd.h>

#include "extra.h"

EXTRA_ROUTES("slowctor");

__attribute__((constructor)) static void
slowctor_ctor(void)
{
	sleep(60);
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("slowctor"),
};
