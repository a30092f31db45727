/*
 * json.c: a strict, streaming JSON tokenizer (see json.h).
 *
 * The grammar is RFC 8259's: section 2 (values, whitespace), 4 (objects),
 * 5 (arrays), 6 (numbers), 7 (strings and their escapes) and 8.1 (UTF-8,
 * byte order mark).  UTF-8 is checked as RFC 3629 section 4 defines it:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "json.h"

/* What one read asks the callback for. */
#define JP_JSON_BUFSIZE 65536
/* The longest string or number accepted, against hostile input. */
#define JP_JSON_MAX_TEXT ((size_t)1 << 26)

/* peek() results besides a byte */
#define JP_JSON_EOF (-1)
#define JP_JSON_EIO (-2)

/* What the tokenizer expects next. */
enum {
	ST_VALUE = 0,     /* a value: at the top, after ':', after ',' in [] */
	ST_ARR_FIRST,     /* after '[': a value or ']' */
	ST_OBJ_FIRST,     /* after '{': a member name or '}' */
	ST_KEY,           /* after ',' in {}: a member name */
	ST_COLON,         /* after a member name: ':' */
	ST_AFTER,         /* after a value: ',', the closer, or the end */
	ST_DONE,          /* the document is complete */
};

static void
jp_json_init(struct jp_json *j)
{
	memset(j, 0, sizeof(*j));
	j->state = ST_VALUE;
}

void
jp_json_init_mem(struct jp_json *j, const void *buf, size_t len)
{
	jp_json_init(j);
	j->in = buf;
	j->in_len = len;
}

void
jp_json_init_reader(struct jp_json *j, jp_json_read_fn readfn, void *opaque)
{
	jp_json_init(j);
	j->read = readfn;
	j->opaque = opaque;
	j->rbuf = jp_xmalloc(JP_JSON_BUFSIZE);
	j->in = j->rbuf;
}

void
jp_json_release(struct jp_json *j)
{
	if (!j)
		return;
	free(j->rbuf);
	free(j->text);
	j->rbuf = NULL;
	j->text = NULL;
	j->text_len = j->text_cap = 0;
}

const char *
jp_json_text(const struct jp_json *j, size_t *len)
{
	if (len)
		*len = j->text_len;
	return j->text ? j->text : "";
}

int
jp_json_depth(const struct jp_json *j)
{
	return j->depth;
}

const char *
jp_json_error(const struct jp_json *j)
{
	return j->err;
}

uint64_t
jp_json_error_offset(const struct jp_json *j)
{
	return j->err_offset;
}

/* --- input --- */

static uint64_t
jp_json_offset(const struct jp_json *j)
{
	return j->in_offset + j->pos;
}

