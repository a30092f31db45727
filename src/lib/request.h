/*
 * request.h: request files (jprepo-request(5), version 1): what a fleet
 * runs and lacks, written by `jprepo plan --request-out` on the isolated
 * side, answered by `jprepo export --request` on the connected side.
 *
 * Hosts are grouped by package format, OS id, OS version and
 * architecture; a group lists every distinct installed package and every
 * distinct requirement its plans found unsatisfied.
 */
#ifndef JP_REQUEST_H
#define JP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "pool.h"

struct jp_ctx;

#define JP_REQUEST_VERSION 1

struct jp_strset {
	char **v;                /* open addressing; NULL = empty slot */
	size_t cap, n;
};

struct jp_req_group {
	int format;              /* JP_POOL_RPM or JP_POOL_DEB */
	char *os, *osver, *arch; /* NULL: "-" */
	struct jp_strset have;   /* "name arch version" */
	struct jp_strset need;   /* requirement texts */
};

struct jp_request {
	char created[21];
	uint64_t hosts;
	struct jp_req_group *groups;
	size_t ngroups;
};

void jp_request_init(struct jp_request *r);
void jp_request_release(struct jp_request *r);

/* Add one planned host: its installed packages and unsatisfied needs. */
void jp_request_add_host(struct jp_request *r, int format, const char *os,
    const char *osver, const char *arch, const struct jp_plan_inst *inst,
    size_t n, char *const *needs, size_t nneeds);

/* Add everything src holds to dst. */
void jp_request_merge(struct jp_request *dst, const struct jp_request *src);

/* Write r (groups and lines sorted) to path, atomically. */
int jp_request_write(struct jp_ctx *ctx, const struct jp_request *r,
    const char *path);

/* Read a request file; errors name the file and line. */
int jp_request_read(struct jp_ctx *ctx, const char *path,
    struct jp_request *r);

/*
 * What to carry for group g from the repository packages in pool (one
 * repository, indexed, of g's format): the updates a host with the
 * group's newest installed version of each name.arch would take, the new
 * packages they need, and the providers of the group's needs with what
 * they need.  Pool package indexes into *pkgs (malloc'd, sorted, each
 * once).  May add strings and one package to the pool.
 */
int jp_request_select(struct jp_ctx *ctx, struct jp_pool *pool,
    const struct jp_req_group *g, uint32_t **pkgs, size_t *n);

struct jp_export_file;

/*
 * What export --request carries from the repositories repos[0..n) for
 * every group of req: the selected package files, at their paths in each
 * repository, and for RPM-MD repositories the advisories that list a
 * carried package, written into a file under tmpdir that travels as
 * REPO/jprepo-request-updateinfo.xml.  The strings of *files are
 * malloc'd (free them with jp_request_files_free); *npkgs counts the
 * packages.
 */
int jp_request_files(struct jp_ctx *ctx, const struct jp_request *req,
    char *const *repos, size_t n, const char *tmpdir,
    struct jp_export_file **files, size_t *nfiles, size_t *npkgs);
void jp_request_files_free(struct jp_export_file *files, size_t n);

#define JP_REQUEST_ADVISORIES "jprepo-request-updateinfo.xml"

#endif /* JP_REQUEST_H */
