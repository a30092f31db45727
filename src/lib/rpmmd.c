/*
 * rpmmd.c: writing RPM-MD repository metadata (repodata/).
 *
 * Each XML stream (primary, filelists, other) is generated in one pass
 * into a memory buffer that is handed, a chunk at a time, to a compressor
 * (libarchive's raw format with the gzip, xz or zstd filter) whose output
 * goes straight to the file.  sha256 of the uncompressed stream is taken
 * on the way into the compressor and sha256 of the compressed stream on
 * the way out of it, so no file is ever read back.  With nthreads >= 2 the
 * three streams are written by three threads at once.
 *
 * The XML follows what createrepo_c 0.17 writes byte for byte
 * (src/xml_dump_primary.c, xml_dump_filelists.c, xml_dump_other.c and
 * xml_file.c there, serialized by libxml2's xmlNodeDump): a fixed header
 * line, one "<package>" chunk per record indented by two spaces per level
 * and followed by a newline, and the closing tag without a newline.  The
 * escaping is libxml2's: in text &, <, > and CR are escaped; in attribute
 * values also ", TAB and LF, and every non-ASCII character becomes a
 * hexadecimal character reference (xmlBufAttrSerializeTxtContent, since
 * createrepo_c's nodes have no document).  Strings that are not valid
 * UTF-8 are read as ISO-8859-1 as createrepo_c does (cr_latin1_to_utf8 in
 * its xml_dump.c: bytes 0x80-0xBF dropped).  Characters XML 1.0 forbids
 * (C0 controls other than TAB, LF and CR; U+FFFE, U+FFFF) are dropped:
 * createrepo_c refuses such a package altogether, we keep the package and
 * lose the character.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "ctx.h"
#include "digest.h"
#include "fsutil.h"
#include "pkg.h"
#include "rpmmd.h"

/*
 * Compression levels.  createrepo_c 0.17 (src/compression_wrapper.c)
 * writes gzip at Z_DEFAULT_COMPRESSION (6) and xz at preset 5; zstd (not
 * in 0.17) at the library's default level 3.
 */
#define JP_RPMMD_GZIP_LEVEL "6"
#define JP_RPMMD_XZ_LEVEL "5"
#define JP_RPMMD_ZSTD_LEVEL "3"

/* Hand the buffer to the compressor once it holds this much. */
#define JP_RPMMD_CHUNK (256 * 1024)

#define JP_NS_COMMON "http://linux.duke.edu/metadata/common"
#define JP_NS_FILELISTS "http://linux.duke.edu/metadata/filelists"
#define JP_NS_OTHER "http://linux.duke.edu/metadata/other"
#define JP_NS_REPO "http://linux.duke.edu/metadata/repo"
#define JP_NS_RPM "http://linux.duke.edu/metadata/rpm"
#define JP_XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

int
jp_compress_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "gz"))
		return JP_COMPRESS_GZ;
	if (!strcmp(s, "xz"))
		return JP_COMPRESS_XZ;
	if (!strcmp(s, "zstd"))
		return JP_COMPRESS_ZSTD;
	return -1;
}

const char *
jp_compress_suffix(int compress)
{
	switch (compress) {
	case JP_COMPRESS_GZ: return ".gz";
	case JP_COMPRESS_XZ: return ".xz";
	case JP_COMPRESS_ZSTD: return ".zst";
	}
	return "";
}

int
jp_rpmmd_primary_file(const char *path)
{
	/*
	 * createrepo_c's cr_is_primary() (src/misc.c): what yum has always
	 * expected in primary.xml.
	 */
	return !strncmp(path, "/etc/", 5) || strstr(path, "bin/") != NULL ||
	    !strcmp(path, "/usr/lib/sendmail");
}

/* ------------------------------------------------------------------ */
/* One output file: buffer -> sha256 -> compressor -> sha256 -> fd     */

struct jp_mdfile {
	const char *type;         /* "primary", ... */
	int compress;
	struct jp_ctx ctx;        /* private error slot (worker threads) */
	const char *dir;
	char *tmppath;
	char *name;               /* final name, "<sha256>-<type>.xml<suffix>" */
	int fd;
	struct archive *a;
	struct jp_digest open_d;  /* the XML */
	struct jp_digest comp_d;  /* the file */
	int digests;
	int created;              /* tmppath is ours to remove */
	uint64_t open_size, size;
	char open_sha[65], sha[65];
	char *buf;
	size_t len, cap;
	int failed;
};

