/*
 * cmd_import.c: `jprepo import`, verify a bundle completely and commit it
 * into a store, or refuse it and change nothing.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "commands.h"
#include "fsutil.h"
#include "manifest.h"

static const char import_usage[] =
	"usage: jprepo import --trust CERT.pem --store DIR [--wait SECONDS] [--json]\n"
	"                     [--sign KEYID [--homedir DIR] [--passphrase-file F]]\n"
	"                     BUNDLEDIR\n";

static void
import_help(void)
{
	fputs(import_usage, stdout);
	fputs("\nCheck the bundle in BUNDLEDIR (its signature first, then every\n"
	    "volume and every file's size and sha256) while extracting it into a\n"
	    "staging directory inside the store, and only when all of it holds\n"
	    "put each repository in place as DIR/NAME with a rename.  Replayed and\n"
	    "out-of-order bundles are refused.  BUNDLEDIR is only read.\n\n"
	    "Options:\n"
	    "      --trust CERT.pem  the signer's certificate or a CA that issued it\n"
	    "      --store DIR       the store to import into (made if missing)\n"
	    "      --wait SECONDS    wait that long for the store's lock\n"
	    "      --sign KEYID      for a bundle that adds packages (jprepo export\n"
	    "                        --request): sign the rebuilt repositories\n"
	    "      --homedir DIR     the GnuPG home holding KEYID\n"
	    "      --passphrase-file F  the passphrase of KEYID\n"
	    "      --json            print what was imported as JSON on stdout\n"
	    "  -q, --quiet           print errors only\n"
	    "  -v, --verbose         say more\n"
	    "  -h, --help            show this help\n\n"
	    "Exit status: 0 imported, 2 usage error, 3 refused or failed (the\n"
	    "store is as it was), 4 the store is locked by another jprepo.\n",
	    stdout);
}

/*
 * The --json object on fp (jprepo-import(1), JSON OUTPUT): the bundle
 * imported, as its MANIFEST describes it (the field names those of jprepo
 * bundle info --json), where each repository now is, and what this
 * import carried, copied, kept and deleted.
 */
static void
import_json(FILE *fp, const char *store, const struct jp_manifest *mf,
    const struct jp_bundle_stats *st, double seconds)
{
	size_t i;

	fputs("{\"store_dir\": ", fp);
	jp_cmd_json_str(fp, store);
	fputs(", ", fp);
	jp_cmd_json_bundle(fp, mf);
	fputs(", \"repos\": [", fp);
	for (i = 0; i < mf->nrepos; i++) {
		char *path = jp_path_join(store, mf->repos[i].name);

		fputs(i ? ", {\"name\": " : "{\"name\": ", fp);
		jp_cmd_json_str(fp, mf->repos[i].name);
		fputs(", \"type\": ", fp);
		jp_cmd_json_str(fp, mf->repos[i].type);
		fputs(", \"path\": ", fp);
		jp_cmd_json_str(fp, path);
		putc('}', fp);
		free(path);
	}
	fputs("], \"volumes\": [", fp);
	for (i = 0; i < mf->nvols; i++) {
		fprintf(fp, "%s{\"number\": %" PRIu32 ", \"name\": ",
		    i ? ", " : "", mf->vols[i].number);
		jp_cmd_json_str(fp, mf->vols[i].name);
		fprintf(fp, ", \"size\": %" PRIu64 "}", mf->vols[i].size);
	}
	fprintf(fp, "], \"files\": {\"carried\": %zu, \"copied\": %zu, "
	    "\"kept\": %zu, \"deleted\": %zu, \"bytes\": %" PRIu64 "}, "
	    "\"seconds\": %.3f}\n", st->carried, st->copied, st->kept,
	    st->deleted, st->carried_bytes, seconds);
}

int
cmd_import(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_TRUST = 256, OPT_STORE, OPT_WAIT, OPT_SIGN, OPT_HOMEDIR,
	    OPT_PASSFILE, OPT_JSON };
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "homedir", required_argument, NULL, OPT_HOMEDIR },
		{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *store = NULL;
	struct jp_import_sign sign = { NULL, NULL, NULL };
	struct jp_bundle_stats st;
	double t0 = jp_now();
	int c, rc, json = 0, wait_secs = 0;
	long v;

	while ((c = getopt_long(argc, argv, "hqv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			import_help();
			return JP_EXIT_OK;
		case OPT_TRUST:
			trust = optarg;
			break;
		case OPT_STORE:
			store = optarg;
			break;
		case OPT_WAIT:
			v = jp_cmd_parse_count(optarg, 86400 * 7);
			if (v < 0) {
				jp_err(ctx, "--wait needs a number of seconds, "
				    "not '%s'", optarg);
				return JP_EXIT_USAGE;
			}
			wait_secs = (int)v;
			break;
		case OPT_SIGN:
			sign.key = optarg;
			break;
		case OPT_HOMEDIR:
			sign.homedir = optarg;
			break;
		case OPT_PASSFILE:
			sign.passphrase_file = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return jp_cmd_usage_error(ctx, import_usage);
		}
	}
	if ((sign.homedir || sign.passphrase_file) && !sign.key) {
		jp_err(ctx, "--homedir and --passphrase-file go with --sign");
		return jp_cmd_usage_error(ctx, import_usage);
	}
	if (!trust || !store || argc - optind != 1) {
		jp_err(ctx, "%s", !trust ? "no trust certificate (--trust CERT.pem)" :
		    !store ? "no store (--store DIR)" : argc - optind == 0 ?
		    "no bundle directory given" : "one bundle at a time");
		return jp_cmd_usage_error(ctx, import_usage);
	}
	rc = jp_bundle_import(ctx, argv[optind], trust, store, wait_secs, &sign,
	    &st);
	if (rc < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return rc == JP_ERR_BUSY ? JP_EXIT_BUSY : rc == JP_ERR_USAGE ?
		    JP_EXIT_USAGE : JP_EXIT_FAILURE;
	}
	jp_info(ctx, "%s: imported bundle %s, store '%s' sequence %" PRIu64
	    " (%s): %zu repositor%s, %zu files carried (%.1f MB), %zu copied, "
	    "%zu kept, %zu deleted (%.1f s)", store, st.bundle, st.store,
	    st.sequence, st.merge ? "adds packages" : st.incremental ?
	    "incremental" : "full", st.nrepos,
	    st.nrepos == 1 ? "y" : "ies",
	    st.carried, st.carried_bytes / 1e6, st.copied, st.kept, st.deleted,
	    jp_now() - t0);
	if (json) {
		struct jp_manifest mf;
		char *mpath = jp_path_join(argv[optind], "MANIFEST");

		/*
		 * The import checked this MANIFEST against its signature; read
		 * again, it must still name the bundle imported.
		 */
		memset(&mf, 0, sizeof(mf));
		rc = jp_manifest_read(ctx, mpath, &mf);
		free(mpath);
		if (rc < 0 || strcmp(mf.bundle, st.bundle) != 0) {
			jp_err(ctx, "bundle %s was imported into '%s', but cannot be "
			    "described: %s", st.bundle, store, rc < 0 ?
			    jp_error_msg(ctx) : "its MANIFEST changed meanwhile");
			jp_manifest_release(&mf);
			return JP_EXIT_FAILURE;
		}
		import_json(stdout, store, &mf, &st, jp_now() - t0);
		jp_manifest_release(&mf);
		if (fflush(stdout) != 0) {
			jp_err(ctx, "cannot write to stdout");
			return JP_EXIT_FAILURE;
		}
	}
	return JP_EXIT_OK;
}
