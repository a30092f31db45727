/*
 * http_test.c: unit tests of the HTTP client and the metadata mirror
 * (http.c).
 *
 * A small server runs in a thread of the test, on 127.0.0.1 (and ::1 when
 * the host has it) at a port the kernel picks: it answers each GET with a
 * canned response for its path (written here by hand as RFC 9112 frames
 * messages), or with a file of a document root, or 404, or never answers.
 *
 * The mirror tests serve repositories made by the real tools, not by
 * jprepo: rpmbuild and createrepo_c (RPM-MD), dpkg-deb and apt-ftparchive
 * (APT); the mirrored files must equal the served ones byte for byte and
 * the pool read from the mirror must hold what the pool read from the
 * original holds.  Skipped (77) without those tools.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "fsutil.h"
#include "http.h"
#include "pool.h"
#include "testutil.h"

/* --- the server --- */

struct route {
	const char *path;
	const char *resp;     /* NULL: never answer */
	size_t len;           /* 0: strlen(resp) */
};

struct srv {
	int lfd;
	int port;
	pthread_t th;
	const struct route *routes;
	size_t nroutes;
	const char *docroot;
	volatile int stop;
	char lastreq[4096];
	int nreq;
};

static void
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Read a request head; 0 when one came. */
static int
read_req(struct srv *s, int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd pf = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pf, 1, 5000) <= 0)
			return -1;
		r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "\r\n\r\n")) {
			memcpy(s->lastreq, buf, n + 1);
			s->nreq++;
			return 0;
		}
	}
	return -1;
}

static void
serve_one(struct srv *s, int fd)
{
	char req[4096], path[2048];
	const char *sp, *e;
	size_t i;

	if (read_req(s, fd, req, sizeof(req)) < 0)
		return;
	sp = strchr(req, ' ');
	e = sp ? strchr(sp + 1, ' ') : NULL;
	if (!e || (size_t)(e - sp) >= sizeof(path))
		return;
	memcpy(path, sp + 1, (size_t)(e - sp - 1));
	path[e - sp - 1] = '\0';
	for (i = 0; i < s->nroutes; i++) {
		const struct route *r = &s->routes[i];

		if (strcmp(r->path, path))
			continue;
		if (!r->resp) {
			/* hold the connection until the client gives up */
			while (!s->stop) {
				struct pollfd pf = { fd, POLLIN, 0 };
				char c;

				if (poll(&pf, 1, 100) > 0 && recv(fd, &c, 1, 0) <= 0)
					break;
			}
			return;
		}
		send_all(fd, r->resp, r->len ? r->len : strlen(r->resp));
		return;
	}
	if (s->docroot && !strstr(path, "..")) {
		char *file = jp_path_join(s->docroot, path);
		struct stat st;

		if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
			size_t len;
			char *data = tu_slurp(file, &len);
			char *head = jp_xasprintf("HTTP/1.1 200 OK\r\nContent-Length: "
			    "%zu\r\n\r\n", len);

			send_all(fd, head, strlen(head));
			send_all(fd, data, len);
			free(head);
			free(data);
			free(file);
			return;
		}
		free(file);
	}
	send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
	    54);
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;

	while (!s->stop) {
		struct pollfd pf = { s->lfd, POLLIN, 0 };
		int fd;

		if (poll(&pf, 1, 50) <= 0)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve_one(s, fd);
		shutdown(fd, SHUT_WR);
		close(fd);
	}
	return NULL;
}

/* Start a server on 127.0.0.1 (v6 0) or ::1 (v6 1); -1 when it cannot. */
static int
srv_start(struct srv *s, int v6, const struct route *routes, size_t n,
    const char *docroot)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->routes = routes;
	s->nroutes = n;
	s->docroot = docroot;
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	s->lfd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (struct sockaddr *)&ss, v6 ? sizeof(struct sockaddr_in6)
	    : sizeof(struct sockaddr_in)) < 0 || listen(s->lfd, 8) < 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&ss, &sl) < 0) {
		close(s->lfd);
		return -1;
	}
	s->port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	if (pthread_create(&s->th, NULL, srv_main, s) != 0) {
		close(s->lfd);
		return -1;
	}
	return 0;
}

static void
srv_stop(struct srv *s)
{
	s->stop = 1;
	pthread_join(s->th, NULL);
	close(s->lfd);
}

/* --- helpers --- */

