/*
 * Unit tests: the plugin probe and loader with the real test plugins of
 * tests/plugins/ (built by `make check`, found through BUREAU_BUILDDIR),
 * probed by tests/plugins/probe-driver (`bureaud --probe` without the
 * rest of bureaud).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "log.h"
#include "migrate.h"
#include "plugins.h"
#include "scoreboard.h"

struct fx {
	char		 dir[64];
	char		 plugdir[128];
	char		 dbpath[128];
	char		 probe[512];
	struct config	 cfg;
	sqlite3		*db;
	char		 err[1024];
};

static const char *builddir;

static void
test_log(int level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static const struct bureau_host test_host = {
	.size = sizeof(struct bureau_host),
	.abi_major = BUREAU_ABI_MAJOR,
	.abi_minor = BUREAU_ABI_MINOR,
	.log = test_log,
};

static int
setup(void **state)
{
	static struct fx f;
	char		 err[256];

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/bureau-test-plug-XXXXXX");
	if (mkdtemp(f.dir) == NULL || chmod(f.dir, 0755) == -1)
		return -1;
	snprintf(f.plugdir, sizeof(f.plugdir), "%s/plugins", f.dir);
	snprintf(f.dbpath, sizeof(f.dbpath), "%s/bureau.db", f.dir);
	snprintf(f.probe, sizeof(f.probe), "%s/tests/plugins/probe-driver",
	    builddir);
	if (mkdir(f.plugdir, 0755) == -1)
		return -1;
	f.cfg.plugin_dir = f.plugdir;
	f.cfg.probe_path = f.probe;
	f.cfg.db_path = f.dbpath;
	if (db_open(&f.db, f.dbpath, DB_OPEN_CREATE, 5000) == -1 ||
	    migrate_apply(f.db, "core", core_migrations, 0, err,
	    sizeof(err)) == -1)
		return -1;
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	db_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The built .so of a test plugin: tests/plugins/.libs or extra/.libs. */
static void
built_path(const char *plugin, char *out, size_t len)
{
	snprintf(out, len, "%s/tests/plugins/.libs/%s.so", builddir, plugin);
	if (access(out, R_OK) == 0)
		return;
	snprintf(out, len, "%s/tests/plugins/extra/.libs/%s.so", builddir,
	    plugin);
	assert_int_equal(access(out, R_OK), 0);
}

