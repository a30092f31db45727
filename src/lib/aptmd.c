/*
 * aptmd.c: writing APT repository metadata (see aptmd.h).
 *
 * Each binary-ARCH index is the Packages stanzas of the packages of its
 * architecture and of "all", in order, and binary-all is the stanzas of
 * "all" alone (see "Architecture all" below).  The indexes are
 * compressed in memory (gzip through libarchive's raw format, xz with
 * liblzma's multi-threaded encoder; see "Compression" below), hashed
 * there, written, and hard-linked under by-hash/; Release comes last, then
 * the previous generation's by-hash files are carried over.
 *
 * The formats follow what the Debian tools write and apt reads:
 *   - a Packages stanza is what dpkg-scanpackages (dpkg 1.21) prints: the
 *     control fields in the order of Dpkg::Control::FieldsCore's
 *     field_ordered_list(CTRL_INDEX_PKG), the fields it does not know
 *     after them sorted by name, every name spelled by field_capitalize(),
 *     fields with blank values left out (Dpkg::Control sets drop_empty for
 *     indexes), and Filename, Size, MD5sum, SHA1 and SHA256 in their places
 *     in that order;
 *   - Release holds its fields in field_ordered_list(CTRL_REPO_RELEASE)
 *     order, with the checksum sections as apt-ftparchive writes them
 *     (" <hash> <size right-aligned in 16> <path>"), SHA512 last.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>

#include "aptmd.h"
#include "ctx.h"
#include "deb822.h"
#include "digest.h"
#include "fsutil.h"
#include "pkg.h"
#include "version.h"

/*
 * Compression.  gzip at zlib's best level, as an index is written once and
 * fetched many times.  xz at its default preset 6 (what Debian's tools
 * use) with a smaller dictionary, written by liblzma's multi-threaded
 * stream encoder (lzma_stream_encoder_mt) with a fixed Block size, so that
 * a large index is compressed on several cores while the bytes still
 * depend on the input alone:
 *   - lzma.h, lzma_mt.block_size: "The encoder will start a new .xz Block
 *     every block_size bytes"; xz(1), --threads: "Currently the only
 *     threading method is to split the input into blocks and compress them
 *     independently from each other".  The Block boundaries are thus fixed
 *     by the input and each Block's bytes by its own data, whatever the
 *     number of threads, 1 included: the multi-threaded encoder is used
 *     with one thread too, never the single-threaded lzma_stream_encoder(),
 *     which writes other bytes (xz(1): "The single-threaded and
 *     multi-threaded compressors produce different output").  aptmd_test
 *     compares the files made with 1, 2 and 4 threads with each other and
 *     with `xz -T2` given the same settings.
 *   - Blocks of 1 MiB: lzma_mt.block_size recommends "at least 1 MiB block
 *     size for good compression ratio" with small dictionaries.
 *   - The dictionary: a Block never sees the data of another, so one larger
 *     than the Block only costs memory (lzma_mt.block_size: "using a block
 *     size less than the LZMA2 dictionary size is waste of RAM"), and
 *     preset 6's 8 MiB make an encoder of 93 MiB
 *     (lzma_easy_encoder_memusage(6), liblzma 5.4).  It is half a Block,
 *     512 KiB: an encoder of 6.8 MiB against 12.6 MiB with 1 MiB
 *     (lzma_raw_encoder_memusage()), plus "about 3 * block_size bytes" of
 *     buffers per thread (lzma_mt.block_size).  On the APT benchmark's
 *     3.5 MB Packages (tools/bench/build-deb) the file is 1.1% larger than
 *     with 1 MiB (8% larger than xz -6 in one Block), and `jprepo build
 *     -j 2` peaks at 49 MB instead of 59 MB: under the 52 MB of the
 *     `xz -6` that apt-ftparchive's pipeline runs.
 *   - Integrity check CRC64, the xz tool's default (lzma_mt.check: "The xz
 *     command line tool defaults to LZMA_CHECK_CRC64"); apt reads the
 *     files with liblzma, which verifies any of the checks.
 * An encoder starts its threads as Blocks need them, never more than the
 * index has Blocks, and the xz files are compressed one after another, so
 * that at most opts->nthreads LZMA encoders exist at a time; the plain and
 * gzip files are made beside them (see jp_aptmd_make_all()).
 */
#define JP_APTMD_GZIP_LEVEL "9"
#define JP_APTMD_XZ_PRESET 6U
#define JP_APTMD_XZ_BLOCK (UINT64_C(1) << 20)
#define JP_APTMD_XZ_DICT (UINT32_C(1) << 19)
/*
 * lzma_stream_encoder_mt() refuses more threads than liblzma's
 * LZMA_THREADS_MAX (16384 in liblzma 5.4, src/liblzma/common/common.h; not
 * in lzma.h) with LZMA_OPTIONS_ERROR.
 */
#define JP_APTMD_XZ_MAX_THREADS 16384U

/*
 * Dpkg::Control::FieldsCore (dpkg 1.21.23), field_ordered_list
 * (CTRL_INDEX_PKG): the order dpkg-scanpackages prints a stanza in.
 */
static const char *const jp_aptmd_pkg_order[] = {
	"Package", "Package-Type", "Source", "Version", "Kernel-Version",
	"Built-For-Profiles", "Auto-Built-Package", "Architecture",
	"Subarchitecture", "Installer-Menu-Item", "Build-Essential",
	"Essential", "Protected", "Origin", "Bugs", "Maintainer",
	"Installed-Size",
	"Pre-Depends", "Depends", "Recommends", "Suggests", "Enhances",
	"Conflicts", "Breaks", "Replaces", "Provides", "Built-Using",
	"Static-Built-Using",
	"Filename", "Size",
	"MD5sum", "SHA1", "SHA256",
	"Section", "Priority", "Multi-Arch", "Homepage", "Description",
	"Tag", "Task",
};
#define JP_APTMD_NORDER (sizeof(jp_aptmd_pkg_order) / sizeof(jp_aptmd_pkg_order[0]))

/*
 * The known fields whose spelling field_capitalize() does not derive by
 * its generic rule (each '-'-separated part with a capital first letter,
 * the rest lower case): the names it takes from its field table instead.
 */
