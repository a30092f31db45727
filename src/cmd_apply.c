/*
 * cmd_apply.c: `jprepo apply`, install the updates a host needs from the
 * local repository through the host's own package manager, one by one or
 * in one transaction, and journal what really changed.
 *
 * What changed is never taken from the manager's word alone: the host is
 * scanned before and after every run of the manager, and the journal
 * records the difference (apply.h, jp_apply_diff).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "fsutil.h"
#include "hostrun.h"

static const char apply_usage[] =
	"usage: jprepo apply --repo REPO|URL [--root DIR] [--pm PM]\n"
	"                    [--mode one-by-one|bulk] [--dry-run] [--download-only]\n"
	"                    [--window SPEC] [--security] [--keyring KEY]\n"
	"                    [--host NAME] [--suite S] [--json] [PLAN]\n";

static void
apply_help(void)
{
	fputs(apply_usage, stdout);
	fputs("\nInstall the updates this host (or the system image under --root)\n"
	    "needs from one repository, through its own package manager, and\n"
	    "record each run in ROOT/var/lib/jprepo/journal.sqlite.  Without\n"
	    "PLAN the host is scanned and planned against the repository here;\n"
	    "with PLAN (jprepo-plan(5)) the host's section is applied, and a plan\n"
	    "made from a scan older than the host's current state is refused.\n\n"
	    "Options:\n"
	    "      --repo REPO|URL   the repository: a directory, file:// or\n"
	    "                        http(s):// URL (https needs a PLAN)\n"
	    "      --root DIR        act on the system image under DIR\n"
	    "      --pm PM           dnf, yum, zypper or apt (default: the one\n"
	    "                        the scan finds)\n"
	    "      --mode MODE       one-by-one (default): one transaction per\n"
	    "                        update, a failure stays alone; bulk: one\n"
	    "                        transaction, undone as a whole on failure\n"
	    "  -n, --dry-run         let the package manager resolve and test,\n"
	    "                        change nothing, journal nothing\n"
	    "      --download-only   fetch the packages into the package manager's\n"
	    "                        cache for a later apply\n"
	    "      --window SPEC     run only inside the maintenance window SPEC,\n"
	    "                        such as 'Sat 02:00-05:00' (local time)\n"
	    "      --security        only updates that fix security advisories\n"
	    "                        (when planning here)\n"
	    "      --keyring KEY     the public key that signs the repository;\n"
	    "                        required when it is signed\n"
	    "      --host NAME       the host's name in the scan and the PLAN\n"
	    "      --suite S         APT: the suite (default: the only one)\n"
	    "      --json            print the outcome as JSON on stdout\n"
	    "  -q, --quiet           print errors only\n"
	    "  -v, --verbose         say more\n"
	    "  -h, --help            show this help\n\n"
	    "Exit status: 0 all updates went in (or nothing to do), 1 some failed\n"
	    "(or bulk: the transaction failed and was undone), 2 usage error,\n"
	    "3 nothing could be done, 4 another apply or rollback is running.\n"
	    "See jprepo-apply(1).\n", stdout);
}

enum {
	OPT_REPO = 256, OPT_ROOT, OPT_PM, OPT_MODE, OPT_DOWNLOAD, OPT_WINDOW,
	OPT_SECURITY, OPT_KEYRING, OPT_HOST, OPT_SUITE, OPT_JSON,
};

struct apply {
	struct jp_ctx *ctx;
	struct hostrun hr;
	struct jp_apply_set set;
	int bulk, dry, download;
	int have_window;
	struct jp_window win;
	const char *window_spec;
	/* outcome */
	size_t ok, failed, skipped;
	size_t dup_ok, dup_failed; /* older duplicates removed, left */
	char *pm_ids;             /* ids of the manager's transactions */
	int json;                 /* --json: results collected, printed at the end */
	struct said {
		const struct jp_apply_item *it;
		char *result, *detail;
	} *said;
	size_t nsaid;
};

/*
 * SIGINT, SIGTERM, SIGHUP: the package manager's run in progress finishes
 * (it gets the terminal's SIGINT itself and handles it), its outcome is
 * journaled, and no further update is started.
 */
static volatile sig_atomic_t apply_stop;

static void
on_stop(int sig)
{
	apply_stop = sig;
}

