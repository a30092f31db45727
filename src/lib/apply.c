/*
 * apply.c: updates to apply, scan differences and maintenance windows
 * (apply.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "ctx.h"
#include "fsutil.h"
#include "json.h"
#include "plan.h"
#include "pool.h"
#include "scan.h"
#include "strnum.h"
#include "version.h"

void
jp_apply_set_release(struct jp_apply_set *s)
{
	size_t i, j;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		struct jp_apply_item *it = &s->items[i];

		free(it->name);
		free(it->arch);
		free(it->inst_name);
		free(it->inst_arch);
		free(it->from);
		free(it->to);
		free(it->advisories);
		for (j = 0; j < it->nadvs; j++) {
			free(it->advs[j].id);
			free(it->advs[j].type);
			free(it->advs[j].severity);
			free(it->advs[j].issued);
		}
		free(it->advs);
	}
	free(s->items);
	free(s->host);
	memset(s, 0, sizeof(*s));
}

static struct jp_apply_item *
jp_apply_add(struct jp_apply_set *s)
{
	struct jp_apply_item *it;

	s->items = jp_xrealloc(s->items, (s->n + 1) * sizeof(*s->items));
	it = &s->items[s->n++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* --- reading a plan file --- */

struct jp_planrd {
	struct jp_ctx *ctx;
	const char *path;
	struct jp_json j;
};

static int
jp_planrd_fail(struct jp_planrd *r, const char *what)
{
	if (jp_json_error(&r->j)[0])
		return jp_error_set(r->ctx, JP_ERR, "cannot read the plan '%s': "
		    "%s at byte %llu", r->path, jp_json_error(&r->j),
		    (unsigned long long)jp_json_error_offset(&r->j));
	return jp_error_set(r->ctx, JP_ERR, "cannot read the plan '%s': %s",
	    r->path, what);
}

static int
jp_planrd_next(struct jp_planrd *r, enum jp_json_tok *t)
{
	size_t len;

	if (jp_json_next(&r->j, t) < 0)
		return jp_planrd_fail(r, "not JSON");
	/* a C string ends at the first NUL: "a\u0000-x" would be "a", a
	 * member "host\u0000x" would be "host" */
	if ((*t == JP_JSON_KEY || *t == JP_JSON_STRING) &&
	    strlen(jp_json_text(&r->j, &len)) != len)
		return jp_planrd_fail(r, *t == JP_JSON_KEY ? "a member name "
		    "holds a NUL character (\\u0000)" : "a string holds a NUL "
		    "character (\\u0000)");
	return 0;
}

/* A string member's value into *out (replacing it); NULL for null. */
static int
jp_planrd_str(struct jp_planrd *r, const char *key, char **out)
{
	enum jp_json_tok t;
	char msg[128];

	if (jp_planrd_next(r, &t) < 0)
		return JP_ERR;
	if (t == JP_JSON_NULL) {
		free(*out);
		*out = NULL;
		return 0;
	}
	if (t != JP_JSON_STRING) {
		snprintf(msg, sizeof(msg), "\"%s\" is not a string", key);
		return jp_planrd_fail(r, msg);
	}
	free(*out);
	*out = jp_xstrdup(jp_json_text(&r->j, NULL));
	return 0;
}

/* A string member of an object: its key and where its value goes. */
struct jp_planrd_field {
	const char *key;
	char **dst;
};

/*
 * The value of member k: into the field of that key (a string or null),
 * else skipped.  Returns 1 when k is one of fields, 0 when skipped, or
 * negative.
 */
static int
jp_planrd_member(struct jp_planrd *r, const char *k,
    const struct jp_planrd_field *fields, size_t n)
{
	enum jp_json_tok t;
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(k, fields[i].key))
			return jp_planrd_str(r, fields[i].key, fields[i].dst) < 0 ?
			    JP_ERR : 1;
	if (jp_planrd_next(r, &t) < 0 || jp_json_skip(&r->j, t) < 0)
		return jp_planrd_fail(r, "not JSON");
	return 0;
}

