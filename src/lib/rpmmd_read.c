/*
 * rpmmd_read.c: RPM-MD metadata (repodata/repomd.xml, primary, filelists,
 * updateinfo) into a package pool (pool.h), streaming through libxml2's
 * xmlTextReader; compressed files through libarchive's filters.
 *
 * Formats: REFERENCE.md "RPM-MD repositories", and createrepo_c's
 * writers, whose element and attribute names are read here.  Filelists
 * is read only for the file requirements that primary's <file> entries
 * (the /etc/, bin/ and /usr/lib/sendmail subset) do not answer.
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advisory.h"
#include "ctx.h"
#include "fsutil.h"
#include "pool.h"
#include "zfile.h"

#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
	XML_PARSE_HUGE)

/* An XML reader over path, whatever its compression; NULL with a message. */
static xmlTextReaderPtr
md_reader(struct jp_ctx *ctx, struct jp_zfile *in, const char *path)
{
	xmlTextReaderPtr r;

	if (jp_zfile_open(ctx, in, path) < 0)
		return NULL;
	r = xmlReaderForIO(jp_zfile_xml_read, jp_zfile_xml_close, in, path, NULL,
	    XML_OPTIONS);
	if (r == NULL)
		jp_error_set(ctx, JP_ERR, "cannot parse '%s'", path);
	return r;
}

static const char *
attr(xmlTextReaderPtr r, const char *name, char **hold)
{
	free(*hold);
	*hold = (char *)xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	return *hold;
}

/* rpm's EQ/LT/LE/GT/GE words (createrepo_c's flags attribute). */
static int
flags_of(const char *s)
{
	if (s == NULL)
		return 0;
	if (strcmp(s, "EQ") == 0)
		return JP_PDEP_EQ;
	if (strcmp(s, "LT") == 0)
		return JP_PDEP_LT;
	if (strcmp(s, "LE") == 0)
		return JP_PDEP_LT | JP_PDEP_EQ;
	if (strcmp(s, "GT") == 0)
		return JP_PDEP_GT;
	if (strcmp(s, "GE") == 0)
		return JP_PDEP_GT | JP_PDEP_EQ;
	return 0;
}

/* "[E:]V[-R]", the epoch only when it is not 0. */
static jp_str
evr_of(struct jp_pool *p, const char *e, const char *v, const char *r)
{
	char buf[1024];

	if (v == NULL || *v == '\0')
		return 0;
	snprintf(buf, sizeof(buf), "%s%s%s%s%s",
	    e && *e && strcmp(e, "0") != 0 ? e : "",
	    e && *e && strcmp(e, "0") != 0 ? ":" : "", v,
	    r && *r ? "-" : "", r && *r ? r : "");
	return jp_pool_str(p, buf, (size_t)-1);
}

enum section { S_NONE, S_PROV, S_REQ, S_OBS, S_CON };

/* File requirements primary does not answer: a small open-addressed set. */
struct fileset {
	jp_str *v;
	size_t cap, n;
};

static void
fs_add(struct fileset *s, jp_str x)
{
	size_t j;

	if ((s->n + 1) * 2 > s->cap) {
		struct fileset t = { NULL, s->cap ? s->cap * 2 : 64, 0 };
		size_t i;

		t.v = jp_xcalloc(t.cap, sizeof(*t.v));
		for (i = 0; i < s->cap; i++)
			if (s->v[i])
				fs_add(&t, s->v[i]);
		free(s->v);
		*s = t;
	}
	j = (x * 2654435761u) & (s->cap - 1);
	while (s->v[j] && s->v[j] != x)
		j = (j + 1) & (s->cap - 1);
	if (!s->v[j]) {
		s->v[j] = x;
		s->n++;
	}
}

