/*
 * testutil.h: helpers shared by the unit test programs in src/lib.
 *
 * Test code only: testutil.c is compiled into each *_test program that
 * uses it (see the _SOURCES lines in the .am fragments), never into the
 * library.  The helpers fail the running cmocka test (fail_msg, assert_*)
 * where a test could not go on, so include <cmocka.h> first.
 *
 * Scratch directories live under $TMPDIR (when set and short) or /tmp and
 * are kept instead of removed when JP_KEEP is set.
 */
#ifndef JP_TESTUTIL_H
#define JP_TESTUTIL_H

#include <stddef.h>

#include "ctx.h"

/* --- assertions --- */

/* got is NULL when want is, else a string equal to want. */
void tu_assert_str_or_null(const char *got, const char *want);

/* --- shell commands --- */

/*
 * Run a shell command made from fmt; its exit status, -1 when it did not
 * exit (killed by a signal).
 */
int tu_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when tool is on PATH, else 0. */
int tu_have(const char *tool);

/*
 * The stdout of a shell command made from fmt, NUL-terminated, its length
 * in *lenp when lenp is not NULL.  The command must exit 0, else the test
 * fails.  The caller frees the result.
 */
char *tu_capture(size_t *lenp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Cut the trailing newlines of s in place; returns s. */
char *tu_chomp(char *s);

/* --- files --- */

/*
 * The contents of the file path, NUL-terminated, its length in *lenp when
 * lenp is not NULL; the test fails when it cannot be read.  The caller
 * frees the result.
 */
char *tu_slurp(const char *path, size_t *lenp);

/* Write len bytes of data to path (created or truncated), or fail. */
void tu_spew(const char *path, const void *data, size_t len);

/* --- scratch directories --- */

/*
 * Make a directory "<tmp>/jp-STEM-XXXXXX" by mkdtemp(3), its path in
 * dir[size].  Returns 0, or -1 when it cannot be made.
 */
int tu_tmpdir(char *dir, size_t size, const char *stem);

/* Remove dir and everything under it, or keep it when JP_KEEP is set. */
void tu_tmpdir_remove(struct jp_ctx *ctx, const char *dir);

/*
 * Write script to dir/mkfixtures.sh and run it as "sh SCRIPT DIR" with its
 * output on stderr.  Returns 0, or -1 (with a message on stderr naming
 * prog) when it could not be written or did not exit 0.
 */
int tu_fixture_script(struct jp_ctx *ctx, const char *dir, const char *script,
    const char *prog);

/* --- the plain fixture: a context and a scratch directory --- */

struct tu_fixture {
	struct jp_ctx ctx;
	char dir[64];
};

/*
 * A cmocka setup: a quiet context named name (a string that outlives the
 * fixture, e.g. "core_test") and a scratch directory "jp-NAME-XXXXXX" in a
 * new struct tu_fixture put in *state.  Returns 0, or -1 when the
 * directory cannot be made.
 */
int tu_setup(void **state, const char *name);

/* The matching teardown: removes the directory and frees the fixture. */
int tu_teardown(void **state);

#endif /* JP_TESTUTIL_H */
