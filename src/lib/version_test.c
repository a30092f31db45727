/*
 * version_test.c: unit tests of the version module.
 *
 * Every expected order below was checked against the real tools, rpm 4.18
 * (rpm.vercmp() in `rpm --eval '%{lua: ...}'`, which calls rpmvercmp() on
 * plain versions) and dpkg 1.21 (`dpkg --compare-versions`), and every
 * expected message against dpkg's own diagnosis of the same string.
 * tests/t0010-version-oracle.sh holds thousands of generated pairs against
 * both tools on every run.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "version.h"
#include "testutil.h"

struct pair {
	const char *a, *b;
	int want; /* -1, 0 or 1 */
};

static int
sign(int c)
{
	return (c > 0) - (c < 0);
}

/*
 * Check cmp(a, b) == want and, as an order must be antisymmetric,
 * cmp(b, a) == -want; print the failing pair before failing.
 */
static void
check_pairs(int (*cmp)(const char *, const char *), const struct pair *p,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int got = sign(cmp(p[i].a, p[i].b));
		int rev = sign(cmp(p[i].b, p[i].a));

		if (got != p[i].want || rev != -p[i].want)
			print_error("'%s' vs '%s': want %d, got %d "
			    "(reversed %d)\n", p[i].a, p[i].b, p[i].want,
			    got, rev);
		assert_int_equal(got, p[i].want);
		assert_int_equal(rev, -p[i].want);
	}
}

#define NPAIRS(t) (sizeof(t) / sizeof((t)[0]))

/* --- rpm --- */

static void
test_rpm_vercmp(void **state)
{
	static const struct pair t[] = {
		{ "1.0", "1.0", 0 },
		{ "1.0", "2.0", -1 },
		{ "10", "9", 1 },
		/* tilde: before everything, even the end */
		{ "1.0~rc1", "1.0", -1 },
		{ "1.0~rc1", "1.0~rc2", -1 },
		{ "1.0~~", "1.0~", -1 },
		{ "1.0~rc1", "1.0~", 1 },
		/* caret: after the end, before a further segment */
		{ "1.0^", "1.0", 1 },
		{ "1.0^git1", "1.0", 1 },
		{ "1.0^git1", "1.0.1", -1 },
		{ "1.0^git1", "1.01", -1 },
		{ "1.0^git1~pre", "1.0^git1", -1 },
		{ "1.0^git1", "1.0^git2", -1 },
		{ "1.0~rc1^git1", "1.0~rc1", 1 },
		/* leading zeros do not count */
		{ "1.01", "1.1", 0 },
		{ "1.001", "1.1", 0 },
		{ "1.0010", "1.10", 0 },
		{ "007", "7", 0 },
		/* letters and digits */
		{ "1.0a", "1.0", 1 },
		{ "1a", "1.1", -1 },
		{ "a", "1", -1 },
		{ "2.0.1a", "2.0.1", 1 },
		{ "5.5p1", "5.5p10", -1 },
		{ "5.5p10", "5.5p9", 1 },
		{ "abc", "abd", -1 },
		{ "ABC", "abc", -1 },
		/* separators are all alike and runs of them count once */
		{ "1.0", "1_0", 0 },
		{ "1.0+2", "1.0.2", 0 },
		{ "1.0", "1..0", 0 },
		{ "1.0", "1.0.0", -1 },
		/* digit runs longer than any integer */
		{ "123456789012345678901234567890",
		  "123456789012345678901234567891", -1 },
	};

	check_pairs(jp_rpm_vercmp, t, NPAIRS(t));
	assert_int_equal(jp_rpm_vercmp(NULL, NULL), 0);
}

struct evr_case {
	const char *ea, *va, *ra, *eb, *vb, *rb;
	int want;
};

static void
test_rpm_evrcmp(void **state)
{
	static const struct evr_case t[] = {
		/* epoch first, missing or empty = 0 */
		{ "1", "1.0", "1", NULL, "2.0", "1", 1 },
		{ NULL, "1.0", "1", "0", "1.0", "1", 0 },
		{ "", "1.0", "1", "0", "1.0", "1", 0 },
		{ "00", "1.0", "1", NULL, "1.0", "1", 0 },
		{ "007", "1.0", "1", "7", "1.0", "1", 0 },
		{ "2", "1.0", "1", "10", "0.1", "1", -1 },
		/* epochs beyond 32 and 64 bits */
		{ "4294967296", "1", "1", "4294967295", "9", "9", 1 },
		{ "18446744073709551616", "1", "1",
		  "18446744073709551615", "9", "9", 1 },
		{ "99999999999999999999999", "1", "1",
		  "099999999999999999999999", "1", "1", 0 },
		/* version before release */
		{ NULL, "1.1", "1", NULL, "1.0", "9", 1 },
		{ NULL, "1.0~rc1", "9", NULL, "1.0", "1", -1 },
		{ NULL, "1.0", "1", NULL, "1.0", "2", -1 },
		{ NULL, "1.0", "1.el9", NULL, "1.0", "1.el9_1", -1 },
		{ NULL, "1.0", "1~beta", NULL, "1.0", "1", -1 },
		{ NULL, "1.0", "1^post", NULL, "1.0", "1", 1 },
		/* a missing or empty release matches any release */
		{ NULL, "1.0", NULL, NULL, "1.0", "5", 0 },
		{ NULL, "1.0", "", NULL, "1.0", "5", 0 },
		{ NULL, "1.0", NULL, NULL, "1.0", NULL, 0 },
		{ NULL, "1.0", NULL, NULL, "1.1", "1", -1 },
		{ "1", "1.0", NULL, NULL, "1.1", "1", 1 },
	};
	size_t i;

	for (i = 0; i < NPAIRS(t); i++) {
		const struct evr_case *c = &t[i];
		int got = sign(jp_rpm_evrcmp(c->ea, c->va, c->ra,
		    c->eb, c->vb, c->rb));
		int rev = sign(jp_rpm_evrcmp(c->eb, c->vb, c->rb,
		    c->ea, c->va, c->ra));

		if (got != c->want || rev != -c->want)
			print_error("case %zu: want %d, got %d (reversed %d)\n",
			    i, c->want, got, rev);
		assert_int_equal(got, c->want);
		assert_int_equal(rev, -c->want);
	}
}

