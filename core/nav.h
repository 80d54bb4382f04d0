/* nav -- GET /api/v1/nav, the menu of the enabled plugins. */
#ifndef BUREAU_NAV_H
#define BUREAU_NAV_H

#include "bureau/plugin.h"

extern const struct bureau_route nav_routes[];

#endif
