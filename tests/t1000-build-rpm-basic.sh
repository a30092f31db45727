#!/bin/sh
# jprepo build on a corpus of real RPMs: exit 0, well-formed metadata whose
# repomd.xml checksums and sizes match the files, every package listed with
# the sha256 of its file and a location that exists.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd xmllint rpm sha256sum
need_jprepo

repo=$T/repo
jp_copy_corpus "$repo"
n=$(jp_count_rpms "$repo")
[ "$n" -ge 15 ] || fail "corpus has only $n packages"

jp_expect 0 build "$repo"
[ ! -s "$T/out" ] || fail "'$jp_cmd' wrote to stdout: $(cat "$T/out")"
jp_expect_summary "$n" "$n" 0 0 0
jp_assert_repomd "$repo"

# Exactly the three standard types, each stored once, nothing else.
types=$(jp_xp "$repo/repodata/repomd.xml" "//*[local-name()='data']/@type" |
    sed -E 's/ *type="([^"]*)"/\1/' | sed '/^$/d' | sort | tr '\n' ' ')
[ "$types" = "filelists other primary " ] ||
    fail "repomd.xml data types are '$types', want filelists other primary"
for t in primary filelists other; do
	href=$(jp_md_href "$repo" $t)
	case $href in
	repodata/[0-9a-f]*-$t.xml.gz) ;;
	*) fail "$t location '$href' is not repodata/<sha256>-$t.xml.gz" ;;
	esac
	# The name's hash is the stored file's checksum (createrepo_c's
	# unique-md-filenames layout, which dnf and zypper expect).
	sum=$(sha256sum <"$repo/$href" | cut -d' ' -f1)
	[ "${href#repodata/"$sum"-}" != "$href" ] ||
	    fail "$t file name '$href' does not carry its sha256 $sum"
	gzip -t "$repo/$href" || fail "$href is not valid gzip"
done
extra=$(jp_repodata_unlisted "$repo")
[ -z "$extra" ] || fail "unexpected files in repodata/: $extra"
[ -f "$repo/.jprepo/cache.sqlite" ] || fail "no $repo/.jprepo/cache.sqlite"

# packages="N" agrees across the three files and with the corpus.
for t in primary filelists other; do
	jp_md_xml "$repo" $t "$T/$t.xml"
	c=$(jp_xp "$T/$t.xml" 'string(/*/@packages)')
	[ "$c" = "$n" ] || fail "$t says packages=\"$c\", corpus has $n"
	c=$(jp_xp "$T/$t.xml" "count(/*/*[local-name()='package'])")
	[ "$c" = "$n" ] || fail "$t has $c <package> elements, corpus has $n"
done

# Each package: NEVRA as rpm reads the file, pkgid = sha256 of the file.
jp_md_list "$repo" >"$T/list"
(cd "$repo" && find . -name '*.rpm' -type f | sed 's|^\./||' | sort) >"$T/files"
while read -r name nevra pkgid href; do
	f=$repo/$href
	[ -f "$f" ] || fail "location '$href' of $name does not exist"
	want=$(jp_rpm_nevra "$f")
	[ "$name-$nevra" = "$want" ] ||
	    fail "$href: metadata says $name-$nevra, rpm says $want"
	sum=$(sha256sum <"$f" | cut -d' ' -f1)
	[ "$pkgid" = "$sum" ] || fail "$href: pkgid $pkgid, sha256 of file $sum"
done <"$T/list"
cut -d' ' -f4 "$T/list" | sort >"$T/hrefs"
diff -u "$T/files" "$T/hrefs" >&2 || fail "locations differ from the .rpm files"

# -q: nothing on stderr for a successful run; still exit 0.
jp_expect 0 -q build "$repo"
[ ! -s "$T/err" ] || fail "'$jp_cmd' printed: $(cat "$T/err")"
jp_expect 0 build -q "$repo"
[ ! -s "$T/err" ] || fail "'$jp_cmd' printed: $(cat "$T/err")"
jp_assert_repomd "$repo" "after rebuild"
exit 0
