/*
 * cmd_scan.c: `jprepo scan`, write the scan file of a host (jprepo-scan(5)):
 * its identity, OS and installed packages; as JSON with --json; into a
 * scan directory with --scan-dir; and the daily job that does that with
 * --install-timer / --remove-timer (timer.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fsutil.h"
#include "scan.h"
#include "timer.h"

static const char scan_usage[] =
	"usage: jprepo scan [--root DIR] [--host NAME] [-o FILE] [--json]\n"
	"                   [--scan-dir DIR]\n"
	"       jprepo scan --install-timer [--root DIR] [--scan-dir DIR] "
	"[--at HH:MM]\n"
	"       jprepo scan --remove-timer [--root DIR]\n";

static void
scan_help(void)
{
	fputs(scan_usage, stdout);
	fputs("\nWrite the scan file of this host (or of the system image under\n"
	    "--root): host name, machine id, OS, architecture, package format\n"
	    "and manager, running kernel, scan time, the outcome of the last\n"
	    "`jprepo apply`, and one line per installed package, read from the\n"
	    "rpm database or from dpkg's status file.  The format is described\n"
	    "in jprepo-scan(5); tools/jprepo-scan writes the same file with sh.\n"
	    "--install-timer sets up a daily job (a systemd timer, or a cron.d\n"
	    "entry where systemd is absent) that writes the scan into the scan\n"
	    "directory; --remove-timer removes it.\n\n"
	    "Options:\n"
	    "      --root DIR    scan the system under DIR (its kernel is not\n"
	    "                    the running one: the kernel line says -); with\n"
	    "                    --install-timer/--remove-timer, the system\n"
	    "                    whose job is installed or removed\n"
	    "      --host NAME   the host name to record (default: DIR/etc/hostname\n"
	    "                    with --root, else the running host's name)\n"
	    "      --json        write the scan as JSON (jprepo-scan(1) has the\n"
	    "                    schema) instead of the scan file format\n"
	    "  -o, --output FILE write the scan to FILE, atomically (default:\n"
	    "                    standard output)\n"
	    "      --scan-dir DIR  write the scan to DIR/HOST.scan, atomically;\n"
	    "                    with --install-timer, where the job writes it\n"
	    "                    (default " JP_TIMER_SCAN_DIR ")\n"
	    "      --install-timer  install the daily scan job under --root (or\n"
	    "                    on this host: then also enable and start it)\n"
	    "      --at HH:MM    the job's time of day (default 03:00; systemd\n"
	    "                    delays each host's run by up to an hour)\n"
	    "      --remove-timer  remove the job's files (scans are kept)\n"
	    "  -q, --quiet       print errors only\n"
	    "  -v, --verbose     say more\n"
	    "  -h, --help        show this help\n\n"
	    "Environment: SOURCE_DATE_EPOCH, when set, is the scan time.\n\n"
	    "Exit status: 0 written (or installed, removed), 2 usage error, 3\n"
	    "could not scan or write (FILE left as it was).\n", stdout);
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

/* A JSON string, or null for a value the scan file writes "-". */
static void
scan_json_str(FILE *fp, const char *s)
{
	if (s)
		jp_cmd_json_str(fp, s);
	else
		fputs("null", fp);
}

/*
 * The scan as one JSON object (the schema is in jprepo-scan(1), JSON
 * OUTPUT): the fields of the scan file under their names with '_' for
 * '-', a value written "-" as null, the apply line and its apply-failed
 * lines as the "apply" object, the pkg lines as "packages" in file order.
 * It is made from the scan as read back from the bytes of its file, so
 * that the two always say the same.
 */
