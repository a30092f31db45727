/* conffile_test.c: unit tests of jprepo.conf(5) parsing and precedence. */
#include "config.h"

#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conffile.h"
#include "ctx.h"
#include "testutil.h"

static struct jp_ctx ctx;

static struct jp_conffile *
parse_ok(const char *text)
{
	struct jp_conffile *cf = NULL;

	jp_ctx_init(&ctx, "jprepo");
	if (jp_conffile_parse(&ctx, "t.conf", text, strlen(text), &cf) != 0)
		fail_msg("refused: %s", jp_error_msg(&ctx));
	assert_non_null(cf);
	return cf;
}

/* The text is refused with a message that starts with want. */
static void
parse_bad(const char *text, const char *want)
{
	struct jp_conffile *cf = (void *)1;

	jp_ctx_init(&ctx, "jprepo");
	assert_int_equal(jp_conffile_parse(&ctx, "t.conf", text, strlen(text),
	    &cf), JP_ERR_USAGE);
	assert_null(cf);
	if (strncmp(jp_error_msg(&ctx), want, strlen(want)))
		fail_msg("message '%s', wanted it to start with '%s'",
		    jp_error_msg(&ctx), want);
}

static void
test_parse(void **state)
{
	struct jp_conffile *cf;

	(void)state;
	cf = parse_ok("# site defaults\n"
	    "\n"
	    "  store = /srv/jprepo/store  \n"
	    "trust=/etc/jprepo/ca.pem\r\n"
	    "\t# indented comment\n"
	    "[ import ]\n"
	    "store = \" /srv/with blanks # and hash \"\n"
	    "[plan]\n"
	    "repo = /srv/a\n"
	    "repo = http://h/b\n"
	    "security = true\n"
	    "[export]\n"
	    "sign-key = /k.pem\n"
	    "volume-size = 4G");
	assert_int_equal(cf->n, 8);
	assert_null(cf->v[0].section);
	assert_string_equal(cf->v[0].key, "store");
	assert_string_equal(cf->v[0].value, "/srv/jprepo/store");
	assert_int_equal(cf->v[0].line, 3);
	assert_string_equal(cf->v[1].key, "trust");
	assert_string_equal(cf->v[1].value, "/etc/jprepo/ca.pem");
	assert_int_equal(cf->v[1].line, 4);
	assert_string_equal(cf->v[2].section, "import");
	assert_string_equal(cf->v[2].value, " /srv/with blanks # and hash ");
	assert_int_equal(cf->v[2].line, 7);
	assert_string_equal(cf->v[3].section, "plan");
	assert_string_equal(cf->v[4].value, "http://h/b");
	assert_string_equal(cf->v[5].key, "security");
	assert_string_equal(cf->v[5].value, "true");
	assert_string_equal(cf->v[6].section, "export");
	assert_string_equal(cf->v[6].value, "/k.pem");
	assert_string_equal(cf->v[7].value, "4G");
	assert_int_equal(cf->v[7].line, 14);
	jp_conffile_free(cf);

	cf = parse_ok("");
	assert_int_equal(cf->n, 0);
	jp_conffile_free(cf);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	parse_bad("store = /s\nstorre = /x\n", "t.conf:2: unknown key 'storre'");
	parse_bad("\n[import]\nkeyring = /k\n",
	    "t.conf:3: unknown key 'keyring' in [import]");
	parse_bad("[imprt]\n", "t.conf:1: unknown section [imprt]");
	parse_bad("[help]\n", "t.conf:1: unknown section [help]");
	parse_bad("[import\n", "t.conf:1: bad section header");
	parse_bad("[import] store=/x\n", "t.conf:1: bad section header");
	parse_bad("# c\nstore /srv\n", "t.conf:2: not a setting");
	parse_bad("= /srv\n", "t.conf:1: no key before '='");
	parse_bad("Store = /srv\n", "t.conf:1: bad key 'Store'");
	parse_bad("--store = /srv\n", "t.conf:1: bad key '--store'");
	parse_bad("store =\n", "t.conf:1: no value for 'store'");
	parse_bad("store = \"\"\n", "t.conf:1: no value for 'store'");
	parse_bad("store = \"/srv\n", "t.conf:1: unbalanced '\"'");
	parse_bad("store = /srv # the store\n", "t.conf:1: '#' after a value");
	parse_bad("[plan]\nsecurity = yes\n",
	    "t.conf:2: 'security' is a flag: its value is true or false, not 'yes'");
	parse_bad("store = /a\n\nstore = /b\n",
	    "t.conf:3: 'store' is already set on line 1");
	parse_bad("[import]\nstore = /a\n[bundle]\n[import]\nstore = /b\n",
	    "t.conf:5: 'store' is already set on line 2");
	/* repo repeats only where every command that has it repeats it */
	parse_bad("repo = /a\nrepo = /b\n", "t.conf:2: 'repo' is already set");
	parse_bad("[apply]\nrepo = /a\nrepo = /b\n",
	    "t.conf:3: 'repo' is already set on line 2");
	{
		struct jp_conffile *cf = NULL;

		assert_int_equal(jp_conffile_parse(&ctx, "t.conf", "store = /a\0x\n",
		    13, &cf), JP_ERR_USAGE);
		assert_null(cf);
		assert_string_equal(jp_error_msg(&ctx),
		    "t.conf: not a text file (it holds a NUL byte)");
	}
}

