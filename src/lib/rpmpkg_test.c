/*
 * rpmpkg_test.c: unit tests of rpmpkg against real packages and oracles.
 *
 * The group setup builds packages with rpmbuild (tests/rpmpkg/mkfixtures.sh,
 * plus the shared corpus of tests/mkrpms.sh when it builds), derives
 * crafted variants by patching header bytes in place (cases rpmbuild will
 * not produce: a non-numeric dependency epoch, legacy weak dependencies,
 * no SOURCERPM, trailing spaces in a changelog author), and runs
 * createrepo_c over all of them.  Each record jp_rpmpkg_read() returns is
 * then compared with createrepo_c's primary, filelists and other entries
 * for the same file, with `rpm -qp --qf` and with sha256sum.  Broken files
 * (empty, random, a .deb, truncated at every stage, corrupt headers) must
 * fail with the relative path and the problem in the message.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <rpm/rpmtag.h>

#include "ctx.h"
#include "fsutil.h"
#include "pkg.h"
#include "rpmpkg.h"
#include "testutil.h"

#ifndef JP_TEST_SRCDIR
#define JP_TEST_SRCDIR "."
#endif

/* One package of the fixture repository. */
struct fixpkg {
	char *rel;        /* location relative to the repository */
	char *path;       /* full path */
	char *expect;     /* canonical text of createrepo_c's entries */
};

struct fixture {
	struct jp_ctx ctx;
	char dir[64];
	char *repo;
	char *srcdir;
	int skip;                 /* no rpmbuild: skip everything */
	struct fixpkg *pkgs;
	size_t npkgs;
	char *full;               /* path of jptest-full's binary package */
};

/* --- small helpers --- */

struct sbuf {
	char *p;
	size_t n, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? 2 * b->cap : 256;
		b->p = jp_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	sb_add(b, s, (size_t)n);
	free(s);
}

/*
 * Run argv (no shell) with stdout captured; returns the exit status (-1
 * when it could not run) and the output in *out (may be NULL).
 */
