/*
 * apply_test.c: unit tests of apply.c: what changed between two scans
 * (upgrades, install-only packages installed beside, installs, removals,
 * downgrades), the plan reader (the host's section, refusals naming the
 * file) and maintenance windows (days, ranges, midnight, refusals).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "apply.h"
#include "ctx.h"
#include "scan.h"
#include "testutil.h"

static const char scan_head[] =
	"jprepo-scan 1\nhost h1\nmachine-id -\nos - -\nos-name -\n"
	"arch x86_64\nformat rpm\nmanager dnf\nkernel -\n"
	"scanned 2026-11-27T20:45:44Z\n";

static void
parse(struct jp_ctx *ctx, const char *pkgs, struct jp_scan *s)
{
	char *text = jp_xasprintf("%s%send\n", scan_head, pkgs);

	if (jp_scan_parse(ctx, "test", text, strlen(text), s) < 0)
		fail_msg("scan: %s", jp_error_msg(ctx));
	free(text);
}

static void
test_diff(void **state)
{
	struct jp_ctx ctx;
	struct jp_scan a, b;
	struct jp_change *c;
	size_t n;

	(void)state;
	jp_ctx_init(&ctx, "test");
	parse(&ctx,
	    "pkg bash 0 5.1 1 x86_64 -\n"
	    "pkg gone 0 1 1 noarch -\n"
	    "pkg kernel 0 5.14 1 x86_64 -\n"
	    "pkg same 0 1 1 noarch -\n"
	    "pkg zlib 1 1.2 3 x86_64 -\n", &a);
	parse(&ctx,
	    "pkg bash 0 5.2 1 x86_64 -\n"
	    "pkg kernel 0 5.14 1 x86_64 -\n"
	    "pkg kernel 0 5.14 2 x86_64 -\n"
	    "pkg newdep 0 1 1 noarch -\n"
	    "pkg same 0 1 1 noarch -\n"
	    "pkg zlib 0 9.9 9 x86_64 -\n", &b);
	n = jp_apply_diff(&a, &b, &c);
	assert_int_equal(n, 5);
	assert_string_equal(c[0].name, "bash");
	assert_string_equal(c[0].from, "5.1-1");
	assert_string_equal(c[0].to, "5.2-1");
	assert_string_equal(c[1].name, "gone");
	assert_string_equal(c[1].from, "1-1");
	assert_null(c[1].to);
	/* installed beside: an install, the old one stays */
	assert_string_equal(c[2].name, "kernel");
	assert_null(c[2].from);
	assert_string_equal(c[2].to, "5.14-2");
	assert_string_equal(c[3].name, "newdep");
	assert_null(c[3].from);
	/* an epoch counts: 1:1.2-3 -> 9.9-9 is a downgrade, still paired */
	assert_string_equal(c[4].name, "zlib");
	assert_string_equal(c[4].from, "1:1.2-3");
	assert_string_equal(c[4].to, "9.9-9");
	jp_changes_free(c, n);

	/* no change: none */
	n = jp_apply_diff(&a, &a, &c);
	assert_int_equal(n, 0);
	assert_null(c);
	jp_scan_release(&a);
	jp_scan_release(&b);
}

/* Several versions of one name.arch: the older ones, less install-only. */
static void
test_duplicates(void **state)
{
	static const char *const skip[] = { "vmtools", NULL };
	struct jp_ctx ctx;
	struct jp_scan a;
	struct jp_change *c;
	size_t n;

	(void)state;
	jp_ctx_init(&ctx, "test");
	parse(&ctx,
	    "pkg c 0 1 1 noarch -\n"
	    "pkg c 0 10 1 noarch -\n"
	    "pkg c 0 9 1 noarch -\n"
	    "pkg glibc 0 2.34 1 x86_64 -\n"
	    "pkg glibc 0 2.34 1 i686 -\n"
	    "pkg gpg-pubkey 0 1 1 (none) -\n"
	    "pkg gpg-pubkey 0 2 1 (none) -\n"
	    "pkg kernel-core 0 5.14 1 x86_64 -\n"
	    "pkg kernel-core 0 5.14 2 x86_64 -\n"
	    "pkg kmod-x 0 1 1 x86_64 -\n"
	    "pkg kmod-x 0 2 1 x86_64 -\n"
	    "pkg vmtools 0 1 1 x86_64 -\n"
	    "pkg vmtools 0 2 1 x86_64 -\n"
	    "pkg z 1 1 1 noarch -\n"
	    "pkg z 0 5 1 noarch -\n", &a);
	n = jp_apply_duplicates(&a, skip, &c);
	/* c: 1 and 9 (rpm order: 10 is the newest) beside 10; z: 5 beside
	 * 1:1; multilib glibc is no duplicate */
	assert_int_equal(n, 3);
	assert_string_equal(c[0].name, "c");
	assert_string_equal(c[0].from, "1-1");
	assert_string_equal(c[0].to, "10-1");
	assert_string_equal(c[1].from, "9-1");
	assert_string_equal(c[1].to, "10-1");
	assert_string_equal(c[2].name, "z");
	assert_string_equal(c[2].from, "5-1");
	assert_string_equal(c[2].to, "1:1-1");
	jp_changes_free(c, n);
	/* without the skip list vmtools counts */
	n = jp_apply_duplicates(&a, NULL, &c);
	assert_int_equal(n, 4);
	jp_changes_free(c, n);
	jp_scan_release(&a);
}

