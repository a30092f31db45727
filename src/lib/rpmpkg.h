/*
 * rpmpkg.h: reading .rpm files into package records.
 *
 * Reads the lead, signature and main header of an .rpm (librpm's
 * headerImport() on the bytes as they stream past, which checks a header
 * as headerRead() does; no digest or signature checks, as createrepo_c
 * does), records the header's byte range, then reads the rest of the file,
 * hashing every byte as it is read, so that the file is read only once.
 * The fields filled are those RPM-MD's primary, filelists and other need.
 *
 * The record holds what createrepo_c 0.17 writes for the same file, so a
 * writer can print it as it is:
 *   - arch is "src" for source packages (is_source = 1);
 *   - deps are already filtered as createrepo_c filters them (no rpmlib()
 *     requires, no requires the package satisfies itself, one libc.so.6
 *     require, legacy weak dependencies mapped; see rpmpkg.c) and in its
 *     order; a dep with flag JP_DEP_ANY has no epoch/version/release, one
 *     with flags has epoch "0" when its version gave none; empty parts are
 *     NULL; pre is only ever set on requires;
 *   - files are all files in header order (primary.xml lists the subset
 *     jp_rpmmd_primary_file() selects);
 *   - changelogs are the newest 10, oldest first, dates made unique the
 *     way createrepo_c does, authors without trailing spaces;
 *   - summary, description and group are the "C" locale text;
 *   - only sha256 of the digests is computed.
 */
#ifndef JP_RPMPKG_H
#define JP_RPMPKG_H

#include <stdint.h>

struct jp_ctx;
struct jp_pkg;

/*
 * Call once per process before any other rpmpkg function: reads librpm's
 * configuration (rpmReadConfigFiles).  Further calls do nothing.  Returns
 * 0 or a negative code with a message.
 */
int jp_rpmpkg_global_init(struct jp_ctx *ctx);

/*
 * Read the package at `path` (reported in messages as `relpath`).  On
 * success returns 0 and a new record in *out with location = relpath,
 * file_size, time_file = mtime, and sha256 of the whole file filled in.
 * On failure returns a negative code, leaves *out NULL and records a
 * message that names relpath and the problem ("cannot read 'x.rpm': not an
 * RPM package (bad lead magic)", "... truncated (...)", "... corrupt header
 * (...)").  A file shorter than its signature header's size (header and
 * payload) is "truncated" too, though createrepo_c does not check that:
 * such a package cannot be installed.  Safe to call from several threads
 * at once, each with its own ctx.
 */
int jp_rpmpkg_read(struct jp_ctx *ctx, const char *path, const char *relpath,
    struct jp_pkg **out);

#endif
