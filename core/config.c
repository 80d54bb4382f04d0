/*
 * config.c -- bureau.conf, parsed with libinih, and "section.key=value"
 * overrides from the command line.
 *
 * Every key lives in one table (section, name, type, where it is stored,
 * range), so parsing, overriding and printing cannot drift apart.  An
 * unknown section or key is an error naming file:line: a typo in a
 * security setting must not silently fall back to the default.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "log.h"

#ifndef BUREAU_PLUGINSDIR
#define BUREAU_PLUGINSDIR "/usr/local/lib/bureau/plugins"
#endif

enum ctype {
	CT_STR,		/* char *, must not be empty */
	CT_OPTSTR,	/* char *, empty means unset (NULL) */
	CT_INT,		/* int */
	CT_SIZE,	/* size_t, with optional k/M/G suffix */
	CT_ULL,		/* unsigned long long */
	CT_BOOL,	/* int, 0/1 (also yes/no, true/false, on/off) */
	CT_MODE,	/* int, octal file mode */
	CT_LEVEL	/* int, LOG_LVL_* by name */
};

struct ckey {
	const char	*section;
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	long long	 min, max;	/* numeric types */
};

#define KIB	1024LL
#define MIB	(1024LL * 1024)
#define GIB	(1024LL * 1024 * 1024)
#define O(f)	offsetof(struct config, f)

static const struct ckey config_keys[] = {
	{ "server", "api_socket",	CT_OPTSTR, O(api_socket), 0, 0 },
	{ "server", "login_socket",	CT_OPTSTR, O(login_socket), 0, 0 },
	{ "server", "control_socket",	CT_STR,	   O(control_socket), 0, 0 },
	{ "server", "api_fd",		CT_INT,	   O(api_fd), -1, 65535 },
	{ "server", "login_fd",		CT_INT,	   O(login_fd), -1, 65535 },
	{ "server", "workers",		CT_INT,	   O(workers), 1, 256 },
	{ "server", "threads",		CT_INT,	   O(threads), 1, 256 },
	{ "server", "login_workers",	CT_INT,	   O(login_workers), 0, 64 },
	{ "server", "login_threads",	CT_INT,	   O(login_threads), 1, 256 },
	{ "server", "user",		CT_OPTSTR, O(user), 0, 0 },
	{ "server", "group",		CT_OPTSTR, O(group), 0, 0 },
	{ "server", "body_limit",	CT_SIZE,   O(body_limit), KIB, GIB },
	/* At most 1 GiB: a body is read and answered with int lengths
	 * (libfcgi), and one larger than INT_MAX could never arrive. */
	{ "server", "import_limit",	CT_SIZE,   O(import_limit), KIB, GIB },
	{ "server", "stuck_limit",	CT_INT,	   O(stuck_limit), 1, 86400 },
	{ "server", "socket_mode",	CT_MODE,   O(socket_mode), 0, 0777 },
	{ "server", "response_cache",	CT_SIZE,   O(response_cache), 0, GIB },

	{ "database", "path",		CT_STR,	   O(db_path), 0, 0 },
	{ "database", "busy_timeout_ms", CT_INT,   O(busy_timeout_ms), 0, 600000 },

	{ "plugins", "dir",		CT_STR,	   O(plugin_dir), 0, 0 },
	{ "plugins", "probe",		CT_STR,	   O(probe_path), 0, 0 },

	{ "auth", "public_origin",	CT_STR,	   O(public_origin), 0, 0 },
	{ "auth", "dev_mode",		CT_BOOL,   O(dev_mode), 0, 1 },
	{ "auth", "session_idle",	CT_INT,	   O(session_idle), 60, 7 * 86400 },
	{ "auth", "session_absolute",	CT_INT,	   O(session_absolute), 60, 30 * 86400 },
	{ "auth", "pw_opslimit",	CT_ULL,	   O(pw_opslimit), 1, 64 },
	/* libsodium's own floor (crypto_pwhash_MEMLIMIT_MIN) is 8 KiB. */
	{ "auth", "pw_memlimit",	CT_SIZE,   O(pw_memlimit), 8 * KIB, 4 * GIB },
	{ "auth", "hash_cap",		CT_INT,	   O(hash_cap), 0, 1024 },
	{ "auth", "lock_failures",	CT_INT,	   O(lock_failures), 1, 1000 },
	{ "auth", "lock_window",	CT_INT,	   O(lock_window), 60, 86400 },
	{ "auth", "lock_seconds",	CT_INT,	   O(lock_seconds), 60, 7 * 86400 },
	{ "auth", "ip_failures",	CT_INT,	   O(ip_failures), 0, 1000000 },
	{ "auth", "audit_key",		CT_STR,	   O(audit_key_path), 0, 0 },

	{ "log", "level",		CT_LEVEL,  O(log_level), 0, 0 },

	{ "testing", "clock_file",	CT_OPTSTR, O(clock_file), 0, 0 },
};
#define NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

