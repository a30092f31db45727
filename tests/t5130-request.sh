#!/bin/sh
# t5130-request: the whole request loop across the gap, with real dnf and
# apt (jprepo-request(5); plan --request-out, export --request, import
# --sign).
#
# Connected side: a store with an RPM-MD and an APT repository, signed with
# a test OpenPGP key.  Step 0 holds old versions (and, RPM-MD, an advisory);
# a full bundle of that state is imported by the isolated store.  Then new
# versions are added on the connected side: an update needing new packages
# (a two-step closure) and an installed one, an update fixing a security
# advisory, an epoch package, a package whose update requires something the
# isolated repositories lack (the need line's provider arrives only on the
# connected side, and nothing else needs it), and unrelated packages.
#
# Isolated side: scratch roots (dnf and apt) get old versions from the
# isolated store with repo_gpgcheck / signed-by; a second rpm host differs
# in one version.  The three scans are planned with --request-out.
# Oracles and checks:
#   request file    have lines = rpm -qa / dpkg-query of the roots (union,
#                   sorted), need lines = the requirements built into the
#                   packages, group lines from uname -m / dpkg
#   export          MANIFEST says merge and carries exactly the newest
#                   versions the hosts lack, the new dependencies and the
#                   need line's provider (what dnf upgrade / apt-get -s
#                   dist-upgrade take from the connected repositories on
#                   copies of the hosts, plus that provider), with their
#                   sha256 (sha256sum); a truncated request is refused;
#                   rpm/jprepo-request-updateinfo.xml holds the advisories
#                   a carried package fixes (jprepo-export(1): those that
#                   list its name at a version it is at or above), no other
#   import --sign   jprepo verify --keyring (the isolated key; the
#                   connected key no longer verifies), every old file
#                   still there, dnf repoquery and the Packages index list
#                   what rpm -qp / dpkg-deb -f read from the files, the
#                   advisories in updateinfo (dnf updateinfo list), dnf
#                   upgrade and apt-get dist-upgrade install the new
#                   versions
#   refusals        store unchanged (jp_tree_hash): merge bundle without
#                   --sign into signed repositories (3), --sign with a full
#                   bundle (2), a merge bundle for a repository the store
#                   lacks (3), a replayed merge bundle (3), a merge bundle
#                   carrying a damaged package (3: the rebuild is strict)
#   empty answer    a fleet that is up to date: a merge bundle without
#                   files, exit 0
#   sequence        an incremental bundle on bundle 0 imports after the
#                   merge bundle (merge bundles are no base) and makes the
#                   isolated repositories equal the connected ones
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_root "dnf and apt install into scratch roots"
need_cmd openssl gpg gpgconf dnf rpm rpmbuild apt-get dpkg dpkg-deb \
    dpkg-query python3 xmllint
DARCH=$(dpkg --print-architecture)
RARCH=$(uname -m)

C=$T/certs
mkdir "$C" && jp_cms_certs "$C"
EXPKEY="--sign-key $C/signer.key --sign-cert $C/signer.pem"
# The connected side's key and the isolated side's own key.
HC=$T/gnupg-c
jp_test_key "$HC" 'connected <c@example.com>' rsa3072
fc=$jp_fpr
gpg --homedir "$HC" --armor --export "$fc" >"$T/c.asc" 2>/dev/null
gpg --homedir "$HC" --export "$fc" >"$T/c.gpg" 2>/dev/null
HI=$T/gnupg-i
jp_test_key "$HI" 'isolated <i@example.com>' rsa3072
fi=$jp_fpr
gpg --homedir "$HI" --armor --export "$fi" >"$T/i.asc" 2>/dev/null
gpg --homedir "$HI" --export "$fi" >"$T/i.gpg" 2>/dev/null

# --- Packages -------------------------------------------------------------
# Packages: jp_mkrpm (tests/lib.sh) for RPMs.
# mkdeb DEST NAME VERSION ARCH [Field: value]...: DEST/pool/main/N_V_A.deb
mkdeb() {
	dst=$1 n=$2 v=$3 a=$4
	shift 4
	b="$T/pkg/$n-$v-$a"
	mkdir -p "$b/DEBIAN" "$b/usr/share/$n"
	echo "$v" >"$b/usr/share/$n/version"
	{
		echo "Package: $n"
		echo "Version: $v"
		echo "Architecture: $a"
		echo "Maintainer: Test <test@example.com>"
		echo "Description: $n for the request test"
		for f in "$@"; do echo "$f"; done
	} >"$b/DEBIAN/control"
	mkdir -p "$dst/pool/main"
	dpkg-deb --root-owner-group -Zgzip -b "$b" \
	    "$dst/pool/main/${n}_${v#*:}_$a.deb" >/dev/null 2>"$T/deb.err" ||
	    fail "dpkg-deb $n $v: $(cat "$T/deb.err")"
}

