/*
 * control -- the line protocol on bureaud's root-only control socket
 * (bureauctl <-> master) and on each worker's socketpair.
 * Requests are one line ("reload\n", "status\n", "stop\n"); answers are
 * one JSON object per line.
 */
#ifndef BUREAU_CONTROL_H
#define BUREAU_CONTROL_H

#include <stddef.h>

/* bureauctl side: sends cmd, reads one answer line into buf.  0/-1. */
int	control_request(const char *socket_path, const char *cmd,
	    char *buf, size_t buflen);

#endif
