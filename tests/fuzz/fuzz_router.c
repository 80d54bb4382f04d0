/*
 * fuzz_router -- router_match() over the real route table (the core's
 * and the linked plugins' routes) against a reference matcher written
 * from the contract in bureau/plugin.h: the same route (the first that
 * fits, in registration order) or the same 404/405; the Allow list
 * names exactly the other methods whose routes fit; the parameters are
 * the pattern's, in order, each of its type ({id}: 1..18 digits without
 * a leading zero, so it fits an int64 and is > 0).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "request.h"
#include "router.h"

#include "fz.h"
#include "fz_plugins.h"

struct ref_route {
	const struct bureau_route *r;
	const char *owner;
};

static struct router *router;
static struct ref_route table[256];
static size_t ntable;

static void
add(const char *owner, const struct bureau_route *r)
{
	for (; r != NULL && r->method != NULL; r++) {
		if (router_add(router, owner, r, NULL) == -1)
			fz_fail("route %s %s refused", r->method, r->pattern);
		if (ntable < 256) {
			table[ntable].r = r;
			table[ntable].owner = owner;
			ntable++;
		}
	}
}

/* Does the segment seg[0..n) fit the pattern segment pat[0..pn)? */
static int
seg_fits(const char *pat, size_t pn, const char *seg, size_t n)
{
	size_t i;

	if (pn == 0 || pat[0] != '{')
		return pn == n && memcmp(pat, seg, n) == 0;
	if (pn > 6 && memcmp(pat + pn - 6, ":slug}", 6) == 0) {
		if (n < 1 || n > 64)
			return 0;
		for (i = 0; i < n; i++)
			if (!((seg[i] >= 'a' && seg[i] <= 'z') ||
			    (seg[i] >= '0' && seg[i] <= '9') ||
			    seg[i] == '_' || seg[i] == '-'))
				return 0;
		return 1;
	}
	if (pn > 6 && memcmp(pat + pn - 6, ":date}", 6) == 0) {
		int m, d;

		if (n != 10 || seg[4] != '-' || seg[7] != '-')
			return 0;
		for (i = 0; i < 10; i++)
			if (i != 4 && i != 7 && !(seg[i] >= '0' &&
			    seg[i] <= '9'))
				return 0;
		m = (seg[5] - '0') * 10 + seg[6] - '0';
		d = (seg[8] - '0') * 10 + seg[9] - '0';
		return m >= 1 && m <= 12 && d >= 1 && d <= 31;
	}
	if (n < 1 || n > 18 || seg[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (!(seg[i] >= '0' && seg[i] <= '9'))
			return 0;
	return 1;
}

static int
ref_fits(const char *pattern, const char *path)
{
	const char *p = pattern, *s = path, *pe, *se;

	if (*s != '/')
		return 0;
	for (;;) {
		p++;
		s++;
		pe = strchr(p, '/');
		se = strchr(s, '/');
		if (pe == NULL)
			pe = p + strlen(p);
		if (se == NULL)
			se = s + strlen(s);
		if (se == s)
			return 0;		/* empty segment never fits */
		if (!seg_fits(p, (size_t)(pe - p), s, (size_t)(se - s)))
			return 0;
		if ((*pe == '\0') != (*se == '\0'))
			return 0;
		if (*pe == '\0')
			return 1;
		p = pe;
		s = se;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "PUT",
	    "PATCH", "DELETE", "HEAD", "OPTIONS", "get" };
	static struct arena *a;
	const struct route_entry *found;
	const struct ref_route *want = NULL;
	struct kvlist params;
	char allow[64], refallow[64], *path;
	const char *method, *p;
	size_t i, np;
	int rc;

	if (router == NULL) {
		router = router_new();
		for (i = 0; app_core_routes[i] != NULL; i++)
			add("core", app_core_routes[i]);
		add("projects", fz_plugin_projects.routes);
		add("staff", fz_plugin_staff.routes);
		add("expos", fz_plugin_expos.routes);
		add("regions", fz_plugin_regions.routes);
		a = arena_new(4096);
	}
	if (size < 1)
		return 0;
	method = methods[data[0] & 7];
	path = malloc(size);
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';

	rc = router_match(router, a, method, path, &found, &params, allow,
	    sizeof(allow));
	refallow[0] = '\0';
	for (i = 0; i < ntable; i++) {
		if (!ref_fits(table[i].r->pattern, path))
			continue;
		if (strcmp(table[i].r->method, method) == 0) {
			want = &table[i];
			break;
		}
		if (strstr(refallow, table[i].r->method) == NULL)
			snprintf(refallow + strlen(refallow),
			    sizeof(refallow) - strlen(refallow), "%s%s",
			    refallow[0] ? ", " : "", table[i].r->method);
	}
	if (want != NULL) {
		if (rc != ROUTE_FOUND || found->pattern != want->r->pattern ||
		    strcmp(found->method, method) != 0)
			fz_fail("%s %s: router %d, reference %s", method, path,
			    rc, want->r->pattern);
		for (np = 0, p = found->pattern; (p = strchr(p, '{')); p++)
			np++;
		if (params.count != np)
			fz_fail("%zu parameters for %s", params.count,
			    found->pattern);
		for (i = 0; i < params.count; i++) {
			const char *v = params.items[i].value;

			if (v == NULL || *v == '\0' || strchr(v, '/'))
				fz_fail("parameter %zu \"%s\"", i,
				    v ? v : "(null)");
			if (strstr(found->pattern, ":slug}") == NULL &&
			    strstr(found->pattern, ":date}") == NULL &&
			    strtoll(v, NULL, 10) <= 0)
				fz_fail("id parameter %s is not positive", v);
		}
	} else if (refallow[0] != '\0') {
		if (rc != ROUTE_BAD_METHOD || strcmp(allow, refallow) != 0)
			fz_fail("%s %s: router %d Allow \"%s\", reference 405"
			    " Allow \"%s\"", method, path, rc, allow,
			    refallow);
	} else if (rc != ROUTE_NOT_FOUND)
		fz_fail("%s %s: router %d, reference 404", method, path, rc);
	free(path);
	arena_reset(a);
	return 0;
}
