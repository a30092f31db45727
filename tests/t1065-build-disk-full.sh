#!/bin/sh
# t1065-build-disk-full: a full disk makes a build fail cleanly.  The
# repository sits on a small tmpfs; once the published metadata is in
# place, the file system is filled and the packages touched so that the
# build must write again.  It must exit 3 with a message that says what
# could not be written, leave the published metadata exactly as it was
# (and usable), leave no scratch tree behind, and succeed once there is
# room again.  For RPM-MD and APT alike.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_root "mounting a size-limited tmpfs"
need_cmd mount umount sha256sum

mnt=$T/small
mkdir "$mnt"
mount -t tmpfs -o size=2m,mode=0755 jprepo-test "$mnt" 2>"$T/mount.err" ||
    skip "cannot mount a tmpfs here: $(cat "$T/mount.err")"
jp_umount() { jp_um_rc=$?; umount "$mnt" 2>/dev/null; return $jp_um_rc; }
trap 'jp_umount; jp_cleanup' EXIT

# tree_sums DIR: every file under DIR with its sha256, in a stable order.
tree_sums() {
	(cd "$1" && find . -type f | LC_ALL=C sort | xargs -r sha256sum)
}

# fill: take every free block of the file system but a few.
fill() {
	rm -f "$mnt/filler"
	dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
	# A little room for directory entries, not for metadata.
	truncate -s -8k "$mnt/filler" 2>/dev/null || true
}

check_format() { # check_format NAME METADIR
	name=$1 meta=$2
	jp_expect 0 build -q "$repo"
	tree_sums "$repo/$meta" >"$T/before.sums"
	find "$repo" -type f -name '*.[rd][pe][mb]' -exec touch {} +
	fill
	jp_expect 3 build "$repo"
	note "$name on a full disk: $(cat "$T/err")"
	jp_err_has "No space left on device|disk is full|cannot (write|create|update)" \
	    "$name: the reason"
	tree_sums "$repo/$meta" >"$T/after.sums"
	cmp -s "$T/before.sums" "$T/after.sums" ||
	    fail "$name: a failed build on a full disk changed $meta"
	leftovers=$(find "$repo" "$repo/dists" -maxdepth 1 -name '.repodata.jprepo-*' -o \
	    -maxdepth 1 -name '.jprepo-*' 2>/dev/null)
	[ -z "$leftovers" ] || fail "$name: scratch trees left behind: $leftovers"
	rm -f "$mnt/filler"
	jp_expect 0 build "$repo"
	jp_err_has " 0 failed" "$name: the rebuild with room again"
}

# RPM-MD.
repo=$mnt/rpm
jp_copy_corpus "$repo"
check_format RPM-MD repodata
jp_assert_repomd "$repo" "after the disk had room again"
rm -rf "$repo"

# APT.
if command -v dpkg-deb >/dev/null 2>&1; then
	repo=$mnt/deb
	jp_copy_deb_corpus "$repo"
	check_format APT dists/stable
	[ -s "$repo/dists/stable/Release" ] || fail "APT: no Release after the rebuild"
else
	note "dpkg-deb missing: the APT half is not run"
fi
exit 0
