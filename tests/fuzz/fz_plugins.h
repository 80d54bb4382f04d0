/*
 * fz_plugins.h -- the plugins the fuzz targets link, each compiled with
 * -Dbureau_plugin=fz_plugin_NAME, with its seed records and invariants
 * (fz_NAME.c).  A new plugin: its descriptor, seed and invariants here
 * and in fz_NAME.c, its sources in fuzz.mk.
 */
#ifndef BUREAU_FZ_PLUGINS_H
#define BUREAU_FZ_PLUGINS_H

#include "bureau/plugin.h"

extern const struct bureau_plugin fz_plugin_projects;
extern const struct bureau_plugin fz_plugin_staff;

void	fz_seed_projects(void);
void	fz_seed_staff(void);
extern const char *const fz_inv_projects[];
extern const char *const fz_inv_staff[];

#endif
