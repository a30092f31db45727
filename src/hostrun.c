/*
 * hostrun.c: one run of apply or rollback against a host (hostrun.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fsutil.h"
#include "hostrun.h"
#include "http.h"

static int
hr_fail(struct hostrun *hr, int status)
{
	jp_err(hr->ctx, "%s", jp_error_msg(hr->ctx));
	return status;
}

int
hostrun_parse_pm(struct jp_ctx *ctx, const char *name)
{
	int pm = jp_drv_pm_parse(name);

	if (!pm)
		jp_err(ctx, "unknown package manager '%s': dnf, yum, zypper or "
		    "apt", name);
	return pm;
}

int
hostrun_start(struct hostrun *hr, struct jp_ctx *ctx, const char *root,
    const char *host, int dry)
{
	char *dir;
	struct stat st;
	int rc;

	memset(hr, 0, sizeof(*hr));
	hr->ctx = ctx;
	hr->lockfd = -1;
	hr->dry = dry;
	jp_scan_init(&hr->scan);
	if (root && *root && strcmp(root, "/") != 0) {
		if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
			jp_err(ctx, "cannot use the root '%s': %s", root,
			    errno ? strerror(errno) : "not a directory");
			return JP_EXIT_FAILURE;
		}
		char abs[PATH_MAX];

		/* rpm, dnf and zypper want an absolute root */
		if (!realpath(root, abs)) {
			jp_err(ctx, "cannot use the root '%s': %s", root,
			    strerror(errno));
			return JP_EXIT_FAILURE;
		}
		hr->rootbuf = jp_xstrdup(abs);
		hr->root = strcmp(abs, "/") ? hr->rootbuf : NULL;
	}
	hr->shown = hr->root ? hr->root : "/";
	dir = jp_path_join(hr->root ? hr->root : "/", "var/lib/jprepo");
	hr->lockpath = jp_path_join(dir, "apply.lock");
	if (!dry && jp_mkdir_p(ctx, dir) < 0) {
		free(dir);
		return hr_fail(hr, JP_EXIT_FAILURE);
	}
	if (stat(dir, &st) == 0) {
		hr->lockfd = jp_lock_acquire(ctx, hr->lockpath, 0);
		if (hr->lockfd < 0) {
			free(dir);
			if (hr->lockfd == JP_ERR_BUSY) {
				jp_err(ctx, "another jprepo apply or rollback "
				    "is running on %s (lock '%s')", hr->shown,
				    hr->lockpath);
				return JP_EXIT_BUSY;
			}
			return hr_fail(hr, JP_EXIT_FAILURE);
		}
	}
	free(dir);
	/*
	 * Holding the lock, no other run is live: bring the journal of a
	 * killed run back to a readable state before the scan reads it (a
	 * read-write open rolls back a hot journal and gives an empty file
	 * the schema) and mark its transaction interrupted.
	 */
	if (!dry && hr->lockfd >= 0) {
		struct jp_journal *jn = NULL;
		int n;

		/* what the session of a killed run left */
		hr->tmpbase = jp_path_join(hr->root ? hr->root : "/",
		    "var/lib/jprepo/tmp");
		if (access(hr->tmpbase, F_OK) == 0 &&
		    jp_rm_rf(ctx, hr->tmpbase) < 0)
			return hr_fail(hr, JP_EXIT_FAILURE);

		if (jp_journal_open(ctx, hr->root, 0, &jn) < 0)
			return hr_fail(hr, JP_EXIT_FAILURE);
		n = jn ? jp_journal_mark_interrupted(jn) : 0;
		jp_journal_close(jn);
		if (n < 0)
			return hr_fail(hr, JP_EXIT_FAILURE);
		if (n > 0)
			jp_warn(ctx, "%d earlier transaction%s of %s did not "
			    "finish (interrupted): see `jprepo history`", n,
			    n > 1 ? "s" : "", hr->shown);
	}
	rc = jp_scan_host(ctx, hr->root, host, &hr->scan);
	if (rc < 0)
		return hr_fail(hr, JP_EXIT_FAILURE);
	return 0;
}