/* Copies plugin's .so into the plugin dir as NAME.so (by rename). */
static void
install_as(struct fx *f, const char *plugin, const char *name, mode_t mode)
{
	char	 src[512], dst[256], tmp[300], buf[65536];
	int	 in, out;
	ssize_t	 n;

	built_path(plugin, src, sizeof(src));
	snprintf(dst, sizeof(dst), "%s/%s.so", f->plugdir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	assert_true((in = open(src, O_RDONLY)) >= 0);
	assert_true((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	assert_int_equal(fchmod(out, mode), 0);
	close(out);
	assert_int_equal(rename(tmp, dst), 0);
}

static void
install(struct fx *f, const char *plugin)
{
	install_as(f, plugin, plugin, 0644);
}

static void
plugin_path(struct fx *f, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s.so", f->plugdir, name);
}

static void
set_enabled(struct fx *f, const char *name)
{
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_prepare_v2(f->db, "INSERT INTO plugins(name, "
	    "state) VALUES (?1, 'enabled') ON CONFLICT(name) DO UPDATE SET "
	    "state = 'enabled'", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

/* State of a row ("" if none); its reason into reason. */
static const char *
state_of(struct fx *f, const char *name, char *reason, size_t rlen)
{
	static char	 state[32];
	sqlite3_stmt	*st;

	state[0] = '\0';
	if (reason != NULL)
		reason[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(f->db, "SELECT state, reason FROM "
	    "plugins WHERE name = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(state, sizeof(state), "%s", sqlite3_column_text(st, 0));
		if (reason != NULL && sqlite3_column_text(st, 1) != NULL)
			snprintf(reason, rlen, "%s",
			    sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return state;
}

static int64_t
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt	*st;
	int		 found;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema "
	    "WHERE name = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

#define assert_contains(hay, needle) do {				\
	if ((hay) == NULL || strstr((hay), (needle)) == NULL)		\
		fail_msg("\"%s\" does not contain \"%s\"",		\
		    (hay) != NULL ? (hay) : "(null)", (needle));	\
} while (0)

/* --- the probe ------------------------------------------------------- */

static void
test_probe_hello(void **state)
{
	struct fx		*f = *state;
	struct plugin_info	 pi;
	char			 path[256];

	install(f, "hello");
	plugin_path(f, "hello", path, sizeof(path));
	assert_int_equal(probe_run(&f->cfg, path, &pi), 0);
	assert_true(pi.ok);
	assert_string_equal(pi.name, "hello");
	assert_string_equal(pi.version, "1.0.0");
	assert_string_equal(pi.title, "Hello");
	assert_int_equal(pi.abi_major, BUREAU_ABI_MAJOR);
	assert_int_equal(pi.schema_version, 1);
	assert_null(pi.depends[0]);
	assert_null(pi.reason);
	assert_int_equal(json_array_size(json_object_get(pi.report,
	    "routes")), 7);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(pi.report, "permissions"), 0), "name")),
	    "hello.read");
	assert_true(pi.ino != 0 && pi.size > 0);
	plugin_info_clear(&pi);
}

static void
test_probe_refusals(void **state)
{
	static const struct {
		const char *plugin, *reason;
	} cases[] = {
		{ "badabi",	"ABI 99.0 is incompatible" },
		{ "newerminor",	"is newer than the host's" },
		{ "badmagic",	"wrong magic" },
		{ "badsig",	"build signature mismatch" },
		{ "nosymbol",	"no bureau_plugin symbol" },
		{ "ctorcrash",	"crashed with signal 11 (SIGSEGV)" },
		{ "badroute",	"has no valid permission" },
		{ NULL, NULL }
	};
	struct fx		*f = *state;
	struct plugin_info	 pi;
	char			 path[256];
	size_t			 i;

	for (i = 0; cases[i].plugin != NULL; i++) {
		install(f, cases[i].plugin);
		plugin_path(f, cases[i].plugin, path, sizeof(path));
		assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
		assert_false(pi.ok);
		assert_contains(pi.reason, cases[i].reason);
		plugin_info_clear(&pi);
	}
	/* What a constructor prints does not become the probe's answer. */
	install(f, "noisy");
	plugin_path(f, "noisy", path, sizeof(path));
	assert_int_equal(probe_run(&f->cfg, path, &pi), 0);
	assert_string_equal(pi.name, "noisy");
	plugin_info_clear(&pi);
}

static void
test_probe_file_checks(void **state)
{
	struct fx		*f = *state;
	struct plugin_info	 pi;
	char			 path[256], target[256];

	install_as(f, "hello", "ww", 0666);
	plugin_path(f, "ww", path, sizeof(path));
	assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
	assert_contains(pi.reason, "world-writable (mode 0666)");
	plugin_info_clear(&pi);

	install_as(f, "hello", "gw", 0664);
	plugin_path(f, "gw", path, sizeof(path));
	assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
	assert_contains(pi.reason, "group- or world-writable");
	plugin_info_clear(&pi);

	install(f, "hello");
	plugin_path(f, "hello", target, sizeof(target));
	plugin_path(f, "link", path, sizeof(path));
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
	assert_contains(pi.reason, "symbolic link");
	plugin_info_clear(&pi);

	plugin_path(f, "dir", path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
	assert_contains(pi.reason, "not a regular file");
	plugin_info_clear(&pi);

	plugin_path(f, "absent", path, sizeof(path));
	assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
	assert_contains(pi.reason, "cannot open");
	plugin_info_clear(&pi);

	if (geteuid() == 0) {
		install_as(f, "hello", "foreign", 0644);
		plugin_path(f, "foreign", path, sizeof(path));
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
		assert_contains(pi.reason, "owned by uid 65534");
		plugin_info_clear(&pi);
	}
}

static void
test_probe_timeout_and_helper(void **state)
{
	struct fx		*f = *state;
	struct plugin_info	 pi;
	char			 path[256];
	time_t			 t0;

	install(f, "slowctor");
	plugin_path(f, "slowctor", path, sizeof(path));
	t0 = time(NULL);
	assert_int_equal(probe_run_ex(&f->cfg, path, 0, 1000, &pi), -1);
	assert_contains(pi.reason, "timed out after 1000 ms");
	assert_true(time(NULL) - t0 < 5);
	plugin_info_clear(&pi);

	/* It closes its stdout, then hangs: still a timeout. */
	install(f, "closehang");
	plugin_path(f, "closehang", path, sizeof(path));
	t0 = time(NULL);
	assert_int_equal(probe_run_ex(&f->cfg, path, 0, 1000, &pi), -1);
	assert_contains(pi.reason, "timed out after 1000 ms");
	assert_true(time(NULL) - t0 < 5);
	plugin_info_clear(&pi);

	install(f, "hello");
	plugin_path(f, "hello", path, sizeof(path));
	f->cfg.probe_path = "/nonexistent/bureaud";
	assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
	assert_contains(pi.reason, "could not run the probe helper");
	plugin_info_clear(&pi);
	f->cfg.probe_path = NULL;
	assert_int_equal(probe_run(&f->cfg, path, &pi), -1);
	assert_contains(pi.reason, "no probe helper");
	plugin_info_clear(&pi);
	f->cfg.probe_path = f->probe;
}

static void
test_scan_duplicates_and_names(void **state)
{
	struct fx		*f = *state;
	struct plugin_info	*v;
	size_t			 n;

	install(f, "hello");
	install(f, "dupname");		/* also says "hello" */
	install_as(f, "depbase", "other", 0644);
	install(f, "depchild");
	assert_int_equal(plugin_scan(&f->cfg, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_contains(v[0].path, "/depchild.so");	/* sorted */
	assert_true(v[0].ok);
	assert_contains(v[1].path, "/dupname.so");
	assert_false(v[1].ok);
	assert_contains(v[1].reason, "duplicate plugin name hello (also "
	    "declared by hello.so)");
	assert_contains(v[2].path, "/hello.so");
	assert_false(v[2].ok);
	assert_contains(v[2].reason, "duplicate plugin name hello");
	assert_false(v[3].ok);
	assert_contains(v[3].reason, "must be called depbase.so");
	plugin_info_free(v, n);

	/* A directory others may write taints everything in it. */
	assert_int_equal(chmod(f->plugdir, 0777), 0);
	assert_int_equal(plugin_scan(&f->cfg, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_false(v[0].ok);
	assert_contains(v[0].reason, "group- or world-writable (mode 0777)");
	plugin_info_free(v, n);
	assert_int_equal(chmod(f->plugdir, 0755), 0);

	/* A missing directory is an empty list. */
	f->cfg.plugin_dir = "/nonexistent-plugin-dir";
	assert_int_equal(plugin_scan(&f->cfg, &v, &n), 0);
	assert_int_equal(n, 0);
	plugin_info_free(v, n);
	f->cfg.plugin_dir = f->plugdir;
}

/* --- loading --------------------------------------------------------- */

static ssize_t
index_of(const struct plugin_set *set, const char *name)
{
	size_t	i;

	for (i = 0; i < set->count; i++)
		if (strcmp(set->items[i].desc->name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static void
test_load_order_and_failures(void **state)
{
	static const char *const files[] = {
		"hello", "depgrand", "depchild", "depbase", "needsmissing",
		"badmig", "initfail", "cyca", "cycb", "badabi", NULL
	};
	struct fx		*f = *state;
	struct plugin_set	 set;
	char			 reason[512];
	size_t			 i;

	for (i = 0; files[i] != NULL; i++) {
		install(f, files[i]);
		set_enabled(f, files[i]);
	}
	set_enabled(f, "ghost");
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 4);
	/* Dependencies first, whatever the names say. */
	assert_true(index_of(&set, "depbase") >= 0);
	assert_true(index_of(&set, "depbase") < index_of(&set, "depchild"));
	assert_true(index_of(&set, "depchild") < index_of(&set, "depgrand"));
	assert_true(index_of(&set, "hello") >= 0);
	for (i = 0; i < set.count; i++)
		assert_true(set.items[i].fd >= 0);
	/* Each its own object, though all were opened as /proc/self/fd/N. */
	assert_ptr_not_equal(set.items[0].desc, set.items[1].desc);
	assert_ptr_not_equal(set.items[2].desc, set.items[3].desc);

	assert_string_equal(state_of(f, "hello", reason, sizeof(reason)),
	    "enabled");
	assert_string_equal(state_of(f, "needsmissing", reason,
	    sizeof(reason)), "failed");
	assert_contains(reason, "depends on nonexistent which is not enabled");
	assert_string_equal(state_of(f, "badmig", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "no such table: badmig_no_such_table");
	assert_false(table_exists(f->db, "badmig_items"));
	assert_int_equal(migrate_version(f->db, "badmig"), 0);
	assert_string_equal(state_of(f, "initfail", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "init() failed");
	assert_string_equal(state_of(f, "cyca", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "cycle");
	assert_string_equal(state_of(f, "cycb", NULL, 0), "failed");
	assert_string_equal(state_of(f, "badabi", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "ABI 99.0");
	assert_string_equal(state_of(f, "ghost", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "no plugin file ghost.so");

	/* Migrations ran (dependencies first), grants were seeded. */
	assert_true(table_exists(f->db, "hello_items"));
	assert_true(table_exists(f->db, "depgrand_v"));
	assert_int_equal(migrate_version(f->db, "hello"), 1);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM role_permissions "
	    "WHERE permission = 'hello.read'"), 3);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM role_permissions "
	    "WHERE permission = 'depbase.write' AND role IN ('admin',"
	    "'officer')"), 2);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM role_permissions "
	    "WHERE permission = 'depbase.write' AND role = 'viewer'"), 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM plugin_deps "
	    "WHERE plugin = 'depchild' AND requires = 'depbase'"), 1);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM plugins WHERE "
	    "name = 'hello' AND version = '1.0.0'"), 1);
	plugin_set_unload(&set);
	assert_int_equal(set.count, 0);
}

static void
test_load_cascade(void **state)
{
	struct fx		*f = *state;
	struct plugin_set	 set;
	char			 reason[512];

	/* depbase.so is broken: its users go down with it, with reasons. */
	install_as(f, "badsig", "depbase", 0644);
	install(f, "depchild");
	install(f, "depgrand");
	install(f, "hello");
	set_enabled(f, "depbase");
	set_enabled(f, "depchild");
	set_enabled(f, "depgrand");
	set_enabled(f, "hello");
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 1);
	assert_string_equal(set.items[0].desc->name, "hello");
	assert_string_equal(state_of(f, "depbase", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "build signature mismatch");
	assert_string_equal(state_of(f, "depchild", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "depends on depbase which is not enabled");
	assert_string_equal(state_of(f, "depgrand", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "depends on depchild");
	plugin_set_unload(&set);

	/* Nothing enabled: nothing probed, nothing loaded. */
	assert_int_equal(db_exec(f->db, "UPDATE plugins SET state = "
	    "'disabled'"), 0);
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 0);
	plugin_set_unload(&set);
}

static void
test_seed_grants_once(void **state)
{
	struct fx		*f = *state;
	struct plugin_set	 set;

	install(f, "hello");
	set_enabled(f, "hello");
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	plugin_set_unload(&set);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM role_permissions "
	    "WHERE role = 'viewer' AND permission = 'hello.read'"), 1);
	/* An admin revokes it; the next start-up must not give it back. */
	assert_int_equal(db_exec(f->db, "DELETE FROM role_permissions WHERE "
	    "role = 'viewer' AND permission = 'hello.read'"), 0);
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	plugin_set_unload(&set);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM role_permissions "
	    "WHERE role = 'viewer' AND permission = 'hello.read'"), 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM role_permissions "
	    "WHERE role = 'admin' AND permission = 'hello.read'"), 1);
}

static void
test_upgrade_and_downgrade(void **state)
{
	struct fx		*f = *state;
	struct plugin_set	 set;
	char			 reason[512];

	install(f, "hello");
	set_enabled(f, "hello");
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 1);
	plugin_set_unload(&set);
	assert_int_equal(db_exec(f->db, "INSERT INTO hello_items(name) "
	    "VALUES ('kept')"), 0);

	/* A newer .so dropped in by rename migrates forward. */
	install_as(f, "hello_v2", "hello", 0644);
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 1);
	assert_string_equal(set.items[0].desc->version, "2.0.0");
	plugin_set_unload(&set);
	assert_int_equal(migrate_version(f->db, "hello"), 2);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM hello_items "
	    "WHERE name = 'kept' AND note = ''"), 1);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM plugins WHERE "
	    "name = 'hello' AND version = '2.0.0'"), 1);

	/* The old one again: refused, not loaded, the admin told why. */
	install(f, "hello");
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 0);
	plugin_set_unload(&set);
	assert_string_equal(state_of(f, "hello", reason, sizeof(reason)),
	    "failed");
	assert_contains(reason, "downgrade refused");
	assert_int_equal(migrate_version(f->db, "hello"), 2);
}

