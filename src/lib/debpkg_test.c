/*
 * debpkg_test.c: unit tests of the .deb reader.
 *
 * The fixtures are made at run time: .deb files by dpkg-deb (control.tar
 * gzip, xz, zstd and uncompressed, epochs, tildes, "all", amd64 and i386),
 * one assembled by hand with ar (extra '_' and trailing members), and
 * broken ones.  The oracles are dpkg-deb (the control fields, and whether
 * a file is broken), dpkg --compare-versions (the epoch split) and
 * md5sum/sha1sum/sha256sum/sha512sum.
 *
 * The program is linked with -Wl,--wrap=read so that the bytes the reader
 * reads can be counted: a package must be read exactly once.
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "deb822.h"
#include "debpkg.h"
#include "fsutil.h"
#include "pkg.h"
#include "testutil.h"

/* --- counting what read() returns (see the comment at the top) --- */

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);

static int count_reads;
static uint64_t bytes_read;

ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
	ssize_t r = __real_read(fd, buf, n);

	if (count_reads && r > 0)
		__atomic_add_fetch(&bytes_read, (uint64_t)r, __ATOMIC_RELAXED);
	return r;
}

/* --- fixtures --- */

static const char fixture_script[] =
	"set -e\n"
	"cd \"$1\"\n"
	"mkdir -p pool bad src hand\n"
	"mk() {\n"
	"  d=src/$1; mkdir -p $d/DEBIAN $d/usr/share/doc/$1\n"
	"  printf '%s\\n' \"$3\" > $d/DEBIAN/control\n"
	"  echo \"$1 $2\" > $d/usr/share/doc/$1/README\n"
	"  dpkg-deb --root-owner-group -Z$2 --build $d pool/ >/dev/null\n"
	"}\n"
	"mk hello-gz gzip 'Package: hello\n"
	"Version: 1.0-1\n"
	"Architecture: amd64\n"
	"Maintainer: Test <test@example.com>\n"
	"Installed-Size: 12\n"
	"Section: misc\n"
	"Priority: optional\n"
	"Homepage: https://example.com/hello\n"
	"X-Custom-Field: yes\n"
	"python-version: 3.11\n"
	"Description: greets the world\n"
	" A longer text.\n"
	" .\n"
	"  Indented line.'\n"
	"mk hello-xz xz 'Package: hello\n"
	"Version: 1:0.9~rc1-1\n"
	"Architecture: amd64\n"
	"Maintainer: Test <test@example.com>\n"
	"Description: an older hello with an epoch'\n"
	"mk hello-zst zstd 'Package: hello\n"
	"Version: 2.0~beta1-1\n"
	"Architecture: i386\n"
	"Maintainer: Test <test@example.com>\n"
	"Multi-Arch: same\n"
	"Description: i386 hello'\n"
	"mk common-none none 'Package: common\n"
	"Version: 1.0\n"
	"Architecture: all\n"
	"Maintainer: Test <test@example.com>\n"
	"Description: data for all architectures\n"
	" with two\n"
	" lines.'\n"
	/* by hand: control.tar.xz, data.tar.gz, '_' members, a trailing one */
	"cd hand\n"
	"printf '2.0\\n' > debian-binary\n"
	"printf 'abc' > _odd\n"
	"printf 'trailing member' > zz-after\n"
	"mkdir -p c d/usr/share/doc/handmade\n"
	"printf 'Package: handmade\\nVersion: 3.0-1\\nArchitecture: amd64\\n"
	    "Maintainer: Test <test@example.com>\\nDescription: made with ar\\n' > c/control\n"
	"echo hand > d/usr/share/doc/handmade/README\n"
	"(cd c && tar --owner=0 --group=0 -cf - ./control | xz -c > ../control.tar.xz)\n"
	"(cd d && tar --owner=0 --group=0 -czf ../data.tar.gz .)\n"
	"ar rc ../pool/handmade_3.0-1_amd64.deb debian-binary _odd control.tar.xz "
	    "_odd data.tar.gz zz-after\n"
	/* broken ones */
	"good=../pool/hello_1.0-1_amd64.deb\n"
	"head -c $(( $(stat -c %s $good) / 2 )) $good > ../bad/half.deb\n"
	"head -c 70 $good > ../bad/short70.deb\n"
	"head -c 30 $good > ../bad/short30.deb\n"
	"head -c 4096 /dev/urandom > ../bad/random.deb\n"
	"ar rc ../bad/nocontrol.deb debian-binary data.tar.gz\n"
	"ar rc ../bad/nodata.deb debian-binary control.tar.xz\n"
	"ar rc ../bad/datafirst.deb debian-binary data.tar.gz control.tar.xz\n"
	"mkdir -p w && cp control.tar.xz w/control.tar.gz && cp data.tar.gz debian-binary w/\n"
	"(cd w && ar rc ../../bad/wrongz.deb debian-binary control.tar.gz data.tar.gz)\n"
	"mkdir -p b && (cd c && tar -cf - ./control | bzip2 -c > ../b/control.tar.bz2)\n"
	"cp data.tar.gz debian-binary b/\n"
	"(cd b && ar rc ../../bad/bz2.deb debian-binary control.tar.bz2 data.tar.gz)\n"
	"mkdir -p v3 && printf '3.0\\n' > v3/debian-binary && cp control.tar.xz data.tar.gz v3/\n"
	"(cd v3 && ar rc ../../bad/v3.deb debian-binary control.tar.xz data.tar.gz)\n"
	"mkdir -p g && printf '\\037\\213\\010\\000junkjunkjunkjunk' > g/control.tar.gz\n"
	"cp data.tar.gz debian-binary g/\n"
	"(cd g && ar rc ../../bad/corrupt.deb debian-binary control.tar.gz data.tar.gz)\n"
	/* pack NAME: a package whose control file is e/NAME/control */
	"pack() {\n"
	"  (cd e/$1 && tar --owner=0 --group=0 -czf control.tar.gz ./$2 && "
	    "cp ../../data.tar.gz ../../debian-binary . && "
	    "ar rc ../../../bad/$1.deb debian-binary control.tar.gz data.tar.gz)\n"
	"}\n"
	"ctl() { mkdir -p e/$1; printf \"$2\" > e/$1/control; pack $1 control; }\n"
	"M='Maintainer: T <t@example.com>\\nDescription: d\\n'\n"
	"ctl goodctl \"Package: x\\nVersion: 1.0\\nArchitecture: amd64\\n$M\"\n"
	"ctl badversion \"Package: x\\nVersion: a1.0\\nArchitecture: amd64\\n$M\"\n"
	"ctl noversion \"Package: x\\nArchitecture: amd64\\n$M\"\n"
	"ctl badarch \"Package: x\\nVersion: 1.0\\nArchitecture: amd64 i386\\n$M\"\n"
	"ctl badname \"Package: -x\\nVersion: 1.0\\nArchitecture: amd64\\n$M\"\n"
	"ctl badcontrol \"Package: x\\nbroken line\\nVersion: 1.0\\nArchitecture: amd64\\n$M\"\n"
	"ctl twostanza \"Package: x\\nVersion: 1\\nArchitecture: all\\n$M\\n"
	    "Package: y\\nVersion: 1\\nArchitecture: all\\n$M\"\n"
	"mkdir -p ../root/var/lib/dpkg/info ../root/var/lib/dpkg/updates\n"
	"touch ../root/var/lib/dpkg/status\n"
	"mkdir -p e/emptyctl && echo x > e/emptyctl/md5sums && pack emptyctl md5sums\n";

