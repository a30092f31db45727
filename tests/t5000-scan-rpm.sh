#!/bin/sh
# jprepo scan and tools/jprepo-scan on an rpm system image: dnf installs
# packages from a jprepo repository into a scratch root (epochs, one name
# in two architectures, noarch, tilde and caret versions, a subpackage whose
# source rpm has another name, version and epoch); a key imported with
# rpm --import adds a gpg-pubkey entry.  The package lines of both scans
# must be what `rpm --root R -qa` says (the oracle) but the gpg-pubkey
# entries, the two files must be byte for byte the same, the header must
# carry the root's os-release, hostname and machine-id, and scanning must
# not change the rpm database.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd dnf rpm rpmbuild dash sha256sum
need_root "dnf --installroot"
need_jprepo

scanner=$JP_SRCDIR/tools/jprepo-scan
[ -f "$scanner" ] || fail "no $scanner"
repo=$T/repo
root=$T/root
jp_copy_corpus "$repo"

# A subpackage: its source rpm is srcparent-4.1-7.src.rpm, its epoch 3.
mkdir -p "$T/rb/SPECS"
cat >"$T/rb/SPECS/srcparent.spec" <<'EOF'
%define _build_id_links none
%define debug_package %{nil}
%define __os_install_post %{nil}
%global _binary_payload w0.ufdio
Name: srcparent
Epoch: 3
Version: 4.1
Release: 7
Summary: parent of a subpackage
License: MIT
BuildArch: noarch
AutoReqProv: no

%description
Builds only childpkg.

%package -n childpkg
Summary: a package named otherwise than its source

%description -n childpkg
Its source rpm is srcparent's.

%install
mkdir -p %{buildroot}/usr/share/childpkg
echo child > %{buildroot}/usr/share/childpkg/README

%files -n childpkg
/usr/share/childpkg
EOF
SOURCE_DATE_EPOCH=1700000000 rpmbuild --quiet --define "_topdir $T/rb" \
    -bb "$T/rb/SPECS/srcparent.spec" >"$T/rb.log" 2>&1 ||
    fail "rpmbuild srcparent.spec: $(cat "$T/rb.log")"
mkdir -p "$repo/extra"
mv "$T"/rb/RPMS/noarch/childpkg-*.rpm "$repo/extra/" ||
    fail "rpmbuild made no childpkg"
jp_expect 0 build "$repo"

dnf -y --installroot="$root" --setopt=reposdir=/dev/null \
    --setopt=cachedir="$T/cache" --releasever=1 --noplugins \
    --repofrompath=local,"file://$repo" --setopt=local.gpgcheck=0 \
    install hello-1.1-1 epochpkg zeroepoch demo-lib.x86_64 demo-lib.i686 \
    demo-app tildepkg-1.0~rc1 caretpkg demo-files childpkg \
    >"$T/dnf.log" 2>&1 || fail "dnf install: $(cat "$T/dnf.log")"

# An imported key: rpm lists it as a gpg-pubkey package.
jp_test_key "$T/gnupg" "Scan Test <scan@example.com>" rsa2048
gpg --homedir "$T/gnupg" --armor --export "$jp_fpr" >"$T/key.asc" 2>/dev/null ||
    fail "cannot export the test key"
rpm --root "$root" --import "$T/key.asc" 2>"$T/rpm.err" ||
    fail "rpm --import: $(cat "$T/rpm.err")"

# The root's identity; no dnf or yum binary in it, so the manager comes
# from os-release: RHEL 7 -> yum.
mkdir -p "$root/etc"
cat >"$root/etc/os-release" <<'EOF'
NAME="Red Hat Enterprise Linux Server"
VERSION="7.9 (Maipo)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="7.9"
PRETTY_NAME="Red Hat Enterprise Linux Server 7.9 (Maipo)"
EOF
printf 'rpmhost.example.com\n' >"$root/etc/hostname"
printf '0123456789abcdef0123456789abcdef\n' >"$root/etc/machine-id"
for b in dnf dnf-3 dnf5 yum zypper; do
	[ ! -e "$root/usr/bin/$b" ] || fail "the root has usr/bin/$b; the test assumes none"
done

# The rpm database files, to check that scanning leaves them alone (but
# sqlite's -shm index, which every reader of a WAL database updates).
db_sums() {
	find "$root" -type f \( -name 'rpmdb.sqlite*' -o -name 'Packages*' \) \
	    ! -name '*-shm' -print |
	    LC_ALL=C sort | xargs -r sha256sum
}
db_sums >"$T/db.before"
[ -s "$T/db.before" ] || fail "no rpm database found under $root"

SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
jp_expect 0 scan --root "$root" -o "$T/c.scan"
[ ! -s "$T/out" ] || fail "jprepo scan -o wrote to stdout: $(cat "$T/out")"
dash "$scanner" --root "$root" -o "$T/s.scan" 2>"$T/s.err" ||
    fail "tools/jprepo-scan failed: $(cat "$T/s.err")"
