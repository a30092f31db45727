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
# no configuration file of this machine (/etc/jprepo/jprepo.conf) applies
JPREPO_CONFIG=
export JPREPO_CONFIG

jp_bg_pids=
jp_gpg_homes=
T=$(mktemp -d "${TMPDIR:-/tmp}/$jp_test.XXXXXX") || exit 99

jp_cleanup() {
	jp_rc=$?
	for p in $jp_bg_pids; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for h in $jp_gpg_homes; do
		gpgconf --homedir "$h" --kill all 2>/dev/null
	done
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
	jp_generate_once "$jp_cdir" \
	    "$(cksum <"$JP_SRCDIR/tests/mkrpms.sh") $(rpmbuild --version)" \
	    corpus.lock sh "$JP_SRCDIR/tests/mkrpms.sh" -n "$jp_n" \
	    -s "$jp_cdir.tmp/srpms" "$jp_cdir.tmp/rpms" ||
	    fail "cannot generate the package corpus with tests/mkrpms.sh"
	echo "$jp_cdir"
}

# jp_generate_once DIR KEY LOCK COMMAND...: unless DIR/.stamp holds KEY,
# run COMMAND (which writes DIR.tmp) and move DIR.tmp to DIR.  Tests run
# in parallel under make -j: LOCK (a file in $JP_BUILDDIR/tests) keeps
# generators of one corpus from running at once.
jp_generate_once() {
	jp_gdir=$1 jp_gkey=$2 jp_glock=$3
	shift 3
	mkdir -p "$JP_BUILDDIR/tests" || fail "cannot create $JP_BUILDDIR/tests"
	(
		if command -v flock >/dev/null 2>&1; then
			flock 9
		fi
		if [ -f "$jp_gdir/.stamp" ] &&
		    [ "$(cat "$jp_gdir/.stamp")" = "$jp_gkey" ]; then
			exit 0
		fi
		rm -rf "$jp_gdir" "$jp_gdir.tmp"
		"$@" >&2 || exit 1
		echo "$jp_gkey" >"$jp_gdir.tmp/.stamp"
		mv "$jp_gdir.tmp" "$jp_gdir"
	) 9>"$JP_BUILDDIR/tests/$jp_glock"
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

# =========================================================================
# APT repositories (the t2xxx tests).  Added after the helpers above,
# which do not depend on anything below.
# =========================================================================

# jp_deb_corpus [-n COUNT]: print the directory of the generated .deb
# corpus (see mkdebs.sh), building it once per build tree and again
# whenever mkdebs.sh or dpkg-deb changes.  Tests must copy it, never change
# it.
jp_deb_corpus() {
	need_cmd dpkg-deb ar
	jp_n=0
	if [ "${1:-}" = -n ]; then
		jp_n=$2
	fi
	jp_cdir=$JP_BUILDDIR/tests/debcorpus-n$jp_n
	jp_generate_once "$jp_cdir" \
	    "$(cksum <"$JP_SRCDIR/tests/mkdebs.sh") $(dpkg-deb --version | head -n 1)" \
	    debcorpus.lock sh "$JP_SRCDIR/tests/mkdebs.sh" -n "$jp_n" \
	    "$jp_cdir.tmp/debs" ||
	    fail "cannot generate the .deb corpus with tests/mkdebs.sh"
	echo "$jp_cdir/debs"
}

# jp_copy_deb_corpus DEST [-n COUNT]: copy the .deb corpus into DEST
# (keeping mtimes and the pool/ layout).
jp_copy_deb_corpus() {
	jp_dest=$1
	shift
	jp_src=$(jp_deb_corpus "$@") || exit 1
	mkdir -p "$jp_dest"
	cp -pR "$jp_src/." "$jp_dest/" || fail "cannot copy the .deb corpus"
}

# jp_count_debs DIR: the number of .deb files under DIR.
jp_count_debs() {
	find "$1" -name '*.deb' -type f | wc -l | tr -d ' '
}

# jp_apt_root ROOT REPO [SUITE [COMPONENT [FOREIGN-ARCH...]]]: make ROOT an
# empty system for apt and dpkg (native architecture amd64, plus the
# foreign ones given) whose only source is
# "deb [trusted=yes] file:REPO SUITE COMPONENT".  Its whole apt
# configuration is ROOT/apt.conf (APT_CONFIG): the host's is not read.
jp_apt_root() {
	need_cmd apt-get dpkg
	jp_ar=$1 jp_arepo=$2 jp_asuite=${3:-stable} jp_acomp=${4:-main}
	shift 2
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] && shift
	mkdir -p "$jp_ar/var/lib/dpkg/info" "$jp_ar/var/lib/dpkg/updates" \
	    "$jp_ar/var/lib/dpkg/triggers" "$jp_ar/var/lib/apt/lists/partial" \
	    "$jp_ar/var/cache/apt/archives/partial" "$jp_ar/var/log/apt" \
	    "$jp_ar/etc/apt/preferences.d" "$jp_ar/etc/apt/apt.conf.d" \
	    "$jp_ar/etc/apt/sources.list.d" "$jp_ar/etc/apt/trusted.gpg.d" ||
	    fail "cannot create the apt root $jp_ar"
	: >"$jp_ar/var/lib/dpkg/status"
	echo "deb [trusted=yes] file:$jp_arepo $jp_asuite $jp_acomp" \
	    >"$jp_ar/etc/apt/sources.list"
	{
		printf 'Dir "%s/";\n' "$jp_ar"
		printf 'Dir::State::status "%s/var/lib/dpkg/status";\n' "$jp_ar"
		printf 'Dir::Etc::SourceParts "/dev/null";\n'
		printf 'Dir::Bin::dpkg "%s";\n' "$(command -v dpkg)"
		printf 'DPkg::Options { "--root=%s"; "--force-not-root"; "--log=%s/var/log/dpkg.log"; };\n' \
		    "$jp_ar" "$jp_ar"
		printf 'Debug::NoLocking "1";\nAPT::Sandbox::User "root";\n'
		printf 'APT::Architecture "amd64";\nAPT::Architectures { "amd64";'
		for jp_a in "$@"; do
			printf ' "%s";' "$jp_a"
		done
		printf ' };\nAcquire::Languages "none";\n'
	} >"$jp_ar/apt.conf"
	for jp_a in "$@"; do
		dpkg --root="$jp_ar" --force-not-root --add-architecture "$jp_a" ||
		    fail "cannot add architecture $jp_a to $jp_ar"
	done
}

