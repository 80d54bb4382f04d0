/*
 * fz -- what the libFuzzer targets of tests/fuzz/ share:
 *
 *  - fz_utf8_valid(): an independent strict UTF-8 check, the oracle the
 *    parsing targets hold the core's decoders to;
 *  - a served environment without sockets: the core's real request
 *    pipeline (request_handle: parse, route, session, permission, CSRF,
 *    body, handler, response) over in-memory FastCGI streams, with an
 *    in-memory SQLite database that has the core's and the linked
 *    plugins' migrations, two users, a signed-in admin session and a few
 *    records made through the plugins' own handlers; the database is
 *    restored from a snapshot before every input, so a crash reproduces
 *    from its input alone;
 *  - fz_check_response(): what every answer must be (one response, a
 *    status line, Content-Length that matches, no header injection,
 *    JSON bodies that parse, errors in the documented shape, no 5xx).
 *
 * Plugins are linked in statically: each plugin's sources are compiled
 * with -Dbureau_plugin=fz_plugin_NAME (tests/fuzz/fuzz.mk), and the
 * target lists the descriptors it wants in FZ_PLUGINS.
 */
#ifndef BUREAU_FZ_H
#define BUREAU_FZ_H

#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>

#include "bureau/plugin.h"

struct thread_ctx;

/* Strict UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int	fz_utf8_valid(const unsigned char *, size_t);

/* Aborts with a message (a finding): libFuzzer saves the input. */
void	fz_fail(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Appends s at *end and moves *end past it (NUL kept after it): building
 * a string piece by piece in linear time, where strcat rescans it all
 * (quadratic in the pairs of a 4 KB input).
 */
void	fz_append(char **end, const char *s);

/* Checks on each of n items that cost O(n) themselves (a lookup in the
 * list, a search of the input) run on the first FZ_CHECK_ALL and the
 * last only: all of them would make a target quadratic. */
#define FZ_CHECK_ALL	64
#define FZ_CHECK(i, n)	((i) < FZ_CHECK_ALL || (i) + 1 == (n))

/* --- the served environment ----------------------------------------- */

/* What a request carries besides its FastCGI params. */
#define FZ_SESSION	0x01u	/* the admin session cookie */
#define FZ_CSRF		0x02u	/* X-CSRF-Token and Origin */
#define FZ_NO_RESTORE	0x04u	/* the caller ran fz_restore_due() */

/*
 * Sets up everything once (idempotent): config, in-memory database,
 * migrations, users, session, the plugins in `plugins` (NULL-terminated,
 * in dependency order) with their routes beside the core's, then calls
 * seed() (may be NULL) to create records through the handlers, and
 * takes the snapshot.
 */
void	fz_env_init(const struct bureau_plugin *const *plugins,
	    void (*seed)(void));

/* The response of the last fz_serve(). */
struct fz_resp {
	int		 status;
	const char	*ctype;		/* Content-Type value, or "" */
	const char	*headers;	/* the header block, NUL-terminated */
	const char	*body;
	size_t		 body_len;
};

/*
 * Serves one request through request_handle().  envp: "NAME=value"
 * strings (NULL-terminated); the session cookie, CSRF token and Origin
 * are added per flags.  body: what the stream holds (may differ from
 * CONTENT_LENGTH).  Restores the database snapshot first when one is
 * due (see fz_restore_due) unless FZ_NO_RESTORE.  Returns the parsed response; aborts when it is not a
 * well-formed one.
 */
const struct fz_resp *fz_serve(const char *const *envp, unsigned flags,
	    const void *body, size_t body_len);

/* Convenience: method, path?query, optional content type, body. */
const struct fz_resp *fz_request(const char *method, const char *uri,
	    const char *ctype, unsigned flags, const void *body,
	    size_t body_len);

/* The state the last request left becomes the snapshot (seeding). */
void	fz_keep_state(void);
/* Restores the snapshot. */
void	fz_restore(void);
/*
 * Restores the snapshot when one is due: after every write, or after
 * FZ_RESTORE_EVERY of them in long runs.  fz_serve() does it first; a
 * target that measures the database before a request calls it itself,
 * measures, and passes FZ_NO_RESTORE.
 */
void	fz_restore_due(void);
/* The serving thread's context (database, arena) for checks. */
struct thread_ctx *fz_thread(void);
/* Aborts when PRAGMA integrity_check / foreign_key_check / the audit
 * chain find a problem, or when a query of `must_be_empty` (may be
 * NULL; NULL-terminated) returns a row. */
void	fz_check_db(const char *const *must_be_empty);
/* 1 when the request's answer may change the database (2xx to an
 * unsafe method). */
int	fz_wrote(const char *method, const struct fz_resp *);

/* 1 when the last request committed a write to table. */
int	fz_committed(const char *table);
/* Aborts when the last request committed a write to a table not in
 * allowed (NULL-terminated). */
void	fz_check_unchanged(const char *const *allowed);

/* Ids of the seeded records (0 when the plugin is not linked). */
extern int64_t fz_admin_id, fz_officer_id;

#endif
