/*
 * hardening_test.c: unit tests of the privileges-and-inputs review
 * (issue 9; HACKING, "Threat model"): the safe path join against hostile
 * names, the modes and ownership of atomic writes under several umasks and
 * over planted temporary names, and the package-manager driver's refusal
 * of package words that could become options, globs or relations.
 */
#include "config.h"

#include <errno.h>
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

static int
setup(void **state)
{
	return tu_setup(state, "hardening_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

/* --- jp_path_join_safe --- */

static void
test_join_hostile(void **state)
{
	struct tu_fixture *f = *state;
	static const char *const bad[] = {
		"../x", "/etc/x", "a/../../x", "..", "a/..", "a/../b", "",
		"a\nb", "pool/x.deb\n", "\x1b[2Jx", "a\tb", "a\rb", "x\x7f",
		"//etc/x",
	};
	static const char *const good[] = {
		"a/b", "a..b/..c", ".hidden", "a b", "a/./b", "pool/main/h/"
		    "hello_2.0-1_all.deb", "x-1.0~rc1+b1.rpm",
	};
	char *longname = jp_xmalloc(5001), *p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = jp_path_join_safe(&f->ctx, "/srv/repo", bad[i]);
		if (p)
			fail_msg("'%s' joined as '%s'", bad[i], p);
		assert_true(jp_error_msg(&f->ctx)[0] != '\0');
		/* the message never carries the raw control character */
		assert_null(strpbrk(jp_error_msg(&f->ctx), "\n\r\t\x1b\x7f"));
	}
	assert_null(jp_path_join_safe(&f->ctx, "/srv/repo", NULL));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		p = jp_path_join_safe(&f->ctx, "/srv/repo", good[i]);
		assert_non_null(p);
		assert_true(strncmp(p, "/srv/repo/", 10) == 0);
		assert_string_equal(p + 10, good[i]);
		free(p);
	}
	/* a name no file system can open is refused, not truncated */
	memset(longname, 'a', 5000);
	longname[5000] = '\0';
	assert_null(jp_path_join_safe(&f->ctx, "/srv/repo", longname));
	longname[255] = '\0';
	p = jp_path_join_safe(&f->ctx, "/srv/repo", longname);
	assert_non_null(p);
	free(p);
	free(longname);
}

/* --- atomic writes: modes and planted names --- */

static mode_t
mode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		fail_msg("cannot stat '%s': %s", path, strerror(errno));
	assert_true(S_ISREG(st.st_mode));
	return st.st_mode & 07777;
}

static void
test_write_modes(void **state)
{
	struct tu_fixture *f = *state;
	static const mode_t masks[] = { 022, 077, 002, 000 };
	char *path = jp_path_join(f->dir, "out");
	mode_t old = umask(022);
	size_t i;

	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		umask(masks[i]);
		unlink(path);
		/* new: 0644 under the umask */
		assert_int_equal(jp_file_write_atomic(&f->ctx, path, "a", 1), 0);
		assert_int_equal(mode_of(path), 0644 & ~masks[i]);
		/* over a world-writable file: a new file, never 0666 */
		assert_int_equal(chmod(path, 0666), 0);
		assert_int_equal(jp_file_write_atomic(&f->ctx, path, "b", 1), 0);
		assert_int_equal(mode_of(path), 0644 & ~masks[i]);
		/* over a file of mode 0600: public data, 0644 under the umask */
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(jp_file_write_atomic(&f->ctx, path, "c", 1), 0);
		assert_int_equal(mode_of(path), 0644 & ~masks[i]);
		/* a fixed mode (the timer's units) whatever the umask */
		assert_int_equal(jp_file_write_atomic_mode(&f->ctx, path, "d", 1,
		    0644), 0);
		assert_int_equal(mode_of(path), 0644);
		assert_int_equal(jp_file_write_atomic_mode(&f->ctx, path, "e", 1,
		    0600), 0);
		assert_int_equal(mode_of(path), 0600);
	}
	umask(old);
	free(path);
}

static void
test_write_planted(void **state)
{
	struct tu_fixture *f = *state;
	char *path = jp_path_join(f->dir, "scan");
	char *victim = jp_path_join(f->dir, "victim");
	char *tmp = jp_xasprintf("%s.tmp.%ld", path, (long)getpid());
	char *data, *name = NULL;
	mode_t old = umask(022);
	struct stat st;
	int fd;

	/* a symbolic link at the temporary name: not followed */
	tu_spew(victim, "victim", 6);
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(jp_file_write_atomic(&f->ctx, path, "scan", 4), 0);
	data = tu_slurp(victim, NULL);
	assert_string_equal(data, "victim");
	free(data);
	data = tu_slurp(path, NULL);
	assert_string_equal(data, "scan");
	free(data);
	assert_int_equal(mode_of(path), 0644);
	assert_int_equal(lstat(tmp, &st), -1);

	/* a file at the temporary name, another owner's, mode 0666: not
	 * reused (its owner could change what it holds after the rename) */
	tu_spew(tmp, "planted", 7);
	assert_int_equal(chmod(tmp, 0666), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(tmp, 65534, 65534), 0);
	assert_int_equal(jp_file_write_atomic(&f->ctx, path, "scan2", 5), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 0644);
	data = tu_slurp(path, NULL);
	assert_string_equal(data, "scan2");
	free(data);

	/* jp_file_create_tmp: that name, new, the caller's */
	assert_int_equal(symlink(victim, tmp), 0);
	fd = jp_file_create_tmp(&f->ctx, path, &name);
	assert_true(fd >= 0);
	assert_string_equal(name, tmp);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	close(fd);
	unlink(name);
	free(name);
	data = tu_slurp(victim, NULL);
	assert_string_equal(data, "victim");
	free(data);

	umask(old);
	free(tmp);
	free(victim);
	free(path);
}

