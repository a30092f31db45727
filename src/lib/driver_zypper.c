/*
 * driver_zypper.c: zypper (libzypp) against one repository.
 *
 * What zypper 1.14 does, as zypper(8) documents it and as tried in scratch
 * roots; the command lines below depend on each point:
 *
 * - The repository.  open() adds it as "jprepo-PID" (`addrepo -p 1 -F`:
 *   the highest priority, autorefresh off) and refreshes it (`refresh -f
 *   -r ALIAS`); every later command runs with the global --no-refresh and
 *   the command option `-r ALIAS`, which "hides unmentioned repositories
 *   from the resolver" (zypper(8), install -r): the host's own
 *   repositories are neither refreshed nor used, dependencies come from
 *   ours alone.  close() removes it (`removerepo`).  A run killed before
 *   close() leaves its repository behind: open() removes every
 *   "jprepo-PID" repository whose PID is no longer alive, or is its own
 *   (left by an earlier process with that PID: one process holds one
 *   session at a time).
 *
 * - Signatures.  libzypp's trusted keys are the gpg-pubkey entries of the
 *   root's rpm database (nothing else in the root holds trust); a key it
 *   does not trust is offered for import, and -n answers that question
 *   "reject" (zypper(8), "GPG checks" and --gpg-auto-import-keys, which
 *   would trust whatever key the repository itself carries in
 *   repomd.xml.key, and so is never used here).  So with a keyring,
 *   open() imports exactly that key with `rpm --root ROOT --import`
 *   (rpm 4.18 reads armored keys only: a binary one is armored first, RFC
 *   4880 section 6), adds the repository with -g (--gpgcheck: repomd.xml
 *   must be signed by a trusted key; its packages are then accepted by
 *   the checksums of the signed metadata), and close() erases the
 *   gpg-pubkey entries the import added (none when the root trusted the
 *   key already).  The names of those entries are written to
 *   ROOT/var/cache/jprepo/zypper/jprepo-PID.keys while the session lasts,
 *   so that the clean-up of a killed run erases them too.  A wrong key or
 *   an unsigned repomd.xml makes the refresh fail ("Signature
 *   verification failed for repomd.xml"), and open() with it.  Without a
 *   keyring the repository is added with -G (no checks).
 *
 * - Exact versions.  A capability "NAME.ARCH=EPOCH:VERSION-RELEASE" with
 *   --name selects that package by its name (not a provide) in that
 *   architecture and version.  The epoch is always written, 0 too, so
 *   that the command (and the journal) says which: libsolv reads a
 *   missing one as 0 ("ep.noarch=1.0-1" installed ep-0:1.0-1, not the
 *   ep-1:1.0-1 beside it).  Without --oldpackage a version older
 *   than the installed one is not installed and zypper exits 0 saying
 *   "Nothing to do" (it prints "has lower version than the installed
 *   one"); with JP_DRV_OLD it is.
 *
 * - Transactions.  libzypp hands rpm one package at a time: when one of
 *   several packages fails (a pre-install script), zypper stops there
 *   with exit 8 (ZYPPER_EXIT_ERR_COMMIT) and the packages before it stay
 *   installed; the caller's rescan sees which.  Exit 104 is "not found",
 *   107 "installed, but a %post script failed" (zypper(8), EXIT CODES).
 *   Recommended packages are installed as zypp.conf solver.onlyRequires
 *   says (its default, false, installs them, as dnf's install_weak_deps
 *   does); remove also
 *   removes what needs the removed packages (zypper remove's default
 *   --force-resolution).  A package whose licence must be confirmed is
 *   refused in -n mode (no --auto-agree-with-licenses).
 *
 * - The package cache.  --download-only leaves the packages in
 *   ROOT/var/cache/zypp/packages/ALIAS, but `removerepo` deletes that
 *   directory, and libzypp deletes any directory there that belongs to no
 *   repository.  So close() moves a non-empty cache to
 *   ROOT/var/cache/jprepo/zypper/packages and open() moves it back under
 *   the new alias after the refresh: libzypp then takes the packages from
 *   the cache ("Already cached") and deletes each once installed (the
 *   repository does not keep packages).  It checks a cached file against
 *   the checksum in the metadata and downloads it again when they differ,
 *   so a cache kept from another repository does no harm.
 *
 * Every command runs with LC_ALL=C, so that its messages (kept in the
 * journal and quoted in errors) are zypper's own English ones, and with
 * the root made absolute ("rpm: arguments to --root (-r) must begin with
 * a /").
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ctx.h"
#include "driver.h"
#include "fsutil.h"

/* Paths under the root. */
#define JP_ZYP_PKGCACHE "var/cache/zypp/packages"
#define JP_ZYP_STATE "var/cache/jprepo/zypper"

