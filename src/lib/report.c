/*
 * report.c: the fleet report (jprepo-report(1)).
 *
 * The facts of a host come from three places: its scan (jprepo-scan(5):
 * the scan time, the last apply and its failed packages), its section of
 * a plan (jprepo-plan(5): the updates and the advisories they fix) and,
 * with --history, the apply journal collected from it
 * (jprepo-journal(5)).  Nothing here reads a clock: "now" is given.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "ctx.h"
#include "fsutil.h"
#include "journal.h"
#include "json.h"
#include "report.h"
#include "scan.h"

#define JP_DAY 86400

/* --- names --- */

static const char *const jp_report_states[JP_REPORT_NSTATES] = {
	"patched", "updates", "security", "failed", "stale", "unplanned",
};

static const char *const jp_report_sevs[JP_REPORT_NSEV] = {
	"Critical", "Important", "Moderate", "Low", "other",
};

const char *
jp_report_state_name(int state)
{
	if (state < 0 || state >= JP_REPORT_NSTATES)
		return "-";
	return jp_report_states[state];
}

const char *
jp_report_sev_name(int sev)
{
	if (sev < 0 || sev >= JP_REPORT_NSEV)
		return "-";
	return jp_report_sevs[sev];
}

/*
 * Red Hat's updateinfo uses Critical/Important/Moderate/Low
 * (access.redhat.com/security/updates/classification); the Debian
 * Security Tracker's urgencies high/medium/low map onto the same scale.
 */
int
jp_report_sev_of(const char *s)
{
	if (!s)
		return JP_REPORT_OTHER;
	if (!strcasecmp(s, "critical"))
		return JP_REPORT_CRITICAL;
	if (!strcasecmp(s, "important") || !strcasecmp(s, "high"))
		return JP_REPORT_IMPORTANT;
	if (!strcasecmp(s, "moderate") || !strcasecmp(s, "medium"))
		return JP_REPORT_MODERATE;
	if (!strcasecmp(s, "low"))
		return JP_REPORT_LOW;
	return JP_REPORT_OTHER;
}

/* --- arithmetic --- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
jp_report_days_from_civil(int64_t y, int m, int d)
{
	/* the era arithmetic of H. Hinnant's "chrono-Compatible Low-Level
	   Date Algorithms", written out here */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s into *v; returns 0 or -1. */
