/*
 * fz_plugins.h -- the plugins the fuzz targets link, each compiled with
 * -Dbureau_plugin=fz_plugin_NAME (fuzz.mk), with (fz_NAME.c) the set a
 * target loads for it (its dependencies first), the records made
 * through its handlers before the snapshot, and the invariants its
 * tables keep (queries that return the rows breaking one).
 *
 * A new plugin: its name in fuzz.mk's PLUGINS, a fz_NAME.c, the four
 * declarations below, and a line in run.py's TARGETS.
 */
#ifndef BUREAU_FZ_PLUGINS_H
#define BUREAU_FZ_PLUGINS_H

#include "bureau/plugin.h"

#define FZ_PLUGIN_DECL(name)						\
	extern const struct bureau_plugin fz_plugin_##name;		\
	extern const struct bureau_plugin *const fz_set_##name[];	\
	void fz_seed_##name(void);					\
	extern const char *const fz_inv_##name[]

FZ_PLUGIN_DECL(projects);
FZ_PLUGIN_DECL(staff);
FZ_PLUGIN_DECL(expos);
FZ_PLUGIN_DECL(regions);
/* The records of expos and regions alone (projects' seeded already). */
void	fz_seed_expos_own(void);
void	fz_seed_regions_own(void);

#endif
