/*
 * strnum.h: decimal numbers and words from untrusted text.
 *
 * sscanf("%llu") and strtoull() take a sign ("-1" becomes 2^64-1),
 * leading white space and, in ISO C, overflow is undefined for the
 * scanf family (CERT ERR34-C).  Every number jprepo reads from a file
 * that crossed the air gap (bundle COMMIT files and volume headers,
 * Release checksum lines, request files, plans, dates of advisories)
 * goes through these instead: ASCII digits only, at least one, and a
 * value that fits.
 */
#ifndef JP_STRNUM_H
#define JP_STRNUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The n bytes at s are all ASCII digits (n >= 1) and their value fits
 * in 64 bits: store it in *out and return 0; else -1 (*out untouched).
 */
int jp_strnum_u64n(const char *s, size_t n, uint64_t *out);
/* The same for the whole NUL-terminated string s. */
int jp_strnum_u64(const char *s, uint64_t *out);
/* An optional '-' then digits, fitting in int64_t. */
int jp_strnum_i64(const char *s, int64_t *out);
/*
 * Split line in place into words separated by runs of spaces and tabs
 * (leading and trailing ones ignored); at most max words are stored in
 * w.  Returns the number of words the line holds (which may be more
 * than max: then only the first max are stored and terminated).
 */
size_t jp_strnum_words(char *line, char **w, size_t max);

#endif