struct fixture {
	struct jp_ctx ctx;
	char dir[64];
	char *pool;
};

static struct fixture *global_fixture;

static int
group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	jp_ctx_init(&f->ctx, "debpkg_test");
	f->ctx.verbosity = JP_V_QUIET;
	if (tu_tmpdir(f->dir, sizeof(f->dir), "debpkg") < 0)
		return -1;
	f->pool = jp_path_join(f->dir, "pool");
	*state = f;
	global_fixture = f;
	if (tu_run("command -v dpkg-deb ar xz zstd bzip2 >/dev/null") != 0) {
		fprintf(stderr, "debpkg_test: dpkg-deb, ar, xz, zstd or bzip2 "
		    "missing: tests that need them are skipped\n");
		return 0;
	}
	return tu_fixture_script(&f->ctx, f->dir, fixture_script,
	    "debpkg_test");
}

static int
group_teardown(void **state)
{
	struct fixture *f = *state;

	tu_tmpdir_remove(&f->ctx, f->dir);
	free(f->pool);
	free(f);
	return 0;
}

static void
need_fixtures(struct fixture *f)
{
	struct stat st;
	char *p = jp_path_join(f->pool, "hello_1.0-1_amd64.deb");
	int ok = stat(p, &st) == 0;

	free(p);
	if (!ok)
		skip();
}

