#!/bin/sh
# t6020-apply-zypper: jprepo apply, history and rollback with the real
# zypper in scratch roots.  rpm --root is the oracle of what is installed,
# `zypper --root -x repos` of the repositories left behind, sha256sum of
# the rpm database's files for "nothing changed".
#
# The repository: hello 1.0/2.0/3.0; app 1.0 (needs libdep) and app 2.0
# (needs libdep and newdep, a package new to the hosts); failpkg 1.0 and
# failpkg 2.0, whose pre-install lua script fails (a scratch root has no
# /bin/sh; rpm runs lua itself).  The hosts start with hello 1.0, app 1.0,
# libdep 1.0 and failpkg 1.0, installed by zypper.
#
# Shown: one by one, the updates go in but failpkg, reported failed (exit
# 1), newdep comes new; a rollback brings back exactly the start (newdep
# removed) and history shows both transactions; bulk with failpkg's
# update fails and changes nothing, and says so (exit 1); --dry-run leaves
# the rpm database's files byte for byte; --download-only installs nothing
# and a later apply installs from the cache with the repository's package
# files gone; a rollback whose old version is no longer in the repository
# fails before changing anything and names it; a signed repository works
# with its key and is refused with another one (in zypper's words), and
# no key or repository is left in the root, nor the repository of a killed
# run.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd zypper rpm rpmbuild gpg sha256sum python3
need_root "zypper --root"
need_jprepo

repo=$T/repo
jp_mkrpm "$repo" hello 1.0 1
jp_mkrpm "$repo" hello 2.0 1
jp_mkrpm "$repo" hello 3.0 1
jp_mkrpm "$repo" libdep 1.0 1
jp_mkrpm "$repo" newdep 1.0 1
jp_mkrpm "$repo" app 1.0 1 'Requires: libdep'
jp_mkrpm "$repo" app 2.0 1 'Requires: libdep' 'Requires: newdep'
jp_mkrpm "$repo" failpkg 1.0 1
# a scriptlet section before %description is still a section of its own
jp_mkrpm "$repo" failpkg 2.0 1 '%pre -p <lua>' 'error("preinstall refuses")'
rpm -qp --scripts "$repo/failpkg-2.0-1.noarch.rpm" | grep -q 'preinstall refuses' ||
    fail "failpkg 2.0 has no failing pre-install script"
jp_expect 0 build "$repo"

# zyp ROOT ARGS...: zypper in ROOT, or fail.
zyp() {
	jp_zr=$1
	shift
	zypper -n --root "$jp_zr" "$@" >"$T/zypper.log" 2>&1 ||
	    fail "'zypper $*' in $jp_zr failed:
$(cat "$T/zypper.log")"
}

# start ROOT: a new root with the starting packages, installed by zypper
# from a repository that is then removed again.
start() {
	rm -rf "$1"
	mkdir -p "$1"
	zyp "$1" addrepo -G "file://$repo" start
	zyp "$1" refresh
	zyp "$1" install 'hello=1.0-1' 'app=1.0-1' 'failpkg=1.0-1'
	zyp "$1" removerepo start
	expect "$1" "$start_set" "the starting packages"
}
start_set="app-0:1.0-1.noarch
failpkg-0:1.0-1.noarch
hello-0:1.0-1.noarch
libdep-0:1.0-1.noarch"

# installed ROOT: what rpm says is installed (keys left out), sorted.
installed() {
	rpm --root "$1" -qa --qf '%{name}-%{epochnum}:%{version}-%{release}.%{arch}\n' |
	    grep -v '^gpg-pubkey-' | LC_ALL=C sort
}

# expect ROOT LINES WHAT: the installed set is LINES.
expect() {
	printf '%s\n' "$2" >"$T/want"
	installed "$1" >"$T/got"
	diff -u "$T/want" "$T/got" >"$T/diff" ||
	    fail "$3: installed packages differ (- expected, + rpm --root says):
$(cat "$T/diff")
jprepo said:
$(cat "$T/err" 2>/dev/null)"
}

# clean ROOT WHAT: no repository and no key left in ROOT.
clean() {
	jp_rl=$(zypper -n --root "$1" -x repos 2>/dev/null |
	    sed -n 's/.*<repo alias="\([^"]*\)".*/\1/p')
	[ -z "$jp_rl" ] || fail "$2: repositories left in $1: $jp_rl"
	jp_kl=$(rpm --root "$1" -qa 'gpg-pubkey*')
	[ -z "$jp_kl" ] || fail "$2: keys left in $1: $jp_kl"
}

# dbsum ROOT: sha256sum of every file of ROOT's rpm database.
dbsum() {
	jp_db=$1$(rpm --root "$1" --eval '%_dbpath')
	[ -d "$jp_db" ] || fail "no rpm database at $jp_db"
	(cd "$jp_db" && find . -type f | LC_ALL=C sort | xargs sha256sum)
}

