/*
 * driver.h: the host's own package manager (dnf, yum, zypper, apt), driven
 * against one repository under one root.
 *
 * A driver session (struct jp_drv) points a package manager at a single
 * repository for the time of one jprepo run and nothing else: dnf and yum
 * with no system repositories and --repofrompath, zypper with a temporary
 * repository, apt with a temporary source list and lists directory.  The
 * clients' own signature checks are on whenever the configuration names a
 * keyring.  Every package-manager command is run with posix_spawn and an
 * argument vector (never a shell); each run (the command, its exit status,
 * its output) is kept in the session, in order, for the journal.
 *
 * The per-manager command lines live in driver_dnf.c (dnf and yum),
 * driver_zypper.c and driver_apt.c, each as a table of operations; the
 * session, spawning and capture in driver.c.
 */
#ifndef JP_DRIVER_H
#define JP_DRIVER_H

#include <stddef.h>
#include <stdint.h>

struct jp_ctx;

/* The managers; the same values as enum jp_scan_manager (scan.h). */
enum jp_pm {
	JP_PM_DNF = 1,
	JP_PM_YUM,
	JP_PM_ZYPPER,
	JP_PM_APT,
};

/* The most output kept per run: its last this many bytes. */
#define JP_DRV_MAX_OUTPUT (256 * 1024)

struct jp_drv_cfg {
	int pm;                   /* enum jp_pm */
	const char *root;         /* the system image; NULL or "/": this host */
	/*
	 * The repository: "file:///absolute/dir" or "http://..."/"https://...".
	 * (The caller turns a directory into a file:// URL.)
	 */
	const char *repo_url;
	/*
	 * An OpenPGP public key file (armored or binary) that signs the
	 * repository's metadata; the client's own metadata signature check is
	 * then demanded.  NULL: the repository is not signed, checks off.
	 */
	const char *keyring;
	const char *suite;        /* APT: the suite (dists/SUITE) */
	const char *component;    /* APT: the component, such as "main" */
	const char *arch;         /* APT: the host's dpkg architecture */
	/*
	 * A private, existing, empty directory for this session's files
	 * (temporary source lists, keyrings, lists); the caller removes it
	 * after jp_drv_close().
	 */
	const char *tmpdir;
	/* The program to run; NULL: "dnf", "yum", "zypper" or "apt-get". */
	const char *program;
};

/* A package to install or remove. */
struct jp_drv_pkg {
	const char *name;
	const char *arch;         /* rpm arch / dpkg arch ("noarch", "all" too) */
	/*
	 * The version in the manager's own print form: rpm "[E:]V-R" (no
	 * epoch when it is 0), dpkg "[E:]UPSTREAM[-REVISION]".  Ignored by
	 * remove.
	 */
	const char *evr;
};

/* One run of the package manager. */
struct jp_drv_run {
	char *command;            /* the argument vector, space-separated,
				     words with blanks or quotes in '' */
	int status;               /* exit status; 128 + N when killed by
				     signal N; -1 when it could not start */
	int signal;               /* N when killed by signal N, else 0 */
	char *output;             /* stdout and stderr as they came (the
				     last JP_DRV_MAX_OUTPUT bytes) */
	int64_t started, finished; /* seconds since 1970-01-01 UTC */
	int query;                /* a run that only asked (history list):
				     not worth journaling */
};

/* Flags of the operations. */
enum {
	JP_DRV_DRYRUN = 1,        /* resolve and report only; change nothing
				     (dnf --assumeno, zypper --dry-run,
				     apt-get -s) */
	JP_DRV_DOWNLOAD = 2,      /* fetch into the manager's package cache,
				     install nothing (install only: remove
				     is never given it) */
	JP_DRV_OLD = 4,           /* the versions may be older than the
				     installed ones (rollback) */
};

struct jp_drv;

struct jp_drv_ops {
	const char *name;         /* "dnf", "yum", "zypper", "apt" */
	/*
	 * Prepare the session: write the temporary configuration under
	 * cfg.tmpdir (and, for zypper, add the temporary repository) and
	 * refresh the repository's metadata.  Returns 0, or a negative code
	 * with a message (the repository cannot be read, its signature is
	 * refused: the manager's own words from its output).
	 */
	int (*open)(struct jp_drv *d);
	/*
	 * Install or update to exactly the versions given, in one
	 * transaction, with whatever new packages they need from the
	 * repository.  Returns the exit status of the manager's run (0: it
	 * reported success), or a negative code with a message when it could
	 * not be run.
	 */
	int (*install)(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
	    int flags);
	/* Remove the packages (name and arch) in one transaction; as install. */
	int (*remove)(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
	    int flags);
	/*
	 * Undo the manager's own transaction pm_id (dnf/yum `history undo`);
	 * as install.  NULL for managers without one.
	 */
	int (*undo)(struct jp_drv *d, const char *pm_id, int flags);
	/*
	 * The id of the manager's newest history transaction into *id
	 * (malloc'd; NULL when the history is empty).  Returns 0 or a
	 * negative code.  NULL for managers without a history of their own.
	 */
	int (*last_id)(struct jp_drv *d, char **id);
	/* Remove what open() added outside cfg.tmpdir (zypper's repository). */
	void (*close)(struct jp_drv *d);
	/*
	 * Finish updates an interrupted transaction left half done: erase
	 * the older versions of packages installed at several (dnf/yum
	 * `remove --duplicates`, which leaves install-only packages alone);
	 * as install, and 0 when the manager found none.  NULL for managers
	 * without one.
	 */
	int (*dedupe)(struct jp_drv *d, int flags);
};

