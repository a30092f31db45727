/*
 * pgp_test.c: unit tests of the pgp module, with gpg as the oracle.
 *
 * One temporary GNUPGHOME for the whole group, holding the keys the
 * cases need: A (rsa3072, made by jp_pgp_generate_key), B (another key),
 * P (passphrase "secret"), C (certify only, cannot sign), X (expired,
 * made with gpg's --faked-system-time in 2020 and valid one day) and R
 * (revoked with the revocation certificate gpg wrote for it).  Its
 * gpg-agent is stopped at the end.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "fsutil.h"
#include "pgp.h"
#include "testutil.h"

struct pgp_fixture {
	struct jp_ctx ctx;
	char dir[64];
	char *home;
	char fpr_a[JP_PGP_FPR_MAX];
	char *fpr_b, *fpr_p, *fpr_c, *fpr_x, *fpr_r;
	char *keyfile_a;   /* A's public key, armored, exported by gpg */
	char *passfile, *badpassfile;
};

static struct pgp_fixture *F;

/* The fingerprint of the key with user id uid, from gpg. */
static char *
gpg_fpr(const char *uid)
{
	char *out = tu_capture(NULL, "gpg --homedir '%s' --batch --with-colons "
	    "--list-keys '=%s' | awk -F: '$1==\"fpr\"{print $10; exit}'",
	    F->home, uid);

	tu_chomp(out);
	assert_int_equal(strlen(out), 40);
	return out;
}

static int
group_setup(void **state)
{
	struct pgp_fixture *f = calloc(1, sizeof(*f));
	char *p;

	if (!f || !tu_have("gpg") || !tu_have("gpgconf"))
		return -1;
	F = f;
	jp_ctx_init(&f->ctx, "pgp_test");
	f->ctx.verbosity = JP_V_QUIET;
	if (tu_tmpdir(f->dir, sizeof(f->dir), "pgp") < 0)
		return -1;
	f->home = jp_path_join(f->dir, "gnupg");
	/* Never the user's keyring, whatever a case forgets to pass. */
	setenv("GNUPGHOME", f->home, 1);
	/* A: our own generator, into a home it has to create. */
	if (jp_pgp_generate_key(&f->ctx, f->home, "Test A <a@example.com>",
	    "rsa3072", 0, f->fpr_a, sizeof(f->fpr_a)) < 0) {
		fprintf(stderr, "pgp_test: %s\n", jp_error_msg(&f->ctx));
		return -1;
	}
	if (tu_run("set -e; H='%s'; G=\"gpg --homedir $H --batch --quiet\"\n"
	    "$G --passphrase '' --quick-gen-key 'Test B <b@example.com>' ed25519 sign never\n"
	    "$G --pinentry-mode loopback --passphrase secret "
	    "--quick-gen-key 'Test P <p@example.com>' ed25519 sign never\n"
	    "$G --passphrase '' --quick-gen-key 'Test C <c@example.com>' ed25519 cert never\n"
	    "$G --passphrase '' --faked-system-time 20200101T000000 "
	    "--quick-gen-key 'Test X <x@example.com>' ed25519 sign 1d 2>/dev/null\n"
	    "$G --passphrase '' --quick-gen-key 'Test R <r@example.com>' ed25519 sign never\n"
	    "$G --export --armor 'Test A <a@example.com>' >\"$H/../a.asc\"\n"
	    "$G --check-trustdb 2>/dev/null\n",
	    f->home) != 0)
		return -1;
	f->fpr_b = gpg_fpr("Test B <b@example.com>");
	f->fpr_p = gpg_fpr("Test P <p@example.com>");
	f->fpr_c = gpg_fpr("Test C <c@example.com>");
	f->fpr_x = gpg_fpr("Test X <x@example.com>");
	f->fpr_r = gpg_fpr("Test R <r@example.com>");
	/* gpg wrote R's revocation certificate; it is "disarmed" by a ':'. */
	if (tu_run("sed 's/^:-----/-----/' '%s/openpgp-revocs.d/%s.rev' | "
	    "gpg --homedir '%s' --batch --quiet --import 2>/dev/null",
	    f->home, f->fpr_r, f->home) != 0)
		return -1;
	p = tu_capture(NULL, "gpg --homedir '%s' --with-colons --list-keys %s | "
	    "cut -d: -f1,2 | grep -c '^pub:r'", f->home, f->fpr_r);
	assert_string_equal(tu_chomp(p), "1");
	free(p);
	f->keyfile_a = jp_path_join(f->dir, "a.asc");
	f->passfile = jp_path_join(f->dir, "pass");
	tu_spew(f->passfile, "secret\n", 7);
	f->badpassfile = jp_path_join(f->dir, "badpass");
	tu_spew(f->badpassfile, "wrong\n", 6);
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct pgp_fixture *f = F;

	(void)state;
	if (!f)
		return 0;
	if (f->home)
		tu_run("gpgconf --homedir '%s' --kill all", f->home);
	if (f->dir[0])
		tu_tmpdir_remove(&f->ctx, f->dir);
	free(f->home);
	free(f->fpr_b);
	free(f->fpr_p);
	free(f->fpr_c);
	free(f->fpr_x);
	free(f->fpr_r);
	free(f->keyfile_a);
	free(f->passfile);
	free(f->badpassfile);
	free(f);
	F = NULL;
	return 0;
}

