/*
 * audit -- the append-only, hash-chained audit log.  Every entry is
 * written in the same transaction as the change it records; its hash is
 * keyed BLAKE2b over the previous hash and its own canonical content.
 */
#ifndef BUREAU_AUDIT_H
#define BUREAU_AUDIT_H

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
/* Walks the chain; 0 when intact, else the id of the first broken entry
 * in *bad_id and -1. */
int	audit_verify(sqlite3 *, int64_t *bad_id, char *err, size_t errlen);

#endif
