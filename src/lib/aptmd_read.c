/*
 * aptmd_read.c: read an APT repository's metadata into a package pool
 * (see pool.h): jp_pool_add_apt().
 *
 * The repository is read as apt reads it (Debian's repository format,
 * wiki page "DebianRepository/Format"; apt 2.6's debReleaseIndex):
 *
 *   - every suite: a directory dists/SUITE with a Release file, or with an
 *     InRelease file only, whose clearsigned text is taken without checking
 *     the signature (that is `jprepo verify`'s job);
 *   - its Components and Architectures fields say which indexes exist:
 *     COMPONENT/binary-ARCH/Packages for the architecture asked for and
 *     "all" (or for every architecture listed), each read when Release
 *     lists its uncompressed name (apt looks indexes up by that name and
 *     skips the others, even when a compressed variant is listed), in
 *     whichever listed variant (plain, .gz, .zst, .xz, .bz2, .lzma) is
 *     there; the file read must have the size and SHA256 that Release
 *     gives for it (apt treats MD5 and SHA1 as unusable);
 *   - "all" packages: apt reads binary-all when Release has no
 *     Architectures field or lists "all" there, unless Release says
 *     "No-Support-for-Architecture-all: Packages" (then the "all" packages
 *     are in each binary-ARCH index and binary-all is left alone);
 *   - a stanza that an earlier index of the same call gave already (same
 *     Package, Architecture, Version and Filename: an "all" package that
 *     binary-all and binary-ARCH both list, or one file listed by two
 *     suites) is one package, as apt merges it into one version; the same
 *     version at another Filename is another package;
 *   - advisories: updateinfo.xml[.gz|.xz|.zst] when a Release lists it,
 *     checked against its SHA256 and read with jp_advisory_load().
 *
 * Relationship fields are read as Debian Policy 7.1 writes them.  Where
 * apt 2.6 differs, this reader follows the Policy and says so: apt keeps an
 * architecture qualifier as part of the name ("foo:any" is another cache
 * package), this reader drops it; apt refuses a whole Packages index in
 * which a relation has an "[arch]" or "<profile>" list (checked: "Problem
 * parsing dependency"), this reader drops the alternatives those lists
 * exclude.
 *
 * Indexes are streamed through libarchive's raw format (any compression)
 * while the compressed bytes go through SHA-256; the text is cut after its
 * last blank line so that only one chunk is held, and each chunk is read
 * with the deb822 reader.  On failure the pool's packages, dependencies,
 * advisories and repositories are as they were before the call (interned
 * strings may remain: they are not visible).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "advisory.h"
#include "ctx.h"
#include "deb822.h"
#include "digest.h"
#include "fsutil.h"
#include "pgp.h"
#include "pool.h"
#include "version.h"

/* A file that a Release lists (any checksum section). */
struct ar_listed {
	char *name;              /* relative to dists/SUITE */
	int have_sha256;
	char sha256[65];
	uint64_t size;           /* of the SHA256 line; else of another */
};

/* One Release read. */
struct ar_release {
	char *suite;
	char *shown;             /* "dists/SUITE/Release" or .../InRelease */
	char *sdir;              /* path of dists/SUITE */
	struct jp_deb822_stanza *sts;
	size_t nst;
	struct ar_listed *files;
	size_t nfiles, cfiles;
};

struct ar_state {
	struct jp_ctx *ctx;
	struct jp_pool *p;
	const char *repo;
	const char *deb_arch;
	uint32_t repo_ix;
	/* packages added by this call, by (name, arch, evr, location) */
	uint32_t *seen;          /* package index + 1, 0 empty */
	size_t seencap, nseen;
	struct jp_advset advs;
};

/* Which relationship field is parsed: what Policy 7.1 allows in it. */
enum ar_rel_kind {
	AR_REL_REQ,              /* Depends, Pre-Depends: alternatives */
	AR_REL_PROV,             /* Provides: no alternatives, only "=" */
	AR_REL_CON,              /* Conflicts, Breaks: no alternatives */
};

/* --- small helpers --- */

static int
ar_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
ar_skip_space(const char *s)
{
	while (ar_isspace(*s))
		s++;
	return s;
}

/* Is `word` (n bytes) one of the blank-separated words of list? */
static int
ar_list_has(const char *list, const char *word, size_t n)
{
	const char *s = list;

	while (s && *(s = ar_skip_space(s))) {
		const char *e = s;

		while (*e && !ar_isspace(*e))
			e++;
		if ((size_t)(e - s) == n && !strncmp(s, word, n))
			return 1;
		s = e;
	}
	return 0;
}

static int
ar_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* --- the set of packages seen --- */

static uint32_t
ar_seen_hash(const struct jp_ppkg *k)
{
	uint32_t h = k->name * 2654435761u;

	h = (h ^ k->arch) * 2654435761u;
	h = (h ^ k->evr) * 2654435761u;
	h = (h ^ k->location) * 2654435761u;
	return h ^ (h >> 15);
}

static int
ar_same(const struct jp_ppkg *a, const struct jp_ppkg *b)
{
	return a->name == b->name && a->arch == b->arch && a->evr == b->evr &&
	    a->location == b->location;
}

static void
ar_seen_grow(struct ar_state *s)
{
	uint32_t *old = s->seen;
	size_t oldcap = s->seencap, i;

	s->seencap = oldcap ? oldcap * 2 : 4096;
	s->seen = jp_xcalloc(s->seencap, sizeof(*s->seen));
	for (i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i])
			continue;
		j = ar_seen_hash(&s->p->pkgs[old[i] - 1]) & (s->seencap - 1);
		while (s->seen[j])
			j = (j + 1) & (s->seencap - 1);
		s->seen[j] = old[i];
	}
	free(old);
}

/*
 * Is the last package of the pool one this call added already?  If not,
 * remember it.
 */
