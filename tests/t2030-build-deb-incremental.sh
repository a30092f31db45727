#!/bin/sh
# APT builds reuse the cache for unchanged .deb files and only for those: a
# touched file, a file replaced under the same name and mtime, and a file
# rewritten in place with the same size and mtime are read again (their
# stanza then has the new sha256sum); removed and added files show in
# Packages.  Without the cache the indexes and Release are the same bytes
# (SOURCE_DATE_EPOCH fixes Date), and -j 1 and -j 3 write identical trees.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd dpkg-deb sha256sum awk
need_jprepo
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

repo=$T/repo
suite=$repo/dists/stable
jp_copy_deb_corpus "$repo"
n=$(jp_count_debs "$repo")

# snap OUT: Release and the indexes (not by-hash/, whose earlier
# generations depend on the history), as "sha256  path".
snap() {
	(cd "$suite" && find . -path '*/by-hash' -prune -o -type f -print |
	    LC_ALL=C sort | xargs sha256sum) >"$1"
}
# stanza FILENAME: "package version sha256 size" of the amd64 index's
# stanza for the file at FILENAME.
stanza() {
	jp_stanza_lines "$suite/main/binary-amd64/Packages" |
	    awk -F '\t' -v f="$1" '
		{ k = $1; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", k) }
		k == f { v[$2] = $3 }
		END { if (v["package"] != "")
			print v["package"], v["version"], v["sha256"], v["size"] }'
}
file_line() {
	printf '%s %s %s %s\n' "$(dpkg-deb -f "$repo/$1" Package)" \
	    "$(dpkg-deb -f "$repo/$1" Version)" \
	    "$(sha256sum <"$repo/$1" | cut -d' ' -f1)" \
	    "$(wc -c <"$repo/$1" | tr -d ' ')"
}

jp_expect 0 build "$repo"
jp_expect_summary "$n" "$n" 0 0 0
jp_assert_release "$suite" "first build"
want=$(date -u -d @"$SOURCE_DATE_EPOCH" '+%a, %d %b %Y %H:%M:%S UTC')
[ "$(jp_release_field "$suite/Release" Date)" = "$want" ] ||
    fail "with SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, Release Date is '$(jp_release_field "$suite/Release" Date)', want '$want'"
snap "$T/s1"
ino=$(stat -c %i "$suite/Release")

# Nothing changed: everything from the cache, nothing rewritten.
jp_expect 0 build "$repo"
jp_expect_summary "$n" 0 0 "$n" 0
snap "$T/s2"
cmp -s "$T/s1" "$T/s2" || fail "a build with nothing changed changed dists/stable"
[ "$(stat -c %i "$suite/Release")" = "$ino" ] ||
    note "a build with nothing changed rewrote Release (same content)"

# Only the mtime changes: read again; the index does not change.
f=pool/main/z/zstpkg/zstpkg_1.0-1_all.deb
touch -d '2020-01-02 03:04:05 UTC' "$repo/$f"
jp_expect 0 build "$repo"
jp_expect_summary "$n" - - $((n - 1)) 0
snap "$T/s3"
cmp -s "$T/s1" "$T/s3" || fail "touching $f changed the indexes or Release"

# Another package (new inode) under the same name with the old mtime.
f=pool/main/h/hello/hello_1.1-1_all.deb
sh "$JP_SRCDIR/tests/mkdebs.sh" -p hello,1.1-2 "$T/new" || fail "mkdebs.sh -p"
cp "$T/new/hello_1.1-2_all.deb" "$repo/$f.tmp"
touch -r "$repo/$f" "$repo/$f.tmp"
mv "$repo/$f.tmp" "$repo/$f"
jp_expect 0 build "$repo"
jp_expect_summary "$n" - - $((n - 1)) 0
jp_assert_release "$suite" "after replacing $f"
got=$(stanza "$f")
want=$(file_line "$f")
[ "$got" = "$want" ] ||
    fail "file replaced with hello 1.1-2 (same name and mtime, new inode): index says '$got', the file is '$want'"

# The same file rewritten in place: same size, mtime and inode; only the
# ctime tells.  One byte of sigpkg's ignored "_gpgbuilder" member changes.
f=pool/main/s/sigpkg/sigpkg_1.0-1_all.deb
old=$(sha256sum <"$repo/$f" | cut -d' ' -f1)
off=$(grep -boa 'dpkg-sig-like' "$repo/$f" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || fail "cannot find the _gpgbuilder text in $f"
touch -r "$repo/$f" "$T/ref"
printf D | dd of="$repo/$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
touch -r "$T/ref" "$repo/$f"
[ "$(sha256sum <"$repo/$f" | cut -d' ' -f1)" != "$old" ] ||
    fail "the in-place edit did not change $f"
jp_expect 0 build "$repo"
jp_expect_summary "$n" - - $((n - 1)) 0
got=$(stanza "$f")
want=$(file_line "$f")
[ "$got" = "$want" ] ||
    fail "file rewritten in place (same size and mtime): index says '$got', the file is '$want'"

# A removed package disappears, an added one appears.
f=pool/main/e/epochpkg/epochpkg_9.0-1_all.deb
rm "$repo/$f"
jp_expect 0 build "$repo"
jp_expect_summary $((n - 1)) 0 1 $((n - 1)) 0
[ -z "$(stanza "$f")" ] || fail "removed $f is still in the index"
grep -q "epochpkg_9.0-1" "$suite/main/binary-i386/Packages" &&
    fail "removed $f is still in binary-i386"
sh "$JP_SRCDIR/tests/mkdebs.sh" -p newpkg,0.1-1,amd64 "$repo/pool/main/n" ||
    fail "mkdebs.sh -p newpkg"
f=pool/main/n/newpkg_0.1-1_amd64.deb
jp_expect 0 build "$repo"
jp_expect_summary "$n" 1 0 $((n - 1)) 0
[ "$(stanza "$f")" = "$(file_line "$f")" ] ||
    fail "added $f: index says '$(stanza "$f")'"
grep -q newpkg "$suite/main/binary-i386/Packages" &&
    fail "added amd64 package $f is in binary-i386"
jp_assert_release "$suite" "after adding and removing"
snap "$T/s4"

# Without the cache: the same bytes.
rm -f "$repo/.jprepo/cache.sqlite"
jp_expect 0 build "$repo"
jp_expect_summary "$n" "$n" 0 0 0
snap "$T/s5"
cmp -s "$T/s4" "$T/s5" || fail "the cache changes the result: $(diff "$T/s4" "$T/s5")"
jp_expect 0 build --no-cache "$repo"
snap "$T/s6"
cmp -s "$T/s4" "$T/s6" || fail "--no-cache changes the result: $(diff "$T/s4" "$T/s6")"

# -j 1 and -j 3: byte-identical dists/ (a bigger corpus, first builds).
jp_copy_deb_corpus "$T/j1" -n 400
jp_copy_deb_corpus "$T/j3" -n 400
jp_expect 0 build -j 1 "$T/j1"
jp_expect 0 build -j 3 "$T/j3"
diff -r "$T/j1/dists" "$T/j3/dists" >"$T/d" 2>&1 ||
    fail "-j 1 and -j 3 write different dists/: $(head -n 20 "$T/d")"
jp_expect 0 build -j 3 --no-cache "$T/j1"
diff -r "$T/j1/dists" "$T/j3/dists" >"$T/d" 2>&1 ||
    fail "a second -j 3 --no-cache build differs: $(head -n 20 "$T/d")"
exit 0
