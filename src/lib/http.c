/*
 * http.c: a small HTTP/1.1 client for plain http:// URLs (http.h) and the
 * mirror of a repository's metadata served over it.
 *
 * One GET per connection ("Connection: close"), no TLS, no redirects, no
 * content codings ("Accept-Encoding: identity").  The response is read as
 * RFC 9112 says:
 *   - a line ends with CRLF; a bare LF is accepted too (2.2);
 *   - status-line = HTTP-version SP status-code SP [ reason-phrase ] (4);
 *   - field-line = field-name ":" OWS field-value OWS (5), no whitespace
 *     between the name and the colon (5.1: rejected); an obs-fold line
 *     continues the previous value, replaced by a space (5.2);
 *   - interim 1xx responses are skipped (RFC 9110 15.2);
 *   - the body length (6.3): Transfer-Encoding with chunked as the final
 *     coding wins over Content-Length; else a valid Content-Length (a list
 *     of one repeated value is that value, RFC 9110 8.6); else the body
 *     ends when the server closes the connection;
 *   - chunked (7.1): chunk-size in hex, chunk extensions ignored (7.1.1),
 *     the trailer section read and ignored (7.1.2).
 * Limits: a header or chunk line of at most 8 KiB, a header section of at
 * most 64 KiB and 100 fields.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <libxml/xmlreader.h>

#include "ctx.h"
#include "deb822.h"
#include "digest.h"
#include "fsutil.h"
#include "http.h"
#include "pgp.h"
#include "pool.h"

#define HTTP_LINE_MAX 8192
#define HTTP_HEAD_MAX 65536
#define HTTP_FIELDS_MAX 100

static int http_connect_ms = 30000;
static int http_idle_ms = 60000;

void
jp_http_set_timeouts(int connect_ms, int idle_ms)
{
	if (connect_ms > 0)
		http_connect_ms = connect_ms;
	if (idle_ms > 0)
		http_idle_ms = idle_ms;
}

/* --- URLs --- */

struct http_url {
	char *host;      /* without brackets */
	char *port;      /* "80" when none is given */
	char *authority; /* host[:port] as given, for the Host field */
	char *target;    /* path and query, "/" at least */
};

static void
url_release(struct http_url *u)
{
	free(u->host);
	free(u->port);
	free(u->authority);
	free(u->target);
	memset(u, 0, sizeof(*u));
}

/*
 * Split an http URL (RFC 9110 4.2.1: http-URI = "http" "://" authority
 * path-abempty [ "?" query ]).  Refused: other schemes, userinfo (4.2.4:
 * deprecated, and a way to hide the real host), an empty host, a bad
 * port, a fragment, spaces, control and non-ASCII bytes.
 */
static int
url_parse(struct jp_ctx *ctx, const char *url, struct http_url *u)
{
	const char *a, *ae, *h, *he, *p = NULL, *q;

	memset(u, 0, sizeof(*u));
	if (!strncasecmp(url, "https://", 8))
		return jp_error_set(ctx, JP_ERR, "cannot fetch '%s': https is not "
		    "supported (no TLS here): serve the repository over http:// "
		    "or copy it to this host", url);
	if (strncasecmp(url, "http://", 7))
		return jp_error_set(ctx, JP_ERR, "bad URL '%s': not an http:// "
		    "URL", url);
	for (q = url; *q; q++) {
		unsigned char c = (unsigned char)*q;

		if (c <= 0x20 || c >= 0x7f)
			return jp_error_set(ctx, JP_ERR, "bad URL '%s': a space, "
			    "control or non-ASCII byte (percent-encode it)", url);
		if (c == '#')
			return jp_error_set(ctx, JP_ERR, "bad URL '%s': a fragment "
			    "('#')", url);
	}
	a = url + 7;
	ae = a + strcspn(a, "/?");
	if (memchr(a, '@', (size_t)(ae - a)))
		return jp_error_set(ctx, JP_ERR, "bad URL '%s': user information "
		    "('user@') is not supported", url);
	if (*a == '[') {
		h = a + 1;
		he = memchr(h, ']', (size_t)(ae - h));
		if (!he || he == h)
			return jp_error_set(ctx, JP_ERR, "bad URL '%s': a bad IPv6 "
			    "address", url);
		for (q = h; q < he; q++)
			if (!strchr("0123456789abcdefABCDEF:.", *q))
				return jp_error_set(ctx, JP_ERR, "bad URL '%s': a bad "
				    "IPv6 address", url);
		if (he + 1 < ae) {
			if (he[1] != ':')
				return jp_error_set(ctx, JP_ERR, "bad URL '%s': "
				    "text after the IPv6 address", url);
			p = he + 2;
		}
	} else {
		h = a;
		he = memchr(a, ':', (size_t)(ae - a));
		if (he)
			p = he + 1;
		else
			he = ae;
		if (he == h)
			return jp_error_set(ctx, JP_ERR, "bad URL '%s': no host",
			    url);
		for (q = h; q < he; q++)
			if (!(*q >= 'a' && *q <= 'z') && !(*q >= 'A' && *q <= 'Z')
			    && !(*q >= '0' && *q <= '9') && !strchr("-._", *q))
				return jp_error_set(ctx, JP_ERR, "bad URL '%s': a bad "
				    "host name", url);
	}
	if (p) {
		unsigned long port = 0;

		if (p == ae || ae - p > 5)
			return jp_error_set(ctx, JP_ERR, "bad URL '%s': a bad port",
			    url);
		for (q = p; q < ae; q++) {
			if (*q < '0' || *q > '9')
				return jp_error_set(ctx, JP_ERR, "bad URL '%s': a bad "
				    "port", url);
			port = port * 10 + (unsigned long)(*q - '0');
		}
		if (port == 0 || port > 65535)
			return jp_error_set(ctx, JP_ERR, "bad URL '%s': a bad port",
			    url);
		u->port = jp_xstrndup(p, (size_t)(ae - p));
	} else {
		u->port = jp_xstrdup("80");
	}
	u->host = jp_xstrndup(h, (size_t)(he - h));
	u->authority = jp_xstrndup(a, (size_t)(ae - a));
	if (*ae == '/')
		u->target = jp_xstrdup(ae);
	else
		u->target = jp_xasprintf("/%s", ae);
	return 0;
}

