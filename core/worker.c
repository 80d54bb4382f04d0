/*
 * worker.c -- one bureaud worker process.
 *
 * Forked by the master (signals blocked), it ties its life to the
 * master's, keeps only the descriptors it needs, drops privileges, opens
 * the app (database, plugins, routes), starts its serving threads, tells
 * the master "ready" and then waits for "drain".
 *
 * How a drain works, and why not with signals.  libfcgi's accept path
 * cannot be interrupted safely: after accept() on a unix socket it
 * select()s on the new connection (is_af_unix_keeper) and closes it if
 * that select fails -- with EINTR, say -- dropping a request nginx has
 * already sent; and a signal that lands in a thread mid-request breaks
 * its read() or write().  Waking blocked accepts with repeated signals
 * (FCGX_ShutdownPending + SIGUSR1) therefore drops requests now and
 * then, which a reload must never do.  Instead the master makes the
 * listen socket non-blocking and every thread waits in poll() on it and
 * on a wake pipe.  Readable listen socket: FCGX_Accept_r (EAGAIN when
 * another process won the race: poll again).  Drain: a flag, then one
 * byte into the wake pipe, which wakes every thread at once; a thread
 * serving a request finishes it first.  No thread is ever interrupted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "audit.h"
#include "control.h"
#include "db.h"
#include "log.h"
#include "plugins.h"
#include "scoreboard.h"
#include "worker.h"

struct worker_thread {
	pthread_t		 tid;
	int			 index;
	int			 started;	/* pthread_create succeeded */
	struct worker		*w;
};

struct worker {
	const struct config	*cfg;
	const struct worker_spec *spec;
	struct app		 app;
	struct worker_thread	*threads;
	int			 wake[2];	/* drain: readable for all */
	atomic_int		 draining;
	atomic_int		 failed;	/* a thread hit a fatal error */
	atomic_int		 live;		/* serving threads not yet done */

	pthread_mutex_t		 mu;		/* start-up rendezvous */
	pthread_cond_t		 cv;
	int			 nstarted;	/* threads past thread_ctx_init */
	int			 nfailed;
	int			 go;		/* all set up: start accepting */
};

/*
 * Process-wide, set once before any serving thread exists: the channel
 * to the master (for worker_request_reload) and the signal self-pipe.
 */
static int	worker_ctl_fd = -1;
static int	worker_sigpipe[2] = { -1, -1 };

/* Answers to worker_request_reload, counted so each waiter sees its own. */
static pthread_mutex_t	reload_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	reload_cv = PTHREAD_COND_INITIALIZER;
static uint64_t		reload_asked, reload_answered, reload_failed_upto;

static void
worker_on_signal(int sig)
{
	int		saved = errno;
	unsigned char	c = (unsigned char)sig;

	if (worker_sigpipe[1] != -1)
		(void)!write(worker_sigpipe[1], &c, 1);
	errno = saved;
}

static int
worker_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/*
	 * Ignored before FCGX_Init: libfcgi installs its own SIGPIPE and
	 * SIGUSR1 (= shutdown pending) handlers only over SIG_DFL, and we
	 * want neither.
	 */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1 ||
	    sigaction(SIGUSR1, &sa, NULL) == -1 ||
	    sigaction(SIGUSR2, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_DFL;	/* probe_run waits for its children */
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = worker_on_signal;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	return 0;
}

/* Keeps 0-2 and the descriptors in keep[]; closes everything else we
 * inherited from the master (other lanes, control socket, other
 * workers' channels). */
static void
worker_close_fds(int a, int b)
{
	int		lo = a < b ? a : b, hi = a < b ? b : a;
	unsigned	from = 3;

	if (lo >= 3) {
		if ((unsigned)lo > from)
			close_range(from, (unsigned)lo - 1, 0);
		from = (unsigned)lo + 1;
	}
	if (hi >= 3 && hi != lo) {
		if ((unsigned)hi > from)
			close_range(from, (unsigned)hi - 1, 0);
		from = (unsigned)hi + 1;
	}
	close_range(from, ~0U, 0);
}

