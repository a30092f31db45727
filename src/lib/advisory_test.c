/*
 * advisory_test.c: reading, merging and writing updateinfo.xml.
 *
 * The samples live in tests/data/advisory/.  Expected values come from
 * reading those samples by hand; the written XML is checked with libxml2's
 * own parser and with xmllint, and tests/t0300-advisory-dnf.sh hands it to
 * modifyrepo_c, libsolv and dnf.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "advisory.h"
#include "ctx.h"
#include "fsutil.h"
#include "pkg.h"
#include "testutil.h"

struct fx {
	struct jp_ctx ctx;
	struct jp_advset set;
	char tmp[64];         /* scratch directory */
	char *data;           /* tests/data/advisory in the source tree */
	int saved_stderr;
	char *captured;       /* stderr of the last capture */
};

/* The source tree: $JP_SRCDIR (make check), else from this file's path. */
static char *
data_dir(void)
{
	const char *src = getenv("JP_SRCDIR");
	const char *file = __FILE__;
	const char *tail = "src/lib/advisory_test.c";
	size_t fl = strlen(file), tl = strlen(tail);

	if (src && *src)
		return jp_path_join(src, "tests/data/advisory");
	if (fl >= tl && !strcmp(file + fl - tl, tail))
		return jp_xasprintf("%.*stests/data/advisory", (int)(fl - tl),
		    file);
	return jp_xstrdup("tests/data/advisory");
}

static int
setup(void **state)
{
	struct fx *f = jp_xcalloc(1, sizeof(*f));

	jp_ctx_init(&f->ctx, "advisory_test");
	f->ctx.stderr_tty = 0;
	if (tu_tmpdir(f->tmp, sizeof(f->tmp), "adv") < 0)
		fail_msg("mkdtemp: %s", strerror(errno));
	f->data = data_dir();
	f->saved_stderr = -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	jp_advset_release(&f->set);
	tu_tmpdir_remove(&f->ctx, f->tmp);
	free(f->data);
	free(f->captured);
	free(f);
	return 0;
}

static char *
sample(struct fx *f, const char *name)
{
	return jp_path_join(f->data, name);
}

static char *
scratch(struct fx *f, const char *name)
{
	return jp_path_join(f->tmp, name);
}

/* Diagnostics go to stderr; route it to a file to look at the warnings. */
static void
capture_start(struct fx *f)
{
	char *p = scratch(f, "stderr.txt");
	int fd;

	fflush(stderr);
	f->saved_stderr = dup(STDERR_FILENO);
	assert_true(f->saved_stderr >= 0);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	free(p);
}

static const char *
capture_end(struct fx *f)
{
	char *p = scratch(f, "stderr.txt");
	size_t len;

	fflush(stderr);
	assert_true(dup2(f->saved_stderr, STDERR_FILENO) >= 0);
	close(f->saved_stderr);
	f->saved_stderr = -1;
	free(f->captured);
	f->captured = NULL;
	assert_int_equal(jp_file_read(&f->ctx, p, &f->captured, &len), 0);
	free(p);
	return f->captured;
}

static int
load_sample(struct fx *f, const char *name)
{
	char *p = sample(f, name);
	int rc = jp_advisory_load(&f->ctx, p, &f->set);

	free(p);
	return rc;
}

static const struct jp_advisory *
find(const struct jp_advset *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].id && !strcmp(set->v[i].id, id))
			return &set->v[i];
	return NULL;
}

/* ------------------------------------------------------------------ */

/* Every field of tests/data/advisory/rich.xml, as read by hand. */
static void
check_rich(const struct jp_advset *set)
{
	const struct jp_advisory *a;
	const struct jp_adv_collection *c;
	const struct jp_adv_pkg *p;

	assert_int_equal(set->n, 3);
	/* The load leaves the set sorted by id. */
	assert_string_equal(set->v[0].id, "JPBA-2024:0001");
	assert_string_equal(set->v[1].id, "JPEA-2024:0003");
	assert_string_equal(set->v[2].id, "JPSA-2024:0002");

	a = find(set, "JPSA-2024:0002");
	assert_non_null(a);
	assert_string_equal(a->from, "security@example.org");
	assert_string_equal(a->status, "final");
	assert_string_equal(a->type, "security");
	assert_string_equal(a->version, "2");
	assert_string_equal(a->title,
	    "Important: jp-tool security & bug fix update");
	assert_string_equal(a->issued, "2024-03-01 10:20:30");
	assert_string_equal(a->updated, "2024-03-05 00:00:00");
	assert_string_equal(a->rights, "Copyright 2024 Example \"Org\" <sec>");
	assert_string_equal(a->release, "Example Linux 9");
	assert_string_equal(a->pushcount, "1");
	assert_string_equal(a->severity, "Important");
	assert_string_equal(a->summary, "An update for jp-tool is now available.");
	assert_string_equal(a->description,
	    "jp-tool: a <crafted> input caused a crash (CVE-2024-0001).\n\n"
	    "Fix for M\xc3\xbcnchen & Z\xc3\xbcrich users: \xe2\x9c\x93");
	assert_string_equal(a->solution, "Install the update; then restart jp-tool.");
	assert_null(a->message);
	/* Only a package of the second collection suggests a reboot. */
	assert_int_equal(a->reboot_suggested, JP_ADV_FLAG_ABSENT);
	assert_int_equal(a->nrefs, 3);
	assert_string_equal(a->refs[0].type, "self");
	assert_string_equal(a->refs[1].id, "CVE-2024-0001");
	assert_string_equal(a->refs[1].type, "cve");
	assert_string_equal(a->refs[1].title,
	    "CVE-2024-0001 \"crash\"\ton <input>");
	assert_string_equal(a->refs[2].href,
	    "https://bugs.example.org/show_bug.cgi?id=42&x=1");
	assert_string_equal(a->refs[2].type, "bugzilla");
	assert_string_equal(a->refs[2].title, "jp-tool crashes");
	/* Two collections, each with its own packages. */
	assert_int_equal(a->ncolls, 2);
	c = &a->colls[0];
	assert_string_equal(c->short_name, "EL9");
	assert_string_equal(c->name, "Example Linux 9");
	assert_int_equal(c->nmodules, 0);
	assert_int_equal(c->npkgs, 2);
	p = &c->pkgs[0];
	assert_string_equal(p->name, "jp-tool");
	assert_string_equal(p->epoch, "2");
	assert_string_equal(p->version, "1.2.3");
	assert_string_equal(p->release, "4.el9");
	assert_string_equal(p->arch, "x86_64");
	assert_string_equal(p->src, "jp-tool-1.2.3-4.el9.src.rpm");
	assert_string_equal(p->filename, "jp-tool-1.2.3-4.el9.x86_64.rpm");
	assert_string_equal(p->sum_type, "sha256");
	assert_string_equal(p->sum, "0000000000000000000000000000000000000000"
	    "000000000000000000000000");
	assert_int_equal(p->reboot_suggested, JP_ADV_FLAG_ABSENT);
	assert_string_equal(c->pkgs[1].arch, "src");
	assert_null(c->pkgs[1].src);
	assert_null(c->pkgs[1].sum);
	assert_null(c->pkgs[1].sum_type);
	c = &a->colls[1];
	assert_string_equal(c->short_name, "EL9-extra");
	assert_string_equal(c->name, "Example Linux 9 extras");
	assert_int_equal(c->npkgs, 1);
	p = &c->pkgs[0];
	assert_string_equal(p->name, "jp-tool-libs");
	assert_string_equal(p->arch, "i686");
	assert_int_equal(p->reboot_suggested, JP_ADV_FLAG_TRUE);
	assert_int_equal(p->restart_suggested, JP_ADV_FLAG_ABSENT);
	assert_int_equal(p->relogin_suggested, JP_ADV_FLAG_ABSENT);

	a = find(set, "JPBA-2024:0001");
	assert_non_null(a);
	assert_string_equal(a->type, "bugfix");
	assert_string_equal(a->issued, "1704067200");
	assert_null(a->updated);
	assert_null(a->summary);
	assert_null(a->pushcount);
	assert_string_equal(a->description, "");
	assert_string_equal(a->severity, "None");
	assert_int_equal(a->reboot_suggested, JP_ADV_FLAG_ABSENT);
	assert_int_equal(a->nrefs, 0);
	assert_int_equal(a->ncolls, 1);
	assert_int_equal(a->colls[0].npkgs, 1);
	/* No epoch attribute: 0. */
	assert_string_equal(a->colls[0].pkgs[0].epoch, "0");
	assert_string_equal(a->colls[0].pkgs[0].arch, "noarch");

	a = find(set, "JPEA-2024:0003");
	assert_non_null(a);
	assert_string_equal(a->type, "newpackage");
	assert_string_equal(a->issued, "2024-04-01");
	/* <reboot_suggested>False</reboot_suggested>: there, not true. */
	assert_int_equal(a->reboot_suggested, JP_ADV_FLAG_FALSE);
	assert_int_equal(a->ncolls, 0);
	assert_null(a->colls);
	assert_null(a->severity);
}

