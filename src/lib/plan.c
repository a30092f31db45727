/*
 * plan.c: the needed-patch set of one host (see plan.h for the rules).
 *
 * Per host the work is a hash lookup per installed package plus the
 * dependency closure of the updates, so that a fleet of thousands of
 * hosts plans in seconds.  Nothing here reads a package file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "plan.h"
#include "pool.h"
#include "version.h"

/*
 * dnf's default installonlypkgs (dnf/const.py.in, INSTALLONLYPKGS): a
 * package providing one of these names is installed beside.
 */
static const char *const installonly_names[] = {
	"kernel", "kernel-PAE", "installonlypkg(kernel)",
	"installonlypkg(kernel-module)", "installonlypkg(vm)",
	"multiversion(kernel)", NULL,
};

int
jp_plan_installonly(const struct jp_pool *pool, uint32_t pkg)
{
	const struct jp_ppkg *k = &pool->pkgs[pkg];
	uint32_t d;
	size_t i;

	if (pool->format != JP_POOL_RPM)
		return 0;
	for (i = 0; installonly_names[i]; i++) {
		if (strcmp(jp_pool_s(pool, k->name), installonly_names[i]) == 0)
			return 1;
	}
	for (d = k->prov0; d < k->prov0 + k->nprov; d++) {
		const char *n = jp_pool_s(pool, pool->deps[d].name);

		for (i = 0; installonly_names[i]; i++) {
			if (strcmp(n, installonly_names[i]) == 0)
				return 1;
		}
	}
	return 0;
}

/* Architectures that replace each other in an update. */
static int
arch_ok(const struct jp_pool *pool, const char *inst, const char *repo)
{
	const char *any = pool->format == JP_POOL_DEB ? "all" : "noarch";

	return strcmp(inst, repo) == 0 || strcmp(repo, any) == 0 ||
	    strcmp(inst, any) == 0;
}

/* Installable on a host of architecture arch. */
static int
host_arch_ok(const struct jp_pool *pool, const char *arch, const char *pkg)
{
	if (pool->format == JP_POOL_DEB)
		return strcmp(pkg, arch) == 0 || strcmp(pkg, "all") == 0;
	if (strcmp(pkg, arch) == 0 || strcmp(pkg, "noarch") == 0)
		return 1;
	/* multilib: i686 packages on x86_64 hosts (rpm's arch compat) */
	return strcmp(arch, "x86_64") == 0 && (strcmp(pkg, "i686") == 0 ||
	    strcmp(pkg, "i586") == 0 || strcmp(pkg, "i386") == 0);
}

static int
pkg_evrcmp(const struct jp_pool *pool, uint32_t a, const char *evr)
{
	return jp_pool_evrcmp(pool, jp_pool_s(pool, pool->pkgs[a].evr), evr);
}

/* Is pool package i the newest of its name installable on arch? */
static int
newest_of_name(const struct jp_pool *pool, const char *arch, uint32_t i)
{
	uint32_t k;

	for (k = jp_pool_first(pool, jp_pool_s(pool, pool->pkgs[i].name)); k;
	    k = pool->pkgs[k - 1].next_same_name) {
		if (k - 1 != i && host_arch_ok(pool, arch,
		    jp_pool_s(pool, pool->pkgs[k - 1].arch)) &&
		    pkg_evrcmp(pool, k - 1, jp_pool_s(pool, pool->pkgs[i].evr)) > 0)
			return 0;
	}
	return 1;
}

/* ---- the host's state: installed and planned packages by name ---- */

struct hent {
	const char *name;       /* key */
	const char *arch;
	const char *evr;
	uint32_t pkg;           /* pool package + 1 when known, else 0 */
	int removed;            /* replaced by an update */
	struct hent *next;      /* same name */
};

struct hstate {
	struct hent **tab;
	size_t cap;
	struct hent *ents;
	size_t n, cents;
	/* chunks for entries added while planning */
	struct hent **extra;
	size_t nextra;
};

/*
 * Buckets chain entries of different names too; entries of one name are
 * kept together at the bucket's front in insertion order.
 */