static int
jp_report_digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
jp_report_parse_time(const char *s, int64_t *out)
{
	static const int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	int y, mo, d, h = 0, mi = 0, se = 0;
	const char *p;

	if (!s || !*s)
		return -1;
	/* a plain number: seconds since the epoch */
	if (strspn(s, "0123456789") == strlen(s)) {
		int64_t v = 0;

		if (strlen(s) > 12)
			return -1;
		for (p = s; *p; p++)
			v = v * 10 + (*p - '0');
		*out = v;
		return 0;
	}
	if (jp_report_digits(s, 4, &y) < 0 || s[4] != '-' ||
	    jp_report_digits(s + 5, 2, &mo) < 0 || s[7] != '-' ||
	    jp_report_digits(s + 8, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	p = s + 10;
	if (*p == ' ' || *p == 'T') {
		if (jp_report_digits(p + 1, 2, &h) < 0 || p[3] != ':' ||
		    jp_report_digits(p + 4, 2, &mi) < 0)
			return -1;
		p += 6;
		if (*p == ':') {
			if (jp_report_digits(p + 1, 2, &se) < 0)
				return -1;
			p += 3;
			if (*p == '.')
				for (p++; *p >= '0' && *p <= '9'; p++)
					;
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (*p == 'Z')
			p++;
	}
	if (*p)
		return -1;
	*out = jp_report_days_from_civil(y, mo, d) * JP_DAY + h * 3600 +
	    mi * 60 + se;
	return 0;
}

int64_t
jp_report_days(int64_t now, int64_t t)
{
	if (t >= now)
		return 0;
	return (now - t) / JP_DAY;
}

/* --- plans --- */

static void
jp_report_adv_release(struct jp_report_adv *a)
{
	free(a->id);
	free(a->type);
	free(a->severity);
	free(a->issued);
	memset(a, 0, sizeof(*a));
}

/* Keep a as one of h's security advisories unless its id is there. */
static void
jp_report_keep_sec(struct jp_report_plan_host *h, struct jp_report_adv *a)
{
	size_t i;

	if (!a->id || !a->type || strcmp(a->type, "security")) {
		jp_report_adv_release(a);
		return;
	}
	for (i = 0; i < h->nsec; i++) {
		if (!strcmp(h->sec[i].id, a->id)) {
			jp_report_adv_release(a);
			return;
		}
	}
	h->sec = jp_xrealloc(h->sec, (h->nsec + 1) * sizeof(*h->sec));
	h->sec[h->nsec++] = *a;
	memset(a, 0, sizeof(*a));
}

static void
jp_report_plan_host_release(struct jp_report_plan_host *h)
{
	size_t i;

	free(h->host);
	for (i = 0; i < h->nsec; i++)
		jp_report_adv_release(&h->sec[i]);
	free(h->sec);
	memset(h, 0, sizeof(*h));
}

void
jp_report_plan_release(struct jp_report_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->n; i++)
		jp_report_plan_host_release(&plan->hosts[i]);
	free(plan->hosts);
	plan->hosts = NULL;
	plan->n = 0;
}

/* A host's section of the plan (apply.c's reader) in report's form. */
static int
jp_report_plan_host(void *opaque, struct jp_apply_set *s)
{
	struct jp_report_plan *plan = opaque;
	struct jp_report_plan_host *h;
	size_t i, k;

	plan->hosts = jp_xrealloc(plan->hosts, (plan->n + 1) *
	    sizeof(*plan->hosts));
	h = &plan->hosts[plan->n++];
	memset(h, 0, sizeof(*h));
	h->host = s->host;
	s->host = NULL;
	h->updates = s->n;
	for (i = 0; i < s->n; i++) {
		struct jp_apply_item *it = &s->items[i];

		for (k = 0; k < it->nadvs; k++) {
			struct jp_report_adv a;

			a.id = it->advs[k].id;
			a.type = it->advs[k].type;
			a.severity = it->advs[k].severity;
			a.issued = it->advs[k].issued;
			memset(&it->advs[k], 0, sizeof(it->advs[k]));
			jp_report_keep_sec(h, &a);
		}
	}
	return 0;
}

int
jp_report_plan_parse(struct jp_ctx *ctx, const char *what, const char *data,
    size_t len, struct jp_report_plan *plan)
{
	int rc;

	memset(plan, 0, sizeof(*plan));
	rc = jp_apply_plan_parse(ctx, what, data, len, jp_report_plan_host,
	    plan);
	if (rc < 0)
		jp_report_plan_release(plan);
	return rc;
}

int
jp_report_plan_read(struct jp_ctx *ctx, const char *path,
    struct jp_report_plan *plan)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(plan, 0, sizeof(*plan));
	if ((rc = jp_file_read(ctx, path, &data, &len)) < 0)
		return rc;
	rc = jp_report_plan_parse(ctx, path, data, len, plan);
	free(data);
	return rc;
}

const struct jp_report_plan_host *
jp_report_plan_find(const struct jp_report_plan *plan, const char *host)
{
	size_t i;

	if (!plan || !host)
		return NULL;
	for (i = 0; i < plan->n; i++)
		if (!strcmp(plan->hosts[i].host, host))
			return &plan->hosts[i];
	return NULL;
}

/* --- history --- */

/* Does path exist (any type)? */
static int
jp_report_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

/* The journal at path (a file); 0 when there is none. */
static int
jp_report_history_journal(struct jp_ctx *ctx, const char *path,
    struct jp_report_history *out)
{
	struct jp_journal *j = NULL;
	struct jp_journal_tx *txs = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = jp_journal_open_file(ctx, path, JP_JOURNAL_READONLY,
	    &j)) < 0)
		return rc;
	if (!j)
		return 0;
	rc = jp_journal_list(j, 0, &txs, &n);
	jp_journal_close(j);
	if (rc < 0)
		return rc;
	out->transactions = n;
	for (i = 0; i < n; i++) {
		const struct jp_journal_tx *tx = &txs[i];

		if (tx->kind && strcmp(tx->kind, "apply"))
			continue;
		if (!tx->status || strcmp(tx->status, "ok"))
			continue;
		/* the newest: ids grow with time, the list is oldest first */
		out->last_ok = tx->finished ? tx->finished : tx->started;
		out->last_ok_txid = tx->id;
	}
	jp_journal_txs_free(txs, n);
	return 1;
}

int
jp_report_history_read(struct jp_ctx *ctx, const char *dir,
    const char *host, struct jp_report_history *out)
{
	char *hdir = NULL, *file = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!host || !*host || strchr(host, '/') || !strcmp(host, ".") ||
	    !strcmp(host, ".."))
		return 0;
	hdir = jp_path_join(dir, host);
	file = jp_path_join(hdir, JP_JOURNAL_FILE);
	if (jp_report_exists(file)) {
		/* a copy of the host's root directory */
		rc = jp_report_history_journal(ctx, file, out);
		goto out;
	}
	free(file);
	/* the journal as `jprepo apply` leaves it, collected alone */
	file = jp_path_join(hdir, "journal.sqlite");
	if (jp_report_exists(file))
		rc = jp_report_history_journal(ctx, file, out);
out:
	free(file);
	free(hdir);
	return rc;
}

/* --- the report --- */

void
jp_report_init(struct jp_report *rep, int64_t now, long sla_days,
    long stale_days)
{
	memset(rep, 0, sizeof(*rep));
	rep->now = now;
	rep->sla_days = sla_days;
	rep->stale_days = stale_days;
}

static void
jp_report_host_release(struct jp_report_host *h)
{
	size_t i;

	free(h->host);
	free(h->os);
	free(h->os_version);
	free(h->arch);
	free(h->format);
	free(h->manager);
	free(h->oldest_id);
	free(h->oldest_issued);
	free(h->apply_txid);
	free(h->apply_status);
	free(h->apply_time);
	for (i = 0; i < h->nfailed; i++)
		free(h->failed[i]);
	free(h->failed);
}

void
jp_report_release(struct jp_report *rep)
{
	size_t i;

	if (!rep)
		return;
	for (i = 0; i < rep->n; i++)
		jp_report_host_release(&rep->hosts[i]);
	free(rep->hosts);
	rep->hosts = NULL;
	rep->n = 0;
}

