/*
 * driver_apt.c: apt-get, pointed at one APT repository for one session.
 *
 * What open() writes under cfg.tmpdir (the session's private directory):
 *   sources.list     the one source, "deb [signed-by=KEY] URI SUITE COMP"
 *                    or "deb [trusted=yes] URI SUITE COMP" without a
 *                    keyring (sources.list(5), "THE DEB AND DEB-SRC
 *                    TYPES: OPTIONS")
 *   keyring.asc|.gpg the keyring, copied: apt reads a signed-by file as
 *                    armored only when its name ends in .asc, as binary
 *                    when it ends in .gpg (sources.list(5), Signed-By),
 *                    so the extension follows the file's first bytes
 *   lists/           Dir::State::Lists: the indexes of this session only
 *   empty/           an empty directory for the *Parts options
 *   apt.conf         APT_CONFIG, with a root other than "/" (see below)
 *   log/, dpkg.log   only when the root has no var/log/apt, var/log
 * Every command then carries (apt.conf(5), "THE DIR TREE"):
 *   -o Dir::Etc::SourceList=TMP/sources.list
 *   -o Dir::Etc::SourceParts=TMP/empty    no other source of the system
 *   -o Dir::State::Lists=TMP/lists        the root's lists untouched
 *   -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
 *                                         no binary caches written (empty
 *                                         disables them, apt.conf(5)):
 *                                         they would describe this
 *                                         session's lists only
 *   -o Acquire::Languages=none            jprepo writes no Translation-*
 *   -o APT::Architecture=ARCH             cfg.arch, when given; the
 *                                         foreign architectures come from
 *                                         the root's dpkg (apt runs dpkg
 *                                         --print-foreign-architectures
 *                                         with DPkg::Options, so --root)
 *   -o APT::Sandbox::User=root            as root: apt would otherwise
 *                                         fetch as _apt, who cannot write
 *                                         the private lists directory (it
 *                                         warns and falls back to root)
 *   -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
 *                                         keep changed configuration
 *                                         files without asking (dpkg(1))
 *   -o Dpkg::Use-Pty=0                    dpkg's output as it is, not
 *                                         through a pseudo-terminal (whose
 *                                         lines end in "\r\n" and carry
 *                                         progress redrawn with "\r")
 * and the environment DEBIAN_FRONTEND=noninteractive (debconf(7)).
 *
 * The package cache stays the root's own var/cache/apt/archives, so that
 * packages fetched by a --download-only run are used by a later install.
 * A file:// repository is named with apt's copy: scheme, which is "identical
 * to the file scheme except that packages are copied into the cache
 * directory instead of used directly at their location" (sources.list(5));
 * with file: a download-only run would leave nothing in the cache, and the
 * install would depend on the repository's medium still being there.
 *
 * With a root other than "/" (checked on Debian 12, apt 2.6, dpkg 1.21):
 *   -o Dir=ROOT/                     the root's state, cache, preferences
 *   -o Dir::State::status=ROOT/var/lib/dpkg/status
 *                                    its default is absolute, not under Dir
 *   -o DPkg::Options::=--root=ROOT   dpkg installs there, reads its
 *                                    database there and runs maintainer
 *                                    scripts chrooted into ROOT
 *   -o DPkg::Options::=--log=FILE    dpkg logs to /var/log/dpkg.log of the
 *                                    host whatever --root says: ROOT's own
 *                                    var/log/dpkg.log, or TMP/dpkg.log
 *   -o DPkg::Options::=--force-not-root  only when not running as root
 *   -o Dir::Log=TMP/log              when ROOT has no var/log/apt (apt
 *                                    fails after dpkg ran, exit 100, when
 *                                    its log directory is missing)
 *   -o Dir::Etc::PreferencesParts=TMP/empty  when ROOT has no
 *                                    etc/apt/preferences.d (apt warns)
 * and APT_CONFIG=TMP/apt.conf, which points Dir::Etc::Main and
 * Dir::Etc::Parts at nothing: apt reads its configuration files before the
 * command line (apt.conf(5): APT_CONFIG, then Dir::Etc::Parts, then
 * Dir::Etc::Main, then -o), so without it the host's apt.conf.d would
 * apply to the image, hooks included (DPkg::Post-Invoke commands run with
 * sh -c on the host, not in the root); the root's own apt.conf.d is not
 * read either, for the same reason.  Dir::Bin::dpkg needs no option (its
 * default, /usr/bin/dpkg, is absolute); no locking option is needed: the
 * locks are taken in ROOT/var/lib/dpkg, ROOT/var/cache/apt/archives and
 * the session's lists.  ROOT/var/cache/apt/archives/partial is created
 * when missing (apt refuses to fetch without it).
 *
 * Operations (apt-get(8)):
 *   install  -y --no-install-recommends --no-remove install NAME:ARCH=VERSION...
 *            NAME:ARCH=VERSION selects exactly that version, arch "all"
 *            included (apt maps it to the native architecture); apt fetches
 *            what the Depends and Pre-Depends need.  Recommends are left
 *            out: a maintenance run installs the planned packages and what
 *            they cannot work without, nothing the plan did not show.
 *            --no-remove: a transaction that would remove a package fails
 *            instead (as dnf does without --allowerasing).  Without
 *            --allow-downgrades (JP_DRV_OLD) an older version is refused
 *            ("Packages were downgraded and -y was used without
 *            --allow-downgrades"); held packages and essential ones are
 *            never changed under -y (no --allow-change-held-packages, no
 *            --allow-remove-essential).  -s with JP_DRV_DRYRUN (simulate:
 *            no lock, no change), --download-only with JP_DRV_DOWNLOAD.
 *            apt-get marks every package named on its command line as
 *            installed by hand, also one installed automatically before:
 *            `apt-mark showauto` runs first and `apt-mark auto` puts the
 *            marks back after a successful run (not after a dry run or a
 *            download), so that an updated dependency stays removable by
 *            autoremove.  apt-mark takes the same -o options.
 *   remove   -y remove NAME:ARCH...  apt also removes every installed
 *            package that depends on one of them; a simulation (-s) runs
 *            first and the removal is refused, nothing changed, when it
 *            would take away a package that was not asked for.  A dry
 *            run and a download-only run (nothing to fetch for a
 *            removal) only simulate.
 *   undo, last_id: none (apt-get has no transaction history).
 * dpkg does not roll a failed transaction back: when one package's
 * pre-install script fails, dpkg goes on with the others of the run, which
 * stay unpacked but not configured (status "unpacked"), and apt-get exits
 * 100; undoing that is the caller's (see apply-spec: bulk failure).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "driver.h"
#include "fsutil.h"

/* The session's own state (d->priv). */
struct jp_apt {
	struct jp_argv head;   /* apt-get and the options of every command */
	char *env[3];          /* DEBIAN_FRONTEND, APT_CONFIG, NULL */
};

