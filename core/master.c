/*
 * master.c -- the bureaud master process.
 *
 * It owns the listen sockets (made here, or inherited from systemd or
 * spawn-fcgi) and the control socket, forks the workers of both lanes,
 * and then only watches: a poll loop over a signal self-pipe, the
 * control socket and one channel per worker, plus a timer tick.  It
 * never opens SQLite and never runs plugin code, so nothing a plugin
 * does can take it down.
 *
 * Generations.  Workers are started as a generation.  A reload (SIGHUP,
 * "reload" on the control socket, or a worker asking on its channel)
 * forks a complete new generation, waits for every new worker's "ready",
 * and only then tells the old generation to "drain": they stop taking
 * connections, finish what they are serving and exit 0.  The listen
 * sockets stay open here the whole time, so a connection that arrives
 * mid-reload waits in the backlog for whichever worker takes it: no
 * request is dropped.  If the new generation does not come up (a worker
 * dies or the timeout passes) the reload is abandoned and the old
 * generation keeps serving.
 *
 * Crashes.  A worker of the serving generation that exits unexpectedly
 * is logged with blame read from its scoreboard slots (the plugin, route
 * and request id it was running, and the signal) and respawned with
 * exponential backoff.  Crashes are counted per plugin for quarantine.
 * A request busy longer than stuck_limit gets its worker killed.
 *
 * Plugin switches (issue 6).  Whoever changed the plugins table (a
 * worker's admin request, bureauctl, a quarantine) asks for its reload
 * with "reload enabled@V:a,b,c": the enabled set as read from the
 * database right after the change, V the audit log's last id in that
 * snapshot.  The master publishes it in the scoreboard and bumps the
 * plugin generation at once, so every worker still serving the old set
 * answers 404 for a plugin that left it, before the new generation is
 * even forked.  V orders snapshots that arrive on different channels;
 * an older one than the last published is not published.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <systemd/sd-daemon.h>

#include "app.h"
#include "auth.h"
#include "control.h"
#include "log.h"
#include "master.h"
#include "plugins.h"
#include "scoreboard.h"
#include "worker.h"

#define READY_TIMEOUT_MS	30000	/* a new worker must be ready by then */
#define STOP_TIMEOUT_MS		30000	/* then SIGKILL */
#define DRAIN_GRACE_MS		10000	/* beyond stuck_limit */
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000
#define STABLE_MS		30000	/* up this long: backoff resets */
#define CRASH_WINDOW_MS		60000
#define CRASH_QUARANTINE	3	/* crashes in the window */
#define CRASH_RING		32	/* crashes remembered (in the window) */
#define CRASH_SUSPECTS		8	/* plugins busy in one dead worker */
#define SLOT_GENERATIONS	8	/* generations alive at once, at most */
#define MAX_CLIENTS		32
#define CLIENT_READ_MS		5000
#define CLIENT_WRITE_MS		2000
#define TICK_MS			250
#define LISTEN_BACKLOG		1024

enum wstate { W_STARTING, W_READY, W_DRAINING };

struct wproc {
	pid_t			 pid;
	int			 lane;
	int			 index;		/* position within its lane */
	uint32_t		 generation;
	int			 ctl_fd;	/* -1 after EOF */
	uint32_t		 slot_base;
	int			 nthreads;
	enum wstate		 state;
	int64_t			 spawned_ms;
	int64_t			 drain_ms;
	int			 kill_sent;
	int			 stuck;		/* killed for a stuck request */
	int			 abandoned;	/* of a reload that failed */
	int			 owed_current;	/* reload answers owed to it */
	int			 owed_pending;
};

struct position {
	int64_t			 backoff_ms;	/* last delay used, 0 = none */
	int64_t			 respawn_at;	/* 0 = nothing scheduled */
};

struct lane {
	const char		*name;
	int			 fd;		/* listen socket, -1 = lane off */
	const char		*path;		/* made by us: unlink at exit */
	int			 nworkers;
	int			 nthreads;
	struct position		*pos;
};

enum { WAIT_NONE, WAIT_CURRENT, WAIT_PENDING, WAIT_STOP };

struct client {
	int			 fd;
	char			 buf[CONTROL_LINE_MAX];
	size_t			 len;
	int64_t			 deadline;
	int			 wait;
};

/* A plugin that had a request in progress in a worker that died. */
struct crash_suspect {
	char			 plugin[SB_PLUGIN_NAME];
	char			 route[96];
};

/*
 * One crash: when, and the plugins busy in the dead worker.  With
 * threads > 1 any of them may be the culprit; the one that was busy in
 * every crash, alone, is (master_blame).
 */
struct crash_rec {
	int64_t			 t;
	int			 n;
	struct crash_suspect	 sus[CRASH_SUSPECTS];
};

struct master {
	const struct config	*cfg;
	struct scoreboard	*sb;
	uint8_t			*slot_used;
	struct lane		 lanes[2];
	struct wproc		*w;
	size_t			 nw, capw;
	int			 ctl_listen;
	const char		*ctl_path;
	struct client		 clients[MAX_CLIENTS];
	size_t			 nclients;

	uint32_t		 generation;	/* the serving generation */
	uint32_t		 next_gen;
	int			 started;	/* first generation was ready */
	int			 reloading;
	uint32_t		 reload_gen;
	int64_t			 reload_deadline;
	int			 reload_pending;

	int			 stopping;
	int64_t			 stop_deadline;
	int			 stop_killed;
	int			 exit_status;

	int			 have_svc;
	uid_t			 svc_uid;
	gid_t			 svc_gid;

	struct crash_rec	 crashes[CRASH_RING];	/* oldest first */
	int			 ncrashes;
	char			 quarantine_pending[256];	/* message */
	int64_t			 last_scan;

	uint64_t		 enabled_version;	/* of the set published */
	int			 enabled_since_start;	/* published during
							 * this reload */
};

/* The self-pipe: the only thing a signal handler touches. */
static int	master_sigpipe[2] = { -1, -1 };

static void
master_on_signal(int sig)
{
	int		saved = errno;
	unsigned char	c = (unsigned char)sig;

	(void)!write(master_sigpipe[1], &c, 1);
	errno = saved;
}

static const char *
lane_name(int lane)
{
	return lane == LANE_LOGIN ? "login" : "api";
}

static void
master_notify(const char *state)
{
	/* Harmless outside systemd: no NOTIFY_SOCKET, nothing sent. */
	if (sd_notify(0, state) < 0)
		log_debug("sd_notify failed");
}

static void
master_notify_status(struct master *m, const char *what)
{
	char	buf[256];

	snprintf(buf, sizeof(buf), "%s\nSTATUS=%s generation %u: %d api "
	    "worker%s x %d thread%s, %d login worker%s", what,
	    m->stopping ? "stopping," : "serving", m->generation,
	    m->lanes[LANE_API].nworkers,
	    m->lanes[LANE_API].nworkers == 1 ? "" : "s",
	    m->lanes[LANE_API].nthreads,
	    m->lanes[LANE_API].nthreads == 1 ? "" : "s",
	    m->lanes[LANE_LOGIN].nworkers,
	    m->lanes[LANE_LOGIN].nworkers == 1 ? "" : "s");
	master_notify(buf);
}

