#!/bin/sh
# mkfixtures.sh: build the packages src/lib/rpmpkg_test.c reads.
#
# usage: mkfixtures.sh SPECDIR OUTDIR
#
# Builds jptest-full (noarch) and its source package, and jptest-arch and
# jptest-arch-meta for i686 (rpmbuild --target), all into OUTDIR.  Exits 77
# when rpmbuild is missing, so that the caller can skip.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: mkfixtures.sh SPECDIR OUTDIR" >&2
	exit 2
fi
specdir=$1
out=$2
command -v rpmbuild >/dev/null 2>&1 || {
	echo "mkfixtures.sh: rpmbuild not found" >&2
	exit 77
}

top=$(mktemp -d "${TMPDIR:-/tmp}/jp-rpmpkg-fix.XXXXXX")
trap 'rm -rf "$top"' EXIT
mkdir -p "$out"

run() {
	rpmbuild --quiet --define "_topdir $top" "$@" >"$top/log" 2>&1 ||
	    { cat "$top/log" >&2; exit 1; }
}
run -bb "$specdir/jptest-full.spec"
run -bs "$specdir/jptest-full.spec"
run --target i686 -bb "$specdir/jptest-arch.spec"
find "$top/RPMS" "$top/SRPMS" -name '*.rpm' -exec mv {} "$out/" \;