/* A fresh metadata directory with a file name of content text. */
static char *
mkmeta(const char *stem, const char *name, const char *text)
{
	char *d = jp_xasprintf("%s/%s", F->dir, stem);
	char *p;

	tu_run("rm -rf '%s'", d);
	assert_int_equal(jp_mkdir_p(&F->ctx, d), 0);
	p = jp_path_join(d, name);
	tu_spew(p, text, strlen(text));
	free(p);
	return d;
}

/* gpg --list-packets: the digest algorithm of the one signature. */
static void
assert_sha512(const char *sigfile)
{
	char *out = tu_capture(NULL, "gpg --homedir '%s' --batch --list-packets "
	    "'%s' 2>/dev/null | grep -c 'digest algo 10,'", F->home, sigfile);

	/* RFC 4880 9.4: hash algorithm 10 is SHA512. */
	assert_string_equal(tu_chomp(out), "1");
	free(out);
}

/* The names in dir, sorted, joined by spaces. */
static char *
listdir(const char *dir)
{
	return tu_chomp(tu_capture(NULL, "ls -A '%s' | tr '\\n' ' '", dir));
}

static void
test_sign_rpm(void **state)
{
	struct jp_pgp_signer s = { F->fpr_a, F->home, NULL };
	char *d = mkmeta("rpm", "repomd.xml", "<repomd>test</repomd>\n");
	char fpr[JP_PGP_FPR_MAX], *p, *names;

	(void)state;
	assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 0, &s), 0);
	assert_int_equal(tu_run("cd '%s' && gpg --homedir '%s' --batch --quiet "
	    "--verify repomd.xml.asc repomd.xml 2>/dev/null", d, F->home), 0);
	p = jp_path_join(d, "repomd.xml.asc");
	assert_sha512(p);
	free(p);
	/* repomd.xml.key is A's public key: gpg itself says so. */
	p = tu_capture(NULL, "gpg --batch --with-colons --show-keys '%s/repomd.xml.key' "
	    "| awk -F: '$1==\"fpr\"{print $10; exit}'", d);
	assert_string_equal(tu_chomp(p), F->fpr_a);
	free(p);
	names = listdir(d);
	assert_string_equal(names, "repomd.xml repomd.xml.asc repomd.xml.key ");
	free(names);

	/* Our verifier agrees with gpg, for the key file zypper gets too. */
	p = jp_path_join(d, "repomd.xml");
	{
		char *sig = jp_path_join(d, "repomd.xml.asc");
		char *key = jp_path_join(d, "repomd.xml.key");

		assert_int_equal(jp_pgp_verify_detached(&F->ctx, key, p, sig, fpr,
		    sizeof(fpr)), 0);
		assert_string_equal(fpr, F->fpr_a);
		assert_int_equal(jp_pgp_verify_detached(&F->ctx, F->keyfile_a, p, sig,
		    NULL, 0), 0);
		/* Tampered data: gpg and we refuse it. */
		tu_spew(p, "<repomd>evil</repomd>\n", 22);
		assert_int_not_equal(tu_run("cd '%s' && gpg --homedir '%s' --batch "
		    "--quiet --verify repomd.xml.asc repomd.xml 2>/dev/null", d,
		    F->home), 0);
		assert_int_equal(jp_pgp_verify_detached(&F->ctx, key, p, sig, fpr,
		    sizeof(fpr)), JP_ERR);
		assert_non_null(strstr(jp_error_msg(&F->ctx), "bad signature"));
		free(sig);
		free(key);
	}
	free(p);
	free(d);
}