/* --- the connection --- */

struct http_conn {
	struct jp_ctx *ctx;
	const char *url;
	int fd;
	int eof;
	size_t pos, len;
	char buf[16384];
};

static int
conn_open(struct http_conn *c, const struct http_url *u)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc, err = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0)
		return jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': cannot "
		    "resolve '%s': %s", c->url, u->host, rc == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			socklen_t sl = sizeof(err);

			if (errno != EINPROGRESS) {
				err = errno;
				close(fd);
				continue;
			}
			do
				rc = poll(&pf, 1, http_connect_ms);
			while (rc < 0 && errno == EINTR);
			if (rc == 0) {
				err = ETIMEDOUT;
				close(fd);
				continue;
			}
			if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &sl) < 0 || err != 0) {
				if (rc < 0 || err == 0)
					err = errno;
				close(fd);
				continue;
			}
		}
		c->fd = fd;
		freeaddrinfo(res);
		return 0;
	}
	freeaddrinfo(res);
	if (err == ETIMEDOUT)
		return jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': cannot "
		    "connect to '%s' port %s: no answer in %d s", c->url, u->host,
		    u->port, http_connect_ms / 1000);
	return jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': cannot connect "
	    "to '%s' port %s: %s", c->url, u->host, u->port,
	    strerror(err ? err : ECONNREFUSED));
}

/* Wait up to the idle timeout for events on the socket. */
static int
conn_wait(struct http_conn *c, short events)
{
	struct pollfd pf = { c->fd, events, 0 };
	int rc;

	do
		rc = poll(&pf, 1, http_idle_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return jp_error_errno(c->ctx, errno, "cannot fetch '%s'", c->url);
	if (rc == 0)
		return jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': the server "
		    "sent nothing for %d s", c->url, http_idle_ms / 1000);
	return 0;
}

static int
conn_send(struct http_conn *c, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (conn_wait(c, POLLOUT) < 0)
					return JP_ERR;
				continue;
			}
			return jp_error_errno(c->ctx, errno, "cannot fetch '%s': "
			    "cannot send the request", c->url);
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Make bytes available: 1 when there are some, 0 at the end, or an error. */
static int
conn_fill(struct http_conn *c)
{
	ssize_t r;

	if (c->pos < c->len)
		return 1;
	if (c->eof)
		return 0;
	for (;;) {
		r = recv(c->fd, c->buf, sizeof(c->buf), 0);
		if (r > 0)
			break;
		if (r == 0) {
			c->eof = 1;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return jp_error_errno(c->ctx, errno, "cannot fetch '%s': "
			    "cannot read the response", c->url);
		if (conn_wait(c, POLLIN) < 0)
			return JP_ERR;
	}
	c->pos = 0;
	c->len = (size_t)r;
	return 1;
}

/*
 * Read one line (CRLF or LF, taken off) of at most HTTP_LINE_MAX bytes
 * into line.  Returns 1, 0 at the end of the connection before a line
 * began, or an error (also for an unfinished line).
 */
static int
conn_line(struct http_conn *c, char *line, size_t *n, const char *what)
{
	size_t k = 0;
	int rc;

	for (;;) {
		char *nl;
		size_t take;

		if ((rc = conn_fill(c)) < 0)
			return rc;
		if (rc == 0) {
			if (k == 0)
				return 0;
			return jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
			    "truncated response (the connection closed in the "
			    "middle of %s)", c->url, what);
		}
		nl = memchr(c->buf + c->pos, '\n', c->len - c->pos);
		take = nl ? (size_t)(nl - (c->buf + c->pos)) : c->len - c->pos;
		if (k + take >= HTTP_LINE_MAX)
			return jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': %s "
			    "longer than %d bytes", c->url, what, HTTP_LINE_MAX - 1);
		memcpy(line + k, c->buf + c->pos, take);
		k += take;
		c->pos += take;
		if (nl) {
			c->pos++;
			if (k > 0 && line[k - 1] == '\r')
				k--;
			line[k] = '\0';
			*n = k;
			return 1;
		}
	}
}

/* --- the response head --- */

struct http_head {
	int status;
	char statusline[128];    /* printable, for messages */
	int have_cl;
	uint64_t content_length;
	char *te;                /* Transfer-Encoding, the fields joined */
	char *location;
};

static void
head_release(struct http_head *h)
{
	free(h->te);
	free(h->location);
	memset(h, 0, sizeof(*h));
}

static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A copy of s fit for a message: control and non-ASCII bytes as '?'. */
static void
printable(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && s[i]; i++)
		out[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f
		    ? '?' : s[i];
	out[i] = '\0';
}

