# lib.sh: shared helpers for the command-level tests in tests/ (POSIX sh).
#
# A test starts with
#	. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
# and then has $T (a scratch directory removed on exit), $JPREPO,
# $JP_SRCDIR and $JP_BUILDDIR.  `make check` exports the last three; run by
# hand from a build directory, they default to the tree around this file,
# with the build directory being the current one if it holds src/jprepo.
# Set JP_KEEP=1 to keep $T for inspection.
#
# Exit statuses (automake): 0 pass, 1 fail, 77 skip.

set -u

jp_test=$(basename "$0" .sh)
if [ -z "${JP_SRCDIR:-}" ]; then
	JP_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
fi
if [ -z "${JP_BUILDDIR:-}" ]; then
	if [ -x ./src/jprepo ]; then
		JP_BUILDDIR=$(pwd)
	else
		JP_BUILDDIR=$JP_SRCDIR
	fi
fi
: "${JPREPO:=$JP_BUILDDIR/src/jprepo}"
export JP_SRCDIR JP_BUILDDIR JPREPO
# Stable output from the tools we parse.
LC_ALL=C.UTF-8
export LC_ALL
unset SOURCE_DATE_EPOCH

jp_bg_pids=
T=$(mktemp -d "${TMPDIR:-/tmp}/$jp_test.XXXXXX") || exit 99

jp_cleanup() {
	jp_rc=$?
	for p in $jp_bg_pids; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${JP_KEEP:-}" ]; then
		echo "# $jp_test: kept $T" >&2
	else
		chmod -R u+rwx "$T" 2>/dev/null
		rm -rf "$T"
	fi
	exit $jp_rc
}
trap jp_cleanup EXIT
trap 'exit 130' INT TERM

# fail MESSAGE...: report a failure and stop the test.
fail() {
	echo "FAIL: $jp_test: $*" >&2
	exit 1
}

# skip REASON...: say why the test cannot run here and stop it.
skip() {
	echo "SKIP: $jp_test: $*" >&2
	exit 77
}

# note MESSAGE...: a comment in the test log.
note() {
	echo "# $*" >&2
}

# need_cmd CMD...: skip the test unless every CMD is on PATH.
need_cmd() {
	for jp_c in "$@"; do
		command -v "$jp_c" >/dev/null 2>&1 || skip "needs '$jp_c'"
	done
}

# need_root WHY: skip unless running as root (dnf and zypper refuse to
# install into a root directory otherwise).
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root: $*"
}

# need_jprepo: fail unless the binary under test exists.
need_jprepo() {
	[ -x "$JPREPO" ] || fail "jprepo binary '$JPREPO' not found (set JPREPO)"
}

# jp_bg PID: remember a background process to kill on exit.
jp_bg() {
	jp_bg_pids="$jp_bg_pids $1"
}

# jp ARGS...: run jprepo; stdout in $T/out, stderr in $T/err, status in $rc.
# Never stops the test; check $rc yourself or use jp_expect.
jp() {
	jp_cmd="jprepo $*"
	"$JPREPO" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	return 0
}

# jp_expect STATUS ARGS...: run jprepo and fail unless it exits STATUS.
jp_expect() {
	jp_want=$1
	shift
	jp "$@"
	[ "$rc" = "$jp_want" ] ||
	    fail "'$jp_cmd': expected exit $jp_want, got $rc; stderr:
$(cat "$T/err")"
}

# jp_err_has PATTERN [WHAT]: fail unless stderr of the last jp run matches
# the extended regular expression PATTERN.
jp_err_has() {
	grep -Eq -- "$1" "$T/err" ||
	    fail "'$jp_cmd': stderr should match '$1'${2:+ ($2)}; stderr:
$(cat "$T/err")"
}

# jp_summary FIELD: a number from the summary line of the last jp run:
# packages, added, removed, reused, failed.  Empty when there is no summary.
jp_summary() {
	jp_line=$(grep -E '^jprepo build: .*: [0-9]+ packages, [0-9]+ added, [0-9]+ removed, [0-9]+ reused from cache, [0-9]+ failed' "$T/err" | tail -n 1)
	[ -n "$jp_line" ] || return 0
	case $1 in
	packages) echo "$jp_line" | sed -E 's/.*: ([0-9]+) packages, .*/\1/' ;;
	added) echo "$jp_line" | sed -E 's/.* ([0-9]+) added, .*/\1/' ;;
	removed) echo "$jp_line" | sed -E 's/.* ([0-9]+) removed, .*/\1/' ;;
	reused) echo "$jp_line" | sed -E 's/.* ([0-9]+) reused from cache, .*/\1/' ;;
	failed) echo "$jp_line" | sed -E 's/.* ([0-9]+) failed.*/\1/' ;;
	esac
}

