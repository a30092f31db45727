/* repobuild.c: the build pipeline of RPM-MD and APT repositories. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "advisory.h"
#include "aptmd.h"
#include "cache.h"
#include "ctx.h"
#include "deb822.h"
#include "debpkg.h"
#include "debsec.h"
#include "digest.h"
#include "fsutil.h"
#include "pgp.h"
#include "pkg.h"
#include "progress.h"
#include "repobuild.h"
#include "rpmmd.h"
#include "rpmpkg.h"
#include "strnum.h"

#define JP_BUILD_STATE_DIR ".jprepo"
#define JP_BUILD_TMP_PREFIX ".repodata.jprepo-"   /* in REPO */
#define JP_BUILD_APT_TMP_PREFIX ".jprepo-"         /* in REPO/dists */
#define JP_BUILD_DEFAULT_SUITE "stable"

static int
jp_is_deb(const char *rel)
{
	size_t n = strlen(rel);

	return n > 4 && !strcmp(rel + n - 4, ".deb");
}

/*
 * One package file and what became of it.  Records do not stay in memory:
 * a package read is turned into its cache blob at once, stored in the
 * cache's open transaction, and read back one at a time when metadata is
 * written.  What stays is the identity (name, arch, EVR) that duplicates,
 * advisories and the listing need.
 */
struct jp_item {
	const struct jp_walk_entry *entry;
	struct jp_pkg *id;        /* identity only (jp_pkg_identity) */
	unsigned char *blob;      /* a record read, until stored in the cache */
	size_t bloblen;
	char *error;              /* why it could not be read */
	char sha256[65];          /* of a cached record, for the ctime check */
	unsigned char from_cache;
	unsigned char verify;     /* cached, but ctime changed: check sha256 */
	unsigned char verified;   /* ... and the content was the same */
	unsigned char duplicate;  /* same NEVRA as an earlier path: left out */
};

struct jp_pool {
	struct jp_ctx *ctx;
	const char *repo;
	struct jp_item *items;
	size_t *pending;             /* indexes of items to read */
	size_t npending;
	atomic_size_t next;
	struct jp_progress *progress;
	/* finished items, handed to the main thread for the cache */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t *done;
	size_t ndone;             /* pushed by workers */
	size_t taken;             /* popped by the main thread */
};

/* Whether the file at path still has the given sha256. */
static int
jp_same_content(struct jp_ctx *ctx, const char *path, const char *sha256)
{
	struct jp_digest d;
	int fd, same = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (jp_digest_init(&d, JP_DIGEST_SHA256) == 0) {
		if (jp_digest_fd(ctx, fd, path, &d) == 0) {
			jp_digest_final(&d);
			same = !strcmp(jp_digest_hex(&d, JP_DIGEST_SHA256), sha256);
		}
		jp_digest_release(&d);
	}
	close(fd);
	return same;
}

/* Read (or check) one item on a worker thread. */
static void
jp_item_process(struct jp_ctx *wctx, const char *repo, struct jp_item *it)
{
	char *path = jp_path_join(repo, it->entry->rel);
	struct jp_pkg *pkg = NULL;

	jp_error_clear(wctx);
	if (it->verify) {
		if (jp_same_content(wctx, path, it->sha256)) {
			jp_debug(wctx, "'%s' unchanged (sha256 checked)", it->entry->rel);
			it->verified = 1;
			free(path);
			return;
		}
		jp_pkg_free(it->id);
		it->id = NULL;
		it->from_cache = 0;
		it->verify = 0;
	}
	jp_verbose(wctx, "reading '%s'", it->entry->rel);
	if ((jp_is_deb(it->entry->rel) ?
	    jp_debpkg_read(wctx, path, it->entry->rel, &pkg) :
	    jp_rpmpkg_read(wctx, path, it->entry->rel, &pkg)) < 0) {
		it->error = jp_xstrdup(jp_error_msg(wctx));
	} else {
		jp_pkg_serialize(pkg, &it->blob, &it->bloblen);
		it->id = jp_pkg_identity(pkg);
		jp_pkg_free(pkg);
	}
	free(path);
}

static void *
jp_pool_worker(void *arg)
{
	struct jp_pool *pool = arg;
	struct jp_ctx wctx = *pool->ctx;   /* own error slot per thread */
	size_t k;

	while ((k = atomic_fetch_add(&pool->next, 1)) < pool->npending) {
		struct jp_item *it = &pool->items[pool->pending[k]];

		jp_item_process(&wctx, pool->repo, it);
		jp_progress_add(pool->progress, 1, it->entry->size);
		pthread_mutex_lock(&pool->lock);
		pool->done[pool->ndone++] = pool->pending[k];
		pthread_cond_signal(&pool->cond);
		pthread_mutex_unlock(&pool->lock);
	}
	return NULL;
}

/*
 * Store what a worker finished into the cache's transaction.  A failure
 * of the cache is an error of the build: the metadata is written from it.
 */
static int
jp_item_store(struct jp_ctx *ctx, struct jp_cache *cache, struct jp_item *it)
{
	int rc = 0;

	if (it->blob) {
		rc = jp_cache_put(ctx, cache, it->entry, it->blob, it->bloblen);
		free(it->blob);
		it->blob = NULL;
	} else if (it->verified) {
		rc = jp_cache_restat(ctx, cache, it->entry);
	}
	return rc;
}

/*
 * Load the full records of the listed items back from the cache, in
 * order, and hand them to the writer one at a time (RPM-MD), or collect
 * them (APT, whose records are small: control fields only).
 */
static struct jp_pkg *
jp_item_load(struct jp_ctx *ctx, struct jp_cache *cache, const struct jp_item *it)
{
	struct jp_pkg *pkg;
	int verify;

	pkg = jp_cache_lookup(cache, it->entry, &verify);
	if (!pkg || verify) {
		jp_pkg_free(pkg);
		jp_error_set(ctx, JP_ERR, "cache lost the record of '%s'; "
		    "build again", it->entry->rel);
		return NULL;
	}
	return pkg;
}

