/*
 * app -- what one worker process serves with: the configuration, the
 * loaded plugins, the route table and the host API table.  Built once per
 * worker process before its threads start, read-only while they run,
 * torn down after they have all stopped.
 *
 * thread_ctx -- what one serving thread owns: its sqlite3 connection and
 * statement cache, its request arena and its scoreboard slot.  Nothing in
 * it is touched by another thread.
 */
#ifndef BUREAU_APP_H
#define BUREAU_APP_H

#include <fcgiapp.h>
#include <sqlite3.h>

#include "bureau/plugin.h"
#include "config.h"

struct router;
struct plugin_set;
struct plugin_cache;
struct stmt_cache;
struct arena;
struct sb_slot;
struct scoreboard;

#define LANE_API	0
#define LANE_LOGIN	1

struct app {
	const struct config	*cfg;
	int			 lane;		/* LANE_API / LANE_LOGIN */
	struct scoreboard	*sb;		/* may be NULL (bureauctl, tests) */
	struct plugin_set	*plugins;	/* loaded, initialised plugins */
	struct router		*router;
	const struct bureau_host *host;
	int			 hash_sem;	/* SysV semaphore id, -1 if none */
	uint64_t		 plugin_generation; /* the set this app loaded */
	struct plugin_cache	*plugin_cache;	/* probe answers, for the
						 * admin routes (pluginadmin) */
};

struct thread_ctx {
	struct app		*app;
	int			 index;
	sqlite3			*db;
	struct stmt_cache	*stmts;
	struct arena		*arena;
	struct sb_slot		*slot;		/* may be NULL */
	struct respcache	*rcache;	/* NULL when off */
};

/*
 * Opens the database, applies the core migrations, probes and loads the
 * enabled plugins (running their migrations once) and builds the routes.
 * 0 on success; -1 with a logged reason.
 */
int	app_open(struct app *, const struct config *, int lane,
	    struct scoreboard *);
/*
 * The core's route tables that need no state, NULL-terminated: app_open
 * adds them (and pluginadmin's, which needs the plugin cache), and so do
 * the fuzz targets, so a new core route file is listed once.
 */
extern const struct bureau_route *const app_core_routes[];
void	app_close(struct app *);

/* In the serving thread itself: SQLite handles stay in their thread. */
int	thread_ctx_init(struct thread_ctx *, struct app *, int index,
	    struct sb_slot *);
void	thread_ctx_fini(struct thread_ctx *);

/*
 * Serves one accepted FastCGI request completely: parse, route,
 * authenticate, authorise, run the handler, respond, log, release the
 * arena.  Never fails: every problem becomes an HTTP answer.
 */
void	request_handle(struct thread_ctx *, FCGX_Request *);

#endif