/* Every field of tests/data/advisory/modular.xml, as read by hand. */
static void
check_modular(const struct jp_advset *set)
{
	const struct jp_advisory *a;
	const struct jp_adv_collection *c;
	const struct jp_adv_module *m;
	const struct jp_adv_pkg *p;

	assert_int_equal(set->n, 2);
	assert_string_equal(set->v[0].id, "JPBA-2024:1002");
	assert_string_equal(set->v[1].id, "JPSA-2024:1001");

	a = &set->v[0];
	assert_int_equal(a->reboot_suggested, JP_ADV_FLAG_ABSENT);
	assert_null(a->message);
	assert_int_equal(a->ncolls, 1);
	c = &a->colls[0];
	assert_null(c->short_name);
	assert_string_equal(c->name, "Example Linux 8 BaseOS");
	assert_int_equal(c->nmodules, 0);
	assert_int_equal(c->npkgs, 2);
	assert_string_equal(c->pkgs[0].name, "jp-kmod");
	assert_int_equal(c->pkgs[0].reboot_suggested, JP_ADV_FLAG_TRUE);
	assert_string_equal(c->pkgs[1].name, "jp-kmod-tools");
	assert_int_equal(c->pkgs[1].reboot_suggested, JP_ADV_FLAG_ABSENT);

	a = &set->v[1];
	assert_string_equal(a->from, "secalert@example.org");
	assert_string_equal(a->version, "3");
	assert_string_equal(a->updated, "2024-05-02 08:00:00");
	assert_string_equal(a->rights, "Copyright 2024 Example Org");
	assert_string_equal(a->release, "Example Linux 8");
	assert_string_equal(a->pushcount, "2");
	assert_string_equal(a->solution, "Install the update.");
	assert_string_equal(a->message,
	    "Services that use jpnode must be restarted.");
	/* On the update only: no package of it says reboot. */
	assert_int_equal(a->reboot_suggested, JP_ADV_FLAG_TRUE);
	assert_int_equal(a->nrefs, 1);
	assert_int_equal(a->ncolls, 2);

	c = &a->colls[0];
	assert_string_equal(c->short_name, "EL8-jpnode-18");
	assert_string_equal(c->name, "Example Linux 8 AppStream jpnode:18");
	assert_int_equal(c->nmodules, 1);
	m = &c->modules[0];
	assert_string_equal(m->name, "jpnode");
	assert_string_equal(m->stream, "18");
	assert_string_equal(m->version, "8100020240501000000");
	assert_string_equal(m->context, "a1b2c3d4");
	assert_string_equal(m->arch, "x86_64");
	assert_int_equal(c->npkgs, 2);
	p = &c->pkgs[0];
	assert_string_equal(p->name, "jpnode");
	assert_string_equal(p->epoch, "1");
	assert_string_equal(p->version, "18.20.2");
	assert_string_equal(p->release, "1.module+el8.10.0+1001+a1b2c3d4");
	assert_string_equal(p->src,
	    "jpnode-18.20.2-1.module+el8.10.0+1001+a1b2c3d4.src.rpm");
	assert_string_equal(p->sum_type, "sha256");
	assert_string_equal(p->sum, "8f434346648f6b96df89dda901c5176b10a6d839"
	    "61dd3c1ac88b59b2dc327aa4");
	assert_int_equal(p->reboot_suggested, JP_ADV_FLAG_ABSENT);
	assert_int_equal(p->restart_suggested, JP_ADV_FLAG_TRUE);
	assert_int_equal(p->relogin_suggested, JP_ADV_FLAG_ABSENT);
	p = &c->pkgs[1];
	assert_string_equal(p->name, "jpnode-docs");
	assert_string_equal(p->arch, "noarch");
	assert_null(p->sum);
	assert_int_equal(p->reboot_suggested, JP_ADV_FLAG_ABSENT);
	assert_int_equal(p->restart_suggested, JP_ADV_FLAG_ABSENT);
	assert_int_equal(p->relogin_suggested, JP_ADV_FLAG_TRUE);

	c = &a->colls[1];
	assert_string_equal(c->short_name, "EL8-jpnode-20");
	assert_int_equal(c->nmodules, 1);
	assert_string_equal(c->modules[0].stream, "20");
	assert_string_equal(c->modules[0].version, "8100020240501000001");
	assert_string_equal(c->modules[0].context, "e5f6a7b8");
	assert_int_equal(c->npkgs, 1);
	p = &c->pkgs[0];
	assert_string_equal(p->version, "20.12.2");
	assert_null(p->src);
	assert_string_equal(p->sum_type, "sha512");
	assert_int_equal(strlen(p->sum), 128);
	assert_int_equal(p->reboot_suggested, JP_ADV_FLAG_FALSE);
}

static void
test_load_rich(void **state)
{
	struct fx *f = *state;

	assert_int_equal(load_sample(f, "rich.xml"), 0);
	check_rich(&f->set);
}

