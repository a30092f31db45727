/*
 * advisory.c: updateinfo.xml: reading, checking, merging and writing.
 *
 * The format has no schema; what counts is what the clients read:
 * libsolv's ext/repo_updateinfoxml.c (dnf, zypper) and createrepo_c's
 * xml_parser_updateinfo.c.  The writer follows createrepo_c's
 * cr_xml_dump_updateinforecord_internal() element order, which is what
 * modifyrepo_c and the distributions publish, and writes every element
 * that writer knows, plus libsolv's <message>; elements neither reads are
 * left out with a warning.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>

#include "advisory.h"
#include "ctx.h"
#include "pkg.h"

/* The advisory types dnf knows (libdnf's dnf_advisory_kind_from_string). */
static const char *const jp_adv_known_types[] = {
	"security", "bugfix", "enhancement", "newpackage", NULL
};

/* ------------------------------------------------------------------ */
/* records */

static void
jp_adv_pkg_release(struct jp_adv_pkg *p)
{
	free(p->name);
	free(p->epoch);
	free(p->version);
	free(p->release);
	free(p->arch);
	free(p->src);
	free(p->filename);
	free(p->sum);
	free(p->sum_type);
}

static void
jp_adv_module_release(struct jp_adv_module *m)
{
	free(m->name);
	free(m->stream);
	free(m->version);
	free(m->context);
	free(m->arch);
}

static void
jp_adv_coll_release(struct jp_adv_collection *c)
{
	size_t i;

	free(c->short_name);
	free(c->name);
	for (i = 0; i < c->nmodules; i++)
		jp_adv_module_release(&c->modules[i]);
	free(c->modules);
	for (i = 0; i < c->npkgs; i++)
		jp_adv_pkg_release(&c->pkgs[i]);
	free(c->pkgs);
}

static void
jp_adv_ref_release(struct jp_adv_ref *r)
{
	free(r->href);
	free(r->id);
	free(r->type);
	free(r->title);
}

static void
jp_adv_release(struct jp_advisory *a)
{
	size_t i;

	free(a->from);
	free(a->status);
	free(a->type);
	free(a->version);
	free(a->id);
	free(a->title);
	free(a->issued);
	free(a->updated);
	free(a->rights);
	free(a->release);
	free(a->pushcount);
	free(a->severity);
	free(a->summary);
	free(a->description);
	free(a->solution);
	free(a->message);
	for (i = 0; i < a->nrefs; i++)
		jp_adv_ref_release(&a->refs[i]);
	free(a->refs);
	for (i = 0; i < a->ncolls; i++)
		jp_adv_coll_release(&a->colls[i]);
	free(a->colls);
	memset(a, 0, sizeof(*a));
}

