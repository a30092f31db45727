/*
 * pool.c: the package pool (see pool.h): interned strings, indexes,
 * version comparison in the pool's format.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "fsutil.h"
#include "pool.h"
#include "version.h"

/* FNV-1a: fast, good enough for package names and versions. */
static uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

uint32_t
jp_strhash(const char *s)
{
	return hash_bytes(s, strlen(s));
}

void
jp_pool_init(struct jp_pool *p, int format)
{
	memset(p, 0, sizeof(*p));
	p->format = format;
	p->scap = 1 << 16;
	p->sbuf = jp_xmalloc(p->scap);
	p->sbuf[0] = '\0';   /* string 0: "" */
	p->slen = 1;
	p->shcap = 1 << 12;
	p->shash = jp_xcalloc(p->shcap, sizeof(*p->shash));
}

void
jp_pool_release(struct jp_pool *p)
{
	size_t i;

	free(p->sbuf);
	free(p->shash);
	free(p->pkgs);
	free(p->deps);
	free(p->files);
	free(p->advs);
	free(p->adv_pkgs);
	free(p->strs_list);
	for (i = 0; i < p->nrepos; i++) {
		free(p->repos[i].path);
		free(p->repos[i].arch);
		free(p->repos[i].filelists);
		free(p->repos[i].updateinfo);
	}
	free(p->advp_head);
	free(p->advp_next);
	free(p->advp_adv);
	free(p->file_head);
	free(p->file_next);
	free(p->file_pkg);
	free(p->file_name);
	free(p->repos);
	free(p->byname);
	free(p->prov_head);
	free(p->prov_next);
	free(p->prov_pkg);
	free(p->prov_dep);
	memset(p, 0, sizeof(*p));
}

static void
rehash(struct jp_pool *p)
{
	size_t ncap = p->shcap * 2, i;
	uint32_t *nh = jp_xcalloc(ncap, sizeof(*nh));

	for (i = 0; i < p->shcap; i++) {
		uint32_t off = p->shash[i];
		size_t j;

		if (off == 0)
			continue;
		j = hash_bytes(p->sbuf + off, strlen(p->sbuf + off)) & (ncap - 1);
		while (nh[j] != 0)
			j = (j + 1) & (ncap - 1);
		nh[j] = off;
	}
	free(p->shash);
	p->shash = nh;
	p->shcap = ncap;
}

jp_str
jp_pool_str(struct jp_pool *p, const char *s, size_t n)
{
	size_t j;
	uint32_t off;

	if (n == (size_t)-1)
		n = strlen(s);
	if (n == 0)
		return 0;
	if ((p->scount + 1) * 2 > p->shcap)
		rehash(p);
	j = hash_bytes(s, n) & (p->shcap - 1);
	while ((off = p->shash[j]) != 0) {
		if (strncmp(p->sbuf + off, s, n) == 0 && p->sbuf[off + n] == '\0')
			return off;
		j = (j + 1) & (p->shcap - 1);
	}
	while (p->slen + n + 1 > p->scap) {
		p->scap *= 2;
		p->sbuf = jp_xrealloc(p->sbuf, p->scap);
	}
	off = (uint32_t)p->slen;
	memcpy(p->sbuf + off, s, n);
	p->sbuf[off + n] = '\0';
	p->slen += n + 1;
	p->shash[j] = off;
	p->scount++;
	return off;
}

/* The slot of name in the by-name index. */
static size_t
byname_slot(const struct jp_pool *p, jp_str name)
{
	size_t j = (name * 2654435761u) & (p->bncap - 1);

	while (p->byname[j] != 0 && p->pkgs[p->byname[j] - 1].name != name)
		j = (j + 1) & (p->bncap - 1);
	return j;
}

static void index_advs_files(struct jp_pool *p);

