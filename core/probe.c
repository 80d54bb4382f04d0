/*
 * probe.c -- inspecting a plugin .so in a throwaway process.
 *
 * dlopen() runs a library's constructors before anyone can look at it,
 * so an unknown file is only ever opened here: in `bureaud --probe PATH`,
 * a fresh process (fork + exec, never a bare fork: dlopen after fork in a
 * threaded process can deadlock on the loader's locks).  Whatever the
 * file does -- crash, hang, print -- costs that process only; the caller
 * (probe_run) turns it into a refusal with a reason.
 *
 * Before each step that runs plugin code the helper writes a line
 * "#stage WHAT" to its answer pipe, so that a crash or a hang is
 * reported with where it happened ("crashed with signal 11 (SIGSEGV) in
 * init"); the answer itself is the last line that is not a stage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "migrate.h"
#include "plugins.h"

/* Everything up to the spare words is what ABI 1.0 needs to read. */
#define DESC_MIN_SIZE	offsetof(struct bureau_plugin, spare)
/* The probe's answer is small; more is garbage or an attack. */
#define PROBE_OUT_MAX	(1024 * 1024)
#define MAX_DEPENDS	32
#define MAX_ENTRIES	1000

static void
setwhy(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
setwhy(char *why, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

int
plugin_name_valid(const char *s)
{
	size_t	i;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= 32)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	}
	return 1;
}

/* "projects.read": dotted lower-case words; or public/session. */
static int
perm_name_valid(const char *s)
{
	size_t	i, len;
	int	dots = 0;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	if (strcmp(s, BUREAU_PERM_PUBLIC) == 0 ||
	    strcmp(s, BUREAU_PERM_SESSION) == 0)
		return 1;
	len = strlen(s);
	if (len > 64 || s[len - 1] == '.')
		return 0;
	for (i = 1; i < len; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return 0;
			dots++;
		} else if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	}
	return dots > 0;
}

static int
role_list_valid(const char *s)
{
	static const char *const roles[] = {
		"admin", "officer", "viewer", "auditor", NULL
	};
	const char	*p = s, *end;
	size_t		 n, i;

	if (s == NULL || *s == '\0')
		return 1;
	while (*p != '\0') {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		for (i = 0; roles[i] != NULL; i++)
			if (strlen(roles[i]) == n && strncmp(roles[i], p, n) == 0)
				break;
		if (roles[i] == NULL)
			return 0;
		p += n;
		if (*p == ',')
			p++;
	}
	return 1;
}

static int
method_valid(const char *m)
{
	static const char *const methods[] = {
		"GET", "POST", "PUT", "PATCH", "DELETE", NULL
	};
	size_t	i;

	for (i = 0; m != NULL && methods[i] != NULL; i++)
		if (strcmp(m, methods[i]) == 0)
			return 1;
	return 0;
}

/* Shape only; the router checks the parameter syntax when adding. */
static int
pattern_valid(const char *p)
{
	size_t	len, i;

	if (p == NULL || strncmp(p, "/api/v1/", 8) != 0)
		return 0;
	len = strlen(p);
	if (len <= 8 || len > 256 || p[len - 1] == '/' ||
	    strstr(p, "//") != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f
		    || p[i] == '?' || p[i] == '#' || p[i] == '%')
			return 0;
	return 1;
}

static int
text_valid(const char *s, size_t max, int may_be_null)
{
	if (s == NULL)
		return may_be_null;
	return strnlen(s, max + 1) <= max;
}

static int
version_valid(const char *v)
{
	size_t	i;

	if (v == NULL || v[0] == '\0' || strnlen(v, 33) > 32)
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' &&
		    v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		    v[i] == '.' || v[i] == '-' || v[i] == '+'))
			return 0;
	return 1;
}