static char *
jp_report_dup(const char *s)
{
	return s ? jp_xstrdup(s) : NULL;
}

/*
 * A failed last apply: the journal's transaction ended other than ok
 * (partial, failed, reverted; interrupted: the run died), or packages
 * of it did not reach their version (the scan's apply-failed lines).
 */
static int
jp_report_apply_failed(const struct jp_report_host *h)
{
	if (!h->has_apply)
		return 0;
	if (h->nfailed)
		return 1;
	if (!h->apply_status)
		return 0;
	return !strcmp(h->apply_status, "failed") ||
	    !strcmp(h->apply_status, "partial") ||
	    !strcmp(h->apply_status, "reverted") ||
	    !strcmp(h->apply_status, "interrupted");
}

struct jp_report_host *
jp_report_add(struct jp_report *rep, const struct jp_scan *scan,
    const struct jp_report_plan_host *ph,
    const struct jp_report_history *hist)
{
	struct jp_report_host *h;
	int64_t oldest = 0;
	size_t i;

	rep->hosts = jp_xrealloc(rep->hosts, (rep->n + 1) * sizeof(*rep->hosts));
	h = &rep->hosts[rep->n++];
	memset(h, 0, sizeof(*h));
	h->host = jp_xstrdup(scan->host ? scan->host : "-");
	h->os = jp_report_dup(scan->os_id);
	h->os_version = jp_report_dup(scan->os_version);
	h->arch = jp_report_dup(scan->arch);
	h->format = jp_xstrdup(jp_scan_format_name(scan->format));
	h->manager = jp_xstrdup(jp_scan_manager_name(scan->manager));
	h->scanned = scan->scanned;
	h->age_days = jp_report_days(rep->now, scan->scanned);
	/* stale: older than the limit, to the second */
	h->stale = rep->now - scan->scanned > (int64_t)rep->stale_days * JP_DAY;
	h->oldest_days = -1;

	h->has_apply = scan->has_apply;
	h->apply_txid = jp_report_dup(scan->apply_txid);
	h->apply_status = jp_report_dup(scan->apply_status);
	h->apply_time = jp_report_dup(scan->apply_time);
	if (scan->nfailed)
		h->failed = jp_xcalloc(scan->nfailed, sizeof(*h->failed));
	for (i = 0; i < scan->nfailed; i++)
		h->failed[h->nfailed++] = jp_xasprintf("%s %s %s",
		    scan->failed[i].name ? scan->failed[i].name : "-",
		    scan->failed[i].arch ? scan->failed[i].arch : "-",
		    scan->failed[i].to_version ? scan->failed[i].to_version :
		    "-");
	h->apply_failed = jp_report_apply_failed(h);
	if (hist) {
		h->has_history = 1;
		h->history = *hist;
	}

	if (ph) {
		h->planned = 1;
		h->updates = ph->updates;
		for (i = 0; i < ph->nsec; i++) {
			const struct jp_report_adv *a = &ph->sec[i];
			int64_t t;

			h->security[jp_report_sev_of(a->severity)]++;
			h->nsecurity++;
			if (jp_report_parse_time(a->issued, &t) < 0)
				continue;
			/* the oldest; the first of equal dates */
			if (!h->oldest_id || t < oldest) {
				free(h->oldest_id);
				free(h->oldest_issued);
				h->oldest_id = jp_xstrdup(a->id);
				h->oldest_issued = jp_xstrdup(a->issued);
				oldest = t;
			}
		}
		if (h->oldest_id) {
			h->oldest_days = jp_report_days(rep->now, oldest);
			h->over_sla = h->oldest_days > rep->sla_days;
		}
	}

	if (h->stale)
		h->state = JP_REPORT_STALE;
	else if (h->apply_failed)
		h->state = JP_REPORT_FAILED;
	else if (!h->planned)
		h->state = JP_REPORT_UNPLANNED;
	else if (h->nsecurity)
		h->state = JP_REPORT_SECURITY;
	else if (h->updates)
		h->state = JP_REPORT_UPDATES;
	else
		h->state = JP_REPORT_PATCHED;
	return h;
}

void
jp_report_finish(struct jp_report *rep, const struct jp_report_plan *plan)
{
	const char **seen = NULL;
	size_t nseen = 0, i, k, s;

	memset(rep->by_state, 0, sizeof(rep->by_state));
	memset(rep->adv_by_sev, 0, sizeof(rep->adv_by_sev));
	rep->over_sla = 0;
	for (i = 0; i < rep->n; i++) {
		const struct jp_report_host *h = &rep->hosts[i];
		const struct jp_report_plan_host *ph;

		rep->by_state[h->state]++;
		rep->over_sla += h->over_sla != 0;
		if (!h->planned || !(ph = jp_report_plan_find(plan, h->host)))
			continue;
		for (k = 0; k < ph->nsec; k++) {
			for (s = 0; s < nseen; s++)
				if (!strcmp(seen[s], ph->sec[k].id))
					break;
			if (s < nseen)
				continue;
			seen = jp_xrealloc(seen, (nseen + 1) * sizeof(*seen));
			seen[nseen++] = ph->sec[k].id;
			rep->adv_by_sev[jp_report_sev_of(ph->sec[k].severity)]++;
		}
	}
	free(seen);
}

/* --- writing --- */

static void
jp_report_iso(int64_t t, char *buf, size_t size)
{
	jp_journal_time(t, buf, size);
}

