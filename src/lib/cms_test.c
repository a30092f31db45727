/*
 * cms_test.c: unit tests of the cms module, with the openssl command as
 * the oracle.
 *
 * The group setup makes, with the openssl CLI, in one scratch directory:
 * ec (EC P-256, self-signed, CN=test), ed (Ed25519, self-signed: OpenSSL
 * 3.0's CMS cannot sign with it), rsa (RSA 2048, self-signed), ca (a CA)
 * and s (a signer issued by ca), ca2 (another CA), x (issued by ca
 * with "-days -1": its notAfter is a day in the past, so it has expired),
 * cs (self-signed with extendedKeyUsage codeSigning only, which the
 * default S/MIME purpose of "openssl cms -verify" rejects), enc (an
 * encrypted key), and a data file with CR LF, NUL and 0xff bytes.
 * Each case checks that jp_cms_verify and
 *   openssl cms -verify -binary -inform DER -content DATA -in SIG
 *       -CAfile TRUST -purpose any
 * agree.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cms.h"
#include "ctx.h"
#include "fsutil.h"
#include "testutil.h"

static const char fixtures[] =
    "set -e\n"
    "cd \"$1\"\n"
    "R='openssl req -x509 -nodes -days 30'\n"
    "EC='-newkey ec -pkeyopt ec_paramgen_curve:P-256'\n"
    "printf 'line one\\r\\nline two\\n\\000\\377 end' >data\n"
    "$R $EC -subj /CN=test -keyout ec.k -out ec.c 2>/dev/null\n"
    "$R -newkey ed25519 -subj /CN=ed -keyout ed.k -out ed.c 2>/dev/null\n"
    "$R -newkey rsa:2048 -subj /CN=rsa -keyout rsa.k -out rsa.c 2>/dev/null\n"
    "$R $EC -subj '/O=Test/CN=Test CA' -keyout ca.k -out ca.c 2>/dev/null\n"
    "$R $EC -subj '/CN=Other CA' -keyout ca2.k -out ca2.c 2>/dev/null\n"
    "$R $EC -subj /CN=code -addext extendedKeyUsage=codeSigning "
    "-keyout cs.k -out cs.c 2>/dev/null\n"
    "openssl req -new $EC -nodes -subj /CN=signer -keyout s.k -out s.csr 2>/dev/null\n"
    "openssl x509 -req -in s.csr -CA ca.c -CAkey ca.k -days 30 -out s.c 2>/dev/null\n"
    "openssl req -new $EC -nodes -subj /CN=old -keyout x.k -out x.csr 2>/dev/null\n"
    "openssl x509 -req -in x.csr -CA ca.c -CAkey ca.k -days -1 -out x.c 2>/dev/null\n"
    "openssl genpkey -algorithm ed25519 -aes256 -pass pass:secret -out enc.k\n"
    "cat ca2.c ca.c >both.c\n";

struct cms_fixture {
	struct jp_ctx ctx;
	char dir[64];
};

static struct cms_fixture *F;

/* dir/name, freed by the caller. */
static char *
P(const char *name)
{
	return jp_path_join(F->dir, name);
}

/* The oracle: 1 when openssl accepts sig over data with trust, else 0. */
static int
oracle(const char *data, const char *sig, const char *trust, const char *extra)
{
	return tu_run("cd '%s' && openssl cms -verify -binary -inform DER "
	    "-content '%s' -in '%s' -CAfile '%s' -purpose any %s -out /dev/null "
	    "2>/dev/null", F->dir, data, sig, trust, extra) == 0;
}

/* 1 when jp_cms_verify accepts; the subject in subj, message kept. */
static int
ours(const char *data, const char *sig, const char *trust, char *subj,
    size_t n)
{
	char *d = P(data), *s = P(sig), *t = P(trust);
	int rc;

	jp_error_clear(&F->ctx);
	rc = jp_cms_verify(&F->ctx, d, s, t, subj, n);
	free(d);
	free(s);
	free(t);
	return rc == 0;
}

static int
sign(const char *data, const char *key, const char *cert, const char *sig)
{
	char *d = P(data), *k = P(key), *c = P(cert), *s = P(sig);
	int rc;

	jp_error_clear(&F->ctx);
	rc = jp_cms_sign(&F->ctx, d, k, c, s);
	free(d);
	free(k);
	free(c);
	free(s);
	return rc;
}

/* The message recorded on the context contains want. */
static void
assert_msg(const char *want)
{
	const char *m = jp_error_msg(&F->ctx);

	if (!strstr(m, want))
		fail_msg("message \"%s\" lacks \"%s\"", m, want);
}