struct jp_zyp {
	char *root;             /* the root made absolute; NULL: the host */
	char *alias;            /* "jprepo-PID" */
	int added;              /* the repository is in the root's list */
	char **keys;            /* gpg-pubkey-V-R entries our import added */
	size_t nkeys;
	char *keysfile;         /* where their names are written, or NULL */
};

static char *const jp_zyp_env[] = { "LC_ALL=C", NULL };

/* The absolute root, NULL for the host (rpm --root takes no other). */
static const char *
jp_zyp_root(const struct jp_drv *d)
{
	const struct jp_zyp *z = d->priv;

	return z ? z->root : NULL;
}

/* The root for messages. */
static const char *
jp_zyp_root_shown(const struct jp_drv *d)
{
	return jp_zyp_root(d) ? jp_zyp_root(d) : "/";
}

/* ROOT/rel, or /rel for the host; malloc'd. */
static char *
jp_zyp_path(const struct jp_drv *d, const char *rel)
{
	return jp_xasprintf("%s/%s", jp_zyp_root(d) ? jp_zyp_root(d) : "",
	    rel);
}

/* "zypper -n [--root ROOT]", the head of every zypper command. */
static void
jp_zyp_head(const struct jp_drv *d, struct jp_argv *a)
{
	jp_argv_add(a, d->cfg.program ? d->cfg.program : "zypper");
	jp_argv_add(a, "--non-interactive");
	if (jp_zyp_root(d)) {
		jp_argv_add(a, "--root");
		jp_argv_add(a, jp_zyp_root(d));
	}
}

/* "rpm [--root ROOT]". */
static void
jp_zyp_rpm_head(const struct jp_drv *d, struct jp_argv *a)
{
	jp_argv_add(a, "rpm");
	if (jp_zyp_root(d)) {
		jp_argv_add(a, "--root");
		jp_argv_add(a, jp_zyp_root(d));
	}
}

static int
jp_zyp_run(struct jp_drv *d, struct jp_argv *a)
{
	int rc = jp_drv_spawn(d, a->v, jp_zyp_env);

	jp_argv_release(a);
	return rc;
}

/*
 * One pass of jp_zyp_problem: append to msg (used bytes so far) the
 * trimmed lines of out that history (1: the "- " entries zypper lists
 * under a repository's "History:", without the dash) or else (0) the
 * lines with an error word select; a line already there is skipped.
 * Returns the new length.
 */
static size_t
jp_zyp_problem_pass(const char *out, int history, char *msg, size_t size,
    size_t used)
{
	static const char *const marks[] = {
		"is invalid", "rror:", "failed", "not found", "unsigned",
		"roblem", NULL,
	};
	const char *p = out;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		const char *s = p;
		size_t sn = nl ? (size_t)(nl - p) : strlen(p), i;
		int hit = 0;
		char one[300];

		p = nl ? nl + 1 : NULL;
		while (sn && (*s == ' ' || *s == '\t')) {
			s++;
			sn--;
		}
		while (sn && (s[sn - 1] == ' ' || s[sn - 1] == '\r'))
			sn--;
		if (history) {
			hit = sn > 2 && !strncmp(s, "- ", 2);
			if (hit) {
				s += 2;
				sn -= 2;
			}
		} else {
			for (i = 0; marks[i] && !hit; i++)
				hit = memmem(s, sn, marks[i],
				    strlen(marks[i])) != NULL;
		}
		if (!hit || !sn)
			continue;
		if (sn > sizeof(one) - 1)
			sn = sizeof(one) - 1;
		memcpy(one, s, sn);
		one[sn] = '\0';
		if (strstr(msg, one) || used + sn + 3 >= size)
			continue;
		used += (size_t)snprintf(msg + used, size - used, "%s%s",
		    used ? "; " : "", one);
	}
	return used;
}

