/* fsutil.c: paths, atomic writes, locks and walks. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "fsutil.h"

char *
jp_path_join(const char *dir, const char *rel)
{
	size_t dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	while (*rel == '/')
		rel++;
	if (dl == 0)
		return jp_xstrdup(rel);
	return jp_xasprintf("%.*s/%s", (int)dl, dir, rel);
}

char *
jp_path_join_safe(struct jp_ctx *ctx, const char *dir, const char *rel)
{
	const char *p = rel;

	if (!rel || !*rel) {
		jp_error_set(ctx, JP_ERR, "empty path");
		return NULL;
	}
	/* no file name jprepo reads or writes has one; shown raw, a newline
	 * or an escape sequence would forge lines in messages and logs */
	for (p = rel; *p; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			jp_error_set(ctx, JP_ERR, "path '%.*s...' holds a control "
			    "character (0x%02x)", (int)(p - rel), rel,
			    (unsigned)(unsigned char)*p);
			return NULL;
		}
	}
	/* PATH_MAX (4096 on Linux) with the NUL: longer cannot be opened */
	if (p - rel >= 4096) {
		jp_error_set(ctx, JP_ERR, "path '%.40s...' is too long (%zu "
		    "bytes)", rel, (size_t)(p - rel));
		return NULL;
	}
	if (rel[0] == '/') {
		jp_error_set(ctx, JP_ERR, "absolute path '%s' not allowed", rel);
		return NULL;
	}
	p = rel;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			jp_error_set(ctx, JP_ERR, "path '%s' leaves its directory", rel);
			return NULL;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return jp_path_join(dir, rel);
}

int
jp_mkdir_p(struct jp_ctx *ctx, const char *path)
{
	char *tmp = jp_xstrdup(path);
	char *p;
	int rc = 0;

	for (p = tmp + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
				rc = jp_error_errno(ctx, errno,
				    "cannot create directory '%s'", tmp);
				break;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	free(tmp);
	return rc;
}

int
jp_rm_rf(struct jp_ctx *ctx, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 :
		    jp_error_errno(ctx, errno, "cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return jp_error_errno(ctx, errno, "cannot remove '%s'", path);
		return 0;
	}
	d = opendir(path);
	if (!d)
		return jp_error_errno(ctx, errno, "cannot open directory '%s'", path);
	while ((de = readdir(d)) != NULL) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = jp_path_join(path, de->d_name);
		if (jp_rm_rf(ctx, sub) < 0)
			rc = JP_ERR;
		free(sub);
	}
	closedir(d);
	if (rc == 0 && rmdir(path) < 0 && errno != ENOENT)
		rc = jp_error_errno(ctx, errno, "cannot remove directory '%s'", path);
	return rc;
}

int
jp_fsync_dir(struct jp_ctx *ctx, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return jp_error_errno(ctx, errno, "cannot open directory '%s'", dir);
	if (fsync(fd) < 0 && errno != EINVAL) {
		int e = errno;

		close(fd);
		return jp_error_errno(ctx, e, "cannot sync directory '%s'", dir);
	}
	close(fd);
	return 0;
}

int
jp_file_read(struct jp_ctx *ctx, const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t have = 0, cap;
	ssize_t n;

	*data = NULL;
	if (len)
		*len = 0;
	if (fd < 0)
		return jp_error_errno(ctx, errno, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		return jp_error_errno(ctx, e, "cannot stat '%s'", path);
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
	buf = jp_xmalloc(cap);
	for (;;) {
		if (have + 1 >= cap) {
			cap *= 2;
			buf = jp_xrealloc(buf, cap);
		}
		n = read(fd, buf + have, cap - have - 1);
		if (n == 0)
			break;
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			return jp_error_errno(ctx, e, "cannot read '%s'", path);
		}
		have += (size_t)n;
	}
	close(fd);
	buf[have] = '\0';
	*data = buf;
	if (len)
		*len = have;
	return 0;
}

int
jp_file_write_atomic(struct jp_ctx *ctx, const char *path, const void *data,
    size_t len)
{
	return jp_file_write_atomic_mode(ctx, path, data, len, -1);
}

int
jp_file_create_tmp(struct jp_ctx *ctx, const char *path, char **tmpp)
{
	char *tmp = jp_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd, tries;

	*tmpp = NULL;
	/*
	 * O_EXCL: the file is new, so it is ours and its mode is 0644 under
	 * the umask; a stale file of that name (a killed run with our PID, or
	 * one planted in a shared directory, even a symbolic link: O_EXCL
	 * never follows one, open(2)) is removed and the open tried again,
	 * never reused with whatever owner and mode it had.
	 */
	for (tries = 0; ; tries++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
		    O_NOFOLLOW, 0644);
		if (fd >= 0 || errno != EEXIST || tries == 2)
			break;
		if (unlink(tmp) < 0 && errno != ENOENT)
			break;
	}
	if (fd < 0) {
		int rc = jp_error_errno(ctx, errno, "cannot create '%s'", tmp);

		free(tmp);
		return rc;
	}
	*tmpp = tmp;
	return fd;
}

