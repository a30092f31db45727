/*
 * version.c: version order of rpm and dpkg.
 *
 * The rpm side leaves the segment compare to librpm's rpmvercmp() and adds
 * the epoch and release rules around it.  The dpkg side is written here
 * from the rules of dpkg's lib/dpkg/version.c (verrevcmp and
 * dpkg_version_compare) and lib/dpkg/parsehelp.c (parseversion), as
 * described in deb-version(7); no dpkg code is used.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <rpm/rpmver.h>

#include "version.h"

/*
 * Character classes in the C locale, whatever the process locale is: dpkg
 * uses its own c_isdigit()/c_isalpha() for the same reason.  They take a
 * plain char: bytes above 0x7f, negative or not, are in no class.
 */
static int
jp_version_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static int
jp_version_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* isblank() in the C locale: the characters dpkg trims around a version. */
static int
jp_version_isblank(int c)
{
	return c == ' ' || c == '\t';
}

/* isspace() in the C locale: what strtol() skips before the epoch. */
static int
jp_version_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
jp_version_sign(int c)
{
	return (c > 0) - (c < 0);
}

/*
 * Compare two runs of decimal digits by their value, of any length, without
 * converting them to an integer (epochs may be longer than any integer
 * type).  Leading zeros do not count; an empty run is 0.
 */
static int
jp_version_numcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	while (alen > 0 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 0 && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return jp_version_sign(memcmp(a, b, alen));
}

/* True when s is made of decimal digits only (the empty string included). */
static int
jp_version_alldigits(const char *s)
{
	for (; *s; s++)
		if (!jp_version_isdigit(*s))
			return 0;
	return 1;
}

/* --- rpm --- */

/*
 * Compare one version or release string the way rpm does: librpm's
 * rpmvercmp() (rpmio/rpmvercmp.c), which skips separators other than '~'
 * and '^', sorts '~' before everything (the end included) and '^' after the
 * end but before any further segment, lets a digit run beat a letter run
 * and compares digit runs by value.  NULL is taken as "".
 * Returns -1, 0 or 1.
 */
int
jp_rpm_vercmp(const char *a, const char *b)
{
	return rpmvercmp(a ? a : "", b ? b : "");
}

/*
 * Compare two [E:]V[-R] triples in rpm order: epoch, then version, then
 * release, each part of any length.
 *
 * The epoch is a number: NULL and "" mean 0, and two all-digit epochs are
 * compared by value as digit strings, so epochs beyond any integer type
 * still order correctly (rpm's rpmverCmp() in rpmio/rpmver.c compares
 * epochs with rpmvercmp(), which does the same for digits).  An epoch that
 * is not all digits cannot come from a package header or from
 * jp_rpm_evr_split(); it is handed to rpmvercmp() as rpm would.
 *
 * A release that is NULL or "" on either side matches any release, as in
 * rpm's dependency matching (rpmverOverlap(), rpmdsCompare()): "1.0"
 * equals "1.0-3".  Note that rpmverCmp() (and so rpm.vercmp() in rpm's
 * Lua) instead sorts a missing release before a present one.
 * Returns -1, 0 or 1.
 */
int
jp_rpm_evrcmp(const char *ea, const char *va, const char *ra,
    const char *eb, const char *vb, const char *rb)
{
	int c;

	if (!ea || !*ea)
		ea = "0";
	if (!eb || !*eb)
		eb = "0";
	if (jp_version_alldigits(ea) && jp_version_alldigits(eb))
		c = jp_version_numcmp(ea, strlen(ea), eb, strlen(eb));
	else
		c = jp_rpm_vercmp(ea, eb);
	if (c != 0)
		return c;
	c = jp_rpm_vercmp(va, vb);
	if (c != 0)
		return c;
	if (!ra || !*ra || !rb || !*rb)
		return 0;
	return jp_rpm_vercmp(ra, rb);
}

/*
 * Split an rpm "[E:]V[-R]" string in place, as rpm's parseEVR()
 * (rpmio/rpmver.c): the epoch is the text before the first ':' when that
 * text is all digits (it may be empty: ":1.0" gives the epoch "", which
 * jp_rpm_evrcmp() takes as 0); the release is the text after the last '-'
 * of the rest.  Parts that are absent are set to NULL; "1.0-" gives the
 * release "".  The ':' and '-' found are overwritten with NUL bytes, so the
 * pointers stored point into s.  Any of e, v, r may be NULL when the caller
 * does not want that part.  A NULL s gives three NULLs.
 */
void
jp_rpm_evr_split(char *s, const char **e, const char **v, const char **r)
{
	const char *ep = NULL, *vp = s, *rp = NULL;
	char *p, *dash;

	if (s) {
		for (p = s; jp_version_isdigit(*p); p++)
			;
		if (*p == ':') {
			*p = '\0';
			ep = s;
			vp = p + 1;
		}
		dash = strrchr(vp, '-');
		if (dash) {
			*dash = '\0';
			rp = dash + 1;
		}
	}
	if (e)
		*e = ep;
	if (v)
		*v = vp;
	if (r)
		*r = rp;
}

