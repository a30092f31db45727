/*
 * cmd_sign.c: `jprepo sign`, OpenPGP signatures for a built repository.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fsutil.h"
#include "pgp.h"

static const char sign_usage[] =
	"usage: jprepo sign --key KEYID [--homedir GNUPGHOME]\n"
	"                   [--passphrase-file FILE] [--wait SECONDS] [--json] REPO\n";

static void
sign_help(void)
{
	fputs(sign_usage, stdout);
	fputs("\nSign the metadata of the repository REPO (made by jprepo build)\n"
	    "with an OpenPGP key, digest SHA512.  RPM-MD: writes\n"
	    "repodata/repomd.xml.asc and repodata/repomd.xml.key.  APT: writes\n"
	    "dists/SUITE/InRelease and dists/SUITE/Release.gpg for every suite.\n\n"
	    "Options:\n"
	    "  -k, --key KEYID           the signing key (fingerprint, key id or\n"
	    "                            user id)\n"
	    "      --homedir DIR         GnuPG home (default: $GNUPGHOME or ~/.gnupg)\n"
	    "      --passphrase-file F   read the key's passphrase from F (first\n"
	    "                            line); default: gpg-agent asks\n"
	    "      --wait SECONDS        wait that long for another jprepo's lock\n"
	    "                            (default 0: fail at once; -1: forever)\n"
	    "      --json                print the files written as JSON on stdout\n"
	    "  -q, --quiet               print errors only\n"
	    "  -v, --verbose             print each file signed\n"
	    "  -h, --help                show this help\n\n"
	    "Exit status: 0 done, 2 usage error, 3 failed (nothing changed),\n"
	    "4 repository locked.\n", stdout);
}

/* The suites of an APT repository: REPO/dists/NAME/ with a Release. */
static int
sign_apt_suites(struct jp_ctx *ctx, const char *repo, char ***suites, size_t *n)
{
	char *dists = jp_path_join(repo, "dists");
	struct dirent *de;
	DIR *d;
	size_t cap = 0;

	*suites = NULL;
	*n = 0;
	d = opendir(dists);
	if (!d) {
		free(dists);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char *dir, *rel;

		/* Dot names: ., .. and build's temporary trees. */
		if (de->d_name[0] == '.')
			continue;
		dir = jp_path_join(dists, de->d_name);
		rel = jp_path_join(dir, "Release");
		if (access(rel, F_OK) == 0) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 4;
				*suites = jp_xrealloc(*suites, cap * sizeof(**suites));
			}
			(*suites)[(*n)++] = dir;
		} else {
			free(dir);
		}
		free(rel);
	}
	closedir(d);
	free(dists);
	(void)ctx;
	return 0;
}

static int
sign_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The last component of a path without trailing slash. */
static const char *
sign_base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * The --json object on fp (jprepo-sign(1), JSON OUTPUT): the files written,
 * relative to the repository, in the order they were signed.
 */
static void
sign_json(FILE *fp, const char *repo, const char *keyid, int rpm,
    char *const *suites, size_t nsuites)
{
	size_t i;

	fputs("{\"repo\": ", fp);
	jp_cmd_json_str(fp, repo);
	fputs(", \"key\": ", fp);
	jp_cmd_json_str(fp, keyid);
	fprintf(fp, ", \"rpm_md\": %s, \"suites\": [", rpm ? "true" : "false");
	for (i = 0; i < nsuites; i++) {
		if (i)
			fputs(", ", fp);
		jp_cmd_json_str(fp, sign_base(suites[i]));
	}
	fputs("], \"files\": [", fp);
	if (rpm)
		fputs("\"repodata/repomd.xml.asc\", \"repodata/repomd.xml.key\"",
		    fp);
	for (i = 0; i < nsuites; i++) {
		char *f = jp_xasprintf("dists/%s/InRelease", sign_base(suites[i]));

		fputs(rpm || i ? ", " : "", fp);
		jp_cmd_json_str(fp, f);
		free(f);
		f = jp_xasprintf("dists/%s/Release.gpg", sign_base(suites[i]));
		fputs(", ", fp);
		jp_cmd_json_str(fp, f);
		free(f);
	}
	fputs("]}\n", fp);
}

/* Declared in commands.h as well once the command table has it. */

