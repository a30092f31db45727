/*
 * aptmd_test.c: unit tests of the APT metadata writer.
 *
 * A pool of .deb files is made with dpkg-deb at run time (several versions
 * of one package, epochs, tildes, "all", amd64 and i386, multi-line
 * descriptions, unknown fields, a control file that carries its own
 * Filename and Size).  The oracles:
 *   - dpkg-scanpackages -m: each Packages index must be its output byte
 *     for byte, stanzas put in our order (name, dpkg version, arch);
 *   - apt-ftparchive packages: the same fields and values;
 *   - md5sum, sha1sum, sha256sum, sha512sum, gzip, xz, date: Release's
 *     lists, the compressed files, the dates;
 *   - xz -T2 with the settings aptmd.c documents: the .xz bytes of large,
 *     multi-Block indexes made with 1, 2 and 4 threads;
 *   - apt-get in a scratch root: update (which checks every hash, Date
 *     and Valid-Until), install with dependencies, by-hash only trees (one
 *     with nothing but the by-hash copies of a multi-Block Packages.xz),
 *     and a client holding the previous Release while the next tree is
 *     live.
 */
#include "config.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aptmd.h"
#include "ctx.h"
#include "deb822.h"
#include "debpkg.h"
#include "fsutil.h"
#include "pkg.h"
#include "version.h"
#include "testutil.h"

/* Sat, 28 Nov 2026 10:00:00 UTC (date -u -d '2026-11-28 10:00:00' +%s) */
#define FIXED_DATE INT64_C(1795860000)

static const char fixture_script[] =
	"set -e\n"
	"cd \"$1\"\n"
	"mkdir -p repo/pool/main src allonly/pool\n"
	"mk() {\n"
	"  d=src/$1; mkdir -p $d/DEBIAN $d/usr/share/doc/$1\n"
	"  printf '%s\\n' \"$3\" > $d/DEBIAN/control\n"
	"  echo \"$1\" > $d/usr/share/doc/$1/README\n"
	"  mkdir -p ${4:-repo/pool/main}\n"
	"  dpkg-deb --root-owner-group -Z$2 --build $d ${4:-repo/pool/main}/ >/dev/null\n"
	"}\n"
	"M='Maintainer: Test <test@example.com>'\n"
	"mk hello-1 gzip \"Package: hello\nVersion: 1.0-1\nArchitecture: amd64\n$M\n"
	    "Installed-Size: 12\nSection: misc\nPriority: optional\n"
	    "Description: greets the world\n A longer text.\n .\n  Indented line.\"\n"
	"mk hello-e xz \"Package: hello\nVersion: 1:0.9~rc1-1\nArchitecture: amd64\n$M\n"
	    "Description: hello with an epoch\"\n"
	"mk hello-t zstd \"Package: hello\nVersion: 2.0~beta1-1\nArchitecture: amd64\n$M\n"
	    "Description: a beta\"\n"
	"mk hello-i1 gzip \"Package: hello\nVersion: 1.0-1\nArchitecture: i386\n$M\n"
	    "Description: greets the world\"\n"
	"mk hello-i2 none \"Package: hello\nVersion: 2.0-1\nArchitecture: i386\n$M\n"
	    "Description: greets the world\"\n"
	"mk common none \"Package: common\nVersion: 1.0\nArchitecture: all\n$M\n"
	    "Multi-Arch: foreign\nDescription: data for every architecture\n"
	    " with two\n lines.\" repo/pool/main/c\n"
	"mk tool xz \"Package: tool\nSource: toolsrc (1.5-1)\nVersion: 1.5-2\n"
	    "Architecture: amd64\n$M\nHomepage: https://example.com/tool\n"
	    "Depends: common (>= 1.0)\nConflicts: oldtool\nProvides: tool-api\n"
	    "Replaces: oldtool\nX-Custom-Field: yes\npython-version: 3.11\n"
	    "X-Empty:\nFilename: bogus.deb\nSize: 1\nInstalled-Size: 40\n"
	    "Description: a tool\n that needs common\"\n"
	"mk libfoo-a gzip \"Package: libfoo1\nVersion: 3.0-1\nArchitecture: amd64\n$M\n"
	    "Multi-Arch: same\nDescription: a library\"\n"
	"mk libfoo-i gzip \"Package: libfoo1\nVersion: 3.0-1\nArchitecture: i386\n$M\n"
	    "Multi-Arch: same\nDescription: a library\"\n"
	"mk onlyall gzip \"Package: onlyall\nVersion: 0.1\nArchitecture: all\n$M\n"
	    "Description: alone\" allonly/pool\n";

struct fixture {
	struct jp_ctx ctx;
	char dir[64];
	char *repo;                 /* dir/repo: pool/ and dists/ */
	struct jp_pkg **pkgs;
	size_t npkgs;
	int have_tools;
	int have_apt;
};

/* Read every .deb under dir (relpaths from dir), sorted by path. */
static void
read_pool(struct fixture *f, const char *dir, struct jp_pkg ***out,
    size_t *n)
{
	char *list = tu_capture(NULL, "cd '%s' && find pool -name '*.deb' | LC_ALL=C sort",
	    dir);
	char *save = NULL, *line;

	*out = NULL;
	*n = 0;
	for (line = strtok_r(list, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *path = jp_path_join(dir, line);
		struct jp_pkg *pkg;

		if (jp_debpkg_read(&f->ctx, path, line, &pkg) < 0)
			fail_msg("%s", jp_error_msg(&f->ctx));
		*out = jp_xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = pkg;
		free(path);
	}
	free(list);
}

static void
free_pkgs(struct jp_pkg **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		jp_pkg_free(v[i]);
	free(v);
}

static int
group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	jp_ctx_init(&f->ctx, "aptmd_test");
	f->ctx.verbosity = JP_V_QUIET;
	if (tu_tmpdir(f->dir, sizeof(f->dir), "aptmd") < 0)
		return -1;
	f->repo = jp_path_join(f->dir, "repo");
	*state = f;
	if (tu_run("command -v dpkg-deb dpkg-scanpackages apt-ftparchive xz "
	    "gzip >/dev/null") != 0) {
		fprintf(stderr, "aptmd_test: dpkg-dev or apt-utils missing: "
		    "tests that need them are skipped\n");
		return 0;
	}
	f->have_apt = tu_run("command -v apt-get apt-cache dpkg-query "
	    ">/dev/null") == 0;
	if (tu_fixture_script(&f->ctx, f->dir, fixture_script,
	    "aptmd_test") < 0)
		return -1;
	read_pool(f, f->repo, &f->pkgs, &f->npkgs);
	f->have_tools = 1;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;

	tu_tmpdir_remove(&f->ctx, f->dir);
	free_pkgs(f->pkgs, f->npkgs);
	free(f->repo);
	free(f);
	return 0;
}

static void
need_tools(struct fixture *f)
{
	if (!f->have_tools)
		skip();
}

static void
need_apt(struct fixture *f)
{
	need_tools(f);
	if (!f->have_apt)
		skip();
}

static struct jp_aptmd_opts
default_opts(void)
{
	struct jp_aptmd_opts o;

	memset(&o, 0, sizeof(o));
	o.suite = "stable";
	o.codename = "jptest";
	o.component = "main";
	o.origin = "jprepo tests";
	o.label = "Test Label";
	o.date = FIXED_DATE;
	o.valid_for_days = 7;
	o.nthreads = 2;
	return o;
}

/* Write a suite into repo/dists/<name> (made empty first). */
static char *
write_suite(struct fixture *f, const char *repo, const char *name,
    struct jp_pkg *const *pkgs, size_t n, const struct jp_aptmd_opts *o)
{
	char *dir = jp_xasprintf("%s/dists/%s", repo, name);

	assert_int_equal(jp_rm_rf(&f->ctx, dir), 0);
	assert_int_equal(jp_mkdir_p(&f->ctx, dir), 0);
	if (jp_aptmd_write(&f->ctx, dir, pkgs, n, o) < 0)
		fail_msg("jp_aptmd_write: %s", jp_error_msg(&f->ctx));
	return dir;
}

/* --- comparing with dpkg-scanpackages --- */

