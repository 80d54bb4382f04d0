/*
 * plugins -- finding, probing and loading plugin shared objects.
 *
 * A .so is never dlopen'ed by a long-lived process before it has passed
 * the probe: `bureaud --probe PATH`, fork+exec'd, which opens the file
 * with O_NOFOLLOW, checks it (regular, owned by root or the service user,
 * not group/world-writable), loads it through /proc/self/fd/N, checks the
 * descriptor and prints it as JSON on stdout.  A crash in the probe is a
 * refusal, not a crash of ours.
 *
 * The test-load (`bureaud --probe PATH --test-load DB`) goes further in
 * the same throwaway process: it loads the plugin's dependencies from
 * the same directory, runs every pending migration of them and of the
 * plugin in one transaction that it rolls back, and calls init/fini.
 * plugin_enable runs it before a plugin is switched on.
 *
 * Children: probe_run forks and waits for its own child by pid; the
 * caller must not reap all children (SIGCHLD set to SIG_IGN or a
 * waitpid(-1) handler) while it runs.
 */
#ifndef BUREAU_PLUGINS_H
#define BUREAU_PLUGINS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <jansson.h>

#include "bureau/plugin.h"
#include "config.h"

/* What the probe reported about one file.  Owns every pointer in it. */
struct plugin_info {
	char		*path;
	char		*name;		/* NULL when it could not be read */
	char		*version, *title, *description;
	int		 abi_major, abi_minor;
	char		**depends;	/* NULL-terminated, never NULL */
	int		 schema_version; /* latest migration version */
	int		 ok;		/* passed every check */
	char		*reason;	/* why not, when !ok */
	/*
	 * The probe's whole report (routes, permissions, nav, migrations,
	 * file identity), or NULL when the probe gave none.  Owned.
	 */
	json_t		*report;
	/* Identity of the file the probe vetted: the loader refuses
	 * another file that appeared under the same name since. */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	int64_t		 mtime_ns;
};

struct loaded_plugin {
	const struct bureau_plugin *desc;
	void			*handle;	/* dlopen handle; never dlclosed
						 * in a live worker */
	void			*state;		/* from init() */
	char			*path;
	/*
	 * Kept open for the life of the process: the library was loaded
	 * as "/proc/self/fd/N" and the dynamic loader matches later
	 * dlopen()s by that name, so N must never name another file.
	 */
	int			 fd;
};

struct plugin_set {
	struct loaded_plugin	*items;		/* in dependency order */
	size_t			 count;
};

/* --- checks shared by the probe and the loader ----------------------- */

/* [a-z][a-z0-9_]{0,31} */
int	plugin_name_valid(const char *);
/*
 * Opens path with O_NOFOLLOW|O_CLOEXEC and checks it: a regular file,
 * owned by root or service_uid (-1: root only), not group- or
 * world-writable.  Returns the fd, or -1 with the reason in why.
 */
int	plugin_file_open(const char *path, int service_uid, struct stat *sb,
	    char *why, size_t whylen);
/*
 * Checks a descriptor read from a loaded object: magic, ABI, size,
 * build signature, name, tables.  symsize is the ELF size of the
 * symbol (0 if unknown).  0, or -1 with the reason in why.
 */
int	plugin_desc_check(const struct bureau_plugin *, size_t symsize,
	    char *why, size_t whylen);
/*
 * dlopen(RTLD_NOW|RTLD_LOCAL) of an opened, checked fd through
 * /proc/self/fd/N and lookup of bureau_plugin in that object (not in
 * another one).  Constructors run here.  0 or -1 with why.
 */
int	plugin_dlopen_fd(int fd, void **handle,
	    const struct bureau_plugin **desc, size_t *symsize,
	    char *why, size_t whylen);

/* --- the probe ------------------------------------------------------- */

/*
 * The probe's entry point: bureaud --probe PATH.  Prints one JSON object
 * on stdout, {"ok":true,...} or {"ok":false,"reason":...}, after a line
 * "#stage WHAT" before each step that runs plugin code (so the caller
 * can say where a crash happened); returns the
 * exit status: 0 either way, 2 for a usage error.  service_uid is the
 * one owner besides root that a plugin file may have; main passes
 * getuid() (the probe runs as the worker's user).
 */
int	probe_main(const char *path, int service_uid);
/*
 * bureaud --probe PATH --test-load DB: the probe, then the test-load
 * described above against the database at db_path, with host handed to
 * init.  Same output and exit status as probe_main.
 */
