/*
 * driver_zypper_test.c: the zypper driver with the real zypper in scratch
 * roots.
 *
 * The fixtures are small noarch packages built with rpmbuild (hello 1.0,
 * 2.0 and 3.0; app, which requires libdep; failpkg, whose pre-install lua
 * script fails: a scratch root has no /bin/sh, and rpm runs lua
 * scriptlets itself; ep-0:1.0-1 and ep-1:1.0-1, equal but for the epoch)
 * in repositories made by `jprepo build`, one of them signed by `jprepo
 * sign` with a throwaway key.  What went in is read with `rpm --root`, the
 * repositories zypper knows with `zypper --root lr`: the tools themselves
 * are the oracles.  Checked: exact versions with a newer one in the
 * repository, epochs, dependencies from the repository, a dry run and a
 * download-only run that change no package, a later install that takes
 * the downloaded packages from the cache while the repository has lost
 * them, a failing pre-install script, downgrades with JP_DRV_OLD only,
 * removal, nothing left behind by close() (repository, imported key), the
 * signed repository accepted with its key (armored or binary) and refused
 * with a wrong key or when unsigned, and the clean-up of what a killed
 * run left.
 *
 * Skipped (exit 77 with the reason) when zypper, rpm, rpmbuild or gpg is
 * missing or when not run as root (zypper --root needs it).  The jprepo
 * binary is $JPREPO, else $JP_BUILDDIR/src/jprepo, else ./src/jprepo.
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
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "driver.h"
#include "fsutil.h"
#include "testutil.h"

struct fx {
	struct jp_ctx ctx;
	char dir[64];
	char *repo;             /* unsigned repository */
	char *srepo;            /* signed repository */
	char *key_asc, *key_gpg, *wrong_asc;
	int nroots;
	char *urls[32];         /* file:// URLs handed to sessions */
	int nurls;
};

static const char fixture_script[] =
    "set -e\n"
    "D=$1\n"
    "mkdir -p \"$D/spec\" \"$D/repo\"\n"
    "mk() { # mk NAME VERSION [HEADER LINE]... (body from stdin if -)\n"
    "  n=$1 v=$2; shift 2\n"
    "  f=\"$D/spec/$n-$v-$#.spec\"\n"
    "  { echo \"Name: $n\"; echo \"Version: $v\"; echo 'Release: 1'\n"
    "    echo \"Summary: $n\"; echo 'License: MIT'; echo 'BuildArch: noarch'\n"
    "    echo 'AutoReqProv: no'\n"
    "    for t in \"$@\"; do echo \"$t\"; done\n"
    "    echo '%description'; echo \"$n for driver_zypper_test\"\n"
    "    if [ \"$n\" = failpkg ]; then\n"
    "      echo '%pre -p <lua>'; echo 'error(\"preinstall refuses\")'\n"
    "    fi\n"
    "    echo '%install'; echo \"mkdir -p %{buildroot}/usr/share/$n\"\n"
    "    echo \"echo $v > %{buildroot}/usr/share/$n/$v\"\n"
    "    echo '%files'; echo \"/usr/share/$n/$v\"\n"
    "  } >\"$f\"\n"
    "  rpmbuild --quiet --define \"_topdir $D/rb\" \\\n"
    "    --define '_binary_payload w0.ufdio' -bb \"$f\"\n"
    "}\n"
    "mk hello 1.0; mk hello 2.0; mk hello 3.0\n"
    "mk libdep 1.0; mk app 1.0 'Requires: libdep'; mk failpkg 1.0\n"
    "mv \"$D\"/rb/RPMS/noarch/*.rpm \"$D/repo/\"\n"
    "mk ep 1.0; mv \"$D/rb/RPMS/noarch/ep-1.0-1.noarch.rpm\" \"$D/repo/ep-e0.rpm\"\n"
    "mk ep 1.0 'Epoch: 1'\n"
    "mv \"$D/rb/RPMS/noarch/ep-1.0-1.noarch.rpm\" \"$D/repo/ep-e1.rpm\"\n"
    "\"$JPREPO\" -q build \"$D/repo\"\n"
    "cp -a \"$D/repo\" \"$D/srepo\"\n"
    "mkdir -m 700 \"$D/gnupg\" \"$D/gnupg2\"\n"
    "for h in gnupg gnupg2; do\n"
    "  gpg --homedir \"$D/$h\" --batch --passphrase '' --quick-gen-key \\\n"
    "    \"$h <$h@example.com>\" ed25519 sign never 2>/dev/null\n"
    "done\n"
    "gpg --homedir \"$D/gnupg\" --armor --export >\"$D/key.asc\"\n"
    "gpg --homedir \"$D/gnupg\" --export >\"$D/key.gpg\"\n"
    "gpg --homedir \"$D/gnupg2\" --armor --export >\"$D/wrong.asc\"\n"
    "\"$JPREPO\" -q sign --key 'gnupg <gnupg@example.com>' \\\n"
    "  --homedir \"$D/gnupg\" \"$D/srepo\"\n"
    "test -s \"$D/srepo/repodata/repomd.xml.asc\"\n";

