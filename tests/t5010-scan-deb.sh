#!/bin/sh
# jprepo scan and tools/jprepo-scan on a dpkg system image: apt installs
# packages from a jprepo repository into a scratch root (Multi-Arch: same
# in two architectures, a foreign-architecture one, an epoch, a package
# whose Source has another name and version, '+' and '~' in versions);
# dpkg --remove leaves one with a conffile in config-files state, dpkg
# --unpack leaves one unpacked, and a not-installed entry is in the status
# file.  The package lines of both scans must be what dpkg-query shows for
# the same admin directory (the oracle), the two files byte for byte the
# same, the header the root's os-release, hostname, machine-id and dpkg
# architecture.  Last, the running host itself, when it is a dpkg host,
# against dpkg-query on /var/lib/dpkg.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd apt-get dpkg dpkg-query dpkg-deb dash
need_jprepo

scanner=$JP_SRCDIR/tools/jprepo-scan
[ -f "$scanner" ] || fail "no $scanner"
repo=$T/repo
root=$T/root
jp_copy_deb_corpus "$repo"

# mkdeb NAME VERSION ARCH [EXTRA-FIELDS]: a small .deb into the pool.
mkdeb() {
	d=$T/debtree/$1
	mkdir -p "$d/DEBIAN" "$d/usr/share/$1"
	echo "$1 $2" >"$d/usr/share/$1/VERSION"
	{
		printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$1" "$2" "$3"
		echo 'Maintainer: Test Maintainer <maint@example.com>'
		[ -z "${4:-}" ] || printf '%s\n' "$4"
		printf 'Description: scan test package %s\n plain.\n' "$1"
	} >"$d/DEBIAN/control"
	mkdir -p "$repo/pool/main/extra"
	dpkg-deb --root-owner-group --build "$d" \
	    "$repo/pool/main/extra/$1_$3.deb" >"$T/deb.log" 2>&1 ||
	    fail "dpkg-deb $1: $(cat "$T/deb.log")"
}
# A source with another name, version and epoch than the binary's.
mkdeb srcpkg 1:1.0-1 all 'Source: upstream-src (2:5.0-3)'
# A conffile: dpkg --remove keeps it, the package goes to config-files.
mkdeb confpkg 2.0-1 amd64
mkdir -p "$T/debtree/confpkg/etc"
echo 'setting = 1' >"$T/debtree/confpkg/etc/confpkg.conf"
echo /etc/confpkg.conf >"$T/debtree/confpkg/DEBIAN/conffiles"
mkdeb confpkg 2.0-1 amd64
# Unpacked only (dpkg --unpack), not in the repository.
mkdeb unpackpkg 0.9-2 all
mv "$repo/pool/main/extra/unpackpkg_all.deb" "$T/unpackpkg.deb"
jp_expect 0 build "$repo"

jp_apt_root "$root" "$repo" stable main i386
jp_apt_ok "$root" update
jp_apt_ok "$root" install demo-app demo-lib:i386 archonly:i386 \
    epochpkg=1:9.0-1 lib+plus tildepkg=1.0~rc1-1 srcpkg confpkg
dpkg --root="$root" --force-not-root --log=/dev/null --remove confpkg \
    >"$T/dpkg.log" 2>&1 || fail "dpkg --remove confpkg: $(cat "$T/dpkg.log")"
dpkg --root="$root" --force-not-root --log=/dev/null --unpack "$T/unpackpkg.deb" \
    >"$T/dpkg.log" 2>&1 || fail "dpkg --unpack: $(cat "$T/dpkg.log")"
# dpkg keeps a stanza for a package it knows of but that is not
# installed (a selection, a hold); such entries are not in a scan.
printf '\nPackage: ghostpkg\nStatus: install ok not-installed\nArchitecture: amd64\n' \
    >>"$root/var/lib/dpkg/status"

mkdir -p "$root/etc" "$root/usr/lib"
cat >"$root/usr/lib/os-release" <<'EOF'
PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
ID=ubuntu
ID_LIKE=debian
EOF
ln -s ../usr/lib/os-release "$root/etc/os-release"
printf '\t debhost \n' >"$root/etc/hostname"
printf 'fedcba9876543210fedcba9876543210\n' >"$root/etc/machine-id"
cp "$root/var/lib/dpkg/status" "$T/status.before"

SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
jp_expect 0 scan --root "$root" -o "$T/c.scan"
dash "$scanner" --root "$root" -o "$T/s.scan" 2>"$T/s.err" ||
    fail "tools/jprepo-scan failed: $(cat "$T/s.err")"
[ ! -s "$T/s.err" ] || fail "tools/jprepo-scan said: $(cat "$T/s.err")"
cmp -s "$T/c.scan" "$T/s.scan" || fail "jprepo scan and tools/jprepo-scan differ:
$(diff -u "$T/c.scan" "$T/s.scan")"
unset SOURCE_DATE_EPOCH
cmp -s "$T/status.before" "$root/var/lib/dpkg/status" ||
    fail "scanning changed the dpkg status file"