int	probe_testload_main(const char *path, int service_uid,
	    const char *db_path, const struct bureau_host *host);

#define PROBE_TEST_LOAD		0x01
#define PROBE_TIMEOUT_MS	5000
#define TESTLOAD_TIMEOUT_MS	30000

/*
 * Runs the probe helper on one file (fork + exec of cfg->probe_path with
 * a clean environment).  Fills out (plugin_info_free it); 0 when the
 * plugin passed, -1 when it did not or the probe could not run --
 * out->reason says why either way.
 */
int	probe_run(const struct config *, const char *path,
	    struct plugin_info *out);
/* flags: PROBE_TEST_LOAD (against cfg->db_path); timeout_ms 0 = default. */
int	probe_run_ex(const struct config *, const char *path, unsigned flags,
	    int timeout_ms, struct plugin_info *out);

/*
 * Probes every *.so in cfg->plugin_dir, sorted by file name.  Two files
 * declaring one name are both refused ("duplicate plugin name"), as is
 * a file whose name is not NAME.so.  0, or -1 when the directory cannot
 * be read (a missing directory is an empty list).
 */
int	plugin_scan(const struct config *, struct plugin_info **out,
	    size_t *count);
void	plugin_info_free(struct plugin_info *, size_t count);
/* Frees what one entry owns (not the entry itself) and zeroes it. */
void	plugin_info_clear(struct plugin_info *);
/* A deep copy (the report too); 0, or -1 with dst cleared. */
int	plugin_info_copy(struct plugin_info *dst, const struct plugin_info *src);

/*
 * A process's memory of probe answers, keyed by path and the file's
 * identity as lstat() sees it (device, inode, size, mtime, ctime, mode,
 * owner): a file replaced by rename, rewritten, chmod'ed or chown'ed is
 * probed again.  Answers the probe could not give (fork failed, timed
 * out) are not kept.  Thread-safe: one scan at a time per cache.
 */
struct plugin_cache;
struct plugin_cache *plugin_cache_new(void);
void	plugin_cache_free(struct plugin_cache *);
/* plugin_scan through a cache (NULL: plugin_scan itself). */
int	plugin_scan_cached(const struct config *, struct plugin_cache *,
	    struct plugin_info **out, size_t *count);

/*
 * Compares two plugin versions made of dot-separated numbers ("1.10.2"):
 * <0, 0, >0.  2 when either is not of that form (not comparable).
 */
int	plugin_version_cmp(const char *a, const char *b);
/* One file as the admin API shows it (new reference). */
json_t	*plugin_info_json(const struct plugin_info *);

/*
 * Every plugin file and every row of the plugins table, merged, for
 * GET /api/v1/plugins: name, file, title, version, description, abi,
 * state, reason, db_state (the table's state, null without a row),
 * recorded_version (the table's), depends, required_by, schema_version
 * (latest in the file) and schema_applied (recorded in the database),
 * upgrade (enabled, and the file is newer than what runs), changed_at,
 * changed_by, routes, nav, permissions, migrations, enabled, actions
 * (what an admin may do: "enable", "disable").
 *
 * state: enabled | disabled | quarantined (reason: the crashes) |
 * incompatible (reason: the probe's refusal, the failed migration or
 * init recorded by a worker -- db_state "failed" --, or a downgrade) |
 * missing (a row whose file is gone).  A file refused before its
 * descriptor could be read is named after the file (NAME.so -> NAME).
 * New reference, or NULL on a database error.
 */
json_t	*plugin_list_json(sqlite3 *, const struct config *);
json_t	*plugin_list_json_ex(sqlite3 *, const struct config *,
	    struct plugin_cache *);

/* --- loading into a worker ----------------------------------------- */

/*
 * Loads what the plugins table says is enabled: probe, check
 * dependencies (an unmet one disables the dependent with a reason),
 * order by dependencies, dlopen(RTLD_NOW|RTLD_LOCAL), apply migrations
 * (a failure disables the plugin with its reason recorded), grant
 * default permissions, call init.  Failures of single plugins are logged
 * and recorded (state 'failed' with the reason), not fatal; -1 only when
 * the database fails.  Call before any thread starts.
 */
int	plugin_set_load(struct plugin_set *, const struct config *,
	    sqlite3 *, const struct bureau_host *);
/*
 * The same for one enabled plugin and the enabled plugins it depends on
 * (directly or not), in dependency order; the others are neither loaded
 * nor touched.  For bureauctl, which needs one plugin's migrations
 * applied and has no business running every plugin's init().
 */