static int
run(char *const argv[], char **out)
{
	struct sbuf b = { 0 };
	char buf[65536];
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		setenv("LC_ALL", "C", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	sb_add(&b, "", 0);
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		sb_add(&b, buf, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (out)
		*out = b.p;
	else
		free(b.p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- header surgery for crafted packages (rpm's file format) --- */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

struct hdrloc {
	size_t start;     /* main header magic */
	size_t end;       /* past its data */
	size_t index;     /* first index entry */
	size_t data;      /* data store */
	uint32_t il, dl;
};

/* Locate the main header the way createrepo_c's header range does. */
static void
hdr_locate(const unsigned char *b, size_t n, struct hdrloc *h)
{
	uint32_t sil, sdl, sigsize;

	assert_true(n > 112);
	sil = be32(b + 96 + 8);
	sdl = be32(b + 96 + 12);
	sigsize = 16 * sil + sdl;
	h->start = 112 + sigsize + (8 - sigsize % 8) % 8;
	assert_true(h->start + 16 <= n);
	h->il = be32(b + h->start + 8);
	h->dl = be32(b + h->start + 12);
	h->index = h->start + 16;
	h->data = h->index + 16 * (size_t)h->il;
	h->end = h->data + h->dl;
	assert_true(h->end <= n);
}

/* The index entry of a tag; NULL when absent. */
static unsigned char *
hdr_entry(unsigned char *b, const struct hdrloc *h, uint32_t tag)
{
	uint32_t i;

	for (i = 0; i < h->il; i++)
		if (be32(b + h->index + 16 * i) == tag)
			return b + h->index + 16 * i;
	return NULL;
}

/* The string of a string-array tag that equals s; NULL when none. */
static char *
hdr_find_string(unsigned char *b, const struct hdrloc *h, uint32_t tag,
    const char *s)
{
	unsigned char *e = hdr_entry(b, h, tag);
	char *p;
	uint32_t i;

	assert_non_null(e);
	p = (char *)b + h->data + be32(e + 8);
	for (i = 0; i < be32(e + 12); i++) {
		if (!strcmp(p, s))
			return p;
		p += strlen(p) + 1;
	}
	return NULL;
}

/* Index of the first string s at or after `from` in a string-array tag. */
static uint32_t
hdr_string_index_from(unsigned char *b, const struct hdrloc *h, uint32_t tag,
    const char *s, uint32_t from)
{
	unsigned char *e = hdr_entry(b, h, tag);
	char *p;
	uint32_t i;

	assert_non_null(e);
	p = (char *)b + h->data + be32(e + 8);
	for (i = 0; i < be32(e + 12); i++) {
		if (i >= from && !strcmp(p, s))
			return i;
		p += strlen(p) + 1;
	}
	fail_msg("no string '%s' in tag %u", s, tag);
	return 0;
}

static uint32_t
hdr_string_index(unsigned char *b, const struct hdrloc *h, uint32_t tag,
    const char *s)
{
	return hdr_string_index_from(b, h, tag, s, 0);
}

static unsigned char *
hdr_int32(unsigned char *b, const struct hdrloc *h, uint32_t tag, uint32_t i)
{
	unsigned char *e = hdr_entry(b, h, tag);

	assert_non_null(e);
	assert_true(i < be32(e + 12));
	return b + h->data + be32(e + 8) + 4 * i;
}

static void
hdr_rename(unsigned char *b, const struct hdrloc *h, uint32_t from, uint32_t to)
{
	unsigned char *e = hdr_entry(b, h, from);

	assert_non_null(e);
	put_be32(e, to);
}

/* --- createrepo_c's XML, in canonical text --- */

static const char *
nz(const char *s)
{
	return s ? s : "";
}

static const char *const dep_kind_name[JP_DEP_NKINDS] = {
	"provides", "requires", "conflicts", "obsoletes",
	"suggests", "enhances", "recommends", "supplements",
};

static const char *const dep_flag_name[] = { "", "LT", "LE", "EQ", "GE", "GT" };

/* The record, in the canonical form. */
static char *
canon_pkg(const struct jp_pkg *p)
{
	struct sbuf b = { 0 };
	size_t i;
	int k;

	sb_printf(&b, "name=%s\narch=%s\nepoch=%s ver=%s rel=%s\n", nz(p->name),
	    nz(p->arch), nz(p->epoch), nz(p->version), nz(p->release));
	sb_printf(&b, "sha256=%s\nsummary=%s\ndescription=%s\npackager=%s\n",
	    p->sha256, nz(p->summary), nz(p->description), nz(p->packager));
	sb_printf(&b, "url=%s\ntime file=%lld build=%lld\n", nz(p->url),
	    (long long)p->time_file, (long long)p->time_build);
	sb_printf(&b, "size package=%llu installed=%llu archive=%llu\n",
	    (unsigned long long)p->file_size,
	    (unsigned long long)p->size_installed,
	    (unsigned long long)p->size_archive);
	sb_printf(&b, "location=%s\nlicense=%s\nvendor=%s\ngroup=%s\n",
	    nz(p->location), nz(p->license), nz(p->vendor), nz(p->group));
	sb_printf(&b, "buildhost=%s\nsourcerpm=%s\nheader-range=%llu-%llu\n",
	    nz(p->buildhost), nz(p->sourcerpm),
	    (unsigned long long)p->header_start,
	    (unsigned long long)p->header_end);
	for (k = 0; k < JP_DEP_NKINDS; k++)
		for (i = 0; i < p->ndeps[k]; i++) {
			const struct jp_dep *d = &p->deps[k][i];

			sb_printf(&b, "%s name=%s flags=%s epoch=%s ver=%s "
			    "rel=%s pre=%s\n", dep_kind_name[k], nz(d->name),
			    d->flag >= 0 && d->flag <= JP_DEP_GT ?
			    dep_flag_name[d->flag] : "?", nz(d->epoch),
			    nz(d->version), nz(d->release), d->pre ? "1" : "");
		}
	for (i = 0; i < p->nfiles; i++)
		sb_printf(&b, "file %s %s\n", p->files[i].type == JP_FILE_DIR ?
		    "dir" : p->files[i].type == JP_FILE_GHOST ? "ghost" : "-",
		    p->files[i].path);
	for (i = 0; i < p->nchangelogs; i++)
		sb_printf(&b, "changelog author=%s date=%lld\n%s\n",
		    p->changelogs[i].author, (long long)p->changelogs[i].date,
		    p->changelogs[i].text);
	return b.p;
}

static const char *
xattr(xmlNode *n, const char *name, char *buf, size_t size)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	snprintf(buf, size, "%s", v ? (const char *)v : "");
	xmlFree(v);
	return buf;
}

static xmlNode *
xchild(xmlNode *n, const char *name)
{
	for (n = n->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)n->name, name))
			return n;
	return NULL;
}

static char *
xtext(xmlNode *n, const char *name)
{
	xmlNode *c = xchild(n, name);
	xmlChar *t;
	char *s;

	if (!c)
		return jp_xstrdup("");
	t = xmlNodeGetContent(c);
	s = jp_xstrdup(t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

/* "NAME=TEXT\n" for each child element of n named in names (NULL-ended). */
static void
sb_texts(struct sbuf *b, xmlNode *n, const char *const *names)
{
	char *s;

	for (; *names; names++) {
		s = xtext(n, *names);
		sb_printf(b, "%s=%s\n", *names, s);
		free(s);
	}
}

/* Canonical text per pkgid, from the three uncompressed XML files. */
struct crpkg {
	char pkgid[65];
	char *location;
	struct sbuf text;
};

static struct crpkg *
cr_find(struct crpkg *v, size_t n, const char *pkgid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].pkgid, pkgid))
			return &v[i];
	return NULL;
}

static xmlDoc *
xml_load(const char *path)
{
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);

	if (!doc)
		fail_msg("cannot parse %s", path);
	return doc;
}