# txfield JSONFILE INDEX EXPR: a Python expression over transaction
# INDEX (t) of `history --json`, printed.
txfield() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
t = d["transactions"][int(sys.argv[2])]
print(eval(sys.argv[3]))' "$1" "$2" "$3" || fail "cannot read $1: $(cat "$1")"
}

# pkgresult JSONFILE INDEX NAME: "from to result" of NAME in transaction
# INDEX.
pkgresult() {
	txfield "$1" "$2" "' '.join(str(p[k]) for p in t['packages'] if p['name'] == '$3' for k in ('from', 'to', 'result'))"
}

# --- one by one, then rollback -------------------------------------------------
r1=$T/r1
start "$r1"
jp_expect 1 apply --repo "$repo" --root "$r1" --pm zypper
expect "$r1" "app-0:2.0-1.noarch
failpkg-0:1.0-1.noarch
hello-0:3.0-1.noarch
libdep-0:1.0-1.noarch
newdep-0:1.0-1.noarch" "one by one with a failing update"
jp_err_has 'failpkg' "the failure is named"
clean "$r1" "after apply"
jp_expect 0 history --root "$r1" --json
cp "$T/out" "$T/h1.json"
[ "$(txfield "$T/h1.json" -1 'len(d["transactions"])')" = 1 ] ||
    fail "history should hold 1 transaction: $(cat "$T/h1.json")"
[ "$(txfield "$T/h1.json" 0 't["pm"] + " " + t["mode"]')" = "zypper one-by-one" ] ||
    fail "history: pm and mode: $(cat "$T/h1.json")"
[ "$(pkgresult "$T/h1.json" 0 hello)" = "1.0-1 3.0-1 ok" ] ||
    fail "history: hello should be '1.0-1 3.0-1 ok': $(pkgresult "$T/h1.json" 0 hello)"
[ "$(pkgresult "$T/h1.json" 0 app)" = "1.0-1 2.0-1 ok" ] ||
    fail "history: app should be '1.0-1 2.0-1 ok': $(pkgresult "$T/h1.json" 0 app)"
[ "$(pkgresult "$T/h1.json" 0 newdep)" = "None 1.0-1 ok" ] ||
    fail "history: newdep should be new ('None 1.0-1 ok'): $(pkgresult "$T/h1.json" 0 newdep)"
# shellcheck disable=SC2046 # split into from, to, result
set -- $(pkgresult "$T/h1.json" 0 failpkg)
[ "${1:-}" = 1.0-1 ] && [ "${3:-ok}" != ok ] ||
    fail "history: failpkg should be failed from 1.0-1: $*"
tx1=$(txfield "$T/h1.json" 0 't["id"]')

jp_expect 0 rollback --root "$r1" "$tx1"
expect "$r1" "$start_set" "after rollback of transaction $tx1"
clean "$r1" "after rollback"
jp_expect 0 history --root "$r1" --json
cp "$T/out" "$T/h2.json"
[ "$(txfield "$T/h2.json" -1 'len(d["transactions"])')" = 2 ] ||
    fail "history should hold 2 transactions: $(cat "$T/h2.json")"
[ "$(txfield "$T/h2.json" 1 't["status"]')" = ok ] ||
    fail "history: the rollback should be ok: $(cat "$T/h2.json")"
[ "$(pkgresult "$T/h2.json" 1 hello)" = "3.0-1 1.0-1 ok" ] ||
    fail "history: rollback of hello should be '3.0-1 1.0-1 ok': $(pkgresult "$T/h2.json" 1 hello)"
[ "$(pkgresult "$T/h2.json" 1 newdep)" = "1.0-1 None ok" ] ||
    fail "history: rollback should remove newdep ('1.0-1 None ok'): $(pkgresult "$T/h2.json" 1 newdep)"

