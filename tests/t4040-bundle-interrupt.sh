#!/bin/sh
# t4040-bundle-interrupt: imports killed at many points, and full disks.
#
# A source store with repositories r1 and r2 is exported as b1 (full), then
# changed (r1 and r2 changed, r3 new) and exported as b2 (incremental),
# then changed again and exported as b3 (incremental on b2); small volumes,
# so that files are split.  Reference stores: s1 (b1 imported), s2 (then
# b2), s3 (then b3), each checked against the source as it was (diff).
#
# (a) An import of b2 into a copy of s1 is killed with SIGKILL: by strace
#     at the N-th call of renameat2, rename, write, fsync, syncfs, unlinkat,
#     ... (N spread over the calls a clean import makes, every rename), and
#     by timed kills.  Right after the kill each repository must be either
#     the old or the new tree, and a mix only while the COMMIT file says a
#     commit is in progress.  Then the next import, of b2 again or (when a
#     commit was in progress) of the later b3, must succeed and give s2 (or
#     s3), leave no staging behind, and b2 must then count as imported
#     (importing it again is a replay).  The next import of b2 itself must
#     succeed (exit 0) whenever the kill left a commit in progress: it is
#     that very bundle's import that gets completed.
# (b) A full disk: a store on a small tmpfs with no room left refuses b2
#     with a message about space and stays as it was; writes, opens and
#     syncs failing with ENOSPC (strace) make the import fail with the
#     reason (or what failed) and leave the store as it was (or, past the
#     commit point, to be completed by the next import); EIO opening a file
#     b2 keeps is named as such (not taken for a changed file); an export
#     whose writes fail (strace), or into a full OUTDIR (tmpfs: no room for
#     the volumes; room for all but MANIFEST), exits 3 with the reason and
#     leaves no MANIFEST.
# The tmpfs parts need root and are left out, with a note, without it.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
# LeakSanitizer cannot work under ptrace (strace), which this test uses;
# in the sanitizer build the other bundle tests check for leaks.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
need_jprepo
need_cmd strace openssl sha256sum diff
strace -f -o /dev/null -e inject=write:signal=SIGKILL:when=1000 true 2>"$T/strace.err" ||
    skip "strace cannot trace or inject here: $(cat "$T/strace.err")"

C=$T/certs
mkdir "$C" "$T/src" || fail mkdir
jp_cms_certs "$C"
TRUST="--trust $C/ca.pem"
SIGN="--sign-key $C/signer.key --sign-cert $C/signer.pem --volume-size 64K"

# same_tree SRC DST: DST holds exactly the files of SRC (.jprepo* aside).
same_tree() {
	diff -r -x '.jprepo*' "$1" "$2" >"$T/diff" 2>&1 ||
	    fail "$2 differs from $1${3:+ ($3)}:
$(cat "$T/diff")"
}

# repos_hash STORE: one hash over every repository of STORE (.jprepo aside).
repos_hash() {
	for rh_d in $(ls -A "$1" | LC_ALL=C sort); do
		[ "$rh_d" = .jprepo ] && continue
		echo "$rh_d $(jp_tree_hash "$1/$rh_d")"
	done | sha256sum | cut -d' ' -f1
}

# --- The bundles and the reference stores -----------------------------------
jp_copy_corpus "$T/src/r1"
mkdir "$T/src/r2"
cp -p "$T/src/r1/noarch/"*.rpm "$T/src/r2/" || fail "cp"
for r in r1 r2; do
	jp_expect 0 -q build "$T/src/$r"
done
jp_expect 0 -q export -o "$T/b1" $SIGN "$T/src/r1" "$T/src/r2"
cp -a "$T/src" "$T/src1"

rm -f "$T/src/r1/noarch/hello-1.0-1.noarch.rpm"
echo "notes 2" >"$T/src/r1/notes.txt"
echo "readme 2" >"$T/src/r2/README"
mkdir "$T/src/r3"
cp -p "$T/src/r1/x86_64/"*.rpm "$T/src/r3/" || fail "cp"
for r in r1 r3; do
	jp_expect 0 -q build "$T/src/$r"
