/*
 * fuzz_aptmd: the APT pool reader (aptmd_read.c: Release, InRelease,
 * Packages) behind jp_pool_add_repo.  The input is written into a
 * repository directory; its first byte says what the rest is (modulo 3):
 *   0  dists/stable/Release, beside the fixed Packages below in
 *      main/binary-amd64 and main/binary-all (a seed that lists their
 *      SHA256 and size gets the reader into them);
 *   1  main/binary-amd64/Packages, with a Release written here that lists
 *      it with its true SHA256 and size (so the reader always parses it);
 *   2  dists/stable/InRelease (no Release), beside the fixed Packages.
 * The pool is read for amd64, then indexed as plan does.
 */
#include "config.h"

#include "fuzz_common.h"
#include "digest.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char packages[] =
    "Package: hello\n"
    "Version: 1.1-1\n"
    "Architecture: amd64\n"
    "Maintainer: Nobody <nobody@example.org>\n"
    "Installed-Size: 12\n"
    "Depends: libgreet (>= 1.0), libc6 (>= 2.36) | libc6.1 [ia64]\n"
    "Filename: pool/main/h/hello/hello_1.1-1_amd64.deb\n"
    "Size: 1000\n"
    "SHA256: 0000000000000000000000000000000000000000000000000000000000000000\n"
    "Description: says hello\n"
    "\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_pool pool;
	struct jp_ctx ctx;
	char dir[128], hex[65], *rel;
	static const char *stale[] = { "dists/stable/Release",
	    "dists/stable/InRelease",
	    "dists/stable/main/binary-all/Packages" };
	unsigned which;
	size_t i;
	int rc;

	if (size < 1)
		return 0;
	which = data[0] % 3;
	snprintf(dir, sizeof(dir), "%s/apt", fz_tmpdir());
	fz_ctx(&ctx);
	/* What the last input left that this one must not see. */
	for (i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
		char p[256];

		snprintf(p, sizeof(p), "%s/%s", dir, stale[i]);
		(void)unlink(p);
	}
	if (which == 1) {
		jp_sha256_hex(data + 1, size - 1, hex);
		rel = jp_xasprintf("Suite: stable\nCodename: stable\n"
		    "Architectures: amd64\nComponents: main\nSHA256:\n"
		    " %s %zu main/binary-amd64/Packages\n", hex, size - 1);
		fz_write(dir, "dists/stable/Release", rel, strlen(rel));
		fz_write(dir, "dists/stable/main/binary-amd64/Packages",
		    data + 1, size - 1);
		free(rel);
	} else {
		fz_write(dir, "dists/stable/main/binary-amd64/Packages",
		    packages, strlen(packages));
		fz_write(dir, "dists/stable/main/binary-all/Packages",
		    packages, strlen(packages));
		fz_write(dir, which == 0 ? "dists/stable/Release" :
		    "dists/stable/InRelease", data + 1, size - 1);
	}
	jp_pool_init(&pool, JP_POOL_DEB);
	rc = jp_pool_add_repo(&ctx, &pool, dir, "amd64");
	fz_debug(&ctx, "add_repo", rc);
	if (rc == 0)
		jp_pool_index(&pool);
	jp_pool_release(&pool);
	return 0;
}
