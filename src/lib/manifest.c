/*
 * manifest.c: reading and writing a bundle's MANIFEST (see manifest.h and
 * jprepo-bundle(5)).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "fsutil.h"
#include "manifest.h"
#include "strnum.h"

#define PATH_MAXLEN 4095

void
jp_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Lowercase only: one spelling for each id keeps comparisons exact. */
int
jp_unhex(const char *in, size_t n, unsigned char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hexval((unsigned char)in[2 * i]);
		int lo = hexval((unsigned char)in[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
jp_manifest_path_ok(const char *rel)
{
	const char *p = rel, *comp = rel;
	size_t n = strlen(rel);

	if (n == 0 || n > PATH_MAXLEN || rel[0] == '/' || rel[n - 1] == '/')
		return 0;
	for (;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t len = (size_t)(p - comp);

			if (len == 0 || (len == 1 && comp[0] == '.') ||
			    (len == 2 && comp[0] == '.' && comp[1] == '.'))
				return 0;
			/* jprepo's own files never travel (a planted cache). */
			if (len >= 7 && strncmp(comp, ".jprepo", 7) == 0)
				return 0;
			if (*p == '\0')
				return 1;
			comp = p + 1;
		} else if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			return 0;
		}
	}
}

void
jp_manifest_release(struct jp_manifest *mf)
{
	size_t i;

	free(mf->store);
	for (i = 0; i < mf->nrepos; i++) {
		free(mf->repos[i].name);
		free(mf->repos[i].type);
	}
	free(mf->repos);
	for (i = 0; i < mf->nvols; i++)
		free(mf->vols[i].name);
	free(mf->vols);
	for (i = 0; i < mf->nents; i++)
		free(mf->ents[i].path);
	free(mf->ents);
	free(mf->parts);
	for (i = 0; i < mf->ndeletes; i++)
		free(mf->deletes[i]);
	free(mf->deletes);
	memset(mf, 0, sizeof(*mf));
}

struct jp_mf_entry *
jp_manifest_add_entry(struct jp_manifest *mf, int kind, const char *path,
    uint64_t size, const unsigned char sha256[32])
{
	struct jp_mf_entry *e;

	if (mf->nents == mf->cents) {
		mf->cents = mf->cents ? 2 * mf->cents : 64;
		mf->ents = jp_xrealloc(mf->ents, mf->cents * sizeof(*mf->ents));
	}
	e = &mf->ents[mf->nents++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->path = jp_xstrdup(path);
	e->size = size;
	if (sha256 != NULL)
		memcpy(e->sha256, sha256, 32);
	e->part0 = mf->nparts;
	return e;
}

struct jp_mf_part *
jp_manifest_add_part(struct jp_manifest *mf, struct jp_mf_entry *e,
    uint32_t volume, uint64_t offset, uint64_t length)
{
	struct jp_mf_part *p;

	if (mf->nparts == mf->cparts) {
		mf->cparts = mf->cparts ? 2 * mf->cparts : 64;
		mf->parts = jp_xrealloc(mf->parts,
		    mf->cparts * sizeof(*mf->parts));
	}
	if (e->nparts == 0)
		e->part0 = mf->nparts;
	e->nparts++;
	p = &mf->parts[mf->nparts++];
	p->volume = volume;
	p->offset = offset;
	p->length = length;
	return p;
}

void
jp_manifest_add_delete(struct jp_manifest *mf, const char *path)
{
	if (mf->ndeletes == mf->cdeletes) {
		mf->cdeletes = mf->cdeletes ? 2 * mf->cdeletes : 16;
		mf->deletes = jp_xrealloc(mf->deletes,
		    mf->cdeletes * sizeof(*mf->deletes));
	}
	mf->deletes[mf->ndeletes++] = jp_xstrdup(path);
}

long
jp_manifest_find(const struct jp_manifest *mf, const char *path)
{
	size_t lo = 0, hi = mf->nents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(mf->ents[mid].path, path);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* A growing text buffer for the writer. */
struct sbuf {
	char *p;
	size_t n, cap;
};

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->n) {
			b->n += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n + 256;
		b->p = jp_xrealloc(b->p, b->cap);
	}
}

static const char *const kind_word[] = { "file", "copy", "keep" };

char *
jp_manifest_format(const struct jp_manifest *mf, size_t *len)
{
	struct sbuf b = { jp_xmalloc(4096), 0, 4096 };
	char hex[65];
	size_t i, j;

	sb_printf(&b, "jprepo-bundle %d\n", JP_MANIFEST_VERSION);
	sb_printf(&b, "bundle %s\n", mf->bundle);
	sb_printf(&b, "store %s %s\n", mf->store_id, mf->store);
	sb_printf(&b, "sequence %" PRIu64 "\n", mf->sequence);
	if (mf->incremental)
		sb_printf(&b, "base %s %" PRIu64 "\n", mf->base,
		    mf->base_sequence);
	else
		sb_printf(&b, "base -\n");
	sb_printf(&b, "created %s\n", mf->created);
	if (mf->merge)
		sb_printf(&b, "merge\n");
	for (i = 0; i < mf->nrepos; i++)
		sb_printf(&b, "repo %s %s\n", mf->repos[i].type,
		    mf->repos[i].name);
	for (i = 0; i < mf->nvols; i++) {
		jp_hex(mf->vols[i].frame, 32, hex);
		sb_printf(&b, "volume %" PRIu32 " %" PRIu64 " %s %s\n",
		    mf->vols[i].number, mf->vols[i].size, hex,
		    mf->vols[i].name);
	}
	for (i = 0; i < mf->nents; i++) {
		const struct jp_mf_entry *e = &mf->ents[i];

		jp_hex(e->sha256, 32, hex);
		sb_printf(&b, "%s %s %" PRIu64 " %s\n", kind_word[e->kind],
		    hex, e->size, e->path);
		for (j = 0; j < e->nparts; j++) {
			const struct jp_mf_part *p = &mf->parts[e->part0 + j];

			sb_printf(&b, "part %" PRIu32 " %" PRIu64 " %" PRIu64
			    "\n", p->volume, p->offset, p->length);
		}
	}
	for (i = 0; i < mf->ndeletes; i++)
		sb_printf(&b, "delete %s\n", mf->deletes[i]);
	sb_printf(&b, "end\n");
	*len = b.n;
	return b.p;
}

/* The parser's state: one line at a time. */
struct parser {
	struct jp_ctx *ctx;
	const char *name;
	const char *p, *end;
	size_t lineno;
	char *line;          /* the current line, NUL-terminated copy */
	size_t cap;
};

static int
perr(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
perr(struct parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->lineno > 0)
		return jp_error_set(ps->ctx, JP_ERR, "bad manifest '%s' line %zu: %s",
		    ps->name, ps->lineno, msg);
	return jp_error_set(ps->ctx, JP_ERR, "bad manifest '%s': %s", ps->name,
	    msg);
}

/* Next line into ps->line; 0 at the end of the text, -1 on a bad line. */
static int
next_line(struct parser *ps)
{
	const char *nl;
	size_t n;

	if (ps->p >= ps->end)
		return 0;
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	ps->lineno++;
	if (nl == NULL)
		return perr(ps, "last line does not end with a newline"), -1;
	n = (size_t)(nl - ps->p);
	if (memchr(ps->p, '\0', n) != NULL)
		return perr(ps, "NUL byte in the line"), -1;
	if (n + 1 > ps->cap) {
		ps->cap = n + 1;
		ps->line = jp_xrealloc(ps->line, ps->cap);
	}
	memcpy(ps->line, ps->p, n);
	ps->line[n] = '\0';
	ps->p = nl + 1;
	return 1;
}

/*
 * Split the current line into at most max fields at single spaces; the
 * last field takes the rest of the line.  Returns the number of fields.
 */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		f[n++] = p;
		if (n == max)
			break;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

/* A decimal number without sign, leading zeros or overflow. */
static int
parse_u64(const char *s, uint64_t *v)
{
	if (s[0] == '0' && s[1] != '\0')
		return -1;
	return jp_strnum_u64(s, v);
}

static int
parse_id(const char *s, char *out)
{
	unsigned char raw[JP_BUNDLE_IDLEN / 2];

	if (strlen(s) != JP_BUNDLE_IDLEN ||
	    jp_unhex(s, JP_BUNDLE_IDLEN / 2, raw) < 0)
		return -1;
	memcpy(out, s, JP_BUNDLE_IDLEN + 1);
	return 0;
}

static int
parse_sha(const char *s, unsigned char *out)
{
	if (strlen(s) != 64 || jp_unhex(s, 32, out) < 0)
		return -1;
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ", digits where digits belong. */
static int
time_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	}
	return 1;
}