static char *
jprepo_path(void)
{
	const char *e = getenv("JPREPO");
	const char *b = getenv("JP_BUILDDIR");

	if (e && *e)
		return jp_xstrdup(e);
	if (b && *b)
		return jp_xasprintf("%s/src/jprepo", b);
	return jp_xstrdup("./src/jprepo");
}

static int
group_setup(void **state)
{
	struct fx *f = jp_xcalloc(1, sizeof(*f));
	char *jprepo = jprepo_path();
	char *abs;

	jp_ctx_init(&f->ctx, "driver_zypper_test");
	f->ctx.verbosity = JP_V_QUIET;
	if (tu_tmpdir(f->dir, sizeof(f->dir), "driver_zypper") < 0)
		return -1;
	/* the script runs elsewhere than here: an absolute path */
	abs = realpath(jprepo, NULL);
	if (!abs || access(abs, X_OK) != 0) {
		fprintf(stderr, "driver_zypper_test: no jprepo binary at '%s' "
		    "(set JPREPO)\n", jprepo);
		free(jprepo);
		free(abs);
		return -1;
	}
	setenv("JPREPO", abs, 1);
	free(abs);
	free(jprepo);
	if (tu_fixture_script(&f->ctx, f->dir, fixture_script,
	    "driver_zypper_test") < 0)
		return -1;
	f->repo = jp_path_join(f->dir, "repo");
	f->srepo = jp_path_join(f->dir, "srepo");
	f->key_asc = jp_path_join(f->dir, "key.asc");
	f->key_gpg = jp_path_join(f->dir, "key.gpg");
	f->wrong_asc = jp_path_join(f->dir, "wrong.asc");
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fx *f = *state;

	if (!f)
		return 0;
	tu_run("gpgconf --homedir '%s/gnupg' --kill all 2>/dev/null; "
	    "gpgconf --homedir '%s/gnupg2' --kill all 2>/dev/null",
	    f->dir, f->dir);
	tu_tmpdir_remove(&f->ctx, f->dir);
	free(f->repo);
	free(f->srepo);
	free(f->key_asc);
	free(f->key_gpg);
	free(f->wrong_asc);
	while (f->nurls)
		free(f->urls[--f->nurls]);
	free(f);
	return 0;
}

/* A new empty root directory under the fixture; malloc'd path. */
static char *
new_root(struct fx *f)
{
	char *r = jp_xasprintf("%s/root%d", f->dir, ++f->nroots);

	assert_int_equal(jp_mkdir_p(&f->ctx, r), 0);
	return r;
}

