/*
 * bureau/plugin.h -- the one public header for bureau plugins.
 *
 * A plugin is a shared object that exports exactly one symbol,
 * `bureau_plugin`, a constant descriptor.  Everything a plugin may ask of
 * the core reaches it as the function table `struct bureau_host`, handed to
 * init() and reachable from every request with bureau_host_of().  Nothing
 * else of the core is visible to a plugin (the core is built with
 * -fvisibility=hidden and without -rdynamic).
 *
 * ABI rule (Apache's): a plugin loads when its abi_major equals the host's
 * and its abi_minor is not newer than the host's.  Fields are only ever
 * appended to the structs below; `size` tells the host how much a plugin
 * knows of them.
 *
 * Ownership, written down once:
 *  - Strings and tables in the descriptor are static and owned by the plugin.
 *  - Everything handed to a handler (request, strings, json_t from
 *    req_json) is owned by the host and valid until the handler returns.
 *  - Memory from alloc/strdup/printf lives until the request finishes.
 *  - resp_json() steals the reference to the json_t it is given.
 *  - Statements from db_prepare() are cached by the host: never finalize
 *    them; they are reset when the request ends.  Reset one yourself
 *    when done with it: asking for the same SQL while its statement is
 *    still stepped (a loop calling a helper using the same text) gives
 *    NULL rather than silently restarting the loop's statement.
 */
#ifndef BUREAU_PLUGIN_H
#define BUREAU_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#include <jansson.h>
#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BUREAU_PLUGIN_MAGIC	0x42555231u	/* "BUR1" */
#define BUREAU_ABI_MAJOR	1
#define BUREAU_ABI_MINOR	2	/* 1: BUREAU_ROUTE_CACHEABLE,
					 * 2: req_session_id,
					 * session_revoke */

#define BUREAU_STR_(x)	#x
#define BUREAU_STR(x)	BUREAU_STR_(x)

#if defined(__SANITIZE_ADDRESS__)
#define BUREAU_SIG_SAN	"asan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUREAU_SIG_SAN	"asan"
#endif
#endif
#ifndef BUREAU_SIG_SAN
#define BUREAU_SIG_SAN	"nosan"
#endif

/*
 * The build signature: what must match between host and plugin beyond the
 * ABI numbers (nginx's idea).  A plugin built with a different pointer
 * size, time_t, Jansson or SQLite major, or sanitizer setting is refused.
 */
#define BUREAU_BUILD_SIGNATURE						\
	"ptr" BUREAU_STR(__SIZEOF_POINTER__)				\
	"/time_t" BUREAU_STR(__SIZEOF_LONG__)				\
	"/jansson" BUREAU_STR(JANSSON_MAJOR_VERSION)			\
	"/sqlite3"						\
	"/" BUREAU_SIG_SAN

/* Permission names with a meaning to the router. */
#define BUREAU_PERM_PUBLIC	"public"	/* no session needed */
#define BUREAU_PERM_SESSION	"session"	/* any signed-in user */

/* Route flags. */
#define BUREAU_ROUTE_RAW_BODY	0x01u	/* body is not JSON: no parse, no 415 */
#define BUREAU_ROUTE_REAUTH	0x02u	/* needs a login in the last 15 min */
#define BUREAU_ROUTE_NO_CSRF	0x04u	/* unsafe method without session CSRF
					 * (login only: it has no session yet) */
#define BUREAU_ROUTE_PW_CHANGE	0x08u	/* allowed while must_change_password */
/*
 * GET only: the answer is a function of the URI (path and query string),
 * the database and today's date -- never of who asks, beyond the route's
 * permission, nor of the clock's time of day.  The host may then answer a
 * repeated request from a per-thread cache that any commit, by any
 * connection, empties (docs/PLUGINS.md).  Authentication, permission and
 * liveness checks run first on every request, cached or not.  Only 200
 * answers are kept.  New in ABI 1.1: an older host refuses the plugin.
 */
#define BUREAU_ROUTE_CACHEABLE	0x10u

/* Log levels for host->log. */
#define BUREAU_LOG_ERR		3
#define BUREAU_LOG_WARNING	4
#define BUREAU_LOG_INFO		6
#define BUREAU_LOG_DEBUG	7

struct bureau_req;
struct bureau_host;

/*
 * A route handler sends exactly one response through the host and returns
 * 0.  Returning -1 without having sent a response makes the host answer
 * 500 with a request id (and roll back an open transaction).
 */
typedef int (*bureau_handler_fn)(struct bureau_req *req, void *state);