# jp_apt ROOT ARGS...: apt-get -y in ROOT (made by jp_apt_root); output in
# $T/apt.out, errors in $T/apt.err, status in $rc.
jp_apt() {
	jp_ar=$1
	shift
	jp_cmd="apt-get $*"
	APT_CONFIG=$jp_ar/apt.conf DEBIAN_FRONTEND=noninteractive \
	    apt-get -y "$@" >"$T/apt.out" 2>"$T/apt.err" </dev/null
	rc=$?
	return 0
}

# jp_apt_ok ROOT ARGS...: jp_apt, and fail unless it succeeds without an
# error or warning line ("E:", "W:", "Err:") in its output.
jp_apt_ok() {
	jp_apt "$@"
	[ "$rc" = 0 ] || fail "'$jp_cmd' in $1: exit $rc:
$(cat "$T/apt.out" "$T/apt.err")"
	! grep -Eq '^(E|W|Err):' "$T/apt.out" "$T/apt.err" ||
	    fail "'$jp_cmd' in $1 complains:
$(grep -E '^(E|W|Err):' "$T/apt.out" "$T/apt.err")"
}

# jp_apt_cache ROOT ARGS...: apt-cache in ROOT; stdout in $T/apt.out,
# status in $rc.
jp_apt_cache() {
	jp_ar=$1
	shift
	jp_cmd="apt-cache $*"
	APT_CONFIG=$jp_ar/apt.conf apt-cache "$@" >"$T/apt.out" 2>"$T/apt.err"
	rc=$?
	return 0
}

# jp_dpkg_installed ROOT: "name version arch" of every package installed
# in ROOT, as dpkg-query reads it, sorted.
jp_dpkg_installed() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W \
	    -f '${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\n' |
	    awk '$1 == "ii" { print $2, $3, $4 }' | LC_ALL=C sort
}

# jp_release_field RELEASE FIELD: the value of the one-line FIELD of a
# Release file (nothing when absent).
jp_release_field() {
	awk -v f="$2" '
	    BEGIN { f = tolower(f) }
	    /^[^ \t]/ { i = index($0, ":")
		if (tolower(substr($0, 1, i - 1)) == f) {
			v = substr($0, i + 1); sub(/^[ \t]+/, "", v)
			sub(/[ \t]+$/, "", v); print v; exit } }' "$1"
}

# jp_release_sums RELEASE SECTION: the "hash size path" lines of one
# checksum section (MD5Sum, SHA1, SHA256, SHA512) of a Release file.
jp_release_sums() {
	awk -v s="$2" '
	    /^[^ \t]/ { in_s = (tolower($0) == tolower(s) ":"); next }
	    in_s && NF == 3 { print $1, $2, $3 }' "$1"
}

