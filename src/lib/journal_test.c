/*
 * journal_test.c: unit tests of the apply journal.
 *
 * A journal written through the API reads back field for field, with ids
 * that are never handed out twice and rows that another connection sees
 * as soon as each call returns; jprepo scan's two statements (copied from
 * scan.c, as tools/jprepo-scan runs them) find the newest transaction and
 * its packages that did not go in; SQLite's own strftime() is the oracle
 * of jp_journal_time.  Refusals: a newer format version, a file that is
 * not a database, another program's database, writes to a read-only or
 * missing transaction; a missing journal without CREATE is no journal.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "ctx.h"
#include "fsutil.h"
#include "journal.h"
#include "testutil.h"

static int
setup(void **state)
{
	return tu_setup(state, "journal_test");
}

static int
teardown(void **state)
{
	return tu_teardown(state);
}

/* The journal's path under the fixture's directory. */
static char *
journal_file(const struct tu_fixture *f)
{
	return jp_path_join(f->dir, JP_JOURNAL_FILE);
}

static struct jp_journal *
open_ok(struct tu_fixture *f, int flags)
{
	struct jp_journal *j = NULL;

	if (jp_journal_open(&f->ctx, f->dir, flags, &j) < 0)
		fail_msg("jp_journal_open: %s", jp_error_msg(&f->ctx));
	assert_non_null(j);
	return j;
}

/* Run sql on the file with plain SQLite (the journal closed). */
static void
sql_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
}

/*
 * The rows of a query as text: columns joined by '|', rows ended by '\n',
 * NULL as "<null>".  The caller frees it.
 */
