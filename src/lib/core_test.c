/* core_test.c: unit tests of ctx, fsutil, digest, pkg and cache. */
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

#include "cache.h"
#include "ctx.h"
#include "digest.h"
#include "fsutil.h"
#include "pkg.h"
#include "strnum.h"
#include "testutil.h"

static int
setup(void **state)
{
	return tu_setup(state, "core_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

static void
test_error_message(void **state)
{
	struct tu_fixture *f = *state;

	assert_int_equal(jp_error_set(&f->ctx, JP_ERR, "cannot read '%s'", "x"), JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx), "cannot read 'x'");
	jp_error_errno(&f->ctx, 2, "cannot open '%s'", "y");
	assert_non_null(strstr(jp_error_msg(&f->ctx), "cannot open 'y': "));
}

static void
test_path_join_safe(void **state)
{
	struct tu_fixture *f = *state;
	char *p;

	p = jp_path_join_safe(&f->ctx, "/a/", "b/c");
	assert_string_equal(p, "/a/b/c");
	free(p);
	assert_null(jp_path_join_safe(&f->ctx, "/a", "../etc"));
	assert_null(jp_path_join_safe(&f->ctx, "/a", "b/../../etc"));
	assert_null(jp_path_join_safe(&f->ctx, "/a", "/etc/passwd"));
	assert_null(jp_path_join_safe(&f->ctx, "/a", ""));
	p = jp_path_join_safe(&f->ctx, "/a", "b..c/..d");
	assert_string_equal(p, "/a/b..c/..d");
	free(p);
}

/* Known answers from FIPS 180-2 and RFC 1321. */
static void
test_digest_vectors(void **state)
{
	struct jp_digest d;
	char hex[65];

	(void)state;
	jp_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(jp_digest_init(&d, JP_DIGEST_MD5 | JP_DIGEST_SHA1 |
	    JP_DIGEST_SHA512), 0);
	jp_digest_update(&d, "a", 1);
	jp_digest_update(&d, "bc", 2);
	jp_digest_final(&d);
	assert_string_equal(jp_digest_hex(&d, JP_DIGEST_MD5),
	    "900150983cd24fb0d6963f7d28e17f72");
	assert_string_equal(jp_digest_hex(&d, JP_DIGEST_SHA1),
	    "a9993e364706816aba3e25717850c26c9cd0d89d");
	assert_int_equal(strncmp(jp_digest_hex(&d, JP_DIGEST_SHA512),
	    "ddaf35a193617abacc417349ae204131", 32), 0);
	assert_int_equal(d.nbytes, 3);
}

static void
test_atomic_write_and_read(void **state)
{
	struct tu_fixture *f = *state;
	char *path = jp_path_join(f->dir, "file");
	char *data;
	size_t len;

	assert_int_equal(jp_file_write_atomic(&f->ctx, path, "hello", 5), 0);
	assert_int_equal(jp_file_read(&f->ctx, path, &data, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(data, "hello");
	free(data);
	assert_int_equal(jp_file_read(&f->ctx, "/nonexistent/x", &data, &len), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'/nonexistent/x'"));
	free(path);
}

static void
test_lock_busy(void **state)
{
	struct tu_fixture *f = *state;
	char *path = jp_path_join(f->dir, "lock");
	int a, b;

	a = jp_lock_acquire(&f->ctx, path, 0);
	assert_true(a >= 0);
	/* flock locks belong to the open file: a second open conflicts. */
	b = jp_lock_acquire(&f->ctx, path, 0);
	assert_int_equal(b, JP_ERR_BUSY);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "locked"));
	jp_lock_release(a);
	b = jp_lock_acquire(&f->ctx, path, 0);
	assert_true(b >= 0);
	jp_lock_release(b);
	free(path);
}

static void
touch(const char *dir, const char *rel)
{
	char *p = jp_path_join(dir, rel);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	fputs("x", fp);
	fclose(fp);
	free(p);
}

static void
test_walk(void **state)
{
	struct tu_fixture *f = *state;
	static const char *const suf[] = { ".rpm", NULL };
	static const char *const skip[] = { "repodata", NULL };
	struct jp_walk w;
	char *p;

	p = jp_path_join(f->dir, "b/c");
	assert_int_equal(jp_mkdir_p(&f->ctx, p), 0);
	free(p);
	p = jp_path_join(f->dir, "repodata");
	mkdir(p, 0755);
	free(p);
	p = jp_path_join(f->dir, ".hidden");
	mkdir(p, 0755);
	free(p);
	touch(f->dir, "z.rpm");
	touch(f->dir, "a.rpm");
	touch(f->dir, "b/c/x.rpm");
	touch(f->dir, "b/notes.txt");
	touch(f->dir, "repodata/r.rpm");
	touch(f->dir, ".hidden/h.rpm");
	assert_int_equal(jp_walk_collect(&f->ctx, f->dir, suf, skip, &w), 0);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.v[0].rel, "a.rpm");
	assert_string_equal(w.v[1].rel, "b/c/x.rpm");
	assert_string_equal(w.v[2].rel, "z.rpm");
	assert_int_equal(w.v[0].size, 1);
	jp_walk_release(&w);
}

static struct jp_pkg *
sample_pkg(void)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_RPM);
	struct jp_dep *d;

	p->name = jp_xstrdup("demo");
	p->arch = jp_xstrdup("noarch");
	p->epoch = jp_xstrdup("2");
	p->version = jp_xstrdup("1.0~rc1");
	p->release = jp_xstrdup("3");
	p->location = jp_xstrdup("sub/demo.rpm");
	p->file_size = 1234;
	strcpy(p->sha256, "00ff");
	p->description = jp_xstrdup("multi\nline <&>");
	p->time_build = -5;
	p->header_end = 1ULL << 40;
	d = jp_pkg_add_dep(p, JP_DEP_REQUIRES);
	d->name = jp_xstrdup("libfoo");
	d->flag = JP_DEP_GE;
	d->version = jp_xstrdup("1.2");
	d->pre = 1;
	jp_pkg_add_file(p, "/etc/demo.conf", JP_FILE_REG);
	jp_pkg_add_file(p, "/var/ghost", JP_FILE_GHOST);
	jp_pkg_add_changelog(p, "A <a@example.com>", 1700000000, "- fix <&>");
	jp_pkg_add_field(p, "Section", "utils");
	return p;
}

