/*
 * scan_test.c: unit tests of the scan file reader and writer, and of the
 * collector on a small hand-made deb root.
 *
 * The shell tests (tests/t5000..t5020) check the collector against rpm and
 * dpkg-query in real scratch roots; here the reader's rules are checked
 * one by one: a written file reads back to the same record and the same
 * bytes, unknown fields are noted once and skipped, bad lines fail naming
 * the file and the line, truncated and newer files fail.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "fsutil.h"
#include "scan.h"
#include "testutil.h"

static int
setup(void **state)
{
	return tu_setup(state, "scan_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

/* jp_scan_write into a new string. */
static char *
write_str(struct jp_ctx *ctx, const struct jp_scan *scan)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(jp_scan_write(ctx, scan, fp), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static int
parse_str(struct jp_ctx *ctx, const char *text, struct jp_scan *scan)
{
	return jp_scan_parse(ctx, "t.scan", text, strlen(text), scan);
}

static const char rpm_text[] =
	"jprepo-scan 1\n"
	"host web01\n"
	"machine-id 0123456789abcdef0123456789abcdef\n"
	"os rhel 9.3\n"
	"os-name Red Hat Enterprise Linux 9.3 (Plow)\n"
	"arch x86_64\n"
	"format rpm\n"
	"manager dnf\n"
	"kernel 5.14.0-362.8.1.el9_3.x86_64\n"
	"scanned 2024-02-29T23:59:58Z\n"
	"apply 42 partial 2024-02-28T10:00:00Z\n"
	"apply-failed kernel x86_64 0:5.14.0-362.13.1.el9_3\n"
	"apply-failed openssl - 1:3.0.7-25.el9_3\n"
	"pkg bash 0 5.1.8 6.el9_1 x86_64 bash-5.1.8-6.el9_1.src.rpm\n"
	"pkg glibc 0 2.34 83.el9_3.7 i686 glibc-2.34-83.el9_3.7.src.rpm\n"
	"pkg glibc 0 2.34 83.el9_3.7 x86_64 glibc-2.34-83.el9_3.7.src.rpm\n"
	"pkg openssl 1 3.0.7 24.el9 x86_64 openssl-3.0.7-24.el9.src.rpm\n"
	"pkg weird 4294967295 1 1 - -\n"
	"end\n";

static const char deb_text[] =
	"jprepo-scan 1\n"
	"host -\n"
	"machine-id -\n"
	"os - -\n"
	"os-name -\n"
	"arch amd64\n"
	"format deb\n"
	"manager apt\n"
	"kernel -\n"
	"scanned 1970-01-01T00:00:00Z\n"
	"pkg conf all 1.0-1 conf 1.0-1 config-files\n"
	"pkg demo-app amd64 3.2-1 demo 1.0-1 installed\n"
	"pkg epochpkg all 1:9.0-1 epochpkg 1:9.0-1 unpacked\n"
	"pkg libfoo i386 2.0-1 foo 2.0-1 half-configured\n"
	"end\n";

/* A written file reads back to the same record and the same bytes. */
static void
test_roundtrip_rpm(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_scan s;
	char *again;

	assert_int_equal(parse_str(&f->ctx, rpm_text, &s), 0);
	assert_string_equal(s.host, "web01");
	assert_string_equal(s.machine_id, "0123456789abcdef0123456789abcdef");
	assert_string_equal(s.os_id, "rhel");
	assert_string_equal(s.os_version, "9.3");
	assert_string_equal(s.os_name, "Red Hat Enterprise Linux 9.3 (Plow)");
	assert_string_equal(s.arch, "x86_64");
	assert_int_equal(s.format, JP_SCAN_RPM);
	assert_int_equal(s.manager, JP_SCAN_DNF);
	assert_string_equal(s.kernel, "5.14.0-362.8.1.el9_3.x86_64");
	/* 2024-02-29T23:59:58Z: date -u -d @1709251198 */
	assert_int_equal(s.scanned, 1709251198);
	assert_int_equal(s.has_apply, 1);
	assert_string_equal(s.apply_txid, "42");
	assert_string_equal(s.apply_status, "partial");
	assert_string_equal(s.apply_time, "2024-02-28T10:00:00Z");
	assert_int_equal(s.nfailed, 2);
	assert_string_equal(s.failed[1].name, "openssl");
	assert_null(s.failed[1].arch);
	assert_string_equal(s.failed[1].to_version, "1:3.0.7-25.el9_3");
	assert_int_equal(s.npkgs, 5);
	assert_string_equal(s.pkgs[3].name, "openssl");
	assert_int_equal(s.pkgs[3].epoch, 1);
	assert_string_equal(s.pkgs[3].version, "3.0.7");
	assert_string_equal(s.pkgs[3].release, "24.el9");
	assert_string_equal(s.pkgs[3].arch, "x86_64");
	assert_string_equal(s.pkgs[3].source, "openssl-3.0.7-24.el9.src.rpm");
	assert_int_equal(s.pkgs[4].epoch, 4294967295UL);
	assert_null(s.pkgs[4].arch);
	assert_null(s.pkgs[4].source);
	assert_int_equal(s.unknown, 0);
	again = write_str(&f->ctx, &s);
	assert_string_equal(again, rpm_text);
	free(again);
	jp_scan_release(&s);
}

static void
test_roundtrip_deb(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_scan s;
	char *again;

	assert_int_equal(parse_str(&f->ctx, deb_text, &s), 0);
	assert_null(s.host);
	assert_null(s.os_id);
	assert_null(s.os_name);
	assert_null(s.kernel);
	assert_int_equal(s.scanned, 0);
	assert_int_equal(s.format, JP_SCAN_DEB);
	assert_int_equal(s.manager, JP_SCAN_APT);
	assert_int_equal(s.has_apply, 0);
	assert_int_equal(s.npkgs, 4);
	assert_string_equal(s.pkgs[1].name, "demo-app");
	assert_string_equal(s.pkgs[1].arch, "amd64");
	assert_string_equal(s.pkgs[1].version, "3.2-1");
	assert_string_equal(s.pkgs[1].source, "demo");
	assert_string_equal(s.pkgs[1].source_version, "1.0-1");
	assert_string_equal(s.pkgs[1].status, "installed");
	assert_string_equal(s.pkgs[0].status, "config-files");
	again = write_str(&f->ctx, &s);
	assert_string_equal(again, deb_text);
	free(again);
	jp_scan_release(&s);
}

/* The writer sorts package lines bytewise and refuses unwritable values. */
static void
test_write_sorts_and_checks(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_scan s;
	char *text, *a, *b, *c;

	assert_int_equal(parse_str(&f->ctx, deb_text, &s), 0);
	/* reverse the packages: the output must not change */
	{
		struct jp_scan_pkg t = s.pkgs[0];

		s.pkgs[0] = s.pkgs[3];
		s.pkgs[3] = t;
	}
	text = write_str(&f->ctx, &s);
	assert_string_equal(text, deb_text);
	free(text);
	/*
	 * Bytewise, not by locale: ' ' (after "demo-app") before '-', upper
	 * case before lower case.
	 */
	free(s.pkgs[0].name);
	s.pkgs[0].name = jp_xstrdup("demo-app-x");
	free(s.pkgs[2].name);
	s.pkgs[2].name = jp_xstrdup("Zed");
	text = write_str(&f->ctx, &s);
	a = strstr(text, "pkg Zed ");
	b = strstr(text, "pkg conf ");
	c = strstr(text, "pkg demo-app ");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c && c < strstr(text, "pkg demo-app-x "));
	free(text);

	free(s.pkgs[0].name);
	s.pkgs[0].name = jp_xstrdup("bad name");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&buf, &len);

		assert_int_equal(jp_scan_write(&f->ctx, &s, fp), JP_ERR);
		fclose(fp);
		free(buf);
		assert_non_null(strstr(jp_error_msg(&f->ctx), "'bad name'"));
	}
	jp_scan_release(&s);
}

