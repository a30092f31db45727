/*
 * rpmmd.h: writing RPM-MD repository metadata (repodata/).
 *
 * Given the package records of a repository, writes primary, filelists and
 * other XML (compressed as asked) and repomd.xml into a directory, following
 * the formats createrepo_c writes and dnf, yum and zypper read (see
 * shared/REFERENCE.md).  Output depends only on the records and options:
 * the same input gives byte-identical files.
 */
#ifndef JP_RPMMD_H
#define JP_RPMMD_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;
struct jp_pkg;

enum jp_compress {
	JP_COMPRESS_GZ = 0,
	JP_COMPRESS_XZ,
	JP_COMPRESS_ZSTD,
	JP_COMPRESS_NONE,
};

/* "gz", "xz", "zstd" -> enum; -1 when unknown. */
int jp_compress_parse(const char *s);
/* ".gz", ".xz", ".zst", "" */
const char *jp_compress_suffix(int compress);

struct jp_rpmmd_opts {
	int compress;             /* enum jp_compress */
	int64_t revision;         /* <revision> and <timestamp>s (seconds) */
	const char *updateinfo;   /* complete updateinfo.xml text, or NULL */
	size_t updateinfo_len;
	int nthreads;             /* compress the files in parallel (>= 1) */
};

/*
 * Write repodata into `dir` (which must exist and be empty): files named
 * "<sha256>-primary.xml.gz" etc., and "repomd.xml" last.  pkgs must be
 * sorted as the caller wants them listed.  Returns 0 or a negative code
 * with a message.
 */
int jp_rpmmd_write(struct jp_ctx *ctx, const char *dir,
    struct jp_pkg *const *pkgs, size_t npkgs, const struct jp_rpmmd_opts *opts);

/*
 * Whether a file path belongs in primary.xml (createrepo_c's rule: starts
 * with /etc/, contains bin/, or is /usr/lib/sendmail).
 */
int jp_rpmmd_primary_file(const char *path);

#endif
