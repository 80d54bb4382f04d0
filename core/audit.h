/*
 * audit -- the append-only, hash-chained audit log.  Every entry is
 * written in the same transaction as the change it records; its hash is
 * keyed BLAKE2b over the previous hash and its own canonical content.
 */
#ifndef BUREAU_AUDIT_H
#define BUREAU_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <jansson.h>

#include "config.h"

struct bureau_req;

/* Loads the chain key (creating it 0600 if missing and create != 0). */
int	audit_key_load(const struct config *, int create);
/* Appends one entry; the caller holds the write transaction. */
int	audit_append(sqlite3 *, int64_t now, int64_t actor_id,
	    const char *actor_name, const char *ip, const char *action,
	    const char *entity_type, int64_t entity_id,
	    json_t *before, json_t *after);
/* The host API's audit(): actor and IP from the request. */
int	audit_from_req(struct bureau_req *, const char *action,
	    const char *entity_type, int64_t entity_id,
	    json_t *before, json_t *after);
/* Walks the chain; 0 when intact (err then says how many entries and
 * the head), else the id of the first broken entry in *bad_id (0 on a
 * database error), the reason in err, and -1. */
int	audit_verify(sqlite3 *, int64_t *bad_id, char *err, size_t errlen);

/*
 * A name typed at the sign-in form that matches no account is not stored
 * as text: it may be a password typed into the wrong field.  It is
 * stored as this keyed BLAKE2b-128 (hex) instead -- keyed so that
 * whoever reads the log cannot test guesses against it, with its own
 * domain string so it is never confused with a chain hash.  Equal names
 * give equal digests (repeated attempts show), and whoever holds the key
 * can check a candidate (`bureauctl audit name-hash NAME`).  0/-1 (key
 * not loaded).
 */
#define AUDIT_NAME_HEXLEN	32
int	audit_name_digest(const char *name, char out[AUDIT_NAME_HEXLEN + 1]);

#define AUDIT_HASH_HEXLEN	64
/* The newest entry: its id and hash; 0 and "genesis" when empty. 0/-1. */
int	audit_head(sqlite3 *, int64_t *id, char hash[AUDIT_HASH_HEXLEN + 1]);
/* Logs the chain head of cfg's database (worker start-up); quiet when
 * the database or table is not there yet. */
void	audit_log_head_file(const struct config *);
/*
 * The daily head line, written even on days without a single entry:
 * called at the end of every request (outside any transaction) with the
 * request's clock.  At most once a minute per process it reads the
 * settings row audit_head_logged_on; when that is not today's UTC date,
 * it logs the head and sets the row in one write transaction, so the
 * workers log one line a day between them.  Errors are logged only.
 */
void	audit_head_daily(sqlite3 *, int64_t now);
/* Unix seconds as UTC RFC 3339, "2024-05-01T08:00:00Z". */
void	audit_format_time(int64_t t, char out[21]);

#endif
