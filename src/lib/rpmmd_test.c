/*
 * rpmmd_test.c: tests of the RPM-MD metadata writer.
 *
 * Oracles: xmllint (well-formedness), gzip/xz/zstd (the files decompress),
 * sha256sum and stat (repomd.xml's checksums and sizes), libxml2's parser
 * (every value put into a record comes back out), createrepo_c 0.17 (the
 * XML of real packages is byte for byte what it writes) and dnf (reads
 * the same packages, dependencies, files and changelogs from our
 * repository as from createrepo_c's).
 *
 * Records of real packages are built here from `rpm -qp --qf` output,
 * following createrepo_c's src/parsehdr.c, independently of rpmpkg.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <rpm/rpmds.h>
#include <rpm/rpmfiles.h>

#include "ctx.h"
#include "digest.h"
#include "fsutil.h"
#include "pkg.h"
#include "rpmmd.h"
#include "rpmpkg.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* helpers                                                             */

struct fixture {
	struct jp_ctx ctx;
	char tmp[64];
};

static int
setup(void **state)
{
	struct fixture *fx = jp_xcalloc(1, sizeof(*fx));

	jp_ctx_init(&fx->ctx, "rpmmd_test");
	assert_int_equal(tu_tmpdir(fx->tmp, sizeof(fx->tmp), "rpmmd"), 0);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	tu_tmpdir_remove(&fx->ctx, fx->tmp);
	free(fx);
	return 0;
}

/* Single-quote s for sh. */
static char *
shq(const char *s)
{
	size_t n = 3, i;
	char *out, *o;

	for (i = 0; s[i]; i++)
		n += s[i] == '\'' ? 4 : 1;
	o = out = jp_xmalloc(n);
	*o++ = '\'';
	for (i = 0; s[i]; i++) {
		if (s[i] == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = s[i];
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

/* sha256 of a file by sha256sum(1). */
static void
sha256sum(const char *path, char out[65])
{
	char *q = shq(path);
	char *o = tu_capture(NULL, "sha256sum < %s", q);

	assert_true(strlen(o) >= 64);
	memcpy(out, o, 64);
	out[64] = '\0';
	free(o);
	free(q);
}

static const char *
decompressor(int compress)
{
	switch (compress) {
	case JP_COMPRESS_GZ: return "gzip -dc";
	case JP_COMPRESS_XZ: return "xz -dc";
	case JP_COMPRESS_ZSTD: return "zstd -dcq";
	}
	return "cat";
}

static const char *const ns[][2] = {
	{ "c", "http://linux.duke.edu/metadata/common" },
	{ "rpm", "http://linux.duke.edu/metadata/rpm" },
	{ "f", "http://linux.duke.edu/metadata/filelists" },
	{ "o", "http://linux.duke.edu/metadata/other" },
	{ "r", "http://linux.duke.edu/metadata/repo" },
};

struct xdoc {
	xmlDocPtr doc;
	xmlXPathContextPtr xp;
};

static void
xdoc_open(struct xdoc *x, const char *path)
{
	size_t i;

	x->doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	if (!x->doc)
		fail_msg("libxml2 cannot parse '%s'", path);
	x->xp = xmlXPathNewContext(x->doc);
	assert_non_null(x->xp);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		xmlXPathRegisterNs(x->xp, BAD_CAST ns[i][0], BAD_CAST ns[i][1]);
}

static void
xdoc_close(struct xdoc *x)
{
	xmlXPathFreeContext(x->xp);
	xmlFreeDoc(x->doc);
}

/* The string value of an XPath expression (malloc'd). */
static char *
xs(struct xdoc *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *
xs(struct xdoc *x, const char *fmt, ...)
{
	va_list ap;
	char *expr, *full, *s;
	xmlXPathObjectPtr o;

	va_start(ap, fmt);
	if (vasprintf(&expr, fmt, ap) < 0)
		abort();
	va_end(ap);
	full = jp_xasprintf("string(%s)", expr);
	o = xmlXPathEvalExpression(BAD_CAST full, x->xp);
	if (!o)
		fail_msg("bad xpath %s", expr);
	s = jp_xstrdup((const char *)o->stringval);
	xmlXPathFreeObject(o);
	free(full);
	free(expr);
	return s;
}

static long
xn(struct xdoc *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long
xn(struct xdoc *x, const char *fmt, ...)
{
	va_list ap;
	char *expr, *full;
	xmlXPathObjectPtr o;
	long n;

	va_start(ap, fmt);
	if (vasprintf(&expr, fmt, ap) < 0)
		abort();
	va_end(ap);
	full = jp_xasprintf("count(%s)", expr);
	o = xmlXPathEvalExpression(BAD_CAST full, x->xp);
	if (!o)
		fail_msg("bad xpath %s", expr);
	n = (long)o->floatval;
	xmlXPathFreeObject(o);
	free(full);
	free(expr);
	return n;
}

#define assert_xs(x, want, ...) do { \
	char *got_ = xs((x), __VA_ARGS__); \
	assert_string_equal(got_, (want)); \
	free(got_); \
} while (0)

/* ------------------------------------------------------------------ */
/* checking a written repodata directory                               */

struct mdinfo {
	char type[32];
	char path[PATH_MAX];      /* the file */
	char xml[PATH_MAX];       /* its decompressed copy */
};

struct mdset {
	struct mdinfo d[8];
	int n;
};

static const struct mdinfo *
md_find(const struct mdset *s, const char *type)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->d[i].type, type))
			return &s->d[i];
	fail_msg("no '%s' in repomd.xml", type);
	return NULL;
}

/*
 * Check dir (a repodata directory) against the oracles: repomd.xml and
 * every file are well-formed, every checksum and size in repomd.xml is
 * what sha256sum and stat say, the names are "<sha256>-<type>.xml<suffix>",
 * the revision and time stamps are `revision`, and nothing else is in the
 * directory.  The decompressed files are written into xmldir.
 */
static void
check_repodata(const char *dir, const char *xmldir, int compress,
    int64_t revision, struct mdset *set)
{
	static const char *const order[] = { "primary", "filelists",
		"other", "updateinfo" };
	char *repomd = jp_path_join(dir, "repomd.xml");
	char *q = shq(repomd), *s;
	struct xdoc x;
	long ndata, i, nfiles;
	char *ls;

	assert_int_equal(tu_run("xmllint --noout %s", q), 0);
	xdoc_open(&x, repomd);
	ndata = xn(&x, "/r:repomd/r:data");
	assert_true(ndata == 3 || ndata == 4);
	s = xs(&x, "/r:repomd/r:revision");
	assert_int_equal(strtoll(s, NULL, 10), revision);
	free(s);
	memset(set, 0, sizeof(*set));
	for (i = 1; i <= ndata; i++) {
		struct mdinfo *m = &set->d[set->n++];
		char sum[65], *href, *want, *fq, *xq;
		struct stat st;

		s = xs(&x, "/r:repomd/r:data[%ld]/@type", i);
		assert_string_equal(s, order[i - 1]);
		snprintf(m->type, sizeof(m->type), "%s", s);
		free(s);
		href = xs(&x, "/r:repomd/r:data[%ld]/r:location/@href", i);
		assert_memory_equal(href, "repodata/", 9);
		snprintf(m->path, sizeof(m->path), "%s/%s", dir, href + 9);
		snprintf(m->xml, sizeof(m->xml), "%s/%s.xml", xmldir,
		    order[i - 1]);
		assert_int_equal(stat(m->path, &st), 0);

		/* checksum and size of the file as stored */
		assert_xs(&x, "sha256", "/r:repomd/r:data[%ld]/r:checksum/@type", i);
		sha256sum(m->path, sum);
		assert_xs(&x, sum, "/r:repomd/r:data[%ld]/r:checksum", i);
		want = jp_xasprintf("repodata/%s-%s.xml%s", sum, m->type,
		    jp_compress_suffix(compress));
		assert_string_equal(href, want);
		free(want);
		s = xs(&x, "/r:repomd/r:data[%ld]/r:size", i);
		assert_int_equal(strtoull(s, NULL, 10), st.st_size);
		free(s);
		s = xs(&x, "/r:repomd/r:data[%ld]/r:timestamp", i);
		assert_int_equal(strtoll(s, NULL, 10), revision);
		free(s);

		/* decompress with the real tool; checksum and size of that */
		fq = shq(m->path);
		xq = shq(m->xml);
		assert_int_equal(tu_run("%s < %s > %s", decompressor(compress), fq,
		    xq), 0);
		if (compress == JP_COMPRESS_GZ)
			assert_int_equal(tu_run("gzip -t %s", fq), 0);
		assert_int_equal(stat(m->xml, &st), 0);
		sha256sum(m->xml, sum);
		assert_xs(&x, "sha256",
		    "/r:repomd/r:data[%ld]/r:open-checksum/@type", i);
		assert_xs(&x, sum, "/r:repomd/r:data[%ld]/r:open-checksum", i);
		s = xs(&x, "/r:repomd/r:data[%ld]/r:open-size", i);
		assert_int_equal(strtoull(s, NULL, 10), st.st_size);
		free(s);
		assert_int_equal(tu_run("xmllint --noout %s", xq), 0);
		free(fq);
		free(xq);
		free(href);
	}
	xdoc_close(&x);

	/* nothing but the files announced (no temporary files left) */
	free(q);
	q = shq(dir);
	ls = tu_capture(NULL, "ls -A %s | wc -l", q);
	nfiles = strtol(ls, NULL, 10);
	assert_int_equal(nfiles, ndata + 1);
	free(ls);
	free(q);
	free(repomd);
}

/* ------------------------------------------------------------------ */
/* unit tests                                                          */

static void
test_compress_names(void **state)
{
	(void)state;
	assert_int_equal(jp_compress_parse("gz"), JP_COMPRESS_GZ);
	assert_int_equal(jp_compress_parse("xz"), JP_COMPRESS_XZ);
	assert_int_equal(jp_compress_parse("zstd"), JP_COMPRESS_ZSTD);
	assert_int_equal(jp_compress_parse("bz2"), -1);
	assert_int_equal(jp_compress_parse(""), -1);
	assert_int_equal(jp_compress_parse(NULL), -1);
	assert_string_equal(jp_compress_suffix(JP_COMPRESS_GZ), ".gz");
	assert_string_equal(jp_compress_suffix(JP_COMPRESS_XZ), ".xz");
	assert_string_equal(jp_compress_suffix(JP_COMPRESS_ZSTD), ".zst");
	assert_string_equal(jp_compress_suffix(JP_COMPRESS_NONE), "");
}

static void
test_primary_file(void **state)
{
	(void)state;
	assert_true(jp_rpmmd_primary_file("/etc/passwd"));
	assert_true(jp_rpmmd_primary_file("/etc/x/y"));
	assert_true(jp_rpmmd_primary_file("/usr/bin/ls"));
	assert_true(jp_rpmmd_primary_file("/usr/sbin/sshd"));
	assert_true(jp_rpmmd_primary_file("/opt/foo/sbin/x"));
	assert_true(jp_rpmmd_primary_file("/usr/lib/sendmail"));
	assert_true(jp_rpmmd_primary_file("/bin/"));
	assert_false(jp_rpmmd_primary_file("/etc"));
	assert_false(jp_rpmmd_primary_file("/usr/lib/sendmail.d"));
	assert_false(jp_rpmmd_primary_file("/usr/share/doc/x"));
	assert_false(jp_rpmmd_primary_file("/usr/binx"));
	assert_false(jp_rpmmd_primary_file("/myetc/x"));
}

/* ------------------------------------------------------------------ */
/* hand-made records with hostile content                              */

static struct jp_dep *
add_dep(struct jp_pkg *p, int kind, const char *name, int flag,
    const char *e, const char *v, const char *r, int pre)
{
	struct jp_dep *d = jp_pkg_add_dep(p, kind);

	d->name = name ? jp_xstrdup(name) : NULL;
	d->flag = flag;
	d->epoch = e ? jp_xstrdup(e) : NULL;
	d->version = v ? jp_xstrdup(v) : NULL;
	d->release = r ? jp_xstrdup(r) : NULL;
	d->pre = pre;
	return d;
}

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_C "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/*
 * Input strings with what must come out of a conforming XML parser:
 * markup characters round-trip, C0 controls (except TAB, LF, CR) and
 * U+FFFE are dropped, a string that is not UTF-8 is read as ISO-8859-1
 * with 0x80-0xBF dropped (createrepo_c's rule).
 */
#define IN_SUMMARY "Sum <&> \"q\" 'a' ]]> \x01\x1b[0m\x7f end"
#define OUT_SUMMARY "Sum <&> \"q\" 'a' ]]> [0m\x7f end"
#define IN_DESC "Line1 <tag> & \"quotes\"\n\tTab\r\nCR " \
	"\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac " \
	"\xf0\x9f\x98\x80 \xef\xbf\xbe\x0b\x0c\x1f."
#define OUT_DESC "Line1 <tag> & \"quotes\"\n\tTab\r\nCR " \
	"\xc3\xbcn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac " \
	"\xf0\x9f\x98\x80 ."
/* cp1252/latin1 mixed with a valid sequence: the whole string is latin1 */
#define IN_LATIN "caf\xe9 \x85 \xc3\xa9 <x>"
#define OUT_LATIN "caf\xc3\xa9  \xc3\x83 <x>"
/* overlong, surrogate, truncated: not UTF-8 */
#define IN_BROKEN "a\xc0\xaf b\xed\xa0\x80 c\xe6\x97"
#define OUT_BROKEN "a\xc3\x80 b\xc3\xad c\xc3\xa6"
#define IN_AUTHOR "J\xc3\xb6rg \xc3\x9c <j@x> \"nick\"\t\n\r&"
#define IN_CLTEXT "- fix <bug> & \"thing\"\n- ]]> \x02 done\r"
#define OUT_CLTEXT "- fix <bug> & \"thing\"\n- ]]>  done\r"

static struct jp_pkg *
nasty_pkg(void)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_RPM);

	p->name = jp_xstrdup("nasty");
	p->arch = jp_xstrdup("x86_64");
	p->epoch = jp_xstrdup("12");
	p->version = jp_xstrdup("1.0~rc1^g");
	p->release = jp_xstrdup("3.el9");
	p->location = jp_xstrdup("sub dir/nasty&<1>\"\xc3\xa9.rpm");
	p->file_size = 123456789012ULL;
	memcpy(p->sha256, SHA_A, 65);
	p->summary = jp_xstrdup(IN_SUMMARY);
	p->description = jp_xstrdup(IN_DESC);
	p->packager = NULL;
	p->url = jp_xstrdup("https://example.com/?a=1&b=<2>");
	p->license = jp_xstrdup("GPL-2.0-or-later & MIT");
	p->vendor = jp_xstrdup("");
	p->group = jp_xstrdup(IN_LATIN);
	p->buildhost = jp_xstrdup(IN_BROKEN);
	p->sourcerpm = jp_xstrdup("nasty-1.0-3.el9.src.rpm");
	p->time_file = 1700000001;
	p->time_build = -5;
	p->size_installed = 18446744073709551615ULL;
	p->size_archive = 0;
	p->header_start = 4504;
	p->header_end = 9999;

	add_dep(p, JP_DEP_PROVIDES, "nasty", JP_DEP_EQ, "12", "1.0~rc1^g",
	    "3.el9", 0);
	add_dep(p, JP_DEP_PROVIDES, "pr\xc3\xb6v(<&>\")", JP_DEP_ANY, NULL,
	    NULL, NULL, 0);
	add_dep(p, JP_DEP_PROVIDES, "", JP_DEP_EQ, "1", "2", "3", 0);
	add_dep(p, JP_DEP_REQUIRES, "/bin/sh", JP_DEP_ANY, NULL, NULL, NULL, 1);
	add_dep(p, JP_DEP_REQUIRES, "bar", JP_DEP_LE, "2", "3", "1", 0);
	add_dep(p, JP_DEP_REQUIRES, "bash", JP_DEP_GE, NULL, "4.0", NULL, 0);
	add_dep(p, JP_DEP_REQUIRES, "baz", JP_DEP_GT, "0", "1", NULL, 1);
	add_dep(p, JP_DEP_REQUIRES, "foo", JP_DEP_LT, NULL, "2", "", 0);
	add_dep(p, JP_DEP_REQUIRES, "(a if b)", JP_DEP_ANY, NULL, NULL, NULL, 0);
	add_dep(p, JP_DEP_CONFLICTS, "evil", JP_DEP_EQ, NULL, "1.0", NULL, 0);
	/* pre is a requires-only attribute */
	add_dep(p, JP_DEP_OBSOLETES, "old", JP_DEP_LT, "1", "1.0", "1", 1);
	/* a list whose only entry has no name: an empty element */
	add_dep(p, JP_DEP_SUGGESTS, NULL, JP_DEP_ANY, NULL, NULL, NULL, 0);
	add_dep(p, JP_DEP_ENHANCES, "enh", JP_DEP_GE, NULL, "1", NULL, 0);
	add_dep(p, JP_DEP_RECOMMENDS, "rec", JP_DEP_ANY, NULL, NULL, NULL, 0);
	add_dep(p, JP_DEP_SUPPLEMENTS, "(supp and x)", JP_DEP_ANY, NULL, NULL,
	    NULL, 0);

	jp_pkg_add_file(p, "/etc/nasty.d", JP_FILE_DIR);
	jp_pkg_add_file(p, "/etc/nasty.d/a&b<c>.conf", JP_FILE_REG);
	jp_pkg_add_file(p, "/opt/caf\xe9", JP_FILE_REG);
	jp_pkg_add_file(p, "/opt/x/sbin/tool", JP_FILE_REG);
	jp_pkg_add_file(p, "/usr/bin/nasty", JP_FILE_REG);
	jp_pkg_add_file(p, "/usr/lib/sendmail", JP_FILE_REG);
	jp_pkg_add_file(p, "/usr/lib/sendmail.d", JP_FILE_DIR);
	jp_pkg_add_file(p, "/usr/share/nasty/\xe6\x97\xa5 \"q\" \r", JP_FILE_REG);
	jp_pkg_add_file(p, "/var/log/nasty.log", JP_FILE_GHOST);
	jp_pkg_add_file(p, "/etc/ghost.conf", JP_FILE_GHOST);

	jp_pkg_add_changelog(p, "Ann <ann@example.com> - 0.1-1", 1600000000,
	    "- initial");
	jp_pkg_add_changelog(p, IN_AUTHOR, 1700000000, IN_CLTEXT);
	jp_pkg_add_changelog(p, "", 0, "");
	return p;
}