static int
ar_seen_check(struct ar_state *s)
{
	uint32_t ix = (uint32_t)s->p->npkgs;    /* the last one, + 1 */
	const struct jp_ppkg *k = &s->p->pkgs[ix - 1];
	size_t j;

	if ((s->nseen + 1) * 2 > s->seencap)
		ar_seen_grow(s);
	j = ar_seen_hash(k) & (s->seencap - 1);
	while (s->seen[j]) {
		if (ar_same(&s->p->pkgs[s->seen[j] - 1], k))
			return 1;
		j = (j + 1) & (s->seencap - 1);
	}
	s->seen[j] = ix;
	s->nseen++;
	return 0;
}

/* --- relationship fields (Debian Policy 7.1) --- */

/*
 * Split an architecture into dpkg's (os, cpu) for wildcard matching
 * (Policy 11.1, dpkg's arch tables): "amd64" is linux on amd64,
 * "kfreebsd-amd64" kfreebsd on amd64; armel/armhf run on cpu "arm" and x32
 * on "amd64", as dpkg's cputable/tupletable say.  Other ABI variants are
 * taken by name.
 */
static void
ar_arch_split(const char *arch, size_t n, const char **os, size_t *osn,
    const char **cpu, size_t *cpun)
{
	const char *dash = memchr(arch, '-', n);

	if (dash) {
		*os = arch;
		*osn = (size_t)(dash - arch);
		*cpu = dash + 1;
		*cpun = n - *osn - 1;
	} else {
		*os = "linux";
		*osn = 5;
		*cpu = arch;
		*cpun = n;
	}
	if ((*cpun == 5 && (!strncmp(*cpu, "armhf", 5) ||
	    !strncmp(*cpu, "armel", 5)))) {
		*cpu = "arm";
		*cpun = 3;
	} else if (*cpun == 3 && !strncmp(*cpu, "x32", 3)) {
		*cpu = "amd64";
		*cpun = 5;
	}
}

/* Does architecture `arch` match `pat` (an architecture or a wildcard)? */
static int
ar_arch_matches(const char *arch, const char *pat, size_t patn)
{
	const char *os, *cpu, *pos, *pcpu;
	size_t osn, cpun, posn, pcpun;

	if (patn == 3 && !strncmp(pat, "any", 3))
		return 1;
	if (strlen(arch) == patn && !strncmp(arch, pat, patn))
		return 1;
	if (!memchr(pat, '-', patn))
		return 0;
	ar_arch_split(arch, strlen(arch), &os, &osn, &cpu, &cpun);
	ar_arch_split(pat, patn, &pos, &posn, &pcpu, &pcpun);
	if (!(posn == 3 && !strncmp(pos, "any", 3)) &&
	    !(posn == osn && !strncmp(pos, os, osn)))
		return 0;
	return (pcpun == 3 && !strncmp(pcpu, "any", 3)) ||
	    (pcpun == cpun && !strncmp(pcpu, cpu, cpun));
}

/*
 * Parse "[arch ...]" at *sp (past the '['): Policy 7.1 - the alternative
 * applies when `arch` is one of the listed architectures, or, in a list of
 * negated ones ("!arch"), none of them.  Mixing the two is an error.  With
 * arch NULL (an "all" package read for every architecture) everything
 * applies.
 */
static const char *
ar_arch_restriction(const char **sp, const char *arch, int *applies)
{
	const char *s = *sp;
	int neg = -1, hit = 0;

	for (;;) {
		const char *w;
		int n;

		s = ar_skip_space(s);
		if (*s == ']')
			break;
		if (*s == '\0')
			return "unterminated architecture list";
		n = *s == '!';
		if (neg != -1 && n != neg)
			return "architecture list mixes negated and plain names";
		neg = n;
		s += n;
		w = s;
		while (*s && !ar_isspace(*s) && *s != ']' && *s != '!')
			s++;
		if (s == w)
			return "empty name in architecture list";
		if (arch && ar_arch_matches(arch, w, (size_t)(s - w)))
			hit = 1;
	}
	if (neg == -1)
		return "empty architecture list";
	*sp = s + 1;
	if (arch)
		*applies = *applies && (neg ? !hit : hit);
	return NULL;
}

/*
 * Parse "<term ...>" lists at *sp (at the first '<'): build profiles
 * (Policy 7.1, BuildProfileSpec).  The lists are alternatives, the terms of
 * one list must all hold; a Packages file is read with no profile active,
 * so a term holds when it is negated ("!nocheck").
 */
static const char *
ar_profile_restriction(const char **sp, int *applies)
{
	const char *s = *sp;
	int any = 0;

	while (*s == '<') {
		int all = 1, nterms = 0;

		s++;
		for (;;) {
			const char *w;
			int neg;

			s = ar_skip_space(s);
			if (*s == '>')
				break;
			if (*s == '\0')
				return "unterminated build profile list";
			neg = *s == '!';
			s += neg;
			w = s;
			while (*s && !ar_isspace(*s) && *s != '>' && *s != '<')
				s++;
			if (s == w)
				return "empty name in build profile list";
			nterms++;
			if (!neg)
				all = 0;
		}
		if (nterms == 0)
			return "empty build profile list";
		if (all)
			any = 1;
		s = ar_skip_space(s + 1);
	}
	*sp = s;
	*applies = *applies && any;
	return NULL;
}

/* The flags of a relation operator (Policy 7.1), or -1. */
static int
ar_rel_op(const char *op, size_t n)
{
	if (n == 2 && !strncmp(op, "<<", 2))
		return JP_PDEP_LT;
	if (n == 2 && !strncmp(op, "<=", 2))
		return JP_PDEP_LT | JP_PDEP_EQ;
	if (n == 1 && op[0] == '=')
		return JP_PDEP_EQ;
	if (n == 2 && !strncmp(op, ">=", 2))
		return JP_PDEP_GT | JP_PDEP_EQ;
	if (n == 2 && !strncmp(op, ">>", 2))
		return JP_PDEP_GT;
	/* Deprecated "<" and ">" mean "<=" and ">=" (Policy 7.1). */
	if (n == 1 && op[0] == '<')
		return JP_PDEP_LT | JP_PDEP_EQ;
	if (n == 1 && op[0] == '>')
		return JP_PDEP_GT | JP_PDEP_EQ;
	return -1;
}

