/*
 * verify.h: check the chain of trust of a repository, link by link.
 *
 * RPM-MD: repomd.xml.asc over repomd.xml, repomd.xml's checksum and size
 * of each metadata file, primary.xml's checksum and size of each package.
 * APT: InRelease (or Release.gpg over Release), Release's SHA256 and size
 * of each index it lists, Packages' SHA256 and Size of each package.
 * Problems are collected, in the order of the chain, into a result; the
 * first error is the first broken link.
 */
#ifndef JP_VERIFY_H
#define JP_VERIFY_H

#include <stddef.h>

struct jp_ctx;

enum jp_verify_format {
	JP_VERIFY_RPMMD = 1,
	JP_VERIFY_APT = 2,
};

enum jp_verify_sig {
	JP_VERIFY_SIG_UNCHECKED = 0, /* no keyring given */
	JP_VERIFY_SIG_GOOD,
	JP_VERIFY_SIG_BAD,
	JP_VERIFY_SIG_MISSING,
};

struct jp_verify_opts {
	const char *keyring;  /* OpenPGP keys to trust; NULL: no check */
	int packages;         /* also check each package's checksum */
	int jobs;             /* worker threads for the checksums (>= 1) */
};

/* One problem: the file (relative to the repository) and what is wrong. */
struct jp_verify_problem {
	char *file;
	char *problem;
};

struct jp_verify_result {
	int format;                       /* enum jp_verify_format */
	int signature;                    /* enum jp_verify_sig */
	struct jp_verify_problem *errors;
	size_t nerrors, caperrors;
	struct jp_verify_problem *warnings;
	size_t nwarnings, capwarnings;
	size_t packages;                  /* packages the metadata lists */
};

/*
 * Check the repository at `repo`.  Returns 0 when the check ran (broken
 * links are then in res->errors, possibly none), or a negative code with a
 * message when it could not run: repo missing or unreadable, or neither
 * repodata/repomd.xml nor dists/SUITE/{InRelease,Release} found.  Release
 * res with jp_verify_result_release() in both cases.
 */
int jp_verify(struct jp_ctx *ctx, const char *repo,
    const struct jp_verify_opts *opts, struct jp_verify_result *res);
void jp_verify_result_release(struct jp_verify_result *res);

/* "rpm-md"/"apt" and "good"/"bad"/"missing"/"unchecked". */
const char *jp_verify_format_name(int format);
const char *jp_verify_sig_name(int sig);

#endif
