#!/bin/sh
# Scheduled scans: `jprepo scan --install-timer/--remove-timer` and
# tools/jprepo-scan's twins in scratch roots with and without systemd's
# markers: the files, modes and the enabling symlink; the units checked by
# `systemd-analyze verify` (and a broken unit refused by it, so the oracle
# can fail); the cron.d line parsed field by field (crontab(5)); the job's
# command run for real, writing SCANDIR/HOST.scan, also on a read-only
# system but the scan directory (the unit's hardening, emulated in a mount
# namespace); the samples equal to what is installed after path
# substitution; re-installing replaces (and switches between systemd and
# cron); --remove-timer leaves no file; usage errors (--at, --scan-dir,
# exclusive options) change nothing.
# `jprepo scan --json` (and jprepo-scan --json, the same bytes) parsed by
# python3 and compared with the scan file's fields and with rpm and
# dpkg-query.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd python3 dash
need_jprepo

scanner=$JP_SRCDIR/tools/jprepo-scan
[ -f "$scanner" ] || fail "no $scanner"
self=$(readlink -f "$JPREPO") || fail "cannot resolve $JPREPO"
SOURCE_DATE_EPOCH=1790000000
export SOURCE_DATE_EPOCH

# tree DIR: the files and symlinks under DIR, sorted.
tree() {
	(cd "$1" && find . \( -type f -o -type l \) | LC_ALL=C sort)
}

# run WANT WHAT CMD...: CMD must exit WANT; output in $T/out, $T/err.
run() {
	r_want=$1 r_what=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	r_rc=$?
	[ "$r_rc" = "$r_want" ] ||
	    fail "$r_what: '$*' exited $r_rc, want $r_want: $(cat "$T/err")"
}

# mode PATH: its permission bits, octal
mode() {
	stat -c %a "$1" || fail "no $1"
}

# --- the oracle for units: systemd-analyze verify --------------------------
# Documentation= pages are looked up with man(1): point MANPATH at ours.
mkdir -p "$T/man/man1" "$T/man/man5"
ln -s "$JP_SRCDIR/man/jprepo-scan.1" "$T/man/man1/jprepo-scan.1"
ln -s "$JP_SRCDIR/man/jprepo-scan.5" "$T/man/man5/jprepo-scan.5"
have_verify=0
if command -v systemd-analyze >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
	have_verify=1
else
	note "systemd-analyze or man missing: units are not verified by systemd"
fi

# verify DIR WHAT: systemd-analyze verify DIR's jprepo-scan units: exit 0
# and not a word on stderr (a warning is a defect too).
verify() {
	[ "$have_verify" = 1 ] || return 0
	MANPATH=$T/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
	    "$1/jprepo-scan.service" "$1/jprepo-scan.timer" >"$T/verify.out" 2>&1 ||
	    fail "$2: systemd-analyze verify: $(cat "$T/verify.out")"
	[ ! -s "$T/verify.out" ] ||
	    fail "$2: systemd-analyze verify warns: $(cat "$T/verify.out")"
}

# The oracle refuses what is wrong: a program that is not there, a unit
# setting out of range.
if [ "$have_verify" = 1 ]; then
	mkdir -p "$T/bad"
	sed "s|^ExecStart=/usr/bin/jprepo |ExecStart=$T/nowhere/jprepo |" \
	    "$JP_SRCDIR/samples/systemd/jprepo-scan.service" >"$T/bad/jprepo-scan.service"
	cp "$JP_SRCDIR/samples/systemd/jprepo-scan.timer" "$T/bad/"
	if MANPATH=$T/man systemd-analyze verify "$T/bad/jprepo-scan.service" \
	    >"$T/verify.out" 2>&1; then
		fail "systemd-analyze verify took a unit whose program is missing"
	fi
	grep -q "nowhere/jprepo" "$T/verify.out" ||
	    fail "systemd-analyze verify did not name the missing program: $(cat "$T/verify.out")"