/* The "advisories" array of an update into it (ids joined, and in full). */
static int
jp_planrd_advs(struct jp_planrd *r, struct jp_apply_item *it)
{
	enum jp_json_tok t;
	size_t len = 0;

	if (jp_planrd_next(r, &t) < 0)
		return JP_ERR;
	if (t != JP_JSON_ARR_BEGIN)
		return jp_planrd_fail(r, "\"advisories\" of an update is not "
		    "an array");
	for (;;) {
		struct jp_apply_adv *a;

		if (jp_planrd_next(r, &t) < 0)
			return JP_ERR;
		if (t == JP_JSON_ARR_END)
			return 0;
		if (t != JP_JSON_OBJ_BEGIN)
			return jp_planrd_fail(r, "an advisory is not an object");
		it->advs = jp_xrealloc(it->advs, (it->nadvs + 1) *
		    sizeof(*it->advs));
		a = &it->advs[it->nadvs++];
		memset(a, 0, sizeof(*a));
		for (;;) {
			const struct jp_planrd_field f[] = {
				{ "id", &a->id }, { "type", &a->type },
				{ "severity", &a->severity },
				{ "issued", &a->issued },
			};

			if (jp_planrd_next(r, &t) < 0)
				return JP_ERR;
			if (t == JP_JSON_OBJ_END)
				break;
			if (jp_planrd_member(r, jp_json_text(&r->j, NULL), f,
			    sizeof(f) / sizeof(f[0])) < 0)
				return JP_ERR;
		}
		if (a->id) {
			size_t n = strlen(a->id);

			it->advisories = jp_xrealloc(it->advisories,
			    len + n + 2);
			if (len)
				it->advisories[len++] = ' ';
			memcpy(it->advisories + len, a->id, n + 1);
			len += n;
		}
	}
}

static int
jp_planrd_update(struct jp_planrd *r, struct jp_apply_set *s)
{
	struct jp_apply_item *it = jp_apply_add(s);
	char *obsoletes = NULL, *arch = NULL;
	enum jp_json_tok t;

	for (;;) {
		const struct jp_planrd_field f[] = {
			{ "name", &it->name }, { "arch", &arch },
			{ "to_arch", &it->arch }, { "from", &it->from },
			{ "to", &it->to }, { "obsoletes", &obsoletes },
		};
		const char *k;
		int rc = 0;

		if (jp_planrd_next(r, &t) < 0)
			goto fail;
		if (t == JP_JSON_OBJ_END)
			break;
		k = jp_json_text(&r->j, NULL);
		if (!strcmp(k, "advisories")) {
			rc = jp_planrd_advs(r, it);
		} else if (!strcmp(k, "installonly")) {
			if (jp_planrd_next(r, &t) < 0)
				goto fail;
			it->installonly = t == JP_JSON_TRUE;
		} else {
			rc = jp_planrd_member(r, k, f, sizeof(f) / sizeof(f[0]));
		}
		if (rc < 0)
			goto fail;
	}
	if (!it->arch && arch)
		it->arch = jp_xstrdup(arch);
	it->inst_arch = arch ? arch : it->arch ? jp_xstrdup(it->arch) : NULL;
	arch = NULL;
	if (!it->name || !it->arch || !it->to) {
		jp_planrd_fail(r, "an update without name, arch or to");
		goto fail;
	}
	it->inst_name = jp_xstrdup(obsoletes ? obsoletes : it->name);
	free(obsoletes);
	free(arch);
	return 0;
fail:
	free(obsoletes);
	free(arch);
	return JP_ERR;
}

