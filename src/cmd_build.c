/*
 * cmd_build.c: `jprepo build`, index a directory of packages into a
 * repository.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aptmd.h"
#include "commands.h"
#include "fsutil.h"
#include "repobuild.h"
#include "rpmmd.h"

static const char build_usage[] =
	"usage: jprepo build [-j N] [--compress gz|xz|zstd] [--no-cache]\n"
	"                    [--advisories FILE]... [--strict] [--wait SECONDS]\n"
	"                    [--suite S] [--codename C] [--component C] [--origin O]\n"
	"                    [--label L] [--valid-for DAYS]\n"
	"                    [--sign KEYID [--homedir GNUPGHOME] [--passphrase-file FILE]]\n"
	"                    [--json] REPO\n";

static void
build_help(void)
{
	fputs(build_usage, stdout);
	fputs("\nIndex the .rpm files under REPO into REPO/repodata/ for dnf, yum\n"
	    "and zypper, or the .deb files under REPO into REPO/dists/SUITE/ for\n"
	    "apt.  Unchanged files are taken from REPO/.jprepo/cache.sqlite; the\n"
	    "new metadata replaces the old in one atomic step.\n\n"
	    "Options:\n"
	    "  -j, --jobs N           worker threads (default: online CPUs)\n"
	    "      --compress ALGO    gz (default), xz or zstd\n"
	    "      --no-cache         read every package again\n"
	    "      --advisories FILE  add advisories (repeatable; merged): an\n"
	    "                         updateinfo.xml (RPM-MD), or the Debian\n"
	    "                         Security Tracker's JSON or a DSA/DLA list\n"
	    "                         (APT: fixes of the --codename release)\n"
	    "      --strict           publish nothing if any package is bad\n"
	    "      --wait SECONDS     wait that long for another build's lock\n"
	    "                         (default 0: fail at once; -1: forever)\n"
	    "APT repositories (.deb):\n"
	    "      --suite S          suite name (default: stable)\n"
	    "      --codename C       Codename: field, the release of the\n"
	    "                         advisories (default: the suite)\n"
	    "      --component C      component (default: main)\n"
	    "      --origin O         Origin: field\n"
	    "      --label L          Label: field\n"
	    "      --valid-for DAYS   Release carries Valid-Until: now + DAYS\n\n"
	    "Signing (OpenPGP, through gpg):\n"
	    "      --sign KEYID       sign the new metadata before it is published\n"
	    "      --homedir DIR      GnuPG home of the key (default: $GNUPGHOME)\n"
	    "      --passphrase-file FILE  the key's passphrase, if it has one\n\n"
	    "      --json             print the result as JSON on stdout\n"
	    "  -q, --quiet            print errors only\n"
	    "  -v, --verbose          print each package read\n"
	    "  -h, --help             show this help\n\n"
	    "Exit status: 0 done, 1 some packages were bad and left out,\n"
	    "2 usage error, 3 failed (nothing changed), 4 repository locked.\n", stdout);
}

/* SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the metadata's times. */
static int
build_revision(struct jp_ctx *ctx, int64_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*out = (int64_t)time(NULL);
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 0) {
		jp_err(ctx, "SOURCE_DATE_EPOCH '%s' is not a number of seconds", s);
		return -1;
	}
	/* A date in the future makes apt refuse the Release ("not valid yet"). */
	if (v > (long long)*out) {
		jp_warn(ctx, "SOURCE_DATE_EPOCH %s is in the future; using the "
		    "current time", s);
		return 0;
	}
	*out = v;
	return 0;
}

/*
 * The --json object on fp, the schema of jprepo-build(1), JSON OUTPUT:
 * what the summary line says, and where the metadata is.
 */