static const char *const good_debs[] = {
	"hello_1.0-1_amd64.deb",        /* control.tar.gz */
	"hello_0.9~rc1-1_amd64.deb",    /* control.tar.xz, epoch 1 */
	"hello_2.0~beta1-1_i386.deb",   /* control.tar.zst */
	"common_1.0_all.deb",           /* control.tar */
	"handmade_3.0-1_amd64.deb",     /* by hand, control.tar.xz */
};
#define NGOOD (sizeof(good_debs) / sizeof(good_debs[0]))

static int dpkg_refuses(struct fixture *f, const char *path);

static struct jp_pkg *
read_good(struct fixture *f, const char *name)
{
	char *path = jp_path_join(f->pool, name);
	char *rel = jp_xasprintf("pool/%s", name);
	struct jp_pkg *pkg = NULL;

	if (jp_debpkg_read(&f->ctx, path, rel, &pkg) != 0)
		fail_msg("%s: %s", name, jp_error_msg(&f->ctx));
	free(path);
	free(rel);
	return pkg;
}

/* The control members really are compressed the way the tests say. */
static void
test_fixture_members(void **state)
{
	static const char *const want[] = {
		"control.tar.gz", "control.tar.xz", "control.tar.zst",
		"control.tar", "control.tar.xz",
	};
	struct fixture *f = *state;
	size_t i;

	need_fixtures(f);
	for (i = 0; i < NGOOD; i++) {
		char *members = tu_chomp(tu_capture(NULL, "ar t '%s/%s' | tr '\\n' ' '", f->pool,
		    good_debs[i]));
		char *word = jp_xasprintf(" %s ", want[i]);
		char *padded = jp_xasprintf(" %s ", members);

		if (!strstr(padded, word))
			fail_msg("%s: members '%s', want %s", good_debs[i],
			    members, want[i]);
		free(members);
		free(word);
		free(padded);
	}
}

/* Fields, identity and digests against dpkg-deb and the *sum tools. */
static void
test_read_against_dpkg(void **state)
{
	static const struct {
		const char *tool;
		size_t off;
	} sums[] = {
		{ "md5sum", offsetof(struct jp_pkg, md5) },
		{ "sha1sum", offsetof(struct jp_pkg, sha1) },
		{ "sha256sum", offsetof(struct jp_pkg, sha256) },
		{ "sha512sum", offsetof(struct jp_pkg, sha512) },
	};
	struct fixture *f = *state;
	size_t i, k;

	need_fixtures(f);
	for (i = 0; i < NGOOD; i++) {
		struct jp_pkg *pkg = read_good(f, good_debs[i]);
		char *path = jp_path_join(f->pool, good_debs[i]);
		char *ctl = tu_chomp(tu_capture(NULL, "dpkg-deb -f '%s'", path));
		char *version = tu_chomp(tu_capture(NULL, "dpkg-deb -f '%s' Version", path));
		char *rel = jp_xasprintf("pool/%s", good_debs[i]);
		struct jp_deb822_stanza *st;
		struct stat sb;
		size_t nst;

		/* every field, in order, as dpkg-deb shows it */
		assert_int_equal(jp_deb822_parse(&f->ctx, ctl, strlen(ctl),
		    "dpkg-deb -f", 0, &st, &nst), 0);
		assert_int_equal(nst, 1);
		assert_int_equal(pkg->nfields, st[0].nfields);
		for (k = 0; k < pkg->nfields; k++) {
			assert_string_equal(pkg->fields[k].name, st[0].fields[k].name);
			assert_string_equal(pkg->fields[k].value, st[0].fields[k].value);
		}
		assert_int_equal(pkg->format, JP_PKG_DEB);
		assert_string_equal(pkg->name, jp_deb822_get(&st[0], "Package"));
		assert_string_equal(pkg->arch, jp_deb822_get(&st[0], "Architecture"));
		assert_null(pkg->release);
		assert_string_equal(pkg->location, rel);
		/* the epoch split names the same version for dpkg */
		assert_int_equal(tu_run("dpkg --compare-versions '%s:%s' eq '%s'",
		    pkg->epoch, pkg->version, version), 0);
		assert_string_equal(pkg->version, strchr(version, ':') ?
		    strchr(version, ':') + 1 : version);
		assert_string_equal(pkg->epoch, strchr(version, ':') ? "1" : "0");
		/* size and digests of the whole file */
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(pkg->file_size, (uint64_t)sb.st_size);
		assert_int_equal(pkg->time_file, (int64_t)sb.st_mtime);
		for (k = 0; k < sizeof(sums) / sizeof(sums[0]); k++) {
			char *want = tu_chomp(tu_capture(NULL, "%s '%s' | cut -d' ' -f1",
			    sums[k].tool, path));

			assert_string_equal((const char *)pkg + sums[k].off, want);
			free(want);
		}
		assert_false(dpkg_refuses(f, path));
		jp_deb822_free(st, nst);
		jp_pkg_free(pkg);
		free(path);
		free(ctl);
		free(version);
		free(rel);
	}
}

