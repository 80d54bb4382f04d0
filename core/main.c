/*
 * main.c -- bureaud's command line.
 *
 *   bureaud [-c FILE] [-o section.key=value]... [--check-config]
 *   bureaud --probe PATH [--test-load DB]	(internal: the plugin probe)
 *
 * Everything else happens in master_run().
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
#include "master.h"
#include "plugins.h"
#include "request.h"		/* host_api, for the test-load */

#ifndef BUREAU_SYSCONFDIR
#define BUREAU_SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONFIG	BUREAU_SYSCONFDIR "/bureau/bureau.conf"

enum {
	OPT_CHECK_CONFIG = 256,
	OPT_PROBE
};

static const struct option main_options[] = {
	{ "config",		required_argument, NULL, 'c' },
	{ "option",		required_argument, NULL, 'o' },
	{ "check-config",	no_argument,	   NULL, OPT_CHECK_CONFIG },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ "probe",		required_argument, NULL, OPT_PROBE },
	{ NULL,			0,		   NULL, 0 }
};

static void
main_usage(FILE *fp)
{
	fprintf(fp,
"usage: bureaud [-c FILE] [-o section.key=value]... [--check-config]\n"
"       bureaud -h | -V\n"
"\n"
"The bureau FastCGI server: a master process that owns the listen sockets\n"
"and the control socket, and api and login worker processes behind nginx.\n"
"\n"
"  -c, --config FILE     configuration file\n"
"                        (default " DEFAULT_CONFIG "; built-in defaults\n"
"                        when that file does not exist)\n"
"  -o, --option S.K=V    override one setting, e.g. -o server.workers=4;\n"
"                        may be repeated, applied after the file\n"
"      --check-config    check the configuration, print the effective\n"
"                        settings as INI and exit (0 valid, 1 invalid)\n"
"  -h, --help            this help\n"
"  -V, --version         print the version and exit\n"
"\n"
"Signals: SIGHUP reloads gracefully (a new generation of workers starts,\n"
"the old one drains); SIGTERM or SIGINT stops gracefully.\n"
"See bureaud(8) for the configuration keys.\n");
}

/* Under systemd, JOURNAL_STREAM names the stream our stderr is: only
 * then do lines get the <N> level prefix instead of a timestamp. */
static int
main_journald(void)
{
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;
	struct stat		 st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	const char	*path = NULL;
	char		**sets = NULL;
	char		 err[512];
	int		 nsets = 0, check = 0, ch, i, rc, journald;

	/*
	 * The probe helper comes first and alone: it is exec'd to inspect
	 * one untrusted .so and must not read configuration or start
	 * anything.  Files owned by the uid it runs as are acceptable.
	 */
	if (argc >= 2 && strcmp(argv[1], "--probe") == 0) {
		log_init("bureaud-probe", LOG_LVL_WARNING, 0);
		if (argc == 3)
			return probe_main(argv[2], (int)getuid());
		/* The test-load before enabling: init() and migrations in a
		 * transaction that is rolled back (issue 6). */
		if (argc == 5 && strcmp(argv[3], "--test-load") == 0)
			return probe_testload_main(argv[2], (int)getuid(),
			    argv[4], &host_api);
		fprintf(stderr, "usage: bureaud --probe PATH "
		    "[--test-load DB]\n");
		return 2;
	}

	journald = main_journald();
	log_init("bureaud", LOG_LVL_INFO, journald);

	if ((sets = calloc((size_t)argc, sizeof(*sets))) == NULL)
		fatal("out of memory");
	while ((ch = getopt_long(argc, argv, "c:o:hV", main_options, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'o':
			sets[nsets++] = optarg;
			break;
		case OPT_CHECK_CONFIG:
			check = 1;
			break;
		case 'h':
			main_usage(stdout);
			free(sets);
			return 0;
		case 'V':
			printf("bureaud (bureau) %s\n", PACKAGE_VERSION);
			free(sets);
			return 0;
		case OPT_PROBE:
			fprintf(stderr, "bureaud: --probe must come first "
			    "and alone\n");
			free(sets);
			return 2;
		default:
			main_usage(stderr);
			free(sets);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bureaud: unexpected argument '%s'\n",
		    argv[optind]);
		main_usage(stderr);
		free(sets);
		return 2;
	}

	/* A missing default file means built-in defaults; a file named on
	 * the command line must exist. */
	if (path == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		path = DEFAULT_CONFIG;
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "bureaud: %s\n", err);
		free(sets);
		return 1;
	}
	for (i = 0; i < nsets; i++) {
		if (config_set(&cfg, sets[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "bureaud: -o %s\n", err);
			goto fail;
		}
	}
	free(sets);
	sets = NULL;
	if (config_check(&cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "bureaud: %s%s%s\n", cfg.path != NULL ?
		    cfg.path : "", cfg.path != NULL ? ": " : "", err);
		goto fail;
	}
	if (check) {
		fflush(stdout);
		config_print(&cfg, STDOUT_FILENO);
		config_free(&cfg);
		return 0;
	}

	log_init("bureaud", cfg.log_level, journald);
	/* The database, WAL and key files are the service's alone. */
	umask(077);
	rc = master_run(&cfg);
	config_free(&cfg);
	return rc;
fail:
	free(sets);
	config_free(&cfg);
	return 1;
}
