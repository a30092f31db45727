/*
 * timer.h: scheduled scans.  `jprepo scan --install-timer` sets up a daily
 * job that writes the host's scan file (jprepo-scan(5)) into a scan
 * directory: a systemd service and timer where the system has systemd, a
 * cron.d entry where it does not; `--remove-timer` takes them away again.
 * tools/jprepo-scan writes the same files with sh: the texts here and there
 * are twins, and samples/systemd/ and samples/cron/ hold them with the
 * default paths (tests/t7100-scan-timer.sh compares all three).
 *
 * Every path a job names is absolute and made of the characters of
 * JP_TIMER_PATH_CHARS only, so that it needs no quoting in a unit file
 * (systemd.syntax(7), systemd.unit(5) "Specifiers": no '%', no '$', no
 * blank) nor in a crontab line (crontab(5): '%' is a newline there).
 */
#ifndef JP_TIMER_H
#define JP_TIMER_H

struct jp_ctx;

#define JP_TIMER_SCAN_DIR "/var/lib/jprepo/scans"
#define JP_TIMER_AT_HOUR 3
#define JP_TIMER_AT_MINUTE 0
/* What a path named in a job may be made of (besides '/'). */
#define JP_TIMER_PATH_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+,:=@-"

/* The files, relative to the root. */
#define JP_TIMER_SERVICE "etc/systemd/system/jprepo-scan.service"
#define JP_TIMER_TIMER "etc/systemd/system/jprepo-scan.timer"
#define JP_TIMER_WANTS "etc/systemd/system/timers.target.wants/jprepo-scan.timer"
#define JP_TIMER_CRON "etc/cron.d/jprepo-scan"

enum jp_timer_kind {
	JP_TIMER_SYSTEMD = 1,
	JP_TIMER_CRON_D = 2,
};

struct jp_timer {
	const char *root;      /* NULL: the running host, "/" */
	const char *scan_dir;  /* absolute; NULL: JP_TIMER_SCAN_DIR */
	int hour, minute;      /* the daily time (local time of the host) */
	const char *program;   /* absolute path of the program the job runs */
	const char *args;      /* its arguments before "--scan-dir DIR",
	                          e.g. "-q scan"; words of path characters */
};

/* Set the defaults: no root, JP_TIMER_SCAN_DIR, 03:00. */
void jp_timer_init(struct jp_timer *t);

/*
 * Parse "HH:MM" (or "H:MM"), 00:00 to 23:59, into *hour and *minute.
 * Returns 0, or -1 when s is not such a time.
 */
int jp_timer_parse_at(const char *s, int *hour, int *minute);

/*
 * Can path be named in a job: absolute, no "." or ".." component, no
 * empty component but a trailing one, every byte '/' or one of
 * JP_TIMER_PATH_CHARS.  Returns 1 or 0.
 */
int jp_timer_path_ok(const char *path);

/*
 * Does the system under root (NULL: "/") have systemd: root/run/systemd/
 * system (systemd is running: sd_booted(3)), root/lib/systemd/systemd or
 * root/usr/lib/systemd/systemd.  Returns 1 or 0.
 */
int jp_timer_has_systemd(const char *root);

/* The texts of the three files, malloc'd. */
char *jp_timer_service_text(const struct jp_timer *t);
char *jp_timer_timer_text(const struct jp_timer *t);
char *jp_timer_cron_text(const struct jp_timer *t);

/*
 * Install the job under t->root: systemd's service, timer and the
 * timers.target.wants symlink (what `systemctl enable` makes) when the
 * root has systemd, else the cron.d file; each file written through a
 * temporary name and renamed, mode 0644, its directories created 0755
 * when missing; the scan directory created (root/SCANDIR, mode 0750) when
 * missing.  The other kind's files, if an earlier install left them, are
 * removed.  On the running host (no root) with systemd running, then
 * `systemctl daemon-reload` and `systemctl enable --now
 * jprepo-scan.timer`.  *kind says which kind was installed.  Returns 0 or a
 * negative code with a message naming the path or command at fault.
 */
int jp_timer_install(struct jp_ctx *ctx, const struct jp_timer *t, int *kind);

/*
 * Remove what jp_timer_install() installs under root (NULL: "/"): the
 * service, the timer, the symlink and the cron.d file, those that exist
 * (on the running host with systemd running, `systemctl disable --now
 * jprepo-scan.timer` first and `systemctl daemon-reload` after).  The
 * scan directory and the scans in it are kept.  *removed is the number of
 * files removed.  Returns 0 or a negative code with a message.
 */
int jp_timer_remove(struct jp_ctx *ctx, const char *root, int *removed);

#endif
