#!/bin/sh
# t0300-advisory-dnf: updateinfo.xml as the advisory module merges and
# writes it (tests/advisory-merge), added with modifyrepo_c to a repository
# made by rpmbuild and createrepo_c, then read by the real clients: dnf
# (updateinfo list/info, upgrade --advisory, a modular advisory that
# applies only once its module stream is enabled), libsolv
# (updateinfoxml2solv) and zypper (patches) when installed.  Expected
# values come from the input files below, not from our own output.
# Finally libsolv and createrepo_c (its Python binding, when installed)
# must read from the output of tests/data/advisory/{modular,variants}.xml
# exactly what they read from those files.
set -u

: "${JP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${JP_BUILDDIR:=$JP_SRCDIR}"
MERGE=$JP_BUILDDIR/tests/advisory-merge
TZ=UTC
export TZ

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

for t in rpmbuild createrepo_c modifyrepo_c dnf rpm xmllint gzip; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
[ "$(id -u)" = 0 ] || skip "dnf --installroot needs root"
[ -x "$MERGE" ] || fail "$MERGE not built (make check builds it)"

T=$(mktemp -d "${TMPDIR:-/tmp}/t0300.XXXXXX") || fail "mktemp"
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/top" "$T/repo" "$T/root" "$T/cache"

# name epoch version: a noarch package with no files and no dependencies.
mkrpm() {
	cat > "$T/$1-$3.spec" <<SPEC
Name: $1
${2:+Epoch: $2}
Version: $3
Release: 1
Summary: jprepo advisory test package
License: MIT
BuildArch: noarch
AutoReqProv: no
%description
Test package for t0300.
%files
SPEC
	rpmbuild -bb --quiet --define "_topdir $T/top" \
	    --define "_rpmdir $T/repo" \
	    --define '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' \
	    "$T/$1-$3.spec" >"$T/rpmbuild.log" 2>&1 ||
	    { cat "$T/rpmbuild.log"; fail "rpmbuild $1-$3"; }
}
mkrpm jptest-a "" 1.0
mkrpm jptest-a "" 2.0
mkrpm jptest-b 1 1.0
mkrpm jptest-b 1 1.1
mkrpm jptest-c "" 1.0
mkrpm jptest-d "" 1.0
mkrpm jptest-d "" 2.0
mkrpm jptest-m "" 1.0
mkrpm jptest-m "" 2.0
createrepo_c -q "$T/repo" || fail "createrepo_c"

# Module jpmod:1.0 holds jptest-m-2.0 (modulemd v2, as RHEL 8/9 publish).
cat > "$T/modules.yaml" <<'YAML'
---
document: modulemd
version: 2
data:
  name: jpmod
  stream: "1.0"
  version: 20240101000000
  context: c0ffee42
  arch: noarch
  summary: jprepo test module
  description: jprepo test module
  license:
    module: [MIT]
  profiles:
    default:
      rpms: [jptest-m]
  artifacts:
    rpms:
    - jptest-m-0:2.0-1.noarch
...
YAML

# Two advisory files.  JPT-SA-1 is in both; the copy in the second is
# newer (updated 2024-02-01 12:00:00) and must win: Critical, "second".
# JPT-EA-3 is identical in both.  JPT-BA-2 has an epoch-seconds date
# (1704067200 = 2024-01-01 00:00:00 UTC) and a package with an epoch.
# JPT-MA-5 is a RHEL 8/9 style modular erratum: a collection for module
# jpmod:1.0 (jptest-m) beside a plain one (jptest-d); a reboot flag on the
# update only (libsolv reads none there), a restart and a relogin flag on
# one package each, <pushcount> and <message>.
cat > "$T/in1.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="t@example.org" status="stable" type="security" version="1">
    <id>JPT-SA-1</id>
    <title>first</title>
    <issued date="2024-01-01 00:00:00"/>
    <updated date="2024-01-10 00:00:00"/>
    <severity>Important</severity>
    <description>first copy</description>
    <references>
      <reference href="https://cve.example.org/CVE-2024-9999" id="CVE-2024-9999" type="cve" title="CVE-2024-9999"/>
    </references>
    <pkglist><collection short="t"><name>t</name>
      <package name="jptest-a" version="2.0" release="1" epoch="0" arch="noarch"><filename>jptest-a-2.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="t@example.org" status="stable" type="bugfix" version="1">
    <id>JPT-BA-2</id>
    <title>b fix</title>
    <issued date="1704067200"/>
    <severity>Low</severity>
    <description>fixes b &amp; more</description>
    <references/>
    <pkglist><collection short="t"><name>t</name>
      <package name="jptest-b" version="1.1" release="1" epoch="1" arch="noarch"><filename>jptest-b-1.1-1.noarch.rpm</filename><reboot_suggested>True</reboot_suggested></package>
    </collection></pkglist>
  </update>
  <update from="t@example.org" status="stable" type="enhancement" version="1">
    <id>JPT-EA-3</id>
    <title>a enhancement</title>
    <issued date="2024-01-03 04:05:06"/>
    <description>nicer a</description>
    <references/>
    <pkglist><collection short="t"><name>t</name>
      <package name="jptest-a" version="2.0" release="1" epoch="0" arch="noarch"><filename>jptest-a-2.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
