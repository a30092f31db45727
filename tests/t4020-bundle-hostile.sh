#!/bin/sh
# t4020-bundle-hostile: bundles made by an insider who holds the trusted
# signing key, each with one hostile thing in it, are refused.
#
# tests/bundle-craft.py writes every bundle here, independently of
# jprepo export; first a good one, which `jprepo import` must accept
# (the store then holds exactly the source repository), then a second good
# one (sequence 2) that `jprepo bundle verify --store` accepts, and then
# variants of that second one that each differ from it in one thing:
#   - tar entries: an absolute name, a name with "..", a symbolic link, a
#     hard link, a fifo, character and block devices, a directory, a
#     duplicate entry, entries MANIFEST does not list (in the middle, at the
#     end, at the start of volume 2, a link followed by a file "through"
#     it), an entry that holds more bytes than MANIFEST declares, names in
#     pax path records and GNU long-name entries, pax size records that
#     disagree, names holding terminal escapes;
#   - MANIFEST numbers: sizes and offsets at and past 2^64, part lengths
#     that add up only modulo 2^64, a leading zero, a minus sign, parts in
#     volume 0 or an unlisted volume; volume file names with ".." or "/";
#   - MANIFEST paths: absolute, "..", ".", empty components, no path inside
#     the repository, an unlisted repository, control characters, a path
#     listed twice, .jprepo/ inside a repository, repositories named "..",
#     "." and ".jprepo".
# Each must be refused by `jprepo bundle verify` and by `jprepo import`
# (exit 3) with a message naming the entry or path and the problem, the
# store (jp_tree_hash) must be byte for byte as it was, and nothing may
# appear in the directory the hostile names point at; the message must not
# hold control characters; the bundle directory is only read; an import
# into a store that does not exist yet leaves none.  At the end the good
# second bundle is imported, to show that the store was still usable.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_cmd python3 openssl sha256sum diff

# craft OUTDIR ARGS...: bundle-craft.py write, signed by the CA's signer;
# 64 KiB volumes, so that there are several and some files are split.
craft() {
	cr_out=$1
	shift
	rm -rf "$cr_out"
	python3 "$JP_SRCDIR/tests/bundle-craft.py" write -o "$cr_out" \
	    --volume-size 65536 \
	    --key "$T/certs/signer.key" --cert "$T/certs/signer.pem" \
	    --store-name src --store-id "$sid" "$@" "$T/src/r1" \
	    2>"$T/craft.err" || fail "bundle-craft.py write $*: $(cat "$T/craft.err")"
}

# same_tree SRC DST: DST holds exactly the files of SRC (.jprepo* aside).
same_tree() {
	diff -r -x '.jprepo*' "$1" "$2" >"$T/diff" 2>&1 ||
	    fail "$2 differs from $1:
$(cat "$T/diff")"
}

mkdir "$T/certs" "$T/src" "$T/outside" || fail "mkdir"
jp_cms_certs "$T/certs"
sid=0123456789abcdef0123456789abcdef
OUT=$T/outside
echo victim >"$OUT/victim"

# The source repository: a real RPM-MD repository plus files with odd
# names (a dot file, a space, an empty file).
jp_copy_corpus "$T/src/r1"
jp_expect 0 -q build "$T/src/r1"
echo hidden >"$T/src/r1/.hidden"
: >"$T/src/r1/empty"
echo one >"$T/src/r1/with space.txt"

# 1. A good bundle: accepted, and the store holds the source repository.
craft "$T/good1" --sequence 1
python3 "$JP_SRCDIR/tests/bundle-craft.py" check --trust "$T/certs/ca.pem" \
    "$T/good1" >"$T/check.out" 2>&1 ||
    fail "bundle-craft.py check rejects its own bundle: $(cat "$T/check.out")"
[ -f "$T/good1/vol-0002.tar" ] || fail "the good bundle has one volume; want several"
jp_cms_check "$T/good1/MANIFEST" "$T/good1/MANIFEST.sig" "$T/certs/ca.pem" ||
    fail "openssl does not accept the crafted MANIFEST.sig"
jp_expect 0 bundle verify --trust "$T/certs/ca.pem" "$T/good1"
jp_expect 0 import --trust "$T/certs/ca.pem" --store "$T/store" "$T/good1"
same_tree "$T/src/r1" "$T/store/r1"

