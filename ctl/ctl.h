/*
 * ctl -- bureauctl's subcommands.  Each takes the arguments after its
 * own name (argv[0] is the subcommand) and the loaded configuration, and
 * returns the process exit status: 0 ok, 1 failure, 2 usage error.
 */
#ifndef BUREAU_CTL_H
#define BUREAU_CTL_H

#include "config.h"

int	cmd_init(int argc, char **argv, const struct config *);
int	cmd_plugin(int argc, char **argv, const struct config *);
int	cmd_backup(int argc, char **argv, const struct config *);
int	cmd_restore(int argc, char **argv, const struct config *);
int	cmd_check(int argc, char **argv, const struct config *);
int	cmd_status(int argc, char **argv, const struct config *);
int	cmd_reload(int argc, char **argv, const struct config *);
int	cmd_user(int argc, char **argv, const struct config *);	/* accounts */
int	cmd_audit(int argc, char **argv, const struct config *);	/* accounts */
int	cmd_demo(int argc, char **argv, const struct config *);	/* demo data */

#endif
