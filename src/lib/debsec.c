/*
 * debsec.c: Debian security feeds as advisories (see debsec.h).
 *
 * The formats, as the Security Tracker's own tools read and write them:
 *   - data/DSA/list and data/DLA/list (security-tracker data/README, "the
 *     various list files need a common, machine parsable format"): a
 *     header line "[DD Mon YYYY] ID PACKAGE - DESCRIPTION", then indented
 *     lines: "{ID ID ...}" (the CVEs), "[RELEASE] - SOURCE VERSION
 *     (NOTES)" (fixed in VERSION in RELEASE; "<not-affected>",
 *     "<unfixed>" and the other "<...>" words instead of a version say it
 *     is not fixed there), "UPCASE: text" notes;
 *   - the JSON dump (bin/tracker_service.py, json handler): an object of
 *     source packages, each an object of issues (CVE-..., TEMP-...), each
 *     with "description", "scope", "debianbug" and "releases", an object
 *     of release names whose values hold "status" ("resolved", "open",
 *     "undetermined"), "fixed_version", "urgency", "repositories",
 *     "nodsa"...  A fixed_version of "0" says the release never had the
 *     issue: nothing to update, no advisory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "advisory.h"
#include "ctx.h"
#include "debsec.h"
#include "zfile.h"
#include "json.h"
#include "pkg.h"
#include "strnum.h"
#include "version.h"

/* Where the tracker shows an issue or advisory: references point there. */
#define JP_DEBSEC_TRACKER_URL "https://security-tracker.debian.org/tracker/"
/* A DSA or DLA list larger than this is no list (the real ones: < 1 MB). */
#define JP_DEBSEC_MAX_LIST ((size_t)1 << 28)
/* What detection reads before it decides. */
#define JP_DEBSEC_HEAD 4096

/* A binary package of the repository with the source it was built from. */
struct ds_bin {
	const struct jp_pkg *pkg;
	char *src;       /* source package name */
	char *srcver;    /* source version, "[epoch:]upstream[-revision]" */
	char *ver;       /* the package's own version, the same form */
};

/* A fix: this source package at this version. */
struct ds_fix {
	char *src;
	char *version;
};

/* An advisory of a DSA/DLA list, as read. */
struct ds_adv {
	char *id, *title, *issued, *type;
	char **refs;
	size_t nrefs;
	struct ds_fix *fixes;
	size_t nfixes;
	size_t seq;      /* order read */
};

/* An issue of the JSON dump fixed in the release. */
struct ds_issue {
	char *src, *fixed, *id, *description;
	int severity;    /* 0: none; 1 Low, 2 Moderate, 3 Important */
	char *issued;    /* the date of the file it came from (shared) */
	size_t seq;
};

struct jp_debsec {
	char *codename;
	struct ds_bin *bins;        /* sorted by src */
	size_t nbins;
	struct ds_adv *advs;
	size_t nadvs;
	struct ds_issue *issues;
	size_t nissues;
	char **dates;               /* issued dates of the JSON files */
	size_t ndates;
	/*
	 * (source, fixed version) of JSON fixes whose source the repository
	 * lacks: only counted, so kept as 64-bit hashes
	 */
	uint64_t *others;
	size_t nothers;
	size_t seq;
};

static const char *const ds_severity_name[] = {
	NULL, "Low", "Moderate", "Important",
};

/* Grow an array by one element, doubling its capacity at powers of two. */
static void *
ds_grow(void *v, size_t n, size_t elsize)
{
	if (n == 0 || (n & (n - 1)) == 0)
		v = jp_xrealloc(v, (n ? 2 * n : 4) * elsize);
	return v;
}

static char *
ds_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* ------------------------------------------------------------------ */
/* the repository's packages */

/*
 * The source of a binary package.  deb-control(5), Source: "the name of
 * the source package ... may be followed by a version number in
 * parentheses", given when it differs from the binary's own version (a
 * binNMU, or binaries versioned apart from their source).
 */
static void
ds_bin_init(struct ds_bin *b, const struct jp_pkg *p)
{
	const char *s = jp_pkg_field(p, "Source");
	const char *epoch = p->epoch ? p->epoch : "0";

	b->pkg = p;
	b->ver = strcmp(epoch, "0") ? jp_xasprintf("%s:%s", epoch,
	    p->version ? p->version : "") : jp_xstrdup(p->version ?
	    p->version : "");
	b->src = NULL;
	b->srcver = NULL;
	if (s) {
		char *copy = jp_xstrdup(s), *t = ds_trim(copy), *open;
		size_t n = strcspn(t, " \t(");

		if (n > 0) {
			b->src = jp_xstrndup(t, n);
			open = strchr(t + n, '(');
			if (open) {
				char *close = strchr(open, ')');

				if (close) {
					*close = '\0';
					t = ds_trim(open + 1);
					if (*t)
						b->srcver = jp_xstrdup(t);
				}
			}
		}
		free(copy);
	}
	if (!b->src)
		b->src = jp_xstrdup(p->name ? p->name : "");
	if (!b->srcver)
		b->srcver = jp_xstrdup(b->ver);
}

