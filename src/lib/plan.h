/*
 * plan.h: the needed-patch set of a host, from what it has installed and
 * what the repositories (a package pool, pool.h) offer.
 *
 * Rules (REFERENCE.md "Needed-patch rules"; dnf's and apt's behaviour):
 * - an update is the newest pool package of an installed name with the
 *   installed arch (rpm: or noarch on either side; deb: or "all") and a
 *   higher version than the newest installed one;
 * - install-only packages (kernel and the others dnf installs beside) are
 *   installed beside the installed ones, not replacing them;
 * - rpm: a pool package that obsoletes an installed one replaces it;
 * - the advisories an update fixes: those listing a package of its name
 *   and arch with a version above the installed one and not above the
 *   update's; --security keeps the updates that fix a security advisory;
 * - what updates require and nothing installed or updated provides is
 *   installed from the pool (the closure); what nothing provides is
 *   reported unsatisfied with the requirement that fails.
 */
#ifndef JP_PLAN_H
#define JP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "pool.h"

struct jp_ctx;

/* One installed package, as a scan gives it. */
struct jp_plan_inst {
	const char *name, *arch;
	const char *evr;          /* native print form */
};

struct jp_plan_opts {
	int security;             /* only updates fixing security advisories */
	const char *min_severity; /* Low, Moderate, Important, Critical */
	const char *const *advisories;   /* only these ids (NULL: all) */
	size_t nadvisories;
	/*
	 * A pool package (index + 1) whose requirements seed the closure as
	 * if it were installed anew: export --request's needs.  0: none.
	 */
	uint32_t seed;
};

struct jp_plan_adv {
	uint32_t adv;             /* index into the pool's advisories */
};

struct jp_plan_update {
	const char *name, *arch;  /* installed name and arch */
	const char *from;         /* installed evr */
	uint32_t to;              /* pool package */
	int installonly;          /* installed beside */
	int obsoletes;            /* "to" obsoletes the installed package */
	uint32_t *advs;           /* indexes into the pool's advisories */
	size_t nadvs;
};

struct jp_plan_install {
	uint32_t pkg;             /* pool package */
	const char *required_by;  /* name of the package that needs it */
};

struct jp_plan_unsat {
	char *package;            /* "name-evr.arch" of the needing package */
	char *requires;           /* the requirement, as rpm/dpkg write it */
};

struct jp_plan_host {
	char *host;
	struct jp_plan_update *updates;
	size_t nupdates;
	struct jp_plan_install *installs;
	size_t ninstalls;
	struct jp_plan_unsat *unsat;
	size_t nunsat;
	uint32_t *needed;         /* advisories that apply and are not installed */
	size_t nneeded;
	uint32_t *patched;        /* advisories whose fixes are installed */
	size_t npatched;
};

/*
 * Plan one host: inst[0..n) installed packages of architecture arch.
 * The pool must be indexed (jp_pool_index).  Returns 0.
 */
int jp_plan_host(struct jp_ctx *ctx, struct jp_pool *pool,
    const struct jp_plan_opts *o, const char *host, const char *arch,
    const struct jp_plan_inst *inst, size_t n, struct jp_plan_host *out);

void jp_plan_host_release(struct jp_plan_host *h);

/* Is name install-only (dnf's installonlypkgs default)? */
int jp_plan_installonly(const struct jp_pool *pool, uint32_t pkg);

#endif /* JP_PLAN_H */