/* The session's tmpdir, a new one per call; malloc'd path. */
static char *
new_tmp(struct fx *f)
{
	char *t = jp_xasprintf("%s/tmp%d", f->dir, ++f->nroots);

	assert_int_equal(jp_mkdir_p(&f->ctx, t), 0);
	return t;
}

/* file://DIR, alive until the fixture goes (the sessions keep it). */
static const char *
url_of(struct fx *f, const char *dir)
{
	assert_true(f->nurls < 32);
	f->urls[f->nurls] = jp_xasprintf("file://%s", dir);
	return f->urls[f->nurls++];
}

static struct jp_drv *
open_ok(struct fx *f, const char *root, const char *repo, const char *key,
    const char *tmp)
{
	struct jp_drv_cfg cfg = { 0 };
	struct jp_drv *d = NULL;
	const char *url = url_of(f, repo);

	cfg.pm = JP_PM_ZYPPER;
	cfg.root = root;
	cfg.repo_url = url;
	cfg.keyring = key;
	cfg.tmpdir = tmp;
	if (jp_drv_open(&f->ctx, &cfg, &d) < 0)
		fail_msg("jp_drv_open: %s", jp_error_msg(&f->ctx));
	assert_non_null(d);
	return d;
}

/* Open expected to fail: returns the message. */
static char *
open_fails(struct fx *f, const char *root, const char *repo, const char *key,
    const char *tmp)
{
	struct jp_drv_cfg cfg = { 0 };
	struct jp_drv *d = (struct jp_drv *)1;
	const char *url = url_of(f, repo);
	int rc;

	cfg.pm = JP_PM_ZYPPER;
	cfg.root = root;
	cfg.repo_url = url;
	cfg.keyring = key;
	cfg.tmpdir = tmp;
	rc = jp_drv_open(&f->ctx, &cfg, &d);
	assert_true(rc < 0);
	assert_null(d);
	return jp_xstrdup(jp_error_msg(&f->ctx));
}

/* The packages in root's rpm database but keys:
 * "name-epoch:version-release.arch" lines, sorted. */
static char *
installed(const char *root)
{
	return tu_capture(NULL, "rpm --root '%s' -qa --qf "
	    "'%%{NAME}-%%{EPOCHNUM}:%%{VERSION}-%%{RELEASE}.%%{ARCH}\\n' "
	    "| grep -v '^gpg-pubkey-' | LC_ALL=C sort", root);
}

/* The gpg-pubkey entries of root's rpm database, sorted. */
static char *
keys_of(const char *root)
{
	return tu_capture(NULL, "rpm --root '%s' -qa 'gpg-pubkey*' "
	    "| LC_ALL=C sort", root);
}

/* The aliases of the repositories zypper knows in root, one a line. */
static char *
repos_of(const char *root)
{
	return tu_capture(NULL, "zypper -n --root '%s' -x repos 2>/dev/null "
	    "| sed -n 's/.*<repo alias=\"\\([^\"]*\\)\".*/\\1/p' "
	    "| LC_ALL=C sort", root);
}

static void
assert_installed(const char *root, const char *want)
{
	char *got = installed(root);

	if (strcmp(got, want) != 0)
		fail_msg("rpm --root %s -qa:\n%s\nwanted:\n%s", root, got,
		    want);
	free(got);
}

static void
install_ok(struct jp_drv *d, const char *name, const char *evr, int flags)
{
	struct jp_drv_pkg p = { name, "noarch", evr };
	int rc = jp_drv_install(d, &p, 1, flags);

	if (rc != 0)
		fail_msg("install %s %s: exit %d (%s)\n%s", name, evr, rc,
		    jp_error_msg(d->ctx), jp_drv_last_output(d));
}