/*
 * Writing while reading.  RPM-MD files begin with the number of packages
 * they list, so in general metadata can be written only once every
 * package was read.  In the common case, though, every file found is a
 * good binary package with a NEVRA of its own, and the number is the
 * number of files.  The optimist bets on that: it feeds the writer in
 * path order as packages become ready, overlapping the writing with the
 * reading, and gives up (the build then writes after reading, as always)
 * at the first file that is bad, a source package or a duplicate.
 */
struct jp_optimist {
	int active;
	struct jp_ctx *ctx;
	struct jp_cache *cache;
	struct jp_item *items;
	size_t n, cursor;
	unsigned char *ready;      /* item's record is in the cache */
	struct jp_rpmmd_writer *w;
	char **seen;               /* NEVRAs so far: open addressing */
	size_t seen_cap;
};

static uint64_t
jp_str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Add nevra to the set; returns 0 when it was there already. */
static int
jp_optimist_see(struct jp_optimist *o, const char *nevra)
{
	size_t i = (size_t)jp_str_hash(nevra) & (o->seen_cap - 1);

	while (o->seen[i]) {
		if (!strcmp(o->seen[i], nevra))
			return 0;
		i = (i + 1) & (o->seen_cap - 1);
	}
	o->seen[i] = jp_xstrdup(nevra);
	return 1;
}

static void
jp_optimist_stop(struct jp_optimist *o, const char *why, const char *rel)
{
	if (!o->active)
		return;
	jp_debug(o->ctx, "writing after reading: '%s' %s", rel, why);
	o->active = 0;
	jp_rpmmd_writer_free(o->w);
	o->w = NULL;
}

/* Hand the writer every ready item from the cursor on, in order. */
static void
jp_optimist_advance(struct jp_optimist *o)
{
	while (o && o->active && o->cursor < o->n && o->ready[o->cursor]) {
		struct jp_item *it = &o->items[o->cursor];
		struct jp_pkg *pkg;
		char nevra[4096];

		const char *why = NULL;

		if (it->error || !it->id)
			why = "could not be read";
		else if (it->id->is_source)
			why = "is a source package";
		else if (jp_pkg_nevra(it->id, nevra, sizeof(nevra)) < 0 ||
		    !jp_optimist_see(o, nevra))
			why = "is a duplicate";
		if (why) {
			jp_optimist_stop(o, why, it->entry->rel);
			return;
		}
		pkg = jp_item_load(o->ctx, o->cache, it);
		if (!pkg || jp_rpmmd_writer_add(o->w, pkg) < 0) {
			jp_pkg_free(pkg);
			jp_error_clear(o->ctx);
			jp_optimist_stop(o, "could not be written", it->entry->rel);
			return;
		}
		jp_pkg_free(pkg);
		o->cursor++;
	}
}

static void
jp_optimist_release(struct jp_optimist *o)
{
	size_t i;

	jp_rpmmd_writer_free(o->w);
	for (i = 0; i < o->seen_cap; i++)
		free(o->seen[i]);
	free(o->seen);
	free(o->ready);
	memset(o, 0, sizeof(*o));
}

/*
 * Read every item that the cache did not have (and check those whose
 * ctime changed) on `jobs` worker threads, while this thread stores the
 * results in the cache as they come.
 */
static int
jp_read_packages(struct jp_ctx *ctx, const char *repo, struct jp_item *items,
    size_t n, int jobs, struct jp_cache *cache, struct jp_optimist *opt)
{
	struct jp_progress progress;
	struct jp_pool pool;
	pthread_t *threads;
	size_t i, npending = 0;
	int t, started = 0, rc = 0;

	memset(&pool, 0, sizeof(pool));
	pool.pending = jp_xcalloc(n ? n : 1, sizeof(size_t));
	for (i = 0; i < n; i++)
		if (!items[i].from_cache || items[i].verify)
			pool.pending[npending++] = i;
	if (npending == 0) {
		free(pool.pending);
		return 0;
	}
	/* librpm's configuration is read only when an .rpm must be read. */
	for (i = 0; i < npending; i++) {
		if (!jp_is_deb(items[pool.pending[i]].entry->rel)) {
			if (jp_rpmpkg_global_init(ctx) < 0) {
				free(pool.pending);
				return JP_ERR;
			}
			break;
		}
	}
	pool.ctx = ctx;
	pool.repo = repo;
	pool.items = items;
	pool.npending = npending;
	pool.done = jp_xcalloc(npending, sizeof(size_t));
	atomic_init(&pool.next, 0);
	pthread_mutex_init(&pool.lock, NULL);
	pthread_cond_init(&pool.cond, NULL);
	jp_progress_init(&progress, ctx, "reading packages", npending);
	pool.progress = &progress;
	if ((size_t)jobs > npending)
		jobs = (int)npending;
	threads = jp_xcalloc((size_t)jobs, sizeof(*threads));
	for (t = 0; t < jobs; t++) {
		if (pthread_create(&threads[t], NULL, jp_pool_worker, &pool) != 0)
			break;
		started++;
	}
	if (started == 0)
		jp_pool_worker(&pool);   /* no thread could be made: read here */
	for (;;) {
		size_t k;

		pthread_mutex_lock(&pool.lock);
		while (pool.taken == pool.ndone && pool.ndone < npending)
			pthread_cond_wait(&pool.cond, &pool.lock);
		if (pool.taken == pool.ndone) {
			pthread_mutex_unlock(&pool.lock);
			break;
		}
		k = pool.done[pool.taken++];
		pthread_mutex_unlock(&pool.lock);
		if (rc == 0 && jp_item_store(ctx, cache, &items[k]) < 0)
			rc = JP_ERR;   /* keep draining so the workers can finish */
		if (rc == 0 && opt) {
			opt->ready[k] = 1;
			jp_optimist_advance(opt);
		}
	}
	for (t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	jp_progress_release(&progress);
	pthread_cond_destroy(&pool.cond);
	pthread_mutex_destroy(&pool.lock);
	free(threads);
	free(pool.done);
	free(pool.pending);
	return rc;
}

/* Remove the entries of dir whose names start with prefix. */
static void
jp_remove_prefixed(struct jp_ctx *ctx, const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
			char *p = jp_path_join(dir, de->d_name);

			jp_debug(ctx, "removing leftover '%s'", p);
			if (jp_rm_rf(ctx, p) < 0)
				jp_warn(ctx, "%s", jp_error_msg(ctx));
			free(p);
		}
	}
	closedir(d);
}

