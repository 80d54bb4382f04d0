/*
 * Unit tests: a log line is one line whatever the message holds.  The
 * values plugins log (names, paths, SQL errors) may carry control
 * characters; none may reach the stream, or one event could forge
 * another line or an ANSI sequence rewrite what an operator sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Logs "value=[arg]" with stderr sent to a temporary file; returns what
 * was written (malloc'ed, NUL-terminated) and its length in *len. */
static char *
capture(size_t *len, const char *arg)
{
	char path[] = "/tmp/test_log.XXXXXX", *buf;
	int fd, saved;
	long n;
	FILE *f;

	assert_true((fd = mkstemp(path)) >= 0);
	unlink(path);
	assert_true((saved = dup(STDERR_FILENO)) >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	log_msg(LOG_LVL_ERR, "value=[%s]", arg);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_non_null(f = fdopen(fd, "r"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) > 0);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
assert_one_clean_line(const char *buf, size_t len)
{
	size_t i;

	assert_true(len > 0);
	assert_int_equal(buf[len - 1], '\n');
	for (i = 0; i < len - 1; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			fail_msg("control byte 0x%02x at %zu in %s", c, i, buf);
	}
}

static void
test_every_control_flattened(void **state)
{
	char arg[64];
	size_t len, i, n = 0;
	char *out, *start, *end, *p;

	(void)state;
	/* Every control character but NUL (which ends the string) and
	 * tab, then DEL. */
	for (i = 1; i < 0x20; i++)
		if (i != '\t')
			arg[n++] = (char)i;
	arg[n++] = 0x7f;
	arg[n] = '\0';
	out = capture(&len, arg);
	assert_one_clean_line(out, len);
	/* Each became one space: the length and the frame survive. */
	assert_non_null(start = strstr(out, "value=["));
	assert_non_null(end = strstr(out, "]\n"));
	assert_int_equal(end - (start + 7), (long)n);
	for (p = start + 7; p < end; p++)
		assert_int_equal(*p, ' ');
	free(out);
}

static void
test_forged_line_and_ansi(void **state)
{
	size_t len;
	char *out;

	(void)state;
	out = capture(&len, "bob\r\n2026-01-01T00:00:00.000Z bureaud[1] info: login ok\x1b[2K\x1b[1A\b\a");
	assert_one_clean_line(out, len);
	assert_non_null(strstr(out, "bob  2026-01-01T00:00:00.000Z"));
	assert_non_null(strstr(out, "login ok [2K [1A  "));
	free(out);
}

static void
test_tab_and_text_kept(void **state)
{
	size_t len;
	char *out;

	(void)state;
	out = capture(&len, "a\tb 重庆 ~");
	assert_one_clean_line(out, len);
	assert_non_null(strstr(out, "value=[a\tb 重庆 ~]\n"));
	free(out);
}

static void
test_long_message_still_one_line(void **state)
{
	char *arg, *out;
	size_t len;

	(void)state;
	assert_non_null(arg = malloc(10000));
	memset(arg, '\n', 9999);
	arg[9999] = '\0';
	out = capture(&len, arg);
	assert_one_clean_line(out, len);
	assert_true(len <= 4096);
	free(out);
	free(arg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_control_flattened),
		cmocka_unit_test(test_forged_line_and_ansi),
		cmocka_unit_test(test_tab_and_text_kept),
		cmocka_unit_test(test_long_message_still_one_line),
	};

	log_init("test_log", LOG_LVL_DEBUG, 0);
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
