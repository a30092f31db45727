/*
 * bundle.c: export, verification and import of bundles (see bundle.h and
 * jprepo-bundle(5)).
 *
 * Every byte is hashed once.  The data of files goes through a hasher
 * thread while the main thread copies it (export: file to volume; import:
 * volume to staging file), so hashing rides along with the copy on a
 * second core.  Bytes of a volume that are not file data (tar headers,
 * padding, the end-of-archive blocks) are hashed in the main thread into
 * the volume's "frame" digest; MANIFEST lists both, so a changed byte
 * anywhere in a volume is found.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "cms.h"
#include "ctx.h"
#include "fsutil.h"
#include "manifest.h"
#include "deb822.h"
#include "pool.h"
#include "progress.h"
#include "repobuild.h"
#include "request.h"
#include "strnum.h"

#define NBUF 8
#define BUFSZ (1024 * 1024)
#define QLEN 64
#define VOLUME_ENTRY "JPREPO-VOLUME"
#define STAGE_DIR ".jprepo/import"

/* ---- sizes ---- */

int
jp_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K': mul = 1ULL << 10; p++; break;
	case 'm': case 'M': mul = 1ULL << 20; p++; break;
	case 'g': case 'G': mul = 1ULL << 30; p++; break;
	case 't': case 'T': mul = 1ULL << 40; p++; break;
	default:
		return -1;
	}
	if (mul > 1 && (strcmp(p, "") != 0 && strcmp(p, "B") != 0 &&
	    strcmp(p, "iB") != 0 && strcmp(p, "b") != 0))
		return -1;
	if (mul == 1 && *p != '\0')
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* ---- the hasher thread ---- */

enum { H_BEGIN, H_DATA, H_END };

struct hjob {
	int op;
	const unsigned char *p;
	size_t n;
	struct jp_mf_entry *e;
};

struct hasher {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct hjob q[QLEN];
	uint64_t head, tail;       /* jobs pushed, jobs done */
	int stop, started;
	int compare;               /* import: compare; export: store */
	EVP_MD_CTX *md;
	struct jp_mf_entry *bad;   /* first file whose sha256 differs */
};

static void
hjob_run(struct hasher *h, const struct hjob *j)
{
	unsigned char d[32];

	switch (j->op) {
	case H_BEGIN:
		EVP_DigestInit_ex(h->md, EVP_sha256(), NULL);
		break;
	case H_DATA:
		EVP_DigestUpdate(h->md, j->p, j->n);
		break;
	case H_END:
		EVP_DigestFinal_ex(h->md, d, NULL);
		if (!h->compare) {
			memcpy(j->e->sha256, d, 32);
		} else if (memcmp(d, j->e->sha256, 32) != 0) {
			pthread_mutex_lock(&h->mu);
			if (h->bad == NULL)
				h->bad = j->e;
			pthread_mutex_unlock(&h->mu);
		}
		break;
	}
}

static void *
hasher_main(void *arg)
{
	struct hasher *h = arg;
	struct hjob j;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		while (h->tail == h->head && !h->stop)
			pthread_cond_wait(&h->work, &h->mu);
		if (h->tail == h->head && h->stop)
			break;
		j = h->q[h->tail % QLEN];
		pthread_mutex_unlock(&h->mu);
		hjob_run(h, &j);
		pthread_mutex_lock(&h->mu);
		h->tail++;
		pthread_cond_broadcast(&h->done);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static int
hasher_start(struct hasher *h, int compare)
{
	memset(h, 0, sizeof(*h));
	h->compare = compare;
	h->md = EVP_MD_CTX_new();
	if (h->md == NULL)
		return -1;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->work, NULL);
	pthread_cond_init(&h->done, NULL);
	if (pthread_create(&h->th, NULL, hasher_main, h) != 0) {
		EVP_MD_CTX_free(h->md);
		return -1;
	}
	h->started = 1;
	return 0;
}

/* Queue a job; returns its sequence number (done when tail > it). */
static uint64_t
hasher_push(struct hasher *h, int op, const void *p, size_t n,
    struct jp_mf_entry *e)
{
	uint64_t seq;

	pthread_mutex_lock(&h->mu);
	while (h->head - h->tail >= QLEN)
		pthread_cond_wait(&h->done, &h->mu);
	h->q[h->head % QLEN] = (struct hjob){ op, p, n, e };
	seq = h->head++;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
	return seq;
}

/* Wait until job seq (and all before it) is done; seq UINT64_MAX: all. */
static void
hasher_wait(struct hasher *h, uint64_t seq)
{
	pthread_mutex_lock(&h->mu);
	if (seq == UINT64_MAX)
		seq = h->head ? h->head - 1 : 0;
	while (h->tail <= seq && h->tail < h->head)
		pthread_cond_wait(&h->done, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

static struct jp_mf_entry *
hasher_bad(struct hasher *h)
{
	struct jp_mf_entry *e;

	pthread_mutex_lock(&h->mu);
	e = h->bad;
	pthread_mutex_unlock(&h->mu);
	return e;
}

static void
hasher_stop(struct hasher *h)
{
	if (!h->started)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->work);
	pthread_cond_destroy(&h->done);
	EVP_MD_CTX_free(h->md);
	h->started = 0;
}

/* A ring of copy buffers, each reused once the hasher is past it. */
struct ring {
	unsigned char *buf[NBUF];
	uint64_t seq[NBUF];       /* last hasher job that points into it */
	int used[NBUF];
	size_t len[NBUF];
	unsigned next;
};

static void
ring_init(struct ring *r)
{
	unsigned i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < NBUF; i++)
		r->buf[i] = jp_xmalloc(BUFSZ);
}

static void
ring_release(struct ring *r)
{
	unsigned i;

	for (i = 0; i < NBUF; i++)
		free(r->buf[i]);
}

static unsigned
ring_take(struct ring *r, struct hasher *h)
{
	unsigned i = r->next;

	r->next = (i + 1) % NBUF;
	if (r->used[i])
		hasher_wait(h, r->seq[i]);
	r->used[i] = 0;
	r->len[i] = 0;
	return i;
}

/* The ring buffer that p..p+n lies in, or -1. */
static int
ring_find(const struct ring *r, const void *p, size_t n)
{
	const unsigned char *c = p;
	unsigned i;

	for (i = 0; i < NBUF; i++) {
		if (c >= r->buf[i] && c + n <= r->buf[i] + r->len[i])
			return (int)i;
	}
	return -1;
}

/* ---- small helpers ---- */

static void
random_id(char out[JP_BUNDLE_IDLEN + 1])
{
	unsigned char raw[JP_BUNDLE_IDLEN / 2];

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		/* RAND_bytes cannot fail on Linux with getrandom(2). */
		abort();
	}
	jp_hex(raw, sizeof(raw), out);
}

static void
utc_now(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static const char *
repo_type(const char *dir)
{
	struct stat st;
	char *p = jp_path_join(dir, "repodata/repomd.xml");
	int rpm = stat(p, &st) == 0 && S_ISREG(st.st_mode);

	free(p);
	if (rpm)
		return "rpm-md";
	p = jp_path_join(dir, "dists");
	rpm = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return rpm ? "apt" : NULL;
}

/* ---- databases ---- */

static int
db_open(struct jp_ctx *ctx, const char *path, int rw, sqlite3 **db)
{
	int flags = rw ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE :
	    SQLITE_OPEN_READONLY;

	if (sqlite3_open_v2(path, db, flags, NULL) != SQLITE_OK) {
		jp_error_set(ctx, JP_ERR, "cannot open '%s': %s", path,
		    *db ? sqlite3_errmsg(*db) : "out of memory");
		sqlite3_close(*db);
		*db = NULL;
		return JP_ERR;
	}
	sqlite3_busy_timeout(*db, 10000);
	return 0;
}

static int
db_exec(struct jp_ctx *ctx, sqlite3 *db, const char *path, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		jp_error_set(ctx, JP_ERR, "cannot update '%s': %s", path,
		    err ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return JP_ERR;
	}
	return 0;
}

static const char export_schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS exports(sequence INTEGER PRIMARY KEY,"
    " bundle TEXT NOT NULL UNIQUE, type TEXT NOT NULL, base TEXT,"
    " created TEXT NOT NULL, outdir TEXT, files INTEGER, bytes INTEGER);"
    "CREATE TABLE IF NOT EXISTS hashes(path TEXT PRIMARY KEY,"
    " size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, ino INTEGER,"
    " sha256 BLOB);";

static const char import_schema[] =
    "CREATE TABLE IF NOT EXISTS imports(bundle TEXT PRIMARY KEY,"
    " store_id TEXT NOT NULL, store TEXT NOT NULL,"
    " sequence INTEGER NOT NULL, type TEXT NOT NULL, base TEXT,"
    " base_sequence INTEGER, created TEXT NOT NULL,"
    " imported TEXT NOT NULL, repos TEXT);"
    "CREATE INDEX IF NOT EXISTS imports_store ON imports(store_id, sequence);";

/* ---- export ---- */

struct xfile {
	char *path;        /* REPO/rel */
	char *abs;
	uint64_t size;
	int64_t mtime_ns, ctime_ns;
	uint64_t ino;
	size_t repo;
	int kind;
	int have_sha;
	unsigned char sha[32];
	struct jp_mf_entry *ent;
};

struct xlist {
	struct xfile *v;
	size_t n, cap;
};

static int64_t
ns_of(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Every regular file under dir/rel, skipping .jprepo*; others refused. */
static int
walk(struct jp_ctx *ctx, const char *root, const char *rel, const char *repo,
    size_t ri, struct xlist *out)
{
	char *dpath = rel[0] ? jp_path_join(root, rel) : jp_xstrdup(root);
	DIR *d = opendir(dpath);
	struct dirent *de;
	int rc = 0;

	if (d == NULL) {
		jp_error_errno(ctx, errno, "cannot read directory '%s'", dpath);
		free(dpath);
		return JP_ERR;
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		struct stat st;
		char *r2;

		/* jprepo's own files and build leftovers (.repodata.jprepo-PID) */
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strncmp(de->d_name, ".jprepo", 7) == 0 ||
		    (de->d_name[0] == '.' && strstr(de->d_name, ".jprepo-")))
			continue;
		r2 = rel[0] ? jp_xasprintf("%s/%s", rel, de->d_name) :
		    jp_xstrdup(de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot stat '%s/%s'",
			    root, r2);
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk(ctx, root, r2, repo, ri, out);
		} else if (!S_ISREG(st.st_mode)) {
			rc = jp_error_set(ctx, JP_ERR, "cannot export '%s/%s': "
			    "%s; a bundle carries only regular files", root, r2,
			    S_ISLNK(st.st_mode) ? "a symbolic link" :
			    "not a regular file");
		} else {
			struct xfile *f;
			char *path = jp_xasprintf("%s/%s", repo, r2);

			if (!jp_manifest_path_ok(path)) {
				rc = jp_error_set(ctx, JP_ERR, "cannot export "
				    "'%s/%s': its name has control characters "
				    "or is too long", root, r2);
				free(path);
			} else {
				if (out->n == out->cap) {
					out->cap = out->cap ? 2 * out->cap : 256;
					out->v = jp_xrealloc(out->v,
					    out->cap * sizeof(*out->v));
				}
				f = &out->v[out->n++];
				memset(f, 0, sizeof(*f));
				f->path = path;
				f->abs = jp_path_join(root, r2);
				f->size = (uint64_t)st.st_size;
				f->mtime_ns = ns_of(st.st_mtim);
				f->ctime_ns = ns_of(st.st_ctim);
				f->ino = st.st_ino;
				f->repo = ri;
			}
		}
		free(r2);
	}
	if (rc == 0 && errno != 0)
		rc = jp_error_errno(ctx, errno, "cannot read directory '%s'",
		    dpath);
	closedir(d);
	free(dpath);
	return rc;
}

/* One file of a merge bundle, as the walk would have found it. */
static int
add_only(struct jp_ctx *ctx, const struct jp_manifest *mf, char *const *rpaths,
    const struct jp_export_file *f, struct xlist *out)
{
	struct stat st;
	struct xfile *x;
	char *path, *src;
	size_t r;

	for (r = 0; r < mf->nrepos; r++)
		if (strcmp(mf->repos[r].name, f->repo) == 0)
			break;
	if (r == mf->nrepos)
		return jp_error_set(ctx, JP_ERR, "internal error: no repository "
		    "'%s' in the export", f->repo);
	path = jp_xasprintf("%s/%s", f->repo, f->rel);
	if (!jp_manifest_path_ok(path)) {
		jp_error_set(ctx, JP_ERR, "cannot export '%s': not a safe path",
		    path);
		free(path);
		return JP_ERR;
	}
	src = f->src ? jp_xstrdup(f->src) : jp_path_join(rpaths[r], f->rel);
	if (lstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
		jp_error_errno(ctx, errno ? errno : EINVAL, "cannot export '%s'",
		    src);
		free(path);
		free(src);
		return JP_ERR;
	}
	for (r = 0; r < out->n; r++) {
		if (strcmp(out->v[r].path, path) == 0) {   /* selected twice */
			free(path);
			free(src);
			return 0;
		}
	}
	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 256;
		out->v = jp_xrealloc(out->v, out->cap * sizeof(*out->v));
	}
	x = &out->v[out->n++];
	memset(x, 0, sizeof(*x));
	x->path = path;
	x->abs = src;
	x->size = (uint64_t)st.st_size;
	x->mtime_ns = ns_of(st.st_mtim);
	x->ctime_ns = ns_of(st.st_ctim);
	x->ino = st.st_ino;
	for (r = 0; r < mf->nrepos; r++)
		if (strcmp(mf->repos[r].name, f->repo) == 0)
			x->repo = r;
	return 0;
}

