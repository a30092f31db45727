/*
 * plan_test.c: unit tests of the pool and the planner on pools built by
 * hand, for the rules that tests/t5100-plan-dnf.sh cannot reach with dnf:
 * Debian alternatives and versioned provides, architectures, several
 * installed versions, install-only by provide, rich dependencies.
 * The version orders themselves are checked against rpm and dpkg in
 * version_test.c and t0010.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctx.h"
#include "plan.h"
#include "pool.h"

#define S(p, x) jp_pool_str((p), (x), (size_t)-1)

/* A package; deps as "name", "name >= evr" or "a|b" (alternatives). */
static void
add(struct jp_pool *p, const char *name, const char *arch, const char *evr,
    const char *const *req, const char *const *prov)
{
	struct jp_ppkg *k = jp_pool_add_pkg(p);
	size_t i = p->npkgs - 1;

	k->name = S(p, name);
	k->arch = S(p, arch);
	k->evr = S(p, evr);
	k->location = S(p, name);
	p->pkgs[i].prov0 = (uint32_t)p->ndeps;
	for (; prov && *prov; prov++) {
		char n[64], op[4], v[64];

		if (sscanf(*prov, "%63s %3s %63s", n, op, v) == 3)
			jp_pool_add_dep(p, S(p, n), JP_PDEP_EQ, S(p, v), 0);
		else
			jp_pool_add_dep(p, S(p, *prov), 0, 0, 0);
		p->pkgs[i].nprov++;
	}
	p->pkgs[i].req0 = (uint32_t)p->ndeps;
	for (; req && *req; req++) {
		char buf[128], *alt, *save = NULL;

		snprintf(buf, sizeof(buf), "%s", *req);
		for (alt = strtok_r(buf, "|", &save); alt;
		    alt = strtok_r(NULL, "|", &save)) {
			char n[64], op[4], v[64];
			int more = save != NULL && *save != '\0';

			if (sscanf(alt, "%63s %3s %63s", n, op, v) == 3)
				jp_pool_add_dep(p, S(p, n), strcmp(op, ">=") == 0 ?
				    JP_PDEP_GT | JP_PDEP_EQ : JP_PDEP_EQ, S(p, v),
				    more);
			else
				jp_pool_add_dep(p, S(p, alt), 0, 0, more);
			p->pkgs[i].nreq++;
		}
	}
}

static void
test_strings_and_versions(void **state)
{
	struct jp_pool p;
	jp_str a, b;

	(void)state;
	jp_pool_init(&p, JP_POOL_RPM);
	a = S(&p, "kernel");
	b = S(&p, "kernel");
	assert_int_equal(a, b);
	assert_int_not_equal(a, S(&p, "kernel-core"));
	assert_string_equal(jp_pool_s(&p, a), "kernel");
	assert_int_equal(jp_pool_lookup(&p, "nothere"), 0);
	assert_true(jp_pool_evrcmp(&p, "1:1.0-1", "2.0-1") > 0);
	assert_true(jp_pool_evr_match(&p, "1.0-3", JP_PDEP_EQ, "1.0"));
	assert_false(jp_pool_evr_match(&p, "1.0-3", JP_PDEP_GT, "1.0"));
	assert_true(jp_pool_evr_match(&p, "2.0-1", JP_PDEP_GT | JP_PDEP_EQ, "1.5"));
	jp_pool_release(&p);
	jp_pool_init(&p, JP_POOL_DEB);
	assert_true(jp_pool_evrcmp(&p, "1.0~rc1-1", "1.0-1") < 0);
	assert_true(jp_pool_evr_match(&p, "2:0.1", JP_PDEP_GT, "1:9"));
	jp_pool_release(&p);
}

static const struct jp_plan_update *
find_update(const struct jp_plan_host *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->nupdates; i++)
		if (strcmp(h->updates[i].name, name) == 0)
			return &h->updates[i];
	return NULL;
}