static void
catch_stops(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void
add_pm_id(struct apply *a, const char *id)
{
	size_t n = a->pm_ids ? strlen(a->pm_ids) : 0;

	a->pm_ids = jp_xrealloc(a->pm_ids, n + strlen(id) + 2);
	if (n)
		a->pm_ids[n++] = ' ';
	strcpy(a->pm_ids + n, id);
}

static void
say(struct apply *a, const struct jp_apply_item *it, const char *result,
    const char *detail)
{
	struct said *x;

	a->said = jp_xrealloc(a->said, (a->nsaid + 1) * sizeof(*a->said));
	x = &a->said[a->nsaid++];
	x->it = it;
	x->result = jp_xstrdup(result);
	x->detail = detail ? jp_xstrdup(detail) : NULL;
	if (a->json)
		return;
	printf("%-8s %s.%s %s -> %s%s%s\n", result, it->name, it->arch,
	    it->from ? it->from : "(new)", it->to, detail ? ": " : "",
	    detail ? detail : "");
	fflush(stdout);
}

static struct jp_drv_pkg
item_pkg(const struct jp_apply_item *it)
{
	struct jp_drv_pkg p;

	p.name = it->name;
	p.arch = it->arch;
	p.evr = it->to;
	return p;
}

/* Is the item's target installed? */
static int
item_done(struct apply *a, const struct jp_apply_item *it)
{
	return hostrun_has(&a->hr, it->name, it->arch, it->to);
}

/* The item whose target change c is, or NULL. */
static const struct jp_apply_item *
change_item(struct apply *a, const struct jp_change *c, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const struct jp_apply_item *it = &a->set.items[i];

		if (c->to && !strcmp(c->name, it->name) &&
		    !strcmp(c->arch, it->arch) && !strcmp(c->to, it->to))
			return it;
	}
	return NULL;
}

/*
 * The from-version to journal for change c of item it: the version c
 * replaced, or, when none went away (rpm had installed the new version
 * and was stopped before erasing the old one, which is still there), the
 * version the item updates from; NULL for a new or install-only package.
 */
static const char *
change_from(const struct jp_change *c, const struct jp_apply_item *it)
{
	if (c->from || !it || it->installonly)
		return c->from;
	return it->from;
}

/*
 * Journal the changes of one step: items [i0, i1) were asked for.
 * result_ok is the result word of changes that stay.
 */
static void
journal_changes(struct apply *a, const struct jp_change *c, size_t n,
    size_t i0, size_t i1, const char *result, const char *pm_id)
{
	size_t k;

	for (k = 0; k < n; k++) {
		const struct jp_apply_item *it = change_item(a, &c[k], i0, i1);
		char *msg;

		if (it)
			msg = it->advisories ? jp_xasprintf("fixes %s",
			    it->advisories) : NULL;
		else if (i1 - i0 == 1)
			msg = jp_xasprintf("%s by the update of %s",
			    !c[k].from ? "installed" : !c[k].to ? "removed" :
			    "changed", a->set.items[i0].name);
		else
			msg = jp_xstrdup(!c[k].from ? "installed as a dependency" :
			    !c[k].to ? "removed by the transaction" :
			    "changed by the transaction");
		hostrun_pkg(&a->hr, c[k].name, c[k].arch, change_from(&c[k], it),
		    c[k].to, result, msg, pm_id);
		free(msg);
	}
}

/*
 * Journal a failed step (items [i0, i1)): each asked-for item once, as
 * failed with line (and whether its change was undone), the other changes
 * as reverted (or failed: left behind when the undo did not work).
 */
static void
journal_failure(struct apply *a, const struct jp_change *c, size_t n,
    size_t i0, size_t i1, int undone, const char *line, const char *pm_id)
{
	char *seen = jp_xcalloc(i1 - i0 + 1, 1);
	size_t k, i;

	for (k = 0; k < n; k++) {
		const struct jp_apply_item *it = change_item(a, &c[k], i0, i1);
		char *msg;

		if (it) {
			seen[it - a->set.items - i0] = 1;
			msg = jp_xasprintf("%s%s", line, undone ?
			    " (undone with the rest)" : "");
			hostrun_pkg(&a->hr, c[k].name, c[k].arch,
			    change_from(&c[k], it), c[k].to, undone ||
			    !item_done(a, it) ? "failed" : "ok", msg, undone ?
			    NULL : pm_id);
			free(msg);
			continue;
		}
		msg = jp_xstrdup(undone ? "undone: the transaction failed" :
		    "left behind: the transaction failed and undoing it did "
		    "not work");
		hostrun_pkg(&a->hr, c[k].name, c[k].arch, c[k].from, c[k].to,
		    undone ? "reverted" : "failed", msg, undone ? NULL : pm_id);
		free(msg);
	}
	for (i = i0; i < i1; i++) {
		const struct jp_apply_item *it = &a->set.items[i];

		if (!seen[i - i0])
			hostrun_pkg(&a->hr, it->name, it->arch, it->from, it->to,
			    "failed", line, NULL);
	}
	free(seen);
}

/* Undo a failed step's changes: history undo where there is one, else
 * the inverse operations.  Returns 0 when the host is back at *before. */