static void
test_load_modular(void **state)
{
	struct fx *f = *state;
	const char *err;

	capture_start(f);
	assert_int_equal(load_sample(f, "modular.xml"), 0);
	err = capture_end(f);
	check_modular(&f->set);
	/* Everything in it is kept: nothing to warn about. */
	assert_string_equal(err, "");
}

static void
assert_pkgs_equal(const struct jp_adv_pkg *a, const struct jp_adv_pkg *b)
{
	tu_assert_str_or_null(b->name, a->name);
	tu_assert_str_or_null(b->epoch, a->epoch);
	tu_assert_str_or_null(b->version, a->version);
	tu_assert_str_or_null(b->release, a->release);
	tu_assert_str_or_null(b->arch, a->arch);
	tu_assert_str_or_null(b->src, a->src);
	tu_assert_str_or_null(b->filename, a->filename);
	tu_assert_str_or_null(b->sum, a->sum);
	tu_assert_str_or_null(b->sum_type, a->sum_type);
	assert_int_equal(b->reboot_suggested, a->reboot_suggested);
	assert_int_equal(b->restart_suggested, a->restart_suggested);
	assert_int_equal(b->relogin_suggested, a->relogin_suggested);
}

static void
assert_colls_equal(const struct jp_adv_collection *a,
    const struct jp_adv_collection *b)
{
	size_t i;

	tu_assert_str_or_null(b->short_name, a->short_name);
	tu_assert_str_or_null(b->name, a->name);
	assert_int_equal(b->nmodules, a->nmodules);
	for (i = 0; i < a->nmodules; i++) {
		tu_assert_str_or_null(b->modules[i].name, a->modules[i].name);
		tu_assert_str_or_null(b->modules[i].stream, a->modules[i].stream);
		tu_assert_str_or_null(b->modules[i].version, a->modules[i].version);
		tu_assert_str_or_null(b->modules[i].context, a->modules[i].context);
		tu_assert_str_or_null(b->modules[i].arch, a->modules[i].arch);
	}
	assert_int_equal(b->npkgs, a->npkgs);
	for (i = 0; i < a->npkgs; i++)
		assert_pkgs_equal(&a->pkgs[i], &b->pkgs[i]);
}

static void
assert_sets_equal(const struct jp_advset *x, const struct jp_advset *y)
{
	size_t i, j;

	assert_int_equal(x->n, y->n);
	for (i = 0; i < x->n; i++) {
		const struct jp_advisory *a = &x->v[i], *b = &y->v[i];

		tu_assert_str_or_null(b->id, a->id);
		tu_assert_str_or_null(b->from, a->from);
		tu_assert_str_or_null(b->status, a->status);
		tu_assert_str_or_null(b->type, a->type);
		tu_assert_str_or_null(b->version, a->version);
		tu_assert_str_or_null(b->title, a->title);
		tu_assert_str_or_null(b->issued, a->issued);
		tu_assert_str_or_null(b->updated, a->updated);
		tu_assert_str_or_null(b->rights, a->rights);
		tu_assert_str_or_null(b->release, a->release);
		tu_assert_str_or_null(b->pushcount, a->pushcount);
		tu_assert_str_or_null(b->severity, a->severity);
		tu_assert_str_or_null(b->summary, a->summary);
		tu_assert_str_or_null(b->description, a->description);
		tu_assert_str_or_null(b->solution, a->solution);
		tu_assert_str_or_null(b->message, a->message);
		assert_int_equal(b->reboot_suggested, a->reboot_suggested);
		assert_int_equal(b->nrefs, a->nrefs);
		for (j = 0; j < a->nrefs; j++) {
			tu_assert_str_or_null(b->refs[j].href, a->refs[j].href);
			tu_assert_str_or_null(b->refs[j].id, a->refs[j].id);
			tu_assert_str_or_null(b->refs[j].type, a->refs[j].type);
			tu_assert_str_or_null(b->refs[j].title, a->refs[j].title);
		}
		assert_int_equal(b->ncolls, a->ncolls);
		for (j = 0; j < a->ncolls; j++)
			assert_colls_equal(&a->colls[j], &b->colls[j]);
	}
}

/* Names of the element children of n, space-separated. */
static void
child_names(const xmlNode *n, char *buf, size_t size)
{
	const xmlNode *c;

	buf[0] = '\0';
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (buf[0])
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, (const char *)c->name, size - strlen(buf) - 1);
	}
}

/* The nth (from 0) element child of n called name. */
static xmlNodePtr
child_nth(xmlNodePtr n, const char *name, int nth)
{
	xmlNodePtr c;
	int i = 0;

	for (c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)c->name, name) && i++ == nth)
			return c;
	fail_msg("<%s> has no <%s> number %d", (const char *)n->name, name,
	    nth);
	return NULL;
}

static void
assert_children(xmlNodePtr n, const char *want)
{
	char names[512];

	child_names(n, names, sizeof(names));
	assert_string_equal(names, want);
}

static void
assert_text(xmlNodePtr n, const char *want)
{
	xmlChar *v = xmlNodeGetContent(n);

	assert_non_null(v);
	assert_string_equal((const char *)v, want);
	xmlFree(v);
}

/* The <update> whose <id> is id. */
static xmlNodePtr
find_update(xmlDocPtr doc, const char *id)
{
	xmlNodePtr u;
	xmlChar *v;
	int hit;

	for (u = xmlDocGetRootElement(doc)->children; u; u = u->next) {
		if (u->type != XML_ELEMENT_NODE)
			continue;
		v = xmlNodeGetContent(child_nth(u, "id", 0));
		hit = !strcmp((const char *)v, id);
		xmlFree(v);
		if (hit)
			return u;
	}
	fail_msg("no <update> with id '%s'", id);
	return NULL;
}

/*
 * Load a sample, write it, check the XML with xmllint, read it back: the
 * same records, and writing again gives the same bytes.  Returns the
 * parsed output.
 */
static xmlDocPtr
round_trip(struct fx *f, const char *name,
    void (*check)(const struct jp_advset *))
{
	struct jp_advset again = { NULL, 0, 0 };
	char *xml1 = NULL, *xml2 = NULL, *out = scratch(f, "out.xml");
	size_t len1, len2;
	xmlDocPtr doc;

	assert_int_equal(load_sample(f, name), 0);
	check(&f->set);
	assert_int_equal(jp_advisory_write_xml(&f->ctx, &f->set, &xml1, &len1), 0);
	assert_int_equal(strlen(xml1), len1);
	tu_spew(out, xml1, len1);
	if (tu_have("xmllint"))
		assert_int_equal(tu_run("xmllint --noout '%s'", out), 0);
	assert_int_equal(jp_advisory_load(&f->ctx, out, &again), 0);
	check(&again);
	assert_sets_equal(&f->set, &again);
	assert_int_equal(jp_advisory_write_xml(&f->ctx, &again, &xml2, &len2), 0);
	assert_int_equal(len1, len2);
	assert_memory_equal(xml1, xml2, len1);
	doc = xmlReadMemory(xml1, (int)len1, "out.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	assert_string_equal((const char *)xmlDocGetRootElement(doc)->name,
	    "updates");
	jp_advset_release(&again);
	free(xml1);
	free(xml2);
	free(out);
	return doc;
}

