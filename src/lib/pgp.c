/*
 * pgp.c: OpenPGP signatures of repository metadata through GPGME.
 *
 * The files written are the ones clients look for:
 *   RPM-MD: repodata/repomd.xml.asc, the detached armored signature that
 *     dnf checks with repo_gpgcheck=1 and zypper with gpgcheck, and
 *     repodata/repomd.xml.key, the armored public key zypper offers to
 *     import (zypper's "repomd.xml.key" convention);
 *   APT: dists/SUITE/InRelease (clearsigned Release) and Release.gpg (the
 *     detached armored signature), see the Debian repository format,
 *     https://wiki.debian.org/DebianRepository/Format#A.22Release.22_files
 *
 * Digest.  GPGME has no per-operation digest setting (gpgme_set_ctx_flag
 * knows no such flag in 1.18), and gpg picks SHA256 for RSA keys unless
 * --digest-algo or personal-digest-preferences says otherwise.  So that
 * the user's gpg.conf is never written, signing runs gpg with a private
 * "overlay" home: a mkdtemp(3) directory holding a gpg.conf of our own and
 * symbolic links to the key files of the real home (pubring.kbx or
 * pubring.gpg, trustdb.gpg, private-keys-v1.d, gpg-agent.conf).  gpg then
 * talks to a gpg-agent of its own for that directory, which is stopped
 * (gpgconf --kill) and the directory removed when signing is over.
 *
 * Verification imports the given key file into an empty temporary home,
 * so only that file's keys can make a signature good.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <gpgme.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "fsutil.h"
#include "pgp.h"

static pthread_once_t pgp_once = PTHREAD_ONCE_INIT;
static int pgp_init_ok;

static void
pgp_init_once(void)
{
	if (!gpgme_check_version(NULL))
		return;
	pgp_init_ok = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == 0;
}

static int
pgp_init(struct jp_ctx *ctx)
{
	pthread_once(&pgp_once, pgp_init_once);
	if (!pgp_init_ok)
		return jp_error_set(ctx, JP_ERR, "cannot use GnuPG through GPGME: "
		    "gpg engine missing or too old");
	return 0;
}

/*
 * The GnuPG home: the one given, else $GNUPGHOME, else ~/.gnupg; made
 * absolute, as gpg runs in other directories (a relative home would not
 * be found from there).
 */
static char *
pgp_home(const char *homedir)
{
	const char *h;

	if (!(homedir && *homedir)) {
		h = getenv("GNUPGHOME");
		homedir = h && *h ? h : NULL;
	}
	if (homedir) {
		char *abs = realpath(homedir, NULL);

		return abs ? abs : jp_xstrdup(homedir);
	}
	h = getenv("HOME");
	return jp_path_join(h && *h ? h : "/", ".gnupg");
}

static int
pgp_check_home(struct jp_ctx *ctx, const char *home)
{
	struct stat st;

	if (stat(home, &st) < 0)
		return jp_error_errno(ctx, errno, "cannot use GnuPG home '%s'", home);
	if (!S_ISDIR(st.st_mode))
		return jp_error_set(ctx, JP_ERR, "cannot use GnuPG home '%s': "
		    "not a directory", home);
	if (access(home, R_OK | X_OK) < 0)
		return jp_error_errno(ctx, errno, "cannot use GnuPG home '%s'", home);
	return 0;
}

static int
pgp_new(struct jp_ctx *ctx, gpgme_ctx_t *g, const char *home)
{
	gpgme_error_t e;

	if (pgp_init(ctx) < 0)
		return JP_ERR;
	e = gpgme_new(g);
	if (!e)
		e = gpgme_set_protocol(*g, GPGME_PROTOCOL_OpenPGP);
	if (!e)
		e = gpgme_ctx_set_engine_info(*g, GPGME_PROTOCOL_OpenPGP, NULL, home);
	if (e) {
		if (*g)
			gpgme_release(*g);
		*g = NULL;
		return jp_error_set(ctx, JP_ERR, "cannot start gpg for '%s': %s",
		    home, gpgme_strerror(e));
	}
	return 0;
}

static void pgp_tmphome_remove(const char *dir);

/* The file in a temporary home that names the jprepo process it is for. */
#define PGP_PIDFILE "jprepo.pid"

