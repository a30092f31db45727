/*
 * cmd_history.c: `jprepo history`, the transactions of the apply journal
 * (jprepo-journal(5)): a list, one transaction in full, or JSON.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "journal.h"

static const char history_usage[] =
	"usage: jprepo history [--root DIR] [--json] [TXID]\n";

static void
history_help(void)
{
	fputs(history_usage, stdout);
	fputs("\nShow the transactions of `jprepo apply` and `jprepo rollback`\n"
	    "recorded in the journal, ROOT/var/lib/jprepo/journal.sqlite\n"
	    "(jprepo-journal(5)): one line per transaction, oldest first, or\n"
	    "transaction TXID in full with its packages and the package\n"
	    "manager's runs and output.\n\n"
	    "Options:\n"
	    "      --root DIR    read the journal of the system under DIR\n"
	    "                    (default: /)\n"
	    "      --json        print JSON instead of text; with TXID, the\n"
	    "                    runs are included\n"
	    "  -q, --quiet       print errors only\n"
	    "  -v, --verbose     say more\n"
	    "  -h, --help        show this help\n\n"
	    "Exit status: 0 shown (also when there is no journal yet), 2 usage\n"
	    "error, 3 the journal cannot be read or has no transaction TXID.\n",
	    stdout);
}

/* --- text --- */

/* s for a text column: "-" for NULL or empty. */
static const char *
history_word(const char *s)
{
	return s && *s ? s : "-";
}

/*
 * s on fp with control characters as '?' (a message or a name from a
 * package manager's output must not move the cursor), padded with blanks
 * to width bytes.
 */
static void
history_put(FILE *fp, const char *s, size_t width)
{
	const unsigned char *p;
	size_t n = 0;

	for (p = (const unsigned char *)history_word(s); *p; p++, n++)
		putc(*p < 0x20 || *p == 0x7f ? '?' : *p, fp);
	for (; n < width; n++)
		putc(' ', fp);
}

static void
history_time(int64_t t, char *buf, size_t size)
{
	if (t)
		jp_journal_time(t, buf, size);
	else
		snprintf(buf, size, "-");
}

/* The manager's ids of tx, comma-separated: one word for the list. */
static char *
history_pm_ids(const struct jp_journal_tx *tx)
{
	char *s, *p, *q;

	if (!tx->pm_id || !*tx->pm_id)
		return jp_xstrdup("-");
	s = jp_xstrdup(tx->pm_id);
	/* split on runs of blanks, join with ',' */
	for (p = q = s; *p; p++) {
		if (*p == ' ' || *p == '\t') {
			if (q > s && q[-1] != ',')
				*q++ = ',';
		} else {
			*q++ = *p;
		}
	}
	if (q > s && q[-1] == ',')
		q--;
	*q = '\0';
	return s;
}

enum { H_ID, H_STARTED, H_KIND, H_MODE, H_PM, H_PMID, H_STATUS, H_PKGS, H_N };

static void
history_list(FILE *fp, const struct jp_journal_tx *txs, size_t n)
{
	static const char *const head[H_N] = {
		"ID", "STARTED", "KIND", "MODE", "PM", "PM-ID", "STATUS",
		"PACKAGES",
	};
	size_t width[H_N], i, k;
	char *(*cell)[H_N] = jp_xcalloc(n ? n : 1, sizeof(*cell));
	char buf[64];

	for (k = 0; k < H_N; k++)
		width[k] = strlen(head[k]);
	for (i = 0; i < n; i++) {
		const struct jp_journal_tx *tx = &txs[i];

		cell[i][H_ID] = jp_xasprintf("%lld", (long long)tx->id);
		history_time(tx->started, buf, sizeof(buf));
		cell[i][H_STARTED] = jp_xstrdup(buf);
		cell[i][H_KIND] = jp_xstrdup(history_word(tx->kind));
		cell[i][H_MODE] = jp_xstrdup(history_word(tx->mode));
		cell[i][H_PM] = jp_xstrdup(history_word(tx->pm));
		cell[i][H_PMID] = history_pm_ids(tx);
		cell[i][H_STATUS] = jp_xstrdup(history_word(tx->status));
		cell[i][H_PKGS] = jp_xasprintf("%zu/%zu", jp_journal_tx_nok(tx),
		    tx->npkgs);
		for (k = 0; k < H_N; k++)
			if (strlen(cell[i][k]) > width[k])
				width[k] = strlen(cell[i][k]);
	}
	for (k = 0; k < H_N; k++) {
		history_put(fp, head[k], k + 1 < H_N ? width[k] : 0);
		fputs(k + 1 < H_N ? "  " : "\n", fp);
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < H_N; k++) {
			history_put(fp, cell[i][k], k + 1 < H_N ? width[k] : 0);
			fputs(k + 1 < H_N ? "  " : "\n", fp);
			free(cell[i][k]);
		}
	}
	free(cell);
}

