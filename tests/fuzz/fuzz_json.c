/*
 * fuzz_json: the JSON tokenizer.  The input is read twice: from memory,
 * and through the reader callback in pieces of 1 to 8 bytes (the size
 * taken from the first byte); both must give the same tokens and the same
 * verdict.
 */
#include "config.h"

#include "fuzz_common.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
	const uint8_t *p;
	size_t n, chunk;
};

static long
rd(void *opaque, void *buf, size_t size)
{
	struct src *s = opaque;
	size_t k = s->n < s->chunk ? s->n : s->chunk;

	if (k > size)
		k = size;
	memcpy(buf, s->p, k);
	s->p += k;
	s->n -= k;
	return (long)k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_json a, b;
	struct src s = { data, size, size > 0 ? (size_t)(data[0] & 7) + 1 : 1 };
	enum jp_json_tok ta, tb;
	int ra, rb;

	jp_json_init_mem(&a, data, size);
	jp_json_init_reader(&b, rd, &s);
	for (;;) {
		size_t la, lb;
		const char *xa, *xb;

		ra = jp_json_next(&a, &ta);
		rb = jp_json_next(&b, &tb);
		if (ra != rb || (ra == 0 && ta != tb))
			abort();
		if (ra < 0 || ta == JP_JSON_END)
			break;
		if (ta == JP_JSON_KEY || ta == JP_JSON_STRING ||
		    ta == JP_JSON_NUMBER) {
			xa = jp_json_text(&a, &la);
			xb = jp_json_text(&b, &lb);
			if (la != lb || memcmp(xa, xb, la) != 0)
				abort();
		}
		if (jp_json_depth(&a) != jp_json_depth(&b))
			abort();
	}
	if (ra < 0 && jp_json_error_offset(&a) != jp_json_error_offset(&b) &&
	    strcmp(jp_json_error(&a), jp_json_error(&b)) != 0)
		abort();
	jp_json_release(&a);
	jp_json_release(&b);
	return 0;
}