/*
 * Temporary homes in t that a jprepo killed before it could clean up left
 * (SIGKILL, a power cut), with the gpg-agent still running for each:
 * ours (owner), named jprepo-sign-* or jprepo-verify-*, and holding a
 * PGP_PIDFILE whose process is gone and that is older than five minutes
 * (a jprepo of another PID namespace sharing /tmp would look gone; none
 * signs for that long).  A home without one is left alone (being made
 * just now by another jprepo, or not ours to judge).
 */
static void
pgp_sweep_stale(const char *t)
{
	DIR *d = opendir(t);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char *dir, *pf, buf[32];
		struct stat st, pst;
		ssize_t n;
		long pid;
		int fd;

		if (strncmp(e->d_name, "jprepo-sign-", 12) != 0 &&
		    strncmp(e->d_name, "jprepo-verify-", 14) != 0)
			continue;
		dir = jp_path_join(t, e->d_name);
		pf = jp_path_join(dir, PGP_PIDFILE);
		fd = open(pf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		n = fd >= 0 && fstat(fd, &pst) == 0 &&
		    pst.st_mtime < time(NULL) - 300 ?
		    read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (n > 0 && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == geteuid()) {
			buf[n] = '\0';
			pid = strtol(buf, NULL, 10);
			if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				pgp_tmphome_remove(dir);
		}
		free(pf);
		free(dir);
	}
	closedir(d);
}

/*
 * A temporary directory under $TMPDIR (or /tmp), mode 0700, with a
 * PGP_PIDFILE naming this process; stale ones are swept first.
 */
static char *
pgp_mkdtemp(struct jp_ctx *ctx, const char *stem)
{
	const char *t = getenv("TMPDIR");
	char *dir, *pf, pid[32];
	int fd, n;

	/* gpg-agent's socket may live in the home: keep the path short. */
	if (!t || !*t || strlen(t) > 60)
		t = "/tmp";
	pgp_sweep_stale(t);
	dir = jp_xasprintf("%s/jprepo-%s-XXXXXX", t, stem);
	if (!mkdtemp(dir)) {
		jp_error_errno(ctx, errno, "cannot create a temporary GnuPG home "
		    "in '%s'", t);
		free(dir);
		return NULL;
	}
	if (chmod(dir, 0700) < 0) {
		jp_error_errno(ctx, errno, "cannot set the mode of '%s'", dir);
		(void)rmdir(dir);
		free(dir);
		return NULL;
	}
	pf = jp_path_join(dir, PGP_PIDFILE);
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	fd = open(pf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, pid, (size_t)n) != n) {
		jp_error_errno(ctx, errno, "cannot write '%s'", pf);
		if (fd >= 0)
			close(fd);
		free(pf);
		pgp_tmphome_remove(dir);
		free(dir);
		return NULL;
	}
	close(fd);
	free(pf);
	return dir;
}

/* What the signing overlay home links to in the real one. */
static const char *const pgp_links[] = { "pubring.kbx", "pubring.gpg",
    "trustdb.gpg", "private-keys-v1.d", "gpg-agent.conf", NULL };

/*
 * Stop the gpg-agent (if any) of a temporary home, then remove it.  The
 * overlay's links are unlinked first, by name, so that the removal can
 * never reach into the real home.
 */
static void
pgp_tmphome_remove(const char *dir)
{
	struct jp_ctx quiet;
	const char *gpgconf = gpgme_get_dirinfo("gpgconf-name");
	gpgme_ctx_t g = NULL;
	size_t i;

	if (gpgconf && gpgme_new(&g) == 0) {
		const char *argv[] = { "gpgconf", "--homedir", dir, "--kill",
		    "gpg-agent", NULL };

		if (gpgme_set_protocol(g, GPGME_PROTOCOL_SPAWN) == 0)
			(void)gpgme_op_spawn(g, gpgconf, argv, NULL, NULL, NULL, 0);
		gpgme_release(g);
	}
	for (i = 0; pgp_links[i]; i++) {
		char *p = jp_path_join(dir, pgp_links[i]);

		(void)unlink(p);
		free(p);
	}
	jp_ctx_init(&quiet, "jprepo");
	(void)jp_rm_rf(&quiet, dir);
}

/* Copy a GPGME data buffer out; releases d. */
static char *
pgp_data_take(gpgme_data_t d, size_t *len)
{
	size_t n = 0;
	char *m = gpgme_data_release_and_get_mem(d, &n);
	char *out = jp_xmalloc(n + 1);

	if (m && n)
		memcpy(out, m, n);
	out[n] = '\0';
	gpgme_free(m);
	*len = n;
	return out;
}

