/*
 * rpmmd.c: writing RPM-MD repository metadata (repodata/).
 *
 * Records come one at a time (jp_rpmmd_writer_add) and each is rendered
 * at once into the XML of primary, filelists and other; nothing of it is
 * kept.  Each XML stream is cut into blocks of JP_RPMMD_BLOCK bytes that
 * a pool of threads compresses while the caller renders the next records;
 * the caller's thread writes the finished blocks in order and, when too
 * many blocks are waiting, compresses one itself.  sha256 of each XML
 * stream (open-checksum) and, for gzip, its CRC-32 are taken in order as
 * the blocks are cut, sha256 of each file as it is written, so no file is
 * ever read back.
 *
 * gzip (the default) is compressed in parallel as pigz does it (see
 * RFC 1951 and 1952): every block is an independent raw deflate stream at
 * level 4 whose preset dictionary (deflateSetDictionary) is the last
 * 32 KiB of the XML before it, ended by a sync flush (an empty stored
 * block, so the next block starts on a byte boundary) and, for the last,
 * by a final block.  Their concatenation is one deflate stream, framed by
 * a fixed gzip header (no time stamp, no name) and a trailer with the
 * CRC-32 and the size of the whole XML.  A block's bytes depend only on
 * the XML and the block size, so the output is the same whatever the
 * number of threads.  xz and zstd streams keep one libarchive compressor
 * each, fed their blocks in order by one thread at a time.
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
#include <zlib.h>

#include "ctx.h"
#include "digest.h"
#include "fsutil.h"
#include "pkg.h"
#include "rpmmd.h"

/*
 * Compression levels.  createrepo_c 0.17 (src/compression_wrapper.c)
 * writes gzip at Z_DEFAULT_COMPRESSION (6) and xz at preset 5; zstd (not
 * in 0.17) at the library's default level 3.  gzip here is level 4: on
 * the 16 MB of primary and filelists XML of the 3000-package benchmark
 * corpus it took 0.12 s against 0.21 s at level 6 for 5% more bytes
 * (2.12 MB against 2.02 MB), and deflate is most of the time of a build
 * in which few packages changed.  Levels 4 to 9 share zlib's lazy-match
 * deflate; 1 to 3 do not, and cost 18% to 28% more bytes.
 */
#define JP_RPMMD_GZIP_LEVEL 4
#define JP_RPMMD_XZ_LEVEL "5"
#define JP_RPMMD_ZSTD_LEVEL "3"

/*
 * Size of the blocks the XML is cut into.  Changing it changes the bytes
 * of the .gz files (not what they decompress to).  Smaller blocks cost
 * compression (matches cannot reach back past the dictionary, and a sync
 * flush ends each) and time (the dictionary is hashed again for each);
 * larger ones cost memory (up to 2 x nthreads of them wait per stream).
 * Measured on 3000 packages (19 MB of XML): 64 KiB makes the files 0.4%
 * larger than one gzip stream, 256 KiB 0.07%, 1 MiB 0.004%; from 128 KiB
 * up the time is the same; memory grows with the size.
 */
#ifndef JP_RPMMD_BLOCK
#define JP_RPMMD_BLOCK (256 * 1024)
#endif
_Static_assert(JP_RPMMD_BLOCK > 0 && JP_RPMMD_BLOCK <= (1 << 30),
    "a block's length must fit zlib's uInt");
/* deflate's window (RFC 1951: distances up to 32768) */
#define JP_RPMMD_WINDOW 32768
/*
 * Rendering, checksums and writing (about a quarter of the work with
 * gzip) stay in the caller's thread, so more threads than this only cost
 * memory.
 */
#define JP_RPMMD_MAX_THREADS 8

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
/* Rendering XML into a growing buffer                                 */

struct jp_md_buf {
	char *buf;
	size_t len, cap;
};

/* Make room for n more bytes in the buffer. */
static inline char *
jp_md_room(struct jp_md_buf *f, size_t n)
{
	if (f->cap - f->len < n) {
		size_t cap = f->cap ? f->cap : 4096;

		while (cap - f->len < n)
			cap *= 2;
		f->buf = jp_xrealloc(f->buf, cap);
		f->cap = cap;
	}
	return f->buf + f->len;
}

static inline void
jp_md_put(struct jp_md_buf *f, const char *s, size_t n)
{
	memcpy(jp_md_room(f, n), s, n);
	f->len += n;
}

#define jp_md_lit(f, s) jp_md_put((f), (s), sizeof(s) - 1)

static void
jp_md_u64(struct jp_md_buf *f, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	jp_md_put(f, tmp, (size_t)n);
}