fi

# --- systemd roots: each marker, both installers ---------------------------
n=0
for marker in run/systemd/system lib/systemd/systemd usr/lib/systemd/systemd; do
	n=$((n + 1))
	for tool in jprepo script; do
		R=$T/sd$n-$tool
		mkdir -p "$R/$(dirname "$marker")"
		case $marker in
		run/*) mkdir "$R/$marker" ;;
		*) : >"$R/$marker" ;;
		esac
		# something of the admin's that must survive
		mkdir -p "$R/etc/systemd/system"
		echo "[Unit]" >"$R/etc/systemd/system/other.service"
		tree "$R" >"$T/before"
		if [ "$tool" = jprepo ]; then
			run 0 "install ($marker)" "$JPREPO" scan --install-timer \
			    --root "$R" --scan-dir "$T/scans-$n" --at 21:07
			job="$self -q scan"
		else
			run 0 "install ($marker)" dash "$scanner" --install-timer \
			    --root "$R" --scan-dir "$T/scans-$n" --at 21:07
			job="/usr/local/sbin/jprepo-scan -q"
			[ "$(mode "$R/usr/local/sbin/jprepo-scan")" = 755 ] ||
			    fail "the script's copy is not mode 755"
			cmp -s "$scanner" "$R/usr/local/sbin/jprepo-scan" ||
			    fail "the script's copy differs from $scanner"
		fi
		grep -q "installed the daily scan at 21:07 as a systemd timer" "$T/err" ||
		    fail "$tool ($marker): no note of the install: $(cat "$T/err")"
		U=$R/etc/systemd/system
		for f in "$U/jprepo-scan.service" "$U/jprepo-scan.timer"; do
			[ -f "$f" ] && [ ! -L "$f" ] || fail "$tool ($marker): no file $f"
			[ "$(mode "$f")" = 644 ] || fail "$f: mode $(mode "$f"), want 644"
		done
		[ -L "$U/timers.target.wants/jprepo-scan.timer" ] ||
		    fail "$tool ($marker): the timer is not enabled (no symlink)"
		[ "$(readlink "$U/timers.target.wants/jprepo-scan.timer")" = \
		    /etc/systemd/system/jprepo-scan.timer ] ||
		    fail "$tool: the symlink points at $(readlink "$U/timers.target.wants/jprepo-scan.timer")"
		[ ! -e "$R/etc/cron.d/jprepo-scan" ] || fail "$tool ($marker): a cron entry as well"
		[ "$(mode "$R$T/scans-$n")" = 750 ] ||
		    fail "$tool: scan directory mode $(mode "$R$T/scans-$n"), want 750"
		grep -qx "ExecStart=$job --scan-dir $T/scans-$n" "$U/jprepo-scan.service" ||
		    fail "$tool: ExecStart: $(grep ExecStart "$U/jprepo-scan.service")"
		grep -qx "ReadWritePaths=$T/scans-$n" "$U/jprepo-scan.service" ||
		    fail "$tool: no ReadWritePaths for the scan directory"
		grep -qx 'OnCalendar=\*-\*-\* 21:07:00' "$U/jprepo-scan.timer" ||
		    fail "$tool: OnCalendar: $(grep OnCalendar "$U/jprepo-scan.timer")"
		# the whole set of files: the old ones and exactly ours
		tree "$R" >"$T/after"
		{
			cat "$T/before"
			echo ./etc/systemd/system/jprepo-scan.service
			echo ./etc/systemd/system/jprepo-scan.timer
			echo ./etc/systemd/system/timers.target.wants/jprepo-scan.timer
			[ "$tool" = jprepo ] || echo ./usr/local/sbin/jprepo-scan
		} | LC_ALL=C sort >"$T/want"
		diff -u "$T/want" "$T/after" >&2 || fail "$tool ($marker): the files installed differ (- expected, + got)"
		if [ "$tool" = jprepo ]; then
			verify "$U" "$tool ($marker)"
			mkdir "$T/units-$n"
			cp "$U/jprepo-scan.service" "$U/jprepo-scan.timer" "$T/units-$n/"
		else
			# the script's units are jprepo's with the other program
			sed "s|^ExecStart=/usr/local/sbin/jprepo-scan -q |ExecStart=$self -q scan |" \
			    "$U/jprepo-scan.service" >"$T/s.service"
			cmp -s "$T/s.service" "$T/units-$n/jprepo-scan.service" ||
			    fail "the script's service differs from jprepo's: $(diff "$T/s.service" "$T/units-$n/jprepo-scan.service")"
			cmp -s "$U/jprepo-scan.timer" "$T/units-$n/jprepo-scan.timer" ||
			    fail "the script's timer differs from jprepo's"
		fi

		# removal: back to the files of before; the scan directory stays
		mkdir -p "$T/scans-$n"
		if [ "$tool" = jprepo ]; then
			run 0 "remove ($marker)" "$JPREPO" scan --remove-timer --root "$R"
		else
			run 0 "remove ($marker)" dash "$scanner" --remove-timer --root "$R"
		fi
		tree "$R" >"$T/after"
		diff -u "$T/before" "$T/after" >&2 ||
		    fail "$tool ($marker): --remove-timer left files (- before install, + after removal)"
		[ -d "$R$T/scans-$n" ] || fail "$tool: --remove-timer removed the scan directory"
		# again: nothing to do, no error
		if [ "$tool" = jprepo ]; then
			run 0 "remove again" "$JPREPO" scan --remove-timer --root "$R"
		else
			run 0 "remove again" dash "$scanner" --remove-timer --root "$R"
		fi
		grep -q "no daily scan installed" "$T/err" || fail "$tool: second removal said: $(cat "$T/err")"
	done
done

# --- the job runs: ExecStart as written, the scan in SCANDIR/HOST.scan -------
R=$T/sd-run
mkdir -p "$R/lib/systemd" && : >"$R/lib/systemd/systemd"
run 0 "install with defaults" "$JPREPO" -q scan --install-timer --root "$R" --scan-dir "$T/scans"
[ ! -s "$T/err" ] || fail "-q install printed: $(cat "$T/err")"
# the unit names a directory on this host, which the install made under R
mkdir -p "$T/scans"
cmd=$(sed -n 's/^ExecStart=//p' "$R/etc/systemd/system/jprepo-scan.service")
# shellcheck disable=SC2086 # the unit's command line has no quoting
$cmd >"$T/out" 2>"$T/err" || fail "the unit's command '$cmd' failed: $(cat "$T/err")"
host=$(uname -n)
[ -f "$T/scans/$host.scan" ] || fail "the job wrote no $T/scans/$host.scan: $(ls "$T/scans")"
"$JPREPO" scan >"$T/direct.scan" || fail "jprepo scan failed"
cmp -s "$T/scans/$host.scan" "$T/direct.scan" ||
    fail "the job's scan differs from jprepo scan's: $(diff "$T/direct.scan" "$T/scans/$host.scan" | head)"
[ ! -s "$T/err" ] && [ ! -s "$T/out" ] || fail "the job printed: $(cat "$T/out" "$T/err")"
# The job under the service's hardening: ProtectSystem=strict with
# ReadWritePaths=SCANDIR emulated in a mount namespace (/ read-only, the
# scan directory writable), PrivateTmp= by a writable TMPDIR; the job
# must write its scan and nothing else.
if unshare -m true 2>/dev/null; then
	rm -rf "$T/scans" && mkdir -p "$T/scans" "$T/ptmp"
	unshare -m sh -c '
		set -e
		T=$1 cmd=$2 scanner=$3
		mount --make-rprivate /
		mount --bind / /
		mount -o remount,bind,ro /
		for d in "$T/scans" "$T/ptmp"; do
			mount --bind "$d" "$d"
			mount -o remount,bind,rw "$d"
		done
		if touch "$T/probe" 2>/dev/null; then
			echo "the file system is still writable" >&2
			exit 9
		fi
		$cmd
		TMPDIR=$T/ptmp dash "$scanner" -q --scan-dir "$T/scans" --host script-host
	' sh "$T" "$cmd" "$scanner" >"$T/out" 2>"$T/err" ||
	    fail "the job on a read-only system: $(cat "$T/err")"
	cmp -s "$T/scans/$host.scan" "$T/direct.scan" ||
	    fail "the job's scan on a read-only system differs from jprepo scan's"
	dash "$scanner" --host script-host >"$T/want" || fail "jprepo-scan --host script-host"
	cmp -s "$T/scans/script-host.scan" "$T/want" ||
	    fail "jprepo-scan's job on a read-only system wrote no (or another) scan"
else
	note "unshare -m is not permitted here: the job is not run read-only"
fi
# the defaults: 03:00, the samples after path substitution
run 0 "install with defaults" "$JPREPO" scan --install-timer --root "$R"
for f in jprepo-scan.service jprepo-scan.timer; do
	sed "s|^ExecStart=$self |ExecStart=/usr/bin/jprepo |" \
	    "$R/etc/systemd/system/$f" >"$T/got"
	diff -u "$JP_SRCDIR/samples/systemd/$f" "$T/got" >&2 ||
	    fail "samples/systemd/$f differs from what is installed (- sample, + installed)"
done
[ "$(mode "$R/var/lib/jprepo/scans")" = 750 ] || fail "default scan directory mode"
grep -qx 'OnCalendar=\*-\*-\* 03:00:00' "$R/etc/systemd/system/jprepo-scan.timer" ||
    fail "the default time is not 03:00"
grep -qx 'RandomizedDelaySec=1h' "$R/etc/systemd/system/jprepo-scan.timer" &&
    grep -qx 'Persistent=true' "$R/etc/systemd/system/jprepo-scan.timer" ||
    fail "the timer lacks RandomizedDelaySec=1h or Persistent=true"
for w in Type=oneshot Nice=10 IOSchedulingClass=idle ProtectSystem=strict \
    PrivateTmp=yes NoNewPrivileges=yes; do
	grep -qx "$w" "$R/etc/systemd/system/jprepo-scan.service" || fail "the service lacks $w"
done
# re-running replaces: another time, no temporary file left
run 0 "re-install" "$JPREPO" scan --install-timer --root "$R" --at 5:06
grep -qx 'OnCalendar=\*-\*-\* 05:06:00' "$R/etc/systemd/system/jprepo-scan.timer" ||
    fail "re-install did not replace the timer"
[ -z "$(find "$R" -name '*.tmp.*')" ] || fail "temporary files left: $(find "$R" -name '*.tmp.*')"

# --- cron roots --------------------------------------------------------------
# cronline FILE WANTCMD MIN HOUR: FILE is a valid cron.d file (crontab(5)):
# comments, variable settings (a PATH one among them) and exactly one job
# line "MIN HOUR * * * root WANTCMD"; the time fields in range; no '%'.
cronline() {
	python3 - "$@" <<'EOF' || fail "bad cron file $1: $(cat "$1")"
import re, sys
path, want_cmd, want_min, want_hour = sys.argv[1:5]
jobs, env = [], {}
for line in open(path):
    line = line.rstrip("\n")
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
    if m:
        env[m.group(1)] = m.group(2)
        continue
    jobs.append(line)
assert len(jobs) == 1, "want one job line, got %r" % jobs
f = jobs[0].split(None, 6)
assert len(f) == 7, "want 5 time fields, user, command: %r" % f
mi, ho, dom, mon, dow, user, cmd = f
assert mi.isdigit() and 0 <= int(mi) <= 59, "minute %r" % mi
assert ho.isdigit() and 0 <= int(ho) <= 23, "hour %r" % ho
assert (dom, mon, dow) == ("*", "*", "*"), "daily: %r" % f[2:5]
assert user == "root", "user %r" % user
assert (int(mi), int(ho)) == (int(want_min), int(want_hour)), "time %s %s" % (mi, ho)
assert cmd == want_cmd, "command %r, want %r" % (cmd, want_cmd)
assert "%" not in cmd, "a % in the command is a newline to cron"
assert cmd.startswith("/"), "command not absolute"
assert "PATH" in env and "/usr/bin" in env["PATH"].split(":"), "PATH %r" % env
EOF
}

for tool in jprepo script; do
	R=$T/cron-$tool
	mkdir -p "$R/etc/systemd/system"   # configuration alone is no systemd
	tree "$R" >"$T/before"
	if [ "$tool" = jprepo ]; then
		run 0 "cron install" "$JPREPO" scan --install-timer --root "$R" \
		    --scan-dir "$T/cscans" --at 4:30
		job="$self -q scan"
	else
		run 0 "cron install" dash "$scanner" --install-timer --root "$R" \
		    --scan-dir "$T/cscans" --at 4:30
		job="/usr/local/sbin/jprepo-scan -q"
	fi
	grep -q "as a cron.d entry" "$T/err" || fail "$tool: no note of the cron install: $(cat "$T/err")"
	C=$R/etc/cron.d/jprepo-scan
	[ -f "$C" ] || fail "$tool: no $C"
	[ "$(mode "$C")" = 644 ] || fail "$C: mode $(mode "$C"), want 644"
	[ "$(mode "$R$T/cscans")" = 750 ] || fail "$tool: cron scan directory mode"
	cronline "$C" "$job --scan-dir $T/cscans" 30 4
	[ ! -e "$R/etc/systemd/system/jprepo-scan.timer" ] ||
	    fail "$tool: systemd units without systemd"
	# the job's command, run as cron would (sh -c)
	rm -rf "$T/cscans"
	mkdir -p "$T/cscans"
	cmd=$(grep -v -e '^#' -e '^[A-Za-z_]*=' "$C" | cut -d' ' -f7-)
	[ "$tool" = jprepo ] || cmd="$R$cmd"
	sh -c "$cmd" >"$T/out" 2>"$T/err" || fail "$tool: the cron command '$cmd' failed: $(cat "$T/err")"
	cmp -s "$T/cscans/$(uname -n).scan" "$T/direct.scan" ||
	    fail "$tool: the cron job's scan differs from jprepo scan's"
	# the sample, after path substitution
	if [ "$tool" = jprepo ]; then
		run 0 "cron defaults" "$JPREPO" scan --install-timer --root "$R"
		sed "s| root $self -q scan | root /usr/bin/jprepo -q scan |" "$C" >"$T/got"
	else
		run 0 "cron defaults" dash "$scanner" --install-timer --root "$R"
		sed "s| root /usr/local/sbin/jprepo-scan -q | root /usr/bin/jprepo -q scan |" "$C" >"$T/got"
	fi
	diff -u "$JP_SRCDIR/samples/cron/jprepo-scan" "$T/got" >&2 ||
	    fail "$tool: samples/cron/jprepo-scan differs from what is installed (- sample, + installed)"
	cronline "$JP_SRCDIR/samples/cron/jprepo-scan" \
	    "/usr/bin/jprepo -q scan --scan-dir /var/lib/jprepo/scans" 0 3

	# systemd arrives: re-installing switches to units, the cron file goes
	mkdir -p "$R/usr/lib/systemd" && : >"$R/usr/lib/systemd/systemd"
	if [ "$tool" = jprepo ]; then
		run 0 "switch" "$JPREPO" scan --install-timer --root "$R"
	else
		run 0 "switch" dash "$scanner" --install-timer --root "$R"
	fi
	[ ! -e "$C" ] || fail "$tool: the cron entry stayed after the switch to systemd"
	[ -L "$R/etc/systemd/system/timers.target.wants/jprepo-scan.timer" ] ||
	    fail "$tool: no timer after the switch"
	# and back
	rm "$R/usr/lib/systemd/systemd"
	if [ "$tool" = jprepo ]; then
		run 0 "switch back" "$JPREPO" scan --install-timer --root "$R"
	else
		run 0 "switch back" dash "$scanner" --install-timer --root "$R"
	fi
	[ -f "$C" ] || fail "$tool: no cron entry after the switch back"
	[ ! -e "$R/etc/systemd/system/jprepo-scan.service" ] &&
	    [ ! -L "$R/etc/systemd/system/timers.target.wants/jprepo-scan.timer" ] ||
	    fail "$tool: units stayed after the switch back to cron"
	if [ "$tool" = jprepo ]; then
		run 0 "cron remove" "$JPREPO" scan --remove-timer --root "$R"
	else
		run 0 "cron remove" dash "$scanner" --remove-timer --root "$R"
	fi
	tree "$R" >"$T/after"
	diff -u "$T/before" "$T/after" >&2 || fail "$tool: --remove-timer left files (cron)"
done

# --- usage errors: exit 2, nothing written -------------------------------------
R=$T/usage
mkdir -p "$R"
for args in "--at 24:00" "--at 12:60" "--at 3:5" "--at 003:00" "--at noon" \
    "--at=" "--scan-dir relative/dir" "--scan-dir /var/%H" "--scan-dir /a/../b" \
    "--scan-dir /with space" "-o $T/x" "--json" "--host h" "--remove-timer"; do
	# shellcheck disable=SC2086
	run 2 "install $args" "$JPREPO" scan --install-timer --root "$R" $args
	grep -q "^usage: jprepo scan" "$T/err" || fail "install $args: no usage line: $(cat "$T/err")"
	# shellcheck disable=SC2086
	run 2 "script install $args" dash "$scanner" --install-timer --root "$R" $args
	grep -q "^usage: jprepo-scan" "$T/err" || fail "script install $args: no usage line: $(cat "$T/err")"
done
run 2 "--at alone" "$JPREPO" scan --at 03:00
grep -q -- "--at goes with --install-timer only" "$T/err" || fail "--at alone: $(cat "$T/err")"
run 2 "--at alone" dash "$scanner" --at 03:00
grep -q -- "--at goes with --install-timer only" "$T/err" || fail "script --at alone: $(cat "$T/err")"
for args in "--at 03:00" "--scan-dir /x"; do
	# shellcheck disable=SC2086
	run 2 "remove $args" "$JPREPO" scan --remove-timer --root "$R" $args
	# shellcheck disable=SC2086
	run 2 "script remove $args" dash "$scanner" --remove-timer --root "$R" $args
done
run 2 "bad at message" "$JPREPO" scan --install-timer --root "$R" --at 25:00
grep -q "from 00:00 to 23:59, not '25:00'" "$T/err" || fail "--at message: $(cat "$T/err")"
run 2 "-o and --scan-dir" "$JPREPO" scan -o "$T/x" --scan-dir "$T"
# the script read from standard input cannot copy itself: refused
dash -s -- --install-timer --root "$R" <"$scanner" >"$T/out" 2>"$T/err"
[ $? = 3 ] || fail "jprepo-scan from stdin --install-timer: not exit 3: $(cat "$T/err")"
grep -q "cannot find this script" "$T/err" || fail "jprepo-scan from stdin: $(cat "$T/err")"
[ -z "$(ls -A "$R")" ] || fail "refused runs wrote into the root: $(ls -AR "$R")"
[ ! -e "$T/x" ] || fail "a usage error wrote $T/x"

# --- scan --json against the scan file, rpm and dpkg-query --------------------
# jsoncheck SCAN JSON: the JSON holds the scan file's fields (python3
# parses both, independently of jprepo's reader).
jsoncheck() {
	jp_json "$2" "scan --json vs $1" '
lines = open(sys.argv[2]).read().split("\n")
assert lines[0] == "jprepo-scan 1" and lines[-2] == "end" and lines[-1] == ""
def v(x):
    return None if x == "-" else x
hdr, pkgs, failed, apply = {}, [], [], None
for l in lines[1:-2]:
    k, _, rest = l.partition(" ")
    if k == "pkg":
        pkgs.append(rest.split(" "))
    elif k == "apply":
        apply = rest.split(" ")
    elif k == "apply-failed":
        failed.append(rest.split(" "))
    else:
        hdr[k] = rest
assert d["jprepo_scan"] == 1
assert d["host"] == v(hdr["host"]), (d["host"], hdr["host"])
assert d["machine_id"] == v(hdr["machine-id"])
osid, osver = hdr["os"].split(" ")
assert (d["os_id"], d["os_version"]) == (v(osid), v(osver))
assert d["os_name"] == v(hdr["os-name"])
for k in ("arch", "format", "manager", "kernel", "scanned"):
    assert d[k] == v(hdr[k]), (k, d[k], hdr[k])
if apply is None:
    assert d["apply"] is None and not failed
else:
    a = d["apply"]
    assert [a["txid"], a["status"], a["time"]] == [v(x) for x in apply], (a, apply)
    assert [[f["name"], f["arch"], f["version"]] for f in a["failed"]] == \
        [[v(x) for x in f] for f in failed], (a["failed"], failed)
assert len(d["packages"]) == len(pkgs), (len(d["packages"]), len(pkgs))
for p, f in zip(d["packages"], pkgs):
    if hdr["format"] == "rpm":
        assert p == {"name": v(f[0]), "epoch": int(f[1]), "version": v(f[2]),
            "release": v(f[3]), "arch": v(f[4]), "source": v(f[5])}, (p, f)
    else:
        assert p == {"name": v(f[0]), "arch": v(f[1]), "version": v(f[2]),
            "source": v(f[3]), "source_version": v(f[4]), "status": v(f[5])}, (p, f)
' "$1"
}

# jsonboth ROOT NAME: scan ROOT as a file and as JSON with both writers;
# the JSON of both the same bytes and agreeing with the file.
jsonboth() {
	run 0 "scan $1" "$JPREPO" scan --root "$1" -o "$T/$2.scan"
	run 0 "scan --json $1" "$JPREPO" scan --root "$1" --json -o "$T/$2.json"
	run 0 "jprepo-scan --json $1" dash "$scanner" --root "$1" --json
	cmp -s "$T/out" "$T/$2.json" ||
	    fail "jprepo-scan --json and jprepo scan --json differ: $(diff "$T/$2.json" "$T/out" | head)"
	jsoncheck "$T/$2.scan" "$T/$2.json"
	# --scan-dir: the scan file under the host's name
	mkdir -p "$T/sd-$2"
	run 0 "scan --scan-dir" "$JPREPO" scan --root "$1" --scan-dir "$T/sd-$2"
	cmp -s "$T/sd-$2/$(sed -n 's/^host //p' "$T/$2.scan").scan" "$T/$2.scan" ||
	    fail "--scan-dir wrote $(ls "$T/sd-$2")"
}

# the running host (whatever it is) and a scan with an apply journal
jsonboth / live
if command -v dpkg >/dev/null 2>&1; then
	D=$T/debroot
	jp_apply_deb_root "$D" deb-host
	jp_apply_mkdeb "$T/debs" hello 1.0-1 all
	jp_apply_mkdeb "$T/debs" 'quote' 2:3.1-1 all 'Source: quotesrc (3.0-1)'
	jp_dpkg_i "$D" "$T/debs/pool/main/hello_1.0-1_all.deb" "$T/debs/pool/main/quote_3.1-1_all.deb"
	if command -v sqlite3 >/dev/null 2>&1; then
		mkdir -p "$D/var/lib/jprepo"
		sqlite3 "$D/var/lib/jprepo/journal.sqlite" <<'EOF' || fail "cannot make a journal"
CREATE TABLE transactions(id INTEGER PRIMARY KEY, started, status TEXT, kind TEXT);
CREATE TABLE packages(txid INTEGER, name TEXT, arch TEXT, from_evr TEXT, to_evr TEXT, result TEXT);
INSERT INTO transactions VALUES (3, 1789990000, 'partial', 'apply');
INSERT INTO packages VALUES (3, 'hello', 'all', '1.0-1', '1.1-1', 'failed');
INSERT INTO packages VALUES (3, 'quote', NULL, '2:3.1-1', '2:3.2-1', 'skipped');
EOF
	fi
	jsonboth "$D" deb
	# dpkg-query is the oracle for the packages
	dpkg-query --admindir="$D/var/lib/dpkg" -W -f '${Package} ${Version} ${Architecture} ${source:Package} ${source:Version}\n' |
	    LC_ALL=C sort >"$T/want"
	python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    print(p["name"], p["version"], p["arch"], p["source"], p["source_version"])' \
	    "$T/deb.json" | LC_ALL=C sort >"$T/got"
	diff -u "$T/want" "$T/got" >&2 || fail "deb --json packages differ from dpkg-query (- dpkg-query, + json)"
	if command -v sqlite3 >/dev/null 2>&1; then
		jp_json "$T/deb.json" "the apply from the journal" '
a = d["apply"]
assert a["txid"] == "3" and a["status"] == "partial", a
assert a["time"] == "2026-09-21T11:26:40Z", a["time"]
assert a["failed"] == [{"name": "hello", "arch": "all", "version": "1.1-1"},
    {"name": "quote", "arch": None, "version": "2:3.2-1"}], a["failed"]
assert d["host"] == "deb-host" and d["kernel"] is None and d["format"] == "deb"
assert d["scanned"] == "2026-09-21T14:13:20Z", d["scanned"]
'
	fi
else
	note "dpkg missing: no deb root for --json"
fi
if command -v dnf >/dev/null 2>&1 && command -v rpmbuild >/dev/null 2>&1; then
	jp_apply_repo "$T/repo"
	jp_apply_root "$T/rpmroot" "$T/repo" rpm-host
	jsonboth "$T/rpmroot" rpm
	rpm --root "$T/rpmroot" -qa --qf '%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\n' |
	    grep -v '^gpg-pubkey ' | LC_ALL=C sort >"$T/want"
	python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    print(p["name"], p["epoch"], p["version"], p["release"], p["arch"])' \
	    "$T/rpm.json" | LC_ALL=C sort >"$T/got"
	diff -u "$T/want" "$T/got" >&2 || fail "rpm --json packages differ from rpm -qa (- rpm, + json)"
	jp_json "$T/rpm.json" "rpm root" '
assert d["format"] == "rpm" and d["manager"] == "dnf" and d["host"] == "rpm-host", d
assert d["apply"] is None
assert len(d["packages"]) == 3
'
else
	note "dnf or rpmbuild missing: no rpm root for --json"
fi
# a host name that cannot name a file
run 3 "--scan-dir with a slash in the host" "$JPREPO" scan --host a/b --scan-dir "$T"
grep -q "cannot name the scan file" "$T/err" || fail "host a/b: $(cat "$T/err")"
run 3 "script --scan-dir with a slash in the host" dash "$scanner" --host a/b --scan-dir "$T"
grep -q "cannot name the scan file" "$T/err" || fail "script host a/b: $(cat "$T/err")"
exit 0
