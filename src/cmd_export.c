/*
 * cmd_export.c: `jprepo export`, write repositories of a store into a
 * signed bundle of size-limited volumes for portable media.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "commands.h"
#include "fsutil.h"
#include "manifest.h"
#include "request.h"

static const char export_usage[] =
	"usage: jprepo export -o OUTDIR --sign-key KEY.pem --sign-cert CERT.pem\n"
	"                     [--since MANIFEST] [--volume-size SIZE]\n"
	"                     [--request FILE] [--store-name NAME] [--no-readback]\n"
	"                     [--wait SECONDS] [--json]\n"
	"                     REPO...\n";

static void
export_help(void)
{
	fputs(export_usage, stdout);
	fputs("\nWrite the repositories REPO... (directories in one store directory)\n"
	    "into a bundle in OUTDIR: tar volumes of at most SIZE bytes, a MANIFEST\n"
	    "listing every file with its size and sha256, and MANIFEST.sig, a CMS\n"
	    "signature over it.  MANIFEST is written last: a directory without it\n"
	    "holds no complete bundle.  The volumes are read back and checked\n"
	    "after writing.  REPO/.jprepo/ never travels.\n\n"
	    "Options:\n"
	    "  -o, --output OUTDIR     directory for the bundle (made if missing;\n"
	    "                          must not hold a bundle)\n"
	    "      --sign-key KEY.pem  the signer's private key (PEM, unencrypted)\n"
	    "      --sign-cert CERT.pem  the signer's certificate (PEM)\n"
	    "      --since MANIFEST    incremental: carry only what changed since the\n"
	    "                          bundle of this MANIFEST\n"
	    "      --request FILE      carry only what a request file of the isolated\n"
	    "                          side asks for (jprepo plan --request-out): the\n"
	    "                          updates its hosts lack, what they need, the\n"
	    "                          advisories; imported with jprepo import --sign\n"
	    "      --volume-size SIZE  largest volume, bytes or with K, M, G, T\n"
	    "                          (default 4G minus 1M, fits FAT32; least 64K)\n"
	    "      --store-name NAME   the store's name in the bundle (default: the\n"
	    "                          name of the repositories' directory)\n"
	    "      --no-readback       do not read the volumes back\n"
	    "      --wait SECONDS      wait that long for a lock (default: fail)\n"
	    "      --json              print the bundle written as JSON on stdout\n"
	    "  -q, --quiet             print errors only\n"
	    "  -v, --verbose           say more\n"
	    "  -h, --help              show this help\n\n"
	    "Exit status: 0 bundle written, 2 usage error, 3 failure (no bundle\n"
	    "written), 4 a repository or the store is locked.\n", stdout);
}

/* Remove the temporary directory of a request's advisories. */
static void
remove_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

/* Do the last components of a and b (trailing slashes aside) match? */
static int
same_basename(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *sa, *sb;
	size_t na, nb;

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	for (sa = a + la; sa > a && sa[-1] != '/'; sa--)
		;
	for (sb = b + lb; sb > b && sb[-1] != '/'; sb--)
		;
	na = (size_t)(a + la - sa);
	nb = (size_t)(b + lb - sb);
	return na == nb && memcmp(sa, sb, na) == 0;
}

/*
 * The --json object on fp (jprepo-export(1), JSON OUTPUT): the bundle as
 * its MANIFEST in outdir describes it, the field names those of jprepo
 * bundle info --json, and what this run carried.
 */
static void
export_json(FILE *fp, const char *outdir, const struct jp_manifest *mf,
    const struct jp_bundle_stats *st, const char *req_path, size_t npkgs,
    double seconds)
{
	size_t i;

	fputs("{\"output\": ", fp);
	jp_cmd_json_str(fp, outdir);
	fputs(", ", fp);
	jp_cmd_json_bundle(fp, mf);
	fputs(", \"repos\": [", fp);
	for (i = 0; i < mf->nrepos; i++) {
		fputs(i ? ", {\"name\": " : "{\"name\": ", fp);
		jp_cmd_json_str(fp, mf->repos[i].name);
		fputs(", \"type\": ", fp);
		jp_cmd_json_str(fp, mf->repos[i].type);
		putc('}', fp);
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
	    "\"request\": ", st->carried, st->copied, st->kept, st->deleted,
	    st->carried_bytes);
	if (req_path) {
		fputs("{\"file\": ", fp);
		jp_cmd_json_str(fp, req_path);
		fprintf(fp, ", \"packages\": %zu}", npkgs);
	} else {
		fputs("null", fp);
	}
	fprintf(fp, ", \"seconds\": %.3f}\n", seconds);
}