void
jp_advset_release(struct jp_advset *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		jp_adv_release(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

/* Grow an array by one element, doubling its capacity at powers of two. */
static void *
jp_adv_grow(void *v, size_t n, size_t elsize)
{
	if (n == 0 || (n & (n - 1)) == 0)
		v = jp_xrealloc(v, (n ? 2 * n : 4) * elsize);
	return v;
}

static int
jp_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
jp_adv_pkg_equal(const struct jp_adv_pkg *x, const struct jp_adv_pkg *y)
{
	return jp_streq(x->name, y->name) && jp_streq(x->epoch, y->epoch) &&
	    jp_streq(x->version, y->version) &&
	    jp_streq(x->release, y->release) && jp_streq(x->arch, y->arch) &&
	    jp_streq(x->src, y->src) && jp_streq(x->filename, y->filename) &&
	    jp_streq(x->sum, y->sum) && jp_streq(x->sum_type, y->sum_type) &&
	    x->reboot_suggested == y->reboot_suggested &&
	    x->restart_suggested == y->restart_suggested &&
	    x->relogin_suggested == y->relogin_suggested;
}

static int
jp_adv_coll_equal(const struct jp_adv_collection *x,
    const struct jp_adv_collection *y)
{
	size_t i;

	if (!jp_streq(x->short_name, y->short_name) ||
	    !jp_streq(x->name, y->name) || x->nmodules != y->nmodules ||
	    x->npkgs != y->npkgs)
		return 0;
	for (i = 0; i < x->nmodules; i++) {
		const struct jp_adv_module *m = &x->modules[i], *n = &y->modules[i];

		if (!jp_streq(m->name, n->name) ||
		    !jp_streq(m->stream, n->stream) ||
		    !jp_streq(m->version, n->version) ||
		    !jp_streq(m->context, n->context) ||
		    !jp_streq(m->arch, n->arch))
			return 0;
	}
	for (i = 0; i < x->npkgs; i++)
		if (!jp_adv_pkg_equal(&x->pkgs[i], &y->pkgs[i]))
			return 0;
	return 1;
}

/* Equal in every field: such a duplicate merges without a warning. */
static int
jp_adv_equal(const struct jp_advisory *a, const struct jp_advisory *b)
{
	size_t i;

	if (!jp_streq(a->from, b->from) || !jp_streq(a->status, b->status) ||
	    !jp_streq(a->type, b->type) || !jp_streq(a->version, b->version) ||
	    !jp_streq(a->id, b->id) || !jp_streq(a->title, b->title) ||
	    !jp_streq(a->issued, b->issued) ||
	    !jp_streq(a->updated, b->updated) ||
	    !jp_streq(a->rights, b->rights) ||
	    !jp_streq(a->release, b->release) ||
	    !jp_streq(a->pushcount, b->pushcount) ||
	    !jp_streq(a->severity, b->severity) ||
	    !jp_streq(a->summary, b->summary) ||
	    !jp_streq(a->description, b->description) ||
	    !jp_streq(a->solution, b->solution) ||
	    !jp_streq(a->message, b->message) ||
	    a->reboot_suggested != b->reboot_suggested ||
	    a->nrefs != b->nrefs || a->ncolls != b->ncolls)
		return 0;
	for (i = 0; i < a->nrefs; i++) {
		const struct jp_adv_ref *x = &a->refs[i], *y = &b->refs[i];

		if (!jp_streq(x->href, y->href) || !jp_streq(x->id, y->id) ||
		    !jp_streq(x->type, y->type) || !jp_streq(x->title, y->title))
			return 0;
	}
	for (i = 0; i < a->ncolls; i++)
		if (!jp_adv_coll_equal(&a->colls[i], &b->colls[i]))
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* dates */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
jp_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read exactly n decimal digits. */
static int
jp_digits(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*out = v;
	return 0;
}

/*
 * Seconds since the epoch of an updateinfo date.  Both forms occur in the
 * wild and libsolv's datestr2timestamp() accepts both: a plain number of
 * seconds (SUSE) and "YYYY-MM-DD HH:MM:SS" (Fedora, RHEL).  Date-only
 * values (Oracle Linux) and an ISO 8601 "T" and zone suffix are accepted
 * too; the zone is ignored, as libsolv does.  Returns 0, or -1 when the
 * text is no date.
 */
static int
jp_adv_parse_date(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	const char *p;

	if (!s)
		return -1;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (p > s && p - s <= 18 &&
	    (*p == '\0' || *p == ' ' || *p == '\n' || *p == '\t')) {
		int64_t v = 0;

		for (; s < p; s++)
			v = v * 10 + (*s - '0');
		*out = v;
		return 0;
	}
	p = s;
	if (jp_digits(&p, 4, &y) < 0 || *p++ != '-' ||
	    jp_digits(&p, 2, &mo) < 0 || *p++ != '-' ||
	    jp_digits(&p, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (*p == ' ' || *p == 'T') {
		p++;
		if (jp_digits(&p, 2, &h) < 0 || *p++ != ':' ||
		    jp_digits(&p, 2, &mi) < 0)
			return -1;
		if (*p == ':') {
			p++;
			if (jp_digits(&p, 2, &sec) < 0)
				return -1;
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
	}
	*out = jp_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

/* The date a duplicate is judged by: <updated>, or <issued> without one. */
static int64_t
jp_adv_date(const struct jp_advisory *a, const char **text)
{
	int64_t t;

	if (a->updated && jp_adv_parse_date(a->updated, &t) == 0) {
		*text = a->updated;
		return t;
	}
	*text = a->issued ? a->issued : "";
	if (jp_adv_parse_date(a->issued, &t) == 0)
		return t;
	return INT64_MIN;
}

/* ------------------------------------------------------------------ */
/* input: one file, decompressed by libarchive as it is parsed */

struct jp_adv_input {
	struct archive *ar;
	char err[512];        /* decompression error, if any */
};

/* libxml2 xmlInputReadCallback. */
static int
jp_adv_io_read(void *opaque, char *buf, int len)
{
	struct jp_adv_input *in = opaque;
	la_ssize_t n;

	n = archive_read_data(in->ar, buf, (size_t)len);
	if (n < 0) {
		snprintf(in->err, sizeof(in->err), "%s",
		    archive_error_string(in->ar) ? archive_error_string(in->ar) :
		    "read error");
		return -1;
	}
	return (int)n;
}

static int
jp_adv_io_close(void *opaque)
{
	(void)opaque;
	return 0;
}

/* The first error libxml2 reports, with its line. */
struct jp_adv_xmlerr {
	int set;
	int line;
	char msg[512];
};

/* libxml2 2.12 made the structured handler's error const. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *jp_xml_error_ptr;
#else
typedef xmlErrorPtr jp_xml_error_ptr;
#endif

static void
jp_adv_xml_error(void *opaque, jp_xml_error_ptr e)
{
	struct jp_adv_xmlerr *x = opaque;
	size_t n;

	if (x->set || !e || e->level < XML_ERR_ERROR)
		return;
	x->set = 1;
	x->line = e->line;
	snprintf(x->msg, sizeof(x->msg), "%s", e->message ? e->message : "bad XML");
	n = strlen(x->msg);
	while (n > 0 && (x->msg[n - 1] == '\n' || x->msg[n - 1] == ' '))
		x->msg[--n] = '\0';
}

/* ------------------------------------------------------------------ */
/* parsing one <update> subtree */

struct jp_adv_parse {
	struct jp_ctx *ctx;
	const char *path;
	struct jp_advisory *v;  /* advisories of this file, in file order */
	long *lines;            /* line of each <update> */
	size_t n;
	size_t nunknown;        /* elements no reader knows, left out */
	char *unknown_first;    /* the first of them, and its line */
	long unknown_line;
};

static int
jp_name_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name &&
	    strcmp((const char *)n->name, name) == 0;
}

static char *
jp_xml_prop(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = jp_xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static char *
jp_xml_text(const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *s;

	s = jp_xstrdup(v ? (const char *)v : "");
	xmlFree(v);
	return s;
}

/* Remove leading and trailing white space in place (ids, dates, names). */
static char *
jp_trim(char *s)
{
	size_t a = 0, n;

	if (!s)
		return s;
	n = strlen(s);
	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		n--;
	while (a < n && strchr(" \t\r\n", s[a]))
		a++;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
	return s;
}

static void
jp_set_str(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

/*
 * A flag element, folded into what was already seen (an element given
 * twice counts once, the true one if either is).  libsolv's
 * repo_updateinfoxml.c takes the untrimmed text as true when it starts
 * with T, t or 1; anything else is "there, but not true".
 */
static void
jp_xml_flag(const xmlNode *n, enum jp_adv_flag *flag)
{
	char *t = jp_xml_text(n);
	enum jp_adv_flag v = t[0] == 'T' || t[0] == 't' || t[0] == '1' ?
	    JP_ADV_FLAG_TRUE : JP_ADV_FLAG_FALSE;

	free(t);
	if (v > *flag)
		*flag = v;
}

static long
jp_line(const xmlNode *n)
{
	const xmlChar *t;
	long l;

	if (!n)
		return 0;
	l = xmlGetLineNo(n);
	/*
	 * libxml2 keeps lines past 65535 (XML_PARSE_BIG_LINES) only on text
	 * nodes, as the line where their text ended, and xmlGetLineNo()
	 * answers for such an element with its first child's line.  Count
	 * back over that text's newlines to where the start tag ended.
	 */
	if (l > 65535 && n->type == XML_ELEMENT_NODE && n->line == 65535 &&
	    n->children && n->children->type == XML_TEXT_NODE &&
	    n->children->content)
		for (t = n->children->content; *t; t++)
			if (*t == '\n')
				l--;
	return l > 0 ? l : 0;
}

/*
 * An element that neither libsolv nor createrepo_c reads: left out of the
 * output, and counted so that the load can say so once per file.
 */
static void
jp_adv_unknown(struct jp_adv_parse *ps, const xmlNode *n)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (ps->nunknown++ == 0) {
		ps->unknown_first = jp_xasprintf("<%s>",
		    n->name ? (const char *)n->name : "?");
		ps->unknown_line = jp_line(n);
	}
}

static int
jp_epoch_ok(const char *e)
{
	if (!*e)
		return 0;
	for (; *e; e++)
		if (*e < '0' || *e > '9')
			return 0;
	return 1;
}

/*
 * <package name epoch version release arch src> with <filename>, <sum
 * type> and the three flags: the children createrepo_c's
 * cr_xml_dump_updatecollectionpackages() writes and libsolv reads.
 */
static int
jp_adv_parse_package(struct jp_adv_parse *ps, struct jp_advisory *a,
    struct jp_adv_collection *col, const xmlNode *node)
{
	static const char *const required[] = {
		"name", "version", "release", "arch", NULL
	};
	const char *fields[4];
	struct jp_adv_pkg *p;
	const xmlNode *c;
	size_t i;

	col->pkgs = jp_adv_grow(col->pkgs, col->npkgs, sizeof(*p));
	p = &col->pkgs[col->npkgs++];
	memset(p, 0, sizeof(*p));
	p->name = jp_trim(jp_xml_prop(node, "name"));
	p->epoch = jp_trim(jp_xml_prop(node, "epoch"));
	p->version = jp_trim(jp_xml_prop(node, "version"));
	p->release = jp_trim(jp_xml_prop(node, "release"));
	p->arch = jp_trim(jp_xml_prop(node, "arch"));
	p->src = jp_xml_prop(node, "src");
	fields[0] = p->name;
	fields[1] = p->version;
	fields[2] = p->release;
	fields[3] = p->arch;
	for (i = 0; required[i]; i++)
		if (!fields[i] || !*fields[i])
			return jp_error_set(ps->ctx, JP_ERR,
			    "'%s' line %ld: advisory '%s' has a package without "
			    "the '%s' attribute", ps->path, jp_line(node), a->id,
			    required[i]);
	/* An absent epoch means 0 (rpm's rule; libsolv drops "0"). */
	if (!p->epoch || !*p->epoch)
		jp_set_str(&p->epoch, jp_xstrdup("0"));
	else if (!jp_epoch_ok(p->epoch))
		return jp_error_set(ps->ctx, JP_ERR,
		    "'%s' line %ld: advisory '%s' package '%s' has a bad epoch "
		    "'%s'", ps->path, jp_line(node), a->id,
		    p->name, p->epoch);
	for (c = node->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (jp_name_is(c, "filename"))
			jp_set_str(&p->filename, jp_trim(jp_xml_text(c)));
		else if (jp_name_is(c, "sum")) {
			jp_set_str(&p->sum, jp_trim(jp_xml_text(c)));
			jp_set_str(&p->sum_type, jp_trim(jp_xml_prop(c, "type")));
		} else if (jp_name_is(c, "reboot_suggested"))
			jp_xml_flag(c, &p->reboot_suggested);
		else if (jp_name_is(c, "restart_suggested"))
			jp_xml_flag(c, &p->restart_suggested);
		else if (jp_name_is(c, "relogin_suggested"))
			jp_xml_flag(c, &p->relogin_suggested);
		else
			jp_adv_unknown(ps, c);
	}
	return 0;
}

/*
 * <module name stream version context arch/>.  The attributes stay as
 * written; one without name or stream is kept too, but dnf can never find
 * that stream enabled, so it never applies the collection.
 */
static void
jp_adv_parse_module(struct jp_adv_parse *ps, struct jp_advisory *a,
    struct jp_adv_collection *col, const xmlNode *node)
{
	struct jp_adv_module *m;

	col->modules = jp_adv_grow(col->modules, col->nmodules, sizeof(*m));
	m = &col->modules[col->nmodules++];
	m->name = jp_xml_prop(node, "name");
	m->stream = jp_xml_prop(node, "stream");
	m->version = jp_xml_prop(node, "version");
	m->context = jp_xml_prop(node, "context");
	m->arch = jp_xml_prop(node, "arch");
	if (!m->name || !*m->name || !m->stream || !*m->stream)
		jp_warn(ps->ctx, "'%s' line %ld: advisory '%s' has a <module> "
		    "without a name or stream; dnf never applies its "
		    "collection; kept", ps->path, jp_line(node), a->id);
}

/*
 * Each <collection> stays a collection of its own: libdnf decides per
 * collection, by its modules, whether its packages apply
 * (Advisory::getApplicablePackages), so merging them would make a modular
 * erratum apply to hosts without the module.
 */
static int
jp_adv_parse_pkglist(struct jp_adv_parse *ps, struct jp_advisory *a,
    const xmlNode *node)
{
	struct jp_adv_collection *col;
	const xmlNode *n, *c;
	int rc;

	for (n = node->children; n; n = n->next) {
		if (!jp_name_is(n, "collection")) {
			jp_adv_unknown(ps, n);
			continue;
		}
		a->colls = jp_adv_grow(a->colls, a->ncolls, sizeof(*col));
		col = &a->colls[a->ncolls++];
		memset(col, 0, sizeof(*col));
		col->short_name = jp_xml_prop(n, "short");
		for (c = n->children; c; c = c->next) {
			if (jp_name_is(c, "name"))
				jp_set_str(&col->name, jp_xml_text(c));
			else if (jp_name_is(c, "module"))
				jp_adv_parse_module(ps, a, col, c);
			else if (jp_name_is(c, "package")) {
				if ((rc = jp_adv_parse_package(ps, a, col,
				    c)) < 0)
					return rc;
			} else
				jp_adv_unknown(ps, c);
		}
	}
	return 0;
}

static void
jp_adv_parse_refs(struct jp_adv_parse *ps, struct jp_advisory *a,
    const xmlNode *node)
{
	const xmlNode *c;
	struct jp_adv_ref *r;

	for (c = node->children; c; c = c->next) {
		if (!jp_name_is(c, "reference")) {
			jp_adv_unknown(ps, c);
			continue;
		}
		a->refs = jp_adv_grow(a->refs, a->nrefs, sizeof(*r));
		r = &a->refs[a->nrefs++];
		r->href = jp_xml_prop(c, "href");
		r->id = jp_xml_prop(c, "id");
		r->type = jp_xml_prop(c, "type");
		r->title = jp_xml_prop(c, "title");
	}
}

/*
 * The text children of <update>: createrepo_c's record fields, and
 * <message>, which only libsolv reads (zypper shows it before installing
 * the patch).
 */
static char **
jp_adv_text_field(struct jp_advisory *a, const char *name)
{
	if (!strcmp(name, "title"))
		return &a->title;
	if (!strcmp(name, "rights"))
		return &a->rights;
	if (!strcmp(name, "release"))
		return &a->release;
	if (!strcmp(name, "summary"))
		return &a->summary;
	if (!strcmp(name, "description"))
		return &a->description;
	if (!strcmp(name, "solution"))
		return &a->solution;
	if (!strcmp(name, "message"))
		return &a->message;
	return NULL;
}

/*
 * Fill a from an expanded <update> element.  Text children that appear
 * twice: the last wins, as in libsolv.
 */
static int
jp_adv_parse_update(struct jp_adv_parse *ps, struct jp_advisory *a,
    const xmlNode *node)
{
	const xmlNode *c;
	const char *name;
	long line = jp_line(node);
	int64_t t;
	int rc;
	size_t i;
	char **field;

	a->from = jp_xml_prop(node, "from");
	a->status = jp_xml_prop(node, "status");
	a->type = jp_trim(jp_xml_prop(node, "type"));
	a->version = jp_xml_prop(node, "version");
	/* The id first, so that every later message can name it. */
	for (c = node->children; c; c = c->next)
		if (jp_name_is(c, "id"))
			jp_set_str(&a->id, jp_trim(jp_xml_text(c)));
	if (!a->id || !*a->id)
		return jp_error_set(ps->ctx, JP_ERR,
		    "'%s' line %ld: advisory has no id", ps->path, line);

	for (c = node->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		name = (const char *)c->name;
		if (!strcmp(name, "id"))
			continue;       /* read above */
		if ((field = jp_adv_text_field(a, name)) != NULL)
			jp_set_str(field, jp_xml_text(c));
		else if (!strcmp(name, "issued"))
			jp_set_str(&a->issued, jp_trim(jp_xml_prop(c, "date")));
		else if (!strcmp(name, "updated"))
			jp_set_str(&a->updated, jp_trim(jp_xml_prop(c, "date")));
		else if (!strcmp(name, "severity"))
			jp_set_str(&a->severity, jp_trim(jp_xml_text(c)));
		else if (!strcmp(name, "pushcount"))
			jp_set_str(&a->pushcount, jp_trim(jp_xml_text(c)));
		else if (!strcmp(name, "reboot_suggested"))
			jp_xml_flag(c, &a->reboot_suggested);
		else if (!strcmp(name, "references"))
			jp_adv_parse_refs(ps, a, c);
		else if (!strcmp(name, "pkglist")) {
			if ((rc = jp_adv_parse_pkglist(ps, a, c)) < 0)
				return rc;
		} else
			jp_adv_unknown(ps, c);
	}

	if (!a->type || !*a->type)
		return jp_error_set(ps->ctx, JP_ERR,
		    "'%s' line %ld: advisory '%s' has no type", ps->path, line,
		    a->id);
	for (i = 0; jp_adv_known_types[i]; i++)
		if (!strcmp(a->type, jp_adv_known_types[i]))
			break;
	if (!jp_adv_known_types[i])
		jp_warn(ps->ctx, "'%s' line %ld: advisory '%s' has type '%s', "
		    "which dnf does not know (security, bugfix, enhancement, "
		    "newpackage); kept", ps->path, line, a->id, a->type);
	if (!a->issued || !*a->issued)
		return jp_error_set(ps->ctx, JP_ERR,
		    "'%s' line %ld: advisory '%s' has no issued date", ps->path,
		    line, a->id);
	if (jp_adv_parse_date(a->issued, &t) < 0)
		return jp_error_set(ps->ctx, JP_ERR,
		    "'%s' line %ld: advisory '%s' has a bad issued date '%s' "
		    "(expected 'YYYY-MM-DD HH:MM:SS' or seconds since 1970)",
		    ps->path, line, a->id, a->issued);
	if (a->updated && jp_adv_parse_date(a->updated, &t) < 0)
		jp_warn(ps->ctx, "'%s' line %ld: advisory '%s' has a bad "
		    "updated date '%s'; the issued date counts instead",
		    ps->path, line, a->id, a->updated);
	return 0;
}

/*
 * Walk the document with a streaming reader and expand one <update> at a
 * time, so that memory stays bounded by the largest advisory rather than
 * the file.
 */
static int
jp_adv_parse_stream(struct jp_adv_parse *ps, xmlTextReaderPtr r,
    struct jp_adv_xmlerr *xe, struct jp_adv_input *in)
{
	int ret, type, depth, seen_root = 0, rc;
	const char *name;

	ret = xmlTextReaderRead(r);
	while (ret == 1) {
		type = xmlTextReaderNodeType(r);
		depth = xmlTextReaderDepth(r);
		if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
			/*
			 * No updateinfo has a DTD.  Refusing any keeps
			 * entity tricks (XXE, entity expansion) out; none
			 * is loaded or substituted before this point, since
			 * the options leave out XML_PARSE_NOENT and
			 * XML_PARSE_DTDLOAD.
			 */
			return jp_error_set(ps->ctx, JP_ERR,
			    "'%s': document type declarations (<!DOCTYPE>) are "
			    "not allowed in updateinfo", ps->path);
		}
		if (type != XML_READER_TYPE_ELEMENT) {
			ret = xmlTextReaderRead(r);
			continue;
		}
		name = (const char *)xmlTextReaderConstLocalName(r);
		if (depth == 0) {
			if (!name || strcmp(name, "updates"))
				return jp_error_set(ps->ctx, JP_ERR,
				    "'%s' line %ld: root element is <%s>, not "
				    "<updates>; not an updateinfo file", ps->path,
				    jp_line(xmlTextReaderCurrentNode(r)),
				    name ? name : "?");
			seen_root = 1;
			ret = xmlTextReaderRead(r);
			continue;
		}
		if (depth == 1 && name && !strcmp(name, "update")) {
			xmlNodePtr node = xmlTextReaderExpand(r);
			struct jp_advisory *a;

			if (!node)
				break;
			ps->v = jp_adv_grow(ps->v, ps->n, sizeof(*ps->v));
			ps->lines = jp_adv_grow(ps->lines, ps->n,
			    sizeof(*ps->lines));
			a = &ps->v[ps->n++];
			memset(a, 0, sizeof(*a));
			ps->lines[ps->n - 1] = jp_line(node);
			if ((rc = jp_adv_parse_update(ps, a, node)) < 0)
				return rc;
		} else if (depth == 1) {
			/* Other elements under <updates>: skipped whole. */
			jp_adv_unknown(ps, xmlTextReaderCurrentNode(r));
		}
		ret = xmlTextReaderNext(r);
	}
	if (in->err[0])
		return jp_error_set(ps->ctx, JP_ERR, "cannot read '%s': %s",
		    ps->path, in->err);
	if (ret < 0 || xe->set) {
		if (xe->set)
			return jp_error_set(ps->ctx, JP_ERR,
			    "'%s' line %d: not well-formed XML: %s", ps->path,
			    xe->line, xe->msg);
		return jp_error_set(ps->ctx, JP_ERR,
		    "'%s' line %d: not well-formed XML", ps->path,
		    xmlTextReaderGetParserLineNumber(r));
	}
	if (!seen_root)
		return jp_error_set(ps->ctx, JP_ERR,
		    "'%s': no XML document in the file", ps->path);
	return 0;
}

/* ------------------------------------------------------------------ */
/* merging */

struct jp_adv_slot {
	struct jp_advisory *a;
	size_t seq;        /* order of arrival: older set first, then file */
	long line;         /* line in the file being loaded; 0 for the set */
};

static int
jp_adv_slot_cmp(const void *x, const void *y)
{
	const struct jp_adv_slot *a = x, *b = y;
	int c = strcmp(a->a->id, b->a->id);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/*
 * Merge the advisories of one file into set: sort all by id, and where an
 * id occurs more than once keep the copy with the newer <updated> (or
 * <issued>) date, the later one on a tie.  Equal copies merge silently.
 * Leaves set sorted by id with unique ids.
 */
static void
jp_adv_merge(struct jp_ctx *ctx, const char *path, struct jp_advset *set,
    struct jp_adv_parse *ps)
{
	struct jp_adv_slot *s;
	struct jp_advisory *v;
	size_t n = set->n + ps->n, i, j, k, w, nv = 0;

	if (n == 0)
		return;
	s = jp_xcalloc(n, sizeof(*s));
	for (i = 0; i < set->n; i++) {
		s[i].a = &set->v[i];
		s[i].seq = i;
	}
	for (i = 0; i < ps->n; i++) {
		s[set->n + i].a = &ps->v[i];
		s[set->n + i].seq = set->n + i;
		s[set->n + i].line = ps->lines[i];
	}
	qsort(s, n, sizeof(*s), jp_adv_slot_cmp);
	v = jp_xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i = j) {
		/* Find the run first: releasing a record clears its id. */
		for (j = i + 1; j < n && !strcmp(s[j].a->id, s[i].a->id); j++)
			;
		w = i;
		for (k = i + 1; k < j; k++) {
			const char *wt, *ct;
			int64_t wd = jp_adv_date(s[w].a, &wt);
			int64_t cd = jp_adv_date(s[k].a, &ct);
			char where[64] = "";

			if (jp_adv_equal(s[w].a, s[k].a)) {
				jp_adv_release(s[k].a);
				continue;
			}
			if (s[k].line > 0)
				snprintf(where, sizeof(where), " line %ld",
				    s[k].line);
			if (cd >= wd) {
				jp_warn(ctx, "'%s'%s: duplicate advisory '%s' "
				    "(dated '%s') replaces the copy dated '%s'",
				    path, where, s[k].a->id, ct, wt);
				jp_adv_release(s[w].a);
				w = k;
			} else {
				jp_warn(ctx, "'%s'%s: duplicate advisory '%s' "
				    "(dated '%s') ignored: the copy dated '%s' "
				    "is newer", path, where, s[k].a->id, ct, wt);
				jp_adv_release(s[k].a);
			}
		}
		v[nv++] = *s[w].a;
	}
	free(s);
	free(set->v);
	/* Ownership of every string moved into v. */
	for (k = 0; k < ps->n; k++)
		memset(&ps->v[k], 0, sizeof(ps->v[k]));
	set->v = v;
	set->n = nv;
	set->cap = n;
}

static void
jp_adv_parse_release(struct jp_adv_parse *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		jp_adv_release(&ps->v[i]);
	free(ps->v);
	free(ps->lines);
	free(ps->unknown_first);
}

/*
 * Parser options for input that may come from anywhere: no network, no
 * entity substitution, no external DTD or default attributes (those stay
 * out of the option set), line numbers past 65535.  XML_PARSE_HUGE is
 * left out so that libxml2 keeps its limits on text size and entity
 * amplification.  Messages go to the structured handler, never stderr.
 */
#define JP_ADV_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

/*
 * Load one file into set.  The whole file is parsed and checked before
 * anything is merged: on error the set is left as it was.  Afterwards the
 * set is sorted by id and every id occurs once.
 */
int
jp_advisory_load(struct jp_ctx *ctx, const char *path, struct jp_advset *set)
{
	struct jp_adv_input in;
	struct jp_adv_xmlerr xe;
	struct jp_adv_parse ps;
	struct archive_entry *ent;
	xmlTextReaderPtr r = NULL;
	struct stat st;
	int fd = -1, rc = JP_ERR, ar_rc;

	memset(&in, 0, sizeof(in));
	memset(&xe, 0, sizeof(xe));
	memset(&ps, 0, sizeof(ps));
	ps.ctx = ctx;
	ps.path = path;
	xmlInitParser();

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = jp_error_errno(ctx, errno, "cannot open '%s'", path);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot stat '%s'", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': not a regular "
		    "file", path);
		goto out;
	}
	if (st.st_size == 0) {
		rc = jp_error_set(ctx, JP_ERR, "'%s': the file is empty", path);
		goto out;
	}
	/* The raw format with every filter: plain, gzip, xz, zstd, bzip2. */
	in.ar = archive_read_new();
	if (!in.ar) {
		rc = jp_error_set(ctx, JP_ERR_NOMEM, "out of memory");
		goto out;
	}
	archive_read_support_filter_all(in.ar);
	archive_read_support_format_raw(in.ar);
	if (archive_read_open_fd(in.ar, fd, 65536) != ARCHIVE_OK) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", path,
		    archive_error_string(in.ar));
		goto out;
	}
	ar_rc = archive_read_next_header(in.ar, &ent);
	if (ar_rc == ARCHIVE_EOF) {
		rc = jp_error_set(ctx, JP_ERR, "'%s': the file is empty", path);
		goto out;
	}
	if (ar_rc != ARCHIVE_OK) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", path,
		    archive_error_string(in.ar));
		goto out;
	}

	r = xmlReaderForIO(jp_adv_io_read, jp_adv_io_close, &in, path, NULL,
	    JP_ADV_XML_OPTIONS);
	if (!r) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': cannot start "
		    "the XML parser", path);
		goto out;
	}
	xmlTextReaderSetStructuredErrorHandler(r, jp_adv_xml_error, &xe);
	if ((rc = jp_adv_parse_stream(&ps, r, &xe, &in)) < 0)
		goto out;
	if (ps.nunknown)
		jp_warn(ctx, "'%s': %zu elements that neither libsolv nor "
		    "createrepo_c reads are left out (the first: %s on line "
		    "%ld)", path, ps.nunknown, ps.unknown_first,
		    ps.unknown_line);
	jp_adv_merge(ctx, path, set, &ps);
	rc = 0;
