/*
 * scan.c: scan files (jprepo-scan(5)): collecting one host's identity and
 * installed packages, writing them and reading them back.
 *
 * tools/jprepo-scan (POSIX sh) writes the same bytes for the same system;
 * each rule below that decides a value has its twin there, so a change to
 * one must be made to both (tests/t5000..t5020 compare them).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmts.h>
#include <sqlite3.h>

#include "ctx.h"
#include "deb822.h"
#include "digest.h"
#include "fsutil.h"
#include "rpmpkg.h"
#include "scan.h"

/* Latest time the format's "scanned" value can hold: 9999-12-31T23:59:59Z. */
#define JP_SCAN_MAX_TIME 253402300799LL

void
jp_scan_init(struct jp_scan *scan)
{
	memset(scan, 0, sizeof(*scan));
}

static void
jp_scan_pkg_release(struct jp_scan_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->release);
	free(p->arch);
	free(p->source);
	free(p->source_version);
	free(p->status);
}

void
jp_scan_release(struct jp_scan *scan)
{
	size_t i;

	if (!scan)
		return;
	free(scan->host);
	free(scan->machine_id);
	free(scan->os_id);
	free(scan->os_version);
	free(scan->os_name);
	free(scan->arch);
	free(scan->kernel);
	free(scan->apply_txid);
	free(scan->apply_status);
	free(scan->apply_time);
	for (i = 0; i < scan->nfailed; i++) {
		free(scan->failed[i].name);
		free(scan->failed[i].arch);
		free(scan->failed[i].to_version);
	}
	free(scan->failed);
	for (i = 0; i < scan->npkgs; i++)
		jp_scan_pkg_release(&scan->pkgs[i]);
	free(scan->pkgs);
	jp_scan_init(scan);
}

const char *
jp_scan_format_name(int format)
{
	switch (format) {
	case JP_SCAN_RPM:
		return "rpm";
	case JP_SCAN_DEB:
		return "deb";
	}
	return "-";
}

const char *
jp_scan_manager_name(int manager)
{
	switch (manager) {
	case JP_SCAN_DNF:
		return "dnf";
	case JP_SCAN_YUM:
		return "yum";
	case JP_SCAN_ZYPPER:
		return "zypper";
	case JP_SCAN_APT:
		return "apt";
	}
	return "-";
}

/* --- values --- */

/* A byte that cannot be part of a one-word value: blanks and controls. */
static int
jp_scan_badbyte(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/* A byte that cannot be part of a rest-of-line value (os-name). */
static int
jp_scan_badbyte_line(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * A value read from the system, made fit for the format: NULL when empty,
 * else a copy with each blank or control byte replaced by '_' (or, when
 * line is set, only the control bytes: the value ends its line).  The sh
 * writer does the same with tr(1).
 */
static char *
jp_scan_value(const char *s, size_t n, int line)
{
	char *v;
	size_t i;

	if (!s || n == 0)
		return NULL;
	v = jp_xstrndup(s, n);
	for (i = 0; i < n; i++)
		if (line ? jp_scan_badbyte_line((unsigned char)v[i]) :
		    jp_scan_badbyte((unsigned char)v[i]))
			v[i] = '_';
	return v;
}

static char *
jp_scan_word(const char *s)
{
	return s ? jp_scan_value(s, strlen(s), 0) : NULL;
}

/* Blanks trimmed from the first line of a file (hostname, machine-id). */
static int
jp_scan_trimbyte(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* --- files under the root --- */

struct jp_scan_root {
	const char *dir;   /* "/" for the running host */
	int given;         /* --root was given */
};

static char *
jp_scan_path(const struct jp_scan_root *r, const char *rel)
{
	return jp_path_join(r->dir, rel);
}

/* lstat(2) says the path exists (a dangling symbolic link counts). */
static int
jp_scan_lexists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int
jp_scan_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * Read the file rel under the root.  Returns 1 with its contents in
 * *data, 0 when it does not exist, or a negative code with a message when
 * it exists but cannot be read.
 */
static int
jp_scan_slurp(struct jp_ctx *ctx, const struct jp_scan_root *r, const char *rel,
    char **data, size_t *len)
{
	char *path = jp_scan_path(r, rel);
	int rc;

	*data = NULL;
	*len = 0;
	if (!jp_scan_exists(path)) {
		free(path);
		return 0;
	}
	rc = jp_file_read(ctx, path, data, len);
	free(path);
	return rc < 0 ? rc : 1;
}

/*
 * The first line of the file rel under the root, blanks trimmed at both
 * ends; NULL in *out when the file is missing or that line is empty.
 */
static int
jp_scan_first_line(struct jp_ctx *ctx, const struct jp_scan_root *r,
    const char *rel, char **out)
{
	char *data, *p, *e;
	size_t len;
	int rc;

	*out = NULL;
	rc = jp_scan_slurp(ctx, r, rel, &data, &len);
	if (rc <= 0)
		return rc;
	p = data;
	e = memchr(p, '\n', len);
	if (!e)
		e = p + len;
	while (p < e && jp_scan_trimbyte(*p))
		p++;
	while (e > p && jp_scan_trimbyte(e[-1]))
		e--;
	if (e > p)
		*out = jp_xstrndup(p, (size_t)(e - p));
	free(data);
	return 0;
}

/* --- os-release(5) --- */

struct jp_os_release {
	char *id;
	char *id_like;
	char *version_id;
	char *pretty_name;
};

static void
jp_os_release_free(struct jp_os_release *os)
{
	free(os->id);
	free(os->id_like);
	free(os->version_id);
	free(os->pretty_name);
}

/*
 * The value of an assignment, unquoted as a shell would (os-release(5):
 * "Variable assignment values must be enclosed in double or single quotes
 * if they include spaces ...; shell special characters must be escaped
 * with backslashes, following shell style"): outside quotes a backslash
 * takes the next byte as it is; inside '' everything is literal; inside
 * "" a backslash escapes only $ ` " and \ and is kept before anything
 * else.  An unterminated quote ends with the line.
 */
static char *
jp_os_unquote(const char *s, size_t n)
{
	char *out = jp_xmalloc(n + 1);
	size_t i, o = 0;
	int q = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				out[o++] = c;
		} else if (q == '"') {
			if (c == '"')
				q = 0;
			else if (c == '\\' && i + 1 < n &&
			    strchr("$`\"\\", s[i + 1]) && s[i + 1] != '\0')
				out[o++] = s[++i];
			else
				out[o++] = c;
		} else if (c == '\'' || c == '"') {
			q = (unsigned char)c;
		} else if (c == '\\') {
			if (i + 1 < n)
				out[o++] = s[++i];
		} else {
			out[o++] = c;
		}
	}
	out[o] = '\0';
	return out;
}

/*
 * ROOT/etc/os-release, else ROOT/usr/lib/os-release (os-release(5)).  Lines
 * "KEY=value" starting at the first byte; the last assignment of a key
 * wins, as when the file is sourced.
 */
static int
jp_scan_os_release(struct jp_ctx *ctx, const struct jp_scan_root *r,
    struct jp_os_release *os, int *found)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "ID=", offsetof(struct jp_os_release, id) },
		{ "ID_LIKE=", offsetof(struct jp_os_release, id_like) },
		{ "VERSION_ID=", offsetof(struct jp_os_release, version_id) },
		{ "PRETTY_NAME=", offsetof(struct jp_os_release, pretty_name) },
	};
	char *data, *p, *end;
	size_t len, k;
	int rc;

	memset(os, 0, sizeof(*os));
	*found = 0;
	rc = jp_scan_slurp(ctx, r, "etc/os-release", &data, &len);
	if (rc == 0)
		rc = jp_scan_slurp(ctx, r, "usr/lib/os-release", &data, &len);
	if (rc <= 0)
		return rc;
	*found = 1;
	for (p = data, end = data + len; p < end; ) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			size_t kl = strlen(keys[k].key);
			char **slot = (char **)((char *)os + keys[k].off);

			if (n >= kl && !memcmp(p, keys[k].key, kl)) {
				free(*slot);
				*slot = jp_os_unquote(p + kl, n - kl);
				break;
			}
		}
		p += n + 1;
	}
	free(data);
	return 0;
}