static int
hr_exists(const char *dir, const char *rel)
{
	char *p = jp_path_join(dir, rel);
	int ok = access(p, F_OK) == 0;

	free(p);
	return ok;
}

/* The only suite under dists/, or NULL (message set) */
static char *
hr_only_suite(struct hostrun *hr)
{
	char *dists = jp_path_join(hr->repo_dir, "dists");
	DIR *d = opendir(dists);
	struct dirent *e;
	char *suite = NULL;
	int n = 0;

	if (!d) {
		jp_error_errno(hr->ctx, errno, "cannot read '%s'", dists);
		free(dists);
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		char *rel;

		if (e->d_name[0] == '.')
			continue;
		rel = jp_xasprintf("%s/Release", e->d_name);
		if (hr_exists(dists, rel) || (free(rel), rel = jp_xasprintf(
		    "%s/InRelease", e->d_name), hr_exists(dists, rel))) {
			n++;
			free(suite);
			suite = jp_xstrdup(e->d_name);
		}
		free(rel);
	}
	closedir(d);
	if (n != 1) {
		jp_error_set(hr->ctx, JP_ERR_USAGE, n ? "'%s' holds several "
		    "suites: say which with --suite" : "'%s' holds no suite "
		    "(no dists/SUITE/Release)", dists);
		free(suite);
		suite = NULL;
	}
	free(dists);
	return suite;
}

/* The Components field of DIR/dists/SUITE/Release (or InRelease). */
static char *
hr_components(struct hostrun *hr, const char *dir)
{
	const char *names[] = { "Release", "InRelease" };
	size_t i;

	for (i = 0; i < 2; i++) {
		char *rel = jp_xasprintf("dists/%s/%s", hr->suite, names[i]);
		char *path = jp_path_join(dir, rel), *data = NULL;
		char *comp = NULL, *p;
		size_t len;

		free(rel);
		if (access(path, F_OK) != 0 ||
		    jp_file_read(hr->ctx, path, &data, &len) < 0) {
			free(path);
			jp_error_clear(hr->ctx);
			continue;
		}
		free(path);
		for (p = data; p && *p; ) {
			char *nl = strchr(p, '\n');

			if (!strncmp(p, "Components:", 11)) {
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				char *c = jp_xstrndup(p + 11, n - 11);
				char *s = c, *e;

				while (*s == ' ' || *s == '\t')
					s++;
				e = s + strlen(s);
				while (e > s && (e[-1] == ' ' || e[-1] == '\r' ||
				    e[-1] == '\t'))
					*--e = '\0';
				if (*s)
					comp = jp_xstrdup(s);
				free(c);
				break;
			}
			if (nl && nl[1] == '\n')
				break;  /* the end of the first stanza */
			p = nl ? nl + 1 : NULL;
		}
		free(data);
		if (comp)
			return comp;
	}
	return jp_xstrdup("main");
}

/* URL + "/" + rel. */
static char *
hr_url(const char *url, const char *rel)
{
	size_t n = strlen(url);

	return jp_xasprintf("%s%s%s", url, n && url[n - 1] == '/' ? "" : "/",
	    rel);
}

/* Does the http repository carry a signature file?  1, 0, or negative
 * with a message (unreachable). */
static int
hr_http_signed(struct hostrun *hr)
{
	const char *rels[3] = { NULL, NULL, NULL };
	char *a = NULL, *b = NULL;
	int fd, rc = 0;
	size_t i;

	if (hr->scan.format == JP_SCAN_DEB) {
		a = jp_xasprintf("dists/%s/InRelease", hr->suite);
		b = jp_xasprintf("dists/%s/Release.gpg", hr->suite);
		rels[0] = a;
		rels[1] = b;
	} else {
		rels[0] = "repodata/repomd.xml.asc";
	}
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = jp_error_errno(hr->ctx, errno, "cannot open /dev/null");
		goto out;
	}
	for (i = 0; rels[i]; i++) {
		char *u = hr_url(hr->repo_url, rels[i]);
		int r = jp_http_get(hr->ctx, u, fd, 1 << 20, NULL);

		free(u);
		if (r == 0) {
			rc = 1;
			break;
		}
		if (r != JP_HTTP_NOT_FOUND) {
			rc = r < 0 ? r : JP_ERR;
			break;
		}
		jp_error_clear(hr->ctx);
	}
	close(fd);
