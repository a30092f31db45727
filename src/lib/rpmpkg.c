/*
 * rpmpkg.c: reading .rpm files into package records.
 *
 * The file is read once, front to back, through one buffer: every byte is
 * fed to sha256 as it comes off the disk, and the lead, the signature
 * header and the main header are taken from the same stream.  The two
 * headers are handed to librpm with headerImport() (the in-memory form of
 * headerRead(): same blob checks, no digest or signature checks, as
 * createrepo_c reads packages with _RPMVSF_NODIGESTS|_RPMVSF_NOSIGNATURES).
 *
 * The record reproduces what createrepo_c 0.17 (as packaged in Debian 12,
 * built with its "LegacyWeakdeps" feature) writes into primary, filelists
 * and other for the same file; the rules it applies are cited where they
 * are implemented (createrepo_c src/parsehdr.c cr_package_from_header(),
 * src/misc.c cr_str_to_evr(), cr_flag_to_str(), cr_get_header_byte_range()).
 *
 * Thread safety: nothing here touches librpm's global state (macros, rpmrc,
 * the i18n machinery) after jp_rpmpkg_global_init(); each call owns its
 * headers, and headerGet() is only called without HEADERGET_EXT, whose tag
 * extensions may expand macros.
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

#include <rpm/header.h>
#include <rpm/rpmds.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmtag.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmver.h>

#include "ctx.h"
#include "digest.h"
#include "pkg.h"
#include "rpmpkg.h"

/*
 * createrepo_c 0.17 keeps the newest 10 changelog entries of a package
 * (createrepo_c --changelog-limit, whose default is 10; checked against
 * createrepo_c 0.17.3 on a package with 12 entries).
 */
#define JP_RPMPKG_CHANGELOG_LIMIT 10

/* Read buffer; the whole file streams through it. */
#define JP_RPMPKG_BUFSIZE (256 * 1024)

/* File layout (rpm lib/rpmlead.c, lib/header.c, doc/manual/format). */
#define JP_RPM_LEAD_SIZE 96
#define JP_RPM_HDR_INTRO 16          /* magic(3) version(1) reserved(4) il dl */
#define JP_RPM_SIGTYPE_HEADERSIG 5

/* Limits librpm puts on headers (lib/header.c hdrblobVerifyLengths()). */
#define JP_RPM_SIG_TAGS_MAX 32
#define JP_RPM_SIG_DATA_MAX (64u * 1024 * 1024)
#define JP_RPM_HDR_TAGS_MAX 0x0000ffffu
#define JP_RPM_HDR_DATA_MAX 0x0fffffffu

/* Signature tags that rpmReadPackageFile() merges into the main header. */
#define JP_RPMSIGTAG_SIZE 1000
#define JP_RPMSIGTAG_PAYLOADSIZE 1007
#define JP_RPMSIGTAG_LONGSIZE 270
#define JP_RPMSIGTAG_LONGARCHIVESIZE 271

/*
 * Legacy weak dependency flags createrepo_c still honours when built with
 * ENABLE_LEGACY_WEAKDEPS (src/parsehdr.c); librpm 4.18 no longer names the
 * first one.
 */
#define JP_RPMSENSE_STRONG (1u << 27)
#define JP_RPMSENSE_MISSINGOK (1u << 19)

static const unsigned char jp_rpm_lead_magic[4] = { 0xed, 0xab, 0xee, 0xdb };
static const unsigned char jp_rpm_hdr_magic[4] = { 0x8e, 0xad, 0xe8, 0x01 };

static pthread_once_t jp_rpmpkg_once = PTHREAD_ONCE_INIT;
static int jp_rpmpkg_init_rc;

static void
jp_rpmpkg_init_once(void)
{
	jp_rpmpkg_init_rc = rpmReadConfigFiles(NULL, NULL);
}

/*
 * librpm's configuration, read once per process (pthread_once: a second
 * call, even from another thread, waits for the first and does nothing).
 */
int
jp_rpmpkg_global_init(struct jp_ctx *ctx)
{
	pthread_once(&jp_rpmpkg_once, jp_rpmpkg_init_once);
	if (jp_rpmpkg_init_rc != 0)
		return jp_error_set(ctx, JP_ERR,
		    "cannot initialise librpm: rpmReadConfigFiles failed");
	return 0;
}

/* --- the input stream: read once, hash as read --- */

struct jp_rpmin {
	int fd;
	unsigned char *buf;
	size_t len;          /* valid bytes in buf */
	size_t off;          /* bytes of buf consumed */
	uint64_t pos;        /* file offset of buf[off] */
	uint64_t nread;      /* bytes read from the file so far */
	int err;             /* errno of a failed read */
	struct jp_digest dg;
};

/* Refill the buffer; returns the bytes added, 0 at EOF, -1 on error. */
static ssize_t
jp_rpmin_fill(struct jp_rpmin *in)
{
	ssize_t n;

	in->len = 0;
	in->off = 0;
	for (;;) {
		n = read(in->fd, in->buf, JP_RPMPKG_BUFSIZE);
		if (n >= 0)
			break;
		if (errno != EINTR) {
			in->err = errno;
			return -1;
		}
	}
	if (n > 0) {
		jp_digest_update(&in->dg, in->buf, (size_t)n);
		in->len = (size_t)n;
		in->nread += (uint64_t)n;
	}
	return n;
}

/*
 * Copy the next n bytes of the file into dst (or skip them when dst is
 * NULL).  Returns the number of bytes taken: less than n at EOF or on a
 * read error (in->err set).
 */