static void
build_json(FILE *fp, const char *repo, const struct jp_build_opts *o,
    const struct jp_build_stats *st)
{
	const char *suite = o->suite ? o->suite : "stable";
	int apt = st->format == JP_REPO_APT;
	size_t i;

	fputs("{\"repo\": ", fp);
	jp_cmd_json_str(fp, repo);
	fprintf(fp, ", \"format\": \"%s\", \"metadata\": ",
	    apt ? "apt" : "rpm-md");
	if (apt) {
		char *rel = jp_xasprintf("dists/%s/Release", suite);

		jp_cmd_json_str(fp, rel);
		free(rel);
		fputs(", \"suite\": ", fp);
		jp_cmd_json_str(fp, suite);
		fputs(", \"component\": ", fp);
		jp_cmd_json_str(fp, o->component ? o->component : "main");
	} else {
		fputs("\"repodata/repomd.xml\", \"suite\": null, "
		    "\"component\": null", fp);
	}
	fprintf(fp, ", \"packages\": %zu, \"added\": %zu, \"removed\": %zu, "
	    "\"cached\": %zu, \"failed\": [", st->packages, st->added,
	    st->removed, st->reused);
	for (i = 0; i < st->nfailures; i++) {
		fputs(i ? ", {\"path\": " : "{\"path\": ", fp);
		jp_cmd_json_str(fp, st->failures[i].path);
		fputs(", \"error\": ", fp);
		jp_cmd_json_str(fp, st->failures[i].error);
		putc('}', fp);
	}
	fprintf(fp, "], \"sources\": %zu, \"duplicates\": %zu, "
	    "\"up_to_date\": %s, \"key\": ", st->sources, st->duplicates,
	    st->up_to_date ? "true" : "false");
	if (o->sign_key)
		jp_cmd_json_str(fp, o->sign_key);
	else
		fputs("null", fp);
	fprintf(fp, ", \"seconds\": %.3f}\n", st->seconds);
}