static void
test_pkg_blob_roundtrip(void **state)
{
	struct jp_pkg *p = sample_pkg(), *q;
	unsigned char *blob;
	size_t len, cut;
	char buf[256];

	(void)state;
	jp_pkg_serialize(p, &blob, &len);
	q = jp_pkg_deserialize(blob, len);
	assert_non_null(q);
	assert_string_equal(q->name, "demo");
	assert_string_equal(q->epoch, "2");
	assert_null(q->summary);
	assert_string_equal(q->description, "multi\nline <&>");
	assert_int_equal(q->time_build, -5);
	assert_int_equal(q->header_end, 1ULL << 40);
	assert_int_equal(q->ndeps[JP_DEP_REQUIRES], 1);
	assert_int_equal(q->deps[JP_DEP_REQUIRES][0].flag, JP_DEP_GE);
	assert_int_equal(q->deps[JP_DEP_REQUIRES][0].pre, 1);
	assert_null(q->deps[JP_DEP_REQUIRES][0].epoch);
	assert_int_equal(q->nfiles, 2);
	assert_int_equal(q->files[1].type, JP_FILE_GHOST);
	assert_int_equal(q->nchangelogs, 1);
	assert_int_equal(q->changelogs[0].date, 1700000000);
	assert_string_equal(jp_pkg_field(q, "section"), "utils");
	assert_int_equal(jp_pkg_nevra(q, buf, sizeof(buf)), 23);
	assert_string_equal(buf, "demo-2:1.0~rc1-3.noarch");
	jp_pkg_free(q);
	/* The identity alone comes from the blob's head. */
	q = jp_pkg_deserialize_identity(blob, len);
	assert_non_null(q);
	assert_string_equal(q->name, "demo");
	assert_string_equal(q->release, "3");
	assert_string_equal(q->location, "sub/demo.rpm");
	assert_string_equal(q->sha256, "00ff");
	assert_null(q->description);
	assert_int_equal(q->nfiles, 0);
	jp_pkg_free(q);
	assert_null(jp_pkg_deserialize_identity(blob, 12));
	/* Every truncation and a flipped magic must be refused, not crash. */
	for (cut = 0; cut < len; cut++) {
		q = jp_pkg_deserialize(blob, cut);
		assert_null(q);
	}
	blob[0] ^= 0xff;
	assert_null(jp_pkg_deserialize(blob, len));
	free(blob);
	jp_pkg_free(p);
}

