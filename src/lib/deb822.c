/* deb822.c: control-style stanzas: reading and writing (see deb822.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "deb822.h"

void
jp_deb822_stanza_init(struct jp_deb822_stanza *st)
{
	memset(st, 0, sizeof(*st));
}

void
jp_deb822_stanza_release(struct jp_deb822_stanza *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nfields; i++) {
		free(st->fields[i].name);
		free(st->fields[i].value);
	}
	free(st->fields);
	memset(st, 0, sizeof(*st));
}

const char *
jp_deb822_get(const struct jp_deb822_stanza *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nfields; i++)
		if (!strcasecmp(st->fields[i].name, name))
			return st->fields[i].value;
	return NULL;
}

/* Append a field taking ownership of name and value. */
static void
jp_deb822_add_owned(struct jp_deb822_stanza *st, char *name, char *value)
{
	if (st->nfields == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		st->fields = jp_xrealloc(st->fields, st->cap * sizeof(*st->fields));
	}
	st->fields[st->nfields].name = name;
	st->fields[st->nfields].value = value;
	st->nfields++;
}

void
jp_deb822_add(struct jp_deb822_stanza *st, const char *name, const char *value)
{
	jp_deb822_add_owned(st, jp_xstrdup(name), jp_xstrdup(value ? value : ""));
}

void
jp_deb822_reader_init(struct jp_deb822_reader *r, const char *buf, size_t len,
    const char *what, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	r->what = what ? what : "(text)";
	r->flags = flags;
}

static int
jp_deb822_isblank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Policy 5.1: a field name is US-ASCII characters other than controls,
 * space and colon (U+0021 to U+0039 and U+003B to U+007E), not starting
 * with '#' or '-'.
 */
static const char *
jp_deb822_name_problem(const char *p, size_t n)
{
	size_t i;

	if (n == 0)
		return "field with an empty name";
	if (p[0] == '-')
		return "field name starts with '-'";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c >= 0x7f)
			return "invalid character in field name";
	}
	return NULL;
}

/* A growing value: the first line, then "\n" and each continuation line. */
struct jp_deb822_val {
	char *s;
	size_t len, cap;
};

static void
jp_deb822_val_put(struct jp_deb822_val *v, const char *p, size_t n)
{
	if (!v->s || v->len + n + 1 > v->cap) {
		while (v->len + n + 1 > v->cap)
			v->cap = v->cap ? 2 * v->cap : 64;
		v->s = jp_xrealloc(v->s, v->cap);
	}
	memcpy(v->s + v->len, p, n);
	v->len += n;
	v->s[v->len] = '\0';
}

static int
jp_deb822_fail(struct jp_ctx *ctx, const struct jp_deb822_reader *r,
    unsigned long line, const char *problem, const char *name, size_t nlen)
{
	if (name)
		return jp_error_set(ctx, JP_ERR, "'%s' line %lu: %s '%.*s'",
		    r->what, line, problem, (int)nlen, name);
	return jp_error_set(ctx, JP_ERR, "'%s' line %lu: %s", r->what, line,
	    problem);
}

int
jp_deb822_next(struct jp_ctx *ctx, struct jp_deb822_reader *r,
    struct jp_deb822_stanza *st)
{
	struct jp_deb822_val val = { 0 };
	char *name = NULL;
	int rc = 0;

	jp_deb822_stanza_release(st);
	while (r->pos < r->len) {
		const char *line = r->buf + r->pos;
		const char *nl = memchr(line, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - line) : r->len - r->pos;
		const char *colon;
		const char *problem;
		size_t nlen;

		if (memchr(line, '\0', n)) {
			rc = jp_deb822_fail(ctx, r, r->line + 1, "NUL byte",
			    NULL, 0);
			goto fail;
		}
		/* Trailing blanks (and a CR of CRLF) are not part of the text. */
		while (n > 0 && (jp_deb822_isblank(line[n - 1]) ||
		    line[n - 1] == '\r'))
			n--;
		if (n == 0 && st->nfields == 0 && !name) {
			/* blank lines before a stanza */
			r->pos += nl ? (size_t)(nl - line) + 1 : r->len - r->pos;
			r->line++;
			continue;
		}
		if (n == 0)
			break;    /* the blank line is left for the next call */
		r->pos += nl ? (size_t)(nl - line) + 1 : r->len - r->pos;
		r->line++;

		if (line[0] == '#') {
			if (r->flags & JP_DEB822_COMMENTS)
				continue;
			rc = jp_deb822_fail(ctx, r, r->line,
			    "comment lines are not allowed here", NULL, 0);
			goto fail;
		}
		if (jp_deb822_isblank(line[0])) {
			if (!name) {
				rc = jp_deb822_fail(ctx, r, r->line,
				    "continuation line outside a field", NULL, 0);
				goto fail;
			}
			jp_deb822_val_put(&val, "\n", 1);
			jp_deb822_val_put(&val, line, n);
			continue;
		}

		/* A new field: store the one before it. */
		if (name) {
			jp_deb822_add_owned(st, name, val.s ? val.s : jp_xstrdup(""));
			name = NULL;
			memset(&val, 0, sizeof(val));
		}
		colon = memchr(line, ':', n);
		if (!colon) {
			rc = jp_deb822_fail(ctx, r, r->line,
			    "field without a colon", NULL, 0);
			goto fail;
		}
		/* "Name : value" is read as dpkg reads it (blanks end a name) */
		for (nlen = (size_t)(colon - line); nlen > 0 &&
		    jp_deb822_isblank(line[nlen - 1]); nlen--)
			;
		if ((problem = jp_deb822_name_problem(line, nlen)) != NULL) {
			rc = jp_deb822_fail(ctx, r, r->line, problem, NULL, 0);
			goto fail;
		}
		name = jp_xstrndup(line, nlen);
		if (jp_deb822_get(st, name)) {
			rc = jp_deb822_fail(ctx, r, r->line, "duplicate field",
			    line, nlen);
			goto fail;
		}
		if (st->nfields == 0)
			st->line = r->line;
		colon++;
		while (colon < line + n && jp_deb822_isblank(*colon))
			colon++;
		jp_deb822_val_put(&val, colon, (size_t)(line + n - colon));
	}
	if (name)
		jp_deb822_add_owned(st, name, val.s ? val.s : jp_xstrdup(""));
	return st->nfields > 0 ? 1 : 0;
fail:
	free(name);
	free(val.s);
	jp_deb822_stanza_release(st);
	return rc;
}