static void
test_rebuild_migration(void **state)
{
	struct fx		*f = *state;
	struct plugin_set	 set;

	install(f, "rebuild");
	/* The test-load dry-runs the rebuild with foreign keys off too. */
	assert_int_equal(plugin_enable(f->db, &f->cfg, "rebuild", "alice",
	    f->err, sizeof(f->err)), 0);
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 1);
	plugin_set_unload(&set);
	assert_int_equal(migrate_version(f->db, "rebuild"), 2);
	/* Dropping the parent with foreign keys on would have cascaded. */
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM rebuild_child"),
	    1);
	assert_int_equal(one_int(f->db, "PRAGMA foreign_keys"), 1);
}

/* --- enable, disable, quarantine ------------------------------------ */

static void
test_enable_disable_rules(void **state)
{
	struct fx		*f = *state;
	struct plugin_set	 set;
	char			 reason[512];

	install(f, "depbase");
	install(f, "depchild");
	install(f, "depgrand");

	assert_int_equal(plugin_enable(f->db, &f->cfg, "depchild", "alice",
	    f->err, sizeof(f->err)), -1);
	assert_string_equal(f->err, "requires depbase");
	assert_string_equal(state_of(f, "depchild", NULL, 0), "");

	assert_int_equal(plugin_enable(f->db, &f->cfg, "depbase", "alice",
	    f->err, sizeof(f->err)), 0);
	assert_string_equal(state_of(f, "depbase", NULL, 0), "enabled");
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM plugins WHERE "
	    "name = 'depbase' AND changed_by = 'alice' AND changed_at LIKE "
	    "'____-__-__T__:__:__Z' AND version = '1.0.0'"), 1);
	/* The test-load's migrations were rolled back. */
	assert_false(table_exists(f->db, "depbase_items"));
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depbase", "alice",
	    f->err, sizeof(f->err)), 0);
	/* depchild's test-load runs depbase's pending migrations first. */
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depchild", "alice",
	    f->err, sizeof(f->err)), 0);
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depgrand", "bob",
	    f->err, sizeof(f->err)), 0);

	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host), 0);
	assert_int_equal(set.count, 3);
	plugin_set_unload(&set);
	/* Loading does not overwrite who enabled it and when. */
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM plugins WHERE "
	    "name = 'depgrand' AND changed_by = 'bob'"), 1);
	assert_int_equal(db_exec(f->db, "INSERT INTO depbase_items(v) "
	    "VALUES ('data')"), 0);

	assert_int_equal(plugin_disable(f->db, "depbase", "carol", f->err,
	    sizeof(f->err)), -1);
	assert_string_equal(f->err, "required by depchild");
	assert_int_equal(plugin_disable(f->db, "depchild", "carol", f->err,
	    sizeof(f->err)), -1);
	assert_string_equal(f->err, "required by depgrand");
	assert_int_equal(plugin_disable(f->db, "depgrand", "carol", f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(plugin_disable(f->db, "depchild", "carol", f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(plugin_disable(f->db, "depbase", "carol", f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(plugin_disable(f->db, "depbase", "carol", f->err,
	    sizeof(f->err)), 0);
	assert_string_equal(state_of(f, "depbase", reason, sizeof(reason)),
	    "disabled");
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM plugins WHERE "
	    "name = 'depbase' AND changed_by = 'carol'"), 1);
	/* Disabling keeps the data. */
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM depbase_items"),
	    1);
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depbase", "alice",
	    f->err, sizeof(f->err)), 0);
	assert_int_equal(one_int(f->db, "SELECT count(*) FROM depbase_items"),
	    1);

	assert_int_equal(plugin_disable(f->db, "nosuch", "carol", f->err,
	    sizeof(f->err)), -1);
	assert_contains(f->err, "no plugin nosuch");
	assert_int_equal(plugin_disable(f->db, "../etc", "carol", f->err,
	    sizeof(f->err)), -1);
	assert_contains(f->err, "invalid plugin name");
}

