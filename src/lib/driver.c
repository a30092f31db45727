/*
 * driver.c: package-manager sessions, and running the managers'
 * commands with posix_spawn and an argument vector.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "driver.h"

extern char **environ;

static const char *const jp_pm_names[] = {
	NULL, "dnf", "yum", "zypper", "apt",
};

const char *
jp_drv_pm_name(int pm)
{
	if (pm < JP_PM_DNF || pm > JP_PM_APT)
		return NULL;
	return jp_pm_names[pm];
}

int
jp_drv_pm_parse(const char *name)
{
	int pm;

	for (pm = JP_PM_DNF; pm <= JP_PM_APT; pm++)
		if (name && !strcmp(name, jp_pm_names[pm]))
			return pm;
	return 0;
}

/* --- argument vectors --- */

void
jp_argv_add(struct jp_argv *a, const char *word)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = jp_xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = jp_xstrdup(word);
	a->v[a->n] = NULL;
}

void
jp_argv_fmt(struct jp_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		va_end(ap);
		abort();
	}
	va_end(ap);
	jp_argv_add(a, s);
	free(s);
}

void
jp_argv_release(struct jp_argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* --- spawning --- */

/* argv as one printable line: words with blanks or quotes in ''. */
static char *
jp_drv_cmdline(char *const argv[])
{
	size_t len = 1, i, j;
	char *s, *p;

	for (i = 0; argv[i]; i++)
		len += strlen(argv[i]) * 4 + 3;
	p = s = jp_xmalloc(len);
	for (i = 0; argv[i]; i++) {
		const char *w = argv[i];
		int quote = !*w || strpbrk(w, " \t\n'\"\\$`*?[]{}();&|<>~#") != NULL;

		if (i)
			*p++ = ' ';
		if (!quote) {
			p = stpcpy(p, w);
			continue;
		}
		*p++ = '\'';
		for (j = 0; w[j]; j++) {
			if (w[j] == '\'') {
				p = stpcpy(p, "'\\''");
				continue;
			}
			*p++ = w[j];
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

/*
 * The environment of a package manager: a clean one, not the caller's
 * (jprepo runs as root; LD_PRELOAD, PYTHONPATH, a stray APT_CONFIG or
 * RPM_* setting must not reach dnf, rpm, zypper or apt).  Kept from ours:
 * the variables named below; set: LC_ALL=C.UTF-8 and LANG=C.UTF-8, so that
 * the messages the journal keeps and the error lines jprepo picks are in
 * the managers' own English; then the entries of extra ("NAME=value",
 * replacing one of the same name).  The array is malloc'd; its strings
 * are environ's, extra's or static.
 */
static const char *const jp_drv_env_keep[] = {
	"PATH", "HOME", "TMPDIR", "TZ", "TERM", "USER", "LOGNAME",
	"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
	"NO_PROXY", "ftp_proxy", "all_proxy",
};

static int
jp_drv_env_named(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(entry, name, n) && entry[n] == '=';
}

char **
jp_drv_env(char *const extra[])
{
	static char lc_all[] = "LC_ALL=C.UTF-8", lang[] = "LANG=C.UTF-8";
	size_t nkeep = sizeof(jp_drv_env_keep) / sizeof(jp_drv_env_keep[0]);
	size_t m = 0, i, j, k = 0;
	char **env;

	while (extra && extra[m])
		m++;
	env = jp_xmalloc((nkeep + m + 3) * sizeof(*env));
	for (i = 0; i < nkeep; i++) {
		const char *v = NULL;

		for (j = 0; environ[j]; j++)
			if (jp_drv_env_named(environ[j], jp_drv_env_keep[i]))
				v = environ[j];
		if (v)
			env[k++] = (char *)v;
	}
	env[k++] = lc_all;
	env[k++] = lang;
	for (j = 0; j < m; j++) {
		const char *eq = strchr(extra[j], '=');
		size_t nl = eq ? (size_t)(eq - extra[j]) : strlen(extra[j]);

		/* an extra entry replaces one of the same name */
		for (i = 0; i < k; i++) {
			if (!strncmp(env[i], extra[j], nl) && env[i][nl] == '=') {
				env[i] = extra[j];
				break;
			}
		}
		if (i == k)
			env[k++] = extra[j];
	}
	env[k] = NULL;
	return env;
}

/* Keep the last JP_DRV_MAX_OUTPUT bytes of what comes. */
struct jp_outbuf {
	char *buf;
	size_t len, cap;
	int cut;
};

static void
jp_outbuf_add(struct jp_outbuf *o, const char *data, size_t n)
{
	if (n >= JP_DRV_MAX_OUTPUT) {
		data += n - JP_DRV_MAX_OUTPUT;
		n = JP_DRV_MAX_OUTPUT;
		o->len = 0;
		o->cut = 1;
	} else if (o->len + n > JP_DRV_MAX_OUTPUT) {
		size_t drop = o->len + n - JP_DRV_MAX_OUTPUT;

		memmove(o->buf, o->buf + drop, o->len - drop);
		o->len -= drop;
		o->cut = 1;
	}
	if (o->len + n + 1 > o->cap) {
		o->cap = o->len + n + 1 < 8192 ? 8192 : (o->len + n + 1) * 2;
		if (o->cap > JP_DRV_MAX_OUTPUT + 1)
			o->cap = JP_DRV_MAX_OUTPUT + 1;
		o->buf = jp_xrealloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

int
jp_drv_spawn(struct jp_drv *d, char *const argv[], char *const env[])
{
	struct jp_ctx *ctx = d->ctx;
	posix_spawn_file_actions_t fa;
	struct jp_outbuf out = { NULL, 0, 0, 0 };
	struct jp_drv_run *run;
	char **envp = NULL;
	int pfd[2] = { -1, -1 }, st, rc, err;
	pid_t pid;

	d->runs = jp_xrealloc(d->runs, (d->nruns + 1) * sizeof(*d->runs));
	run = &d->runs[d->nruns];
	memset(run, 0, sizeof(*run));
	run->command = jp_drv_cmdline(argv);
	run->status = -1;
	run->query = d->querying;
	run->started = (int64_t)time(NULL);
	jp_debug(ctx, "running %s", run->command);

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot run %s: pipe", argv[0]);
		goto done;
	}
	envp = jp_drv_env(env);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	pfd[1] = -1;
	if (err) {
		rc = jp_error_errno(ctx, err, "cannot run %s", argv[0]);
		goto done;
	}
	for (;;) {
		char buf[16384];
		ssize_t r = read(pfd[0], buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		jp_outbuf_add(&out, buf, (size_t)r);
		if (ctx->verbosity >= JP_V_DEBUG)
			(void)!write(2, buf, (size_t)r);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			rc = jp_error_errno(ctx, errno, "cannot wait for %s",
			    argv[0]);
			goto done;
		}
	}
	if (WIFEXITED(st))
		run->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st)) {
		run->signal = WTERMSIG(st);
		run->status = 128 + run->signal;
	}
	rc = run->status;
	/* posix_spawnp reports a missing program through exit 127 with
	 * glibc's vfork-less path on some systems; name it. */
	if (rc == 127 && out.len == 0) {
		rc = jp_error_set(ctx, JP_ERR, "cannot run %s: not found "
		    "or not executable", argv[0]);
	}
done:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	free(envp);
	run->finished = (int64_t)time(NULL);
	if (out.cut && out.len) {
		static const char mark[] = "[... earlier output cut ...]\n";
		char *b = jp_xmalloc(out.len + sizeof(mark));

		memcpy(b, mark, sizeof(mark) - 1);
		memcpy(b + sizeof(mark) - 1, out.buf, out.len + 1);
		free(out.buf);
		out.buf = b;
	}
	run->output = out.buf ? out.buf : jp_xstrdup("");
	d->nruns++;
	if (d->on_run)
		d->on_run(d, run, d->on_run_opaque);
	return rc;
}

const char *
jp_drv_last_output(const struct jp_drv *d)
{
	if (!d->nruns)
		return "";
	return d->runs[d->nruns - 1].output;
}

/* --- sessions --- */

int
jp_drv_open(struct jp_ctx *ctx, const struct jp_drv_cfg *cfg,
    struct jp_drv **out)
{
	struct jp_drv *d;
	const struct jp_drv_ops *ops;
	int rc;

	*out = NULL;
	switch (cfg->pm) {
	case JP_PM_DNF:
		ops = &jp_drv_dnf_ops;
		break;
	case JP_PM_YUM:
		ops = &jp_drv_yum_ops;
		break;
	case JP_PM_ZYPPER:
		ops = &jp_drv_zypper_ops;
		break;
	case JP_PM_APT:
		ops = &jp_drv_apt_ops;
		break;
	default:
		return jp_error_set(ctx, JP_ERR_USAGE, "unknown package "
		    "manager %d", cfg->pm);
	}
	d = jp_xcalloc(1, sizeof(*d));
	d->ctx = ctx;
	d->cfg = *cfg;
	d->ops = ops;
	rc = ops->open(d);
	if (rc < 0) {
		jp_drv_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

void
jp_drv_close(struct jp_drv *d)
{
	size_t i;

	if (!d)
		return;
	if (d->ops && d->ops->close)
		d->ops->close(d);
	for (i = 0; i < d->nruns; i++) {
		free(d->runs[i].command);
		free(d->runs[i].output);
	}
	free(d->runs);
	free(d);
}

/* s is one or more characters, the first in first, the rest in rest. */
static int
jp_drv_word(const char *s, const char *first, const char *rest)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	if (!s || !*s)
		return 0;
	if (!strchr(alnum, s[0]) && !strchr(first, s[0]))
		return 0;
	for (s++; *s; s++)
		if (!strchr(alnum, *s) && !strchr(rest, *s))
			return 0;
	return 1;
}

/*
 * The characters are those rpmbuild lets into Name, Version and Release
 * (its "Illegal char" check: letters, digits and "._+%{}" with '-' in
 * names, "~^" in versions; names may start with '_') and that Debian
 * Policy 5.6.1 and 5.6.12 allow in package names and versions (a subset).
 * None of them is a shell or glob character or makes an option: dnf and
 * zypper read a leading '-' as an option, "*?[" as a glob, '/' as a file
 * provide and "<=>" or blanks as a version relation.
 */
int
jp_drv_check_pkg(struct jp_ctx *ctx, const struct jp_drv_pkg *p)
{
	size_t n;

	if (!jp_drv_word(p->name, "_", "._+-%{}"))
		return jp_error_set(ctx, JP_ERR_USAGE, "bad package name '%s': "
		    "not handed to the package manager", p->name ? p->name : "");
	if (p->arch && !jp_drv_word(p->arch, "_", "_-"))
		return jp_error_set(ctx, JP_ERR_USAGE, "bad architecture '%s' "
		    "of package '%s': not handed to the package manager",
		    p->arch, p->name);
	if (p->evr && (!jp_drv_word(p->evr, "", "._+~^%{}:-") ||
	    (n = strlen(p->evr), p->evr[n - 1] == '-')))
		return jp_error_set(ctx, JP_ERR_USAGE, "bad version '%s' of "
		    "package '%s': not handed to the package manager", p->evr,
		    p->name);
	return 0;
}

static int
jp_drv_check_pkgs(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (jp_drv_check_pkg(d->ctx, &p[i]) < 0)
			return JP_ERR_USAGE;
	return 0;
}

int
jp_drv_install(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	if (jp_drv_check_pkgs(d, p, n) < 0)
		return JP_ERR_USAGE;
	return d->ops->install(d, p, n, flags);
}

int
jp_drv_remove(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	if (jp_drv_check_pkgs(d, p, n) < 0)
		return JP_ERR_USAGE;
	return d->ops->remove(d, p, n, flags);
}

int
jp_drv_has_history(const struct jp_drv *d)
{
	return d->ops->undo != NULL && d->ops->last_id != NULL;
}

char *
jp_drv_killed(const struct jp_drv *d)
{
	const struct jp_drv_run *r = d->nruns ? &d->runs[d->nruns - 1] : NULL;
	const char *cmd;

	if (!r || !r->signal)
		return NULL;
	cmd = r->command ? r->command : "";
	return jp_xasprintf("%.*s was killed by signal %d (%s)",
	    (int)strcspn(cmd, " "), cmd, r->signal, strsignal(r->signal));
}

int
jp_drv_dedupe(struct jp_drv *d, int flags)
{
	if (!d->ops->dedupe)
		return jp_error_set(d->ctx, JP_ERR, "%s cannot remove the older "
		    "of two installed versions by itself", d->ops->name);
	return d->ops->dedupe(d, flags);
}

int
jp_drv_undo(struct jp_drv *d, const char *pm_id, int flags)
{
	if (!d->ops->undo)
		return jp_error_set(d->ctx, JP_ERR, "%s has no transaction "
		    "history to undo", d->ops->name);
	/* a transaction id of dnf's history: a number, never an option */
	if (!pm_id || !*pm_id || pm_id[strspn(pm_id, "0123456789")] != '\0')
		return jp_error_set(d->ctx, JP_ERR_USAGE, "bad transaction id "
		    "'%s' of %s: not a number", pm_id ? pm_id : "",
		    d->ops->name);
	return d->ops->undo(d, pm_id, flags);
}

int
jp_drv_last_id(struct jp_drv *d, char **id)
{
	*id = NULL;
	if (!d->ops->last_id)
		return jp_error_set(d->ctx, JP_ERR, "%s has no transaction "
		    "history", d->ops->name);
	return d->ops->last_id(d, id);
}