/* Remove what interrupted builds left behind: temporary metadata trees. */
static void
jp_clean_leftovers(struct jp_ctx *ctx, const char *repo)
{
	char *dists = jp_path_join(repo, "dists");

	jp_remove_prefixed(ctx, repo, JP_BUILD_TMP_PREFIX);
	jp_remove_prefixed(ctx, dists, JP_BUILD_APT_TMP_PREFIX);
	free(dists);
}

/*
 * The fingerprint of a build's input: options, advisory files and the
 * stat data of every package file.  Equal fingerprints and an intact
 * published repomd.xml mean the metadata is already what this build
 * would write.
 */
static int
jp_build_fingerprint(struct jp_ctx *ctx, const struct jp_build_opts *opts,
    int format, const struct jp_walk *w, char out[65])
{
	struct jp_digest d;
	char line[512];
	size_t i;

	if (jp_digest_init(&d, JP_DIGEST_SHA256) < 0)
		return jp_error_set(ctx, JP_ERR, "cannot initialise sha256");
	snprintf(line, sizeof(line), "jprepo-build 3 format=%d compress=%d "
	    "valid-for=%d sign=%s\n", format, opts->compress,
	    opts->valid_for_days, opts->sign_key ? opts->sign_key : "-");
	jp_digest_update(&d, line, strlen(line));
	{
		/* APT's names, each ended by a NUL so that no two lists collide */
		/* defaults resolved, so that giving one explicitly is no change */
		const char *suite = opts->suite ? opts->suite : JP_BUILD_DEFAULT_SUITE;
		const char *names[] = { suite,
		    opts->codename ? opts->codename : suite,
		    opts->component ? opts->component : "main",
		    opts->origin, opts->label };
		size_t k;

		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			jp_digest_update(&d, names[k] ? names[k] : "\x01",
			    strlen(names[k] ? names[k] : "\x01") + 1);
	}
	for (i = 0; opts->advisories && opts->advisories[i]; i++) {
		/* read in pieces: the Security Tracker's JSON is ~70 MB */
		struct jp_digest fd_d;
		int fd = open(opts->advisories[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			jp_digest_release(&d);
			return jp_error_errno(ctx, errno, "cannot open '%s'",
			    opts->advisories[i]);
		}
		if (jp_digest_init(&fd_d, JP_DIGEST_SHA256) < 0 ||
		    jp_digest_fd(ctx, fd, opts->advisories[i], &fd_d) < 0) {
			close(fd);
			jp_digest_release(&fd_d);
			jp_digest_release(&d);
			return JP_ERR;
		}
		close(fd);
		jp_digest_final(&fd_d);
		snprintf(line, sizeof(line), "advisories %s\n",
		    jp_digest_hex(&fd_d, JP_DIGEST_SHA256));
		jp_digest_release(&fd_d);
		jp_digest_update(&d, line, strlen(line));
	}
	for (i = 0; i < w->n; i++) {
		const struct jp_walk_entry *e = &w->v[i];

		jp_digest_update(&d, e->rel, strlen(e->rel) + 1);
		snprintf(line, sizeof(line), "%llu %lld %lld %llu\n",
		    (unsigned long long)e->size, (long long)e->mtime_ns,
		    (long long)e->ctime_ns, (unsigned long long)e->ino);
		jp_digest_update(&d, line, strlen(line));
	}
	jp_digest_final(&d);
	memcpy(out, jp_digest_hex(&d, JP_DIGEST_SHA256), 65);
	return 0;
}

/* Whether the file at path has the given sha256 (hex, 64 characters). */
static int
jp_file_has_sha256(struct jp_ctx *ctx, const char *path, const char *hex)
{
	char *buf = NULL;
	size_t len;
	char fhex[65];
	int ok;

	if (jp_file_read(ctx, path, &buf, &len) < 0) {
		jp_error_clear(ctx);
		return 0;
	}
	jp_sha256_hex(buf, len, fhex);
	ok = strncmp(fhex, hex, 64) == 0;
	free(buf);
	return ok;
}

/*
 * Whether dists/SUITE/ still holds what the last build published: every
 * file the Release's SHA256 field lists, with that checksum, and its
 * by-hash copy.  The Release is read with the deb822 reader like every
 * control-style file.
 */
static int
jp_published_intact_apt(struct jp_ctx *ctx, const char *suitedir,
    const char *data, size_t len)
{
	struct jp_deb822_stanza *st = NULL;
	size_t nst = 0;
	const char *v, *p;
	int n = 0, ok = 1;

	if (jp_deb822_parse(ctx, data, len, "Release", 0, &st, &nst) < 0 ||
	    nst != 1 || (v = jp_deb822_get(&st[0], "SHA256")) == NULL) {
		jp_error_clear(ctx);
		jp_deb822_free(st, nst);
		return 0;
	}
	/* after the (empty) first line, one " HEX SIZE PATH" per line */
	for (p = strchr(v, '\n'); ok && p; p = strchr(p + 1, '\n')) {
		const char *nl = strchr(p + 1, '\n');
		char *line = nl ? jp_xstrndup(p + 1, (size_t)(nl - p - 1)) :
		    jp_xstrdup(p + 1);
		char *w[3], *full, *bh;
		const char *slash, *hex, *rel;
		uint64_t size;
		struct stat bst;

		if (jp_strnum_words(line, w, 3) != 3 || strlen(w[0]) != 64 ||
		    jp_strnum_u64(w[1], &size) < 0 ||
		    (full = jp_path_join_safe(ctx, suitedir, w[2])) == NULL) {
			jp_error_clear(ctx);
			free(line);
			ok = 0;
			break;
		}
		hex = w[0];
		rel = w[2];
		ok = jp_file_has_sha256(ctx, full, hex);
		free(full);
		if (ok) {
			/* and its by-hash copy beside it, which apt prefers */
			slash = strrchr(rel, '/');
			bh = jp_xasprintf("%s/%.*s%sby-hash/SHA256/%s", suitedir,
			    slash ? (int)(slash - rel) : 0, rel, slash ? "/" : "",
			    hex);
			ok = stat(bh, &bst) == 0 && S_ISREG(bst.st_mode);
			free(bh);
			n++;
		}
		free(line);
	}
	jp_deb822_free(st, nst);
	return ok && n > 0;
}

/*
 * Whether the published metadata is still what the last build wrote: its
 * top file (repomd.xml or Release) with the recorded sha256, and every
 * file it names present with the sha256 it gives.  Metadata is small next
 * to the packages, so checking it whole costs little and catches a
 * damaged file.
 */
static int
jp_published_intact(struct jp_ctx *ctx, const char *repo, int format,
    const char *suite, const char *want_sha)
{
	char *path, *suitedir = NULL;
	char *data = NULL, *p;
	size_t len;
	char hex[65];
	int ok = 0;

	if (format == JP_REPO_APT) {
		char *rel = jp_xasprintf("dists/%s", suite);

		suitedir = jp_path_join(repo, rel);
		free(rel);
		path = jp_path_join(suitedir, "Release");
	} else {
		path = jp_path_join(repo, "repodata/repomd.xml");
	}
	if (!want_sha || jp_file_read(ctx, path, &data, &len) < 0) {
		jp_error_clear(ctx);
		goto out;
	}
	jp_sha256_hex(data, len, hex);
	if (strcmp(hex, want_sha))
		goto out;
	if (format == JP_REPO_APT) {
		ok = jp_published_intact_apt(ctx, suitedir, data, len);
		goto out;
	}
	ok = 1;
	/* Each <data> has <checksum type="sha256">HEX</checksum> before its location. */
	for (p = data; (p = strstr(p, "<data ")) != NULL; ) {
		char *ck, *loc, *q, *rel, *full;

		p += 6;
		ck = strstr(p, "<checksum type=\"sha256\">");
		loc = strstr(p, "<location href=\"");
		if (!ck || !loc) {
			ok = 0;
			break;
		}
		ck += strlen("<checksum type=\"sha256\">");
		loc += strlen("<location href=\"");
		q = strchr(loc, '"');
		if (!q || strlen(ck) < 64) {
			ok = 0;
			break;
		}
		rel = jp_xstrndup(loc, (size_t)(q - loc));
		full = jp_path_join(repo, rel);
		ok = jp_file_has_sha256(ctx, full, ck);
		free(rel);
		free(full);
		if (!ok)
			break;
	}
out:
	free(data);
	free(path);
	free(suitedir);
	return ok;
}

/*
 * Swap the new metadata tree tmpdir in as dst (both in directory parent).
 * renameat2(RENAME_EXCHANGE) makes the exchange one atomic step, so a
 * client or a crash sees either the old tree or the new one, never
 * neither.
 */
static int
jp_publish(struct jp_ctx *ctx, const char *parent, const char *tmpdir,
    const char *dst)
{
	const char *repo = parent;
	struct stat st;
	int rc = 0;

	if (lstat(dst, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			rc = jp_error_set(ctx, JP_ERR,
			    "'%s' exists and is not a directory", dst);
			goto out;
		}
		if (renameat2(AT_FDCWD, tmpdir, AT_FDCWD, dst, RENAME_EXCHANGE) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot swap '%s' into place", dst);
			goto out;
		}
		/* tmpdir now holds the previous metadata. */
		if (jp_fsync_dir(ctx, repo) < 0)
			jp_warn(ctx, "%s", jp_error_msg(ctx));
		if (jp_rm_rf(ctx, tmpdir) < 0)
			jp_warn(ctx, "%s", jp_error_msg(ctx));
	} else {
		if (rename(tmpdir, dst) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot rename '%s' to '%s'",
			    tmpdir, dst);
			goto out;
		}
		if (jp_fsync_dir(ctx, repo) < 0)
			jp_warn(ctx, "%s", jp_error_msg(ctx));
	}
out:
	return rc;
}

