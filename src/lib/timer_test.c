/*
 * timer_test.c: unit tests of the daily scan job (timer.h): the --at and
 * path rules, the systemd markers, what install writes (files, modes,
 * symlink) and replaces, what remove takes away and what it leaves.
 *
 * tests/t7100-scan-timer.sh checks the units with systemd-analyze verify,
 * the cron line's fields, the samples and tools/jprepo-scan's twin files.
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
#include "fsutil.h"
#include "testutil.h"
#include "timer.h"

static int
setup(void **state)
{
	return tu_setup(state, "timer_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

/* The mode bits of dir/rel (lstat), -1 when it is missing. */
static int
mode_of(const char *dir, const char *rel)
{
	char *p = jp_path_join(dir, rel);
	struct stat st;
	int m = lstat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;

	free(p);
	return m;
}

static int
is_link(const char *dir, const char *rel)
{
	char *p = jp_path_join(dir, rel);
	struct stat st;
	int r = lstat(p, &st) == 0 && S_ISLNK(st.st_mode);

	free(p);
	return r;
}

static void
touch(const char *dir, const char *rel)
{
	char *p = jp_path_join(dir, rel);
	char *d = jp_xstrdup(p);

	*strrchr(d, '/') = '\0';
	assert_int_equal(tu_run("mkdir -p '%s'", d), 0);
	tu_spew(p, "", 0);
	free(d);
	free(p);
}

static void
test_parse_at(void **state)
{
	static const char *const bad[] = { "", "3", ":00", "24:00", "23:60",
	    "3:0", "003:00", "03:000", "03:00 ", " 3:00", "-1:00", "a:bc",
	    "03-00", "12:5x", NULL };
	int h = -1, m = -1, i;

	(void)state;
	assert_int_equal(jp_timer_parse_at("03:00", &h, &m), 0);
	assert_int_equal(h, 3);
	assert_int_equal(m, 0);
	assert_int_equal(jp_timer_parse_at("0:05", &h, &m), 0);
	assert_int_equal(h, 0);
	assert_int_equal(m, 5);
	assert_int_equal(jp_timer_parse_at("23:59", &h, &m), 0);
	assert_int_equal(h, 23);
	assert_int_equal(m, 59);
	for (i = 0; bad[i]; i++) {
		h = m = -7;
		if (jp_timer_parse_at(bad[i], &h, &m) == 0)
			fail_msg("'%s' was taken as a time", bad[i]);
		/* a refused time leaves the outputs alone */
		assert_int_equal(h, -7);
		assert_int_equal(m, -7);
	}
}

static void
test_path_ok(void **state)
{
	static const char *const good[] = { "/", "/var/lib/jprepo/scans",
	    "/srv/scans/", "/a/b.c/d_e+f,g:h=i@j-k", "/opt/..x/.y", NULL };
	static const char *const bad[] = { "", "rel/dir", "./x", "/a//b",
	    "/a/./b", "/a/../b", "/a/..", "/a/.", "/a b", "/a%H", "/a$x",
	    "/a'b", "/a\"b", "/a\\b", "/a\nb", "/a;b", "/a*b", "/ä", NULL };
	int i;

	(void)state;
	for (i = 0; good[i]; i++)
		if (!jp_timer_path_ok(good[i]))
			fail_msg("'%s' was refused", good[i]);
	for (i = 0; bad[i]; i++)
		if (jp_timer_path_ok(bad[i]))
			fail_msg("'%s' was taken", bad[i]);
}

static void
test_has_systemd(void **state)
{
	struct tu_fixture *f = *state;
	static const char *const marks[] = { "run/systemd/system/x",
	    "lib/systemd/systemd", "usr/lib/systemd/systemd", NULL };
	char *root;
	int i;

	for (i = 0; marks[i]; i++) {
		root = jp_xasprintf("%s/r%d", f->dir, i);
		assert_int_equal(jp_mkdir_p(&f->ctx, root), 0);
		assert_false(jp_timer_has_systemd(root));
		touch(root, marks[i]);
		assert_true(jp_timer_has_systemd(root));
		free(root);
	}
	/* a root with only systemd's configuration directory: no systemd */
	root = jp_xasprintf("%s/conf-only", f->dir);
	touch(root, "etc/systemd/system.conf");
	assert_false(jp_timer_has_systemd(root));
	free(root);
}

static void
job(struct jp_timer *t, const char *root)
{
	jp_timer_init(t);
	t->root = root;
	t->program = "/usr/bin/jprepo";
	t->args = "-q scan";
}