static struct hent *
hs_find(const struct hstate *hs, const char *name)
{
	struct hent *e;

	for (e = hs->tab[jp_strhash(name) & (hs->cap - 1)]; e; e = e->next) {
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

static void
hs_add(struct hstate *hs, struct hent *e)
{
	size_t b = jp_strhash(e->name) & (hs->cap - 1);

	e->next = hs->tab[b];
	hs->tab[b] = e;
}

static struct hent *
hs_new(struct hstate *hs)
{
	struct hent *e = jp_xcalloc(1, sizeof(*e));

	hs->extra = jp_xrealloc(hs->extra, (hs->nextra + 1) * sizeof(*hs->extra));
	hs->extra[hs->nextra++] = e;
	return e;
}

static void
hs_release(struct hstate *hs)
{
	size_t i;

	for (i = 0; i < hs->nextra; i++)
		free(hs->extra[i]);
	free(hs->extra);
	free(hs->tab);
	free(hs->ents);
}

/*
 * The pool package with this name, arch and evr, + 1; 0 when none.  The
 * pool's versions are interned in the native form that scans give, so
 * equal versions are equal strings.
 */
static uint32_t
pool_exact(const struct jp_pool *pool, const char *name, const char *arch,
    const char *evr)
{
	jp_str ev = jp_pool_lookup(pool, evr), ar;
	uint32_t i;

	if (ev == 0 || (ar = jp_pool_lookup(pool, arch)) == 0)
		return 0;
	for (i = jp_pool_first(pool, name); i; i = pool->pkgs[i - 1].next_same_name) {
		const struct jp_ppkg *k = &pool->pkgs[i - 1];

		if (k->arch == ar && k->evr == ev)
			return i;
	}
	return 0;
}

/* ---- requirements ---- */

/* Does pool package pkg provide dep (name, flags, evr)? */
static int
pkg_provides(const struct jp_pool *pool, uint32_t pkg, const struct jp_pdep *req)
{
	const struct jp_ppkg *k = &pool->pkgs[pkg];
	const char *want = req->evr ? jp_pool_s(pool, req->evr) : NULL;
	uint32_t d;

	if (k->name == req->name &&
	    jp_pool_evr_match(pool, jp_pool_s(pool, k->evr), req->flags, want))
		return 1;
	for (d = k->prov0; d < k->prov0 + k->nprov; d++) {
		const struct jp_pdep *pv = &pool->deps[d];

		if (pv->name != req->name)
			continue;
		/* an unversioned provide answers every version (rpm, dpkg) */
		if (pv->evr == 0) {
			if (pool->format == JP_POOL_RPM || req->flags == 0)
				return 1;
			continue;  /* dpkg: versioned deps need versioned provides */
		}
		if (jp_pool_evr_match(pool, jp_pool_s(pool, pv->evr), req->flags,
		    want))
			return 1;
	}
	for (d = k->file0; d < k->file0 + k->nfile; d++) {
		if (pool->files[d] == req->name)
			return 1;
	}
	return 0;
}

/* Is req answered by what the host will have (installed minus removed, plus planned)? */
static int
host_provides(const struct jp_pool *pool, const struct hstate *hs,
    const struct jp_pdep *req)
{
	const char *name = jp_pool_s(pool, req->name);
	const char *want = req->evr ? jp_pool_s(pool, req->evr) : NULL;
	struct hent *e;
	uint32_t x;

	/* by name */
	for (e = hs_find(hs, name); e; e = e->next) {
		if (strcmp(e->name, name) != 0 || e->removed)
			continue;
		if (jp_pool_evr_match(pool, e->evr, req->flags, want))
			return 1;
	}
	/* by what the host's packages provide, as the pool knows them */
	for (x = jp_pool_prov_first(pool, req->name); x; x = pool->prov_next[x]) {
		const struct jp_ppkg *k = &pool->pkgs[pool->prov_pkg[x]];

		if (pool->deps[pool->prov_dep[x]].name != req->name)
			continue;
		for (e = hs_find(hs, jp_pool_s(pool, k->name)); e; e = e->next) {
			if (!e->removed && e->pkg == pool->prov_pkg[x] + 1 &&
			    pkg_provides(pool, pool->prov_pkg[x], req))
				return 1;
		}
	}
	if (name[0] == '/') {
		/* file provides: the packages holding the file, on the host? */
		for (x = jp_pool_file_first(pool, req->name); x;
		    x = pool->file_next[x]) {
			const struct jp_ppkg *k = &pool->pkgs[pool->file_pkg[x]];

			if (pool->file_name[x] != req->name)
				continue;
			for (e = hs_find(hs, jp_pool_s(pool, k->name)); e;
			    e = e->next) {
				if (!e->removed && e->pkg == pool->file_pkg[x] + 1)
					return 1;
			}
		}
	}
	return 0;
}

/* The best pool package to install for req on this host, + 1; 0 none. */
static uint32_t
best_provider(const struct jp_pool *pool, const char *arch,
    const struct jp_pdep *req)
{
	const char *name = jp_pool_s(pool, req->name);
	uint32_t best = 0, i, x;

	for (i = jp_pool_first(pool, name); i; i = pool->pkgs[i - 1].next_same_name) {
		const struct jp_ppkg *k = &pool->pkgs[i - 1];

		if (!host_arch_ok(pool, arch, jp_pool_s(pool, k->arch)) ||
		    !pkg_provides(pool, i - 1, req))
			continue;
		if (!best || pkg_evrcmp(pool, i - 1,
		    jp_pool_s(pool, pool->pkgs[best - 1].evr)) > 0)
			best = i;
	}
	if (best)
		return best;
	for (x = jp_pool_prov_first(pool, req->name); x; x = pool->prov_next[x]) {
		uint32_t k = pool->prov_pkg[x];

		if (pool->deps[pool->prov_dep[x]].name != req->name ||
		    !host_arch_ok(pool, arch, jp_pool_s(pool, pool->pkgs[k].arch)) ||
		    !pkg_provides(pool, k, req))
			continue;
		/* the newest; among names, the first in the repository */
		if (!best || (pool->pkgs[k].name == pool->pkgs[best - 1].name &&
		    pkg_evrcmp(pool, k, jp_pool_s(pool, pool->pkgs[best - 1].evr)) > 0))
			best = k + 1;
	}
	if (best || name[0] != '/')
		return best;
	for (x = jp_pool_file_first(pool, req->name); x; x = pool->file_next[x]) {
		uint32_t k = pool->file_pkg[x];

		if (pool->file_name[x] == req->name &&
		    host_arch_ok(pool, arch, jp_pool_s(pool, pool->pkgs[k].arch)) &&
		    (!best || k + 1 < best))
			best = k + 1;
	}
	return best;
}

static char *
dep_text(const struct jp_pool *pool, const struct jp_pdep *d)
{
	const char *op = "";

	if (!d->evr)
		return jp_xstrdup(jp_pool_s(pool, d->name));
	if (pool->format == JP_POOL_DEB) {
		switch (d->flags) {
		case JP_PDEP_LT: op = "<<"; break;
		case JP_PDEP_LT | JP_PDEP_EQ: op = "<="; break;
		case JP_PDEP_EQ: op = "="; break;
		case JP_PDEP_GT | JP_PDEP_EQ: op = ">="; break;
		case JP_PDEP_GT: op = ">>"; break;
		}
		return jp_xasprintf("%s (%s %s)", jp_pool_s(pool, d->name), op,
		    jp_pool_s(pool, d->evr));
	}
	switch (d->flags) {
	case JP_PDEP_LT: op = "<"; break;
	case JP_PDEP_LT | JP_PDEP_EQ: op = "<="; break;
	case JP_PDEP_EQ: op = "="; break;
	case JP_PDEP_GT | JP_PDEP_EQ: op = ">="; break;
	case JP_PDEP_GT: op = ">"; break;
	}
	return jp_xasprintf("%s %s %s", jp_pool_s(pool, d->name), op,
	    jp_pool_s(pool, d->evr));
}

static char *
nevra_text(const struct jp_pool *pool, uint32_t pkg)
{
	const struct jp_ppkg *k = &pool->pkgs[pkg];

	if (pool->format == JP_POOL_DEB)
		return jp_xasprintf("%s_%s_%s", jp_pool_s(pool, k->name),
		    jp_pool_s(pool, k->evr), jp_pool_s(pool, k->arch));
	return jp_xasprintf("%s-%s.%s", jp_pool_s(pool, k->name),
	    jp_pool_s(pool, k->evr), jp_pool_s(pool, k->arch));
}

/* ---- advisories ---- */

static int
severity_rank(const char *s)
{
	static const char *const order[] = { "low", "moderate", "important",
	    "critical", NULL };
	size_t i;

	for (i = 0; s && order[i]; i++) {
		if (strcasecmp(s, order[i]) == 0)
			return (int)i + 1;
	}
	return 0;
}

static int
adv_wanted(const struct jp_pool *pool, const struct jp_plan_opts *o,
    const struct jp_padv *a)
{
	size_t i;

	if (o->nadvisories > 0) {
		for (i = 0; i < o->nadvisories; i++) {
			if (a->id && strcmp(jp_pool_s(pool, a->id),
			    o->advisories[i]) == 0)
				break;
		}
		if (i == o->nadvisories)
			return 0;
	}
	if (o->security && !(a->type && strcmp(jp_pool_s(pool, a->type),
	    "security") == 0))
		return 0;
	if (o->min_severity && severity_rank(a->severity ?
	    jp_pool_s(pool, a->severity) : NULL) < severity_rank(o->min_severity))
		return 0;
	return 1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static size_t
uniq_u32(uint32_t *v, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	}
	return k;
}

/* Grow-and-append helpers. */
#define PUSH(arr, n, item) do { \
	(arr) = jp_xrealloc((arr), ((n) + 1) * sizeof(*(arr))); \
	(arr)[(n)++] = (item); \
} while (0)

int
jp_plan_host(struct jp_ctx *ctx, struct jp_pool *pool,
    const struct jp_plan_opts *o, const char *host, const char *arch,
    const struct jp_plan_inst *inst, size_t n, struct jp_plan_host *out)
{
	struct hstate hs;
	uint32_t *work = NULL;
	size_t nwork = 0, i;
	int filtered = o->security || o->min_severity || o->nadvisories;

	(void)ctx;
	memset(out, 0, sizeof(*out));
	out->host = jp_xstrdup(host);
	memset(&hs, 0, sizeof(hs));
	hs.cap = 64;
	while (hs.cap < n * 2)
		hs.cap *= 2;
	hs.tab = jp_xcalloc(hs.cap, sizeof(*hs.tab));
	hs.ents = jp_xcalloc(n + 1, sizeof(*hs.ents));
	for (i = 0; i < n; i++) {
		struct hent *e = &hs.ents[i];

		e->name = inst[i].name;
		e->arch = inst[i].arch;
		e->evr = inst[i].evr;
		e->pkg = pool_exact(pool, e->name, e->arch, e->evr);
		hs_add(&hs, e);
	}
	hs.n = n;

	/* Updates: per installed name.arch, against its newest installed. */
	for (i = 0; i < n; i++) {
		struct hent *e = &hs.ents[i], *f;
		uint32_t best = 0, k;
		int newest = 1, io = 0;

		for (f = hs_find(&hs, e->name); f; f = f->next) {
			if (f != e && strcmp(f->name, e->name) == 0 &&
			    strcmp(f->arch, e->arch) == 0 &&
			    (jp_pool_evrcmp(pool, f->evr, e->evr) > 0 ||
			    (jp_pool_evrcmp(pool, f->evr, e->evr) == 0 && f < e)))
				newest = 0;
		}
		if (!newest)
			continue;
		for (k = jp_pool_first(pool, e->name); k;
		    k = pool->pkgs[k - 1].next_same_name) {
			const struct jp_ppkg *c = &pool->pkgs[k - 1];

			/* the installed arch counts too: dpkg's foreign arches */
			if (!arch_ok(pool, e->arch, jp_pool_s(pool, c->arch)) ||
			    !(host_arch_ok(pool, arch, jp_pool_s(pool, c->arch)) ||
			    strcmp(jp_pool_s(pool, c->arch), e->arch) == 0) ||
			    pkg_evrcmp(pool, k - 1, e->evr) <= 0)
				continue;
			if (!best || pkg_evrcmp(pool, k - 1,
			    jp_pool_s(pool, pool->pkgs[best - 1].evr)) > 0 ||
			    (pkg_evrcmp(pool, k - 1, jp_pool_s(pool,
			    pool->pkgs[best - 1].evr)) == 0 &&
			    strcmp(jp_pool_s(pool, c->arch), e->arch) == 0))
				best = k;
		}
		if (!best)
			continue;
		io = jp_plan_installonly(pool, best - 1);
		{
			struct jp_plan_update u;

			memset(&u, 0, sizeof(u));
			u.name = e->name;
			u.arch = e->arch;
			u.from = e->evr;
			u.to = best - 1;
			u.installonly = io;
			/* advisories this update fixes (index by name) */
			{
				jp_str nm = pool->pkgs[best - 1].name;
				uint32_t x;

				for (x = jp_pool_advp_first(pool, nm); x;
				    x = pool->advp_next[x - 1]) {
					const struct jp_padv_pkg *ap =
					    &pool->adv_pkgs[x - 1];
					const char *aevr = jp_pool_s(pool, ap->evr);
					uint32_t ai = pool->advp_adv[x - 1];

					if (ap->name != nm || (ap->arch &&
					    !arch_ok(pool, e->arch,
					    jp_pool_s(pool, ap->arch))) ||
					    jp_pool_evrcmp(pool, aevr, e->evr) <= 0 ||
					    pkg_evrcmp(pool, best - 1, aevr) < 0 ||
					    (u.nadvs > 0 && u.advs[u.nadvs - 1] == ai))
						continue;
					PUSH(u.advs, u.nadvs, ai);
				}
				/* in the repository's order, each once */
				if (u.nadvs > 1)
					qsort(u.advs, u.nadvs, sizeof(*u.advs),
					    cmp_u32);
				u.nadvs = uniq_u32(u.advs, u.nadvs);
			}
			if (filtered) {
				size_t keep = 0, j;

				for (j = 0; j < u.nadvs; j++) {
					if (adv_wanted(pool, o, &pool->advs[u.advs[j]]))
						u.advs[keep++] = u.advs[j];
				}
				if (keep == 0) {
					free(u.advs);
					continue;
				}
				u.nadvs = keep;
			}
			PUSH(out->updates, out->nupdates, u);
		}
	}
	/* rpm: pool packages obsoleting installed ones replace them. */
	if (pool->format == JP_POOL_RPM && !filtered) {
		for (i = 0; i < pool->npkgs; i++) {
			const struct jp_ppkg *k = &pool->pkgs[i];
			uint32_t d;

			if (k->nobs == 0 || !host_arch_ok(pool, arch,
			    jp_pool_s(pool, k->arch)) ||
			    hs_find(&hs, jp_pool_s(pool, k->name)) ||
			    !newest_of_name(pool, arch, (uint32_t)i))
				continue;
			for (d = k->obs0; d < k->obs0 + k->nobs; d++) {
				const struct jp_pdep *ob = &pool->deps[d];
				struct hent *e;

				for (e = hs_find(&hs, jp_pool_s(pool, ob->name)); e;
				    e = e->next) {
					struct jp_plan_update u;

					if (strcmp(e->name, jp_pool_s(pool, ob->name)) ||
					    !jp_pool_evr_match(pool, e->evr, ob->flags,
					    ob->evr ? jp_pool_s(pool, ob->evr) : NULL))
						continue;
					memset(&u, 0, sizeof(u));
					u.name = e->name;
					u.arch = e->arch;
					u.from = e->evr;
					u.to = (uint32_t)i;
					u.obsoletes = 1;
					PUSH(out->updates, out->nupdates, u);
					break;
				}
			}
		}
	}
	/* The host after the updates; then the closure of their requirements. */
	for (i = 0; i < out->nupdates; i++) {
		struct jp_plan_update *u = &out->updates[i];
		struct hent *e, *ne;

		for (e = hs_find(&hs, u->name); e; e = e->next) {
			if (strcmp(e->name, u->name) == 0 &&
			    strcmp(e->arch, u->arch) == 0 && !u->installonly)
				e->removed = 1;
		}
		ne = hs_new(&hs);
		ne->name = jp_pool_s(pool, pool->pkgs[u->to].name);
		ne->arch = jp_pool_s(pool, pool->pkgs[u->to].arch);
		ne->evr = jp_pool_s(pool, pool->pkgs[u->to].evr);
		ne->pkg = u->to + 1;
		hs_add(&hs, ne);
		PUSH(work, nwork, u->to);
	}
	if (o->seed)
		PUSH(work, nwork, o->seed - 1);
	for (i = 0; i < nwork; i++) {
		const struct jp_ppkg *k = &pool->pkgs[work[i]];
		uint32_t d = k->req0, end = k->req0 + k->nreq;

		while (d < end) {
			/* a group of alternatives: first .. last (deb "a | b") */
			uint32_t first = d, last = d, g, pick = 0;
			int ok = 0;

			while (last + 1 < end && pool->deps[last].or_next)
				last++;
			d = last + 1;
			if (jp_pool_s(pool, pool->deps[first].name)[0] == '(')
				continue;   /* rpm rich dependency: not judged here */
			for (g = first; g <= last && !ok; g++)
				ok = host_provides(pool, &hs, &pool->deps[g]);
			if (ok)
				continue;
			/* the first alternative that the pool can answer */
			for (g = first; g <= last && !pick; g++)
				pick = best_provider(pool, arch, &pool->deps[g]);
			if (pick) {
				struct jp_plan_install in;
				struct hent *ne = hs_new(&hs);

				in.pkg = pick - 1;
				in.required_by = jp_pool_s(pool, k->name);
				PUSH(out->installs, out->ninstalls, in);
				ne->name = jp_pool_s(pool, pool->pkgs[pick - 1].name);
				ne->arch = jp_pool_s(pool, pool->pkgs[pick - 1].arch);
				ne->evr = jp_pool_s(pool, pool->pkgs[pick - 1].evr);
				ne->pkg = pick;
				hs_add(&hs, ne);
				PUSH(work, nwork, pick - 1);
			} else {
				struct jp_plan_unsat us;
				char *t = NULL;

				for (g = first; g <= last; g++) {
					char *dt = dep_text(pool, &pool->deps[g]);
					char *nt = t ? jp_xasprintf("%s | %s", t, dt) :
					    jp_xstrdup(dt);

					free(t);
					free(dt);
					t = nt;
				}
				us.package = nevra_text(pool, work[i]);
				us.requires = t;
				PUSH(out->unsat, out->nunsat, us);
			}
		}
	}
	/*
	 * Compliance: advisories needed (apply, not installed) and patched,
	 * judged against the newest installed version of each name and
	 * arch (kernels: an old one beside a fixed one is fine), as dnf
	 * updateinfo --installed judges it.
	 */
	{
		unsigned char *st = jp_xcalloc(pool->nadvs + 1, 1);
		uint32_t *touched = NULL;
		size_t ntouched = 0;

		for (i = 0; i < n; i++) {
			struct hent *e = &hs.ents[i], *f;
			jp_str nm = jp_pool_lookup(pool, e->name);
			int newest = 1;
			uint32_t x;

			if (nm == 0 || jp_pool_advp_first(pool, nm) == 0)
				continue;
			for (f = hs_find(&hs, e->name); f; f = f->next) {
				if (f != e && f >= hs.ents && f < hs.ents + n &&
				    strcmp(f->name, e->name) == 0 &&
				    strcmp(f->arch, e->arch) == 0 &&
				    jp_pool_evrcmp(pool, f->evr, e->evr) > 0)
					newest = 0;
			}
			if (!newest)
				continue;
			for (x = jp_pool_advp_first(pool, nm); x;
			    x = pool->advp_next[x - 1]) {
				const struct jp_padv_pkg *ap = &pool->adv_pkgs[x - 1];
				uint32_t ai = pool->advp_adv[x - 1];

				if (ap->name != nm || (ap->arch && !arch_ok(pool,
				    e->arch, jp_pool_s(pool, ap->arch))))
					continue;
				if (st[ai] == 0)
					PUSH(touched, ntouched, ai);
				st[ai] |= 1;
				if (jp_pool_evrcmp(pool, e->evr,
				    jp_pool_s(pool, ap->evr)) < 0)
					st[ai] |= 2;
			}
		}
		if (ntouched > 1)
			qsort(touched, ntouched, sizeof(*touched), cmp_u32);
		for (i = 0; i < ntouched; i++) {
			if (st[touched[i]] & 2)
				PUSH(out->needed, out->nneeded, touched[i]);
			else
				PUSH(out->patched, out->npatched, touched[i]);
		}
		free(touched);
		free(st);
	}
	free(work);
	hs_release(&hs);
	return 0;
}

void
jp_plan_host_release(struct jp_plan_host *h)
{
	size_t i;

	free(h->host);
	for (i = 0; i < h->nupdates; i++)
		free(h->updates[i].advs);
	free(h->updates);
	free(h->installs);
	for (i = 0; i < h->nunsat; i++) {
		free(h->unsat[i].package);
		free(h->unsat[i].requires);
	}
	free(h->unsat);
	free(h->needed);
	free(h->patched);
	memset(h, 0, sizeof(*h));
}
