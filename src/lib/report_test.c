/*
 * report_test.c: unit tests of the fleet report's arithmetic and writers.
 *
 * With a fixed "now": the state of a host by its priority (stale > failed
 * > unplanned > security > updates > patched), the stale and SLA limits
 * at the second and the day around them, the oldest needed security
 * advisory, distinct advisories per host and over the fleet.  GNU date(1)
 * is the oracle of the issued-date parser; Python's json and html modules
 * read back what the writers escape; a journal written through journal.h
 * is what --history reads, in both layouts.
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
#include "journal.h"
#include "report.h"
#include "scan.h"
#include "testutil.h"

#define DAY 86400
/* 2026-11-30T00:00:00Z */
#define NOW 1795996800

static int
setup(void **state)
{
	return tu_setup(state, "report_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

/* --- dates --- */

static void
test_parse_time(void **state)
{
	static const char *const good[] = {
		"2026-03-01", "2026-03-01 00:00:00", "2024-02-29 23:59:59",
		"1999-12-31T12:34:56Z", "2026-11-01 00:00:00", "1970-01-01",
		"2038-01-19 03:14:08", "2100-03-01 10:00", "2000-02-29",
	};
	static const char *const bad[] = {
		"", "yesterday", "2026-1-1", "2026-02-30", "2025-02-29",
		"1900-02-29 00:00:00", "2026-13-01", "2026-03-01 24:00:00",
		"2026-03-01x", "2026-03-01 00:00:00 +0200", "-5",
	};
	size_t i;
	int64_t t;

	(void)state;
	if (!tu_have("date"))
		skip();
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *want, *d = jp_xstrdup(good[i]), *p;

		/* date(1) reads "YYYY-MM-DD HH:MM[:SS]" (no 'T', no 'Z') */
		if ((p = strchr(d, 'T')) != NULL)
			*p = ' ';
		if ((p = strchr(d, 'Z')) != NULL)
			*p = '\0';
		want = tu_chomp(tu_capture(NULL, "date -u -d '%s' +%%s", d));
		if (jp_report_parse_time(good[i], &t) < 0)
			fail_msg("'%s' refused", good[i]);
		if (t != strtoll(want, NULL, 10))
			fail_msg("'%s': got %lld, date(1) says %s", good[i],
			    (long long)t, want);
		free(want);
		free(d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jp_report_parse_time(bad[i], &t) == 0)
			fail_msg("'%s' accepted as %lld", bad[i], (long long)t);
	/* a number of seconds as some updateinfo writers put it */
	assert_int_equal(jp_report_parse_time("1700000000", &t), 0);
	assert_int_equal(t, 1700000000);
}

static void
test_days(void **state)
{
	(void)state;
	assert_int_equal(jp_report_days(NOW, NOW), 0);
	assert_int_equal(jp_report_days(NOW, NOW - DAY + 1), 0);
	assert_int_equal(jp_report_days(NOW, NOW - DAY), 1);
	assert_int_equal(jp_report_days(NOW, NOW - 30 * DAY - 1), 30);
	assert_int_equal(jp_report_days(NOW, NOW + 5 * DAY), 0);
}

/* --- hosts --- */

/* A scan of host taken at t, with an apply line when status is given. */
static void
mkscan(struct tu_fixture *f, struct jp_scan *scan, const char *host,
    int64_t t, const char *status, const char *failed)
{
	char when[32], *text;

	jp_journal_time(t, when, sizeof(when));
	text = jp_xasprintf("jprepo-scan 1\nhost %s\n"
	    "machine-id 0123456789abcdef0123456789abcdef\nos rhel 9.4\n"
	    "os-name RHEL\narch x86_64\nformat rpm\nmanager dnf\nkernel -\n"
	    "scanned %s\n%s%s%s%s%s"
	    "pkg bash 0 5.1.8 6.el9 x86_64 bash-5.1.8-6.el9.src.rpm\nend\n",
	    host, when, status ? "apply 4 " : "", status ? status : "",
	    status ? " 2026-11-20T10:00:00Z\n" : "",
	    failed ? "apply-failed " : "", failed ? failed : "");
	if (jp_scan_parse(&f->ctx, host, text, strlen(text), scan) < 0)
		fail_msg("scan of %s: %s", host, jp_error_msg(&f->ctx));
	free(text);
}

static const char plan_json[] =
	"{\"format\": \"jprepo-plan\", \"version\": 1, \"future\": [1, {}],\n"
	" \"hosts\": [\n"
	"  {\"host\": \"patched\", \"updates\": [], \"installs\": []},\n"
	"  {\"host\": \"upd\", \"updates\": [\n"
	"    {\"name\": \"a\", \"arch\": \"noarch\", \"to\": \"2-1\",\n"
	"     \"advisories\": [{\"id\": \"BUG-1\",\n"
	"      \"type\": \"bugfix\", \"severity\": \"\", \"issued\": \"2020-01-01\"}]},\n"
	"    {\"name\": \"b\", \"arch\": \"noarch\", \"to\": \"2-1\",\n"
	"     \"advisories\": []}]},\n"
	"  {\"host\": \"sec\", \"updates\": [\n"
	"    {\"name\": \"a\", \"arch\": \"noarch\", \"to\": \"2-1\",\n"
	"     \"advisories\": [\n"
	"      {\"id\": \"SEC-1\", \"type\": \"security\", \"severity\": \"Important\",\n"
	"       \"issued\": \"2026-10-31 00:00:00\", \"cves\": []},\n"
	"      {\"id\": \"SEC-2\", \"type\": \"security\", \"severity\": \"critical\",\n"
	"       \"issued\": \"2026-10-30\"}]},\n"
	"    {\"name\": \"b\", \"arch\": \"noarch\", \"to\": \"2-1\",\n"
	"     \"advisories\": [\n"
	"      {\"id\": \"SEC-1\", \"type\": \"security\", \"severity\": \"Important\",\n"
	"       \"issued\": \"2026-10-31 00:00:00\"},\n"
	"      {\"id\": \"SEC-3\", \"type\": \"security\", \"severity\": \"Weird\",\n"
	"       \"issued\": \"\"}]}]},\n"
	"  {\"host\": \"sec2\", \"updates\": [\n"
	"    {\"name\": \"c\", \"arch\": \"noarch\", \"to\": \"2-1\",\n"
	"     \"advisories\": [\n"
	"      {\"id\": \"SEC-1\", \"type\": \"security\", \"severity\": \"Important\",\n"
	"       \"issued\": \"2026-10-31 00:00:00\"},\n"
	"      {\"id\": \"SEC-4\", \"type\": \"security\", \"severity\": \"Low\",\n"
	"       \"issued\": \"2026-10-31 00:00:01\"}]}]},\n"
	"  {\"host\": \"failed\", \"updates\": [{\"name\": \"x\", \"arch\": \"noarch\", \"to\": \"2-1\",\n"
	"     \"advisories\": []}]},\n"
	"  {\"host\": \"failed2\", \"updates\": []},\n"
	"  {\"host\": \"stale\", \"updates\": [{\"name\": \"x\", \"arch\": \"noarch\", \"to\": \"2-1\",\n"
	"     \"advisories\": []}]},\n"
	"  {\"host\": \"fresh\", \"updates\": []}\n"
	" ], \"summary\": {}}\n";

static void
add(struct tu_fixture *f, struct jp_report *rep,
    const struct jp_report_plan *plan, const char *host, int64_t t,
    const char *status, const char *failed)
{
	struct jp_scan scan;

	mkscan(f, &scan, host, t, status, failed);
	jp_report_add(rep, &scan, jp_report_plan_find(plan, host), NULL);
	jp_scan_release(&scan);
}

static const struct jp_report_host *
host(const struct jp_report *rep, const char *name)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (!strcmp(rep->hosts[i].host, name))
			return &rep->hosts[i];
	fail_msg("no host %s in the report", name);
	return NULL;
}

static void
test_states(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_report_plan plan;
	struct jp_report rep;
	const struct jp_report_host *h;
	int64_t t = NOW - 3600;

	if (jp_report_plan_parse(&f->ctx, "plan", plan_json,
	    strlen(plan_json), &plan) < 0)
		fail_msg("plan: %s", jp_error_msg(&f->ctx));
	assert_int_equal(plan.n, 8);
	jp_report_init(&rep, NOW, 30, 7);
	add(f, &rep, &plan, "patched", t, "ok", NULL);
	add(f, &rep, &plan, "upd", t, NULL, NULL);
	add(f, &rep, &plan, "sec", t, NULL, NULL);
	add(f, &rep, &plan, "sec2", t, NULL, NULL);
	add(f, &rep, &plan, "failed", t, "partial", NULL);
	/* status ok, but a package did not go in */
	add(f, &rep, &plan, "failed2", t, "ok", "b noarch 2-1\n");
	/* stale wins over failed; one second over the limit */
	add(f, &rep, &plan, "stale", NOW - 7 * DAY - 1, "failed", NULL);
	/* exactly at the limit: not stale */
	add(f, &rep, &plan, "fresh", NOW - 7 * DAY, NULL, NULL);
	add(f, &rep, &plan, "nowhere", t, NULL, NULL);
	jp_report_finish(&rep, &plan);

	assert_string_equal(jp_report_state_name(host(&rep, "patched")->state),
	    "patched");
	h = host(&rep, "upd");
	assert_string_equal(jp_report_state_name(h->state), "updates");
	assert_int_equal(h->updates, 2);
	assert_int_equal(h->nsecurity, 0);
	assert_null(h->oldest_id);
	assert_int_equal(h->oldest_days, -1);

	h = host(&rep, "sec");
	assert_string_equal(jp_report_state_name(h->state), "security");
	/* SEC-1 twice is one advisory; SEC-3 has no date */
	assert_int_equal(h->nsecurity, 3);
	assert_int_equal(h->security[JP_REPORT_CRITICAL], 1);
	assert_int_equal(h->security[JP_REPORT_IMPORTANT], 1);
	assert_int_equal(h->security[JP_REPORT_OTHER], 1);
	assert_string_equal(h->oldest_id, "SEC-2");
	assert_string_equal(h->oldest_issued, "2026-10-30");
	/* 2026-10-30 to 2026-11-30: 31 days, over 30 */
	assert_int_equal(h->oldest_days, 31);
	assert_true(h->over_sla);

	h = host(&rep, "sec2");
	assert_string_equal(h->oldest_id, "SEC-1");
	/* 30 days exactly: not over */
	assert_int_equal(h->oldest_days, 30);
	assert_false(h->over_sla);

	h = host(&rep, "failed");
	assert_string_equal(jp_report_state_name(h->state), "failed");
	assert_true(h->apply_failed);
	h = host(&rep, "failed2");
	assert_string_equal(jp_report_state_name(h->state), "failed");
	assert_int_equal(h->nfailed, 1);
	assert_string_equal(h->failed[0], "b noarch 2-1");
	assert_false(host(&rep, "patched")->apply_failed);

	h = host(&rep, "stale");
	assert_string_equal(jp_report_state_name(h->state), "stale");
	assert_true(h->stale);
	assert_int_equal(h->age_days, 7);
	h = host(&rep, "fresh");
	assert_false(h->stale);
	assert_int_equal(h->age_days, 7);
	assert_string_equal(jp_report_state_name(h->state), "patched");
	assert_string_equal(jp_report_state_name(host(&rep, "nowhere")->state),
	    "unplanned");

	/* the fleet: SEC-1 of sec and sec2 counts once */
	assert_int_equal(rep.by_state[JP_REPORT_PATCHED], 2);
	assert_int_equal(rep.by_state[JP_REPORT_UPDATES], 1);
	assert_int_equal(rep.by_state[JP_REPORT_SECURITY], 2);
	assert_int_equal(rep.by_state[JP_REPORT_FAILED], 2);
	assert_int_equal(rep.by_state[JP_REPORT_STALE], 1);
	assert_int_equal(rep.by_state[JP_REPORT_UNPLANNED], 1);
	assert_int_equal(rep.adv_by_sev[JP_REPORT_CRITICAL], 1);
	assert_int_equal(rep.adv_by_sev[JP_REPORT_IMPORTANT], 1);
	assert_int_equal(rep.adv_by_sev[JP_REPORT_MODERATE], 0);
	assert_int_equal(rep.adv_by_sev[JP_REPORT_LOW], 1);
	assert_int_equal(rep.adv_by_sev[JP_REPORT_OTHER], 1);
	assert_int_equal(rep.over_sla, 1);
	jp_report_release(&rep);

	/* --sla 31: nobody over; --stale 0: every scan older than now is */
	jp_report_init(&rep, NOW, 31, 0);
	add(f, &rep, &plan, "sec", t, NULL, NULL);
	add(f, &rep, &plan, "fresh", NOW, NULL, NULL);
	jp_report_finish(&rep, &plan);
	assert_false(host(&rep, "sec")->over_sla);
	assert_string_equal(jp_report_state_name(host(&rep, "sec")->state),
	    "stale");
	assert_false(host(&rep, "fresh")->stale);
	assert_int_equal(rep.over_sla, 0);
	jp_report_release(&rep);

	/* no plan: scan-based facts only */
	jp_report_init(&rep, NOW, 30, 7);
	add(f, &rep, NULL, "sec", t, NULL, NULL);
	add(f, &rep, NULL, "failed", t, "reverted", NULL);
	jp_report_finish(&rep, NULL);
	assert_string_equal(jp_report_state_name(host(&rep, "sec")->state),
	    "unplanned");
	assert_int_equal(host(&rep, "sec")->nsecurity, 0);
	assert_string_equal(jp_report_state_name(host(&rep, "failed")->state),
	    "failed");
	jp_report_release(&rep);
	jp_report_plan_release(&plan);
}

static void
test_severity(void **state)
{
	(void)state;
	assert_int_equal(jp_report_sev_of("Critical"), JP_REPORT_CRITICAL);
	assert_int_equal(jp_report_sev_of("IMPORTANT"), JP_REPORT_IMPORTANT);
	assert_int_equal(jp_report_sev_of("high"), JP_REPORT_IMPORTANT);
	assert_int_equal(jp_report_sev_of("medium"), JP_REPORT_MODERATE);
	assert_int_equal(jp_report_sev_of("low"), JP_REPORT_LOW);
	assert_int_equal(jp_report_sev_of(""), JP_REPORT_OTHER);
	assert_int_equal(jp_report_sev_of(NULL), JP_REPORT_OTHER);
	assert_int_equal(jp_report_sev_of("unimportant"), JP_REPORT_OTHER);
}

static void
test_plan_refusals(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"format\": \"jprepo-plan\", \"version\": 1",
		"{\"format\": \"jprepo-scan\", \"version\": 1, \"hosts\": []}",
		"{\"format\": \"jprepo-plan\", \"version\": 2, \"hosts\": []}",
		"{\"format\": \"jprepo-plan\", \"version\": 1}",
		"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": [{}]}",
		("{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": "
		    "[{\"host\": \"a\", \"updates\": {}}]}"),
		"{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": []} x",
	};
	struct tu_fixture *f = *state;
	struct jp_report_plan plan;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (jp_report_plan_parse(&f->ctx, "p.json", bad[i],
		    strlen(bad[i]), &plan) == 0)
			fail_msg("plan accepted: %s", bad[i]);
		assert_non_null(strstr(jp_error_msg(&f->ctx), "'p.json'"));
		assert_null(plan.hosts);
	}
	assert_int_equal(jp_report_plan_parse(&f->ctx, "p.json", bad[4],
	    strlen(bad[4]), &plan), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "version 2"));
}

