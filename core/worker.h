/*
 * worker -- one worker process: drops privileges, opens the app, runs M
 * serving threads on the lane's listen socket, and drains on request.
 * Threads wait in poll() on the (non-blocking) listen socket and a wake
 * pipe, never in a blocking accept, so a drain needs no signals: see
 * worker.c for why signals were not good enough.
 */
#ifndef BUREAU_WORKER_H
#define BUREAU_WORKER_H

#include <stdint.h>
#include <sys/types.h>

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
	pid_t			 parent_pid;	/* the master, for PDEATHSIG */
};

/* Runs in the forked child; returns the process exit status.  Called
 * with every signal blocked (the master blocks them around fork). */
int	worker_main(const struct config *, const struct worker_spec *);

/*
 * From any thread of a worker (a request handler that changed the set of
 * enabled plugins): asks the master for a graceful reload.  With
 * timeout_ms > 0 it waits until the new generation is ready (0) or the
 * reload failed or timed out (-1); with 0 it returns once asked.  This
 * worker belongs to the old generation: it is drained after the answer,
 * so the calling request still completes.  Commit before calling.
 * -1 outside a worker process.
 */
int	worker_request_reload(int timeout_ms);
/*
 * The same, publishing the enabled plugin set first (enabled: what
 * plugin_enabled_spec wrote, read after the change was committed): the
 * master puts it in the scoreboard at once, so routes of a plugin that
 * left the set answer 404 in every worker before the reload is done.
 * NULL: a plain reload.
 */
int	worker_request_reload_enabled(const char *enabled, int timeout_ms);

/*
 * Plugin quarantine (issue 6): the master counts crashes per plugin and
 * past the threshold tells one live api worker "quarantine PLUGIN WHY".
 * That worker's main thread records it (plugin_quarantine(), audited as
 * actor "bureaud") on a connection of its own and asks for a reload, so
 * the plugin and its dependents leave every worker.
 */

#endif