static void
test_key_kind(void **state)
{
	(void)state;
	assert_int_equal(jp_conffile_key_kind("import", "store"), 1);
	assert_int_equal(jp_conffile_key_kind("plan", "security"), 2);
	assert_int_equal(jp_conffile_key_kind(NULL, "keyring"), 1);
	assert_int_equal(jp_conffile_key_kind("import", "keyring"), 0);
	assert_int_equal(jp_conffile_key_kind("export", "output"), 0);
	assert_int_equal(jp_conffile_key_kind("nosuch", "store"), 0);
	assert_int_equal(jp_conffile_key_kind(NULL, "quiet"), 0);
}

/* Run jp_conffile_args and compare the vector with want (NULL-ended). */
static void
args_check(const struct jp_conffile *cf, const char *command,
    const char *const *in, const char *const *want)
{
	struct jp_conffile_argv a;
	char *argv[32];
	int argc = 0, i, n;

	while (in[argc]) {
		argv[argc] = (char *)in[argc];
		argc++;
	}
	argv[argc] = NULL;
	n = jp_conffile_args(&ctx, cf, command, argc, argv, &a);
	for (i = 0; want[i]; i++) {
		if (i >= a.argc)
			fail_msg("argument %d missing, wanted '%s'", i, want[i]);
		if (strcmp(a.argv[i], want[i]))
			fail_msg("argument %d is '%s', wanted '%s'", i, a.argv[i],
			    want[i]);
	}
	assert_int_equal(a.argc, i);
	assert_null(a.argv[a.argc]);
	assert_int_equal(n, a.argc - argc);
	assert_int_equal(a.ninserted, n);
	jp_conffile_argv_free(&a);
}

#define V(...) ((const char *const []){ __VA_ARGS__, NULL })