# jp_expect_summary PACKAGES ADDED REMOVED REUSED FAILED: check the summary
# line of the last jp run; "-" skips a field.
jp_expect_summary() {
	grep -Eq '^jprepo build: .*: [0-9]+ packages, [0-9]+ added, [0-9]+ removed, [0-9]+ reused from cache, [0-9]+ failed \([0-9.]+ ?s\)' "$T/err" ||
	    fail "'$jp_cmd': no summary line 'jprepo build: REPO: N packages, A added, R removed, C reused from cache, F failed (T s)' on stderr:
$(cat "$T/err")"
	jp_i=0
	for jp_f in packages added removed reused failed; do
		jp_i=$((jp_i + 1))
		eval "jp_w=\${$jp_i}"
		[ "$jp_w" = - ] && continue
		jp_g=$(jp_summary $jp_f)
		[ "$jp_g" = "$jp_w" ] ||
		    fail "'$jp_cmd': summary should say $jp_w $jp_f, says $jp_g:
$(grep '^jprepo build:' "$T/err")"
	done
}

# --- The package corpus -------------------------------------------------

# jp_corpus [-n COUNT]: print the directory of the generated corpus (see
# mkrpms.sh), building it once per build tree and again whenever
# mkrpms.sh changes.  Tests must copy it, never change it.
jp_corpus() {
	need_cmd rpmbuild
	jp_n=0
	if [ "${1:-}" = -n ]; then
		jp_n=$2
	fi
	jp_cdir=$JP_BUILDDIR/tests/corpus-n$jp_n
	jp_key="$(cksum <"$JP_SRCDIR/tests/mkrpms.sh") $(rpmbuild --version)"
	mkdir -p "$JP_BUILDDIR/tests" || fail "cannot create $JP_BUILDDIR/tests"
	(
		# Tests run in parallel under make -j: one generator at a time.
		if command -v flock >/dev/null 2>&1; then
			flock 9
		fi
		if [ -f "$jp_cdir/.stamp" ] &&
		    [ "$(cat "$jp_cdir/.stamp")" = "$jp_key" ]; then
			exit 0
		fi
		rm -rf "$jp_cdir" "$jp_cdir.tmp"
		sh "$JP_SRCDIR/tests/mkrpms.sh" -n "$jp_n" \
		    -s "$jp_cdir.tmp/srpms" "$jp_cdir.tmp/rpms" >&2 || exit 1
		echo "$jp_key" >"$jp_cdir.tmp/.stamp"
		mv "$jp_cdir.tmp" "$jp_cdir"
	) 9>"$JP_BUILDDIR/tests/corpus.lock" ||
	    fail "cannot generate the package corpus with tests/mkrpms.sh"
	echo "$jp_cdir"
}

# jp_copy_corpus DEST [-n COUNT]: copy the corpus's binary packages into
# DEST (keeping their mtimes).
jp_copy_corpus() {
	jp_dest=$1
	shift
	jp_src=$(jp_corpus "$@") || exit 1
	mkdir -p "$jp_dest"
	cp -pR "$jp_src/rpms/." "$jp_dest/" || fail "cannot copy the corpus"
}

# jp_srpm_dir: the directory holding the corpus's source package.
jp_srpm_dir() {
	jp_src=$(jp_corpus) || exit 1
	echo "$jp_src/srpms"
}

# jp_count_rpms DIR: the number of binary .rpm files under DIR.
jp_count_rpms() {
	find "$1" -name '*.rpm' ! -name '*.src.rpm' -type f | wc -l |
	    tr -d ' '
}

# --- Reading repository metadata ------------------------------------------

# jp_decompress FILE: write FILE uncompressed to stdout (by its suffix).
jp_decompress() {
	case $1 in
	*.gz) gzip -dc -- "$1" ;;
	*.xz) xz -dc -- "$1" ;;
	*.zst) zstd -qdc -- "$1" ;;
	*.bz2) bzip2 -dc -- "$1" ;;
	*) cat -- "$1" ;;
	esac
}

