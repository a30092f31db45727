/*
 * debpkg.h: reading .deb files into package records.
 *
 * A .deb is an ar archive (deb(5)): "debian-binary", then control.tar
 * (plain, .gz, .xz or .zst), then data.tar.  The file is read once, from
 * start to end: every byte goes through md5, sha1, sha256 and sha512 as
 * it is read, the ar members are followed on the way, and the control
 * member is kept in memory and opened with libarchive to take its
 * "./control" file, which is parsed with deb822.  data.tar is hashed but
 * never decompressed.
 */
#ifndef JP_DEBPKG_H
#define JP_DEBPKG_H

struct jp_ctx;
struct jp_pkg;

/*
 * Read the package at `path` (named `relpath` in messages).  On success
 * returns 0 and a new record in *out (free with jp_pkg_free()):
 * format JP_PKG_DEB; name, arch from Package and Architecture; epoch (the
 * Version's epoch as a decimal number, "0" when it has none) and version
 * (the Version without its epoch: "upstream[-revision]"); release NULL;
 * fields = every field of the control file in its order, as deb822 reads
 * them; location = relpath; file_size, time_file (mtime); md5, sha1,
 * sha256 and sha512 of the whole file.
 *
 * On failure returns a negative code and records a message naming relpath:
 * a control character in relpath (it goes into Packages' Filename), not a
 * regular file, not an ar archive, a truncated or malformed archive,
 * an unsupported format version, a missing or misplaced control or data
 * member, a control member that does not decompress (or whose compression
 * is not the one its name says), no control file in it, a control file
 * that does not parse, lacks Package, Version or Architecture, or holds an
 * invalid package name, architecture or version (jp_deb_version_check()).
 *
 * Safe to call from several threads at once.
 */
int jp_debpkg_read(struct jp_ctx *ctx, const char *path, const char *relpath,
    struct jp_pkg **out);

/*
 * Check a package name and an architecture name with dpkg's rules
 * (pkg_name_is_illegal() and dpkg_arch_name_is_illegal() in lib/dpkg/):
 * a name starts with a letter or digit and holds only letters, digits and
 * "-+._"; an architecture starts with a letter or digit and holds only
 * letters, digits and '-' ("any" and "source" are not architectures of a
 * binary package).  Return NULL when valid, else a static message.
 */
const char *jp_debpkg_name_check(const char *name);
const char *jp_debpkg_arch_check(const char *arch);

#endif
