/*
 * aptmd_read_test.c: unit tests of jp_pool_add_apt (aptmd_read.c).
 *
 * Each test makes its repository in a scratch directory with a shell
 * script: Packages files written by hand (relations that dpkg-deb would
 * not build: arch restrictions, profiles, qualifiers, deprecated
 * operators), compressed with gzip and xz, and dists/SUITE/Release written
 * by apt-ftparchive release (the real tool lists the sizes and hashes the
 * reader must check); InRelease clearsigned by gpg.  Expected relations
 * follow Debian Policy 7.1 as cited at each test; tests/t5100-pool-apt.sh
 * compares the pool of the .deb corpus with apt's own view.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctx.h"
#include "fsutil.h"
#include "pool.h"
#include "testutil.h"

/*
 * Shell functions for the fixture scripts:
 *   rel DIR ARCHS COMPONENTS [-o APT-OPTION]... [FIELD: VALUE]...  write
 *       DIR/Release with apt-ftparchive (every index file under DIR), the
 *       extra fields first
 *   comp FILE  write FILE.gz and FILE.xz beside FILE
 */
static const char prelude[] =
	"set -e\n"
	"cd \"$1\"\n"
	"rel() {\n"
	"  _d=$1 _a=$2 _c=$3 _o=; shift 3\n"
	"  while [ \"${1:-}\" = -o ]; do _o=\"$_o -o $2\"; shift 2; done\n"
	"  (cd \"$_d\" && apt-ftparchive $_o -o APT::FTPArchive::Release::Suite=$(basename \"$_d\") \\\n"
	"    -o \"APT::FTPArchive::Release::Architectures=$_a\" \\\n"
	"    -o \"APT::FTPArchive::Release::Components=$_c\" release . > ../.rel.tmp)\n"
	"  { for _x in \"$@\"; do printf '%s\\n' \"$_x\"; done; cat \"$_d/../.rel.tmp\"; } > \"$_d/Release\"\n"
	"  rm -f \"$_d/../.rel.tmp\"\n"
	"}\n"
	"comp() { gzip -9nc \"$1\" > \"$1.gz\"; xz -c \"$1\" > \"$1.xz\"; }\n"
	"M='Maintainer: T <t@example.com>'\n";