/* --- sockets ---------------------------------------------------------- */

static int
master_fd_setup(int fd, int nonblock)
{
	int	flags;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	if (nonblock) {
		if ((flags = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
			return -1;
	}
	return 0;
}

/*
 * Refuses to steal a socket another server still answers on; removes a
 * stale one; refuses to unlink anything that is not a socket.
 */
static int
master_clear_path(const char *path)
{
	struct sockaddr_un	sun;
	struct stat		st;
	int			fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("%s exists and is not a socket", path);
		errno = EEXIST;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rc == 0) {
		log_err("%s is in use by a running server", path);
		errno = EADDRINUSE;
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

static int
master_listen_unix(struct master *m, const char *path, int mode, int chown_it)
{
	struct sockaddr_un	sun;
	mode_t			old;
	int			fd = -1;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("%s: path too long for a unix socket", path);
		return -1;
	}
	if (master_clear_path(path) == -1) {
		log_err("cannot use %s: %m", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	/* Born private; opened up to `mode` only once fully set up. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	if (chown_it && m->have_svc && geteuid() == 0 &&
	    chown(path, m->svc_uid, m->svc_gid) == -1)
		goto fail;
	if (chmod(path, (mode_t)mode) == -1)
		goto fail;
	return fd;
fail:
	log_err("cannot listen on %s: %m", path);
	if (fd != -1) {
		close(fd);
		unlink(path);
	}
	return -1;
}

/* An inherited descriptor must be a listening socket; one below 3 is
 * moved up and /dev/null put in its place, so stdio stays stdio. */
static int
master_adopt_fd(int fd, const char *what)
{
	int		acc = 0, nfd, null;
	socklen_t	len = sizeof(acc);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == -1 ||
	    !acc) {
		log_err("%s: descriptor %d is not a listening socket", what, fd);
		return -1;
	}
	if (fd < 3) {
		if ((nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
			return -1;
		if ((null = open("/dev/null", O_RDWR)) != -1) {
			dup2(null, fd);
			if (null != fd)
				close(null);
		}
		fd = nfd;
	}
	return fd;
}

static int
master_setup_lanes(struct master *m)
{
	const struct config	*cfg = m->cfg;
	char			**names = NULL;
	int			 n, i, fd;
	int			 sd_fd[2] = { -1, -1 };

	m->lanes[LANE_API].name = "api";
	m->lanes[LANE_API].fd = -1;
	m->lanes[LANE_API].nworkers = cfg->workers;
	m->lanes[LANE_API].nthreads = cfg->threads;
	m->lanes[LANE_LOGIN].name = "login";
	m->lanes[LANE_LOGIN].fd = -1;
	m->lanes[LANE_LOGIN].nworkers = cfg->login_workers;
	m->lanes[LANE_LOGIN].nthreads = cfg->login_threads;

	/* systemd socket activation: FileDescriptorName=api / login. */
	n = sd_listen_fds_with_names(1, &names);
	if (n < 0) {
		log_err("sd_listen_fds_with_names: %s", strerror(-n));
		return -1;
	}
	for (i = 0; i < n; i++) {
		fd = SD_LISTEN_FDS_START + i;
		if (names != NULL && strcmp(names[i], "api") == 0)
			sd_fd[LANE_API] = fd;
		else if (names != NULL && strcmp(names[i], "login") == 0)
			sd_fd[LANE_LOGIN] = fd;
		else {
			log_warn("ignoring socket-activated descriptor %d "
			    "named '%s' (want api or login)", fd,
			    names != NULL ? names[i] : "?");
			close(fd);
		}
	}
	if (names != NULL) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}

	for (i = 0; i < 2; i++) {
		struct lane	*l = &m->lanes[i];
		int		 inherited = i == LANE_API ? cfg->api_fd :
				    cfg->login_fd;
		const char	*path = i == LANE_API ? cfg->api_socket :
				    cfg->login_socket;

		if (l->nworkers == 0) {
			if (sd_fd[i] != -1)
				close(sd_fd[i]);
			continue;
		}
		if (sd_fd[i] != -1)
			inherited = sd_fd[i];
		if (inherited >= 0) {
			if ((fd = master_adopt_fd(inherited, l->name)) == -1)
				return -1;
			log_info("%s lane: inherited socket (descriptor %d)",
			    l->name, inherited);
		} else {
			if ((fd = master_listen_unix(m, path,
			    cfg->socket_mode, 1)) == -1)
				return -1;
			l->path = path;
			log_info("%s lane: listening on %s", l->name, path);
		}
		/* Non-blocking, shared by every generation: see worker.c. */
		if (master_fd_setup(fd, 1) == -1) {
			log_err("%s socket: %m", l->name);
			close(fd);
			return -1;
		}
		l->fd = fd;
		if ((l->pos = calloc((size_t)l->nworkers, sizeof(*l->pos))) ==
		    NULL)
			return -1;
	}
	return 0;
}

static int
master_setup_control(struct master *m)
{
	/* Root-only (or the service user's own): 0600, owner unchanged. */
	m->ctl_listen = master_listen_unix(m, m->cfg->control_socket, 0600, 0);
	if (m->ctl_listen == -1)
		return -1;
	if (master_fd_setup(m->ctl_listen, 1) == -1)
		return -1;
	m->ctl_path = m->cfg->control_socket;
	return 0;
}

static int
master_service_user(struct master *m)
{
	const struct config	*cfg = m->cfg;
	struct passwd		*pw;
	struct group		*gr;

	if (cfg->user == NULL) {
		if (geteuid() == 0)
			log_warn("running workers as root: set [server] user");
		return 0;
	}
	if ((pw = getpwnam(cfg->user)) == NULL) {
		log_err("[server] user: unknown user %s", cfg->user);
		return -1;
	}
	m->svc_uid = pw->pw_uid;
	m->svc_gid = pw->pw_gid;
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			log_err("[server] group: unknown group %s", cfg->group);
			return -1;
		}
		m->svc_gid = gr->gr_gid;
	}
	m->have_svc = 1;
	return 0;
}

/* --- scoreboard slots ------------------------------------------------- */

static int
master_slots_alloc(struct master *m, int n, uint32_t *base)
{
	uint32_t	i, run = 0;

	for (i = 0; i < m->sb->nslots; i++) {
		run = m->slot_used[i] ? 0 : run + 1;
		if (run == (uint32_t)n) {
			*base = i + 1 - run;
			memset(&m->slot_used[*base], 1, (size_t)n);
			return 0;
		}
	}
	return -1;
}

static void
master_slots_free(struct master *m, uint32_t base, int n)
{
	memset(&m->slot_used[base], 0, (size_t)n);
	memset(&m->sb->slots[base], 0, (size_t)n * sizeof(struct sb_slot));
}

/* --- workers ---------------------------------------------------------- */

static struct wproc *
master_find(struct master *m, pid_t pid)
{
	size_t	i;

	for (i = 0; i < m->nw; i++) {
		if (m->w[i].pid == pid)
			return &m->w[i];
	}
	return NULL;
}

static void
master_send(struct wproc *w, const char *msg)
{
	if (w->ctl_fd == -1)
		return;
	if (send(w->ctl_fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) ==
	    -1)
		log_warn("worker %ld: cannot send '%.*s': %m", (long)w->pid,
		    (int)strcspn(msg, "\n"), msg);
}

static int
master_spawn(struct master *m, int lane, int index, uint32_t gen)
{
	struct lane		*l = &m->lanes[lane];
	struct worker_spec	 spec;
	struct wproc		*w;
	sigset_t		 all, old;
	uint32_t		 base;
	pid_t			 pid, self;
	int			 sv[2];

	if (m->nw == m->capw) {
		size_t		 cap = m->capw ? m->capw * 2 : 16;
		struct wproc	*nw = reallocarray(m->w, cap, sizeof(*nw));

		if (nw == NULL)
			return -1;
		m->w = nw;
		m->capw = cap;
	}
	if (master_slots_alloc(m, l->nthreads, &base) == -1) {
		log_err("scoreboard full: too many generations still "
		    "draining");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_err("socketpair: %m");
		master_slots_free(m, base, l->nthreads);
		return -1;
	}

	/* No signal may run our handler in the child before it has its
	 * own: it would write to the master's self-pipe. */
	self = getpid();
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		struct sigaction	sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		close(sv[0]);
		memset(&spec, 0, sizeof(spec));
		spec.lane = lane;
		spec.generation = gen;
		spec.listen_fd = l->fd;
		spec.ctl_fd = sv[1];
		spec.sb = m->sb;
		spec.slot_base = base;
		spec.nthreads = l->nthreads;
		spec.parent_pid = self;
		_exit(worker_main(m->cfg, &spec));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid == -1) {
		log_err("fork: %m");
		close(sv[0]);
		master_slots_free(m, base, l->nthreads);
		return -1;
	}
	master_fd_setup(sv[0], 1);

	w = &m->w[m->nw++];
	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->lane = lane;
	w->index = index;
	w->generation = gen;
	w->ctl_fd = sv[0];
	w->slot_base = base;
	w->nthreads = l->nthreads;
	w->state = W_STARTING;
	w->spawned_ms = scoreboard_now_ms();
	log_debug("started %s worker %ld (generation %u)", l->name,
	    (long)pid, gen);
	return 0;
}

/*
 * What the dead (or stuck) worker was running, for the log; with rec,
 * also the distinct plugins that were busy (the suspects).
 */
static void
master_blame_text(struct master *m, const struct wproc *w, char *buf,
    size_t len, struct crash_rec *rec)
{
	int64_t		now = scoreboard_now_ms();
	size_t		off = 0;
	int		i, k, any = 0;

	buf[0] = '\0';
	if (rec != NULL)
		rec->n = 0;
	for (i = 0; i < w->nthreads; i++) {
		const struct sb_slot	*s = &m->sb->slots[w->slot_base +
					    (uint32_t)i];
		char			 pl[sizeof(s->plugin)];
		char			 rt[sizeof(s->route)];
		char			 id[sizeof(s->req_id)];
		int			 n;

		if (s->state != SB_BUSY)
			continue;
		memcpy(pl, (const char *)s->plugin, sizeof(pl));
		memcpy(rt, (const char *)s->route, sizeof(rt));
		memcpy(id, (const char *)s->req_id, sizeof(id));
		pl[sizeof(pl) - 1] = rt[sizeof(rt) - 1] = id[sizeof(id) - 1] =
		    '\0';
		n = snprintf(buf + off, len - off, "%splugin %s, route %s, "
		    "request %s, busy %lld ms", any ? "; " : "",
		    pl[0] != '\0' ? pl : "(core)", rt[0] != '\0' ? rt : "?",
		    id[0] != '\0' ? id : "?",
		    (long long)(now - s->started_ms));
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
		any = 1;
		/* The core's own routes are never quarantined. */
		if (rec == NULL || pl[0] == '\0')
			continue;
		for (k = 0; k < rec->n; k++)
			if (strcmp(rec->sus[k].plugin, pl) == 0)
				break;
		if (k == rec->n && rec->n < CRASH_SUSPECTS) {
			snprintf(rec->sus[k].plugin, sizeof(rec->sus[k].plugin),
			    "%s", pl);
			snprintf(rec->sus[k].route, sizeof(rec->sus[k].route),
			    "%s", rt);
			rec->n++;
		}
	}
	if (!any)
		snprintf(buf, len, "no request in progress");
}

static void master_quarantine(struct master *, const char *,
    const char *);

static int
crash_has(const struct crash_rec *c, const char *plugin)
{
	int	i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->sus[i].plugin, plugin) == 0)
			return 1;
	return 0;
}

