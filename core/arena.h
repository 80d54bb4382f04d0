/*
 * arena -- per-request bump allocator.  Everything a request allocates
 * through it is released at once by arena_reset() when the request
 * finishes; nothing is freed one by one.
 */
#ifndef BUREAU_ARENA_H
#define BUREAU_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct arena	*arena_new(size_t chunk_size);
void		 arena_free(struct arena *);
/* Releases everything but the first chunk, ready for the next request. */
void		 arena_reset(struct arena *);
/* Aborts the process on out-of-memory: a worker that cannot allocate a
 * few KiB cannot answer anyway, and the master respawns it. */
void		*arena_alloc(struct arena *, size_t);
void		*arena_calloc(struct arena *, size_t n, size_t size);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_printf(struct arena *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *, const char *fmt, va_list);
size_t		 arena_used(const struct arena *);

#endif
