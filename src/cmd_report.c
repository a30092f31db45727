/*
 * cmd_report.c: `jprepo report`, where the fleet stands: per host from
 * its scan, its section of a plan and optionally its collected journal,
 * as text, JSON (jprepo-report(1), JSON OUTPUT) or one self-contained
 * HTML page.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "fsutil.h"
#include "report.h"
#include "scan.h"

static const char report_usage[] =
	"usage: jprepo report [--format text|json|html] [-o FILE] [--plan PLAN]\n"
	"                     [--history DIR] [--sla DAYS] [--stale DAYS] SCAN...\n";

static void
report_help(void)
{
	fputs(report_usage, stdout);
	fputs("\nReport where the hosts stand, from their scan files\n"
	    "(jprepo-scan(5)) and the plan made from them (jprepo-plan(5)):\n"
	    "per host patched, needing updates or security updates (by\n"
	    "severity), whether the last apply failed, how old the scan is,\n"
	    "and how long the oldest security advisory it needs has been out;\n"
	    "and the totals over the fleet.  A SCAN that is a directory stands\n"
	    "for the *.scan files in it, in name order.\n\n"
	    "Options:\n"
	    "      --format FMT   text (default), json, or html: one\n"
	    "                     self-contained page with charts and a\n"
	    "                     sortable host table\n"
	    "  -o, --output FILE  write the report to FILE, atomically\n"
	    "                     (default: standard output)\n"
	    "      --plan PLAN    the plan of the hosts (jprepo plan -o PLAN);\n"
	    "                     without it only the scans' facts are reported\n"
	    "      --history DIR  the journals collected from the hosts:\n"
	    "                     DIR/HOST/journal.sqlite\n"
	    "      --sla DAYS     a needed security advisory out longer than\n"
	    "                     DAYS is over the SLA (default 30)\n"
	    "      --stale DAYS   a scan older than DAYS is stale (default 7)\n"
	    "  -q, --quiet        print errors only\n"
	    "  -v, --verbose      say more\n"
	    "  -h, --help         show this help\n\n"
	    "Environment: SOURCE_DATE_EPOCH, when set, is the time of the\n"
	    "report (\"now\").\n\n"
	    "Exit status: 0 done, 1 some scans could not be read (the others\n"
	    "are reported), 2 usage error, 3 failed (the plan or every scan\n"
	    "unreadable, or the report not written).\n", stdout);
}

enum { FMT_TEXT, FMT_JSON, FMT_HTML };

/* SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else now. */
static int
report_now(struct jp_ctx *ctx, int64_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*out = (int64_t)time(NULL);
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0 || s[0] < '0' || s[0] > '9') {
		jp_err(ctx, "SOURCE_DATE_EPOCH '%s' is not a number of seconds",
		    s);
		return -1;
	}
	*out = v;
	return 0;
}

static long
report_days(struct jp_ctx *ctx, const char *opt, const char *arg)
{
	long v = jp_cmd_parse_count(arg, 36500);

	if (v < 0)
		jp_err(ctx, "%s needs a number of days from 0 to 36500, not "
		    "'%s'", opt, arg);
	return v;
}

/* The entry point; its prototype belongs in commands.h. */
int cmd_report(int argc, char **argv, struct jp_ctx *ctx);

static int
report_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The scan files of the arguments, as `jprepo plan` takes them: a file as
 * given, a directory as the *.scan files directly in it (no dot-files),
 * in name order.  A directory that cannot be read is kept as a path, so
 * that reading it fails with a message naming it.
 */
static char **
report_expand(struct jp_ctx *ctx, char **args, int n, size_t *count)
{
	char **v = NULL;
	size_t nv = 0;
	int i;

	for (i = 0; i < n; i++) {
		struct stat sb;
		struct dirent *de;
		size_t first = nv;
		DIR *d;

		if (stat(args[i], &sb) < 0 || !S_ISDIR(sb.st_mode) ||
		    (d = opendir(args[i])) == NULL) {
			v = jp_xrealloc(v, (nv + 1) * sizeof(*v));
			v[nv++] = jp_xstrdup(args[i]);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);

			if (de->d_name[0] == '.' || len <= 5 ||
			    strcmp(de->d_name + len - 5, ".scan"))
				continue;
			v = jp_xrealloc(v, (nv + 1) * sizeof(*v));
			v[nv++] = jp_path_join(args[i], de->d_name);
		}
		closedir(d);
		if (nv - first > 1)
			qsort(v + first, nv - first, sizeof(*v), report_cmp);
		if (nv == first)
			jp_warn(ctx, "directory '%s' holds no *.scan file",
			    args[i]);
	}
	*count = nv;
	return v;
}

