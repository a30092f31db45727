/*
 * cmd_bundle.c: `jprepo bundle verify` and `jprepo bundle info`.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "commands.h"
#include "fsutil.h"
#include "manifest.h"

static const char bundle_usage[] =
	"usage: jprepo bundle verify --trust CERT.pem [--store DIR] BUNDLEDIR\n"
	"       jprepo bundle info [--trust CERT.pem] [--json] BUNDLEDIR\n";

static void
bundle_help(void)
{
	fputs(bundle_usage, stdout);
	fputs("\nverify: check everything that jprepo import checks (the signature,\n"
	    "every volume, every file's size and sha256; with --store also the\n"
	    "bundle's sequence against the store's imports and the files an\n"
	    "incremental bundle keeps), changing nothing.\n"
	    "info: print the summary of the bundle's MANIFEST; with --trust the\n"
	    "signature is checked first.\n\n"
	    "Options:\n"
	    "      --trust CERT.pem  the signer's certificate or a CA that issued it\n"
	    "      --store DIR       (verify) check against this store too\n"
	    "      --json            (info) print a JSON object\n"
	    "  -q, --quiet           print errors only\n"
	    "  -v, --verbose         say more\n"
	    "  -h, --help            show this help\n\n"
	    "Exit status: 0 good, 2 usage error, 3 the bundle is refused (the\n"
	    "message names the problem) or cannot be read.\n", stdout);
}

static void
info_text(const struct jp_manifest *mf, const struct jp_bundle_stats *st,
    const char *sig)
{
	size_t i;

	printf("bundle:     %s\n", mf->bundle);
	printf("store:      %s (%s)\n", mf->store, mf->store_id);
	printf("sequence:   %" PRIu64 "\n", mf->sequence);
	if (mf->incremental)
		printf("type:       incremental, base %s (sequence %" PRIu64 ")\n",
		    mf->base, mf->base_sequence);
	else if (mf->merge)
		printf("type:       merge (adds packages: jprepo export --request)\n");
	else
		printf("type:       full\n");
	printf("created:    %s\n", mf->created);
	for (i = 0; i < mf->nrepos; i++)
		printf("repository: %s (%s)\n", mf->repos[i].name,
		    mf->repos[i].type);
	printf("volumes:    %zu, %" PRIu64 " bytes\n", mf->nvols,
	    st->volume_bytes);
	printf("files:      %zu carried (%" PRIu64 " bytes), %zu copied, %zu "
	    "kept, %zu deleted\n", st->carried, st->carried_bytes, st->copied,
	    st->kept, st->deleted);
	printf("signature:  %s\n", sig);
}

void
jp_cmd_json_bundle(FILE *fp, const struct jp_manifest *mf)
{
	fprintf(fp, "\"bundle\": \"%s\", \"store\": ", mf->bundle);
	jp_cmd_json_str(fp, mf->store);
	fprintf(fp, ", \"store_id\": \"%s\", \"sequence\": %" PRIu64
	    ", \"type\": \"%s\", \"base\": ", mf->store_id, mf->sequence,
	    mf->merge ? "merge" : mf->incremental ? "incremental" : "full");
	if (mf->incremental)
		fprintf(fp, "{\"bundle\": \"%s\", \"sequence\": %" PRIu64 "}",
		    mf->base, mf->base_sequence);
	else
		fputs("null", fp);
	fprintf(fp, ", \"created\": \"%s\"", mf->created);
}

static void
info_json(const struct jp_manifest *mf, const struct jp_bundle_stats *st,
    const char *sig)
{
	size_t i;

	putchar('{');
	jp_cmd_json_bundle(stdout, mf);
	printf(", \"repos\": [");
	for (i = 0; i < mf->nrepos; i++) {
		printf("%s{\"name\": ", i ? ", " : "");
		jp_cmd_json_str(stdout, mf->repos[i].name);
		printf(", \"type\": \"%s\"}", mf->repos[i].type);
	}
	printf("], \"volumes\": [");
	for (i = 0; i < mf->nvols; i++)
		printf("%s{\"number\": %" PRIu32 ", \"name\": \"%s\", \"size\": %"
		    PRIu64 "}", i ? ", " : "", mf->vols[i].number,
		    mf->vols[i].name, mf->vols[i].size);
	printf("], \"files\": {\"carried\": %zu, \"copied\": %zu, \"kept\": %zu, "
	    "\"deleted\": %zu, \"bytes\": %" PRIu64 "}, \"signature\": \"%s\"}\n",
	    st->carried, st->copied, st->kept, st->deleted, st->carried_bytes,
	    sig);
}

int
cmd_bundle(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_TRUST = 256, OPT_STORE, OPT_JSON };
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *store = NULL, *sub, *dir;
	struct jp_bundle_stats st;
	struct jp_manifest mf;
	int c, json = 0, verify;
	double t0 = jp_now();

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		bundle_help();
		return JP_EXIT_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "verify") && strcmp(argv[1], "info"))) {
		jp_err(ctx, argc < 2 ? "no subcommand (verify or info)" :
		    "unknown subcommand '%s' (verify or info)", argv[1]);
		return jp_cmd_usage_error(ctx, bundle_usage);
	}
	sub = argv[1];
	verify = !strcmp(sub, "verify");
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			bundle_help();
			return JP_EXIT_OK;
		case OPT_TRUST:
			trust = optarg;
			break;
		case OPT_STORE:
			if (!verify) {
				jp_err(ctx, "--store goes with bundle verify");
				return jp_cmd_usage_error(ctx, bundle_usage);
			}
			store = optarg;
			break;
		case OPT_JSON:
			if (verify) {
				jp_err(ctx, "--json goes with bundle info");
				return jp_cmd_usage_error(ctx, bundle_usage);
			}
			json = 1;
			break;
		default:
			return jp_cmd_usage_error(ctx, bundle_usage);
		}
	}
	if (argc - optind != 1 || (verify && !trust)) {
		jp_err(ctx, "%s", verify && !trust ?
		    "no trust certificate (--trust CERT.pem)" :
		    argc - optind == 0 ? "no bundle directory given" :
		    "one bundle at a time");
		return jp_cmd_usage_error(ctx, bundle_usage);
	}
	dir = argv[optind];
	if (verify) {
		if (jp_bundle_verify(ctx, dir, trust, store, &st) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			return JP_EXIT_FAILURE;
		}
		jp_info(ctx, "%s: bundle %s, store '%s' sequence %" PRIu64 ": "
		    "signature good, %zu volumes and %zu files check out%s "
		    "(%.1f s)", dir, st.bundle, st.store, st.sequence, st.nvols,
		    st.carried, store ? ", fits the store" : "", jp_now() - t0);
		return JP_EXIT_OK;
	}
	if (jp_bundle_open(ctx, dir, trust, &mf, NULL, 0) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return JP_EXIT_FAILURE;
	}
	jp_bundle_stats_of(&mf, &st);
	if (json)
		info_json(&mf, &st, trust ? "good" : "not checked");
	else
		info_text(&mf, &st, trust ? "good" : "not checked");
	jp_manifest_release(&mf);
	return JP_EXIT_OK;
}
