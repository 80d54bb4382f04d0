/*
 * ctorcrash -- crashes in a constructor, i.e. inside dlopen(), before
 * any check can look at it: only a probe in its own process survives.
 */
#include "extra.h"

EXTRA_ROUTES("ctorcrash");

__attribute__((constructor)) static void
ctorcrash_ctor(void)
{
	raise(SIGSEGV);
}

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("ctorcrash"),
};
