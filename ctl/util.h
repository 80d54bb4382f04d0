/*
 * util -- what bureauctl's subcommands share: help text, opening the
 * database with a clear message, talking to a running bureaud, printing
 * JSON for people.  Messages go to stderr prefixed "bureauctl: ";
 * results go to stdout.
 */
#ifndef BUREAU_CTL_UTIL_H
#define BUREAU_CTL_UTIL_H

#include <stdio.h>
#include <sqlite3.h>
#include <jansson.h>

#include "config.h"

#define CTL_OK		0
#define CTL_FAIL	1
#define CTL_USAGE	2

/* "bureauctl: <message>\n" on stderr. */
void	ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage of one command (bureauctl.c holds the texts); to stdout for
 * --help, to stderr after a usage error.  NULL: the global usage. */
void	ctl_usage(const char *command, FILE *);
/* Usage error: message, the command's synopsis, CTL_USAGE. */
int	ctl_usage_error(const char *command, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Resets getopt for a subcommand's own argv.  Every subcommand parses
 * with getopt_long after this; argv[0] is the subcommand's name.
 */
void	ctl_getopt_reset(void);

/*
 * Opens cfg->db_path.  Without DB_OPEN_CREATE a missing file is an
 * error naming the path and `bureauctl init`, not a new empty database.
 * 0, or -1 after a message on stderr.  The caller closes with db_close.
 */
int	ctl_db_open(const struct config *, int flags, sqlite3 **out);

/*
 * Is a bureaud listening on cfg->control_socket?  1 when a connect()
 * succeeds, 0 when there is no socket or nobody listens on it (a stale
 * file left by a crash), -1 when it cannot be told (permission).
 */
int	ctl_bureaud_running(const struct config *);

/*
 * Sends a control command ("status", "reload") and parses the JSON
 * answer.  NULL after a message on stderr.  The caller decrefs.
 */
json_t	*ctl_control(const struct config *, const char *cmd);

/*
 * After a change in the plugins table: asks a running bureaud to
 * reload and prints the new generation, or says the change applies at
 * the next start.  0, or -1 when a running bureaud refused or did not
 * answer.
 */
int	ctl_reload_if_running(const struct config *);
/* The same with another reload command line (cmd_plugin's
 * "reload enabled@V:a,b"). */
int	ctl_reload_if_running_cmd(const struct config *, const char *cmd);

/* Who is acting, for plugins.changed_by and audit: "bureauctl:<login>". */
const char *ctl_actor(void);

/* Indented "key: value" rendering of a JSON value for people. */
void	ctl_json_print(FILE *, const json_t *, int indent);

/* fsync() a directory, so a rename or create in it is durable. */
int	ctl_fsync_dir(const char *dir);
/* The directory part of a path, into buf ("." when there is none). */
void	ctl_dirname(const char *path, char *buf, size_t buflen);

#endif