XML
cat > "$T/in2.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="t@example.org" status="stable" type="newpackage" version="1">
    <id>JPT-NP-4</id>
    <title>new c</title>
    <issued date="2024-01-04 00:00:00"/>
    <description>c is new</description>
    <references/>
    <pkglist><collection short="t"><name>t</name>
      <package name="jptest-c" version="1.0" release="1" arch="noarch"><filename>jptest-c-1.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="t@example.org" status="final" type="security" version="2">
    <id>JPT-MA-5</id>
    <title>jpmod and d update</title>
    <issued date="2024-01-05 00:00:00"/>
    <pushcount>3</pushcount>
    <severity>Moderate</severity>
    <description>modular m, plain d</description>
    <message>Restart jptest-m after the update.</message>
    <reboot_suggested>True</reboot_suggested>
    <references/>
    <pkglist>
      <collection short="jpmod-1.0"><name>jpmod 1.0</name>
        <module name="jpmod" stream="1.0" version="20240101000000" context="c0ffee42" arch="noarch"/>
        <package name="jptest-m" version="2.0" release="1" epoch="0" arch="noarch"><filename>jptest-m-2.0-1.noarch.rpm</filename><restart_suggested>True</restart_suggested></package>
      </collection>
      <collection short="t"><name>t</name>
        <package name="jptest-d" version="2.0" release="1" epoch="0" arch="noarch"><filename>jptest-d-2.0-1.noarch.rpm</filename><relogin_suggested>True</relogin_suggested></package>
      </collection>
    </pkglist>
  </update>
  <update from="t@example.org" status="stable" type="security" version="1">
    <id>JPT-SA-1</id>
    <title>second</title>
    <issued date="2024-01-01 00:00:00"/>
    <updated date="2024-02-01 12:00:00"/>
    <severity>Critical</severity>
    <description>second copy</description>
    <references>
      <reference href="https://cve.example.org/CVE-2024-9999" id="CVE-2024-9999" type="cve" title="CVE-2024-9999"/>
    </references>
    <pkglist><collection short="t"><name>t</name>
      <package name="jptest-a" version="2.0" release="1" epoch="0" arch="noarch"><filename>jptest-a-2.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="t@example.org" status="stable" type="enhancement" version="1">
    <id>JPT-EA-3</id>
    <title>a enhancement</title>
    <issued date="2024-01-03 04:05:06"/>
    <description>nicer a</description>
    <references/>
    <pkglist><collection short="t"><name>t</name>
      <package name="jptest-a" version="2.0" release="1" epoch="0" arch="noarch"><filename>jptest-a-2.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
XML
gzip -n "$T/in2.xml" || fail "gzip"

"$MERGE" "$T/in1.xml" "$T/in2.xml.gz" >"$T/updateinfo.xml" 2>"$T/merge.err" ||
    { cat "$T/merge.err"; fail "advisory-merge"; }
grep -q "duplicate advisory 'JPT-SA-1' (dated '2024-02-01 12:00:00') replaces" \
    "$T/merge.err" || { cat "$T/merge.err"; fail "no warning for JPT-SA-1"; }
! grep -q "JPT-EA-3" "$T/merge.err" || fail "warned about an identical copy"
xmllint --noout "$T/updateinfo.xml" || fail "xmllint rejects the output"

modifyrepo_c --mdtype=updateinfo "$T/updateinfo.xml" "$T/repo/repodata" \
    >"$T/modifyrepo.log" 2>&1 || { cat "$T/modifyrepo.log"; fail "modifyrepo_c"; }
modifyrepo_c --mdtype=modules "$T/modules.yaml" "$T/repo/repodata" \
    >"$T/modifyrepo.log" 2>&1 || { cat "$T/modifyrepo.log"; fail "modifyrepo_c modules"; }