/* Exact versions, with a newer one in the repository; dependencies. */
static void
test_install_exact(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	struct jp_drv *d = open_ok(f, root, f->repo, NULL, tmp);
	struct jp_drv_pkg two[] = {
		{ "app", "noarch", "1.0-1" }, { "hello", "noarch", "2.0-1" },
	};
	char *alias = jp_xasprintf("jprepo-%ld\n", (long)getpid());
	char *r;

	r = repos_of(root);
	assert_string_equal(r, alias);
	free(r);
	install_ok(d, "hello", "1.0-1", 0);
	assert_installed(root, "hello-0:1.0-1.noarch\n");
	/* 3.0-1 is newer, 2.0-1 is what was asked; app pulls libdep */
	assert_int_equal(jp_drv_install(d, two, 2, 0), 0);
	assert_installed(root, "app-0:1.0-1.noarch\nhello-0:2.0-1.noarch\n"
	    "libdep-0:1.0-1.noarch\n");
	/* every run kept, with its command */
	assert_true(d->nruns >= 4);
	assert_non_null(strstr(d->runs[d->nruns - 1].command,
	    "install --repo jprepo-"));
	assert_non_null(strstr(d->runs[d->nruns - 1].command,
	    "hello.noarch=0:2.0-1"));
	assert_int_equal(d->runs[d->nruns - 1].status, 0);
	jp_drv_close(d);
	/* nothing left behind */
	r = repos_of(root);
	assert_string_equal(r, "");
	free(r);
	assert_int_equal(tu_run("ls -A '%s/etc/zypp/repos.d' | grep -q .",
	    root), 1);
	free(alias);
	free(tmp);
	free(root);
}

/* The epoch is part of the version asked for. */
static void
test_epoch(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	struct jp_drv *d = open_ok(f, root, f->repo, NULL, tmp);
	struct jp_drv_pkg ep = { "ep", "noarch", NULL };

	/*
	 * hello keeps the rpm database from becoming empty: zypper exits 8
	 * after a removal that empties it ("Failed to cache rpm database":
	 * its rpmdb2solv fails on an empty database), never on a real host
	 */
	install_ok(d, "hello", "1.0-1", 0);
	install_ok(d, "ep", "1:1.0-1", 0);
	assert_installed(root, "ep-1:1.0-1.noarch\nhello-0:1.0-1.noarch\n");
	assert_int_equal(jp_drv_remove(d, &ep, 1, 0), 0);
	assert_installed(root, "hello-0:1.0-1.noarch\n");
	/* no epoch: epoch 0, not the other one */
	install_ok(d, "ep", "1.0-1", 0);
	assert_installed(root, "ep-0:1.0-1.noarch\nhello-0:1.0-1.noarch\n");
	jp_drv_close(d);
	free(tmp);
	free(root);
}

/* A dry run changes no package, nor the rpm database file. */
static void
test_dry_run(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	struct jp_drv *d = open_ok(f, root, f->repo, NULL, tmp);
	struct jp_drv_pkg two[] = {
		{ "app", "noarch", "1.0-1" }, { "hello", "noarch", "3.0-1" },
	};
	struct jp_drv_pkg hello = { "hello", "noarch", NULL };
	char *before, *after, *dbsum1, *dbsum2, *db;

	install_ok(d, "hello", "1.0-1", 0);
	before = tu_capture(NULL, "rpm --root '%s' -qa --qf "
	    "'%%{NEVRA} %%{INSTALLTIME}\\n' | LC_ALL=C sort", root);
	db = tu_chomp(tu_capture(NULL, "rpm --root '%s' --eval %%_dbpath",
	    root));
	dbsum1 = tu_capture(NULL, "sha256sum < '%s%s/rpmdb.sqlite'", root, db);
	assert_int_equal(jp_drv_install(d, two, 2, JP_DRV_DRYRUN), 0);
	/* zypper resolved the transaction: it named both packages */
	assert_non_null(strstr(jp_drv_last_output(d), "app"));
	assert_int_equal(jp_drv_remove(d, &hello, 1, JP_DRV_DRYRUN), 0);
	after = tu_capture(NULL, "rpm --root '%s' -qa --qf "
	    "'%%{NEVRA} %%{INSTALLTIME}\\n' | LC_ALL=C sort", root);
	dbsum2 = tu_capture(NULL, "sha256sum < '%s%s/rpmdb.sqlite'", root, db);
	assert_string_equal(before, after);
	assert_string_equal(dbsum1, dbsum2);
	assert_installed(root, "hello-0:1.0-1.noarch\n");
	jp_drv_close(d);
	free(before);
	free(after);
	free(dbsum1);
	free(dbsum2);
	free(db);
	free(tmp);
	free(root);
}

