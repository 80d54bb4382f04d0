/*
 * initlog -- records each init() call: appends "NAME pid\n" to the file
 * named by BUREAU_TEST_INIT_LOG (when set), so a test can tell which
 * process ran which plugin's code.  Built twice: initlog, and with
 * -DINITLOG_DEP initlog_dep, which depends on initlog (a dependency is
 * loaded before its user).  The probe runs with a clean environment and
 * records nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "extra.h"

#ifdef INITLOG_DEP
#define INITLOG_NAME	"initlog_dep"
static const char *const initlog_depends[] = { "initlog", NULL };
#else
#define INITLOG_NAME	"initlog"
static const char *const initlog_depends[] = { NULL };
#endif

EXTRA_ROUTES(INITLOG_NAME);

static int
initlog_init(const struct bureau_host *host, void **state)
{
	const char *path = getenv("BUREAU_TEST_INIT_LOG");
	FILE *fp;

	*state = (void *)host;
	if (path == NULL || *path == '\0')
		return 0;
	/* Append mode: one short write per line, processes may share it. */
	if ((fp = fopen(path, "a")) == NULL)
		return -1;
	fprintf(fp, "%s %ld\n", INITLOG_NAME, (long)getpid());
	return fclose(fp) == 0 ? 0 : -1;
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_BASE(INITLOG_NAME),
	.depends = initlog_depends,
	.init = initlog_init,
};
