/*
 * testutil.c: helpers shared by the unit test programs (see testutil.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "ctx.h"
#include "fsutil.h"
#include "testutil.h"

/* fmt and ap as a new string; no length limit, so nothing is cut. */
static char *
vformat(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

void
tu_assert_str_or_null(const char *got, const char *want)
{
	if (!want)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

int
tu_run(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int st;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	st = system(cmd);
	free(cmd);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
tu_have(const char *tool)
{
	return tu_run("command -v '%s' >/dev/null 2>&1", tool) == 0;
}

char *
tu_capture(size_t *lenp, const char *fmt, ...)
{
	va_list ap;
	char *cmd, *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *p;
	int st;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? 2 * cap : 65536;
			buf = jp_xrealloc(buf, cap + 1);
		}
		n = fread(buf + len, 1, cap - len, p);
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("command failed (%d): %s", st, cmd);
	free(cmd);
	if (lenp)
		*lenp = len;
	return buf;
}

char *
tu_chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

char *
tu_slurp(const char *path, size_t *lenp)
{
	struct jp_ctx ctx;
	char *data;
	size_t len;

	jp_ctx_init(&ctx, "testutil");
	if (jp_file_read(&ctx, path, &data, &len) < 0)
		fail_msg("%s", jp_error_msg(&ctx));
	if (lenp)
		*lenp = len;
	return data;
}

void
tu_spew(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

int
tu_tmpdir(char *dir, size_t size, const char *stem)
{
	const char *t = getenv("TMPDIR");
	int n;

	/* The fixtures hold the path in a fixed buffer: a long TMPDIR is
	 * passed over rather than cut. */
	if (!t || !*t || strlen(t) >= 40)
		t = "/tmp";
	n = snprintf(dir, size, "%s/jp-%s-XXXXXX", t, stem);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

void
tu_tmpdir_remove(struct jp_ctx *ctx, const char *dir)
{
	if (getenv("JP_KEEP"))
		fprintf(stderr, "%s: kept %s\n", ctx->progname, dir);
	else
		jp_rm_rf(ctx, dir);
}

int
tu_fixture_script(struct jp_ctx *ctx, const char *dir, const char *script,
    const char *prog)
{
	char *path = jp_path_join(dir, "mkfixtures.sh");
	int rc = 0;

	if (jp_file_write_atomic(ctx, path, script, strlen(script)) < 0 ||
	    tu_run("sh '%s' '%s' >&2", path, dir) != 0) {
		fprintf(stderr, "%s: cannot make the fixtures\n", prog);
		rc = -1;
	}
	free(path);
	return rc;
}

int
tu_setup(void **state, const char *name)
{
	struct tu_fixture *f = jp_xcalloc(1, sizeof(*f));

	jp_ctx_init(&f->ctx, name);
	f->ctx.verbosity = JP_V_QUIET;
	if (tu_tmpdir(f->dir, sizeof(f->dir), name) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int
tu_teardown(void **state)
{
	struct tu_fixture *f = *state;

	tu_tmpdir_remove(&f->ctx, f->dir);
	free(f);
	return 0;
}