void
jp_report_json_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	if (!s)
		return;
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			putc('\\', fp);
			putc(*p, fp);
		} else if (*p == '\n') {
			fputs("\\n", fp);
		} else if (*p == '\t') {
			fputs("\\t", fp);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(fp, "\\u%04x", *p);
		} else if (*p >= 0x80) {
			/* copy a valid UTF-8 sequence (RFC 3629 4), else U+FFFD */
			size_t n = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 ? 3 :
			    *p >= 0xc2 && *p <= 0xdf ? 2 : 0;
			size_t k;

			for (k = 1; n && k < n; k++)
				if ((p[k] & 0xc0) != 0x80)
					n = 0;
			if (n == 3 && ((*p == 0xe0 && p[1] < 0xa0) ||
			    (*p == 0xed && p[1] >= 0xa0)))
				n = 0;
			if (n == 4 && ((*p == 0xf0 && p[1] < 0x90) ||
			    (*p == 0xf4 && p[1] >= 0x90)))
				n = 0;
			if (!n) {
				fputs("\\ufffd", fp);
				continue;
			}
			fwrite(p, 1, n, fp);
			p += n - 1;
		} else {
			putc(*p, fp);
		}
	}
}

static void
jp_report_json_val(FILE *fp, const char *s)
{
	if (!s) {
		fputs("null", fp);
		return;
	}
	putc('"', fp);
	jp_report_json_str(fp, s);
	putc('"', fp);
}

static void
jp_report_json_time(FILE *fp, int64_t t)
{
	char buf[32];

	jp_report_iso(t, buf, sizeof(buf));
	jp_report_json_val(fp, buf);
}

static void
jp_report_json_sevs(FILE *fp, const size_t *n)
{
	int s;

	putc('{', fp);
	for (s = 0; s < JP_REPORT_NSEV; s++)
		fprintf(fp, "%s\"%s\": %zu", s ? ", " : "",
		    jp_report_sevs[s], n[s]);
	putc('}', fp);
}

static void
jp_report_json_host(FILE *fp, const struct jp_report *rep,
    const struct jp_report_host *h)
{
	size_t i;

	(void)rep;
	fputs("  {\"host\": ", fp);
	jp_report_json_val(fp, h->host);
	fputs(", \"os\": ", fp);
	jp_report_json_val(fp, h->os ? h->os : "");
	fputs(", \"os_version\": ", fp);
	jp_report_json_val(fp, h->os_version ? h->os_version : "");
	fputs(", \"arch\": ", fp);
	jp_report_json_val(fp, h->arch ? h->arch : "");
	fputs(",\n   \"format\": ", fp);
	jp_report_json_val(fp, h->format);
	fputs(", \"manager\": ", fp);
	jp_report_json_val(fp, h->manager);
	fputs(", \"scanned\": ", fp);
	jp_report_json_time(fp, h->scanned);
	fprintf(fp, ", \"scan_age_days\": %lld, \"stale\": %s,\n   "
	    "\"state\": \"%s\", \"planned\": %s, ", (long long)h->age_days,
	    h->stale ? "true" : "false", jp_report_state_name(h->state),
	    h->planned ? "true" : "false");
	/* not in the plan: what it needs is not known */
	if (h->planned) {
		fprintf(fp, "\"updates\": %zu, \"security\": ", h->updates);
		jp_report_json_sevs(fp, h->security);
		fprintf(fp, ", \"security_total\": %zu", h->nsecurity);
	} else {
		fputs("\"updates\": null, \"security\": null, "
		    "\"security_total\": null", fp);
	}
	fputs(",\n   \"oldest_security\": ", fp);
	if (h->oldest_id) {
		fputs("{\"id\": ", fp);
		jp_report_json_val(fp, h->oldest_id);
		fputs(", \"issued\": ", fp);
		jp_report_json_val(fp, h->oldest_issued);
		fprintf(fp, ", \"days\": %lld}", (long long)h->oldest_days);
	} else {
		fputs("null", fp);
	}
	fprintf(fp, ", \"over_sla\": %s,\n   \"last_apply\": ",
	    h->over_sla ? "true" : "false");
	if (h->has_apply) {
		fputs("{\"txid\": ", fp);
		/* the journal's ids are integers: a number when it is one */
		if (h->apply_txid && *h->apply_txid &&
		    strspn(h->apply_txid, "0123456789") ==
		    strlen(h->apply_txid) && strlen(h->apply_txid) < 19)
			fputs(h->apply_txid, fp);
		else
			jp_report_json_val(fp, h->apply_txid);
		fputs(", \"status\": ", fp);
		jp_report_json_val(fp, h->apply_status);
		fputs(", \"time\": ", fp);
		jp_report_json_val(fp, h->apply_time);
		fputs(", \"failed\": [", fp);
		for (i = 0; i < h->nfailed; i++) {
			fputs(i ? ", " : "", fp);
			jp_report_json_val(fp, h->failed[i]);
		}
		fputs("]}", fp);
	} else {
		fputs("null", fp);
	}
	fprintf(fp, ", \"apply_failed\": %s,\n   \"history\": ",
	    h->apply_failed ? "true" : "false");
	if (h->has_history) {
		fprintf(fp, "{\"transactions\": %zu, \"last_ok\": ",
		    h->history.transactions);
		if (h->history.last_ok) {
			jp_report_json_time(fp, h->history.last_ok);
			fprintf(fp, ", \"last_ok_txid\": %lld}",
			    (long long)h->history.last_ok_txid);
		} else {
			fputs("null, \"last_ok_txid\": null}", fp);
		}
	} else {
		fputs("null", fp);
	}
	putc('}', fp);
}