static void
test_round_trip(void **state)
{
	struct fx *f = *state;
	xmlDocPtr doc = round_trip(f, "rich.xml", check_rich);
	xmlNodePtr u, c;

	/*
	 * Element order of createrepo_c's cr_xml_dump_updateinforecord_internal
	 * (id, title, issued, updated, rights, release, pushcount, severity,
	 * summary, description, solution, reboot_suggested, references,
	 * pkglist); no reboot_suggested here, as the input had none.
	 */
	u = find_update(doc, "JPSA-2024:0002");
	assert_children(u, "id title issued updated rights release pushcount "
	    "severity summary description solution references pkglist");
	u = child_nth(u, "pkglist", 0);
	assert_children(u, "collection collection");
	c = child_nth(u, "collection", 0);
	assert_children(c, "name package package");
	assert_children(child_nth(c, "package", 0), "filename sum");
	assert_text(child_nth(child_nth(c, "package", 0), "sum", 0),
	    "0000000000000000000000000000000000000000000000000000000000000000");
	assert_children(child_nth(c, "package", 1), "filename");
	c = child_nth(u, "collection", 1);
	assert_children(c, "name package");
	assert_children(child_nth(c, "package", 0),
	    "filename reboot_suggested");
	assert_text(child_nth(child_nth(c, "package", 0), "reboot_suggested",
	    0), "True");

	/* The update-level "False" stays "False"; an empty pkglist stays. */
	u = find_update(doc, "JPEA-2024:0003");
	assert_children(u, "id title issued reboot_suggested references "
	    "pkglist");
	assert_text(child_nth(u, "reboot_suggested", 0), "False");
	xmlFreeDoc(doc);
}

/*
 * Modules, several collections, and each flag where the input had it:
 * the update-level reboot flag of JPSA-2024:1001 is not spread onto its
 * packages (libsolv would then see a reboot the input never gave it).
 */
static void
test_round_trip_modular(void **state)
{
	struct fx *f = *state;
	xmlDocPtr doc = round_trip(f, "modular.xml", check_modular);
	xmlNodePtr u, c, m, p;
	xmlChar *v;

	u = find_update(doc, "JPSA-2024:1001");
	assert_children(u, "id title issued updated rights release pushcount "
	    "severity summary description solution message reboot_suggested "
	    "references pkglist");
	assert_text(child_nth(u, "pushcount", 0), "2");
	assert_text(child_nth(u, "message", 0),
	    "Services that use jpnode must be restarted.");
	assert_text(child_nth(u, "reboot_suggested", 0), "True");
	u = child_nth(u, "pkglist", 0);
	assert_children(u, "collection collection");

	c = child_nth(u, "collection", 0);
	assert_children(c, "name module package package");
	m = child_nth(c, "module", 0);
	v = xmlGetProp(m, (const xmlChar *)"stream");
	assert_string_equal((const char *)v, "18");
	xmlFree(v);
	v = xmlGetProp(m, (const xmlChar *)"version");
	assert_string_equal((const char *)v, "8100020240501000000");
	xmlFree(v);
	p = child_nth(c, "package", 0);
	assert_children(p, "filename sum restart_suggested");
	v = xmlGetProp(child_nth(p, "sum", 0), (const xmlChar *)"type");
	assert_string_equal((const char *)v, "sha256");
	xmlFree(v);
	assert_text(child_nth(p, "restart_suggested", 0), "True");
	p = child_nth(c, "package", 1);
	assert_children(p, "filename relogin_suggested");
	assert_text(child_nth(p, "relogin_suggested", 0), "True");

	c = child_nth(u, "collection", 1);
	assert_children(c, "name module package");
	v = xmlGetProp(child_nth(c, "module", 0), (const xmlChar *)"context");
	assert_string_equal((const char *)v, "e5f6a7b8");
	xmlFree(v);
	p = child_nth(c, "package", 0);
	assert_children(p, "filename sum reboot_suggested");
	assert_text(child_nth(p, "reboot_suggested", 0), "False");

	/* A per-package flag without one on the update: none added there. */
	u = find_update(doc, "JPBA-2024:1002");
	assert_children(u, "id title issued severity description references "
	    "pkglist");
	c = child_nth(child_nth(u, "pkglist", 0), "collection", 0);
	assert_null(xmlHasProp(c, (const xmlChar *)"short"));
	assert_children(child_nth(c, "package", 0),
	    "filename reboot_suggested");
	assert_children(child_nth(c, "package", 1), "filename");
	xmlFreeDoc(doc);
}

/* gzip, xz and zstd copies, made by the real tools, read the same. */
static void
test_compressed(void **state)
{
	static const char *const tools[][2] = {
		{ "gzip", "gz" }, { "xz", "xz" }, { "zstd", "zst" },
	};
	struct fx *f = *state;
	char *plain_xml = NULL, *xml = NULL, *src = sample(f, "rich.xml");
	size_t plain_len, len, i;
	int tried = 0;

	assert_int_equal(load_sample(f, "rich.xml"), 0);
	assert_int_equal(jp_advisory_write_xml(&f->ctx, &f->set, &plain_xml,
	    &plain_len), 0);
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		struct jp_advset set = { NULL, 0, 0 };
		char *name = jp_xasprintf("rich.xml.%s", tools[i][1]);
		char *p = scratch(f, name);

		if (!tu_have(tools[i][0])) {
			free(name);
			free(p);
			continue;
		}
		assert_int_equal(tu_run("%s -c < '%s' > '%s'", tools[i][0], src, p), 0);
		assert_int_equal(jp_advisory_load(&f->ctx, p, &set), 0);
		check_rich(&set);
		assert_int_equal(jp_advisory_write_xml(&f->ctx, &set, &xml, &len), 0);
		assert_int_equal(len, plain_len);
		assert_memory_equal(xml, plain_xml, len);
		free(xml);
		jp_advset_release(&set);
		free(name);
		free(p);
		tried++;
	}
	free(plain_xml);
	free(src);
	if (!tried)
		skip();
}

static void
check_merged(struct fx *f)
{
	const struct jp_advisory *a;

	assert_int_equal(f->set.n, 4);
	assert_string_equal(f->set.v[0].id, "JPBA-2");
	assert_string_equal(f->set.v[1].id, "JPEA-3");
	assert_string_equal(f->set.v[2].id, "JPSA-1");
	assert_string_equal(f->set.v[3].id, "JPSA-4");
	/* Updated 2024-02-01 in merge-b.xml beats 2024-01-10 in merge-a.xml. */
	a = find(&f->set, "JPSA-1");
	assert_string_equal(a->title, "second copy");
	assert_string_equal(a->severity, "Critical");
	assert_string_equal(a->updated, "2024-02-01 00:00:00");
	/* Issued 1706745600 (2024-02-01) beats 2024-01-15 00:00:00. */
	a = find(&f->set, "JPSA-4");
	assert_string_equal(a->title, "newer copy, in the first file");
	assert_string_equal(a->issued, "1706745600");
	a = find(&f->set, "JPEA-3");
	assert_string_equal(a->type, "enhancement");
}