/*
 * Append the relations of one field value to the pool's deps: groups
 * separated by ',', alternatives by '|' (or_next set on every kept
 * alternative but the last of its group), each "name[:qualifier]
 * [(op version)] [[arch ...]] [<profile ...>...]".  The architecture
 * qualifier (":any", ":native", ":ARCH") is dropped from the name.
 * Alternatives whose restrictions exclude `arch` are left out, and a group
 * left empty with them.  Returns NULL, or the problem (static text) with
 * the offending text's start in *where.
 */
static const char *
ar_relations(struct ar_state *s, const char *v, enum ar_rel_kind kind,
    const char *arch, const char **where)
{
	struct jp_pool *p = s->p;
	const char *q = v;

	for (;;) {
		size_t kept = 0;
		uint32_t last = 0;

		q = ar_skip_space(q);
		if (*q == '\0')
			break;
		if (*q == ',') {          /* an empty group: nothing to keep */
			q++;
			continue;
		}
		for (;;) {
			const char *name, *ver = NULL, *problem;
			size_t nlen, vlen = 0;
			int flags = 0, applies = 1;

			*where = q = ar_skip_space(q);
			name = q;
			while (*q && !ar_isspace(*q) && !strchr(",|(:[<>)]", *q))
				q++;
			nlen = (size_t)(q - name);
			if (nlen == 0)
				return "missing package name";
			if (*q == ':') {      /* arch qualifier */
				const char *a = ++q;

				while (*q && !ar_isspace(*q) && !strchr(",|(:[<>)]", *q))
					q++;
				if (q == a)
					return "empty architecture qualifier";
			}
			q = ar_skip_space(q);
			if (*q == '(') {
				const char *op;

				*where = q;
				q = ar_skip_space(q + 1);
				op = q;
				while (*q == '<' || *q == '>' || *q == '=' || *q == '!')
					q++;
				if ((flags = ar_rel_op(op, (size_t)(q - op))) < 0)
					return "bad relation operator";
				q = ar_skip_space(q);
				ver = q;
				while (*q && !ar_isspace(*q) && *q != ')' && *q != '(')
					q++;
				vlen = (size_t)(q - ver);
				if (vlen == 0)
					return "missing version";
				q = ar_skip_space(q);
				if (*q != ')')
					return "bad version";
				q = ar_skip_space(q + 1);
				if (kind == AR_REL_PROV && flags != JP_PDEP_EQ)
					return "only '=' may be used in Provides";
			}
			while (*q == '[') {
				const char *r = q + 1;

				*where = q;
				if ((problem = ar_arch_restriction(&r, arch, &applies)))
					return problem;
				q = ar_skip_space(r);
			}
			if (*q == '<') {
				*where = q;
				if ((problem = ar_profile_restriction(&q, &applies)))
					return problem;
			}
			if (*q != '\0' && *q != ',' && *q != '|') {
				*where = q;
				return "unexpected text";
			}
			if (applies) {
				last = jp_pool_add_dep(p, jp_pool_str(p, name, nlen),
				    flags, ver ? jp_pool_str(p, ver, vlen) : 0, 1);
				kept++;
			}
			if (*q != '|')
				break;
			if (kind != AR_REL_REQ) {
				*where = q;
				return "alternatives ('|') are not allowed here";
			}
			q++;
		}
		if (kept)
			p->deps[last].or_next = 0;
		if (*q == ',')
			q++;
	}
	return NULL;
}

/* --- one stanza --- */

/* The fields of a Packages stanza that the pool keeps. */
struct ar_fields {
	const char *package, *version, *arch, *source, *filename;
	const char *depends, *predepends, *provides, *conflicts, *breaks;
};

static void
ar_pick_fields(const struct jp_deb822_stanza *st, struct ar_fields *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < st->nfields; i++) {
		const char *n = st->fields[i].name, *v = st->fields[i].value;

		switch (n[0] | 0x20) {
		case 'a':
			if (!strcasecmp(n, "Architecture"))
				f->arch = v;
			break;
		case 'b':
			if (!strcasecmp(n, "Breaks"))
				f->breaks = v;
			break;
		case 'c':
			if (!strcasecmp(n, "Conflicts"))
				f->conflicts = v;
			break;
		case 'd':
			if (!strcasecmp(n, "Depends"))
				f->depends = v;
			break;
		case 'f':
			if (!strcasecmp(n, "Filename"))
				f->filename = v;
			break;
		case 'p':
			if (!strcasecmp(n, "Package"))
				f->package = v;
			else if (!strcasecmp(n, "Pre-Depends"))
				f->predepends = v;
			else if (!strcasecmp(n, "Provides"))
				f->provides = v;
			break;
		case 's':
			if (!strcasecmp(n, "Source"))
				f->source = v;
			break;
		case 'v':
			if (!strcasecmp(n, "Version"))
				f->version = v;
			break;
		}
	}
}

/* A one-word value: no blanks inside, not empty. */
static int
ar_one_word(const char *v)
{
	return v && *v && !strpbrk(v, " \t\n\r");
}

static int
ar_stanza_fail(struct ar_state *s, const char *shown,
    const struct jp_deb822_stanza *st, const char *pkg, const char *problem,
    const char *field, const char *where)
{
	if (where)
		return jp_error_set(s->ctx, JP_ERR, "malformed stanza of '%s' in "
		    "'%s' (line %lu): %s in %s at '%.40s'", pkg ? pkg : "?", shown,
		    st->line, problem, field, where);
	return jp_error_set(s->ctx, JP_ERR, "malformed stanza of '%s' in '%s' "
	    "(line %lu): %s", pkg ? pkg : "?", shown, st->line, problem);
}

