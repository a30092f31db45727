/*
 * manifest_test.c: unit tests of the MANIFEST reader and writer: a good
 * manifest round-trips byte for byte, and each rule of jprepo-bundle(5)
 * refuses the text that breaks it, with the line named.
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
#include "manifest.h"

#define A64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B64 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C64 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define ID1 "0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210"

/* An incremental manifest using every kind of line. */
static const char good[] =
    "jprepo-bundle 1\n"
    "bundle " ID1 "\n"
    "store " ID2 " my store\n"
    "sequence 5\n"
    "base " ID2 " 4\n"
    "created 2026-11-27T18:00:00Z\n"
    "repo apt debs\n"
    "repo rpm-md rpms\n"
    "volume 1 100000 " C64 " vol-0001.tar\n"
    "volume 2 50000 " C64 " vol-0002.tar\n"
    "file " A64 " 70000 debs/pool/a b.deb\n"
    "part 1 1536 60000\n"
    "part 2 1536 10000\n"
    "copy " A64 " 70000 rpms/Packages/a.rpm\n"
    "file " B64 " 0 rpms/empty\n"
    "part 2 12288 0\n"
    "keep " C64 " 12 rpms/repodata/repomd.xml\n"
    "delete rpms/old.rpm\n"
    "end\n";

static int
parse(const char *text, struct jp_manifest *mf, struct jp_ctx *ctx)
{
	jp_ctx_init(ctx, "test");
	return jp_manifest_parse(ctx, "MANIFEST", text, strlen(text), mf);
}

static void
test_roundtrip(void **state)
{
	struct jp_manifest mf;
	struct jp_ctx ctx;
	size_t len;
	char *out;

	(void)state;
	assert_int_equal(parse(good, &mf, &ctx), 0);
	assert_string_equal(mf.store, "my store");
	assert_int_equal(mf.sequence, 5);
	assert_true(mf.incremental);
	assert_int_equal(mf.base_sequence, 4);
	assert_int_equal(mf.nrepos, 2);
	assert_int_equal(mf.nvols, 2);
	assert_int_equal(mf.nents, 4);
	assert_int_equal(mf.ents[0].nparts, 2);
	assert_string_equal(mf.ents[0].path, "debs/pool/a b.deb");
	assert_int_equal(mf.ents[0].repo, 0);
	assert_int_equal(mf.ents[1].kind, JP_MF_COPY);
	assert_int_equal(mf.ents[3].kind, JP_MF_KEEP);
	assert_int_equal(mf.ndeletes, 1);
	assert_int_equal(jp_manifest_find(&mf, "rpms/empty"), 2);
	assert_int_equal(jp_manifest_find(&mf, "rpms/nothere"), -1);
	out = jp_manifest_format(&mf, &len);
	assert_int_equal(len, strlen(good));
	assert_memory_equal(out, good, len);
	free(out);
	jp_manifest_release(&mf);
}

static void
test_merge(void **state)
{
	static const char text[] =
	    "jprepo-bundle 1\n"
	    "bundle " ID1 "\n"
	    "store " ID2 " s\n"
	    "sequence 2\n"
	    "base -\n"
	    "created 2026-11-27T18:00:00Z\n"
	    "merge\n"
	    "repo rpm-md r\n"
	    "end\n";
	struct jp_manifest mf;
	struct jp_ctx ctx;
	size_t len;
	char *out;

	(void)state;
	assert_int_equal(parse(text, &mf, &ctx), 0);
	assert_true(mf.merge);
	out = jp_manifest_format(&mf, &len);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(out, text, len);
	free(out);
	jp_manifest_release(&mf);
}

