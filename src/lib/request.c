/*
 * request.c: request files (see request.h and jprepo-request(5)).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "advisory.h"
#include "bundle.h"
#include "ctx.h"
#include "fsutil.h"
#include "plan.h"
#include "pool.h"
#include "request.h"
#include "strnum.h"

/* ---- a set of strings ---- */

static void
set_add(struct jp_strset *s, const char *str)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap) {
		struct jp_strset t = { NULL, s->cap ? s->cap * 2 : 64, 0 };
		size_t i;

		t.v = jp_xcalloc(t.cap, sizeof(*t.v));
		for (i = 0; i < s->cap; i++) {
			if (s->v[i]) {
				j = jp_strhash(s->v[i]) & (t.cap - 1);
				while (t.v[j])
					j = (j + 1) & (t.cap - 1);
				t.v[j] = s->v[i];
				t.n++;
			}
		}
		free(s->v);
		*s = t;
	}
	j = jp_strhash(str) & (s->cap - 1);
	while (s->v[j]) {
		if (strcmp(s->v[j], str) == 0)
			return;
		j = (j + 1) & (s->cap - 1);
	}
	s->v[j] = jp_xstrdup(str);
	s->n++;
}

static void
set_release(struct jp_strset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The members, sorted (pointers into the set). */
static char **
set_sorted(const struct jp_strset *s)
{
	char **v = jp_xcalloc(s->n + 1, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < s->cap; i++)
		if (s->v[i])
			v[k++] = s->v[i];
	qsort(v, k, sizeof(*v), cmp_strp);
	return v;
}

/* ---- building ---- */

void
jp_request_init(struct jp_request *r)
{
	time_t t = time(NULL);
	struct tm tm;

	memset(r, 0, sizeof(*r));
	gmtime_r(&t, &tm);
	strftime(r->created, sizeof(r->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
jp_request_release(struct jp_request *r)
{
	size_t i;

	for (i = 0; i < r->ngroups; i++) {
		free(r->groups[i].os);
		free(r->groups[i].osver);
		free(r->groups[i].arch);
		set_release(&r->groups[i].have);
		set_release(&r->groups[i].need);
	}
	free(r->groups);
	memset(r, 0, sizeof(*r));
}

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static struct jp_req_group *
group_of(struct jp_request *r, int format, const char *os, const char *osver,
    const char *arch)
{
	struct jp_req_group *g;
	size_t i;

	for (i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		if (g->format == format && same(g->os, os) &&
		    same(g->osver, osver) && same(g->arch, arch))
			return g;
	}
	r->groups = jp_xrealloc(r->groups, (r->ngroups + 1) * sizeof(*r->groups));
	g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof(*g));
	g->format = format;
	g->os = os ? jp_xstrdup(os) : NULL;
	g->osver = osver ? jp_xstrdup(osver) : NULL;
	g->arch = arch ? jp_xstrdup(arch) : NULL;
	return g;
}

/* A field of a request line: no spaces, no control characters. */
static const char *
field(const char *s)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return NULL;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return NULL;
	return s;
}

void
jp_request_add_host(struct jp_request *r, int format, const char *os,
    const char *osver, const char *arch, const struct jp_plan_inst *inst,
    size_t n, char *const *needs, size_t nneeds)
{
	struct jp_req_group *g = group_of(r, format, field(os), field(osver),
	    field(arch));
	char line[1024];
	size_t i;

	r->hosts++;
	for (i = 0; i < n; i++) {
		if (!field(inst[i].name) || !field(inst[i].arch) ||
		    !field(inst[i].evr))
			continue;
		snprintf(line, sizeof(line), "%s %s %s", inst[i].name,
		    inst[i].arch, inst[i].evr);
		set_add(&g->have, line);
	}
	for (i = 0; i < nneeds; i++)
		if (strchr(needs[i], '\n') == NULL)
			set_add(&g->need, needs[i]);
}

void
jp_request_merge(struct jp_request *dst, const struct jp_request *src)
{
	size_t i, k;

	dst->hosts += src->hosts;
	for (i = 0; i < src->ngroups; i++) {
		const struct jp_req_group *sg = &src->groups[i];
		struct jp_req_group *g = group_of(dst, sg->format, sg->os,
		    sg->osver, sg->arch);

		for (k = 0; k < sg->have.cap; k++)
			if (sg->have.v[k])
				set_add(&g->have, sg->have.v[k]);
		for (k = 0; k < sg->need.cap; k++)
			if (sg->need.v[k])
				set_add(&g->need, sg->need.v[k]);
	}
}

/* ---- the file ---- */

static int
cmp_group(const void *a, const void *b)
{
	const struct jp_req_group *x = a, *y = b;
	int c;

	/* bytewise by the group line: "deb" before "rpm" */
	if (x->format != y->format)
		return x->format == JP_POOL_DEB ? -1 : 1;
	if ((c = strcmp(x->os ? x->os : "-", y->os ? y->os : "-")) != 0)
		return c;
	if ((c = strcmp(x->osver ? x->osver : "-", y->osver ? y->osver : "-")))
		return c;
	return strcmp(x->arch ? x->arch : "-", y->arch ? y->arch : "-");
}

int
jp_request_write(struct jp_ctx *ctx, const struct jp_request *r,
    const char *path)
{
	struct jp_req_group *gs;
	char *buf = NULL;
	size_t len = 0, i, k;
	FILE *fp = open_memstream(&buf, &len);
	int rc;

	if (fp == NULL)
		return jp_error_set(ctx, JP_ERR_NOMEM, "out of memory");
	gs = jp_xcalloc(r->ngroups + 1, sizeof(*gs));
	if (r->ngroups > 0)
		memcpy(gs, r->groups, r->ngroups * sizeof(*gs));
	if (r->ngroups > 1)
		qsort(gs, r->ngroups, sizeof(*gs), cmp_group);
	/* the created line only when known: a request read without one
	 * (jprepo-request(5): it is for people) is written without one */
	fprintf(fp, "jprepo-request %d\n", JP_REQUEST_VERSION);
	if (r->created[0])
		fprintf(fp, "created %s\n", r->created);
	fprintf(fp, "hosts %" PRIu64 "\n", r->hosts);
	for (i = 0; i < r->ngroups; i++) {
		const struct jp_req_group *g = &gs[i];
		char **v;

		fprintf(fp, "group %s %s %s %s\n",
		    g->format == JP_POOL_DEB ? "deb" : "rpm", g->os ? g->os : "-",
		    g->osver ? g->osver : "-", g->arch ? g->arch : "-");
		v = set_sorted(&g->have);
		for (k = 0; k < g->have.n; k++)
			fprintf(fp, "have %s\n", v[k]);
		free(v);
		v = set_sorted(&g->need);
		for (k = 0; k < g->need.n; k++)
			fprintf(fp, "need %s\n", v[k]);
		free(v);
	}
	fputs("end\n", fp);
	fclose(fp);
	free(gs);
	rc = jp_file_write_atomic(ctx, path, buf, len);
	free(buf);
	return rc;
}

static int
rerr(struct jp_ctx *ctx, const char *path, size_t line, const char *what)
{
	return jp_error_set(ctx, JP_ERR, "bad request file '%s' line %zu: %s",
	    path, line, what);
}

int
jp_request_read(struct jp_ctx *ctx, const char *path, struct jp_request *r)
{
	char *data, *p, *end, *nl;
	size_t len, lineno = 0;
	struct jp_req_group *g = NULL;
	int rc = JP_ERR, seen_end = 0;
	uint64_t hosts;
	int used;

	memset(r, 0, sizeof(*r));
	if (jp_file_read(ctx, path, &data, &len) < 0)
		return JP_ERR;
	p = data;
	end = data + len;
	for (; p < end; p = nl + 1) {
		char *line = p, a[16], b[256], c[256], d[256];

		nl = memchr(p, '\n', (size_t)(end - p));
		lineno++;
		if (nl == NULL) {
			rerr(ctx, path, lineno, "no newline at the end (truncated?)");
			goto out;
		}
		*nl = '\0';
		if (memchr(line, '\0', (size_t)(nl - line)) != NULL) {
			rerr(ctx, path, lineno, "NUL byte");
			goto out;
		}
		if (seen_end) {
			rerr(ctx, path, lineno, "text after the 'end' line");
			goto out;
		}
		if (lineno == 1) {
			if (strcmp(line, "jprepo-request 1") != 0) {
				rerr(ctx, path, lineno, strncmp(line, "jprepo-request ",
				    15) == 0 ? "a request format version this jprepo "
				    "does not read" : "not a request file");
				goto out;
			}
			continue;
		}
		if (strncmp(line, "created ", 8) == 0 && strlen(line + 8) == 20) {
			memcpy(r->created, line + 8, 21);
		} else if (strncmp(line, "hosts ", 6) == 0) {
			/* a count and nothing else */
			if (jp_strnum_u64(line + 6, &hosts) < 0) {
				rerr(ctx, path, lineno, "bad hosts line");
				goto out;
			}
			r->hosts = hosts;
		} else if (strncmp(line, "group ", 6) == 0) {
			used = 0;
			if (sscanf(line + 6, "%15s %255s %255s %255s%n", a, b, c, d,
			    &used) != 4 || line[6 + used] != '\0' ||
			    (strcmp(a, "rpm") && strcmp(a, "deb"))) {
				rerr(ctx, path, lineno, "bad group line");
				goto out;
			}
			g = group_of(r, strcmp(a, "deb") == 0 ? JP_POOL_DEB :
			    JP_POOL_RPM, strcmp(b, "-") ? b : NULL,
			    strcmp(c, "-") ? c : NULL, strcmp(d, "-") ? d : NULL);
		} else if (strncmp(line, "have ", 5) == 0) {
			used = 0;
			if (g == NULL || sscanf(line + 5, "%255s %255s %255s%n", b,
			    c, d, &used) != 3 || line[5 + used] != '\0') {
				rerr(ctx, path, lineno, "bad have line (or before a "
				    "group line)");
				goto out;
			}
			set_add(&g->have, line + 5);
		} else if (strncmp(line, "need ", 5) == 0) {
			if (g == NULL || line[5] == '\0') {
				rerr(ctx, path, lineno, "bad need line (or before a "
				    "group line)");
				goto out;
			}
			set_add(&g->need, line + 5);
		} else if (strcmp(line, "end") == 0) {
			seen_end = 1;
		} else {
			rerr(ctx, path, lineno, "unknown line");
			goto out;
		}
	}
	if (lineno == 0) {
		rerr(ctx, path, 1, "the file is empty");
		goto out;
	}
	if (!seen_end) {
		rerr(ctx, path, lineno, "no 'end' line (truncated?)");
		goto out;
	}
	rc = 0;
out:
	free(data);
	if (rc < 0)
		jp_request_release(r);
	return rc;
}

/* ---- selection ---- */

/*
 * One alternative of a requirement as plan writes it: rpm "name",
 * "name OP evr"; deb "name", "name (OP evr)".  Returns 0 or -1.
 */
static int
parse_alt(struct jp_pool *p, char *s, int deb, jp_str *name, int *flags,
    jp_str *evr)
{
	char *sp, *op, *ver;

	while (*s == ' ')
		s++;
	sp = strchr(s, ' ');
	*flags = 0;
	*evr = 0;
	if (sp == NULL) {
		*name = jp_pool_str(p, s, (size_t)-1);
		return *name ? 0 : -1;
	}
	*sp = '\0';
	*name = jp_pool_str(p, s, (size_t)-1);
	op = sp + 1;
	if (deb) {
		size_t n;

		if (*op != '(')
			return -1;
		op++;
		n = strlen(op);
		while (n > 0 && op[n - 1] == ' ')
			op[--n] = '\0';
		if (n == 0 || op[n - 1] != ')')
			return -1;
		op[n - 1] = '\0';
	}
	ver = strchr(op, ' ');
	if (ver == NULL)
		return -1;
	*ver++ = '\0';
	if (strcmp(op, "<<") == 0 || (!deb && strcmp(op, "<") == 0))
		*flags = JP_PDEP_LT;
	else if (strcmp(op, "<=") == 0)
		*flags = JP_PDEP_LT | JP_PDEP_EQ;
	else if (strcmp(op, "=") == 0)
		*flags = JP_PDEP_EQ;
	else if (strcmp(op, ">=") == 0)
		*flags = JP_PDEP_GT | JP_PDEP_EQ;
	else if (strcmp(op, ">>") == 0 || (!deb && strcmp(op, ">") == 0))
		*flags = JP_PDEP_GT;
	else
		return -1;
	*evr = jp_pool_str(p, ver, (size_t)-1);
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
jp_request_select(struct jp_ctx *ctx, struct jp_pool *pool,
    const struct jp_req_group *g, uint32_t **pkgs, size_t *n)
{
	struct jp_plan_inst *inst = NULL;
	struct jp_plan_opts o;
	struct jp_plan_host h;
	struct jp_ppkg *seed;
	char **have = set_sorted(&g->have), **need = set_sorted(&g->need);
	char **names = jp_xcalloc(g->have.n + 1, sizeof(*names));
	uint32_t *v = NULL, seedix;
	size_t ninst = 0, i, k = 0;
	int deb = pool->format == JP_POOL_DEB;

	/* the newest installed version of each name.arch */
	for (i = 0; i < g->have.n; i++) {
		char *s = jp_xstrdup(have[i]), *a, *e;

		names[i] = s;
		a = strchr(s, ' ');
		e = a ? strchr(a + 1, ' ') : NULL;
		if (!a || !e)
			continue;
		*a++ = '\0';
		*e++ = '\0';
		if (ninst > 0 && strcmp(inst[ninst - 1].name, s) == 0 &&
		    strcmp(inst[ninst - 1].arch, a) == 0) {
			if (jp_pool_evrcmp(pool, e, inst[ninst - 1].evr) > 0)
				inst[ninst - 1].evr = e;
			continue;
		}
		inst = jp_xrealloc(inst, (ninst + 1) * sizeof(*inst));
		inst[ninst].name = s;
		inst[ninst].arch = a;
		inst[ninst].evr = e;
		ninst++;
	}
	/* the needs: requirements of a package that stands for the request */
	seedix = (uint32_t)pool->npkgs;
	seed = jp_pool_add_pkg(pool);
	seed->name = jp_pool_str(pool, "(request)", (size_t)-1);
	seed->arch = jp_pool_str(pool, "-", (size_t)-1);
	seed->evr = jp_pool_str(pool, "0", (size_t)-1);
	pool->pkgs[seedix].req0 = (uint32_t)pool->ndeps;
	for (i = 0; i < g->need.n; i++) {
		char *t = jp_xstrdup(need[i]), *alt, *save = NULL;
		uint32_t d0 = (uint32_t)pool->ndeps;

		for (alt = strtok_r(t, "|", &save); alt;
		    alt = strtok_r(NULL, "|", &save)) {
			jp_str nm, ev;
			int fl;
			size_t l = strlen(alt);

			while (l > 0 && alt[l - 1] == ' ')
				alt[--l] = '\0';
			if (parse_alt(pool, alt, deb, &nm, &fl, &ev) < 0) {
				jp_warn(ctx, "request: cannot read the requirement "
				    "'%s'; left out", need[i]);
				pool->ndeps = d0;
				break;
			}
			jp_pool_add_dep(pool, nm, fl, ev, 1);
		}
		if (pool->ndeps > d0)
			pool->deps[pool->ndeps - 1].or_next = 0;
		pool->pkgs[seedix].nreq = (uint32_t)pool->ndeps -
		    pool->pkgs[seedix].req0;
		free(t);
	}
	memset(&o, 0, sizeof(o));
	o.seed = seedix + 1;
	jp_plan_host(ctx, pool, &o, "(request)", g->arch ? g->arch : "",
	    inst, ninst, &h);
	for (i = 0; i < h.nupdates; i++) {
		v = jp_xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = h.updates[i].to;
	}
	for (i = 0; i < h.ninstalls; i++) {
		v = jp_xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = h.installs[i].pkg;
	}
	for (i = 0; i < h.nunsat; i++) {
		if (strncmp(h.unsat[i].package, "(request)", 9) == 0)
			jp_warn(ctx, "request: its hosts need %s, which this "
			    "repository does not provide either",
			    h.unsat[i].requires);
		else
			jp_warn(ctx, "request: %s needs %s, which this repository "
			    "does not provide either", h.unsat[i].package,
			    h.unsat[i].requires);
	}
	jp_plan_host_release(&h);
	if (k > 1)
		qsort(v, k, sizeof(*v), cmp_u32);
	*n = 0;
	for (i = 0; i < k; i++)
		if (*n == 0 || v[*n - 1] != v[i])
			v[(*n)++] = v[i];
	*pkgs = v;
	for (i = 0; i < g->have.n; i++)
		free(names[i]);
	free(names);
	free(inst);
	free(have);
	free(need);
	return 0;
}

static const char *
base_of(const char *path)
{
	size_t n = strlen(path);
	const char *s;

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (s = path + n; s > path && s[-1] != '/'; s--)
		;
	return s;
}

static void
add_file(struct jp_export_file **v, size_t *n, const char *repo,
    const char *rel, const char *src)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].repo, repo) == 0 && strcmp((*v)[i].rel, rel) == 0)
			return;
	*v = jp_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].repo = jp_xstrdup(repo);
	(*v)[*n].rel = jp_xstrdup(rel);
	(*v)[*n].src = src ? jp_xstrdup(src) : NULL;
	(*n)++;
}

