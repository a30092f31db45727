/*
 * aptmd.h: writing APT repository metadata (dists/SUITE/).
 *
 * Given the .deb records of a repository, writes one suite's tree:
 *
 *   COMPONENT/binary-ARCH/Packages, Packages.gz, Packages.xz
 *   COMPONENT/binary-ARCH/by-hash/SHA256/<sha256>, by-hash/SHA512/<sha512>
 *   Release
 *
 * for "all" and every architecture of the packages: binary-all lists the
 * "Architecture: all" packages, every other binary-ARCH index those of ARCH
 * and the "all" ones; Release says "Architectures: all ARCH..." and has no
 * No-Support-for-Architecture-all field.  A client of a listed
 * architecture thus finds each package (apt merges an "all" package read
 * from binary-ARCH and binary-all into one version), and a client of any
 * other architecture still finds the "all" packages in binary-all (checked
 * with apt 2.6; see aptmd.c).  When every package is "Architecture: all"
 * (or there is none), binary-all is the only index.  Packages stanzas hold
 * each package's control fields in dpkg-scanpackages' order with Filename,
 * Size, MD5sum, SHA1 and SHA256 where it puts them.  Release lists every
 * index with its size and MD5, SHA1, SHA256 and SHA512 and announces
 * Acquire-By-Hash; the by-hash copies (hard links) are kept for SHA256 and
 * for SHA512 because apt fetches by-hash/<strongest hash listed>/ (SHA512
 * here).  The by-hash copies of the previously published generation are
 * carried over, so that a client that read the old Release while the new
 * tree is swapped in still finds the files it was promised.
 *
 * With advisories (opts->updateinfo), the suite's top also holds
 * updateinfo.xml.gz, listed in Release (size and every hash) and copied
 * under by-hash/ like the indexes, so that a signature over Release covers
 * it too (see debsec.h for where the advisories come from).
 *
 * Output depends only on the records and options: the same input gives
 * byte-identical files.  Signing (InRelease, Release.gpg) is not done here.
 */
#ifndef JP_APTMD_H
#define JP_APTMD_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;
struct jp_pkg;

struct jp_aptmd_opts {
	const char *suite;          /* Suite:; required */
	const char *codename;       /* Codename:; NULL: same as suite */
	const char *component;      /* NULL: "main" */
	const char *origin;         /* Origin:; NULL: none */
	const char *label;          /* Label:; NULL: none */
	int64_t date;               /* Date: in seconds since the epoch */
	int valid_for_days;         /* > 0: Valid-Until: date + days */
	int nthreads;               /* compressing threads (>= 1); the bytes
	                               written do not depend on it */
	const char *prev_suite_dir; /* the published dists/SUITE, or NULL */
	const char *updateinfo;     /* updateinfo.xml text to publish as
	                               updateinfo.xml.gz, or NULL */
	size_t updateinfo_len;
};

/*
 * Check the options before anything is built: suite, codename and
 * component must be usable as one path component (letters, digits and
 * "._+-", not starting with '.' or '-'); origin and label must be one line
 * of printable text; valid_for_days must not be negative.  Returns 0, or a
 * negative code with a message naming the option ("invalid component
 * 'a/b': ...").
 */
int jp_aptmd_check_opts(struct jp_ctx *ctx, const struct jp_aptmd_opts *opts);

/*
 * Write the suite's tree into `suite_dir`, which must exist and be empty
 * (the caller builds it beside the published dists/SUITE and renames it
 * into place).  pkgs are JP_PKG_DEB records in any order; each index lists
 * them by name, then version (dpkg order), then architecture, then
 * location; records that share a name, version and architecture are all
 * listed (leaving such duplicates out is the caller's choice).  With opts->prev_suite_dir, the by-hash files named in that
 * directory's Release (its SHA256 and SHA512 sections) are linked (or
 * copied) into the new tree, each checked against its digest first; when
 * the directory does not exist there is nothing to keep, and a Release
 * that cannot be read or files that are missing or damaged are warned
 * about (jp_warn) and skipped, never an error.  Returns 0, or a negative code with a message; on failure the
 * directory may hold part of the tree and should be removed.
 */
int jp_aptmd_write(struct jp_ctx *ctx, const char *suite_dir,
    struct jp_pkg *const *pkgs, size_t npkgs, const struct jp_aptmd_opts *opts);

/*
 * Format t as Release files date it (RFC 1123 in UTC, with English names
 * whatever the locale): "Sat, 28 Nov 2026 10:00:00 UTC".  Returns the
 * length, or -1 when buf is too small or t out of range.
 */
int jp_aptmd_date(int64_t t, char *buf, size_t size);

/*
 * Write one Packages stanza for pkg (followed by its blank line) to a
 * malloc'd NUL-terminated string: what the index holds for it.
 */
char *jp_aptmd_stanza(const struct jp_pkg *pkg);

#endif