/* Is REPO/rel repository metadata (repodata/, dists/)? */
static int
is_metadata(const char *path)
{
	const char *rel = strchr(path, '/');

	return rel && (strncmp(rel + 1, "repodata/", 9) == 0 ||
	    strncmp(rel + 1, "dists/", 6) == 0);
}

static int
cmp_xfile(const void *a, const void *b)
{
	return strcmp(((const struct xfile *)a)->path,
	    ((const struct xfile *)b)->path);
}

/* By content, then by path: the first of a group is the first by path. */
static int
cmp_xfile_sha(const void *a, const void *b)
{
	const struct xfile *x = *(struct xfile *const *)a;
	const struct xfile *y = *(struct xfile *const *)b;
	int c = memcmp(x->sha, y->sha, 32);

	if (c != 0)
		return c;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
sha_file(struct jp_ctx *ctx, const char *path, unsigned char out[32],
    uint64_t *size)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *buf = jp_xmalloc(BUFSZ);
	uint64_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = 0;
	ssize_t r;

	if (fd < 0) {
		rc = jp_error_errno(ctx, errno, "cannot open '%s'", path);
		goto out;
	}
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((r = read(fd, buf, BUFSZ)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = jp_error_errno(ctx, errno, "cannot read '%s'", path);
			goto out;
		}
		EVP_DigestUpdate(md, buf, (size_t)r);
		n += (uint64_t)r;
	}
	EVP_DigestFinal_ex(md, out, NULL);
	if (size)
		*size = n;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	EVP_MD_CTX_free(md);
	return rc;
}

/* The volume being written. */
struct volw {
	struct jp_ctx *ctx;
	struct archive *a;
	int fd;
	char *tmp, *final;
	uint64_t written, flushed;
	int in_data;
	int err;                   /* errno of a failed write */
	EVP_MD_CTX *frame;
	struct jp_progress *prog;
};

static la_ssize_t
volw_cb(struct archive *a, void *u, const void *p, size_t n)
{
	struct volw *w = u;

	if (write_all(w->fd, p, n) < 0) {
		w->err = errno;
		archive_set_error(a, errno, "write failed");
		return -1;
	}
	if (!w->in_data)
		EVP_DigestUpdate(w->frame, p, n);
	w->written += n;
	/*
	 * Start writeback every 32 MiB, so that the fsync at the end of the
	 * volume has little left to wait for (Linux; a hint, errors ignored).
	 */
	if (w->written - w->flushed >= (32u << 20)) {
		sync_file_range(w->fd, (off_t)w->flushed,
		    (off_t)(w->written - w->flushed), SYNC_FILE_RANGE_WRITE);
		w->flushed = w->written;
	}
	return (la_ssize_t)n;
}

struct exporter {
	struct jp_ctx *ctx;
	const struct jp_export_opts *o;
	struct jp_manifest *mf;
	struct hasher h;
	struct ring ring;
	struct volw w;
	int vol_open;
	char **made;               /* volume files this run created */
	size_t nmade;
	struct jp_progress prog;
	unsigned est_vols;         /* for the progress line */
};

/* Header bytes that an entry named name can take, at most. */
static uint64_t
header_bound(const char *name)
{
	uint64_t pax = 2 * strlen(name) + 512;

	return 3 * 512 + (pax + 511) / 512 * 512;
}

static int
vol_begin(struct exporter *x)
{
	struct jp_manifest *mf = x->mf;
	struct volw *w = &x->w;
	struct archive_entry *ae;
	char name[32], text[128];
	uint32_t n = (uint32_t)mf->nvols + 1;
	int len;

	snprintf(name, sizeof(name), "vol-%04" PRIu32 ".tar", n);
	memset(w, 0, sizeof(*w));
	w->ctx = x->ctx;
	w->final = jp_path_join(x->o->outdir, name);
	w->tmp = jp_xasprintf("%s.tmp", w->final);
	/* new: check_outdir removed what an interrupted export left, so a
	 * file here now was planted; never follow or reuse it */
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (w->fd < 0) {
		jp_error_errno(x->ctx, errno, "cannot create '%s'", w->tmp);
		free(w->final);
		free(w->tmp);
		return JP_ERR;
	}
	x->made = jp_xrealloc(x->made, (x->nmade + 2) * sizeof(*x->made));
	x->made[x->nmade++] = jp_xstrdup(w->tmp);
	x->made[x->nmade++] = jp_xstrdup(w->final);
	w->frame = EVP_MD_CTX_new();
	EVP_DigestInit_ex(w->frame, EVP_sha256(), NULL);
	w->a = archive_write_new();
	archive_write_set_format_pax_restricted(w->a);
	/* No blocking: every byte reaches the callback as it is written. */
	archive_write_set_bytes_per_block(w->a, 0);
	archive_write_set_bytes_in_last_block(w->a, 1);
	if (archive_write_open(w->a, w, NULL, volw_cb, NULL) != ARCHIVE_OK)
		goto fail;
	x->vol_open = 1;
	mf->vols = jp_xrealloc(mf->vols, (mf->nvols + 1) * sizeof(*mf->vols));
	memset(&mf->vols[mf->nvols], 0, sizeof(*mf->vols));
	mf->vols[mf->nvols].number = n;
	mf->vols[mf->nvols].name = jp_xstrdup(name);
	mf->nvols++;
	len = snprintf(text, sizeof(text), "jprepo-bundle %d\nbundle %s\n"
	    "volume %" PRIu32 "\n", JP_MANIFEST_VERSION, mf->bundle, n);
	ae = archive_entry_new();
	archive_entry_set_pathname(ae, VOLUME_ENTRY);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, len);
	archive_entry_set_mtime(ae, 0, 0);
	if (archive_write_header(w->a, ae) != ARCHIVE_OK ||
	    archive_write_data(w->a, text, (size_t)len) != len) {
		archive_entry_free(ae);
		goto fail;
	}
	archive_entry_free(ae);
	if (x->prog.total_bytes)
		jp_progress_volume(&x->prog, n, n > x->est_vols ? n :
		    x->est_vols);
	return 0;
fail:
	if (w->err)
		jp_error_errno(x->ctx, w->err, "cannot write '%s'", w->tmp);
	else
		jp_error_set(x->ctx, JP_ERR, "cannot write '%s': %s", w->tmp,
		    archive_error_string(w->a));
	return JP_ERR;
}

static int
vol_end(struct exporter *x)
{
	struct volw *w = &x->w;
	struct jp_mf_volume *v = &x->mf->vols[x->mf->nvols - 1];
	int rc = 0;

	if (archive_write_close(w->a) != ARCHIVE_OK) {
		if (w->err)
			rc = jp_error_errno(x->ctx, w->err, "cannot write '%s'",
			    w->tmp);
		else
			rc = jp_error_set(x->ctx, JP_ERR, "cannot write '%s': %s",
			    w->tmp, archive_error_string(w->a));
	}
	archive_write_free(w->a);
	EVP_DigestFinal_ex(w->frame, v->frame, NULL);
	EVP_MD_CTX_free(w->frame);
	v->size = w->written;
	if (rc == 0 && v->size > x->o->volume_size)
		rc = jp_error_set(x->ctx, JP_ERR, "internal error: volume '%s' "
		    "grew to %" PRIu64 " bytes, over the limit", w->final,
		    v->size);
	if (rc == 0 && fsync(w->fd) < 0)
		rc = jp_error_errno(x->ctx, errno, "cannot write '%s'", w->tmp);
	if (close(w->fd) < 0 && rc == 0)
		rc = jp_error_errno(x->ctx, errno, "cannot write '%s'", w->tmp);
	if (rc == 0 && rename(w->tmp, w->final) < 0)
		rc = jp_error_errno(x->ctx, errno, "cannot rename '%s'",
		    w->tmp);
	free(w->tmp);
	free(w->final);
	x->vol_open = 0;
	return rc;
}

/* Carry one file into the volumes, split where a volume fills up. */
static int
carry(struct exporter *x, struct xfile *f)
{
	struct jp_manifest *mf = x->mf;
	struct jp_mf_entry *e = f->ent;
	uint64_t left = f->size, limit = x->o->volume_size;
	uint64_t minsplit = limit / 16 < 65536 ? limit / 16 : 65536;
	unsigned char prehash[32];
	struct stat st;
	int fd, rc = JP_ERR, first = 1;

	fd = open(f->abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return jp_error_errno(x->ctx, errno, "cannot open '%s'", f->abs);
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != f->size ||
	    ns_of(st.st_mtim) != f->mtime_ns) {
		jp_error_set(x->ctx, JP_ERR, "'%s' changed during the export; "
		    "run it again when nothing writes to the repository", f->abs);
		goto out;
	}
	memcpy(prehash, f->sha, 32);
	hasher_push(&x->h, H_BEGIN, NULL, 0, e);
	do {
		struct archive_entry *ae;
		uint64_t room, len, done = 0;

		if (!x->vol_open && vol_begin(x) < 0)
			goto out;
		/* room for data, after this header and the end blocks */
		room = limit - x->w.written;
		if (room < header_bound(f->path) + 1024 + 512)
			room = 0;
		else
			room = (room - header_bound(f->path) - 1024) / 512 * 512;
		if (left <= room)
			len = left;
		else if (room >= minsplit)
			len = room;
		else {
			if (x->w.written <= 2048) {
				jp_error_set(x->ctx, JP_ERR, "volume size %" PRIu64
				    " is too small for the name '%s'", limit,
				    f->path);
				goto out;
			}
			if (vol_end(x) < 0)
				goto out;
			continue;
		}
		ae = archive_entry_new();
		archive_entry_set_pathname(ae, f->path);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_size(ae, (la_int64_t)len);
		archive_entry_set_mtime(ae, st.st_mtim.tv_sec, 0);
		if (archive_write_header(x->w.a, ae) != ARCHIVE_OK) {
			archive_entry_free(ae);
			goto werr;
		}
		archive_entry_free(ae);
		jp_manifest_add_part(mf, e, (uint32_t)mf->nvols, x->w.written,
		    len);
		x->w.in_data = 1;
		while (done < len) {
			unsigned bi = ring_take(&x->ring, &x->h);
			size_t want = len - done < BUFSZ ? (size_t)(len - done) :
			    BUFSZ;
			ssize_t r = read(fd, x->ring.buf[bi], want);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				jp_error_errno(x->ctx, errno, "cannot read '%s'",
				    f->abs);
				goto out;
			}
			if (r == 0) {
				jp_error_set(x->ctx, JP_ERR, "'%s' shrank during "
				    "the export; run it again", f->abs);
				goto out;
			}
			x->ring.len[bi] = (size_t)r;
			x->ring.seq[bi] = hasher_push(&x->h, H_DATA,
			    x->ring.buf[bi], (size_t)r, e);
			x->ring.used[bi] = 1;
			if (archive_write_data(x->w.a, x->ring.buf[bi],
			    (size_t)r) != r)
				goto werr;
			done += (uint64_t)r;
			jp_progress_add(&x->prog, 0, (uint64_t)r);
		}
		x->w.in_data = 0;
		left -= len;
		first = 0;
		if (left > 0 && vol_end(x) < 0)
			goto out;
	} while (left > 0 || first);
	hasher_push(&x->h, H_END, NULL, 0, e);
	if (f->have_sha) {
		hasher_wait(&x->h, UINT64_MAX);
		if (memcmp(prehash, e->sha256, 32) != 0) {
			jp_error_set(x->ctx, JP_ERR, "'%s' changed during the "
			    "export; run it again", f->abs);
			goto out;
		}
	}
	rc = 0;
	goto out;
werr:
	x->w.in_data = 0;
	if (x->w.err)
		jp_error_errno(x->ctx, x->w.err, "cannot write '%s'", x->w.tmp);
	else
		jp_error_set(x->ctx, JP_ERR, "cannot write '%s': %s", x->w.tmp,
		    archive_error_string(x->w.a));
out:
	close(fd);
	return rc;
}