static struct crpkg *
cr_parse(const char *repodata, size_t *np)
{
	char path[4096], a[6][1024];
	struct crpkg *v = NULL;
	size_t n = 0;
	xmlDoc *doc;
	xmlNode *p, *c, *e;
	int k;

	snprintf(path, sizeof(path), "%s/primary.xml", repodata);
	doc = xml_load(path);
	for (p = xmlDocGetRootElement(doc)->children; p; p = p->next) {
		struct crpkg *cp;
		xmlNode *fmt;
		xmlChar *id;

		if (p->type != XML_ELEMENT_NODE)
			continue;
		v = jp_xrealloc(v, (n + 1) * sizeof(*v));
		cp = &v[n++];
		memset(cp, 0, sizeof(*cp));
		c = xchild(p, "checksum");
		id = xmlNodeGetContent(c);
		snprintf(cp->pkgid, sizeof(cp->pkgid), "%s", (const char *)id);
		xmlFree(id);
		sb_texts(&cp->text, p, (const char *const[]){ "name", "arch",
		    NULL });
		c = xchild(p, "version");
		sb_printf(&cp->text, "epoch=%s ver=%s rel=%s\n",
		    xattr(c, "epoch", a[0], sizeof(a[0])),
		    xattr(c, "ver", a[1], sizeof(a[1])),
		    xattr(c, "rel", a[2], sizeof(a[2])));
		sb_printf(&cp->text, "sha256=%s\n", cp->pkgid);
		sb_texts(&cp->text, p, (const char *const[]){ "summary",
		    "description", "packager", "url", NULL });
		c = xchild(p, "time");
		sb_printf(&cp->text, "time file=%s build=%s\n",
		    xattr(c, "file", a[0], sizeof(a[0])),
		    xattr(c, "build", a[1], sizeof(a[1])));
		c = xchild(p, "size");
		sb_printf(&cp->text, "size package=%s installed=%s archive=%s\n",
		    xattr(c, "package", a[0], sizeof(a[0])),
		    xattr(c, "installed", a[1], sizeof(a[1])),
		    xattr(c, "archive", a[2], sizeof(a[2])));
		c = xchild(p, "location");
		cp->location = jp_xstrdup(xattr(c, "href", a[0], sizeof(a[0])));
		sb_printf(&cp->text, "location=%s\n", cp->location);
		fmt = xchild(p, "format");
		sb_texts(&cp->text, fmt, (const char *const[]){ "license",
		    "vendor", "group", "buildhost", "sourcerpm", NULL });
		c = xchild(fmt, "header-range");
		sb_printf(&cp->text, "header-range=%s-%s\n",
		    xattr(c, "start", a[0], sizeof(a[0])),
		    xattr(c, "end", a[1], sizeof(a[1])));
		for (k = 0; k < JP_DEP_NKINDS; k++) {
			c = xchild(fmt, dep_kind_name[k]);
			if (!c)
				continue;
			for (e = c->children; e; e = e->next) {
				if (e->type != XML_ELEMENT_NODE)
					continue;
				sb_printf(&cp->text, "%s name=%s flags=%s epoch=%s "
				    "ver=%s rel=%s pre=%s\n", dep_kind_name[k],
				    xattr(e, "name", a[0], sizeof(a[0])),
				    xattr(e, "flags", a[1], sizeof(a[1])),
				    xattr(e, "epoch", a[2], sizeof(a[2])),
				    xattr(e, "ver", a[3], sizeof(a[3])),
				    xattr(e, "rel", a[4], sizeof(a[4])),
				    xattr(e, "pre", a[5], sizeof(a[5])));
			}
		}
	}
	xmlFreeDoc(doc);

	/* filelists.xml's <file> and other.xml's <changelog> elements */
	for (k = 0; k < 2; k++) {
		const char *want = k == 0 ? "file" : "changelog";

		snprintf(path, sizeof(path), "%s/%s.xml", repodata,
		    k == 0 ? "filelists" : "other");
		doc = xml_load(path);
		for (p = xmlDocGetRootElement(doc)->children; p; p = p->next) {
			struct crpkg *cp;

			if (p->type != XML_ELEMENT_NODE)
				continue;
			cp = cr_find(v, n, xattr(p, "pkgid", a[0], sizeof(a[0])));
			assert_non_null(cp);
			for (e = p->children; e; e = e->next) {
				xmlChar *t;

				if (e->type != XML_ELEMENT_NODE ||
				    strcmp((const char *)e->name, want))
					continue;
				t = xmlNodeGetContent(e);
				if (k == 0)
					sb_printf(&cp->text, "file %s %s\n",
					    xattr(e, "type", a[1], sizeof(a[1]))[0] ?
					    a[1] : "-", (const char *)t);
				else
					sb_printf(&cp->text, "changelog author=%s "
					    "date=%s\n%s\n",
					    xattr(e, "author", a[1], sizeof(a[1])),
					    xattr(e, "date", a[2], sizeof(a[2])),
					    (const char *)t);
				xmlFree(t);
			}
		}
		xmlFreeDoc(doc);
	}
	*np = n;
	return v;
}

/* --- the fixture --- */

static void
add_pkg(struct fixture *f, const char *rel)
{
	struct fixpkg *p;

	f->pkgs = jp_xrealloc(f->pkgs, (f->npkgs + 1) * sizeof(*f->pkgs));
	p = &f->pkgs[f->npkgs++];
	p->rel = jp_xstrdup(rel);
	p->path = jp_path_join(f->repo, rel);
	p->expect = NULL;
}

/* Every .rpm under dir (relative names under prefix). */
static void
scan_repo(struct fixture *f, const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char *full, *rel;
		struct stat st;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, "repodata"))
			continue;
		full = jp_path_join(dir, de->d_name);
		rel = prefix[0] ? jp_path_join(prefix, de->d_name) :
		    jp_xstrdup(de->d_name);
		assert_int_equal(stat(full, &st), 0);
		if (S_ISDIR(st.st_mode))
			scan_repo(f, full, rel);
		else if (strlen(rel) > 4 && !strcmp(rel + strlen(rel) - 4, ".rpm"))
			add_pkg(f, rel);
		free(full);
		free(rel);
	}
	closedir(d);
}

/*
 * A copy of a package whose signature header is k bytes shorter (taken
 * from the end of its RPMSIGTAG_RESERVEDSPACE), so that the padding before
 * the main header changes.  rpmbuild 4.18 always writes the same size.
 */
static unsigned char *
shrink_sig(const unsigned char *b, size_t len, uint32_t k, size_t *outlen)
{
	uint32_t il = be32(b + 104), dl = be32(b + 108), i, off = 0, cnt = 0;
	size_t data = 112 + 16 * (size_t)il, sigsize = 16 * (size_t)il + dl;
	size_t start = 112 + sigsize + (8 - sigsize % 8) % 8;
	size_t nsig = sigsize - k, npad = (8 - nsig % 8) % 8, pos;
	unsigned char *o = calloc(1, len + 8);

	assert_non_null(o);
	for (i = 0; i < il; i++)
		if (be32(b + 112 + 16 * i) == 1008) {   /* RESERVEDSPACE */
			off = be32(b + 112 + 16 * i + 8);
			cnt = be32(b + 112 + 16 * i + 12);
		}
	assert_true(cnt > k);
	memcpy(o, b, data);
	put_be32(o + 108, dl - k);
	for (i = 0; i < il; i++) {
		unsigned char *e = o + 112 + 16 * i;

		if (be32(e) == 1008)
			put_be32(e + 12, cnt - k);
		else if (be32(e + 8) > off)
			put_be32(e + 8, be32(e + 8) - k);
	}
	memcpy(o + data, b + data, off + cnt - k);
	memcpy(o + data + off + cnt - k, b + data + off + cnt,
	    dl - (off + cnt));
	pos = data + dl - k + npad;
	memcpy(o + pos, b + start, len - start);
	*outlen = pos + len - start;
	return o;
}

