/*
 * timer.c: the daily scan job, as systemd units or a cron.d entry
 * (timer.h).
 *
 * The rules followed:
 * - systemd.timer(5): OnCalendar= takes a calendar event
 *   ("*-*-* HH:MM:00", systemd.time(7)); RandomizedDelaySec= spreads the
 *   hosts' runs over an hour; Persistent=true runs a job missed while the
 *   host was off at the next boot.  A timer enabled by `systemctl enable`
 *   is the symlink timers.target.wants/UNIT in /etc/systemd/system to the
 *   unit file, made by its [Install] WantedBy=timers.target.
 * - systemd.service(5), systemd.exec(5): Type=oneshot for a job that runs
 *   and exits; ExecStart= needs an absolute path (or a name on systemd's
 *   own search path, which differs between versions: absolute it is);
 *   ProtectSystem=strict makes the whole file system read-only but the
 *   ReadWritePaths= listed, which must exist when the job starts (hence
 *   the scan directory is made at install) unless prefixed with '-'.
 *   rpm's SQLite database is in WAL mode, and a WAL database cannot be
 *   opened, even to read, where its -shm file is missing and cannot be
 *   created (sqlite.org/wal.html "Read-Only Databases"): rpm's database
 *   directories are writable to the job, when they exist.
 * - crontab(5) of Debian's cron, cronie and busybox crond: a /etc/cron.d
 *   file has lines "MIN HOUR DOM MON DOW USER COMMAND" and may set
 *   variables (SHELL=, PATH=); cron ignores files in cron.d whose names
 *   hold a '.' (Debian: run-parts naming) or that are writable by group or
 *   others, hence "jprepo-scan" and mode 0644; '%' in the command is a
 *   newline, hence the restricted path characters.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctx.h"
#include "driver.h"
#include "fsutil.h"
#include "timer.h"


void
jp_timer_init(struct jp_timer *t)
{
	memset(t, 0, sizeof(*t));
	t->scan_dir = JP_TIMER_SCAN_DIR;
	t->hour = JP_TIMER_AT_HOUR;
	t->minute = JP_TIMER_AT_MINUTE;
}

int
jp_timer_parse_at(const char *s, int *hour, int *minute)
{
	int h = 0, m;
	size_t i = 0;

	/* one or two digits of hour, ':', exactly two digits of minute */
	while (i < 2 && s[i] >= '0' && s[i] <= '9')
		h = h * 10 + (s[i++] - '0');
	if (i == 0 || s[i] != ':')
		return -1;
	s += i + 1;
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') ||
	    s[2] != '\0')
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	if (h > 23 || m > 59)
		return -1;
	*hour = h;
	*minute = m;
	return 0;
}

int
jp_timer_path_ok(const char *path)
{
	const char *p, *c;

	if (path[0] != '/')
		return 0;
	for (p = path; *p; p++)
		if (*p != '/' && !strchr(JP_TIMER_PATH_CHARS, *p))
			return 0;
	/* each component: not empty (but at the end), not "." nor ".." */
	for (c = path + 1; *c; ) {
		size_t n = strcspn(c, "/");

		if (n == 0 && c[0] == '/')
			return 0;
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' &&
		    c[1] == '.'))
			return 0;
		c += n;
		if (*c == '/')
			c++;
	}
	return 1;
}

/* root/rel, root NULL being "/". */
static char *
timer_path(const char *root, const char *rel)
{
	return jp_path_join(root ? root : "/", rel);
}

static int
timer_exists(const char *root, const char *rel)
{
	char *p = timer_path(root, rel);
	struct stat st;
	int r = lstat(p, &st) == 0;

	free(p);
	return r;
}

int
jp_timer_has_systemd(const char *root)
{
	return timer_exists(root, "run/systemd/system") ||
	    timer_exists(root, "lib/systemd/systemd") ||
	    timer_exists(root, "usr/lib/systemd/systemd");
}

static const char *
timer_scan_dir(const struct jp_timer *t)
{
	return t->scan_dir ? t->scan_dir : JP_TIMER_SCAN_DIR;
}

