/*
 * fuzz_advisory: updateinfo.xml through jp_advisory_load.  A set that is
 * accepted is written as updateinfo again (jp_advisory_write_xml) and,
 * when the writer takes it, the text written must load again.
 */
#include "config.h"

#include "fuzz_common.h"
#include "advisory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_advset set = { 0 }, back = { 0 };
	struct jp_ctx ctx;
	char path[128];
	char *xml;
	size_t len;

	fz_ctx(&ctx);
	fz_write(fz_tmpdir(), "updateinfo.xml", data, size);
	snprintf(path, sizeof(path), "%s/updateinfo.xml", fz_tmpdir());
	if (jp_advisory_load(&ctx, path, &set) < 0)
		return 0;
	if (jp_advisory_write_xml(&ctx, &set, &xml, &len) == 0) {
		fz_write(fz_tmpdir(), "again.xml", xml, len);
		snprintf(path, sizeof(path), "%s/again.xml", fz_tmpdir());
		if (jp_advisory_load(&ctx, path, &back) < 0) {
			fprintf(stderr, "fuzz_advisory: written updateinfo "
			    "refused: %s\n", jp_error_msg(&ctx));
			abort();
		}
		if (back.n != set.n)
			abort();
		jp_advset_release(&back);
		free(xml);
	}
	jp_advset_release(&set);
	return 0;
}
