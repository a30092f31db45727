/*
 * debpkg.c: reading .deb files (see debpkg.h).
 *
 * The ar container is simple enough to follow by hand while the file
 * streams through the digests, which is what keeps the read to one pass:
 * an 8-byte signature "!<arch>\n", then members, each a 60-byte header
 * (name 16, mtime 12, uid 6, gid 6, mode 8, size 10, "`\n") and its data
 * padded to an even length.  deb(5) fixes the members and their order:
 * debian-binary, control.tar[.gz|.xz|.zst], data.tar[.gz|.xz|.zst|.bz2|
 * .lzma]; members whose names start with '_' may come between them and
 * are ignored, anything after data.tar is ignored, any other member is an
 * error.  Names are at most 16 characters with an optional trailing '/'.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "ctx.h"
#include "deb822.h"
#include "debpkg.h"
#include "digest.h"
#include "pkg.h"
#include "version.h"

#define JP_DEBPKG_BUFSIZE (256 * 1024)
/* The largest debian-binary member read (it holds one short line). */
#define JP_DEBPKG_BINARY_MAX 4096
/*
 * Limits against hostile files: the control member is kept in memory, and
 * real ones (control, md5sums, scripts) are far below these.
 */
#define JP_DEBPKG_CONTROL_MAX (64 * 1024 * 1024)
#define JP_DEBPKG_CONTROL_FILE_MAX (16 * 1024 * 1024)

#define JP_AR_MAGIC "!<arch>\n"
#define JP_AR_MAGIC_LEN 8
#define JP_AR_HDR_LEN 60

const char *
jp_debpkg_name_check(const char *name)
{
	const char *p = name;

	/* dpkg's pkg_name_is_illegal() (lib/dpkg/parsehelp.c) */
	if (!p || !*p)
		return "empty package name";
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9')))
		return "package name must start with a letter or digit";
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-+._", *p)))
			return "invalid character in package name";
	return NULL;
}

const char *
jp_debpkg_arch_check(const char *arch)
{
	const char *p = arch;

	/* dpkg's dpkg_arch_name_is_illegal() (lib/dpkg/arch.c) */
	if (!p || !*p)
		return "empty architecture";
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9')))
		return "architecture must start with a letter or digit";
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-'))
			return "invalid character in architecture";
	/* wildcards and "source" name no binary package's architecture */
	if (!strcmp(arch, "any") || !strcmp(arch, "source"))
		return "not the architecture of a binary package";
	return NULL;
}

/* --- the input: read once, hash as read --- */

struct jp_debread {
	struct jp_ctx *ctx;
	const char *relpath;
	int fd;
	unsigned char *buf;
	size_t len;              /* valid bytes in buf */
	size_t off;              /* bytes of buf consumed */
	int eof;
	int err;                 /* errno of a failed read */
	uint64_t nread;          /* bytes read from the file, all hashed */
	struct jp_digest dg;
	int have_dg;
	unsigned char *control;  /* the control member */
	size_t control_len;
	char control_name[17];
};

/* Read the next chunk into the buffer and hash it.  Returns 0 at EOF. */
static ssize_t
jp_debread_fill(struct jp_debread *r)
{
	ssize_t n;

	if (r->eof || r->err)
		return 0;
	for (;;) {
		n = read(r->fd, r->buf, JP_DEBPKG_BUFSIZE);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		r->err = errno;
		return -1;
	}
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	jp_digest_update(&r->dg, r->buf, (size_t)n);
	r->nread += (uint64_t)n;
	r->len = (size_t)n;
	r->off = 0;
	return n;
}

/*
 * Consume n bytes, copying them to dst unless dst is NULL.  Returns the
 * number consumed, less than n only at the end of the file, or -1 when a
 * read fails.
 */
static int64_t
jp_debread_take(struct jp_debread *r, void *dst, uint64_t n)
{
	unsigned char *d = dst;
	uint64_t got = 0;

	while (got < n) {
		size_t avail = r->len - r->off, k;

		if (avail == 0) {
			ssize_t f = jp_debread_fill(r);

			if (f < 0)
				return -1;
			if (f == 0)
				break;
			continue;
		}
		k = n - got < avail ? (size_t)(n - got) : avail;
		if (d)
			memcpy(d + got, r->buf + r->off, k);
		r->off += k;
		got += k;
	}
	return (int64_t)got;
}

