/*
 * request -- the parsed form of one FastCGI request and the response
 * being built for it.  Allocated from the thread's arena; lives until
 * the request finishes.  Plugins see it only as the opaque
 * struct bureau_req through the host API.
 */
#ifndef BUREAU_REQUEST_H
#define BUREAU_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <fcgiapp.h>
#include <jansson.h>

#include "bureau/plugin.h"

struct thread_ctx;
struct arena;
struct route_entry;

struct kv {
	const char	*key;
	const char	*value;
};

struct kvlist {
	struct kv	*items;
	size_t		 count;
};

/* The session behind a request, filled by auth_session_load(). */
struct req_session {
	int64_t		 id;		/* sessions.id, 0 = none */
	char		 csrf[64];	/* the session's CSRF token */
	int64_t		 auth_time;	/* unix seconds of the login */
	int		 must_change_password;
	int		 rotated;	/* a new cookie must be sent */
};

struct bureau_req {
	struct thread_ctx	*thr;
	struct arena		*arena;
	FCGX_Request		*fcgx;		/* NULL for internal requests */
	char			 id[24];	/* request id, in logs and 500s */
	int64_t			 t_start_us;

	/* --- parsed input ------------------------------------------ */
	const char		*method;
	const char		*raw_uri;	/* REQUEST_URI as received */
	char			*path;		/* percent-decoded */
	struct kvlist		 query;		/* decoded, in order, repeats kept */
	struct kvlist		 cookies;
	struct kvlist		 params;	/* path parameters */
	char			**envp;		/* FastCGI params */
	const char		*content_type;	/* media type, lower case, no params */
	long long		 content_length; /* -1 when absent */
	const char		*remote_addr;
	int			 https;
	char			*body;		/* NUL-terminated copy */
	size_t			 body_len;
	json_t			*json;		/* owned; decref'd at finish */
	const struct route_entry *route;

	/* --- who is asking ----------------------------------------- */
	int			 has_user;
	struct bureau_user	 user;
	struct req_session	 session;

	/* --- response ---------------------------------------------- */
	int			 status;
	int			 responded;
	char			*headers;	/* extra "Name: value\r\n" lines */
	size_t			 resp_bytes;
	int			 in_txn;	/* a transaction is open */
	int64_t			 now_override;	/* tests: injected clock, 0 = real */
	/* A cacheable route's miss: the key its 200 is stored under, and
	 * where the handler's own headers start in headers (the core's,
	 * set before the handler ran, belong to this request only). */
	const char		*cache_key;
	size_t			 cache_hdr_off;
};

/* --- parsing, pure functions (unit tested) ------------------------ */

/* Splits and percent-decodes a query string; "+" is a space; "k",
 * "k=" give ""; repeated keys are kept.  -1 on a malformed escape,
 * NUL byte or invalid UTF-8. */
int	query_parse(struct arena *, const char *qs, struct kvlist *out);
/* Cookie header "a=b; c=d" into pairs (no decoding, RFC 6265). */
int	cookies_parse(struct arena *, const char *header, struct kvlist *out);
/* Percent-decodes a path; refuses encoded "/" (%2F), NUL, "." and ".."
 * segments, invalid UTF-8; -1 on refusal. */
int	path_decode(struct arena *, const char *raw, char **out);
/* "application/json; charset=utf-8" -> "application/json". */
char	*media_type(struct arena *, const char *content_type);
const char *kvlist_get(const struct kvlist *, const char *key);
/* Strict UTF-8 (no overlongs, surrogates, nothing above U+10FFFF): 1/0. */
int	utf8_valid(const unsigned char *, size_t);

/* FastCGI param by name, NULL if absent. */
const char *req_env(const struct bureau_req *, const char *name);

/* --- responses (response.c) -------------------------------------- */
int	resp_json(struct bureau_req *, int status, json_t *body);
int	resp_error(struct bureau_req *, int status, const char *code,
	    const char *field, const char *message);
int	resp_body(struct bureau_req *, int status, const char *ctype,
	    const char *filename, const void *data, size_t len);
int	resp_header(struct bureau_req *, const char *name, const char *value);
/* Answers with a cached response (respcache.h), marked "X-Cache: hit". */
int	resp_replay(struct bureau_req *, int status, const char *ctype,
	    const char *headers, const void *data, size_t len);
/* 500 with the request id; logs the reason with the id. */
int	resp_internal(struct bureau_req *, const char *why);

/* The process's host API table (hostapi.c). */
extern const struct bureau_host host_api;

/* Request time: the injected test clock when configured, else real.
 * Read once per request, then fixed for its whole length. */
int64_t	req_now(struct bureau_req *);

/*
 * A request with no client behind it, for bureauctl (demo data, jobs):
 * user "system" (role "system", which passes every permission check),
 * responses recorded in status only.  Uses t's arena and connection;
 * release with request_internal_finish().
 */
void	request_internal_init(struct bureau_req *, struct thread_ctx *t);
void	request_internal_finish(struct bureau_req *);

#endif
