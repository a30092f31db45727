/*
 * scan.h: scan files (jprepo-scan(5), format version 1): what one host has
 * installed, collected from its package database, written and read back.
 *
 * A scan names the host (host name, machine id), its OS (os-release), its
 * architecture, package format and manager, running kernel and the time of
 * the scan, the outcome of the last `jprepo apply` when the host has a
 * journal, and one line per installed package: for rpm hosts read from the
 * rpm database through librpm (with the root directory set), for deb hosts
 * from dpkg's status file.  tools/jprepo-scan writes the same bytes with rpm
 * or dpkg-query and POSIX tools; the rules both follow are in
 * jprepo-scan(5) and in the comments of scan.c.
 *
 * Every string of a struct jp_scan is owned by it; a field written "-" in
 * the file (unknown or empty) is NULL.
 */
#ifndef JP_SCAN_H
#define JP_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jp_ctx;

#define JP_SCAN_VERSION 1

enum jp_scan_format {
	JP_SCAN_RPM = 1,
	JP_SCAN_DEB = 2,
};

enum jp_scan_manager {
	JP_SCAN_DNF = 1,
	JP_SCAN_YUM,
	JP_SCAN_ZYPPER,
	JP_SCAN_APT,
};

/* One installed package. */
struct jp_scan_pkg {
	char *name;
	unsigned long epoch;    /* rpm: EPOCHNUM; deb: 0 (the epoch is in version) */
	char *version;
	char *release;          /* rpm only */
	char *arch;
	char *source;           /* rpm: source rpm file name; deb: source package */
	char *source_version;   /* deb only */
	char *status;           /* deb only: dpkg's status word ("installed", ...) */
};

/* A package whose result was not ok in the last apply. */
struct jp_scan_failed {
	char *name;
	char *arch;
	char *to_version;
};

struct jp_scan {
	char *host;
	char *machine_id;
	char *os_id;
	char *os_version;
	char *os_name;
	char *arch;
	int format;              /* enum jp_scan_format */
	int manager;             /* enum jp_scan_manager */
	char *kernel;            /* NULL with a root directory */
	int64_t scanned;         /* seconds since 1970-01-01 UTC */
	int has_apply;           /* the "apply" line is present */
	char *apply_txid;
	char *apply_status;
	char *apply_time;
	struct jp_scan_failed *failed;
	size_t nfailed;
	struct jp_scan_pkg *pkgs;   /* in file order (sorted as written) */
	size_t npkgs;
	size_t cpkgs;
	size_t unknown;          /* lines of unknown fields the reader skipped */
};

/* --- lifetime --- */
void jp_scan_init(struct jp_scan *scan);
/* Free every field; the scan is then empty (as after init).  NULL: no-op. */
void jp_scan_release(struct jp_scan *scan);

/* --- names --- */
/* "rpm"/"deb", "dnf"/"yum"/"zypper"/"apt"; "-" for values out of range. */
const char *jp_scan_format_name(int format);
const char *jp_scan_manager_name(int manager);

/* --- collecting --- */
/*
 * Scan the system under root (NULL: the running host, "/") into *scan
 * (initialised by the call).  host overrides the host name (NULL: from
 * ROOT/etc/hostname with a root, else gethostname()); it must be one word
 * of printable characters.  The scan time is SOURCE_DATE_EPOCH when that
 * is set, else now.  Returns 0, or a negative code with a message naming
 * the path at fault ("no package database under 'R'", "cannot read ...");
 * *scan is released on failure.
 */
int jp_scan_host(struct jp_ctx *ctx, const char *root, const char *host,
    struct jp_scan *scan);

/* --- writing and reading --- */
/*
 * Write *scan as a version 1 scan file to fp: header lines, then the
 * package lines sorted bytewise, then "end".  Values are written as they
 * are; NULL or empty values as "-".  Returns 0, or a negative code with a
 * message when a value cannot be written in the format (a blank or
 * control character in a one-word value).  Write errors of fp are the
 * caller's to check.
 */
int jp_scan_write(struct jp_ctx *ctx, const struct jp_scan *scan, FILE *fp);
/*
 * Read the scan file at path into *scan (initialised by the call).  Lines
 * of unknown fields are skipped with one note per field name (jp_info) and
 * counted in scan->unknown.  Returns 0, or a negative code with a message
 * naming the file and, for a bad line, the line: a first line other than
 * "jprepo-scan 1" (a higher version is named), a known line with the wrong
 * number of values or a bad value, a header line given twice, a header
 * missing, no "end" (truncated) or text after it.  *scan is released on
 * failure.
 */
int jp_scan_read(struct jp_ctx *ctx, const char *path, struct jp_scan *scan);
/* As jp_scan_read, from a buffer; what names it in messages. */
int jp_scan_parse(struct jp_ctx *ctx, const char *what, const char *data,
    size_t len, struct jp_scan *scan);

/* --- the installed state --- */
/*
 * The version of p in its manager's print form, malloc'd: rpm
 * "[EPOCH:]VERSION-RELEASE" (no epoch when it is 0), deb the version as
 * dpkg gives it.
 */
char *jp_scan_pkg_evr(const struct jp_scan *scan, const struct jp_scan_pkg *p);
/*
 * Is p installed for planning and comparison: rpm always; deb when
 * dpkg's status is installed, triggers-awaited/-pending or
 * half-configured (unpacked and nearly configured).
 */
int jp_scan_pkg_live(const struct jp_scan *scan, const struct jp_scan_pkg *p);
/*
 * Are p's files on the system: rpm always; deb in any dpkg state but
 * not-installed and config-files (an interrupted dpkg run leaves packages
 * unpacked or half-installed: what changed must count them).
 */
int jp_scan_pkg_present(const struct jp_scan *scan,
    const struct jp_scan_pkg *p);
/*
 * The sha256 (hex, out[65]) of the installed state: the sorted lines
 * "NAME ARCH EVR" of the live packages.  Two scans of a host with the same
 * packages installed give the same digest, whatever the time or the
 * host's other fields.
 */
void jp_scan_state_digest(const struct jp_scan *scan, char out[65]);

#endif
