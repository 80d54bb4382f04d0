/*
 * plugins.c -- the plugin directory, the plugins table and loading the
 * enabled plugins into a worker.
 *
 * Trust goes in steps: a file is probed in a throwaway process
 * (probe.c); only a plugin that passed, whose dependencies are enabled
 * and loadable, is dlopen'ed here, and only if the file is still the one
 * the probe saw.  Whatever goes wrong with one plugin is recorded in the
 * plugins table (state 'failed' and the reason, for the admin) and the
 * others load on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "migrate.h"
#include "plugins.h"

#define NOW_SQL	"strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *
base_name(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int	scan_dir(const struct config *, struct plugin_cache *,
		    struct plugin_info **, size_t *);
static int	is_downgrade(sqlite3 *, const char *, const char *, int,
		    char *, size_t);

/* --- plugin_info ----------------------------------------------------- */

void
plugin_info_clear(struct plugin_info *pi)
{
	size_t	j;

	free(pi->path);
	free(pi->name);
	free(pi->version);
	free(pi->title);
	free(pi->description);
	for (j = 0; pi->depends != NULL && pi->depends[j] != NULL; j++)
		free(pi->depends[j]);
	free(pi->depends);
	free(pi->reason);
	json_decref(pi->report);
	memset(pi, 0, sizeof(*pi));
}

void
plugin_info_free(struct plugin_info *v, size_t count)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < count; i++)
		plugin_info_clear(&v[i]);
	free(v);
}

static int
dup_or_null(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return -1;
	return 0;
}

int
plugin_info_copy(struct plugin_info *dst, const struct plugin_info *src)
{
	size_t	n, i;

	memset(dst, 0, sizeof(*dst));
	if (dup_or_null(&dst->path, src->path) == -1 ||
	    dup_or_null(&dst->name, src->name) == -1 ||
	    dup_or_null(&dst->version, src->version) == -1 ||
	    dup_or_null(&dst->title, src->title) == -1 ||
	    dup_or_null(&dst->description, src->description) == -1 ||
	    dup_or_null(&dst->reason, src->reason) == -1)
		goto fail;
	for (n = 0; src->depends != NULL && src->depends[n] != NULL; n++)
		;
	if ((dst->depends = calloc(n + 1, sizeof(char *))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if ((dst->depends[i] = strdup(src->depends[i])) == NULL)
			goto fail;
	/* A deep copy: the copy may go to another thread than the one
	 * that holds the cached original. */
	if (src->report != NULL &&
	    (dst->report = json_deep_copy(src->report)) == NULL)
		goto fail;
	dst->abi_major = src->abi_major;
	dst->abi_minor = src->abi_minor;
	dst->schema_version = src->schema_version;
	dst->ok = src->ok;
	dst->dev = src->dev;
	dst->ino = src->ino;
	dst->size = src->size;
	dst->mtime_ns = src->mtime_ns;
	return 0;
fail:
	plugin_info_clear(dst);
	return -1;
}

int
plugin_version_cmp(const char *a, const char *b)
{
	unsigned long	x, y;
	char		*ea, *eb;

	if (a == NULL || b == NULL)
		return 2;
	for (;;) {
		if (*a < '0' || *a > '9' || *b < '0' || *b > '9')
			return 2;
		errno = 0;
		x = strtoul(a, &ea, 10);
		y = strtoul(b, &eb, 10);
		if (errno != 0 || (*ea != '.' && *ea != '\0') ||
		    (*eb != '.' && *eb != '\0'))
			return 2;
		if (x != y)
			return x < y ? -1 : 1;
		if (*ea == '\0' || *eb == '\0')
			return *ea == *eb ? 0 : *ea == '\0' ? -1 : 1;
		a = ea + 1;
		b = eb + 1;
	}
}

json_t *
plugin_info_json(const struct plugin_info *pi)
{
	static const char *const copied[] = {
		"routes", "permissions", "nav", "migrations", NULL
	};
	json_t	*o, *deps;
	size_t	 i;

	deps = json_array();
	for (i = 0; pi->depends != NULL && pi->depends[i] != NULL; i++)
		json_array_append_new(deps, json_string(pi->depends[i]));
	o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:b}",
	    "file", base_name(pi->path),
	    "name", pi->name != NULL ? json_string(pi->name) : json_null(),
	    "version", pi->version != NULL ? json_string(pi->version) :
	    json_null(),
	    "title", pi->title != NULL ? json_string(pi->title) : json_null(),
	    "description", pi->description != NULL ?
	    json_string(pi->description) : json_null(),
	    "depends", deps,
	    "ok", pi->ok);
	if (o == NULL)
		return NULL;
	if (pi->ok) {
		json_object_set_new(o, "abi", json_sprintf("%d.%d",
		    pi->abi_major, pi->abi_minor));
		json_object_set_new(o, "schema_version",
		    json_integer(pi->schema_version));
	} else
		json_object_set_new(o, "reason", json_string(pi->reason != NULL
		    ? pi->reason : "refused"));
	for (i = 0; copied[i] != NULL; i++) {
		json_t *v = pi->report != NULL ?
		    json_object_get(pi->report, copied[i]) : NULL;

		json_object_set_new(o, copied[i], v != NULL ? json_incref(v) :
		    json_array());
	}
	return o;
}

/*
 * The plugin directory itself must be as safe as the files: owned by
 * root or us, not writable by group or others.  NULL when it is, else
 * the reason (allocated).
 */
static char *
dir_unsafe(DIR *d, const char *path)
{
	struct stat	 sb;
	char		*why = NULL;

	if (fstat(dirfd(d), &sb) == -1) {
		if (asprintf(&why, "cannot stat the plugin directory %s: %s",
		    path, strerror(errno)) == -1)
			why = NULL;
	} else if (sb.st_uid != 0 && sb.st_uid != getuid()) {
		if (asprintf(&why, "the plugin directory %s is owned by uid %u, "
		    "not by root or the service user", path,
		    (unsigned)sb.st_uid) == -1)
			why = NULL;
	} else if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
		if (asprintf(&why, "the plugin directory %s is group- or "
		    "world-writable (mode %04o)", path,
		    (unsigned)(sb.st_mode & 07777)) == -1)
			why = NULL;
	}
	if (why != NULL)
		log_err("plugins: %s", why);
	return why;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- the probe cache ------------------------------------------------ */

struct cache_entry {
	char			*path;
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	int64_t			 mtime_ns, ctime_ns;
	mode_t			 mode;
	uid_t			 uid;
	int			 seen;		/* in the current scan */
	struct plugin_info	 info;
};

struct plugin_cache {
	pthread_mutex_t		 mu;
	struct cache_entry	*v;
	size_t			 n, cap;
	uint64_t		 hits, misses;
};