/* Add one Packages stanza to the pool. */
static int
ar_stanza(struct ar_state *s, const char *shown,
    const struct jp_deb822_stanza *st)
{
	struct jp_pool *p = s->p;
	struct ar_fields f;
	struct jp_ppkg *k;
	const char *colon, *dash, *upstream, *problem, *where = NULL, *rarch;
	size_t ndeps0 = p->ndeps;
	uint32_t req0, prov0, con0;
	static const struct {
		const char *name;
		size_t off;
		enum ar_rel_kind kind;
	} rels[] = {
		{ "Depends", offsetof(struct ar_fields, depends), AR_REL_REQ },
		{ "Pre-Depends", offsetof(struct ar_fields, predepends), AR_REL_REQ },
		{ "Provides", offsetof(struct ar_fields, provides), AR_REL_PROV },
		{ "Conflicts", offsetof(struct ar_fields, conflicts), AR_REL_CON },
		{ "Breaks", offsetof(struct ar_fields, breaks), AR_REL_CON },
	};
	size_t i;

	ar_pick_fields(st, &f);
	if (!ar_one_word(f.package))
		return ar_stanza_fail(s, shown, st, f.package, f.package ?
		    "bad Package field" : "no Package field", NULL, NULL);
	if (!ar_one_word(f.version))
		return ar_stanza_fail(s, shown, st, f.package, f.version ?
		    "bad Version field" : "no Version field", NULL, NULL);
	if ((problem = jp_deb_version_check(f.version)) != NULL)
		return ar_stanza_fail(s, shown, st, f.package, problem,
		    "Version", f.version);
	if (!ar_one_word(f.arch))
		return ar_stanza_fail(s, shown, st, f.package, f.arch ?
		    "bad Architecture field" : "no Architecture field", NULL, NULL);
	if (!f.filename || !*f.filename || strchr(f.filename, '\n'))
		return ar_stanza_fail(s, shown, st, f.package,
		    "no Filename field", NULL, NULL);
	if (f.source && !*ar_skip_space(f.source))
		f.source = NULL;

	/*
	 * Restrictions are evaluated for the package's architecture; an "all"
	 * package for the architecture asked for (every one applies when
	 * none was asked for).
	 */
	rarch = strcmp(f.arch, "all") ? f.arch : s->deb_arch;

	/* Dependencies first: the package pointer holds only until then. */
	req0 = (uint32_t)p->ndeps;
	prov0 = con0 = 0;
	for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		const char *v = *(const char *const *)((const char *)&f +
		    rels[i].off);

		if (rels[i].kind == AR_REL_PROV)
			prov0 = (uint32_t)p->ndeps;
		if (rels[i].kind == AR_REL_CON && !strcmp(rels[i].name, "Conflicts"))
			con0 = (uint32_t)p->ndeps;
		if (!v)
			continue;
		if ((problem = ar_relations(s, v, rels[i].kind, rarch, &where))) {
			p->ndeps = ndeps0;
			return ar_stanza_fail(s, shown, st, f.package, problem,
			    rels[i].name, where);
		}
	}

	k = jp_pool_add_pkg(p);
	k->name = jp_pool_str(p, f.package, (size_t)-1);
	k->arch = jp_pool_str(p, f.arch, (size_t)-1);
	k->evr = jp_pool_str(p, f.version, (size_t)-1);
	/* dpkg's parseversion(): epoch before the first ':', revision after
	 * the last '-'. */
	colon = strchr(f.version, ':');
	upstream = colon ? colon + 1 : f.version;
	dash = strrchr(upstream, '-');
	k->epoch = colon ? jp_pool_str(p, f.version, (size_t)(colon - f.version)) :
	    jp_pool_str(p, "0", 1);
	k->version = jp_pool_str(p, upstream, dash ? (size_t)(dash - upstream) :
	    strlen(upstream));
	k->release = dash ? jp_pool_str(p, dash + 1, (size_t)-1) : 0;
	if (f.source) {
		const char *b = ar_skip_space(f.source), *e = b;

		while (*e && !ar_isspace(*e) && *e != '(')
			e++;
		k->source = jp_pool_str(p, b, (size_t)(e - b));
	} else {
		k->source = k->name;
	}
	k->location = jp_pool_str(p, f.filename, (size_t)-1);
	k->repo = s->repo_ix;
	k->req0 = req0;
	k->nreq = prov0 - req0;
	k->prov0 = prov0;
	k->nprov = con0 - prov0;
	k->con0 = con0;
	k->ncon = (uint32_t)p->ndeps - con0;
	k->obs0 = (uint32_t)p->ndeps;
	k->file0 = (uint32_t)p->nfiles;

	if (ar_seen_check(s)) {
		/* apt's one version: drop the copy and its dependencies */
		p->npkgs--;
		p->ndeps = ndeps0;
	}
	return 0;
}

/* --- reading an index with its checksum --- */

struct ar_src {
	int fd;
	struct jp_digest dg;
	char buf[65536];
};

