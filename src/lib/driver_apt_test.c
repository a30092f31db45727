/*
 * driver_apt_test.c: the apt driver against the real apt-get and dpkg, in
 * scratch roots, over a repository that `jprepo build` makes from packages
 * that dpkg-deb builds here.
 *
 * The repository ("repo"):
 *   hello   1.0-1, 2.0-1, 3.0-1 all    2.0 and 3.0 depend on libfoo
 *   libfoo  1.0-1 of this host's dpkg architecture
 *   bad     1.0-1 all                  its preinst exits 1
 * "signed" is the same repository signed by `jprepo sign` with a throwaway
 * key; "good" and "wrong" are the public keys (armored .asc, binary .gpg).
 * Every root gets /bin/sh (dash and the libraries ldd names) because dpkg
 * runs maintainer scripts chrooted into the root.  The oracles are
 * dpkg-query over the root's database, the root's files and apt's own
 * output.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "driver.h"
#include "fsutil.h"
#include "testutil.h"

struct fx {
	struct jp_ctx ctx;
	char dir[64];
	char *arch;            /* dpkg --print-architecture */
	int nsess;
};

/* The fixture script: $1 the directory, JPREPO and JP_ARCH in the
 * environment. */
static const char fixture_sh[] =
	"set -eu\n"
	"cd \"$1\"\n"
	"mkdeb() {\n"
	"	n=$1 v=$2 a=$3; shift 3\n"
	"	b=pkg/$n-$v-$a\n"
	"	mkdir -p \"$b/DEBIAN\" \"$b/usr/share/$n\"\n"
	"	echo \"$v\" >\"$b/usr/share/$n/version\"\n"
	"	{ echo \"Package: $n\"; echo \"Version: $v\"\n"
	"	  echo \"Architecture: $a\"\n"
	"	  echo 'Maintainer: Test <test@example.com>'\n"
	"	  echo \"Description: $n for driver_apt_test\"\n"
	"	  for f in \"$@\"; do echo \"$f\"; done; } >\"$b/DEBIAN/control\"\n"
	"	mkdir -p repo/pool/main\n"
	"	dpkg-deb --root-owner-group -Zgzip -b \"$b\" "
	"\"repo/pool/main/${n}_${v}_$a.deb\" >/dev/null\n"
	"}\n"
	"mkdeb hello 1.0-1 all\n"
	"mkdeb hello 2.0-1 all 'Depends: libfoo (>= 1.0)'\n"
	"mkdeb hello 3.0-1 all 'Depends: libfoo (>= 1.0)'\n"
	"mkdeb libfoo 1.0-1 \"$JP_ARCH\"\n"
	"mkdir -p pkg/bad-1.0-1-all/DEBIAN\n"
	"printf '#!/bin/sh\\necho \"preinst of bad refuses\" >&2\\nexit 1\\n' "
	">pkg/bad-1.0-1-all/DEBIAN/preinst\n"
	"chmod 755 pkg/bad-1.0-1-all/DEBIAN/preinst\n"
	"mkdeb bad 1.0-1 all\n"
	"\"$JPREPO\" -q build repo\n"
	"cp -R repo signed\n"
	"rm -rf signed/.jprepo signed/dists\n"
	"\"$JPREPO\" -q build signed\n"
	"for k in good wrong; do\n"
	"	mkdir -m 700 \"gpg-$k\"\n"
	"	gpg --homedir \"gpg-$k\" --batch --passphrase '' "
	"--quick-gen-key \"$k <$k@example.com>\" ed25519 sign never 2>/dev/null\n"
	"	gpg --homedir \"gpg-$k\" --armor --export >\"$k.asc\"\n"
	"	gpg --homedir \"gpg-$k\" --export >\"$k.gpg\"\n"
	"done\n"
	"\"$JPREPO\" -q sign --key good --homedir \"$PWD/gpg-good\" signed\n"
	"for k in good wrong; do gpgconf --homedir \"gpg-$k\" --kill all; done\n"
	"echo 'not a key' >garbage.asc\n";

