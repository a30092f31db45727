/*
 * cmd_plan.c: `jprepo plan`, the needed-patch set of each scanned host
 * against the repositories' metadata: text per host and a fleet summary,
 * or jprepo-plan(5) JSON.
 *
 * Scans are read and planned one at a time, so that a fleet of thousands
 * of hosts needs the memory of one scan plus the repositories.
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "fsutil.h"
#include "plan.h"
#include "pool.h"
#include "request.h"
#include "scan.h"

static const char plan_usage[] =
	"usage: jprepo plan --repo REPO... [--security] [--min-severity S]\n"
	"                   [--advisory ID]... [-o PLAN] [--json]\n"
	"                   [--request-out FILE] SCAN|DIR...\n";

static void
plan_help(void)
{
	fputs(plan_usage, stdout);
	fputs("\nFor each scan file (jprepo-scan(5); a directory stands for the\n"
	    "*.scan files in it), compute from the repositories'\n"
	    "metadata (never the packages) what the host needs: the updates and\n"
	    "the advisories they fix, the new packages the updates require, and\n"
	    "the requirements nothing provides.  Each scan is matched with the\n"
	    "repositories of its package format and architecture.\n\n"
	    "Options:\n"
	    "      --repo REPO         a repository (RPM-MD or APT); repeat for more\n"
	    "      --security          only updates that fix security advisories\n"
	    "      --min-severity S    only advisories of severity S or above (Low,\n"
	    "                          Moderate, Important, Critical)\n"
	    "      --advisory ID       only updates fixing this advisory; repeat\n"
	    "  -o, --output PLAN       write the plan (jprepo-plan(5), JSON) to PLAN\n"
	    "      --json              print the plan as JSON on stdout\n"
	    "      --request-out FILE  write what the fleet runs and lacks, for\n"
	    "                          jprepo export --request (jprepo-request(5))\n"
	    "  -q, --quiet             print errors only\n"
	    "  -v, --verbose           say more\n"
	    "  -h, --help              show this help\n\n"
	    "Exit status: 0 every host planned, 1 some scans could not be read\n"
	    "(named on stderr; the others are planned), 2 usage error, 3 failure.\n",
	    stdout);
}

struct fleet {
	size_t hosts, updates, security, installs, unsat, needed;
};

#define PLAN_HEAD "{\"format\": \"jprepo-plan\", \"version\": 1, \"hosts\": ["

static void
plan_tail(FILE *fp, const struct fleet *fl, int first)
{
	fprintf(fp, "%s], \"summary\": {\"hosts\": %zu, \"updates\": %zu, "
	    "\"security_updates\": %zu, \"installs\": %zu, \"unsatisfied\": "
	    "%zu, \"advisories_needed\": %zu}}\n", first ? "" : "\n",
	    fl->hosts, fl->updates, fl->security, fl->installs, fl->unsat,
	    fl->needed);
}

static const char *
adv_field(const struct jp_pool *p, jp_str s)
{
	return s ? jp_pool_s(p, s) : "";
}

static int
adv_is_security(const struct jp_pool *p, uint32_t a)
{
	return p->advs[a].type &&
	    strcmp(jp_pool_s(p, p->advs[a].type), "security") == 0;
}

/* Where a package is: its path in its repository, and the repository. */
static void
json_where(FILE *fp, const struct jp_pool *pool, const struct jp_ppkg *k)
{
	fputs(", \"location\": ", fp);
	jp_cmd_json_str(fp, jp_pool_s(pool, k->location));
	fputs(", \"repo\": ", fp);
	jp_cmd_json_str(fp, pool->repos[k->repo].path);
}

