/*
 * cmd_rollback.c: `jprepo rollback`, undo a journaled transaction of
 * `jprepo apply` by its ID.
 *
 * dnf and yum undo the manager's own transactions that the apply made
 * (`history undo`, newest first); zypper and apt install the recorded
 * from-versions (older ones allowed) and remove what the transaction
 * installed new (REFERENCE.md, "Rollback in the native tools").  Before
 * anything changes, every from-version must be in the repository and the
 * host must still be as the transaction left it.  The rollback is itself
 * a transaction of the journal.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fsutil.h"
#include "hostrun.h"

static const char rollback_usage[] =
	"usage: jprepo rollback [--root DIR] [--repo REPO|URL] [--keyring KEY]\n"
	"                       [--pm PM] [--suite S] [--json] TXID\n";

static void
rollback_help(void)
{
	fputs(rollback_usage, stdout);
	fputs("\nUndo transaction TXID of `jprepo apply` (see `jprepo history`) on\n"
	    "this host or the system image under --root: every package it\n"
	    "changed goes back to the version it had, what it installed new is\n"
	    "removed.  Nothing changes unless every earlier version is in the\n"
	    "repository and the host is still as the transaction left it.\n\n"
	    "Options:\n"
	    "      --root DIR        act on the system image under DIR\n"
	    "      --repo REPO|URL   the repository with the earlier versions\n"
	    "                        (default: the one the transaction used)\n"
	    "      --keyring KEY     the public key that signs the repository;\n"
	    "                        required when it is signed\n"
	    "      --pm PM           dnf, yum, zypper or apt (default: the one\n"
	    "                        the transaction used)\n"
	    "      --suite S         APT: the suite (default: the only one)\n"
	    "      --json            print the outcome as JSON on stdout\n"
	    "  -q, --quiet           print errors only\n"
	    "  -v, --verbose         say more\n"
	    "  -h, --help            show this help\n\n"
	    "Exit status: 0 rolled back, 1 the rollback ran but the host is not\n"
	    "back as it was, 2 usage error, 3 nothing changed (a reason is\n"
	    "given), 4 another apply or rollback is running.  See\n"
	    "jprepo-rollback(1).\n", stdout);
}

enum {
	OPT_ROOT = 256, OPT_REPO, OPT_KEYRING, OPT_PM, OPT_SUITE, OPT_JSON,
};

static void
json_or_null(const char *s)
{
	if (s)
		jp_cmd_json_str(stdout, s);
	else
		fputs("null", stdout);
}

static int
cmp_id_desc(const void *a, const void *b)
{
	long long x = strtoll(*(char *const *)a, NULL, 10);
	long long y = strtoll(*(char *const *)b, NULL, 10);

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Append s to a comma-separated list. */
static void
list_add(char **list, const char *s)
{
	size_t n = *list ? strlen(*list) : 0;

	*list = jp_xrealloc(*list, n + strlen(s) + 3);
	if (n) {
		(*list)[n++] = ',';
		(*list)[n++] = ' ';
	}
	strcpy(*list + n, s);
}

/*
 * Scan the host again and journal what changed since the last scan as
 * done by the manager's transaction pm_id (NULL: none); *ndone counts.
 * Returns 0, or negative after finishing the journal's transaction when
 * the host cannot be scanned.
 */
static int
record_step(struct hostrun *hr, size_t *ndone, const char *pm_id)
{
	struct jp_scan before;
	struct jp_change *c = NULL;
	size_t i, n;

	if (hostrun_rescan(hr, &before) < 0) {
		jp_err(hr->ctx, "%s", jp_error_msg(hr->ctx));
		hostrun_finish(hr, "failed", NULL, "the host could not be "
		    "scanned after the rollback");
		return JP_ERR;
	}
	n = jp_apply_diff(&before, &hr->scan, &c);
	for (i = 0; i < n; i++)
		hostrun_pkg(hr, c[i].name, c[i].arch, c[i].from, c[i].to, "ok",
		    NULL, pm_id);
	*ndone += n;
	jp_changes_free(c, n);
	jp_scan_release(&before);
	return 0;
}

