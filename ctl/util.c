/*
 * util -- helpers shared by bureauctl's subcommands (see util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "db.h"
#include "util.h"

void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	/* stdout first, so an interleaved terminal reads in order. */
	fflush(stdout);
	fputs("bureauctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bureauctl: ", stderr);
	if (command != NULL)
		fprintf(stderr, "%s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ctl_usage(command, stderr);
	return CTL_USAGE;
}

void
ctl_getopt_reset(void)
{
	/* glibc: optind = 0 re-initialises getopt entirely. */
	optind = 0;
	opterr = 1;
}

int
ctl_db_open(const struct config *cfg, int flags, sqlite3 **out)
{
	struct stat st;

	*out = NULL;
	if (cfg->db_path == NULL || cfg->db_path[0] == '\0') {
		ctl_err("database.path is not set");
		return -1;
	}
	if (!(flags & DB_OPEN_CREATE) && stat(cfg->db_path, &st) == -1) {
		if (errno == ENOENT)
			ctl_err("no database at %s (run `bureauctl init` "
			    "first)", cfg->db_path);
		else
			ctl_err("database %s: %s", cfg->db_path,
			    strerror(errno));
		return -1;
	}
	if (db_open(out, cfg->db_path, flags, cfg->busy_timeout_ms) == -1) {
		ctl_err("cannot open the database %s", cfg->db_path);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
ctl_bureaud_running(const struct config *cfg)
{
	struct sockaddr_un sun;
	int fd, rc;

	if (cfg->control_socket == NULL || cfg->control_socket[0] == '\0')
		return 0;
	if (strlen(cfg->control_socket) >= sizeof(sun.sun_path))
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, cfg->control_socket,
	    strlen(cfg->control_socket));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		rc = 1;
	else if (errno == ENOENT || errno == ECONNREFUSED)
		rc = 0;		/* none, or a stale file from a crash */
	else
		rc = -1;
	close(fd);
	return rc;
}

json_t *
ctl_control(const struct config *cfg, const char *cmd)
{
	char buf[65536];
	json_error_t jerr;
	json_t *ans;

	if (cfg->control_socket == NULL || cfg->control_socket[0] == '\0') {
		ctl_err("server.control_socket is not set");
		return NULL;
	}
	if (control_request(cfg->control_socket, cmd, buf,
	    sizeof(buf)) == -1) {
		if (ctl_bureaud_running(cfg) == 0)
			ctl_err("bureaud is not running (nothing answers on "
			    "%s)", cfg->control_socket);
		else
			ctl_err("no answer to \"%s\" on %s", cmd,
			    cfg->control_socket);
		return NULL;
	}
	if ((ans = json_loads(buf, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
	    !json_is_object(ans)) {
		ctl_err("bureaud's answer to \"%s\" is not a JSON object",
		    cmd);
		json_decref(ans);
		return NULL;
	}
	return ans;
}

/* A refusal from the master: {"ok":false,...} or {"error":...}. */
static const char *
control_refusal(const json_t *ans)
{
	const json_t *e;

	if ((e = json_object_get(ans, "error")) != NULL) {
		if (json_is_string(e))
			return json_string_value(e);
		if (json_is_object(e) &&
		    json_is_string(json_object_get(e, "message")))
			return json_string_value(json_object_get(e,
			    "message"));
		return "refused";
	}
	if (json_is_false(json_object_get(ans, "ok")))
		return "refused";
	return NULL;
}

int
ctl_reload_if_running(const struct config *cfg)
{
	return ctl_reload_if_running_cmd(cfg, "reload");
}

int
ctl_reload_if_running_cmd(const struct config *cfg, const char *cmd)
{
	const char *why;
	const json_t *gen;
	json_t *ans;
	int running;

	running = ctl_bureaud_running(cfg);
	if (running == 0) {
		printf("bureaud is not running; the change applies when it "
		    "starts.\n");
		return 0;
	}
	if ((ans = ctl_control(cfg, cmd)) == NULL) {
		ctl_err("the change is recorded, but bureaud did not reload: "
		    "run `bureauctl reload`");
		return -1;
	}
	if ((why = control_refusal(ans)) != NULL) {
		ctl_err("the change is recorded, but bureaud refused to "
		    "reload: %s", why);
		json_decref(ans);
		return -1;
	}
	gen = json_object_get(ans, "generation");
	if (json_is_integer(gen))
		printf("bureaud reloaded: generation %lld.\n",
		    (long long)json_integer_value(gen));
	else
		printf("bureaud reloaded.\n");
	json_decref(ans);
	return 0;
}

const char *
ctl_actor(void)
{
	static char actor[96];
	struct passwd *pw;
	const char *who;

	if (actor[0] != '\0')
		return actor;
	/* The real uid: who ran it, also under sudo (SUDO_USER is a
	 * hint anyone can set, so it is not used). */
	pw = getpwuid(getuid());
	who = pw != NULL ? pw->pw_name : NULL;
	if (who != NULL)
		snprintf(actor, sizeof(actor), "bureauctl:%s", who);
	else
		snprintf(actor, sizeof(actor), "bureauctl:uid%ld",
		    (long)getuid());
	return actor;
}

static void
json_print_scalar(FILE *fp, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		fputs(json_string_value(v), fp);
		break;
	case JSON_INTEGER:
		fprintf(fp, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(fp, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("yes", fp);
		break;
	case JSON_FALSE:
		fputs("no", fp);
		break;
	case JSON_NULL:
		fputs("-", fp);
		break;
	default:
		break;
	}
}

static int
json_is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

void
ctl_json_print(FILE *fp, const json_t *v, int indent)
{
	const char *key;
	const json_t *item;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item) {
			fprintf(fp, "%*s%s:", indent, "", key);
			if (json_is_scalar(item)) {
				fputc(' ', fp);
				json_print_scalar(fp, item);
				fputc('\n', fp);
			} else if (json_is_array(item) &&
			    json_array_size(item) == 0) {
				fputs(" -\n", fp);
			} else {
				fputc('\n', fp);
				ctl_json_print(fp, item, indent + 2);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, item) {
			if (json_is_scalar(item)) {
				fprintf(fp, "%*s- ", indent, "");
				json_print_scalar(fp, item);
				fputc('\n', fp);
			} else {
				fprintf(fp, "%*s-\n", indent, "");
				ctl_json_print(fp, item, indent + 2);
			}
		}
	} else {
		fprintf(fp, "%*s", indent, "");
		json_print_scalar(fp, v);
		fputc('\n', fp);
	}
}

int
ctl_fsync_dir(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

void
ctl_dirname(const char *path, char *buf, size_t buflen)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		snprintf(buf, buflen, ".");
		return;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1;		/* "/x": the root */
	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
}