static struct jp_pkg *
minimal_pkg(void)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_RPM);

	p->name = jp_xstrdup("min");
	p->arch = jp_xstrdup("noarch");
	p->epoch = jp_xstrdup("0");
	p->version = jp_xstrdup("0");
	p->release = jp_xstrdup("0");
	p->location = jp_xstrdup("min-0-0.noarch.rpm");
	memcpy(p->sha256, SHA_B, 65);
	return p;
}

static struct jp_pkg *
latin_pkg(void)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_RPM);

	p->name = jp_xstrdup("latin");
	p->arch = jp_xstrdup("i686");
	p->epoch = NULL;        /* written as "0" */
	p->version = jp_xstrdup("2");
	p->release = jp_xstrdup("1");
	p->location = jp_xstrdup("latin-2-1.i686.rpm");
	memcpy(p->sha256, SHA_C, 65);
	p->summary = jp_xstrdup(IN_LATIN);
	p->description = jp_xstrdup(IN_BROKEN);
	p->packager = jp_xstrdup("P\xe4" "ckager <p@x>");
	jp_pkg_add_changelog(p, "\xc9lodie <e@x>", 5, IN_LATIN);
	return p;
}

/* What one dependency entry must look like. */
static void
check_entry(struct xdoc *x, const char *list, int i, const char *name,
    const char *flags, const char *e, const char *v, const char *r,
    const char *pre)
{
	char *base = jp_xasprintf("/c:metadata/c:package[c:name='nasty']"
	    "/c:format/rpm:%s/rpm:entry[%d]", list, i);

	assert_xs(x, name, "%s/@name", base);
	assert_int_equal(xn(x, "%s/@flags", base), flags != NULL);
	assert_int_equal(xn(x, "%s/@epoch", base), e != NULL);
	assert_int_equal(xn(x, "%s/@ver", base), v != NULL);
	assert_int_equal(xn(x, "%s/@rel", base), r != NULL);
	assert_int_equal(xn(x, "%s/@pre", base), pre != NULL);
	if (flags)
		assert_xs(x, flags, "%s/@flags", base);
	if (e)
		assert_xs(x, e, "%s/@epoch", base);
	if (v)
		assert_xs(x, v, "%s/@ver", base);
	if (r)
		assert_xs(x, r, "%s/@rel", base);
	if (pre)
		assert_xs(x, pre, "%s/@pre", base);
	free(base);
}

