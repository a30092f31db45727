/*
 * pgp.h: OpenPGP signatures of repository metadata through GPGME.
 *
 * Signing uses the user's GnuPG home (or the one given); verification
 * never does: it imports the given key file into a private, temporary
 * GnuPG home so that only the keys of that file can make a signature
 * good.  Nothing here prints; failures are recorded on the context.
 */
#ifndef JP_PGP_H
#define JP_PGP_H

#include <stddef.h>

struct jp_ctx;

struct jp_pgp_signer {
	const char *keyid;           /* key id, fingerprint or user id */
	const char *homedir;         /* NULL: $GNUPGHOME or ~/.gnupg */
	const char *passphrase_file; /* NULL: gpg-agent / no passphrase */
};

/* Longest fingerprint text plus NUL (v4: 40 hex digits; v5: 64). */
#define JP_PGP_FPR_MAX 65

/*
 * Sign the metadata in metadir with s's key, digest SHA512.
 * apt = 0: metadir is a repodata/ directory; writes repomd.xml.asc (the
 * detached, armored signature of repomd.xml) and repomd.xml.key (the
 * armored public key, which zypper fetches).  apt = 1: metadir is a
 * dists/SUITE/ directory; writes InRelease (the clearsigned Release) and
 * Release.gpg (detached, armored).  Every signature is made before the
 * first file is replaced; each file goes through a temporary name, fsync
 * and rename.  On failure the previous files are left as they were.
 */
int jp_pgp_sign_metadata(struct jp_ctx *ctx, const char *metadir, int apt,
    const struct jp_pgp_signer *s);

/*
 * Generate a new key pair in homedir (NULL: the default home; created
 * mode 0700 when missing) without passphrase and without asking: primary
 * key able to sign (and certify), algo "rsa3072" or "ed25519", user id
 * uid.  expires: seconds from now, 0 for never.  The fingerprint goes to
 * fpr[fprlen] (JP_PGP_FPR_MAX is enough).
 */
int jp_pgp_generate_key(struct jp_ctx *ctx, const char *homedir,
    const char *uid, const char *algo, unsigned long expires,
    char *fpr, size_t fprlen);

/*
 * Write the public key keyid from homedir to path, atomically: armored
 * (for dnf gpgkey= and zypper, usually .asc) or binary (what apt's
 * signed-by= takes as .gpg).  Exactly one key must match keyid.
 */
int jp_pgp_export_key(struct jp_ctx *ctx, const char *homedir,
    const char *keyid, const char *path, int armor);

/*
 * Check the detached signature sig_path of data_path against the keys of
 * keyfile (armored or binary) only.  Returns 0 for a good signature by a
 * key of that file (its fingerprint in fpr_out[n] when fpr_out is not
 * NULL), else a negative code with "bad signature", "signed by a key not
 * in 'FILE'", "no signature" or the like recorded.
 */
int jp_pgp_verify_detached(struct jp_ctx *ctx, const char *keyfile,
    const char *data_path, const char *sig_path, char *fpr_out, size_t n);

/*
 * Check the clearsigned file path against the keys of keyfile only, like
 * jp_pgp_verify_detached(); on success *plain (NUL-terminated, caller
 * frees) and *len hold the signed text.
 */
int jp_pgp_verify_clearsigned(struct jp_ctx *ctx, const char *keyfile,
    const char *path, char **plain, size_t *len);

/*
 * The text of a clearsigned message (RFC 4880 7.1), its signature NOT
 * checked: the armor headers up to the first empty line are skipped, the
 * lines up to "-----BEGIN PGP SIGNATURE-----" are the text, "- " taken off
 * the dash-escaped ones, the last line ended with a newline as the file
 * that was signed holds it.  malloc'd, its length in *outlen; NULL when
 * buf is not a clearsigned message.
 */
char *jp_pgp_clearsigned_text(const char *buf, size_t len, size_t *outlen);

#endif
