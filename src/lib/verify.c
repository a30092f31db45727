/*
 * verify.c: check a repository's chain of trust, link by link.
 *
 * The chain is the one clients follow.  dnf and zypper: the detached
 * signature repodata/repomd.xml.asc over repomd.xml; repomd.xml's
 * <checksum> and <size> of each metadata file as stored (createrepo_c's
 * repomd format); primary.xml's <checksum>, <size package> and
 * <location href> of each package.  apt: dists/SUITE/InRelease
 * (clearsigned) or Release with Release.gpg; the SHA256 field of Release
 * (hash, size, name relative to dists/SUITE, Debian's repository format
 * wiki page "DebianRepository/Format"); each Packages stanza's Filename
 * (relative to the archive root), Size and SHA256.
 *
 * Every path read from metadata goes through jp_path_join_safe(): a name
 * that is absolute or has a ".." component is a broken link of the file
 * that names it, and nothing outside the repository is opened for it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>

#include "ctx.h"
#include "deb822.h"
#include "digest.h"
#include "fsutil.h"
#include "pgp.h"
#include "progress.h"
#include "strnum.h"
#include "verify.h"
#include "zfile.h"

/* One package the metadata lists. */
struct vf_pkg {
	char *rel;        /* path relative to the repository, as listed */
	char *meta;       /* the metadata file that lists it */
	uint64_t size;
	unsigned algo;    /* 0: no checksum listed */
	char *hex;
	char *err;        /* problem found by a worker */
};

struct vf_state {
	struct jp_ctx *ctx;
	const char *repo;
	const struct jp_verify_opts *opts;
	struct jp_verify_result *res;
	struct vf_pkg *pkgs;
	size_t npkgs, cappkgs;
};