/*
 * Download only: nothing installed, the packages in zypper's cache; after
 * close() and a new session they are still there: an install then works
 * with the package files gone from the repository.
 */
static void
test_download_only(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f), *tmp2 = new_tmp(f);
	char *repo = jp_xasprintf("%s/dlrepo", f->dir);
	struct jp_drv *d;
	struct jp_drv_pkg app = { "app", "noarch", "1.0-1" };

	assert_int_equal(tu_run("cp -a '%s' '%s'", f->repo, repo), 0);
	d = open_ok(f, root, repo, NULL, tmp);
	assert_int_equal(jp_drv_install(d, &app, 1, JP_DRV_DOWNLOAD), 0);
	assert_installed(root, "");
	assert_int_equal(tu_run("test -f '%s/var/cache/zypp/packages/"
	    "jprepo-%ld/app-1.0-1.noarch.rpm' && test -f '%s/var/cache/zypp/"
	    "packages/jprepo-%ld/libdep-1.0-1.noarch.rpm'", root,
	    (long)getpid(), root, (long)getpid()), 0);
	jp_drv_close(d);
	/* kept from removerepo, outside zypper's own cache */
	assert_int_equal(tu_run("test -f '%s/var/cache/jprepo/zypper/packages/"
	    "app-1.0-1.noarch.rpm'", root), 0);
	/* the repository loses its package files */
	assert_int_equal(tu_run("mkdir '%s.away' && mv '%s'/*.rpm '%s.away/'",
	    repo, repo, repo), 0);
	d = open_ok(f, root, repo, NULL, tmp2);
	if (jp_drv_install(d, &app, 1, 0) != 0)
		fail_msg("install from the cache failed:\n%s",
		    jp_drv_last_output(d));
	assert_installed(root, "app-0:1.0-1.noarch\nlibdep-0:1.0-1.noarch\n");
	assert_non_null(strstr(jp_drv_last_output(d), "Already cached"));
	jp_drv_close(d);
	free(repo);
	free(tmp2);
	free(tmp);
	free(root);
}

/* A failing pre-install script: a failure, the package is not in. */
static void
test_failing_script(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	struct jp_drv *d = open_ok(f, root, f->repo, NULL, tmp);
	struct jp_drv_pkg fp = { "failpkg", "noarch", "1.0-1" };
	int rc;

	install_ok(d, "hello", "1.0-1", 0);
	rc = jp_drv_install(d, &fp, 1, 0);
	assert_true(rc > 0);
	assert_non_null(strstr(jp_drv_last_output(d), "preinstall refuses"));
	assert_installed(root, "hello-0:1.0-1.noarch\n");
	jp_drv_close(d);
	free(tmp);
	free(root);
}

/* An older version goes in with JP_DRV_OLD only. */
static void
test_downgrade(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	struct jp_drv *d = open_ok(f, root, f->repo, NULL, tmp);

	install_ok(d, "hello", "3.0-1", 0);
	/* zypper's own answer without --oldpackage: nothing done, exit 0 */
	(void)jp_drv_install(d, &(struct jp_drv_pkg){ "hello", "noarch",
	    "1.0-1" }, 1, 0);
	assert_installed(root, "hello-0:3.0-1.noarch\n");
	install_ok(d, "hello", "1.0-1", JP_DRV_OLD);
	assert_installed(root, "hello-0:1.0-1.noarch\n");
	jp_drv_close(d);
	free(tmp);
	free(root);
}

