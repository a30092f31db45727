/*
 * jprepo.c: main(), the global options and the command table.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "conffile.h"

static int cmd_help(int argc, char **argv, struct jp_ctx *ctx);

struct jp_command {
	const char *name;
	int (*fn)(int, char **, struct jp_ctx *);
	const char *summary;
};

/* Sorted by name. */
static const struct jp_command jp_commands[] = {
	{ "apply", cmd_apply, "install the updates a host needs through its package manager" },
	{ "build", cmd_build, "index a directory of packages into a repository" },
	{ "bundle", cmd_bundle, "verify a bundle or show its summary" },
	{ "export", cmd_export, "write repositories into a signed bundle for portable media" },
	{ "help", cmd_help, "show the manual page of a command" },
	{ "history", cmd_history, "list the transactions of apply and rollback" },
	{ "import", cmd_import, "verify a bundle and import it into a store atomically" },
	{ "key", cmd_key, "generate or export the repository signing key" },
	{ "plan", cmd_plan, "compute what each scanned host needs from the repositories" },
	{ "report", cmd_report, "report where the fleet stands: text, JSON or HTML" },
	{ "rollback", cmd_rollback, "undo an applied transaction by its ID" },
	{ "scan", cmd_scan, "write the scan file of a host: its installed packages" },
	{ "sign", cmd_sign, "sign a repository's metadata with OpenPGP" },
	{ "verify", cmd_verify, "check a repository's signature, metadata and packages" },
};

static const char jp_usage[] =
	"usage: jprepo [-q|-v] [-C DIR] [-c FILE] COMMAND [ARGS...]\n"
	"       jprepo --help | --version | help COMMAND\n";

static void
jp_print_help(FILE *fp)
{
	size_t i;

	fputs(jp_usage, fp);
	fputs("\nKeep isolated Linux networks patched: build, sign and carry\n"
	    "package repositories across an air gap.\n\n"
	    "Options:\n"
	    "  -q, --quiet        print errors only\n"
	    "  -v, --verbose      say more (repeat for debug output)\n"
	    "  -C DIR             run as if started in DIR\n"
	    "  -c, --config FILE  read the configuration FILE instead of\n"
	    "                     $JPREPO_CONFIG or " JP_CONFFILE_DEFAULT "\n"
	    "  -h, --help         show this help\n"
	    "  --version          show the version\n\n"
	    "Commands:\n", fp);
	for (i = 0; i < sizeof(jp_commands) / sizeof(jp_commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", jp_commands[i].name, jp_commands[i].summary);
	fputs("\nRun 'jprepo COMMAND --help' for a command's options and\n"
	    "'jprepo help COMMAND' for its manual page.\n", fp);
}

static const struct jp_command *
jp_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(jp_commands) / sizeof(jp_commands[0]); i++)
		if (!strcmp(jp_commands[i].name, name))
			return &jp_commands[i];
	return NULL;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 4: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
jp_cmd_utf8_len(const unsigned char *p)
{
	size_t n, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A JSON string (RFC 8259 7): quote, backslash and control characters escaped. */
void
jp_cmd_json_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	putc('"', fp);
	for (p = (const unsigned char *)s; *p; p++) {
		const unsigned char *q = p;

		/* plain printable ASCII goes out as a run */
		while (*q >= 0x20 && *q < 0x7f && *q != '"' && *q != '\\')
			q++;
		if (q > p) {
			fwrite(p, 1, (size_t)(q - p), fp);
			p = q - 1;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(fp, "\\u%04x", *p);
			} else if (*p < 0x80) {
				putc(*p, fp);
			} else {
				/* Names from hostile metadata may not be UTF-8. */
				size_t k, n = jp_cmd_utf8_len(p);

				if (!n) {
					fputs("\\ufffd", fp);
					break;
				}
				for (k = 0; k < n; k++)
					putc(p[k], fp);
				p += n - 1;
			}
		}
	}
	putc('"', fp);
}

