/*
 * cms.h: OpenSSL CMS (RFC 5652) detached signatures over a file, as used
 * for a bundle's MANIFEST.sig.
 *
 * The signature is a DER SignedData without encapsulated content, holding
 * the signer's certificate, made over the file's exact bytes (no MIME
 * canonicalization), so that
 *   openssl cms -verify -binary -inform DER -content MANIFEST \
 *       -in MANIFEST.sig -CAfile CERT.pem -purpose any
 * accepts it.  Nothing here prints; failures are recorded on the context.
 */
#ifndef JP_CMS_H
#define JP_CMS_H

#include <stddef.h>

struct jp_ctx;

/*
 * Sign the bytes of data_path with the unencrypted PEM private key in
 * key_pem and its PEM certificate cert_pem; write the detached DER
 * signature to sig_path through a temporary name, fsync and rename.
 * Digest SHA-256.  Fails when the key does not match the certificate, is
 * encrypted, or is an Ed25519 or Ed448 key (OpenSSL's CMS cannot sign
 * with those; RSA and EC keys work).
 * The key file's bytes are wiped from memory after use.
 */
int jp_cms_sign(struct jp_ctx *ctx, const char *data_path, const char *key_pem,
    const char *cert_pem, const char *sig_path);

/*
 * Check, before a long run that ends in jp_cms_sign, that the key in
 * key_pem can sign with cert_pem: readable, unencrypted, matching, of a
 * kind OpenSSL's CMS can use, and the certificate valid now.
 */
int jp_cms_check_key(struct jp_ctx *ctx, const char *key_pem,
    const char *cert_pem);

/*
 * Verify the detached DER signature in sig_path over the bytes of
 * data_path.  Returns 0 only when every signature in it is good and every
 * signer's certificate chains, at the current time, to a certificate in
 * trust_pem (one or more PEM certificates: the signer's own, or a CA that
 * issued it, or an intermediate; each one is a trust anchor).  No key
 * usage or extended key usage is required of the certificates.  The first
 * signer's subject (RFC 2253 form, e.g. "CN=test") goes to
 * signer_subject[n] (cut to fit) when signer_subject is not NULL.
 */
int jp_cms_verify(struct jp_ctx *ctx, const char *data_path,
    const char *sig_path, const char *trust_pem, char *signer_subject,
    size_t n);

#endif /* JP_CMS_H */