static void
json_host(FILE *fp, const struct jp_pool *pool, const struct jp_scan *sc,
    const struct jp_plan_host *h)
{
	char digest[65];
	size_t i, j;

	fputs("{\"host\": ", fp);
	jp_cmd_json_str(fp, h->host);
	fputs(", \"os\": ", fp);
	jp_cmd_json_str(fp, sc->os_id ? sc->os_id : "");
	fputs(", \"os_version\": ", fp);
	jp_cmd_json_str(fp, sc->os_version ? sc->os_version : "");
	fputs(", \"arch\": ", fp);
	jp_cmd_json_str(fp, sc->arch ? sc->arch : "");
	jp_scan_state_digest(sc, digest);
	fprintf(fp, ", \"format\": \"%s\", \"manager\": \"%s\",\n   "
	    "\"scanned\": %lld, \"state_sha256\": \"%s\",\n   \"updates\": [",
	    jp_scan_format_name(sc->format), jp_scan_manager_name(sc->manager),
	    (long long)sc->scanned, digest);
	for (i = 0; i < h->nupdates; i++) {
		const struct jp_plan_update *u = &h->updates[i];
		const struct jp_ppkg *k = &pool->pkgs[u->to];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", fp);
		jp_cmd_json_str(fp, u->obsoletes ? jp_pool_s(pool, k->name) : u->name);
		fputs(", \"arch\": ", fp);
		jp_cmd_json_str(fp, u->obsoletes ? jp_pool_s(pool, k->arch) : u->arch);
		fputs(", \"from\": ", fp);
		jp_cmd_json_str(fp, u->from);
		fputs(", \"to\": ", fp);
		jp_cmd_json_str(fp, jp_pool_s(pool, k->evr));
		fputs(", \"to_arch\": ", fp);
		jp_cmd_json_str(fp, jp_pool_s(pool, k->arch));
		json_where(fp, pool, k);
		fprintf(fp, ", \"installonly\": %s", u->installonly ? "true" : "false");
		if (u->obsoletes) {
			fputs(", \"obsoletes\": ", fp);
			jp_cmd_json_str(fp, u->name);
		}
		fputs(", \"advisories\": [", fp);
		for (j = 0; j < u->nadvs; j++) {
			const struct jp_padv *a = &pool->advs[u->advs[j]];
			uint32_t c;

			fputs(j ? ", {\"id\": " : "{\"id\": ", fp);
			jp_cmd_json_str(fp, adv_field(pool, a->id));
			fputs(", \"type\": ", fp);
			jp_cmd_json_str(fp, adv_field(pool, a->type));
			fputs(", \"severity\": ", fp);
			jp_cmd_json_str(fp, adv_field(pool, a->severity));
			fputs(", \"issued\": ", fp);
			jp_cmd_json_str(fp, adv_field(pool, a->issued));
			fputs(", \"cves\": [", fp);
			for (c = 0; c < a->ncve; c++) {
				if (c)
					fputs(", ", fp);
				jp_cmd_json_str(fp, jp_pool_s(pool,
				    pool->strs_list[a->cve0 + c]));
			}
			fputs("]}", fp);
		}
		fputs("]}", fp);
	}
	fputs(h->nupdates ? "\n   ],\n   \"installs\": [" : "],\n   \"installs\": [",
	    fp);
	for (i = 0; i < h->ninstalls; i++) {
		const struct jp_ppkg *k = &pool->pkgs[h->installs[i].pkg];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", fp);
		jp_cmd_json_str(fp, jp_pool_s(pool, k->name));
		fputs(", \"arch\": ", fp);
		jp_cmd_json_str(fp, jp_pool_s(pool, k->arch));
		fputs(", \"to\": ", fp);
		jp_cmd_json_str(fp, jp_pool_s(pool, k->evr));
		json_where(fp, pool, k);
		fputs(", \"required_by\": ", fp);
		jp_cmd_json_str(fp, h->installs[i].required_by);
		fputs("}", fp);
	}
	fputs(h->ninstalls ? "\n   ],\n   \"unsatisfied\": [" :
	    "],\n   \"unsatisfied\": [", fp);
	for (i = 0; i < h->nunsat; i++) {
		fputs(i ? ", {\"package\": " : "{\"package\": ", fp);
		jp_cmd_json_str(fp, h->unsat[i].package);
		fputs(", \"requires\": ", fp);
		jp_cmd_json_str(fp, h->unsat[i].requires);
		fputs("}", fp);
	}
	fputs("],\n   \"advisories\": {\"needed\": [", fp);
	for (i = 0; i < h->nneeded; i++) {
		if (i)
			fputs(", ", fp);
		jp_cmd_json_str(fp, adv_field(pool, pool->advs[h->needed[i]].id));
	}
	fputs("], \"patched\": [", fp);
	for (i = 0; i < h->npatched; i++) {
		if (i)
			fputs(", ", fp);
		jp_cmd_json_str(fp, adv_field(pool, pool->advs[h->patched[i]].id));
	}
	fputs("]}}", fp);
}

