/*
 * ctx.h: the run state of one jprepo invocation, its error slot and its
 * diagnostics.
 *
 * main() makes one struct jp_ctx and passes it down to every module.  A
 * library function that fails records a message with jp_error_set() and
 * returns a negative code; only main() prints the fatal message.  Non-fatal
 * diagnostics go to stderr through jp_warn/jp_info/jp_debug, gated by the
 * verbosity (-q lowers it, -v raises it).
 */
#ifndef JP_CTX_H
#define JP_CTX_H

#include <stdarg.h>
#include <stddef.h>

#define JP_ERRMSG_MAX 2048

/* Error codes returned by library functions (always negative). */
enum jp_errcode {
	JP_OK = 0,
	JP_ERR = -1,       /* general failure, message recorded */
	JP_ERR_BUSY = -2,  /* a lock is held by another process */
	JP_ERR_NOMEM = -3, /* out of memory */
	JP_ERR_USAGE = -4, /* the request makes no sense: a usage error */
};

enum jp_verbosity {
	JP_V_QUIET = 0,   /* errors only */
	JP_V_NORMAL = 1,  /* warnings, notes and summaries */
	JP_V_VERBOSE = 2, /* what is being done */
	JP_V_DEBUG = 3,   /* everything */
};

struct jp_ctx {
	const char *progname;    /* "jprepo" */
	const char *command;     /* the subcommand being run, or NULL */
	int verbosity;           /* enum jp_verbosity */
	int stderr_tty;          /* progress output allowed */
	int had_error;           /* a batch item failed; the run goes on */
	int errcode;             /* last error code recorded */
	char errmsg[JP_ERRMSG_MAX];
};

/* --- lifetime --- */
void jp_ctx_init(struct jp_ctx *ctx, const char *progname);

/* --- errors: record on the context, return the code given --- */
int jp_error_set(struct jp_ctx *ctx, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int jp_error_errno(struct jp_ctx *ctx, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *jp_error_msg(const struct jp_ctx *ctx);
void jp_error_clear(struct jp_ctx *ctx);

/* --- diagnostics on stderr, prefixed with "jprepo: " or the command --- */
void jp_err(struct jp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void jp_warn(struct jp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void jp_info(struct jp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void jp_verbose(struct jp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void jp_debug(struct jp_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --- helpers that abort on allocation failure (memory is not a batch error) --- */
void *jp_xmalloc(size_t n);
void *jp_xcalloc(size_t n, size_t size);
void *jp_xrealloc(void *p, size_t n);
char *jp_xstrdup(const char *s);
char *jp_xstrndup(const char *s, size_t n);
char *jp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