/* Order of items by NEVRA then path, to find duplicates. */
struct jp_nevra_ref {
	char *nevra;
	size_t index;
};

static int
jp_nevra_ref_cmp(const void *a, const void *b)
{
	const struct jp_nevra_ref *x = a, *y = b;
	int c = strcmp(x->nevra, y->nevra);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Mark each item whose NEVRA an earlier path (bytewise order) already has,
 * with a warning.  Source packages are not considered.
 */
static size_t
jp_mark_duplicates(struct jp_ctx *ctx, struct jp_item *items, size_t n)
{
	struct jp_nevra_ref *refs = jp_xcalloc(n ? n : 1, sizeof(*refs));
	size_t i, nrefs = 0, dropped = 0;

	for (i = 0; i < n; i++) {
		char buf[4096];

		if (!items[i].id || items[i].id->is_source)
			continue;
		if (jp_pkg_nevra(items[i].id, buf, sizeof(buf)) < 0)
			continue;
		refs[nrefs].nevra = jp_xstrdup(buf);
		refs[nrefs].index = i;
		nrefs++;
	}
	qsort(refs, nrefs, sizeof(*refs), jp_nevra_ref_cmp);
	for (i = 1; i < nrefs; i++) {
		if (strcmp(refs[i].nevra, refs[i - 1].nevra))
			continue;
		{
			struct jp_item *dup = &items[refs[i].index];
			size_t k = i - 1;

			/* the first kept is the earliest path with this NEVRA */
			while (k > 0 && !strcmp(refs[k - 1].nevra, refs[i].nevra))
				k--;
			jp_warn(ctx, "'%s' duplicates %s of '%s'; left out",
			    dup->entry->rel, refs[i].nevra,
			    items[refs[k].index].entry->rel);
			dup->duplicate = 1;
			dropped++;
		}
	}
	for (i = 0; i < nrefs; i++)
		free(refs[i].nevra);
	free(refs);
	return dropped;
}

/* Options are not remembered: say so when another suite goes stale. */
static void
jp_warn_other_suites(struct jp_ctx *ctx, const char *distsdir, const char *suite)
{
	DIR *d = opendir(distsdir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, suite))
			continue;
		jp_warn(ctx, "'%s/%s' is another suite, not updated by this build "
		    "(--suite %s)", distsdir, de->d_name, suite);
	}
	closedir(d);
}