static void
check_nasty_primary(const char *path)
{
	struct xdoc x;
	const char *P = "/c:metadata/c:package[c:name='nasty']";
	const char *F = "/c:metadata/c:package[c:name='nasty']/c:format";
	const char *M = "/c:metadata/c:package[c:name='min']";

	xdoc_open(&x, path);
	assert_xs(&x, "3", "/c:metadata/@packages");
	assert_int_equal(xn(&x, "/c:metadata/c:package"), 3);
	/* in the order given */
	assert_xs(&x, "nasty", "/c:metadata/c:package[1]/c:name");
	assert_xs(&x, "min", "/c:metadata/c:package[2]/c:name");
	assert_xs(&x, "latin", "/c:metadata/c:package[3]/c:name");

	assert_xs(&x, "rpm", "%s/@type", P);
	assert_xs(&x, "x86_64", "%s/c:arch", P);
	assert_xs(&x, "12", "%s/c:version/@epoch", P);
	assert_xs(&x, "1.0~rc1^g", "%s/c:version/@ver", P);
	assert_xs(&x, "3.el9", "%s/c:version/@rel", P);
	assert_xs(&x, SHA_A, "%s/c:checksum", P);
	assert_xs(&x, "sha256", "%s/c:checksum/@type", P);
	assert_xs(&x, "YES", "%s/c:checksum/@pkgid", P);
	assert_xs(&x, OUT_SUMMARY, "%s/c:summary", P);
	assert_xs(&x, OUT_DESC, "%s/c:description", P);
	assert_int_equal(xn(&x, "%s/c:packager", P), 1);
	assert_xs(&x, "", "%s/c:packager", P);
	assert_xs(&x, "https://example.com/?a=1&b=<2>", "%s/c:url", P);
	assert_xs(&x, "1700000001", "%s/c:time/@file", P);
	assert_xs(&x, "-5", "%s/c:time/@build", P);
	assert_xs(&x, "123456789012", "%s/c:size/@package", P);
	assert_xs(&x, "18446744073709551615", "%s/c:size/@installed", P);
	assert_xs(&x, "0", "%s/c:size/@archive", P);
	assert_xs(&x, "sub dir/nasty&<1>\"\xc3\xa9.rpm", "%s/c:location/@href", P);
	assert_xs(&x, "GPL-2.0-or-later & MIT", "%s/rpm:license", F);
	assert_int_equal(xn(&x, "%s/rpm:vendor", F), 1);
	assert_xs(&x, "", "%s/rpm:vendor", F);
	assert_xs(&x, OUT_LATIN, "%s/rpm:group", F);
	assert_xs(&x, OUT_BROKEN, "%s/rpm:buildhost", F);
	assert_xs(&x, "nasty-1.0-3.el9.src.rpm", "%s/rpm:sourcerpm", F);
	assert_xs(&x, "4504", "%s/rpm:header-range/@start", F);
	assert_xs(&x, "9999", "%s/rpm:header-range/@end", F);

	/* dependency lists, in createrepo_c's order */
	assert_int_equal(xn(&x, "%s/*", F), 6 + 8 + 6);
	assert_xs(&x, "provides", "local-name(%s/*[7])", F);
	assert_xs(&x, "requires", "local-name(%s/*[8])", F);
	assert_xs(&x, "conflicts", "local-name(%s/*[9])", F);
	assert_xs(&x, "obsoletes", "local-name(%s/*[10])", F);
	assert_xs(&x, "suggests", "local-name(%s/*[11])", F);
	assert_xs(&x, "enhances", "local-name(%s/*[12])", F);
	assert_xs(&x, "recommends", "local-name(%s/*[13])", F);
	assert_xs(&x, "supplements", "local-name(%s/*[14])", F);
	assert_int_equal(xn(&x, "%s/rpm:provides/rpm:entry", F), 2);
	check_entry(&x, "provides", 1, "nasty", "EQ", "12", "1.0~rc1^g",
	    "3.el9", NULL);
	check_entry(&x, "provides", 2, "pr\xc3\xb6v(<&>\")", NULL, NULL, NULL,
	    NULL, NULL);
	assert_int_equal(xn(&x, "%s/rpm:requires/rpm:entry", F), 6);
	check_entry(&x, "requires", 1, "/bin/sh", NULL, NULL, NULL, NULL, "1");
	check_entry(&x, "requires", 2, "bar", "LE", "2", "3", "1", NULL);
	check_entry(&x, "requires", 3, "bash", "GE", "0", "4.0", NULL, NULL);
	check_entry(&x, "requires", 4, "baz", "GT", "0", "1", NULL, "1");
	check_entry(&x, "requires", 5, "foo", "LT", "0", "2", NULL, NULL);
	check_entry(&x, "requires", 6, "(a if b)", NULL, NULL, NULL, NULL, NULL);
	check_entry(&x, "conflicts", 1, "evil", "EQ", "0", "1.0", NULL, NULL);
	check_entry(&x, "obsoletes", 1, "old", "LT", "1", "1.0", "1", NULL);
	assert_int_equal(xn(&x, "%s/rpm:suggests", F), 1);
	assert_int_equal(xn(&x, "%s/rpm:suggests/node()", F), 0);
	check_entry(&x, "enhances", 1, "enh", "GE", "0", "1", NULL, NULL);
	check_entry(&x, "recommends", 1, "rec", NULL, NULL, NULL, NULL, NULL);
	check_entry(&x, "supplements", 1, "(supp and x)", NULL, NULL, NULL,
	    NULL, NULL);

	/* primary's files: /etc/, bin/, /usr/lib/sendmail; in record order */
	assert_int_equal(xn(&x, "%s/c:file", F), 6);
	assert_xs(&x, "/etc/nasty.d", "%s/c:file[1]", F);
	assert_xs(&x, "dir", "%s/c:file[1]/@type", F);
	assert_xs(&x, "/etc/nasty.d/a&b<c>.conf", "%s/c:file[2]", F);
	assert_int_equal(xn(&x, "%s/c:file[2]/@type", F), 0);
	assert_xs(&x, "/opt/x/sbin/tool", "%s/c:file[3]", F);
	assert_xs(&x, "/usr/bin/nasty", "%s/c:file[4]", F);
	assert_xs(&x, "/usr/lib/sendmail", "%s/c:file[5]", F);
	assert_xs(&x, "/etc/ghost.conf", "%s/c:file[6]", F);
	assert_xs(&x, "ghost", "%s/c:file[6]/@type", F);

	/* a record with nothing optional: empty elements, no lists */
	assert_xs(&x, "", "%s/c:summary", M);
	assert_int_equal(xn(&x, "%s/c:summary", M), 1);
	assert_int_equal(xn(&x, "%s/c:description", M), 1);
	assert_int_equal(xn(&x, "%s/c:url", M), 1);
	assert_int_equal(xn(&x, "%s/c:format/rpm:sourcerpm", M), 1);
	assert_int_equal(xn(&x, "%s/c:format/*", M), 6);
	assert_xs(&x, "0", "%s/c:time/@build", M);

	/* latin1 record; missing epoch is 0 */
	assert_xs(&x, "0", "/c:metadata/c:package[3]/c:version/@epoch");
	assert_xs(&x, OUT_LATIN, "/c:metadata/c:package[3]/c:summary");
	assert_xs(&x, OUT_BROKEN, "/c:metadata/c:package[3]/c:description");
	assert_xs(&x, "P\xc3\xa4" "ckager <p@x>",
	    "/c:metadata/c:package[3]/c:packager");
	xdoc_close(&x);
}

static void
check_nasty_filelists(const char *path)
{
	struct xdoc x;
	const char *P = "/f:filelists/f:package[1]";

	xdoc_open(&x, path);
	assert_xs(&x, "3", "/f:filelists/@packages");
	assert_int_equal(xn(&x, "/f:filelists/f:package"), 3);
	assert_xs(&x, SHA_A, "%s/@pkgid", P);
	assert_xs(&x, "nasty", "%s/@name", P);
	assert_xs(&x, "x86_64", "%s/@arch", P);
	assert_xs(&x, "12", "%s/f:version/@epoch", P);
	assert_xs(&x, "1.0~rc1^g", "%s/f:version/@ver", P);
	assert_xs(&x, "3.el9", "%s/f:version/@rel", P);
	assert_int_equal(xn(&x, "%s/f:file", P), 10);
	assert_xs(&x, "/etc/nasty.d", "%s/f:file[1]", P);
	assert_xs(&x, "dir", "%s/f:file[1]/@type", P);
	assert_xs(&x, "/opt/caf\xc3\xa9", "%s/f:file[3]", P);
	assert_xs(&x, "dir", "%s/f:file[7]/@type", P);
	assert_xs(&x, "/usr/share/nasty/\xe6\x97\xa5 \"q\" \r", "%s/f:file[8]", P);
	assert_int_equal(xn(&x, "%s/f:file[8]/@type", P), 0);
	assert_xs(&x, "ghost", "%s/f:file[9]/@type", P);
	assert_int_equal(xn(&x, "%s/f:file[@type]", P), 4);
	assert_int_equal(xn(&x, "/f:filelists/f:package[2]/f:file"), 0);
	assert_int_equal(xn(&x, "/f:filelists/f:package[2]/f:version"), 1);
	xdoc_close(&x);
}

static void
check_nasty_other(const char *path)
{
	struct xdoc x;
	const char *P = "/o:otherdata/o:package[1]";

	xdoc_open(&x, path);
	assert_xs(&x, "3", "/o:otherdata/@packages");
	assert_xs(&x, SHA_A, "%s/@pkgid", P);
	assert_int_equal(xn(&x, "%s/o:changelog", P), 3);
	assert_xs(&x, "Ann <ann@example.com> - 0.1-1", "%s/o:changelog[1]/@author", P);
	assert_xs(&x, "1600000000", "%s/o:changelog[1]/@date", P);
	assert_xs(&x, "- initial", "%s/o:changelog[1]", P);
	/* TAB, LF, CR in an attribute survive (escaped) */
	assert_xs(&x, IN_AUTHOR, "%s/o:changelog[2]/@author", P);
	assert_xs(&x, OUT_CLTEXT, "%s/o:changelog[2]", P);
	assert_xs(&x, "", "%s/o:changelog[3]/@author", P);
	assert_xs(&x, "0", "%s/o:changelog[3]/@date", P);
	assert_xs(&x, "", "%s/o:changelog[3]", P);
	assert_int_equal(xn(&x, "/o:otherdata/o:package[2]/o:changelog"), 0);
	assert_xs(&x, "\xc3\x89lodie <e@x>",
	    "/o:otherdata/o:package[3]/o:changelog/@author");
	assert_xs(&x, OUT_LATIN, "/o:otherdata/o:package[3]/o:changelog");
	xdoc_close(&x);
}

#define UPDATEINFO \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<updates>\n" \
	"  <update from=\"t@example.com\" status=\"final\" type=\"security\" version=\"1\">\n" \
	"    <id>TEST-2024:0001</id>\n    <title>t</title>\n" \
	"    <issued date=\"2024-01-01 00:00:00\"/>\n" \
	"    <severity>Important</severity>\n" \
	"    <description>d &amp; e</description>\n" \
	"    <pkglist><collection short=\"c\"><name>c</name>\n" \
	"      <package name=\"nasty\" epoch=\"12\" version=\"1.0~rc1^g\" release=\"3.el9\" arch=\"x86_64\" src=\"\">" \
	"<filename>nasty.rpm</filename></package>\n" \
	"    </collection></pkglist>\n  </update>\n</updates>\n"