static int
undo_step(struct apply *a, const struct jp_scan *before, const char *new_id,
    const struct jp_change *c, size_t n)
{
	struct jp_change *left = NULL;
	size_t nleft;
	int rc;

	if (new_id && jp_drv_has_history(a->hr.drv))
		rc = jp_drv_undo(a->hr.drv, new_id, 0);
	else
		rc = hostrun_revert(&a->hr, c, n);
	if (rc < 0)
		jp_warn(a->ctx, "%s", jp_error_msg(a->ctx));
	if (hostrun_rescan(&a->hr, NULL) < 0) {
		jp_warn(a->ctx, "%s", jp_error_msg(a->ctx));
		return -1;
	}
	nleft = jp_apply_diff(before, &a->hr.scan, &left);
	jp_changes_free(left, nleft);
	return nleft ? -1 : 0;
}

/*
 * One run of the package manager installing p[0..n): *status gets the
 * run's status (0, the manager's exit status, or negative when it could
 * not run), *line its most telling error line (NULL when it reported
 * success), *id1 the manager's newest history id after it and *new_id that
 * id when it is new (else NULL); the host is scanned again, the scan
 * before the run going to *before.  Returns 0, or negative when the host
 * could not be scanned after the run (message set).
 */
static int
install_step(struct apply *a, const struct jp_drv_pkg *p, size_t n,
    const char *id0, int *status, char **line, char **id1,
    const char **new_id, struct jp_scan *before)
{
	int rc = jp_drv_install(a->hr.drv, p, n, 0);

	*status = rc;
	*line = rc == 0 ? NULL : rc < 0 ? jp_xstrdup(jp_error_msg(a->ctx)) :
	    hostrun_error_line(&a->hr);
	*id1 = hostrun_last_id(&a->hr);
	*new_id = *id1 && (!id0 || strcmp(id0, *id1)) ? *id1 : NULL;
	return hostrun_rescan(&a->hr, before);
}

/* The duplicates of the host as it is now (jp_apply_duplicates), less
 * the install-only packages the plan names. */
static size_t
find_duplicates(struct apply *a, struct jp_change **d)
{
	const char **skip = jp_xcalloc(a->set.n + 1, sizeof(*skip));
	size_t i, k = 0, n;

	for (i = 0; i < a->set.n; i++)
		if (a->set.items[i].installonly)
			skip[k++] = a->set.items[i].name;
	n = jp_apply_duplicates(&a->hr.scan, skip, d);
	free(skip);
	return n;
}

static void
say_dup(struct apply *a, const struct jp_change *c, const char *result,
    const char *detail)
{
	if (a->json)
		return;
	printf("%-8s %s.%s %s -> (removed): %s\n", result, c->name, c->arch,
	    c->from, detail);
	fflush(stdout);
}

/*
 * Packages an interrupted transaction left at two versions (rpm had
 * installed the new one and not yet erased the old one): finished before
 * the updates, with the package manager's own remove --duplicates, and
 * journaled; the ones it cannot finish (zypper has no such command, or
 * the run fails) are reported as failed with what to do by hand.
 */
static void
repair_duplicates(struct apply *a)
{
	struct jp_change *d = NULL, *c = NULL, *left = NULL;
	struct jp_scan before;
	size_t nd, n = 0, nleft, i, k;
	char *line = NULL, *id1 = NULL;
	int rc;

	nd = find_duplicates(a, &d);
	if (nd == 0)
		return;
	for (i = 0; i < nd; i++)
		jp_warn(a->ctx, "%s.%s is installed at %s beside %s: an earlier "
		    "transaction was interrupted after installing the new "
		    "version and before erasing the old one", d[i].name,
		    d[i].arch, d[i].from, d[i].to);
	rc = jp_drv_dedupe(a->hr.drv, 0);
	if (rc)
		line = rc < 0 ? jp_xstrdup(jp_error_msg(a->ctx)) :
		    hostrun_error_line(&a->hr);
	if (rc >= 0) {
		id1 = hostrun_last_id(&a->hr);
		if (hostrun_rescan(&a->hr, &before) < 0) {
			jp_warn(a->ctx, "%s", jp_error_msg(a->ctx));
		} else {
			n = jp_apply_diff(&before, &a->hr.scan, &c);
			jp_scan_release(&before);
		}
	}
	if (id1 && n)
		add_pm_id(a, id1);
	/* what went: the older versions (and whatever else the run did) */
	for (k = 0; k < n; k++) {
		const char *msg = !c[k].from ? "installed while removing the "
		    "duplicates (needed by the newer version)" : c[k].to ?
		    "changed while removing the duplicates" : "an older version "
		    "left beside a newer one by an interrupted transaction: "
		    "removed";

		hostrun_pkg(&a->hr, c[k].name, c[k].arch, c[k].from, c[k].to,
		    "ok", msg, id1);
		if (!c[k].to) {
			say_dup(a, &c[k], "ok", "left beside the newer version by "
			    "an interrupted transaction");
			a->dup_ok++;
		}
	}
	/* what stayed */
	nleft = find_duplicates(a, &left);
	for (k = 0; k < nleft; k++) {
		char *msg = jp_xasprintf("left beside %s by an interrupted "
		    "transaction; %s%s(by hand: rpm%s%s -e --nodeps %s-%s.%s, "
		    "after checking that %s-%s works)", left[k].to,
		    line ? line : "", line ? "; " : "",
		    a->hr.root ? " --root " : "", a->hr.root ? a->hr.root : "",
		    left[k].name, left[k].from, left[k].arch, left[k].name,
		    left[k].to);

		hostrun_pkg(&a->hr, left[k].name, left[k].arch, left[k].from,
		    NULL, "failed", msg, NULL);
		say_dup(a, &left[k], "failed", msg);
		a->dup_failed++;
		free(msg);
	}
	jp_changes_free(left, nleft);
	jp_changes_free(c, n);
	jp_changes_free(d, nd);
	free(line);
	free(id1);
}