CS=$T/conn ISO=$T/iso
# Step 0 on the connected side.  tool 1.1 requires what nobody has yet.
jp_mkrpm "$CS/rpm" app 1.0 1 'Requires: libA >= 1.0'
jp_mkrpm "$CS/rpm" libA 1.0 1
jp_mkrpm "$CS/rpm" stable 1.0 1
jp_mkrpm "$CS/rpm" secpkg 1.0 1
jp_mkrpm "$CS/rpm" epkg 1.0 1 'Epoch: 2'
jp_mkrpm "$CS/rpm" multi 1.0 1
jp_mkrpm "$CS/rpm" multi 1.1 1
jp_mkrpm "$CS/rpm" tool 1.0 1
jp_mkrpm "$CS/rpm" tool 1.1 1 'Requires: helper >= 2.0'
mkdeb "$CS/deb" app 1.0-1 all 'Depends: liba (>= 1.0)'
mkdeb "$CS/deb" liba 1.0-1 "$DARCH"
mkdeb "$CS/deb" stable 1.0-1 all
mkdeb "$CS/deb" secpkg 1:1.0-1 "$DARCH"
mkdeb "$CS/deb" tool 1.0-1 all
mkdeb "$CS/deb" tool 1.1-1 all 'Depends: helper (>= 2.0)'

# advisory ID TYPE NAME EPOCH VERSION RELEASE: one <update> element.
advisory() {
	cat <<EOF
  <update from="test@example.com" status="final" type="$2" version="1">
    <id>$1</id>
    <title>$3 $2 update</title>
    <issued date="2026-11-01 00:00:00"/>
    <severity>Important</severity>
    <description>$1 for $3.</description>
    <references/>
    <pkglist><collection short="t"><name>t</name>
      <package name="$3" epoch="$4" version="$5" release="$6" arch="noarch" src="$3-$5-$6.src.rpm">
        <filename>$3-$5-$6.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
EOF
}
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<updates>'
	advisory TEST-OLD-1 bugfix tool 0 1.1 1
	echo '</updates>'
} >"$T/old.xml"
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<updates>'
	advisory TEST-OLD-1 bugfix tool 0 1.1 1
	advisory TEST-SEC-1 security secpkg 0 1.1 1
	advisory TEST-BUG-2 bugfix unrelated 0 1.0 1
	advisory TEST-FUT-1 security secpkg 0 1.5 1
	echo '</updates>'
} >"$T/new.xml"

jp_expect 0 build -q --advisories "$T/old.xml" --sign "$fc" --homedir "$HC" "$CS/rpm"
jp_expect 0 build -q --sign "$fc" --homedir "$HC" "$CS/deb"

# Bundle 0: the old state, full, into the isolated store.
jp_expect 0 export $EXPKEY -o "$T/b0" "$CS/rpm" "$CS/deb"
jp_expect 0 import --trust "$C/ca.pem" --store "$ISO" "$T/b0"
for r in rpm deb; do
	jp_expect 0 verify --packages --keyring "$T/c.gpg" "$ISO/$r"
done