struct chunk {
	char *text;
	char *name, *version, *arch, *filename;
};

static int
chunk_cmp(const void *pa, const void *pb)
{
	const struct chunk *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	if ((c = jp_deb_vercmp(a->version, b->version)) != 0)
		return c;
	if ((c = strcmp(a->arch, b->arch)) != 0)
		return c;
	return strcmp(a->filename, b->filename);
}

/*
 * Cut an index into its stanzas ("...\n\n" each), keep each one's text
 * as it is, and put them back together in our order.
 */
static char *
reorder(struct fixture *f, const char *text, size_t *count)
{
	struct chunk *v = NULL;
	struct jp_deb822_buf out = { 0 };
	const char *p = text;
	size_t n = 0, i;

	while (*p) {
		const char *end = strstr(p, "\n\n");
		struct jp_deb822_stanza *st;
		size_t nst, len = end ? (size_t)(end - p) + 2 : strlen(p);

		v = jp_xrealloc(v, (n + 1) * sizeof(*v));
		v[n].text = jp_xstrndup(p, len);
		assert_int_equal(jp_deb822_parse(&f->ctx, v[n].text, len, "idx",
		    0, &st, &nst), 0);
		assert_int_equal(nst, 1);
		v[n].name = jp_xstrdup(jp_deb822_get(&st[0], "Package"));
		v[n].version = jp_xstrdup(jp_deb822_get(&st[0], "Version"));
		v[n].arch = jp_xstrdup(jp_deb822_get(&st[0], "Architecture"));
		v[n].filename = jp_xstrdup(jp_deb822_get(&st[0], "Filename"));
		jp_deb822_free(st, nst);
		n++;
		p += len;
	}
	qsort(v, n, sizeof(*v), chunk_cmp);
	jp_deb822_buf_put(&out, "", 0);
	for (i = 0; i < n; i++) {
		jp_deb822_buf_puts(&out, v[i].text);
		free(v[i].text);
		free(v[i].name);
		free(v[i].version);
		free(v[i].arch);
		free(v[i].filename);
	}
	free(v);
	*count = n;
	return out.data;
}

static void
test_packages_match_dpkg_scanpackages(void **state)
{
	/* binary-all: common; amd64 and i386: their own and common */
	static const char *const archs[] = { "all", "amd64", "i386" };
	static const size_t want_count[] = { 1, 6, 4 };
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	char *dir;
	size_t a;

	need_tools(f);
	dir = write_suite(f, f->repo, "stable", f->pkgs, f->npkgs, &o);
	for (a = 0; a < 3; a++) {
		char *path = jp_xasprintf("%s/main/binary-%s/Packages", dir,
		    archs[a]);
		char *ours = tu_slurp(path, NULL);
		char *theirs = tu_capture(NULL, "cd '%s' && dpkg-scanpackages -m -a %s "
		    "pool 2>/dev/null", f->repo, archs[a]);
		size_t n1, n2;
		char *o1 = reorder(f, ours, &n1);
		char *o2 = reorder(f, theirs, &n2);

		/* ours is in order already: reordering changes nothing */
		assert_string_equal(o1, ours);
		assert_int_equal(n1, want_count[a]);
		assert_int_equal(n2, want_count[a]);
		if (strcmp(o1, o2)) {
			fprintf(stderr, "ours:\n%s\ndpkg-scanpackages:\n%s\n",
			    o1, o2);
			fail();
		}
		free(o1);
		free(o2);
		free(ours);
		free(theirs);
		free(path);
	}
	/* the field order itself, on the package with the most fields */
	{
		char *tool = tu_capture(NULL, "grep -A40 '^Package: tool' "
		    "'%s/main/binary-amd64/Packages' | sed '/^$/q' | cut -d: -f1 "
		    "| grep -v '^ ' | tr '\\n' ' '", dir);

		assert_string_equal(tool, "Package Source Version Architecture "
		    "Maintainer Installed-Size Depends Conflicts Replaces "
		    "Provides Filename Size MD5sum SHA1 SHA256 Homepage "
		    "Description Python-Version X-Custom-Field  ");
		free(tool);
	}
	free(dir);
}

static void
test_packages_match_apt_ftparchive(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_deb822_stanza *theirs = NULL;
	char *dir, *text;
	size_t nt, i, matched = 0;
	const char *archs[] = { "all", "amd64", "i386" };
	size_t a;

	need_tools(f);
	dir = write_suite(f, f->repo, "stable", f->pkgs, f->npkgs, &o);
	text = tu_capture(NULL, "cd '%s' && apt-ftparchive packages pool 2>/dev/null",
	    f->repo);
	assert_int_equal(jp_deb822_parse(&f->ctx, text, strlen(text), "ftp", 0,
	    &theirs, &nt), 0);
	assert_int_equal(nt, f->npkgs);
	for (a = 0; a < 3; a++) {
		char *path = jp_xasprintf("%s/main/binary-%s/Packages", dir,
		    archs[a]);
		char *idx = tu_slurp(path, NULL);
		struct jp_deb822_stanza *ours;
		size_t no, k, j;

		assert_int_equal(jp_deb822_parse(&f->ctx, idx, strlen(idx),
		    path, 0, &ours, &no), 0);
		for (k = 0; k < no; k++) {
			const struct jp_deb822_stanza *t = NULL;
			size_t nfields = 0;

			for (i = 0; i < nt; i++)
				if (!strcmp(jp_deb822_get(&theirs[i], "Filename"),
				    jp_deb822_get(&ours[k], "Filename")))
					t = &theirs[i];
			assert_non_null(t);
			/* each of their fields, but SHA512 and blank ones */
			for (j = 0; j < t->nfields; j++) {
				const char *v = jp_deb822_get(&ours[k],
				    t->fields[j].name);

				if (!strcasecmp(t->fields[j].name, "SHA512") ||
				    !*t->fields[j].value)
					continue;
				if (!v || strcmp(v, t->fields[j].value))
					fail_msg("%s: field %s: ours '%s', "
					    "apt-ftparchive '%s'",
					    jp_deb822_get(t, "Filename"),
					    t->fields[j].name, v ? v : "(none)",
					    t->fields[j].value);
				nfields++;
			}
			assert_int_equal(nfields, ours[k].nfields);
			/* an arch index holds its arch and all */
			assert_true(!strcmp(jp_deb822_get(t, "Architecture"),
			    archs[a]) || !strcmp(jp_deb822_get(t,
			    "Architecture"), "all"));
			matched++;
		}
		jp_deb822_free(ours, no);
		free(idx);
		free(path);
	}
	/* every package once, common (all) in all three indexes */
	assert_int_equal(matched, f->npkgs + 2);
	/* apt-ftparchive's SHA512 is the record's */
	for (i = 0; i < nt; i++) {
		size_t k;

		for (k = 0; k < f->npkgs; k++)
			if (!strcmp(f->pkgs[k]->location,
			    jp_deb822_get(&theirs[i], "Filename")))
				assert_string_equal(f->pkgs[k]->sha512,
				    jp_deb822_get(&theirs[i], "SHA512"));
	}
	jp_deb822_free(theirs, nt);
	free(text);
	free(dir);
}

static const char *const sum_tools[] = {
	"md5sum", "sha1sum", "sha256sum", "sha512sum",
};
static const char *const sum_sections[] = {
	"MD5Sum", "SHA1", "SHA256", "SHA512",
};

