/*
 * scoreboard -- a shared-memory table the master maps before forking, so
 * it can see what every worker thread is running: for draining a
 * generation, blaming the plugin whose handler crashed a worker, and
 * killing a request stuck past the limit.  Workers write only their own
 * slots; the master only reads slots (and the generation counters it
 * owns).  Fields are written with relaxed atomics: a torn read costs at
 * most a wrong log line, never a wrong decision that matters.
 */
#ifndef BUREAU_SCOREBOARD_H
#define BUREAU_SCOREBOARD_H

#include <stdint.h>
#include <sys/types.h>

#define SB_IDLE		0
#define SB_BUSY		1

struct sb_slot {
	volatile pid_t		 pid;
	volatile uint32_t	 generation;
	volatile int		 state;		/* SB_IDLE / SB_BUSY */
	volatile int64_t	 started_ms;	/* CLOCK_MONOTONIC, when busy */
	volatile uint64_t	 requests;	/* served, for status */
	char			 plugin[32];	/* running plugin, "" = core */
	char			 route[96];	/* "GET /api/v1/projects/{id}" */
	char			 req_id[24];
};

struct scoreboard {
	/* Bumped by the master when the enabled plugin set changes; read by
	 * workers on every request (issue: plugin admin at run time). */
	volatile uint64_t	 plugin_generation;
	volatile uint32_t	 worker_generation;
	uint32_t		 nslots;
	struct sb_slot		 slots[];
};

/* Master, before forking: one slot per (worker, thread) of both lanes. */
struct scoreboard *scoreboard_create(uint32_t nslots);
void		   scoreboard_destroy(struct scoreboard *);
/* Worker thread side. */
void		   scoreboard_busy(struct sb_slot *, const char *plugin,
		       const char *route, const char *req_id);
void		   scoreboard_idle(struct sb_slot *);
int64_t		   scoreboard_now_ms(void);

#endif