char *
jp_timer_service_text(const struct jp_timer *t)
{
	const char *dir = timer_scan_dir(t);

	return jp_xasprintf(
	    "# jprepo-scan.service: write this host's scan file (jprepo-scan(5))\n"
	    "# as SCANDIR/HOSTNAME.scan.  Started daily by jprepo-scan.timer.\n"
	    "# Installed by `jprepo scan --install-timer` or `jprepo-scan\n"
	    "# --install-timer`, removed by --remove-timer (jprepo-scan(1)).\n"
	    "[Unit]\n"
	    "Description=jprepo scan of this host\n"
	    "Documentation=man:jprepo-scan(1) man:jprepo-scan(5)\n"
	    "After=local-fs.target\n"
	    "\n"
	    "[Service]\n"
	    "Type=oneshot\n"
	    "ExecStart=%s %s --scan-dir %s\n"
	    "Nice=10\n"
	    "IOSchedulingClass=idle\n"
	    "ProtectSystem=strict\n"
	    "ReadWritePaths=%s\n"
	    "# rpm's database is SQLite in WAL mode: even a reader must create its\n"
	    "# -shm file when it is missing (sqlite.org/wal.html, read-only)\n"
	    "ReadWritePaths=-/var/lib/rpm -/usr/lib/sysimage/rpm\n"
	    "PrivateTmp=yes\n"
	    "NoNewPrivileges=yes\n",
	    t->program, t->args, dir, dir);
}

char *
jp_timer_timer_text(const struct jp_timer *t)
{
	return jp_xasprintf(
	    "# jprepo-scan.timer: start jprepo-scan.service daily, within an hour\n"
	    "# after %02d:%02d, and at boot when a run was missed.\n"
	    "# Installed by `jprepo scan --install-timer` or `jprepo-scan\n"
	    "# --install-timer`, removed by --remove-timer (jprepo-scan(1)).\n"
	    "[Unit]\n"
	    "Description=Daily jprepo scan of this host\n"
	    "Documentation=man:jprepo-scan(1)\n"
	    "\n"
	    "[Timer]\n"
	    "OnCalendar=*-*-* %02d:%02d:00\n"
	    "RandomizedDelaySec=1h\n"
	    "Persistent=true\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=timers.target\n",
	    t->hour, t->minute, t->hour, t->minute);
}

char *
jp_timer_cron_text(const struct jp_timer *t)
{
	return jp_xasprintf(
	    "# /etc/cron.d/jprepo-scan: write this host's scan file (jprepo-scan(5))\n"
	    "# as SCANDIR/HOSTNAME.scan daily at %02d:%02d.\n"
	    "# Installed by `jprepo scan --install-timer` or `jprepo-scan\n"
	    "# --install-timer`, removed by --remove-timer (jprepo-scan(1)).\n"
	    "SHELL=/bin/sh\n"
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	    "%d %d * * * root %s %s --scan-dir %s\n",
	    t->hour, t->minute, t->minute, t->hour, t->program, t->args,
	    timer_scan_dir(t));
}

/* The directory part of path, malloc'd. */
static char *
timer_dirname(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return jp_xstrdup(".");
	if (s == path)
		return jp_xstrdup("/");
	return jp_xstrndup(path, (size_t)(s - path));
}

/*
 * Create path and its missing parents, mode 0755 whatever the umask (a
 * umask of 077 must not hide /etc/cron.d from a cron that drops
 * privileges, nor make the unit directories unreadable); directories that
 * exist are left as they are.
 */
static int
timer_mkdirs(struct jp_ctx *ctx, const char *path)
{
	char *p = jp_xstrdup(path), *s;
	struct stat st;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		int end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (stat(p, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				rc = jp_error_set(ctx, JP_ERR, "cannot create "
				    "'%s': '%s' is not a directory", path, p);
		} else if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = jp_error_errno(ctx, errno, "cannot create the "
			    "directory '%s'", p);
		} else if (chmod(p, 0755) < 0) {
			rc = jp_error_errno(ctx, errno, "cannot set the mode of "
			    "'%s'", p);
		}
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return rc;
}