/* Whether word is ID or one of the blank-separated words of ID_LIKE. */
static int
jp_os_is(const struct jp_os_release *os, const char *word)
{
	const char *p;
	size_t wl = strlen(word);

	if (os->id && !strcmp(os->id, word))
		return 1;
	for (p = os->id_like; p && *p; ) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, " \t");
		if (n == wl && !memcmp(p, word, n))
			return 1;
		p += n;
	}
	return 0;
}

/* --- package format and manager --- */

/* Files that hold an rpm database (sqlite, ndb, bdb backends). */
static int
jp_scan_rpmdb_in(const char *dir)
{
	static const char *const files[] = {
		"rpmdb.sqlite", "Packages.db", "Packages", NULL,
	};
	size_t i;

	for (i = 0; files[i]; i++) {
		char *p = jp_path_join(dir, files[i]);
		int ok = jp_scan_exists(p);

		free(p);
		if (ok)
			return 1;
	}
	return 0;
}

/*
 * The rpm database under the root, as a path inside the root: rpm's own
 * %{_dbpath} (Debian's rpm: ~/.rpmdb, where its dnf --installroot puts
 * it), /var/lib/rpm (RHEL, SUSE) or /usr/lib/sysimage/rpm (Fedora 36 and
 * later), the first directory that holds a database file.  Checking for
 * the file matters: rpm -qa creates an empty database where there is none.
 * NULL when there is none.
 */
static int
jp_scan_rpm_dbpath(struct jp_ctx *ctx, const struct jp_scan_root *r,
    char **out)
{
	char *cand[3];
	size_t i;

	*out = NULL;
	if (jp_rpmpkg_global_init(ctx) < 0)
		return JP_ERR;
	cand[0] = rpmExpand("%{?_dbpath}", NULL);
	cand[1] = jp_xstrdup("/var/lib/rpm");
	cand[2] = jp_xstrdup("/usr/lib/sysimage/rpm");
	for (i = 0; i < 3 && !*out; i++) {
		char *dir;

		if (!cand[i] || cand[i][0] != '/')
			continue;
		dir = jp_path_join(r->dir, cand[i] + 1);
		if (jp_scan_rpmdb_in(dir)) {
			*out = cand[i];
			cand[i] = NULL;
		}
		free(dir);
	}
	for (i = 0; i < 3; i++)
		free(cand[i]);
	return 0;
}

/*
 * deb when ROOT/var/lib/dpkg/status exists and os-release says debian or
 * ubuntu (ID or ID_LIKE), or when there is no rpm database; else rpm when
 * there is one; else an error.
 */
static int
jp_scan_detect_format(struct jp_ctx *ctx, const struct jp_scan_root *r,
    const struct jp_os_release *os, int *format, char **dbpath)
{
	char *status = jp_scan_path(r, "var/lib/dpkg/status");
	int have_status = jp_scan_exists(status);

	free(status);
	*dbpath = NULL;
	if (have_status && (jp_os_is(os, "debian") || jp_os_is(os, "ubuntu"))) {
		*format = JP_SCAN_DEB;
		return 0;
	}
	if (jp_scan_rpm_dbpath(ctx, r, dbpath) < 0)
		return JP_ERR;
	if (have_status && !*dbpath) {
		*format = JP_SCAN_DEB;
		return 0;
	}
	if (*dbpath) {
		*format = JP_SCAN_RPM;
		return 0;
	}
	return jp_error_set(ctx, JP_ERR, "no package database under '%s': "
	    "neither var/lib/dpkg/status nor an rpm database (var/lib/rpm, "
	    "usr/lib/sysimage/rpm) was found", r->dir);
}

/* The number before the first non-digit of a version, or -1 when none. */
static long
jp_scan_major(const char *v)
{
	long n = 0;
	size_t i;

	if (!v || !(v[0] >= '0' && v[0] <= '9'))
		return -1;
	for (i = 0; v[i] >= '0' && v[i] <= '9' && n < 100000; i++)
		n = n * 10 + (v[i] - '0');
	return n;
}

/*
 * rpm hosts: the first of usr/bin/zypper, usr/bin/dnf (dnf-3, dnf5),
 * usr/bin/yum that exists (a dangling link counts: links inside an image
 * may be absolute); else by os-release: SUSE -> zypper, RHEL/CentOS before
 * 8 -> yum, else dnf.
 */