struct split_case {
	const char *in, *e, *v, *r; /* NULL: part absent */
};

static void
test_rpm_evr_split(void **state)
{
	static const struct split_case t[] = {
		{ "1:2.0-3", "1", "2.0", "3" },
		{ "2.0", NULL, "2.0", NULL },
		{ "2.0-3", NULL, "2.0", "3" },
		{ "2.0-3-4", NULL, "2.0-3", "4" },
		{ "0:2.0", "0", "2.0", NULL },
		{ "007:2.0-1", "007", "2.0", "1" },
		{ ":2.0-1", "", "2.0", "1" },
		{ "a:1-2", NULL, "a:1", "2" },
		{ "1a:1", NULL, "1a:1", NULL },
		{ "1:2:3", "1", "2:3", NULL },
		{ "1.0-", NULL, "1.0", "" },
		{ "", NULL, "", NULL },
	};
	char buf[64];
	const char *e, *v, *r;
	size_t i;

	for (i = 0; i < NPAIRS(t); i++) {
		snprintf(buf, sizeof(buf), "%s", t[i].in);
		jp_rpm_evr_split(buf, &e, &v, &r);
		if (!(e == t[i].e || (e && t[i].e && !strcmp(e, t[i].e))) ||
		    !(r == t[i].r || (r && t[i].r && !strcmp(r, t[i].r))) ||
		    !v || strcmp(v, t[i].v) != 0)
			print_error("split '%s': got e=%s v=%s r=%s\n",
			    t[i].in, e ? e : "(null)", v ? v : "(null)",
			    r ? r : "(null)");
		tu_assert_str_or_null(e, t[i].e);
		tu_assert_str_or_null(v, t[i].v);
		tu_assert_str_or_null(r, t[i].r);
		/* the parts point into the buffer */
		assert_true(v >= buf && v < buf + sizeof(buf));
	}

	/* Parts the caller does not want may be skipped; NULL gives NULLs. */
	snprintf(buf, sizeof(buf), "5:1.0-2");
	jp_rpm_evr_split(buf, NULL, &v, NULL);
	assert_string_equal(v, "1.0");
	e = v = r = "x";
	jp_rpm_evr_split(NULL, &e, &v, &r);
	assert_null(e);
	assert_null(v);
	assert_null(r);
}

/* --- dpkg --- */

static void
test_deb_verrevcmp(void **state)
{
	static const struct pair t[] = {
		/* '~' < end < letters < other characters */
		{ "~~", "~", -1 },
		{ "~", "", -1 },
		{ "", "a", -1 },
		{ "", "+", -1 },
		{ "a", "+", -1 },
		{ "+", "~", 1 },
		{ "Z", "a", -1 },
		{ "a", "1", 1 },
		{ "1.0~rc1", "1.0", -1 },
		{ "1.0~rc1", "1.0~rc2", -1 },
		{ "1.0~", "1.0", -1 },
		{ "1.0~a", "1.0~", 1 },
		{ "1.0", "1.0.0", -1 },
		{ "1.0a", "1.0", 1 },
		{ "1.0", "1.0+", -1 },
		{ "1.0+", "1.0a", 1 },
		{ "1.0+dfsg", "1.0", 1 },
		{ "1.0+dfsg", "1.0~dfsg", 1 },
		/* digit runs by value: leading zeros ignored, any length */
		{ "01", "1", 0 },
		{ "1.010", "1.10", 0 },
		{ "1.2", "1.10", -1 },
		{ "9", "10", -1 },
		{ "123456789012345678901234567890",
		  "123456789012345678901234567891", -1 },
		/* letters vs digits, and separators that count (unlike rpm) */
		{ "1a", "1b", -1 },
		{ "1Z", "1a", -1 },
		{ "1a", "1.1", -1 },
		{ "1.0a", "1.01", -1 },
		{ "1.0", "1..0", -1 },
		{ "1.0", "1.0", 0 },
	};

	check_pairs(jp_deb_verrevcmp, t, NPAIRS(t));
	assert_int_equal(jp_deb_verrevcmp(NULL, ""), 0);
}

