/*
 * deb822_test.c: unit tests of the deb822 reader and writer.
 *
 * Besides fixed cases, every text is also read by dpkg's own Perl parser
 * (Dpkg::Control::HashCore, what dpkg-scanpackages uses) and the two
 * readings are compared field by field.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "deb822.h"
#include "fsutil.h"
#include "testutil.h"

static int
setup(void **state)
{
	return tu_setup(state, "deb822_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

static int
parse_all(struct tu_fixture *f, const char *text, unsigned flags,
    struct jp_deb822_stanza **v, size_t *n)
{
	return jp_deb822_parse(&f->ctx, text, strlen(text), "t", flags, v, n);
}

static void
test_parse_basic(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_deb822_stanza *v;
	size_t n;
	const char *text =
	    "\n\n"
	    "Package: foo\n"
	    "version:  1.0-1\n"
	    "Description: short\n"
	    " long line one\n"
	    " .\n"
	    "   indented\n"
	    "X-Empty:\n"
	    "\n"
	    "\n"
	    "Package: bar\n"
	    "Conffiles:\n"
	    " /etc/a 0123\n"
	    "Last: x";

	assert_int_equal(parse_all(f, text, 0, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].nfields, 4);
	assert_int_equal(v[0].line, 3);
	assert_string_equal(v[0].fields[0].name, "Package");
	assert_string_equal(v[0].fields[1].name, "version");
	assert_string_equal(v[0].fields[2].name, "Description");
	assert_string_equal(v[0].fields[3].name, "X-Empty");
	/* lookups ignore case */
	assert_string_equal(jp_deb822_get(&v[0], "VERSION"), "1.0-1");
	assert_string_equal(jp_deb822_get(&v[0], "description"),
	    "short\n long line one\n .\n   indented");
	assert_string_equal(jp_deb822_get(&v[0], "x-empty"), "");
	assert_null(jp_deb822_get(&v[0], "Conffiles"));
	assert_int_equal(v[1].line, 12);
	assert_string_equal(jp_deb822_get(&v[1], "Conffiles"), "\n /etc/a 0123");
	assert_string_equal(jp_deb822_get(&v[1], "last"), "x");
	jp_deb822_free(v, n);

	/* nothing but blank lines: no stanza */
	assert_int_equal(parse_all(f, "\n \n\t\n", 0, &v, &n), 0);
	assert_int_equal(n, 0);
	jp_deb822_free(v, n);
}

static void
test_crlf_and_blanks(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_deb822_stanza *v;
	size_t n;

	assert_int_equal(parse_all(f, "A: 1 \r\nB:\tx y\t\r\n more \r\n"
	    "\r\n  \r\nC : 3\r\n", 0, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(jp_deb822_get(&v[0], "A"), "1");
	assert_string_equal(jp_deb822_get(&v[0], "B"), "x y\n more");
	assert_string_equal(v[1].fields[0].name, "C");
	assert_string_equal(jp_deb822_get(&v[1], "C"), "3");
	jp_deb822_free(v, n);
}

static void
test_comments(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_deb822_stanza *v;
	size_t n;
	const char *text = "# head\nSource: x\n# inside\nBuild-Depends: a,\n"
	    "# between continuation lines\n b\n";

	assert_int_equal(parse_all(f, text, JP_DEB822_COMMENTS, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].nfields, 2);
	assert_string_equal(jp_deb822_get(&v[0], "Build-Depends"), "a,\n b");
	jp_deb822_free(v, n);

	assert_int_equal(parse_all(f, text, 0, &v, &n), JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx),
	    "'t' line 1: comment lines are not allowed here");
}

static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "A: 1\nB: 2\n\nC: 3\nnocolon\n", "'t' line 5: field without a colon" },
		{ " cont\nA: 1\n", "'t' line 1: continuation line outside a field" },
		{ "A: 1\n\n cont\n", "'t' line 3: continuation line outside a field" },
		{ "A: 1\nB: 2\na: 3\n", "'t' line 3: duplicate field 'a'" },
		{ "-A: 1\n", "'t' line 1: field name starts with '-'" },
		{ "A B: 1\n", "'t' line 1: invalid character in field name" },
		{ ": 1\n", "'t' line 1: field with an empty name" },
		{ "A\xc3\xa9: 1\n", "'t' line 1: invalid character in field name" },
	};
	struct tu_fixture *f = *state;
	struct jp_deb822_stanza *v;
	size_t n, i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = (void *)1;
		assert_int_equal(parse_all(f, cases[i].text, 0, &v, &n), JP_ERR);
		assert_null(v);
		assert_string_equal(jp_error_msg(&f->ctx), cases[i].msg);
	}
	/* a NUL byte inside the text */
	assert_int_equal(jp_deb822_parse(&f->ctx, "A: 1\nB: x\0y\n", 11, "t",
	    0, &v, &n), JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx), "'t' line 2: NUL byte");
}