static int
jp_scan_detect_manager(const struct jp_scan_root *r,
    const struct jp_os_release *os)
{
	static const struct {
		const char *path;
		int manager;
	} bins[] = {
		{ "usr/bin/zypper", JP_SCAN_ZYPPER },
		{ "usr/bin/dnf", JP_SCAN_DNF },
		{ "usr/bin/dnf-3", JP_SCAN_DNF },
		{ "usr/bin/dnf5", JP_SCAN_DNF },
		{ "usr/bin/yum", JP_SCAN_YUM },
	};
	size_t i;

	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		char *p = jp_scan_path(r, bins[i].path);
		int ok = jp_scan_lexists(p);

		free(p);
		if (ok)
			return bins[i].manager;
	}
	if (jp_os_is(os, "suse") || jp_os_is(os, "opensuse") ||
	    jp_os_is(os, "sles") ||
	    (os->id && !strncmp(os->id, "opensuse-", 9)))
		return JP_SCAN_ZYPPER;
	if ((jp_os_is(os, "rhel") || jp_os_is(os, "centos") ||
	    jp_os_is(os, "fedora")) && jp_scan_major(os->version_id) >= 0 &&
	    jp_scan_major(os->version_id) < 8)
		return JP_SCAN_YUM;
	return JP_SCAN_DNF;
}

/* dpkg's name of the running machine's architecture (uname -m). */
static const char *
jp_scan_deb_arch(const char *machine)
{
	static const struct {
		const char *uname, *dpkg;
	} map[] = {
		{ "x86_64", "amd64" },
		{ "aarch64", "arm64" },
		{ "armv7l", "armhf" },
		{ "ppc64le", "ppc64el" },
		{ "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	size_t i;

	if (strlen(machine) == 4 && machine[0] == 'i' &&
	    !strcmp(machine + 2, "86"))
		return "i386";
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(machine, map[i].uname))
			return map[i].dpkg;
	return machine;
}

/* --- packages --- */

static struct jp_scan_pkg *
jp_scan_add_pkg(struct jp_scan *scan)
{
	struct jp_scan_pkg *p;

	if (scan->npkgs == scan->cpkgs) {
		scan->cpkgs = scan->cpkgs ? scan->cpkgs * 2 : 64;
		scan->pkgs = jp_xrealloc(scan->pkgs,
		    scan->cpkgs * sizeof(*scan->pkgs));
	}
	p = &scan->pkgs[scan->npkgs++];
	memset(p, 0, sizeof(*p));
	return p;
}

struct jp_scan_rpmlog {
	char msg[512];
};

/* librpm's messages: kept for our error message instead of printed. */
static int
jp_scan_rpmlog_cb(rpmlogRec rec, rpmlogCallbackData data)
{
	struct jp_scan_rpmlog *log = data;
	const char *m = rpmlogRecMessage(rec);
	size_t n;

	if (rpmlogRecPriority(rec) <= RPMLOG_ERR && m && !log->msg[0]) {
		snprintf(log->msg, sizeof(log->msg), "%s", m);
		n = strlen(log->msg);
		while (n > 0 && (log->msg[n - 1] == '\n' || log->msg[n - 1] == ' '))
			log->msg[--n] = '\0';
	}
	return 0;
}

/*
 * Every package in the rpm database under the root (as `rpm --root R
 * --dbpath D -qa` lists them), but the gpg-pubkey pseudo packages that
 * hold imported keys.  Epoch as %{EPOCHNUM}: 0 when the header has none.
 */
static int
jp_scan_rpm_packages(struct jp_ctx *ctx, const struct jp_scan_root *r,
    const char *dbpath, struct jp_scan *scan)
{
	struct jp_scan_rpmlog log = { { 0 } };
	rpmlogCallback oldcb;
	rpmdbMatchIterator mi = NULL;
	rpmts ts = NULL;
	char *dir = jp_path_join(r->dir, dbpath + 1);
	char *was = rpmExpand("%{?_dbpath}", NULL);
	char *abs = NULL;
	int pushed = 0, rc = 0;
	Header h;

	oldcb = rpmlogSetCallback(jp_scan_rpmlog_cb, &log);
	if (!was || strcmp(was, dbpath)) {
		rpmPushMacro(NULL, "_dbpath", NULL, dbpath, RMIL_CMDLINE);
		pushed = 1;
	}
	ts = rpmtsCreate();
	/* librpm takes absolute root directories only */
	abs = realpath(r->dir, NULL);
	if (!abs) {
		rc = jp_error_errno(ctx, errno, "cannot read root directory '%s'",
		    r->dir);
		goto out;
	}
	if (rpmtsSetRootDir(ts, abs) != 0) {
		rc = jp_error_set(ctx, JP_ERR, "cannot use '%s' as the root of "
		    "the rpm database", r->dir);
		goto out;
	}
	if (rpmtsOpenDB(ts, O_RDONLY) != 0) {
		rc = jp_error_set(ctx, JP_ERR, "cannot open the rpm database "
		    "in '%s'%s%s", dir, log.msg[0] ? ": " : "", log.msg);
		goto out;
	}
	mi = rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
	while (mi && (h = rpmdbNextIterator(mi)) != NULL) {
		const char *name = headerGetString(h, RPMTAG_NAME);
		struct jp_scan_pkg *p;

		if (!name || !strcmp(name, "gpg-pubkey"))
			continue;
		p = jp_scan_add_pkg(scan);
		p->name = jp_scan_word(name);
		p->epoch = (unsigned long)headerGetNumber(h, RPMTAG_EPOCH);
		p->version = jp_scan_word(headerGetString(h, RPMTAG_VERSION));
		p->release = jp_scan_word(headerGetString(h, RPMTAG_RELEASE));
		p->arch = jp_scan_word(headerGetString(h, RPMTAG_ARCH));
		p->source = jp_scan_word(headerGetString(h, RPMTAG_SOURCERPM));
	}
	if (log.msg[0])
		rc = jp_error_set(ctx, JP_ERR, "cannot read the rpm database "
		    "in '%s': %s", dir, log.msg);
out:
	if (mi)
		rpmdbFreeIterator(mi);
	if (ts) {
		rpmtsCloseDB(ts);
		rpmtsFree(ts);
	}
	if (pushed)
		rpmPopMacro(NULL, "_dbpath");
	rpmlogSetCallback(oldcb, NULL);
	free(abs);
	free(was);
	free(dir);
	return rc;
}

/*
 * A Debian version as dpkg prints it (lib/dpkg/version.c: parseversion()
 * reads the epoch as a number and skips blanks around the whole;
 * varbuf_add_version() writes "EPOCH:" only when the epoch is not 0).
 */
static char *
jp_scan_deb_version(const char *v, size_t n)
{
	size_t i;

	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (i > 0 && i < n && v[i] == ':') {
		size_t k;

		for (k = 0; k < i && v[k] == '0'; k++)
			;
		if (k == i) {
			v += i + 1;
			n -= i + 1;
		}
	}
	return jp_scan_value(v, n, 0);
}

/*
 * The packages of ROOT/var/lib/dpkg/status, as dpkg-query -W shows
 * ${Package} ${Architecture} ${Version} ${source:Package}
 * ${source:Version} ${db:Status-Status}: packages whose status is
 * not-installed are left out (dpkg-query lists them only when named).
 * Source "NAME (VERSION)": the name ends at the first space, the version
 * is what the parentheses hold (lib/dpkg/pkg-format.c, pkg-show.c:
 * pkg_source_version()); both default to the package's own.
 */
static int
jp_scan_deb_packages(struct jp_ctx *ctx, const struct jp_scan_root *r,
    struct jp_scan *scan)
{
	struct jp_deb822_stanza *v = NULL;
	char *path = jp_scan_path(r, "var/lib/dpkg/status");
	char *data = NULL;
	size_t len, n = 0, i;
	int rc;

	rc = jp_file_read(ctx, path, &data, &len);
	if (rc < 0)
		goto out;
	rc = jp_deb822_parse(ctx, data, len, path, 0, &v, &n);
	if (rc < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const char *name = jp_deb822_get(&v[i], "Package");
		const char *status = jp_deb822_get(&v[i], "Status");
		const char *src = jp_deb822_get(&v[i], "Source");
		const char *ver = jp_deb822_get(&v[i], "Version");
		const char *w3, *paren;
		struct jp_scan_pkg *p;
		size_t k;

		if (!name || !*name || !status) {
			rc = jp_error_set(ctx, JP_ERR, "bad dpkg status file '%s' "
			    "line %lu: stanza without %s", path, v[i].line,
			    !name || !*name ? "Package" : "Status");
			goto out;
		}
		/* "want flag status" (dpkg(1), deb-status(5)) */
		w3 = status;
		for (k = 0; k < 2 && w3; k++) {
			w3 = strchr(w3, ' ');
			if (w3)
				while (*w3 == ' ')
					w3++;
		}
		if (!w3 || !*w3 || strchr(w3, ' ')) {
			rc = jp_error_set(ctx, JP_ERR, "bad dpkg status file '%s' "
			    "line %lu: Status '%s' is not three words", path,
			    v[i].line, status);
			goto out;
		}
		if (!strcmp(w3, "not-installed"))
			continue;
		p = jp_scan_add_pkg(scan);
		p->name = jp_scan_word(name);
		p->arch = jp_scan_word(jp_deb822_get(&v[i], "Architecture"));
		p->version = ver ? jp_scan_deb_version(ver, strlen(ver)) : NULL;
		p->status = jp_scan_word(w3);
		if (src && *src) {
			p->source = jp_scan_value(src, strcspn(src, " "), 0);
			paren = strchr(src, '(');
			if (paren) {
				paren++;
				p->source_version = jp_scan_deb_version(paren,
				    strcspn(paren, ")"));
			}
		}
		if (!p->source)
			p->source = jp_scan_word(p->name);
		if (!p->source_version)
			p->source_version = jp_scan_word(p->version);
	}
	rc = 0;
out:
	jp_deb822_free(v, n);
	free(data);
	free(path);
	return rc;
}

/* --- the apply journal --- */

/*
 * The outcome of the last `jprepo apply` (ROOT/var/lib/jprepo/journal.sqlite,
 * jprepo-journal(5)): the newest transaction of kind apply (not a rollback
 * or a download) and its packages that failed or were skipped, once each.  The sh writer runs the same statements with sqlite3(1).
 */
static int
jp_scan_journal(struct jp_ctx *ctx, const struct jp_scan_root *r,
    struct jp_scan *scan)
{
	static const char q_tx[] =
	    "SELECT id, status, CASE WHEN typeof(started) = 'integer' THEN "
	    "strftime('%Y-%m-%dT%H:%M:%SZ', started, 'unixepoch') ELSE started "
	    "END FROM transactions WHERE kind IS NULL OR kind = 'apply' "
	    "ORDER BY id DESC LIMIT 1";
	static const char q_pkgs[] =
	    "SELECT DISTINCT name, arch, to_evr FROM packages WHERE txid = "
	    "(SELECT id FROM transactions WHERE kind IS NULL OR kind = 'apply' "
	    "ORDER BY id DESC LIMIT 1) AND result IN ('failed', 'skipped', "
	    "'unknown')";
	char *path = jp_scan_path(r, "var/lib/jprepo/journal.sqlite");
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0, s;

	if (!jp_scan_exists(path))
		goto out;
	s = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (s == SQLITE_OK) {
		/* as journal.c: the schema of the image's file is input */
		(void)sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
		(void)sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0,
		    NULL);
	}
	if (s != SQLITE_OK ||
	    sqlite3_prepare_v2(db, q_tx, -1, &st, NULL) != SQLITE_OK) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read the apply journal "
		    "'%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		scan->has_apply = 1;
		scan->apply_txid = jp_scan_word((const char *)sqlite3_column_text(st, 0));
		scan->apply_status = jp_scan_word((const char *)sqlite3_column_text(st, 1));
		scan->apply_time = jp_scan_word((const char *)sqlite3_column_text(st, 2));
	} else if (s != SQLITE_DONE) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read the apply journal "
		    "'%s': %s", path, sqlite3_errmsg(db));
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!scan->has_apply)
		goto out;
	if (sqlite3_prepare_v2(db, q_pkgs, -1, &st, NULL) != SQLITE_OK) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read the apply journal "
		    "'%s': %s", path, sqlite3_errmsg(db));
		goto out;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		struct jp_scan_failed *f;

		scan->failed = jp_xrealloc(scan->failed,
		    (scan->nfailed + 1) * sizeof(*scan->failed));
		f = &scan->failed[scan->nfailed++];
		f->name = jp_scan_word((const char *)sqlite3_column_text(st, 0));
		f->arch = jp_scan_word((const char *)sqlite3_column_text(st, 1));
		f->to_version = jp_scan_word((const char *)sqlite3_column_text(st, 2));
	}
	if (s != SQLITE_DONE)
		rc = jp_error_set(ctx, JP_ERR, "cannot read the apply journal "
		    "'%s': %s", path, sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return rc;
}

