/* journal.c: the apply journal in SQLite (jprepo-journal(5)). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "ctx.h"
#include "fsutil.h"
#include "journal.h"

struct jp_journal {
	struct jp_ctx *ctx;
	sqlite3 *db;
	char *path;
	int readonly;
	int empty;        /* read-only on a database without tables yet */
};

/*
 * The schema of format version 1, as jprepo-journal(5) documents it.
 * Integer times are unix seconds; scan.c and tools/jprepo-scan read
 * transactions(id, status, started) and packages(txid, name, arch, to_evr,
 * result).  AUTOINCREMENT: an id is never handed out twice, even after the
 * newest rows were deleted by hand (sqlite.org/autoinc.html).
 */
static const char jp_journal_schema[] =
	"CREATE TABLE transactions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  started INTEGER NOT NULL,"
	"  finished INTEGER,"
	"  kind TEXT,"
	"  mode TEXT,"
	"  status TEXT NOT NULL,"
	"  pm TEXT,"
	"  pm_id TEXT,"
	"  repo TEXT,"
	"  host TEXT,"
	"  plan TEXT,"
	"  message TEXT,"
	"  rollback_of INTEGER"
	");"
	"CREATE TABLE packages ("
	"  txid INTEGER NOT NULL REFERENCES transactions(id),"
	"  seq INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  arch TEXT,"
	"  from_evr TEXT,"
	"  to_evr TEXT,"
	"  result TEXT NOT NULL,"
	"  message TEXT,"
	"  pm_id TEXT,"
	"  run INTEGER,"
	"  PRIMARY KEY (txid, seq)"
	");"
	"CREATE TABLE runs ("
	"  txid INTEGER NOT NULL REFERENCES transactions(id),"
	"  seq INTEGER NOT NULL,"
	"  command TEXT NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  output TEXT,"
	"  pm_id TEXT,"
	"  started INTEGER,"
	"  finished INTEGER,"
	"  PRIMARY KEY (txid, seq)"
	");";

static const char jp_journal_q_tx[] =
	"SELECT id, started, finished, kind, mode, status, pm, pm_id, repo, "
	"host, plan, message, rollback_of FROM transactions "
	"WHERE id BETWEEN ?1 AND ?2 ORDER BY id";
static const char jp_journal_q_pkg[] =
	"SELECT txid, seq, name, arch, from_evr, to_evr, result, message, "
	"pm_id, run FROM packages WHERE txid BETWEEN ?1 AND ?2 "
	"ORDER BY txid, seq";
static const char jp_journal_q_run[] =
	"SELECT txid, seq, command, status, output, pm_id, started, finished "
	"FROM runs WHERE txid BETWEEN ?1 AND ?2 ORDER BY txid, seq";

/* --- helpers --- */

static int
jp_journal_dberr(struct jp_journal *j, const char *what)
{
	return jp_error_set(j->ctx, JP_ERR, "cannot %s the apply journal '%s': %s",
	    what, j->path, sqlite3_errmsg(j->db));
}

static int
jp_journal_writable(struct jp_journal *j)
{
	if (j->readonly)
		return jp_error_set(j->ctx, JP_ERR, "cannot write to the apply "
		    "journal '%s': it was opened read-only", j->path);
	return 0;
}

static int64_t
jp_journal_now(void)
{
	return (int64_t)time(NULL);
}

static void
jp_journal_bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* An integer column where 0 means "none": NULL in the table. */
static void
jp_journal_bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static char *
jp_journal_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? jp_xstrdup((const char *)s) : NULL;
}

/* Run one statement without rows; 0 or the SQLite error code. */
static int
jp_journal_exec(struct jp_journal *j, const char *sql)
{
	return sqlite3_exec(j->db, sql, NULL, NULL, NULL);
}