static void
test_reader_stepwise(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_deb822_reader r;
	struct jp_deb822_stanza st;
	const char *text = "A: 1\n\nB: 2\n\nbad line\n";

	jp_deb822_stanza_init(&st);
	jp_deb822_reader_init(&r, text, strlen(text), "t", 0);
	assert_int_equal(jp_deb822_next(&f->ctx, &r, &st), 1);
	assert_string_equal(st.fields[0].name, "A");
	assert_int_equal(jp_deb822_next(&f->ctx, &r, &st), 1);
	assert_string_equal(st.fields[0].name, "B");
	assert_int_equal(st.line, 3);
	/* the error comes only when its stanza is read */
	assert_int_equal(jp_deb822_next(&f->ctx, &r, &st), JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx),
	    "'t' line 5: field without a colon");
	assert_int_equal(st.nfields, 0);
	jp_deb822_stanza_release(&st);
}

static void
test_write(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_deb822_stanza *v;
	struct jp_deb822_buf b = { 0 };
	size_t n, i;
	const char *canon =
	    "Package: foo\n"
	    "Description: short\n"
	    " long\n"
	    " .\n"
	    "\t tab-indented\n"
	    "Conffiles:\n"
	    " /etc/a 0123\n"
	    "\n"
	    "Package: bar\n";

	/* what the reader read, the writer writes back unchanged */
	assert_int_equal(parse_all(f, canon, 0, &v, &n), 0);
	for (i = 0; i < n; i++) {
		if (i)
			jp_deb822_buf_puts(&b, "\n");
		jp_deb822_write_stanza(&b, &v[i]);
	}
	assert_string_equal(b.data, canon);
	jp_deb822_free(v, n);
	jp_deb822_buf_release(&b);

	/* values made elsewhere stay well formed */
	jp_deb822_write_field(&b, "X", "a\nb\n\n c");
	jp_deb822_write_field(&b, "Y", "");
	jp_deb822_write_field(&b, "Z", NULL);
	assert_string_equal(b.data, "X: a\n b\n .\n c\nY:\nZ:\n");
	assert_int_equal(parse_all(f, b.data, 0, &v, &n), 0);
	assert_string_equal(jp_deb822_get(&v[0], "X"), "a\n b\n .\n c");
	jp_deb822_free(v, n);
	jp_deb822_buf_release(&b);

	/* a stanza built by hand */
	{
		struct jp_deb822_stanza st;

		jp_deb822_stanza_init(&st);
		jp_deb822_add(&st, "A", "1");
		jp_deb822_add(&st, "B", "x\n y");
		assert_string_equal(jp_deb822_get(&st, "b"), "x\n y");
		jp_deb822_write_stanza(&b, &st);
		assert_string_equal(b.data, "A: 1\nB: x\n y\n");
		jp_deb822_stanza_release(&st);
		jp_deb822_buf_release(&b);
	}
}

/* --- dpkg's Perl parser as the oracle --- */

/*
 * Dump every stanza the way the Perl side below does: "F\tname\tvalue"
 * with \ and newlines escaped, "S" after each stanza.  Dpkg keeps a
 * continuation line without its first blank, and takes one '.' off a line
 * of dots; the same is done here to our values, which keep the lines as
 * written.
 */
static void
dump_escaped(struct jp_deb822_buf *b, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\\')
			jp_deb822_buf_puts(b, "\\\\");
		else
			jp_deb822_buf_put(b, p + i, 1);
	}
}

static void
dump_ours(const struct jp_deb822_stanza *v, size_t n,
    struct jp_deb822_buf *b)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < v[i].nfields; k++) {
			const char *p = v[i].fields[k].value;
			const char *nl = strchr(p, '\n');

			jp_deb822_buf_puts(b, "F\t");
			jp_deb822_buf_puts(b, v[i].fields[k].name);
			jp_deb822_buf_puts(b, "\t");
			dump_escaped(b, p, nl ? (size_t)(nl - p) : strlen(p));
			while (nl) {
				size_t m;

				p = nl + 2;     /* without its first blank */
				nl = strchr(p, '\n');
				m = nl ? (size_t)(nl - p) : strlen(p);
				if (m > 0 && strspn(p, ".") == m) {
					p++;
					m--;
				}
				jp_deb822_buf_puts(b, "\\n");
				dump_escaped(b, p, m);
			}
			jp_deb822_buf_puts(b, "\n");
		}
		jp_deb822_buf_puts(b, "S\n");
	}
}