/* Content-Length (RFC 9110 8.6): digits, or a list of one repeated value. */
static int
parse_cl(const char *v, uint64_t *out)
{
	uint64_t first = 0;
	int n = 0;

	while (*v) {
		uint64_t x = 0;
		const char *s;

		while (*v == ' ' || *v == '\t')
			v++;
		s = v;
		while (*v >= '0' && *v <= '9') {
			if (x > (UINT64_MAX - 9) / 10)
				return -1;
			x = x * 10 + (uint64_t)(*v++ - '0');
		}
		if (v == s)
			return -1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == ',')
			v++;
		else if (*v)
			return -1;
		if (n++ && x != first)
			return -1;
		first = x;
	}
	if (n == 0)
		return -1;
	*out = first;
	return 0;
}

static char *
append_value(char *old, const char *v, const char *sep)
{
	char *s;

	if (!old)
		return jp_xstrdup(v);
	s = jp_xasprintf("%s%s%s", old, sep, v);
	free(old);
	return s;
}

/* Read the status line and header section of the final response. */
static int
read_head(struct http_conn *c, struct http_head *h)
{
	char *line = jp_xmalloc(HTTP_LINE_MAX);
	size_t n, total, fields;
	int rc;

	for (;;) {
		char **last = NULL;   /* the value an obs-fold would continue */
		int is_cl_last = 0;

		head_release(h);
		rc = conn_line(c, line, &n, "the status line");
		if (rc == 0)
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': the "
			    "server closed the connection without an answer", c->url);
		if (rc < 0)
			goto out;
		printable(h->statusline, sizeof(h->statusline), line);
		/* RFC 9112 4: HTTP-version is "HTTP/" DIGIT "." DIGIT */
		if (n < 12 || strncmp(line, "HTTP/1.", 7) || line[7] < '0' ||
		    line[7] > '9' || line[8] != ' ' || line[9] < '1' ||
		    line[9] > '5' || line[10] < '0' || line[10] > '9' ||
		    line[11] < '0' || line[11] > '9' || (n > 12 &&
		    line[12] != ' ')) {
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': not an "
			    "HTTP/1.x response ('%s')", c->url, h->statusline);
			goto out;
		}
		h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 +
		    (line[11] - '0');
		total = n;
		fields = 0;
		for (;;) {
			char *colon, *v, *e;

			rc = conn_line(c, line, &n, "a header line");
			if (rc == 0)
				rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
				    "truncated response (the connection closed in "
				    "the header section)", c->url);
			if (rc < 0)
				goto out;
			if (n == 0)
				break;
			total += n;
			if (total > HTTP_HEAD_MAX || ++fields > HTTP_FIELDS_MAX) {
				rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
				    "the header section is larger than %d bytes or "
				    "%d fields", c->url, HTTP_HEAD_MAX,
				    HTTP_FIELDS_MAX);
				goto out;
			}
			if (line[0] == ' ' || line[0] == '\t') {
				/* RFC 9112 5.2: obs-fold, replaced by a space */
				if (fields == 1) {
					rc = jp_error_set(c->ctx, JP_ERR, "cannot "
					    "fetch '%s': a header section that starts "
					    "with whitespace", c->url);
					goto out;
				}
				for (v = line; *v == ' ' || *v == '\t'; v++)
					;
				if (is_cl_last && *v) {
					rc = jp_error_set(c->ctx, JP_ERR, "cannot "
					    "fetch '%s': a folded Content-Length",
					    c->url);
					goto out;
				}
				if (last && *v)
					*last = append_value(*last, v, " ");
				continue;
			}
			colon = strchr(line, ':');
			for (v = line; colon && v < colon && is_tchar(*v); v++)
				;
			if (!colon || colon == line || v != colon) {
				char shown[64];

				printable(shown, sizeof(shown), line);
				rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
				    "a bad header line '%s'", c->url, shown);
				goto out;
			}
			*colon = '\0';
			for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
				;
			for (e = v + strlen(v); e > v && (e[-1] == ' ' ||
			    e[-1] == '\t'); )
				*--e = '\0';
			last = NULL;
			is_cl_last = 0;
			if (!strcasecmp(line, "Content-Length")) {
				uint64_t x;

				if (parse_cl(v, &x) < 0 || (h->have_cl &&
				    x != h->content_length)) {
					rc = jp_error_set(c->ctx, JP_ERR, "cannot "
					    "fetch '%s': a bad Content-Length", c->url);
					goto out;
				}
				h->have_cl = 1;
				h->content_length = x;
				is_cl_last = 1;
			} else if (!strcasecmp(line, "Transfer-Encoding")) {
				h->te = append_value(h->te, v, ", ");
				last = &h->te;
			} else if (!strcasecmp(line, "Location")) {
				free(h->location);
				h->location = jp_xstrdup(v);
				last = &h->location;
			}
		}
		/* RFC 9110 15.2: interim responses come before the final one */
		if (h->status >= 100 && h->status < 200 && h->status != 101)
			continue;
		break;
	}
	rc = 0;
out:
	free(line);
	return rc;
}

/* --- the body --- */

struct http_sink {
	struct jp_ctx *ctx;
	const char *url;
	int fd;
	uint64_t max, got;
};