/*
 * The repository's format, from its package files: .rpm files make an
 * RPM-MD repository, .deb files an APT one, both an error.  With no
 * package at all, APT options or an existing dists/ without repodata/
 * mean APT.
 */
static int
jp_repo_format(struct jp_ctx *ctx, const char *repo, const struct jp_walk *w,
    const struct jp_build_opts *opts)
{
	const char *rpm = NULL, *deb = NULL;
	struct stat st;
	size_t i;
	int has_dists, has_repodata;
	char *p;

	for (i = 0; i < w->n && (!rpm || !deb); i++) {
		if (jp_is_deb(w->v[i].rel)) {
			if (!deb)
				deb = w->v[i].rel;
		} else if (!rpm) {
			rpm = w->v[i].rel;
		}
	}
	if (rpm && deb)
		return jp_error_set(ctx, JP_ERR, "'%s' holds both .rpm files "
		    "('%s') and .deb files ('%s'); a repository holds one "
		    "package format: put them in two repositories", repo, rpm, deb);
	if (deb)
		return JP_REPO_APT;
	if (rpm)
		return JP_REPO_RPM;
	if (opts->apt_hint)
		return JP_REPO_APT;
	p = jp_path_join(repo, "dists");
	has_dists = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	p = jp_path_join(repo, "repodata");
	has_repodata = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return has_dists && !has_repodata ? JP_REPO_APT : JP_REPO_RPM;
}

static int64_t
jp_build_now(void)
{
	return (int64_t)time(NULL);
}

static int
jp_write_rpmmd(struct jp_ctx *ctx, const char *dir, struct jp_cache *cache,
    struct jp_item *const *list, size_t n, const struct jp_rpmmd_opts *mo)
{
	struct jp_rpmmd_writer *w = NULL;
	size_t i;
	int rc = JP_ERR;

	if (jp_rpmmd_writer_new(ctx, dir, n, mo, &w) < 0)
		return JP_ERR;
	for (i = 0; i < n; i++) {
		struct jp_pkg *pkg = jp_item_load(ctx, cache, list[i]);

		if (!pkg)
			goto out;
		if (jp_rpmmd_writer_add(w, pkg) < 0) {
			jp_pkg_free(pkg);
			goto out;
		}
		jp_pkg_free(pkg);
	}
	rc = jp_rpmmd_writer_finish(w);
out:
	jp_rpmmd_writer_free(w);
	return rc;
}

/*
 * The advisories of the Debian security feeds for the release codename,
 * mapped to the repository's packages (debsec.h), as updateinfo.xml in
 * *xml (malloc'd, *len bytes).
 */
static int
jp_apt_advisories(struct jp_ctx *ctx, const char *const *feeds,
    const char *codename, struct jp_pkg *const *pkgs, size_t n, char **xml,
    size_t *len)
{
	struct jp_debsec *ds = jp_debsec_new(codename, pkgs, n);
	struct jp_advset advs = { 0 };
	size_t i, left = 0;
	int rc = JP_ERR;

	for (i = 0; feeds[i]; i++) {
		jp_verbose(ctx, "reading advisories from '%s'", feeds[i]);
		if (jp_debsec_load(ctx, ds, feeds[i]) < 0)
			goto out;
	}
	if (jp_debsec_advisories(ctx, ds, &advs, &left) < 0 ||
	    jp_advisory_write_xml(ctx, &advs, xml, len) < 0)
		goto out;
	if (left)
		jp_info(ctx, "%zu advisor%s of release '%s' left out: %s no "
		    "package of the repository at or above the fixed version "
		    "(%zu published)", left, left == 1 ? "y" : "ies", codename,
		    left == 1 ? "it names" : "they name", advs.n);
	else
		jp_verbose(ctx, "%zu advisor%s of release '%s' published",
		    advs.n, advs.n == 1 ? "y" : "ies", codename);
	rc = 0;
out:
	jp_advset_release(&advs);
	jp_debsec_free(ds);
	return rc;
}

static int
jp_write_aptmd(struct jp_ctx *ctx, const char *dir, struct jp_cache *cache,
    struct jp_item *const *list, size_t n, struct jp_aptmd_opts *ao,
    const char *const *feeds)
{
	struct jp_pkg **pkgs = jp_xcalloc(n ? n : 1, sizeof(*pkgs));
	char *updateinfo = NULL;
	size_t updateinfo_len = 0, i;
	int rc = JP_ERR;

	for (i = 0; i < n; i++)
		if ((pkgs[i] = jp_item_load(ctx, cache, list[i])) == NULL)
			goto out;
	if (feeds && feeds[0]) {
		/* the release the feeds speak of is the repository's codename */
		if (jp_apt_advisories(ctx, feeds, ao->codename ? ao->codename :
		    ao->suite, pkgs, n, &updateinfo, &updateinfo_len) < 0)
			goto out;
		ao->updateinfo = updateinfo;
		ao->updateinfo_len = updateinfo_len;
	}
	rc = jp_aptmd_write(ctx, dir, pkgs, n, ao);
	ao->updateinfo = NULL;
	ao->updateinfo_len = 0;
out:
	free(updateinfo);
	for (i = 0; i < n; i++)
		jp_pkg_free(pkgs[i]);
	free(pkgs);
	return rc;
}

/*
 * Check that each --advisories file suits the repository's format before
 * anything is read: updateinfo.xml for RPM-MD, the Debian Security
 * Tracker's JSON or a DSA/DLA list for APT (recognised from the content,
 * jp_debsec_detect()).
 */