static void
test_release_and_files(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_deb822_stanza *st;
	char *dir, *text, *want_date, *want_until, *rel_path;
	size_t nst, k;

	need_tools(f);
	dir = write_suite(f, f->repo, "stable", f->pkgs, f->npkgs, &o);
	rel_path = jp_xasprintf("%s/Release", dir);
	text = tu_slurp(rel_path, NULL);
	free(rel_path);
	assert_int_equal(jp_deb822_parse(&f->ctx, text, strlen(text),
	    "Release", 0, &st, &nst), 0);
	assert_int_equal(nst, 1);
	assert_string_equal(jp_deb822_get(&st[0], "Origin"), "jprepo tests");
	assert_string_equal(jp_deb822_get(&st[0], "Label"), "Test Label");
	assert_string_equal(jp_deb822_get(&st[0], "Suite"), "stable");
	assert_string_equal(jp_deb822_get(&st[0], "Codename"), "jptest");
	/* "all" first, as in Debian's Release; no No-Support-for-Arch...-all */
	assert_string_equal(jp_deb822_get(&st[0], "Architectures"),
	    "all amd64 i386");
	assert_null(jp_deb822_get(&st[0], "No-Support-for-Architecture-all"));
	assert_string_equal(jp_deb822_get(&st[0], "Components"), "main");
	assert_string_equal(jp_deb822_get(&st[0], "Acquire-By-Hash"), "yes");
	want_date = tu_chomp(tu_capture(NULL, "LC_ALL=C date -u -d @%" PRId64
	    " '+%%a, %%d %%b %%Y %%H:%%M:%%S UTC'", FIXED_DATE));
	want_until = tu_chomp(tu_capture(NULL, "LC_ALL=C date -u -d @%" PRId64
	    " '+%%a, %%d %%b %%Y %%H:%%M:%%S UTC'", FIXED_DATE + 7 * 86400));
	assert_string_equal(jp_deb822_get(&st[0], "Date"), want_date);
	assert_string_equal(jp_deb822_get(&st[0], "Date"),
	    "Sat, 28 Nov 2026 10:00:00 UTC");
	assert_string_equal(jp_deb822_get(&st[0], "Valid-Until"), want_until);
	/* the fields in dpkg's Release order */
	{
		static const char *const order[] = {
			"Origin", "Label", "Suite", "Codename", "Date",
			"Valid-Until", "Acquire-By-Hash", "Architectures",
			"Components", "MD5Sum", "SHA1", "SHA256", "SHA512",
		};

		assert_int_equal(st[0].nfields, 13);
		for (k = 0; k < 13; k++)
			assert_string_equal(st[0].fields[k].name, order[k]);
	}

	/* every section lists the nine files, checked by the tools */
	for (k = 0; k < 4; k++) {
		const char *v = jp_deb822_get(&st[0], sum_sections[k]);
		char *copy = jp_xstrdup(v), *save = NULL, *line;
		size_t nlines = 0;

		for (line = strtok_r(copy, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save)) {
			char hex[200], rel[200], *want, *size, *d;
			unsigned long long sz;

			assert_int_equal(sscanf(line, " %199s %llu %199s", hex,
			    &sz, rel), 3);
			want = tu_chomp(tu_capture(NULL, "cd '%s' && %s '%s' | cut -d' ' -f1",
			    dir, sum_tools[k], rel));
			size = tu_chomp(tu_capture(NULL, "stat -c %%s '%s/%s'", dir, rel));
			assert_string_equal(hex, want);
			assert_int_equal(sz, strtoull(size, NULL, 10));
			/* apt fetches by-hash/<strongest>; both are there */
			d = tu_chomp(tu_capture(NULL, "dirname '%s'", rel));
			if (k >= 2)
				assert_int_equal(tu_run("cmp -s '%s/%s' "
				    "'%s/%s/by-hash/%s/%s'", dir, rel, dir, d,
				    sum_sections[k], hex), 0);
			free(d);
			free(want);
			free(size);
			nlines++;
		}
		assert_int_equal(nlines, 9);
		free(copy);
	}
	/* the lines look like apt-ftparchive's: " hash <size in 16> path" */
	assert_non_null(strstr(text, "\nSHA256:\n "));
	assert_int_equal(tu_run("grep -Eq '^ [0-9a-f]{64} {1,16}[0-9]+ "
	    "main/binary-amd64/Packages.xz$' '%s/Release'", dir), 0);

	/* compressed files: same content; gzip without a time stamp */
	for (k = 0; k < 3; k++) {
		const char *arch = k == 0 ? "all" : k == 1 ? "amd64" : "i386";

		assert_int_equal(tu_run("cd '%s/main/binary-%s' && gzip -dc Packages.gz "
		    "| cmp -s - Packages && xz -dc Packages.xz | cmp -s - Packages",
		    dir, arch), 0);
		assert_int_equal(tu_run("test \"$(od -An -tx1 -j4 -N4 "
		    "'%s/main/binary-%s/Packages.gz' | tr -d ' ')\" = 00000000",
		    dir, arch), 0);
	}
	jp_deb822_free(st, nst);
	free(want_date);
	free(want_until);
	free(text);
	free(dir);
}

static void
test_deterministic(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_pkg **rev;
	char *d1, *d2;
	size_t i;

	need_tools(f);
	d1 = write_suite(f, f->repo, "det1", f->pkgs, f->npkgs, &o);
	/* other input order, other thread count: the same bytes */
	rev = jp_xcalloc(f->npkgs, sizeof(*rev));
	for (i = 0; i < f->npkgs; i++)
		rev[i] = f->pkgs[f->npkgs - 1 - i];
	o.nthreads = 1;
	d2 = write_suite(f, f->repo, "det2", rev, f->npkgs, &o);
	assert_int_equal(tu_run("diff -r '%s' '%s' >&2", d1, d2), 0);
	/* ... and the test can see a difference */
	o.date++;
	free(d2);
	d2 = write_suite(f, f->repo, "det2", rev, f->npkgs, &o);
	assert_int_not_equal(tu_run("diff -r '%s' '%s' >/dev/null", d1, d2), 0);
	jp_rm_rf(&f->ctx, d1);
	jp_rm_rf(&f->ctx, d2);
	free(rev);
	free(d1);
	free(d2);
}

/* --- xz: large indexes, thread counts --- */

/*
 * The xz settings aptmd.c documents ("Compression"), as options of the xz
 * tool, which is the oracle: its multi-threaded mode runs the same liblzma
 * encoder, so `xz -T2` with these options must give our bytes.
 */
#define XZ_ORACLE "xz -T2 --block-size=1MiB --lzma2=preset=6,dict=512KiB -c"

/* A deterministic pseudo-random number (a 32-bit LCG: Numerical Recipes). */
static uint32_t
lcg(uint32_t *seed)
{
	*seed = *seed * UINT32_C(1664525) + UINT32_C(1013904223);
	return *seed >> 8;
}

static void
fake_hex(char *out, size_t digits, uint32_t *seed)
{
	size_t i;

	for (i = 0; i < digits; i++)
		out[i] = "0123456789abcdef"[lcg(seed) % 16];
	out[digits] = '\0';
}

/*
 * n records made by hand, enough text for several MiB of Packages: every
 * fourth "all", the rest amd64, descriptions of pseudo-random words (so the
 * text compresses about as a real index does, not to nothing).
 */
static struct jp_pkg **
big_records(size_t n)
{
	static const char *const words[] = {
		"archive", "binary", "cache", "daemon", "editor", "format",
		"graphics", "header", "index", "journal", "kernel", "library",
		"module", "network", "object", "parser", "query", "runtime",
		"server", "terminal", "utility", "viewer", "widget", "xml",
		"yaml", "zone", "the", "of", "and", "for", "with", "a",
	};
	struct jp_pkg **v = jp_xcalloc(n, sizeof(*v));
	uint32_t seed = 20261128;
	size_t i, l;

	for (i = 0; i < n; i++) {
		struct jp_pkg *p = jp_pkg_new(JP_PKG_DEB);
		struct jp_deb822_buf d = { 0 };
		char num[32];

		p->name = jp_xasprintf("pkg%05zu-%s", i,
		    words[lcg(&seed) % 26]);
		p->arch = jp_xstrdup(i % 4 == 0 ? "all" : "amd64");
		p->epoch = jp_xstrdup("0");
		p->version = jp_xasprintf("%u.%u-%u", lcg(&seed) % 20,
		    lcg(&seed) % 100, 1 + lcg(&seed) % 5);
		p->location = jp_xasprintf("pool/main/p/%s/%s_%s_%s.deb",
		    p->name, p->name, p->version, p->arch);
		p->file_size = 1000 + lcg(&seed) % 5000000;
		fake_hex(p->md5, 32, &seed);
		fake_hex(p->sha1, 40, &seed);
		fake_hex(p->sha256, 64, &seed);
		fake_hex(p->sha512, 128, &seed);
		jp_pkg_add_field(p, "Package", p->name);
		jp_pkg_add_field(p, "Version", p->version);
		jp_pkg_add_field(p, "Architecture", p->arch);
		jp_pkg_add_field(p, "Maintainer", "Test <test@example.com>");
		snprintf(num, sizeof(num), "%u", lcg(&seed) % 100000);
		jp_pkg_add_field(p, "Installed-Size", num);
		if (i > 0) {
			char *dep = jp_xasprintf("pkg%05zu-x (>= 1.0), libc6",
			    (size_t)lcg(&seed) % i);

			jp_pkg_add_field(p, "Depends", dep);
			free(dep);
		}
		jp_pkg_add_field(p, "Section", words[lcg(&seed) % 26]);
		jp_pkg_add_field(p, "Priority", "optional");
		jp_deb822_buf_puts(&d, "generated package");
		for (l = 0; l < 40; l++) {
			if (l % 8 == 0)
				jp_deb822_buf_puts(&d, "\n");
			jp_deb822_buf_puts(&d, " ");
			jp_deb822_buf_puts(&d, words[lcg(&seed) % 32]);
		}
		jp_pkg_add_field(p, "Description", d.data);
		jp_deb822_buf_release(&d);
		v[i] = p;
	}
	return v;
}

