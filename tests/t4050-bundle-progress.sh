#!/bin/sh
# t4050-bundle-progress: export, bundle verify and import show a progress
# line on a terminal (bytes done of the total, MB/s, volume n of m), clear
# it at the end, and show none with -q or when stderr is not a terminal.
# script(1) (util-linux) gives the commands a pseudo-terminal.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_cmd openssl script
C=$T/certs
mkdir "$C" && jp_cms_certs "$C"

# A store of one repository with 6 MB of incompressible files.
mkdir -p "$T/s/r/repodata" "$T/s/r/Packages"
echo '<repomd/>' >"$T/s/r/repodata/repomd.xml"
for i in 1 2 3; do
	head -c 2000000 /dev/urandom >"$T/s/r/Packages/p$i.rpm" ||
	    fail "cannot write test files"
done

# on_tty OUT CMD...: run CMD on a pseudo-terminal, its output into OUT
# with carriage returns as line ends.
on_tty() {
	out=$1
	shift
	script -qec "$*" "$T/typescript" >/dev/null 2>&1
	st=$?
	# script(1) frames the typescript with lines of its own
	tr '\r' '\n' <"$T/typescript" |
	    grep -v -e '^Script started on' -e '^Script done on' |
	    grep -v '^$' >"$out"
	return $st
}

# check_progress LABEL OUT: OUT has LABEL's progress lines, the last of
# volume 3 of 3 (three volumes of 2 MB), and a line clear at the end.
check_progress() {
	grep -Eq "^$1: [0-9]+/6 MB, [0-9.]+ MB/s, volume [123] of 3 *\$" "$2" ||
	    fail "no '$1' progress line on the terminal: $(head -c 600 "$2")"
	grep -q "volume 3 of 3" "$2" ||
	    fail "'$1' progress never reached volume 3 of 3: $(head -c 600 "$2")"
	grep -q "$(printf '\033\\[K')" "$2" ||
	    fail "'$1' progress line is not cleared at the end"
}

# Volumes of 2100000 bytes: each file fills one.
on_tty "$T/export.out" "$JPREPO" export -o "$T/b" --sign-key "$C/signer.key" \
    --sign-cert "$C/signer.pem" --volume-size 2100000 --no-readback "$T/s/r" ||
    fail "export on a terminal failed: $(cat "$T/export.out")"
[ "$(ls "$T/b" | grep -c '^vol-')" = 3 ] || fail "expected 3 volumes: $(ls "$T/b")"
check_progress export "$T/export.out"

on_tty "$T/verify.out" "$JPREPO" bundle verify --trust "$C/ca.pem" "$T/b" ||
    fail "bundle verify on a terminal failed: $(cat "$T/verify.out")"
check_progress verify "$T/verify.out"

on_tty "$T/import.out" "$JPREPO" import --trust "$C/ca.pem" --store "$T/st" "$T/b" ||
    fail "import on a terminal failed: $(cat "$T/import.out")"
check_progress import "$T/import.out"

# -q: errors only, no progress even on a terminal.
on_tty "$T/quiet.out" "$JPREPO" -q bundle verify --trust "$C/ca.pem" "$T/b" ||
    fail "quiet verify failed"
[ ! -s "$T/quiet.out" ] || fail "-q printed on the terminal: $(cat "$T/quiet.out")"

# Not a terminal: the summary line only.
"$JPREPO" bundle verify --trust "$C/ca.pem" "$T/b" 2>"$T/pipe.err" ||
    fail "verify failed: $(cat "$T/pipe.err")"
! grep -q 'MB/s' "$T/pipe.err" || fail "progress written to a pipe: $(cat "$T/pipe.err")"
grep -q 'check out' "$T/pipe.err" || fail "no summary line: $(cat "$T/pipe.err")"
exit 0
