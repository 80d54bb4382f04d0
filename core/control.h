/*
 * control -- the line protocol on bureaud's root-only control socket
 * (bureauctl <-> master) and on each worker's socketpair.
 * Requests are one line ("reload\n", "status\n", "stop\n"); answers are
 * one JSON object per line.
 *
 * Control socket (one command per connection):
 *   status  -> {"pid":N,"generation":N,"reloading":bool,"plugin_generation":N,
 *              "enabled_set":[names]|null,"workers":[{"pid",
 *              "lane":"api"|"login","generation","state","slots":[{"state",
 *              "plugin","route","req_id","busy_ms","requests"}]}]}
 *   reload  -> {"ok":true,"generation":N} once the new generation is
 *              ready, or {"ok":false,"error":"..."}
 *   reload enabled@V:a,b,c
 *           -> the same, after publishing the enabled plugin set at
 *              once (see master.c; V = last audit_log id of the snapshot)
 *   stop    -> {"ok":true} once every worker has exited
 *
 * Worker channel (SOCK_SEQPACKET, one message per line):
 *   worker -> master  "ready\n", "reload\n", "reload enabled@V:a,b,c\n"
 *   master -> worker  "drain\n", "reloaded N\n", "reload-failed WHY\n",
 *                     "quarantine PLUGIN\n"
 */
#ifndef BUREAU_CONTROL_H
#define BUREAU_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#define CONTROL_TIMEOUT_MS	60000	/* a reload may take a while */
#define CONTROL_LINE_MAX	4096	/* longest request line (64 plugin
					 * names fit) */

/* bureauctl side: sends cmd, reads one answer line (without the newline)
 * into buf.  0, or -1 with errno set (ENOENT/ECONNREFUSED: bureaud is not
 * running; ETIMEDOUT; EMSGSIZE: answer longer than buflen). */
int	control_request(const char *socket_path, const char *cmd,
	    char *buf, size_t buflen);

/* Master side: the uid of the process at the other end of a connected
 * unix socket (SO_PEERCRED).  0/-1. */
int	control_peer_uid(int fd, uid_t *uid);
/* Writes all of line to a (possibly non-blocking) socket, waiting at
 * most timeout_ms in total.  0/-1. */
int	control_write(int fd, const char *line, size_t len, int timeout_ms);

#endif