out:
	jp_adv_parse_release(&ps);
	if (r)
		xmlFreeTextReader(r);
	if (in.ar)
		archive_read_free(in.ar);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ------------------------------------------------------------------ */
/* checking against the repository */

static const char *
jp_epoch_norm(const char *e)
{
	if (!e || !*e)
		return "0";
	while (e[0] == '0' && e[1])
		e++;
	return e;
}

static int
jp_nevra_cmp(const char *n1, const char *a1, const char *e1, const char *v1,
    const char *r1, const char *n2, const char *a2, const char *e2,
    const char *v2, const char *r2)
{
	int c;

	if ((c = strcmp(n1, n2)) != 0)
		return c;
	if ((c = strcmp(a1, a2)) != 0)
		return c;
	if ((c = strcmp(jp_epoch_norm(e1), jp_epoch_norm(e2))) != 0)
		return c;
	if ((c = strcmp(v1, v2)) != 0)
		return c;
	return strcmp(r1 ? r1 : "", r2 ? r2 : "");
}

static int
jp_pkgp_cmp(const void *x, const void *y)
{
	const struct jp_pkg *a = *(struct jp_pkg *const *)x;
	const struct jp_pkg *b = *(struct jp_pkg *const *)y;

	return jp_nevra_cmp(a->name, a->arch, a->epoch, a->version, a->release,
	    b->name, b->arch, b->epoch, b->version, b->release);
}

