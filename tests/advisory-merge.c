/*
 * advisory-merge: test helper.  Loads each updateinfo file given (merging
 * them as `jprepo build --advisories` does) and writes the result to
 * stdout, so that shell tests can hand it to modifyrepo_c, dnf and libsolv.
 *
 *   advisory-merge FILE...
 *
 * Exit status 0, or 1 with the error on stderr.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "advisory.h"
#include "ctx.h"

int
main(int argc, char **argv)
{
	struct jp_ctx ctx;
	struct jp_advset set = { NULL, 0, 0 };
	char *xml = NULL;
	size_t len = 0;
	int i, rc = 1;

	jp_ctx_init(&ctx, "advisory-merge");
	if (argc < 2) {
		fputs("usage: advisory-merge FILE...\n", stderr);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (jp_advisory_load(&ctx, argv[i], &set) < 0)
			goto out;
	if (jp_advisory_write_xml(&ctx, &set, &xml, &len) < 0)
		goto out;
	if (fwrite(xml, 1, len, stdout) != len || fflush(stdout) != 0) {
		perror("advisory-merge: stdout");
		goto out;
	}
	rc = 0;
out:
	if (rc)
		jp_err(&ctx, "%s", jp_error_msg(&ctx));
	free(xml);
	jp_advset_release(&set);
	return rc;
}