static int
window_closed(struct apply *a, time_t *closes)
{
	if (!a->have_window)
		return 0;
	return !jp_window_inside(&a->win, time(NULL), closes, NULL);
}

static void
run_one_by_one(struct apply *a)
{
	size_t i;

	char *known = NULL;

	for (i = 0; i < a->set.n; i++) {
		const struct jp_apply_item *it = &a->set.items[i];
		struct jp_drv_pkg p = item_pkg(it);
		struct jp_scan before;
		struct jp_change *c = NULL;
		char *id0, *id1, *line = NULL;
		const char *new_id;
		size_t n;
		int rc, undo_ran = 0;

		if (apply_stop || window_closed(a, NULL)) {
			char *msg = apply_stop ? jp_xasprintf("not started: "
			    "jprepo was stopped by signal %d", (int)apply_stop) :
			    jp_xasprintf("not started: the window '%s' closed",
			    a->window_spec);

			hostrun_pkg(&a->hr, it->name, it->arch, it->from, it->to,
			    "skipped", msg, NULL);
			say(a, it, "skipped", msg);
			free(msg);
			a->skipped++;
			continue;
		}
		jp_info(a->ctx, "[%zu/%zu] %s.%s %s -> %s", i + 1, a->set.n,
		    it->name, it->arch, it->from ? it->from : "(new)", it->to);
		/* the newest id after the previous step, when nothing ran
		 * since (each history query is a run of the manager) */
		id0 = known ? known : hostrun_last_id(&a->hr);
		known = NULL;
		if (install_step(a, &p, 1, id0, &rc, &line, &id1, &new_id,
		    &before) < 0) {
			/* cannot tell what happened: say so, stop */
			jp_err(a->ctx, "%s", jp_error_msg(a->ctx));
			hostrun_pkg(&a->hr, it->name, it->arch, it->from, it->to,
			    "unknown", "the host could not be scanned after "
			    "the run", new_id);
			a->failed++;
			free(line);
			free(id0);
			free(id1);
			return;
		}
		n = jp_apply_diff(&before, &a->hr.scan, &c);
		if (rc == 0 && item_done(a, it)) {
			journal_changes(a, c, n, i, i + 1, "ok", new_id);
			if (new_id)
				add_pm_id(a, new_id);
			say(a, it, "ok", NULL);
			a->ok++;
		} else {
			char *msg = line ? line : jp_xstrdup("the package "
			    "manager reported success, but the version is not "
			    "installed");
			int undone = 1;

			line = NULL;
			if (n) {
				/* the failure stays alone: take back what the
				 * failed step did change */
				undone = undo_step(a, &before, new_id, c, n) == 0;
				undo_ran = 1;
				if (!undone) {
					char *m = jp_xasprintf("%s (its partial "
					    "changes could not be undone)", msg);

					free(msg);
					msg = m;
					if (new_id)
						add_pm_id(a, new_id);
				}
			}
			journal_failure(a, c, n, i, i + 1, undone, msg, new_id);
			say(a, it, "failed", msg);
			free(msg);
			a->failed++;
		}
		jp_changes_free(c, n);
		jp_scan_release(&before);
		free(line);
		free(id0);
		if (!undo_ran)
			known = id1;
		else
			free(id1);
	}
	free(known);
}