# jp_check_release SUITEDIR: check SUITEDIR/Release: it has MD5Sum, SHA1,
# SHA256 and SHA512 sections listing the same files, each of which exists
# with that size and digest (md5sum, sha1sum, sha256sum, sha512sum are the
# oracles); with Acquire-By-Hash: yes, every SHA256 and SHA512 entry also
# exists as DIR/by-hash/ALGO/HASH with the same content.  Prints the
# problems and returns 1 on any.
jp_check_release() {
	jp_sd=$1
	jp_rel=$jp_sd/Release
	jp_bad=0
	[ -f "$jp_rel" ] || { echo "no $jp_rel" >&2; return 1; }
	jp_byhash=$(jp_release_field "$jp_rel" Acquire-By-Hash)
	: >"$T/.rel.paths"
	for jp_s in MD5Sum:md5sum SHA1:sha1sum SHA256:sha256sum SHA512:sha512sum; do
		jp_sec=${jp_s%%:*}
		jp_tool=${jp_s#*:}
		jp_release_sums "$jp_rel" "$jp_sec" >"$T/.rel.sums"
		[ -s "$T/.rel.sums" ] ||
		    { echo "$jp_rel: no $jp_sec section" >&2; jp_bad=1; continue; }
		cut -d' ' -f3 "$T/.rel.sums" | LC_ALL=C sort >"$T/.rel.p"
		if [ -s "$T/.rel.paths" ]; then
			cmp -s "$T/.rel.paths" "$T/.rel.p" ||
			    { echo "$jp_rel: $jp_sec lists other files than MD5Sum" >&2; jp_bad=1; }
		else
			cp "$T/.rel.p" "$T/.rel.paths"
		fi
		while read -r jp_h jp_sz jp_p; do
			jp_f=$jp_sd/$jp_p
			if [ ! -f "$jp_f" ]; then
				echo "$jp_rel: $jp_sec lists missing $jp_p" >&2
				jp_bad=1
				continue
			fi
			jp_g=$(wc -c <"$jp_f" | tr -d ' ')
			[ "$jp_g" = "$jp_sz" ] ||
			    { echo "$jp_rel: $jp_p has size $jp_sz in $jp_sec, $jp_g on disk" >&2; jp_bad=1; }
			jp_g=$($jp_tool <"$jp_f" | cut -d' ' -f1)
			[ "$jp_g" = "$jp_h" ] ||
			    { echo "$jp_rel: $jp_p has $jp_sec $jp_h, $jp_tool says $jp_g" >&2; jp_bad=1; }
			case $jp_byhash:$jp_sec in
			yes:SHA256|yes:SHA512)
				jp_bh=$(dirname "$jp_f")/by-hash/$jp_sec/$jp_h
				cmp -s "$jp_f" "$jp_bh" ||
				    { echo "$jp_rel: no by-hash copy $jp_bh of $jp_p" >&2; jp_bad=1; }
				;;
			esac
		done <"$T/.rel.sums"
	done
	rm -f "$T/.rel.sums" "$T/.rel.p" "$T/.rel.paths"
	return $jp_bad
}

# jp_assert_release SUITEDIR [WHAT]: jp_check_release or fail.
jp_assert_release() {
	jp_check_release "$1" 2>"$T/.check.err" ||
	    fail "Release of $1 invalid${2:+ ($2)}:
$(cat "$T/.check.err")"
}

