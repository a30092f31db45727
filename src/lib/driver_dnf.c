/*
 * driver_dnf.c: dnf, and yum with the same command lines (on EL 8 and
 * later yum is dnf).
 *
 * Every command names the repository on its own command line, so nothing
 * is written outside the session (dnf(8), "Options"):
 *   --setopt=reposdir=/dev/null      no system repositories
 *   --repofrompath=jprepo,URL        the one repository, id "jprepo"
 *   --repo=jprepo                    and only it
 *   --setopt=jprepo.skip_if_unavailable=0  a repository that cannot be
 *                                    read (or whose signature is bad) is
 *                                    an error, not skipped with a warning
 *                                    (Debian's dnf.conf defaults to True)
 *   --setopt=cachedir=ROOT/var/cache/jprepo/dnf  a cache of our own, kept
 *                                    between runs (for --download-only):
 *                                    a cachedir option is not taken
 *                                    relative to --installroot, hence ROOT
 *   --setopt=jprepo.metadata_expire=0  always re-read its metadata
 *   --setopt=jprepo.gpgcheck=0       packages carry no signatures of ours
 *   --setopt=jprepo.repo_gpgcheck=1 --setopt=jprepo.gpgkey=file://KEY
 *                                    with a keyring: repomd.xml.asc must
 *                                    verify with KEY
 * With a root other than "/": --installroot=ROOT, --releasever=1 (a
 * scratch root has no system-release package to take it from; the
 * repository URL does not use $releasever) and --noplugins (the host's
 * plugins do not belong to the image).
 *
 * dnf keeps the keys it imported for repo_gpgcheck in
 * CACHEDIR/jprepo-HASH/pubring and trusts them on later runs whatever
 * gpgkey says; open() removes those keyrings first, so that the key of
 * this run's --keyring is the only one trusted.
 *
 * Exact versions are named as NAME-[EPOCH:]VERSION-RELEASE.ARCH, which dnf
 * matches as a full NEVRA.  A dry run is a test transaction
 * (tsflags=test): dependencies resolved, packages fetched, the rpm
 * transaction checked, nothing installed and nothing in dnf's history.
 * History ids come from dnf 4's history database when it is there (see
 * jp_dnf_swdb_id), else from `history list`, whose first row is the
 * newest (`history info last` fails on an empty history).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "ctx.h"
#include "driver.h"
#include "fsutil.h"

static int
jp_dnf_rooted(const struct jp_drv *d)
{
	return d->cfg.root && *d->cfg.root && strcmp(d->cfg.root, "/") != 0;
}

/* ROOT/var/cache/jprepo/NAME (the session's, computed once). */
static const char *
jp_dnf_cachedir(struct jp_drv *d)
{
	if (!d->priv)
		d->priv = jp_xasprintf("%s/var/cache/jprepo/%s",
		    jp_dnf_rooted(d) ? d->cfg.root : "", d->ops->name);
	return d->priv;
}

/* Remove the keyrings dnf imported into our repository's cache. */
static int
jp_dnf_forget_keys(struct jp_drv *d)
{
	const char *dir = jp_dnf_cachedir(d);
	DIR *dp = opendir(dir);
	struct dirent *e;
	struct stat st;
	int rc = 0;

	if (!dp)
		return 0;       /* no cache yet */
	while ((e = readdir(dp)) != NULL) {
		char *p;

		if (strncmp(e->d_name, "jprepo-", 7) != 0)
			continue;
		p = jp_xasprintf("%s/%s/pubring", dir, e->d_name);
		if (lstat(p, &st) == 0 && jp_rm_rf(d->ctx, p) < 0)
			rc = JP_ERR;
		free(p);
	}
	closedir(dp);
	return rc;
}

