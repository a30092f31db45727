/*
 * fuzz_deb822: deb822 stanzas (jp_deb822_next), with and without
 * comments allowed, and the word-list helpers over every value read.
 */
#include "config.h"

#include "fuzz_common.h"
#include "deb822.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jp_deb822_stanza *v = NULL;
	struct jp_ctx ctx;
	size_t n = 0, i, j;
	unsigned flags = size > 0 && (data[0] & 1) ? JP_DEB822_COMMENTS : 0;

	fz_ctx(&ctx);
	if (jp_deb822_parse(&ctx, (const char *)data, size, "fuzz", flags,
	    &v, &n) == 0) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < v[i].nfields; j++) {
				char **w = NULL;
				size_t nw = 0;

				jp_deb822_words_split(&w, &nw, v[i].fields[j].value);
				if (nw > 0)
					(void)jp_deb822_word_in(v[i].fields[j].value, w[0]);
				jp_deb822_words_free(w, nw);
			}
			(void)jp_deb822_get(&v[i], "Package");
		}
		jp_deb822_free(v, n);
	}
	return 0;
}
