/*
 * cmd_db -- the database and the running server: init, backup, restore,
 * check, status, reload.
 *
 * Backups are taken online in one step (db_backup: VACUUM INTO, then
 * integrity_check on the copy, fsync) -- a stepped sqlite3_backup
 * restarts on every concurrent write and might never finish under load.
 *
 * Restores go into a stopped instance only, and replace the database by
 * rename, so the old file is either whole or gone, never half-written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "audit.h"
#include "db.h"
#include "migrate.h"
#include "plugins.h"
#include "ctl.h"
#include "util.h"

#define SQLITE_MAGIC	"SQLite format 3"	/* + NUL: 16 bytes */

/* ---------------------------------------------------------------- */

/*
 * The owner new database files should have when bureauctl runs as root:
 * the service user of server.user (bureaud's workers open the database
 * after dropping to it); without one -- bureaud started unprivileged, as
 * under the shipped systemd unit -- the owner of the database's
 * directory, when that is not root (systemd's StateDirectory= gives it
 * to the service user).  1 with uid/gid set, 0 "leave as is", -1 after
 * a message.
 */
static int
service_owner(const struct config *cfg, uid_t *uid, gid_t *gid)
{
	char dir[4096];
	struct passwd *pw;
	struct group *gr;
	struct stat st;

	if (geteuid() != 0)
		return 0;
	if (cfg->user == NULL || cfg->user[0] == '\0') {
		ctl_dirname(cfg->db_path, dir, sizeof(dir));
		if (stat(dir, &st) == -1 || st.st_uid == 0)
			return 0;
		*uid = st.st_uid;
		*gid = st.st_gid;
		return 1;
	}
	if ((pw = getpwnam(cfg->user)) == NULL) {
		ctl_err("server.user %s: no such user", cfg->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (cfg->group != NULL && cfg->group[0] != '\0') {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			ctl_err("server.group %s: no such group", cfg->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 1;
}

/* chown path (and its -wal/-shm when present) to the service user. */
static int
chown_db_files(const struct config *cfg, const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char p[4096];
	uid_t uid;
	gid_t gid;
	size_t i;
	int own;

	if ((own = service_owner(cfg, &uid, &gid)) <= 0)
		return own;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		if (chown(p, uid, gid) == -1 && errno != ENOENT) {
			ctl_err("chown %s to %s: %s", p, cfg->user,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
dir_of_exists(const char *path)
{
	char dir[4096];
	struct stat st;

	ctl_dirname(path, dir, sizeof(dir));
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		ctl_err("directory %s does not exist (create it first)", dir);
		return -1;
	}
	return 0;
}

/* Commands without options accept only --help (handled earlier); any
 * other dash argument is a usage error. */
static int
parse_json_flag(int argc, char **argv, const char *command, int *json)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*json = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'j')
			*json = 1;
		else
			return ctl_usage_error(command, "bad option");
	}
	return 0;
}

static int
parse_no_options(int argc, char **argv, const char *command)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };

	if (getopt_long(argc, argv, "", longopts, NULL) != -1)
		return ctl_usage_error(command, "bad option");
	return 0;
}

/* ---------------------------------------------------------------- */

int
cmd_init(int argc, char **argv, const struct config *cfg)
{
	char err[512];
	sqlite3 *db = NULL;
	struct stat st;
	uid_t uid;
	gid_t gid;
	int rc = CTL_FAIL, created, version, key_created, own;

	if (parse_no_options(argc, argv, "init") != 0)
		return CTL_USAGE;
	if (optind != argc)
		return ctl_usage_error("init", "unexpected argument '%s'",
		    argv[optind]);
	if (cfg->db_path == NULL || dir_of_exists(cfg->db_path) == -1)
		goto fail;
	created = stat(cfg->db_path, &st) == -1 && errno == ENOENT;
	if (ctl_db_open(cfg, DB_OPEN_CREATE, &db) == -1)
		goto fail;
	if (migrate_apply(db, "core", core_migrations, 0, err,
	    sizeof(err)) == -1) {
		ctl_err("core migrations on %s: %s", cfg->db_path, err);
		goto fail;
	}
	if ((version = migrate_version(db, "core")) == -1) {
		ctl_err("reading the core schema version of %s",
		    cfg->db_path);
		goto fail;
	}
	/* The audit chain's key lives outside the database; create it now
	 * so the first audited change does not have to. */
	key_created = cfg->audit_key_path != NULL &&
	    lstat(cfg->audit_key_path, &st) == -1 && errno == ENOENT;
	if (audit_key_load(cfg, 1) == -1) {
		ctl_err("audit key %s: cannot load or create it",
		    cfg->audit_key_path ? cfg->audit_key_path : "(unset)");
		goto fail;
	}
	if (created && chown_db_files(cfg, cfg->db_path) == -1)
		goto fail;
	/* The key is read by the service: give a new one the database's
	 * owner too (server.user is already handled where it is made). */
	if (key_created && (cfg->user == NULL || cfg->user[0] == '\0') &&
	    (own = service_owner(cfg, &uid, &gid)) == 1 &&
	    chown(cfg->audit_key_path, uid, gid) == -1) {
		ctl_err("chown %s: %s", cfg->audit_key_path, strerror(errno));
		goto fail;
	}
	printf("database %s %s (core schema version %d)\n", cfg->db_path,
	    created ? "created" : "up to date", version);
	rc = CTL_OK;
fail:
	db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- */

int
cmd_backup(int argc, char **argv, const struct config *cfg)
{
	char err[512];
	const char *dest;
	sqlite3 *db = NULL;
	struct stat st;
	int rc = CTL_FAIL;

	if (parse_no_options(argc, argv, "backup") != 0)
		return CTL_USAGE;
	if (argc - optind != 1)
		return ctl_usage_error("backup", argc - optind == 0 ?
		    "FILE is missing" : "one FILE only");
	dest = argv[optind];

	/* db_backup refuses too (atomically, by link()); asking first
	 * gives the admin the plain reason before any work is done. */
	if (lstat(dest, &st) == 0) {
		ctl_err("%s exists; refusing to overwrite it", dest);
		goto fail;
	}
	if (errno != ENOENT) {
		ctl_err("%s: %s", dest, strerror(errno));
		goto fail;
	}
	if (dir_of_exists(dest) == -1)
		goto fail;
	if (ctl_db_open(cfg, 0, &db) == -1)
		goto fail;
	/* VACUUM INTO a temporary beside dest, integrity_check of the copy,
	 * fsync, link() to dest: dest appears complete and verified, or
	 * not at all. */
	if (db_backup(db, dest, err, sizeof(err)) == -1) {
		ctl_err("backup of %s to %s failed: %s", cfg->db_path, dest,
		    err);
		goto fail;
	}
	if (stat(dest, &st) == -1) {
		ctl_err("%s: %s", dest, strerror(errno));
		goto fail;
	}
	printf("backup written: %s (%lld bytes, integrity ok)\n", dest,
	    (long long)st.st_size);
	rc = CTL_OK;
fail:
	db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- */

/* Removes path-wal, path-shm and path-journal; ENOENT is fine. */
static int
unlink_sidecars(const char *path)
{
	static const char *const sfx[] = { "-wal", "-shm", "-journal" };
	char p[4096];
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		if (unlink(p) == -1 && errno != ENOENT) {
			ctl_err("removing %s: %s", p, strerror(errno));
			rc = -1;
		}
	}
	return rc;
}

/*
 * Copies src to a new temporary file beside dst_path, synced.  The
 * temporary's name goes into tmp.  Header bytes 18-19 (file format
 * versions; 2 = WAL) are set to 1: the copy has no WAL beside it, and a
 * WAL-mode file would make even a read-only check create -wal/-shm
 * files.  bureaud turns WAL on again when it opens the database.
 */
static int
copy_to_temp(const char *src, const char *dst_path, char *tmp,
    size_t tmplen)
{
	char dir[4096], buf[65536];
	ssize_t n, w, off;
	int in = -1, out = -1, first = 1;

	ctl_dirname(dst_path, dir, sizeof(dir));
	if ((size_t)snprintf(tmp, tmplen, "%s/.bureau-restore-XXXXXX",
	    dir) >= tmplen) {
		ctl_err("path too long: %s", dir);
		tmp[0] = '\0';
		return -1;
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_err("%s: %s", src, strerror(errno));
		tmp[0] = '\0';
		goto fail;
	}
	if ((out = mkstemp(tmp)) == -1) {
		ctl_err("creating a temporary file in %s: %s", dir,
		    strerror(errno));
		tmp[0] = '\0';
		goto fail;
	}
	for (;;) {
		n = read(in, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ctl_err("reading %s: %s", src, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (first && n >= 20) {
			if (buf[18] == 2)
				buf[18] = 1;
			if (buf[19] == 2)
				buf[19] = 1;
		}
		first = 0;
		for (off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				ctl_err("writing %s: %s", tmp,
				    strerror(errno));
				goto fail;
			}
		}
	}
	if (fsync(out) == -1) {
		ctl_err("syncing %s: %s", tmp, strerror(errno));
		goto fail;
	}
	close(in);
	if (close(out) == -1) {
		ctl_err("closing %s: %s", tmp, strerror(errno));
		out = -1;
		goto fail;
	}
	return 0;
fail:
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	return -1;
}

static int
table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int found = -1;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema "
	    "WHERE type = 'table' AND name = ?", -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		found = 1;
		break;
	case SQLITE_DONE:
		found = 0;
		break;
	default:
		break;
	}
done:
	sqlite3_finalize(st);
	return found;
}

/*
 * Is the candidate a bureau database this build can serve?  Opened
 * read-only on the temporary copy: what is checked is exactly what gets
 * renamed into place.
 */
static int
restore_verify(const char *tmp, const char *src)
{
	char err[512];
	sqlite3 *db = NULL;
	int rc = -1, v, latest;

	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		ctl_err("%s: cannot open: %s", src, db ? sqlite3_errmsg(db) :
		    "out of memory");
		goto done;
	}
	if (db_integrity_check(db, err, sizeof(err)) != 0) {
		ctl_err("%s fails integrity_check: %s", src, err);
		goto done;
	}
	if (table_exists(db, "schema_versions") != 1 ||
	    table_exists(db, "plugins") != 1) {
		ctl_err("%s is an SQLite database, but not a bureau one (no "
		    "schema_versions or plugins table)", src);
		goto done;
	}
	v = migrate_version(db, "core");
	latest = migrate_latest(core_migrations);
	if (v < 1) {
		ctl_err("%s: no core schema version recorded", src);
		goto done;
	}
	if (v > latest) {
		ctl_err("%s comes from a newer bureau (core schema version %d;"
		    " this build knows up to %d)", src, v, latest);
		goto done;
	}
	rc = 0;
done:
	sqlite3_close(db);
	return rc;
}