static void
test_deb_vercmp(void **state)
{
	static const struct pair t[] = {
		/* epochs */
		{ "1:1.0", "2.0", 1 },
		{ "0:1.0", "1.0", 0 },
		{ "00:1.0", "1.0", 0 },
		{ "2:1.0", "10:0.1", -1 },
		{ "2147483647:1", "2147483646:9", 1 },
		/* revisions: after the last '-', absent = "" = "0" */
		{ "1.0-1", "1.0", 1 },
		{ "1.0-0", "1.0", 0 },
		{ "1.0-1-2", "1.0-1-10", -1 },
		{ "1.0-1.2", "1.0-1.2~bpo1", 1 },
		{ "1.0-1~bpo11+1", "1.0-1", -1 },
		{ "1.0-1+b1", "1.0-1", 1 },
		{ "1.0-1+b1", "1.0-1.1", -1 },
		/* upstream before revision */
		{ "1.0-1", "1.0.0-1", -1 },
		{ "1.0+dfsg-1", "1.0-2", 1 },
		{ "1.0~rc1-1", "1.0-0", -1 },
		/* colons in the upstream version, blanks around */
		{ "1:2:3", "1:2:3", 0 },
		{ " 1.0", "1.0", 0 },
		{ "1:1.0-1", "1:1.0-1", 0 },
		/* the empty version first, as in dpkg --compare-versions */
		{ "", "1.0", -1 },
		{ "", "0", -1 },
		{ "", "", 0 },
	};

	check_pairs(jp_deb_vercmp, t, NPAIRS(t));
	assert_int_equal(jp_deb_vercmp(NULL, ""), 0);
	assert_int_equal(sign(jp_deb_vercmp(NULL, "0")), -1);
}

struct check_case {
	const char *in;
	const char *msg; /* NULL: valid */
};

static void
test_deb_version_check(void **state)
{
	static const struct check_case t[] = {
		{ "1.0", NULL },
		{ "1:1.0-1", NULL },
		{ "0:1", NULL },
		{ "00:1", NULL },
		{ "1.0+dfsg-1~bpo11+1", NULL },
		{ " 1.0\t", NULL },
		{ "1:2:3", NULL },
		{ "1:1:", NULL },
		{ "1.0-2-3", NULL },
		{ "1.0-~", NULL },
		{ "+1:1", NULL },
		{ "-0:1", NULL },
		{ "\v1:1", NULL },
		{ "2147483647:1", NULL },
		/* errors: dpkg refuses these */
		{ "", "version string is empty" },
		{ " ", "version string is empty" },
		{ "1 2", "version string has embedded spaces" },
		{ "- 1:1", "version string has embedded spaces" },
		{ ":1", "epoch in version is empty" },
		{ "a:1", "epoch in version is empty" },
		{ "+:1", "epoch in version is empty" },
		{ "++1:1", "epoch in version is empty" },
		{ "1a:1", "epoch in version is not number" },
		{ "0x1:1", "epoch in version is not number" },
		{ "1-a:b", "epoch in version is not number" },
		{ "1.0-1:", "epoch in version is not number" },
		{ "-1:1", "epoch in version is negative" },
		{ "-99999999999999999999:1", "epoch in version is negative" },
		{ "2147483648:1", "epoch in version is too big" },
		{ "99999999999999999999:1", "epoch in version is too big" },
		{ "1:", "nothing after colon in version number" },
		{ "1.0-", "revision number is empty" },
		{ "-1", "version number is empty" },
		{ "1:-1", "version number is empty" },
		/* dpkg only warns about these; we reject them (version.c) */
		{ "a1", "version number does not start with digit" },
		{ "~1", "version number does not start with digit" },
		{ "1:a", "version number does not start with digit" },
		{ "1_0", "invalid character in version number" },
		{ "1.0^1", "invalid character in version number" },
		{ "1\n", "invalid character in version number" },
		{ "1.0-a_b", "invalid character in revision number" },
		{ "1.0-a:b", "epoch in version is not number" },
		{ "1:1.0-a:b", "invalid character in revision number" },
	};
	size_t i;

	for (i = 0; i < NPAIRS(t); i++) {
		const char *got = jp_deb_version_check(t[i].in);

		if (got != t[i].msg && (!got || !t[i].msg ||
		    strcmp(got, t[i].msg) != 0))
			print_error("check '%s': want %s, got %s\n", t[i].in,
			    t[i].msg ? t[i].msg : "valid", got ? got : "valid");
		if (!t[i].msg)
			assert_null(got);
		else {
			assert_non_null(got);
			assert_string_equal(got, t[i].msg);
		}
	}
	assert_string_equal(jp_deb_version_check(NULL),
	    "version string is empty");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpm_vercmp),
		cmocka_unit_test(test_rpm_evrcmp),
		cmocka_unit_test(test_rpm_evr_split),
		cmocka_unit_test(test_deb_verrevcmp),
		cmocka_unit_test(test_deb_vercmp),
		cmocka_unit_test(test_deb_version_check),
	};

	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