/* --- dpkg --- */

/*
 * The weight of the character at p in the non-digit part of dpkg's
 * verrevcmp() (deb-version(7)): '~' sorts before everything, even the end
 * of the part; the end of the part (or a digit, which ends the non-digit
 * run) comes next; then letters in ASCII order; then every other character,
 * in ASCII order, after all letters.
 *
 * Bytes above 0x7f are not valid in a version; dpkg's result for them
 * depends on whether char is signed on the platform.  They are taken as
 * unsigned here (after all letters), the same on every platform.
 */
static int
jp_deb_weight(const char *p, const char *end)
{
	int c;

	if (p == end)
		return 0;
	c = (unsigned char)*p;
	if (c == '~')
		return -1;
	if (jp_version_isdigit(c))
		return 0;
	if (jp_version_isalpha(c))
		return c;
	return c + 256;
}

/*
 * dpkg's verrevcmp() over [a, ae) and [b, be): alternately compare a run of
 * non-digits, character by character with jp_deb_weight(), and a run of
 * digits, by value (leading zeros ignored, any length), until a difference
 * or the end of both.
 */
static int
jp_deb_partcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		const char *da, *db;
		int wa, wb, c;

		while ((a < ae && !jp_version_isdigit(*a)) ||
		    (b < be && !jp_version_isdigit(*b))) {
			wa = jp_deb_weight(a, ae);
			wb = jp_deb_weight(b, be);
			if (wa != wb)
				return wa < wb ? -1 : 1;
			/* Equal weights: the same non-digit on both sides. */
			a++;
			b++;
		}
		for (da = a; a < ae && jp_version_isdigit(*a); a++)
			;
		for (db = b; b < be && jp_version_isdigit(*b); b++)
			;
		c = jp_version_numcmp(da, (size_t)(a - da),
		    db, (size_t)(b - db));
		if (c != 0)
			return c;
	}
	return 0;
}

/*
 * Compare one upstream version or revision as dpkg's verrevcmp()
 * (lib/dpkg/version.c).  NULL is taken as "".  Returns -1, 0 or 1.
 */
int
jp_deb_verrevcmp(const char *a, const char *b)
{
	if (!a)
		a = "";
	if (!b)
		b = "";
	return jp_deb_partcmp(a, a + strlen(a), b, b + strlen(b));
}

/* A dpkg version cut into its parts; each part is [start, end). */
struct jp_deb_parts {
	const char *epoch, *epoch_end;       /* digits only; empty = 0 */
	const char *upstream, *upstream_end;
	const char *revision, *revision_end; /* empty when absent */
	int empty;                           /* NULL, "", or blanks only */
};

/*
 * Cut s into its parts and check it as dpkg's parseversion()
 * (lib/dpkg/parsehelp.c) does, in the same order, with dpkg's messages:
 *
 *   - blanks (space, tab) around the version are ignored; nothing else left
 *     is "version string is empty", a blank inside is "has embedded spaces";
 *   - when there is a ':', the text before the first one is the epoch,
 *     read as strtol() does (leading white space and a sign allowed): no
 *     digits is "epoch ... is empty", anything after the digits "is not
 *     number", below 0 "is negative", above INT_MAX "is too big", and
 *     nothing after the ':' is an error too;
 *   - the revision is what follows the last '-' and must not be empty; the
 *     upstream version before it must not be empty either;
 *   - the upstream version must start with a digit and hold only
 *     alphanumerics and ". + ~ - :", the revision only alphanumerics and
 *     ". + ~".
 *
 * Returns NULL when s is valid, else the message.  *fatal is set to 1 for
 * the errors that make dpkg refuse the version, 0 for the last group of
 * rules, which dpkg only warns about.  The parts are filled in whenever
 * *fatal is 0; on a fatal error they hold a best effort (see
 * jp_deb_vercmp()).
 */