static int
sink_write(struct http_sink *s, const char *p, size_t n)
{
	if (n > s->max - s->got)
		return jp_error_set(s->ctx, JP_ERR, "cannot fetch '%s': larger "
		    "than the limit of %llu bytes", s->url,
		    (unsigned long long)s->max);
	s->got += n;
	while (n > 0) {
		ssize_t w = write(s->fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return jp_error_errno(s->ctx, errno, "cannot write what "
			    "'%s' sent", s->url);
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy n bytes of the body (all until the end when n is UINT64_MAX). */
static int
copy_body(struct http_conn *c, struct http_sink *s, uint64_t n)
{
	uint64_t left = n;
	int rc;

	while (left > 0) {
		size_t take;

		if ((rc = conn_fill(c)) < 0)
			return rc;
		if (rc == 0) {
			if (n == UINT64_MAX)
				return 0;
			return jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
			    "truncated (the connection closed %llu bytes before "
			    "the end of the body)", c->url,
			    (unsigned long long)left);
		}
		take = c->len - c->pos;
		if ((uint64_t)take > left)
			take = (size_t)left;
		if ((rc = sink_write(s, c->buf + c->pos, take)) < 0)
			return rc;
		c->pos += take;
		if (n != UINT64_MAX)
			left -= take;
	}
	return 0;
}

/* RFC 9112 7.1: the chunked transfer coding. */
static int
read_chunked(struct http_conn *c, struct http_sink *s)
{
	char *line = jp_xmalloc(HTTP_LINE_MAX);
	size_t n, total = 0;
	int rc;

	for (;;) {
		uint64_t size = 0;
		const char *p;
		int digits = 0;

		rc = conn_line(c, line, &n, "a chunk-size line");
		if (rc == 0)
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
			    "truncated (the connection closed before the last "
			    "chunk)", c->url);
		if (rc < 0)
			goto out;
		for (p = line; *p; p++) {
			int d = *p >= '0' && *p <= '9' ? *p - '0' :
			    *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 :
			    *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;

			if (d < 0)
				break;
			if (size >> 60) {
				digits = 0;
				break;
			}
			size = size * 16 + (uint64_t)d;
			digits++;
		}
		/* chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ) */
		while (*p == ' ' || *p == '\t')
			p++;
		if (digits == 0 || (*p && *p != ';')) {
			char shown[64];

			printable(shown, sizeof(shown), line);
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': a bad "
			    "chunk-size line '%s'", c->url, shown);
			goto out;
		}
		if (size == 0)
			break;
		if ((rc = copy_body(c, s, size)) < 0)
			goto out;
		rc = conn_line(c, line, &n, "the end of a chunk");
		if (rc == 0)
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
			    "truncated (the connection closed after a chunk)",
			    c->url);
		if (rc < 0)
			goto out;
		if (n != 0) {
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': a "
			    "chunk longer than its size", c->url);
			goto out;
		}
	}
	/* RFC 9112 7.1.2: the trailer section, up to an empty line */
	for (;;) {
		rc = conn_line(c, line, &n, "a trailer line");
		if (rc == 0)
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': "
			    "truncated (the connection closed in the trailer "
			    "section)", c->url);
		if (rc < 0)
			goto out;
		if (n == 0)
			break;
		total += n;
		if (total > HTTP_HEAD_MAX) {
			rc = jp_error_set(c->ctx, JP_ERR, "cannot fetch '%s': the "
			    "trailer section is larger than %d bytes", c->url,
			    HTTP_HEAD_MAX);
			goto out;
		}
	}
	rc = 0;
out:
	free(line);
	return rc;
}

/*
 * Transfer-Encoding: this client sends no TE field, so the only transfer
 * coding a server may apply is chunked (RFC 9112 6.1, 7.4); the list must
 * be exactly that (empty list elements are ignored, RFC 9110 5.6.1).
 */
static int
te_chunked(struct jp_ctx *ctx, const char *url, const char *te)
{
	const char *p = te;
	int n = 0, ok = 1;

	while (*p) {
		size_t k;

		p += strspn(p, " \t,");
		k = strcspn(p, ",");
		while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k > 0) {
			n++;
			if (k != 7 || strncasecmp(p, "chunked", 7))
				ok = 0;
		}
		p += strcspn(p, ",");
	}
	if (ok && n == 1)
		return 1;
	{
		char shown[64];

		printable(shown, sizeof(shown), te);
		return jp_error_set(ctx, JP_ERR, "cannot fetch '%s': an "
		    "unsupported transfer coding '%s'", url, shown);
	}
}

int
jp_http_get(struct jp_ctx *ctx, const char *url, int fd, uint64_t max,
    uint64_t *got)
{
	struct http_url u;
	struct http_conn *c;
	struct http_head h;
	struct http_sink s;
	char *req;
	int rc;

	if (got)
		*got = 0;
	if (url_parse(ctx, url, &u) < 0)
		return JP_ERR;
	memset(&h, 0, sizeof(h));
	c = jp_xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	c->url = url;
	c->fd = -1;
	if ((rc = conn_open(c, &u)) < 0)
		goto out;
	req = jp_xasprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: jprepo/%s"
	    "\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: "
	    "close\r\n\r\n", u.target, u.authority, PACKAGE_VERSION);
	rc = conn_send(c, req, strlen(req));
	free(req);
	if (rc < 0 || (rc = read_head(c, &h)) < 0)
		goto out;
	if (h.status == 404) {
		jp_error_set(ctx, JP_HTTP_NOT_FOUND, "cannot fetch '%s': not "
		    "found ('%s')", url, h.statusline);
		rc = JP_HTTP_NOT_FOUND;
		goto out;
	}
	if (h.status >= 300 && h.status < 400) {
		char loc[512];

		printable(loc, sizeof(loc), h.location ? h.location : "");
		rc = jp_error_set(ctx, JP_ERR, "cannot fetch '%s': the server "
		    "redirects to '%s' ('%s'); redirects are not followed: give "
		    "that URL", url, h.location ? loc : "(no Location)",
		    h.statusline);
		goto out;
	}
	if (h.status != 200) {
		rc = jp_error_set(ctx, JP_ERR, "cannot fetch '%s': the server "
		    "answered '%s'", url, h.statusline);
		goto out;
	}
	s.ctx = ctx;
	s.url = url;
	s.fd = fd;
	s.max = max;
	s.got = 0;
	/* RFC 9112 6.3: the message body length, in this order */
	if (h.te) {
		if ((rc = te_chunked(ctx, url, h.te)) < 0)
			goto out;
		rc = read_chunked(c, &s);
	} else if (h.have_cl) {
		if (h.content_length > max) {
			rc = jp_error_set(ctx, JP_ERR, "cannot fetch '%s': %llu "
			    "bytes, larger than the limit of %llu", url,
			    (unsigned long long)h.content_length,
			    (unsigned long long)max);
			goto out;
		}
		rc = copy_body(c, &s, h.content_length);
	} else {
		rc = copy_body(c, &s, UINT64_MAX);
	}
	if (got)
		*got = s.got;
out:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	head_release(&h);
	url_release(&u);
	return rc;
}

/* --- the metadata mirror --- */

/*
 * The URL of rel under base (which ends with '/'): rel percent-encoded
 * but for the characters a path segment may hold as they are (RFC 3986
 * 3.3: unreserved, sub-delims, ':', '@') and '/'.
 */
static char *
url_for(const char *base, const char *rel)
{
	size_t bl = strlen(base), n = 0;
	char *out = jp_xmalloc(bl + 3 * strlen(rel) + 1);
	const unsigned char *p;

	memcpy(out, base, bl);
	n = bl;
	for (p = (const unsigned char *)rel; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~!$&'()*+,;=:@/", *p)) {
			out[n++] = (char)*p;
		} else {
			snprintf(out + n, 4, "%%%02X", *p);
			n += 3;
		}
	}
	out[n] = '\0';
	return out;
}

/* What a fetched file must be: its size (when known) and a digest. */
struct want {
	int have_size;
	uint64_t size;
	unsigned algo;           /* 0: no check */
	char hex[JP_DIGEST_HEX_MAX];
};

/*
 * Fetch base+rel into dir/rel (rel checked), at most max bytes, checked
 * against w (when not NULL).  Returns 0, 1 when optional and the server
 * answers 404 (nothing is left behind), or an error.
 */
static int
fetch(struct jp_ctx *ctx, const char *base, const char *dir, const char *rel,
    uint64_t max, const struct want *w, int optional)
{
	char *path, *url, *slash;
	const char *q;
	uint64_t got;
	int fd, rc;

	for (q = rel; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			break;
	if (*q || strpbrk(rel, "?#\\") ||
	    !(path = jp_path_join_safe(ctx, dir, rel)))
		return jp_error_set(ctx, JP_ERR, "cannot mirror '%s': a refused "
		    "path '%.200s'", base, rel);
	url = url_for(base, rel);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rc = jp_mkdir_p(ctx, path);
		*slash = '/';
		if (rc < 0)
			goto out;
	}
	if (w && w->have_size && w->size < max)
		max = w->size;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0) {
		rc = jp_error_errno(ctx, errno, "cannot create '%s'", path);
		goto out;
	}
	rc = jp_http_get(ctx, url, fd, max, &got);
	if (rc == 0 && w && w->have_size && got != w->size)
		rc = jp_error_set(ctx, JP_ERR, "size mismatch of '%s': %llu bytes, "
		    "the index says %llu", url, (unsigned long long)got,
		    (unsigned long long)w->size);
	if (rc == 0 && w && w->algo) {
		struct jp_digest d;

		if (lseek(fd, 0, SEEK_SET) < 0)
			rc = jp_error_errno(ctx, errno, "cannot read '%s'", path);
		else if ((rc = jp_digest_init(&d, w->algo)) == 0) {
			rc = jp_digest_fd(ctx, fd, path, &d);
			jp_digest_final(&d);
			if (rc == 0 && strcmp(jp_digest_hex(&d, w->algo), w->hex))
				rc = jp_error_set(ctx, JP_ERR, "%s mismatch of '%s': "
				    "the index says %s, the file has %s",
				    jp_digest_name(w->algo), url, w->hex,
				    jp_digest_hex(&d, w->algo));
			jp_digest_release(&d);
		}
	}
	if (close(fd) < 0 && rc == 0)
		rc = jp_error_errno(ctx, errno, "cannot write '%s'", path);
	if (rc < 0)
		unlink(path);
	if (rc == JP_HTTP_NOT_FOUND && optional) {
		jp_error_clear(ctx);
		rc = 1;
	}
out:
	free(url);
	free(path);
	return rc;
}

#define META_MAX ((uint64_t)1 << 26)          /* repomd.xml, Release: 64 MiB */
#define SIG_MAX ((uint64_t)1 << 20)           /* signatures: 1 MiB */
#define DATA_MAX ((uint64_t)1 << 34)          /* an index without a size */

/* The digest of a repomd checksum type (createrepo_c's names). */
static unsigned
algo_of(const char *type)
{
	if (!strcmp(type, "sha256"))
		return JP_DIGEST_SHA256;
	if (!strcmp(type, "sha512"))
		return JP_DIGEST_SHA512;
	if (!strcmp(type, "sha1") || !strcmp(type, "sha"))
		return JP_DIGEST_SHA1;
	return 0;
}

