/*
 * fuzz_plugin -- JSON bodies against every writing route of one plugin
 * (compiled once per plugin: -DFZ_PLUGIN=projects), through the core's
 * whole request pipeline, signed in as an admin with a valid CSRF
 * token, on a database seeded through the plugin's own handlers.
 *
 * Input: byte 0 picks the route (POST/PUT/PATCH/DELETE routes of the
 * plugin, in descriptor order), byte 1 the path ids, byte 2 options
 * (If-Match, a charset parameter, no CSRF); the rest is the body.
 *
 * Holds: a well-formed answer that is never a 5xx (fz_serve); after an
 * error answer no table but sessions/audit/lockout was committed to;
 * after a write the database passes integrity_check, foreign_key_check,
 * the audit chain and the plugin's invariants (fz_NAME.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"
#include "fz_plugins.h"

#define CAT_(a, b)	a##b
#define CAT(a, b)	CAT_(a, b)
#define DESC		CAT(fz_plugin_, FZ_PLUGIN)
#define SEED		CAT(fz_seed_, FZ_PLUGIN)
#define INVARIANTS	CAT(fz_inv_, FZ_PLUGIN)
#define SET		CAT(fz_set_, FZ_PLUGIN)

static const char *const error_may_touch[] = {
	"sessions", "audit_log", "login_ip_failures", NULL
};

static const struct bureau_route *routes[64];
static size_t nroutes;

static void
init(void)
{
	const struct bureau_route *r;

	fz_env_init(SET, SEED);
	for (r = DESC.routes; r->method != NULL && nroutes < 64; r++)
		if (strcmp(r->method, "GET") != 0)
			routes[nroutes++] = r;
	if (nroutes == 0)
		fz_fail("plugin %s has no writing route", DESC.name);
}

/* The pattern with its parameters filled in from b. */
static void
fill(const char *pattern, unsigned b, char *out, size_t outlen)
{
	static const char *const ids[] = { "1", "2", "3", "4", "999999",
	    "999999999999999999", "1", "2" };
	const char *p = pattern, *close;
	size_t o = 0;
	int k = 0;

	while (*p && o + 40 < outlen) {
		if (*p != '{') {
			out[o++] = *p++;
			continue;
		}
		close = strchr(p, '}');
		if (strncmp(p, "{year", 5) == 0)
			o += (size_t)snprintf(out + o, outlen - o, "%u",
			    2019 + (b >> (3 * k)) % 5);
		else if (close && close - p > 5 &&
		    strncmp(close - 5, ":date", 5) == 0)
			o += (size_t)snprintf(out + o, outlen - o,
			    "2021-0%u-15", 1 + (b >> (3 * k)) % 9);
		else if (close && close - p > 5 &&
		    strncmp(close - 5, ":slug", 5) == 0)
			o += (size_t)snprintf(out + o, outlen - o, "s%u",
			    (b >> (3 * k)) % 4);
		else
			o += (size_t)snprintf(out + o, outlen - o, "%s",
			    ids[(b >> (3 * k)) & 7]);
		k++;
		p = close ? close + 1 : p + strlen(p);
	}
	out[o] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bureau_route *rt;
	const struct fz_resp *r;
	char uri[512], m[32], u[600], q[32], cl[40];
	const char *env[10];
	unsigned opt, flags = FZ_SESSION | FZ_CSRF;
	int k = 0;

	init();
	if (size < 3)
		return 0;
	rt = routes[data[0] % nroutes];
	fill(rt->pattern, data[1], uri, sizeof(uri));
	opt = data[2];
	snprintf(m, sizeof(m), "REQUEST_METHOD=%s", rt->method);
	snprintf(u, sizeof(u), "REQUEST_URI=%s%s", uri,
	    (opt & 8) ? "?mode=commit" : "");
	snprintf(q, sizeof(q), "QUERY_STRING=%s", (opt & 8) ? "mode=commit" :
	    "");
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", size - 3);
	env[k++] = m;
	env[k++] = u;
	env[k++] = q;
	env[k++] = "REMOTE_ADDR=127.0.0.1";
	env[k++] = "HTTPS=on";
	env[k++] = (opt & 1) ? "CONTENT_TYPE=application/json; charset=utf-8"
	    : "CONTENT_TYPE=application/json";
	env[k++] = cl;
	if (opt & 2)
		env[k++] = "HTTP_IF_MATCH=\"1\"";
	env[k] = NULL;
	if (opt & 4)
		flags = FZ_SESSION;
	r = fz_serve(env, flags, data + 3, size - 3);
	if ((opt & 4) && r->status != 403)
		fz_fail("%s %s without CSRF: %d", rt->method, uri, r->status);
	if (fz_wrote(rt->method, r))
		fz_check_db(INVARIANTS);
	else
		fz_check_unchanged(error_may_touch);
	return 0;
}
