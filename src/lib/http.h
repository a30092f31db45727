/*
 * http.h: a small HTTP/1.1 client for plain http:// URLs (no TLS, no
 * proxies, no redirects, no authentication), and the mirror of the
 * metadata of a repository served over it, for planning against a
 * repository that is not on this host's file system.
 */
#ifndef JP_HTTP_H
#define JP_HTTP_H

#include <stdint.h>

struct jp_ctx;

/* The error code of jp_http_get() when the server answered 404. */
#define JP_HTTP_NOT_FOUND (-404)

/*
 * The timeouts, in milliseconds: connecting (default 30000) and waiting
 * for the next bytes of a response (default 60000).  A value <= 0 keeps the
 * current one.  For tests; not thread-safe.
 */
void jp_http_set_timeouts(int connect_ms, int idle_ms);

/*
 * GET url (http://host[:port][/path]; host a name, an IPv4 address or a
 * bracketed IPv6 address) and write the body to fd, at most max bytes;
 * *got (when not NULL) is the number of bytes written.  Redirects are not
 * followed: a 3xx is an error naming the Location.  The body length is
 * found as RFC 9112 6.3 says (chunked, Content-Length or the end of the
 * connection); a body shorter than announced is an error ("truncated").
 * Returns 0 for a 200 with its whole body, JP_HTTP_NOT_FOUND for a 404, or
 * JP_ERR; a message naming the URL is recorded in both error cases.
 */
int jp_http_get(struct jp_ctx *ctx, const char *url, int fd, uint64_t max,
    uint64_t *got);

/*
 * Mirror into dir (an existing directory) the metadata of the repository
 * at url that the pool readers (jp_pool_add_repo) read, every file checked
 * against the checksum and size its index gives:
 *   - RPM-MD: repodata/repomd.xml, repodata/repomd.xml.asc when there, and
 *     the primary, filelists and updateinfo files repomd.xml lists;
 *   - APT: dists/SUITE/InRelease, Release and Release.gpg (those there; one
 *     of the first two is required), and from its SHA256 list the
 *     COMPONENT/binary-ARCH/Packages index of each component for arch and
 *     for "all" (one variant each), and updateinfo.xml[.gz|.xz|.zst] when
 *     listed.  suite NULL is "stable"; arch NULL takes every architecture
 *     listed.
 * format is JP_POOL_RPM or JP_POOL_DEB, or 0 to try RPM-MD first; the one
 * found goes to *format_out (when not NULL).  Paths in the metadata that
 * are absolute or hold ".." are refused.  Returns 0 or a negative code
 * with a message naming the URL.
 */
int jp_http_mirror_metadata(struct jp_ctx *ctx, const char *url, int format,
    const char *suite, const char *arch, const char *dir, int *format_out);

#endif /* JP_HTTP_H */