static void
test_args(void **state)
{
	struct jp_conffile *cf;

	(void)state;
	cf = parse_ok("store = /top/store\n"
	    "trust = /top/ca.pem\n"
	    "keyring = /top/key.asc\n"
	    "key = TOPKEY\n"
	    "[import]\n"
	    "trust = /imp/ca.pem\n"
	    "[plan]\n"
	    "repo = /r1\n"
	    "repo = /r2\n"
	    "security = true\n"
	    "[verify]\n"
	    "packages = false\n");

	/* the section beats the top, in the table's order */
	args_check(cf, "import", V("jprepo import", "B"),
	    V("jprepo import", "--store=/top/store", "--trust=/imp/ca.pem", "B"));
	/* the command line beats both: by name, abbreviation, = or not */
	args_check(cf, "import", V("jprepo import", "--store", "/s", "B"),
	    V("jprepo import", "--trust=/imp/ca.pem", "--store", "/s", "B"));
	args_check(cf, "import", V("jprepo import", "B", "--st=/s", "--tr", "/c"),
	    V("jprepo import", "B", "--st=/s", "--tr", "/c"));
	/* the value of --trust is not taken for an option */
	args_check(cf, "import", V("jprepo import", "--trust", "--store", "B"),
	    V("jprepo import", "--store=/top/store", "--trust", "--store", "B"));
	/* after "--" nothing is an option */
	args_check(cf, "import", V("jprepo import", "--", "--store=/x"),
	    V("jprepo import", "--store=/top/store", "--trust=/imp/ca.pem", "--",
	    "--store=/x"));
	/* repeatable: all of them, or none when the command line has one */
	args_check(cf, "plan", V("jprepo plan", "S"),
	    V("jprepo plan", "--repo=/r1", "--repo=/r2", "--security", "S"));
	args_check(cf, "plan", V("jprepo plan", "--repo=/mine", "S"),
	    V("jprepo plan", "--security", "--repo=/mine", "S"));
	/* a flag set to false adds nothing; a top key the command has */
	args_check(cf, "verify", V("jprepo verify", "R"),
	    V("jprepo verify", "--keyring=/top/key.asc", "R"));
	/* short aliases, in clusters; -j's value is not an option */
	args_check(cf, "sign", V("jprepo sign", "-qkID", "R"),
	    V("jprepo sign", "-qkID", "R"));
	args_check(cf, "sign", V("jprepo sign", "-q", "-k", "ID", "R"),
	    V("jprepo sign", "-q", "-k", "ID", "R"));
	args_check(cf, "sign", V("jprepo sign", "-v", "R"),
	    V("jprepo sign", "--key=TOPKEY", "-v", "R"));
	/* -o's value "k" of key export is not -k */
	args_check(cf, "key", V("jprepo key", "export", "-ok"),
	    V("jprepo key", "export", "--key=TOPKEY", "-ok"));
	args_check(cf, "key", V("jprepo key", "generate"),
	    V("jprepo key", "generate"));
	/* sub-commands: after them, only their own keys; none before one */
	args_check(cf, "bundle", V("jprepo bundle", "verify", "D"),
	    V("jprepo bundle", "verify", "--trust=/top/ca.pem",
	    "--store=/top/store", "D"));
	args_check(cf, "bundle", V("jprepo bundle", "info", "D"),
	    V("jprepo bundle", "info", "--trust=/top/ca.pem", "D"));
	args_check(cf, "bundle", V("jprepo bundle", "--help"),
	    V("jprepo bundle", "--help"));
	/* commands the file says nothing about, and no file at all */
	args_check(cf, "history", V("jprepo history"), V("jprepo history"));
	args_check(cf, "help", V("jprepo help", "import"),
	    V("jprepo help", "import"));
	args_check(NULL, "import", V("jprepo import", "B"),
	    V("jprepo import", "B"));
	jp_conffile_free(cf);

	/* a section's false beats the top's true */
	cf = parse_ok("security = true\n[apply]\nsecurity = false\n");
	args_check(cf, "apply", V("jprepo apply", "P"), V("jprepo apply", "P"));
	args_check(cf, "plan", V("jprepo plan", "S"),
	    V("jprepo plan", "--security", "S"));
	jp_conffile_free(cf);
}

/*
 * The oracle for precedence is getopt_long(3) itself, parsing the vector
 * with import's options the way cmd_import.c does: the last value wins.
 */