/* Enough records for 7-8 MiB of binary-amd64/Packages: 8 xz Blocks. */
#define BIG_N 10000

/* The Packages file's size in whole or partial MiB: the Blocks xz writes. */
static unsigned long
mib_blocks(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned long)((st.st_size + (1 << 20) - 1) / (1 << 20));
}

/*
 * Large indexes: the same bytes with 1, 2 and 4 threads (the whole tree,
 * Release included), those of the xz tool with the documented settings,
 * one Block per MiB, CRC64, and xz -t and xz -d accept them.
 */
static void
test_xz_threads(void **state)
{
	static const int threads[] = { 1, 2, 4 };
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_pkg **big;
	char *repo = jp_path_join(f->dir, "big");
	char *dirs[3];
	size_t i, a;

	need_tools(f);
	big = big_records(BIG_N);
	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "t%d", threads[i]);
		o.nthreads = threads[i];
		dirs[i] = write_suite(f, repo, name, big, BIG_N, &o);
	}
	assert_int_equal(tu_run("diff -r '%s' '%s' >&2", dirs[0], dirs[1]), 0);
	assert_int_equal(tu_run("diff -r '%s' '%s' >&2", dirs[0], dirs[2]), 0);
	for (a = 0; a < 2; a++) {
		char *d = jp_xasprintf("%s/main/binary-%s", dirs[0],
		    a == 0 ? "all" : "amd64");
		char *plain = jp_xasprintf("%s/Packages", d);
		char *list;
		unsigned long blocks = mib_blocks(plain), got;
		char check[32];

		/* binary-amd64 holds several MiB, so several Blocks */
		if (a == 1)
			assert_true(blocks >= 6);
		assert_int_equal(tu_run("cd '%s' && xz -t Packages.xz && "
		    "xz -dc Packages.xz | cmp - Packages && "
		    XZ_ORACLE " Packages | cmp - Packages.xz", d), 0);
		/* xz --robot --list: "file" line, third field the Blocks */
		list = tu_capture(NULL, "xz --robot --list '%s/Packages.xz' | "
		    "awk -F'\\t' '$1 == \"file\" { print $3, $7 }'", d);
		assert_int_equal(sscanf(list, "%lu %31s", &got, check), 2);
		assert_int_equal(got, blocks);
		assert_string_equal(check, "CRC64");
		free(list);
		free(plain);
		free(d);
	}
	/* ... and the comparison can fail: other settings, other bytes */
	assert_int_not_equal(tu_run("cd '%s/main/binary-amd64' && xz -T2 "
	    "--block-size=1MiB --lzma2=preset=6,dict=1MiB -c Packages | "
	    "cmp -s - Packages.xz", dirs[0]), 0);
	for (i = 0; i < 3; i++)
		free(dirs[i]);
	jp_rm_rf(&f->ctx, repo);
	free(repo);
	free_pkgs(big, BIG_N);
}

/* --- apt in a scratch root --- */

/*
 * Make a fresh root whose sources.list points at repo's suite, with more
 * source options (" arch=i386") after trusted=yes.
 */
static char *
apt_root_src(struct fixture *f, const char *name, const char *repo,
    const char *suite, const char *srcopts)
{
	char *root = jp_xasprintf("%s/%s", f->dir, name);

	jp_rm_rf(&f->ctx, root);
	assert_int_equal(tu_run("mkdir -p '%s/var/lib/dpkg/info' "
	    "'%s/var/lib/dpkg/updates' '%s/var/lib/apt/lists/partial' "
	    "'%s/var/cache/apt/archives/partial' '%s/var/log/apt' "
	    "'%s/etc/apt/apt.conf.d' '%s/etc/apt/preferences.d' "
	    "'%s/etc/apt/sources.list.d' && touch '%s/var/lib/dpkg/status' && "
	    "echo 'deb [trusted=yes%s] file:%s %s main' > "
	    "'%s/etc/apt/sources.list'",
	    root, root, root, root, root, root, root, root, root, srcopts, repo,
	    suite, root), 0);
	return root;
}

static char *
apt_root(struct fixture *f, const char *name, const char *repo,
    const char *suite)
{
	return apt_root_src(f, name, repo, suite, "");
}

/*
 * The apt-get (or apt-cache) command line for a root.  Date and
 * Valid-Until are checked as on any client, whatever this host's
 * configuration says.
 */
#define APT_OPTS "-o Dir='%s' -o Dir::State::status='%s/var/lib/dpkg/status' " \
	"-o Dir::Bin::dpkg=/usr/bin/dpkg -o DPkg::Options::=--root='%s' " \
	"-o DPkg::Options::=--force-not-root -o Debug::NoLocking=1 " \
	"-o APT::Sandbox::User=root -o Acquire::Languages=none " \
	"-o Acquire::Check-Date=true -o Acquire::Check-Valid-Until=true " \
	"-o Dir::Log='%s/var/log/apt' -o Acquire::GzipIndexes=false"

static int
apt_get(const char *root, const char *extra, const char *args)
{
	return tu_run("apt-get " APT_OPTS " %s %s >'%s/apt.log' 2>&1",
	    root, root, root, root, extra, args, root);
}

static char *
apt_log(const char *root)
{
	return tu_capture(NULL, "cat '%s/apt.log'", root);
}

/* "name version arch" of every installed package, sorted. */
static char *
installed(const char *root)
{
	return tu_capture(NULL, "dpkg-query --admindir='%s/var/lib/dpkg' -W "
	    "-f '${Package} ${Version} ${Architecture}\\n' | LC_ALL=C sort",
	    root);
}

static void
test_apt_update_install(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	char *dir, *root, *s;

	need_apt(f);
	o.date = (int64_t)time(NULL) - 3600;
	dir = write_suite(f, f->repo, "stable", f->pkgs, f->npkgs, &o);
	root = apt_root(f, "root-amd64", f->repo, "stable");
	if (apt_get(root, "-o APT::Architecture=amd64", "update") != 0)
		fail_msg("apt-get update:\n%s", apt_log(root));
	s = apt_log(root);
	assert_null(strstr(s, "W:"));
	assert_null(strstr(s, "E:"));
	free(s);
	/* apt sees every version of hello for amd64, newest first */
	s = tu_capture(NULL, "apt-cache " APT_OPTS " -o APT::Architecture=amd64 madison "
	    "hello | cut -d'|' -f2 | tr -d ' ' | tr '\\n' ' '", root, root,
	    root, root);
	assert_string_equal(s, "1:0.9~rc1-1 2.0~beta1-1 1.0-1 ");
	free(s);
	/* install: dependencies resolved from our index, files from the pool */
	if (apt_get(root, "-o APT::Architecture=amd64", "install -y tool hello") != 0)
		fail_msg("apt-get install:\n%s", apt_log(root));
	s = installed(root);
	assert_string_equal(s, "common 1.0 all\nhello 1:0.9~rc1-1 amd64\n"
	    "tool 1.5-2 amd64\n");
	free(s);
	/* an older version by name=version */
	if (apt_get(root, "-o APT::Architecture=amd64",
	    "install -y --allow-downgrades hello=1.0-1") != 0)
		fail_msg("apt-get install hello=1.0-1:\n%s", apt_log(root));
	s = installed(root);
	assert_non_null(strstr(s, "hello 1.0-1 amd64\n"));
	free(s);
	free(root);

	/* an i386 client sees the i386 index and the all packages */
	root = apt_root(f, "root-i386", f->repo, "stable");
	if (apt_get(root, "-o APT::Architecture=i386", "update") != 0)
		fail_msg("apt-get update (i386):\n%s", apt_log(root));
	assert_int_equal(apt_get(root, "-o APT::Architecture=i386",
	    "install -s hello common libfoo1"), 0);
	s = apt_log(root);
	assert_non_null(strstr(s, "Inst hello (2.0-1 "));
	assert_non_null(strstr(s, "Inst common (1.0 "));
	assert_non_null(strstr(s, "Inst libfoo1 (3.0-1 "));
	assert_non_null(strstr(s, "[i386]"));
	free(s);
	free(root);
	free(dir);
}

