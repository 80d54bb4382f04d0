/* sessions -- the core's routes for the caller's own sessions. */
#ifndef BUREAU_SESSIONS_H
#define BUREAU_SESSIONS_H

#include "bureau/plugin.h"

extern const struct bureau_route sessions_routes[];

#endif
