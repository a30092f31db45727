/*
 * cmd_key.c: `jprepo key`, make and export the repository signing key.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "pgp.h"

static const char key_usage[] =
	"usage: jprepo key generate [--homedir G] [--algo rsa3072|ed25519]\n"
	"                           [--uid \"NAME <MAIL>\"] [--expire DAYS] [--json]\n"
	"       jprepo key export [--homedir G] --key KEYID -o BASE [--json]\n";

static void
key_help(void)
{
	fputs(key_usage, stdout);
	fputs("\ngenerate: make a new OpenPGP key pair able to sign, without\n"
	    "passphrase, in the GnuPG home; print its fingerprint on stdout.\n"
	    "export: write the public key as BASE.asc (armored, for dnf gpgkey=\n"
	    "and zypper) and BASE.gpg (binary, for apt signed-by=).\n\n"
	    "Options:\n"
	    "      --homedir DIR   GnuPG home (default: $GNUPGHOME or ~/.gnupg)\n"
	    "      --algo ALGO     rsa3072 (default) or ed25519\n"
	    "      --uid UID       user id (default: \"jprepo repository signing key\")\n"
	    "      --expire DAYS   key expires after DAYS (default: never)\n"
	    "  -k, --key KEYID     key to export\n"
	    "  -o, --output BASE   output file names without suffix\n"
	    "      --json          print the result as JSON on stdout\n"
	    "  -q, --quiet         print errors only\n"
	    "  -v, --verbose       say more\n"
	    "  -h, --help          show this help\n\n"
	    "Exit status: 0 done, 2 usage error, 3 failed.\n", stdout);
}

/*
 * The --json object of key generate on fp (jprepo-key(1), JSON OUTPUT).
 * expire_days 0: the key never expires.
 */
static void
key_generate_json(FILE *fp, const char *fpr, const char *algo,
    const char *uid, long expire_days)
{
	fputs("{\"fingerprint\": ", fp);
	jp_cmd_json_str(fp, fpr);
	fputs(", \"algo\": ", fp);
	jp_cmd_json_str(fp, algo);
	fputs(", \"uid\": ", fp);
	jp_cmd_json_str(fp, uid);
	if (expire_days > 0)
		fprintf(fp, ", \"expire_days\": %ld}\n", expire_days);
	else
		fputs(", \"expire_days\": null}\n", fp);
}

/*
 * The --json object of key export on fp: the two files written and their
 * sizes.  Returns -1 (message recorded) when one cannot be looked at.
 */
static int
key_export_json(struct jp_ctx *ctx, FILE *fp, const char *keyid,
    const char *asc, const char *gpg)
{
	struct stat sa, sg;

	if (stat(asc, &sa) < 0)
		return jp_error_errno(ctx, errno, "cannot stat '%s'", asc);
	if (stat(gpg, &sg) < 0)
		return jp_error_errno(ctx, errno, "cannot stat '%s'", gpg);
	fputs("{\"key\": ", fp);
	jp_cmd_json_str(fp, keyid);
	fputs(", \"files\": [{\"path\": ", fp);
	jp_cmd_json_str(fp, asc);
	fprintf(fp, ", \"armor\": true, \"size\": %lld}, {\"path\": ",
	    (long long)sa.st_size);
	jp_cmd_json_str(fp, gpg);
	fprintf(fp, ", \"armor\": false, \"size\": %lld}]}\n",
	    (long long)sg.st_size);
	return 0;
}

/* Declared in commands.h as well once the command table has it. */