static int
fs_has(const struct fileset *s, jp_str x)
{
	size_t j;

	if (s->cap == 0)
		return 0;
	j = (x * 2654435761u) & (s->cap - 1);
	while (s->v[j]) {
		if (s->v[j] == x)
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

static int
read_primary(struct jp_ctx *ctx, struct jp_pool *p, const char *path,
    uint32_t repo, size_t *first)
{
	struct jp_zfile in;
	xmlTextReaderPtr r = NULL;
	char *h1 = NULL, *h2 = NULL, *h3 = NULL, *h4 = NULL, *h5 = NULL;
	struct jp_ppkg *k = NULL;
	size_t ki = 0;
	int sec = S_NONE, rc = JP_ERR, ret, skip = 0;
	int in_name = 0, in_arch = 0, in_src = 0, in_file = 0;

	*first = p->npkgs;
	if ((r = md_reader(ctx, &in, path)) == NULL)
		goto out;
	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);

		if (type == XML_READER_TYPE_ELEMENT) {
			if (strcmp(ln, "package") == 0) {
				k = jp_pool_add_pkg(p);
				ki = p->npkgs - 1;
				k->repo = repo;
				k->prov0 = k->req0 = k->obs0 = k->con0 =
				    (uint32_t)p->ndeps;
				k->file0 = (uint32_t)p->nfiles;
				skip = 0;
				continue;
			}
			if (k == NULL)
				continue;
			k = &p->pkgs[ki];
			if (strcmp(ln, "name") == 0 && sec == S_NONE)
				in_name = 1;
			else if (strcmp(ln, "arch") == 0)
				in_arch = 1;
			else if (strcmp(ln, "sourcerpm") == 0)
				in_src = 1;
			else if (strcmp(ln, "file") == 0)
				in_file = 1;
			else if (strcmp(ln, "version") == 0) {
				const char *e = attr(r, "epoch", &h1);
				const char *v = attr(r, "ver", &h2);
				const char *rl = attr(r, "rel", &h3);

				k->epoch = jp_pool_str(p, e && *e ? e : "0",
				    (size_t)-1);
				k->version = jp_pool_str(p, v ? v : "", (size_t)-1);
				k->release = jp_pool_str(p, rl ? rl : "",
				    (size_t)-1);
				k->evr = evr_of(p, e, v, rl);
			} else if (strcmp(ln, "location") == 0) {
				const char *href = attr(r, "href", &h1);

				if (href)
					k->location = jp_pool_str(p, href,
					    (size_t)-1);
			} else if (strcmp(ln, "provides") == 0) {
				sec = S_PROV;
				k->prov0 = (uint32_t)p->ndeps;
			} else if (strcmp(ln, "requires") == 0) {
				sec = S_REQ;
				k->req0 = (uint32_t)p->ndeps;
			} else if (strcmp(ln, "obsoletes") == 0) {
				sec = S_OBS;
				k->obs0 = (uint32_t)p->ndeps;
			} else if (strcmp(ln, "conflicts") == 0) {
				sec = S_CON;
				k->con0 = (uint32_t)p->ndeps;
			} else if (strcmp(ln, "entry") == 0 && sec != S_NONE) {
				const char *n = attr(r, "name", &h1);
				const char *f = attr(r, "flags", &h2);
				jp_str evr;

				if (n == NULL)
					continue;
				/* rpm itself answers rpmlib() requirements */
				if (sec == S_REQ && strncmp(n, "rpmlib(", 7) == 0)
					continue;
				evr = evr_of(p, attr(r, "epoch", &h3),
				    attr(r, "ver", &h4), attr(r, "rel", &h5));
				jp_pool_add_dep(p, jp_pool_str(p, n, (size_t)-1),
				    evr ? flags_of(f) : 0, evr, 0);
				k = &p->pkgs[ki];
				switch (sec) {
				case S_PROV: k->nprov++; break;
				case S_REQ: k->nreq++; break;
				case S_OBS: k->nobs++; break;
				case S_CON: k->ncon++; break;
				}
			}
			continue;
		}
		if (type == XML_READER_TYPE_TEXT && k != NULL &&
		    (in_name || in_arch || in_src || in_file)) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			jp_str s = jp_pool_str(p, v, (size_t)-1);

			k = &p->pkgs[ki];
			if (in_name)
				k->name = s;
			else if (in_arch)
				k->arch = s;
			else if (in_src)
				k->source = s;
			else {
				jp_pool_add_file(p, s);
				p->pkgs[ki].nfile++;
			}
			continue;
		}
		if (type == XML_READER_TYPE_END_ELEMENT) {
			if (strcmp(ln, "name") == 0)
				in_name = 0;
			else if (strcmp(ln, "arch") == 0)
				in_arch = 0;
			else if (strcmp(ln, "sourcerpm") == 0)
				in_src = 0;
			else if (strcmp(ln, "file") == 0)
				in_file = 0;
			else if (strcmp(ln, "provides") == 0 ||
			    strcmp(ln, "requires") == 0 ||
			    strcmp(ln, "obsoletes") == 0 ||
			    strcmp(ln, "conflicts") == 0)
				sec = S_NONE;
			else if (strcmp(ln, "package") == 0 && k != NULL) {
				k = &p->pkgs[ki];
				/* source packages are not installable */
				if (k->name == 0 || k->arch == 0 || k->evr == 0 ||
				    strcmp(jp_pool_s(p, k->arch), "src") == 0 ||
				    strcmp(jp_pool_s(p, k->arch), "nosrc") == 0)
					skip = 1;
				if (skip)
					p->npkgs--;
				k = NULL;
			}
		}
	}
	if (ret < 0) {
		jp_error_set(ctx, JP_ERR, "'%s' is not well-formed XML (or is "
		    "damaged)", path);
		goto out;
	}
	rc = 0;