static void
test_deb_alternatives(void **state)
{
	static const char *const app2[] = { "mta | exim4 >= 4.9", "libx >= 2", NULL };
	static const char *const postfix_prov[] = { "mta", NULL };
	static const char *const exim_prov[] = { "mta", NULL };
	static const char *const libv[] = { "libx = 2.1", NULL };
	struct jp_plan_inst inst[] = {
		{ "app", "amd64", "1.0-1" },
	};
	struct jp_plan_opts o = { 0 };
	struct jp_plan_host h;
	struct jp_pool p;
	struct jp_ctx ctx;

	(void)state;
	jp_ctx_init(&ctx, "test");
	jp_pool_init(&p, JP_POOL_DEB);
	add(&p, "app", "amd64", "1.0-1", NULL, NULL);
	add(&p, "app", "amd64", "2.0-1", app2, NULL);
	add(&p, "exim4", "amd64", "4.9-1", NULL, exim_prov);
	add(&p, "postfix", "amd64", "3.7-1", NULL, postfix_prov);
	/* libx only as a virtual package with a versioned provide */
	add(&p, "libx-impl", "arm64", "2.1-1", NULL, libv);
	add(&p, "libx-impl", "amd64", "2.1-1", NULL, libv);
	jp_pool_index(&p);
	jp_plan_host(&ctx, &p, &o, "d1", "amd64", inst, 1, &h);
	assert_int_equal(h.nupdates, 1);
	assert_string_equal(jp_pool_s(&p, p.pkgs[h.updates[0].to].evr), "2.0-1");
	assert_int_equal(h.nunsat, 0);
	assert_int_equal(h.ninstalls, 2);
	/* "mta" is virtual: a provider is chosen; libx-impl of the host's arch */
	assert_string_equal(jp_pool_s(&p, p.pkgs[h.installs[1].pkg].name),
	    "libx-impl");
	assert_string_equal(jp_pool_s(&p, p.pkgs[h.installs[1].pkg].arch),
	    "amd64");
	jp_plan_host_release(&h);
	jp_pool_release(&p);
}

static void
test_deb_unversioned_provide(void **state)
{
	/* dpkg: an unversioned provide does not answer a versioned dep */
	static const char *const need[] = { "virt >= 1", NULL };
	static const char *const prov[] = { "virt", NULL };
	struct jp_plan_inst inst[] = { { "user", "amd64", "1" } };
	struct jp_plan_opts o = { 0 };
	struct jp_plan_host h;
	struct jp_pool p;
	struct jp_ctx ctx;

	(void)state;
	jp_ctx_init(&ctx, "test");
	jp_pool_init(&p, JP_POOL_DEB);
	add(&p, "user", "amd64", "2", need, NULL);
	add(&p, "impl", "all", "1", NULL, prov);
	jp_pool_index(&p);
	jp_plan_host(&ctx, &p, &o, "d2", "amd64", inst, 1, &h);
	assert_int_equal(h.nupdates, 1);
	assert_int_equal(h.ninstalls, 0);
	assert_int_equal(h.nunsat, 1);
	assert_string_equal(h.unsat[0].requires, "virt (>= 1)");
	assert_string_equal(h.unsat[0].package, "user_2_amd64");
	jp_plan_host_release(&h);
	jp_pool_release(&p);
}

static void
test_rpm_arches_and_versions(void **state)
{
	static const char *const io[] = { "installonlypkg(kernel)", NULL };
	static const char *const rich[] = { "(a or b)", NULL };
	struct jp_plan_inst inst[] = {
		{ "lib", "x86_64", "1.0-1" },
		{ "lib", "i686", "1.0-1" },
		{ "kernel-core", "x86_64", "5.1-1" },
		{ "kernel-core", "x86_64", "5.0-1" },
		{ "tool", "x86_64", "1-1" },
	};
	struct jp_plan_opts o = { 0 };
	struct jp_plan_host h;
	struct jp_pool p;
	struct jp_ctx ctx;
	const struct jp_plan_update *u;

	(void)state;
	jp_ctx_init(&ctx, "test");
	jp_pool_init(&p, JP_POOL_RPM);
	add(&p, "lib", "x86_64", "2.0-1", NULL, NULL);
	add(&p, "lib", "i686", "2.0-1", NULL, NULL);
	add(&p, "lib", "aarch64", "3.0-1", NULL, NULL);
	add(&p, "kernel-core", "x86_64", "5.0-1", NULL, io);
	add(&p, "kernel-core", "x86_64", "5.2-1", NULL, io);
	add(&p, "tool", "x86_64", "2-1", rich, NULL);
	jp_pool_index(&p);
	jp_plan_host(&ctx, &p, &o, "r1", "x86_64", inst, 5, &h);
	/* both lib arches, never the aarch64 one; one kernel update beside */
	assert_int_equal(h.nupdates, 4);
	assert_non_null(u = find_update(&h, "kernel-core"));
	assert_true(u->installonly);
	assert_string_equal(u->from, "5.1-1");
	assert_string_equal(jp_pool_s(&p, p.pkgs[u->to].evr), "5.2-1");
	assert_int_equal(h.nunsat, 0);      /* rich deps are not judged */
	assert_true(jp_plan_installonly(&p, 3));
	assert_false(jp_plan_installonly(&p, 0));
	jp_plan_host_release(&h);
	jp_pool_release(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_and_versions),
		cmocka_unit_test(test_deb_alternatives),
		cmocka_unit_test(test_deb_unversioned_provide),
		cmocka_unit_test(test_rpm_arches_and_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