/*
 * The one key matching keyid (secret: with its secret part), like
 * gpgme_get_key() but for any pattern gpg takes (gpgme_get_key refuses
 * names shorter than 8 characters).  Returns 0 with *out set, 1 when no
 * key matches, 2 when more than one does, or a negative GPGME error code
 * (its text in *why).
 */
static int
pgp_find_key(gpgme_ctx_t g, const char *keyid, int secret, gpgme_key_t *out,
    gpgme_error_t *why)
{
	gpgme_key_t key = NULL, k2;
	gpgme_error_t e;
	int more = 0;

	*out = NULL;
	*why = 0;
	e = gpgme_op_keylist_start(g, keyid, secret);
	if (!e)
		e = gpgme_op_keylist_next(g, &key);
	if (gpg_err_code(e) == GPG_ERR_EOF) {
		gpgme_op_keylist_end(g);
		return 1;
	}
	if (e) {
		gpgme_op_keylist_end(g);
		*why = e;
		return -1;
	}
	/* Read the listing to its end, whatever it holds. */
	while (gpgme_op_keylist_next(g, &k2) == 0) {
		if (!key->fpr || !k2->fpr || strcmp(key->fpr, k2->fpr))
			more = 1;
		gpgme_key_unref(k2);
	}
	gpgme_op_keylist_end(g);
	if (more) {
		gpgme_key_unref(key);
		return 2;
	}
	*out = key;
	return 0;
}

/* --- signing --- */

/* The overlay home for signing (see the comment at the top). */
static char *
pgp_overlay_make(struct jp_ctx *ctx, const char *home)
{
	/*
	 * digest-algo overrides every other choice of the signing digest;
	 * the trust model does not matter for making signatures and "always"
	 * keeps gpg from updating the trust database.
	 */
	static const char conf[] = "digest-algo SHA512\n"
	    "personal-digest-preferences SHA512\n"
	    "trust-model always\n"
	    "no-auto-check-trustdb\n"
	    "batch\n";
	char *dir, *p, *q;
	size_t i;

	dir = pgp_mkdtemp(ctx, "sign");
	if (!dir)
		return NULL;
	for (i = 0; pgp_links[i]; i++) {
		p = jp_path_join(home, pgp_links[i]);
		if (access(p, F_OK) == 0) {
			q = jp_path_join(dir, pgp_links[i]);
			if (symlink(p, q) < 0) {
				jp_error_errno(ctx, errno, "cannot link '%s' to '%s'", q, p);
				free(p);
				free(q);
				pgp_tmphome_remove(dir);
				free(dir);
				return NULL;
			}
			free(q);
		}
		free(p);
	}
	p = jp_path_join(dir, "gpg.conf");
	if (jp_file_write_atomic(ctx, p, conf, sizeof(conf) - 1) < 0) {
		free(p);
		pgp_tmphome_remove(dir);
		free(dir);
		return NULL;
	}
	free(p);
	return dir;
}

struct pgp_pass {
	char *pass;       /* the passphrase file's first line */
	int bad;          /* gpg said it was wrong */
};

/* GPGME passphrase callback: the loopback pinentry asks us. */
static gpgme_error_t
pgp_pass_cb(void *hook, const char *uid_hint, const char *info,
    int prev_was_bad, int fd)
{
	struct pgp_pass *pp = hook;

	(void)uid_hint;
	(void)info;
	if (prev_was_bad) {
		/* Asking again cannot help: the file holds one passphrase. */
		pp->bad = 1;
		return gpg_error(GPG_ERR_BAD_PASSPHRASE);
	}
	if (gpgme_io_writen(fd, pp->pass, strlen(pp->pass)) < 0 ||
	    gpgme_io_writen(fd, "\n", 1) < 0)
		return gpgme_error_from_syserror();
	return 0;
}

static int
pgp_pass_load(struct jp_ctx *ctx, const char *path, struct pgp_pass *pp)
{
	char *data;
	size_t len;

	if (access(path, R_OK) < 0)
		return jp_error_errno(ctx, errno, "cannot read passphrase file '%s'",
		    path);
	jp_file_warn_secret(ctx, path, "passphrase file");
	if (jp_file_read(ctx, path, &data, &len) < 0)
		return JP_ERR;
	/* Like gpg --passphrase-file: the first line, without its newline. */
	data[strcspn(data, "\r\n")] = '\0';
	pp->pass = data;
	return 0;
}