# 2. The good second bundle every hostile one below is a variant of.
echo two >"$T/src/r1/with space.txt"
echo new >"$T/src/r1/new.txt"
craft "$T/good2" --sequence 2
jp_expect 0 bundle verify --trust "$T/certs/ca.pem" --store "$T/store" "$T/good2"

store_hash=$(jp_tree_hash "$T/store")
ctl=$(printf '[\001-\010\013-\037\177]')
out_hash=$(jp_tree_hash "$OUT")
ncase=0

# hostile NAME WHAT-ERE SHOWN CRAFT-ARGS...: craft the variant of good2 with
# CRAFT-ARGS; verify and import must exit 3, the message must contain the
# string SHOWN (unless empty) and match WHAT-ERE (case-insensitive); the
# store and $OUT must be as they were.
hostile() {
	h_name=$1 h_what=$2 h_shown=$3
	shift 3
	ncase=$((ncase + 1))
	craft "$T/h" --sequence 2 "$@"
	h_bundle=$(jp_tree_hash "$T/h")
	for h_cmd in verify import; do
		if [ $h_cmd = verify ]; then
			jp bundle verify --trust "$T/certs/ca.pem" --store "$T/store" "$T/h"
		else
			jp import --trust "$T/certs/ca.pem" --store "$T/store" "$T/h"
		fi
		[ "$rc" = 3 ] ||
		    fail "$h_name: '$jp_cmd' exited $rc, want 3; stderr:
$(cat "$T/err")"
		if [ -n "$h_shown" ] && ! grep -qF -- "$h_shown" "$T/err"; then
			fail "$h_name: '$jp_cmd': the message does not name '$h_shown':
$(cat "$T/err")"
		fi
		grep -Eiq -- "$h_what" "$T/err" ||
		    fail "$h_name: '$jp_cmd': the message should say /$h_what/:
$(cat "$T/err")"
		# Names from the bundle must not reach the terminal raw.
		! LC_ALL=C grep -q "$ctl" "$T/err" ||
		    fail "$h_name: '$jp_cmd': control characters in the message (escape them):
$(od -c "$T/err" | head -n 20)"
		[ "$(jp_tree_hash "$T/store")" = "$store_hash" ] ||
		    fail "$h_name: '$jp_cmd' changed the store:
$(cd "$T/store" && find . | LC_ALL=C sort)"
		[ "$(jp_tree_hash "$OUT")" = "$out_hash" ] ||
		    fail "$h_name: '$jp_cmd' wrote outside the store:
$(ls -la "$OUT")"
		[ "$(stat -c %h "$OUT/victim")" = 1 ] ||
		    fail "$h_name: '$jp_cmd' hard-linked $OUT/victim"
		[ "$(jp_tree_hash "$T/h")" = "$h_bundle" ] ||
		    fail "$h_name: '$jp_cmd' changed the bundle directory"
	done
	# Into a store that does not exist yet: refused, and still no store.
	jp import --trust "$T/certs/ca.pem" --store "$T/nostore" "$T/h"
	[ "$rc" = 3 ] ||
	    fail "$h_name: '$jp_cmd' exited $rc, want 3; stderr:
$(cat "$T/err")"
	[ ! -e "$T/nostore" ] ||
	    fail "$h_name: '$jp_cmd' refused the bundle but left the store directory it made:
$(find "$T/nostore")"
	note "$h_name: $(head -n 1 "$T/err")"
}

DD=../../../../../../../../../../../../../..
# An entry that is not the next expected part.
UNEXP='unexpected|not expected|not listed|unlisted|expected'
NOTREG='regular file'

# --- Tar entries -------------------------------------------------------------
hostile "absolute extra entry" "$UNEXP" "$OUT/abs" \
    --at after:r1/empty --extra "$OUT/abs"
hostile "absolute entry right after JPREPO-VOLUME" "$UNEXP" "$OUT/abs0" \
    --at start --extra "$OUT/abs0"
hostile "extra entry with .." "$UNEXP" "r1/$DD$OUT/dotdot" \
    --at after:r1/empty --extra "r1/$DD$OUT/dotdot"
hostile "extra entry with a long name with .. (pax path record)" "$UNEXP" "r1/$DD/$DD/$DD$OUT/long" \
    --at after:r1/empty --extra "r1/$DD/$DD/$DD$OUT/long"
