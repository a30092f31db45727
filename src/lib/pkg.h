/*
 * pkg.h: one package record, whatever its format.
 *
 * Readers (rpmpkg, debpkg, the metadata readers) fill a struct jp_pkg;
 * writers (rpmmd, aptmd) consume it.  Every string is owned by the record
 * and freed by jp_pkg_free().  Absent optional strings are NULL.
 *
 * The record also round-trips through a flat byte blob, which is how the
 * build cache stores it (jp_pkg_serialize / jp_pkg_deserialize).
 */
#ifndef JP_PKG_H
#define JP_PKG_H

#include <stddef.h>
#include <stdint.h>

enum jp_pkg_format {
	JP_PKG_RPM = 1,
	JP_PKG_DEB = 2,
};

/* Dependency kinds, in the order RPM-MD's primary lists them. */
enum jp_dep_kind {
	JP_DEP_PROVIDES = 0,
	JP_DEP_REQUIRES,
	JP_DEP_CONFLICTS,
	JP_DEP_OBSOLETES,
	JP_DEP_SUGGESTS,
	JP_DEP_ENHANCES,
	JP_DEP_RECOMMENDS,
	JP_DEP_SUPPLEMENTS,
	JP_DEP_NKINDS
};

/* Comparison flags of a dependency (RPM-MD's flags="..." attribute). */
enum jp_dep_flag {
	JP_DEP_ANY = 0, /* no version given */
	JP_DEP_LT,
	JP_DEP_LE,
	JP_DEP_EQ,
	JP_DEP_GE,
	JP_DEP_GT,
};

struct jp_dep {
	char *name;
	int flag;        /* enum jp_dep_flag */
	char *epoch;     /* NULL when no version or no epoch given */
	char *version;   /* NULL when no version */
	char *release;   /* NULL when none */
	int pre;         /* requires(pre) / prereq */
};

enum jp_file_type {
	JP_FILE_REG = 0,
	JP_FILE_DIR = 1,
	JP_FILE_GHOST = 2,
};

struct jp_file {
	char *path;
	int type;        /* enum jp_file_type */
};

struct jp_changelog {
	char *author;
	int64_t date;
	char *text;
};

/* One control field of a .deb, in the package's own order. */
struct jp_field {
	char *name;
	char *value;     /* without the leading space; continuation lines kept */
};

struct jp_pkg {
	int format;              /* enum jp_pkg_format */

	/* identity */
	char *name;
	char *arch;
	char *epoch;             /* decimal string; "0" when the package has none */
	char *version;
	char *release;           /* rpm release; NULL for deb */
	int is_source;           /* a source package (.src.rpm) */

	/* where it is, relative to the repository root, and its digests (hex) */
	char *location;
	uint64_t file_size;      /* size of the package file */
	char sha256[65];
	char sha1[41];
	char md5[33];
	char sha512[129];

	/* descriptive (rpm) */
	char *summary;
	char *description;
	char *packager;
	char *url;
	char *license;
	char *vendor;
	char *group;
	char *buildhost;
	char *sourcerpm;
	int64_t time_file;       /* mtime of the package file */
	int64_t time_build;
	uint64_t size_installed;
	uint64_t size_archive;
	uint64_t header_start;   /* byte range of the rpm header */
	uint64_t header_end;

	struct jp_dep *deps[JP_DEP_NKINDS];
	size_t ndeps[JP_DEP_NKINDS];

	struct jp_file *files;
	size_t nfiles;

	struct jp_changelog *changelogs;
	size_t nchangelogs;

	/* control fields (deb), in the order of the package's control file */
	struct jp_field *fields;
	size_t nfields;
};

/* --- lifetime --- */
struct jp_pkg *jp_pkg_new(int format);
void jp_pkg_free(struct jp_pkg *pkg);

/* --- building a record --- */
struct jp_dep *jp_pkg_add_dep(struct jp_pkg *pkg, int kind);
struct jp_file *jp_pkg_add_file(struct jp_pkg *pkg, const char *path, int type);
struct jp_changelog *jp_pkg_add_changelog(struct jp_pkg *pkg,
    const char *author, int64_t date, const char *text);
struct jp_field *jp_pkg_add_field(struct jp_pkg *pkg, const char *name,
    const char *value);
const char *jp_pkg_field(const struct jp_pkg *pkg, const char *name);

/*
 * A new record with only the identity of pkg: format, name, arch, epoch,
 * version, release, is_source, location and sha256.  Enough to name,
 * order and match a package while its full record is stored elsewhere.
 */
struct jp_pkg *jp_pkg_identity(const struct jp_pkg *pkg);

/* --- naming --- */
/*
 * Write "name-[epoch:]version-release.arch" (rpm) or "name_version_arch"
 * (deb) into buf.  Returns the length, or -1 when buf is too small.
 */
int jp_pkg_nevra(const struct jp_pkg *pkg, char *buf, size_t size);

/* Order records by name, arch, then version (newest last), then location. */
int jp_pkg_cmp(const struct jp_pkg *a, const struct jp_pkg *b);

/* --- the cache's blob form --- */
/* Returns a malloc'd blob in *out and its length in *len. */
void jp_pkg_serialize(const struct jp_pkg *pkg, unsigned char **out, size_t *len);
/* Returns a new record, or NULL when the blob is malformed. */
struct jp_pkg *jp_pkg_deserialize(const unsigned char *blob, size_t len);
/* Only the identity fields (as jp_pkg_identity), read from a blob's head. */
struct jp_pkg *jp_pkg_deserialize_identity(const unsigned char *blob, size_t len);

#endif