static int
jp_debread_fail(struct jp_debread *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
jp_debread_fail(struct jp_debread *r, const char *fmt, ...)
{
	char problem[512];
	va_list ap;

	if (r->err)
		return jp_error_errno(r->ctx, r->err, "cannot read '%s'",
		    r->relpath);
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	return jp_error_set(r->ctx, JP_ERR, "cannot read '%s': %s",
	    r->relpath, problem);
}

struct jp_ar_member {
	char name[17];           /* without trailing spaces and '/' */
	uint64_t size;
};

/*
 * Read the next member header.  Returns 0 with *m filled, 1 at the clean
 * end of the archive, or a negative code with a message.
 */
static int
jp_debread_member(struct jp_debread *r, struct jp_ar_member *m)
{
	char hdr[JP_AR_HDR_LEN];
	int64_t got = jp_debread_take(r, hdr, sizeof(hdr));
	size_t n, i;

	if (got < 0)
		return jp_debread_fail(r, "read error");
	if (got == 0)
		return 1;
	if (got < JP_AR_HDR_LEN)
		return jp_debread_fail(r, "truncated ar member header "
		    "(at byte %llu)", (unsigned long long)(r->nread -
		    (uint64_t)(r->len - r->off) - (uint64_t)got));
	if (hdr[58] != '`' || hdr[59] != '\n')
		return jp_debread_fail(r, "malformed ar member header");
	for (n = 16; n > 0 && hdr[n - 1] == ' '; n--)
		;
	if (n > 1 && hdr[n - 1] == '/')
		n--;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)hdr[i];

		/* keep the name printable: it goes into messages */
		m->name[i] = (c < 0x21 || c > 0x7e) ? '?' : (char)c;
	}
	m->name[n] = '\0';
	/* size: decimal digits, then spaces (deb(5): 10 ASCII digits) */
	m->size = 0;
	for (i = 48; i < 58 && hdr[i] >= '0' && hdr[i] <= '9'; i++)
		m->size = m->size * 10 + (uint64_t)(hdr[i] - '0');
	if (i == 48)
		return jp_debread_fail(r, "malformed size in ar member '%s'",
		    m->name);
	for (; i < 58; i++)
		if (hdr[i] != ' ')
			return jp_debread_fail(r,
			    "malformed size in ar member '%s'", m->name);
	return 0;
}

/* Consume a member's data (and its padding byte), copying it to dst. */
static int
jp_debread_member_data(struct jp_debread *r, const struct jp_ar_member *m,
    void *dst)
{
	int64_t got = jp_debread_take(r, dst, m->size);

	if (got < 0)
		return jp_debread_fail(r, "read error");
	if ((uint64_t)got < m->size)
		return jp_debread_fail(r, "truncated: member '%s' has %llu of "
		    "its %llu bytes", m->name, (unsigned long long)got,
		    (unsigned long long)m->size);
	/* ar pads members to even offsets; a missing pad at EOF is harmless */
	if ((m->size & 1) && jp_debread_take(r, NULL, 1) < 0)
		return jp_debread_fail(r, "read error");
	return 0;
}

/* name == prefix + one of the suffixes (NULL-terminated)? */
static int
jp_member_is(const char *name, const char *prefix,
    const char *const *suffixes)
{
	size_t n = strlen(prefix);

	if (strncmp(name, prefix, n))
		return 0;
	for (; *suffixes; suffixes++)
		if (!strcmp(name + n, *suffixes))
			return 1;
	return 0;
}

/* deb(5): the compressions each member may have. */
static const char *const jp_control_suffixes[] = {
	"", ".gz", ".xz", ".zst", NULL
};
static const char *const jp_data_suffixes[] = {
	"", ".gz", ".xz", ".zst", ".bz2", ".lzma", NULL
};

/* Check debian-binary: "2.x\n..." (deb(5): same major number, 2). */
static int
jp_debread_binary(struct jp_debread *r, const struct jp_ar_member *m)
{
	char text[JP_DEBPKG_BINARY_MAX + 1];
	size_t i;
	int rc, major;

	if (m->size > JP_DEBPKG_BINARY_MAX)
		return jp_debread_fail(r, "debian-binary member too large "
		    "(%llu bytes)", (unsigned long long)m->size);
	if ((rc = jp_debread_member_data(r, m, text)) < 0)
		return rc;
	text[m->size] = '\0';
	for (i = 0, major = 0; i < 9 && text[i] >= '0' && text[i] <= '9'; i++)
		major = major * 10 + (text[i] - '0');
	if (i == 0 || text[i] != '.' || major != 2) {
		for (i = 0; text[i] && text[i] != '\n' && i < 32; i++)
			if ((unsigned char)text[i] < 0x20 ||
			    (unsigned char)text[i] > 0x7e)
				text[i] = '?';
		text[i] = '\0';
		return jp_debread_fail(r, "unsupported package format version "
		    "'%s' (only 2.x is known)", text);
	}
	return 0;
}