static int jp_json_fail(struct jp_json *j, uint64_t offset,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
jp_json_fail(struct jp_json *j, uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	if (j->failed)
		return -1;
	va_start(ap, fmt);
	vsnprintf(j->err, sizeof(j->err), fmt, ap);
	va_end(ap);
	j->err_offset = offset;
	j->failed = 1;
	return -1;
}

/* The next byte without consuming it, JP_JSON_EOF or JP_JSON_EIO. */
static int
jp_json_peek(struct jp_json *j)
{
	long n;

	if (j->pos < j->in_len)
		return j->in[j->pos];
	if (!j->read || j->eof)
		return JP_JSON_EOF;
	j->in_offset += j->in_len;
	j->in_len = 0;
	j->pos = 0;
	n = j->read(j->opaque, j->rbuf, JP_JSON_BUFSIZE);
	if (n < 0) {
		jp_json_fail(j, jp_json_offset(j), "read error");
		return JP_JSON_EIO;
	}
	if (n == 0) {
		j->eof = 1;
		return JP_JSON_EOF;
	}
	j->in_len = (size_t)n;
	return j->in[0];
}

/* A byte as an error message names it. */
static const char *
jp_json_show(int c, char buf[16])
{
	if (c == JP_JSON_EOF)
		snprintf(buf, 16, "end of input");
	else if (c > 0x20 && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", (unsigned)c & 0xffU);
	return buf;
}

/* RFC 8259 section 2: ws = *( %x20 / %x09 / %x0A / %x0D ) */
static int
jp_json_skip_ws(struct jp_json *j)
{
	int c;

	for (;;) {
		c = jp_json_peek(j);
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return c;
		j->pos++;
	}
}

static int
jp_json_put(struct jp_json *j, const void *p, size_t n, uint64_t start)
{
	if (j->text_len + n + 1 > JP_JSON_MAX_TEXT)
		return jp_json_fail(j, start, "string or number longer than "
		    "%zu bytes", JP_JSON_MAX_TEXT - 1);
	if (j->text_len + n + 1 > j->text_cap) {
		size_t cap = j->text_cap ? j->text_cap : 256;

		while (cap < j->text_len + n + 1)
			cap *= 2;
		j->text = jp_xrealloc(j->text, cap);
		j->text_cap = cap;
	}
	memcpy(j->text + j->text_len, p, n);
	j->text_len += n;
	j->text[j->text_len] = '\0';
	return 0;
}

static void
jp_json_text_reset(struct jp_json *j)
{
	j->text_len = 0;
	if (j->text)
		j->text[0] = '\0';
}

/* --- strings (RFC 8259 section 7) --- */

static int
jp_json_hex4(struct jp_json *j, unsigned *out)
{
	unsigned v = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		uint64_t at = jp_json_offset(j);
		char show[16];

		c = jp_json_peek(j);
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (unsigned)(c - 'A' + 10);
		else if (c == JP_JSON_EIO)
			return -1;
		else
			return jp_json_fail(j, at, "expected a hex digit in a "
			    "\\u escape, got %s", jp_json_show(c, show));
		j->pos++;
	}
	*out = v;
	return 0;
}

/* Append code point cp as UTF-8. */
static int
jp_json_put_cp(struct jp_json *j, unsigned cp, uint64_t start)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return jp_json_put(j, b, n, start);
}

/* One escape sequence; the backslash is consumed. */
static int
jp_json_escape(struct jp_json *j, uint64_t start)
{
	uint64_t at = jp_json_offset(j) - 1;
	char show[16], ch;
	unsigned cp = 0, lo = 0;
	int c = jp_json_peek(j);

	switch (c) {
	case '"': ch = '"'; break;
	case '\\': ch = '\\'; break;
	case '/': ch = '/'; break;
	case 'b': ch = '\b'; break;
	case 'f': ch = '\f'; break;
	case 'n': ch = '\n'; break;
	case 'r': ch = '\r'; break;
	case 't': ch = '\t'; break;
	case 'u':
		j->pos++;
		if (jp_json_hex4(j, &cp) < 0)
			return -1;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return jp_json_fail(j, at, "lone low surrogate \\u%04X "
			    "in a string", cp);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			/* section 7: a pair of \u escapes for one character */
			uint64_t at2 = jp_json_offset(j);

			if (jp_json_peek(j) != '\\')
				return jp_json_fail(j, at2, "high surrogate "
				    "\\u%04X not followed by a low surrogate",
				    cp);
			j->pos++;
			if (jp_json_peek(j) != 'u')
				return jp_json_fail(j, at2, "high surrogate "
				    "\\u%04X not followed by a low surrogate",
				    cp);
			j->pos++;
			if (jp_json_hex4(j, &lo) < 0)
				return -1;
			if (lo < 0xdc00 || lo > 0xdfff)
				return jp_json_fail(j, at2, "high surrogate "
				    "\\u%04X followed by \\u%04X, not a low "
				    "surrogate", cp, lo);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		return jp_json_put_cp(j, cp, start);
	case JP_JSON_EIO:
		return -1;
	case JP_JSON_EOF:
		return jp_json_fail(j, start, "unterminated string");
	default:
		return jp_json_fail(j, at, "invalid escape in a string: "
		    "backslash followed by %s", jp_json_show(c, show));
	}
	j->pos++;
	return jp_json_put(j, &ch, 1, start);
}

