/* cache.c: the build cache in SQLite. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "ctx.h"
#include "fsutil.h"
#include "pkg.h"

/* Bump when the schema or the record blob changes: old caches are dropped. */
#define JP_CACHE_SCHEMA 1

struct jp_cache {
	sqlite3 *db;
	sqlite3_stmt *get;
	sqlite3_stmt *put;
	sqlite3_stmt *restat;
	sqlite3_stmt *keep;
	char *path;
	int in_txn;
};

static const char jp_cache_schema_sql[] =
	"CREATE TABLE IF NOT EXISTS pkg ("
	"  path TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  ctime_ns INTEGER NOT NULL,"
	"  ino INTEGER NOT NULL,"
	"  record BLOB NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;";

static int
jp_cache_try_open(struct jp_ctx *ctx, const char *path, sqlite3 **out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int version = -1, rc;

	*out = NULL;
	rc = sqlite3_open_v2(path, &db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		goto bad;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		goto bad;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version == 0) {
		char sql[64];

		if (sqlite3_exec(db, jp_cache_schema_sql, NULL, NULL, NULL) != SQLITE_OK)
			goto bad;
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", JP_CACHE_SCHEMA);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			goto bad;
	} else if (version != JP_CACHE_SCHEMA) {
		goto bad;
	}
	/* Quick sanity check that the tables are readable. */
	if (sqlite3_exec(db, "SELECT count(*) FROM pkg; SELECT count(*) FROM meta",
	    NULL, NULL, NULL) != SQLITE_OK)
		goto bad;
	*out = db;
	return 0;
bad:
	jp_debug(ctx, "cache '%s': %s", path, db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return JP_ERR;
}

int
jp_cache_open(struct jp_ctx *ctx, const char *path, struct jp_cache **out)
{
	struct jp_cache *c;
	sqlite3 *db;

	*out = NULL;
	if (jp_cache_try_open(ctx, path, &db) < 0) {
		/* Not a usable cache: it holds nothing that cannot be rebuilt. */
		jp_warn(ctx, "cache '%s' is unusable; starting a new one", path);
		if (!strcmp(path, ":memory:"))
			return jp_error_set(ctx, JP_ERR, "cannot create an in-memory cache");
		if (unlink(path) < 0 && errno != ENOENT)
			return jp_error_errno(ctx, errno, "cannot remove '%s'", path);
		{
			char *j = jp_xasprintf("%s-journal", path);
			char *w = jp_xasprintf("%s-wal", path);

			unlink(j);
			unlink(w);
			free(j);
			free(w);
		}
		if (jp_cache_try_open(ctx, path, &db) < 0)
			return jp_error_set(ctx, JP_ERR, "cannot create cache '%s'", path);
	}
	c = jp_xcalloc(1, sizeof(*c));
	c->db = db;
	c->path = jp_xstrdup(path);
	if (sqlite3_prepare_v2(db,
	    "SELECT size, mtime_ns, ctime_ns, ino, record FROM pkg WHERE path = ?1",
	    -1, &c->get, NULL) != SQLITE_OK) {
		jp_error_set(ctx, JP_ERR, "cache '%s': %s", path, sqlite3_errmsg(db));
		jp_cache_close(c);
		return JP_ERR;
	}
	*out = c;
	return 0;
}

void
jp_cache_close(struct jp_cache *c)
{
	if (!c)
		return;
	if (c->in_txn)
		jp_cache_rollback(c);
	sqlite3_finalize(c->get);
	sqlite3_finalize(c->put);
	sqlite3_finalize(c->restat);
	sqlite3_finalize(c->keep);
	sqlite3_close(c->db);
	free(c->path);
	free(c);
}

static struct jp_pkg *
jp_cache_find(struct jp_cache *c, const struct jp_walk_entry *e, int *verify,
    int identity_only)
{
	struct jp_pkg *pkg = NULL;

	*verify = 0;
	sqlite3_reset(c->get);
	sqlite3_bind_text(c->get, 1, e->rel, -1, SQLITE_STATIC);
	if (sqlite3_step(c->get) == SQLITE_ROW &&
	    (uint64_t)sqlite3_column_int64(c->get, 0) == e->size &&
	    sqlite3_column_int64(c->get, 1) == e->mtime_ns &&
	    (uint64_t)sqlite3_column_int64(c->get, 3) == e->ino) {
		*verify = sqlite3_column_int64(c->get, 2) != e->ctime_ns;
		const void *blob = sqlite3_column_blob(c->get, 4);
		int len = sqlite3_column_bytes(c->get, 4);

		if (blob && len > 0)
			pkg = identity_only ?
			    jp_pkg_deserialize_identity(blob, (size_t)len) :
			    jp_pkg_deserialize(blob, (size_t)len);
		/* The record must describe this very file. */
		if (pkg && (!pkg->location || strcmp(pkg->location, e->rel) ||
		    pkg->file_size != e->size)) {
			jp_pkg_free(pkg);
			pkg = NULL;
		}
	}
	sqlite3_reset(c->get);
	sqlite3_clear_bindings(c->get);
	return pkg;
}

struct jp_pkg *
jp_cache_lookup(struct jp_cache *c, const struct jp_walk_entry *e, int *verify)
{
	return jp_cache_find(c, e, verify, 0);
}

struct jp_pkg *
jp_cache_lookup_identity(struct jp_cache *c, const struct jp_walk_entry *e,
    int *verify)
{
	return jp_cache_find(c, e, verify, 1);
}

int
jp_cache_store(struct jp_ctx *ctx, struct jp_cache *c,
    const struct jp_walk_entry *entries, struct jp_pkg *const *pkgs,
    const unsigned char *from_cache, size_t n, size_t *removed)
{
	size_t i;

	if (removed)
		*removed = 0;
	if (jp_cache_begin(ctx, c) < 0)
		return JP_ERR;
	for (i = 0; i < n; i++) {
		unsigned char *blob;
		size_t len;
		int rc;

		if (!pkgs[i])
			continue;
		if (jp_cache_keep(ctx, c, entries[i].rel) < 0)
			goto bad;
		if (from_cache && from_cache[i])
			continue;
		jp_pkg_serialize(pkgs[i], &blob, &len);
		rc = jp_cache_put(ctx, c, &entries[i], blob, len);
		free(blob);
		if (rc < 0)
			goto bad;
	}
	return jp_cache_commit(ctx, c, removed);
bad:
	jp_cache_rollback(c);
	return JP_ERR;
}

char *
jp_cache_meta_get(struct jp_cache *c, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;

	if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = ?1", -1,
	    &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = jp_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

int
jp_cache_meta_set(struct jp_ctx *ctx, struct jp_cache *c, const char *key,
    const char *value)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(c->db,
	    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", -1, &st,
	    NULL) != SQLITE_OK)
		return jp_error_set(ctx, JP_ERR, "cannot update cache '%s': %s",
		    c->path, sqlite3_errmsg(c->db));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = jp_error_set(ctx, JP_ERR, "cannot update cache '%s': %s",
		    c->path, sqlite3_errmsg(c->db));
	sqlite3_finalize(st);
	return rc;
}