static void
write_nasty(struct fixture *fx, const char *dir, int compress, int nthreads,
    int updateinfo)
{
	struct jp_pkg *pkgs[3] = { nasty_pkg(), minimal_pkg(), latin_pkg() };
	struct jp_rpmmd_opts o;
	int i, rc;

	memset(&o, 0, sizeof(o));
	o.compress = compress;
	o.revision = 1712345678;
	o.nthreads = nthreads;
	if (updateinfo) {
		o.updateinfo = UPDATEINFO;
		o.updateinfo_len = strlen(UPDATEINFO);
	}
	assert_int_equal(jp_mkdir_p(&fx->ctx, dir), 0);
	rc = jp_rpmmd_write(&fx->ctx, dir, pkgs, 3, &o);
	if (rc < 0)
		fail_msg("%s", jp_error_msg(&fx->ctx));
	for (i = 0; i < 3; i++)
		jp_pkg_free(pkgs[i]);
}

static void
nasty_with(void **state, int compress)
{
	struct fixture *fx = *state;
	char *dir = jp_xasprintf("%s/repo/repodata", fx->tmp);
	struct mdset set;
	size_t len;
	char *ui;

	write_nasty(fx, dir, compress, 3, 1);
	check_repodata(dir, fx->tmp, compress, 1712345678, &set);
	assert_int_equal(set.n, 4);
	check_nasty_primary(md_find(&set, "primary")->xml);
	check_nasty_filelists(md_find(&set, "filelists")->xml);
	check_nasty_other(md_find(&set, "other")->xml);
	ui = tu_slurp(md_find(&set, "updateinfo")->xml, &len);
	assert_int_equal(len, strlen(UPDATEINFO));
	assert_memory_equal(ui, UPDATEINFO, len);
	free(ui);
	free(dir);
}

static void test_nasty_gz(void **state) { nasty_with(state, JP_COMPRESS_GZ); }
static void test_nasty_xz(void **state) { nasty_with(state, JP_COMPRESS_XZ); }
static void test_nasty_zstd(void **state) { nasty_with(state, JP_COMPRESS_ZSTD); }
static void test_nasty_none(void **state) { nasty_with(state, JP_COMPRESS_NONE); }

/* dnf reads the hostile records: names, EVRs, deps, files, changelogs. */
static void
test_nasty_dnf(void **state)
{
	struct fixture *fx = *state;
	char *repo = jp_xasprintf("%s/repo", fx->tmp);
	char *dir = jp_xasprintf("%s/repodata", repo);
	char *base, *out;

	if (!tu_have("dnf"))
		skip();
	write_nasty(fx, dir, JP_COMPRESS_GZ, 1, 1);
	base = jp_xasprintf("dnf -q --setopt=reposdir=/dev/null "
	    "--setopt=cachedir='%s/dnfcache' --releasever=1 "
	    "--repofrompath=r,'file://%s' --repo=r", fx->tmp, repo);
	out = tu_capture(NULL, "%s repoquery --qf '%%{name} %%{epoch} "
	    "%%{version} %%{release} %%{arch}' 2>&1", base);
	assert_string_equal(out, "latin 0 2 1 i686\n"
	    "min 0 0 0 noarch\n"
	    "nasty 12 1.0~rc1^g 3.el9 x86_64\n");
	free(out);
	out = tu_capture(NULL, "%s repoquery --requires nasty 2>&1", base);
	assert_string_equal(out, "(a if b)\n/bin/sh\nbar <= 2:3-1\n"
	    "bash >= 4.0\nbaz > 1\nfoo < 2\n");
	free(out);
	out = tu_capture(NULL, "%s repoquery --provides nasty 2>&1", base);
	assert_string_equal(out, "nasty = 12:1.0~rc1^g-3.el9\n"
	    "pr\xc3\xb6v(<&>\")\n");
	free(out);
	out = tu_capture(NULL, "%s repoquery --qf '%%{obsoletes}\n%%{conflicts}\n"
	    "%%{enhances}\n%%{recommends}\n%%{supplements}\n%%{suggests}' "
	    "nasty 2>&1", base);
	assert_non_null(strstr(out, "old < 1:1.0-1\n"));
	assert_non_null(strstr(out, "evil = 1.0\n"));
	assert_non_null(strstr(out, "enh >= 1\n"));
	assert_non_null(strstr(out, "rec\n"));
	assert_non_null(strstr(out, "(supp and x)\n"));
	free(out);
	out = tu_capture(NULL, "%s repoquery -l nasty 2>&1", base);
	assert_non_null(strstr(out, "/etc/nasty.d/a&b<c>.conf\n"));
	assert_non_null(strstr(out, "/opt/caf\xc3\xa9\n"));
	assert_non_null(strstr(out, "/var/log/nasty.log\n"));
	free(out);
	out = tu_capture(NULL, "%s repoquery --location nasty 2>&1", base);
	assert_non_null(strstr(out, "/sub dir/nasty&<1>\"\xc3\xa9.rpm\n"));
	free(out);
	/* updateinfo: the advisory names the package */
	out = tu_capture(NULL, "%s repoquery --advisory TEST-2024:0001 2>&1", base);
	assert_string_equal(out, "nasty-12:1.0~rc1^g-3.el9.x86_64\n");
	free(out);
	free(base);
	free(dir);
	free(repo);
}

/* Same input, same bytes: twice, and with one thread or three. */
static void
test_deterministic(void **state)
{
	struct fixture *fx = *state;
	int c;

	for (c = JP_COMPRESS_GZ; c <= JP_COMPRESS_NONE; c++) {
		char *a = jp_xasprintf("%s/a%d", fx->tmp, c);
		char *b = jp_xasprintf("%s/b%d", fx->tmp, c);
		char *qa = shq(a), *qb = shq(b);

		write_nasty(fx, a, c, 1, 1);
		write_nasty(fx, b, c, 3, 1);
		assert_int_equal(tu_run("diff -r %s %s", qa, qb), 0);
		free(qa);
		free(qb);
		free(a);
		free(b);
	}
}

/* An empty repository is what createrepo_c writes for an empty dir. */
static void
test_empty_like_createrepo(void **state)
{
	struct fixture *fx = *state;
	char *cr = jp_xasprintf("%s/cr", fx->tmp);
	char *ours = jp_xasprintf("%s/ours/repodata", fx->tmp);
	char *q = shq(cr), *qo = shq(ours);
	struct jp_rpmmd_opts o = { .compress = JP_COMPRESS_GZ, .revision = 1,
		.nthreads = 1 };
	struct mdset set;
	const char *types[] = { "primary", "filelists", "other" };
	int i;

	if (!tu_have("createrepo_c"))
		skip();
	assert_int_equal(jp_mkdir_p(&fx->ctx, cr), 0);
	assert_int_equal(tu_run("createrepo_c -q --no-database %s", q), 0);
	assert_int_equal(jp_mkdir_p(&fx->ctx, ours), 0);
	assert_int_equal(jp_rpmmd_write(&fx->ctx, ours, NULL, 0, &o), 0);
	check_repodata(ours, fx->tmp, JP_COMPRESS_GZ, 1, &set);
	for (i = 0; i < 3; i++)
		assert_int_equal(tu_run("zcat %s/repodata/*-%s.xml.gz | cmp -s - %s",
		    q, types[i], md_find(&set, types[i])->xml), 0);
	free(q);
	free(qo);
	free(cr);
	free(ours);
}

/* Failures: a missing directory, a leftover temporary file. */
static void
test_errors(void **state)
{
	struct fixture *fx = *state;
	struct jp_pkg *p = minimal_pkg();
	struct jp_rpmmd_opts o = { .compress = JP_COMPRESS_GZ, .nthreads = 3 };
	char *missing = jp_xasprintf("%s/missing", fx->tmp);
	char *dir = jp_xasprintf("%s/busy", fx->tmp);
	char *q = shq(dir);
	char *ls;

	assert_true(jp_rpmmd_write(&fx->ctx, missing, &p, 1, &o) < 0);
	assert_non_null(strstr(jp_error_msg(&fx->ctx), "cannot create '"));
	assert_non_null(strstr(jp_error_msg(&fx->ctx), "/missing/"));

	/* a stale temporary file of filelists: nothing must be left behind */
	assert_int_equal(jp_mkdir_p(&fx->ctx, dir), 0);
	assert_int_equal(tu_run("touch %s/.filelists.xml.gz.tmp", q), 0);
	jp_error_clear(&fx->ctx);
	assert_true(jp_rpmmd_write(&fx->ctx, dir, &p, 1, &o) < 0);
	assert_non_null(strstr(jp_error_msg(&fx->ctx), ".filelists.xml.gz.tmp"));
	ls = tu_capture(NULL, "ls -A %s", q);
	assert_string_equal(ls, ".filelists.xml.gz.tmp\n");
	free(ls);

	o.compress = 42;
	assert_true(jp_rpmmd_write(&fx->ctx, dir, &p, 1, &o) < 0);
	assert_non_null(strstr(jp_error_msg(&fx->ctx), "unknown compression"));
	jp_pkg_free(p);
	free(q);
	free(dir);
	free(missing);
}

/* ------------------------------------------------------------------ */
/* streaming: many blocks, threads, errors                             */

/*
 * Synthetic records for a stream of many blocks: BIG_N packages of
 * BIG_FILES files each, and one (BIG_HUGE_AT) with BIG_HUGE files whose
 * filelists chunk alone spans several blocks.  File names carry
 * pseudo-random hex so that the XML does not compress to nothing.  About
 * 16 MB of filelists, 4 MB of primary, 1 MB of other.
 */
#define BIG_N 1500
#define BIG_FILES 200
#define BIG_HUGE_AT 700
#define BIG_HUGE 40000