/*
 * Records a crash and decides on quarantine.  Three crashes within a
 * minute (issue 6) in which a plugin was busy quarantine it -- when it
 * is the only plugin busy in all of them: with threads > 1 an innocent
 * plugin can be in flight beside the culprit, and is only cleared by a
 * crash it was not part of.  When two are inseparable the master logs
 * it and quarantines neither.  The master records nothing itself (it
 * stays away from SQLite) but hands the decision to a live worker.
 */
static void
master_blame(struct master *m, const struct crash_rec *rec)
{
	const struct crash_suspect	*p;
	struct crash_rec		*c;
	int64_t				 now = scoreboard_now_ms();
	int				 i, j, k, n, others;
	int				 alive[CRASH_SUSPECTS];

	/* Keep only the crashes inside the window, and room for one. */
	for (i = 0, j = 0; i < m->ncrashes; i++)
		if (now - m->crashes[i].t < CRASH_WINDOW_MS)
			m->crashes[j++] = m->crashes[i];
	m->ncrashes = j;
	if (rec->n == 0)
		return;
	if (m->ncrashes == CRASH_RING) {
		memmove(&m->crashes[0], &m->crashes[1],
		    sizeof(m->crashes[0]) * (CRASH_RING - 1));
		m->ncrashes--;
	}
	c = &m->crashes[m->ncrashes++];
	*c = *rec;
	c->t = now;

	for (k = 0; k < c->n; k++) {
		p = &c->sus[k];
		/* Its crashes, and which fellow suspects were in all. */
		for (i = 0; i < c->n; i++)
			alive[i] = i != k;
		for (i = 0, n = 0; i < m->ncrashes; i++) {
			if (!crash_has(&m->crashes[i], p->plugin))
				continue;
			n++;
			for (j = 0; j < c->n; j++)
				if (alive[j] && !crash_has(&m->crashes[i],
				    c->sus[j].plugin))
					alive[j] = 0;
		}
		for (j = 0, others = 0; j < c->n; j++)
			others += alive[j];
		log_warn("plugin %s blamed for crash (%d in %ds)%s", p->plugin,
		    n, CRASH_WINDOW_MS / 1000, c->n > 1 ?
		    " beside other plugins' requests" : "");
		if (n < CRASH_QUARANTINE)
			continue;
		if (others > 0) {
			for (j = 0; j < c->n; j++)
				if (alive[j])
					log_warn("plugin %s and plugin %s were "
					    "both busy in each of %d crashes: "
					    "quarantining neither", p->plugin,
					    c->sus[j].plugin, n);
			continue;
		}
		master_quarantine(m, p->plugin, p->route);
		/* Its crashes are answered for: count afresh. */
		for (i = 0; i < m->ncrashes; i++)
			for (j = 0; j < m->crashes[i].n; j++)
				if (strcmp(m->crashes[i].sus[j].plugin,
				    p->plugin) == 0)
					m->crashes[i].sus[j].plugin[0] = '\0';
	}
}