static int
jp_planrd_host(struct jp_planrd *r, struct jp_apply_set *s)
{
	enum jp_json_tok t;
	char *v = NULL;

	for (;;) {
		const char *k;
		int rc = 0;

		if (jp_planrd_next(r, &t) < 0)
			return JP_ERR;
		if (t == JP_JSON_OBJ_END)
			break;
		k = jp_json_text(&r->j, NULL);
		if (!strcmp(k, "host")) {
			rc = jp_planrd_str(r, "host", &s->host);
		} else if (!strcmp(k, "format") || !strcmp(k, "manager")) {
			int format = k[0] == 'f';

			rc = jp_planrd_str(r, k, &v);
			if (rc == 0 && v && format)
				s->format = !strcmp(v, "rpm") ? JP_SCAN_RPM :
				    !strcmp(v, "deb") ? JP_SCAN_DEB : 0;
			else if (rc == 0 && v) {
				int m;

				for (m = JP_SCAN_DNF; m <= JP_SCAN_APT; m++)
					if (!strcmp(v, jp_scan_manager_name(m)))
						s->manager = m;
			}
		} else if (!strcmp(k, "state_sha256")) {
			rc = jp_planrd_str(r, k, &v);
			if (rc == 0 && v && strlen(v) == 64)
				memcpy(s->state, v, 65);
		} else if (!strcmp(k, "scanned")) {
			int64_t n;

			if (jp_planrd_next(r, &t) < 0)
				return JP_ERR;
			if (t == JP_JSON_NUMBER &&
			    jp_strnum_i64(jp_json_text(&r->j, NULL), &n) == 0)
				s->scanned = n;
		} else if (!strcmp(k, "updates")) {
			if (jp_planrd_next(r, &t) < 0)
				return JP_ERR;
			if (t != JP_JSON_ARR_BEGIN)
				return jp_planrd_fail(r, "\"updates\" is not an "
				    "array");
			for (;;) {
				if (jp_planrd_next(r, &t) < 0)
					return JP_ERR;
				if (t == JP_JSON_ARR_END)
					break;
				if (t != JP_JSON_OBJ_BEGIN)
					return jp_planrd_fail(r, "an update is not "
					    "an object");
				if (jp_planrd_update(r, s) < 0)
					return JP_ERR;
			}
		} else if (jp_planrd_next(r, &t) < 0 ||
		    jp_json_skip(&r->j, t) < 0) {
			free(v);
			return jp_planrd_fail(r, "not JSON");
		}
		free(v);
		v = NULL;
		if (rc < 0)
			return rc;
	}
	if (!s->host)
		return jp_planrd_fail(r, "a host without \"host\"");
	return 0;
}

int
jp_apply_plan_parse(struct jp_ctx *ctx, const char *what, const char *data,
    size_t len, int (*fn)(void *opaque, struct jp_apply_set *s),
    void *opaque)
{
	struct jp_planrd r;
	enum jp_json_tok t;
	char *fmt = NULL;
	int rc = JP_ERR, seen_format = 0, seen_version = 0, seen_hosts = 0;

	r.ctx = ctx;
	r.path = what;
	jp_json_init_mem(&r.j, data, len);
	if (jp_planrd_next(&r, &t) < 0)
		goto out;
	if (t != JP_JSON_OBJ_BEGIN) {
		jp_planrd_fail(&r, "not a plan (the top is not an object)");
		goto out;
	}
	for (;;) {
		const char *k;

		if (jp_planrd_next(&r, &t) < 0)
			goto out;
		if (t == JP_JSON_OBJ_END)
			break;
		k = jp_json_text(&r.j, NULL);
		if (!strcmp(k, "format")) {
			if (jp_planrd_str(&r, "format", &fmt) < 0)
				goto out;
			if (!fmt || strcmp(fmt, "jprepo-plan")) {
				jp_planrd_fail(&r, "not a plan (\"format\" is not "
				    "\"jprepo-plan\")");
				goto out;
			}
			seen_format = 1;
		} else if (!strcmp(k, "version")) {
			if (jp_planrd_next(&r, &t) < 0)
				goto out;
			if (t != JP_JSON_NUMBER ||
			    strcmp(jp_json_text(&r.j, NULL), "1")) {
				jp_error_set(ctx, JP_ERR, "cannot read the plan "
				    "'%s': version %s; this jprepo reads "
				    "version 1", what, t == JP_JSON_NUMBER ?
				    jp_json_text(&r.j, NULL) : "(not a number)");
				goto out;
			}
			seen_version = 1;
		} else if (!strcmp(k, "hosts")) {
			if (jp_planrd_next(&r, &t) < 0)
				goto out;
			if (t != JP_JSON_ARR_BEGIN) {
				jp_planrd_fail(&r, "\"hosts\" is not an array");
				goto out;
			}
			seen_hosts = 1;
			for (;;) {
				struct jp_apply_set s;
				int frc;

				if (jp_planrd_next(&r, &t) < 0)
					goto out;
				if (t == JP_JSON_ARR_END)
					break;
				if (t != JP_JSON_OBJ_BEGIN) {
					jp_planrd_fail(&r, "a host is not an "
					    "object");
					goto out;
				}
				memset(&s, 0, sizeof(s));
				if (jp_planrd_host(&r, &s) < 0) {
					jp_apply_set_release(&s);
					goto out;
				}
				frc = fn(opaque, &s);
				jp_apply_set_release(&s);
				if (frc < 0) {
					rc = frc;
					goto out;
				}
			}
		} else if (jp_planrd_next(&r, &t) < 0 ||
		    jp_json_skip(&r.j, t) < 0) {
			jp_planrd_fail(&r, "not JSON");
			goto out;
		}
	}
	if (jp_planrd_next(&r, &t) < 0)
		goto out;
	if (!seen_format)
		jp_planrd_fail(&r, "not a plan (no \"format\": "
		    "\"jprepo-plan\")");
	else if (!seen_version)
		jp_planrd_fail(&r, "no \"version\"");
	else if (!seen_hosts)
		jp_planrd_fail(&r, "no \"hosts\"");
	else
		rc = 0;
out:
	jp_json_release(&r.j);
	free(fmt);
	return rc;
}

