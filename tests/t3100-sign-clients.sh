#!/bin/sh
# t3100-sign-clients: repositories built with `jprepo build --sign` are
# accepted by the clients with their signature checks on (dnf with
# repo_gpgcheck=1, apt with signed-by=), gpgv accepts every signature
# jprepo writes, and after one byte of repomd.xml, Release or a Packages
# file is changed both clients refuse the repository and `jprepo verify`
# names the file.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_root "dnf and apt install into scratch roots"
need_cmd gpg gpgv gpgconf dnf rpm apt-get dpkg-deb

H=$T/gnupg
jp_test_key "$H" 'jprepo test <test@example.com>' rsa3072
fpr=$jp_fpr
gpg --homedir "$H" --armor --export "$fpr" >"$T/key.asc"
gpg --homedir "$H" --export "$fpr" >"$T/key.gpg"

# --- RPM-MD: dnf with repo_gpgcheck=1 ---------------------------------------
repo=$T/rpm
jp_copy_corpus "$repo"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$repo"
for f in repomd.xml.asc repomd.xml.key; do
	[ -s "$repo/repodata/$f" ] || fail "build --sign wrote no repodata/$f"
done
gpgv --keyring "$T/key.gpg" "$repo/repodata/repomd.xml.asc" \
    "$repo/repodata/repomd.xml" 2>"$T/gpgv.err" ||
    fail "gpgv refuses repomd.xml.asc: $(cat "$T/gpgv.err")"
# the exported key in the repository is the signing key
gpg --show-keys --with-colons "$repo/repodata/repomd.xml.key" 2>/dev/null |
    grep -q "^fpr:::::::::$fpr:" || fail "repomd.xml.key is not the signing key"

dnf_signed() { # dnf_signed ROOT REPO ARGS...
	jp_sr=$1 jp_srepo=$2
	shift 2
	dnf -y --installroot="$jp_sr" --setopt=reposdir=/dev/null --releasever=1 \
	    --noplugins --setopt=cachedir="$jp_sr/cache" \
	    --repofrompath=local,"file://$jp_srepo" --setopt=local.gpgcheck=0 \
	    --setopt=local.repo_gpgcheck=1 --setopt=local.gpgkey="file://$T/key.asc" \
	    "$@" >"$T/dnf.out" 2>&1
}
dnf_signed "$T/root1" "$repo" install hello ||
    fail "dnf with repo_gpgcheck=1 refuses the signed repository: $(tail -n 20 "$T/dnf.out")"
rpm --root "$T/root1" -q hello >/dev/null || fail "hello not installed from the signed repository"

# One byte of repomd.xml changed: dnf refuses, verify names repomd.xml.
sed -i 's/<revision>\([0-9]\)/<revision>9\1/' "$repo/repodata/repomd.xml"
if dnf_signed "$T/root2" "$repo" install hello; then
	fail "dnf installed from a repository whose repomd.xml was changed after signing"
fi
jp_expect 1 verify --keyring "$T/key.gpg" "$repo"
jp_err_has "repomd\.xml" "verify names the changed repomd.xml"

# --- APT: signed-by= ----------------------------------------------------------
repo=$T/deb
jp_copy_deb_corpus "$repo"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$repo"
rel=$repo/dists/stable
for f in InRelease Release.gpg; do
	[ -s "$rel/$f" ] || fail "build --sign wrote no dists/stable/$f"
done
gpgv --keyring "$T/key.gpg" "$rel/Release.gpg" "$rel/Release" 2>"$T/gpgv.err" ||
    fail "gpgv refuses Release.gpg: $(cat "$T/gpgv.err")"
gpgv --keyring "$T/key.gpg" "$rel/InRelease" 2>"$T/gpgv.err" ||
    fail "gpgv refuses InRelease: $(cat "$T/gpgv.err")"

apt_signed_root() { # apt_signed_root ROOT
	jp_apt_root "$1" "$repo"
	echo "deb [signed-by=$T/key.gpg] file:$repo stable main" >"$1/etc/apt/sources.list"
}
apt_signed_root "$T/aroot1"
jp_apt "$T/aroot1" update
[ "$rc" = 0 ] && ! grep -qE '^(W|E):' "$T/apt.err" ||
    fail "apt with signed-by= refuses the signed repository: $(cat "$T/apt.err")"
pkg=$(sed -n 's/^Package: //p' "$rel/main/binary-all/Packages" | head -n 1)
[ -n "$pkg" ] || fail "no Architecture: all package in the corpus"
jp_apt "$T/aroot1" install "$pkg"
[ "$rc" = 0 ] || fail "apt cannot install $pkg from the signed repository: $(cat "$T/apt.err")"

# One byte of a Packages file changed: apt refuses it, verify names it.
cp -p "$rel/main/binary-all/Packages" "$T/Packages.orig"
sed -i '1s/^Package: /Package:  /' "$rel/main/binary-all/Packages"
rm -f "$rel"/main/binary-all/Packages.gz "$rel"/main/binary-all/Packages.xz \
    "$rel"/main/binary-all/by-hash/*/*
apt_signed_root "$T/aroot2"
jp_apt "$T/aroot2" update
if [ "$rc" = 0 ] && ! grep -qE '^(W|E):' "$T/apt.err"; then
	fail "apt accepted a Packages file changed after signing"
fi
jp_expect 1 verify --keyring "$T/key.gpg" "$repo"
jp_err_has "binary-all/Packages" "verify names the changed Packages"

# One byte of Release changed: apt refuses the suite, verify names Release.
jp_expect 0 build --no-cache --sign "$fpr" --homedir "$H" "$repo"
sed -i 's/^Suite: stable$/Suite: stablf/' "$rel/InRelease"
apt_signed_root "$T/aroot3"
jp_apt "$T/aroot3" update
if [ "$rc" = 0 ] && ! grep -qE '^(W|E):' "$T/apt.err"; then
	fail "apt accepted an InRelease changed after signing"
fi
jp_expect 1 verify --keyring "$T/key.gpg" "$repo"
jp_err_has "InRelease|Release" "verify names the changed Release"
exit 0