static int
group_setup(void **state)
{
	struct cms_fixture *f = calloc(1, sizeof(*f));

	if (!f || !tu_have("openssl")) {
		free(f);
		return -1;
	}
	F = f;
	jp_ctx_init(&f->ctx, "cms_test");
	f->ctx.verbosity = JP_V_QUIET;
	if (tu_tmpdir(f->dir, sizeof(f->dir), "cms") < 0)
		return -1;
	if (tu_fixture_script(&f->ctx, f->dir, fixtures, "cms_test") < 0)
		return -1;
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	if (!F)
		return 0;
	if (F->dir[0])
		tu_tmpdir_remove(&F->ctx, F->dir);
	free(F);
	F = NULL;
	return 0;
}

/* EC P-256 self-signed: good by both, subject returned. */
static void
test_ec_self_signed(void **state)
{
	char subj[64];

	(void)state;
	assert_int_equal(sign("data", "ec.k", "ec.c", "ec.sig"), 0);
	assert_true(oracle("data", "ec.sig", "ec.c", ""));
	assert_true(ours("data", "ec.sig", "ec.c", subj, sizeof(subj)));
	assert_string_equal(subj, "CN=test");
	assert_int_equal(tu_run("cd '%s' && openssl cms -cmsout -print -inform DER "
	    "-in ec.sig | grep -q 'algorithm: sha256'", F->dir), 0);
	/* A subject buffer too small is cut, not overrun. */
	assert_true(ours("data", "ec.sig", "ec.c", subj, 4));
	assert_string_equal(subj, "CN=");
}

/* Ed25519: openssl cms cannot sign with it either; we say why. */
static void
test_ed25519_refused(void **state)
{
	char *s = P("ed.sig");

	(void)state;
	assert_int_not_equal(tu_run("cd '%s' && openssl cms -sign -binary "
	    "-md sha512 -signer ed.c -inkey ed.k -in data -outform DER "
	    "-out cli-ed.sig 2>/dev/null", F->dir), 0);
	assert_true(sign("data", "ed.k", "ed.c", "ed.sig") < 0);
	assert_msg("is Ed25519, which OpenSSL cannot use for CMS signatures");
	assert_int_not_equal(access(s, F_OK), 0);
	free(s);
}

/* RSA self-signed: good by both, SHA-256, detached, certificate inside. */
static void
test_rsa_self_signed(void **state)
{
	char subj[64];

	(void)state;
	assert_int_equal(sign("data", "rsa.k", "rsa.c", "rsa.sig"), 0);
	assert_true(oracle("data", "rsa.sig", "rsa.c", ""));
	assert_true(ours("data", "rsa.sig", "rsa.c", subj, sizeof(subj)));
	assert_string_equal(subj, "CN=rsa");
	assert_int_equal(tu_run("cd '%s' && openssl cms -cmsout -print -inform DER "
	    "-in rsa.sig >rsa.txt && grep -q 'algorithm: sha256' rsa.txt && "
	    "grep -q 'eContent: <ABSENT>' rsa.txt && grep -q 'CN=rsa' rsa.txt",
	    F->dir), 0);
	/* And a signature made by the openssl command verifies with us. */
	assert_int_equal(tu_run("cd '%s' && openssl cms -sign -binary -md sha256 "
	    "-signer rsa.c -inkey rsa.k -in data -outform DER -out cli.sig",
	    F->dir), 0);
	assert_true(ours("data", "cli.sig", "rsa.c", NULL, 0));
}

/* Issued by a CA: trusted by the CA, a bundle holding it, its own cert. */
static void
test_ca_issued(void **state)
{
	char subj[64];

	(void)state;
	assert_int_equal(sign("data", "s.k", "s.c", "s.sig"), 0);
	assert_true(oracle("data", "s.sig", "ca.c", ""));
	assert_true(ours("data", "s.sig", "ca.c", subj, sizeof(subj)));
	assert_string_equal(subj, "CN=signer");
	assert_true(oracle("data", "s.sig", "both.c", ""));
	assert_true(ours("data", "s.sig", "both.c", NULL, 0));
	/* The signer's own certificate as the anchor: openssl needs
	 * -partial_chain for that, which is what we do. */
	assert_true(oracle("data", "s.sig", "s.c", "-partial_chain"));
	assert_true(ours("data", "s.sig", "s.c", NULL, 0));
}

