/*
 * migrate -- versioned schema migrations per owner ("core" or a plugin
 * name), recorded in the core table schema_versions.  Each step runs
 * under BEGIN IMMEDIATE with the version re-read inside the transaction,
 * so concurrent workers apply it once.  A failing step rolls back whole.
 */
#ifndef BUREAU_MIGRATE_H
#define BUREAU_MIGRATE_H

#include <sqlite3.h>

#include "bureau/plugin.h"

/* The core's own tables (users, sessions, plugins, audit, settings ...). */
extern const struct bureau_migration core_migrations[];

/* Current recorded version of an owner, 0 if none; -1 on error. */
int	migrate_version(sqlite3 *, const char *owner);
/* Highest version in a migration list. */
int	migrate_latest(const struct bureau_migration *);
/*
 * Applies every step newer than the recorded version.  dry_run: apply in
 * a transaction and roll it back (plugin test-load).  Refuses (-1) when
 * the recorded version is newer than the list knows (a downgrade).
 */
int	migrate_apply(sqlite3 *, const char *owner,
	    const struct bureau_migration *, int dry_run,
	    char *err, size_t errlen);

#endif
