/*
 * extra.h -- what the small test plugins in tests/plugins/extra/ share:
 * one harmless route per plugin and the descriptor's common fields.
 * Each .c sets what makes it special (a wrong ABI, a crashing init...).
 *
 * These are not copied into a test instance's plugin directory by
 * default (some would refuse hello as a duplicate, some crash); tests
 * install the ones they need by name.
 */
#ifndef TEST_EXTRA_H
#define TEST_EXTRA_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "bureau/plugin.h"

/*
 * GET /api/v1/NAME/ping[?ms=N]: pong, after N ms (0..30000) when asked
 * -- a slow request of another plugin than hello, for tests that switch
 * hello while requests are in flight.
 */
__attribute__((unused)) static int
extra_ping(struct bureau_req *req, void *state)
{
	const struct bureau_host *h = state;
	const char *s = h->req_query(req, "ms");
	struct timespec ts;
	long ms = 0;

	if (s != NULL) {
		for (; *s >= '0' && *s <= '9' && ms <= 30000; s++)
			ms = ms * 10 + (*s - '0');
		if (*s != '\0' || ms > 30000)
			return h->resp_error(req, 400, "validation_failed",
			    "ms", "ms must be an integer from 0 to 30000");
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return h->resp_json(req, 200, json_pack("{s:b}", "pong", 1));
}

__attribute__((unused)) static int
extra_init(const struct bureau_host *host, void **state)
{
	*state = (void *)host;
	return 0;
}

#define EXTRA_ROUTES(name)						\
static const struct bureau_route extra_routes[] = {			\
	{ "GET", "/api/v1/" name "/ping", extra_ping,			\
	    BUREAU_PERM_PUBLIC, 0 },					\
	{ NULL, NULL, NULL, NULL, 0 }					\
}

/* Everything but init (for the plugins whose init is the point). */
#define EXTRA_BASE(nm)							\
	.name = nm,							\
	.version = "1.0.0",						\
	.title = "Test plugin " nm,					\
	.description = "tests/plugins/extra",				\
	.routes = extra_routes

#define EXTRA_COMMON(nm)						\
	EXTRA_BASE(nm),							\
	.init = extra_init

#endif
