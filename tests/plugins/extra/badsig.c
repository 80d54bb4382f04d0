/* badsig -- as if built for another platform or library major. */
#include "extra.h"

EXTRA_ROUTES("badsig");

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	.magic = BUREAU_PLUGIN_MAGIC,
	.abi_major = BUREAU_ABI_MAJOR,
	.abi_minor = BUREAU_ABI_MINOR,
	.size = sizeof(struct bureau_plugin),
	.signature = "ptr4/time_t4/jansson1/sqlite3/nosan",
	EXTRA_COMMON("badsig"),
};