static void
test_enable_refusals(void **state)
{
	/* A failed test-load is recorded as 'failed' (the admin keeps
	 * seeing why); other refusals leave no row. */
	static const struct {
		const char *plugin, *reason, *state;
	} cases[] = {
		{ "initcrash",	"test-load crashed with signal 11 (SIGSEGV) "
				"in init", "failed" },
		{ "initfail",	"init() of initfail failed", "failed" },
		{ "badmig",	"no such table: badmig_no_such_table",
				"failed" },
		{ "badabi",	"cannot be enabled: ABI 99.0", "" },
		{ "ctorcrash",	"cannot be enabled: probe crashed with "
				"signal 11", "" },
		{ "needsmissing", "requires nonexistent", "" },
		{ NULL, NULL, NULL }
	};
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; cases[i].plugin != NULL; i++) {
		install(f, cases[i].plugin);
		assert_int_equal(plugin_enable(f->db, &f->cfg, cases[i].plugin,
		    "alice", f->err, sizeof(f->err)), -1);
		assert_contains(f->err, cases[i].reason);
		assert_string_equal(state_of(f, cases[i].plugin, NULL, 0),
		    cases[i].state);
	}
	assert_false(table_exists(f->db, "badmig_items"));
	assert_int_equal(plugin_enable(f->db, &f->cfg, "ghost", "alice",
	    f->err, sizeof(f->err)), -1);
	assert_contains(f->err, "no plugin file ghost.so");
	assert_int_equal(plugin_enable(f->db, &f->cfg, "Bad-Name", "alice",
	    f->err, sizeof(f->err)), -1);
	assert_contains(f->err, "invalid plugin name");
	/* A quarantined plugin needs an explicit enable, which works. */
	install(f, "hello");
	assert_int_equal(plugin_quarantine(f->db, "hello", "crashed", NULL,
	    f->err, sizeof(f->err)), 0);
	assert_string_equal(state_of(f, "hello", NULL, 0), "quarantined");
	assert_int_equal(plugin_enable(f->db, &f->cfg, "hello", "alice",
	    f->err, sizeof(f->err)), 0);
	assert_string_equal(state_of(f, "hello", NULL, 0), "enabled");
}