/* A root for apt and dpkg; bare: only var/lib/dpkg. */
static const char root_sh[] =
	"set -eu\n"
	"r=$1\n"
	"mkdir -p \"$r/var/lib/dpkg/info\" \"$r/var/lib/dpkg/updates\" "
	"\"$r/bin\"\n"
	": >\"$r/var/lib/dpkg/status\"\n"
	"if [ \"$2\" = full ]; then\n"
	"	mkdir -p \"$r/var/cache/apt/archives/partial\" "
	"\"$r/var/lib/apt/lists/partial\" \"$r/var/log/apt\" "
	"\"$r/etc/apt/preferences.d\" \"$r/etc/apt/apt.conf.d\" "
	"\"$r/etc/apt/sources.list.d\"\n"
	"	: >\"$r/etc/apt/sources.list\"\n"
	"fi\n"
	"sh=$(command -v dash || command -v sh)\n"
	"cp \"$sh\" \"$r/bin/sh\"\n"
	"for l in $(ldd \"$sh\" | awk '{ for (i = 1; i <= NF; i++) "
	"if ($i ~ /^\\//) print $i }'); do\n"
	"	mkdir -p \"$r$(dirname \"$l\")\"\n"
	"	cp \"$l\" \"$r$l\"\n"
	"done\n";

static const char *
jprepo_bin(void)
{
	const char *p = getenv("JPREPO");

	if (p && *p)
		return p;
	return "src/jprepo";
}