grep -q 'data type="updateinfo"' "$T/repo/repodata/repomd.xml" ||
    fail "repomd.xml has no updateinfo"

# Older versions installed in a scratch root, so that every advisory applies.
rpm --root "$T/root" --initdb 2>/dev/null || fail "rpm --initdb"
rpm --root "$T/root" -i --nodeps "$T/repo/jptest-a-1.0-1.noarch.rpm" \
    "$T/repo/jptest-b-1.0-1.noarch.rpm" "$T/repo/jptest-c-1.0-1.noarch.rpm" \
    "$T/repo/jptest-d-1.0-1.noarch.rpm" "$T/repo/jptest-m-1.0-1.noarch.rpm" \
    2>/dev/null || fail "rpm -i"

printf '[main]\ngpgcheck=0\nmodule_platform_id=platform:jp1\n' > "$T/dnf.conf"
dnfr() {
	dnf -q -c "$T/dnf.conf" --installroot="$T/root" --releasever=1 \
	    --noplugins --setopt=reposdir=/dev/null \
	    --setopt=cachedir="$T/cache" --repofrompath="r,file://$T/repo" \
	    --repo=r "$@"
}

# dnf updateinfo info: id, type, severity and date of each advisory.
dnfr updateinfo info --all >"$T/info.txt" 2>"$T/dnf.err" ||
    { cat "$T/dnf.err"; fail "dnf updateinfo info"; }
awk -F': ' '
	/Update ID:/ { if (id) print id, type, sev, upd; id = $2; type = sev = upd = "-" }
	/^ *Type:/ { type = $2 }
	/^ *Severity:/ { sev = $2 }
	/^ *Updated:/ { upd = $2 }
	END { if (id) print id, type, sev, upd }' "$T/info.txt" |
    sed 's/ *$//' | sort > "$T/info.got"
cat > "$T/info.want" <<'EOF2'
JPT-BA-2 bugfix Low 2024-01-01 00:00:00
JPT-EA-3 enhancement - 2024-01-03 04:05:06
JPT-MA-5 security Moderate 2024-01-05 00:00:00
JPT-NP-4 newpackage - 2024-01-04 00:00:00
JPT-SA-1 security Critical 2024-02-01 12:00:00
EOF2
diff -u "$T/info.want" "$T/info.got" || { cat "$T/info.txt"; fail "dnf updateinfo info"; }
grep -q "second copy" "$T/info.txt" || fail "dnf shows the older JPT-SA-1"
grep -q "CVE-2024-9999" "$T/info.txt" || fail "dnf shows no CVE for JPT-SA-1"

# dnf updateinfo list: the packages each advisory names (epoch included).
# jpmod is not enabled, so libdnf leaves out JPT-MA-5's modular collection
# and lists only its plain one (Advisory::getApplicablePackages); were the
# collections merged or the module dropped, jptest-m would show.
dnfr updateinfo list --all >"$T/list.txt" 2>"$T/dnf.err" ||
    { cat "$T/dnf.err"; fail "dnf updateinfo list"; }
awk '{ print ($1 == "i" ? $2 : $1), $NF }' "$T/list.txt" | sort > "$T/list.got"
cat > "$T/list.want" <<'EOF2'
JPT-BA-2 jptest-b-1:1.1-1.noarch
JPT-EA-3 jptest-a-2.0-1.noarch
JPT-MA-5 jptest-d-2.0-1.noarch
JPT-NP-4 jptest-c-1.0-1.noarch
JPT-SA-1 jptest-a-2.0-1.noarch
EOF2
diff -u "$T/list.want" "$T/list.got" || { cat "$T/list.txt"; fail "dnf updateinfo list"; }

# With jpmod:1.0 enabled the modular collection applies: dnf lists
# jptest-m-2.0 under JPT-MA-5, shows the advisory, and upgrades jptest-m
# by it.
dnfr -y module enable jpmod:1.0 >"$T/module.log" 2>&1 ||
    { cat "$T/module.log"; fail "dnf module enable jpmod:1.0"; }
dnfr updateinfo list --all JPT-MA-5 >"$T/list.txt" 2>"$T/dnf.err" ||
    { cat "$T/dnf.err"; fail "dnf updateinfo list JPT-MA-5"; }