static int
check_outdir(struct jp_ctx *ctx, const char *outdir, int *created)
{
	DIR *d;
	struct dirent *de;
	int rc = 0, complete;

	*created = 0;
	if (mkdir(outdir, 0755) == 0)
		*created = 1;
	else if (errno != EEXIST)
		return jp_error_errno(ctx, errno, "cannot create '%s'", outdir);
	if ((d = opendir(outdir)) == NULL)
		return jp_error_errno(ctx, errno, "cannot read '%s'", outdir);
	/*
	 * A bundle is complete with MANIFEST and MANIFEST.sig: without
	 * either, the volumes and the other are what an interrupted export
	 * left (nothing can import them), removed like its temporary files.
	 */
	complete = faccessat(dirfd(d), "MANIFEST", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
	    faccessat(dirfd(d), "MANIFEST.sig", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		int part = strcmp(n, "MANIFEST") == 0 ||
		    strcmp(n, "MANIFEST.sig") == 0 || (strncmp(n, "vol-", 4) == 0 &&
		    len > 8 && strcmp(n + len - 4, ".tar") == 0);

		if (part && complete) {
			rc = jp_error_set(ctx, JP_ERR, "'%s' already holds a "
			    "bundle ('%s'); give an empty or new directory",
			    outdir, n);
		} else if (part || (strncmp(n, "vol-", 4) == 0 &&
		    strstr(n, ".tar.tmp") != NULL) ||
		    strncmp(n, "MANIFEST.tmp", 12) == 0) {
			/* what an interrupted export left */
			if (unlinkat(dirfd(d), n, 0) == 0)
				jp_info(ctx, "removed '%s/%s', left by an "
				    "interrupted export", outdir, n);
		}
	}
	closedir(d);
	return rc;
}

/* Unlink what a failed export wrote. */
static void
export_cleanup(struct exporter *x, int outdir_created)
{
	size_t i;
	char *p;

	for (i = 0; i < x->nmade; i++)
		unlink(x->made[i]);
	p = jp_path_join(x->o->outdir, "MANIFEST.tmp");
	unlink(p);
	free(p);
	p = jp_path_join(x->o->outdir, "MANIFEST.sig");
	unlink(p);
	free(p);
	if (outdir_created)
		rmdir(x->o->outdir);
}

static int stream_volumes(struct jp_ctx *ctx, const char *dir,
    struct jp_manifest *mf, const char *stage, int drop_cache,
    const char *label);

static int
db_lookup_hash(sqlite3_stmt *q, struct xfile *f)
{
	int found = 0;

	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, f->path, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW &&
	    (uint64_t)sqlite3_column_int64(q, 0) == f->size &&
	    sqlite3_column_int64(q, 1) == f->mtime_ns &&
	    sqlite3_column_int64(q, 2) == f->ctime_ns &&
	    (uint64_t)sqlite3_column_int64(q, 3) == f->ino &&
	    sqlite3_column_bytes(q, 4) == 32) {
		memcpy(f->sha, sqlite3_column_blob(q, 4), 32);
		found = 1;
	}
	sqlite3_reset(q);
	return found;
}

int
jp_bundle_export(struct jp_ctx *ctx, char *const *repos, size_t nrepos,
    const struct jp_export_opts *o, struct jp_bundle_stats *st)
{
	struct exporter x;
	struct jp_manifest mf, base;
	struct xlist files = { NULL, 0, 0 };
	char *parent = NULL, *jdir = NULL, *dbpath = NULL, *lockpath = NULL;
	char **rpaths = NULL, *mpath = NULL, *mtmp = NULL, *spath = NULL;
	int *rlocks = NULL, slock = -1, rc = JP_ERR, outdir_created = 0;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	uint64_t *sizes = NULL, total = 0;
	struct xfile **byhash = NULL;
	size_t i, j, nsizes = 0, nbyhash = 0;
	char *text = NULL;
	size_t textlen;

	memset(&x, 0, sizeof(x));
	memset(&mf, 0, sizeof(mf));
	memset(&base, 0, sizeof(base));
	x.ctx = ctx;
	x.o = o;
	x.mf = &mf;
	ring_init(&x.ring);
	jp_progress_init(&x.prog, ctx, "export", 0);

	if (o->volume_size < JP_BUNDLE_MIN_VOLSIZE) {
		jp_error_set(ctx, JP_ERR, "volume size %" PRIu64 " is below the "
		    "minimum of 64K", o->volume_size);
		goto out;
	}
	if (nrepos == 0) {
		/* parent (and so the store name) comes from the first one */
		jp_error_set(ctx, JP_ERR, "no repository to export");
		goto out;
	}
	/* The repositories: one parent, distinct names, known kinds. */
	rpaths = jp_xcalloc(nrepos, sizeof(*rpaths));
	rlocks = jp_xcalloc(nrepos, sizeof(*rlocks));
	for (i = 0; i < nrepos; i++)
		rlocks[i] = -1;
	for (i = 0; i < nrepos; i++) {
		char *rp = realpath(repos[i], NULL), *slash;
		const char *type;

		if (rp == NULL) {
			jp_error_errno(ctx, errno, "cannot open repository '%s'",
			    repos[i]);
			goto out;
		}
		rpaths[i] = rp;
		if ((type = repo_type(rp)) == NULL) {
			jp_error_set(ctx, JP_ERR, "'%s' is not a repository (no "
			    "repodata/repomd.xml and no dists/); run jprepo build "
			    "first", repos[i]);
			goto out;
		}
		slash = strrchr(rp, '/');
		if (slash == rp || !(slash[1] != '\0')) {
			jp_error_set(ctx, JP_ERR, "'%s' has no parent directory "
			    "to be its store", repos[i]);
			goto out;
		}
		if (parent == NULL) {
			parent = jp_xstrndup(rp, (size_t)(slash - rp));
		} else if (strlen(parent) != (size_t)(slash - rp) ||
		    strncmp(parent, rp, (size_t)(slash - rp)) != 0) {
			jp_error_set(ctx, JP_ERR, "'%s' and '%s' are not in one "
			    "store directory; a bundle exports repositories of one "
			    "store", repos[0], repos[i]);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(base_name(rpaths[j]), slash + 1) == 0) {
				jp_error_set(ctx, JP_ERR, "repository '%s' is "
				    "given twice", repos[i]);
				goto out;
			}
		}
		mf.repos = jp_xrealloc(mf.repos, (i + 1) * sizeof(*mf.repos));
		mf.repos[i].name = jp_xstrdup(slash + 1);
		mf.repos[i].type = jp_xstrdup(type);
		mf.nrepos = i + 1;
		if (!jp_manifest_path_ok(slash + 1) || slash[1] == '.') {
			jp_error_set(ctx, JP_ERR, "repository name '%s' cannot "
			    "travel in a bundle", slash + 1);
			goto out;
		}
	}
	/* Repos sorted by name, paths with them. */
	for (i = 1; i < nrepos; i++) {
		for (j = i; j > 0 && strcmp(mf.repos[j - 1].name,
		    mf.repos[j].name) > 0; j--) {
			struct jp_mf_repo t = mf.repos[j];
			char *tp = rpaths[j];

			mf.repos[j] = mf.repos[j - 1];
			mf.repos[j - 1] = t;
			rpaths[j] = rpaths[j - 1];
			rpaths[j - 1] = tp;
		}
	}
	if (jp_cms_check_key(ctx, o->key_pem, o->cert_pem) < 0)
		goto out;
	if (check_outdir(ctx, o->outdir, &outdir_created) < 0)
		goto out;
	{
		/* A bundle inside a repository would export itself. */
		char *od = realpath(o->outdir, NULL);

		for (i = 0; od != NULL && i < nrepos; i++) {
			size_t n = strlen(rpaths[i]);

			if (strncmp(od, rpaths[i], n) == 0 &&
			    (od[n] == '/' || od[n] == '\0')) {
				jp_error_set(ctx, JP_ERR, "output directory '%s' "
				    "is inside repository '%s'; write the bundle "
				    "elsewhere", o->outdir, repos[i]);
				free(od);
				goto out;
			}
		}
		free(od);
	}

	/* The store's own records, under its lock. */
	jdir = jp_path_join(parent, ".jprepo");
	if (mkdir(jdir, 0755) < 0 && errno != EEXIST) {
		jp_error_errno(ctx, errno, "cannot create '%s'", jdir);
		goto out;
	}
	lockpath = jp_path_join(jdir, "lock");
	if ((slock = jp_lock_acquire(ctx, lockpath, o->wait_secs)) < 0) {
		rc = ctx->errcode;
		goto out;
	}
	dbpath = jp_path_join(jdir, "exports.sqlite");
	if (db_open(ctx, dbpath, 1, &db) < 0 ||
	    db_exec(ctx, db, dbpath, export_schema) < 0)
		goto out;
	{
		sqlite3_stmt *s;
		const unsigned char *v;

		sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE "
		    "key='store_id'", -1, &s, NULL);
		if (sqlite3_step(s) == SQLITE_ROW &&
		    (v = sqlite3_column_text(s, 0)) != NULL &&
		    strlen((const char *)v) == JP_BUNDLE_IDLEN)
			memcpy(mf.store_id, v, JP_BUNDLE_IDLEN + 1);
		else
			random_id(mf.store_id);
		sqlite3_finalize(s);
		sqlite3_prepare_v2(db, "SELECT coalesce(max(sequence), 0) + 1 "
		    "FROM exports", -1, &s, NULL);
		sqlite3_step(s);
		mf.sequence = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	mf.store = jp_xstrdup(o->store_name ? o->store_name : base_name(parent));
	if (!jp_manifest_path_ok(mf.store) || strchr(mf.store, '/') ||
	    mf.store[0] == '.') {
		jp_error_set(ctx, JP_ERR, "store name '%s' is not a plain name",
		    mf.store);
		goto out;
	}
	random_id(mf.bundle);
	utc_now(mf.created);

	if (o->since) {
		if (jp_manifest_read(ctx, o->since, &base) < 0)
			goto out;
		if (strcmp(base.store_id, mf.store_id) != 0) {
			jp_error_set(ctx, JP_ERR, "'%s' is the MANIFEST of a bundle "
			    "of store '%s' (%s), not of this store '%s' (%s)",
			    o->since, base.store, base.store_id, mf.store,
			    mf.store_id);
			goto out;
		}
		mf.incremental = 1;
		memcpy(mf.base, base.bundle, sizeof(mf.base));
		mf.base_sequence = base.sequence;
	}

	/* Lock and walk each repository. */
	for (i = 0; i < nrepos; i++) {
		char *rj = jp_path_join(rpaths[i], ".jprepo"), *rl;

		if (mkdir(rj, 0755) < 0 && errno != EEXIST &&
		    errno != EROFS && errno != EACCES) {
			jp_error_errno(ctx, errno, "cannot create '%s'", rj);
			free(rj);
			goto out;
		}
		rl = jp_path_join(rj, "lock");
		free(rj);
		rlocks[i] = jp_lock_acquire(ctx, rl, o->wait_secs);
		free(rl);
		if (rlocks[i] < 0 && ctx->errcode == JP_ERR_BUSY) {
			rc = JP_ERR_BUSY;
			goto out;
		}
		if (rlocks[i] < 0)
			jp_error_clear(ctx);   /* read-only medium: no lock */
		if (!o->merge &&
		    walk(ctx, rpaths[i], "", mf.repos[i].name, i, &files) < 0)
			goto out;
	}
	if (o->merge) {
		mf.merge = 1;
		if (o->since) {
			jp_error_set(ctx, JP_ERR, "a bundle that adds packages has "
			    "no base (--since)");
			goto out;
		}
		for (i = 0; i < o->nonly; i++)
			if (add_only(ctx, &mf, rpaths, &o->only[i], &files) < 0)
				goto out;
	}
	if (files.n > 1)
		qsort(files.v, files.n, sizeof(*files.v), cmp_xfile);

	/* Known hashes; files that may be duplicates or unchanged. */
	sqlite3_prepare_v2(db, "SELECT size, mtime_ns, ctime_ns, ino, sha256 "
	    "FROM hashes WHERE path = ?", -1, &q, NULL);
	sizes = jp_xcalloc(files.n + base.nents + 1, sizeof(*sizes));
	for (i = 0; i < files.n; i++) {
		files.v[i].have_sha = db_lookup_hash(q, &files.v[i]);
		sizes[nsizes++] = files.v[i].size;
	}
	sqlite3_finalize(q);
	q = NULL;
	for (i = 0; i < base.nents; i++)
		sizes[nsizes++] = base.ents[i].size;
	qsort(sizes, nsizes, sizeof(*sizes), cmp_u64);
	for (i = 0; i < files.n; i++) {
		struct xfile *f = &files.v[i];
		uint64_t *lo;
		size_t k;

		if (f->have_sha)
			continue;
		lo = bsearch(&f->size, sizes, nsizes, sizeof(*sizes), cmp_u64);
		if (lo == NULL)
			continue;
		k = (size_t)(lo - sizes);
		if ((k > 0 && sizes[k - 1] == f->size) ||
		    (k + 1 < nsizes && sizes[k + 1] == f->size)) {
			uint64_t got;

			if (sha_file(ctx, f->abs, f->sha, &got) < 0)
				goto out;
			f->have_sha = 1;
		}
	}
	/* Kinds: unchanged since the base; a copy of content seen; carried. */
	for (i = 0; i < files.n; i++) {
		struct xfile *f = &files.v[i];
		long bi;

		f->kind = JP_MF_FILE;
		/*
		 * Metadata always travels (it is small): the isolated side may
		 * have rebuilt and re-signed it since the base (import --sign).
		 */
		if (mf.incremental && f->have_sha && !is_metadata(f->path) &&
		    (bi = jp_manifest_find(&base, f->path)) >= 0 &&
		    base.ents[bi].size == f->size &&
		    memcmp(base.ents[bi].sha256, f->sha, 32) == 0)
			f->kind = JP_MF_KEEP;
	}
	/*
	 * Content that travels once: in each group of files with one sha256,
	 * every carried file becomes a copy of a kept one, or of the first.
	 */
	byhash = jp_xcalloc(files.n + 1, sizeof(*byhash));
	for (i = 0; i < files.n; i++) {
		if (files.v[i].have_sha)
			byhash[nbyhash++] = &files.v[i];
	}
	qsort(byhash, nbyhash, sizeof(*byhash), cmp_xfile_sha);
	for (i = 0; i < nbyhash; i = j) {
		struct xfile *src = NULL;
		size_t k;

		for (j = i + 1; j < nbyhash && memcmp(byhash[j]->sha,
		    byhash[i]->sha, 32) == 0 && byhash[j]->size ==
		    byhash[i]->size; j++)
			;
		for (k = i; k < j; k++) {
			if (byhash[k]->kind == JP_MF_KEEP) {
				src = byhash[k];
				break;
			}
		}
		for (k = i; k < j; k++) {
			if (byhash[k]->kind != JP_MF_FILE)
				continue;
			if (src == NULL)
				src = byhash[k];     /* the first by path */
			else
				byhash[k]->kind = JP_MF_COPY;
		}
	}
	for (i = 0; i < files.n; i++) {
		struct xfile *f = &files.v[i];

		f->ent = jp_manifest_add_entry(&mf, f->kind, f->path, f->size,
		    f->have_sha ? f->sha : NULL);
		f->ent->repo = f->repo;
		if (f->kind == JP_MF_FILE)
			total += f->size;
	}
	for (i = 0; i < files.n; i++)      /* entries moved with realloc */
		files.v[i].ent = &mf.ents[i];
	if (mf.incremental) {
		for (i = 0; i < base.nents; i++) {
			if (jp_manifest_find(&mf, base.ents[i].path) < 0)
				jp_manifest_add_delete(&mf, base.ents[i].path);
		}
	}

	/* The volumes. */
	if (hasher_start(&x.h, 0) < 0) {
		jp_error_set(ctx, JP_ERR, "cannot start a thread");
		goto out;
	}
	x.est_vols = (unsigned)((total + o->volume_size - 1) / o->volume_size);
	if (x.est_vols == 0)
		x.est_vols = 1;
	jp_progress_bytes(&x.prog, total, x.est_vols);
	jp_progress_volume(&x.prog, 1, x.est_vols);
	for (i = 0; i < files.n; i++) {
		if (files.v[i].kind == JP_MF_FILE && carry(&x, &files.v[i]) < 0)
			goto out;
	}
	if (x.vol_open && vol_end(&x) < 0)
		goto out;
	hasher_wait(&x.h, UINT64_MAX);
	hasher_stop(&x.h);
	jp_progress_release(&x.prog);
	memset(&x.prog, 0, sizeof(x.prog));
	pthread_mutex_init(&x.prog.lock, NULL);

	if (o->readback && mf.nvols > 0 &&
	    stream_volumes(ctx, o->outdir, &mf, NULL, 1, "read back") < 0) {
		char msg[JP_ERRMSG_MAX];

		snprintf(msg, sizeof(msg), "%s", jp_error_msg(ctx));
		jp_error_set(ctx, JP_ERR, "reading the bundle back from '%s' "
		    "failed (bad medium?): %s", o->outdir, msg);
		goto out;
	}

	/* MANIFEST.sig, then MANIFEST last. */
	text = jp_manifest_format(&mf, &textlen);
	{
		struct jp_manifest chk;

		if (jp_manifest_parse(ctx, "MANIFEST", text, textlen, &chk) < 0)
			goto out;
		jp_manifest_release(&chk);
	}
	mtmp = jp_path_join(o->outdir, "MANIFEST.tmp");
	mpath = jp_path_join(o->outdir, "MANIFEST");
	spath = jp_path_join(o->outdir, "MANIFEST.sig");
	if (jp_file_write_atomic(ctx, mtmp, text, textlen) < 0 ||
	    jp_cms_sign(ctx, mtmp, o->key_pem, o->cert_pem, spath) < 0)
		goto out;
	if (rename(mtmp, mpath) < 0) {
		jp_error_errno(ctx, errno, "cannot rename '%s'", mtmp);
		goto out;
	}
	jp_fsync_dir(ctx, o->outdir);

	/* Records: the export and the hashes learned. */
	if (db_exec(ctx, db, dbpath, "BEGIN IMMEDIATE") < 0)
		goto recorded;
	{
		sqlite3_stmt *s;

		sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta VALUES"
		    "('store_id', ?)", -1, &s, NULL);
		sqlite3_bind_text(s, 1, mf.store_id, -1, SQLITE_STATIC);
		sqlite3_step(s);
		sqlite3_finalize(s);
		sqlite3_prepare_v2(db, "INSERT INTO exports VALUES(?,?,?,?,?,?,"
		    "?,?)", -1, &s, NULL);
		sqlite3_bind_int64(s, 1, (sqlite3_int64)mf.sequence);
		sqlite3_bind_text(s, 2, mf.bundle, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, mf.merge ? "merge" : mf.incremental ?
		    "incremental" : "full", -1, SQLITE_STATIC);
		if (mf.incremental)
			sqlite3_bind_text(s, 4, mf.base, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, mf.created, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, o->outdir, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, (sqlite3_int64)mf.nents);
		sqlite3_bind_int64(s, 8, (sqlite3_int64)total);
		if (sqlite3_step(s) != SQLITE_DONE)
			jp_warn(ctx, "cannot record the export in '%s': %s",
			    dbpath, sqlite3_errmsg(db));
		sqlite3_finalize(s);
		sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO hashes VALUES"
		    "(?,?,?,?,?,?)", -1, &s, NULL);
		for (i = 0; i < files.n; i++) {
			struct xfile *f = &files.v[i];

			sqlite3_reset(s);
			sqlite3_bind_text(s, 1, f->path, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, (sqlite3_int64)f->size);
			sqlite3_bind_int64(s, 3, f->mtime_ns);
			sqlite3_bind_int64(s, 4, f->ctime_ns);
			sqlite3_bind_int64(s, 5, (sqlite3_int64)f->ino);
			sqlite3_bind_blob(s, 6, f->ent->sha256, 32,
			    SQLITE_STATIC);
			sqlite3_step(s);
		}
		sqlite3_finalize(s);
	}
	if (db_exec(ctx, db, dbpath, "COMMIT") < 0)
		jp_warn(ctx, "%s", jp_error_msg(ctx));