static void
text_host(FILE *fp, const struct jp_pool *pool, const struct jp_scan *sc,
    const struct jp_plan_host *h)
{
	size_t i, j, sec = 0;

	for (i = 0; i < h->nupdates; i++) {
		for (j = 0; j < h->updates[i].nadvs; j++) {
			if (adv_is_security(pool, h->updates[i].advs[j])) {
				sec++;
				break;
			}
		}
	}
	fprintf(fp, "%s (%s %s, %s, %s): %zu update%s (%zu security), %zu new "
	    "package%s, %zu unsatisfied, %zu advisories needed\n", h->host,
	    sc->os_id ? sc->os_id : "-", sc->os_version ? sc->os_version : "-",
	    sc->arch ? sc->arch : "-", jp_scan_manager_name(sc->manager),
	    h->nupdates, h->nupdates == 1 ? "" : "s", sec, h->ninstalls,
	    h->ninstalls == 1 ? "" : "s", h->nunsat, h->nneeded);
	for (i = 0; i < h->nupdates; i++) {
		const struct jp_plan_update *u = &h->updates[i];
		const struct jp_ppkg *k = &pool->pkgs[u->to];

		fprintf(fp, "  %-9s %s.%s %s -> %s%s%s%s", u->installonly ?
		    "install" : "update", u->name, u->arch, u->from,
		    u->obsoletes ? jp_pool_s(pool, k->name) : "",
		    u->obsoletes ? " " : "", jp_pool_s(pool, k->evr),
		    u->installonly ? " (beside)" : "");
		for (j = 0; j < u->nadvs; j++) {
			const struct jp_padv *a = &pool->advs[u->advs[j]];

			fprintf(fp, "%s%s", j ? ", " : "  ", adv_field(pool, a->id));
			if (a->severity)
				fprintf(fp, " (%s)", jp_pool_s(pool, a->severity));
		}
		fputc('\n', fp);
	}
	for (i = 0; i < h->ninstalls; i++) {
		const struct jp_ppkg *k = &pool->pkgs[h->installs[i].pkg];

		fprintf(fp, "  new       %s.%s %s (required by %s)\n",
		    jp_pool_s(pool, k->name), jp_pool_s(pool, k->arch),
		    jp_pool_s(pool, k->evr), h->installs[i].required_by);
	}
	for (i = 0; i < h->nunsat; i++)
		fprintf(fp, "  missing   %s requires %s: no repository provides "
		    "it\n", h->unsat[i].package, h->unsat[i].requires);
}

/* The installed packages of a scan, in plan's form. */
static struct jp_plan_inst *
scan_inst(const struct jp_scan *sc, size_t *n, char ***evrs)
{
	struct jp_plan_inst *v = jp_xcalloc(sc->npkgs + 1, sizeof(*v));
	char **e = jp_xcalloc(sc->npkgs + 1, sizeof(*e));
	size_t i, k = 0;

	for (i = 0; i < sc->npkgs; i++) {
		const struct jp_scan_pkg *p = &sc->pkgs[i];

		if (!jp_scan_pkg_live(sc, p))
			continue;       /* nothing to compare with */
		e[k] = jp_scan_pkg_evr(sc, p);
		v[k].name = p->name;
		v[k].arch = p->arch;
		v[k].evr = e[k];
		k++;
	}
	*n = k;
	*evrs = e;
	return v;
}