awk '{ print ($1 == "i" ? $2 : $1), $NF }' "$T/list.txt" | sort > "$T/list.got"
printf 'JPT-MA-5 jptest-d-2.0-1.noarch\nJPT-MA-5 jptest-m-2.0-1.noarch\n' \
    > "$T/list.want"
diff -u "$T/list.want" "$T/list.got" ||
    { cat "$T/list.txt"; fail "dnf does not apply JPT-MA-5's modular collection"; }
dnfr updateinfo info JPT-MA-5 >"$T/info.txt" 2>"$T/dnf.err" ||
    { cat "$T/dnf.err"; fail "dnf updateinfo info JPT-MA-5"; }
grep -q "Update ID: JPT-MA-5" "$T/info.txt" &&
    grep -q "Severity: Moderate" "$T/info.txt" ||
    { cat "$T/info.txt"; fail "dnf updateinfo info does not show JPT-MA-5"; }
dnfr -y upgrade --advisory=JPT-MA-5 jptest-m >"$T/upgrade.log" 2>&1 ||
    { cat "$T/upgrade.log"; fail "dnf upgrade --advisory=JPT-MA-5"; }
[ "$(rpm --root "$T/root" -q --qf '%{VERSION}' jptest-m)" = "2.0" ] ||
    { cat "$T/upgrade.log"; fail "jptest-m was not upgraded by JPT-MA-5"; }

# dnf applies one advisory: only jptest-b moves.
dnfr -y upgrade --advisory=JPT-BA-2 >"$T/upgrade.log" 2>&1 ||
    { cat "$T/upgrade.log"; fail "dnf upgrade --advisory"; }
[ "$(rpm --root "$T/root" -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}' jptest-b)" = "1:1.1-1" ] ||
    fail "jptest-b was not upgraded by JPT-BA-2"
[ "$(rpm --root "$T/root" -q --qf '%{VERSION}' jptest-a)" = "1.0" ] ||
    fail "jptest-a moved with JPT-BA-2"

# libsolv: the reboot flag lives on the package (repo_updateinfoxml.c);
# it reads none from JPT-MA-5's update-level flag, and must not find one
# on its packages either, since the input had none there.
if command -v updateinfoxml2solv >/dev/null 2>&1 &&
    command -v dumpsolv >/dev/null 2>&1; then
	updateinfoxml2solv < "$T/updateinfo.xml" > "$T/ui.solv" ||
	    fail "updateinfoxml2solv rejects the output"
	dumpsolv "$T/ui.solv" > "$T/ui.dump" 2>&1 || fail "dumpsolv"
	awk '
		/^solvable:name: patch:/ { if (n) print n, reboot; n = $2; reboot = "-" }
		/^update:reboot/ { reboot = "reboot" }
		END { if (n) print n, reboot }' "$T/ui.dump" | sort > "$T/solv.got"
	cat > "$T/solv.want" <<'EOF2'
patch:JPT-BA-2 reboot
patch:JPT-EA-3 -
patch:JPT-MA-5 -
patch:JPT-NP-4 -
patch:JPT-SA-1 -
EOF2
	diff -u "$T/solv.want" "$T/solv.got" || fail "libsolv reads other patches"
	# dumpsolv prints libsolv's "less than" as "<" or "<<".
	grep -Eq "jptest-b <<? 1:1\.1-1" "$T/ui.dump" ||
	    fail "libsolv has no 'jptest-b < 1:1.1-1' conflict for JPT-BA-2"
	# JPT-MA-5: its module, message, two collections, and the restart
	# and relogin flags on the packages that had them.
	awk '/^solvable [0-9]/ { p = 0 } /^solvable:name: patch:JPT-MA-5$/ { p = 1 }
	    p' "$T/ui.dump" > "$T/ma5.dump"
	for want in "update:module:name: jpmod" "update:module:stream: 1.0" \
	    "update:module:version: 20240101000000" \
	    "update:module:context: c0ffee42" "update:module:arch: noarch" \
	    "update:message: Restart jptest-m after the update." \
	    "update:restart: (void)" "update:relogin: (void)"; do
		grep -qF "$want" "$T/ma5.dump" ||
		    { cat "$T/ma5.dump"; fail "libsolv lacks '$want' for JPT-MA-5"; }
	done
	[ "$(grep -c '^  update:collection:$' "$T/ma5.dump")" = 2 ] ||
	    { cat "$T/ma5.dump"; fail "libsolv sees no 2 collections in JPT-MA-5"; }
	awk '/update:collection:name:/ { n = $2 }
	    /^ +update:(restart|relogin):/ { print n, $1 }' "$T/ma5.dump" |
	    sort -u > "$T/ma5.flags"
	printf 'jptest-d update:relogin:\njptest-m update:restart:\n' > "$T/ma5.want"
	diff -u "$T/ma5.want" "$T/ma5.flags" ||
	    fail "libsolv has JPT-MA-5's flags on other packages"
