/*
 * badmig -- its first migration creates a table, then fails: after the
 * rollback the table must not exist and no version is recorded.
 */
#include "extra.h"

EXTRA_ROUTES("badmig");

static const struct bureau_migration badmig_migrations[] = {
	{ 1, "a table, then an error",
	    "CREATE TABLE badmig_items (id INTEGER PRIMARY KEY);"
	    "INSERT INTO badmig_no_such_table VALUES (1);", NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};

BUREAU_EXPORT const struct bureau_plugin bureau_plugin = {
	BUREAU_PLUGIN_HEADER,
	EXTRA_COMMON("badmig"),
	.migrations = badmig_migrations,
};
