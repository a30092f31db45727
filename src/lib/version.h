/*
 * version.h: version order of rpm and dpkg.
 *
 * rpm order comes from librpm's rpmvercmp() (rpmio/rpmvercmp.c), with the
 * epoch compared as an integer first (missing = 0), then version, then
 * release.  dpkg order follows lib/dpkg/version.c: epoch as an integer,
 * then upstream version and revision, each by verrevcmp().
 *
 * Every comparison returns <0, 0 or >0 like strcmp().
 */
#ifndef JP_VERSION_H
#define JP_VERSION_H

/* --- rpm --- */
/* One version or release string, as rpmvercmp(). */
int jp_rpm_vercmp(const char *a, const char *b);
/* Full EVR; NULL or "" epoch means 0; NULL release compares as equal to any. */
int jp_rpm_evrcmp(const char *ea, const char *va, const char *ra,
    const char *eb, const char *vb, const char *rb);
/* Parse "[E:]V[-R]" in place into its parts (pointers into s). */
void jp_rpm_evr_split(char *s, const char **e, const char **v, const char **r);

/* --- dpkg --- */
/* One upstream or revision part, as dpkg's verrevcmp(). */
int jp_deb_verrevcmp(const char *a, const char *b);
/* Full "[epoch:]upstream[-revision]" strings. */
int jp_deb_vercmp(const char *a, const char *b);
/*
 * Check a dpkg version string for syntax errors (as dpkg's
 * parseversion()): returns NULL when valid, else a static message.
 */
const char *jp_deb_version_check(const char *s);

#endif