out:
	free(a);
	free(b);
	return rc;
}

/*
 * A signed repository needs --keyring (the package manager's check is
 * demanded), an unsigned one must not get one (it would not be checked).
 * Returns 0 or an exit status, with the error printed.
 */
static int
hr_keyring_fits(struct hostrun *hr, const char *repo)
{
	if (hr->repo_signed && !hr->keyring) {
		jp_err(hr->ctx, "the repository '%s' is signed: give its public "
		    "key with --keyring FILE, so that the package manager "
		    "checks the signature", repo);
		return JP_EXIT_USAGE;
	}
	if (!hr->repo_signed && hr->keyring) {
		jp_err(hr->ctx, "the repository '%s' is not signed, but "
		    "--keyring was given: sign it with `jprepo sign`, or leave "
		    "--keyring out", repo);
		return JP_EXIT_FAILURE;
	}
	return 0;
}

int
hostrun_repo(struct hostrun *hr, const char *repo, const char *keyring,
    const char *suite_opt)
{
	struct jp_ctx *ctx = hr->ctx;
	char buf[PATH_MAX];
	int rc;

	hr->repo_arg = repo;
	if (strstr(repo, "://")) {
		if (!strncmp(repo, "file://", 7)) {
			repo += 7;
			if (*repo != '/') {
				jp_err(ctx, "bad repository URL '%s': a file:// "
				    "URL needs an absolute path", hr->repo_arg);
				return JP_EXIT_USAGE;
			}
		} else if (!strncmp(repo, "http://", 7) ||
		    !strncmp(repo, "https://", 8)) {
			hr->repo_url = jp_xstrdup(repo);
		} else {
			jp_err(ctx, "bad repository URL '%s': only file://, "
			    "http:// and https:// are understood", repo);
			return JP_EXIT_USAGE;
		}
	}
	if (!hr->repo_url) {
		if (!realpath(repo, buf)) {
			jp_err(ctx, "cannot use the repository '%s': %s", repo,
			    strerror(errno));
			return JP_EXIT_FAILURE;
		}
		hr->repo_dir = jp_xstrdup(buf);
		hr->repo_url = jp_xasprintf("file://%s", buf);
		hr->repo_format = jp_pool_repo_format(buf);
		if (!hr->repo_format) {
			jp_err(ctx, "'%s' is not a repository (no "
			    "repodata/repomd.xml and no dists/)", repo);
			return JP_EXIT_FAILURE;
		}
	}
	if (keyring) {
		if (!realpath(keyring, buf) || access(buf, R_OK) != 0) {
			jp_err(ctx, "cannot use the keyring '%s': %s", keyring,
			    strerror(errno));
			return JP_EXIT_FAILURE;
		}
		hr->keyring = jp_xstrdup(buf);
	}
	if (hr->repo_format == JP_POOL_DEB || (!hr->repo_dir &&
	    hr->scan.format == JP_SCAN_DEB)) {
		if (suite_opt)
			hr->suite = jp_xstrdup(suite_opt);
		else if (hr->repo_dir)
			hr->suite = hr_only_suite(hr);
		else
			hr->suite = jp_xstrdup("stable");
		if (!hr->suite)
			return hr_fail(hr, JP_EXIT_FAILURE);
		if (hr->repo_dir) {
			char *d = jp_xasprintf("dists/%s", hr->suite);
			int ok = hr_exists(hr->repo_dir, d);

			free(d);
			if (!ok) {
				jp_err(ctx, "the repository '%s' has no suite "
				    "'%s' (no dists/%s)", repo, hr->suite,
				    hr->suite);
				return JP_EXIT_FAILURE;
			}
			hr->component = hr_components(hr, hr->repo_dir);
		} else {
			hr->component = jp_xstrdup("main");
		}
	}
	if (hr->repo_dir) {
		if (hr->repo_format == JP_POOL_RPM) {
			hr->repo_signed = hr_exists(hr->repo_dir,
			    "repodata/repomd.xml.asc");
		} else {
			char *a = jp_xasprintf("dists/%s/InRelease", hr->suite);
			char *b = jp_xasprintf("dists/%s/Release.gpg", hr->suite);

			hr->repo_signed = hr_exists(hr->repo_dir, a) ||
			    hr_exists(hr->repo_dir, b);
			free(a);
			free(b);
		}
		if ((rc = hr_keyring_fits(hr, repo)) != 0)
			return rc;
	} else if (!strncmp(hr->repo_url, "http://", 7)) {
		if ((rc = hr_http_signed(hr)) < 0)
			return hr_fail(hr, JP_EXIT_FAILURE);
		hr->repo_signed = rc;
		if ((rc = hr_keyring_fits(hr, repo)) != 0)
			return rc;
	} else {
		/* https: jprepo does not speak TLS; the package manager
		 * does, and checks what --keyring names */
		hr->repo_signed = hr->keyring != NULL;
		if (!hr->keyring)
			jp_warn(ctx, "cannot tell whether '%s' is signed (no "
			    "TLS here): without --keyring the package manager "
			    "checks no signature", repo);
	}
	if (hr->repo_format) {
		int want = hr->scan.format == JP_SCAN_DEB ? JP_POOL_DEB :
		    JP_POOL_RPM;

		if (hr->repo_format != want) {
			jp_err(ctx, "the repository '%s' is %s, but the packages "
			    "of %s are %s", repo, hr->repo_format == JP_POOL_DEB ?
			    "an APT repository" : "an RPM-MD repository",
			    hr->shown, jp_scan_format_name(hr->scan.format));
			return JP_EXIT_FAILURE;
		}
	}
	return 0;
}