static void
pgp_pass_free(struct pgp_pass *pp)
{
	if (pp->pass) {
		volatile char *v = pp->pass;

		while (*v)
			*v++ = '\0';
		free(pp->pass);
	}
	pp->pass = NULL;
}

/* Find the signing key and check that it can sign now. */
static int
pgp_signer_key(struct jp_ctx *ctx, gpgme_ctx_t g, const char *keyid,
    const char *home, gpgme_key_t *out)
{
	gpgme_error_t e;
	gpgme_key_t key = NULL;
	gpgme_subkey_t sk;
	int usable = 0, expired = 0, revoked = 0;

	switch (pgp_find_key(g, keyid, 1, &key, &e)) {
	case 0:
		break;
	case 1:
		return jp_error_set(ctx, JP_ERR, "no secret key '%s' in GnuPG "
		    "home '%s'", keyid, home);
	case 2:
		return jp_error_set(ctx, JP_ERR, "key id '%s' matches more than one "
		    "secret key in GnuPG home '%s': give the fingerprint", keyid, home);
	default:
		return jp_error_set(ctx, JP_ERR, "cannot look up key '%s' in GnuPG "
		    "home '%s': %s", keyid, home, gpgme_strerror(e));
	}
	if (key->revoked) {
		jp_error_set(ctx, JP_ERR, "key '%s' in '%s' is revoked", keyid, home);
		goto fail;
	}
	if (key->expired) {
		jp_error_set(ctx, JP_ERR, "key '%s' in '%s' has expired", keyid, home);
		goto fail;
	}
	if (key->disabled || key->invalid) {
		jp_error_set(ctx, JP_ERR, "key '%s' in '%s' is disabled or invalid",
		    keyid, home);
		goto fail;
	}
	for (sk = key->subkeys; sk; sk = sk->next) {
		if (!sk->can_sign)
			continue;
		if (sk->revoked)
			revoked = 1;
		else if (sk->expired)
			expired = 1;
		else if (!sk->disabled && !sk->invalid && sk->secret)
			usable = 1;
	}
	if (!usable) {
		if (expired || revoked)
			jp_error_set(ctx, JP_ERR, "key '%s' in '%s': its signing key "
			    "has %s", keyid, home, expired ? "expired" : "been revoked");
		else
			jp_error_set(ctx, JP_ERR, "key '%s' in '%s' cannot sign (no "
			    "signing capability or no secret part)", keyid, home);
		goto fail;
	}
	*out = key;
	return 0;
fail:
	gpgme_key_unref(key);
	return JP_ERR;
}

/* Sign the file at path; the signature (or clearsigned text) in *sig. */
static int
pgp_sign_file(struct jp_ctx *ctx, gpgme_ctx_t g, const char *path,
    gpgme_sig_mode_t mode, const char *keyid, const char *home,
    struct pgp_pass *pp, char **sig, size_t *siglen)
{
	gpgme_data_t in = NULL, out = NULL;
	gpgme_sign_result_t r;
	gpgme_error_t e;

	e = gpgme_data_new_from_file(&in, path, 1);
	if (e)
		return jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", path,
		    gpgme_strerror(e));
	if (gpgme_data_new(&out)) {
		gpgme_data_release(in);
		return jp_error_set(ctx, JP_ERR, "out of memory");
	}
	e = gpgme_op_sign(g, in, out, mode);
	gpgme_data_release(in);
	if (e) {
		gpgme_data_release(out);
		if (pp->bad || gpg_err_code(e) == GPG_ERR_BAD_PASSPHRASE)
			return jp_error_set(ctx, JP_ERR, "wrong passphrase for key '%s' "
			    "in '%s'", keyid, home);
		if (gpg_err_code(e) == GPG_ERR_CANCELED ||
		    gpg_err_code(e) == GPG_ERR_NO_PIN_ENTRY ||
		    gpg_err_code(e) == GPG_ERR_NO_PASSPHRASE ||
		    gpg_err_code(e) == GPG_ERR_ENOTTY)
			return jp_error_set(ctx, JP_ERR, "no passphrase for key '%s' in "
			    "'%s': pinentry could not ask (%s); give a passphrase "
			    "file", keyid, home, gpgme_strerror(e));
		return jp_error_set(ctx, JP_ERR, "cannot sign '%s' with key '%s' "
		    "in '%s': %s", path, keyid, home, gpgme_strerror(e));
	}
	r = gpgme_op_sign_result(g);
	if (!r || r->invalid_signers || !r->signatures) {
		gpgme_data_release(out);
		return jp_error_set(ctx, JP_ERR, "cannot sign '%s' with key '%s' "
		    "in '%s': gpg made no signature", path, keyid, home);
	}
	if (r->signatures->hash_algo != GPGME_MD_SHA512) {
		gpgme_data_release(out);
		return jp_error_set(ctx, JP_ERR, "cannot sign '%s': gpg used digest "
		    "%s, not SHA512", path,
		    gpgme_hash_algo_name(r->signatures->hash_algo));
	}
	*sig = pgp_data_take(out, siglen);
	return 0;
}