/*
 * What went wrong, from zypper's output: the entries of a repository's
 * "History:" (such as "Signature verification failed for repomd.xml"),
 * else the lines with an error word, joined by "; ", else the last line.
 * malloc'd.
 */
static char *
jp_zyp_problem(const char *out)
{
	char msg[600] = "";
	const char *p, *last = NULL;
	size_t lastn = 0, used;

	used = jp_zyp_problem_pass(out, 1, msg, sizeof(msg), 0);
	if (!used)
		used = jp_zyp_problem_pass(out, 0, msg, sizeof(msg), 0);
	if (used)
		return jp_xstrdup(msg);
	for (p = out; p && *p; ) {
		size_t n = strcspn(p, "\n");

		if (n) {
			last = p;
			lastn = n;
		}
		p += n;
		if (*p)
			p++;
	}
	return last ? jp_xstrndup(last, lastn) : jp_xstrdup("no output");
}

/* Why the last run failed: killed by a signal, or zypper's words. */
static char *
jp_zyp_why(struct jp_drv *d)
{
	char *k = jp_drv_killed(d);

	return k ? k : jp_zyp_problem(jp_drv_last_output(d));
}

/* --- the package cache across sessions --- */

/* 1 when dir exists and holds anything. */
static int
jp_zyp_dir_used(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int used = 0;

	if (!dp)
		return 0;
	while (!used && (de = readdir(dp)) != NULL)
		used = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(dp);
	return used;
}

/* Move the kept packages (if any) into zypper's cache of alias. */
static void
jp_zyp_cache_adopt(struct jp_drv *d, const char *alias)
{
	char *keep = jp_zyp_path(d, JP_ZYP_STATE "/packages");
	char *top = jp_zyp_path(d, JP_ZYP_PKGCACHE);
	char *mine = jp_xasprintf("%s/%s", top, alias);

	if (jp_zyp_dir_used(keep) && jp_mkdir_p(d->ctx, top) == 0) {
		(void)rmdir(mine);      /* an empty one zypper made */
		if (rename(keep, mine) < 0)
			jp_warn(d->ctx, "cannot move the downloaded packages "
			    "'%s' to '%s': %s", keep, mine, strerror(errno));
	}
	free(mine);
	free(top);
	free(keep);
}

/* Keep zypper's cache of alias (if it holds anything) from removerepo. */
static void
jp_zyp_cache_keep(struct jp_drv *d, const char *alias)
{
	char *state = jp_zyp_path(d, JP_ZYP_STATE);
	char *keep = jp_xasprintf("%s/packages", state);
	char *top = jp_zyp_path(d, JP_ZYP_PKGCACHE);
	char *mine = jp_xasprintf("%s/%s", top, alias);

	if (jp_zyp_dir_used(mine) && jp_mkdir_p(d->ctx, state) == 0) {
		/* a cache kept by another session is older than ours */
		if (jp_zyp_dir_used(keep))
			(void)jp_rm_rf(d->ctx, keep);
		else
			(void)rmdir(keep);
		if (rename(mine, keep) < 0)
			jp_warn(d->ctx, "cannot keep the downloaded packages "
			    "'%s' in '%s': %s", mine, keep, strerror(errno));
	}
	free(mine);
	free(top);
	free(keep);
	free(state);
}

/* --- keys --- */

