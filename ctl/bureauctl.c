/*
 * bureauctl -- the administrator's command line: global options, the
 * configuration, dispatch to the subcommands (ctl.h) and every help text
 * (kept here, beside one another, so they match docs/bureauctl.8).
 *
 *	bureauctl [-c FILE] [-o section.key=value]... [-v] COMMAND [ARGS]
 *
 * Exit status: 0 ok, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "ctl.h"
#include "util.h"

#ifndef BUREAU_SYSCONFDIR
#define BUREAU_SYSCONFDIR "/etc"
#endif
#ifndef BUREAU_SBINDIR
#define BUREAU_SBINDIR "/usr/sbin"
#endif
#define CTL_DEFAULT_CONF	BUREAU_SYSCONFDIR "/bureau/bureau.conf"

struct command {
	const char	*name;
	int		(*fn)(int, char **, const struct config *);
	const char	*summary;
	const char	*usage;		/* synopsis and options */
	int		 own_help;	/* parses its own --help deeper down */
};

static const struct command commands[] = {
	{ "init", cmd_init,
	  "create the database and apply the core migrations",
	  "usage: bureauctl init\n"
	  "\n"
	  "Creates the database named by database.path (its directory must\n"
	  "exist), applies the core schema migrations and creates the audit\n"
	  "chain key if it is missing.  Safe to run again: what exists is kept.\n", 0 },
	{ "plugin", cmd_plugin,
	  "list, enable, disable plugins; show what a change would do",
	  "usage: bureauctl plugin list [--json]\n"
	  "       bureauctl plugin enable NAME\n"
	  "       bureauctl plugin disable NAME\n"
	  "       bureauctl plugin impact NAME [--action enable|disable] "
	  "[--json]\n"
	  "\n"
	  "list     every .so in plugins.dir (inspected by the probe helper,\n"
	  "         never loaded here) with version, state, reason, depends.\n"
	  "enable   checks dependencies, test-loads the plugin, records it as\n"
	  "         enabled and applies its schema migrations now; then asks a\n"
	  "         running bureaud to reload.\n"
	  "disable  refused while enabled plugins depend on it; data is kept;\n"
	  "         then asks a running bureaud to reload.\n"
	  "impact   what enabling or disabling NAME would change: routes and\n"
	  "         menu entries, dependencies or dependents in the way,\n"
	  "         migrations that would run (as GET /api/v1/plugins/NAME/\n"
	  "         impact).  --action: the switch to look at (default: the\n"
	  "         opposite of its state).  Changes nothing.\n"
	  "\n"
	  "  --json   machine-readable output\n", 0 },
	{ "backup", cmd_backup,
	  "write a consistent copy of the live database",
	  "usage: bureauctl backup FILE\n"
	  "\n"
	  "Online, consistent backup in one step (VACUUM INTO) while bureaud\n"
	  "keeps serving, then PRAGMA integrity_check on the copy.  FILE must\n"
	  "not exist.  Prints the path and size of the copy.\n", 0 },
	{ "restore", cmd_restore,
	  "replace the database of a stopped instance with a backup",
	  "usage: bureauctl restore FILE\n"
	  "\n"
	  "Refused while bureaud runs or anything else has the database open.\n"
	  "FILE is checked first (integrity_check, a bureau schema no newer\n"
	  "than this build), then copied beside the database, synced and\n"
	  "renamed over it; stale -wal/-shm files are removed.\n", 0 },
	{ "check", cmd_check,
	  "integrity, foreign keys and schema versions of the database",
	  "usage: bureauctl check [--json]\n"
	  "\n"
	  "Runs PRAGMA integrity_check and foreign_key_check and compares the\n"
	  "recorded schema versions with what this build and the installed\n"
	  "plugins know.  Exits 1 when it finds a problem.\n", 0 },
	{ "status", cmd_status,
	  "show what a running bureaud reports",
	  "usage: bureauctl status [--json]\n"
	  "\n"
	  "Asks bureaud over its control socket (server.control_socket).\n"
	  "Exits 1 when no bureaud answers.\n", 0 },
	{ "reload", cmd_reload,
	  "graceful reload: new worker generation, old one drains",
	  "usage: bureauctl reload [--json]\n"
	  "\n"
	  "Asks bureaud over its control socket to start a new generation of\n"
	  "workers (which load the enabled plugins afresh) and drain the old\n"
	  "one.  Prints the new generation.\n", 0 },
	/* user and audit: the accounts code parses their arguments; these
	 * texts mirror its own (ctl/cmd_user.c, ctl/cmd_audit.c) and are
	 * what ctl_usage_error prints after its mistakes. */
	{ "user", cmd_user,
	  "staff accounts: add, reset, unlock, disable, enable, list",
	  "usage: bureauctl user add [--role ROLE] [--display-name NAME]\n"
	  "                          [--title TITLE] [--department DEPT]\n"
	  "                          [--language zh-CN|en]\n"
	  "                          [--password-stdin | --generate] USERNAME\n"
	  "       bureauctl user reset USERNAME\n"
	  "       bureauctl user unlock USERNAME\n"
	  "       bureauctl user disable USERNAME\n"
	  "       bureauctl user enable USERNAME\n"
	  "       bureauctl user list [--json]\n"
	  "\n"
	  "ROLE is admin, officer, viewer (default) or auditor.  Without\n"
	  "--password-stdin or --generate the password is asked twice on the\n"
	  "terminal.  A generated password (add --generate, reset) is printed\n"
	  "once, alone on stdout.  `reset` makes a temporary password: valid\n"
	  "24 hours, to be changed at the first sign-in; it also unlocks the\n"
	  "account and signs it out everywhere.  `disable` refuses the last\n"
	  "active admin.\n", 1 },
	{ "audit", cmd_audit,
	  "audit log: verify the hash chain, show its head",
	  "usage: bureauctl audit verify [--no-record]\n"
	  "       bureauctl audit head\n"
	  "       bureauctl audit name-hash NAME\n"
	  "\n"
	  "verify: checks every entry's keyed BLAKE2b hash and its link to the\n"
	  "previous one; prints the first broken entry and exits 1 when the log\n"
	  "was altered.  The result is appended to the log (action\n"
	  "audit.verify) unless --no-record is given.\n"
	  "head:   prints the newest entry's id and hash.\n"
	  "name-hash: prints the username_hash a failed sign-in with the unknown\n"
	  "name NAME records (auth.login_failed stores no unknown name as text).\n", 1 },
	{ "demo", cmd_demo,
	  "load the demonstration dataset of the enabled plugins, once",
	  "usage: bureauctl demo\n"
	  "\n"
	  "Loads the enabled plugins and calls the demo hook of each that has\n"
	  "one, in dependency order, all in one transaction: either the whole\n"
	  "dataset is loaded or none of it.  Refused when demo data has been\n"
	  "loaded before (settings key demo_loaded).\n", 0 },
	{ NULL, NULL, NULL, NULL, 0 }
};

