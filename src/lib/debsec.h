/*
 * debsec.h: Debian security feeds as advisories of an APT repository.
 *
 * Reads the two feeds the Debian Security Tracker publishes and turns what
 * they say about one release (the repository's codename) into advisories
 * (advisory.h) over the repository's own binary packages:
 *
 *   - the DSA and DLA lists (security-tracker data/DSA/list,
 *     data/DLA/list): one advisory per block, its id (DSA-5560-1), date,
 *     title and CVEs from the block, its fixes from the "[RELEASE] -
 *     SOURCE VERSION" lines of the release;
 *   - the tracker's JSON dump (https://security-tracker.debian.org/
 *     tracker/data/json: source package -> issue -> release -> status,
 *     fixed_version, urgency), read as a stream: one advisory
 *     "DEBIAN-SOURCE-VERSION" per source package and fixed version of the
 *     release, grouping the issues ("resolved" with a fixed version) fixed
 *     there, its severity the highest urgency among them.
 *
 * A fix (source package, version) names the repository's binary packages
 * built from that source (their Source field, or their own name when they
 * have none) at or above that version: the source version of the Source
 * field's "(VERSION)" when it has one, else the package's version, in
 * dpkg order.  Of each name and architecture only the lowest such version
 * goes into the advisory: the update that fixes the issue, as an RPM
 * advisory names it (a client takes an advisory as applicable when one of
 * its packages is newer than the installed one, so a newer version listed
 * too would flag hosts that already have the fix).  Advisories that name
 * no binary package of the repository are left out and counted.
 *
 * Feeds may be compressed (gzip, xz, zstd, bzip2); their format is
 * recognised from their content (jp_debsec_detect()).
 */
#ifndef JP_DEBSEC_H
#define JP_DEBSEC_H

#include <stddef.h>

struct jp_ctx;
struct jp_pkg;
struct jp_advset;

enum jp_debsec_format {
	JP_DEBSEC_UPDATEINFO = 1,  /* XML: an updateinfo.xml (RPM-MD) */
	JP_DEBSEC_TRACKER_JSON,    /* a JSON document: the tracker's dump */
	JP_DEBSEC_ADV_LIST,        /* anything else: a DSA or DLA list */
};

/* The feeds read for one release, and the packages they are mapped to. */
struct jp_debsec;

/* --- lifetime --- */
/*
 * A new, empty reader for release codename over the repository's binary
 * packages pkgs (JP_PKG_DEB records with their control fields), which
 * must outlive it.  jp_debsec_free(NULL) is a no-op.
 */
struct jp_debsec *jp_debsec_new(const char *codename,
    struct jp_pkg *const *pkgs, size_t npkgs);
void jp_debsec_free(struct jp_debsec *ds);

/* --- reading --- */
/*
 * The format of the feed file at path, from its first byte that is not
 * whitespace (after decompression; a UTF-8 byte order mark is skipped):
 * '<' updateinfo XML, '{' JSON (the dump is an object), anything else a
 * DSA/DLA list (whose first line starts with '[').
 * Returns an enum jp_debsec_format, or a negative code with a message
 * (the file cannot be read, or holds nothing but whitespace).
 */
int jp_debsec_detect(struct jp_ctx *ctx, const char *path);

/*
 * Read the feed at path (tracker JSON or a DSA/DLA list; an updateinfo
 * file is refused) and keep what it says about the release.  JSON
 * advisories are dated with the file's modification time (the dump holds
 * no dates).  Returns 0, or a negative code with a message naming the file
 * and the line or byte offset where it went wrong; on error nothing of
 * this file is kept.
 */
int jp_debsec_load(struct jp_ctx *ctx, struct jp_debsec *ds, const char *path);

/* --- the advisories --- */
/*
 * Fill set, which must be empty, with the advisories read so far that
 * name at least one of the packages (the caller releases them with
 * jp_advset_release()), in the
 * form jp_advisory_write_xml() writes; *nleft gets how many were left out
 * because they name none.  Of two advisories with one id (the same feed
 * given twice), the one read first is kept, with a warning.  Returns 0,
 * or a negative code with a message.
 */
int jp_debsec_advisories(struct jp_ctx *ctx, const struct jp_debsec *ds,
    struct jp_advset *set, size_t *nleft);

/*
 * Split a .deb's version (without its epoch) as updateinfo's <package>
 * holds it, the way dpkg reads it (deb-version(7)): *version the upstream
 * version, up to the last '-', and *release the Debian revision after it,
 * "" for a native package without one.  Both are malloc'd.
 */
void jp_debsec_split_version(const char *v, char **version, char **release);

#endif
