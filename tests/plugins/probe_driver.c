/*
 * probe_driver -- a stand-in for `bureaud --probe PATH [--test-load DB]`
 * for the unit tests, so they do not depend on the whole server: the
 * same probe_main / probe_testload_main, with a minimal host table for
 * the test-load's init() (the test plugins' init only keeps the table).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "plugins.h"

static void
driver_log(int level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static const struct bureau_host driver_host = {
	.size = sizeof(struct bureau_host),
	.abi_major = BUREAU_ABI_MAJOR,
	.abi_minor = BUREAU_ABI_MINOR,
	.log = driver_log,
};

int
main(int argc, char **argv)
{
	log_init("probe", LOG_LVL_WARNING, 0);
	if (argc == 3 && strcmp(argv[1], "--probe") == 0)
		return probe_main(argv[2], (int)getuid());
	if (argc == 5 && strcmp(argv[1], "--probe") == 0 &&
	    strcmp(argv[3], "--test-load") == 0)
		return probe_testload_main(argv[2], (int)getuid(), argv[4],
		    &driver_host);
	fprintf(stderr, "usage: %s --probe PATH [--test-load DB]\n", argv[0]);
	return 2;
}