static void
test_fields_kept_exactly(void **state)
{
	struct fixture *f = *state;
	struct jp_pkg *pkg;

	need_fixtures(f);
	pkg = read_good(f, "hello_1.0-1_amd64.deb");
	assert_string_equal(pkg->name, "hello");
	assert_string_equal(pkg->epoch, "0");
	assert_string_equal(pkg->version, "1.0-1");
	assert_string_equal(pkg->fields[0].name, "Package");
	assert_string_equal(pkg->fields[9].name, "python-version");
	assert_string_equal(jp_pkg_field(pkg, "Description"),
	    "greets the world\n A longer text.\n .\n  Indented line.");
	jp_pkg_free(pkg);

	pkg = read_good(f, "hello_0.9~rc1-1_amd64.deb");
	assert_string_equal(pkg->epoch, "1");
	assert_string_equal(pkg->version, "0.9~rc1-1");
	assert_string_equal(jp_pkg_field(pkg, "version"), "1:0.9~rc1-1");
	jp_pkg_free(pkg);

	pkg = read_good(f, "common_1.0_all.deb");
	assert_string_equal(pkg->arch, "all");
	assert_string_equal(pkg->version, "1.0");
	jp_pkg_free(pkg);
}

/* Every byte is read once: what read() returned adds up to the size. */
static void
test_read_once(void **state)
{
	struct fixture *f = *state;
	size_t i;

	need_fixtures(f);
	for (i = 0; i < NGOOD; i++) {
		char *path = jp_path_join(f->pool, good_debs[i]);
		struct jp_pkg *pkg = NULL;
		struct stat sb;

		assert_int_equal(stat(path, &sb), 0);
		bytes_read = 0;
		count_reads = 1;
		assert_int_equal(jp_debpkg_read(&f->ctx, path, good_debs[i],
		    &pkg), 0);
		count_reads = 0;
		assert_int_equal(bytes_read, (uint64_t)sb.st_size);
		jp_pkg_free(pkg);
		free(path);
	}
}

struct thread_arg {
	struct jp_ctx ctx;
	struct jp_pkg *pkgs[NGOOD];
	int rc;
};

static void *
read_all_thread(void *p)
{
	struct thread_arg *t = p;
	size_t i, r;

	for (r = 0; r < 20; r++) {
		for (i = 0; i < NGOOD; i++) {
			char *path = jp_path_join(global_fixture->pool, good_debs[i]);
			struct jp_pkg *pkg = NULL;

			if (jp_debpkg_read(&t->ctx, path, good_debs[i], &pkg) < 0)
				t->rc = -1;
			if (r == 0)
				t->pkgs[i] = pkg;
			else
				jp_pkg_free(pkg);
			free(path);
		}
	}
	return NULL;
}