struct bureau_route {
	const char		*method;	/* "GET", "POST", "PUT", "PATCH", "DELETE" */
	/*
	 * Path pattern.  A segment "{name}" matches a positive decimal
	 * integer (read it with req_param_id); "{name:slug}" matches
	 * [a-z0-9_-]{1,64}; "{name:date}" matches a real calendar date
	 * YYYY-MM-DD (2021-02-29 does not match).  No trailing
	 * slash: "/x/" never matches "/x".
	 */
	const char		*pattern;
	bureau_handler_fn	 handler;
	const char		*permission;	/* required; deny by default */
	unsigned		 flags;		/* BUREAU_ROUTE_* */
};

struct bureau_migration {
	int			 version;	/* 1, 2, 3 ... strictly increasing */
	const char		*description;
	const char		*sql;		/* run with sqlite3_exec() */
	/* Optional code step, run after sql in the same transaction. */
	int			(*apply)(sqlite3 *db);
	unsigned		 flags;
};
#define BUREAU_MIGRATION_REBUILD 0x01u	/* needs foreign_keys=OFF (SQLite's
					 * table-rebuild recipe) */

struct bureau_permission {
	const char		*name;		/* "projects.read" */
	const char		*description;
	/* Roles granted this permission by default, comma separated:
	 * "admin,officer,viewer".  Admins may change the map later. */
	const char		*default_roles;
};

struct bureau_nav {
	const char		*id;		/* "projects" */
	const char		*label_zh;
	const char		*label_en;
	const char		*href;		/* "#/projects" */
	const char		*module;	/* UI module, "/plugins/projects/index.js" */
	const char		*permission;	/* shown only to roles holding it */
	int			 order;
};

struct bureau_user {
	int64_t			 id;
	const char		*username;
	const char		*display_name;
	const char		*title;
	const char		*role;		/* admin|officer|viewer|auditor|system */
	const char		*language;	/* zh-CN|en */
};

/*
 * The host API.  One instance per process, const, safe from any thread.
 */
struct bureau_host {
	uint32_t		 size;		/* sizeof(struct bureau_host) */
	uint16_t		 abi_major;
	uint16_t		 abi_minor;

	/* --- request ------------------------------------------------ */
	const char	*(*req_method)(struct bureau_req *);
	const char	*(*req_path)(struct bureau_req *);	/* decoded */
	const char	*(*req_id)(struct bureau_req *);	/* for logs */
	const char	*(*req_remote_addr)(struct bureau_req *);
	/* Path parameter of a "{name}" segment, > 0; 0 when absent. */
	int64_t		 (*req_param_id)(struct bureau_req *, const char *name);
	const char	*(*req_param)(struct bureau_req *, const char *name);
	/* First value of a query key, "" for "?k" or "?k=", NULL if absent. */
	const char	*(*req_query)(struct bureau_req *, const char *name);
	/* Number of values of a repeated key and the n-th of them. */
	size_t		 (*req_query_count)(struct bureau_req *, const char *name);
	const char	*(*req_query_nth)(struct bureau_req *, const char *name,
			    size_t n);
	/* Request header by its HTTP name ("If-Match"), NULL if absent. */
	const char	*(*req_header)(struct bureau_req *, const char *name);
	/* Parsed JSON body (borrowed), NULL when the route has none. */
	json_t		*(*req_json)(struct bureau_req *);
	/* Raw body; for BUREAU_ROUTE_RAW_BODY routes. */
	const char	*(*req_body)(struct bureau_req *, size_t *len);
	const char	*(*req_content_type)(struct bureau_req *);
	/* The signed-in user, NULL on public routes without a session. */
	const struct bureau_user *(*req_user)(struct bureau_req *);
	/* 1 when the current user's role holds the permission. */
	int		 (*req_can)(struct bureau_req *, const char *permission);

	/* --- response: call exactly one resp_* per request ----------- */
	int		 (*resp_json)(struct bureau_req *, int status, json_t *body);
	int		 (*resp_error)(struct bureau_req *, int status,
			    const char *code, const char *field,
			    const char *message);
	/* Any other body (CSV, XLSX); filename adds Content-Disposition. */
	int		 (*resp_body)(struct bureau_req *, int status,
			    const char *content_type, const char *filename,
			    const void *data, size_t len);
	/* Extra header for the coming response (ETag, Location). */
	int		 (*resp_header)(struct bureau_req *, const char *name,
			    const char *value);