int
hostrun_pool(struct hostrun *hr, struct jp_pool *pool)
{
	const char *dir = hr->repo_dir;
	char *mirror = NULL;
	int rc;

	if (!dir && !hr->repo_format)
		hr->repo_format = hr->scan.format == JP_SCAN_DEB ? JP_POOL_DEB :
		    JP_POOL_RPM;
	jp_pool_init(pool, hr->repo_format == JP_POOL_DEB ? JP_POOL_DEB :
	    JP_POOL_RPM);
	if (!dir) {
		/* http:// (https:// is refused there): the metadata the
		 * pool needs, fetched and checked against its checksums */
		if ((rc = hostrun_tmp(hr)) != 0)
			return rc;
		mirror = jp_path_join(hr->tmpdir, "metadata");
		jp_info(hr->ctx, "fetching the metadata of %s", hr->repo_url);
		if (jp_mkdir_p(hr->ctx, mirror) < 0 ||
		    jp_http_mirror_metadata(hr->ctx, hr->repo_url,
		    hr->repo_format, hr->suite, hr->scan.arch, mirror,
		    NULL) < 0) {
			free(mirror);
			return hr_fail(hr, JP_EXIT_FAILURE);
		}
		dir = mirror;
		if (hr->repo_format == JP_POOL_DEB) {
			/* the components the served Release lists */
			free(hr->component);
			hr->component = hr_components(hr, mirror);
		}
	}
	if (jp_pool_add_repo(hr->ctx, pool, dir,
	    hr->repo_format == JP_POOL_DEB ? hr->scan.arch : NULL) < 0 ||
	    jp_pool_complete(hr->ctx, pool) < 0) {
		free(mirror);
		return hr_fail(hr, JP_EXIT_FAILURE);
	}
	free(mirror);
	jp_pool_index(pool);
	return 0;
}

static void
hr_on_run(struct jp_drv *d, const struct jp_drv_run *run, void *opaque)
{
	struct hostrun *hr = opaque;

	(void)d;
	if (run->query)
		return;
	jp_verbose(hr->ctx, "%s: exit %d", run->command, run->status);
	hostrun_flush_runs(hr);
}

