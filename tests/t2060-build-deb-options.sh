#!/bin/sh
# The APT options: --suite, --codename, --component, --origin, --label and
# --valid-for show in Release and in the directory names, and apt reads a
# repository with a non-default suite and component (and rejects it once
# Valid-Until has passed: apt is the oracle that the field is right).
# Invalid values are usage errors (exit 2) that create nothing.  An empty
# directory with --suite becomes a valid, empty APT repository apt accepts.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd apt-get apt-cache date awk
need_jprepo

repo=$T/repo
jp_copy_deb_corpus "$repo"

# --- defaults ---
jp_expect 0 build "$repo"
rel=$repo/dists/stable/Release
for f in Suite:stable Codename:stable Components:main Origin: Label: Valid-Until:; do
	got=$(jp_release_field "$rel" "${f%%:*}")
	[ "$got" = "${f#*:}" ] || fail "default Release: ${f%%:*} is '$got', want '${f#*:}'"
done
[ -d "$repo/dists/stable/main/binary-amd64" ] || fail "no dists/stable/main/binary-amd64"

# --- every option ---
jp_expect 0 build --suite testing --codename trixie-x --component contrib \
    --origin 'Example Org' --label 'Example: Label' --valid-for 7 "$repo"
suite=$repo/dists/testing
rel=$suite/Release
[ -f "$rel" ] || fail "--suite testing: no dists/testing/Release"
for f in Suite:testing Codename:trixie-x Components:contrib \
    'Origin:Example Org' 'Label:Example: Label'; do
	got=$(jp_release_field "$rel" "${f%%:*}")
	[ "$got" = "${f#*:}" ] || fail "Release: ${f%%:*} is '$got', want '${f#*:}'"
done
for a in all amd64 i386; do
	[ -f "$suite/contrib/binary-$a/Packages" ] ||
	    fail "--component contrib: no dists/testing/contrib/binary-$a/Packages"
done
[ ! -e "$suite/main" ] || fail "--component contrib: dists/testing/main exists"
jp_assert_release "$suite" "--suite testing --component contrib"
jp_release_sums "$rel" SHA256 | awk '$3 !~ /^contrib\/binary-(all|amd64|i386)\/Packages/' >"$T/d"
[ ! -s "$T/d" ] || fail "Release lists files outside contrib/: $(cat "$T/d")"
d=$(jp_release_field "$rel" Date)
v=$(jp_release_field "$rel" Valid-Until)
echo "$v" | grep -Eq '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} (UTC|\+0000)$' ||
    fail "Valid-Until '$v' is not an RFC 1123 date in UTC"
dt=$(( $(date -u -d "$v" +%s) - $(date -u -d "$d" +%s) ))
[ "$dt" = 604800 ] || fail "--valid-for 7: Valid-Until '$v' is $dt s after Date '$d', want 604800"
# The other suite is still there, untouched by a build of this one.
jp_assert_release "$repo/dists/stable" "dists/stable after building testing"

# apt reads the non-default suite and component.
jp_apt_root "$T/root" "$repo" testing contrib
jp_apt_ok "$T/root" update
jp_apt_ok "$T/root" install hello
jp_dpkg_installed "$T/root" | grep -q '^hello 2.0-1 all$' ||
    fail "apt did not install hello 2.0-1 from testing/contrib: $(jp_dpkg_installed "$T/root")"
jp_apt_cache "$T/root" policy
grep -q 'o=Example Org,a=testing,n=trixie-x,l=Example: Label,c=contrib' "$T/apt.out" ||
    fail "apt-cache policy does not show the Release fields:
$(cat "$T/apt.out")"

# Valid-Until in the past: apt refuses the Release (so the field is read).
SOURCE_DATE_EPOCH=1000000000
export SOURCE_DATE_EPOCH
jp_expect 0 build --suite old --valid-for 1 "$repo"
unset SOURCE_DATE_EPOCH
jp_apt_root "$T/oldroot" "$repo" old main
jp_apt "$T/oldroot" update
grep -q 'expired' "$T/apt.out" "$T/apt.err" ||
    fail "apt-get update accepts a Release whose Valid-Until has passed:
$(cat "$T/apt.out" "$T/apt.err")"
# The next build renews it, though no package changed: a daily
# "jprepo build --valid-for 7" must keep the repository usable.
jp_expect 0 build --suite old --valid-for 1 "$repo"
v=$(jp_release_field "$repo/dists/old/Release" Valid-Until)
[ "$(date -u -d "$v" +%s)" -gt "$(date +%s)" ] ||
    fail "a build with --valid-for 1 and no package changed kept the expired Valid-Until '$v' ($(grep '^jprepo build:' "$T/err"))"
jp_apt_ok "$T/oldroot" update

# --- invalid values: exit 2, nothing created ---
for args in '--suite a/b' '--suite ../x' '--suite .hidden' '--suite -x' \
    '--codename a/b' '--component a/b' '--component ..' '--valid-for 0' \
    '--valid-for -1' '--valid-for abc' '--valid-for 99999999999'; do
	mkdir "$T/inv"
	# shellcheck disable=SC2086
	jp_expect 2 build $args "$T/inv"
	[ -z "$(ls -A "$T/inv")" ] || fail "'$jp_cmd' (exit 2) created $(ls -A "$T/inv")"
	rm -r "$T/inv"
done
mkdir "$T/inv"
jp_expect 2 build --suite '' "$T/inv"
nl='
'
jp_expect 2 build --origin "a${nl}Suite: evil" "$T/inv"
jp_expect 2 build --label "x${nl}" "$T/inv"
[ -z "$(ls -A "$T/inv")" ] || fail "invalid options created $(ls -A "$T/inv")"
jp_expect 2 build --suite 'a b' "$repo"
[ ! -e "$repo/dists/a b" ] || fail "--suite 'a b' created dists/a b"

# RPM-MD-only forms: --advisories with an updateinfo.xml file is an error
# for an APT repository (exit 3, nothing changed; Debian feeds are
# t2080's), --compress does not change the APT indexes' compressions.
(cd "$repo" && find dists -type f | LC_ALL=C sort | xargs sha256sum) >"$T/sums.before"
echo '<updates/>' >"$T/adv.xml"
jp_expect 3 build --advisories "$T/adv.xml" "$repo"
jp_err_has '[Aa]dvisor' "the message names the option"
(cd "$repo" && find dists -type f | LC_ALL=C sort | xargs sha256sum) >"$T/sums.after"
cmp -s "$T/sums.before" "$T/sums.after" || fail "'$jp_cmd' (exit 3) changed dists/"
jp_expect 0 build --compress zstd --suite zst "$repo"
ls "$repo/dists/zst/main/binary-amd64" >"$T/ls"
[ "$(grep -c '^Packages' "$T/ls")" = 3 ] && grep -qx Packages.xz "$T/ls" &&
    grep -qx Packages.gz "$T/ls" ||
    fail "--compress zstd changed the APT indexes: $(cat "$T/ls")"

# --- an empty repository ---
empty=$T/empty
mkdir "$empty"
jp_expect 0 build --suite empty "$empty"
jp_expect_summary 0 0 0 0 0
[ ! -e "$empty/repodata" ] || fail "--suite on an empty directory made repodata/"
jp_assert_release "$empty/dists/empty" "empty repository"
[ -n "$(jp_release_sums "$empty/dists/empty/Release" SHA256)" ] ||
    fail "the empty repository's Release lists no index"
jp_apt_root "$T/eroot" "$empty" empty main
jp_apt_ok "$T/eroot" update
jp_apt_cache "$T/eroot" pkgnames
[ ! -s "$T/apt.out" ] || fail "apt sees packages in the empty repository: $(cat "$T/apt.out")"
# A package added later; the next build (no option) knows it is APT.
sh "$JP_SRCDIR/tests/mkdebs.sh" -p late,1.0-1,amd64 "$empty/pool" ||
    fail "mkdebs.sh -p late"
jp_expect 0 build --suite empty "$empty"
jp_expect_summary 1 1 0 0 0
jp_apt_ok "$T/eroot" update
jp_apt_ok "$T/eroot" install late
jp_dpkg_installed "$T/eroot" | grep -q '^late 1.0-1 amd64$' ||
    fail "apt did not install late from the formerly empty repository"
rm -r "$empty/pool"
jp_expect 0 build "$empty"
[ ! -e "$empty/repodata" ] || fail "an empty directory with dists/ was built as RPM-MD"
exit 0