/*
 * Each version in a root's package cache, "name version" (name with
 * ":arch" for a foreign architecture, as apt spells it), sorted: apt-cache
 * dump lists each version once, however many indexes list it (the
 * index files it describes after the packages are left out).
 */
static char *
apt_versions(const char *root, const char *extra)
{
	return tu_capture(NULL, "apt-cache " APT_OPTS " %s dump | awk "
	    "'/^Package: /{p=$2} /^File: /{p=\"\"} "
	    "/^ Version: / && p != \"\" {print p, $2}' | LC_ALL=C sort",
	    root, root, root, root, extra);
}

/*
 * What a client of `native` reading the indexes of `archs` (and "all")
 * must have, from the .deb files themselves (dpkg-deb): "name version"
 * (":arch" for other than native and all), sorted.
 */
static char *
pool_versions(const char *repo, const char *native, const char *archs)
{
	return tu_capture(NULL, "cd '%s' && find pool -name '*.deb' | while read d; do "
	    "dpkg-deb --showformat='${Package} ${Version} ${Architecture}\\n' "
	    "-W \"$d\"; done | awk -v n='%s' -v l=' %s all ' "
	    "'index(l, \" \" $3 \" \") { print ($3 == n || $3 == \"all\") ? "
	    "$1 : $1 \":\" $3, $2 }' | LC_ALL=C sort", repo, native, archs);
}

/* The index files apt read for the package with this name's version. */
static int
apt_files_of(const char *root, const char *extra, const char *name)
{
	char *s = tu_capture(NULL, "apt-cache " APT_OPTS " %s showpkg %s | "
	    "sed -n '/^Versions:/{n;p;}' | grep -o '_Packages' | wc -l",
	    root, root, root, root, extra, name);
	int n = atoi(s);

	free(s);
	return n;
}

/*
 * No "W:" or "E:" line in the log; an "N:" line only about `about`.  For
 * "apt-get update" only: during an install, this host's
 * DPkg::Pre-Install-Pkgs hooks (dpkg-preconfigure) read its own apt
 * configuration, which has notices of its own.
 */
static void
assert_quiet_log(const char *root, const char *about)
{
	char *s = apt_log(root);
	const char *p;

	if (strstr(s, "W:") || strstr(s, "E:"))
		fail_msg("apt-get printed a warning or an error:\n%s", s);
	for (p = strstr(s, "N:"); p; p = strstr(p + 1, "N:")) {
		const char *eol = strchr(p, '\n');
		char *line = jp_xstrndup(p, eol ? (size_t)(eol - p) :
		    strlen(p));

		if (!about || !strstr(line, about))
			fail_msg("apt-get printed a notice:\n%s", s);
		free(line);
	}
	free(s);
}

/*
 * Clients of every architecture against a repository of amd64, i386 and
 * "all" packages.  The oracles: apt-get and apt-cache (what they fetch,
 * which versions they end up with, from which indexes, what they install
 * and what they print) and dpkg-deb (which packages a client must see).
 */
static void
test_apt_arch_all_clients(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	const char *o_amd64 = "-o APT::Architecture=amd64";
	const char *o_arm64 = "-o APT::Architecture=arm64";
	const char *o_i386 = "-o APT::Architecture=i386";
	const char *o_multi = "-o APT::Architecture=amd64 "
	    "-o APT::Architectures=amd64,i386";
	char *dir, *root, *s, *want;

	need_apt(f);
	o.suite = "mixed";
	o.date = (int64_t)time(NULL) - 3600;
	dir = write_suite(f, f->repo, "mixed", f->pkgs, f->npkgs, &o);

	/*
	 * (a) amd64 reads binary-amd64 and binary-all: every amd64 and all
	 * package, each version once (common's from both indexes), no
	 * message
	 */
	root = apt_root(f, "root-mixed-amd64", f->repo, "mixed");
	if (apt_get(root, o_amd64, "update") != 0)
		fail_msg("apt-get update (amd64):\n%s", apt_log(root));
	assert_quiet_log(root, NULL);
	s = apt_versions(root, o_amd64);
	want = pool_versions(f->repo, "amd64", "amd64");
	assert_string_equal(s, want);
	assert_non_null(strstr(s, "common 1.0\n"));
	free(s);
	free(want);
	assert_int_equal(apt_files_of(root, o_amd64, "common"), 2);
	assert_int_equal(apt_files_of(root, o_amd64, "tool"), 1);
	/* one candidate */
	s = tu_capture(NULL, "apt-cache " APT_OPTS " %s policy common", root, root,
	    root, root, o_amd64);
	assert_non_null(strstr(s, "Candidate: 1.0\n"));
	free(s);
	if (apt_get(root, o_amd64, "install -y tool") != 0)
		fail_msg("apt-get install tool (amd64):\n%s", apt_log(root));
	s = installed(root);
	assert_string_equal(s, "common 1.0 all\ntool 1.5-2 amd64\n");
	free(s);
	free(root);

	/*
	 * (b) arm64, with no index of its own: the all packages from
	 * binary-all and nothing else; at most a notice about binary-arm64
	 */
	root = apt_root(f, "root-mixed-arm64", f->repo, "mixed");
	if (apt_get(root, o_arm64, "update") != 0)
		fail_msg("apt-get update (arm64):\n%s", apt_log(root));
	assert_quiet_log(root, "binary-arm64");
	s = apt_versions(root, o_arm64);
	want = pool_versions(f->repo, "arm64", "");
	assert_string_equal(s, want);
	assert_string_equal(s, "common 1.0\n");
	free(s);
	free(want);
	if (apt_get(root, o_arm64, "install -y common") != 0)
		fail_msg("apt-get install common (arm64):\n%s", apt_log(root));
	s = installed(root);
	assert_string_equal(s, "common 1.0 all\n");
	free(s);
	/* an amd64 package is not offered to arm64 */
	assert_int_not_equal(apt_get(root, o_arm64, "install -s tool"), 0);

	/*
	 * Debian's Release says "No-Support-for-Architecture-all: Packages";
	 * with it this client would have nothing at all, without a word:
	 * why jp_aptmd_write() leaves it out
	 */
	assert_int_equal(tu_run("cd '%s' && sed 's/^Architectures:/"
	    "No-Support-for-Architecture-all: Packages\\n&/' Release >R.new && "
	    "mv R.new Release && grep -q '^No-Support-for-Architecture-all:' "
	    "Release", dir), 0);
	free(root);
	root = apt_root(f, "root-mixed-nosupport", f->repo, "mixed");
	if (apt_get(root, o_arm64, "update") != 0)
		fail_msg("apt-get update (arm64, No-Support):\n%s",
		    apt_log(root));
	assert_quiet_log(root, "binary-arm64");
	s = apt_versions(root, o_arm64);
	assert_string_equal(s, "");
	free(s);
	free(root);
	free(dir);
	dir = write_suite(f, f->repo, "mixed", f->pkgs, f->npkgs, &o);

	/* (c) i386 with [arch=i386]: binary-i386 and binary-all */
	root = apt_root_src(f, "root-mixed-i386", f->repo, "mixed",
	    " arch=i386");
	if (apt_get(root, o_i386, "update") != 0)
		fail_msg("apt-get update (i386):\n%s", apt_log(root));
	assert_quiet_log(root, NULL);
	s = apt_versions(root, o_i386);
	want = pool_versions(f->repo, "i386", "i386");
	assert_string_equal(s, want);
	free(s);
	free(want);
	assert_int_equal(apt_files_of(root, o_i386, "common"), 2);
	/* simulated: this host's dpkg installs only its own architecture */
	if (apt_get(root, o_i386, "install -s hello common") != 0)
		fail_msg("apt-get install -s (i386):\n%s", apt_log(root));
	s = apt_log(root);
	assert_non_null(strstr(s,
	    "\nInst hello (2.0-1 Test Label:mixed [i386])"));
	assert_non_null(strstr(s,
	    "\nInst common (1.0 Test Label:mixed [all])"));
	free(s);
	free(root);

	/*
	 * ... and a multiarch amd64 client with [arch=amd64,i386]: both
	 * architectures' packages, common once though three indexes list it
	 */
	root = apt_root_src(f, "root-mixed-multi", f->repo, "mixed",
	    " arch=amd64,i386");
	if (apt_get(root, o_multi, "update") != 0)
		fail_msg("apt-get update (amd64+i386):\n%s", apt_log(root));
	assert_quiet_log(root, NULL);
	s = apt_versions(root, o_multi);
	want = pool_versions(f->repo, "amd64", "amd64 i386");
	assert_string_equal(s, want);
	free(s);
	free(want);
	assert_int_equal(apt_files_of(root, o_multi, "common"), 3);
	assert_int_equal(tu_run("dpkg --admindir='%s/var/lib/dpkg' "
	    "--add-architecture i386", root), 0);
	if (apt_get(root, o_multi, "install -y hello:i386 libfoo1:amd64 "
	    "libfoo1:i386 common") != 0)
		fail_msg("apt-get install (amd64+i386):\n%s", apt_log(root));
	s = installed(root);
	assert_string_equal(s, "common 1.0 all\nhello 2.0-1 i386\n"
	    "libfoo1 3.0-1 amd64\nlibfoo1 3.0-1 i386\n");
	free(s);
	free(root);
	jp_rm_rf(&f->ctx, dir);
	free(dir);
}

