/*
 * scoreboard.c -- the shared table of what every worker thread is doing.
 *
 * One anonymous shared mapping made by the master before it forks, so
 * every worker inherits the same pages and no file or name is involved.
 * A slot is written by its own thread only; the master reads.  The
 * strings are copied before the state flips to busy (release order), so
 * a reader that sees SB_BUSY sees this request's plugin and route.
 */

#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "scoreboard.h"

static size_t
scoreboard_size(uint32_t nslots)
{
	return sizeof(struct scoreboard) + (size_t)nslots *
	    sizeof(struct sb_slot);
}

struct scoreboard *
scoreboard_create(uint32_t nslots)
{
	struct scoreboard	*sb;

	sb = mmap(NULL, scoreboard_size(nslots), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED)
		return NULL;
	/* Fresh anonymous pages are zero: every slot idle, pid 0. */
	sb->nslots = nslots;
	return sb;
}

void
scoreboard_destroy(struct scoreboard *sb)
{
	if (sb != NULL)
		munmap(sb, scoreboard_size(sb->nslots));
}

int64_t
scoreboard_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
scoreboard_copy(char *dst, size_t size, const char *src)
{
	size_t	len = 0;

	if (src != NULL) {
		len = strlen(src);
		if (len >= size)
			len = size - 1;
		memcpy(dst, src, len);
	}
	dst[len] = '\0';
}

void
scoreboard_busy(struct sb_slot *slot, const char *plugin, const char *route,
    const char *req_id)
{
	if (slot == NULL)
		return;
	scoreboard_copy(slot->plugin, sizeof(slot->plugin), plugin);
	scoreboard_copy(slot->route, sizeof(slot->route), route);
	scoreboard_copy(slot->req_id, sizeof(slot->req_id), req_id);
	/* Marked busy again once routed: the clock keeps running. */
	if (slot->state != SB_BUSY)
		slot->started_ms = scoreboard_now_ms();
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->state = SB_BUSY;
}

void
scoreboard_idle(struct sb_slot *slot)
{
	if (slot == NULL)
		return;
	slot->state = SB_IDLE;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->requests = slot->requests + 1;
}

/* --- the published enabled set ------------------------------------- */

void
scoreboard_publish_enabled(struct scoreboard *sb, const char *const *names,
    size_t count)
{
	struct sb_enabled	*e;
	size_t			 i, j;

	if (sb == NULL)
		return;
	e = &sb->enabled;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (count > SB_PLUGINS_MAX) {
		/* Better no filter than a wrong one. */
		e->valid = 0;
		e->count = 0;
	} else {
		for (i = 0; i < count; i++) {
			for (j = 0; j + 1 < SB_PLUGIN_NAME &&
			    names[i][j] != '\0'; j++)
				e->names[i][j] = names[i][j];
			e->names[i][j] = '\0';
		}
		e->count = (uint32_t)count;
		e->valid = 1;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	/* After the set: a worker that sees the new generation sees it. */
	__atomic_store_n(&sb->plugin_generation, sb->plugin_generation + 1,
	    __ATOMIC_RELEASE);
}

void
scoreboard_forget_enabled(struct scoreboard *sb)
{
	struct sb_enabled	*e;

	if (sb == NULL)
		return;
	e = &sb->enabled;
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->valid = 0;
	e->count = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&e->seq, e->seq + 1, __ATOMIC_RELAXED);
}

/* One published name against plugin, byte by byte off shared memory. */
static int
scoreboard_name_is(const volatile char *name, const char *plugin)
{
	size_t	i;

	for (i = 0; i < SB_PLUGIN_NAME; i++) {
		if (name[i] != plugin[i])
			return 0;
		if (plugin[i] == '\0')
			return 1;
	}
	return 0;
}

int
scoreboard_plugin_live(const struct scoreboard *sb, uint64_t app_generation,
    const char *plugin)
{
	const struct sb_enabled	*e;
	uint32_t		 s1, s2, n, i;
	int			 valid, found, spins = 0;

	if (sb == NULL || __atomic_load_n(&sb->plugin_generation,
	    __ATOMIC_ACQUIRE) == app_generation)
		return 1;
	e = &sb->enabled;
	for (;;) {
		s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			/* The master is writing: a few stores, unless it was
			 * descheduled in the middle of them. */
			if (++spins % 64 == 0)
				sched_yield();
			continue;
		}
		valid = e->valid != 0;
		n = e->count;
		found = 0;
		for (i = 0; valid && !found && i < n && i < SB_PLUGINS_MAX;
		    i++)
			found = scoreboard_name_is(e->names[i], plugin);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
		if (s1 == s2)
			return !valid || found;
	}
}