/*
 * Nobody may have the live database open.  BEGIN EXCLUSIVE catches a
 * writer; in WAL mode idle readers hold no lock it would see, but
 * leaving WAL mode (journal_mode=DELETE) needs the database to be open
 * nowhere else.  That also leaves no -wal/-shm behind when we close.
 */
static int
restore_lock_check(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *mode;
	int rc = -1, src;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		/* Not a database we can open (damaged?): replacing it is
		 * what a restore is for; no bureaud uses it, which the
		 * running check covered. */
		sqlite3_close(db);
		return 0;
	}
	sqlite3_busy_timeout(db, 0);
	src = sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
	if (src == SQLITE_BUSY || src == SQLITE_LOCKED) {
		ctl_err("%s is locked by another process; stop it first",
		    path);
		goto done;
	}
	if (src != SQLITE_OK) {
		/* Unreadable, not busy: the old file is beyond use. */
		ctl_err("note: the current %s is unreadable (%s); replacing "
		    "it", path, sqlite3_errmsg(db));
		rc = 0;
		goto done;
	}
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	src = sqlite3_prepare_v2(db, "PRAGMA journal_mode = DELETE", -1, &st,
	    NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_BUSY || src == SQLITE_LOCKED || (src == SQLITE_ROW &&
	    ((mode = sqlite3_column_text(st, 0)) == NULL ||
	    strcmp((const char *)mode, "delete") != 0))) {
		ctl_err("%s is open in another process; stop it first", path);
		goto done;
	}
	if (src != SQLITE_ROW) {
		ctl_err("note: the current %s is unreadable (%s); replacing "
		    "it", path, sqlite3_errmsg(db));
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* The first 16 bytes say SQLite; a -wal with content would mean the
 * file alone is not the whole database. */
static int
restore_precheck(const char *src)
{
	char hdr[16], wal[4096];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(src, &st) == -1) {
		ctl_err("%s: %s", src, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		ctl_err("%s is not a regular file", src);
		return -1;
	}
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_err("%s: %s", src, strerror(errno));
		return -1;
	}
	n = read(fd, hdr, sizeof(hdr));
	close(fd);
	if (n != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr, SQLITE_MAGIC, sizeof(hdr)) != 0) {
		ctl_err("%s is not an SQLite database", src);
		return -1;
	}
	snprintf(wal, sizeof(wal), "%s-wal", src);
	if (stat(wal, &st) == 0 && st.st_size > 0) {
		ctl_err("%s has a non-empty %s beside it: the file alone is "
		    "not the whole database (use a copy made by "
		    "`bureauctl backup`)", src, wal);
		return -1;
	}
	return 0;
}