# jp_xp FILE XPATH: evaluate XPATH over FILE with xmllint; node sets print
# one node per line, strings and numbers on one line; nothing when empty.
jp_xp() {
	xmllint --xpath "$2" "$1" 2>/dev/null
	return 0
}

# jp_md_href REPO TYPE: the location of the TYPE metadata in repomd.xml.
jp_md_href() {
	jp_xp "$1/repodata/repomd.xml" \
	    "string(//*[local-name()='data'][@type='$2']/*[local-name()='location']/@href)"
}

# jp_md_xml REPO TYPE OUT: decompress the TYPE metadata of REPO into OUT.
jp_md_xml() {
	jp_h=$(jp_md_href "$1" "$2")
	[ -n "$jp_h" ] || fail "no '$2' in $1/repodata/repomd.xml"
	jp_decompress "$1/$jp_h" >"$3" || fail "cannot decompress $1/$jp_h"
}

# jp_check_repomd REPO: check that REPO/repodata/repomd.xml is well formed,
# that every file it lists exists with the stated size, checksum,
# open-size and open-checksum, and that each decompressed file is well-formed
# XML with the right root element.  Prints the problems and returns 1 on
# any, so that callers can decide; does not stop the test.
jp_check_repomd() {
	jp_r=$1
	jp_md=$jp_r/repodata/repomd.xml
	jp_bad=0
	[ -f "$jp_md" ] || { echo "no $jp_md" >&2; return 1; }
	xmllint --noout "$jp_md" || { echo "$jp_md: not well-formed" >&2; return 1; }
	[ "$(jp_xp "$jp_md" 'namespace-uri(/*)')" = http://linux.duke.edu/metadata/repo ] &&
	    [ "$(jp_xp "$jp_md" 'local-name(/*)')" = repomd ] ||
	    { echo "$jp_md: root is not {http://linux.duke.edu/metadata/repo}repomd" >&2; return 1; }
	jp_n=$(jp_xp "$jp_md" "count(//*[local-name()='data'])")
	[ "${jp_n:-0}" -ge 1 ] || { echo "$jp_md: no <data>" >&2; return 1; }
	jp_i=1
	while [ "$jp_i" -le "$jp_n" ]; do
		jp_d="//*[local-name()='data'][$jp_i]"
		# One xmllint call per <data>: type href sum sumtype osum size osize.
		jp_l=$(jp_xp "$jp_md" "concat($jp_d/@type, '|',
		    $jp_d/*[local-name()='location']/@href, '|',
		    $jp_d/*[local-name()='checksum'], '|',
		    $jp_d/*[local-name()='checksum']/@type, '|',
		    $jp_d/*[local-name()='open-checksum'], '|',
		    $jp_d/*[local-name()='size'], '|',
		    $jp_d/*[local-name()='open-size'])")
		IFS='|' read -r jp_type jp_href jp_sum jp_sumt jp_osum jp_size jp_osize <<EOF
$jp_l
EOF
		jp_i=$((jp_i + 1))
		jp_f=$jp_r/$jp_href
		if [ -z "$jp_href" ] || [ ! -f "$jp_f" ]; then
			echo "repomd '$jp_type': location '$jp_href' missing" >&2
			jp_bad=1
			continue
		fi
		case $jp_href in
		repodata/*) ;;
		*) echo "repomd '$jp_type': location '$jp_href' outside repodata/" >&2; jp_bad=1 ;;
		esac
		[ "$jp_sumt" = sha256 ] ||
		    { echo "repomd '$jp_type': checksum type '$jp_sumt', want sha256" >&2; jp_bad=1; }
		jp_g=$(sha256sum <"$jp_f" | cut -d' ' -f1)
		[ "$jp_g" = "$jp_sum" ] ||
		    { echo "repomd '$jp_type': checksum $jp_sum, file has $jp_g" >&2; jp_bad=1; }
		jp_g=$(wc -c <"$jp_f" | tr -d ' ')
		[ "$jp_g" = "$jp_size" ] ||
		    { echo "repomd '$jp_type': size '$jp_size', file has $jp_g" >&2; jp_bad=1; }
		jp_decompress "$jp_f" >"$T/.check.xml" 2>/dev/null ||
		    { echo "repomd '$jp_type': cannot decompress $jp_href" >&2; jp_bad=1; continue; }
		case $jp_href in
		*.gz|*.xz|*.zst|*.bz2)
			jp_g=$(sha256sum <"$T/.check.xml" | cut -d' ' -f1)
			[ "$jp_g" = "$jp_osum" ] ||
			    { echo "repomd '$jp_type': open-checksum '$jp_osum', content has $jp_g" >&2; jp_bad=1; }
			jp_g=$(wc -c <"$T/.check.xml" | tr -d ' ')
			[ "$jp_g" = "$jp_osize" ] ||
			    { echo "repomd '$jp_type': open-size '$jp_osize', content has $jp_g" >&2; jp_bad=1; }
			;;
		esac
		xmllint --noout "$T/.check.xml" ||
		    { echo "repomd '$jp_type': $jp_href is not well-formed" >&2; jp_bad=1; continue; }
		jp_root=$(jp_xp "$T/.check.xml" 'concat(namespace-uri(/*), " ", local-name(/*))')
		jp_want=
		case $jp_type in
		primary) jp_want="http://linux.duke.edu/metadata/common metadata" ;;
		filelists) jp_want="http://linux.duke.edu/metadata/filelists filelists" ;;
		other) jp_want="http://linux.duke.edu/metadata/other otherdata" ;;
		updateinfo) jp_want=" updates" ;;
		esac
		[ -z "$jp_want" ] || [ "$jp_root" = "$jp_want" ] ||
		    { echo "repomd '$jp_type': root element '$jp_root', want '$jp_want'" >&2; jp_bad=1; }
	done
	rm -f "$T/.check.xml"
	return $jp_bad
}

# jp_assert_repomd REPO [WHAT]: jp_check_repomd or fail.
jp_assert_repomd() {
	jp_check_repomd "$1" 2>"$T/.check.err" ||
	    fail "metadata of $1 invalid${2:+ ($2)}:
$(cat "$T/.check.err")"
}

# jp_md_packages REPO: the packages="N" count of the primary metadata.
jp_md_packages() {
	jp_md_xml "$1" primary "$T/.primary.xml"
	jp_xp "$T/.primary.xml" 'string(/*/@packages)'
}

# jp_md_list REPO: one line per package in primary:
# "name epoch:ver-rel.arch pkgid location", sorted.
jp_md_list() {
	jp_md_xml "$1" primary "$T/.primary.xml"
	jp_n=$(jp_xp "$T/.primary.xml" "count(/*/*[local-name()='package'])")
	jp_i=1
	while [ "$jp_i" -le "${jp_n:-0}" ]; do
		jp_xp "$T/.primary.xml" "concat(
		    /*/*[local-name()='package'][$jp_i]/*[local-name()='name'], ' ',
		    /*/*[local-name()='package'][$jp_i]/*[local-name()='version']/@epoch, ':',
		    /*/*[local-name()='package'][$jp_i]/*[local-name()='version']/@ver, '-',
		    /*/*[local-name()='package'][$jp_i]/*[local-name()='version']/@rel, '.',
		    /*/*[local-name()='package'][$jp_i]/*[local-name()='arch'], ' ',
		    /*/*[local-name()='package'][$jp_i]/*[local-name()='checksum'], ' ',
		    /*/*[local-name()='package'][$jp_i]/*[local-name()='location']/@href)"
		jp_i=$((jp_i + 1))
	done | sort
}

# jp_md_pkgids REPO: the sorted pkgids (sha256 of each .rpm) in primary.
jp_md_pkgids() {
	jp_md_xml "$1" primary "$T/.primary.xml"
	jp_xp "$T/.primary.xml" "/*/*[local-name()='package']/*[local-name()='checksum']/text()" |
	    sed '/^$/d' | sort
}

# jp_md_content REPO OUT: the decompressed primary, filelists, other (and
# updateinfo when present) of REPO, concatenated into OUT, to compare the
# content of two builds whatever the compression.
jp_md_content() {
	: >"$2"
	for jp_t in primary filelists other updateinfo; do
		jp_h=$(jp_md_href "$1" "$jp_t")
		[ -n "$jp_h" ] || continue
		echo "=== $jp_t" >>"$2"
		jp_decompress "$1/$jp_h" >>"$2" || fail "cannot decompress $1/$jp_h"
	done
}

# jp_repodata_unlisted REPO: the files in REPO/repodata/ other than
# repomd.xml that repomd.xml does not list (leftovers), one per line.
jp_repodata_unlisted() {
	jp_xp "$1/repodata/repomd.xml" "//*[local-name()='location']/@href" |
	    sed -E 's/ *href="repodata\/([^"]*)"/\1/' | sed '/^$/d' |
	    LC_ALL=C sort >"$T/.listed"
	find "$1/repodata" -mindepth 1 ! -name repomd.xml |
	    sed "s|^$1/repodata/||" | LC_ALL=C sort |
	    LC_ALL=C comm -23 - "$T/.listed"
}

# jp_repodata_sums REPO: "sha256  name" of every file in REPO/repodata.
jp_repodata_sums() {
	(cd "$1/repodata" && find . -type f | LC_ALL=C sort | xargs -r sha256sum)
}

# --- Real clients ------------------------------------------------------------

jp_dnf_n=0
# jp_dnf REPO ARGS...: dnf over REPO alone (repo id "r"), no system repos, a
# fresh cache each call; output in $T/dnf.out, errors in $T/dnf.err, status
# in $rc.
jp_dnf() {
	jp_dr=$1
	shift
	jp_dnf_n=$((jp_dnf_n + 1))
	dnf -q -y --setopt=reposdir=/dev/null --setopt=cachedir="$T/dnfcache.$jp_dnf_n" \
	    --releasever=1 --noplugins --repofrompath=r,"file://$jp_dr" --repo=r \
	    --setopt=r.gpgcheck=0 "$@" >"$T/dnf.out" 2>"$T/dnf.err"
	rc=$?
	rm -rf "$T/dnfcache.$jp_dnf_n"
	return 0
}

# The fields jp_dnf_dump asks dnf for, per package.
jp_dnf_qf='== %{name}-%{epoch}:%{version}-%{release}.%{arch}\nlocation: %{location}\nchecksum: %{chksum}\nheader-end: %{hdr_end}\nsummary: %{summary}\ndescription: %{description}\nurl: %{url}\nlicense: %{license}\nsourcerpm: %{sourcerpm}\nbuildtime: %{buildtime}\nsizes: %{size} %{downloadsize} %{installsize}\npackager: %{packager}\nvendor: %{vendor}\ngroup: %{group}\n-- requires\n%{requires}\n-- requires(pre)\n%{requires_pre}\n-- provides\n%{provides}\n-- conflicts\n%{conflicts}\n-- obsoletes\n%{obsoletes}\n-- suggests\n%{suggests}\n-- recommends\n%{recommends}\n-- enhances\n%{enhances}\n-- supplements\n%{supplements}\n-- files\n%{files}\n'

# jp_dnf_dump REPO OUT: what dnf reads from REPO: every field of every
# package (primary and filelists) and the changelogs (other), into OUT.
# Fails when dnf cannot read the repository.
jp_dnf_dump() {
	need_cmd dnf
	jp_dnf "$1" repoquery --qf "$jp_dnf_qf"
	[ "$rc" = 0 ] || fail "dnf cannot read $1: $(cat "$T/dnf.err")"
	cp "$T/dnf.out" "$2"
	jp_dnf "$1" repoquery --changelogs
	[ "$rc" = 0 ] || fail "dnf cannot read the changelogs of $1: $(cat "$T/dnf.err")"
	cat "$T/dnf.out" >>"$2"
}

# jp_dnf_nevras REPO: the sorted NEVRAs dnf sees in REPO (status in $rc).
jp_dnf_nevras() {
	jp_dnf "$1" repoquery --qf '%{name}-%{epoch}:%{version}-%{release}.%{arch}'
	sort "$T/dnf.out"
}

# jp_rpm_nevra FILE...: NEVRA of package files as rpm reads them (oracle).
jp_rpm_nevra() {
	rpm -qp --nosignature --nodigest \
	    --qf '%{name}-%{epochnum}:%{version}-%{release}.%{arch}\n' "$@"
}

# jp_unpriv: a command prefix that drops root privileges (to make chmod
# matter), or nothing when not root.
jp_unpriv() {
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null 2>&1 || return 1
		echo "setpriv --reuid=65534 --regid=65534 --clear-groups --"
	fi
	return 0
}