/* Removal of exactly the packages named; an unknown one fails. */
static void
test_remove(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	struct jp_drv *d = open_ok(f, root, f->repo, NULL, tmp);
	struct jp_drv_pkg app = { "app", "noarch", NULL };
	struct jp_drv_pkg none = { "failpkg", "noarch", NULL };

	install_ok(d, "app", "1.0-1", 0);
	install_ok(d, "hello", "2.0-1", 0);
	assert_int_equal(jp_drv_remove(d, &app, 1, 0), 0);
	assert_installed(root, "hello-0:2.0-1.noarch\nlibdep-0:1.0-1.noarch\n");
	assert_true(jp_drv_remove(d, &none, 1, 0) > 0);
	assert_installed(root, "hello-0:2.0-1.noarch\nlibdep-0:1.0-1.noarch\n");
	jp_drv_close(d);
	free(tmp);
	free(root);
}

/* The signed repository with its key, armored and binary; no key left. */
static void
test_signed(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f), *tmp2 = new_tmp(f);
	struct jp_drv *d;
	char *k;

	d = open_ok(f, root, f->srepo, f->key_asc, tmp);
	k = keys_of(root);
	assert_true(strncmp(k, "gpg-pubkey-", 11) == 0);
	free(k);
	/* the repository is checked: gpgcheck on */
	assert_int_equal(tu_run("grep -q '^gpgcheck=1' '%s/etc/zypp/repos.d/"
	    "jprepo-%ld.repo'", root, (long)getpid()), 0);
	install_ok(d, "hello", "2.0-1", 0);
	jp_drv_close(d);
	k = keys_of(root);
	assert_string_equal(k, "");
	free(k);

	d = open_ok(f, root, f->srepo, f->key_gpg, tmp2);
	install_ok(d, "hello", "3.0-1", 0);
	jp_drv_close(d);
	assert_installed(root, "hello-0:3.0-1.noarch\n");
	k = keys_of(root);
	assert_string_equal(k, "");
	free(k);
	free(tmp2);
	free(tmp);
	free(root);
}

/* A key the root trusted before stays trusted after the session. */
static void
test_key_trusted_before(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	struct jp_drv *d;
	char *k1, *k2;

	assert_int_equal(tu_run("rpm --root '%s' --import '%s' 2>/dev/null",
	    root, f->key_asc), 0);
	k1 = keys_of(root);
	assert_string_not_equal(k1, "");
	d = open_ok(f, root, f->srepo, f->key_asc, tmp);
	jp_drv_close(d);
	k2 = keys_of(root);
	assert_string_equal(k1, k2);
	free(k1);
	free(k2);
	free(tmp);
	free(root);
}

/* A wrong key, an unsigned repository: refused, nothing left behind. */
static void
test_signed_refused(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f), *tmp2 = new_tmp(f);
	char *msg, *k, *r;

	msg = open_fails(f, root, f->srepo, f->wrong_asc, tmp);
	if (!strstr(msg, "Signature verification failed"))
		fail_msg("refusal should quote zypper: %s", msg);
	free(msg);
	msg = open_fails(f, root, f->repo, f->key_asc, tmp2);
	if (!strstr(msg, "Signature verification failed") &&
	    !strstr(msg, "unsigned"))
		fail_msg("refusal should quote zypper: %s", msg);
	free(msg);
	k = keys_of(root);
	assert_string_equal(k, "");
	free(k);
	r = repos_of(root);
	assert_string_equal(r, "");
	free(r);
	assert_installed(root, "");
	free(tmp2);
	free(tmp);
	free(root);
}

/* A pid that is not running (a child that has exited and been reaped). */
static long
dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	waitpid(pid, NULL, 0);
	return (long)pid;
}

