/* pkg.c: package records, their order and their cache blob form. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "pkg.h"
#include "version.h"

struct jp_pkg *
jp_pkg_new(int format)
{
	struct jp_pkg *pkg = jp_xcalloc(1, sizeof(*pkg));

	pkg->format = format;
	return pkg;
}

void
jp_pkg_free(struct jp_pkg *pkg)
{
	size_t i;
	int k;

	if (!pkg)
		return;
	free(pkg->name);
	free(pkg->arch);
	free(pkg->epoch);
	free(pkg->version);
	free(pkg->release);
	free(pkg->location);
	free(pkg->summary);
	free(pkg->description);
	free(pkg->packager);
	free(pkg->url);
	free(pkg->license);
	free(pkg->vendor);
	free(pkg->group);
	free(pkg->buildhost);
	free(pkg->sourcerpm);
	for (k = 0; k < JP_DEP_NKINDS; k++) {
		for (i = 0; i < pkg->ndeps[k]; i++) {
			free(pkg->deps[k][i].name);
			free(pkg->deps[k][i].epoch);
			free(pkg->deps[k][i].version);
			free(pkg->deps[k][i].release);
		}
		free(pkg->deps[k]);
	}
	for (i = 0; i < pkg->nfiles; i++)
		free(pkg->files[i].path);
	free(pkg->files);
	for (i = 0; i < pkg->nchangelogs; i++) {
		free(pkg->changelogs[i].author);
		free(pkg->changelogs[i].text);
	}
	free(pkg->changelogs);
	for (i = 0; i < pkg->nfields; i++) {
		free(pkg->fields[i].name);
		free(pkg->fields[i].value);
	}
	free(pkg->fields);
	free(pkg);
}

/* Grow an array by one element, doubling its capacity at powers of two. */
static void *
jp_pkg_grow(void *v, size_t n, size_t elsize)
{
	if (n == 0 || (n & (n - 1)) == 0)
		v = jp_xrealloc(v, (n ? 2 * n : 4) * elsize);
	return v;
}

struct jp_dep *
jp_pkg_add_dep(struct jp_pkg *pkg, int kind)
{
	struct jp_dep *d;

	pkg->deps[kind] = jp_pkg_grow(pkg->deps[kind], pkg->ndeps[kind],
	    sizeof(struct jp_dep));
	d = &pkg->deps[kind][pkg->ndeps[kind]++];
	memset(d, 0, sizeof(*d));
	return d;
}

struct jp_file *
jp_pkg_add_file(struct jp_pkg *pkg, const char *path, int type)
{
	struct jp_file *f;

	pkg->files = jp_pkg_grow(pkg->files, pkg->nfiles, sizeof(*f));
	f = &pkg->files[pkg->nfiles++];
	f->path = jp_xstrdup(path);
	f->type = type;
	return f;
}

struct jp_changelog *
jp_pkg_add_changelog(struct jp_pkg *pkg, const char *author, int64_t date,
    const char *text)
{
	struct jp_changelog *c;

	pkg->changelogs = jp_pkg_grow(pkg->changelogs, pkg->nchangelogs,
	    sizeof(*c));
	c = &pkg->changelogs[pkg->nchangelogs++];
	c->author = jp_xstrdup(author);
	c->date = date;
	c->text = jp_xstrdup(text);
	return c;
}

struct jp_field *
jp_pkg_add_field(struct jp_pkg *pkg, const char *name, const char *value)
{
	struct jp_field *f;

	pkg->fields = jp_pkg_grow(pkg->fields, pkg->nfields, sizeof(*f));
	f = &pkg->fields[pkg->nfields++];
	f->name = jp_xstrdup(name);
	f->value = jp_xstrdup(value);
	return f;
}

const char *
jp_pkg_field(const struct jp_pkg *pkg, const char *name)
{
	size_t i;

	for (i = 0; i < pkg->nfields; i++)
		if (!strcasecmp(pkg->fields[i].name, name))
			return pkg->fields[i].value;
	return NULL;
}

struct jp_pkg *
jp_pkg_identity(const struct jp_pkg *pkg)
{
	struct jp_pkg *id = jp_pkg_new(pkg->format);

	id->name = pkg->name ? jp_xstrdup(pkg->name) : NULL;
	id->arch = pkg->arch ? jp_xstrdup(pkg->arch) : NULL;
	id->epoch = pkg->epoch ? jp_xstrdup(pkg->epoch) : NULL;
	id->version = pkg->version ? jp_xstrdup(pkg->version) : NULL;
	id->release = pkg->release ? jp_xstrdup(pkg->release) : NULL;
	id->location = pkg->location ? jp_xstrdup(pkg->location) : NULL;
	id->is_source = pkg->is_source;
	id->file_size = pkg->file_size;
	memcpy(id->sha256, pkg->sha256, sizeof(id->sha256));
	return id;
}

