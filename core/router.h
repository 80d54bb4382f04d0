/*
 * router -- method + path patterns with typed parameters.  Segments
 * "{name}" (positive integer), "{name:slug}", "{name:date}".  No route
 * matches a trailing slash.  A path that exists with other methods gives
 * 405 and the Allow list.
 */
#ifndef BUREAU_ROUTER_H
#define BUREAU_ROUTER_H

#include "bureau/plugin.h"
#include "request.h"

struct route_entry {
	const char		*method;
	const char		*pattern;
	bureau_handler_fn	 handler;
	void			*state;
	const char		*permission;
	unsigned		 flags;
	const char		*plugin;	/* owner name, "core" */
};

struct router;

#define ROUTE_FOUND		0
#define ROUTE_NOT_FOUND		1
#define ROUTE_BAD_METHOD	2

struct router	*router_new(void);
void		 router_free(struct router *);
/* -1 on a malformed pattern or a duplicate (method, pattern). */
int		 router_add(struct router *, const char *plugin,
		    const struct bureau_route *, void *state);
/*
 * Fills params (from the arena) on ROUTE_FOUND; on ROUTE_BAD_METHOD
 * writes "GET, POST" into allow.
 */
int		 router_match(const struct router *, struct arena *,
		    const char *method, const char *path,
		    const struct route_entry **out, struct kvlist *params,
		    char *allow, size_t allowlen);
/* Visits every route (nav, impact, tests). */
void		 router_each(const struct router *,
		    void (*fn)(const struct route_entry *, void *), void *);

#endif