recorded:
	jp_error_clear(ctx);
	if (st)
		jp_bundle_stats_of(&mf, st);
	rc = 0;
out:
	if (x.vol_open) {
		archive_write_free(x.w.a);
		EVP_MD_CTX_free(x.w.frame);
		close(x.w.fd);
		free(x.w.tmp);
		free(x.w.final);
	}
	hasher_stop(&x.h);
	if (x.prog.ctx)
		jp_progress_release(&x.prog);
	if (rc < 0)
		export_cleanup(&x, outdir_created);
	for (i = 0; i < x.nmade; i++)
		free(x.made[i]);
	free(x.made);
	ring_release(&x.ring);
	if (rlocks) {
		for (i = 0; i < nrepos; i++) {
			if (rlocks[i] >= 0)
				jp_lock_release(rlocks[i]);
		}
	}
	if (slock >= 0)
		jp_lock_release(slock);
	sqlite3_close(db);
	for (i = 0; i < files.n; i++) {
		free(files.v[i].path);
		free(files.v[i].abs);
	}
	free(files.v);
	free(sizes);
	free(byhash);
	for (i = 0; rpaths && i < nrepos; i++)
		free(rpaths[i]);
	free(rpaths);
	free(rlocks);
	free(text);
	free(mtmp);
	free(mpath);
	free(spath);
	free(parent);
	free(jdir);
	free(dbpath);
	free(lockpath);
	jp_manifest_release(&mf);
	jp_manifest_release(&base);
	return rc;
}

/* ---- reading volumes: verify, read back, import ---- */

struct reader {
	struct jp_ctx *ctx;
	struct jp_manifest *mf;
	const char *dir;
	const char *stage;          /* NULL: check only */
	struct hasher h;
	struct ring ring;
	struct jp_progress prog;
	/* the volume being read */
	const struct jp_mf_volume *vol;
	int fd;
	uint64_t pos;
	size_t p0, p1, ri;          /* its parts [p0, p1); frame cursor */
	EVP_MD_CTX *frame;
	int rerr;
	/* the file being written */
	int ofd;
	char *opath;
	char *lastdir;
	size_t *owner;              /* entry index of each part */
	int drop_cache;             /* read from the medium, not the cache */
};


static void
frame_feed(struct reader *r, const unsigned char *p, size_t n)
{
	const struct jp_mf_part *parts = r->mf->parts;
	uint64_t pos = r->pos, end = r->pos + n;

	while (pos < end) {
		uint64_t rs = UINT64_MAX, re = UINT64_MAX, m;

		while (r->ri < r->p1 &&
		    parts[r->ri].offset + parts[r->ri].length <= pos)
			r->ri++;
		if (r->ri < r->p1) {
			rs = parts[r->ri].offset;
			re = rs + parts[r->ri].length;
		}
		if (pos < rs) {
			m = end < rs ? end : rs;
			EVP_DigestUpdate(r->frame, p + (pos - r->pos), m - pos);
			pos = m;
		} else {
			pos = end < re ? end : re;
		}
	}
	r->pos = end;
}

static la_ssize_t
reader_cb(struct archive *a, void *u, const void **out)
{
	struct reader *r = u;
	unsigned bi = ring_take(&r->ring, &r->h);
	ssize_t n;

	do
		n = read(r->fd, r->ring.buf[bi], BUFSZ);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->rerr = errno;
		archive_set_error(a, errno, "read failed");
		return -1;
	}
	r->ring.len[bi] = (size_t)n;
	frame_feed(r, r->ring.buf[bi], (size_t)n);
	*out = r->ring.buf[bi];
	return n;
}

