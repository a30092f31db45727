/*
 * json_test.c: unit tests of the JSON tokenizer.
 *
 * Every document is tokenized three ways, from memory and through the
 * read callback one byte and seven bytes at a time, and the three token
 * streams (or errors, with their offsets) must agree: a token, escape or
 * UTF-8 sequence split across reads must come out the same.  What valid
 * documents decode to is compared with Python's json module (the oracle)
 * when python3 is there; what counts as invalid follows RFC 8259, and the
 * offsets were counted by hand.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctx.h"
#include "json.h"
#include "testutil.h"

/* --- a token stream as text --- */

struct sb {
	char *p;
	size_t n, cap;
};

static void
sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sb_puts(struct sb *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* s with bytes outside printable ASCII as \xNN. */
static void
sb_text(struct sb *b, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char buf[8];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			sb_put(b, (const char *)&c, 1);
		} else {
			snprintf(buf, sizeof(buf), "\\x%02x", c);
			sb_puts(b, buf);
		}
	}
}

struct chunks {
	const char *doc;
	size_t len, pos, step;
	int fail_at;      /* >= 0: the read at this offset fails */
};

static long
chunk_read(void *opaque, void *buf, size_t size)
{
	struct chunks *c = opaque;
	size_t n = c->len - c->pos;

	if (c->fail_at >= 0 && c->pos >= (size_t)c->fail_at)
		return -1;
	if (n > c->step)
		n = c->step;
	if (n > size)
		n = size;
	memcpy(buf, c->doc + c->pos, n);
	c->pos += n;
	return (long)n;
}

/*
 * Tokenize j to the end: "{ K:a S:b N:1 [ T F Z ] } END", or the tokens
 * up to an error and then "ERR@OFFSET msg".
 */
static char *
run(struct jp_json *j)
{
	struct sb b = { NULL, 0, 0 };
	enum jp_json_tok tok;
	int guard;

	sb_puts(&b, "");
	for (guard = 0; guard < 10000; guard++) {
		size_t len;
		const char *t;
		char err[256];

		if (jp_json_next(j, &tok) < 0) {
			snprintf(err, sizeof(err), "ERR@%llu %s",
			    (unsigned long long)jp_json_error_offset(j),
			    jp_json_error(j));
			sb_puts(&b, err);
			/* and it stays failed */
			assert_int_equal(jp_json_next(j, &tok), -1);
			break;
		}
		t = jp_json_text(j, &len);
		switch (tok) {
		case JP_JSON_END: sb_puts(&b, "END"); break;
		case JP_JSON_OBJ_BEGIN: sb_puts(&b, "{ "); break;
		case JP_JSON_OBJ_END: sb_puts(&b, "} "); break;
		case JP_JSON_ARR_BEGIN: sb_puts(&b, "[ "); break;
		case JP_JSON_ARR_END: sb_puts(&b, "] "); break;
		case JP_JSON_KEY: sb_puts(&b, "K:"); sb_text(&b, t, len);
			sb_puts(&b, " "); break;
		case JP_JSON_STRING: sb_puts(&b, "S:"); sb_text(&b, t, len);
			sb_puts(&b, " "); break;
		case JP_JSON_NUMBER: sb_puts(&b, "N:"); sb_text(&b, t, len);
			sb_puts(&b, " "); break;
		case JP_JSON_TRUE: sb_puts(&b, "T "); break;
		case JP_JSON_FALSE: sb_puts(&b, "F "); break;
		case JP_JSON_NULL: sb_puts(&b, "Z "); break;
		}
		if (tok == JP_JSON_END) {
			/* END again, forever */
			assert_int_equal(jp_json_next(j, &tok), 0);
			assert_int_equal(tok, JP_JSON_END);
			break;
		}
	}
	return b.p;
}

/* Tokenize len bytes of doc from memory and in 1- and 7-byte reads. */
static char *
tokens_n(const char *doc, size_t len)
{
	static const size_t steps[] = { 1, 7, 65536 };
	struct jp_json j;
	char *mem;
	size_t i;

	jp_json_init_mem(&j, doc, len);
	mem = run(&j);
	jp_json_release(&j);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct chunks c = { doc, len, 0, steps[i], -1 };
		char *got;

		jp_json_init_reader(&j, chunk_read, &c);
		got = run(&j);
		jp_json_release(&j);
		if (strcmp(got, mem))
			print_error("reads of %zu bytes: '%s'\nfrom memory: "
			    "'%s'\n", steps[i], got, mem);
		assert_string_equal(got, mem);
		free(got);
	}
	return mem;
}

static char *
tokens(const char *doc)
{
	return tokens_n(doc, strlen(doc));
}

static void
expect(const char *doc, const char *want)
{
	char *got = tokens(doc);

	if (strcmp(got, want))
		print_error("document: %s\n", doc);
	assert_string_equal(got, want);
	free(got);
}

