/*
 * deb822.h: control-style stanzas (deb822): reading and writing.
 *
 * Debian's control files, Packages and Release indexes and dpkg's status
 * file are all made of stanzas: "Name: value" fields, one per line, values
 * continued on lines that start with a space or a tab, stanzas separated by
 * blank lines (Debian Policy 5.1, deb822(5)).  This module reads such text
 * into stanzas of ordered fields and writes stanzas back; every such file
 * that jprepo reads goes through it.
 *
 * A field's value is kept as it was written, so that writing it back gives
 * the same text: the first line without the blanks after the colon, then
 * for each continuation line "\n" and the line as it is, its leading blank
 * included ("Description: short\n long\n .\n more" gives the value
 * "short\n long\n .\n more").  The " ." lines that stand for empty lines
 * are not decoded.  Field names are matched case-insensitively and kept as
 * written.
 */
#ifndef JP_DEB822_H
#define JP_DEB822_H

#include <stddef.h>

#include "pkg.h"

struct jp_ctx;

/* Flags of the reader. */
enum jp_deb822_flag {
	/*
	 * Lines starting with '#' are comments and skipped.  Policy 5.1 allows
	 * them only in source package control files (debian/control); dpkg
	 * refuses them in a binary package's control file, and so does this
	 * reader without the flag.
	 */
	JP_DEB822_COMMENTS = 1 << 0,
};

/* One stanza: its fields in the order they were read. */
struct jp_deb822_stanza {
	struct jp_field *fields;  /* name and value owned by the stanza */
	size_t nfields;
	size_t cap;
	unsigned long line;       /* line of its first field (1-based), 0 if built */
};

/* A reader over a buffer, giving one stanza at a time. */
struct jp_deb822_reader {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned long line;       /* lines consumed so far */
	const char *what;         /* the file's name, for messages */
	unsigned flags;           /* enum jp_deb822_flag */
};

/* Output: text appended to a growing buffer (NUL-terminated). */
struct jp_deb822_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* --- stanzas --- */
void jp_deb822_stanza_init(struct jp_deb822_stanza *st);
/* Free the fields; the stanza is then empty and reusable.  NULL is a no-op. */
void jp_deb822_stanza_release(struct jp_deb822_stanza *st);
/* Value of the field `name` (any case), or NULL when the stanza has none. */
const char *jp_deb822_get(const struct jp_deb822_stanza *st, const char *name);
/* Append a field (copies of name and value); no check for duplicates. */
void jp_deb822_add(struct jp_deb822_stanza *st, const char *name,
    const char *value);

/* --- reading --- */
/*
 * Read `len` bytes of `buf` (not necessarily NUL-terminated; it must stay
 * valid while the reader is used); `what` names the text in messages.
 */
void jp_deb822_reader_init(struct jp_deb822_reader *r, const char *buf,
    size_t len, const char *what, unsigned flags);
/*
 * Read the next stanza into *st (released first).  Returns 1 when a stanza
 * was read, 0 at the end of the text, or a negative code with a message
 * that names the text and the line: "'what' line 7: field without a colon".
 *
 * The rules (Debian Policy 5.1, deb822(5)); where they leave a choice, the
 * one dpkg's parsers make:
 *   - a line ends at LF; blanks at the end of every line are dropped, a CR
 *     before the LF with them (dpkg-scanpackages' Dpkg::Control parser
 *     strips \s+ at the end of each line), so CRLF text reads as LF text;
 *   - a line that is empty after that separates stanzas; any number of
 *     them, and some at the start or end, are allowed;
 *   - a line starting with a space or tab continues the last field;
 *   - any other line is "Name: value": the name is one or more printable
 *     US-ASCII characters other than ':' and must not start with '-' or
 *     '#'; blanks between it and the colon and after the colon are
 *     dropped (dpkg's parsers accept "Name : value");
 *   - '#' lines are comments with JP_DEB822_COMMENTS and errors without;
 *   - errors: a line without a colon, a bad name, a continuation line with
 *     no field before it, a field given twice in a stanza (any case), a NUL
 *     byte.
 */
int jp_deb822_next(struct jp_ctx *ctx, struct jp_deb822_reader *r,
    struct jp_deb822_stanza *st);
/*
 * Read every stanza of a buffer.  On success returns 0 with a malloc'd
 * array in *out (free with jp_deb822_free()) and its length in *n.
 */
int jp_deb822_parse(struct jp_ctx *ctx, const char *buf, size_t len,
    const char *what, unsigned flags, struct jp_deb822_stanza **out,
    size_t *n);
void jp_deb822_free(struct jp_deb822_stanza *v, size_t n);

/* --- writing --- */
/*
 * Append one field: "Name: first line" (just "Name:" when the first line
 * is empty), then each continuation line.  A value from this module's
 * reader is written back exactly as it was read.  Values made elsewhere are
 * kept well formed: a continuation line that does not start with a blank
 * gets a space before it, and an empty one becomes " ." (Policy 5.6.13).
 */
void jp_deb822_write_field(struct jp_deb822_buf *b, const char *name,
    const char *value);
/* Append every field of a stanza (no blank line after it). */
void jp_deb822_write_stanza(struct jp_deb822_buf *b,
    const struct jp_deb822_stanza *st);
/* Append raw text. */
void jp_deb822_buf_put(struct jp_deb822_buf *b, const char *s, size_t n);
void jp_deb822_buf_puts(struct jp_deb822_buf *b, const char *s);
void jp_deb822_buf_release(struct jp_deb822_buf *b);

/* --- word lists (Components:, Architectures: ...) --- */
/* Add the len bytes at w to the list *v of *n distinct words (copied). */
void jp_deb822_words_add(char ***v, size_t *n, const char *w, size_t len);
/* Add each word of the blank-separated list (NULL: none). */
void jp_deb822_words_split(char ***v, size_t *n, const char *list);
/* Free the words and the array. */
void jp_deb822_words_free(char **v, size_t n);
/* Is w one of the words of the blank-separated list (NULL: none)? */
int jp_deb822_word_in(const char *list, const char *w);

#endif