static const char *
jp_deb_parse(const char *s, struct jp_deb_parts *d, int *fatal)
{
	const char *start, *end, *last, *p, *colon, *dash;
	const char *epoch, *epoch_end, *body;

	*fatal = 1;
	if (!s)
		s = "";
	for (start = s; jp_version_isblank(*start); start++)
		;
	for (last = start + strlen(start); last > start &&
	    jp_version_isblank(last[-1]); last--)
		;
	/* Kept on a fatal error: no epoch, split at the last '-'. */
	for (dash = NULL, p = start; p < last; p++)
		if (*p == '-')
			dash = p;
	d->empty = (start == last);
	d->epoch = d->epoch_end = start;
	d->upstream = start;
	d->upstream_end = dash ? dash : last;
	d->revision = dash ? dash + 1 : last;
	d->revision_end = last;

	for (end = start; *end && !jp_version_isblank(*end); end++)
		;
	if (start == end)
		return "version string is empty";
	if (end != last)
		return "version string has embedded spaces";

	epoch = epoch_end = body = start;
	colon = memchr(start, ':', (size_t)(end - start));
	if (colon) {
		int negative = 0;
		size_t len;

		for (p = start; p < colon && jp_version_isspace(*p); p++)
			;
		if (p < colon && (*p == '+' || *p == '-')) {
			negative = (*p == '-');
			p++;
		}
		for (epoch = p; p < colon && jp_version_isdigit(*p); p++)
			;
		epoch_end = p;
		if (epoch == epoch_end)
			return "epoch in version is empty";
		if (epoch_end != colon)
			return "epoch in version is not number";
		len = (size_t)(epoch_end - epoch);
		if (negative && jp_version_numcmp(epoch, len, "", 0) != 0)
			return "epoch in version is negative";
		/* dpkg keeps the epoch in an int: INT_MAX of its platforms. */
		if (jp_version_numcmp(epoch, len, "2147483647", 10) > 0)
			return "epoch in version is too big";
		if (colon + 1 == end)
			return "nothing after colon in version number";
		body = colon + 1;
	}

	for (dash = NULL, p = body; p < end; p++)
		if (*p == '-')
			dash = p;
	if (dash && dash + 1 == end)
		return "revision number is empty";
	if ((dash ? dash : end) == body)
		return "version number is empty";

	*fatal = 0;
	d->epoch = epoch;
	d->epoch_end = epoch_end;
	d->upstream = body;
	d->upstream_end = dash ? dash : end;
	d->revision = dash ? dash + 1 : end;
	d->revision_end = end;
	if (!jp_version_isdigit(*d->upstream))
		return "version number does not start with digit";
	for (p = d->upstream + 1; p < d->upstream_end; p++)
		if (!jp_version_isdigit(*p) &&
		    !jp_version_isalpha(*p) && !strchr(".-+~:", *p))
			return "invalid character in version number";
	for (p = d->revision; p < d->revision_end; p++)
		if (!jp_version_isdigit(*p) &&
		    !jp_version_isalpha(*p) && !strchr(".+~", *p))
			return "invalid character in revision number";
	return NULL;
}

/*
 * Compare two full "[epoch:]upstream[-revision]" strings in dpkg order
 * (dpkg_version_compare() in lib/dpkg/version.c): the epochs by value
 * (absent = 0; any length, without overflow), then the upstream versions,
 * then the revisions (absent = ""), each by jp_deb_verrevcmp().  Blanks
 * around a version are ignored, as dpkg does.
 *
 * NULL and "" (or blanks only) sort before every other version and equal
 * each other, as in `dpkg --compare-versions`, which takes an empty
 * argument as "no version".
 *
 * Versions that jp_deb_version_check() rejects only with one of dpkg's
 * warnings (bad characters, no leading digit) are compared as dpkg
 * compares them.  Versions that dpkg refuses outright have no dpkg order;
 * they are compared with epoch 0 and all their text (blanks around
 * removed) split at its last '-', so the result is at least consistent.
 * Returns -1, 0 or 1.
 */
int
jp_deb_vercmp(const char *a, const char *b)
{
	struct jp_deb_parts pa, pb;
	int fatal, c;

	(void)jp_deb_parse(a, &pa, &fatal);
	(void)jp_deb_parse(b, &pb, &fatal);
	if (pa.empty || pb.empty)
		return pb.empty - pa.empty;
	c = jp_version_numcmp(pa.epoch, (size_t)(pa.epoch_end - pa.epoch),
	    pb.epoch, (size_t)(pb.epoch_end - pb.epoch));
	if (c != 0)
		return c;
	c = jp_deb_partcmp(pa.upstream, pa.upstream_end,
	    pb.upstream, pb.upstream_end);
	if (c != 0)
		return c;
	return jp_deb_partcmp(pa.revision, pa.revision_end,
	    pb.revision, pb.revision_end);
}

/*
 * Check a dpkg version string with the rules of dpkg's parseversion() (see
 * jp_deb_parse() above).  Returns NULL when s is valid, else a static
 * message worded as dpkg's, e.g. "epoch in version is not number".
 *
 * dpkg itself only warns when the upstream version does not start with a
 * digit or when the upstream version or revision holds a character outside
 * their sets, and still installs such a package; Debian policy (5.6.12)
 * and dpkg's own Perl tools (Dpkg::Version, used by dpkg-source and
 * dpkg-gencontrol) reject them.  They are reported here as invalid too: a
 * repository should not publish a version that the Debian tools refuse to
 * build.  A NULL or empty s is "version string is empty".
 */
const char *
jp_deb_version_check(const char *s)
{
	struct jp_deb_parts d;
	int fatal;

	return jp_deb_parse(s, &d, &fatal);
}