static void
test_sign_apt(void **state)
{
	static const char rel[] = "Origin: test\nSuite: stable\n"
	    "-dash line\nSHA256:\n 0123 12 main/binary-amd64/Packages\n";
	struct jp_pgp_signer s = { F->fpr_a, F->home, NULL };
	char *d = mkmeta("apt", "Release", rel);
	char *p, *plain, *oracle, *names;
	size_t len, olen;

	(void)state;
	assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 1, &s), 0);
	names = listdir(d);
	assert_string_equal(names, "InRelease Release Release.gpg ");
	free(names);
	assert_int_equal(tu_run("cd '%s' && gpg --homedir '%s' --batch --quiet "
	    "--verify InRelease 2>/dev/null && gpg --homedir '%s' --batch --quiet "
	    "--verify Release.gpg Release 2>/dev/null", d, F->home, F->home), 0);
	p = jp_path_join(d, "InRelease");
	/*
	 * gpg --list-packets does not show a cleartext signature's packet;
	 * gpg --verify's VALIDSIG status line has the hash algorithm (10,
	 * SHA512) in its 8th field, and RFC 4880 7 puts it in the Hash:
	 * armor header.
	 */
	oracle = tu_chomp(tu_capture(NULL, "gpg --homedir '%s' --batch "
	    "--status-fd 1 --verify '%s' 2>/dev/null | "
	    "awk '$2==\"VALIDSIG\"{print $10}'", F->home, p));
	assert_string_equal(oracle, "10");
	free(oracle);
	oracle = tu_slurp(p, NULL);
	assert_non_null(strstr(oracle, "\nHash: SHA512\n"));
	free(oracle);
	/* The signed text: as gpg gives it, and the Release we signed. */
	assert_int_equal(jp_pgp_verify_clearsigned(&F->ctx, F->keyfile_a, p,
	    &plain, &len), 0);
	oracle = tu_capture(&olen, "gpg --homedir '%s' --batch --quiet "
	    "--decrypt '%s' 2>/dev/null", F->home, p);
	assert_int_equal(len, olen);
	assert_memory_equal(plain, oracle, len);
	assert_string_equal(plain, rel);
	free(plain);
	free(oracle);
	free(p);
	p = jp_path_join(d, "Release.gpg");
	assert_sha512(p);
	free(p);

	/* A tampered InRelease: gpg and we refuse it. */
	p = jp_path_join(d, "InRelease");
	assert_int_equal(tu_run("sed -i 's/^Suite: stable/Suite: evil/' '%s'", p), 0);
	assert_int_not_equal(tu_run("gpg --homedir '%s' --batch --quiet --verify "
	    "'%s' 2>/dev/null", F->home, p), 0);
	assert_int_equal(jp_pgp_verify_clearsigned(&F->ctx, F->keyfile_a, p,
	    &plain, &len), JP_ERR);
	assert_null(plain);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "bad signature"));
	free(p);
	free(d);
}

