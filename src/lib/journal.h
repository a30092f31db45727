/*
 * journal.h: the apply journal, ROOT/var/lib/jprepo/journal.sqlite
 * (jprepo-journal(5)).
 *
 * Every `jprepo apply` and `jprepo rollback` is a transaction in the
 * journal with its own id (1, 2, ... never reused), its kind, mode,
 * package manager and that manager's own transaction ids, and per package
 * the version before and after, the result and a message; each run of the
 * package manager (its command, exit status and output) is kept with it.
 * Rows are committed one by one as they are added, with synchronous=FULL,
 * so that what was done before a crash or a power cut is on disk before
 * the next package-manager run starts.
 *
 * The file is a SQLite database (PRAGMA user_version 1) that sqlite3(1)
 * reads; jprepo scan and tools/jprepo-scan read its newest transaction.
 * Every string of the structs below is owned by the struct that holds it;
 * a NULL string is a NULL column.
 */
#ifndef JP_JOURNAL_H
#define JP_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;

/* The schema version this jprepo writes (PRAGMA user_version). */
#define JP_JOURNAL_VERSION 1
/* The journal's path under a root. */
#define JP_JOURNAL_FILE "var/lib/jprepo/journal.sqlite"

/* An open journal (a sqlite3 handle inside). */
struct jp_journal;

/* One package a transaction changed or meant to change. */
struct jp_journal_pkg {
	int64_t seq;          /* order within the transaction, from 1 */
	char *name, *arch;
	char *from_evr;       /* NULL: newly installed */
	char *to_evr;         /* NULL: removed */
	char *result;         /* "ok", "failed", "skipped", "reverted", ...
				 (free text; "ok" is success) */
	char *message;        /* NULL or a line of text */
	char *pm_id;          /* the manager's transaction id that changed
				 it, or NULL */
	int64_t run;          /* seq of the run that did it; 0 none */
};

/* One run of the package manager within a transaction. */
struct jp_journal_run {
	int64_t seq;          /* from 1 */
	char *command;        /* printable argv */
	int status;           /* exit status, -1 not started */
	char *output;
	char *pm_id;          /* NULL, or the manager's transaction id */
	int64_t started, finished;  /* unix seconds; 0 unknown */
};

/* One transaction: an apply, a rollback or a download. */
struct jp_journal_tx {
	int64_t id;           /* assigned by jp_journal_begin */
	int64_t started, finished;  /* unix seconds; finished 0 while running */
	char *kind;           /* "apply" | "rollback" | "download" */
	char *mode;           /* "one-by-one" | "bulk" */
	char *status;         /* "running" | "ok" | "partial" | "failed" |
				 "reverted" | "interrupted" */
	char *pm;             /* "dnf" | "yum" | "zypper" | "apt" */
	char *pm_id;          /* bulk: the manager's transaction id;
				 one-by-one: the ids joined by " "; NULL none */
	char *repo;           /* the --repo given */
	char *host;
	char *plan;           /* the PLAN file, or NULL */
	char *message;        /* a summary line, or NULL */
	int64_t rollback_of;  /* the id a rollback undid; 0 none */
	struct jp_journal_pkg *pkgs;
	size_t npkgs;
	struct jp_journal_run *runs;
	size_t nruns;
};

/* --- opening --- */

/* Flags of jp_journal_open. */
#define JP_JOURNAL_CREATE 1    /* create ROOT/var/lib/jprepo (0755) and the
				  database when missing */
#define JP_JOURNAL_READONLY 2  /* open read-only (jprepo history): nothing
				  is ever written, the writers fail */

/*
 * Open ROOT/var/lib/jprepo/journal.sqlite (root NULL, "" or "/": the
 * running host's /var/lib/jprepo/journal.sqlite); a root that is not an
 * existing directory is an error.  Without
 * JP_JOURNAL_CREATE a missing journal is not an error: returns 0 with
 * *out NULL.  An empty database file (no tables yet) gets the schema,
 * or, read-only, reads as a journal without transactions.  Refuses a file
 * that is not a SQLite database or not a journal, and a journal whose
 * PRAGMA user_version is newer than JP_JOURNAL_VERSION; the message names
 * the file (and the versions).  The connection runs with synchronous=FULL
 * and waits up to 10 s for another writer.  Returns 0 or a negative code;
 * close *out with jp_journal_close().
 */