struct pathlist {
	char **v;
	size_t n;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The scan files named by args: files as given, a directory as the
 * *.scan files directly in it, sorted by name (fleets larger than what
 * a command line holds).
 */
static int
expand_scans(struct jp_ctx *ctx, char *const *args, size_t n,
    struct pathlist *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;
		size_t first = out->n;

		if (stat(args[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			out->v = jp_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			out->v[out->n++] = jp_xstrdup(args[i]);
			continue;
		}
		if ((d = opendir(args[i])) == NULL)
			return jp_error_errno(ctx, errno, "cannot read directory "
			    "'%s'", args[i]);
		while ((de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);

			if (len <= 5 || de->d_name[0] == '.' ||
			    strcmp(de->d_name + len - 5, ".scan") != 0)
				continue;
			out->v = jp_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
			out->v[out->n++] = jp_path_join(args[i], de->d_name);
		}
		closedir(d);
		if (out->n - first > 1)
			qsort(out->v + first, out->n - first, sizeof(*out->v),
			    cmp_str);
		if (out->n == first)
			jp_warn(ctx, "directory '%s' holds no *.scan file", args[i]);
	}
	return 0;
}

/* One host's outcome, rendered by a worker, written by the main thread. */
struct result {
	int done;
	char *err, *warn;
	char *text, *json;
	size_t tlen, jlen;
	struct fleet fl;
};

struct runner {
	struct jp_ctx *ctx;
	const char *const *paths;
	size_t n, next, written, window;
	struct jp_pool *rpm, *deb;
	int have_rpm, have_deb;
	const struct jp_plan_opts *po;
	int want_text, want_json;
	struct result *res;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct jp_request *reqs;   /* one per worker: --request-out */
};

struct worker_arg {
	struct runner *rn;
	size_t t;
};

static void
plan_one(struct runner *rn, struct jp_ctx *ctx, size_t i, struct result *r,
    struct jp_request *req)
{
	struct jp_scan sc;
	struct jp_plan_host h;
	struct jp_plan_inst *inst;
	struct jp_pool *p;
	char **evrs;
	size_t n, k;
	FILE *fp;

	jp_scan_init(&sc);
	if (jp_scan_read(ctx, rn->paths[i], &sc) < 0) {
		r->err = jp_xstrdup(jp_error_msg(ctx));
		jp_scan_release(&sc);
		return;
	}
	p = sc.format == JP_SCAN_DEB ? rn->deb : rn->rpm;
	if (sc.format == JP_SCAN_DEB ? !rn->have_deb : !rn->have_rpm)
		r->warn = jp_xasprintf("%s: host '%s' uses %s packages and no "
		    "such repository was given: nothing to plan", rn->paths[i],
		    sc.host ? sc.host : "-", jp_scan_format_name(sc.format));
	inst = scan_inst(&sc, &n, &evrs);
	jp_plan_host(ctx, p, rn->po, sc.host ? sc.host : rn->paths[i],
	    sc.arch ? sc.arch : "", inst, n, &h);
	if (rn->want_text && (fp = open_memstream(&r->text, &r->tlen)) != NULL) {
		text_host(fp, p, &sc, &h);
		fclose(fp);
	}
	if (rn->want_json && (fp = open_memstream(&r->json, &r->jlen)) != NULL) {
		json_host(fp, p, &sc, &h);
		fclose(fp);
	}
	if (req) {
		char **needs = jp_xcalloc(h.nunsat + 1, sizeof(*needs));

		for (k = 0; k < h.nunsat; k++)
			needs[k] = h.unsat[k].requires;
		jp_request_add_host(req, p->format, sc.os_id, sc.os_version,
		    sc.arch, inst, n, needs, h.nunsat);
		free(needs);
	}
	r->fl.updates = h.nupdates;
	r->fl.installs = h.ninstalls;
	r->fl.unsat = h.nunsat;
	r->fl.needed = h.nneeded;
	for (k = 0; k < h.nupdates; k++) {
		size_t j;

		for (j = 0; j < h.updates[k].nadvs; j++) {
			if (adv_is_security(p, h.updates[k].advs[j])) {
				r->fl.security++;
				break;
			}
		}
	}
	jp_plan_host_release(&h);
	for (k = 0; k < n; k++)
		free(evrs[k]);
	free(evrs);
	free(inst);
	jp_scan_release(&sc);
}

/*
 * A worker takes the next scan, at most `window` ahead of what the main
 * thread has written, so that memory stays bounded however many hosts.
 * Each has its own context (its error slot); diagnostics go through the
 * results, in order.
 */
static void *
plan_worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct runner *rn = wa->rn;
	struct jp_ctx ctx = *rn->ctx;

	for (;;) {
		size_t i;
		struct result r;

		pthread_mutex_lock(&rn->mu);
		while (rn->next < rn->n && rn->next >= rn->written + rn->window)
			pthread_cond_wait(&rn->cv, &rn->mu);
		if (rn->next >= rn->n) {
			pthread_mutex_unlock(&rn->mu);
			return NULL;
		}
		i = rn->next++;
		pthread_mutex_unlock(&rn->mu);
		memset(&r, 0, sizeof(r));
		jp_error_clear(&ctx);
		plan_one(rn, &ctx, i, &r, rn->reqs ? &rn->reqs[wa->t] : NULL);
		pthread_mutex_lock(&rn->mu);
		rn->res[i] = r;
		rn->res[i].done = 1;
		pthread_cond_broadcast(&rn->cv);
		pthread_mutex_unlock(&rn->mu);
	}
}

int
cmd_plan(int argc, char **argv, struct jp_ctx *ctx)
{
	enum { OPT_REPO = 256, OPT_SECURITY, OPT_MINSEV, OPT_ADVISORY, OPT_JSON,
	    OPT_REQUEST };
	static const struct option longopts[] = {
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "security", no_argument, NULL, OPT_SECURITY },
		{ "min-severity", required_argument, NULL, OPT_MINSEV },
		{ "advisory", required_argument, NULL, OPT_ADVISORY },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "request-out", required_argument, NULL, OPT_REQUEST },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const severities[] = { "low", "moderate",
	    "important", "critical", NULL };
	struct jp_plan_opts po;
	struct jp_pool rpm, deb;
	const char **repos = NULL, **advs = NULL;
	size_t nrepos = 0, nadvs = 0, i;
	const char *out_path = NULL, *req_path = NULL;
	char *tmp = NULL;
	int c, json = 0, rc = JP_EXIT_FAILURE, bad = 0, have_rpm = 0, have_deb = 0;
	int first = 1;
	FILE *jf = NULL;
	struct fleet fl;
	struct pathlist scans = { NULL, 0 };