static void
test_verify_other_key_and_garbage(void **state)
{
	struct jp_pgp_signer s = { F->fpr_b, F->home, NULL };
	char *d = mkmeta("other", "Release", "Suite: x\n");
	char *data = jp_path_join(d, "Release");
	char *sig = jp_path_join(d, "Release.gpg");
	char *inrel = jp_path_join(d, "InRelease");
	char *plain;
	size_t len;

	(void)state;
	assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 1, &s), 0);
	/* Good for gpg with B, which is in the home ... */
	assert_int_equal(tu_run("gpg --homedir '%s' --batch --quiet --verify "
	    "'%s' '%s' 2>/dev/null", F->home, sig, data), 0);
	/* ... but B is not in A's key file. */
	assert_int_equal(jp_pgp_verify_detached(&F->ctx, F->keyfile_a, data, sig,
	    NULL, 0), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "signed by a key not in"));
	assert_non_null(strstr(jp_error_msg(&F->ctx), F->keyfile_a));
	assert_int_equal(jp_pgp_verify_clearsigned(&F->ctx, F->keyfile_a, inrel,
	    &plain, &len), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "signed by a key not in"));

	/* Garbage signatures and unsigned text. */
	tu_spew(sig, "garbage\n", 8);
	assert_int_equal(jp_pgp_verify_detached(&F->ctx, F->keyfile_a, data, sig,
	    NULL, 0), JP_ERR);
	tu_spew(inrel, "Suite: x\n", 9);
	assert_int_equal(jp_pgp_verify_clearsigned(&F->ctx, F->keyfile_a, inrel,
	    &plain, &len), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "no signature"));
	/* A key file without a key. */
	assert_int_equal(jp_pgp_verify_detached(&F->ctx, data, data, sig,
	    NULL, 0), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "no OpenPGP public key"));
	free(data);
	free(sig);
	free(inrel);
	free(d);
}

/* Each failure names the key or home and leaves the old files alone. */
static void
expect_fail(const char *d, const struct jp_pgp_signer *s, const char *want1,
    const char *want2)
{
	char *asc = jp_path_join(d, "repomd.xml.asc");
	char *key = jp_path_join(d, "repomd.xml.key");
	char *a0 = tu_slurp(asc, NULL), *k0 = tu_slurp(key, NULL);
	char *a1, *k1, *names;

	assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 0, s), JP_ERR);
	if (!strstr(jp_error_msg(&F->ctx), want1) ||
	    (want2 && !strstr(jp_error_msg(&F->ctx), want2)))
		fail_msg("message '%s' lacks '%s' / '%s'", jp_error_msg(&F->ctx),
		    want1, want2 ? want2 : "");
	a1 = tu_slurp(asc, NULL);
	k1 = tu_slurp(key, NULL);
	assert_string_equal(a0, a1);
	assert_string_equal(k0, k1);
	names = listdir(d);
	assert_string_equal(names, "repomd.xml repomd.xml.asc repomd.xml.key ");
	free(names);
	free(a0);
	free(a1);
	free(k0);
	free(k1);
	free(asc);
	free(key);
}

static void
test_sign_errors(void **state)
{
	char *d = mkmeta("err", "repomd.xml", "<repomd/>\n");
	char *nohome = jp_path_join(F->dir, "no-such-home");
	struct jp_pgp_signer s = { F->fpr_a, F->home, NULL };

	(void)state;
	assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 0, &s), 0);

	s.keyid = "0123456789ABCDEF0123456789ABCDEF01234567";
	expect_fail(d, &s, "no secret key '0123456789ABCDEF", F->home);
	s.keyid = F->fpr_c;
	expect_fail(d, &s, "cannot sign", F->fpr_c);
	s.keyid = F->fpr_x;
	expect_fail(d, &s, "expired", F->fpr_x);
	s.keyid = F->fpr_r;
	expect_fail(d, &s, "revoked", F->fpr_r);
	s.keyid = F->fpr_a;
	s.homedir = nohome;
	expect_fail(d, &s, "cannot use GnuPG home", nohome);
	s.homedir = F->home;
	s.keyid = F->fpr_p;
	s.passphrase_file = F->badpassfile;
	expect_fail(d, &s, "wrong passphrase", F->fpr_p);
	s.passphrase_file = nohome;
	expect_fail(d, &s, "cannot read passphrase file", nohome);

	/* The right passphrase: signed, gpg agrees, by P. */
	s.passphrase_file = F->passfile;
	assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 0, &s), 0);
	{
		char *out = tu_capture(NULL, "cd '%s' && gpg --homedir '%s' --batch "
		    "--status-fd 1 --verify repomd.xml.asc repomd.xml 2>/dev/null | "
		    "awk '$2==\"VALIDSIG\"{print $12}'", d, F->home);

		assert_string_equal(tu_chomp(out), F->fpr_p);
		free(out);
	}
	/* Nothing to sign. */
	s.keyid = F->fpr_a;
	s.passphrase_file = NULL;
	tu_run("rm -f '%s/repomd.xml'", d);
	assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 0, &s), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "repomd.xml"));
	free(nohome);
	free(d);
}