static struct wproc *
master_live_api_worker(struct master *m)
{
	size_t	i;

	for (i = 0; i < m->nw; i++) {
		struct wproc *w = &m->w[i];

		if (w->lane == LANE_API && w->state == W_READY &&
		    w->generation == m->generation && !w->kill_sent &&
		    w->ctl_fd != -1)
			return w;
	}
	return NULL;
}

/* The quarantine decision: a worker records it and asks for a reload. */
static void
master_quarantine(struct master *m, const char *plugin, const char *route)
{
	struct wproc	*w;

	log_err("plugin %s crashed %d times within %d s: quarantining it",
	    plugin, CRASH_QUARANTINE, CRASH_WINDOW_MS / 1000);
	snprintf(m->quarantine_pending, sizeof(m->quarantine_pending),
	    "quarantine %s crashed a worker %d times within %d s (last in "
	    "%s)\n", plugin, CRASH_QUARANTINE, CRASH_WINDOW_MS / 1000,
	    route != NULL && route[0] != '\0' ? route : "?");
	/* Without a live api worker, sent to the next one ready. */
	if ((w = master_live_api_worker(m)) != NULL) {
		master_send(w, m->quarantine_pending);
		m->quarantine_pending[0] = '\0';
	}
}

/* --- reload ----------------------------------------------------------- */

static void
master_client_answer(struct master *m, struct client *c, const char *line)
{
	char	buf[512];
	size_t	len;

	(void)m;
	snprintf(buf, sizeof(buf), "%s\n", line);
	len = strlen(buf);
	if (control_write(c->fd, buf, len, CLIENT_WRITE_MS) == -1)
		log_debug("control client went away: %m");
	close(c->fd);
	c->fd = -1;
}

/* Answers everyone waiting on the reload that just ended. */
static void
master_reload_answer(struct master *m, int ok, const char *why)
{
	char	line[300], msg[300];
	size_t	i;
	int	k;

	if (ok) {
		snprintf(line, sizeof(line), "{\"ok\":true,\"generation\":%u}",
		    m->generation);
		snprintf(msg, sizeof(msg), "reloaded %u\n", m->generation);
	} else {
		json_t	*j = json_pack("{s:b,s:s}", "ok", 0, "error", why);
		char	*s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;

		snprintf(line, sizeof(line), "%s", s != NULL ? s :
		    "{\"ok\":false,\"error\":\"reload failed\"}");
		free(s);
		json_decref(j);
		snprintf(msg, sizeof(msg), "reload-failed %s\n", why);
	}
	for (i = 0; i < m->nclients; i++) {
		if (m->clients[i].fd != -1 &&
		    m->clients[i].wait == WAIT_CURRENT)
			master_client_answer(m, &m->clients[i], line);
	}
	for (i = 0; i < m->nw; i++) {
		for (k = 0; k < m->w[i].owed_current; k++)
			master_send(&m->w[i], msg);
		m->w[i].owed_current = 0;
	}
}

/* The pending waiters become the current reload's. */
static void
master_promote_pending(struct master *m)
{
	size_t	i;

	for (i = 0; i < m->nclients; i++) {
		if (m->clients[i].wait == WAIT_PENDING)
			m->clients[i].wait = WAIT_CURRENT;
	}
	for (i = 0; i < m->nw; i++) {
		m->w[i].owed_current += m->w[i].owed_pending;
		m->w[i].owed_pending = 0;
	}
}

static void	master_stop_start(struct master *, int);
static void	master_reload_start(struct master *);
static void	master_reload_request(struct master *, struct client *,
		    struct wproc *);

static void
master_reload_abort(struct master *m, const char *why)
{
	size_t	i;

	if (!m->reloading)
		return;
	m->reloading = 0;
	for (i = 0; i < m->nw; i++) {
		struct wproc *w = &m->w[i];

		if (w->generation != m->reload_gen || w->state == W_DRAINING)
			continue;
		if (w->state == W_READY)
			master_send(w, "drain\n");
		else if (!w->kill_sent) {
			kill(w->pid, SIGKILL);
			w->kill_sent = 1;
		}
		w->state = W_DRAINING;
		w->drain_ms = scoreboard_now_ms();
		w->abandoned = 1;
	}
	if (!m->started) {
		log_err("start-up failed: %s", why);
		master_reload_answer(m, 0, why);
		master_stop_start(m, 1);
		return;
	}
	log_err("reload to generation %u failed: %s; generation %u keeps "
	    "serving", m->reload_gen, why, m->generation);
	master_notify_status(m, "READY=1");
	master_reload_answer(m, 0, why);
	if (m->reload_pending) {
		/* Whatever asked meanwhile would fail the same way now. */
		m->reload_pending = 0;
		master_promote_pending(m);
		master_reload_answer(m, 0, why);
	}
}

static void
master_reload_commit(struct master *m)
{
	int64_t	now = scoreboard_now_ms();
	size_t	i;
	int	l, p;

	m->reloading = 0;
	m->generation = m->reload_gen;
	m->sb->worker_generation = m->generation;
	/*
	 * The new generation read the plugins table after every set
	 * published before this reload started: the set filters nothing
	 * it serves, and a set that went stale (a change nobody
	 * published) must not filter a later generation either.  A set
	 * published meanwhile may be newer than what it read: kept, and
	 * the reload it asked for follows.
	 */
	if (!m->enabled_since_start)
		scoreboard_forget_enabled(m->sb);
	for (i = 0; i < m->nw; i++) {
		struct wproc *w = &m->w[i];

		if (w->generation == m->generation || w->state == W_DRAINING)
			continue;
		master_send(w, "drain\n");
		w->state = W_DRAINING;
		w->drain_ms = now;
	}
	/* Respawns scheduled for the old generation are moot. */
	for (l = 0; l < 2; l++) {
		for (p = 0; p < m->lanes[l].nworkers; p++)
			m->lanes[l].pos[p].respawn_at = 0;
	}
	if (!m->started) {
		m->started = 1;
		log_info("ready: generation %u, %d api worker%s x %d "
		    "thread%s, %d login worker%s x %d thread%s",
		    m->generation, m->lanes[LANE_API].nworkers,
		    m->lanes[LANE_API].nworkers == 1 ? "" : "s",
		    m->lanes[LANE_API].nthreads,
		    m->lanes[LANE_API].nthreads == 1 ? "" : "s",
		    m->lanes[LANE_LOGIN].nworkers,
		    m->lanes[LANE_LOGIN].nworkers == 1 ? "" : "s",
		    m->lanes[LANE_LOGIN].nthreads,
		    m->lanes[LANE_LOGIN].nthreads == 1 ? "" : "s");
	} else
		log_info("reloaded: generation %u serving, the previous one "
		    "drains", m->generation);
	master_notify_status(m, "READY=1");
	master_reload_answer(m, 1, NULL);
	if (m->reload_pending) {
		m->reload_pending = 0;
		master_promote_pending(m);
		master_reload_start(m);
	}
}

