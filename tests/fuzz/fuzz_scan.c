/*
 * fuzz_scan: scan files (jprepo-scan(5)) through jp_scan_parse; what it
 * accepts is also digested and each package's EVR formed, as plan does.
 */
#include "config.h"

#include "fuzz_common.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_scan scan;
	struct jp_ctx ctx;
	char digest[65];
	size_t i;

	fz_ctx(&ctx);
	jp_scan_init(&scan);
	if (jp_scan_parse(&ctx, "fuzz", (const char *)data, size, &scan) == 0) {
		jp_scan_state_digest(&scan, digest);
		for (i = 0; i < scan.npkgs; i++) {
			char *evr = jp_scan_pkg_evr(&scan, &scan.pkgs[i]);

			(void)jp_scan_pkg_live(&scan, &scan.pkgs[i]);
			free(evr);
		}
	}
	jp_scan_release(&scan);
	return 0;
}