static int
ds_bin_cmp(const void *x, const void *y)
{
	const struct ds_bin *a = x, *b = y;
	int c = strcmp(a->src, b->src);

	if (c)
		return c;
	if ((c = strcmp(a->pkg->name, b->pkg->name)) != 0)
		return c;
	if ((c = strcmp(a->pkg->arch, b->pkg->arch)) != 0)
		return c;
	if ((c = jp_deb_vercmp(a->ver, b->ver)) != 0)
		return c;
	return strcmp(a->pkg->location ? a->pkg->location : "",
	    b->pkg->location ? b->pkg->location : "");
}

/* The first of the binaries built from src, and how many there are. */
static const struct ds_bin *
ds_find_src(const struct jp_debsec *ds, const char *src, size_t *n)
{
	size_t lo = 0, hi = ds->nbins, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ds->bins[mid].src, src) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ds->nbins && !strcmp(ds->bins[end].src, src);
	    end++)
		;
	*n = end - lo;
	return *n ? &ds->bins[lo] : NULL;
}

struct jp_debsec *
jp_debsec_new(const char *codename, struct jp_pkg *const *pkgs, size_t npkgs)
{
	struct jp_debsec *ds = jp_xcalloc(1, sizeof(*ds));
	size_t i;

	ds->codename = jp_xstrdup(codename);
	ds->bins = jp_xcalloc(npkgs ? npkgs : 1, sizeof(*ds->bins));
	for (i = 0; i < npkgs; i++) {
		if (!pkgs[i]->name || !pkgs[i]->arch || !pkgs[i]->version)
			continue;
		ds_bin_init(&ds->bins[ds->nbins++], pkgs[i]);
	}
	qsort(ds->bins, ds->nbins, sizeof(*ds->bins), ds_bin_cmp);
	return ds;
}

static void
ds_fixes_free(struct ds_fix *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].src);
		free(f[i].version);
	}
	free(f);
}

static void
ds_adv_release(struct ds_adv *a)
{
	size_t i;

	free(a->id);
	free(a->title);
	free(a->issued);
	free(a->type);
	for (i = 0; i < a->nrefs; i++)
		free(a->refs[i]);
	free(a->refs);
	ds_fixes_free(a->fixes, a->nfixes);
}

static void
ds_issue_release(struct ds_issue *is)
{
	free(is->src);
	free(is->fixed);
	free(is->id);
	free(is->description);
}

void
jp_debsec_free(struct jp_debsec *ds)
{
	size_t i;

	if (!ds)
		return;
	for (i = 0; i < ds->nbins; i++) {
		free(ds->bins[i].src);
		free(ds->bins[i].srcver);
		free(ds->bins[i].ver);
	}
	free(ds->bins);
	for (i = 0; i < ds->nadvs; i++)
		ds_adv_release(&ds->advs[i]);
	free(ds->advs);
	for (i = 0; i < ds->nissues; i++)
		ds_issue_release(&ds->issues[i]);
	free(ds->issues);
	for (i = 0; i < ds->ndates; i++)
		free(ds->dates[i]);
	free(ds->dates);
	free(ds->others);
	free(ds->codename);
	free(ds);
}

/* ------------------------------------------------------------------ */
/* input: one file, decompressed by libarchive as it is read */

struct ds_input {
	const char *path;
	struct jp_zfile z;
	unsigned char head[JP_DEBSEC_HEAD];   /* read by detection */
	size_t head_len, head_pos;
	int eof;
	time_t mtime;
	char err[512];
};

static int
ds_input_open(struct jp_ctx *ctx, struct ds_input *in, const char *path)
{
	memset(in, 0, sizeof(*in));
	in->path = path;
	if (jp_zfile_open(ctx, &in->z, path) < 0)
		return JP_ERR;
	in->mtime = in->z.mtime;
	return 0;
}

static void
ds_input_close(struct ds_input *in)
{
	jp_zfile_close(&in->z);
}

/* jp_json_read_fn: what detection read first, then the rest. */
static long
ds_input_read(void *opaque, void *buf, size_t size)
{
	struct ds_input *in = opaque;
	la_ssize_t n;

	if (in->head_pos < in->head_len) {
		n = (la_ssize_t)(in->head_len - in->head_pos);
		if ((size_t)n > size)
			n = (la_ssize_t)size;
		memcpy(buf, in->head + in->head_pos, (size_t)n);
		in->head_pos += (size_t)n;
		return (long)n;
	}
	if (in->eof)
		return 0;
	n = archive_read_data(in->z.ar, buf, size);
	if (n < 0) {
		const char *e = archive_error_string(in->z.ar);

		snprintf(in->err, sizeof(in->err), "%s", e ? e : "read error");
		return -1;
	}
	if (n == 0)
		in->eof = 1;
	return (long)n;
}

/*
 * Read the start of the input until its first byte that is not
 * whitespace (or a UTF-8 byte order mark) and say which format it is.
 */