void
jp_report_write_json(const struct jp_report *rep, FILE *fp)
{
	size_t i;
	int s;

	fprintf(fp, "{\"format\": \"jprepo-report\", \"version\": %d, "
	    "\"generated\": ", JP_REPORT_VERSION);
	jp_report_json_time(fp, rep->now);
	fprintf(fp, ", \"sla_days\": %ld, \"stale_days\": %ld, \"plan\": %s,\n"
	    " \"fleet\": {\"hosts\": %zu, \"by_state\": {", rep->sla_days,
	    rep->stale_days, rep->have_plan ? "true" : "false", rep->n);
	for (s = 0; s < JP_REPORT_NSTATES; s++)
		fprintf(fp, "%s\"%s\": %zu", s ? ", " : "",
		    jp_report_states[s], rep->by_state[s]);
	fputs("},\n  \"advisories_by_severity\": ", fp);
	jp_report_json_sevs(fp, rep->adv_by_sev);
	fprintf(fp, ", \"over_sla\": %zu},\n \"hosts\": [", rep->over_sla);
	for (i = 0; i < rep->n; i++) {
		fputs(i ? ",\n" : "\n", fp);
		jp_report_json_host(fp, rep, &rep->hosts[i]);
	}
	fputs(rep->n ? "\n]}\n" : "]}\n", fp);
}

/* --- text --- */

/* s for a text cell: "-" for NULL or empty, control characters as '?'. */
static char *
jp_report_cell(const char *s)
{
	char *c, *p;

	c = jp_xstrdup(s && *s ? s : "-");
	for (p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

enum {
	T_HOST, T_STATE, T_OS, T_SCANNED, T_AGE, T_UPD, T_SEC, T_OLDEST,
	T_DAYS, T_APPLY, T_N
};

void
jp_report_write_text(const struct jp_report *rep, FILE *fp)
{
	static const char *const head[T_N] = {
		"HOST", "STATE", "OS", "SCANNED", "AGE", "UPDATES",
		"SEC C/I/M/L/O", "OLDEST-SECURITY", "DAYS", "LAST-APPLY",
	};
	char *(*cell)[T_N] = jp_xcalloc(rep->n ? rep->n : 1, sizeof(*cell));
	size_t width[T_N], i, k;
	char buf[32];
	int s;

	jp_report_iso(rep->now, buf, sizeof(buf));
	fprintf(fp, "jprepo report, %s: %zu host%s; SLA %ld days, stale "
	    "after %ld days\n", buf, rep->n, rep->n == 1 ? "" : "s",
	    rep->sla_days, rep->stale_days);
	fputs("hosts by state:", fp);
	for (s = 0; s < JP_REPORT_NSTATES; s++)
		fprintf(fp, "%s %s %zu", s ? "," : "", jp_report_states[s],
		    rep->by_state[s]);
	fputs("\nsecurity advisories needed:", fp);
	for (s = 0; s < JP_REPORT_NSEV; s++)
		fprintf(fp, "%s %s %zu", s ? "," : "", jp_report_sevs[s],
		    rep->adv_by_sev[s]);
	fprintf(fp, "\nhosts over the SLA: %zu\n\n", rep->over_sla);

	for (k = 0; k < T_N; k++)
		width[k] = strlen(head[k]);
	for (i = 0; i < rep->n; i++) {
		const struct jp_report_host *h = &rep->hosts[i];
		char *os = !h->os ? jp_xstrdup("-") : !h->os_version ?
		    jp_xstrdup(h->os) : jp_xasprintf("%s %s", h->os,
		    h->os_version);

		cell[i][T_HOST] = jp_report_cell(h->host);
		cell[i][T_STATE] = jp_xstrdup(jp_report_state_name(h->state));
		cell[i][T_OS] = jp_report_cell(os);
		free(os);
		jp_report_iso(h->scanned, buf, sizeof(buf));
		cell[i][T_SCANNED] = jp_xstrdup(buf);
		cell[i][T_AGE] = jp_xasprintf("%lldd%s",
		    (long long)h->age_days, h->stale ? " STALE" : "");
		cell[i][T_UPD] = h->planned ? jp_xasprintf("%zu", h->updates) :
		    jp_xstrdup("-");
		cell[i][T_SEC] = h->planned ? jp_xasprintf("%zu/%zu/%zu/%zu/%zu",
		    h->security[0], h->security[1], h->security[2],
		    h->security[3], h->security[4]) : jp_xstrdup("-");
		if (h->oldest_id) {
			char *o = jp_xasprintf("%s (%s)", h->oldest_id,
			    h->oldest_issued);

			cell[i][T_OLDEST] = jp_report_cell(o);
			free(o);
			cell[i][T_DAYS] = jp_xasprintf("%lld%s",
			    (long long)h->oldest_days,
			    h->over_sla ? " OVER-SLA" : "");
		} else {
			cell[i][T_OLDEST] = jp_xstrdup("-");
			cell[i][T_DAYS] = jp_xstrdup("-");
		}
		if (h->has_apply) {
			char *a = jp_xasprintf("%s %s %s%s",
			    h->apply_txid ? h->apply_txid : "-",
			    h->apply_status ? h->apply_status : "-",
			    h->apply_time ? h->apply_time : "-",
			    h->apply_failed ? " FAILED" : "");

			cell[i][T_APPLY] = jp_report_cell(a);
			free(a);
		} else {
			cell[i][T_APPLY] = jp_xstrdup("-");
		}
		for (k = 0; k < T_N; k++)
			if (strlen(cell[i][k]) > width[k])
				width[k] = strlen(cell[i][k]);
	}
	for (k = 0; k < T_N; k++)
		fprintf(fp, k + 1 < T_N ? "%-*s  " : "%-*s\n",
		    k + 1 < T_N ? (int)width[k] : 0, head[k]);
	for (i = 0; i < rep->n; i++) {
		for (k = 0; k < T_N; k++) {
			fprintf(fp, k + 1 < T_N ? "%-*s  " : "%-*s\n",
			    k + 1 < T_N ? (int)width[k] : 0, cell[i][k]);
			free(cell[i][k]);
		}
	}
	free(cell);
	for (i = 0; i < rep->n; i++) {
		const struct jp_report_host *h = &rep->hosts[i];

		if (!h->has_history)
			continue;
		if (i == 0 || !rep->hosts[i - 1].has_history)
			putc('\n', fp);
		fputs("history ", fp);
		{
			char *c = jp_report_cell(h->host);

			fputs(c, fp);
			free(c);
		}
		fprintf(fp, ": %zu transaction%s, last successful apply ",
		    h->history.transactions,
		    h->history.transactions == 1 ? "" : "s");
		if (h->history.last_ok) {
			jp_report_iso(h->history.last_ok, buf, sizeof(buf));
			fprintf(fp, "%s (transaction %lld)\n", buf,
			    (long long)h->history.last_ok_txid);
		} else {
			fputs("none\n", fp);
		}
	}
}

/* --- HTML --- */

/*
 * HTML text or attribute value (in double quotes): the five characters
 * of HTML's syntax as character references (HTML Living Standard,
 * 13.1.4 and 13.5 "Serializing HTML fragments"), control characters as
 * U+FFFD; and ':' as a reference too, so that no host name or id can put
 * a URL scheme into the page.
 */
void
jp_report_html_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	if (!s)
		return;
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		case ':':
			fputs("&#58;", fp);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fputs("&#xfffd;", fp);
			else
				putc(*p, fp);
		}
	}
}