/* Walk the whole archive; keeps the control member in r->control. */
static int
jp_debread_archive(struct jp_debread *r)
{
	enum { WANT_BINARY, WANT_CONTROL, WANT_DATA, AFTER_DATA } state;
	char magic[JP_AR_MAGIC_LEN];
	struct jp_ar_member m = { "", 0 };
	int64_t got;
	int rc;

	got = jp_debread_take(r, magic, sizeof(magic));
	if (got < 0)
		return jp_debread_fail(r, "read error");
	if (got < JP_AR_MAGIC_LEN || memcmp(magic, JP_AR_MAGIC, JP_AR_MAGIC_LEN))
		return jp_debread_fail(r,
		    "not a Debian package (no ar archive signature)");
	state = WANT_BINARY;
	while ((rc = jp_debread_member(r, &m)) == 0) {
		if (state == WANT_BINARY) {
			if (strcmp(m.name, "debian-binary"))
				return jp_debread_fail(r, "not a Debian package "
				    "(first member is '%s', not debian-binary)",
				    m.name);
			if ((rc = jp_debread_binary(r, &m)) < 0)
				return rc;
			state = WANT_CONTROL;
			continue;
		}
		if (state == AFTER_DATA || m.name[0] == '_') {
			/* deb(5): ignored */
			if ((rc = jp_debread_member_data(r, &m, NULL)) < 0)
				return rc;
			continue;
		}
		if (state == WANT_CONTROL &&
		    jp_member_is(m.name, "control.tar", jp_control_suffixes)) {
			if (m.size > JP_DEBPKG_CONTROL_MAX)
				return jp_debread_fail(r, "control member '%s' "
				    "too large (%llu bytes)", m.name,
				    (unsigned long long)m.size);
			r->control = jp_xmalloc(m.size ? (size_t)m.size : 1);
			r->control_len = (size_t)m.size;
			memcpy(r->control_name, m.name, sizeof(m.name));
			if ((rc = jp_debread_member_data(r, &m, r->control)) < 0)
				return rc;
			state = WANT_DATA;
			continue;
		}
		if (state == WANT_DATA &&
		    jp_member_is(m.name, "data.tar", jp_data_suffixes)) {
			if ((rc = jp_debread_member_data(r, &m, NULL)) < 0)
				return rc;
			state = AFTER_DATA;
			continue;
		}
		if (state == WANT_CONTROL && !strncmp(m.name, "control.tar", 11))
			return jp_debread_fail(r, "unsupported compression of "
			    "control member '%s'", m.name);
		if (state == WANT_DATA && !strncmp(m.name, "data.tar", 8))
			return jp_debread_fail(r, "unsupported compression of "
			    "data member '%s'", m.name);
		if (state == WANT_CONTROL)
			return jp_debread_fail(r, "no control.tar member "
			    "(found '%s' where it belongs)", m.name);
		return jp_debread_fail(r, "unexpected member '%s' before "
		    "data.tar", m.name);
	}
	if (rc < 0)
		return rc;
	if (state == WANT_BINARY)
		return jp_debread_fail(r, "not a Debian package (empty ar "
		    "archive)");
	if (state == WANT_CONTROL)
		return jp_debread_fail(r, "no control.tar member");
	if (state == WANT_DATA)
		return jp_debread_fail(r, "no data.tar member");
	/* every byte was read: rc == 1 means EOF at a member boundary */
	return 0;
}

/* --- the control member --- */

static int
jp_control_filter_ok(const char *member, int code)
{
	const char *suffix = member + strlen("control.tar");

	if (!strcmp(suffix, ".gz"))
		return code == ARCHIVE_FILTER_GZIP;
	if (!strcmp(suffix, ".xz"))
		return code == ARCHIVE_FILTER_XZ;
	if (!strcmp(suffix, ".zst"))
		return code == ARCHIVE_FILTER_ZSTD;
	return code == ARCHIVE_FILTER_NONE;
}

