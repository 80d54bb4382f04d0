/* auditlog -- the core's routes that read the audit log (list, export). */
#ifndef BUREAU_AUDITLOG_H
#define BUREAU_AUDITLOG_H

#include "bureau/plugin.h"

extern const struct bureau_route auditlog_routes[];

#endif