/* Four threads at once read what one thread reads. */
static void
test_threads(void **state)
{
	struct fixture *f = *state;
	struct thread_arg args[4];
	pthread_t tids[4];
	size_t t, i;

	need_fixtures(f);
	memset(args, 0, sizeof(args));
	for (t = 0; t < 4; t++) {
		args[t].ctx = f->ctx;
		assert_int_equal(pthread_create(&tids[t], NULL, read_all_thread,
		    &args[t]), 0);
	}
	for (t = 0; t < 4; t++)
		pthread_join(tids[t], NULL);
	for (i = 0; i < NGOOD; i++) {
		struct jp_pkg *one = read_good(f, good_debs[i]);
		unsigned char *b1, *b2;
		size_t l1, l2;

		jp_pkg_serialize(one, &b1, &l1);
		for (t = 0; t < 4; t++) {
			assert_int_equal(args[t].rc, 0);
			assert_non_null(args[t].pkgs[i]);
			free(args[t].pkgs[i]->location);
			args[t].pkgs[i]->location = jp_xstrdup(one->location);
			jp_pkg_serialize(args[t].pkgs[i], &b2, &l2);
			assert_int_equal(l1, l2);
			assert_memory_equal(b1, b2, l1);
			free(b2);
			jp_pkg_free(args[t].pkgs[i]);
		}
		free(b1);
		jp_pkg_free(one);
	}
}

/*
 * Does dpkg refuse the file?  dpkg --dry-run -i into an empty scratch root
 * reads and checks the control data; dpkg-deb -c reads the data member.
 */
static int
dpkg_refuses(struct fixture *f, const char *path)
{
	return tu_run("{ dpkg --root='%s/root' --force-not-root --force-architecture --dry-run -i '%s' "
	    "&& dpkg-deb -c '%s'; } >/dev/null 2>&1", f->dir, path, path) != 0;
}

/* Broken files: an error naming the file, and dpkg refuses them too. */
static void
test_broken(void **state)
{
	/*
	 * warn: dpkg only warns about the problem (and this reader refuses
	 * it on purpose, see jp_debpkg_arch_check()); the text it warns with.
	 */
	static const struct {
		const char *file;
		const char *msg;
		const char *warn;
	} cases[] = {
		{ "half.deb", "truncated: member '", NULL },
		{ "short70.deb", "truncated: member 'debian-binary' has 2 of its 4 bytes", NULL },
		{ "short30.deb", "truncated ar member header", NULL },
		{ "random.deb", "not a Debian package (no ar archive signature)", NULL },
		{ "nocontrol.deb", "no control.tar member (found 'data.tar.gz'", NULL },
		{ "nodata.deb", "no data.tar member", NULL },
		{ "datafirst.deb", "no control.tar member (found 'data.tar.gz'", NULL },
		{ "wrongz.deb", "its content is xz data", NULL },
		{ "bz2.deb", "unsupported compression of control member 'control.tar.bz2'", NULL },
		{ "v3.deb", "unsupported package format version '3.0'", NULL },
		{ "corrupt.deb", "cannot read control member 'control.tar.gz' of ", NULL },
		{ "emptyctl.deb", "no control file in member 'control.tar.gz'", NULL },
		{ "badcontrol.deb", "invalid control file in 'bad/badcontrol.deb': "
		    "line 2: field without a colon", NULL },
		{ "twostanza.deb", "more than one stanza", NULL },
		{ "noversion.deb", "no Version field", NULL },
		{ "badversion.deb", "invalid version 'a1.0' in 'bad/badversion.deb': "
		    "version number does not start with digit", NULL },
		{ "badarch.deb", "invalid architecture 'amd64 i386'",
		    "is not a valid architecture name" },
		{ "badname.deb", "invalid package name '-x'", NULL },
	};
	struct fixture *f = *state;
	struct jp_pkg *pkg = NULL;
	char *path;
	size_t i;

	need_fixtures(f);
	/* the way the broken ones are made gives good packages */
	path = jp_xasprintf("%s/bad/goodctl.deb", f->dir);
	assert_int_equal(jp_debpkg_read(&f->ctx, path, "goodctl.deb", &pkg), 0);
	assert_string_equal(pkg->name, "x");
	assert_false(dpkg_refuses(f, path));
	jp_pkg_free(pkg);
	free(path);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *rel = jp_xasprintf("bad/%s", cases[i].file);
		char *quoted = jp_xasprintf("'%s'", rel);

		path = jp_xasprintf("%s/bad/%s", f->dir, cases[i].file);
		pkg = (void *)1;
		jp_error_clear(&f->ctx);
		assert_int_equal(jp_debpkg_read(&f->ctx, path, rel, &pkg), JP_ERR);
		assert_null(pkg);
		if (!strstr(jp_error_msg(&f->ctx), cases[i].msg) ||
		    !strstr(jp_error_msg(&f->ctx), quoted))
			fail_msg("%s: got '%s', want '%s'", cases[i].file,
			    jp_error_msg(&f->ctx), cases[i].msg);
		if (cases[i].warn) {
			if (tu_run("dpkg --root='%s/root' --force-not-root "
			    "--force-architecture --dry-run -i '%s' 2>&1 | "
			    "grep -q '%s'", f->dir, path, cases[i].warn) != 0)
				fail_msg("%s: dpkg does not warn", cases[i].file);
		} else if (!dpkg_refuses(f, path)) {
			fail_msg("%s: dpkg accepts it", cases[i].file);
		}
		free(path);
		free(rel);
		free(quoted);
	}
}