static size_t
jp_rpmin_take(struct jp_rpmin *in, void *dst, size_t n)
{
	unsigned char *p = dst;
	size_t got = 0, k;

	while (got < n) {
		if (in->off == in->len && jp_rpmin_fill(in) <= 0)
			break;
		k = in->len - in->off;
		if (k > n - got)
			k = n - got;
		if (p)
			memcpy(p + got, in->buf + in->off, k);
		in->off += k;
		got += k;
	}
	in->pos += got;
	return got;
}

/* Read (and hash) the rest of the file.  Returns 0 or -1 (in->err). */
static int
jp_rpmin_drain(struct jp_rpmin *in)
{
	ssize_t n;

	in->pos += in->len - in->off;
	in->off = in->len;
	while ((n = jp_rpmin_fill(in)) > 0)
		in->pos += (uint64_t)n;
	in->off = in->len;
	return n < 0 ? -1 : 0;
}

static uint32_t
jp_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* --- reading the file --- */

struct jp_rpmread {
	struct jp_ctx *ctx;
	const char *relpath;
	struct jp_rpmin in;
	struct stat st;
	Header sigh;
	Header h;
	uint64_t header_start, header_end;
};

static int
jp_rpmread_fail(struct jp_rpmread *r, const char *problem)
{
	if (r->in.err)
		return jp_error_errno(r->ctx, r->in.err, "cannot read '%s'",
		    r->relpath);
	return jp_error_set(r->ctx, JP_ERR, "cannot read '%s': %s",
	    r->relpath, problem ? problem : "read error");
}

/*
 * Read one header (intro with magic, index, data) from the stream and
 * import it.  `what` names it in messages.  Returns 0 or a negative code.
 */
static int
jp_rpmread_header(struct jp_rpmread *r, const char *what, uint32_t tags_max,
    uint32_t data_max, Header *out)
{
	unsigned char intro[JP_RPM_HDR_INTRO];
	uint32_t il, dl;
	uint64_t blen;
	unsigned char *blob;
	char msg[160];
	size_t got;

	got = jp_rpmin_take(&r->in, intro, sizeof(intro));
	if (got < sizeof(intro)) {
		snprintf(msg, sizeof(msg), "truncated (file ends inside the %s)",
		    what);
		return jp_rpmread_fail(r, msg);
	}
	if (memcmp(intro, jp_rpm_hdr_magic, sizeof(jp_rpm_hdr_magic)) != 0) {
		snprintf(msg, sizeof(msg), "corrupt %s (bad header magic)", what);
		return jp_rpmread_fail(r, msg);
	}
	il = jp_be32(intro + 8);
	dl = jp_be32(intro + 12);
	if (il < 1 || il > tags_max || dl > data_max) {
		snprintf(msg, sizeof(msg),
		    "corrupt %s (%" PRIu32 " tags, %" PRIu32 " data bytes)",
		    what, il, dl);
		return jp_rpmread_fail(r, msg);
	}
	blen = 8 + 16 * (uint64_t)il + dl;
	/* Check against the file size first: never allocate for bytes that
	 * are not there. */
	if (r->in.pos + blen - 8 > (uint64_t)r->st.st_size) {
		snprintf(msg, sizeof(msg), "truncated (file ends inside the %s)",
		    what);
		return jp_rpmread_fail(r, msg);
	}
	blob = jp_xmalloc((size_t)blen);
	memcpy(blob, intro + 8, 8);
	got = jp_rpmin_take(&r->in, blob + 8, (size_t)blen - 8);
	if (got < (size_t)blen - 8) {
		free(blob);
		snprintf(msg, sizeof(msg), "truncated (file ends inside the %s)",
		    what);
		return jp_rpmread_fail(r, msg);
	}
	/* Without HEADERIMPORT_COPY the header takes over the blob. */
	*out = headerImport(blob, (unsigned int)blen, 0);
	if (!*out) {
		free(blob);
		snprintf(msg, sizeof(msg), "corrupt %s (bad index or data)", what);
		return jp_rpmread_fail(r, msg);
	}
	return 0;
}

/*
 * Lead, signature header with its padding, main header, then the rest of
 * the file.  Fills r->sigh, r->h and the header range.
 */
static int
jp_rpmread_file(struct jp_rpmread *r)
{
	unsigned char lead[JP_RPM_LEAD_SIZE];
	unsigned char pad[8];
	uint64_t sigsize;
	size_t got, npad;
	int rc;

	/* The lead (rpm lib/rpmlead.c rpmLeadCheck()). */
	got = jp_rpmin_take(&r->in, lead, sizeof(lead));
	if (r->in.err)
		return jp_rpmread_fail(r, NULL);
	if (got == 0)
		return jp_rpmread_fail(r, "not an RPM package (empty file)");
	if (got < sizeof(jp_rpm_lead_magic) ||
	    memcmp(lead, jp_rpm_lead_magic, sizeof(jp_rpm_lead_magic)) != 0)
		return jp_rpmread_fail(r, "not an RPM package (bad lead magic)");
	if (got < sizeof(lead))
		return jp_rpmread_fail(r, "truncated (file ends inside the lead)");
	if (lead[4] < 3 || lead[4] > 4)
		return jp_rpmread_fail(r,
		    "unsupported RPM package version (lead major version)");
	if ((lead[78] << 8 | lead[79]) != JP_RPM_SIGTYPE_HEADERSIG)
		return jp_rpmread_fail(r,
		    "not an RPM package (illegal signature type in lead)");

	rc = jp_rpmread_header(r, "signature header", JP_RPM_SIG_TAGS_MAX,
	    JP_RPM_SIG_DATA_MAX, &r->sigh);
	if (rc < 0)
		return rc;
	/* The signature header is padded to a multiple of 8 bytes (rpm
	 * lib/header.c hdrblobRead(); createrepo_c cr_get_header_byte_range()
	 * computes the same offset). */
	sigsize = r->in.pos - JP_RPM_LEAD_SIZE;
	npad = (size_t)((8 - sigsize % 8) % 8);
	if (jp_rpmin_take(&r->in, pad, npad) < npad)
		return jp_rpmread_fail(r,
		    "truncated (file ends inside the signature header)");

	/* createrepo_c's <rpm:header-range>: from the main header's magic to
	 * the end of its data. */
	r->header_start = r->in.pos;
	rc = jp_rpmread_header(r, "header", JP_RPM_HDR_TAGS_MAX,
	    JP_RPM_HDR_DATA_MAX, &r->h);
	if (rc < 0)
		return rc;
	r->header_end = r->in.pos;

	if (jp_rpmin_drain(&r->in) < 0)
		return jp_rpmread_fail(r, NULL);
	if (r->in.nread != (uint64_t)r->st.st_size)
		return jp_rpmread_fail(r, "file changed while being read");
	return 0;
}