int	plugin_set_load_one(struct plugin_set *, const struct config *,
	    sqlite3 *, const struct bureau_host *, const char *name);
void	plugin_set_unload(struct plugin_set *);	/* fini only, no dlclose */

/*
 * Seeds role_permissions from a descriptor's default_roles for the
 * permissions seen for the first time (recorded in plugin_permissions),
 * so a grant an admin revoked stays revoked.  In its own transaction.
 */
int	plugin_seed_permissions(sqlite3 *, const struct bureau_plugin *);

/* --- the plugins table --------------------------------------------- */

/*
 * Who changes a plugin's state and how the change is audited.  audit,
 * when set, is called inside the write transaction that records the
 * change (so the entry commits with it, or neither does); before/after
 * are {"state":...,"reason":...} (borrowed).  Returning -1 aborts.
 */
struct plugin_change {
	const char	*actor;		/* changed_by, e.g. a username */
	int		(*audit)(sqlite3 *, const char *action,
			    const char *name, json_t *before, json_t *after,
			    void *arg);
	void		*arg;
	/*
	 * Optional outputs, for a caller that answers with a status: why
	 * enable/disable refused (PLUGIN_REFUSED_*), the plugin names a
	 * dependency refusal is about ("a,b"), and for enable whether
	 * anything changed (0: it was enabled already, same file).
	 */
	int		*refused;
	char		*names;
	size_t		 nameslen;
	int		*changed;
};

#define PLUGIN_REFUSED_NONE		0
#define PLUGIN_REFUSED_INVALID		1	/* bad name */
#define PLUGIN_REFUSED_UNKNOWN		2	/* no such file or row */
#define PLUGIN_REFUSED_INCOMPATIBLE	3	/* probe refusal, downgrade */
#define PLUGIN_REFUSED_DEPENDENCIES	4	/* unmet: names */
#define PLUGIN_REFUSED_TEST_LOAD	5	/* crashed/failed test-load */
#define PLUGIN_REFUSED_REQUIRED		6	/* enabled dependents: names */
#define PLUGIN_REFUSED_BUSY		7	/* database locked */
#define PLUGIN_REFUSED_ERROR		8	/* database, memory, audit */

/*
 * plugin_enable: the file NAME.so must pass the probe and the test-load,
 * must not be older than what the database records (schema version or
 * plugin version: a downgrade), and every dependency must be enabled
 * ("requires projects").  Enabling an enabled plugin is a no-op unless
 * its file is newer than what runs (an upgrade): then it is test-loaded
 * and recorded again, so the reload that follows migrates forward.
 * plugin_disable: refused while an enabled plugin depends on it
 * ("required by expos, regions").  Both keep the plugin's data, record
 * changed_at/changed_by and are no-ops when already in that state.
 * 0 or -1 with a message for the admin.
 */
int	plugin_enable(sqlite3 *, const struct config *, const char *name,
	    const char *actor, char *err, size_t errlen);
int	plugin_disable(sqlite3 *, const char *name, const char *actor,
	    char *err, size_t errlen);
int	plugin_enable_ex(sqlite3 *, const struct config *, const char *name,
	    const struct plugin_change *, char *err, size_t errlen);
int	plugin_disable_ex(sqlite3 *, const char *name,
	    const struct plugin_change *, char *err, size_t errlen);
/*
 * Quarantine (crash blame): name becomes 'quarantined' with the reason,
 * and every enabled plugin depending on it, directly or not, becomes
 * 'disabled' with a reason naming it.  One transaction; needs no probe,
 * so a short-lived helper of the master can run it.
 */
int	plugin_quarantine(sqlite3 *, const char *name, const char *reason,
	    const struct plugin_change *, char *err, size_t errlen);
/*
 * Dependencies as last recorded (core table plugin_deps, written when a
 * plugin is enabled or loaded): disable and quarantine read them, so
 * they never need to probe files.  Records desc's list; 0/-1.
 */
int	plugin_deps_record(sqlite3 *, const char *name,
	    const char *const *depends);

/*
 * The enabled set for the master, read in one snapshot right after a
 * change committed: "V:a,b,c" (V = the audit log's last id, which orders
 * snapshots; names sorted; nothing after the colon for none).  0, or -1
 * on a database error or when buf is too small.
 */
int	plugin_enabled_spec(sqlite3 *, char *buf, size_t buflen);

#endif