/* --- collecting --- */

/* SOURCE_DATE_EPOCH (reproducible-builds.org) when set, else now. */
static int
jp_scan_time(struct jp_ctx *ctx, int64_t *out)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	long long v = 0;
	size_t i;

	*out = (int64_t)time(NULL);
	if (!s || !*s)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || v > JP_SCAN_MAX_TIME)
			return jp_error_set(ctx, JP_ERR, "SOURCE_DATE_EPOCH '%s' is "
			    "not a number of seconds up to %lld", s,
			    JP_SCAN_MAX_TIME);
		v = v * 10 + (s[i] - '0');
	}
	if (v > JP_SCAN_MAX_TIME)
		return jp_error_set(ctx, JP_ERR, "SOURCE_DATE_EPOCH '%s' is not "
		    "a number of seconds up to %lld", s, JP_SCAN_MAX_TIME);
	*out = v;
	return 0;
}

/* A host name fit for the format: one word of printable bytes. */
static int
jp_scan_check_host(struct jp_ctx *ctx, const char *host, const char *from)
{
	const unsigned char *p;

	for (p = (const unsigned char *)host; *p; p++)
		if (jp_scan_badbyte(*p))
			return jp_error_set(ctx, JP_ERR, "host name '%s' from %s "
			    "has a blank or control character; give one with "
			    "--host", host, from);
	return 0;
}

