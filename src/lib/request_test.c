/*
 * request_test.c: unit tests of request files: a fleet's hosts grouped,
 * written sorted and unique, read back; each malformed file refused with
 * file and line named; the selection of what a request asks for on a
 * pool made by hand.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctx.h"
#include "fsutil.h"
#include "plan.h"
#include "pool.h"
#include "request.h"
#include "testutil.h"

static void
test_write_read(void **state)
{
	struct jp_plan_inst a[] = {
		{ "bash", "x86_64", "5.1-2" }, { "kernel", "x86_64", "5.14-1" },
		{ "kernel", "x86_64", "5.14-2" },
	};
	struct jp_plan_inst b[] = {
		{ "bash", "x86_64", "5.1-2" }, { "zlib", "x86_64", "1:1.2-3" },
	};
	char *needs[] = { "libfoo >= 2" };
	struct jp_request r, back;
	struct jp_ctx ctx;
	char dir[64], *path, *text;
	size_t len;

	(void)state;
	jp_ctx_init(&ctx, "test");
	assert_int_equal(tu_tmpdir(dir, sizeof(dir), "request"), 0);
	path = jp_path_join(dir, "req");
	jp_request_init(&r);
	strcpy(r.created, "2026-11-27T00:00:00Z");
	jp_request_add_host(&r, JP_POOL_RPM, "rocky", "9", "x86_64", a, 3,
	    needs, 1);
	jp_request_add_host(&r, JP_POOL_RPM, "rocky", "9", "x86_64", b, 2,
	    NULL, 0);
	jp_request_add_host(&r, JP_POOL_DEB, NULL, NULL, "amd64", NULL, 0,
	    NULL, 0);
	assert_int_equal(jp_request_write(&ctx, &r, path), 0);
	text = tu_slurp(path, &len);
	assert_string_equal(text,
	    "jprepo-request 1\n"
	    "created 2026-11-27T00:00:00Z\n"
	    "hosts 3\n"
	    "group deb - - amd64\n"
	    "group rpm rocky 9 x86_64\n"
	    "have bash x86_64 5.1-2\n"
	    "have kernel x86_64 5.14-1\n"
	    "have kernel x86_64 5.14-2\n"
	    "have zlib x86_64 1:1.2-3\n"
	    "need libfoo >= 2\n"
	    "end\n");
	free(text);
	assert_int_equal(jp_request_read(&ctx, path, &back), 0);
	assert_int_equal(back.hosts, 3);
	assert_int_equal(back.ngroups, 2);
	assert_int_equal(back.groups[1].have.n, 4);
	assert_int_equal(back.groups[1].need.n, 1);
	assert_null(back.groups[0].os);
	jp_request_release(&back);
	jp_request_release(&r);
	free(path);
	tu_tmpdir_remove(&ctx, dir);
}

static void
refuse(const char *text, const char *msg)
{
	struct jp_request r;
	struct jp_ctx ctx;
	char dir[64], *path;

	jp_ctx_init(&ctx, "test");
	assert_int_equal(tu_tmpdir(dir, sizeof(dir), "request"), 0);
	path = jp_path_join(dir, "req");
	tu_spew(path, text, strlen(text));
	if (jp_request_read(&ctx, path, &r) == 0) {
		print_error("accepted: %s\n", text);
		fail();
	}
	if (strstr(jp_error_msg(&ctx), msg) == NULL ||
	    strstr(jp_error_msg(&ctx), path) == NULL) {
		print_error("message '%s' lacks '%s' or the path\n",
		    jp_error_msg(&ctx), msg);
		fail();
	}
	free(path);
	tu_tmpdir_remove(&ctx, dir);
}

static void
test_refusals(void **state)
{
	(void)state;
	refuse("jprepo-request 2\nend\n", "line 1");
	refuse("something else\nend\n", "not a request file");
	refuse("jprepo-request 1\nhave a b c\nend\n", "line 2");
	refuse("jprepo-request 1\ngroup rpm - - x86_64\nhave a b\nend\n", "line 3");
	refuse("jprepo-request 1\ngroup yum - - x86_64\nend\n", "bad group");
	refuse("jprepo-request 1\ngroup rpm - - x86_64\n", "truncated");
	refuse("jprepo-request 1\nend\nhave a b c\n", "after the 'end'");
	refuse("jprepo-request 1\nsurprise\nend\n", "unknown line");
	refuse("jprepo-request 1\nend", "newline");
	/* fields beyond the format's, and counts that are not counts */
	refuse("jprepo-request 1\nhosts 4created\nend\n", "bad hosts");
	refuse("jprepo-request 1\nhosts -1\nend\n", "bad hosts");
	refuse("jprepo-request 1\ngroup deb - - amd64 extra\nend\n",
	    "bad group");
	refuse("jprepo-request 1\ngroup deb - - amd64\nhave a b c d\nend\n",
	    "bad have");
}

