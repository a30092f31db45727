/*
 * fuzz_rpmmd: the RPM-MD pool reader (rpmmd_read.c: repomd.xml, primary,
 * filelists, updateinfo) behind jp_pool_add_repo.  It reads a repository
 * directory, so the input is written into one.  The first byte says which
 * file the rest of the input is (modulo 4): 0 repodata/repomd.xml,
 * 1 primary, 2 filelists, 3 updateinfo; the other files are the small
 * fixed ones below (a createrepo_c-style repository of one package that
 * requires a file only filelists lists, so that jp_pool_complete reads
 * filelists too).  The pool is then completed and indexed as plan does.
 */
#include "config.h"

#include "fuzz_common.h"
#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char repomd[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" "
    "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n"
    "  <revision>1</revision>\n"
    "  <data type=\"primary\"><location href=\"repodata/primary.xml\"/></data>\n"
    "  <data type=\"filelists\"><location href=\"repodata/filelists.xml\"/></data>\n"
    "  <data type=\"updateinfo\"><location href=\"repodata/updateinfo.xml\"/></data>\n"
    "</repomd>\n";

static const char primary[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<metadata xmlns=\"http://linux.duke.edu/metadata/common\" "
    "xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"1\">\n"
    "<package type=\"rpm\">\n"
    "  <name>hello</name>\n  <arch>noarch</arch>\n"
    "  <version epoch=\"0\" ver=\"1.1\" rel=\"1\"/>\n"
    "  <location href=\"Packages/hello-1.1-1.noarch.rpm\"/>\n"
    "  <format>\n"
    "    <rpm:provides><rpm:entry name=\"hello\" flags=\"EQ\" epoch=\"0\" "
    "ver=\"1.1\" rel=\"1\"/></rpm:provides>\n"
    "    <rpm:requires><rpm:entry name=\"/usr/lib/hello/greet\"/>"
    "</rpm:requires>\n"
    "    <file>/usr/bin/hello</file>\n"
    "  </format>\n"
    "</package>\n"
    "</metadata>\n";

static const char filelists[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" "
    "packages=\"1\">\n"
    "<package pkgid=\"0\" name=\"hello\" arch=\"noarch\">\n"
    "  <version epoch=\"0\" ver=\"1.1\" rel=\"1\"/>\n"
    "  <file>/usr/bin/hello</file>\n"
    "  <file>/usr/lib/hello/greet</file>\n"
    "</package>\n"
    "</filelists>\n";

static const char updateinfo[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<updates/>\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[4] = { "repodata/repomd.xml",
	    "repodata/primary.xml", "repodata/filelists.xml",
	    "repodata/updateinfo.xml" };
	static const char *texts[4] = { repomd, primary, filelists, updateinfo };
	struct jp_pool pool;
	struct jp_ctx ctx;
	char dir[128];
	static unsigned last = 4;
	unsigned which, i;
	int rc;

	if (size < 1)
		return 0;
	which = data[0] % 4;
	snprintf(dir, sizeof(dir), "%s/repo", fz_tmpdir());
	/* The fixed files again only where the last input was another one. */
	for (i = 0; i < 4; i++) {
		if (i == which)
			fz_write(dir, names[i], data + 1, size - 1);
		else if (i == last || last > 3)
			fz_write(dir, names[i], texts[i], strlen(texts[i]));
	}
	last = which;
	fz_ctx(&ctx);
	jp_pool_init(&pool, JP_POOL_RPM);
	rc = jp_pool_add_repo(&ctx, &pool, dir, NULL);
	if (rc == 0)
		rc = jp_pool_complete(&ctx, &pool);
	fz_debug(&ctx, "add_repo", rc);
	if (rc == 0)
		jp_pool_index(&pool);
	jp_pool_release(&pool);
	return 0;
}