done
jp_expect 0 -q export -o "$T/b2" $SIGN --since "$T/b1/MANIFEST" \
    "$T/src/r1" "$T/src/r2" "$T/src/r3"
cp -a "$T/src" "$T/src2"

rm -f "$T/src/r1/noarch/hello-1.1-1.noarch.rpm"
echo "readme 3" >"$T/src/r2/README"
jp_expect 0 -q build "$T/src/r1"
jp_expect 0 -q export -o "$T/b3" $SIGN --since "$T/b2/MANIFEST" \
    "$T/src/r1" "$T/src/r2" "$T/src/r3"
cp -a "$T/src" "$T/src3"

if command -v python3 >/dev/null 2>&1; then
	for b in b1 b2 b3; do
		python3 "$JP_SRCDIR/tests/bundle-craft.py" check --trust "$C/ca.pem" \
		    "$T/$b" >"$T/check.out" 2>&1 ||
		    fail "bundle $b does not follow the bundle design (bundle-craft.py check):
$(cat "$T/check.out")"
	done
fi
nvol=$(ls "$T/b1" | grep -c '^vol-')
[ "$nvol" -ge 2 ] || fail "b1 has $nvol volume(s) with --volume-size 64K; want several"

jp_expect 0 import $TRUST --store "$T/s1" "$T/b1"
same_tree "$T/src1/r1" "$T/s1/r1" "b1"
same_tree "$T/src1/r2" "$T/s1/r2" "b1"
cp -a "$T/s1" "$T/s2"
jp_expect 0 import $TRUST --store "$T/s2" "$T/b2"
for r in r1 r2 r3; do
	same_tree "$T/src2/$r" "$T/s2/$r" "b2"
done
cp -a "$T/s2" "$T/s3"
jp_expect 0 import $TRUST --store "$T/s3" "$T/b3"
for r in r1 r2 r3; do
	same_tree "$T/src3/$r" "$T/s3/$r" "b3"
done

H2=$(repos_hash "$T/s2")
H3=$(repos_hash "$T/s3")
for r in r1 r2 r3; do
	if [ -d "$T/s1/$r" ]; then
		eval "old_$r=$(jp_tree_hash "$T/s1/$r")"
	else
		eval "old_$r=absent"
	fi
	eval "new_$r=$(jp_tree_hash "$T/s2/$r")"
done

# fresh: the store to import into: a copy of s1.
fresh() {
	rm -rf "$T/store"
	cp -a "$T/s1" "$T/store" || fail "cannot copy the store"
}

# classify STORE: old (every repository as in s1), new (as in s2), mixed,
# or "bad R..." naming the repositories that are neither.
classify() {
	cl_old=0 cl_new=0 cl_bad=
	for cl_r in r1 r2 r3; do
		if [ -e "$1/$cl_r" ]; then
			cl_h=$(jp_tree_hash "$1/$cl_r")
		else
			cl_h=absent
		fi
		eval "cl_o=\$old_$cl_r cl_n=\$new_$cl_r"
		if [ "$cl_h" = "$cl_o" ]; then
			cl_old=$((cl_old + 1))
		elif [ "$cl_h" = "$cl_n" ]; then
			cl_new=$((cl_new + 1))
		else
			cl_bad="$cl_bad $cl_r"
		fi
	done
	for cl_r in $(ls -A "$1"); do
		case $cl_r in
		r1|r2|r3|.jprepo) ;;
		*) cl_bad="$cl_bad $cl_r(stray)" ;;
		esac
	done
	if [ -n "$cl_bad" ]; then
		echo "bad$cl_bad"
	elif [ $cl_new = 0 ]; then
		echo old
	elif [ $cl_old = 0 ]; then
		echo new
	else
		echo mixed
	fi
}

kills=0 missed=0 later=0 later_other=0 mixed_later=0 mixed_seen=0

