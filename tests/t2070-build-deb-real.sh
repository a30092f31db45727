#!/bin/sh
# Real Debian packages (apt-get download from the host's configured
# sources: control.tar.xz and data.tar.xz, real control fields): the
# indexes match apt-ftparchive field by field and dpkg-scanpackages byte
# for byte, and apt installs hello from the repository into an empty root
# and the installed program runs.  hello's libc6 dependency is met by a
# stand-in package (the host's libc runs the program): the real libc6 has
# maintainer scripts that cannot run in an empty root.  Skipped when the
# packages cannot be downloaded (no network, no apt lists).  The downloads
# are kept in the build tree's tests/ directory.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd apt-get apt-cache apt-ftparchive dpkg-scanpackages dpkg-deb timeout
need_jprepo

pkgs="hello tree sensible-utils netbase less dash base-files libtinfo6"
cache=$JP_BUILDDIR/tests/realdebs
mkdir -p "$JP_BUILDDIR/tests" || fail "cannot create $JP_BUILDDIR/tests"
(
	if command -v flock >/dev/null 2>&1; then
		flock 9
	fi
	[ -f "$cache/.stamp" ] && [ "$(cat "$cache/.stamp")" = "$pkgs" ] && exit 0
	rm -rf "$cache" "$cache.tmp"
	mkdir -p "$cache.tmp"
	# The host's own apt configuration and lists; nothing is changed
	# there.  apt's sandbox user cannot write into the directory.
	(cd "$cache.tmp" && timeout 120 apt-get -q -o APT::Sandbox::User=root \
	    download $pkgs) >"$cache.tmp/.log" 2>&1 || exit 1
	echo "$pkgs" >"$cache.tmp/.stamp"
	mv "$cache.tmp" "$cache"
) 9>"$JP_BUILDDIR/tests/realdebs.lock" || {
	reason=$(grep -E '^(E|W|Err):' "$cache.tmp/.log" 2>/dev/null | head -n 3)
	rm -rf "$cache.tmp"
	skip "apt-get download $pkgs failed (no network or no apt lists?): $reason"
}

repo=$T/repo
mkdir -p "$repo/pool/main"
cp -p "$cache"/*.deb "$repo/pool/main/" || fail "cannot copy the downloaded packages"
n=$(jp_count_debs "$repo")
[ "$n" -ge 5 ] || fail "only $n packages were downloaded"
jp_expect 0 build "$repo"
jp_expect_summary "$n" "$n" 0 0 0
suite=$repo/dists/stable
jp_assert_release "$suite" "real packages"
archs=$(jp_release_field "$suite/Release" Architectures)
for f in "$repo"/pool/main/*.deb; do
	dpkg-deb -f "$f" Architecture || fail "dpkg-deb cannot read $f"
done >"$T/debarchs"
for a in $archs; do
	jp_compare_peers "$repo" "$suite/main/binary-$a/Packages" "$a"
	# binary-all: the all packages; binary-ARCH: those of ARCH and all
	w=$(awk -v a="$a" '$1 == a || $1 == "all"' "$T/debarchs" | wc -l | tr -d ' ')
	[ "$w" -gt 0 ] && [ "$jp_npeer" = "$w" ] ||
	    fail "binary-$a: apt-ftparchive lists $jp_npeer packages, $w of the $n downloaded are $a or all"
done

# apt installs hello; libc6 is a stand-in.
sh "$JP_SRCDIR/tests/mkdebs.sh" -p libc6,2.99-1,amd64 "$repo/pool/stand-in" ||
    fail "mkdebs.sh -p libc6"
jp_expect 0 build "$repo"
jp_apt_root "$T/root" "$repo"
jp_apt_ok "$T/root" update
jp_apt_ok "$T/root" install hello
want=$(dpkg-deb -f "$repo"/pool/main/hello_*.deb Version)
jp_dpkg_installed "$T/root" | grep -q "^hello $want amd64\$" ||
    fail "apt did not install hello $want: $(jp_dpkg_installed "$T/root")"
out=$("$T/root/usr/bin/hello" 2>&1) || fail "the installed hello does not run: $out"
[ "$out" = 'Hello, world!' ] || fail "the installed hello says '$out'"
exit 0