int
jp_scan_host(struct jp_ctx *ctx, const char *rootdir, const char *host,
    struct jp_scan *scan)
{
	struct jp_scan_root r;
	struct jp_os_release os;
	struct utsname un;
	struct stat st;
	char *dbpath = NULL, *s = NULL;
	int rc, found;

	jp_scan_init(scan);
	memset(&os, 0, sizeof(os));
	r.dir = rootdir && *rootdir ? rootdir : "/";
	r.given = rootdir != NULL;
	if (stat(r.dir, &st) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot read root directory '%s'",
		    r.dir);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = jp_error_set(ctx, JP_ERR, "cannot read root directory '%s': "
		    "not a directory", r.dir);
		goto out;
	}
	if (access(r.dir, R_OK | X_OK) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot read root directory '%s'",
		    r.dir);
		goto out;
	}
	if (uname(&un) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot get the system's name (uname)");
		goto out;
	}
	rc = jp_scan_time(ctx, &scan->scanned);
	if (rc < 0)
		goto out;

	/* host */
	if (host) {
		rc = jp_scan_check_host(ctx, host, "--host");
		if (rc < 0)
			goto out;
		scan->host = *host ? jp_xstrdup(host) : NULL;
	} else if (r.given) {
		char *p = jp_scan_path(&r, "etc/hostname");

		rc = jp_scan_first_line(ctx, &r, "etc/hostname", &s);
		if (rc == 0 && s)
			rc = jp_scan_check_host(ctx, s, p);
		free(p);
		if (rc < 0)
			goto out;
		scan->host = s;
		s = NULL;
	} else {
		char buf[256];

		if (gethostname(buf, sizeof(buf)) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot get the host name");
			goto out;
		}
		buf[sizeof(buf) - 1] = '\0';
		rc = jp_scan_check_host(ctx, buf, "gethostname()");
		if (rc < 0)
			goto out;
		scan->host = buf[0] ? jp_xstrdup(buf) : NULL;
	}

	/* machine-id */
	rc = jp_scan_first_line(ctx, &r, "etc/machine-id", &s);
	if (rc < 0)
		goto out;
	scan->machine_id = jp_scan_word(s);
	free(s);
	s = NULL;

	/* os */
	rc = jp_scan_os_release(ctx, &r, &os, &found);
	if (rc < 0)
		goto out;
	scan->os_id = jp_scan_word(os.id);
	scan->os_version = jp_scan_word(os.version_id);
	scan->os_name = os.pretty_name ?
	    jp_scan_value(os.pretty_name, strlen(os.pretty_name), 1) : NULL;

	/* format, manager, arch */
	rc = jp_scan_detect_format(ctx, &r, &os, &scan->format, &dbpath);
	if (rc < 0)
		goto out;
	if (scan->format == JP_SCAN_DEB) {
		scan->manager = JP_SCAN_APT;
		rc = jp_scan_first_line(ctx, &r, "var/lib/dpkg/arch", &s);
		if (rc < 0)
			goto out;
		scan->arch = s ? jp_scan_word(s) :
		    jp_scan_word(jp_scan_deb_arch(un.machine));
		free(s);
		s = NULL;
	} else {
		scan->manager = jp_scan_detect_manager(&r, &os);
		scan->arch = jp_scan_word(un.machine);
	}
	scan->kernel = r.given ? NULL : jp_scan_word(un.release);

	rc = jp_scan_journal(ctx, &r, scan);
	if (rc < 0)
		goto out;
	if (scan->format == JP_SCAN_DEB)
		rc = jp_scan_deb_packages(ctx, &r, scan);
	else
		rc = jp_scan_rpm_packages(ctx, &r, dbpath, scan);
out:
	free(s);
	free(dbpath);
	jp_os_release_free(&os);
	if (rc < 0)
		jp_scan_release(scan);
	return rc;
}

/* --- writing --- */

static const char *
jp_scan_or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* Check that each of n one-word values is writable; field names the line. */
static int
jp_scan_check_words(struct jp_ctx *ctx, const char *field,
    const char *const *v, size_t n)
{
	size_t i;
	const unsigned char *p;

	for (i = 0; i < n; i++)
		for (p = (const unsigned char *)v[i]; p && *p; p++)
			if (jp_scan_badbyte(*p))
				return jp_error_set(ctx, JP_ERR, "cannot write "
				    "'%s' value '%s' in a scan file: it has a "
				    "blank or control character", field, v[i]);
	return 0;
}

static int
jp_scan_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a line of n words to the array of lines, after checking them. */
static int
jp_scan_line(struct jp_ctx *ctx, char ***lines, size_t *nlines,
    const char *field, const char *const *v, size_t n)
{
	size_t i, k, len = strlen(field) + 1;
	char *line, *p;

	if (jp_scan_check_words(ctx, field, v, n) < 0)
		return JP_ERR;
	for (i = 0; i < n; i++)
		len += strlen(jp_scan_or_dash(v[i])) + 1;
	line = p = jp_xmalloc(len);
	k = strlen(field);
	memcpy(p, field, k);
	p += k;
	for (i = 0; i < n; i++) {
		const char *w = jp_scan_or_dash(v[i]);

		k = strlen(w);
		*p++ = ' ';
		memcpy(p, w, k);
		p += k;
	}
	*p = '\0';
	*lines = jp_xrealloc(*lines, (*nlines + 1) * sizeof(**lines));
	(*lines)[(*nlines)++] = line;
	return 0;
}

static void
jp_scan_free_lines(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static void
jp_scan_time_str(int64_t t, char buf[21])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		snprintf(buf, 21, "1970-01-01T00:00:00Z");
}

