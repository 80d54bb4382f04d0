/* Unit tests: the request arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "arena.h"

static void
test_alignment_and_growth(void **state)
{
	struct arena *a = arena_new(1024);
	char *big;
	void *p;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		p = arena_alloc(a, (size_t)i + 1);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0xab, (size_t)i + 1);
	}
	big = arena_alloc(a, 100000);	/* larger than a chunk */
	memset(big, 1, 100000);
	assert_true(arena_used(a) >= 100000);
	arena_reset(a);
	assert_int_equal(arena_used(a), 0);
	p = arena_calloc(a, 10, 10);
	for (i = 0; i < 100; i++)
		assert_int_equal(((unsigned char *)p)[i], 0);
	arena_free(a);
}

static void
test_strings(void **state)
{
	struct arena *a = arena_new(1024);

	(void)state;
	assert_string_equal(arena_strdup(a, "重庆"), "重庆");
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_string_equal(arena_printf(a, "%d-%s", 42, "x"), "42-x");
	assert_null(arena_strdup(a, NULL));
	arena_free(a);
}

/* A size next to SIZE_MAX must abort, not wrap the chunk size around
 * to a small malloc (a heap overflow). */
static void
test_absurd_size_aborts(void **state)
{
	struct arena *a;
	size_t sizes[] = { SIZE_MAX, SIZE_MAX - 16, SIZE_MAX - 20 };
	size_t i;
	pid_t pid;
	int status;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if ((pid = fork()) == 0) {
			a = arena_new(1024);
			(void)arena_alloc(a, sizes[i]);
			_exit(0);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGABRT);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_growth),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_absurd_size_aborts),
	};

	return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