static int
worker_drop_privileges(const struct config *cfg)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid;
	gid_t		 gid;

	if (geteuid() != 0) {
		if (cfg->user != NULL && (pw = getpwnam(cfg->user)) != NULL &&
		    pw->pw_uid != geteuid())
			log_warn("not root: cannot switch to user %s, "
			    "running as uid %ld", cfg->user, (long)geteuid());
		return 0;
	}
	if (cfg->user == NULL)
		return 0;	/* the master warned once */
	if ((pw = getpwnam(cfg->user)) == NULL) {
		log_err("unknown user %s", cfg->user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			log_err("unknown group %s", cfg->group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (initgroups(cfg->user, gid) == -1 || setgid(gid) == -1 ||
	    setuid(uid) == -1) {
		log_err("cannot drop privileges to %s: %m", cfg->user);
		return -1;
	}
	/* Verify: a process that can become root again has not dropped. */
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || (uid != 0 && setuid(0) != -1)) {
		log_err("privilege drop to %s did not stick", cfg->user);
		return -1;
	}
	return 0;
}

/* Dies with the master.  Cleared by any credential change, so it is set
 * again after the privilege drop. */
static int
worker_tie_to_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1) {
		log_err("prctl(PR_SET_PDEATHSIG): %m");
		return -1;
	}
	/* The master may have died before the prctl took effect. */
	if (parent > 0 && getppid() != parent) {
		log_err("master %ld is gone", (long)parent);
		return -1;
	}
	return 0;
}

static void
worker_begin_drain(struct worker *w)
{
	unsigned char	c = 'd';

	if (atomic_exchange(&w->draining, 1))
		return;
	(void)!write(w->wake[1], &c, 1);
}

