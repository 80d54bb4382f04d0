/*
 * schema -- the regions plugin's tables, as versioned migrations.
 * Append steps; never edit a released one.
 *
 * Codes of districts, source regions and industry chains are the
 * projects plugin's reference codes; they are plain TEXT here (no
 * foreign keys into another plugin's tables), checked against its views
 * on every write.  Project ids likewise (projects_v).
 *
 * Area of a park: integer 亩 (mu), the unit Chinese land planning uses
 * (1 mu = 666.7 m2; 1 km2 = 1,500 mu).
 */
#include "regions.h"

static const char regions_v1[] =
	"CREATE TABLE region_partners ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name_zh TEXT NOT NULL DEFAULT '',"
	"  name_en TEXT NOT NULL DEFAULT '',"
	"  kind TEXT NOT NULL CHECK (kind IN ('province','city','area')),"
	"  notes TEXT NOT NULL DEFAULT '',"
	"  is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0,1)),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  CHECK (name_zh <> '' OR name_en <> '')"
	") STRICT;"
	"CREATE UNIQUE INDEX region_partners_zh ON region_partners(name_zh)"
	"  WHERE name_zh <> '';"
	"CREATE UNIQUE INDEX region_partners_en ON region_partners("
	"  name_en COLLATE NOCASE) WHERE name_en <> '';"
	"CREATE TABLE region_partner_sources ("
	"  partner_id INTEGER NOT NULL REFERENCES region_partners(id)"
	"    ON DELETE CASCADE,"
	"  code TEXT NOT NULL,"		/* proj_source_regions_v.code */
	"  PRIMARY KEY (partner_id, code)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE region_partner_industries ("
	"  partner_id INTEGER NOT NULL REFERENCES region_partners(id)"
	"    ON DELETE CASCADE,"
	"  code TEXT NOT NULL,"		/* proj_industry_chains_v.code */
	"  PRIMARY KEY (partner_id, code)"
	") STRICT, WITHOUT ROWID;"

	"CREATE TABLE region_pairs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  district_a TEXT NOT NULL,"	/* proj_districts_v.code */
	"  district_b TEXT NOT NULL CHECK (district_b <> district_a),"
	"  since TEXT CHECK (since IS NULL OR date(since) = since),"
	"  notes TEXT NOT NULL DEFAULT '',"
	"  is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0,1)),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1"
	") STRICT;"
	/* A pair is the same pair in either order. */
	"CREATE UNIQUE INDEX region_pairs_unique ON region_pairs("
	"  min(district_a, district_b), max(district_a, district_b));"

	"CREATE TABLE region_parks ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name_zh TEXT NOT NULL DEFAULT '',"
	"  name_en TEXT NOT NULL DEFAULT '',"
	"  pair_id INTEGER NOT NULL REFERENCES region_pairs(id),"
	"  status TEXT NOT NULL CHECK (status IN ('planned',"
	"    'under_construction','operating')),"
	"  area_mu INTEGER CHECK (area_mu IS NULL OR area_mu > 0),"
	"  district TEXT,"		/* where it lies: one of the pair's */
	"  notes TEXT NOT NULL DEFAULT '',"
	"  is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0,1)),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  CHECK (name_zh <> '' OR name_en <> '')"
	") STRICT;"
	"CREATE INDEX region_parks_pair ON region_parks(pair_id, id);"
	"CREATE INDEX region_parks_status ON region_parks(status, id);"
	"CREATE TABLE region_park_industries ("
	"  park_id INTEGER NOT NULL REFERENCES region_parks(id)"
	"    ON DELETE CASCADE,"
	"  code TEXT NOT NULL,"
	"  PRIMARY KEY (park_id, code)"
	") STRICT, WITHOUT ROWID;"
	/* A project lies in one park at most. */
	"CREATE TABLE region_park_projects ("
	"  park_id INTEGER NOT NULL REFERENCES region_parks(id)"
	"    ON DELETE CASCADE,"
	"  project_id INTEGER NOT NULL UNIQUE,"	/* projects_v.id */
	"  PRIMARY KEY (park_id, project_id)"
	") STRICT, WITHOUT ROWID;";

const struct bureau_migration regions_migrations[] = {
	{ 1, "regions: partners, district pairs, cooperation parks",
	  regions_v1, NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};