static void
scan_json(FILE *fp, const struct jp_scan *scan)
{
	char when[32];
	struct tm tm;
	time_t t = (time_t)scan->scanned;
	size_t i;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(fp, "{\n  \"jprepo_scan\": %d,\n  \"host\": ", JP_SCAN_VERSION);
	scan_json_str(fp, scan->host);
	fputs(",\n  \"machine_id\": ", fp);
	scan_json_str(fp, scan->machine_id);
	fputs(",\n  \"os_id\": ", fp);
	scan_json_str(fp, scan->os_id);
	fputs(",\n  \"os_version\": ", fp);
	scan_json_str(fp, scan->os_version);
	fputs(",\n  \"os_name\": ", fp);
	scan_json_str(fp, scan->os_name);
	fputs(",\n  \"arch\": ", fp);
	scan_json_str(fp, scan->arch);
	fputs(",\n  \"format\": ", fp);
	jp_cmd_json_str(fp, jp_scan_format_name(scan->format));
	fputs(",\n  \"manager\": ", fp);
	jp_cmd_json_str(fp, jp_scan_manager_name(scan->manager));
	fputs(",\n  \"kernel\": ", fp);
	scan_json_str(fp, scan->kernel);
	fputs(",\n  \"scanned\": ", fp);
	jp_cmd_json_str(fp, when);
	fputs(",\n  \"apply\": ", fp);
	if (scan->has_apply) {
		fputs("{\"txid\": ", fp);
		scan_json_str(fp, scan->apply_txid);
		fputs(", \"status\": ", fp);
		scan_json_str(fp, scan->apply_status);
		fputs(", \"time\": ", fp);
		scan_json_str(fp, scan->apply_time);
		fputs(", \"failed\": [", fp);
		for (i = 0; i < scan->nfailed; i++) {
			fputs(i ? ", {\"name\": " : "{\"name\": ", fp);
			scan_json_str(fp, scan->failed[i].name);
			fputs(", \"arch\": ", fp);
			scan_json_str(fp, scan->failed[i].arch);
			fputs(", \"version\": ", fp);
			scan_json_str(fp, scan->failed[i].to_version);
			fputc('}', fp);
		}
		fputs("]}", fp);
	} else {
		fputs("null", fp);
	}
	fputs(",\n  \"packages\": [", fp);
	for (i = 0; i < scan->npkgs; i++) {
		const struct jp_scan_pkg *k = &scan->pkgs[i];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", fp);
		scan_json_str(fp, k->name);
		if (scan->format == JP_SCAN_RPM) {
			fprintf(fp, ", \"epoch\": %lu, \"version\": ", k->epoch);
			scan_json_str(fp, k->version);
			fputs(", \"release\": ", fp);
			scan_json_str(fp, k->release);
			fputs(", \"arch\": ", fp);
			scan_json_str(fp, k->arch);
			fputs(", \"source\": ", fp);
			scan_json_str(fp, k->source);
		} else {
			fputs(", \"arch\": ", fp);
			scan_json_str(fp, k->arch);
			fputs(", \"version\": ", fp);
			scan_json_str(fp, k->version);
			fputs(", \"source\": ", fp);
			scan_json_str(fp, k->source);
			fputs(", \"source_version\": ", fp);
			scan_json_str(fp, k->source_version);
			fputs(", \"status\": ", fp);
			scan_json_str(fp, k->status);
		}
		fputc('}', fp);
	}
	fputs(scan->npkgs ? "\n  ]\n}\n" : "]\n}\n", fp);
}

/* The scan (file or JSON) in a malloc'd buffer. */
static int
scan_render(struct jp_ctx *ctx, const struct jp_scan *scan, int json,
    char **buf, size_t *len)
{
	struct jp_scan back;
	char *file = NULL;
	size_t flen = 0;
	FILE *mem;
	int rc;

	*buf = NULL;
	*len = 0;
	mem = open_memstream(&file, &flen);
	if (!mem)
		return jp_error_errno(ctx, errno, "cannot write the scan");
	rc = jp_scan_write(ctx, scan, mem);
	if (fclose(mem) != 0 && rc == 0)
		rc = jp_error_errno(ctx, errno, "cannot write the scan");
	if (rc < 0 || !json) {
		if (rc < 0) {
			free(file);
			return rc;
		}
		*buf = file;
		*len = flen;
		return 0;
	}
	rc = jp_scan_parse(ctx, "the scan", file, flen, &back);
	free(file);
	if (rc < 0)
		return rc;
	mem = open_memstream(buf, len);
	if (!mem) {
		jp_scan_release(&back);
		return jp_error_errno(ctx, errno, "cannot write the scan");
	}
	scan_json(mem, &back);
	jp_scan_release(&back);
	if (fclose(mem) != 0) {
		free(*buf);
		*buf = NULL;
		return jp_error_errno(ctx, errno, "cannot write the scan");
	}
	return 0;
}

