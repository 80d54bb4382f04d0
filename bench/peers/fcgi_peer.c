/*
 * fcgi_peer -- the FastCGI ceiling: a bare libfcgi responder that answers
 * every request with one fixed body (E1's, read from a file) and the
 * headers bureaud sends, and does nothing else.  Behind the same nginx as
 * bureaud, with the same processes x threads, it is what E1 could reach
 * if bureaud's own work (routing, session check, SQLite, JSON) cost
 * nothing.
 *
 *	fcgi_peer -s SOCKET -b BODYFILE [-w workers] [-t threads]
 *
 * Built by bench/run with cc; runs until SIGTERM (its process group).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

static char	*head, *body;
static size_t	 head_len, body_len;
static int	 listen_fd;

static void *
serve(void *arg)
{
	FCGX_Request req;
	unsigned long n = 0;

	(void)arg;
	if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&req) >= 0) {
		/* A request id like bureaud's, so the header block has the
		 * same size. */
		char id[64];
		int idn = snprintf(id, sizeof(id),
		    "X-Request-Id: %016lx%08lx\r\n\r\n", (unsigned long)getpid(),
		    n++);

		FCGX_PutStr(head, (int)head_len, req.out);
		FCGX_PutStr(id, idn, req.out);
		FCGX_PutStr(body, (int)body_len, req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

static void
worker(int threads)
{
	pthread_t *tid;
	int i;

	if ((tid = calloc((size_t)threads, sizeof(*tid))) == NULL)
		_exit(1);
	for (i = 1; i < threads; i++)
		pthread_create(&tid[i], NULL, serve, NULL);
	serve(NULL);
	for (i = 1; i < threads; i++)
		pthread_join(tid[i], NULL);
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL, *file = NULL;
	struct stat sb;
	int c, fd, i, workers = 2, threads = 1;
	pid_t pid;

	while ((c = getopt(argc, argv, "s:b:w:t:")) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'b': file = optarg; break;
		case 'w': workers = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: fcgi_peer -s SOCKET -b BODYFILE "
			    "[-w workers] [-t threads]\n");
			return 2;
		}
	}
	if (sock == NULL || file == NULL || workers < 1 || threads < 1)
		return 2;
	if ((fd = open(file, O_RDONLY)) == -1 || fstat(fd, &sb) == -1) {
		perror(file);
		return 1;
	}
	body_len = (size_t)sb.st_size;
	if ((body = malloc(body_len + 1)) == NULL ||
	    read(fd, body, body_len) != (ssize_t)body_len)
		return 1;
	close(fd);
	head_len = (size_t)asprintf(&head, "Status: 200 OK\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n", body_len);
	if (FCGX_Init() != 0)
		return 1;
	unlink(sock);
	if ((listen_fd = FCGX_OpenSocket(sock, 1024)) < 0) {
		fprintf(stderr, "fcgi_peer: cannot listen on %s\n", sock);
		return 1;
	}
	chmod(sock, 0666);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < workers; i++) {
		if ((pid = fork()) == -1)
			return 1;
		if (pid == 0)
			worker(threads);
	}
	/* The parent only waits, like bureaud's master. */
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