static const struct {
	const char	*name;
	int		 level;
} config_levels[] = {
	{ "err", LOG_LVL_ERR },
	{ "error", LOG_LVL_ERR },
	{ "warning", LOG_LVL_WARNING },
	{ "warn", LOG_LVL_WARNING },
	{ "notice", LOG_LVL_NOTICE },
	{ "info", LOG_LVL_INFO },
	{ "debug", LOG_LVL_DEBUG },
};

static void
config_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
config_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char **
config_strp(struct config *cfg, const struct ckey *k)
{
	return (char **)(void *)((char *)cfg + k->off);
}

static int *
config_intp(struct config *cfg, const struct ckey *k)
{
	return (int *)(void *)((char *)cfg + k->off);
}

static const struct ckey *
config_find(const char *section, const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	}
	return NULL;
}

static int
config_section_known(const char *section)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0)
			return 1;
	}
	return 0;
}

/* Decimal (or, for modes, octal) number with an optional size suffix. */
static int
config_number(const struct ckey *k, const char *v, long long *out,
    char *err, size_t errlen)
{
	unsigned long long	 n, mult = 1;
	char			*end;

	while (isspace((unsigned char)*v))
		v++;
	if (k->type == CT_INT && strcmp(v, "-1") == 0 && k->min <= -1) {
		*out = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*v)) {
		config_err(err, errlen, "[%s] %s: '%s' is not a number",
		    k->section, k->name, v);
		return -1;
	}
	errno = 0;
	n = strtoull(v, &end, k->type == CT_MODE ? 8 : 10);
	if (errno != 0) {
		config_err(err, errlen, "[%s] %s: '%s' is out of range",
		    k->section, k->name, v);
		return -1;
	}
	if (k->type == CT_SIZE && *end != '\0') {
		switch (*end) {
		case 'k': case 'K': mult = KIB; end++; break;
		case 'm': case 'M': mult = MIB; end++; break;
		case 'g': case 'G': mult = GIB; end++; break;
		}
		if (*end == 'i' && mult != 1)
			end++;
		if ((*end == 'B' || *end == 'b') && mult != 1)
			end++;
	}
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0') {
		config_err(err, errlen, "[%s] %s: '%s' is not a%s number",
		    k->section, k->name, v,
		    k->type == CT_MODE ? "n octal" : "");
		return -1;
	}
	if (n > (unsigned long long)LLONG_MAX / mult) {
		config_err(err, errlen, "[%s] %s: '%s' is out of range",
		    k->section, k->name, v);
		return -1;
	}
	n *= mult;
	if ((long long)n < k->min || (long long)n > k->max) {
		if (k->type == CT_MODE)
			config_err(err, errlen, "[%s] %s: %s is out of range "
			    "(%llo..%llo)", k->section, k->name, v,
			    (unsigned long long)k->min,
			    (unsigned long long)k->max);
		else
			config_err(err, errlen, "[%s] %s: %s is out of range "
			    "(%lld..%lld)", k->section, k->name, v,
			    k->min, k->max);
		return -1;
	}
	*out = (long long)n;
	return 0;
}