	/* --- memory released when the request finishes ------------- */
	void		*(*alloc)(struct bureau_req *, size_t);
	char		*(*strdup)(struct bureau_req *, const char *);
	char		*(*printf)(struct bureau_req *, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));

	/* --- database: the calling thread's own connection ---------- */
	sqlite3		*(*db)(struct bureau_req *);
	/*
	 * Cached prepared statement; NULL and a logged error on failure,
	 * and when the same SQL's statement is still being stepped (not
	 * run to SQLITE_DONE, not reset): reset a statement when done.
	 */
	sqlite3_stmt	*(*db_prepare)(struct bureau_req *, const char *sql);
	int		 (*db_begin)(struct bureau_req *);	/* BEGIN IMMEDIATE */
	int		 (*db_commit)(struct bureau_req *);
	void		 (*db_rollback)(struct bureau_req *);

	/*
	 * Audit entry in the current transaction: action such as
	 * "project.create", entity type and id, before/after snapshots
	 * (borrowed, may be NULL; never put secrets in them).
	 */
	int		 (*audit)(struct bureau_req *, const char *action,
			    const char *entity_type, int64_t entity_id,
			    json_t *before, json_t *after);

	/* --- time: injectable for tests ---------------------------- */
	int64_t		 (*now)(struct bureau_req *);	/* unix seconds */
	/* Today's date in Asia/Shanghai as YYYY-MM-DD. */
	void		 (*today)(struct bureau_req *, char out[11]);

	void		 (*log)(int level, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));

	/* --- accounts (for the staff plugin) ------------------------ */
	/*
	 * Argon2id hash of pw with the configured parameters into out
	 * (outlen >= 128), holding a slot of the login hash cap: 0 ok,
	 * -1 error, 1 when the cap is full (answer 503 "busy").
	 */
	int		 (*password_hash)(struct bureau_req *, const char *pw,
			    char *out, size_t outlen);
	/* The rules for a new password (12..128 code points, not common,
	 * not the user name): 0, or -1 with a message for the user. */
	int		 (*password_check_rules)(struct bureau_req *,
			    const char *pw, const char *username,
			    const char **why);
	/* A random password that passes the rules; out >= 20 bytes. 0/-1. */
	int		 (*password_generate)(struct bureau_req *, char *out,
			    size_t outlen);
	/* Signs a user out everywhere, in the current transaction; the
	 * number of sessions revoked or -1. */
	int		 (*sessions_revoke)(struct bureau_req *,
			    int64_t user_id);

	/* --- request, continued ------------------------------------- */
	/*
	 * The n-th query pair in request order, repeated keys kept
	 * (decoded, borrowed): 0, or -1 when n is past the end.  May be
	 * NULL in a host that predates it.
	 */
	int		 (*req_query_at)(struct bureau_req *, size_t n,
			    const char **key, const char **value);
	/*
	 * The id (sessions.id) of the session the request came with, 0
	 * without one: to tell the caller's own session in a list.  New
	 * in ABI 1.2.
	 */
	int64_t		 (*req_session_id)(struct bureau_req *);
	/*
	 * Ends one session of a user, in the current transaction: 1, 0
	 * when session_id is not a live session of that user, -1 on error.
	 * New in ABI 1.2.
	 */
	int		 (*session_revoke)(struct bureau_req *, int64_t user_id,
			    int64_t session_id);

	void		*spare[9];
};

struct bureau_plugin {
	uint32_t		 magic;		/* BUREAU_PLUGIN_MAGIC */
	uint16_t		 abi_major;	/* must equal the host's */
	uint16_t		 abi_minor;	/* must be <= the host's */
	uint32_t		 size;		/* sizeof(struct bureau_plugin) */
	const char		*signature;	/* BUREAU_BUILD_SIGNATURE */

	const char		*name;		/* [a-z][a-z0-9_]{0,31} */
	const char		*version;	/* "1.2.0" */
	const char		*title;
	const char		*description;
	const char *const	*depends;	/* NULL-terminated names */

	const struct bureau_migration	*migrations;	/* ends with version 0 */
	const struct bureau_route	*routes;	/* ends with method NULL */
	const struct bureau_permission	*permissions;	/* ends with name NULL */
	const struct bureau_nav		*nav;		/* ends with id NULL */

	/* Called once per worker process after loading; may be NULL. */
	int			(*init)(const struct bureau_host *host,
				    void **state);
	void			(*fini)(void *state);
	/*
	 * Optional: load the plugin's part of the demo dataset.  Called by
	 * `bureauctl demo` inside one transaction, with a system request.
	 */
	int			(*demo)(struct bureau_req *req, void *state);

	void			*spare[8];
};

/*
 * Plugins are compiled with -fvisibility=hidden like the core; the
 * descriptor must be visible to dlsym:
 *	BUREAU_EXPORT const struct bureau_plugin bureau_plugin = { ... };
 */
#define BUREAU_EXPORT	__attribute__((visibility("default")))

/* Fills the fixed header of a descriptor. */
#define BUREAU_PLUGIN_HEADER						\
	.magic = BUREAU_PLUGIN_MAGIC,					\
	.abi_major = BUREAU_ABI_MAJOR,					\
	.abi_minor = BUREAU_ABI_MINOR,					\
	.size = sizeof(struct bureau_plugin),				\
	.signature = BUREAU_BUILD_SIGNATURE

#ifdef __cplusplus
}
#endif

#endif /* BUREAU_PLUGIN_H */