static int
jp_check_feeds(struct jp_ctx *ctx, const char *repo, int format,
    const char *const *feeds)
{
	size_t i;

	for (i = 0; feeds && feeds[i]; i++) {
		int kind = jp_debsec_detect(ctx, feeds[i]);

		if (kind < 0)
			return kind;
		if (format == JP_REPO_APT && kind == JP_DEBSEC_UPDATEINFO)
			return jp_error_set(ctx, JP_ERR, "cannot take "
			    "advisories from '%s': it is an updateinfo.xml "
			    "file, for RPM-MD repositories; '%s' is an APT "
			    "repository: give the Debian Security Tracker's "
			    "JSON or a DSA/DLA list", feeds[i], repo);
		if (format != JP_REPO_APT && kind != JP_DEBSEC_UPDATEINFO)
			return jp_error_set(ctx, JP_ERR, "cannot take "
			    "advisories from '%s': it is no updateinfo.xml "
			    "file (it reads as %s); '%s' is an RPM-MD "
			    "repository, which takes updateinfo.xml files "
			    "only", feeds[i],
			    kind == JP_DEBSEC_TRACKER_JSON ? "JSON, as the "
			    "Debian Security Tracker's" : "text, as a DSA/DLA "
			    "list", repo);
	}
	return 0;
}

/* With --sign, the published signature files must be there too. */
static int
jp_signatures_present(const struct jp_build_opts *opts, const char *topfile,
    int format)
{
	static const char *const rpm[] = { "repomd.xml.asc", "repomd.xml.key", NULL };
	static const char *const apt[] = { "InRelease", "Release.gpg", NULL };
	const char *const *names = format == JP_REPO_APT ? apt : rpm;
	char *dir, *slash;
	int ok = 1;

	if (!opts->sign_key)
		return 1;
	dir = jp_xstrdup(topfile);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (; ok && *names; names++) {
		char *p = jp_path_join(dir, *names);
		struct stat st;

		ok = stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
		free(p);
	}
	free(dir);
	return ok;
}

/*
 * Sign the new metadata in its scratch directory, so that it is published
 * signed in the same atomic step; without --sign, warn when the metadata
 * it replaces was signed.
 */
static int
jp_build_sign(struct jp_ctx *ctx, const struct jp_build_opts *opts,
    const char *newdir, int apt, const char *published)
{
	struct jp_pgp_signer signer = {
		.keyid = opts->sign_key,
		.homedir = opts->sign_homedir,
		.passphrase_file = opts->sign_passphrase_file,
	};
	struct stat st;
	char *old;

	if (opts->sign_key)
		return jp_pgp_sign_metadata(ctx, newdir, apt, &signer);
	old = jp_path_join(published, apt ? "InRelease" : "repomd.xml.asc");
	if (stat(old, &st) == 0)
		jp_warn(ctx, "'%s' was signed; the new metadata is not: "
		    "build with --sign KEYID, or run jprepo sign", published);
	free(old);
	return 0;
}

/* Make an empty directory at path, removing what an earlier run left. */
static int
jp_fresh_dir(struct jp_ctx *ctx, const char *path)
{
	if (jp_rm_rf(ctx, path) < 0)
		return JP_ERR;
	if (mkdir(path, 0755) < 0)
		return jp_error_errno(ctx, errno, "cannot create '%s'", path);
	return 0;
}

/* Remember a file or directory left out, for stats->failures. */
static void
jp_build_failure_add(struct jp_build_stats *stats, const char *path,
    const char *error)
{
	stats->failures = jp_xrealloc(stats->failures,
	    (stats->nfailures + 1) * sizeof(*stats->failures));
	stats->failures[stats->nfailures].path = jp_xstrdup(path);
	stats->failures[stats->nfailures].error = jp_xstrdup(error);
	stats->nfailures++;
}

void
jp_build_stats_release(struct jp_build_stats *stats)
{
	size_t i;

	for (i = 0; i < stats->nfailures; i++) {
		free(stats->failures[i].path);
		free(stats->failures[i].error);
	}
	free(stats->failures);
	stats->failures = NULL;
	stats->nfailures = 0;
}