/*
 * A journal write failed (a full disk, an I/O error): an error, not a
 * warning, since the journal is what rollback and report go by; printed
 * once, counted, and said again at the end (hostrun_journal_check).
 */
static void
hr_journal_failed(struct hostrun *hr)
{
	if (hr->jn_failed++ == 0) {
		hr->jn_error = jp_xstrdup(jp_error_msg(hr->ctx));
		jp_err(hr->ctx, "%s", hr->jn_error);
	}
	jp_error_clear(hr->ctx);
}

void
hostrun_flush_runs(struct hostrun *hr)
{
	if (!hr->drv)
		return;
	for (; hr->runs_journaled < hr->drv->nruns; hr->runs_journaled++) {
		const struct jp_drv_run *r = &hr->drv->runs[hr->runs_journaled];
		struct jp_journal_run jr;

		if (r->query || !hr->jn || !hr->txid)
			continue;
		memset(&jr, 0, sizeof(jr));
		jr.command = r->command;
		jr.status = r->status;
		jr.output = r->output;
		jr.started = r->started;
		jr.finished = r->finished;
		if (jp_journal_add_run(hr->jn, hr->txid, &jr) < 0)
			hr_journal_failed(hr);
		else
			hr->last_run = jr.seq;
	}
}

int
hostrun_tmp(struct hostrun *hr)
{
	const char *t = getenv("TMPDIR");
	char *tmpl;

	if (hr->tmpdir)
		return 0;
	/* in the root's own jprepo directory when it is ours (the lock is
	 * held; hostrun_start cleared what a killed run left there), else,
	 * for a dry run that writes nothing into the root, under TMPDIR */
	if (hr->tmpbase && jp_mkdir_p(hr->ctx, hr->tmpbase) < 0)
		return hr_fail(hr, JP_EXIT_FAILURE);
	tmpl = hr->tmpbase ? jp_path_join(hr->tmpbase, "run.XXXXXX") :
	    jp_xasprintf("%s/jprepo-apply.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpl)) {
		jp_err(hr->ctx, "cannot create a directory '%s': %s", tmpl,
		    strerror(errno));
		free(tmpl);
		return JP_EXIT_FAILURE;
	}
	hr->tmpdir = tmpl;
	return 0;
}

int
hostrun_driver(struct hostrun *hr)
{
	struct jp_drv_cfg cfg;
	int rc = hostrun_tmp(hr);

	if (rc)
		return rc;
	memset(&cfg, 0, sizeof(cfg));
	cfg.pm = hr->pm;
	cfg.root = hr->root;
	cfg.repo_url = hr->repo_url;
	cfg.keyring = hr->keyring;
	cfg.suite = hr->suite;
	cfg.component = hr->component;
	cfg.arch = hr->scan.arch;
	cfg.tmpdir = hr->tmpdir;
	jp_info(hr->ctx, "%s: reading the repository %s with %s", hr->shown,
	    hr->repo_url, jp_drv_pm_name(hr->pm));
	if (jp_drv_open(hr->ctx, &cfg, &hr->drv) < 0)
		return hr_fail(hr, JP_EXIT_FAILURE);
	hr->drv->on_run = hr_on_run;
	hr->drv->on_run_opaque = hr;
	return 0;
}

int
hostrun_begin(struct hostrun *hr, struct jp_journal_tx *tx)
{
	if (hr->dry)
		return 0;
	if (jp_journal_open(hr->ctx, hr->root, JP_JOURNAL_CREATE, &hr->jn) < 0)
		return hr_fail(hr, JP_EXIT_FAILURE);
	tx->started = (int64_t)time(NULL);
	if (jp_journal_begin(hr->jn, tx) < 0)
		return hr_fail(hr, JP_EXIT_FAILURE);
	hr->txid = tx->id;
	hostrun_flush_runs(hr);
	return 0;
}

