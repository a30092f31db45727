/*
 * fuzz_verify: the repository verifier (verify.c, jp_verify, `jprepo
 * verify`) with its own readers of repomd.xml, primary.xml (any
 * compression), the SHA256 field of Release/InRelease and Packages (any
 * compression).  It reads a repository directory, so the input is written
 * into a fresh one per input (removed afterwards, all under the scratch
 * directory of the process).  The checksums in the metadata would stop the
 * fuzzer at the top file, so the first byte says what the rest is: its
 * low two bits the mode, bits 2 and 3 variants (A, B), bit 4 turns the
 * package checksums off (as without --packages: sizes only).
 *   0  repodata/repomd.xml as it is;
 *   1  primary.xml (as it is: it may be compressed itself), written as
 *      repodata/fuzz-primary.xml, or (A) gzip compressed here as
 *      repodata/fuzz-primary.xml.gz, with a repomd.xml written here that
 *      lists it with its true sha256, size, open-sha256 and open-size, so
 *      that the primary reader always reads it; (B) the size listed is one
 *      too many, so that the primary is read as "broken but present";
 *   2  dists/stable/Release as it is, or (A) dists/stable/InRelease (read
 *      as a clearsigned message), or (B) both with the same text;
 *   3  a Packages index (as it is: it may be compressed itself), written
 *      as dists/stable/main/binary-all/Packages, or (A) gzip compressed
 *      here as Packages.gz, or (B) both, with a Release written here that
 *      lists it (them) with the true SHA256 and size, so that the Packages
 *      reader always reads it.
 * jp_verify runs without a keyring, as `jprepo verify` without --keyring:
 * the signature is not checked (a warning) and Release/InRelease are read
 * all the same; no gpg per input.  One worker thread.
 * Beside the input there is always one small package file for each
 * format, listed with its true size and sha256 by a fixed
 * repodata/primary.xml, and in modes 1 and 3 the first package the input
 * names (the first <location href> and <size package>, or Filename and
 * Size) is made, zero-filled, with the size the input gives (up to 64 KB),
 * so that the size and checksum checks of packages are reached too.  Any
 * result is fine; a crash, leak or hang is not.
 *
 * Seeds (corpus/verify/, first byte as above): jprepo build's output for
 * tests/mkrpms.sh's and tests/mkdebs.sh's packages: repomd.xml (gzip, xz,
 * with updateinfo), primary (plain, and its .gz/.xz/.zst files as they
 * are), Release, InRelease (signed by jprepo sign), Packages (plain, .xz).
 */
#include "config.h"

#include <zlib.h>

#include "fuzz_common.h"
#include "digest.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_pkg[] = "jprepo fuzz: not a real package\n";
static const char rpm_rel[] = "Packages/fixed-1.0-1.noarch.rpm";
static const char deb_rel[] = "pool/main/f/fixed/fixed_1.0-1_all.deb";

