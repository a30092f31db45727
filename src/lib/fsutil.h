/*
 * fsutil.h: file system helpers every module shares.
 *
 * Safe path joins (no "..", no absolute parts from untrusted input), atomic
 * writes through a temporary name and rename(), fsync of files and their
 * directories, lock files, recursive directory walks and removal.
 */
#ifndef JP_FSUTIL_H
#define JP_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct jp_ctx;

/* --- paths --- */
/*
 * Join dir and a relative path into a new string.  Returns NULL (message
 * recorded) when rel is absolute, contains a ".." component, is empty,
 * holds a control character (bytes 0x01-0x1f, 0x7f) or is 4096 bytes or
 * longer.
 */
char *jp_path_join_safe(struct jp_ctx *ctx, const char *dir, const char *rel);
/* Join without checks, for trusted names; never NULL. */
char *jp_path_join(const char *dir, const char *rel);
/* Create a directory and its parents (mode 0755 before umask). */
int jp_mkdir_p(struct jp_ctx *ctx, const char *path);
/* Remove a tree; missing is not an error. */
int jp_rm_rf(struct jp_ctx *ctx, const char *path);
/* fsync a directory so that renames inside it survive a crash. */
int jp_fsync_dir(struct jp_ctx *ctx, const char *dir);

/* --- whole files --- */
/* Read a whole file (NUL-terminated for convenience). */
int jp_file_read(struct jp_ctx *ctx, const char *path, char **data, size_t *len);
/*
 * Create path.tmp.PID for writing, new (O_EXCL, O_NOFOLLOW; a stale file of
 * that name is removed first), mode 0644 under the umask.  Returns the fd
 * and the name in *tmp (malloc'd; the caller renames or unlinks it and
 * frees it), or a negative code with a message.
 */
int jp_file_create_tmp(struct jp_ctx *ctx, const char *path, char **tmp);
/*
 * Write data to path through path.tmp.PID (jp_file_create_tmp), fsync,
 * rename.  The file is new: mode 0644 under the umask, whatever the mode
 * of the file it replaces.
 */
int jp_file_write_atomic(struct jp_ctx *ctx, const char *path,
    const void *data, size_t len);
/* The same with the file's mode set to mode whatever the umask (-1: the
 * umask applies to 0644). */
int jp_file_write_atomic_mode(struct jp_ctx *ctx, const char *path,
    const void *data, size_t len, int mode);

/*
 * Warn (jp_warn) when the file at path, which holds secret material
 * (what: "private key", "passphrase file"), can be read or written by
 * its group or others, as ssh(1) and gpg(1) do for theirs.  Nothing
 * when it cannot be stat'ed (the read that follows reports that).
 */
void jp_file_warn_secret(struct jp_ctx *ctx, const char *path,
    const char *what);

/* --- lock files --- */
/*
 * Take an exclusive lock on path (created if missing).  With wait_secs 0,
 * fail at once with JP_ERR_BUSY when another process holds it; otherwise
 * wait up to wait_secs (-1: forever).  Returns the fd (>= 0) to pass to
 * jp_lock_release(), or a negative code.
 */
int jp_lock_acquire(struct jp_ctx *ctx, const char *path, int wait_secs);
void jp_lock_release(int fd);

/* --- walks --- */
struct jp_walk_entry {
	char *rel;        /* path relative to the walk's root */
	uint64_t size;
	int64_t mtime_ns;
	int64_t ctime_ns;
	uint64_t ino;
	uint64_t dev;
};

/* A directory or file a walk could not read. */
struct jp_walk_error {
	char *rel;        /* relative to the walk's root ("" for the root) */
	char *error;      /* the message reported */
};

struct jp_walk {
	struct jp_walk_entry *v;
	size_t n, cap;
	size_t nerrors;   /* directories or files that could not be read */
	struct jp_walk_error *errors;  /* nerrors of them */
};

/*
 * Collect the regular files under root whose names end with one of the
 * suffixes (NULL-terminated list), skipping directories named in skip
 * (NULL-terminated; matched against the name at any depth, e.g.
 * "repodata"); directories whose names start with '.' are never entered.
 * Unreadable directories are reported with
 * jp_warn, recorded in errors (nerrors) and skipped.  Entries come sorted by rel
 * (bytewise).  Symbolic links to regular files are followed; links to
 * directories are not.
 */
int jp_walk_collect(struct jp_ctx *ctx, const char *root,
    const char *const *suffixes, const char *const *skip, struct jp_walk *w);
void jp_walk_release(struct jp_walk *w);

/* --- misc --- */
/* Number of online CPUs, at least 1. */
int jp_ncpus(void);
/* Monotonic clock in seconds. */
double jp_now(void);

#endif