/* --- package words for the package managers --- */

static void
test_drv_check_pkg(void **state)
{
	struct tu_fixture *f = *state;
	/*
	 * Accepted: names, arches and versions that rpmbuild and dpkg-deb
	 * accept (t8100 builds "lib_x++" at 1.0~rc1 with rpmbuild; these are
	 * the same classes of characters).
	 */
	static const struct jp_drv_pkg good[] = {
		{ "kernel-core", "x86_64", "6.5.6-300.fc39" },
		{ "libstdc++", "i686", "13.2.1-4.fc39" },
		{ "lib_x++", "noarch", "1.0~rc1-1" },
		{ "_x", "noarch", "1^git1-1" },
		{ "python3.11", "aarch64", "1:3.11.4-1" },
		{ "libc6", "amd64", "2.36-9+deb12u3" },
		{ "hello", "all", "1.0+dfsg-1~deb12u1" },
		{ "x", NULL, NULL },
	};
	static const struct jp_drv_pkg bad[] = {
		{ "-a", "noarch", "1-1" },
		{ "--setopt=tsflags=noscripts", "noarch", "1-1" },
		{ "a*", "noarch", "1-1" },
		{ "a?", "noarch", "1-1" },
		{ "[a]", "noarch", "1-1" },
		{ "a b", "noarch", "1-1" },
		{ "/usr/bin/sh", "noarch", "1-1" },
		{ "a/../b", "noarch", "1-1" },
		{ "a\n", "noarch", "1-1" },
		{ "a>=1", "noarch", "1-1" },
		{ "a=1", "noarch", "1-1" },
		{ "", "noarch", "1-1" },
		{ NULL, "noarch", "1-1" },
		{ "a", "-noarch", "1-1" },
		{ "a", "noarch --nogpgcheck", "1-1" },
		{ "a", "x*", "1-1" },
		{ "a", "", "1-1" },
		{ "a", "no/arch", "1-1" },
		{ "a", "noarch", "--1-1" },
		{ "a", "noarch", "1-1*" },
		{ "a", "noarch", "1-1 " },
		{ "a", "noarch", "1-1-" },
		{ "a", "noarch", "<1-1" },
		{ "a", "noarch", "1/1" },
		{ "a", "noarch", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (jp_drv_check_pkg(&f->ctx, &good[i]) != 0)
			fail_msg("refused %s %s %s: %s", good[i].name,
			    good[i].arch ? good[i].arch : "-",
			    good[i].evr ? good[i].evr : "-",
			    jp_error_msg(&f->ctx));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (jp_drv_check_pkg(&f->ctx, &bad[i]) != JP_ERR_USAGE)
			fail_msg("accepted bad package %zu", i);
		assert_non_null(strstr(jp_error_msg(&f->ctx), "bad "));
	}
}

/* A driver whose operations only count their calls. */
static int ncalls;

static int
fake_install(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n, int fl)
{
	(void)d, (void)p, (void)n, (void)fl;
	ncalls++;
	return 0;
}

static int
fake_undo(struct jp_drv *d, const char *id, int fl)
{
	(void)d, (void)id, (void)fl;
	ncalls++;
	return 0;
}

static void
test_drv_refuses_before_running(void **state)
{
	struct tu_fixture *f = *state;
	static const struct jp_drv_ops ops = {
		.name = "fake", .install = fake_install, .remove = fake_install,
		.undo = fake_undo,
	};
	const struct jp_drv_pkg ok[2] = {
		{ "a", "noarch", "2-1" }, { "b", "noarch", "2-1" },
	};
	const struct jp_drv_pkg mixed[2] = {
		{ "a", "noarch", "2-1" }, { "-b", "noarch", "2-1" },
	};
	static const char *const bad_ids[] = {
		"", "-1", "--help", "1 2", "1;2", "1a", "*",
	};
	struct jp_drv d;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.ctx = &f->ctx;
	d.ops = &ops;
	ncalls = 0;
	/* one bad package: nothing of the transaction runs */
	assert_int_equal(jp_drv_install(&d, mixed, 2, 0), JP_ERR_USAGE);
	assert_int_equal(jp_drv_remove(&d, mixed, 2, 0), JP_ERR_USAGE);
	assert_int_equal(ncalls, 0);
	assert_int_equal(jp_drv_install(&d, ok, 2, 0), 0);
	assert_int_equal(jp_drv_remove(&d, ok, 2, 0), 0);
	assert_int_equal(ncalls, 2);
	for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		assert_int_equal(jp_drv_undo(&d, bad_ids[i], 0), JP_ERR_USAGE);
	assert_int_equal(jp_drv_undo(&d, NULL, 0), JP_ERR_USAGE);
	assert_int_equal(ncalls, 2);
	assert_int_equal(jp_drv_undo(&d, "42", 0), 0);
	assert_int_equal(ncalls, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_join_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_planted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drv_check_pkg, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_drv_refuses_before_running,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("hardening", tests, NULL, NULL);
}