static la_ssize_t
ar_src_read(struct archive *a, void *cd, const void **out)
{
	struct ar_src *src = cd;
	ssize_t n;

	do
		n = read(src->fd, src->buf, sizeof(src->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return -1;
	}
	jp_digest_update(&src->dg, src->buf, (size_t)n);
	*out = src->buf;
	return n;
}

/* Read what libarchive left of the file through the digest. */
static int
ar_src_drain(struct ar_src *src)
{
	ssize_t n;

	for (;;) {
		n = read(src->fd, src->buf, sizeof(src->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 0;
		jp_digest_update(&src->dg, src->buf, (size_t)n);
	}
}

/*
 * The digest and size of what was read against the Release entry; a
 * message naming the index when they differ.
 */
static int
ar_src_check(struct ar_state *s, struct ar_src *src, const char *shown,
    const struct ar_release *rel, const struct ar_listed *l)
{
	const char *hex;

	jp_digest_final(&src->dg);
	hex = jp_digest_hex(&src->dg, JP_DIGEST_SHA256);
	if (src->dg.nbytes != l->size)
		return jp_error_set(s->ctx, JP_ERR, "size mismatch of '%s': '%s' "
		    "says %llu bytes, the file has %llu", shown, rel->shown,
		    (unsigned long long)l->size,
		    (unsigned long long)src->dg.nbytes);
	if (strcmp(hex, l->sha256))
		return jp_error_set(s->ctx, JP_ERR, "SHA256 mismatch of '%s': "
		    "'%s' says %s, the file has %s", shown, rel->shown, l->sha256,
		    hex);
	return 0;
}

/*
 * Read one Packages index (path, shown as `shown`) into the pool,
 * checking it against its Release entry l.
 */
static int
ar_read_index(struct ar_state *s, const struct ar_release *rel,
    const struct ar_listed *l, const char *path, const char *shown)
{
	struct ar_src *src = jp_xcalloc(1, sizeof(*src));
	struct archive *a = NULL;
	struct archive_entry *ent;
	struct jp_deb822_stanza st;
	char *buf = NULL;
	size_t len = 0, cap = 0, scanned = 0;
	unsigned long line = 0;
	int rc = 0, eof = 0, ar_rc, have_dg = 0;

	jp_deb822_stanza_init(&st);
	src->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0) {
		rc = jp_error_errno(s->ctx, errno, "cannot open '%s'", shown);
		goto out;
	}
	if (jp_digest_init(&src->dg, JP_DIGEST_SHA256) < 0) {
		rc = jp_error_set(s->ctx, JP_ERR_NOMEM, "out of memory");
		goto out;
	}
	have_dg = 1;
	/*
	 * An empty file (apt-ftparchive's Packages of an architecture without
	 * packages) is no stream libarchive recognises: no stanzas.
	 */
	{
		struct stat sb;

		if (fstat(src->fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    sb.st_size == 0) {
			rc = ar_src_check(s, src, shown, rel, l);
			goto out;
		}
	}
	a = archive_read_new();
	if (!a) {
		rc = jp_error_set(s->ctx, JP_ERR_NOMEM, "out of memory");
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	/* No skip or seek callback: every byte goes through ar_src_read. */
	if (archive_read_open(a, src, NULL, ar_src_read, NULL) != ARCHIVE_OK)
		goto bad;
	ar_rc = archive_read_next_header(a, &ent);
	if (ar_rc == ARCHIVE_EOF)
		eof = 1;        /* an empty file: no stanzas */
	else if (ar_rc != ARCHIVE_OK)
		goto bad;
	while (!eof) {
		struct jp_deb822_reader rd;
		la_ssize_t n;
		size_t cut = 0, i;

		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			buf = jp_xrealloc(buf, cap);
		}
		n = archive_read_data(a, buf + len, cap - len);
		if (n < 0)
			goto bad;
		if (n == 0)
			eof = 1;
		len += (size_t)n;
		if (eof) {
			cut = len;
		} else {
			/* Cut after the last "\n\n" of the text not yet scanned. */
			for (i = len; i >= 2 && i > scanned; i--)
				if (buf[i - 1] == '\n' && buf[i - 2] == '\n') {
					cut = i;
					break;
				}
			if (!cut) {
				scanned = len > 0 ? len - 1 : 0;
				continue;
			}
		}
		jp_deb822_reader_init(&rd, buf, cut, shown, 0);
		rd.line = line;
		while ((rc = jp_deb822_next(s->ctx, &rd, &st)) == 1)
			if ((rc = ar_stanza(s, shown, &st)) < 0)
				break;
		if (rc < 0) {
			/* a damaged file is better named by its checksum */
			if (ar_src_drain(src) == 0) {
				char *msg = jp_xstrdup(jp_error_msg(s->ctx));

				if (ar_src_check(s, src, shown, rel, l) == 0)
					rc = jp_error_set(s->ctx, rc, "%s", msg);
				else
					rc = JP_ERR;
				free(msg);
			}
			goto out;
		}
		line = rd.line;
		memmove(buf, buf + cut, len - cut);
		len -= cut;
		scanned = 0;
	}
	if (ar_src_drain(src) < 0) {
		rc = jp_error_errno(s->ctx, errno, "cannot read '%s'", shown);
		goto out;
	}
	rc = ar_src_check(s, src, shown, rel, l);
	goto out;
bad:
	if (ar_src_drain(src) == 0 && ar_src_check(s, src, shown, rel, l) < 0) {
		rc = JP_ERR;
		goto out;
	}
	rc = jp_error_set(s->ctx, JP_ERR, "cannot read '%s': %s", shown,
	    a && archive_error_string(a) ? archive_error_string(a) :
	    "unknown error");
out:
	jp_deb822_stanza_release(&st);
	free(buf);
	if (a)
		archive_read_free(a);
	if (src->fd >= 0)
		close(src->fd);
	if (have_dg)
		jp_digest_release(&src->dg);
	free(src);
	return rc < 0 ? rc : 0;
}

/* --- Release --- */


static void
ar_release_free(struct ar_release *r)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		free(r->files[i].name);
	free(r->files);
	if (r->sts)
		jp_deb822_free(r->sts, r->nst);
	free(r->suite);
	free(r->shown);
	free(r->sdir);
	memset(r, 0, sizeof(*r));
}

static struct ar_listed *
ar_release_find(const struct ar_release *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].name, name))
			return &r->files[i];
	return NULL;
}