# jp_stanza_lines FILE: the stanzas of a Packages file (or any deb822
# text), one line per field: "PACKAGE VERSION ARCH FILENAME<TAB>field<TAB>
# value", the field name in lower case (deb822 names are case-insensitive),
# a multi-line value's lines joined by "\n", a leading "./" of Filename
# dropped; sorted.  The lines of two writers can then be compared with
# comm or diff.
jp_stanza_lines() {
	awk '
	function flush(   i, k) {
		if (n == 0) return
		k = val["package"] " " val["version"] " " val["architecture"] " " val["filename"]
		for (i = 1; i <= n; i++)
			print k "\t" name[i] "\t" val[name[i]]
		n = 0
		delete val
	}
	/^$/ { flush(); next }
	/^[ \t]/ { val[name[n]] = val[name[n]] "\\n" $0; next }
	{
		i = index($0, ":")
		f = tolower(substr($0, 1, i - 1))
		v = substr($0, i + 1)
		sub(/^[ \t]+/, "", v)
		sub(/[ \t]+$/, "", v)
		if (f == "filename") sub(/^\.\//, "", v)
		name[++n] = f
		val[f] = v
	}
	END { flush() }' "$1" | LC_ALL=C sort
}

# jp_escaped FILE: FILE with its backslashes doubled, for a fail message
# (fail's echo would read "\n" in jp_stanza_lines output as a newline).
jp_escaped() {
	sed 's/\\/\\\\/g' "$1"
}

# jp_stanza_split FILE: the stanzas of FILE, each as one line (fields joined
# by "\n"), sorted: to compare two indexes stanza by stanza whatever their
# order.
jp_stanza_split() {
	awk 'BEGIN { RS = ""; FS = "\n" }
	    { s = $1; for (i = 2; i <= NF; i++) s = s "\\n" $i; print s }' "$1" |
	    LC_ALL=C sort
}

# jp_deb_peer_indexes REPO OUTDIR: what apt-ftparchive packages and
# dpkg-scanpackages -m write for the .deb files under REPO (every top
# directory but dists/ and dot directories, Filename relative to REPO),
# into OUTDIR/ftparchive and OUTDIR/scanpackages.  Neither's own
# architecture filter is used (apt-ftparchive --arch, dpkg-scanpackages
# -a): they choose files by name (*_ARCH.deb, *_all.deb); see
# jp_index_for_arch.
jp_deb_peer_indexes() {
	need_cmd apt-ftparchive dpkg-scanpackages
	mkdir -p "$2"
	: >"$2/ftparchive"
	: >"$2/scanpackages"
	for jp_top in $(cd "$1" && ls -A | grep -v -e '^dists$' -e '^\.'); do
		[ -d "$1/$jp_top" ] || continue
		# one run per directory: a second operand would be an override file
		(cd "$1" && apt-ftparchive packages "$jp_top") >>"$2/ftparchive" ||
		    fail "apt-ftparchive packages $jp_top failed"
		(cd "$1" && dpkg-scanpackages -m "$jp_top" 2>/dev/null) >>"$2/scanpackages" ||
		    fail "dpkg-scanpackages -m $jp_top failed"
	done
}

# jp_index_for_arch FILE ARCH: the stanzas of FILE that belong in the
# binary-ARCH index: those of Architecture ARCH or all.
jp_index_for_arch() {
	awk -v a="$2" 'BEGIN { RS = ""; ORS = "\n\n" }
	    $0 ~ "(^|\n)Architecture: (" a "|all)(\n|$)"' "$1"
}

# jp_ftparchive_accepted: filter jp_stanza_lines of apt-ftparchive's output
# down to what jprepo writes too.  Left out, on purpose:
#   - SHA512 in each stanza: jprepo writes the fields dpkg-scanpackages
#     writes (MD5sum, SHA1, SHA256); apt checks a .deb by the strongest hash
#     its stanza has, and SHA256 is what it requires;
#   - fields with empty values, which apt-ftparchive copies from the control
#     file: jprepo drops them as dpkg-scanpackages does (Dpkg::Control's
#     drop_empty; Debian Policy 5.1: a field's value must not be empty).
jp_ftparchive_accepted() {
	awk -F '\t' '$2 != "sha512" && $3 != ""'
}

# jp_compare_peers REPO INDEX ARCH: fail unless the Packages file INDEX
# (binary-ARCH of REPO) holds, field by field, what apt-ftparchive writes
# for the same files (but for jp_ftparchive_accepted), and stanza by stanza
# byte for byte what dpkg-scanpackages -m writes.  Returns the number of
# packages compared in $jp_npeer.
jp_compare_peers() {
	jp_pd=$T/.peers
	[ -f "$jp_pd/ftparchive" ] || jp_deb_peer_indexes "$1" "$jp_pd"
	jp_index_for_arch "$jp_pd/ftparchive" "$3" >"$jp_pd/ftp.$3"
	jp_index_for_arch "$jp_pd/scanpackages" "$3" >"$jp_pd/dsp.$3"
	jp_stanza_lines "$jp_pd/ftp.$3" >"$jp_pd/ftp.$3.lines"
	jp_ftparchive_accepted <"$jp_pd/ftp.$3.lines" >"$jp_pd/ftp.$3.acc"
	jp_stanza_lines "$2" >"$jp_pd/our.$3.lines"
	jp_npeer=$(awk -F '\t' '$2 == "package"' "$jp_pd/ftp.$3.lines" | wc -l | tr -d ' ')
	diff -u "$jp_pd/ftp.$3.acc" "$jp_pd/our.$3.lines" >"$jp_pd/d" ||
	    fail "$2 differs from apt-ftparchive (- apt-ftparchive, + jprepo; SHA512 and empty fields left out):
$(jp_escaped "$jp_pd/d")"
	jp_stanza_split "$jp_pd/dsp.$3" >"$jp_pd/dsp.$3.st"
	jp_stanza_split "$2" >"$jp_pd/our.$3.st"
	diff -u "$jp_pd/dsp.$3.st" "$jp_pd/our.$3.st" >"$jp_pd/d" ||
	    fail "$2: stanzas differ from dpkg-scanpackages -m (- dpkg-scanpackages, + jprepo):
$(jp_escaped "$jp_pd/d")"
}

# --- Interrupted builds ---------------------------------------------------

# jp_kill_builds REPO KILLS SPREAD TOGGLE CHECK: build REPO and kill the
# build with SIGKILL, KILLS times.  One full build is timed first; then
# each round runs TOGGLE (which should change the package set, so that a
# build that completes publishes something new), starts `jprepo -q build`
# (every third one with the cache, the others with -j 1 or 2 and
# --no-cache), kills it after a delay drawn from [0, SPREAD x the time of
# the full build), waits for it and runs CHECK WHAT, WHAT describing the
# kill for failure messages.  Notes how many kills hit a running build.
jp_kill_builds() {
	jp_kb_repo=$1 jp_kb_n=$2 jp_kb_spread=$3 jp_kb_toggle=$4 jp_kb_check=$5
	jp_kb_t0=$(date +%s%N)
	"$JPREPO" -q build -j 1 --no-cache "$jp_kb_repo" >/dev/null 2>&1
	jp_kb_t1=$(date +%s%N)
	jp_kb_ms=$(( (jp_kb_t1 - jp_kb_t0) / 1000000 ))
	[ "$jp_kb_ms" -ge 5 ] || jp_kb_ms=5
	jp_kb_i=1
	jp_kb_hits=0
	while [ $jp_kb_i -le "$jp_kb_n" ]; do
		$jp_kb_toggle
		jp_kb_delay=$(awk -v s="$jp_kb_i$$" -v ms="$jp_kb_ms" \
		    -v f="$jp_kb_spread" \
		    'BEGIN { srand(s); printf "%.3f", rand() * ms * f / 1000 }')
		if [ $((jp_kb_i % 3)) = 0 ]; then
			set -- build "$jp_kb_repo"
		else
			set -- build -j $((jp_kb_i % 2 + 1)) --no-cache "$jp_kb_repo"
		fi
		"$JPREPO" -q "$@" >/dev/null 2>"$T/err.kill" &
		jp_kb_pid=$!
		jp_bg $jp_kb_pid
		sleep "$jp_kb_delay"
		if kill -9 $jp_kb_pid 2>/dev/null; then
			jp_kb_hits=$((jp_kb_hits + 1))
		fi
		wait $jp_kb_pid 2>/dev/null
		$jp_kb_check "after SIGKILL at ${jp_kb_delay}s of ~${jp_kb_ms}ms (jprepo $*)"
		jp_kb_i=$((jp_kb_i + 1))
	done
	note "$jp_kb_hits of $jp_kb_n SIGKILLs hit a running build (~${jp_kb_ms}ms each)"
}

# =========================================================================
# OpenPGP keys for the signing tests.
# =========================================================================

# jp_mkrpm DEST NAME VERSION RELEASE [TAG: VALUE]...: build with rpmbuild a
# small noarch package holding /usr/share/NAME/VERSION-RELEASE, with no
# automatic dependencies and the TAG lines in its spec header (e.g.
# 'Requires: x >= 1', 'Epoch: 2', 'Obsoletes: y < 2'), into DEST.  The
# spec stays as $T/spec/NAME-VERSION-RELEASE.spec, rpmbuild's tree in
# $T/rb; the test's description is $jp_test.
jp_mkrpm() {
	jp_mk_dst=$1 jp_mk_n=$2 jp_mk_v=$3 jp_mk_r=$4
	shift 4
	jp_mk_spec="$T/spec/$jp_mk_n-$jp_mk_v-$jp_mk_r.spec"
	mkdir -p "$T/spec" "$jp_mk_dst" || fail "cannot create $jp_mk_dst"
	{
		echo "Name: $jp_mk_n"
		echo "Version: $jp_mk_v"
		echo "Release: $jp_mk_r"
		echo "Summary: $jp_mk_n test package"
		echo "License: MIT"
		echo "BuildArch: noarch"
		echo "AutoReqProv: no"
		for jp_mk_t in "$@"; do echo "$jp_mk_t"; done
		echo "%description"
		echo "$jp_mk_n for $jp_test."
		echo "%install"
		echo "mkdir -p %{buildroot}/usr/share/$jp_mk_n"
		echo "echo $jp_mk_v > %{buildroot}/usr/share/$jp_mk_n/$jp_mk_v-$jp_mk_r"
		echo "%files"
		echo "/usr/share/$jp_mk_n/$jp_mk_v-$jp_mk_r"
	} >"$jp_mk_spec"
	jp_rpmbuild_spec "$jp_mk_dst" "$jp_mk_spec" \
	    "$jp_mk_n-$jp_mk_v-$jp_mk_r.noarch.rpm"
}

# jp_rpmbuild_spec DEST SPEC FILE: build SPEC (noarch) and move the package
# FILE it makes into DEST.
jp_rpmbuild_spec() {
	rpmbuild --quiet --define "_topdir $T/rb" \
	    --define '_binary_payload w0.ufdio' -bb "$2" \
	    >/dev/null 2>"$T/rpmbuild.err" ||
	    fail "rpmbuild $2: $(cat "$T/rpmbuild.err")"
	[ -f "$T/rb/RPMS/noarch/$3" ] ||
	    fail "rpmbuild $2 made no $3 (it said: $(cat "$T/rpmbuild.err"); RPMS holds: $(ls -R "$T/rb/RPMS" 2>&1 | tr '\n' ' '))"
	mv "$T/rb/RPMS/noarch/$3" "$1/" || fail "cannot move $3 into $1"
}

# jp_test_key HOME UID [ALGO]: make a passphrase-less signing key in a new
# GnuPG home HOME (its agent is stopped when the test ends); its
# fingerprint is left in $jp_fpr.  Call it in the test's own shell, not in
# $(...), so that the home is remembered for the cleanup.
jp_test_key() {
	need_cmd gpg gpgconf
	mkdir -m 700 "$1" || fail "cannot create GnuPG home $1"
	jp_gpg_homes="$jp_gpg_homes $1"
	gpg --homedir "$1" --batch --passphrase '' --quick-gen-key "$2" \
	    "${3:-ed25519}" sign never 2>"$T/gpg.err" ||
	    fail "cannot make a test key: $(cat "$T/gpg.err")"
	jp_fpr=$(gpg --homedir "$1" --with-colons --list-secret-keys |
	    awk -F: '$1 == "fpr" { print $10; exit }')
	[ -n "$jp_fpr" ] || fail "no fingerprint for the test key in $1"
}

# --- apply tests (apt) ---------------------------------------------------

# jp_root_sh ROOT: give ROOT a /bin/sh (dash, or sh, and the libraries ldd
# names for it): dpkg runs maintainer scripts chrooted into the root.
jp_root_sh() {
	need_cmd ldd
	jp_rs=$(command -v dash || command -v sh)
	mkdir -p "$1/bin" && cp "$jp_rs" "$1/bin/sh" ||
	    fail "cannot copy $jp_rs into $1"
	for jp_l in $(ldd "$jp_rs" | awk '{ for (i = 1; i <= NF; i++)
	    if ($i ~ /^\//) print $i }'); do
		mkdir -p "$1$(dirname "$jp_l")" && cp "$jp_l" "$1$jp_l" ||
		    fail "cannot copy $jp_l into $1"
	done
}

# jp_apply_mkdeb DEST NAME VERSION ARCH [preinst=STATUS] [FIELD: VALUE]...:
# build with dpkg-deb DEST/pool/main/NAME_VERSION_ARCH.deb holding
# /usr/share/NAME/version; preinst=STATUS adds a pre-install script that
# says "preinst of NAME VERSION exits STATUS" on stderr and exits STATUS.
jp_apply_mkdeb() {
	jp_md_dst=$1 jp_md_n=$2 jp_md_v=$3 jp_md_a=$4
	shift 4
	jp_md_b=$T/debsrc/$jp_md_n-$jp_md_v-$jp_md_a
	rm -rf "$jp_md_b"
	mkdir -p "$jp_md_b/DEBIAN" "$jp_md_b/usr/share/$jp_md_n" \
	    "$jp_md_dst/pool/main" || fail "cannot create $jp_md_b"
	echo "$jp_md_v" >"$jp_md_b/usr/share/$jp_md_n/version"
	{
		echo "Package: $jp_md_n"
		echo "Version: $jp_md_v"
		echo "Architecture: $jp_md_a"
		echo "Maintainer: Test <test@example.com>"
		echo "Description: $jp_md_n for $jp_test"
		for jp_md_f in "$@"; do
			case $jp_md_f in
			preinst=*) ;;
			*) echo "$jp_md_f" ;;
			esac
		done
	} >"$jp_md_b/DEBIAN/control"
	for jp_md_f in "$@"; do
		case $jp_md_f in
		preinst=*)
			printf '#!/bin/sh\necho "preinst of %s %s exits %s" >&2\nexit %s\n' \
			    "$jp_md_n" "$jp_md_v" "${jp_md_f#preinst=}" \
			    "${jp_md_f#preinst=}" >"$jp_md_b/DEBIAN/preinst"
			chmod 755 "$jp_md_b/DEBIAN/preinst"
			;;
		esac
	done
	dpkg-deb --root-owner-group -Zgzip -b "$jp_md_b" \
	    "$jp_md_dst/pool/main/${jp_md_n}_${jp_md_v#*:}_$jp_md_a.deb" \
	    >/dev/null 2>"$T/deb.err" ||
	    fail "dpkg-deb $jp_md_n $jp_md_v: $(cat "$T/deb.err")"
}