/* One integer from a query (0 when it gives no row); SQLite's code. */
static int
jp_journal_int(struct jp_journal *j, const char *sql, int64_t arg,
    int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = 0;
	rc = sqlite3_prepare_v2(j->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* --- opening --- */

/*
 * Give an empty database the schema.  BEGIN IMMEDIATE takes the write lock
 * first, so that of two processes creating the journal at once the second
 * sees the first one's version and leaves the tables alone.
 */
static int
jp_journal_create_schema(struct jp_journal *j)
{
	int64_t version;
	char sql[64];

	if (jp_journal_exec(j, "BEGIN IMMEDIATE") != SQLITE_OK)
		return jp_journal_dberr(j, "create");
	if (jp_journal_int(j, "PRAGMA user_version", 0, &version) != SQLITE_OK)
		goto bad;
	if (version == 0) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    JP_JOURNAL_VERSION);
		if (jp_journal_exec(j, jp_journal_schema) != SQLITE_OK ||
		    jp_journal_exec(j, sql) != SQLITE_OK)
			goto bad;
	}
	if (jp_journal_exec(j, "COMMIT") != SQLITE_OK)
		goto bad;
	return 0;
bad:
	jp_journal_dberr(j, "create");
	jp_journal_exec(j, "ROLLBACK");
	return JP_ERR;
}

/*
 * Check the version and that the tables have the columns we read: a file
 * that is not a database fails on its first statement (SQLITE_NOTADB), one
 * that is some other program's database on the column check.
 */