int
jp_scan_write(struct jp_ctx *ctx, const struct jp_scan *scan, FILE *fp)
{
	char **hdr = NULL, **failed = NULL, **pkgs = NULL;
	size_t nhdr = 0, nfailed = 0, npkgs = 0, i;
	char when[21], epoch[24];
	const unsigned char *p;
	int rc = JP_ERR;
	const char *v[6];

	if (scan->format != JP_SCAN_RPM && scan->format != JP_SCAN_DEB)
		return jp_error_set(ctx, JP_ERR, "cannot write a scan without a "
		    "package format");
	if (scan->manager < JP_SCAN_DNF || scan->manager > JP_SCAN_APT)
		return jp_error_set(ctx, JP_ERR, "cannot write a scan without a "
		    "package manager");
	if (scan->scanned < 0 || scan->scanned > JP_SCAN_MAX_TIME)
		return jp_error_set(ctx, JP_ERR, "cannot write scan time %lld",
		    (long long)scan->scanned);
	for (p = (const unsigned char *)scan->os_name; p && *p; p++)
		if (jp_scan_badbyte_line(*p))
			return jp_error_set(ctx, JP_ERR, "cannot write 'os-name' "
			    "value '%s' in a scan file: it has a control "
			    "character", scan->os_name);

	v[0] = scan->host;
	if (jp_scan_line(ctx, &hdr, &nhdr, "host", v, 1) < 0)
		goto out;
	v[0] = scan->machine_id;
	if (jp_scan_line(ctx, &hdr, &nhdr, "machine-id", v, 1) < 0)
		goto out;
	v[0] = scan->os_id;
	v[1] = scan->os_version;
	if (jp_scan_line(ctx, &hdr, &nhdr, "os", v, 2) < 0)
		goto out;
	v[0] = scan->arch;
	if (jp_scan_line(ctx, &hdr, &nhdr, "arch", v, 1) < 0)
		goto out;
	v[0] = jp_scan_format_name(scan->format);
	if (jp_scan_line(ctx, &hdr, &nhdr, "format", v, 1) < 0)
		goto out;
	v[0] = jp_scan_manager_name(scan->manager);
	if (jp_scan_line(ctx, &hdr, &nhdr, "manager", v, 1) < 0)
		goto out;
	v[0] = scan->kernel;
	if (jp_scan_line(ctx, &hdr, &nhdr, "kernel", v, 1) < 0)
		goto out;
	jp_scan_time_str(scan->scanned, when);
	v[0] = when;
	if (jp_scan_line(ctx, &hdr, &nhdr, "scanned", v, 1) < 0)
		goto out;
	if (scan->has_apply) {
		v[0] = scan->apply_txid;
		v[1] = scan->apply_status;
		v[2] = scan->apply_time;
		if (jp_scan_line(ctx, &hdr, &nhdr, "apply", v, 3) < 0)
			goto out;
		for (i = 0; i < scan->nfailed; i++) {
			v[0] = scan->failed[i].name;
			v[1] = scan->failed[i].arch;
			v[2] = scan->failed[i].to_version;
			if (jp_scan_line(ctx, &failed, &nfailed, "apply-failed",
			    v, 3) < 0)
				goto out;
		}
	}
	for (i = 0; i < scan->npkgs; i++) {
		const struct jp_scan_pkg *k = &scan->pkgs[i];

		if (scan->format == JP_SCAN_RPM) {
			snprintf(epoch, sizeof(epoch), "%lu", k->epoch);
			v[0] = k->name;
			v[1] = epoch;
			v[2] = k->version;
			v[3] = k->release;
			v[4] = k->arch;
			v[5] = k->source;
		} else {
			v[0] = k->name;
			v[1] = k->arch;
			v[2] = k->version;
			v[3] = k->source;
			v[4] = k->source_version;
			v[5] = k->status;
		}
		if (jp_scan_line(ctx, &pkgs, &npkgs, "pkg", v, 6) < 0)
			goto out;
	}
	/* Bytewise, as LC_ALL=C sort(1) orders the sh writer's lines. */
	if (nfailed)
		qsort(failed, nfailed, sizeof(*failed), jp_scan_cmp_str);
	if (npkgs)
		qsort(pkgs, npkgs, sizeof(*pkgs), jp_scan_cmp_str);
	fprintf(fp, "jprepo-scan %d\n", JP_SCAN_VERSION);
	for (i = 0; i < nhdr; i++) {
		fprintf(fp, "%s\n", hdr[i]);
		/* os-name follows os: it is the rest of its line */
		if (!strncmp(hdr[i], "os ", 3))
			fprintf(fp, "os-name %s\n", jp_scan_or_dash(scan->os_name));
	}
	for (i = 0; i < nfailed; i++)
		fprintf(fp, "%s\n", failed[i]);
	for (i = 0; i < npkgs; i++)
		fprintf(fp, "%s\n", pkgs[i]);
	fputs("end\n", fp);
	rc = 0;
out:
	jp_scan_free_lines(hdr, nhdr);
	jp_scan_free_lines(failed, nfailed);
	jp_scan_free_lines(pkgs, npkgs);
	return rc;
}

/* --- reading --- */

enum jp_scan_hdr {
	JP_H_HOST, JP_H_MACHINE, JP_H_OS, JP_H_OSNAME, JP_H_ARCH, JP_H_FORMAT,
	JP_H_MANAGER, JP_H_KERNEL, JP_H_SCANNED, JP_H_APPLY, JP_H_N
};

static const char *const jp_scan_hdr_names[JP_H_N] = {
	"host", "machine-id", "os", "os-name", "arch", "format", "manager",
	"kernel", "scanned", "apply",
};

struct jp_scan_parser {
	struct jp_ctx *ctx;
	const char *what;
	unsigned long line;
	struct jp_scan *scan;
	int seen[JP_H_N];
	char **unknown;          /* field names already noted */
	size_t nunknown;
};

static int jp_scan_bad(struct jp_scan_parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
jp_scan_bad(struct jp_scan_parser *ps, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return jp_error_set(ps->ctx, JP_ERR, "bad scan file '%s' line %lu: %s",
	    ps->what, ps->line, msg);
}

/* "-" is NULL; anything else a copy. */
static char *
jp_scan_dash(const char *s)
{
	return s && strcmp(s, "-") ? jp_xstrdup(s) : NULL;
}

/* YYYY-MM-DDTHH:MM:SSZ to seconds; -1 when malformed or not a real time. */
static int64_t
jp_scan_parse_time(const char *s)
{
	struct tm tm;
	char back[21];
	const char *e;
	time_t t;

	if (strlen(s) != 20)
		return -1;
	memset(&tm, 0, sizeof(tm));
	e = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!e || *e)
		return -1;
	t = timegm(&tm);
	if (t < 0)  /* (time_t)-1 is the error */
		return -1;
	jp_scan_time_str(t, back);
	return strcmp(back, s) ? -1 : (int64_t)t;
}