/* jp_apply_plan_read's callback: keep the host's section, name the others. */
struct jp_plan_pick {
	const char *host;
	struct jp_apply_set *out;
	int found;
	char *names;
	size_t nl;
};

static int
jp_plan_pick(void *opaque, struct jp_apply_set *s)
{
	struct jp_plan_pick *pk = opaque;
	size_t n;

	if (!pk->found && !strcmp(s->host, pk->host)) {
		*pk->out = *s;
		memset(s, 0, sizeof(*s));
		pk->found = 1;
		return 0;
	}
	n = strlen(s->host);
	pk->names = jp_xrealloc(pk->names, pk->nl + n + 3);
	if (pk->nl) {
		pk->names[pk->nl++] = ',';
		pk->names[pk->nl++] = ' ';
	}
	memcpy(pk->names + pk->nl, s->host, n + 1);
	pk->nl += n;
	return 0;
}

int
jp_apply_plan_read(struct jp_ctx *ctx, const char *path, const char *host,
    struct jp_apply_set *out)
{
	struct jp_plan_pick pk;
	char *data = NULL;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&pk, 0, sizeof(pk));
	pk.host = host;
	pk.out = out;
	rc = jp_file_read(ctx, path, &data, &len);
	if (rc < 0)
		return rc;
	rc = jp_apply_plan_parse(ctx, path, data, len, jp_plan_pick, &pk);
	free(data);
	if (rc < 0) {
		jp_apply_set_release(out);
		free(pk.names);
		return rc;
	}
	if (pk.found) {
		free(pk.names);
		return 1;
	}
	out->host = pk.names ? pk.names : jp_xstrdup("");
	return 0;
}

/* --- planning against local repositories --- */

