/*
 * cms.c: CMS detached signatures through OpenSSL (see cms.h).
 *
 * Signing: CMS_sign(3) with CMS_DETACHED | CMS_BINARY | CMS_PARTIAL, one
 * signer added by CMS_add1_signer(3) with an explicit digest, then
 * CMS_final(3) over the data file.  CMS_BINARY keeps the bytes as they
 * are (no CRLF translation), which is what "openssl cms -verify -binary"
 * hashes.
 *
 * Verification is done in two steps.  CMS_verify(3) ("VERIFY PROCESS")
 * chain-verifies each signing certificate with the "smimesign" purpose
 * unless CMS_NO_SIGNER_CERT_VERIFY is given, and its failure only says
 * "certificate verify error", so:
 *  1. CMS_verify() with CMS_NO_SIGNER_CERT_VERIFY checks every
 *     SignerInfo's signature and the message digest of the detached
 *     content; a failure there means the signature itself is bad.
 *  2. Each signer certificate (CMS_get0_signers(3)) is verified by
 *     X509_verify_cert(3) against a store holding only the certificates of
 *     the trust file, with the certificates carried in the signature as
 *     untrusted intermediates.  The smimesign purpose rejects a
 *     certificate whose extended key usage lacks emailProtection (e.g.
 *     codeSigning only); we set X509_PURPOSE_ANY instead
 *     (X509_STORE_CTX_set_purpose(3), X509_check_purpose(3)), as
 *     "openssl cms -verify -purpose any" does: no key usage is required
 *     of a bundle signer's "openssl req -x509" certificate.
 *     X509_V_FLAG_PARTIAL_CHAIN (X509_VERIFY_PARAM_set_flags(3)) makes
 *     every certificate of the trust file an anchor, so the file may name
 *     the signer's own certificate even when a CA issued it.  Doing this
 *     step ourselves also gives the verification error code, so that an
 *     expired certificate is reported as such.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cms.h"
#include "ctx.h"
#include "fsutil.h"

/* A key file larger than this is not a PEM private key. */
#define JP_CMS_KEY_MAX (1024 * 1024)

/* The reason of the newest OpenSSL error, for messages. */
static const char *
jp_cms_ossl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "unknown OpenSSL error";
}

/* The subject of x in RFC 2253 form, into buf[n]. */
static void
jp_cms_subject(X509 *x, char *buf, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;

	if (n == 0)
		return;
	buf[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
	    XN_FLAG_RFC2253) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0) {
			if ((size_t)len >= n)
				len = (long)n - 1;
			memcpy(buf, p, (size_t)len);
			buf[len] = '\0';
		}
	}
	BIO_free(b);
}

/* A PEM passphrase callback that never asks (no prompt on the terminal). */
static int
jp_cms_no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/*
 * Read the private key file into a buffer that is wiped before it is
 * freed or grown, so no copy of the key stays behind in the heap.
 */
static int
jp_cms_read_secret(struct jp_ctx *ctx, const char *path, unsigned char **data,
    size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char *buf, *nbuf;
	size_t have = 0, cap = 8192;
	ssize_t r;

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return jp_error_errno(ctx, errno, "cannot open '%s'", path);
	buf = jp_xmalloc(cap);
	for (;;) {
		if (have == cap) {
			if (cap >= JP_CMS_KEY_MAX) {
				OPENSSL_cleanse(buf, have);
				free(buf);
				close(fd);
				return jp_error_set(ctx, JP_ERR,
				    "'%s' is too large for a private key", path);
			}
			nbuf = jp_xmalloc(cap * 2);
			memcpy(nbuf, buf, have);
			OPENSSL_cleanse(buf, have);
			free(buf);
			buf = nbuf;
			cap *= 2;
		}
		r = read(fd, buf + have, cap - have);
		if (r == 0)
			break;
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			OPENSSL_cleanse(buf, have);
			free(buf);
			close(fd);
			return jp_error_errno(ctx, e, "cannot read '%s'", path);
		}
		have += (size_t)r;
	}
	close(fd);
	*data = buf;
	*len = have;
	return 0;
}