static int
rerror(struct reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
rerror(struct reader *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return jp_error_set(r->ctx, JP_ERR, "bundle '%s': volume '%s': %s",
	    r->dir, r->vol->name, msg);
}

/* Create the staging file for e, with its directories. */
static int
stage_open(struct reader *r, const struct jp_mf_entry *e)
{
	char *path = jp_path_join(r->stage, e->path);
	char *slash = strrchr(path, '/');

	*slash = '\0';
	if (r->lastdir == NULL || strcmp(r->lastdir, path) != 0) {
		if (jp_mkdir_p(r->ctx, path) < 0) {
			free(path);
			return JP_ERR;
		}
		free(r->lastdir);
		r->lastdir = jp_xstrdup(path);
	}
	*slash = '/';
	r->ofd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (r->ofd < 0) {
		jp_error_errno(r->ctx, errno, "cannot create '%s'", path);
		free(path);
		return JP_ERR;
	}
	r->opath = path;
	return 0;
}

static int
stage_close(struct reader *r)
{
	int rc = 0;

	if (r->ofd >= 0 && close(r->ofd) < 0)
		rc = jp_error_errno(r->ctx, errno, "cannot write '%s'", r->opath);
	r->ofd = -1;
	free(r->opath);
	r->opath = NULL;
	return rc;
}

/* The JPREPO-VOLUME entry: this bundle, this volume. */
static int
check_volume_entry(struct reader *r, struct archive *a,
    struct archive_entry *ae)
{
	char text[256], want[128], other[JP_BUNDLE_IDLEN + 1];
	la_int64_t size = archive_entry_size(ae);
	la_ssize_t n;
	uint64_t vn;

	if (size <= 0 || size >= (la_int64_t)sizeof(text))
		return rerror(r, "its first entry '%s' has a bad size",
		    VOLUME_ENTRY);
	n = archive_read_data(a, text, (size_t)size);
	if (n != size)
		return rerror(r, "damaged: %s", archive_error_string(a) ?
		    archive_error_string(a) : "short volume entry");
	text[n] = '\0';
	snprintf(want, sizeof(want), "jprepo-bundle %d\nbundle %s\nvolume %"
	    PRIu32 "\n", JP_MANIFEST_VERSION, r->mf->bundle, r->vol->number);
	if (strcmp(text, want) == 0)
		return 0;
	/* the same three lines with another bundle or volume number? */
	if (strncmp(text, "jprepo-bundle 1\nbundle ", 23) == 0 &&
	    strspn(text + 23, "0123456789abcdef") == JP_BUNDLE_IDLEN &&
	    strncmp(text + 23 + JP_BUNDLE_IDLEN, "\nvolume ", 8) == 0) {
		const char *num = text + 31 + JP_BUNDLE_IDLEN;
		size_t nd = strcspn(num, "\n");

		memcpy(other, text + 23, JP_BUNDLE_IDLEN);
		other[JP_BUNDLE_IDLEN] = '\0';
		if (strcmp(other, r->mf->bundle) != 0)
			return rerror(r, "it belongs to bundle %s, not to bundle "
			    "%s (volumes of two bundles mixed?)", other,
			    r->mf->bundle);
		if (jp_strnum_u64n(num, nd, &vn) == 0 && !strcmp(num + nd, "\n"))
			return rerror(r, "it is volume %" PRIu64 " of the bundle, "
			    "not volume %" PRIu32, vn, r->vol->number);
	}
	return rerror(r, "its '%s' entry is damaged", VOLUME_ENTRY);
}

static const char *
type_name(struct archive_entry *ae)
{
	if (archive_entry_hardlink(ae))
		return "a hard link";
	switch (archive_entry_filetype(ae)) {
	case AE_IFLNK: return "a symbolic link";
	case AE_IFDIR: return "a directory";
	case AE_IFCHR: return "a character device";
	case AE_IFBLK: return "a block device";
	case AE_IFIFO: return "a FIFO";
	case AE_IFSOCK: return "a socket";
	default: return "not a regular file";
	}
}

static int
read_volume(struct reader *r, size_t vi, size_t *pi)
{
	struct jp_manifest *mf = r->mf;
	const struct jp_mf_volume *vol = &mf->vols[vi];
	struct archive *a = NULL;
	struct archive_entry *ae;
	char *path = jp_path_join(r->dir, vol->name);
	unsigned char frame[32];
	struct stat st;
	int rc = JP_ERR, first = 1, ar;

	r->vol = vol;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		if (errno == ENOENT)
			rerror(r, "missing from the bundle directory");
		else
			jp_error_errno(r->ctx, errno, "cannot open '%s'", path);
		free(path);
		return JP_ERR;
	}
	if (fstat(r->fd, &st) < 0 || (uint64_t)st.st_size != vol->size) {
		rerror(r, "%s: %" PRIu64 " bytes where MANIFEST says %" PRIu64,
		    (uint64_t)st.st_size < vol->size ? "truncated" :
		    "wrong size", (uint64_t)st.st_size, vol->size);
		goto out;
	}
	if (r->drop_cache)
		posix_fadvise(r->fd, 0, 0, POSIX_FADV_DONTNEED);
	r->pos = 0;
	r->p0 = *pi;
	for (r->p1 = r->p0; r->p1 < mf->nparts &&
	    mf->parts[r->p1].volume == vol->number; r->p1++)
		;
	r->ri = r->p0;
	EVP_DigestInit_ex(r->frame, EVP_sha256(), NULL);
	a = archive_read_new();
	archive_read_support_format_tar(a);
	if (archive_read_open(a, r, NULL, reader_cb, NULL) != ARCHIVE_OK) {
		rerror(r, "damaged, or not a tar volume: %s",
		    archive_error_string(a));
		goto out;
	}
	for (;;) {
		const struct jp_mf_part *p;
		struct jp_mf_entry *e;
		const char *name;
		uint64_t got = 0;
		int firstpart, lastpart;

		ar = archive_read_next_header(a, &ae);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar != ARCHIVE_OK) {
			if (r->rerr)
				jp_error_errno(r->ctx, r->rerr, "cannot read '%s'",
				    path);
			else
				rerror(r, "damaged tar data near byte %" PRId64
				    ": %s", archive_read_header_position(a),
				    archive_error_string(a));
			goto out;
		}
		name = archive_entry_pathname(ae);
		if (name == NULL)
			name = "(no name)";
		if (archive_entry_filetype(ae) != AE_IFREG ||
		    archive_entry_hardlink(ae) != NULL ||
		    archive_entry_symlink(ae) != NULL) {
			rerror(r, "entry '%s' is %s; bundles hold regular files "
			    "only", name, type_name(ae));
			goto out;
		}
		if (first) {
			first = 0;
			if (strcmp(name, VOLUME_ENTRY) != 0) {
				rerror(r, "unexpected entry '%s' where '%s' must "
				    "come first", name, VOLUME_ENTRY);
				goto out;
			}
			if (check_volume_entry(r, a, ae) < 0)
				goto out;
			continue;
		}
		if (*pi >= r->p1) {
			long k = jp_manifest_find(mf, name);

			rerror(r, "%s entry '%s' after the last part MANIFEST "
			    "lists in this volume", k >= 0 ? "duplicate" :
			    "unexpected", name);
			goto out;
		}
		p = &mf->parts[*pi];
		e = &mf->ents[r->owner[*pi]];
		if (strcmp(name, e->path) != 0) {
			long k = jp_manifest_find(mf, name);
			int dup = k >= 0 && mf->ents[k].kind == JP_MF_FILE &&
			    mf->ents[k].nparts > 0 &&
			    mf->ents[k].part0 < *pi;

			rerror(r, "%s entry '%s' where MANIFEST lists '%s'",
			    dup ? "duplicate" : k >= 0 ? "out-of-order" :
			    "unexpected", name, e->path);
			goto out;
		}
		if (!archive_entry_size_is_set(ae) ||
		    (uint64_t)archive_entry_size(ae) != p->length) {
			rerror(r, "entry '%s' holds %" PRId64 " bytes where "
			    "MANIFEST declares %" PRIu64, name,
			    (int64_t)archive_entry_size(ae), p->length);
			goto out;
		}
		if (archive_entry_sparse_count(ae) > 0) {
			rerror(r, "entry '%s' is a sparse file", name);
			goto out;
		}
		firstpart = *pi == e->part0;
		lastpart = *pi + 1 == e->part0 + e->nparts;
		if (firstpart) {
			hasher_push(&r->h, H_BEGIN, NULL, 0, e);
			if (r->stage && stage_open(r, e) < 0)
				goto out;
		}
		for (;;) {
			const void *blk;
			size_t n;
			la_int64_t off;
			int bi;

			ar = archive_read_data_block(a, &blk, &n, &off);
			if (ar == ARCHIVE_EOF)
				break;
			if (ar != ARCHIVE_OK) {
				rerror(r, "entry '%s' is damaged or truncated: "
				    "%s", name, archive_error_string(a));
				goto out;
			}
			if ((uint64_t)off != got || n > p->length - got) {
				rerror(r, "entry '%s' has data outside its "
				    "declared size", name);
				goto out;
			}
			got += n;
			if (n == 0)
				continue;
			bi = ring_find(&r->ring, blk, n);
			if (bi >= 0) {
				r->ring.seq[bi] = hasher_push(&r->h, H_DATA, blk,
				    n, e);
				r->ring.used[bi] = 1;
			} else {
				/* libarchive's own copy: hash it now. */
				hasher_wait(&r->h, UINT64_MAX);
				EVP_DigestUpdate(r->h.md, blk, n);
			}
			if (r->stage && write_all(r->ofd, blk, n) < 0) {
				jp_error_errno(r->ctx, errno, "cannot write '%s'",
				    r->opath);
				goto out;
			}
			jp_progress_add(&r->prog, 0, n);
		}
		if (got != p->length) {
			rerror(r, "entry '%s' is truncated", name);
			goto out;
		}
		if (lastpart) {
			hasher_push(&r->h, H_END, NULL, 0, e);
			if (r->stage && stage_close(r) < 0)
				goto out;
		}
		(*pi)++;
		if (hasher_bad(&r->h) != NULL)
			break;
	}
	hasher_wait(&r->h, UINT64_MAX);
	if (hasher_bad(&r->h) != NULL) {
		rerror(r, "'%s': sha256 does not match MANIFEST (damaged or "
		    "tampered)", hasher_bad(&r->h)->path);
		goto out;
	}
	if (*pi < r->p1) {
		rerror(r, "ends before entry '%s' that MANIFEST lists "
		    "(truncated or damaged)", mf->ents[r->owner[*pi]].path);
		goto out;
	}
	/* The rest of the file: end-of-archive blocks, nothing else. */
	for (;;) {
		const void *dummy;
		la_ssize_t n = reader_cb(a, r, &dummy);

		if (n < 0) {
			jp_error_errno(r->ctx, r->rerr, "cannot read '%s'", path);
			goto out;
		}
		if (n == 0)
			break;
	}
	EVP_DigestFinal_ex(r->frame, frame, NULL);
	if (r->pos != vol->size) {
		rerror(r, "changed while being read");
		goto out;
	}
	if (memcmp(frame, vol->frame, 32) != 0) {
		rerror(r, "sha256 of its tar headers and padding does not match "
		    "MANIFEST (damaged or tampered)");
		goto out;
	}
	rc = 0;
out:
	if (a)
		archive_read_free(a);
	close(r->fd);
	r->fd = -1;
	free(path);
	return rc;
}

/*
 * Read every volume of mf in dir, checking all; with stage, extract the
 * carried files under it.  The reader is left for the caller when r is
 * given (stage_rest needs its context), else released.
 */
static int
stream_volumes_r(struct reader *r, struct jp_ctx *ctx, const char *dir,
    struct jp_manifest *mf, const char *stage, int drop_cache,
    const char *label)
{
	size_t i, pi = 0;
	uint64_t total = 0;
	int rc = JP_ERR;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->mf = mf;
	r->dir = dir;
	r->stage = stage;
	r->fd = -1;
	r->ofd = -1;
	r->drop_cache = drop_cache;
	r->owner = jp_xcalloc(mf->nparts + 1, sizeof(*r->owner));
	for (i = 0; i < mf->nents; i++) {
		size_t k;

		for (k = 0; k < mf->ents[i].nparts; k++)
			r->owner[mf->ents[i].part0 + k] = i;
	}
	for (i = 0; i < mf->nvols; i++)
		total += mf->vols[i].size;
	ring_init(&r->ring);
	r->frame = EVP_MD_CTX_new();
	jp_progress_init(&r->prog, ctx, label, 0);
	jp_progress_bytes(&r->prog, total, (unsigned)mf->nvols);
	if (hasher_start(&r->h, 1) < 0) {
		jp_error_set(ctx, JP_ERR, "cannot start a thread");
		goto out;
	}
	for (i = 0; i < mf->nvols; i++) {
		jp_progress_volume(&r->prog, (unsigned)i + 1,
		    (unsigned)mf->nvols);
		if (read_volume(r, i, &pi) < 0)
			goto out;
	}
	rc = 0;
out:
	hasher_stop(&r->h);
	stage_close(r);
	jp_progress_release(&r->prog);
	EVP_MD_CTX_free(r->frame);
	ring_release(&r->ring);
	free(r->owner);
	free(r->lastdir);
	r->owner = NULL;
	r->lastdir = NULL;
	return rc;
}

static int
stream_volumes(struct jp_ctx *ctx, const char *dir, struct jp_manifest *mf,
    const char *stage, int drop_cache, const char *label)
{
	struct reader r;

	return stream_volumes_r(&r, ctx, dir, mf, stage, drop_cache, label);
}

void
jp_bundle_stats_of(const struct jp_manifest *mf, struct jp_bundle_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	memcpy(st->bundle, mf->bundle, sizeof(st->bundle));
	snprintf(st->store, sizeof(st->store), "%s", mf->store ? mf->store : "");
	st->sequence = mf->sequence;
	st->incremental = mf->incremental;
	st->merge = mf->merge;
	st->base_sequence = mf->base_sequence;
	st->nrepos = mf->nrepos;
	st->nvols = mf->nvols;
	for (i = 0; i < mf->nvols; i++)
		st->volume_bytes += mf->vols[i].size;
	for (i = 0; i < mf->nents; i++) {
		switch (mf->ents[i].kind) {
		case JP_MF_FILE:
			st->carried++;
			st->carried_bytes += mf->ents[i].size;
			break;
		case JP_MF_COPY:
			st->copied++;
			break;
		case JP_MF_KEEP:
			st->kept++;
			break;
		}
	}
	st->deleted = mf->ndeletes;
}

int
jp_bundle_open(struct jp_ctx *ctx, const char *dir, const char *trust_pem,
    struct jp_manifest *mf, char *signer, size_t signer_len)
{
	char *m = jp_path_join(dir, "MANIFEST");
	char *s = jp_path_join(dir, "MANIFEST.sig");
	struct stat st;
	int rc = JP_ERR;

	memset(mf, 0, sizeof(*mf));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		jp_error_errno(ctx, errno ? errno : ENOTDIR,
		    "cannot open bundle directory '%s'", dir);
		goto out;
	}
	if (stat(m, &st) < 0) {
		jp_error_set(ctx, JP_ERR, "'%s' has no MANIFEST: not a bundle, "
		    "or an export that did not finish", dir);
		goto out;
	}
	if (trust_pem != NULL) {
		if (stat(s, &st) < 0) {
			jp_error_set(ctx, JP_ERR, "bundle '%s' has no MANIFEST.sig: "
			    "unsigned bundles are refused", dir);
			goto out;
		}
		if (jp_cms_verify(ctx, m, s, trust_pem, signer, signer_len) < 0) {
			char msg[JP_ERRMSG_MAX];

			snprintf(msg, sizeof(msg), "%s", jp_error_msg(ctx));
			jp_error_set(ctx, JP_ERR, "bundle '%s': bad signature: %s",
			    dir, msg);
			goto out;
		}
	}
	rc = jp_manifest_read(ctx, m, mf);
out:
	free(m);
	free(s);
	return rc;
}

/* The volumes are all there, with their sizes. */
static int
check_volume_files(struct jp_ctx *ctx, const char *dir,
    const struct jp_manifest *mf)
{
	size_t i;

	for (i = 0; i < mf->nvols; i++) {
		char *p = jp_path_join(dir, mf->vols[i].name);
		struct stat st;
		int e = stat(p, &st) < 0 ? errno : 0;

		free(p);
		if (e == ENOENT)
			return jp_error_set(ctx, JP_ERR, "bundle '%s': volume '%s' "
			    "is missing (%zu of %zu volumes expected)", dir,
			    mf->vols[i].name, i + 1, mf->nvols);
		if (e != 0)
			return jp_error_errno(ctx, e, "bundle '%s': cannot open "
			    "volume '%s'", dir, mf->vols[i].name);
		if ((uint64_t)st.st_size != mf->vols[i].size)
			return jp_error_set(ctx, JP_ERR, "bundle '%s': volume '%s' "
			    "is %s: %" PRIu64 " bytes where MANIFEST says %"
			    PRIu64, dir, mf->vols[i].name,
			    (uint64_t)st.st_size < mf->vols[i].size ?
			    "truncated" : "the wrong size",
			    (uint64_t)st.st_size, mf->vols[i].size);
	}
	return 0;
}