out:
	if (r)
		xmlFreeTextReader(r);
	jp_zfile_close(&in);
	free(h1);
	free(h2);
	free(h3);
	free(h4);
	free(h5);
	return rc;
}

/*
 * Files from filelists for packages [first, npkgs) of this repository,
 * only those in want.  Files are appended after primary's; a package's
 * file range must stay contiguous, so they go to a side list that is
 * merged per package.
 */
static int
read_filelists(struct jp_ctx *ctx, struct jp_pool *p, const char *path,
    size_t first, size_t last, const struct fileset *want)
{
	struct jp_zfile in;
	xmlTextReaderPtr r = NULL;
	char *h1 = NULL, *h2 = NULL;
	struct { uint32_t pkg; jp_str file; } *extra = NULL;
	size_t nextra = 0, cextra = 0, i, j;
	long cur = -1;
	int ret, rc = JP_ERR, in_file = 0;

	if ((r = md_reader(ctx, &in, path)) == NULL)
		goto out;
	/*
	 * filelists packages come in primary's order (createrepo_c writes
	 * both from one list); match by name, arch and version, in order.
	 */
	i = first;
	while ((ret = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);

		if (type == XML_READER_TYPE_ELEMENT && strcmp(ln, "package") == 0) {
			const char *n = attr(r, "name", &h1);
			const char *a = attr(r, "arch", &h2);
			size_t k;

			cur = -1;
			for (k = i; n && a && k < last; k++) {
				if (strcmp(jp_pool_s(p, p->pkgs[k].name), n) == 0 &&
				    strcmp(jp_pool_s(p, p->pkgs[k].arch), a) == 0) {
					cur = (long)k;
					i = k + 1;
					break;
				}
			}
		} else if (type == XML_READER_TYPE_ELEMENT &&
		    strcmp(ln, "file") == 0) {
			in_file = 1;
		} else if (type == XML_READER_TYPE_END_ELEMENT &&
		    strcmp(ln, "file") == 0) {
			in_file = 0;
		} else if (type == XML_READER_TYPE_TEXT && in_file && cur >= 0) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			jp_str s = jp_pool_lookup(p, v);

			if (s && fs_has(want, s)) {
				if (nextra == cextra) {
					cextra = cextra ? 2 * cextra : 64;
					extra = jp_xrealloc(extra,
					    cextra * sizeof(*extra));
				}
				extra[nextra].pkg = (uint32_t)cur;
				extra[nextra].file = s;
				nextra++;
			}
		}
	}
	if (ret < 0) {
		jp_error_set(ctx, JP_ERR, "'%s' is not well-formed XML (or is "
		    "damaged)", path);
		goto out;
	}
	/* Each package with extra files gets a new contiguous range. */
	for (i = 0; i < nextra; i = j) {
		struct jp_ppkg *k = &p->pkgs[extra[i].pkg];
		uint32_t start = (uint32_t)p->nfiles, f;

		for (f = k->file0; f < k->file0 + k->nfile; f++)
			jp_pool_add_file(p, p->files[f]);
		for (j = i; j < nextra && extra[j].pkg == extra[i].pkg; j++)
			jp_pool_add_file(p, extra[j].file);
		k = &p->pkgs[extra[i].pkg];
		k->nfile = (uint32_t)p->nfiles - start;
		k->file0 = start;
	}
	rc = 0;