# The new versions on the connected side.
N=$T/newrpm
jp_mkrpm "$N" app 2.0 1 'Requires: libA >= 2.0' 'Requires: newdep' 'Requires: stable'
jp_mkrpm "$N" libA 2.0 1
jp_mkrpm "$N" newdep 1.0 1 'Requires: deeper'
jp_mkrpm "$N" deeper 1.0 1
jp_mkrpm "$N" secpkg 1.1 1
jp_mkrpm "$N" epkg 1.1 1 'Epoch: 2'
jp_mkrpm "$N" multi 1.2 1
jp_mkrpm "$N" tool 1.2 1
jp_mkrpm "$N" helper 2.0 1
jp_mkrpm "$T/unrel" unrelated 1.0 1
ND=$T/newdeb
mkdeb "$ND" app 2.0-1 all 'Depends: liba (>= 2.0), newdep, stable'
mkdeb "$ND" liba 2.0-1 "$DARCH"
mkdeb "$ND" newdep 1.0-1 all 'Depends: deeper'
mkdeb "$ND" deeper 1.0-1 all
mkdeb "$ND" secpkg 1:1.1-1 "$DARCH"
mkdeb "$ND" tool 1.2-1 all
mkdeb "$ND" helper 2.0-1 all
mkdeb "$T/unreldeb" unrelated 1.0-1 all
cp -p "$N"/*.rpm "$T/unrel"/*.rpm "$CS/rpm/"
cp -p "$ND"/pool/main/*.deb "$T/unreldeb"/pool/main/*.deb "$CS/deb/pool/main/"
jp_expect 0 build -q --advisories "$T/new.xml" --sign "$fc" --homedir "$HC" "$CS/rpm"
jp_expect 0 build -q --sign "$fc" --homedir "$HC" "$CS/deb"

# What a request answer must carry (paths in the bundle), from the files.
{
	for f in "$N"/*.rpm; do echo "rpm/${f##*/}"; done
	echo rpm/jprepo-request-updateinfo.xml
	for f in "$ND"/pool/main/*.deb; do echo "deb/pool/main/${f##*/}"; done
} | LC_ALL=C sort >"$T/want.carried"

# --- The isolated side: hosts ------------------------------------------------
dnf_n=0
# dnf_signed ROOT REPO KEY.asc ARGS...: dnf over REPO alone, repo_gpgcheck=1
# with KEY; output in $T/dnf.out; fails when dnf fails.
dnf_signed() {
	ds_root=$1 ds_repo=$2 ds_key=$3
	shift 3
	dnf_n=$((dnf_n + 1))
	dnf -y -q --installroot="$ds_root" --setopt=reposdir=/dev/null --releasever=1 \
	    --noplugins --setopt=cachedir="$T/dnfcache.$dnf_n" \
	    --repofrompath=local,"file://$ds_repo" --repo=local --setopt=local.gpgcheck=0 \
	    --setopt=local.repo_gpgcheck=1 --setopt=local.gpgkey="file://$ds_key" \
	    "$@" >"$T/dnf.out" 2>"$T/dnf.err" ||
	    fail "dnf $* (repo_gpgcheck=1, key $ds_key) over $ds_repo failed:
$(tail -n 20 "$T/dnf.out" "$T/dnf.err")"
	rm -rf "$T/dnfcache.$dnf_n"
}
# rpm_have ROOT: "have NAME ARCH [E:]V-R" lines of what rpm says is installed.
rpm_have() {
	rpm --root "$1" -qa --qf '%{NAME} %{ARCH} %{EPOCHNUM} %{VERSION}-%{RELEASE}\n' |
	    awk '$1 != "gpg-pubkey" { print "have", $1, $2, ($3 == 0 ? "" : $3 ":") $4 }'
}
# deb_have ROOT: the same from dpkg-query (installed packages only).
deb_have() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W \
	    -f '${db:Status-Abbrev} ${Package} ${Architecture} ${Version}\n' |
	    awk '$1 == "ii" { print "have", $2, $3, $4 }'
}

R1=$T/r1 R2=$T/r2 D1=$T/d1
mkdir -p "$R1/etc"
printf 'ID=testrpm\nVERSION_ID="9"\nPRETTY_NAME="Test RPM 9"\n' >"$R1/etc/os-release"
dnf_signed "$R1" "$ISO/rpm" "$T/c.asc" install app libA stable secpkg epkg \
    multi-1.0-1 tool-1.0-1
# A second rpm host: multi one version higher.
cp -a "$R1" "$R2"
rpm --root "$R2" -U --nosignature "$ISO/rpm/multi-1.1-1.noarch.rpm" 2>"$T/rpm.err" ||
    fail "rpm -U multi 1.1 into $R2: $(cat "$T/rpm.err")"
[ "$(rpm --root "$R2" -q --qf '%{VERSION}' multi)" = 1.1 ] || fail "multi 1.1 not in $R2"

jp_apt_root "$D1" "$ISO/deb"
printf 'ID=testdeb\nID_LIKE=debian\nVERSION_ID="12"\n' >"$D1/etc/os-release"
echo "deb [signed-by=$T/c.gpg] file:$ISO/deb stable main" >"$D1/etc/apt/sources.list"
jp_apt_ok "$D1" update
jp_apt_ok "$D1" install app liba stable secpkg tool=1.0-1