/* Load the PEM private key of path; NULL with a message on failure. */
static EVP_PKEY *
jp_cms_load_key(struct jp_ctx *ctx, const char *path)
{
	unsigned char *data;
	size_t len;
	BIO *b;
	EVP_PKEY *key = NULL;

	jp_file_warn_secret(ctx, path, "private key");
	if (jp_cms_read_secret(ctx, path, &data, &len) < 0)
		return NULL;
	if (len > 0 && (b = BIO_new_mem_buf(data, (int)len)) != NULL) {
		key = PEM_read_bio_PrivateKey(b, NULL, jp_cms_no_pass, NULL);
		BIO_free(b);
	}
	if (!key) {
		/* RFC 7468 sect. 11 and the traditional OpenSSL header. */
		if (memmem(data, len, "ENCRYPTED", 9))
			jp_error_set(ctx, JP_ERR, "private key '%s' is encrypted "
			    "(passphrases are not supported)", path);
		else
			jp_error_set(ctx, JP_ERR, "'%s' is not a PEM private key: %s",
			    path, jp_cms_ossl_reason());
	}
	OPENSSL_cleanse(data, len);
	free(data);
	return key;
}

/* Load the first PEM certificate of path; NULL with a message on failure. */
static X509 *
jp_cms_load_cert(struct jp_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	X509 *x;

	if (!f) {
		jp_error_errno(ctx, errno, "cannot open '%s'", path);
		return NULL;
	}
	x = PEM_read_X509(f, NULL, jp_cms_no_pass, NULL);
	fclose(f);
	if (!x)
		jp_error_set(ctx, JP_ERR, "'%s' is not a PEM certificate: %s",
		    path, jp_cms_ossl_reason());
	return x;
}

/* Open path for reading as a BIO; NULL with a message on failure. */
static BIO *
jp_cms_open_data(struct jp_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	BIO *b;

	if (!f) {
		jp_error_errno(ctx, errno, "cannot open '%s'", path);
		return NULL;
	}
	b = BIO_new_fp(f, BIO_CLOSE);
	if (!b) {
		fclose(f);
		jp_error_set(ctx, JP_ERR_NOMEM, "out of memory");
	}
	return b;
}

/*
 * Load the signer's key and certificate, checked to match and to be of a
 * kind OpenSSL's CMS can sign with; both NULL with a message on failure.
 */
static int
jp_cms_load_signer(struct jp_ctx *ctx, const char *key_pem,
    const char *cert_pem, EVP_PKEY **keyp, X509 **certp)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	*keyp = NULL;
	*certp = NULL;
	if (!(cert = jp_cms_load_cert(ctx, cert_pem)))
		goto fail;
	if (!(key = jp_cms_load_key(ctx, key_pem)))
		goto fail;
	if (X509_check_private_key(cert, key) != 1) {
		jp_error_set(ctx, JP_ERR, "private key '%s' does not match "
		    "certificate '%s'", key_pem, cert_pem);
		goto fail;
	}
	/*
	 * EdDSA: RFC 8419 sect. 3.1 wants SHA-512 (Ed25519) or SHAKE256
	 * (Ed448) as the digest with signed attributes, but OpenSSL 3.0's CMS
	 * cannot sign with either: "openssl cms -sign" fails the same way
	 * (openssl/openssl issues 11915 and 13523; the fix, pull request
	 * 26867, was not merged).  Say so instead of OpenSSL's "cms datafinal
	 * error".
	 */
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_ED25519:
	case EVP_PKEY_ED448:
		jp_error_set(ctx, JP_ERR, "private key '%s' is %s, which OpenSSL "
		    "cannot use for CMS signatures; use an RSA or EC (ECDSA) key",
		    key_pem, EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ?
		    "Ed25519" : "Ed448");
		goto fail;
	}
	*keyp = key;
	*certp = cert;
	return 0;
fail:
	EVP_PKEY_free(key);
	X509_free(cert);
	return JP_ERR;
}

static void jp_cms_not_after(X509 *x, char *buf, size_t n);