# jp_apply_deb_root ROOT HOST: an empty Debian system image for jprepo
# apply: dpkg's database, apt's cache and log directories, os-release
# (ID=debian), the host name, /bin/sh (jp_root_sh).  No apt sources.
jp_apply_deb_root() {
	need_cmd dpkg
	mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates" \
	    "$1/var/lib/dpkg/triggers" "$1/var/lib/apt" \
	    "$1/var/cache/apt/archives/partial" "$1/var/log/apt" \
	    "$1/etc/apt/apt.conf.d" "$1/etc/apt/preferences.d" \
	    "$1/etc/apt/sources.list.d" "$1/usr/lib" ||
	    fail "cannot create the root $1"
	: >"$1/var/lib/dpkg/status"
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' \
	    >"$1/usr/lib/os-release"
	ln -s ../usr/lib/os-release "$1/etc/os-release"
	echo "$2" >"$1/etc/hostname"
	jp_root_sh "$1"
}

# jp_dpkg_i ROOT FILE...: install package files into ROOT with dpkg itself
# (the starting state of a test), logging into ROOT.
jp_dpkg_i() {
	jp_di_r=$1
	shift
	dpkg --root="$jp_di_r" --log="$jp_di_r/var/log/dpkg.log" -i "$@" \
	    >"$T/dpkg.out" 2>&1 ||
	    fail "dpkg -i $* into $jp_di_r: $(cat "$T/dpkg.out")"
}

