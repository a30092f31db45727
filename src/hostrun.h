/*
 * hostrun.h: what `jprepo apply` and `jprepo rollback` share: one run
 * against a host (or the system image under --root) with its lock, its
 * scans, its repository, its package-manager session and its journal
 * transaction.
 */
#ifndef JP_HOSTRUN_H
#define JP_HOSTRUN_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"
#include "driver.h"
#include "journal.h"
#include "pool.h"
#include "scan.h"

struct hostrun {
	struct jp_ctx *ctx;
	const char *root;         /* NULL: this host; else absolute */
	char *rootbuf;
	const char *shown;        /* root for messages: "/" or the root */
	char *lockpath;
	int lockfd;
	struct jp_scan scan;      /* the host as it is now (after rescans) */
	int pm;                   /* enum jp_pm */
	/* the repository */
	const char *repo_arg;     /* as given */
	char *repo_dir;           /* a local directory, or NULL (http) */
	char *repo_url;
	int repo_format;          /* JP_POOL_RPM, JP_POOL_DEB, 0 unknown */
	int repo_signed;
	char *keyring;            /* absolute */
	char *suite, *component;  /* APT */
	/* the session */
	char *tmpbase;            /* ROOT/var/lib/jprepo/tmp, or NULL (dry) */
	char *tmpdir;
	struct jp_drv *drv;
	/* the journal */
	struct jp_journal *jn;
	int64_t txid;
	size_t pkgrows;
	size_t runs_journaled;    /* runs of drv written to the journal */
	int64_t last_run;         /* the journal's seq of the newest run */
	size_t jn_failed;         /* journal writes that failed */
	char *jn_error;           /* the first one's message */
	int dry;                  /* nothing is journaled or changed */
};

/* Parse --pm NAME: the jp_pm, or 0 after printing what is accepted. */
int hostrun_parse_pm(struct jp_ctx *ctx, const char *name);

/*
 * Take the host's apply lock (ROOT/var/lib/jprepo/apply.lock; when dry,
 * only if that directory exists) and scan it.  host: --host or NULL.
 * Returns 0 or an exit status, with the error printed.
 */
int hostrun_start(struct hostrun *hr, struct jp_ctx *ctx, const char *root,
    const char *host, int dry);
/*
 * The repository: a directory, a file:// URL or an http(s):// URL.  With
 * a local repository: its format, whether it is signed (then a keyring
 * is required), and for APT the suite (suite_opt, else the only one) and
 * its components.  Returns 0 or an exit status, with the error printed.
 */
int hostrun_repo(struct hostrun *hr, const char *repo, const char *keyring,
    const char *suite_opt);
/* Read the repository into pool (initialised here, indexed): a local
 * one in place, an http one through its metadata fetched into the run's
 * temporary directory.  Returns 0 or an exit status. */
int hostrun_pool(struct hostrun *hr, struct jp_pool *pool);
/* Make the run's private temporary directory (once).  Returns 0 or an
 * exit status. */
int hostrun_tmp(struct hostrun *hr);
/* Start the package manager session.  Returns 0 or an exit status. */
int hostrun_driver(struct hostrun *hr);
/* Open the journal (created when missing), mark transactions of dead
 * runs interrupted, begin *tx.  Returns 0 or an exit status. */
int hostrun_begin(struct hostrun *hr, struct jp_journal_tx *tx);
/* Record a package row of the transaction (no-op when dry). */
void hostrun_pkg(struct hostrun *hr, const char *name, const char *arch,
    const char *from, const char *to, const char *result,
    const char *message, const char *pm_id);
/* Write the runs of the session not journaled yet. */
void hostrun_flush_runs(struct hostrun *hr);
/* Finish the transaction. */
void hostrun_finish(struct hostrun *hr, const char *status, const char *pm_id,
    const char *message);
/*
 * After hostrun_finish: when a journal write failed, print an error that
 * says so (the first failure was printed when it happened) and return
 * JP_EXIT_FAILURE; else return rc.
 */
int hostrun_journal_check(struct hostrun *hr, int rc);
/* Scan again into hr->scan; the previous scan goes to *prev when prev is
 * not NULL (else it is released).  Returns 0 or a negative code. */
int hostrun_rescan(struct hostrun *hr, struct jp_scan *prev);
/* The manager's newest history id (NULL: none or no history). */
char *hostrun_last_id(struct hostrun *hr);
/*
 * Undo changes with the package manager: install the from-versions
 * (older ones allowed) and remove what was newly installed.  Returns 0
 * when the manager reported success.
 */
int hostrun_revert(struct hostrun *hr, const struct jp_change *c, size_t n);
/* The most telling line of the last run's output, malloc'd. */
char *hostrun_error_line(struct hostrun *hr);
/* Is name.arch installed now, at evr (NULL: at any version)? */
int hostrun_has(const struct hostrun *hr, const char *name, const char *arch,
    const char *evr);
/* Release everything: session, journal, lock, tmpdir. */
void hostrun_end(struct hostrun *hr);

#endif /* JP_HOSTRUN_H */