static int
ds_input_detect(struct jp_ctx *ctx, struct ds_input *in)
{
	size_t i = 0;

	for (;;) {
		for (; i < in->head_len; i++) {
			unsigned char c = in->head[i];

			if (i < 3 && in->head_len >= 3 &&
			    !memcmp(in->head, "\xef\xbb\xbf", 3))
				continue;
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
				continue;
			if (c == '<')
				return JP_DEBSEC_UPDATEINFO;
			/*
			 * The dump is an object; '[' starts a list's
			 * "[DD Mon YYYY]" as well as a JSON array
			 */
			if (c == '{')
				return JP_DEBSEC_TRACKER_JSON;
			return JP_DEBSEC_ADV_LIST;
		}
		if (in->eof || in->head_len == sizeof(in->head)) {
			if (in->head_len == sizeof(in->head))
				return JP_DEBSEC_ADV_LIST;
			return jp_error_set(ctx, JP_ERR, "'%s': the file is "
			    "empty", in->path);
		}
		{
			la_ssize_t n = archive_read_data(in->z.ar,
			    in->head + in->head_len,
			    sizeof(in->head) - in->head_len);

			if (n < 0) {
				const char *e = archive_error_string(in->z.ar);

				return jp_error_set(ctx, JP_ERR, "cannot read "
				    "'%s': %s", in->path, e ? e : "read error");
			}
			if (n == 0)
				in->eof = 1;
			in->head_len += (size_t)n;
		}
	}
}

int
jp_debsec_detect(struct jp_ctx *ctx, const char *path)
{
	struct ds_input in;
	int rc;

	rc = ds_input_open(ctx, &in, path);
	if (rc == 0)
		rc = ds_input_detect(ctx, &in);
	ds_input_close(&in);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the DSA and DLA lists */

/* "21 Nov 2023" (the lists' form) or "2023-11-21", as "2023-11-21 00:00:00". */
static char *
ds_list_date(const char *s)
{
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec",
	};
	uint64_t d, m, y;
	char buf[32], *w[3];

	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-' &&
	    jp_strnum_u64n(s, 4, &y) == 0 && jp_strnum_u64n(s + 5, 2, &m) == 0 &&
	    jp_strnum_u64n(s + 8, 2, &d) == 0) {
		if (m < 1 || m > 12)
			return NULL;
	} else if (strlen(s) < sizeof(buf) &&
	    jp_strnum_words(strcpy(buf, s), w, 3) == 3 &&
	    strlen(w[0]) <= 2 && jp_strnum_u64(w[0], &d) == 0 &&
	    strlen(w[2]) == 4 && jp_strnum_u64(w[2], &y) == 0) {
		for (m = 0; m < 12 && strcmp(w[1], months[m]); m++)
			;
		if (m == 12)
			return NULL;
		m++;
	} else {
		return NULL;
	}
	if (d < 1 || d > 31 || y < 1970 || y > 9999)
		return NULL;
	return jp_xasprintf("%04d-%02d-%02d 00:00:00", (int)y, (int)m, (int)d);
}

/*
 * "[RELEASE] - SOURCE VERSION (NOTES)": a fix when RELEASE is the
 * codename and VERSION a version.  Returns 1 with *src and *ver
 * (malloc'd), 0 when the line says nothing about a fix in the release,
 * -1 when its version is not a dpkg version (*problem says why).
 */
static int
ds_list_fix(const struct jp_debsec *ds, char *line, char **src, char **ver,
    const char **problem)
{
	char *close, *p, *name, *v;
	size_t n;

	if (line[0] != '[' || (close = strchr(line, ']')) == NULL)
		return 0;
	*close = '\0';
	if (strcmp(ds_trim(line + 1), ds->codename))
		return 0;
	p = ds_trim(close + 1);
	if (p[0] != '-' || (p[1] != ' ' && p[1] != '\t'))
		return 0;
	p = ds_trim(p + 1);
	n = strcspn(p, " \t");
	if (n == 0 || !p[n])
		return 0;
	name = p;
	p[n] = '\0';
	v = ds_trim(p + n + 1);
	n = strcspn(v, " \t");
	v[n] = '\0';
	if (v[0] == '<' || v[0] == '\0')
		return 0;       /* <not-affected>, <unfixed>, <end-of-life> */
	if ((*problem = jp_deb_version_check(v)) != NULL)
		return -1;
	*src = jp_xstrdup(name);
	*ver = jp_xstrdup(v);
	return 1;
}

/*
 * A block's header, "[DD Mon YYYY] ID PACKAGE - DESCRIPTION", as a new
 * advisory at the end of ds->advs.
 */
static int
ds_list_header(struct jp_ctx *ctx, struct jp_debsec *ds, const char *path,
    size_t lineno, char *t)
{
	char *close, *date, *id, *title;
	struct ds_adv *a;

	if (t[0] != '[' || (close = strchr(t, ']')) == NULL)
		return jp_error_set(ctx, JP_ERR, "'%s', line %zu: expected an "
		    "advisory header '[DD Mon YYYY] DSA-NNNN-N PACKAGE - "
		    "DESCRIPTION'", path, lineno);
	*close = '\0';
	if ((date = ds_list_date(ds_trim(t + 1))) == NULL)
		return jp_error_set(ctx, JP_ERR, "'%s', line %zu: cannot read "
		    "the date '%s' (want 'DD Mon YYYY')", path, lineno, t + 1);
	id = ds_trim(close + 1);
	title = id + strcspn(id, " \t");
	if (*title)
		*title++ = '\0';
	title = ds_trim(title);
	if (!*id) {
		free(date);
		return jp_error_set(ctx, JP_ERR, "'%s', line %zu: the advisory "
		    "header has no id", path, lineno);
	}
	ds->advs = ds_grow(ds->advs, ds->nadvs, sizeof(*ds->advs));
	a = &ds->advs[ds->nadvs++];
	memset(a, 0, sizeof(*a));
	a->id = jp_xstrdup(id);
	a->title = jp_xstrdup(*title ? title : id);
	a->issued = date;
	/* the DLA list's "bugfix update"s fix no CVE */
	a->type = jp_xstrdup(strstr(title, "bugfix update") ? "bugfix" :
	    "security");
	a->seq = ds->seq++;
	return 0;
}