static int
jp_apt_rooted(const struct jp_drv *d)
{
	return d->cfg.root && *d->cfg.root && strcmp(d->cfg.root, "/") != 0;
}

static int
jp_apt_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ROOT/rel, a new string. */
static char *
jp_apt_in_root(const struct jp_drv *d, const char *rel)
{
	return jp_path_join(d->cfg.root, rel);
}

static int
jp_apt_mkdir(struct jp_ctx *ctx, const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return jp_error_errno(ctx, errno, "cannot create '%s'", path);
	return 0;
}

static int
jp_apt_write(struct jp_ctx *ctx, const char *path, const char *text)
{
	return jp_file_write_atomic(ctx, path, text, strlen(text));
}

/*
 * The source URI: file: turned into copy: (see the top), blanks and control
 * bytes percent-encoded (the one-line format splits on blanks; apt decodes
 * %XX in the path).
 */
static char *
jp_apt_source_uri(const char *url)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p = url;
	char *s, *o;

	if (!strncmp(url, "file:", 5))
		p = url + 5;
	o = s = jp_xmalloc(strlen(url) * 3 + 6);
	if (p != url)
		o = stpcpy(o, "copy:");
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f) {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return s;
}

/*
 * The extension apt needs for the key file data: ".asc" for an armored key
 * (RFC 4880, 6.2: "-----BEGIN PGP PUBLIC KEY BLOCK-----"), ".gpg" for a
 * binary one (the first byte of a packet has its high bit set, RFC 4880,
 * 4.2); NULL for anything else.
 */
