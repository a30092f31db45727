/*
 * debsec_test.c: unit tests of the Debian security feed reader.
 *
 * The feeds below are written the way the Security Tracker writes its
 * (data/DSA/list, data/DLA/list, tracker/data/json; see debsec.c); the
 * package records are what debpkg reads from a .deb.  Version orders the
 * expectations rely on were checked with `dpkg --compare-versions`
 * (1.2-4+b1 > 1.2-4, 1:9.18.24-1 > 9.19, 1.0~rc1-1 < 1.0-1).  The
 * command-level test t2080 checks the same mapping against dpkg and real
 * .deb files with an independent reader of the feeds.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "advisory.h"
#include "ctx.h"
#include "debsec.h"
#include "pkg.h"
#include "testutil.h"

/* --- fixtures --- */

struct fx {
	struct tu_fixture *tu;
	struct jp_pkg *pkgs[32];
	size_t npkgs;
};

/* A .deb record: name, [epoch:]version, arch, Source field or NULL. */
static void
add_pkg(struct fx *f, const char *name, const char *ver, const char *arch,
    const char *source)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_DEB);
	const char *colon = strchr(ver, ':');

	p->name = jp_xstrdup(name);
	p->arch = jp_xstrdup(arch);
	if (colon) {
		p->epoch = jp_xstrndup(ver, (size_t)(colon - ver));
		p->version = jp_xstrdup(colon + 1);
	} else {
		p->epoch = jp_xstrdup("0");
		p->version = jp_xstrdup(ver);
	}
	p->location = jp_xasprintf("pool/main/%s_%s_%s.deb", name,
	    colon ? colon + 1 : ver, arch);
	jp_pkg_add_field(p, "Package", name);
	if (source)
		jp_pkg_add_field(p, "Source", source);
	jp_pkg_add_field(p, "Version", ver);
	jp_pkg_add_field(p, "Architecture", arch);
	f->pkgs[f->npkgs++] = p;
}

/* The repository of most tests. */
static void
add_repo(struct fx *f)
{
	add_pkg(f, "libfoo1", "1.2-3", "amd64", "libfoo");
	add_pkg(f, "libfoo1", "1.2-4", "amd64", "libfoo");
	add_pkg(f, "libfoo1", "1.2-4", "i386", "libfoo");
	add_pkg(f, "libfoo-dev", "1.2-4", "all", "libfoo");
	/* a binNMU: its own version, the source's in the Source field */
	add_pkg(f, "libfoo-tools", "1.2-4+b1", "amd64", "libfoo (1.2-4)");
	/* binaries versioned apart from their source */
	add_pkg(f, "demo-app", "3.2-1", "amd64", "demo (1.0-1)");
	add_pkg(f, "demo-lib", "1.0-1", "amd64", "demo");
	/* no Source field: the package is its own source */
	add_pkg(f, "openssl", "3.0.15-1~deb12u1", "amd64", NULL);
	add_pkg(f, "libssl3", "3.0.11-1~deb12u2", "amd64", "openssl");
	add_pkg(f, "libssl3", "3.0.15-1~deb12u1", "amd64", "openssl");
	add_pkg(f, "bind9-host", "1:9.18.24-1", "amd64", "bind9");
	add_pkg(f, "native", "2.0", "all", NULL);
	add_pkg(f, "tildepkg", "1.0~rc1-1", "all", NULL);
	add_pkg(f, "tildepkg", "1.0-1", "all", NULL);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	void *tu = NULL;

	if (!f || tu_setup(&tu, "debsec_test") < 0) {
		free(f);
		return -1;
	}
	f->tu = tu;
	add_repo(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	void *tu = f->tu;
	size_t i;

	for (i = 0; i < f->npkgs; i++)
		jp_pkg_free(f->pkgs[i]);
	tu_teardown(&tu);
	free(f);
	return 0;
}

/* Write text to NAME in the fixture's directory; returns the path. */
static char *
feed(struct fx *f, const char *name, const char *text)
{
	char *path = jp_xasprintf("%s/%s", f->tu->dir, name);

	tu_spew(path, text, strlen(text));
	return path;
}

static const struct jp_advisory *
find_adv(const struct jp_advset *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].id, id))
			return &set->v[i];
	return NULL;
}

/*
 * The packages of an advisory as "name epoch:version-release arch src
 * filename" lines, in the order written.
 */