void
jp_pool_index(struct jp_pool *p)
{
	size_t i, nbuckets;

	free(p->byname);
	p->bncap = 16;
	while (p->bncap < p->npkgs * 2 + 2)
		p->bncap *= 2;
	p->byname = jp_xcalloc(p->bncap, sizeof(*p->byname));
	/* Chains in reverse insertion order; walk backwards to keep order. */
	for (i = p->npkgs; i-- > 0;) {
		size_t j = byname_slot(p, p->pkgs[i].name);

		p->pkgs[i].next_same_name = p->byname[j];
		p->byname[j] = (uint32_t)i + 1;
	}
	/* Provides: explicit ones, and each package's own name. */
	free(p->prov_head);
	free(p->prov_next);
	free(p->prov_pkg);
	free(p->prov_dep);
	nbuckets = p->bncap;
	p->prov_head = jp_xcalloc(nbuckets, sizeof(*p->prov_head));
	p->prov_next = jp_xcalloc(p->ndeps + p->npkgs + 1, sizeof(*p->prov_next));
	p->prov_pkg = jp_xcalloc(p->ndeps + p->npkgs + 1, sizeof(*p->prov_pkg));
	p->prov_dep = jp_xcalloc(p->ndeps + p->npkgs + 1, sizeof(*p->prov_dep));
	p->nprov_ix = 1;
	for (i = p->npkgs; i-- > 0;) {
		const struct jp_ppkg *k = &p->pkgs[i];
		uint32_t d;

		for (d = k->prov0 + k->nprov; d-- > k->prov0;) {
			size_t b = (p->deps[d].name * 2654435761u) & (nbuckets - 1);
			size_t e = p->nprov_ix++;

			p->prov_pkg[e] = (uint32_t)i;
			p->prov_dep[e] = d;
			p->prov_next[e] = p->prov_head[b];
			p->prov_head[b] = (uint32_t)e;
		}
	}
	index_advs_files(p);
}

/* The index of advisory packages by name, and of files by path. */
static void
index_advs_files(struct jp_pool *p)
{
	size_t nb = p->bncap, a, i, e;

	free(p->advp_head);
	free(p->advp_next);
	free(p->advp_adv);
	p->advp_head = jp_xcalloc(nb, sizeof(*p->advp_head));
	p->advp_next = jp_xcalloc(p->nadv_pkgs + 1, sizeof(*p->advp_next));
	p->advp_adv = jp_xcalloc(p->nadv_pkgs + 1, sizeof(*p->advp_adv));
	for (a = p->nadvs; a-- > 0;) {
		const struct jp_padv *ad = &p->advs[a];
		uint32_t j;

		for (j = ad->pkg0 + ad->npkg; j-- > ad->pkg0;) {
			size_t b = (p->adv_pkgs[j].name * 2654435761u) & (nb - 1);

			p->advp_adv[j] = (uint32_t)a;
			p->advp_next[j] = p->advp_head[b];
			p->advp_head[b] = j + 1;
		}
	}
	free(p->file_head);
	free(p->file_next);
	free(p->file_pkg);
	free(p->file_name);
	p->file_head = jp_xcalloc(nb, sizeof(*p->file_head));
	p->file_next = jp_xcalloc(p->nfiles + 1, sizeof(*p->file_next));
	p->file_pkg = jp_xcalloc(p->nfiles + 1, sizeof(*p->file_pkg));
	p->file_name = jp_xcalloc(p->nfiles + 1, sizeof(*p->file_name));
	e = 1;
	for (i = 0; i < p->npkgs; i++) {
		uint32_t f;

		for (f = p->pkgs[i].file0; f < p->pkgs[i].file0 + p->pkgs[i].nfile;
		    f++) {
			size_t b = (p->files[f] * 2654435761u) & (nb - 1);

			p->file_pkg[e] = (uint32_t)i;
			p->file_name[e] = p->files[f];
			p->file_next[e] = p->file_head[b];
			p->file_head[b] = (uint32_t)e;
			e++;
		}
	}
}

uint32_t
jp_pool_advp_first(const struct jp_pool *p, jp_str name)
{
	if (p->advp_head == NULL || name == 0)
		return 0;
	return p->advp_head[(name * 2654435761u) & (p->bncap - 1)];
}