struct plugin_cache *
plugin_cache_new(void)
{
	struct plugin_cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

static void
cache_entry_clear(struct cache_entry *e)
{
	free(e->path);
	plugin_info_clear(&e->info);
	memset(e, 0, sizeof(*e));
}

void
plugin_cache_free(struct plugin_cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++)
		cache_entry_clear(&c->v[i]);
	free(c->v);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void
cache_key(struct cache_entry *k, const struct stat *sb)
{
	k->dev = sb->st_dev;
	k->ino = sb->st_ino;
	k->size = sb->st_size;
	k->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 +
	    sb->st_mtim.tv_nsec;
	k->ctime_ns = (int64_t)sb->st_ctim.tv_sec * 1000000000 +
	    sb->st_ctim.tv_nsec;
	k->mode = sb->st_mode;
	k->uid = sb->st_uid;
}

static int
cache_key_same(const struct cache_entry *a, const struct cache_entry *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns &&
	    a->mode == b->mode && a->uid == b->uid;
}

/*
 * Whether a refusal says nothing about the file: the probe could not be
 * run or waited for here and now (memory, fork, a missing or
 * misconfigured helper).
 */
static int
probe_failed_here(const struct plugin_info *pi)
{
	static const char *const here[] = {
		"out of memory", "cannot run the ", "cannot fork the ",
		"no probe helper", "could not run the probe helper",
		"no database configured", NULL
	};
	size_t	i;

	if (pi->ok || pi->reason == NULL)
		return 0;
	for (i = 0; here[i] != NULL; i++)
		if (strncmp(pi->reason, here[i], strlen(here[i])) == 0)
			return 1;
	return strstr(pi->reason, ": waitpid: ") != NULL;
}

/*
 * Whether the probe itself answered (kept), or we could not get an
 * answer out of it (not kept: it may well answer next time).
 */
static int
cache_keepable(const struct plugin_info *pi)
{
	if (pi->ok || pi->reason == NULL)
		return 1;
	return !probe_failed_here(pi) &&
	    strstr(pi->reason, " timed out after ") == NULL;
}

/*
 * One file through the cache (c locked by the caller) or the probe.
 * Lstat'ed before probing: should the file change in between, the
 * answer is kept under the old identity and simply never found again.
 */
static void
probe_cached(const struct config *cfg, struct plugin_cache *c,
    const char *path, struct plugin_info *out)
{
	struct cache_entry	 key, *e = NULL, *nv;
	struct stat		 sb;
	size_t			 i;

	if (c == NULL || lstat(path, &sb) == -1) {
		(void)probe_run(cfg, path, out);
		return;
	}
	memset(&key, 0, sizeof(key));
	cache_key(&key, &sb);
	for (i = 0; i < c->n && e == NULL; i++)
		if (strcmp(c->v[i].path, path) == 0)
			e = &c->v[i];
	if (e != NULL && cache_key_same(e, &key)) {
		e->seen = 1;
		if (plugin_info_copy(out, &e->info) == 0) {
			c->hits++;
			return;
		}
	}
	c->misses++;
	(void)probe_run(cfg, path, out);
	if (!cache_keepable(out))
		return;
	if (e == NULL) {
		if (c->n == c->cap) {
			size_t cap = c->cap == 0 ? 16 : c->cap * 2;

			if ((nv = realloc(c->v, cap * sizeof(*nv))) == NULL)
				return;
			c->v = nv;
			c->cap = cap;
		}
		e = &c->v[c->n];
		memset(e, 0, sizeof(*e));
		if ((e->path = strdup(path)) == NULL)
			return;
		c->n++;
	} else
		plugin_info_clear(&e->info);
	if (plugin_info_copy(&e->info, out) == -1) {
		/* Keep the slot but never match it again. */
		e->ino = 0;
		e->mode = 0;
		return;
	}
	cache_key(e, &sb);
	e->seen = 1;
}

/* Forgets files that were not in this scan (removed, renamed away). */
static void
cache_prune(struct plugin_cache *c)
{
	size_t	i, j;

	for (i = 0, j = 0; i < c->n; i++) {
		if (c->v[i].seen) {
			c->v[i].seen = 0;
			c->v[j++] = c->v[i];
		} else
			cache_entry_clear(&c->v[i]);
	}
	c->n = j;
}

int
plugin_scan(const struct config *cfg, struct plugin_info **out,
    size_t *count)
{
	return plugin_scan_cached(cfg, NULL, out, count);
}

int
plugin_scan_cached(const struct config *cfg, struct plugin_cache *cache,
    struct plugin_info **out, size_t *count)
{
	int	rc;

	if (cache == NULL)
		return scan_dir(cfg, NULL, out, count);
	pthread_mutex_lock(&cache->mu);
	rc = scan_dir(cfg, cache, out, count);
	if (rc == 0)
		cache_prune(cache);
	log_debug("plugins: probe cache: %llu hits, %llu misses",
	    (unsigned long long)cache->hits,
	    (unsigned long long)cache->misses);
	pthread_mutex_unlock(&cache->mu);
	return rc;
}

static int
scan_dir(const struct config *cfg, struct plugin_cache *cache,
    struct plugin_info **out, size_t *count)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **nn, *path = NULL, *why;
	char		*dir_why = NULL;
	size_t		 n = 0, cap = 0, i, j, len;
	struct plugin_info *v = NULL;

	*out = NULL;
	*count = 0;
	if (cfg->plugin_dir == NULL)
		return 0;
	if ((d = opendir(cfg->plugin_dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_err("plugins: cannot read %s: %s", cfg->plugin_dir,
		    strerror(errno));
		return -1;
	}
	dir_why = dir_unsafe(d, cfg->plugin_dir);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		/* Dot files are editors' and installers' temporaries. */
		if (de->d_name[0] == '.' || len < 4 ||
		    strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nn = realloc(names, cap * sizeof(*names))) == NULL)
				goto oom;
			names = nn;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto oom;
		n++;
	}
	closedir(d);
	d = NULL;
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		if (asprintf(&path, "%s/%s", cfg->plugin_dir, names[i]) == -1)
			goto oom;
		probe_cached(cfg, cache, path, &v[i]);
		free(path);
		path = NULL;
	}
	/* Whoever may write the directory may swap what is in it. */
	for (i = 0; dir_why != NULL && i < n; i++) {
		v[i].ok = 0;
		free(v[i].reason);
		if ((v[i].reason = strdup(dir_why)) == NULL)
			goto oom;
	}
	/* The same name in two files: neither is trusted to be "it". */
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			if (i == j || v[i].name == NULL || v[j].name == NULL ||
			    strcmp(v[i].name, v[j].name) != 0)
				continue;
			if (asprintf(&why, "duplicate plugin name %s (also "
			    "declared by %s)", v[i].name,
			    base_name(v[j].path)) == -1)
				goto oom;
			v[i].ok = 0;
			free(v[i].reason);
			v[i].reason = why;
			break;
		}
	}
	/* The loader finds a plugin as NAME.so; nothing else is it. */
	for (i = 0; i < n; i++) {
		if (!v[i].ok)
			continue;
		len = strlen(v[i].name);
		if (strncmp(names[i], v[i].name, len) == 0 &&
		    strcmp(names[i] + len, ".so") == 0)
			continue;
		if (asprintf(&why, "file %s declares the plugin name %s "
		    "(it must be called %s.so)", names[i], v[i].name,
		    v[i].name) == -1)
			goto oom;
		v[i].ok = 0;
		free(v[i].reason);
		v[i].reason = why;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir_why);
	*out = v;
	*count = n;
	return 0;
oom:
	free(dir_why);
	log_err("plugins: scan: out of memory");
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	plugin_info_free(v, v != NULL ? n : 0);
	return -1;
}

/* --- small database helpers ----------------------------------------- */