struct audit_log {
	char	 lines[8][160];
	int	 n;
	int	 fail;
};

static int
record_audit(sqlite3 *db, const char *action, const char *name,
    json_t *before, json_t *after, void *arg)
{
	struct audit_log	*a = arg;

	(void)db;
	if (a->fail)
		return -1;
	if (a->n < 8)
		snprintf(a->lines[a->n++], sizeof(a->lines[0]), "%s %s %s->%s",
		    action, name,
		    json_string_value(json_object_get(before, "state")),
		    json_string_value(json_object_get(after, "state")));
	return 0;
}

static void
test_audit_hook(void **state)
{
	struct fx		*f = *state;
	struct audit_log	 log;
	struct plugin_change	 ch = { .actor = "alice", .audit = record_audit,
	    .arg = &log };

	memset(&log, 0, sizeof(log));
	install(f, "hello");
	assert_int_equal(plugin_enable_ex(f->db, &f->cfg, "hello", &ch,
	    f->err, sizeof(f->err)), 0);
	assert_int_equal(plugin_disable_ex(f->db, "hello", &ch, f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.lines[0], "plugin.enable hello absent->enabled");
	assert_string_equal(log.lines[1],
	    "plugin.disable hello enabled->disabled");
	/* No audit entry, no change. */
	log.fail = 1;
	assert_int_equal(plugin_enable_ex(f->db, &f->cfg, "hello", &ch,
	    f->err, sizeof(f->err)), -1);
	assert_contains(f->err, "audit");
	assert_string_equal(state_of(f, "hello", NULL, 0), "disabled");
	assert_int_equal(sqlite3_get_autocommit(f->db), 1);
}

static void
test_quarantine_cascade(void **state)
{
	struct fx		*f = *state;
	struct audit_log	 log;
	struct plugin_change	 ch = { .actor = "master", .audit = record_audit,
	    .arg = &log };
	char			 reason[512];

	memset(&log, 0, sizeof(log));
	install(f, "depbase");
	install(f, "depchild");
	install(f, "depgrand");
	install(f, "hello");
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depbase", "a", f->err,
	    sizeof(f->err)), 0);
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depchild", "a",
	    f->err, sizeof(f->err)), 0);
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depgrand", "a",
	    f->err, sizeof(f->err)), 0);
	assert_int_equal(plugin_enable(f->db, &f->cfg, "hello", "a", f->err,
	    sizeof(f->err)), 0);

	assert_int_equal(plugin_quarantine(f->db, "depbase",
	    "3 crashes in 60 s", &ch, f->err, sizeof(f->err)), 0);
	assert_string_equal(state_of(f, "depbase", reason, sizeof(reason)),
	    "quarantined");
	assert_string_equal(reason, "3 crashes in 60 s");
	assert_string_equal(state_of(f, "depchild", reason, sizeof(reason)),
	    "disabled");
	assert_string_equal(reason, "depends on depbase (quarantined)");
	assert_string_equal(state_of(f, "depgrand", NULL, 0), "disabled");
	assert_string_equal(state_of(f, "hello", NULL, 0), "enabled");
	assert_int_equal(log.n, 3);
	assert_string_equal(log.lines[0],
	    "plugin.quarantine depbase enabled->quarantined");
}

