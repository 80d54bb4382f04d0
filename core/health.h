/* health -- the core's public health route. */
#ifndef BUREAU_HEALTH_H
#define BUREAU_HEALTH_H

#include "bureau/plugin.h"

extern const struct bureau_route health_routes[];

#endif