/* Date and Valid-Until reach apt: a Release from the future or expired fails. */
static void
test_apt_dates(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	char *dir, *root, *s;

	need_apt(f);
	root = apt_root(f, "root-dates", f->repo, "dated");
	o.suite = "dated";
	o.date = (int64_t)time(NULL) + 2 * 86400;
	dir = write_suite(f, f->repo, "dated", f->pkgs, f->npkgs, &o);
	assert_int_not_equal(apt_get(root, "", "update"), 0);
	s = apt_log(root);
	assert_non_null(strstr(s, "not valid yet"));
	free(s);
	free(dir);

	o.date = (int64_t)time(NULL) - 3 * 86400;
	o.valid_for_days = 1;
	dir = write_suite(f, f->repo, "dated", f->pkgs, f->npkgs, &o);
	assert_int_not_equal(apt_get(root, "", "update"), 0);
	s = apt_log(root);
	assert_non_null(strstr(s, "expired"));
	free(s);
	free(dir);

	o.valid_for_days = 7;
	dir = write_suite(f, f->repo, "dated", f->pkgs, f->npkgs, &o);
	if (apt_get(root, "", "update") != 0)
		fail_msg("apt-get update:\n%s", apt_log(root));
	jp_rm_rf(&f->ctx, dir);
	free(dir);
	free(root);
}

/* With the plain index files gone apt still updates: by-hash serves it. */
static void
test_apt_by_hash_only(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	char *dir, *root;

	need_apt(f);
	o.suite = "byhash";
	o.date = (int64_t)time(NULL) - 3600;
	dir = write_suite(f, f->repo, "byhash", f->pkgs, f->npkgs, &o);
	assert_int_equal(tu_run("rm '%s'/main/binary-*/Packages*", dir), 0);
	root = apt_root(f, "root-byhash", f->repo, "byhash");
	if (apt_get(root, "-o APT::Architecture=amd64", "update") != 0)
		fail_msg("apt-get update:\n%s", apt_log(root));
	assert_int_equal(apt_get(root, "-o APT::Architecture=amd64",
	    "install -s tool"), 0);
	jp_rm_rf(&f->ctx, dir);
	free(dir);
	free(root);
}

/*
 * apt reads our .xz files, multi-Block ones included: a large repository
 * whose only index files are the by-hash copies of Packages.xz updates,
 * and apt's lists hold exactly our Packages texts.
 */
static void
test_apt_xz_only(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_pkg **big;
	char *repo = jp_path_join(f->dir, "bigapt");
	char *dir, *root, *saved, *s;
	size_t a;

	need_apt(f);
	big = big_records(BIG_N);
	o.suite = "xzonly";
	o.date = (int64_t)time(NULL) - 3600;
	dir = write_suite(f, repo, "xzonly", big, BIG_N, &o);
	saved = jp_path_join(f->dir, "bigapt-saved");
	assert_int_equal(tu_run("rm -rf '%s' && mkdir '%s' && "
	    "cp '%s/main/binary-all/Packages' '%s/all' && "
	    "cp '%s/main/binary-amd64/Packages' '%s/amd64'", saved, saved,
	    dir, saved, dir, saved), 0);
	/* keep the by-hash copies of Packages.xz, nothing else */
	assert_int_equal(tu_run("cd '%s/main' && for d in binary-*; do "
	    "k256=$(sha256sum < $d/Packages.xz | cut -d' ' -f1) && "
	    "k512=$(sha512sum < $d/Packages.xz | cut -d' ' -f1) && "
	    "for h in $d/by-hash/SHA256/*; do "
	    "[ \"${h##*/}\" = \"$k256\" ] || rm \"$h\" || exit 1; done && "
	    "for h in $d/by-hash/SHA512/*; do "
	    "[ \"${h##*/}\" = \"$k512\" ] || rm \"$h\" || exit 1; done && "
	    "rm $d/Packages $d/Packages.gz $d/Packages.xz || exit 1; done && "
	    "test $(find . -type f | wc -l) = 4", dir), 0);
	root = apt_root(f, "root-xzonly", repo, "xzonly");
	if (apt_get(root, "-o APT::Architecture=amd64", "update") != 0)
		fail_msg("apt-get update:\n%s", apt_log(root));
	s = apt_log(root);
	assert_null(strstr(s, "W:"));
	assert_null(strstr(s, "E:"));
	free(s);
	/* Acquire::GzipIndexes=false: the lists are the texts, decompressed */
	for (a = 0; a < 2; a++) {
		const char *arch = a == 0 ? "all" : "amd64";

		assert_int_equal(tu_run("cmp '%s/%s' '%s'/var/lib/apt/lists/"
		    "*_dists_xzonly_main_binary-%s_Packages", saved, arch,
		    root, arch), 0);
	}
	/* and apt knows the packages: the last one, an amd64 one */
	s = tu_chomp(tu_capture(NULL, "apt-cache " APT_OPTS " -o APT::Architecture=amd64 "
	    "show '%s' | sed -n 's/^Version: //p'", root, root, root, root,
	    big[BIG_N - 1]->name));
	assert_string_equal(s, big[BIG_N - 1]->version);
	free(s);
	jp_rm_rf(&f->ctx, repo);
	jp_rm_rf(&f->ctx, saved);
	free(saved);
	free(dir);
	free(root);
	free(repo);
	free_pkgs(big, BIG_N);
}

