/*
 * json.h: a strict, streaming JSON tokenizer (RFC 8259).
 *
 * A pull parser: each jp_json_next() returns the next token of the
 * document (the start or end of an object or array, a member name, a
 * string, a number or a literal), so that a large document (the Debian
 * Security Tracker's dump is some 70 MB) is read once, in pieces, and only
 * what the caller keeps takes memory.  The input is a buffer in memory or
 * a read callback.
 *
 * Strict as RFC 8259 demands: UTF-8 only (a leading byte order mark is
 * ignored, as section 8.1 allows), the four whitespace characters of
 * section 2, no control characters in strings, only the escapes of section
 * 7 with \u surrogate pairs combined and lone surrogates refused, numbers
 * as section 6's grammar, one value at the top followed by nothing but
 * whitespace.  Nesting deeper than JP_JSON_MAX_DEPTH is refused.  An error
 * gives a message and the byte offset where the input went wrong.
 */
#ifndef JP_JSON_H
#define JP_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Objects and arrays nested deeper than this are refused. */
#define JP_JSON_MAX_DEPTH 64

enum jp_json_tok {
	JP_JSON_END = 0,        /* the document is complete */
	JP_JSON_OBJ_BEGIN,
	JP_JSON_OBJ_END,
	JP_JSON_ARR_BEGIN,
	JP_JSON_ARR_END,
	JP_JSON_KEY,            /* a member name: jp_json_text() */
	JP_JSON_STRING,         /* jp_json_text(): decoded UTF-8 */
	JP_JSON_NUMBER,         /* jp_json_text(): the number as written */
	JP_JSON_TRUE,
	JP_JSON_FALSE,
	JP_JSON_NULL,
};

/*
 * The read callback: up to size bytes into buf; returns how many (0 at the
 * end of the input), or -1 on an error, which the callback reports its own
 * way (jp_json_next() then fails with "read error").
 */
typedef long (*jp_json_read_fn)(void *opaque, void *buf, size_t size);

struct jp_json {
	/* input */
	const unsigned char *in;  /* the bytes not yet consumed start at pos */
	size_t in_len, pos;
	uint64_t in_offset;       /* offset of in[0] in the document */
	jp_json_read_fn read;     /* NULL: in is the whole document */
	void *opaque;
	unsigned char *rbuf;      /* the read callback's buffer */
	int eof;
	/* state */
	int state;
	int depth;
	unsigned char stack[JP_JSON_MAX_DEPTH];  /* '{' or '[' */
	int failed;
	/* the text of the last KEY, STRING or NUMBER, NUL-terminated */
	char *text;
	size_t text_len, text_cap;
	/* the error */
	char err[160];
	uint64_t err_offset;
};

/* --- lifetime --- */
/* Tokenize the len bytes at buf, which must outlive the tokenizer. */
void jp_json_init_mem(struct jp_json *j, const void *buf, size_t len);
/* Tokenize what readfn(opaque, ...) returns. */
void jp_json_init_reader(struct jp_json *j, jp_json_read_fn readfn,
    void *opaque);
/* Free what the tokenizer holds (not the input); NULL is a no-op. */
void jp_json_release(struct jp_json *j);

/* --- reading --- */
/*
 * The next token into *tok.  Returns 0, or -1 when the input is not JSON
 * (or cannot be read): jp_json_error() then says why and
 * jp_json_error_offset() where, and every later call fails the same way.
 * After JP_JSON_END, further calls return JP_JSON_END again.
 */
int jp_json_next(struct jp_json *j, enum jp_json_tok *tok);
/*
 * The text of the last KEY, STRING or NUMBER token, NUL-terminated, valid
 * until the next call; its length in *len when len is not NULL (a string
 * may hold "\u0000", so the length is the authority).
 */
const char *jp_json_text(const struct jp_json *j, size_t *len);
/*
 * Skip the value whose first token tok was just returned: for OBJ_BEGIN or
 * ARR_BEGIN, everything up to its matching end; for any other value,
 * nothing.  Returns 0, or -1 as jp_json_next().
 */
int jp_json_skip(struct jp_json *j, enum jp_json_tok tok);
/* How many objects and arrays enclose the position after the last token. */
int jp_json_depth(const struct jp_json *j);

/* --- errors --- */
/* Why the last call failed ("" when nothing failed). */
const char *jp_json_error(const struct jp_json *j);
/* The byte offset in the document where the error was found. */
uint64_t jp_json_error_offset(const struct jp_json *j);

#endif