static const char *
jp_apt_key_ext(const char *data, size_t len)
{
	size_t i = 0;

	if (len && ((unsigned char)data[0] & 0x80))
		return ".gpg";
	while (i < len && strchr(" \t\r\n", data[i]))
		i++;
	if (len - i >= 14 && !memcmp(data + i, "-----BEGIN PGP", 14))
		return ".asc";
	return NULL;
}

/* Copy cfg.keyring into the session directory; its path into *out. */
static int
jp_apt_keyring(struct jp_drv *d, char **out)
{
	const char *ext;
	char *data = NULL, *path = NULL;
	size_t len;
	int rc;

	*out = NULL;
	rc = jp_file_read(d->ctx, d->cfg.keyring, &data, &len);
	if (rc < 0)
		return rc;
	ext = jp_apt_key_ext(data, len);
	if (!ext) {
		rc = jp_error_set(d->ctx, JP_ERR, "cannot use keyring '%s': "
		    "neither an armored nor a binary OpenPGP key",
		    d->cfg.keyring);
		goto out;
	}
	path = jp_xasprintf("%s/keyring%s", d->cfg.tmpdir, ext);
	rc = jp_file_write_atomic(d->ctx, path, data, len);
	if (rc == 0) {
		*out = path;
		path = NULL;
	}
out:
	free(path);
	free(data);
	return rc;
}

/* Is s made of the bytes in set only, and not empty? */
static int
jp_apt_word(const char *s, const char *set)
{
	return s && *s && s[strspn(s, set)] == '\0';
}

#define JP_APT_LOWER "abcdefghijklmnopqrstuvwxyz0123456789"

/*
 * A package as apt-get reads it.  Names: lower case letters, digits, '+',
 * '-', '.', starting with a letter or digit (Debian Policy 5.6.1); versions:
 * letters, digits, ".+~:-" (Policy 5.6.12), and not ending in '-' (apt
 * would read a trailing '-' as "remove this", apt-get(8)); architectures:
 * lower case letters, digits and '-'.  Checked so that no word can become
 * an option or an apt modifier.
 */
static int
jp_apt_check_pkg(struct jp_drv *d, const struct jp_drv_pkg *p, int with_evr)
{
	if (!jp_apt_word(p->name, JP_APT_LOWER "+-.") || p->name[0] == '+' ||
	    p->name[0] == '-' || p->name[0] == '.')
		return jp_error_set(d->ctx, JP_ERR_USAGE, "bad Debian package "
		    "name '%s'", p->name ? p->name : "");
	if (!jp_apt_word(p->arch, JP_APT_LOWER "-"))
		return jp_error_set(d->ctx, JP_ERR_USAGE, "bad architecture "
		    "'%s' of package '%s'", p->arch ? p->arch : "", p->name);
	if (with_evr && (!jp_apt_word(p->evr, JP_APT_LOWER
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.+~:-") ||
	    p->evr[strlen(p->evr) - 1] == '-'))
		return jp_error_set(d->ctx, JP_ERR_USAGE, "bad version '%s' of "
		    "package '%s'", p->evr ? p->evr : "", p->name);
	return 0;
}

/*
 * The lines of out that say what went wrong ("E: ...", and "W: GPG
 * error..." which names the key), joined by "; "; "(no error message)"
 * when there are none.
 */
static char *
jp_apt_errors(const char *out)
{
	const char *p = out;
	size_t len = 0;
	char *s = jp_xstrdup("");

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if ((n > 3 && !strncmp(p, "E: ", 3)) ||
		    (n > 12 && !strncmp(p, "W: GPG error", 12))) {
			s = jp_xrealloc(s, len + n + 3);
			if (len) {
				memcpy(s + len, "; ", 2);
				len += 2;
			}
			memcpy(s + len, p, n);
			len += n;
			s[len] = '\0';
		}
		p = nl ? nl + 1 : NULL;
	}
	if (!len) {
		free(s);
		s = jp_xstrdup("(no error message)");
	}
	return s;
}