static void
master_reload_check(struct master *m)
{
	size_t	i;
	int	ready = 0, want;

	if (!m->reloading)
		return;
	want = m->lanes[LANE_API].nworkers + m->lanes[LANE_LOGIN].nworkers;
	for (i = 0; i < m->nw; i++) {
		if (m->w[i].generation == m->reload_gen &&
		    m->w[i].state == W_READY)
			ready++;
	}
	if (ready >= want)
		master_reload_commit(m);
}

static void
master_reload_start(struct master *m)
{
	char	buf[128];
	int	l, i;

	m->reload_gen = ++m->next_gen;
	m->reloading = 1;
	m->reload_deadline = scoreboard_now_ms() + READY_TIMEOUT_MS;
	m->enabled_since_start = 0;
	/* Workers re-read the enabled plugins when this moves (issue 6). */
	__atomic_store_n(&m->sb->plugin_generation,
	    m->sb->plugin_generation + 1, __ATOMIC_RELEASE);
	if (m->started) {
		struct timespec	ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu\n"
		    "STATUS=reloading: starting generation %u",
		    (unsigned long long)ts.tv_sec * 1000000ULL +
		    (unsigned long long)ts.tv_nsec / 1000, m->reload_gen);
		master_notify(buf);
		log_info("reloading: starting generation %u", m->reload_gen);
	}
	for (l = 0; l < 2; l++) {
		for (i = 0; i < m->lanes[l].nworkers; i++) {
			if (master_spawn(m, l, i, m->reload_gen) == -1) {
				master_reload_abort(m, "cannot start a worker");
				return;
			}
		}
	}
}

/*
 * "V:a,b,c" (V decimal, names comma separated, none for an empty set):
 * published unless older than the set published last.  -1 when
 * malformed (nothing published).
 */
static int
master_publish_enabled(struct master *m, const char *spec)
{
	const char	*names[SB_PLUGINS_MAX + 1];
	char		 buf[CONTROL_LINE_MAX], *p, *tok, *save = NULL, *end;
	unsigned long long v;
	size_t		 n = 0;

	if (strlen(spec) >= sizeof(buf))
		return -1;
	memcpy(buf, spec, strlen(spec) + 1);
	/* Digits only: strtoull would take " 1", "+1" and "-1" (the
	 * largest V, after which no later snapshot were published). */
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (end == buf || *end != ':' || errno != 0)
		return -1;
	p = end + 1;
	for (tok = strtok_r(p, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!plugin_name_valid(tok) || n > SB_PLUGINS_MAX)
			return -1;
		names[n++] = tok;
	}
	if (v < m->enabled_version) {
		log_info("plugin set of snapshot %llu not published: %llu is "
		    "newer", v, (unsigned long long)m->enabled_version);
		return 0;
	}
	m->enabled_version = v;
	m->enabled_since_start = 1;
	scoreboard_publish_enabled(m->sb, names, n);
	log_info("published the enabled plugins (snapshot %llu): %s", v,
	    n > 0 ? spec + (size_t)(p - buf) : "none");
	return 0;
}

/*
 * "reload" or "reload enabled@SPEC" from a client or a worker: the set
 * first, at once, then the reload (which may have to wait for one in
 * progress).
 */
static void
master_reload_command(struct master *m, struct client *c, struct wproc *w,
    const char *cmd)
{
	static const char	 with_set[] = "reload enabled@";

	if (strncmp(cmd, with_set, sizeof(with_set) - 1) == 0 &&
	    !m->stopping &&
	    master_publish_enabled(m, cmd + sizeof(with_set) - 1) == -1)
		log_warn("malformed plugin set in '%.60s': reloading without",
		    cmd);
	master_reload_request(m, c, w);
}

/* Someone asked: a client (c), a worker (w), or a signal (neither). */
static void
master_reload_request(struct master *m, struct client *c, struct wproc *w)
{
	if (m->stopping) {
		if (c != NULL)
			master_client_answer(m, c,
			    "{\"ok\":false,\"error\":\"stopping\"}");
		if (w != NULL)
			master_send(w, "reload-failed stopping\n");
		return;
	}
	if (m->reloading) {
		/* The generation coming up may have read the old plugin
		 * set already: another full reload follows it. */
		m->reload_pending = 1;
		if (c != NULL)
			c->wait = WAIT_PENDING;
		if (w != NULL)
			w->owed_pending++;
		return;
	}
	if (c != NULL)
		c->wait = WAIT_CURRENT;
	if (w != NULL)
		w->owed_current++;
	master_reload_start(m);
}

/* --- stop ------------------------------------------------------------- */

static void
master_stop_start(struct master *m, int status)
{
	int64_t	now = scoreboard_now_ms();
	size_t	i;
	int	l, p;

	if (status != 0)
		m->exit_status = status;
	if (m->stopping)
		return;
	m->stopping = 1;
	m->stop_deadline = now + STOP_TIMEOUT_MS;
	master_notify("STOPPING=1\nSTATUS=stopping: draining workers");
	log_info("stopping: draining %zu worker%s", m->nw,
	    m->nw == 1 ? "" : "s");
	if (m->reloading) {
		m->reloading = 0;
		master_reload_answer(m, 0, "stopping");
	}
	if (m->reload_pending) {
		m->reload_pending = 0;
		master_promote_pending(m);
		master_reload_answer(m, 0, "stopping");
	}
	for (i = 0; i < m->nw; i++) {
		struct wproc *w = &m->w[i];

		if (w->state == W_DRAINING)
			continue;
		/* A starting worker reads it once it is up, then leaves. */
		master_send(w, "drain\n");
		w->state = W_DRAINING;
		w->drain_ms = now;
	}
	for (l = 0; l < 2; l++) {
		for (p = 0; p < m->lanes[l].nworkers; p++)
			m->lanes[l].pos[p].respawn_at = 0;
	}
}

/* --- reaping ---------------------------------------------------------- */

