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

/*
 * The pieces migrate_apply is made of, for a caller that needs several
 * owners in one transaction (the plugin test-load: a plugin's
 * dependencies and the plugin itself, then ROLLBACK).
 *
 * migrate_check: the list is well formed (versions > 0, strictly
 * increasing, each step has sql or apply); 0/-1 with err.
 * migrate_apply_txn: inside the caller's open write transaction, applies
 * and records every step newer than the recorded version; never commits
 * or rolls back.  A REBUILD step needs foreign_keys=OFF, which only the
 * caller can set (before BEGIN).
 * migrate_needs_rebuild: 1 when a step carries BUREAU_MIGRATION_REBUILD.
 * migrate_fk_check: PRAGMA foreign_key_check; 0 when it finds nothing.
 */
int	migrate_check(const char *owner, const struct bureau_migration *,
	    char *err, size_t errlen);
int	migrate_apply_txn(sqlite3 *, const char *owner,
	    const struct bureau_migration *, char *err, size_t errlen);
int	migrate_needs_rebuild(const struct bureau_migration *);
int	migrate_fk_check(sqlite3 *, char *err, size_t errlen);

#endif
