#!/bin/sh
# apt installs from the repository into an empty root: a package whose
# dependencies (a versioned virtual package, Pre-Depends, an alternative,
# Recommends) must be resolved from the repository, foreign-architecture
# packages, files with odd names, older versions asked for with
# name=version; after newer .deb files are added and the repository is
# rebuilt, apt-get upgrade brings every package to the newest version.
# dpkg-query in the root is the oracle for what got installed, dpkg
# --compare-versions for which version is the newest.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd apt-get apt-cache dpkg dpkg-query dpkg-deb
need_jprepo

repo=$T/repo
root=$T/root
jp_copy_deb_corpus "$repo"
# Held back for the upgrade: the newest hello.
mkdir "$T/later"
mv "$repo/pool/main/h/hello/hello_2.0-1_all.deb" "$T/later/"
jp_expect 0 build "$repo"
jp_apt_root "$root" "$repo" stable main i386
jp_apt_ok "$root" update

# installed NAME: "version arch" of NAME in the root (nothing if absent).
installed() {
	jp_dpkg_installed "$root" | awk -v n="$1" '$1 == n { print $2, $3 }'
}
expect_installed() {
	got=$(installed "$1" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$2" ] || fail "$3: $1 installed as '$got', want '$2'; installed:
$(jp_dpkg_installed "$root")"
}

# A package with dependencies: demo-app Pre-Depends on demo-lib, Depends
# on demo-lib-api (>= 1.0) (provided by demo-lib) and hello (>> 1.0);
# Recommends demo-doc.
jp_apt_ok "$root" install demo-app
expect_installed demo-app '3.2-1 amd64' 'apt-get install demo-app'
expect_installed demo-lib '1.0-1 amd64' 'apt-get install demo-app (Pre-Depends)'
expect_installed hello '1.1-1 all' 'apt-get install demo-app (Depends hello >> 1.0)'
expect_installed demo-doc '3.2-1 all' 'apt-get install demo-app (Recommends)'
[ "$(cat "$root/usr/share/hello/VERSION")" = 'hello 1.1-1 (all)' ] ||
    fail "the installed hello's files are not those of 1.1-1"

# Foreign architecture; Multi-Arch: same beside the native one.
jp_apt_ok "$root" install demo-lib:i386 archonly:i386
expect_installed demo-lib '1.0-1 amd64 1.0-1 i386' 'apt-get install demo-lib:i386'
expect_installed archonly '1.0-1 i386' 'apt-get install archonly:i386'
[ -f "$root/usr/lib/demo-lib/i386/libdemo.sh" ] ||
    fail "demo-lib:i386's files are not installed"

# Odd file names: '%', ' ', '#', '[]' and '+', '~' in the paths.
jp_apt_ok "$root" install spaced lib+plus
expect_installed spaced '1.0-1 all' 'apt-get install spaced'
expect_installed lib+plus '1.0+dfsg-1~bpo12+1 all' 'apt-get install lib+plus'

# Older versions by name=version; the epoch and tilde ones.
jp_apt_ok "$root" install epochpkg=1:9.0-1 tildepkg=1.0~rc1-1
expect_installed epochpkg '1:9.0-1 all' 'apt-get install epochpkg=1:9.0-1'
expect_installed tildepkg '1.0~rc1-1 all' 'apt-get install tildepkg=1.0~rc1-1'
# apt's candidates are the newest versions by dpkg's order.
jp_apt_cache "$root" policy epochpkg tildepkg
for p in epochpkg:2:0.5-3 tildepkg:1.0-1; do
	name=${p%%:*}
	want=${p#*:}
	cand=$(awk -v p="$name:" '$0 == p { s = 1; next } /^[^ ]/ { s = 0 }
	    s && /Candidate:/ { print $2 }' "$T/apt.out")
	[ "$cand" = "$want" ] || fail "apt's candidate for $name is '$cand', want $want:
$(cat "$T/apt.out")"
done
dpkg --compare-versions 2:0.5-3 gt 1:9.0-1 &&
    dpkg --compare-versions 1.0-1 gt 1.0~rc1-1 ||
    fail "dpkg does not order the corpus's versions as this test assumes"

# Newer packages arrive: hello 2.0-1 back, a new tildepkg 1.1-1.
mv "$T/later/hello_2.0-1_all.deb" "$repo/pool/main/h/hello/"
sh "$JP_SRCDIR/tests/mkdebs.sh" -p tildepkg,1.1-1 "$repo/pool/main/t/tildepkg" ||
    fail "mkdebs.sh -p tildepkg,1.1-1"
n=$(jp_count_debs "$repo")
jp_expect 0 build "$repo"
jp_expect_summary "$n" 2 0 $((n - 2)) 0
jp_apt_ok "$root" update
jp_apt_ok "$root" upgrade
expect_installed hello '2.0-1 all' 'apt-get upgrade'
expect_installed tildepkg '1.1-1 all' 'apt-get upgrade'
expect_installed epochpkg '2:0.5-3 all' 'apt-get upgrade'
expect_installed demo-app '3.2-1 amd64' 'apt-get upgrade'
[ "$(cat "$root/usr/share/tildepkg/VERSION")" = 'tildepkg 1.1-1 (all)' ] ||
    fail "the upgraded tildepkg's files are not those of 1.1-1"
jp_apt "$root" -s upgrade
grep -q '^0 upgraded, 0 newly installed' "$T/apt.out" ||
    fail "apt still has upgrades after apt-get upgrade:
$(cat "$T/apt.out")"

# Back to an older version still in the repository (a rollback).
jp_apt_ok "$root" install --allow-downgrades hello=1.1-1
expect_installed hello '1.1-1 all' 'apt-get install --allow-downgrades hello=1.1-1'
exit 0