static uint32_t
big_rand(uint32_t *st)
{
	/* xorshift32 (Marsaglia) */
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/*
 * Record i of the big set.  When fl is given, what createrepo_c's
 * filelists.xml holds for it (its cr_xml_dump_filelists: the package
 * element with pkgid, name and arch, the version line, then one file line
 * per file with type="dir" or type="ghost") is appended to it.
 */
static struct jp_pkg *
big_pkg(size_t i, FILE *fl)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_RPM);
	uint32_t st = (uint32_t)i * 2654435761u + 1;
	size_t nfiles = i == BIG_HUGE_AT ? BIG_HUGE : BIG_FILES, k;
	char buf[256];

	snprintf(buf, sizeof(buf), "big%05zu", i);
	p->name = jp_xstrdup(buf);
	p->arch = jp_xstrdup(i % 4 ? "x86_64" : "noarch");
	p->epoch = jp_xstrdup(i % 7 ? "0" : "3");
	snprintf(buf, sizeof(buf), "1.%zu.%u", i % 13, big_rand(&st) % 1000);
	p->version = jp_xstrdup(buf);
	p->release = jp_xstrdup("1.el9");
	snprintf(buf, sizeof(buf), "Packages/%c/big%05zu.rpm",
	    'a' + (int)(i % 26), i);
	p->location = jp_xstrdup(buf);
	snprintf(p->sha256, sizeof(p->sha256), "%08x%08x%08x%08x%08x%08x%08x%08x",
	    big_rand(&st), big_rand(&st), big_rand(&st), big_rand(&st),
	    big_rand(&st), big_rand(&st), big_rand(&st), big_rand(&st));
	snprintf(buf, sizeof(buf), "Package %zu <of %d> & friends", i, BIG_N);
	p->summary = jp_xstrdup(buf);
	snprintf(buf, sizeof(buf), "Long text %08x %08x\n\tsecond line %u",
	    big_rand(&st), big_rand(&st), big_rand(&st));
	p->description = jp_xstrdup(buf);
	p->license = jp_xstrdup("MIT");
	p->time_file = 1700000000 + (int64_t)i;
	p->time_build = 1690000000 + (int64_t)i;
	p->file_size = 1000 + i;
	add_dep(p, JP_DEP_PROVIDES, p->name, JP_DEP_EQ, p->epoch, p->version,
	    p->release, 0);
	for (k = 0; k < 8; k++) {
		snprintf(buf, sizeof(buf), "lib%08x.so.%zu()(64bit)",
		    big_rand(&st), k);
		add_dep(p, JP_DEP_REQUIRES, buf, JP_DEP_ANY, NULL, NULL, NULL,
		    k == 0);
	}

	if (fl)
		fprintf(fl, "<package pkgid=\"%s\" name=\"%s\" arch=\"%s\">\n"
		    "  <version epoch=\"%s\" ver=\"%s\" rel=\"%s\"/>\n",
		    p->sha256, p->name, p->arch, p->epoch, p->version,
		    p->release);
	snprintf(buf, sizeof(buf), "/usr/share/big%05zu", i);
	jp_pkg_add_file(p, buf, JP_FILE_DIR);
	if (fl)
		fprintf(fl, "  <file type=\"dir\">%s</file>\n", buf);
	for (k = 0; k < nfiles; k++) {
		if (k % 40 == 0)
			snprintf(buf, sizeof(buf), "/usr/bin/big%05zu-%zu", i, k);
		else
			snprintf(buf, sizeof(buf), "/usr/share/big%05zu/d%02zu/"
			    "f%08x.dat", i, k % 17, big_rand(&st));
		jp_pkg_add_file(p, buf, JP_FILE_REG);
		if (fl)
			fprintf(fl, "  <file>%s</file>\n", buf);
	}
	snprintf(buf, sizeof(buf), "/var/log/big%05zu.log", i);
	jp_pkg_add_file(p, buf, JP_FILE_GHOST);
	if (fl)
		fprintf(fl, "  <file type=\"ghost\">%s</file>\n</package>\n", buf);

	for (k = 0; k < 3; k++) {
		snprintf(buf, sizeof(buf), "- change %u\n- and %u <x> & y",
		    big_rand(&st), big_rand(&st));
		jp_pkg_add_changelog(p, "Dev <dev@example.com> - 1.0-1",
		    1600000000 + (int64_t)(i * 10 + k), buf);
	}
	return p;
}

/* A large updateinfo.xml (several blocks), malloc'd. */
static char *
big_updateinfo(size_t *lenp)
{
	struct jp_md_text { char *p; size_t len, cap; } t = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < 4000; i++) {
		char buf[512];
		int n = snprintf(buf, sizeof(buf), "%s  <update from=\"t@example."
		    "com\" status=\"final\" type=\"bugfix\" version=\"1\">\n"
		    "    <id>BIG-2024:%05zu</id>\n    <title>fix %zu</title>\n"
		    "    <issued date=\"2024-01-01 00:00:00\"/>\n    <pkglist>"
		    "<collection short=\"c\"><name>c</name>\n      <package "
		    "name=\"big%05zu\" epoch=\"0\" version=\"1\" release=\"1\" "
		    "arch=\"x86_64\"><filename>big.rpm</filename></package>\n"
		    "    </collection></pkglist>\n  </update>\n",
		    i == 0 ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<updates>\n" : "", i, i, i % BIG_N);

		assert_true(n > 0 && (size_t)n < sizeof(buf));
		if (t.cap - t.len < (size_t)n + 16) {
			t.cap = t.cap ? 2 * t.cap : 65536;
			t.p = jp_xrealloc(t.p, t.cap);
		}
		memcpy(t.p + t.len, buf, (size_t)n);
		t.len += (size_t)n;
	}
	memcpy(t.p + t.len, "</updates>\n", 11);
	t.len += 11;
	*lenp = t.len;
	return t.p;
}

/*
 * Write the big set into dir with the streaming writer, one record at a
 * time, each freed at once.  With fl, the expected filelists.xml goes
 * there.
 */
static void
write_big(struct fixture *fx, const char *dir, int compress, int nthreads,
    const char *ui, size_t ui_len, size_t n, FILE *fl)
{
	struct jp_rpmmd_opts o = { .compress = compress, .revision = 1712345678,
		.nthreads = nthreads, .updateinfo = ui, .updateinfo_len = ui_len };
	struct jp_rpmmd_writer *w;
	size_t i;

	assert_int_equal(jp_mkdir_p(&fx->ctx, dir), 0);
	if (jp_rpmmd_writer_new(&fx->ctx, dir, n, &o, &w) < 0)
		fail_msg("%s", jp_error_msg(&fx->ctx));
	if (fl)
		fprintf(fl, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\""
		    " packages=\"%zu\">\n", n);
	for (i = 0; i < n; i++) {
		struct jp_pkg *p = big_pkg(i, fl);

		if (jp_rpmmd_writer_add(w, p) < 0)
			fail_msg("%s", jp_error_msg(&fx->ctx));
		jp_pkg_free(p);
	}
	if (fl)
		fputs("</filelists>", fl);
	if (jp_rpmmd_writer_finish(w) < 0)
		fail_msg("%s", jp_error_msg(&fx->ctx));
	jp_rpmmd_writer_free(w);
}

/*
 * A stream of many blocks: gzip, gzip -t, python's gzip and sha256sum
 * agree with repomd.xml; the XML is what createrepo_c's format says; the
 * bytes are the same with 1, 2 and 5 threads; dnf and zypper read it.
 */
static void
test_big_gz(void **state)
{
	struct fixture *fx = *state;
	char *d1 = jp_xasprintf("%s/r1/repodata", fx->tmp);
	char *d2 = jp_xasprintf("%s/r2/repodata", fx->tmp);
	char *d5 = jp_xasprintf("%s/r5/repodata", fx->tmp);
	char *want = jp_xasprintf("%s/want-filelists.xml", fx->tmp);
	char *q1 = shq(d1), *q2 = shq(d2), *q5 = shq(d5), *qw = shq(want);
	const char *types[] = { "primary", "filelists", "other", "updateinfo" };
	struct mdset set;
	struct stat st;
	size_t ui_len;
	char *ui = big_updateinfo(&ui_len), *got;
	FILE *fl;
	int i;

	fl = fopen(want, "w");
	assert_non_null(fl);
	write_big(fx, d1, JP_COMPRESS_GZ, 1, ui, ui_len, BIG_N, fl);
	assert_int_equal(fclose(fl), 0);
	write_big(fx, d2, JP_COMPRESS_GZ, 2, ui, ui_len, BIG_N, NULL);
	write_big(fx, d5, JP_COMPRESS_GZ, 5, ui, ui_len, BIG_N, NULL);
	assert_int_equal(tu_run("diff -r %s %s", q1, q2), 0);
	assert_int_equal(tu_run("diff -r %s %s", q1, q5), 0);

	/* gzip -dc, gzip -t, sha256sum, sizes, xmllint */
	check_repodata(d2, fx->tmp, JP_COMPRESS_GZ, 1712345678, &set);
	assert_int_equal(set.n, 4);
	assert_int_equal(stat(md_find(&set, "filelists")->xml, &st), 0);
	assert_true(st.st_size > 16 * 1024 * 1024);
	assert_int_equal(tu_run("cmp %s %s", qw, md_find(&set, "filelists")->xml), 0);
	got = tu_slurp(md_find(&set, "updateinfo")->xml, NULL);
	assert_int_equal(strlen(got), ui_len);
	assert_memory_equal(got, ui, ui_len);
	free(got);

	/* python's gzip module (zlib) reads what gzip read */
	if (tu_have("python3")) {
		for (i = 0; i < 4; i++) {
			const struct mdinfo *m = md_find(&set, types[i]);
			char sum[65], *qp = shq(m->path), *o;

			sha256sum(m->xml, sum);
			o = tu_capture(NULL, "python3 -c 'import gzip, hashlib, sys; "
			    "print(hashlib.sha256(gzip.open(sys.argv[1]).read())"
			    ".hexdigest())' %s", qp);
			assert_true(strlen(o) >= 64);
			assert_memory_equal(o, sum, 64);
			free(o);
			free(qp);
		}
	}

	/* the packages in primary, in order */
	{
		struct xdoc x;

		xdoc_open(&x, md_find(&set, "primary")->xml);
		assert_int_equal(xn(&x, "/c:metadata/c:package"), BIG_N);
		assert_xs(&x, "big00000", "/c:metadata/c:package[1]/c:name");
		assert_xs(&x, "big01499", "/c:metadata/c:package[%d]/c:name",
		    BIG_N);
		assert_int_equal(xn(&x, "/c:metadata/c:package[c:name="
		    "'big00700']/c:format/c:file"), BIG_HUGE / 40);
		xdoc_close(&x);
	}

	/* dnf: every package, and files from the last block of filelists */
	if (tu_have("dnf")) {
		char *repo = jp_xasprintf("%s/r5", fx->tmp);
		char *base = jp_xasprintf("dnf -q --setopt=reposdir=/dev/null "
		    "--setopt=cachedir='%s/dnfcache' --releasever=1 "
		    "--repofrompath=r,'file://%s' --repo=r repoquery", fx->tmp,
		    repo);
		char *o = tu_capture(NULL, "%s --qf '%%{name}' 2>&1 | wc -l", base);
		long nd16;

		assert_int_equal(strtol(o, NULL, 10), BIG_N);
		free(o);
		o = tu_capture(NULL, "%s -l big01499 2>&1 | wc -l", base);
		assert_int_equal(strtol(o, NULL, 10), BIG_FILES + 2);
		free(o);
		o = tu_capture(NULL, "%s -l big00700 2>&1 | grep -c /d16/", base);
		for (i = 0, nd16 = 0; i < BIG_HUGE; i++)
			nd16 += i % 40 != 0 && i % 17 == 16;
		assert_int_equal(strtol(o, NULL, 10), nd16);
		free(o);
		free(base);
		free(repo);
	}

	/* zypper (libsolv's repo2solv) reads primary and updateinfo */
	if (tu_have("zypper") && geteuid() == 0) {
		char *root = jp_xasprintf("%s/zroot", fx->tmp);
		char *qr = shq(root), *o;

		assert_int_equal(tu_run("zypper -n --root %s ar -G 'file://%s/r5' "
		    "big >/dev/null 2>&1 && zypper -n --root %s refresh "
		    ">/dev/null 2>&1", qr, fx->tmp, qr), 0);
		o = tu_capture(NULL, "zypper -n --root %s search -s 'big0*' 2>&1 | "
		    "grep -c '| big[0-9]'", qr);
		assert_int_equal(strtol(o, NULL, 10), BIG_N);
		free(o);
		o = tu_capture(NULL, "zypper -n --root %s list-patches --all 2>&1 | "
		    "grep -c 'BIG-2024:'", qr);
		assert_int_equal(strtol(o, NULL, 10), 4000);
		free(o);
		free(qr);
		free(root);
	}

	free(ui);
	free(q1);
	free(q2);
	free(q5);
	free(qw);
	free(want);
	free(d1);
	free(d2);
	free(d5);
}

