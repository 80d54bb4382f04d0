/*
 * hashcap -- caps the Argon2id computations running at once across all
 * processes with a SysV semaphore taken with SEM_UNDO, so a worker
 * killed while hashing gives its slot back.  Over the cap the caller
 * answers 503 at once; nobody waits.
 */
#ifndef BUREAU_HASHCAP_H
#define BUREAU_HASHCAP_H

/* Master/bureauctl: create (or find) the semaphore for this db path with
 * `slots` slots; returns its id or -1. */
int	hashcap_create(const char *key_path, int slots);
/* 0 when a slot was taken, -1 when none is free (no waiting). */
int	hashcap_try_acquire(int semid);
void	hashcap_release(int semid);
/* Slots currently free (tests, status). */
int	hashcap_free_slots(int semid);
/* Removes the set (a last shutdown, tests); 0/-1. */
int	hashcap_remove(int semid);

#endif