/* Only "all" packages: binary-all alone, usable from any architecture. */
static void
test_all_only(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_pkg **pkgs;
	char *repo, *dir, *rel, *root, *s;
	size_t n;

	need_tools(f);
	repo = jp_path_join(f->dir, "allonly");
	read_pool(f, repo, &pkgs, &n);
	assert_int_equal(n, 1);
	o.date = (int64_t)time(NULL) - 3600;
	dir = write_suite(f, repo, "stable", pkgs, n, &o);
	s = jp_xasprintf("%s/Release", dir);
	rel = tu_slurp(s, NULL);
	free(s);
	assert_non_null(strstr(rel, "\nArchitectures: all\n"));
	assert_int_equal(tu_run("test -s '%s/main/binary-all/Packages' && "
	    "test \"$(ls '%s/main')\" = binary-all", dir, dir), 0);
	free(rel);
	if (f->have_apt) {
		static const char *const archs[] = { "amd64", "arm64" };
		size_t a;

		for (a = 0; a < 2; a++) {
			char *opt = jp_xasprintf("-o APT::Architecture=%s",
			    archs[a]);

			root = apt_root(f, "root-all", repo, "stable");
			if (apt_get(root, opt, "update") != 0)
				fail_msg("apt-get update:\n%s", apt_log(root));
			s = apt_log(root);
			assert_null(strstr(s, "W:"));
			assert_null(strstr(s, "N:"));
			free(s);
			if (apt_get(root, opt, "install -y onlyall") != 0)
				fail_msg("apt-get install:\n%s", apt_log(root));
			s = installed(root);
			assert_string_equal(s, "onlyall 0.1 all\n");
			free(s);
			free(root);
			free(opt);
		}
	}
	/* no packages at all: an empty binary-all index apt accepts */
	free(dir);
	dir = write_suite(f, repo, "empty", NULL, 0, &o);
	assert_int_equal(tu_run("test -f '%s/main/binary-all/Packages' && "
	    "! test -s '%s/main/binary-all/Packages'", dir, dir), 0);
	if (f->have_apt) {
		root = apt_root(f, "root-empty", repo, "empty");
		if (apt_get(root, "", "update") != 0)
			fail_msg("apt-get update:\n%s", apt_log(root));
		free(root);
	}
	free_pkgs(pkgs, n);
	free(dir);
	free(repo);
}

/* --- the previous generation --- */

/* Check that every SHA256/SHA512 entry of release has its by-hash file in dir. */
static size_t
count_byhash_present(struct fixture *f, const char *release, const char *dir)
{
	char *text = tu_slurp(release, NULL);
	struct jp_deb822_stanza *st;
	size_t nst, k, present = 0;

	assert_int_equal(jp_deb822_parse(&f->ctx, text, strlen(text), release,
	    0, &st, &nst), 0);
	for (k = 2; k < 4; k++) {
		char *copy = jp_xstrdup(jp_deb822_get(&st[0], sum_sections[k]));
		char *save = NULL, *line;

		for (line = strtok_r(copy, "\n", &save); line;
		    line = strtok_r(NULL, "\n", &save)) {
			char hex[200], rel[200];
			unsigned long long sz;
			char *d;

			assert_int_equal(sscanf(line, " %199s %llu %199s", hex,
			    &sz, rel), 3);
			d = tu_chomp(tu_capture(NULL, "dirname '%s'", rel));
			if (tu_run("test \"$(%s '%s/%s/by-hash/%s/%s' 2>/dev/null | "
			    "cut -d' ' -f1)\" = '%s'", sum_tools[k], dir, d,
			    sum_sections[k], hex, hex) == 0)
				present++;
			free(d);
		}
		free(copy);
	}
	jp_deb822_free(st, nst);
	free(text);
	return present;
}

static void
test_previous_generation(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_pkg *gen1[3], *gen3[1];
	char *repo = jp_path_join(f->dir, "gens");
	char *live, *next, *root = NULL, *s, *bare;
	size_t i, n1 = 0;

	need_tools(f);
	/* gen1: hello 1.0-1 (amd64, i386) and common; gen2: everything */
	for (i = 0; i < f->npkgs; i++)
		if (strstr(f->pkgs[i]->location, "hello_1.0-1") ||
		    !strcmp(f->pkgs[i]->name, "common"))
			gen1[n1++] = f->pkgs[i];
	assert_int_equal(n1, 3);
	assert_int_equal(tu_run("rm -rf '%s' && mkdir -p '%s' && ln -s '%s/pool' "
	    "'%s/pool'", repo, repo, f->repo, repo), 0);
	o.date = (int64_t)time(NULL) - 7200;
	live = write_suite(f, repo, "stable", gen1, n1, &o);
	if (f->have_apt) {
		root = apt_root(f, "root-gens", repo, "stable");
		if (apt_get(root, "-o APT::Architecture=amd64", "update") != 0)
			fail_msg("apt-get update (gen1):\n%s", apt_log(root));
	}
	/* gen2 built beside the live tree, then swapped in */
	o.date += 3600;
	o.prev_suite_dir = live;
	next = write_suite(f, repo, ".stable.new", f->pkgs, f->npkgs, &o);
	assert_int_equal(tu_run("cp '%s/Release' '%s/Release.gen1'", live,
	    f->dir), 0);
	assert_int_equal(tu_run("cp '%s/Release' '%s/Release.gen2'", next,
	    f->dir), 0);
	/* 3 indexes (all, amd64, i386) x 3 files x 2 digests of gen1 */
	s = jp_xasprintf("%s/Release.gen1", f->dir);
	assert_int_equal(count_byhash_present(f, s, next), 18);
	free(s);
	assert_int_equal(tu_run("cd '%s/dists' && mv stable .stable.old && "
	    "mv .stable.new stable && rm -rf .stable.old", repo), 0);

	if (f->have_apt) {
		/*
		 * A client that read gen1's Release just before the swap:
		 * the files it was promised are there by hash.
		 */
		assert_int_equal(tu_run("cp '%s/Release.gen1' '%s/Release'", f->dir,
		    live), 0);
		free(root);
		root = apt_root(f, "root-mid", repo, "stable");
		if (apt_get(root, "-o APT::Architecture=amd64", "update") != 0)
			fail_msg("apt-get update (gen1 Release, gen2 tree):\n%s",
			    apt_log(root));
		s = tu_capture(NULL, "apt-cache " APT_OPTS " -o APT::Architecture=amd64 "
		    "madison hello | wc -l", root, root, root, root);
		assert_string_equal(s, "1\n");
		free(s);
		/* and the gen2 Release gives gen2 */
		assert_int_equal(tu_run("cp '%s/Release.gen2' '%s/Release'", f->dir,
		    live), 0);
		if (apt_get(root, "-o APT::Architecture=amd64", "update") != 0)
			fail_msg("apt-get update (gen2):\n%s", apt_log(root));
		s = tu_capture(NULL, "apt-cache " APT_OPTS " -o APT::Architecture=amd64 "
		    "madison hello | wc -l", root, root, root, root);
		assert_string_equal(s, "3\n");
		free(s);

		/*
		 * The same client against a tree built without the previous
		 * generation fails: the test would see by-hash missing.
		 */
		bare = jp_path_join(f->dir, "gens-bare");
		assert_int_equal(tu_run("rm -rf '%s' && mkdir -p '%s' && ln -s "
		    "'%s/pool' '%s/pool'", bare, bare, f->repo, bare), 0);
		o.prev_suite_dir = NULL;
		free(next);
		next = write_suite(f, bare, "stable", f->pkgs, f->npkgs, &o);
		assert_int_equal(tu_run("cp '%s/Release.gen1' '%s/Release'", f->dir,
		    next), 0);
		free(root);
		root = apt_root(f, "root-bare", bare, "stable");
		assert_int_not_equal(apt_get(root, "-o APT::Architecture=amd64",
		    "update"), 0);
		s = apt_log(root);
		assert_non_null(strstr(s, "Failed to fetch"));
		free(s);
		free(bare);
	}
	assert_int_equal(tu_run("cp '%s/Release.gen2' '%s/Release'", f->dir,
	    live), 0);

	/* gen3 keeps gen2's files only: one generation back */
	for (i = 0; i < f->npkgs; i++)
		if (!strcmp(f->pkgs[i]->name, "tool"))
			gen3[0] = f->pkgs[i];
	o.prev_suite_dir = live;
	free(next);
	next = write_suite(f, repo, ".stable.new", gen3, 1, &o);
	s = jp_xasprintf("%s/Release.gen2", f->dir);
	assert_int_equal(count_byhash_present(f, s, next), 18);
	free(s);
	/*
	 * of gen1's, only the binary-all files: gen1 and gen2 have the same
	 * "all" packages, so gen2's binary-all has gen1's bytes
	 */
	s = jp_xasprintf("%s/Release.gen1", f->dir);
	assert_int_equal(count_byhash_present(f, s, next), 6);
	free(s);
	assert_int_equal(tu_run("cmp -s '%s/Release.gen1' '%s/Release.gen2'",
	    f->dir, f->dir), 1);
	assert_int_equal(tu_run("a=$(grep -c 'main/binary-all/' '%s/Release.gen1') "
	    "&& test \"$(grep -Fx -f '%s/Release.gen1' '%s/Release.gen2' | "
	    "grep -c main/binary-all/)\" = \"$a\"", f->dir, f->dir, f->dir),
	    0);
	/* gen3 has only amd64 packages; gen2's i386 by-hash files stay */
	assert_int_equal(tu_run("test -d '%s/main/binary-i386/by-hash/SHA512' && "
	    "! test -e '%s/main/binary-i386/Packages'", next, next), 0);

	/* a damaged previous tree is a warning, never an error */
	assert_int_equal(tu_run("rm -rf '%s/main/binary-amd64/by-hash' && "
	    "echo junk > '%s/main/binary-amd64/Packages.xz'", live, live), 0);
	free(next);
	f->ctx.verbosity = JP_V_QUIET;
	next = write_suite(f, repo, ".stable.new2", gen3, 1, &o);
	/*
	 * The amd64 files come from the plain copies, checked by digest: the
	 * damaged Packages.xz (its SHA256 and SHA512 entries) is left out.
	 */
	s = jp_xasprintf("%s/Release.gen2", f->dir);
	assert_int_equal(count_byhash_present(f, s, next), 16);
	free(s);
	assert_int_equal(tu_run("grep -rqx junk '%s/main/binary-amd64/by-hash'",
	    next), 1);
	free(next);
	/* ... and so is a missing one */
	o.prev_suite_dir = "/nonexistent/dists/stable";
	next = write_suite(f, repo, ".stable.new3", gen3, 1, &o);
	free(next);

	free(root);
	free(live);
	free(repo);
}

