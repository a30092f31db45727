/*
 * bundle.h: bundles for portable media (jprepo-bundle(5)): export of
 * repositories into signed, size-limited tar volumes, and their
 * verification and atomic import into a store.
 *
 * Nothing here prints but the progress line; failures are recorded on the
 * context.  Functions return 0, or JP_ERR (nothing was changed: no bundle
 * written, the store as it was), or JP_ERR_BUSY (a lock is held).
 */
#ifndef JP_BUNDLE_H
#define JP_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

struct jp_ctx;

/* 4 GiB - 1 MiB: a volume fits FAT32's limit of 4 GiB - 1 bytes a file. */
#define JP_BUNDLE_DEFAULT_VOLSIZE (4294967296ULL - 1048576ULL)
#define JP_BUNDLE_MIN_VOLSIZE (64ULL * 1024)
#define JP_FAT32_MAX_FILE 4294967295ULL

/* A file a merge bundle carries (export --request). */
struct jp_export_file {
	const char *repo;          /* the repository's directory name */
	const char *rel;           /* where it lands in the repository */
	const char *src;           /* where it is read from; NULL: REPO/rel */
};

struct jp_export_opts {
	const char *outdir;
	const char *key_pem, *cert_pem;
	const char *since;         /* MANIFEST of the base bundle, or NULL */
	const char *store_name;    /* NULL: the repositories' parent's name */
	uint64_t volume_size;
	int readback;              /* read the volumes back and check them */
	int wait_secs;             /* for the repositories' locks; -1 forever */
	/* a merge bundle: just these files, to be added on import */
	const struct jp_export_file *only;
	size_t nonly;
	int merge;
};

struct jp_bundle_stats {
	char bundle[JP_BUNDLE_IDLEN + 1];
	char store[256];
	uint64_t sequence, base_sequence;
	int incremental;
	int merge;
	size_t nrepos, nvols;
	size_t carried, copied, kept, deleted;
	uint64_t carried_bytes, volume_bytes;
};

/*
 * Export the repositories repos[0..n) (directories in one parent, the
 * store) as a bundle into o->outdir, signed with o->key_pem/o->cert_pem.
 * Records the export in PARENT/.jprepo/exports.sqlite.
 */
int jp_bundle_export(struct jp_ctx *ctx, char *const *repos, size_t n,
    const struct jp_export_opts *o, struct jp_bundle_stats *st);

/*
 * Check MANIFEST.sig against trust_pem (skipped when trust_pem is NULL)
 * and read the MANIFEST of the bundle in dir.  *signer gets the signer's
 * subject when not NULL.
 */
int jp_bundle_open(struct jp_ctx *ctx, const char *dir, const char *trust_pem,
    struct jp_manifest *mf, char *signer, size_t signer_len);

/*
 * Check everything an import checks without writing anything: the
 * signature, the manifest, every volume and file; when store is not NULL
 * also the sequence against the store's imports and the kept files.
 */
int jp_bundle_verify(struct jp_ctx *ctx, const char *dir,
    const char *trust_pem, const char *store, struct jp_bundle_stats *st);

/*
 * Import the bundle in dir into the store directory: verified completely
 * into a staging directory inside the store, then committed repository by
 * repository with renames and recorded in STORE/.jprepo/imports.sqlite.
 * An import interrupted earlier is completed or cleared first.  A merge
 * bundle (export --request) adds its packages to copies of the store's
 * repositories, which are rebuilt, signed with sign->key, and committed
 * the same way; a signed repository needs sign->key.
 */
/* Signing for the repositories a merge bundle adds packages to. */
struct jp_import_sign {
	const char *key;           /* KEYID; NULL: rebuild unsigned */
	const char *homedir;       /* GnuPG home, NULL: the default */
	const char *passphrase_file;
};

int jp_bundle_import(struct jp_ctx *ctx, const char *dir,
    const char *trust_pem, const char *store, int wait_secs,
    const struct jp_import_sign *sign, struct jp_bundle_stats *st);

/* Fill st from a parsed manifest. */
void jp_bundle_stats_of(const struct jp_manifest *mf,
    struct jp_bundle_stats *st);

/*
 * Parse a size: digits with an optional K, M, G or T suffix (powers of
 * 1024; "KB" and "KiB" mean the same).  -1 when it is not one.
 */
int jp_parse_size(const char *s, uint64_t *out);

#endif /* JP_BUNDLE_H */
