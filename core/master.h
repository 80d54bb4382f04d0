/*
 * master -- the bureaud master process: owns the listen sockets and the
 * control socket, forks and reaps workers of both lanes, reloads by
 * generations, never opens SQLite and never runs plugin code.
 */
#ifndef BUREAU_MASTER_H
#define BUREAU_MASTER_H

#include "config.h"

/* Runs until SIGTERM/SIGINT; returns the process exit status. */
int	master_run(const struct config *);

#endif
