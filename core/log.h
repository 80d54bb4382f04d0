/*
 * log -- one line per event to stderr (journald picks it up under
 * systemd, with the <N> level prefix it understands).  Never pass
 * passwords, tokens or cookies here.
 */
#ifndef BUREAU_LOG_H
#define BUREAU_LOG_H

#include <stdarg.h>

#define LOG_LVL_ERR	3
#define LOG_LVL_WARNING	4
#define LOG_LVL_NOTICE	5
#define LOG_LVL_INFO	6
#define LOG_LVL_DEBUG	7

/* Set once at start-up, before any thread exists. */
void	log_init(const char *progname, int max_level, int journald_prefix);
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(int level, const char *fmt, va_list);
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
/* Start-up only: log and exit(1). */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