/* Write text to path through path.tmp.PID, mode 0644 whatever the umask. */
static int
timer_write(struct jp_ctx *ctx, const char *path, const char *text)
{
	char *dir = timer_dirname(path);
	int rc = timer_mkdirs(ctx, dir);

	if (rc == 0)
		rc = jp_file_write_atomic_mode(ctx, path, text, strlen(text),
		    0644);
	if (rc == 0)
		rc = jp_fsync_dir(ctx, dir);
	free(dir);
	return rc;
}

/* Make path a symbolic link to target, replacing what is there. */
static int
timer_symlink(struct jp_ctx *ctx, const char *target, const char *path)
{
	char *dir = timer_dirname(path);
	char *tmp = jp_xasprintf("%s.tmp.%ld", path, (long)getpid());
	int rc;

	rc = timer_mkdirs(ctx, dir);
	if (rc < 0)
		goto out;
	unlink(tmp);
	if (symlink(target, tmp) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot create '%s'", tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot rename '%s' to '%s'",
		    tmp, path);
		unlink(tmp);
		goto out;
	}
	rc = jp_fsync_dir(ctx, dir);
out:
	free(tmp);
	free(dir);
	return rc;
}

/* Remove root/rel when it is a file or a symbolic link; count it. */
static int
timer_unlink(struct jp_ctx *ctx, const char *root, const char *rel,
    int *removed)
{
	char *p = timer_path(root, rel);
	struct stat st;
	int rc = 0;

	if (lstat(p, &st) < 0) {
		if (errno != ENOENT)
			rc = jp_error_errno(ctx, errno, "cannot remove '%s'", p);
	} else if (S_ISDIR(st.st_mode)) {
		rc = jp_error_set(ctx, JP_ERR, "cannot remove '%s': it is a "
		    "directory, not a file jprepo installed", p);
	} else if (unlink(p) < 0) {
		rc = jp_error_errno(ctx, errno, "cannot remove '%s'", p);
	} else if (removed) {
		(*removed)++;
	}
	free(p);
	return rc;
}