static void
master_schedule_respawn(struct master *m, const struct wproc *w)
{
	struct position	*pos = &m->lanes[w->lane].pos[w->index];
	int64_t		 now = scoreboard_now_ms();

	if (now - w->spawned_ms >= STABLE_MS || pos->backoff_ms == 0)
		pos->backoff_ms = BACKOFF_MIN_MS;
	else if (pos->backoff_ms < BACKOFF_MAX_MS) {
		pos->backoff_ms *= 2;
		if (pos->backoff_ms > BACKOFF_MAX_MS)
			pos->backoff_ms = BACKOFF_MAX_MS;
	}
	pos->respawn_at = now + pos->backoff_ms;
	log_info("respawning %s worker #%d in %lld ms", lane_name(w->lane),
	    w->index, (long long)pos->backoff_ms);
}

static void
master_exited(struct master *m, struct wproc *w, int status)
{
	struct crash_rec	 rec;
	char			 how[96], blame[512];
	int			 clean = WIFEXITED(status) &&
				    WEXITSTATUS(status) == 0;
	int			 was_reload = m->reloading &&
				    w->generation == m->reload_gen;
	size_t			 idx;

	if (WIFSIGNALED(status)) {
		const char *abbr = sigabbrev_np(WTERMSIG(status));

		snprintf(how, sizeof(how), "killed by signal %d (SIG%s)",
		    WTERMSIG(status), abbr != NULL ? abbr : "?");
	} else
		snprintf(how, sizeof(how), "exited with status %d",
		    WEXITSTATUS(status));
	master_blame_text(m, w, blame, sizeof(blame), &rec);

	if (w->state == W_DRAINING && clean)
		log_debug("%s worker %ld (generation %u) drained and exited",
		    lane_name(w->lane), (long)w->pid, w->generation);
	else if (w->abandoned)
		log_info("%s worker %ld of the abandoned generation %u %s",
		    lane_name(w->lane), (long)w->pid, w->generation, how);
	else if (w->stuck)
		log_err("%s worker %ld (generation %u) %s after a stuck "
		    "request: %s", lane_name(w->lane), (long)w->pid,
		    w->generation, how, blame);
	else {
		log_err("%s worker %ld (generation %u) %s%s: %s",
		    lane_name(w->lane), (long)w->pid, w->generation, how,
		    w->state == W_DRAINING ? " while draining" : "", blame);
		master_blame(m, &rec);
	}

	if (was_reload && !w->abandoned)
		master_reload_abort(m, w->state == W_STARTING ?
		    "a new worker exited before it was ready" :
		    "a new worker exited");
	else if (!m->stopping && w->generation == m->generation &&
	    w->state != W_DRAINING && m->started)
		master_schedule_respawn(m, w);

	/* Answers owed to it are moot now. */
	master_slots_free(m, w->slot_base, w->nthreads);
	if (w->ctl_fd != -1)
		close(w->ctl_fd);
	idx = (size_t)(w - m->w);
	m->w[idx] = m->w[--m->nw];
}

static void
master_reap(struct master *m)
{
	struct wproc	*w;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((w = master_find(m, pid)) == NULL)
			continue;	/* not ours (a probe would be a worker's) */
		master_exited(m, w, status);
	}
}

/* --- control socket --------------------------------------------------- */

/* The published set (we are its only writer), null when none is. */
static json_t *
master_enabled_json(struct master *m)
{
	const struct sb_enabled	*e = &m->sb->enabled;
	json_t			*a;
	char			 name[SB_PLUGIN_NAME];
	uint32_t		 i;
	size_t			 j;

	if (!e->valid)
		return json_null();
	a = json_array();
	for (i = 0; i < e->count && i < SB_PLUGINS_MAX; i++) {
		for (j = 0; j < sizeof(name); j++)
			name[j] = e->names[i][j];
		name[sizeof(name) - 1] = '\0';
		json_array_append_new(a, json_string(name));
	}
	return a;
}

static json_t *
master_status_json(struct master *m)
{
	static const char *const states[] = { "starting", "ready", "draining" };
	json_t	*root, *workers, *wj, *slots;
	int64_t	 now = scoreboard_now_ms();
	size_t	 i;
	int	 k;

	workers = json_array();
	for (i = 0; i < m->nw; i++) {
		const struct wproc *w = &m->w[i];

		slots = json_array();
		for (k = 0; k < w->nthreads; k++) {
			const struct sb_slot *s = &m->sb->slots[w->slot_base +
			    (uint32_t)k];
			char	 pl[sizeof(s->plugin)], rt[sizeof(s->route)];
			char	 id[sizeof(s->req_id)];
			int	 busy = s->state == SB_BUSY;

			memcpy(pl, (const char *)s->plugin, sizeof(pl));
			memcpy(rt, (const char *)s->route, sizeof(rt));
			memcpy(id, (const char *)s->req_id, sizeof(id));
			pl[sizeof(pl) - 1] = rt[sizeof(rt) - 1] =
			    id[sizeof(id) - 1] = '\0';
			json_array_append_new(slots, json_pack(
			    "{s:s,s:s,s:s,s:s,s:I,s:I}",
			    "state", busy ? "busy" : "idle",
			    "plugin", busy ? pl : "",
			    "route", busy ? rt : "",
			    "req_id", busy ? id : "",
			    "busy_ms", (json_int_t)(busy ?
			    now - s->started_ms : 0),
			    "requests", (json_int_t)s->requests));
		}
		wj = json_pack("{s:I,s:s,s:I,s:s,s:o}",
		    "pid", (json_int_t)w->pid,
		    "lane", lane_name(w->lane),
		    "generation", (json_int_t)w->generation,
		    "state", states[w->state],
		    "slots", slots);
		json_array_append_new(workers, wj);
	}
	root = json_pack("{s:I,s:I,s:b,s:b,s:I,s:o,s:o}",
	    "pid", (json_int_t)getpid(),
	    "generation", (json_int_t)m->generation,
	    "reloading", m->reloading,
	    "stopping", m->stopping,
	    "plugin_generation", (json_int_t)m->sb->plugin_generation,
	    "enabled_set", master_enabled_json(m),
	    "workers", workers);
	return root;
}

static void
master_client_command(struct master *m, struct client *c, const char *cmd)
{
	json_t	*j;
	char	*s;

	if (strcmp(cmd, "status") == 0) {
		j = master_status_json(m);
		s = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (s == NULL) {
			master_client_answer(m, c,
			    "{\"ok\":false,\"error\":\"out of memory\"}");
			return;
		}
		/* Too long for master_client_answer's buffer: send as is. */
		if (control_write(c->fd, s, strlen(s), CLIENT_WRITE_MS) == 0)
			(void)control_write(c->fd, "\n", 1, CLIENT_WRITE_MS);
		free(s);
		close(c->fd);
		c->fd = -1;
	} else if (strcmp(cmd, "reload") == 0 ||
	    strncmp(cmd, "reload enabled@", 15) == 0) {
		log_info("reload requested on the control socket");
		master_reload_command(m, c, NULL, cmd);
	} else if (strcmp(cmd, "stop") == 0) {
		log_info("stop requested on the control socket");
		c->wait = WAIT_STOP;
		master_stop_start(m, 0);
	} else
		master_client_answer(m, c,
		    "{\"ok\":false,\"error\":\"unknown command\"}");
}