/* The document fails at offset at with a message containing msg. */
static void
expect_err_n(const char *doc, size_t len, unsigned long long at,
    const char *msg)
{
	char *got = tokens_n(doc, len), *e = strstr(got, "ERR@");
	char want[32];

	if (!e || !strstr(e, msg))
		print_error("document '%s': want an error '%s', got '%s'\n",
		    doc, msg, got);
	assert_non_null(e);
	assert_non_null(strstr(e, msg));
	snprintf(want, sizeof(want), "ERR@%llu ", at);
	if (strncmp(e, want, strlen(want)))
		print_error("document '%s': want the error at byte %llu, got "
		    "'%s'\n", doc, at, e);
	assert_true(strncmp(e, want, strlen(want)) == 0);
	free(got);
}

static void
expect_err(const char *doc, unsigned long long at, const char *msg)
{
	expect_err_n(doc, strlen(doc), at, msg);
}

/* --- valid documents --- */

static void
test_structure(void **state)
{
	(void)state;
	expect("{\"a\": [1, -2.5e+3, true, false, null, \"x\"], \"b\": {}}",
	    "{ K:a [ N:1 N:-2.5e+3 T F Z S:x ] K:b { } } END");
	expect(" [ ] ", "[ ] END");
	expect("[[[]],[{}]]", "[ [ [ ] ] [ { } ] ] END");
	/* RFC 8259 section 2: any value at the top */
	expect("\"top\"", "S:top END");
	expect("42", "N:42 END");
	expect("\t\r\n null \n", "Z END");
	/* an empty member name */
	expect("{\"\":\"\"}", "{ K: S: } END");
	/* section 8.1: a byte order mark may be ignored */
	expect("\xef\xbb\xbf{\"k\":1}", "{ K:k N:1 } END");
}

static void
test_numbers(void **state)
{
	(void)state;
	expect("[0, -0, 10, 0.5, -0.0, 1e5, 1E+5, 1e-5, 123.456e789]",
	    "[ N:0 N:-0 N:10 N:0.5 N:-0.0 N:1e5 N:1E+5 N:1e-5 "
	    "N:123.456e789 ] END");
	expect("-12345678901234567890123", "N:-12345678901234567890123 END");
}