/* CRC-24 of RFC 4880 section 6.1. */
static unsigned long
jp_zyp_crc24(const unsigned char *p, size_t n)
{
	unsigned long crc = 0xB704CEUL;
	size_t i;
	int b;

	for (i = 0; i < n; i++) {
		crc ^= (unsigned long)p[i] << 16;
		for (b = 0; b < 8; b++) {
			crc <<= 1;
			if (crc & 0x1000000UL)
				crc ^= 0x1864CFBUL;
		}
	}
	return crc & 0xFFFFFFUL;
}

/* Radix-64 of n bytes (RFC 4880 section 6.3) into out (4 per 3, NUL). */
static size_t
jp_zyp_b64(const unsigned char *p, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* A binary public key as an armored block (RFC 4880 section 6.2). */
static char *
jp_zyp_armor(const unsigned char *key, size_t n)
{
	static const char head[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n";
	static const char tail[] = "-----END PGP PUBLIC KEY BLOCK-----\n";
	unsigned char crc[3];
	unsigned long c = jp_zyp_crc24(key, n);
	char *b64 = jp_xmalloc((n + 2) / 3 * 4 + 1);
	size_t len = jp_zyp_b64(key, n, b64), i;
	char *out = jp_xmalloc(sizeof(head) + len + len / 64 + 16 +
	    sizeof(tail));
	char *o = stpcpy(out, head);

	/* 64 characters a line (section 6.3: no more than 76) */
	for (i = 0; i < len; i += 64) {
		size_t k = len - i < 64 ? len - i : 64;

		memcpy(o, b64 + i, k);
		o += k;
		*o++ = '\n';
	}
	crc[0] = (unsigned char)(c >> 16);
	crc[1] = (unsigned char)(c >> 8);
	crc[2] = (unsigned char)c;
	*o++ = '=';
	o += jp_zyp_b64(crc, 3, o);
	*o++ = '\n';
	strcpy(o, tail);
	free(b64);
	return out;
}

/*
 * The keyring as a file rpm --import reads (armored): cfg.keyring itself,
 * or an armored copy in tmpdir.  malloc'd path, NULL with a message.
 */
static char *
jp_zyp_key_file(struct jp_drv *d)
{
	const char *key = d->cfg.keyring;
	char *data = NULL, *path = NULL, *armored;
	size_t len = 0;

	if (jp_file_read(d->ctx, key, &data, &len) < 0)
		return NULL;
	if (data && len && memmem(data, len,
	    "-----BEGIN PGP PUBLIC KEY BLOCK-----", 36)) {
		free(data);
		return jp_xstrdup(key);
	}
	/* a binary packet starts with a tag byte with bit 7 set (4.2) */
	if (!data || !len || !((unsigned char)data[0] & 0x80)) {
		free(data);
		jp_error_set(d->ctx, JP_ERR, "cannot use the keyring '%s': "
		    "not an OpenPGP public key (armored or binary)", key);
		return NULL;
	}
	armored = jp_zyp_armor((const unsigned char *)data, len);
	free(data);
	if (!d->cfg.tmpdir) {
		free(armored);
		jp_error_set(d->ctx, JP_ERR, "cannot armor the keyring '%s': "
		    "no temporary directory", key);
		return NULL;
	}
	path = jp_xasprintf("%s/zypper-key.asc", d->cfg.tmpdir);
	if (jp_file_write_atomic(d->ctx, path, armored, strlen(armored)) < 0) {
		free(path);
		path = NULL;
	}
	free(armored);
	return path;
}

static void
jp_zyp_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int
jp_zyp_strv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

/* The gpg-pubkey-VERSION-RELEASE entries in the root's rpm database. */
static int
jp_zyp_keys_list(struct jp_drv *d, char ***out, size_t *nout)
{
	struct jp_argv a = { 0 };
	const char *p;
	char **v = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	*nout = 0;
	jp_zyp_rpm_head(d, &a);
	jp_argv_add(&a, "-q");
	jp_argv_add(&a, "--qf");
	jp_argv_add(&a, "%{NAME}-%{VERSION}-%{RELEASE}\\n");
	jp_argv_add(&a, "gpg-pubkey");
	rc = jp_zyp_run(d, &a);
	if (rc < 0)
		return rc;
	/* exit 1: "package gpg-pubkey is not installed", no key at all */
	if (rc == 1 && strstr(jp_drv_last_output(d), "is not installed"))
		return 0;
	if (rc > 0)
		return jp_error_set(d->ctx, JP_ERR, "cannot list the keys in "
		    "the rpm database of '%s': rpm exit %d",
		    jp_zyp_root_shown(d), rc);
	for (p = jp_drv_last_output(d); *p; ) {
		size_t len = strcspn(p, "\n");

		if (len > 11 && !strncmp(p, "gpg-pubkey-", 11)) {
			v = jp_xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = jp_xstrndup(p, len);
		}
		p += len;
		if (*p)
			p++;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* rpm -e the entries; warns on failure (clean-up goes on). */
static void
jp_zyp_keys_erase(struct jp_drv *d, char *const *keys, size_t n)
{
	struct jp_argv a = { 0 };
	size_t i;
	int rc;

	if (!n)
		return;
	jp_zyp_rpm_head(d, &a);
	jp_argv_add(&a, "-e");
	jp_argv_add(&a, "--allmatches");
	for (i = 0; i < n; i++)
		jp_argv_add(&a, keys[i]);
	rc = jp_zyp_run(d, &a);
	if (rc != 0) {
		char *why = rc < 0 ? jp_xstrdup(jp_error_msg(d->ctx)) :
		    jp_zyp_why(d);

		jp_warn(d->ctx, "cannot erase the key %s imported for the "
		    "repository from the rpm database of '%s': %s", keys[0],
		    jp_zyp_root_shown(d), why);
		free(why);
	}
}

/*
 * Trust cfg.keyring in the root for this session: import it and remember
 * (in priv and in the keys file) what the import added.
 */
static int
jp_zyp_keys_import(struct jp_drv *d)
{
	struct jp_zyp *z = d->priv;
	struct jp_argv a = { 0 };
	char **before = NULL, **after = NULL, *file, *state = NULL;
	size_t nb = 0, na = 0, i;
	int rc;

	file = jp_zyp_key_file(d);
	if (!file)
		return JP_ERR;
	rc = jp_zyp_keys_list(d, &before, &nb);
	if (rc < 0)
		goto out;
	jp_zyp_rpm_head(d, &a);
	jp_argv_add(&a, "--import");
	jp_argv_add(&a, file);
	rc = jp_zyp_run(d, &a);
	if (rc > 0) {
		char *why = jp_zyp_why(d);

		rc = jp_error_set(d->ctx, JP_ERR, "cannot import the keyring "
		    "'%s' into the rpm database of '%s': %s", d->cfg.keyring,
		    jp_zyp_root_shown(d), why);
		free(why);
	}
	if (rc < 0)
		goto out;
	rc = jp_zyp_keys_list(d, &after, &na);
	if (rc < 0)
		goto out;
	for (i = 0; i < na; i++) {
		if (jp_zyp_strv_has(before, nb, after[i]))
			continue;
		z->keys = jp_xrealloc(z->keys, (z->nkeys + 1) *
		    sizeof(*z->keys));
		z->keys[z->nkeys++] = jp_xstrdup(after[i]);
	}
	if (z->nkeys) {
		size_t len = 0;
		char *text;

		state = jp_zyp_path(d, JP_ZYP_STATE);
		for (i = 0; i < z->nkeys; i++)
			len += strlen(z->keys[i]) + 1;
		text = jp_xmalloc(len + 1);
		text[0] = '\0';
		for (i = 0; i < z->nkeys; i++) {
			strcat(text, z->keys[i]);
			strcat(text, "\n");
		}
		z->keysfile = jp_xasprintf("%s/%s.keys", state, z->alias);
		if (jp_mkdir_p(d->ctx, state) < 0 ||
		    jp_file_write_atomic(d->ctx, z->keysfile, text, len) < 0) {
			/* the session still erases them; only a killed one
			 * would leave them */
			jp_warn(d->ctx, "%s", jp_error_msg(d->ctx));
			jp_error_clear(d->ctx);
			free(z->keysfile);
			z->keysfile = NULL;
		}
		free(text);
	}
	rc = 0;
out:
	jp_zyp_strv_free(before, nb);
	jp_zyp_strv_free(after, na);
	free(state);
	free(file);
	return rc;
}

/* --- stale sessions --- */

/* The PID of "jprepo-PID" (the rest of s after the prefix up to a
 * non-digit must be end), or 0. */
static pid_t
jp_zyp_alias_pid(const char *s, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (n <= 7 || strncmp(s, "jprepo-", 7) != 0)
		return 0;
	for (i = 7; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 4194304UL)
			return 0;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return (pid_t)v;
}

/*
 * 1 when what "jprepo-PID" names was left by a run that is gone: PID is
 * not running, or it is ours (an earlier process had our PID: a process
 * holds one session at a time, and this one is only opening).
 */
static int
jp_zyp_stale_pid(pid_t pid)
{
	if (pid <= 0)
		return 0;
	if (pid == getpid())
		return 1;
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* Add alias to v unless there. */
static void
jp_zyp_strv_add_once(char ***v, size_t *n, const char *s, size_t len)
{
	char *w = jp_xstrndup(s, len);

	if (jp_zyp_strv_has(*v, *n, w)) {
		free(w);
		return;
	}
	*v = jp_xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = w;
}

/*
 * Clean up after killed sessions: their repositories (from `zypper -x
 * repos`) and their imported keys (from the keys files), for every
 * "jprepo-PID" that jp_zyp_stale_pid() says is stale.  Failures only warn.
 */
static void
jp_zyp_sweep(struct jp_drv *d)
{
	struct jp_argv a = { 0 };
	char **repos = NULL, **stale = NULL, *state, *keep;
	size_t nrepos = 0, nstale = 0, i;
	const char *p;
	DIR *dp;
	struct dirent *de;
	int rc;

	jp_zyp_head(d, &a);
	jp_argv_add(&a, "--xmlout");
	jp_argv_add(&a, "repos");
	rc = jp_zyp_run(d, &a);
	/* exit 6: no repositories at all */
	for (p = rc == 0 ? jp_drv_last_output(d) : "";
	    (p = strstr(p, "alias=\"jprepo-")) != NULL; ) {
		size_t len;

		p += 7;
		len = strcspn(p, "\"");
		if (jp_zyp_stale_pid(jp_zyp_alias_pid(p, len))) {
			jp_zyp_strv_add_once(&repos, &nrepos, p, len);
			jp_zyp_strv_add_once(&stale, &nstale, p, len);
		}
		p += len;
	}
	jp_error_clear(d->ctx);

	state = jp_zyp_path(d, JP_ZYP_STATE);
	keep = jp_zyp_path(d, JP_ZYP_STATE "/packages");
	dp = opendir(state);
	while (dp && (de = readdir(dp)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".keys") &&
		    jp_zyp_stale_pid(jp_zyp_alias_pid(de->d_name, len - 5)))
			jp_zyp_strv_add_once(&stale, &nstale, de->d_name,
			    len - 5);
	}
	if (dp)
		closedir(dp);

	for (i = 0; i < nstale; i++) {
		char *kf = jp_xasprintf("%s/%s.keys", state, stale[i]);
		char *text = NULL, **keys = NULL;
		size_t len = 0, nkeys = 0;
		int isrepo = jp_zyp_strv_has(repos, nrepos, stale[i]);

		if (isrepo)
			jp_warn(d->ctx, "removing the zypper repository '%s' "
			    "left by a killed jprepo (process %s)", stale[i],
			    stale[i] + 7);
		else
			jp_warn(d->ctx, "erasing the keys imported by a killed "
			    "jprepo (process %s)", stale[i] + 7);
		if (jp_file_read(d->ctx, kf, &text, &len) == 0) {
			const char *q = text;

			while (*q) {
				size_t l = strcspn(q, "\n");

				if (l > 11 && !strncmp(q, "gpg-pubkey-", 11))
					jp_zyp_strv_add_once(&keys, &nkeys,
					    q, l);
				q += l;
				if (*q)
					q++;
			}
			free(text);
		}
		jp_error_clear(d->ctx);
		if (isrepo) {
			/* its downloads, unless newer ones are kept */
			if (!jp_zyp_dir_used(keep))
				jp_zyp_cache_keep(d, stale[i]);
			jp_zyp_head(d, &a);
			jp_argv_add(&a, "removerepo");
			jp_argv_add(&a, stale[i]);
			if (jp_zyp_run(d, &a) != 0) {
				char *why = jp_zyp_why(d);

				jp_warn(d->ctx, "cannot remove the zypper "
				    "repository '%s': %s", stale[i], why);
				free(why);
			}
		}
		jp_zyp_keys_erase(d, keys, nkeys);
		(void)unlink(kf);
		jp_zyp_strv_free(keys, nkeys);
		free(kf);
	}
	jp_error_clear(d->ctx);
	free(keep);
	free(state);
	jp_zyp_strv_free(repos, nrepos);
	jp_zyp_strv_free(stale, nstale);
}

/* --- the operations --- */

static void jp_zyp_close(struct jp_drv *d);

static int
jp_zyp_open(struct jp_drv *d)
{
	struct jp_zyp *z;
	struct jp_argv a = { 0 };
	int rc;

	if (!d->cfg.repo_url || !*d->cfg.repo_url)
		return jp_error_set(d->ctx, JP_ERR_USAGE, "zypper needs a "
		    "repository URL");
	z = jp_xcalloc(1, sizeof(*z));
	z->alias = jp_xasprintf("jprepo-%ld", (long)getpid());
	d->priv = z;
	if (d->cfg.root && *d->cfg.root && strcmp(d->cfg.root, "/") != 0) {
		z->root = realpath(d->cfg.root, NULL);
		if (!z->root)
			return jp_error_errno(d->ctx, errno, "cannot use the "
			    "root '%s'", d->cfg.root);
		if (!strcmp(z->root, "/")) {
			free(z->root);
			z->root = NULL;
		}
	}

	jp_zyp_sweep(d);
	if (d->cfg.keyring) {
		rc = jp_zyp_keys_import(d);
		if (rc < 0)
			return rc;
	}

	jp_zyp_head(d, &a);
	jp_argv_add(&a, "addrepo");
	jp_argv_add(&a, "--priority");
	jp_argv_add(&a, "1");
	jp_argv_add(&a, "--no-refresh");
	jp_argv_add(&a, d->cfg.keyring ? "--gpgcheck" : "--no-gpgcheck");
	jp_argv_add(&a, d->cfg.repo_url);
	jp_argv_add(&a, z->alias);
	rc = jp_zyp_run(d, &a);
	if (rc > 0) {
		char *why = jp_zyp_why(d);

		rc = jp_error_set(d->ctx, JP_ERR, "zypper cannot add the "
		    "repository %s: %s", d->cfg.repo_url, why);
		free(why);
	}
	if (rc < 0)
		return rc;
	z->added = 1;

	jp_zyp_head(d, &a);
	jp_argv_add(&a, "refresh");
	jp_argv_add(&a, "--force");
	jp_argv_add(&a, "--repo");
	jp_argv_add(&a, z->alias);
	rc = jp_zyp_run(d, &a);
	if (rc > 0) {
		char *why = jp_zyp_why(d);

		rc = jp_error_set(d->ctx, JP_ERR, "zypper cannot read the "
		    "repository %s%s: %s", d->cfg.repo_url, d->cfg.keyring ?
		    " (signature checked)" : "", why);
		free(why);
	}
	if (rc < 0)
		return rc;
	jp_zyp_cache_adopt(d, z->alias);
	return 0;
}

/* "zypper -n [--root R] --no-refresh CMD -r ALIAS --name" */
static void
jp_zyp_cmd(struct jp_drv *d, struct jp_argv *a, const char *cmd)
{
	struct jp_zyp *z = d->priv;

	jp_zyp_head(d, a);
	jp_argv_add(a, "--no-refresh");
	jp_argv_add(a, cmd);
	jp_argv_add(a, "--repo");
	jp_argv_add(a, z->alias);
	jp_argv_add(a, "--name");
}

/* NAME[.ARCH][=EPOCH:VERSION-RELEASE] */
static void
jp_zyp_cap(struct jp_argv *a, const struct jp_drv_pkg *p, int with_evr)
{
	const char *evr = with_evr ? p->evr : NULL;

	jp_argv_fmt(a, "%s%s%s%s%s%s", p->name, p->arch ? "." : "",
	    p->arch ? p->arch : "", evr ? "=" : "",
	    evr && !strchr(evr, ':') ? "0:" : "", evr ? evr : "");
}

static int
jp_zyp_install(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	struct jp_argv a = { 0 };
	size_t i;

	if (!n)
		return jp_error_set(d->ctx, JP_ERR_USAGE, "no package to "
		    "install");
	jp_zyp_cmd(d, &a, "install");
	if (flags & JP_DRV_OLD)
		jp_argv_add(&a, "--oldpackage");
	if (flags & JP_DRV_DRYRUN)
		jp_argv_add(&a, "--dry-run");
	if (flags & JP_DRV_DOWNLOAD)
		jp_argv_add(&a, "--download-only");
	jp_argv_add(&a, "--");
	for (i = 0; i < n; i++)
		jp_zyp_cap(&a, &p[i], 1);
	return jp_zyp_run(d, &a);
}

static int
jp_zyp_remove(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags)
{
	struct jp_argv a = { 0 };
	size_t i;

	if (!n)
		return jp_error_set(d->ctx, JP_ERR_USAGE, "no package to "
		    "remove");
	jp_zyp_cmd(d, &a, "remove");
	/* a removal downloads nothing: "download only" changes nothing */
	if (flags & (JP_DRV_DRYRUN | JP_DRV_DOWNLOAD))
		jp_argv_add(&a, "--dry-run");
	jp_argv_add(&a, "--");
	for (i = 0; i < n; i++)
		jp_zyp_cap(&a, &p[i], 0);
	return jp_zyp_run(d, &a);
}

static void
jp_zyp_close(struct jp_drv *d)
{
	struct jp_zyp *z = d->priv;
	struct jp_argv a = { 0 };
	int rc;

	if (!z)
		return;
	if (z->added) {
		jp_zyp_cache_keep(d, z->alias);
		jp_zyp_head(d, &a);
		jp_argv_add(&a, "removerepo");
		jp_argv_add(&a, z->alias);
		rc = jp_zyp_run(d, &a);
		if (rc != 0) {
			char *why = rc < 0 ? jp_xstrdup(jp_error_msg(d->ctx)) :
			    jp_zyp_why(d);

			jp_warn(d->ctx, "cannot remove the temporary zypper "
			    "repository '%s': %s", z->alias, why);
			free(why);
		}
	}
	jp_zyp_keys_erase(d, z->keys, z->nkeys);
	if (z->keysfile)
		(void)unlink(z->keysfile);
	jp_zyp_strv_free(z->keys, z->nkeys);
	free(z->keysfile);
	free(z->alias);
	free(z->root);
	free(z);
	d->priv = NULL;
}

const struct jp_drv_ops jp_drv_zypper_ops = {
	"zypper", jp_zyp_open, jp_zyp_install, jp_zyp_remove, NULL, NULL,
	jp_zyp_close, NULL,
};