/* Read the "hash size name" lines of one checksum section. */
static int
ar_release_section(struct ar_state *s, struct ar_release *r, const char *sec,
    int is_sha256)
{
	const char *v = jp_deb822_get(&r->sts[0], sec), *q;

	if (!v)
		return 0;
	for (q = v; *q;) {
		const char *e = strchr(q, '\n'), *w[3], *we[3], *t = q;
		size_t n = e ? (size_t)(e - q) : strlen(q), k;
		char *name, *end;
		unsigned long long size;
		struct ar_listed *l;

		for (k = 0; k < 3; k++) {
			while (t < q + n && ar_isspace(*t))
				t++;
			w[k] = t;
			while (t < q + n && !ar_isspace(*t))
				t++;
			we[k] = t;
		}
		while (t < q + n && ar_isspace(*t))
			t++;
		if (w[0] == we[0] && t == q + n) {
			/* the empty first line of the field */
		} else if (w[2] == we[2] || t != q + n) {
			return jp_error_set(s->ctx, JP_ERR, "bad %s line '%.*s' in "
			    "'%s'", sec, (int)n, q, r->shown);
		} else {
			errno = 0;
			size = strtoull(w[1], &end, 10);
			if (end != we[1] || errno || *w[1] == '-' ||
			    (is_sha256 && we[0] - w[0] != 64))
				return jp_error_set(s->ctx, JP_ERR, "bad %s line "
				    "'%.*s' in '%s'", sec, (int)n, q, r->shown);
			name = jp_xstrndup(w[2], (size_t)(we[2] - w[2]));
			if ((l = ar_release_find(r, name)) != NULL) {
				free(name);
			} else {
				if (r->nfiles == r->cfiles) {
					r->cfiles = r->cfiles ? 2 * r->cfiles : 32;
					r->files = jp_xrealloc(r->files,
					    r->cfiles * sizeof(*r->files));
				}
				l = &r->files[r->nfiles++];
				memset(l, 0, sizeof(*l));
				l->name = name;
				l->size = size;
			}
			if (is_sha256) {
				size_t i;

				for (i = 0; i < 64; i++)
					l->sha256[i] = (char)(w[0][i] | 0x20);
				l->sha256[64] = '\0';
				l->have_sha256 = 1;
				l->size = size;
			}
		}
		if (!e)
			break;
		q = e + 1;
	}
	return 0;
}

/* Read dists/SUITE/Release (or the text of InRelease). */
static int
ar_release_read(struct ar_state *s, const char *suite, struct ar_release *r)
{
	char *rel, *inrel, *data = NULL, *text = NULL;
	size_t len = 0, tlen = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->suite = jp_xstrdup(suite);
	r->sdir = jp_xasprintf("%s/dists/%s", s->repo, suite);
	rel = jp_path_join(r->sdir, "Release");
	inrel = jp_path_join(r->sdir, "InRelease");
	if (ar_regular(rel)) {
		r->shown = jp_xasprintf("dists/%s/Release", suite);
		if ((rc = jp_file_read(s->ctx, rel, &data, &len)) < 0)
			goto out;
	} else {
		r->shown = jp_xasprintf("dists/%s/InRelease", suite);
		if ((rc = jp_file_read(s->ctx, inrel, &data, &len)) < 0)
			goto out;
		text = jp_pgp_clearsigned_text(data, len, &tlen);
		if (!text) {
			rc = jp_error_set(s->ctx, JP_ERR, "cannot read '%s': not a "
			    "clearsigned message", r->shown);
			goto out;
		}
	}
	if ((rc = jp_deb822_parse(s->ctx, text ? text : data, text ? tlen : len,
	    r->shown, 0, &r->sts, &r->nst)) < 0)
		goto out;
	if (r->nst == 0) {
		rc = jp_error_set(s->ctx, JP_ERR, "cannot read '%s': no fields",
		    r->shown);
		goto out;
	}
	if ((rc = ar_release_section(s, r, "MD5Sum", 0)) < 0 ||
	    (rc = ar_release_section(s, r, "SHA1", 0)) < 0 ||
	    (rc = ar_release_section(s, r, "SHA512", 0)) < 0 ||
	    (rc = ar_release_section(s, r, "SHA256", 1)) < 0)
		goto out;
out:
	free(text);
	free(data);
	free(rel);
	free(inrel);
	return rc;
}

/*
 * The index of COMPONENT/binary-ARCH for a suite: the first listed
 * variant that exists, cheapest to read first (the checksum is that of
 * the file read, so any listed variant proves the same text).  *l is NULL
 * when Release lists none; a listed index of which no variant exists, or
 * without SHA256, is an error.
 */
static int
ar_pick_index(struct ar_state *s, const struct ar_release *r,
    const char *comp, const char *arch, struct ar_listed **l, char **path,
    char **shown)
{
	static const char *const sfx[] = { "", ".gz", ".zst", ".xz", ".bz2",
	    ".lzma" };
	char *first = NULL;
	size_t i;

	*l = NULL;
	*path = *shown = NULL;
	/*
	 * apt looks an index up by its uncompressed name (the target's meta
	 * key) and ignores one that Release lists only compressed (checked
	 * with apt 2.6): so does this reader.
	 */
	{
		char *base = jp_xasprintf("%s/binary-%s/Packages", comp, arch);
		int listed = ar_release_find(r, base) != NULL;

		free(base);
		if (!listed)
			return 0;
	}
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		char *name = jp_xasprintf("%s/binary-%s/Packages%s", comp, arch,
		    sfx[i]);
		struct ar_listed *e = ar_release_find(r, name);
		char *full;

		if (!e) {
			free(name);
			continue;
		}
		if (!first)
			first = jp_xstrdup(name);
		full = jp_path_join_safe(s->ctx, r->sdir, name);
		if (!full) {
			int rc = jp_error_set(s->ctx, JP_ERR, "bad index name '%s' "
			    "in '%s'", name, r->shown);

			free(name);
			free(first);
			return rc;
		}
		if (!ar_regular(full)) {
			free(full);
			free(name);
			continue;
		}
		if (!e->have_sha256) {
			int rc = jp_error_set(s->ctx, JP_ERR, "'%s' lists no SHA256 "
			    "for '%s'", r->shown, name);

			free(full);
			free(name);
			free(first);
			return rc;
		}
		*l = e;
		*path = full;
		*shown = jp_xasprintf("dists/%s/%s", r->suite, name);
		free(name);
		free(first);
		return 0;
	}
	if (first) {
		int rc = jp_error_set(s->ctx, JP_ERR, "missing index 'dists/%s/%s' "
		    "(listed in '%s')", r->suite, first, r->shown);

		free(first);
		return rc;
	}
	return 0;
}