/* The common head of every command line. */
static void
jp_dnf_head(struct jp_drv *d, struct jp_argv *a, int flags)
{
	const char *prog = d->cfg.program ? d->cfg.program : d->ops->name;

	jp_argv_add(a, prog);
	jp_argv_add(a, "-y");
	if (jp_dnf_rooted(d)) {
		jp_argv_fmt(a, "--installroot=%s", d->cfg.root);
		jp_argv_add(a, "--releasever=1");
		jp_argv_add(a, "--noplugins");
	}
	jp_argv_add(a, "--setopt=reposdir=/dev/null");
	jp_argv_fmt(a, "--setopt=cachedir=%s", jp_dnf_cachedir(d));
	jp_argv_fmt(a, "--repofrompath=jprepo,%s", d->cfg.repo_url);
	jp_argv_add(a, "--repo=jprepo");
	jp_argv_add(a, "--setopt=jprepo.skip_if_unavailable=0");
	jp_argv_add(a, "--setopt=jprepo.metadata_expire=0");
	jp_argv_add(a, "--setopt=jprepo.gpgcheck=0");
	if (d->cfg.keyring) {
		jp_argv_add(a, "--setopt=jprepo.repo_gpgcheck=1");
		jp_argv_fmt(a, "--setopt=jprepo.gpgkey=file://%s",
		    d->cfg.keyring);
	} else {
		jp_argv_add(a, "--setopt=jprepo.repo_gpgcheck=0");
	}
	if (flags & JP_DRV_DRYRUN)
		jp_argv_add(a, "--setopt=tsflags=test");
	if (flags & JP_DRV_DOWNLOAD)
		jp_argv_add(a, "--downloadonly");
}

static int
jp_dnf_run(struct jp_drv *d, struct jp_argv *a)
{
	int rc = jp_drv_spawn(d, a->v, NULL);

	jp_argv_release(a);
	return rc;
}

/* The last line of output that says what went wrong, for messages. */
static char *
jp_dnf_error_line(const char *out)
{
	const char *best = NULL, *last = NULL, *p = out;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *l = jp_xstrndup(p, n);

		/* an error line, else the last line with something in it
		 * (e.g. "Failed closing tmp file ...: No space left on
		 * device" when its cache cannot be written) */
		if (!strncmp(l, "Error", 5) || strstr(l, "rror:") ||
		    strstr(l, "Curl error") || strstr(l, "signature") ||
		    strstr(l, "GPG") || strstr(l, "No space left"))
			best = p;
		if (strspn(l, " \t\r") < n)
			last = p;
		free(l);
		p = nl ? nl + 1 : NULL;
	}
	if (!best)
		best = last;
	if (!best)
		return jp_xstrdup("(no error message)");
	return jp_xstrndup(best, strcspn(best, "\n"));
}

static int
jp_dnf_open(struct jp_drv *d)
{
	struct jp_argv a = { 0 };
	int rc;

	rc = jp_dnf_forget_keys(d);
	if (rc < 0)
		return rc;
	jp_dnf_head(d, &a, 0);
	jp_argv_add(&a, "makecache");
	rc = jp_dnf_run(d, &a);
	if (rc > 0) {
		char *line = jp_drv_killed(d);

		if (!line)
			line = jp_dnf_error_line(jp_drv_last_output(d));

		rc = jp_error_set(d->ctx, JP_ERR, "%s cannot read the "
		    "repository %s: %s", d->ops->name, d->cfg.repo_url, line);
		free(line);
	}
	return rc < 0 ? rc : 0;
}

static void
jp_dnf_nevra(struct jp_argv *a, const struct jp_drv_pkg *p)
{
	if (p->evr && p->arch)
		jp_argv_fmt(a, "%s-%s.%s", p->name, p->evr, p->arch);
	else if (p->evr)
		jp_argv_fmt(a, "%s-%s", p->name, p->evr);
	else if (p->arch)
		jp_argv_fmt(a, "%s.%s", p->name, p->arch);
	else
		jp_argv_add(a, p->name);
}

static int
jp_dnf_install(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	struct jp_argv a = { 0 };
	size_t i;

	jp_dnf_head(d, &a, flags);
	/* install with full NEVRAs updates, installs beside (install-only
	 * names) and, given older versions, downgrades (dnf(8), "Install
	 * Command": "...can be also used to downgrade") */
	jp_argv_add(&a, "install");
	for (i = 0; i < n; i++)
		jp_dnf_nevra(&a, &p[i]);
	return jp_dnf_run(d, &a);
}

static int
jp_dnf_remove(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	struct jp_argv a = { 0 };
	size_t i;

	jp_dnf_head(d, &a, flags & ~JP_DRV_DOWNLOAD);
	jp_argv_add(&a, "remove");
	/* no autoremoval of dependencies: only what was asked */
	jp_argv_add(&a, "--setopt=clean_requirements_on_remove=0");
	for (i = 0; i < n; i++)
		jp_dnf_nevra(&a, &p[i]);
	return jp_dnf_run(d, &a);
}