# The oracle: dpkg-query on the same admin directory.
dpkg-query --admindir="$root/var/lib/dpkg" -W \
    -f 'pkg ${Package} ${Architecture} ${Version} ${source:Package} ${source:Version} ${db:Status-Status}\n' \
    >"$T/dq.all" 2>"$T/dq.err" || fail "dpkg-query: $(cat "$T/dq.err")"
awk '$7 != "not-installed"' "$T/dq.all" | LC_ALL=C sort >"$T/want"
grep '^pkg ' "$T/c.scan" >"$T/got"
diff -u "$T/want" "$T/got" >&2 ||
    fail "package lines differ from dpkg-query (- dpkg-query, + jprepo scan)"
grep -q ghostpkg "$T/got" && fail "a not-installed package is in the scan"
# What this test set up, as dpkg-query read it.
for line in \
    'pkg confpkg amd64 2.0-1 confpkg 2.0-1 config-files' \
    'pkg unpackpkg all 0.9-2 unpackpkg 0.9-2 unpacked' \
    'pkg srcpkg all 1:1.0-1 upstream-src 2:5.0-3 installed' \
    'pkg demo-app amd64 3.2-1 demo 1.0-1 installed' \
    'pkg demo-lib amd64 1.0-1 demo 1.0-1 installed' \
    'pkg demo-lib i386 1.0-1 demo 1.0-1 installed' \
    'pkg archonly i386 1.0-1 archonly 1.0-1 installed' \
    'pkg epochpkg all 1:9.0-1 epochpkg 1:9.0-1 installed' \
    'pkg lib+plus all 1.0+dfsg-1~bpo12+1 lib+plus 1.0+dfsg-1~bpo12+1 installed' \
    'pkg tildepkg all 1.0~rc1-1 tildepkg 1.0~rc1-1 installed'; do
	grep -Fqx "$line" "$T/got" || fail "no line '$line' in the scan:
$(cat "$T/got")"
done

# The header: os-release through the etc/ link, the hostname trimmed,
# dpkg's own architecture list (amd64 first, i386 added).
[ "$(sed -n 1p "$root/var/lib/dpkg/arch")" = amd64 ] ||
    fail "the root's dpkg arch file does not start with amd64"
cat >"$T/head.want" <<EOF
jprepo-scan 1
host debhost
machine-id fedcba9876543210fedcba9876543210
os ubuntu 22.04
os-name Ubuntu 22.04.4 LTS
arch amd64
format deb
manager apt
kernel -
scanned $(date -u -d @1700000000 +%Y-%m-%dT%H:%M:%SZ)
EOF
head -n 10 "$T/c.scan" >"$T/head.got"
diff -u "$T/head.want" "$T/head.got" >&2 || fail "header lines differ (- expected, + got)"
[ "$(tail -n 1 "$T/c.scan")" = end ] || fail "the scan does not end with 'end'"
n=$(wc -l <"$T/want" | tr -d ' ')
[ "$(wc -l <"$T/c.scan" | tr -d ' ')" = $((10 + n + 1)) ] ||
    fail "the scan has lines other than header, packages and end"

# The running host: no --root, the kernel is uname -r's.
if [ -f /var/lib/dpkg/status ] && grep -Eq '^ID(_LIKE)?=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
	SOURCE_DATE_EPOCH=1700000000
	export SOURCE_DATE_EPOCH
	jp_expect 0 scan -o "$T/host.c"
	dash "$scanner" -o "$T/host.s" || fail "tools/jprepo-scan on the host failed"
	unset SOURCE_DATE_EPOCH
	cmp -s "$T/host.c" "$T/host.s" || fail "the writers differ on this host:
$(diff -u "$T/host.c" "$T/host.s" | head -n 40)"
	dpkg-query -W \
	    -f 'pkg ${Package} ${Architecture} ${Version} ${source:Package} ${source:Version} ${db:Status-Status}\n' |
	    awk '$7 != "not-installed"' | LC_ALL=C sort >"$T/want.host"
	grep '^pkg ' "$T/host.c" >"$T/got.host"
	diff -u "$T/want.host" "$T/got.host" >&2 ||
	    fail "this host's package lines differ from dpkg-query"
	grep -qx "kernel $(uname -r)" "$T/host.c" || fail "no 'kernel $(uname -r)' line"
	grep -qx "host $(uname -n)" "$T/host.c" || fail "no 'host $(uname -n)' line"
	grep -qx "arch $(dpkg --print-architecture)" "$T/host.c" ||
	    fail "arch is not dpkg's $(dpkg --print-architecture)"
	grep -qx 'format deb' "$T/host.c" && grep -qx 'manager apt' "$T/host.c" ||
	    fail "this host is not scanned as deb/apt"
else
	note "this host is not a dpkg host: its own scan is not checked"
fi
exit 0