	memset(&po, 0, sizeof(po));
	memset(&fl, 0, sizeof(fl));
	while ((c = getopt_long(argc, argv, "ho:qv", longopts, NULL)) != -1) {
		if (jp_cmd_common_opt(ctx, c))
			continue;
		switch (c) {
		case 'h':
			plan_help();
			free(repos);
			free(advs);
			return JP_EXIT_OK;
		case OPT_REPO:
			repos = jp_xrealloc(repos, (nrepos + 1) * sizeof(*repos));
			repos[nrepos++] = optarg;
			break;
		case OPT_SECURITY:
			po.security = 1;
			break;
		case OPT_MINSEV:
			for (i = 0; severities[i]; i++)
				if (strcasecmp(optarg, severities[i]) == 0)
					break;
			if (!severities[i]) {
				jp_err(ctx, "--min-severity takes Low, Moderate, "
				    "Important or Critical, not '%s'", optarg);
				free(repos);
				free(advs);
				return JP_EXIT_USAGE;
			}
			po.min_severity = optarg;
			break;
		case OPT_ADVISORY:
			advs = jp_xrealloc(advs, (nadvs + 1) * sizeof(*advs));
			advs[nadvs++] = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_REQUEST:
			req_path = optarg;
			break;
		default:
			free(repos);
			free(advs);
			return jp_cmd_usage_error(ctx, plan_usage);
		}
	}
	if (nrepos == 0 || optind >= argc) {
		jp_err(ctx, "%s", nrepos == 0 ? "no repository (--repo REPO)" :
		    "no scan file given");
		free(repos);
		free(advs);
		return jp_cmd_usage_error(ctx, plan_usage);
	}
	po.advisories = advs;
	po.nadvisories = nadvs;