static int
jp_dnf_undo(struct jp_drv *d, const char *pm_id, int flags)
{
	struct jp_argv a = { 0 };

	jp_dnf_head(d, &a, flags & ~JP_DRV_DOWNLOAD);
	jp_argv_add(&a, "history");
	jp_argv_add(&a, "undo");
	jp_argv_add(&a, pm_id);
	return jp_dnf_run(d, &a);
}

/*
 * dnf's remove --duplicates (dnf/cli/commands/remove.py): per name.arch
 * installed at several versions, less its installonlypkgs, the newest is
 * reinstalled when the repository has it and the others are erased.
 * With none it exits 1 saying "No duplicated packages found for
 * removal.": that is nothing to do, not a failure.
 */
static int
jp_dnf_dedupe(struct jp_drv *d, int flags)
{
	struct jp_argv a = { 0 };
	int rc;

	jp_dnf_head(d, &a, flags & ~JP_DRV_DOWNLOAD);
	jp_argv_add(&a, "remove");
	jp_argv_add(&a, "--duplicates");
	jp_argv_add(&a, "--setopt=clean_requirements_on_remove=0");
	rc = jp_dnf_run(d, &a);
	if (rc > 0 && strstr(jp_drv_last_output(d), "No duplicated packages"))
		rc = 0;
	return rc;
}

/*
 * dnf 4 keeps its history in ROOT/var/lib/dnf/history.sqlite (libdnf's
 * "swdb", table trans, one row per transaction, id ascending).  Reading
 * its newest id there spares a run of dnf (about 0.13 s).  Returns 1 with
 * *id set, 0 when the database is not there or not of that shape (then
 * dnf is asked).
 */
static int
jp_dnf_swdb_id(struct jp_drv *d, char **id)
{
	char *path = jp_xasprintf("%s/var/lib/dnf/history.sqlite",
	    jp_dnf_rooted(d) ? d->cfg.root : "");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (access(path, R_OK) == 0 &&
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT max(id) FROM trans", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_INTEGER)
			*id = jp_xasprintf("%lld", (long long)
			    sqlite3_column_int64(st, 0));
		found = 1;      /* an empty history: no id */
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return found;
}

/* The first row of `history list`: "   12 | cmdline | date | ...". */
static int
jp_dnf_last_id(struct jp_drv *d, char **id)
{
	struct jp_argv a = { 0 };
	const char *p;
	int rc;

	*id = NULL;
	/* yum is asked: it may be yum 3, whose history is its own */
	if (!strcmp(d->ops->name, "dnf") && jp_dnf_swdb_id(d, id))
		return 0;
	jp_dnf_head(d, &a, 0);
	jp_argv_add(&a, "-q");
	jp_argv_add(&a, "history");
	jp_argv_add(&a, "list");
	d->querying = 1;
	rc = jp_dnf_run(d, &a);
	d->querying = 0;
	if (rc < 0)
		return rc;
	if (rc > 0)
		return jp_error_set(d->ctx, JP_ERR, "%s cannot list its "
		    "history (exit %d)", d->ops->name, rc);
	for (p = jp_drv_last_output(d); *p; ) {
		const char *q = p;
		size_t n;

		while (*q == ' ')
			q++;
		n = 0;
		while (isdigit((unsigned char)q[n]))
			n++;
		if (n && (q[n] == ' ' || q[n] == '|')) {
			*id = jp_xstrndup(q, n);
			return 0;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

static void
jp_dnf_close(struct jp_drv *d)
{
	free(d->priv);
	d->priv = NULL;
}

const struct jp_drv_ops jp_drv_dnf_ops = {
	"dnf", jp_dnf_open, jp_dnf_install, jp_dnf_remove, jp_dnf_undo,
	jp_dnf_last_id, jp_dnf_close, jp_dnf_dedupe,
};

const struct jp_drv_ops jp_drv_yum_ops = {
	"yum", jp_dnf_open, jp_dnf_install, jp_dnf_remove, jp_dnf_undo,
	jp_dnf_last_id, jp_dnf_close, jp_dnf_dedupe,
};