int
jp_cmd_common_opt(struct jp_ctx *ctx, int opt)
{
	if (opt == 'q') {
		ctx->verbosity = JP_V_QUIET;
		return 1;
	}
	if (opt == 'v') {
		if (ctx->verbosity < JP_V_DEBUG)
			ctx->verbosity++;
		return 1;
	}
	return 0;
}

int
jp_cmd_usage_error(struct jp_ctx *ctx, const char *usage)
{
	fputs(usage, stderr);
	fprintf(stderr, "Try 'jprepo %s --help' for more information.\n",
	    ctx->command ? ctx->command : "");
	return JP_EXIT_USAGE;
}

long
jp_cmd_parse_count(const char *s, long max)
{
	char *end;
	long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}

/*
 * Find PAGE.1 near the running binary: SRC/man/PAGE.1 for SRC/src/jprepo
 * in a source tree, PREFIX/share/man/man1/PAGE.1 for PREFIX/bin/jprepo
 * installed elsewhere than configure's --prefix said.
 */
static int
jp_find_page_near_exe(const char *page, char *path, size_t size)
{
	char exe[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;
	int k;

	if (n <= 0)
		return 0;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	/* a source tree, then an installation moved from its --prefix */
	k = snprintf(path, size, "%s/../man/%s.1", exe, page);
	if (k > 0 && (size_t)k < size && stat(path, &st) == 0)
		return 1;
	k = snprintf(path, size, "%s/../share/man/man1/%s.1", exe, page);
	return k > 0 && (size_t)k < size && stat(path, &st) == 0;
}

/*
 * `jprepo help COMMAND`: show jprepo-COMMAND(1) with man(1).  An installed
 * page is opened by its path so that a jprepo installed under a private
 * prefix shows its own pages; without man(1) the page source is printed.
 */
static int
cmd_help(int argc, char **argv, struct jp_ctx *ctx)
{
	char page[256], path[PATH_MAX];
	struct stat st;
	int n, have_path;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs("usage: jprepo help [COMMAND]\n", stdout);
		return JP_EXIT_OK;
	}
	if (argc < 2) {
		jp_print_help(stdout);
		return JP_EXIT_OK;
	}
	if (argc > 2)
		return jp_cmd_usage_error(ctx, "usage: jprepo help [COMMAND]\n");
	if (!jp_find_command(argv[1]) && strcmp(argv[1], "jprepo")) {
		jp_err(ctx, "unknown command '%s'", argv[1]);
		fputs(jp_usage, stderr);
		return JP_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "jprepo") || !strcmp(argv[1], "help"))
		n = snprintf(page, sizeof(page), "jprepo");
	else
		n = snprintf(page, sizeof(page), "jprepo-%s", argv[1]);
	if (n < 0 || (size_t)n >= sizeof(page))
		return JP_EXIT_USAGE;
	n = snprintf(path, sizeof(path), "%s/man1/%s.1", JP_MANDIR, page);
	have_path = n > 0 && (size_t)n < sizeof(path) && stat(path, &st) == 0;
	if (!have_path)
		have_path = jp_find_page_near_exe(page, path, sizeof(path));
	fflush(stdout);
	if (have_path)
		execlp("man", "man", "-l", path, (char *)NULL);
	else
		execlp("man", "man", "1", page, (char *)NULL);
	/* No man(1): show the page's source rather than nothing. */
	if (have_path) {
		FILE *fp = fopen(path, "r");
		char buf[4096];
		size_t k;

		if (fp) {
			while ((k = fread(buf, 1, sizeof(buf), fp)) > 0)
				fwrite(buf, 1, k, stdout);
			fclose(fp);
			return JP_EXIT_OK;
		}
	}
	jp_err(ctx, "cannot show the manual page '%s(1)': man is not installed "
	    "and the page is not under '%s'", page, JP_MANDIR);
	return JP_EXIT_FAILURE;
}