/* Make room for n more bytes in the buffer. */
static inline char *
jp_md_room(struct jp_mdfile *f, size_t n)
{
	if (f->cap - f->len < n) {
		size_t cap = f->cap ? f->cap : 2 * JP_RPMMD_CHUNK;

		while (cap - f->len < n)
			cap *= 2;
		f->buf = jp_xrealloc(f->buf, cap);
		f->cap = cap;
	}
	return f->buf + f->len;
}

static inline void
jp_md_put(struct jp_mdfile *f, const char *s, size_t n)
{
	memcpy(jp_md_room(f, n), s, n);
	f->len += n;
}

#define jp_md_lit(f, s) jp_md_put((f), (s), sizeof(s) - 1)

static void
jp_md_u64(struct jp_mdfile *f, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	jp_md_put(f, tmp, (size_t)n);
}

static void
jp_md_i64(struct jp_mdfile *f, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	jp_md_put(f, tmp, (size_t)n);
}

/*
 * Byte classes for escaping: 0 copies the byte as it is, 1 takes the slow
 * path.  Text keeps TAB and LF; attribute values escape them (a parser
 * would otherwise turn them into spaces, XML 1.0 section 3.3.3).
 */
#define X16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char jp_md_text_cls[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1,  /* C0, TAB LF */
	X16(1),
	0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* & */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,  /* < > */
	X16(0), X16(0), X16(0), X16(0),
	X16(1), X16(1), X16(1), X16(1),                  /* non-ASCII */
	X16(1), X16(1), X16(1), X16(1),
};
static const unsigned char jp_md_attr_cls[256] = {
	X16(1), X16(1),                                  /* C0 */
	0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* " & */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0,  /* < > */
	X16(0), X16(0), X16(0), X16(0),
	X16(1), X16(1), X16(1), X16(1),                  /* non-ASCII */
	X16(1), X16(1), X16(1), X16(1),
};
#undef X16

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) with its code point in
 * *cp, or 0 when the bytes there are not one.
 */
static size_t
jp_utf8_seq(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;
	uint32_t v;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 1; i < n; i++) {
		if (i > 1 && (p[i] < 0x80 || p[i] > 0xBF))
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	*cp = v;
	return n;
}

/* "&#xHEX;" as libxml2's xmlSerializeHexCharRef writes it. */
static char *
jp_md_charref(char *o, uint32_t cp)
{
	static const char hexdig[] = "0123456789ABCDEF";
	char tmp[8];
	int n = 0;

	do {
		tmp[n++] = hexdig[cp & 15];
		cp >>= 4;
	} while (cp);
	*o++ = '&';
	*o++ = '#';
	*o++ = 'x';
	while (n > 0)
		*o++ = tmp[--n];
	*o++ = ';';
	return o;
}

/*
 * Escape one ASCII byte that took the slow path.  Returns the new output
 * position.
 */
static inline char *
jp_md_esc_ascii(char *o, unsigned char c, int attr)
{
	switch (c) {
	case '&': memcpy(o, "&amp;", 5); return o + 5;
	case '<': memcpy(o, "&lt;", 4); return o + 4;
	case '>': memcpy(o, "&gt;", 4); return o + 4;
	case '"': memcpy(o, "&quot;", 6); return o + 6;
	case '\r': memcpy(o, "&#13;", 5); return o + 5;
	case '\t':
		if (!attr)
			break;
		memcpy(o, "&#9;", 4);
		return o + 4;
	case '\n':
		if (!attr)
			break;
		memcpy(o, "&#10;", 5);
		return o + 5;
	default:
		/* other C0 controls are not XML 1.0 characters: drop */
		return o;
	}
	*o++ = (char)c;
	return o;
}

/*
 * Append s escaped for text (attr 0) or a double-quoted attribute value
 * (attr 1).  NULL is the empty string.
 */