/* The wrong trust file: refused by both, the message names signer and file. */
static void
test_wrong_trust(void **state)
{
	(void)state;
	assert_int_equal(sign("data", "s.k", "s.c", "s2.sig"), 0);
	assert_false(oracle("data", "s2.sig", "ca2.c", ""));
	assert_false(ours("data", "s2.sig", "ca2.c", NULL, 0));
	assert_msg("signer 'CN=signer' is not trusted by '");
	assert_msg("ca2.c'");
	assert_int_equal(sign("data", "ec.k", "ec.c", "ed2.sig"), 0);
	assert_false(oracle("data", "ed2.sig", "rsa.c", ""));
	assert_false(ours("data", "ed2.sig", "rsa.c", NULL, 0));
	assert_msg("signer 'CN=test' is not trusted by");
	/* A trust file without certificates is an error of its own. */
	assert_false(ours("data", "ed2.sig", "data", NULL, 0));
	assert_msg("holds no PEM certificate");
}

/* One byte of the data changed: bad by both. */
static void
test_tampered_data(void **state)
{
	size_t len;
	char *d = P("data"), *t = P("tampered"), *buf;

	(void)state;
	assert_int_equal(sign("data", "rsa.k", "rsa.c", "t.sig"), 0);
	buf = tu_slurp(d, &len);
	buf[3] ^= 0x01;
	tu_spew(t, buf, len);
	free(buf);
	assert_false(oracle("tampered", "t.sig", "rsa.c", ""));
	assert_false(ours("tampered", "t.sig", "rsa.c", NULL, 0));
	assert_msg("bad signature over '");
	assert_msg("tampered'");
	/* Also one byte more at the end. */
	assert_int_equal(tu_run("cd '%s' && cp data longer && printf x >>longer",
	    F->dir), 0);
	assert_false(oracle("longer", "t.sig", "rsa.c", ""));
	assert_false(ours("longer", "t.sig", "rsa.c", NULL, 0));
	assert_msg("bad signature over '");
	free(d);
	free(t);
}

/* Garbage, truncated and attached signatures. */
static void
test_bad_signature_files(void **state)
{
	(void)state;
	assert_int_equal(tu_run("cd '%s' && head -c 700 /dev/urandom >garbage.sig",
	    F->dir), 0);
	assert_false(oracle("data", "garbage.sig", "rsa.c", ""));
	assert_false(ours("data", "garbage.sig", "rsa.c", NULL, 0));
	assert_msg("garbage.sig' is not a CMS signature");

	assert_int_equal(sign("data", "rsa.k", "rsa.c", "full.sig"), 0);
	assert_int_equal(tu_run("cd '%s' && n=$(wc -c <full.sig) && "
	    "head -c $((n / 2)) full.sig >trunc.sig && "
	    "head -c $((n - 1)) full.sig >trunc1.sig", F->dir), 0);
	assert_false(oracle("data", "trunc.sig", "rsa.c", ""));
	assert_false(ours("data", "trunc.sig", "rsa.c", NULL, 0));
	assert_msg("trunc.sig' is not a CMS signature");
	assert_false(oracle("data", "trunc1.sig", "rsa.c", ""));
	assert_false(ours("data", "trunc1.sig", "rsa.c", NULL, 0));
	assert_msg("trunc1.sig' is not a CMS signature");

	/* An empty file. */
	assert_int_equal(tu_run("cd '%s' && : >empty.sig", F->dir), 0);
	assert_false(oracle("data", "empty.sig", "rsa.c", ""));
	assert_false(ours("data", "empty.sig", "rsa.c", NULL, 0));
	assert_msg("empty.sig' is not a CMS signature");

	/* Content inside the signature (not detached): refused. */
	assert_int_equal(tu_run("cd '%s' && openssl cms -sign -binary -nodetach "
	    "-md sha256 -signer rsa.c -inkey rsa.k -in data -outform DER "
	    "-out attached.sig", F->dir), 0);
	assert_false(ours("data", "attached.sig", "rsa.c", NULL, 0));
	assert_msg("attached.sig' is not a detached CMS signature");

	/* Missing files are named. */
	assert_false(ours("data", "missing.sig", "rsa.c", NULL, 0));
	assert_msg("missing.sig'");
	assert_false(ours("missing", "full.sig", "rsa.c", NULL, 0));
	assert_msg("cannot open '");
	assert_false(ours("data", "full.sig", "missing.c", NULL, 0));
	assert_msg("missing.c'");
}