[ ! -s "$T/s.err" ] || fail "tools/jprepo-scan said: $(cat "$T/s.err")"
cmp -s "$T/c.scan" "$T/s.scan" || fail "jprepo scan and tools/jprepo-scan differ:
$(diff -u "$T/c.scan" "$T/s.scan")"
# stdout gives the same bytes as -o
jp_expect 0 scan --root "$root"
cmp -s "$T/out" "$T/c.scan" || fail "jprepo scan to stdout differs from -o"
unset SOURCE_DATE_EPOCH
db_sums >"$T/db.after"
diff -u "$T/db.before" "$T/db.after" >&2 ||
    fail "scanning changed the rpm database under $root"

# The oracle: rpm itself, with the gpg-pubkey entries left out.
rpm --root "$root" -qa --qf 'pkg %{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM}\n' \
    >"$T/rpm.all" 2>"$T/rpm.err" || fail "rpm -qa: $(cat "$T/rpm.err")"
grep -q '^pkg gpg-pubkey ' "$T/rpm.all" ||
    fail "rpm -qa lists no gpg-pubkey; the exclusion is not tested"
grep -v '^pkg gpg-pubkey ' "$T/rpm.all" | LC_ALL=C sort >"$T/want"
grep '^pkg ' "$T/c.scan" >"$T/got"
diff -u "$T/want" "$T/got" >&2 ||
    fail "package lines differ from rpm -qa (- rpm, + jprepo scan)"
n=$(wc -l <"$T/want" | tr -d ' ')
[ "$n" -ge 10 ] || fail "only $n packages installed; dnf said: $(cat "$T/dnf.log")"
# What the corpus promises, as rpm reads it.
for line in \
    'pkg epochpkg 2 0.5 3 noarch epochpkg-0.5-3.src.rpm' \
    'pkg demo-lib 0 1.0 1 i686 demo-lib-1.0-1.src.rpm' \
    'pkg demo-lib 0 1.0 1 x86_64 demo-lib-1.0-1.src.rpm' \
    'pkg childpkg 3 4.1 7 noarch srcparent-4.1-7.src.rpm' \
    'pkg tildepkg 0 1.0~rc1 1 noarch tildepkg-1.0~rc1-1.src.rpm' \
    'pkg caretpkg 0 1.0^20240101git 1 noarch caretpkg-1.0^20240101git-1.src.rpm' \
    'pkg hello 0 1.1 1 noarch hello-1.1-1.src.rpm'; do
	grep -Fqx "$line" "$T/got" || fail "no line '$line' in the scan:
$(cat "$T/got")"
done

# The header: the root's files, this machine's arch, no kernel.
scanned=$(date -u -d @1700000000 +%Y-%m-%dT%H:%M:%SZ)
cat >"$T/head.want" <<EOF
jprepo-scan 1
host rpmhost.example.com
machine-id 0123456789abcdef0123456789abcdef
os rhel 7.9
os-name Red Hat Enterprise Linux Server 7.9 (Maipo)
arch $(uname -m)
format rpm
manager yum
kernel -
scanned $scanned
EOF
head -n 10 "$T/c.scan" >"$T/head.got"
diff -u "$T/head.want" "$T/head.got" >&2 || fail "header lines differ (- expected, + got)"
[ "$(tail -n 1 "$T/c.scan")" = end ] || fail "the scan does not end with 'end'"
[ "$(wc -l <"$T/c.scan" | tr -d ' ')" = $((10 + n + 1)) ] ||
    fail "the scan has lines other than header, packages and end"

# Without SOURCE_DATE_EPOCH the time is now, and the rest is the same.
t0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
jp_expect 0 scan --root "$root" -o "$T/c2.scan"
dash "$scanner" --root "$root" -o "$T/s2.scan" || fail "tools/jprepo-scan failed"
t1=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for f in c2 s2; do
	s=$(sed -n 's/^scanned //p' "$T/$f.scan")
	order=$(printf '%s\n' "$t0" "$s" "$t1")
	[ "$(printf '%s\n' "$order" | LC_ALL=C sort)" = "$order" ] ||
	    fail "$f: scan time '$s' not between $t0 and $t1"
	grep -v '^scanned ' "$T/$f.scan" >"$T/$f.rest"
done
grep -v '^scanned ' "$T/c.scan" | cmp -s - "$T/c2.rest" ||
    fail "without SOURCE_DATE_EPOCH more than the scan time changed"
cmp -s "$T/c2.rest" "$T/s2.rest" || fail "the writers differ without SOURCE_DATE_EPOCH"

# dnf installed in the root: the binaries decide the manager.
mkdir -p "$root/usr/bin"
ln -s /usr/bin/dnf-3 "$root/usr/bin/dnf"    # absolute, dangling from here
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
jp_expect 0 scan --root "$root" -o "$T/c3.scan"
dash "$scanner" --root "$root" -o "$T/s3.scan" || fail "tools/jprepo-scan failed"
cmp -s "$T/c3.scan" "$T/s3.scan" || fail "writers differ with usr/bin/dnf:
$(diff -u "$T/c3.scan" "$T/s3.scan")"
grep -qx 'manager dnf' "$T/c3.scan" || fail "usr/bin/dnf in the root: manager should be dnf:
$(head -n 10 "$T/c3.scan")"
exit 0