/* The absolute path of the running jprepo, malloc'd; NULL with a message. */
static char *
scan_self(struct jp_ctx *ctx)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n < 0) {
		jp_error_errno(ctx, errno, "cannot find the jprepo program: "
		    "cannot read '/proc/self/exe'");
		return NULL;
	}
	buf[n] = '\0';
	return jp_xstrdup(buf);
}

static int
scan_install_timer(struct jp_ctx *ctx, const char *root, const char *dir,
    int hour, int minute)
{
	struct jp_timer t;
	struct stat st;
	char *self, *where;
	int kind, rc;

	self = scan_self(ctx);
	if (!self) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return JP_EXIT_FAILURE;
	}
	jp_timer_init(&t);
	t.root = root;
	if (dir)
		t.scan_dir = dir;
	t.hour = hour;
	t.minute = minute;
	t.program = self;
	t.args = "-q scan";
	if (root) {
		/* the job runs in the system under root, which may lack us */
		where = jp_path_join(root, self + 1);
		if (stat(where, &st) < 0)
			jp_warn(ctx, "the job runs '%s', which is not in '%s' "
			    "(install jprepo there at that path)", self, root);
		free(where);
	}
	rc = jp_timer_install(ctx, &t, &kind);
	if (rc < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		free(self);
		return JP_EXIT_FAILURE;
	}
	jp_info(ctx, "installed the daily scan at %02d:%02d as %s under '%s': "
	    "%s %s --scan-dir %s", hour, minute, kind == JP_TIMER_SYSTEMD ?
	    "a systemd timer" : "a cron.d entry", root ? root : "/", self,
	    t.args, t.scan_dir);
	free(self);
	return JP_EXIT_OK;
}

static int
scan_remove_timer(struct jp_ctx *ctx, const char *root)
{
	int removed;

	if (jp_timer_remove(ctx, root, &removed) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return JP_EXIT_FAILURE;
	}
	if (removed)
		jp_info(ctx, "removed the daily scan under '%s': %d files",
		    root ? root : "/", removed);
	else
		jp_info(ctx, "no daily scan installed under '%s'",
		    root ? root : "/");
	return JP_EXIT_OK;
}

