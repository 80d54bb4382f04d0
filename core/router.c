/*
 * router.c -- method + path pattern routing with typed parameters.
 *
 * Patterns are split into segments once, at registration.  Matching is
 * a linear scan: a portal has a few hundred routes at most, and a scan
 * of pre-split segments costs well under a microsecond per route.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"
#include "router.h"

#define SEG_LITERAL	0
#define SEG_INT		1
#define SEG_SLUG	2
#define SEG_DATE	3

#define MAX_SEGS	16

struct seg {
	int		 type;
	char		*text;		/* literal text or parameter name */
};

struct route {
	struct route_entry	 e;
	struct seg		 segs[MAX_SEGS];
	int			 nsegs;
};

struct router {
	struct route		*routes;
	size_t			 count, cap;
};

struct router *
router_new(void)
{
	return calloc(1, sizeof(struct router));
}

void
router_free(struct router *r)
{
	size_t i;
	int k;

	if (r == NULL)
		return;
	for (i = 0; i < r->count; i++)
		for (k = 0; k < r->routes[i].nsegs; k++)
			free(r->routes[i].segs[k].text);
	free(r->routes);
	free(r);
}

static int
method_known(const char *m)
{
	static const char *const known[] = {
		"GET", "POST", "PUT", "PATCH", "DELETE", NULL
	};
	int i;

	for (i = 0; known[i] != NULL; i++)
		if (strcmp(m, known[i]) == 0)
			return 1;
	return 0;
}

/* Splits "/a/{id}/b" into segments; -1 on a malformed pattern. */
static int
pattern_split(const char *pattern, struct seg *segs, int *nsegs)
{
	const char *p = pattern, *end;
	size_t len;
	char *colon;
	int n = 0;

	if (p[0] != '/' || p[1] == '\0')
		return -1;
	while (*p == '/') {
		p++;
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || n == MAX_SEGS)
			goto fail;
		if (p[0] == '{') {
			if (p[len - 1] != '}' || len < 3)
				goto fail;
			segs[n].text = strndup(p + 1, len - 2);
			if (segs[n].text == NULL)
				goto fail;
			segs[n].type = SEG_INT;
			if ((colon = strchr(segs[n].text, ':')) != NULL) {
				*colon++ = '\0';
				if (strcmp(colon, "slug") == 0)
					segs[n].type = SEG_SLUG;
				else if (strcmp(colon, "date") == 0)
					segs[n].type = SEG_DATE;
				else if (strcmp(colon, "int") != 0) {
					n++;
					goto fail;
				}
			}
		} else {
			if (memchr(p, '{', len) || memchr(p, '}', len))
				goto fail;
			segs[n].type = SEG_LITERAL;
			if ((segs[n].text = strndup(p, len)) == NULL)
				goto fail;
		}
		n++;
		p += len;
	}
	if (*p != '\0')
		goto fail;
	*nsegs = n;
	return 0;
fail:
	while (n-- > 0)
		free(segs[n].text);
	return -1;
}

static int
same_shape(const struct route *a, const struct seg *segs, int nsegs)
{
	int i;

	if (a->nsegs != nsegs)
		return 0;
	for (i = 0; i < nsegs; i++) {
		if (a->segs[i].type != segs[i].type)
			return 0;
		if (segs[i].type == SEG_LITERAL &&
		    strcmp(a->segs[i].text, segs[i].text) != 0)
			return 0;
	}
	return 1;
}

int
router_add(struct router *r, const char *plugin,
    const struct bureau_route *def, void *state)
{
	struct route *nr, *routes;
	struct seg segs[MAX_SEGS];
	int nsegs, k;
	size_t i;

	if (def->method == NULL || !method_known(def->method) ||
	    def->pattern == NULL || def->handler == NULL ||
	    def->permission == NULL || def->permission[0] == '\0') {
		log_err("router: %s: incomplete route %s %s", plugin,
		    def->method ? def->method : "?",
		    def->pattern ? def->pattern : "?");
		return -1;
	}
	if (pattern_split(def->pattern, segs, &nsegs) == -1) {
		log_err("router: %s: malformed pattern %s", plugin, def->pattern);
		return -1;
	}
	for (i = 0; i < r->count; i++) {
		if (strcmp(r->routes[i].e.method, def->method) == 0 &&
		    same_shape(&r->routes[i], segs, nsegs)) {
			log_err("router: %s: %s %s already taken by %s", plugin,
			    def->method, def->pattern, r->routes[i].e.plugin);
			goto fail;
		}
	}
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;

		routes = realloc(r->routes, cap * sizeof(*routes));
		if (routes == NULL)
			goto fail;
		r->routes = routes;
		r->cap = cap;
	}
	nr = &r->routes[r->count++];
	memset(nr, 0, sizeof(*nr));
	nr->e.method = def->method;
	nr->e.pattern = def->pattern;
	nr->e.handler = def->handler;
	nr->e.state = state;
	nr->e.permission = def->permission;
	nr->e.flags = def->flags;
	nr->e.plugin = plugin;
	memcpy(nr->segs, segs, sizeof(segs[0]) * (size_t)nsegs);
	nr->nsegs = nsegs;
	return 0;