int
jp_pkg_nevra(const struct jp_pkg *pkg, char *buf, size_t size)
{
	int n;

	if (pkg->format == JP_PKG_DEB)
		n = snprintf(buf, size, "%s_%s%s%s_%s", pkg->name,
		    pkg->epoch && strcmp(pkg->epoch, "0") ? pkg->epoch : "",
		    pkg->epoch && strcmp(pkg->epoch, "0") ? ":" : "",
		    pkg->version, pkg->arch);
	else
		n = snprintf(buf, size, "%s-%s%s%s-%s.%s", pkg->name,
		    pkg->epoch && strcmp(pkg->epoch, "0") ? pkg->epoch : "",
		    pkg->epoch && strcmp(pkg->epoch, "0") ? ":" : "",
		    pkg->version, pkg->release ? pkg->release : "", pkg->arch);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

int
jp_pkg_cmp(const struct jp_pkg *a, const struct jp_pkg *b)
{
	int c;

	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	if ((c = strcmp(a->arch, b->arch)) != 0)
		return c;
	if (a->format == JP_PKG_DEB) {
		char va[512], vb[512];

		snprintf(va, sizeof(va), "%s:%s", a->epoch ? a->epoch : "0", a->version);
		snprintf(vb, sizeof(vb), "%s:%s", b->epoch ? b->epoch : "0", b->version);
		c = jp_deb_vercmp(va, vb);
	} else {
		c = jp_rpm_evrcmp(a->epoch, a->version, a->release,
		    b->epoch, b->version, b->release);
	}
	if (c)
		return c;
	return strcmp(a->location ? a->location : "", b->location ? b->location : "");
}

/*
 * Blob form: a magic and version byte, then each field in a fixed order.
 * Strings are a u32 length (0xffffffff for NULL) and bytes; integers are
 * little-endian u64.  Only the cache reads it back, and a blob that does
 * not parse makes the cache entry a miss, never an error.
 */
#define JP_PKG_BLOB_MAGIC 0x4a50u  /* "JP" */
#define JP_PKG_BLOB_VERSION 1u

struct jp_buf {
	unsigned char *p;
	size_t n, cap;
};

static void
jp_buf_put(struct jp_buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		while (b->n + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1024;
		b->p = jp_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
jp_buf_u64(struct jp_buf *b, uint64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	jp_buf_put(b, x, 8);
}

static void
jp_buf_u32(struct jp_buf *b, uint32_t v)
{
	unsigned char x[4];
	int i;

	for (i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	jp_buf_put(b, x, 4);
}

static void
jp_buf_str(struct jp_buf *b, const char *s)
{
	size_t n;

	if (!s) {
		jp_buf_u32(b, 0xffffffffu);
		return;
	}
	n = strlen(s);
	jp_buf_u32(b, (uint32_t)n);
	jp_buf_put(b, s, n);
}

struct jp_rd {
	const unsigned char *p, *end;
	int bad;
};

static uint64_t
jp_rd_u64(struct jp_rd *r)
{
	uint64_t v = 0;
	int i;

	if (r->end - r->p < 8) {
		r->bad = 1;
		return 0;
	}
	for (i = 0; i < 8; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	return v;
}

static uint32_t
jp_rd_u32(struct jp_rd *r)
{
	uint32_t v = 0;
	int i;

	if (r->end - r->p < 4) {
		r->bad = 1;
		return 0;
	}
	for (i = 0; i < 4; i++)
		v |= (uint32_t)r->p[i] << (8 * i);
	r->p += 4;
	return v;
}

static char *
jp_rd_str(struct jp_rd *r)
{
	uint32_t n = jp_rd_u32(r);
	char *s;

	if (r->bad || n == 0xffffffffu)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	s = jp_xstrndup((const char *)r->p, n);
	r->p += n;
	return s;
}

static void
jp_rd_fixed(struct jp_rd *r, char *dst, size_t size)
{
	char *s = jp_rd_str(r);

	dst[0] = '\0';
	if (s && strlen(s) < size)
		memcpy(dst, s, strlen(s) + 1);
	else if (s)
		r->bad = 1;
	free(s);
}

void
jp_pkg_serialize(const struct jp_pkg *pkg, unsigned char **out, size_t *len)
{
	struct jp_buf b = { 0 };
	size_t i;
	int k;

	jp_buf_u32(&b, JP_PKG_BLOB_MAGIC | (JP_PKG_BLOB_VERSION << 16));
	jp_buf_u32(&b, (uint32_t)pkg->format);
	jp_buf_str(&b, pkg->name);
	jp_buf_str(&b, pkg->arch);
	jp_buf_str(&b, pkg->epoch);
	jp_buf_str(&b, pkg->version);
	jp_buf_str(&b, pkg->release);
	jp_buf_u32(&b, (uint32_t)pkg->is_source);
	jp_buf_str(&b, pkg->location);
	jp_buf_u64(&b, pkg->file_size);
	jp_buf_str(&b, pkg->sha256);
	jp_buf_str(&b, pkg->sha1);
	jp_buf_str(&b, pkg->md5);
	jp_buf_str(&b, pkg->sha512);
	jp_buf_str(&b, pkg->summary);
	jp_buf_str(&b, pkg->description);
	jp_buf_str(&b, pkg->packager);
	jp_buf_str(&b, pkg->url);
	jp_buf_str(&b, pkg->license);
	jp_buf_str(&b, pkg->vendor);
	jp_buf_str(&b, pkg->group);
	jp_buf_str(&b, pkg->buildhost);
	jp_buf_str(&b, pkg->sourcerpm);
	jp_buf_u64(&b, (uint64_t)pkg->time_file);
	jp_buf_u64(&b, (uint64_t)pkg->time_build);
	jp_buf_u64(&b, pkg->size_installed);
	jp_buf_u64(&b, pkg->size_archive);
	jp_buf_u64(&b, pkg->header_start);
	jp_buf_u64(&b, pkg->header_end);
	for (k = 0; k < JP_DEP_NKINDS; k++) {
		jp_buf_u32(&b, (uint32_t)pkg->ndeps[k]);
		for (i = 0; i < pkg->ndeps[k]; i++) {
			const struct jp_dep *d = &pkg->deps[k][i];

			jp_buf_str(&b, d->name);
			jp_buf_u32(&b, (uint32_t)d->flag | ((uint32_t)d->pre << 8));
			jp_buf_str(&b, d->epoch);
			jp_buf_str(&b, d->version);
			jp_buf_str(&b, d->release);
		}
	}
	jp_buf_u32(&b, (uint32_t)pkg->nfiles);
	for (i = 0; i < pkg->nfiles; i++) {
		jp_buf_str(&b, pkg->files[i].path);
		jp_buf_u32(&b, (uint32_t)pkg->files[i].type);
	}
	jp_buf_u32(&b, (uint32_t)pkg->nchangelogs);
	for (i = 0; i < pkg->nchangelogs; i++) {
		jp_buf_str(&b, pkg->changelogs[i].author);
		jp_buf_u64(&b, (uint64_t)pkg->changelogs[i].date);
		jp_buf_str(&b, pkg->changelogs[i].text);
	}
	jp_buf_u32(&b, (uint32_t)pkg->nfields);
	for (i = 0; i < pkg->nfields; i++) {
		jp_buf_str(&b, pkg->fields[i].name);
		jp_buf_str(&b, pkg->fields[i].value);
	}
	*out = b.p;
	*len = b.n;
}

/* Counts in a blob can be no larger than its remaining bytes allow. */
static int
jp_rd_count_ok(const struct jp_rd *r, uint32_t n, size_t minsize)
{
	return !r->bad && (size_t)(r->end - r->p) / minsize >= n;
}

/* The identity fields lead the blob, so that they can be read alone. */
static struct jp_pkg *
jp_pkg_deserialize_head(struct jp_rd *r)
{
	struct jp_pkg *pkg;

	if (jp_rd_u32(r) != (JP_PKG_BLOB_MAGIC | (JP_PKG_BLOB_VERSION << 16)))
		return NULL;
	pkg = jp_pkg_new((int)jp_rd_u32(r));
	pkg->name = jp_rd_str(r);
	pkg->arch = jp_rd_str(r);
	pkg->epoch = jp_rd_str(r);
	pkg->version = jp_rd_str(r);
	pkg->release = jp_rd_str(r);
	pkg->is_source = (int)jp_rd_u32(r);
	pkg->location = jp_rd_str(r);
	pkg->file_size = jp_rd_u64(r);
	jp_rd_fixed(r, pkg->sha256, sizeof(pkg->sha256));
	return pkg;
}

struct jp_pkg *
jp_pkg_deserialize_identity(const unsigned char *blob, size_t len)
{
	struct jp_rd r = { blob, blob + len, 0 };
	struct jp_pkg *pkg = jp_pkg_deserialize_head(&r);

	if (pkg && (r.bad || !pkg->name || !pkg->arch || !pkg->version)) {
		jp_pkg_free(pkg);
		return NULL;
	}
	return pkg;
}

struct jp_pkg *
jp_pkg_deserialize(const unsigned char *blob, size_t len)
{
	struct jp_rd r = { blob, blob + len, 0 };
	struct jp_pkg *pkg;
	uint32_t n, i;
	int k;

	if ((pkg = jp_pkg_deserialize_head(&r)) == NULL)
		return NULL;
	jp_rd_fixed(&r, pkg->sha1, sizeof(pkg->sha1));
	jp_rd_fixed(&r, pkg->md5, sizeof(pkg->md5));
	jp_rd_fixed(&r, pkg->sha512, sizeof(pkg->sha512));
	pkg->summary = jp_rd_str(&r);
	pkg->description = jp_rd_str(&r);
	pkg->packager = jp_rd_str(&r);
	pkg->url = jp_rd_str(&r);
	pkg->license = jp_rd_str(&r);
	pkg->vendor = jp_rd_str(&r);
	pkg->group = jp_rd_str(&r);
	pkg->buildhost = jp_rd_str(&r);
	pkg->sourcerpm = jp_rd_str(&r);
	pkg->time_file = (int64_t)jp_rd_u64(&r);
	pkg->time_build = (int64_t)jp_rd_u64(&r);
	pkg->size_installed = jp_rd_u64(&r);
	pkg->size_archive = jp_rd_u64(&r);
	pkg->header_start = jp_rd_u64(&r);
	pkg->header_end = jp_rd_u64(&r);
	for (k = 0; k < JP_DEP_NKINDS && !r.bad; k++) {
		n = jp_rd_u32(&r);
		if (!jp_rd_count_ok(&r, n, 20))
			goto bad;
		for (i = 0; i < n && !r.bad; i++) {
			struct jp_dep *d = jp_pkg_add_dep(pkg, k);
			uint32_t fl;

			d->name = jp_rd_str(&r);
			fl = jp_rd_u32(&r);
			d->flag = (int)(fl & 0xff);
			d->pre = (int)((fl >> 8) & 1);
			d->epoch = jp_rd_str(&r);
			d->version = jp_rd_str(&r);
			d->release = jp_rd_str(&r);
			if (!d->name)
				r.bad = 1;
		}
	}
	n = jp_rd_u32(&r);
	if (!jp_rd_count_ok(&r, n, 8))
		goto bad;
	for (i = 0; i < n && !r.bad; i++) {
		char *path = jp_rd_str(&r);
		uint32_t type = jp_rd_u32(&r);

		if (!path) {
			r.bad = 1;
			break;
		}
		pkg->files = jp_pkg_grow(pkg->files, pkg->nfiles, sizeof(*pkg->files));
		pkg->files[pkg->nfiles].path = path;
		pkg->files[pkg->nfiles].type = (int)type;
		pkg->nfiles++;
	}
	n = jp_rd_u32(&r);
	if (!jp_rd_count_ok(&r, n, 16))
		goto bad;
	for (i = 0; i < n && !r.bad; i++) {
		char *author = jp_rd_str(&r);
		int64_t date = (int64_t)jp_rd_u64(&r);
		char *text = jp_rd_str(&r);

		if (!r.bad)
			jp_pkg_add_changelog(pkg, author, date, text);
		free(author);
		free(text);
	}
	n = jp_rd_u32(&r);
	if (!jp_rd_count_ok(&r, n, 8))
		goto bad;
	for (i = 0; i < n && !r.bad; i++) {
		char *name = jp_rd_str(&r);
		char *value = jp_rd_str(&r);

		if (!r.bad && name)
			jp_pkg_add_field(pkg, name, value);
		free(name);
		free(value);
	}
	if (r.bad || r.p != r.end || !pkg->name || !pkg->arch || !pkg->version)
		goto bad;
	return pkg;
bad:
	jp_pkg_free(pkg);
	return NULL;
}