# jp_dpkg_states ROOT: "STATUS NAME VERSION ARCH" of every package dpkg
# knows in ROOT, the status as dpkg-query's db:Status-Abbrev ("ii",
# "iU", ...), sorted: unlike jp_dpkg_installed it shows packages left
# half-way by a failed run.
jp_dpkg_states() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W \
	    -f '${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\n' |
	    awk '{ print $1, $2, $3, $4 }' | LC_ALL=C sort
}

# --- apply tests (dnf) ---
# Helpers of t601*: `jprepo apply`, `history` and `rollback` driving real dnf
# in scratch roots (REFERENCE.md, "Real clients"), with rpm and dnf's own
# history as the oracles.

# jp_apply_repo REPO: RPMs for the apply tests in REPO, built into an
# RPM-MD repository with jprepo build: a, b, c at 1-1, their updates at 2-1
# and d-1-1, which c-2-1 requires (a new package the update brings in).
# b-2-1's pre-install script fails (a Lua %pre calling error(): the scratch
# roots have no /bin/sh).
jp_apply_repo() {
	need_cmd rpmbuild
	for jp_ap_n in a b c; do
		jp_mkrpm "$1" "$jp_ap_n" 1 1
	done
	jp_mkrpm "$1" a 2 1
	jp_mkrpm "$1" b 2 1 '%pre -p <lua>' 'error("preinstall refuses")'
	jp_mkrpm "$1" c 2 1 'Requires: d'
	jp_mkrpm "$1" d 1 1
	"$JPREPO" -q build "$1" >"$T/build.out" 2>&1 ||
	    fail "jprepo build $1: $(cat "$T/build.out")"
}

