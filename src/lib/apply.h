/*
 * apply.h: what `jprepo apply` and `jprepo rollback` need besides the
 * drivers and the journal: the updates to apply (from a plan file or
 * planned here against local repositories), what changed between two
 * scans of a host, and maintenance windows.
 */
#ifndef JP_APPLY_H
#define JP_APPLY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct jp_ctx;
struct jp_scan;
struct jp_pool;

/* An advisory an update fixes, as the plan gives it. */
struct jp_apply_adv {
	char *id, *type, *severity, *issued;   /* NULL when not given */
};

/* One update to apply. */
struct jp_apply_item {
	char *name, *arch;        /* the package to install: name, to_arch */
	char *inst_name;          /* the installed package it updates or
				     replaces (obsoletes) */
	char *inst_arch;          /* and its arch */
	char *from;               /* installed version */
	char *to;                 /* the version to install */
	int installonly;          /* installed beside the installed ones */
	char *advisories;         /* ids, space-separated; NULL: none */
	struct jp_apply_adv *advs;  /* the same advisories in full */
	size_t nadvs;
};

/* A host's updates. */
struct jp_apply_set {
	char *host;
	int format, manager;      /* enum jp_scan_format, jp_scan_manager */
	int64_t scanned;          /* when the scan it comes from was taken */
	char state[65];           /* that scan's jp_scan_state_digest; "" when
				     the plan does not give it */
	struct jp_apply_item *items;
	size_t n;
};

void jp_apply_set_release(struct jp_apply_set *s);

/*
 * Parse a plan (jprepo-plan(5), the len bytes at data; what names it in
 * messages) and call fn with each host's section, in order.  fn may take
 * what it wants from *s (setting those fields to NULL or zero); the parser
 * releases the rest.  fn returns 0 to go on, or a negative code (with a
 * message) that stops the parse and is returned.  Returns 0, or a negative
 * code with a message naming what: not JSON, not a plan, a version other
 * than 1, no "hosts", a host without "host", a field of the wrong type.
 */
int jp_apply_plan_parse(struct jp_ctx *ctx, const char *what,
    const char *data, size_t len,
    int (*fn)(void *opaque, struct jp_apply_set *s), void *opaque);

/*
 * Read the section of host from the plan file at path (jprepo-plan(5)).
 * Returns 1 and fills *out, 0 when the plan has no such host (*out holds
 * the list of the hosts it has, comma-separated, in out->host, for the
 * message), or a negative code with a message naming the file (not JSON,
 * not a plan, a newer version, a bad field).
 */
int jp_apply_plan_read(struct jp_ctx *ctx, const char *path,
    const char *host, struct jp_apply_set *out);

/*
 * Plan the host of scan against pool (indexed, of the scan's format):
 * the updates as `jprepo plan` finds them; security: only those fixing a
 * security advisory.  Returns 0.
 */
int jp_apply_plan_pool(struct jp_ctx *ctx, struct jp_pool *pool,
    const struct jp_scan *scan, int security, struct jp_apply_set *out);

/* Does pool hold name.arch at version evr (native print form)? */
int jp_apply_pool_has(const struct jp_pool *pool, const char *name,
    const char *arch, const char *evr);

/*
 * One difference between two scans of a host: name.arch went from version
 * from to version to; from NULL: newly installed; to NULL: removed.
 */
struct jp_change {
	char *name, *arch, *from, *to;
};

/*
 * What changed from scan a to scan b (packages present,
 * jp_scan_pkg_present):
 * per name and arch, versions that went away are paired with versions
 * that came, in version order; the rest are installs or removals.  Sorted
 * by name, arch.  Returns the number of changes, *out malloc'd (NULL when
 * none).
 */
size_t jp_apply_diff(const struct jp_scan *a, const struct jp_scan *b,
    struct jp_change **out);
void jp_changes_free(struct jp_change *c, size_t n);

/*
 * rpm packages installed at several versions of one name and arch, the
 * way an update killed between installing the new version and erasing
 * the old one leaves them (rpm installs the new header first): one
 * change per older version, from it to the newest one.  Install-only
 * packages have several versions on purpose: names starting with
 * "kernel" or "kmod-", names in skip (NULL-terminated, may be NULL), and
 * gpg-pubkey (rpm's imported keys) are left out; the package manager
 * decides the rest (dnf's remove --duplicates skips its installonlypkgs).
 * dpkg cannot hold two versions: 0 for deb scans.  Sorted by name, arch.
 */
size_t jp_apply_duplicates(const struct jp_scan *s, const char *const *skip,
    struct jp_change **out);

/*
 * A maintenance window: "[DAYS] HH:MM-HH:MM" in local time.  DAYS is a
 * comma-separated list of days or day ranges (Mon, Tue, ..., Sun, or
 * their full English names; "Mon-Fri"; "daily" or nothing: every day).
 * An end at or before the start crosses midnight: "Sat 22:00-02:00"
 * starts on Saturday and ends on Sunday at 02:00.
 */
struct jp_window {
	unsigned days;            /* bit n: the window starts on day n, 0 = Sunday */
	int start, end;           /* minutes after midnight */
};

/* Returns 0, or JP_ERR_USAGE with a message quoting the spec. */
int jp_window_parse(struct jp_ctx *ctx, const char *spec, struct jp_window *w);
/*
 * Is time t inside the window?  Returns 1 and sets *closes (when not NULL)
 * to the time it closes, else 0 and sets *opens (when not NULL) to when it
 * next opens.
 */
int jp_window_inside(const struct jp_window *w, time_t t, time_t *closes,
    time_t *opens);

#endif /* JP_APPLY_H */
