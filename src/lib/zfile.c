/*
 * zfile.c: streaming reads through any compression (see zfile.h).
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "zfile.h"

int
jp_zfile_open(struct jp_ctx *ctx, struct jp_zfile *z, const char *path)
{
	struct archive_entry *ent;
	struct stat st;
	int r;

	memset(z, 0, sizeof(*z));
	z->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (z->fd < 0)
		return jp_error_errno(ctx, errno, "cannot open '%s'", path);
	if (fstat(z->fd, &st) < 0)
		return jp_error_errno(ctx, errno, "cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return jp_error_set(ctx, JP_ERR, "cannot read '%s': not a "
		    "regular file", path);
	if (st.st_size == 0)
		return jp_error_set(ctx, JP_ERR, "'%s': the file is empty",
		    path);
	z->mtime = st.st_mtime;
	z->ar = archive_read_new();
	if (!z->ar)
		return jp_error_set(ctx, JP_ERR_NOMEM, "out of memory");
	archive_read_support_filter_all(z->ar);
	archive_read_support_format_raw(z->ar);
	if (archive_read_open_fd(z->ar, z->fd, 65536) != ARCHIVE_OK)
		return jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", path,
		    archive_error_string(z->ar));
	r = archive_read_next_header(z->ar, &ent);
	if (r == ARCHIVE_EOF)
		return jp_error_set(ctx, JP_ERR, "'%s': the file is empty", path);
	if (r != ARCHIVE_OK)
		return jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", path,
		    archive_error_string(z->ar));
	return 0;
}

long
jp_zfile_read(struct jp_zfile *z, void *buf, size_t n)
{
	la_ssize_t r = archive_read_data(z->ar, buf, n);

	return r < 0 ? -1 : (long)r;
}

const char *
jp_zfile_error(struct jp_zfile *z)
{
	const char *e = z->ar ? archive_error_string(z->ar) : NULL;

	return e ? e : "read error";
}

void
jp_zfile_close(struct jp_zfile *z)
{
	if (z->ar)
		archive_read_free(z->ar);
	if (z->fd >= 0)
		close(z->fd);
	z->ar = NULL;
	z->fd = -1;
}

int
jp_zfile_xml_read(void *opaque, char *buf, int len)
{
	long n = jp_zfile_read(opaque, buf, (size_t)len);

	return n < 0 ? -1 : (int)n;
}

int
jp_zfile_xml_close(void *opaque)
{
	(void)opaque;
	return 0;
}