/* gzip of n bytes at p (malloc'd, its size in *outlen); aborts on error. */
static unsigned char *
fz_gzip(const void *p, size_t n, size_t *outlen)
{
	z_stream z;
	unsigned char *out;
	size_t cap;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	cap = deflateBound(&z, (uLong)n) + 32;
	out = jp_xmalloc(cap);
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*outlen = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

/* A repomd.xml as jprepo build writes it, listing one primary. */
static char *
fz_repomd(const char *href, const char *sum, size_t size,
    const char *opensum, size_t opensize)
{
	return jp_xasprintf(
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" "
	    "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n"
	    "  <revision>1700000000</revision>\n"
	    "  <data type=\"primary\">\n"
	    "    <checksum type=\"sha256\">%s</checksum>\n"
	    "    <open-checksum type=\"sha256\">%s</open-checksum>\n"
	    "    <location href=\"%s\"/>\n"
	    "    <timestamp>1700000000</timestamp>\n"
	    "    <size>%zu</size>\n"
	    "    <open-size>%zu</open-size>\n"
	    "  </data>\n"
	    "</repomd>\n", sum, opensum, href, size, opensize);
}

/* The files every input has beside it. */
static void
fz_fixed(const char *dir)
{
	static char *primary;
	char hex[65];

	if (!primary) {
		jp_sha256_hex(fixed_pkg, strlen(fixed_pkg), hex);
		primary = jp_xasprintf(
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<metadata xmlns=\"http://linux.duke.edu/metadata/common\" "
		    "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" "
		    "packages=\"1\">\n"
		    "<package type=\"rpm\">\n"
		    "  <name>fixed</name>\n  <arch>noarch</arch>\n"
		    "  <version epoch=\"0\" ver=\"1.0\" rel=\"1\"/>\n"
		    "  <checksum type=\"sha256\" pkgid=\"YES\">%s</checksum>\n"
		    "  <size package=\"%zu\" installed=\"0\" archive=\"0\"/>\n"
		    "  <location href=\"%s\"/>\n"
		    "</package>\n"
		    "</metadata>\n", hex, strlen(fixed_pkg), rpm_rel);
	}
	fz_write(dir, rpm_rel, fixed_pkg, strlen(fixed_pkg));
	fz_write(dir, deb_rel, fixed_pkg, strlen(fixed_pkg));
	fz_write(dir, "repodata/primary.xml", primary, strlen(primary));
}

/*
 * Write n bytes at p to the file rel under dir (parents made), quietly
 * doing nothing when that fails: for names taken from the input.
 */
static void
fz_try_write(const char *dir, const char *rel, const void *p, size_t n)
{
	char path[4096];
	char *s;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		(void)mkdir(path, 0700);
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return;
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			break;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	close(fd);
}

/*
 * The text after the first `key` in p[0..n) up to `end` (exclusive), when
 * it is there and shorter than cap; "" otherwise.
 */
static void
fz_find(const uint8_t *p, size_t n, const char *key, int end, char *out,
    size_t cap)
{
	const uint8_t *k, *e;
	size_t kl = strlen(key);

	out[0] = '\0';
	k = memmem(p, n, key, kl);
	if (k == NULL)
		return;
	k += kl;
	e = memchr(k, end, n - (size_t)(k - p));
	if (e == NULL || (size_t)(e - k) >= cap)
		return;
	memcpy(out, k, (size_t)(e - k));
	out[e - k] = '\0';
}

/*
 * Make the first package the input names, zero-filled, with the size it
 * says: only a relative name of printable characters without "", "." or
 * ".." components, ending in .rpm or .deb, so that nothing outside dir is
 * touched and no directory the metadata needs is taken.
 */
static void
fz_first_package(const char *dir, const uint8_t *p, size_t n, int apt)
{
	static const uint8_t zeros[65536];
	char rel[256], num[16], *c, *e;
	size_t l, i;
	unsigned long sz;

	fz_find(p, n, apt ? "\nFilename: " : "<location href=\"",
	    apt ? '\n' : '"', rel, sizeof(rel));
	fz_find(p, n, apt ? "\nSize: " : "<size package=\"", apt ? '\n' : '"',
	    num, sizeof(num));
	l = strlen(rel);
	if (l < 5 || rel[0] == '/' || (strcmp(rel + l - 4, ".rpm") &&
	    strcmp(rel + l - 4, ".deb")))
		return;
	for (i = 0; i < l; i++)
		if ((unsigned char)rel[i] < 0x20 || (unsigned char)rel[i] > 0x7e)
			return;
	for (c = rel; c != NULL; c = e ? e + 1 : NULL) {
		e = strchr(c, '/');
		l = e ? (size_t)(e - c) : strlen(c);
		if (l == 0 || (l == 1 && c[0] == '.') ||
		    (l == 2 && c[0] == '.' && c[1] == '.'))
			return;
	}
	if (num[0] < '0' || num[0] > '9' || strspn(num, "0123456789") !=
	    strlen(num))
		return;
	sz = strtoul(num, NULL, 10);
	if (sz > sizeof(zeros))
		return;
	fz_try_write(dir, rel, zeros, sz);
}

/* Mode 1: the input is primary.xml, listed (truly unless `wrong`) by repomd.xml. */
static void
fz_primary(const char *dir, const uint8_t *p, size_t n, int gz, int wrong)
{
	char sum[65], opensum[65], *md;
	unsigned char *z = NULL;
	size_t zn = n;

	jp_sha256_hex(p, n, opensum);
	if (gz) {
		z = fz_gzip(p, n, &zn);
		jp_sha256_hex(z, zn, sum);
		fz_write(dir, "repodata/fuzz-primary.xml.gz", z, zn);
	} else {
		memcpy(sum, opensum, sizeof(sum));
		fz_write(dir, "repodata/fuzz-primary.xml", p, n);
	}
	md = fz_repomd(gz ? "repodata/fuzz-primary.xml.gz" :
	    "repodata/fuzz-primary.xml", sum, zn + (wrong ? 1 : 0), opensum, n);
	fz_write(dir, "repodata/repomd.xml", md, strlen(md));
	free(md);
	free(z);
}

/*
 * Mode 3: the input is a Packages index, plain, gzip compressed here or
 * both, listed truly by Release (the .gz first: the reader prefers the
 * plain one when both are listed).
 */
static void
fz_packages(const char *dir, const uint8_t *p, size_t n, int gz, int both)
{
	char hex[65], zhex[65], *rel, *lines;
	unsigned char *z = NULL;
	size_t zn = 0;

	if (gz || both) {
		z = fz_gzip(p, n, &zn);
		jp_sha256_hex(z, zn, zhex);
		fz_write(dir, "dists/stable/main/binary-all/Packages.gz", z, zn);
	}
	if (!gz || both) {
		jp_sha256_hex(p, n, hex);
		fz_write(dir, "dists/stable/main/binary-all/Packages", p, n);
	}
	if (both)
		lines = jp_xasprintf(" %s %zu main/binary-all/Packages.gz\n"
		    " %s %zu main/binary-all/Packages\n", zhex, zn, hex, n);
	else if (gz)
		lines = jp_xasprintf(" %s %zu main/binary-all/Packages.gz\n",
		    zhex, zn);
	else
		lines = jp_xasprintf(" %s %zu main/binary-all/Packages\n", hex, n);
	rel = jp_xasprintf("Origin: Test\nLabel: Test\nSuite: stable\n"
	    "Codename: stable\nDate: Tue, 14 Nov 2023 22:13:20 UTC\n"
	    "Architectures: all\nComponents: main\nSHA256:\n%s", lines);
	fz_write(dir, "dists/stable/Release", rel, strlen(rel));
	free(rel);
	free(lines);
	free(z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_verify_opts opts;
	struct jp_verify_result res;
	struct jp_ctx ctx;
	char dir[128];
	const uint8_t *p;
	size_t n;
	int rc, va, vb;

	if (size < 1)
		return 0;
	p = data + 1;
	n = size - 1;
	va = (data[0] >> 2) & 1;
	vb = (data[0] >> 3) & 1;
	snprintf(dir, sizeof(dir), "%s/repo", fz_tmpdir());
	fz_ctx(&ctx);
	(void)jp_rm_rf(&ctx, dir);   /* in case a run was cut short */
	fz_fixed(dir);
	switch (data[0] & 3) {
	case 0:
		fz_write(dir, "repodata/repomd.xml", p, n);
		break;
	case 1:
		fz_primary(dir, p, n, va, vb);
		fz_first_package(dir, p, n, 0);
		break;
	case 2:
		if (va || vb)
			fz_write(dir, "dists/stable/InRelease", p, n);
		if (!va || vb)
			fz_write(dir, "dists/stable/Release", p, n);
		break;
	default:
		fz_packages(dir, p, n, va, vb);
		fz_first_package(dir, p, n, 1);
		break;
	}
	memset(&opts, 0, sizeof(opts));
	opts.keyring = NULL;
	opts.packages = !((data[0] >> 4) & 1);
	opts.jobs = 1;
	rc = jp_verify(&ctx, dir, &opts, &res);
	fz_debug(&ctx, "verify", rc);
	if (getenv("JP_FUZZ_DEBUG") != NULL) {
		size_t i;

		fprintf(stderr, "fuzz: %s, %zu packages, %zu errors, "
		    "%zu warnings\n", jp_verify_format_name(res.format),
		    res.packages, res.nerrors, res.nwarnings);
		for (i = 0; i < res.nerrors && i < 30; i++)
			fprintf(stderr, "fuzz:   error: %s: %s\n",
			    res.errors[i].file, res.errors[i].problem);
	}
	jp_verify_result_release(&res);
	(void)jp_rm_rf(&ctx, dir);
	return 0;
}
