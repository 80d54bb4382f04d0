/*
 * rebuild -- a migration that needs SQLite's table-rebuild recipe
 * (foreign_keys=OFF around it): v2 rebuilds a parent table that a child
 * references, which with foreign keys on would fail or cascade.
 */
#include "extra.h"

EXTRA_ROUTES("rebuild");

static const struct bureau_migration rebuild_migrations[] = {
	{ 1, "parent and child",
	    "CREATE TABLE rebuild_parent (id INTEGER PRIMARY KEY, a TEXT);"
	    "CREATE TABLE rebuild_child (id INTEGER PRIMARY KEY,"
	    "  parent_id INTEGER NOT NULL REFERENCES rebuild_parent(id)"
	    "  ON DELETE CASCADE);"
	    "INSERT INTO rebuild_parent VALUES (1, 'x');"
	    "INSERT INTO rebuild_child VALUES (1, 1);", NULL, 0 },
	{ 2, "rebuild the parent with a NOT NULL column",
	    "CREATE TABLE rebuild_parent_new (id INTEGER PRIMARY KEY,"
	    "  a TEXT NOT NULL);"
	    "INSERT INTO rebuild_parent_new SELECT id, a FROM rebuild_parent;"
	    "DROP TABLE rebuild_parent;"
	    "ALTER TABLE rebuild_parent_new RENAME TO rebuild_parent;",
	    NULL, BUREAU_MIGRATION_REBUILD },
	{ 0, NULL, NULL, NULL, 0 }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("rebuild"),
	.migrations = rebuild_migrations,
};