/*
 * Crafted variants of jptest-full: header bytes patched in place, so the
 * header stays well-formed while its content is what rpmbuild refuses to
 * write.  createrepo_c reads them like any package (it checks no digests).
 */
static void
make_crafted(struct fixture *f)
{
	unsigned char *b;
	struct hdrloc h;
	size_t len;
	char *s, *path;
	uint32_t i;

	path = jp_path_join(f->repo, "crafted");
	assert_int_equal(mkdir(path, 0755), 0);
	free(path);

	/* A dependency epoch that is not a number: createrepo_c drops it. */
	b = (unsigned char *)tu_slurp(f->full, &len);
	hdr_locate(b, len, &h);
	s = hdr_find_string(b, &h, RPMTAG_REQUIREVERSION, "5:");
	assert_non_null(s);
	s[0] = 'x';
	/* Two equal requires (rpmbuild merges them): createrepo_c keeps one. */
	i = hdr_string_index(b, &h, RPMTAG_REQUIRENAME, "dupdep");
	put_be32(hdr_int32(b, &h, RPMTAG_REQUIREFLAGS, i), 0);
	i = hdr_string_index_from(b, &h, RPMTAG_REQUIRENAME, "dupdep", i + 1);
	put_be32(hdr_int32(b, &h, RPMTAG_REQUIREFLAGS, i), 0);
	/* Legacy weak dependency: RPMSENSE_MISSINGOK on a require. */
	i = hdr_string_index(b, &h, RPMTAG_REQUIRENAME, "preundep");
	put_be32(hdr_int32(b, &h, RPMTAG_REQUIREFLAGS, i),
	    be32(hdr_int32(b, &h, RPMTAG_REQUIREFLAGS, i)) | (1u << 19));
	/* Old-style suggests and enhances tags, one of each "strong". */
	i = hdr_string_index(b, &h, RPMTAG_SUGGESTNAME, "sug-ge");
	put_be32(hdr_int32(b, &h, RPMTAG_SUGGESTFLAGS, i),
	    be32(hdr_int32(b, &h, RPMTAG_SUGGESTFLAGS, i)) | (1u << 27));
	hdr_rename(b, &h, RPMTAG_SUGGESTNAME, RPMTAG_OLDSUGGESTSNAME);
	hdr_rename(b, &h, RPMTAG_SUGGESTVERSION, RPMTAG_OLDSUGGESTSVERSION);
	hdr_rename(b, &h, RPMTAG_SUGGESTFLAGS, RPMTAG_OLDSUGGESTSFLAGS);
	put_be32(hdr_int32(b, &h, RPMTAG_ENHANCEFLAGS, 0),
	    be32(hdr_int32(b, &h, RPMTAG_ENHANCEFLAGS, 0)) | (1u << 27));
	hdr_rename(b, &h, RPMTAG_ENHANCENAME, RPMTAG_OLDENHANCESNAME);
	hdr_rename(b, &h, RPMTAG_ENHANCEVERSION, RPMTAG_OLDENHANCESVERSION);
	hdr_rename(b, &h, RPMTAG_ENHANCEFLAGS, RPMTAG_OLDENHANCESFLAGS);
	/* Trailing spaces after a changelog author. */
	s = hdr_find_string(b, &h, RPMTAG_CHANGELOGNAME,
	    "Bob Builder <bob@example.com> - 10");
	assert_non_null(s);
	memset(s + strlen(s) - 4, ' ', 4);
	/* Neither SOURCERPM nor SOURCEPACKAGE: rpm's retrofit decides. */
	hdr_rename(b, &h, RPMTAG_SOURCERPM, 20000);
	path = jp_path_join(f->repo, "crafted/weird-1.noarch.rpm");
	tu_spew(path, b, len);
	free(path);
	free(b);

	/* Signature headers that need 7 and 0 bytes of padding. */
	path = jp_path_join(f->repo, "jptest-arch-0.9-1.i686.rpm");
	b = (unsigned char *)tu_slurp(path, &len);
	free(path);
	for (i = 3; i <= 4; i++) {
		unsigned char *c;
		size_t clen;
		char name[64];

		c = shrink_sig(b, len, i, &clen);
		snprintf(name, sizeof(name), "crafted/sigpad-%u.i686.rpm", i);
		path = jp_path_join(f->repo, name);
		tu_spew(path, c, clen);
		free(path);
		free(c);
	}
	free(b);
}