/* A decimal number without sign or leading zeros ("0" itself is fine). */
static int
jp_scan_parse_ulong(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 429496729UL)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > 4294967295UL)
		return -1;
	*out = v;
	return 0;
}

static int
jp_scan_is_deb_status(const char *s)
{
	static const char *const st[] = {
		"installed", "half-configured", "unpacked", "half-installed",
		"triggers-awaited", "triggers-pending", "config-files", NULL,
	};
	size_t i;

	for (i = 0; st[i]; i++)
		if (!strcmp(s, st[i]))
			return 1;
	return 0;
}

/* Note an unknown field once per name. */
static void
jp_scan_unknown(struct jp_scan_parser *ps, const char *word)
{
	size_t i;

	ps->scan->unknown++;
	for (i = 0; i < ps->nunknown; i++)
		if (!strcmp(ps->unknown[i], word))
			return;
	ps->unknown = jp_xrealloc(ps->unknown,
	    (ps->nunknown + 1) * sizeof(*ps->unknown));
	ps->unknown[ps->nunknown++] = jp_xstrdup(word);
	jp_info(ps->ctx, "scan '%s' line %lu: unknown field '%s' ignored",
	    ps->what, ps->line, word);
}

/* The number of values a known line has, and its header slot (or -1). */
static int
jp_scan_field(const char *word, int *hdr)
{
	int i;

	*hdr = -1;
	for (i = 0; i < JP_H_N; i++)
		if (!strcmp(word, jp_scan_hdr_names[i])) {
			*hdr = i;
			if (i == JP_H_OS)
				return 2;
			if (i == JP_H_APPLY)
				return 3;
			return 1;
		}
	if (!strcmp(word, "apply-failed"))
		return 3;
	if (!strcmp(word, "pkg"))
		return 6;
	if (!strcmp(word, "end"))
		return 0;
	return -1;
}

/* One line (without its LF, NUL-terminated, writable). */
static int
jp_scan_parse_line(struct jp_scan_parser *ps, char *line, int *ended)
{
	struct jp_scan *scan = ps->scan;
	char *word, *rest, *val[6] = { NULL };
	int want, hdr, n = 0;
	size_t i;

	if (!*line)
		return jp_scan_bad(ps, "empty line");
	rest = strchr(line, ' ');
	if (rest)
		*rest++ = '\0';
	word = line;
	want = jp_scan_field(word, &hdr);
	if (want < 0) {
		jp_scan_unknown(ps, word);
		return 0;
	}
	if (hdr == JP_H_OSNAME) {
		if (!rest || !*rest)
			return jp_scan_bad(ps, "'%s' needs a value", word);
		for (i = 0; rest[i]; i++)
			if (jp_scan_badbyte_line((unsigned char)rest[i]))
				return jp_scan_bad(ps, "control character in "
				    "'%s'", word);
		val[0] = rest;
	} else {
		while (rest) {
			char *sp = strchr(rest, ' ');

			if (sp)
				*sp++ = '\0';
			if (!*rest)
				return jp_scan_bad(ps, "empty value in '%s' "
				    "line (values are separated by one space)",
				    word);
			for (i = 0; rest[i]; i++)
				if (jp_scan_badbyte((unsigned char)rest[i]))
					return jp_scan_bad(ps, "control character "
					    "in '%s' line", word);
			if (n < 6)
				val[n] = rest;
			n++;
			rest = sp;
		}
		if (n != want) {
			char got[64];

			snprintf(got, sizeof(got), "%d value%s, got %d", want,
			    want == 1 ? "" : "s", n);
			return jp_scan_bad(ps, "'%s' needs %s", word, got);
		}
	}
	if (hdr >= 0) {
		if (ps->seen[hdr])
			return jp_scan_bad(ps, "'%s' given twice", word);
		ps->seen[hdr] = 1;
	}
	switch (hdr) {
	case JP_H_HOST:
		scan->host = jp_scan_dash(val[0]);
		return 0;
	case JP_H_MACHINE:
		scan->machine_id = jp_scan_dash(val[0]);
		return 0;
	case JP_H_OS:
		scan->os_id = jp_scan_dash(val[0]);
		scan->os_version = jp_scan_dash(val[1]);
		return 0;
	case JP_H_OSNAME:
		scan->os_name = jp_scan_dash(val[0]);
		return 0;
	case JP_H_ARCH:
		scan->arch = jp_scan_dash(val[0]);
		return 0;
	case JP_H_FORMAT:
		if (!strcmp(val[0], "rpm"))
			scan->format = JP_SCAN_RPM;
		else if (!strcmp(val[0], "deb"))
			scan->format = JP_SCAN_DEB;
		else
			return jp_scan_bad(ps, "format '%s' is neither rpm nor "
			    "deb", val[0]);
		return 0;
	case JP_H_MANAGER:
		for (n = JP_SCAN_DNF; n <= JP_SCAN_APT; n++)
			if (!strcmp(val[0], jp_scan_manager_name(n)))
				scan->manager = n;
		if (!scan->manager)
			return jp_scan_bad(ps, "unknown package manager '%s'",
			    val[0]);
		return 0;
	case JP_H_KERNEL:
		scan->kernel = jp_scan_dash(val[0]);
		return 0;
	case JP_H_SCANNED:
		scan->scanned = jp_scan_parse_time(val[0]);
		if (scan->scanned < 0)
			return jp_scan_bad(ps, "scan time '%s' is not "
			    "YYYY-MM-DDTHH:MM:SSZ", val[0]);
		return 0;
	case JP_H_APPLY:
		scan->has_apply = 1;
		scan->apply_txid = jp_scan_dash(val[0]);
		scan->apply_status = jp_scan_dash(val[1]);
		scan->apply_time = jp_scan_dash(val[2]);
		return 0;
	}
	if (!strcmp(word, "end")) {
		*ended = 1;
		return 0;
	}
	if (!strcmp(word, "apply-failed")) {
		struct jp_scan_failed *f;

		if (!scan->has_apply)
			return jp_scan_bad(ps, "'apply-failed' before 'apply'");
		scan->failed = jp_xrealloc(scan->failed,
		    (scan->nfailed + 1) * sizeof(*scan->failed));
		f = &scan->failed[scan->nfailed++];
		f->name = jp_scan_dash(val[0]);
		f->arch = jp_scan_dash(val[1]);
		f->to_version = jp_scan_dash(val[2]);
		return 0;
	}
	/* pkg */
	if (!scan->format)
		return jp_scan_bad(ps, "'pkg' before 'format'");
	if (n != 6)     /* checked above; said again for the static analyzer */
		return jp_scan_bad(ps, "'pkg' needs 6 values");
	{
		struct jp_scan_pkg *p;
		unsigned long epoch = 0;

		if (!strcmp(val[0], "-"))
			return jp_scan_bad(ps, "package without a name");
		if (scan->format == JP_SCAN_RPM &&
		    jp_scan_parse_ulong(val[1], &epoch) < 0)
			return jp_scan_bad(ps, "epoch '%s' is not a number",
			    val[1]);
		if (scan->format == JP_SCAN_DEB && !jp_scan_is_deb_status(val[5]))
			return jp_scan_bad(ps, "unknown dpkg status '%s'",
			    val[5]);
		p = jp_scan_add_pkg(scan);
		p->name = jp_xstrdup(val[0]);
		if (scan->format == JP_SCAN_RPM) {
			p->epoch = epoch;
			p->version = jp_scan_dash(val[2]);
			p->release = jp_scan_dash(val[3]);
			p->arch = jp_scan_dash(val[4]);
			p->source = jp_scan_dash(val[5]);
		} else {
			p->arch = jp_scan_dash(val[1]);
			p->version = jp_scan_dash(val[2]);
			p->source = jp_scan_dash(val[3]);
			p->source_version = jp_scan_dash(val[4]);
			p->status = jp_xstrdup(val[5]);
		}
	}
	return 0;
}

