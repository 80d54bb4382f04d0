/*
 * fuzz_fcgi -- whole requests as FastCGI delivers them: arbitrary params
 * and body through request_handle() (parse, route, session, permission,
 * CSRF, body limits and JSON, every handler of the core, projects and
 * staff), without a socket.
 *
 * Input: byte 0 = flags (bit 0: the admin's session cookie, bit 1: the
 * CSRF token and Origin); then "NAME=value" lines up to an empty line
 * (the params, e.g. REQUEST_METHOD=POST, REQUEST_URI=/api/v1/projects,
 * CONTENT_TYPE=..., CONTENT_LENGTH=..., HTTP_IF_MATCH=...); the rest is
 * the body on the stream (its length need not match CONTENT_LENGTH).
 *
 * Holds: one well-formed answer, never a 5xx, errors as documented
 * JSON (fz_serve); no 2xx to a non-public route without the session;
 * no 2xx to an unsafe method without the CSRF token (login aside); an
 * error answer commits nothing but sessions/audit/lockout rows; after
 * a write the database is consistent (integrity, foreign keys, audit
 * chain, the plugins' invariants).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"
#include "fz_plugins.h"

#define MAXPARAMS 64

static const char *const error_may_touch[] = {
	"sessions", "audit_log", "login_ip_failures", NULL
};
/* A failed login also counts on the account. */
static const char *const login_may_touch[] = {
	"sessions", "audit_log", "login_ip_failures", "users", NULL
};

static const char *
param(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static void
check_invariants(void)
{
	fz_check_db(fz_inv_projects);
	fz_check_db(fz_inv_staff);
	fz_check_db(fz_inv_expos);
	fz_check_db(fz_inv_regions);
}

/* Every plugin's seeds on one database (projects' once). */
static void
seed(void)
{
	fz_seed_expos();	/* projects, then expos */
	fz_seed_staff();
	fz_seed_regions_own();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bureau_plugin *const plugins[] = {
		&fz_plugin_projects, &fz_plugin_staff, &fz_plugin_expos,
		&fz_plugin_regions, NULL
	};
	const struct fz_resp *r;
	char *copy, *p, *nl, *env[MAXPARAMS + 1];
	const char *method, *uri, *cookie, *tok;
	size_t k = 0, bodyoff;
	unsigned flags;
	int login, unsafe, options;

	fz_env_init(plugins, seed);
	if (size < 1)
		return 0;
	flags = data[0] & (FZ_SESSION | FZ_CSRF);
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	/* Params: lines up to the first empty one. */
	for (p = copy; p < copy + size - 1 && *p != '\n' && k < MAXPARAMS;
	    p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(copy + size - 1 - p));
		if (nl == NULL)
			nl = copy + size - 1;
		*nl = '\0';
		env[k++] = p;
	}
	env[k] = NULL;
	bodyoff = (size_t)(p - copy) + 1;
	if (bodyoff > size - 1)
		bodyoff = size - 1;

	r = fz_serve((const char *const *)env, flags, data + 1 + bodyoff,
	    size - 1 - bodyoff);

	method = param(env, "REQUEST_METHOD");
	uri = param(env, "REQUEST_URI");
	cookie = param(env, "HTTP_COOKIE");
	tok = param(env, "HTTP_X_CSRF_TOKEN");
	login = uri != NULL && strncmp(uri, "/api/v1/auth/login", 18) == 0;
	unsafe = method != NULL && strcmp(method, "GET") != 0 &&
	    strcmp(method, "HEAD") != 0 && strcmp(method, "OPTIONS") != 0;
	/* OPTIONS tells the methods of a path, what a 405 would, to
	 * anyone: a 204 with Allow, nothing else. */
	options = method != NULL && strcmp(method, "OPTIONS") == 0;
	if (options && r->status < 300 && (r->status != 204 ||
	    strstr(r->headers, "\r\nAllow: ") == NULL))
		fz_fail("OPTIONS answered %d without Allow", r->status);
	if (r->status < 300 && !(flags & FZ_SESSION) && cookie == NULL &&
	    !login && !options && !(uri != NULL &&
	    strncmp(uri, "/api/v1/health", 14) == 0))
		fz_fail("%d without a session: %s %s", r->status, method, uri);
	if (r->status < 300 && unsafe && !(flags & FZ_CSRF) && tok == NULL &&
	    !login)
		fz_fail("%d without a CSRF token: %s %s", r->status, method,
		    uri);
	if (r->status >= 300)
		fz_check_unchanged(login ? login_may_touch : error_may_touch);
	else if (unsafe)
		check_invariants();
	free(copy);
	return 0;
}