/* What was asked for went to stdout: make sure it got there. */
static int
jp_check_stdout(struct jp_ctx *ctx, int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		jp_err(ctx, "cannot write to standard output: %s", strerror(errno));
		if (status == JP_EXIT_OK)
			status = JP_EXIT_FAILURE;
	}
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct jp_command *cmd;
	struct jp_conffile *conf = NULL;
	struct jp_conffile_argv cargs;
	struct jp_ctx ctx;
	char *cmdname, *conf_path = NULL;
	int c, status, conf_given = 0;

	jp_ctx_init(&ctx, "jprepo");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hqvC:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			free(conf_path);
			jp_print_help(stdout);
			return jp_check_stdout(&ctx, JP_EXIT_OK);
		case 'V':
			free(conf_path);
			printf("jprepo %s\n", PACKAGE_VERSION);
			return jp_check_stdout(&ctx, JP_EXIT_OK);
		case 'C':
			if (chdir(optarg) < 0) {
				free(conf_path);
				jp_err(&ctx, "cannot change to directory '%s': %s",
				    optarg, strerror(errno));
				return JP_EXIT_FAILURE;
			}
			break;
		case 'c':
			/* relative to the directory current at this point (-C) */
			free(conf_path);
			conf_path = jp_conffile_abspath(optarg);
			conf_given = 1;
			break;
		case 'q':
		case 'v':
			jp_cmd_common_opt(&ctx, c);
			break;
		default:
			free(conf_path);
			if (optopt == 'C')
				jp_err(&ctx, "option '-C' needs a directory");
			else if (optopt == 'c')
				jp_err(&ctx, "option '-c' needs a file");
			else if (optopt)
				jp_err(&ctx, "unknown option '-%c'", optopt);
			else
				jp_err(&ctx, "unknown option '%s'", argv[optind - 1]);
			fputs(jp_usage, stderr);
			return JP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		free(conf_path);
		fputs(jp_usage, stderr);
		fputs("Try 'jprepo --help' for the list of commands.\n", stderr);
		return JP_EXIT_USAGE;
	}
	cmd = jp_find_command(argv[optind]);
	if (!cmd) {
		free(conf_path);
		jp_err(&ctx, "unknown command '%s'", argv[optind]);
		fputs("Try 'jprepo --help' for the list of commands.\n", stderr);
		return JP_EXIT_USAGE;
	}
	ctx.command = cmd->name;
	argc -= optind;
	argv += optind;
	/* getopt's own messages then read "jprepo build: ..." */
	cmdname = jp_xasprintf("jprepo %s", cmd->name);
	argv[0] = cmdname;
	/*
	 * jprepo.conf(5): -c FILE, else $JPREPO_CONFIG (empty: none), else the
	 * default file when it exists.  `jprepo help` reads none, so that a
	 * broken file does not keep its manual page away.
	 */
	if (!conf_given && getenv("JPREPO_CONFIG")) {
		conf_path = jp_xstrdup(getenv("JPREPO_CONFIG"));
		conf_given = 1;
	}
	if (cmd->fn != cmd_help && (!conf_given || *conf_path) &&
	    jp_conffile_load(&ctx, conf_given ? conf_path : JP_CONFFILE_DEFAULT,
	    !conf_given, &conf) < 0) {
		jp_err(&ctx, "%s", jp_error_msg(&ctx));
		free(conf_path);
		free(cmdname);
		return JP_EXIT_USAGE;
	}
	free(conf_path);
	jp_conffile_args(&ctx, conf, cmd->name, argc, argv, &cargs);
	optind = 0;   /* glibc: restart getopt for the command's own options */
	opterr = 1;
	status = cmd->fn(cargs.argc, cargs.argv, &ctx);
	jp_conffile_argv_free(&cargs);
	jp_conffile_free(conf);
	free(cmdname);
	return jp_check_stdout(&ctx, status);
}