static const char perl_dumper[] =
    "use strict; use warnings;\n"
    "use Dpkg::Control::HashCore;\n"
    "open(my $fh, '<', $ARGV[0]) or die;\n"
    "while (1) {\n"
    "  my $c = Dpkg::Control::HashCore->new(allow_duplicate => 0);\n"
    "  last unless $c->parse($fh, 'input');\n"
    "  foreach my $k (keys %$c) {\n"
    "    my $v = $c->{$k}; $v =~ s/\\\\/\\\\\\\\/g; $v =~ s/\\n/\\\\n/g;\n"
    "    print \"F\\t$k\\t$v\\n\";\n"
    "  }\n"
    "  print \"S\\n\";\n"
    "}\n";

/* Run the Perl dumper on a file; its stdout in *out, exit status returned. */
static int
perl_dump(struct tu_fixture *f, const char *file, char **out)
{
	char *script = jp_path_join(f->dir, "dump.pl");
	char *cmd, *res = jp_path_join(f->dir, "dump.out");
	size_t len;
	int st;

	assert_int_equal(jp_file_write_atomic(&f->ctx, script, perl_dumper,
	    strlen(perl_dumper)), 0);
	cmd = jp_xasprintf("perl '%s' '%s' >'%s' 2>/dev/null", script, file, res);
	st = system(cmd);
	*out = NULL;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		assert_int_equal(jp_file_read(&f->ctx, res, out, &len), 0);
	free(cmd);
	free(script);
	free(res);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_dpkg_oracle(void **state)
{
	static const char *const good[] = {
		"Package: foo\nVersion: 1.0\nDescription: short\n long\n .\n"
		" ..\n  two blanks\n\t tab\nX-Weird: a:b: c \n\n"
		"Package: bar\nconffiles:\n /etc/x 1\n /etc/y 2\n",
		"\n\n  \nA:1\nB :  2\nC:\n",
		"A: 1\r\nB: 2\r\n more\r\n\r\nC: 3\r\n",
		"# comment\nA: 1\n# inside\nB: 2\n# in a value\n cont\n",
		"Package: p\nDescription: x\n .\n ...\n ....x\n",
	};
	static const char *const bad[] = {
		"A: 1\nno colon here\n",
		" starts with continuation\n",
		"A: 1\nB: 2\nA: 3\n",
		"-A: 1\n",
	};
	struct tu_fixture *f = *state;
	char *file = jp_path_join(f->dir, "in");
	size_t i;

	if (system("perl -MDpkg::Control::HashCore -e 1 2>/dev/null") != 0) {
		free(file);
		skip();
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct jp_deb822_stanza *v;
		struct jp_deb822_buf b = { 0 };
		char *theirs;
		size_t n;

		assert_int_equal(jp_file_write_atomic(&f->ctx, file, good[i],
		    strlen(good[i])), 0);
		assert_int_equal(perl_dump(f, file, &theirs), 0);
		assert_int_equal(parse_all(f, good[i], JP_DEB822_COMMENTS, &v,
		    &n), 0);
		dump_ours(v, n, &b);
		/* Dpkg spells the names its own way: compare them ignoring case */
		if (strcasecmp(b.data, theirs)) {
			fprintf(stderr, "case %zu\nours:\n%s\ndpkg:\n%s\n", i,
			    b.data, theirs);
			fail();
		}
		free(theirs);
		jp_deb822_buf_release(&b);
		jp_deb822_free(v, n);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jp_deb822_stanza *v;
		char *theirs;
		size_t n;

		assert_int_equal(jp_file_write_atomic(&f->ctx, file, bad[i],
		    strlen(bad[i])), 0);
		assert_int_not_equal(perl_dump(f, file, &theirs), 0);
		assert_int_equal(parse_all(f, bad[i], 0, &v, &n), JP_ERR);
	}
	free(file);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_and_blanks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_stepwise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dpkg_oracle, setup, teardown),
	};

	return cmocka_run_group_tests_name("deb822", tests, NULL, NULL);
}
