/*
 * worker -- one worker process: drops privileges, opens the app, runs M
 * serving threads on the lane's listen socket, and drains on request
 * (FCGX_ShutdownPending plus a signal without SA_RESTART, repeated until
 * every thread has left accept).
 */
#ifndef BUREAU_WORKER_H
#define BUREAU_WORKER_H

#include <stdint.h>

#include "config.h"

struct scoreboard;

struct worker_spec {
	int			 lane;		/* LANE_API / LANE_LOGIN */
	uint32_t		 generation;
	int			 listen_fd;
	int			 ctl_fd;	/* socketpair end to the master */
	struct scoreboard	*sb;
	uint32_t		 slot_base;	/* first of nthreads slots */
	int			 nthreads;
};

/* Runs in the forked child; returns the process exit status. */
int	worker_main(const struct config *, const struct worker_spec *);

#endif