int
jp_cms_check_key(struct jp_ctx *ctx, const char *key_pem, const char *cert_pem)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	char subj[512], when[64];
	int rc = JP_ERR;

	ERR_clear_error();
	if (jp_cms_load_signer(ctx, key_pem, cert_pem, &key, &cert) < 0)
		goto out;
	jp_cms_subject(cert, subj, sizeof(subj));
	if (X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		jp_cms_not_after(cert, when, sizeof(when));
		jp_error_set(ctx, JP_ERR, "certificate '%s' of signer '%s' has "
		    "expired (not after %s)", cert_pem, subj, when);
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(cert)) > 0) {
		jp_error_set(ctx, JP_ERR, "certificate '%s' of signer '%s' is "
		    "not valid yet", cert_pem, subj);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	ERR_clear_error();
	return rc;
}

int
jp_cms_sign(struct jp_ctx *ctx, const char *data_path, const char *key_pem,
    const char *cert_pem, const char *sig_path)
{
	const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIO *in = NULL;
	CMS_ContentInfo *cms = NULL;
	const EVP_MD *md;
	unsigned char *der = NULL;
	int derlen, rc = JP_ERR;

	ERR_clear_error();
	if (jp_cms_load_signer(ctx, key_pem, cert_pem, &key, &cert) < 0)
		goto out;
	md = EVP_sha256();
	if (!(in = jp_cms_open_data(ctx, data_path)))
		goto out;
	cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	if (!cms || !CMS_add1_signer(cms, cert, key, md, flags)) {
		jp_error_set(ctx, JP_ERR, "cannot sign with '%s': %s", key_pem,
		    jp_cms_ossl_reason());
		goto out;
	}
	if (!CMS_final(cms, in, NULL, flags)) {
		jp_error_set(ctx, JP_ERR, "cannot sign '%s': %s", data_path,
		    jp_cms_ossl_reason());
		goto out;
	}
	derlen = i2d_CMS_ContentInfo(cms, &der);
	if (derlen <= 0) {
		jp_error_set(ctx, JP_ERR, "cannot encode the signature of '%s': %s",
		    data_path, jp_cms_ossl_reason());
		goto out;
	}
	if (jp_file_write_atomic(ctx, sig_path, der, (size_t)derlen) < 0)
		goto out;
	rc = 0;
out:
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	EVP_PKEY_free(key);
	X509_free(cert);
	ERR_clear_error();
	return rc;
}

/*
 * A store with every certificate of the PEM file path as a trust anchor;
 * NULL with a message when it cannot be read or holds none.
 */
static X509_STORE *
jp_cms_load_trust(struct jp_ctx *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	X509_STORE *store;
	X509 *x;
	int n = 0;

	if (!f) {
		jp_error_errno(ctx, errno, "cannot open '%s'", path);
		return NULL;
	}
	if (!(store = X509_STORE_new())) {
		fclose(f);
		jp_error_set(ctx, JP_ERR_NOMEM, "out of memory");
		return NULL;
	}
	while ((x = PEM_read_X509(f, NULL, jp_cms_no_pass, NULL)) != NULL) {
		if (!X509_STORE_add_cert(store, x)) {
			X509_free(x);
			fclose(f);
			X509_STORE_free(store);
			jp_error_set(ctx, JP_ERR, "cannot use certificate from "
			    "'%s': %s", path, jp_cms_ossl_reason());
			return NULL;
		}
		X509_free(x);
		n++;
	}
	fclose(f);
	/* The loop ends on "no start line" at the end of the file. */
	ERR_clear_error();
	if (n == 0) {
		X509_STORE_free(store);
		jp_error_set(ctx, JP_ERR, "'%s' holds no PEM certificate", path);
		return NULL;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	return store;
}

/* The printable notAfter of x, into buf[n]. */
static void
jp_cms_not_after(X509 *x, char *buf, size_t n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long len;

	buf[0] = '\0';
	if (!b)
		return;
	if (ASN1_TIME_print(b, X509_get0_notAfter(x))) {
		len = BIO_get_mem_data(b, &p);
		if (len > 0) {
			if ((size_t)len >= n)
				len = (long)n - 1;
			memcpy(buf, p, (size_t)len);
			buf[len] = '\0';
		}
	}
	BIO_free(b);
}

/* Chain-verify one signer certificate against store (see the top). */
static int
jp_cms_check_signer(struct jp_ctx *ctx, X509_STORE *store, X509 *signer,
    STACK_OF(X509) *untrusted, const char *trust_pem)
{
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	char subj[512], bad[512], when[64];
	X509 *cur;
	int err, rc = JP_ERR;

	jp_cms_subject(signer, subj, sizeof(subj));
	if (!sctx || !X509_STORE_CTX_init(sctx, store, signer, untrusted)) {
		X509_STORE_CTX_free(sctx);
		return jp_error_set(ctx, JP_ERR_NOMEM, "out of memory");
	}
	X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_ANY);
	if (X509_verify_cert(sctx) == 1) {
		rc = 0;
		goto out;
	}
	err = X509_STORE_CTX_get_error(sctx);
	cur = X509_STORE_CTX_get_current_cert(sctx);
	if (!cur)
		cur = signer;
	jp_cms_subject(cur, bad, sizeof(bad));
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		jp_cms_not_after(cur, when, sizeof(when));
		if (cur == signer || X509_cmp(cur, signer) == 0)
			jp_error_set(ctx, JP_ERR, "certificate of signer '%s' "
			    "has expired (not after %s)", subj, when);
		else
			jp_error_set(ctx, JP_ERR, "certificate '%s' in the chain "
			    "of signer '%s' has expired (not after %s)", bad, subj,
			    when);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		jp_error_set(ctx, JP_ERR, "certificate '%s' in the chain of "
		    "signer '%s' is not valid yet", bad, subj);
		break;
	default:
		jp_error_set(ctx, JP_ERR, "signer '%s' is not trusted by '%s': %s",
		    subj, trust_pem, X509_verify_cert_error_string(err));
		break;
	}
