/*
 * config -- bureau.conf (INI, parsed with libinih) plus command-line
 * overrides "section.key=value".  Loaded once at start-up; read-only
 * afterwards, so every thread may read it without locks.
 */
#ifndef BUREAU_CONFIG_H
#define BUREAU_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct config {
	char		*path;			/* file it came from, or NULL */

	/* [server] */
	char		*api_socket;		/* unix socket for /api/ */
	char		*login_socket;		/* unix socket for the login lane */
	char		*control_socket;	/* root-only, for bureauctl */
	int		 api_fd;		/* inherited listen fd, -1 if none */
	int		 login_fd;
	int		 workers;		/* api worker processes (N) */
	int		 threads;		/* threads per api worker (M) */
	int		 login_workers;
	int		 login_threads;
	char		*user;			/* drop to this user, or NULL */
	char		*group;
	size_t		 body_limit;		/* bytes, JSON bodies */
	size_t		 import_limit;		/* bytes, CSV import bodies */
	int		 stuck_limit;		/* seconds before a request is killed */
	int		 socket_mode;		/* 0660 */
	size_t		 response_cache;	/* bytes per serving thread, 0 = off */

	/* [database] */
	char		*db_path;
	int		 busy_timeout_ms;

	/* [plugins] */
	char		*plugin_dir;
	char		*probe_path;		/* the bureaud binary for --probe */

	/* [auth] */
	char		*public_origin;		/* "https://bureau.example.gov.cn" */
	int		 dev_mode;		/* plain-HTTP localhost: no __Host-/Secure */
	int		 session_idle;		/* seconds, default 1800 */
	int		 session_absolute;	/* seconds, default 43200 */
	unsigned long long pw_opslimit;		/* Argon2id passes, default 3 */
	size_t		 pw_memlimit;		/* bytes, default 128 MiB */
	int		 hash_cap;		/* concurrent hashes, 0 = cores-1 */
	int		 lock_failures;		/* failed logins that lock an account */
	int		 lock_window;		/* seconds they are counted over */
	int		 lock_seconds;		/* how long the lock lasts */
	int		 ip_failures;		/* per address in the window, 0 = off */
	char		*audit_key_path;	/* key for the audit hash chain */

	/* [log] */
	int		 log_level;		/* LOG_LVL_* */

	/* [testing] -- never set in production */
	char		*clock_file;		/* unix seconds offset read per request */
};

/* Defaults, then the file (if path is not NULL), then nothing else. */
int	config_load(struct config *, const char *path, char *err, size_t errlen);
/* One override, "section.key=value" or "key=value"; 0/-1. */
int	config_set(struct config *, const char *assignment, char *err, size_t errlen);
/* Sanity of the whole: paths set, numbers in range. */
int	config_check(const struct config *, char *err, size_t errlen);
/* Prints the effective configuration, INI form (for --check-config). */
void	config_print(const struct config *, int fd);
void	config_free(struct config *);

#endif