/*
 * One UTF-8 sequence starting with lead byte c (>= 0x80), not yet
 * consumed.  RFC 3629 section 4, UTF8-2 .. UTF8-4.
 */
static int
jp_json_utf8(struct jp_json *j, int c, uint64_t start)
{
	uint64_t at = jp_json_offset(j);
	unsigned char b[4];
	unsigned lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;      /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;      /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;      /* no overlong forms */
		else if (c == 0xf4)
			hi = 0x8f;      /* nothing above U+10FFFF */
	} else
		return jp_json_fail(j, at, "invalid UTF-8 (byte 0x%02x)",
		    (unsigned)c);
	b[0] = (unsigned char)c;
	j->pos++;
	for (i = 1; i < n; i++) {
		int d = jp_json_peek(j);

		if (d == JP_JSON_EIO)
			return -1;
		if (d < 0 || (unsigned)d < lo || (unsigned)d > hi)
			return jp_json_fail(j, at, "invalid UTF-8 (byte 0x%02x "
			    "is not continued properly)", (unsigned)c);
		b[i] = (unsigned char)d;
		j->pos++;
		lo = 0x80;
		hi = 0xbf;
	}
	return jp_json_put(j, b, n, start);
}

/* A string; the opening quote is next. */
static int
jp_json_string(struct jp_json *j)
{
	uint64_t start = jp_json_offset(j);

	jp_json_text_reset(j);
	j->pos++;
	for (;;) {
		size_t run = j->pos;
		int c;

		/* plain ASCII runs in the buffer are copied at once */
		while (run < j->in_len && j->in[run] >= 0x20 &&
		    j->in[run] < 0x80 && j->in[run] != '"' &&
		    j->in[run] != '\\')
			run++;
		if (run > j->pos) {
			if (jp_json_put(j, j->in + j->pos, run - j->pos,
			    start) < 0)
				return -1;
			j->pos = run;
		}
		c = jp_json_peek(j);
		if (c == JP_JSON_EIO)
			return -1;
		if (c == JP_JSON_EOF)
			return jp_json_fail(j, start, "unterminated string");
		if (c == '"') {
			j->pos++;
			return 0;
		}
		if (c == '\\') {
			j->pos++;
			if (jp_json_escape(j, start) < 0)
				return -1;
		} else if (c < 0x20) {
			return jp_json_fail(j, jp_json_offset(j), "control "
			    "character U+%04X in a string (it must be escaped)",
			    (unsigned)c);
		} else if (c >= 0x80) {
			if (jp_json_utf8(j, c, start) < 0)
				return -1;
		}
	}
}

/* --- numbers (RFC 8259 section 6) --- */

static int
jp_json_digits(struct jp_json *j, uint64_t start, const char *after)
{
	char show[16];
	int c = jp_json_peek(j), n = 0;

	while (c >= '0' && c <= '9') {
		char d = (char)c;

		if (jp_json_put(j, &d, 1, start) < 0)
			return -1;
		j->pos++;
		n++;
		c = jp_json_peek(j);
	}
	if (c == JP_JSON_EIO)
		return -1;
	if (n == 0)
		return jp_json_fail(j, jp_json_offset(j), "expected a digit "
		    "after %s in a number, got %s", after,
		    jp_json_show(c, show));
	return 0;
}

