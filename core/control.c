/*
 * control.c -- both ends of the control socket's line protocol: the
 * client bureauctl uses, and the small socket helpers the master uses
 * when it answers.
 */

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"

static int64_t
control_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline, 0 when it has passed. */
static int
control_left(int64_t deadline)
{
	int64_t	left = deadline - control_now_ms();

	return left > 0 ? (int)left : 0;
}

int
control_write(int fd, const char *line, size_t len, int timeout_ms)
{
	int64_t		deadline = control_now_ms() + timeout_ms;
	struct pollfd	pfd;
	ssize_t		n;

	while (len > 0) {
		n = send(fd, line, len, MSG_NOSIGNAL);
		if (n > 0) {
			line += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, control_left(deadline)) == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

int
control_peer_uid(int fd, uid_t *uid)
{
	struct ucred	cred;
	socklen_t	len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*uid = cred.uid;
	return 0;
}

int
control_request(const char *socket_path, const char *cmd, char *buf,
    size_t buflen)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	int64_t			 deadline;
	size_t			 len = 0, cmdlen;
	ssize_t			 n;
	char			 line[CONTROL_LINE_MAX];
	char			*nl;
	int			 fd = -1, saved;

	if (buflen == 0 || strlen(socket_path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	cmdlen = strlen(cmd);
	if (cmdlen + 2 > sizeof(line) || memchr(cmd, '\n', cmdlen) != NULL) {
		errno = EINVAL;
		return -1;
	}
	memcpy(line, cmd, cmdlen);
	line[cmdlen++] = '\n';

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, socket_path, strlen(socket_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;

	deadline = control_now_ms() + CONTROL_TIMEOUT_MS;
	if (control_write(fd, line, cmdlen, CONTROL_TIMEOUT_MS) == -1)
		goto fail;

	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, control_left(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (len + 1 >= buflen) {
			errno = EMSGSIZE;
			goto fail;
		}
		n = read(fd, buf + len, buflen - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0) {
			errno = EPIPE;	/* closed without an answer */
			goto fail;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			break;
		}
	}
	close(fd);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	buf[0] = '\0';
	errno = saved;
	return -1;
}