int
cmd_key(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_HOMEDIR = 256, OPT_ALGO, OPT_UID, OPT_EXPIRE, OPT_JSON };
	static const struct option longopts[] = {
		{ "homedir", required_argument, NULL, OPT_HOMEDIR },
		{ "algo", required_argument, NULL, OPT_ALGO },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "expire", required_argument, NULL, OPT_EXPIRE },
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *homedir = NULL, *algo = "rsa3072", *keyid = NULL, *base = NULL;
	const char *uid = "jprepo repository signing key", *sub;
	char fpr[JP_PGP_FPR_MAX], *asc = NULL, *gpg = NULL;
	unsigned long expire = 0;
	int c, gen, json = 0, status = JP_EXIT_USAGE;
	long v, expire_days = 0;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		key_help();
		return JP_EXIT_OK;
	}
	if (argc < 2) {
		jp_err(ctx, "no key command given (generate or export)");
		return jp_cmd_usage_error(ctx, key_usage);
	}
	sub = argv[1];
	if (!strcmp(sub, "generate"))
		gen = 1;
	else if (!strcmp(sub, "export"))
		gen = 0;
	else {
		jp_err(ctx, "unknown key command '%s' (use generate or export)", sub);
		return jp_cmd_usage_error(ctx, key_usage);
	}
	argc--;
	argv++;
	optind = 0;	/* glibc: start over with the sub-command's arguments */
	while ((c = getopt_long(argc, argv, "hk:o:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			key_help();
			return JP_EXIT_OK;
		case OPT_HOMEDIR:
			homedir = optarg;
			break;
		case OPT_ALGO:
			if (strcmp(optarg, "rsa3072") && strcmp(optarg, "ed25519")) {
				jp_err(ctx, "unknown key algorithm '%s': use rsa3072 or "
				    "ed25519", optarg);
				return JP_EXIT_USAGE;
			}
			algo = optarg;
			break;
		case OPT_UID:
			uid = optarg;
			break;
		case OPT_EXPIRE:
			v = jp_cmd_parse_count(optarg, 36500);
			if (v < 1) {
				jp_err(ctx, "--expire needs a number of days from 1 to "
				    "36500, not '%s'", optarg);
				return JP_EXIT_USAGE;
			}
			expire = (unsigned long)v * 86400UL;
			expire_days = v;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'k':
			keyid = optarg;
			break;
		case 'o':
			base = optarg;
			break;
		default:
			return jp_cmd_usage_error(ctx, key_usage);
		}
	}
	if (optind != argc) {
		jp_err(ctx, "unexpected argument '%s'", argv[optind]);
		return jp_cmd_usage_error(ctx, key_usage);
	}
	if (gen) {
		if (keyid || base) {
			jp_err(ctx, "--key and -o belong to 'key export'");
			return jp_cmd_usage_error(ctx, key_usage);
		}
		if (jp_pgp_generate_key(ctx, homedir, uid, algo, expire, fpr,
		    sizeof(fpr)) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			return JP_EXIT_FAILURE;
		}
		if (json)
			key_generate_json(stdout, fpr, algo, uid, expire_days);
		else
			printf("%s\n", fpr);
		if (fflush(stdout) != 0) {
			jp_err(ctx, "cannot write to stdout");
			return JP_EXIT_FAILURE;
		}
		return JP_EXIT_OK;
	}
	if (!keyid || !base) {
		jp_err(ctx, "'key export' needs --key KEYID and -o BASE");
		return jp_cmd_usage_error(ctx, key_usage);
	}
	status = JP_EXIT_FAILURE;
	asc = jp_xasprintf("%s.asc", base);
	gpg = jp_xasprintf("%s.gpg", base);
	if (jp_pgp_export_key(ctx, homedir, keyid, asc, 1) < 0 ||
	    jp_pgp_export_key(ctx, homedir, keyid, gpg, 0) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		goto out;
	}
	jp_info(ctx, "wrote '%s' and '%s'", asc, gpg);
	if (json) {
		if (key_export_json(ctx, stdout, keyid, asc, gpg) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
		if (fflush(stdout) != 0) {
			jp_err(ctx, "cannot write to stdout");
			goto out;
		}
	}
	status = JP_EXIT_OK;
out:
	free(asc);
	free(gpg);
	return status;
}