int
jp_scan_parse(struct jp_ctx *ctx, const char *what, const char *data,
    size_t len, struct jp_scan *scan)
{
	struct jp_scan_parser ps;
	const char *p = data, *end = data + len;
	char *line = NULL;
	int rc = 0, ended = 0;
	size_t i;

	jp_scan_init(scan);
	memset(&ps, 0, sizeof(ps));
	ps.ctx = ctx;
	ps.what = what;
	ps.scan = scan;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		ps.line++;
		if (memchr(p, '\0', n)) {
			rc = jp_scan_bad(&ps, "NUL byte");
			break;
		}
		free(line);
		line = jp_xstrndup(p, n);
		p += n + (nl ? 1 : 0);
		if (ended) {
			rc = jp_scan_bad(&ps, "text after 'end'");
			break;
		}
		if (ps.line == 1) {
			unsigned long v;

			if (strncmp(line, "jprepo-scan ", 12) ||
			    jp_scan_parse_ulong(line + 12, &v) < 0) {
				rc = jp_error_set(ctx, JP_ERR, "'%s' is not a scan "
				    "file: its first line is not 'jprepo-scan %d'",
				    what, JP_SCAN_VERSION);
				break;
			}
			if (v != JP_SCAN_VERSION) {
				rc = jp_error_set(ctx, JP_ERR, "scan file '%s' is "
				    "format version %lu; this jprepo reads version "
				    "%d", what, v, JP_SCAN_VERSION);
				break;
			}
			continue;
		}
		rc = jp_scan_parse_line(&ps, line, &ended);
		if (rc < 0)
			break;
	}
	if (rc == 0 && ps.line == 0)
		rc = jp_error_set(ctx, JP_ERR, "'%s' is not a scan file: it is "
		    "empty", what);
	if (rc == 0 && !ended)
		rc = jp_error_set(ctx, JP_ERR, "bad scan file '%s': no 'end' "
		    "line after line %lu (truncated)", what, ps.line);
	for (i = 0; rc == 0 && i < JP_H_N; i++)
		if (!ps.seen[i] && i != JP_H_APPLY)
			rc = jp_error_set(ctx, JP_ERR, "bad scan file '%s': no "
			    "'%s' line", what, jp_scan_hdr_names[i]);
	free(line);
	for (i = 0; i < ps.nunknown; i++)
		free(ps.unknown[i]);
	free(ps.unknown);
	if (rc < 0)
		jp_scan_release(scan);
	return rc;
}

int
jp_scan_read(struct jp_ctx *ctx, const char *path, struct jp_scan *scan)
{
	char *data;
	size_t len;
	int rc;

	jp_scan_init(scan);
	if (jp_file_read(ctx, path, &data, &len) < 0)
		return JP_ERR;
	rc = jp_scan_parse(ctx, path, data, len, scan);
	free(data);
	return rc;
}

/* --- the installed state --- */

char *
jp_scan_pkg_evr(const struct jp_scan *scan, const struct jp_scan_pkg *p)
{
	if (scan->format == JP_SCAN_DEB || !p->release)
		return jp_xstrdup(p->version ? p->version : "");
	if (p->epoch)
		return jp_xasprintf("%lu:%s-%s", p->epoch, p->version,
		    p->release);
	return jp_xasprintf("%s-%s", p->version, p->release);
}

int
jp_scan_pkg_live(const struct jp_scan *scan, const struct jp_scan_pkg *p)
{
	if (!p->name || !p->arch || !p->version)
		return 0;
	if (scan->format != JP_SCAN_DEB || !p->status)
		return 1;
	return strcmp(p->status, "installed") == 0 ||
	    strncmp(p->status, "triggers-", 9) == 0 ||
	    strcmp(p->status, "half-configured") == 0;
}

int
jp_scan_pkg_present(const struct jp_scan *scan, const struct jp_scan_pkg *p)
{
	if (!p->name || !p->arch || !p->version)
		return 0;
	if (scan->format != JP_SCAN_DEB || !p->status)
		return 1;
	return strcmp(p->status, "not-installed") != 0 &&
	    strcmp(p->status, "config-files") != 0;
}

static int
jp_scan_cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
jp_scan_state_digest(const struct jp_scan *scan, char out[65])
{
	struct jp_digest d;
	char **lines = jp_xcalloc(scan->npkgs + 1, sizeof(*lines));
	size_t i, n = 0;

	for (i = 0; i < scan->npkgs; i++) {
		const struct jp_scan_pkg *p = &scan->pkgs[i];
		char *evr;

		if (!jp_scan_pkg_live(scan, p))
			continue;
		evr = jp_scan_pkg_evr(scan, p);
		lines[n++] = jp_xasprintf("%s %s %s\n", p->name, p->arch, evr);
		free(evr);
	}
	qsort(lines, n, sizeof(*lines), jp_scan_cmp_line);
	jp_digest_init(&d, JP_DIGEST_SHA256);
	for (i = 0; i < n; i++) {
		jp_digest_update(&d, lines[i], strlen(lines[i]));
		free(lines[i]);
	}
	free(lines);
	jp_digest_final(&d);
	memcpy(out, jp_digest_hex(&d, JP_DIGEST_SHA256), 65);
	jp_digest_release(&d);
}
