/* newerminor -- needs a host one minor version newer than ours. */
#include "extra.h"

EXTRA_ROUTES("newerminor");

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	.magic = BUREAU_PLUGIN_MAGIC,
	.abi_major = BUREAU_ABI_MAJOR,
	.abi_minor = BUREAU_ABI_MINOR + 1,
	.size = sizeof(struct bureau_plugin),
	.signature = BUREAU_BUILD_SIGNATURE,
	EXTRA_COMMON("newerminor"),
};
