/*
 * cmd_scan.c: `jprepo scan`, write the scan file of a host (jprepo-scan(5)):
 * its identity, OS and installed packages.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "fsutil.h"
#include "scan.h"

static const char scan_usage[] =
	"usage: jprepo scan [--root DIR] [--host NAME] [-o FILE]\n";

static void
scan_help(void)
{
	fputs(scan_usage, stdout);
	fputs("\nWrite the scan file of this host (or of the system image under\n"
	    "--root): host name, machine id, OS, architecture, package format\n"
	    "and manager, running kernel, scan time, the outcome of the last\n"
	    "`jprepo apply`, and one line per installed package, read from the\n"
	    "rpm database or from dpkg's status file.  The format is described\n"
	    "in jprepo-scan(5); tools/jprepo-scan writes the same file with sh.\n\n"
	    "Options:\n"
	    "      --root DIR    scan the system under DIR (its kernel is not\n"
	    "                    the running one: the kernel line says -)\n"
	    "      --host NAME   the host name to record (default: DIR/etc/hostname\n"
	    "                    with --root, else the running host's name)\n"
	    "  -o, --output FILE write the scan to FILE, atomically (default:\n"
	    "                    standard output)\n"
	    "  -q, --quiet       print errors only\n"
	    "  -v, --verbose     say more\n"
	    "  -h, --help        show this help\n\n"
	    "Environment: SOURCE_DATE_EPOCH, when set, is the scan time.\n\n"
	    "Exit status: 0 written, 2 usage error, 3 could not scan or write\n"
	    "(FILE left as it was).\n", stdout);
}

/* One word of printable characters, as the format needs. */
static int
scan_host_ok(const char *s)
{
	const unsigned char *p;

	if (!*s)
		return 0;
	for (p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int
cmd_scan(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_ROOT = 256, OPT_HOST };
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *host = NULL, *out = NULL;
	struct jp_scan scan;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int c, rc;

	while ((c = getopt_long(argc, argv, "ho:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			scan_help();
			return JP_EXIT_OK;
		case OPT_ROOT:
			if (!*optarg) {
				jp_err(ctx, "--root needs a directory");
				return jp_cmd_usage_error(ctx, scan_usage);
			}
			root = optarg;
			break;
		case OPT_HOST:
			if (!scan_host_ok(optarg)) {
				jp_err(ctx, "--host needs a name without blanks or "
				    "control characters, not '%s'", optarg);
				return jp_cmd_usage_error(ctx, scan_usage);
			}
			host = optarg;
			break;
		case 'o':
			if (!*optarg) {
				jp_err(ctx, "-o needs a file name");
				return jp_cmd_usage_error(ctx, scan_usage);
			}
			out = optarg;
			break;
		default:
			return jp_cmd_usage_error(ctx, scan_usage);
		}
	}
	if (optind < argc) {
		jp_err(ctx, "unexpected argument '%s'", argv[optind]);
		return jp_cmd_usage_error(ctx, scan_usage);
	}

	if (jp_scan_host(ctx, root, host, &scan) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return JP_EXIT_FAILURE;
	}
	/* The whole file first: -o then replaces FILE in one rename. */
	mem = open_memstream(&buf, &len);
	if (!mem) {
		jp_err(ctx, "cannot write the scan: %s", strerror(errno));
		jp_scan_release(&scan);
		return JP_EXIT_FAILURE;
	}
	rc = jp_scan_write(ctx, &scan, mem);
	if (fclose(mem) != 0 && rc == 0)
		rc = jp_error_errno(ctx, errno, "cannot write the scan");
	if (rc == 0) {
		if (out)
			rc = jp_file_write_atomic(ctx, out, buf, len);
		else if (fwrite(buf, 1, len, stdout) != len)
			rc = jp_error_errno(ctx, errno, "cannot write to "
			    "standard output");
	}
	if (rc < 0)
		jp_err(ctx, "%s", jp_error_msg(ctx));
	else
		jp_verbose(ctx, "%s: %s host, %zu packages", out ? out : "stdout",
		    jp_scan_format_name(scan.format), scan.npkgs);
	free(buf);
	jp_scan_release(&scan);
	return rc < 0 ? JP_EXIT_FAILURE : JP_EXIT_OK;
}