static void
run_bulk(struct apply *a)
{
	struct jp_drv_pkg *p = jp_xcalloc(a->set.n + 1, sizeof(*p));
	struct jp_scan before;
	struct jp_change *c = NULL;
	char *id0, *id1, *line = NULL;
	const char *new_id;
	size_t i, n, missing = 0;
	int rc;

	for (i = 0; i < a->set.n; i++)
		p[i] = item_pkg(&a->set.items[i]);
	jp_info(a->ctx, "%zu update%s in one transaction", a->set.n,
	    a->set.n == 1 ? "" : "s");
	id0 = hostrun_last_id(&a->hr);
	if (install_step(a, p, a->set.n, id0, &rc, &line, &id1, &new_id,
	    &before) < 0) {
		free(p);
		jp_err(a->ctx, "%s", jp_error_msg(a->ctx));
		a->failed = a->set.n;
		goto out;
	}
	free(p);
	n = jp_apply_diff(&before, &a->hr.scan, &c);
	for (i = 0; i < a->set.n; i++)
		if (!item_done(a, &a->set.items[i]))
			missing++;
	if (rc == 0 && missing == 0) {
		journal_changes(a, c, n, 0, a->set.n, "ok", new_id);
		if (new_id)
			add_pm_id(a, new_id);
		for (i = 0; i < a->set.n; i++)
			say(a, &a->set.items[i], "ok", NULL);
		a->ok = a->set.n;
	} else {
		int undone = 1;

		if (!line)
			line = jp_xasprintf("the package manager reported "
			    "success, but %zu of the versions %s not installed",
			    missing, missing == 1 ? "is" : "are");
		if (new_id)
			add_pm_id(a, new_id);   /* the failed transaction */
		if (n)
			undone = undo_step(a, &before, new_id, c, n) == 0;
		journal_failure(a, c, n, 0, a->set.n, undone, line, new_id);
		for (i = 0; i < a->set.n; i++)
			say(a, &a->set.items[i], "failed", line);
		a->failed = a->set.n;
		if (undone)
			jp_err(a->ctx, "the transaction failed: %s; %s", line,
			    n ? "everything it changed was undone, the host is "
			    "as it was" : "nothing was changed");
		else
			jp_err(a->ctx, "the transaction failed: %s; undoing it "
			    "did not bring the host back as it was: see "
			    "`jprepo history`", line);
		a->bulk = undone ? 2 : 3;   /* the status word below */
	}
	jp_changes_free(c, n);
	jp_scan_release(&before);
out:
	free(line);
	free(id0);
	free(id1);
}

static void
run_download(struct apply *a)
{
	struct jp_drv_pkg *p = jp_xcalloc(a->set.n + 1, sizeof(*p));
	size_t i;
	int rc;

	for (i = 0; i < a->set.n; i++)
		p[i] = item_pkg(&a->set.items[i]);
	jp_info(a->ctx, "downloading %zu update%s", a->set.n,
	    a->set.n == 1 ? "" : "s");
	rc = jp_drv_install(a->hr.drv, p, a->set.n, JP_DRV_DOWNLOAD);
	free(p);
	if (rc == 0) {
		for (i = 0; i < a->set.n; i++) {
			const struct jp_apply_item *it = &a->set.items[i];

			hostrun_pkg(&a->hr, it->name, it->arch, it->from, it->to,
			    "downloaded", NULL, NULL);
			say(a, it, "fetched", NULL);
		}
		a->ok = a->set.n;
	} else {
		char *line = rc < 0 ? jp_xstrdup(jp_error_msg(a->ctx)) :
		    hostrun_error_line(&a->hr);

		for (i = 0; i < a->set.n; i++) {
			const struct jp_apply_item *it = &a->set.items[i];

			hostrun_pkg(&a->hr, it->name, it->arch, it->from, it->to,
			    "failed", line, NULL);
			say(a, it, "failed", line);
		}
		a->failed = a->set.n;
		free(line);
	}
}

static void
run_dry(struct apply *a)
{
	size_t i;

	if (a->bulk) {
		struct jp_drv_pkg *p = jp_xcalloc(a->set.n + 1, sizeof(*p));
		char *line = NULL;
		int rc;

		for (i = 0; i < a->set.n; i++)
			p[i] = item_pkg(&a->set.items[i]);
		rc = jp_drv_install(a->hr.drv, p, a->set.n, JP_DRV_DRYRUN);
		free(p);
		if (rc != 0)
			line = rc < 0 ? jp_xstrdup(jp_error_msg(a->ctx)) :
			    hostrun_error_line(&a->hr);
		for (i = 0; i < a->set.n; i++)
			say(a, &a->set.items[i], rc == 0 ? "would" : "failed",
			    line);
		if (rc == 0)
			a->ok = a->set.n;
		else
			a->failed = a->set.n;
		free(line);
		return;
	}
	for (i = 0; i < a->set.n; i++) {
		const struct jp_apply_item *it = &a->set.items[i];
		struct jp_drv_pkg p = item_pkg(it);
		int rc = jp_drv_install(a->hr.drv, &p, 1, JP_DRV_DRYRUN);
		char *line = NULL;

		if (rc != 0)
			line = rc < 0 ? jp_xstrdup(jp_error_msg(a->ctx)) :
			    hostrun_error_line(&a->hr);
		say(a, it, rc == 0 ? "would" : "failed", line);
		if (rc == 0)
			a->ok++;
		else
			a->failed++;
		free(line);
	}
}

/*
 * Bulk: a failed transaction is undone by going back to the installed
 * versions, which the repository must hold; say so ahead when it does
 * not.
 */