/* Run systemctl with the arguments argv (argv[0] "systemctl"). */
static int
timer_systemctl(struct jp_ctx *ctx, char *const argv[])
{
	char cmd[128] = "", **envp;
	pid_t pid;
	int err, status, i;

	for (i = 0; argv[i]; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s",
		    i ? " " : "", argv[i]);
	/* the clean environment of the package managers: nothing of the
	 * caller's (LD_PRELOAD, SYSTEMD_* overrides) reaches systemctl */
	envp = jp_drv_env(NULL);
	err = posix_spawnp(&pid, "systemctl", NULL, NULL, argv, envp);
	free(envp);
	if (err != 0)
		return jp_error_errno(ctx, err, "cannot run '%s'", cmd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return jp_error_errno(ctx, errno, "cannot wait for '%s'",
			    cmd);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return jp_error_set(ctx, JP_ERR, "'%s' failed with status %d",
		    cmd, WEXITSTATUS(status));
	if (!WIFEXITED(status))
		return jp_error_set(ctx, JP_ERR, "'%s' was killed by signal %d",
		    cmd, WTERMSIG(status));
	return 0;
}

/* The running host with systemd as its init (sd_booted(3)). */
static int
timer_live_systemd(const char *root)
{
	return root == NULL && access("/run/systemd/system", F_OK) == 0;
}

/* Create the scan directory root/dir, mode 0750, when it is missing. */
static int
timer_scan_dir_make(struct jp_ctx *ctx, const char *root, const char *dir)
{
	char *p = timer_path(root, dir + 1), *parent;
	struct stat st;
	int rc = 0;

	if (stat(p, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			rc = jp_error_set(ctx, JP_ERR, "cannot use '%s' as the "
			    "scan directory: not a directory", p);
		free(p);
		return rc;
	}
	parent = timer_dirname(p);
	rc = timer_mkdirs(ctx, parent);
	free(parent);
	if (rc == 0 && mkdir(p, 0750) < 0 && errno != EEXIST)
		rc = jp_error_errno(ctx, errno, "cannot create the scan "
		    "directory '%s'", p);
	if (rc == 0 && chmod(p, 0750) < 0)
		rc = jp_error_errno(ctx, errno, "cannot set the mode of '%s'", p);
	free(p);
	return rc;
}

int
jp_timer_install(struct jp_ctx *ctx, const struct jp_timer *t, int *kind)
{
	const char *dir = timer_scan_dir(t);
	char *text = NULL, *path = NULL;
	int rc, systemd = jp_timer_has_systemd(t->root);

	if (!t->program || !jp_timer_path_ok(t->program))
		return jp_error_set(ctx, JP_ERR, "cannot name '%s' in a job: the "
		    "program needs an absolute path of letters, digits and "
		    "'%s'", t->program ? t->program : "", "._+,:=@-/");
	if (!jp_timer_path_ok(dir))
		return jp_error_set(ctx, JP_ERR, "cannot use '%s' as the scan "
		    "directory: it needs an absolute path of letters, digits "
		    "and '%s'", dir, "._+,:=@-/");
	if (t->hour < 0 || t->hour > 23 || t->minute < 0 || t->minute > 59)
		return jp_error_set(ctx, JP_ERR, "cannot run a job at %d:%02d",
		    t->hour, t->minute);
	rc = timer_scan_dir_make(ctx, t->root, dir);
	if (rc < 0)
		return rc;

	if (systemd) {
		text = jp_timer_service_text(t);
		path = timer_path(t->root, JP_TIMER_SERVICE);
		rc = timer_write(ctx, path, text);
		free(text);
		free(path);
		if (rc < 0)
			return rc;
		text = jp_timer_timer_text(t);
		path = timer_path(t->root, JP_TIMER_TIMER);
		rc = timer_write(ctx, path, text);
		free(text);
		free(path);
		if (rc < 0)
			return rc;
		/* what `systemctl enable` links: an absolute target */
		path = timer_path(t->root, JP_TIMER_WANTS);
		rc = timer_symlink(ctx, "/" JP_TIMER_TIMER, path);
		free(path);
		if (rc == 0)
			rc = timer_unlink(ctx, t->root, JP_TIMER_CRON, NULL);
		if (rc == 0 && timer_live_systemd(t->root)) {
			char *reload[] = { "systemctl", "daemon-reload", NULL };
			char *enable[] = { "systemctl", "enable", "--now",
			    "jprepo-scan.timer", NULL };

			rc = timer_systemctl(ctx, reload);
			if (rc == 0)
				rc = timer_systemctl(ctx, enable);
		}
		*kind = JP_TIMER_SYSTEMD;
	} else {
		text = jp_timer_cron_text(t);
		path = timer_path(t->root, JP_TIMER_CRON);
		rc = timer_write(ctx, path, text);
		free(text);
		free(path);
		if (rc == 0)
			rc = timer_unlink(ctx, t->root, JP_TIMER_WANTS, NULL);
		if (rc == 0)
			rc = timer_unlink(ctx, t->root, JP_TIMER_TIMER, NULL);
		if (rc == 0)
			rc = timer_unlink(ctx, t->root, JP_TIMER_SERVICE, NULL);
		*kind = JP_TIMER_CRON_D;
	}
	return rc;
}

int
jp_timer_remove(struct jp_ctx *ctx, const char *root, int *removed)
{
	int rc = 0, live = timer_live_systemd(root);

	*removed = 0;
	if (live && timer_exists(root, JP_TIMER_TIMER)) {
		char *disable[] = { "systemctl", "disable", "--now",
		    "jprepo-scan.timer", NULL };

		rc = timer_systemctl(ctx, disable);
		if (rc < 0)
			return rc;
	}
	rc = timer_unlink(ctx, root, JP_TIMER_WANTS, removed);
	if (rc == 0)
		rc = timer_unlink(ctx, root, JP_TIMER_TIMER, removed);
	if (rc == 0)
		rc = timer_unlink(ctx, root, JP_TIMER_SERVICE, removed);
	if (rc == 0)
		rc = timer_unlink(ctx, root, JP_TIMER_CRON, removed);
	if (rc == 0 && live && *removed > 0) {
		char *reload[] = { "systemctl", "daemon-reload", NULL };

		rc = timer_systemctl(ctx, reload);
	}
	return rc;
}