/* --- options, records and dates --- */

static void
test_bad_options(void **state)
{
	static const struct {
		const char *suite, *component, *origin;
		int days;
		const char *msg;
	} cases[] = {
		{ "", NULL, NULL, 0, "invalid suite '': empty" },
		{ "a/b", NULL, NULL, 0, "invalid suite 'a/b': only letters" },
		{ "..", NULL, NULL, 0, "invalid suite '..': must not start" },
		{ "stable", "main/x", NULL, 0, "invalid component 'main/x'" },
		{ "stable", "main", "two\nlines", 0, "invalid origin 'two\nlines'" },
		{ "stable", "main", NULL, -1, "invalid validity '-1' days" },
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jp_aptmd_opts o = default_opts();

		o.suite = cases[i].suite;
		o.component = cases[i].component;
		o.origin = cases[i].origin;
		o.valid_for_days = cases[i].days;
		assert_int_equal(jp_aptmd_check_opts(&f->ctx, &o), JP_ERR);
		if (strncmp(jp_error_msg(&f->ctx), cases[i].msg,
		    strlen(cases[i].msg)))
			fail_msg("got '%s', want '%s'", jp_error_msg(&f->ctx),
			    cases[i].msg);
		assert_int_equal(jp_aptmd_write(&f->ctx, f->dir, NULL, 0, &o),
		    JP_ERR);
	}
	{
		struct jp_aptmd_opts o = default_opts();

		assert_int_equal(jp_aptmd_check_opts(&f->ctx, &o), 0);
		o.codename = NULL;
		o.component = NULL;
		o.origin = NULL;
		o.label = NULL;
		assert_int_equal(jp_aptmd_check_opts(&f->ctx, &o), 0);
	}
}

static void
test_bad_record(void **state)
{
	struct fixture *f = *state;
	struct jp_aptmd_opts o = default_opts();
	struct jp_pkg *p = jp_pkg_new(JP_PKG_DEB);
	char *dir = jp_path_join(f->dir, "badrec");

	p->name = jp_xstrdup("x");
	p->arch = jp_xstrdup("amd64");
	p->epoch = jp_xstrdup("0");
	p->version = jp_xstrdup("1.0");
	p->location = jp_xstrdup("pool/a\nb.deb");
	assert_int_equal(jp_mkdir_p(&f->ctx, dir), 0);
	assert_int_equal(jp_aptmd_write(&f->ctx, dir, &p, 1, &o), JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx),
	    "cannot index 'pool/a\nb.deb': no usable location");
	free(p->location);
	p->location = jp_xstrdup("pool/x.deb");
	free(p->arch);
	p->arch = jp_xstrdup("../../etc");
	assert_int_equal(jp_aptmd_write(&f->ctx, dir, &p, 1, &o), JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx),
	    "cannot index 'pool/x.deb': unusable architecture");
	jp_pkg_free(p);
	free(dir);
}

static void
test_dates(void **state)
{
	static const int64_t times[] = {
		0, 951782400 /* 2000-02-29 */, 1795860000, 4102444799,
		-86400,
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char *want = tu_chomp(tu_capture(NULL, "LC_ALL=C date -u -d @%" PRId64
		    " '+%%a, %%d %%b %%Y %%H:%%M:%%S UTC'", times[i]));

		assert_true(jp_aptmd_date(times[i], buf, sizeof(buf)) > 0);
		assert_string_equal(buf, want);
		free(want);
	}
	assert_int_equal(jp_aptmd_date(0, buf, 10), -1);
	assert_int_equal(jp_aptmd_date(INT64_C(1) << 60, buf, sizeof(buf)), -1);
}

/* The stanza of a record made by hand: names and order as dpkg writes them. */
static void
test_stanza(void **state)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_DEB);
	char *s;

	(void)state;
	p->name = jp_xstrdup("x");
	p->arch = jp_xstrdup("all");
	p->epoch = jp_xstrdup("0");
	p->version = jp_xstrdup("1");
	p->location = jp_xstrdup("pool/x_1_all.deb");
	p->file_size = 1234;
	strcpy(p->md5, "m");
	strcpy(p->sha1, "s1");
	strcpy(p->sha256, "s256");
	strcpy(p->sha512, "s512");
	jp_pkg_add_field(p, "description", "d\n line");
	jp_pkg_add_field(p, "x-b", "2");
	jp_pkg_add_field(p, "VERSION", "1");
	jp_pkg_add_field(p, "sha512", "bogus");
	jp_pkg_add_field(p, "md5SUM", "bogus");
	jp_pkg_add_field(p, "X-a", "1");
	jp_pkg_add_field(p, "package", "x");
	jp_pkg_add_field(p, "Blank", " ");
	jp_pkg_add_field(p, "ARCHITECTURE", "all");
	s = jp_aptmd_stanza(p);
	assert_string_equal(s,
	    "Package: x\n"
	    "Version: 1\n"
	    "Architecture: all\n"
	    "Filename: pool/x_1_all.deb\n"
	    "Size: 1234\n"
	    "MD5sum: m\n"
	    "SHA1: s1\n"
	    "SHA256: s256\n"
	    "Description: d\n"
	    " line\n"
	    "X-A: 1\n"
	    "X-B: 2\n"
	    "\n");
	free(s);
	jp_pkg_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stanza),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_record),
		cmocka_unit_test(test_packages_match_dpkg_scanpackages),
		cmocka_unit_test(test_packages_match_apt_ftparchive),
		cmocka_unit_test(test_release_and_files),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_xz_threads),
		cmocka_unit_test(test_apt_update_install),
		cmocka_unit_test(test_apt_arch_all_clients),
		cmocka_unit_test(test_apt_dates),
		cmocka_unit_test(test_apt_by_hash_only),
		cmocka_unit_test(test_apt_xz_only),
		cmocka_unit_test(test_all_only),
		cmocka_unit_test(test_previous_generation),
	};

	return cmocka_run_group_tests_name("aptmd", tests, group_setup,
	    group_teardown);
}
