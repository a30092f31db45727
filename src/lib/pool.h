/*
 * pool.h: the packages of repositories, as read from their metadata (never
 * from the packages), in a compact form for planning: interned strings,
 * dependency arrays, and an index by name.
 *
 * One pool holds one package format (rpm or deb).  Versions are kept as the
 * native tools print them (rpm "[E:]V-R" with the epoch only when it is not
 * 0, deb versions as they are) and compared with the format's own order.
 */
#ifndef JP_POOL_H
#define JP_POOL_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;

enum jp_pool_format { JP_POOL_RPM = 1, JP_POOL_DEB = 2 };

/* Comparison flags of a dependency (rpm's LT/GT/EQ bits; deb maps to them). */
enum {
	JP_PDEP_LT = 1,
	JP_PDEP_GT = 2,
	JP_PDEP_EQ = 4,
};

typedef uint32_t jp_str;     /* an interned string; 0 is "none" */

struct jp_pdep {
	jp_str name;
	jp_str evr;              /* 0 when unversioned */
	uint8_t flags;           /* JP_PDEP_*, 0 when unversioned */
	uint8_t or_next;         /* deb: 1 when the next dep is an alternative */
};

struct jp_ppkg {
	jp_str name, arch, evr;  /* evr in native print form */
	jp_str epoch, version, release;   /* rpm parts ("0" epoch when none) */
	jp_str source;           /* rpm sourcerpm, deb source package name */
	jp_str location;         /* path relative to the repository */
	uint32_t repo;           /* index into the pool's repositories */
	uint32_t prov0, nprov;   /* into deps */
	uint32_t req0, nreq;
	uint32_t obs0, nobs;     /* rpm Obsoletes */
	uint32_t con0, ncon;     /* Conflicts (rpm), Breaks+Conflicts (deb) */
	uint32_t file0, nfile;   /* into files: rpm file provides */
	uint32_t next_same_name; /* next package of this name + 1, 0 at the end */
};

struct jp_padv_pkg {
	jp_str name, arch, evr;
};

struct jp_padv {
	jp_str id, type, severity, title;
	jp_str issued;           /* the issued date as the metadata gives it */
	uint32_t cve0, ncve;     /* into strs_list */
	uint32_t pkg0, npkg;     /* into adv_pkgs */
};

struct jp_pool_repo {
	char *path;
	char *arch;              /* deb: the architecture of the index read */
	char *filelists;         /* rpm: its filelists file, read on demand */
	char *updateinfo;        /* rpm: its updateinfo file, if any */
	size_t first, last;      /* its packages [first, last) */
};

struct jp_pool {
	int format;
	/* string interning */
	char *sbuf;
	size_t slen, scap;
	uint32_t *shash;         /* open addressing: offsets into sbuf */
	size_t shcap, scount;
	/* packages and their arrays */
	struct jp_ppkg *pkgs;
	size_t npkgs, cpkgs;
	struct jp_pdep *deps;
	size_t ndeps, cdeps;
	jp_str *files;
	size_t nfiles, cfiles;
	struct jp_padv *advs;
	size_t nadvs, cadvs;
	struct jp_padv_pkg *adv_pkgs;
	size_t nadv_pkgs, cadv_pkgs;
	jp_str *strs_list;
	size_t nstrs_list, cstrs_list;
	struct jp_pool_repo *repos;
	size_t nrepos;
	/* index: name -> first package + 1 (built by jp_pool_index) */
	uint32_t *byname;        /* open addressing over names */
	size_t bncap;
	/* provides index: buckets of (package, dep) entries by provided name */
	uint32_t *prov_head;     /* bucket -> first entry, 0 none */
	uint32_t *prov_next, *prov_pkg, *prov_dep;
	size_t nprov_ix;
	/* advisory packages by name: bucket -> adv_pkgs index + 1, chained */
	uint32_t *advp_head, *advp_next, *advp_adv;
	/* file provides: bucket -> entry, entries (package, file) chained */
	uint32_t *file_head, *file_next, *file_pkg, *file_name;
};

/* FNV-1a of a string: the hash of the pool and of its users' tables. */
uint32_t jp_strhash(const char *s);

void jp_pool_init(struct jp_pool *p, int format);
void jp_pool_release(struct jp_pool *p);

/* Intern s (n bytes, or strlen when n is (size_t)-1); never 0 for a string. */
jp_str jp_pool_str(struct jp_pool *p, const char *s, size_t n);
/* The text of an interned string ("" for 0). */
static inline const char *
jp_pool_s(const struct jp_pool *p, jp_str s)
{
	return p->sbuf + s;
}