mkdir "$T/scans"
jp_expect 0 scan --root "$R1" --host h1 -o "$T/scans/h1.scan"
jp_expect 0 scan --root "$R2" --host h2 -o "$T/scans/h2.scan"
jp_expect 0 scan --root "$D1" --host d1 -o "$T/scans/d1.scan"

jp_expect 0 plan --repo "$ISO/rpm" --repo "$ISO/deb" --request-out "$T/req.txt" \
    -o "$T/plan.json" "$T/scans/h1.scan" "$T/scans/h2.scan" "$T/scans/d1.scan"
[ -f "$T/req.txt" ] || fail "plan --request-out wrote no $T/req.txt"
ls -A "$T" | grep -q '^req\.txt.' && fail "plan left temporary files: $(ls -A "$T" | grep '^req')"

# The request as jprepo-request(5) says it must be, from the oracles.
created=$(sed -n 2p "$T/req.txt")
echo "$created" | grep -Eqx 'created [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' ||
    fail "request line 2 is not 'created YYYY-MM-DDTHH:MM:SSZ': '$created'"
{
	echo 'jprepo-request 1'
	echo "$created"
	echo 'hosts 3'
	echo "group deb testdeb 12 $DARCH"
	deb_have "$D1" | LC_ALL=C sort -u
	echo 'need helper (>= 2.0)'
	echo "group rpm testrpm 9 $RARCH"
	{ rpm_have "$R1"; rpm_have "$R2"; } | LC_ALL=C sort -u
	echo 'need helper >= 2.0'
	echo end
} >"$T/want.req"
grep -q '^have multi noarch 1.0-1$' "$T/want.req" && grep -q '^have multi noarch 1.1-1$' "$T/want.req" &&
    grep -q '^have epkg noarch 2:1.0-1$' "$T/want.req" && grep -q "^have secpkg $DARCH 1:1.0-1\$" "$T/want.req" ||
    fail "the test's roots are not as built (oracle): $(cat "$T/want.req")"
diff -u "$T/want.req" "$T/req.txt" >"$T/d" ||
    fail "the request file differs from jprepo-request(5) and the roots (- expected, + written):
$(cat "$T/d")"
od -c "$T/req.txt" | grep -q '\\r' && fail "the request file has a carriage return"

# The oracles of what the answer must carry beyond the need line's provider:
# what dnf upgrade and apt-get dist-upgrade would install from the
# connected repositories on copies of the hosts (h2 has multi 1.1, h1 1.0:
# both go to 1.2).
grep -v -e '^rpm/helper-' -e '^deb/pool/main/helper_' -e jprepo-request-updateinfo \
    "$T/want.carried" >"$T/want.upgrade"
cp -a "$R1" "$T/r1c"
rpm --root "$T/r1c" -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' | sort >"$T/before"
dnf_signed "$T/r1c" "$CS/rpm" "$T/c.asc" upgrade
rpm --root "$T/r1c" -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\n' | sort >"$T/after"
rm -rf "$T/r1c"
{
	comm -13 "$T/before" "$T/after" | sed 's|^\(.*\)$|rpm/\1.rpm|'
	cp -a "$D1" "$T/d1c"
	sed -i "s|$D1|$T/d1c|g" "$T/d1c/apt.conf"
	echo "deb [signed-by=$T/c.gpg] file:$CS/deb stable main" >"$T/d1c/etc/apt/sources.list"
	jp_apt_ok "$T/d1c" update
	jp_apt_ok "$T/d1c" -s dist-upgrade
	sed -n 's/^Inst \([^ :]*\)[^ ]* \(\[[^]]*\] \)\{0,1\}(\([^ ]*\) [^[]*\[\([^]]*\)\]).*/\1 \3 \4/p' \
	    "$T/apt.out" | while read -r n v a; do
		echo "deb/pool/main/${n}_${v#*:}_$a.deb"
	done
	rm -rf "$T/d1c"
} | LC_ALL=C sort >"$T/oracle.upgrade"
grep -q '^deb/' "$T/oracle.upgrade" && grep -q '^rpm/' "$T/oracle.upgrade" ||
    fail "dnf upgrade / apt-get -s dist-upgrade from the connected side install nothing (broken oracle): $(cat "$T/dnf.out" "$T/apt.out")"
diff -u "$T/oracle.upgrade" "$T/want.upgrade" >"$T/d" ||
    fail "the test's expectation differs from what dnf/apt upgrade to from the connected side (- dnf/apt, + test):
$(cat "$T/d")"

