/*
 * response.c -- the one way out: a status line, our headers, the body.
 * Every error body has the same shape,
 *	{"error":{"code":"…","message":"…","field":"…"}}
 * and a 500 never carries more than the request id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "db.h"
#include "log.h"
#include "request.h"
#include "respcache.h"

static const char *
status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Status";
	}
}

/* Header values must not smuggle a line break into the response. */
static int
header_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return 0;
	return 1;
}

int
resp_header(struct bureau_req *req, const char *name, const char *value)
{
	if (req->responded || !header_safe(name) || !header_safe(value)) {
		log_err("%s: refused response header %s", req->id, name);
		return -1;
	}
	req->headers = arena_printf(req->arena, "%s%s: %s\r\n",
	    req->headers ? req->headers : "", name, value);
	return 0;
}

/*
 * A cacheable route's miss: keeps a 200 with the headers that are the
 * handler's (extra, and what it added after cache_hdr_off), never the
 * core's for this one request.  Returns the extra headers to send.
 */
static const char *
resp_cache_store(struct bureau_req *req, int status, const char *ctype,
    const char *extra, const void *data, size_t len)
{
	struct respcache_entry e;
	const char *own;

	if (status != 200)
		return extra;
	own = req->headers != NULL && strlen(req->headers) >=
	    req->cache_hdr_off ? req->headers + req->cache_hdr_off : "";
	e.status = status;
	e.ctype = ctype;
	e.headers = arena_printf(req->arena, "%s%s", extra ? extra : "", own);
	e.body = data;
	e.body_len = len;
	if (respcache_put(req->thr->rcache, req->cache_key, &e) == -1)
		log_warn("%s: response not cached: out of memory", req->id);
	return arena_printf(req->arena, "%sX-Cache: miss\r\n",
	    extra ? extra : "");
}

static int
resp_send(struct bureau_req *req, int status, const char *ctype,
    const char *extra, const void *data, size_t len)
{
	FCGX_Stream *out;
	char *head;

	if (req->responded) {
		log_err("%s: second response (%d) ignored", req->id, status);
		return -1;
	}
	req->responded = 1;
	req->status = status;
	req->resp_bytes = len;
	if (req->cache_key != NULL)
		extra = resp_cache_store(req, status, ctype, extra, data, len);
	if (req->fcgx == NULL)
		return 0;		/* internal request: nobody to tell */
	out = req->fcgx->out;
	/* Formatted here, not with FCGX_FPrintF: libfcgi's own printf
	 * knows no %zu and silently drops what it cannot format. */
	head = arena_printf(req->arena, "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s%s\r\n",
	    status, status_text(status), ctype, len, req->id,
	    extra ? extra : "", req->headers ? req->headers : "");
	if (FCGX_PutStr(head, (int)strlen(head), out) < 0)
		return -1;
	if (len > 0 && FCGX_PutStr(data, (int)len, out) < 0)
		return -1;
	return 0;
}

int
resp_json(struct bureau_req *req, int status, json_t *body)
{
	char *text;
	int rc;

	if (body == NULL)
		return resp_internal(req, "resp_json: NULL body");
	/* 15 significant digits: 106.9 prints as 106.9, not as the nearest
	 * double spelled out (106.90000000000001). */
	text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(body);
	if (text == NULL)
		return resp_internal(req, "resp_json: json_dumps failed");
	rc = resp_send(req, status, "application/json; charset=utf-8", NULL,
	    text, strlen(text));
	free(text);
	return rc;
}

int
resp_replay(struct bureau_req *req, int status, const char *ctype,
    const char *headers, const void *data, size_t len)
{
	return resp_send(req, status, ctype, arena_printf(req->arena,
	    "X-Cache: hit\r\n%s", headers), data, len);
}

static const char *
default_message(int status)
{
	switch (status) {
	case 400: return "The request is malformed.";
	case 401: return "Sign in first.";
	case 403: return "You are not allowed to do this.";
	case 404: return "No such resource.";
	case 405: return "Method not allowed here.";
	case 409: return "The resource changed or is in a conflicting state.";
	case 413: return "The request body is too large.";
	case 415: return "Unsupported content type.";
	case 422: return "The request could not be processed.";
	case 429: return "Too many requests; try again later.";
	case 503: return "Temporarily unavailable; try again shortly.";
	default:  return "Error.";
	}
}

/*
 * Client bytes can reach an error's text (a JSON parse error quotes the
 * text near the fault, which may be half a character): Jansson refuses
 * invalid UTF-8, and the error must not become a 500.  Such text goes
 * out with every byte above ASCII as '?'.
 */
static const char *
resp_text_clean(struct bureau_req *req, const char *s)
{
	char *o, *p;

	if (s == NULL || utf8_valid((const unsigned char *)s, strlen(s)))
		return s;
	o = arena_strdup(req->arena, s);
	for (p = o; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return o;
}

int
resp_error(struct bureau_req *req, int status, const char *code,
    const char *field, const char *message)
{
	json_t *err;

	code = resp_text_clean(req, code);
	field = resp_text_clean(req, field);
	message = resp_text_clean(req, message);

	err = json_pack("{s:s, s:s}", "code", code ? code : "error",
	    "message", message ? message : default_message(status));
	if (err == NULL)
		return resp_internal(req, "resp_error: json_pack failed");
	if (field != NULL)
		json_object_set_new(err, "field", json_string(field));
	return resp_json(req, status, json_pack("{s:o}", "error", err));
}

int
resp_body(struct bureau_req *req, int status, const char *ctype,
    const char *filename, const void *data, size_t len)
{
	char *extra = NULL;
	const char *p;

	if (filename != NULL) {
		/* Only plain names: a quote or a path in it would change
		 * the header's meaning. */
		for (p = filename; *p; p++)
			if (*p == '"' || *p == '\\' || *p == '/' ||
			    (unsigned char)*p < 0x20)
				return resp_internal(req, "bad download name");
		extra = arena_printf(req->arena,
		    "Content-Disposition: attachment; filename=\"%s\"\r\n",
		    filename);
	}
	return resp_send(req, status, ctype, extra, data, len);
}

int
resp_internal(struct bureau_req *req, const char *why)
{
	char body[160];
	int n;

	log_err("%s: internal error: %s", req->id, why);
	if (req->responded)
		return -1;
	/* A write that failed for want of disk space is no bug: say so,
	 * and that it may work later. */
	if (db_storage_full()) {
		resp_header(req, "Retry-After", "60");
		return resp_error(req, 503, "storage_full", NULL,
		    "The server's storage is full; the change was not saved. "
		    "Try again later.");
	}
	/* Headers the handler set for the answer it meant to give (a
	 * session cookie before a failed commit, a Location) are not
	 * this answer's. */
	req->headers = NULL;
	/* Built by hand: this path must work when Jansson cannot. */
	n = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"internal_error\","
	    "\"message\":\"Internal error; request id %s.\","
	    "\"request_id\":\"%s\"}}", req->id, req->id);
	return resp_send(req, 500, "application/json; charset=utf-8", NULL,
	    body, (size_t)n);
}