void
jp_request_files_free(struct jp_export_file *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)files[i].repo);
		free((char *)files[i].rel);
		free((char *)files[i].src);
	}
	free(files);
}

/* The advisories of an RPM-MD repository that list a carried package. */
static int
request_advisories(struct jp_ctx *ctx, const struct jp_pool *pool,
    const uint32_t *sel, size_t nsel, const char *path, const char *out,
    int *wrote)
{
	struct jp_advset set, keep;
	size_t i, c, k;
	char *xml = NULL;
	size_t xlen;
	int rc = JP_ERR;

	*wrote = 0;
	memset(&set, 0, sizeof(set));
	memset(&keep, 0, sizeof(keep));
	if (jp_advisory_load(ctx, path, &set) < 0)
		return JP_ERR;
	for (i = 0; i < set.n; i++) {
		int hit = 0;

		for (c = 0; c < set.v[i].ncolls && !hit; c++) {
			for (k = 0; k < set.v[i].colls[c].npkgs && !hit; k++) {
				const struct jp_adv_pkg *ap = &set.v[i].colls[c].pkgs[k];
				char line[1024];
				int ep = ap->epoch && *ap->epoch &&
				    strcmp(ap->epoch, "0") != 0;
				size_t j;

				if (!ap->name || !ap->version)
					continue;
				snprintf(line, sizeof(line), "%s%s%s%s%s",
				    ep ? ap->epoch : "", ep ? ":" : "", ap->version,
				    ap->release && *ap->release ? "-" : "",
				    ap->release ? ap->release : "");
				/* a carried version at or above the fix fixes it */
				for (j = 0; j < nsel && !hit; j++) {
					const struct jp_ppkg *cp = &pool->pkgs[sel[j]];

					if (strcmp(jp_pool_s(pool, cp->name),
					    ap->name) == 0 && jp_pool_evrcmp(pool,
					    jp_pool_s(pool, cp->evr), line) >= 0)
						hit = 1;
				}
			}
		}
		if (hit) {
			keep.v = jp_xrealloc(keep.v, (keep.n + 1) * sizeof(*keep.v));
			keep.v[keep.n++] = set.v[i];   /* shared, not owned */
		}
	}
	if (keep.n > 0) {
		if (jp_advisory_write_xml(ctx, &keep, &xml, &xlen) < 0 ||
		    jp_file_write_atomic(ctx, out, xml, xlen) < 0)
			goto out;
		*wrote = 1;
	}
	rc = 0;
out:
	free(xml);
	free(keep.v);
	jp_advset_release(&set);
	return rc;
}