/*
 * xz and zstd keep one compressor per stream, fed in order by whichever
 * thread runs: the same bytes with 1 and 3 threads, the same XML as gzip.
 */
static void
test_big_xz_zstd(void **state)
{
	struct fixture *fx = *state;
	const char *types[] = { "primary", "filelists", "other" };
	int c, i;

	for (c = JP_COMPRESS_XZ; c <= JP_COMPRESS_ZSTD; c++) {
		char *g = jp_xasprintf("%s/g%d/repodata", fx->tmp, c);
		char *a = jp_xasprintf("%s/a%d/repodata", fx->tmp, c);
		char *b = jp_xasprintf("%s/b%d/repodata", fx->tmp, c);
		char *xg = jp_xasprintf("%s/xg%d", fx->tmp, c);
		char *xa = jp_xasprintf("%s/xa%d", fx->tmp, c);
		char *qa = shq(a), *qb = shq(b);
		struct mdset sg, sa;

		/* a third of the set: xz is slow */
		write_big(fx, g, JP_COMPRESS_GZ, 2, NULL, 0, BIG_N / 3, NULL);
		write_big(fx, a, c, 1, NULL, 0, BIG_N / 3, NULL);
		write_big(fx, b, c, 3, NULL, 0, BIG_N / 3, NULL);
		assert_int_equal(tu_run("diff -r %s %s", qa, qb), 0);
		assert_int_equal(jp_mkdir_p(&fx->ctx, xg), 0);
		assert_int_equal(jp_mkdir_p(&fx->ctx, xa), 0);
		check_repodata(g, xg, JP_COMPRESS_GZ, 1712345678, &sg);
		check_repodata(b, xa, c, 1712345678, &sa);
		for (i = 0; i < 3; i++)
			assert_int_equal(tu_run("cmp %s %s", md_find(&sg,
			    types[i])->xml, md_find(&sa, types[i])->xml), 0);
		free(qa);
		free(qb);
		free(xg);
		free(xa);
		free(g);
		free(a);
		free(b);
	}
}

/* Number of entries in a directory. */
static long
dir_entries(const char *dir)
{
	char *q = shq(dir), *o = tu_capture(NULL, "ls -A %s | wc -l", q);
	long n = strtol(o, NULL, 10);

	free(o);
	free(q);
	return n;
}

/*
 * Adding more or fewer records than announced is an error, and the
 * writer leaves nothing behind; it refuses any further call.
 */
static void
test_count_mismatch(void **state)
{
	struct fixture *fx = *state;
	struct jp_rpmmd_opts o = { .compress = JP_COMPRESS_GZ, .nthreads = 2 };
	char *dir = jp_xasprintf("%s/count", fx->tmp);
	struct jp_rpmmd_writer *w;
	struct jp_pkg *p = minimal_pkg();
	const char *msg;

	assert_int_equal(jp_mkdir_p(&fx->ctx, dir), 0);

	/* one too many */
	assert_int_equal(jp_rpmmd_writer_new(&fx->ctx, dir, 2, &o, &w), 0);
	assert_int_equal(dir_entries(dir), 3);
	assert_int_equal(jp_rpmmd_writer_add(w, p), 0);
	assert_int_equal(jp_rpmmd_writer_add(w, p), 0);
	assert_true(jp_rpmmd_writer_add(w, p) < 0);
	msg = jp_error_msg(&fx->ctx);
	assert_non_null(strstr(msg, "cannot add 'min' to the metadata in '"));
	assert_non_null(strstr(msg, "more packages than the 2 announced"));
	assert_int_equal(dir_entries(dir), 0);
	assert_true(jp_rpmmd_writer_add(w, p) < 0);
	assert_true(jp_rpmmd_writer_finish(w) < 0);
	assert_non_null(strstr(jp_error_msg(&fx->ctx), "has failed"));
	jp_rpmmd_writer_free(w);
	assert_int_equal(dir_entries(dir), 0);

	/* one too few */
	jp_error_clear(&fx->ctx);
	assert_int_equal(jp_rpmmd_writer_new(&fx->ctx, dir, 3, &o, &w), 0);
	assert_int_equal(jp_rpmmd_writer_add(w, p), 0);
	assert_int_equal(jp_rpmmd_writer_add(w, p), 0);
	assert_true(jp_rpmmd_writer_finish(w) < 0);
	assert_non_null(strstr(jp_error_msg(&fx->ctx),
	    "2 packages added, 3 announced"));
	assert_int_equal(dir_entries(dir), 0);
	jp_rpmmd_writer_free(w);

	/* none announced, none added: an empty repository */
	assert_int_equal(jp_rpmmd_writer_new(&fx->ctx, dir, 0, &o, &w), 0);
	assert_int_equal(jp_rpmmd_writer_finish(w), 0);
	assert_true(jp_rpmmd_writer_finish(w) < 0);
	assert_true(jp_rpmmd_writer_add(w, p) < 0);
	assert_non_null(strstr(jp_error_msg(&fx->ctx), "has finished"));
	jp_rpmmd_writer_free(w);
	assert_int_equal(dir_entries(dir), 4);

	jp_rpmmd_writer_free(NULL);
	jp_pkg_free(p);
	free(dir);
}

/*
 * A write that fails while records are added (the file size limit, so
 * write(2) really fails with EFBIG): the error names the file, the
 * writer stops, its files are gone, and freeing it is safe.  gzip is
 * written by the caller's thread, xz by the compressing threads.
 */
static void
test_write_error(void **state)
{
	struct fixture *fx = *state;
	struct sigaction sa, old_sa;
	struct rlimit rl, old_rl;
	int c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	assert_int_equal(sigaction(SIGXFSZ, &sa, &old_sa), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_rl), 0);
	for (c = JP_COMPRESS_GZ; c <= JP_COMPRESS_XZ; c++) {
		struct jp_rpmmd_opts o = { .compress = c, .nthreads = 2 };
		char *dir = jp_xasprintf("%s/full%d", fx->tmp, c);
		struct jp_rpmmd_writer *w;
		size_t i;
		int rc = 0;

		assert_int_equal(jp_mkdir_p(&fx->ctx, dir), 0);
		jp_error_clear(&fx->ctx);
		rl = old_rl;
		rl.rlim_cur = 64 * 1024;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
		assert_int_equal(jp_rpmmd_writer_new(&fx->ctx, dir, BIG_N, &o,
		    &w), 0);
		for (i = 0; i < BIG_N && rc == 0; i++) {
			struct jp_pkg *p = big_pkg(i, NULL);

			rc = jp_rpmmd_writer_add(w, p);
			jp_pkg_free(p);
		}
		if (rc == 0)
			rc = jp_rpmmd_writer_finish(w);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_rl), 0);
		assert_true(rc < 0);
		assert_non_null(strstr(jp_error_msg(&fx->ctx), "cannot "));
		assert_non_null(strstr(jp_error_msg(&fx->ctx), ".xml"));
		assert_non_null(strstr(jp_error_msg(&fx->ctx), "too large"));
		assert_int_equal(dir_entries(dir), 0);
		jp_rpmmd_writer_free(w);
		free(dir);
	}
	assert_int_equal(sigaction(SIGXFSZ, &old_sa, NULL), 0);
}

/*
 * A writer dropped before finish (the caller failed): its threads end,
 * its memory is freed (the sanitizer builds check), nothing is renamed,
 * and its temporary files stay for the caller to remove.
 */
static void
test_free_unfinished(void **state)
{
	struct fixture *fx = *state;
	struct jp_rpmmd_opts o = { .compress = JP_COMPRESS_GZ, .nthreads = 3 };
	char *dir = jp_xasprintf("%s/dropped", fx->tmp);
	char *q = shq(dir), *ls;
	struct jp_rpmmd_writer *w;
	size_t i;

	assert_int_equal(jp_mkdir_p(&fx->ctx, dir), 0);
	assert_int_equal(jp_rpmmd_writer_new(&fx->ctx, dir, BIG_N, &o, &w), 0);
	for (i = 0; i < 200; i++) {
		struct jp_pkg *p = big_pkg(i, NULL);

		assert_int_equal(jp_rpmmd_writer_add(w, p), 0);
		jp_pkg_free(p);
	}
	jp_rpmmd_writer_free(w);
	ls = tu_capture(NULL, "ls -A %s", q);
	assert_string_equal(ls, ".filelists.xml.gz.tmp\n"
	    ".other.xml.gz.tmp\n.primary.xml.gz.tmp\n");
	free(ls);
	free(q);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* real packages: records from rpm -qp, compared with createrepo_c     */

/* Split s at the first byte sep (replaced by NUL); the rest or NULL. */
static char *
cut(char *s, char sep)
{
	char *p = strchr(s, sep);

	if (!p)
		return NULL;
	*p = '\0';
	return p + 1;
}

/* The byte range of the main header, as createrepo_c computes it. */
static void
header_range(const char *path, uint64_t *start, uint64_t *end)
{
	unsigned char b[16];
	uint32_t il, dl, sigsize;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	/* lead (96 bytes), then the signature header's intro */
	assert_int_equal(pread(fd, b, 16, 96), 16);
	il = (uint32_t)b[8] << 24 | b[9] << 16 | b[10] << 8 | b[11];
	dl = (uint32_t)b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15];
	sigsize = 16 * il + dl;
	*start = 96 + 16 + sigsize + (sigsize % 8 ? 8 - sigsize % 8 : 0);
	assert_int_equal(pread(fd, b, 16, (off_t)*start), 16);
	il = (uint32_t)b[8] << 24 | b[9] << 16 | b[10] << 8 | b[11];
	dl = (uint32_t)b[12] << 24 | b[13] << 16 | b[14] << 8 | b[15];
	*end = *start + 16 + 16 * il + dl;
	close(fd);
}

static const char *
flag_str(unsigned long fl)
{
	switch (fl & 0xf) {
	case 2: return "LT";
	case 4: return "GT";
	case 8: return "EQ";
	case 10: return "LE";
	case 12: return "GE";
	}
	return "";
}