static char *
pkglist(const struct jp_advisory *a)
{
	char *out = jp_xstrdup("");
	size_t i;

	assert_int_equal(a->ncolls, 1);
	for (i = 0; i < a->colls[0].npkgs; i++) {
		const struct jp_adv_pkg *p = &a->colls[0].pkgs[i];
		char *n = jp_xasprintf("%s%s %s:%s-%s %s %s %s\n", out, p->name,
		    p->epoch, p->version, p->release, p->arch, p->src,
		    p->filename);

		free(out);
		out = n;
	}
	return out;
}

static void
expect_pkgs(const struct jp_advset *set, const char *id, const char *want)
{
	const struct jp_advisory *a = find_adv(set, id);
	char *got;

	if (!a)
		print_error("no advisory '%s'\n", id);
	assert_non_null(a);
	got = pkglist(a);
	if (strcmp(got, want))
		print_error("advisory %s\n", id);
	assert_string_equal(got, want);
	free(got);
}

/* Load the feeds into a reader for codename and make the advisories. */
static struct jp_debsec *
load(struct fx *f, const char *codename, char **paths, size_t n,
    struct jp_advset *set, size_t *left)
{
	struct jp_debsec *ds = jp_debsec_new(codename, f->pkgs, f->npkgs);
	size_t i;

	for (i = 0; i < n; i++)
		if (jp_debsec_load(&f->tu->ctx, ds, paths[i]) < 0)
			fail_msg("%s", jp_error_msg(&f->tu->ctx));
	assert_int_equal(jp_debsec_advisories(&f->tu->ctx, ds, set, left), 0);
	return ds;
}

/* --- the DSA and DLA lists --- */

static const char dsa_list[] =
    "[09 Sep 2024] DSA-5704-1 bind9 - security update\n"
    "\t{CVE-2024-4444}\n"
    "\t[bookworm] - bind9 9.19\n"
    "[07 Sep 2024] DSA-5703-1 libfoo - security update\n"
    "\t{CVE-2024-3333}\n"
    "\t[bookworm] - libfoo 1.3-1\n"
    "[06 Sep 2024] DSA-5702-1 demo - security update\n"
    "\t{CVE-2024-2222}\n"
    "\t[bullseye] - demo <not-affected> (Vulnerable code introduced later)\n"
    "\t[bookworm] - demo 2.0-1\n"
    "\tNOTE: [sid] - demo 1.0-2\n"
    "[05 Sep 2024] DSA-5701-1 hello - security update\n"
    "\t[bookworm] - hello <not-affected> (Vulnerable code not present)\n"
    "[03 Sep 2024] DSA-5700-1 openssl - security update\n"
    "\t{CVE-2024-5535 CVE-2024-6119}\n"
    "\t[bookworm] - openssl 3.0.15-1~deb12u1\n"
    "[10 Jan 2024] DSA-5600-1 libfoo - security update\n"
    "\t{CVE-2024-1111 CVE-2024-1112}\n"
    "\t[bullseye] - libfoo 1.1-1+deb11u1\n"
    "\t[bookworm] - libfoo 1.2-3\n"
    "[21 Nov 2023] DSA-5560-1 strongswan - security update\n"
    "\t{CVE-2023-41913}\n"
    "\t[bookworm] - strongswan 5.9.8-5+deb12u1\n"
    "[12 Feb 2003] DSA-250 w3mmee-ssl - missing HTML quoting\n"
    "\t{CVE-2002-1335 CVE-2002-1348}\n"
    "\tNOTE: not in sid/sarge\n";