static int
jp_json_number(struct jp_json *j)
{
	uint64_t start = jp_json_offset(j);
	int c = jp_json_peek(j);
	char ch;

	jp_json_text_reset(j);
	if (c == '-') {
		ch = '-';
		if (jp_json_put(j, &ch, 1, start) < 0)
			return -1;
		j->pos++;
		c = jp_json_peek(j);
	}
	if (c == '0') {
		ch = '0';
		if (jp_json_put(j, &ch, 1, start) < 0)
			return -1;
		j->pos++;
		c = jp_json_peek(j);
		if (c >= '0' && c <= '9')
			return jp_json_fail(j, start, "a number must not have "
			    "leading zeros");
	} else if (jp_json_digits(j, start, j->text_len ? "'-'" :
	    "the start") < 0) {
		return -1;
	}
	c = jp_json_peek(j);
	if (c == '.') {
		ch = '.';
		if (jp_json_put(j, &ch, 1, start) < 0)
			return -1;
		j->pos++;
		if (jp_json_digits(j, start, "'.'") < 0)
			return -1;
		c = jp_json_peek(j);
	}
	if (c == 'e' || c == 'E') {
		ch = (char)c;
		if (jp_json_put(j, &ch, 1, start) < 0)
			return -1;
		j->pos++;
		c = jp_json_peek(j);
		if (c == '+' || c == '-') {
			ch = (char)c;
			if (jp_json_put(j, &ch, 1, start) < 0)
				return -1;
			j->pos++;
		}
		if (jp_json_digits(j, start, "the exponent") < 0)
			return -1;
	}
	return c == JP_JSON_EIO ? -1 : 0;
}

/* --- literals --- */

static int
jp_json_literal(struct jp_json *j, const char *word)
{
	uint64_t start = jp_json_offset(j);
	size_t i;

	for (i = 0; word[i]; i++) {
		int c = jp_json_peek(j);

		if (c == JP_JSON_EIO)
			return -1;
		if (c != (unsigned char)word[i])
			return jp_json_fail(j, start, "invalid literal "
			    "(expected '%s')", word);
		j->pos++;
	}
	return 0;
}

/* --- the tokenizer --- */

/* A value starts at c (already peeked, whitespace skipped). */
static int
jp_json_value(struct jp_json *j, int c, enum jp_json_tok *tok)
{
	char show[16];

	switch (c) {
	case '{':
	case '[':
		if (j->depth >= JP_JSON_MAX_DEPTH)
			return jp_json_fail(j, jp_json_offset(j), "nesting "
			    "deeper than %d levels", JP_JSON_MAX_DEPTH);
		j->stack[j->depth++] = (unsigned char)c;
		j->pos++;
		j->state = c == '{' ? ST_OBJ_FIRST : ST_ARR_FIRST;
		*tok = c == '{' ? JP_JSON_OBJ_BEGIN : JP_JSON_ARR_BEGIN;
		return 0;
	case '"':
		if (jp_json_string(j) < 0)
			return -1;
		*tok = JP_JSON_STRING;
		break;
	case 't':
		if (jp_json_literal(j, "true") < 0)
			return -1;
		*tok = JP_JSON_TRUE;
		break;
	case 'f':
		if (jp_json_literal(j, "false") < 0)
			return -1;
		*tok = JP_JSON_FALSE;
		break;
	case 'n':
		if (jp_json_literal(j, "null") < 0)
			return -1;
		*tok = JP_JSON_NULL;
		break;
	case JP_JSON_EIO:
		return -1;
	case JP_JSON_EOF:
		return jp_json_fail(j, jp_json_offset(j), "unexpected end of "
		    "input (expected a value)");
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			if (jp_json_number(j) < 0)
				return -1;
			*tok = JP_JSON_NUMBER;
			break;
		}
		return jp_json_fail(j, jp_json_offset(j), "expected a value, "
		    "got %s", jp_json_show(c, show));
	}
	j->state = ST_AFTER;
	return 0;
}

