/*
 * respcache.c -- see respcache.h.  A small array searched linearly: a
 * thread holds at most RESPCACHE_MAX_ENTRIES answers, and comparing 64
 * hashes costs less than one SQLite step.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "respcache.h"

#define RESPCACHE_MAX_ENTRIES	64

struct rc_node {
	uint64_t		 hash;
	uint64_t		 used;		/* LRU tick of the last hit */
	size_t			 size;		/* bytes charged to the cache */
	struct respcache_entry	 e;		/* strings point into text[] */
	const char		*key;
	char			 text[];
};

struct respcache {
	size_t			 max_bytes;
	size_t			 bytes;
	size_t			 count;
	uint64_t		 tick;
	int			 have_state;
	struct respcache_state	 state;
	struct rc_node		*nodes[RESPCACHE_MAX_ENTRIES];
};

/* FNV-1a: keys are a date and a URI, short and not adversarial in any
 * way that matters (a collision only costs a strcmp). */
static uint64_t
rc_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct respcache *
respcache_new(size_t max_bytes)
{
	struct respcache *rc;

	if (max_bytes == 0)
		return NULL;
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return NULL;
	rc->max_bytes = max_bytes;
	return rc;
}

static void
rc_drop(struct respcache *rc, size_t i)
{
	rc->bytes -= rc->nodes[i]->size;
	free(rc->nodes[i]);
	rc->nodes[i] = rc->nodes[--rc->count];
	rc->nodes[rc->count] = NULL;
}

static void
rc_clear(struct respcache *rc)
{
	while (rc->count > 0)
		rc_drop(rc, rc->count - 1);
}

void
respcache_free(struct respcache *rc)
{
	if (rc == NULL)
		return;
	rc_clear(rc);
	free(rc);
}

void
respcache_validate(struct respcache *rc, const struct respcache_state *st)
{
	if (rc == NULL)
		return;
	if (rc->have_state && rc->state.data_version == st->data_version &&
	    rc->state.changes == st->changes)
		return;
	rc_clear(rc);
	rc->state = *st;
	rc->have_state = 1;
}

static ssize_t
rc_find(const struct respcache *rc, const char *key, uint64_t h)
{
	size_t i;

	for (i = 0; i < rc->count; i++)
		if (rc->nodes[i]->hash == h &&
		    strcmp(rc->nodes[i]->key, key) == 0)
			return (ssize_t)i;
	return -1;
}

const struct respcache_entry *
respcache_get(struct respcache *rc, const char *key)
{
	ssize_t i;

	if (rc == NULL)
		return NULL;
	if ((i = rc_find(rc, key, rc_hash(key))) < 0)
		return NULL;
	rc->nodes[i]->used = ++rc->tick;
	return &rc->nodes[i]->e;
}

static void
rc_evict_lru(struct respcache *rc)
{
	size_t i, lru = 0;

	for (i = 1; i < rc->count; i++)
		if (rc->nodes[i]->used < rc->nodes[lru]->used)
			lru = i;
	rc_drop(rc, lru);
}

int
respcache_put(struct respcache *rc, const char *key,
    const struct respcache_entry *e)
{
	size_t klen, clen, hlen, size;
	struct rc_node *n;
	uint64_t h;
	ssize_t old;
	char *p;

	if (rc == NULL)
		return 1;
	klen = strlen(key) + 1;
	clen = strlen(e->ctype) + 1;
	hlen = strlen(e->headers ? e->headers : "") + 1;
	size = sizeof(*n) + klen + clen + hlen + e->body_len + 1;
	if (size > rc->max_bytes / 4)
		return 1;
	if ((n = malloc(size)) == NULL)
		return -1;
	n->hash = h = rc_hash(key);
	n->used = ++rc->tick;
	n->size = size;
	p = n->text;
	memcpy(p, key, klen);
	n->key = p;
	p += klen;
	memcpy(p, e->ctype, clen);
	n->e.ctype = p;
	p += clen;
	memcpy(p, e->headers ? e->headers : "", hlen);
	n->e.headers = p;
	p += hlen;
	if (e->body_len > 0)
		memcpy(p, e->body, e->body_len);
	p[e->body_len] = '\0';
	n->e.body = p;
	n->e.body_len = e->body_len;
	n->e.status = e->status;

	if ((old = rc_find(rc, key, h)) >= 0)
		rc_drop(rc, (size_t)old);
	while (rc->count > 0 && (rc->count == RESPCACHE_MAX_ENTRIES ||
	    rc->bytes + size > rc->max_bytes))
		rc_evict_lru(rc);
	rc->nodes[rc->count++] = n;
	rc->bytes += size;
	return 0;
}

void
respcache_stats(const struct respcache *rc, size_t *entries, size_t *bytes)
{
	*entries = rc != NULL ? rc->count : 0;
	*bytes = rc != NULL ? rc->bytes : 0;
}