/* --- header access (no HEADERGET_EXT: see the top of the file) --- */

/*
 * A string tag as a new string, or NULL when absent.  For i18n strings
 * (summary, description, group) the first entry, which rpmbuild always
 * writes for the "C" locale: what createrepo_c's headerGetString() returns
 * in the C locale, independent of this process's environment.
 */
static char *
jp_hdr_str(Header h, rpmTagVal tag)
{
	struct rpmtd_s td;
	const char *s = NULL;
	char *res = NULL;

	if (!headerGet(h, tag, &td, HEADERGET_MINMEM | HEADERGET_RAW))
		return NULL;
	if ((td.type == RPM_STRING_TYPE || td.type == RPM_I18NSTRING_TYPE ||
	    td.type == RPM_STRING_ARRAY_TYPE) && td.count >= 1)
		s = rpmtdGetString(&td);
	if (s)
		res = jp_xstrdup(s);
	rpmtdFreeData(&td);
	return res;
}

/* A numeric tag's first value; returns 0 when absent or not a number. */
static int
jp_hdr_num(Header h, rpmTagVal tag, uint64_t *val)
{
	struct rpmtd_s td;
	int ok = 0;

	if (!headerGet(h, tag, &td, HEADERGET_MINMEM))
		return 0;
	if (td.count >= 1 && rpmtdClass(&td) == RPM_NUMERIC_CLASS) {
		*val = rpmtdGetNumber(&td);
		ok = 1;
	}
	rpmtdFreeData(&td);
	return ok;
}

/* An array tag of the given class; td must be freed with rpmtdFreeData. */
static int
jp_hdr_array(Header h, rpmTagVal tag, rpmTagClass cls, rpmtd td)
{
	if (!headerGet(h, tag, td, HEADERGET_MINMEM))
		return 0;
	if (rpmtdClass(td) != cls || (cls == RPM_STRING_CLASS &&
	    rpmtdType(td) != RPM_STRING_ARRAY_TYPE)) {
		rpmtdFreeData(td);
		return 0;
	}
	return 1;
}

/* --- a small string map for the requires filters --- */

struct jp_strmap_ent {
	const char *key;
	const void *val;
};

struct jp_strmap {
	struct jp_strmap_ent *v;
	size_t cap, n;
};

static uint64_t
jp_strhash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;   /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

static struct jp_strmap_ent *
jp_strmap_slot(const struct jp_strmap *m, const char *key)
{
	size_t i;

	for (i = (size_t)jp_strhash(key) & (m->cap - 1); m->v[i].key;
	    i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->v[i].key, key))
			break;
	return &m->v[i];
}

static const struct jp_strmap_ent *
jp_strmap_get(const struct jp_strmap *m, const char *key)
{
	const struct jp_strmap_ent *e;

	if (!m->cap)
		return NULL;
	e = jp_strmap_slot(m, key);
	return e->key ? e : NULL;
}

/* Insert or replace; the map keeps the key pointer, not a copy. */
static void
jp_strmap_put(struct jp_strmap *m, const char *key, const void *val)
{
	struct jp_strmap_ent *e;
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct jp_strmap old = *m;

		m->cap = old.cap ? 2 * old.cap : 64;
		m->v = jp_xcalloc(m->cap, sizeof(*m->v));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.v[i].key) {
				*jp_strmap_slot(m, old.v[i].key) = old.v[i];
				m->n++;
			}
		free(old.v);
	}
	e = jp_strmap_slot(m, key);
	if (!e->key)
		m->n++;
	e->key = key;
	e->val = val;
}

