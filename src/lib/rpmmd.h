/*
 * rpmmd.h: writing RPM-MD repository metadata (repodata/).
 *
 * Given the package records of a repository, writes primary, filelists and
 * other XML (compressed as asked) and repomd.xml into a directory, following
 * the formats createrepo_c writes and dnf, yum and zypper read (see
 * shared/REFERENCE.md).  Records are taken one at a time and not kept,
 * so memory does not grow with the repository.  Output depends only on
 * the records and options (not on the number of threads): the same input
 * gives byte-identical files.
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
	int nthreads;             /* threads compressing, the caller's included */
};

/* --- streaming: one record at a time --- */

struct jp_rpmmd_writer;

/*
 * Start writing repodata into `dir` (which must exist and be empty):
 * creates the temporary files of primary, filelists and other (and
 * updateinfo, whose text is compressed here, so opts->updateinfo need not
 * outlive this call) and starts opts->nthreads - 1 compressing threads;
 * the caller's thread is the last of the nthreads.  npkgs is the exact
 * number of records that will be added: it goes into packages="N" at the
 * top of each file.  Errors are recorded on ctx, which must outlive the
 * writer.  Returns 0 with a new writer in *out, or a negative code with
 * a message, *out NULL and nothing left in dir.
 */
int jp_rpmmd_writer_new(struct jp_ctx *ctx, const char *dir, size_t npkgs,
    const struct jp_rpmmd_opts *opts, struct jp_rpmmd_writer **out);

/*
 * Render one record into primary, filelists and other.  The record is not
 * kept: it may be freed as soon as this returns.  Call from one thread, in
 * the order the packages are to be listed.  Adding more than npkgs
 * records is an error.  Returns 0 or a negative code with a message on
 * the writer's ctx; after a failure the writer is stopped (its threads
 * joined, its files in dir removed) and only jp_rpmmd_writer_free() is
 * left to call.
 */
int jp_rpmmd_writer_add(struct jp_rpmmd_writer *w, const struct jp_pkg *pkg);

/*
 * Finish every file, name each "<sha256>-<type>.xml<suffix>", then write
 * repomd.xml last.  Fewer records added than announced is an error.
 * Returns 0, or a negative code with a message and nothing left in dir.
 * The writer's threads have ended when this returns.
 */
int jp_rpmmd_writer_finish(struct jp_rpmmd_writer *w);

/*
 * Free the writer.  Removes nothing on disk: after a successful finish the
 * files are the caller's; a writer dropped unfinished leaves its
 * temporary files in dir.  NULL is a no-op; safe after a failed call.
 */
void jp_rpmmd_writer_free(struct jp_rpmmd_writer *w);

/* --- all at once --- */

/*
 * Write repodata for pkgs[0..npkgs) into `dir` (which must exist and be
 * empty), listed in the order given: jp_rpmmd_writer_new, _add for each
 * record, _finish.  Returns 0 or a negative code with a message; on
 * failure nothing is left in dir.
 */
int jp_rpmmd_write(struct jp_ctx *ctx, const char *dir,
    struct jp_pkg *const *pkgs, size_t npkgs, const struct jp_rpmmd_opts *opts);

/*
 * Whether a file path belongs in primary.xml (createrepo_c's rule: starts
 * with /etc/, contains bin/, or is /usr/lib/sendmail).
 */
int jp_rpmmd_primary_file(const char *path);

#endif