static int
jp_pkg_key_cmp(const void *key, const void *elem)
{
	const struct jp_adv_pkg *k = key;
	const struct jp_pkg *p = *(struct jp_pkg *const *)elem;

	return jp_nevra_cmp(k->name, k->arch, k->epoch, k->version, k->release,
	    p->name, p->arch, p->epoch, p->version, p->release);
}

/* The first this many missing packages are warnings; the rest -v lines. */
#define JP_ADV_MISSING_WARN_MAX 10

/* Count p as missing unless sorted holds it; report it by the count. */
static void
jp_adv_check_one(struct jp_ctx *ctx, const struct jp_advisory *a,
    const struct jp_adv_pkg *p, struct jp_pkg *const *sorted, size_t n,
    size_t *missing)
{
	const char *e = jp_epoch_norm(p->epoch);
	int has_e = strcmp(e, "0") != 0;
	char *nevra;

	if (!p->name || !p->arch || !p->version)
		return;
	/*
	 * Vendor errata list the source rpm too; jprepo repositories never
	 * hold source packages.
	 */
	if (!strcmp(p->arch, "src") || !strcmp(p->arch, "nosrc"))
		return;
	if (bsearch(p, sorted, n, sizeof(*sorted), jp_pkg_key_cmp))
		return;
	nevra = jp_xasprintf("%s-%s%s%s-%s.%s", p->name, has_e ? e : "",
	    has_e ? ":" : "", p->version, p->release ? p->release : "",
	    p->arch);
	if (++*missing <= JP_ADV_MISSING_WARN_MAX)
		jp_warn(ctx, "advisory '%s' names '%s', which the repository "
		    "does not have", a->id, nevra);
	else
		jp_verbose(ctx, "advisory '%s' names '%s', which the "
		    "repository does not have", a->id, nevra);
	free(nevra);
}