/*
 * The components and architectures of a suite whose Release lacks the
 * fields: those of the listed "COMPONENT/binary-ARCH/Packages*" names.
 */
static void
ar_from_listing(const struct ar_release *r, char ***comps, size_t *ncomps,
    char ***archs, size_t *narchs, int want_comps, int want_archs)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++) {
		const char *nm = r->files[i].name;
		const char *b = strstr(nm, "/binary-"), *sl;

		if (!b || !(sl = strchr(b + 8, '/')) || strncmp(sl, "/Packages", 9))
			continue;
		if (want_comps)
			jp_deb822_words_add(comps, ncomps, nm, (size_t)(b - nm));
		if (want_archs)
			jp_deb822_words_add(archs, narchs, b + 8, (size_t)(sl - b - 8));
	}
}

/* Read one suite's indexes. */
static int
ar_suite(struct ar_state *s, const char *suite)
{
	struct ar_release r;
	char **comps = NULL, **archs = NULL;
	size_t ncomps = 0, narchs = 0, c, a;
	const char *fcomps, *farchs, *nosup;
	int rc, all_ok;

	if ((rc = ar_release_read(s, suite, &r)) < 0)
		goto out;
	fcomps = jp_deb822_get(&r.sts[0], "Components");
	farchs = jp_deb822_get(&r.sts[0], "Architectures");
	nosup = jp_deb822_get(&r.sts[0], "No-Support-for-Architecture-all");
	jp_deb822_words_split(&comps, &ncomps, fcomps);
	if (s->deb_arch) {
		/* apt skips an architecture that Release does not list */
		if (!farchs || ar_list_has(farchs, s->deb_arch,
		    strlen(s->deb_arch)))
			jp_deb822_words_add(&archs, &narchs, s->deb_arch,
			    strlen(s->deb_arch));
	} else {
		jp_deb822_words_split(&archs, &narchs, farchs);
	}
	ar_from_listing(&r, &comps, &ncomps, &archs, &narchs, !fcomps,
	    !s->deb_arch && !farchs);
	/* DebianRepository/Format: "all" and No-Support-for-Architecture-all */
	all_ok = (!farchs || ar_list_has(farchs, "all", 3)) &&
	    !(nosup && !strcmp(nosup, "Packages"));
	if (all_ok)
		jp_deb822_words_add(&archs, &narchs, "all", 3);

	for (c = 0; c < ncomps; c++) {
		for (a = 0; a < narchs; a++) {
			struct ar_listed *l;
			char *path, *shown;

			if (!strcmp(archs[a], "all") && !all_ok)
				continue;
			if ((rc = ar_pick_index(s, &r, comps[c], archs[a], &l, &path,
			    &shown)) < 0)
				goto out;
			if (!l)
				continue;
			rc = ar_read_index(s, &r, l, path, shown);
			free(path);
			free(shown);
			if (rc < 0)
				goto out;
		}
	}

	/* Advisories (updateinfo.xml, as for RPM-MD) listed by the suite. */
	{
		static const char *const names[] = { "updateinfo.xml.gz",
		    "updateinfo.xml.xz", "updateinfo.xml.zst", "updateinfo.xml" };
		const char *first = NULL;
		size_t i, j;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			for (j = 0; j < r.nfiles; j++) {
				const char *nm = r.files[j].name;
				size_t nl = strlen(nm), bl = strlen(names[i]);
				struct jp_digest dg;
				char *path;
				int fd;

				if (nl < bl || strcmp(nm + nl - bl, names[i]) ||
				    (nl > bl && nm[nl - bl - 1] != '/'))
					continue;
				if (!first)
					first = nm;
				if (!(path = jp_path_join_safe(s->ctx, r.sdir, nm))) {
					rc = jp_error_set(s->ctx, JP_ERR, "bad file name "
					    "'%s' in '%s'", nm, r.shown);
					goto out;
				}
				if (!ar_regular(path)) {
					free(path);
					continue;
				}
				if (!r.files[j].have_sha256) {
					free(path);
					rc = jp_error_set(s->ctx, JP_ERR, "'%s' lists no "
					    "SHA256 for '%s'", r.shown, nm);
					goto out;
				}
				if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
					rc = jp_error_errno(s->ctx, errno, "cannot open "
					    "'dists/%s/%s'", suite, nm);
					free(path);
					goto out;
				}
				if ((rc = jp_digest_init(&dg, JP_DIGEST_SHA256)) < 0) {
					close(fd);
					free(path);
					goto out;
				}
				rc = jp_digest_fd(s->ctx, fd, path, &dg);
				close(fd);
				jp_digest_final(&dg);
				if (rc == 0 && dg.nbytes != r.files[j].size)
					rc = jp_error_set(s->ctx, JP_ERR, "size mismatch "
					    "of 'dists/%s/%s': '%s' says %llu bytes, the "
					    "file has %llu", suite, nm, r.shown,
					    (unsigned long long)r.files[j].size,
					    (unsigned long long)dg.nbytes);
				else if (rc == 0 && strcmp(jp_digest_hex(&dg,
				    JP_DIGEST_SHA256), r.files[j].sha256))
					rc = jp_error_set(s->ctx, JP_ERR, "SHA256 mismatch "
					    "of 'dists/%s/%s': '%s' says %s, the file has "
					    "%s", suite, nm, r.shown, r.files[j].sha256,
					    jp_digest_hex(&dg, JP_DIGEST_SHA256));
				jp_digest_release(&dg);
				if (rc == 0)
					rc = jp_advisory_load(s->ctx, path, &s->advs);
				free(path);
				goto out;   /* one updateinfo per suite */
			}
		}
		if (first)
			rc = jp_error_set(s->ctx, JP_ERR, "missing 'dists/%s/%s' "
			    "(listed in '%s')", suite, first, r.shown);
	}
