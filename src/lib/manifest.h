/*
 * manifest.h: a bundle's MANIFEST (jprepo-bundle(5), format version 1):
 * reading it with every rule checked, and writing it.
 *
 * The MANIFEST is the only thing a bundle signs, so the parser trusts
 * nothing in it: names of volumes and paths of files are checked to be
 * safe before anyone opens them, and the layout of parts in volumes is
 * checked to be consistent (in order, no overlap, sizes adding up).
 */
#ifndef JP_MANIFEST_H
#define JP_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;

#define JP_MANIFEST_VERSION 1
#define JP_BUNDLE_IDLEN 32     /* hex digits of a bundle or store id */

enum jp_mf_kind {
	JP_MF_FILE,    /* carried in the volumes */
	JP_MF_COPY,    /* same content as a carried or kept file */
	JP_MF_KEEP,    /* unchanged since the base bundle; not carried */
};

struct jp_mf_part {
	uint32_t volume;       /* 1-based */
	uint64_t offset;       /* of the part's data in the volume file */
	uint64_t length;
};

struct jp_mf_entry {
	int kind;              /* enum jp_mf_kind */
	unsigned char sha256[32];
	uint64_t size;
	char *path;            /* "REPO/path/in/repo" */
	size_t repo;           /* index into repos */
	size_t part0, nparts;  /* into parts; JP_MF_FILE only */
};

struct jp_mf_repo {
	char *name;
	char *type;            /* "rpm-md" or "apt" */
};

struct jp_mf_volume {
	uint32_t number;
	char *name;            /* "vol-0001.tar" */
	uint64_t size;
	unsigned char frame[32];   /* sha256 over the bytes outside the parts */
};

struct jp_manifest {
	char bundle[JP_BUNDLE_IDLEN + 1];
	char *store;
	char store_id[JP_BUNDLE_IDLEN + 1];
	uint64_t sequence;
	int incremental;
	char base[JP_BUNDLE_IDLEN + 1];    /* incremental only */
	uint64_t base_sequence;
	char created[21];                  /* YYYY-MM-DDTHH:MM:SSZ */
	int merge;                         /* adds packages (export --request) */
	struct jp_mf_repo *repos;
	size_t nrepos;
	struct jp_mf_volume *vols;
	size_t nvols;
	struct jp_mf_entry *ents;          /* sorted by path */
	size_t nents, cents;
	struct jp_mf_part *parts;
	size_t nparts, cparts;
	char **deletes;                    /* sorted */
	size_t ndeletes, cdeletes;
};

/*
 * Parse MANIFEST text; name is used in messages ("MANIFEST line 7: ...").
 * Every rule of jprepo-bundle(5) is checked; on failure the manifest is
 * released and a message names the line and the problem.
 */
int jp_manifest_parse(struct jp_ctx *ctx, const char *name, const char *data,
    size_t len, struct jp_manifest *mf);

/* Read and parse the file at path. */
int jp_manifest_read(struct jp_ctx *ctx, const char *path,
    struct jp_manifest *mf);

/*
 * The text of mf (which must satisfy the rules the parser checks);
 * malloc'd, its length in *len.
 */
char *jp_manifest_format(const struct jp_manifest *mf, size_t *len);

/* Free everything mf holds and zero it. */
void jp_manifest_release(struct jp_manifest *mf);

/*
 * Nonzero when rel is a safe relative path: not empty, no leading or
 * trailing '/', no empty, "." or ".." component, none that starts with
 * ".jprepo" (jprepo's own files), no control character, at most 4095
 * bytes.
 */
int jp_manifest_path_ok(const char *rel);

/* Index of the entry with this path, or -1 (binary search). */
long jp_manifest_find(const struct jp_manifest *mf, const char *path);

/* Append helpers for writers; the arrays grow as needed. */
struct jp_mf_entry *jp_manifest_add_entry(struct jp_manifest *mf, int kind,
    const char *path, uint64_t size, const unsigned char sha256[32]);
struct jp_mf_part *jp_manifest_add_part(struct jp_manifest *mf,
    struct jp_mf_entry *e, uint32_t volume, uint64_t offset, uint64_t length);
void jp_manifest_add_delete(struct jp_manifest *mf, const char *path);

/* Lowercase hex of n bytes into out (2n+1 bytes); parse it back. */
void jp_hex(const unsigned char *in, size_t n, char *out);
int jp_unhex(const char *in, size_t n, unsigned char *out);

#endif /* JP_MANIFEST_H */