static void
worker_thread_report(struct worker *w, int ok)
{
	pthread_mutex_lock(&w->mu);
	if (ok)
		w->nstarted++;
	else
		w->nfailed++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int
worker_accept_retry(int rc)
{
	return rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR ||
	    rc == -ECONNABORTED || rc == -EPROTO || rc == -ECONNRESET;
}

static void *
worker_thread(void *arg)
{
	struct worker_thread	*wt = arg;
	struct worker		*w = wt->w;
	const struct worker_spec *spec = w->spec;
	struct thread_ctx	 t;
	struct sb_slot		*slot = NULL;
	struct pollfd		 pfd[2];
	FCGX_Request		 req;
	int			 rc, n;

	if (spec->sb != NULL)
		slot = &spec->sb->slots[spec->slot_base + (uint32_t)wt->index];
	if (thread_ctx_init(&t, &w->app, wt->index, slot) == -1) {
		log_err("thread %d: cannot set up its context", wt->index);
		worker_thread_report(w, 0);
		atomic_fetch_sub(&w->live, 1);
		return NULL;
	}
	if (FCGX_InitRequest(&req, spec->listen_fd,
	    FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_err("thread %d: FCGX_InitRequest failed", wt->index);
		thread_ctx_fini(&t);
		worker_thread_report(w, 0);
		atomic_fetch_sub(&w->live, 1);
		return NULL;
	}
	worker_thread_report(w, 1);

	/*
	 * No accepting before the whole worker is up: a worker that never
	 * becomes ready is killed, and must not take a request with it.
	 */
	pthread_mutex_lock(&w->mu);
	while (!w->go && !atomic_load(&w->draining))
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);

	pfd[0].fd = spec->listen_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = w->wake[0];
	pfd[1].events = POLLIN;
	for (;;) {
		if (atomic_load(&w->draining))
			break;
		n = poll(pfd, 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("thread %d: poll: %m", wt->index);
			goto fatal;
		}
		/* Checked before accepting: a draining worker takes no new
		 * connection, it stays queued for the new generation. */
		if (atomic_load(&w->draining))
			break;
		if ((pfd[0].revents & (POLLERR | POLLNVAL)) != 0) {
			log_err("thread %d: listen socket failed", wt->index);
			goto fatal;
		}
		if ((pfd[0].revents & POLLIN) == 0)
			continue;
		rc = FCGX_Accept_r(&req);
		if (rc < 0) {
			if (worker_accept_retry(rc))
				continue;
			log_err("thread %d: FCGX_Accept_r: %s", wt->index,
			    strerror(-rc));
			goto fatal;
		}
		/* Accepted is served, draining or not. */
		request_handle(&t, &req);
		FCGX_Finish_r(&req);
	}
	FCGX_Free(&req, 1);
	thread_ctx_fini(&t);
	atomic_fetch_sub(&w->live, 1);
	return NULL;
fatal:
	/* Leave the worker: the master respawns a fresh one. */
	atomic_store(&w->failed, 1);
	FCGX_Free(&req, 1);
	thread_ctx_fini(&t);
	atomic_fetch_sub(&w->live, 1);
	worker_on_signal(SIGTERM);
	return NULL;
}

static int
worker_quarantine_audit(sqlite3 *db, const char *action, const char *name,
    json_t *before, json_t *after, void *arg)
{
	json_t	*b, *a;
	int	 rc;

	(void)arg;
	b = before != NULL ? json_deep_copy(before) : json_object();
	a = after != NULL ? json_deep_copy(after) : json_object();
	if (b == NULL || a == NULL) {
		json_decref(b);
		json_decref(a);
		return -1;
	}
	json_object_set_new(b, "plugin", json_string(name));
	json_object_set_new(a, "plugin", json_string(name));
	rc = audit_append(db, (int64_t)time(NULL), 0, "bureaud", NULL, action,
	    "plugin", 0, b, a);
	json_decref(b);
	json_decref(a);
	return rc;
}

/*
 * "quarantine NAME WHY": the master's crash count crossed the threshold.
 * Recorded here because the master never opens the database; then a
 * reload takes the plugin (and what depends on it) out of every worker.
 */
static void
worker_quarantine(struct worker *w, char *arg)
{
	struct plugin_change	 ch;
	sqlite3			*db = NULL;
	char			 err[256], set[CONTROL_LINE_MAX - 32];
	char			*why;
	int			 have_set;

	if ((why = strchr(arg, ' ')) != NULL)
		*why++ = '\0';
	memset(&ch, 0, sizeof(ch));
	ch.actor = "bureaud";
	ch.audit = worker_quarantine_audit;
	err[0] = '\0';
	if (db_open(&db, w->cfg->db_path, 0, w->cfg->busy_timeout_ms) == -1 ||
	    plugin_quarantine(db, arg, why != NULL ? why :
	    "repeated crashes", &ch, err, sizeof(err)) == -1) {
		log_err("cannot quarantine plugin %s: %s", arg,
		    err[0] != '\0' ? err : "database error");
		if (db != NULL)
			db_close(db);
		return;
	}
	/* Its routes (and its dependents') answer 404 in every worker at
	 * once, not only in the next generation. */
	have_set = plugin_enabled_spec(db, set, sizeof(set)) == 0;
	db_close(db);
	if (worker_request_reload_enabled(have_set ? set : NULL, 0) == -1)
		log_err("plugin %s quarantined, but no reload could be asked "
		    "for", arg);
}

/* One message from the master on the channel; -1 when it is gone. */
static int
worker_ctl_read(struct worker *w)
{
	char		 buf[256];
	ssize_t		 n;
	char		*nl;

	n = recv(worker_ctl_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	if (n == 0)
		return -1;
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL)
		*nl = '\0';

	if (strcmp(buf, "drain") == 0) {
		log_debug("draining");
		worker_begin_drain(w);
	} else if (strncmp(buf, "reloaded ", 9) == 0 ||
	    strncmp(buf, "reload-failed", 13) == 0) {
		pthread_mutex_lock(&reload_mu);
		reload_answered++;
		if (buf[6] == '-')
			reload_failed_upto = reload_answered;
		pthread_cond_broadcast(&reload_cv);
		pthread_mutex_unlock(&reload_mu);
	} else if (strncmp(buf, "quarantine ", 11) == 0)
		worker_quarantine(w, buf + 11);
	else
		log_warn("unknown message from the master: %.40s", buf);
	return 0;
}

int
worker_request_reload(int timeout_ms)
{
	return worker_request_reload_enabled(NULL, timeout_ms);
}

int
worker_request_reload_enabled(const char *enabled, int timeout_ms)
{
	char			 msg[CONTROL_LINE_MAX];
	struct timespec		 deadline;
	uint64_t		 ticket;
	int			 rc = 0, len;

	if (worker_ctl_fd == -1)
		return -1;
	if (enabled != NULL)
		len = snprintf(msg, sizeof(msg), "reload enabled@%s\n",
		    enabled);
	else
		len = snprintf(msg, sizeof(msg), "reload\n");
	if (len < 0 || (size_t)len >= sizeof(msg)) {
		log_err("plugin set too long to publish; reloading without");
		len = snprintf(msg, sizeof(msg), "reload\n");
	}
	pthread_mutex_lock(&reload_mu);
	ticket = ++reload_asked;
	if (send(worker_ctl_fd, msg, (size_t)len, MSG_NOSIGNAL) == -1) {
		log_err("cannot ask the master for a reload: %m");
		reload_asked--;
		pthread_mutex_unlock(&reload_mu);
		return -1;
	}
	if (timeout_ms <= 0) {
		pthread_mutex_unlock(&reload_mu);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	/* The master answers each request once and in order. */
	while (reload_answered < ticket && rc == 0)
		rc = pthread_cond_timedwait(&reload_cv, &reload_mu, &deadline);
	if (reload_answered < ticket)
		rc = -1;
	else
		rc = reload_failed_upto >= ticket ? -1 : 0;
	pthread_mutex_unlock(&reload_mu);
	return rc;
}

/* Starts the serving threads and waits until each has its context. */
static int
worker_start_threads(struct worker *w)
{
	sigset_t	all, old;	/* "all" we keep from serving threads */
	int		i, n = w->spec->nthreads, rc = 0;

	/*
	 * Asynchronous signals go to this thread, not to serving threads.
	 * Faults (SIGSEGV, SIGABRT, ...) stay unblocked there: a plugin
	 * that raise()s one must crash like a wild pointer would.
	 */
	sigemptyset(&all);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGHUP);
	sigaddset(&all, SIGCHLD);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGPIPE);
	sigaddset(&all, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < n; i++) {
		w->threads[i].index = i;
		w->threads[i].w = w;
		atomic_fetch_add(&w->live, 1);
		if (pthread_create(&w->threads[i].tid, NULL, worker_thread,
		    &w->threads[i]) != 0) {
			log_err("pthread_create: %m");
			atomic_fetch_sub(&w->live, 1);
			rc = -1;
			break;
		}
		w->threads[i].started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	pthread_mutex_lock(&w->mu);
	while (w->nstarted + w->nfailed < i)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->nfailed > 0)
		rc = -1;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* Lets the serving threads accept (go) or leave (after a failure). */
static void
worker_release_threads(struct worker *w, int go)
{
	if (!go)
		worker_begin_drain(w);
	pthread_mutex_lock(&w->mu);
	w->go = go;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static void
worker_join_threads(struct worker *w)
{
	int	i;

	for (i = 0; i < w->spec->nthreads; i++) {
		if (w->threads[i].started)
			pthread_join(w->threads[i].tid, NULL);
	}
}

/*
 * Waits for "drain", SIGTERM/SIGINT, the master's death or a thread's
 * fatal error; then keeps reading the channel until the last serving
 * thread is done, because a draining request may still be waiting for
 * the answer to its worker_request_reload().
 */
static void
worker_loop(struct worker *w)
{
	struct pollfd	pfd[2];
	unsigned char	sigs[16];
	int		n;

	pfd[0].fd = worker_ctl_fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = worker_sigpipe[0];
	pfd[1].events = POLLIN;
	while (!atomic_load(&w->draining) || atomic_load(&w->live) > 0) {
		n = poll(pfd, 2, atomic_load(&w->draining) ? 50 : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %m");
			worker_begin_drain(w);
			pfd[0].fd = pfd[1].fd = -1;
			continue;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(worker_sigpipe[0], sigs, sizeof(sigs)) > 0)
				worker_begin_drain(w);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (worker_ctl_read(w) == -1) {
				if (!atomic_load(&w->draining))
					log_warn("lost the master; draining");
				worker_begin_drain(w);
				pfd[0].fd = -1;
			}
		}
	}
}

int
worker_main(const struct config *cfg, const struct worker_spec *spec)
{
	struct worker	 w;
	sigset_t	 none;
	int		 rc = 1, app_opened = 0, flags;
	static const char ready[] = "ready\n";

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.spec = spec;
	w.wake[0] = w.wake[1] = -1;
	atomic_init(&w.draining, 0);
	atomic_init(&w.failed, 0);
	atomic_init(&w.live, 0);
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);

	if (worker_tie_to_parent(spec->parent_pid) == -1)
		goto out;
	worker_close_fds(spec->listen_fd, spec->ctl_fd);
	worker_ctl_fd = spec->ctl_fd;
	if (worker_signals() == -1 ||
	    pipe2(worker_sigpipe, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(w.wake, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_err("worker set-up: %m");
		goto out;
	}
	if (worker_drop_privileges(cfg) == -1 ||
	    worker_tie_to_parent(spec->parent_pid) == -1)
		goto out;
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);

	/* The master set it already; harmless if inherited from elsewhere. */
	if ((flags = fcntl(spec->listen_fd, F_GETFL)) != -1 &&
	    (flags & O_NONBLOCK) == 0)
		fcntl(spec->listen_fd, F_SETFL, flags | O_NONBLOCK);

	if (FCGX_Init() != 0) {
		log_err("FCGX_Init failed");
		goto out;
	}
	if (spec->sb != NULL) {
		int i;

		for (i = 0; i < spec->nthreads; i++) {
			struct sb_slot *s =
			    &spec->sb->slots[spec->slot_base + (uint32_t)i];

			s->state = SB_IDLE;
			s->plugin[0] = s->route[0] = s->req_id[0] = '\0';
			s->requests = 0;
			s->generation = spec->generation;
			s->pid = getpid();
		}
	}

	if (app_open(&w.app, cfg, spec->lane, spec->sb) == -1) {
		log_err("%s worker: cannot open the application",
		    spec->lane == LANE_LOGIN ? "login" : "api");
		goto out;
	}
	app_opened = 1;

	if ((w.threads = calloc((size_t)spec->nthreads,
	    sizeof(*w.threads))) == NULL) {
		log_err("out of memory");
		goto out;
	}
	if (worker_start_threads(&w) == -1) {
		worker_release_threads(&w, 0);
		worker_join_threads(&w);
		goto out;
	}
	worker_release_threads(&w, 1);
	if (send(worker_ctl_fd, ready, sizeof(ready) - 1, MSG_NOSIGNAL) ==
	    -1) {
		log_err("cannot reach the master: %m");
		worker_begin_drain(&w);
		worker_join_threads(&w);
		goto out;
	}
	log_debug("%s worker ready (generation %u, %d thread%s)",
	    spec->lane == LANE_LOGIN ? "login" : "api", spec->generation,
	    spec->nthreads, spec->nthreads == 1 ? "" : "s");

	worker_loop(&w);
	worker_join_threads(&w);
	rc = atomic_load(&w.failed) ? 1 : 0;
out:
	if (app_opened)
		app_close(&w.app);
	free(w.threads);
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	/* The listen socket stays open in the master and the other
	 * generation: our copy goes, nothing else. */
	if (spec->listen_fd != -1)
		close(spec->listen_fd);
	return rc;
}