static const char *const jp_aptmd_special_names[] = {
	"ButAutomaticUpgrades", "MD5sum", "No-Support-for-Architecture-all",
	"NotAutomatic", "SHA1", "SHA256",
};

/* Fields the index writes itself; a control file's own are dropped. */
static const char *const jp_aptmd_generated[] = {
	"Filename", "Size", "MD5sum", "SHA1", "SHA256", "SHA512",
};

#define JP_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Architecture all.  Every binary-ARCH index lists the "Architecture: all"
 * packages too (as dpkg-scanpackages -a ARCH and Debian's archive do), so
 * that a client of a listed architecture finds them there, whatever its apt
 * version.  A client of an architecture the repository has no index for
 * (arm64 against an amd64 repository) reads none of those: it finds the
 * "all" packages only in binary-all, so binary-all is always written and
 * Release's Architectures names "all" first, as Debian's Release does
 * ("Architectures: all amd64 arm64 ...").
 *
 * How apt (1.2 and later; checked with apt 2.6) decides to fetch
 * binary-all/Packages: every sources.list entry gets the architecture
 * "all" added to its own (apt-pkg/deb/debmetaindex.cc,
 * parsePlusMinusOptions), and the binary-all target is fetched when
 * debReleaseIndex::IsArchitectureAllSupportedFor() allows it, that is
 * when Release's Architectures lists "all" (or is missing) and its
 * No-Support-for-Architecture-all field does not name the target
 * (apt-pkg/acquire-item.cc, QueueIndexes; apt's test
 * test/integration/test-acquire-binary-all).  That field ("Packages" in
 * Debian's Release; https://wiki.debian.org/DebianRepository/Format
 * #No-Support-for-Architecture-all) tells apt that the binary-ARCH indexes
 * already hold the "all" packages, and it then skips binary-all on every
 * client: an arm64 client of an amd64 repository would see no package at
 * all, without a warning.  Debian can say it because it publishes an index
 * for every architecture it supports; a local repository cannot, so the
 * field is left out.  The price: an amd64 client reads an "all" package
 * from binary-amd64 and from binary-all, and apt merges the two records
 * into one version (one candidate, no warning; apt-cache policy lists the
 * two index files under it), as it merges the "all" packages of
 * binary-amd64 and binary-i386 on a multiarch client.  Leaving the "all"
 * packages out of binary-ARCH instead would hide them from apt before 1.2
 * (Debian 8, Ubuntu 14.04), which never reads binary-all, and part from
 * dpkg-scanpackages.  A client of an architecture missing from
 * Architectures skips its binary-ARCH index without a message (apt 2.6).
 */
#define JP_APTMD_ARCH_ALL "all"

/* --- names and dates --- */

/* dpkg's field_capitalize() into a new string. */
static char *
jp_aptmd_capitalize(const char *name)
{
	char *s;
	size_t i;
	int start = 1;

	for (i = 0; i < JP_NELEM(jp_aptmd_special_names); i++)
		if (!strcasecmp(name, jp_aptmd_special_names[i]))
			return jp_xstrdup(jp_aptmd_special_names[i]);
	s = jp_xstrdup(name);
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (start && c >= 'a' && c <= 'z')
			s[i] = (char)(c - 'a' + 'A');
		else if (!start && c >= 'A' && c <= 'Z')
			s[i] = (char)(c - 'A' + 'a');
		start = (c == '-');
	}
	return s;
}

static int
jp_aptmd_rank(const char *canon)
{
	size_t i;

	for (i = 0; i < JP_APTMD_NORDER; i++)
		if (!strcmp(canon, jp_aptmd_pkg_order[i]))
			return (int)i;
	return -1;
}

int
jp_aptmd_date(int64_t t, char *buf, size_t size)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	time_t tt = (time_t)t;
	struct tm tm;
	int n;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm) || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900 || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return -1;
	/* RFC 1123 date with the zone written "UTC", as Debian's archive does */
	n = snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d UTC",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

/* One path component: letters, digits, "._+-", not starting with . or -. */
static const char *
jp_aptmd_word_problem(const char *s)
{
	const char *p;

	if (!s || !*s)
		return "empty";
	if (s[0] == '.' || s[0] == '-')
		return "must not start with '.' or '-'";
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._+-", *p)))
			return "only letters, digits and '._+-' are allowed";
	return NULL;
}