static int
setup(void **state)
{
	return tu_setup(state, "aptmd_read_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

static void
fixture(struct tu_fixture *f, const char *body)
{
	char *script = jp_xasprintf("%s%s", prelude, body);

	int rc = tu_fixture_script(&f->ctx, f->dir, script, "aptmd_read_test");

	free(script);
	if (rc < 0)
		fail_msg("fixture script failed:\n%s", body);
}

static int
load(struct tu_fixture *f, struct jp_pool *p, const char *rel,
    const char *arch)
{
	char *path = jp_path_join(f->dir, rel);
	int rc = jp_pool_add_apt(&f->ctx, p, path, arch);

	free(path);
	return rc;
}

/* The package name/arch/evr, or fail. */
static const struct jp_ppkg *
find(const struct jp_pool *p, const char *name, const char *arch,
    const char *evr)
{
	size_t i;

	for (i = 0; i < p->npkgs; i++) {
		const struct jp_ppkg *k = &p->pkgs[i];

		if (!strcmp(jp_pool_s(p, k->name), name) &&
		    !strcmp(jp_pool_s(p, k->arch), arch) &&
		    !strcmp(jp_pool_s(p, k->evr), evr))
			return k;
	}
	fail_msg("no %s:%s=%s in the pool", name, arch, evr);
	return NULL;
}

static size_t
count(const struct jp_pool *p, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < p->npkgs; i++)
		n += !strcmp(jp_pool_s(p, p->pkgs[i].name), name);
	return n;
}

/* A range of deps as Policy writes them: "a | b (>= 1), c" (malloc'd). */
static char *
deps(const struct jp_pool *p, uint32_t d0, uint32_t n)
{
	char *s = jp_xstrdup("");
	uint32_t d;

	for (d = d0; d < d0 + n; d++) {
		const struct jp_pdep *dp = &p->deps[d];
		const char *op = "";
		char *t;

		switch (dp->flags) {
		case JP_PDEP_LT: op = "<<"; break;
		case JP_PDEP_LT | JP_PDEP_EQ: op = "<="; break;
		case JP_PDEP_EQ: op = "="; break;
		case JP_PDEP_GT | JP_PDEP_EQ: op = ">="; break;
		case JP_PDEP_GT: op = ">>"; break;
		case 0: break;
		default: op = "??"; break;
		}
		if (dp->flags)
			t = jp_xasprintf("%s%s (%s %s)%s", s, jp_pool_s(p, dp->name),
			    op, jp_pool_s(p, dp->evr),
			    d + 1 == d0 + n ? (dp->or_next ? " |<end>" : "") :
			    dp->or_next ? " | " : ", ");
		else
			t = jp_xasprintf("%s%s%s", s, jp_pool_s(p, dp->name),
			    d + 1 == d0 + n ? (dp->or_next ? " |<end>" : "") :
			    dp->or_next ? " | " : ", ");
		free(s);
		s = t;
	}
	return s;
}

static void
assert_deps(const struct jp_pool *p, uint32_t d0, uint32_t n, const char *want)
{
	char *got = deps(p, d0, n);

	assert_string_equal(got, want);
	free(got);
}

static void
assert_err_has(struct tu_fixture *f, const char *a, const char *b)
{
	const char *m = jp_error_msg(&f->ctx);

	if (!strstr(m, a) || (b && !strstr(m, b)))
		fail_msg("error message '%s' lacks '%s'%s%s", m, a, b ? " or " : "",
		    b ? b : "");
}

/* A pool left as it was: no packages, deps, advisories, repositories. */
static void
assert_pool_empty(const struct jp_pool *p)
{
	assert_int_equal(p->npkgs, 0);
	assert_int_equal(p->ndeps, 0);
	assert_int_equal(p->nadvs, 0);
	assert_int_equal(p->nrepos, 0);
}

/*
 * Relations (Debian Policy 7.1): alternatives, versions with every
 * operator ("<" and ">" are the deprecated "<=" and ">="), qualifiers
 * dropped, [arch] lists (plain and negated, wildcards of Policy 11.1)
 * and <profile> lists (none active: only all-negated lists hold); groups
 * whose alternatives all drop out vanish.  Depends then Pre-Depends go to
 * req, Provides to prov, Conflicts then Breaks to con.  Version parts and
 * Source as dpkg splits them.  (t5100 checks the qualifiers and the
 * deprecated operators against apt-cache too.)
 */
static void
test_relations(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_pool p;
	const struct jp_ppkg *k;

	fixture(f,
	    "d=r/dists/s/main/binary-amd64; mkdir -p $d r/dists/s/main/binary-all\n"
	    "cat > $d/Packages <<EOF\n"
	    "Package: rel\n"
	    "Source: relsrc (1.9-1)\n"
	    "Version: 1:2.0-beta-3\n"
	    "Architecture: amd64\n"
	    "$M\n"
	    "Pre-Depends: p (= 1.0)\n"
	    "Depends: a | b (>= 1.0) | c:any (<< 2), d:native, e (< 3), f (> 4),\n"
	    " g [amd64] | h [!amd64], i [i386], j [linux-any], k [any-i386],\n"
	    " l <!nocheck>, m <stage1>, n <stage1> <!nocheck>,\n"
	    " o[!i386 !armhf],q (<=5)|r(>>6)\n"
	    "Provides: v1 (= 1.0), v2\n"
	    "Conflicts: x (<< 1)\n"
	    "Breaks: y (>= 2), z\n"
	    "Filename: pool/rel_2.0-beta-3_amd64.deb\n"
	    "Size: 1\n"
	    "Description: relations\n"
	    "\n"
	    "Package: plain\n"
	    "Version: 0.1\n"
	    "Architecture: amd64\n"
	    "Filename: pool/plain_0.1_amd64.deb\n"
	    "EOF\n"
	    "cat > r/dists/s/main/binary-all/Packages <<EOF\n"
	    "Package: allr\n"
	    "Version: 1.0-1\n"
	    "Architecture: all\n"
	    "Depends: q [i386], s [amd64]\n"
	    "Filename: pool/allr_1.0-1_all.deb\n"
	    "EOF\n"
	    "rel r/dists/s 'amd64 all' main\n");

	jp_pool_init(&p, JP_POOL_DEB);
	if (load(f, &p, "r", "amd64") < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_int_equal(p.npkgs, 3);
	assert_int_equal(p.nrepos, 1);
	assert_string_equal(p.repos[0].arch, "amd64");

	k = find(&p, "rel", "amd64", "1:2.0-beta-3");
	assert_string_equal(jp_pool_s(&p, k->epoch), "1");
	assert_string_equal(jp_pool_s(&p, k->version), "2.0-beta");
	assert_string_equal(jp_pool_s(&p, k->release), "3");
	assert_string_equal(jp_pool_s(&p, k->source), "relsrc");
	assert_string_equal(jp_pool_s(&p, k->location),
	    "pool/rel_2.0-beta-3_amd64.deb");
	assert_int_equal(k->repo, 0);
	assert_deps(&p, k->req0, k->nreq,
	    "a | b (>= 1.0) | c (<< 2), d, e (<= 3), f (>= 4), g, j, l, n, o, "
	    "q (<= 5) | r (>> 6), p (= 1.0)");
	assert_deps(&p, k->prov0, k->nprov, "v1 (= 1.0), v2");
	assert_deps(&p, k->con0, k->ncon, "x (<< 1), y (>= 2), z");
	assert_int_equal(k->nobs, 0);
	assert_int_equal(k->nfile, 0);

	k = find(&p, "plain", "amd64", "0.1");
	assert_string_equal(jp_pool_s(&p, k->epoch), "0");
	assert_string_equal(jp_pool_s(&p, k->version), "0.1");
	assert_int_equal(k->release, 0);
	assert_string_equal(jp_pool_s(&p, k->source), "plain");
	assert_int_equal(k->nreq + k->nprov + k->ncon, 0);

	/* An "all" package's restrictions are those of the arch asked for. */
	k = find(&p, "allr", "all", "1.0-1");
	assert_deps(&p, k->req0, k->nreq, "s");
	jp_pool_release(&p);

	jp_pool_init(&p, JP_POOL_DEB);
	if (load(f, &p, "r", "i386") < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	/* Release lists no i386: binary-all only (apt skips the arch). */
	assert_int_equal(p.npkgs, 1);
	k = find(&p, "allr", "all", "1.0-1");
	assert_deps(&p, k->req0, k->nreq, "q");
	jp_pool_release(&p);

	/* No architecture asked for: every one, all restrictions hold. */
	jp_pool_init(&p, JP_POOL_DEB);
	if (load(f, &p, "r", NULL) < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_int_equal(p.npkgs, 3);
	assert_null(p.repos[0].arch);
	k = find(&p, "allr", "all", "1.0-1");
	assert_deps(&p, k->req0, k->nreq, "q, s");
	jp_pool_release(&p);
}

/*
 * Each compression alone (Release lists every variant; only one is left
 * on disk), and an empty index; "Architectures" with "all" but
 * No-Support-for-Architecture-all: binary-all is not read.
 */
static void
test_compressions(void **state)
{
	struct tu_fixture *f = *state;
	static const char *const variants[] = { "gz", "xz", "plain" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct jp_pool p;
		char *body;
		const struct jp_ppkg *k;

		body = jp_xasprintf(
		    "rm -rf r%zu; d=r%zu/dists/s/main/binary-amd64; mkdir -p $d "
		    "r%zu/dists/s/main/binary-i386 r%zu/dists/s/main/binary-all\n"
		    "printf 'Package: only-%s\\nVersion: 1.0\\nArchitecture: amd64\\n"
		    "Filename: pool/x.deb\\nDepends: a (>= 1) | b\\n\\n"
		    "Package: two\\nVersion: 2\\nArchitecture: amd64\\n"
		    "Filename: pool/two.deb\\n' > $d/Packages\n"
		    "comp $d/Packages\n"
		    ": > r%zu/dists/s/main/binary-i386/Packages\n"
		    "comp r%zu/dists/s/main/binary-i386/Packages\n"
		    "printf 'Package: skipped\\nVersion: 1\\nArchitecture: all\\n"
		    "Filename: pool/s.deb\\n' > r%zu/dists/s/main/binary-all/Packages\n"
		    "rel r%zu/dists/s 'amd64 i386 all' main "
		    "'No-Support-for-Architecture-all: Packages'\n"
		    "case %s in\n"
		    "gz) rm $d/Packages $d/Packages.xz ;;\n"
		    "xz) rm $d/Packages $d/Packages.gz ;;\n"
		    "plain) rm $d/Packages.gz $d/Packages.xz ;;\n"
		    "esac\n", i, i, i, i, variants[i], i, i, i, i, variants[i]);
		fixture(f, body);
		free(body);
		body = jp_xasprintf("r%zu", i);
		jp_pool_init(&p, JP_POOL_DEB);
		if (load(f, &p, body, NULL) < 0)
			fail_msg("%s: %s", variants[i], jp_error_msg(&f->ctx));
		assert_int_equal(p.npkgs, 2);
		k = &p.pkgs[0];
		assert_string_equal(jp_pool_s(&p, k->name),
		    i == 0 ? "only-gz" : i == 1 ? "only-xz" : "only-plain");
		assert_deps(&p, k->req0, k->nreq, "a (>= 1) | b");
		assert_int_equal(count(&p, "skipped"), 0);
		jp_pool_release(&p);
		free(body);
	}
}

/*
 * A package that binary-amd64 and binary-all both list (same name,
 * version, arch and Filename) is one package, as in apt; the same version
 * at another Filename in another component is a second one.  Two suites,
 * one of them InRelease only (clearsigned by gpg, not verified here).
 */
static void
test_duplicates_and_suites(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_pool p;
	const struct jp_ppkg *k;
	size_t i, n_all = 0;

	if (!tu_have("gpg"))
		skip();
	fixture(f,
	    "for c in main extra; do\n"
	    "  mkdir -p r/dists/a/$c/binary-amd64 r/dists/a/$c/binary-all\n"
	    "  printf 'Package: common\\nVersion: 1.0\\nArchitecture: all\\n"
	    "Filename: pool/%s/common_1.0_all.deb\\n' $c > r/dists/a/$c/binary-all/Packages\n"
	    "  cp r/dists/a/$c/binary-all/Packages r/dists/a/$c/binary-amd64/Packages\n"
	    "  comp r/dists/a/$c/binary-amd64/Packages\n"
	    "done\n"
	    "rel r/dists/a 'amd64 all' 'main extra'\n"
	    "mkdir -p r/dists/b/main/binary-amd64\n"
	    "printf 'Package: inb\\nVersion: 3\\nArchitecture: amd64\\n"
	    "Filename: pool/inb.deb\\n\\n"
	    "Package: common\\nVersion: 1.0\\nArchitecture: all\\n"
	    "Filename: pool/main/common_1.0_all.deb\\n' > r/dists/b/main/binary-amd64/Packages\n"
	    "rel r/dists/b amd64 main\n"
	    "export GNUPGHOME=$PWD/gpg; mkdir -m 700 $GNUPGHOME\n"
	    "gpg --batch -q --passphrase '' --quick-gen-key 'T <t@example.com>' "
	    "ed25519 sign never 2>/dev/null\n"
	    "gpg --batch -q --clearsign -o r/dists/b/InRelease r/dists/b/Release\n"
	    "gpgconf --kill all\n"
	    "rm r/dists/b/Release\n"
	    "mkdir r/dists/notasuite\n");

	jp_pool_init(&p, JP_POOL_DEB);
	if (load(f, &p, "r", "amd64") < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_int_equal(count(&p, "common"), 2);
	for (i = 0; i < p.npkgs; i++)
		if (!strcmp(jp_pool_s(&p, p.pkgs[i].name), "common"))
			n_all += !strcmp(jp_pool_s(&p, p.pkgs[i].location),
			    "pool/main/common_1.0_all.deb") ||
			    !strcmp(jp_pool_s(&p, p.pkgs[i].location),
			    "pool/extra/common_1.0_all.deb");
	assert_int_equal(n_all, 2);
	k = find(&p, "inb", "amd64", "3");
	assert_int_equal(k->repo, 0);
	assert_int_equal(p.npkgs, 3);
	jp_pool_release(&p);

	/* InRelease that is not a clearsigned message */
	tu_run("printf 'Suite: b\\n' > '%s/r/dists/b/InRelease'", f->dir);
	jp_pool_init(&p, JP_POOL_DEB);
	assert_int_equal(load(f, &p, "r", "amd64"), JP_ERR);
	assert_err_has(f, "dists/b/InRelease", "not a clearsigned message");
	assert_pool_empty(&p);
	jp_pool_release(&p);
}

/*
 * Checks against Release: a size mismatch and a same-size content change
 * of the index read (named with the Release that lists it); a damaged .gz
 * is named by its checksum too; an index that Release lists but no variant
 * exists; an index that Release does not list is not read (apt skips it).
 * The pool is left as it was by each failure, also after a good read.
 */
static void
test_release_checks(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_pool p;

	fixture(f,
	    "mk() {\n"
	    "  rm -rf $1; mkdir -p $1/dists/s/main/binary-amd64\n"
	    "  printf 'Package: a\\nVersion: 1\\nArchitecture: amd64\\n"
	    "Filename: pool/a.deb\\n' > $1/dists/s/main/binary-amd64/Packages\n"
	    "  comp $1/dists/s/main/binary-amd64/Packages\n"
	    "  rel $1/dists/s amd64 main\n"
	    "}\n"
	    "mk good\n"
	    "mk size; printf 'Package: b\\nVersion: 1\\nArchitecture: amd64\\n"
	    "Filename: pool/b.deb\\n' >> size/dists/s/main/binary-amd64/Packages\n"
	    "mk sha; sed -i 's/Version: 1/Version: 2/' sha/dists/s/main/binary-amd64/Packages\n"
	    "mk gz; rm gz/dists/s/main/binary-amd64/Packages\n"
	    "printf 'x' | dd of=gz/dists/s/main/binary-amd64/Packages.gz bs=1 seek=30 "
	    "conv=notrunc 2>/dev/null\n"
	    "mk missing; rm missing/dists/s/main/binary-amd64/Packages*\n"
	    "mk unlisted; mkdir -p unlisted/dists/s/main/binary-i386\n"
	    "printf 'Package: bad\\n' > unlisted/dists/s/main/binary-i386/Packages\n"
	    "sed -i 's/^Architectures: .*/Architectures: amd64 i386/' unlisted/dists/s/Release\n"
	    "mkdir -p notapt/dists/s notapt/pool\n");

	jp_pool_init(&p, JP_POOL_DEB);
	if (load(f, &p, "good", "amd64") < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_int_equal(p.npkgs, 1);

	assert_int_equal(load(f, &p, "size", "amd64"), JP_ERR);
	assert_err_has(f, "size mismatch of 'dists/s/main/binary-amd64/Packages'",
	    "'dists/s/Release'");
	assert_int_equal(p.npkgs, 1);
	assert_int_equal(p.nrepos, 1);

	assert_int_equal(load(f, &p, "sha", "amd64"), JP_ERR);
	assert_err_has(f, "SHA256 mismatch of 'dists/s/main/binary-amd64/Packages'",
	    NULL);
	assert_int_equal(p.npkgs, 1);

	assert_int_equal(load(f, &p, "gz", "amd64"), JP_ERR);
	assert_err_has(f, "SHA256 mismatch of 'dists/s/main/binary-amd64/Packages.gz'",
	    NULL);

	assert_int_equal(load(f, &p, "missing", "amd64"), JP_ERR);
	assert_err_has(f, "missing index 'dists/s/main/binary-amd64/Packages",
	    "listed in 'dists/s/Release'");

	assert_int_equal(load(f, &p, "notapt", "amd64"), JP_ERR);
	assert_err_has(f, "is not an APT repository", NULL);

	assert_int_equal(load(f, &p, "nothere", "amd64"), JP_ERR);
	assert_err_has(f, "is not an APT repository", NULL);
	assert_int_equal(p.npkgs, 1);
	assert_int_equal(p.nrepos, 1);

	if (load(f, &p, "unlisted", NULL) < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_int_equal(p.npkgs, 2);
	assert_int_equal(p.nrepos, 2);
	assert_int_equal(p.pkgs[1].repo, 1);
	jp_pool_release(&p);
}

/* Malformed stanzas: the message names the file, the Package and what. */
static void
test_malformed(void **state)
{
	struct tu_fixture *f = *state;
	static const struct {
		const char *stanza, *want;
	} cases[] = {
		{ "Package: nover\\nArchitecture: amd64\\nFilename: x", "no Version field" },
		{ "Package: badver\\nVersion: 1:\\nArchitecture: amd64\\nFilename: x", "Version" },
		{ "Package: noarch\\nVersion: 1\\nFilename: x", "no Architecture field" },
		{ "Package: nofile\\nVersion: 1\\nArchitecture: amd64", "no Filename field" },
		{ "Package: relop\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Depends: a (=> 1)", "bad relation operator" },
		{ "Package: relver\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Depends: a (>= )", "missing version" },
		{ "Package: relparen\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Depends: a (>= 1", "bad version" },
		{ "Package: conalt\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Conflicts: a | b", "alternatives" },
		{ "Package: provop\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Provides: a (>= 1)", "only '='" },
		{ "Package: mixarch\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Depends: a [amd64 !i386]", "mixes negated" },
		{ "Package: junk\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Depends: a b", "unexpected text" },
		{ "Package: noname\\nVersion: 1\\nArchitecture: amd64\\nFilename: x\\n"
		    "Depends: a, | b", "missing package name" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jp_pool p;
		char *body, *repo, *pkg;

		body = jp_xasprintf(
		    "rm -rf m%zu; d=m%zu/dists/s/main/binary-amd64; mkdir -p $d\n"
		    "printf 'Package: fine\\nVersion: 1\\nArchitecture: amd64\\n"
		    "Filename: pool/f.deb\\nDepends: ok\\n\\n%s\\n' > $d/Packages\n"
		    "rel m%zu/dists/s amd64 main\n", i, i, cases[i].stanza, i);
		fixture(f, body);
		free(body);
		repo = jp_xasprintf("m%zu", i);
		jp_pool_init(&p, JP_POOL_DEB);
		assert_int_equal(load(f, &p, repo, "amd64"), JP_ERR);
		pkg = jp_xstrndup(cases[i].stanza + 9,
		    strcspn(cases[i].stanza + 9, "\\"));
		body = jp_xasprintf("'%s'", pkg);
		assert_err_has(f, "'dists/s/main/binary-amd64/Packages'", body);
		assert_err_has(f, cases[i].want, "line 7");
		assert_pool_empty(&p);
		jp_pool_release(&p);
		free(body);
		free(pkg);
		free(repo);
	}
}

/*
 * updateinfo.xml.gz listed by a suite's Release: its advisories in the
 * pool with their packages' versions in dpkg's print form ("2:1.5-2"; a
 * zero epoch left out, as dpkg prints it) and the CVE references only.
 * A listed but missing or mismatching updateinfo is an error.
 */
static void
test_advisories(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_pool p;
	const struct jp_padv *a;

	fixture(f,
	    "d=r/dists/s/main/binary-amd64; mkdir -p $d\n"
	    "printf 'Package: tool\\nVersion: 2:1.5-2\\nArchitecture: amd64\\n"
	    "Filename: pool/t.deb\\n' > $d/Packages\n"
	    "cat > r/dists/s/updateinfo.xml <<'EOF'\n"
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<updates>\n"
	    "  <update from=\"sec@example.com\" status=\"final\" type=\"security\" version=\"1\">\n"
	    "    <id>DSA-1</id>\n"
	    "    <title>tool: fix</title>\n"
	    "    <issued date=\"2026-11-01 00:00:00\"/>\n"
	    "    <severity>Important</severity>\n"
	    "    <references>\n"
	    "      <reference href=\"https://example.com/CVE-2026-1\" id=\"CVE-2026-1\" type=\"cve\" title=\"c1\"/>\n"
	    "      <reference href=\"https://example.com/b/1\" id=\"1\" type=\"bugzilla\" title=\"b\"/>\n"
	    "      <reference href=\"https://example.com/CVE-2026-2\" id=\"CVE-2026-2\" type=\"cve\" title=\"c2\"/>\n"
	    "    </references>\n"
	    "    <pkglist><collection short=\"s\"><name>s</name>\n"
	    "      <package name=\"tool\" epoch=\"2\" version=\"1.5\" release=\"2\" arch=\"amd64\"><filename>t.deb</filename></package>\n"
	    "      <package name=\"lib\" epoch=\"0\" version=\"3.0\" release=\"1\" arch=\"all\"><filename>l.deb</filename></package>\n"
	    "    </collection></pkglist>\n"
	    "  </update>\n"
	    "</updates>\n"
	    "EOF\n"
	    "gzip -9n r/dists/s/updateinfo.xml\n"
	    "rel r/dists/s amd64 main "
	    "-o APT::FTPArchive::Release::Patterns::=Packages* "
	    "-o APT::FTPArchive::Release::Patterns::=updateinfo.xml*\n"
	    "grep -q updateinfo.xml.gz r/dists/s/Release\n"
	    "rm -rf bad; cp -a r bad; gzip -dc r/dists/s/updateinfo.xml.gz | "
	    "sed 's/fix/fiX/' | gzip -9n > bad/dists/s/updateinfo.xml.gz\n"
	    "rm -rf gone; cp -a r gone; rm gone/dists/s/updateinfo.xml.gz\n");

	jp_pool_init(&p, JP_POOL_DEB);
	if (load(f, &p, "r", "amd64") < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_int_equal(p.npkgs, 1);
	assert_int_equal(p.nadvs, 1);
	a = &p.advs[0];
	assert_string_equal(jp_pool_s(&p, a->id), "DSA-1");
	assert_string_equal(jp_pool_s(&p, a->type), "security");
	assert_string_equal(jp_pool_s(&p, a->severity), "Important");
	assert_string_equal(jp_pool_s(&p, a->title), "tool: fix");
	assert_int_equal(a->npkg, 2);
	assert_string_equal(jp_pool_s(&p, p.adv_pkgs[a->pkg0].name), "tool");
	assert_string_equal(jp_pool_s(&p, p.adv_pkgs[a->pkg0].arch), "amd64");
	assert_string_equal(jp_pool_s(&p, p.adv_pkgs[a->pkg0].evr), "2:1.5-2");
	/* the advisory's version names the package the pool holds */
	assert_int_equal(p.adv_pkgs[a->pkg0].evr, p.pkgs[0].evr);
	assert_string_equal(jp_pool_s(&p, p.adv_pkgs[a->pkg0 + 1].evr), "3.0-1");
	assert_int_equal(a->ncve, 2);
	assert_string_equal(jp_pool_s(&p, p.strs_list[a->cve0]), "CVE-2026-1");
	assert_string_equal(jp_pool_s(&p, p.strs_list[a->cve0 + 1]), "CVE-2026-2");
	jp_pool_release(&p);

	jp_pool_init(&p, JP_POOL_DEB);
	assert_int_equal(load(f, &p, "bad", "amd64"), JP_ERR);
	assert_err_has(f, "mismatch of 'dists/s/updateinfo.xml.gz'", NULL);
	assert_pool_empty(&p);
	assert_int_equal(load(f, &p, "gone", "amd64"), JP_ERR);
	assert_err_has(f, "missing 'dists/s/updateinfo.xml.gz'", NULL);
	assert_pool_empty(&p);
	jp_pool_release(&p);
}

/*
 * Stanzas across the reader's chunks: a Packages.xz of 3000 stanzas with
 * long descriptions (several libarchive blocks); every one is read and
 * the line named by an error late in the file is right.
 */
static void
test_big_index(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_pool p;
	const struct jp_ppkg *k;

	fixture(f,
	    "d=r/dists/s/main/binary-amd64; mkdir -p $d\n"
	    "awk 'BEGIN { for (i = 1; i <= 3000; i++) {\n"
	    "  printf \"Package: p%05d\\nVersion: 1.%d-1\\nArchitecture: amd64\\n\", i, i\n"
	    "  printf \"Depends: p%05d (>= 1.0) | q%d\\nFilename: pool/p%d.deb\\n\", i + 1, i, i\n"
	    "  printf \"Description: package %d\\n\", i\n"
	    "  for (j = 0; j < 10; j++) printf \" line %d of a long description text\\n\", j\n"
	    "  printf \"\\n\" } }' > $d/Packages\n"
	    "comp $d/Packages; rm $d/Packages.gz\n"
	    "rel r/dists/s amd64 main; rm $d/Packages\n"
	    "cp -a r bad; d=bad/dists/s/main/binary-amd64\n"
	    "xz -dc $d/Packages.xz | sed 's/^Depends: p02999 .*/Depends: p02999 (>= )/' "
	    "> $d/Packages; comp $d/Packages; rm $d/Packages.gz\n"
	    "rel bad/dists/s amd64 main; rm $d/Packages\n");

	jp_pool_init(&p, JP_POOL_DEB);
	if (load(f, &p, "r", "amd64") < 0)
		fail_msg("%s", jp_error_msg(&f->ctx));
	assert_int_equal(p.npkgs, 3000);
	k = find(&p, "p02500", "amd64", "1.2500-1");
	assert_deps(&p, k->req0, k->nreq, "p02501 (>= 1.0) | q2500");
	jp_pool_release(&p);

	/* p02998 (its Depends broken) is stanza 2998 of 17 lines each */
	jp_pool_init(&p, JP_POOL_DEB);
	assert_int_equal(load(f, &p, "bad", "amd64"), JP_ERR);
	assert_err_has(f, "'p02998'", "line 50950)");
	assert_pool_empty(&p);
	jp_pool_release(&p);
}

/* A pool of the other format is refused. */
static void
test_wrong_format(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_pool p;

	jp_pool_init(&p, JP_POOL_RPM);
	assert_int_equal(load(f, &p, ".", "amd64"), JP_ERR);
	assert_err_has(f, "deb pool", NULL);
	jp_pool_release(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compressions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_and_suites, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_release_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advisories, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_format, setup, teardown),
	};

	if (!tu_have("apt-ftparchive") || !tu_have("xz") || !tu_have("gzip")) {
		fprintf(stderr, "aptmd_read_test: needs apt-ftparchive, xz, gzip\n");
		return 77;
	}
	return cmocka_run_group_tests_name("aptmd_read", tests, NULL, NULL);
}