/* State of a plugin in the table into buf ("" when it has no row). */
static int
read_state(sqlite3 *db, const char *name, char *buf, size_t buflen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT state FROM plugins WHERE name = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(buf, buflen, "%s", (const char *)
		    sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	log_err("plugins: reading the state of %s: %s", name,
	    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

/* Sets state and reason; only_if_state limits it to rows in that state. */
static int
write_state(sqlite3 *db, const char *name, const char *state,
    const char *reason, const char *version, const char *actor,
    const char *only_if_state)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (only_if_state != NULL)
		rc = sqlite3_prepare_v2(db, "UPDATE plugins SET state = ?2, "
		    "reason = ?3, version = coalesce(?4, version), "
		    "changed_at = " NOW_SQL ", changed_by = ?5 "
		    "WHERE name = ?1 AND state = ?6", -1, &st, NULL);
	else
		rc = sqlite3_prepare_v2(db, "INSERT INTO plugins(name, state, "
		    "reason, version, changed_at, changed_by) VALUES (?1, ?2, "
		    "?3, ?4, " NOW_SQL ", ?5) ON CONFLICT(name) DO UPDATE SET "
		    "state = excluded.state, reason = excluded.reason, "
		    "version = coalesce(excluded.version, version), "
		    "changed_at = excluded.changed_at, "
		    "changed_by = excluded.changed_by", -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, actor != NULL ? actor : "system", -1,
	    SQLITE_STATIC);
	if (only_if_state != NULL)
		sqlite3_bind_text(st, 6, only_if_state, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	log_err("plugins: recording %s as %s: %s", name, state,
	    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

/*
 * The version now running, when it differs (an upgrade): who enabled it
 * and when stays as the admin left it.
 */
static int
record_version(sqlite3 *db, const char *name, const char *version)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(db, "UPDATE plugins SET version = ?2 WHERE "
	    "name = ?1 AND version IS NOT ?2", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_err("plugins: recording the version of %s: %s", name,
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* A plugin the loader refused: the admin sees why in the table. */
static void
mark_failed(sqlite3 *db, const char *name, const char *reason)
{
	log_err("plugins: %s not loaded: %s", name, reason);
	(void)write_state(db, name, "failed", reason, NULL, "system",
	    "enabled");
}

/* Runs fn in the caller's transaction, or in one of its own. */
static int
in_txn(sqlite3 *db, int (*fn)(sqlite3 *, void *), void *arg)
{
	int	own = sqlite3_get_autocommit(db);

	if (own && db_begin(db) == -1)
		return -1;
	if (fn(db, arg) == -1) {
		if (own)
			db_rollback(db);
		return -1;
	}
	if (own && db_commit(db) == -1)
		return -1;
	return 0;
}

struct deps_arg {
	const char		*name;
	const char *const	*depends;
};

static int
deps_write(sqlite3 *db, void *arg)
{
	struct deps_arg	*a = arg;
	sqlite3_stmt	*st = NULL;
	size_t		 i;

	if (sqlite3_prepare_v2(db, "DELETE FROM plugin_deps WHERE plugin = ?1",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO plugin_deps(plugin, "
	    "requires) VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; a->depends != NULL && a->depends[i] != NULL; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, a->depends[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	log_err("plugins: recording the dependencies of %s: %s", a->name,
	    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

/* 1 when plugin_deps already holds exactly this list. */
static int
deps_same(sqlite3 *db, const char *name, const char *const *depends)
{
	sqlite3_stmt	*st = NULL;
	size_t		 n = 0, i, found = 0;
	int		 rc, same = 0;

	for (n = 0; depends != NULL && depends[n] != NULL; n++)
		;
	if (sqlite3_prepare_v2(db, "SELECT requires FROM plugin_deps WHERE "
	    "plugin = ?1", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	same = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		for (i = 0; i < n; i++)
			if (strcmp(depends[i], r) == 0)
				break;
		if (i == n)
			same = 0;
		found++;
	}
	if (rc != SQLITE_DONE || found != n)
		same = 0;
	sqlite3_finalize(st);
	return same;
}

int
plugin_deps_record(sqlite3 *db, const char *name,
    const char *const *depends)
{
	struct deps_arg	a = { name, depends };

	/* Every worker calls this at start-up: write only on a change. */
	if (deps_same(db, name, depends))
		return 0;
	return in_txn(db, deps_write, &a);
}

static int
seed_write(sqlite3 *db, void *arg)
{
	const struct bureau_plugin	*p = arg;
	const struct bureau_permission	*pm;
	sqlite3_stmt			*ins = NULL, *grant = NULL;
	const char			*r, *end;
	size_t				 n;

	if (sqlite3_prepare_v2(db, "INSERT INTO plugin_permissions("
	    "permission, plugin, description, default_roles, first_seen) "
	    "VALUES (?1, ?2, ?3, ?4, " NOW_SQL ") "
	    "ON CONFLICT(permission) DO NOTHING", -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO role_permissions("
	    "role, permission) VALUES (?1, ?2)", -1, &grant, NULL) != SQLITE_OK)
		goto fail;
	for (pm = p->permissions; pm != NULL && pm->name != NULL; pm++) {
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, pm->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, p->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, pm->description != NULL ?
		    pm->description : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, pm->default_roles != NULL ?
		    pm->default_roles : "", -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto fail;
		/* Seen before: the admin's map stands as it is. */
		if (sqlite3_changes(db) == 0 || pm->default_roles == NULL)
			continue;
		for (r = pm->default_roles; *r != '\0'; r = *end ? end + 1 :
		    end) {
			end = strchr(r, ',');
			if (end == NULL)
				end = r + strlen(r);
			n = (size_t)(end - r);
			if (n == 0)
				continue;
			sqlite3_reset(grant);
			sqlite3_bind_text(grant, 1, r, (int)n, SQLITE_STATIC);
			sqlite3_bind_text(grant, 2, pm->name, -1,
			    SQLITE_STATIC);
			if (sqlite3_step(grant) != SQLITE_DONE)
				goto fail;
		}
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(grant);
	return 0;
fail:
	log_err("plugins: seeding the permissions of %s: %s", p->name,
	    sqlite3_errmsg(db));
	sqlite3_finalize(ins);
	sqlite3_finalize(grant);
	return -1;
}

int
plugin_seed_permissions(sqlite3 *db, const struct bureau_plugin *p)
{
	const struct bureau_permission	*pm;
	sqlite3_stmt			*st = NULL;
	int				 all = 1;

	/* Read first: after the first start nothing is new. */
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM plugin_permissions WHERE "
	    "permission = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (pm = p->permissions; pm != NULL && pm->name != NULL && all;
	    pm++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, pm->name, -1, SQLITE_STATIC);
		all = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	if (all)
		return 0;
	return in_txn(db, seed_write, (void *)p);
}

/* --- loading -------------------------------------------------------- */

/* Enabled names from the table, sorted (deterministic load order). */
static int
read_enabled(sqlite3 *db, char ***out, size_t *count)
{
	sqlite3_stmt	*st = NULL;
	char		**v = NULL, **nv;
	size_t		 n = 0, cap = 0;
	int		 rc;

	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(db, "SELECT name FROM plugins WHERE state = "
	    "'enabled' ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[n] = strdup((const char *)sqlite3_column_text(st, 0)))
		    == NULL)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	*out = v;
	*count = n;
	return 0;
fail:
	log_err("plugins: reading the plugins table: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	while (n > 0)
		free(v[--n]);
	free(v);
	return -1;
}

/* One enabled plugin on its way in. */
struct cand {
	const char		*name;
	struct plugin_info	*info;	/* NULL: no file */
	int			 alive;
	int			 placed;
	int			 loaded;
};

static struct cand *
cand_find(struct cand *c, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(c[i].name, name) == 0)
			return &c[i];
	return NULL;
}

/* Load one vetted plugin; 0 and *lp filled, or -1 with why. */
static int
load_one(const struct config *cfg, sqlite3 *db,
    const struct bureau_host *host, struct cand *c, struct loaded_plugin *lp,
    char *why, size_t whylen)
{
	const struct bureau_plugin	*desc;
	struct plugin_info		*pi = c->info;
	struct stat			 sb;
	void				*handle = NULL, *state = NULL;
	size_t				 symsize;
	int				 fd;
	int64_t				 mtime;

	(void)cfg;
	fd = plugin_file_open(pi->path, (int)getuid(), &sb, why, whylen);
	if (fd == -1)
		return -1;
	mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	/* The file the probe vetted, not one put in its place since. */
	if (sb.st_dev != pi->dev || sb.st_ino != pi->ino ||
	    sb.st_size != pi->size || mtime != pi->mtime_ns) {
		seterr(why, whylen, "%s changed after it was probed",
		    pi->path);
		close(fd);
		return -1;
	}
	/*
	 * From a successful dlopen on, fd stays open even on failure: the
	 * loader remembers the object by the name /proc/self/fd/N.
	 */
	if (plugin_dlopen_fd(fd, &handle, &desc, &symsize, why, whylen) == -1)
		goto fail_loaded;
	if (plugin_desc_check(desc, symsize, why, whylen) == -1)
		goto fail_loaded;
	if (strcmp(desc->name, c->name) != 0) {
		seterr(why, whylen, "%s declares the name %s", pi->path,
		    desc->name);
		goto fail_loaded;
	}
	/* migrate_apply refuses an older schema; an older version with the
	 * same schema is refused here, as plugin_enable does. */
	switch (is_downgrade(db, desc->name, desc->version,
	    migrate_latest(desc->migrations), why, whylen)) {
	case 0:
		break;
	case -1:
		seterr(why, whylen, "reading its recorded version failed: %s",
		    sqlite3_errmsg(db));
		/* FALLTHROUGH */
	default:
		goto fail_loaded;
	}
	if (migrate_apply(db, desc->name, desc->migrations, 0, why,
	    whylen) == -1)
		goto fail_loaded;
	if (plugin_deps_record(db, desc->name, desc->depends) == -1 ||
	    plugin_seed_permissions(db, desc) == -1) {
		seterr(why, whylen, "recording its dependencies or "
		    "permissions failed: %s", sqlite3_errmsg(db));
		goto fail_loaded;
	}
	(void)record_version(db, desc->name, desc->version);
	if (desc->init != NULL && desc->init(host, &state) != 0) {
		seterr(why, whylen, "init() failed");
		goto fail_loaded;
	}
	lp->desc = desc;
	lp->handle = handle;
	lp->state = state;
	lp->fd = fd;
	if ((lp->path = strdup(pi->path)) == NULL) {
		seterr(why, whylen, "out of memory");
		if (desc->fini != NULL)
			desc->fini(state);
		return -1;
	}
	return 0;
fail_loaded:
	if (handle == NULL)
		close(fd);
	return -1;
}

/* The probe's answer for NAME.so, NULL when there is no such file. */
static struct plugin_info *
info_for(struct plugin_info *infos, size_t ninfo, const char *name)
{
	char	fname[64];
	size_t	j;
	struct plugin_info *found = NULL;

	snprintf(fname, sizeof(fname), "%s.so", name);
	for (j = 0; j < ninfo; j++)
		if (strcmp(base_name(infos[j].path), fname) == 0)
			found = &infos[j];
	return found;
}

/*
 * Keeps in enabled[] only `only` and the enabled plugins it depends on,
 * directly or not (as their files declare), freeing the rest.  A
 * dependency that is not enabled is left for step 2 of set_load to
 * report against `only`, as a full load would.  0, or -1 out of memory.
 */
static int
keep_closure(char **enabled, size_t *nen, struct plugin_info *infos,
    size_t ninfo, const char *only)
{
	struct plugin_info	*pi;
	size_t			 i, j, k, n = *nen;
	int			*keep, changed;

	if ((keep = calloc(n, sizeof(*keep))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		keep[i] = strcmp(enabled[i], only) == 0;
	do {
		changed = 0;
		for (i = 0; i < n; i++) {
			if (!keep[i] || (pi = info_for(infos, ninfo,
			    enabled[i])) == NULL || !pi->ok)
				continue;
			for (k = 0; pi->depends[k] != NULL; k++)
				for (j = 0; j < n; j++)
					if (!keep[j] && strcmp(enabled[j],
					    pi->depends[k]) == 0)
						keep[j] = changed = 1;
		}
	} while (changed);
	for (i = j = 0; i < n; i++) {
		if (keep[i])
			enabled[j++] = enabled[i];
		else
			free(enabled[i]);
	}
	*nen = j;
	free(keep);
	return 0;
}

/* plugin_set_load, or with only set plugin_set_load_one. */
static int
set_load(struct plugin_set *set, const struct config *cfg,
    sqlite3 *db, const struct bureau_host *host, const char *only)
{
	struct plugin_info	*infos = NULL;
	struct cand		*c = NULL, *d;
	char			**enabled = NULL, why[1024], fname[64];
	size_t			 nen = 0, ninfo = 0, i, k, placed;
	int			 changed, rc = -1;
	struct loaded_plugin	*items = NULL;
	size_t			 nitems = 0;
	size_t			*order = NULL, norder = 0;

	memset(set, 0, sizeof(*set));
	if (read_enabled(db, &enabled, &nen) == -1)
		return -1;
	if (nen == 0)
		return 0;
	if (plugin_scan(cfg, &infos, &ninfo) == -1)
		goto out;
	if (only != NULL) {
		if (keep_closure(enabled, &nen, infos, ninfo, only) == -1)
			goto out;
		if (nen == 0) {
			rc = 0;
			goto out;
		}
	}
	if ((c = calloc(nen, sizeof(*c))) == NULL ||
	    (order = calloc(nen, sizeof(*order))) == NULL ||
	    (items = calloc(nen, sizeof(*items))) == NULL)
		goto out;

	/* 1. Every enabled name needs a file NAME.so that passed. */
	for (i = 0; i < nen; i++) {
		c[i].name = enabled[i];
		snprintf(fname, sizeof(fname), "%s.so", enabled[i]);
		c[i].info = info_for(infos, ninfo, enabled[i]);
		/*
		 * Not the plugin's fault: recorded as failed, it would stay
		 * off (and take its dependents) after the cause went away.
		 * This worker fails instead; the master retries it.
		 */
		if (c[i].info != NULL && probe_failed_here(c[i].info)) {
			log_err("plugins: cannot vet %s: %s", c[i].name,
			    c[i].info->reason);
			goto out;
		}
		if (c[i].info == NULL) {
			seterr(why, sizeof(why), "no plugin file %s in %s",
			    fname, cfg->plugin_dir != NULL ? cfg->plugin_dir :
			    "(unset)");
			mark_failed(db, c[i].name, why);
		} else if (!c[i].info->ok)
			mark_failed(db, c[i].name, c[i].info->reason);
		else if (strcmp(c[i].info->name, c[i].name) != 0)
			mark_failed(db, c[i].name, "file declares another name");
		else
			c[i].alive = 1;
	}

	/* 2. Unmet dependencies, repeated until nothing changes. */
	do {
		changed = 0;
		for (i = 0; i < nen; i++) {
			if (!c[i].alive)
				continue;
			for (k = 0; c[i].info->depends[k] != NULL; k++) {
				d = cand_find(c, nen, c[i].info->depends[k]);
				if (d != NULL && d->alive)
					continue;
				seterr(why, sizeof(why), "depends on %s which "
				    "%s", c[i].info->depends[k], d == NULL ?
				    "is not enabled" : "is not enabled (it "
				    "failed to load)");
				mark_failed(db, c[i].name, why);
				c[i].alive = 0;
				changed = 1;
				break;
			}
		}
	} while (changed);

	/* 3. Dependency order; names break ties, so every worker agrees. */
	do {
		placed = 0;
		for (i = 0; i < nen; i++) {
			if (!c[i].alive || c[i].placed)
				continue;
			for (k = 0; c[i].info->depends[k] != NULL; k++) {
				d = cand_find(c, nen, c[i].info->depends[k]);
				if (!d->placed)
					break;
			}
			if (c[i].info->depends[k] != NULL)
				continue;
			c[i].placed = 1;
			order[norder++] = i;
			placed++;
			break;	/* restart: keep the smallest name first */
		}
	} while (placed > 0);
	for (i = 0; i < nen; i++)
		if (c[i].alive && !c[i].placed) {
			c[i].alive = 0;
			mark_failed(db, c[i].name, "dependency cycle");
		}

	/* 4. Load in order; a dependency that failed takes its users. */
	for (i = 0; i < norder; i++) {
		struct cand *ci = &c[order[i]];

		for (k = 0; ci->info->depends[k] != NULL; k++) {
			d = cand_find(c, nen, ci->info->depends[k]);
			if (!d->loaded)
				break;
		}
		if (ci->info->depends[k] != NULL) {
			seterr(why, sizeof(why), "depends on %s which could "
			    "not be loaded", ci->info->depends[k]);
			mark_failed(db, ci->name, why);
			continue;
		}
		if (load_one(cfg, db, host, ci, &items[nitems], why,
		    sizeof(why)) == -1) {
			mark_failed(db, ci->name, why);
			continue;
		}
		ci->loaded = 1;
		log_info("plugins: %s %s loaded", items[nitems].desc->name,
		    items[nitems].desc->version);
		nitems++;
	}
	set->items = items;
	set->count = nitems;
	items = NULL;
	rc = 0;
out:
	if (rc == -1)
		log_err("plugins: loading failed");
	free(items);
	free(order);
	free(c);
	plugin_info_free(infos, ninfo);
	for (i = 0; i < nen; i++)
		free(enabled[i]);
	free(enabled);
	return rc;
}

int
plugin_set_load(struct plugin_set *set, const struct config *cfg,
    sqlite3 *db, const struct bureau_host *host)
{
	return set_load(set, cfg, db, host, NULL);
}

int
plugin_set_load_one(struct plugin_set *set, const struct config *cfg,
    sqlite3 *db, const struct bureau_host *host, const char *name)
{
	return set_load(set, cfg, db, host, name);
}

void
plugin_set_unload(struct plugin_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	/* Dependents first; handles and fds stay: see loaded_plugin. */
	for (i = set->count; i > 0; i--) {
		struct loaded_plugin *lp = &set->items[i - 1];

		if (lp->desc->fini != NULL)
			lp->desc->fini(lp->state);
		free(lp->path);
	}
	free(set->items);
	set->items = NULL;
	set->count = 0;
}

/* --- enable, disable, quarantine ------------------------------------ */

static json_t *
state_json(const char *state, const char *reason, const char *version)
{
	json_t	*o;

	o = json_pack("{s:s,s:o}", "state", state[0] != '\0' ? state :
	    "absent", "reason", reason != NULL ? json_string(reason) :
	    json_null());
	if (o != NULL && version != NULL && version[0] != '\0')
		json_object_set_new(o, "version", json_string(version));
	return o;
}

/* versions: NULL when the change is not about one (disable). */
static int
run_audit(sqlite3 *db, const struct plugin_change *ch, const char *action,
    const char *name, const char *from, const char *to, const char *reason,
    const char *from_version, const char *to_version)
{
	json_t	*before, *after;
	int	 rc;

	if (ch == NULL || ch->audit == NULL)
		return 0;
	before = state_json(from, NULL, from_version);
	after = state_json(to, reason, to_version);
	rc = ch->audit(db, action, name, before, after, ch->arg);
	json_decref(before);
	json_decref(after);
	return rc;
}

/* Names of the dependencies not enabled, comma separated, into buf. */
static int
missing_deps(sqlite3 *db, char *const *depends, char *buf, size_t buflen)
{
	char	state[32];
	size_t	i, used = 0;
	int	w;

	buf[0] = '\0';
	for (i = 0; depends != NULL && depends[i] != NULL; i++) {
		if (read_state(db, depends[i], state, sizeof(state)) == -1)
			return -1;
		if (strcmp(state, "enabled") == 0)
			continue;
		w = snprintf(buf + used, buflen - used, "%s%s",
		    used > 0 ? ", " : "", depends[i]);
		if (w < 0 || (size_t)w >= buflen - used)
			break;
		used += (size_t)w;
	}
	return 0;
}

int
plugin_enable(sqlite3 *db, const struct config *cfg, const char *name,
    const char *actor, char *err, size_t errlen)
{
	struct plugin_change	ch = { .actor = actor };

	return plugin_enable_ex(db, cfg, name, &ch, err, errlen);
}

int
plugin_disable(sqlite3 *db, const char *name, const char *actor, char *err,
    size_t errlen)
{
	struct plugin_change	ch = { .actor = actor };

	return plugin_disable_ex(db, name, &ch, err, errlen);
}

/* The version the plugins table records for name ("" when none). */
static int
recorded_version(sqlite3 *db, const char *name, char *buf, size_t buflen)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT version FROM plugins WHERE "
	    "name = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(buf, buflen, "%s", (const char *)
		    sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * A file older than what the database records -- its schema or its
 * version -- is a downgrade: 1 with why; 0; -1 on a database error.
 */
static int
is_downgrade(sqlite3 *db, const char *name, const char *version,
    int schema_latest, char *why, size_t whylen)
{
	char	rec[64];
	int	cur;

	if ((cur = migrate_version(db, name)) == -1)
		return -1;
	if (cur > schema_latest) {
		seterr(why, whylen, "the schema of %s is at version %d, newer "
		    "than this build knows (%d): downgrade refused", name, cur,
		    schema_latest);
		return 1;
	}
	if (recorded_version(db, name, rec, sizeof(rec)) == -1)
		return -1;
	if (rec[0] != '\0' && plugin_version_cmp(version, rec) == -1) {
		seterr(why, whylen, "%s %s is older than the recorded version "
		    "%s: downgrade refused", name, version, rec);
		return 1;
	}
	return 0;
}

/* An enabled plugin whose file is newer than what the database records. */
static int
is_upgrade(sqlite3 *db, const struct plugin_info *pi)
{
	char	rec[64];
	int	cur;

	if ((cur = migrate_version(db, pi->name)) == -1 ||
	    recorded_version(db, pi->name, rec, sizeof(rec)) == -1)
		return 0;
	return cur < pi->schema_version ||
	    plugin_version_cmp(pi->version, rec) == 1;
}

static void
refuse(const struct plugin_change *ch, int code, const char *names)
{
	size_t	i, o = 0;

	if (ch == NULL)
		return;
	if (ch->refused != NULL)
		*ch->refused = code;
	if (ch->names == NULL || ch->nameslen == 0)
		return;
	/* "a, b" as the messages have it -> "a,b" */
	for (i = 0; names != NULL && names[i] != '\0' &&
	    o + 1 < ch->nameslen; i++)
		if (names[i] != ' ')
			ch->names[o++] = names[i];
	ch->names[o] = '\0';
}

/*
 * A test-load that failed is recorded as 'failed' with its reason
 * (audited): the Plugins page keeps showing why after this answer, and
 * no worker loads a failed plugin.  Best effort: the refusal stands
 * either way.
 */
static void
record_test_load_failure(sqlite3 *db, const struct plugin_change *ch,
    const char *name, const char *from, const char *reason)
{
	if (db_begin(db) == -1)
		return;
	if (write_state(db, name, "failed", reason, NULL,
	    ch != NULL ? ch->actor : NULL, NULL) == -1 ||
	    run_audit(db, ch, "plugin.test_load_failed", name, from, "failed",
	    reason, NULL, NULL) == -1 ||
	    db_commit(db) == -1)
		db_rollback(db);
}

int
plugin_enable_ex(sqlite3 *db, const struct config *cfg, const char *name,
    const struct plugin_change *ch, char *err, size_t errlen)
{
	struct plugin_info	*infos = NULL, *pi = NULL, tl;
	size_t			 ninfo = 0, i;
	char			 state[32], fname[64], missing[512], old[64];
	char			 why[1024];
	int			 rc = -1, tl_done = 0, upgrade = 0, dg;

	if (errlen > 0)
		err[0] = '\0';
	refuse(ch, PLUGIN_REFUSED_NONE, NULL);
	if (ch != NULL && ch->changed != NULL)
		*ch->changed = 0;
	memset(&tl, 0, sizeof(tl));
	if (!plugin_name_valid(name)) {
		seterr(err, errlen, "invalid plugin name");
		refuse(ch, PLUGIN_REFUSED_INVALID, NULL);
		return -1;
	}
	if (!sqlite3_get_autocommit(db)) {
		/* The test-load needs the write lock we would be holding. */
		seterr(err, errlen, "plugin_enable inside a transaction");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		return -1;
	}
	if (read_state(db, name, state, sizeof(state)) == -1 ||
	    recorded_version(db, name, old, sizeof(old)) == -1) {
		seterr(err, errlen, "database error");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		return -1;
	}
	/* A fresh look at the files, never a cached one: this decides
	 * what every worker will load. */
	if (plugin_scan(cfg, &infos, &ninfo) == -1) {
		seterr(err, errlen, "cannot read the plugin directory");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		return -1;
	}
	snprintf(fname, sizeof(fname), "%s.so", name);
	for (i = 0; i < ninfo; i++)
		if (strcmp(base_name(infos[i].path), fname) == 0)
			pi = &infos[i];
	if (pi == NULL) {
		seterr(err, errlen, "no plugin file %s in %s", fname,
		    cfg->plugin_dir != NULL ?
		    cfg->plugin_dir : "(unset)");
		refuse(ch, PLUGIN_REFUSED_UNKNOWN, NULL);
		goto out;
	}
	if (!pi->ok) {
		seterr(err, errlen, "%s cannot be enabled: %s", name,
		    pi->reason);
		refuse(ch, PLUGIN_REFUSED_INCOMPATIBLE, NULL);
		goto out;
	}
	if ((dg = is_downgrade(db, name, pi->version, pi->schema_version, why,
	    sizeof(why))) != 0) {
		seterr(err, errlen, "%s", dg == -1 ? "database error" : why);
		refuse(ch, dg == -1 ? PLUGIN_REFUSED_ERROR :
		    PLUGIN_REFUSED_INCOMPATIBLE, NULL);
		goto out;
	}
	if (strcmp(state, "enabled") == 0) {
		/* The same file again changes nothing; a newer one is an
		 * upgrade, which goes through the same steps. */
		if (!(upgrade = is_upgrade(db, pi))) {
			rc = 0;
			goto out;
		}
	}
	if (missing_deps(db, pi->depends, missing, sizeof(missing)) == -1) {
		seterr(err, errlen, "database error");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		goto out;
	}
	if (missing[0] != '\0') {
		seterr(err, errlen, "requires %s", missing);
		refuse(ch, PLUGIN_REFUSED_DEPENDENCIES, missing);
		goto out;
	}
	/*
	 * WordPress's rule for native code: load it once where a crash
	 * costs nothing -- migrations in a rolled-back transaction, init --
	 * before any worker does.
	 */
	tl_done = 1;
	if (probe_run_ex(cfg, pi->path, PROBE_TEST_LOAD, 0, &tl) == -1) {
		seterr(err, errlen, "%s could not be enabled: %s", name,
		    tl.reason != NULL ? tl.reason : "test-load failed");
		refuse(ch, PLUGIN_REFUSED_TEST_LOAD, NULL);
		/* An upgrade that fails leaves the running version alone. */
		if (!upgrade)
			record_test_load_failure(db, ch, name, state,
			    tl.reason != NULL ? tl.reason : "test-load failed");
		goto out;
	}
	if (db_begin(db) == -1) {
		seterr(err, errlen, "database busy");
		refuse(ch, PLUGIN_REFUSED_BUSY, NULL);
		goto out;
	}
	/* Again under the write lock: a dependency may just have gone. */
	if (read_state(db, name, state, sizeof(state)) == -1 ||
	    missing_deps(db, pi->depends, missing, sizeof(missing)) == -1) {
		seterr(err, errlen, "database error");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		goto rollback;
	}
	if (missing[0] != '\0') {
		seterr(err, errlen, "requires %s", missing);
		refuse(ch, PLUGIN_REFUSED_DEPENDENCIES, missing);
		goto rollback;
	}
	if (write_state(db, name, "enabled", NULL, pi->version,
	    ch != NULL ? ch->actor : NULL, NULL) == -1 ||
	    plugin_deps_record(db, name, (const char *const *)pi->depends)
	    == -1) {
		seterr(err, errlen, "database error");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		goto rollback;
	}
	if (run_audit(db, ch, "plugin.enable", name, state, "enabled",
	    NULL, old, pi->version) == -1) {
		seterr(err, errlen, "audit failed");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		goto rollback;
	}
	if (db_commit(db) == -1) {
		seterr(err, errlen, "database error");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		goto out;
	}
	if (upgrade)
		log_info("plugins: %s upgraded from %s to %s by %s", name,
		    old[0] != '\0' ? old : "?", pi->version, ch != NULL &&
		    ch->actor != NULL ? ch->actor : "system");
	else
		log_info("plugins: %s enabled by %s", name, ch != NULL &&
		    ch->actor != NULL ? ch->actor : "system");
	if (ch != NULL && ch->changed != NULL)
		*ch->changed = 1;
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
out:
	if (tl_done)
		plugin_info_clear(&tl);
	plugin_info_free(infos, ninfo);
	return rc;
}

/* Enabled plugins recorded as depending on name, comma separated. */
static int
enabled_dependents(sqlite3 *db, const char *name, char *buf, size_t buflen)
{
	sqlite3_stmt	*st = NULL;
	size_t		 used = 0;
	int		 rc, w;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT d.plugin FROM plugin_deps d JOIN "
	    "plugins p ON p.name = d.plugin WHERE d.requires = ?1 AND "
	    "p.state = 'enabled' ORDER BY d.plugin", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		w = snprintf(buf + used, buflen - used, "%s%s",
		    used > 0 ? ", " : "", sqlite3_column_text(st, 0));
		if (w > 0 && (size_t)w < buflen - used)
			used += (size_t)w;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return 0;
fail:
	log_err("plugins: dependents of %s: %s", name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
}

int
plugin_disable_ex(sqlite3 *db, const char *name,
    const struct plugin_change *ch, char *err, size_t errlen)
{
	char	state[32], deps[512];

	if (errlen > 0)
		err[0] = '\0';
	refuse(ch, PLUGIN_REFUSED_NONE, NULL);
	if (ch != NULL && ch->changed != NULL)
		*ch->changed = 0;
	if (!plugin_name_valid(name)) {
		seterr(err, errlen, "invalid plugin name");
		refuse(ch, PLUGIN_REFUSED_INVALID, NULL);
		return -1;
	}
	if (db_begin(db) == -1) {
		seterr(err, errlen, "database busy");
		refuse(ch, PLUGIN_REFUSED_BUSY, NULL);
		return -1;
	}
	if (read_state(db, name, state, sizeof(state)) == -1)
		goto dberr;
	if (state[0] == '\0') {
		seterr(err, errlen, "no plugin %s is known", name);
		refuse(ch, PLUGIN_REFUSED_UNKNOWN, NULL);
		goto fail;
	}
	if (strcmp(state, "disabled") == 0) {
		db_rollback(db);
		return 0;
	}
	if (enabled_dependents(db, name, deps, sizeof(deps)) == -1)
		goto dberr;
	if (deps[0] != '\0') {
		seterr(err, errlen, "required by %s", deps);
		refuse(ch, PLUGIN_REFUSED_REQUIRED, deps);
		goto fail;
	}
	if (write_state(db, name, "disabled", NULL, NULL,
	    ch != NULL ? ch->actor : NULL, NULL) == -1)
		goto dberr;
	if (run_audit(db, ch, "plugin.disable", name, state, "disabled",
	    NULL, NULL, NULL) == -1) {
		seterr(err, errlen, "audit failed");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		goto fail;
	}
	if (db_commit(db) == -1) {
		seterr(err, errlen, "database error");
		refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
		return -1;
	}
	if (ch != NULL && ch->changed != NULL)
		*ch->changed = 1;
	log_info("plugins: %s disabled by %s", name, ch != NULL &&
	    ch->actor != NULL ? ch->actor : "system");
	return 0;
dberr:
	seterr(err, errlen, "database error");
	refuse(ch, PLUGIN_REFUSED_ERROR, NULL);
fail:
	db_rollback(db);
	return -1;
}

int
plugin_quarantine(sqlite3 *db, const char *name, const char *reason,
    const struct plugin_change *ch, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	char		 state[32], why[256];
	char		**todo = NULL, **nt;
	size_t		 ntodo = 0, cap = 0, i;
	int		 rc;

	if (errlen > 0)
		err[0] = '\0';
	if (!plugin_name_valid(name)) {
		seterr(err, errlen, "invalid plugin name");
		return -1;
	}
	if (db_begin(db) == -1) {
		seterr(err, errlen, "database busy");
		return -1;
	}
	if (read_state(db, name, state, sizeof(state)) == -1)
		goto dberr;
	if (write_state(db, name, "quarantined", reason, NULL,
	    ch != NULL ? ch->actor : NULL, NULL) == -1 ||
	    run_audit(db, ch, "plugin.quarantine", name, state, "quarantined",
	    reason, NULL, NULL) == -1)
		goto dberr;
	/* Everything that stands on it goes too, transitively. */
	if (sqlite3_prepare_v2(db, "WITH RECURSIVE dep(n) AS (SELECT ?1 "
	    "UNION SELECT d.plugin FROM plugin_deps d JOIN dep ON "
	    "d.requires = dep.n) SELECT p.name FROM plugins p JOIN dep ON "
	    "p.name = dep.n WHERE p.state = 'enabled' AND p.name <> ?1 "
	    "ORDER BY p.name", -1, &st, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ntodo == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nt = realloc(todo, cap * sizeof(*todo))) == NULL)
				goto dberr;
			todo = nt;
		}
		if ((todo[ntodo] = strdup((const char *)
		    sqlite3_column_text(st, 0))) == NULL)
			goto dberr;
		ntodo++;
	}
	if (rc != SQLITE_DONE)
		goto dberr;
	sqlite3_finalize(st);
	st = NULL;
	snprintf(why, sizeof(why), "depends on %s (quarantined)", name);
	for (i = 0; i < ntodo; i++)
		if (write_state(db, todo[i], "disabled", why, NULL,
		    ch != NULL ? ch->actor : NULL, NULL) == -1 ||
		    run_audit(db, ch, "plugin.disable", todo[i], "enabled",
		    "disabled", why, NULL, NULL) == -1)
			goto dberr;
	if (db_commit(db) == -1)
		goto dberr_nort;
	log_warn("plugins: %s quarantined: %s", name, reason != NULL ?
	    reason : "");
	for (i = 0; i < ntodo; i++) {
		log_warn("plugins: %s %s", todo[i], why);
		free(todo[i]);
	}
	free(todo);
	return 0;
dberr:
	sqlite3_finalize(st);
	db_rollback(db);
dberr_nort:
	seterr(err, errlen, "database error");
	for (i = 0; i < ntodo; i++)
		free(todo[i]);
	free(todo);
	return -1;
}

/* --- the admin listing ------------------------------------------------ */

/* The name a file goes by: what it declares, else its file name. */
static const char *
info_key(const struct plugin_info *pi, char *buf, size_t len)
{
	const char	*b = base_name(pi->path);
	size_t		 n = strlen(b);

	if (pi->name != NULL)
		return pi->name;
	if (n > 3 && strcmp(b + n - 3, ".so") == 0)
		n -= 3;
	snprintf(buf, len, "%.*s", (int)n, b);
	return buf;
}

/* The table's view of one plugin, while listing. */
struct list_row {
	const char	*state;		/* NULL: no row */
	json_t		*row;		/* borrowed from rows */
};

static const char *
row_str(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

/*
 * The state shown for a file that passed the probe, from its row:
 * "failed" (a worker could not migrate or init it) and a downgrade are
 * both "incompatible", with the reason.
 */
static void
list_state(json_t *o, const struct plugin_info *pi, json_t *row)
{
	const char	*state = row != NULL ? row_str(row, "state") : NULL;
	const char	*rec = row != NULL ? row_str(row, "db_version") : NULL;
	json_int_t	 applied;
	char		 why[512];

	applied = row != NULL ? json_integer_value(json_object_get(row,
	    "schema_applied")) : 0;
	why[0] = '\0';
	if (applied > pi->schema_version)
		snprintf(why, sizeof(why), "the schema of %s is at version "
		    "%lld, newer than this build knows (%d): downgrade "
		    "refused", pi->name, (long long)applied,
		    pi->schema_version);
	else if (rec != NULL && plugin_version_cmp(pi->version, rec) == -1)
		snprintf(why, sizeof(why), "%s %s is older than the recorded "
		    "version %s: downgrade refused", pi->name, pi->version,
		    rec);
	if (why[0] != '\0') {
		json_object_set_new(o, "state", json_string("incompatible"));
		json_object_set_new(o, "reason", json_string(why));
		return;
	}
	if (state == NULL) {
		json_object_set_new(o, "state", json_string("disabled"));
		return;
	}
	json_object_set_new(o, "state", json_string(strcmp(state, "failed")
	    == 0 ? "incompatible" : state));
	if (row_str(row, "reason") != NULL)
		json_object_set(o, "reason", json_object_get(row, "reason"));
	/* A newer file than what runs: enabling it again upgrades. */
	if (strcmp(state, "enabled") == 0)
		json_object_set_new(o, "upgrade", json_boolean(
		    applied < pi->schema_version || (rec != NULL &&
		    plugin_version_cmp(pi->version, rec) == 1)));
}

/* What an admin may do with it, for the UI's buttons. */
static json_t *
list_actions(const json_t *o)
{
	const char	*state = json_string_value(json_object_get(o, "state"));
	const char	*db = json_string_value(json_object_get(o, "db_state"));
	int		 file_ok = json_is_true(json_object_get(o, "ok"));
	int		 downgrade;
	json_t		*a = json_array();

	downgrade = json_is_string(json_object_get(o, "reason")) &&
	    strstr(json_string_value(json_object_get(o, "reason")),
	    "downgrade refused") != NULL;
	if (state == NULL)
		return a;
	if (strcmp(state, "enabled") == 0) {
		if (json_is_true(json_object_get(o, "upgrade")))
			json_array_append_new(a, json_string("enable"));
		json_array_append_new(a, json_string("disable"));
		return a;
	}
	if (file_ok && !downgrade)
		json_array_append_new(a, json_string("enable"));
	if (db != NULL && strcmp(db, "disabled") != 0 &&
	    strcmp(state, "disabled") != 0)
		json_array_append_new(a, json_string("disable"));
	return a;
}

json_t *
plugin_list_json(sqlite3 *db, const struct config *cfg)
{
	return plugin_list_json_ex(db, cfg, NULL);
}

json_t *
plugin_list_json_ex(sqlite3 *db, const struct config *cfg,
    struct plugin_cache *cache)
{
	struct plugin_info	*infos = NULL;
	size_t			 ninfo = 0, i, k;
	sqlite3_stmt		*st = NULL;
	json_t			*rows = NULL, *out = NULL, *o, *row, *rb;
	const char		*name;
	char			 stem[256];
	int			 rc;

	if (plugin_scan_cached(cfg, cache, &infos, &ninfo) == -1)
		return NULL;
	/* The table's view first: name -> {state, reason, ...}. */
	rows = json_object();
	if (sqlite3_prepare_v2(db, "SELECT p.name, p.state, p.reason, "
	    "p.version, p.changed_at, p.changed_by, coalesce(s.version, 0) "
	    "FROM plugins p LEFT JOIN schema_versions s ON s.owner = p.name",
	    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = json_object();
		for (k = 1; k <= 5; k++) {
			static const char *const keys[] = { NULL, "state",
			    "reason", "db_version", "changed_at",
			    "changed_by" };
			const char *v = (const char *)sqlite3_column_text(st,
			    (int)k);

			json_object_set_new(row, keys[k], v != NULL ?
			    json_string(v) : json_null());
		}
		json_object_set_new(row, "schema_applied",
		    json_integer(sqlite3_column_int(st, 6)));
		json_object_set_new(rows, (const char *)
		    sqlite3_column_text(st, 0), row);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;

	out = json_array();
	for (i = 0; i < ninfo; i++) {
		const char *key = info_key(&infos[i], stem, sizeof(stem));

		o = plugin_info_json(&infos[i]);
		/* Refused before its descriptor could be read: the file names
		 * it, as the loader would look for it. */
		if (infos[i].name == NULL)
			json_object_set_new(o, "name", json_string(key));
		row = json_object_get(rows, key);
		json_object_set(o, "db_state", row != NULL ?
		    json_object_get(row, "state") : json_null());
		json_object_set(o, "recorded_version", row != NULL ?
		    json_object_get(row, "db_version") : json_null());
		if (!infos[i].ok)
			json_object_set_new(o, "state",
			    json_string("incompatible"));
		else
			list_state(o, &infos[i], row);
		json_object_set_new(o, "enabled", json_boolean(strcmp(
		    json_string_value(json_object_get(o, "state")),
		    "enabled") == 0));
		json_object_set(o, "changed_at", row != NULL ?
		    json_object_get(row, "changed_at") : json_null());
		json_object_set(o, "changed_by", row != NULL ?
		    json_object_get(row, "changed_by") : json_null());
		json_object_set_new(o, "schema_applied", json_integer(
		    row != NULL ? json_integer_value(json_object_get(row,
		    "schema_applied")) : 0));
		/* Who stands on it, among the files that passed. */
		rb = json_array();
		for (k = 0; infos[i].ok && k < ninfo; k++) {
			char **dp;

			if (!infos[k].ok)
				continue;
			for (dp = infos[k].depends; *dp != NULL; dp++)
				if (strcmp(*dp, infos[i].name) == 0)
					json_array_append_new(rb,
					    json_string(infos[k].name));
		}
		json_object_set_new(o, "required_by", rb);
		json_object_set_new(o, "actions", list_actions(o));
		json_array_append_new(out, o);
	}
	/* Rows whose file is gone: the admin should see those too. */
	json_object_foreach(rows, name, row) {
		int seen = 0;

		for (i = 0; i < ninfo && !seen; i++)
			seen = strcmp(info_key(&infos[i], stem, sizeof(stem)),
			    name) == 0;
		if (seen)
			continue;
		o = json_pack("{s:o,s:s,s:O,s:s,s:O,s:O,s:O,s:O,s:b,s:o,s:o,"
		    "s:O}",
		    "file", json_null(), "name", name,
		    "db_state", json_object_get(row, "state"),
		    "state", "missing",
		    "reason", json_object_get(row, "reason"),
		    "recorded_version", json_object_get(row, "db_version"),
		    "changed_at", json_object_get(row, "changed_at"),
		    "changed_by", json_object_get(row, "changed_by"),
		    "enabled", 0, "depends", json_array(),
		    "required_by", json_array(),
		    "schema_applied", json_object_get(row, "schema_applied"));
		if (o == NULL)
			continue;
		json_object_set_new(o, "actions", list_actions(o));
		json_array_append_new(out, o);
	}
	json_decref(rows);
	plugin_info_free(infos, ninfo);
	return out;
fail:
	log_err("plugins: list: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	json_decref(rows);
	json_decref(out);
	plugin_info_free(infos, ninfo);
	return NULL;
}

/* --- the enabled set, for the master ----------------------------------- */

int
plugin_enabled_spec(sqlite3 *db, char *buf, size_t buflen)
{
	sqlite3_stmt	*st = NULL;
	size_t		 used;
	int		 own = sqlite3_get_autocommit(db), rc, w;
	long long	 v = 0;

	/* One read transaction: the id and the names of one snapshot. */
	if (own && db_exec(db, "BEGIN") == -1)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM "
	    "audit_log", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	w = snprintf(buf, buflen, "%lld:", v);
	if (w < 0 || (size_t)w >= buflen)
		goto fail;
	used = (size_t)w;
	if (sqlite3_prepare_v2(db, "SELECT name FROM plugins WHERE state = "
	    "'enabled' ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		w = snprintf(buf + used, buflen - used, "%s%s",
		    buf[used - 1] == ':' ? "" : ",",
		    (const char *)sqlite3_column_text(st, 0));
		if (w < 0 || (size_t)w >= buflen - used)
			goto fail;
		used += (size_t)w;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (own)
		(void)db_exec(db, "COMMIT");
	return 0;
fail:
	log_err("plugins: reading the enabled set: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (own)
		(void)db_exec(db, "ROLLBACK");
	return -1;
}