static void
test_not_a_file(void **state)
{
	struct fixture *f = *state;
	struct jp_pkg *pkg = NULL;
	char *missing = jp_path_join(f->dir, "missing.deb");

	assert_int_equal(jp_debpkg_read(&f->ctx, f->dir, "somedir.deb", &pkg),
	    JP_ERR);
	assert_string_equal(jp_error_msg(&f->ctx),
	    "cannot read 'somedir.deb': not a regular file");
	assert_int_equal(jp_debpkg_read(&f->ctx, missing, "missing.deb", &pkg),
	    JP_ERR);
	assert_non_null(strstr(jp_error_msg(&f->ctx),
	    "cannot open 'missing.deb': "));
	free(missing);

	/* a good package under a name that cannot go into an index */
	if (tu_run("command -v dpkg-deb >/dev/null") == 0) {
		char *odd = jp_path_join(f->dir, "line\nbreak.deb");

		need_fixtures(f);
		assert_int_equal(tu_run("cp '%s/hello_1.0-1_amd64.deb' '%s'",
		    f->pool, odd), 0);
		assert_int_equal(jp_debpkg_read(&f->ctx, odd, "pool/line\nbreak.deb",
		    &pkg), JP_ERR);
		assert_string_equal(jp_error_msg(&f->ctx), "cannot use "
		    "'pool/line\nbreak.deb': control character in the file name");
		free(odd);
	}
}

static void
test_name_checks(void **state)
{
	(void)state;
	assert_null(jp_debpkg_name_check("libc6"));
	assert_null(jp_debpkg_name_check("g++-12"));
	assert_null(jp_debpkg_name_check("a"));
	assert_non_null(jp_debpkg_name_check(""));
	assert_non_null(jp_debpkg_name_check("-x"));
	assert_non_null(jp_debpkg_name_check("a b"));
	assert_non_null(jp_debpkg_name_check("a/b"));
	assert_null(jp_debpkg_arch_check("amd64"));
	assert_null(jp_debpkg_arch_check("all"));
	assert_null(jp_debpkg_arch_check("musl-linux-arm64"));
	assert_non_null(jp_debpkg_arch_check("any"));
	assert_non_null(jp_debpkg_arch_check("source"));
	assert_non_null(jp_debpkg_arch_check("../x"));
	assert_non_null(jp_debpkg_arch_check("amd64 i386"));
	assert_non_null(jp_debpkg_arch_check(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_members),
		cmocka_unit_test(test_read_against_dpkg),
		cmocka_unit_test(test_fields_kept_exactly),
		cmocka_unit_test(test_read_once),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_broken),
		cmocka_unit_test(test_not_a_file),
		cmocka_unit_test(test_name_checks),
	};

	return cmocka_run_group_tests_name("debpkg", tests, group_setup,
	    group_teardown);
}