uint32_t
jp_pool_file_first(const struct jp_pool *p, jp_str path)
{
	if (p->file_head == NULL || path == 0)
		return 0;
	return p->file_head[(path * 2654435761u) & (p->bncap - 1)];
}

uint32_t
jp_pool_prov_first(const struct jp_pool *p, jp_str name)
{
	if (p->prov_head == NULL || name == 0)
		return 0;
	return p->prov_head[(name * 2654435761u) & (p->bncap - 1)];
}

jp_str
jp_pool_lookup(const struct jp_pool *p, const char *name)
{
	size_t j = hash_bytes(name, strlen(name)) & (p->shcap - 1);
	uint32_t off;

	while ((off = p->shash[j]) != 0) {
		if (strcmp(p->sbuf + off, name) == 0)
			return off;
		j = (j + 1) & (p->shcap - 1);
	}
	return 0;
}

struct jp_ppkg *
jp_pool_add_pkg(struct jp_pool *p)
{
	struct jp_ppkg *k;

	if (p->npkgs == p->cpkgs) {
		p->cpkgs = p->cpkgs ? 2 * p->cpkgs : 1024;
		p->pkgs = jp_xrealloc(p->pkgs, p->cpkgs * sizeof(*p->pkgs));
	}
	k = &p->pkgs[p->npkgs++];
	memset(k, 0, sizeof(*k));
	return k;
}

uint32_t
jp_pool_add_dep(struct jp_pool *p, jp_str name, int flags, jp_str evr,
    int or_next)
{
	struct jp_pdep *d;

	if (p->ndeps == p->cdeps) {
		p->cdeps = p->cdeps ? 2 * p->cdeps : 4096;
		p->deps = jp_xrealloc(p->deps, p->cdeps * sizeof(*p->deps));
	}
	d = &p->deps[p->ndeps];
	d->name = name;
	d->evr = evr;
	d->flags = (uint8_t)flags;
	d->or_next = (uint8_t)(or_next != 0);
	return (uint32_t)p->ndeps++;
}

uint32_t
jp_pool_add_file(struct jp_pool *p, jp_str path)
{
	if (p->nfiles == p->cfiles) {
		p->cfiles = p->cfiles ? 2 * p->cfiles : 4096;
		p->files = jp_xrealloc(p->files, p->cfiles * sizeof(*p->files));
	}
	p->files[p->nfiles] = path;
	return (uint32_t)p->nfiles++;
}

struct jp_padv *
jp_pool_add_adv(struct jp_pool *p)
{
	struct jp_padv *a;

	if (p->nadvs == p->cadvs) {
		p->cadvs = p->cadvs ? 2 * p->cadvs : 256;
		p->advs = jp_xrealloc(p->advs, p->cadvs * sizeof(*p->advs));
	}
	a = &p->advs[p->nadvs++];
	memset(a, 0, sizeof(*a));
	a->pkg0 = (uint32_t)p->nadv_pkgs;
	a->cve0 = (uint32_t)p->nstrs_list;
	return a;
}

void
jp_pool_add_adv_pkg(struct jp_pool *p, struct jp_padv *a, jp_str name,
    jp_str arch, jp_str evr)
{
	if (p->nadv_pkgs == p->cadv_pkgs) {
		p->cadv_pkgs = p->cadv_pkgs ? 2 * p->cadv_pkgs : 1024;
		p->adv_pkgs = jp_xrealloc(p->adv_pkgs,
		    p->cadv_pkgs * sizeof(*p->adv_pkgs));
	}
	p->adv_pkgs[p->nadv_pkgs].name = name;
	p->adv_pkgs[p->nadv_pkgs].arch = arch;
	p->adv_pkgs[p->nadv_pkgs].evr = evr;
	p->nadv_pkgs++;
	a->npkg++;
}

