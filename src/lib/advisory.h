/*
 * advisory.h: advisories (errata) as RPM-MD updateinfo.xml describes them.
 *
 * Reads one or more updateinfo.xml files (plain, .gz, .xz or .zst), checks
 * each <update> for the fields dnf and zypper need, merges them (the same
 * id twice: the one with the newer <updated> date wins, with a warning),
 * and writes one updateinfo.xml.  Advisories that name packages the
 * repository lacks are kept and reported.
 */
#ifndef JP_ADVISORY_H
#define JP_ADVISORY_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;
struct jp_pkg;

struct jp_adv_pkg {
	char *name, *epoch, *version, *release, *arch, *src, *filename;
};

struct jp_adv_ref {
	char *href, *id, *type, *title;
};

struct jp_advisory {
	char *from, *status, *type, *version;
	char *id, *title, *issued, *updated, *severity, *rights, *release;
	char *summary, *description, *solution;
	int reboot_suggested;
	struct jp_adv_ref *refs;
	size_t nrefs;
	char *collection_short, *collection_name;
	struct jp_adv_pkg *pkgs;
	size_t npkgs;
};

struct jp_advset {
	struct jp_advisory *v;
	size_t n, cap;
};

/* --- reading and merging --- */
/*
 * Parse the updateinfo file at path and merge its advisories into set.
 * Returns 0, or a negative code with a message naming the file and, where
 * known, the line and advisory.
 */
int jp_advisory_load(struct jp_ctx *ctx, const char *path, struct jp_advset *set);
void jp_advset_release(struct jp_advset *set);

/*
 * Warn (jp_warn) about each advisory package that none of pkgs matches by
 * name, epoch, version, release and arch; returns how many were missing.
 */
size_t jp_advisory_check_pkgs(struct jp_ctx *ctx, const struct jp_advset *set,
    struct jp_pkg *const *pkgs, size_t npkgs);

/* --- writing --- */
/* Render the set as updateinfo.xml into a malloc'd buffer. */
int jp_advisory_write_xml(struct jp_ctx *ctx, const struct jp_advset *set,
    char **out, size_t *len);

#endif
