/*
 * fuzz_plan: plans (jprepo-plan(5)) through jp_apply_plan_parse, every
 * host's section taken by the callback and released.
 */
#include "config.h"

#include "fuzz_common.h"
#include "apply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
take(void *opaque, struct jp_apply_set *s)
{
	size_t *hosts = opaque;

	(*hosts)++;
	(void)s;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_ctx ctx;
	size_t hosts = 0;

	fz_ctx(&ctx);
	(void)jp_apply_plan_parse(&ctx, "fuzz", (const char *)data, size,
	    take, &hosts);
	return 0;
}