static const char global_usage[] =
	"usage: bureauctl [-c FILE] [-o section.key=value]... [-v] COMMAND [ARGS]\n"
	"       bureauctl --help | --version | help [COMMAND]\n"
	"\n"
	"options:\n"
	"  -c, --config FILE     configuration file; default\n"
	"                        " CTL_DEFAULT_CONF ",\n"
	"                        built-in defaults when that is missing\n"
	"  -o, --option S.K=V    override one configuration setting\n"
	"  -v, --verbose         log more (repeat for debug)\n"
	"  -h, --help            this help; COMMAND --help for a command's\n"
	"  -V, --version         print the version\n"
	"\n"
	"commands:\n";

static const struct command *
command_find(const char *name)
{
	const struct command *c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void
ctl_usage(const char *command, FILE *fp)
{
	const struct command *c;

	if (command != NULL && (c = command_find(command)) != NULL) {
		fputs(c->usage, fp);
		return;
	}
	if (fp == stderr) {
		/* After a mistake, the synopsis and where to read on. */
		fputs("usage: bureauctl [-c FILE] [-o section.key=value]... "
		    "[-v] COMMAND [ARGS]\n"
		    "Try `bureauctl --help'.\n", fp);
		return;
	}
	fputs(global_usage, fp);
	for (c = commands; c->name != NULL; c++)
		fprintf(fp, "  %-9s %s\n", c->name, c->summary);
	fputs("\nExit status: 0 ok, 1 failure, 2 usage error.  "
	    "See bureauctl(8).\n", fp);
}

/*
 * "--help"/"-h" among a command's arguments (before "--") asks for its
 * help.  Commands with a help of their own (`user`, `audit`, written by
 * the accounts code) answer it themselves.
 */
static int
wants_help(const struct command *cmd, int argc, char **argv)
{
	int i;

	if (cmd->own_help)
		return 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

/*
 * The probe helper is bureaud (`bureaud --probe`).  Unless plugins.probe
 * says otherwise, the configuration's default is the running binary --
 * right for bureaud, wrong for us: look for bureaud beside bureauctl
 * (installed), in ../core (the build tree), then in sbindir.
 */
static int
probe_path_fix(struct config *cfg)
{
	char exe[4096], dir[4096], cand[4096 + 32], assign[4096 + 64];
	char err[256];
	static const char *const tries[] = { "/bureaud", "/../core/bureaud",
	    NULL };
	ssize_t n;
	size_t i;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	if (cfg->probe_path != NULL && strcmp(cfg->probe_path, exe) != 0)
		return 0;	/* set in the file or with -o */
	ctl_dirname(exe, dir, sizeof(dir));
	snprintf(cand, sizeof(cand), "%s/bureaud", BUREAU_SBINDIR);
	for (i = 0; tries[i] != NULL; i++) {
		char c[sizeof(cand)];

		snprintf(c, sizeof(c), "%s%s", dir, tries[i]);
		if (access(c, X_OK) == 0) {
			snprintf(cand, sizeof(cand), "%s", c);
			break;
		}
	}
	snprintf(assign, sizeof(assign), "plugins.probe=%s", cand);
	if (config_set(cfg, assign, err, sizeof(err)) == -1) {
		ctl_err("setting the probe helper: %s", err);
		return -1;
	}
	return 0;
}

/*
 * Loads the configuration: the named file (must exist), else the default
 * file when it exists, else built-in defaults; then the -o overrides.
 */
static int
conf_setup(struct config *cfg, const char *path, char **overrides,
    size_t noverrides)
{
	char err[512];
	struct stat st;
	size_t i;

	if (path == NULL && stat(CTL_DEFAULT_CONF, &st) == 0)
		path = CTL_DEFAULT_CONF;
	if (config_load(cfg, path, err, sizeof(err)) == -1) {
		ctl_err("configuration %s: %s", path ? path : "(defaults)",
		    err);
		return -1;
	}
	for (i = 0; i < noverrides; i++) {
		if (config_set(cfg, overrides[i], err, sizeof(err)) == -1) {
			ctl_err("-o %s: %s", overrides[i], err);
			return -1;
		}
	}
	if (probe_path_fix(cfg) == -1)
		return -1;
	if (config_check(cfg, err, sizeof(err)) == -1) {
		ctl_err("configuration%s%s: %s", path ? " " : "",
		    path ? path : "", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "option",	required_argument,	NULL, 'o' },
		{ "verbose",	no_argument,		NULL, 'v' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd;
	struct config cfg;
	char **overrides = NULL;
	const char *conf_path = NULL;
	size_t noverrides = 0;
	int ch, verbose = 0, status = CTL_FAIL, loaded = 0;

	/* The database, its backups and the audit key hold password hashes
	 * and personal data: nothing bureauctl creates is world-readable. */
	umask(077);

	overrides = calloc((size_t)argc, sizeof(*overrides));
	if (overrides == NULL) {
		ctl_err("out of memory");
		return CTL_FAIL;
	}
	/* "+": stop at the command name; what follows is the command's. */
	while ((ch = getopt_long(argc, argv, "+c:o:vhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'o':
			overrides[noverrides++] = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			ctl_usage(NULL, stdout);
			status = CTL_OK;
			goto done;
		case 'V':
			printf("bureauctl (bureau) %s\n", PACKAGE_VERSION);
			status = CTL_OK;
			goto done;
		default:
			ctl_usage(NULL, stderr);
			status = CTL_USAGE;
			goto done;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0) {
		ctl_err("no command given");
		ctl_usage(NULL, stderr);
		status = CTL_USAGE;
		goto done;
	}
	if (strcmp(argv[0], "help") == 0) {
		if (argc > 1 && command_find(argv[1]) == NULL) {
			ctl_err("unknown command '%s'", argv[1]);
			status = CTL_USAGE;
			goto done;
		}
		ctl_usage(argc > 1 ? argv[1] : NULL, stdout);
		status = CTL_OK;
		goto done;
	}
	if ((cmd = command_find(argv[0])) == NULL) {
		ctl_err("unknown command '%s' (try bureauctl --help)", argv[0]);
		status = CTL_USAGE;
		goto done;
	}
	if (wants_help(cmd, argc, argv)) {
		ctl_usage(cmd->name, stdout);
		status = CTL_OK;
		goto done;
	}

	/* Warnings and errors of the core reach the admin on stderr; the
	 * per-step chatter only with -v. */
	log_init("bureauctl", verbose == 0 ? LOG_LVL_WARNING :
	    verbose == 1 ? LOG_LVL_INFO : LOG_LVL_DEBUG, 0);

	memset(&cfg, 0, sizeof(cfg));
	if (conf_setup(&cfg, conf_path, overrides, noverrides) == -1) {
		loaded = 1;
		status = CTL_FAIL;
		goto done;
	}
	loaded = 1;

	/* getopt's state from the global options must not leak into the
	 * command's own parsing. */
	ctl_getopt_reset();
	status = cmd->fn(argc, argv, &cfg);
done:
	if (loaded)
		config_free(&cfg);
	free(overrides);
	if (fflush(stdout) == EOF && status == CTL_OK) {
		/* A full disk or closed pipe must not look like success. */
		ctl_err("writing output: %s", strerror(errno));
		status = CTL_FAIL;
	}
	return status;
}