# after_kill WHAT RC: checks after an import of b2 into a fresh copy of s1
# ended with status RC (killed, or failed by an injected error), then the
# next import and the replay check.
after_kill() {
	ak_what=$1 ak_rc=$2
	kills=$((kills + 1))
	ak_st=$(classify "$T/store")
	ak_commit=no
	[ -e "$T/store/.jprepo/import/COMMIT" ] && ak_commit=yes
	case $ak_rc:$ak_st:$ak_commit in
	0:new:*)
		missed=$((missed + 1)) ;;
	0:*)
		fail "$ak_what: the import exited 0 but the store is $ak_st" ;;
	*:bad*)
		fail "$ak_what: repositories neither as before nor as imported: ${ak_st#bad}" ;;
	*:mixed:no)
		fail "$ak_what: some repositories old, some new, and no COMMIT file" ;;
	*:mixed:yes)
		mixed_seen=$((mixed_seen + 1)) ;;
	esac
	# After a kill past COMMIT, every other next import is of b3: counted
	# apart for a mix (between the renames), so that both kinds get both.
	ak_b3=no
	if [ $ak_rc != 0 ] && [ $ak_commit = yes ]; then
		later=$((later + 1))
		if [ $ak_st = mixed ]; then
			[ $((mixed_seen % 2)) = 1 ] && ak_b3=yes
		else
			later_other=$((later_other + 1))
			[ $((later_other % 2)) = 1 ] && ak_b3=yes
		fi
	fi
	if [ $ak_b3 = yes ]; then
		# A later bundle: its import must first complete b2's commit
		# (b3's base is b2).
		jp import $TRUST --store "$T/store" "$T/b3"
		[ "$rc" = 0 ] ||
		    fail "$ak_what (store $ak_st, COMMIT present): then '$jp_cmd' (b3, whose base is b2) exited $rc:
$(cat "$T/err")"
		[ "$(repos_hash "$T/store")" = "$H3" ] ||
		    fail "$ak_what (store $ak_st, COMMIT present): then importing b3 gave another store than b1, b2, b3 uninterrupted: $(classify "$T/store")"
		[ $ak_st = mixed ] && mixed_later=$((mixed_later + 1))
	else
		jp import $TRUST --store "$T/store" "$T/b2"
		if [ "$rc" = 0 ]; then
			:
		elif [ "$rc" = 3 ] && [ $ak_st = new ] && [ $ak_commit = no ] &&
		    grep -Eiq 'replay|not newer' "$T/err"; then
			: # killed after b2 was recorded and its COMMIT removed
		else
			fail "$ak_what (store $ak_st, COMMIT $ak_commit): then '$jp_cmd' exited $rc:
$(cat "$T/err")"
		fi
		[ "$(repos_hash "$T/store")" = "$H2" ] ||
		    fail "$ak_what (store $ak_st, COMMIT $ak_commit): then importing b2 again gave another store than an uninterrupted import: $(classify "$T/store")"
	fi
	ak_left=$(ls -A "$T/store/.jprepo/import" 2>/dev/null)
	[ -z "$ak_left" ] ||
	    fail "$ak_what: the next import left staging behind: $ak_left"
	jp import $TRUST --store "$T/store" "$T/b2"
	[ "$rc" = 3 ] && grep -Eiq 'replay|not newer' "$T/err" ||
	    fail "$ak_what: after the next import, b2 is not recorded as imported: '$jp_cmd' exited $rc:
$(cat "$T/err")"
}

# --- (a) SIGKILL at the N-th call of a system call --------------------------
cands="renameat2 renameat rename write pwrite64 fsync fdatasync syncfs unlinkat unlink rmdir mkdirat mkdir linkat link openat ftruncate"
calls=
for s in $cands; do
	strace -o /dev/null -e trace=$s true 2>/dev/null && calls="$calls${calls:+,}$s"