void
jp_pool_add_adv_cve(struct jp_pool *p, struct jp_padv *a, jp_str cve)
{
	if (p->nstrs_list == p->cstrs_list) {
		p->cstrs_list = p->cstrs_list ? 2 * p->cstrs_list : 1024;
		p->strs_list = jp_xrealloc(p->strs_list,
		    p->cstrs_list * sizeof(*p->strs_list));
	}
	p->strs_list[p->nstrs_list++] = cve;
	a->ncve++;
}

uint32_t
jp_pool_add_repo_entry(struct jp_pool *p, const char *path, const char *arch)
{
	p->repos = jp_xrealloc(p->repos, (p->nrepos + 1) * sizeof(*p->repos));
	memset(&p->repos[p->nrepos], 0, sizeof(p->repos[p->nrepos]));
	p->repos[p->nrepos].path = jp_xstrdup(path);
	p->repos[p->nrepos].arch = arch ? jp_xstrdup(arch) : NULL;
	p->repos[p->nrepos].first = p->npkgs;
	p->repos[p->nrepos].last = p->npkgs;
	return (uint32_t)p->nrepos++;
}

uint32_t
jp_pool_first(const struct jp_pool *p, const char *name)
{
	jp_str s;

	if (p->bncap == 0 || (s = jp_pool_lookup(p, name)) == 0)
		return 0;
	return p->byname[byname_slot(p, s)];
}

int
jp_pool_evrcmp(const struct jp_pool *p, const char *a, const char *b)
{
	char bx[256], by[256], *x, *y;
	const char *ea, *va, *ra, *eb, *vb, *rb;
	size_t la, lb;
	int c;

	if (a == b || strcmp(a, b) == 0)
		return 0;
	if (p->format == JP_POOL_DEB)
		return jp_deb_vercmp(a, b);
	/* split copies; on the stack for every version of sane length */
	la = strlen(a);
	lb = strlen(b);
	x = la < sizeof(bx) ? memcpy(bx, a, la + 1) : jp_xstrdup(a);
	y = lb < sizeof(by) ? memcpy(by, b, lb + 1) : jp_xstrdup(b);
	jp_rpm_evr_split(x, &ea, &va, &ra);
	jp_rpm_evr_split(y, &eb, &vb, &rb);
	c = jp_rpm_evrcmp(ea, va, ra, eb, vb, rb);
	if (x != bx)
		free(x);
	if (y != by)
		free(y);
	return c;
}

int
jp_pool_evr_match(const struct jp_pool *p, const char *evr, int flags,
    const char *want)
{
	int c;

	if (flags == 0 || want == NULL || *want == '\0')
		return 1;
	c = jp_pool_evrcmp(p, evr, want);
	return (c < 0 && (flags & JP_PDEP_LT)) || (c > 0 && (flags & JP_PDEP_GT)) ||
	    (c == 0 && (flags & JP_PDEP_EQ));
}

/* What kind of repository dir is: JP_POOL_RPM, JP_POOL_DEB or 0. */
int
jp_pool_repo_format(const char *dir)
{
	struct stat st;
	char *p = jp_path_join(dir, "repodata/repomd.xml");
	int rpm = stat(p, &st) == 0 && S_ISREG(st.st_mode), deb;

	free(p);
	if (rpm)
		return JP_POOL_RPM;
	p = jp_path_join(dir, "dists");
	deb = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return deb ? JP_POOL_DEB : 0;
}

int
jp_pool_add_repo(struct jp_ctx *ctx, struct jp_pool *p, const char *path,
    const char *deb_arch)
{
	int f = jp_pool_repo_format(path);

	if (f == 0)
		return jp_error_set(ctx, JP_ERR, "'%s' is not a repository (no "
		    "repodata/repomd.xml and no dists/)", path);
	if (f != p->format)
		return jp_error_set(ctx, JP_ERR, "'%s' is an %s repository, not "
		    "%s", path, f == JP_POOL_RPM ? "RPM-MD" : "APT",
		    p->format == JP_POOL_RPM ? "RPM-MD" : "APT");
	if (f == JP_POOL_RPM)
		return jp_pool_add_rpmmd(ctx, p, path);
	return jp_pool_add_apt(ctx, p, path, deb_arch);
}
