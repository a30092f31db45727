/* ctx.c: run state, errors and diagnostics. */
#include "config.h"
/* ctx.h: define jp_error_set() itself, not the analyzer wrapper */
#define JP_CTX_IMPL 1

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"

/* Diagnostics come from worker threads too; keep their lines whole. */
static pthread_mutex_t jp_log_lock = PTHREAD_MUTEX_INITIALIZER;

void
jp_ctx_init(struct jp_ctx *ctx, const char *progname)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->progname = progname ? progname : "jprepo";
	ctx->verbosity = JP_V_NORMAL;
	ctx->stderr_tty = isatty(STDERR_FILENO);
}

int
jp_error_set(struct jp_ctx *ctx, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	ctx->errcode = code;
	return code;
}

int
jp_error_errno(struct jp_ctx *ctx, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	len = strlen(ctx->errmsg);
	if (len < sizeof(ctx->errmsg))
		snprintf(ctx->errmsg + len, sizeof(ctx->errmsg) - len, ": %s",
		    strerror(errnum));
	ctx->errcode = JP_ERR;
	return JP_ERR;
}

const char *
jp_error_msg(const struct jp_ctx *ctx)
{
	return ctx->errmsg[0] ? ctx->errmsg : "unknown error";
}

void
jp_error_clear(struct jp_ctx *ctx)
{
	ctx->errmsg[0] = '\0';
	ctx->errcode = 0;
}

/*
 * Names in messages come from packages, bundles and file systems that an
 * attacker may have made: control characters (ESC sequences could rewrite
 * the operator's terminal, a newline could fake a line) are written as
 * \xNN, in place, cutting the end of the line if it no longer fits.
 */
static void
jp_log_escape(char *line, size_t size)
{
	char out[4096 * 4 + 1];
	size_t i, o = 0;
	int changed = 0;

	for (i = 0; line[i] != '\0' && o + 5 < sizeof(out); i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
			changed = 1;
		} else {
			out[o++] = (char)c;
		}
	}
	if (!changed)
		return;
	out[o] = '\0';
	if (o >= size)
		o = size - 1;
	memcpy(line, out, o);
	line[o] = '\0';
}

static void
jp_vlog(struct jp_ctx *ctx, const char *kind, const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	jp_log_escape(line, sizeof(line));
	pthread_mutex_lock(&jp_log_lock);
	if (ctx->command)
		fprintf(stderr, "%s %s: %s%s\n", ctx->progname, ctx->command,
		    kind, line);
	else
		fprintf(stderr, "%s: %s%s\n", ctx->progname, kind, line);
	pthread_mutex_unlock(&jp_log_lock);
}

void
jp_err(struct jp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jp_vlog(ctx, "error: ", fmt, ap);
	va_end(ap);
}

void
jp_warn(struct jp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < JP_V_NORMAL)
		return;
	va_start(ap, fmt);
	jp_vlog(ctx, "warning: ", fmt, ap);
	va_end(ap);
}

void
jp_info(struct jp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < JP_V_NORMAL)
		return;
	va_start(ap, fmt);
	jp_vlog(ctx, "", fmt, ap);
	va_end(ap);
}

void
jp_verbose(struct jp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < JP_V_VERBOSE)
		return;
	va_start(ap, fmt);
	jp_vlog(ctx, "", fmt, ap);
	va_end(ap);
}

void
jp_debug(struct jp_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->verbosity < JP_V_DEBUG)
		return;
	va_start(ap, fmt);
	jp_vlog(ctx, "debug: ", fmt, ap);
	va_end(ap);
}

static void
jp_oom(void)
{
	fputs("jprepo: error: out of memory\n", stderr);
	abort();
}

void *
jp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		jp_oom();
	return p;
}

void *
jp_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		jp_oom();
	return p;
}

void *
jp_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		jp_oom();
	return p;
}

char *
jp_xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		jp_oom();
	return p;
}

char *
jp_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		jp_oom();
	return p;
}

char *
jp_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		jp_oom();
	return p;
}