int
cmd_scan(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_ROOT = 256, OPT_HOST, OPT_JSON, OPT_SCAN_DIR, OPT_INSTALL,
	    OPT_REMOVE, OPT_AT };
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "output", required_argument, NULL, 'o' },
		{ "scan-dir", required_argument, NULL, OPT_SCAN_DIR },
		{ "install-timer", no_argument, NULL, OPT_INSTALL },
		{ "remove-timer", no_argument, NULL, OPT_REMOVE },
		{ "at", required_argument, NULL, OPT_AT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *host = NULL, *out = NULL, *dir = NULL;
	const char *at = NULL;
	int json = 0, install = 0, remove = 0;
	int hour = JP_TIMER_AT_HOUR, minute = JP_TIMER_AT_MINUTE;
	struct jp_scan scan;
	char *buf = NULL, *path = NULL;
	size_t len = 0;
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
		case OPT_JSON:
			json = 1;
			break;
		case 'o':
			if (!*optarg) {
				jp_err(ctx, "-o needs a file name");
				return jp_cmd_usage_error(ctx, scan_usage);
			}
			out = optarg;
			break;
		case OPT_SCAN_DIR:
			if (!*optarg) {
				jp_err(ctx, "--scan-dir needs a directory");
				return jp_cmd_usage_error(ctx, scan_usage);
			}
			dir = optarg;
			break;
		case OPT_INSTALL:
			install = 1;
			break;
		case OPT_REMOVE:
			remove = 1;
			break;
		case OPT_AT:
			if (jp_timer_parse_at(optarg, &hour, &minute) < 0) {
				jp_err(ctx, "--at needs a time of day HH:MM from "
				    "00:00 to 23:59, not '%s'", optarg);
				return jp_cmd_usage_error(ctx, scan_usage);
			}
			at = optarg;
			break;
		default:
			return jp_cmd_usage_error(ctx, scan_usage);
		}
	}
	if (optind < argc) {
		jp_err(ctx, "unexpected argument '%s'", argv[optind]);
		return jp_cmd_usage_error(ctx, scan_usage);
	}
	if (install && remove) {
		jp_err(ctx, "--install-timer and --remove-timer exclude each other");
		return jp_cmd_usage_error(ctx, scan_usage);
	}
	if (install || remove) {
		const char *bad = host ? "--host" : out ? "-o" : json ? "--json" :
		    remove && dir ? "--scan-dir" : remove && at ? "--at" : NULL;

		if (bad) {
			jp_err(ctx, "%s cannot go with %s", bad, install ?
			    "--install-timer" : "--remove-timer");
			return jp_cmd_usage_error(ctx, scan_usage);
		}
		if (dir && !jp_timer_path_ok(dir)) {
			jp_err(ctx, "--scan-dir needs an absolute path of "
			    "letters, digits and '._+,:=@-/' (no '.' or '..' "
			    "part), not '%s'", dir);
			return jp_cmd_usage_error(ctx, scan_usage);
		}
		if (install)
			return scan_install_timer(ctx, root, dir, hour, minute);
		return scan_remove_timer(ctx, root);
	}
	if (at) {
		jp_err(ctx, "--at goes with --install-timer only");
		return jp_cmd_usage_error(ctx, scan_usage);
	}
	if (out && dir) {
		jp_err(ctx, "-o and --scan-dir exclude each other");
		return jp_cmd_usage_error(ctx, scan_usage);
	}
	if (json && dir) {
		jp_err(ctx, "--json cannot go with --scan-dir (it writes scan "
		    "files); use -o");
		return jp_cmd_usage_error(ctx, scan_usage);
	}

	if (jp_scan_host(ctx, root, host, &scan) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		return JP_EXIT_FAILURE;
	}
	if (dir) {
		/* DIR/HOST.scan: the host name must make a file name */
		if (!scan.host || strchr(scan.host, '/') ||
		    !strcmp(scan.host, ".") || !strcmp(scan.host, "..")) {
			jp_err(ctx, "cannot name the scan file in '%s' after the "
			    "host name '%s'; give one with --host", dir,
			    scan.host ? scan.host : "-");
			jp_scan_release(&scan);
			return JP_EXIT_FAILURE;
		}
		path = jp_xasprintf("%s/%s.scan", dir, scan.host);
		out = path;
	}
	/* The whole file first: -o then replaces FILE in one rename. */
	rc = scan_render(ctx, &scan, json, &buf, &len);
	if (rc == 0) {
		if (out)
			rc = jp_file_write_atomic(ctx, out, buf, len);
		else if (fwrite(buf, 1, len, stdout) != len ||
		    fflush(stdout) != 0)
			rc = jp_error_errno(ctx, errno, "cannot write to "
			    "standard output");
	}
	if (rc < 0)
		jp_err(ctx, "%s", jp_error_msg(ctx));
	else
		jp_verbose(ctx, "%s: %s host, %zu packages", out ? out : "stdout",
		    jp_scan_format_name(scan.format), scan.npkgs);
	free(buf);
	free(path);
	jp_scan_release(&scan);
	return rc < 0 ? JP_EXIT_FAILURE : JP_EXIT_OK;
}