int
jp_deb822_parse(struct jp_ctx *ctx, const char *buf, size_t len,
    const char *what, unsigned flags, struct jp_deb822_stanza **out, size_t *n)
{
	struct jp_deb822_reader r;
	struct jp_deb822_stanza st, *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	jp_deb822_reader_init(&r, buf, len, what, flags);
	jp_deb822_stanza_init(&st);
	while ((rc = jp_deb822_next(ctx, &r, &st)) > 0) {
		if (nv == cap) {
			cap = cap ? 2 * cap : 8;
			v = jp_xrealloc(v, cap * sizeof(*v));
		}
		v[nv++] = st;
		jp_deb822_stanza_init(&st);
	}
	if (rc < 0) {
		jp_deb822_free(v, nv);
		return rc;
	}
	*out = v;
	*n = nv;
	return 0;
}

void
jp_deb822_free(struct jp_deb822_stanza *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		jp_deb822_stanza_release(&v[i]);
	free(v);
}

/* --- writing --- */

void
jp_deb822_buf_put(struct jp_deb822_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (b->len + n + 1 > cap)
			cap *= 2;
		b->data = jp_xrealloc(b->data, cap);
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
jp_deb822_buf_puts(struct jp_deb822_buf *b, const char *s)
{
	jp_deb822_buf_put(b, s, strlen(s));
}

void
jp_deb822_buf_release(struct jp_deb822_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void
jp_deb822_write_field(struct jp_deb822_buf *b, const char *name,
    const char *value)
{
	const char *p = value ? value : "";
	const char *nl = strchr(p, '\n');
	size_t n = nl ? (size_t)(nl - p) : strlen(p);

	jp_deb822_buf_puts(b, name);
	jp_deb822_buf_put(b, ":", 1);
	if (n > 0) {
		jp_deb822_buf_put(b, " ", 1);
		jp_deb822_buf_put(b, p, n);
	}
	jp_deb822_buf_put(b, "\n", 1);
	while (nl) {
		p = nl + 1;
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (n == 0) {
			/* Policy 5.6.13: an empty line in a value is " ." */
			jp_deb822_buf_put(b, " .\n", 3);
			continue;
		}
		if (!jp_deb822_isblank(p[0]))
			jp_deb822_buf_put(b, " ", 1);
		jp_deb822_buf_put(b, p, n);
		jp_deb822_buf_put(b, "\n", 1);
	}
}

void
jp_deb822_write_stanza(struct jp_deb822_buf *b,
    const struct jp_deb822_stanza *st)
{
	size_t i;

	for (i = 0; i < st->nfields; i++)
		jp_deb822_write_field(b, st->fields[i].name, st->fields[i].value);
}

/* --- word lists --- */

void
jp_deb822_words_add(char ***v, size_t *n, const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*v)[i]) == len && !strncmp((*v)[i], w, len))
			return;
	*v = jp_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = jp_xstrndup(w, len);
}

void
jp_deb822_words_split(char ***v, size_t *n, const char *list)
{
	const char *p = list;

	while (p && *p) {
		size_t k;

		p += strspn(p, " \t\r\n");
		k = strcspn(p, " \t\r\n");
		if (k)
			jp_deb822_words_add(v, n, p, k);
		p += k;
	}
}

void
jp_deb822_words_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
jp_deb822_word_in(const char *list, const char *w)
{
	size_t wl = strlen(w);
	const char *p = list;

	while (p && *p) {
		size_t n;

		p += strspn(p, " \t\r\n");
		n = strcspn(p, " \t\r\n");
		if (n == wl && !strncmp(p, w, wl))
			return 1;
		p += n;
	}
	return 0;
}
