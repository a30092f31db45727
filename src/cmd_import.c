/*
 * cmd_import.c: `jprepo import`, verify a bundle completely and commit it
 * into a store, or refuse it and change nothing.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "commands.h"
#include "fsutil.h"

static const char import_usage[] =
	"usage: jprepo import --trust CERT.pem --store DIR [--wait SECONDS]\n"
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
	    "  -q, --quiet           print errors only\n"
	    "  -v, --verbose         say more\n"
	    "  -h, --help            show this help\n\n"
	    "Exit status: 0 imported, 2 usage error, 3 refused or failed (the\n"
	    "store is as it was), 4 the store is locked by another jprepo.\n",
	    stdout);
}

int
cmd_import(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_TRUST = 256, OPT_STORE, OPT_WAIT, OPT_SIGN, OPT_HOMEDIR,
	    OPT_PASSFILE };
	static const struct option longopts[] = {
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "homedir", required_argument, NULL, OPT_HOMEDIR },
		{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *trust = NULL, *store = NULL;
	struct jp_import_sign sign = { NULL, NULL, NULL };
	struct jp_bundle_stats st;
	double t0 = jp_now();
	int c, rc, wait_secs = 0;
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
	return JP_EXIT_OK;
}