static void
test_list(void **state)
{
	struct fx *f = *state;
	struct jp_advset set = { 0 };
	char *path = feed(f, "DSA-list", dsa_list);
	struct jp_debsec *ds;
	const struct jp_advisory *a;
	size_t left;

	ds = load(f, "bookworm", &path, 1, &set, &left);
	/*
	 * Published: bind9 (1:9.18.24-1 >= 9.19: the epoch), openssl,
	 * libfoo 1.2-3.  Left out: libfoo 1.3-1 (nothing that new), demo
	 * 2.0-1 (demo-app is 3.2-1 but built from demo 1.0-1), strongswan
	 * (not in the repository).  hello and w3mmee-ssl have no fix in
	 * bookworm: not counted.
	 */
	assert_int_equal(set.n, 3);
	assert_int_equal(left, 3);
	expect_pkgs(&set, "DSA-5704-1", "bind9-host 1:9.18.24-1 amd64 bind9 "
	    "pool/main/bind9-host_9.18.24-1_amd64.deb\n");
	/* the lowest fixed version of each name and architecture */
	expect_pkgs(&set, "DSA-5700-1",
	    "libssl3 0:3.0.15-1~deb12u1 amd64 openssl "
	    "pool/main/libssl3_3.0.15-1~deb12u1_amd64.deb\n"
	    "openssl 0:3.0.15-1~deb12u1 amd64 openssl "
	    "pool/main/openssl_3.0.15-1~deb12u1_amd64.deb\n");
	expect_pkgs(&set, "DSA-5600-1",
	    "libfoo-dev 0:1.2-4 all libfoo pool/main/libfoo-dev_1.2-4_all.deb\n"
	    "libfoo-tools 0:1.2-4+b1 amd64 libfoo "
	    "pool/main/libfoo-tools_1.2-4+b1_amd64.deb\n"
	    "libfoo1 0:1.2-3 amd64 libfoo pool/main/libfoo1_1.2-3_amd64.deb\n"
	    "libfoo1 0:1.2-4 i386 libfoo pool/main/libfoo1_1.2-4_i386.deb\n");

	a = find_adv(&set, "DSA-5700-1");
	assert_string_equal(a->type, "security");
	assert_string_equal(a->issued, "2024-09-03 00:00:00");
	assert_string_equal(a->title, "openssl - security update");
	assert_null(a->severity);
	assert_int_equal(a->nrefs, 3);
	assert_string_equal(a->refs[0].id, "DSA-5700-1");
	assert_string_equal(a->refs[0].type, "self");
	assert_string_equal(a->refs[0].href,
	    "https://security-tracker.debian.org/tracker/DSA-5700-1");
	assert_string_equal(a->refs[1].id, "CVE-2024-5535");
	assert_string_equal(a->refs[1].type, "cve");
	assert_string_equal(a->refs[2].id, "CVE-2024-6119");
	assert_string_equal(a->colls[0].short_name, "bookworm");
	jp_advset_release(&set);
	jp_debsec_free(ds);

	/* another release, other fixes: bullseye's libfoo 1.1-1+deb11u1 */
	ds = load(f, "bullseye", &path, 1, &set, &left);
	assert_int_equal(set.n, 1);
	assert_int_equal(left, 0);
	expect_pkgs(&set, "DSA-5600-1",
	    "libfoo-dev 0:1.2-4 all libfoo pool/main/libfoo-dev_1.2-4_all.deb\n"
	    "libfoo-tools 0:1.2-4+b1 amd64 libfoo "
	    "pool/main/libfoo-tools_1.2-4+b1_amd64.deb\n"
	    "libfoo1 0:1.2-3 amd64 libfoo pool/main/libfoo1_1.2-3_amd64.deb\n"
	    "libfoo1 0:1.2-4 i386 libfoo pool/main/libfoo1_1.2-4_i386.deb\n");
	jp_advset_release(&set);
	jp_debsec_free(ds);
	free(path);
}