done
fresh
strace -f -o "$T/trace" -e trace="$calls" "$JPREPO" -q import $TRUST \
    --store "$T/store" "$T/b2" 2>"$T/err"
[ $? = 0 ] || fail "import of b2 under strace failed: $(cat "$T/err")"
[ "$(repos_hash "$T/store")" = "$H2" ] || fail "import of b2 under strace: another result"
# call_counts TRACE: "SYSCALL COUNT FIRST" for each system call of the main
# process in the strace output TRACE (strace counts per process for when=),
# FIRST the number of its first call naming a path under $T (the calls
# before are the dynamic loader's), 1 when none does.
call_counts() {
	awk -v t="$T/" 'NR == 1 { main = $1 } $1 == main && $2 ~ /^[a-z0-9_]+\(/ {
		n = $2; sub(/\(.*/, "", n); c[n]++
		if (!(n in f) && index($0, t)) f[n] = c[n] }
	    END { for (n in c) print n, c[n], (n in f) ? f[n] : 1 }' "$1" |
	    LC_ALL=C sort
}
call_counts "$T/trace" >"$T/counts"
note "system calls of a clean import of b2 (count, first on our files): $(tr '\n' ' ' <"$T/counts")"
grep -Eq '^(renameat2|rename|renameat) ' "$T/counts" ||
    fail "a clean import of b2 made no rename: no commit by rename as the design says"

# points SYSCALL COUNT FIRST: the N at which to kill: every one of a few
# renames and syncs, else five spread over FIRST..COUNT.
points() {
	case $1 in
	rename*|fsync|fdatasync|syncfs)
		if [ "$2" -le 12 ]; then
			seq 1 "$2"
			return
		fi ;;
	esac
	awk -v c="$2" -v a="$3" 'BEGIN { n = split("0 0.25 0.5 0.75 1", f, " ")
	    for (i = 1; i <= n; i++) { p = a + int(f[i] * (c - a)); if (!(p in s)) { s[p]; print p } } }'
}

while read -r sc cnt first; do
	for n in $(points "$sc" "$cnt" "$first"); do
		fresh
		strace -f -o /dev/null -e inject="$sc":signal=SIGKILL:when="$n" \
		    "$JPREPO" -q import $TRUST --store "$T/store" "$T/b2" \
		    >/dev/null 2>"$T/kill.err"
		after_kill "import of b2 killed at $sc #$n of $cnt" $?
	done
done <"$T/counts"
[ $mixed_seen -ge 1 ] ||
    fail "no kill landed between the per-repository renames (3 repositories, every rename tried)"
[ $mixed_later -ge 1 ] ||
    fail "no commit interrupted between renames was completed by a later bundle"
note "strace kills: $kills, $missed did not hit, $later after COMMIT ($mixed_seen between renames, $mixed_later of those then completed by b3)"

# Timed kills.
fresh
t0=$(date +%s%N)
"$JPREPO" -q import $TRUST --store "$T/store" "$T/b2" >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 5 ] || ms=5
i=1
while [ $i -le 8 ]; do
	fresh
	d=$(awk -v s="$i$$" -v ms="$ms" 'BEGIN { srand(s); printf "%.3f", rand() * ms * 1.2 / 1000 }')
	"$JPREPO" -q import $TRUST --store "$T/store" "$T/b2" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null
	wait $pid
	after_kill "import of b2 killed after ${d}s of ~${ms}ms" $?
	i=$((i + 1))
done

