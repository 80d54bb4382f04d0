/*
 * schema -- the core's own tables, as versioned migrations (the same
 * mechanism plugins use).  Append new steps; never edit a released one.
 */
#include "migrate.h"

static const char core_v1[] =
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") STRICT;"
	/* Which plugins are enabled; the source of truth for every worker. */
	"CREATE TABLE plugins ("
	"  name TEXT PRIMARY KEY,"
	"  state TEXT NOT NULL DEFAULT 'disabled'"
	"    CHECK (state IN ('enabled','disabled','quarantined','failed')),"
	"  reason TEXT,"
	"  version TEXT,"
	"  changed_at TEXT,"
	"  changed_by TEXT"
	") STRICT;";

static const char core_v2[] =
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  display_name TEXT NOT NULL,"
	"  title TEXT NOT NULL DEFAULT '',"
	"  department TEXT NOT NULL DEFAULT '',"
	"  role TEXT NOT NULL CHECK (role IN ('admin','officer','viewer','auditor')),"
	"  language TEXT NOT NULL DEFAULT 'zh-CN' CHECK (language IN ('zh-CN','en')),"
	"  password_hash TEXT NOT NULL,"
	"  must_change_password INTEGER NOT NULL DEFAULT 0,"
	"  password_expires_at INTEGER,"	/* temporary passwords */
	"  active INTEGER NOT NULL DEFAULT 1,"
	"  failed_count INTEGER NOT NULL DEFAULT 0,"
	"  first_failed_at INTEGER,"
	"  locked_until INTEGER,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  version INTEGER NOT NULL DEFAULT 1"
	") STRICT;"
	/* Only the BLAKE2b hash of a session token is stored. */
	"CREATE TABLE sessions ("
	"  id INTEGER PRIMARY KEY,"
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  csrf_token TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  auth_time INTEGER NOT NULL,"
	"  ip TEXT,"
	"  user_agent TEXT,"
	"  revoked_at INTEGER"
	") STRICT;"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE TABLE role_permissions ("
	"  role TEXT NOT NULL,"
	"  permission TEXT NOT NULL,"
	"  PRIMARY KEY (role, permission)"
	") STRICT, WITHOUT ROWID;"
	/* Per-IP login failures (the per-account counter is on users). */
	"CREATE TABLE login_ip_failures ("
	"  ip TEXT PRIMARY KEY,"
	"  count INTEGER NOT NULL,"
	"  window_start INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE audit_log ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"			/* UTC RFC 3339 */
	"  actor_id INTEGER,"
	"  actor TEXT,"
	"  ip TEXT,"
	"  action TEXT NOT NULL,"
	"  entity_type TEXT,"
	"  entity_id INTEGER,"
	"  before TEXT,"
	"  after TEXT,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	") STRICT;"
	"CREATE INDEX audit_at ON audit_log(at);"
	"CREATE INDEX audit_entity ON audit_log(entity_type, entity_id);"
	"CREATE INDEX audit_actor ON audit_log(actor_id);"
	/* Append-only through SQL; the hash chain catches anyone who drops
	 * these triggers and rewrites rows. */
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log"
	"  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
	/* Core permissions and their default grants. */
	"INSERT INTO role_permissions(role, permission) VALUES"
	"  ('admin','staff.admin'), ('admin','plugins.admin'),"
	"  ('admin','audit.read'), ('auditor','audit.read');";

/*
 * Every permission ever declared (by the core or a plugin).  Default
 * grants are seeded into role_permissions only when a permission first
 * appears here, so a grant an admin revoked is never given back by the
 * next start-up.  (Appended by the data engineer.)
 */
static const char core_v3[] =
	"CREATE TABLE plugin_permissions ("
	"  permission TEXT PRIMARY KEY,"
	"  plugin TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  default_roles TEXT NOT NULL DEFAULT '',"
	"  first_seen TEXT NOT NULL"
	") STRICT;"
	/* Dependencies as last seen in each plugin's descriptor: disable
	 * and quarantine cascades read them without probing files. */
	"CREATE TABLE plugin_deps ("
	"  plugin TEXT NOT NULL,"
	"  requires TEXT NOT NULL,"
	"  PRIMARY KEY (plugin, requires)"
	") STRICT, WITHOUT ROWID;"	/* a few rows: no index needed */
	"INSERT INTO plugin_permissions(permission, plugin, description,"
	"  default_roles, first_seen) VALUES"
	"  ('staff.admin', 'core', 'Manage staff accounts', 'admin',"
	"   strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  ('plugins.admin', 'core', 'Enable and disable plugins', 'admin',"
	"   strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  ('audit.read', 'core', 'Read the audit log', 'admin,auditor',"
	"   strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));";

const struct bureau_migration core_migrations[] = {
	{ 1, "settings and plugins", core_v1, NULL, 0 },
	{ 2, "accounts, sessions, permissions, audit log", core_v2, NULL, 0 },
	{ 3, "declared permissions, plugin dependencies", core_v3, NULL, 0 },
	{ 0, NULL, NULL, NULL, 0 }
};