int
cmd_restore(int argc, char **argv, const struct config *cfg)
{
	char tmp[4096], dir[4096];
	const char *src;
	struct stat st, old;
	uid_t uid;
	gid_t gid;
	int rc = CTL_FAIL, have_old, running, own;

	tmp[0] = '\0';
	if (parse_no_options(argc, argv, "restore") != 0)
		return CTL_USAGE;
	if (argc - optind != 1)
		return ctl_usage_error("restore", argc - optind == 0 ?
		    "FILE is missing" : "one FILE only");
	src = argv[optind];
	if (cfg->db_path == NULL || dir_of_exists(cfg->db_path) == -1)
		goto fail;

	if ((running = ctl_bureaud_running(cfg)) != 0) {
		if (running == 1)
			ctl_err("bureaud is running (its control socket %s "
			    "answers); stop it before restoring",
			    cfg->control_socket);
		else
			ctl_err("cannot tell whether bureaud is running "
			    "(control socket %s); refusing",
			    cfg->control_socket);
		goto fail;
	}
	if (restore_precheck(src) == -1)
		goto fail;
	have_old = lstat(cfg->db_path, &old) == 0;
	if (have_old && !S_ISREG(old.st_mode)) {
		ctl_err("%s is not a regular file; refusing to replace it",
		    cfg->db_path);
		goto fail;
	}
	if (have_old && stat(src, &st) == 0 && st.st_dev == old.st_dev &&
	    st.st_ino == old.st_ino) {
		ctl_err("%s is the live database itself", src);
		goto fail;
	}

	if (copy_to_temp(src, cfg->db_path, tmp, sizeof(tmp)) == -1)
		goto fail;
	if (restore_verify(tmp, src) == -1)
		goto fail;

	if (have_old && restore_lock_check(cfg->db_path) == -1)
		goto fail;

	/* The restored file takes the place of the old one, so it gets its
	 * owner and mode (the service user must still be able to write). */
	if (have_old) {
		if (chown(tmp, old.st_uid, old.st_gid) == -1 &&
		    geteuid() == 0) {
			ctl_err("chown %s: %s", tmp, strerror(errno));
			goto fail;
		}
		if (chmod(tmp, old.st_mode & 07777) == -1) {
			ctl_err("chmod %s: %s", tmp, strerror(errno));
			goto fail;
		}
	} else if ((own = service_owner(cfg, &uid, &gid)) != 0) {
		if (own == -1 || chown(tmp, uid, gid) == -1) {
			if (own != -1)
				ctl_err("chown %s: %s", tmp, strerror(errno));
			goto fail;
		}
	}

	if (rename(tmp, cfg->db_path) == -1) {
		ctl_err("renaming %s to %s: %s", tmp, cfg->db_path,
		    strerror(errno));
		goto fail;
	}
	tmp[0] = '\0';
	/* A -wal left from the old database would be replayed into the new
	 * one on the next open. */
	if (unlink_sidecars(cfg->db_path) == -1)
		goto fail;
	ctl_dirname(cfg->db_path, dir, sizeof(dir));
	if (ctl_fsync_dir(dir) == -1) {
		ctl_err("syncing directory %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (stat(cfg->db_path, &st) == 0)
		printf("restored %s into %s (%lld bytes); start bureaud to "
		    "serve it\n", src, cfg->db_path, (long long)st.st_size);
	rc = CTL_OK;
fail:
	if (tmp[0] != '\0') {
		unlink(tmp);
		unlink_sidecars(tmp);
	}
	return rc;
}

/* ---------------------------------------------------------------- */

/* PRAGMA foreign_key_check: every violation into arr; -1 on error. */
static int
check_foreign_keys(sqlite3 *db, json_t *arr)
{
	sqlite3_stmt *st = NULL;
	json_t *row;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		ctl_err("foreign_key_check: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row = json_pack("{s:s?, s:I, s:s?, s:i}",
		    "table", (const char *)sqlite3_column_text(st, 0),
		    "rowid", (json_int_t)sqlite3_column_int64(st, 1),
		    "parent", (const char *)sqlite3_column_text(st, 2),
		    "fkid", sqlite3_column_int(st, 3));
		json_array_append_new(arr, row);
	}
	if (rc != SQLITE_DONE)
		ctl_err("foreign_key_check: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The state a plugin has in the plugins table, or NULL. */
static char *
plugin_state(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *state = NULL;

	if (sqlite3_prepare_v2(db, "SELECT state FROM plugins WHERE name = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		state = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return state;
}

/*
 * Schema versions: the core against this build; every plugin found in
 * plugins.dir against its .so.  A recorded version newer than the code
 * (a downgrade) is a problem; an older one is pending work that bureaud
 * does when it next loads the plugin -- a note, not a problem.
 */
static int
check_schema(const struct config *cfg, sqlite3 *db, json_t *schema,
    json_t *problems, json_t *notes)
{
	struct plugin_info *infos = NULL;
	size_t n = 0, i;
	char *state;
	int v, latest, nprob = 0;

	v = migrate_version(db, "core");
	latest = migrate_latest(core_migrations);
	json_array_append_new(schema, json_pack("{s:s, s:i, s:i}",
	    "owner", "core", "recorded", v, "known", latest));
	if (v < 0 || v > latest) {
		json_array_append_new(problems, json_sprintf(v < 0 ?
		    "core schema version cannot be read" :
		    "core schema version %d is newer than this build (%d)",
		    v, latest));
		nprob++;
	} else if (v < latest)
		json_array_append_new(notes, json_sprintf("core schema at "
		    "version %d, this build has %d: run `bureauctl init`",
		    v, latest));

	if (plugin_scan(cfg, &infos, &n) == -1) {
		json_array_append_new(notes, json_sprintf("plugin directory "
		    "%s could not be scanned; plugin schemas not compared",
		    cfg->plugin_dir ? cfg->plugin_dir : "(unset)"));
		return nprob;
	}
	for (i = 0; i < n; i++) {
		if (infos[i].name == NULL)
			continue;
		v = migrate_version(db, infos[i].name);
		state = plugin_state(db, infos[i].name);
		json_array_append_new(schema, json_pack("{s:s, s:i, s:i, s:s}",
		    "owner", infos[i].name, "recorded", v,
		    "known", infos[i].schema_version,
		    "state", state ? state : "disabled"));
		if (v > infos[i].schema_version) {
			json_array_append_new(problems, json_sprintf(
			    "plugin %s: schema version %d is newer than its "
			    ".so knows (%d): an older .so was installed",
			    infos[i].name, v, infos[i].schema_version));
			nprob++;
		} else if (v < infos[i].schema_version && state != NULL &&
		    strcmp(state, "enabled") == 0)
			json_array_append_new(notes, json_sprintf("plugin %s: "
			    "migrations %d..%d pending (run when bureaud "
			    "loads it)", infos[i].name, v + 1,
			    infos[i].schema_version));
		free(state);
	}
	plugin_info_free(infos, n);
	return nprob;
}

int
cmd_check(int argc, char **argv, const struct config *cfg)
{
	char err[1024];
	sqlite3 *db = NULL;
	json_t *out = NULL, *fk, *schema, *problems, *notes, *v;
	size_t i;
	int json, rc = CTL_FAIL, nprob = 0, integrity_ok;

	if (parse_json_flag(argc, argv, "check", &json) != 0)
		return CTL_USAGE;
	if (optind != argc)
		return ctl_usage_error("check", "unexpected argument '%s'",
		    argv[optind]);
	if (ctl_db_open(cfg, DB_OPEN_RDONLY, &db) == -1)
		goto fail;

	out = json_object();
	fk = json_array();
	schema = json_array();
	problems = json_array();
	notes = json_array();
	json_object_set_new(out, "database", json_string(cfg->db_path));

	err[0] = '\0';
	integrity_ok = db_integrity_check(db, err, sizeof(err)) == 0;
	json_object_set_new(out, "integrity", json_string(integrity_ok ?
	    "ok" : err[0] ? err : "failed"));
	if (!integrity_ok) {
		json_array_append_new(problems, json_sprintf(
		    "integrity_check: %s", err[0] ? err : "failed"));
		nprob++;
	}
	if (check_foreign_keys(db, fk) == -1) {
		json_array_append_new(problems,
		    json_string("foreign_key_check could not run"));
		nprob++;
	} else if (json_array_size(fk) > 0) {
		json_array_append_new(problems, json_sprintf(
		    "%zu foreign key violation(s)", json_array_size(fk)));
		nprob++;
	}
	/* Schema versions of a database that fails integrity_check are
	 * not worth much, but still tell what was recorded. */
	nprob += check_schema(cfg, db, schema, problems, notes);

	json_object_set_new(out, "foreign_key_violations", fk);
	json_object_set_new(out, "schema", schema);
	json_object_set_new(out, "problems", problems);
	json_object_set_new(out, "notes", notes);
	json_object_set_new(out, "ok", json_boolean(nprob == 0));

	if (json) {
		char *s = json_dumps(out, JSON_INDENT(2));

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else {
		printf("database:     %s\n", cfg->db_path);
		printf("integrity:    %s\n", integrity_ok ? "ok" : "FAILED");
		printf("foreign keys: ");
		if (json_array_size(fk) == 0)
			printf("ok\n");
		else
			printf("%zu violation(s)\n", json_array_size(fk));
		json_array_foreach(fk, i, v)
			printf("  %s row %lld -> %s\n",
			    json_string_value(json_object_get(v, "table")),
			    (long long)json_integer_value(json_object_get(v,
			    "rowid")),
			    json_string_value(json_object_get(v, "parent")));
		printf("schema:\n");
		json_array_foreach(schema, i, v) {
			const char *st = json_string_value(json_object_get(v,
			    "state"));

			printf("  %-12s recorded %d, known %d%s%s%s\n",
			    json_string_value(json_object_get(v, "owner")),
			    (int)json_integer_value(json_object_get(v,
			    "recorded")),
			    (int)json_integer_value(json_object_get(v,
			    "known")), st ? " (" : "", st ? st : "",
			    st ? ")" : "");
		}
		json_array_foreach(notes, i, v)
			printf("note: %s\n", json_string_value(v));
		json_array_foreach(problems, i, v)
			printf("PROBLEM: %s\n", json_string_value(v));
		printf("check: %s\n", nprob == 0 ? "ok" : "problems found");
	}
	if (nprob > 0)
		ctl_err("check of %s found %d problem(s)", cfg->db_path,
		    nprob);
	rc = nprob == 0 ? CTL_OK : CTL_FAIL;
fail:
	json_decref(out);
	db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- */

static long long
jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *
jstr_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && s[0] != '\0' ? s : dflt;
}

/*
 * The master's status (control.h) as a table: one line per worker, then
 * the requests running now.  Anything else in the answer follows in the
 * generic form, so a field added later is not hidden.
 */
static void
status_print(const json_t *ans)
{
	const json_t *workers, *w, *slots, *sl, *v;
	const char *key;
	size_t i, j, busy;

	workers = json_object_get(ans, "workers");
	if (!json_is_array(workers)) {
		ctl_json_print(stdout, ans, 0);
		return;
	}
	printf("bureaud pid %lld, generation %lld", jint(ans, "pid"),
	    jint(ans, "generation"));
	if (json_is_integer(json_object_get(ans, "plugin_generation")))
		printf(", plugin set %lld", jint(ans, "plugin_generation"));
	printf("%s%s\n", json_is_true(json_object_get(ans, "reloading")) ?
	    ", reloading" : "", json_is_true(json_object_get(ans,
	    "stopping")) ? ", stopping" : "");
	printf("%-8s %-6s %-4s %-10s %-10s %s\n", "WORKER", "LANE", "GEN",
	    "STATE", "BUSY", "REQUESTS");
	json_array_foreach(workers, i, w) {
		unsigned long long nreq = 0;

		slots = json_object_get(w, "slots");
		busy = 0;
		json_array_foreach(slots, j, sl) {
			if (strcmp(jstr_or(sl, "state", "idle"), "idle") != 0)
				busy++;
			nreq += (unsigned long long)jint(sl, "requests");
		}
		printf("%-8lld %-6s %-4lld %-10s %zu/%-8zu %llu\n",
		    jint(w, "pid"), jstr_or(w, "lane", "-"),
		    jint(w, "generation"), jstr_or(w, "state", "-"), busy,
		    json_array_size(slots), nreq);
	}
	json_array_foreach(workers, i, w) {
		json_array_foreach(json_object_get(w, "slots"), j, sl) {
			if (strcmp(jstr_or(sl, "state", "idle"), "idle") == 0)
				continue;
			printf("running: pid %lld %s %s [%s] %lld ms\n",
			    jint(w, "pid"), jstr_or(sl, "plugin", "core"),
			    jstr_or(sl, "route", "-"),
			    jstr_or(sl, "req_id", "-"), jint(sl, "busy_ms"));
		}
	}
	json_object_foreach((json_t *)ans, key, v) {
		json_t *one;

		if (strcmp(key, "pid") == 0 || strcmp(key, "generation") == 0 ||
		    strcmp(key, "reloading") == 0 ||
		    strcmp(key, "stopping") == 0 ||
		    strcmp(key, "plugin_generation") == 0 ||
		    strcmp(key, "workers") == 0)
			continue;
		if ((one = json_pack("{s:O}", key, v)) != NULL)
			ctl_json_print(stdout, one, 0);
		json_decref(one);
	}
}

/* status and reload: one control command, its answer shown. */
static int
control_show(int argc, char **argv, const struct config *cfg,
    const char *cmd)
{
	json_t *ans, *e;
	char *s;
	int json, rc = CTL_FAIL;

	if (parse_json_flag(argc, argv, cmd, &json) != 0)
		return CTL_USAGE;
	if (optind != argc)
		return ctl_usage_error(cmd, "unexpected argument '%s'",
		    argv[optind]);
	if ((ans = ctl_control(cfg, cmd)) == NULL)
		return CTL_FAIL;
	if (json) {
		if ((s = json_dumps(ans, JSON_COMPACT)) != NULL)
			printf("%s\n", s);
		free(s);
	} else if (strcmp(cmd, "reload") == 0) {
		if (json_is_false(json_object_get(ans, "ok")) ||
		    json_object_get(ans, "error") != NULL)
			;	/* said below */
		else if (json_is_integer(json_object_get(ans, "generation")))
			printf("bureaud reloaded: generation %lld\n",
			    jint(ans, "generation"));
		else
			printf("bureaud reloaded\n");
	} else if (strcmp(cmd, "status") == 0)
		status_print(ans);
	else
		ctl_json_print(stdout, ans, 0);

	e = json_object_get(ans, "error");
	if (e != NULL || json_is_false(json_object_get(ans, "ok"))) {
		ctl_err("bureaud refused \"%s\"%s%s", cmd,
		    json_is_string(e) ? ": " : "",
		    json_is_string(e) ? json_string_value(e) : "");
		goto done;
	}
	rc = CTL_OK;
done:
	json_decref(ans);
	return rc;
}

int
cmd_status(int argc, char **argv, const struct config *cfg)
{
	return control_show(argc, argv, cfg, "status");
}

int
cmd_reload(int argc, char **argv, const struct config *cfg)
{
	return control_show(argc, argv, cfg, "reload");
}