static void
warn_no_way_back(struct apply *a, const struct jp_pool *pool)
{
	size_t i, n = 0;

	for (i = 0; i < a->set.n; i++) {
		const struct jp_apply_item *it = &a->set.items[i];

		if (!it->from || it->installonly ||
		    strcmp(it->inst_name, it->name) != 0)
			continue;
		if (!jp_apply_pool_has(pool, it->inst_name, it->inst_arch,
		    it->from)) {
			if (n++ < 5)
				jp_warn(a->ctx, "the repository lacks the "
				    "installed %s %s (%s): if the transaction "
				    "fails, it cannot be undone", it->inst_name,
				    it->from, it->inst_arch);
		}
	}
	if (n > 5)
		jp_warn(a->ctx, "... and %zu more installed versions", n - 5);
}

/* --json: the run as one object (jprepo-apply(1), JSON OUTPUT). */
static void
print_json(struct apply *a, const char *status, const char *plan)
{
	size_t i;

	fputs("{\"host\": ", stdout);
	if (a->hr.scan.host)
		jp_cmd_json_str(stdout, a->hr.scan.host);
	else
		fputs("null", stdout);
	fputs(", \"root\": ", stdout);
	jp_cmd_json_str(stdout, a->hr.shown ? a->hr.shown : "/");
	if (a->hr.txid)
		printf(", \"transaction\": %lld", (long long)a->hr.txid);
	else
		fputs(", \"transaction\": null", stdout);
	printf(", \"dry_run\": %s, \"kind\": \"%s\", \"mode\": \"%s\", "
	    "\"status\": \"%s\", \"pm\": ", a->dry ? "true" : "false",
	    a->download ? "download" : "apply", a->bulk ? "bulk" : "one-by-one",
	    status);
	if (a->hr.pm)
		jp_cmd_json_str(stdout, jp_drv_pm_name(a->hr.pm));
	else
		fputs("null", stdout);
	fputs(", \"pm_id\": ", stdout);
	if (a->pm_ids)
		jp_cmd_json_str(stdout, a->pm_ids);
	else
		fputs("null", stdout);
	fputs(", \"repo\": ", stdout);
	if (a->hr.repo_url)
		jp_cmd_json_str(stdout, a->hr.repo_url);
	else
		fputs("null", stdout);
	fputs(", \"plan\": ", stdout);
	if (plan)
		jp_cmd_json_str(stdout, plan);
	else
		fputs("null", stdout);
	fputs(",\n \"updates\": [", stdout);
	for (i = 0; i < a->nsaid; i++) {
		const struct said *x = &a->said[i];

		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", stdout);
		jp_cmd_json_str(stdout, x->it->name);
		fputs(", \"arch\": ", stdout);
		jp_cmd_json_str(stdout, x->it->arch);
		fputs(", \"from\": ", stdout);
		if (x->it->from)
			jp_cmd_json_str(stdout, x->it->from);
		else
			fputs("null", stdout);
		fputs(", \"to\": ", stdout);
		jp_cmd_json_str(stdout, x->it->to);
		fputs(", \"result\": ", stdout);
		jp_cmd_json_str(stdout, x->result);
		fputs(", \"message\": ", stdout);
		if (x->detail)
			jp_cmd_json_str(stdout, x->detail);
		else
			fputs("null", stdout);
		fputs(", \"advisories\": [", stdout);
		if (x->it->advisories) {
			char *ids = jp_xstrdup(x->it->advisories), *sp, *w;
			int first = 1;

			for (w = strtok_r(ids, " ", &sp); w;
			    w = strtok_r(NULL, " ", &sp)) {
				if (!first)
					fputs(", ", stdout);
				jp_cmd_json_str(stdout, w);
				first = 0;
			}
			free(ids);
		}
		fputs("]}", stdout);
	}
	printf("%s],\n \"summary\": {\"updates\": %zu, \"ok\": %zu, "
	    "\"failed\": %zu, \"skipped\": %zu}}\n", a->nsaid ? "\n " : "",
	    a->set.n, a->ok, a->failed, a->skipped);
	fflush(stdout);
}

/* Refuse a plan for another host, another format or an older state. */
static int
check_plan(struct apply *a, const char *plan)
{
	const struct jp_scan *sc = &a->hr.scan;
	char state[65];
	size_t i;

	/* every update fit for the package manager's command line, before
	 * anything runs: a plan is input (HACKING, "Threat model") */
	for (i = 0; i < a->set.n; i++) {
		const struct jp_apply_item *it = &a->set.items[i];
		struct jp_drv_pkg p = item_pkg(it);

		if (jp_drv_check_pkg(a->ctx, &p) < 0) {
			jp_err(a->ctx, "the plan '%s' for %s: %s", plan,
			    a->set.host, jp_error_msg(a->ctx));
			return JP_EXIT_FAILURE;
		}
	}
	if (a->set.format && a->set.format != sc->format) {
		jp_err(a->ctx, "the plan '%s' for %s is for %s packages, but %s "
		    "has %s packages", plan, a->set.host,
		    jp_scan_format_name(a->set.format), a->hr.shown,
		    jp_scan_format_name(sc->format));
		return JP_EXIT_FAILURE;
	}
	if (!a->set.state[0]) {
		jp_err(a->ctx, "the plan '%s' does not say which state of %s "
		    "it was made from (no state_sha256: made by an older "
		    "jprepo?): plan again", plan, a->set.host);
		return JP_EXIT_FAILURE;
	}
	jp_scan_state_digest(sc, state);
	if (strcmp(state, a->set.state) != 0) {
		char when[32];
		time_t t = (time_t)a->set.scanned;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jp_err(a->ctx, "the plan '%s' was made from a scan of %s taken "
		    "%s, and the packages installed on %s have changed since: "
		    "scan and plan again", plan, a->set.host, when,
		    a->hr.shown);
		return JP_EXIT_FAILURE;
	}
	return 0;
}