# --- (b) Full disks -----------------------------------------------------------
# Failing writes, opens, syncs (strace): exit 3 naming the reason; the
# store as it was unless the commit point was passed.
for sc in write pwrite64 openat mkdir mkdirat link linkat fsync fdatasync; do
	cnt=$(awk -v s=$sc '$1 == s { print $2 }' "$T/counts")
	[ -n "$cnt" ] || continue
	first=$(awk -v s=$sc '$1 == s { print $3 }' "$T/counts")
	for n in $(awk -v c="$cnt" -v a="$first" 'BEGIN { print a
	    m = int((a + c) / 2); if (m > a) print m; if (c > m) print c }'); do
		fresh
		before=$(jp_tree_hash "$T/store")
		strace -f -o /dev/null -e inject="$sc":error=ENOSPC:when="$n" \
		    "$JPREPO" -q import $TRUST --store "$T/store" "$T/b2" \
		    >/dev/null 2>"$T/err"
		erc=$?
		what="import of b2 with $sc #$n of $cnt failing with ENOSPC"
		if [ $erc != 0 ]; then
			[ $erc = 3 ] || fail "$what: exit $erc, want 3: $(cat "$T/err")"
			# The reason, or at least what could not be written.
			grep -Eqi "space|full|cannot [a-z ]+'" "$T/err" ||
			    fail "$what: the message gives neither the reason (No space left on device) nor what failed: $(cat "$T/err")"
			if [ ! -e "$T/store/.jprepo/import/COMMIT" ]; then
				[ "$(jp_tree_hash "$T/store")" = "$before" ] ||
				    fail "$what: the store changed: $(classify "$T/store"); $(ls -A "$T/store/.jprepo")"
			fi
		fi
		after_kill "$what" $erc
	done
done

# An error opening a file that b2 keeps (it is in STORE/r1 and checked
# there) is named as that error, not taken for a changed file.
kn=$(awk -v p="\"$T/store/r1/" 'NR == 1 { main = $1 } $1 == main && $2 ~ /^openat\(/ {
	c++; if (index($0, p) && $0 !~ /\/\.jprepo/) { print c; exit } }' "$T/trace")
if [ -n "$kn" ]; then
	fresh
	strace -f -o /dev/null -e inject=openat:error=EIO:when="$kn" \
	    "$JPREPO" -q import $TRUST --store "$T/store" "$T/b2" >/dev/null 2>"$T/err"
	erc=$?
	[ $erc = 3 ] && grep -q 'Input/output error' "$T/err" ||
	    fail "import of b2 with EIO opening a kept file (openat #$kn): exit $erc, want 3 and the error named: $(cat "$T/err")"
	after_kill "import of b2 with EIO opening a kept file" $erc
else
	note "no kept file opened in STORE/r1 by a clean import of b2: that check is not run"
fi

# Exports whose writes fail with ENOSPC (strace): exit 3 and no MANIFEST,
# or, when the failed write did not matter, a bundle that verifies.
strace -f -o "$T/etrace" -e trace=write,pwrite64 "$JPREPO" -q export \
    -o "$T/ex0" $SIGN "$T/src/r1" "$T/src/r2" "$T/src/r3" 2>"$T/err" ||
    fail "export under strace failed: $(cat "$T/err")"
call_counts "$T/etrace" >"$T/ecounts"
note "writes of a clean export: $(tr '\n' ' ' <"$T/ecounts")"
while read -r sc cnt first; do
	for n in $(points "$sc" "$cnt" "$first"); do
		rm -rf "$T/ex"
		strace -f -o /dev/null -e inject="$sc":error=ENOSPC:when="$n" \
		    "$JPREPO" -q export -o "$T/ex" $SIGN "$T/src/r1" "$T/src/r2" \
		    "$T/src/r3" >/dev/null 2>"$T/err"
		erc=$?
		what="export with $sc #$n of $cnt failing with ENOSPC"
		if [ $erc = 0 ]; then
			jp bundle verify $TRUST "$T/ex"
			[ "$rc" = 0 ] ||
			    fail "$what: exit 0, but the bundle does not verify: $(cat "$T/err")"
			continue
		fi
		[ $erc = 3 ] || fail "$what: exit $erc, want 3: $(cat "$T/err")"
		grep -Eqi 'space|full' "$T/err" ||
		    fail "$what: the message does not give the reason: $(cat "$T/err")"
		[ ! -e "$T/ex/MANIFEST" ] ||
		    fail "$what: exit 3 but OUTDIR holds a MANIFEST: $(cat "$T/err")"
	done