struct jp_drv {
	struct jp_ctx *ctx;
	struct jp_drv_cfg cfg;    /* strings owned by the caller */
	const struct jp_drv_ops *ops;
	void *priv;               /* the manager's own state */
	struct jp_drv_run *runs;  /* every run of the session, in order */
	size_t nruns;
	/*
	 * Called after each run, when set (progress, verbose echo of the
	 * output); the run is d->runs[d->nruns - 1].
	 */
	void (*on_run)(struct jp_drv *d, const struct jp_drv_run *run,
	    void *opaque);
	void *on_run_opaque;
	int querying;             /* set by an operation around a run that
				     only asks; copied into run->query */
};

extern const struct jp_drv_ops jp_drv_dnf_ops;
extern const struct jp_drv_ops jp_drv_yum_ops;
extern const struct jp_drv_ops jp_drv_zypper_ops;
extern const struct jp_drv_ops jp_drv_apt_ops;

/* "dnf", "yum", "zypper", "apt"; NULL out of range. */
const char *jp_drv_pm_name(int pm);
/* The jp_pm of a name above; 0 when unknown. */
int jp_drv_pm_parse(const char *name);

/*
 * Start a session: copy cfg (not its strings), pick the operations and
 * call their open().  Returns 0, or a negative code with a message; on
 * failure *out is NULL and nothing is left behind but files in tmpdir.
 */
int jp_drv_open(struct jp_ctx *ctx, const struct jp_drv_cfg *cfg,
    struct jp_drv **out);
/* Undo what open() did outside tmpdir and free the session; NULL: no-op. */
void jp_drv_close(struct jp_drv *d);

/*
 * Is p fit to be a word of a package manager's command line: name, arch
 * and evr (when not NULL) made of the characters rpm and Debian allow in
 * them, none that makes an option ('-' first), a glob, a file provide
 * ('/') or a version relation?  Returns 0, or JP_ERR_USAGE with a message
 * naming the bad field.
 */
int jp_drv_check_pkg(struct jp_ctx *ctx, const struct jp_drv_pkg *p);

/* The operations (see struct jp_drv_ops); undo and last_id fail with a
 * message for managers without them.  install and remove refuse (with
 * jp_drv_check_pkg, before running anything) a package that is not fit
 * for a command line; undo a transaction id that is not a number. */
int jp_drv_install(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags);
int jp_drv_remove(struct jp_drv *d, const struct jp_drv_pkg *p, size_t n,
    int flags);
int jp_drv_undo(struct jp_drv *d, const char *pm_id, int flags);
int jp_drv_dedupe(struct jp_drv *d, int flags);
/*
 * When the last run was killed by a signal (the OOM killer, an admin's
 * kill): "dnf was killed by signal 9 (Killed)", malloc'd; its output
 * stops wherever it was, so that is the message.  Else NULL.
 */
char *jp_drv_killed(const struct jp_drv *d);
int jp_drv_last_id(struct jp_drv *d, char **id);
int jp_drv_has_history(const struct jp_drv *d);

/*
 * For the operations: run argv[0] (searched in PATH) with argv, stdin from
 * /dev/null, stdout and stderr captured together, and extra environment
 * entries env ("NAME=value", NULL-terminated; NULL: none) added to ours.
 * The run is appended to d->runs and on_run called.  Returns the exit
 * status (0..255, 128 + signal), or a negative code with a message when
 * the program cannot be started.
 */
int jp_drv_spawn(struct jp_drv *d, char *const argv[], char *const env[]);
/* The output of the last run ("" when none). */
const char *jp_drv_last_output(const struct jp_drv *d);

/*
 * An argument vector under construction, for the operations: append
 * copies of words; jp_argv_fmt appends a printf-formatted word.
 */
struct jp_argv {
	char **v;
	size_t n, cap;
};
void jp_argv_add(struct jp_argv *a, const char *word);
void jp_argv_fmt(struct jp_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void jp_argv_release(struct jp_argv *a);

/*
 * The clean environment every program jprepo starts as root gets (the
 * package managers, systemctl): PATH, HOME, TMPDIR, TZ, TERM, USER,
 * LOGNAME and the proxy variables of the caller's, LC_ALL=C.UTF-8 and
 * LANG=C.UTF-8, then extra ("NAME=value", may be NULL).  A malloc'd
 * array to free(); its strings are not copies.
 */
char **jp_drv_env(char *const extra[]);

#endif /* JP_DRIVER_H */