static int
group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *specdir, *script, *corpus, *repodata;
	const char *env;
	size_t i;
	int rc;

	if (!f)
		return -1;
	jp_ctx_init(&f->ctx, "rpmpkg_test");
	f->ctx.verbosity = JP_V_QUIET;
	strcpy(f->dir, "/tmp/jp-rpmpkg-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	env = getenv("JP_SRCDIR");
	f->srcdir = jp_xstrdup(env && *env ? env : JP_TEST_SRCDIR);
	f->repo = jp_path_join(f->dir, "repo");
	*state = f;
	if (jp_rpmpkg_global_init(&f->ctx) < 0)
		return -1;
	if (!tu_have("rpmbuild") || !tu_have("createrepo_c") ||
	    !tu_have("rpm")) {
		fprintf(stderr, "rpmpkg_test: rpmbuild, rpm or createrepo_c "
		    "missing: skipping\n");
		f->skip = 1;
		return 0;
	}

	specdir = jp_path_join(f->srcdir, "tests/rpmpkg");
	script = jp_path_join(specdir, "mkfixtures.sh");
	{
		char *argv[] = { "sh", script, specdir, f->repo, NULL };

		rc = run(argv, NULL);
	}
	if (rc == 77) {
		f->skip = 1;
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "rpmpkg_test: %s failed\n", script);
		return -1;
	}
	free(script);
	free(specdir);
	f->full = jp_path_join(f->repo,
	    "jptest-full-1.2~rc1^git5-4.jp.noarch.rpm");
	make_crafted(f);

	/* The shared corpus, when its script is there and works. */
	script = jp_path_join(f->srcdir, "tests/mkrpms.sh");
	corpus = jp_path_join(f->repo, "corpus");
	if (access(script, R_OK) == 0) {
		char *argv[] = { "sh", script, corpus, NULL };

		if (run(argv, NULL) != 0)
			fprintf(stderr, "rpmpkg_test: %s failed; going on "
			    "without its corpus\n", script);
	}
	free(script);
	free(corpus);

	scan_repo(f, f->repo, "");
	{
		char *argv[] = { "createrepo_c", "-q", "--simple-md-filenames",
			"--no-database", f->repo, NULL };

		if (run(argv, NULL) != 0) {
			fprintf(stderr, "rpmpkg_test: createrepo_c failed\n");
			return -1;
		}
	}
	repodata = jp_path_join(f->repo, "repodata");
	{
		char *argv[] = { "sh", "-c", "cd \"$0\" && gzip -d *.xml.gz",
			repodata, NULL };

		if (run(argv, NULL) != 0)
			return -1;
	}
	{
		struct crpkg *cr;
		size_t ncr;

		cr = cr_parse(repodata, &ncr);
		for (i = 0; i < ncr; i++) {
			size_t j;

			for (j = 0; j < f->npkgs; j++)
				if (!strcmp(f->pkgs[j].rel, cr[i].location))
					break;
			if (j == f->npkgs) {
				fprintf(stderr, "rpmpkg_test: createrepo_c lists "
				    "unknown '%s'\n", cr[i].location);
				return -1;
			}
			f->pkgs[j].expect = cr[i].text.p;
			free(cr[i].location);
		}
		free(cr);
	}
	free(repodata);
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	if (!f)
		return 0;
	jp_rm_rf(&f->ctx, f->dir);
	for (i = 0; i < f->npkgs; i++) {
		free(f->pkgs[i].rel);
		free(f->pkgs[i].path);
		free(f->pkgs[i].expect);
	}
	free(f->pkgs);
	free(f->repo);
	free(f->srcdir);
	free(f->full);
	free(f);
	return 0;
}

static struct fixpkg *
find_pkg(struct fixture *f, const char *rel)
{
	size_t i;

	for (i = 0; i < f->npkgs; i++)
		if (!strcmp(f->pkgs[i].rel, rel))
			return &f->pkgs[i];
	fail_msg("no fixture package '%s'", rel);
	return NULL;
}

