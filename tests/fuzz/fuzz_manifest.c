/*
 * fuzz_manifest: bundle MANIFEST (jprepo-bundle(5)) through
 * jp_manifest_parse.  A manifest that is accepted is formatted again and
 * the text must parse again (the writer only writes what the reader takes).
 */
#include "config.h"

#include "fuzz_common.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_manifest mf, back;
	struct jp_ctx ctx;
	size_t len;
	char *text;

	fz_ctx(&ctx);
	if (jp_manifest_parse(&ctx, "MANIFEST", (const char *)data, size,
	    &mf) < 0)
		return 0;
	text = jp_manifest_format(&mf, &len);
	if (jp_manifest_parse(&ctx, "MANIFEST", text, len, &back) < 0) {
		fprintf(stderr, "fuzz_manifest: formatted manifest refused: %s\n",
		    jp_error_msg(&ctx));
		abort();
	}
	jp_manifest_release(&back);
	free(text);
	jp_manifest_release(&mf);
	return 0;
}