/* The last bundle of mf's store imported into store, if any. */
struct last_import {
	int found;
	char bundle[JP_BUNDLE_IDLEN + 1];
	uint64_t sequence;
	char imported[64];
	int pending;               /* from a COMMIT file, not the database */
};

static int commit_parse(struct jp_ctx *ctx, const char *path,
    struct jp_manifest *mf);

/*
 * rw: the store's lock is held, so a hot journal left by a killed import
 * may be rolled back (a read-only connection cannot).  Without it a
 * pending commit (a COMMIT file of a killed import) counts as imported,
 * as the next import completes it before anything else.
 */
static int
last_import(struct jp_ctx *ctx, const char *store, const char *store_id,
    struct last_import *li, int rw, int chain)
{
	char *path = jp_path_join(store, ".jprepo/imports.sqlite");
	char *cpath = jp_path_join(store, STAGE_DIR "/COMMIT");
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct jp_manifest cm;
	struct stat st;
	int rc = 0;

	memset(li, 0, sizeof(*li));
	if (stat(path, &st) < 0)
		goto pending;
	if (db_open(ctx, path, rw, &db) < 0) {
		rc = JP_ERR;
		goto out;
	}
	/* chain: the bundles an incremental one may build on (not merges) */
	if (sqlite3_prepare_v2(db, chain ? "SELECT bundle, sequence, imported "
	    "FROM imports WHERE store_id = ? AND type != 'merge' ORDER BY "
	    "sequence DESC LIMIT 1" : "SELECT bundle, sequence, imported FROM "
	    "imports WHERE store_id = ? ORDER BY sequence DESC LIMIT 1", -1,
	    &s, NULL) != SQLITE_OK) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': %s%s", path,
		    sqlite3_errmsg(db), rw ? "" : " (an interrupted import? "
		    "jprepo import repairs it)");
		goto out;
	}
	sqlite3_bind_text(s, 1, store_id, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		li->found = 1;
		snprintf(li->bundle, sizeof(li->bundle), "%s",
		    (const char *)sqlite3_column_text(s, 0));
		li->sequence = (uint64_t)sqlite3_column_int64(s, 1);
		snprintf(li->imported, sizeof(li->imported), "%s",
		    (const char *)sqlite3_column_text(s, 2));
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': %s%s", path,
		    sqlite3_errmsg(db), rw ? "" : " (an interrupted import? "
		    "jprepo import repairs it)");
		goto out;
	}
pending:
	if (!rw && lstat(cpath, &st) == 0 &&
	    commit_parse(ctx, cpath, &cm) == 0) {
		/* newer than the database's last, or that very bundle
		 * (killed after it was recorded, before COMMIT went) */
		if (strcmp(cm.store_id, store_id) == 0 && !(chain && cm.merge) &&
		    (!li->found || cm.sequence > li->sequence ||
		    strcmp(cm.bundle, li->bundle) == 0)) {
			li->found = 1;
			li->pending = 1;
			memcpy(li->bundle, cm.bundle, sizeof(li->bundle));
			li->sequence = cm.sequence;
			snprintf(li->imported, sizeof(li->imported),
			    "(interrupted, completed by the next import)");
		}
		jp_manifest_release(&cm);
	}
	jp_error_clear(ctx);
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(path);
	free(cpath);
	return rc;
}

/* Replays and gaps (jprepo-bundle(5), "Sequence"). */
static int
check_sequence(struct jp_ctx *ctx, const char *store,
    const struct jp_manifest *mf, int rw, int *dberr)
{
	struct last_import li;

	if (last_import(ctx, store, mf->store_id, &li, rw, 0) < 0) {
		if (dberr)
			*dberr = 1;
		return JP_ERR;
	}
	if (li.pending && strcmp(li.bundle, mf->bundle) == 0)
		return 0;       /* the import completes it */
	if (li.found && strcmp(li.bundle, mf->bundle) == 0)
		return jp_error_set(ctx, JP_ERR, "bundle %s (sequence %" PRIu64
		    ") of store '%s' was already imported into '%s' on %s; "
		    "refusing a replay", mf->bundle, mf->sequence, mf->store,
		    store, li.imported);
	if (li.found && mf->sequence <= li.sequence)
		return jp_error_set(ctx, JP_ERR, "bundle %s (sequence %" PRIu64
		    ") of store '%s' is not newer than bundle %s (sequence %"
		    PRIu64 ") imported on %s; refusing a replay", mf->bundle,
		    mf->sequence, mf->store, li.bundle, li.sequence,
		    li.imported);
	if (!mf->incremental)
		return 0;
	/* an incremental bundle builds on the last full or incremental one */
	if (last_import(ctx, store, mf->store_id, &li, rw, 1) < 0) {
		if (dberr)
			*dberr = 1;
		return JP_ERR;
	}
	if (!li.found)
		return jp_error_set(ctx, JP_ERR, "bundle %s is incremental on "
		    "base bundle %s (sequence %" PRIu64 "), which '%s' has not "
		    "imported: import that one (or a full bundle) first",
		    mf->bundle, mf->base, mf->base_sequence, store);
	if (strcmp(li.bundle, mf->base) == 0)
		return 0;
	if (li.sequence < mf->base_sequence)
		return jp_error_set(ctx, JP_ERR, "bundle %s is incremental on "
		    "base bundle %s (sequence %" PRIu64 "), but the last bundle "
		    "of store '%s' imported is sequence %" PRIu64 ": import "
		    "bundle %s (sequence %" PRIu64 ") first, or a full bundle",
		    mf->bundle, mf->base, mf->base_sequence, mf->store,
		    li.sequence, mf->base, mf->base_sequence);
	return jp_error_set(ctx, JP_ERR, "bundle %s is incremental on base "
	    "bundle %s (sequence %" PRIu64 "), but '%s' has since imported "
	    "sequence %" PRIu64 " of store '%s': export an incremental bundle "
	    "--since that bundle's MANIFEST, or a full one", mf->bundle,
	    mf->base, mf->base_sequence, store, li.sequence, mf->store);
}

