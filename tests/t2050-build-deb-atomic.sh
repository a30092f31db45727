#!/bin/sh
# An APT build killed at any moment leaves dists/stable either old or new,
# complete (every file Release lists, with its digests) and readable by
# apt; the next build works and leaves nothing behind.  After a rebuild,
# every index the previous Release listed is still there under by-hash/,
# so that an apt client that read the old Release while the new tree was
# swapped in still gets the indexes it was promised (simulated: the new
# tree with the old Release put back must pass apt-get update); by-hash
# keeps two generations, not all of them.  Another holder of
# REPO/.jprepo/lock makes a build exit 4 (or wait with --wait).
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd apt-get apt-cache sha256sum flock awk
need_jprepo

repo=$T/repo
suite=$repo/dists/stable
jp_copy_deb_corpus "$repo" -n 400
ls -A "$repo" | LC_ALL=C sort >"$T/top.before"

# listed: the Filename of every stanza of every index.
listed() {
	cat "$suite"/main/binary-*/Packages |
	    awk '/^Filename: / { sub(/^Filename: /, ""); print }' | LC_ALL=C sort -u
}
jp_apt_root "$T/root" "$repo"
# apt_versions ROOT: how many versions of packages apt knows in ROOT
# (apt-cache madison over the names of state A, the largest set; each
# name and version once, as madison shows an all package's version once
# for binary-amd64 and once for binary-all).
apt_versions() {
	jp_apt_cache "$1" madison $(cat "$T/names")
	awk -F '|' 'NF >= 3 { gsub(/ /, "", $1); gsub(/ /, "", $2);
	    print $1, $2 }' "$T/apt.out" | LC_ALL=C sort -u | wc -l
}
# apt_sees WHAT: apt-get update works and apt knows as many amd64 and all
# package versions as binary-amd64/Packages lists.
apt_sees() {
	jp_apt "$T/root" update
	[ "$rc" = 0 ] && ! grep -Eq '^(E|W|Err):' "$T/apt.out" "$T/apt.err" ||
	    fail "$1: apt-get update fails:
$(cat "$T/apt.out" "$T/apt.err")"
	c=$(apt_versions "$T/root")
	w=$(grep -c '^Package:' "$suite/main/binary-amd64/Packages")
	[ "$c" = "$w" ] || fail "$1: apt sees $c package versions, binary-amd64/Packages lists $w"
}

# State A: every package; state B: without fill/ packages 1 to 9.
jp_expect 0 build --no-cache "$repo"
listed >"$T/setA"
awk '/^Package: / { print $2 }' "$suite"/main/binary-*/Packages |
    LC_ALL=C sort -u >"$T/names"