static char *
sql_rows(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	int i, s;

	assert_non_null(fp);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			fprintf(fp, "%s%s", i ? "|" : "",
			    t ? (const char *)t : "<null>");
		}
		putc('\n', fp);
	}
	assert_int_equal(s, SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
add_pkg(struct jp_journal *j, int64_t txid, const char *name,
    const char *arch, const char *from, const char *to, const char *result,
    const char *message, const char *pm_id, int64_t run, int64_t want_seq)
{
	struct jp_journal_pkg p = {
		.name = (char *)name, .arch = (char *)arch,
		.from_evr = (char *)from, .to_evr = (char *)to,
		.result = (char *)result, .message = (char *)message,
		.pm_id = (char *)pm_id, .run = run,
	};

	assert_int_equal(jp_journal_add_pkg(j, txid, &p), 0);
	assert_int_equal(p.seq, want_seq);
}

static void
test_roundtrip(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_journal *j, *j2;
	struct jp_journal_tx tx = {
		.started = 1764275895, .kind = "apply", .mode = "one-by-one",
		.pm = "dnf", .repo = "file:///srv/repo", .host = "web01",
		.plan = "site.plan",
	};
	struct jp_journal_tx tx2 = {
		.started = 1764276000, .kind = "rollback", .mode = "bulk",
		.pm = "dnf", .status = "running", .rollback_of = 1,
	};
	struct jp_journal_run run = {
		.command = "dnf -y install 'hello-2.0-1.noarch'", .status = 0,
		.output = "Installed:\n  hello-2.0-1.noarch\r\nComplete!\n",
		.pm_id = "12", .started = 1764275900, .finished = 1764275910,
	};
	struct jp_journal_run run2 = {
		.command = "dnf -y install zlib", .status = 1, .output = NULL,
		.started = 1764275911, .finished = 0,
	};
	struct jp_journal_tx *txs = NULL, got;
	size_t n = 0;
	char *path = journal_file(f);
	struct stat sb;

	/* CREATE makes var/lib/jprepo and the file */
	j = open_ok(f, JP_JOURNAL_CREATE);
	assert_string_equal(jp_journal_path(j), path);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(jp_journal_list(j, 1, &txs, &n), 0);
	assert_int_equal(n, 0);
	assert_null(txs);

	assert_int_equal(jp_journal_begin(j, &tx), 0);
	assert_int_equal(tx.id, 1);
	/* committed at once: a second connection sees it while j is open */
	j2 = open_ok(f, JP_JOURNAL_READONLY);
	assert_int_equal(jp_journal_get(j2, 1, 0, &got), 1);
	assert_string_equal(got.status, "running");
	assert_int_equal(got.finished, 0);
	jp_journal_tx_release(&got);

	assert_int_equal(jp_journal_add_run(j, tx.id, &run), 0);
	assert_int_equal(run.seq, 1);
	assert_int_equal(jp_journal_add_run(j, tx.id, &run2), 0);
	assert_int_equal(run2.seq, 2);
	add_pkg(j, tx.id, "hello", "noarch", "1.0-1", "2.0-1", "ok", NULL, "12",
	    1, 1);
	add_pkg(j, tx.id, "zlib", "x86_64", "1.2-1", "1.3-1", "failed",
	    "scriptlet failed: %pre exited 1", NULL, 2, 2);
	add_pkg(j, tx.id, "newdep", "x86_64", NULL, "0.1-1", "ok", NULL, "12",
	    1, 3);
	assert_int_equal(jp_journal_finish(j, tx.id, "partial", "12", "1 of 2 "
	    "updates failed", 1764275920), 0);

	/* the other connection sees every row, runs with with_runs only */
	assert_int_equal(jp_journal_get(j2, 1, 0, &got), 1);
	assert_int_equal(got.npkgs, 3);
	assert_int_equal(got.nruns, 0);
	assert_null(got.runs);
	jp_journal_tx_release(&got);

	assert_int_equal(jp_journal_begin(j, &tx2), 0);
	assert_int_equal(tx2.id, 2);
	/* finish with NULL pm_id and message keeps what is there */
	assert_int_equal(jp_journal_finish(j, tx2.id, "ok", NULL, NULL, 0), 0);
	jp_journal_close(j);

	j = open_ok(f, 0);
	assert_int_equal(jp_journal_list(j, 1, &txs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(txs[0].id, 1);
	assert_int_equal(txs[0].started, 1764275895);
	assert_int_equal(txs[0].finished, 1764275920);
	assert_string_equal(txs[0].kind, "apply");
	assert_string_equal(txs[0].mode, "one-by-one");
	assert_string_equal(txs[0].status, "partial");
	assert_string_equal(txs[0].pm, "dnf");
	assert_string_equal(txs[0].pm_id, "12");
	assert_string_equal(txs[0].repo, "file:///srv/repo");
	assert_string_equal(txs[0].host, "web01");
	assert_string_equal(txs[0].plan, "site.plan");
	assert_string_equal(txs[0].message, "1 of 2 updates failed");
	assert_int_equal(txs[0].rollback_of, 0);
	assert_int_equal(txs[0].npkgs, 3);
	assert_int_equal(jp_journal_tx_nok(&txs[0]), 2);
	assert_int_equal(txs[0].pkgs[0].seq, 1);
	assert_string_equal(txs[0].pkgs[0].name, "hello");
	assert_string_equal(txs[0].pkgs[0].arch, "noarch");
	assert_string_equal(txs[0].pkgs[0].from_evr, "1.0-1");
	assert_string_equal(txs[0].pkgs[0].to_evr, "2.0-1");
	assert_string_equal(txs[0].pkgs[0].result, "ok");
	assert_null(txs[0].pkgs[0].message);
	assert_string_equal(txs[0].pkgs[0].pm_id, "12");
	assert_int_equal(txs[0].pkgs[0].run, 1);
	assert_string_equal(txs[0].pkgs[1].name, "zlib");
	assert_string_equal(txs[0].pkgs[1].result, "failed");
	assert_string_equal(txs[0].pkgs[1].message,
	    "scriptlet failed: %pre exited 1");
	assert_null(txs[0].pkgs[1].pm_id);
	assert_int_equal(txs[0].pkgs[1].run, 2);
	assert_null(txs[0].pkgs[2].from_evr);
	assert_string_equal(txs[0].pkgs[2].to_evr, "0.1-1");
	assert_int_equal(txs[0].nruns, 2);
	assert_int_equal(txs[0].runs[0].seq, 1);
	assert_string_equal(txs[0].runs[0].command,
	    "dnf -y install 'hello-2.0-1.noarch'");
	assert_int_equal(txs[0].runs[0].status, 0);
	assert_string_equal(txs[0].runs[0].output, run.output);
	assert_string_equal(txs[0].runs[0].pm_id, "12");
	assert_int_equal(txs[0].runs[0].started, 1764275900);
	assert_int_equal(txs[0].runs[0].finished, 1764275910);
	assert_int_equal(txs[0].runs[1].status, 1);
	assert_null(txs[0].runs[1].output);
	assert_null(txs[0].runs[1].pm_id);
	assert_int_equal(txs[0].runs[1].finished, 0);
	assert_int_equal(txs[1].id, 2);
	assert_string_equal(txs[1].kind, "rollback");
	assert_string_equal(txs[1].status, "ok");
	assert_null(txs[1].pm_id);
	assert_null(txs[1].message);
	assert_int_equal(txs[1].rollback_of, 1);
	assert_true(txs[1].finished > 0);
	assert_int_equal(txs[1].npkgs, 0);
	assert_int_equal(txs[1].nruns, 0);
	jp_journal_txs_free(txs, n);

	/* one, and one that is not there */
	assert_int_equal(jp_journal_get(j, 2, 1, &got), 1);
	assert_int_equal(got.id, 2);
	assert_string_equal(got.mode, "bulk");
	jp_journal_tx_release(&got);
	assert_int_equal(jp_journal_get(j, 3, 1, &got), 0);
	assert_int_equal(got.id, 0);
	assert_null(got.pkgs);
	jp_journal_close(j);
	jp_journal_close(j2);

	/* ids are never reused, even when the newest was deleted by hand */
	sql_exec(path, "DELETE FROM transactions WHERE id = 2");
	j = open_ok(f, 0);
	memset(&tx2, 0, sizeof(tx2));
	tx2.kind = "apply";
	assert_int_equal(jp_journal_begin(j, &tx2), 0);
	assert_int_equal(tx2.id, 3);
	assert_int_equal(jp_journal_get(j, 3, 0, &got), 1);
	assert_string_equal(got.status, "running");
	/* started defaults to now */
	assert_true(got.started >= 1764275895);
	jp_journal_tx_release(&got);
	jp_journal_close(j);

	/* the schema version sqlite3(1) sees */
	{
		char *v = sql_rows(path, "PRAGMA user_version");

		assert_string_equal(v, "1\n");
		free(v);
	}
	free(path);
}

/*
 * jprepo scan reads the newest transaction and its packages not ok with
 * these two statements (src/lib/scan.c jp_scan_journal, tools/jprepo-scan):
 * copied here so that a schema change that breaks them fails this test.
 */
static const char scan_q_tx[] =
	"SELECT id, status, CASE WHEN typeof(started) = 'integer' THEN "
	"strftime('%Y-%m-%dT%H:%M:%SZ', started, 'unixepoch') ELSE started "
	"END FROM transactions ORDER BY id DESC LIMIT 1";
static const char scan_q_pkgs[] =
	"SELECT name, arch, to_evr FROM packages WHERE txid = (SELECT id "
	"FROM transactions ORDER BY id DESC LIMIT 1) AND result IS NOT 'ok'";

static void
test_scan_statements(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_journal *j = open_ok(f, JP_JOURNAL_CREATE);
	struct jp_journal_tx t1 = { .started = 1700000000, .kind = "apply" };
	struct jp_journal_tx t2 = { .started = 1764275895, .kind = "apply" };
	char *path = journal_file(f), *rows, *oracle;
	char buf[32];

	assert_int_equal(jp_journal_begin(j, &t1), 0);
	add_pkg(j, t1.id, "old", "noarch", "1-1", "2-1", "failed", NULL, NULL,
	    0, 1);
	assert_int_equal(jp_journal_finish(j, t1.id, "partial", NULL, NULL, 0), 0);
	assert_int_equal(jp_journal_begin(j, &t2), 0);
	add_pkg(j, t2.id, "hello", "noarch", "1.0-1", "2.0-1", "ok", NULL,
	    NULL, 0, 1);
	add_pkg(j, t2.id, "zlib", "x86_64", "1.2-1", "1.3-1", "failed", "x",
	    NULL, 0, 2);
	add_pkg(j, t2.id, "gone", "x86_64", "1-1", NULL, "skipped", NULL,
	    NULL, 0, 3);
	assert_int_equal(jp_journal_finish(j, t2.id, "partial", NULL, NULL, 0), 0);
	jp_journal_close(j);

	rows = sql_rows(path, scan_q_tx);
	assert_string_equal(rows, "2|partial|2025-11-27T20:38:15Z\n");
	free(rows);
	rows = sql_rows(path, scan_q_pkgs);
	assert_string_equal(rows, "zlib|x86_64|1.3-1\ngone|x86_64|<null>\n");
	free(rows);

	/* jp_journal_time agrees with SQLite's strftime */
	jp_journal_time(1764275895, buf, sizeof(buf));
	oracle = sql_rows(path, "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', "
	    "1764275895, 'unixepoch')");
	assert_string_equal(tu_chomp(oracle), buf);
	free(oracle);
	jp_journal_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	jp_journal_time(253402300800LL, buf, sizeof(buf));   /* year 10000 */
	assert_string_equal(buf, "253402300800");
	free(path);
}

static void
test_interrupted(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_journal *j = open_ok(f, JP_JOURNAL_CREATE);
	struct jp_journal_tx t[3] = {
		{ .kind = "apply" },
		{ .kind = "apply", .message = "kept" },
		{ .kind = "apply" },
	};
	struct jp_journal_tx *txs;
	size_t i, n;

	for (i = 0; i < 3; i++)
		assert_int_equal(jp_journal_begin(j, &t[i]), 0);
	assert_int_equal(jp_journal_finish(j, t[2].id, "ok", NULL, NULL, 0), 0);
	assert_int_equal(jp_journal_mark_interrupted(j), 2);
	assert_int_equal(jp_journal_mark_interrupted(j), 0);
	assert_int_equal(jp_journal_list(j, 0, &txs, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(txs[0].status, "interrupted");
	assert_non_null(txs[0].message);
	assert_int_equal(txs[0].finished, 0);
	assert_string_equal(txs[1].status, "interrupted");
	assert_string_equal(txs[1].message, "kept");
	assert_string_equal(txs[2].status, "ok");
	jp_journal_txs_free(txs, n);
	jp_journal_close(j);
}

static void
test_missing(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_journal *j = (struct jp_journal *)1;
	char *dir = jp_path_join(f->dir, "var");
	struct stat sb;

	assert_int_equal(jp_journal_open(&f->ctx, f->dir, 0, &j), 0);
	assert_null(j);
	j = (struct jp_journal *)1;
	assert_int_equal(jp_journal_open(&f->ctx, f->dir, JP_JOURNAL_READONLY |
	    JP_JOURNAL_CREATE, &j), 0);
	assert_null(j);
	/* nothing was made */
	assert_int_equal(stat(dir, &sb), -1);
	/* a root that is not there is an error, even with CREATE */
	j = (struct jp_journal *)1;
	assert_true(jp_journal_open(&f->ctx, dir, JP_JOURNAL_CREATE, &j) < 0);
	assert_null(j);
	assert_non_null(strstr(jp_error_msg(&f->ctx), dir));
	assert_int_equal(stat(dir, &sb), -1);
	free(dir);
}

static void
test_refusals(void **state)
{
	struct tu_fixture *f = *state;
	struct jp_journal *j;
	struct jp_journal_tx tx = { .kind = "apply" };
	struct jp_journal_pkg p = { .name = "a", .result = "ok" };
	struct jp_journal_run r = { .command = "true" };
	char *path = journal_file(f);
	const char *msg;

	/* a newer format version */
	j = open_ok(f, JP_JOURNAL_CREATE);
	jp_journal_close(j);
	sql_exec(path, "PRAGMA user_version = 2");
	j = (struct jp_journal *)1;
	assert_true(jp_journal_open(&f->ctx, f->dir, 0, &j) < 0);
	assert_null(j);
	msg = jp_error_msg(&f->ctx);
	assert_non_null(strstr(msg, path));
	assert_non_null(strstr(msg, "version 2 is newer"));
	assert_non_null(strstr(msg, "(1)"));
	assert_true(jp_journal_open(&f->ctx, f->dir, JP_JOURNAL_READONLY, &j) < 0);

	/* not a database */
	assert_int_equal(unlink(path), 0);
	{
		static const char text[] = "not a database, but text long "
		    "enough to have a header of one hundred bytes or so, as "
		    "SQLite reads the first page\n";

		tu_spew(path, text, strlen(text));
	}
	jp_error_clear(&f->ctx);
	assert_true(jp_journal_open(&f->ctx, f->dir, 0, &j) < 0);
	msg = jp_error_msg(&f->ctx);
	assert_non_null(strstr(msg, path));
	assert_non_null(strstr(msg, "not a database"));
	jp_error_clear(&f->ctx);
	assert_true(jp_journal_open(&f->ctx, f->dir, JP_JOURNAL_READONLY, &j) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), path));

	/* another program's database */
	assert_int_equal(unlink(path), 0);
	sql_exec(path, "CREATE TABLE transactions(id INTEGER PRIMARY KEY, "
	    "started, status TEXT)");
	jp_error_clear(&f->ctx);
	assert_true(jp_journal_open(&f->ctx, f->dir, JP_JOURNAL_CREATE, &j) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), path));
	assert_non_null(strstr(jp_error_msg(&f->ctx), "not a jprepo journal"));
	/* with the version but the wrong columns */
	sql_exec(path, "PRAGMA user_version = 1");
	jp_error_clear(&f->ctx);
	assert_true(jp_journal_open(&f->ctx, f->dir, 0, &j) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "not a jprepo journal"));

	/* an empty file reads as no transactions, and gets the schema */
	assert_int_equal(unlink(path), 0);
	tu_spew(path, "", 0);
	{
		struct jp_journal_tx *txs = (struct jp_journal_tx *)1;
		size_t n = 9;

		j = open_ok(f, JP_JOURNAL_READONLY);
		assert_int_equal(jp_journal_list(j, 1, &txs, &n), 0);
		assert_int_equal(n, 0);
		assert_null(txs);
		/* read-only: the writers fail */
		assert_true(jp_journal_begin(j, &tx) < 0);
		assert_non_null(strstr(jp_error_msg(&f->ctx), "read-only"));
		jp_journal_close(j);
	}
	j = open_ok(f, 0);
	assert_int_equal(jp_journal_begin(j, &tx), 0);
	assert_int_equal(tx.id, 1);

	/* rows of a transaction that does not exist */
	jp_error_clear(&f->ctx);
	assert_true(jp_journal_add_pkg(j, 5, &p) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "no transaction 5"));
	assert_int_equal(p.seq, 0);
	assert_true(jp_journal_add_run(j, 5, &r) < 0);
	assert_true(jp_journal_finish(j, 5, "ok", NULL, NULL, 0) < 0);
	/* a seq given twice */
	p.seq = 4;
	assert_int_equal(jp_journal_add_pkg(j, 1, &p), 0);
	assert_int_equal(p.seq, 4);
	assert_true(jp_journal_add_pkg(j, 1, &p) < 0);
	assert_int_equal(p.seq, 4);
	/* the next free one after it */
	p.seq = 0;
	assert_int_equal(jp_journal_add_pkg(j, 1, &p), 0);
	assert_int_equal(p.seq, 5);
	/* a package without a name breaks the schema's rule */
	p.seq = 0;
	p.name = NULL;
	assert_true(jp_journal_add_pkg(j, 1, &p) < 0);
	assert_int_equal(p.seq, 0);
	jp_journal_close(j);

	/* a directory in the journal's place */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	jp_error_clear(&f->ctx);
	assert_true(jp_journal_open(&f->ctx, f->dir, JP_JOURNAL_CREATE, &j) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), path));
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_statements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