static void
test_merge(void **state)
{
	struct fx *f = *state;
	const char *err;

	capture_start(f);
	assert_int_equal(load_sample(f, "merge-a.xml"), 0);
	assert_int_equal(f->set.n, 3);
	assert_int_equal(load_sample(f, "merge-b.xml"), 0);
	err = capture_end(f);
	check_merged(f);
	assert_non_null(strstr(err, "merge-b.xml' line 5: duplicate advisory "
	    "'JPSA-1' (dated '2024-02-01 00:00:00') replaces the copy dated "
	    "'2024-01-10 00:00:00'"));
	assert_non_null(strstr(err, "merge-b.xml' line 30: duplicate advisory "
	    "'JPSA-4' (dated '2024-01-15 00:00:00') ignored"));
	/* The identical copy of JPBA-2 merges silently. */
	assert_null(strstr(err, "JPBA-2"));
	assert_null(strstr(err, "JPEA-3"));
}

/* The newer copy wins whichever file comes first. */
static void
test_merge_reversed(void **state)
{
	struct fx *f = *state;
	const char *err;

	capture_start(f);
	assert_int_equal(load_sample(f, "merge-b.xml"), 0);
	assert_int_equal(load_sample(f, "merge-a.xml"), 0);
	err = capture_end(f);
	check_merged(f);
	assert_non_null(strstr(err, "'JPSA-1' (dated '2024-01-10 00:00:00') "
	    "ignored"));
	assert_non_null(strstr(err, "'JPSA-4' (dated '1706745600') replaces"));
	assert_null(strstr(err, "JPBA-2"));
}

static const char dup_head[] =
    "<?xml version=\"1.0\"?>\n<updates>\n";
static const char dup_tail[] = "</updates>\n";

static char *
dup_update(const char *id, const char *title, const char *issued,
    const char *updated)
{
	return jp_xasprintf(
	    "  <update type=\"bugfix\">\n"
	    "    <id>%s</id>\n"
	    "    <title>%s</title>\n"
	    "    <issued date=\"%s\"/>%s%s%s\n"
	    "  </update>\n", id, title, issued,
	    updated ? "<updated date=\"" : "", updated ? updated : "",
	    updated ? "\"/>" : "");
}

/* Duplicates inside one file, and both date forms compared. */
static void
test_merge_same_file(void **state)
{
	struct fx *f = *state;
	char *u[6], *doc, *p = scratch(f, "dups.xml");
	const char *err;
	size_t i;

	/* 1706745600 is 2024-02-01 00:00:00 UTC: one second later than b. */
	u[0] = dup_update("X-1", "a", "2024-01-01 00:00:00", "1706745600");
	u[1] = dup_update("X-1", "b", "2024-01-01 00:00:00",
	    "2024-01-31 23:59:59");
	u[2] = dup_update("X-2", "same", "2024-01-01", NULL);
	u[3] = dup_update("X-2", "same", "2024-01-01", NULL);
	/* Same date, different text: the later one wins, with a warning. */
	u[4] = dup_update("X-3", "first", "2024-01-01", NULL);
	u[5] = dup_update("X-3", "second", "2024-01-01", NULL);
	doc = jp_xasprintf("%s%s%s%s%s%s%s%s", dup_head, u[0], u[1], u[2],
	    u[3], u[4], u[5], dup_tail);
	tu_spew(p, doc, strlen(doc));

	capture_start(f);
	assert_int_equal(jp_advisory_load(&f->ctx, p, &f->set), 0);
	err = capture_end(f);
	assert_int_equal(f->set.n, 3);
	assert_string_equal(find(&f->set, "X-1")->title, "a");
	assert_string_equal(find(&f->set, "X-2")->title, "same");
	assert_string_equal(find(&f->set, "X-3")->title, "second");
	assert_non_null(strstr(err, "'X-1' (dated '2024-01-31 23:59:59') "
	    "ignored"));
	assert_non_null(strstr(err, "'X-3' (dated '2024-01-01') replaces"));
	assert_null(strstr(err, "X-2"));

	for (i = 0; i < 6; i++)
		free(u[i]);
	free(doc);
	free(p);
}

struct broken_case {
	const char *file;
	const char *want[3];    /* substrings of the message */
};

static void
expect_load_error(struct fx *f, const char *path, const char *const *want)
{
	size_t n = f->set.n, i;

	capture_start(f);
	assert_true(jp_advisory_load(&f->ctx, path, &f->set) < 0);
	capture_end(f);
	/* The error names the file; a failed load leaves the set alone. */
	assert_non_null(strstr(jp_error_msg(&f->ctx), path));
	for (i = 0; i < 3 && want[i]; i++)
		if (!strstr(jp_error_msg(&f->ctx), want[i]))
			fail_msg("'%s': message '%s' lacks '%s'", path,
			    jp_error_msg(&f->ctx), want[i]);
	assert_int_equal(f->set.n, n);
}

static void
test_broken(void **state)
{
	static const struct broken_case cases[] = {
		{ "broken-notxml.xml", { "not well-formed XML", NULL } },
		{ "broken-root.xml", { "line 2:", "<metadata>", "<updates>" } },
		{ "broken-noid.xml", { "line 7:", "advisory has no id", NULL } },
		{ "broken-notype.xml",
		    { "line 3:", "advisory 'JPSA-NOTYPE' has no type", NULL } },
		{ "broken-noissued.xml",
		    { "line 3:", "'JPSA-NOISSUED' has no issued date", NULL } },
		{ "broken-baddate.xml", { "bad issued date 'yesterday'", NULL } },
		{ "broken-pkgnoarch.xml",
		    { "line 8:", "'JPSA-NOARCH'", "'arch'" } },
		{ "broken-unclosed.xml", { "line 6:", "not well-formed", NULL } },
	};
	struct fx *f = *state;
	size_t i;

	assert_int_equal(load_sample(f, "rich.xml"), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *p = sample(f, cases[i].file);

		expect_load_error(f, p, cases[i].want);
		free(p);
	}
	check_rich(&f->set);
}

