/*
 * report.h: the fleet report of `jprepo report` (jprepo-report(1)): per
 * host, from its scan (jprepo-scan(5)), its section of a plan
 * (jprepo-plan(5)) and optionally the apply journal collected from it
 * (jprepo-journal(5)), whether it is patched, needs updates or security
 * updates (by severity), whether its last apply failed, how old its scan
 * is and how long the oldest security advisory it needs has been out;
 * and the totals over the fleet.  Written as text, JSON or one
 * self-contained HTML page.
 *
 * The arithmetic uses one "now" given by the caller (SOURCE_DATE_EPOCH
 * or the clock), so that a report is reproducible.  Every string of the
 * structs below is owned by them.
 */
#ifndef JP_REPORT_H
#define JP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jp_ctx;
struct jp_scan;

#define JP_REPORT_VERSION 1
#define JP_REPORT_SLA_DEFAULT 30    /* days */
#define JP_REPORT_STALE_DEFAULT 7   /* days */

/* A host's state, for the charts: one per host. */
enum jp_report_state {
	JP_REPORT_PATCHED = 0,
	JP_REPORT_UPDATES,       /* needs updates, none for security */
	JP_REPORT_SECURITY,      /* needs security updates */
	JP_REPORT_FAILED,        /* its last apply failed */
	JP_REPORT_STALE,         /* its scan is older than the stale limit */
	JP_REPORT_UNPLANNED,     /* the plan has no section for it (or none) */
	JP_REPORT_NSTATES
};

/* Severity buckets of security advisories. */
enum jp_report_sev {
	JP_REPORT_CRITICAL = 0,
	JP_REPORT_IMPORTANT,
	JP_REPORT_MODERATE,
	JP_REPORT_LOW,
	JP_REPORT_OTHER,
	JP_REPORT_NSEV
};

/* An advisory of a plan: what the report needs of it. */
struct jp_report_adv {
	char *id, *type, *severity, *issued;
};

/* A host's section of a plan. */
struct jp_report_plan_host {
	char *host;
	size_t updates;               /* the number of its updates */
	struct jp_report_adv *sec;    /* distinct security advisories of
					 its updates, by id */
	size_t nsec;
};

struct jp_report_plan {
	struct jp_report_plan_host *hosts;
	size_t n;
};

/* What a host's journal says (--history). */
struct jp_report_history {
	size_t transactions;          /* all of them */
	int64_t last_ok;              /* when the newest apply with status ok
					 finished (else started); 0 none */
	int64_t last_ok_txid;
};

struct jp_report_host {
	char *host, *os, *os_version, *arch, *format, *manager;
	int64_t scanned;
	int64_t age_days;             /* whole days since the scan, >= 0 */
	int stale;
	int planned;                  /* the plan has a section for it */
	size_t updates;
	size_t security[JP_REPORT_NSEV];  /* distinct needed security
					     advisories, by severity */
	size_t nsecurity;             /* their total */
	char *oldest_id, *oldest_issued;  /* NULL: none with a known date */
	int64_t oldest_days;          /* days it has been out; -1 none */
	int over_sla;
	int has_apply;                /* the scan has an "apply" line */
	char *apply_txid, *apply_status, *apply_time;
	char **failed;                /* "NAME ARCH VERSION" of apply-failed */
	size_t nfailed;
	int apply_failed;
	int has_history;
	struct jp_report_history history;
	int state;                    /* enum jp_report_state */
};

struct jp_report {
	int64_t now;
	long sla_days, stale_days;
	int have_plan;
	struct jp_report_host *hosts;
	size_t n;
	/* the fleet, set by jp_report_finish() */
	size_t by_state[JP_REPORT_NSTATES];
	size_t adv_by_sev[JP_REPORT_NSEV];  /* distinct ids over the fleet */
	size_t over_sla;
};

/* --- names --- */
/* "patched", "updates", "security", "failed", "stale", "unplanned". */
const char *jp_report_state_name(int state);
/* "Critical", "Important", "Moderate", "Low", "other". */
const char *jp_report_sev_name(int sev);
/*
 * The bucket of an advisory's severity, case-insensitively: Critical,
 * Important (also Debian's "high"), Moderate ("medium"), Low; anything
 * else, or none, is other.
 */
int jp_report_sev_of(const char *severity);

/* --- arithmetic --- */
/*
 * An advisory's issued date as seconds since 1970-01-01 UTC: updateinfo's
 * "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" (or with 'T', and an optional 'Z'
 * or fraction after the seconds) taken as UTC, or a plain number of
 * seconds (some updateinfo writers put that).  Returns 0 and sets *out,
 * or -1 when s is none of these.
 */
int jp_report_parse_time(const char *s, int64_t *out);
/* Whole days from t to now, 0 when t is later than now. */
int64_t jp_report_days(int64_t now, int64_t t);

/* --- plans --- */
/*
 * Read the plan at path (jprepo-plan(5)) into *plan (initialised by the
 * call): per host the number of updates and the distinct advisories of
 * type "security" of its updates.  Returns 0, or a negative code with a
 * message naming the file (not JSON, not a plan, a newer version).
 */
int jp_report_plan_read(struct jp_ctx *ctx, const char *path,
    struct jp_report_plan *plan);
/* As jp_report_plan_read, from a buffer; what names it in messages. */
int jp_report_plan_parse(struct jp_ctx *ctx, const char *what,
    const char *data, size_t len, struct jp_report_plan *plan);
void jp_report_plan_release(struct jp_report_plan *plan);

/* --- history --- */
/*
 * Read the journal collected from host under dir: dir/HOST/journal.sqlite
 * (or dir/HOST/var/lib/jprepo/journal.sqlite, a copied root), read-only.
 * Returns 1 and fills *out, 0 when there is none, or a negative code
 * with a message.
 */
int jp_report_history_read(struct jp_ctx *ctx, const char *dir,
    const char *host, struct jp_report_history *out);

/* --- the report --- */
void jp_report_init(struct jp_report *rep, int64_t now, long sla_days,
    long stale_days);
void jp_report_release(struct jp_report *rep);
/*
 * Add the host of scan; ph is its section of the plan (NULL: none, or
 * no plan when the report has no plan), hist its journal (NULL: none).
 * The host's facts and state are computed here.  Returns the host.
 */
struct jp_report_host *jp_report_add(struct jp_report *rep,
    const struct jp_scan *scan, const struct jp_report_plan_host *ph,
    const struct jp_report_history *hist);
/* The plan's section for host, or NULL. */
const struct jp_report_plan_host *jp_report_plan_find(
    const struct jp_report_plan *plan, const char *host);
/*
 * Compute the fleet's totals; plan (may be NULL) gives the advisories
 * for the distinct count by severity.
 */
void jp_report_finish(struct jp_report *rep, const struct jp_report_plan *plan);

/* --- writing: write errors of fp are the caller's to check --- */
void jp_report_write_text(const struct jp_report *rep, FILE *fp);
void jp_report_write_json(const struct jp_report *rep, FILE *fp);
void jp_report_write_html(const struct jp_report *rep, FILE *fp);
/* s as JSON string contents / HTML text on fp (escaped; NULL: nothing). */
void jp_report_json_str(FILE *fp, const char *s);
void jp_report_html_str(FILE *fp, const char *s);

#endif /* JP_REPORT_H */