int
jp_file_write_atomic_mode(struct jp_ctx *ctx, const char *path,
    const void *data, size_t len, int mode)
{
	char *tmp;
	const char *p = data;
	int fd, rc = 0;

	fd = jp_file_create_tmp(ctx, path, &tmp);
	if (fd < 0)
		return fd;
	if (mode >= 0 && fchmod(fd, (mode_t)mode) < 0)
		rc = jp_error_errno(ctx, errno, "cannot set the mode of '%s'",
		    tmp);
	while (rc == 0 && len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = jp_error_errno(ctx, errno, "cannot write '%s'", tmp);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = jp_error_errno(ctx, errno, "cannot sync '%s'", tmp);
	if (close(fd) < 0 && rc == 0)
		rc = jp_error_errno(ctx, errno, "cannot write '%s'", tmp);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = jp_error_errno(ctx, errno, "cannot rename '%s' to '%s'", tmp, path);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

void
jp_file_warn_secret(struct jp_ctx *ctx, const char *path, const char *what)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 077) != 0)
		jp_warn(ctx, "%s '%s' is open to %s (mode %04o): make it "
		    "readable by its owner only (chmod 600)", what, path,
		    (st.st_mode & 07) ? "everyone" : "its group",
		    (unsigned)(st.st_mode & 07777));
}

int
jp_lock_acquire(struct jp_ctx *ctx, const char *path, int wait_secs)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	double deadline;

	if (fd < 0)
		return jp_error_errno(ctx, errno, "cannot open lock file '%s'", path);
	if (wait_secs < 0) {
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				int e = errno;

				close(fd);
				return jp_error_errno(ctx, e, "cannot lock '%s'", path);
			}
		}
		return fd;
	}
	deadline = jp_now() + wait_secs;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int e = errno;

			close(fd);
			return jp_error_errno(ctx, e, "cannot lock '%s'", path);
		}
		if (jp_now() >= deadline) {
			close(fd);
			return jp_error_set(ctx, JP_ERR_BUSY,
			    "'%s' is locked by another jprepo process; "
			    "wait for it to finish or use --wait", path);
		}
		usleep(100000);
	}
}

void
jp_lock_release(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

static int
jp_walk_has_suffix(const char *name, const char *const *suffixes)
{
	size_t nl = strlen(name);

	if (!suffixes)
		return 1;
	for (; *suffixes; suffixes++) {
		size_t sl = strlen(*suffixes);

		if (nl > sl && !strcmp(name + nl - sl, *suffixes))
			return 1;
	}
	return 0;
}

static int
jp_walk_skipped(const char *name, const char *const *skip)
{
	for (; skip && *skip; skip++)
		if (!strcmp(name, *skip))
			return 1;
	return 0;
}

/* Report a path the walk cannot read and remember it. */
static void
jp_walk_error(struct jp_ctx *ctx, struct jp_walk *w, const char *rel,
    const char *what, const char *path, int errnum)
{
	char *msg = jp_xasprintf("cannot %s '%s': %s", what, path,
	    strerror(errnum));

	jp_warn(ctx, "%s", msg);
	w->errors = jp_xrealloc(w->errors, (w->nerrors + 1) * sizeof(*w->errors));
	w->errors[w->nerrors].rel = jp_xstrdup(rel);
	w->errors[w->nerrors].error = msg;
	w->nerrors++;
}

static void
jp_walk_dir(struct jp_ctx *ctx, const char *root, const char *rel,
    const char *const *suffixes, const char *const *skip, struct jp_walk *w)
{
	char *full = rel[0] ? jp_path_join(root, rel) : jp_xstrdup(root);
	DIR *d = opendir(full);
	struct dirent *de;

	if (!d) {
		jp_walk_error(ctx, w, rel, "read directory", full, errno);
		free(full);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *sub, *path;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (jp_walk_skipped(de->d_name, skip))
			continue;
		sub = rel[0] ? jp_path_join(rel, de->d_name) : jp_xstrdup(de->d_name);
		path = jp_path_join(full, de->d_name);
		if (lstat(path, &st) < 0) {
			jp_walk_error(ctx, w, sub, "stat", path, errno);
			goto next;
		}
		if (S_ISDIR(st.st_mode)) {
			/* Hidden directories hold tools' state and half-written output. */
			if (de->d_name[0] != '.')
				jp_walk_dir(ctx, root, sub, suffixes, skip, w);
			goto next;
		}
		if (!jp_walk_has_suffix(de->d_name, suffixes))
			goto next;
		if (S_ISLNK(st.st_mode) && (stat(path, &st) < 0 || !S_ISREG(st.st_mode)))
			goto next;
		if (!S_ISREG(st.st_mode))
			goto next;
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 256;
			w->v = jp_xrealloc(w->v, w->cap * sizeof(*w->v));
		}
		w->v[w->n].rel = sub;
		sub = NULL;
		w->v[w->n].size = (uint64_t)st.st_size;
		w->v[w->n].mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		w->v[w->n].ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
		w->v[w->n].ino = (uint64_t)st.st_ino;
		w->v[w->n].dev = (uint64_t)st.st_dev;
		w->n++;
next:
		free(sub);
		free(path);
	}
	closedir(d);
	free(full);
}

static int
jp_walk_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct jp_walk_entry *)a)->rel,
	    ((const struct jp_walk_entry *)b)->rel);
}

int
jp_walk_collect(struct jp_ctx *ctx, const char *root,
    const char *const *suffixes, const char *const *skip, struct jp_walk *w)
{
	struct stat st;

	memset(w, 0, sizeof(*w));
	if (stat(root, &st) < 0)
		return jp_error_errno(ctx, errno, "cannot open '%s'", root);
	if (!S_ISDIR(st.st_mode))
		return jp_error_set(ctx, JP_ERR, "'%s' is not a directory", root);
	jp_walk_dir(ctx, root, "", suffixes, skip, w);
	if (w->n > 1)
		qsort(w->v, w->n, sizeof(*w->v), jp_walk_entry_cmp);
	return 0;
}

void
jp_walk_release(struct jp_walk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].rel);
	free(w->v);
	for (i = 0; i < w->nerrors; i++) {
		free(w->errors[i].rel);
		free(w->errors[i].error);
	}
	free(w->errors);
	memset(w, 0, sizeof(*w));
}

int
jp_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (int)n;
}

double
jp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