void
hostrun_pkg(struct hostrun *hr, const char *name, const char *arch,
    const char *from, const char *to, const char *result,
    const char *message, const char *pm_id)
{
	struct jp_journal_pkg p;

	hr->pkgrows++;
	if (!hr->jn || !hr->txid)
		return;
	memset(&p, 0, sizeof(p));
	p.name = (char *)name;
	p.arch = (char *)arch;
	p.from_evr = (char *)from;
	p.to_evr = (char *)to;
	p.result = (char *)result;
	p.message = (char *)message;
	p.pm_id = (char *)pm_id;
	p.run = hr->last_run;
	if (jp_journal_add_pkg(hr->jn, hr->txid, &p) < 0)
		hr_journal_failed(hr);
}

void
hostrun_finish(struct hostrun *hr, const char *status, const char *pm_id,
    const char *message)
{
	hostrun_flush_runs(hr);
	if (!hr->jn || !hr->txid)
		return;
	if (jp_journal_finish(hr->jn, hr->txid, status, pm_id, message,
	    (int64_t)time(NULL)) < 0)
		hr_journal_failed(hr);
}

int
hostrun_journal_check(struct hostrun *hr, int rc)
{
	if (!hr->jn_failed)
		return rc;
	jp_err(hr->ctx, "the journal of %s is incomplete: %zu write%s failed "
	    "(the first: %s); what was done is printed above, and the "
	    "transaction may stay 'running' until the next apply marks it "
	    "interrupted", hr->shown, hr->jn_failed, hr->jn_failed == 1 ?
	    "" : "s", hr->jn_error);
	return JP_EXIT_FAILURE;
}

int
hostrun_rescan(struct hostrun *hr, struct jp_scan *prev)
{
	struct jp_scan now;
	int rc = jp_scan_host(hr->ctx, hr->root, hr->scan.host, &now);

	if (rc < 0)
		return rc;
	if (prev)
		*prev = hr->scan;
	else
		jp_scan_release(&hr->scan);
	hr->scan = now;
	return 0;
}

char *
hostrun_last_id(struct hostrun *hr)
{
	char *id = NULL;

	if (!hr->drv || !jp_drv_has_history(hr->drv))
		return NULL;
	if (jp_drv_last_id(hr->drv, &id) < 0) {
		jp_warn(hr->ctx, "%s", jp_error_msg(hr->ctx));
		return NULL;
	}
	return id;
}

int
hostrun_revert(struct hostrun *hr, const struct jp_change *c, size_t n)
{
	struct jp_drv_pkg *olds = jp_xcalloc(n + 1, sizeof(*olds));
	struct jp_drv_pkg *news = jp_xcalloc(n + 1, sizeof(*news));
	size_t i, no = 0, nn = 0;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (c[i].from) {
			olds[no].name = c[i].name;
			olds[no].arch = c[i].arch;
			olds[no++].evr = c[i].from;
		} else {
			news[nn].name = c[i].name;
			news[nn].arch = c[i].arch;
			news[nn++].evr = c[i].to;
		}
	}
	/* the old versions first: what is new may be needed by the new
	 * versions until they are gone */
	if (no)
		rc = jp_drv_install(hr->drv, olds, no, JP_DRV_OLD);
	if (rc == 0 && nn)
		rc = jp_drv_remove(hr->drv, news, nn, 0);
	free(olds);
	free(news);
	return rc;
}

/* How telling a line of output is about a failure: the first line of the
 * highest score wins. */
static int
hr_line_score(const char *q, size_t n)
{
	char *l = jp_xstrndup(q, n);
	int sc = 0;

	if (strstr(l, "more space on the") || strstr(l, "No space left") ||
	    strstr(l, "Disk quota exceeded"))
		sc = 6;    /* rpm's and the kernel's words for a full disk */
	else if (strstr(l, "script subprocess") || strstr(l, "scriptlet failed"))
		sc = 5;
	else if (!strncmp(l, "error:", 6) || strstr(l, "dpkg: error") ||
	    strstr(l, "nothing provides") || strstr(l, "conflicts with"))
		sc = 4;
	else if (!strncmp(l, "Error: Transaction failed", 25) ||
	    !strncmp(l, "E: Sub-process", 14))
		sc = 1;
	else if (!strncmp(l, "E:", 2) || !strncmp(l, "Error", 5) ||
	    !strncmp(l, "Problem", 7) || strstr(l, "No match for argument"))
		sc = 3;
	else if (strstr(l, "failed") || strstr(l, "rror"))
		sc = 2;
	free(l);
	return sc;
}