static void
test_broken_files(void **state)
{
	static const char *const missing[] = { "No such file", NULL };
	static const char *const empty[] = { "empty", NULL };
	static const char *const trunc[] = { "truncated", NULL };
	static const char *const dir[] = { "not a regular file", NULL };
	struct fx *f = *state;
	char *p, *src = sample(f, "rich.xml");
	char *gz = scratch(f, "rich.xml.gz"), *cut = scratch(f, "cut.xml.gz");
	struct stat st;

	p = scratch(f, "missing.xml");
	expect_load_error(f, p, missing);
	free(p);
	p = scratch(f, "empty.xml");
	tu_spew(p, "", 0);
	expect_load_error(f, p, empty);
	free(p);
	expect_load_error(f, f->tmp, dir);

	if (!tu_have("gzip")) {
		free(src);
		free(gz);
		free(cut);
		skip();
	}
	/* A gzip stream cut in the middle. */
	assert_int_equal(tu_run("gzip -c < '%s' > '%s'", src, gz), 0);
	assert_int_equal(stat(gz, &st), 0);
	assert_int_equal(tu_run("head -c %lld '%s' > '%s'",
	    (long long)st.st_size / 2, gz, cut), 0);
	expect_load_error(f, cut, trunc);
	free(src);
	free(gz);
	free(cut);
}

/* An external entity must never be fetched: the document is refused. */
static void
test_hostile_xxe(void **state)
{
	static const char *const want[] = { "<!DOCTYPE>", NULL };
	static const char *const pe_want[] = { "hostile-xxe-pe.xml", NULL };
	struct fx *f = *state;
	char *p = sample(f, "hostile-xxe.xml");

	expect_load_error(f, p, want);
	assert_null(strstr(jp_error_msg(&f->ctx), "root:"));
	assert_int_equal(f->set.n, 0);
	free(p);

	/* External parameter entity and an entity in an attribute. */
	p = sample(f, "hostile-xxe-pe.xml");
	expect_load_error(f, p, pe_want);
	assert_null(strstr(jp_error_msg(&f->ctx), "root:"));
	assert_int_equal(f->set.n, 0);
	free(p);
}

/* Nested entities (billion laughs) stop at libxml2's limits, quickly. */
static void
test_hostile_laughs(void **state)
{
	static const char *const want[] = { "hostile-laughs.xml", NULL };
	struct fx *f = *state;
	char *p = sample(f, "hostile-laughs.xml");

	expect_load_error(f, p, want);
	assert_int_equal(f->set.n, 0);
	free(p);
}

/* Line numbers stay right past libxml2's 16-bit line field. */
static void
test_big_lines(void **state)
{
	struct fx *f = *state;
	char *p = scratch(f, "long.xml"), *msg;
	FILE *fp = fopen(p, "w");
	long line = 2, i;
	static const char *want[2];

	assert_non_null(fp);
	fputs("<?xml version=\"1.0\"?>\n<updates>\n", fp);
	for (i = 0; i < 17000; i++) {
		fprintf(fp, "  <update type=\"bugfix\">\n    <id>L-%ld</id>\n"
		    "    <issued date=\"2024-01-01\"/>\n  </update>\n", i);
		line += 4;
	}
	/* This <update> starts on line line + 1. */
	fputs("  <update>\n    <id>L-LAST</id>\n"
	    "    <issued date=\"2024-01-01\"/>\n  </update>\n</updates>\n", fp);
	assert_int_equal(fclose(fp), 0);
	msg = jp_xasprintf("line %ld: advisory 'L-LAST' has no type", line + 1);
	want[0] = msg;
	expect_load_error(f, p, want);
	free(msg);
	free(p);
}

static void
test_unknown_type(void **state)
{
	struct fx *f = *state;
	const char *err;
	char *xml = NULL;
	size_t len;

	capture_start(f);
	assert_int_equal(load_sample(f, "unknown-type.xml"), 0);
	err = capture_end(f);
	assert_non_null(strstr(err, "warning: "));
	assert_non_null(strstr(err, "'JPRA-1' has type 'recommended'"));
	assert_int_equal(f->set.n, 1);
	assert_string_equal(f->set.v[0].type, "recommended");
	assert_int_equal(jp_advisory_write_xml(&f->ctx, &f->set, &xml, &len), 0);
	assert_non_null(strstr(xml, "type=\"recommended\""));
	free(xml);
}

static struct jp_pkg *
mkpkg(const char *name, const char *epoch, const char *version,
    const char *release, const char *arch)
{
	struct jp_pkg *p = jp_xcalloc(1, sizeof(*p));

	p->format = JP_PKG_RPM;
	p->name = jp_xstrdup(name);
	p->epoch = epoch ? jp_xstrdup(epoch) : NULL;
	p->version = jp_xstrdup(version);
	p->release = jp_xstrdup(release);
	p->arch = jp_xstrdup(arch);
	return p;
}

static void
freepkg(struct jp_pkg *p)
{
	free(p->name);
	free(p->epoch);
	free(p->version);
	free(p->release);
	free(p->arch);
	free(p);
}

static void
test_check_pkgs(void **state)
{
	struct fx *f = *state;
	struct jp_pkg *pk[4];
	const char *err;
	size_t i, missing;

	assert_int_equal(load_sample(f, "rich.xml"), 0);
	pk[0] = mkpkg("jp-tool", "2", "1.2.3", "4.el9", "x86_64");
	/* No epoch in the record means 0, as the advisory's epoch="0". */
	pk[1] = mkpkg("jp-data", NULL, "0.9", "1.el9", "noarch");
	/* Same name, another arch: does not count. */
	pk[2] = mkpkg("jp-tool-libs", "2", "1.2.3", "4.el9", "x86_64");
	pk[3] = mkpkg("unrelated", "0", "1", "1", "noarch");

	capture_start(f);
	missing = jp_advisory_check_pkgs(&f->ctx, &f->set, pk, 4);
	err = capture_end(f);
	/* jp-tool-libs.i686 is missing; the src entry is not looked for. */
	assert_int_equal(missing, 1);
	assert_non_null(strstr(err, "advisory 'JPSA-2024:0002' names "
	    "'jp-tool-libs-2:1.2.3-4.el9.i686', which the repository does "
	    "not have"));
	assert_null(strstr(err, ".src"));
	/* The advisories are kept. */
	assert_int_equal(f->set.n, 3);

	/* Another epoch is another package. */
	free(pk[1]->epoch);
	pk[1]->epoch = jp_xstrdup("1");
	capture_start(f);
	missing = jp_advisory_check_pkgs(&f->ctx, &f->set, pk, 4);
	err = capture_end(f);
	assert_int_equal(missing, 2);
	assert_non_null(strstr(err, "names 'jp-data-0.9-1.el9.noarch'"));

	/* An empty repository lacks every binary package. */
	capture_start(f);
	missing = jp_advisory_check_pkgs(&f->ctx, &f->set, NULL, 0);
	capture_end(f);
	assert_int_equal(missing, 3);
	for (i = 0; i < 4; i++)
		freepkg(pk[i]);
}