static void
test_strings(void **state)
{
	(void)state;
	/* section 7: the two-character escapes */
	expect("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"",
	    "S:\" \\x5c / \\x08 \\x0c \\x0a \\x0d \\x09 END");
	/* \u escapes in one, two and three UTF-8 bytes */
	expect("\"\\u0041\\u00e9\\u20AC\"", "S:A\\xc3\\xa9\\xe2\\x82\\xac END");
	/* a surrogate pair: U+1F600 */
	expect("\"\\ud83d\\ude00\"", "S:\\xf0\\x9f\\x98\\x80 END");
	/* U+10FFFF, the last code point */
	expect("\"\\uDBFF\\uDFFF\"", "S:\\xf4\\x8f\\xbf\\xbf END");
	/* \u0000 decodes to a NUL byte inside the text */
	expect("\"a\\u0000b\"", "S:a\\x00b END");
	/* raw UTF-8: two, three and four bytes */
	expect("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	    "S:\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80 END");
	/* DEL (0x7f) is no control character in RFC 8259 */
	expect("\"\x7f\"", "S:\\x7f END");
}

/* --- invalid documents: the message and the offset --- */

static void
test_errors_structure(void **state)
{
	(void)state;
	expect_err("", 0, "empty document");
	expect_err("  \n", 3, "empty document");
	expect_err("[1,]", 3, "expected a value, got ']'");
	expect_err("{\"a\":1,}", 7, "expected a member name");
	expect_err("{\"a\" 1}", 5, "expected ':' after a member name");
	expect_err("{1:2}", 1, "expected a member name");
	expect_err("[1 2]", 3, "expected ',' or ']', got '2'");
	expect_err("{\"a\":1 \"b\":2}", 7, "expected ',' or '}'");
	expect_err("[1}", 2, "expected ',' or ']', got '}'");
	expect_err("1 2", 2, "after the top-level value");
	expect_err("{} x", 3, "after the top-level value");
	expect_err("[[1]", 4, "unexpected end of input (1 unclosed");
	expect_err("{\"a\":", 5, "unexpected end of input");
	expect_err("tru", 0, "invalid literal (expected 'true')");
	expect_err("[nul]", 1, "invalid literal (expected 'null')");
	expect_err("True", 0, "expected a value, got 'T'");
	expect_err("'a'", 0, "expected a value");
	/* only the four whitespace characters of section 2 */
	expect_err("\f1", 0, "byte 0x0c");
	expect_err("[1,\v2]", 3, "byte 0x0b");
	/* a byte order mark that is not one */
	expect_err("\xef\xbb{}", 0, "invalid UTF-8 at the start");
}

static void
test_errors_numbers(void **state)
{
	(void)state;
	expect_err("01", 0, "leading zeros");
	expect_err("[-01]", 1, "leading zeros");
	expect_err("1.", 2, "expected a digit after '.'");
	expect_err("1.e5", 2, "expected a digit after '.'");
	expect_err("-", 1, "expected a digit after '-'");
	expect_err("[-a]", 2, "expected a digit after '-'");
	expect_err("1e", 2, "after the exponent");
	expect_err("1e+", 3, "after the exponent");
	expect_err("+1", 0, "expected a value, got '+'");
	expect_err(".5", 0, "expected a value, got '.'");
	expect_err("[1.5.2]", 4, "expected ',' or ']', got '.'");
	expect_err("0x10", 1, "after the top-level value");
	expect_err("Infinity", 0, "expected a value");
	expect_err("NaN", 0, "expected a value");
}

static void
test_errors_strings(void **state)
{
	(void)state;
	expect_err("\"abc", 0, "unterminated string");
	expect_err("[\"a\\", 1, "unterminated string");
	expect_err("\"a\tb\"", 2, "control character U+0009");
	expect_err("\"a\nb\"", 2, "control character U+000A");
	expect_err("\"\\x41\"", 1, "backslash followed by 'x'");
	expect_err("\"\\u12G4\"", 5, "expected a hex digit");
	expect_err("\"\\u12\"", 5, "expected a hex digit");
	/* lone surrogates */
	expect_err("\"\\udc00\"", 1, "lone low surrogate \\uDC00");
	expect_err("\"\\ud800\"", 7, "not followed by a low surrogate");
	expect_err("\"\\ud800x\"", 7, "not followed by a low surrogate");
	expect_err("\"\\ud800\\n\"", 7, "not followed by a low surrogate");
	expect_err("\"\\ud800\\u0041\"", 7, "followed by \\u0041, not a low");
	expect_err("\"\\ud800\\ud800\"", 7, "not a low surrogate");
	/* RFC 3629: invalid UTF-8 */
	expect_err("\"\x80\"", 1, "invalid UTF-8 (byte 0x80)");
	/* overlong forms, an encoded surrogate, above U+10FFFF */
	expect_err("\"\xc0\x80\"", 1, "invalid UTF-8 (byte 0xc0)");
	expect_err("\"\xc1\xbf\"", 1, "invalid UTF-8 (byte 0xc1)");
	expect_err("\"\xe0\x80\x80\"", 1, "not continued properly");
	expect_err("\"\xed\xa0\x80\"", 1, "not continued properly");
	expect_err("\"\xf0\x80\x80\x80\"", 1, "not continued properly");
	expect_err("\"\xf4\x90\x80\x80\"", 1, "not continued properly");
	expect_err("\"\xf5\x80\x80\x80\"", 1, "invalid UTF-8 (byte 0xf5)");
	expect_err("\"\xc3\"", 1, "not continued properly");
	expect_err("\"\xe2\x82\"", 1, "not continued properly");
	expect_err("\"\xc3", 1, "not continued properly");
	/* UTF-8 outside strings is no token either */
	expect_err("\xc3\xa9", 0, "expected a value, got byte 0xc3");
	/* a NUL byte in the document */
	expect_err_n("[1,\0]", 5, 3, "expected a value, got byte 0x00");
	expect_err_n("\"a\0\"", 4, 2, "control character U+0000");
}

/* Nesting: JP_JSON_MAX_DEPTH levels are fine, one more is refused. */
static void
test_depth(void **state)
{
	char doc[2 * JP_JSON_MAX_DEPTH + 8];
	size_t i, n = 0;
	char *got;

	(void)state;
	n = 0;
	for (i = 0; i < JP_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (i = 0; i < JP_JSON_MAX_DEPTH; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	got = tokens(doc);
	assert_non_null(strstr(got, "END"));
	assert_null(strstr(got, "ERR"));
	free(got);

	n = 0;
	for (i = 0; i <= JP_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (i = 0; i <= JP_JSON_MAX_DEPTH; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	expect_err(doc, JP_JSON_MAX_DEPTH, "nesting deeper than 64 levels");

	/* objects count too: two objects, then arrays; the 65th opens at 72 */
	n = (size_t)snprintf(doc, sizeof(doc), "{\"a\":{\"b\":");
	for (i = 0; i < JP_JSON_MAX_DEPTH; i++)
		doc[n++] = '[';
	doc[n] = '\0';
	expect_err(doc, 10 + JP_JSON_MAX_DEPTH - 2, "nesting deeper");
}

/* jp_json_skip() skips a whole value and the depth follows. */
static void
test_skip(void **state)
{
	const char *doc = "{\"skip\": {\"a\": [1, {\"b\": [2, 3]}], \"c\": 4},"
	    " \"keep\": \"yes\", \"n\": 5}";
	struct jp_json j;
	enum jp_json_tok tok;

	(void)state;
	jp_json_init_mem(&j, doc, strlen(doc));
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_OBJ_BEGIN);
	assert_int_equal(jp_json_depth(&j), 1);
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_KEY);
	assert_string_equal(jp_json_text(&j, NULL), "skip");
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_OBJ_BEGIN);
	assert_int_equal(jp_json_depth(&j), 2);
	assert_int_equal(jp_json_skip(&j, tok), 0);
	assert_int_equal(jp_json_depth(&j), 1);
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_KEY);
	assert_string_equal(jp_json_text(&j, NULL), "keep");
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_STRING);
	/* skipping a scalar is a no-op */
	assert_int_equal(jp_json_skip(&j, tok), 0);
	assert_string_equal(jp_json_text(&j, NULL), "yes");
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_string_equal(jp_json_text(&j, NULL), "n");
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_NUMBER);
	assert_string_equal(jp_json_text(&j, NULL), "5");
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_OBJ_END);
	assert_int_equal(jp_json_depth(&j), 0);
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(tok, JP_JSON_END);
	jp_json_release(&j);

	/* a skip into broken input fails with the tokenizer's error */
	jp_json_init_mem(&j, "[[1, }", 6);
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(jp_json_next(&j, &tok), 0);
	assert_int_equal(jp_json_skip(&j, tok), -1);
	assert_non_null(strstr(jp_json_error(&j), "expected a value"));
	assert_int_equal(jp_json_error_offset(&j), 5);
	jp_json_release(&j);
}