static struct jp_pkg *
read_ok(struct fixture *f, const struct fixpkg *fp)
{
	struct jp_pkg *p = NULL;

	if (jp_rpmpkg_read(&f->ctx, fp->path, fp->rel, &p) < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_non_null(p);
	return p;
}

/* --- tests --- */

/* Every field, dependency, file and changelog as createrepo_c has them. */
static void
test_matches_createrepo(void **state)
{
	struct fixture *f = *state;
	size_t i;

	if (f->skip)
		skip();
	assert_true(f->npkgs >= 5);
	for (i = 0; i < f->npkgs; i++) {
		struct jp_pkg *p;
		char *got;

		assert_non_null(f->pkgs[i].expect);
		p = read_ok(f, &f->pkgs[i]);
		got = canon_pkg(p);
		if (strcmp(got, f->pkgs[i].expect)) {
			fprintf(stderr, "--- createrepo_c for %s:\n%s\n--- ours:\n%s\n",
			    f->pkgs[i].rel, f->pkgs[i].expect, got);
			fail_msg("record of '%s' differs from createrepo_c's",
			    f->pkgs[i].rel);
		}
		free(got);
		jp_pkg_free(p);
	}
	print_message("%zu packages agree with createrepo_c\n", f->npkgs);
}

/* The fixture really exercises the rules (guards against a vacuous pass). */
static void
test_fixture_covers_rules(void **state)
{
	struct fixture *f = *state;
	struct jp_pkg *p, *q;
	size_t i, libc = 0, pre = 0;
	int last_is_libc;

	if (f->skip)
		skip();
	p = read_ok(f, find_pkg(f, "jptest-full-1.2~rc1^git5-4.jp.noarch.rpm"));
	assert_string_equal(p->epoch, "3");
	assert_string_equal(p->version, "1.2~rc1^git5");
	assert_int_equal(p->is_source, 0);
	assert_int_equal(p->nchangelogs, 10);
	for (i = 0; i < p->ndeps[JP_DEP_REQUIRES]; i++) {
		const struct jp_dep *d = &p->deps[JP_DEP_REQUIRES][i];

		assert_true(strncmp(d->name, "rpmlib(", 7) != 0);
		assert_true(strcmp(d->name, "/etc/jptest.conf") != 0);
		libc += !strncmp(d->name, "libc.so.6", 9);
		pre += d->pre;
	}
	last_is_libc = !strcmp(p->deps[JP_DEP_REQUIRES]
	    [p->ndeps[JP_DEP_REQUIRES] - 1].name, "libc.so.6(GLIBC_2.17)(64bit)");
	assert_int_equal(libc, 1);
	assert_true(last_is_libc);
	assert_int_equal(pre, 2);
	for (i = 0; i < JP_DEP_NKINDS; i++)
		assert_true(p->ndeps[i] > 0);
	assert_true(p->file_size > 256 * 1024);
	jp_pkg_free(p);

	p = read_ok(f, find_pkg(f, "jptest-full-1.2~rc1^git5-4.jp.src.rpm"));
	assert_int_equal(p->is_source, 1);
	assert_string_equal(p->arch, "src");
	jp_pkg_free(p);

	p = read_ok(f, find_pkg(f, "jptest-arch-0.9-1.i686.rpm"));
	assert_string_equal(p->arch, "i686");
	assert_string_equal(p->epoch, "0");
	assert_null(p->vendor);
	q = read_ok(f, find_pkg(f, "crafted/sigpad-4.i686.rpm"));
	assert_int_equal(q->header_start + 8, p->header_start);
	assert_int_equal(q->header_end - q->header_start,
	    p->header_end - p->header_start);
	jp_pkg_free(q);
	jp_pkg_free(p);

	p = read_ok(f, find_pkg(f, "crafted/weird-1.noarch.rpm"));
	assert_string_equal(p->sourcerpm, "(none)");
	for (i = 0, pre = 0; i < p->ndeps[JP_DEP_REQUIRES]; i++)
		pre += !strcmp(p->deps[JP_DEP_REQUIRES][i].name, "dupdep");
	assert_int_equal(pre, 1);
	assert_true(p->ndeps[JP_DEP_RECOMMENDS] >= 3);
	jp_pkg_free(p);
}

/* Split "a\001b\001..." in place; returns the field count. */
static size_t
split_fields(char *s, char **v, size_t max)
{
	size_t n = 0;

	while (n < max) {
		v[n++] = s;
		s = strchr(s, '\001');
		if (!s)
			break;
		*s++ = '\0';
	}
	return n;
}

static void
assert_field(const char *what, const char *rel, const char *rpm,
    const char *ours)
{
	if (!strcmp(rpm, "(none)") && !ours)
		return;
	if (!ours || strcmp(rpm, ours))
		fail_msg("%s of '%s': rpm says '%s', we say '%s'", what, rel,
		    rpm, ours ? ours : "(null)");
}

/* Fields and raw lists against `rpm -qp --qf`. */
static void
test_matches_rpm_query(void **state)
{
	static const char qf[] = "%{NAME}\001%{EPOCHNUM}\001%{VERSION}\001"
	    "%{RELEASE}\001%{ARCH}\001%{SUMMARY}\001%{DESCRIPTION}\001"
	    "%{PACKAGER}\001%{URL}\001%{LICENSE}\001%{VENDOR}\001%{GROUP}\001"
	    "%{BUILDHOST}\001%{SOURCERPM}\001%{BUILDTIME}\001%{LONGSIZE}\001"
	    "%{LONGARCHIVESIZE}\001%{SOURCEPACKAGE}";
	struct fixture *f = *state;
	size_t i, j;

	if (f->skip)
		skip();
	for (i = 0; i < f->npkgs; i++) {
		struct fixpkg *fp = &f->pkgs[i];
		char *argv[] = { "rpm", "-qp", "--nodigest", "--nosignature",
			"--qf", (char *)qf, fp->path, NULL };
		char *fargv[] = { "rpm", "-qp", "--nodigest", "--nosignature",
			"--qf", "[%{FILENAMES}\001%{FILEMODES}\001%{FILEFLAGS}\n]",
			fp->path, NULL };
		char *pargv[] = { "rpm", "-qp", "--nodigest", "--nosignature",
			"--qf", "[%{PROVIDENAME}\001%{PROVIDEFLAGS}\001"
			"%{PROVIDEVERSION}\n]", fp->path, NULL };
		char *out, *v[20], *line, *next, buf[64];
		struct jp_pkg *p;

		/* rpm's retrofit of the crafted package differs by design. */
		p = read_ok(f, fp);
		assert_int_equal(run(argv, &out), 0);
		assert_int_equal(split_fields(out, v, 20), 18);
		assert_field("name", fp->rel, v[0], p->name);
		assert_field("epoch", fp->rel, v[1], p->epoch);
		assert_field("version", fp->rel, v[2], p->version);
		assert_field("release", fp->rel, v[3], p->release);
		assert_int_equal(p->is_source, !strcmp(v[17], "1"));
		if (!p->is_source)
			assert_field("arch", fp->rel, v[4], p->arch);
		assert_field("summary", fp->rel, v[5], p->summary);
		assert_field("description", fp->rel, v[6], p->description);
		assert_field("packager", fp->rel, v[7], p->packager);
		assert_field("url", fp->rel, v[8], p->url);
		assert_field("license", fp->rel, v[9], p->license);
		assert_field("vendor", fp->rel, v[10], p->vendor);
		assert_field("group", fp->rel, v[11], p->group);
		assert_field("buildhost", fp->rel, v[12], p->buildhost);
		if (strcmp(fp->rel, "crafted/weird-1.noarch.rpm"))
			assert_field("sourcerpm", fp->rel, v[13], p->sourcerpm);
		snprintf(buf, sizeof(buf), "%lld", (long long)p->time_build);
		assert_field("buildtime", fp->rel, v[14], buf);
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)p->size_installed);
		assert_field("size", fp->rel, v[15], buf);
		snprintf(buf, sizeof(buf), "%llu",
		    (unsigned long long)p->size_archive);
		assert_field("archivesize", fp->rel, v[16], buf);
		free(out);

		/* Files: every path, with directories and ghosts marked. */
		assert_int_equal(run(fargv, &out), 0);
		j = 0;
		for (line = out; *line; line = next) {
			char *fv[3];
			int type;

			next = strchr(line, '\n');
			assert_non_null(next);
			*next++ = '\0';
			if (!strcmp(line, "(contains no files)"))
				continue;
			assert_int_equal(split_fields(line, fv, 3), 3);
			type = S_ISDIR(strtoul(fv[1], NULL, 10)) ? JP_FILE_DIR :
			    (strtoul(fv[2], NULL, 10) & 64) ? JP_FILE_GHOST :
			    JP_FILE_REG;
			assert_true(j < p->nfiles);
			assert_string_equal(p->files[j].path, fv[0]);
			assert_int_equal(p->files[j].type, type);
			j++;
		}
		assert_int_equal(j, p->nfiles);
		free(out);

		/* Provides are not filtered: all of them, in order. */
		assert_int_equal(run(pargv, &out), 0);
		j = 0;
		for (line = out; *line; line = next) {
			char *dv[3];
			const struct jp_dep *d;

			next = strchr(line, '\n');
			assert_non_null(next);
			*next++ = '\0';
			assert_int_equal(split_fields(line, dv, 3), 3);
			assert_true(j < p->ndeps[JP_DEP_PROVIDES]);
			d = &p->deps[JP_DEP_PROVIDES][j++];
			assert_string_equal(d->name, dv[0]);
			if (dv[2][0]) {
				char evr[512];

				snprintf(evr, sizeof(evr), "%s%s%s%s%s",
				    strchr(dv[2], ':') ? d->epoch : "",
				    strchr(dv[2], ':') ? ":" : "",
				    nz(d->version), d->release ? "-" : "",
				    nz(d->release));
				assert_string_equal(evr, dv[2]);
				assert_int_not_equal(d->flag, JP_DEP_ANY);
			} else {
				assert_int_equal(d->flag, JP_DEP_ANY);
				assert_null(d->version);
			}
		}
		assert_int_equal(j, p->ndeps[JP_DEP_PROVIDES]);
		free(out);
		jp_pkg_free(p);
	}
}