/* One line of text: no control characters, no blanks at either end. */
static const char *
jp_aptmd_text_problem(const char *s)
{
	const char *p;
	size_t n = strlen(s);

	if (n == 0)
		return "empty";
	if (s[0] == ' ' || s[n - 1] == ' ')
		return "must not start or end with a space";
	for (p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			return "control characters are not allowed";
	return NULL;
}

int
jp_aptmd_check_opts(struct jp_ctx *ctx, const struct jp_aptmd_opts *opts)
{
	char date[64];
	const char *p;

	if ((p = jp_aptmd_word_problem(opts->suite)) != NULL)
		return jp_error_set(ctx, JP_ERR, "invalid suite '%s': %s",
		    opts->suite ? opts->suite : "", p);
	if (opts->codename &&
	    (p = jp_aptmd_word_problem(opts->codename)) != NULL)
		return jp_error_set(ctx, JP_ERR, "invalid codename '%s': %s",
		    opts->codename, p);
	if (opts->component &&
	    (p = jp_aptmd_word_problem(opts->component)) != NULL)
		return jp_error_set(ctx, JP_ERR, "invalid component '%s': %s",
		    opts->component, p);
	if (opts->origin && (p = jp_aptmd_text_problem(opts->origin)) != NULL)
		return jp_error_set(ctx, JP_ERR, "invalid origin '%s': %s",
		    opts->origin, p);
	if (opts->label && (p = jp_aptmd_text_problem(opts->label)) != NULL)
		return jp_error_set(ctx, JP_ERR, "invalid label '%s': %s",
		    opts->label, p);
	if (opts->valid_for_days < 0)
		return jp_error_set(ctx, JP_ERR,
		    "invalid validity '%d' days: must not be negative",
		    opts->valid_for_days);
	if (jp_aptmd_date(opts->date, date, sizeof(date)) < 0 ||
	    jp_aptmd_date(opts->date + (int64_t)opts->valid_for_days * 86400,
	    date, sizeof(date)) < 0)
		return jp_error_set(ctx, JP_ERR, "invalid date %" PRId64
		    ": out of range", opts->date);
	return 0;
}

/* --- Packages stanzas --- */

struct jp_outfield {
	char *name;               /* as dpkg spells it */
	const char *value;
	int rank;                 /* place in jp_aptmd_pkg_order, -1 unknown */
};

static int
jp_outfield_cmp(const void *pa, const void *pb)
{
	const struct jp_outfield *a = pa, *b = pb;

	/* Dpkg::Control::HashCore's output(): known order, then by name */
	if (a->rank >= 0 && b->rank >= 0)
		return a->rank - b->rank;
	if (a->rank >= 0)
		return -1;
	if (b->rank >= 0)
		return 1;
	return strcmp(a->name, b->name);
}

/* A value with something other than blanks in it (dpkg: m/\S/). */
static int
jp_aptmd_has_text(const char *v)
{
	for (; *v; v++)
		if (*v != ' ' && *v != '\t' && *v != '\n')
			return 1;
	return 0;
}

static void
jp_outfield_add(struct jp_outfield *v, size_t *n, const char *name,
    const char *value)
{
	v[*n].name = jp_aptmd_capitalize(name);
	v[*n].value = value;
	v[*n].rank = jp_aptmd_rank(v[*n].name);
	(*n)++;
}

/* Append pkg's stanza to b. */
static void
jp_aptmd_stanza_put(struct jp_deb822_buf *b, const struct jp_pkg *pkg)
{
	struct jp_outfield *v;
	char size[24];
	size_t n = 0, i, k;

	v = jp_xcalloc(pkg->nfields + JP_NELEM(jp_aptmd_generated),
	    sizeof(*v));
	for (i = 0; i < pkg->nfields; i++) {
		const struct jp_field *f = &pkg->fields[i];
		int generated = 0;

		for (k = 0; k < JP_NELEM(jp_aptmd_generated); k++)
			if (!strcasecmp(f->name, jp_aptmd_generated[k]))
				generated = 1;
		if (generated || !jp_aptmd_has_text(f->value))
			continue;
		jp_outfield_add(v, &n, f->name, f->value);
	}
	snprintf(size, sizeof(size), "%" PRIu64, pkg->file_size);
	jp_outfield_add(v, &n, "Filename", pkg->location ? pkg->location : "");
	jp_outfield_add(v, &n, "Size", size);
	jp_outfield_add(v, &n, "MD5sum", pkg->md5);
	jp_outfield_add(v, &n, "SHA1", pkg->sha1);
	jp_outfield_add(v, &n, "SHA256", pkg->sha256);
	qsort(v, n, sizeof(*v), jp_outfield_cmp);
	for (i = 0; i < n; i++) {
		jp_deb822_write_field(b, v[i].name, v[i].value);
		free(v[i].name);
	}
	jp_deb822_buf_put(b, "\n", 1);
	free(v);
}

char *
jp_aptmd_stanza(const struct jp_pkg *pkg)
{
	struct jp_deb822_buf b = { 0 };

	jp_aptmd_stanza_put(&b, pkg);
	return b.data;
}

/* A record with the text it sorts by and the length of its stanza. */
struct jp_aptmd_entry {
	const struct jp_pkg *pkg;
	char *evr;                /* "epoch:version" */
	size_t stanza_len;
};

static int
jp_aptmd_entry_cmp(const void *pa, const void *pb)
{
	const struct jp_aptmd_entry *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->pkg->name, b->pkg->name)) != 0)
		return c;
	if ((c = jp_deb_vercmp(a->evr, b->evr)) != 0)
		return c;
	if ((c = strcmp(a->pkg->arch, b->pkg->arch)) != 0)
		return c;
	return strcmp(a->pkg->location ? a->pkg->location : "",
	    b->pkg->location ? b->pkg->location : "");
}

/* Does the index of architecture index_arch list a package of pkg_arch? */
static int
jp_aptmd_in_index(const char *pkg_arch, const char *index_arch)
{
	return !strcmp(pkg_arch, index_arch) ||
	    !strcmp(pkg_arch, JP_APTMD_ARCH_ALL);
}

/* --- index files: made and hashed in memory --- */

enum jp_aptmd_kind {
	JP_APTMD_PLAIN = 0,
	JP_APTMD_GZ,
	JP_APTMD_XZ,
	JP_APTMD_NKINDS
};

/* The advisories' file, at the suite's top (see aptmd.h). */
#define JP_APTMD_UPDATEINFO "updateinfo.xml.gz"

static const char *const jp_aptmd_suffix[JP_APTMD_NKINDS] = {
	"", ".gz", ".xz",
};

/* Digests listed in Release, in its order. */
static const struct {
	unsigned algo;
	const char *section;      /* Release field */
	const char *byhash;       /* by-hash directory; NULL: none */
} jp_aptmd_sums[] = {
	{ JP_DIGEST_MD5, "MD5Sum", NULL },
	{ JP_DIGEST_SHA1, "SHA1", NULL },
	{ JP_DIGEST_SHA256, "SHA256", "SHA256" },
	{ JP_DIGEST_SHA512, "SHA512", "SHA512" },
};

struct jp_aptmd_file {
	char *relpath;            /* "main/binary-amd64/Packages.gz" */
	int kind;
	const char *in;           /* the uncompressed index */
	size_t in_len;
	unsigned char *data;      /* what the file holds */
	size_t len, cap;
	int owned;                /* data is malloc'd here */
	char hex[JP_DIGEST_NALGOS][JP_DIGEST_HEX_MAX];
	struct jp_ctx ctx;        /* private error slot (worker threads) */
	int rc;
};

static la_ssize_t
jp_aptmd_mem_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct jp_aptmd_file *f = data;

	(void)a;
	if (f->len + len > f->cap) {
		size_t cap = f->cap ? f->cap : 65536;

		while (f->len + len > cap)
			cap *= 2;
		f->data = jp_xrealloc(f->data, cap);
		f->cap = cap;
	}
	memcpy(f->data + f->len, buf, len);
	f->len += len;
	return (la_ssize_t)len;
}

