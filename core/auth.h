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
#include <jansson.h>

#include "bureau/plugin.h"
#include "config.h"
#include "request.h"

/* Process start-up: sodium_init, dummy hash, the hash-cap semaphore. */
int	auth_init(const struct config *);
/* Master: create the hash-cap semaphore before forking workers (they
 * find it by key) and remove it at the final stop. */
int	auth_master_init(const struct config *);
void	auth_master_fini(void);

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

/* Core routes owned by auth (login, logout, me, password). */
extern const struct bureau_route auth_routes[];

/* --- password.c --------------------------------------------------- */

/* Start-up: sodium, the cracklib dictionary check. */
int	auth_password_init(const struct config *);
/* The dummy hash (same cost as a real one, for unknown users). */
int	auth_password_dummy_init(const struct config *);
/* Code points in valid UTF-8 (no overlongs, surrogates); -1 if invalid. */
long	auth_utf8_len(const char *s, size_t len);
/* 0 when pw matches the Argon2id string, else -1. */
int	auth_password_verify(const char *hash, const char *pw);
/* 1 when hash was made with other parameters than cfg's. */
int	auth_password_needs_rehash(const struct config *, const char *hash);
/* Verifies pw against the dummy hash (logs "login: dummy verify" at
 * debug level, which the tests read). */
void	auth_password_dummy_verify(const char *pw);
/* A random password that passes the rules ("abcd-efgh-jkmn-pqrs", 80
 * bits) into out (>= 20 bytes). 0/-1. */
int	auth_password_generate(char *out, size_t outlen);

/* --- auth.c: sessions --------------------------------------------- */

#define AUTH_TOKEN_LEN		43	/* 32 bytes, base64url, no padding */
#define AUTH_REAUTH_SECONDS	900
#define AUTH_TEMP_PASSWORD_TTL	86400

/* The configuration auth_init was given (NULL before). */
const struct config *auth_config(void);
/* The hash-cap semaphore of this process, -1 when none. */
int	auth_hash_sem(void);
/* Creates a session for user_id (auth_time = now), sets the cookie and
 * fills req->session (rotated = 1).  Caller holds the transaction. */
int	auth_session_create(struct bureau_req *, int64_t user_id);
/* Revokes one session of user_id that is not revoked yet: 1, 0 when
 * there is no such session (another user's, say), -1 on error. */
int	auth_session_revoke_of(struct bureau_req *, int64_t user_id,
	    int64_t session_id);
/* Revokes every live session of a user but `except` (0: none); the
 * number revoked or -1. */
int	auth_sessions_revoke_user(struct bureau_req *, int64_t user_id,
	    int64_t except);
/* Set-Cookie that deletes the session cookie. */
int	auth_cookie_clear(struct bureau_req *);
/* Hashes with the hash cap held: 0 ok, -1 error, 1 cap full (503). */
int	auth_password_hash_capped(struct bureau_req *, const char *pw,
	    char *out);
/* The host API's accounts entries (struct bureau_host, for the staff
 * plugin); see plugin.h for their contracts. */
int	auth_host_password_hash(struct bureau_req *, const char *pw,
	    char *out, size_t outlen);
int	auth_host_password_check_rules(struct bureau_req *, const char *pw,
	    const char *username, const char **why);
int	auth_host_password_generate(struct bureau_req *, char *out,
	    size_t outlen);
int	auth_host_sessions_revoke(struct bureau_req *, int64_t user_id);
/* Fills in the permissions of a role, sorted (json array of strings). */
json_t	*auth_role_permissions(struct bureau_req *, const char *role);

#endif
