/*
 * advisory.h: advisories (errata) as RPM-MD updateinfo.xml describes them.
 *
 * Reads one or more updateinfo.xml files (plain, .gz, .xz or .zst), checks
 * each <update> for the fields dnf and zypper need, merges them (the same
 * id twice: the one with the newer <updated> date wins, with a warning),
 * and writes one updateinfo.xml.  Advisories that name packages the
 * repository lacks are kept and reported.
 *
 * Nothing the clients read is lost on the way: every element and attribute
 * that createrepo_c's updateinfo writer knows (cr_xml_dump_updateinfo),
 * plus <message>, which libsolv reads for zypper.  Each <collection> stays
 * its own, with its <module> (a RHEL 8/9 modular erratum applies only
 * where that module stream is enabled), and the reboot, restart and
 * relogin flags stay where the input put them.
 */
#ifndef JP_ADVISORY_H
#define JP_ADVISORY_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;
struct jp_pkg;

/*
 * A flag element (<reboot_suggested>, <restart_suggested>,
 * <relogin_suggested>) as the input had it.  Readers disagree on what its
 * text means: libsolv (dnf, zypper) takes it as set when the text starts
 * with T, t or 1; createrepo_c's parser and yum when the element is there
 * at all.  Keeping "there, but not true" apart gives each reader back the
 * answer it had from the input.  The values are ordered: when an element
 * occurs twice, the greater counts.
 */
enum jp_adv_flag {
	JP_ADV_FLAG_ABSENT = 0, /* no element */
	JP_ADV_FLAG_FALSE = 1,  /* element with other text; written "False" */
	JP_ADV_FLAG_TRUE = 2,   /* element whose text is true; written "True" */
};

/* <package> of a <collection>. */
struct jp_adv_pkg {
	char *name, *epoch, *version, *release, *arch, *src, *filename;
	char *sum, *sum_type;   /* <sum type="...">, or NULL */
	enum jp_adv_flag reboot_suggested, restart_suggested,
	    relogin_suggested;
};

/* <module name stream version context arch/>, all attributes as given. */
struct jp_adv_module {
	char *name, *stream, *version, *context, *arch;
};

/*
 * <collection short><name/>: a collection with modules applies (for
 * libdnf) only where one of them is enabled; createrepo_c writes at most
 * one, libsolv reads any number.
 */
struct jp_adv_collection {
	char *short_name, *name;
	struct jp_adv_module *modules;
	size_t nmodules;
	struct jp_adv_pkg *pkgs;
	size_t npkgs;
};

struct jp_adv_ref {
	char *href, *id, *type, *title;
};

struct jp_advisory {
	char *from, *status, *type, *version;
	char *id, *title, *issued, *updated, *rights, *release, *pushcount;
	char *severity, *summary, *description, *solution, *message;
	/* The <update>-level element; libsolv ignores it, yum reads it. */
	enum jp_adv_flag reboot_suggested;
	struct jp_adv_ref *refs;
	size_t nrefs;
	struct jp_adv_collection *colls;
	size_t ncolls;
};

struct jp_advset {
	struct jp_advisory *v;
	size_t n, cap;
};

/* --- reading and merging --- */
/*
 * Parse the updateinfo file at path and merge its advisories into set.
 * Returns 0, or a negative code with a message naming the file and, where
 * known, the line and advisory; on error set is left unchanged.  On
 * success set is sorted by id (bytewise) and every id occurs once.
 */
int jp_advisory_load(struct jp_ctx *ctx, const char *path, struct jp_advset *set);
/* Free every advisory of set and empty it; NULL is a no-op. */
void jp_advset_release(struct jp_advset *set);

/*
 * Report each advisory package that none of pkgs matches by name, epoch
 * (absent = 0), version, release and arch: the first 10 with jp_warn, then
 * one warning with the count of the rest, which are listed with
 * jp_verbose.  Source packages (arch src or nosrc) are skipped: jprepo
 * repositories hold none.  Returns how many were missing.
 */
size_t jp_advisory_check_pkgs(struct jp_ctx *ctx, const struct jp_advset *set,
    struct jp_pkg *const *pkgs, size_t npkgs);

/* --- writing --- */
/*
 * Render the set as updateinfo.xml, sorted by id, into a malloc'd,
 * NUL-terminated buffer (*out, *len; the caller frees *out).  Returns 0,
 * or a negative code, writing nothing, when an advisory lacks an id, type
 * or issued date, or one of its packages a name, version, release or arch.
 */
int jp_advisory_write_xml(struct jp_ctx *ctx, const struct jp_advset *set,
    char **out, size_t *len);

#endif