int
jp_pgp_sign_metadata(struct jp_ctx *ctx, const char *metadir, int apt,
    const struct jp_pgp_signer *s)
{
	struct pgp_pass pp = { NULL, 0 };
	struct {
		char *path;
		char *data;
		size_t len;
	} outs[2] = { { NULL, NULL, 0 }, { NULL, NULL, 0 } };
	char *home, *overlay = NULL, *src = NULL;
	gpgme_ctx_t g = NULL;
	gpgme_key_t key = NULL;
	int rc = JP_ERR;
	size_t i;

	if (!s || !s->keyid || !*s->keyid)
		return jp_error_set(ctx, JP_ERR, "no signing key given");
	home = pgp_home(s->homedir);
	if (pgp_check_home(ctx, home) < 0 || pgp_init(ctx) < 0)
		goto out;
	src = jp_path_join(metadir, apt ? "Release" : "repomd.xml");
	if (access(src, R_OK) < 0) {
		jp_error_errno(ctx, errno, "cannot read '%s'", src);
		goto out;
	}
	if (s->passphrase_file && pgp_pass_load(ctx, s->passphrase_file, &pp) < 0)
		goto out;
	overlay = pgp_overlay_make(ctx, home);
	if (!overlay || pgp_new(ctx, &g, overlay) < 0)
		goto out;
	if (pp.pass) {
		gpgme_set_pinentry_mode(g, GPGME_PINENTRY_MODE_LOOPBACK);
		gpgme_set_passphrase_cb(g, pgp_pass_cb, &pp);
	}
	if (pgp_signer_key(ctx, g, s->keyid, home, &key) < 0)
		goto out;
	gpgme_signers_clear(g);
	if (gpgme_signers_add(g, key)) {
		jp_error_set(ctx, JP_ERR, "cannot use key '%s' in '%s'", s->keyid, home);
		goto out;
	}
	gpgme_set_armor(g, 1);
	gpgme_set_textmode(g, 0);
	if (apt) {
		outs[0].path = jp_path_join(metadir, "InRelease");
		if (pgp_sign_file(ctx, g, src, GPGME_SIG_MODE_CLEAR, s->keyid, home,
		    &pp, &outs[0].data, &outs[0].len) < 0)
			goto out;
		outs[1].path = jp_path_join(metadir, "Release.gpg");
		if (pgp_sign_file(ctx, g, src, GPGME_SIG_MODE_DETACH, s->keyid, home,
		    &pp, &outs[1].data, &outs[1].len) < 0)
			goto out;
	} else {
		gpgme_data_t kd;
		gpgme_error_t e;

		outs[0].path = jp_path_join(metadir, "repomd.xml.asc");
		if (pgp_sign_file(ctx, g, src, GPGME_SIG_MODE_DETACH, s->keyid, home,
		    &pp, &outs[0].data, &outs[0].len) < 0)
			goto out;
		outs[1].path = jp_path_join(metadir, "repomd.xml.key");
		if (gpgme_data_new(&kd)) {
			jp_error_set(ctx, JP_ERR, "out of memory");
			goto out;
		}
		e = gpgme_op_export(g, key->fpr, 0, kd);
		outs[1].data = pgp_data_take(kd, &outs[1].len);
		if (e || outs[1].len == 0) {
			jp_error_set(ctx, JP_ERR, "cannot export public key '%s' from "
			    "'%s': %s", s->keyid, home,
			    e ? gpgme_strerror(e) : "nothing exported");
			goto out;
		}
	}
	/* Every signature is made: now replace the files. */
	for (i = 0; i < 2; i++)
		if (jp_file_write_atomic(ctx, outs[i].path, outs[i].data,
		    outs[i].len) < 0)
			goto out;
	if (jp_fsync_dir(ctx, metadir) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < 2; i++) {
		free(outs[i].path);
		free(outs[i].data);
	}
	if (key)
		gpgme_key_unref(key);
	if (g)
		gpgme_release(g);
	if (overlay) {
		pgp_tmphome_remove(overlay);
		free(overlay);
	}
	pgp_pass_free(&pp);
	free(src);
	free(home);
	return rc;
}