/* Append "-o" and the option made from fmt (apt-get(8), -o). */
static void __attribute__((format(printf, 2, 3)))
jp_apt_opt(struct jp_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	jp_argv_add(a, "-o");
	jp_argv_add(a, s);
	free(s);
}

/* A copy of the common head with the command's own words to follow. */
static void
jp_apt_start(struct jp_drv *d, struct jp_argv *a)
{
	struct jp_apt *apt = d->priv;
	size_t i;

	for (i = 0; i < apt->head.n; i++)
		jp_argv_add(a, apt->head.v[i]);
}

static int
jp_apt_run(struct jp_drv *d, struct jp_argv *a)
{
	struct jp_apt *apt = d->priv;
	int rc = jp_drv_spawn(d, a->v, apt->env);

	jp_argv_release(a);
	return rc;
}

/* The options for a root other than "/" (see the top). */
static int
jp_apt_root_options(struct jp_drv *d, struct jp_argv *a)
{
	struct jp_apt *apt = d->priv;
	const char *tmp = d->cfg.tmpdir;
	char *p, *conf;
	int rc = 0;

	conf = jp_xasprintf("// jprepo: no apt.conf of the host or the root\n"
	    "Dir::Etc::Main \"%s/empty/apt.conf\";\n"
	    "Dir::Etc::Parts \"%s/empty\";\n", tmp, tmp);
	p = jp_xasprintf("%s/apt.conf", tmp);
	rc = jp_apt_write(d->ctx, p, conf);
	free(conf);
	if (rc < 0) {
		free(p);
		return rc;
	}
	apt->env[1] = jp_xasprintf("APT_CONFIG=%s", p);
	free(p);

	p = jp_path_join(d->cfg.root, "");
	jp_apt_opt(a, "Dir=%s", p);
	free(p);
	p = jp_apt_in_root(d, "var/lib/dpkg/status");
	jp_apt_opt(a, "Dir::State::status=%s", p);
	free(p);
	jp_apt_opt(a, "DPkg::Options::=--root=%s", d->cfg.root);
	p = jp_apt_in_root(d, "var/log");
	if (jp_apt_is_dir(p))
		jp_apt_opt(a, "DPkg::Options::=--log=%s/dpkg.log", p);
	else
		jp_apt_opt(a, "DPkg::Options::=--log=%s/dpkg.log", tmp);
	free(p);
	if (geteuid() != 0)
		jp_apt_opt(a, "DPkg::Options::=--force-not-root");
	p = jp_apt_in_root(d, "var/log/apt");
	if (!jp_apt_is_dir(p)) {
		char *log = jp_xasprintf("%s/log", tmp);

		rc = jp_apt_mkdir(d->ctx, log);
		jp_apt_opt(a, "Dir::Log=%s", log);
		free(log);
	}
	free(p);
	if (rc < 0)
		return rc;
	p = jp_apt_in_root(d, "etc/apt/preferences.d");
	if (!jp_apt_is_dir(p))
		jp_apt_opt(a, "Dir::Etc::PreferencesParts=%s/empty", tmp);
	free(p);
	p = jp_apt_in_root(d, "var/cache/apt/archives/partial");
	if (!jp_apt_is_dir(p))
		rc = jp_mkdir_p(d->ctx, p);
	free(p);
	return rc;
}

/* Does the lists directory hold a Packages index (of any compression)? */
static int
jp_apt_have_index(const char *lists)
{
	DIR *dir = opendir(lists);
	struct dirent *e;
	int found = 0;

	if (!dir)
		return 0;
	while (!found && (e = readdir(dir)) != NULL)
		found = strstr(e->d_name, "_Packages") != NULL;
	closedir(dir);
	return found;
}

static void
jp_apt_free(struct jp_drv *d)
{
	struct jp_apt *apt = d->priv;

	if (!apt)
		return;
	jp_argv_release(&apt->head);
	free(apt->env[0]);
	free(apt->env[1]);
	free(apt);
	d->priv = NULL;
}

/*
 * Write the session's files, build the common options and run
 * `apt-get update`; its failure (a bad signature, no Release file) is this
 * function's, with apt's error lines in the message.
 */
