/*
 * respcache -- whole GET responses kept per serving thread, for routes a
 * plugin flags BUREAU_ROUTE_CACHEABLE (their answer is a function of the
 * URI, the database and today's date only).
 *
 * Validity is the database's, not a clock's: every entry belongs to one
 * "database state", read before the handler runs as the pair
 * (PRAGMA data_version, sqlite3_total_changes64()).  The first changes
 * when any other connection commits, the second when this one writes;
 * when either moved, the whole cache is dropped.  A response is stored
 * under the state read *before* its handler read the data, so it can be
 * newer than its state but never older: nothing stale is ever served.
 *
 * One cache per thread (struct thread_ctx), never shared: no locks.
 * The cache owns its entries; an entry returned by respcache_get() is
 * valid until the next respcache_* call on the same cache.
 */
#ifndef BUREAU_RESPCACHE_H
#define BUREAU_RESPCACHE_H

#include <stddef.h>
#include <stdint.h>

struct respcache;

struct respcache_state {
	int64_t		 data_version;
	int64_t		 changes;
};

struct respcache_entry {
	int		 status;
	const char	*ctype;
	const char	*headers;	/* "Name: value\r\n" lines, may be "" */
	const char	*body;
	size_t		 body_len;
};

/* max_bytes 0 gives NULL without error: caching is off. */
struct respcache *respcache_new(size_t max_bytes);
void	respcache_free(struct respcache *);

/* Drops every entry unless st is the state they were stored under. */
void	respcache_validate(struct respcache *, const struct respcache_state *st);

/* The entry for key, or NULL; a hit makes it the most recently used. */
const struct respcache_entry *respcache_get(struct respcache *,
	    const char *key);

/*
 * Stores a copy under key, evicting least recently used entries to stay
 * within max_bytes; an entry bigger than a quarter of it is not kept.
 * 0 stored, 1 not kept (too big), -1 out of memory (nothing changed).
 */
int	respcache_put(struct respcache *, const char *key,
	    const struct respcache_entry *e);

/* Entries and bytes held, for tests and the benchmark notes. */
void	respcache_stats(const struct respcache *, size_t *entries,
	    size_t *bytes);

#endif