/* --- escaping --- */

static const char hostile[] = "<script>alert(\"x&y\")</script>'http://e\x01"
    "\xc3\xa9\xff";

static void
test_escaping(void **state)
{
	struct tu_fixture *f = *state;
	char *path, *out;
	FILE *fp;

	/* HTML: read back by Python's html.unescape */
	path = jp_path_join(f->dir, "h.txt");
	fp = fopen(path, "w");
	assert_non_null(fp);
	jp_report_html_str(fp, hostile);
	fclose(fp);
	out = tu_slurp(path, NULL);
	assert_null(strchr(out, '<'));
	assert_null(strchr(out, '"'));
	assert_null(strstr(out, "http:"));
	assert_null(strchr(out, '\x01'));
	free(out);
	if (tu_have("python3"))
		assert_int_equal(tu_run("python3 -c 'import html, sys; "
		    "s = html.unescape(open(sys.argv[1], encoding=\"utf-8\", "
		    "errors=\"surrogateescape\").read()); "
		    "want = \"<script>alert(\\\"x&y\\\")</script>\\x27http://e\" "
		    "+ \"\\ufffd\\u00e9\" + \"\\udcff\"; "
		    "sys.exit(0 if s == want else print(repr(s)) or 1)' %s",
		    path), 0);
	free(path);

	/* JSON: read back by Python's json */
	path = jp_path_join(f->dir, "j.json");
	fp = fopen(path, "w");
	assert_non_null(fp);
	putc('"', fp);
	jp_report_json_str(fp, hostile);
	fputs("\"\n", fp);
	fclose(fp);
	if (tu_have("python3"))
		assert_int_equal(tu_run("python3 -c 'import json, sys; "
		    "s = json.load(open(sys.argv[1], encoding=\"utf-8\")); "
		    "want = \"<script>alert(\\\"x&y\\\")</script>\\x27http://e\" "
		    "+ \"\\x01\\u00e9\\ufffd\"; "
		    "sys.exit(0 if s == want else print(repr(s)) or 1)' %s",
		    path), 0);
	free(path);
}