static int
jp_journal_check(struct jp_journal *j, int flags)
{
	static const char *const q[] = {
		jp_journal_q_tx, jp_journal_q_pkg, jp_journal_q_run,
	};
	int64_t version, ntables, nother;
	sqlite3_stmt *st;
	size_t i;

	if (jp_journal_int(j, "PRAGMA user_version", 0, &version) != SQLITE_OK ||
	    jp_journal_int(j, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table'", 0, &ntables) != SQLITE_OK ||
	    jp_journal_int(j, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'view' AND lower(name) IN ('transactions', 'packages', "
	    "'runs')", 0, &nother) != SQLITE_OK)
		return jp_journal_dberr(j, "read");
	/* a view in a table's place would run SQL of the file's maker */
	if (nother > 0)
		return jp_error_set(j->ctx, JP_ERR, "cannot use the apply journal "
		    "'%s': it is not a jprepo journal (a view where a table "
		    "belongs)", j->path);
	if (version > JP_JOURNAL_VERSION)
		return jp_error_set(j->ctx, JP_ERR, "cannot use the apply journal "
		    "'%s': its format version %lld is newer than this jprepo's "
		    "(%d); use a newer jprepo", j->path, (long long)version,
		    JP_JOURNAL_VERSION);
	if (version == 0 && ntables > 0)
		return jp_error_set(j->ctx, JP_ERR, "cannot use the apply journal "
		    "'%s': it is a SQLite database but not a jprepo journal (no "
		    "format version); move it away", j->path);
	if (version < 0)
		return jp_error_set(j->ctx, JP_ERR, "cannot use the apply journal "
		    "'%s': unknown format version %lld", j->path,
		    (long long)version);
	if (version == 0) {
		if (flags & JP_JOURNAL_READONLY) {
			j->empty = 1;
			return 0;
		}
		if (jp_journal_create_schema(j) < 0)
			return JP_ERR;
	}
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (sqlite3_prepare_v2(j->db, q[i], -1, &st, NULL) != SQLITE_OK)
			return jp_error_set(j->ctx, JP_ERR, "cannot use the apply "
			    "journal '%s': it is not a jprepo journal: %s",
			    j->path, sqlite3_errmsg(j->db));
		sqlite3_finalize(st);
	}
	return 0;
}

static int jp_journal_open_at(struct jp_ctx *ctx, struct jp_journal *j,
    int flags, struct jp_journal **out);

/*
 * A run killed in the middle of a write leaves a hot rollback journal
 * (PATH-journal) that a read-only connection cannot roll back
 * (SQLITE_READONLY_ROLLBACK, sqlite.org/rescode.html#readonly_rollback):
 * roll it back through a read-write connection first, so that history and
 * scan read the journal as it was before the interrupted write.
 */
static void
jp_journal_recover(const char *path)
{
	char *hot = jp_xasprintf("%s-journal", path);
	struct stat sb;
	sqlite3 *db = NULL;

	if (stat(hot, &sb) == 0 && sb.st_size > 0 &&
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
	    SQLITE_OK) {
		sqlite3_busy_timeout(db, 10000);
		/* the first read rolls the hot journal back */
		(void)sqlite3_exec(db, "PRAGMA user_version", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	free(hot);
}

int
jp_journal_open(struct jp_ctx *ctx, const char *root, int flags,
    struct jp_journal **out)
{
	struct jp_journal *j = NULL;
	struct stat sb;

	*out = NULL;
	if (root && (!*root || !strcmp(root, "/")))
		root = NULL;
	/* a mistyped --root is an error, not a host without a journal */
	if (root && stat(root, &sb) < 0)
		return jp_error_errno(ctx, errno, "cannot read the root '%s'",
		    root);
	if (root && !S_ISDIR(sb.st_mode))
		return jp_error_set(ctx, JP_ERR, "cannot read the root '%s': "
		    "not a directory", root);
	j = jp_xcalloc(1, sizeof(*j));
	j->ctx = ctx;
	j->readonly = (flags & JP_JOURNAL_READONLY) != 0;
	j->path = root ? jp_path_join(root, JP_JOURNAL_FILE) :
	    jp_xstrdup("/" JP_JOURNAL_FILE);
	return jp_journal_open_at(ctx, j, flags, out);
}

int
jp_journal_open_file(struct jp_ctx *ctx, const char *path, int flags,
    struct jp_journal **out)
{
	struct jp_journal *j = jp_xcalloc(1, sizeof(*j));

	*out = NULL;
	j->ctx = ctx;
	j->readonly = (flags & JP_JOURNAL_READONLY) != 0;
	j->path = jp_xstrdup(path);
	return jp_journal_open_at(ctx, j, flags, out);
}

/* Open j->path as jp_journal_open says; j is consumed. */
static int
jp_journal_open_at(struct jp_ctx *ctx, struct jp_journal *j, int flags,
    struct jp_journal **out)
{
	struct stat sb;
	char *dir = NULL;
	int oflags, rc = 0;

	if (stat(j->path, &sb) < 0) {
		if (errno != ENOENT) {
			rc = jp_error_errno(ctx, errno, "cannot read the apply "
			    "journal '%s'", j->path);
			goto out;
		}
		if (!(flags & JP_JOURNAL_CREATE) || j->readonly)
			goto out;   /* no journal: not an error */
		dir = jp_xstrndup(j->path, strrchr(j->path, '/') - j->path);
		if ((rc = jp_mkdir_p(ctx, dir)) < 0)
			goto out;
	} else if (!S_ISREG(sb.st_mode)) {
		rc = jp_error_set(ctx, JP_ERR, "cannot use the apply journal "
		    "'%s': not a regular file", j->path);
		goto out;
	}
	if (j->readonly)
		jp_journal_recover(j->path);
	if (j->readonly)
		oflags = SQLITE_OPEN_READONLY;
	else
		oflags = SQLITE_OPEN_READWRITE |
		    ((flags & JP_JOURNAL_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(j->path, &j->db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		rc = jp_error_set(ctx, JP_ERR, "cannot open the apply journal "
		    "'%s': %s", j->path, j->db ? sqlite3_errmsg(j->db) :
		    "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(j->db, 10000);
	/*
	 * A journal may come from another host (report --history DIR/HOST):
	 * its schema is input.  Defensive mode keeps SQL from corrupting
	 * the file; an untrusted schema (views, triggers) may call only
	 * innocuous functions (sqlite.org/security.html, "Untrusted SQLite
	 * Database Files").
	 */
	(void)sqlite3_db_config(j->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(j->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	/*
	 * FULL: each commit is synced before it returns, so that the rows
	 * written before a package-manager run survive a power cut during
	 * it (sqlite.org/pragma.html#pragma_synchronous).
	 */
	if (jp_journal_exec(j, "PRAGMA synchronous = FULL") != SQLITE_OK ||
	    jp_journal_exec(j, "PRAGMA foreign_keys = ON") != SQLITE_OK) {
		rc = jp_journal_dberr(j, "open");
		goto out;
	}
	if ((rc = jp_journal_check(j, flags)) < 0)
		goto out;
	*out = j;
	j = NULL;
out:
	jp_journal_close(j);
	free(dir);
	return rc;
}

void
jp_journal_close(struct jp_journal *j)
{
	if (!j)
		return;
	sqlite3_close(j->db);
	free(j->path);
	free(j);
}

const char *
jp_journal_path(const struct jp_journal *j)
{
	return j->path;
}

/* --- writing --- */

int
jp_journal_begin(struct jp_journal *j, struct jp_journal_tx *tx)
{
	static const char sql[] =
	    "INSERT INTO transactions (started, finished, kind, mode, status, "
	    "pm, pm_id, repo, host, plan, message, rollback_of) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (jp_journal_writable(j) < 0)
		return JP_ERR;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		return jp_journal_dberr(j, "write to");
	sqlite3_bind_int64(st, 1, tx->started ? tx->started : jp_journal_now());
	jp_journal_bind_opt(st, 2, tx->finished);
	jp_journal_bind_str(st, 3, tx->kind);
	jp_journal_bind_str(st, 4, tx->mode);
	jp_journal_bind_str(st, 5, tx->status ? tx->status : "running");
	jp_journal_bind_str(st, 6, tx->pm);
	jp_journal_bind_str(st, 7, tx->pm_id);
	jp_journal_bind_str(st, 8, tx->repo);
	jp_journal_bind_str(st, 9, tx->host);
	jp_journal_bind_str(st, 10, tx->plan);
	jp_journal_bind_str(st, 11, tx->message);
	jp_journal_bind_opt(st, 12, tx->rollback_of);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = jp_journal_dberr(j, "write to");
	else
		tx->id = sqlite3_last_insert_rowid(j->db);
	sqlite3_finalize(st);
	return rc;
}

/*
 * Open a write transaction for a row of txid in table (packages or runs)
 * and find its seq: *seq when given (and free), else one more than the
 * largest.  On failure the write transaction is rolled back.
 */
static int
jp_journal_row_begin(struct jp_journal *j, const char *table, int64_t txid,
    int64_t *seq)
{
	char sql[128];
	int64_t v;

	if (jp_journal_writable(j) < 0)
		return JP_ERR;
	if (jp_journal_exec(j, "BEGIN IMMEDIATE") != SQLITE_OK)
		return jp_journal_dberr(j, "write to");
	if (jp_journal_int(j, "SELECT count(*) FROM transactions WHERE id = ?1",
	    txid, &v) != SQLITE_OK)
		goto bad;
	if (!v) {
		jp_journal_exec(j, "ROLLBACK");
		return jp_error_set(j->ctx, JP_ERR, "cannot write to the apply "
		    "journal '%s': there is no transaction %lld", j->path,
		    (long long)txid);
	}
	if (*seq < 0) {
		jp_journal_exec(j, "ROLLBACK");
		return jp_error_set(j->ctx, JP_ERR, "cannot write to the apply "
		    "journal '%s': negative %s seq %lld", j->path, table,
		    (long long)*seq);
	}
	if (*seq == 0) {
		snprintf(sql, sizeof(sql), "SELECT coalesce(max(seq), 0) + 1 "
		    "FROM %s WHERE txid = ?1", table);
		if (jp_journal_int(j, sql, txid, &v) != SQLITE_OK)
			goto bad;
		*seq = v;
	}
	return 0;
bad:
	jp_journal_dberr(j, "write to");
	jp_journal_exec(j, "ROLLBACK");
	return JP_ERR;
}

/* Step the INSERT st, commit; on failure roll back, reset *seq if it was set. */
static int
jp_journal_row_end(struct jp_journal *j, sqlite3_stmt *st, int64_t *seq,
    int64_t given)
{
	if (sqlite3_step(st) != SQLITE_DONE ||
	    jp_journal_exec(j, "COMMIT") != SQLITE_OK) {
		jp_journal_dberr(j, "write to");
		jp_journal_exec(j, "ROLLBACK");
		*seq = given;
		return JP_ERR;
	}
	return 0;
}

int
jp_journal_add_pkg(struct jp_journal *j, int64_t txid,
    struct jp_journal_pkg *pkg)
{
	static const char sql[] =
	    "INSERT INTO packages (txid, seq, name, arch, from_evr, to_evr, "
	    "result, message, pm_id, run) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	sqlite3_stmt *st = NULL;
	int64_t given = pkg->seq;
	int rc;

	if (jp_journal_row_begin(j, "packages", txid, &pkg->seq) < 0)
		return JP_ERR;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		jp_journal_dberr(j, "write to");
		jp_journal_exec(j, "ROLLBACK");
		pkg->seq = given;
		return JP_ERR;
	}
	sqlite3_bind_int64(st, 1, txid);
	sqlite3_bind_int64(st, 2, pkg->seq);
	jp_journal_bind_str(st, 3, pkg->name);
	jp_journal_bind_str(st, 4, pkg->arch);
	jp_journal_bind_str(st, 5, pkg->from_evr);
	jp_journal_bind_str(st, 6, pkg->to_evr);
	jp_journal_bind_str(st, 7, pkg->result);
	jp_journal_bind_str(st, 8, pkg->message);
	jp_journal_bind_str(st, 9, pkg->pm_id);
	jp_journal_bind_opt(st, 10, pkg->run);
	rc = jp_journal_row_end(j, st, &pkg->seq, given);
	sqlite3_finalize(st);
	return rc;
}

int
jp_journal_add_run(struct jp_journal *j, int64_t txid,
    struct jp_journal_run *run)
{
	static const char sql[] =
	    "INSERT INTO runs (txid, seq, command, status, output, pm_id, "
	    "started, finished) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st = NULL;
	int64_t given = run->seq;
	int rc;

	if (jp_journal_row_begin(j, "runs", txid, &run->seq) < 0)
		return JP_ERR;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK) {
		jp_journal_dberr(j, "write to");
		jp_journal_exec(j, "ROLLBACK");
		run->seq = given;
		return JP_ERR;
	}
	sqlite3_bind_int64(st, 1, txid);
	sqlite3_bind_int64(st, 2, run->seq);
	jp_journal_bind_str(st, 3, run->command ? run->command : "");
	sqlite3_bind_int(st, 4, run->status);
	jp_journal_bind_str(st, 5, run->output);
	jp_journal_bind_str(st, 6, run->pm_id);
	jp_journal_bind_opt(st, 7, run->started);
	jp_journal_bind_opt(st, 8, run->finished);
	rc = jp_journal_row_end(j, st, &run->seq, given);
	sqlite3_finalize(st);
	return rc;
}

int
jp_journal_finish(struct jp_journal *j, int64_t txid, const char *status,
    const char *pm_id, const char *message, int64_t finished)
{
	static const char sql[] =
	    "UPDATE transactions SET status = ?2, pm_id = coalesce(?3, pm_id), "
	    "message = coalesce(?4, message), finished = ?5 WHERE id = ?1";
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (jp_journal_writable(j) < 0)
		return JP_ERR;
	if (!status)
		return jp_error_set(j->ctx, JP_ERR, "cannot finish transaction "
		    "%lld in the apply journal '%s': no status given",
		    (long long)txid, j->path);
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		return jp_journal_dberr(j, "write to");
	sqlite3_bind_int64(st, 1, txid);
	jp_journal_bind_str(st, 2, status);
	jp_journal_bind_str(st, 3, pm_id);
	jp_journal_bind_str(st, 4, message);
	sqlite3_bind_int64(st, 5, finished ? finished : jp_journal_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = jp_journal_dberr(j, "write to");
	else if (sqlite3_changes(j->db) == 0)
		rc = jp_error_set(j->ctx, JP_ERR, "cannot finish transaction "
		    "%lld in the apply journal '%s': there is no such "
		    "transaction", (long long)txid, j->path);
	sqlite3_finalize(st);
	return rc;
}

int
jp_journal_mark_interrupted(struct jp_journal *j)
{
	static const char sql[] =
	    "UPDATE transactions SET status = 'interrupted', message = "
	    "coalesce(message, 'the jprepo run that made it ended before "
	    "finishing it') WHERE status = 'running'";

	if (jp_journal_writable(j) < 0)
		return JP_ERR;
	if (jp_journal_exec(j, sql) != SQLITE_OK)
		return jp_journal_dberr(j, "write to");
	return sqlite3_changes(j->db);
}

/* --- reading --- */

void
jp_journal_tx_release(struct jp_journal_tx *tx)
{
	size_t i;

	if (!tx)
		return;
	for (i = 0; i < tx->npkgs; i++) {
		struct jp_journal_pkg *p = &tx->pkgs[i];

		free(p->name);
		free(p->arch);
		free(p->from_evr);
		free(p->to_evr);
		free(p->result);
		free(p->message);
		free(p->pm_id);
	}
	for (i = 0; i < tx->nruns; i++) {
		free(tx->runs[i].command);
		free(tx->runs[i].output);
		free(tx->runs[i].pm_id);
	}
	free(tx->pkgs);
	free(tx->runs);
	free(tx->kind);
	free(tx->mode);
	free(tx->status);
	free(tx->pm);
	free(tx->pm_id);
	free(tx->repo);
	free(tx->host);
	free(tx->plan);
	free(tx->message);
	memset(tx, 0, sizeof(*tx));
}

void
jp_journal_txs_free(struct jp_journal_tx *txs, size_t n)
{
	size_t i;

	if (!txs)
		return;
	for (i = 0; i < n; i++)
		jp_journal_tx_release(&txs[i]);
	free(txs);
}

size_t
jp_journal_tx_nok(const struct jp_journal_tx *tx)
{
	size_t i, n = 0;

	for (i = 0; i < tx->npkgs; i++)
		if (tx->pkgs[i].result && (!strcmp(tx->pkgs[i].result, "ok") ||
		    !strcmp(tx->pkgs[i].result, "downloaded")))
			n++;
	return n;
}

/*
 * The transaction of txs (sorted by id) with id, searching from *from on:
 * the child rows come sorted by txid too, so the search only moves on.
 * NULL for a row whose transaction is missing.
 */
static struct jp_journal_tx *
jp_journal_find(struct jp_journal_tx *txs, size_t n, size_t *from, int64_t id)
{
	while (*from < n && txs[*from].id < id)
		(*from)++;
	return *from < n && txs[*from].id == id ? &txs[*from] : NULL;
}

static int
jp_journal_prepare_range(struct jp_journal *j, const char *sql, int64_t lo,
    int64_t hi, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(j->db, sql, -1, st, NULL) != SQLITE_OK)
		return jp_journal_dberr(j, "read");
	sqlite3_bind_int64(*st, 1, lo);
	sqlite3_bind_int64(*st, 2, hi);
	return 0;
}

/* The transactions with ids lo..hi, in one read transaction. */
static int
jp_journal_read(struct jp_journal *j, int64_t lo, int64_t hi, int with_runs,
    struct jp_journal_tx **out, size_t *nout)
{
	struct jp_journal_tx *txs = NULL, *tx;
	sqlite3_stmt *st = NULL;
	size_t n = 0, cap = 0, at;
	int rc = JP_ERR, s, in_read = 0;

	*out = NULL;
	*nout = 0;
	if (j->empty)
		return 0;
	/* one snapshot for the three queries (sqlite.org/isolation.html) */
	if (jp_journal_exec(j, "BEGIN") != SQLITE_OK) {
		jp_journal_dberr(j, "read");
		goto out;
	}
	in_read = 1;
	if (jp_journal_prepare_range(j, jp_journal_q_tx, lo, hi, &st) < 0)
		goto out;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			txs = jp_xrealloc(txs, cap * sizeof(*txs));
		}
		tx = &txs[n++];
		memset(tx, 0, sizeof(*tx));
		tx->id = sqlite3_column_int64(st, 0);
		tx->started = sqlite3_column_int64(st, 1);
		tx->finished = sqlite3_column_int64(st, 2);
		tx->kind = jp_journal_col_str(st, 3);
		tx->mode = jp_journal_col_str(st, 4);
		tx->status = jp_journal_col_str(st, 5);
		tx->pm = jp_journal_col_str(st, 6);
		tx->pm_id = jp_journal_col_str(st, 7);
		tx->repo = jp_journal_col_str(st, 8);
		tx->host = jp_journal_col_str(st, 9);
		tx->plan = jp_journal_col_str(st, 10);
		tx->message = jp_journal_col_str(st, 11);
		tx->rollback_of = sqlite3_column_int64(st, 12);
	}
	if (s != SQLITE_DONE) {
		jp_journal_dberr(j, "read");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	if (jp_journal_prepare_range(j, jp_journal_q_pkg, lo, hi, &st) < 0)
		goto out;
	at = 0;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct jp_journal_pkg *p;

		tx = jp_journal_find(txs, n, &at, sqlite3_column_int64(st, 0));
		if (!tx)
			continue;
		tx->pkgs = jp_xrealloc(tx->pkgs,
		    (tx->npkgs + 1) * sizeof(*tx->pkgs));
		p = &tx->pkgs[tx->npkgs++];
		p->seq = sqlite3_column_int64(st, 1);
		p->name = jp_journal_col_str(st, 2);
		p->arch = jp_journal_col_str(st, 3);
		p->from_evr = jp_journal_col_str(st, 4);
		p->to_evr = jp_journal_col_str(st, 5);
		p->result = jp_journal_col_str(st, 6);
		p->message = jp_journal_col_str(st, 7);
		p->pm_id = jp_journal_col_str(st, 8);
		p->run = sqlite3_column_int64(st, 9);
	}
	if (s != SQLITE_DONE) {
		jp_journal_dberr(j, "read");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	if (with_runs) {
		if (jp_journal_prepare_range(j, jp_journal_q_run, lo, hi, &st) < 0)
			goto out;
		at = 0;
		while ((s = sqlite3_step(st)) == SQLITE_ROW) {
			struct jp_journal_run *r;

			tx = jp_journal_find(txs, n, &at,
			    sqlite3_column_int64(st, 0));
			if (!tx)
				continue;
			tx->runs = jp_xrealloc(tx->runs,
			    (tx->nruns + 1) * sizeof(*tx->runs));
			r = &tx->runs[tx->nruns++];
			r->seq = sqlite3_column_int64(st, 1);
			r->command = jp_journal_col_str(st, 2);
			r->status = sqlite3_column_int(st, 3);
			r->output = jp_journal_col_str(st, 4);
			r->pm_id = jp_journal_col_str(st, 5);
			r->started = sqlite3_column_int64(st, 6);
			r->finished = sqlite3_column_int64(st, 7);
		}
		if (s != SQLITE_DONE) {
			jp_journal_dberr(j, "read");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (in_read)
		jp_journal_exec(j, "COMMIT");
	if (rc < 0) {
		jp_journal_txs_free(txs, n);
		return rc;
	}
	*out = txs;
	*nout = n;
	return 0;
}

int
jp_journal_list(struct jp_journal *j, int with_runs,
    struct jp_journal_tx **txs, size_t *n)
{
	return jp_journal_read(j, INT64_MIN, INT64_MAX, with_runs, txs, n);
}

int
jp_journal_get(struct jp_journal *j, int64_t txid, int with_runs,
    struct jp_journal_tx *out)
{
	struct jp_journal_tx *txs;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (jp_journal_read(j, txid, txid, with_runs, &txs, &n) < 0)
		return JP_ERR;
	if (n == 0)
		return 0;
	*out = txs[0];
	free(txs);
	return 1;
}

/* --- formatting --- */

void
jp_journal_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!size)
		return;
	if ((int64_t)tt == t && gmtime_r(&tt, &tm) && tm.tm_year + 1900 >= 0 &&
	    tm.tm_year + 1900 <= 9999 &&
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		return;
	snprintf(buf, size, "%lld", (long long)t);
}