/* --- keys --- */

int
jp_pgp_generate_key(struct jp_ctx *ctx, const char *homedir, const char *uid,
    const char *algo, unsigned long expires, char *fpr, size_t fprlen)
{
	gpgme_ctx_t g = NULL;
	gpgme_genkey_result_t r;
	gpgme_error_t e;
	unsigned int flags;
	char *home = pgp_home(homedir);
	int rc = JP_ERR;

	if (!algo)
		algo = "rsa3072";
	if (strcmp(algo, "rsa3072") && strcmp(algo, "ed25519")) {
		jp_error_set(ctx, JP_ERR, "unknown key algorithm '%s': use rsa3072 "
		    "or ed25519", algo);
		goto out;
	}
	if (!uid || !*uid) {
		jp_error_set(ctx, JP_ERR, "no user id given for the new key");
		goto out;
	}
	if (access(home, F_OK) < 0) {
		/* the private key goes in there: 0700 whatever the umask */
		if (jp_mkdir_p(ctx, home) < 0)
			goto out;
		if (chmod(home, 0700) < 0) {
			jp_error_errno(ctx, errno, "cannot set the mode of GnuPG "
			    "home '%s'", home);
			goto out;
		}
	}
	if (pgp_check_home(ctx, home) < 0 || pgp_new(ctx, &g, home) < 0)
		goto out;
	/* No passphrase, nothing asked: loopback keeps pinentry away. */
	gpgme_set_pinentry_mode(g, GPGME_PINENTRY_MODE_LOOPBACK);
	flags = GPGME_CREATE_SIGN | GPGME_CREATE_NOPASSWD;
	if (!expires)
		flags |= GPGME_CREATE_NOEXPIRE;
	e = gpgme_op_createkey(g, uid, algo, 0, expires, NULL, flags);
	if (e) {
		jp_error_set(ctx, JP_ERR, "cannot generate a %s key for '%s' in '%s': "
		    "%s", algo, uid, home, gpgme_strerror(e));
		goto out;
	}
	r = gpgme_op_genkey_result(g);
	if (!r || !r->fpr) {
		jp_error_set(ctx, JP_ERR, "cannot generate a key in '%s': gpg "
		    "reported no fingerprint", home);
		goto out;
	}
	if (strlen(r->fpr) >= fprlen) {
		jp_error_set(ctx, JP_ERR, "fingerprint buffer too small");
		goto out;
	}
	strcpy(fpr, r->fpr);
	rc = 0;
out:
	if (g)
		gpgme_release(g);
	free(home);
	return rc;
}

int
jp_pgp_export_key(struct jp_ctx *ctx, const char *homedir, const char *keyid,
    const char *path, int armor)
{
	gpgme_ctx_t g = NULL;
	gpgme_key_t key = NULL;
	gpgme_data_t d;
	gpgme_error_t e;
	char *home = pgp_home(homedir), *data = NULL, *fp = NULL;
	size_t len;
	int rc = JP_ERR;

	if (!keyid || !*keyid) {
		jp_error_set(ctx, JP_ERR, "no key given to export");
		goto out;
	}
	if (pgp_check_home(ctx, home) < 0 || pgp_new(ctx, &g, home) < 0)
		goto out;
	switch (pgp_find_key(g, keyid, 0, &key, &e)) {
	case 0:
		break;
	case 1:
		jp_error_set(ctx, JP_ERR, "no key '%s' in GnuPG home '%s'", keyid, home);
		goto out;
	case 2:
		jp_error_set(ctx, JP_ERR, "key id '%s' matches more than one key in "
		    "GnuPG home '%s': give the fingerprint", keyid, home);
		goto out;
	default:
		jp_error_set(ctx, JP_ERR, "cannot look up key '%s' in '%s': %s",
		    keyid, home, gpgme_strerror(e));
		goto out;
	}
	fp = jp_xstrdup(key->fpr);
	gpgme_set_armor(g, armor ? 1 : 0);
	if (gpgme_data_new(&d)) {
		jp_error_set(ctx, JP_ERR, "out of memory");
		goto out;
	}
	e = gpgme_op_export(g, fp, 0, d);
	data = pgp_data_take(d, &len);
	if (e || len == 0) {
		jp_error_set(ctx, JP_ERR, "cannot export key '%s' from '%s': %s",
		    keyid, home, e ? gpgme_strerror(e) : "nothing exported");
		goto out;
	}
	if (jp_file_write_atomic(ctx, path, data, len) < 0)
		goto out;
	rc = 0;
out:
	if (key)
		gpgme_key_unref(key);
	if (g)
		gpgme_release(g);
	free(fp);
	free(data);
	free(home);
	return rc;
}