/*
 * Unknown fields: skipped, counted, one note per field name on stderr
 * (captured through a file put in place of fd 2).
 */
static void
test_unknown_fields(void **state)
{
	struct tu_fixture *f = *state;
	char path[256], *text, *err;
	struct jp_scan s, plain;
	int saved, fd;

	/* new fields after the first line, between headers and packages */
	text = jp_xasprintf("jprepo-scan 1\nfuture-field a b c\n%s",
	    rpm_text + strlen("jprepo-scan 1\n"));
	{
		char *p = strstr(text, "pkg bash");
		char *t2;

		assert_non_null(p);
		*p = '\0';
		t2 = jp_xasprintf("%sfuture-field again\nother-thing\n"
		    "pkg bash%s", text, p + 8);
		free(text);
		text = t2;
	}
	snprintf(path, sizeof(path), "%s/stderr", f->dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	f->ctx.verbosity = JP_V_NORMAL;
	fd = parse_str(&f->ctx, text, &s);
	f->ctx.verbosity = JP_V_QUIET;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(fd, 0);
	assert_int_equal(s.unknown, 3);
	err = tu_slurp(path, NULL);
	assert_string_equal(err,
	    "scan_test: scan 't.scan' line 2: unknown field 'future-field' ignored\n"
	    "scan_test: scan 't.scan' line 16: unknown field 'other-thing' ignored\n");
	free(err);
	/* the rest reads as without them */
	assert_int_equal(parse_str(&f->ctx, rpm_text, &plain), 0);
	assert_int_equal(s.npkgs, plain.npkgs);
	assert_string_equal(s.pkgs[0].name, plain.pkgs[0].name);
	assert_string_equal(s.host, plain.host);
	{
		char *w1 = write_str(&f->ctx, &s), *w2 = write_str(&f->ctx, &plain);

		assert_string_equal(w1, w2);
		free(w1);
		free(w2);
	}
	jp_scan_release(&s);
	jp_scan_release(&plain);
	free(text);
}

/*
 * Replace the line of text that starts with `prefix` by `line` (NULL:
 * remove it); a new string.
 */
static char *
edit(const char *text, const char *prefix, const char *line)
{
	const char *p = strstr(text, prefix);
	const char *e;

	assert_non_null(p);
	e = strchr(p, '\n');
	assert_non_null(e);
	return jp_xasprintf("%.*s%s%s%s", (int)(p - text), text,
	    line ? line : "", line ? "\n" : "", e + 1);
}

/* Bad lines: each fails with the file, the line and the problem named. */
static void
test_malformed(void **state)
{
	static const struct {
		const char *base;   /* "r" rpm_text, "d" deb_text */
		const char *prefix;
		const char *line;
		const char *want;
	} cases[] = {
		{ "r", "pkg bash", "pkg bash 0 5.1.8 x86_64 bash.src.rpm",
		    "line 14: 'pkg' needs 6 values, got 5" },
		{ "r", "pkg bash", "pkg bash 0 5.1.8 6 x86_64 b.src.rpm extra",
		    "line 14: 'pkg' needs 6 values, got 7" },
		{ "r", "pkg bash", "pkg bash x 5.1.8 6 x86_64 -",
		    "line 14: epoch 'x' is not a number" },
		{ "r", "pkg bash", "pkg bash -1 5.1.8 6 x86_64 -",
		    "line 14: epoch '-1' is not a number" },
		{ "r", "pkg bash", "pkg bash 4294967296 5.1.8 6 x86_64 -",
		    "line 14: epoch '4294967296' is not a number" },
		{ "r", "pkg bash", "pkg - 0 5.1.8 6 x86_64 -",
		    "line 14: package without a name" },
		{ "r", "pkg bash", "pkg bash  0 5.1.8 6 x86_64 -",
		    "line 14: empty value in 'pkg' line" },
		{ "r", "pkg bash", "pkg bash 0 5.1.8 6 x86_64 -\r",
		    "line 14: control character in 'pkg' line" },
		{ "r", "pkg bash", "",
		    "line 14: empty line" },
		{ "d", "pkg demo-app", "pkg demo-app amd64 3.2-1 demo 1.0-1 gone",
		    "line 12: unknown dpkg status 'gone'" },
		{ "r", "format rpm", "format slackware",
		    "line 7: format 'slackware' is neither rpm nor deb" },
		{ "r", "manager dnf", "manager pacman",
		    "line 8: unknown package manager 'pacman'" },
		{ "r", "manager dnf", "manager",
		    "line 8: 'manager' needs 1 value, got 0" },
		{ "r", "os rhel", "os rhel",
		    "line 4: 'os' needs 2 values, got 1" },
		{ "r", "os-name", "os-name",
		    "line 5: 'os-name' needs a value" },
		{ "r", "os-name", "os-name Red\tHat",
		    "line 5: control character in 'os-name'" },
		{ "r", "scanned", "scanned 2023-02-29T00:00:00Z",
		    "line 10: scan time '2023-02-29T00:00:00Z' is not" },
		{ "r", "scanned", "scanned 2024-01-01 00:00:00",
		    "line 10: 'scanned' needs 1 value, got 2" },
		{ "r", "scanned", "scanned 1700000000",
		    "line 10: scan time '1700000000' is not" },
		{ "r", "kernel", "host again",
		    "line 9: 'host' given twice" },
		{ "r", "apply 42", "apply 42 ok",
		    "line 11: 'apply' needs 3 values, got 2" },
		{ "r", "apply 42", NULL,
		    "line 11: 'apply-failed' before 'apply'" },
		{ "r", "format rpm", NULL,
		    "line 13: 'pkg' before 'format'" },
		{ "r", "end", "end\nend",
		    "line 20: text after 'end'" },
		{ "r", "kernel", NULL,
		    "bad scan file 't.scan': no 'kernel' line" },
		{ "r", "end", NULL,
		    "bad scan file 't.scan': no 'end' line after line 18 (truncated)" },
	};
	struct tu_fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *base = cases[i].base[0] == 'r' ? rpm_text : deb_text;
		char *text = edit(base, cases[i].prefix, cases[i].line);
		struct jp_scan s;
		int rc = parse_str(&f->ctx, text, &s);

		if (rc != JP_ERR)
			fail_msg("case %zu (%s): accepted", i, cases[i].want);
		if (!strstr(jp_error_msg(&f->ctx), cases[i].want) ||
		    (strstr(cases[i].want, "line ") == cases[i].want &&
		    !strstr(jp_error_msg(&f->ctx), "bad scan file 't.scan' line")))
			fail_msg("case %zu: message '%s', want '%s'", i,
			    jp_error_msg(&f->ctx), cases[i].want);
		/* the record is left empty */
		assert_int_equal(s.npkgs, 0);
		assert_null(s.host);
		free(text);
	}
}

