/*
 * test_config.c -- bureau.conf parsing, overrides, checks and printing.
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

static char	tmpdir[] = "/tmp/test_config.XXXXXX";

/* Writes text to a fresh file under tmpdir; returns its path (static). */
static const char *
write_conf(const char *name, const char *text)
{
	static char	path[256];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_defaults(void **state)
{
	struct config	cfg;
	char		err[256];

	(void)state;
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_null(cfg.path);
	assert_string_equal(cfg.api_socket, "/run/bureau/api.sock");
	assert_string_equal(cfg.login_socket, "/run/bureau/login.sock");
	assert_string_equal(cfg.control_socket, "/run/bureau/control.sock");
	assert_int_equal(cfg.api_fd, -1);
	assert_int_equal(cfg.login_fd, -1);
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.threads, 1);
	assert_int_equal(cfg.login_workers, 1);
	assert_int_equal(cfg.login_threads, 2);
	assert_null(cfg.user);
	assert_null(cfg.group);
	assert_int_equal(cfg.body_limit, 1024 * 1024);
	assert_int_equal(cfg.import_limit, 10 * 1024 * 1024);
	assert_int_equal(cfg.stuck_limit, 120);
	assert_int_equal(cfg.socket_mode, 0660);
	assert_string_equal(cfg.db_path, "/var/lib/bureau/bureau.db");
	assert_int_equal(cfg.busy_timeout_ms, 5000);
	assert_string_equal(cfg.plugin_dir, BUREAU_PLUGINSDIR);
	assert_non_null(cfg.probe_path);	/* /proc/self/exe */
	assert_string_equal(cfg.public_origin, "http://127.0.0.1:8080");
	assert_int_equal(cfg.dev_mode, 0);
	assert_int_equal(cfg.session_idle, 1800);
	assert_int_equal(cfg.session_absolute, 43200);
	assert_int_equal(cfg.pw_opslimit, 3);
	assert_int_equal(cfg.pw_memlimit, 134217728);
	assert_int_equal(cfg.hash_cap, 0);
	assert_string_equal(cfg.audit_key_path, "/var/lib/bureau/audit.key");
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);
	assert_null(cfg.clock_file);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);
}

static void
test_file(void **state)
{
	struct config	 cfg;
	char		 err[256];
	const char	*path;

	(void)state;
	path = write_conf("good.conf",
	    "; comment\n"
	    "# another\n"
	    "[server]\n"
	    "api_socket = /tmp/b/api.sock\n"
	    "workers = 4\n"
	    "threads=3\n"
	    "user = bureau\n"
	    "group = www-data\n"
	    "body_limit = 2M\n"
	    "import_limit = 512KiB\n"
	    "socket_mode = 0600\n"
	    "api_fd = -1\n"
	    "\n"
	    "[database]\n"
	    "path = /tmp/b/bureau.db\n"
	    "busy_timeout_ms = 100\n"
	    "[auth]\n"
	    "dev_mode = yes\n"
	    "pw_memlimit = 8M\n"
	    "public_origin = https://bureau.example.gov.cn\n"
	    "[log]\n"
	    "level = debug\n"
	    "[testing]\n"
	    "clock_file = /tmp/b/clock\n");
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), 0);
	assert_string_equal(cfg.path, path);
	assert_string_equal(cfg.api_socket, "/tmp/b/api.sock");
	assert_int_equal(cfg.workers, 4);
	assert_int_equal(cfg.threads, 3);
	assert_string_equal(cfg.user, "bureau");
	assert_string_equal(cfg.group, "www-data");
	assert_int_equal(cfg.body_limit, 2 * 1024 * 1024);
	assert_int_equal(cfg.import_limit, 512 * 1024);
	assert_int_equal(cfg.socket_mode, 0600);
	assert_string_equal(cfg.db_path, "/tmp/b/bureau.db");
	assert_int_equal(cfg.busy_timeout_ms, 100);
	assert_int_equal(cfg.dev_mode, 1);
	assert_int_equal(cfg.pw_memlimit, 8 * 1024 * 1024);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	assert_string_equal(cfg.clock_file, "/tmp/b/clock");
	assert_int_equal(config_check(&cfg, err, sizeof(err)), 0);
	config_free(&cfg);
}

static void
expect_load_error(const char *text, const char *needle)
{
	struct config	 cfg;
	char		 err[512];
	const char	*path;

	path = write_conf("bad.conf", text);
	err[0] = '\0';
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, needle);
}

static void
test_errors(void **state)
{
	(void)state;
	/* Unknown key: named, with file and line. */
	expect_load_error("[server]\nworkers = 2\n\nworkres = 3\n",
	    "bad.conf:4: unknown key 'workres' in section [server]");
	expect_load_error("[serverx]\nworkers = 2\n",
	    "bad.conf:2: unknown section [serverx]");
	/* A key before any section is in section "". */
	expect_load_error("workers = 2\n", "bad.conf:1: unknown section");
	expect_load_error("[server]\nworkers = 0\n",
	    "bad.conf:2: [server] workers: 0 is out of range (1..256)");
	expect_load_error("[server]\nworkers = 1000\n", "out of range");
	expect_load_error("[server]\nworkers = two\n", "is not a number");
	expect_load_error("[server]\nworkers = 2x\n", "is not a number");
	expect_load_error("[server]\nworkers = -2\n", "is not a number");
	expect_load_error("[server]\nsocket_mode = 0668\n", "octal");
	expect_load_error("[server]\nsocket_mode = 01777\n", "out of range");
	expect_load_error("[server]\nbody_limit = 99999999999999999999\n",
	    "out of range");
	expect_load_error("[server]\nbody_limit = 10\n", "out of range");
	expect_load_error("[server]\ncontrol_socket =\n", "must not be empty");
	expect_load_error("[auth]\ndev_mode = maybe\n", "is not 0 or 1");
	expect_load_error("[log]\nlevel = loud\n", "is not one of");
	expect_load_error("[server]\nworkers\n", "bad.conf:2: syntax error");
	expect_load_error("[server\n", "bad.conf:1: syntax error");
	/* Only the first error is reported. */
	expect_load_error("[server]\nfoo = 1\nbar = 2\n", "'foo'");
}