/* sha256, size and mtime against sha256sum and stat. */
static void
test_digest_size_mtime(void **state)
{
	struct fixture *f = *state;
	size_t i;

	if (f->skip)
		skip();
	for (i = 0; i < f->npkgs; i++) {
		char *argv[] = { "sha256sum", f->pkgs[i].path, NULL };
		struct jp_pkg *p = read_ok(f, &f->pkgs[i]);
		struct stat st;
		char *out;

		assert_int_equal(run(argv, &out), 0);
		assert_true(strlen(out) > 64);
		out[64] = '\0';
		assert_string_equal(p->sha256, out);
		assert_int_equal(stat(f->pkgs[i].path, &st), 0);
		assert_int_equal(p->file_size, (uint64_t)st.st_size);
		assert_int_equal(p->time_file, (int64_t)st.st_mtime);
		assert_string_equal(p->location, f->pkgs[i].rel);
		free(out);
		jp_pkg_free(p);
	}
}

/* Expect failure with the relative path and `problem` in the message. */
static void
expect_fail(struct fixture *f, const char *path, const char *rel,
    const char *problem)
{
	struct jp_pkg *p = (struct jp_pkg *)1;
	char quoted[512];
	int rc;

	jp_error_clear(&f->ctx);
	rc = jp_rpmpkg_read(&f->ctx, path, rel, &p);
	if (rc >= 0)
		fail_msg("reading %s (%s) succeeded", rel, problem);
	assert_null(p);
	snprintf(quoted, sizeof(quoted), "'%s'", rel);
	if (!strstr(jp_error_msg(&f->ctx), quoted) ||
	    !strstr(jp_error_msg(&f->ctx), problem))
		fail_msg("message '%s' lacks %s or '%s'", jp_error_msg(&f->ctx),
		    quoted, problem);
}

static char *
write_variant(struct fixture *f, const char *name, const void *b,
    size_t len)
{
	char *path = jp_path_join(f->dir, name);

	tu_spew(path, b, len);
	return path;
}

