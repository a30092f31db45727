/*
 * rpmpkg.h: reading .rpm files into package records.
 *
 * Reads the lead, signature and main header of an .rpm with librpm
 * (headerRead on an FD_t; no digest or signature checks, as createrepo_c
 * does), records the header's byte range, then streams the rest of the file
 * through sha256 so that every byte is read once.  The fields filled are
 * those RPM-MD's primary, filelists and other need.
 */
#ifndef JP_RPMPKG_H
#define JP_RPMPKG_H

#include <stdint.h>

struct jp_ctx;
struct jp_pkg;

/* Call once per process before any other rpmpkg function (not thread-safe). */
int jp_rpmpkg_global_init(struct jp_ctx *ctx);

/*
 * Read the package at `path` (reported in messages as `relpath`).  On
 * success returns 0 and a new record in *out with location = relpath,
 * file_size, time_file = mtime, and sha256 of the whole file filled in.
 * On failure returns a negative code and records a message that names
 * relpath and the problem (truncated, not an rpm, corrupt header ...).
 * Safe to call from several threads at once.
 */
int jp_rpmpkg_read(struct jp_ctx *ctx, const char *path, const char *relpath,
    struct jp_pkg **out);

#endif
