/* badroute -- a route without a permission: deny by default refuses it. */
#include "extra.h"

static const struct bureau_route badroute_routes[] = {
	{ "GET", "/api/v1/badroute", extra_ping, NULL, 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	.name = "badroute",
	.version = "1.0.0",
	.title = "Test plugin badroute",
	.routes = badroute_routes,
	.init = extra_init,
};
