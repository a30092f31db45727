/*
 * strnum.c: decimal numbers and words from untrusted text (strnum.h).
 */
#include <stdint.h>
#include <string.h>

#include "strnum.h"

int
jp_strnum_u64n(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s == NULL || n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int
jp_strnum_u64(const char *s, uint64_t *out)
{
	return s ? jp_strnum_u64n(s, strlen(s), out) : -1;
}

int
jp_strnum_i64(const char *s, int64_t *out)
{
	uint64_t v;
	int neg;

	if (s == NULL)
		return -1;
	neg = *s == '-';
	if (jp_strnum_u64(s + neg, &v) < 0)
		return -1;
	/* INT64_MIN's magnitude is INT64_MAX + 1 */
	if (v > (uint64_t)INT64_MAX + (uint64_t)neg)
		return -1;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

size_t
jp_strnum_words(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (blank(*p))
			p++;
		if (*p == '\0')
			return n;
		if (n < max)
			w[n] = p;
		n++;
		while (*p != '\0' && !blank(*p))
			p++;
		if (*p == '\0')
			return n;
		if (n <= max)
			*p = '\0';
		p++;
	}
}
