#!/bin/sh
# A directory of .deb files becomes an APT repository: dists/SUITE/Release
# with the fields apt reads, a Date in RFC 1123 form that is not in the
# future, four checksum sections that match the files (md5sum, sha1sum,
# sha256sum, sha512sum are the oracles), by-hash copies, and one
# Packages{,.gz,.xz} per architecture that lists exactly the packages of
# that architecture plus the "Architecture: all" ones, and binary-all with
# the "all" ones alone, for clients of other architectures (dpkg-deb is the
# oracle for what each file holds).  apt reads the indexes through by-hash.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd dpkg-deb ar md5sum sha1sum sha256sum sha512sum gzip xz awk date apt-get apt-cache
need_jprepo

repo=$T/repo
jp_copy_deb_corpus "$repo"
n=$(jp_count_debs "$repo")
[ "$n" -ge 15 ] || fail "the corpus has only $n .deb files"
# The corpus has the member compressions it promises (ar is the oracle).
for c in xzpkg:control.tar.xz zstpkg:control.tar.zst plainpkg:control.tar \
    mixpkg:control.tar.gz mixpkg:data.tar.xz hello:control.tar.gz \
    sigpkg:_gpgbuilder; do
	f=$(find "$repo" -name "${c%%:*}_*.deb" | head -n 1)
	[ -n "$f" ] && ar t "$f" | grep -qx "${c#*:}" ||
	    fail "the corpus has no ${c%%:*} package with a ${c#*:} member"
done

before=$(date +%s)
jp_expect 0 build --origin 'Test Origin' --label 'Test Label' "$repo"
after=$(date +%s)
jp_expect_summary "$n" "$n" 0 0 0
[ ! -e "$repo/repodata" ] || fail "an APT repository got repodata/"
suite=$repo/dists/stable
rel=$suite/Release
[ -f "$rel" ] || fail "no dists/stable/Release; dists/ holds: $(find "$repo/dists" | head)"
left=$(find "$repo/dists" -mindepth 1 -maxdepth 1 ! -name stable)
[ -z "$left" ] || fail "dists/ holds more than the suite: $left"