static void
test_precedence_getopt(void **state)
{
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "store", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "sign", required_argument, NULL, 'g' },
		{ "homedir", required_argument, NULL, 'H' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct jp_conffile *cf;
	struct jp_conffile_argv a;
	char *argv[] = { "jprepo import", "BUNDLE", "--sto", "/cli/store",
	    "--wait=5", NULL };
	const char *store = NULL, *trust = NULL, *wait = NULL, *home = NULL;
	int c, nstore = 0;

	(void)state;
	cf = parse_ok("store = /top/store\nhomedir = /top/gpg\n"
	    "[import]\ntrust = /imp/ca.pem\nwait = 60\n");
	jp_conffile_args(&ctx, cf, "import", 5, argv, &a);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(a.argc, a.argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			store = optarg;
			nstore++;
			break;
		case 't':
			trust = optarg;
			break;
		case 'w':
			wait = optarg;
			break;
		case 'H':
			home = optarg;
			break;
		default:
			fail_msg("getopt refused an argument");
		}
	}
	assert_string_equal(store, "/cli/store");
	assert_int_equal(nstore, 1);
	assert_string_equal(wait, "5");
	assert_string_equal(trust, "/imp/ca.pem");
	assert_string_equal(home, "/top/gpg");
	assert_int_equal(a.argc - optind, 1);
	assert_string_equal(a.argv[optind], "BUNDLE");
	jp_conffile_argv_free(&a);
	jp_conffile_free(cf);
}

static void
test_load(void **state)
{
	struct jp_conffile *cf = (void *)1;
	char dir[256], path[512], *big, *abs;

	(void)state;
	jp_ctx_init(&ctx, "jprepo");
	assert_int_equal(tu_tmpdir(dir, sizeof(dir), "conffile"), 0);
	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	assert_int_equal(jp_conffile_load(&ctx, path, 1, &cf), 0);
	assert_null(cf);
	assert_int_equal(jp_conffile_load(&ctx, path, 0, &cf), JP_ERR_USAGE);
	assert_non_null(strstr(jp_error_msg(&ctx), "cannot read the configuration"));
	assert_non_null(strstr(jp_error_msg(&ctx), "missing.conf"));
	/* a directory is no configuration, even as the optional default */
	assert_int_equal(jp_conffile_load(&ctx, dir, 1, &cf), JP_ERR_USAGE);

	snprintf(path, sizeof(path), "%s/jprepo.conf", dir);
	tu_spew(path, "[import]\nstore = /s\n", 20);
	assert_int_equal(jp_conffile_load(&ctx, path, 0, &cf), 0);
	assert_int_equal(cf->n, 1);
	assert_string_equal(cf->path, path);
	jp_conffile_free(cf);
	tu_spew(path, "[import]\nstore = /s\nbogus = 1\n", 30);
	assert_int_equal(jp_conffile_load(&ctx, path, 1, &cf), JP_ERR_USAGE);
	assert_non_null(strstr(jp_error_msg(&ctx), "jprepo.conf:3: unknown key"));

	big = jp_xmalloc(JP_CONFFILE_MAX + 1);
	memset(big, '\n', JP_CONFFILE_MAX + 1);
	tu_spew(path, big, JP_CONFFILE_MAX + 1);
	assert_int_equal(jp_conffile_load(&ctx, path, 0, &cf), JP_ERR_USAGE);
	assert_non_null(strstr(jp_error_msg(&ctx), "too big"));
	tu_spew(path, big, JP_CONFFILE_MAX);
	assert_int_equal(jp_conffile_load(&ctx, path, 0, &cf), 0);
	jp_conffile_free(cf);
	free(big);

	assert_int_equal(chdir(dir), 0);
	abs = jp_conffile_abspath("jprepo.conf");
	assert_string_equal(abs, path);
	free(abs);
	abs = jp_conffile_abspath("/etc/x");
	assert_string_equal(abs, "/etc/x");
	free(abs);
	assert_int_equal(chdir("/"), 0);
	tu_tmpdir_remove(&ctx, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_key_kind),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_precedence_getopt),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