static void
test_cache_roundtrip(void **state)
{
	struct tu_fixture *f = *state;
	char *path = jp_path_join(f->dir, "cache.sqlite");
	struct jp_walk_entry e[2] = {
		{ .rel = "sub/demo.rpm", .size = 1234, .mtime_ns = 1, .ctime_ns = 2, .ino = 3 },
		{ .rel = "gone.rpm", .size = 1, .mtime_ns = 1, .ctime_ns = 1, .ino = 9 },
	};
	struct jp_pkg *p = sample_pkg(), *q;
	struct jp_pkg *gone = sample_pkg();
	struct jp_pkg *pk[2] = { p, gone };
	struct jp_cache *c;
	size_t removed;
	int verify;
	char *v;

	free(gone->location);
	gone->location = jp_xstrdup("gone.rpm");
	gone->file_size = 1;
	assert_int_equal(jp_cache_open(&f->ctx, path, &c), 0);
	assert_int_equal(jp_cache_store(&f->ctx, c, e, pk, NULL, 2, &removed), 0);
	assert_int_equal(removed, 0);
	q = jp_cache_lookup(c, &e[0], &verify);
	assert_non_null(q);
	assert_int_equal(verify, 0);
	assert_string_equal(q->version, "1.0~rc1");
	jp_pkg_free(q);
	/* A new ctime alone asks for a content check. */
	e[0].ctime_ns = 5;
	q = jp_cache_lookup(c, &e[0], &verify);
	assert_non_null(q);
	assert_int_equal(verify, 1);
	jp_pkg_free(q);
	e[0].ctime_ns = 2;
	/* Any other change of the stat data is a miss. */
	e[0].ino = 4;
	assert_null(jp_cache_lookup(c, &e[0], &verify));
	e[0].ino = 3;
	e[0].mtime_ns = 7;
	assert_null(jp_cache_lookup(c, &e[0], &verify));
	e[0].mtime_ns = 1;
	e[0].size = 1235;
	assert_null(jp_cache_lookup(c, &e[0], &verify));
	e[0].size = 1234;
	/* Storing only the first drops the second. */
	assert_int_equal(jp_cache_store(&f->ctx, c, e, pk, NULL, 1, &removed), 0);
	assert_int_equal(removed, 1);
	assert_null(jp_cache_lookup(c, &e[1], &verify));
	assert_int_equal(jp_cache_meta_set(&f->ctx, c, "k", "v1"), 0);
	v = jp_cache_meta_get(c, "k");
	assert_string_equal(v, "v1");
	free(v);
	jp_cache_close(c);

	/* A file that is not a cache is replaced, not an error. */
	assert_int_equal(jp_file_write_atomic(&f->ctx, path, "garbage garbage", 15), 0);
	assert_int_equal(jp_cache_open(&f->ctx, path, &c), 0);
	assert_null(jp_cache_lookup(c, &e[0], &verify));
	jp_cache_close(c);
	jp_pkg_free(p);
	jp_pkg_free(gone);
	free(path);
}

/* strnum: digits only, no sign, no blanks, no overflow. */
static void
test_strnum(void **state)
{
	uint64_t u = 7;
	int64_t i = 7;
	char line[] = " \tabc  12\t x ";
	char line2[] = "a b c d";
	char *w[3];

	(void)state;
	assert_int_equal(jp_strnum_u64("0", &u), 0);
	assert_true(u == 0);
	assert_int_equal(jp_strnum_u64("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	u = 7;
	assert_int_equal(jp_strnum_u64("18446744073709551616", &u), -1);
	assert_int_equal(jp_strnum_u64("-1", &u), -1);
	assert_int_equal(jp_strnum_u64("+1", &u), -1);
	assert_int_equal(jp_strnum_u64(" 1", &u), -1);
	assert_int_equal(jp_strnum_u64("1 ", &u), -1);
	assert_int_equal(jp_strnum_u64("", &u), -1);
	assert_int_equal(jp_strnum_u64("0x10", &u), -1);
	assert_int_equal(jp_strnum_u64(NULL, &u), -1);
	assert_true(u == 7);
	assert_int_equal(jp_strnum_u64n("12345", 2, &u), 0);
	assert_true(u == 12);
	assert_int_equal(jp_strnum_i64("-9223372036854775808", &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(jp_strnum_i64("9223372036854775807", &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(jp_strnum_i64("9223372036854775808", &i), -1);
	assert_int_equal(jp_strnum_i64("-9223372036854775809", &i), -1);
	assert_int_equal(jp_strnum_i64("--1", &i), -1);
	assert_int_equal(jp_strnum_i64("-", &i), -1);
	assert_int_equal(jp_strnum_i64("-42", &i), 0);
	assert_true(i == -42);
	assert_int_equal(jp_strnum_words(line, w, 3), 3);
	assert_string_equal(w[0], "abc");
	assert_string_equal(w[1], "12");
	assert_string_equal(w[2], "x");
	assert_int_equal(jp_strnum_words(line2, w, 3), 4);
	assert_string_equal(w[2], "c");
	assert_int_equal(jp_strnum_words(line2 + 7, w, 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_error_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_join_safe, setup, teardown),
		cmocka_unit_test(test_digest_vectors),
		cmocka_unit_test_setup_teardown(test_atomic_write_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test(test_pkg_blob_roundtrip),
		cmocka_unit_test(test_strnum),
		cmocka_unit_test_setup_teardown(test_cache_roundtrip, setup, teardown),
	};

	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