/* n binary packages p00, p01, ... and one source package, in one advisory. */
static char *
many_pkgs_doc(int n)
{
	char *doc = jp_xstrdup("<?xml version=\"1.0\"?>\n<updates>\n"
	    "  <update type=\"bugfix\"><id>M-1</id>"
	    "<issued date=\"2024-01-01\"/><pkglist><collection>\n"), *t;
	int i;

	for (i = 0; i < n; i++) {
		t = jp_xasprintf("%s    <package name=\"p%02d\" version=\"1\" "
		    "release=\"1\" arch=\"x86_64\"/>\n", doc, i);
		free(doc);
		doc = t;
	}
	t = jp_xasprintf("%s    <package name=\"p00\" version=\"1\" "
	    "release=\"1\" arch=\"src\"/>\n"
	    "  </collection></pkglist></update>\n</updates>\n", doc);
	free(doc);
	return t;
}

static size_t
count_str(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

/* At most 10 warnings, then one with the count; the rest under -v. */
static void
test_check_pkgs_many(void **state)
{
	static const char summary[] = "warning: 3 more advisory packages are "
	    "not in the repository (use -v to list them)";
	struct fx *f = *state;
	char *doc = many_pkgs_doc(13), *p = scratch(f, "many.xml");
	const char *err;
	size_t missing;

	tu_spew(p, doc, strlen(doc));
	assert_int_equal(jp_advisory_load(&f->ctx, p, &f->set), 0);

	capture_start(f);
	missing = jp_advisory_check_pkgs(&f->ctx, &f->set, NULL, 0);
	err = capture_end(f);
	assert_int_equal(missing, 13);
	assert_int_equal(count_str(err, "warning: advisory 'M-1' names "), 10);
	assert_non_null(strstr(err, "names 'p09-1-1.x86_64'"));
	assert_null(strstr(err, "'p10-"));
	assert_null(strstr(err, "'p12-"));
	assert_null(strstr(err, ".src"));
	assert_int_equal(count_str(err, summary), 1);
	assert_int_equal(count_str(err, "\n"), 11);

	/* -v: the other three as plain lines, before the count. */
	f->ctx.verbosity = JP_V_VERBOSE;
	capture_start(f);
	missing = jp_advisory_check_pkgs(&f->ctx, &f->set, NULL, 0);
	err = capture_end(f);
	assert_int_equal(missing, 13);
	assert_int_equal(count_str(err, "warning: advisory 'M-1' names "), 10);
	assert_int_equal(count_str(err, "advisory 'M-1' names "), 13);
	assert_non_null(strstr(err, "names 'p12-1-1.x86_64', which the "
	    "repository does not have"));
	assert_null(strstr(err, "warning: advisory 'M-1' names 'p10-"));
	assert_int_equal(count_str(err, summary), 1);

	/* -q: nothing, and still the count. */
	f->ctx.verbosity = JP_V_QUIET;
	capture_start(f);
	missing = jp_advisory_check_pkgs(&f->ctx, &f->set, NULL, 0);
	err = capture_end(f);
	assert_int_equal(missing, 13);
	assert_string_equal(err, "");
	free(doc);
	free(p);

	/* Exactly 10: all warned, no count line. */
	f->ctx.verbosity = JP_V_NORMAL;
	jp_advset_release(&f->set);
	doc = many_pkgs_doc(10);
	p = scratch(f, "ten.xml");
	tu_spew(p, doc, strlen(doc));
	assert_int_equal(jp_advisory_load(&f->ctx, p, &f->set), 0);
	capture_start(f);
	missing = jp_advisory_check_pkgs(&f->ctx, &f->set, NULL, 0);
	err = capture_end(f);
	assert_int_equal(missing, 10);
	assert_int_equal(count_str(err, "warning: advisory 'M-1' names "), 10);
	assert_null(strstr(err, "more advisory packages"));
	free(doc);
	free(p);
}

/*
 * Flag spellings as libsolv reads them (tests/data/advisory/variants.xml;
 * t0300 checks with libsolv and createrepo_c that the output means the
 * same to them), and elements no reader knows, left out with one warning.
 */
static void
test_variants(void **state)
{
	struct fx *f = *state;
	const struct jp_adv_collection *c;
	const char *err;
	char *xml = NULL;
	size_t len;

	capture_start(f);
	assert_int_equal(load_sample(f, "variants.xml"), 0);
	err = capture_end(f);
	assert_non_null(strstr(err, "variants.xml': 3 elements that neither "
	    "libsolv nor createrepo_c reads are left out (the first: "
	    "<jp-score> on line 11)"));
	assert_int_equal(count_str(err, "\n"), 1);

	assert_int_equal(f->set.n, 1);
	assert_int_equal(f->set.v[0].reboot_suggested, JP_ADV_FLAG_TRUE);
	assert_int_equal(f->set.v[0].ncolls, 1);
	c = &f->set.v[0].colls[0];
	assert_int_equal(c->npkgs, 2);
	/* "1", "False", empty. */
	assert_int_equal(c->pkgs[0].reboot_suggested, JP_ADV_FLAG_TRUE);
	assert_int_equal(c->pkgs[0].restart_suggested, JP_ADV_FLAG_FALSE);
	assert_int_equal(c->pkgs[0].relogin_suggested, JP_ADV_FLAG_FALSE);
	/* " True" (libsolv does not trim), "False" then "T", "yes". */
	assert_int_equal(c->pkgs[1].reboot_suggested, JP_ADV_FLAG_FALSE);
	assert_int_equal(c->pkgs[1].restart_suggested, JP_ADV_FLAG_TRUE);
	assert_int_equal(c->pkgs[1].relogin_suggested, JP_ADV_FLAG_FALSE);

	assert_int_equal(jp_advisory_write_xml(&f->ctx, &f->set, &xml, &len), 0);
	assert_null(strstr(xml, "jp-score"));
	assert_null(strstr(xml, "jp-origin"));
	assert_null(strstr(xml, "jp-signature"));
	assert_null(strstr(xml, "<relogin_suggested>True"));
	assert_int_equal(count_str(xml, "<reboot_suggested>True"), 2);
	free(xml);
}

/* A <module> without a name or stream is kept, with a warning. */
static void
test_module_incomplete(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\"?>\n<updates>\n"
	    "  <update type=\"bugfix\"><id>MI-1</id>"
	    "<issued date=\"2024-01-01\"/>\n"
	    "    <pkglist><collection><module stream=\"2\"/>\n"
	    "      <package name=\"a\" version=\"1\" release=\"1\" "
	    "arch=\"noarch\"/>\n"
	    "    </collection></pkglist></update>\n</updates>\n";
	struct fx *f = *state;
	char *p = scratch(f, "mi.xml"), *xml = NULL;
	const char *err;
	size_t len;

	tu_spew(p, doc, strlen(doc));
	capture_start(f);
	assert_int_equal(jp_advisory_load(&f->ctx, p, &f->set), 0);
	err = capture_end(f);
	assert_non_null(strstr(err, "mi.xml' line 4: advisory 'MI-1' has a "
	    "<module> without a name or stream"));
	assert_int_equal(f->set.v[0].colls[0].nmodules, 1);
	assert_null(f->set.v[0].colls[0].modules[0].name);
	assert_string_equal(f->set.v[0].colls[0].modules[0].stream, "2");
	assert_int_equal(jp_advisory_write_xml(&f->ctx, &f->set, &xml, &len), 0);
	assert_non_null(strstr(xml, "<module stream=\"2\"/>"));
	free(xml);
	free(p);
}

/*
 * Copies that differ only in one of the fields the record gained (a
 * module stream, <message>, <pushcount>, a per-package flag or sum, the
 * collections) are not equal: the later replaces the other with a
 * warning instead of merging silently.  An equal copy stays silent.
 */
static void
test_merge_new_fields(void **state)
{
	static const char *const variant[][3] = {
		/* update children, collection head, package children */
		{ "", "<module name=\"m\" stream=\"1\"/>", "" },
		{ "", "<module name=\"m\" stream=\"2\"/>", "" },
		{ "<message>m</message>", "<module name=\"m\" stream=\"1\"/>",
		    "" },
		{ "<pushcount>2</pushcount>",
		    "<module name=\"m\" stream=\"1\"/>", "" },
		{ "", "<module name=\"m\" stream=\"1\"/>",
		    "<relogin_suggested>True</relogin_suggested>" },
		{ "", "<module name=\"m\" stream=\"1\"/>",
		    "<sum type=\"sha256\">00</sum>" },
		{ "", "<module name=\"m\" stream=\"1\"/>"
		    "</collection><collection>", "" },
	};
	struct fx *f = *state;
	char *doc, *p[7];
	const char *err;
	size_t i;

	for (i = 0; i < 7; i++) {
		doc = jp_xasprintf("<?xml version=\"1.0\"?>\n<updates>\n"
		    "<update type=\"bugfix\"><id>N-1</id>"
		    "<issued date=\"2024-01-01\"/>%s"
		    "<pkglist><collection>%s<package name=\"a\" version=\"1\" "
		    "release=\"1\" arch=\"noarch\">%s</package></collection>"
		    "</pkglist></update>\n</updates>\n", variant[i][0],
		    variant[i][1], variant[i][2]);
		p[i] = jp_xasprintf("%s/n%zu.xml", f->tmp, i);
		tu_spew(p[i], doc, strlen(doc));
		free(doc);
	}
	for (i = 0; i < 7; i++) {
		jp_advset_release(&f->set);
		capture_start(f);
		assert_int_equal(jp_advisory_load(&f->ctx, p[0], &f->set), 0);
		assert_int_equal(jp_advisory_load(&f->ctx, p[i], &f->set), 0);
		err = capture_end(f);
		if (i == 0)
			assert_string_equal(err, "");
		else if (!strstr(err, "duplicate advisory 'N-1' (dated "
		    "'2024-01-01') replaces"))
			fail_msg("variant %zu merged silently: '%s'", i, err);
		assert_int_equal(f->set.n, 1);
	}
	/* The last one won: two collections. */
	assert_int_equal(f->set.v[0].ncolls, 2);
	for (i = 0; i < 7; i++)
		free(p[i]);
}

/* Records that did not come from XML still give well-formed output. */
static void
test_write_escaping(void **state)
{
	struct fx *f = *state;
	struct jp_advisory *a;
	struct jp_adv_pkg *p;
	char *xml = NULL, *out = scratch(f, "esc.xml");
	size_t len;
	xmlDocPtr doc;
	xmlNodePtr u, c;
	xmlChar *v;

	f->set.v = jp_xcalloc(2, sizeof(*f->set.v));
	f->set.n = f->set.cap = 2;
	/* Listed out of order: the output is sorted by id. */
	a = &f->set.v[0];
	a->id = jp_xstrdup("Z-2");
	a->type = jp_xstrdup("bugfix");
	a->issued = jp_xstrdup("2024-01-01");
	a = &f->set.v[1];
	a->id = jp_xstrdup("A-1 <&>");
	a->type = jp_xstrdup("security");
	a->issued = jp_xstrdup("1704067200");
	a->from = jp_xstrdup("q\"uote\tand\nlines\r");
	a->title = jp_xstrdup("ctl\x01 bad\xff utf8 \xc3\xa9 ]]> cr\r");
	a->colls = jp_xcalloc(1, sizeof(*a->colls));
	a->ncolls = 1;
	a->colls[0].pkgs = jp_xcalloc(1, sizeof(*a->colls[0].pkgs));
	a->colls[0].npkgs = 1;
	p = &a->colls[0].pkgs[0];
	p->name = jp_xstrdup("a&b");
	p->version = jp_xstrdup("1");
	p->release = jp_xstrdup("1");
	p->arch = jp_xstrdup("noarch");

	assert_int_equal(jp_advisory_write_xml(&f->ctx, &f->set, &xml, &len), 0);
	tu_spew(out, xml, len);
	if (tu_have("xmllint"))
		assert_int_equal(tu_run("xmllint --noout '%s'", out), 0);
	doc = xmlReadMemory(xml, (int)len, "esc.xml", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	u = xmlDocGetRootElement(doc)->children;
	while (u && u->type != XML_ELEMENT_NODE)
		u = u->next;
	assert_non_null(u);
	v = xmlGetProp(u, (const xmlChar *)"from");
	assert_string_equal((const char *)v, "q\"uote\tand\nlines\r");
	xmlFree(v);
	for (c = u->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		v = xmlNodeGetContent(c);
		if (!strcmp((const char *)c->name, "id"))
			assert_string_equal((const char *)v, "A-1 <&>");
		if (!strcmp((const char *)c->name, "title"))
			assert_string_equal((const char *)v, "ctl\xef\xbf\xbd "
			    "bad\xef\xbf\xbd utf8 \xc3\xa9 ]]> cr\r");
		xmlFree(v);
	}
	/* The epoch nobody gave is written as 0. */
	assert_non_null(strstr(xml, "name=\"a&amp;b\" version=\"1\" "
	    "release=\"1\" epoch=\"0\" arch=\"noarch\""));
	xmlFreeDoc(doc);
	assert_true(strstr(xml, "<id>A-1") < strstr(xml, "<id>Z-2"));
	free(xml);

	/* No type: refused rather than written for dnf to trip on. */
	free(f->set.v[0].type);
	f->set.v[0].type = NULL;
	xml = NULL;
	assert_true(jp_advisory_write_xml(&f->ctx, &f->set, &xml, &len) < 0);
	assert_non_null(strstr(jp_error_msg(&f->ctx), "'Z-2'"));
	assert_null(xml);
	free(out);
}

static void
test_write_empty(void **state)
{
	struct fx *f = *state;
	char *xml = NULL;
	size_t len;

	assert_int_equal(jp_advisory_write_xml(&f->ctx, &f->set, &xml, &len), 0);
	assert_string_equal(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<updates/>\n");
	free(xml);
	jp_advset_release(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_rich, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_modular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_modular, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_reversed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_merge_same_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hostile_xxe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_laughs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_big_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_pkgs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_pkgs_many, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_variants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module_incomplete, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_merge_new_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_escaping, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_empty, setup, teardown),
	};

	return cmocka_run_group_tests_name("advisory", tests, NULL, NULL);
}
