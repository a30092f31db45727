/*
 * fuzz_request: request files (jprepo-request(5)); jp_request_read reads
 * a path, so the input is written to a file first.  What is accepted is
 * written back and read again: the second read must succeed.
 */
#include "config.h"

#include "fuzz_common.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_request r, back;
	struct jp_ctx ctx;
	char path[128], out[128];

	fz_ctx(&ctx);
	snprintf(path, sizeof(path), "%s/req", fz_tmpdir());
	snprintf(out, sizeof(out), "%s/req.out", fz_tmpdir());
	fz_write(fz_tmpdir(), "req", data, size);
	jp_request_init(&r);
	if (jp_request_read(&ctx, path, &r) == 0) {
		if (jp_request_write(&ctx, &r, out) < 0)
			abort();
		jp_request_init(&back);
		if (jp_request_read(&ctx, out, &back) < 0) {
			fprintf(stderr, "fuzz_request: rewritten request refused: "
			    "%s\n", jp_error_msg(&ctx));
			abort();
		}
		jp_request_release(&back);
	}
	jp_request_release(&r);
	return 0;
}