/* A whole page with a hostile host name: parsed, no markup or URL leaks. */
static void
test_html_page(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_report rep;
	struct jp_report_host *h;
	struct jp_scan scan;
	char *path, *out;
	FILE *fp;

	mkscan(f, &scan, "web1", NOW - 60, "failed", NULL);
	jp_report_init(&rep, NOW, 30, 7);
	h = jp_report_add(&rep, &scan, NULL, NULL);
	free(h->host);
	h->host = jp_xstrdup(hostile);
	jp_report_finish(&rep, NULL);
	path = jp_path_join(f->dir, "r.html");
	fp = fopen(path, "w");
	assert_non_null(fp);
	jp_report_write_html(&rep, fp);
	fclose(fp);
	out = tu_slurp(path, NULL);
	assert_null(strstr(out, "<script>alert"));
	assert_null(strstr(out, "http://"));
	assert_null(strstr(out, "https://"));
	assert_non_null(strstr(out, "id=\"state-failed\" data-value=\"1\""));
	assert_non_null(strstr(out, "function jpSort("));
	free(out);
	/* every element closed, one table row per host */
	if (tu_have("python3"))
		assert_int_equal(tu_run("python3 -c 'import html.parser, sys\n"
		    "class P(html.parser.HTMLParser):\n"
		    "  void = {\"meta\", \"rect\", \"br\"}\n"
		    "  def __init__(s):\n"
		    "    super().__init__(); s.st = []; s.rows = 0; s.hosts = []\n"
		    "  def handle_starttag(s, t, a):\n"
		    "    a = dict(a)\n"
		    "    if t == \"tr\" and \"data-host\" in a: s.hosts.append(a[\"data-host\"])\n"
		    "    if t not in s.void: s.st.append(t)\n"
		    "  def handle_startendtag(s, t, a): pass\n"
		    "  def handle_endtag(s, t):\n"
		    "    if t in s.void: return\n"
		    "    assert s.st and s.st[-1] == t, (s.st, t)\n"
		    "    s.st.pop()\n"
		    "p = P(); p.feed(open(sys.argv[1], encoding=\"utf-8\", errors=\"replace\").read()); p.close()\n"
		    "assert p.st == [], p.st\n"
		    "assert len(p.hosts) == 1 and p.hosts[0].startswith(\"<script>\"), p.hosts\n"
		    "' %s", path), 0);
	free(path);
	jp_scan_release(&scan);
	jp_report_release(&rep);
}