hostile "extra GNU long-name entry with .." "$UNEXP" "r1/$DD/$DD/$DD$OUT/gnu" \
    --at after:r1/empty --extra-gnu "r1/$DD/$DD/$DD$OUT/gnu"
hostile "absolute entry right after JPREPO-VOLUME of volume 2" "$UNEXP" "$OUT/vs2" \
    --at volstart:2 --extra "$OUT/vs2"
hostile "extra entry whose name holds terminal escapes" "$UNEXP" "" \
    --at after:r1/empty --extra 'r1/\x1b[2J\x1b[31mred'
hostile "entry of r1/.hidden renamed absolute" "$UNEXP" "$OUT/hidden" \
    --rename-entry "r1/.hidden=$OUT/hidden"
hostile "entry of r1/with space.txt renamed with .." "$UNEXP" "r1/$DD$OUT/renamed" \
    --rename-entry "r1/with space.txt=r1/$DD$OUT/renamed"
hostile "symbolic link in place of r1/empty" "$NOTREG" r1/empty \
    --as-type "r1/empty=symlink:$OUT"
hostile "symbolic link and a file through it" "$UNEXP|$NOTREG" r1/sub \
    --at after:r1/empty --extra-symlink "r1/sub=$OUT" --extra r1/sub/evil
hostile "hard link (outside) in place of r1/empty" "$NOTREG" r1/empty \
    --as-type "r1/empty=hardlink:$OUT/victim"
hostile "hard link (inside) in place of r1/empty" "$NOTREG" r1/empty \
    --as-type "r1/empty=hardlink:r1/.hidden"
hostile "fifo in place of r1/empty" "$NOTREG" r1/empty --as-type r1/empty=fifo
hostile "character device in place of r1/empty" "$NOTREG" r1/empty --as-type r1/empty=chr
hostile "block device in place of r1/empty" "$NOTREG" r1/empty --as-type r1/empty=blk
hostile "directory in place of r1/empty" "$NOTREG" r1/empty --as-type r1/empty=dir
hostile "extra fifo at the end" "$UNEXP|$NOTREG" r1/zz-fifo \
    --at end --extra-fifo r1/zz-fifo
hostile "duplicate entry" "$UNEXP|duplicate" r1/.hidden --duplicate r1/.hidden
hostile "unlisted entry in the middle" "$UNEXP" r1/unlisted \
    --at before:r1/empty --extra r1/unlisted
hostile "unlisted entry after the last part" "$UNEXP" r1/zzz-unlisted \
    --at end --extra r1/zzz-unlisted
hostile "second JPREPO-VOLUME entry" "$UNEXP" JPREPO-VOLUME \
    --at after:r1/empty --extra JPREPO-VOLUME
hostile "unlisted .jprepo/bundle entry" "$UNEXP" r1/.jprepo/bundle \
    --at after:r1/empty --extra r1/.jprepo/bundle
hostile "entry larger than declared" "size|bytes|larger|longer" "r1/with space.txt" \
    --oversize "r1/with space.txt=700"
hostile "empty file's entry larger than declared" "size|bytes|larger|longer" r1/empty \
    --oversize r1/empty=10
hostile "pax path record naming an absolute path" "$UNEXP" "$OUT/paxpath" \
    --pax "r1/.hidden=path=$OUT/paxpath"
hostile "pax size record larger than declared" "size|bytes|larger|longer" r1/.hidden \
    --pax r1/.hidden=size=4096
hostile "pax size record smaller than declared" "size|bytes|smaller|shorter" "r1/with space.txt" \
    --pax "r1/with space.txt=size=0"

# --- MANIFEST numbers and volume names ----------------------------------------
BADMF='manifest'
hostile "file size 2^64-1" "$BADMF" "" --set-size 'r1/.hidden=18446744073709551615'
hostile "file size 2^64" "$BADMF" "" --set-size 'r1/.hidden=18446744073709551616'
hostile "file size with a leading zero" "$BADMF" "" --set-size 'r1/.hidden=07'
hostile "negative file size" "$BADMF" "" --set-size 'r1/.hidden=-1'
hostile "part lengths that add up only modulo 2^64" "$BADMF" "" \
    --set-parts 'r1/.hidden=1:@:18446744073709551612,1:@:8'