# jp_dnf_root ROOT REPO ARGS...: dnf -y in the system image ROOT with REPO
# (a directory) as its only repository, as REFERENCE.md shows; output in
# $T/dnf.out and $T/dnf.err, status in $rc.
jp_dnf_root() {
	jp_dr_root=$1 jp_dr_repo=$2
	shift 2
	jp_cmd="dnf --installroot=$jp_dr_root $*"
	dnf -y --installroot="$jp_dr_root" --setopt=reposdir=/dev/null \
	    --releasever=1 --noplugins --repofrompath=local,"file://$jp_dr_repo" \
	    --repo=local --setopt=local.gpgcheck=0 "$@" \
	    >"$T/dnf.out" 2>"$T/dnf.err" </dev/null
	rc=$?
	return 0
}

# jp_apply_root ROOT REPO HOST: a system image ROOT named HOST
# (ROOT/etc/hostname) with a-1-1, b-1-1 and c-1-1 installed from REPO by
# dnf itself.
jp_apply_root() {
	need_cmd dnf rpm
	mkdir -p "$1/etc" || fail "cannot create $1"
	echo "$3" >"$1/etc/hostname"
	jp_dnf_root "$1" "$2" install a-1-1.noarch b-1-1.noarch c-1-1.noarch
	[ "$rc" = 0 ] || fail "$jp_cmd: exit $rc: $(cat "$T/dnf.out" "$T/dnf.err")"
	jp_assert_rpms "$1" "a-1-1.noarch b-1-1.noarch c-1-1.noarch" \
	    "the image made by dnf"
	# the tests compare dnf's history before and after: it must be readable
	[ -n "$(jp_dnf_ids "$1")" ] ||
	    fail "dnf history list in $1 shows no transaction after an install"
}