# --- The connected side answers -------------------------------------------------
jp_expect 2 export --request "$T/req.txt" --since "$T/b0/MANIFEST" $EXPKEY -o "$T/bad" "$CS/rpm" "$CS/deb"
[ ! -e "$T/bad/MANIFEST" ] || fail "export --request --since wrote a bundle"
# A request cut short on its way (no end line): refused, naming the file.
sed '$d' "$T/req.txt" >"$T/req-cut.txt"
jp_expect 3 export --request "$T/req-cut.txt" $EXPKEY -o "$T/bad" "$CS/rpm" "$CS/deb"
jp_err_has "req-cut\.txt" "the message names the request file"
jp_err_has "end|truncated" "the message says the request is cut short"
[ ! -e "$T/bad/MANIFEST" ] || fail "export of a truncated request wrote a bundle"
jp_expect 0 export --request "$T/req.txt" $EXPKEY -o "$T/bm" "$CS/rpm" "$CS/deb"
cp "$T/err" "$T/export.err"
grep -Eq '(^|[^0-9])16 packages?' "$T/export.err" ||
    { grep -Eq '(^|[^0-9])9 packages?' "$T/export.err" && grep -Eq '(^|[^0-9])7 packages?' "$T/export.err"; } ||
    fail "the export summary does not name the package count (16; 9 RPM, 7 deb): $(cat "$T/export.err")"
jp_cms_check "$T/bm/MANIFEST" "$T/bm/MANIFEST.sig" "$C/ca.pem" ||
    fail "openssl cms -verify refuses the merge bundle's MANIFEST.sig"
awk '/^created /{ getline; print; exit }' "$T/bm/MANIFEST" | grep -qx merge ||
    fail "the MANIFEST has no 'merge' line right after 'created':
$(head -n 8 "$T/bm/MANIFEST")"
grep -qx 'repo rpm-md rpm' "$T/bm/MANIFEST" && grep -qx 'repo apt deb' "$T/bm/MANIFEST" ||
    fail "merge bundle repo lines: $(grep '^repo ' "$T/bm/MANIFEST")"
grep -E '^(keep|delete) ' "$T/bm/MANIFEST" >"$T/d" &&
    fail "a merge bundle with keep/delete lines: $(cat "$T/d")"
awk '$1 == "file" || $1 == "copy" { p = $0; sub(/^[a-z]+ [0-9a-f]+ [0-9]+ /, "", p); print p }' \
    "$T/bm/MANIFEST" | LC_ALL=C sort >"$T/got.carried"
diff -u "$T/want.carried" "$T/got.carried" >"$T/d" ||
    fail "the merge bundle carries other files than the newest versions the hosts lack, their new dependencies and the need line's provider (- expected, + MANIFEST):
$(cat "$T/d")"
# Each package carried with the sha256 and size of the store's file.
awk '$1 == "file" || $1 == "copy" { p = $0; sub(/^[a-z]+ [0-9a-f]+ [0-9]+ /, "", p); print $2, $3, p }' \
    "$T/bm/MANIFEST" | grep -v ' rpm/jprepo-request-updateinfo.xml$' |
    while read -r sum size p; do
	f=$CS/$p
	[ "$(sha256sum <"$f" | cut -d' ' -f1) $(wc -c <"$f" | tr -d ' ')" = "$sum $size" ] ||
	    { echo "$p"; break; }
    done >"$T/d"
[ -s "$T/d" ] && fail "MANIFEST sha256/size of $(cat "$T/d") differ from the store's file"

# The advisories file, read out of the volumes by the MANIFEST's part lines.
python3 - "$T/bm" rpm/jprepo-request-updateinfo.xml "$T/req-ui.xml" <<'EOF' ||
import hashlib, os, sys
bdir, want, out = sys.argv[1:]
lines = open(os.path.join(bdir, "MANIFEST")).read().split("\n")
data = None
for i, l in enumerate(lines):
    f = l.split(" ", 3)
    if f[0] == "file" and f[3] == want:
        data = b""
        for p in lines[i + 1:]:
            if not p.startswith("part "):
                break
            v, off, ln = (int(x) for x in p.split()[1:])
            with open(os.path.join(bdir, "vol-%04d.tar" % v), "rb") as fh:
                fh.seek(off)
                data += fh.read(ln)
        if hashlib.sha256(data).hexdigest() != f[1]:
            sys.exit("%s: sha256 of its parts differs from the MANIFEST" % want)
if data is None:
    sys.exit("no file line for " + want)
