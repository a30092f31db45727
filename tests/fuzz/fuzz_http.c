/*
 * fuzz_http: HTTP responses as the client of http.c reads them (status
 * line, header fields, Content-Length, chunked transfer coding, bodies
 * that end early).  The reader works on a socket, not a buffer, so a
 * thread of this process listens on 127.0.0.1, takes the one connection
 * jp_http_get() makes, reads the request and answers with the input
 * bytes, then closes.  The body goes to a scratch file, at most 1 MB.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include "fuzz_common.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lfd = -1;
static int port;

struct answer {
	const uint8_t *p;
	size_t n;
};

static void *
serve(void *arg)
{
	struct answer *a = arg;
	char req[4096];
	size_t have = 0;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		return NULL;
	/* The request: up to its blank line. */
	while (have < sizeof(req) - 1) {
		ssize_t r = read(fd, req + have, sizeof(req) - 1 - have);

		if (r <= 0)
			break;
		have += (size_t)r;
		req[have] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	while (a->n > 0) {
		ssize_t w = write(fd, a->p, a->n);

		if (w <= 0)
			break;
		a->p += w;
		a->n -= (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	return NULL;
}

static void
listen_once(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
		abort();
	port = ntohs(sa.sin_port);
	/* An answer that stops short must not hold a run for a minute. */
	jp_http_set_timeouts(2000, 2000);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct answer a = { data, size };
	struct jp_ctx ctx;
	pthread_t t;
	char url[64], path[128];
	uint64_t got = 0;
	int fd;

	if (lfd < 0)
		listen_once();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/repodata/repomd.xml",
	    port);
	snprintf(path, sizeof(path), "%s/body", fz_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || pthread_create(&t, NULL, serve, &a) != 0)
		abort();
	fz_ctx(&ctx);
	(void)jp_http_get(&ctx, url, fd, 1 << 20, &got);
	/* The client may give up before the server has written everything. */
	close(fd);
	pthread_join(t, NULL);
	return 0;
}