out:
	X509_STORE_CTX_free(sctx);
	return rc;
}

int
jp_cms_verify(struct jp_ctx *ctx, const char *data_path,
    const char *sig_path, const char *trust_pem, char *signer_subject,
    size_t n)
{
	X509_STORE *store = NULL;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *signers = NULL, *certs = NULL;
	BIO *in = NULL;
	char *der = NULL;
	const unsigned char *p;
	size_t len;
	int i, rc = JP_ERR;

	ERR_clear_error();
	if (signer_subject && n > 0)
		signer_subject[0] = '\0';
	if (!(store = jp_cms_load_trust(ctx, trust_pem)))
		goto out;
	if (jp_file_read(ctx, sig_path, &der, &len) < 0)
		goto out;
	p = (const unsigned char *)der;
	if (len > 0x7fffffff ||
	    !(cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		jp_error_set(ctx, JP_ERR, "'%s' is not a CMS signature", sig_path);
		goto out;
	}
	if (p != (const unsigned char *)der + len) {
		jp_error_set(ctx, JP_ERR, "'%s' has trailing bytes after its "
		    "CMS signature", sig_path);
		goto out;
	}
	if (CMS_is_detached(cms) != 1) {
		jp_error_set(ctx, JP_ERR, "'%s' is not a detached CMS signature",
		    sig_path);
		goto out;
	}
	if (!(in = jp_cms_open_data(ctx, data_path)))
		goto out;
	/* Step 1: the signatures and the content digest. */
	if (CMS_verify(cms, NULL, store, in, NULL,
	    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		jp_error_set(ctx, JP_ERR, "bad signature over '%s' in '%s': %s",
		    data_path, sig_path, jp_cms_ossl_reason());
		goto out;
	}
	/* Step 2: each signer chains to the trust file. */
	signers = CMS_get0_signers(cms);
	if (!signers || sk_X509_num(signers) == 0) {
		jp_error_set(ctx, JP_ERR, "'%s' names no signer", sig_path);
		goto out;
	}
	certs = CMS_get1_certs(cms);
	for (i = 0; i < sk_X509_num(signers); i++)
		if (jp_cms_check_signer(ctx, store, sk_X509_value(signers, i),
		    certs, trust_pem) < 0)
			goto out;
	if (signer_subject && n > 0)
		jp_cms_subject(sk_X509_value(signers, 0), signer_subject, n);
	rc = 0;
out:
	sk_X509_pop_free(certs, X509_free);
	sk_X509_free(signers);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	free(der);
	X509_STORE_free(store);
	ERR_clear_error();
	return rc;
}