/* One <data> entry of repomd.xml. */
struct rmd_data {
	char *type, *href, *ctype, *csum;
	int have_size;
	uint64_t size;
};

static void
rmd_clear(struct rmd_data *d)
{
	free(d->type);
	free(d->href);
	free(d->ctype);
	free(d->csum);
	memset(d, 0, sizeof(*d));
}

/* Fetch one file that repomd.xml lists. */
static int
rmd_fetch(struct jp_ctx *ctx, const char *base, const char *dir,
    const char *shown, struct rmd_data *d)
{
	struct want w;
	char *e;

	memset(&w, 0, sizeof(w));
	if (!d->href || !d->ctype || !d->csum)
		return jp_error_set(ctx, JP_ERR, "'%s' lists '%s' metadata "
		    "without a location or checksum", shown, d->type);
	w.algo = algo_of(d->ctype);
	if (!w.algo)
		return jp_error_set(ctx, JP_ERR, "'%s' gives an unsupported "
		    "checksum type '%s' for '%s'", shown, d->ctype, d->href);
	for (e = d->csum; *e; e++)
		*e = (char)(*e >= 'A' && *e <= 'F' ? *e | 0x20 : *e);
	if (strlen(d->csum) >= sizeof(w.hex))
		return jp_error_set(ctx, JP_ERR, "'%s' gives a bad checksum for "
		    "'%s'", shown, d->href);
	strcpy(w.hex, d->csum);
	w.have_size = d->have_size;
	w.size = d->size;
	return fetch(ctx, base, dir, d->href, DATA_MAX, &w, 0);
}

static char *
xml_text(xmlTextReaderPtr r)
{
	xmlChar *s = xmlTextReaderReadString(r);
	char *out, *b, *e;

	if (!s)
		return jp_xstrdup("");
	for (b = (char *)s; *b == ' ' || *b == '\t' || *b == '\n' ||
	    *b == '\r'; b++)
		;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		e--;
	out = jp_xstrndup(b, (size_t)(e - b));
	xmlFree(s);
	return out;
}

/*
 * RPM-MD: repodata/repomd.xml (createrepo_c's format: <data type="T">
 * with <checksum type="A">, <location href="H"/>, <size>), then the first
 * primary, filelists and updateinfo entries, as rpmmd_read.c takes them.
 * Returns 1 when repomd.xml answers 404.
 */
static int
mirror_rpmmd(struct jp_ctx *ctx, const char *base, const char *dir)
{
	static const char *const types[] = { "primary", "filelists",
	    "updateinfo" };
	struct rmd_data cur, got[3];
	char *repomd, *shown;
	xmlTextReaderPtr r;
	int rc, ret, in_data = 0;
	size_t i;

	rc = fetch(ctx, base, dir, "repodata/repomd.xml", META_MAX, NULL, 1);
	if (rc != 0)
		return rc;
	rc = fetch(ctx, base, dir, "repodata/repomd.xml.asc", SIG_MAX, NULL, 1);
	if (rc < 0)
		return rc;
	memset(&cur, 0, sizeof(cur));
	memset(got, 0, sizeof(got));
	repomd = jp_path_join(dir, "repodata/repomd.xml");
	shown = url_for(base, "repodata/repomd.xml");
	r = xmlReaderForFile(repomd, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING);
	if (!r) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': not XML", shown);
		goto out;
	}
	while ((ret = xmlTextReaderRead(r)) == 1) {
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);
		int type = xmlTextReaderNodeType(r);

		if (type == XML_READER_TYPE_END_ELEMENT && !strcmp(ln, "data")) {
			for (i = 0; in_data && cur.type && i < 3; i++)
				if (!strcmp(cur.type, types[i]) && !got[i].type) {
					got[i] = cur;
					memset(&cur, 0, sizeof(cur));
				}
			rmd_clear(&cur);
			in_data = 0;
			continue;
		}
		if (type != XML_READER_TYPE_ELEMENT)
			continue;
		if (!strcmp(ln, "data")) {
			rmd_clear(&cur);
			cur.type = (char *)xmlTextReaderGetAttribute(r,
			    (const xmlChar *)"type");
			in_data = !xmlTextReaderIsEmptyElement(r);
		} else if (!in_data) {
			continue;
		} else if (!strcmp(ln, "location") && !cur.href) {
			xmlChar *h = xmlTextReaderGetAttribute(r,
			    (const xmlChar *)"href");

			if (h) {
				cur.href = jp_xstrdup((char *)h);
				xmlFree(h);
			}
		} else if (!strcmp(ln, "checksum") && !cur.csum) {
			xmlChar *t = xmlTextReaderGetAttribute(r,
			    (const xmlChar *)"type");

			cur.ctype = jp_xstrdup(t ? (char *)t : "");
			xmlFree(t);
			cur.csum = xml_text(r);
		} else if (!strcmp(ln, "size") && !cur.have_size) {
			char *t = xml_text(r), *e;

			errno = 0;
			cur.size = strtoull(t, &e, 10);
			cur.have_size = *t >= '0' && *t <= '9' && !*e && !errno;
			if (!cur.have_size) {
				free(t);
				rc = jp_error_set(ctx, JP_ERR, "'%s' gives a bad "
				    "size", shown);
				xmlFreeTextReader(r);
				goto out;
			}
			free(t);
		}
	}
	xmlFreeTextReader(r);
	if (ret < 0) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': damaged XML",
		    shown);
		goto out;
	}
	if (!got[0].type) {
		rc = jp_error_set(ctx, JP_ERR, "'%s' lists no primary metadata",
		    shown);
		goto out;
	}
	rc = 0;
	for (i = 0; i < 3 && rc == 0; i++)
		if (got[i].type)
			rc = rmd_fetch(ctx, base, dir, shown, &got[i]);