/*
 * A run's output, each line indented; a carriage return (progress bars)
 * ends a line as a newline does, other control characters but tabs are
 * shown as '?'.
 */
static void
history_output(FILE *fp, const char *out, const char *indent)
{
	const unsigned char *p = (const unsigned char *)out;
	int bol = 1;

	for (; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (bol) {
			fputs(indent, fp);
			bol = 0;
		}
		if (*p == '\n' || *p == '\r') {
			putc('\n', fp);
			bol = 1;
		} else {
			putc((*p < 0x20 && *p != '\t') || *p == 0x7f ? '?' : *p,
			    fp);
		}
	}
	if (!bol)
		putc('\n', fp);
}

static void
history_field(FILE *fp, const char *name, const char *value)
{
	fprintf(fp, "%-13s", name);
	history_put(fp, value, 0);
	putc('\n', fp);
}

static void
history_show(FILE *fp, const struct jp_journal_tx *tx)
{
	char buf[64], num[32];
	size_t i, wname = 0, wfrom = 0, wto = 0, wres = 0;

	snprintf(num, sizeof(num), "%lld", (long long)tx->id);
	history_field(fp, "transaction:", num);
	history_time(tx->started, buf, sizeof(buf));
	history_field(fp, "started:", buf);
	history_time(tx->finished, buf, sizeof(buf));
	history_field(fp, "finished:", buf);
	history_field(fp, "kind:", tx->kind);
	history_field(fp, "mode:", tx->mode);
	history_field(fp, "status:", tx->status);
	history_field(fp, "pm:", tx->pm);
	history_field(fp, "pm-id:", tx->pm_id);
	history_field(fp, "repo:", tx->repo);
	history_field(fp, "host:", tx->host);
	history_field(fp, "plan:", tx->plan);
	if (tx->rollback_of)
		snprintf(num, sizeof(num), "%lld", (long long)tx->rollback_of);
	history_field(fp, "rollback-of:", tx->rollback_of ? num : NULL);
	history_field(fp, "message:", tx->message);
	snprintf(buf, sizeof(buf), "%zu ok of %zu", jp_journal_tx_nok(tx),
	    tx->npkgs);
	history_field(fp, "packages:", buf);

	for (i = 0; i < tx->npkgs; i++) {
		const struct jp_journal_pkg *p = &tx->pkgs[i];
		size_t w = strlen(history_word(p->name)) + 1 +
		    strlen(history_word(p->arch));

		if (w > wname)
			wname = w;
		if (strlen(history_word(p->from_evr)) > wfrom)
			wfrom = strlen(history_word(p->from_evr));
		if (strlen(history_word(p->to_evr)) > wto)
			wto = strlen(history_word(p->to_evr));
		if (strlen(history_word(p->result)) > wres)
			wres = strlen(history_word(p->result));
	}
	for (i = 0; i < tx->npkgs; i++) {
		const struct jp_journal_pkg *p = &tx->pkgs[i];
		char *na = jp_xasprintf("%s.%s", history_word(p->name),
		    history_word(p->arch));

		fputs("  ", fp);
		history_put(fp, na, wname);
		fputs("  ", fp);
		history_put(fp, p->from_evr, wfrom);
		fputs(" -> ", fp);
		history_put(fp, p->to_evr, wto);
		fputs("  ", fp);
		history_put(fp, p->result, wres);
		fputs("  ", fp);
		history_put(fp, p->message, 0);
		putc('\n', fp);
		free(na);
	}
	for (i = 0; i < tx->nruns; i++) {
		const struct jp_journal_run *r = &tx->runs[i];
		char t1[64], t2[64];

		history_time(r->started, t1, sizeof(t1));
		history_time(r->finished, t2, sizeof(t2));
		fprintf(fp, "run %lld:", (long long)r->seq);
		if (r->status < 0)
			fputs(" not started", fp);
		else
			fprintf(fp, " exit status %d", r->status);
		fprintf(fp, ", %s to %s", t1, t2);
		if (r->pm_id) {
			fputs(", pm-id ", fp);
			history_put(fp, r->pm_id, 0);
		}
		fputs("\n  $ ", fp);
		history_put(fp, r->command, 0);
		putc('\n', fp);
		if (r->output)
			history_output(fp, r->output, "    ");
	}
}

