/*
 * aptread-dump.c: print what jp_pool_add_apt() reads from an APT
 * repository, for tests/t5100-pool-apt.sh to compare with apt's view.
 *
 * usage: aptread-dump REPO [ARCH]
 *
 * One line per package, then one per dependency group, sorted by the
 * caller:
 *   P NAME ARCH VERSION
 *   D NAME:ARCH=VERSION Req: A (>= 1.0) | B
 *   D NAME:ARCH=VERSION Con: C (<< 2)
 *   V NAME:ARCH=VERSION epoch version release source location
 *   R NAME:ARCH=VERSION Prov: X (= 1.0)
 *   A ID TYPE SEVERITY PKG-NAME PKG-ARCH PKG-EVR ... CVE ...
 * The operators are printed as apt-cache prints them.  Exit status 0, or 1
 * with the library's message on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "ctx.h"
#include "pool.h"

static const char *
op_name(int flags)
{
	switch (flags) {
	case JP_PDEP_LT:
		return "<<";
	case JP_PDEP_LT | JP_PDEP_EQ:
		return "<=";
	case JP_PDEP_EQ:
		return "=";
	case JP_PDEP_GT | JP_PDEP_EQ:
		return ">=";
	case JP_PDEP_GT:
		return ">>";
	}
	return "?";
}

static void
print_groups(const struct jp_pool *p, const struct jp_ppkg *k,
    const char *label, uint32_t d0, uint32_t n)
{
	uint32_t d;
	int start = 1;

	for (d = d0; d < d0 + n; d++) {
		const struct jp_pdep *dp = &p->deps[d];

		if (start)
			printf("%c %s:%s=%s %s:", label[0] == 'P' ? 'R' : 'D',
			    jp_pool_s(p, k->name), jp_pool_s(p, k->arch),
			    jp_pool_s(p, k->evr), label);
		else
			printf(" |");
		printf(" %s", jp_pool_s(p, dp->name));
		if (dp->flags)
			printf(" (%s %s)", op_name(dp->flags), jp_pool_s(p, dp->evr));
		start = !dp->or_next;
		if (start)
			printf("\n");
	}
	if (!start)
		printf(" <unterminated group>\n");
}

int
main(int argc, char **argv)
{
	struct jp_ctx ctx;
	struct jp_pool p;
	size_t i, j;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: aptread-dump REPO [ARCH]\n");
		return 2;
	}
	jp_ctx_init(&ctx, "aptread-dump");
	jp_pool_init(&p, JP_POOL_DEB);
	if (jp_pool_add_apt(&ctx, &p, argv[1], argc > 2 ? argv[2] : NULL) < 0) {
		fprintf(stderr, "aptread-dump: %s\n", jp_error_msg(&ctx));
		jp_pool_release(&p);
		return 1;
	}
	for (i = 0; i < p.npkgs; i++) {
		const struct jp_ppkg *k = &p.pkgs[i];

		printf("P %s %s %s\n", jp_pool_s(&p, k->name),
		    jp_pool_s(&p, k->arch), jp_pool_s(&p, k->evr));
		printf("V %s:%s=%s %s %s %s %s %s %s\n", jp_pool_s(&p, k->name),
		    jp_pool_s(&p, k->arch), jp_pool_s(&p, k->evr),
		    jp_pool_s(&p, k->epoch), jp_pool_s(&p, k->version),
		    k->release ? jp_pool_s(&p, k->release) : "-",
		    jp_pool_s(&p, k->source), jp_pool_s(&p, k->location),
		    p.repos[k->repo].arch ? p.repos[k->repo].arch : "-");
		print_groups(&p, k, "Req", k->req0, k->nreq);
		print_groups(&p, k, "Con", k->con0, k->ncon);
		print_groups(&p, k, "Prov", k->prov0, k->nprov);
	}
	for (i = 0; i < p.nadvs; i++) {
		const struct jp_padv *a = &p.advs[i];

		printf("A %s %s %s", jp_pool_s(&p, a->id), jp_pool_s(&p, a->type),
		    a->severity ? jp_pool_s(&p, a->severity) : "-");
		for (j = a->pkg0; j < a->pkg0 + a->npkg; j++)
			printf(" %s %s %s", jp_pool_s(&p, p.adv_pkgs[j].name),
			    jp_pool_s(&p, p.adv_pkgs[j].arch),
			    jp_pool_s(&p, p.adv_pkgs[j].evr));
		for (j = a->cve0; j < a->cve0 + a->ncve; j++)
			printf(" %s", jp_pool_s(&p, p.strs_list[j]));
		printf(" title=%s\n", a->title ? jp_pool_s(&p, a->title) : "-");
	}
	jp_pool_release(&p);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
