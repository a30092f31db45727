#!/bin/sh
# t3110-sign-key-commands: `jprepo key generate` makes a signing key,
# `jprepo key export` writes it in the forms the clients take, and
# `jprepo sign` signs RPM-MD and APT metadata that gpgv accepts with that
# key alone.  Bad input (unknown key, missing GnuPG home, a locked
# repository) fails with a clear message and leaves the previous
# signature files as they were.  A temporary GnuPG home (and its
# gpg-agent) that a killed jprepo left in TMPDIR is removed by the next
# sign; homes of live or recent runs, or without a pid file, are not.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_cmd gpg gpgv gpgconf gpg-agent pgrep sha256sum dpkg-deb

H=$T/gnupg
jp_gpg_homes=$H   # made by jprepo key generate; its agent stopped at the end

# key generate: a fingerprint on stdout, a key gpg lists as able to sign.
jp_expect 0 key generate --homedir "$H" --algo ed25519 --uid "Repo Key <repo@example.com>"
fpr=$(tr -d ' \n' <"$T/out")
echo "$fpr" | grep -Eq '^[0-9A-F]{40}$' || fail "key generate printed '$fpr', not a fingerprint"
gpg --homedir "$H" --with-colons --list-secret-keys "$fpr" 2>/dev/null |
    awk -F: '$1 == "sec" { print $12 }' | grep -q S || fail "the new key cannot sign"
[ "$(stat -c %a "$H")" = 700 ] || fail "GnuPG home mode is $(stat -c %a "$H"), not 700"

# key export: BASE.asc armored, BASE.gpg binary, both that key.
jp_expect 0 key export --homedir "$H" --key "$fpr" -o "$T/repo-key"
head -n 1 "$T/repo-key.asc" | grep -q "BEGIN PGP PUBLIC KEY BLOCK" || fail "repo-key.asc is not armored"
for f in "$T/repo-key.asc" "$T/repo-key.gpg"; do
	gpg --show-keys --with-colons "$f" 2>/dev/null | grep -q "^fpr:::::::::$fpr:" ||
	    fail "'$f' does not hold the key $fpr"
done

# sign an RPM-MD repository: gpgv accepts it with the exported key alone.
repo=$T/rpm
jp_copy_corpus "$repo"
jp_expect 0 build -q "$repo"
jp_expect 0 sign --key "$fpr" --homedir "$H" "$repo"
gpgv --keyring "$T/repo-key.gpg" "$repo/repodata/repomd.xml.asc" "$repo/repodata/repomd.xml" \
    2>"$T/gpgv.err" || fail "gpgv refuses repomd.xml.asc: $(cat "$T/gpgv.err")"
gpg --list-packets "$repo/repodata/repomd.xml.asc" 2>/dev/null | grep -q "digest algo 10" ||
    fail "repomd.xml.asc is not a SHA512 signature"
jp_expect 0 verify --keyring "$T/repo-key.gpg" "$repo"

# Failures leave the signature as it was.
sums() { sha256sum "$repo/repodata/repomd.xml.asc" "$repo/repodata/repomd.xml.key"; }
sums >"$T/before"
jp_expect 3 sign --key 0123456789ABCDEF0123456789ABCDEF01234567 --homedir "$H" "$repo"
jp_err_has "0123456789ABCDEF" "the unknown key is named"
jp_expect 3 sign --key "$fpr" --homedir "$T/no-such-home" "$repo"
jp_err_has "no-such-home" "the missing home is named"
flock "$repo/.jprepo/lock" sleep 30 &
jp_bg $!
sleep 1
jp_expect 4 sign --key "$fpr" --homedir "$H" "$repo"
jp_err_has "lock" "the lock is named"
sums >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a failed sign changed the signature files"
jp_expect 2 sign "$repo"
jp_expect 3 sign --key "$fpr" --homedir "$H" "$T/no-such-repo"

# sign an APT repository: InRelease and Release.gpg.
repo=$T/deb
jp_copy_deb_corpus "$repo"
jp_expect 0 build -q "$repo"
jp_expect 0 sign --key "$fpr" --homedir "$H" "$repo"
gpgv --keyring "$T/repo-key.gpg" "$repo/dists/stable/InRelease" 2>"$T/gpgv.err" ||
    fail "gpgv refuses InRelease: $(cat "$T/gpgv.err")"
gpgv --keyring "$T/repo-key.gpg" "$repo/dists/stable/Release.gpg" \
    "$repo/dists/stable/Release" 2>"$T/gpgv.err" ||
    fail "gpgv refuses Release.gpg: $(cat "$T/gpgv.err")"
jp_expect 0 verify --keyring "$T/repo-key.gpg" "$repo"

# A build without --sign over signed metadata says that it drops the signature.
touch "$repo"/pool/*/*.deb 2>/dev/null || find "$repo" -name '*.deb' -exec touch {} +
jp_expect 0 build "$repo"
jp_err_has "was signed; the new metadata is not" "unsigned rebuild warning"

# Stale temporary homes in TMPDIR.  A dead pid: a process that ended.
tmp=$T/tmp
mkdir -p "$tmp"
dead=$(sh -c 'echo $$')
while kill -0 "$dead" 2>/dev/null; do dead=$(sh -c 'echo $$'); done
stale() { # stale NAME PID AGE: a home with a pid file AGE old
	mkdir -m 700 "$tmp/$1" && echo "$2" >"$tmp/$1/jprepo.pid" &&
	    touch -d "$3" "$tmp/$1/jprepo.pid" || fail "cannot make $1"
}
stale jprepo-sign-STALE1 "$dead" "1 hour ago"
stale jprepo-verify-STALE2 "$dead" "1 hour ago"
stale jprepo-sign-FRESH1 "$dead" "now"
stale jprepo-sign-ALIVE1 $$ "1 hour ago"
mkdir -m 700 "$tmp/jprepo-sign-NOPID1"
# the killed run's agent, still running for its home
gpg-agent --homedir "$tmp/jprepo-sign-STALE1" --daemon >/dev/null 2>&1 ||
    fail "cannot start a gpg-agent"
pgrep -f "gpg-agent --homedir $tmp/jprepo-sign-STALE1" >/dev/null ||
    fail "the gpg-agent of the stale home is not running"
jp_gpg_homes="$H $tmp/jprepo-sign-STALE1"  # stopped at the end if left
old_tmpdir=${TMPDIR-}
export TMPDIR="$tmp"
jp_expect 0 sign --key "$fpr" --homedir "$H" "$repo"
if [ -n "$old_tmpdir" ]; then TMPDIR=$old_tmpdir; else unset TMPDIR; fi
[ ! -e "$tmp/jprepo-sign-STALE1" ] || fail "the stale sign home is still there"
[ ! -e "$tmp/jprepo-verify-STALE2" ] || fail "the stale verify home is still there"
for d in FRESH1 ALIVE1 NOPID1; do
	[ -d "$tmp/jprepo-sign-$d" ] || fail "jprepo-sign-$d was removed"
done
# (gpgconf --kill asks the agent to end; give it a moment)
i=0
while pgrep -f "gpg-agent --homedir $tmp/jprepo-sign-STALE1" >/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "the stale home's gpg-agent is still running"
	sleep 0.1
done
# and the run's own home is gone: only the five made here were there
[ "$(ls "$tmp" | wc -l)" = 3 ] || fail "TMPDIR holds: $(ls "$tmp")"
exit 0