static int
jp_cache_fail(struct jp_ctx *ctx, struct jp_cache *c, const char *what)
{
	return jp_error_set(ctx, JP_ERR, "cannot %s cache '%s': %s", what,
	    c->path, sqlite3_errmsg(c->db));
}

int
jp_cache_begin(struct jp_ctx *ctx, struct jp_cache *c)
{
	if (c->in_txn)
		return 0;
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE; "
	    "CREATE TEMP TABLE IF NOT EXISTS keep (path TEXT PRIMARY KEY) WITHOUT ROWID; "
	    "DELETE FROM keep", NULL, NULL, NULL) != SQLITE_OK)
		return jp_cache_fail(ctx, c, "update");
	c->in_txn = 1;
	if ((!c->put && sqlite3_prepare_v2(c->db,
	    "INSERT OR REPLACE INTO pkg (path, size, mtime_ns, ctime_ns, ino, record) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &c->put, NULL) != SQLITE_OK) ||
	    (!c->restat && sqlite3_prepare_v2(c->db,
	    "UPDATE pkg SET size = ?2, mtime_ns = ?3, ctime_ns = ?4, ino = ?5 "
	    "WHERE path = ?1", -1, &c->restat, NULL) != SQLITE_OK) ||
	    (!c->keep && sqlite3_prepare_v2(c->db,
	    "INSERT OR IGNORE INTO keep (path) VALUES (?1)", -1, &c->keep,
	    NULL) != SQLITE_OK)) {
		jp_cache_fail(ctx, c, "update");
		jp_cache_rollback(c);
		return JP_ERR;
	}
	return 0;
}

static void
jp_cache_bind_stat(sqlite3_stmt *st, const struct jp_walk_entry *e)
{
	sqlite3_bind_text(st, 1, e->rel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->size);
	sqlite3_bind_int64(st, 3, e->mtime_ns);
	sqlite3_bind_int64(st, 4, e->ctime_ns);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)e->ino);
}

int
jp_cache_put(struct jp_ctx *ctx, struct jp_cache *c,
    const struct jp_walk_entry *e, const unsigned char *blob, size_t len)
{
	int rc;

	jp_cache_bind_stat(c->put, e);
	sqlite3_bind_blob(c->put, 6, blob, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(c->put);
	sqlite3_reset(c->put);
	sqlite3_clear_bindings(c->put);
	return rc == SQLITE_DONE ? 0 : jp_cache_fail(ctx, c, "update");
}

int
jp_cache_restat(struct jp_ctx *ctx, struct jp_cache *c,
    const struct jp_walk_entry *e)
{
	int rc;

	jp_cache_bind_stat(c->restat, e);
	rc = sqlite3_step(c->restat);
	sqlite3_reset(c->restat);
	sqlite3_clear_bindings(c->restat);
	return rc == SQLITE_DONE ? 0 : jp_cache_fail(ctx, c, "update");
}

int
jp_cache_keep(struct jp_ctx *ctx, struct jp_cache *c, const char *rel)
{
	int rc;

	sqlite3_bind_text(c->keep, 1, rel, -1, SQLITE_STATIC);
	rc = sqlite3_step(c->keep);
	sqlite3_reset(c->keep);
	sqlite3_clear_bindings(c->keep);
	return rc == SQLITE_DONE ? 0 : jp_cache_fail(ctx, c, "update");
}

int
jp_cache_commit(struct jp_ctx *ctx, struct jp_cache *c, size_t *removed)
{
	if (removed)
		*removed = 0;
	if (!c->in_txn)
		return 0;
	if (sqlite3_exec(c->db,
	    "DELETE FROM pkg WHERE path NOT IN (SELECT path FROM keep)",
	    NULL, NULL, NULL) != SQLITE_OK)
		goto bad;
	if (removed)
		*removed = (size_t)sqlite3_changes(c->db);
	if (sqlite3_exec(c->db, "DELETE FROM keep; COMMIT", NULL, NULL, NULL)
	    != SQLITE_OK)
		goto bad;
	c->in_txn = 0;
	return 0;
bad:
	jp_cache_fail(ctx, c, "update");
	jp_cache_rollback(c);
	return JP_ERR;
}

void
jp_cache_rollback(struct jp_cache *c)
{
	if (c->in_txn)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	c->in_txn = 0;
}