/* --- history --- */

static void
mktx(struct jp_journal *j, const char *kind, const char *status,
    int64_t started, int64_t finished)
{
	struct jp_journal_tx tx;

	memset(&tx, 0, sizeof(tx));
	tx.kind = (char *)kind;
	tx.mode = (char *)"one-by-one";
	tx.pm = (char *)"dnf";
	tx.started = started;
	assert_int_equal(jp_journal_begin(j, &tx), 0);
	assert_int_equal(jp_journal_finish(j, tx.id, status, NULL, NULL,
	    finished), 0);
}

static void
test_history(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_report_history h;
	struct jp_journal *j = NULL;
	char *root, *from, *to, *hist;

	hist = jp_path_join(f->dir, "hist");
	/* h1: a copied root; h2: the journal file alone */
	root = jp_path_join(f->dir, "hist/h1");
	assert_int_equal(jp_mkdir_p(&f->ctx, root), 0);
	assert_int_equal(jp_journal_open(&f->ctx, root, JP_JOURNAL_CREATE, &j),
	    0);
	mktx(j, "apply", "ok", 1000, 1100);
	mktx(j, "apply", "ok", 2000, 2100);
	mktx(j, "rollback", "ok", 3000, 3100);
	mktx(j, "apply", "failed", 4000, 4100);
	jp_journal_close(j);
	assert_int_equal(jp_report_history_read(&f->ctx, hist, "h1", &h), 1);
	assert_int_equal(h.transactions, 4);
	assert_int_equal(h.last_ok, 2100);
	assert_int_equal(h.last_ok_txid, 2);

	from = jp_path_join(root, JP_JOURNAL_FILE);
	to = jp_path_join(f->dir, "hist/h2");
	assert_int_equal(jp_mkdir_p(&f->ctx, to), 0);
	free(to);
	to = jp_path_join(f->dir, "hist/h2/journal.sqlite");
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(jp_report_history_read(&f->ctx, hist,
	    "h2", &h), 1);
	assert_int_equal(h.transactions, 4);
	assert_int_equal(h.last_ok_txid, 2);
	/* none: h1's file moved away, h3 never there, a name with '/' */
	assert_int_equal(jp_report_history_read(&f->ctx, hist,
	    "h1", &h), 0);
	assert_int_equal(jp_report_history_read(&f->ctx, hist,
	    "h3", &h), 0);
	assert_int_equal(jp_report_history_read(&f->ctx, hist,
	    "../hist/h2", &h), 0);
	/* not a journal */
	tu_spew(to, "not sqlite\n", 11);
	assert_true(jp_report_history_read(&f->ctx, hist,
	    "h2", &h) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "h2/journal.sqlite"));
	free(from);
	free(to);
	free(root);
	free(hist);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_severity),
		cmocka_unit_test_setup_teardown(test_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_refusals, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