static void
test_export_and_generate(void **state)
{
	char *asc = jp_path_join(F->dir, "exp.asc");
	char *bin = jp_path_join(F->dir, "exp.gpg");
	char *home2 = jp_path_join(F->dir, "gnupg2/sub");
	char *p, fpr[JP_PGP_FPR_MAX];
	unsigned char *b;
	size_t len;
	struct stat st;

	(void)state;
	assert_int_equal(jp_pgp_export_key(&F->ctx, F->home, F->fpr_a, asc, 1), 0);
	assert_int_equal(jp_pgp_export_key(&F->ctx, F->home, F->fpr_a, bin, 0), 0);
	p = tu_slurp(asc, NULL);
	assert_memory_equal(p, "-----BEGIN PGP PUBLIC KEY BLOCK-----", 36);
	free(p);
	b = (unsigned char *)tu_slurp(bin, &len);
	assert_true(len > 0 && (b[0] & 0x80));	/* RFC 4880 4.2: packet tag */
	free(b);
	p = tu_chomp(tu_capture(NULL, "gpg --batch --with-colons --show-keys '%s' "
	    "| awk -F: '$1==\"fpr\"{print $10; exit}'", bin));
	assert_string_equal(p, F->fpr_a);
	free(p);
	/* Our verifier takes the binary form too. */
	{
		struct jp_pgp_signer s = { F->fpr_a, F->home, NULL };
		char *d = mkmeta("bin", "Release", "Suite: b\n");
		char *data = jp_path_join(d, "Release"), *sig = jp_path_join(d,
		    "Release.gpg");

		assert_int_equal(jp_pgp_sign_metadata(&F->ctx, d, 1, &s), 0);
		assert_int_equal(jp_pgp_verify_detached(&F->ctx, bin, data, sig,
		    fpr, sizeof(fpr)), 0);
		assert_string_equal(fpr, F->fpr_a);
		free(data);
		free(sig);
		free(d);
	}
	/* Unknown and ambiguous ("Test" is in every user id) keys. */
	assert_int_equal(jp_pgp_export_key(&F->ctx, F->home, "nobody@example.com",
	    asc, 1), JP_ERR);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "no key 'nobody@example.com'"));
	assert_int_equal(jp_pgp_export_key(&F->ctx, F->home, "Test", asc, 1),
	    JP_ERR);
	assert_non_null(strstr(jp_error_msg(&F->ctx), "more than one"));
	/* A short user id pattern that names one key is fine. */
	assert_int_equal(jp_pgp_export_key(&F->ctx, F->home, "Test A", asc, 1), 0);
	p = tu_chomp(tu_capture(NULL, "gpg --batch --with-colons --show-keys '%s' "
	    "| awk -F: '$1==\"fpr\"{print $10; exit}'", asc));
	assert_string_equal(p, F->fpr_a);
	free(p);

	/* ed25519 into a new home: mode 0700, gpg lists a signing key. */
	assert_int_equal(jp_pgp_generate_key(&F->ctx, home2, "Gen <g@example.com>",
	    "ed25519", 0, fpr, sizeof(fpr)), 0);
	assert_int_equal(stat(home2, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	p = tu_chomp(tu_capture(NULL, "gpg --homedir '%s' --batch --with-colons "
	    "--list-secret-keys 2>/dev/null | awk -F: '$1==\"sec\"{print $4\":\"$7\":\"$12}"
	    " $1==\"fpr\"{print $10; exit}'", home2));
	/* algo 22 (EdDSA), no expiry, usable to sign; then the fingerprint */
	{
		char *want = jp_xasprintf("22::scSC\n%s", fpr);

		assert_string_equal(p, want);
		free(want);
	}
	free(p);
	assert_int_equal(jp_pgp_generate_key(&F->ctx, home2, "Gen <g@example.com>",
	    "dsa1024", 0, fpr, sizeof(fpr)), JP_ERR);
	tu_run("gpgconf --homedir '%s' --kill all", home2);
	free(home2);
	free(asc);
	free(bin);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_rpm),
		cmocka_unit_test(test_sign_apt),
		cmocka_unit_test(test_verify_other_key_and_garbage),
		cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_export_and_generate),
	};

	if (!tu_have("gpg")) {
		printf("pgp_test: gpg not found, skipping\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