int
jp_apply_plan_pool(struct jp_ctx *ctx, struct jp_pool *pool,
    const struct jp_scan *scan, int security, struct jp_apply_set *out)
{
	struct jp_plan_opts po;
	struct jp_plan_host h;
	struct jp_plan_inst *inst;
	char **evrs;
	size_t i, j, n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&po, 0, sizeof(po));
	memset(&h, 0, sizeof(h));
	po.security = security;
	inst = jp_xcalloc(scan->npkgs + 1, sizeof(*inst));
	evrs = jp_xcalloc(scan->npkgs + 1, sizeof(*evrs));
	for (i = 0; i < scan->npkgs; i++) {
		const struct jp_scan_pkg *p = &scan->pkgs[i];

		if (!jp_scan_pkg_live(scan, p))
			continue;
		evrs[n] = jp_scan_pkg_evr(scan, p);
		inst[n].name = p->name;
		inst[n].arch = p->arch;
		inst[n].evr = evrs[n];
		n++;
	}
	rc = jp_plan_host(ctx, pool, &po, scan->host ? scan->host : "-",
	    scan->arch ? scan->arch : "", inst, n, &h);
	if (rc == 0) {
		out->host = jp_xstrdup(scan->host ? scan->host : "-");
		out->format = scan->format;
		out->manager = scan->manager;
		out->scanned = scan->scanned;
		jp_scan_state_digest(scan, out->state);
		for (i = 0; i < h.nupdates; i++) {
			const struct jp_plan_update *u = &h.updates[i];
			const struct jp_ppkg *k = &pool->pkgs[u->to];
			struct jp_apply_item *it = jp_apply_add(out);
			size_t len = 0;

			it->name = jp_xstrdup(u->obsoletes ?
			    jp_pool_s(pool, k->name) : u->name);
			it->arch = jp_xstrdup(jp_pool_s(pool, k->arch));
			it->inst_name = jp_xstrdup(u->name);
			it->inst_arch = jp_xstrdup(u->arch);
			it->from = u->from ? jp_xstrdup(u->from) : NULL;
			it->to = jp_xstrdup(jp_pool_s(pool, k->evr));
			it->installonly = u->installonly;
			for (j = 0; j < u->nadvs; j++) {
				const char *id = jp_pool_s(pool,
				    pool->advs[u->advs[j]].id);
				size_t l = strlen(id);

				it->advisories = jp_xrealloc(it->advisories,
				    len + l + 2);
				if (len)
					it->advisories[len++] = ' ';
				memcpy(it->advisories + len, id, l + 1);
				len += l;
			}
		}
	}
	jp_plan_host_release(&h);
	for (i = 0; i < n; i++)
		free(evrs[i]);
	free(evrs);
	free(inst);
	return rc;
}

int
jp_apply_pool_has(const struct jp_pool *pool, const char *name,
    const char *arch, const char *evr)
{
	uint32_t k;

	for (k = jp_pool_first(pool, name); k; k = pool->pkgs[k - 1].next_same_name) {
		const struct jp_ppkg *p = &pool->pkgs[k - 1];

		if (!strcmp(jp_pool_s(pool, p->arch), arch) &&
		    !strcmp(jp_pool_s(pool, p->evr), evr))
			return 1;
	}
	return 0;
}

/* --- differences between scans --- */

struct jp_inst {
	const char *name, *arch;
	char *evr;
	int deb;
};

static int
jp_inst_vercmp(const struct jp_inst *a, const struct jp_inst *b)
{
	if (a->deb)
		return jp_deb_vercmp(a->evr, b->evr);
	{
		char *x = jp_xstrdup(a->evr), *y = jp_xstrdup(b->evr);
		const char *ea, *va, *ra, *eb, *vb, *rb;
		int c;

		jp_rpm_evr_split(x, &ea, &va, &ra);
		jp_rpm_evr_split(y, &eb, &vb, &rb);
		c = jp_rpm_evrcmp(ea, va, ra, eb, vb, rb);
		free(x);
		free(y);
		return c;
	}
}

static int
jp_inst_cmp(const void *pa, const void *pb)
{
	const struct jp_inst *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	if ((c = strcmp(a->arch, b->arch)))
		return c;
	if ((c = jp_inst_vercmp(a, b)))
		return c;
	return strcmp(a->evr, b->evr);
}

static struct jp_inst *
jp_inst_list(const struct jp_scan *s, size_t *n)
{
	struct jp_inst *v = jp_xcalloc(s->npkgs + 1, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < s->npkgs; i++) {
		if (!jp_scan_pkg_present(s, &s->pkgs[i]))
			continue;
		v[k].name = s->pkgs[i].name;
		v[k].arch = s->pkgs[i].arch;
		v[k].evr = jp_scan_pkg_evr(s, &s->pkgs[i]);
		v[k].deb = s->format == JP_SCAN_DEB;
		k++;
	}
	qsort(v, k, sizeof(*v), jp_inst_cmp);
	*n = k;
	return v;
}