char *
hostrun_error_line(struct hostrun *hr)
{
	const char *out = hr->drv ? jp_drv_last_output(hr->drv) : "";
	const char *p = out;
	char **lines = NULL, *res;
	size_t nl_ = 0;
	long best = -1;
	int bs = 0, sc;

	/* killed: its output stops wherever it was, so say that instead */
	if (hr->drv && (res = jp_drv_killed(hr->drv)) != NULL)
		return res;

	/* the non-blank lines, without their leading blanks, and scores */
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const char *q = p;

		while (q < p + n && (*q == ' ' || *q == '\t'))
			q++;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
		    p[n - 1] == '\r'))
			n--;
		if (q < p + n) {
			lines = jp_xrealloc(lines, (nl_ + 1) * sizeof(*lines));
			lines[nl_] = jp_xstrndup(q, (size_t)(p + n - q));
			sc = hr_line_score(lines[nl_], strlen(lines[nl_]));
			if (sc > bs) {
				bs = sc;
				best = (long)nl_;
			}
			nl_++;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (bs == 0)
		best = (long)nl_ - 1;    /* nothing scored: the last line */
	if (best < 0) {
		res = jp_xstrdup("the package manager said nothing");
	} else if (lines[best][strlen(lines[best]) - 1] == ':' &&
	    (size_t)best + 1 < nl_) {
		/* "Error: Transaction test error:" then the reason */
		res = jp_xasprintf("%s %s", lines[best], lines[best + 1]);
	} else if (best > 0 && lines[best - 1][strlen(lines[best - 1]) - 1] ==
	    ':' && hr_line_score(lines[best - 1], strlen(lines[best - 1])) >= 3) {
		/* the reason, and the error line it belongs to */
		res = jp_xasprintf("%s %s", lines[best - 1], lines[best]);
	} else {
		res = jp_xstrdup(lines[best]);
	}
	for (size_t i = 0; i < nl_; i++)
		free(lines[i]);
	free(lines);
	return res;
}

int
hostrun_has(const struct hostrun *hr, const char *name, const char *arch,
    const char *evr)
{
	size_t i;

	for (i = 0; i < hr->scan.npkgs; i++) {
		const struct jp_scan_pkg *p = &hr->scan.pkgs[i];
		char *e;
		int same;

		if (!jp_scan_pkg_live(&hr->scan, p) || strcmp(p->name, name) ||
		    strcmp(p->arch, arch))
			continue;
		if (!evr)
			return 1;
		e = jp_scan_pkg_evr(&hr->scan, p);
		same = !strcmp(e, evr);
		free(e);
		if (same)
			return 1;
	}
	return 0;
}

void
hostrun_end(struct hostrun *hr)
{
	hostrun_flush_runs(hr);
	jp_drv_close(hr->drv);
	hr->drv = NULL;
	jp_journal_close(hr->jn);
	hr->jn = NULL;
	if (hr->tmpdir) {
		if (jp_rm_rf(hr->ctx, hr->tmpdir) < 0)
			jp_warn(hr->ctx, "%s", jp_error_msg(hr->ctx));
		free(hr->tmpdir);
	}
	if (hr->lockfd >= 0)
		jp_lock_release(hr->lockfd);
	free(hr->lockpath);
	free(hr->tmpbase);
	free(hr->rootbuf);
	jp_scan_release(&hr->scan);
	free(hr->repo_dir);
	free(hr->repo_url);
	free(hr->keyring);
	free(hr->suite);
	free(hr->component);
	free(hr->jn_error);
	memset(hr, 0, sizeof(*hr));
	hr->lockfd = -1;
}
