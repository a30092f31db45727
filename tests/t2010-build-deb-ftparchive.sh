#!/bin/sh
# The Packages indexes hold, for every package, what apt-ftparchive writes
# for the same files: every control field with its value, and Filename,
# Size, MD5sum, SHA1, SHA256.  Compared field by field (names are
# case-insensitive in deb822, the order of fields and stanzas does not
# matter to apt), both as text and as apt itself reads the two repositories
# (apt-cache show in two scratch roots).  The accepted differences (SHA512,
# empty fields) are explained at jp_ftparchive_accepted in lib.sh.  On top
# of that, each stanza is byte for byte the one dpkg-scanpackages -m writes
# (field order and name spelling included).
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd apt-ftparchive dpkg-scanpackages apt-get apt-cache awk
need_jprepo

repo=$T/repo
jp_copy_deb_corpus "$repo"
n=$(jp_count_debs "$repo")
jp_expect 0 build "$repo"
suite=$repo/dists/stable

# Field by field against apt-ftparchive, byte for byte against
# dpkg-scanpackages (jp_compare_peers).
for a in amd64 i386; do
	jp_compare_peers "$repo" "$suite/main/binary-$a/Packages" "$a"
	[ "$jp_npeer" -ge 10 ] || fail "apt-ftparchive found only $jp_npeer $a packages"
done
# The filter of accepted differences has something to do (it is not
# stale): apt-ftparchive wrote SHA512 and the empty field.
awk -F '\t' '$2 == "sha512" { s = 1 } $2 == "x-empty" && $3 == "" { e = 1 }
    END { exit !(s && e) }' "$T/.peers/ftp.amd64.lines" ||
    fail "apt-ftparchive wrote no SHA512 or no empty X-Empty field: update jp_ftparchive_accepted"

# The same through apt: a second repository whose indexes and Release are
# apt-ftparchive's, with the same pool, and apt-cache show in two roots.
ftp=$T/ftprepo
mkdir -p "$ftp/dists/stable/main/binary-amd64" "$ftp/dists/stable/main/binary-i386"
for top in pool odd; do
	ln -s "$repo/$top" "$ftp/$top"
done
for a in amd64 i386; do
	cp "$T/.peers/ftp.$a" "$ftp/dists/stable/main/binary-$a/Packages"
done
(cd "$ftp/dists/stable" &&
    apt-ftparchive -o APT::FTPArchive::Release::Suite=stable \
    -o APT::FTPArchive::Release::Codename=stable \
    -o APT::FTPArchive::Release::Architectures='amd64 i386' \
    -o APT::FTPArchive::Release::Components=main release . >"$T/Release" &&
    mv "$T/Release" Release) || fail "apt-ftparchive release failed"
jp_apt_root "$T/r-our" "$repo" stable main i386
jp_apt_root "$T/r-ftp" "$ftp" stable main i386
jp_apt_ok "$T/r-our" update
jp_apt_ok "$T/r-ftp" update
names=$(awk '/^Package: / { print $2 }' "$T/.peers/ftparchive" | LC_ALL=C sort -u)
for r in our ftp; do
	set --
	for p in $names; do
		set -- "$@" "$p:amd64" "$p:i386"
	done
	jp_apt_cache "$T/r-$r" show "$@"
	# apt-cache show fails on names with no package of that arch: ok
	[ -s "$T/apt.out" ] || fail "apt-cache show in the $r root printed nothing: $(cat "$T/apt.err")"
	jp_stanza_lines "$T/apt.out" | LC_ALL=C sort -u >"$T/show.$r"
done
jp_ftparchive_accepted <"$T/show.ftp" >"$T/show.ftp.acc"
diff -u "$T/show.ftp.acc" "$T/show.our" >"$T/d" ||
    fail "apt-cache show differs between apt-ftparchive's indexes and jprepo's (- apt-ftparchive, + jprepo):
$(jp_escaped "$T/d")"
c=$(awk -F '\t' '$2 == "package"' "$T/show.our" | wc -l)
[ "$c" = "$n" ] || fail "apt-cache show lists $c packages in jprepo's repository, the corpus has $n"
exit 0
