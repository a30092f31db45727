/*
 * cache.h: the build cache, REPO/.jprepo/cache.sqlite.
 *
 * Maps a package file's path relative to the repository, with the size,
 * mtime, ctime and inode it had when read, to its package record (the blob
 * form of pkg.h).  A lookup hits when all four still match; when only the
 * ctime changed, the caller checks the content's sha256 (a file rewritten
 * in place with its mtime restored is caught that way, while a file whose
 * metadata alone changed is not parsed again).
 * The cache also remembers the fingerprint of the last published build so
 * that a build with nothing changed can stop early.
 *
 * The cache is never required: a missing, corrupt or foreign-version file
 * is deleted and rebuilt, and deleting it changes only speed.  A path of
 * ":memory:" gives a cache that lives only as long as the process, for
 * repositories whose cache cannot be written.
 */
#ifndef JP_CACHE_H
#define JP_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;
struct jp_pkg;
struct jp_walk_entry;
struct jp_cache;

/* --- lifetime --- */
/*
 * Open (creating) the cache at path.  A file that is not a usable cache is
 * replaced with a warning.  Returns 0 and *out, or a negative code.
 */
int jp_cache_open(struct jp_ctx *ctx, const char *path, struct jp_cache **out);
void jp_cache_close(struct jp_cache *c);

/* --- records --- */
/*
 * Returns a new record when the entry's size, mtime and inode match, else
 * NULL.  *verify is set when only the ctime differs: something touched the
 * file's inode (chmod, extended attributes, as dnf's librepo writes on
 * file:// repositories) or rewrote it in place with its mtime restored.
 * The caller must then compare the file's sha256 with the record's before
 * trusting it.
 */
struct jp_pkg *jp_cache_lookup(struct jp_cache *c, const struct jp_walk_entry *e,
    int *verify);
/* The same, but the record holds only the identity fields (pkg.h). */
struct jp_pkg *jp_cache_lookup_identity(struct jp_cache *c,
    const struct jp_walk_entry *e, int *verify);
/*
 * Replace the cache's content in one transaction: exactly the entries
 * given, each with its record (NULL records are skipped).  Records that
 * came from the cache (from_cache[i] set) are left as they are.  *removed
 * gets the number of entries dropped because their files are gone.
 */
int jp_cache_store(struct jp_ctx *ctx, struct jp_cache *c,
    const struct jp_walk_entry *entries, struct jp_pkg *const *pkgs,
    const unsigned char *from_cache, size_t n, size_t *removed);

/* --- one build as one transaction --- */
/*
 * A build opens a transaction, stores records as packages are read (so
 * that they need not stay in memory), reads them back in order while
 * writing metadata, and commits only once the metadata is published; a
 * failed build rolls back and leaves the cache as it was.
 */
int jp_cache_begin(struct jp_ctx *ctx, struct jp_cache *c);
/* Store a record blob (pkg.h's form) for the entry, with its stat data. */
int jp_cache_put(struct jp_ctx *ctx, struct jp_cache *c,
    const struct jp_walk_entry *e, const unsigned char *blob, size_t len);
/* Record the entry's current stat data (its content was checked). */
int jp_cache_restat(struct jp_ctx *ctx, struct jp_cache *c,
    const struct jp_walk_entry *e);
/* The entry is still in the repository: keep it at commit. */
int jp_cache_keep(struct jp_ctx *ctx, struct jp_cache *c, const char *rel);
/* Drop every entry not kept, commit; *removed gets how many were dropped. */
int jp_cache_commit(struct jp_ctx *ctx, struct jp_cache *c, size_t *removed);
void jp_cache_rollback(struct jp_cache *c);

/* --- the last published build --- */
/* Value for key or NULL (caller frees). */
char *jp_cache_meta_get(struct jp_cache *c, const char *key);
int jp_cache_meta_set(struct jp_ctx *ctx, struct jp_cache *c, const char *key,
    const char *value);

#endif