static void
test_missing_file(void **state)
{
	struct config	cfg;
	char		err[512];

	(void)state;
	assert_int_equal(config_load(&cfg, "/nonexistent/bureau.conf", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/bureau.conf"));
	assert_non_null(strstr(err, "No such file"));
}

static void
test_set(void **state)
{
	struct config	cfg;
	char		err[256];

	(void)state;
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "server.workers=7", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.workers, 7);
	assert_int_equal(config_set(&cfg, "threads=5", err, sizeof(err)), 0);
	assert_int_equal(cfg.threads, 5);
	assert_int_equal(config_set(&cfg, "database.path=/x/y.db", err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.db_path, "/x/y.db");
	assert_int_equal(config_set(&cfg, "server.user=", err, sizeof(err)),
	    0);
	assert_null(cfg.user);
	assert_int_equal(config_set(&cfg, "server.user=nobody", err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.user, "nobody");
	assert_int_equal(config_set(&cfg, "log.level=warning", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.log_level, LOG_LVL_WARNING);
	assert_int_equal(config_set(&cfg, "server.stuck_limit=2", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.stuck_limit, 2);

	assert_int_equal(config_set(&cfg, "server.nope=1", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "unknown setting 'server.nope'"));
	assert_int_equal(config_set(&cfg, "workers", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "expected section.key=value"));
	assert_int_equal(config_set(&cfg, "server.workers=0", err,
	    sizeof(err)), -1);
	assert_int_equal(cfg.workers, 7);	/* unchanged on error */
	assert_int_equal(config_set(&cfg, "database.workers=2", err,
	    sizeof(err)), -1);
	/* Bodies are read with int lengths: no limit past INT_MAX. */
	assert_int_equal(config_set(&cfg, "server.import_limit=1G", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "server.import_limit=3G", err,
	    sizeof(err)), -1);
	assert_int_equal(config_set(&cfg, "server.body_limit=2G", err,
	    sizeof(err)), -1);
	config_free(&cfg);
}

static void
test_check(void **state)
{
	struct config	cfg;
	char		err[256];

	(void)state;
	assert_int_equal(config_load(&cfg, NULL, err, sizeof(err)), 0);

	assert_int_equal(config_set(&cfg, "auth.session_idle=50000", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "session_idle"));
	assert_int_equal(config_set(&cfg, "auth.session_idle=1800", err,
	    sizeof(err)), 0);

	assert_int_equal(config_set(&cfg, "auth.public_origin=ftp://x", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg,
	    "auth.public_origin=https://x.example/", err, sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg, "auth.public_origin=http://", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_int_equal(config_set(&cfg,
	    "auth.public_origin=https://x.example:8443", err, sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), 0);

	assert_int_equal(config_set(&cfg, "server.api_socket=relative.sock",
	    err, sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute"));
	/* An inherited descriptor replaces the path. */
	assert_int_equal(config_set(&cfg, "server.api_fd=0", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "server.api_fd=-1", err,
	    sizeof(err)), 0);

	assert_int_equal(config_set(&cfg, "server.api_socket=/run/a/"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than"));
	assert_int_equal(config_set(&cfg, "server.api_socket=/run/x.sock",
	    err, sizeof(err)), 0);

	assert_int_equal(config_set(&cfg, "server.login_socket=/run/x.sock",
	    err, sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "same path"));
	/* No login lane: its socket is not needed. */
	assert_int_equal(config_set(&cfg, "server.login_workers=0", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), 0);

	assert_int_equal(config_set(&cfg, "server.group=www-data", err,
	    sizeof(err)), 0);
	assert_int_equal(config_check(&cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "group needs user"));
	config_free(&cfg);
}

/* --check-config's output is itself a valid file giving the same config. */
static void
test_print_roundtrip(void **state)
{
	struct config	 a, b;
	char		 err[256], path[256];
	FILE		*fp;

	(void)state;
	assert_int_equal(config_load(&a, NULL, err, sizeof(err)), 0);
	assert_int_equal(config_set(&a, "server.workers=3", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&a, "server.socket_mode=0640", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&a, "server.user=bureau", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(&a, "log.level=err", err, sizeof(err)),
	    0);
	assert_int_equal(config_set(&a, "auth.pw_memlimit=64M", err,
	    sizeof(err)), 0);

	snprintf(path, sizeof(path), "%s/printed.conf", tmpdir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	config_print(&a, fileno(fp));
	fclose(fp);

	assert_int_equal(config_load(&b, path, err, sizeof(err)), 0);
	assert_int_equal(b.workers, 3);
	assert_int_equal(b.socket_mode, 0640);
	assert_string_equal(b.user, "bureau");
	assert_null(b.group);
	assert_null(b.clock_file);
	assert_int_equal(b.log_level, LOG_LVL_ERR);
	assert_int_equal(b.pw_memlimit, 64 * 1024 * 1024);
	assert_int_equal(b.api_fd, -1);
	assert_string_equal(b.api_socket, a.api_socket);
	assert_string_equal(b.probe_path, a.probe_path);
	assert_string_equal(b.public_origin, a.public_origin);
	config_free(&a);
	config_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_print_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
