/*
 * scoreboard -- a shared-memory table the master maps before forking, so
 * it can see what every worker thread is running: for draining a
 * generation, blaming the plugin whose handler crashed a worker, and
 * killing a request stuck past the limit.  Workers write only their own
 * slots; the master only reads slots (and writes the generation
 * counters and the enabled set, which it owns).  Slot fields are written
 * with relaxed atomics: a torn read costs at most a wrong log line,
 * never a wrong decision that matters; the enabled set, which decides
 * 404s, is read under a sequence count.
 */
#ifndef BUREAU_SCOREBOARD_H
#define BUREAU_SCOREBOARD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SB_IDLE		0
#define SB_BUSY		1

#define SB_PLUGINS_MAX		64
#define SB_PLUGIN_NAME		33	/* [a-z][a-z0-9_]{0,31} + NUL */

struct sb_slot {
	volatile pid_t		 pid;
	volatile uint32_t	 generation;
	volatile int		 state;		/* SB_IDLE / SB_BUSY */
	volatile int64_t	 started_ms;	/* CLOCK_MONOTONIC, when busy */
	volatile uint64_t	 requests;	/* served, for status */
	char			 plugin[SB_PLUGIN_NAME]; /* running plugin,
							  * "" = core */
	char			 route[96];	/* "GET /api/v1/projects/{id}" */
	char			 req_id[24];
};

/*
 * The enabled plugin set as last published by a worker (or bureauctl)
 * that changed the plugins table.  The master is its only writer (one
 * thread), under a sequence count: odd while it writes, so a reader that
 * saw the same even count before and after its read saw one whole set.
 * valid == 0: nothing trustworthy is published (at start, after a plain
 * reload); a worker then serves every plugin it loaded.
 */
struct sb_enabled {
	volatile uint32_t	 seq;
	volatile uint32_t	 valid;
	volatile uint32_t	 count;
	volatile char		 names[SB_PLUGINS_MAX][SB_PLUGIN_NAME];
};

struct scoreboard {
	/*
	 * Bumped by the master at the start of every reload and whenever it
	 * publishes an enabled set, always after the set is written.  Read
	 * by workers on every request: equal to the generation their app
	 * was built at, nothing changed (one integer compare); otherwise a
	 * route of a plugin missing from the published set answers 404.
	 */
	volatile uint64_t	 plugin_generation;
	volatile uint32_t	 worker_generation;
	uint32_t		 nslots;
	struct sb_enabled	 enabled;
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

/*
 * Master: publishes the enabled set (count names; more than
 * SB_PLUGINS_MAX publishes "unknown" instead), then bumps
 * plugin_generation.  scoreboard_forget_enabled marks it unknown
 * without a bump (the reload that follows bumps).
 */
void		   scoreboard_publish_enabled(struct scoreboard *,
		       const char *const *names, size_t count);
void		   scoreboard_forget_enabled(struct scoreboard *);
/*
 * Worker, per request: may a route of plugin still be served by a
 * worker whose plugins were loaded at app_generation?  1 when sb is
 * NULL, the generation did not move, nothing valid is published, or
 * plugin is in the published set; else 0.
 */
int		   scoreboard_plugin_live(const struct scoreboard *,
		       uint64_t app_generation, const char *plugin);

#endif