/* A repository name: one safe component, not hidden. */
static int
repo_name_ok(const char *s)
{
	return jp_manifest_path_ok(s) && strchr(s, '/') == NULL && s[0] != '.';
}

/* Expect a line "KEY rest"; returns rest or NULL after an error. */
static char *
keyed(struct parser *ps, const char *key)
{
	size_t n = strlen(key);
	int r = next_line(ps);

	if (r < 0)
		return NULL;
	if (r == 0) {
		perr(ps, "ends before the '%s' line (truncated?)", key);
		return NULL;
	}
	if (strncmp(ps->line, key, n) != 0 || ps->line[n] != ' ') {
		perr(ps, "expected '%s', found '%.40s'", key, ps->line);
		return NULL;
	}
	return ps->line + n + 1;
}

static long
find_repo(const struct jp_manifest *mf, const char *path)
{
	const char *slash = strchr(path, '/');
	size_t i, n;

	if (slash == NULL)
		return -1;
	n = (size_t)(slash - path);
	for (i = 0; i < mf->nrepos; i++) {
		if (strlen(mf->repos[i].name) == n &&
		    memcmp(mf->repos[i].name, path, n) == 0)
			return (long)i;
	}
	return -1;
}

static int
cmp_sha(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int
parse_body(struct parser *ps, struct jp_manifest *mf)
{
	char *f[5], *rest, *last_path = NULL, expect_vol[32];
	uint64_t v, maxvol = 0, *vol_end = NULL;
	struct jp_mf_entry *cur = NULL;
	uint64_t cur_parts_len = 0;
	size_t i, nf;
	int r, rc = -1, seen_end = 0;
	unsigned char *shas = NULL;
	size_t nshas = 0;

	if ((rest = keyed(ps, "jprepo-bundle")) == NULL)
		return -1;
	if (parse_u64(rest, &v) < 0)
		return perr(ps, "bad format version '%.20s'", rest);
	if (v != JP_MANIFEST_VERSION)
		return perr(ps, "format version %" PRIu64 " is not supported "
		    "(this jprepo reads version %d)", v, JP_MANIFEST_VERSION);
	if ((rest = keyed(ps, "bundle")) == NULL)
		return -1;
	if (parse_id(rest, mf->bundle) < 0)
		return perr(ps, "bad bundle id");
	if ((rest = keyed(ps, "store")) == NULL)
		return -1;
	if (split(rest, f, 2) != 2 || parse_id(f[0], mf->store_id) < 0 ||
	    !repo_name_ok(f[1]))
		return perr(ps, "bad store line");
	mf->store = jp_xstrdup(f[1]);
	if ((rest = keyed(ps, "sequence")) == NULL)
		return -1;
	if (parse_u64(rest, &mf->sequence) < 0 || mf->sequence == 0)
		return perr(ps, "bad sequence number");
	if ((rest = keyed(ps, "base")) == NULL)
		return -1;
	if (strcmp(rest, "-") != 0) {
		mf->incremental = 1;
		if (split(rest, f, 2) != 2 || parse_id(f[0], mf->base) < 0 ||
		    parse_u64(f[1], &mf->base_sequence) < 0 ||
		    mf->base_sequence == 0 ||
		    mf->base_sequence >= mf->sequence)
			return perr(ps, "bad base line");
	}
	if ((rest = keyed(ps, "created")) == NULL)
		return -1;
	if (!time_ok(rest))
		return perr(ps, "bad creation time '%.30s'", rest);
	memcpy(mf->created, rest, sizeof(mf->created));

	r = next_line(ps);
	/* optional: a bundle that adds packages to repositories */
	if (r > 0 && strcmp(ps->line, "merge") == 0) {
		if (mf->incremental)
			return perr(ps, "a merge bundle has no base");
		mf->merge = 1;
		r = next_line(ps);
	}
	while (r > 0 && strncmp(ps->line, "repo ", 5) == 0) {
		nf = split(ps->line + 5, f, 2);
		if (nf != 2 || (strcmp(f[0], "rpm-md") != 0 &&
		    strcmp(f[0], "apt") != 0) || !repo_name_ok(f[1]))
			return perr(ps, "bad repo line");
		if (mf->nrepos > 0 &&
		    strcmp(mf->repos[mf->nrepos - 1].name, f[1]) >= 0)
			return perr(ps, "repositories out of order or repeated");
		mf->repos = jp_xrealloc(mf->repos,
		    (mf->nrepos + 1) * sizeof(*mf->repos));
		mf->repos[mf->nrepos].name = jp_xstrdup(f[1]);
		mf->repos[mf->nrepos].type = jp_xstrdup(f[0]);
		mf->nrepos++;
		r = next_line(ps);
	}
	if (r < 0)
		return -1;
	if (mf->nrepos == 0)
		return perr(ps, "no repository");
	while (r > 0 && strncmp(ps->line, "volume ", 7) == 0) {
		struct jp_mf_volume *vol;

		mf->vols = jp_xrealloc(mf->vols,
		    (mf->nvols + 1) * sizeof(*mf->vols));
		vol = &mf->vols[mf->nvols];
		memset(vol, 0, sizeof(*vol));
		nf = split(ps->line + 7, f, 4);
		snprintf(expect_vol, sizeof(expect_vol), "vol-%04zu.tar",
		    mf->nvols + 1);
		if (nf != 4 || parse_u64(f[0], &v) < 0 ||
		    v != mf->nvols + 1 || parse_u64(f[1], &vol->size) < 0 ||
		    parse_sha(f[2], vol->frame) < 0)
			return perr(ps, "bad volume line");
		/* The name is opened in BUNDLEDIR: only ours are accepted. */
		if (strcmp(f[3], expect_vol) != 0)
			return perr(ps, "volume %" PRIu64 " must be named '%s'",
			    v, expect_vol);
		vol->number = (uint32_t)v;
		vol->name = jp_xstrdup(f[3]);
		mf->nvols++;
		r = next_line(ps);
	}
	if (r < 0)
		return -1;
	vol_end = jp_xcalloc(mf->nvols + 1, sizeof(*vol_end));
	for (; r > 0; r = next_line(ps)) {
		char *sp = strchr(ps->line, ' ');
		const char *word = ps->line;
		int kind = -1;

		if (seen_end)
			goto bad_trailing;
		if (strcmp(ps->line, "end") == 0) {
			seen_end = 1;
			continue;
		}
		if (sp == NULL) {
			perr(ps, "unknown line '%.40s'", ps->line);
			goto out;
		}
		*sp = '\0';
		rest = sp + 1;
		if (strcmp(word, "part") == 0) {
			struct jp_mf_part p;

			nf = split(rest, f, 3);
			if (cur == NULL || nf != 3 ||
			    parse_u64(f[0], &v) < 0 || v < 1 ||
			    v > mf->nvols ||
			    parse_u64(f[1], &p.offset) < 0 ||
			    parse_u64(f[2], &p.length) < 0) {
				perr(ps, "bad part line");
				goto out;
			}
			p.volume = (uint32_t)v;
			/* Parts go forward through the volumes, apart. */
			if (p.offset < vol_end[v] || p.length >
			    mf->vols[v - 1].size ||
			    p.offset > mf->vols[v - 1].size - p.length ||
			    p.length > cur->size - cur_parts_len) {
				perr(ps, "part overlaps another, lies outside "
				    "its volume or exceeds its file");
				goto out;
			}
			if (v < maxvol) {
				perr(ps, "parts out of volume order");
				goto out;
			}
			maxvol = v;
			vol_end[v] = p.offset + p.length +
			    (p.length == 0 ? 1 : 0);
			jp_manifest_add_part(mf, cur, p.volume, p.offset,
			    p.length);
			cur_parts_len += p.length;
			continue;
		}
		if (cur != NULL && (cur->nparts == 0 ||
		    cur_parts_len != cur->size)) {
			ps->lineno--;
			perr(ps, "parts of '%s' do not add up to its size",
			    cur->path);
			goto out;
		}
		cur = NULL;
		if (strcmp(word, "file") == 0)
			kind = JP_MF_FILE;
		else if (strcmp(word, "copy") == 0)
			kind = JP_MF_COPY;
		else if (strcmp(word, "keep") == 0)
			kind = JP_MF_KEEP;
		if (kind >= 0) {
			unsigned char sha[32];
			struct jp_mf_entry *e;
			long ri;

			if (mf->ndeletes > 0) {
				perr(ps, "'%s' line after a delete line", word);
				goto out;
			}
			nf = split(rest, f, 3);
			if (nf != 3 || parse_sha(f[0], sha) < 0 ||
			    parse_u64(f[1], &v) < 0) {
				perr(ps, "bad %s line", word);
				goto out;
			}
			if (!jp_manifest_path_ok(f[2]) ||
			    (ri = find_repo(mf, f[2])) < 0) {
				perr(ps, "unsafe path or unknown repository "
				    "in '%.200s'", f[2]);
				goto out;
			}
			if (kind == JP_MF_KEEP && !mf->incremental) {
				perr(ps, "keep line in a full bundle");
				goto out;
			}
			if (last_path != NULL && strcmp(last_path, f[2]) >= 0) {
				perr(ps, "'%.200s' out of order or repeated",
				    f[2]);
				goto out;
			}
			e = jp_manifest_add_entry(mf, kind, f[2], v, sha);
			e->repo = (size_t)ri;
			last_path = e->path;
			if (kind == JP_MF_FILE) {
				cur = e;
				cur_parts_len = 0;
			}
			if (kind != JP_MF_COPY) {
				shas = jp_xrealloc(shas, (nshas + 1) * 40);
				memcpy(shas + nshas * 40, sha, 32);
				memcpy(shas + nshas * 40 + 32, &e->size, 8);
				nshas++;
			}
			continue;
		}
		if (strcmp(word, "delete") == 0) {
			if (!mf->incremental) {
				perr(ps, "delete line in a full bundle");
				goto out;
			}
			if (!jp_manifest_path_ok(rest) ||
			    find_repo(mf, rest) < 0) {
				perr(ps, "unsafe path or unknown repository "
				    "in '%.200s'", rest);
				goto out;
			}
			if ((mf->ndeletes > 0 && strcmp(mf->deletes[
			    mf->ndeletes - 1], rest) >= 0) ||
			    jp_manifest_find(mf, rest) >= 0) {
				perr(ps, "delete '%.200s' out of order, "
				    "repeated or still listed", rest);
				goto out;
			}
			jp_manifest_add_delete(mf, rest);
			continue;
		}
		perr(ps, "unknown line '%.40s'", word);
		goto out;
	}
	if (r < 0)
		goto out;
	if (cur != NULL && (cur->nparts == 0 || cur_parts_len != cur->size)) {
		perr(ps, "parts of '%s' do not add up to its size", cur->path);
		goto out;
	}
	if (!seen_end) {
		ps->lineno = 0;
		perr(ps, "no 'end' line (truncated?)");
		goto out;
	}
	/* A copy names content that a file or keep line provides. */
	if (nshas > 1)
		qsort(shas, nshas, 40, cmp_sha);
	for (i = 0; i < mf->nents; i++) {
		unsigned char key[40];
		unsigned char *hit;

		if (mf->ents[i].kind != JP_MF_COPY)
			continue;
		memcpy(key, mf->ents[i].sha256, 32);
		/* bsearch() must not be given a NULL array, even empty */
		hit = nshas ? bsearch(key, shas, nshas, 40, cmp_sha) : NULL;
		if (hit == NULL || memcmp(hit + 32, &mf->ents[i].size, 8) != 0) {
			ps->lineno = 0;
			perr(ps, "copy '%s' names content no file or keep "
			    "line has", mf->ents[i].path);
			goto out;
		}
	}
	/* Every volume holds something: at least its JPREPO-VOLUME entry. */
	for (i = 0; i < mf->nvols; i++) {
		if (mf->vols[i].size < 2048) {
			ps->lineno = 0;
			perr(ps, "volume %zu is too small to be a volume", i + 1);
			goto out;
		}
	}
	rc = 0;
out:
	free(shas);
	free(vol_end);
	return rc;
bad_trailing:
	perr(ps, "text after the 'end' line");
	goto out;
}

int
jp_manifest_parse(struct jp_ctx *ctx, const char *name, const char *data,
    size_t len, struct jp_manifest *mf)
{
	struct parser ps = { ctx, name, data, data + len, 0, NULL, 0 };
	int rc;

	memset(mf, 0, sizeof(*mf));
	rc = parse_body(&ps, mf);
	free(ps.line);
	if (rc < 0) {
		jp_manifest_release(mf);
		return JP_ERR;
	}
	if (mf->nvols == 0) {
		size_t i;

		for (i = 0; i < mf->nents; i++) {
			if (mf->ents[i].kind == JP_MF_FILE) {
				jp_manifest_release(mf);
				return jp_error_set(ctx, JP_ERR, "bad manifest "
				    "'%s': files but no volume", name);
			}
		}
	}
	return 0;
}

int
jp_manifest_read(struct jp_ctx *ctx, const char *path, struct jp_manifest *mf)
{
	char *data;
	size_t len;
	int rc;

	memset(mf, 0, sizeof(*mf));
	if (jp_file_read(ctx, path, &data, &len) < 0)
		return JP_ERR;
	rc = jp_manifest_parse(ctx, path, data, len, mf);
	free(data);
	return rc;
}
