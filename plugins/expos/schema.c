/*
 * schema -- the expos plugin's tables, as versioned migrations.  Append
 * steps; never edit a released one.
 *
 * project_id is a plain integer, not a foreign key: projects' tables
 * belong to the projects plugin and we may not even name them.  Writes
 * check it against projects_v; a project with a signing can never be
 * deleted (projects deletes only leads without ledger entries), so a
 * signing's project stays there.
 *
 * Dates are TEXT YYYY-MM-DD (checked with date(x) = x), timestamps UTC
 * RFC 3339, money INTEGER 万元.
 */
#include "expos.h"

static const char expos_v1[] =
	"CREATE TABLE expo_series ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  code TEXT NOT NULL UNIQUE,"
	"  name_zh TEXT NOT NULL,"
	"  name_en TEXT NOT NULL,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1"
	") STRICT;"
	/* The two series the bureau reports on (FIGURES.md F11, F12). */
	"INSERT INTO expo_series(code, name_zh, name_en, created_at,"
	"  updated_at) VALUES"
	"  ('sce', '智博会', 'Smart China Expo',"
	"   '2021-01-01T00:00:00Z', '2021-01-01T00:00:00Z'),"
	"  ('wcif', '西洽会', 'Western China International Fair',"
	"   '2021-01-01T00:00:00Z', '2021-01-01T00:00:00Z');"

	/* One edition per series and year: compare?years= relies on it. */
	"CREATE TABLE expo_editions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  series_id INTEGER NOT NULL REFERENCES expo_series(id),"
	"  year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),"
	"  name_zh TEXT NOT NULL DEFAULT '',"
	"  name_en TEXT NOT NULL DEFAULT '',"
	"  starts_on TEXT NOT NULL CHECK (date(starts_on) = starts_on),"
	"  ends_on TEXT NOT NULL CHECK (date(ends_on) = ends_on"
	"    AND ends_on >= starts_on),"
	"  city TEXT NOT NULL DEFAULT '',"
	"  organiser TEXT NOT NULL DEFAULT '',"
	"  notes TEXT NOT NULL DEFAULT '',"
	"  is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0,1)),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  UNIQUE (series_id, year)"
	") STRICT;"
	"CREATE INDEX expo_editions_start ON expo_editions(starts_on, id);"

	"CREATE TABLE expo_ceremonies ("
	"  id INTEGER PRIMARY KEY,"
	"  edition_id INTEGER NOT NULL REFERENCES expo_editions(id)"
	"    ON DELETE CASCADE,"
	"  held_on TEXT NOT NULL CHECK (date(held_on) = held_on),"
	"  place TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE INDEX expo_ceremonies_edition ON expo_ceremonies(edition_id,"
	"  held_on, id);"

	"CREATE TABLE expo_signings ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  edition_id INTEGER NOT NULL REFERENCES expo_editions(id),"
	"  project_id INTEGER NOT NULL,"	/* projects_v.id */
	"  expected_paid_in_wan INTEGER NOT NULL DEFAULT 0"
	"    CHECK (expected_paid_in_wan >= 0),"
	"  expected_by TEXT CHECK (expected_by IS NULL"
	"    OR date(expected_by) = expected_by),"
	"  note TEXT NOT NULL DEFAULT '',"
	"  is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0,1)),"
	"  created_at TEXT NOT NULL,"
	"  actor_id INTEGER,"
	"  UNIQUE (edition_id, project_id)"
	") STRICT;"
	/* First-signing checks look a project's signings up by project. */
	"CREATE INDEX expo_signings_project ON expo_signings(project_id,"
	"  edition_id);";

const struct bureau_migration expos_migrations[] = {
	{ 1, "expos: series, editions, ceremonies, signings", expos_v1, NULL,
	  0 },
	{ 0, NULL, NULL, NULL, 0 }
};
