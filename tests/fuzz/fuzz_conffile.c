/*
 * fuzz_conffile: configuration files (jprepo.conf(5)) through
 * jp_conffile_parse, then the arguments of a few commands taken from what
 * was accepted.
 */
#include "config.h"

#include "fuzz_common.h"
#include "conffile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *cmds[] = { "build", "export", "import", "plan",
	    "apply", "scan" };
	struct jp_conffile *cf = NULL;
	struct jp_ctx ctx;
	size_t i;

	fz_ctx(&ctx);
	if (jp_conffile_parse(&ctx, "fuzz.conf", (const char *)data, size,
	    &cf) != 0)
		return 0;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *argv[] = { (char *)"jprepo", (char *)"ARG", NULL };
		struct jp_conffile_argv a;

		memset(&a, 0, sizeof(a));
		if (jp_conffile_args(&ctx, cf, cmds[i], 2, argv, &a) >= 0)
			jp_conffile_argv_free(&a);
	}
	jp_conffile_free(cf);
	return 0;
}