int
jp_repobuild(struct jp_ctx *ctx, const char *repo,
    const struct jp_build_opts *opts, struct jp_build_stats *stats)
{
	static const char *const suffixes[] = { ".rpm", ".deb", NULL };
	static const char *const skip[] = { "repodata", NULL };
	struct jp_walk walk = { 0 };
	struct jp_item *items = NULL;
	struct jp_item **list = NULL;
	struct jp_pkg **ids = NULL;
	struct jp_cache *cache = NULL;
	struct jp_advset advs = { 0 };
	struct jp_optimist opt = { 0 };
	int written = 0;
	char *statedir = NULL, *lockpath = NULL, *cachepath = NULL;
	char *tmpdir = NULL, *old_fp = NULL, *old_top = NULL;
	char *topfile = NULL, *distsdir = NULL, *suitedir = NULL;
	const char *suite = opts->suite ? opts->suite : JP_BUILD_DEFAULT_SUITE;
	char *updateinfo = NULL;
	size_t updateinfo_len = 0, i, nlist = 0;
	int64_t when = opts->revision > 0 ? opts->revision : jp_build_now();
	char fp[65];
	double t0 = jp_now();
	int lockfd = -1, rc = JP_ERR, format;
	struct stat st;

	memset(stats, 0, sizeof(*stats));
	if (stat(repo, &st) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot open repository '%s'", repo);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = jp_error_set(ctx, JP_ERR, "repository '%s' is not a directory", repo);
		goto out;
	}
	statedir = jp_path_join(repo, JP_BUILD_STATE_DIR);
	if (mkdir(statedir, 0755) < 0 && errno != EEXIST) {
		rc = jp_error_errno(ctx, errno, "cannot create '%s'", statedir);
		goto out;
	}
	lockpath = jp_path_join(statedir, "lock");
	lockfd = jp_lock_acquire(ctx, lockpath, opts->wait_secs);
	if (lockfd < 0) {
		rc = lockfd;
		goto out;
	}
	jp_clean_leftovers(ctx, repo);

	if (jp_walk_collect(ctx, repo, suffixes, skip, &walk) < 0)
		goto out;
	format = jp_repo_format(ctx, repo, &walk, opts);
	if (format < 0)
		goto out;
	stats->format = format;
	{
		/* a repository that changed format keeps the other tree */
		char *other = jp_path_join(repo, format == JP_REPO_APT ?
		    "repodata" : "dists");

		if (stat(other, &st) == 0 && S_ISDIR(st.st_mode))
			jp_warn(ctx, "'%s' is left from an %s build and is not "
			    "updated; remove it if the repository changed format",
			    other, format == JP_REPO_APT ? "RPM-MD" : "APT");
		free(other);
	}
	if (jp_check_feeds(ctx, repo, format, opts->advisories) < 0)
		goto out;
	if (format == JP_REPO_APT) {
		distsdir = jp_path_join(repo, "dists");
		suitedir = jp_path_join(distsdir, suite);
		topfile = jp_path_join(suitedir, "Release");
		jp_warn_other_suites(ctx, distsdir, suite);
		if (opts->compress_set)
			jp_warn(ctx, "--compress applies to RPM-MD repositories; "
			    "APT indexes are always written plain, .gz and .xz");
	} else {
		topfile = jp_path_join(repo, "repodata/repomd.xml");
	}
	if (walk.nerrors) {
		ctx->had_error = 1;
		stats->failed += walk.nerrors;
		for (i = 0; i < walk.nerrors; i++)
			jp_build_failure_add(stats, walk.errors[i].rel,
			    walk.errors[i].error);
	}
	jp_verbose(ctx, "found %zu package files under '%s'", walk.n, repo);

	cachepath = jp_path_join(statedir, "cache.sqlite");
	if (jp_cache_open(ctx, cachepath, &cache) < 0) {
		/* The cache only saves time: build with one in memory. */
		jp_warn(ctx, "%s; building without a saved cache", jp_error_msg(ctx));
		if (jp_cache_open(ctx, ":memory:", &cache) < 0)
			goto out;
	}

	/*
	 * Nothing changed since the last published build: the same options
	 * and advisories, every file with the stat data it had, and the
	 * published metadata intact.  Then there is nothing to read or write.
	 */
	if (jp_build_fingerprint(ctx, opts, format, &walk, fp) < 0)
		goto out;
	/*
	 * A Release with Valid-Until must be dated anew by every build, or
	 * a repository rebuilt daily would still expire.
	 */
	if (!opts->no_cache && !walk.nerrors &&
	    !(format == JP_REPO_APT && opts->valid_for_days > 0)) {
		old_fp = jp_cache_meta_get(cache, "fingerprint");
		old_top = jp_cache_meta_get(cache, "published_sha256");
		if (old_fp && !strcmp(old_fp, fp) &&
		    jp_published_intact(ctx, repo, format, suite, old_top) &&
		    jp_signatures_present(opts, topfile, format)) {
			char *np = jp_cache_meta_get(cache, "packages");
			uint64_t u;

			stats->packages = np && jp_strnum_u64(np, &u) == 0 &&
			    u <= SIZE_MAX ? (size_t)u : 0;
			stats->reused = stats->packages;
			stats->up_to_date = 1;
			free(np);
			rc = 0;
			goto out;
		}
	}

	if (jp_cache_begin(ctx, cache) < 0)
		goto out;
	items = jp_xcalloc(walk.n ? walk.n : 1, sizeof(*items));
	for (i = 0; i < walk.n; i++) {
		struct jp_pkg *pkg;
		int verify = 0;

		items[i].entry = &walk.v[i];
		if (opts->no_cache || (pkg = jp_cache_lookup_identity(cache,
		    &walk.v[i], &verify)) == NULL)
			continue;
		items[i].from_cache = 1;
		items[i].verify = (unsigned char)verify;
		items[i].id = pkg;
		memcpy(items[i].sha256, pkg->sha256, sizeof(items[i].sha256));
	}

	jp_debug(ctx, "walk and cache lookups done at %.3f s", jp_now() - t0);

	/*
	 * Advisories: merged and rendered before anything is read (RPM-MD;
	 * an APT repository's feeds are mapped to its packages once they
	 * are read, see jp_write_aptmd()).
	 */
	if (format != JP_REPO_APT && opts->advisories && opts->advisories[0]) {
		for (i = 0; opts->advisories[i]; i++)
			if (jp_advisory_load(ctx, opts->advisories[i], &advs) < 0)
				goto out;
		if (jp_advisory_write_xml(ctx, &advs, &updateinfo, &updateinfo_len) < 0)
			goto out;
	}

	/* --strict touches nothing before every package has been read. */
	if (format == JP_REPO_RPM && walk.n > 0 && !opts->strict) {
		struct jp_rpmmd_opts mo = {
			.compress = opts->compress,
			.revision = when,
			.updateinfo = updateinfo,
			.updateinfo_len = updateinfo_len,
			.nthreads = opts->jobs,
		};

		tmpdir = jp_xasprintf("%s/%s%ld", repo, JP_BUILD_TMP_PREFIX,
		    (long)getpid());
		if (jp_fresh_dir(ctx, tmpdir) < 0)
			goto out;
		opt.ctx = ctx;
		opt.cache = cache;
		opt.items = items;
		opt.n = walk.n;
		opt.ready = jp_xcalloc(walk.n, 1);
		for (opt.seen_cap = 16; opt.seen_cap < 2 * walk.n; opt.seen_cap *= 2)
			;
		opt.seen = jp_xcalloc(opt.seen_cap, sizeof(*opt.seen));
		for (i = 0; i < walk.n; i++)
			opt.ready[i] = items[i].from_cache && !items[i].verify;
		if (jp_rpmmd_writer_new(ctx, tmpdir, walk.n, &mo, &opt.w) == 0)
			opt.active = 1;
		else
			jp_error_clear(ctx);
		jp_optimist_advance(&opt);
	}
	if (jp_read_packages(ctx, repo, items, walk.n, opts->jobs, cache,
	    opt.active ? &opt : NULL) < 0)
		goto out;
	jp_debug(ctx, "packages read at %.3f s", jp_now() - t0);
	if (opt.active) {
		jp_optimist_advance(&opt);
		if (opt.active && opt.cursor == opt.n) {
			if (jp_rpmmd_writer_finish(opt.w) == 0) {
				written = 1;
			} else {
				jp_optimist_stop(&opt, "failed", repo);
				jp_error_clear(ctx);
			}
		} else {
			jp_optimist_stop(&opt, "was not reached", repo);
		}
	}

	for (i = 0; i < walk.n; i++) {
		if (items[i].error) {
			jp_err(ctx, "%s", items[i].error);
			jp_build_failure_add(stats, items[i].entry->rel,
			    items[i].error);
			stats->failed++;
			ctx->had_error = 1;
		}
	}
	if (opts->strict && stats->failed) {
		rc = jp_error_set(ctx, JP_ERR,
		    "%zu bad package%s or director%s in '%s'; nothing published (--strict)",
		    stats->failed, stats->failed == 1 ? "" : "s",
		    stats->failed == 1 ? "y" : "ies", repo);
		goto out;
	}

	/* Source packages stay in the cache, so they are not read again. */
	for (i = 0; i < walk.n; i++) {
		if (items[i].id && items[i].id->is_source) {
			jp_info(ctx, "'%s' is a source package; skipped",
			    items[i].entry->rel);
			stats->sources++;
		}
	}
	stats->duplicates = jp_mark_duplicates(ctx, items, walk.n);
	list = jp_xcalloc(walk.n ? walk.n : 1, sizeof(*list));
	ids = jp_xcalloc(walk.n ? walk.n : 1, sizeof(*ids));
	for (i = 0; i < walk.n; i++) {
		if (!items[i].id)
			continue;
		if (jp_cache_keep(ctx, cache, items[i].entry->rel) < 0)
			goto out;
		if (items[i].id->is_source || items[i].duplicate)
			continue;
		ids[nlist] = items[i].id;
		list[nlist++] = &items[i];
		if (items[i].from_cache)
			stats->reused++;
		else
			stats->added++;
	}
	stats->packages = nlist;

	/* Advisories are checked against what the repository holds. */
	if (advs.n)
		stats->adv_missing = jp_advisory_check_pkgs(ctx, &advs, ids, nlist);

	/* Write beside the old metadata, then swap. */
	if (format == JP_REPO_APT) {
		struct jp_aptmd_opts ao = {
			.suite = suite,
			.codename = opts->codename,
			.component = opts->component,
			.origin = opts->origin,
			.label = opts->label,
			.date = when,
			.valid_for_days = opts->valid_for_days,
			.nthreads = opts->jobs,
			.prev_suite_dir = NULL,
		};

		if (mkdir(distsdir, 0755) < 0 && errno != EEXIST) {
			rc = jp_error_errno(ctx, errno, "cannot create '%s'", distsdir);
			goto out;
		}
		if (stat(suitedir, &st) == 0 && S_ISDIR(st.st_mode))
			ao.prev_suite_dir = suitedir;
		tmpdir = jp_xasprintf("%s/%s%s-%ld", distsdir,
		    JP_BUILD_APT_TMP_PREFIX, suite, (long)getpid());
		if (jp_fresh_dir(ctx, tmpdir) < 0 ||
		    jp_write_aptmd(ctx, tmpdir, cache, list, nlist, &ao,
		    opts->advisories) < 0 ||
		    jp_build_sign(ctx, opts, tmpdir, 1, suitedir) < 0 ||
		    jp_fsync_dir(ctx, tmpdir) < 0 ||
		    jp_publish(ctx, distsdir, tmpdir, suitedir) < 0)
			goto out;
	} else {
		struct jp_rpmmd_opts mo = {
			.compress = opts->compress,
			.revision = when,
			.updateinfo = updateinfo,
			.updateinfo_len = updateinfo_len,
			.nthreads = opts->jobs,
		};
		char *dst = jp_path_join(repo, "repodata");

		if (!tmpdir)
			tmpdir = jp_xasprintf("%s/%s%ld", repo, JP_BUILD_TMP_PREFIX,
			    (long)getpid());
		if ((!written && (jp_fresh_dir(ctx, tmpdir) < 0 ||
		    jp_write_rpmmd(ctx, tmpdir, cache, list, nlist, &mo) < 0)) ||
		    jp_build_sign(ctx, opts, tmpdir, 0, dst) < 0 ||
		    jp_fsync_dir(ctx, tmpdir) < 0 ||
		    jp_publish(ctx, repo, tmpdir, dst) < 0) {
			free(dst);
			goto out;
		}
		free(dst);
	}
	free(tmpdir);
	tmpdir = NULL;
	jp_debug(ctx, "metadata published at %.3f s", jp_now() - t0);

	/* Published.  Remember what; a failure here costs only speed. */
	{
		char *data = NULL;
		size_t len;
		char hex[65], np[32];

		snprintf(np, sizeof(np), "%zu", stats->packages);
		if (jp_file_read(ctx, topfile, &data, &len) == 0) {
			jp_sha256_hex(data, len, hex);
			if (jp_cache_meta_set(ctx, cache, "fingerprint",
			    ctx->had_error ? "" : fp) < 0 ||
			    jp_cache_meta_set(ctx, cache, "packages", np) < 0 ||
			    jp_cache_meta_set(ctx, cache, "published_sha256", hex) < 0)
				jp_warn(ctx, "%s", jp_error_msg(ctx));
		} else {
			jp_warn(ctx, "%s", jp_error_msg(ctx));
		}
		free(data);
		if (jp_cache_commit(ctx, cache, &stats->removed) < 0)
			jp_warn(ctx, "%s", jp_error_msg(ctx));
	}
	rc = 0;
out:
	jp_optimist_release(&opt);   /* joins the writer's threads */
	if (tmpdir) {
		struct jp_ctx scratch = *ctx;

		jp_rm_rf(&scratch, tmpdir);
		free(tmpdir);
	}
	stats->seconds = jp_now() - t0;
	free(updateinfo);
	jp_advset_release(&advs);
	for (i = 0; items && i < walk.n; i++) {
		jp_pkg_free(items[i].id);
		free(items[i].blob);
		free(items[i].error);
	}
	free(items);
	free(list);
	free(ids);
	free(old_fp);
	free(old_top);
	free(topfile);
	free(distsdir);
	free(suitedir);
	jp_cache_close(cache);   /* rolls back an unfinished build */
	jp_walk_release(&walk);
	jp_lock_release(lockfd);
	free(cachepath);
	free(lockpath);
	free(statedir);
	return rc;
}
