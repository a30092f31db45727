#!/bin/sh
# t8000-faults: the fault-injection harness (tests/faults/run) in its
# bounded CI mode: builds (RPM-MD and APT), exports, imports and applies
# (dnf, one-by-one and bulk; root only) killed with SIGKILL by strace at
# points drawn from a seed, and after seeded delays; applies with dnf
# killed instead of jprepo; exports, imports and applies out of space on a
# small tmpfs (root only); then the extra faults (a held lock, a full
# tmpfs, unreadable files).  Fails on any corrupted outcome, misreported
# one (jprepo's exit status, message or journal not true to the state) or
# re-run that does not complete; each is printed with the seed that
# reproduces it (tests/faults/run --op OP --seed S -n 1).  FAULTS_SEED
# fixes the first seed (default: from the clock, printed).
# lib.sh would take the directory above this one for the source tree
: "${JP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
export JP_SRCDIR
. "$JP_SRCDIR/tests/lib.sh"
need_jprepo
need_cmd python3 strace rpm rpmbuild timeout
# LeakSanitizer cannot work under ptrace, and killed runs leak by design.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
TMPDIR=$T
export TMPDIR
# bounded: a hang (a run that never ends) fails the test, not the CI run
timeout --kill-after=10 1200 \
    python3 "$JP_SRCDIR/tests/faults/run" --ci ${FAULTS_SEED:+--seed "$FAULTS_SEED"}
rc=$?
case $rc in
0) exit 0 ;;
124|137) fail "the fault harness did not finish in 20 minutes (a hang; the last seed printed above reproduces it)" ;;
77) skip "the harness cannot run here (see above)" ;;
*) fail "the fault harness found corrupted or misreported outcomes or re-runs that did not complete (exit $rc); see above" ;;
esac