int
cmd_export(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_KEY = 256, OPT_CERT, OPT_SINCE, OPT_VOLSIZE, OPT_STORE,
	    OPT_NOREADBACK, OPT_WAIT, OPT_REQUEST, OPT_JSON };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "sign-key", required_argument, NULL, OPT_KEY },
		{ "sign-cert", required_argument, NULL, OPT_CERT },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "request", required_argument, NULL, OPT_REQUEST },
		{ "volume-size", required_argument, NULL, OPT_VOLSIZE },
		{ "store-name", required_argument, NULL, OPT_STORE },
		{ "no-readback", no_argument, NULL, OPT_NOREADBACK },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct jp_export_opts o;
	struct jp_bundle_stats st;
	const char *req_path = NULL;
	struct jp_export_file *files = NULL;
	size_t nfiles = 0, npkgs = 0;
	char tmpdir[64] = "";
	double t0 = jp_now();
	long v;
	int c, rc, json = 0;

	memset(&o, 0, sizeof(o));
	o.volume_size = JP_BUNDLE_DEFAULT_VOLSIZE;
	o.readback = 1;
	o.wait_secs = 0;
	while ((c = getopt_long(argc, argv, "ho:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			export_help();
			return JP_EXIT_OK;
		case 'o':
			o.outdir = optarg;
			break;
		case OPT_KEY:
			o.key_pem = optarg;
			break;
		case OPT_CERT:
			o.cert_pem = optarg;
			break;
		case OPT_SINCE:
			o.since = optarg;
			break;
		case OPT_REQUEST:
			req_path = optarg;
			break;
		case OPT_STORE:
			o.store_name = optarg;
			break;
		case OPT_NOREADBACK:
			o.readback = 0;
			break;
		case OPT_VOLSIZE:
			if (jp_parse_size(optarg, &o.volume_size) < 0) {
				jp_err(ctx, "--volume-size needs a size like "
				    "4294967295, 700M or 4G, not '%s'", optarg);
				return JP_EXIT_USAGE;
			}
			if (o.volume_size < JP_BUNDLE_MIN_VOLSIZE) {
				jp_err(ctx, "--volume-size %s is below the "
				    "minimum of 64K", optarg);
				return JP_EXIT_USAGE;
			}
			break;
		case OPT_WAIT:
			v = jp_cmd_parse_count(optarg, 86400 * 7);
			if (v < 0) {
				jp_err(ctx, "--wait needs a number of seconds, "
				    "not '%s'", optarg);
				return JP_EXIT_USAGE;
			}
			o.wait_secs = (int)v;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return jp_cmd_usage_error(ctx, export_usage);
		}
	}
	if (!o.outdir || !o.key_pem || !o.cert_pem || optind >= argc) {
		jp_err(ctx, "%s", !o.outdir ? "no output directory (-o OUTDIR)" :
		    !o.key_pem ? "no signing key (--sign-key KEY.pem)" :
		    !o.cert_pem ? "no signer certificate (--sign-cert CERT.pem)" :
		    "no repository given");
		return jp_cmd_usage_error(ctx, export_usage);
	}
	for (c = optind; c < argc; c++) {
		int d;

		for (d = optind; d < c; d++) {
			if (same_basename(argv[c], argv[d])) {
				jp_err(ctx, "repositories '%s' and '%s' have "
				    "one directory name, under which each would "
				    "travel", argv[d], argv[c]);
				return jp_cmd_usage_error(ctx, export_usage);
			}
		}
	}
	if (o.volume_size > JP_FAT32_MAX_FILE)
		jp_info(ctx, "note: volumes over 4 GiB - 1 byte (%" PRIu64
		    " bytes) do not fit on FAT32 media", o.volume_size);
	if (req_path) {
		struct jp_request req;
		const char *t = getenv("TMPDIR");

		if (o.since) {
			jp_err(ctx, "--request and --since do not go together: a "
			    "request bundle adds packages and has no base");
			return jp_cmd_usage_error(ctx, export_usage);
		}
		if (jp_request_read(ctx, req_path, &req) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			return JP_EXIT_FAILURE;
		}
		snprintf(tmpdir, sizeof(tmpdir), "%s/jprepo-request.XXXXXX",
		    t && *t && strlen(t) < 40 ? t : "/tmp");
		if (mkdtemp(tmpdir) == NULL) {
			jp_err(ctx, "cannot create a temporary directory: %s",
			    strerror(errno));
			jp_request_release(&req);
			return JP_EXIT_FAILURE;
		}
		rc = jp_request_files(ctx, &req, argv + optind,
		    (size_t)(argc - optind), tmpdir, &files, &nfiles, &npkgs);
		jp_request_release(&req);
		if (rc < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			remove_tmp(tmpdir);
			return JP_EXIT_FAILURE;
		}
		if (npkgs == 0)
			jp_info(ctx, "note: the request asks for nothing these "
			    "repositories have that its hosts lack");
		o.merge = 1;
		o.only = files;
		o.nonly = nfiles;
	}
	rc = jp_bundle_export(ctx, argv + optind, (size_t)(argc - optind), &o,
	    &st);
	if (req_path) {
		jp_request_files_free(files, nfiles);
		remove_tmp(tmpdir);
	}
	if (rc < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return rc == JP_ERR_BUSY ? JP_EXIT_BUSY : JP_EXIT_FAILURE;
	}
	if (req_path)
		jp_info(ctx, "%s: bundle %s, store '%s' sequence %" PRIu64
		    " (adds packages, from request '%s'): %zu packages, %zu files "
		    "carried (%.1f MB), %zu volumes (%.1f s)", o.outdir, st.bundle,
		    st.store, st.sequence, req_path, npkgs, st.carried,
		    st.carried_bytes / 1e6, st.nvols, jp_now() - t0);
	else if (st.incremental)
		jp_info(ctx, "%s: bundle %s, store '%s' sequence %" PRIu64
		    " (incremental since %" PRIu64 "): %zu repositor%s, %zu files "
		    "carried (%.1f MB), %zu copied, %zu kept, %zu deleted, %zu "
		    "volumes (%.1f s)", o.outdir, st.bundle, st.store,
		    st.sequence, st.base_sequence, st.nrepos, st.nrepos == 1 ? "y" : "ies", st.carried,
		    st.carried_bytes / 1e6, st.copied, st.kept, st.deleted,
		    st.nvols, jp_now() - t0);
	else
		jp_info(ctx, "%s: bundle %s, store '%s' sequence %" PRIu64
		    " (full): %zu repositor%s, %zu files carried (%.1f MB), %zu "
		    "copied, %zu volumes (%.1f s)", o.outdir, st.bundle, st.store,
		    st.sequence, st.nrepos, st.nrepos == 1 ? "y" : "ies", st.carried, st.carried_bytes / 1e6,
		    st.copied, st.nvols, jp_now() - t0);
	if (json) {
		struct jp_manifest mf;
		char *mpath = jp_path_join(o.outdir, "MANIFEST");

		/* The MANIFEST just written and read back describes the bundle. */
		memset(&mf, 0, sizeof(mf));
		rc = jp_manifest_read(ctx, mpath, &mf);
		free(mpath);
		if (rc < 0 || strcmp(mf.bundle, st.bundle) != 0) {
			jp_err(ctx, "cannot describe the bundle written to '%s': %s",
			    o.outdir, rc < 0 ? jp_error_msg(ctx) :
			    "its MANIFEST names another bundle");
			jp_manifest_release(&mf);
			return JP_EXIT_FAILURE;
		}
		export_json(stdout, o.outdir, &mf, &st, req_path, npkgs,
		    jp_now() - t0);
		jp_manifest_release(&mf);
		if (fflush(stdout) != 0) {
			jp_err(ctx, "cannot write to stdout");
			return JP_EXIT_FAILURE;
		}
	}
	return JP_EXIT_OK;
}
