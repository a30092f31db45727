/*
 * fuzz_common.h: helpers shared by the libFuzzer targets in tests/fuzz/:
 * a private scratch directory per process (removed at exit) and writing a
 * fuzz input into a file there, for the parsers that read a path.
 */
#ifndef JP_FUZZ_COMMON_H
#define JP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "ctx.h"
#include "fsutil.h"

static char fz_dir[64];

static inline void
fz_cleanup(void)
{
	struct jp_ctx ctx;

	if (fz_dir[0] != '\0') {
		jp_ctx_init(&ctx, "fuzz");
		(void)jp_rm_rf(&ctx, fz_dir);
	}
}

/* The scratch directory of this process, made on first use. */
static inline const char *
fz_tmpdir(void)
{
	if (fz_dir[0] == '\0') {
		const char *t = getenv("TMPDIR");

		snprintf(fz_dir, sizeof(fz_dir), "%s/jpfuzz.XXXXXX",
		    t != NULL && strlen(t) < 40 ? t : "/tmp");
		if (mkdtemp(fz_dir) == NULL)
			abort();
		atexit(fz_cleanup);
	}
	return fz_dir;
}

/* Write n bytes at p to the file rel under dir (parents made); aborts on error. */
static inline void
fz_write(const char *dir, const char *rel, const void *p, size_t n)
{
	char path[4096];
	char *s;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (s = path + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		(void)mkdir(path, 0700);
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			abort();
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	close(fd);
}

/* A quiet context: messages are recorded, nothing is printed. */
static inline void
fz_ctx(struct jp_ctx *ctx)
{
	jp_ctx_init(ctx, "fuzz");
	ctx->verbosity = JP_V_QUIET - 1;   /* not even errors */
}

/*
 * With JP_FUZZ_DEBUG set in the environment, say what the library made of
 * the input (to check that seeds get as deep as they should).
 */
static inline void
fz_debug(const struct jp_ctx *ctx, const char *what, int rc)
{
	if (getenv("JP_FUZZ_DEBUG") != NULL)
		fprintf(stderr, "fuzz: %s: %d %s\n", what, rc,
		    rc < 0 ? jp_error_msg(ctx) : "");
}

#endif
