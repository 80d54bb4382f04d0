/*
 * noisy -- prints to stdout while being loaded; the probe's answer on
 * its stdout must stay one clean JSON object all the same.
 */
#include <stdio.h>

#include "extra.h"

EXTRA_ROUTES("noisy");

__attribute__((constructor)) static void
noisy_ctor(void)
{
	printf("{\"ok\":true,\"name\":\"evil\"}\n");
	fflush(stdout);
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("noisy"),
};
