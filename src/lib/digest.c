/* digest.c: streaming md5/sha1/sha256/sha512 through OpenSSL EVP. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ctx.h"
#include "digest.h"

static int
jp_digest_index(unsigned algo)
{
	switch (algo) {
	case JP_DIGEST_MD5: return 0;
	case JP_DIGEST_SHA1: return 1;
	case JP_DIGEST_SHA256: return 2;
	case JP_DIGEST_SHA512: return 3;
	}
	return -1;
}

static const EVP_MD *
jp_digest_md(int i)
{
	switch (i) {
	case 0: return EVP_md5();
	case 1: return EVP_sha1();
	case 2: return EVP_sha256();
	default: return EVP_sha512();
	}
}

const char *
jp_digest_name(unsigned algo)
{
	switch (algo) {
	case JP_DIGEST_MD5: return "md5";
	case JP_DIGEST_SHA1: return "sha1";
	case JP_DIGEST_SHA256: return "sha256";
	case JP_DIGEST_SHA512: return "sha512";
	}
	return "?";
}

int
jp_digest_init(struct jp_digest *d, unsigned algos)
{
	int i;

	memset(d, 0, sizeof(*d));
	d->algos = algos;
	for (i = 0; i < JP_DIGEST_NALGOS; i++) {
		if (!(algos & (1u << i)))
			continue;
		d->md[i] = EVP_MD_CTX_new();
		if (!d->md[i] || !EVP_DigestInit_ex(d->md[i], jp_digest_md(i), NULL)) {
			jp_digest_release(d);
			return JP_ERR;
		}
	}
	return 0;
}

void
jp_digest_update(struct jp_digest *d, const void *buf, size_t len)
{
	int i;

	for (i = 0; i < JP_DIGEST_NALGOS; i++)
		if (d->md[i])
			EVP_DigestUpdate(d->md[i], buf, len);
	d->nbytes += len;
}

void
jp_digest_final(struct jp_digest *d)
{
	static const char hexdig[] = "0123456789abcdef";
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned int n, k;
	int i;

	for (i = 0; i < JP_DIGEST_NALGOS; i++) {
		if (!d->md[i])
			continue;
		n = 0;
		EVP_DigestFinal_ex(d->md[i], raw, &n);
		for (k = 0; k < n && 2 * k + 2 < JP_DIGEST_HEX_MAX; k++) {
			d->hex[i][2 * k] = hexdig[raw[k] >> 4];
			d->hex[i][2 * k + 1] = hexdig[raw[k] & 15];
		}
		d->hex[i][2 * k] = '\0';
		EVP_MD_CTX_free(d->md[i]);
		d->md[i] = NULL;
	}
}

void
jp_digest_release(struct jp_digest *d)
{
	int i;

	for (i = 0; i < JP_DIGEST_NALGOS; i++) {
		EVP_MD_CTX_free(d->md[i]);
		d->md[i] = NULL;
	}
}

const char *
jp_digest_hex(const struct jp_digest *d, unsigned algo)
{
	int i = jp_digest_index(algo);

	return i < 0 ? "" : d->hex[i];
}

void
jp_sha256_hex(const void *buf, size_t len, char out[65])
{
	struct jp_digest d;

	if (jp_digest_init(&d, JP_DIGEST_SHA256) < 0) {
		out[0] = '\0';
		return;
	}
	jp_digest_update(&d, buf, len);
	jp_digest_final(&d);
	memcpy(out, d.hex[2], 65);
}

int
jp_digest_fd(struct jp_ctx *ctx, int fd, const char *path, struct jp_digest *d)
{
	unsigned char buf[256 * 1024];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return jp_error_errno(ctx, errno, "cannot read '%s'", path);
		}
		jp_digest_update(d, buf, (size_t)n);
	}
	return 0;
}
