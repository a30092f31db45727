#!/bin/sh
# jprepo apply with real dnf: signed repositories and refusals.
#  9. a repository signed with `jprepo sign` (a throwaway key): apply with
#     --keyring KEY works; without --keyring it is refused (2); with another
#     key dnf refuses the signature: exit 3, nothing installed.
# 10. usage errors (2): no --repo, a bad --mode, a bad --pm; no root (3);
#     a repository of the wrong format (APT for an rpm image, 3); an image
#     another apply holds (its lock taken with flock(1): 4); a relative
#     --root works.  Every refusal leaves the image as it was.
# 11. a journal that cannot be written after the transaction began (here a
#     trigger that fails every package row, as a full disk would): the
#     updates go in, the first failure and a last "incomplete" error are
#     printed even with -q, exit 3.
# 12. an update left half done by a killed rpm (c at 1-1 and 2-1 at once,
#     made here with rpm -i beside the old one): the next apply erases the
#     older version with dnf's remove --duplicates, journals it, and does
#     the other updates; exit 0, rpm -Va clean.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_root "dnf installs into scratch roots"
need_cmd dnf rpm rpmbuild python3 sha256sum gpg flock dpkg-deb sqlite3
need_jprepo

repo=$T/repo
jp_apply_repo "$repo"
rm -f "$repo/b-2-1.noarch.rpm"
jp_mkrpm "$repo" b 2 1
jp_expect 0 build "$repo"
root0=$T/root0
jp_apply_root "$root0" "$repo" web01
v2="a-2-1.noarch b-2-1.noarch c-2-1.noarch d-1-1.noarch"
sum0=$(jp_rpmdb_sum "$root0")
ids0=$(jp_dnf_ids "$root0")

# refused ROOT WHAT: fail unless ROOT is as root0 was: its rpm database,
# dnf's history, no journal transaction.
refused() {
	[ "$(jp_rpmdb_sum "$1")" = "$sum0" ] ||
	    fail "$2: the rpm database of $1 changed ($(jp_rpms "$1"))"
	[ "$(jp_dnf_ids "$1")" = "$ids0" ] ||
	    fail "$2: dnf ran: its history is '$(jp_dnf_ids "$1")', was '$ids0'"
	if [ -e "$1/var/lib/jprepo/journal.sqlite" ]; then
		[ "$(jp_ntx "$1")" = 0 ] ||
		    fail "$2: the journal has a transaction: $(cat "$T/.ntx.json")"
	fi
}

# --- 9. a signed repository ---------------------------------------------------------
srepo=$T/srepo
cp -a "$repo" "$srepo"
jp_test_key "$T/gpg1" "jprepo test 1 <t1@example.com>"
fpr1=$jp_fpr
jp_test_key "$T/gpg2" "jprepo test 2 <t2@example.com>"
jp_expect 0 sign --key "$fpr1" --homedir "$T/gpg1" "$srepo"
gpg --homedir "$T/gpg1" --armor --export "$fpr1" >"$T/key1.asc" 2>"$T/gpg.err" ||
    fail "cannot export key 1"
gpg --homedir "$T/gpg2" --armor --export >"$T/key2.asc" 2>"$T/gpg.err" ||
    fail "cannot export key 2"
r=$T/r9
cp -a "$root0" "$r"
jp_expect 2 apply --repo "$srepo" --root "$r"
jp_err_has "signed" "a signed repository without --keyring"
jp_err_has "--keyring" "a signed repository without --keyring"
refused "$r" "a signed repository without --keyring"
jp_expect 3 apply --repo "$srepo" --root "$r" --keyring "$T/key2.asc"
jp_err_has "(GPG|signature)" "a repository signed by another key"
refused "$r" "a repository signed by another key"
jp_expect 0 apply --repo "$srepo" --root "$r" --keyring "$T/key1.asc"
jp_assert_rpms "$r" "$v2" "apply from the signed repository"
# the check was dnf's: every dnf run had the repository signature on,
# with the key given
jp_expect 0 history --root "$r" --json 1
cp "$T/out" "$T/h9.json"
jp_json "$T/h9.json" "the dnf runs of the signed apply" '
import os
runs = d["transactions"][0]["runs"]
assert runs, d
for r in runs:
    assert "repo_gpgcheck=1" in r["command"], r["command"]
    assert "gpgkey=file://" + os.path.realpath(sys.argv[2]) in r["command"], r["command"]
' "$T/key1.asc"

# --- 10. errors -----------------------------------------------------------------------
r=$T/r10
cp -a "$root0" "$r"
jp_expect 2 apply --root "$r"
jp_err_has "repo" "no --repo"
jp_expect 2 apply --repo "$repo" --root "$r" --mode sometimes
jp_err_has "sometimes" "a bad --mode"
jp_expect 2 apply --repo "$repo" --root "$r" --pm pacman
jp_err_has "pacman" "a bad --pm"
jp_expect 2 apply --repo "$repo" --root "$r" --dry-run --download-only
refused "$r" "usage errors"
jp_expect 3 apply --repo "$repo" --root "$T/nowhere"
jp_err_has "$T/nowhere" "a root that is not there"
[ -e "$T/nowhere" ] && fail "apply created the missing root"
jp_expect 3 apply --repo "$T/nowhere" --root "$r"
jp_err_has "$T/nowhere" "a repository that is not there"
refused "$r" "a repository that is not there"

