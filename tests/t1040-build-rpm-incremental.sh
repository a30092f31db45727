#!/bin/sh
# Builds reuse the cache for unchanged files and only for those: a file
# replaced under the same name and mtime, or rewritten in place with the
# same size and mtime, is read again; removed and added files show in the
# metadata; without the cache (deleted, or --no-cache) the metadata content
# is the same as with it.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd xmllint rpm sha256sum
need_jprepo
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

repo=$T/repo
jp_copy_corpus "$repo"
n=$(jp_count_rpms "$repo")

# pkg_line HREF: the "name e:v-r.arch pkgid href" line of the package at HREF.
pkg_line() {
	jp_md_list "$repo" | awk -v h="$1" '$4 == h'
}

jp_expect 0 build "$repo"
jp_expect_summary "$n" "$n" 0 0 0
jp_md_content "$repo" "$T/c1"

# Nothing changed: everything from the cache, same content.
jp_expect 0 build "$repo"
jp_expect_summary "$n" 0 0 "$n" 0
jp_assert_repomd "$repo" "second build"
jp_md_content "$repo" "$T/c2"
cmp -s "$T/c1" "$T/c2" || { diff -u "$T/c1" "$T/c2" | head -n 50 >&2
	fail "a build with nothing changed changed the metadata content"; }

# Only the mtime changes: <time file> follows it (createrepo_c writes the
# file's mtime there).
f=$repo/noarch/zeroepoch-1-1.noarch.rpm
touch -d '2020-01-02 03:04:05 UTC' "$f"
jp_expect 0 build "$repo"
jp_expect_summary "$n" - - $((n - 1)) 0
jp_md_xml "$repo" primary "$T/p.xml"
t=$(jp_xp "$T/p.xml" "string(/*/*[local-name()='package'][*[local-name()='location']/@href='noarch/zeroepoch-1-1.noarch.rpm']/*[local-name()='time']/@file)")
[ "$t" = "$(stat -c %Y "$f")" ] ||
    fail "after touch, <time file> of zeroepoch is '$t', the file's mtime $(stat -c %Y "$f")"
jp_md_content "$repo" "$T/c1"

# A different package (new inode) under the same name with the old mtime.
sh "$JP_SRCDIR/tests/mkrpms.sh" -p hello,1.1,2 "$T/new" || fail "mkrpms.sh -p"
f=$repo/noarch/hello-1.1-1.noarch.rpm
cp "$T/new/hello-1.1-2.noarch.rpm" "$f.tmp"
touch -r "$f" "$f.tmp"
mv "$f.tmp" "$f"
jp_expect 0 build "$repo"
jp_expect_summary "$n" - - $((n - 1)) 0
line=$(pkg_line noarch/hello-1.1-1.noarch.rpm)
sum=$(sha256sum <"$f" | cut -d' ' -f1)
[ "$line" = "hello 0:1.1-2.noarch $sum noarch/hello-1.1-1.noarch.rpm" ] ||
    fail "file replaced with hello-1.1-2 (same mtime, new inode): metadata says '$line'"

# The same file rewritten in place: same size, same mtime, same inode;
# only its ctime tells.  One byte of the payload changes, so only the
# sha256 differs (the header, all createrepo_c reads, is unchanged).
f=$repo/noarch/hello-1.0-1.noarch.rpm
old=$(sha256sum <"$f" | cut -d' ' -f1)
off=$(grep -boa 'hello 1.0-1 (noarch)' "$f" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || fail "cannot find the payload text in $f"
touch -r "$f" "$T/ref"
printf H | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
touch -r "$T/ref" "$f"
sum=$(sha256sum <"$f" | cut -d' ' -f1)
[ "$sum" != "$old" ] || fail "the in-place edit did not change $f"
jp_expect 0 build "$repo"
jp_expect_summary "$n" - - $((n - 1)) 0
line=$(pkg_line noarch/hello-1.0-1.noarch.rpm)
[ "$line" = "hello 0:1.0-1.noarch $sum noarch/hello-1.0-1.noarch.rpm" ] ||
    fail "file rewritten in place (same size and mtime): metadata says '$line', sha256 now $sum"

# A removed package disappears, an added one appears.
rm "$repo/noarch/epochpkg-9.0-1.noarch.rpm"
jp_expect 0 build "$repo"
jp_expect_summary $((n - 1)) 0 1 $((n - 1)) 0
jp_md_list "$repo" >"$T/list"
! grep -q 'epochpkg 1:9.0-1' "$T/list" || fail "removed epochpkg-1:9.0-1 still listed"
grep -q 'epochpkg 2:0.5-3' "$T/list" || fail "epochpkg-2:0.5-3 lost with 1:9.0-1"
sh "$JP_SRCDIR/tests/mkrpms.sh" -p newpkg,3:1.0,1 "$repo/added" ||
    fail "mkrpms.sh -p"
jp_expect 0 build "$repo"
jp_expect_summary "$n" 1 0 $((n - 1)) 0
[ -n "$(pkg_line added/newpkg-1.0-1.noarch.rpm)" ] || fail "added newpkg not listed"
[ "$(jp_md_packages "$repo")" = "$n" ] || fail "primary does not count $n packages"
jp_assert_repomd "$repo" "after changes"
jp_md_content "$repo" "$T/c3"

# Metadata deleted or damaged behind jprepo's back (an interrupted copy, a
# disk error): the next build, with nothing else changed, repairs it.
rm -rf "$repo/repodata"
jp_expect 0 build "$repo"
jp_assert_repomd "$repo" "rebuilt after repodata/ was deleted"
jp_md_content "$repo" "$T/c3b"
cmp -s "$T/c3" "$T/c3b" || fail "metadata content differs after repodata/ was deleted"
f=$repo/$(jp_md_href "$repo" other)
echo damaged >"$f"
jp_expect 0 build "$repo"
jp_check_repomd "$repo" 2>"$T/check" ||
    fail "'$jp_cmd' exits 0 but leaves damaged metadata ($f overwritten before): $(cat "$T/check")"

# Without the cache: same content.
rm -f "$repo/.jprepo/cache.sqlite"
jp_expect 0 build "$repo"
jp_expect_summary "$n" - - 0 0
jp_md_content "$repo" "$T/c4"
cmp -s "$T/c3" "$T/c4" || { diff -u "$T/c3" "$T/c4" | head -n 50 >&2
	fail "metadata content differs after deleting cache.sqlite"; }
jp_expect 0 build --no-cache "$repo"
jp_expect_summary "$n" - - 0 0
jp_md_content "$repo" "$T/c5"
cmp -s "$T/c3" "$T/c5" || { diff -u "$T/c3" "$T/c5" | head -n 50 >&2
	fail "metadata content differs with --no-cache"; }

# A cache file that is not a database is no reason to fail: it is only a
# cache (ARCHITECTURE: always safe to delete).
echo garbage >"$repo/.jprepo/cache.sqlite"
jp build "$repo"
[ "$rc" = 0 ] || fail "'$jp_cmd' with a garbage cache.sqlite: exit $rc, want 0; stderr:
$(cat "$T/err")"
jp_md_content "$repo" "$T/c6"
cmp -s "$T/c3" "$T/c6" || fail "metadata content differs after a garbage cache"
exit 0