int
plugin_desc_check(const struct bureau_plugin *p, size_t symsize, char *why,
    size_t whylen)
{
	const struct bureau_route	*r, *r2;
	const struct bureau_permission	*pm, *pm2;
	const struct bureau_nav		*nv;
	size_t				 i, j;

	/* Read nothing past the end of a symbol too small to be ours. */
	if (symsize != 0 && symsize < offsetof(struct bureau_plugin, size) +
	    sizeof(p->size)) {
		setwhy(why, whylen, "bureau_plugin is %zu bytes: not a bureau "
		    "plugin descriptor", symsize);
		return -1;
	}
	if (p->magic != BUREAU_PLUGIN_MAGIC) {
		setwhy(why, whylen, "wrong magic 0x%08x (expected 0x%08x): "
		    "not a bureau plugin", p->magic, BUREAU_PLUGIN_MAGIC);
		return -1;
	}
	if (p->abi_major != BUREAU_ABI_MAJOR) {
		setwhy(why, whylen, "ABI %u.%u is incompatible with the "
		    "host's %d.%d (major differs)", p->abi_major, p->abi_minor,
		    BUREAU_ABI_MAJOR, BUREAU_ABI_MINOR);
		return -1;
	}
	if (p->abi_minor > BUREAU_ABI_MINOR) {
		setwhy(why, whylen, "ABI %u.%u is newer than the host's %d.%d",
		    p->abi_major, p->abi_minor, BUREAU_ABI_MAJOR,
		    BUREAU_ABI_MINOR);
		return -1;
	}
	if (p->size < DESC_MIN_SIZE) {
		setwhy(why, whylen, "descriptor size %u is smaller than the %zu "
		    "bytes ABI %d.%d needs", p->size, DESC_MIN_SIZE,
		    BUREAU_ABI_MAJOR, BUREAU_ABI_MINOR);
		return -1;
	}
	if (symsize != 0 && symsize < p->size) {
		setwhy(why, whylen, "descriptor claims %u bytes but the symbol "
		    "has %zu", p->size, symsize);
		return -1;
	}
	if (p->signature == NULL ||
	    strcmp(p->signature, BUREAU_BUILD_SIGNATURE) != 0) {
		setwhy(why, whylen, "build signature mismatch: plugin \"%.80s\", "
		    "host \"%s\"", p->signature != NULL ? p->signature : "",
		    BUREAU_BUILD_SIGNATURE);
		return -1;
	}
	if (!plugin_name_valid(p->name)) {
		setwhy(why, whylen, "invalid plugin name (want "
		    "[a-z][a-z0-9_]{0,31})");
		return -1;
	}
	if (!version_valid(p->version)) {
		setwhy(why, whylen, "invalid version string");
		return -1;
	}
	if (!text_valid(p->title, 200, 1) ||
	    !text_valid(p->description, 2000, 1)) {
		setwhy(why, whylen, "title or description too long");
		return -1;
	}
	for (i = 0; p->depends != NULL && p->depends[i] != NULL; i++) {
		if (i >= MAX_DEPENDS || !plugin_name_valid(p->depends[i]) ||
		    strcmp(p->depends[i], p->name) == 0) {
			setwhy(why, whylen, "invalid dependency list");
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(p->depends[i], p->depends[j]) == 0) {
				setwhy(why, whylen, "dependency %s listed twice",
				    p->depends[i]);
				return -1;
			}
	}
	if (migrate_check(p->name, p->migrations, why, whylen) == -1)
		return -1;

	for (pm = p->permissions, i = 0; pm != NULL && pm->name != NULL;
	    pm++, i++) {
		if (i >= MAX_ENTRIES || !perm_name_valid(pm->name) ||
		    strcmp(pm->name, BUREAU_PERM_PUBLIC) == 0 ||
		    strcmp(pm->name, BUREAU_PERM_SESSION) == 0) {
			setwhy(why, whylen, "invalid permission name \"%.64s\"",
			    pm->name);
			return -1;
		}
		if (!role_list_valid(pm->default_roles) ||
		    !text_valid(pm->default_roles, 200, 1)) {
			setwhy(why, whylen, "permission %s: unknown role in "
			    "default_roles", pm->name);
			return -1;
		}
		if (!text_valid(pm->description, 500, 1)) {
			setwhy(why, whylen, "permission %s: description too "
			    "long", pm->name);
			return -1;
		}
		for (pm2 = p->permissions; pm2 != pm; pm2++)
			if (strcmp(pm2->name, pm->name) == 0) {
				setwhy(why, whylen, "permission %s declared "
				    "twice", pm->name);
				return -1;
			}
	}
	for (r = p->routes, i = 0; r != NULL && r->method != NULL; r++, i++) {
		if (i >= MAX_ENTRIES || !method_valid(r->method)) {
			setwhy(why, whylen, "route %zu: unknown method", i);
			return -1;
		}
		if (!pattern_valid(r->pattern)) {
			setwhy(why, whylen, "route %s: pattern must start with "
			    "/api/v1/ and have no trailing slash", r->method);
			return -1;
		}
		/* Deny by default: a route without a permission is a bug. */
		if (r->permission == NULL || !perm_name_valid(r->permission)) {
			setwhy(why, whylen, "route %s %s has no valid "
			    "permission", r->method, r->pattern);
			return -1;
		}
		if (r->handler == NULL) {
			setwhy(why, whylen, "route %s %s has no handler",
			    r->method, r->pattern);
			return -1;
		}
		if (r->flags & ~(BUREAU_ROUTE_RAW_BODY | BUREAU_ROUTE_REAUTH |
		    BUREAU_ROUTE_NO_CSRF | BUREAU_ROUTE_PW_CHANGE |
		    BUREAU_ROUTE_CACHEABLE)) {
			setwhy(why, whylen, "route %s %s: unknown flags 0x%x",
			    r->method, r->pattern, r->flags);
			return -1;
		}
		if ((r->flags & BUREAU_ROUTE_CACHEABLE) &&
		    strcmp(r->method, "GET") != 0) {
			setwhy(why, whylen, "route %s %s: only GET routes may "
			    "be cacheable", r->method, r->pattern);
			return -1;
		}
		for (r2 = p->routes; r2 != r; r2++)
			if (strcmp(r2->method, r->method) == 0 &&
			    strcmp(r2->pattern, r->pattern) == 0) {
				setwhy(why, whylen, "route %s %s declared "
				    "twice", r->method, r->pattern);
				return -1;
			}
	}
	for (nv = p->nav, i = 0; nv != NULL && nv->id != NULL; nv++, i++) {
		if (i >= MAX_ENTRIES || !text_valid(nv->id, 64, 0) ||
		    nv->id[0] == '\0' || !text_valid(nv->label_zh, 200, 0) ||
		    !text_valid(nv->label_en, 200, 0) ||
		    !text_valid(nv->href, 256, 0) ||
		    !text_valid(nv->module, 256, 1) ||
		    nv->permission == NULL || !perm_name_valid(nv->permission)) {
			setwhy(why, whylen, "nav entry %zu is incomplete", i);
			return -1;
		}
	}
	return 0;
}

