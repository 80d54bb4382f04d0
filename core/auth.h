/*
 * auth -- the core's authentication: passwords (Argon2id), sessions
 * (cookie + BLAKE2b hash in the database), CSRF, roles and permissions,
 * the login lane's hash cap.  Its routes (login, logout, me, password)
 * are core routes.
 */
#ifndef BUREAU_AUTH_H
#define BUREAU_AUTH_H

#include <stddef.h>
#include <sqlite3.h>

#include "bureau/plugin.h"
#include "config.h"
#include "request.h"

/* Process start-up: sodium_init, dummy hash, the hash-cap semaphore. */
int	auth_init(const struct config *);

/*
 * Reads the session cookie, loads an unexpired session and its active
 * user into req (has_user, user, session); touches last_seen at most
 * once a minute.  0 with or without a session; -1 on a database error.
 */
int	auth_session_load(struct bureau_req *);
/* 1 when the request's user holds the permission. */
int	auth_can(struct bureau_req *, const char *permission);
/* Unsafe method checks: X-CSRF-Token and Origin.  0 ok; -1 after having
 * answered 403 csrf_failed. */
int	auth_csrf_check(struct bureau_req *, unsigned route_flags);

/* Password rules: 12..128 code points, not a common password.  0 or -1
 * with a message for the user. */
int	auth_password_acceptable(const char *pw, const char *username,
	    const char **why);
/* Argon2id hash into out (crypto_pwhash_STRBYTES). 0/-1. */
int	auth_password_hash(const struct config *, const char *pw, char *out);

/* Core routes owned by auth (login, logout, me, password, audit). */
extern const struct bureau_route auth_routes[];

#endif