done <"$T/ecounts"

# A store on a full tmpfs: refused for want of space, unchanged.
mnt=$T/small
mkdir "$mnt"
if [ "$(id -u)" != 0 ]; then
	note "not root: the tmpfs parts are not run (strace's ENOSPC above covers imports)"
elif ! mount -t tmpfs -o size=32m,mode=0755 jprepo-test "$mnt" 2>"$T/mount.err"; then
	note "cannot mount a tmpfs here ($(cat "$T/mount.err")): the full-disk parts are not run"
else
	# (keeps the exit status for jp_cleanup: a failure must stay one)
	jp_umount() { jp_um_rc=$?; umount "$mnt" 2>/dev/null; return $jp_um_rc; }
	trap 'jp_umount; jp_cleanup' EXIT
	cp -a "$T/s1" "$mnt/store" || fail "cannot copy s1 to the tmpfs"
	dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
	truncate -s -8k "$mnt/filler" 2>/dev/null
	before=$(jp_tree_hash "$mnt/store")
	jp import $TRUST --store "$mnt/store" "$T/b2"
	[ "$rc" = 3 ] || fail "import into a full file system: exit $rc, want 3: $(cat "$T/err")"
	jp_err_has '[Ss]pace' "import into a full file system"
	note "import into a full file system: $(cat "$T/err")"
	[ "$(jp_tree_hash "$mnt/store")" = "$before" ] ||
	    fail "a refused import on a full file system changed the store: $(ls -A "$mnt/store/.jprepo")"
	rm -f "$mnt/filler"
	jp_expect 0 import $TRUST --store "$mnt/store" "$T/b2"
	[ "$(repos_hash "$mnt/store")" = "$H2" ] ||
	    fail "import on the tmpfs with room again: another result than s2"
	rm -rf "$mnt/store"
	umount "$mnt" || fail "cannot unmount $mnt"

	# Export into a full OUTDIR: no room for the volumes.
	mount -t tmpfs -o size=128k,mode=0755 jprepo-test "$mnt" || fail "cannot mount a tmpfs again"
	jp export -o "$mnt/out" $SIGN "$T/src/r1" "$T/src/r2" "$T/src/r3"
	[ "$rc" = 3 ] || fail "export into a full OUTDIR: exit $rc, want 3: $(cat "$T/err")"
	jp_err_has '[Ss]pace|cannot write' "export into a full OUTDIR"
	note "export into a full OUTDIR: $(cat "$T/err")"
	[ ! -e "$mnt/out/MANIFEST" ] || fail "a failed export left a MANIFEST"
	umount "$mnt" || fail "cannot unmount $mnt"

	# Export into an OUTDIR with room for the volumes and MANIFEST.sig but
	# not for MANIFEST (tmpfs counts whole pages).
	jp_expect 0 -q export -o "$T/sized" $SIGN "$T/src/r1" "$T/src/r2" "$T/src/r3"
	pages=$(for v in "$T/sized"/vol-*.tar; do wc -c <"$v"; done |
	    awk '{ p += int(($1 + 4095) / 4096) } END { print p + 1 }')
	mount -t tmpfs -o size=$((pages * 4))k,mode=0755 jprepo-test "$mnt" ||
	    fail "cannot mount a tmpfs again"
	jp export -o "$mnt/out" $SIGN "$T/src/r1" "$T/src/r2" "$T/src/r3"
	[ "$rc" = 3 ] || fail "export with no room for MANIFEST: exit $rc, want 3: $(cat "$T/err")"
	jp_err_has '[Ss]pace|cannot write' "export with no room for MANIFEST"
	note "export with no room for MANIFEST: $(cat "$T/err")"
	[ ! -e "$mnt/out/MANIFEST" ] || fail "an export that ran out of space left a MANIFEST"
	umount "$mnt" || fail "cannot unmount $mnt"
	trap jp_cleanup EXIT
fi
exit 0
