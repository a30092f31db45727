/*
 * conffile.c: jprepo.conf(5), read and turned into command-line options.
 *
 * The format is the small subset of the usual "INI" style that needs no
 * explanation: `[section]` headers, `key = value` lines and `#` comment
 * lines.  There are no continuation lines, no escapes and no comments after
 * a value; a value may be put in double quotes to keep blanks at its ends.
 * Everything the table below does not know is refused with FILE:LINE, so a
 * misspelt key never silently does nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conffile.h"
#include "ctx.h"

enum {
	CF_ARG = 1,   /* --key=value */
	CF_FLAG = 2,  /* --key, for true */
};

/* One long option the configuration may set. */
struct cf_key {
	const char *key;
	int kind;            /* CF_ARG or CF_FLAG */
	int multi;           /* may be given more than once (plan --repo) */
	char shortopt;       /* its short alias, or 0 */
	const char *sub;     /* only for this sub-command, or NULL */
};

/*
 * One command: its settable options, its sub-commands (the first argument,
 * before the options) and the short options that take an argument, which
 * the scan of the command line needs to tell a value from an option.
 * Keep in step with the longopts[] of src/cmd_<name>.c.
 */
struct cf_command {
	const char *name;
	const char *const *subs;
	const char *argshort;
	const struct cf_key *keys;
};

