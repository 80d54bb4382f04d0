/* dupname -- a second file that calls itself "hello". */
#include "extra.h"

EXTRA_ROUTES("dupname");

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("hello"),
};