# --- bulk: the failing update fails the whole transaction ----------------------------
# In repo3 failpkg 2.0 needs hello 3.0, so rpm installs hello 3.0 (and app
# 2.0 with newdep, maybe) before failpkg's script fails: what went in must
# be taken back (zypper has no transaction of its own to undo).
repo3=$T/repo3
mkdir -p "$repo3"
cp -p "$repo"/*.rpm "$repo3/"
rm "$repo3/failpkg-2.0-1.noarch.rpm"
jp_mkrpm "$repo3" failpkg 2.0 1 'Requires: hello >= 3.0' '%pre -p <lua>' \
    'error("preinstall refuses")'
jp_expect 0 build "$repo3"
r2=$T/r2
start "$r2"
jp_expect 1 apply --mode bulk --repo "$repo3" --root "$r2" --pm zypper
expect "$r2" "$start_set" "bulk with a failing update"
jp_err_has 'fail' "the run says it failed"
clean "$r2" "after bulk"
jp_expect 0 history --root "$r2" --json
[ "$(txfield "$T/out" 0 't["mode"]')" = bulk ] || fail "history: mode bulk: $(cat "$T/out")"
[ "$(txfield "$T/out" 0 't["status"]')" != ok ] ||
    fail "history: a failed bulk transaction is not ok: $(cat "$T/out")"

# --- dry run: the rpm database is not touched ------------------------------------------
r3=$T/r3
start "$r3"
dbsum "$r3" >"$T/db.before"
# (a relative root, too)
(cd "$T" && "$JPREPO" apply --dry-run --repo "$repo" --root r3 --pm zypper) \
    >"$T/out" 2>"$T/err" ||
    fail "apply --dry-run --root r3 (relative) failed: $(cat "$T/err")"
dbsum "$r3" >"$T/db.after"
diff -u "$T/db.before" "$T/db.after" >"$T/diff" ||
    fail "--dry-run changed the rpm database: $(cat "$T/diff")"
expect "$r3" "$start_set" "after --dry-run"
clean "$r3" "after --dry-run"

# --- download only, then apply with the package files gone ---------------------------
# (a repository without failpkg's update, so that the apply goes through)
repo2=$T/repo2
mkdir -p "$repo2"
cp -p "$repo"/*.rpm "$repo2/"
rm "$repo2/failpkg-2.0-1.noarch.rpm"
jp_expect 0 build "$repo2"
r4=$T/r4
start "$r4"
jp_expect 0 apply --download-only --repo "$repo2" --root "$r4" --pm zypper
expect "$r4" "$start_set" "after --download-only"
clean "$r4" "after --download-only"
mkdir "$T/away"
mv "$repo2"/*.rpm "$T/away/"
jp_expect 0 apply --repo "$repo2" --root "$r4" --pm zypper
expect "$r4" "app-0:2.0-1.noarch
failpkg-0:1.0-1.noarch
hello-0:3.0-1.noarch
libdep-0:1.0-1.noarch
newdep-0:1.0-1.noarch" "apply from the downloaded packages"
mv "$T/away"/*.rpm "$repo2/"

# --- rollback whose old version left the repository --------------------------------------
jp_expect 0 history --root "$r4" --json
tx=$(txfield "$T/out" -1 't["id"]')
mkdir "$T/gone"
mv "$repo2/hello-1.0-1.noarch.rpm" "$T/gone/"
jp_expect 0 build "$repo2"
dbsum "$r4" >"$T/db.before"
jp_expect 3 rollback --root "$r4" --repo "$repo2" "$tx"
jp_err_has 'hello' "the missing version's package is named"
jp_err_has '1\.0-1' "the missing version is named"
dbsum "$r4" >"$T/db.after"
diff -u "$T/db.before" "$T/db.after" >"$T/diff" ||
    fail "a refused rollback changed the rpm database: $(cat "$T/diff")"
clean "$r4" "after the refused rollback"

# --- a signed repository ---------------------------------------------------------
H=$T/gnupg
jp_test_key "$H" 'jprepo zypper test <z@example.com>'
fpr=$jp_fpr
gpg --homedir "$H" --armor --export "$fpr" >"$T/key.asc"
jp_test_key "$T/gnupg2" 'someone else <x@example.com>'
gpg --homedir "$T/gnupg2" --export "$jp_fpr" >"$T/wrong.gpg"
srepo=$T/srepo
mkdir -p "$srepo"
cp -p "$repo2"/*.rpm "$srepo/"
jp_expect 0 build "$srepo"
jp_expect 0 sign --key "$fpr" --homedir "$H" "$srepo"
r5=$T/r5
start "$r5"
# a repository left by a killed apply (its process is gone) goes too
dead=$(sh -c 'echo $$')
zyp "$r5" addrepo -G "file://$repo" "jprepo-$dead"
jp_expect 3 apply --repo "$srepo" --root "$r5" --pm zypper --keyring "$T/wrong.gpg"
jp_err_has "Signature verification failed" "zypper's own words on the wrong key"
jp_err_has "jprepo-$dead" "the stale repository is named"
expect "$r5" "$start_set" "a wrong key"
clean "$r5" "after a wrong key"
jp_expect 0 apply --repo "$srepo" --root "$r5" --pm zypper --keyring "$T/key.asc"
expect "$r5" "app-0:2.0-1.noarch
failpkg-0:1.0-1.noarch
hello-0:3.0-1.noarch
libdep-0:1.0-1.noarch
newdep-0:1.0-1.noarch" "the signed repository with its key"
clean "$r5" "after the signed repository"
exit 0