/* --- verification --- */

/* A temporary home holding only the keys of keyfile. */
static int
pgp_verify_home(struct jp_ctx *ctx, const char *keyfile, char **dirp,
    gpgme_ctx_t *g)
{
	gpgme_data_t kd = NULL;
	gpgme_import_result_t r;
	gpgme_error_t e;
	char *dir;

	*dirp = NULL;
	*g = NULL;
	if (access(keyfile, R_OK) < 0)
		return jp_error_errno(ctx, errno, "cannot read key file '%s'", keyfile);
	if (pgp_init(ctx) < 0)
		return JP_ERR;
	dir = pgp_mkdtemp(ctx, "verify");
	if (!dir)
		return JP_ERR;
	if (pgp_new(ctx, g, dir) < 0)
		goto fail;
	e = gpgme_data_new_from_file(&kd, keyfile, 1);
	if (e) {
		jp_error_set(ctx, JP_ERR, "cannot read key file '%s': %s", keyfile,
		    gpgme_strerror(e));
		goto fail;
	}
	e = gpgme_op_import(*g, kd);
	gpgme_data_release(kd);
	r = e ? NULL : gpgme_op_import_result(*g);
	if (!r || r->imported + r->unchanged == 0) {
		jp_error_set(ctx, JP_ERR, "no OpenPGP public key in '%s'", keyfile);
		goto fail;
	}
	*dirp = dir;
	return 0;
fail:
	if (*g)
		gpgme_release(*g);
	*g = NULL;
	pgp_tmphome_remove(dir);
	free(dir);
	return JP_ERR;
}

/* Judge a verify result: 0 when a signature is good and none is bad. */
static int
pgp_judge(struct jp_ctx *ctx, gpgme_ctx_t g, gpgme_error_t e,
    const char *keyfile, const char *what, char *fpr_out, size_t n)
{
	gpgme_verify_result_t r;
	gpgme_signature_t sig, good = NULL;
	gpgme_error_t other = 0;
	int nokey = 0;

	if (e && gpg_err_code(e) == GPG_ERR_NO_DATA)
		return jp_error_set(ctx, JP_ERR, "no signature in '%s'", what);
	if (e && gpg_err_code(e) == GPG_ERR_BAD_SIGNATURE)
		return jp_error_set(ctx, JP_ERR, "bad signature on '%s'", what);
	if (e)
		return jp_error_set(ctx, JP_ERR, "cannot verify '%s': %s", what,
		    gpgme_strerror(e));
	r = gpgme_op_verify_result(g);
	if (!r || !r->signatures)
		return jp_error_set(ctx, JP_ERR, "no signature in '%s'", what);
	for (sig = r->signatures; sig; sig = sig->next) {
		switch (gpg_err_code(sig->status)) {
		case GPG_ERR_NO_ERROR:
			if (!good)
				good = sig;
			break;
		case GPG_ERR_BAD_SIGNATURE:
			return jp_error_set(ctx, JP_ERR, "bad signature on '%s'", what);
		case GPG_ERR_NO_PUBKEY:
			nokey = 1;
			break;
		default:
			if (!other)
				other = sig->status;
			break;
		}
	}
	if (good) {
		if (fpr_out && n) {
			if (!good->fpr || strlen(good->fpr) >= n)
				return jp_error_set(ctx, JP_ERR, "fingerprint buffer too "
				    "small");
			strcpy(fpr_out, good->fpr);
		}
		return 0;
	}
	if (other)
		return jp_error_set(ctx, JP_ERR, "signature on '%s' not accepted: %s",
		    what, gpgme_strerror(other));
	if (nokey)
		return jp_error_set(ctx, JP_ERR, "'%s' is signed by a key not in '%s'",
		    what, keyfile);
	return jp_error_set(ctx, JP_ERR, "no signature in '%s'", what);
}

