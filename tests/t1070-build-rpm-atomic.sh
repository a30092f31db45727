#!/bin/sh
# A build killed at any moment leaves either the old repodata/ or a new
# complete one, always valid for dnf, and the next build works.  Another
# holder of REPO/.jprepo/lock makes a build exit 4 (or wait with --wait).
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd xmllint sha256sum dnf flock awk
need_jprepo

repo=$T/repo
jp_copy_corpus "$repo" -n 400
ls -A "$repo" | LC_ALL=C sort >"$T/top.before"

# State A: every package; state B: without fill/ packages 1 to 9.
jp_expect 0 build --no-cache "$repo"
jp_md_pkgids "$repo" >"$T/setA"
mkdir "$T/aside"
mv "$repo"/fill/fill-0000[1-9]-* "$T/aside/"
jp_expect 0 build --no-cache "$repo"
jp_md_pkgids "$repo" >"$T/setB"
cmp -s "$T/setA" "$T/setB" && fail "states A and B list the same packages"
state=B

# toggle: switch between the states (a build then changes the package set).
toggle() {
	if [ $state = B ]; then
		mv "$T/aside"/*.rpm "$repo/fill/"
		state=A
	else
		mv "$repo"/fill/fill-0000[1-9]-* "$T/aside/"
		state=B
	fi
}
# after_kill WHAT: repodata/ is valid, lists the old or the new package
# set, and dnf reads it.
after_kill() {
	jp_assert_repomd "$repo" "$1"
	jp_md_pkgids "$repo" >"$T/now"
	cmp -s "$T/now" "$T/setA" || cmp -s "$T/now" "$T/setB" ||
	    fail "$1: the metadata lists neither the old nor the new package set"
	jp_dnf "$repo" repoquery --qf '%{name}-%{evr}.%{arch}'
	[ "$rc" = 0 ] || fail "$1: dnf cannot read the repository: $(cat "$T/dnf.err")"
	[ "$(wc -l <"$T/dnf.out")" = "$(wc -l <"$T/now")" ] ||
	    fail "$1: dnf sees $(wc -l <"$T/dnf.out") packages, primary lists $(wc -l <"$T/now")"
}
jp_kill_builds "$repo" 12 0.9 toggle after_kill

# A normal build afterwards succeeds, publishes the current state, and no
# half-written leftovers stay in the repository.
jp_expect 0 build "$repo"
jp_assert_repomd "$repo" "after the kills"
jp_md_pkgids "$repo" >"$T/now"
cmp -s "$T/now" "$T/set$state" ||
    fail "the build after the kills does not list the packages present (state $state)"
ls -A "$repo" | LC_ALL=C sort >"$T/top.after"
diff -u "$T/top.before" "$T/top.after" | grep '^+[^+]' | grep -v -e '^+repodata$' -e '^+\.jprepo$' >"$T/left" &&
    fail "leftovers in the repository after interrupted builds: $(cat "$T/left")"
extra=$(jp_repodata_unlisted "$repo")
[ -z "$extra" ] || fail "repodata/ holds files repomd.xml does not list: $extra"

# The lock: held by another process, a build exits 4 and changes nothing.
lock=$repo/.jprepo/lock
[ -e "$lock" ] || fail "no $lock after a build"
jp_repodata_sums "$repo" >"$T/sums.before"
# The holder keeps the lock until $T/release exists.
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
jp_repodata_sums "$repo" >"$T/sums.after"
cmp -s "$T/sums.before" "$T/sums.after" || fail "a locked-out build changed repodata/"
# --wait: still waiting while the lock is held, done once it is released.
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
jp_assert_repomd "$repo" "after waiting for the lock"
exit 0