out:
	jp_deb822_words_free(comps, ncomps);
	jp_deb822_words_free(archs, narchs);
	ar_release_free(&r);
	return rc;
}

/* --- advisories into the pool --- */

static void
ar_add_advisories(struct ar_state *s)
{
	struct jp_pool *p = s->p;
	size_t i, c, k;

	for (i = 0; i < s->advs.n; i++) {
		const struct jp_advisory *ad = &s->advs.v[i];
		struct jp_padv *pa = jp_pool_add_adv(p);

		pa->id = ad->id ? jp_pool_str(p, ad->id, (size_t)-1) : 0;
		pa->type = ad->type ? jp_pool_str(p, ad->type, (size_t)-1) : 0;
		pa->severity = ad->severity ?
		    jp_pool_str(p, ad->severity, (size_t)-1) : 0;
		pa->title = ad->title ? jp_pool_str(p, ad->title, (size_t)-1) : 0;
		pa->issued = ad->issued ? jp_pool_str(p, ad->issued,
		    (size_t)-1) : 0;
		for (c = 0; c < ad->ncolls; c++) {
			const struct jp_adv_collection *co = &ad->colls[c];

			for (k = 0; k < co->npkgs; k++) {
				const struct jp_adv_pkg *ap = &co->pkgs[k];
				char *evr;

				/*
				 * A deb version in its dpkg print form: dpkg leaves
				 * out a zero epoch, and a missing revision.
				 */
				evr = jp_xasprintf("%s%s%s%s%s",
				    ap->epoch && *ap->epoch && strcmp(ap->epoch, "0") ?
				    ap->epoch : "",
				    ap->epoch && *ap->epoch && strcmp(ap->epoch, "0") ?
				    ":" : "",
				    ap->version ? ap->version : "",
				    ap->release && *ap->release ? "-" : "",
				    ap->release ? ap->release : "");
				jp_pool_add_adv_pkg(p, pa,
				    ap->name ? jp_pool_str(p, ap->name, (size_t)-1) : 0,
				    ap->arch ? jp_pool_str(p, ap->arch, (size_t)-1) : 0,
				    jp_pool_str(p, evr, (size_t)-1));
				free(evr);
			}
		}
		for (k = 0; k < ad->nrefs; k++) {
			const struct jp_adv_ref *rf = &ad->refs[k];

			if (rf->type && !strcmp(rf->type, "cve") && rf->id && *rf->id)
				jp_pool_add_adv_cve(p, pa,
				    jp_pool_str(p, rf->id, (size_t)-1));
		}
	}
}

/* --- entry point --- */

static int
ar_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The suites: directories under dists/ with a Release or an InRelease. */
static void
ar_suites(const char *repo, char ***out, size_t *n)
{
	char *dists = jp_path_join(repo, "dists");
	DIR *d = opendir(dists);
	struct dirent *e;

	*out = NULL;
	*n = 0;
	if (!d) {
		free(dists);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char *a, *b;
		int ok;

		if (e->d_name[0] == '.')
			continue;
		a = jp_xasprintf("%s/%s/Release", dists, e->d_name);
		b = jp_xasprintf("%s/%s/InRelease", dists, e->d_name);
		ok = ar_regular(a) || ar_regular(b);
		free(a);
		free(b);
		if (ok)
			jp_deb822_words_add(out, n, e->d_name, strlen(e->d_name));
	}
	closedir(d);
	free(dists);
	if (*n)
		if (*n > 1)
			qsort(*out, *n, sizeof(**out), ar_name_cmp);
}

/*
 * Read the APT repository at path into p (a JP_POOL_DEB pool): the
 * Packages indexes of deb_arch and "all" (every architecture listed when
 * deb_arch is NULL) of every component of every suite, and the advisories
 * of the updateinfo files the suites list.  Every package gets the index of
 * one new repository entry (path, deb_arch).  Returns 0, or a negative
 * code with a message (not an APT repository, a Release that cannot be
 * read, an index missing, damaged or not matching Release, a malformed
 * stanza named by file and Package); the pool is then left as it was.
 */
int
jp_pool_add_apt(struct jp_ctx *ctx, struct jp_pool *p, const char *path,
    const char *deb_arch)
{
	struct ar_state s;
	char **suites = NULL;
	size_t nsuites = 0, i;
	size_t npkgs0 = p->npkgs, ndeps0 = p->ndeps, nadvs0 = p->nadvs;
	size_t nadvp0 = p->nadv_pkgs, nstrl0 = p->nstrs_list;
	size_t nrepos0 = p->nrepos;
	int rc = 0;

	if (p->format != JP_POOL_DEB)
		return jp_error_set(ctx, JP_ERR, "cannot read '%s' into the pool: "
		    "an APT repository needs a deb pool", path);
	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.p = p;
	s.repo = path;
	s.deb_arch = deb_arch && *deb_arch ? deb_arch : NULL;
	ar_suites(path, &suites, &nsuites);
	if (nsuites == 0) {
		rc = jp_error_set(ctx, JP_ERR, "'%s' is not an APT repository: no "
		    "dists/SUITE/Release or InRelease", path);
		goto out;
	}
	s.repo_ix = jp_pool_add_repo_entry(p, path, s.deb_arch);
	for (i = 0; i < nsuites && rc == 0; i++)
		rc = ar_suite(&s, suites[i]);
	if (rc == 0)
		ar_add_advisories(&s);
out:
	if (rc < 0) {
		/* Leave the pool as it was. */
		p->npkgs = npkgs0;
		p->ndeps = ndeps0;
		p->nadvs = nadvs0;
		p->nadv_pkgs = nadvp0;
		p->nstrs_list = nstrl0;
		while (p->nrepos > nrepos0) {
			p->nrepos--;
			free(p->repos[p->nrepos].path);
			free(p->repos[p->nrepos].arch);
		}
	}
	jp_deb822_words_free(suites, nsuites);
	free(s.seen);
	jp_advset_release(&s.advs);
	return rc;
}