/* gzip f->in into f->data. */
static int
jp_aptmd_gzip(struct jp_aptmd_file *f)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = NULL;
	const char *filter = "gzip";
	const char *p = f->in;
	size_t left = f->in_len;
	int r;

	if (!a)
		return jp_error_set(&f->ctx, JP_ERR_NOMEM, "out of memory");
	f->owned = 1;
	r = archive_write_add_filter_gzip(a);
	/* RFC 1952 MTIME 0: the same input gives the same bytes */
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(a, filter, "timestamp",
		    NULL);
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(a, filter,
		    "compression-level", JP_APTMD_GZIP_LEVEL);
	if (r == ARCHIVE_OK)
		r = archive_write_set_format_raw(a);
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_per_block(a, 0);
	if (r == ARCHIVE_OK)
		r = archive_write_open2(a, f, NULL, jp_aptmd_mem_write, NULL,
		    NULL);
	if (r == ARCHIVE_OK) {
		e = archive_entry_new();
		if (!e) {
			archive_write_free(a);
			return jp_error_set(&f->ctx, JP_ERR_NOMEM,
			    "out of memory");
		}
		archive_entry_set_pathname(e, "Packages");
		archive_entry_set_filetype(e, AE_IFREG);
		r = archive_write_header(a, e);
		archive_entry_free(e);
	}
	while (r == ARCHIVE_OK && left > 0) {
		la_ssize_t n = archive_write_data(a, p, left);

		if (n <= 0) {
			r = ARCHIVE_FATAL;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	if (r == ARCHIVE_OK)
		r = archive_write_close(a);
	if (r != ARCHIVE_OK) {
		jp_error_set(&f->ctx, JP_ERR, "cannot compress '%s': %s",
		    f->relpath, archive_error_string(a) ?
		    archive_error_string(a) : "compressor failed");
		archive_write_free(a);
		return JP_ERR;
	}
	archive_write_free(a);
	return 0;
}

/* What a liblzma return code means (lzma/base.h). */
static const char *
jp_aptmd_lzma_msg(lzma_ret r)
{
	switch (r) {
	case LZMA_MEM_ERROR:
		return "out of memory";
	case LZMA_OPTIONS_ERROR:
		return "options not supported by liblzma";
	case LZMA_UNSUPPORTED_CHECK:
		return "integrity check not supported by liblzma";
	case LZMA_DATA_ERROR:
		return "input too large for the .xz format";
	case LZMA_PROG_ERROR:
		return "liblzma was called wrongly";
	default:
		return "liblzma failed";
	}
}

/*
 * xz f->in into f->data: one .xz Stream of JP_APTMD_XZ_BLOCK Blocks made
 * by up to nthreads threads (see "Compression" above).
 */
static int
jp_aptmd_xz(struct jp_aptmd_file *f, int nthreads)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	lzma_options_lzma lz;
	lzma_filter filters[2];
	lzma_mt mt;
	lzma_ret r;
	uint64_t blocks = (f->in_len + JP_APTMD_XZ_BLOCK - 1) /
	    JP_APTMD_XZ_BLOCK;

	if (lzma_lzma_preset(&lz, JP_APTMD_XZ_PRESET))
		return jp_error_set(&f->ctx, JP_ERR, "cannot compress '%s': "
		    "xz preset %u not supported by liblzma", f->relpath,
		    JP_APTMD_XZ_PRESET);
	if (lz.dict_size > JP_APTMD_XZ_DICT)
		lz.dict_size = JP_APTMD_XZ_DICT;
	filters[0].id = LZMA_FILTER_LZMA2;
	filters[0].options = &lz;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;
	memset(&mt, 0, sizeof(mt));
	mt.threads = 1;
	if (nthreads > 1 && blocks > 1)
		mt.threads = (uint32_t)((uint64_t)nthreads < blocks ?
		    (uint64_t)nthreads : blocks);
	if (mt.threads > JP_APTMD_XZ_MAX_THREADS)
		mt.threads = JP_APTMD_XZ_MAX_THREADS;
	mt.block_size = JP_APTMD_XZ_BLOCK;
	mt.timeout = 0;         /* lzma_code() returns when done */
	mt.filters = filters;
	mt.check = LZMA_CHECK_CRC64;
	if ((r = lzma_stream_encoder_mt(&strm, &mt)) != LZMA_OK)
		return jp_error_set(&f->ctx, r == LZMA_MEM_ERROR ?
		    JP_ERR_NOMEM : JP_ERR, "cannot compress '%s': %s",
		    f->relpath, jp_aptmd_lzma_msg(r));
	f->owned = 1;
	/* an index shrinks to about a fifth: start there, grow when full */
	f->cap = f->in_len / 4 + 65536;
	f->data = jp_xmalloc(f->cap);
	f->len = 0;
	strm.next_in = (const uint8_t *)f->in;
	strm.avail_in = f->in_len;
	for (;;) {
		if (f->len == f->cap) {
			f->cap *= 2;
			f->data = jp_xrealloc(f->data, f->cap);
		}
		strm.next_out = f->data + f->len;
		strm.avail_out = f->cap - f->len;
		r = lzma_code(&strm, LZMA_FINISH);
		f->len = f->cap - strm.avail_out;
		if (r == LZMA_STREAM_END)
			break;
		if (r != LZMA_OK) {
			lzma_end(&strm);
			return jp_error_set(&f->ctx, r == LZMA_MEM_ERROR ?
			    JP_ERR_NOMEM : JP_ERR, "cannot compress '%s': %s",
			    f->relpath, jp_aptmd_lzma_msg(r));
		}
	}
	lzma_end(&strm);
	return 0;
}

/* Make one file's bytes and their digests. */
static void
jp_aptmd_file_make(struct jp_aptmd_file *f, int nthreads)
{
	struct jp_digest d;
	size_t i;

	if (f->kind == JP_APTMD_PLAIN) {
		f->data = (unsigned char *)(uintptr_t)f->in;
		f->len = f->in_len;
	} else if ((f->rc = f->kind == JP_APTMD_GZ ? jp_aptmd_gzip(f) :
	    jp_aptmd_xz(f, nthreads)) < 0) {
		return;
	}
	if (jp_digest_init(&d, JP_DIGEST_MD5 | JP_DIGEST_SHA1 |
	    JP_DIGEST_SHA256 | JP_DIGEST_SHA512) < 0) {
		f->rc = jp_error_set(&f->ctx, JP_ERR, "cannot set up digests");
		return;
	}
	jp_digest_update(&d, f->data, f->len);
	jp_digest_final(&d);
	for (i = 0; i < JP_NELEM(jp_aptmd_sums); i++)
		snprintf(f->hex[i], sizeof(f->hex[i]), "%s",
		    jp_digest_hex(&d, jp_aptmd_sums[i].algo));
	jp_digest_release(&d);
}

