/*
 * log.c -- one line per event on stderr.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) a line is
 * "<6>[pid] message" and journald reads the level from the prefix and
 * stamps the time itself.  Elsewhere a line is
 * "2024-05-01T08:00:00.123Z bureaud[pid] info: message".
 *
 * Every line leaves in a single write(2): lines of concurrent threads and
 * of the master and its workers (who share the stream) never interleave
 * mid-line.  Control characters inside a message (everything below 0x20
 * but tab, and DEL) become spaces: CR and LF so one event is always one
 * line and a logged value cannot forge another entry; the rest (ESC
 * sequences, backspace, bell) so a value a plugin logs cannot
 * rewrite what a terminal or a log viewer shows of the line.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	4096

/* Set once by log_init before any thread exists; read-only afterwards. */
static const char	*log_progname = "bureaud";
static int		 log_max_level = LOG_LVL_INFO;
static int		 log_journald;

static const char *const log_level_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"
};

void
log_init(const char *progname, int max_level, int journald_prefix)
{
	if (progname != NULL && *progname != '\0')
		log_progname = progname;
	if (max_level < LOG_LVL_ERR)
		max_level = LOG_LVL_ERR;
	if (max_level > LOG_LVL_DEBUG)
		max_level = LOG_LVL_DEBUG;
	log_max_level = max_level;
	log_journald = journald_prefix != 0;
}

/* Writes all of buf, retrying on EINTR; a short write of a pipe or a
 * terminal is finished, the rest of a failure is dropped (nowhere to
 * report it). */
static void
log_write(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char		 line[LOG_LINE_MAX];
	size_t		 off, len, i;
	int		 n, saved_errno = errno;

	if (level > log_max_level)
		return;
	if (level < 0)
		level = LOG_LVL_ERR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;

	if (log_journald) {
		n = snprintf(line, sizeof(line), "<%d>[%ld] ", level,
		    (long)getpid());
	} else {
		struct timespec	ts;
		struct tm	tm;
		char		stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%ld] %s: ",
		    stamp, ts.tv_nsec / 1000000L, log_progname,
		    (long)getpid(), log_level_names[level]);
	}
	if (n < 0)
		goto out;
	off = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;

	errno = saved_errno;	/* so "%m" means the caller's errno */
	n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	if (n < 0)
		goto out;
	len = off + (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;		/* truncated; keep room for \n */

	for (i = off; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			line[i] = ' ';
	}
	line[len++] = '\n';
	log_write(line, len);
out:
	errno = saved_errno;
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
