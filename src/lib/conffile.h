/*
 * conffile.h: jprepo.conf(5), the defaults an administrator would otherwise
 * repeat on every command line.
 *
 * The file holds `key = value` lines, `#` comment lines and `[COMMAND]`
 * section headers.  A key names a long option of the command: in a
 * `[COMMAND]` section it applies to that command, above the first section
 * to every command that has the option.  main() loads the file (from -c,
 * $JPREPO_CONFIG or /etc/jprepo/jprepo.conf), then jp_conffile_args()
 * puts `--key=value` in front of the command's own arguments for each key
 * the command line does not give, so the command line always wins.
 *
 * (The module is not called config.h: that name belongs to the header
 * configure writes, which every source file includes.)
 */
#ifndef JP_CONFFILE_H
#define JP_CONFFILE_H

#include <stddef.h>

struct jp_ctx;

/* The default file, read only when it exists. */
#define JP_CONFFILE_DEFAULT "/etc/jprepo/jprepo.conf"
/* Bigger files are refused: a configuration is a few hundred bytes. */
#define JP_CONFFILE_MAX (1024 * 1024)

struct jp_conffile_entry {
	char *section;     /* the command, or NULL above the first section */
	char *key;         /* the long option, without "--" */
	char *value;       /* as given (quotes removed); "true"/"false" for flags */
	unsigned line;
};

struct jp_conffile {
	char *path;        /* the name used in messages */
	struct jp_conffile_entry *v;
	size_t n;
};

/*
 * Parse the text of a configuration (len bytes; need not be
 * NUL-terminated) and check every section and key against the table of
 * settable options.  name is used in messages, which read
 * "NAME:LINE: problem".  Returns 0 and a new *out, or JP_ERR_USAGE with the
 * message recorded.
 */
int jp_conffile_parse(struct jp_ctx *ctx, const char *name, const char *text,
    size_t len, struct jp_conffile **out);

/*
 * Read and parse the file at path.  With `optional` set a file that does
 * not exist is no error: *out is then NULL and 0 is returned.  Any other
 * failure to read it, and everything jp_conffile_parse refuses, returns
 * JP_ERR_USAGE with the message recorded.
 */
int jp_conffile_load(struct jp_ctx *ctx, const char *path, int optional,
    struct jp_conffile **out);

void jp_conffile_free(struct jp_conffile *cf);

/*
 * path made absolute against the current directory (a new string), so that
 * a later -C does not change which file -c named.  An empty or absolute
 * path, or one when the current directory is unknown, is returned as is.
 */
char *jp_conffile_abspath(const char *path);

/* The argument vector a command runs with. */
struct jp_conffile_argv {
	int argc;
	char **argv;       /* NULL-terminated; getopt may reorder it */
	char **owned;      /* the inserted arguments, to free */
	int ninserted;
};

/*
 * The arguments command `command` runs with: argv[0], then `--key=value`
 * (`--key` for a flag set to true) for each key of cf that applies to the
 * command and that argv does not give already, then argv[1..argc-1].  A key
 * of the command's section replaces the same key above the sections; a
 * repeatable key (plan's repo) is used only when the command line has none
 * of it.  For commands with sub-commands (bundle, key) the options go after
 * the sub-command, and only those of that sub-command.  cf may be NULL.
 *
 * Fills *out (free it with jp_conffile_argv_free()) and returns the number
 * of arguments inserted.  Each one is logged at debug level with the
 * FILE:LINE it came from.
 */
int jp_conffile_args(struct jp_ctx *ctx, const struct jp_conffile *cf,
    const char *command, int argc, char **argv, struct jp_conffile_argv *out);
void jp_conffile_argv_free(struct jp_conffile_argv *a);

/*
 * Whether `key` may be set for `command` (NULL: for some command, as above
 * the first section).  Returns 1 for an option taking a value, 2 for a
 * flag, 0 when the configuration cannot set it.
 */
int jp_conffile_key_kind(const char *command, const char *key);

#endif