/* Take the "control" file out of the control member. */
static int
jp_debread_control_file(struct jp_debread *r, char **text, size_t *tlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *buf = NULL;
	size_t len = 0;
	int found = 0, checked = 0, rc = 0, ar;

	*text = NULL;
	*tlen = 0;
	if (!a)
		return jp_error_set(r->ctx, JP_ERR_NOMEM, "out of memory");
	/*
	 * Only the compressions deb(5) allows for the control member: with
	 * every filter, libarchive would run external programs (lrzip, lzop,
	 * grzip ...) on data a hostile package claims to be in their format.
	 */
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	ar = archive_read_open_memory(a, r->control, r->control_len);
	while (ar == ARCHIVE_OK &&
	    (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (!checked) {
			/*
			 * dpkg picks the decompressor by the member's name; a
			 * member whose content is compressed otherwise is
			 * broken for it.
			 */
			if (!jp_control_filter_ok(r->control_name,
			    archive_filter_code(a, 0))) {
				rc = jp_error_set(r->ctx, JP_ERR,
				    "cannot read control member '%s' of '%s': "
				    "its content is %s data", r->control_name,
				    r->relpath, archive_filter_name(a, 0));
				goto out;
			}
			checked = 1;
		}
		if (!name)
			continue;
		while (name[0] == '.' && name[1] == '/')
			name += 2;
		if (strcmp(name, "control"))
			continue;
		if (archive_entry_filetype(e) != AE_IFREG) {
			rc = jp_error_set(r->ctx, JP_ERR, "cannot read '%s': "
			    "control file is not a regular file", r->relpath);
			goto out;
		}
		if (archive_entry_size(e) > JP_DEBPKG_CONTROL_FILE_MAX) {
			rc = jp_error_set(r->ctx, JP_ERR, "cannot read '%s': "
			    "control file too large", r->relpath);
			goto out;
		}
		for (;;) {
			la_ssize_t n;

			buf = jp_xrealloc(buf, len + 65536 + 1);
			n = archive_read_data(a, buf + len, 65536);
			if (n < 0) {
				ar = ARCHIVE_FATAL;
				break;
			}
			if (n == 0)
				break;
			len += (size_t)n;
			if (len > JP_DEBPKG_CONTROL_FILE_MAX) {
				rc = jp_error_set(r->ctx, JP_ERR, "cannot read "
				    "'%s': control file too large", r->relpath);
				goto out;
			}
		}
		if (ar == ARCHIVE_OK)
			found = 1;
		break;
	}
	if (!found) {
		if (ar == ARCHIVE_EOF)
			rc = jp_error_set(r->ctx, JP_ERR, "cannot read '%s': no "
			    "control file in member '%s'", r->relpath,
			    r->control_name);
		else
			rc = jp_error_set(r->ctx, JP_ERR, "cannot read control "
			    "member '%s' of '%s': %s", r->control_name,
			    r->relpath, archive_error_string(a) ?
			    archive_error_string(a) : "unreadable data");
		goto out;
	}
	buf[len] = '\0';
	*text = buf;
	*tlen = len;
	buf = NULL;
out:
	free(buf);
	archive_read_free(a);
	return rc;
}

/* Fill the record from the control file's text. */
static int
jp_debread_record(struct jp_debread *r, const char *text, size_t len,
    struct jp_pkg *pkg)
{
	struct jp_deb822_stanza *st = NULL;
	const char *pkgname, *arch, *version, *problem, *colon;
	size_t nst = 0, i, skip;
	int rc;

	if ((rc = jp_deb822_parse(r->ctx, text, len, r->relpath, 0, &st,
	    &nst)) < 0) {
		/* "'relpath' line N: ..." -> name the control file */
		char msg[JP_ERRMSG_MAX];

		skip = strlen(r->relpath) + 3;
		snprintf(msg, sizeof(msg), "%s", jp_error_msg(r->ctx));
		if (strlen(msg) > skip)
			jp_error_set(r->ctx, rc, "invalid control file in '%s': "
			    "%s", r->relpath, msg + skip);
		return rc;
	}
	if (nst != 1) {
		rc = jp_error_set(r->ctx, JP_ERR, "invalid control file in "
		    "'%s': %s", r->relpath, nst ? "more than one stanza" :
		    "no fields");
		goto out;
	}
	pkgname = jp_deb822_get(&st[0], "Package");
	version = jp_deb822_get(&st[0], "Version");
	arch = jp_deb822_get(&st[0], "Architecture");
	if (!pkgname || !version || !arch) {
		rc = jp_error_set(r->ctx, JP_ERR, "invalid control file in "
		    "'%s': no %s field", r->relpath, !pkgname ? "Package" :
		    !version ? "Version" : "Architecture");
		goto out;
	}
	if ((problem = jp_debpkg_name_check(pkgname)) != NULL) {
		rc = jp_error_set(r->ctx, JP_ERR, "invalid package name '%s' "
		    "in '%s': %s", pkgname, r->relpath, problem);
		goto out;
	}
	if ((problem = jp_debpkg_arch_check(arch)) != NULL) {
		rc = jp_error_set(r->ctx, JP_ERR, "invalid architecture '%s' "
		    "in '%s': %s", arch, r->relpath, problem);
		goto out;
	}
	problem = strchr(version, '\n') ? "version string has embedded "
	    "spaces" : jp_deb_version_check(version);
	if (problem) {
		rc = jp_error_set(r->ctx, JP_ERR, "invalid version '%s' in "
		    "'%s': %s", version, r->relpath, problem);
		goto out;
	}

	pkg->name = jp_xstrdup(pkgname);
	pkg->arch = jp_xstrdup(arch);
	/*
	 * deb-version(7): the epoch is what comes before the first ':', an
	 * unsigned integer; jp_deb_version_check() has checked its digits.
	 */
	colon = strchr(version, ':');
	if (colon) {
		const char *d = version;

		while (*d == '0' && d + 1 < colon)
			d++;
		pkg->epoch = jp_xstrndup(d, (size_t)(colon - d));
		pkg->version = jp_xstrdup(colon + 1);
	} else {
		pkg->epoch = jp_xstrdup("0");
		pkg->version = jp_xstrdup(version);
	}
	for (i = 0; i < st[0].nfields; i++)
		jp_pkg_add_field(pkg, st[0].fields[i].name, st[0].fields[i].value);
out:
	jp_deb822_free(st, nst);
	return rc;
}

int
jp_debpkg_read(struct jp_ctx *ctx, const char *path, const char *relpath,
    struct jp_pkg **out)
{
	struct jp_debread r;
	struct jp_pkg *pkg = NULL;
	struct stat st;
	const char *p;
	char *text = NULL;
	size_t tlen = 0;
	int rc, flags;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.relpath = relpath;
	/* the name goes into Packages as one line: no control characters */
	for (p = relpath; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return jp_error_set(ctx, JP_ERR, "cannot use '%s': "
			    "control character in the file name", relpath);
	/* O_NONBLOCK: a FIFO must not hang the open; cleared below. */
	r.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (r.fd < 0)
		return jp_error_errno(ctx, errno, "cannot open '%s'", relpath);
	if (fstat(r.fd, &st) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot read '%s'", relpath);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = jp_error_set(ctx, JP_ERR,
		    "cannot read '%s': not a regular file", relpath);
		goto out;
	}
	flags = fcntl(r.fd, F_GETFL);
	if (flags >= 0)
		(void)fcntl(r.fd, F_SETFL, flags & ~O_NONBLOCK);
	(void)posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (jp_digest_init(&r.dg, JP_DIGEST_MD5 | JP_DIGEST_SHA1 |
	    JP_DIGEST_SHA256 | JP_DIGEST_SHA512) < 0) {
		rc = jp_error_set(ctx, JP_ERR,
		    "cannot read '%s': cannot set up the digests", relpath);
		goto out;
	}
	r.have_dg = 1;
	r.buf = jp_xmalloc(JP_DEBPKG_BUFSIZE);

	if ((rc = jp_debread_archive(&r)) < 0)
		goto out;
	jp_digest_final(&r.dg);
	if ((rc = jp_debread_control_file(&r, &text, &tlen)) < 0)
		goto out;

	pkg = jp_pkg_new(JP_PKG_DEB);
	if ((rc = jp_debread_record(&r, text, tlen, pkg)) < 0)
		goto out;
	pkg->location = jp_xstrdup(relpath);
	pkg->file_size = r.nread;
	pkg->time_file = (int64_t)st.st_mtime;
	snprintf(pkg->md5, sizeof(pkg->md5), "%s",
	    jp_digest_hex(&r.dg, JP_DIGEST_MD5));
	snprintf(pkg->sha1, sizeof(pkg->sha1), "%s",
	    jp_digest_hex(&r.dg, JP_DIGEST_SHA1));
	snprintf(pkg->sha256, sizeof(pkg->sha256), "%s",
	    jp_digest_hex(&r.dg, JP_DIGEST_SHA256));
	snprintf(pkg->sha512, sizeof(pkg->sha512), "%s",
	    jp_digest_hex(&r.dg, JP_DIGEST_SHA512));
	*out = pkg;
	pkg = NULL;
	rc = 0;
out:
	jp_pkg_free(pkg);
	free(text);
	free(r.control);
	free(r.buf);
	if (r.have_dg)
		jp_digest_release(&r.dg);
	if (r.fd >= 0)
		close(r.fd);
	return rc;
}