static void
test_install_systemd_then_cron(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_timer t;
	char *root = jp_xasprintf("%s/root", f->dir), *p, *text, *want;
	char link[256];
	ssize_t n;
	mode_t old;
	int kind = 0, removed = -1;

	touch(root, "usr/lib/systemd/systemd");
	touch(root, "etc/systemd/system/other.service");
	job(&t, root);
	t.hour = 4;
	t.minute = 7;
	t.scan_dir = "/srv/scans";
	old = umask(077);
	assert_int_equal(jp_timer_install(&f->ctx, &t, &kind), 0);
	umask(old);
	assert_int_equal(kind, JP_TIMER_SYSTEMD);
	/* modes whatever the umask */
	assert_int_equal(mode_of(root, JP_TIMER_SERVICE), 0644);
	assert_int_equal(mode_of(root, JP_TIMER_TIMER), 0644);
	assert_int_equal(mode_of(root, "etc/systemd/system/timers.target.wants"),
	    0755);
	assert_int_equal(mode_of(root, "srv/scans"), 0750);
	assert_int_equal(mode_of(root, "srv"), 0755);
	assert_int_equal(mode_of(root, JP_TIMER_CRON), -1);
	/* the link systemctl enable makes: absolute, to the unit */
	assert_true(is_link(root, JP_TIMER_WANTS));
	p = jp_path_join(root, JP_TIMER_WANTS);
	n = readlink(p, link, sizeof(link) - 1);
	free(p);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, "/etc/systemd/system/jprepo-scan.timer");
	/* the files hold the texts, which name the job and the time */
	p = jp_path_join(root, JP_TIMER_SERVICE);
	text = tu_slurp(p, NULL);
	want = jp_timer_service_text(&t);
	assert_string_equal(text, want);
	assert_non_null(strstr(text, "\nExecStart=/usr/bin/jprepo -q scan "
	    "--scan-dir /srv/scans\n"));
	assert_non_null(strstr(text, "\nReadWritePaths=/srv/scans\n"));
	assert_non_null(strstr(text, "\nType=oneshot\n"));
	free(text);
	free(want);
	free(p);
	p = jp_path_join(root, JP_TIMER_TIMER);
	text = tu_slurp(p, NULL);
	assert_non_null(strstr(text, "\nOnCalendar=*-*-* 04:07:00\n"));
	assert_non_null(strstr(text, "\nRandomizedDelaySec=1h\n"));
	assert_non_null(strstr(text, "\nPersistent=true\n"));
	assert_non_null(strstr(text, "\nWantedBy=timers.target\n"));
	free(text);
	free(p);

	/* a scan in the directory, and systemd gone: cron replaces it */
	touch(root, "srv/scans/h1.scan");
	assert_int_equal(tu_run("rm -rf '%s/usr/lib/systemd'", root), 0);
	assert_int_equal(jp_timer_install(&f->ctx, &t, &kind), 0);
	assert_int_equal(kind, JP_TIMER_CRON_D);
	assert_int_equal(mode_of(root, JP_TIMER_SERVICE), -1);
	assert_int_equal(mode_of(root, JP_TIMER_TIMER), -1);
	assert_int_equal(mode_of(root, JP_TIMER_WANTS), -1);
	assert_int_equal(mode_of(root, JP_TIMER_CRON), 0644);
	p = jp_path_join(root, JP_TIMER_CRON);
	text = tu_slurp(p, NULL);
	/* crontab(5): minute first, then hour; user root */
	assert_non_null(strstr(text, "\n7 4 * * * root /usr/bin/jprepo -q scan "
	    "--scan-dir /srv/scans\n"));
	assert_non_null(strstr(text, "\nPATH="));
	assert_null(strchr(text, '%'));
	free(text);
	free(p);

	/* remove: the cron file only; the scans and other units stay */
	assert_int_equal(jp_timer_remove(&f->ctx, root, &removed), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(mode_of(root, JP_TIMER_CRON), -1);
	assert_int_equal(mode_of(root, "srv/scans/h1.scan") >= 0, 1);
	assert_int_equal(mode_of(root, "etc/systemd/system/other.service") >= 0, 1);
	/* again: nothing to remove is no error */
	assert_int_equal(jp_timer_remove(&f->ctx, root, &removed), 0);
	assert_int_equal(removed, 0);
	free(root);
}

static void
test_remove_systemd(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_timer t;
	char *root = jp_xasprintf("%s/root", f->dir);
	int kind, removed = -1;

	touch(root, "lib/systemd/systemd");
	job(&t, root);
	assert_int_equal(jp_timer_install(&f->ctx, &t, &kind), 0);
	assert_int_equal(kind, JP_TIMER_SYSTEMD);
	assert_int_equal(mode_of(root, "var/lib/jprepo/scans"), 0750);
	/* installing again replaces, and leaves no temporary file */
	assert_int_equal(jp_timer_install(&f->ctx, &t, &kind), 0);
	assert_int_equal(tu_run("test -z \"$(find '%s/etc' -name '*.tmp.*')\"",
	    root), 0);
	assert_int_equal(jp_timer_remove(&f->ctx, root, &removed), 0);
	assert_int_equal(removed, 3);
	assert_int_equal(tu_run("test -z \"$(find '%s/etc' ! -type d)\"", root),
	    0);
	assert_int_equal(mode_of(root, "var/lib/jprepo/scans"), 0750);
	free(root);
}

static void
test_refusals(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_timer t;
	char *root = jp_xasprintf("%s/root", f->dir), *p;
	int kind, removed;

	assert_int_equal(jp_mkdir_p(&f->ctx, root), 0);
	job(&t, root);
	t.program = "/opt/my jprepo/jprepo";
	assert_true(jp_timer_install(&f->ctx, &t, &kind) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'/opt/my jprepo/jprepo'"));
	job(&t, root);
	t.scan_dir = "/var/%H";
	assert_true(jp_timer_install(&f->ctx, &t, &kind) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'/var/%H'"));
	/* nothing was written */
	assert_int_equal(tu_run("test -z \"$(ls -A '%s')\"", root), 0);

	/* a file where the scan directory goes */
	job(&t, root);
	touch(root, "var/lib/jprepo/scans");
	assert_true(jp_timer_install(&f->ctx, &t, &kind) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "not a directory"));
	assert_int_equal(mode_of(root, JP_TIMER_CRON), -1);

	/* a directory where a job file goes is not removed */
	p = jp_path_join(root, JP_TIMER_CRON);
	assert_int_equal(jp_mkdir_p(&f->ctx, p), 0);
	assert_true(jp_timer_remove(&f->ctx, root, &removed) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), p));
	assert_int_equal(mode_of(root, JP_TIMER_CRON) >= 0, 1);
	free(p);
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_at),
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test_setup_teardown(test_has_systemd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_systemd_then_cron,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_systemd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