static int
copy_fd(int in, int out)
{
	static const size_t chunk = 1 << 20;
	char *buf = NULL;
	ssize_t n;

	for (;;) {
		n = copy_file_range(in, NULL, out, NULL, chunk, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != EINVAL && errno != ENOSYS &&
		    errno != EOPNOTSUPP)
			return -1;
		break;
	}
	buf = jp_xmalloc(chunk);
	while ((n = read(in, buf, chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(out, buf, (size_t)n) < 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

static int
copy_file(struct jp_ctx *ctx, const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out;
	int rc = 0;

	if (in < 0)
		return jp_error_errno(ctx, errno, "cannot open '%s'", from);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (out < 0) {
		rc = jp_error_errno(ctx, errno, "cannot create '%s'", to);
	} else {
		if (copy_fd(in, out) < 0)
			rc = jp_error_errno(ctx, errno, "cannot copy '%s' to "
			    "'%s'", from, to);
		if (close(out) < 0 && rc == 0)
			rc = jp_error_errno(ctx, errno, "cannot write '%s'", to);
	}
	close(in);
	return rc;
}

static int
mkparent(struct jp_ctx *ctx, const char *path)
{
	char *d = jp_xstrdup(path), *slash = strrchr(d, '/');
	int rc = 0;

	if (slash) {
		*slash = '\0';
		rc = jp_mkdir_p(ctx, d);
	}
	free(d);
	return rc;
}

/*
 * Kept files: in the store with their size and sha256 (linked into the
 * stage when there is one).  Copies: from the staged or kept content.
 */
static int
cmp_ent_sha(const void *a, const void *b)
{
	const struct jp_mf_entry *x = *(struct jp_mf_entry *const *)a;
	const struct jp_mf_entry *y = *(struct jp_mf_entry *const *)b;
	int c = memcmp(x->sha256, y->sha256, 32);

	if (c != 0)
		return c;
	return x->size < y->size ? -1 : x->size > y->size;
}

static int
stage_rest(struct jp_ctx *ctx, const char *store, const char *stage,
    struct jp_manifest *mf)
{
	struct jp_mf_entry **srcs = NULL;
	size_t i, nsrcs = 0;

	for (i = 0; i < mf->nents; i++) {
		const struct jp_mf_entry *e = &mf->ents[i];
		char *src, *dst;
		unsigned char sha[32];
		uint64_t size;
		struct stat st;
		int rc = 0;

		if (e->kind != JP_MF_KEEP)
			continue;
		src = jp_path_join(store, e->path);
		if (lstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
			rc = jp_error_set(ctx, JP_ERR, "'%s' is kept from base "
			    "bundle %s but is not in the store as '%s'; import "
			    "a full bundle", e->path, mf->base, src);
		} else if ((uint64_t)st.st_size == e->size &&
		    sha_file(ctx, src, sha, &size) < 0) {
			rc = JP_ERR;    /* cannot open or read: said so */
		} else if ((uint64_t)st.st_size != e->size || size != e->size ||
		    memcmp(sha, e->sha256, 32) != 0) {
			rc = jp_error_set(ctx, JP_ERR, "'%s' is kept from base "
			    "bundle %s but '%s' differs from it (sha256 or size); "
			    "import a full bundle", e->path, mf->base, src);
		} else if (stage != NULL) {
			dst = jp_path_join(stage, e->path);
			if ((rc = mkparent(ctx, dst)) == 0 && link(src, dst) < 0)
				rc = copy_file(ctx, src, dst);
			free(dst);
		}
		free(src);
		if (rc < 0)
			return JP_ERR;
	}
	if (stage == NULL)
		return 0;
	srcs = jp_xcalloc(mf->nents + 1, sizeof(*srcs));
	for (i = 0; i < mf->nents; i++) {
		if (mf->ents[i].kind != JP_MF_COPY)
			srcs[nsrcs++] = &mf->ents[i];
	}
	qsort(srcs, nsrcs, sizeof(*srcs), cmp_ent_sha);
	for (i = 0; i < mf->nents; i++) {
		const struct jp_mf_entry *e = &mf->ents[i];
		char *src = NULL, *dst;
		int rc;

		if (e->kind != JP_MF_COPY)
			continue;
		{
			struct jp_mf_entry key, *kp = &key, **hit;

			memcpy(key.sha256, e->sha256, 32);
			key.size = e->size;
			hit = bsearch(&kp, srcs, nsrcs, sizeof(*srcs),
			    cmp_ent_sha);
			if (hit != NULL)
				src = jp_path_join(stage, (*hit)->path);
		}
		if (src == NULL) {
			free(srcs);
			return jp_error_set(ctx, JP_ERR, "internal error: no "
			    "source for '%s'", e->path);
		}
		dst = jp_path_join(stage, e->path);
		rc = mkparent(ctx, dst);
		if (rc == 0)
			rc = copy_file(ctx, src, dst);
		free(src);
		free(dst);
		if (rc < 0) {
			free(srcs);
			return JP_ERR;
		}
	}
	free(srcs);
	return 0;
}

/* What a COMMIT file records: enough to finish the import alone. */
static char *
commit_text(const struct jp_manifest *mf)
{
	char *t = jp_xasprintf("bundle %s\nstore %s %s\nsequence %" PRIu64
	    "\nbase %s %" PRIu64 "\ncreated %s\n%s", mf->bundle, mf->store_id,
	    mf->store, mf->sequence, mf->incremental ? mf->base : "-",
	    mf->base_sequence, mf->created, mf->merge ? "merge\n" : "");
	size_t i;

	for (i = 0; i < mf->nrepos; i++) {
		char *u = jp_xasprintf("%srepo %s\n", t, mf->repos[i].name);

		free(t);
		t = u;
	}
	return t;
}

static int
commit_parse(struct jp_ctx *ctx, const char *path, struct jp_manifest *mf)
{
	char *data, *line, *save = NULL;
	size_t len;
	int rc = 0;

	memset(mf, 0, sizeof(*mf));
	if (jp_file_read(ctx, path, &data, &len) < 0)
		return JP_ERR;
	for (line = strtok_r(data, "\n", &save); line && rc == 0;
	    line = strtok_r(NULL, "\n", &save)) {
		char *w[3];
		size_t nw;
		uint64_t n;

		if (strncmp(line, "store ", 6) == 0 && strlen(line) > 40) {
			memcpy(mf->store_id, line + 6, 32);
			mf->store_id[32] = '\0';
			mf->store = jp_xstrdup(line + 39);
			continue;
		}
		if (strncmp(line, "repo ", 5) != 0 &&
		    (nw = jp_strnum_words(line, w, 3)) >= 2 && nw <= 3) {
			/* line is now split: "KEY VALUE [VALUE]" */
			if (nw == 2 && !strcmp(w[0], "bundle") &&
			    strlen(w[1]) == 32) {
				memcpy(mf->bundle, w[1], 33);
				continue;
			}
			if (nw == 2 && !strcmp(w[0], "sequence") &&
			    jp_strnum_u64(w[1], &n) == 0) {
				mf->sequence = n;
				continue;
			}
			if (nw == 3 && !strcmp(w[0], "base") &&
			    jp_strnum_u64(w[2], &n) == 0 &&
			    (!strcmp(w[1], "-") || strlen(w[1]) == 32)) {
				if (strcmp(w[1], "-") != 0) {
					mf->incremental = 1;
					memcpy(mf->base, w[1], 33);
					mf->base_sequence = n;
				}
				continue;
			}
			if (nw == 2 && !strcmp(w[0], "created") &&
			    strlen(w[1]) < sizeof(mf->created)) {
				memcpy(mf->created, w[1], strlen(w[1]) + 1);
				continue;
			}
			rc = jp_error_set(ctx, JP_ERR, "'%s' is damaged", path);
		} else if (strcmp(line, "merge") == 0)
			mf->merge = 1;
		else if (strncmp(line, "repo ", 5) == 0 &&
		    jp_manifest_path_ok(line + 5) && !strchr(line + 5, '/')) {
			mf->repos = jp_xrealloc(mf->repos, (mf->nrepos + 1) *
			    sizeof(*mf->repos));
			mf->repos[mf->nrepos].name = jp_xstrdup(line + 5);
			mf->repos[mf->nrepos].type = jp_xstrdup("");
			mf->nrepos++;
		} else
			rc = jp_error_set(ctx, JP_ERR, "'%s' is damaged", path);
	}
	free(data);
	if (rc == 0 && (mf->bundle[0] == '\0' || mf->store == NULL ||
	    mf->sequence == 0))
		rc = jp_error_set(ctx, JP_ERR, "'%s' is incomplete", path);
	if (rc < 0)
		jp_manifest_release(mf);
	return rc;
}

/* Does dir/.jprepo/bundle name this bundle? */
static int
marked(const char *dir, const char *bundle)
{
	char *p = jp_path_join(dir, ".jprepo/bundle");
	char buf[128];
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ok = 0;
	ssize_t n;

	free(p);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		ok = strncmp(buf, "bundle ", 7) == 0 &&
		    strncmp(buf + 7, bundle, JP_BUNDLE_IDLEN) == 0;
	}
	return ok;
}

static int
record_import(struct jp_ctx *ctx, const char *store,
    const struct jp_manifest *mf)
{
	char *path = jp_path_join(store, ".jprepo/imports.sqlite");
	char now[21], *repos = jp_xstrdup("");
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	size_t i;
	int rc = JP_ERR;

	utc_now(now);
	for (i = 0; i < mf->nrepos; i++) {
		char *t = jp_xasprintf("%s%s%s", repos, i ? " " : "",
		    mf->repos[i].name);

		free(repos);
		repos = t;
	}
	if (db_open(ctx, path, 1, &db) < 0 ||
	    db_exec(ctx, db, path, import_schema) < 0)
		goto out;
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO imports VALUES"
	    "(?,?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(s, 1, mf->bundle, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, mf->store_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, mf->store, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)mf->sequence);
	sqlite3_bind_text(s, 5, mf->merge ? "merge" : mf->incremental ?
	    "incremental" : "full", -1, SQLITE_STATIC);
	if (mf->incremental) {
		sqlite3_bind_text(s, 6, mf->base, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 7, (sqlite3_int64)mf->base_sequence);
	}
	sqlite3_bind_text(s, 8, mf->created, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, repos, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto dberr;
	rc = 0;
	goto out;
dberr:
	jp_error_set(ctx, JP_ERR, "cannot record the import in '%s': %s", path,
	    sqlite3_errmsg(db));
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	free(path);
	free(repos);
	return rc;
}

/*
 * Put the staged repositories in place (idempotent: a repository whose
 * live tree already carries this bundle's mark is done), record the
 * import, and remove the staging directory with the old trees.
 */
static int
commit(struct jp_ctx *ctx, const char *store, const struct jp_manifest *mf)
{
	char *stagedir = jp_path_join(store, STAGE_DIR), *cpath;
	size_t i;
	int rc = 0;

	for (i = 0; i < mf->nrepos && rc == 0; i++) {
		char *live = jp_path_join(store, mf->repos[i].name);
		char *staged = jp_path_join(stagedir, mf->repos[i].name);
		struct stat st;

		if (marked(live, mf->bundle)) {
			/* done before an interruption */
		} else if (!marked(staged, mf->bundle)) {
			rc = jp_error_set(ctx, JP_ERR, "cannot complete the "
			    "import of bundle %s: '%s' is not staged", mf->bundle,
			    staged);
		} else if (lstat(live, &st) == 0) {
			if (renameat2(AT_FDCWD, staged, AT_FDCWD, live,
			    RENAME_EXCHANGE) < 0)
				rc = jp_error_errno(ctx, errno, "cannot put '%s' "
				    "in place of '%s'", staged, live);
		} else if (rename(staged, live) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot move '%s' to "
			    "'%s'", staged, live);
		}
		free(live);
		free(staged);
	}
	if (rc == 0)
		rc = jp_fsync_dir(ctx, store);
	if (rc == 0)
		rc = record_import(ctx, store, mf);
	if (rc == 0) {
		cpath = jp_path_join(stagedir, "COMMIT");
		unlink(cpath);
		free(cpath);
		if (jp_rm_rf(ctx, stagedir) < 0) {
			jp_warn(ctx, "%s", jp_error_msg(ctx));
			jp_error_clear(ctx);
		}
	}
	free(stagedir);
	return rc;
}

/* Finish or clear what an interrupted import left. */
static int
recover(struct jp_ctx *ctx, const char *store, char done[JP_BUNDLE_IDLEN + 1])
{
	char *stagedir = jp_path_join(store, STAGE_DIR);
	char *cpath = jp_path_join(stagedir, "COMMIT");
	struct jp_manifest cm;
	struct stat st;
	int rc = 0;

	if (lstat(stagedir, &st) < 0) {
		/* nothing left over */
	} else if (lstat(cpath, &st) == 0) {
		if ((rc = commit_parse(ctx, cpath, &cm)) == 0) {
			jp_info(ctx, "completing the interrupted import of bundle "
			    "%s (sequence %" PRIu64 " of store '%s')", cm.bundle,
			    cm.sequence, cm.store);
			rc = commit(ctx, store, &cm);
			if (rc == 0)
				memcpy(done, cm.bundle, JP_BUNDLE_IDLEN + 1);
			jp_manifest_release(&cm);
		}
	} else {
		jp_info(ctx, "removing what an interrupted import left in '%s'",
		    stagedir);
		rc = jp_rm_rf(ctx, stagedir);
	}
	free(stagedir);
	free(cpath);
	return rc;
}

/* The directory part of path, in a static buffer ("." when none). */
static const char *
parent_dir_of(const char *path)
{
	static char buf[PATH_MAX];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return ".";
	if (slash == buf)
		slash[1] = '\0';
	else
		*slash = '\0';
	return buf;
}

/* Checks that need no lock and change nothing. */
static int
precheck(struct jp_ctx *ctx, const char *dir, const char *store,
    const struct jp_manifest *mf, int space)
{
	uint64_t need = 16ULL << 20, files = 0;
	struct statvfs vfs;
	size_t i;
	int dberr = 0;

	if (check_volume_files(ctx, dir, mf) < 0)
		return JP_ERR;
	if (store == NULL)
		return 0;
	if (check_sequence(ctx, store, mf, 0, &dberr) < 0) {
		/* An import repairs the database under the lock, then checks. */
		if (!space || !dberr)
			return JP_ERR;
		jp_error_clear(ctx);
	}
	for (i = 0; i < mf->nrepos; i++) {
		char *live = jp_path_join(store, mf->repos[i].name);
		struct stat st;
		int bad = lstat(live, &st) == 0 && !S_ISDIR(st.st_mode);

		if (mf->merge && lstat(live, &st) < 0) {
			free(live);
			return jp_error_set(ctx, JP_ERR, "bundle %s adds packages to "
			    "repository '%s', which the store '%s' does not have",
			    mf->bundle, mf->repos[i].name, store);
		}
		free(live);
		if (bad)
			return jp_error_set(ctx, JP_ERR, "'%s/%s' is in the way: "
			    "it is not a directory", store, mf->repos[i].name);
	}
	if (!space)
		return 0;
	for (i = 0; i < mf->nents; i++) {
		if (mf->ents[i].kind != JP_MF_KEEP)
			need += (mf->ents[i].size + 4095) / 4096 * 4096;
		files++;
	}
	if (statvfs(store, &vfs) == 0 || (errno == ENOENT &&
	    statvfs(parent_dir_of(store), &vfs) == 0)) {
		uint64_t have = (uint64_t)vfs.f_bavail * vfs.f_frsize;

		if (have < need)
			return jp_error_set(ctx, JP_ERR, "not enough space in '%s': "
			    "the import needs %.1f MB, %.1f MB are free", store,
			    need / 1e6, have / 1e6);
		if (vfs.f_files > 0 && vfs.f_favail < files + 64)
			return jp_error_set(ctx, JP_ERR, "not enough space in '%s': "
			    "the import needs %" PRIu64 " inodes, %llu are free",
			    store, files + 64,
			    (unsigned long long)vfs.f_favail);
	}
	return 0;
}

int
jp_bundle_verify(struct jp_ctx *ctx, const char *dir, const char *trust_pem,
    const char *store, struct jp_bundle_stats *st)
{
	struct jp_manifest mf;
	int rc = JP_ERR;

	if (jp_bundle_open(ctx, dir, trust_pem, &mf, NULL, 0) < 0)
		return JP_ERR;
	if (precheck(ctx, dir, store, &mf, 0) < 0)
		goto out;
	if (stream_volumes(ctx, dir, &mf, NULL, 0, "verify") < 0)
		goto out;
	if (store != NULL && stage_rest(ctx, store, NULL, &mf) < 0)
		goto out;
	if (st)
		jp_bundle_stats_of(&mf, st);
	rc = 0;
out:
	jp_manifest_release(&mf);
	return rc;
}

/* ---- merge bundles: add packages to the store's repositories ---- */

/*
 * Put the tree src into dst: by links (copies where a link cannot be
 * made), leaving jprepo's own files out, or (move) by renaming every file
 * over what dst holds, then removing src.
 */
static int
graft_tree(struct jp_ctx *ctx, const char *src, const char *dst, int move)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int rc = 0;

	if (d == NULL)
		return jp_error_errno(ctx, errno, "cannot read '%s'", src);
	if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
		closedir(d);
		return jp_error_errno(ctx, errno, "cannot create '%s'", dst);
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		char *s, *t;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!move && (strncmp(de->d_name, ".jprepo", 7) == 0 ||
		    (de->d_name[0] == '.' && strstr(de->d_name, ".jprepo-"))))
			continue;
		s = jp_path_join(src, de->d_name);
		t = jp_path_join(dst, de->d_name);
		if (lstat(s, &st) < 0)
			rc = jp_error_errno(ctx, errno, "cannot stat '%s'", s);
		else if (S_ISDIR(st.st_mode))
			rc = graft_tree(ctx, s, t, move);
		else if (move) {
			if (rename(s, t) < 0)
				rc = jp_error_errno(ctx, errno, "cannot move '%s'", s);
		} else if (!S_ISREG(st.st_mode))
			rc = jp_error_set(ctx, JP_ERR, "cannot add packages to the "
			    "repository: '%s' is not a regular file", s);
		else if (link(s, t) < 0)
			rc = copy_file(ctx, s, t);
		free(s);
		free(t);
	}
	closedir(d);
	if (rc == 0 && move)
		rmdir(src);
	return rc;
}

/* Is the repository at dir signed (repomd.xml.asc, or InRelease)? */
static int
repo_signed(const char *dir)
{
	struct stat st;
	char *p = jp_path_join(dir, "repodata/repomd.xml.asc");
	int yes = stat(p, &st) == 0;
	DIR *d;
	struct dirent *de;

	free(p);
	if (yes)
		return 1;
	p = jp_path_join(dir, "dists");
	d = opendir(p);
	while (d && !yes && (de = readdir(d)) != NULL) {
		char *q;

		if (de->d_name[0] == '.')
			continue;
		q = jp_xasprintf("%s/%s/InRelease", p, de->d_name);
		yes = stat(q, &st) == 0;
		free(q);
	}
	if (d)
		closedir(d);
	free(p);
	return yes;
}

/* The fields of an APT repository's Release that its rebuild keeps. */
struct apt_fields {
	char *suite, *codename, *component, *origin, *label;
	int advisories;          /* it carries dists/SUITE/updateinfo.xml.gz */
};

static void
apt_fields_release(struct apt_fields *f)
{
	free(f->suite);
	free(f->codename);
	free(f->component);
	free(f->origin);
	free(f->label);
	memset(f, 0, sizeof(*f));
}