static void
jp_change_add(struct jp_change **c, size_t *n, const char *name,
    const char *arch, const char *from, const char *to)
{
	struct jp_change *x;

	*c = jp_xrealloc(*c, (*n + 1) * sizeof(**c));
	x = &(*c)[(*n)++];
	x->name = jp_xstrdup(name);
	x->arch = jp_xstrdup(arch);
	x->from = from ? jp_xstrdup(from) : NULL;
	x->to = to ? jp_xstrdup(to) : NULL;
}

size_t
jp_apply_diff(const struct jp_scan *a, const struct jp_scan *b,
    struct jp_change **out)
{
	struct jp_inst *va, *vb;
	size_t na, nb, i = 0, j = 0, n = 0, k;

	*out = NULL;
	va = jp_inst_list(a, &na);
	vb = jp_inst_list(b, &nb);
	while (i < na || j < nb) {
		const struct jp_inst *g = i < na && (j >= nb ||
		    strcmp(va[i].name, vb[j].name) < 0 ||
		    (!strcmp(va[i].name, vb[j].name) &&
		    strcmp(va[i].arch, vb[j].arch) <= 0)) ? &va[i] : &vb[j];
		const char *name = g->name, *arch = g->arch;
		size_t i0 = i, j0 = j, gone = 0, came = 0;
		const char **gv, **cv;

		/* the group name.arch in both lists */
		while (i < na && !strcmp(va[i].name, name) &&
		    !strcmp(va[i].arch, arch))
			i++;
		while (j < nb && !strcmp(vb[j].name, name) &&
		    !strcmp(vb[j].arch, arch))
			j++;
		gv = jp_xcalloc(i - i0 + 1, sizeof(*gv));
		cv = jp_xcalloc(j - j0 + 1, sizeof(*cv));
		/* versions only in a (gone), only in b (came): both sorted */
		{
			size_t x = i0, y = j0;

			while (x < i || y < j) {
				int c = x >= i ? 1 : y >= j ? -1 :
				    strcmp(va[x].evr, vb[y].evr) == 0 ? 0 :
				    jp_inst_cmp(&va[x], &vb[y]);

				if (c == 0) {
					x++;
					y++;
				} else if (c < 0) {
					gv[gone++] = va[x++].evr;
				} else {
					cv[came++] = vb[y++].evr;
				}
			}
		}
		for (k = 0; k < gone || k < came; k++)
			jp_change_add(out, &n, name, arch,
			    k < gone ? gv[k] : NULL, k < came ? cv[k] : NULL);
		free(gv);
		free(cv);
	}
	for (i = 0; i < na; i++)
		free(va[i].evr);
	for (j = 0; j < nb; j++)
		free(vb[j].evr);
	free(va);
	free(vb);
	return n;
}

size_t
jp_apply_duplicates(const struct jp_scan *s, const char *const *skip,
    struct jp_change **out)
{
	struct jp_inst *v;
	size_t nv, i, j, k, n = 0;

	*out = NULL;
	if (s->format == JP_SCAN_DEB)
		return 0;
	v = jp_inst_list(s, &nv);
	for (i = 0; i < nv; i = j) {
		int keep = !strcmp(v[i].name, "gpg-pubkey") ||
		    !strncmp(v[i].name, "kernel", 6) ||
		    !strncmp(v[i].name, "kmod-", 5);

		for (j = i + 1; j < nv && !strcmp(v[j].name, v[i].name) &&
		    !strcmp(v[j].arch, v[i].arch); j++)
			;
		for (k = 0; skip && skip[k] && !keep; k++)
			keep = !strcmp(skip[k], v[i].name);
		/* sorted by version: v[j - 1] is the newest */
		for (k = i; !keep && k + 1 < j; k++)
			jp_change_add(out, &n, v[k].name, v[k].arch, v[k].evr,
			    v[j - 1].evr);
	}
	for (i = 0; i < nv; i++)
		free(v[i].evr);
	free(v);
	return n;
}