static json_t *
find_entry(json_t *list, const char *name)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(list, i, e)
		if (json_is_string(json_object_get(e, "name")) &&
		    strcmp(json_string_value(json_object_get(e, "name")),
		    name) == 0)
			return e;
	return NULL;
}

static void
test_list_json(void **state)
{
	struct fx	*f = *state;
	json_t		*list, *e;

	install(f, "hello");
	install(f, "depbase");
	install(f, "depchild");
	install(f, "badabi");
	assert_int_equal(plugin_enable(f->db, &f->cfg, "depbase", "alice",
	    f->err, sizeof(f->err)), 0);
	set_enabled(f, "ghost");
	set_enabled(f, "badabi");
	assert_non_null(list = plugin_list_json(f->db, &f->cfg));
	assert_int_equal(json_array_size(list), 5);

	e = find_entry(list, "depbase");
	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "state")),
	    "enabled");
	assert_true(json_is_true(json_object_get(e, "enabled")));
	assert_string_equal(json_string_value(json_object_get(e, "changed_by")),
	    "alice");
	assert_string_equal(json_string_value(json_array_get(json_object_get(e,
	    "required_by"), 0)), "depchild");
	assert_int_equal(json_array_size(json_object_get(e, "permissions")), 2);

	e = find_entry(list, "hello");
	assert_string_equal(json_string_value(json_object_get(e, "state")),
	    "disabled");
	assert_int_equal(json_integer_value(json_object_get(e,
	    "schema_version")), 1);
	assert_int_equal(json_array_size(json_object_get(e, "routes")), 7);
	assert_int_equal(json_array_size(json_object_get(e, "nav")), 1);

	/* badabi's descriptor cannot be trusted: listed by its file name,
	 * with the state the table had for it. */
	e = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(e, "file")),
	    "badabi.so");
	assert_string_equal(json_string_value(json_object_get(e, "name")),
	    "badabi");
	assert_string_equal(json_string_value(json_object_get(e, "state")),
	    "incompatible");
	assert_string_equal(json_string_value(json_object_get(e,
	    "db_state")), "enabled");
	assert_contains(json_string_value(json_object_get(e, "reason")),
	    "ABI 99.0");

	e = find_entry(list, "ghost");
	assert_string_equal(json_string_value(json_object_get(e, "state")),
	    "missing");
	json_decref(list);
}