/* Broken and hostile files fail cleanly, naming the file and the problem. */
static void
test_errors(void **state)
{
	struct fixture *f = *state;
	unsigned char *b, *c, rnd[4096];
	struct hdrloc h;
	size_t len, i;
	uint32_t x = 12345;
	char *path;
	struct {
		size_t cut;
		const char *problem;
	} cuts[8];

	if (f->skip)
		skip();
	b = (unsigned char *)tu_slurp(f->full, &len);
	hdr_locate(b, len, &h);

	path = write_variant(f, "empty.rpm", "", 0);
	expect_fail(f, path, "sub/empty.rpm", "not an RPM package (empty file)");
	free(path);

	for (i = 0; i < sizeof(rnd); i++) {
		x = x * 1103515245u + 12345u;
		rnd[i] = (unsigned char)(x >> 16);
	}
	path = write_variant(f, "random.rpm", rnd, sizeof(rnd));
	expect_fail(f, path, "sub/random.rpm", "not an RPM package (bad lead magic)");
	free(path);

	/* A Debian package under an .rpm name. */
	{
		char *deb = jp_path_join(f->dir, "debpkg");
		char *ctl = jp_path_join(f->dir, "debpkg/DEBIAN");
		char *out = jp_path_join(f->dir, "deb.rpm");
		char *argv[] = { "dpkg-deb", "--root-owner-group", "--build",
			deb, out, NULL };
		static const char control[] = "Package: x\nVersion: 1\n"
		    "Architecture: all\nMaintainer: T <t@example.com>\n"
		    "Description: x\n";

		assert_int_equal(jp_mkdir_p(&f->ctx, ctl), 0);
		free(ctl);
		ctl = jp_path_join(f->dir, "debpkg/DEBIAN/control");
		tu_spew(ctl, control, strlen(control));
		if (!tu_have("dpkg-deb") || run(argv, NULL) != 0)
			tu_spew(out, "!<arch>\ndebian-binary   ", 24);
		expect_fail(f, out, "pool/x_1_all.rpm",
		    "not an RPM package (bad lead magic)");
		free(deb);
		free(ctl);
		free(out);
	}

	/* Cut off at every stage of the file. */
	cuts[0].cut = 50;
	cuts[0].problem = "truncated (file ends inside the lead)";
	cuts[1].cut = 100;
	cuts[1].problem = "truncated (file ends inside the signature header)";
	cuts[2].cut = 500;
	cuts[2].problem = "truncated (file ends inside the signature header)";
	cuts[3].cut = h.start - 2;
	cuts[3].problem = "truncated (file ends inside the signature header)";
	cuts[4].cut = h.start + 10;
	cuts[4].problem = "truncated (file ends inside the header)";
	cuts[5].cut = h.start + 1000;
	cuts[5].problem = "truncated (file ends inside the header)";
	cuts[6].cut = h.end;
	cuts[6].problem = "truncated (";
	cuts[7].cut = len - 1;
	cuts[7].problem = "truncated (";
	for (i = 0; i < 8; i++) {
		char name[64], rel[64];

		snprintf(name, sizeof(name), "cut%zu.rpm", cuts[i].cut);
		snprintf(rel, sizeof(rel), "dir/cut-%zu.rpm", cuts[i].cut);
		path = write_variant(f, name, b, cuts[i].cut);
		expect_fail(f, path, rel, cuts[i].problem);
		free(path);
	}

	c = malloc(len);
	assert_non_null(c);

	/* Corrupt lead and header intros. */
	memcpy(c, b, len);
	c[79] = 1;
	path = write_variant(f, "sigtype.rpm", c, len);
	expect_fail(f, path, "sigtype.rpm", "illegal signature type");
	free(path);

	memcpy(c, b, len);
	c[97] ^= 0xff;
	path = write_variant(f, "sigmagic.rpm", c, len);
	expect_fail(f, path, "sigmagic.rpm",
	    "corrupt signature header (bad header magic)");
	free(path);

	memcpy(c, b, len);
	c[h.start] ^= 0xff;
	path = write_variant(f, "hdrmagic.rpm", c, len);
	expect_fail(f, path, "hdrmagic.rpm", "corrupt header (bad header magic)");
	free(path);

	memcpy(c, b, len);
	put_be32(c + h.start + 8, 0x10000);
	path = write_variant(f, "hdrtags.rpm", c, len);
	expect_fail(f, path, "hdrtags.rpm", "corrupt header (65536 tags");
	free(path);

	/* A header that claims more data than the file has. */
	memcpy(c, b, len);
	put_be32(c + h.start + 12, 0x0ffffff0);
	path = write_variant(f, "hdrdata.rpm", c, len);
	expect_fail(f, path, "hdrdata.rpm", "truncated (file ends inside the header)");
	free(path);

	/* An index entry pointing outside the data: librpm refuses it. */
	memcpy(c, b, len);
	put_be32(c + h.index + 16 + 8, h.dl + 100);
	path = write_variant(f, "hdrindex.rpm", c, len);
	expect_fail(f, path, "hdrindex.rpm", "corrupt header (bad index or data)");
	free(path);

	/* A file whose directory index is out of range. */
	memcpy(c, b, len);
	put_be32(hdr_int32(c, &h, RPMTAG_DIRINDEXES, 0), 100000);
	path = write_variant(f, "dirindex.rpm", c, len);
	expect_fail(f, path, "dirindex.rpm", "directory index out of range");
	free(path);

	/* Not there, a directory, a FIFO (must not hang). */
	path = jp_path_join(f->dir, "missing.rpm");
	expect_fail(f, path, "missing.rpm", "No such file");
	free(path);
	expect_fail(f, f->dir, "adir.rpm", "not a regular file");
	path = jp_path_join(f->dir, "fifo.rpm");
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_fail(f, path, "fifo.rpm", "not a regular file");
	free(path);

	free(c);
	free(b);
}

/* --- concurrency --- */

struct worker {
	struct fixture *f;
	unsigned char **blobs;
	size_t *lens;
	int failures;
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct jp_ctx ctx;
	size_t i;
	int round;

	jp_ctx_init(&ctx, "rpmpkg_test");
	for (round = 0; round < 3; round++)
		for (i = 0; i < w->f->npkgs; i++) {
			struct jp_pkg *p = NULL;
			unsigned char *blob;
			size_t len;

			if (jp_rpmpkg_read(&ctx, w->f->pkgs[i].path,
			    w->f->pkgs[i].rel, &p) < 0) {
				w->failures++;
				continue;
			}
			jp_pkg_serialize(p, &blob, &len);
			if (len != w->lens[i] || memcmp(blob, w->blobs[i], len))
				w->failures++;
			free(blob);
			jp_pkg_free(p);
		}
	return NULL;
}

/* Worker threads reading the same files at once get identical records. */
static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct worker w[4];
	pthread_t t[4];
	unsigned char **blobs;
	size_t *lens, i;

	if (f->skip)
		skip();
	blobs = calloc(f->npkgs, sizeof(*blobs));
	lens = calloc(f->npkgs, sizeof(*lens));
	assert_non_null(blobs);
	assert_non_null(lens);
	for (i = 0; i < f->npkgs; i++) {
		struct jp_pkg *p = read_ok(f, &f->pkgs[i]);

		jp_pkg_serialize(p, &blobs[i], &lens[i]);
		jp_pkg_free(p);
	}
	for (i = 0; i < 4; i++) {
		w[i].f = f;
		w[i].blobs = blobs;
		w[i].lens = lens;
		w[i].failures = 0;
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	for (i = 0; i < f->npkgs; i++)
		free(blobs[i]);
	free(blobs);
	free(lens);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_createrepo),
		cmocka_unit_test(test_fixture_covers_rules),
		cmocka_unit_test(test_matches_rpm_query),
		cmocka_unit_test(test_digest_size_mtime),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests_name("rpmpkg", tests, group_setup,
	    group_teardown);
}