static int
config_assign(struct config *cfg, const struct ckey *k, const char *v,
    char *err, size_t errlen)
{
	long long	 n;
	char		*s, **sp;
	size_t		 i;

	switch (k->type) {
	case CT_STR:
	case CT_OPTSTR:
		if (*v == '\0' && k->type == CT_STR) {
			config_err(err, errlen, "[%s] %s: must not be empty",
			    k->section, k->name);
			return -1;
		}
		s = NULL;
		if (*v != '\0' && (s = strdup(v)) == NULL) {
			config_err(err, errlen, "out of memory");
			return -1;
		}
		sp = config_strp(cfg, k);
		free(*sp);
		*sp = s;
		return 0;
	case CT_BOOL:
		if (strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0 ||
		    strcasecmp(v, "true") == 0 || strcasecmp(v, "on") == 0)
			*config_intp(cfg, k) = 1;
		else if (strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 ||
		    strcasecmp(v, "false") == 0 || strcasecmp(v, "off") == 0)
			*config_intp(cfg, k) = 0;
		else {
			config_err(err, errlen, "[%s] %s: '%s' is not 0 or 1",
			    k->section, k->name, v);
			return -1;
		}
		return 0;
	case CT_LEVEL:
		for (i = 0; i < sizeof(config_levels) /
		    sizeof(config_levels[0]); i++) {
			if (strcasecmp(v, config_levels[i].name) == 0) {
				*config_intp(cfg, k) = config_levels[i].level;
				return 0;
			}
		}
		config_err(err, errlen, "[%s] %s: '%s' is not one of "
		    "err, warning, notice, info, debug", k->section, k->name,
		    v);
		return -1;
	case CT_INT:
	case CT_MODE:
		if (config_number(k, v, &n, err, errlen) == -1)
			return -1;
		*config_intp(cfg, k) = (int)n;
		return 0;
	case CT_SIZE:
		if (config_number(k, v, &n, err, errlen) == -1)
			return -1;
		*(size_t *)(void *)((char *)cfg + k->off) = (size_t)n;
		return 0;
	case CT_ULL:
		if (config_number(k, v, &n, err, errlen) == -1)
			return -1;
		*(unsigned long long *)(void *)((char *)cfg + k->off) =
		    (unsigned long long)n;
		return 0;
	}
	return -1;
}

