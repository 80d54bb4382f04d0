/*
 * argon2_verify -- the raw cost of one password verify with bureaud's
 * configured Argon2id parameters (libsodium's crypto_pwhash_str_verify,
 * what a login runs), alone and with P verifies at once.
 *
 *	argon2_verify -o OPSLIMIT -m MEMLIMIT_BYTES [-n COUNT] [-p PARALLEL]
 *
 * Prints one JSON line: the median and minimum seconds of one verify on
 * one thread (wall clock, and the CPU time it used: on a shared machine
 * the wall time includes waiting for a core, the CPU time does not), and
 * the verifies per second P threads reach together.  E4's
 * physical limit is min(hash cap, cores) / verify time; the parallel
 * figure shows whether the cores (and memory bandwidth) really scale.
 * Built by bench/run with cc.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

static char hash[crypto_pwhash_STRBYTES];
static const char pw[] = "bench-argon2-password";
static int count = 9;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *
verify_loop(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < count; i++)
		if (crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0)
			abort();
	return NULL;
}

int
main(int argc, char **argv)
{
	unsigned long long ops = 3;
	size_t mem = 128UL << 20;
	double *t, *cp, t0, c0, par_s;
	pthread_t *tid;
	int c, i, par = 2;

	while ((c = getopt(argc, argv, "o:m:n:p:")) != -1) {
		switch (c) {
		case 'o': ops = strtoull(optarg, NULL, 10); break;
		case 'm': mem = strtoull(optarg, NULL, 10); break;
		case 'n': count = atoi(optarg); break;
		case 'p': par = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: argon2_verify -o OPS -m BYTES "
			    "[-n COUNT] [-p PARALLEL]\n");
			return 2;
		}
	}
	if (sodium_init() < 0 || count < 1 || par < 1)
		return 1;
	if (crypto_pwhash_str(hash, pw, strlen(pw), ops, mem) != 0) {
		fprintf(stderr, "argon2_verify: out of memory\n");
		return 1;
	}
	if ((t = calloc((size_t)count, sizeof(*t))) == NULL ||
	    (cp = calloc((size_t)count, sizeof(*cp))) == NULL ||
	    (tid = calloc((size_t)par, sizeof(*tid))) == NULL)
		return 1;
	for (i = 0; i < count; i++) {
		t0 = now_s();
		c0 = cpu_s();
		if (crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0)
			return 1;
		t[i] = now_s() - t0;
		cp[i] = cpu_s() - c0;
	}
	qsort(t, (size_t)count, sizeof(*t), cmp_d);
	qsort(cp, (size_t)count, sizeof(*cp), cmp_d);
	t0 = now_s();
	if (par > 1) {
		for (i = 0; i < par; i++)
			pthread_create(&tid[i], NULL, verify_loop, NULL);
		for (i = 0; i < par; i++)
			pthread_join(tid[i], NULL);
	}
	par_s = now_s() - t0;
	printf("{\"opslimit\": %llu, \"memlimit\": %zu, \"count\": %d, "
	    "\"verify_median_s\": %.4f, \"verify_min_s\": %.4f, "
	    "\"verify_cpu_median_s\": %.4f, \"parallel\": %d, "
	    "\"parallel_per_s\": %.3f}\n", ops, mem, count, t[count / 2], t[0],
	    cp[count / 2], par, par > 1 ? par * count / par_s : 1.0 / t[count / 2]);
	return 0;
}