/* A file of a lane, with the size it is ordered by. */
struct jp_aptmd_job {
	size_t file;              /* index into the files */
	size_t in_len;
};

/* Larger input first, then the files' order. */
static int
jp_aptmd_job_cmp(const void *pa, const void *pb)
{
	const struct jp_aptmd_job *a = pa, *b = pb;

	if (a->in_len != b->in_len)
		return a->in_len > b->in_len ? -1 : 1;
	return a->file < b->file ? -1 : a->file > b->file;
}

/* Smaller input first, then the files' order. */
static int
jp_aptmd_job_cmp_small(const void *pa, const void *pb)
{
	const struct jp_aptmd_job *a = pa, *b = pb;

	if (a->in_len != b->in_len)
		return a->in_len < b->in_len ? -1 : 1;
	return a->file < b->file ? -1 : a->file > b->file;
}

/*
 * The files of one lane, taken one at a time, in the lane's order, by the
 * threads that share the lane.
 */
struct jp_aptmd_lane {
	struct jp_aptmd_file *files;
	struct jp_aptmd_job *jobs;
	size_t n;
	size_t next;
	int xz_threads;           /* threads of each xz encoder */
	pthread_mutex_t lock;
};

static void *
jp_aptmd_lane_run(void *arg)
{
	struct jp_aptmd_lane *lane = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&lane->lock);
		i = lane->next++;
		pthread_mutex_unlock(&lane->lock);
		if (i >= lane->n)
			break;
		jp_aptmd_file_make(&lane->files[lane->jobs[i].file],
		    lane->xz_threads);
	}
	return NULL;
}

/*
 * Make every file.  Two lanes: the xz files, one after another in this
 * thread, each on up to nthreads encoder threads (the one xz encoder alive
 * keeps memory at nthreads LZMA encoders, about 10 MiB each); and the
 * plain and gzip files (hashing, zlib), largest first, on nthreads - 1
 * more threads that run beside the xz encoder.  The xz files go smallest
 * first: a small index is one Block, so one encoder thread, and the gzip
 * lane keeps the other cores busy meanwhile; the large indexes come last,
 * when their Blocks can have every core (on the APT benchmark with 2
 * cores, 0.07 s faster than largest first, in 4 runs each).  With one
 * thread, or when no thread starts, this thread makes the second lane's
 * files after the first's.  The bytes do not depend on the lanes: only
 * the time does.
 */
static void
jp_aptmd_make_all(struct jp_aptmd_file *files, size_t n, int nthreads)
{
	struct jp_aptmd_lane xz, other;
	pthread_t *tids;
	int *started;
	size_t i, t, nt;

	if (nthreads < 1)
		nthreads = 1;
	memset(&xz, 0, sizeof(xz));
	memset(&other, 0, sizeof(other));
	xz.files = other.files = files;
	xz.jobs = jp_xcalloc(n ? n : 1, sizeof(*xz.jobs));
	other.jobs = jp_xcalloc(n ? n : 1, sizeof(*other.jobs));
	for (i = 0; i < n; i++) {
		struct jp_aptmd_lane *l = files[i].kind == JP_APTMD_XZ ?
		    &xz : &other;

		l->jobs[l->n].file = i;
		l->jobs[l->n].in_len = files[i].in_len;
		l->n++;
	}
	qsort(xz.jobs, xz.n, sizeof(*xz.jobs), jp_aptmd_job_cmp_small);
	qsort(other.jobs, other.n, sizeof(*other.jobs), jp_aptmd_job_cmp);
	xz.xz_threads = other.xz_threads = nthreads;
	pthread_mutex_init(&xz.lock, NULL);
	pthread_mutex_init(&other.lock, NULL);
	nt = (size_t)nthreads - 1;
	if (nt > other.n)
		nt = other.n;
	tids = jp_xcalloc(nt ? nt : 1, sizeof(*tids));
	started = jp_xcalloc(nt ? nt : 1, sizeof(*started));
	for (t = 0; t < nt; t++)
		started[t] = pthread_create(&tids[t], NULL, jp_aptmd_lane_run,
		    &other) == 0;
	jp_aptmd_lane_run(&xz);
	/* what no thread has taken yet (all of it when none started) */
	jp_aptmd_lane_run(&other);
	for (t = 0; t < nt; t++)
		if (started[t])
			pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&xz.lock);
	pthread_mutex_destroy(&other.lock);
	free(xz.jobs);
	free(other.jobs);
	free(tids);
	free(started);
}

/* --- writing the tree --- */

/* Hard-link src to dst, or write data there when links do not work. */
static int
jp_aptmd_link_or_copy(struct jp_ctx *ctx, const char *src, const char *dst,
    const void *data, size_t len)
{
	if (link(src, dst) == 0 || errno == EEXIST)
		return 0;
	return jp_file_write_atomic(ctx, dst, data, len);
}

/* Write one index file and its by-hash links. */
static int
jp_aptmd_file_write(struct jp_ctx *ctx, const char *suite_dir,
    const struct jp_aptmd_file *f)
{
	char *path = jp_path_join(suite_dir, f->relpath);
	char *dir = jp_xstrdup(path);
	int rc;
	size_t i;

	*strrchr(dir, '/') = '\0';
	rc = jp_file_write_atomic(ctx, path, f->data, f->len);
	for (i = 0; rc == 0 && i < JP_NELEM(jp_aptmd_sums); i++) {
		char *hdir, *hpath;

		if (!jp_aptmd_sums[i].byhash)
			continue;
		hdir = jp_xasprintf("%s/by-hash/%s", dir,
		    jp_aptmd_sums[i].byhash);
		hpath = jp_xasprintf("%s/%s", hdir, f->hex[i]);
		rc = jp_mkdir_p(ctx, hdir);
		if (rc == 0)
			rc = jp_aptmd_link_or_copy(ctx, path, hpath, f->data,
			    f->len);
		free(hdir);
		free(hpath);
	}
	free(dir);
	free(path);
	return rc;
}