int
cmd_rollback(int argc, char **argv, struct jp_ctx *ctx)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "pm", required_argument, NULL, OPT_PM },
		{ "suite", required_argument, NULL, OPT_SUITE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hostrun hr;
	struct jp_journal_tx old, tx, *all = NULL;
	struct jp_journal *jn = NULL;
	struct jp_change *undo = NULL;
	const char *root = NULL, *repo = NULL, *keyring = NULL, *pm_name = NULL;
	const char *suite = NULL, *status;
	char *missing = NULL, *moved = NULL, *summary = NULL, **ids = NULL;
	char *end, *line = NULL, *id1 = NULL;
	size_t i, j, nundo = 0, ndone = 0, nall = 0, nids = 0, bad = 0;
	long long txid;
	int c, rc, got, json = 0;
	double t0 = jp_now();

	memset(&hr, 0, sizeof(hr));
	hr.lockfd = -1;
	memset(&old, 0, sizeof(old));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+qvh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_REPO:
			repo = optarg;
			break;
		case OPT_KEYRING:
			keyring = optarg;
			break;
		case OPT_PM:
			pm_name = optarg;
			if (!hostrun_parse_pm(ctx, optarg))
				return jp_cmd_usage_error(ctx, rollback_usage);
			break;
		case OPT_SUITE:
			suite = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			rollback_help();
			return JP_EXIT_OK;
		default:
			if (jp_cmd_common_opt(ctx, c))
				break;
			return jp_cmd_usage_error(ctx, rollback_usage);
		}
	}
	if (optind + 1 != argc) {
		jp_err(ctx, optind < argc ? "one TXID only" : "no transaction "
		    "ID (see `jprepo history`)");
		return jp_cmd_usage_error(ctx, rollback_usage);
	}
	errno = 0;
	txid = strtoll(argv[optind], &end, 10);
	if (errno || *end || end == argv[optind] || txid <= 0) {
		jp_err(ctx, "bad transaction ID '%s': a number from `jprepo "
		    "history`", argv[optind]);
		return jp_cmd_usage_error(ctx, rollback_usage);
	}

	rc = hostrun_start(&hr, ctx, root, NULL, 0);
	if (rc)
		goto out;
	if (jp_journal_open(ctx, hr.root, 0, &jn) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	if (!jn) {
		jp_err(ctx, "no transaction %lld: %s has no journal (nothing "
		    "was applied there)", txid, hr.shown);
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	/* a transaction left running by a killed apply: this run holds the
	 * lock, so none is live; mark it interrupted, its rows stand */
	if (jp_journal_mark_interrupted(jn) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	got = jp_journal_get(jn, txid, 0, &old);
	if (got <= 0) {
		if (got < 0)
			jp_err(ctx, "%s", jp_error_msg(ctx));
		else
			jp_err(ctx, "no transaction %lld in '%s' (see `jprepo "
			    "history`)", txid, jp_journal_path(jn));
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	if (old.kind && !strcmp(old.kind, "download")) {
		jp_err(ctx, "transaction %lld only downloaded packages: there "
		    "is nothing to roll back", txid);
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	if (old.status && !strcmp(old.status, "running")) {
		jp_err(ctx, "transaction %lld is still running", txid);
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	if (jp_journal_list(jn, 0, &all, &nall) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	for (i = 0; i < nall; i++) {
		if (all[i].rollback_of == txid && all[i].status &&
		    (!strcmp(all[i].status, "ok") ||
		    !strcmp(all[i].status, "partial"))) {
			jp_err(ctx, "transaction %lld was rolled back already, by "
			    "transaction %lld", txid, (long long)all[i].id);
			rc = JP_EXIT_FAILURE;
			goto out;
		}
	}
	jp_journal_close(jn);
	jn = NULL;

	/* what stayed of the transaction */
	for (i = 0; i < old.npkgs; i++) {
		const struct jp_journal_pkg *p = &old.pkgs[i];
		struct jp_change *u;

		if (!p->result || strcmp(p->result, "ok") != 0)
			continue;
		undo = jp_xrealloc(undo, (nundo + 1) * sizeof(*undo));
		u = &undo[nundo++];
		/* undoing goes from "to" back to "from" */
		u->name = p->name;
		u->arch = p->arch;
		u->from = p->from_evr;
		u->to = p->to_evr;
		if (p->pm_id) {
			for (j = 0; j < nids; j++)
				if (!strcmp(ids[j], p->pm_id))
					break;
			if (j == nids) {
				ids = jp_xrealloc(ids, (nids + 1) * sizeof(*ids));
				ids[nids++] = p->pm_id;
			}
		}
	}
	if (nundo == 0) {
		jp_info(ctx, "transaction %lld left no change on %s: nothing to "
		    "roll back", txid, hr.shown);
		rc = JP_EXIT_OK;
		goto out;
	}

	hr.pm = pm_name ? jp_drv_pm_parse(pm_name) : jp_drv_pm_parse(old.pm);
	if (!hr.pm) {
		jp_err(ctx, "transaction %lld names no known package manager "
		    "('%s'): give --pm", txid, old.pm ? old.pm : "");
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	if (!repo)
		repo = old.repo;
	if (!repo) {
		jp_err(ctx, "transaction %lld names no repository: give --repo",
		    txid);
		rc = JP_EXIT_USAGE;
		goto out;
	}
	rc = hostrun_repo(&hr, repo, keyring, suite);
	if (rc)
		goto out;

	/* the host must be as the transaction left it */
	for (i = 0; i < nundo; i++) {
		const struct jp_change *u = &undo[i];
		int here = u->to ? hostrun_has(&hr, u->name, u->arch, u->to) :
		    !hostrun_has(&hr, u->name, u->arch, u->from);

		if (!here) {
			char *s = jp_xasprintf("%s.%s (the transaction left %s)",
			    u->name, u->arch, u->to ? u->to : "it removed");

			list_add(&moved, s);
			free(s);
		}
	}
	if (moved) {
		jp_err(ctx, "cannot roll back transaction %lld: %s has changed "
		    "since: %s; nothing was changed", txid, hr.shown, moved);
		rc = JP_EXIT_FAILURE;
		goto out;
	}
	/* every earlier version must be in the repository */
	if (hr.repo_dir) {
		struct jp_pool pool;

		rc = hostrun_pool(&hr, &pool);
		if (rc) {
			jp_pool_release(&pool);
			goto out;
		}
		for (i = 0; i < nundo; i++) {
			const struct jp_change *u = &undo[i];

			if (u->from && !jp_apply_pool_has(&pool, u->name, u->arch,
			    u->from)) {
				char *s = hr.scan.format == JP_SCAN_DEB ?
				    jp_xasprintf("%s=%s (%s)", u->name, u->from,
				    u->arch) : jp_xasprintf("%s-%s.%s", u->name,
				    u->from, u->arch);

				list_add(&missing, s);
				free(s);
			}
		}
		jp_pool_release(&pool);
		if (missing) {
			jp_err(ctx, "cannot roll back transaction %lld: the "
			    "repository '%s' does not have %s; nothing was "
			    "changed", txid, hr.repo_arg, missing);
			rc = JP_EXIT_FAILURE;
			goto out;
		}
	} else {
		jp_warn(ctx, "the repository %s is not local: the earlier "
		    "versions cannot be checked before the package manager "
		    "runs", hr.repo_url);
	}

	rc = hostrun_driver(&hr);
	if (rc)
		goto out;
	memset(&tx, 0, sizeof(tx));
	tx.kind = "rollback";
	tx.mode = old.mode ? old.mode : "bulk";
	tx.status = "running";
	tx.pm = (char *)jp_drv_pm_name(hr.pm);
	tx.repo = hr.repo_url;
	tx.host = hr.scan.host;
	tx.rollback_of = txid;
	rc = hostrun_begin(&hr, &tx);
	if (rc)
		goto out;
	jp_info(ctx, "rolling back transaction %lld: %zu package%s", txid,
	    nundo, nundo == 1 ? "" : "s");

	if (nids && jp_drv_has_history(hr.drv)) {
		/* one undo per id, newest first; each step's changes are
		 * journaled with the id of the manager's transaction that
		 * made them */
		qsort(ids, nids, sizeof(*ids), cmp_id_desc);
		for (i = 0; i < nids; i++) {
			char *b = hostrun_last_id(&hr), *a;
			int r = jp_drv_undo(hr.drv, ids[i], 0);

			if (r != 0)
				line = r < 0 ? jp_xstrdup(jp_error_msg(ctx)) :
				    hostrun_error_line(&hr);
			a = hostrun_last_id(&hr);
			if (a && (!b || strcmp(a, b))) {
				size_t l = id1 ? strlen(id1) : 0;

				id1 = jp_xrealloc(id1, l + strlen(a) + 2);
				if (l)
					id1[l++] = ' ';
				strcpy(id1 + l, a);
			} else {
				free(a);
				a = NULL;
			}
			free(b);
			if (record_step(&hr, &ndone, a) < 0) {
				free(a);
				rc = JP_EXIT_PARTIAL;
				goto out;
			}
			free(a);
			if (r != 0)
				break;
		}
	} else {
		int r = hostrun_revert(&hr, undo, nundo);

		if (r != 0)
			line = r < 0 ? jp_xstrdup(jp_error_msg(ctx)) :
			    hostrun_error_line(&hr);
		if (record_step(&hr, &ndone, NULL) < 0) {
			rc = JP_EXIT_PARTIAL;
			goto out;
		}
	}
	if (json)
		fputs("{\"packages\": [", stdout);
	for (i = 0; i < nundo; i++) {
		const struct jp_change *u = &undo[i];
		int back = u->from ? hostrun_has(&hr, u->name, u->arch, u->from) :
		    !hostrun_has(&hr, u->name, u->arch, u->to);
		const char *why = back ? NULL : line ? line :
		    "not back at its earlier version";

		if (!back) {
			bad++;
			hostrun_pkg(&hr, u->name, u->arch, u->to, u->from,
			    "failed", why, NULL);
		}
		if (json) {
			fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", stdout);
			jp_cmd_json_str(stdout, u->name);
			fputs(", \"arch\": ", stdout);
			jp_cmd_json_str(stdout, u->arch);
			fputs(", \"from\": ", stdout);
			json_or_null(u->to);
			fputs(", \"to\": ", stdout);
			json_or_null(u->from);
			printf(", \"result\": \"%s\", \"message\": ",
			    back ? "ok" : "failed");
			json_or_null(why);
			fputs("}", stdout);
		} else if (back) {
			printf("ok       %s.%s %s -> %s\n", u->name, u->arch,
			    u->to ? u->to : "(removed)", u->from ? u->from :
			    "(removed)");
		} else {
			printf("failed   %s.%s %s -> %s: %s\n", u->name, u->arch,
			    u->to ? u->to : "(removed)", u->from ? u->from :
			    "(removed)", why);
		}
	}
	status = bad == 0 ? "ok" : ndone ? "partial" : "failed";
	summary = jp_xasprintf("rollback of transaction %lld: %zu of %zu "
	    "package%s back", txid, nundo - bad, nundo, nundo == 1 ? "" : "s");
	hostrun_finish(&hr, status, id1, summary);
	if (json) {
		printf("%s],\n \"transaction\": %lld, \"rollback_of\": %lld, "
		    "\"status\": \"%s\", \"pm\": ", nundo ? "\n " : "",
		    (long long)hr.txid, txid, status);
		jp_cmd_json_str(stdout, jp_drv_pm_name(hr.pm));
		fputs(", \"pm_id\": ", stdout);
		json_or_null(id1);
		fputs("}\n", stdout);
	}
	if (bad)
		jp_err(ctx, "%s: transaction %lld %s: %s%s%s", hr.shown,
		    (long long)hr.txid, status, summary, line ? ": " : "",
		    line ? line : "");
	else
		jp_info(ctx, "%s: transaction %lld ok: %s (%.1f s)", hr.shown,
		    (long long)hr.txid, summary, jp_now() - t0);
	rc = hostrun_journal_check(&hr, bad ? JP_EXIT_PARTIAL : JP_EXIT_OK);
out:
	fflush(stdout);
	free(line);
	free(id1);
	free(summary);
	free(missing);
	free(moved);
	free(ids);
	free(undo);
	jp_journal_txs_free(all, nall);
	jp_journal_tx_release(&old);
	jp_journal_close(jn);
	hostrun_end(&hr);
	return rc;
}