static int
flag_enum(unsigned long fl)
{
	switch (fl & 0xf) {
	case 2: return JP_DEP_LT;
	case 4: return JP_DEP_GT;
	case 8: return JP_DEP_EQ;
	case 10: return JP_DEP_LE;
	case 12: return JP_DEP_GE;
	}
	return JP_DEP_ANY;
}

#define QF_SCALARS \
	"%{NAME}\001%|EPOCH?{%{EPOCH}}:{0}|\001%{VERSION}\001%{RELEASE}\001" \
	"%{ARCH}\001%|SUMMARY?{%{SUMMARY}}:{}|\001" \
	"%|DESCRIPTION?{%{DESCRIPTION}}:{}|\001%|PACKAGER?{%{PACKAGER}}:{}|\001" \
	"%|URL?{%{URL}}:{}|\001%|LICENSE?{%{LICENSE}}:{}|\001" \
	"%|VENDOR?{%{VENDOR}}:{}|\001%|GROUP?{%{GROUP}}:{}|\001" \
	"%|BUILDHOST?{%{BUILDHOST}}:{}|\001%|SOURCERPM?{%{SOURCERPM}}:{}|\001" \
	"%{BUILDTIME}\001%{LONGSIZE}\001%{LONGARCHIVESIZE}\001"
#define QF_DEP(T) "[%{" T "NAME}\002%{" T "FLAGS}\002%{" T "VERSION}\003]\001"
#define QF_ALL QF_SCALARS \
	"[%{FILENAMES}\002%{FILEMODES}\002%{FILEFLAGS}\003]\001" \
	QF_DEP("PROVIDE") QF_DEP("REQUIRE") QF_DEP("CONFLICT") \
	QF_DEP("OBSOLETE") QF_DEP("SUGGEST") QF_DEP("ENHANCE") \
	QF_DEP("RECOMMEND") QF_DEP("SUPPLEMENT") \
	"[%{CHANGELOGTIME}\002%{CHANGELOGNAME}\002%{CHANGELOGTEXT}\003]"

/*
 * A record of the package at root/rel, built from rpm -qp output the way
 * createrepo_c's cr_package_from_header() builds its own.
 */
static struct jp_pkg *
record_from_rpm(struct jp_ctx *ctx, const char *root, const char *rel)
{
	static const int kinds[JP_DEP_NKINDS] = { JP_DEP_PROVIDES,
		JP_DEP_REQUIRES, JP_DEP_CONFLICTS, JP_DEP_OBSOLETES,
		JP_DEP_SUGGESTS, JP_DEP_ENHANCES, JP_DEP_RECOMMENDS,
		JP_DEP_SUPPLEMENTS };
	char *path = jp_path_join(root, rel), *q = shq(path);
	char *out = tu_capture(NULL, "rpm -qp --nosignature --nodigest --qf '%s' %s",
	    QF_ALL, q);
	char *f[32], *s = out, *rec, *next;
	struct jp_pkg *p = jp_pkg_new(JP_PKG_RPM);
	struct jp_digest d;
	struct stat st;
	char **provided = NULL, **files = NULL;
	size_t nprovided = 0, nfiles = 0, i;
	int n = 0, k, fd;

	while (s && n < 32) {
		f[n++] = s;
		s = cut(s, '\001');
	}
	assert_int_equal(n, 17 + 1 + 8 + 1);
	p->name = jp_xstrdup(f[0]);
	p->epoch = jp_xstrdup(f[1]);
	p->version = jp_xstrdup(f[2]);
	p->release = jp_xstrdup(f[3]);
	p->arch = jp_xstrdup(f[4]);
	p->summary = jp_xstrdup(f[5]);
	p->description = jp_xstrdup(f[6]);
	p->packager = jp_xstrdup(f[7]);
	p->url = jp_xstrdup(f[8]);
	p->license = jp_xstrdup(f[9]);
	p->vendor = jp_xstrdup(f[10]);
	p->group = jp_xstrdup(f[11]);
	p->buildhost = jp_xstrdup(f[12]);
	p->sourcerpm = jp_xstrdup(f[13]);
	p->time_build = strtoll(f[14], NULL, 10);
	p->size_installed = strtoull(f[15], NULL, 10);
	p->size_archive = strtoull(f[16], NULL, 10);
	p->location = jp_xstrdup(rel);
	assert_int_equal(stat(path, &st), 0);
	p->file_size = (uint64_t)st.st_size;
	p->time_file = st.st_mtime;
	header_range(path, &p->header_start, &p->header_end);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(jp_digest_init(&d, JP_DIGEST_SHA256), 0);
	assert_int_equal(jp_digest_fd(ctx, fd, path, &d), 0);
	jp_digest_final(&d);
	memcpy(p->sha256, jp_digest_hex(&d, JP_DIGEST_SHA256), 65);
	close(fd);

	/* files: dir by mode, else ghost by flag */
	for (rec = f[17]; rec && *rec; rec = next) {
		char *mode, *flags;

		next = cut(rec, '\003');
		mode = cut(rec, '\002');
		flags = cut(mode, '\002');
		jp_pkg_add_file(p, rec, S_ISDIR(strtoul(mode, NULL, 10)) ?
		    JP_FILE_DIR : (strtoul(flags, NULL, 10) & RPMFILE_GHOST) ?
		    JP_FILE_GHOST : JP_FILE_REG);
		files = jp_xrealloc(files, (nfiles + 1) * sizeof(*files));
		files[nfiles++] = rec;
	}

	for (k = 0; k < JP_DEP_NKINDS; k++) {
		for (rec = f[18 + k]; rec && *rec; rec = next) {
			char *flags, *ver, *depnfv, *colon, *dash;
			unsigned long fl;
			struct jp_dep *dep;
			int pre = 0, skipit = 0;

			next = cut(rec, '\003');
			flags = cut(rec, '\002');
			ver = cut(flags, '\002');
			fl = strtoul(flags, NULL, 10);
			depnfv = jp_xasprintf("%s%s%s", rec, flag_str(fl), ver);
			if (kinds[k] == JP_DEP_REQUIRES) {
				if (!strncmp(rec, "rpmlib(", 7))
					skipit = 1;
				for (i = 0; !skipit && rec[0] == '/' &&
				    i < nfiles; i++)
					if (!strcmp(files[i], rec) &&
					    jp_rpmmd_primary_file(rec))
						skipit = 1;
				for (i = 0; !skipit && i < nprovided; i++)
					if (!strcmp(provided[i], depnfv))
						skipit = 1;
				if (fl & (RPMSENSE_PREREQ | RPMSENSE_SCRIPT_PRE |
				    RPMSENSE_SCRIPT_POST))
					pre = 1;
				/* duplicates (createrepo_c's ap_hashtable) */
				for (i = p->ndeps[k]; !skipit && i > 0; i--) {
					struct jp_dep *o = &p->deps[k][i - 1];
					char *ov;

					if (strcmp(o->name, rec))
						continue;
					ov = jp_xasprintf("%s%s%s%s%s",
					    o->version && strcmp(o->epoch, "0") ?
					    o->epoch : "", o->version &&
					    strcmp(o->epoch, "0") ? ":" : "",
					    o->version ? o->version : "",
					    o->release ? "-" : "",
					    o->release ? o->release : "");
					if (o->flag == flag_enum(fl) &&
					    !strcmp(ov, ver) && o->pre == pre)
						skipit = 1;
					free(ov);
					break;
				}
			}
			if (skipit) {
				free(depnfv);
				continue;
			}
			if (kinds[k] == JP_DEP_PROVIDES) {
				provided = jp_xrealloc(provided,
				    (nprovided + 1) * sizeof(*provided));
				provided[nprovided++] = depnfv;
			} else
				free(depnfv);
			dep = jp_pkg_add_dep(p, kinds[k]);
			dep->name = jp_xstrdup(rec);
			dep->flag = flag_enum(fl);
			dep->pre = pre;
			if (*ver) {
				/* createrepo_c's cr_str_to_evr() */
				colon = strchr(ver, ':');
				if (colon) {
					dep->epoch = jp_xstrndup(ver,
					    (size_t)(colon - ver));
					ver = colon + 1;
				} else
					dep->epoch = jp_xstrdup("0");
				dash = strchr(ver, '-');
				if (dash) {
					dep->version = jp_xstrndup(ver,
					    (size_t)(dash - ver));
					if (dash[1])
						dep->release =
						    jp_xstrdup(dash + 1);
				} else
					dep->version = jp_xstrdup(ver);
			}
		}
	}

	/*
	 * Changelogs: createrepo_c lists them oldest first, trims trailing
	 * spaces of the author, and makes equal times distinct.
	 */
	{
		struct jp_changelog *cl = NULL;
		size_t ncl = 0, j;
		int64_t last;

		for (rec = f[26]; rec && *rec; rec = next) {
			char *name, *text, *e;

			next = cut(rec, '\003');
			name = cut(rec, '\002');
			text = cut(name, '\002');
			e = name + strlen(name);
			while (e > name + 1 && e[-1] == ' ')
				*--e = '\0';
			cl = jp_xrealloc(cl, (ncl + 1) * sizeof(*cl));
			cl[ncl].author = name;
			cl[ncl].date = strtoll(rec, NULL, 10);
			cl[ncl].text = text;
			ncl++;
		}
		/*
		 * cl is newest first.  An entry with the time of the one before
		 * it (in header order) pushes the earlier entries of that time
		 * one second later each, as createrepo_c does.
		 */
		last = 0;
		for (j = 0; j < ncl; j++) {
			int64_t t = cl[j].date;
			size_t m;

			if (last != t) {
				last = t;
				continue;
			}
			for (m = j; m > 0 && cl[m - 1].date == t; m--, t++)
				cl[m - 1].date++;
		}
		for (j = ncl; j > 0; j--)
			jp_pkg_add_changelog(p, cl[j - 1].author,
			    cl[j - 1].date, cl[j - 1].text);
		free(cl);
	}

	for (i = 0; i < nprovided; i++)
		free(provided[i]);
	free(provided);
	free(files);
	free(out);
	free(q);
	free(path);
	return p;
}

/* Locations of the packages in a primary.xml, in its order. */
static char **
primary_hrefs(const char *xmlpath, size_t *n)
{
	struct xdoc x;
	char **v;
	long i, cnt;

	xdoc_open(&x, xmlpath);
	cnt = xn(&x, "/c:metadata/c:package");
	v = jp_xcalloc((size_t)cnt + 1, sizeof(*v));
	for (i = 0; i < cnt; i++)
		v[i] = xs(&x, "/c:metadata/c:package[%ld]/c:location/@href",
		    i + 1);
	xdoc_close(&x);
	*n = (size_t)cnt;
	return v;
}