int
plugin_file_open(const char *path, int service_uid, struct stat *sb,
    char *why, size_t whylen)
{
	int	fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		if (errno == ELOOP)
			setwhy(why, whylen, "%s is a symbolic link", path);
		else
			setwhy(why, whylen, "cannot open %s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (fstat(fd, sb) == -1) {
		setwhy(why, whylen, "fstat %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb->st_mode)) {
		setwhy(why, whylen, "%s is not a regular file", path);
		goto fail;
	}
	if (sb->st_uid != 0 &&
	    (service_uid < 0 || sb->st_uid != (uid_t)service_uid)) {
		setwhy(why, whylen, "%s is owned by uid %u, not by root or the "
		    "service user", path, (unsigned)sb->st_uid);
		goto fail;
	}
	if (sb->st_mode & (S_IWGRP | S_IWOTH)) {
		setwhy(why, whylen, "%s is group- or world-writable "
		    "(mode %04o)", path, (unsigned)(sb->st_mode & 07777));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int
plugin_dlopen_fd(int fd, void **handle, const struct bureau_plugin **desc,
    size_t *symsize, char *why, size_t whylen)
{
	char			 name[64];
	const char		*e;
	void			*h, *sym;
	struct link_map		*lm = NULL;
	const ElfW(Sym)		*es = NULL;
	Dl_info			 info;

	*handle = NULL;
	*desc = NULL;
	*symsize = 0;
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	(void)dlerror();
	if ((h = dlopen(name, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		setwhy(why, whylen, "dlopen failed: %s", e != NULL ? e : "?");
		return -1;
	}
	*handle = h;
	(void)dlerror();
	sym = dlsym(h, "bureau_plugin");
	if (sym == NULL) {
		setwhy(why, whylen, "no bureau_plugin symbol exported");
		return -1;
	}
	/*
	 * dlsym also searches the object's dependencies; the descriptor must
	 * be the file's own, not one of a library it pulled in.
	 */
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == -1 || lm == NULL ||
	    dladdr1(sym, &info, (void **)&es, RTLD_DL_SYMENT) == 0 ||
	    info.dli_fname == NULL || strcmp(info.dli_fname, lm->l_name) != 0) {
		setwhy(why, whylen, "bureau_plugin is not defined by the file "
		    "itself");
		return -1;
	}
	if (es != NULL) {
		if (ELF64_ST_TYPE(es->st_info) != STT_OBJECT) {
			setwhy(why, whylen, "bureau_plugin is not a data "
			    "object");
			return -1;
		}
		*symsize = (size_t)es->st_size;
	}
	*desc = sym;
	return 0;
}

/* --- the probe process ---------------------------------------------- */

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
desc_json(const struct bureau_plugin *p, const struct stat *sb)
{
	const struct bureau_migration	*m;
	const struct bureau_route	*r;
	const struct bureau_permission	*pm;
	const struct bureau_nav		*nv;
	json_t				*o, *a;
	size_t				 i;

	o = json_object();
	json_object_set_new(o, "ok", json_true());
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "version", json_string(p->version));
	json_object_set_new(o, "title", str_or_null(p->title));
	json_object_set_new(o, "description", str_or_null(p->description));
	json_object_set_new(o, "abi_major", json_integer(p->abi_major));
	json_object_set_new(o, "abi_minor", json_integer(p->abi_minor));
	a = json_array();
	for (i = 0; p->depends != NULL && p->depends[i] != NULL; i++)
		json_array_append_new(a, json_string(p->depends[i]));
	json_object_set_new(o, "depends", a);
	json_object_set_new(o, "schema_version",
	    json_integer(migrate_latest(p->migrations)));
	a = json_array();
	for (m = p->migrations; m != NULL && m->version != 0; m++)
		json_array_append_new(a, json_pack("{s:i,s:o,s:b,s:b}",
		    "version", m->version,
		    "description", str_or_null(m->description),
		    "rebuild", (m->flags & BUREAU_MIGRATION_REBUILD) != 0,
		    "code", m->apply != NULL));
	json_object_set_new(o, "migrations", a);
	a = json_array();
	for (pm = p->permissions; pm != NULL && pm->name != NULL; pm++)
		json_array_append_new(a, json_pack("{s:s,s:o,s:s}",
		    "name", pm->name,
		    "description", str_or_null(pm->description),
		    "default_roles", pm->default_roles != NULL ?
		    pm->default_roles : ""));
	json_object_set_new(o, "permissions", a);
	a = json_array();
	for (r = p->routes; r != NULL && r->method != NULL; r++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:i}",
		    "method", r->method, "pattern", r->pattern,
		    "permission", r->permission, "flags", (int)r->flags));
	json_object_set_new(o, "routes", a);
	a = json_array();
	for (nv = p->nav; nv != NULL && nv->id != NULL; nv++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:o,s:s,"
		    "s:i}", "id", nv->id, "label_zh", nv->label_zh,
		    "label_en", nv->label_en, "href", nv->href,
		    "module", str_or_null(nv->module),
		    "permission", nv->permission, "order", nv->order));
	json_object_set_new(o, "nav", a);
	json_object_set_new(o, "file", json_pack("{s:I,s:I,s:I,s:I,s:i,s:i}",
	    "dev", (json_int_t)sb->st_dev, "ino", (json_int_t)sb->st_ino,
	    "size", (json_int_t)sb->st_size,
	    "mtime_ns", (json_int_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec,
	    "uid", (int)sb->st_uid, "mode", (int)(sb->st_mode & 07777)));
	return o;
}

/* Writes the one answer line to the saved stdout. */
static void
emit(int outfd, json_t *o)
{
	char	*s;
	size_t	 len, off = 0;
	ssize_t	 w;

	s = json_dumps(o, JSON_COMPACT);
	if (s == NULL)
		return;
	len = strlen(s);
	while (off < len) {
		w = write(outfd, s + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	w = write(outfd, "\n", 1);
	(void)w;
	free(s);
}

/* "#stage what": where a crash would have happened (see the top). */
static void
stage(int outfd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
stage(int outfd, const char *fmt, ...)
{
	char	line[160];
	va_list	ap;
	int	n;

	memcpy(line, "#stage ", 7);
	va_start(ap, fmt);
	n = vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = (int)strlen(line);
	line[n++] = '\n';
	/* One short write: atomic on a pipe, never mixed with the answer. */
	while (write(outfd, line, (size_t)n) == -1 && errno == EINTR)
		;
}

static void
emit_refusal(int outfd, const char *name, const char *reason)
{
	json_t	*o;

	o = json_pack("{s:b,s:s}", "ok", 0, "reason", reason);
	if (name != NULL && plugin_name_valid(name))
		json_object_set_new(o, "name", json_string(name));
	emit(outfd, o);
	json_decref(o);
}

/*
 * From here on nothing the plugin prints may reach the caller's pipe:
 * fd 1 goes to stderr (for the log); our answer goes to the saved fd.
 */
static int
stdout_guard(void)
{
	int	outfd;

	fflush(stdout);
	if ((outfd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	if (dup2(STDERR_FILENO, STDOUT_FILENO) == -1) {
		close(outfd);
		return -1;
	}
	return outfd;
}

struct probed {
	int				 fd;
	struct stat			 sb;
	void				*handle;
	const struct bureau_plugin	*desc;
};

/*
 * Opens, checks and loads one file; the name it declares is kept in
 * *name_seen when the descriptor was readable (for the refusal).
 */
static int
probe_one(const char *path, int service_uid, struct probed *pr,
    const char **name_seen, char *why, size_t whylen)
{
	size_t	symsize;

	memset(pr, 0, sizeof(*pr));
	pr->fd = -1;
	*name_seen = NULL;
	if ((pr->fd = plugin_file_open(path, service_uid, &pr->sb, why,
	    whylen)) == -1)
		return -1;
	if (plugin_dlopen_fd(pr->fd, &pr->handle, &pr->desc, &symsize, why,
	    whylen) == -1)
		return -1;
	if (symsize == 0 || symsize >= DESC_MIN_SIZE) {
		if (pr->desc->magic == BUREAU_PLUGIN_MAGIC &&
		    pr->desc->abi_major == BUREAU_ABI_MAJOR)
			*name_seen = pr->desc->name;
	}
	return plugin_desc_check(pr->desc, symsize, why, whylen);
}

int
probe_main(const char *path, int service_uid)
{
	return probe_testload_main(path, service_uid, NULL, NULL);
}

/* Dependency closure in load order (dependencies first). */
struct tl_state {
	int			 outfd;		/* for stage() */
	const char		*dir;
	int			 service_uid;
	struct probed		 items[MAX_DEPENDS + 1];
	size_t			 count;
	const char		*visiting[MAX_DEPENDS + 2];
	size_t			 depth;
};

static int
tl_visit(struct tl_state *tl, const char *name, char *why, size_t whylen)
{
	struct probed	 pr;
	const char	*seen;
	char		 path[PATH_MAX], sub[512];
	size_t		 i;

	for (i = 0; i < tl->count; i++)
		if (strcmp(tl->items[i].desc->name, name) == 0)
			return 0;
	for (i = 0; i < tl->depth; i++)
		if (strcmp(tl->visiting[i], name) == 0) {
			setwhy(why, whylen, "dependency cycle through %s", name);
			return -1;
		}
	if (tl->depth >= MAX_DEPENDS + 1 || tl->count >= MAX_DEPENDS + 1) {
		setwhy(why, whylen, "dependency chain too long");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.so", tl->dir, name);
	stage(tl->outfd, "the dependency %s (dlopen)", name);
	if (probe_one(path, tl->service_uid, &pr, &seen, sub,
	    sizeof(sub)) == -1) {
		if (pr.fd != -1)
			close(pr.fd);
		setwhy(why, whylen, "dependency %s: %s", name, sub);
		return -1;
	}
	if (strcmp(pr.desc->name, name) != 0) {
		close(pr.fd);
		setwhy(why, whylen, "dependency %s: %s.so declares the name %s",
		    name, name, pr.desc->name);
		return -1;
	}
	tl->visiting[tl->depth++] = name;
	for (i = 0; pr.desc->depends != NULL && pr.desc->depends[i] != NULL;
	    i++)
		if (tl_visit(tl, pr.desc->depends[i], why, whylen) == -1) {
			close(pr.fd);
			return -1;
		}
	tl->depth--;
	tl->items[tl->count++] = pr;
	return 0;
}

/* Migrations of the closure in one transaction, rolled back; init/fini. */
static int
test_load(struct tl_state *tl, const char *db_path,
    const struct bureau_host *host, char *why, size_t whylen)
{
	const struct bureau_plugin	*self = tl->items[tl->count - 1].desc;
	sqlite3				*db = NULL;
	void				*state = NULL;
	size_t				 i;
	int				 rebuild = 0, rc = -1;

	if (db_open(&db, db_path, 0, 5000) == -1) {
		setwhy(why, whylen, "cannot open the database %s", db_path);
		return -1;
	}
	for (i = 0; i < tl->count; i++)
		rebuild |= migrate_needs_rebuild(tl->items[i].desc->migrations);
	if (rebuild && db_exec(db, "PRAGMA foreign_keys=OFF") == -1) {
		setwhy(why, whylen, "foreign_keys=OFF failed");
		goto out;
	}
	if (db_begin(db) == -1) {
		setwhy(why, whylen, "BEGIN IMMEDIATE: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (i = 0; i < tl->count; i++) {
		stage(tl->outfd, "a migration of %s",
		    tl->items[i].desc->name);
		if (migrate_apply_txn(db, tl->items[i].desc->name,
		    tl->items[i].desc->migrations, why, whylen) == -1)
			break;
	}
	if (i == tl->count && (!rebuild ||
	    migrate_fk_check(db, why, whylen) == 0))
		rc = 0;
	/* A test-load changes nothing. */
	db_rollback(db);
	if (rc == -1)
		goto out;
	if (self->init != NULL) {
		stage(tl->outfd, "init");
		if (self->init(host, &state) != 0) {
			setwhy(why, whylen, "init() of %s failed", self->name);
			rc = -1;
			goto out;
		}
		if (self->fini != NULL) {
			stage(tl->outfd, "fini");
			self->fini(state);
		}
	}
out:
	db_close(db);
	return rc;
}

int
probe_testload_main(const char *path, int service_uid, const char *db_path,
    const struct bureau_host *host)
{
	struct probed	 pr;
	struct tl_state	 tl;
	json_t		*o;
	const char	*seen = NULL;
	char		 why[1024], *dircopy = NULL, *slash;
	int		 outfd;
	size_t		 i;

	if (path == NULL || path[0] == '\0')
		return 2;
	if ((outfd = stdout_guard()) == -1) {
		perror("probe: stdout");
		return 2;
	}
	why[0] = '\0';
	stage(outfd, "dlopen (a constructor?)");
	if (probe_one(path, service_uid, &pr, &seen, why, sizeof(why)) == -1) {
		emit_refusal(outfd, seen, why);
		goto done;
	}
	if (db_path != NULL) {
		memset(&tl, 0, sizeof(tl));
		tl.outfd = outfd;
		tl.service_uid = service_uid;
		/* Dependencies come from the plugin's own directory. */
		if ((dircopy = strdup(path)) == NULL)
			goto oom;
		slash = strrchr(dircopy, '/');
		if (slash == NULL)
			tl.dir = ".";
		else {
			*slash = '\0';
			tl.dir = slash == dircopy ? "/" : dircopy;
		}
		tl.visiting[tl.depth++] = pr.desc->name;
		for (i = 0; pr.desc->depends != NULL &&
		    pr.desc->depends[i] != NULL; i++)
			if (tl_visit(&tl, pr.desc->depends[i], why,
			    sizeof(why)) == -1) {
				emit_refusal(outfd, pr.desc->name, why);
				goto done;
			}
		tl.depth--;
		tl.items[tl.count++] = pr;
		if (test_load(&tl, db_path, host, why, sizeof(why)) == -1) {
			emit_refusal(outfd, pr.desc->name, why);
			goto done;
		}
	}
	o = desc_json(pr.desc, &pr.sb);
	if (db_path != NULL)
		json_object_set_new(o, "test_load", json_true());
	emit(outfd, o);
	json_decref(o);
	goto done;
oom:
	emit_refusal(outfd, NULL, "out of memory");
done:
	free(dircopy);
	close(outfd);
	/* Handles stay open: the process ends here, and never dlcloses. */
	return 0;
}

/* --- the caller's side ---------------------------------------------- */

static const char *
signame(int sig)
{
	const char	*s = sigabbrev_np(sig);

	return s != NULL ? s : "?";
}

static char *
xstrdup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
info_refuse(struct plugin_info *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
info_refuse(struct plugin_info *out, const char *fmt, ...)
{
	va_list	ap;
	char	buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out->ok = 0;
	free(out->reason);
	out->reason = strdup(buf);
}

static const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Fills out from the probe's answer; -1 when it is not one. */
static int
info_from_json(struct plugin_info *out, json_t *o)
{
	json_t		*dep, *file;
	size_t		 i, n;
	const char	*name;

	if (!json_is_object(o) || !json_is_boolean(json_object_get(o, "ok")))
		return -1;
	name = jstr(o, "name");
	if (name != NULL && plugin_name_valid(name))
		out->name = strdup(name);
	if (!json_is_true(json_object_get(o, "ok"))) {
		info_refuse(out, "%s", jstr(o, "reason") != NULL ?
		    jstr(o, "reason") : "refused without a reason");
		return 0;
	}
	if (out->name == NULL || jstr(o, "version") == NULL)
		return -1;
	out->version = strdup(jstr(o, "version"));
	out->title = xstrdup_or_null(jstr(o, "title"));
	out->description = xstrdup_or_null(jstr(o, "description"));
	out->abi_major = (int)json_integer_value(json_object_get(o,
	    "abi_major"));
	out->abi_minor = (int)json_integer_value(json_object_get(o,
	    "abi_minor"));
	out->schema_version = (int)json_integer_value(json_object_get(o,
	    "schema_version"));
	dep = json_object_get(o, "depends");
	n = json_is_array(dep) ? json_array_size(dep) : 0;
	free(out->depends);
	if ((out->depends = calloc(n + 1, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		name = json_string_value(json_array_get(dep, i));
		if (name == NULL || !plugin_name_valid(name))
			return -1;
		if ((out->depends[i] = strdup(name)) == NULL)
			return -1;
	}
	file = json_object_get(o, "file");
	out->dev = (dev_t)json_integer_value(json_object_get(file, "dev"));
	out->ino = (ino_t)json_integer_value(json_object_get(file, "ino"));
	out->size = (off_t)json_integer_value(json_object_get(file, "size"));
	out->mtime_ns = json_integer_value(json_object_get(file, "mtime_ns"));
	out->report = json_incref(o);
	out->ok = 1;
	return 0;
}

/*
 * The helper's output, NUL-terminated: the text of the last "#stage"
 * line into where ("" when none), and the answer (the last other
 * non-empty line) returned, or NULL.
 */
static char *
probe_output_split(char *buf, char *where, size_t wherelen)
{
	char	*line, *nl, *answer = NULL;

	where[0] = '\0';
	for (line = buf; line != NULL && *line != '\0'; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (strncmp(line, "#stage ", 7) == 0)
			snprintf(where, wherelen, "%s", line + 7);
		else if (*line != '\0')
			answer = line;
	}
	return answer;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
probe_run(const struct config *cfg, const char *path,
    struct plugin_info *out)
{
	return probe_run_ex(cfg, path, 0, 0, out);
}

int
probe_run_ex(const struct config *cfg, const char *path, unsigned flags,
    int timeout_ms, struct plugin_info *out)
{
	/* A clean environment: no LD_PRELOAD, no LD_LIBRARY_PATH. */
	char		*envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C",
#ifdef __SANITIZE_ADDRESS__
		/* Let a crash be a signal, as in a production build, and
		 * skip leak checks of a process that never dlcloses. */
		"ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:handle_abort=0:"
		    "detect_leaks=0",
#endif
		NULL
	};
	char		*argv[6];
	char		*buf = NULL, *nb;
	size_t		 len = 0, cap = 0;
	int		 pfd[2] = { -1, -1 }, devnull = -1, status = 0;
	int		 timed_out = 0, too_big = 0, rc, pidfd;
	pid_t		 pid = -1;
	sigset_t	 none;
	int64_t		 deadline;
	struct pollfd	 p;
	ssize_t		 n;
	json_t		*o;
	json_error_t	 jerr;
	const char	*what = (flags & PROBE_TEST_LOAD) ? "test-load" :
			    "probe";
	char		 where[160], *answer = NULL;

	memset(out, 0, sizeof(*out));
	out->path = strdup(path);
	out->depends = calloc(1, sizeof(char *));
	if (out->path == NULL || out->depends == NULL) {
		info_refuse(out, "out of memory");
		return -1;
	}
	if (timeout_ms <= 0)
		timeout_ms = (flags & PROBE_TEST_LOAD) ? TESTLOAD_TIMEOUT_MS :
		    PROBE_TIMEOUT_MS;
	if (cfg->probe_path == NULL) {
		info_refuse(out, "no probe helper configured "
		    "(plugins.probe_path)");
		return -1;
	}
	if ((flags & PROBE_TEST_LOAD) && cfg->db_path == NULL) {
		info_refuse(out, "no database configured for the test-load");
		return -1;
	}
	argv[0] = "bureaud";
	argv[1] = "--probe";
	argv[2] = (char *)path;
	argv[3] = NULL;
	if (flags & PROBE_TEST_LOAD) {
		argv[3] = "--test-load";
		argv[4] = cfg->db_path;
		argv[5] = NULL;
	}
	sigemptyset(&none);
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(pfd, O_CLOEXEC) == -1) {
		info_refuse(out, "cannot run the %s: %s", what,
		    strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		info_refuse(out, "cannot fork the %s: %s", what,
		    strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		/* Child of a maybe-threaded parent: syscalls only. */
		struct rlimit nocore = { 0, 0 };

		if (dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(pfd[1], STDOUT_FILENO) == -1)
			_exit(127);
		/* Nothing else of ours leaks in: listen sockets, the DB. */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setrlimit(RLIMIT_CORE, &nocore);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execve(cfg->probe_path, argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	close(devnull);
	devnull = -1;

	deadline = now_ms() + timeout_ms;
	for (;;) {
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		p.fd = pfd[0];
		p.events = POLLIN;
		rc = poll(&p, 1, (int)left);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1) {
			timed_out = 1;
			break;
		}
		if (rc == 0)
			continue;
		if (len + 4096 + 1 > cap) {
			if (cap >= PROBE_OUT_MAX) {
				too_big = 1;
				break;
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				too_big = 1;
				break;
			}
			buf = nb;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	/*
	 * End of output is not the end of the process (a constructor may
	 * close the pipe and hang): the deadline holds for the exit too.
	 */
	pidfd = (timed_out || too_big) ? -1 :
	    (int)syscall(SYS_pidfd_open, pid, 0);
	while (!timed_out && !too_big) {
		pid_t		 w = waitpid(pid, &status, WNOHANG);
		int64_t		 left = deadline - now_ms();
		struct timespec	 tick = { 0, 2 * 1000 * 1000 };

		if (w == pid)
			break;
		if (w == -1 && errno != EINTR) {
			status = -1;
			break;
		}
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		/* A pidfd turns readable at exit; without one, tick. */
		if (pidfd != -1) {
			p.fd = pidfd;
			p.events = POLLIN;
			(void)poll(&p, 1, (int)left);
		} else
			nanosleep(&tick, NULL);
	}
	if (pidfd != -1)
		close(pidfd);
	if (timed_out || too_big) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
	}
	pid = -1;

	where[0] = '\0';
	if (buf != NULL) {
		buf[len] = '\0';
		answer = probe_output_split(buf, where, sizeof(where));
	}
	if (timed_out && where[0] != '\0') {
		info_refuse(out, "%s timed out after %d ms in %s (a hang?)",
		    what, timeout_ms, where);
		goto fail;
	}
	if (timed_out) {
		info_refuse(out, "%s timed out after %d ms (a hang while "
		    "loading?)", what, timeout_ms);
		goto fail;
	}
	if (too_big) {
		info_refuse(out, "%s answered with too much output", what);
		goto fail;
	}
	if (status == -1) {
		info_refuse(out, "%s: waitpid: %s", what, strerror(errno));
		goto fail;
	}
	if (WIFSIGNALED(status) && where[0] != '\0') {
		info_refuse(out, "%s crashed with signal %d (SIG%s) in %s",
		    what, WTERMSIG(status), signame(WTERMSIG(status)), where);
		goto fail;
	}
	if (WIFSIGNALED(status)) {
		info_refuse(out, "%s crashed with signal %d (SIG%s) while "
		    "loading the plugin (constructor%s?)", what,
		    WTERMSIG(status), signame(WTERMSIG(status)),
		    (flags & PROBE_TEST_LOAD) ? ", migration or init" : "");
		goto fail;
	}
	if (WEXITSTATUS(status) == 127 && answer == NULL) {
		info_refuse(out, "could not run the probe helper %s",
		    cfg->probe_path);
		goto fail;
	}
	if (WEXITSTATUS(status) != 0) {
		info_refuse(out, "%s exited with status %d", what,
		    WEXITSTATUS(status));
		goto fail;
	}
	if (answer == NULL) {
		info_refuse(out, "%s gave no answer", what);
		goto fail;
	}
	o = json_loads(answer, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL || info_from_json(out, o) == -1) {
		json_decref(o);
		info_refuse(out, "%s gave an answer that is not a plugin "
		    "report", what);
		goto fail;
	}
	json_decref(o);
	close(pfd[0]);
	free(buf);
	return out->ok ? 0 : -1;

fail:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	if (pfd[0] != -1)
		close(pfd[0]);
	if (pfd[1] != -1)
		close(pfd[1]);
	if (devnull != -1)
		close(devnull);
	free(buf);
	return -1;
}
