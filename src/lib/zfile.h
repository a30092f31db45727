/*
 * zfile.h: reading a file through whatever compression it has (none,
 * gzip, xz, zstd, bzip2), as a stream, with libarchive's raw format and
 * its filters: repository metadata, advisory feeds.
 */
#ifndef JP_ZFILE_H
#define JP_ZFILE_H

#include <stddef.h>
#include <time.h>

struct archive;
struct jp_ctx;

struct jp_zfile {
	struct archive *ar;
	int fd;
	time_t mtime;            /* of the file */
};

/*
 * Open path, a regular file that is not empty (libarchive would call an
 * empty one an unknown format); on failure the message names the file.
 * Close it with jp_zfile_close whatever the outcome.
 */
int jp_zfile_open(struct jp_ctx *ctx, struct jp_zfile *z, const char *path);

/* Up to n decompressed bytes: the count, 0 at the end, -1 on an error. */
long jp_zfile_read(struct jp_zfile *z, void *buf, size_t n);

/* libarchive's message for the last failed read. */
const char *jp_zfile_error(struct jp_zfile *z);

void jp_zfile_close(struct jp_zfile *z);

/* libxml2 xmlInputReadCallback / xmlInputCloseCallback over a jp_zfile. */
int jp_zfile_xml_read(void *opaque, char *buf, int len);
int jp_zfile_xml_close(void *opaque);

#endif /* JP_ZFILE_H */