int
cmd_sign(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_HOMEDIR = 256, OPT_PASSFILE, OPT_WAIT, OPT_JSON };
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "homedir", required_argument, NULL, OPT_HOMEDIR },
		{ "passphrase-file", required_argument, NULL, OPT_PASSFILE },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct jp_pgp_signer s = { NULL, NULL, NULL };
	char **suites = NULL, *repomd = NULL, *repodata = NULL, *lockdir = NULL;
	char *lock = NULL;
	size_t nsuites = 0, i;
	const char *repo;
	int c, fd = -1, wait_secs = 0, rpm, json = 0, status = JP_EXIT_USAGE;
	long v;

	while ((c = getopt_long(argc, argv, "hk:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			sign_help();
			return JP_EXIT_OK;
		case 'k':
			s.keyid = optarg;
			break;
		case OPT_HOMEDIR:
			s.homedir = optarg;
			break;
		case OPT_PASSFILE:
			s.passphrase_file = optarg;
			break;
		case OPT_WAIT:
			if (!strcmp(optarg, "-1")) {
				wait_secs = -1;
				break;
			}
			v = jp_cmd_parse_count(optarg, INT_MAX);
			if (v < 0) {
				jp_err(ctx, "--wait needs a number of seconds, not '%s'",
				    optarg);
				return JP_EXIT_USAGE;
			}
			wait_secs = (int)v;
			break;
		case OPT_JSON:
			json = 1;
			break;
		default:
			return jp_cmd_usage_error(ctx, sign_usage);
		}
	}
	if (!s.keyid || !*s.keyid) {
		jp_err(ctx, "no signing key given (--key KEYID)");
		return jp_cmd_usage_error(ctx, sign_usage);
	}
	if (argc - optind != 1) {
		if (argc - optind == 0)
			jp_err(ctx, "no repository given");
		else
			jp_err(ctx, "one repository at a time, got %d", argc - optind);
		return jp_cmd_usage_error(ctx, sign_usage);
	}
	repo = argv[optind];
	status = JP_EXIT_FAILURE;
	if (access(repo, F_OK) < 0) {
		jp_err(ctx, "cannot use repository '%s': %s", repo, strerror(errno));
		goto out;
	}
	repodata = jp_path_join(repo, "repodata");
	repomd = jp_path_join(repodata, "repomd.xml");
	/* Nothing to sign: fail before the lock file is made. */
	sign_apt_suites(ctx, repo, &suites, &nsuites);
	if (access(repomd, F_OK) < 0 && nsuites == 0) {
		jp_err(ctx, "no repository metadata in '%s' (no repodata/repomd.xml, "
		    "no dists/*/Release): run jprepo build first", repo);
		goto out;
	}
	for (i = 0; i < nsuites; i++)
		free(suites[i]);
	free(suites);
	suites = NULL;
	nsuites = 0;
	lockdir = jp_path_join(repo, ".jprepo");
	lock = jp_path_join(lockdir, "lock");
	if (jp_mkdir_p(ctx, lockdir) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		goto out;
	}
	fd = jp_lock_acquire(ctx, lock, wait_secs);
	if (fd < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		status = fd == JP_ERR_BUSY ? JP_EXIT_BUSY : JP_EXIT_FAILURE;
		goto out;
	}
	/* Again under the lock: a build may have run meanwhile. */
	rpm = access(repomd, F_OK) == 0;
	sign_apt_suites(ctx, repo, &suites, &nsuites);
	/* In name order: the same repository signs (and reports) alike. */
	if (nsuites > 1)
		qsort(suites, nsuites, sizeof(*suites), sign_cmp);
	if (!rpm && nsuites == 0) {
		jp_err(ctx, "no repository metadata in '%s' (no repodata/repomd.xml, "
		    "no dists/*/Release): run jprepo build first", repo);
		goto out;
	}
	if (rpm) {
		jp_verbose(ctx, "signing '%s'", repomd);
		if (jp_pgp_sign_metadata(ctx, repodata, 0, &s) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
	}
	for (i = 0; i < nsuites; i++) {
		jp_verbose(ctx, "signing '%s/Release'", suites[i]);
		if (jp_pgp_sign_metadata(ctx, suites[i], 1, &s) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			if (i > 0 || rpm)
				jp_err(ctx, "the metadata signed before this error keeps "
				    "its new signatures");
			goto out;
		}
	}
	if (rpm && nsuites)
		jp_info(ctx, "%s: signed repodata/repomd.xml and %zu APT suite%s "
		    "with key %s", repo, nsuites, nsuites == 1 ? "" : "s", s.keyid);
	else if (rpm)
		jp_info(ctx, "%s: signed repodata/repomd.xml with key %s", repo,
		    s.keyid);
	else
		jp_info(ctx, "%s: signed %zu APT suite%s with key %s", repo,
		    nsuites, nsuites == 1 ? "" : "s", s.keyid);
	status = JP_EXIT_OK;
	if (json) {
		sign_json(stdout, repo, s.keyid, rpm, suites, nsuites);
		if (fflush(stdout) != 0) {
			jp_err(ctx, "cannot write to stdout");
			status = JP_EXIT_FAILURE;
		}
	}
out:
	if (fd >= 0)
		jp_lock_release(fd);
	for (i = 0; i < nsuites; i++)
		free(suites[i]);
	free(suites);
	free(repomd);
	free(repodata);
	free(lock);
	free(lockdir);
	return status;
}