# jp_rpms ROOT: "name-version-release.arch" of every package in ROOT's
# rpm database, by rpm, sorted, on one line.
jp_rpms() {
	rpm --root "$1" -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' |
	    LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# jp_assert_rpms ROOT "NVRA..." [WHAT]: fail unless rpm says ROOT holds
# exactly the packages NVRA (in any order).
jp_assert_rpms() {
	# shellcheck disable=SC2086 # $2 is a list of words
	jp_ar_want=$(printf '%s\n' $2 | LC_ALL=C sort | tr '\n' ' ' |
	    sed 's/ $//')
	jp_ar_got=$(jp_rpms "$1")
	[ "$jp_ar_got" = "$jp_ar_want" ] ||
	    fail "${3:+$3: }rpm --root $1 -qa: want '$jp_ar_want', got '$jp_ar_got'"
}

# jp_rpmdb_sum ROOT: one sha256 over the files of ROOT's rpm database
# (rpm's %_dbpath under ROOT; Debian's rpm keeps it in ~/.rpmdb).  SQLite's
# *-shm file is left out: it is the WAL index, shared memory that any
# reader (rpm -q too) rewrites, not data (sqlite.org/walformat.html).
jp_rpmdb_sum() {
	jp_db=$1$(rpm --eval '%_dbpath')
	[ -d "$jp_db" ] || fail "no rpm database $jp_db"
	(cd "$jp_db" && find . -type f ! -name '*-shm' | LC_ALL=C sort |
	    xargs sha256sum) | sha256sum | cut -d' ' -f1
}

# jp_dnf_ids ROOT: the transaction IDs in dnf's history of ROOT, newest
# first, on one line.
jp_dnf_ids() {
	dnf -q --installroot="$1" --setopt=reposdir=/dev/null --releasever=1 \
	    --noplugins history list 2>/dev/null </dev/null |
	    awk -F'|' '$1 ~ /^ *[0-9]+ *$/ { gsub(/ /, "", $1); print $1 }' |
	    tr '\n' ' ' | sed 's/ $//'
}

# jp_dnf_info ROOT ID: `dnf history info ID` of ROOT into $T/dnf.info.
jp_dnf_info() {
	dnf -q --installroot="$1" --setopt=reposdir=/dev/null --releasever=1 \
	    --noplugins history info "$2" >"$T/dnf.info" 2>&1 </dev/null ||
	    fail "dnf history info $2 in $1: $(cat "$T/dnf.info")"
}

# jp_json FILE WHAT PYTHON [ARG...]: run the Python statements PYTHON with
# d bound to the JSON document in FILE and the ARGs in sys.argv[2:]; fail
# (naming WHAT) when they raise, e.g. on a failed assert.
jp_json() {
	jp_js_f=$1 jp_js_what=$2 jp_js_py=$3
	shift 3
	python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
$jp_js_py" "$jp_js_f" "$@" >"$T/.json.out" 2>&1 ||
	    fail "$jp_js_what: $(tail -n 3 "$T/.json.out")
JSON: $(cat "$jp_js_f")"
}

# jp_history_json ROOT OUT: `jprepo history --root ROOT --json` into OUT.
jp_history_json() {
	"$JPREPO" history --root "$1" --json >"$2" 2>"$T/.hist.err" ||
	    fail "jprepo history --root $1 --json: exit $?: $(cat "$T/.hist.err")"
}

# jp_ntx ROOT: the number of transactions in ROOT's journal.
jp_ntx() {
	jp_history_json "$1" "$T/.ntx.json"
	python3 -c 'import json, sys
print(len(json.load(open(sys.argv[1]))["transactions"]))' "$T/.ntx.json"
}

# jp_journal_schema: the SQL that makes an empty apply journal, as
# jprepo-journal(5) describes it (tests write journals with sqlite3 to
# check the readers without running apply).
jp_journal_schema() {
	cat <<'EOF'
PRAGMA user_version = 1;
CREATE TABLE transactions (id INTEGER PRIMARY KEY AUTOINCREMENT,
  started INTEGER NOT NULL, finished INTEGER, kind TEXT, mode TEXT,
  status TEXT NOT NULL, pm TEXT, pm_id TEXT, repo TEXT, host TEXT, plan TEXT,
  message TEXT, rollback_of INTEGER);
CREATE TABLE packages (txid INTEGER NOT NULL REFERENCES transactions(id),
  seq INTEGER NOT NULL, name TEXT NOT NULL, arch TEXT, from_evr TEXT,
  to_evr TEXT, result TEXT NOT NULL, message TEXT, pm_id TEXT, run INTEGER,
  PRIMARY KEY (txid, seq));
CREATE TABLE runs (txid INTEGER NOT NULL REFERENCES transactions(id),
  seq INTEGER NOT NULL, command TEXT NOT NULL, status INTEGER NOT NULL,
  output TEXT, pm_id TEXT, started INTEGER, finished INTEGER,
  PRIMARY KEY (txid, seq));
EOF
}