static int
ds_load_list(struct jp_ctx *ctx, struct jp_debsec *ds, struct ds_input *in)
{
	char *text = NULL, *line, *next;
	size_t len = 0, cap = 0, lineno = 0, first = ds->nadvs, i;
	struct ds_adv *cur = NULL;
	int rc = JP_ERR;

	/* the lists are small: read whole */
	for (;;) {
		long n;

		if (cap - len < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			if (cap > JP_DEBSEC_MAX_LIST + 65536) {
				rc = jp_error_set(ctx, JP_ERR, "cannot read "
				    "'%s': larger than %zu MiB, no DSA or DLA "
				    "list", in->path, JP_DEBSEC_MAX_LIST >> 20);
				goto out;
			}
			text = jp_xrealloc(text, cap + 1);
		}
		n = ds_input_read(in, text + len, cap - len);
		if (n < 0) {
			rc = jp_error_set(ctx, JP_ERR, "cannot read '%s': %s",
			    in->path, in->err);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	text[len] = '\0';
	if (memchr(text, '\0', len)) {
		rc = jp_error_set(ctx, JP_ERR, "'%s' is no DSA or DLA list: it "
		    "holds NUL bytes", in->path);
		goto out;
	}

	for (line = text; line && line < text + len; line = next) {
		char *nl = strchr(line, '\n'), *t;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		if (lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3))
			line += 3;
		if (line[0] != ' ' && line[0] != '\t') {
			t = ds_trim(line);
			if (!*t)
				continue;
			if ((rc = ds_list_header(ctx, ds, in->path, lineno,
			    t)) < 0)
				goto out;
			cur = &ds->advs[ds->nadvs - 1];
			continue;
		}
		t = ds_trim(line);
		if (!cur || !*t)
			continue;
		if (t[0] == '{') {
			/* "{CVE-... CVE-...}" */
			char *end = strchr(t, '}'), *save = NULL, *tok;

			if (end)
				*end = '\0';
			for (tok = strtok_r(t + 1, " \t", &save); tok;
			    tok = strtok_r(NULL, " \t", &save)) {
				cur->refs = ds_grow(cur->refs, cur->nrefs,
				    sizeof(*cur->refs));
				cur->refs[cur->nrefs++] = jp_xstrdup(tok);
			}
		} else if (t[0] == '[') {
			char *src = NULL, *ver = NULL;
			const char *problem = NULL;
			int r = ds_list_fix(ds, t, &src, &ver, &problem);

			if (r < 0) {
				jp_warn(ctx, "'%s', line %zu: %s: invalid "
				    "version (%s); line ignored", in->path,
				    lineno, cur->id, problem);
			} else if (r > 0) {
				cur->fixes = ds_grow(cur->fixes, cur->nfixes,
				    sizeof(*cur->fixes));
				cur->fixes[cur->nfixes].src = src;
				cur->fixes[cur->nfixes++].version = ver;
			}
		}
		/*
		 * anything else ("NOTE: ...", "- pkg ver" without a release)
		 * says nothing about the release
		 */
	}
	/* blocks without a fix in the release are about other releases */
	for (i = first; i < ds->nadvs; ) {
		if (ds->advs[i].nfixes == 0) {
			ds_adv_release(&ds->advs[i]);
			memmove(&ds->advs[i], &ds->advs[i + 1],
			    (ds->nadvs - i - 1) * sizeof(*ds->advs));
			ds->nadvs--;
		} else {
			i++;
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		/* nothing of a bad file is kept */
		for (i = first; i < ds->nadvs; i++)
			ds_adv_release(&ds->advs[i]);
		ds->nadvs = first;
	}
	free(text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the JSON dump */

/* FNV-1a over the source and the version, kept apart by a NUL. */
static uint64_t
ds_hash2(const char *a, const char *b)
{
	uint64_t h = UINT64_C(14695981039346656037);
	const unsigned char *p;

	for (p = (const unsigned char *)a; ; p++) {
		h = (h ^ *p) * UINT64_C(1099511628211);
		if (!*p)
			break;
	}
	for (p = (const unsigned char *)b; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	return h;
}

/*
 * The tracker's urgencies (data/README: "high", "medium", "low",
 * "unimportant", "unknown"; the dump also says "not yet assigned" and
 * "end-of-life", and marks unverified ones with trailing '*') as
 * updateinfo severities.
 */
static int
ds_urgency(const char *u)
{
	size_t n = strcspn(u, "*");

	if (n == 3 && !strncmp(u, "low", 3))
		return 1;
	if (n == 11 && !strncmp(u, "unimportant", 11))
		return 1;
	if (n == 6 && !strncmp(u, "medium", 6))
		return 2;
	if (n == 4 && !strncmp(u, "high", 4))
		return 3;
	return 0;
}

struct ds_json {
	struct jp_ctx *ctx;
	struct jp_debsec *ds;
	struct ds_input *in;
	struct jp_json j;
	char *issued;
};

static int
ds_json_fail(struct ds_json *js)
{
	if (!strcmp(jp_json_error(&js->j), "read error") && js->in->err[0])
		return jp_error_set(js->ctx, JP_ERR, "cannot read '%s': %s",
		    js->in->path, js->in->err);
	return jp_error_set(js->ctx, JP_ERR, "cannot read '%s': invalid JSON "
	    "at byte %llu: %s", js->in->path,
	    (unsigned long long)jp_json_error_offset(&js->j),
	    jp_json_error(&js->j));
}

static int
ds_json_shape(struct ds_json *js, const char *what)
{
	return jp_error_set(js->ctx, JP_ERR, "'%s' is not the Security "
	    "Tracker's JSON: %s at byte %llu", js->in->path, what,
	    (unsigned long long)(js->j.in_offset + js->j.pos));
}

static int
ds_json_next(struct ds_json *js, enum jp_json_tok *tok)
{
	size_t len;

	if (jp_json_next(&js->j, tok) < 0)
		return ds_json_fail(js);
	/* member names are package names and advisory ids: a NUL would cut
	 * "foo\u0000bar" to "foo" */
	if (*tok == JP_JSON_KEY && strlen(jp_json_text(&js->j, &len)) != len)
		return ds_json_shape(js, "a member name holds a NUL character");
	return 0;
}

/*
 * The value that starts with tok: a copy when it is a string without NUL
 * bytes, else NULL and the value skipped (the dump's schema is loose: a
 * field of another type is not an error).
 */
static int
ds_json_string(struct ds_json *js, enum jp_json_tok tok, char **out)
{
	size_t len;
	const char *s;

	*out = NULL;
	if (tok != JP_JSON_STRING) {
		if (jp_json_skip(&js->j, tok) < 0)
			return ds_json_fail(js);
		return 0;
	}
	s = jp_json_text(&js->j, &len);
	if (strlen(s) == len)
		*out = jp_xstrdup(s);
	return 0;
}

/* One release's object: its status, fixed version and urgency. */
static int
ds_json_release(struct ds_json *js, char **status, char **fixed,
    char **urgency)
{
	enum jp_json_tok tok;

	for (;;) {
		char *key, **dst;

		if (ds_json_next(js, &tok) < 0)
			return JP_ERR;
		if (tok == JP_JSON_OBJ_END)
			return 0;
		key = jp_xstrdup(jp_json_text(&js->j, NULL));
		dst = !strcmp(key, "status") ? status :
		    !strcmp(key, "fixed_version") ? fixed :
		    !strcmp(key, "urgency") ? urgency : NULL;
		free(key);
		if (ds_json_next(js, &tok) < 0)
			return JP_ERR;
		if (dst) {
			free(*dst);
			if (ds_json_string(js, tok, dst) < 0)
				return JP_ERR;
		} else if (jp_json_skip(&js->j, tok) < 0) {
			return ds_json_fail(js);
		}
	}
}

/* One issue's object; keep it when it is fixed in the release. */
static int
ds_json_issue(struct ds_json *js, const char *src, const char *id,
    int relevant)
{
	struct jp_debsec *ds = js->ds;
	char *desc = NULL, *status = NULL, *fixed = NULL, *urgency = NULL;
	enum jp_json_tok tok;
	int rc = JP_ERR;

	for (;;) {
		char *key;

		if (ds_json_next(js, &tok) < 0)
			goto out;
		if (tok == JP_JSON_OBJ_END)
			break;
		key = jp_xstrdup(jp_json_text(&js->j, NULL));
		if (ds_json_next(js, &tok) < 0) {
			free(key);
			goto out;
		}
		if (!strcmp(key, "description") && relevant) {
			free(desc);
			if (ds_json_string(js, tok, &desc) < 0) {
				free(key);
				goto out;
			}
		} else if (!strcmp(key, "releases") &&
		    tok == JP_JSON_OBJ_BEGIN) {
			for (;;) {
				int ours;

				if (ds_json_next(js, &tok) < 0) {
					free(key);
					goto out;
				}
				if (tok == JP_JSON_OBJ_END)
					break;
				ours = !strcmp(jp_json_text(&js->j, NULL),
				    ds->codename);
				if (ds_json_next(js, &tok) < 0) {
					free(key);
					goto out;
				}
				if (ours && tok == JP_JSON_OBJ_BEGIN) {
					if (ds_json_release(js, &status, &fixed,
					    &urgency) < 0) {
						free(key);
						goto out;
					}
				} else if (jp_json_skip(&js->j, tok) < 0) {
					free(key);
					rc = ds_json_fail(js);
					goto out;
				}
			}
		} else if (jp_json_skip(&js->j, tok) < 0) {
			free(key);
			rc = ds_json_fail(js);
			goto out;
		}
		free(key);
	}
	/* "0": the release never had the issue; anything else must parse */
	if (status && !strcmp(status, "resolved") && fixed &&
	    strcmp(fixed, "0") && !jp_deb_version_check(fixed)) {
		if (relevant) {
			struct ds_issue *is;

			ds->issues = ds_grow(ds->issues, ds->nissues,
			    sizeof(*ds->issues));
			is = &ds->issues[ds->nissues++];
			memset(is, 0, sizeof(*is));
			is->src = jp_xstrdup(src);
			is->id = jp_xstrdup(id);
			is->fixed = fixed;
			fixed = NULL;
			is->description = desc;
			desc = NULL;
			is->severity = urgency ? ds_urgency(urgency) : 0;
			is->issued = js->issued;
			is->seq = ds->seq++;
		} else {
			ds->others = ds_grow(ds->others, ds->nothers,
			    sizeof(*ds->others));
			ds->others[ds->nothers++] = ds_hash2(src, fixed);
		}
	}
	rc = 0;
out:
	free(desc);
	free(status);
	free(fixed);
	free(urgency);
	return rc;
}

static int
ds_load_json(struct jp_ctx *ctx, struct jp_debsec *ds, struct ds_input *in)
{
	struct ds_json js;
	enum jp_json_tok tok;
	size_t first_issue = ds->nissues, first_other = ds->nothers, i;
	char date[32];
	struct tm tm;
	int rc = JP_ERR;

	memset(&js, 0, sizeof(js));
	js.ctx = ctx;
	js.ds = ds;
	js.in = in;
	jp_json_init_reader(&js.j, ds_input_read, in);
	if (!gmtime_r(&in->mtime, &tm) ||
	    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "1970-01-01 00:00:00");
	js.issued = jp_xstrdup(date);

	if (ds_json_next(&js, &tok) < 0)
		goto out;
	if (tok != JP_JSON_OBJ_BEGIN) {
		rc = ds_json_shape(&js, "the document is not an object");
		goto out;
	}
	for (;;) {
		char *src;
		int relevant;
		size_t n;

		if (ds_json_next(&js, &tok) < 0)
			goto out;
		if (tok == JP_JSON_OBJ_END)
			break;
		src = jp_xstrdup(jp_json_text(&js.j, NULL));
		relevant = ds_find_src(ds, src, &n) != NULL;
		if (ds_json_next(&js, &tok) < 0) {
			free(src);
			goto out;
		}
		if (tok != JP_JSON_OBJ_BEGIN) {
			rc = ds_json_shape(&js, "a source package's value is "
			    "not an object");
			free(src);
			goto out;
		}
		for (;;) {
			char *id;

			if (ds_json_next(&js, &tok) < 0) {
				free(src);
				goto out;
			}
			if (tok == JP_JSON_OBJ_END)
				break;
			id = jp_xstrdup(jp_json_text(&js.j, NULL));
			if (ds_json_next(&js, &tok) < 0) {
				free(id);
				free(src);
				goto out;
			}
			if (tok != JP_JSON_OBJ_BEGIN) {
				rc = ds_json_shape(&js, "an issue's value is "
				    "not an object");
				free(id);
				free(src);
				goto out;
			}
			rc = ds_json_issue(&js, src, id, relevant);
			free(id);
			if (rc < 0) {
				free(src);
				goto out;
			}
			rc = JP_ERR;
		}
		free(src);
	}
	if (ds_json_next(&js, &tok) < 0)
		goto out;
	ds->dates = ds_grow(ds->dates, ds->ndates, sizeof(*ds->dates));
	ds->dates[ds->ndates++] = js.issued;
	js.issued = NULL;
	rc = 0;
out:
	if (rc < 0) {
		for (i = first_issue; i < ds->nissues; i++)
			ds_issue_release(&ds->issues[i]);
		ds->nissues = first_issue;
		ds->nothers = first_other;
	}
	free(js.issued);
	jp_json_release(&js.j);
	return rc;
}

int
jp_debsec_load(struct jp_ctx *ctx, struct jp_debsec *ds, const char *path)
{
	struct ds_input in;
	int rc;

	rc = ds_input_open(ctx, &in, path);
	if (rc == 0)
		rc = ds_input_detect(ctx, &in);
	if (rc == JP_DEBSEC_UPDATEINFO)
		rc = jp_error_set(ctx, JP_ERR, "'%s' is an updateinfo.xml "
		    "file, which RPM-MD repositories take; an APT repository "
		    "takes the Debian Security Tracker's JSON or a DSA/DLA "
		    "list", path);
	else if (rc == JP_DEBSEC_TRACKER_JSON)
		rc = ds_load_json(ctx, ds, &in);
	else if (rc == JP_DEBSEC_ADV_LIST)
		rc = ds_load_list(ctx, ds, &in);
	ds_input_close(&in);
	return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------------ */
/* advisories */

void
jp_debsec_split_version(const char *v, char **version, char **release)
{
	const char *dash = strrchr(v, '-');

	if (dash) {
		*version = jp_xstrndup(v, (size_t)(dash - v));
		*release = jp_xstrdup(dash + 1);
	} else {
		*version = jp_xstrdup(v);
		*release = jp_xstrdup("");
	}
}

/*
 * The packages that fixes name: per fix, of each name and architecture
 * the lowest version built from a source at or above the fixed one; when
 * two fixes name one package, the higher of their choices (it has both
 * fixes).  Returns how many went into *out (malloc'd).
 */
static size_t
ds_choose(const struct jp_debsec *ds, const struct ds_fix *fixes,
    size_t nfixes, const struct ds_bin ***out)
{
	const struct ds_bin **chosen = NULL, **mine = NULL;
	size_t nchosen = 0, f, i, k;

	*out = NULL;
	if (ds->nbins == 0)
		return 0;
	chosen = jp_xcalloc(ds->nbins, sizeof(*chosen));
	mine = jp_xcalloc(ds->nbins, sizeof(*mine));
	for (f = 0; f < nfixes; f++) {
		size_t n, nmine = 0;
		const struct ds_bin *b = ds_find_src(ds, fixes[f].src, &n);

		/* sorted by name, arch, version: the first at or above wins */
		for (i = 0; i < n; i++) {
			if (jp_deb_vercmp(b[i].srcver, fixes[f].version) < 0)
				continue;
			if (nmine && !strcmp(mine[nmine - 1]->pkg->name,
			    b[i].pkg->name) &&
			    !strcmp(mine[nmine - 1]->pkg->arch, b[i].pkg->arch))
				continue;
			mine[nmine++] = &b[i];
		}
		for (i = 0; i < nmine; i++) {
			for (k = 0; k < nchosen; k++)
				if (!strcmp(chosen[k]->pkg->name,
				    mine[i]->pkg->name) &&
				    !strcmp(chosen[k]->pkg->arch,
				    mine[i]->pkg->arch))
					break;
			if (k == nchosen)
				chosen[nchosen++] = mine[i];
			else if (jp_deb_vercmp(mine[i]->ver,
			    chosen[k]->ver) > 0)
				chosen[k] = mine[i];
		}
	}
	free(mine);
	if (nchosen == 0) {
		free(chosen);
		return 0;
	}
	*out = chosen;
	return nchosen;
}

static int
ds_binp_cmp(const void *x, const void *y)
{
	const struct ds_bin *a = *(const struct ds_bin *const *)x;
	const struct ds_bin *b = *(const struct ds_bin *const *)y;
	int c = strcmp(a->pkg->name, b->pkg->name);

	if (c)
		return c;
	if ((c = strcmp(a->pkg->arch, b->pkg->arch)) != 0)
		return c;
	return jp_deb_vercmp(a->ver, b->ver);
}

/* The one <collection> of an advisory: the chosen packages. */
static void
ds_collection(const struct jp_debsec *ds, struct jp_advisory *a,
    const struct ds_bin **chosen, size_t n)
{
	struct jp_adv_collection *col;
	size_t i;

	qsort(chosen, n, sizeof(*chosen), ds_binp_cmp);
	a->colls = jp_xcalloc(1, sizeof(*a->colls));
	a->ncolls = 1;
	col = &a->colls[0];
	col->short_name = jp_xstrdup(ds->codename);
	col->name = jp_xstrdup(ds->codename);
	col->pkgs = jp_xcalloc(n, sizeof(*col->pkgs));
	col->npkgs = n;
	for (i = 0; i < n; i++) {
		const struct jp_pkg *p = chosen[i]->pkg;
		struct jp_adv_pkg *ap = &col->pkgs[i];

		ap->name = jp_xstrdup(p->name);
		ap->epoch = jp_xstrdup(p->epoch ? p->epoch : "0");
		jp_debsec_split_version(p->version, &ap->version, &ap->release);
		ap->arch = jp_xstrdup(p->arch);
		ap->src = jp_xstrdup(chosen[i]->src);
		ap->filename = jp_xstrdup(p->location ? p->location : "");
	}
}

static void
ds_add_ref(struct jp_advisory *a, const char *id, const char *type)
{
	struct jp_adv_ref *r;

	a->refs = ds_grow(a->refs, a->nrefs, sizeof(*a->refs));
	r = &a->refs[a->nrefs++];
	r->href = jp_xasprintf("%s%s", JP_DEBSEC_TRACKER_URL, id);
	r->id = jp_xstrdup(id);
	r->type = jp_xstrdup(type);
	r->title = jp_xstrdup(id);
}

/* A candidate advisory and the order it was read in. */
struct ds_cand {
	struct jp_advisory a;
	size_t seq;
};

static int
ds_cand_cmp(const void *x, const void *y)
{
	const struct ds_cand *a = x, *b = y;
	int c = strcmp(a->a.id, b->a.id);

	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
ds_issuep_cmp(const void *x, const void *y)
{
	const struct ds_issue *a = *(const struct ds_issue *const *)x;
	const struct ds_issue *b = *(const struct ds_issue *const *)y;
	int c = strcmp(a->src, b->src);

	if (c)
		return c;
	if ((c = strcmp(a->fixed, b->fixed)) != 0)
		return c;
	if ((c = strcmp(a->id, b->id)) != 0)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int
ds_u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* One advisory per (source, fixed version) of the JSON issues. */
static size_t
ds_json_advisories(const struct jp_debsec *ds, struct ds_cand **cands,
    size_t *ncands)
{
	const struct ds_issue **order;
	size_t i, left = 0;

	if (ds->nissues == 0)
		return 0;
	order = jp_xcalloc(ds->nissues, sizeof(*order));
	for (i = 0; i < ds->nissues; i++)
		order[i] = &ds->issues[i];
	qsort(order, ds->nissues, sizeof(*order), ds_issuep_cmp);
	for (i = 0; i < ds->nissues; ) {
		const struct ds_issue *g = order[i];
		struct ds_fix fix = { g->src, g->fixed };
		const struct ds_bin **chosen;
		struct ds_cand *c;
		size_t end, k, nchosen, dlen = 0;
		int sev = 0;
		const char *issued = g->issued;
		char *desc = NULL;

		for (end = i; end < ds->nissues &&
		    !strcmp(order[end]->src, g->src) &&
		    !strcmp(order[end]->fixed, g->fixed); end++)
			;
		nchosen = ds_choose(ds, &fix, 1, &chosen);
		if (nchosen == 0) {
			left++;
			i = end;
			continue;
		}
		*cands = ds_grow(*cands, *ncands, sizeof(**cands));
		c = &(*cands)[(*ncands)++];
		memset(c, 0, sizeof(*c));
		c->seq = g->seq;
		c->a.id = jp_xasprintf("DEBIAN-%s-%s", g->src, g->fixed);
		c->a.type = jp_xstrdup("security");
		c->a.status = jp_xstrdup("final");
		c->a.title = jp_xasprintf("%s - security update", g->src);
		for (k = i; k < end; k++) {
			const struct ds_issue *is = order[k];
			char *line;

			/* dated by the oldest dump that has the fix */
			if (strcmp(is->issued, issued) < 0)
				issued = is->issued;
			/* the same issue from two dumps counts once */
			if (k > i && !strcmp(order[k - 1]->id, is->id))
				continue;
			if (is->severity > sev)
				sev = is->severity;
			ds_add_ref(&c->a, is->id, strncmp(is->id, "CVE-", 4) ?
			    "other" : "cve");
			line = jp_xasprintf("%s%s%s%s", dlen ? "\n" : "",
			    is->id, is->description ? ": " : "",
			    is->description ? is->description : "");
			desc = jp_xrealloc(desc, dlen + strlen(line) + 1);
			memcpy(desc + dlen, line, strlen(line) + 1);
			dlen += strlen(line);
			free(line);
		}
		c->a.issued = jp_xstrdup(issued);
		c->a.description = desc;
		if (sev)
			c->a.severity = jp_xstrdup(ds_severity_name[sev]);
		ds_collection(ds, &c->a, chosen, nchosen);
		free(chosen);
		i = end;
	}
	free(order);
	return left;
}

int
jp_debsec_advisories(struct jp_ctx *ctx, const struct jp_debsec *ds,
    struct jp_advset *set, size_t *nleft)
{
	struct ds_cand *cands = NULL;
	struct jp_advset dups = { 0 };
	size_t ncands = 0, left = 0, i;
	const char *dup_first = NULL;

	/* the DSA/DLA lists */
	for (i = 0; i < ds->nadvs; i++) {
		const struct ds_adv *d = &ds->advs[i];
		const struct ds_bin **chosen;
		size_t nchosen = ds_choose(ds, d->fixes, d->nfixes, &chosen), k;
		struct ds_cand *c;

		if (nchosen == 0) {
			left++;
			continue;
		}
		cands = ds_grow(cands, ncands, sizeof(*cands));
		c = &cands[ncands++];
		memset(c, 0, sizeof(*c));
		c->seq = d->seq;
		c->a.id = jp_xstrdup(d->id);
		c->a.type = jp_xstrdup(d->type);
		c->a.status = jp_xstrdup("final");
		c->a.title = jp_xstrdup(d->title);
		c->a.issued = jp_xstrdup(d->issued);
		c->a.description = jp_xasprintf("%s %s", d->id, d->title);
		ds_add_ref(&c->a, d->id, "self");
		for (k = 0; k < d->nrefs; k++)
			ds_add_ref(&c->a, d->refs[k],
			    strncmp(d->refs[k], "CVE-", 4) ? "other" : "cve");
		ds_collection(ds, &c->a, chosen, nchosen);
		free(chosen);
	}

	/* the JSON dumps */
	left += ds_json_advisories(ds, &cands, &ncands);
	if (ds->nothers) {
		uint64_t *h = jp_xcalloc(ds->nothers, sizeof(*h));
		size_t n = 0;

		memcpy(h, ds->others, ds->nothers * sizeof(*h));
		qsort(h, ds->nothers, sizeof(*h), ds_u64_cmp);
		for (i = 0; i < ds->nothers; i++)
			if (i == 0 || h[i] != h[i - 1])
				n++;
		left += n;
		free(h);
	}

	/* one advisory per id: the first read */
	if (ncands)
		qsort(cands, ncands, sizeof(*cands), ds_cand_cmp);
	set->v = jp_xcalloc(ncands ? ncands : 1, sizeof(*set->v));
	set->cap = ncands ? ncands : 1;
	set->n = 0;
	for (i = 0; i < ncands; i++) {
		if (i > 0 && !strcmp(cands[i].a.id, cands[i - 1].a.id)) {
			if (!dup_first)
				dup_first = cands[i - 1].a.id;
			dups.v = ds_grow(dups.v, dups.n, sizeof(*dups.v));
			dups.v[dups.n++] = cands[i].a;
			continue;
		}
		set->v[set->n++] = cands[i].a;
	}
	if (dups.n)
		jp_warn(ctx, "%zu advisor%s given more than once (the first: "
		    "%s); the one read first is kept", dups.n, dups.n == 1 ?
		    "y is" : "ies are", dup_first);
	jp_advset_release(&dups);
	free(cands);
	*nleft = left;
	return 0;
}