	jp_pool_init(&rpm, JP_POOL_RPM);
	jp_pool_init(&deb, JP_POOL_DEB);
	for (i = 0; i < nrepos; i++) {
		int f = jp_pool_repo_format(repos[i]);
		struct jp_pool *p = f == JP_POOL_DEB ? &deb : &rpm;

		if (f == 0) {
			jp_err(ctx, "'%s' is not a repository (no repodata/repomd.xml "
			    "and no dists/)", repos[i]);
			goto out;
		}
		if (jp_pool_add_repo(ctx, p, repos[i], NULL) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
		if (f == JP_POOL_DEB)
			have_deb = 1;
		else
			have_rpm = 1;
	}
	if (jp_pool_complete(ctx, &rpm) < 0) {
		jp_err(ctx, "%s", jp_error_msg(ctx));
		goto out;
	}
	jp_pool_index(&rpm);
	jp_pool_index(&deb);
	jp_verbose(ctx, "repositories: %zu rpm packages, %zu deb packages, %zu "
	    "advisories", rpm.npkgs, deb.npkgs, rpm.nadvs + deb.nadvs);

	if (out_path) {
		/* new, never through a planted link, 0644 under the umask */
		int fd = jp_file_create_tmp(ctx, out_path, &tmp);

		if (fd < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
		if ((jf = fdopen(fd, "w")) == NULL) {
			jp_err(ctx, "cannot write '%s': %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			goto out;
		}
	} else if (json) {
		jf = stdout;
	}
	if (jf)
		fputs(PLAN_HEAD, jf);
	if (json && jf != stdout)
		fputs(PLAN_HEAD, stdout);

	/* Hosts in parallel; their results written in the order given. */
	{
		struct runner rn;
		size_t nt = (size_t)jp_ncpus(), t, total;
		pthread_t *th;
		struct worker_arg *was;

		/* a directory stands for its *.scan files, in name order */
		if (expand_scans(ctx, argv + optind, (size_t)(argc - optind),
		    &scans) < 0) {
			jp_err(ctx, "%s", jp_error_msg(ctx));
			goto out;
		}
		total = scans.n;

		memset(&rn, 0, sizeof(rn));
		rn.ctx = ctx;
		rn.paths = (const char *const *)scans.v;
		rn.n = total;
		rn.rpm = &rpm;
		rn.deb = &deb;
		rn.have_rpm = have_rpm;
		rn.have_deb = have_deb;
		rn.po = &po;
		rn.want_text = !json;
		rn.want_json = jf != NULL || json;
		rn.window = 8 * nt + 8;
		rn.res = jp_xcalloc(total + 1, sizeof(*rn.res));
		pthread_mutex_init(&rn.mu, NULL);
		pthread_cond_init(&rn.cv, NULL);
		if (nt > total)
			nt = total ? total : 1;
		th = jp_xcalloc(nt, sizeof(*th));
		was = jp_xcalloc(nt, sizeof(*was));
		if (req_path) {
			rn.reqs = jp_xcalloc(nt, sizeof(*rn.reqs));
			for (t = 0; t < nt; t++)
				jp_request_init(&rn.reqs[t]);
		}
		for (t = 0; t < nt; t++) {
			was[t].rn = &rn;
			was[t].t = t;
			pthread_create(&th[t], NULL, plan_worker, &was[t]);
		}
		for (i = 0; i < total; i++) {
			struct result *r;

			pthread_mutex_lock(&rn.mu);
			while (!rn.res[i].done)
				pthread_cond_wait(&rn.cv, &rn.mu);
			pthread_mutex_unlock(&rn.mu);
			r = &rn.res[i];
			if (r->err) {
				jp_err(ctx, "%s", r->err);
				bad++;
			} else {
				if (r->warn)
					jp_warn(ctx, "%s", r->warn);
				if (r->text)
					fwrite(r->text, 1, r->tlen, stdout);
				if (jf) {
					fputs(first ? "\n  " : ",\n  ", jf);
					fwrite(r->json, 1, r->jlen, jf);
				}
				if (json && jf != stdout) {
					fputs(first ? "\n  " : ",\n  ", stdout);
					fwrite(r->json, 1, r->jlen, stdout);
				}
				first = 0;
				fl.hosts++;
				fl.updates += r->fl.updates;
				fl.security += r->fl.security;
				fl.installs += r->fl.installs;
				fl.unsat += r->fl.unsat;
				fl.needed += r->fl.needed;
			}
			free(r->err);
			free(r->warn);
			free(r->text);
			free(r->json);
			pthread_mutex_lock(&rn.mu);
			rn.written = i + 1;
			pthread_cond_broadcast(&rn.cv);
			pthread_mutex_unlock(&rn.mu);
		}
		for (t = 0; t < nt; t++)
			pthread_join(th[t], NULL);
		free(th);
		free(was);
		if (rn.reqs) {
			struct jp_request all;

			jp_request_init(&all);
			for (t = 0; t < nt; t++) {
				jp_request_merge(&all, &rn.reqs[t]);
				jp_request_release(&rn.reqs[t]);
			}
			free(rn.reqs);
			if (jp_request_write(ctx, &all, req_path) < 0) {
				jp_err(ctx, "%s", jp_error_msg(ctx));
				jp_request_release(&all);
				free(rn.res);
				goto out;
			}
			jp_request_release(&all);
		}
		free(rn.res);
		pthread_mutex_destroy(&rn.mu);
		pthread_cond_destroy(&rn.cv);
	}
	if (json && jf != stdout)
		plan_tail(stdout, &fl, first);
	if (jf) {
		plan_tail(jf, &fl, first);
		if (jf != stdout) {
			if (fflush(jf) != 0 || fsync(fileno(jf)) != 0 ||
			    fclose(jf) != 0) {
				jp_err(ctx, "cannot write '%s': %s", tmp,
				    strerror(errno));
				jf = NULL;
				unlink(tmp);
				goto out;
			}
			jf = NULL;
			if (rename(tmp, out_path) < 0) {
				jp_err(ctx, "cannot rename '%s': %s", tmp,
				    strerror(errno));
				unlink(tmp);
				goto out;
			}
		}
	}
	if (!json)
		printf("fleet: %zu host%s, %zu updates (%zu security), %zu new "
		    "packages, %zu unsatisfied requirements, %zu advisories "
		    "needed\n", fl.hosts, fl.hosts == 1 ? "" : "s", fl.updates,
		    fl.security, fl.installs, fl.unsat, fl.needed);
	rc = bad ? JP_EXIT_PARTIAL : JP_EXIT_OK;
out:
	if (jf && jf != stdout) {
		fclose(jf);
		unlink(tmp);
	}
	free(tmp);
	for (i = 0; i < scans.n; i++)
		free(scans.v[i]);
	free(scans.v);
	jp_pool_release(&rpm);
	jp_pool_release(&deb);
	free(repos);
	free(advs);
	return rc;
}