/* The closer c of the innermost container. */
static void
jp_json_close(struct jp_json *j, int c, enum jp_json_tok *tok)
{
	j->pos++;
	j->depth--;
	j->state = ST_AFTER;
	*tok = c == '}' ? JP_JSON_OBJ_END : JP_JSON_ARR_END;
}

int
jp_json_next(struct jp_json *j, enum jp_json_tok *tok)
{
	char show[16];
	int c, top;

	*tok = JP_JSON_END;
	if (j->failed)
		return -1;
	if (j->state == ST_DONE)
		return 0;
	/* RFC 8259 section 8.1: a parser MAY ignore a byte order mark */
	if (jp_json_offset(j) == 0 && jp_json_peek(j) == 0xef) {
		static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
		size_t i;

		for (i = 0; i < 3 && jp_json_peek(j) == bom[i]; i++)
			j->pos++;
		if (i != 3)
			return jp_json_fail(j, 0, "invalid UTF-8 at the start");
	}
	c = jp_json_skip_ws(j);
	if (c == JP_JSON_EIO)
		return -1;
	top = j->depth ? j->stack[j->depth - 1] : 0;

	switch (j->state) {
	case ST_VALUE:
		/* at depth 0 a value is expected only at the start */
		if (c == JP_JSON_EOF && j->depth == 0)
			return jp_json_fail(j, jp_json_offset(j),
			    "empty document");
		return jp_json_value(j, c, tok);
	case ST_ARR_FIRST:
		if (c == ']') {
			jp_json_close(j, c, tok);
			return 0;
		}
		return jp_json_value(j, c, tok);
	case ST_OBJ_FIRST:
		if (c == '}') {
			jp_json_close(j, c, tok);
			return 0;
		}
		/* FALLTHROUGH */
	case ST_KEY:
		if (c != '"')
			return jp_json_fail(j, jp_json_offset(j), "expected a "
			    "member name (a string), got %s",
			    jp_json_show(c, show));
		if (jp_json_string(j) < 0)
			return -1;
		j->state = ST_COLON;
		*tok = JP_JSON_KEY;
		return 0;
	case ST_COLON:
		if (c != ':')
			return jp_json_fail(j, jp_json_offset(j), "expected "
			    "':' after a member name, got %s",
			    jp_json_show(c, show));
		j->pos++;
		c = jp_json_skip_ws(j);
		return jp_json_value(j, c, tok);
	case ST_AFTER:
		if (j->depth == 0) {
			if (c != JP_JSON_EOF)
				return jp_json_fail(j, jp_json_offset(j),
				    "unexpected %s after the top-level value",
				    jp_json_show(c, show));
			j->state = ST_DONE;
			return 0;
		}
		if (c == ',') {
			j->pos++;
			if (top == '{') {
				j->state = ST_KEY;
			} else {
				j->state = ST_VALUE;
			}
			return jp_json_next(j, tok);
		}
		if ((c == '}' && top == '{') || (c == ']' && top == '[')) {
			jp_json_close(j, c, tok);
			return 0;
		}
		if (c == JP_JSON_EOF)
			return jp_json_fail(j, jp_json_offset(j), "unexpected "
			    "end of input (%d unclosed %s)", j->depth,
			    j->depth == 1 ? "object or array" :
			    "objects or arrays");
		return jp_json_fail(j, jp_json_offset(j), "expected ',' or "
		    "'%c', got %s", top == '{' ? '}' : ']',
		    jp_json_show(c, show));
	default:
		return 0;
	}
}

int
jp_json_skip(struct jp_json *j, enum jp_json_tok tok)
{
	int target;

	if (tok != JP_JSON_OBJ_BEGIN && tok != JP_JSON_ARR_BEGIN)
		return 0;
	target = j->depth - 1;
	while (j->depth > target) {
		if (jp_json_next(j, &tok) < 0)
			return -1;
		if (tok == JP_JSON_END)
			return jp_json_fail(j, jp_json_offset(j), "unexpected "
			    "end of input");
	}
	return 0;
}