/* --- JSON --- */

static void
history_json_str(FILE *fp, const char *s)
{
	if (s)
		jp_cmd_json_str(fp, s);
	else
		fputs("null", fp);
}

static void
history_json_time(FILE *fp, int64_t t)
{
	char buf[64];

	if (!t) {
		fputs("null", fp);
		return;
	}
	jp_journal_time(t, buf, sizeof(buf));
	jp_cmd_json_str(fp, buf);
}

/* "pm_ids": the words of pm_id. */
static void
history_json_pm_ids(FILE *fp, const char *pm_id)
{
	const char *p = pm_id ? pm_id : "";
	int first = 1;

	putc('[', fp);
	while (*p) {
		size_t len = strcspn(p, " \t");

		if (len) {
			char *w = jp_xstrndup(p, len);

			fputs(first ? "" : ", ", fp);
			jp_cmd_json_str(fp, w);
			free(w);
			first = 0;
		}
		p += len;
		p += strspn(p, " \t");
	}
	putc(']', fp);
}

static void
history_json_tx(FILE *fp, const struct jp_journal_tx *tx, int with_runs)
{
	size_t i;

	fprintf(fp, "    {\"id\": %lld, \"started\": ", (long long)tx->id);
	history_json_time(fp, tx->started);
	fputs(", \"finished\": ", fp);
	history_json_time(fp, tx->finished);
	fputs(", \"kind\": ", fp);
	history_json_str(fp, tx->kind);
	fputs(", \"mode\": ", fp);
	history_json_str(fp, tx->mode);
	fputs(", \"status\": ", fp);
	history_json_str(fp, tx->status);
	fputs(",\n     \"pm\": ", fp);
	history_json_str(fp, tx->pm);
	fputs(", \"pm_id\": ", fp);
	history_json_str(fp, tx->pm_id);
	fputs(", \"pm_ids\": ", fp);
	history_json_pm_ids(fp, tx->pm_id);
	fputs(",\n     \"repo\": ", fp);
	history_json_str(fp, tx->repo);
	fputs(", \"host\": ", fp);
	history_json_str(fp, tx->host);
	fputs(", \"plan\": ", fp);
	history_json_str(fp, tx->plan);
	fputs(",\n     \"message\": ", fp);
	history_json_str(fp, tx->message);
	fputs(", \"rollback_of\": ", fp);
	if (tx->rollback_of)
		fprintf(fp, "%lld", (long long)tx->rollback_of);
	else
		fputs("null", fp);
	fprintf(fp, ", \"packages_ok\": %zu, \"packages_total\": %zu,\n"
	    "     \"packages\": [", jp_journal_tx_nok(tx), tx->npkgs);
	for (i = 0; i < tx->npkgs; i++) {
		const struct jp_journal_pkg *p = &tx->pkgs[i];

		fprintf(fp, "%s\n      {\"seq\": %lld, \"name\": ", i ? "," : "",
		    (long long)p->seq);
		history_json_str(fp, p->name);
		fputs(", \"arch\": ", fp);
		history_json_str(fp, p->arch);
		fputs(", \"from\": ", fp);
		history_json_str(fp, p->from_evr);
		fputs(", \"to\": ", fp);
		history_json_str(fp, p->to_evr);
		fputs(", \"result\": ", fp);
		history_json_str(fp, p->result);
		fputs(", \"message\": ", fp);
		history_json_str(fp, p->message);
		fputs(", \"pm_id\": ", fp);
		history_json_str(fp, p->pm_id);
		fputs(", \"run\": ", fp);
		if (p->run)
			fprintf(fp, "%lld", (long long)p->run);
		else
			fputs("null", fp);
		putc('}', fp);
	}
	fputs(tx->npkgs ? "\n     ]" : "]", fp);
	if (with_runs) {
		fputs(",\n     \"runs\": [", fp);
		for (i = 0; i < tx->nruns; i++) {
			const struct jp_journal_run *r = &tx->runs[i];

			fprintf(fp, "%s\n      {\"seq\": %lld, \"command\": ",
			    i ? "," : "", (long long)r->seq);
			history_json_str(fp, r->command);
			fprintf(fp, ", \"status\": %d, \"pm_id\": ", r->status);
			history_json_str(fp, r->pm_id);
			fputs(", \"started\": ", fp);
			history_json_time(fp, r->started);
			fputs(", \"finished\": ", fp);
			history_json_time(fp, r->finished);
			fputs(",\n       \"output\": ", fp);
			history_json_str(fp, r->output);
			putc('}', fp);
		}
		fputs(tx->nruns ? "\n     ]" : "]", fp);
	}
	putc('}', fp);
}