static int
config_defaults(struct config *cfg)
{
	char	exe[PATH_MAX];
	ssize_t	n;

	memset(cfg, 0, sizeof(*cfg));
	cfg->api_fd = -1;
	cfg->login_fd = -1;
	cfg->workers = 2;
	/*
	 * One thread per worker by default: a pure prefork keeps the blast
	 * radius of a crashing or stuck handler to one request and makes
	 * crash blame exact.  Raise it after measuring (see the benchmark
	 * notes in docs/).
	 */
	cfg->threads = 1;
	cfg->login_workers = 1;
	cfg->login_threads = 2;
	cfg->body_limit = 1 * MIB;
	cfg->import_limit = 10 * MIB;
	cfg->stuck_limit = 120;
	cfg->socket_mode = 0660;
	/* Enough for every page a busy list view asks for between two
	 * commits; idle it costs nothing (respcache.h). */
	cfg->response_cache = 4 * MIB;
	cfg->busy_timeout_ms = 5000;
	cfg->dev_mode = 0;
	cfg->session_idle = 1800;
	cfg->session_absolute = 43200;
	cfg->pw_opslimit = 3;
	cfg->pw_memlimit = 128 * MIB;
	cfg->hash_cap = 0;
	/* OWASP's guidance: a handful of tries per account, a larger
	 * budget per address (an office shares one behind NAT). */
	cfg->lock_failures = 5;
	cfg->lock_window = 900;
	cfg->lock_seconds = 900;
	cfg->ip_failures = 20;
	cfg->log_level = LOG_LVL_INFO;

	if ((cfg->api_socket = strdup("/run/bureau/api.sock")) == NULL ||
	    (cfg->login_socket = strdup("/run/bureau/login.sock")) == NULL ||
	    (cfg->control_socket = strdup("/run/bureau/control.sock")) ==
	    NULL ||
	    (cfg->db_path = strdup("/var/lib/bureau/bureau.db")) == NULL ||
	    (cfg->plugin_dir = strdup(BUREAU_PLUGINSDIR)) == NULL ||
	    (cfg->public_origin = strdup("http://127.0.0.1:8080")) == NULL ||
	    (cfg->audit_key_path = strdup("/var/lib/bureau/audit.key")) ==
	    NULL)
		return -1;

	/* The probe helper is this very binary, run as `bureaud --probe`. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((cfg->probe_path = strdup(exe)) == NULL)
			return -1;
	}
	return 0;
}

/* --- parsing a file -------------------------------------------------- */

struct config_parse {
	struct config	*cfg;
	const char	*file;
	FILE		*fp;
	int		 lineno;	/* line of the text last handed out */
	int		 at_bol;	/* next chunk starts a new line */
	int		 failed;
	char		 err[512];
};

/*
 * fgets for inih that counts lines, so an error names the line of the
 * offending key (Debian's libinih does not pass line numbers), and
 * refuses what inih would misread: a line longer than its buffer, or
 * one with a NUL byte.
 */
static char *
config_reader(char *str, int num, void *stream)
{
	struct config_parse	*p = stream;
	char			*r;
	size_t			 len;
	int			 c;

	if ((r = fgets(str, num, p->fp)) == NULL)
		return NULL;
	if (p->at_bol)
		p->lineno++;
	len = strlen(r);
	p->at_bol = len > 0 && r[len - 1] == '\n';
	/*
	 * A line longer than inih's buffer would arrive in pieces and the
	 * rest be read as a line of its own (the tail of a long value
	 * taken for another key): refuse it instead.
	 */
	if (!p->at_bol && (c = getc(p->fp)) != EOF) {
		ungetc(c, p->fp);
		if (c != '\n' && !p->failed) {
			if (len + 1 < (size_t)num)	/* fgets met a NUL */
				snprintf(p->err, sizeof(p->err), "%s:%d: NUL "
				    "byte in the line", p->file, p->lineno);
			else
				snprintf(p->err, sizeof(p->err), "%s:%d: line "
				    "longer than %d characters", p->file,
				    p->lineno, num - 1);
			p->failed = 1;
			return NULL;
		}
	}
	return r;
}

static int
config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*p = user;
	const struct ckey	*k;
	char			 why[400];

	if (p->failed)
		return 0;	/* report only the first error */
	if (!config_section_known(section)) {
		snprintf(p->err, sizeof(p->err), "%s:%d: unknown section "
		    "[%s] (key '%s')", p->file, p->lineno, section, name);
		goto fail;
	}
	if ((k = config_find(section, name)) == NULL) {
		snprintf(p->err, sizeof(p->err), "%s:%d: unknown key '%s' in "
		    "section [%s]", p->file, p->lineno, name, section);
		goto fail;
	}
	if (value == NULL)
		value = "";
	if (config_assign(p->cfg, k, value, why, sizeof(why)) == -1) {
		snprintf(p->err, sizeof(p->err), "%s:%d: %s", p->file,
		    p->lineno, why);
		goto fail;
	}
	return 1;
fail:
	p->failed = 1;
	return 0;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct config_parse	 p;
	int			 rc;

	if (config_defaults(cfg) == -1) {
		config_err(err, errlen, "out of memory");
		goto fail;
	}
	if (path == NULL)
		return 0;
	if ((cfg->path = strdup(path)) == NULL) {
		config_err(err, errlen, "out of memory");
		goto fail;
	}

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.file = path;
	p.at_bol = 1;
	if ((p.fp = fopen(path, "re")) == NULL) {
		config_err(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	rc = ini_parse_stream(config_reader, &p, config_handler, &p);
	fclose(p.fp);
	if (p.failed) {
		config_err(err, errlen, "%s", p.err);
		goto fail;
	}
	if (rc != 0) {
		/* inih found a line it could not read as INI. */
		if (rc > 0)
			config_err(err, errlen, "%s:%d: syntax error (expected "
			    "[section] or key = value)", path, rc);
		else
			config_err(err, errlen, "%s: cannot parse", path);
		goto fail;
	}
	return 0;
fail:
	config_free(cfg);
	return -1;
}

int
config_set(struct config *cfg, const char *assignment, char *err,
    size_t errlen)
{
	const struct ckey	*k = NULL;
	const char		*eq, *dot, *v;
	char			 section[32], name[64];
	size_t			 i, slen, nlen;

	if ((eq = strchr(assignment, '=')) == NULL) {
		config_err(err, errlen, "'%s': expected section.key=value",
		    assignment);
		return -1;
	}
	v = eq + 1;
	while (isspace((unsigned char)*v))
		v++;
	dot = memchr(assignment, '.', (size_t)(eq - assignment));
	if (dot != NULL) {
		slen = (size_t)(dot - assignment);
		nlen = (size_t)(eq - dot - 1);
		if (slen >= sizeof(section) || nlen >= sizeof(name))
			goto unknown;
		memcpy(section, assignment, slen);
		section[slen] = '\0';
		memcpy(name, dot + 1, nlen);
		name[nlen] = '\0';
		while (nlen > 0 && isspace((unsigned char)name[nlen - 1]))
			name[--nlen] = '\0';
		k = config_find(section, name);
	} else {
		/* A bare key is accepted when it is unique across sections. */
		nlen = (size_t)(eq - assignment);
		if (nlen >= sizeof(name))
			goto unknown;
		memcpy(name, assignment, nlen);
		name[nlen] = '\0';
		while (nlen > 0 && isspace((unsigned char)name[nlen - 1]))
			name[--nlen] = '\0';
		for (i = 0; i < NKEYS; i++) {
			if (strcmp(config_keys[i].name, name) != 0)
				continue;
			if (k != NULL) {
				config_err(err, errlen, "'%s' is ambiguous: "
				    "say [section].%s", name, name);
				return -1;
			}
			k = &config_keys[i];
		}
	}
	if (k == NULL)
		goto unknown;
	return config_assign(cfg, k, v, err, errlen);
unknown:
	config_err(err, errlen, "unknown setting '%.*s'",
	    (int)(eq - assignment), assignment);
	return -1;
}

static int
config_check_socket(const char *what, const char *path, char *err,
    size_t errlen)
{
	struct sockaddr_un	sun;

	if (path[0] != '/') {
		config_err(err, errlen, "%s: '%s' is not an absolute path",
		    what, path);
		return -1;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		config_err(err, errlen, "%s: path longer than %zu bytes",
		    what, sizeof(sun.sun_path) - 1);
		return -1;
	}
	return 0;
}

int
config_check(const struct config *cfg, char *err, size_t errlen)
{
	const char	*o, *host;

	if (cfg->api_fd < 0) {
		if (cfg->api_socket == NULL) {
			config_err(err, errlen, "[server] api_socket or api_fd "
			    "must be set");
			return -1;
		}
		if (config_check_socket("[server] api_socket",
		    cfg->api_socket, err, errlen) == -1)
			return -1;
	}
	if (cfg->login_workers > 0 && cfg->login_fd < 0) {
		if (cfg->login_socket == NULL) {
			config_err(err, errlen, "[server] login_socket or "
			    "login_fd must be set (or login_workers = 0)");
			return -1;
		}
		if (config_check_socket("[server] login_socket",
		    cfg->login_socket, err, errlen) == -1)
			return -1;
	}
	if (config_check_socket("[server] control_socket",
	    cfg->control_socket, err, errlen) == -1)
		return -1;
	if (cfg->api_fd >= 0 && cfg->api_fd == cfg->login_fd) {
		config_err(err, errlen, "[server] api_fd and login_fd are "
		    "the same descriptor");
		return -1;
	}
	if (cfg->api_fd < 0 && cfg->login_fd < 0 && cfg->login_workers > 0 &&
	    strcmp(cfg->api_socket, cfg->login_socket) == 0) {
		config_err(err, errlen, "[server] api_socket and login_socket "
		    "are the same path");
		return -1;
	}
	if (cfg->group != NULL && cfg->user == NULL) {
		config_err(err, errlen, "[server] group needs user");
		return -1;
	}
	if (cfg->db_path == NULL || cfg->plugin_dir == NULL ||
	    cfg->audit_key_path == NULL || cfg->public_origin == NULL) {
		config_err(err, errlen, "a required path is not set");
		return -1;
	}
	if (cfg->probe_path == NULL) {
		config_err(err, errlen, "[plugins] probe is not set and "
		    "/proc/self/exe is unreadable");
		return -1;
	}
	if (cfg->session_idle > cfg->session_absolute) {
		config_err(err, errlen, "[auth] session_idle (%d) exceeds "
		    "session_absolute (%d)", cfg->session_idle,
		    cfg->session_absolute);
		return -1;
	}
	/* The Origin check compares against this verbatim. */
	o = cfg->public_origin;
	if (strncmp(o, "http://", 7) == 0)
		host = o + 7;
	else if (strncmp(o, "https://", 8) == 0)
		host = o + 8;
	else {
		config_err(err, errlen, "[auth] public_origin '%s' must start "
		    "with http:// or https://", o);
		return -1;
	}
	if (*host == '\0' || strchr(host, '/') != NULL) {
		config_err(err, errlen, "[auth] public_origin '%s' must be "
		    "scheme://host[:port] without a path", o);
		return -1;
	}
	return 0;
}

void
config_print(const struct config *cfg, int fd)
{
	const char	*section = "";
	const char	*lvl = "info";
	size_t		 i, j;

	dprintf(fd, "; effective configuration%s%s\n",
	    cfg->path != NULL ? " from " : " (built-in defaults)",
	    cfg->path != NULL ? cfg->path : "");
	for (i = 0; i < NKEYS; i++) {
		const struct ckey	*k = &config_keys[i];
		const char		*base = (const char *)cfg + k->off;

		if (strcmp(section, k->section) != 0) {
			section = k->section;
			dprintf(fd, "%s[%s]\n", i > 0 ? "\n" : "", section);
		}
		switch (k->type) {
		case CT_STR:
		case CT_OPTSTR: {
			const char *s = *(char *const *)(const void *)base;

			dprintf(fd, "%s = %s\n", k->name, s != NULL ? s : "");
			break;
		}
		case CT_INT:
		case CT_BOOL:
			dprintf(fd, "%s = %d\n", k->name,
			    *(const int *)(const void *)base);
			break;
		case CT_MODE:
			dprintf(fd, "%s = %04o\n", k->name,
			    (unsigned)*(const int *)(const void *)base);
			break;
		case CT_SIZE:
			dprintf(fd, "%s = %zu\n", k->name,
			    *(const size_t *)(const void *)base);
			break;
		case CT_ULL:
			dprintf(fd, "%s = %llu\n", k->name,
			    *(const unsigned long long *)(const void *)base);
			break;
		case CT_LEVEL:
			for (j = 0; j < sizeof(config_levels) /
			    sizeof(config_levels[0]); j++) {
				if (config_levels[j].level ==
				    *(const int *)(const void *)base) {
					lvl = config_levels[j].name;
					break;
				}
			}
			dprintf(fd, "%s = %s\n", k->name, lvl);
			break;
		}
	}
}

void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		if (config_keys[i].type == CT_STR ||
		    config_keys[i].type == CT_OPTSTR) {
			char **sp = config_strp(cfg, &config_keys[i]);

			free(*sp);
			*sp = NULL;
		}
	}
	free(cfg->path);
	cfg->path = NULL;
}
