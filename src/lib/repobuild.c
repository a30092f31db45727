/* repobuild.c: the build pipeline of an RPM-MD repository. */
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
#include "cache.h"
#include "ctx.h"
#include "digest.h"
#include "fsutil.h"
#include "pkg.h"
#include "progress.h"
#include "repobuild.h"
#include "rpmmd.h"
#include "rpmpkg.h"

#define JP_BUILD_STATE_DIR ".jprepo"
#define JP_BUILD_TMP_PREFIX ".repodata.jprepo-"

/* One package file and what became of it. */
struct jp_item {
	const struct jp_walk_entry *entry;
	struct jp_pkg *pkg;
	char *error;            /* why it could not be read */
	unsigned char from_cache;
	unsigned char verify;     /* cached, but ctime changed: check sha256 */
	unsigned char duplicate;  /* same NEVRA as an earlier path: left out */
};

struct jp_pool {
	struct jp_ctx *ctx;
	const char *repo;
	struct jp_item *items;
	size_t *todo;           /* indexes of items to read */
	size_t ntodo;
	atomic_size_t next;
	struct jp_progress *progress;
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

static void *
jp_pool_worker(void *arg)
{
	struct jp_pool *pool = arg;
	struct jp_ctx wctx = *pool->ctx;   /* own error slot per thread */
	size_t k;

	while ((k = atomic_fetch_add(&pool->next, 1)) < pool->ntodo) {
		struct jp_item *it = &pool->items[pool->todo[k]];
		char *path = jp_path_join(pool->repo, it->entry->rel);

		jp_error_clear(&wctx);
		if (it->verify) {
			if (jp_same_content(&wctx, path, it->pkg->sha256)) {
				jp_debug(&wctx, "'%s' unchanged (sha256 checked)",
				    it->entry->rel);
				jp_progress_add(pool->progress, 1, it->entry->size);
				free(path);
				continue;
			}
			jp_pkg_free(it->pkg);
			it->pkg = NULL;
			it->from_cache = 0;
			it->verify = 0;
		}
		jp_verbose(&wctx, "reading '%s'", it->entry->rel);
		if (jp_rpmpkg_read(&wctx, path, it->entry->rel, &it->pkg) < 0) {
			it->pkg = NULL;
			it->error = jp_xstrdup(jp_error_msg(&wctx));
		}
		jp_progress_add(pool->progress, 1, it->entry->size);
		free(path);
	}
	return NULL;
}

/* Read every item that the cache did not have, on opts->jobs threads. */
static int
jp_read_packages(struct jp_ctx *ctx, const char *repo, struct jp_item *items,
    size_t n, int jobs)
{
	struct jp_progress progress;
	struct jp_pool pool;
	pthread_t *threads;
	size_t i, ntodo = 0;
	int t, started = 0;

	pool.todo = jp_xcalloc(n ? n : 1, sizeof(size_t));
	for (i = 0; i < n; i++)
		if (!items[i].from_cache || items[i].verify)
			pool.todo[ntodo++] = i;
	if (ntodo == 0) {
		free(pool.todo);
		return 0;
	}
	/* librpm's configuration is read only when a package must be read. */
	if (jp_rpmpkg_global_init(ctx) < 0) {
		free(pool.todo);
		return JP_ERR;
	}
	pool.ctx = ctx;
	pool.repo = repo;
	pool.items = items;
	pool.ntodo = ntodo;
	atomic_init(&pool.next, 0);
	jp_progress_init(&progress, ctx, "reading packages", ntodo);
	pool.progress = &progress;
	if ((size_t)jobs > ntodo)
		jobs = (int)ntodo;
	threads = jp_xcalloc((size_t)jobs, sizeof(*threads));
	for (t = 1; t < jobs; t++) {
		if (pthread_create(&threads[t], NULL, jp_pool_worker, &pool) != 0)
			break;
		started++;
	}
	jp_pool_worker(&pool);     /* the main thread works too */
	for (t = 1; t <= started; t++)
		pthread_join(threads[t], NULL);
	jp_progress_release(&progress);
	free(threads);
	free(pool.todo);
	return 0;
}

/* Remove what interrupted builds left behind: temporary metadata trees. */
static void
jp_clean_leftovers(struct jp_ctx *ctx, const char *repo)
{
	DIR *d = opendir(repo);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, JP_BUILD_TMP_PREFIX,
		    strlen(JP_BUILD_TMP_PREFIX)) == 0) {
			char *p = jp_path_join(repo, de->d_name);

			jp_debug(ctx, "removing leftover '%s'", p);
			if (jp_rm_rf(ctx, p) < 0)
				jp_warn(ctx, "%s", jp_error_msg(ctx));
			free(p);
		}
	}
	closedir(d);
}