static const char jp_report_css[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}\n"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}\n"
	".summary{display:flex;flex-wrap:wrap;gap:1em}\n"
	".tile{border:1px solid #ccc;border-radius:4px;padding:.5em 1em}\n"
	".tile b{display:block;font-size:1.6em}\n"
	".charts{display:flex;flex-wrap:wrap;gap:2em}\n"
	"svg text{font-size:12px;fill:#222}\n"
	".scroll{overflow-x:auto}\n"
	"table{border-collapse:collapse;margin-top:1em;font-size:.9em}\n"
	"th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;"
	"white-space:nowrap}\n"
	"th{background:#eee;cursor:pointer;user-select:none}\n"
	"th.asc::after{content:\" \\25b2\"}th.desc::after{content:\" \\25bc\"}\n"
	"td.num{text-align:right}\n"
	".st-patched{fill:#2e7d32;color:#2e7d32}\n"
	".st-updates{fill:#1565c0;color:#1565c0}\n"
	".st-security{fill:#e65100;color:#e65100}\n"
	".st-failed{fill:#b71c1c;color:#b71c1c}\n"
	".st-stale{fill:#757575;color:#757575}\n"
	".st-unplanned{fill:#6a1b9a;color:#6a1b9a}\n"
	".sev-Critical{fill:#b71c1c}.sev-Important{fill:#e65100}\n"
	".sev-Moderate{fill:#f9a825}.sev-Low{fill:#1565c0}"
	".sev-other{fill:#757575}\n"
	".over{color:#b71c1c;font-weight:bold}\n";

/*
 * The table sort: clicking a header sorts the rows by that column, by
 * the cells' data-sort values (numbers numerically), again in reverse.
 */
static const char jp_report_js[] =
	"\"use strict\";\n"
	"function jpSort(th) {\n"
	"  var table = th.closest(\"table\");\n"
	"  var body = table.tBodies[0];\n"
	"  var col = th.cellIndex;\n"
	"  var num = th.getAttribute(\"data-type\") === \"number\";\n"
	"  var desc = th.classList.contains(\"asc\");\n"
	"  var rows = Array.prototype.slice.call(body.rows);\n"
	"  rows.sort(function (a, b) {\n"
	"    var x = a.cells[col].getAttribute(\"data-sort\");\n"
	"    var y = b.cells[col].getAttribute(\"data-sort\");\n"
	"    var r = num ? Number(x) - Number(y) : (x < y ? -1 : x > y ? 1 : 0);\n"
	"    return desc ? -r : r;\n"
	"  });\n"
	"  rows.forEach(function (r) { body.appendChild(r); });\n"
	"  Array.prototype.forEach.call(table.tHead.rows[0].cells,\n"
	"    function (h) { h.classList.remove(\"asc\", \"desc\"); });\n"
	"  th.classList.add(desc ? \"desc\" : \"asc\");\n"
	"}\n"
	"Array.prototype.forEach.call(\n"
	"  document.querySelectorAll(\"#hosts thead th\"), function (th) {\n"
	"    th.addEventListener(\"click\", function () { jpSort(th); });\n"
	"  });\n"
	"document.body.setAttribute(\"data-sortable\", \"yes\");\n";