int
cmd_apply(int argc, char **argv, struct jp_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "pm", required_argument, NULL, OPT_PM },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "download-only", no_argument, NULL, OPT_DOWNLOAD },
		{ "window", required_argument, NULL, OPT_WINDOW },
		{ "security", no_argument, NULL, OPT_SECURITY },
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "suite", required_argument, NULL, OPT_SUITE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct apply a;
	struct jp_journal_tx tx;
	const char *repo = NULL, *root = NULL, *pm_name = NULL, *keyring = NULL;
	const char *host = NULL, *suite = NULL, *plan = NULL, *status;
	char *summary = NULL;
	struct jp_change *dups = NULL;
	size_t ndup = 0;
	int c, security = 0, rc;
	double t0 = jp_now();

	memset(&a, 0, sizeof(a));
	a.ctx = ctx;
	a.hr.lockfd = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+nqvh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_REPO:
			repo = optarg;
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_PM:
			pm_name = optarg;
			if (!hostrun_parse_pm(ctx, optarg))
				return jp_cmd_usage_error(ctx, apply_usage);
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "bulk")) {
				a.bulk = 1;
			} else if (!strcmp(optarg, "one-by-one")) {
				a.bulk = 0;
			} else {
				jp_err(ctx, "unknown mode '%s': one-by-one or "
				    "bulk", optarg);
				return jp_cmd_usage_error(ctx, apply_usage);
			}
			break;
		case 'n':
			a.dry = 1;
			break;
		case OPT_DOWNLOAD:
			a.download = 1;
			break;
		case OPT_WINDOW:
			if (jp_window_parse(ctx, optarg, &a.win) < 0) {
				jp_err(ctx, "%s", jp_error_msg(ctx));
				return jp_cmd_usage_error(ctx, apply_usage);
			}
			a.have_window = 1;
			a.window_spec = optarg;
			break;
		case OPT_SECURITY:
			security = 1;
			break;
		case OPT_KEYRING:
			keyring = optarg;
			break;
		case OPT_HOST:
			host = optarg;
			break;
		case OPT_SUITE:
			suite = optarg;
			break;
		case OPT_JSON:
			a.json = 1;
			break;
		case 'h':
			apply_help();
			return JP_EXIT_OK;
		default:
			if (jp_cmd_common_opt(ctx, c))
				break;
			return jp_cmd_usage_error(ctx, apply_usage);
		}
	}
	if (optind < argc)
		plan = argv[optind++];
	if (optind < argc) {
		jp_err(ctx, "one PLAN at most");
		return jp_cmd_usage_error(ctx, apply_usage);
	}
	if (!repo) {
		jp_err(ctx, "no repository (--repo REPO)");
		return jp_cmd_usage_error(ctx, apply_usage);
	}
	if (a.dry && a.download) {
		jp_err(ctx, "--dry-run and --download-only exclude each other");
		return jp_cmd_usage_error(ctx, apply_usage);
	}
	if (plan && security) {
		jp_err(ctx, "--security selects updates when planning here; a "
		    "PLAN is applied as it is (make it with `jprepo plan "
		    "--security`)");
		return jp_cmd_usage_error(ctx, apply_usage);
	}

	/* outside the window: refuse before anything else */
	if (a.have_window && !a.dry && !a.download) {
		time_t opens = 0;

		if (!jp_window_inside(&a.win, time(NULL), NULL, &opens)) {
			char when[64] = "";
			struct tm tm;

			if (opens) {
				localtime_r(&opens, &tm);
				strftime(when, sizeof(when), " (it opens %a %Y-%m-%d "
				    "%H:%M)", &tm);
			}
			jp_err(ctx, "outside the maintenance window '%s'%s: "
			    "nothing done", a.window_spec, when);
			return JP_EXIT_FAILURE;
		}
	}

	rc = hostrun_start(&a.hr, ctx, root, host, a.dry);
	if (rc)
		goto out;
	a.hr.pm = pm_name ? jp_drv_pm_parse(pm_name) : a.hr.scan.manager;
	if ((a.hr.pm == JP_PM_APT) != (a.hr.scan.format == JP_SCAN_DEB)) {
		jp_err(ctx, "%s cannot manage the %s packages of %s",
		    jp_drv_pm_name(a.hr.pm), jp_scan_format_name(a.hr.scan.format),
		    a.hr.shown);
		rc = JP_EXIT_USAGE;
		goto out;
	}
	rc = hostrun_repo(&a.hr, repo, keyring, suite);
	if (rc)
		goto out;

	/* the updates */
	if (plan) {
		const char *want = host ? host : a.hr.scan.host;
		int found;

		if (!want) {
			jp_err(ctx, "%s has no host name to look up in the plan "
			    "'%s'%s: give --host NAME", a.hr.shown, plan,
			    a.hr.root ? " (no etc/hostname under the root)" : "");
			rc = JP_EXIT_USAGE;
			goto out;
		}
		found = jp_apply_plan_read(ctx, plan, want, &a.set);

		if (found < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			rc = JP_EXIT_FAILURE;
			goto out;
		}
		if (found == 0) {
			jp_err(ctx, "the plan '%s' has no section for the host "
			    "'%s' (it has: %s); give --host NAME to choose one",
			    plan, want, a.set.host[0] ? a.set.host : "no hosts");
			rc = JP_EXIT_FAILURE;
			goto out;
		}
		rc = check_plan(&a, plan);
		if (rc)
			goto out;
	} else {
		struct jp_pool pool;

		rc = hostrun_pool(&a.hr, &pool);
		if (rc == 0) {
			jp_apply_plan_pool(ctx, &pool, &a.hr.scan, security, &a.set);
			if (a.bulk && !a.dry && !a.download)
				warn_no_way_back(&a, &pool);
		}
		jp_pool_release(&pool);
		if (rc)
			goto out;
	}
	if (a.set.n == 0 && (a.dry || a.download ||
	    !(ndup = find_duplicates(&a, &dups)))) {
		jp_info(ctx, "%s: nothing to do: the repository has no update "
		    "for its packages", a.hr.shown);
		if (a.json)
			print_json(&a, "nothing", plan);
		rc = JP_EXIT_OK;
		goto out;
	}

	/* the session and the transaction */
	rc = hostrun_driver(&a.hr);
	if (rc)
		goto out;
	memset(&tx, 0, sizeof(tx));
	tx.kind = a.download ? "download" : "apply";
	tx.mode = a.bulk ? "bulk" : "one-by-one";
	tx.status = "running";
	tx.pm = (char *)jp_drv_pm_name(a.hr.pm);
	tx.repo = a.hr.repo_url;
	tx.host = a.hr.scan.host;
	tx.plan = (char *)plan;
	rc = hostrun_begin(&a.hr, &tx);
	if (rc)
		goto out;

	catch_stops();
	if (!a.dry && !a.download)
		repair_duplicates(&a);
	if (a.set.n == 0)
		;
	else if (a.dry)
		run_dry(&a);
	else if (a.download)
		run_download(&a);
	else if (a.bulk)
		run_bulk(&a);
	else
		run_one_by_one(&a);

	if (a.failed == 0 && a.skipped == 0 && a.dup_failed == 0)
		status = "ok";
	else if (a.bulk == 2)
		status = "reverted";
	else if (a.ok == 0 && a.dup_ok == 0)
		status = "failed";
	else
		status = "partial";
	summary = jp_xasprintf("%zu update%s: %zu %s, %zu failed, %zu skipped",
	    a.set.n, a.set.n == 1 ? "" : "s", a.ok, a.dry ? "would go in" :
	    a.download ? "fetched" : "installed", a.failed, a.skipped);
	if (a.dup_ok || a.dup_failed) {
		char *s = jp_xasprintf("%s; older versions left by an interrupted "
		    "transaction: %zu removed, %zu left", summary, a.dup_ok,
		    a.dup_failed);

		free(summary);
		summary = s;
	}
	hostrun_finish(&a.hr, status, a.pm_ids, summary);
	if (a.json)
		print_json(&a, a.dry ? (a.failed ? "failed" : "ok") : status, plan);
	if (a.dry)
		jp_info(ctx, "%s: dry run: %s (%.1f s); nothing changed",
		    a.hr.shown, summary, jp_now() - t0);
	else
		jp_info(ctx, "%s: transaction %lld %s: %s (%.1f s)", a.hr.shown,
		    (long long)a.hr.txid, status, summary, jp_now() - t0);
	if (apply_stop)
		jp_err(ctx, "stopped by signal %d after the update in progress; "
		    "the rest were not started", (int)apply_stop);
	rc = a.failed || a.skipped || a.dup_failed ? JP_EXIT_PARTIAL :
	    JP_EXIT_OK;
	rc = hostrun_journal_check(&a.hr, rc);
out:
	for (size_t i = 0; i < a.nsaid; i++) {
		free(a.said[i].result);
		free(a.said[i].detail);
	}
	free(a.said);
	jp_changes_free(dups, ndup);
	free(summary);
	free(a.pm_ids);
	jp_apply_set_release(&a.set);
	hostrun_end(&a.hr);
	return rc;
}
