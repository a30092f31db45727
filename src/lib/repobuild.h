/*
 * repobuild.h: building a repository's metadata from its package files.
 *
 * The whole of `jprepo build` below the command line: lock the repository,
 * find the package files (.rpm for RPM-MD, .deb for APT; never both), take
 * unchanged ones from the cache, read the rest on worker threads, write new
 * metadata (repodata/ or dists/SUITE/) beside the old and swap it in with
 * one rename, then update the cache.  A failure before the swap leaves the
 * repository exactly as it was.
 */
#ifndef JP_REPOBUILD_H
#define JP_REPOBUILD_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;

/* The package format of a repository, found from its files. */
enum jp_repo_format {
	JP_REPO_UNKNOWN = 0,        /* no packages: decided by hints */
	JP_REPO_RPM,                /* .rpm files -> repodata/ */
	JP_REPO_APT,                /* .deb files -> dists/SUITE/ */
};

struct jp_build_opts {
	int jobs;                   /* worker threads, >= 1 */
	int compress;               /* enum jp_compress (rpmmd.h), RPM-MD only */
	int compress_set;           /* --compress was given */
	int no_cache;               /* do not take records from the cache */
	int strict;                 /* any bad package: publish nothing */
	int wait_secs;              /* lock wait: 0 fail at once, -1 forever */
	const char *const *advisories; /* updateinfo files, NULL-terminated */
	int64_t revision;           /* metadata revision and timestamps */
	/* APT repositories (aptmd.h); suite NULL means "stable" */
	const char *suite, *codename, *component, *origin, *label;
	int valid_for_days;         /* > 0: Release carries Valid-Until */
	int apt_hint;               /* an APT option was given: an empty
	                               repository is an APT one */
	/* --sign: sign the new metadata before it is published (pgp.h) */
	const char *sign_key;       /* NULL: publish unsigned */
	const char *sign_homedir;   /* NULL: $GNUPGHOME or ~/.gnupg */
	const char *sign_passphrase_file;
};

/* A package file or directory left out of a build. */
struct jp_build_failure {
	char *path;                 /* relative to the repository */
	char *error;                /* why, as reported on stderr */
};

struct jp_build_stats {
	int format;                 /* enum jp_repo_format built */
	size_t packages;            /* packages in the published metadata */
	size_t added;               /* read from their files this time */
	size_t reused;              /* taken from the cache */
	size_t removed;             /* in the cache, gone from the tree */
	size_t failed;              /* bad packages left out */
	struct jp_build_failure *failures; /* the failed of them, in the
	                               order they were reported */
	size_t nfailures;           /* == failed */
	size_t sources;             /* source packages skipped */
	size_t duplicates;          /* NEVRAs seen twice, later ones left out */
	size_t adv_missing;         /* advisory packages the repository lacks */
	int up_to_date;             /* nothing changed: nothing was written */
	double seconds;
};

/*
 * Build the metadata of the repository at `repo`.  Returns 0 when metadata
 * was published (or was already up to date); bad packages then set
 * ctx->had_error and are counted in stats->failed.  Returns a negative code
 * with a message when nothing was published: JP_ERR_BUSY when another
 * process holds the repository's lock.  Either way, release stats with
 * jp_build_stats_release() afterwards.
 */
int jp_repobuild(struct jp_ctx *ctx, const char *repo,
    const struct jp_build_opts *opts, struct jp_build_stats *stats);

/* Free what jp_repobuild() put into stats (the failures). */
void jp_build_stats_release(struct jp_build_stats *stats);

#endif