static void
jp_md_i64(struct jp_md_buf *f, int64_t v)
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
jp_md_esc(struct jp_md_buf *f, const char *s, int attr)
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
jp_md_attrib(struct jp_md_buf *f, const char *name, const char *value)
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
jp_md_elem(struct jp_md_buf *f, const char *indent, const char *tag,
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
jp_md_version(struct jp_md_buf *f, const struct jp_pkg *pkg)
{
	jp_md_lit(f, "  <version");
	jp_md_attrib(f, "epoch", jp_md_set(pkg->epoch) ? pkg->epoch : "0");
	jp_md_attrib(f, "ver", pkg->version);
	jp_md_attrib(f, "rel", pkg->release);
	jp_md_lit(f, "/>\n");
}

/* <file type="dir|ghost">path</file>; createrepo_c's cr_xml_dump_files */
static void
jp_md_file(struct jp_md_buf *f, const char *indent, const struct jp_file *fl)
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
jp_md_deps(struct jp_md_buf *f, const struct jp_pkg *pkg, int kind)
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
jp_md_primary_pkg(struct jp_md_buf *f, const struct jp_pkg *pkg)
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
jp_md_pkg_open(struct jp_md_buf *f, const struct jp_pkg *pkg)
{
	jp_md_lit(f, "<package");
	jp_md_attrib(f, "pkgid", pkg->sha256);
	jp_md_attrib(f, "name", pkg->name);
	jp_md_attrib(f, "arch", pkg->arch);
	jp_md_lit(f, ">\n");
	jp_md_version(f, pkg);
}

static void
jp_md_filelists_pkg(struct jp_md_buf *f, const struct jp_pkg *pkg)
{
	size_t i;

	jp_md_pkg_open(f, pkg);
	for (i = 0; i < pkg->nfiles; i++)
		if (pkg->files[i].path)
			jp_md_file(f, "  ", &pkg->files[i]);
	jp_md_lit(f, "</package>\n");
}

static void
jp_md_other_pkg(struct jp_md_buf *f, const struct jp_pkg *pkg)
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

/* ------------------------------------------------------------------ */
/* Blocks, streams and the pool of compressing threads                 */

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

enum jp_md_state {
	JP_MD_WAITING,            /* xz, zstd, none: the block before runs */
	JP_MD_QUEUED,             /* in the run queue */
	JP_MD_RUNNING,
	JP_MD_DONE,               /* compressed (gzip) or written (others) */
};

struct jp_md_stream;

/* A piece of one XML stream, compressed as a unit. */
struct jp_md_block {
	struct jp_md_block *next;     /* the stream's next block */
	struct jp_md_block *qnext;    /* next in the run queue */
	struct jp_md_stream *s;
	char *alloc;                  /* what to free */
	char *mem;                    /* the dictionary, then the data */
	size_t pre;                   /* bytes of dictionary */
	size_t len;                   /* bytes of data */
	unsigned char *out;           /* gzip: the deflate bytes */
	size_t outlen;
	int last;                     /* the stream's last block */
	int state;                    /* enum jp_md_state, under the lock */
	int err;                      /* zlib's code (gzip), else 0 or JP_ERR */
};

/*
 * One output file.  The caller's thread owns everything but the fields
 * marked "compressor": those belong to whichever thread runs the
 * stream's block (one at a time, in order, handed over under the lock),
 * and the caller's thread reads them only after it saw the block done.
 */
struct jp_md_stream {
	int kind;                     /* enum jp_md_kind */
	int compress;
	char *tmppath;
	char *name;                   /* "<sha256>-<type>.xml<suffix>", renamed */
	int fd;
	int created;                  /* tmppath is ours */
	struct jp_digest open_d;      /* the XML */
	struct jp_digest comp_d;      /* the file (compressor, but for gzip) */
	int digests;
	uint64_t open_size;
	uint64_t size;                /* of the file (as comp_d) */
	uLong crc;                    /* gzip: CRC-32 of the XML */
	char open_sha[65], sha[65];
	struct jp_md_buf cur;         /* the block being rendered ... */
	size_t off;                   /* ... starting here in cur.buf, */
	size_t pre;                   /* with this much dictionary first */
	/* under the lock */
	struct jp_md_block *head, *tail;  /* cut and not yet written */
	unsigned inflight;
	/* compressor (xz, zstd, none) */
	struct archive *a;
	struct jp_ctx ctx;            /* its error */
	int cfailed;
};

struct jp_rpmmd_writer {
	struct jp_ctx *ctx;           /* the caller's: errors */
	char *dir;
	int compress;
	int64_t revision;
	size_t npkgs, nadded;
	struct jp_md_stream s[JP_MD_NKINDS];
	int nstreams;
	int failed;                   /* stopped by an error */
	int finished;
	char *repomd;                 /* repomd.xml once written */

	pthread_mutex_t mu;
	pthread_cond_t work;          /* a block was queued, or quit */
	pthread_cond_t done;          /* a block is done */
	int sync;                     /* mu, work, done are initialised */
	pthread_t *tids;
	int nworkers;
	unsigned limit;               /* blocks cut and not written, per stream */
	/* under the lock */
	struct jp_md_block *qhead, *qtail;
	int quit;
	/* the caller's thread's deflate state */
	z_stream zs;
	int zs_init;
};

/*
 * Append to the file and to its sha256.  Returns 0, or a negative code
 * with a message on ctx.
 */
static int
jp_md_write_fd(struct jp_md_stream *s, struct jp_ctx *ctx, const void *buf,
    size_t len)
{
	const char *p = buf;
	size_t left = len;

	jp_digest_update(&s->comp_d, buf, len);
	s->size += len;
	while (left > 0) {
		ssize_t n = write(s->fd, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return jp_error_errno(ctx, errno, "cannot write '%s'",
			    s->tmppath);
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

/* libarchive's write callback (xz, zstd): the compressed bytes. */
static la_ssize_t
jp_md_archive_write(struct archive *a, void *data, const void *buf,
    size_t len)
{
	struct jp_md_stream *s = data;

	(void)a;
	if (jp_md_write_fd(s, &s->ctx, buf, len) < 0) {
		s->cfailed = 1;
		return -1;
	}
	return (la_ssize_t)len;
}

static int
jp_md_archive_error(struct jp_md_stream *s, const char *what)
{
	if (!s->cfailed)
		jp_error_set(&s->ctx, JP_ERR, "cannot %s '%s': %s", what,
		    s->tmppath, archive_error_string(s->a) ?
		    archive_error_string(s->a) : "compressor failed");
	s->cfailed = 1;
	return JP_ERR;
}

/*
 * Deflate one gzip block with the thread's stream zs (made on first use):
 * raw deflate (no zlib or gzip framing) primed with the block's
 * dictionary, ended by a sync flush, or for the last block by the final
 * block.  Returns a zlib code.
 */
static int
jp_md_deflate(z_stream *zs, int *zs_init, struct jp_md_block *b)
{
	int flush = b->last ? Z_FINISH : Z_SYNC_FLUSH;
	size_t cap;
	int r;

	if (!*zs_init) {
		memset(zs, 0, sizeof(*zs));
		r = deflateInit2(zs, JP_RPMMD_GZIP_LEVEL, Z_DEFLATED, -15, 8,
		    Z_DEFAULT_STRATEGY);
		if (r != Z_OK)
			return r;
		*zs_init = 1;
	} else if ((r = deflateReset(zs)) != Z_OK)
		return r;
	if (b->pre > 0 && (r = deflateSetDictionary(zs,
	    (const Bytef *)b->mem, (uInt)b->pre)) != Z_OK)
		return r;
	zs->next_in = (Bytef *)b->mem + b->pre;
	zs->avail_in = (uInt)b->len;
	/* deflateBound() holds for Z_FINISH; the sync flush adds 5 bytes */
	cap = deflateBound(zs, (uLong)b->len) + 16;
	b->out = jp_xmalloc(cap);
	b->outlen = 0;
	for (;;) {
		zs->next_out = b->out + b->outlen;
		zs->avail_out = (uInt)(cap - b->outlen);
		r = deflate(zs, flush);
		b->outlen = cap - zs->avail_out;
		if (r == Z_STREAM_ERROR)
			return r;
		if (flush == Z_FINISH ? r == Z_STREAM_END : zs->avail_out > 0)
			break;
		cap *= 2;
		b->out = jp_xrealloc(b->out, cap);
	}
	/* it waits its turn to be written: keep only what it needs */
	b->out = jp_xrealloc(b->out, b->outlen ? b->outlen : 1);
	return Z_OK;
}

/* Feed one block to an xz or zstd compressor, or write it as it is. */
static int
jp_md_serial(struct jp_md_stream *s, struct jp_md_block *b)
{
	const char *p = b->mem + b->pre;
	size_t left = b->len;

	if (s->cfailed)
		return JP_ERR;
	if (!s->a) {
		if (jp_md_write_fd(s, &s->ctx, p, left) < 0) {
			s->cfailed = 1;
			return JP_ERR;
		}
		return 0;
	}
	while (left > 0) {
		la_ssize_t n = archive_write_data(s->a, p, left);

		if (n <= 0)
			return jp_md_archive_error(s, "compress");
		p += n;
		left -= (size_t)n;
	}
	if (b->last) {
		if (archive_write_close(s->a) != ARCHIVE_OK)
			return jp_md_archive_error(s, "finish compressing");
		archive_write_free(s->a);
		s->a = NULL;
	}
	return 0;
}

/* Compress one block; any thread, without the lock. */
static void
jp_md_run(struct jp_md_block *b, z_stream *zs, int *zs_init)
{
	if (b->s->compress == JP_COMPRESS_GZ)
		b->err = jp_md_deflate(zs, zs_init, b);
	else
		b->err = jp_md_serial(b->s, b);
	free(b->alloc);
	b->alloc = b->mem = NULL;
}

/* Under the lock. */
static void
jp_md_enqueue(struct jp_rpmmd_writer *w, struct jp_md_block *b)
{
	b->state = JP_MD_QUEUED;
	b->qnext = NULL;
	if (w->qtail)
		w->qtail->qnext = b;
	else
		w->qhead = b;
	w->qtail = b;
	pthread_cond_signal(&w->work);
}

/* Under the lock. */
static struct jp_md_block *
jp_md_dequeue(struct jp_rpmmd_writer *w)
{
	struct jp_md_block *b = w->qhead;

	w->qhead = b->qnext;
	if (!w->qhead)
		w->qtail = NULL;
	b->state = JP_MD_RUNNING;
	return b;
}

/*
 * Under the lock: b is compressed.  The next block of an xz, zstd or
 * uncompressed stream may run now.
 */
static void
jp_md_block_done(struct jp_rpmmd_writer *w, struct jp_md_block *b)
{
	b->state = JP_MD_DONE;
	if (b->s->compress != JP_COMPRESS_GZ && b->next &&
	    b->next->state == JP_MD_WAITING && !w->quit)
		jp_md_enqueue(w, b->next);
	pthread_cond_broadcast(&w->done);
}

static void *
jp_md_worker(void *arg)
{
	struct jp_rpmmd_writer *w = arg;
	z_stream zs;
	int zs_init = 0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct jp_md_block *b;

		while (!w->qhead && !w->quit)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->qhead)
			break;
		b = jp_md_dequeue(w);
		pthread_mutex_unlock(&w->mu);
		jp_md_run(b, &zs, &zs_init);
		pthread_mutex_lock(&w->mu);
		jp_md_block_done(w, b);
	}
	pthread_mutex_unlock(&w->mu);
	if (zs_init)
		deflateEnd(&zs);
	return NULL;
}

/*
 * Write out a finished block (gzip) or take note of its outcome (the
 * others, already written).  The caller's thread, without the lock.
 */
static int
jp_md_block_write(struct jp_rpmmd_writer *w, struct jp_md_block *b)
{
	struct jp_md_stream *s = b->s;

	if (s->compress != JP_COMPRESS_GZ) {
		if (b->err < 0)
			return jp_error_set(w->ctx, s->ctx.errcode < 0 ?
			    s->ctx.errcode : JP_ERR, "%s", jp_error_msg(&s->ctx));
		return 0;
	}
	if (b->err != Z_OK)
		return jp_error_set(w->ctx, b->err == Z_MEM_ERROR ?
		    JP_ERR_NOMEM : JP_ERR, "cannot compress '%s': zlib: %s",
		    s->tmppath, zError(b->err));
	return jp_md_write_fd(s, w->ctx, b->out, b->outlen);
}

static void
jp_md_block_free(struct jp_md_block *b)
{
	free(b->alloc);
	free(b->out);
	free(b);
}

/*
 * Under the lock: write the blocks at the head of every stream that are
 * done, in order.  The lock is let go while writing, so blocks finished
 * meanwhile (whose wake-up nobody waited for) are looked for again: on
 * return, no stream's head is done.
 */
static int
jp_md_retire(struct jp_rpmmd_writer *w)
{
	int i, rc, wrote;

	do {
		wrote = 0;
		for (i = 0; i < w->nstreams; i++) {
			struct jp_md_stream *s = &w->s[i];
			struct jp_md_block *b;

			while ((b = s->head) != NULL &&
			    b->state == JP_MD_DONE) {
				s->head = b->next;
				if (!s->head)
					s->tail = NULL;
				s->inflight--;
				wrote = 1;
				pthread_mutex_unlock(&w->mu);
				rc = jp_md_block_write(w, b);
				jp_md_block_free(b);
				pthread_mutex_lock(&w->mu);
				if (rc < 0)
					return rc;
			}
		}
	} while (wrote);
	return 0;
}

/*
 * Write what is done; then, while stream s has `limit` blocks waiting (or
 * any block, with all), compress a queued block in this thread or wait
 * for one to be done.  Returns 0 or a negative code with a message.
 */
static int
jp_md_throttle(struct jp_rpmmd_writer *w, struct jp_md_stream *s, int all)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		rc = jp_md_retire(w);
		if (rc < 0)
			break;
		if (all ? s->head == NULL : s->inflight < w->limit)
			break;
		if (w->qhead) {
			struct jp_md_block *b = jp_md_dequeue(w);

			pthread_mutex_unlock(&w->mu);
			jp_md_run(b, &w->zs, &w->zs_init);
			pthread_mutex_lock(&w->mu);
			jp_md_block_done(w, b);
		} else
			pthread_cond_wait(&w->done, &w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/*
 * Make a block of the first len bytes of data in s->cur (after the
 * dictionary) and queue it; checksums of the XML are taken here, in
 * order.  The rest of s->cur moves to a new buffer after the last 32 KiB
 * of the XML so far, the next block's dictionary (gzip).  copy: leave the
 * rest where it is and copy the block out instead (for a rest that is
 * larger than a block, so that a huge record is not copied over and over).
 */
static int
jp_md_cut_block(struct jp_rpmmd_writer *w, struct jp_md_stream *s,
    size_t len, int last, int copy)
{
	struct jp_md_block *b = jp_xcalloc(1, sizeof(*b));
	char *base = s->cur.buf + s->off;
	char *data = base + s->pre;
	size_t rest = s->cur.len - s->off - s->pre - len;
	size_t dict = 0;
	int runnable;

	if (s->compress == JP_COMPRESS_GZ) {
		/* len <= JP_RPMMD_BLOCK: fits in uInt */
		s->crc = crc32(s->crc, (const Bytef *)data, (uInt)len);
		if (!last)
			dict = s->pre + len < JP_RPMMD_WINDOW ?
			    s->pre + len : JP_RPMMD_WINDOW;
	}
	jp_digest_update(&s->open_d, data, len);
	s->open_size += len;

	b->s = s;
	b->pre = s->pre;
	b->len = len;
	b->last = last;
	if (copy) {
		b->alloc = b->mem = jp_xmalloc(s->pre + len);
		memcpy(b->mem, base, s->pre + len);
		s->off += s->pre + len - dict;
	} else {
		struct jp_md_buf nb = { NULL, 0, 0 };

		if (!last) {
			/* the dictionary and the rest are contiguous */
			nb.cap = dict + (rest > JP_RPMMD_BLOCK ? rest :
			    JP_RPMMD_BLOCK) + JP_RPMMD_BLOCK / 4;
			nb.buf = jp_xmalloc(nb.cap);
			memcpy(nb.buf, data + len - dict, dict + rest);
			nb.len = dict + rest;
		}
		b->alloc = s->cur.buf;
		b->mem = base;
		s->cur = nb;
		s->off = 0;
	}
	s->pre = dict;

	pthread_mutex_lock(&w->mu);
	/* xz, zstd, none: one block at a time per stream, in order */
	runnable = s->compress == JP_COMPRESS_GZ || !s->tail ||
	    s->tail->state == JP_MD_DONE;
	if (s->tail)
		s->tail->next = b;
	else
		s->head = b;
	s->tail = b;
	s->inflight++;
	if (runnable)
		jp_md_enqueue(w, b);
	else
		b->state = JP_MD_WAITING;
	pthread_mutex_unlock(&w->mu);
	return jp_md_throttle(w, s, 0);
}

/*
 * Cut s->cur into blocks of JP_RPMMD_BLOCK bytes; with last, the end of
 * the stream: the rest is the last block (empty when the XML ended on a
 * block boundary).  Blocks depend only on the bytes of the stream.
 */
static int
jp_md_cut(struct jp_rpmmd_writer *w, struct jp_md_stream *s, int last)
{
	if (!s->cur.buf)
		jp_md_room(&s->cur, 1);    /* an empty stream: still a block */
	for (;;) {
		size_t have = s->cur.len - s->off - s->pre;
		int rc;

		if (have >= 2 * (size_t)JP_RPMMD_BLOCK)
			rc = jp_md_cut_block(w, s, JP_RPMMD_BLOCK, 0, 1);
		else if (have >= JP_RPMMD_BLOCK)
			rc = jp_md_cut_block(w, s, JP_RPMMD_BLOCK, 0, 0);
		else if (last)
			return jp_md_cut_block(w, s, have, 1, 0);
		else
			return 0;
		if (rc < 0)
			return rc;
	}
}

/*
 * Create the temporary file of stream kind and start its compressor; for
 * gzip, write the header.  Before any thread starts.
 */
static int
jp_md_stream_open(struct jp_rpmmd_writer *w, int kind)
{
	static const unsigned char gzip_header[10] = {
		/*
		 * RFC 1952: ID1 ID2, CM 8 (deflate), FLG 0 (no name, no
		 * comment, no extra), MTIME 0 (none, so that the same input
		 * gives the same bytes), XFL 0, OS 3 (Unix), as gzip -6 and
		 * zlib write it.
		 */
		0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3
	};
	struct jp_md_stream *s = &w->s[kind];
	struct archive_entry *e;
	const char *filter = NULL, *level = NULL;
	int r = ARCHIVE_OK;

	s->kind = kind;
	s->compress = w->compress;
	s->ctx = *w->ctx;
	jp_error_clear(&s->ctx);
	s->crc = crc32(0L, Z_NULL, 0);
	s->tmppath = jp_xasprintf("%s/.%s.xml%s.tmp", w->dir,
	    jp_md_type_names[kind], jp_compress_suffix(w->compress));
	if (jp_digest_init(&s->open_d, JP_DIGEST_SHA256) < 0)
		return jp_error_set(w->ctx, JP_ERR, "cannot start sha256");
	if (jp_digest_init(&s->comp_d, JP_DIGEST_SHA256) < 0) {
		jp_digest_release(&s->open_d);
		return jp_error_set(w->ctx, JP_ERR, "cannot start sha256");
	}
	s->digests = 1;
	s->fd = open(s->tmppath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0644);
	if (s->fd < 0)
		return jp_error_errno(w->ctx, errno, "cannot create '%s'",
		    s->tmppath);
	s->created = 1;

	switch (w->compress) {
	case JP_COMPRESS_NONE:
		return 0;
	case JP_COMPRESS_GZ:
		return jp_md_write_fd(s, w->ctx, gzip_header,
		    sizeof(gzip_header));
	case JP_COMPRESS_XZ:
		filter = "xz";
		level = JP_RPMMD_XZ_LEVEL;
		break;
	case JP_COMPRESS_ZSTD:
		filter = "zstd";
		level = JP_RPMMD_ZSTD_LEVEL;
		break;
	}

	s->a = archive_write_new();
	if (!s->a)
		return jp_error_set(w->ctx, JP_ERR_NOMEM,
		    "cannot start compressor for '%s'", s->tmppath);
	r = w->compress == JP_COMPRESS_XZ ? archive_write_add_filter_xz(s->a) :
	    archive_write_add_filter_zstd(s->a);
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(s->a, filter,
		    "compression-level", level);
	if (r == ARCHIVE_OK)
		r = archive_write_set_format_raw(s->a);
	/* no blocking: every compressed chunk goes straight to the file */
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_per_block(s->a, 0);
	if (r == ARCHIVE_OK)
		r = archive_write_open2(s->a, s, NULL, jp_md_archive_write,
		    NULL, NULL);
	if (r == ARCHIVE_OK) {
		e = archive_entry_new();
		if (!e)
			return jp_error_set(w->ctx, JP_ERR_NOMEM,
			    "out of memory");
		archive_entry_set_pathname(e, jp_md_type_names[kind]);
		archive_entry_set_filetype(e, AE_IFREG);
		r = archive_write_header(s->a, e);
		archive_entry_free(e);
	}
	if (r != ARCHIVE_OK) {
		jp_md_archive_error(s, "start compressing");
		return jp_error_set(w->ctx, JP_ERR, "%s", jp_error_msg(&s->ctx));
	}
	return 0;
}

/*
 * All blocks of s are written: end the file (gzip trailer), sync it and
 * rename it to "<sha256>-<type>.xml<suffix>".
 */
static int
jp_md_stream_close(struct jp_rpmmd_writer *w, struct jp_md_stream *s)
{
	char *final;
	int fd = s->fd;

	if (s->compress == JP_COMPRESS_GZ) {
		/* RFC 1952: CRC32 and ISIZE (size mod 2^32), little-endian */
		unsigned char t[8];
		uint32_t crc = (uint32_t)s->crc;
		uint32_t isize = (uint32_t)(s->open_size & 0xffffffffu);
		int i;

		for (i = 0; i < 4; i++) {
			t[i] = (unsigned char)(crc >> (8 * i));
			t[4 + i] = (unsigned char)(isize >> (8 * i));
		}
		if (jp_md_write_fd(s, w->ctx, t, sizeof(t)) < 0)
			return JP_ERR;
	}
	if (fsync(fd) < 0)
		return jp_error_errno(w->ctx, errno, "cannot sync '%s'",
		    s->tmppath);
	s->fd = -1;
	if (close(fd) < 0)
		return jp_error_errno(w->ctx, errno, "cannot write '%s'",
		    s->tmppath);
	jp_digest_final(&s->open_d);
	jp_digest_final(&s->comp_d);
	memcpy(s->open_sha, jp_digest_hex(&s->open_d, JP_DIGEST_SHA256), 65);
	memcpy(s->sha, jp_digest_hex(&s->comp_d, JP_DIGEST_SHA256), 65);
	final = jp_xasprintf("%s/%s-%s.xml%s", w->dir, s->sha,
	    jp_md_type_names[s->kind], jp_compress_suffix(s->compress));
	if (rename(s->tmppath, final) < 0) {
		jp_error_errno(w->ctx, errno, "cannot rename '%s' to '%s'",
		    s->tmppath, final);
		free(final);
		return JP_ERR;
	}
	free(final);
	s->name = jp_xasprintf("%s-%s.xml%s", s->sha,
	    jp_md_type_names[s->kind], jp_compress_suffix(s->compress));
	return 0;
}

/* Let the threads finish what they run, drop what is queued, join them. */
static void
jp_md_stop(struct jp_rpmmd_writer *w)
{
	int i;

	if (!w->sync)
		return;
	pthread_mutex_lock(&w->mu);
	/* queued blocks stay on their stream's list and are freed there */
	w->qhead = w->qtail = NULL;
	w->quit = 1;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nworkers; i++)
		pthread_join(w->tids[i], NULL);
	w->nworkers = 0;
}

/* Stop after an error and remove every file made in dir. */
static int
jp_md_fail(struct jp_rpmmd_writer *w, int rc)
{
	int i;

	w->failed = 1;
	jp_md_stop(w);
	for (i = 0; i < w->nstreams; i++) {
		struct jp_md_stream *s = &w->s[i];

		if (s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
		}
		if (s->name) {
			char *p = jp_path_join(w->dir, s->name);

			unlink(p);
			free(p);
		} else if (s->created)
			unlink(s->tmppath);
		s->created = 0;
	}
	if (w->repomd)
		unlink(w->repomd);
	return rc < 0 ? rc : JP_ERR;
}

/* <data type=...> of repomd.xml (createrepo_c's xml_dump_repomd.c) */
static void
jp_md_repomd_data(struct jp_md_buf *r, const struct jp_md_stream *s,
    int64_t revision)
{
	jp_md_lit(r, "  <data");
	jp_md_attrib(r, "type", jp_md_type_names[s->kind]);
	jp_md_lit(r, ">\n    <checksum type=\"sha256\">");
	jp_md_text(r, s->sha);
	jp_md_lit(r, "</checksum>\n    <open-checksum type=\"sha256\">");
	jp_md_text(r, s->open_sha);
	jp_md_lit(r, "</open-checksum>\n    <location href=\"repodata/");
	jp_md_attr(r, s->name);
	jp_md_lit(r, "\"/>\n    <timestamp>");
	jp_md_i64(r, revision);
	jp_md_lit(r, "</timestamp>\n    <size>");
	jp_md_u64(r, s->size);
	jp_md_lit(r, "</size>\n    <open-size>");
	jp_md_u64(r, s->open_size);
	jp_md_lit(r, "</open-size>\n  </data>\n");
}

int
jp_rpmmd_writer_new(struct jp_ctx *ctx, const char *dir, size_t npkgs,
    const struct jp_rpmmd_opts *opts, struct jp_rpmmd_writer **out)
{
	struct jp_rpmmd_writer *w;
	int i, nthreads, rc;

	*out = NULL;
	if (!opts || opts->compress < JP_COMPRESS_GZ ||
	    opts->compress > JP_COMPRESS_NONE)
		return jp_error_set(ctx, JP_ERR,
		    "cannot write metadata into '%s': unknown compression", dir);

	w = jp_xcalloc(1, sizeof(*w));
	w->ctx = ctx;
	w->dir = jp_xstrdup(dir);
	w->compress = opts->compress;
	w->revision = opts->revision;
	w->npkgs = npkgs;
	w->nstreams = opts->updateinfo ? JP_MD_NKINDS : JP_MD_UPDATEINFO;
	for (i = 0; i < JP_MD_NKINDS; i++)
		w->s[i].fd = -1;
	if (pthread_mutex_init(&w->mu, NULL) != 0) {
		free(w->dir);
		free(w);
		return jp_error_set(ctx, JP_ERR, "cannot start threads");
	}
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	w->sync = 1;

	for (i = 0; i < w->nstreams; i++)
		if ((rc = jp_md_stream_open(w, i)) < 0)
			goto fail;

	/* the caller's thread is one of nthreads: it renders and helps */
	nthreads = opts->nthreads < 1 ? 1 : opts->nthreads >
	    JP_RPMMD_MAX_THREADS ? JP_RPMMD_MAX_THREADS : opts->nthreads;
	w->tids = jp_xcalloc((size_t)nthreads, sizeof(*w->tids));
	for (i = 0; i < nthreads - 1; i++) {
		if (pthread_create(&w->tids[i], NULL, jp_md_worker, w) != 0)
			break;      /* fewer threads: slower, the same bytes */
		w->nworkers++;
	}
	/*
	 * Blocks cut and not yet written per stream.  Without threads, each
	 * block is compressed as soon as it is cut; with them, enough to
	 * keep every thread busy while this one renders.
	 */
	w->limit = w->nworkers ? 2 * (unsigned)(w->nworkers + 1) : 1;

	/* headers: createrepo_c's xml_file.c */
	jp_md_lit(&w->s[JP_MD_PRIMARY].cur, JP_XML_DECL "<metadata xmlns=\""
	    JP_NS_COMMON "\" xmlns:rpm=\"" JP_NS_RPM "\" packages=\"");
	jp_md_lit(&w->s[JP_MD_FILELISTS].cur, JP_XML_DECL "<filelists xmlns=\""
	    JP_NS_FILELISTS "\" packages=\"");
	jp_md_lit(&w->s[JP_MD_OTHER].cur, JP_XML_DECL "<otherdata xmlns=\""
	    JP_NS_OTHER "\" packages=\"");
	for (i = 0; i < JP_MD_UPDATEINFO; i++) {
		jp_md_u64(&w->s[i].cur, npkgs);
		jp_md_lit(&w->s[i].cur, "\">\n");
	}

	/* updateinfo is complete: compress it now, with the others */
	if (opts->updateinfo) {
		struct jp_md_stream *s = &w->s[JP_MD_UPDATEINFO];
		size_t off, n;

		for (off = 0; off < opts->updateinfo_len; off += n) {
			n = opts->updateinfo_len - off;
			if (n > JP_RPMMD_BLOCK)
				n = JP_RPMMD_BLOCK;
			jp_md_put(&s->cur, opts->updateinfo + off, n);
			if ((rc = jp_md_cut(w, s, 0)) < 0)
				goto fail;
		}
		if ((rc = jp_md_cut(w, s, 1)) < 0)
			goto fail;
	}
	*out = w;
	return 0;

fail:
	jp_md_fail(w, rc);
	jp_rpmmd_writer_free(w);
	return rc;
}

int
jp_rpmmd_writer_add(struct jp_rpmmd_writer *w, const struct jp_pkg *pkg)
{
	const char *name = pkg->name ? pkg->name : "";
	int rc;

	if (w->failed || w->finished)
		return jp_error_set(w->ctx, JP_ERR, "cannot add '%s' to the "
		    "metadata in '%s': the writer has %s", name, w->dir,
		    w->failed ? "failed" : "finished");
	if (w->nadded == w->npkgs) {
		rc = jp_error_set(w->ctx, JP_ERR, "cannot add '%s' to the "
		    "metadata in '%s': more packages than the %zu announced",
		    name, w->dir, w->npkgs);
		return jp_md_fail(w, rc);
	}
	w->nadded++;
	jp_md_primary_pkg(&w->s[JP_MD_PRIMARY].cur, pkg);
	if ((rc = jp_md_cut(w, &w->s[JP_MD_PRIMARY], 0)) < 0)
		return jp_md_fail(w, rc);
	jp_md_filelists_pkg(&w->s[JP_MD_FILELISTS].cur, pkg);
	if ((rc = jp_md_cut(w, &w->s[JP_MD_FILELISTS], 0)) < 0)
		return jp_md_fail(w, rc);
	jp_md_other_pkg(&w->s[JP_MD_OTHER].cur, pkg);
	if ((rc = jp_md_cut(w, &w->s[JP_MD_OTHER], 0)) < 0)
		return jp_md_fail(w, rc);
	return 0;
}

int
jp_rpmmd_writer_finish(struct jp_rpmmd_writer *w)
{
	struct jp_md_buf repomd = { NULL, 0, 0 };
	int i, rc;

	if (w->failed || w->finished)
		return jp_error_set(w->ctx, JP_ERR, "cannot finish the "
		    "metadata in '%s': the writer has %s", w->dir,
		    w->failed ? "failed" : "finished");
	if (w->nadded != w->npkgs) {
		rc = jp_error_set(w->ctx, JP_ERR, "cannot finish the metadata "
		    "in '%s': %zu packages added, %zu announced", w->dir,
		    w->nadded, w->npkgs);
		return jp_md_fail(w, rc);
	}
	/* footers: createrepo_c's xml_file.c, no newline after them */
	jp_md_lit(&w->s[JP_MD_PRIMARY].cur, "</metadata>");
	jp_md_lit(&w->s[JP_MD_FILELISTS].cur, "</filelists>");
	jp_md_lit(&w->s[JP_MD_OTHER].cur, "</otherdata>");
	for (i = 0; i < JP_MD_UPDATEINFO; i++)
		if ((rc = jp_md_cut(w, &w->s[i], 1)) < 0)
			return jp_md_fail(w, rc);
	for (i = 0; i < w->nstreams; i++) {
		if ((rc = jp_md_throttle(w, &w->s[i], 1)) < 0 ||
		    (rc = jp_md_stream_close(w, &w->s[i])) < 0)
			return jp_md_fail(w, rc);
	}
	jp_md_stop(w);

	jp_md_lit(&repomd, JP_XML_DECL "<repomd xmlns=\"" JP_NS_REPO
	    "\" xmlns:rpm=\"" JP_NS_RPM "\">\n  <revision>");
	jp_md_i64(&repomd, w->revision);
	jp_md_lit(&repomd, "</revision>\n");
	for (i = 0; i < w->nstreams; i++)
		jp_md_repomd_data(&repomd, &w->s[i], w->revision);
	jp_md_lit(&repomd, "</repomd>\n");
	w->repomd = jp_path_join(w->dir, "repomd.xml");
	rc = jp_file_write_atomic(w->ctx, w->repomd, repomd.buf, repomd.len);
	free(repomd.buf);
	if (rc < 0) {
		free(w->repomd);
		w->repomd = NULL;
		return jp_md_fail(w, rc);
	}
	if ((rc = jp_fsync_dir(w->ctx, w->dir)) < 0)
		return jp_md_fail(w, rc);
	w->finished = 1;
	return 0;
}

void
jp_rpmmd_writer_free(struct jp_rpmmd_writer *w)
{
	int i;

	if (!w)
		return;
	jp_md_stop(w);
	for (i = 0; i < JP_MD_NKINDS; i++) {
		struct jp_md_stream *s = &w->s[i];

		while (s->head) {
			struct jp_md_block *b = s->head;

			s->head = b->next;
			jp_md_block_free(b);
		}
		if (s->a)
			archive_write_free(s->a);
		if (s->fd >= 0)
			close(s->fd);
		if (s->digests) {
			jp_digest_release(&s->open_d);
			jp_digest_release(&s->comp_d);
		}
		free(s->cur.buf);
		free(s->tmppath);
		free(s->name);
	}
	if (w->zs_init)
		deflateEnd(&w->zs);
	if (w->sync) {
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
	}
	free(w->tids);
	free(w->repomd);
	free(w->dir);
	free(w);
}

int
jp_rpmmd_write(struct jp_ctx *ctx, const char *dir,
    struct jp_pkg *const *pkgs, size_t npkgs, const struct jp_rpmmd_opts *opts)
{
	struct jp_rpmmd_writer *w;
	size_t i;
	int rc;

	if ((rc = jp_rpmmd_writer_new(ctx, dir, npkgs, opts, &w)) < 0)
		return rc;
	for (i = 0; i < npkgs; i++)
		if ((rc = jp_rpmmd_writer_add(w, pkgs[i])) < 0)
			break;
	if (rc == 0)
		rc = jp_rpmmd_writer_finish(w);
	jp_rpmmd_writer_free(w);
	return rc;
}
