/*
 * digest.h: streaming message digests over OpenSSL EVP.
 *
 * A struct jp_digest computes any set of md5, sha1, sha256 and sha512 over
 * one stream in a single pass, so a package file is read once whatever the
 * repository format needs.  Results are lowercase hex strings.
 */
#ifndef JP_DIGEST_H
#define JP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;

enum jp_digest_algo {
	JP_DIGEST_MD5 = 1 << 0,
	JP_DIGEST_SHA1 = 1 << 1,
	JP_DIGEST_SHA256 = 1 << 2,
	JP_DIGEST_SHA512 = 1 << 3,
};

#define JP_DIGEST_NALGOS 4
#define JP_DIGEST_HEX_MAX 129

struct jp_digest {
	unsigned algos;
	void *md[JP_DIGEST_NALGOS];     /* EVP_MD_CTX * per algorithm */
	char hex[JP_DIGEST_NALGOS][JP_DIGEST_HEX_MAX];
	uint64_t nbytes;
};

/* --- streaming --- */
int jp_digest_init(struct jp_digest *d, unsigned algos);
void jp_digest_update(struct jp_digest *d, const void *buf, size_t len);
/* Finish; the hex strings are then in jp_digest_hex(). */
void jp_digest_final(struct jp_digest *d);
void jp_digest_release(struct jp_digest *d);
const char *jp_digest_hex(const struct jp_digest *d, unsigned algo);

/* --- whole buffers and files --- */
/* Hex sha256 of a buffer into out[65]. */
void jp_sha256_hex(const void *buf, size_t len, char out[65]);
/*
 * Digest an open file descriptor from its current offset to EOF.  Returns
 * 0, or a negative code with a message naming `path`.
 */
int jp_digest_fd(struct jp_ctx *ctx, int fd, const char *path,
    struct jp_digest *d);

/* Name used in metadata: "md5", "sha1", "sha256", "sha512". */
const char *jp_digest_name(unsigned algo);

#endif