out:
	rmd_clear(&cur);
	for (i = 0; i < 3; i++)
		rmd_clear(&got[i]);
	free(repomd);
	free(shown);
	return rc;
}

/* One line of a Release's SHA256 field. */
struct rel_file {
	char *name;
	uint64_t size;
	char sha256[65];
};

struct rel_list {
	struct rel_file *v;
	size_t n;
};

static void
rel_list_release(struct rel_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static const struct rel_file *
rel_find(const struct rel_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* The SHA256 field: "hex size name" lines (DebianRepository/Format). */
static int
rel_parse(struct jp_ctx *ctx, const char *shown, const char *v,
    struct rel_list *l)
{
	while (v && *v) {
		const char *e = strchr(v, '\n');
		size_t n = e ? (size_t)(e - v) : strlen(v);
		char *line = jp_xstrndup(v, n), *hex, *sz, *name, *end, *save;
		struct rel_file *f;

		v = e ? e + 1 : NULL;
		hex = strtok_r(line, " \t", &save);
		if (!hex) {
			free(line);
			continue;
		}
		sz = strtok_r(NULL, " \t", &save);
		name = strtok_r(NULL, " \t", &save);
		if (!sz || !name || strtok_r(NULL, " \t", &save) ||
		    strlen(hex) != 64 || strspn(hex, "0123456789abcdefABCDEF")
		    != 64 || strspn(sz, "0123456789") != strlen(sz)) {
			free(line);
			return jp_error_set(ctx, JP_ERR, "'%s' has a bad SHA256 line",
			    shown);
		}
		l->v = jp_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		f = &l->v[l->n++];
		f->name = jp_xstrdup(name);
		errno = 0;
		f->size = strtoull(sz, &end, 10);
		for (n = 0; n < 64; n++)
			f->sha256[n] = (char)(hex[n] | 0x20);
		f->sha256[64] = '\0';
		free(line);
		if (errno)
			return jp_error_set(ctx, JP_ERR, "'%s' has a bad SHA256 line",
			    shown);
	}
	return 0;
}

static int
fetch_listed(struct jp_ctx *ctx, const char *sbase, const char *sdir,
    const struct rel_file *f)
{
	struct want w;

	memset(&w, 0, sizeof(w));
	w.have_size = 1;
	w.size = f->size;
	w.algo = JP_DIGEST_SHA256;
	memcpy(w.hex, f->sha256, sizeof(f->sha256));
	return fetch(ctx, sbase, sdir, f->name, DATA_MAX, &w, 1);
}

/*
 * APT: dists/SUITE/{InRelease,Release,Release.gpg}, then the indexes that
 * aptmd_read.c reads (the same choice of components and architectures),
 * one listed variant each, smallest first.  Returns 1 when neither
 * InRelease nor Release is there.
 */
static int
mirror_apt(struct jp_ctx *ctx, const char *base, const char *suite,
    const char *arch, const char *dir)
{
	static const char *const sfx[] = { ".xz", ".gz", ".zst", ".bz2",
	    ".lzma", "" };
	static const char *const uinames[] = { "updateinfo.xml.gz",
	    "updateinfo.xml.xz", "updateinfo.xml.zst", "updateinfo.xml" };
	char *srel = jp_xasprintf("dists/%s/", suite), *sbase = NULL;
	char *sdir = NULL, *path = NULL, *data = NULL, *text = NULL;
	char *shown = NULL;
	char **comps = NULL, **archs = NULL;
	size_t ncomps = 0, narchs = 0, len, tlen, nst = 0, c, a, i;
	struct jp_deb822_stanza *sts = NULL;
	struct rel_list files = { NULL, 0 };
	const char *fcomps, *farchs, *nosup;
	int rc, have_in, have_rel, all_ok;

	if (!*suite || strpbrk(suite, "?#\\") ||
	    !(sdir = jp_path_join_safe(ctx, dir, srel))) {
		rc = jp_error_set(ctx, JP_ERR, "bad suite name '%s'", suite);
		goto out;
	}
	sbase = url_for(base, srel);
	if ((rc = have_in = fetch(ctx, sbase, sdir, "InRelease", META_MAX, NULL,
	    1)) < 0)
		goto out;
	have_in = !have_in;
	if ((rc = have_rel = fetch(ctx, sbase, sdir, "Release", META_MAX, NULL,
	    1)) < 0)
		goto out;
	have_rel = !have_rel;
	if (!have_in && !have_rel) {
		rc = 1;
		goto out;
	}
	if (have_rel && (rc = fetch(ctx, sbase, sdir, "Release.gpg", SIG_MAX,
	    NULL, 1)) < 0)
		goto out;
	/* aptmd_read.c reads Release when there, else InRelease's text */
	shown = url_for(sbase, have_rel ? "Release" : "InRelease");
	path = jp_path_join(sdir, have_rel ? "Release" : "InRelease");
	if ((rc = jp_file_read(ctx, path, &data, &len)) < 0)
		goto out;
	if (!have_rel && !(text = jp_pgp_clearsigned_text(data, len, &tlen))) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': not a "
		    "clearsigned message", shown);
		goto out;
	}
	if ((rc = jp_deb822_parse(ctx, text ? text : data, text ? tlen : len,
	    shown, 0, &sts, &nst)) < 0)
		goto out;
	if (nst == 0) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': no fields",
		    shown);
		goto out;
	}
	if ((rc = rel_parse(ctx, shown, jp_deb822_get(&sts[0], "SHA256"),
	    &files)) < 0)
		goto out;
	fcomps = jp_deb822_get(&sts[0], "Components");
	farchs = jp_deb822_get(&sts[0], "Architectures");
	nosup = jp_deb822_get(&sts[0], "No-Support-for-Architecture-all");
	jp_deb822_words_split(&comps, &ncomps, fcomps);
	if (arch && *arch) {
		if (!farchs || jp_deb822_word_in(farchs, arch))
			jp_deb822_words_add(&archs, &narchs, arch, strlen(arch));
	} else {
		jp_deb822_words_split(&archs, &narchs, farchs);
	}
	/* without the fields: the components and architectures listed */
	for (i = 0; i < files.n && (!fcomps || (!farchs && !(arch && *arch)));
	    i++) {
		const char *nm = files.v[i].name, *b = strstr(nm, "/binary-"), *sl;

		if (!b || !(sl = strchr(b + 8, '/')) || strncmp(sl, "/Packages", 9))
			continue;
		if (!fcomps)
			jp_deb822_words_add(&comps, &ncomps, nm, (size_t)(b - nm));
		if (!farchs && !(arch && *arch))
			jp_deb822_words_add(&archs, &narchs, b + 8, (size_t)(sl - b - 8));
	}
	all_ok = (!farchs || jp_deb822_word_in(farchs, "all")) &&
	    !(nosup && !strcmp(nosup, "Packages"));
	if (all_ok)
		jp_deb822_words_add(&archs, &narchs, "all", 3);
	for (c = 0; c < ncomps; c++) {
		for (a = 0; a < narchs; a++) {
			char *b = jp_xasprintf("%s/binary-%s/Packages", comps[c],
			    archs[a]);
			int listed = rel_find(&files, b) != NULL, done = 0;

			for (i = 0; listed && !done && i < sizeof(sfx) /
			    sizeof(sfx[0]); i++) {
				char *nm = jp_xasprintf("%s%s", b, sfx[i]);
				const struct rel_file *f = rel_find(&files, nm);

				free(nm);
				if (!f)
					continue;
				if ((rc = fetch_listed(ctx, sbase, sdir, f)) < 0) {
					free(b);
					goto out;
				}
				done = rc == 0;
			}
			if (listed && !done) {
				rc = jp_error_set(ctx, JP_ERR, "missing index '%s%s' "
				    "(listed in '%s')", sbase, b, shown);
				free(b);
				goto out;
			}
			free(b);
		}
	}
	/* advisories: the first listed updateinfo that is there */
	{
		const char *first = NULL;
		size_t k;

		for (i = 0; i < sizeof(uinames) / sizeof(uinames[0]); i++) {
			for (k = 0; k < files.n; k++) {
				const char *nm = files.v[k].name;
				size_t nl = strlen(nm), bl = strlen(uinames[i]);

				if (nl < bl || strcmp(nm + nl - bl, uinames[i]) ||
				    (nl > bl && nm[nl - bl - 1] != '/'))
					continue;
				if (!first)
					first = nm;
				if ((rc = fetch_listed(ctx, sbase, sdir,
				    &files.v[k])) < 0)
					goto out;
				if (rc == 0)
					goto done;
			}
		}
		if (first) {
			rc = jp_error_set(ctx, JP_ERR, "missing '%s%s' (listed in "
			    "'%s')", sbase, first, shown);
			goto out;
		}
	}