/*
 * Look each advisory package up by name, arch, epoch (absent = 0),
 * version and release in a sorted copy of pkgs.
 */
size_t
jp_advisory_check_pkgs(struct jp_ctx *ctx, const struct jp_advset *set,
    struct jp_pkg *const *pkgs, size_t npkgs)
{
	struct jp_pkg **sorted;
	size_t i, j, l, k, missing = 0;

	sorted = jp_xcalloc(npkgs ? npkgs : 1, sizeof(*sorted));
	for (i = k = 0; i < npkgs; i++)
		if (pkgs[i] && pkgs[i]->name && pkgs[i]->arch &&
		    pkgs[i]->version)
			sorted[k++] = pkgs[i];
	qsort(sorted, k, sizeof(*sorted), jp_pkgp_cmp);
	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->v[i].ncolls; j++)
			for (l = 0; l < set->v[i].colls[j].npkgs; l++)
				jp_adv_check_one(ctx, &set->v[i],
				    &set->v[i].colls[j].pkgs[l], sorted, k,
				    &missing);
	if (missing > JP_ADV_MISSING_WARN_MAX)
		jp_warn(ctx, "%zu more advisory packages are not in the "
		    "repository (use -v to list them)",
		    missing - JP_ADV_MISSING_WARN_MAX);
	free(sorted);
	return missing;
}

