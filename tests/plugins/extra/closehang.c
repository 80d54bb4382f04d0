/*
 * closehang -- closes every descriptor it did not open (the probe's
 * answer pipe among them) and hangs: end of output is not the end of
 * the process, and the probe's deadline must still hold.
 */
#include <unistd.h>

#include "extra.h"

EXTRA_ROUTES("closehang");

__attribute__((constructor)) static void
closehang_ctor(void)
{
	int	fd;

	for (fd = 1; fd < 256; fd++)
		close(fd);
	sleep(60);
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("closehang"),
};