void
jp_changes_free(struct jp_change *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].arch);
		free(c[i].from);
		free(c[i].to);
	}
	free(c);
}

/* --- maintenance windows --- */

static const char *const jp_days[] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday",
};

/* A day name (3 letters or full, any case) at s, length n; -1 when none. */
static int
jp_window_day(const char *s, size_t n)
{
	int d;

	for (d = 0; d < 7; d++) {
		if (n == 3 && !strncasecmp(s, jp_days[d], 3))
			return d;
		if (n == strlen(jp_days[d]) && !strncasecmp(s, jp_days[d], n))
			return d;
	}
	return -1;
}

static int
jp_window_hhmm(const char *s, int *out)
{
	uint64_t h, m;

	if (strlen(s) != 5 || s[2] != ':' || jp_strnum_u64n(s, 2, &h) < 0 ||
	    jp_strnum_u64n(s + 3, 2, &m) < 0 || h > 24 || m > 59 ||
	    (h == 24 && m != 0))
		return -1;
	*out = (int)(h * 60 + m);
	return 0;
}

int
jp_window_parse(struct jp_ctx *ctx, const char *spec, struct jp_window *w)
{
	char *s = jp_xstrdup(spec), *times, *dash, *p, *save = NULL;
	int rc = 0;

	memset(w, 0, sizeof(*w));
	times = strrchr(s, ' ');
	if (times) {
		*times++ = '\0';
	} else {
		times = s;
	}
	dash = strchr(times, '-');
	if (!dash)
		goto bad;
	*dash = '\0';
	if (jp_window_hhmm(times, &w->start) < 0 ||
	    jp_window_hhmm(dash + 1, &w->end) < 0)
		goto bad;
	if (times == s || !strcasecmp(s, "daily")) {
		w->days = 0x7f;
		goto out;
	}
	/* strtok_r: no hidden state shared with other threads (issue 9) */
	for (p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *r = strchr(p, '-');
		int a, b;

		while (*p == ' ')
			p++;
		if (r) {
			a = jp_window_day(p, (size_t)(r - p));
			b = jp_window_day(r + 1, strlen(r + 1));
		} else {
			a = b = jp_window_day(p, strlen(p));
		}
		if (a < 0 || b < 0)
			goto bad;
		for (;;) {
			w->days |= 1u << a;
			if (a == b)
				break;
			a = (a + 1) % 7;
		}
	}
	if (!w->days)
		goto bad;
	goto out;
bad:
	rc = jp_error_set(ctx, JP_ERR_USAGE, "bad window '%s': expected "
	    "[DAYS] HH:MM-HH:MM, such as 'Sat 02:00-05:00' or "
	    "'Mon-Fri 22:00-04:00'", spec);
out:
	free(s);
	return rc;
}

/* Local midnight of the day of t, plus days, plus minutes. */
static time_t
jp_window_at(time_t t, int days, int minutes)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday += days;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

int
jp_window_inside(const struct jp_window *w, time_t t, time_t *closes,
    time_t *opens)
{
	struct tm tm;
	int d;
	int len = w->end > w->start ? w->end - w->start :
	    24 * 60 - w->start + w->end;

	localtime_r(&t, &tm);
	/* a window that started yesterday may still be open, one that
	 * starts within the next week may open next */
	for (d = -1; d <= 7; d++) {
		int wd = ((tm.tm_wday + d) % 7 + 7) % 7;
		time_t s, e;

		if (!(w->days & (1u << wd)))
			continue;
		s = jp_window_at(t, d, w->start);
		e = jp_window_at(t, d, w->start + len);
		if (t >= s && t < e) {
			if (closes)
				*closes = e;
			return 1;
		}
		if (s > t) {
			if (opens)
				*opens = s;
			return 0;
		}
	}
	if (opens)
		*opens = 0;
	return 0;
}