done:
	rc = 0;
out:
	jp_deb822_words_free(comps, ncomps);
	jp_deb822_words_free(archs, narchs);
	rel_list_release(&files);
	if (sts)
		jp_deb822_free(sts, nst);
	free(text);
	free(data);
	free(path);
	free(shown);
	free(sbase);
	free(sdir);
	free(srel);
	return rc;
}

int
jp_http_mirror_metadata(struct jp_ctx *ctx, const char *url, int format,
    const char *suite, const char *arch, const char *dir, int *format_out)
{
	struct http_url u;
	char *base;
	int rc = 1;

	if (format_out)
		*format_out = 0;
	if (url_parse(ctx, url, &u) < 0)
		return JP_ERR;
	url_release(&u);
	if (strchr(url, '?'))
		return jp_error_set(ctx, JP_ERR, "bad repository URL '%s': a "
		    "query ('?')", url);
	base = jp_xasprintf("%s%s", url, url[strlen(url) - 1] == '/' ? "" : "/");
	if (!suite)
		suite = "stable";
	if (format != JP_POOL_DEB) {
		rc = mirror_rpmmd(ctx, base, dir);
		if (rc == 0 && format_out)
			*format_out = JP_POOL_RPM;
	}
	if (rc == 1 && format != JP_POOL_RPM) {
		rc = mirror_apt(ctx, base, suite, arch, dir);
		if (rc == 0 && format_out)
			*format_out = JP_POOL_DEB;
	}
	if (rc == 1 && format == JP_POOL_RPM)
		rc = jp_error_set(ctx, JP_ERR, "'%s' is not an RPM-MD repository: "
		    "repodata/repomd.xml answers 404", url);
	else if (rc == 1)
		rc = jp_error_set(ctx, JP_ERR, "'%s' is not %s: %sdists/%s/"
		    "InRelease and Release answer 404", url, format ?
		    "an APT repository" : "a repository", format ? "" :
		    "repodata/repomd.xml, ", suite);
	free(base);
	return rc;
}
