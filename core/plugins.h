/*
 * plugins -- finding, probing and loading plugin shared objects.
 *
 * A .so is never dlopen'ed by a long-lived process before it has passed
 * the probe: `bureaud --probe PATH`, fork+exec'd, which opens the file
 * with O_NOFOLLOW, checks it (regular, owned by root or the service user,
 * not group/world-writable), loads it through /proc/self/fd/N, checks the
 * descriptor and prints it as JSON on stdout.  A crash in the probe is a
 * refusal, not a crash of ours.
 */
#ifndef BUREAU_PLUGINS_H
#define BUREAU_PLUGINS_H

#include <stddef.h>
#include <sqlite3.h>
#include <jansson.h>

#include "bureau/plugin.h"
#include "config.h"

/* What the probe reported about one file. */
struct plugin_info {
	char		*path;
	char		*name;		/* NULL when it could not be read */
	char		*version, *title, *description;
	int		 abi_major, abi_minor;
	char		**depends;	/* NULL-terminated */
	int		 schema_version; /* latest migration version */
	int		 ok;		/* passed every check */
	char		*reason;	/* why not, when !ok */
};

struct loaded_plugin {
	const struct bureau_plugin *desc;
	void			*handle;	/* dlopen handle; never dlclosed
						 * in a live worker */
	void			*state;		/* from init() */
	char			*path;
};

struct plugin_set {
	struct loaded_plugin	*items;		/* in dependency order */
	size_t			 count;
};

/* The probe's entry point: bureaud --probe PATH; returns exit status. */
int	probe_main(const char *path, int service_uid);
/* Runs the probe helper on one file (fork+exec cfg->probe_path). */
int	probe_run(const struct config *, const char *path,
	    struct plugin_info *out);
/* Probes every *.so in cfg->plugin_dir, sorted by name. */
int	plugin_scan(const struct config *, struct plugin_info **out,
	    size_t *count);
void	plugin_info_free(struct plugin_info *, size_t count);
json_t	*plugin_info_json(const struct plugin_info *);

/*
 * Loads what the plugins table says is enabled: probe, check
 * dependencies (an unmet one disables the dependent with a reason),
 * order by dependencies, dlopen(RTLD_NOW|RTLD_LOCAL), apply migrations
 * (a failure disables the plugin with its reason recorded), grant
 * default permissions, call init.  Failures of single plugins are logged
 * and recorded, not fatal; -1 only when the database fails.
 */
int	plugin_set_load(struct plugin_set *, const struct config *,
	    sqlite3 *, const struct bureau_host *);
void	plugin_set_unload(struct plugin_set *);	/* fini only, no dlclose */

/* The plugins table: enable/disable with dependency rules; 0 or -1 with
 * a message (e.g. "required by expos, regions"). */
int	plugin_enable(sqlite3 *, const struct config *, const char *name,
	    const char *actor, char *err, size_t errlen);
int	plugin_disable(sqlite3 *, const char *name, const char *actor,
	    char *err, size_t errlen);

#endif