/* ------------------------------------------------------------------ */
/* writing */

struct jp_sbuf {
	char *p;
	size_t n, cap;
};

static void
jp_sb_put(struct jp_sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;

		while (b->n + n + 1 > cap)
			cap *= 2;
		b->p = jp_xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
jp_sb_puts(struct jp_sbuf *b, const char *s)
{
	jp_sb_put(b, s, strlen(s));
}

/*
 * Length of the UTF-8 sequence at s that encodes a character XML 1.0
 * allows (production [2] Char), or 0 when the bytes are not one.
 */
static size_t
jp_xml_char(const unsigned char *s)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80)
		return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' ||
		    s[0] == '\r';
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, U+FFFE/U+FFFF, beyond U+10FFFF. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || (c >= 0xd800 && c <= 0xdfff) ||
	    c == 0xfffe || c == 0xffff || c > 0x10ffff)
		return 0;
	return n;
}

/*
 * Append s escaped for XML text (attr 0) or a double-quoted attribute
 * value (attr 1).  Tab, newline and carriage return in attributes, and
 * carriage return in text, become character references so that a reader's
 * normalisation gives them back.  Bytes that are no XML character become
 * U+FFFD: the output must stay well-formed whatever the records hold.
 */
static void
jp_sb_esc(struct jp_sbuf *b, const char *str, int attr)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	while (*s) {
		switch (*s) {
		case '<':
			jp_sb_puts(b, "&lt;");
			s++;
			continue;
		case '>':
			jp_sb_puts(b, "&gt;");
			s++;
			continue;
		case '&':
			jp_sb_puts(b, "&amp;");
			s++;
			continue;
		case '"':
			jp_sb_puts(b, attr ? "&quot;" : "\"");
			s++;
			continue;
		case '\r':
			jp_sb_puts(b, "&#13;");
			s++;
			continue;
		case '\t':
			jp_sb_puts(b, attr ? "&#9;" : "\t");
			s++;
			continue;
		case '\n':
			jp_sb_puts(b, attr ? "&#10;" : "\n");
			s++;
			continue;
		}
		n = jp_xml_char(s);
		if (n == 0) {
			jp_sb_puts(b, "\xef\xbf\xbd");
			s++;
			continue;
		}
		jp_sb_put(b, (const char *)s, n);
		s += n;
	}
}