open(out, "wb").write(data)
EOF
    fail "cannot read rpm/jprepo-request-updateinfo.xml out of the bundle"
xmllint --noout "$T/req-ui.xml" || fail "jprepo-request-updateinfo.xml is not well-formed"
ids=$(jp_xp "$T/req-ui.xml" "//*[local-name()='update']/*[local-name()='id']/text()" | sort | tr '\n' ' ')
[ "$ids" = "TEST-OLD-1 TEST-SEC-1 " ] ||
    fail "jprepo-request-updateinfo.xml holds advisories '$ids', want TEST-OLD-1 and TEST-SEC-1 (those fixed by a carried package), not TEST-BUG-2 (unrelated, not carried) nor TEST-FUT-1 (a secpkg above the carried one)"

# --- Refusals before the import ---------------------------------------------------
# refuse STATUS PATTERN WHAT ARGS...: import ARGS exits STATUS, stderr matches
# PATTERN (case-insensitive), the isolated store unchanged.
refuse() {
	rf_st=$1 rf_pat=$2 rf_what=$3
	shift 3
	rf_h=$(jp_tree_hash "$ISO")
	jp import "$@"
	[ "$rc" = "$rf_st" ] || fail "$rf_what: '$jp_cmd' exited $rc, want $rf_st; stderr:
$(cat "$T/err")"
	grep -Eiq -- "$rf_pat" "$T/err" ||
	    fail "$rf_what: '$jp_cmd': stderr should match '$rf_pat': $(cat "$T/err")"
	[ "$(jp_tree_hash "$ISO")" = "$rf_h" ] || fail "$rf_what: '$jp_cmd' changed the store"
	note "refused ($rf_what): $(tail -n 1 "$T/err")"
}
refuse 3 '--sign' "merge bundle into signed repositories without --sign" \
    --trust "$C/ca.pem" --store "$ISO" "$T/bm"
jp_expect 0 export $EXPKEY -o "$T/bf" "$CS/rpm" "$CS/deb"
grep -qx merge "$T/bf/MANIFEST" && fail "a full export has a merge line"
refuse 2 'sign|merge' "--sign with a full bundle" \
    --trust "$C/ca.pem" --store "$ISO" --sign "$fi" --homedir "$HI" "$T/bf"

# --- The isolated side imports the answer ------------------------------------
find "$ISO/rpm" "$ISO/deb" -type f \( -name '*.rpm' -o -name '*.deb' \) \
    -exec sha256sum {} + | LC_ALL=C sort >"$T/old.files"
jp_expect 0 import --trust "$C/ca.pem" --store "$ISO" --sign "$fi" --homedir "$HI" "$T/bm"
bmid=$(sed -n 's/^bundle \([0-9a-f]*\)$/\1/p' "$T/bm/MANIFEST")
for r in rpm deb; do
	grep -q "$bmid" "$ISO/$r/.jprepo/bundle" 2>/dev/null ||
	    fail "$ISO/$r/.jprepo/bundle does not name the merge bundle $bmid"
	jp_expect 0 verify --packages --keyring "$T/i.gpg" "$ISO/$r"
	jp_expect 1 verify --keyring "$T/c.gpg" "$ISO/$r"
done
[ -f "$ISO/rpm/repodata/repomd.xml.asc" ] || fail "no repomd.xml.asc after the import"
[ -f "$ISO/deb/dists/stable/InRelease" ] || fail "no InRelease after the import"
[ ! -e "$ISO/rpm/jprepo-request-updateinfo.xml" ] ||
    fail "jprepo-request-updateinfo.xml was kept as a file in the repository"
find "$ISO/rpm" "$ISO/deb" -type f \( -name '*.rpm' -o -name '*.deb' \) \
    -exec sha256sum {} + | LC_ALL=C sort >"$T/new.files"
LC_ALL=C comm -23 "$T/old.files" "$T/new.files" >"$T/d"
[ -s "$T/d" ] && fail "the import removed or changed old packages: $(cat "$T/d")"
# The files now = the old ones + the carried ones.
{
	sed "s|  $ISO/|  |" "$T/old.files"
	grep -v jprepo-request-updateinfo "$T/want.carried" | while read -r p; do
		echo "$(sha256sum <"$CS/$p" | cut -d' ' -f1)  $p"
	done
} | LC_ALL=C sort >"$T/want.files"
sed "s|  $ISO/|  |" "$T/new.files" | LC_ALL=C sort >"$T/got.files"
diff -u "$T/want.files" "$T/got.files" >"$T/d" ||
    fail "the isolated repositories hold other package files than old + carried (- expected, + store):