int
cmd_report(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_FORMAT = 256, OPT_PLAN, OPT_HISTORY, OPT_SLA, OPT_STALE };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "plan", required_argument, NULL, OPT_PLAN },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "sla", required_argument, NULL, OPT_SLA },
		{ "stale", required_argument, NULL, OPT_STALE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *planfile = NULL, *histdir = NULL;
	long sla = JP_REPORT_SLA_DEFAULT, stale = JP_REPORT_STALE_DEFAULT;
	struct jp_report_plan plan;
	struct jp_report rep;
	int64_t now;
	int c, fmt = FMT_TEXT, bad = 0, rc, status;
	size_t len = 0, npaths = 0, k;
	char *buf = NULL, **paths = NULL;
	FILE *mem;

	memset(&plan, 0, sizeof(plan));
	while ((c = getopt_long(argc, argv, "ho:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			report_help();
			return JP_EXIT_OK;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text"))
				fmt = FMT_TEXT;
			else if (!strcmp(optarg, "json"))
				fmt = FMT_JSON;
			else if (!strcmp(optarg, "html"))
				fmt = FMT_HTML;
			else {
				jp_err(ctx, "--format must be text, json or html, "
				    "not '%s'", optarg);
				return jp_cmd_usage_error(ctx, report_usage);
			}
			break;
		case 'o':
			if (!*optarg) {
				jp_err(ctx, "-o needs a file name");
				return jp_cmd_usage_error(ctx, report_usage);
			}
			out = optarg;
			break;
		case OPT_PLAN:
			if (!*optarg) {
				jp_err(ctx, "--plan needs a file name");
				return jp_cmd_usage_error(ctx, report_usage);
			}
			planfile = optarg;
			break;
		case OPT_HISTORY:
			if (!*optarg) {
				jp_err(ctx, "--history needs a directory");
				return jp_cmd_usage_error(ctx, report_usage);
			}
			histdir = optarg;
			break;
		case OPT_SLA:
			if ((sla = report_days(ctx, "--sla", optarg)) < 0)
				return jp_cmd_usage_error(ctx, report_usage);
			break;
		case OPT_STALE:
			if ((stale = report_days(ctx, "--stale", optarg)) < 0)
				return jp_cmd_usage_error(ctx, report_usage);
			break;
		default:
			return jp_cmd_usage_error(ctx, report_usage);
		}
	}
	if (optind >= argc) {
		jp_err(ctx, "no SCAN given");
		return jp_cmd_usage_error(ctx, report_usage);
	}
	if (report_now(ctx, &now) < 0)
		return JP_EXIT_USAGE;

	if (planfile && jp_report_plan_read(ctx, planfile, &plan) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return JP_EXIT_FAILURE;
	}
	jp_report_init(&rep, now, sla, stale);
	rep.have_plan = planfile != NULL;
	paths = report_expand(ctx, argv + optind, argc - optind, &npaths);
	for (k = 0; k < npaths; k++) {
		const char *path = paths[k];
		const struct jp_report_plan_host *ph = NULL;
		struct jp_report_history hist;
		struct jp_scan scan;
		size_t i;
		int h = 0;

		if (jp_scan_read(ctx, path, &scan) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			bad++;
			continue;
		}
		for (i = 0; i < rep.n; i++)
			if (!strcmp(rep.hosts[i].host, scan.host ? scan.host : "-"))
				jp_warn(ctx, "'%s': host '%s' is in more than one "
				    "scan", path, rep.hosts[i].host);
		if (planfile) {
			ph = jp_report_plan_find(&plan, scan.host);
			if (!ph)
				jp_verbose(ctx, "'%s': the plan has no host '%s'",
				    path, scan.host ? scan.host : "-");
		}
		if (histdir) {
			h = jp_report_history_read(ctx, histdir, scan.host,
			    &hist);
			if (h < 0) {
				jp_err(ctx, "%s", jp_error_msg(ctx));
				bad++;
				h = 0;
			} else if (h == 0) {
				jp_verbose(ctx, "no journal of host '%s' under "
				    "'%s'", scan.host ? scan.host : "-",
				    histdir);
			}
		}
		jp_report_add(&rep, &scan, ph, h ? &hist : NULL);
		jp_verbose(ctx, "%s: host %s", path, scan.host ? scan.host : "-");
		jp_scan_release(&scan);
	}
	jp_report_finish(&rep, planfile ? &plan : NULL);

	status = bad ? JP_EXIT_PARTIAL : JP_EXIT_OK;
	if (rep.n == 0) {
		jp_err(ctx, "no scan could be read");
		status = JP_EXIT_FAILURE;
		goto done;
	}
	/* The whole report first: -o then replaces FILE in one rename. */
	mem = open_memstream(&buf, &len);
	if (!mem) {
		jp_err(ctx, "cannot write the report: %s", strerror(errno));
		status = JP_EXIT_FAILURE;
		goto done;
	}
	if (fmt == FMT_JSON)
		jp_report_write_json(&rep, mem);
	else if (fmt == FMT_HTML)
		jp_report_write_html(&rep, mem);
	else
		jp_report_write_text(&rep, mem);
	if (fclose(mem) != 0) {
		jp_err(ctx, "cannot write the report: %s", strerror(errno));
		status = JP_EXIT_FAILURE;
		goto done;
	}
	if (out)
		rc = jp_file_write_atomic(ctx, out, buf, len);
	else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		rc = jp_error_errno(ctx, errno, "cannot write to standard "
		    "output");
	else
		rc = 0;
	if (rc < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		status = JP_EXIT_FAILURE;
	} else {
		jp_verbose(ctx, "%s: %zu hosts", out ? out : "stdout", rep.n);
	}
done:
	for (k = 0; k < npaths; k++)
		free(paths[k]);
	free(paths);
	free(buf);
	jp_report_release(&rep);
	jp_report_plan_release(&plan);
	return status;
}