mkdir "$T/aside"
mv "$repo"/fill/fill-0000[1-9]_* "$T/aside/"
jp_expect 0 build --no-cache "$repo"
listed >"$T/setB"
cmp -s "$T/setA" "$T/setB" && fail "states A and B list the same packages"
state=B
# toggle: switch between the states (a build then changes the package set).
toggle() {
	if [ $state = B ]; then
		mv "$T/aside"/*.deb "$repo/fill/"
		state=A
	else
		mv "$repo"/fill/fill-0000[1-9]_* "$T/aside/"
		state=B
	fi
}

# after_kill WHAT: dists/stable is complete, lists the old or the new
# package set, and apt reads it.
after_kill() {
	jp_assert_release "$suite" "$1"
	listed >"$T/now"
	cmp -s "$T/now" "$T/setA" || cmp -s "$T/now" "$T/setB" ||
	    fail "$1: the indexes list neither the old nor the new package set"
	apt_sees "$1"
}
jp_kill_builds "$repo" 12 1.1 toggle after_kill

# A normal build afterwards publishes the current state; no leftovers.
jp_expect 0 build "$repo"
jp_assert_release "$suite" "after the kills"
listed >"$T/now"
cmp -s "$T/now" "$T/set$state" ||
    fail "the build after the kills does not list the packages present (state $state)"
apt_sees "the build after the kills"
ls -A "$repo" | LC_ALL=C sort >"$T/top.after"
diff -u "$T/top.before" "$T/top.after" | grep '^+[^+]' |
    grep -v -e '^+dists$' -e '^+\.jprepo$' >"$T/left" &&
    fail "leftovers in the repository after interrupted builds: $(cat "$T/left")"
left=$(ls -A "$repo/dists" | grep -v '^stable$')
[ -z "$left" ] || fail "leftovers in dists/ after interrupted builds: $left"

# --- by-hash across a rebuild ---
cp "$suite/Release" "$T/Release.old"
other=$state
toggle
jp_expect 0 build "$repo"
cmp -s "$T/Release.old" "$suite/Release" && fail "the package set changed, Release did not"
for alg in SHA256 SHA512; do
	tool=$(echo "$alg" | tr 'A-Z' 'a-z')sum
	jp_release_sums "$T/Release.old" "$alg" >"$T/old.sums"
	[ -s "$T/old.sums" ] || fail "the old Release has no $alg section"
	while read -r h sz p; do
		f=$suite/$(dirname "$p")/by-hash/$alg/$h
		[ -f "$f" ] || fail "after a rebuild, $p of the previous Release ($alg $h) is not under by-hash"
		[ "$($tool <"$f" | cut -d' ' -f1)" = "$h" ] &&
		    [ "$(wc -c <"$f" | tr -d ' ')" = "$sz" ] ||
		    fail "after a rebuild, by-hash/$alg/$h does not hold $p of the previous Release"
	done <"$T/old.sums"
done
# An apt client holding the old Release: the new tree, the old Release.
old=$T/oldview
mkdir -p "$old/dists"
for top in "$repo"/*; do
	[ "${top##*/}" = dists ] || ln -s "$top" "$old/${top##*/}"
done
cp -R "$suite" "$old/dists/stable"
cp "$T/Release.old" "$old/dists/stable/Release"
jp_apt_root "$T/oldroot" "$old"
jp_apt "$T/oldroot" update
[ "$rc" = 0 ] && ! grep -Eq '^(E|W|Err):' "$T/apt.out" "$T/apt.err" ||
    fail "apt-get update with the previous Release over the new tree fails (by-hash):
$(cat "$T/apt.out" "$T/apt.err")"
c=$(apt_versions "$T/oldroot")
# the old Release lists the previous state's packages
w=$(grep -v '_i386\.deb$' "$T/set$other" | grep -c .)
[ "$c" = "$w" ] ||
    fail "apt with the previous Release sees $c packages, the previous generation had $w"

# Two generations, not more: after more rebuilds with changes, by-hash
# holds the files of the current and the previous Release only.
for k in 1 2 3; do
	sh "$JP_SRCDIR/tests/mkdebs.sh" -p "gen$k,1.0-1" "$repo/pool/gen" ||
	    fail "mkdebs.sh -p gen$k"
	jp_expect 0 build "$repo"
done
for d in "$suite"/main/binary-*/by-hash/SHA256; do
	c=$(ls "$d" | wc -l)
	[ "$c" -le 6 ] || fail "$d holds $c files after 5 builds: old generations pile up"
done

# --- the lock ---
lock=$repo/.jprepo/lock
[ -e "$lock" ] || fail "no $lock after a build"
(cd "$repo" && find dists -type f | LC_ALL=C sort | xargs sha256sum) >"$T/sums.before"
rm -f "$repo/pool/gen/gen3_1.0-1_all.deb"   # so that a build would change dists/
flock "$lock" sh -c "while [ ! -e '$T/release' ]; do sleep 0.05; done" &
holder=$!
jp_bg $holder
i=0
while flock -n "$lock" true; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "the lock holder did not take $lock"
	sleep 0.05
done
jp build "$repo"
[ "$rc" = 4 ] || fail "'$jp_cmd' while $lock is held: exit $rc, want 4; stderr:
$(cat "$T/err")"
jp_err_has '[Ll]ock' "the message should mention the lock"
jp build --wait 1 "$repo"
[ "$rc" = 4 ] || fail "'$jp_cmd' while $lock is held for longer: exit $rc, want 4; stderr:
$(cat "$T/err")"
(cd "$repo" && find dists -type f | LC_ALL=C sort | xargs sha256sum) >"$T/sums.after"
cmp -s "$T/sums.before" "$T/sums.after" || fail "a locked-out build changed dists/"
"$JPREPO" build --wait 60 "$repo" >"$T/out" 2>"$T/err" &
waiter=$!
jp_bg $waiter
sleep 1
kill -0 $waiter 2>/dev/null || { wait $waiter
	fail "'jprepo build --wait 60' ended (exit $?) while the lock was held; stderr:
$(cat "$T/err")"; }
touch "$T/release"
wait $holder
wait $waiter
rc=$?
[ "$rc" = 0 ] || fail "'jprepo build --wait 60' should succeed once the lock is free: exit $rc; stderr:
$(cat "$T/err")"
grep -q gen3 "$suite/main/binary-amd64/Packages" &&
    fail "the build after waiting did not publish the removal of gen3"
jp_assert_release "$suite" "after waiting for the lock"
exit 0