int
cmd_build(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_COMPRESS = 256, OPT_NO_CACHE, OPT_ADVISORIES, OPT_STRICT, OPT_WAIT,
	    OPT_SUITE, OPT_CODENAME, OPT_COMPONENT, OPT_ORIGIN, OPT_LABEL,
	    OPT_VALID_FOR, OPT_SIGN, OPT_HOMEDIR, OPT_PASSFILE, OPT_JSON };
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ "advisories", required_argument, NULL, OPT_ADVISORIES },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "suite", required_argument, NULL, OPT_SUITE },
		{ "codename", required_argument, NULL, OPT_CODENAME },
		{ "component", required_argument, NULL, OPT_COMPONENT },
		{ "origin", required_argument, NULL, OPT_ORIGIN },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "valid-for", required_argument, NULL, OPT_VALID_FOR },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "homedir", required_argument, NULL, OPT_HOMEDIR },
		{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct jp_build_opts opts = { 0 };
	struct jp_build_stats stats = { 0 };
	const char **advisories;
	size_t nadv = 0;
	const char *repo;
	int c, rc, json = 0, status = JP_EXIT_USAGE;
	long v;

	advisories = jp_xcalloc((size_t)argc + 1, sizeof(*advisories));
	opts.jobs = jp_ncpus();
	opts.compress = JP_COMPRESS_GZ;
	while ((c = getopt_long(argc, argv, "hj:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			build_help();
			status = JP_EXIT_OK;
			goto out;
		case 'j':
			v = jp_cmd_parse_count(optarg, 1024);
			if (v < 1) {
				jp_err(ctx, "-j needs a number of workers from 1 to 1024, "
				    "not '%s'", optarg);
				goto out;
			}
			opts.jobs = (int)v;
			break;
		case OPT_COMPRESS:
			opts.compress = jp_compress_parse(optarg);
			opts.compress_set = 1;
			if (opts.compress < 0 || opts.compress == JP_COMPRESS_NONE) {
				jp_err(ctx, "unknown compression '%s': use gz, xz or zstd",
				    optarg);
				goto out;
			}
			break;
		case OPT_NO_CACHE:
			opts.no_cache = 1;
			break;
		case OPT_ADVISORIES:
			advisories[nadv++] = optarg;
			break;
		case OPT_STRICT:
			opts.strict = 1;
			break;
		case OPT_WAIT:
			if (!strcmp(optarg, "-1")) {
				opts.wait_secs = -1;
				break;
			}
			v = jp_cmd_parse_count(optarg, INT_MAX);
			if (v < 0) {
				jp_err(ctx, "--wait needs a number of seconds, not '%s'",
				    optarg);
				goto out;
			}
			opts.wait_secs = (int)v;
			break;
		case OPT_SUITE:
			opts.suite = optarg;
			opts.apt_hint = 1;
			break;
		case OPT_CODENAME:
			opts.codename = optarg;
			opts.apt_hint = 1;
			break;
		case OPT_COMPONENT:
			opts.component = optarg;
			opts.apt_hint = 1;
			break;
		case OPT_ORIGIN:
			opts.origin = optarg;
			opts.apt_hint = 1;
			break;
		case OPT_LABEL:
			opts.label = optarg;
			opts.apt_hint = 1;
			break;
		case OPT_VALID_FOR:
			v = jp_cmd_parse_count(optarg, 36500);
			if (v < 1) {
				jp_err(ctx, "--valid-for needs a number of days from 1 "
				    "to 36500, not '%s'", optarg);
				goto out;
			}
			opts.valid_for_days = (int)v;
			opts.apt_hint = 1;
			break;
		case OPT_SIGN:
			opts.sign_key = optarg;
			break;
		case OPT_HOMEDIR:
			opts.sign_homedir = optarg;
			break;
		case OPT_PASSFILE:
			opts.sign_passphrase_file = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			jp_cmd_usage_error(ctx, build_usage);
			goto out;
		}
	}
	if ((opts.sign_homedir || opts.sign_passphrase_file) && !opts.sign_key) {
		jp_err(ctx, "--homedir and --passphrase-file go with --sign KEYID");
		jp_cmd_usage_error(ctx, build_usage);
		goto out;
	}
	if (argc - optind != 1) {
		if (argc - optind == 0)
			jp_err(ctx, "no repository given");
		else
			jp_err(ctx, "one repository at a time, got %d", argc - optind);
		jp_cmd_usage_error(ctx, build_usage);
		goto out;
	}
	repo = argv[optind];
	opts.advisories = advisories;
	{
		/* Bad APT names are usage errors, found before anything is read. */
		struct jp_aptmd_opts ao = {
			.suite = opts.suite ? opts.suite : "stable",
			.codename = opts.codename,
			.component = opts.component,
			.origin = opts.origin,
			.label = opts.label,
			.valid_for_days = opts.valid_for_days,
		};

		if (jp_aptmd_check_opts(ctx, &ao) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
	}
	if (build_revision(ctx, &opts.revision) < 0)
		goto out;

	rc = jp_repobuild(ctx, repo, &opts, &stats);
	if (rc < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		status = rc == JP_ERR_BUSY ? JP_EXIT_BUSY : JP_EXIT_FAILURE;
		goto out;
	}
	jp_info(ctx, "%s: %zu packages, %zu added, %zu removed, "
	    "%zu reused from cache, %zu failed (%.2f s)%s",
	    repo, stats.packages, stats.added, stats.removed, stats.reused,
	    stats.failed, stats.seconds,
	    stats.up_to_date ? "; up to date, nothing written" : "");
	if (json) {
		build_json(stdout, repo, &opts, &stats);
		if (fflush(stdout) != 0) {
			jp_err(ctx, "cannot write to stdout");
			status = JP_EXIT_FAILURE;
			goto out;
		}
	}
	status = ctx->had_error ? JP_EXIT_PARTIAL : JP_EXIT_OK;
out:
	jp_build_stats_release(&stats);
	free(advisories);
	return status;
}