# --- Release fields ---
field() {
	jp_release_field "$rel" "$1"
}
for f in Origin:'Test Origin' Label:'Test Label' Suite:stable \
    Codename:stable Components:main Acquire-By-Hash:yes \
    Architectures:'all amd64 i386'; do
	name=${f%%:*}
	want=${f#*:}
	got=$(field "$name")
	[ "$got" = "$want" ] || fail "Release: $name is '$got', want '$want'"
done
[ -z "$(field Valid-Until)" ] || fail "Release has Valid-Until without --valid-for"
d=$(field Date)
echo "$d" | grep -Eq '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} (UTC|\+0000)$' ||
    fail "Release: Date '$d' is not an RFC 1123 date in UTC"
t=$(date -u -d "$d" +%s) || fail "date(1) cannot read the Release Date '$d'"
[ "$t" -le "$after" ] || fail "Release: Date '$d' ($t) is in the future (now $after)"
[ "$t" -ge $((before - 1)) ] || fail "Release: Date '$d' ($t) is older than the build ($before)"
# The order Debian's own Release files use (apt does not care, people do).
awk -F: '/^[^ ]/ { print $1 }' "$rel" | tr '\n' ' ' >"$T/order"
[ "$(cat "$T/order")" = "Origin Label Suite Codename Date Acquire-By-Hash Architectures Components MD5Sum SHA1 SHA256 SHA512 " ] ||
    note "Release field order: $(cat "$T/order")"

# --- checksums, sizes, by-hash ---
jp_assert_release "$suite"
for sec in MD5Sum SHA1 SHA256 SHA512; do
	jp_release_sums "$rel" "$sec" | cut -d' ' -f3 | LC_ALL=C sort >"$T/listed.$sec"
done
for a in all amd64 i386; do
	for s in '' .gz .xz; do
		echo "main/binary-$a/Packages$s"
	done
done | LC_ALL=C sort >"$T/want.listed"
for sec in MD5Sum SHA1 SHA256 SHA512; do
	diff -u "$T/want.listed" "$T/listed.$sec" >"$T/d" ||
	    fail "Release section $sec does not list exactly the indexes:
$(cat "$T/d")"
done
# Every by-hash file is a listed one (no stale copies on a first build).
for a in all amd64 i386; do
	for alg in SHA256 SHA512; do
		dir=$suite/main/binary-$a/by-hash/$alg
		[ -d "$dir" ] || fail "no $dir"
		ls "$dir" | LC_ALL=C sort >"$T/bh"
		jp_release_sums "$rel" "$alg" | awk -v p="main/binary-$a/" \
		    'index($3, p) == 1 { print $1 }' | LC_ALL=C sort >"$T/bhwant"
		cmp -s "$T/bh" "$T/bhwant" ||
		    fail "$dir holds other files than Release's $alg entries:
$(diff "$T/bhwant" "$T/bh")"
	done
done

# --- the indexes ---
for a in all amd64 i386; do
	dir=$suite/main/binary-$a
	gzip -dc "$dir/Packages.gz" | cmp -s - "$dir/Packages" ||
	    fail "binary-$a: Packages.gz does not decompress to Packages"
	xz -dc "$dir/Packages.xz" | cmp -s - "$dir/Packages" ||
	    fail "binary-$a: Packages.xz does not decompress to Packages"
done
# What each index must list, from dpkg-deb: "package version arch file".
(cd "$repo" && find . -name '*.deb' -type f) | sed 's|^\./||' |
while IFS= read -r f; do
	dpkg-deb -f "$repo/$f" Package Version Architecture |
	    awk -v f="$f" '{ sub(/^[^:]*: */, ""); v[NR] = $0 }
		END { print v[1], v[2], v[3], f }' ||
	    fail "dpkg-deb cannot read $f"
done >"$T/debs"
[ "$(wc -l <"$T/debs")" = "$n" ] || fail "dpkg-deb read $(wc -l <"$T/debs") of $n files"
nall=$(awk '$3 == "all"' "$T/debs" | wc -l)
[ "$nall" -ge 5 ] || fail "the corpus has only $nall Architecture: all packages"
for a in all amd64 i386; do
	awk -v a="$a" '$3 == a || $3 == "all"' "$T/debs" | LC_ALL=C sort >"$T/want.$a"
	jp_stanza_lines "$suite/main/binary-$a/Packages" |
	    awk -F '\t' '$2 == "package" { print $1 }' | LC_ALL=C sort >"$T/got.$a"
	diff -u "$T/want.$a" "$T/got.$a" >"$T/d" ||
	    fail "binary-$a/Packages does not list the $a and all packages (dpkg-deb):
$(cat "$T/d")"
	# Every stanza has the fields apt needs.
	for f in package version architecture filename size sha256 md5sum \
	    description maintainer; do
		c=$(jp_stanza_lines "$suite/main/binary-$a/Packages" |
		    awk -F '\t' -v f="$f" '$2 == f' | wc -l)
		[ "$c" = "$(wc -l <"$T/want.$a")" ] ||
		    fail "binary-$a/Packages: $c stanzas have '$f', want all $(wc -l <"$T/want.$a")"
	done
done
grep -q 'i386' "$T/want.i386" && ! grep -q ' i386 ' "$T/got.amd64" ||
    fail "i386 packages leak into binary-amd64"
! grep -Eq ' (amd64|i386) ' "$T/got.all" ||
    fail "binary-all lists packages of other architectures"

# --- apt reads it through by-hash alone ---
jp_apt_root "$T/root" "$repo" stable main i386
rm -f "$suite"/main/binary-*/Packages "$suite"/main/binary-*/Packages.gz \
    "$suite"/main/binary-*/Packages.xz
jp_apt_ok "$T/root" update
jp_apt_cache "$T/root" policy demo-lib:i386 archonly:i386 descpkg
for p in 'demo-lib:i386' 'archonly:i386' 'descpkg:'; do
	awk -v p="$p" 'index($0, p) == 1 { s = 1; next } /^[^ ]/ { s = 0 }
	    s && /Candidate:/ { print $2 }' "$T/apt.out" | grep -q '^[0-9]' ||
	    fail "apt sees no candidate for $p after reading the indexes by hash:
$(cat "$T/apt.out" "$T/apt.err")"
done
exit 0
