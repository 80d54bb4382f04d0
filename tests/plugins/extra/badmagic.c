/* badmagic -- exports the symbol, but it is not our descriptor. */
#include "extra.h"

EXTRA_ROUTES("badmagic");

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	.magic = 0xdeadbeefu,
	.abi_major = BUREAU_ABI_MAJOR,
	.abi_minor = BUREAU_ABI_MINOR,
	.size = sizeof(struct bureau_plugin),
	.signature = BUREAU_BUILD_SIGNATURE,
	EXTRA_COMMON("badmagic"),
};