$(cat "$T/d")"

# RPM-MD metadata: dnf lists what rpm reads from the files.
find "$ISO/rpm" -name '*.rpm' -exec rpm -qp --nosignature --nodigest \
    --qf '%{name}-%{epochnum}:%{version}-%{release}.%{arch}\n' {} + | sort >"$T/want.nevra"
dnf_signed "$R1" "$ISO/rpm" "$T/i.asc" repoquery \
    --qf '%{name}-%{epoch}:%{version}-%{release}.%{arch}'
sed '/^$/d' "$T/dnf.out" | sort >"$T/got.nevra"
diff -u "$T/want.nevra" "$T/got.nevra" >"$T/d" ||
    fail "dnf (repo_gpgcheck, the isolated key) reads other packages than the files (- rpm -qp, + dnf):
$(cat "$T/d")"
# The advisories: those it had and those carried, none other.
jp_md_xml "$ISO/rpm" updateinfo "$T/ui.xml"
ids=$(jp_xp "$T/ui.xml" "//*[local-name()='update']/*[local-name()='id']/text()" | sort | tr '\n' ' ')
[ "$ids" = "TEST-OLD-1 TEST-SEC-1 " ] ||
    fail "updateinfo of the isolated repository holds '$ids', want TEST-OLD-1 (it had) and TEST-SEC-1 (carried)"
dnf_signed "$R1" "$ISO/rpm" "$T/i.asc" updateinfo list
awk '{ print $1 }' "$T/dnf.out" | sort -u | tr '\n' ' ' >"$T/d"
[ "$(cat "$T/d")" = "TEST-OLD-1 TEST-SEC-1 " ] ||
    fail "dnf updateinfo list on h1 says '$(cat "$T/d")', want TEST-OLD-1 TEST-SEC-1: $(cat "$T/dnf.out")"
dnf_signed "$R1" "$ISO/rpm" "$T/i.asc" updateinfo list --security
grep -q '^TEST-SEC-1 ' "$T/dnf.out" || fail "dnf updateinfo list --security: $(cat "$T/dnf.out")"

# APT metadata: the index lists what dpkg-deb reads from the files.
for f in $(find "$ISO/deb" -name '*.deb'); do
	dpkg-deb -W --showformat='${Package} ${Version} ${Architecture} \n' "$f"
done | sort >"$T/want.debs"
cp "$ISO/deb/dists/stable/main/binary-$DARCH/Packages" "$T/Packages" ||
    fail "no Packages for $DARCH"
awk '/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 }
    /^$/ { if (p != "") print p, v, a, ""; p = "" } END { if (p != "") print p, v, a, "" }' \
    "$T/Packages" | sort >"$T/got.debs"
diff -u "$T/want.debs" "$T/got.debs" >"$T/d" ||
    fail "binary-$DARCH/Packages lists other packages than the files (- dpkg-deb -f, + Packages):
$(cat "$T/d")"

# The hosts upgrade through their native tools.
dnf_signed "$R1" "$ISO/rpm" "$T/i.asc" upgrade
rpm --root "$R1" -qa --qf '%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n' |
    grep -v '^gpg-pubkey' | sort | tr '\n' ' ' >"$T/d"
[ "$(cat "$T/d")" = "app-0:2.0-1 deeper-0:1.0-1 epkg-2:1.1-1 libA-0:2.0-1 multi-0:1.2-1 newdep-0:1.0-1 secpkg-0:1.1-1 stable-0:1.0-1 tool-0:1.2-1 " ] ||
    fail "after dnf upgrade h1 has: $(cat "$T/d")"
echo "deb [signed-by=$T/i.gpg] file:$ISO/deb stable main" >"$D1/etc/apt/sources.list"
jp_apt_ok "$D1" update
jp_apt_ok "$D1" dist-upgrade
jp_dpkg_installed "$D1" | tr '\n' ' ' >"$T/d"
[ "$(cat "$T/d")" = "app 2.0-1 all deeper 1.0-1 all liba 2.0-1 $DARCH newdep 1.0-1 all secpkg 1:1.1-1 $DARCH stable 1.0-1 all tool 1.2-1 all " ] ||
    fail "after apt-get dist-upgrade d1 has: $(cat "$T/d")"

# --- Refusals after the import ------------------------------------------------
refuse 3 'replay|not newer' "replayed merge bundle" \
    --trust "$C/ca.pem" --store "$ISO" --sign "$fi" --homedir "$HI" "$T/bm"
