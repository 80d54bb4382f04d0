/*
 * hashcap.c -- a cross-process cap on Argon2id computations.
 *
 * A SysV semaphore set of two:
 *   [0] free slots, taken with SEM_UNDO|IPC_NOWAIT, so the kernel gives
 *       a slot back when a worker dies while hashing (a POSIX semaphore
 *       slot held by a killed process would never return);
 *   [1] the configured total, 0 until the creator has initialised [0].
 *       Others wait for it to turn non-zero: semget(IPC_CREAT|IPC_EXCL)
 *       creates the set with zeroes, and between that and the SETVAL a
 *       second process must not take a slot that is not there yet.
 *
 * The key comes from ftok() on a file of the instance (the database), so
 * every process of one instance finds the same set.  A set outlives its
 * processes; a restart with another cap adjusts [0] by the difference.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "hashcap.h"
#include "log.h"

#define HASHCAP_PROJ	'B'
#define SEM_FREE	0
#define SEM_TOTAL	1
#define INIT_WAIT_MS	5000

/* glibc leaves union semun to the caller. */
union hashcap_semun {
	int		 val;
	struct semid_ds	*buf;
	unsigned short	*array;
};

static void
hashcap_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Waits until the creator has published the total; returns it or -1. */
static int
hashcap_wait_ready(int semid)
{
	long waited;
	int total;

	for (waited = 0; waited < INIT_WAIT_MS; waited += 10) {
		total = semctl(semid, SEM_TOTAL, GETVAL);
		if (total == -1)
			return -1;
		if (total > 0)
			return total;
		hashcap_sleep_ms(10);
	}
	errno = ETIMEDOUT;
	return -1;
}

/* A set found from an earlier run may carry another cap: move both
 * values by the difference in one atomic semop.  Shrinking while slots
 * are held would block, so it is tried without waiting and otherwise
 * left for the next start. */
static void
hashcap_adjust(int semid, int have, int want)
{
	struct sembuf ops[2];
	int delta = want - have;

	if (delta == 0)
		return;
	ops[0].sem_num = SEM_FREE;
	ops[0].sem_op = (short)delta;
	ops[0].sem_flg = IPC_NOWAIT;
	ops[1].sem_num = SEM_TOTAL;
	ops[1].sem_op = (short)delta;
	ops[1].sem_flg = IPC_NOWAIT;
	if (semop(semid, ops, 2) == -1)
		log_warn("hashcap: cannot change the cap from %d to %d now "
		    "(slots in use); keeping %d", have, want, have);
	else
		log_info("hashcap: cap changed from %d to %d", have, want);
}

int
hashcap_create(const char *key_path, int slots)
{
	union hashcap_semun arg;
	struct sembuf op;
	key_t key;
	int semid, total;

	if (slots < 1)
		slots = 1;
	if (slots > 1000)
		slots = 1000;
	if ((key = ftok(key_path, HASHCAP_PROJ)) == (key_t)-1) {
		log_err("hashcap: ftok %s: %m", key_path);
		return -1;
	}

	semid = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
	if (semid != -1) {
		/* We created it: fill the slots, then publish the total. */
		arg.val = slots;
		if (semctl(semid, SEM_FREE, SETVAL, arg) == -1)
			goto fail_created;
		op.sem_num = SEM_TOTAL;
		op.sem_op = (short)slots;
		op.sem_flg = 0;
		if (semop(semid, &op, 1) == -1)
			goto fail_created;
		log_info("hashcap: created, %d slot(s)", slots);
		return semid;
	}
	if (errno != EEXIST) {
		log_err("hashcap: semget: %m");
		return -1;
	}
	if ((semid = semget(key, 2, 0)) == -1) {
		log_err("hashcap: semget (existing): %m");
		return -1;
	}
	if ((total = hashcap_wait_ready(semid)) == -1) {
		log_err("hashcap: set never became ready: %m");
		return -1;
	}
	hashcap_adjust(semid, total, slots);
	return semid;

fail_created:
	log_err("hashcap: initialising: %m");
	(void)semctl(semid, 0, IPC_RMID);
	return -1;
}

int
hashcap_try_acquire(int semid)
{
	struct sembuf op = { SEM_FREE, -1, SEM_UNDO | IPC_NOWAIT };

	if (semid < 0)
		return 0;	/* no cap configured (bureauctl, tests) */
	while (semop(semid, &op, 1) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EIDRM || errno == EINVAL) {
			/* Removed under us (an old generation outliving its
			 * master's stop): serve uncapped rather than refuse
			 * every login. */
			log_warn("hashcap: semaphore gone; not capping");
			return 0;
		}
		if (errno != EAGAIN)
			log_err("hashcap: acquire: %m");
		return -1;
	}
	return 0;
}

void
hashcap_release(int semid)
{
	struct sembuf op = { SEM_FREE, 1, SEM_UNDO };

	if (semid < 0)
		return;
	while (semop(semid, &op, 1) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EIDRM && errno != EINVAL)
			log_err("hashcap: release: %m");
		return;
	}
}

int
hashcap_free_slots(int semid)
{
	if (semid < 0)
		return -1;
	return semctl(semid, SEM_FREE, GETVAL);
}

int
hashcap_remove(int semid)
{
	if (semid < 0)
		return 0;
	return semctl(semid, 0, IPC_RMID) == -1 ? -1 : 0;
}
