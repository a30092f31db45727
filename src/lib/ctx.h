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

#if defined(__clang_analyzer__) && !defined(JP_CTX_IMPL)
/*
 * For clang's static analyzer only (tools/lint): it reads one file at a
 * time, so it does not know that jp_error_set() and jp_error_errno()
 * return a negative code, and follows "return jp_error_set(...)" paths on
 * which the caller goes on as if it had succeeded.  These wrappers state
 * the contract; the compiled program never sees them.
 */
static inline int
jp_error_neg_(int rc)
{
	if (rc >= 0)
		__builtin_unreachable();
	return rc;
}
#define jp_error_set(...) jp_error_neg_((jp_error_set)(__VA_ARGS__))
#define jp_error_errno(...) jp_error_neg_((jp_error_errno)(__VA_ARGS__))
#endif

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

/*
 * --- helpers that abort on allocation failure (memory is not a batch error) ---
 * They never return NULL (a size of 0 allocates 1 byte); returns_nonnull
 * says so to the compiler and to the static analyzer (tools/lint).
 */
void *jp_xmalloc(size_t n) __attribute__((returns_nonnull));
void *jp_xcalloc(size_t n, size_t size) __attribute__((returns_nonnull));
void *jp_xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *jp_xstrdup(const char *s) __attribute__((returns_nonnull));
char *jp_xstrndup(const char *s, size_t n) __attribute__((returns_nonnull));
char *jp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
	__attribute__((returns_nonnull));

#endif