int
jp_pgp_verify_detached(struct jp_ctx *ctx, const char *keyfile,
    const char *data_path, const char *sig_path, char *fpr_out, size_t n)
{
	gpgme_data_t sd = NULL, dd = NULL;
	gpgme_ctx_t g;
	gpgme_error_t e;
	char *dir;
	int rc = JP_ERR;

	if (pgp_verify_home(ctx, keyfile, &dir, &g) < 0)
		return JP_ERR;
	e = gpgme_data_new_from_file(&sd, sig_path, 1);
	if (e) {
		jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", sig_path,
		    gpgme_strerror(e));
		goto out;
	}
	e = gpgme_data_new_from_file(&dd, data_path, 1);
	if (e) {
		jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", data_path,
		    gpgme_strerror(e));
		goto out;
	}
	e = gpgme_op_verify(g, sd, dd, NULL);
	rc = pgp_judge(ctx, g, e, keyfile, sig_path, fpr_out, n);
out:
	gpgme_data_release(sd);
	gpgme_data_release(dd);
	gpgme_release(g);
	pgp_tmphome_remove(dir);
	free(dir);
	return rc;
}

int
jp_pgp_verify_clearsigned(struct jp_ctx *ctx, const char *keyfile,
    const char *path, char **plain, size_t *len)
{
	gpgme_data_t sd = NULL, pd = NULL;
	gpgme_ctx_t g;
	gpgme_error_t e;
	char *dir, *text;
	size_t tlen;
	int rc = JP_ERR;

	*plain = NULL;
	*len = 0;
	if (pgp_verify_home(ctx, keyfile, &dir, &g) < 0)
		return JP_ERR;
	e = gpgme_data_new_from_file(&sd, path, 1);
	if (e) {
		jp_error_set(ctx, JP_ERR, "cannot read '%s': %s", path,
		    gpgme_strerror(e));
		goto out;
	}
	if (gpgme_data_new(&pd)) {
		jp_error_set(ctx, JP_ERR, "out of memory");
		goto out;
	}
	e = gpgme_op_verify(g, sd, NULL, pd);
	text = pgp_data_take(pd, &tlen);
	pd = NULL;
	rc = pgp_judge(ctx, g, e, keyfile, path, NULL, 0);
	if (rc == 0) {
		*plain = text;
		*len = tlen;
	} else {
		free(text);
	}
out:
	gpgme_data_release(sd);
	gpgme_data_release(pd);
	gpgme_release(g);
	pgp_tmphome_remove(dir);
	free(dir);
	return rc;
}

char *
jp_pgp_clearsigned_text(const char *buf, size_t len, size_t *outlen)
{
	static const char begin[] = "-----BEGIN PGP SIGNED MESSAGE-----";
	static const char sig[] = "-----BEGIN PGP SIGNATURE-----";
	const char *q = buf, *end = buf + len;
	char *out;
	size_t o = 0;
	int body = 0, first = 1;

	out = jp_xmalloc(len + 2);
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		size_t n = nl ? (size_t)(nl - q) : (size_t)(end - q);
		size_t t = n;

		while (t > 0 && (q[t - 1] == '\r' || q[t - 1] == ' ' ||
		    q[t - 1] == '\t'))
			t--;
		if (first) {
			if (t != sizeof(begin) - 1 || strncmp(q, begin, t))
				break;
			first = 0;
		} else if (!body) {
			if (t == 0)
				body = 1;
		} else if (t == sizeof(sig) - 1 && !strncmp(q, sig, t)) {
			/*
			 * The line break before the armor belongs to it; the
			 * text is given back as a file holds it, with its last
			 * line ended.
			 */
			if (o > 0)
				o--;
			out[o++] = '\n';
			out[o] = '\0';
			*outlen = o;
			return out;
		} else {
			if (n >= 2 && q[0] == '-' && q[1] == ' ') {
				q += 2;
				n -= 2;
			}
			memcpy(out + o, q, n);
			o += n;
			out[o++] = '\n';
		}
		if (!nl)
			break;
		q = nl + 1;
	}
	free(out);
	return NULL;
}