/*
 * A probe that cannot be run here (a missing helper, no fork) says
 * nothing about the plugin: the load fails and the plugin stays enabled
 * for the next try, instead of being recorded as failed (it stayed off,
 * with its dependents, after the cause was fixed).
 */
static void
test_load_probe_unavailable(void **state)
{
	struct fx		*f = *state;
	struct plugin_set	 set;

	install(f, "hello");
	set_enabled(f, "hello");
	f->cfg.probe_path = "/nonexistent/bureaud";
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host),
	    -1);
	assert_string_equal(state_of(f, "hello", NULL, 0), "enabled");
	f->cfg.probe_path = f->probe;
	assert_int_equal(plugin_set_load(&set, &f->cfg, f->db, &test_host),
	    0);
	assert_int_equal(set.count, 1);
	plugin_set_unload(&set);
	assert_string_equal(state_of(f, "hello", NULL, 0), "enabled");
}

/*
 * The longest valid plugin name survives the scoreboard: the slot the
 * master reads to blame (and quarantine) a crashing plugin, and the
 * published enabled set.  A slot once held 31 characters, so a crash in
 * a 32-character plugin was blamed on a name that does not exist.
 */
static void
test_scoreboard_long_name(void **unused)
{
	static const char name[] = "abcdefghijklmnopqrstuvwxyz_01234";
	const char *names[1] = { name };
	struct scoreboard *sb;
	char got[sizeof(sb->slots[0].plugin)];

	(void)unused;
	assert_int_equal(strlen(name), 32);
	assert_true(plugin_name_valid(name));
	assert_non_null(sb = scoreboard_create(1));
	scoreboard_busy(&sb->slots[0], name, "GET /api/v1/x", "r1");
	memcpy(got, sb->slots[0].plugin, sizeof(got));
	got[sizeof(got) - 1] = '\0';
	assert_string_equal(got, name);
	scoreboard_publish_enabled(sb, names, 1);
	assert_int_equal(scoreboard_plugin_live(sb, 0, name), 1);
	assert_int_equal(scoreboard_plugin_live(sb, 0, "other"), 0);
	scoreboard_destroy(sb);
}

int
main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_probe_hello),
		T(test_probe_refusals),
		T(test_probe_file_checks),
		T(test_probe_timeout_and_helper),
		T(test_scan_duplicates_and_names),
		T(test_load_order_and_failures),
		T(test_load_cascade),
		T(test_seed_grants_once),
		T(test_upgrade_and_downgrade),
		T(test_rebuild_migration),
		T(test_enable_disable_rules),
		T(test_enable_refusals),
		T(test_audit_hook),
		T(test_quarantine_cascade),
		T(test_list_json),
		T(test_load_probe_unavailable),
		cmocka_unit_test(test_scoreboard_long_name),
	};

	builddir = getenv("BUREAU_BUILDDIR");
	if (builddir == NULL || *builddir == '\0')
		builddir = ".";
	log_init("test_plugins", LOG_LVL_ERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