static int
master_peer_allowed(struct master *m, int fd)
{
	uid_t	uid;

	if (control_peer_uid(fd, &uid) == -1)
		return 0;
	return uid == 0 || uid == geteuid() ||
	    (m->have_svc && uid == m->svc_uid);
}

static void
master_client_accept(struct master *m)
{
	static const char denied[] =
	    "{\"ok\":false,\"error\":\"permission denied\"}\n";
	struct client	*c;
	int		 fd;

	for (;;) {
		fd = accept4(m->ctl_listen, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_warn("control socket accept: %m");
			return;
		}
		if (!master_peer_allowed(m, fd)) {
			log_warn("control socket: refused a client (not root "
			    "or the service user)");
			(void)control_write(fd, denied, sizeof(denied) - 1,
			    100);
			close(fd);
			continue;
		}
		if (m->nclients == MAX_CLIENTS) {
			log_warn("control socket: too many clients");
			close(fd);
			continue;
		}
		c = &m->clients[m->nclients++];
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->deadline = scoreboard_now_ms() + CLIENT_READ_MS;
	}
}

static void
master_client_read(struct master *m, struct client *c)
{
	ssize_t	 n;
	char	*nl;

	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone; a reload it asked for goes on regardless. */
		close(c->fd);
		c->fd = -1;
		return;
	}
	if (c->wait != WAIT_NONE)
		return;		/* one command per connection */
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
		if (c->len == sizeof(c->buf) - 1)
			master_client_answer(m, c, "{\"ok\":false,\"error\":"
			    "\"line too long\"}");
		return;
	}
	*nl = '\0';
	if (nl > c->buf && nl[-1] == '\r')
		nl[-1] = '\0';
	master_client_command(m, c, c->buf);
}

static void
master_clients_compact(struct master *m)
{
	size_t	i, j;

	for (i = 0, j = 0; i < m->nclients; i++) {
		if (m->clients[i].fd != -1)
			m->clients[j++] = m->clients[i];
	}
	m->nclients = j;
}

/* --- worker channels -------------------------------------------------- */

static void
master_worker_read(struct master *m, pid_t pid)
{
	struct wproc	*w;
	char		 buf[CONTROL_LINE_MAX];
	ssize_t		 n;

	for (;;) {
		/* Looked up again each time: a reload may grow m->w. */
		if ((w = master_find(m, pid)) == NULL || w->ctl_fd == -1)
			return;
		n = recv(w->ctl_fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				close(w->ctl_fd);
				w->ctl_fd = -1;
			}
			return;
		}
		if (n == 0) {
			/* Exiting; waitpid tells the rest. */
			close(w->ctl_fd);
			w->ctl_fd = -1;
			return;
		}
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, "ready") == 0) {
			if (w->state != W_STARTING)
				continue;
			w->state = W_READY;
			if (w->generation != m->reload_gen || !m->reloading)
				log_info("%s worker %ld ready (generation %u)",
				    lane_name(w->lane), (long)w->pid,
				    w->generation);
			if (m->quarantine_pending[0] != '\0' &&
			    w->lane == LANE_API &&
			    w->generation == m->generation) {
				master_send(w, m->quarantine_pending);
				m->quarantine_pending[0] = '\0';
			}
			master_reload_check(m);
		} else if (strcmp(buf, "reload") == 0 ||
		    strncmp(buf, "reload enabled@", 15) == 0) {
			log_info("reload requested by worker %ld",
			    (long)w->pid);
			master_reload_command(m, NULL, w, buf);
		} else
			log_warn("worker %ld: unknown message '%.40s'",
			    (long)w->pid, buf);
	}
}

/* --- timers ----------------------------------------------------------- */

static void
master_scan_stuck(struct master *m, int64_t now)
{
	int64_t	limit = (int64_t)m->cfg->stuck_limit * 1000;
	char	blame[512];
	size_t	i;
	int	k;

	for (i = 0; i < m->nw; i++) {
		struct wproc *w = &m->w[i];

		if (w->kill_sent)
			continue;
		for (k = 0; k < w->nthreads; k++) {
			const struct sb_slot *s = &m->sb->slots[w->slot_base +
			    (uint32_t)k];

			if (s->state != SB_BUSY || now - s->started_ms <= limit)
				continue;
			master_blame_text(m, w, blame, sizeof(blame), NULL);
			log_err("%s worker %ld: request stuck longer than "
			    "stuck_limit (%d s), killing the worker: %s",
			    lane_name(w->lane), (long)w->pid,
			    m->cfg->stuck_limit, blame);
			kill(w->pid, SIGKILL);
			w->kill_sent = 1;
			w->stuck = 1;
			break;
		}
		if (w->kill_sent)
			continue;
		if (w->state == W_DRAINING && now - w->drain_ms > limit +
		    DRAIN_GRACE_MS) {
			log_err("%s worker %ld did not finish draining; "
			    "killing it", lane_name(w->lane), (long)w->pid);
			kill(w->pid, SIGKILL);
			w->kill_sent = 1;
		} else if (w->state == W_STARTING && now - w->spawned_ms >
		    READY_TIMEOUT_MS && !(m->reloading &&
		    w->generation == m->reload_gen)) {
			log_err("%s worker %ld not ready after %d s; killing "
			    "it", lane_name(w->lane), (long)w->pid,
			    READY_TIMEOUT_MS / 1000);
			kill(w->pid, SIGKILL);
			w->kill_sent = 1;
		}
	}
}

static void
master_timers(struct master *m)
{
	int64_t	now = scoreboard_now_ms();
	size_t	i;
	int	l, p;

	if (m->reloading && now >= m->reload_deadline)
		master_reload_abort(m, "the new generation was not ready in "
		    "time");

	for (l = 0; l < 2 && !m->stopping; l++) {
		for (p = 0; p < m->lanes[l].nworkers; p++) {
			struct position *pos = &m->lanes[l].pos[p];

			if (pos->respawn_at == 0 || now < pos->respawn_at)
				continue;
			pos->respawn_at = 0;
			if (master_spawn(m, l, p, m->generation) == -1)
				pos->respawn_at = now + BACKOFF_MAX_MS;
		}
	}

	if (now - m->last_scan >= TICK_MS) {
		m->last_scan = now;
		master_scan_stuck(m, now);
	}

	if (m->stopping && !m->stop_killed && now >= m->stop_deadline) {
		m->stop_killed = 1;
		log_err("workers still running after %d s; killing them",
		    STOP_TIMEOUT_MS / 1000);
		for (i = 0; i < m->nw; i++) {
			if (!m->w[i].kill_sent) {
				kill(m->w[i].pid, SIGKILL);
				m->w[i].kill_sent = 1;
			}
		}
	}

	for (i = 0; i < m->nclients; i++) {
		struct client *c = &m->clients[i];

		if (c->fd != -1 && c->wait == WAIT_NONE && now >= c->deadline) {
			close(c->fd);
			c->fd = -1;
		}
	}
}