static const struct cf_key cf_apply[] = {
	{ "repo", CF_ARG, 0, 0, NULL },
	{ "root", CF_ARG, 0, 0, NULL },
	{ "pm", CF_ARG, 0, 0, NULL },
	{ "mode", CF_ARG, 0, 0, NULL },
	{ "window", CF_ARG, 0, 0, NULL },
	{ "keyring", CF_ARG, 0, 0, NULL },
	{ "suite", CF_ARG, 0, 0, NULL },
	{ "security", CF_FLAG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_build[] = {
	{ "jobs", CF_ARG, 0, 'j', NULL },
	{ "compress", CF_ARG, 0, 0, NULL },
	{ "wait", CF_ARG, 0, 0, NULL },
	{ "suite", CF_ARG, 0, 0, NULL },
	{ "codename", CF_ARG, 0, 0, NULL },
	{ "component", CF_ARG, 0, 0, NULL },
	{ "origin", CF_ARG, 0, 0, NULL },
	{ "label", CF_ARG, 0, 0, NULL },
	{ "valid-for", CF_ARG, 0, 0, NULL },
	{ "sign", CF_ARG, 0, 0, NULL },
	{ "homedir", CF_ARG, 0, 0, NULL },
	{ "passphrase-file", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const char *const cf_bundle_subs[] = { "verify", "info", NULL };
static const struct cf_key cf_bundle[] = {
	{ "trust", CF_ARG, 0, 0, NULL },
	{ "store", CF_ARG, 0, 0, "verify" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_export[] = {
	{ "sign-key", CF_ARG, 0, 0, NULL },
	{ "sign-cert", CF_ARG, 0, 0, NULL },
	{ "volume-size", CF_ARG, 0, 0, NULL },
	{ "store-name", CF_ARG, 0, 0, NULL },
	{ "wait", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_history[] = {
	{ "root", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_import[] = {
	{ "store", CF_ARG, 0, 0, NULL },
	{ "trust", CF_ARG, 0, 0, NULL },
	{ "wait", CF_ARG, 0, 0, NULL },
	{ "sign", CF_ARG, 0, 0, NULL },
	{ "homedir", CF_ARG, 0, 0, NULL },
	{ "passphrase-file", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const char *const cf_key_subs[] = { "generate", "export", NULL };
static const struct cf_key cf_keycmd[] = {
	{ "homedir", CF_ARG, 0, 0, NULL },
	{ "algo", CF_ARG, 0, 0, "generate" },
	{ "uid", CF_ARG, 0, 0, "generate" },
	{ "expire", CF_ARG, 0, 0, "generate" },
	{ "key", CF_ARG, 0, 'k', "export" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_plan[] = {
	{ "repo", CF_ARG, 1, 0, NULL },
	{ "min-severity", CF_ARG, 0, 0, NULL },
	{ "security", CF_FLAG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_report[] = {
	{ "format", CF_ARG, 0, 0, NULL },
	{ "sla", CF_ARG, 0, 0, NULL },
	{ "stale", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_rollback[] = {
	{ "root", CF_ARG, 0, 0, NULL },
	{ "repo", CF_ARG, 0, 0, NULL },
	{ "keyring", CF_ARG, 0, 0, NULL },
	{ "pm", CF_ARG, 0, 0, NULL },
	{ "suite", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_scan[] = {
	{ "root", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_sign[] = {
	{ "key", CF_ARG, 0, 'k', NULL },
	{ "homedir", CF_ARG, 0, 0, NULL },
	{ "passphrase-file", CF_ARG, 0, 0, NULL },
	{ "wait", CF_ARG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_key cf_verify[] = {
	{ "keyring", CF_ARG, 0, 0, NULL },
	{ "jobs", CF_ARG, 0, 'j', NULL },
	{ "packages", CF_FLAG, 0, 0, NULL },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cf_command cf_commands[] = {
	{ "apply", NULL, "", cf_apply },
	{ "build", NULL, "j", cf_build },
	{ "bundle", cf_bundle_subs, "", cf_bundle },
	{ "export", NULL, "o", cf_export },
	{ "history", NULL, "", cf_history },
	{ "import", NULL, "", cf_import },
	{ "key", cf_key_subs, "ko", cf_keycmd },
	{ "plan", NULL, "o", cf_plan },
	{ "report", NULL, "o", cf_report },
	{ "rollback", NULL, "", cf_rollback },
	{ "scan", NULL, "o", cf_scan },
	{ "sign", NULL, "k", cf_sign },
	{ "verify", NULL, "j", cf_verify },
	{ NULL, NULL, NULL, NULL },
};

static const struct cf_command *
cf_find_command(const char *name)
{
	const struct cf_command *c;

	for (c = cf_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static const struct cf_key *
cf_find_key(const struct cf_command *c, const char *key)
{
	const struct cf_key *k;

	for (k = c->keys; k->key; k++)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

/*
 * The kind of key for command (NULL: any command), or 0.  A key means the
 * same option wherever it appears, so its kind is the same everywhere.
 */
int
jp_conffile_key_kind(const char *command, const char *key)
{
	const struct cf_command *c;
	const struct cf_key *k;

	if (command) {
		c = cf_find_command(command);
		k = c ? cf_find_key(c, key) : NULL;
		return k ? k->kind : 0;
	}
	for (c = cf_commands; c->name; c++)
		if ((k = cf_find_key(c, key)) != NULL)
			return k->kind;
	return 0;
}

/*
 * Whether key may appear more than once in section (NULL: above the
 * sections, where it must be repeatable for every command that has it).
 */
static int
cf_key_multi(const char *section, const char *key)
{
	const struct cf_command *c;
	const struct cf_key *k;
	int seen = 0;

	for (c = cf_commands; c->name; c++) {
		if (section && strcmp(c->name, section))
			continue;
		if ((k = cf_find_key(c, key)) == NULL)
			continue;
		if (!k->multi)
			return 0;
		seen = 1;
	}
	return seen;
}

static int
cf_is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static int
cf_is_keychar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
}

void
jp_conffile_free(struct jp_conffile *cf)
{
	size_t i;

	if (!cf)
		return;
	for (i = 0; i < cf->n; i++) {
		free(cf->v[i].section);
		free(cf->v[i].key);
		free(cf->v[i].value);
	}
	free(cf->v);
	free(cf->path);
	free(cf);
}

/* One `key = value` line (b..e, blanks trimmed) in section. */
static int
cf_parse_setting(struct jp_ctx *ctx, struct jp_conffile *cf, const char *section,
    unsigned line, const char *b, const char *e)
{
	const char *eq, *kb, *ke, *vb, *ve, *p;
	char *key, *value;
	size_t i;
	int kind;

	eq = memchr(b, '=', (size_t)(e - b));
	if (!eq)
		return jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: not a setting: "
		    "expected 'key = value', '[command]' or a '#' comment",
		    cf->path, line);
	kb = b;
	ke = eq;
	while (ke > kb && cf_is_blank(ke[-1]))
		ke--;
	if (ke == kb)
		return jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: no key before '='",
		    cf->path, line);
	for (p = kb; p < ke; p++)
		if (!cf_is_keychar(*p) || (p == kb && *p == '-'))
			return jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: bad key "
			    "'%.*s': keys are long option names without '--' (a-z, 0-9, '-')",
			    cf->path, line, (int)(ke - kb), kb);
	vb = eq + 1;
	ve = e;
	while (vb < ve && cf_is_blank(*vb))
		vb++;
	if (ve - vb >= 2 && *vb == '"' && ve[-1] == '"') {
		vb++;
		ve--;
	} else if ((vb < ve && *vb == '"') || (ve > vb && ve[-1] == '"')) {
		return jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: unbalanced '\"' in "
		    "the value", cf->path, line);
	} else {
		/* A comment after a value would silently become part of it. */
		for (p = vb + 1; p < ve; p++)
			if (*p == '#' && cf_is_blank(p[-1]))
				return jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: '#' "
				    "after a value: comments go on their own line "
				    "(quote the value if it holds ' #')", cf->path,
				    line);
	}
	key = jp_xstrndup(kb, (size_t)(ke - kb));
	if (ve == vb) {
		jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: no value for '%s'",
		    cf->path, line, key);
		free(key);
		return JP_ERR_USAGE;
	}
	kind = jp_conffile_key_kind(section, key);
	if (!kind) {
		if (section)
			jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: unknown key '%s' "
			    "in [%s]: not an option the configuration can set for "
			    "'jprepo %s'", cf->path, line, key, section, section);
		else
			jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: unknown key '%s': "
			    "no command takes it from the configuration",
			    cf->path, line, key);
		free(key);
		return JP_ERR_USAGE;
	}
	value = jp_xstrndup(vb, (size_t)(ve - vb));
	if (kind == CF_FLAG && strcmp(value, "true") && strcmp(value, "false")) {
		jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: '%s' is a flag: its "
		    "value is true or false, not '%s'", cf->path, line, key,
		    value);
		free(key);
		free(value);
		return JP_ERR_USAGE;
	}
	for (i = 0; i < cf->n; i++) {
		const struct jp_conffile_entry *o = &cf->v[i];

		if (strcmp(o->key, key) || (!o->section) != (!section) ||
		    (section && strcmp(o->section, section)))
			continue;
		if (!cf_key_multi(section, key)) {
			jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: '%s' is already "
			    "set on line %u", cf->path, line, key, o->line);
			free(key);
			free(value);
			return JP_ERR_USAGE;
		}
	}
	cf->v = jp_xrealloc(cf->v, (cf->n + 1) * sizeof(*cf->v));
	cf->v[cf->n].section = section ? jp_xstrdup(section) : NULL;
	cf->v[cf->n].key = key;
	cf->v[cf->n].value = value;
	cf->v[cf->n].line = line;
	cf->n++;
	return 0;
}

/* A `[command]` line (b..e, blanks trimmed); the new section in *section. */
static int
cf_parse_section(struct jp_ctx *ctx, struct jp_conffile *cf, unsigned line,
    const char *b, const char *e, char **section)
{
	const char *nb = b + 1, *ne = e - 1;

	if (e - b < 2 || e[-1] != ']')
		return jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: bad section "
		    "header: expected '[command]'", cf->path, line);
	while (nb < ne && cf_is_blank(*nb))
		nb++;
	while (ne > nb && cf_is_blank(ne[-1]))
		ne--;
	free(*section);
	*section = jp_xstrndup(nb, (size_t)(ne - nb));
	if (!cf_find_command(*section))
		return jp_error_set(ctx, JP_ERR_USAGE, "%s:%u: unknown section "
		    "[%s]: sections are commands whose options the "
		    "configuration can set", cf->path, line, *section);
	return 0;
}

int
jp_conffile_parse(struct jp_ctx *ctx, const char *name, const char *text,
    size_t len, struct jp_conffile **out)
{
	struct jp_conffile *cf = jp_xcalloc(1, sizeof(*cf));
	const char *p = text, *end = text + len;
	char *section = NULL;
	unsigned line = 0;
	int rc = 0;

	*out = NULL;
	cf->path = jp_xstrdup(name);
	if (memchr(text, '\0', len)) {
		rc = jp_error_set(ctx, JP_ERR_USAGE, "%s: not a text file "
		    "(it holds a NUL byte)", name);
		goto out;
	}
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *b = p, *e = nl ? nl : end;

		line++;
		p = nl ? nl + 1 : end;
		while (b < e && cf_is_blank(*b))
			b++;
		while (e > b && cf_is_blank(e[-1]))
			e--;
		if (b == e || *b == '#')
			continue;
		if (*b == '[')
			rc = cf_parse_section(ctx, cf, line, b, e, &section);
		else
			rc = cf_parse_setting(ctx, cf, section, line, b, e);
	}
out:
	free(section);
	if (rc < 0) {
		jp_conffile_free(cf);
		return JP_ERR_USAGE;
	}
	*out = cf;
	return 0;
}

int
jp_conffile_load(struct jp_ctx *ctx, const char *path, int optional,
    struct jp_conffile **out)
{
	FILE *fp;
	struct stat st;
	char *buf;
	size_t n;
	int rc;

	*out = NULL;
	fp = fopen(path, "r");
	if (!fp) {
		if (optional && errno == ENOENT)
			return 0;
		return jp_error_set(ctx, JP_ERR_USAGE, "cannot read the "
		    "configuration '%s': %s", path, strerror(errno));
	}
	if (fstat(fileno(fp), &st) < 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;

		fclose(fp);
		return jp_error_set(ctx, JP_ERR_USAGE, "cannot read the "
		    "configuration '%s': %s", path, strerror(e));
	}
	/* Read one byte past the limit to see whether it is exceeded. */
	buf = jp_xmalloc(JP_CONFFILE_MAX + 1);
	n = fread(buf, 1, JP_CONFFILE_MAX + 1, fp);
	if (ferror(fp)) {
		int e = errno;

		fclose(fp);
		free(buf);
		return jp_error_set(ctx, JP_ERR_USAGE, "cannot read the "
		    "configuration '%s': %s", path, strerror(e));
	}
	fclose(fp);
	if (n > JP_CONFFILE_MAX) {
		free(buf);
		return jp_error_set(ctx, JP_ERR_USAGE, "configuration '%s' is "
		    "too big (over %d bytes)", path, JP_CONFFILE_MAX);
	}
	rc = jp_conffile_parse(ctx, path, buf, n, out);
	free(buf);
	return rc;
}

char *
jp_conffile_abspath(const char *path)
{
	char *cwd, *abs;

	if (!*path || *path == '/')
		return jp_xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return jp_xstrdup(path);
	abs = jp_xasprintf("%s/%s", cwd, path);
	free(cwd);
	return abs;
}

/*
 * Mark in given[] (one slot per key of c) the keys the command line names,
 * the way getopt_long(3) would read it: a long option by its name or an
 * abbreviation of it ("--st" for --store), `--key=value` or `--key value`;
 * clusters of short options ("-qk ID"), where a short option that takes an
 * argument ends the cluster; "--" ends the options.  Operands are passed
 * over, as glibc permutes them; for the commands that stop at the first
 * operand a later "--key" would be refused by the command anyway.
 */
static void
cf_mark_given(const struct cf_command *c, int argc, char **argv, int start,
    unsigned char *given)
{
	const struct cf_key *k;
	int i;

	for (i = start; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1])
			continue;
		if (!strcmp(a, "--"))
			break;
		if (a[1] == '-') {
			const char *name = a + 2;
			size_t len = strcspn(name, "=");
			int exact = -1, takes_arg = 0;

			if (!len)
				continue;
			for (k = c->keys; k->key; k++)
				if (strlen(k->key) == len &&
				    !strncmp(k->key, name, len))
					exact = (int)(k - c->keys);
			for (k = c->keys; k->key; k++) {
				int idx = (int)(k - c->keys);

				if (exact >= 0 ? idx != exact :
				    strncmp(k->key, name, len) != 0)
					continue;
				given[idx] = 1;
				if (k->kind == CF_ARG)
					takes_arg = 1;
			}
			if (takes_arg && name[len] != '=')
				i++;
			continue;
		}
		for (a++; *a; a++) {
			for (k = c->keys; k->key; k++)
				if (k->shortopt == *a)
					given[k - c->keys] = 1;
			if (strchr(c->argshort, *a)) {
				if (!a[1])
					i++;
				break;
			}
		}
	}
}

/* The entries for key: the command's section's, else those above it. */
static void
cf_values(const struct jp_conffile *cf, const char *command, const char *key,
    const struct jp_conffile_entry **vals, size_t *nvals)
{
	size_t i;
	int pass;

	*nvals = 0;
	for (pass = 0; pass < 2 && *nvals == 0; pass++)
		for (i = 0; i < cf->n; i++) {
			const struct jp_conffile_entry *e = &cf->v[i];

			if (strcmp(e->key, key))
				continue;
			if (pass == 0 ? !e->section || strcmp(e->section, command) :
			    e->section != NULL)
				continue;
			vals[(*nvals)++] = e;
		}
}

int
jp_conffile_args(struct jp_ctx *ctx, const struct jp_conffile *cf,
    const char *command, int argc, char **argv, struct jp_conffile_argv *out)
{
	const struct cf_command *c = cf_find_command(command);
	const struct jp_conffile_entry **vals = NULL;
	const struct cf_key *k;
	const char *sub = NULL;
	unsigned char *given = NULL;
	char **nv, **owned;
	int head = 1, nins = 0, i;
	size_t nk = 0, nvals, j;

	nv = jp_xcalloc((size_t)argc + 1 + (cf ? cf->n : 0), sizeof(*nv));
	owned = jp_xcalloc(1 + (cf ? cf->n : 0), sizeof(*owned));
	if (c && cf && argc >= 1) {
		if (c->subs) {
			/* the options go after a known sub-command, or nowhere */
			for (i = 0; c->subs[i]; i++)
				if (argc >= 2 && !strcmp(argv[1], c->subs[i]))
					sub = c->subs[i];
			head = 2;
		}
		for (k = c->keys; k->key; k++)
			nk++;
		given = jp_xcalloc(nk + 1, 1);
		vals = jp_xcalloc(cf->n + 1, sizeof(*vals));
		if (!c->subs || sub)
			cf_mark_given(c, argc, argv, head, given);
	}
	for (i = 0; i < head && i < argc; i++)
		nv[i] = argv[i];
	if (given && (!c->subs || sub)) {
		for (k = c->keys; k->key; k++) {
			if (given[k - c->keys] || (k->sub &&
			    (!sub || strcmp(k->sub, sub))))
				continue;
			cf_values(cf, command, k->key, vals, &nvals);
			for (j = 0; j < nvals; j++) {
				char *arg;

				if (k->kind == CF_FLAG && strcmp(vals[j]->value, "true"))
					break;
				if (k->kind == CF_FLAG)
					arg = jp_xasprintf("--%s", k->key);
				else
					arg = jp_xasprintf("--%s=%s", k->key,
					    vals[j]->value);
				jp_debug(ctx, "%s:%u: %s", cf->path, vals[j]->line, arg);
				owned[nins] = arg;
				nv[i + nins++] = arg;
				if (!k->multi)
					break;
			}
		}
	}
	for (; i < argc; i++)
		nv[i + nins] = argv[i];
	nv[argc + nins] = NULL;
	free(given);
	free(vals);
	out->argc = argc + nins;
	out->argv = nv;
	out->owned = owned;
	out->ninserted = nins;
	return nins;
}

void
jp_conffile_argv_free(struct jp_conffile_argv *a)
{
	int i;

	for (i = 0; i < a->ninserted; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->argv);
	memset(a, 0, sizeof(*a));
}
