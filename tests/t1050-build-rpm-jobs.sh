#!/bin/sh
# The number of worker threads does not change the result: with a fixed
# SOURCE_DATE_EPOCH and no cache, -j 1, -j 2 and -j 7 write byte-identical
# repodata/ (same files, same names, same bytes).  Nor does the way it is
# written: a clean repository is written while it is read, one with a
# source package after reading; both give the same bytes.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd xmllint sha256sum
need_jprepo
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

repo=$T/repo
jp_copy_corpus "$repo" -n 120
n=$(jp_count_rpms "$repo")

for j in 1 2 7; do
	rm -rf "$repo/repodata" "$repo/.jprepo"
	jp_expect 0 build -j $j --no-cache "$repo"
	jp_expect_summary "$n" "$n" 0 0 0
	jp_assert_repomd "$repo" "-j $j"
	rm -rf "$T/j$j"
	cp -pR "$repo/repodata" "$T/j$j"
done
for j in 2 7; do
	diff -r "$T/j1" "$T/j$j" >/dev/null || {
		diff -r "$T/j1" "$T/j$j" 2>&1 | head -n 20 >&2
		fail "repodata/ from -j 1 and -j $j differ"
	}
done

# The same again with the cache: a second run at -j 2 over a cache filled
# at -j 7 is identical too.
jp_expect 0 build -j 2 "$repo"
jp_expect_summary "$n" 0 0 "$n" 0
diff -r "$T/j1" "$repo/repodata" >/dev/null || {
	diff -r "$T/j1" "$repo/repodata" 2>&1 | head -n 20 >&2
	fail "repodata/ from a cached -j 2 build differs from -j 1 --no-cache"
}

# A source package makes the build write after reading: same repodata/.
cp "$(jp_srpm_dir)"/*.src.rpm "$repo/" || fail "cannot copy the source package"
for j in 1 2; do
	jp_expect 0 build -j $j --no-cache "$repo"
	jp_err_has "is a source package; skipped"
	diff -r "$T/j1" "$repo/repodata" >/dev/null || {
		diff -r "$T/j1" "$repo/repodata" 2>&1 | head -n 20 >&2
		fail "repodata/ written after reading (-j $j) differs from written while reading"
	}
done
exit 0