/*
 * What a killed run left (its repository, its imported key, its keys
 * file) is removed by the next open(), also when an earlier process had
 * our PID; a live run's repository stays.
 */
static void
test_stale(void **state)
{
	struct fx *f = *state;
	char *root = new_root(f), *tmp = new_tmp(f);
	long dead = dead_pid(), live = (long)getppid();
	struct jp_drv *d;
	char *key, *k, *r, *want;

	assert_int_equal(tu_run("zypper -n --root '%s' addrepo -G 'file://%s' "
	    "jprepo-%ld >/dev/null && zypper -n --root '%s' addrepo -G "
	    "'file://%s' jprepo-%ld >/dev/null", root, f->repo, dead, root,
	    f->repo, live), 0);
	/* an earlier process with our PID left one pointing elsewhere */
	assert_int_equal(tu_run("zypper -n --root '%s' addrepo -G 'file://%s' "
	    "jprepo-%ld >/dev/null", root, f->srepo, (long)getpid()), 0);
	assert_int_equal(tu_run("rpm --root '%s' --import '%s' 2>/dev/null",
	    root, f->wrong_asc), 0);
	key = keys_of(root);
	assert_true(strncmp(key, "gpg-pubkey-", 11) == 0);
	assert_int_equal(tu_run("mkdir -p '%s/var/cache/jprepo/zypper' && "
	    "cp /dev/null '%s/var/cache/jprepo/zypper/jprepo-%ld.keys' && "
	    "printf '%%s' '%s' > '%s/var/cache/jprepo/zypper/jprepo-%ld.keys'",
	    root, root, dead, key, root, dead), 0);

	d = open_ok(f, root, f->repo, NULL, tmp);
	r = repos_of(root);
	want = jp_xasprintf("jprepo-%ld\njprepo-%ld\n", (long)getpid(), live);
	/* sorted as strings by sort: compare as sets of two */
	if (strcmp(r, want) != 0) {
		free(want);
		want = jp_xasprintf("jprepo-%ld\njprepo-%ld\n", live,
		    (long)getpid());
	}
	assert_string_equal(r, want);
	free(want);
	free(r);
	/* ours is the session's, with the session's URL */
	assert_int_equal(tu_run("zypper -n --root '%s' -x repos | grep -A1 "
	    "'alias=\"jprepo-%ld\"' | grep -q '<url>file:%s</url>'", root,
	    (long)getpid(), f->repo), 0);
	k = keys_of(root);
	assert_string_equal(k, "");
	free(k);
	assert_int_equal(tu_run("test -e '%s/var/cache/jprepo/zypper/"
	    "jprepo-%ld.keys'", root, dead), 1);
	jp_drv_close(d);
	r = repos_of(root);
	want = jp_xasprintf("jprepo-%ld\n", live);
	assert_string_equal(r, want);
	free(want);
	free(r);
	free(key);
	free(tmp);
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_exact),
		cmocka_unit_test(test_epoch),
		cmocka_unit_test(test_dry_run),
		cmocka_unit_test(test_download_only),
		cmocka_unit_test(test_failing_script),
		cmocka_unit_test(test_downgrade),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_key_trusted_before),
		cmocka_unit_test(test_signed_refused),
		cmocka_unit_test(test_stale),
	};
	const char *const tools[] = { "zypper", "rpm", "rpmbuild", "gpg",
	    "gpgconf", NULL };
	size_t i;

	for (i = 0; tools[i]; i++) {
		if (!tu_have(tools[i])) {
			printf("driver_zypper_test: SKIP: needs '%s'\n",
			    tools[i]);
			return 77;
		}
	}
	if (geteuid() != 0) {
		printf("driver_zypper_test: SKIP: zypper --root needs root\n");
		return 77;
	}
	return cmocka_run_group_tests_name("driver_zypper", tests,
	    group_setup, group_teardown);
}