static int
master_poll_timeout(struct master *m)
{
	int64_t	now = scoreboard_now_ms(), t = now + TICK_MS;
	int	l, p;

	for (l = 0; l < 2; l++) {
		for (p = 0; p < m->lanes[l].nworkers; p++) {
			int64_t at = m->lanes[l].pos[p].respawn_at;

			if (at != 0 && at < t)
				t = at;
		}
	}
	return t > now ? (int)(t - now) : 0;
}

/* --- set-up and the loop ---------------------------------------------- */

static int
master_signals(void)
{
	struct sigaction	sa;

	if (pipe2(master_sigpipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigaction(SIGUSR2, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = master_on_signal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	return 0;
}

static void
master_handle_signals(struct master *m)
{
	unsigned char	sigs[64];
	ssize_t		n, i;

	while ((n = read(master_sigpipe[0], sigs, sizeof(sigs))) > 0) {
		for (i = 0; i < n; i++) {
			switch (sigs[i]) {
			case SIGCHLD:
				master_reap(m);
				break;
			case SIGHUP:
				log_info("SIGHUP: reloading");
				master_reload_request(m, NULL, NULL);
				break;
			case SIGTERM:
			case SIGINT:
				if (!m->stopping)
					log_info("%s: stopping", sigs[i] ==
					    SIGTERM ? "SIGTERM" : "SIGINT");
				master_stop_start(m, 0);
				break;
			}
		}
	}
}

static int
master_loop(struct master *m)
{
	struct pollfd	*pfd = NULL;
	pid_t		*owner = NULL;
	size_t		 cap = 0, n, i, base;

	while (!(m->stopping && m->nw == 0)) {
		size_t want = 2 + MAX_CLIENTS + m->nw;

		if (want > cap) {
			struct pollfd	*np = reallocarray(pfd, want,
					    sizeof(*np));
			pid_t		*no;

			if (np == NULL)
				goto fail;
			pfd = np;
			if ((no = reallocarray(owner, want, sizeof(*no))) ==
			    NULL)
				goto fail;
			owner = no;
			cap = want;
		}
		n = 0;
		pfd[n].fd = master_sigpipe[0];
		pfd[n++].events = POLLIN;
		pfd[n].fd = m->stopping ? -1 : m->ctl_listen;
		pfd[n++].events = POLLIN;
		for (i = 0; i < m->nclients; i++) {
			pfd[n].fd = m->clients[i].fd;
			pfd[n++].events = POLLIN;
		}
		base = n;
		for (i = 0; i < m->nw; i++) {
			owner[n] = m->w[i].pid;
			pfd[n].fd = m->w[i].ctl_fd;
			pfd[n++].events = POLLIN;
		}

		if (poll(pfd, n, master_poll_timeout(m)) == -1 &&
		    errno != EINTR) {
			log_err("poll: %m");
			goto fail;
		}
		if (pfd[0].revents & POLLIN)
			master_handle_signals(m);
		/* Worker channels before clients: a "ready" may finish the
		 * reload a client waits for. */
		for (i = base; i < n; i++) {
			if (pfd[i].fd != -1 &&
			    (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				master_worker_read(m, owner[i]);
		}
		for (i = 2; i < base; i++) {
			struct client *c = &m->clients[i - 2];

			if (pfd[i].fd != -1 && c->fd == pfd[i].fd &&
			    (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				master_client_read(m, c);
		}
		master_clients_compact(m);
		if (pfd[1].fd != -1 && (pfd[1].revents & POLLIN))
			master_client_accept(m);
		/* SIGCHLD may be coalesced with others; reap anyway. */
		master_reap(m);
		master_timers(m);
	}
	free(pfd);
	free(owner);
	return 0;
fail:
	free(pfd);
	free(owner);
	return -1;
}

static void
master_cleanup(struct master *m)
{
	size_t	i;
	int	l;

	for (i = 0; i < m->nclients; i++) {
		struct client *c = &m->clients[i];

		if (c->fd == -1)
			continue;
		if (c->wait == WAIT_STOP)
			master_client_answer(m, c, "{\"ok\":true}");
		else if (c->wait != WAIT_NONE)
			master_client_answer(m, c,
			    "{\"ok\":false,\"error\":\"stopping\"}");
		else {
			close(c->fd);
			c->fd = -1;
		}
	}
	m->nclients = 0;
	for (l = 0; l < 2; l++) {
		if (m->lanes[l].fd != -1)
			close(m->lanes[l].fd);
		if (m->lanes[l].path != NULL)
			unlink(m->lanes[l].path);
		free(m->lanes[l].pos);
	}
	if (m->ctl_listen != -1) {
		close(m->ctl_listen);
		unlink(m->ctl_path);
	}
	for (i = 0; i < m->nw; i++) {
		if (m->w[i].ctl_fd != -1)
			close(m->w[i].ctl_fd);
	}
	free(m->w);
	free(m->slot_used);
	scoreboard_destroy(m->sb);
	if (master_sigpipe[0] != -1) {
		close(master_sigpipe[0]);
		close(master_sigpipe[1]);
		master_sigpipe[0] = master_sigpipe[1] = -1;
	}
}

int
master_run(const struct config *cfg)
{
	struct master	m;
	uint32_t	per_gen;
	size_t		i;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.ctl_listen = -1;
	m.lanes[0].fd = m.lanes[1].fd = -1;
	for (i = 0; i < MAX_CLIENTS; i++)
		m.clients[i].fd = -1;

	if (master_signals() == -1) {
		log_err("signals: %m");
		goto fail;
	}
	if (master_service_user(&m) == -1)
		goto fail;
	/* The control socket first: it also tells us whether another
	 * bureaud is running on these paths. */
	if (master_setup_control(&m) == -1 || master_setup_lanes(&m) == -1)
		goto fail;

	per_gen = (uint32_t)(cfg->workers * cfg->threads +
	    cfg->login_workers * cfg->login_threads);
	if ((m.sb = scoreboard_create(per_gen * SLOT_GENERATIONS)) == NULL ||
	    (m.slot_used = calloc(per_gen * SLOT_GENERATIONS, 1)) == NULL) {
		log_err("scoreboard: %m");
		goto fail;
	}

	/* The hash-cap semaphore outlives workers (SEM_UNDO gives back the
	 * slots of killed ones); the master owns it and removes it at the
	 * end, so stopped instances leave no SysV sets behind. */
	auth_master_init(cfg);

	log_info("bureaud starting (pid %ld)", (long)getpid());
	master_reload_start(&m);
	if (master_loop(&m) == -1) {
		m.exit_status = 1;
		for (i = 0; i < m.nw; i++)
			kill(m.w[i].pid, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
	}
	log_info("bureaud stopped");
	auth_master_fini();
	master_cleanup(&m);
	return m.exit_status;
fail:
	master_cleanup(&m);
	return 1;
}