# A merge bundle for a repository the isolated store lacks (same store id,
# a newer sequence: only the missing repository is wrong).
cp -a "$CS/rpm" "$CS/rpm2"
jp_expect 0 export --request "$T/req.txt" $EXPKEY -o "$T/bx" "$CS/rpm2"
rm -rf "$CS/rpm2"
grep -qx merge "$T/bx/MANIFEST" || fail "the rpm2 request bundle is no merge bundle"
refuse 3 rpm2 "merge bundle for a repository the store lacks" \
    --trust "$C/ca.pem" --store "$ISO" --sign "$fi" --homedir "$HI" "$T/bx"
[ ! -e "$ISO/rpm2" ] || fail "the refused import made $ISO/rpm2"
# A carried package that is not a package: the strict rebuild refuses the
# whole import (unless the export already refuses to carry it).
cp -p "$CS/rpm/secpkg-1.1-1.noarch.rpm" "$T/secpkg.good"
head -c 6209 /dev/urandom >"$CS/rpm/secpkg-1.1-1.noarch.rpm"
jp export --request "$T/req.txt" $EXPKEY -o "$T/bbad" "$CS/rpm"
cp -p "$T/secpkg.good" "$CS/rpm/secpkg-1.1-1.noarch.rpm"
case $rc in
0)	grep -q ' rpm/secpkg-1.1-1.noarch.rpm$' "$T/bbad/MANIFEST" ||
	    fail "the bundle with the damaged package does not carry it"
	refuse 3 'secpkg-1\.1-1' "merge bundle carrying a damaged package" \
	    --trust "$C/ca.pem" --store "$ISO" --sign "$fi" --homedir "$HI" "$T/bbad" ;;
3)	note "export refuses to carry a package whose content differs from its metadata: $(head -n 1 "$T/err")" ;;
*)	fail "'$jp_cmd' with a damaged package exited $rc: $(cat "$T/err")" ;;
esac

# --- A fleet that is up to date asks for nothing ----------------------------
rm -f "$T/scans/"*
jp_expect 0 scan --root "$R1" --host h1 -o "$T/scans/h1.scan"
jp_expect 0 scan --root "$D1" --host d1 -o "$T/scans/d1.scan"
jp_expect 0 plan --repo "$ISO/rpm" --repo "$ISO/deb" --request-out "$T/req2.txt" \
    -o "$T/plan2.json" "$T/scans"
grep -q '^need ' "$T/req2.txt" && fail "an up-to-date fleet still needs: $(grep '^need ' "$T/req2.txt")"
grep -qx 'hosts 2' "$T/req2.txt" || fail "request of 2 hosts: $(sed -n 3p "$T/req2.txt")"
jp_expect 0 export --request "$T/req2.txt" $EXPKEY -o "$T/be" "$CS/rpm" "$CS/deb"
[ -f "$T/be/MANIFEST" ] || fail "a request that selects nothing gave no bundle"
grep -qx merge "$T/be/MANIFEST" || fail "the empty answer is no merge bundle"
grep -E '^(file|copy|keep) ' "$T/be/MANIFEST" >"$T/d" &&
    fail "a request that selects nothing carries: $(cat "$T/d")"
[ -s "$T/err" ] || fail "export of a request that selects nothing gave no note"

# --- Merge bundles count for the sequence, not as a base -------------------------
# An incremental bundle on bundle 0 still imports after the merge bundle,
# and the repositories are then the connected side's again.
jp_expect 0 export $EXPKEY --since "$T/b0/MANIFEST" -o "$T/binc" "$CS/rpm" "$CS/deb"
jp_expect 0 import --trust "$C/ca.pem" --store "$ISO" "$T/binc"
# files STORE: "sha256  path" of the repositories' files (.jprepo* left out).
files() {
	(cd "$1" && find rpm deb -name '.jprepo*' -prune -o -type f -print |
	    LC_ALL=C sort | xargs sha256sum)
}
files "$CS" >"$T/cs.sums"
files "$ISO" >"$T/iso.sums"
diff -u "$T/cs.sums" "$T/iso.sums" >"$T/d" ||
    fail "after the incremental on bundle 0 the isolated store differs from the connected one (- connected, + isolated):
$(cat "$T/d")"
for r in rpm deb; do
	jp_expect 0 verify --packages --keyring "$T/c.gpg" "$ISO/$r"
done
exit 0
