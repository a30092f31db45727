/*
 * fuzz_debsec: Debian security feeds: the security tracker's JSON dump
 * and DSA/DLA lists (jp_debsec_detect picks the reader from the first
 * byte).  The feed is read for bookworm over a few binary packages named
 * in the seeds, then turned into advisories and checked against them.
 */
#include "config.h"

#include "fuzz_common.h"
#include "advisory.h"
#include "debsec.h"
#include "pkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jp_pkg *pkgs[6];
static size_t npkgs;

static void
add_pkg(const char *name, const char *epoch, const char *ver,
    const char *full, const char *source)
{
	struct jp_pkg *p = jp_pkg_new(JP_PKG_DEB);

	p->name = jp_xstrdup(name);
	p->arch = jp_xstrdup("amd64");
	p->epoch = jp_xstrdup(epoch);
	p->version = jp_xstrdup(ver);
	p->location = jp_xasprintf("pool/main/%s_%s_amd64.deb", name, ver);
	jp_pkg_add_field(p, "Package", name);
	if (source != NULL)
		jp_pkg_add_field(p, "Source", source);
	jp_pkg_add_field(p, "Version", full);
	jp_pkg_add_field(p, "Architecture", "amd64");
	pkgs[npkgs++] = p;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_advset set = { 0 };
	struct jp_debsec *ds;
	struct jp_ctx ctx;
	char path[128];
	size_t left;

	if (npkgs == 0) {
		add_pkg("libfoo1", "0", "1.2-4", "1.2-4", "libfoo");
		add_pkg("openssl", "0", "3.0.15-1~deb12u1", "3.0.15-1~deb12u1",
		    NULL);
		add_pkg("bind9", "1", "9.18.24-1", "1:9.18.24-1", NULL);
		add_pkg("demo", "0", "2.0-1", "2.0-1", NULL);
	}
	fz_ctx(&ctx);
	fz_write(fz_tmpdir(), "feed", data, size);
	snprintf(path, sizeof(path), "%s/feed", fz_tmpdir());
	if (jp_debsec_detect(&ctx, path) < 0)
		return 0;
	ds = jp_debsec_new("bookworm", pkgs, npkgs);
	if (jp_debsec_load(&ctx, ds, path) == 0 &&
	    jp_debsec_advisories(&ctx, ds, &set, &left) == 0) {
		(void)jp_advisory_check_pkgs(&ctx, &set,
		    pkgs, npkgs);
		jp_advset_release(&set);
	}
	jp_debsec_free(ds);
	return 0;
}