/* The source version of "Source: NAME (VERSION)" decides, not the binary's. */
static void
test_source_version(void **state)
{
	struct fx *f = *state;
	struct jp_advset set = { 0 };
	char *path = feed(f, "DSA-list",
	    "[06 Sep 2024] DSA-1-1 demo - security update\n"
	    "\t[bookworm] - demo 1.0-1\n"
	    "[07 Sep 2024] DSA-2-1 libfoo - security update\n"
	    "\t[bookworm] - libfoo 1.2-4\n"
	    "[08 Sep 2024] DLA-3-1 tildepkg - security update\n"
	    "\t[bookworm] - tildepkg 1.0~rc1-1\n"
	    "[09 Sep 2024] DLA-4-1 native - bugfix update\n"
	    "\t[bookworm] - native 2.0\n"
	    "[10 Sep 2024] DSA-5-1 libfoo - security update\n"
	    "\t[bookworm] - libfoo 1.2-3\n"
	    "\t[bookworm] - libfoo 1.2-4\n");
	size_t left;
	struct jp_debsec *ds = load(f, "bookworm", &path, 1, &set, &left);

	/*
	 * demo-app 3.2-1 is built from demo 1.0-1: it has the fix (and would
	 * not have one of demo 2.0-1, see test_list)
	 */
	expect_pkgs(&set, "DSA-1-1",
	    "demo-app 0:3.2-1 amd64 demo pool/main/demo-app_3.2-1_amd64.deb\n"
	    "demo-lib 0:1.0-1 amd64 demo pool/main/demo-lib_1.0-1_amd64.deb\n");
	/* 1.2-4+b1 is a binNMU of source 1.2-4; 1.2-3 lacks the fix */
	expect_pkgs(&set, "DSA-2-1",
	    "libfoo-dev 0:1.2-4 all libfoo pool/main/libfoo-dev_1.2-4_all.deb\n"
	    "libfoo-tools 0:1.2-4+b1 amd64 libfoo "
	    "pool/main/libfoo-tools_1.2-4+b1_amd64.deb\n"
	    "libfoo1 0:1.2-4 amd64 libfoo pool/main/libfoo1_1.2-4_amd64.deb\n"
	    "libfoo1 0:1.2-4 i386 libfoo pool/main/libfoo1_1.2-4_i386.deb\n");
	/* 1.0~rc1-1 sorts before 1.0-1: the lower one is the update */
	expect_pkgs(&set, "DLA-3-1",
	    "tildepkg 0:1.0~rc1-1 all tildepkg "
	    "pool/main/tildepkg_1.0~rc1-1_all.deb\n");
	/*
	 * two fixes of one source in one block: of each package the version
	 * that has both
	 */
	expect_pkgs(&set, "DSA-5-1",
	    "libfoo-dev 0:1.2-4 all libfoo pool/main/libfoo-dev_1.2-4_all.deb\n"
	    "libfoo-tools 0:1.2-4+b1 amd64 libfoo "
	    "pool/main/libfoo-tools_1.2-4+b1_amd64.deb\n"
	    "libfoo1 0:1.2-4 amd64 libfoo pool/main/libfoo1_1.2-4_amd64.deb\n"
	    "libfoo1 0:1.2-4 i386 libfoo pool/main/libfoo1_1.2-4_i386.deb\n");
	/* a native version: the release is empty */
	expect_pkgs(&set, "DLA-4-1", "native 0:2.0- all native "
	    "pool/main/native_2.0_all.deb\n");
	assert_string_equal(find_adv(&set, "DLA-4-1")->type, "bugfix");
	jp_advset_release(&set);
	jp_debsec_free(ds);
	free(path);
}

/* Two lists (DSA and DLA), one of them twice: one advisory per id. */
static void
test_list_twice(void **state)
{
	struct fx *f = *state;
	struct jp_advset set = { 0 };
	char *paths[3];
	struct jp_debsec *ds;
	size_t left;

	paths[0] = feed(f, "DSA-list", dsa_list);
	paths[1] = feed(f, "DLA-list",
	    "[13 Sep 2024] DLA-3901-1 tildepkg - security update\n"
	    "\t{CVE-2024-5555}\n"
	    "\t[bookworm] - tildepkg 1.0-1\n");
	paths[2] = paths[0];
	ds = load(f, "bookworm", paths, 3, &set, &left);
	assert_int_equal(set.n, 4);
	/* sorted by id */
	assert_string_equal(set.v[0].id, "DLA-3901-1");
	assert_string_equal(set.v[1].id, "DSA-5600-1");
	assert_string_equal(set.v[3].id, "DSA-5704-1");
	expect_pkgs(&set, "DLA-3901-1", "tildepkg 0:1.0-1 all tildepkg "
	    "pool/main/tildepkg_1.0-1_all.deb\n");
	jp_advset_release(&set);
	jp_debsec_free(ds);
	free(paths[0]);
	free(paths[1]);
}