static void vf_add(struct jp_verify_problem **v, size_t *n, size_t *cap,
    const char *file, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void
vf_add(struct jp_verify_problem **v, size_t *n, size_t *cap,
    const char *file, const char *fmt, va_list ap)
{
	char buf[JP_ERRMSG_MAX + 256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = jp_xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].file = jp_xstrdup(file);
	(*v)[*n].problem = jp_xstrdup(buf);
	(*n)++;
}

static void vf_error(struct vf_state *s, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void vf_warning(struct vf_state *s, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
vf_error(struct vf_state *s, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vf_add(&s->res->errors, &s->res->nerrors, &s->res->caperrors, file,
	    fmt, ap);
	va_end(ap);
}

static void
vf_warning(struct vf_state *s, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vf_add(&s->res->warnings, &s->res->nwarnings, &s->res->capwarnings,
	    file, fmt, ap);
	va_end(ap);
}

/*
 * Checksum names in metadata.  repomd also knows "sha" for SHA-1 (yum's
 * old name, still accepted by createrepo_c and libsolv).
 */
static unsigned
vf_algo(const char *name)
{
	if (!name)
		return 0;
	if (!strcmp(name, "sha256"))
		return JP_DIGEST_SHA256;
	if (!strcmp(name, "sha512"))
		return JP_DIGEST_SHA512;
	if (!strcmp(name, "sha1") || !strcmp(name, "sha"))
		return JP_DIGEST_SHA1;
	if (!strcmp(name, "md5"))
		return JP_DIGEST_MD5;
	return 0;
}

/* "./a//b" and "a/b" name the same file: drop "./" and doubled slashes. */
static char *
vf_norm(const char *rel)
{
	char *out = jp_xmalloc(strlen(rel) + 1), *o = out;
	const char *p = rel;

	while (*p) {
		while (*p == '/' && o > out && o[-1] == '/')
			p++;
		if ((p == rel || p[-1] == '/') && p[0] == '.' && p[1] == '/') {
			p += 2;
			continue;
		}
		if (*p)
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/*
 * Compare a file's size and, when algo is set, its checksum with what the
 * metadata says.  Returns NULL when they hold, else a malloc'd problem.
 */
static char *
vf_check_file(const char *path, int want_size, uint64_t size, unsigned algo,
    const char *hex)
{
	struct jp_ctx lctx;
	struct jp_digest d;
	struct stat st;
	char *msg = NULL;
	int fd;

	jp_ctx_init(&lctx, "jprepo");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? jp_xstrdup("missing") :
		    jp_xasprintf("cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return jp_xstrdup("not a regular file");
	}
	if (want_size && (uint64_t)st.st_size != size) {
		close(fd);
		return jp_xasprintf("size %" PRIu64 " bytes, the metadata says %"
		    PRIu64, (uint64_t)st.st_size, size);
	}
	if (!algo) {
		close(fd);
		return NULL;
	}
	if (jp_digest_init(&d, algo) < 0) {
		close(fd);
		return jp_xstrdup("cannot compute a checksum");
	}
	if (jp_digest_fd(&lctx, fd, path, &d) < 0) {
		msg = jp_xstrdup(jp_error_msg(&lctx));
	} else {
		jp_digest_final(&d);
		if (strcasecmp(jp_digest_hex(&d, algo), hex))
			msg = jp_xasprintf("%s %s, the metadata says %s",
			    jp_digest_name(algo), jp_digest_hex(&d, algo), hex);
	}
	jp_digest_release(&d);
	close(fd);
	return msg;
}

/* Check a metadata file listed by `lister`; rel is relative to base. */
static int
vf_check_listed(struct vf_state *s, const char *lister, const char *base,
    const char *rel, uint64_t size, unsigned algo, const char *hex)
{
	char *path, *shown, *msg;
	const char *brel;

	path = jp_path_join_safe(s->ctx, base, rel);
	if (!path) {
		vf_error(s, lister, "unsafe file name '%s': %s", rel,
		    jp_error_msg(s->ctx));
		return -1;
	}
	brel = base + strlen(s->repo);
	while (*brel == '/')
		brel++;
	shown = *brel ? jp_path_join(brel, rel) : jp_xstrdup(rel);
	msg = vf_check_file(path, 1, size, algo, hex);
	if (msg)
		vf_error(s, shown, "%s (listed in %s)", msg, lister);
	free(msg);
	free(shown);
	free(path);
	return msg ? -1 : 0;
}

static void
vf_pkg_push(struct vf_state *s, const char *meta, const char *rel,
    uint64_t size, unsigned algo, const char *hex)
{
	struct vf_pkg *p;

	if (s->npkgs == s->cappkgs) {
		s->cappkgs = s->cappkgs ? s->cappkgs * 2 : 256;
		s->pkgs = jp_xrealloc(s->pkgs, s->cappkgs * sizeof(*s->pkgs));
	}
	p = &s->pkgs[s->npkgs++];
	memset(p, 0, sizeof(*p));
	p->rel = vf_norm(rel);
	p->meta = jp_xstrdup(meta);
	p->size = size;
	p->algo = algo;
	p->hex = jp_xstrdup(hex ? hex : "");
}

static char *
vf_xml_attr(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = jp_xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static char *
vf_xml_text(xmlTextReaderPtr r)
{
	xmlChar *v = xmlTextReaderReadString(r);
	char *s, *b, *e;

	if (!v)
		return jp_xstrdup("");
	for (b = (char *)v; *b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'; b++)
		;
	s = jp_xstrdup(b);
	xmlFree(v);
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\n' || e[-1] == '\r'); e--)
		;
	*e = '\0';
	return s;
}

/* No DTDs, no network, no entity expansion: the input is untrusted. */
#define VF_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/*
 * Read primary.xml (any compression): each <package>'s <location href>,
 * <checksum type> and <size package>.
 */
static void
vf_read_primary(struct vf_state *s, const char *path, const char *shown)
{
	struct jp_zfile in;
	xmlTextReaderPtr r = NULL;
	char *href = NULL, *ctype = NULL, *hex = NULL, *size = NULL;
	int depth = -1, rc, ok = 0;

	if (jp_zfile_open(s->ctx, &in, path) < 0) {
		vf_error(s, shown, "%s", jp_error_msg(s->ctx));
		goto out;
	}
	r = xmlReaderForIO(jp_zfile_xml_read, jp_zfile_xml_close, &in, shown, NULL,
	    VF_XML_OPTIONS);
	if (!r) {
		vf_error(s, shown, "cannot start the XML parser");
		goto out;
	}
	while ((rc = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r), d = xmlTextReaderDepth(r);
		const char *name = (const char *)xmlTextReaderConstLocalName(r);

		if (!name)
			continue;
		if (type == XML_READER_TYPE_ELEMENT && !strcmp(name, "package") &&
		    depth < 0) {
			depth = d;
			if (xmlTextReaderIsEmptyElement(r)) {
				vf_error(s, shown, "empty <package> on line %d",
				    xmlTextReaderGetParserLineNumber(r));
				depth = -1;
			}
			continue;
		}
		if (depth >= 0 && type == XML_READER_TYPE_ELEMENT && d == depth + 1) {
			if (!strcmp(name, "location")) {
				free(href);
				href = vf_xml_attr(r, "href");
			} else if (!strcmp(name, "checksum")) {
				free(ctype);
				ctype = vf_xml_attr(r, "type");
				free(hex);
				hex = vf_xml_text(r);
			} else if (!strcmp(name, "size")) {
				free(size);
				size = vf_xml_attr(r, "package");
			}
			continue;
		}
		if (depth >= 0 && type == XML_READER_TYPE_END_ELEMENT &&
		    d == depth && !strcmp(name, "package")) {
			uint64_t sz = 0;
			unsigned algo = vf_algo(ctype);

			if (!href)
				vf_error(s, shown, "a package without <location href> "
				    "(line %d)", xmlTextReaderGetParserLineNumber(r));
			else if (jp_strnum_u64(size, &sz) < 0)
				vf_error(s, shown, "package '%s': no valid <size "
				    "package>", href);
			else if (!algo || !hex || !*hex)
				vf_error(s, shown, "package '%s': no usable "
				    "<checksum> (type '%s')", href,
				    ctype ? ctype : "");
			else
				vf_pkg_push(s, shown, href, sz, algo, hex);
			free(href);
			free(ctype);
			free(hex);
			free(size);
			href = ctype = hex = size = NULL;
			depth = -1;
		}
	}
	if (rc < 0) {
		const xmlError *e = xmlGetLastError();
		size_t ml = e && e->message ? strlen(e->message) : 0;

		while (ml > 0 && (e->message[ml - 1] == '\n' ||
		    e->message[ml - 1] == ' '))
			ml--;
		vf_error(s, shown, "not well-formed XML%s%.*s", ml ? ": " : "",
		    (int)ml, ml ? e->message : "");
		goto out;
	}
	ok = 1;
out:
	(void)ok;
	free(href);
	free(ctype);
	free(hex);
	free(size);
	if (r)
		xmlFreeTextReader(r);
	jp_zfile_close(&in);
}

/* --- package checks on worker threads --- */

struct vf_pool {
	struct vf_state *s;
	size_t next;
	pthread_mutex_t lock;
	struct jp_progress prog;
};

static void *
vf_worker(void *arg)
{
	struct vf_pool *pl = arg;
	struct vf_state *s = pl->s;

	for (;;) {
		struct vf_pkg *p;
		char *path;
		size_t i;

		pthread_mutex_lock(&pl->lock);
		i = pl->next++;
		pthread_mutex_unlock(&pl->lock);
		if (i >= s->npkgs)
			break;
		p = &s->pkgs[i];
		if (p->err)
			continue;
		path = jp_path_join(s->repo, p->rel);
		p->err = vf_check_file(path, 1, p->size,
		    s->opts->packages ? p->algo : 0, p->hex);
		free(path);
		jp_progress_add(&pl->prog, 1, p->size);
	}
	return NULL;
}

static int
vf_pkg_cmp(const void *a, const void *b)
{
	const struct vf_pkg *x = a, *y = b;
	int c = strcmp(x->rel, y->rel);

	return c ? c : (x < y ? -1 : x > y);
}

static int
vf_str_cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct vf_pkg *)elt)->rel);
}

/*
 * Check every listed package: the path first (on this thread, so that an
 * unsafe name never reaches a worker), then size and checksum on workers.
 * Then look for package files no metadata lists.
 */
static void
vf_check_packages(struct vf_state *s, const char *suffix)
{
	static const char *const skip[] = { "repodata", "dists", NULL };
	const char *suffixes[] = { suffix, NULL };
	struct vf_pool pl;
	struct jp_walk w = { 0 };
	pthread_t *tids;
	size_t i, j, n;
	int nt, t;

	/* Duplicates: the same file listed twice must agree. */
	if (s->npkgs)
		qsort(s->pkgs, s->npkgs, sizeof(*s->pkgs), vf_pkg_cmp);
	for (i = 0, j = 0; i < s->npkgs; i++) {
		if (j > 0 && !strcmp(s->pkgs[j - 1].rel, s->pkgs[i].rel)) {
			struct vf_pkg *a = &s->pkgs[j - 1], *b = &s->pkgs[i];

			if (a->size != b->size || a->algo != b->algo ||
			    strcasecmp(a->hex, b->hex))
				vf_error(s, b->meta, "'%s' is listed twice with "
				    "different sizes or checksums", b->rel);
			free(b->rel);
			free(b->meta);
			free(b->hex);
			free(b->err);
			continue;
		}
		s->pkgs[j++] = s->pkgs[i];
	}
	s->npkgs = j;
	s->res->packages = s->npkgs;

	for (i = 0; i < s->npkgs; i++) {
		char *path = jp_path_join_safe(s->ctx, s->repo, s->pkgs[i].rel);

		if (!path)
			s->pkgs[i].err = jp_xasprintf("unsafe file name: %s",
			    jp_error_msg(s->ctx));
		free(path);
	}

	memset(&pl, 0, sizeof(pl));
	pl.s = s;
	pthread_mutex_init(&pl.lock, NULL);
	jp_progress_init(&pl.prog, s->ctx, "verify", s->npkgs);
	nt = s->opts->jobs > 0 ? s->opts->jobs : 1;
	if ((size_t)nt > s->npkgs)
		nt = s->npkgs ? (int)s->npkgs : 1;
	tids = jp_xcalloc((size_t)nt, sizeof(*tids));
	for (t = 0, n = 0; t < nt; t++)
		if (pthread_create(&tids[t], NULL, vf_worker, &pl) == 0)
			n++;
		else
			break;
	if (n == 0)
		vf_worker(&pl);
	for (t = 0; (size_t)t < n; t++)
		pthread_join(tids[t], NULL);
	free(tids);
	jp_progress_release(&pl.prog);
	pthread_mutex_destroy(&pl.lock);

	for (i = 0; i < s->npkgs; i++) {
		struct vf_pkg *p = &s->pkgs[i];

		if (!p->err)
			continue;
		if (!strncmp(p->err, "unsafe", 6))
			vf_error(s, p->meta, "'%s': %s", p->rel, p->err);
		else
			vf_error(s, p->rel, "%s (listed in %s)", p->err, p->meta);
	}

	if (jp_walk_collect(s->ctx, s->repo, suffixes, skip, &w) < 0) {
		vf_warning(s, ".", "cannot list the package files: %s",
		    jp_error_msg(s->ctx));
		return;
	}
	for (i = 0; i < w.n; i++)
		if (!s->npkgs || !bsearch(w.v[i].rel, s->pkgs, s->npkgs, sizeof(*s->pkgs),
		    vf_str_cmp))
			vf_warning(s, w.v[i].rel, "not listed in the metadata");
	jp_walk_release(&w);
}

/* --- RPM-MD --- */

static void
vf_rpmmd(struct vf_state *s)
{
	char *repomd = jp_path_join(s->repo, "repodata/repomd.xml");
	char *asc = jp_path_join(s->repo, "repodata/repomd.xml.asc");
	char *primary = NULL, *primary_shown = NULL;
	xmlTextReaderPtr r = NULL;
	char *dtype = NULL, *ctype = NULL, *hex = NULL, *href = NULL, *size = NULL;
	int rc, depth = -1, primary_listed = 0;
	struct stat st;

	s->res->format = JP_VERIFY_RPMMD;
	if (!s->opts->keyring) {
		s->res->signature = JP_VERIFY_SIG_UNCHECKED;
		vf_warning(s, "repodata/repomd.xml",
		    "signature not checked (no --keyring)");
	} else if (stat(asc, &st) < 0) {
		s->res->signature = JP_VERIFY_SIG_MISSING;
		vf_error(s, "repodata/repomd.xml.asc", "signature missing");
	} else {
		char fpr[128];

		if (jp_pgp_verify_detached(s->ctx, s->opts->keyring, repomd, asc,
		    fpr, sizeof(fpr)) == 0) {
			s->res->signature = JP_VERIFY_SIG_GOOD;
		} else {
			s->res->signature = JP_VERIFY_SIG_BAD;
			vf_error(s, "repodata/repomd.xml", "bad signature "
			    "(repomd.xml.asc): %s", jp_error_msg(s->ctx));
		}
	}

	r = xmlReaderForFile(repomd, NULL, VF_XML_OPTIONS);
	if (!r) {
		vf_error(s, "repodata/repomd.xml", "cannot read the file");
		goto out;
	}
	while ((rc = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r), d = xmlTextReaderDepth(r);
		const char *name = (const char *)xmlTextReaderConstLocalName(r);

		if (!name)
			continue;
		if (type == XML_READER_TYPE_ELEMENT && d == 1 &&
		    !strcmp(name, "data")) {
			depth = d;
			free(dtype);
			dtype = vf_xml_attr(r, "type");
			continue;
		}
		if (depth >= 0 && type == XML_READER_TYPE_ELEMENT && d == depth + 1) {
			if (!strcmp(name, "location")) {
				free(href);
				href = vf_xml_attr(r, "href");
			} else if (!strcmp(name, "checksum")) {
				free(ctype);
				ctype = vf_xml_attr(r, "type");
				free(hex);
				hex = vf_xml_text(r);
			} else if (!strcmp(name, "size")) {
				free(size);
				size = vf_xml_text(r);
			}
			continue;
		}
		if (depth >= 0 && type == XML_READER_TYPE_END_ELEMENT &&
		    d == depth && !strcmp(name, "data")) {
			uint64_t sz = 0;
			unsigned algo = vf_algo(ctype);
			const char *dt = dtype ? dtype : "?";

			if (!strcmp(dt, "primary"))
				primary_listed = 1;
			if (!href)
				vf_error(s, "repodata/repomd.xml", "<data type=\"%s\"> "
				    "without <location href>", dt);
			else if (jp_strnum_u64(size, &sz) < 0)
				vf_error(s, "repodata/repomd.xml", "<data type=\"%s\"> "
				    "without a valid <size>", dt);
			else if (!algo || !hex || !*hex)
				vf_error(s, "repodata/repomd.xml", "<data type=\"%s\"> "
				    "without a usable <checksum> (type '%s')", dt,
				    ctype ? ctype : "");
			else if (vf_check_listed(s, "repodata/repomd.xml", s->repo,
			    href, sz, algo, hex) == 0 && !strcmp(dt, "primary") &&
			    !primary) {
				primary = jp_path_join_safe(s->ctx, s->repo, href);
				primary_shown = vf_norm(href);
			} else if (!strcmp(dt, "primary") && !primary) {
				/* Broken but present: still check what it lists. */
				primary = jp_path_join_safe(s->ctx, s->repo, href);
				if (primary && access(primary, R_OK) == 0)
					primary_shown = vf_norm(href);
				else {
					free(primary);
					primary = NULL;
				}
			}
			free(dtype);
			free(ctype);
			free(hex);
			free(href);
			free(size);
			dtype = ctype = hex = href = size = NULL;
			depth = -1;
		}
	}
	if (rc < 0) {
		vf_error(s, "repodata/repomd.xml", "not well-formed XML");
		goto out;
	}
	if (!primary) {
		if (!primary_listed)
			vf_error(s, "repodata/repomd.xml", "no primary metadata listed");
		goto out;
	}
	vf_read_primary(s, primary, primary_shown);
	vf_check_packages(s, ".rpm");
out:
	free(dtype);
	free(ctype);
	free(hex);
	free(href);
	free(size);
	if (r)
		xmlFreeTextReader(r);
	free(primary);
	free(primary_shown);
	free(repomd);
	free(asc);
}

/* --- APT --- */


/*
 * apt refuses a Release whose Valid-Until (an RFC 2822 date in UTC,
 * DebianRepository/Format) has passed: an expired Release is a broken link.
 */
static void
vf_apt_valid_until(struct vf_state *s, const char *lister,
    const struct jp_deb822_stanza *st)
{
	const char *v = jp_deb822_get(st, "Valid-Until");
	struct tm tm;
	const char *end;
	time_t t;

	if (!v)
		return;
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S", &tm);
	if (!end || (strcmp(end, " UTC") && strcmp(end, " GMT") &&
	    strcmp(end, " +0000") && strcmp(end, " Z"))) {
		vf_error(s, lister, "Valid-Until '%s' is not a date in UTC", v);
		return;
	}
	t = timegm(&tm);
	if (t < time(NULL))
		vf_error(s, lister, "expired: Valid-Until %s has passed", v);
}

static int
vf_is_packages(const char *name, size_t *dirlen)
{
	const char *b = strrchr(name, '/');
	static const char *const names[] = { "Packages", "Packages.gz",
	    "Packages.xz", "Packages.zst", "Packages.bz2", "Packages.lzma", NULL };
	size_t i;

	if (!b || !strstr(name, "binary-"))
		return 0;
	for (i = 0; names[i]; i++)
		if (!strcmp(b + 1, names[i])) {
			*dirlen = (size_t)(b - name);
			return 1;
		}
	return 0;
}

/* One stanza of a Packages index. */
static void
vf_apt_stanza(struct vf_state *s, const char *shown,
    const struct jp_deb822_stanza *st)
{
	const char *fn = jp_deb822_get(st, "Filename");
	const char *sz = jp_deb822_get(st, "Size");
	const char *sha = jp_deb822_get(st, "SHA256");
	const char *pkg = jp_deb822_get(st, "Package");
	uint64_t size;

	if (!fn) {
		vf_error(s, shown, "stanza of '%s' (line %lu) has no Filename",
		    pkg ? pkg : "?", st->line);
		return;
	}
	if (jp_strnum_u64(sz, &size) < 0) {
		vf_error(s, shown, "'%s' has no valid Size", fn);
		return;
	}
	if (!sha || strlen(sha) != 64) {
		vf_error(s, shown, "'%s' has no valid SHA256", fn);
		return;
	}
	vf_pkg_push(s, shown, fn, size, JP_DIGEST_SHA256, sha);
}

/*
 * Stream a Packages index (any compression) and read it stanza by stanza:
 * the text read so far is cut after its last blank line, so only one
 * chunk and one stanza are in memory at a time.
 */
static void
vf_read_packages(struct vf_state *s, const char *path, const char *shown)
{
	struct jp_zfile in;
	struct jp_deb822_stanza st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int eof = 0;

	jp_deb822_stanza_init(&st);
	if (jp_zfile_open(s->ctx, &in, path) < 0) {
		vf_error(s, shown, "%s", jp_error_msg(s->ctx));
		goto out;
	}
	while (!eof) {
		struct jp_deb822_reader rd;
		la_ssize_t n;
		size_t cut = 0, i;
		int rc;

		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			buf = jp_xrealloc(buf, cap);
		}
		n = archive_read_data(in.ar, buf + len, cap - len);
		if (n < 0) {
			vf_error(s, shown, "cannot read: %s",
			    archive_error_string(in.ar));
			goto out;
		}
		if (n == 0)
			eof = 1;
		len += (size_t)n;
		if (eof) {
			cut = len;
		} else {
			for (i = len; i >= 2; i--)
				if (buf[i - 1] == '\n' && buf[i - 2] == '\n') {
					cut = i;
					break;
				}
			if (!cut)
				continue;
		}
		jp_deb822_reader_init(&rd, buf, cut, shown, 0);
		while ((rc = jp_deb822_next(s->ctx, &rd, &st)) == 1)
			vf_apt_stanza(s, shown, &st);
		if (rc < 0) {
			vf_error(s, shown, "%s", jp_error_msg(s->ctx));
			goto out;
		}
		memmove(buf, buf + cut, len - cut);
		len -= cut;
	}
out:
	jp_deb822_stanza_release(&st);
	free(buf);
	jp_zfile_close(&in);
}

static int
vf_readable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void
vf_apt_suite(struct vf_state *s, const char *suite)
{
	char *sdir, *inrel, *rel, *gpg, *relshown, *inshown;
	char *text = NULL, *relbuf = NULL;
	size_t tlen = 0, rlen = 0, i, nst = 0;
	struct jp_deb822_stanza *sts = NULL;
	const char *sums, *lister;
	char **pkgs_dirs = NULL, **pkgs_files = NULL;
	size_t npk = 0;
	int have_in, have_rel;

	sdir = jp_xasprintf("%s/dists/%s", s->repo, suite);
	inrel = jp_path_join(sdir, "InRelease");
	rel = jp_path_join(sdir, "Release");
	gpg = jp_path_join(sdir, "Release.gpg");
	relshown = jp_xasprintf("dists/%s/Release", suite);
	inshown = jp_xasprintf("dists/%s/InRelease", suite);
	have_in = vf_readable(inrel);
	have_rel = vf_readable(rel);
	if (have_rel && jp_file_read(s->ctx, rel, &relbuf, &rlen) < 0) {
		vf_error(s, relshown, "%s", jp_error_msg(s->ctx));
		goto out;
	}

	/* apt prefers InRelease and falls back to Release + Release.gpg. */
	if (s->opts->keyring) {
		int sig = JP_VERIFY_SIG_MISSING;

		if (have_in) {
			if (jp_pgp_verify_clearsigned(s->ctx, s->opts->keyring, inrel,
			    &text, &tlen) == 0) {
				sig = JP_VERIFY_SIG_GOOD;
			} else {
				sig = JP_VERIFY_SIG_BAD;
				vf_error(s, inshown, "bad signature: %s",
				    jp_error_msg(s->ctx));
			}
		}
		if (have_rel && vf_readable(gpg) && sig != JP_VERIFY_SIG_GOOD) {
			char fpr[128];

			if (jp_pgp_verify_detached(s->ctx, s->opts->keyring, rel, gpg,
			    fpr, sizeof(fpr)) == 0) {
				if (sig == JP_VERIFY_SIG_MISSING)
					sig = JP_VERIFY_SIG_GOOD;
			} else {
				sig = JP_VERIFY_SIG_BAD;
				vf_error(s, relshown, "bad signature (Release.gpg): %s",
				    jp_error_msg(s->ctx));
			}
		} else if (have_rel && vf_readable(gpg) && have_in) {
			/* Both signed: check Release.gpg too. */
			char fpr[128];

			if (jp_pgp_verify_detached(s->ctx, s->opts->keyring, rel, gpg,
			    fpr, sizeof(fpr)) < 0) {
				sig = JP_VERIFY_SIG_BAD;
				vf_error(s, relshown, "bad signature (Release.gpg): %s",
				    jp_error_msg(s->ctx));
			}
		}
		if (sig == JP_VERIFY_SIG_MISSING)
			vf_error(s, inshown, "signature missing (neither InRelease "
			    "nor Release.gpg)");
		if (s->res->signature == JP_VERIFY_SIG_UNCHECKED ||
		    s->res->signature == JP_VERIFY_SIG_GOOD)
			s->res->signature = sig;
	} else {
		s->res->signature = JP_VERIFY_SIG_UNCHECKED;
		vf_warning(s, have_in ? inshown : relshown,
		    "signature not checked (no --keyring)");
	}

	if (have_in && !text) {
		char *ibuf;
		size_t ilen;

		if (jp_file_read(s->ctx, inrel, &ibuf, &ilen) < 0) {
			vf_error(s, inshown, "%s", jp_error_msg(s->ctx));
			goto out;
		}
		text = jp_pgp_clearsigned_text(ibuf, ilen, &tlen);
		free(ibuf);
		if (!text) {
			vf_error(s, inshown, "not a clearsigned message");
			if (!have_rel)
				goto out;
		}
	}
	if (text && have_rel && (tlen != rlen || memcmp(text, relbuf, rlen)))
		vf_error(s, relshown, "differs from the text of InRelease");
	lister = text ? inshown : relshown;
	if (jp_deb822_parse(s->ctx, text ? text : relbuf, text ? tlen : rlen,
	    lister, 0, &sts, &nst) < 0 || nst == 0) {
		vf_error(s, lister, "%s", nst == 0 && !sts ? jp_error_msg(s->ctx) :
		    "no fields");
		goto out;
	}
	vf_apt_valid_until(s, lister, &sts[0]);
	sums = jp_deb822_get(&sts[0], "SHA256");
	if (!sums) {
		vf_error(s, lister, "no SHA256 field");
		goto out;
	}

	/*
	 * Every listed file must be there with its size and hash: jprepo
	 * writes all it lists.  apt itself needs only one compressed or
	 * uncompressed variant of each index; foreign repositories that list
	 * more files than they carry fail here too (documented).
	 */
	pkgs_dirs = jp_xcalloc(strlen(sums) / 70 + 2, sizeof(char *));
	pkgs_files = jp_xcalloc(strlen(sums) / 70 + 2, sizeof(char *));
	{
		const char *p = sums;

		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t ll = nl ? (size_t)(nl - p) : strlen(p);
			char *line = jp_xstrndup(p, ll), *shown;
			char *w[3], *name;
			uint64_t sz;
			size_t dl;
			int bad;

			p = nl ? nl + 1 : NULL;
			if (strspn(line, " \t") == ll) {
				free(line);
				continue;
			}
			/* " HEX SIZE NAME" (Debian's RepositoryFormat) */
			shown = jp_xstrdup(line);
			bad = jp_strnum_words(line, w, 3) != 3 ||
			    strlen(w[0]) != 64 || jp_strnum_u64(w[1], &sz) < 0;
			if (bad)
				vf_error(s, lister, "bad SHA256 line '%s'", shown);
			free(shown);
			if (bad || vf_check_listed(s, lister, sdir, w[2], sz,
			    JP_DIGEST_SHA256, w[0]) < 0) {
				free(line);
				continue;
			}
			name = jp_xstrdup(w[2]);
			free(line);
			if (vf_is_packages(name, &dl)) {
				size_t k;

				for (k = 0; k < npk; k++)
					if (strlen(pkgs_dirs[k]) == dl &&
					    !strncmp(pkgs_dirs[k], name, dl))
						break;
				if (k == npk) {
					pkgs_dirs[npk] = jp_xstrndup(name, dl);
					pkgs_files[npk++] = jp_xstrdup(name);
				} else if (!strcmp(name + dl, "/Packages")) {
					/* Prefer the uncompressed one: cheapest to read. */
					free(pkgs_files[k]);
					pkgs_files[k] = jp_xstrdup(name);
				}
			}
			free(name);
		}
	}
	for (i = 0; i < npk; i++) {
		char *path = jp_path_join(sdir, pkgs_files[i]);
		char *shown = jp_xasprintf("dists/%s/%s", suite, pkgs_files[i]);

		vf_read_packages(s, path, shown);
		free(path);
		free(shown);
	}
out:
	for (i = 0; i < npk; i++) {
		free(pkgs_dirs[i]);
		free(pkgs_files[i]);
	}
	free(pkgs_dirs);
	free(pkgs_files);
	if (sts)
		jp_deb822_free(sts, nst);
	free(text);
	free(relbuf);
	free(sdir);
	free(inrel);
	free(rel);
	free(gpg);
	free(relshown);
	free(inshown);
}

static int
vf_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The suites: directories under dists/ with an InRelease or a Release. */
static int
vf_apt_suites(struct jp_ctx *ctx, const char *repo, char ***out, size_t *n)
{
	char *dists = jp_path_join(repo, "dists");
	DIR *d = opendir(dists);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!d) {
		free(dists);
		return 0;
	}
	while ((e = readdir(d))) {
		char *a, *b;
		int ok;

		if (e->d_name[0] == '.')
			continue;
		a = jp_xasprintf("%s/%s/InRelease", dists, e->d_name);
		b = jp_xasprintf("%s/%s/Release", dists, e->d_name);
		ok = vf_readable(a) || vf_readable(b);
		free(a);
		free(b);
		if (!ok)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 4;
			v = jp_xrealloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = jp_xstrdup(e->d_name);
	}
	closedir(d);
	free(dists);
	if (*n)
		qsort(v, *n, sizeof(*v), vf_name_cmp);
	*out = v;
	return 0;
}