/* A horizontal bar chart: one bar per label. */
static void
jp_report_svg_bars(FILE *fp, const char *id, const char *title,
    const char *kind, const char *const *labels, const char *cls,
    const size_t *counts, size_t n)
{
	const int bar = 22, gap = 6, left = 90, width = 260, right = 40;
	size_t i, max = 0;
	int h = (int)n * (bar + gap) + gap;

	for (i = 0; i < n; i++)
		if (counts[i] > max)
			max = counts[i];
	fprintf(fp, "<figure><figcaption>%s</figcaption>\n"
	    "<svg id=\"%s\" role=\"img\" aria-label=\"%s\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\">\n", title, id, title,
	    left + width + right, h, left + width + right, h);
	for (i = 0; i < n; i++) {
		int y = gap + (int)i * (bar + gap);
		int w = max ? (int)((double)counts[i] * width / (double)max) : 0;

		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s"
		    "</text>", left - 6, y + bar - 6, labels[i]);
		fprintf(fp, "<rect class=\"%s%s\" data-%s=\"%s\" data-count=\"%zu\" "
		    "x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%s: "
		    "%zu</title></rect>", cls, labels[i], kind, labels[i],
		    counts[i], left, y, w, bar, labels[i], counts[i]);
		fprintf(fp, "<text x=\"%d\" y=\"%d\">%zu</text>\n",
		    left + w + 4, y + bar - 6, counts[i]);
	}
	fputs("</svg></figure>\n", fp);
}

/* A table cell with its sort key; text is escaped. */
static void
jp_report_td(FILE *fp, const char *field, const char *sort, const char *text,
    int num, const char *cls)
{
	fprintf(fp, "<td data-field=\"%s\" data-sort=\"", field);
	jp_report_html_str(fp, sort);
	fputs("\"", fp);
	if (num || cls)
		fprintf(fp, " class=\"%s%s%s\"", num ? "num" : "",
		    num && cls ? " " : "", cls ? cls : "");
	putc('>', fp);
	jp_report_html_str(fp, text);
	fputs("</td>", fp);
}

static void
jp_report_td_num(FILE *fp, const char *field, long long v, const char *text)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	jp_report_td(fp, field, num, text ? text : num, 1, NULL);
}

