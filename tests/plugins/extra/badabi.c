/* badabi -- built for an ABI major the host does not speak. */
#include "extra.h"

EXTRA_ROUTES("badabi");

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	.magic = BUREAU_PLUGIN_MAGIC,
	.abi_major = 99,
	.abi_minor = 0,
	.size = sizeof(struct bureau_plugin),
	.signature = BUREAU_BUILD_SIGNATURE,
	EXTRA_COMMON("badabi"),
};