static void
jp_strmap_release(struct jp_strmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* --- files --- */

/*
 * Every file of the package, in header order, as "dirname + basename"
 * (rpm's RPMTAG_FILENAMES).  A directory (by mode) is "dir", else a
 * %ghost file is "ghost" (createrepo_c checks in that order).
 */
static int
jp_rpmread_files(struct jp_rpmread *r, struct jp_pkg *pkg)
{
	struct rpmtd_s dirs, idx, base, flags, modes;
	int have_dirs, have_idx, have_base, have_flags, have_modes;
	uint32_t n, i, ndirs;
	char *path = NULL;
	size_t pathcap = 0;
	int rc = 0;

	have_base = jp_hdr_array(r->h, RPMTAG_BASENAMES, RPM_STRING_CLASS, &base);
	if (!have_base)
		/* Pre-4.0 packages list whole paths (rpm converts them with
		 * HEADERCONV_COMPRESSFILELIST on reading). */
		have_base = jp_hdr_array(r->h, RPMTAG_OLDFILENAMES,
		    RPM_STRING_CLASS, &base);
	have_dirs = jp_hdr_array(r->h, RPMTAG_DIRNAMES, RPM_STRING_CLASS, &dirs);
	have_idx = jp_hdr_array(r->h, RPMTAG_DIRINDEXES, RPM_NUMERIC_CLASS, &idx);
	have_flags = jp_hdr_array(r->h, RPMTAG_FILEFLAGS, RPM_NUMERIC_CLASS,
	    &flags);
	have_modes = jp_hdr_array(r->h, RPMTAG_FILEMODES, RPM_NUMERIC_CLASS,
	    &modes);
	if (!have_base || !have_flags || !have_modes)
		goto out;
	n = rpmtdCount(&base);
	if (base.tag == RPMTAG_BASENAMES) {
		if (!have_dirs || !have_idx || rpmtdCount(&idx) != n) {
			rc = jp_rpmread_fail(r,
			    "corrupt header (file list without directories)");
			goto out;
		}
	}
	if (rpmtdCount(&flags) < n)
		n = rpmtdCount(&flags);
	if (rpmtdCount(&modes) < n)
		n = rpmtdCount(&modes);
	ndirs = have_dirs ? rpmtdCount(&dirs) : 0;
	for (i = 0; i < n; i++) {
		const char *b, *d = "";
		uint64_t mode, fflags;
		size_t need;
		int type;

		rpmtdSetIndex(&base, (int)i);
		rpmtdSetIndex(&flags, (int)i);
		rpmtdSetIndex(&modes, (int)i);
		b = rpmtdGetString(&base);
		if (base.tag == RPMTAG_BASENAMES) {
			uint64_t di;

			rpmtdSetIndex(&idx, (int)i);
			di = rpmtdGetNumber(&idx);
			if (di >= ndirs) {
				rc = jp_rpmread_fail(r, "corrupt header "
				    "(file directory index out of range)");
				goto out;
			}
			rpmtdSetIndex(&dirs, (int)di);
			d = rpmtdGetString(&dirs);
		}
		mode = rpmtdGetNumber(&modes);
		fflags = rpmtdGetNumber(&flags);
		need = strlen(d) + strlen(b) + 1;
		if (!path || need > pathcap) {
			pathcap = need * 2;
			path = jp_xrealloc(path, pathcap);
		}
		memcpy(path, d, strlen(d));
		memcpy(path + strlen(d), b, strlen(b) + 1);
		if (S_ISDIR((mode_t)mode))
			type = JP_FILE_DIR;
		else if (fflags & RPMFILE_GHOST)
			type = JP_FILE_GHOST;
		else
			type = JP_FILE_REG;
		jp_pkg_add_file(pkg, path, type);
	}
out:
	free(path);
	if (have_base)
		rpmtdFreeData(&base);
	if (have_dirs)
		rpmtdFreeData(&dirs);
	if (have_idx)
		rpmtdFreeData(&idx);
	if (have_flags)
		rpmtdFreeData(&flags);
	if (have_modes)
		rpmtdFreeData(&modes);
	return rc;
}

/* --- dependencies --- */

/* createrepo_c's dependency lists, in the order it reads them. */
enum jp_cr_dep {
	JP_CR_PROVIDES,
	JP_CR_CONFLICTS,
	JP_CR_OBSOLETES,
	JP_CR_REQUIRES,
	JP_CR_SUGGESTS,
	JP_CR_ENHANCES,
	JP_CR_RECOMMENDS,
	JP_CR_SUPPLEMENTS,
	JP_CR_OLDSUGGESTS,
	JP_CR_OLDENHANCES,
};

static const struct {
	int crkind;
	int kind;      /* enum jp_dep_kind (for the old ones: the weak form) */
	rpmTagVal name, flags, version;
} jp_dep_tags[] = {
	{ JP_CR_PROVIDES, JP_DEP_PROVIDES, RPMTAG_PROVIDENAME,
	    RPMTAG_PROVIDEFLAGS, RPMTAG_PROVIDEVERSION },
	{ JP_CR_CONFLICTS, JP_DEP_CONFLICTS, RPMTAG_CONFLICTNAME,
	    RPMTAG_CONFLICTFLAGS, RPMTAG_CONFLICTVERSION },
	{ JP_CR_OBSOLETES, JP_DEP_OBSOLETES, RPMTAG_OBSOLETENAME,
	    RPMTAG_OBSOLETEFLAGS, RPMTAG_OBSOLETEVERSION },
	{ JP_CR_REQUIRES, JP_DEP_REQUIRES, RPMTAG_REQUIRENAME,
	    RPMTAG_REQUIREFLAGS, RPMTAG_REQUIREVERSION },
	{ JP_CR_SUGGESTS, JP_DEP_SUGGESTS, RPMTAG_SUGGESTNAME,
	    RPMTAG_SUGGESTFLAGS, RPMTAG_SUGGESTVERSION },
	{ JP_CR_ENHANCES, JP_DEP_ENHANCES, RPMTAG_ENHANCENAME,
	    RPMTAG_ENHANCEFLAGS, RPMTAG_ENHANCEVERSION },
	{ JP_CR_RECOMMENDS, JP_DEP_RECOMMENDS, RPMTAG_RECOMMENDNAME,
	    RPMTAG_RECOMMENDFLAGS, RPMTAG_RECOMMENDVERSION },
	{ JP_CR_SUPPLEMENTS, JP_DEP_SUPPLEMENTS, RPMTAG_SUPPLEMENTNAME,
	    RPMTAG_SUPPLEMENTFLAGS, RPMTAG_SUPPLEMENTVERSION },
	{ JP_CR_OLDSUGGESTS, JP_DEP_SUGGESTS, RPMTAG_OLDSUGGESTSNAME,
	    RPMTAG_OLDSUGGESTSFLAGS, RPMTAG_OLDSUGGESTSVERSION },
	{ JP_CR_OLDENHANCES, JP_DEP_ENHANCES, RPMTAG_OLDENHANCESNAME,
	    RPMTAG_OLDENHANCESFLAGS, RPMTAG_OLDENHANCESVERSION },
};

/*
 * Comparison flags as createrepo_c's cr_flag_to_str(): only the low four
 * sense bits count, and combinations other than these mean "no flags".
 */
static int
jp_dep_flag_of(uint64_t sense)
{
	switch (sense & 0xf) {
	case RPMSENSE_LESS:
		return JP_DEP_LT;
	case RPMSENSE_GREATER:
		return JP_DEP_GT;
	case RPMSENSE_EQUAL:
		return JP_DEP_EQ;
	case RPMSENSE_LESS | RPMSENSE_EQUAL:
		return JP_DEP_LE;
	case RPMSENSE_GREATER | RPMSENSE_EQUAL:
		return JP_DEP_GE;
	}
	return JP_DEP_ANY;
}

static const char *
jp_dep_flag_str(int flag)
{
	static const char *const s[] = { "", "LT", "LE", "EQ", "GE", "GT" };

	return flag >= 0 && flag <= JP_DEP_GT ? s[flag] : "";
}

static char *
jp_strndup_or_null(const char *s, size_t n)
{
	return n ? jp_xstrndup(s, n) : NULL;
}

/*
 * Split a dependency's version "[E:]V[-R]" as createrepo_c's
 * cr_str_to_evr(): the epoch is the text before the first ':' when strtol
 * parses all of it ("0" when there is no ':' or nothing before it), the
 * release is everything after the first '-' that follows.  Returns -1 for
 * a non-numeric epoch (createrepo_c then drops the dependency).  Empty
 * parts come back as NULL.
 */
static int
jp_dep_split_evr(const char *s, struct jp_dep *d)
{
	const char *colon, *v, *dash;
	char *end;

	d->epoch = d->version = d->release = NULL;
	if (!s || !*s)
		return 0;
	colon = strchr(s, ':');
	if (colon) {
		(void)strtol(s, &end, 10);
		if (end != colon)
			return -1;
		d->epoch = colon > s ? jp_xstrndup(s, (size_t)(colon - s)) :
		    jp_xstrdup("0");
		v = colon + 1;
	} else {
		d->epoch = jp_xstrdup("0");
		v = s;
	}
	dash = strchr(v, '-');
	if (dash) {
		d->version = jp_strndup_or_null(v, (size_t)(dash - v));
		d->release = jp_strndup_or_null(dash + 1, strlen(dash + 1));
	} else {
		d->version = jp_strndup_or_null(v, strlen(v));
	}
	return 0;
}

/*
 * createrepo_c's cr_compare_dependency() for two "libc.so.6..." names:
 * the version inside the first parentheses, from its first digit, by
 * rpmvercmp.  Returns 2 when b is the higher one.
 */
static int
jp_libc_cmp(const char *a, const char *b)
{
	const char *a1, *b1, *ae, *be;
	char *x, *y;
	int c;

	a1 = strchr(a, '(');
	b1 = strchr(b, '(');
	if (!a1 && !b1)
		return 0;
	if (!a1)
		return 2;
	if (!b1)
		return 1;
	ae = strchr(a1, ')');
	be = strchr(b1, ')');
	if (!ae && !be)
		return -1;
	if (!ae)
		return 2;
	if (!be)
		return 1;
	a1++;
	b1++;
	if (a1 == ae && b1 == be)
		return 0;
	if (a1 == ae)
		return 2;
	if (b1 == be)
		return 1;
	while (*a1 && (*a1 < '0' || *a1 > '9'))
		a1++;
	while (*b1 && (*b1 < '0' || *b1 > '9'))
		b1++;
	if (a1 > ae && b1 > be)
		return 0;
	if (a1 > ae)
		return 2;
	if (b1 > be)
		return 1;
	x = jp_xstrndup(a1, (size_t)(ae - a1));
	y = jp_xstrndup(b1, (size_t)(be - b1));
	c = rpmvercmp(x, y);
	free(x);
	free(y);
	return c < 0 ? 2 : c;
}

/* What createrepo_c remembers of each require it kept (for duplicates). */
struct jp_req_seen {
	int flag;
	const char *version;
	int pre;
};

/* Whether a path goes into primary.xml (createrepo_c cr_is_primary()). */
static int
jp_cr_is_primary(const char *path)
{
	return !strncmp(path, "/etc/", 5) || !strcmp(path, "/usr/lib/sendmail") ||
	    strstr(path, "bin/") != NULL;
}

static void
jp_dep_clear(struct jp_dep *d)
{
	free(d->name);
	free(d->epoch);
	free(d->version);
	free(d->release);
	memset(d, 0, sizeof(*d));
}

/* Append d to the record (taking its strings), unless it has no name. */
static void
jp_dep_emit(struct jp_pkg *pkg, int kind, struct jp_dep *d)
{
	struct jp_dep *n;

	/* createrepo_c's XML dump skips nameless entries. */
	if (!d->name || !d->name[0]) {
		jp_dep_clear(d);
		return;
	}
	/* Without comparison flags there is no version in the XML. */
	if (d->flag == JP_DEP_ANY) {
		free(d->epoch);
		free(d->version);
		free(d->release);
		d->epoch = d->version = d->release = NULL;
	}
	n = jp_pkg_add_dep(pkg, kind);
	*n = *d;
	memset(d, 0, sizeof(*d));
}

/*
 * All dependency lists, filtered as createrepo_c 0.17's
 * cr_package_from_header() does:
 *   - every kind: a dependency whose version has a non-numeric epoch is
 *     dropped;
 *   - requires: "rpmlib(...)" ones are dropped; a file require naming one
 *     of the package's own files that primary.xml lists is dropped; one
 *     whose name, flags and version string equal those of a provide is
 *     dropped; pre="1" when it carries RPMSENSE_PREREQ, _SCRIPT_PRE or
 *     _SCRIPT_POST; one equal in flags, version and pre to the last kept
 *     require of that name is dropped; one with RPMSENSE_MISSINGOK becomes
 *     a recommends (legacy weak dependency); of the "libc.so.6*" requires
 *     only the highest is kept, and listed last;
 *   - old-style suggests/enhances tags (1156-1161) become recommends or
 *     suggests, supplements or enhances by RPMSENSE_STRONG.
 * Entries keep header order within each list.
 */
static void
jp_rpmread_deps(struct jp_rpmread *r, struct jp_pkg *pkg)
{
	struct jp_strmap provided = { 0 }, reqseen = { 0 }, files = { 0 };
	struct jp_req_seen *seen = NULL;
	char **nfv = NULL;
	size_t nnfv = 0, nseen = 0, i, k;
	struct jp_dep libc = { 0 };
	int have_libc = 0;

	/* The package's own files, for the file-requires filter. */
	for (i = 0; i < pkg->nfiles; i++)
		jp_strmap_put(&files, pkg->files[i].path, NULL);

	for (k = 0; k < sizeof(jp_dep_tags) / sizeof(jp_dep_tags[0]); k++) {
		struct rpmtd_s names, flags, vers;
		uint32_t n, j;
		int crkind = jp_dep_tags[k].crkind;

		if (!jp_hdr_array(r->h, jp_dep_tags[k].name, RPM_STRING_CLASS,
		    &names))
			continue;
		if (!jp_hdr_array(r->h, jp_dep_tags[k].flags,
		    RPM_NUMERIC_CLASS, &flags)) {
			rpmtdFreeData(&names);
			continue;
		}
		if (!jp_hdr_array(r->h, jp_dep_tags[k].version,
		    RPM_STRING_CLASS, &vers)) {
			rpmtdFreeData(&names);
			rpmtdFreeData(&flags);
			continue;
		}
		n = rpmtdCount(&names);
		if (rpmtdCount(&flags) < n)
			n = rpmtdCount(&flags);
		if (rpmtdCount(&vers) < n)
			n = rpmtdCount(&vers);
		if (crkind == JP_CR_REQUIRES && n) {
			seen = jp_xcalloc(n, sizeof(*seen));
			nseen = 0;
		}
		if (crkind == JP_CR_PROVIDES && n)
			nfv = jp_xcalloc(n, sizeof(*nfv));
		for (j = 0; j < n; j++) {
			const char *name, *ver;
			uint64_t sense;
			struct jp_dep d = { 0 };
			char *key;
			int kind = jp_dep_tags[k].kind;

			rpmtdSetIndex(&names, (int)j);
			rpmtdSetIndex(&flags, (int)j);
			rpmtdSetIndex(&vers, (int)j);
			name = rpmtdGetString(&names);
			ver = rpmtdGetString(&vers);
			sense = rpmtdGetNumber(&flags);
			if (!name || !ver)
				continue;
			d.flag = jp_dep_flag_of(sense);
			key = jp_xasprintf("%s%s%s", name,
			    jp_dep_flag_str(d.flag), ver);

			if (crkind == JP_CR_REQUIRES) {
				const struct jp_strmap_ent *e;

				if (!strncmp(name, "rpmlib(", 7) ||
				    (name[0] == '/' &&
				    jp_strmap_get(&files, name) &&
				    jp_cr_is_primary(name)) ||
				    jp_strmap_get(&provided, key)) {
					free(key);
					continue;
				}
				if (sense & (RPMSENSE_PREREQ |
				    RPMSENSE_SCRIPT_PRE | RPMSENSE_SCRIPT_POST))
					d.pre = 1;
				e = jp_strmap_get(&reqseen, name);
				if (e) {
					const struct jp_req_seen *s = e->val;

					if (s->flag == d.flag && s->pre == d.pre &&
					    !strcmp(s->version, ver)) {
						free(key);
						continue;
					}
				}
			}
			if (jp_dep_split_evr(ver, &d) < 0) {
				/* createrepo_c warns and skips it. */
				jp_dep_clear(&d);
				free(key);
				continue;
			}
			d.name = jp_xstrdup(name);

			switch (crkind) {
			case JP_CR_PROVIDES:
				nfv[nnfv++] = key;
				key = NULL;
				jp_strmap_put(&provided, nfv[nnfv - 1], NULL);
				break;
			case JP_CR_REQUIRES:
				if (sense & JP_RPMSENSE_MISSINGOK) {
					d.pre = 0;
					kind = JP_DEP_RECOMMENDS;
					break;
				}
				if (!strncmp(name, "libc.so.6", 9)) {
					if (!have_libc ||
					    jp_libc_cmp(libc.name, name) == 2) {
						jp_dep_clear(&libc);
						libc = d;
						have_libc = 1;
					} else {
						jp_dep_clear(&d);
					}
					memset(&d, 0, sizeof(d));
					break;
				}
				/* name and ver point into the header's data
				 * (HEADERGET_MINMEM), which outlives the map. */
				seen[nseen].flag = d.flag;
				seen[nseen].version = ver;
				seen[nseen].pre = d.pre;
				jp_strmap_put(&reqseen, name, &seen[nseen]);
				nseen++;
				break;
			case JP_CR_OLDSUGGESTS:
				kind = (sense & JP_RPMSENSE_STRONG) ?
				    JP_DEP_RECOMMENDS : JP_DEP_SUGGESTS;
				break;
			case JP_CR_OLDENHANCES:
				kind = (sense & JP_RPMSENSE_STRONG) ?
				    JP_DEP_SUPPLEMENTS : JP_DEP_ENHANCES;
				break;
			}
			free(key);
			if (d.name)
				jp_dep_emit(pkg, kind, &d);
		}
		if (crkind == JP_CR_REQUIRES && have_libc) {
			jp_dep_emit(pkg, JP_DEP_REQUIRES, &libc);
			have_libc = 0;
		}
		if (crkind == JP_CR_REQUIRES) {
			jp_strmap_release(&reqseen);
			free(seen);
			seen = NULL;
		}
		rpmtdFreeData(&names);
		rpmtdFreeData(&flags);
		rpmtdFreeData(&vers);
	}
	for (i = 0; i < nnfv; i++)
		free(nfv[i]);
	free(nfv);
	jp_strmap_release(&provided);
	jp_strmap_release(&files);
}

/* --- changelogs --- */

/*
 * The newest JP_RPMPKG_CHANGELOG_LIMIT entries, oldest first, as
 * createrepo_c lists them in other.xml.  Like createrepo_c, trailing
 * spaces of the author are cut, and entries that share a date with newer
 * ones move the newer ones a second later each, so that dates are unique
 * and increasing within a run.
 */
static void
jp_rpmread_changelogs(struct jp_rpmread *r, struct jp_pkg *pkg)
{
	struct rpmtd_s times, names, texts;
	int64_t dates[JP_RPMPKG_CHANGELOG_LIMIT];
	const char *authors[JP_RPMPKG_CHANGELOG_LIMIT];
	const char *msgs[JP_RPMPKG_CHANGELOG_LIMIT];
	int64_t last = 0;
	uint32_t n, i;
	int j;

	if (!jp_hdr_array(r->h, RPMTAG_CHANGELOGTIME, RPM_NUMERIC_CLASS, &times))
		return;
	if (!jp_hdr_array(r->h, RPMTAG_CHANGELOGNAME, RPM_STRING_CLASS, &names)) {
		rpmtdFreeData(&times);
		return;
	}
	if (!jp_hdr_array(r->h, RPMTAG_CHANGELOGTEXT, RPM_STRING_CLASS, &texts)) {
		rpmtdFreeData(&times);
		rpmtdFreeData(&names);
		return;
	}
	n = rpmtdCount(&times);
	if (rpmtdCount(&names) < n)
		n = rpmtdCount(&names);
	if (rpmtdCount(&texts) < n)
		n = rpmtdCount(&texts);
	if (n > JP_RPMPKG_CHANGELOG_LIMIT)
		n = JP_RPMPKG_CHANGELOG_LIMIT;
	for (i = 0; i < n; i++) {
		int64_t t;

		rpmtdSetIndex(&times, (int)i);
		rpmtdSetIndex(&names, (int)i);
		rpmtdSetIndex(&texts, (int)i);
		t = (int64_t)rpmtdGetNumber(&times);
		dates[i] = t;
		authors[i] = rpmtdGetString(&names);
		msgs[i] = rpmtdGetString(&texts);
		if (i > 0 && t == last) {
			int64_t tt = t;

			for (j = (int)i - 1; j >= 0 && dates[j] == tt; j--) {
				dates[j]++;
				tt++;
			}
		} else {
			last = t;
		}
	}
	for (j = (int)n - 1; j >= 0; j--) {
		const char *a = authors[j] ? authors[j] : "";
		size_t len = strlen(a);
		char *author;

		/* createrepo_c never cuts the first character. */
		while (len > 1 && a[len - 1] == ' ')
			len--;
		author = jp_xstrndup(a, len);
		jp_pkg_add_changelog(pkg, author, dates[j],
		    msgs[j] ? msgs[j] : "");
		free(author);
	}
	rpmtdFreeData(&times);
	rpmtdFreeData(&names);
	rpmtdFreeData(&texts);
}

/* --- the record --- */

static int
jp_rpmread_record(struct jp_rpmread *r, struct jp_pkg *pkg)
{
	Header h = r->h;
	uint64_t v;
	int rc;

	pkg->name = jp_hdr_str(h, RPMTAG_NAME);
	pkg->version = jp_hdr_str(h, RPMTAG_VERSION);
	pkg->release = jp_hdr_str(h, RPMTAG_RELEASE);
	if (!pkg->name || !pkg->version || !pkg->release)
		return jp_rpmread_fail(r,
		    "corrupt header (no name, version or release)");

	/*
	 * Binary or source: rpm's own retrofit for packages that carry
	 * neither RPMTAG_SOURCERPM nor RPMTAG_SOURCEPACKAGE (lib/package.c
	 * applyRetrofits(), headerIsSourceHeuristic()), then createrepo_c's
	 * test of RPMTAG_SOURCEPACKAGE, which names the arch "src".
	 */
	pkg->sourcerpm = jp_hdr_str(h, RPMTAG_SOURCERPM);
	if (jp_hdr_num(h, RPMTAG_SOURCEPACKAGE, &v)) {
		pkg->is_source = v != 0;
	} else if (!pkg->sourcerpm) {
		struct rpmtd_s dirs;

		if (jp_hdr_array(h, RPMTAG_DIRNAMES, RPM_STRING_CLASS, &dirs)) {
			pkg->is_source = rpmtdCount(&dirs) == 1 &&
			    !*rpmtdGetString(&dirs);
			rpmtdFreeData(&dirs);
		}
		if (!pkg->is_source)
			pkg->sourcerpm = jp_xstrdup("(none)");
	}
	pkg->arch = pkg->is_source ? jp_xstrdup("src") :
	    jp_hdr_str(h, RPMTAG_ARCH);
	if (!pkg->arch)
		pkg->arch = jp_xstrdup("");

	v = 0;
	jp_hdr_num(h, RPMTAG_EPOCH, &v);
	pkg->epoch = jp_xasprintf("%" PRIu64, v);

	pkg->summary = jp_hdr_str(h, RPMTAG_SUMMARY);
	pkg->description = jp_hdr_str(h, RPMTAG_DESCRIPTION);
	pkg->packager = jp_hdr_str(h, RPMTAG_PACKAGER);
	pkg->url = jp_hdr_str(h, RPMTAG_URL);
	pkg->license = jp_hdr_str(h, RPMTAG_LICENSE);
	pkg->vendor = jp_hdr_str(h, RPMTAG_VENDOR);
	pkg->group = jp_hdr_str(h, RPMTAG_GROUP);
	pkg->buildhost = jp_hdr_str(h, RPMTAG_BUILDHOST);
	v = 0;
	jp_hdr_num(h, RPMTAG_BUILDTIME, &v);
	pkg->time_build = (int64_t)v;

	/* Installed size: RPMTAG_LONGSIZE, else RPMTAG_SIZE (what rpm's
	 * longsize tag extension returns, which createrepo_c asks for). */
	v = 0;
	if (!jp_hdr_num(h, RPMTAG_LONGSIZE, &v))
		jp_hdr_num(h, RPMTAG_SIZE, &v);
	pkg->size_installed = v;

	/* Archive size: rpmbuild 4.14+ keeps it in the signature header,
	 * which rpmReadPackageFile() merges into the main one where the tag
	 * is missing (lib/package.c headerMergeLegacySigs()); then the
	 * longarchivesize extension prefers the 64-bit tag. */
	v = 0;
	if (!jp_hdr_num(h, RPMTAG_LONGARCHIVESIZE, &v) &&
	    !jp_hdr_num(r->sigh, JP_RPMSIGTAG_LONGARCHIVESIZE, &v) &&
	    !jp_hdr_num(h, RPMTAG_ARCHIVESIZE, &v))
		jp_hdr_num(r->sigh, JP_RPMSIGTAG_PAYLOADSIZE, &v);
	pkg->size_archive = v;

	pkg->header_start = r->header_start;
	pkg->header_end = r->header_end;

	if ((rc = jp_rpmread_files(r, pkg)) < 0)
		return rc;
	jp_rpmread_deps(r, pkg);
	jp_rpmread_changelogs(r, pkg);
	return 0;
}

/*
 * A package shorter than its signature header says (header + payload
 * size) was cut off, for instance by an interrupted copy.  createrepo_c
 * does not look at the payload, but such a file cannot be installed.
 */
static int
jp_rpmread_check_size(struct jp_rpmread *r)
{
	uint64_t size, want;
	char msg[128];

	if (!jp_hdr_num(r->sigh, JP_RPMSIGTAG_LONGSIZE, &size) &&
	    !jp_hdr_num(r->sigh, JP_RPMSIGTAG_SIZE, &size))
		return 0;
	want = r->header_start + size;
	if ((uint64_t)r->st.st_size < want) {
		snprintf(msg, sizeof(msg),
		    "truncated (%" PRIu64 " of %" PRIu64 " bytes)",
		    (uint64_t)r->st.st_size, want);
		return jp_rpmread_fail(r, msg);
	}
	return 0;
}

/*
 * Read one package (contract in rpmpkg.h).  Everything allocated here is
 * released before returning; on success the caller owns *out.
 */
int
jp_rpmpkg_read(struct jp_ctx *ctx, const char *path, const char *relpath,
    struct jp_pkg **out)
{
	struct jp_rpmread r;
	struct jp_pkg *pkg = NULL;
	int rc, flags;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.relpath = relpath;
	r.in.fd = -1;

	/* O_NONBLOCK: a FIFO must not hang the open; cleared below. */
	r.in.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (r.in.fd < 0)
		return jp_error_errno(ctx, errno, "cannot open '%s'", relpath);
	if (fstat(r.in.fd, &r.st) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot read '%s'", relpath);
		goto out;
	}
	if (!S_ISREG(r.st.st_mode)) {
		rc = jp_error_set(ctx, JP_ERR,
		    "cannot read '%s': not a regular file", relpath);
		goto out;
	}
	flags = fcntl(r.in.fd, F_GETFL);
	if (flags >= 0)
		(void)fcntl(r.in.fd, F_SETFL, flags & ~O_NONBLOCK);
	(void)posix_fadvise(r.in.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (jp_digest_init(&r.in.dg, JP_DIGEST_SHA256) < 0) {
		rc = jp_error_set(ctx, JP_ERR,
		    "cannot read '%s': cannot set up sha256", relpath);
		goto out;
	}
	r.in.buf = jp_xmalloc(JP_RPMPKG_BUFSIZE);

	if ((rc = jp_rpmread_file(&r)) < 0)
		goto out;
	if ((rc = jp_rpmread_check_size(&r)) < 0)
		goto out;
	jp_digest_final(&r.in.dg);

	pkg = jp_pkg_new(JP_PKG_RPM);
	if ((rc = jp_rpmread_record(&r, pkg)) < 0)
		goto out;
	pkg->location = jp_xstrdup(relpath);
	pkg->file_size = (uint64_t)r.st.st_size;
	pkg->time_file = (int64_t)r.st.st_mtime;
	memcpy(pkg->sha256, jp_digest_hex(&r.in.dg, JP_DIGEST_SHA256),
	    sizeof(pkg->sha256));
	pkg->sha256[sizeof(pkg->sha256) - 1] = '\0';
	*out = pkg;
	pkg = NULL;
	rc = 0;
out:
	jp_pkg_free(pkg);
	if (r.h)
		headerFree(r.h);
	if (r.sigh)
		headerFree(r.sigh);
	jp_digest_release(&r.in.dg);
	free(r.in.buf);
	if (r.in.fd >= 0)
		close(r.in.fd);
	return rc;
}