void
jp_report_write_html(const struct jp_report *rep, FILE *fp)
{
	static const struct {
		const char *name, *title, *type;
	} cols[] = {
		{ "host", "Host", "text" },
		{ "state", "State", "text" },
		{ "os", "OS", "text" },
		{ "scanned", "Scanned", "text" },
		{ "scan_age_days", "Scan age (days)", "number" },
		{ "updates", "Updates", "number" },
		{ "Critical", "Critical", "number" },
		{ "Important", "Important", "number" },
		{ "Moderate", "Moderate", "number" },
		{ "Low", "Low", "number" },
		{ "other", "Other", "number" },
		{ "oldest_security", "Oldest security advisory", "text" },
		{ "oldest_days", "Days out", "number" },
		{ "last_apply", "Last apply", "text" },
		{ "transactions", "Transactions", "number" },
		{ "last_ok", "Last successful apply", "text" },
	};
	char buf[32], sbuf[32];
	size_t i, k;
	int s;

	jp_report_iso(rep->now, buf, sizeof(buf));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>jprepo fleet report</title>\n<style>\n", fp);
	fputs(jp_report_css, fp);
	fputs("</style>\n</head>\n<body>\n", fp);
	fprintf(fp, "<h1>jprepo fleet report</h1>\n<p>Generated <time "
	    "id=\"generated\" data-value=\"%s\">%s</time>; SLA <span "
	    "id=\"sla-days\" data-value=\"%ld\">%ld</span> days, stale after "
	    "<span id=\"stale-days\" data-value=\"%ld\">%ld</span> days%s.</p>\n",
	    buf, buf, rep->sla_days, rep->sla_days, rep->stale_days,
	    rep->stale_days, rep->have_plan ? "" : "; no plan given");

	fputs("<div class=\"summary\">\n", fp);
	fprintf(fp, "<div class=\"tile\"><b id=\"fleet-hosts\" "
	    "data-value=\"%zu\">%zu</b>hosts</div>\n", rep->n, rep->n);
	for (s = 0; s < JP_REPORT_NSTATES; s++)
		fprintf(fp, "<div class=\"tile st-%s\"><b id=\"state-%s\" "
		    "data-value=\"%zu\">%zu</b>%s</div>\n", jp_report_states[s],
		    jp_report_states[s], rep->by_state[s], rep->by_state[s],
		    jp_report_states[s]);
	fprintf(fp, "<div class=\"tile\"><b id=\"fleet-over-sla\" "
	    "data-value=\"%zu\">%zu</b>hosts over the SLA</div>\n",
	    rep->over_sla, rep->over_sla);
	fputs("</div>\n<h2>Security advisories needed</h2>\n"
	    "<div class=\"summary\">\n", fp);
	for (s = 0; s < JP_REPORT_NSEV; s++)
		fprintf(fp, "<div class=\"tile\"><b id=\"sev-%s\" "
		    "data-value=\"%zu\">%zu</b>%s</div>\n", jp_report_sevs[s],
		    rep->adv_by_sev[s], rep->adv_by_sev[s], jp_report_sevs[s]);
	fputs("</div>\n<div class=\"charts\">\n", fp);
	jp_report_svg_bars(fp, "chart-states", "Hosts by state", "state",
	    jp_report_states, "st-", rep->by_state, JP_REPORT_NSTATES);
	jp_report_svg_bars(fp, "chart-severity",
	    "Needed security advisories by severity", "severity",
	    jp_report_sevs, "sev-", rep->adv_by_sev, JP_REPORT_NSEV);
	fputs("</div>\n<h2>Hosts</h2>\n<div class=\"scroll\">\n"
	    "<table id=\"hosts\">\n<thead><tr>", fp);
	for (k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
		fprintf(fp, "<th data-key=\"%s\" data-type=\"%s\">%s</th>",
		    cols[k].name, cols[k].type, cols[k].title);
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (i = 0; i < rep->n; i++) {
		const struct jp_report_host *h = &rep->hosts[i];
		char *t;

		fputs("<tr data-host=\"", fp);
		jp_report_html_str(fp, h->host);
		fprintf(fp, "\" data-state=\"%s\" data-stale=\"%d\" "
		    "data-over-sla=\"%d\" data-apply-failed=\"%d\" "
		    "data-planned=\"%d\" data-security-total=\"%zu\">",
		    jp_report_state_name(h->state), h->stale, h->over_sla,
		    h->apply_failed, h->planned, h->nsecurity);
		jp_report_td(fp, "host", h->host, h->host, 0, NULL);
		t = jp_xasprintf("st-%s", jp_report_state_name(h->state));
		jp_report_td(fp, "state", jp_report_state_name(h->state),
		    jp_report_state_name(h->state), 0, t);
		free(t);
		t = jp_xasprintf("%s %s", h->os ? h->os : "",
		    h->os_version ? h->os_version : "");
		jp_report_td(fp, "os", t, t, 0, NULL);
		free(t);
		jp_report_iso(h->scanned, sbuf, sizeof(sbuf));
		jp_report_td(fp, "scanned", sbuf, sbuf, 0, NULL);
		t = jp_xasprintf("%lld%s", (long long)h->age_days,
		    h->stale ? " (stale)" : "");
		jp_report_td_num(fp, "scan_age_days", h->age_days, t);
		free(t);
		if (h->planned) {
			jp_report_td_num(fp, "updates", (long long)h->updates,
			    NULL);
			for (s = 0; s < JP_REPORT_NSEV; s++)
				jp_report_td_num(fp, jp_report_sevs[s],
				    (long long)h->security[s], NULL);
		} else {
			/* not planned: sorted below every planned host */
			jp_report_td(fp, "updates", "-1", "-", 1, NULL);
			for (s = 0; s < JP_REPORT_NSEV; s++)
				jp_report_td(fp, jp_report_sevs[s], "-1", "-", 1,
				    NULL);
		}
		if (h->oldest_id) {
			t = jp_xasprintf("%s (%s)", h->oldest_id,
			    h->oldest_issued);
			jp_report_td(fp, "oldest_security", h->oldest_id, t, 0,
			    NULL);
			free(t);
			snprintf(sbuf, sizeof(sbuf), "%lld",
			    (long long)h->oldest_days);
			t = jp_xasprintf("%lld%s", (long long)h->oldest_days,
			    h->over_sla ? " (over SLA)" : "");
			jp_report_td(fp, "oldest_days", sbuf, t, 1,
			    h->over_sla ? "over" : NULL);
			free(t);
		} else {
			jp_report_td(fp, "oldest_security", "", "-", 0, NULL);
			jp_report_td(fp, "oldest_days", "-1", "-", 1, NULL);
		}
		if (h->has_apply) {
			t = jp_xasprintf("%s %s %s%s", h->apply_txid ?
			    h->apply_txid : "-", h->apply_status ?
			    h->apply_status : "-", h->apply_time ?
			    h->apply_time : "-", h->apply_failed ?
			    " (failed)" : "");
			jp_report_td(fp, "last_apply", h->apply_time ?
			    h->apply_time : "", t, 0,
			    h->apply_failed ? "over" : NULL);
			free(t);
		} else {
			jp_report_td(fp, "last_apply", "", "-", 0, NULL);
		}
		if (h->has_history) {
			jp_report_td_num(fp, "transactions",
			    (long long)h->history.transactions, NULL);
			if (h->history.last_ok)
				jp_report_iso(h->history.last_ok, sbuf,
				    sizeof(sbuf));
			jp_report_td(fp, "last_ok", h->history.last_ok ? sbuf : "",
			    h->history.last_ok ? sbuf : "none", 0, NULL);
		} else {
			/* no journal collected */
			jp_report_td(fp, "transactions", "-1", "-", 1, NULL);
			jp_report_td(fp, "last_ok", "", "-", 0, NULL);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n</div>\n<script>\n", fp);
	fputs(jp_report_js, fp);
	fputs("</script>\n</body>\n</html>\n", fp);
}