static void
jp_aptmd_release_text(struct jp_deb822_buf *b, const struct jp_aptmd_opts *o,
    const char *component, char *const *archs, size_t narchs,
    const struct jp_aptmd_file *files, size_t nfiles)
{
	char date[64];
	size_t i, k;

	if (o->origin)
		jp_deb822_write_field(b, "Origin", o->origin);
	if (o->label)
		jp_deb822_write_field(b, "Label", o->label);
	jp_deb822_write_field(b, "Suite", o->suite);
	jp_deb822_write_field(b, "Codename", o->codename ? o->codename :
	    o->suite);
	/* jp_aptmd_check_opts() has made sure the dates format */
	if (jp_aptmd_date(o->date, date, sizeof(date)) > 0)
		jp_deb822_write_field(b, "Date", date);
	if (o->valid_for_days > 0 && jp_aptmd_date(o->date +
	    (int64_t)o->valid_for_days * 86400, date, sizeof(date)) > 0)
		jp_deb822_write_field(b, "Valid-Until", date);
	jp_deb822_write_field(b, "Acquire-By-Hash", "yes");
	jp_deb822_buf_puts(b, "Architectures:");
	for (i = 0; i < narchs; i++) {
		jp_deb822_buf_puts(b, " ");
		jp_deb822_buf_puts(b, archs[i]);
	}
	jp_deb822_buf_puts(b, "\n");
	jp_deb822_write_field(b, "Components", component);
	for (k = 0; k < JP_NELEM(jp_aptmd_sums); k++) {
		jp_deb822_buf_puts(b, jp_aptmd_sums[k].section);
		jp_deb822_buf_puts(b, ":\n");
		for (i = 0; i < nfiles; i++) {
			char line[64];

			jp_deb822_buf_puts(b, " ");
			jp_deb822_buf_puts(b, files[i].hex[k]);
			snprintf(line, sizeof(line), " %16zu ", files[i].len);
			jp_deb822_buf_puts(b, line);
			jp_deb822_buf_puts(b, files[i].relpath);
			jp_deb822_buf_puts(b, "\n");
		}
	}
}

/* --- the previous generation's by-hash files --- */

static int
jp_aptmd_is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

/* A decimal size: digits only. */
static int
jp_aptmd_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/*
 * Does the file at path hold `size` bytes with this digest?  Returns 1
 * yes, 0 no or unreadable.  Read in pieces: these run after the new
 * indexes are made, and a whole Packages file in memory would add to the
 * build's peak.
 */