/* Truncated files, other versions, not a scan file at all. */
static void
test_truncated_and_versions(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_scan s;
	size_t len = strlen(rpm_text), cut;
	char path[256];
	char *text;

	/* every cut short of the whole file fails (and never crashes) */
	for (cut = 0; cut < len - 1; cut++) {
		int rc = jp_scan_parse(&f->ctx, "cut.scan", rpm_text, cut, &s);

		if (rc != JP_ERR)
			fail_msg("file cut at byte %zu of %zu accepted", cut, len);
		assert_non_null(strstr(jp_error_msg(&f->ctx), "'cut.scan'"));
	}
	/* "...\nend" without the last LF is whole */
	assert_int_equal(jp_scan_parse(&f->ctx, "t", rpm_text, len - 1, &s), 0);
	jp_scan_release(&s);
	/* cut in the middle of a package line */
	text = jp_xstrndup(rpm_text, (size_t)(strstr(rpm_text, " i686") - rpm_text));
	assert_int_equal(parse_str(&f->ctx, text, &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "line 15: 'pkg' needs 6 values, got 4"));
	free(text);

	text = edit(rpm_text, "jprepo-scan 1", "jprepo-scan 2");
	assert_int_equal(parse_str(&f->ctx, text, &s), JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx), "scan file 't.scan' is format "
	    "version 2; this jprepo reads version 1");
	free(text);
	text = edit(rpm_text, "jprepo-scan 1", "jprepo-scan 01");
	assert_int_equal(parse_str(&f->ctx, text, &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'t.scan' is not a scan file"));
	free(text);
	text = edit(rpm_text, "jprepo-scan 1", "jprepo-scan");
	assert_int_equal(parse_str(&f->ctx, text, &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'t.scan' is not a scan file"));
	free(text);
	assert_int_equal(parse_str(&f->ctx, "Package: foo\n", &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'t.scan' is not a scan file"));

	/* through a file: the path is named */
	snprintf(path, sizeof(path), "%s/v2.scan", f->dir);
	tu_spew(path, "jprepo-scan 2\nwhatever\n", 24);
	assert_int_equal(jp_scan_read(&f->ctx, path, &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), path));
	assert_non_null(strstr(jp_error_msg(&f->ctx), "version 2"));
	snprintf(path, sizeof(path), "%s/good.scan", f->dir);
	tu_spew(path, deb_text, strlen(deb_text));
	assert_int_equal(jp_scan_read(&f->ctx, path, &s), 0);
	assert_int_equal(s.npkgs, 4);
	jp_scan_release(&s);
	snprintf(path, sizeof(path), "%s/missing.scan", f->dir);
	assert_int_equal(jp_scan_read(&f->ctx, path, &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), path));
}

static void
spew_at(const char *dir, const char *rel, const char *text)
{
	char *p = jp_path_join(dir, rel);
	char *d = jp_xstrdup(p);
	struct jp_ctx ctx;

	jp_ctx_init(&ctx, "scan_test");
	*strrchr(d, '/') = '\0';
	assert_int_equal(jp_mkdir_p(&ctx, d), 0);
	tu_spew(p, text, strlen(text));
	free(d);
	free(p);
}

/* The collector on a hand-made deb root, then its file read back. */
static void
test_host_deb_root(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_scan s, back;
	char path[256], *text;

	spew_at(f->dir, "etc/hostname", "  box-1 \t\nignored\n");
	spew_at(f->dir, "etc/machine-id", "abc def\n");
	spew_at(f->dir, "usr/lib/os-release",
	    "# comment\nID=ubuntu\nID_LIKE=debian\n"
	    "VERSION_ID=\"22.04\"\nPRETTY_NAME='Ubuntu \"22.04\" LTS'\n"
	    "VERSION_ID=\"24\\\".04\"\n");
	spew_at(f->dir, "var/lib/dpkg/arch", "arm64\narmhf\n");
	spew_at(f->dir, "var/lib/dpkg/status",
	    "Package: zeta\nStatus: install ok installed\nArchitecture: arm64\n"
	    "Version: 0:1.0-1\nSource: zsrc (00:2.0)\n\n"
	    "Package: gone\nStatus: purge ok not-installed\n\n"
	    "Package: alpha\nStatus: deinstall ok config-files\n"
	    "Architecture: all\nVersion: 3:1.0\n");
	setenv("SOURCE_DATE_EPOCH", "951782400", 1);
	assert_int_equal(jp_scan_host(&f->ctx, f->dir, NULL, &s), 0);
	unsetenv("SOURCE_DATE_EPOCH");
	assert_string_equal(s.host, "box-1");
	assert_string_equal(s.machine_id, "abc_def");
	assert_string_equal(s.os_id, "ubuntu");
	assert_string_equal(s.os_version, "24\".04");
	assert_string_equal(s.os_name, "Ubuntu \"22.04\" LTS");
	assert_string_equal(s.arch, "arm64");
	assert_int_equal(s.format, JP_SCAN_DEB);
	assert_int_equal(s.manager, JP_SCAN_APT);
	assert_null(s.kernel);
	assert_int_equal(s.scanned, 951782400);
	text = write_str(&f->ctx, &s);
	assert_string_equal(text,
	    "jprepo-scan 1\nhost box-1\nmachine-id abc_def\nos ubuntu 24\".04\n"
	    "os-name Ubuntu \"22.04\" LTS\narch arm64\nformat deb\nmanager apt\n"
	    "kernel -\nscanned 2000-02-29T00:00:00Z\n"
	    "pkg alpha all 3:1.0 alpha 3:1.0 config-files\n"
	    "pkg zeta arm64 1.0-1 zsrc 2.0 installed\nend\n");
	snprintf(path, sizeof(path), "%s/out.scan", f->dir);
	tu_spew(path, text, strlen(text));
	assert_int_equal(jp_scan_read(&f->ctx, path, &back), 0);
	assert_int_equal(back.npkgs, 2);
	{
		char *again = write_str(&f->ctx, &back);

		assert_string_equal(again, text);
		free(again);
	}
	free(text);
	jp_scan_release(&back);
	jp_scan_release(&s);

	/* a host name with a blank is refused; --host wins */
	spew_at(f->dir, "etc/hostname", "two words\n");
	assert_int_equal(jp_scan_host(&f->ctx, f->dir, NULL, &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'two words'"));
	assert_int_equal(jp_scan_host(&f->ctx, f->dir, "given", &s), 0);
	assert_string_equal(s.host, "given");
	jp_scan_release(&s);
}

/* No package database: an error naming the root, nothing created. */
static void
test_host_no_database(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_scan s;
	char *want;

	spew_at(f->dir, "etc/os-release", "ID=fedora\n");
	assert_int_equal(jp_scan_host(&f->ctx, f->dir, NULL, &s), JP_ERR);
	want = jp_xasprintf("no package database under '%s'", f->dir);
	assert_non_null(strstr(jp_error_msg(&f->ctx), want));
	free(want);
	assert_int_equal(tu_run("test -z \"$(find '%s' -mindepth 1 ! -path '*/etc' "
	    "! -path '*/etc/os-release')\"", f->dir), 0);
	assert_int_equal(jp_scan_host(&f->ctx, "/nonexistent/root", NULL, &s),
	    JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'/nonexistent/root'"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_rpm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_deb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_sorts_and_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_and_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_deb_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_no_database, setup, teardown),
	};

	return cmocka_run_group_tests_name("scan", tests, NULL, NULL);
}