static void
jp_sb_attr(struct jp_sbuf *b, const char *name, const char *value)
{
	if (!value)
		return;
	jp_sb_puts(b, " ");
	jp_sb_puts(b, name);
	jp_sb_puts(b, "=\"");
	jp_sb_esc(b, value, 1);
	jp_sb_puts(b, "\"");
}

/* <name>text</name> on its own line; nothing when text is NULL. */
static void
jp_sb_elem(struct jp_sbuf *b, const char *indent, const char *name,
    const char *text)
{
	if (!text)
		return;
	jp_sb_puts(b, indent);
	jp_sb_puts(b, "<");
	jp_sb_puts(b, name);
	jp_sb_puts(b, ">");
	jp_sb_esc(b, text, 0);
	jp_sb_puts(b, "</");
	jp_sb_puts(b, name);
	jp_sb_puts(b, ">\n");
}

static int
jp_advp_cmp(const void *x, const void *y)
{
	const struct jp_advisory *a = *(const struct jp_advisory *const *)x;
	const struct jp_advisory *b = *(const struct jp_advisory *const *)y;
	int c = strcmp(a->id, b->id);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

static int
jp_adv_writable(struct jp_ctx *ctx, const struct jp_advisory *a)
{
	size_t i, j;

	if (!a->id || !*a->id)
		return jp_error_set(ctx, JP_ERR, "cannot write an advisory "
		    "without an id");
	if (!a->type || !*a->type || !a->issued || !*a->issued)
		return jp_error_set(ctx, JP_ERR, "cannot write advisory '%s': "
		    "it has no %s", a->id, !a->type || !*a->type ? "type" :
		    "issued date");
	for (i = 0; i < a->ncolls; i++)
		for (j = 0; j < a->colls[i].npkgs; j++) {
			const struct jp_adv_pkg *p = &a->colls[i].pkgs[j];

			if (!p->name || !p->version || !p->release ||
			    !p->arch)
				return jp_error_set(ctx, JP_ERR, "cannot write "
				    "advisory '%s': a package lacks its name, "
				    "version, release or arch", a->id);
		}
	return 0;
}

/* A flag element as it was read: "True", "False", or nothing. */
static void
jp_sb_flag(struct jp_sbuf *b, const char *indent, const char *name,
    enum jp_adv_flag flag)
{
	if (flag == JP_ADV_FLAG_ABSENT)
		return;
	jp_sb_elem(b, indent, name, flag == JP_ADV_FLAG_TRUE ? "True" :
	    "False");
}

static void
jp_adv_write_pkg(struct jp_sbuf *b, const struct jp_adv_pkg *p)
{
	/* Order of createrepo_c's cr_xml_dump_updatecollectionpackages(). */
	jp_sb_puts(b, "        <package");
	jp_sb_attr(b, "name", p->name);
	jp_sb_attr(b, "version", p->version);
	jp_sb_attr(b, "release", p->release);
	jp_sb_attr(b, "epoch", p->epoch ? p->epoch : "0");
	jp_sb_attr(b, "arch", p->arch);
	jp_sb_attr(b, "src", p->src);
	jp_sb_puts(b, ">\n");
	jp_sb_elem(b, "          ", "filename", p->filename);
	if (p->sum) {
		jp_sb_puts(b, "          <sum");
		jp_sb_attr(b, "type", p->sum_type);
		jp_sb_puts(b, ">");
		jp_sb_esc(b, p->sum, 0);
		jp_sb_puts(b, "</sum>\n");
	}
	jp_sb_flag(b, "          ", "reboot_suggested", p->reboot_suggested);
	jp_sb_flag(b, "          ", "restart_suggested", p->restart_suggested);
	jp_sb_flag(b, "          ", "relogin_suggested", p->relogin_suggested);
	jp_sb_puts(b, "        </package>\n");
}

static void
jp_adv_write_coll(struct jp_sbuf *b, const struct jp_adv_collection *col)
{
	size_t i;

	/* Order of createrepo_c's cr_xml_dump_updateinforecord_pkglist(). */
	jp_sb_puts(b, "      <collection");
	jp_sb_attr(b, "short", col->short_name);
	jp_sb_puts(b, ">\n");
	jp_sb_elem(b, "        ", "name", col->name);
	for (i = 0; i < col->nmodules; i++) {
		const struct jp_adv_module *m = &col->modules[i];

		jp_sb_puts(b, "        <module");
		jp_sb_attr(b, "name", m->name);
		jp_sb_attr(b, "stream", m->stream);
		jp_sb_attr(b, "version", m->version);
		jp_sb_attr(b, "context", m->context);
		jp_sb_attr(b, "arch", m->arch);
		jp_sb_puts(b, "/>\n");
	}
	for (i = 0; i < col->npkgs; i++)
		jp_adv_write_pkg(b, &col->pkgs[i]);
	jp_sb_puts(b, "      </collection>\n");
}

static void
jp_adv_write_one(struct jp_sbuf *b, const struct jp_advisory *a)
{
	size_t i;

	/*
	 * Order of createrepo_c's cr_xml_dump_updateinforecord_internal();
	 * <message>, which createrepo_c does not write, after <solution>.
	 */
	jp_sb_puts(b, "  <update");
	jp_sb_attr(b, "from", a->from);
	jp_sb_attr(b, "status", a->status);
	jp_sb_attr(b, "type", a->type);
	jp_sb_attr(b, "version", a->version);
	jp_sb_puts(b, ">\n");
	jp_sb_elem(b, "    ", "id", a->id);
	jp_sb_elem(b, "    ", "title", a->title);
	jp_sb_puts(b, "    <issued");
	jp_sb_attr(b, "date", a->issued);
	jp_sb_puts(b, "/>\n");
	if (a->updated) {
		jp_sb_puts(b, "    <updated");
		jp_sb_attr(b, "date", a->updated);
		jp_sb_puts(b, "/>\n");
	}
	jp_sb_elem(b, "    ", "rights", a->rights);
	jp_sb_elem(b, "    ", "release", a->release);
	jp_sb_elem(b, "    ", "pushcount", a->pushcount);
	jp_sb_elem(b, "    ", "severity", a->severity);
	jp_sb_elem(b, "    ", "summary", a->summary);
	jp_sb_elem(b, "    ", "description", a->description);
	jp_sb_elem(b, "    ", "solution", a->solution);
	jp_sb_elem(b, "    ", "message", a->message);
	jp_sb_flag(b, "    ", "reboot_suggested", a->reboot_suggested);

	if (a->nrefs == 0)
		jp_sb_puts(b, "    <references/>\n");
	else {
		jp_sb_puts(b, "    <references>\n");
		for (i = 0; i < a->nrefs; i++) {
			const struct jp_adv_ref *r = &a->refs[i];

			jp_sb_puts(b, "      <reference");
			jp_sb_attr(b, "href", r->href);
			jp_sb_attr(b, "id", r->id);
			jp_sb_attr(b, "type", r->type);
			jp_sb_attr(b, "title", r->title);
			jp_sb_puts(b, "/>\n");
		}
		jp_sb_puts(b, "    </references>\n");
	}

	if (a->ncolls == 0)
		jp_sb_puts(b, "    <pkglist/>\n");
	else {
		jp_sb_puts(b, "    <pkglist>\n");
		for (i = 0; i < a->ncolls; i++)
			jp_adv_write_coll(b, &a->colls[i]);
		jp_sb_puts(b, "    </pkglist>\n");
	}
	jp_sb_puts(b, "  </update>\n");
}

/*
 * Render the set sorted by id (bytewise), two-space indented as
 * createrepo_c does, dates as they were read.  Fails, writing nothing,
 * when an advisory lacks an id, type or issued date, or a package its
 * name, version, release or arch.  *out is NUL-terminated; the caller
 * frees it.
 */
int
jp_advisory_write_xml(struct jp_ctx *ctx, const struct jp_advset *set,
    char **out, size_t *len)
{
	const struct jp_advisory **order;
	struct jp_sbuf b = { NULL, 0, 0 };
	size_t i;
	int rc;

	*out = NULL;
	*len = 0;
	for (i = 0; i < set->n; i++)
		if ((rc = jp_adv_writable(ctx, &set->v[i])) < 0)
			return rc;
	order = jp_xcalloc(set->n ? set->n : 1, sizeof(*order));
	for (i = 0; i < set->n; i++)
		order[i] = &set->v[i];
	qsort(order, set->n, sizeof(*order), jp_advp_cmp);

	jp_sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	if (set->n == 0)
		jp_sb_puts(&b, "<updates/>\n");
	else {
		jp_sb_puts(&b, "<updates>\n");
		for (i = 0; i < set->n; i++)
			jp_adv_write_one(&b, order[i]);
		jp_sb_puts(&b, "</updates>\n");
	}
	free(order);
	*out = b.p;
	*len = b.n;
	return 0;
}