/* A failing read callback is an error, reported at the offset reached. */
static void
test_read_error(void **state)
{
	const char *doc = "{\"a\": \"bcdefgh\"}";
	struct chunks c = { doc, strlen(doc), 0, 4, 8 };
	struct jp_json j;
	char *got;

	(void)state;
	jp_json_init_reader(&j, chunk_read, &c);
	got = run(&j);
	jp_json_release(&j);
	assert_string_equal(got, "{ K:a ERR@8 read error");
	free(got);
}

/*
 * The oracle: Python's json module decodes the same strings to the same
 * bytes.  Each line of the fixture is one JSON string; Python prints the
 * UTF-8 of each decoded value in hex, one per line; so does this test.
 */
static void
test_python_oracle(void **state)
{
	static const char *const docs[] = {
		"\"plain ascii\"",
		"\"\\u00e9t\\u00E9 \\u20ac \\ud834\\udd1e \\uffff \\u0800\"",
		"\"tab\\tnew\\nline\\rcr\\bbs\\fff\\/sl\\\\bs\\\"q\"",
		"\"\xce\xb1\xce\xb2\xce\xb3 \xe4\xb8\xad\xe6\x96\x87 "
		"\xf0\x9f\x92\xa9\"",
		"\"\\u007f\\u0080\\u07ff\\u0800\\ufffd\\ud800\\udc00\"",
		"\"\\uDBFF\\uDFFF\"",
	};
	struct tu_fixture *fx = *state;
	char path[256], *want;
	struct sb got = { NULL, 0, 0 };
	FILE *f;
	size_t i;

	if (!tu_have("python3"))
		skip();
	snprintf(path, sizeof(path), "%s/strings.txt", fx->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct jp_json j;
		enum jp_json_tok tok;
		size_t len, k;
		const char *t;

		fprintf(f, "%s\n", docs[i]);
		jp_json_init_mem(&j, docs[i], strlen(docs[i]));
		assert_int_equal(jp_json_next(&j, &tok), 0);
		assert_int_equal(tok, JP_JSON_STRING);
		t = jp_json_text(&j, &len);
		for (k = 0; k < len; k++) {
			char hx[4];

			snprintf(hx, sizeof(hx), "%02x", (unsigned char)t[k]);
			sb_puts(&got, hx);
		}
		sb_puts(&got, "\n");
		assert_int_equal(jp_json_next(&j, &tok), 0);
		assert_int_equal(tok, JP_JSON_END);
		jp_json_release(&j);
	}
	fclose(f);
	want = tu_capture(NULL, "python3 -c 'import json,sys\n"
	    "for l in open(sys.argv[1], encoding=\"utf-8\"):\n"
	    "    print(json.loads(l).encode(\"utf-8\").hex())' %s", path);
	assert_string_equal(got.p, want);
	free(want);
	free(got.p);
}

static int
setup(void **state)
{
	return tu_setup(state, "json_test");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_errors_structure),
		cmocka_unit_test(test_errors_numbers),
		cmocka_unit_test(test_errors_strings),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test_setup_teardown(test_python_oracle, setup,
		    tu_teardown),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
