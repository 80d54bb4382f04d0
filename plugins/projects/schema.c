/*
 * schema -- the projects plugin's tables, as versioned migrations.
 *
 * Owned by "projects" (the engineer doing the records and API).  The
 * report engineer APPENDS steps at the end of projects_migrations[]
 * (reference data, roll-ups, report indexes) in the marked slot; nobody
 * edits a step once released.  Version 1 is the schema below (amended
 * before any release: projects and project_problems ids AUTOINCREMENT, so
 * a deleted lead's id is never reused -- a development database made
 * before that change must be recreated).  Whoever appends takes the next
 * number.
 *
 * Names agreed with "report": every table is prefixed proj_ or project_
 * (plus `projects` and `projects_fts`).  Money is INTEGER 万元 (*_wan),
 * dates TEXT YYYY-MM-DD (checked with date(x) = x), timestamps TEXT UTC
 * RFC 3339.
 *
 * The views at the end are the public data contract other plugins
 * (expos, regions) read; docs/api/projects.md documents them.  Their
 * columns only ever grow.
 */
#include "projects.h"

static const char projects_v1[] =
	/* --- reference tables; "report" fills them in a later step ------- */
	"CREATE TABLE proj_districts ("
	"  code TEXT PRIMARY KEY,"
	"  name_zh TEXT NOT NULL,"
	"  name_en TEXT NOT NULL,"
	"  sort INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE TABLE proj_source_regions ("
	"  code TEXT PRIMARY KEY,"
	"  parent TEXT REFERENCES proj_source_regions(code),"
	"  name_zh TEXT NOT NULL,"
	"  name_en TEXT NOT NULL,"
	"  sort INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX proj_source_regions_parent ON proj_source_regions(parent);"
	"CREATE TABLE proj_industry_chains ("
	"  code TEXT PRIMARY KEY,"
	"  name_zh TEXT NOT NULL,"
	"  name_en TEXT NOT NULL,"
	"  sort INTEGER NOT NULL DEFAULT 0"
	") STRICT;"

	/* --- the project ------------------------------------------------- */
	/* AUTOINCREMENT: a deleted lead's id is never reused, so audit
	 * entries and links by id keep meaning one project. */
	"CREATE TABLE projects ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name_zh TEXT NOT NULL DEFAULT '',"
	"  name_en TEXT NOT NULL DEFAULT '',"
	"  investor TEXT NOT NULL,"
	"  investor_type TEXT NOT NULL CHECK (investor_type IN"
	"    ('central_soe','local_soe','private','foreign','hmt')),"
	"  source_region TEXT REFERENCES proj_source_regions(code),"
	"  industry_chain TEXT REFERENCES proj_industry_chains(code),"
	"  district TEXT REFERENCES proj_districts(code),"
	"  stage TEXT NOT NULL DEFAULT 'lead' CHECK (stage IN ('lead',"
	"    'negotiating','signed','under_construction','in_operation',"
	"    'cancelled')),"
	"  officer_id INTEGER REFERENCES users(id),"
	"  notes TEXT NOT NULL DEFAULT '',"
	"  is_demo INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0,1)),"
	/* Caches of the ledgers, maintained in the same transaction as
	 * every ledger write (ledger.c): signed_on/signing_wan are the
	 * first contract entry's, contracted_wan the ledger's sum,
	 * paid_in_wan the payments' sum. */
	"  signed_on TEXT CHECK (signed_on IS NULL OR date(signed_on) = signed_on),"
	"  signing_wan INTEGER NOT NULL DEFAULT 0 CHECK (signing_wan >= 0),"
	"  contracted_wan INTEGER NOT NULL DEFAULT 0 CHECK (contracted_wan >= 0),"
	"  paid_in_wan INTEGER NOT NULL DEFAULT 0 CHECK (paid_in_wan >= 0),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  CHECK (name_zh <> '' OR name_en <> '')"
	") STRICT;"
	"CREATE INDEX projects_stage ON projects(stage, id);"
	"CREATE INDEX projects_source_region ON projects(source_region, id);"
	"CREATE INDEX projects_industry_chain ON projects(industry_chain, id);"
	"CREATE INDEX projects_district ON projects(district, id);"
	"CREATE INDEX projects_investor_type ON projects(investor_type, id);"
	"CREATE INDEX projects_officer ON projects(officer_id);"
	"CREATE INDEX projects_signed_on ON projects(signed_on, id);"
	"CREATE INDEX projects_contracted ON projects(contracted_wan, id);"
	"CREATE INDEX projects_signing ON projects(signing_wan, id);"
	/* The sort key of sort=name: the Chinese name, else the English. */
	"CREATE INDEX projects_name ON projects("
	"  (CASE WHEN name_zh <> '' THEN name_zh ELSE name_en END) COLLATE NOCASE, id);"

	/* Key level per year; no row means 'none'. */
	"CREATE TABLE project_key_levels ("
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),"
	"  level TEXT NOT NULL CHECK (level IN ('district','municipal')),"
	"  PRIMARY KEY (project_id, year)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX project_key_levels_year ON project_key_levels(year, level, project_id);"

	/* Stage history: the stage as of D is the to_stage of the latest
	 * entry with effective_on <= D (ties broken by id). */
	"CREATE TABLE project_stages ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  from_stage TEXT,"	/* NULL for the creating entry */
	"  to_stage TEXT NOT NULL CHECK (to_stage IN ('lead','negotiating',"
	"    'signed','under_construction','in_operation','cancelled')),"
	"  effective_on TEXT NOT NULL CHECK (date(effective_on) = effective_on),"
	"  recorded_at TEXT NOT NULL,"
	"  actor_id INTEGER,"
	"  reason TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE INDEX project_stages_project ON project_stages(project_id, effective_on, id);"
	"CREATE INDEX project_stages_to ON project_stages(to_stage, effective_on);"

	/* Contracted-capital ledger: the first entry is the signing. */
	"CREATE TABLE project_contracts ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('signing','amendment')),"
	"  signed_on TEXT NOT NULL CHECK (date(signed_on) = signed_on),"
	"  amount_wan INTEGER NOT NULL CHECK (amount_wan <> 0),"
	"  note TEXT NOT NULL DEFAULT '',"
	"  recorded_at TEXT NOT NULL,"
	"  actor_id INTEGER"
	") STRICT;"
	"CREATE INDEX project_contracts_project ON project_contracts(project_id, id);"
	"CREATE INDEX project_contracts_signed ON project_contracts(signed_on, project_id);"
	"CREATE UNIQUE INDEX project_contracts_one_signing"
	"  ON project_contracts(project_id) WHERE kind = 'signing';"

	/* Paid-in ledger. */
	"CREATE TABLE project_payments ("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  paid_on TEXT NOT NULL CHECK (date(paid_on) = paid_on),"
	"  amount_wan INTEGER NOT NULL CHECK (amount_wan > 0),"
	"  evidence TEXT NOT NULL CHECK (evidence <> ''),"
	"  over_contract_override INTEGER NOT NULL DEFAULT 0"
	"    CHECK (over_contract_override IN (0,1)),"
	"  recorded_at TEXT NOT NULL,"
	"  actor_id INTEGER"
	") STRICT;"
	"CREATE INDEX project_payments_project ON project_payments(project_id, id);"
	"CREATE INDEX project_payments_paid ON project_payments(paid_on, project_id);"

	/* Problems (blockers). */
	"CREATE TABLE project_problems ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  category TEXT NOT NULL CHECK (category IN ('environmental_protection',"
	"    'energy_consumption','land','talents','capital','other')),"
	"  description TEXT NOT NULL CHECK (description <> ''),"
	"  owner TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'open'"
	"    CHECK (status IN ('open','in_progress','resolved')),"
	"  opened_on TEXT NOT NULL CHECK (date(opened_on) = opened_on),"
	"  resolved_on TEXT CHECK (resolved_on IS NULL OR date(resolved_on) = resolved_on),"
	"  escalation TEXT NOT NULL DEFAULT 'district'"
	"    CHECK (escalation IN ('district','bureau','municipal')),"
	"  resolution TEXT,"
	"  version INTEGER NOT NULL DEFAULT 1,"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT NOT NULL,"
	"  CHECK (status <> 'resolved' OR (resolved_on IS NOT NULL"
	"    AND resolution IS NOT NULL AND resolution <> ''))"
	") STRICT;"
	"CREATE INDEX project_problems_project ON project_problems(project_id, id);"
	"CREATE INDEX project_problems_status ON project_problems(status, category, opened_on);"

	/* Annual targets; district '' is the whole city. */
	"CREATE TABLE project_targets ("
	"  year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),"
	"  district TEXT NOT NULL DEFAULT '',"
	"  contracted_wan INTEGER NOT NULL DEFAULT 0 CHECK (contracted_wan >= 0),"
	"  paid_in_wan INTEGER NOT NULL DEFAULT 0 CHECK (paid_in_wan >= 0),"
	"  PRIMARY KEY (year, district)"
	") STRICT, WITHOUT ROWID;"

	/* Full-text search over names and investor.  The text is segmented
	 * in C (search.c): CJK runs become overlapping bigrams in `body`
	 * (so two-character words match), single CJK characters go to `uni`
	 * (one-character queries), Latin words stay as they are.  rowid is
	 * the project id; maintained in each write's transaction. */
	"CREATE VIRTUAL TABLE projects_fts USING fts5("
	"  body, uni, tokenize = 'unicode61 remove_diacritics 2');"

	/* --- public data contract (expos, regions) ---------------------- */
	"CREATE VIEW projects_v AS SELECT id, name_zh, name_en, investor,"
	"  investor_type, source_region, industry_chain, district, stage,"
	"  signed_on, signing_wan, contracted_wan, paid_in_wan, is_demo"
	"  FROM projects;"
	"CREATE VIEW project_stages_v AS SELECT id, project_id, from_stage,"
	"  to_stage, effective_on FROM project_stages;"
	"CREATE VIEW project_payments_v AS SELECT id, project_id, paid_on,"
	"  amount_wan FROM project_payments;"
	"CREATE VIEW project_contracts_v AS SELECT id, project_id, kind,"
	"  signed_on, amount_wan FROM project_contracts;"
	"CREATE VIEW project_key_levels_v AS SELECT project_id, year, level"
	"  FROM project_key_levels;"
	"CREATE VIEW proj_source_regions_v AS SELECT code, parent, name_zh,"
	"  name_en, sort FROM proj_source_regions;"
	"CREATE VIEW proj_districts_v AS SELECT code, name_zh, name_en, sort"
	"  FROM proj_districts;"
	"CREATE VIEW proj_industry_chains_v AS SELECT code, name_zh, name_en,"
	"  sort FROM proj_industry_chains;";

const struct bureau_migration projects_migrations[] = {
	{ 1, "projects: records, ledgers, problems, targets, search, views",
	  projects_v1, NULL, 0 },

	/* ---- slot for "report": append steps 2, 3, ... below this line ---- */
	{ 2, "projects: reference data (38 districts and counties, source "
	  "regions, industry chains)", projects_refdata_sql, NULL, 0 },
	{ 3, "projects: report card roll-ups (by day, month, key projects)",
	  report_rollup_migration_sql, NULL, 0 },
	/* The list filtered by stage, newest signing first (the default
	 * view of signed projects; issue 8's E1) in index order. */
	{ 4, "projects: index for the list by stage and signing date",
	  "CREATE INDEX projects_stage_signed ON projects(stage, signed_on,"
	  " id);", NULL, 0 },

	/* ---- end of slot ---- */
	{ 0, NULL, NULL, NULL, 0 }
};