static void
jp_md_esc(struct jp_mdfile *f, const char *s, int attr)
{
	const unsigned char *cls = attr ? jp_md_attr_cls : jp_md_text_cls;
	const unsigned char *p = (const unsigned char *)s;
	size_t n, start = f->len;
	uint32_t cp;
	char *o;

	if (!s || !*s)
		return;
	/* worst case: one byte of input makes six bytes ("&quot;", "&#xFF;") */
	o = jp_md_room(f, 6 * strlen(s) + 1);
	for (;;) {
		unsigned char c = *p;

		if (!cls[c]) {
			*o++ = (char)c;
			p++;
			continue;
		}
		if (c == '\0')
			break;
		if (c < 0x80) {
			o = jp_md_esc_ascii(o, c, attr);
			p++;
			continue;
		}
		n = jp_utf8_seq(p, &cp);
		if (n == 0)
			goto latin1;
		if (cp == 0xFFFE || cp == 0xFFFF) {
			/* not XML 1.0 characters: drop */
		} else if (attr)
			o = jp_md_charref(o, cp);
		else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	f->len = (size_t)(o - f->buf);
	return;

latin1:
	/*
	 * Not UTF-8: start over and read the string as ISO-8859-1, as
	 * createrepo_c does.  Its C1 range (0x80-0x9F) and 0xA0-0xBF are
	 * dropped there as "probably misencoded cp1252".
	 */
	o = f->buf + start;
	for (p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if (c < 0x80) {
			if (cls[c])
				o = jp_md_esc_ascii(o, c, attr);
			else
				*o++ = (char)c;
		} else if (c >= 0xC0) {
			if (attr)
				o = jp_md_charref(o, c);
			else {
				*o++ = (char)(0xC0 | (c >> 6));
				*o++ = (char)(0x80 | (c & 0x3F));
			}
		}
	}
	f->len = (size_t)(o - f->buf);
}

#define jp_md_text(f, s) jp_md_esc((f), (s), 0)
#define jp_md_attr(f, s) jp_md_esc((f), (s), 1)

/* ' name="value"' */
static void
jp_md_attrib(struct jp_mdfile *f, const char *name, const char *value)
{
	size_t n = strlen(name);
	char *o = jp_md_room(f, n + 3);

	*o++ = ' ';
	memcpy(o, name, n);
	o += n;
	*o++ = '=';
	*o++ = '"';
	f->len += n + 3;
	jp_md_attr(f, value);
	jp_md_lit(f, "\"");
}

/* indent + "<tag>" + text + "</tag>\n" */
static void
jp_md_elem(struct jp_mdfile *f, const char *indent, const char *tag,
    const char *text)
{
	size_t ni = strlen(indent), nt = strlen(tag);

	jp_md_put(f, indent, ni);
	jp_md_lit(f, "<");
	jp_md_put(f, tag, nt);
	jp_md_lit(f, ">");
	jp_md_text(f, text);
	jp_md_lit(f, "</");
	jp_md_put(f, tag, nt);
	jp_md_lit(f, ">\n");
}

/* libarchive's write callback: the compressed bytes. */
static la_ssize_t
jp_md_archive_write(struct archive *a, void *data, const void *buf,
    size_t len)
{
	struct jp_mdfile *f = data;
	const char *p = buf;
	size_t left = len;

	(void)a;
	jp_digest_update(&f->comp_d, buf, len);
	f->size += len;
	while (left > 0) {
		ssize_t n = write(f->fd, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			jp_error_errno(&f->ctx, errno, "cannot write '%s'",
			    f->tmppath);
			f->failed = 1;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	return (la_ssize_t)len;
}

static int
jp_md_archive_error(struct jp_mdfile *f, const char *what)
{
	if (!f->failed)
		jp_error_set(&f->ctx, JP_ERR, "cannot %s '%s': %s", what,
		    f->tmppath, archive_error_string(f->a) ?
		    archive_error_string(f->a) : "compressor failed");
	f->failed = 1;
	return JP_ERR;
}

static int
jp_md_open(struct jp_mdfile *f, struct jp_ctx *ctx, const char *dir,
    const char *type, int compress)
{
	struct archive_entry *e;
	const char *filter = NULL, *level = NULL;
	int r = 0;

	memset(f, 0, sizeof(*f));
	f->ctx = *ctx;
	jp_error_clear(&f->ctx);
	f->type = type;
	f->compress = compress;
	f->dir = dir;
	f->fd = -1;
	f->tmppath = jp_xasprintf("%s/.%s.xml%s.tmp", dir, type,
	    jp_compress_suffix(compress));
	if (jp_digest_init(&f->open_d, JP_DIGEST_SHA256) < 0)
		return jp_error_set(&f->ctx, JP_ERR, "cannot start sha256");
	if (jp_digest_init(&f->comp_d, JP_DIGEST_SHA256) < 0) {
		jp_digest_release(&f->open_d);
		return jp_error_set(&f->ctx, JP_ERR, "cannot start sha256");
	}
	f->digests = 1;
	f->fd = open(f->tmppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644);
	if (f->fd < 0)
		return jp_error_errno(&f->ctx, errno, "cannot create '%s'",
		    f->tmppath);
	f->created = 1;
	if (compress == JP_COMPRESS_NONE)
		return 0;

	f->a = archive_write_new();
	if (!f->a)
		return jp_error_set(&f->ctx, JP_ERR_NOMEM,
		    "cannot start compressor for '%s'", f->tmppath);
	switch (compress) {
	case JP_COMPRESS_GZ:
		filter = "gzip";
		level = JP_RPMMD_GZIP_LEVEL;
		r = archive_write_add_filter_gzip(f->a);
		/*
		 * No time stamp in the gzip header (RFC 1952 MTIME 0) so that
		 * the same input gives the same bytes.
		 */
		if (r == ARCHIVE_OK)
			r = archive_write_set_filter_option(f->a, filter,
			    "timestamp", NULL);
		break;
	case JP_COMPRESS_XZ:
		filter = "xz";
		level = JP_RPMMD_XZ_LEVEL;
		r = archive_write_add_filter_xz(f->a);
		break;
	case JP_COMPRESS_ZSTD:
		filter = "zstd";
		level = JP_RPMMD_ZSTD_LEVEL;
		r = archive_write_add_filter_zstd(f->a);
		break;
	default:
		return jp_error_set(&f->ctx, JP_ERR,
		    "unknown compression %d for '%s'", compress, f->tmppath);
	}
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(f->a, filter,
		    "compression-level", level);
	if (r == ARCHIVE_OK)
		r = archive_write_set_format_raw(f->a);
	/* no blocking: every compressed chunk goes straight to the file */
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_per_block(f->a, 0);
	if (r == ARCHIVE_OK)
		r = archive_write_open2(f->a, f, NULL, jp_md_archive_write,
		    NULL, NULL);
	if (r != ARCHIVE_OK)
		return jp_md_archive_error(f, "start compressing");
	e = archive_entry_new();
	if (!e)
		return jp_error_set(&f->ctx, JP_ERR_NOMEM, "out of memory");
	archive_entry_set_pathname(e, type);
	archive_entry_set_filetype(e, AE_IFREG);
	r = archive_write_header(f->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return jp_md_archive_error(f, "start compressing");
	return 0;
}

/* Pass the buffered XML on to the compressor (or the file). */
static int
jp_md_flush(struct jp_mdfile *f)
{
	size_t len = f->len;
	const char *p;
	la_ssize_t n;

	if (f->failed)
		return JP_ERR;
	if (len == 0)
		return 0;
	jp_digest_update(&f->open_d, f->buf, len);
	f->open_size += len;
	f->len = 0;
	if (!f->a)
		return jp_md_archive_write(NULL, f, f->buf, len) < 0 ? JP_ERR : 0;
	for (p = f->buf; len > 0; p += n, len -= (size_t)n) {
		n = archive_write_data(f->a, p, len);
		if (n <= 0)
			return jp_md_archive_error(f, "compress");
	}
	return 0;
}

static inline int
jp_md_maybe_flush(struct jp_mdfile *f)
{
	return f->len >= JP_RPMMD_CHUNK ? jp_md_flush(f) : 0;
}

/*
 * Finish the file: flush, close the compressor, sync, and rename it to
 * "<sha256>-<type>.xml<suffix>".
 */
static int
jp_md_close(struct jp_mdfile *f)
{
	char *final;

	if (jp_md_flush(f) < 0)
		return JP_ERR;
	if (f->a) {
		if (archive_write_close(f->a) != ARCHIVE_OK)
			return jp_md_archive_error(f, "finish compressing");
		archive_write_free(f->a);
		f->a = NULL;
	}
	if (fsync(f->fd) < 0)
		return jp_error_errno(&f->ctx, errno, "cannot sync '%s'",
		    f->tmppath);
	if (close(f->fd) < 0) {
		f->fd = -1;
		return jp_error_errno(&f->ctx, errno, "cannot write '%s'",
		    f->tmppath);
	}
	f->fd = -1;
	jp_digest_final(&f->open_d);
	jp_digest_final(&f->comp_d);
	memcpy(f->open_sha, jp_digest_hex(&f->open_d, JP_DIGEST_SHA256), 65);
	memcpy(f->sha, jp_digest_hex(&f->comp_d, JP_DIGEST_SHA256), 65);
	f->name = jp_xasprintf("%s-%s.xml%s", f->sha, f->type,
	    jp_compress_suffix(f->compress));
	final = jp_path_join(f->dir, f->name);
	if (rename(f->tmppath, final) < 0) {
		jp_error_errno(&f->ctx, errno, "cannot rename '%s' to '%s'",
		    f->tmppath, final);
		free(final);
		return JP_ERR;
	}
	free(final);
	free(f->tmppath);
	f->tmppath = NULL;
	return 0;
}

/* Release everything; a file not finished is removed. */
static void
jp_md_release(struct jp_mdfile *f)
{
	if (f->a)
		archive_write_free(f->a);
	if (f->fd >= 0)
		close(f->fd);
	if (f->created && f->tmppath)
		unlink(f->tmppath);
	if (f->digests) {
		jp_digest_release(&f->open_d);
		jp_digest_release(&f->comp_d);
	}
	free(f->tmppath);
	free(f->name);
	free(f->buf);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

/* ------------------------------------------------------------------ */
/* The three documents                                                 */

static const char *const jp_md_dep_tags[JP_DEP_NKINDS] = {
	[JP_DEP_PROVIDES] = "rpm:provides",
	[JP_DEP_REQUIRES] = "rpm:requires",
	[JP_DEP_CONFLICTS] = "rpm:conflicts",
	[JP_DEP_OBSOLETES] = "rpm:obsoletes",
	[JP_DEP_SUGGESTS] = "rpm:suggests",
	[JP_DEP_ENHANCES] = "rpm:enhances",
	[JP_DEP_RECOMMENDS] = "rpm:recommends",
	[JP_DEP_SUPPLEMENTS] = "rpm:supplements",
};

static const char *
jp_md_flag_name(int flag)
{
	switch (flag) {
	case JP_DEP_LT: return "LT";
	case JP_DEP_LE: return "LE";
	case JP_DEP_EQ: return "EQ";
	case JP_DEP_GE: return "GE";
	case JP_DEP_GT: return "GT";
	}
	return NULL;
}

static inline int
jp_md_set(const char *s)
{
	return s && *s;
}

/* <version epoch ver rel/>, as primary, filelists and other have it */
static void
jp_md_version(struct jp_mdfile *f, const struct jp_pkg *pkg)
{
	jp_md_lit(f, "  <version");
	jp_md_attrib(f, "epoch", jp_md_set(pkg->epoch) ? pkg->epoch : "0");
	jp_md_attrib(f, "ver", pkg->version);
	jp_md_attrib(f, "rel", pkg->release);
	jp_md_lit(f, "/>\n");
}

/* <file type="dir|ghost">path</file>; createrepo_c's cr_xml_dump_files */
static void
jp_md_file(struct jp_mdfile *f, const char *indent, const struct jp_file *fl)
{
	jp_md_put(f, indent, strlen(indent));
	jp_md_lit(f, "<file");
	if (fl->type == JP_FILE_DIR)
		jp_md_lit(f, " type=\"dir\"");
	else if (fl->type == JP_FILE_GHOST)
		jp_md_lit(f, " type=\"ghost\"");
	jp_md_lit(f, ">");
	jp_md_text(f, fl->path);
	jp_md_lit(f, "</file>\n");
}

/*
 * One dependency list (createrepo_c's cr_xml_dump_primary_dump_pco): left
 * out when empty; entries without a name are skipped; epoch, ver and rel
 * only with flags and only when not empty; pre="1" only in requires.  An
 * entry with a version but no epoch gets epoch="0", the default
 * createrepo_c's cr_str_to_evr() gives it.
 */
static void
jp_md_deps(struct jp_mdfile *f, const struct jp_pkg *pkg, int kind)
{
	const char *tag = jp_md_dep_tags[kind];
	size_t i, nt = strlen(tag), nvalid = 0;

	if (pkg->ndeps[kind] == 0)
		return;
	for (i = 0; i < pkg->ndeps[kind]; i++)
		if (jp_md_set(pkg->deps[kind][i].name))
			nvalid++;
	jp_md_lit(f, "    <");
	jp_md_put(f, tag, nt);
	if (nvalid == 0) {
		jp_md_lit(f, "/>\n");
		return;
	}
	jp_md_lit(f, ">\n");
	for (i = 0; i < pkg->ndeps[kind]; i++) {
		const struct jp_dep *d = &pkg->deps[kind][i];
		const char *flags = jp_md_flag_name(d->flag);

		if (!jp_md_set(d->name))
			continue;
		jp_md_lit(f, "      <rpm:entry");
		jp_md_attrib(f, "name", d->name);
		if (flags) {
			jp_md_attrib(f, "flags", flags);
			if (jp_md_set(d->epoch))
				jp_md_attrib(f, "epoch", d->epoch);
			else if (jp_md_set(d->version))
				jp_md_lit(f, " epoch=\"0\"");
			if (jp_md_set(d->version))
				jp_md_attrib(f, "ver", d->version);
			if (jp_md_set(d->release))
				jp_md_attrib(f, "rel", d->release);
		}
		if (kind == JP_DEP_REQUIRES && d->pre)
			jp_md_lit(f, " pre=\"1\"");
		jp_md_lit(f, "/>\n");
	}
	jp_md_lit(f, "    </");
	jp_md_put(f, tag, nt);
	jp_md_lit(f, ">\n");
}

/* One <package> of primary.xml (createrepo_c's xml_dump_primary.c). */
static void
jp_md_primary_pkg(struct jp_mdfile *f, const struct jp_pkg *pkg)
{
	size_t i;
	int k;

	jp_md_lit(f, "<package type=\"rpm\">\n");
	jp_md_elem(f, "  ", "name", pkg->name);
	jp_md_elem(f, "  ", "arch", pkg->arch);
	jp_md_version(f, pkg);
	jp_md_lit(f, "  <checksum type=\"sha256\" pkgid=\"YES\">");
	jp_md_text(f, pkg->sha256);
	jp_md_lit(f, "</checksum>\n");
	jp_md_elem(f, "  ", "summary", pkg->summary);
	jp_md_elem(f, "  ", "description", pkg->description);
	jp_md_elem(f, "  ", "packager", pkg->packager);
	jp_md_elem(f, "  ", "url", pkg->url);
	jp_md_lit(f, "  <time file=\"");
	jp_md_i64(f, pkg->time_file);
	jp_md_lit(f, "\" build=\"");
	jp_md_i64(f, pkg->time_build);
	jp_md_lit(f, "\"/>\n  <size package=\"");
	jp_md_u64(f, pkg->file_size);
	jp_md_lit(f, "\" installed=\"");
	jp_md_u64(f, pkg->size_installed);
	jp_md_lit(f, "\" archive=\"");
	jp_md_u64(f, pkg->size_archive);
	jp_md_lit(f, "\"/>\n  <location");
	jp_md_attrib(f, "href", pkg->location);
	jp_md_lit(f, "/>\n  <format>\n");
	jp_md_elem(f, "    ", "rpm:license", pkg->license);
	jp_md_elem(f, "    ", "rpm:vendor", pkg->vendor);
	jp_md_elem(f, "    ", "rpm:group", pkg->group);
	jp_md_elem(f, "    ", "rpm:buildhost", pkg->buildhost);
	jp_md_elem(f, "    ", "rpm:sourcerpm", pkg->sourcerpm);
	jp_md_lit(f, "    <rpm:header-range start=\"");
	jp_md_u64(f, pkg->header_start);
	jp_md_lit(f, "\" end=\"");
	jp_md_u64(f, pkg->header_end);
	jp_md_lit(f, "\"/>\n");
	for (k = 0; k < JP_DEP_NKINDS; k++)
		jp_md_deps(f, pkg, k);
	for (i = 0; i < pkg->nfiles; i++)
		if (pkg->files[i].path &&
		    jp_rpmmd_primary_file(pkg->files[i].path))
			jp_md_file(f, "    ", &pkg->files[i]);
	jp_md_lit(f, "  </format>\n</package>\n");
}

/* <package pkgid name arch> as filelists and other open it */
static void
jp_md_pkg_open(struct jp_mdfile *f, const struct jp_pkg *pkg)
{
	jp_md_lit(f, "<package");
	jp_md_attrib(f, "pkgid", pkg->sha256);
	jp_md_attrib(f, "name", pkg->name);
	jp_md_attrib(f, "arch", pkg->arch);
	jp_md_lit(f, ">\n");
	jp_md_version(f, pkg);
}

static void
jp_md_filelists_pkg(struct jp_mdfile *f, const struct jp_pkg *pkg)
{
	size_t i;

	jp_md_pkg_open(f, pkg);
	for (i = 0; i < pkg->nfiles; i++)
		if (pkg->files[i].path)
			jp_md_file(f, "  ", &pkg->files[i]);
	jp_md_lit(f, "</package>\n");
}

static void
jp_md_other_pkg(struct jp_mdfile *f, const struct jp_pkg *pkg)
{
	size_t i;

	jp_md_pkg_open(f, pkg);
	for (i = 0; i < pkg->nchangelogs; i++) {
		const struct jp_changelog *c = &pkg->changelogs[i];

		jp_md_lit(f, "  <changelog");
		jp_md_attrib(f, "author", c->author);
		jp_md_lit(f, " date=\"");
		jp_md_i64(f, c->date);
		jp_md_lit(f, "\">");
		jp_md_text(f, c->text);
		jp_md_lit(f, "</changelog>\n");
	}
	jp_md_lit(f, "</package>\n");
}

enum jp_md_kind {
	JP_MD_PRIMARY = 0,
	JP_MD_FILELISTS,
	JP_MD_OTHER,
	JP_MD_UPDATEINFO,
	JP_MD_NKINDS
};

static const char *const jp_md_type_names[JP_MD_NKINDS] = {
	"primary", "filelists", "other", "updateinfo",
};

struct jp_md_job {
	struct jp_mdfile file;
	struct jp_ctx *ctx;
	const char *dir;
	int kind;
	int compress;
	struct jp_pkg *const *pkgs;
	size_t npkgs;
	const char *text;         /* updateinfo */
	size_t text_len;
	int rc;
	int started;              /* a thread runs it */
};

/* Write one whole document; the result is in job->rc and job->file. */
static void *
jp_md_job_run(void *arg)
{
	struct jp_md_job *job = arg;
	struct jp_mdfile *f = &job->file;
	size_t i;

	job->rc = jp_md_open(f, job->ctx, job->dir,
	    jp_md_type_names[job->kind], job->compress);
	if (job->rc < 0)
		return NULL;
	/* headers and footers: createrepo_c's xml_file.c */
	switch (job->kind) {
	case JP_MD_PRIMARY:
		jp_md_lit(f, JP_XML_DECL "<metadata xmlns=\"" JP_NS_COMMON
		    "\" xmlns:rpm=\"" JP_NS_RPM "\" packages=\"");
		break;
	case JP_MD_FILELISTS:
		jp_md_lit(f, JP_XML_DECL "<filelists xmlns=\"" JP_NS_FILELISTS
		    "\" packages=\"");
		break;
	case JP_MD_OTHER:
		jp_md_lit(f, JP_XML_DECL "<otherdata xmlns=\"" JP_NS_OTHER
		    "\" packages=\"");
		break;
	case JP_MD_UPDATEINFO:
		jp_md_put(f, job->text, job->text_len);
		goto done;
	}
	jp_md_u64(f, job->npkgs);
	jp_md_lit(f, "\">\n");
	for (i = 0; i < job->npkgs && !f->failed; i++) {
		switch (job->kind) {
		case JP_MD_PRIMARY:
			jp_md_primary_pkg(f, job->pkgs[i]);
			break;
		case JP_MD_FILELISTS:
			jp_md_filelists_pkg(f, job->pkgs[i]);
			break;
		case JP_MD_OTHER:
			jp_md_other_pkg(f, job->pkgs[i]);
			break;
		}
		jp_md_maybe_flush(f);
	}
	switch (job->kind) {
	case JP_MD_PRIMARY: jp_md_lit(f, "</metadata>"); break;
	case JP_MD_FILELISTS: jp_md_lit(f, "</filelists>"); break;
	case JP_MD_OTHER: jp_md_lit(f, "</otherdata>"); break;
	}
done:
	job->rc = jp_md_close(f);
	return NULL;
}

/* <data type=...> of repomd.xml (createrepo_c's xml_dump_repomd.c) */
static void
jp_md_repomd_data(struct jp_mdfile *r, const struct jp_mdfile *f,
    int64_t revision)
{
	jp_md_lit(r, "  <data");
	jp_md_attrib(r, "type", f->type);
	jp_md_lit(r, ">\n    <checksum type=\"sha256\">");
	jp_md_text(r, f->sha);
	jp_md_lit(r, "</checksum>\n    <open-checksum type=\"sha256\">");
	jp_md_text(r, f->open_sha);
	jp_md_lit(r, "</open-checksum>\n    <location href=\"repodata/");
	jp_md_attr(r, f->name);
	jp_md_lit(r, "\"/>\n    <timestamp>");
	jp_md_i64(r, revision);
	jp_md_lit(r, "</timestamp>\n    <size>");
	jp_md_u64(r, f->size);
	jp_md_lit(r, "</size>\n    <open-size>");
	jp_md_u64(r, f->open_size);
	jp_md_lit(r, "</open-size>\n  </data>\n");
}

int
jp_rpmmd_write(struct jp_ctx *ctx, const char *dir,
    struct jp_pkg *const *pkgs, size_t npkgs, const struct jp_rpmmd_opts *opts)
{
	struct jp_md_job jobs[JP_MD_NKINDS];
	struct jp_mdfile repomd;
	pthread_t tids[JP_MD_NKINDS];
	char *path = NULL;
	int njobs, i, rc = 0;

	if (!opts || opts->compress < JP_COMPRESS_GZ ||
	    opts->compress > JP_COMPRESS_NONE)
		return jp_error_set(ctx, JP_ERR,
		    "cannot write metadata into '%s': unknown compression", dir);

	njobs = opts->updateinfo ? JP_MD_NKINDS : JP_MD_UPDATEINFO;
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < njobs; i++) {
		jobs[i].ctx = ctx;
		jobs[i].dir = dir;
		jobs[i].kind = i;
		jobs[i].compress = opts->compress;
		jobs[i].pkgs = pkgs;
		jobs[i].npkgs = npkgs;
		jobs[i].file.fd = -1;
	}
	if (opts->updateinfo) {
		jobs[JP_MD_UPDATEINFO].text = opts->updateinfo;
		jobs[JP_MD_UPDATEINFO].text_len = opts->updateinfo_len;
	}

	/*
	 * One thread per big document; updateinfo (small) and whatever a
	 * thread could not be started for run here.
	 */
	if (opts->nthreads >= 2)
		for (i = 0; i < JP_MD_UPDATEINFO; i++)
			jobs[i].started = pthread_create(&tids[i], NULL,
			    jp_md_job_run, &jobs[i]) == 0;
	for (i = 0; i < njobs; i++)
		if (!jobs[i].started)
			jp_md_job_run(&jobs[i]);
	for (i = 0; i < njobs; i++)
		if (jobs[i].started)
			pthread_join(tids[i], NULL);
	for (i = 0; i < njobs; i++) {
		if (jobs[i].rc < 0) {
			rc = jp_error_set(ctx, jobs[i].rc, "%s",
			    jp_error_msg(&jobs[i].file.ctx));
			goto out;
		}
	}

	memset(&repomd, 0, sizeof(repomd));
	jp_md_lit(&repomd, JP_XML_DECL "<repomd xmlns=\"" JP_NS_REPO
	    "\" xmlns:rpm=\"" JP_NS_RPM "\">\n  <revision>");
	jp_md_i64(&repomd, opts->revision);
	jp_md_lit(&repomd, "</revision>\n");
	for (i = 0; i < njobs; i++)
		jp_md_repomd_data(&repomd, &jobs[i].file, opts->revision);
	jp_md_lit(&repomd, "</repomd>\n");
	path = jp_path_join(dir, "repomd.xml");
	rc = jp_file_write_atomic(ctx, path, repomd.buf, repomd.len);
	free(repomd.buf);
	if (rc == 0)
		rc = jp_fsync_dir(ctx, dir);

out:
	if (rc < 0) {
		/* leave the directory as empty as it was given */
		for (i = 0; i < njobs; i++) {
			if (jobs[i].file.name) {
				char *p = jp_path_join(dir, jobs[i].file.name);

				unlink(p);
				free(p);
			}
		}
	}
	for (i = 0; i < njobs; i++)
		jp_md_release(&jobs[i].file);
	free(path);
	return rc;
}