/*
 * Read repository metadata into the pool: RPM-MD (repodata/repomd.xml:
 * primary, filelists for file requires, updateinfo) or APT (dists/SUITE/
 * Release: the Packages of each component for the architectures given, or
 * all when arch is NULL, and updateinfo.xml.gz when listed).  The format
 * must match the pool's.
 */
int jp_pool_add_repo(struct jp_ctx *ctx, struct jp_pool *p, const char *path,
    const char *deb_arch);

/*
 * Writers of the pool (the metadata readers): a new zeroed package (the
 * pointer holds until the next add), a dependency of the package being
 * filled (appended to deps; the reader sets the package's ranges), a file.
 */
struct jp_ppkg *jp_pool_add_pkg(struct jp_pool *p);
uint32_t jp_pool_add_dep(struct jp_pool *p, jp_str name, int flags, jp_str evr,
    int or_next);
uint32_t jp_pool_add_file(struct jp_pool *p, jp_str path);
/* An advisory and its packages and CVE ids. */
struct jp_padv *jp_pool_add_adv(struct jp_pool *p);
void jp_pool_add_adv_pkg(struct jp_pool *p, struct jp_padv *a, jp_str name,
    jp_str arch, jp_str evr);
void jp_pool_add_adv_cve(struct jp_pool *p, struct jp_padv *a, jp_str cve);
/* Remember a repository; returns its index. */
uint32_t jp_pool_add_repo_entry(struct jp_pool *p, const char *path,
    const char *arch);

/*
 * The updateinfo file that an RPM-MD repository's repomd.xml lists,
 * malloc'd; NULL when it lists none (no error) or on an error (recorded).
 */
char *jp_rpmmd_updateinfo_path(struct jp_ctx *ctx, const char *repo);

/* JP_POOL_RPM, JP_POOL_DEB, or 0 when dir is neither kind of repository. */
int jp_pool_repo_format(const char *dir);

/* The two readers behind jp_pool_add_repo (rpmmd_read.c, aptmd_read.c). */
int jp_pool_add_rpmmd(struct jp_ctx *ctx, struct jp_pool *p, const char *path);
int jp_pool_add_apt(struct jp_ctx *ctx, struct jp_pool *p, const char *path,
    const char *deb_arch);

/*
 * After the last add_repo: read from the repositories' filelists the
 * files that requirements name and primary's file lists do not hold
 * (a requirement of one repository may be answered by another's).
 */
int jp_pool_complete(struct jp_ctx *ctx, struct jp_pool *p);

/* Build the name and provides indexes; call after the last add_repo. */
void jp_pool_index(struct jp_pool *p);

/* First package (index + 1) named name, 0 when none; then next_same_name. */
uint32_t jp_pool_first(const struct jp_pool *p, const char *name);

/*
 * Providers of name: the first entry of the provides index, then
 * p->prov_next[e] until 0; each entry names the package p->prov_pkg[e]
 * and its provide p->deps[p->prov_dep[e]] (check the name: buckets are
 * shared).  Only explicit provides are indexed (rpm metadata lists a
 * package's own name among them, deb does not): look names up with
 * jp_pool_first too.
 */
uint32_t jp_pool_prov_first(const struct jp_pool *p, jp_str name);

/*
 * Advisory packages naming name: the first entry (an adv_pkgs index + 1),
 * then p->advp_next[e - 1]; p->advp_adv[e - 1] is the advisory's index.
 * Check the name: buckets are shared.
 */
uint32_t jp_pool_advp_first(const struct jp_pool *p, jp_str name);

/*
 * Packages with file path among their files: the first entry, then
 * p->file_next[e]; p->file_pkg[e] is the package, p->file_name[e] the
 * file (check it: buckets are shared).
 */
uint32_t jp_pool_file_first(const struct jp_pool *p, jp_str path);

/* Look a string up without interning it; 0 when the pool has none. */
jp_str jp_pool_lookup(const struct jp_pool *p, const char *s);

/* Compare two versions (native print forms) in the pool's order. */
int jp_pool_evrcmp(const struct jp_pool *p, const char *a, const char *b);

/*
 * Does version evr (native form) satisfy the constraint (flags, want)?
 * flags 0 is unversioned: always.
 */
int jp_pool_evr_match(const struct jp_pool *p, const char *evr, int flags,
    const char *want);

#endif /* JP_POOL_H */