/* A spec with content that stresses the writer, built into dir. */
static void
build_hostile_rpm(const char *tmp, const char *dir)
{
	char *spec = jp_xasprintf("%s/hostile.spec", tmp);
	char *top = jp_xasprintf("%s/rpmbuild", tmp);
	char *qs = shq(spec), *qt = shq(top), *qd = shq(dir);
	FILE *fp = fopen(spec, "w");

	assert_non_null(fp);
	fputs("%global _binary_payload w0.ufdio\n"
	    "%define _build_id_links none\n"
	    "%define debug_package %{nil}\n"
	    "%define __os_install_post %{nil}\n"
	    "Name: hostile\nEpoch: 7\nVersion: 2.0\nRelease: 1%{?dist}\n"
	    "Summary: Hostile <&> \"summary\" 'x' \xc3\xbcnic\xc3\xb6" "de \xe6\x97\xa5\n"
	    "License: GPL-2.0 & MIT\n"
	    "URL: https://example.com/?a=1&b=<2>\n"
	    "Vendor: ACME <corp> & \"sons\"\n"
	    "BuildArch: noarch\nAutoReqProv: no\n"
	    "Provides: h\xc3\xb6stile-virt = 7:2.0-1\n"
	    "Provides: hostile(plain)\n"
	    "Requires: /etc/hostile.conf\n"
	    "Requires: /usr/share/hostile/data\n"
	    "Requires: bash >= 4, bash >= 4\n"
	    "Requires(pre): shadow-utils\n"
	    "Requires(post): bash >= 4\n"
	    "Requires(preun): coreutils\n"
	    "Requires: hostile(plain)\n"
	    "Conflicts: evil < 1:2-3\n"
	    "Obsoletes: old-hostile <= 1.0\n"
	    "Suggests: sugg\nEnhances: enh > 1\n"
	    "Recommends: rec = 2\nSupplements: (a or b)\n"
	    "%description\n"
	    "Text with <tags> & \"quotes\" and 'apostrophes'.\n"
	    "\tA tabbed line, a ]]> and non-ASCII: \xc3\xa9\xc3\xa8 \xe2\x80\x94 \xf0\x9f\x98\x80\n"
	    "%install\n"
	    "mkdir -p %{buildroot}/etc %{buildroot}/usr/bin %{buildroot}/usr/share/hostile/empty %{buildroot}/var/log\n"
	    "echo x > %{buildroot}/etc/hostile.conf\n"
	    "echo x > %{buildroot}/usr/bin/hostile\n"
	    "echo x > '%{buildroot}/usr/share/hostile/a&b <c>.txt'\n"
	    "echo x > '%{buildroot}/usr/share/hostile/q\"q.txt'\n"
	    "echo x > %{buildroot}/usr/share/hostile/\xc3\xa9t\xc3\xa9\n"
	    "echo x > %{buildroot}/usr/share/hostile/data\n"
	    "%files\n"
	    "%config /etc/hostile.conf\n"
	    "/usr/bin/hostile\n"
	    "%dir /usr/share/hostile\n"
	    "%dir /usr/share/hostile/empty\n"
	    "\"/usr/share/hostile/a&b <c>.txt\"\n"
	    "/usr/share/hostile/q?q.txt\n"
	    "/usr/share/hostile/\xc3\xa9t\xc3\xa9\n"
	    "/usr/share/hostile/data\n"
	    "%ghost /var/log/hostile.log\n"
	    "%changelog\n"
	    "* Wed Jan 03 2024 J\xc3\xb6rg \xc3\x9cn\xc3\xaf <j@example.com> - 7:2.0-1\n"
	    "- escapes: <&> \"q\" 'a' ]]>\n"
	    "* Tue Jan 02 2024 Same Day <s@example.com> - 1.2-1\n"
	    "- first of one day\n"
	    "* Tue Jan 02 2024 Same Day <s@example.com> - 1.1-1\n"
	    "- second of the same day\n"
	    "* Mon Jan 01 2024 Trailing Space <t@example.com>   \n"
	    "- author with trailing spaces\n", fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(tu_run("SOURCE_DATE_EPOCH=1700000000 rpmbuild --quiet "
	    "--define '_topdir '%s --define 'use_source_date_epoch_as_buildtime 1' "
	    "--define 'clamp_mtime_to_source_date_epoch 1' -bb %s >/dev/null 2>&1 && "
	    "mkdir -p %s/hostile && mv %s/RPMS/noarch/*.rpm %s/hostile/",
	    qt, qs, qd, qt, qd), 0);
	free(qs);
	free(qt);
	free(qd);
	free(spec);
	free(top);
}

/* dnf's view of a repository: every package with every field we write. */
static char *
dnf_view(const char *tmp, const char *repo)
{
	char *base = jp_xasprintf("dnf -q --setopt=reposdir=/dev/null "
	    "--setopt=cachedir='%s/dnfcache-%s' --releasever=1 "
	    "--repofrompath=r,'file://%s' --repo=r repoquery", tmp,
	    strrchr(repo, '/') + 1, repo);
	char *a = tu_capture(NULL, "%s --qf '%%{name} %%{epoch} %%{version} "
	    "%%{release} %%{arch} %%{location} %%{downloadsize} "
	    "%%{installsize} %%{buildtime} %%{hdr_end} %%{license} %%{vendor} "
	    "%%{group} %%{packager} %%{url} %%{sourcerpm} %%{summary} "
	    "%%{description} %%{provides} %%{requires} %%{conflicts} "
	    "%%{obsoletes} %%{suggests} %%{enhances} %%{recommends} "
	    "%%{supplements} %%{files}' 2>&1", base);
	char *b = tu_capture(NULL, "%s --changelogs 2>&1", base);
	char *v = jp_xasprintf("%s\n----\n%s", a, b);

	free(a);
	free(b);
	free(base);
	return v;
}

/*
 * The real thing: rpmbuild packages (tests/mkrpms.sh plus a hostile one),
 * createrepo_c writes its repodata, we write ours from records built out
 * of `rpm -qp`; the decompressed XML must be identical byte for byte, and
 * dnf must see the same repository in both.
 */
static void
real_rpms(void **state, int use_rpmpkg)
{
	struct fixture *fx = *state;
	const char *srcdir = getenv("JP_SRCDIR");
	char *corpus = jp_xasprintf("%s/corpus", fx->tmp);
	char *ours = jp_xasprintf("%s/ours", fx->tmp);
	char *ourmd = jp_xasprintf("%s/ours/repodata", fx->tmp);
	char *crxml = jp_xasprintf("%s/cr", fx->tmp);
	char *qc = shq(corpus), *qo = shq(ours), *qx = shq(crxml);
	char *mkrpms, *qm, *a, *b;
	struct jp_rpmmd_opts o = { .compress = JP_COMPRESS_GZ,
		.revision = 1700000000, .nthreads = 2 };
	struct jp_pkg **pkgs;
	struct mdset set;
	const char *types[] = { "primary", "filelists", "other" };
	char **hrefs;
	size_t n, i;

	if (!tu_have("rpmbuild") || !tu_have("createrepo_c") || !tu_have("rpm"))
		skip();
	if (srcdir && *srcdir)
		mkrpms = jp_xasprintf("%s/tests/mkrpms.sh", srcdir);
	else
		mkrpms = jp_xasprintf("%.*s/../../tests/mkrpms.sh",
		    (int)(strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') -
		    __FILE__ : 1), strrchr(__FILE__, '/') ? __FILE__ : ".");
	qm = shq(mkrpms);
	assert_int_equal(tu_run("sh %s %s >/dev/null", qm, qc), 0);
	build_hostile_rpm(fx->tmp, corpus);

	/* createrepo_c's repodata */
	assert_int_equal(tu_run("createrepo_c -q --no-database %s", qc), 0);
	assert_int_equal(tu_run("mkdir -p %s && for t in primary filelists other; "
	    "do zcat %s/repodata/*-$t.xml.gz > %s/$t.xml || exit 1; done",
	    qx, qc, qx), 0);
	a = jp_xasprintf("%s/primary.xml", crxml);
	hrefs = primary_hrefs(a, &n);
	free(a);
	assert_true(n >= 16);

	/* ours, in createrepo_c's order */
	pkgs = jp_xcalloc(n, sizeof(*pkgs));
	for (i = 0; i < n; i++) {
		if (use_rpmpkg) {
			char *path = jp_path_join(corpus, hrefs[i]);

			if (jp_rpmpkg_read(&fx->ctx, path, hrefs[i],
			    &pkgs[i]) < 0)
				fail_msg("%s", jp_error_msg(&fx->ctx));
			free(path);
		} else
			pkgs[i] = record_from_rpm(&fx->ctx, corpus, hrefs[i]);
	}
	assert_int_equal(jp_mkdir_p(&fx->ctx, ourmd), 0);
	if (jp_rpmmd_write(&fx->ctx, ourmd, pkgs, n, &o) < 0)
		fail_msg("%s", jp_error_msg(&fx->ctx));
	check_repodata(ourmd, fx->tmp, JP_COMPRESS_GZ, 1700000000, &set);
	for (i = 0; i < 3; i++) {
		if (tu_run("cmp %s/%s.xml %s", qx, types[i],
		    md_find(&set, types[i])->xml) != 0) {
			tu_run("diff %s/%s.xml %s >&2", qx, types[i],
			    md_find(&set, types[i])->xml);
			fail_msg("%s.xml differs from createrepo_c's", types[i]);
		}
	}

	/* dnf sees the same repository (packages are in corpus) */
	if (tu_have("dnf")) {
		assert_int_equal(tu_run("for e in %s/*; do [ \"${e##*/}\" = repodata ] "
		    "|| ln -s \"$e\" %s/ || exit 1; done", qc, qo), 0);
		a = dnf_view(fx->tmp, corpus);
		b = dnf_view(fx->tmp, ours);
		assert_true(strlen(a) > 1000);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}

	for (i = 0; i < n; i++) {
		jp_pkg_free(pkgs[i]);
		free(hrefs[i]);
	}
	free(pkgs);
	free(hrefs);
	free(qm);
	free(mkrpms);
	free(qc);
	free(qo);
	free(qx);
	free(crxml);
	free(ourmd);
	free(ours);
	free(corpus);
}

static void
test_real_rpms_qf(void **state)
{
	real_rpms(state, 0);
}

/* The same with the real reader, rpmpkg.c, making the records. */
static void
test_real_rpms_rpmpkg(void **state)
{
	struct fixture *fx = *state;

	if (jp_rpmpkg_global_init(&fx->ctx) < 0)
		fail_msg("%s", jp_error_msg(&fx->ctx));
	real_rpms(state, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compress_names),
		cmocka_unit_test(test_primary_file),
		cmocka_unit_test_setup_teardown(test_nasty_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nasty_xz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nasty_zstd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nasty_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nasty_dnf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_like_createrepo,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_gz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_xz_zstd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_count_mismatch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_unfinished, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_real_rpms_qf, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_real_rpms_rpmpkg, setup,
		    teardown),
	};

	xmlInitParser();
	return cmocka_run_group_tests_name("rpmmd", tests, NULL, NULL);
}