static void
test_list_errors(void **state)
{
	struct fx *f = *state;
	struct jp_debsec *ds = jp_debsec_new("bookworm", f->pkgs, f->npkgs);
	struct jp_ctx *ctx = &f->tu->ctx;
	struct jp_advset set = { 0 };
	char *good = feed(f, "good", "[10 Jan 2024] DSA-5600-1 libfoo - x\n"
	    "\t[bookworm] - libfoo 1.2-4\n");
	char *bad;
	size_t left;

	assert_int_equal(jp_debsec_load(ctx, ds, good), 0);

	bad = feed(f, "bad1", "[10 Jan 2024] DSA-1-1 libfoo - x\n"
	    "\t[bookworm] - libfoo 1.2-4\nDSA-2-1 openssl\n");
	assert_true(jp_debsec_load(ctx, ds, bad) < 0);
	assert_non_null(strstr(jp_error_msg(ctx), "bad1', line 3: expected an "
	    "advisory header"));
	free(bad);
	bad = feed(f, "bad2", "[32 Jan 2024] DSA-1-1 libfoo - x\n");
	assert_true(jp_debsec_load(ctx, ds, bad) < 0);
	assert_non_null(strstr(jp_error_msg(ctx), "line 1: cannot read the "
	    "date '32 Jan 2024'"));
	free(bad);
	bad = feed(f, "bad3", "[01 Foo 2024] DSA-1-1 libfoo - x\n");
	assert_true(jp_debsec_load(ctx, ds, bad) < 0);
	assert_non_null(strstr(jp_error_msg(ctx), "the date '01 Foo 2024'"));
	free(bad);
	bad = feed(f, "bad4", "[01 Jan 2024]\n");
	assert_true(jp_debsec_load(ctx, ds, bad) < 0);
	assert_non_null(strstr(jp_error_msg(ctx), "has no id"));
	free(bad);
	/* an updateinfo file is no feed */
	bad = feed(f, "updateinfo.xml", "<?xml version=\"1.0\"?><updates/>");
	assert_true(jp_debsec_load(ctx, ds, bad) < 0);
	assert_non_null(strstr(jp_error_msg(ctx), "is an updateinfo.xml file"));
	free(bad);
	/* a version that is none: warned about, the line ignored */
	bad = feed(f, "warn", "[11 Jan 2024] DSA-1-1 openssl - x\n"
	    "\t[bookworm] - openssl 3.0:15:x\n");
	jp_error_clear(ctx);
	assert_int_equal(jp_debsec_load(ctx, ds, bad), 0);
	free(bad);

	/* only the good file counts */
	assert_int_equal(jp_debsec_advisories(ctx, ds, &set, &left), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(left, 0);
	assert_string_equal(set.v[0].id, "DSA-5600-1");
	jp_advset_release(&set);
	jp_debsec_free(ds);
	free(good);
}

/* --- the tracker's JSON --- */

static const char tracker_json[] =
    "{\"bind9\": {\"CVE-2024-4444\": {\"description\": \"TCP flood\", "
    "\"scope\": \"remote\", \"debianbug\": 1074300, \"releases\": {"
    "\"bookworm\": {\"status\": \"resolved\", \"repositories\": "
    "{\"bookworm\": \"1:9.18.24-1\"}, \"fixed_version\": \"1:9.18.24-1\", "
    "\"urgency\": \"not yet assigned\"}}}},"
    " \"libfoo\": {"
    "\"CVE-2024-1000\": {\"description\": \"short read\", \"releases\": {"
    "\"bullseye\": {\"status\": \"open\", \"urgency\": \"unimportant\", "
    "\"nodsa\": \"Minor issue\"}, \"bookworm\": {\"status\": \"resolved\", "
    "\"fixed_version\": \"1.2-3\", \"urgency\": \"unimportant\"}}},"
    "\"CVE-2024-1111\": {\"releases\": {\"bookworm\": {\"status\": "
    "\"resolved\", \"fixed_version\": \"1.2-4\", \"urgency\": \"high\"}, "
    "\"sid\": {\"status\": \"resolved\", \"fixed_version\": \"1.2-4\"}}, "
    "\"description\": \"heap overflow in \\\"foo\\\" \\u00e9\"},"
    "\"CVE-2024-1112\": {\"description\": null, \"releases\": {\"bookworm\": "
    "{\"status\": \"resolved\", \"fixed_version\": \"1.2-4\", \"urgency\": "
    "\"low\"}}},"
    "\"CVE-2024-3333\": {\"releases\": {\"bookworm\": {\"status\": "
    "\"resolved\", \"fixed_version\": \"1.3-1\", \"urgency\": \"medium\"}}},"
    "\"TEMP-0000000-1A2B3C\": {\"releases\": {\"bookworm\": {\"status\": "
    "\"open\", \"urgency\": \"unimportant\"}}},"
    "\"CVE-2023-0001\": {\"releases\": {\"bookworm\": {\"status\": "
    "\"resolved\", \"fixed_version\": \"0\", \"urgency\": \"unimportant\"}}}},"
    " \"openssl\": {\"CVE-2024-5535\": {\"releases\": {\"bookworm\": "
    "{\"status\": \"resolved\", \"fixed_version\": \"3.0.15-1~deb12u1\", "
    "\"urgency\": \"low**\"}}}, \"CVE-2024-6119\": {\"releases\": "
    "{\"bookworm\": {\"status\": \"resolved\", \"fixed_version\": "
    "\"3.0.15-1~deb12u1\", \"urgency\": \"medium\"}}}},"
    " \"strongswan\": {\"CVE-2023-41913\": {\"releases\": {\"bookworm\": "
    "{\"status\": \"resolved\", \"fixed_version\": \"5.9.8-5+deb12u1\", "
    "\"urgency\": \"high\"}}}, \"CVE-2023-41914\": {\"releases\": "
    "{\"bookworm\": {\"status\": \"resolved\", \"fixed_version\": "
    "\"5.9.8-5+deb12u1\"}}}},"
    " \"nginx\": {\"CVE-2024-7777\": {\"releases\": {\"bookworm\": "
    "{\"status\": \"open\"}}}}}\n";

static void
test_json(void **state)
{
	struct fx *f = *state;
	struct jp_advset set = { 0 };
	char *path = feed(f, "tracker.json", tracker_json);
	const struct jp_advisory *a;
	struct jp_debsec *ds;
	size_t left;

	/* the file's time dates the advisories */
	assert_int_equal(tu_run("touch -d '2024-09-15 12:34:56 UTC' '%s'",
	    path), 0);
	ds = load(f, "bookworm", &path, 1, &set, &left);
	/*
	 * One advisory per source and fixed version: bind9 1:9.18.24-1,
	 * libfoo 1.2-3, libfoo 1.2-4, openssl.  Left out: libfoo 1.3-1 and
	 * strongswan 5.9.8-5+deb12u1 (two CVEs, one fix).
	 */
	assert_int_equal(set.n, 4);
	assert_int_equal(left, 2);
	assert_string_equal(set.v[0].id, "DEBIAN-bind9-1:9.18.24-1");
	assert_string_equal(set.v[1].id, "DEBIAN-libfoo-1.2-3");
	assert_string_equal(set.v[2].id, "DEBIAN-libfoo-1.2-4");
	assert_string_equal(set.v[3].id, "DEBIAN-openssl-3.0.15-1~deb12u1");

	a = &set.v[2];
	assert_string_equal(a->type, "security");
	assert_string_equal(a->issued, "2024-09-15 12:34:56");
	assert_string_equal(a->title, "libfoo - security update");
	/* the highest urgency: high -> Important */
	assert_string_equal(a->severity, "Important");
	assert_int_equal(a->nrefs, 2);
	assert_string_equal(a->refs[0].id, "CVE-2024-1111");
	assert_string_equal(a->refs[0].type, "cve");
	assert_string_equal(a->refs[0].href,
	    "https://security-tracker.debian.org/tracker/CVE-2024-1111");
	assert_string_equal(a->refs[1].id, "CVE-2024-1112");
	/* a description null in the dump is none */
	assert_string_equal(a->description,
	    "CVE-2024-1111: heap overflow in \"foo\" \xc3\xa9\nCVE-2024-1112");
	expect_pkgs(&set, "DEBIAN-libfoo-1.2-4",
	    "libfoo-dev 0:1.2-4 all libfoo pool/main/libfoo-dev_1.2-4_all.deb\n"
	    "libfoo-tools 0:1.2-4+b1 amd64 libfoo "
	    "pool/main/libfoo-tools_1.2-4+b1_amd64.deb\n"
	    "libfoo1 0:1.2-4 amd64 libfoo pool/main/libfoo1_1.2-4_amd64.deb\n"
	    "libfoo1 0:1.2-4 i386 libfoo pool/main/libfoo1_1.2-4_i386.deb\n");
	expect_pkgs(&set, "DEBIAN-libfoo-1.2-3",
	    "libfoo-dev 0:1.2-4 all libfoo pool/main/libfoo-dev_1.2-4_all.deb\n"
	    "libfoo-tools 0:1.2-4+b1 amd64 libfoo "
	    "pool/main/libfoo-tools_1.2-4+b1_amd64.deb\n"
	    "libfoo1 0:1.2-3 amd64 libfoo pool/main/libfoo1_1.2-3_amd64.deb\n"
	    "libfoo1 0:1.2-4 i386 libfoo pool/main/libfoo1_1.2-4_i386.deb\n");
	/* unimportant -> Low; low** (unverified) and medium -> Moderate */
	assert_string_equal(set.v[1].severity, "Low");
	assert_string_equal(set.v[3].severity, "Moderate");
	/* "not yet assigned": no severity */
	assert_null(set.v[0].severity);
	assert_string_equal(set.v[0].description, "CVE-2024-4444: TCP flood");
	jp_advset_release(&set);
	jp_debsec_free(ds);

	/*
	 * the same issues in two dumps: each issue once, dated by the older
	 * dump
	 */
	{
		char *paths[2] = { path, feed(f, "older.json", tracker_json) };

		assert_int_equal(tu_run("touch -d '2024-09-01 00:00:01 UTC' "
		    "'%s'", paths[1]), 0);
		ds = load(f, "bookworm", paths, 2, &set, &left);
		assert_int_equal(set.n, 4);
		assert_int_equal(left, 2);
		assert_int_equal(set.v[2].nrefs, 2);
		assert_string_equal(set.v[2].issued, "2024-09-01 00:00:01");
		jp_advset_release(&set);
		jp_debsec_free(ds);
		free(paths[1]);
	}
	free(path);
}

/* The dump compressed, as a mirror may keep it, reads the same. */
static void
test_json_compressed(void **state)
{
	struct fx *f = *state;
	struct jp_advset set = { 0 };
	char *path = feed(f, "tracker.json", tracker_json), *gz;
	struct jp_debsec *ds;
	size_t left;

	if (!tu_have("gzip"))
		skip();
	assert_int_equal(tu_run("gzip -9 '%s'", path), 0);
	gz = jp_xasprintf("%s.gz", path);
	assert_int_equal(jp_debsec_detect(&f->tu->ctx, gz),
	    JP_DEBSEC_TRACKER_JSON);
	ds = load(f, "bookworm", &gz, 1, &set, &left);
	assert_int_equal(set.n, 4);
	assert_int_equal(left, 2);
	jp_advset_release(&set);
	jp_debsec_free(ds);
	free(gz);
	free(path);
}

static void
expect_load_error(struct fx *f, const char *text, const char *msg)
{
	struct jp_debsec *ds = jp_debsec_new("bookworm", f->pkgs, f->npkgs);
	char *path = feed(f, "bad.json", text);

	jp_error_clear(&f->tu->ctx);
	assert_true(jp_debsec_load(&f->tu->ctx, ds, path) < 0);
	if (!strstr(jp_error_msg(&f->tu->ctx), msg))
		print_error("want '%s', got '%s'\n", msg,
		    jp_error_msg(&f->tu->ctx));
	assert_non_null(strstr(jp_error_msg(&f->tu->ctx), msg));
	jp_debsec_free(ds);
	free(path);
}

static void
test_json_errors(void **state)
{
	struct fx *f = *state;
	struct jp_debsec *ds;
	struct jp_advset set = { 0 };
	char *good, *bad;
	size_t left;

	expect_load_error(f, "{\"libfoo\": {\"CVE-1\": {\"releases\": "
	    "{\"bookworm\": {\"status\": \"resolved\",}}}}}",
	    "bad.json': invalid JSON at byte 69: expected a member name");
	expect_load_error(f, "{\"libfoo\": {\"CVE-1\": {\"description\": "
	    "\"a\tb\"}}}", "invalid JSON at byte 39: control character");
	expect_load_error(f, "{\"libfoo\": {}", "invalid JSON at byte 13: "
	    "unexpected end of input");
	/* a JSON array is no tracker dump: read as a list, it is none either */
	expect_load_error(f, "[1, 2]", "line 1: cannot read the date '1, 2'");
	expect_load_error(f, "{\"a\": \"b\"}", "is not the Security "
	    "Tracker's JSON: a source package's value is not an object");
	expect_load_error(f, "{\"libfoo\": [1]}", "a source package's value "
	    "is not an object");
	expect_load_error(f, "{\"libfoo\": {\"CVE-1\": \"x\"}}", "an issue's "
	    "value is not an object");
	expect_load_error(f, "{\"a\": {}} {}", "invalid JSON at byte 10: "
	    "unexpected '{' after the top-level value");
	/* a NUL in a package name would make "openssl\u0000x" openssl */
	expect_load_error(f, "{\"openssl\\u0000x\": {}}", "is not the "
	    "Security Tracker's JSON: a member name holds a NUL character");

	/* a bad file leaves nothing behind; a good one before it stays */
	ds = jp_debsec_new("bookworm", f->pkgs, f->npkgs);
	good = feed(f, "good.json", tracker_json);
	bad = feed(f, "bad.json", "{\"openssl\": {\"CVE-9\": {\"releases\": "
	    "{\"bookworm\": {\"status\": \"resolved\", \"fixed_version\": "
	    "\"3.0.11-1~deb12u2\"}}}}, \"libfoo\": 7}");
	assert_int_equal(jp_debsec_load(&f->tu->ctx, ds, good), 0);
	assert_true(jp_debsec_load(&f->tu->ctx, ds, bad) < 0);
	assert_int_equal(jp_debsec_advisories(&f->tu->ctx, ds, &set, &left), 0);
	assert_int_equal(set.n, 4);
	assert_null(find_adv(&set, "DEBIAN-openssl-3.0.11-1~deb12u2"));
	jp_advset_release(&set);
	jp_debsec_free(ds);
	free(good);
	free(bad);
}

/* The advisories render as updateinfo.xml, with dpkg's version split. */
static void
test_write_xml(void **state)
{
	struct fx *f = *state;
	struct jp_advset set = { 0 };
	char *path = feed(f, "DSA-list",
	    "[09 Sep 2024] DSA-5704-1 bind9 - security update <&>\n"
	    "\t{CVE-2024-4444}\n"
	    "\t[bookworm] - bind9 1:9.18.24-1\n"
	    "[09 Sep 2024] DLA-1-1 native - bugfix update\n"
	    "\t[bookworm] - native 2.0\n");
	struct jp_debsec *ds;
	char *xml;
	size_t len, left;

	ds = load(f, "bookworm", &path, 1, &set, &left);
	assert_int_equal(jp_advisory_write_xml(&f->tu->ctx, &set, &xml, &len),
	    0);
	assert_non_null(strstr(xml, "<update status=\"final\" "
	    "type=\"security\">\n    <id>DSA-5704-1</id>\n    <title>bind9 - "
	    "security update &lt;&amp;&gt;</title>\n    <issued date=\"2024-09-09 "
	    "00:00:00\"/>\n"));
	assert_non_null(strstr(xml, "<package name=\"bind9-host\" "
	    "version=\"9.18.24\" release=\"1\" epoch=\"1\" arch=\"amd64\" "
	    "src=\"bind9\">\n          <filename>pool/main/"
	    "bind9-host_9.18.24-1_amd64.deb</filename>"));
	assert_non_null(strstr(xml, "<package name=\"native\" version=\"2.0\" "
	    "release=\"\" epoch=\"0\" arch=\"all\" src=\"native\">"));
	assert_non_null(strstr(xml, "<collection short=\"bookworm\">\n"
	    "        <name>bookworm</name>"));
	free(xml);
	jp_advset_release(&set);
	jp_debsec_free(ds);
	free(path);
}

static void
test_detect(void **state)
{
	struct fx *f = *state;
	struct jp_ctx *ctx = &f->tu->ctx;
	char *p;

	p = feed(f, "a", " \n\t{}");
	assert_int_equal(jp_debsec_detect(ctx, p), JP_DEBSEC_TRACKER_JSON);
	free(p);
	p = feed(f, "b", "\xef\xbb\xbf{}");
	assert_int_equal(jp_debsec_detect(ctx, p), JP_DEBSEC_TRACKER_JSON);
	free(p);
	p = feed(f, "c", "\n<?xml version=\"1.0\"?>\n<updates/>\n");
	assert_int_equal(jp_debsec_detect(ctx, p), JP_DEBSEC_UPDATEINFO);
	free(p);
	p = feed(f, "d", "[21 Nov 2023] DSA-5560-1 strongswan - x\n");
	assert_int_equal(jp_debsec_detect(ctx, p), JP_DEBSEC_ADV_LIST);
	free(p);
	p = feed(f, "e", "");
	assert_true(jp_debsec_detect(ctx, p) < 0);
	if (!strstr(jp_error_msg(ctx), "the file is empty"))
		print_error("%s\n", jp_error_msg(ctx));
	assert_non_null(strstr(jp_error_msg(ctx), "the file is empty"));
	free(p);
	p = feed(f, "f", " \n \n");
	assert_true(jp_debsec_detect(ctx, p) < 0);
	free(p);
	p = jp_xasprintf("%s/missing", f->tu->dir);
	assert_true(jp_debsec_detect(ctx, p) < 0);
	assert_non_null(strstr(jp_error_msg(ctx), "cannot open"));
	free(p);
}

static void
test_split_version(void **state)
{
	static const char *const cases[][3] = {
		{ "1.0+dfsg-1~bpo12+1", "1.0+dfsg", "1~bpo12+1" },
		{ "2.0", "2.0", "" },
		{ "1.2-3-4", "1.2-3", "4" },
		{ "3.0.15-1~deb12u1", "3.0.15", "1~deb12u1" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v, *r;

		jp_debsec_split_version(cases[i][0], &v, &r);
		assert_string_equal(v, cases[i][1]);
		assert_string_equal(r, cases[i][2]);
		free(v);
		free(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_twice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_compressed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_xml, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
		cmocka_unit_test(test_split_version),
	};

	return cmocka_run_group_tests_name("debsec", tests, NULL, NULL);
}
