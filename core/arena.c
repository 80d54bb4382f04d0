/*
 * arena.c -- per-request bump allocator.
 *
 * Chunks are malloc'ed and chained; allocations are 16-byte aligned.
 * A request that needs more than one chunk gets more; arena_reset()
 * returns to the first chunk so a steady worker stops calling malloc.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"

#define ARENA_ALIGN	16

struct chunk {
	struct chunk	*next;
	size_t		 size;		/* usable bytes in data */
	size_t		 used;
	_Alignas(ARENA_ALIGN) unsigned char data[]; /* malloc aligns the header */
};

struct arena {
	struct chunk	*head;		/* current chunk, newest first */
	size_t		 chunk_size;
	size_t		 total;		/* bytes handed out since reset */
};

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c;

	c = malloc(sizeof(*c) + size);
	if (c == NULL) {
		/* Nothing sensible to answer with; the master respawns us. */
		log_err("arena: out of memory (%zu bytes)", size);
		abort();
	}
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_new(size_t chunk_size)
{
	struct arena *a;

	if (chunk_size < 1024)
		chunk_size = 1024;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		abort();
	a->chunk_size = chunk_size;
	a->head = chunk_new(chunk_size);
	return a;
}

void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void
arena_reset(struct arena *a)
{
	struct chunk *c, *next;

	/* Keep only the oldest chunk (the last in the chain). */
	for (c = a->head; c->next != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = c;
	c->used = 0;
	a->total = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t off, need;
	void *p;

	if (n == 0)
		n = 1;
	/* A new chunk adds its header: keep header + n + alignment in
	 * range, or malloc would get a wrapped-around small size. */
	if (n > SIZE_MAX - sizeof(struct chunk) - ARENA_ALIGN) {
		log_err("arena: absurd allocation of %zu bytes", n);
		abort();
	}
	off = (c->used + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (off > c->size || c->size - off < n) {
		need = n > a->chunk_size ? n : a->chunk_size;
		c = chunk_new(need);
		c->next = a->head;
		a->head = c;
		off = 0;
	}
	p = c->data + off;
	c->used = off + n;
	a->total += n;
	return p;
}

void *
arena_calloc(struct arena *a, size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size) {
		log_err("arena: calloc overflow");
		abort();
	}
	p = arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	if (s == NULL)
		return NULL;
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return arena_strdup(a, "");
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}