/* good with the first occurrence of from replaced by to must be refused. */
static void
refuse(const char *from, const char *to, const char *msg)
{
	const char *at = strstr(good, from);
	struct jp_manifest mf;
	struct jp_ctx ctx;
	char *text;
	size_t n;

	assert_non_null(at);
	n = strlen(good) - strlen(from) + strlen(to) + 1;
	text = malloc(n);
	snprintf(text, n, "%.*s%s%s", (int)(at - good), good, to,
	    at + strlen(from));
	if (parse(text, &mf, &ctx) == 0) {
		print_error("accepted: '%s' -> '%s'\n", from, to);
		fail();
	}
	if (strstr(jp_error_msg(&ctx), msg) == NULL) {
		print_error("'%s' -> '%s': message '%s' lacks '%s'\n", from, to,
		    jp_error_msg(&ctx), msg);
		fail();
	}
	free(text);
}

static void
test_refusals(void **state)
{
	(void)state;
	refuse("jprepo-bundle 1", "jprepo-bundle 2", "version 2");
	refuse("sequence 5", "sequence 05", "line 4");
	refuse("sequence 5", "sequence 0", "sequence");
	refuse("base " ID2 " 4", "base " ID2 " 5", "base");
	refuse("bundle " ID1, "bundle 0123456789ABCDEF0123456789abcdef", "id");
	refuse("created 2026-11-27T18:00:00Z", "created yesterday", "time");
	refuse("repo apt debs\nrepo rpm-md rpms", "repo rpm-md rpms\nrepo apt debs",
	    "order");
	refuse("repo apt debs", "repo yum debs", "repo line");
	refuse("repo apt debs", "repo apt ../debs", "repo line");
	refuse("vol-0002.tar", "../../etc/passwd", "must be named");
	refuse("volume 2 ", "volume 3 ", "volume line");
	refuse("debs/pool/a b.deb", "/etc/passwd", "unsafe");
	refuse("debs/pool/a b.deb", "debs/../../x", "unsafe");
	refuse("debs/pool/a b.deb", "debs/pool/a\tb.deb", "unsafe");
	refuse("debs/pool/a b.deb", "other/a.deb", "unknown repository");
	refuse("debs/pool/a b.deb", "rpms/zzz", "out of order");
	refuse("part 2 1536 10000", "part 2 1536 9999", "add up");
	refuse("part 2 1536 10000", "part 2 1536 10001", "exceeds");
	refuse("part 2 1536 10000", "part 1 1536 10000", "overlaps");
	refuse("part 2 1536 10000", "part 2 49000 10000", "outside");
	refuse("part 2 12288 0", "part 2 1000 0", "overlaps");
	refuse("part 2 1536 10000\n", "part 2 1536 10000\npart 1 70000 0\n",
	    "order");
	refuse("copy " A64, "copy " B64, "copy");
	refuse("delete rpms/old.rpm", "delete rpms/empty", "still listed");
	refuse("end\n", "", "truncated");
	refuse("end\n", "end\nfile\n", "after the 'end'");
	refuse("end\n", "end", "newline");
	refuse("delete rpms/old.rpm\n", "delete rpms/old.rpm\nsurprise x\n",
	    "unknown line");
	refuse("base " ID2 " 4\n", "base -\n", "keep line in a full bundle");
	refuse("created 2026-11-27T18:00:00Z\n",
	    "created 2026-11-27T18:00:00Z\nmerge\n", "merge bundle has no base");
}

static void
test_paths(void **state)
{
	(void)state;
	assert_true(jp_manifest_path_ok("a/b c/.d"));
	assert_true(jp_manifest_path_ok("a/..b/c.."));
	assert_false(jp_manifest_path_ok(""));
	assert_false(jp_manifest_path_ok("/a"));
	assert_false(jp_manifest_path_ok("a/"));
	assert_false(jp_manifest_path_ok("a//b"));
	assert_false(jp_manifest_path_ok("a/./b"));
	assert_false(jp_manifest_path_ok("a/.."));
	assert_false(jp_manifest_path_ok("a/b\nc"));
	assert_false(jp_manifest_path_ok("a/b\177"));
	assert_false(jp_manifest_path_ok("a/.jprepo/cache.sqlite"));
	assert_false(jp_manifest_path_ok("a/.jprepo-x"));
	assert_true(jp_manifest_path_ok("a/x.jprepo"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