int
jp_request_files(struct jp_ctx *ctx, const struct jp_request *req,
    char *const *repos, size_t n, const char *tmpdir,
    struct jp_export_file **files, size_t *nfiles, size_t *npkgs)
{
	size_t r, gi, i;
	int rc = 0;

	*files = NULL;
	*nfiles = 0;
	*npkgs = 0;
	for (r = 0; r < n && rc == 0; r++) {
		int f = jp_pool_repo_format(repos[r]);
		struct jp_pool pool;
		uint32_t *all = NULL;
		size_t nall = 0;

		if (f == 0) {
			rc = jp_error_set(ctx, JP_ERR, "'%s' is not a repository",
			    repos[r]);
			break;
		}
		jp_pool_init(&pool, f);
		if (jp_pool_add_repo(ctx, &pool, repos[r], NULL) < 0 ||
		    jp_pool_complete(ctx, &pool) < 0) {
			jp_pool_release(&pool);
			rc = JP_ERR;
			break;
		}
		jp_pool_index(&pool);
		for (gi = 0; gi < req->ngroups; gi++) {
			uint32_t *sel;
			size_t nsel;

			if (req->groups[gi].format != f)
				continue;
			jp_request_select(ctx, &pool, &req->groups[gi], &sel, &nsel);
			all = jp_xrealloc(all, (nall + nsel + 1) * sizeof(*all));
			if (nsel > 0)
				memcpy(all + nall, sel, nsel * sizeof(*sel));
			nall += nsel;
			free(sel);
		}
		for (i = 0; i < nall; i++) {
			size_t before = *nfiles;

			add_file(files, nfiles, base_of(repos[r]),
			    jp_pool_s(&pool, pool.pkgs[all[i]].location), NULL);
			if (*nfiles > before)
				(*npkgs)++;
		}
		if (f == JP_POOL_RPM && nall > 0 && pool.repos[0].updateinfo) {
			char *out = jp_xasprintf("%s/%s-updateinfo.xml", tmpdir,
			    base_of(repos[r]));
			int wrote;

			rc = request_advisories(ctx, &pool, all, nall,
			    pool.repos[0].updateinfo, out, &wrote);
			if (rc == 0 && wrote)
				add_file(files, nfiles, base_of(repos[r]),
				    JP_REQUEST_ADVISORIES, out);
			free(out);
		}
		free(all);
		jp_pool_release(&pool);
	}
	if (rc < 0) {
		jp_request_files_free(*files, *nfiles);
		*files = NULL;
		*nfiles = 0;
	}
	return rc;
}