/* --- entry point --- */

int
jp_verify(struct jp_ctx *ctx, const char *repo,
    const struct jp_verify_opts *opts, struct jp_verify_result *res)
{
	struct vf_state s;
	struct stat st;
	char *repomd, **suites = NULL;
	size_t nsuites = 0, i;
	int is_rpm;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.opts = opts;
	s.res = res;
	if (stat(repo, &st) < 0)
		return jp_error_errno(ctx, errno, "cannot read '%s'", repo);
	if (!S_ISDIR(st.st_mode))
		return jp_error_set(ctx, JP_ERR, "cannot read '%s': not a "
		    "directory", repo);
	if (access(repo, R_OK | X_OK) < 0)
		return jp_error_errno(ctx, errno, "cannot read '%s'", repo);
	/* Without trailing slashes, so that names can be shown relative to it. */
	s.repo = jp_xstrdup(repo);
	{
		char *r = (char *)s.repo;
		size_t l = strlen(r);

		while (l > 1 && r[l - 1] == '/')
			r[--l] = '\0';
	}
	repomd = jp_path_join(s.repo, "repodata/repomd.xml");
	is_rpm = vf_readable(repomd);
	free(repomd);
	vf_apt_suites(ctx, s.repo, &suites, &nsuites);
	if (!is_rpm && !nsuites) {
		free((char *)s.repo);
		return jp_error_set(ctx, JP_ERR, "'%s' is not a repository: no "
		    "repodata/repomd.xml and no dists/SUITE/Release or InRelease",
		    repo);
	}
	xmlInitParser();
	if (is_rpm) {
		vf_rpmmd(&s);
	} else {
		res->format = JP_VERIFY_APT;
		res->signature = opts->keyring ? JP_VERIFY_SIG_GOOD :
		    JP_VERIFY_SIG_UNCHECKED;
		for (i = 0; i < nsuites; i++)
			vf_apt_suite(&s, suites[i]);
		vf_check_packages(&s, ".deb");
	}
	for (i = 0; i < nsuites; i++)
		free(suites[i]);
	free(suites);
	for (i = 0; i < s.npkgs; i++) {
		free(s.pkgs[i].rel);
		free(s.pkgs[i].meta);
		free(s.pkgs[i].hex);
		free(s.pkgs[i].err);
	}
	free(s.pkgs);
	free((char *)s.repo);
	jp_error_clear(ctx);
	return 0;
}

void
jp_verify_result_release(struct jp_verify_result *res)
{
	size_t i;

	for (i = 0; i < res->nerrors; i++) {
		free(res->errors[i].file);
		free(res->errors[i].problem);
	}
	for (i = 0; i < res->nwarnings; i++) {
		free(res->warnings[i].file);
		free(res->warnings[i].problem);
	}
	free(res->errors);
	free(res->warnings);
	memset(res, 0, sizeof(*res));
}

const char *
jp_verify_format_name(int format)
{
	return format == JP_VERIFY_APT ? "apt" : "rpm-md";
}

const char *
jp_verify_sig_name(int sig)
{
	switch (sig) {
	case JP_VERIFY_SIG_GOOD:
		return "good";
	case JP_VERIFY_SIG_BAD:
		return "bad";
	case JP_VERIFY_SIG_MISSING:
		return "missing";
	default:
		return "unchecked";
	}
}