static int
jp_aptmd_file_matches(const char *path, unsigned algo, const char *hex,
    uint64_t size)
{
	struct jp_ctx scratch;
	struct jp_digest d;
	struct stat st;
	int fd, ok;

	jp_ctx_init(&scratch, NULL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size == size && jp_digest_init(&d, algo) == 0;
	if (ok) {
		ok = jp_digest_fd(&scratch, fd, path, &d) == 0;
		jp_digest_final(&d);
		ok = ok && !strcmp(jp_digest_hex(&d, algo), hex);
		jp_digest_release(&d);
	}
	close(fd);
	return ok;
}

/*
 * Carry one "hex size path" entry of the old Release into the new tree.
 * Returns 1 when the new tree has that very file already (the entry did
 * not change), else 0.
 */
static int
jp_aptmd_keep_one(struct jp_ctx *ctx, const char *suite_dir,
    const char *prev, unsigned algo, const char *byhash, const char *hex,
    uint64_t size, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *dir = slash ? jp_xstrndup(rel, (size_t)(slash - rel)) :
	    jp_xstrdup("");
	char *sub = jp_xasprintf("%s%sby-hash/%s/%s", dir, *dir ? "/" : "",
	    byhash, hex);
	char *dst = NULL, *cand[2] = { NULL, NULL };
	struct stat st;
	int i, same = 0;

	cand[0] = jp_path_join_safe(ctx, prev, sub);
	cand[1] = jp_path_join_safe(ctx, prev, rel);
	dst = jp_path_join_safe(ctx, suite_dir, sub);
	if (!cand[0] || !cand[1] || !dst) {
		jp_warn(ctx, "previous Release in '%s' lists an unusable path "
		    "'%s': ignored", prev, rel);
		goto out;
	}
	if (lstat(dst, &st) == 0) {
		same = 1;       /* the new generation has the same file */
		goto out;
	}
	for (i = 0; i < 2; i++) {
		char *ddir;

		if (!jp_aptmd_file_matches(cand[i], algo, hex, size))
			continue;
		ddir = jp_xstrdup(dst);
		*strrchr(ddir, '/') = '\0';
		if (jp_mkdir_p(ctx, ddir) == 0) {
			if (link(cand[i], dst) < 0 && errno != EEXIST) {
				char *data;
				size_t len;

				if (jp_file_read(ctx, cand[i], &data, &len) == 0) {
					if (jp_file_write_atomic(ctx, dst, data,
					    len) < 0)
						jp_warn(ctx, "%s", jp_error_msg(ctx));
					free(data);
				} else {
					jp_warn(ctx, "%s", jp_error_msg(ctx));
				}
			}
			(void)jp_fsync_dir(ctx, ddir);
		} else {
			jp_warn(ctx, "%s", jp_error_msg(ctx));
		}
		free(ddir);
		goto out;
	}
	jp_warn(ctx, "'%s' of the previous Release in '%s' is missing or "
	    "damaged; clients that still read that Release cannot fetch it",
	    rel, prev);
out:
	free(cand[0]);
	free(cand[1]);
	free(dst);
	free(sub);
	free(dir);
	return same;
}

/*
 * Link into the new tree every by-hash file of dir (relative to the
 * suite) in the previous tree that the new one lacks.
 */
static void
jp_aptmd_keep_dir(struct jp_ctx *ctx, const char *suite_dir,
    const char *prev, const char *dir, const char *algo)
{
	char *rel = jp_xasprintf("%s%sby-hash/%s", dir, *dir ? "/" : "", algo);
	char *from = jp_path_join_safe(ctx, prev, rel);
	char *to = jp_path_join_safe(ctx, suite_dir, rel);
	DIR *d = from ? opendir(from) : NULL;
	struct dirent *e;

	while (d && to && (e = readdir(d)) != NULL) {
		char *a, *b;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		a = jp_path_join(from, e->d_name);
		b = jp_path_join(to, e->d_name);
		if (lstat(a, &st) == 0 && S_ISREG(st.st_mode) &&
		    lstat(b, &st) < 0 && jp_mkdir_p(ctx, to) == 0 &&
		    link(a, b) < 0 && errno != EEXIST)
			jp_warn(ctx, "cannot keep '%s': %s", a, strerror(errno));
		free(a);
		free(b);
	}
	if (d)
		closedir(d);
	if (to)
		(void)jp_fsync_dir(ctx, to);
	free(rel);
	free(from);
	free(to);
}

static void
jp_aptmd_keep_previous(struct jp_ctx *outer, const char *suite_dir,
    const char *prev)
{
	/* problems here are warnings: keep them out of the caller's slot */
	struct jp_ctx scratch = *outer, *ctx = &scratch;
	struct jp_deb822_stanza *st = NULL;
	char *release = jp_path_join(prev, "Release");
	char *text = NULL, **dirs = NULL;
	size_t len = 0, nst = 0, k, ndirs = 0, nentries = 0, nsame = 0;
	struct stat sb;

	if (stat(prev, &sb) < 0 && errno == ENOENT)
		goto out;       /* nothing published yet */
	if (jp_file_read(ctx, release, &text, &len) < 0 ||
	    jp_deb822_parse(ctx, text, len, release, 0, &st, &nst) < 0) {
		jp_warn(ctx, "cannot keep the previous index files: %s",
		    jp_error_msg(ctx));
		goto out;
	}
	if (nst == 0)
		goto out;
	for (k = 0; k < JP_NELEM(jp_aptmd_sums); k++) {
		const char *v;
		size_t hexlen;

		if (!jp_aptmd_sums[k].byhash)
			continue;
		v = jp_deb822_get(&st[0], jp_aptmd_sums[k].section);
		hexlen = jp_aptmd_sums[k].algo == JP_DIGEST_SHA512 ? 128 : 64;
		while (v && *v) {
			const char *eol = strchr(v, '\n');
			size_t n = eol ? (size_t)(eol - v) : strlen(v);
			char *line = jp_xstrndup(v, n);
			char *save = NULL, *hex, *size, *rel;
			uint64_t sz;

			/* " <hex> <size> <path>" */
			hex = strtok_r(line, " \t", &save);
			size = hex ? strtok_r(NULL, " \t", &save) : NULL;
			rel = size ? strtok_r(NULL, " \t", &save) : NULL;
			if (rel && strlen(hex) == hexlen &&
			    jp_aptmd_is_hex(hex, hexlen) &&
			    jp_aptmd_parse_size(size, &sz) == 0) {
				const char *sl = strrchr(rel, '/');

				nentries++;
				nsame += jp_aptmd_keep_one(ctx, suite_dir, prev,
				    jp_aptmd_sums[k].algo,
				    jp_aptmd_sums[k].byhash, hex, sz, rel);
				jp_deb822_words_add(&dirs, &ndirs, rel,
				    sl ? (size_t)(sl - rel) : 0);
			}
			free(line);
			v = eol ? eol + 1 : NULL;
		}
	}
	/*
	 * Nothing changed (a rebuild, such as the re-run of a build killed
	 * after its swap): the generation did not advance, so the by-hash
	 * files the previous tree kept from the one before stay too.
	 */
	if (nentries && nsame == nentries) {
		for (k = 0; k < ndirs; k++) {
			size_t a;

			for (a = 0; a < JP_NELEM(jp_aptmd_sums); a++)
				if (jp_aptmd_sums[a].byhash)
					jp_aptmd_keep_dir(ctx, suite_dir, prev,
					    dirs[k], jp_aptmd_sums[a].byhash);
		}
	}
out:
	jp_deb822_words_free(dirs, ndirs);
	jp_deb822_free(st, nst);
	free(text);
	free(release);
}

/* --- the whole suite --- */

static int
jp_aptmd_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
jp_aptmd_write(struct jp_ctx *ctx, const char *suite_dir,
    struct jp_pkg *const *pkgs, size_t npkgs, const struct jp_aptmd_opts *opts)
{
	struct jp_aptmd_entry *ent = NULL;
	struct jp_aptmd_file *files = NULL;
	struct jp_deb822_buf *texts = NULL;
	struct jp_deb822_buf rel = { 0 }, stanza = { 0 };
	char **archs = NULL;
	const char *component;
	size_t narchs = 0, nfiles = 0, i, a, k;
	char *path = NULL;
	int rc;

	if ((rc = jp_aptmd_check_opts(ctx, opts)) < 0)
		return rc;
	component = opts->component ? opts->component : "main";

	/* the records, sorted */
	ent = jp_xcalloc(npkgs ? npkgs : 1, sizeof(*ent));
	for (i = 0; i < npkgs; i++) {
		const struct jp_pkg *p = pkgs[i];
		const char *problem = NULL;

		if (p->format != JP_PKG_DEB || !p->name || !p->arch ||
		    !p->version)
			problem = "not a complete .deb record";
		else if (!p->location || strpbrk(p->location, "\n\r"))
			problem = "no usable location";
		else if (jp_aptmd_word_problem(p->arch))
			problem = "unusable architecture";
		if (problem) {
			rc = jp_error_set(ctx, JP_ERR, "cannot index '%s': %s",
			    p->location ? p->location : p->name ? p->name : "?",
			    problem);
			goto out;
		}
		ent[i].pkg = p;
		ent[i].evr = jp_xasprintf("%s:%s", p->epoch ? p->epoch : "0",
		    p->version);
	}
	qsort(ent, npkgs, sizeof(*ent), jp_aptmd_entry_cmp);

	/*
	 * architectures: "all" first, then the packages' others in order
	 * (see "Architecture all" above)
	 */
	archs = jp_xcalloc(npkgs + 1, sizeof(*archs));
	archs[narchs++] = jp_xstrdup(JP_APTMD_ARCH_ALL);
	for (i = 0; i < npkgs; i++) {
		for (a = 0; a < narchs; a++)
			if (!strcmp(archs[a], ent[i].pkg->arch))
				break;
		if (a == narchs)
			archs[narchs++] = jp_xstrdup(ent[i].pkg->arch);
	}
	qsort(archs + 1, narchs - 1, sizeof(*archs), jp_aptmd_strcmp);

	/*
	 * one index text per architecture, three files per index: binary-all
	 * holds the "all" packages, binary-ARCH those of ARCH and "all"
	 */
	texts = jp_xcalloc(narchs, sizeof(*texts));
	/* and updateinfo.xml.gz, when there are advisories */
	files = jp_xcalloc(narchs * JP_APTMD_NKINDS + 1, sizeof(*files));
	/*
	 * Each text is allocated once at its size, and no stanza is kept:
	 * the memory goes to the compressors.  So the stanzas are made twice,
	 * for their lengths, then into the texts (about 15 ms a pass for 3000
	 * packages).
	 */
	for (i = 0; i < npkgs; i++) {
		stanza.len = 0;
		jp_aptmd_stanza_put(&stanza, ent[i].pkg);
		ent[i].stanza_len = stanza.len;
	}
	for (a = 0; a < narchs; a++) {
		size_t total = 0;

		for (i = 0; i < npkgs; i++)
			if (jp_aptmd_in_index(ent[i].pkg->arch, archs[a]))
				total += ent[i].stanza_len;
		texts[a].data = jp_xmalloc(total + 1);
		texts[a].cap = total + 1;
		texts[a].data[0] = '\0';
	}
	for (i = 0; i < npkgs; i++) {
		stanza.len = 0;
		jp_aptmd_stanza_put(&stanza, ent[i].pkg);
		for (a = 0; a < narchs; a++)
			if (jp_aptmd_in_index(ent[i].pkg->arch, archs[a]))
				jp_deb822_buf_put(&texts[a], stanza.data,
				    stanza.len);
	}
	jp_deb822_buf_release(&stanza);
	for (a = 0; a < narchs; a++) {
		for (k = 0; k < JP_APTMD_NKINDS; k++) {
			struct jp_aptmd_file *f = &files[nfiles++];

			f->relpath = jp_xasprintf("%s/binary-%s/Packages%s",
			    component, archs[a], jp_aptmd_suffix[k]);
			f->kind = (int)k;
			f->in = texts[a].data;
			f->in_len = texts[a].len;
			f->ctx = *ctx;
			jp_error_clear(&f->ctx);
		}
	}
	if (opts->updateinfo) {
		/*
		 * Gzip only, as RPM-MD publishes it; Release lists it like
		 * every file, so InRelease's signature covers it.
		 */
		struct jp_aptmd_file *f = &files[nfiles++];

		f->relpath = jp_xstrdup(JP_APTMD_UPDATEINFO);
		f->kind = JP_APTMD_GZ;
		f->in = opts->updateinfo;
		f->in_len = opts->updateinfo_len;
		f->ctx = *ctx;
		jp_error_clear(&f->ctx);
	}
	jp_aptmd_make_all(files, nfiles, opts->nthreads);
	for (i = 0; i < nfiles; i++) {
		if (files[i].rc < 0) {
			rc = jp_error_set(ctx, files[i].rc, "%s",
			    jp_error_msg(&files[i].ctx));
			goto out;
		}
	}

	/* the files, their links, then Release */
	for (a = 0; a < narchs; a++) {
		char *dir = jp_xasprintf("%s/%s/binary-%s", suite_dir,
		    component, archs[a]);

		rc = jp_mkdir_p(ctx, dir);
		free(dir);
		if (rc < 0)
			goto out;
	}
	for (i = 0; i < nfiles; i++)
		if ((rc = jp_aptmd_file_write(ctx, suite_dir, &files[i])) < 0)
			goto out;
	for (a = 0; a < narchs; a++) {
		static const char *const subs[] = {
			"/by-hash/SHA256", "/by-hash/SHA512", "/by-hash", "",
		};

		for (k = 0; k < JP_NELEM(subs); k++) {
			char *dir = jp_xasprintf("%s/%s/binary-%s%s", suite_dir,
			    component, archs[a], subs[k]);

			rc = jp_fsync_dir(ctx, dir);
			free(dir);
			if (rc < 0)
				goto out;
		}
	}
	if (opts->updateinfo) {
		static const char *const subs[] = {
			"/by-hash/SHA256", "/by-hash/SHA512", "/by-hash",
		};

		for (k = 0; k < JP_NELEM(subs); k++) {
			char *dir = jp_xasprintf("%s%s", suite_dir, subs[k]);

			rc = jp_fsync_dir(ctx, dir);
			free(dir);
			if (rc < 0)
				goto out;
		}
	}
	jp_aptmd_release_text(&rel, opts, component, archs, narchs, files,
	    nfiles);
	path = jp_path_join(suite_dir, "Release");
	if ((rc = jp_file_write_atomic(ctx, path, rel.data, rel.len)) < 0)
		goto out;
	free(path);
	path = jp_path_join(suite_dir, component);
	if ((rc = jp_fsync_dir(ctx, path)) < 0 ||
	    (rc = jp_fsync_dir(ctx, suite_dir)) < 0)
		goto out;

	/* the indexes are on disk: their memory is not needed any more */
	for (i = 0; i < nfiles; i++) {
		if (files[i].owned)
			free(files[i].data);
		files[i].data = NULL;
		files[i].owned = 0;
	}
	for (a = 0; a < narchs; a++)
		jp_deb822_buf_release(&texts[a]);
	if (opts->prev_suite_dir)
		jp_aptmd_keep_previous(ctx, suite_dir, opts->prev_suite_dir);
	rc = 0;
out:
	for (i = 0; i < npkgs && ent; i++)
		free(ent[i].evr);
	free(ent);
	for (i = 0; i < nfiles; i++) {
		free(files[i].relpath);
		if (files[i].owned)
			free(files[i].data);
	}
	free(files);
	for (a = 0; a < narchs && texts; a++)
		jp_deb822_buf_release(&texts[a]);
	free(texts);
	for (a = 0; a < narchs; a++)
		free(archs[a]);
	free(archs);
	jp_deb822_buf_release(&rel);
	jp_deb822_buf_release(&stanza);
	free(path);
	return rc;
}