static int
group_setup(void **state)
{
	struct fx *f = jp_xcalloc(1, sizeof(*f));

	jp_ctx_init(&f->ctx, "driver_apt_test");
	f->ctx.verbosity = JP_V_QUIET;
	if (tu_tmpdir(f->dir, sizeof(f->dir), "drvapt") < 0) {
		free(f);
		return -1;
	}
	f->arch = tu_chomp(tu_capture(NULL, "dpkg --print-architecture"));
	if (setenv("JP_ARCH", f->arch, 1) < 0 ||
	    setenv("JPREPO", jprepo_bin(), 1) < 0 ||
	    tu_fixture_script(&f->ctx, f->dir, fixture_sh,
	    "driver_apt_test") < 0) {
		tu_tmpdir_remove(&f->ctx, f->dir);
		free(f->arch);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fx *f = *state;

	if (!f)         /* group_setup failed: nothing was made */
		return 0;
	tu_tmpdir_remove(&f->ctx, f->dir);
	free(f->arch);
	free(f);
	return 0;
}

/* A new root f->dir/NAME (kind "full" or "bare"); malloc'd path. */
static char *
new_root(struct fx *f, const char *name, const char *kind)
{
	char *root = jp_xasprintf("%s/%s", f->dir, name);
	char *script = jp_xasprintf("%s/root.sh", f->dir);

	tu_spew(script, root_sh, strlen(root_sh));
	assert_int_equal(tu_run("sh '%s' '%s' %s", script, root, kind), 0);
	free(script);
	return root;
}

/* A new private session directory. */
static char *
new_tmpdir(struct fx *f)
{
	char *t = jp_xasprintf("%s/sess%d", f->dir, ++f->nsess);

	assert_int_equal(mkdir(t, 0700), 0);
	return t;
}

struct sess {
	struct jp_drv_cfg cfg;
	char *url;
	char *key;
	struct jp_drv *d;
};

/* Open apt over REPO (a directory under f->dir) into root; returns what
 * jp_drv_open returned; keyname NULL: unsigned. */
static int
open_sess(struct fx *f, struct sess *s, const char *root, const char *repo,
    const char *keyname)
{
	memset(s, 0, sizeof(*s));
	s->url = jp_xasprintf("file://%s/%s", f->dir, repo);
	s->key = keyname ? jp_xasprintf("%s/%s", f->dir, keyname) : NULL;
	s->cfg.pm = JP_PM_APT;
	s->cfg.root = root;
	s->cfg.repo_url = s->url;
	s->cfg.keyring = s->key;
	s->cfg.suite = "stable";
	s->cfg.component = "main";
	s->cfg.arch = f->arch;
	s->cfg.tmpdir = new_tmpdir(f);
	jp_error_clear(&f->ctx);
	return jp_drv_open(&f->ctx, &s->cfg, &s->d);
}

static void
close_sess(struct sess *s)
{
	jp_drv_close(s->d);
	free((char *)s->cfg.tmpdir);
	free(s->url);
	free(s->key);
}

/* "name version arch" of the packages dpkg has installed in root. */
static char *
installed(const char *root)
{
	return tu_capture(NULL, "dpkg-query --admindir='%s/var/lib/dpkg' -W "
	    "-f '${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\\n' "
	    "| awk '$1 == \"ii\" { print $2, $3, $4 }' | LC_ALL=C sort", root);
}

/* want: "name version arch" lines, "%s" standing for f->arch. */
static void
assert_installed(struct fx *f, const char *root, const char *want_lines)
{
	const char *at = strstr(want_lines, "%s");
	char *want = at ? jp_xasprintf("%.*s%s%s", (int)(at - want_lines),
	    want_lines, f->arch, at + 2) : jp_xstrdup(want_lines);
	char *got = installed(root);

	if (strcmp(got, want) != 0)
		fail_msg("installed in %s:\n%swanted:\n%s", root, got, want);
	free(got);
	free(want);
}

static int
install1(struct sess *s, const char *name, const char *arch, const char *evr,
    int flags)
{
	struct jp_drv_pkg p = { name, arch, evr };

	return jp_drv_install(s->d, &p, 1, flags);
}

static const struct jp_drv_run *
last_run(const struct sess *s)
{
	assert_true(s->d->nruns > 0);
	return &s->d->runs[s->d->nruns - 1];
}

/* The output of the last run, for failure messages. */
static const char *
last_out(const struct sess *s)
{
	return jp_drv_last_output(s->d);
}

/* The contents of root/rel. */
static char *
slurp_in(const char *root, const char *rel)
{
	char *p = jp_path_join(root, rel);
	char *data = tu_slurp(p, NULL);

	free(p);
	return data;
}

/* A listing of what in root belongs to apt's configuration and state. */
static char *
apt_state(const char *root)
{
	return tu_capture(NULL, "cd '%s' && find etc/apt var/lib/apt/lists "
	    "-print 2>/dev/null | LC_ALL=C sort; cat etc/apt/sources.list",
	    root);
}

/*
 * Exact versions: 1.0 when 3.0 is the newest, then 2.0 with the libfoo it
 * needs; update ran once in open; the root's apt configuration and lists
 * are untouched; dpkg logged into the root.
 */
static void
test_install_exact(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-exact", "full");
	char *before = apt_state(root), *after, *log;
	struct sess s;
	int rc;

	rc = open_sess(f, &s, root, "repo", NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(s.d->nruns, 1);
	assert_non_null(strstr(s.d->runs[0].command, " update"));
	assert_int_equal(s.d->runs[0].status, 0);

	rc = install1(&s, "hello", "all", "1.0-1", 0);
	if (rc != 0)
		fail_msg("install hello 1.0-1: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "hello 1.0-1 all\n");
	/* the last run installed; no marks to put back */
	assert_non_null(strstr(last_run(&s)->command, " hello:all=1.0-1"));
	assert_non_null(strstr(last_run(&s)->command, " install "));

	rc = install1(&s, "hello", "all", "2.0-1", 0);
	if (rc != 0)
		fail_msg("install hello 2.0-1: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "hello 2.0-1 all\nlibfoo 1.0-1 %s\n");
	close_sess(&s);

	after = apt_state(root);
	assert_string_equal(before, after);
	log = slurp_in(root, "var/log/dpkg.log");
	assert_non_null(strstr(log, " install hello:all <none> 1.0-1"));
	assert_non_null(strstr(log, " upgrade hello:all 1.0-1 2.0-1"));
	free(log);
	free(before);
	free(after);
	free(root);
}

/* An older version only with JP_DRV_OLD; several packages in one run. */
static void
test_downgrade(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-old", "full");
	struct jp_drv_pkg two[] = {
		{ "hello", "all", "2.0-1" }, { "libfoo", f->arch, "1.0-1" },
	};
	struct sess s;
	int rc;

	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	rc = jp_drv_install(s.d, two, 2, 0);
	if (rc != 0)
		fail_msg("install: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "hello 2.0-1 all\nlibfoo 1.0-1 %s\n");

	rc = install1(&s, "hello", "all", "1.0-1", 0);
	assert_true(rc > 0);
	assert_non_null(strstr(last_out(&s), "--allow-downgrades"));
	assert_installed(f, root, "hello 2.0-1 all\nlibfoo 1.0-1 %s\n");

	rc = install1(&s, "hello", "all", "1.0-1", JP_DRV_OLD);
	if (rc != 0)
		fail_msg("downgrade: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "hello 1.0-1 all\nlibfoo 1.0-1 %s\n");
	close_sess(&s);
	free(root);
}

/* A dry run changes neither the dpkg database nor the cache. */
static void
test_dryrun(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-dry", "full");
	struct jp_drv_pkg rm = { "hello", "all", NULL };
	char *db0, *db1;
	struct sess s;
	int rc;

	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	assert_int_equal(install1(&s, "hello", "all", "1.0-1", 0), 0);
	db0 = tu_capture(NULL, "cd '%s' && sha256sum var/lib/dpkg/status "
	    "&& ls -A var/lib/dpkg/info var/cache/apt/archives", root);

	rc = install1(&s, "hello", "all", "3.0-1", JP_DRV_DRYRUN);
	if (rc != 0)
		fail_msg("dry run: %d\n%s", rc, last_out(&s));
	/* apt's simulation names what it would do */
	assert_non_null(strstr(last_out(&s), "Inst hello ["));
	assert_non_null(strstr(last_out(&s), "Inst libfoo "));
	assert_int_equal(jp_drv_remove(s.d, &rm, 1, JP_DRV_DRYRUN), 0);
	assert_non_null(strstr(last_out(&s), "Remv hello"));

	db1 = tu_capture(NULL, "cd '%s' && sha256sum var/lib/dpkg/status "
	    "&& ls -A var/lib/dpkg/info var/cache/apt/archives", root);
	assert_string_equal(db0, db1);
	assert_installed(f, root, "hello 1.0-1 all\n");
	close_sess(&s);
	free(db0);
	free(db1);
	free(root);
}

/*
 * Download only: the packages land in the root's cache, nothing is
 * installed; a later session installs from the cache while the
 * repository's pool no longer has the file.
 */
static void
test_download_only(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-dl", "full");
	char *db0, *db1, *cache, *pool, *away;
	struct sess s;
	int rc;

	db0 = slurp_in(root, "var/lib/dpkg/status");
	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	rc = install1(&s, "hello", "all", "3.0-1", JP_DRV_DOWNLOAD);
	if (rc != 0)
		fail_msg("download: %d\n%s", rc, last_out(&s));
	close_sess(&s);
	db1 = slurp_in(root, "var/lib/dpkg/status");
	assert_string_equal(db0, db1);
	cache = tu_capture(NULL, "cd '%s/var/cache/apt/archives' && "
	    "ls *.deb", root);
	{
		char *want = jp_xasprintf("hello_3.0-1_all.deb\n"
		    "libfoo_1.0-1_%s.deb\n", f->arch);

		assert_string_equal(cache, want);
		free(want);
	}
	assert_int_equal(tu_run("cmp -s '%s/var/cache/apt/archives/"
	    "hello_3.0-1_all.deb' '%s/repo/pool/main/hello_3.0-1_all.deb'",
	    root, f->dir), 0);

	/* open reads dists/ only; then the pool file goes away */
	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	pool = jp_xasprintf("%s/repo/pool/main/hello_3.0-1_all.deb", f->dir);
	away = jp_xasprintf("%s.away", pool);
	assert_int_equal(rename(pool, away), 0);
	rc = install1(&s, "hello", "all", "3.0-1", 0);
	assert_int_equal(rename(away, pool), 0);
	if (rc != 0)
		fail_msg("install from the cache: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "hello 3.0-1 all\nlibfoo 1.0-1 %s\n");
	close_sess(&s);
	free(pool);
	free(away);
	free(cache);
	free(db0);
	free(db1);
	free(root);
}

/* A pre-install script that fails: non-zero, the package not installed. */
static void
test_failing_preinst(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-bad", "full");
	struct sess s;
	int rc;

	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	assert_int_equal(install1(&s, "hello", "all", "1.0-1", 0), 0);
	rc = install1(&s, "bad", "all", "1.0-1", 0);
	assert_true(rc > 0);
	/* the script itself ran in the root and said so */
	assert_non_null(strstr(last_out(&s), "preinst of bad refuses"));
	/* dpkg's output not through a pseudo-terminal: plain lines */
	assert_null(strchr(last_out(&s), '\r'));
	assert_installed(f, root, "hello 1.0-1 all\n");
	close_sess(&s);
	free(root);
}

/*
 * Remove: exactly the packages named; a removal that would take packages
 * depending on them along is refused and changes nothing.
 */
static void
test_remove(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-rm", "full");
	struct jp_drv_pkg lib = { "libfoo", f->arch, NULL };
	struct jp_drv_pkg both[] = {
		{ "hello", "all", NULL }, { "libfoo", f->arch, NULL },
	};
	struct sess s;
	int rc;

	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	assert_int_equal(install1(&s, "hello", "all", "2.0-1", 0), 0);
	assert_installed(f, root, "hello 2.0-1 all\nlibfoo 1.0-1 %s\n");

	rc = jp_drv_remove(s.d, &lib, 1, 0);
	assert_true(rc < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "also remove hello"));
	assert_installed(f, root, "hello 2.0-1 all\nlibfoo 1.0-1 %s\n");

	rc = jp_drv_remove(s.d, &both[0], 1, 0);
	if (rc != 0)
		fail_msg("remove hello: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "libfoo 1.0-1 %s\n");

	assert_int_equal(install1(&s, "hello", "all", "3.0-1", 0), 0);
	rc = jp_drv_remove(s.d, both, 2, 0);
	if (rc != 0)
		fail_msg("remove both: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "");
	close_sess(&s);
	free(root);
}

/*
 * Signed repository: opens with its key, armored or binary, and installs;
 * refused with another key, and an unsigned repository is refused when a
 * key is demanded.
 */
static void
test_signed(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-sig", "full");
	struct sess s;
	int rc;

	rc = open_sess(f, &s, root, "signed", "good.asc");
	if (rc != 0)
		fail_msg("open with good.asc: %s", jp_error_msg(&f->ctx));
	assert_int_equal(tu_run("test -f '%s/keyring.asc'", s.cfg.tmpdir), 0);
	assert_int_equal(tu_run("grep -q 'signed-by=%s/keyring.asc' "
	    "'%s/sources.list'", s.cfg.tmpdir, s.cfg.tmpdir), 0);
	rc = install1(&s, "hello", "all", "1.0-1", 0);
	if (rc != 0)
		fail_msg("install: %d\n%s", rc, last_out(&s));
	close_sess(&s);
	assert_installed(f, root, "hello 1.0-1 all\n");

	rc = open_sess(f, &s, root, "signed", "good.gpg");
	if (rc != 0)
		fail_msg("open with good.gpg: %s", jp_error_msg(&f->ctx));
	assert_int_equal(tu_run("test -f '%s/keyring.gpg'", s.cfg.tmpdir), 0);
	close_sess(&s);

	rc = open_sess(f, &s, root, "signed", "wrong.asc");
	assert_true(rc < 0);
	assert_null(s.d);
	/* apt's words: gpgv's status says which key is missing */
	assert_non_null(strstr(jp_error_msg(&f->ctx), "apt-get update"));
	assert_non_null(strstr(jp_error_msg(&f->ctx), "NO_PUBKEY"));
	close_sess(&s);

	rc = open_sess(f, &s, root, "repo", "good.asc");
	assert_true(rc < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "E: "));
	close_sess(&s);

	rc = open_sess(f, &s, root, "signed", "garbage.asc");
	assert_true(rc < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "OpenPGP"));
	close_sess(&s);
	assert_installed(f, root, "hello 1.0-1 all\n");
	free(root);
}

/*
 * A root with nothing but dpkg's database: apt's log goes to the session
 * directory, dpkg's log too, the cache directory is made.
 */
static void
test_bare_root(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-bare", "bare");
	struct sess s;
	int rc;

	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	rc = install1(&s, "hello", "all", "2.0-1", 0);
	if (rc != 0)
		fail_msg("install: %d\n%s", rc, last_out(&s));
	/* no warning about what the root lacks (preferences.d) */
	if (!strncmp(last_out(&s), "W: ", 3) || strstr(last_out(&s), "\nW: "))
		fail_msg("apt warns:\n%s", last_out(&s));
	assert_installed(f, root, "hello 2.0-1 all\nlibfoo 1.0-1 %s\n");
	assert_int_equal(tu_run("grep -q 'install hello:all <none> 2.0-1' "
	    "'%s/dpkg.log'", s.cfg.tmpdir), 0);
	assert_int_equal(tu_run("test -d '%s/var/cache/apt/archives/partial' "
	    "&& test ! -e '%s/var/log'", root, root), 0);
	close_sess(&s);
	free(root);
}

/*
 * Neither the configuration apt would read for the host (here: the file
 * APT_CONFIG names in our environment) nor the root's apt.conf.d applies
 * to a root: their DPkg::Post-Invoke hooks would run on the host.
 */
static void
test_config_isolation(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-conf", "full");
	char *conf = jp_xasprintf("%s/host-apt.conf", f->dir);
	char *text = jp_xasprintf("DPkg::Post-Invoke { \"touch %s/host-hook\"; };\n",
	    f->dir);
	char *rtext = jp_xasprintf("DPkg::Post-Invoke { \"touch %s/root-hook\"; };\n",
	    f->dir);
	char *rconf = jp_path_join(root, "etc/apt/apt.conf.d/99hook");
	struct sess s;
	int rc;

	tu_spew(conf, text, strlen(text));
	tu_spew(rconf, rtext, strlen(rtext));
	/* the hook works when apt reads the file (the oracle) */
	assert_int_equal(tu_run("APT_CONFIG='%s' apt-config dump | "
	    "grep -q host-hook", conf), 0);
	assert_int_equal(setenv("APT_CONFIG", conf, 1), 0);
	rc = open_sess(f, &s, root, "repo", NULL);
	if (rc == 0)
		rc = install1(&s, "hello", "all", "1.0-1", 0);
	unsetenv("APT_CONFIG");
	if (rc != 0)
		fail_msg("install: %d %s\n%s", rc, jp_error_msg(&f->ctx),
		    s.d ? last_out(&s) : "");
	assert_installed(f, root, "hello 1.0-1 all\n");
	assert_int_equal(tu_run("test ! -e '%s/host-hook' && "
	    "test ! -e '%s/root-hook'", f->dir, f->dir), 0);
	close_sess(&s);
	free(conf);
	free(text);
	free(rtext);
	free(rconf);
	free(root);
}

/* apt-mark in root, its output; the oracle for the auto marks. */
static char *
apt_mark(const char *root, const char *args)
{
	return tu_capture(NULL, "APT_CONFIG=/dev/null apt-mark -o Dir='%s/' "
	    "-o Dir::State::status='%s/var/lib/dpkg/status' "
	    "-o Dir::State::Lists='%s/var/lib/apt/lists' %s", root, root,
	    root, args);
}

/*
 * An update keeps a package's mark: one installed automatically stays so
 * (apt-get alone would mark it manual), one installed by hand stays so.
 */
static void
test_auto_marks(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-auto", "full");
	struct jp_drv_pkg two[] = {
		{ "hello", "all", "3.0-1" }, { "libfoo", f->arch, "1.0-1" },
	};
	struct sess s;
	char *out;
	int rc;

	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	assert_int_equal(install1(&s, "hello", "all", "1.0-1", 0), 0);
	free(apt_mark(root, "auto hello"));
	out = apt_mark(root, "showauto");
	assert_string_equal(out, "hello\n");
	free(out);

	rc = install1(&s, "hello", "all", "2.0-1", 0);
	if (rc != 0)
		fail_msg("install: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "hello 2.0-1 all\nlibfoo 1.0-1 %s\n");
	out = apt_mark(root, "showauto");
	assert_string_equal(out, "hello\nlibfoo\n");
	free(out);

	free(apt_mark(root, "manual libfoo"));
	rc = jp_drv_install(s.d, two, 2, 0);
	if (rc != 0)
		fail_msg("install: %d\n%s", rc, last_out(&s));
	assert_installed(f, root, "hello 3.0-1 all\nlibfoo 1.0-1 %s\n");
	out = apt_mark(root, "showauto");
	assert_string_equal(out, "hello\n");
	free(out);

	/* a dry run and a download change no mark either */
	assert_int_equal(install1(&s, "hello", "all", "1.0-1",
	    JP_DRV_DRYRUN | JP_DRV_OLD), 0);
	out = apt_mark(root, "showauto");
	assert_string_equal(out, "hello\n");
	free(out);
	close_sess(&s);
	free(root);
}

/* Refusals before apt runs, and a component the repository lacks. */
static void
test_bad_input(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f, "r-input", "full");
	struct jp_drv_pkg opt = { "-s", "all", "1.0-1" };
	struct jp_drv_pkg dash = { "hello", "all", "1.0-" };
	struct jp_drv_pkg noarch = { "hello", NULL, "1.0-1" };
	struct sess s;
	size_t n;

	assert_int_equal(open_sess(f, &s, root, "repo", NULL), 0);
	n = s.d->nruns;
	assert_int_equal(jp_drv_install(s.d, &opt, 1, 0), JP_ERR_USAGE);
	assert_int_equal(jp_drv_install(s.d, &dash, 1, 0), JP_ERR_USAGE);
	assert_int_equal(jp_drv_install(s.d, &noarch, 1, 0), JP_ERR_USAGE);
	assert_int_equal(jp_drv_remove(s.d, &opt, 1, 0), JP_ERR_USAGE);
	assert_int_equal(s.d->nruns, n);
	assert_int_equal(jp_drv_has_history(s.d), 0);
	close_sess(&s);

	memset(&s, 0, sizeof(s));
	s.url = jp_xasprintf("file://%s/repo", f->dir);
	s.cfg.pm = JP_PM_APT;
	s.cfg.root = root;
	s.cfg.repo_url = s.url;
	s.cfg.component = "contrib";
	s.cfg.tmpdir = new_tmpdir(f);
	assert_true(jp_drv_open(&f->ctx, &s.cfg, &s.d) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "no package index"));
	close_sess(&s);
	assert_installed(f, root, "");
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_exact),
		cmocka_unit_test(test_downgrade),
		cmocka_unit_test(test_dryrun),
		cmocka_unit_test(test_download_only),
		cmocka_unit_test(test_failing_preinst),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_bare_root),
		cmocka_unit_test(test_config_isolation),
		cmocka_unit_test(test_auto_marks),
		cmocka_unit_test(test_bad_input),
	};
	static const char *const tools[] = {
		"apt-get", "apt-mark", "dpkg", "dpkg-deb", "dpkg-query", "gpg",
		"gpgconf", "ldd",
	};
	size_t i;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		if (!tu_have(tools[i])) {
			printf("driver_apt_test: SKIP: needs %s\n", tools[i]);
			return 77;
		}
	}
	/* dpkg runs maintainer scripts chrooted into the root */
	if (geteuid() != 0) {
		printf("driver_apt_test: SKIP: needs root (dpkg chroots into "
		    "the scratch roots)\n");
		return 77;
	}
	if (access(jprepo_bin(), X_OK) != 0) {
		fprintf(stderr, "driver_apt_test: no jprepo binary '%s' (set "
		    "JPREPO)\n", jprepo_bin());
		return 1;
	}
	/* apt's and gpgv's messages in English for the checks */
	setenv("LC_ALL", "C.UTF-8", 1);
	unsetenv("LANGUAGE");
	unsetenv("APT_CONFIG");
	return cmocka_run_group_tests_name("driver_apt", tests, group_setup,
	    group_teardown);
}