else
	echo "note: libsolv tools not installed; libsolv check skipped"
fi

# zypper (libsolv again, SUSE's view): category (the type as given),
# severity (zypper prints it in lowercase), reboot.
if command -v zypper >/dev/null 2>&1; then
	Z="zypper -q --root $T/root --non-interactive --no-gpg-checks"
	$Z ar -G "file://$T/repo" r >"$T/zypper.log" 2>&1 &&
	    $Z ref >>"$T/zypper.log" 2>&1 &&
	    $Z patches >"$T/patches.txt" 2>>"$T/zypper.log" ||
	    { cat "$T/zypper.log"; fail "zypper"; }
	awk -F'|' '$2 ~ /JPT-/ {
		for (i = 2; i <= 5; i++) gsub(/^ +| +$/, "", $i)
		print $2, $3, $4, $5 }' "$T/patches.txt" | sort > "$T/zypper.got"
	cat > "$T/zypper.want" <<'EOF2'
JPT-BA-2 bugfix low reboot
JPT-EA-3 enhancement  ---
JPT-MA-5 security moderate message,restart
JPT-NP-4 newpackage  ---
JPT-SA-1 security critical ---
EOF2
	diff -u "$T/zypper.want" "$T/zypper.got" ||
	    { cat "$T/patches.txt"; fail "zypper patches"; }
else
	echo "note: zypper not installed; zypper check skipped"
fi

# Nothing libsolv or createrepo_c reads is lost: both read the same from
# the output as from the input (written in createrepo_c's element order,
# ids sorted, so that the solvables and records come in the same order).
# createrepo_c's parser is reached through its Python binding; the
# system's python3 is tried after the one on PATH.
CRPY=
for py in python3 /usr/bin/python3; do
	if command -v "$py" >/dev/null 2>&1 &&
	    "$py" -c 'import createrepo_c' >/dev/null 2>&1; then
		CRPY=$py
		break
	fi
done
[ -n "$CRPY" ] ||
    echo "note: python3-createrepo-c not installed; createrepo_c check skipped"
HAVE_SOLV=
command -v updateinfoxml2solv >/dev/null 2>&1 &&
    command -v dumpsolv >/dev/null 2>&1 && HAVE_SOLV=1
# What libsolv keeps of an updateinfo file: the solvables dumpsolv prints.
solvdump() {
	updateinfoxml2solv < "$1" > "$T/x.solv" || fail "updateinfoxml2solv rejects $1"
	dumpsolv "$T/x.solv" > "$T/x.dump" || fail "dumpsolv of $1"
	sed -n '/^solvable /,$p' "$T/x.dump"
}
# What createrepo_c keeps: its parse of the file, written by its writer.
crdump() {
	"$CRPY" -c 'import sys, createrepo_c as cr
sys.stdout.write(cr.UpdateInfo(sys.argv[1]).xml_dump())' "$1" ||
	    fail "createrepo_c cannot read $1"
}
for f in modular variants; do
	in=$JP_SRCDIR/tests/data/advisory/$f.xml
	"$MERGE" "$in" >"$T/$f.out.xml" 2>"$T/merge.err" ||
	    { cat "$T/merge.err"; fail "advisory-merge $f.xml"; }
	if [ -n "$HAVE_SOLV" ]; then
		solvdump "$in" > "$T/$f.in.dump"
		solvdump "$T/$f.out.xml" > "$T/$f.out.dump"
		grep -q '^solvable:name: patch:' "$T/$f.in.dump" ||
		    fail "libsolv reads nothing from $f.xml"
		diff -u "$T/$f.in.dump" "$T/$f.out.dump" ||
		    fail "libsolv reads $f.xml and its output differently"
	fi
	if [ -n "$CRPY" ]; then
		crdump "$in" > "$T/$f.in.cr"
		crdump "$T/$f.out.xml" > "$T/$f.out.cr"
		grep -q '<update ' "$T/$f.in.cr" ||
		    fail "createrepo_c reads nothing from $f.xml"
		diff -u "$T/$f.in.cr" "$T/$f.out.cr" ||
		    fail "createrepo_c reads $f.xml and its output differently"
	fi
done
exit 0