static void
history_json(FILE *fp, const struct jp_journal_tx *txs, size_t n,
    int with_runs)
{
	size_t i;

	fputs("{\"transactions\": [", fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", fp);
		history_json_tx(fp, &txs[i], with_runs);
	}
	fputs(n ? "\n]}\n" : "]}\n", fp);
}

int
cmd_history(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_ROOT = 256, OPT_JSON };
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL;
	struct jp_journal *j = NULL;
	struct jp_journal_tx *txs = NULL, one;
	size_t n = 0;
	long txid = 0;
	int c, json = 0, rc, status = JP_EXIT_FAILURE;

	memset(&one, 0, sizeof(one));
	while ((c = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			history_help();
			return JP_EXIT_OK;
		case OPT_ROOT:
			if (!*optarg) {
				jp_err(ctx, "--root needs a directory");
				return jp_cmd_usage_error(ctx, history_usage);
			}
			root = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return jp_cmd_usage_error(ctx, history_usage);
		}
	}
	if (optind < argc) {
		txid = jp_cmd_parse_count(argv[optind], LONG_MAX);
		if (txid <= 0) {
			jp_err(ctx, "TXID must be a transaction number from 1 "
			    "up, not '%s'", argv[optind]);
			return jp_cmd_usage_error(ctx, history_usage);
		}
		optind++;
	}
	if (optind < argc) {
		jp_err(ctx, "unexpected argument '%s'", argv[optind]);
		return jp_cmd_usage_error(ctx, history_usage);
	}

	if (jp_journal_open(ctx, root, JP_JOURNAL_READONLY, &j) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return JP_EXIT_FAILURE;
	}
	if (!j) {
		if (txid) {
			jp_err(ctx, "no transaction %ld: there is no journal "
			    "under '%s'", txid, root ? root : "/");
			return JP_EXIT_FAILURE;
		}
		jp_info(ctx, "no journal under '%s'", root ? root : "/");
		if (json)
			history_json(stdout, NULL, 0, 0);
		return JP_EXIT_OK;
	}
	if (txid) {
		rc = jp_journal_get(j, txid, 1, &one);
		if (rc < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
		if (rc == 0) {
			jp_err(ctx, "no transaction %ld in '%s'", txid,
			    jp_journal_path(j));
			goto out;
		}
		if (json)
			history_json(stdout, &one, 1, 1);
		else
			history_show(stdout, &one);
	} else {
		if (jp_journal_list(j, 0, &txs, &n) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
		if (json)
			history_json(stdout, txs, n, 0);
		else if (n)
			history_list(stdout, txs, n);
		else
			jp_info(ctx, "no transactions in '%s'",
			    jp_journal_path(j));
	}
	status = JP_EXIT_OK;
out:
	jp_journal_tx_release(&one);
	jp_journal_txs_free(txs, n);
	jp_journal_close(j);
	return status;
}