# an APT repository for an rpm image
mkdir -p "$T/deb/e/DEBIAN" "$T/aptrepo/pool"
printf 'Package: e\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.com>\nDescription: e for %s\n' \
    "$jp_test" >"$T/deb/e/DEBIAN/control"
dpkg-deb --build "$T/deb/e" "$T/aptrepo/pool/e_1.0_all.deb" >/dev/null 2>&1 ||
    fail "dpkg-deb --build failed"
jp_expect 0 build "$T/aptrepo"
[ -d "$T/aptrepo/dists" ] || fail "jprepo build made no APT repository"
jp_expect 3 apply --repo "$T/aptrepo" --root "$r"
jp_err_has "APT" "an APT repository for an rpm image"
refused "$r" "an APT repository for an rpm image"

# the image's lock held by another process (the subshell becomes the sleep,
# so that killing it lets the lock go)
mkdir -p "$r/var/lib/jprepo"
(
	exec 9>"$r/var/lib/jprepo/apply.lock"
	flock 9 || exit 1
	: >"$T/locked"
	exec sleep 60
) &
holder=$!
jp_bg $holder
i=0
while [ ! -e "$T/locked" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "flock did not take the lock"
	sleep 0.1
done
jp_expect 4 apply --repo "$repo" --root "$r"
jp_err_has "apply.lock" "the lock held"
jp_expect 4 rollback --root "$r" 1
refused "$r" "the lock held"
kill $holder 2>/dev/null
wait $holder 2>/dev/null

# a relative root is the same image
r=$T/r10rel
cp -a "$root0" "$r"
(cd "$T" && "$JPREPO" apply --repo repo --root r10rel >"$T/out" 2>"$T/err")
rc=$?
[ "$rc" = 0 ] || fail "apply --root r10rel (relative): exit $rc: $(cat "$T/err")"
jp_assert_rpms "$r" "$v2" "apply with a relative --root"

# --- 11. journal writes that fail -------------------------------------------------------
r=$T/r11
cp -a "$root0" "$r"
# a journal in the documented schema whose package rows cannot be written
j=$r/var/lib/jprepo/journal.sqlite
mkdir -p "$r/var/lib/jprepo"
{ jp_journal_schema; echo "CREATE TRIGGER full BEFORE INSERT ON packages
    BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END;"; } |
    sqlite3 "$j" || fail "cannot write the journal"
jp_expect 3 -q apply --repo "$repo" --root "$r"
jp_assert_rpms "$r" "$v2" "apply whose journal writes fail"
jp_err_has "database or disk is full \(test\)" "the first failure, under -q"
jp_err_has "error: the journal of .* is incomplete: [0-9]+ writes failed" \
    "the last error"
[ "$(grep -c 'disk is full (test)' "$T/err")" = 2 ] ||
    fail "the failure should be printed once plus in the last error: $(cat "$T/err")"
grep -q '^ok ' "$T/out" || fail "the updates' results are not printed: $(cat "$T/out")"

# --- 12. two versions of one package ------------------------------------------------------
r=$T/r12
cp -a "$root0" "$r"
rpm --root "$r" -i --nodeps --replacefiles "$repo/c-2-1.noarch.rpm" \
    >"$T/rpm.out" 2>&1 || fail "rpm -i c-2-1 beside c-1-1: $(cat "$T/rpm.out")"
jp_assert_rpms "$r" "a-1-1.noarch b-1-1.noarch c-1-1.noarch c-2-1.noarch" \
    "the half-done update made by hand"
jp_expect 0 apply --repo "$repo" --root "$r"
jp_assert_rpms "$r" "$v2" "apply after a half-done update"
rpm --root "$r" -Va >"$T/va.out" 2>&1 || fail "rpm -Va: $(cat "$T/va.out")"
grep -q '^ok  *c\.noarch 1-1 -> (removed): left beside the newer version' "$T/out" ||
    fail "the removed older version is not printed: $(cat "$T/out")"
jp_err_has "c\.noarch is installed at 1-1 beside 2-1" "the warning"
jp_expect 0 history --root "$r" --json 1
cp "$T/out" "$T/h12.json"
jp_json "$T/h12.json" "the journal of the repair" '
pk = d["transactions"][0]["packages"]
rows = [(p["name"], p["from"], p["to"], p["result"]) for p in pk]
assert ("c", "1-1", None, "ok") in rows, rows
assert ("a", "1-1", "2-1", "ok") in rows, rows
assert ("b", "1-1", "2-1", "ok") in rows, rows
assert d["transactions"][0]["status"] == "ok", d
'
# nothing left to do, and no second repair
jp_expect 0 apply --repo "$repo" --root "$r"
jp_err_has "nothing to do" "a second apply"
exit 0
