#!/bin/sh
# t3110-sign-key-commands: `jprepo key generate` makes a signing key,
# `jprepo key export` writes it in the forms the clients take, and
# `jprepo sign` signs RPM-MD and APT metadata that gpgv accepts with that
# key alone.  Bad input (unknown key, missing GnuPG home, a locked
# repository) fails with a clear message and leaves the previous
# signature files as they were.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_cmd gpg gpgv gpgconf sha256sum dpkg-deb

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
exit 0