struct got {
	int rc;
	uint64_t n;
	char *body;
	size_t len;
	char msg[JP_ERRMSG_MAX];
};

/* GET path from the server s into a scratch file. */
static void
get(struct tu_fixture *f, struct srv *s, const char *path, uint64_t max,
    struct got *g)
{
	char *url = jp_xasprintf("http://127.0.0.1:%d%s", s->port, path);
	char *file = jp_path_join(f->dir, "body");
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	jp_error_clear(&f->ctx);
	g->rc = jp_http_get(&f->ctx, url, fd, max, &g->n);
	close(fd);
	snprintf(g->msg, sizeof(g->msg), "%s", jp_error_msg(&f->ctx));
	g->body = tu_slurp(file, &g->len);
	free(file);
	free(url);
}

static void
got_release(struct got *g)
{
	free(g->body);
	g->body = NULL;
}

static void
assert_has(const char *s, const char *part)
{
	if (!strstr(s, part))
		fail_msg("'%s' should hold '%s'", s, part);
}

static int
setup(void **state)
{
	jp_http_set_timeouts(3000, 400);
	return tu_setup(state, "http_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

/* --- the client --- */

/* RFC 9112 6.3 item 6: Content-Length; the request is an HTTP/1.1 GET. */
static void
test_content_length(void **state)
{
	struct tu_fixture *f = *state;
	const struct route r[] = { { "/dir/a%20b?x=1", "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world"
	    "TRAILING GARBAGE", 0 } };
	struct srv s;
	struct got g;
	char host[64];

	assert_int_equal(srv_start(&s, 0, r, 1, NULL), 0);
	get(f, &s, "/dir/a%20b?x=1", 1000, &g);
	srv_stop(&s);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 11);
	assert_int_equal(g.len, 11);
	assert_memory_equal(g.body, "hello world", 11);
	assert_has(s.lastreq, "GET /dir/a%20b?x=1 HTTP/1.1\r\n");
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", s.port);
	assert_has(s.lastreq, host);
	assert_has(s.lastreq, "\r\nConnection: close\r\n");
	got_release(&g);
}

/*
 * RFC 9112 7.1: chunks with extensions (7.1.1, with BWS) and a trailer
 * section (7.1.2); Transfer-Encoding wins over Content-Length (6.3 item
 * 3); an interim 100 response comes first (RFC 9110 15.2); a bare LF ends
 * a line (2.2); an obs-fold in an unused field is harmless (5.2).
 */
static void
test_chunked(void **state)
{
	struct tu_fixture *f = *state;
	const struct route r[] = { { "/c", "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Folded: a\r\n  b\r\n"
	    "transfer-encoding:  Chunked \r\n\r\n"
	    "5;name=value\r\nhello\r\n"
	    "6 ; quoted=\"a;b\"\r\n world\n"
	    "a\r\n0123456789\r\n"
	    "0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n", 0 } };
	struct srv s;
	struct got g;

	assert_int_equal(srv_start(&s, 0, r, 1, NULL), 0);
	get(f, &s, "/c", 1000, &g);
	srv_stop(&s);
	if (g.rc != 0)
		fail_msg("%s", g.msg);
	assert_int_equal(g.n, 21);
	assert_int_equal(g.len, 21);
	assert_memory_equal(g.body, "hello world0123456789", 21);
	got_release(&g);
}

/* RFC 9112 6.3 item 8: no length, the body ends with the connection. */
static void
test_close_delimited(void **state)
{
	struct tu_fixture *f = *state;
	size_t n = 200000, i, hl;
	char *resp = jp_xmalloc(n + 64);
	struct route r[1];
	struct srv s;
	struct got g;

	hl = (size_t)sprintf(resp, "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n");
	for (i = 0; i < n; i++)
		resp[hl + i] = (char)('a' + i % 26);
	r[0].path = "/big";
	r[0].resp = resp;
	r[0].len = hl + n;
	assert_int_equal(srv_start(&s, 0, r, 1, NULL), 0);
	get(f, &s, "/big", n, &g);
	srv_stop(&s);
	if (g.rc != 0)
		fail_msg("%s", g.msg);
	assert_int_equal(g.n, n);
	assert_int_equal(g.len, n);
	assert_memory_equal(g.body, resp + hl, n);
	got_release(&g);
	free(resp);
}

/* 404 has its own code; 301 is an error naming the Location; 500 too. */
static void
test_status(void **state)
{
	struct tu_fixture *f = *state;
	const struct route r[] = {
		{ "/moved", "HTTP/1.1 301 Moved Permanently\r\nLocation: "
		    "http://elsewhere.example/repo/\r\nContent-Length: 0\r\n\r\n",
		    0 },
		{ "/err", "HTTP/1.1 500 Internal Server Error\r\n"
		    "Content-Length: 2\r\n\r\nno", 0 },
	};
	struct srv s;
	struct got g;

	assert_int_equal(srv_start(&s, 0, r, 2, NULL), 0);
	get(f, &s, "/nothing", 1000, &g);
	assert_int_equal(g.rc, JP_HTTP_NOT_FOUND);
	assert_has(g.msg, "/nothing'");
	assert_has(g.msg, "404 Not Found");
	assert_int_equal(g.len, 0);
	got_release(&g);

	get(f, &s, "/moved", 1000, &g);
	assert_int_equal(g.rc, JP_ERR);
	assert_has(g.msg, "/moved'");
	assert_has(g.msg, "'http://elsewhere.example/repo/'");
	assert_has(g.msg, "301");
	got_release(&g);

	get(f, &s, "/err", 1000, &g);
	assert_int_equal(g.rc, JP_ERR);
	assert_has(g.msg, "500 Internal Server Error");
	assert_int_equal(g.len, 0);
	got_release(&g);
	srv_stop(&s);
}

/* A body shorter than announced, by Content-Length or chunks. */
static void
test_truncated(void **state)
{
	struct tu_fixture *f = *state;
	const struct route r[] = {
		{ "/cl", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
		    0 },
		{ "/ch", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "5\r\nhello\r\n", 0 },
		{ "/ch2", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "10\r\nhello", 0 },
		{ "/head", "HTTP/1.1 200 OK\r\nContent-Le", 0 },
		{ "/empty", "", 0 },
	};
	const char *paths[] = { "/cl", "/ch", "/ch2", "/head" };
	struct srv s;
	struct got g;
	size_t i;

	assert_int_equal(srv_start(&s, 0, r, 5, NULL), 0);
	for (i = 0; i < 4; i++) {
		get(f, &s, paths[i], 1000, &g);
		assert_int_equal(g.rc, JP_ERR);
		assert_has(g.msg, "truncated");
		assert_has(g.msg, paths[i]);
		got_release(&g);
	}
	/* "/empty": the server closes without a byte */
	get(f, &s, "/empty", 1000, &g);
	assert_int_equal(g.rc, JP_ERR);
	assert_has(g.msg, "without an answer");
	got_release(&g);
	srv_stop(&s);
}

/* At most max bytes, however the length is given. */
static void
test_over_max(void **state)
{
	struct tu_fixture *f = *state;
	const struct route r[] = {
		{ "/cl", "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"
		    "01234567890123456789", 0 },
		{ "/ch", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", 0 },
		{ "/close", "HTTP/1.1 200 OK\r\n\r\n01234567890123456789", 0 },
		{ "/exact", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
		    "0123456789", 0 },
	};
	const char *paths[] = { "/cl", "/ch", "/close" };
	struct srv s;
	struct got g;
	size_t i;

	assert_int_equal(srv_start(&s, 0, r, 4, NULL), 0);
	for (i = 0; i < 3; i++) {
		get(f, &s, paths[i], 10, &g);
		assert_int_equal(g.rc, JP_ERR);
		assert_has(g.msg, "limit of 10");
		assert_true(g.len <= 10);
		got_release(&g);
	}
	get(f, &s, "/exact", 10, &g);
	assert_int_equal(g.rc, 0);
	assert_int_equal(g.n, 10);
	got_release(&g);
	srv_stop(&s);
}

/* A server that accepts and never answers: the idle timeout (0.4 s here). */
static void
test_silent_server(void **state)
{
	struct tu_fixture *f = *state;
	const struct route r[] = { { "/silent", NULL, 0 } };
	struct srv s;
	struct got g;
	assert_int_equal(srv_start(&s, 0, r, 1, NULL), 0);
	get(f, &s, "/silent", 1000, &g);
	srv_stop(&s);
	assert_int_equal(g.rc, JP_ERR);
	assert_has(g.msg, "sent nothing");
	assert_has(g.msg, "/silent'");
	got_release(&g);
}

/* Malformed responses. */
static void
test_bad_responses(void **state)
{
	struct tu_fixture *f = *state;
	char *longline = jp_xmalloc(10000);
	struct route r[] = {
		{ "/long", NULL, 0 },
		{ "/chunksize", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\nzz\r\nhello\r\n0\r\n\r\n", 0 },
		{ "/chunklong", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n3\r\nhello\r\n0\r\n\r\n", 0 },
		{ "/gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked"
		    "\r\n\r\n0\r\n\r\n", 0 },
		{ "/twocl", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		    "Content-Length: 4\r\n\r\nabcd", 0 },
		{ "/space", "HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc", 0 },
		{ "/http2", "HTTP/2 200\r\n\r\n", 0 },
		{ "/neg", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0 },
	};
	const char *want[][2] = {
		{ "/long", "longer than" },
		{ "/chunksize", "bad chunk-size line 'zz'" },
		{ "/chunklong", "chunk longer than its size" },
		{ "/gzip", "unsupported transfer coding 'gzip, chunked'" },
		{ "/twocl", "bad Content-Length" },
		{ "/space", "bad header line 'Content-Length : 3'" },
		{ "/http2", "not an HTTP/1.x response" },
		{ "/neg", "bad Content-Length" },
	};
	struct srv s;
	struct got g;
	size_t i;

	/* a header line of 9000 bytes, over the 8 KiB limit */
	strcpy(longline, "HTTP/1.1 200 OK\r\nX-Long: ");
	memset(longline + strlen(longline), 'x', 9000);
	strcpy(longline + 25 + 9000, "\r\nContent-Length: 0\r\n\r\n");
	r[0].resp = longline;
	assert_int_equal(srv_start(&s, 0, r, sizeof(r) / sizeof(r[0]), NULL), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		get(f, &s, want[i][0], 1000, &g);
		assert_int_equal(g.rc, JP_ERR);
		assert_has(g.msg, want[i][1]);
		assert_has(g.msg, want[i][0]);
		got_release(&g);
	}
	srv_stop(&s);
	free(longline);
}

/* URLs the client refuses before connecting, and a refused connection. */
static void
test_bad_urls(void **state)
{
	struct tu_fixture *f = *state;
	const char *bad[][2] = {
		{ "https://127.0.0.1/x", "https is not supported" },
		{ "ftp://127.0.0.1/x", "not an http:// URL" },
		{ "http:///x", "no host" },
		{ "http://", "no host" },
		{ "http://user:pw@127.0.0.1/x", "user information" },
		{ "http://127.0.0.1:0/x", "bad port" },
		{ "http://127.0.0.1:65536/x", "bad port" },
		{ "http://127.0.0.1:8a/x", "bad port" },
		{ "http://127.0.0.1:/x", "bad port" },
		{ "http://127.0.0.1/a b", "a space" },
		{ "http://127.0.0.1/a#frag", "fragment" },
		{ "http://[::1/x", "bad IPv6" },
		{ "http://ho%73t/x", "bad host name" },
	};
	char *file = jp_path_join(f->dir, "body");
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct srv s;
	char *url;
	size_t i;

	assert_true(fd >= 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jp_error_clear(&f->ctx);
		assert_int_equal(jp_http_get(&f->ctx, bad[i][0], fd, 100, NULL),
		    JP_ERR);
		assert_has(jp_error_msg(&f->ctx), bad[i][1]);
		assert_has(jp_error_msg(&f->ctx), bad[i][0]);
	}
	/* a port nobody listens on: take one and close it */
	assert_int_equal(srv_start(&s, 0, NULL, 0, NULL), 0);
	srv_stop(&s);
	url = jp_xasprintf("http://127.0.0.1:%d/", s.port);
	jp_error_clear(&f->ctx);
	assert_int_equal(jp_http_get(&f->ctx, url, fd, 100, NULL), JP_ERR);
	assert_has(jp_error_msg(&f->ctx), "cannot connect");
	assert_has(jp_error_msg(&f->ctx), url);
	free(url);
	close(fd);
	free(file);
}

/* getaddrinfo's IPv6 path: [::1] (skipped when the host has no ::1). */
static void
test_ipv6(void **state)
{
	struct tu_fixture *f = *state;
	const struct route r[] = { { "/six", "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 3\r\n\r\nsix", 0 } };
	char *file = jp_path_join(f->dir, "body"), *url, *body, host[64];
	struct srv s;
	int fd;

	if (srv_start(&s, 1, r, 1, NULL) < 0) {
		free(file);
		skip();
	}
	url = jp_xasprintf("http://[::1]:%d/six", s.port);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(jp_http_get(&f->ctx, url, fd, 100, NULL), 0);
	close(fd);
	srv_stop(&s);
	body = tu_slurp(file, NULL);
	assert_string_equal(body, "six");
	snprintf(host, sizeof(host), "\r\nHost: [::1]:%d\r\n", s.port);
	assert_has(s.lastreq, host);
	free(body);
	free(url);
	free(file);
}

/* --- the mirror --- */

/*
 * RPM-MD by rpmbuild and createrepo_c (with an updateinfo.xml added by
 * modifyrepo_c when it is there), APT by dpkg-deb and apt-ftparchive
 * (Packages plain, .gz and .xz; a Release without Architectures "all").
 */
static const char mirror_fixture[] =
    "set -e\n"
    "D=$1\n"
    "mkdir -p \"$D/spec\" \"$D/rpm\" \"$D/deb/pool/main\"\n"
    "for p in one:1 one:2 two:1; do\n"
    "  n=${p%:*} v=${p#*:}\n"
    "  f=\"$D/spec/$n-$v.spec\"\n"
    "  { echo \"Name: $n\"; echo \"Version: $v\"; echo 'Release: 1'\n"
    "    echo \"Summary: $n\"; echo 'License: MIT'; echo 'BuildArch: noarch'\n"
    "    echo 'AutoReqProv: no'; [ $n = two ] && echo 'Requires: /usr/share/one/1'\n"
    "    echo '%description'; echo \"$n for http_test\"\n"
    "    echo '%install'; echo \"mkdir -p %{buildroot}/usr/share/$n\"\n"
    "    echo \"echo $v > %{buildroot}/usr/share/$n/$v\"\n"
    "    echo '%files'; echo \"/usr/share/$n/$v\"\n"
    "  } >\"$f\"\n"
    "  rpmbuild --quiet --define \"_topdir $D/rb\" \\\n"
    "    --define '_binary_payload w0.ufdio' -bb \"$f\"\n"
    "done\n"
    "mv \"$D\"/rb/RPMS/noarch/*.rpm \"$D/rpm/\"\n"
    "createrepo_c -q \"$D/rpm\"\n"
    "cat >\"$D/updateinfo.xml\" <<'EOF'\n"
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<updates><update from=\"t@example.com\" status=\"stable\" type=\"security\""
    " version=\"1\"><id>TEST-1</id><title>one 2</title>"
    "<issued date=\"2026-01-01 00:00:00\"/><severity>Important"
    "</severity><description>d</description><pkglist><collection><name>c"
    "</name><package name=\"one\" version=\"2\" release=\"1\" epoch=\"0\""
    " arch=\"noarch\"><filename>one-2-1.noarch.rpm</filename></package>"
    "</collection></pkglist></update></updates>\n"
    "EOF\n"
    "modifyrepo_c --mdtype=updateinfo \"$D/updateinfo.xml\" "
    "\"$D/rpm/repodata\" >/dev/null\n"
    "for p in alpha:1.0:amd64 alpha:1.1:amd64 beta:2:all gamma:3:arm64; do\n"
    "  n=${p%%:*} r=${p#*:} v=${r%:*} a=${r#*:}\n"
    "  b=\"$D/debsrc/$n-$v\"\n"
    "  mkdir -p \"$b/DEBIAN\" \"$b/usr/share/$n\"\n"
    "  echo $v >\"$b/usr/share/$n/version\"\n"
    "  printf 'Package: %s\\nVersion: %s\\nArchitecture: %s\\nMaintainer: T "
    "<t@example.com>\\nDescription: %s\\n' $n $v $a $n >\"$b/DEBIAN/control\"\n"
    "  dpkg-deb --root-owner-group -Zgzip -b \"$b\" "
    "\"$D/deb/pool/main/${n}_${v}_$a.deb\" >/dev/null\n"
    "done\n"
    "cd \"$D/deb\"\n"
    "for a in amd64 arm64 all; do\n"
    "  mkdir -p dists/stable/main/binary-$a\n"
    "  apt-ftparchive --arch $a packages pool "
    ">dists/stable/main/binary-$a/Packages\n"
    "  gzip -9nk dists/stable/main/binary-$a/Packages\n"
    "  xz -k dists/stable/main/binary-$a/Packages\n"
    "done\n"
    "(cd dists/stable && apt-ftparchive -o APT::FTPArchive::Release::Suite=stable "
    "-o 'APT::FTPArchive::Release::Architectures=amd64 arm64 all' "
    "-o APT::FTPArchive::Release::Components=main release . >../Release.tmp)\n"
    "mv dists/Release.tmp dists/stable/Release\n"
    "cp -R dists/stable dists/onlyin\n"
    "{ printf -- '-----BEGIN PGP SIGNED MESSAGE-----\\nHash: SHA256\\n\\n'\n"
    "  cat dists/onlyin/Release\n"
    "  printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nAAAA\\n'\n"
    "  printf -- '-----END PGP SIGNATURE-----\\n'\n"
    "} >dists/onlyin/InRelease\n"
    "rm dists/onlyin/Release\n";

struct mfx {
	struct jp_ctx ctx;
	char dir[64];
	int ok;
};

static int
mirror_setup(void **state)
{
	struct mfx *f = jp_xcalloc(1, sizeof(*f));
	const char *const tools[] = { "rpmbuild", "createrepo_c", "modifyrepo_c",
	    "dpkg-deb", "apt-ftparchive", "xz", "gzip", NULL };
	size_t i;

	jp_http_set_timeouts(3000, 2000);
	jp_ctx_init(&f->ctx, "http_test");
	f->ctx.verbosity = JP_V_QUIET;
	*state = f;
	for (i = 0; tools[i]; i++)
		if (!tu_have(tools[i])) {
			fprintf(stderr, "http_test: no %s: mirror tests "
			    "skipped\n", tools[i]);
			return 0;
		}
	if (tu_tmpdir(f->dir, sizeof(f->dir), "http_mirror") < 0)
		return -1;
	if (tu_fixture_script(&f->ctx, f->dir, mirror_fixture, "http_test") < 0)
		return -1;
	f->ok = 1;
	return 0;
}

static int
mirror_teardown(void **state)
{
	struct mfx *f = *state;

	if (f->dir[0])
		tu_tmpdir_remove(&f->ctx, f->dir);
	free(f);
	return 0;
}

/* A fresh, empty directory under the fixture's. */
static char *
fresh(struct mfx *f, const char *name)
{
	char *d = jp_path_join(f->dir, name);

	assert_int_equal(jp_rm_rf(&f->ctx, d), 0);
	assert_int_equal(jp_mkdir_p(&f->ctx, d), 0);
	return d;
}

/* "name evr arch location" of every package of a pool, sorted. */
static char *
pool_dump(struct mfx *f, const char *repo, int format, const char *arch)
{
	struct jp_pool p;
	char *out = jp_xstrdup(""), *file, *sorted;
	size_t i;

	jp_pool_init(&p, format);
	if (jp_pool_add_repo(&f->ctx, &p, repo, arch) < 0 ||
	    jp_pool_complete(&f->ctx, &p) < 0)
		fail_msg("cannot read '%s' into a pool: %s", repo,
		    jp_error_msg(&f->ctx));
	for (i = 0; i < p.npkgs; i++) {
		char *n = jp_xasprintf("%s%s %s %s %s\n", out,
		    jp_pool_s(&p, p.pkgs[i].name), jp_pool_s(&p, p.pkgs[i].evr),
		    jp_pool_s(&p, p.pkgs[i].arch),
		    jp_pool_s(&p, p.pkgs[i].location));

		free(out);
		out = n;
	}
	{
		char *n = jp_xasprintf("%sadvisories %zu\n", out, p.nadvs);

		free(out);
		out = n;
	}
	jp_pool_release(&p);
	file = jp_path_join(f->dir, "dump");
	tu_spew(file, out, strlen(out));
	sorted = tu_capture(NULL, "LC_ALL=C sort '%s'", file);
	free(file);
	free(out);
	return sorted;
}

static void
test_mirror_rpmmd(void **state)
{
	struct mfx *f = *state;
	char *src, *dst, *url, *a, *b;
	struct srv s;
	int fmt = -1;

	if (!f->ok)
		skip();
	src = jp_path_join(f->dir, "rpm");
	dst = fresh(f, "m-rpm");
	assert_int_equal(srv_start(&s, 0, NULL, 0, f->dir), 0);
	url = jp_xasprintf("http://127.0.0.1:%d/rpm", s.port);
	if (jp_http_mirror_metadata(&f->ctx, url, 0, NULL, NULL, dst, &fmt) < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	srv_stop(&s);
	assert_int_equal(fmt, JP_POOL_RPM);
	/* each mirrored file is the served one; the packages are not fetched */
	assert_int_equal(tu_run("cd '%s' && for x in $(find . -type f); do "
	    "cmp -s \"$x\" '%s'/\"$x\" || exit 1; done && "
	    "test $(find repodata -type f | wc -l) = 4 && "
	    "test -z \"$(find . -name '*.rpm')\" && "
	    "ls repodata | grep -q 'updateinfo.xml' && "
	    "ls repodata | grep -q 'filelists.xml' && "
	    "! ls repodata | grep -q 'other.xml'", dst, src), 0);
	a = pool_dump(f, src, JP_POOL_RPM, NULL);
	b = pool_dump(f, dst, JP_POOL_RPM, NULL);
	assert_string_equal(a, b);
	assert_has(b, "one 2-1 noarch one-2-1.noarch.rpm\n");
	assert_has(b, "advisories 1\n");
	free(a);
	free(b);
	free(url);
	free(src);
	free(dst);
}

static void
test_mirror_apt(void **state)
{
	struct mfx *f = *state;
	char *src, *dst, *url, *a, *b;
	struct srv s;
	int fmt = -1;

	if (!f->ok)
		skip();
	src = jp_path_join(f->dir, "deb");
	dst = fresh(f, "m-deb");
	assert_int_equal(srv_start(&s, 0, NULL, 0, f->dir), 0);
	url = jp_xasprintf("http://127.0.0.1:%d/deb/", s.port);
	if (jp_http_mirror_metadata(&f->ctx, url, 0, NULL, "amd64", dst,
	    &fmt) < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	srv_stop(&s);
	assert_int_equal(fmt, JP_POOL_DEB);
	/* Release, and one variant (xz) of amd64's and all's Packages only */
	assert_int_equal(tu_run("cd '%s' && for x in $(find . -type f); do "
	    "cmp -s \"$x\" '%s'/\"$x\" || exit 1; done && "
	    "test \"$(find . -type f | LC_ALL=C sort | tr '\\n' ' ')\" = "
	    "'./dists/stable/Release ./dists/stable/main/binary-all/Packages.xz "
	    "./dists/stable/main/binary-amd64/Packages.xz '", dst, src), 0);
	a = pool_dump(f, src, JP_POOL_DEB, "amd64");
	b = pool_dump(f, dst, JP_POOL_DEB, "amd64");
	assert_string_equal(a, b);
	assert_has(b, "alpha 1.1 amd64 pool/main/alpha_1.1_amd64.deb\n");
	assert_has(b, "beta 2 all pool/main/beta_2_all.deb\n");
	free(a);
	free(b);

	/* a suite with InRelease only (its signature is not checked here) */
	free(dst);
	dst = fresh(f, "m-deb-in");
	assert_int_equal(srv_start(&s, 0, NULL, 0, f->dir), 0);
	free(url);
	url = jp_xasprintf("http://127.0.0.1:%d/deb", s.port);
	if (jp_http_mirror_metadata(&f->ctx, url, JP_POOL_DEB, "onlyin", "arm64",
	    dst, &fmt) < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	srv_stop(&s);
	assert_int_equal(tu_run("cd '%s' && for x in $(find . -type f); do "
	    "cmp -s \"$x\" '%s'/\"$x\" || exit 1; done && "
	    "test \"$(find . -type f | LC_ALL=C sort | tr '\\n' ' ')\" = "
	    "'./dists/onlyin/InRelease ./dists/onlyin/main/binary-all/Packages.xz "
	    "./dists/onlyin/main/binary-arm64/Packages.xz '", dst, src), 0);
	b = pool_dump(f, dst, JP_POOL_DEB, "arm64");
	assert_has(b, "gamma 3 arm64 pool/main/gamma_3_arm64.deb\n");
	assert_true(strstr(b, "alpha") == NULL);
	free(b);
	free(url);
	free(src);
	free(dst);
}

/* Neither kind of repository: an error naming the URL and what is missing. */
static void
test_mirror_not_found(void **state)
{
	struct mfx *f = *state;
	char *dst, *url;
	struct srv s;

	if (!f->ok)
		skip();
	dst = fresh(f, "m-none");
	assert_int_equal(srv_start(&s, 0, NULL, 0, f->dir), 0);
	url = jp_xasprintf("http://127.0.0.1:%d/nothing/", s.port);
	assert_int_equal(jp_http_mirror_metadata(&f->ctx, url, 0, NULL, NULL,
	    dst, NULL), JP_ERR);
	assert_has(jp_error_msg(&f->ctx), url);
	assert_has(jp_error_msg(&f->ctx), "not a repository");
	assert_has(jp_error_msg(&f->ctx), "dists/stable/InRelease");
	/* an RPM-MD repository asked for as APT is not one */
	free(url);
	url = jp_xasprintf("http://127.0.0.1:%d/rpm", s.port);
	assert_int_equal(jp_http_mirror_metadata(&f->ctx, url, JP_POOL_DEB,
	    "stable", NULL, dst, NULL), JP_ERR);
	assert_has(jp_error_msg(&f->ctx), "not an APT repository");
	srv_stop(&s);
	assert_int_equal(tu_run("test -z \"$(find '%s' -type f)\"", dst), 0);
	free(url);
	free(dst);
}

/*
 * Hostile or damaged metadata: an href leaving the repository, a file
 * that does not match its checksum or size; nothing lands outside dir.
 */
static void
test_mirror_hostile(void **state)
{
	struct mfx *f = *state;
	static const char *const hrefs[][2] = {
		{ "../outside.xml.gz", "refused path" },
		{ "/etc/passwd", "refused path" },
		{ "repodata/x/../../../o.gz", "refused path" },
		{ "repodata/p.xml.gz?x", "refused path" },
		{ "repodata/a&#10;b.xml.gz", "refused path" },
		{ "repodata/bad.xml.gz", "sha256 mismatch" },
		{ "repodata/short.xml.gz", "size mismatch" },
	};
	const size_t nh = sizeof(hrefs) / sizeof(hrefs[0]);
	struct route r[3];
	char *dst, *url, *repomd[sizeof(hrefs) / sizeof(hrefs[0])];
	struct srv s;
	size_t i;

	if (!f->ok)
		skip();
	for (i = 0; i < nh; i++) {
		/* sha256 of "good" and its size 4 */
		repomd[i] = jp_xasprintf("HTTP/1.1 200 OK\r\n\r\n<?xml version=\"1.0\"?>"
		    "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\">"
		    "<data type=\"primary\"><checksum type=\"sha256\">"
		    "770e607624d689265ca6c44884d0807d9b054d23c473c106c72be9de08b7376c"
		    "</checksum><location href=\"%s\"/><size>4</size></data>"
		    "</repomd>", hrefs[i][0]);
	}
	r[0].path = "/r/repodata/repomd.xml";
	r[1].path = "/r/repodata/bad.xml.gz";
	r[1].resp = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil";
	r[1].len = 0;
	r[2].path = "/r/repodata/short.xml.gz";
	r[2].resp = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ngoo";
	r[2].len = 0;
	for (i = 0; i < nh; i++) {
		dst = fresh(f, "m-hostile/in");
		r[0].resp = repomd[i];
		r[0].len = 0;
		assert_int_equal(srv_start(&s, 0, r, 3, NULL), 0);
		url = jp_xasprintf("http://127.0.0.1:%d/r", s.port);
		assert_int_equal(jp_http_mirror_metadata(&f->ctx, url, JP_POOL_RPM,
		    NULL, NULL, dst, NULL), JP_ERR);
		srv_stop(&s);
		assert_has(jp_error_msg(&f->ctx), hrefs[i][1]);
		/* only repomd.xml is left, and nothing beside "in" */
		assert_int_equal(tu_run("cd '%s' && test \"$(find .. -type f)\" "
		    "= ../in/repodata/repomd.xml", dst), 0);
		free(url);
		free(dst);
		free(repomd[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest client[] = {
		cmocka_unit_test_setup_teardown(test_content_length, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_delimited, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_over_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_server, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_responses, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
	};
	const struct CMUnitTest mirror[] = {
		cmocka_unit_test(test_mirror_rpmmd),
		cmocka_unit_test(test_mirror_apt),
		cmocka_unit_test(test_mirror_not_found),
		cmocka_unit_test(test_mirror_hostile),
	};
	int rc;

	rc = cmocka_run_group_tests_name("http client", client, NULL, NULL);
	rc += cmocka_run_group_tests_name("http mirror", mirror, mirror_setup,
	    mirror_teardown);
	return rc;
}