static int
jp_apt_open(struct jp_drv *d)
{
	const struct jp_drv_cfg *c = &d->cfg;
	const char *suite = c->suite ? c->suite : "stable";
	const char *comp = c->component ? c->component : "main";
	struct jp_apt *apt;
	struct jp_argv a = { 0 };
	char *key = NULL, *uri = NULL, *line = NULL, *path = NULL;
	char *lists = NULL;
	int rc;

	if (!c->tmpdir || !c->repo_url)
		return jp_error_set(d->ctx, JP_ERR_USAGE, "apt needs a "
		    "repository URL and a session directory");
	/* the paths go into sources.list's one-line format and apt.conf's
	 * quoted strings */
	if (strpbrk(c->tmpdir, " \t\n\"[]"))
		return jp_error_set(d->ctx, JP_ERR_USAGE, "cannot use '%s' as "
		    "apt's session directory: blanks, quotes or brackets in "
		    "the path", c->tmpdir);
	if (!jp_apt_word(suite, JP_APT_LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "+-._/") || !jp_apt_word(comp, JP_APT_LOWER
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ+-._/"))
		return jp_error_set(d->ctx, JP_ERR_USAGE, "bad APT suite '%s' "
		    "or component '%s'", suite, comp);
	apt = jp_xcalloc(1, sizeof(*apt));
	d->priv = apt;
	apt->env[0] = jp_xstrdup("DEBIAN_FRONTEND=noninteractive");

	lists = jp_xasprintf("%s/lists", c->tmpdir);
	path = jp_xasprintf("%s/lists/partial", c->tmpdir);
	if ((rc = jp_apt_mkdir(d->ctx, lists)) < 0 ||
	    (rc = jp_apt_mkdir(d->ctx, path)) < 0)
		goto out;
	free(path);
	path = jp_xasprintf("%s/empty", c->tmpdir);
	if ((rc = jp_apt_mkdir(d->ctx, path)) < 0)
		goto out;
	if (c->keyring && (rc = jp_apt_keyring(d, &key)) < 0)
		goto out;

	uri = jp_apt_source_uri(c->repo_url);
	if (key)
		line = jp_xasprintf("deb [signed-by=%s] %s %s %s\n", key, uri,
		    suite, comp);
	else
		line = jp_xasprintf("deb [trusted=yes] %s %s %s\n", uri,
		    suite, comp);
	free(path);
	path = jp_xasprintf("%s/sources.list", c->tmpdir);
	if ((rc = jp_apt_write(d->ctx, path, line)) < 0)
		goto out;

	jp_argv_add(&apt->head, c->program ? c->program : "apt-get");
	if (jp_apt_rooted(d) && (rc = jp_apt_root_options(d, &apt->head)) < 0)
		goto out;
	jp_apt_opt(&apt->head, "Dir::Etc::SourceList=%s", path);
	jp_apt_opt(&apt->head, "Dir::Etc::SourceParts=%s/empty",
	    c->tmpdir);
	jp_apt_opt(&apt->head, "Dir::State::Lists=%s", lists);
	jp_apt_opt(&apt->head, "Dir::Cache::pkgcache=");
	jp_apt_opt(&apt->head, "Dir::Cache::srcpkgcache=");
	jp_apt_opt(&apt->head, "Acquire::Languages=none");
	if (c->arch)
		jp_apt_opt(&apt->head, "APT::Architecture=%s", c->arch);
	if (geteuid() == 0)
		jp_apt_opt(&apt->head, "APT::Sandbox::User=root");
	jp_apt_opt(&apt->head, "Dpkg::Options::=--force-confdef");
	jp_apt_opt(&apt->head, "Dpkg::Options::=--force-confold");
	jp_apt_opt(&apt->head, "Dpkg::Use-Pty=0");

	jp_apt_start(d, &a);
	jp_argv_add(&a, "update");
	rc = jp_apt_run(d, &a);
	if (rc > 0) {
		char *err = jp_drv_killed(d);

		if (!err)
			err = jp_apt_errors(jp_drv_last_output(d));

		rc = jp_error_set(d->ctx, JP_ERR, "apt-get update cannot read "
		    "the repository %s (%s %s): %s", c->repo_url, suite, comp,
		    err);
		free(err);
	} else if (rc == 0 && !jp_apt_have_index(lists)) {
		/* apt only notes ("N: Skipping acquire...") a component or
		 * an architecture the Release file does not list */
		rc = jp_error_set(d->ctx, JP_ERR, "apt-get update found no "
		    "package index in the repository %s for %s %s "
		    "(architecture %s)", c->repo_url, suite, comp,
		    c->arch ? c->arch : "of apt");
	}
out:
	free(lists);
	free(path);
	free(line);
	free(uri);
	free(key);
	if (rc < 0)
		jp_apt_free(d);
	return rc < 0 ? rc : 0;
}

/*
 * Was the package "NAME" or "NAME:ARCH" of a simulation's "Remv" line
 * asked for?  apt writes packages of its native architecture (and "all")
 * without the architecture.
 */
static int
jp_apt_asked(const struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    const char *w, size_t len)
{
	const char *colon = memchr(w, ':', len);
	size_t nl = colon ? (size_t)(colon - w) : len;
	size_t i;

	for (i = 0; i < n; i++) {
		if (strlen(p[i].name) != nl || memcmp(p[i].name, w, nl))
			continue;
		if (colon) {
			size_t al = len - nl - 1;

			if (strlen(p[i].arch) == al &&
			    !memcmp(p[i].arch, colon + 1, al))
				return 1;
		} else if (!strcmp(p[i].arch, "all") || !d->cfg.arch ||
		    !strcmp(p[i].arch, d->cfg.arch)) {
			return 1;
		}
	}
	return 0;
}

/*
 * Which of p apt has marked as installed automatically (apt-mark
 * showauto prints one per line, as "NAME" or "NAME:ARCH" like the "Remv"
 * lines): keep[i] set for those.  Returns 0; when apt-mark fails, nothing
 * is set and a warning says so.
 */
static int
jp_apt_showauto(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int *keep)
{
	struct jp_apt *apt = d->priv;
	struct jp_argv a = { 0 };
	const char *out;
	size_t i;
	int rc;

	jp_argv_add(&a, "apt-mark");
	for (i = 1; i < apt->head.n; i++)
		jp_argv_add(&a, apt->head.v[i]);
	jp_argv_add(&a, "showauto");
	rc = jp_apt_run(d, &a);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		jp_warn(d->ctx, "apt-mark showauto failed (exit %d): packages "
		    "updated by hand become manually installed", rc);
		return 0;
	}
	for (out = jp_drv_last_output(d); out && *out; ) {
		const char *nl = strchr(out, '\n');
		size_t wl = strcspn(out, " \n");

		for (i = 0; i < n; i++)
			if (wl && jp_apt_asked(d, &p[i], 1, out, wl))
				keep[i] = 1;
		out = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Mark again as installed automatically the packages of p with keep[i]. */
static void
jp_apt_markauto(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    const int *keep)
{
	struct jp_apt *apt = d->priv;
	struct jp_argv a = { 0 };
	size_t i, k = 0;
	int rc;

	jp_argv_add(&a, "apt-mark");
	for (i = 1; i < apt->head.n; i++)
		jp_argv_add(&a, apt->head.v[i]);
	jp_argv_add(&a, "auto");
	for (i = 0; i < n; i++) {
		if (keep[i]) {
			jp_argv_fmt(&a, "%s:%s", p[i].name, p[i].arch);
			k++;
		}
	}
	if (!k) {
		jp_argv_release(&a);
		return;
	}
	rc = jp_apt_run(d, &a);
	if (rc != 0)
		jp_warn(d->ctx, "apt-mark auto failed (exit %d): updated "
		    "packages that were installed automatically are now "
		    "marked as installed by hand", rc);
}

static int
jp_apt_install(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	struct jp_argv a = { 0 };
	int *keep = NULL, mark;
	size_t i;
	int rc;

	if (!n)
		return jp_error_set(d->ctx, JP_ERR_USAGE, "nothing to install");
	for (i = 0; i < n; i++)
		if ((rc = jp_apt_check_pkg(d, &p[i], 1)) < 0)
			return rc;
	/* apt-get marks every package it is given as installed by hand,
	 * also one that was installed automatically before (pkgDepCache::
	 * MarkInstall with FromUser); the marks are put back after a
	 * successful run, so that an update does not keep a dependency from
	 * autoremoval */
	mark = !(flags & (JP_DRV_DRYRUN | JP_DRV_DOWNLOAD));
	keep = jp_xcalloc(n, sizeof(*keep));
	if (mark && (rc = jp_apt_showauto(d, p, n, keep)) < 0)
		goto out;
	jp_apt_start(d, &a);
	jp_argv_add(&a, "-y");
	jp_argv_add(&a, "--no-install-recommends");
	jp_argv_add(&a, "--no-remove");
	if (flags & JP_DRV_DRYRUN)
		jp_argv_add(&a, "-s");
	if (flags & JP_DRV_DOWNLOAD)
		jp_argv_add(&a, "--download-only");
	if (flags & JP_DRV_OLD)
		jp_argv_add(&a, "--allow-downgrades");
	jp_argv_add(&a, "install");
	for (i = 0; i < n; i++)
		jp_argv_fmt(&a, "%s:%s=%s", p[i].name, p[i].arch, p[i].evr);
	rc = jp_apt_run(d, &a);
	if (rc == 0 && mark)
		jp_apt_markauto(d, p, n, keep);
out:
	free(keep);
	return rc;
}

static int
jp_apt_remove(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	struct jp_argv a = { 0 };
	const char *out;
	char *extra = NULL;
	size_t i, len = 0;
	int rc;

	if (!n)
		return jp_error_set(d->ctx, JP_ERR_USAGE, "nothing to remove");
	for (i = 0; i < n; i++)
		if ((rc = jp_apt_check_pkg(d, &p[i], 0)) < 0)
			return rc;

	/* what apt would remove: "Remv NAME[:ARCH] [VERSION]" lines of the
	 * simulation (apt-pkg/algorithms.cc, pkgSimulate::Remove; not
	 * translated) */
	jp_apt_start(d, &a);
	jp_argv_add(&a, "-y");
	jp_argv_add(&a, "-s");
	jp_argv_add(&a, "remove");
	for (i = 0; i < n; i++)
		jp_argv_fmt(&a, "%s:%s", p[i].name, p[i].arch);
	rc = jp_apt_run(d, &a);
	if (rc != 0 || (flags & (JP_DRV_DRYRUN | JP_DRV_DOWNLOAD)))
		return rc;
	for (out = jp_drv_last_output(d); out && *out; ) {
		const char *nl = strchr(out, '\n');

		if (!strncmp(out, "Remv ", 5)) {
			const char *w = out + 5;
			size_t wl = strcspn(w, " \n");

			if (!jp_apt_asked(d, p, n, w, wl)) {
				extra = jp_xrealloc(extra, len + wl + 3);
				if (len) {
					memcpy(extra + len, ", ", 2);
					len += 2;
				}
				memcpy(extra + len, w, wl);
				len += wl;
				extra[len] = '\0';
			}
		}
		out = nl ? nl + 1 : NULL;
	}
	if (extra) {
		rc = jp_error_set(d->ctx, JP_ERR, "apt-get would also remove "
		    "%s, which depend on what is to be removed; nothing "
		    "removed", extra);
		free(extra);
		return rc;
	}

	jp_apt_start(d, &a);
	jp_argv_add(&a, "-y");
	jp_argv_add(&a, "remove");
	for (i = 0; i < n; i++)
		jp_argv_fmt(&a, "%s:%s", p[i].name, p[i].arch);
	return jp_apt_run(d, &a);
}

/* Everything open() made is in cfg.tmpdir, which the caller removes. */
static void
jp_apt_close(struct jp_drv *d)
{
	jp_apt_free(d);
}

const struct jp_drv_ops jp_drv_apt_ops = {
	"apt", jp_apt_open, jp_apt_install, jp_apt_remove, NULL, NULL,
	jp_apt_close, NULL,
};