out:
	if (r)
		xmlFreeTextReader(r);
	jp_zfile_close(&in);
	free(h1);
	free(h2);
	free(extra);
	return rc;
}

/* Advisories of updateinfo into the pool. */
static int
read_updateinfo(struct jp_ctx *ctx, struct jp_pool *p, const char *path)
{
	struct jp_advset set;
	size_t i, c, k;

	memset(&set, 0, sizeof(set));
	if (jp_advisory_load(ctx, path, &set) < 0)
		return JP_ERR;
	for (i = 0; i < set.n; i++) {
		const struct jp_advisory *a = &set.v[i];
		struct jp_padv *pa = jp_pool_add_adv(p);

		pa->id = a->id ? jp_pool_str(p, a->id, (size_t)-1) : 0;
		pa->type = a->type ? jp_pool_str(p, a->type, (size_t)-1) : 0;
		pa->severity = a->severity ? jp_pool_str(p, a->severity,
		    (size_t)-1) : 0;
		pa->title = a->title ? jp_pool_str(p, a->title, (size_t)-1) : 0;
		pa->issued = a->issued ? jp_pool_str(p, a->issued, (size_t)-1) : 0;
		for (k = 0; k < a->nrefs; k++) {
			if (a->refs[k].type && strcmp(a->refs[k].type, "cve") == 0 &&
			    a->refs[k].id)
				jp_pool_add_adv_cve(p, pa, jp_pool_str(p,
				    a->refs[k].id, (size_t)-1));
		}
		for (c = 0; c < a->ncolls; c++) {
			for (k = 0; k < a->colls[c].npkgs; k++) {
				const struct jp_adv_pkg *ap = &a->colls[c].pkgs[k];

				if (!ap->name || !ap->version)
					continue;
				jp_pool_add_adv_pkg(p, pa,
				    jp_pool_str(p, ap->name, (size_t)-1),
				    ap->arch ? jp_pool_str(p, ap->arch,
				    (size_t)-1) : 0,
				    evr_of(p, ap->epoch, ap->version,
				    ap->release));
			}
		}
	}
	jp_advset_release(&set);
	return 0;
}

/*
 * The paths of the primary, filelists and updateinfo files that
 * repodata/repomd.xml lists (NULL for those it does not); each href must
 * stay inside the repository.
 */