/*
 * A request without the created line (jprepo-request(5): for people) is
 * written back without one, and reads again (found by fuzz_request).
 */
static void
test_no_created(void **state)
{
	static const char text[] =
	    "jprepo-request 1\nhosts 1\ngroup deb - - amd64\nend\n";
	struct jp_request r, back;
	struct jp_ctx ctx;
	char dir[64], *path, *out;

	(void)state;
	jp_ctx_init(&ctx, "test");
	assert_int_equal(tu_tmpdir(dir, sizeof(dir), "request"), 0);
	path = jp_path_join(dir, "req");
	out = jp_path_join(dir, "again");
	tu_spew(path, text, strlen(text));
	assert_int_equal(jp_request_read(&ctx, path, &r), 0);
	assert_int_equal(jp_request_write(&ctx, &r, out), 0);
	if (jp_request_read(&ctx, out, &back) != 0)
		fail_msg("written back unreadable: %s", jp_error_msg(&ctx));
	assert_int_equal(back.hosts, 1);
	jp_request_release(&r);
	jp_request_release(&back);
	free(path);
	free(out);
	tu_tmpdir_remove(&ctx, dir);
}

/* A package of a hand-made pool; req: "name" or "name >= evr". */
static void
add(struct jp_pool *p, const char *name, const char *evr, const char *req)
{
	struct jp_ppkg *k = jp_pool_add_pkg(p);
	size_t i = p->npkgs - 1;
	char n[64], v[64];

	k->name = jp_pool_str(p, name, (size_t)-1);
	k->arch = jp_pool_str(p, "noarch", (size_t)-1);
	k->evr = jp_pool_str(p, evr, (size_t)-1);
	k->location = jp_pool_str(p, name, (size_t)-1);
	p->pkgs[i].req0 = (uint32_t)p->ndeps;
	if (req && sscanf(req, "%63s >= %63s", n, v) == 2) {
		jp_pool_add_dep(p, jp_pool_str(p, n, (size_t)-1),
		    JP_PDEP_GT | JP_PDEP_EQ, jp_pool_str(p, v, (size_t)-1), 0);
		p->pkgs[i].nreq = 1;
	} else if (req) {
		jp_pool_add_dep(p, jp_pool_str(p, req, (size_t)-1), 0, 0, 0);
		p->pkgs[i].nreq = 1;
	}
}

static void
test_select(void **state)
{
	struct jp_plan_inst inst[] = {
		{ "app", "noarch", "1.0-1" }, { "app", "noarch", "1.5-1" },
		{ "tool", "noarch", "3.0-1" },
	};
	char *needs[] = { "libfoo >= 2" };
	struct jp_request r;
	struct jp_pool p;
	struct jp_ctx ctx;
	uint32_t *sel;
	size_t n, i;
	int seen[8] = { 0 };

	(void)state;
	jp_ctx_init(&ctx, "test");
	ctx.verbosity = JP_V_QUIET;
	jp_request_init(&r);
	jp_request_add_host(&r, JP_POOL_RPM, "el", "9", "x86_64", inst, 3,
	    needs, 1);
	jp_pool_init(&p, JP_POOL_RPM);
	add(&p, "app", "1.5-1", NULL);          /* 0: what the newest has */
	add(&p, "app", "2.0-1", "newdep");      /* 1: the update */
	add(&p, "newdep", "1.0-1", NULL);       /* 2: what it needs */
	add(&p, "libfoo", "1.0-1", NULL);       /* 3: too old for the need */
	add(&p, "libfoo", "2.1-1", "deeper");   /* 4: answers the need */
	add(&p, "deeper", "1-1", NULL);         /* 5: what that needs */
	add(&p, "tool", "3.0-1", NULL);         /* 6: nothing newer */
	add(&p, "other", "9-9", NULL);          /* 7: nobody asks */
	jp_pool_index(&p);
	assert_int_equal(jp_request_select(&ctx, &p, &r.groups[0], &sel, &n), 0);
	for (i = 0; i < n; i++) {
		assert_true(sel[i] < 8);
		seen[sel[i]] = 1;
	}
	assert_int_equal(n, 4);
	assert_true(seen[1] && seen[2] && seen[4] && seen[5]);
	free(sel);
	jp_pool_release(&p);
	jp_request_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_created),
		cmocka_unit_test(test_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
