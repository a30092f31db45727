/*
 * fuzz_version: version strings.  The input is split at its first NUL
 * into two strings a and b, compared by rpm's rules (rpmvercmp, and the
 * EVR split) and dpkg's (with the version checked first); the laws that
 * must hold whatever the strings are: a compared with itself is equal,
 * and swapping the operands flips the sign.
 *
 * Built with libdpkg (tools/fuzz adds JP_FUZZ_LIBDPKG when pkg-config
 * finds it: Debian's libdpkg-dev), dpkg itself is the oracle: a string
 * that dpkg's parseversion() takes without error or warning must pass
 * jp_deb_version_check, one it refuses with an error must not, and two
 * versions both take must compare as dpkg_version_compare() compares them.
 * (The rpm side calls librpm's rpmvercmp() itself, so only the laws apply.)
 */
#include "config.h"

#include "fuzz_common.h"
#include "version.h"

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

#ifdef JP_FUZZ_LIBDPKG
#define LIBDPKG_VOLATILE_API 1
#include <dpkg/dpkg-db.h>
#include <dpkg/error.h>
#include <dpkg/version.h>

/* dpkg's verdict on s: 0 taken, 1 warning, 2 error; *v filled when 0. */
static int
dpkg_parse(struct dpkg_version *v, const char *s)
{
	struct dpkg_error err = DPKG_ERROR_INIT;
	int rc = parseversion(v, s, &err);
	int kind = rc == 0 ? 0 : err.type == DPKG_MSG_WARN ? 1 : 2;

	dpkg_error_destroy(&err);
	return kind;
}

static void
dpkg_oracle(const char *a, const char *b)
{
	struct dpkg_version va, vb;
	int ka = dpkg_parse(&va, a), kb = dpkg_parse(&vb, b);
	const char *ca = jp_deb_version_check(a), *cb = jp_deb_version_check(b);

	if ((ka == 0 && ca != NULL) || (kb == 0 && cb != NULL)) {
		fprintf(stderr, "fuzz_version: dpkg takes '%s' / '%s', "
		    "jprepo says: %s\n", a, b, ca ? ca : cb);
		abort();
	}
	if ((ka == 2 && ca == NULL) || (kb == 2 && cb == NULL)) {
		fprintf(stderr, "fuzz_version: dpkg refuses '%s' or '%s', "
		    "jprepo takes it\n", a, b);
		abort();
	}
	if (ka == 0 && kb == 0 && sign(dpkg_version_compare(&va, &vb)) !=
	    sign(jp_deb_vercmp(a, b))) {
		fprintf(stderr, "fuzz_version: '%s' vs '%s': dpkg %d, jprepo %d\n",
		    a, b, dpkg_version_compare(&va, &vb), jp_deb_vercmp(a, b));
		abort();
	}
	nffreeall();
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = jp_xmalloc(size + 2), *a, *b, *ca, *cb;
	const char *ea, *va, *ra, *eb, *vb, *rb;
	size_t la;

	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	a = buf;
	la = strlen(a);
	b = la < size ? buf + la + 1 : buf + size + 1;

	if (jp_rpm_vercmp(a, a) != 0)
		abort();
	if (sign(jp_rpm_vercmp(a, b)) != -sign(jp_rpm_vercmp(b, a)))
		abort();
	ca = jp_xstrdup(a);
	cb = jp_xstrdup(b);
	jp_rpm_evr_split(ca, &ea, &va, &ra);
	jp_rpm_evr_split(cb, &eb, &vb, &rb);
	if (sign(jp_rpm_evrcmp(ea, va, ra, eb, vb, rb)) !=
	    -sign(jp_rpm_evrcmp(eb, vb, rb, ea, va, ra)))
		abort();
	free(ca);
	free(cb);

	(void)jp_deb_verrevcmp(a, b);
	if (jp_deb_version_check(a) == NULL && jp_deb_version_check(b) == NULL) {
		if (jp_deb_vercmp(a, a) != 0)
			abort();
		if (sign(jp_deb_vercmp(a, b)) != -sign(jp_deb_vercmp(b, a)))
			abort();
	}
#ifdef JP_FUZZ_LIBDPKG
	dpkg_oracle(a, b);
#endif
	free(buf);
	return 0;
}