static int
repomd_paths(struct jp_ctx *ctx, const char *path, char **prim, char **flist,
    char **uinfo)
{
	char *repomd = jp_path_join(path, "repodata/repomd.xml");
	char *h1 = NULL, *cur_type = NULL;
	xmlTextReaderPtr r;
	int ret, rc = JP_ERR;

	*prim = *flist = *uinfo = NULL;
	r = xmlReaderForFile(repomd, NULL, XML_OPTIONS);
	if (r == NULL) {
		jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", repomd,
		    strerror(errno ? errno : ENOENT));
		goto out;
	}
	while ((ret = xmlTextReaderRead(r)) == 1) {
		const char *ln = (const char *)xmlTextReaderConstLocalName(r);

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		if (strcmp(ln, "data") == 0) {
			free(cur_type);
			cur_type = (char *)xmlTextReaderGetAttribute(r,
			    (const xmlChar *)"type");
		} else if (strcmp(ln, "location") == 0 && cur_type) {
			const char *href = attr(r, "href", &h1);
			char **slot = strcmp(cur_type, "primary") == 0 ? prim :
			    strcmp(cur_type, "filelists") == 0 ? flist :
			    strcmp(cur_type, "updateinfo") == 0 ? uinfo : NULL;

			if (slot && href && !*slot) {
				/* a hostile href must stay inside the repository */
				if (!(*slot = jp_path_join_safe(ctx, path, href))) {
					xmlFreeTextReader(r);
					goto out;
				}
			}
		}
	}
	xmlFreeTextReader(r);
	if (ret < 0 || *prim == NULL) {
		jp_error_set(ctx, JP_ERR, "'%s' is damaged or lists no primary "
		    "metadata", repomd);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		free(*prim);
		free(*flist);
		free(*uinfo);
		*prim = *flist = *uinfo = NULL;
	}
	free(repomd);
	free(h1);
	free(cur_type);
	return rc;
}

char *
jp_rpmmd_updateinfo_path(struct jp_ctx *ctx, const char *repo)
{
	char *prim, *flist, *uinfo;

	if (repomd_paths(ctx, repo, &prim, &flist, &uinfo) < 0)
		return NULL;
	free(prim);
	free(flist);
	if (uinfo == NULL)
		jp_error_clear(ctx);
	return uinfo;
}

int
jp_pool_add_rpmmd(struct jp_ctx *ctx, struct jp_pool *p, const char *path)
{
	char *prim = NULL, *flist = NULL, *uinfo = NULL;
	size_t first;
	uint32_t repo;
	int rc = JP_ERR;

	if (p->format != JP_POOL_RPM)
		return jp_error_set(ctx, JP_ERR, "'%s' is an RPM-MD repository; "
		    "the others given are APT", path);
	if (repomd_paths(ctx, path, &prim, &flist, &uinfo) < 0)
		return JP_ERR;
	repo = jp_pool_add_repo_entry(p, path, NULL);
	if (read_primary(ctx, p, prim, repo, &first) < 0)
		goto out;
	p->repos[repo].first = first;
	p->repos[repo].last = p->npkgs;
	p->repos[repo].filelists = flist;
	flist = NULL;
	if (uinfo != NULL && read_updateinfo(ctx, p, uinfo) < 0)
		goto out;
	p->repos[repo].updateinfo = uinfo;
	uinfo = NULL;
	rc = 0;
out:
	free(prim);
	free(flist);
	free(uinfo);
	return rc;
}

int
jp_pool_complete(struct jp_ctx *ctx, struct jp_pool *p)
{
	struct fileset have = { NULL, 0, 0 }, want = { NULL, 0, 0 };
	size_t i, r;
	int rc = 0;

	if (p->format != JP_POOL_RPM)
		return 0;
	for (i = 0; i < p->npkgs; i++) {
		uint32_t f;

		for (f = p->pkgs[i].file0; f < p->pkgs[i].file0 + p->pkgs[i].nfile;
		    f++)
			fs_add(&have, p->files[f]);
	}
	for (i = 0; i < p->npkgs; i++) {
		uint32_t d;

		for (d = p->pkgs[i].req0; d < p->pkgs[i].req0 + p->pkgs[i].nreq;
		    d++) {
			jp_str n = p->deps[d].name;

			if (jp_pool_s(p, n)[0] == '/' && !fs_has(&have, n))
				fs_add(&want, n);
		}
	}
	for (r = 0; rc == 0 && want.n > 0 && r < p->nrepos; r++) {
		if (p->repos[r].filelists != NULL)
			rc = read_filelists(ctx, p, p->repos[r].filelists,
			    p->repos[r].first, p->repos[r].last, &want);
	}
	free(have.v);
	free(want.v);
	return rc;
}