int jp_journal_open(struct jp_ctx *ctx, const char *root, int flags,
    struct jp_journal **out);
/* Close the journal; NULL is a no-op. */
/*
 * As jp_journal_open, for the journal file at path itself (a journal
 * collected from a host, as `jprepo report --history` reads them).
 */
int jp_journal_open_file(struct jp_ctx *ctx, const char *path, int flags,
    struct jp_journal **out);
void jp_journal_close(struct jp_journal *j);
/* The journal's file name, as opened. */
const char *jp_journal_path(const struct jp_journal *j);

/* --- writing: each call is committed before it returns --- */

/*
 * Insert a transaction from the fields of *tx other than id, pkgs and
 * runs (status "running" when NULL, started now when 0, finished NULL
 * when 0, rollback_of NULL when 0) and set tx->id: one more than the
 * largest id the journal ever had.  Returns 0 or a negative code.
 */
int jp_journal_begin(struct jp_journal *j, struct jp_journal_tx *tx);
/*
 * Append a run / a package row to transaction txid; a seq of 0 is set to
 * one more than the transaction's largest so far (and written back), a
 * seq given that is already taken is an error.  A missing transaction is
 * an error.  Returns 0 or a negative code.
 */
int jp_journal_add_run(struct jp_journal *j, int64_t txid,
    struct jp_journal_run *run);
int jp_journal_add_pkg(struct jp_journal *j, int64_t txid,
    struct jp_journal_pkg *pkg);
/*
 * Set the end of transaction txid: its status, its finished time (now
 * when 0), and pm_id and message unless they are NULL (NULL keeps what
 * the row holds).  Returns 0, or a negative code (also when there is no
 * such transaction).
 */
int jp_journal_finish(struct jp_journal *j, int64_t txid, const char *status,
    const char *pm_id, const char *message, int64_t finished);
/*
 * Mark every transaction still "running" as "interrupted": the process
 * that ran it died.  Only for a caller that holds the apply lock, so that
 * no other run is live.  Their finished time stays unset; a missing
 * message is set to say what happened.  Returns how many were marked, or
 * a negative code.
 */
int jp_journal_mark_interrupted(struct jp_journal *j);

/* --- reading --- */

/*
 * All transactions, oldest first, each with its packages in seq order and,
 * when with_runs, its runs.  *txs is NULL when there are none; free with
 * jp_journal_txs_free().  Returns 0 or a negative code.
 */
int jp_journal_list(struct jp_journal *j, int with_runs,
    struct jp_journal_tx **txs, size_t *n);
/*
 * Transaction txid into *out (released with jp_journal_tx_release()).
 * Returns 1 when found, 0 when not (no message, *out zeroed), or a
 * negative code.
 */
int jp_journal_get(struct jp_journal *j, int64_t txid, int with_runs,
    struct jp_journal_tx *out);
/* Free what a read transaction owns and zero it. */
void jp_journal_tx_release(struct jp_journal_tx *tx);
/* Release n transactions and free the array; NULL is a no-op. */
void jp_journal_txs_free(struct jp_journal_tx *txs, size_t n);
/* The number of packages of tx whose result is "ok" (or "downloaded"). */
size_t jp_journal_tx_nok(const struct jp_journal_tx *tx);

/* --- formatting --- */

/*
 * t as ISO 8601 UTC, "2026-11-27T20:38:15Z", into buf (at least 21 bytes
 * for years up to 9999; later or unrepresentable times come out as the
 * decimal number, cut to fit).
 */
void jp_journal_time(int64_t t, char *buf, size_t size);

#endif /* JP_JOURNAL_H */