static int
apt_fields_of(struct jp_ctx *ctx, const char *dir, struct apt_fields *f)
{
	char *dists = jp_path_join(dir, "dists"), *rel = NULL, *data = NULL;
	struct jp_deb822_stanza *sts = NULL;
	size_t nst = 0, len;
	DIR *d = opendir(dists);
	struct dirent *de;
	struct stat st;
	int rc = JP_ERR;
	const char *v;

	memset(f, 0, sizeof(*f));
	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		free(rel);
		rel = jp_xasprintf("%s/%s/Release", dists, de->d_name);
		if (stat(rel, &st) == 0)
			break;
	}
	if (d)
		closedir(d);
	if (rel == NULL || stat(rel, &st) < 0) {
		jp_error_set(ctx, JP_ERR, "'%s' has no dists/SUITE/Release", dir);
		goto out;
	}
	if (jp_file_read(ctx, rel, &data, &len) < 0 ||
	    jp_deb822_parse(ctx, data, len, rel, 0, &sts, &nst) < 0 || nst == 0)
		goto out;
	if ((v = jp_deb822_get(&sts[0], "Suite")))
		f->suite = jp_xstrdup(v);
	if ((v = jp_deb822_get(&sts[0], "Codename")))
		f->codename = jp_xstrdup(v);
	if ((v = jp_deb822_get(&sts[0], "Components"))) {
		size_t n = strcspn(v, " \t\n");

		f->component = jp_xstrndup(v, n);
	}
	if ((v = jp_deb822_get(&sts[0], "Origin")))
		f->origin = jp_xstrdup(v);
	if ((v = jp_deb822_get(&sts[0], "Label")))
		f->label = jp_xstrdup(v);
	{
		char *u = jp_xasprintf("%.*s/updateinfo.xml.gz",
		    (int)(strlen(rel) - 8), rel);

		f->advisories = stat(u, &st) == 0;
		free(u);
	}
	rc = 0;
out:
	jp_deb822_free(sts, nst);
	free(data);
	free(rel);
	free(dists);
	return rc;
}

/*
 * The repositories of a merge bundle, staged: each becomes a copy of the
 * store's repository with the bundle's files added, rebuilt and signed.
 */
static int
merge_rebuild(struct jp_ctx *ctx, const char *store, const char *stage,
    const struct jp_manifest *mf, const struct jp_import_sign *sign)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < mf->nrepos && rc == 0; i++) {
		const char *name = mf->repos[i].name;
		char *live = jp_path_join(store, name);
		char *staged = jp_path_join(stage, name);
		char *added = jp_xasprintf("%s/.add-%s", stage, name);
		char *adv = jp_xasprintf("%s/.adv-%s.xml", stage, name);
		char *advin = jp_path_join(staged, JP_REQUEST_ADVISORIES);
		char *old_uinfo = NULL, *cache_s, *cache_d;
		const char *advs[3] = { NULL, NULL, NULL };
		struct jp_build_opts bo;
		struct jp_build_stats bs;
		struct apt_fields af;
		struct stat st;
		size_t na = 0;

		memset(&af, 0, sizeof(af));
		if (lstat(live, &st) < 0 || !S_ISDIR(st.st_mode)) {
			rc = jp_error_set(ctx, JP_ERR, "bundle %s adds packages to "
			    "repository '%s', which the store '%s' does not have",
			    mf->bundle, name, store);
			goto next;
		}
		if (repo_signed(live) && (sign == NULL || sign->key == NULL)) {
			rc = jp_error_set(ctx, JP_ERR, "repository '%s' is signed: "
			    "give --sign KEYID to sign it again after adding the "
			    "bundle's packages", live);
			goto next;
		}
		/* the bundle's files aside, the live tree linked in, then both */
		if (lstat(staged, &st) == 0 && rename(staged, added) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot move '%s'", staged);
			goto next;
		}
		if ((rc = graft_tree(ctx, live, staged, 0)) < 0)
			goto next;
		cache_s = jp_path_join(live, ".jprepo/cache.sqlite");
		cache_d = jp_path_join(staged, ".jprepo");
		if (stat(cache_s, &st) == 0 && mkdir(cache_d, 0755) == 0) {
			char *t = jp_path_join(cache_d, "cache.sqlite");

			/* a warm cache: the linked packages keep their inodes */
			if (copy_file(ctx, cache_s, t) < 0)
				jp_error_clear(ctx);
			free(t);
		}
		free(cache_s);
		free(cache_d);
		if (lstat(added, &st) == 0 && (rc = graft_tree(ctx, added,
		    staged, 1)) < 0)
			goto next;
		if (lstat(advin, &st) == 0 && rename(advin, adv) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot move '%s'", advin);
			goto next;
		}
		memset(&bo, 0, sizeof(bo));
		bo.jobs = jp_ncpus();
		bo.strict = 1;
		bo.revision = (int64_t)time(NULL);
		{
			/* reproducible-builds.org, as jprepo build reads it */
			const char *e = getenv("SOURCE_DATE_EPOCH");
			char *endp;
			long long v;

			if (e && *e && (v = strtoll(e, &endp, 10)) >= 0 &&
			    *endp == '\0' && v < bo.revision)
				bo.revision = v;
		}
		bo.sign_key = sign ? sign->key : NULL;
		bo.sign_homedir = sign ? sign->homedir : NULL;
		bo.sign_passphrase_file = sign ? sign->passphrase_file : NULL;
		if (strcmp(mf->repos[i].type, "apt") == 0) {
			if ((rc = apt_fields_of(ctx, live, &af)) < 0)
				goto next;
			bo.suite = af.suite;
			bo.codename = af.codename;
			bo.component = af.component;
			bo.origin = af.origin;
			bo.label = af.label;
			bo.apt_hint = 1;
			if (af.advisories)
				jp_warn(ctx, "repository '%s' carried Debian advisories "
				    "(dists/SUITE/updateinfo.xml.gz); they are not kept "
				    "by adding packages: run jprepo build --advisories "
				    "FEED on it again", live);
		} else {
			old_uinfo = jp_rpmmd_updateinfo_path(ctx, live);
			jp_error_clear(ctx);
			if (old_uinfo)
				advs[na++] = old_uinfo;
			if (lstat(adv, &st) == 0)
				advs[na++] = adv;
			bo.advisories = na ? advs : NULL;
		}
		jp_info(ctx, "adding %s's packages to '%s' and rebuilding it%s",
		    mf->bundle, name, bo.sign_key ? " (signed)" : "");
		rc = jp_repobuild(ctx, staged, &bo, &bs);
		jp_build_stats_release(&bs);
		if (rc < 0) {
			char msg[JP_ERRMSG_MAX];

			snprintf(msg, sizeof(msg), "%s", jp_error_msg(ctx));
			jp_error_set(ctx, JP_ERR, "cannot rebuild repository '%s' "
			    "with the bundle's packages: %s", name, msg);
			goto next;
		}
		unlink(adv);
next:
		apt_fields_release(&af);
		free(old_uinfo);
		free(live);
		free(staged);
		free(added);
		free(adv);
		free(advin);
	}
	return rc;
}

static int
write_marks(struct jp_ctx *ctx, const char *stage,
    const struct jp_manifest *mf)
{
	size_t i;

	for (i = 0; i < mf->nrepos; i++) {
		char *d = jp_xasprintf("%s/%s/.jprepo", stage, mf->repos[i].name);
		char *p = jp_path_join(d, "bundle");
		char *t = jp_xasprintf("bundle %s\nsequence %" PRIu64 "\nstore "
		    "%s %s\ncreated %s\n", mf->bundle, mf->sequence, mf->store_id,
		    mf->store, mf->created);
		int rc = jp_mkdir_p(ctx, d);

		if (rc == 0)
			rc = jp_file_write_atomic(ctx, p, t, strlen(t));
		free(d);
		free(p);
		free(t);
		if (rc < 0)
			return JP_ERR;
	}
	return 0;
}

int
jp_bundle_import(struct jp_ctx *ctx, const char *dir, const char *trust_pem,
    const char *store_arg, int wait_secs, const struct jp_import_sign *sign,
    struct jp_bundle_stats *st)
{
	struct jp_manifest mf;
	char *store = NULL, *jdir = NULL, *lockpath = NULL, *stage = NULL;
	char *cpath = NULL, *ctext = NULL, signer[512];
	char done[JP_BUNDLE_IDLEN + 1] = "";
	int lock = -1, rc = JP_ERR, made_jdir = 0, made_store = 0, staged = 0;
	int fd, committing = 0;
	struct stat sb;

	if (trust_pem == NULL)
		return jp_error_set(ctx, JP_ERR, "a trust certificate is needed");
	/* The signature before anything else. */
	if (jp_bundle_open(ctx, dir, trust_pem, &mf, signer,
	    sizeof(signer)) < 0)
		return JP_ERR;
	jp_verbose(ctx, "bundle %s signed by '%s'", mf.bundle, signer);
	if (sign && sign->key && !mf.merge) {
		rc = jp_error_set(ctx, JP_ERR_USAGE, "--sign is for bundles that "
		    "add packages (jprepo export --request); bundle %s carries "
		    "whole repositories, signed as they were exported", mf.bundle);
		goto out;
	}
	/* A store that does not exist yet is made only for a good bundle. */
	if (stat(store_arg, &sb) < 0 && errno == ENOENT) {
		if (precheck(ctx, dir, store_arg, &mf, 1) < 0)
			goto out;
		if (mkdir(store_arg, 0755) < 0 && errno != EEXIST) {
			jp_error_errno(ctx, errno, "cannot create store '%s'",
			    store_arg);
			goto out;
		}
		made_store = 1;
	}
	errno = 0;
	if ((store = realpath(store_arg, NULL)) == NULL ||
	    stat(store, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		jp_error_errno(ctx, errno ? errno : ENOTDIR,
		    "cannot open store '%s'", store_arg);
		goto out;
	}
	if (precheck(ctx, dir, store, &mf, 1) < 0) {
		/*
		 * Refused; but what an interrupted import left is finished
		 * or cleared all the same, under the lock.
		 */
		char *sd = jp_path_join(store, STAGE_DIR);
		char msg[JP_ERRMSG_MAX];
		int code = ctx->errcode;

		if (lstat(sd, &sb) == 0) {
			snprintf(msg, sizeof(msg), "%s", jp_error_msg(ctx));
			lockpath = jp_path_join(store, ".jprepo/lock");
			if ((lock = jp_lock_acquire(ctx, lockpath, wait_secs)) >= 0)
				recover(ctx, store, done);
			jp_error_set(ctx, code, "%s", msg);
		}
		free(sd);
		goto out;
	}

	jdir = jp_path_join(store, ".jprepo");
	if (mkdir(jdir, 0755) == 0)
		made_jdir = 1;
	else if (errno != EEXIST) {
		jp_error_errno(ctx, errno, "cannot create '%s'", jdir);
		goto out;
	}
	lockpath = jp_path_join(jdir, "lock");
	if ((lock = jp_lock_acquire(ctx, lockpath, wait_secs)) < 0) {
		rc = ctx->errcode;
		goto out;
	}
	if (recover(ctx, store, done) < 0)
		goto out;
	if (strcmp(done, mf.bundle) == 0) {
		/* This very bundle, interrupted after its commit point. */
		jp_info(ctx, "bundle %s was imported by an earlier run that was "
		    "interrupted; its import is now complete", mf.bundle);
		if (st)
			jp_bundle_stats_of(&mf, st);
		rc = 0;
		goto out;
	}
	if (check_sequence(ctx, store, &mf, 1, NULL) < 0)
		goto out;

	stage = jp_path_join(store, STAGE_DIR);
	if (mkdir(stage, 0700) < 0) {
		jp_error_errno(ctx, errno, "cannot create '%s'", stage);
		goto out;
	}
	staged = 1;
	if (stream_volumes(ctx, dir, &mf, stage, 0, "import") < 0 ||
	    stage_rest(ctx, store, stage, &mf) < 0 ||
	    (mf.merge && merge_rebuild(ctx, store, stage, &mf, sign) < 0) ||
	    write_marks(ctx, stage, &mf) < 0)
		goto out;
	/* Everything staged is on disk before the commit point. */
	if ((fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    syncfs(fd) < 0) {
		jp_error_errno(ctx, errno, "cannot sync '%s'", stage);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	cpath = jp_path_join(stage, "COMMIT");
	ctext = commit_text(&mf);
	if (jp_file_write_atomic(ctx, cpath, ctext, strlen(ctext)) < 0)
		goto out;
	staged = 0;     /* from here on the next run completes it */
	committing = 1;
	if (commit(ctx, store, &mf) < 0) {
		char msg[JP_ERRMSG_MAX];

		snprintf(msg, sizeof(msg), "%s", jp_error_msg(ctx));
		jp_error_set(ctx, JP_ERR, "%s; the bundle was verified and its "
		    "commit began, so the store may hold some of its "
		    "repositories already: run the import again to complete it",
		    msg);
		goto out;
	}
	if (st)
		jp_bundle_stats_of(&mf, st);
	rc = 0;
out:
	if (staged) {
		struct jp_ctx quiet = *ctx;

		jp_rm_rf(&quiet, stage);
	}
	if (lock >= 0)
		jp_lock_release(lock);
	if (rc < 0 && made_jdir && !committing) {
		/* A refused first import leaves the store as it was. */
		unlink(lockpath);
		rmdir(jdir);
	}
	if (rc < 0 && made_store && !committing)
		rmdir(store_arg);
	jp_manifest_release(&mf);
	free(store);
	free(jdir);
	free(lockpath);
	free(stage);
	free(cpath);
	free(ctext);
	return rc;
}