fail:
	for (k = 0; k < nsegs; k++)
		free(segs[k].text);
	return -1;
}

static int
seg_int_ok(const char *s, size_t n)
{
	size_t i;

	/* Positive, no leading zero, fits comfortably in int64. */
	if (n == 0 || n > 18 || s[0] == '0')
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int
seg_slug_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/*
 * YYYY-MM-DD naming a day that exists in the (proleptic) Gregorian
 * calendar: a handler given {d:date} may pass it straight to SQLite's
 * date functions, which silently roll 2021-02-31 over to 2021-03-03.
 */
static int
seg_date_ok(const char *s, size_t n)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	int i, y, m, d, leap;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Splits a decoded path into at most MAX_SEGS (start, len) pairs. */
static int
path_split(const char *path, const char **starts, size_t *lens)
{
	const char *p = path, *end;
	int n = 0;

	if (*p != '/')
		return -1;
	while (*p == '/') {
		p++;
		if (n == MAX_SEGS)
			return -1;
		end = strchr(p, '/');
		lens[n] = end ? (size_t)(end - p) : strlen(p);
		starts[n] = p;
		if (lens[n] == 0)
			return -1;	/* trailing slash or "//" never match */
		p += lens[n];
		n++;
	}
	return n;
}

static int
route_fits(const struct route *rt, const char **starts, const size_t *lens,
    int n)
{
	int i;

	if (rt->nsegs != n)
		return 0;
	for (i = 0; i < n; i++) {
		const struct seg *s = &rt->segs[i];

		switch (s->type) {
		case SEG_LITERAL:
			if (strlen(s->text) != lens[i] ||
			    memcmp(s->text, starts[i], lens[i]) != 0)
				return 0;
			break;
		case SEG_INT:
			if (!seg_int_ok(starts[i], lens[i]))
				return 0;
			break;
		case SEG_SLUG:
			if (!seg_slug_ok(starts[i], lens[i]))
				return 0;
			break;
		case SEG_DATE:
			if (!seg_date_ok(starts[i], lens[i]))
				return 0;
			break;
		}
	}
	return 1;
}

int
router_match(const struct router *r, struct arena *a, const char *method,
    const char *path, const struct route_entry **out, struct kvlist *params,
    char *allow, size_t allowlen)
{
	const char *starts[MAX_SEGS];
	size_t lens[MAX_SEGS], i, alen = 0;
	const struct route *rt, *found = NULL;
	int n, k, np;

	*out = NULL;
	params->items = NULL;
	params->count = 0;
	if (allowlen)
		allow[0] = '\0';
	if ((n = path_split(path, starts, lens)) <= 0)
		return ROUTE_NOT_FOUND;
	for (i = 0; i < r->count; i++) {
		rt = &r->routes[i];
		if (!route_fits(rt, starts, lens, n))
			continue;
		if (strcmp(rt->e.method, method) == 0) {
			found = rt;
			break;
		}
		/* Same path, other method: remember it for Allow. */
		if (allowlen && strstr(allow, rt->e.method) == NULL &&
		    alen + strlen(rt->e.method) + 3 < allowlen) {
			if (alen)
				alen += (size_t)snprintf(allow + alen,
				    allowlen - alen, ", ");
			alen += (size_t)snprintf(allow + alen, allowlen - alen,
			    "%s", rt->e.method);
		}
	}
	if (found == NULL)
		return alen ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;

	for (k = 0, np = 0; k < n; k++)
		if (found->segs[k].type != SEG_LITERAL)
			np++;
	if (np) {
		params->items = arena_alloc(a, (size_t)np * sizeof(struct kv));
		for (k = 0; k < n; k++) {
			if (found->segs[k].type == SEG_LITERAL)
				continue;
			params->items[params->count].key = found->segs[k].text;
			params->items[params->count].value =
			    arena_strndup(a, starts[k], lens[k]);
			params->count++;
		}
	}
	*out = &found->e;
	return ROUTE_FOUND;
}

void
router_each(const struct router *r,
    void (*fn)(const struct route_entry *, void *), void *arg)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		fn(&r->routes[i].e, arg);
}