/* Key and certificate that do not match: no signature, as with openssl. */
static void
test_key_cert_mismatch(void **state)
{
	char *s = P("mm.sig");

	(void)state;
	assert_int_not_equal(tu_run("cd '%s' && openssl cms -sign -binary "
	    "-signer ec.c -inkey rsa.k -in data -outform DER -out cli-mm.sig "
	    "2>/dev/null", F->dir), 0);
	assert_true(sign("data", "rsa.k", "ec.c", "mm.sig") < 0);
	assert_msg("does not match certificate '");
	assert_int_not_equal(access(s, F_OK), 0);
	assert_true(sign("data", "s.k", "ca.c", "mm.sig") < 0);
	assert_msg("does not match");
	assert_int_not_equal(access(s, F_OK), 0);
	free(s);
}

/* Bad key files: encrypted (no prompt, clear error), not a key at all. */
static void
test_bad_keys(void **state)
{
	(void)state;
	assert_true(sign("data", "enc.k", "ec.c", "enc.sig") < 0);
	assert_msg("is encrypted");
	assert_true(sign("data", "ec.c", "ec.c", "enc.sig") < 0);
	assert_msg("is not a PEM private key");
	assert_true(sign("data", "ec.k", "ec.k", "enc.sig") < 0);
	assert_msg("is not a PEM certificate");
	assert_true(sign("nodata", "ec.k", "ec.c", "enc.sig") < 0);
	assert_msg("cannot open '");
}

/* An expired signer certificate: refused by both, "expired" said. */
static void
test_expired(void **state)
{
	(void)state;
	/* The fixture is what we think: openssl calls it expired. */
	assert_int_equal(tu_run("cd '%s' && ! openssl verify -CAfile ca.c x.c "
	    ">x.out 2>&1 && grep -q 'certificate has expired' x.out", F->dir), 0);
	assert_int_equal(sign("data", "x.k", "x.c", "x.sig"), 0);
	assert_false(oracle("data", "x.sig", "ca.c", ""));
	assert_false(ours("data", "x.sig", "ca.c", NULL, 0));
	assert_msg("certificate of signer 'CN=old' has expired");
	/* Trusting the expired certificate itself does not help. */
	assert_false(oracle("data", "x.sig", "x.c", "-partial_chain"));
	assert_false(ours("data", "x.sig", "x.c", NULL, 0));
	assert_msg("has expired");
}

/* Only codeSigning in extendedKeyUsage: no purpose is required. */
static void
test_no_smime_purpose(void **state)
{
	char subj[64];

	(void)state;
	assert_int_equal(sign("data", "cs.k", "cs.c", "cs.sig"), 0);
	/* openssl's default (S/MIME signing) purpose rejects it ... */
	assert_int_not_equal(tu_run("cd '%s' && openssl cms -verify -binary "
	    "-inform DER -content data -in cs.sig -CAfile cs.c -out /dev/null "
	    "2>/dev/null", F->dir), 0);
	/* ... "-purpose any" accepts it, and so do we. */
	assert_true(oracle("data", "cs.sig", "cs.c", ""));
	assert_true(ours("data", "cs.sig", "cs.c", subj, sizeof(subj)));
	assert_string_equal(subj, "CN=code");
}

/* A signature over another file: bad. */
static void
test_other_file(void **state)
{
	(void)state;
	assert_int_equal(tu_run("cd '%s' && printf 'other' >other", F->dir), 0);
	assert_int_equal(sign("other", "ec.k", "ec.c", "other.sig"), 0);
	assert_true(oracle("other", "other.sig", "ec.c", ""));
	assert_false(oracle("data", "other.sig", "ec.c", ""));
	assert_false(ours("data", "other.sig", "ec.c", NULL, 0));
	assert_msg("bad signature over '");
	/* Re-signing replaces the old file atomically: still good. */
	assert_int_equal(sign("data", "ec.k", "ec.c", "other.sig"), 0);
	assert_true(oracle("data", "other.sig", "ec.c", ""));
	assert_true(ours("data", "other.sig", "ec.c", NULL, 0));
	/* No temporary file is left behind. */
	assert_int_equal(tu_run("cd '%s' && ! ls -a | grep -q 'sig\\.tmp'",
	    F->dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ec_self_signed),
		cmocka_unit_test(test_ed25519_refused),
		cmocka_unit_test(test_rsa_self_signed),
		cmocka_unit_test(test_ca_issued),
		cmocka_unit_test(test_wrong_trust),
		cmocka_unit_test(test_tampered_data),
		cmocka_unit_test(test_bad_signature_files),
		cmocka_unit_test(test_key_cert_mismatch),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_no_smime_purpose),
		cmocka_unit_test(test_other_file),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
