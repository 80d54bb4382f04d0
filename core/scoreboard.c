/*
 * scoreboard.c -- the shared table of what every worker thread is doing.
 *
 * One anonymous shared mapping made by the master before it forks, so
 * every worker inherits the same pages and no file or name is involved.
 * A slot is written by its own thread only; the master reads.  The
 * strings are copied before the state flips to busy (release order), so
 * a reader that sees SB_BUSY sees this request's plugin and route.
 */
#include <config.h>		/* autoconf: _GNU_SOURCE */

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