hostile "part offset 2^64-1" "$BADMF" "" --set-parts 'r1/.hidden=1:18446744073709551615:7'
hostile "part in volume 0" "$BADMF" "" --set-parts 'r1/.hidden=0:@:7'
hostile "part in a volume that is not listed" "$BADMF" "" --set-parts 'r1/.hidden=9:@:7'
hostile "volume named with .." "$BADMF" "" --volume-name '1=../vol-0001.tar'
hostile "volume named by an absolute path" "$BADMF" "" --volume-name "2=$OUT/victim"

# --- MANIFEST paths ------------------------------------------------------------
# The file r1/.hidden listed (and carried) under another path.
BADPATH='path|unsafe|invalid|not allowed|refus|bad'
hostile "absolute MANIFEST path" "$BADPATH" "$OUT/m-abs" \
    --manifest-path "r1/.hidden=$OUT/m-abs"
hostile "MANIFEST path with .." "$BADPATH" "r1/$DD$OUT/m-dotdot" \
    --manifest-path "r1/.hidden=r1/$DD$OUT/m-dotdot"
hostile "MANIFEST path ending in .." "$BADPATH" "r1/x/.." \
    --manifest-path "r1/.hidden=r1/x/.."
hostile "MANIFEST path with ." "$BADPATH" "r1/./m-dot" \
    --manifest-path "r1/.hidden=r1/./m-dot"
hostile "MANIFEST path with an empty component" "$BADPATH" "r1//m-empty" \
    --manifest-path "r1/.hidden=r1//m-empty"
hostile "MANIFEST path ending in /" "$BADPATH" "r1/m-trail/" \
    --manifest-path "r1/.hidden=r1/m-trail/"
hostile "MANIFEST path of an unlisted repository" "$BADPATH|repositor" "nosuch/m-norepo" \
    --manifest-path "r1/.hidden=nosuch/m-norepo"
hostile "MANIFEST path without a path inside the repository" "$BADPATH" "" \
    --manifest-path "r1/.hidden=r1"
hostile "MANIFEST path with control character 0x01" "$BADPATH|control" "" \
    --manifest-path 'r1/.hidden=r1/a\x01b'
hostile "MANIFEST path with ESC" "$BADPATH|control" "" \
    --manifest-path 'r1/.hidden=r1/a\x1b[2Jb'
hostile "MANIFEST path with DEL" "$BADPATH|control" "" \
    --manifest-path 'r1/.hidden=r1/a\x7fb'
hostile "MANIFEST path listed twice" "$BADPATH|twice|duplicate|more than once|repeated" r1/.hidden \
    --manifest-dup r1/.hidden
# .jprepo/ is jprepo's own state (build cache, lock, the imported bundle's
# record), never exported: a bundle must not plant it.
hostile "MANIFEST path into the repository's .jprepo/" "$BADPATH|jprepo" r1/.jprepo/bundle \
    --manifest-path "r1/.hidden=r1/.jprepo/bundle"
hostile "MANIFEST path of a build cache" "$BADPATH|jprepo" r1/.jprepo/cache.sqlite \
    --manifest-path "r1/.hidden=r1/.jprepo/cache.sqlite"
hostile "MANIFEST path of a .jprepo scratch tree" "$BADPATH|jprepo" r1/repodata/.jprepo-1/x \
    --manifest-path "r1/.hidden=r1/repodata/.jprepo-1/x"
hostile "repository named .." "$BADPATH|repositor|name" "" --rename-repo r1=..
hostile "repository named ." "$BADPATH|repositor|name" "" --rename-repo r1=.
hostile "repository named .jprepo" "$BADPATH|repositor|name" "" --rename-repo r1=.jprepo

# Nothing anywhere under the hostile targets' names (beyond $OUT, which
# the checks above cover: the parent directories of the store).
for f in abs abs0 dotdot hidden renamed m-abs m-dotdot m-dot m-empty m-norepo; do
	[ ! -e "$T/$f" ] && [ ! -e "$T/store/$f" ] ||
	    fail "a file named '$f' appeared outside \$OUT"
done

# 3. The good second bundle still imports.
jp_expect 0 import --trust "$T/certs/ca.pem" --store "$T/store" "$T/good2"
same_tree "$T/src/r1" "$T/store/r1"
note "$ncase hostile bundles refused by verify and import"
exit 0