/*
 * The fingerprint of a build's input: options, advisory files and the
 * stat data of every package file.  Equal fingerprints and an intact
 * published repomd.xml mean the metadata is already what this build
 * would write.
 */
static int
jp_build_fingerprint(struct jp_ctx *ctx, const struct jp_build_opts *opts,
    const struct jp_walk *w, char out[65])
{
	struct jp_digest d;
	char line[512];
	size_t i;

	if (jp_digest_init(&d, JP_DIGEST_SHA256) < 0)
		return jp_error_set(ctx, JP_ERR, "cannot initialise sha256");
	snprintf(line, sizeof(line), "jprepo-build 1 rpm compress=%d\n", opts->compress);
	jp_digest_update(&d, line, strlen(line));
	for (i = 0; opts->advisories && opts->advisories[i]; i++) {
		char *data;
		size_t len;
		char hex[65];

		if (jp_file_read(ctx, opts->advisories[i], &data, &len) < 0) {
			jp_digest_release(&d);
			return JP_ERR;
		}
		jp_sha256_hex(data, len, hex);
		free(data);
		snprintf(line, sizeof(line), "advisories %s\n", hex);
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

/*
 * Whether repodata/ still holds what the last build published: repomd.xml
 * with the recorded sha256, and every file it names present with the
 * sha256 that repomd.xml gives.  Metadata is small next to the packages,
 * so checking it whole costs little and catches a damaged file.
 */
static int
jp_published_intact(struct jp_ctx *ctx, const char *repo, const char *want_sha)
{
	char *path = jp_path_join(repo, "repodata/repomd.xml");
	char *data = NULL, *p;
	size_t len;
	char hex[65];
	int ok = 0;

	if (!want_sha || jp_file_read(ctx, path, &data, &len) < 0) {
		jp_error_clear(ctx);
		goto out;
	}
	jp_sha256_hex(data, len, hex);
	if (strcmp(hex, want_sha))
		goto out;
	ok = 1;
	/* Each <data> has <checksum type="sha256">HEX</checksum> before its location. */
	for (p = data; (p = strstr(p, "<data ")) != NULL; ) {
		char *ck, *loc, *q, *rel, *full, *buf = NULL;
		size_t blen;
		char fhex[65];

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
		if (jp_file_read(ctx, full, &buf, &blen) < 0) {
			jp_error_clear(ctx);
			ok = 0;
		} else {
			jp_sha256_hex(buf, blen, fhex);
			ok = strncmp(fhex, ck, 64) == 0;
		}
		free(buf);
		free(rel);
		free(full);
		if (!ok)
			break;
	}
out:
	free(data);
	free(path);
	return ok;
}

/*
 * Swap the new metadata tree in.  renameat2(RENAME_EXCHANGE) makes the
 * exchange one atomic step, so a client or a crash sees either the old
 * repodata/ or the new one, never neither.
 */
static int
jp_publish(struct jp_ctx *ctx, const char *repo, const char *tmpdir)
{
	char *dst = jp_path_join(repo, "repodata");
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
	free(dst);
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

		if (!items[i].pkg || items[i].pkg->is_source)
			continue;
		if (jp_pkg_nevra(items[i].pkg, buf, sizeof(buf)) < 0)
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

static int64_t
jp_build_now(void)
{
	return (int64_t)time(NULL);
}

int
jp_repobuild(struct jp_ctx *ctx, const char *repo,
    const struct jp_build_opts *opts, struct jp_build_stats *stats)
{
	static const char *const rpm_suffixes[] = { ".rpm", NULL };
	static const char *const skip[] = { "repodata", NULL };
	struct jp_walk walk = { 0 };
	struct jp_item *items = NULL;
	struct jp_cache *cache = NULL;
	struct jp_pkg **pkgs = NULL;
	struct jp_advset advs = { 0 };
	struct jp_pkg **cpkgs = NULL;
	unsigned char *cfrom = NULL;
	struct jp_walk_entry *centries = NULL;
	char *statedir = NULL, *lockpath = NULL, *cachepath = NULL;
	char *tmpdir = NULL, *old_fp = NULL, *old_repomd = NULL;
	char *updateinfo = NULL;
	size_t updateinfo_len = 0, i, npkgs = 0;
	char fp[65];
	double t0 = jp_now();
	int lockfd = -1, rc = JP_ERR;
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

	if (jp_walk_collect(ctx, repo, rpm_suffixes, skip, &walk) < 0)
		goto out;
	if (walk.nerrors) {
		ctx->had_error = 1;
		stats->failed += walk.nerrors;
	}
	jp_verbose(ctx, "found %zu package files under '%s'", walk.n, repo);

	cachepath = jp_path_join(statedir, "cache.sqlite");
	if (jp_cache_open(ctx, cachepath, &cache) < 0) {
		/* The cache only saves time: build without it. */
		jp_warn(ctx, "%s; building without the cache", jp_error_msg(ctx));
		cache = NULL;
	}

	/*
	 * Nothing changed since the last published build: the same options
	 * and advisories, every file with the stat data it had, and the
	 * published metadata intact.  Then there is nothing to read or write.
	 */
	if (jp_build_fingerprint(ctx, opts, &walk, fp) < 0)
		goto out;
	if (cache && !opts->no_cache && !walk.nerrors) {
		old_fp = jp_cache_meta_get(cache, "fingerprint");
		old_repomd = jp_cache_meta_get(cache, "repomd_sha256");
		if (old_fp && !strcmp(old_fp, fp) &&
		    jp_published_intact(ctx, repo, old_repomd)) {
			char *np = jp_cache_meta_get(cache, "packages");

			stats->packages = np ? strtoul(np, NULL, 10) : 0;
			stats->reused = stats->packages;
			stats->up_to_date = 1;
			free(np);
			rc = 0;
			goto out;
		}
	}

	items = jp_xcalloc(walk.n ? walk.n : 1, sizeof(*items));
	for (i = 0; i < walk.n; i++) {
		int verify = 0;

		items[i].entry = &walk.v[i];
		if (cache && !opts->no_cache &&
		    (items[i].pkg = jp_cache_lookup(cache, &walk.v[i], &verify)) != NULL) {
			items[i].from_cache = 1;
			items[i].verify = (unsigned char)verify;
		}
	}

	if (jp_read_packages(ctx, repo, items, walk.n, opts->jobs) < 0)
		goto out;

	for (i = 0; i < walk.n; i++) {
		if (items[i].error) {
			jp_err(ctx, "%s", items[i].error);
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

	/* The cache keeps source packages too, so they are not read again. */
	pkgs = jp_xcalloc(walk.n ? walk.n : 1, sizeof(*pkgs));
	for (i = 0; i < walk.n; i++) {
		if (items[i].pkg && items[i].pkg->is_source) {
			jp_info(ctx, "'%s' is a source package; skipped",
			    items[i].entry->rel);
			stats->sources++;
		}
	}
	cpkgs = jp_xcalloc(walk.n ? walk.n : 1, sizeof(*cpkgs));
	cfrom = jp_xcalloc(walk.n ? walk.n : 1, 1);
	centries = jp_xcalloc(walk.n ? walk.n : 1, sizeof(*centries));
	for (i = 0; i < walk.n; i++) {
		cpkgs[i] = items[i].pkg;
		/* a verified record is stored again with its new ctime */
		cfrom[i] = items[i].from_cache && !items[i].verify;
		centries[i] = walk.v[i];
	}
	stats->duplicates = jp_mark_duplicates(ctx, items, walk.n);
	for (i = 0; i < walk.n; i++) {
		if (!items[i].pkg || items[i].pkg->is_source || items[i].duplicate)
			continue;
		pkgs[npkgs++] = items[i].pkg;
		if (items[i].from_cache)
			stats->reused++;
		else
			stats->added++;
	}
	stats->packages = npkgs;

	/* Advisories: merged, checked against what the repository holds. */
	if (opts->advisories && opts->advisories[0]) {
		for (i = 0; opts->advisories[i]; i++)
			if (jp_advisory_load(ctx, opts->advisories[i], &advs) < 0)
				goto out;
		stats->adv_missing = jp_advisory_check_pkgs(ctx, &advs, pkgs, npkgs);
		if (jp_advisory_write_xml(ctx, &advs, &updateinfo, &updateinfo_len) < 0)
			goto out;
	}

	/* Write beside the old metadata, then swap. */
	tmpdir = jp_xasprintf("%s/%s%ld", repo, JP_BUILD_TMP_PREFIX, (long)getpid());
	if (jp_rm_rf(ctx, tmpdir) < 0)
		goto out;
	if (mkdir(tmpdir, 0755) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot create '%s'", tmpdir);
		goto out;
	}
	{
		struct jp_rpmmd_opts mo = {
			.compress = opts->compress,
			.revision = opts->revision > 0 ? opts->revision : jp_build_now(),
			.updateinfo = updateinfo,
			.updateinfo_len = updateinfo_len,
			.nthreads = opts->jobs,
		};

		if (jp_rpmmd_write(ctx, tmpdir, pkgs, npkgs, &mo) < 0)
			goto out;
	}
	if (jp_fsync_dir(ctx, tmpdir) < 0)
		goto out;
	if (jp_publish(ctx, repo, tmpdir) < 0)
		goto out;
	free(tmpdir);
	tmpdir = NULL;

	/* Remember what was published; a failure here costs only speed. */
	if (cache) {
		char *repomd = jp_path_join(repo, "repodata/repomd.xml");
		char *data = NULL;
		size_t len;
		char hex[65];

		if (jp_cache_store(ctx, cache, centries, cpkgs, cfrom, walk.n,
		    &stats->removed) < 0 ||
		    jp_file_read(ctx, repomd, &data, &len) < 0) {
			jp_warn(ctx, "%s", jp_error_msg(ctx));
		} else {
			jp_sha256_hex(data, len, hex);
			char np[32];

			snprintf(np, sizeof(np), "%zu", stats->packages);
			if (jp_cache_meta_set(ctx, cache, "fingerprint",
			    ctx->had_error ? "" : fp) < 0 ||
			    jp_cache_meta_set(ctx, cache, "packages", np) < 0 ||
			    jp_cache_meta_set(ctx, cache, "repomd_sha256", hex) < 0)
				jp_warn(ctx, "%s", jp_error_msg(ctx));
		}
		free(data);
		free(repomd);
	}
	rc = 0;
out:
	if (tmpdir) {
		struct jp_ctx scratch = *ctx;

		jp_rm_rf(&scratch, tmpdir);
		free(tmpdir);
	}
	stats->seconds = jp_now() - t0;
	free(updateinfo);
	jp_advset_release(&advs);
	for (i = 0; items && i < walk.n; i++) {
		jp_pkg_free(items[i].pkg);
		free(items[i].error);
	}
	free(items);
	free(pkgs);
	free(cpkgs);
	free(cfrom);
	free(centries);
	free(old_fp);
	free(old_repomd);
	jp_cache_close(cache);
	jp_walk_release(&walk);
	jp_lock_release(lockfd);
	free(cachepath);
	free(lockpath);
	free(statedir);
	return rc;
}