static void
test_state_digest(void **state)
{
	struct jp_ctx ctx;
	struct jp_scan a, b;
	char da[65], db[65];

	(void)state;
	jp_ctx_init(&ctx, "test");
	parse(&ctx, "pkg bash 0 5.1 1 x86_64 bash.src.rpm\n", &a);
	parse(&ctx, "pkg bash 0 5.1 1 x86_64 other.src.rpm\n", &b);
	jp_scan_state_digest(&a, da);
	jp_scan_state_digest(&b, db);
	/* the source rpm is not state */
	assert_string_equal(da, db);
	jp_scan_release(&b);
	parse(&ctx, "pkg bash 0 5.1 2 x86_64 bash.src.rpm\n", &b);
	jp_scan_state_digest(&b, db);
	assert_string_not_equal(da, db);
	assert_int_equal(strlen(da), 64);
	jp_scan_release(&a);
	jp_scan_release(&b);
}

static const char plan_text[] =
	"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": [\n"
	" {\"host\": \"other\", \"format\": \"rpm\", \"updates\": []},\n"
	" {\"host\": \"h1\", \"os\": \"rhel\", \"format\": \"rpm\", \"manager\": \"dnf\",\n"
	"  \"scanned\": 1700000000, \"state_sha256\": \"%s\",\n"
	"  \"future\": {\"nested\": [1, 2, {\"x\": null}]},\n"
	"  \"updates\": [\n"
	"   {\"name\": \"bash\", \"arch\": \"x86_64\", \"from\": \"5.1-1\", \"to\": \"5.2-1\",\n"
	"    \"to_arch\": \"x86_64\", \"location\": \"b.rpm\", \"repo\": \"r\", \"installonly\": false,\n"
	"    \"advisories\": [{\"id\": \"RHSA-1\", \"type\": \"security\", \"cves\": []},\n"
	"                     {\"id\": \"RHBA-2\"}]},\n"
	"   {\"name\": \"new\", \"arch\": \"noarch\", \"from\": \"1-1\", \"to\": \"2-1\",\n"
	"    \"to_arch\": \"noarch\", \"installonly\": true, \"obsoletes\": \"old\",\n"
	"    \"advisories\": []}]}],\n"
	" \"summary\": {}}\n";

static void
test_plan_read(void **state)
{
	struct jp_ctx ctx;
	struct jp_apply_set s;
	char dir[64], *path, *text;
	const char *digest =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

	(void)state;
	jp_ctx_init(&ctx, "test");
	assert_int_equal(tu_tmpdir(dir, sizeof(dir), "apply"), 0);
	path = jp_xasprintf("%s/plan.json", dir);
	text = jp_xasprintf(plan_text, digest);
	tu_spew(path, text, strlen(text));

	assert_int_equal(jp_apply_plan_read(&ctx, path, "h1", &s), 1);
	assert_string_equal(s.host, "h1");
	assert_int_equal(s.format, JP_SCAN_RPM);
	assert_int_equal(s.manager, JP_SCAN_DNF);
	assert_int_equal(s.scanned, 1700000000);
	assert_string_equal(s.state, digest);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.items[0].name, "bash");
	assert_string_equal(s.items[0].inst_name, "bash");
	assert_string_equal(s.items[0].to, "5.2-1");
	assert_string_equal(s.items[0].advisories, "RHSA-1 RHBA-2");
	assert_int_equal(s.items[0].installonly, 0);
	assert_string_equal(s.items[1].name, "new");
	assert_string_equal(s.items[1].inst_name, "old");
	assert_string_equal(s.items[1].inst_arch, "noarch");
	assert_string_equal(s.items[0].inst_arch, "x86_64");
	assert_string_equal(s.items[1].arch, "noarch");
	assert_int_equal(s.items[1].installonly, 1);
	assert_null(s.items[1].advisories);
	jp_apply_set_release(&s);

	/* no such host: 0, and the hosts it has */
	assert_int_equal(jp_apply_plan_read(&ctx, path, "nobody", &s), 0);
	assert_string_equal(s.host, "other, h1");
	jp_apply_set_release(&s);
	free(text);

	/* refusals name the file */
	{
		static const char *const bad[] = {
			"[]",
			"{\"format\": \"jprepo-scan\", \"version\": 1, \"hosts\": []}",
			"{\"format\": \"jprepo-plan\", \"version\": 2, \"hosts\": []}",
			"{\"version\": 1, \"hosts\": []}",
			"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": [",
			"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": "
			    "[{\"host\": \"h1\", \"updates\": [{\"name\": \"x\"}]}]}",
			"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": "
			    "[{\"host\": 5}]}",
			/* a NUL would cut "h1\u0000x" to "h1", and a member
			 * name "host\u0000x" to "host" */
			"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": "
			    "[{\"host\": \"h1\\u0000x\"}]}",
			"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": "
			    "[{\"host\\u0000x\": \"h1\"}]}",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			tu_spew(path, bad[i], strlen(bad[i]));
			assert_true(jp_apply_plan_read(&ctx, path, "h1", &s) < 0);
			assert_non_null(strstr(jp_error_msg(&ctx), path));
			assert_null(s.items);
		}
	}
	free(path);
	tu_tmpdir_remove(&ctx, dir);
}

/* Local time of a date, for windows. */
static time_t
at(int year, int mon, int day, int hour, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void
test_window(void **state)
{
	struct jp_ctx ctx;
	struct jp_window w;
	time_t closes, opens;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	jp_ctx_init(&ctx, "test");
	/* 2026-11-28 is a Saturday */
	assert_int_equal(jp_window_parse(&ctx, "Sat 02:00-05:00", &w), 0);
	assert_int_equal(w.days, 1u << 6);
	assert_int_equal(jp_window_inside(&w, at(2026, 11, 28, 3, 0), &closes,
	    NULL), 1);
	assert_int_equal(closes, at(2026, 11, 28, 5, 0));
	assert_int_equal(jp_window_inside(&w, at(2026, 11, 28, 5, 0), NULL,
	    &opens), 0);
	assert_int_equal(opens, at(2026, 12, 5, 2, 0));
	assert_int_equal(jp_window_inside(&w, at(2026, 11, 27, 3, 0), NULL,
	    &opens), 0);
	assert_int_equal(opens, at(2026, 11, 28, 2, 0));

	/* across midnight: opens Friday, still open on Saturday at 01:00 */
	assert_int_equal(jp_window_parse(&ctx, "Mon-Fri 22:00-02:00", &w), 0);
	assert_int_equal(w.days, 0x3eu);
	assert_int_equal(jp_window_inside(&w, at(2026, 11, 28, 1, 0), &closes,
	    NULL), 1);
	assert_int_equal(closes, at(2026, 11, 28, 2, 0));
	assert_int_equal(jp_window_inside(&w, at(2026, 11, 28, 22, 30), NULL,
	    NULL), 0);
	/* a range that wraps the week, a list, full names, every day */
	assert_int_equal(jp_window_parse(&ctx, "Sat-Mon 00:00-24:00", &w), 0);
	assert_int_equal(w.days, (1u << 6) | 1u | 2u);
	assert_int_equal(jp_window_parse(&ctx, "saturday, Sun 01:00-02:00",
	    &w), 0);
	assert_int_equal(w.days, (1u << 6) | 1u);
	assert_int_equal(jp_window_parse(&ctx, "03:00-04:00", &w), 0);
	assert_int_equal(w.days, 0x7fu);
	assert_int_equal(jp_window_inside(&w, at(2026, 11, 25, 3, 59), NULL,
	    NULL), 1);
	assert_int_equal(jp_window_parse(&ctx, "daily 03:00-04:00", &w), 0);
	assert_int_equal(w.days, 0x7fu);

	/* refusals quote the spec */
	{
		static const char *const bad[] = {
			"", "Sat", "Sat 2:00-05:00", "Sat 02:00", "Sat 25:00-26:00",
			"Sat 02:60-03:00", "Caturday 02:00-03:00", "Sat- 02:00-03:00",
			"Sat 02:00-05:00x",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(jp_window_parse(&ctx, bad[i], &w),
			    JP_ERR_USAGE);
			assert_non_null(strstr(jp_error_msg(&ctx), "bad window"));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_state_digest),
		cmocka_unit_test(test_plan_read),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
