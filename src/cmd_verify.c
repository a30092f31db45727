/*
 * cmd_verify.c: `jprepo verify`, check a repository's chain of trust from
 * its signature down to each package and name the first broken link.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fsutil.h"
#include "verify.h"

/* Declared in commands.h by the command table's owner. */

static const char verify_usage[] =
	"usage: jprepo verify [--keyring KEYFILE] [--packages] [-j N] [--json] REPO\n";

static void
verify_help(void)
{
	fputs(verify_usage, stdout);
	fputs("\nCheck the chain of trust of an RPM-MD or APT repository: the\n"
	    "signature over repodata/repomd.xml or dists/SUITE/Release, the size\n"
	    "and checksum of each metadata file they list, and the size (with\n"
	    "--packages also the checksum) of each package the metadata lists.\n"
	    "Package files that no metadata lists are reported as warnings.\n\n"
	    "Options:\n"
	    "      --keyring KEYFILE  trust only the OpenPGP keys in KEYFILE\n"
	    "                         (without it the signature is not checked)\n"
	    "      --packages         also check each package's checksum\n"
	    "  -j, --jobs N           worker threads (default: online CPUs)\n"
	    "      --json             print the result as JSON on stdout\n"
	    "  -q, --quiet            print errors only\n"
	    "  -v, --verbose          say more\n"
	    "  -h, --help             show this help\n\n"
	    "Exit status: 0 every link holds, 1 a link is broken (the first\n"
	    "broken link is named first), 2 usage error, 3 could not run.\n", stdout);
}

static void
verify_json_list(FILE *fp, const struct jp_verify_problem *v, size_t n)
{
	size_t i;

	putc('[', fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ", {\"file\": " : "{\"file\": ", fp);
		jp_cmd_json_str(fp, v[i].file);
		fputs(", \"problem\": ", fp);
		jp_cmd_json_str(fp, v[i].problem);
		putc('}', fp);
	}
	putc(']', fp);
}

static void
verify_json(FILE *fp, const char *repo, const struct jp_verify_result *res)
{
	fputs("{\"repo\": ", fp);
	jp_cmd_json_str(fp, repo);
	fprintf(fp, ", \"format\": \"%s\", \"ok\": %s, \"signature\": \"%s\", "
	    "\"errors\": ", jp_verify_format_name(res->format),
	    res->nerrors ? "false" : "true", jp_verify_sig_name(res->signature));
	verify_json_list(fp, res->errors, res->nerrors);
	fputs(", \"warnings\": ", fp);
	verify_json_list(fp, res->warnings, res->nwarnings);
	fprintf(fp, ", \"packages\": %zu}\n", res->packages);
}

int
cmd_verify(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_KEYRING = 256, OPT_PACKAGES, OPT_JSON };
	static const struct option longopts[] = {
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "packages", no_argument, NULL, OPT_PACKAGES },
		{ "jobs", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct jp_verify_opts opts = { 0 };
	struct jp_verify_result res;
	const char *repo;
	int c, json = 0;
	long v;
	size_t i;

	opts.jobs = jp_ncpus();
	while ((c = getopt_long(argc, argv, "hj:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			verify_help();
			return JP_EXIT_OK;
		case 'j':
			v = jp_cmd_parse_count(optarg, 1024);
			if (v < 1) {
				jp_err(ctx, "-j needs a number of workers from 1 to 1024, "
				    "not '%s'", optarg);
				return JP_EXIT_USAGE;
			}
			opts.jobs = (int)v;
			break;
		case OPT_KEYRING:
			if (!*optarg) {
				jp_err(ctx, "--keyring needs a key file");
				return JP_EXIT_USAGE;
			}
			opts.keyring = optarg;
			break;
		case OPT_PACKAGES:
			opts.packages = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return jp_cmd_usage_error(ctx, verify_usage);
		}
	}
	if (argc - optind != 1) {
		if (argc - optind == 0)
			jp_err(ctx, "no repository given");
		else
			jp_err(ctx, "one repository at a time, got %d", argc - optind);
		return jp_cmd_usage_error(ctx, verify_usage);
	}
	repo = argv[optind];
	if (opts.keyring) {
		FILE *kf = fopen(opts.keyring, "rb");

		if (!kf) {
			jp_err(ctx, "cannot read key file '%s': %s", opts.keyring,
			    strerror(errno));
			return JP_EXIT_FAILURE;
		}
		fclose(kf);
	}

	if (jp_verify(ctx, repo, &opts, &res) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		jp_verify_result_release(&res);
		return JP_EXIT_FAILURE;
	}
	for (i = 0; i < res.nerrors; i++)
		jp_err(ctx, "%s: %s", res.errors[i].file, res.errors[i].problem);
	for (i = 0; i < res.nwarnings; i++)
		jp_warn(ctx, "%s: %s", res.warnings[i].file,
		    res.warnings[i].problem);
	if (json)
		verify_json(stdout, repo, &res);
	if (res.nerrors)
		jp_info(ctx, "%s: %s, %zu packages, signature %s, %zu errors, "
		    "%zu warnings; first broken link: %s", repo,
		    jp_verify_format_name(res.format), res.packages,
		    jp_verify_sig_name(res.signature), res.nerrors,
		    res.nwarnings, res.errors[0].file);
	else
		jp_info(ctx, "%s: %s, %zu packages, signature %s, %zu warnings; "
		    "every link holds%s", repo, jp_verify_format_name(res.format),
		    res.packages, jp_verify_sig_name(res.signature),
		    res.nwarnings, opts.packages ? "" :
		    " (package checksums not checked without --packages)");
	c = res.nerrors ? JP_EXIT_PARTIAL : JP_EXIT_OK;
	jp_verify_result_release(&res);
	return c;
}
