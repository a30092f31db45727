#!/bin/sh
# t5120-plan-apt: jprepo plan against real apt.  A dpkg scratch root gets
# old versions from an "old" APT repository; the "new" one holds newer
# versions, one of them needing a new package (through an alternative and
# a versioned dependency), a virtual package provided, and a package in
# two architectures.  The root is scanned by both scanners, then planned.
# The new repository carries a DSA list's advisories (jprepo build
# --advisories), which the plan must attach to the update that fixes them.
# Oracles:
#   apt-get -s dist-upgrade   every Inst line equals the plan's updates and
#                             new packages
#   apt-get -s upgrade        equals the updates that need no new package
#                             (apt keeps the others back)
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_cmd dpkg-deb apt-get python3
SCANSH="$JP_SRCDIR/tools/jprepo-scan"

# mkdeb DIR NAME VERSION ARCH [Field: value]...
mkdeb() {
	d=$1 n=$2 v=$3 a=$4
	shift 4
	b="$T/pkg/$n-$v-$a"
	mkdir -p "$b/DEBIAN" "$b/usr/share/$n"
	echo "$v" >"$b/usr/share/$n/version-$a"
	{
		echo "Package: $n"
		echo "Version: $v"
		echo "Architecture: $a"
		echo "Maintainer: Test <test@example.com>"
		echo "Description: $n for the plan test"
		for f in "$@"; do echo "$f"; done
	} >"$b/DEBIAN/control"
	[ "$a" = all ] || echo "Multi-Arch: same" >>"$b/DEBIAN/control"
	mkdir -p "$d/pool/main"
	dpkg-deb --root-owner-group -Zgzip -b "$b" "$d/pool/main/${n}_${v}_$a.deb" \
	    >/dev/null 2>"$T/deb.err" || fail "dpkg-deb $n $v: $(cat "$T/deb.err")"
}
O=$T/old N=$T/new
mkdeb "$O" app 1.0-1 all 'Depends: liba (>= 1.0)'
mkdeb "$O" liba 1.0-1 amd64
mkdeb "$O" liba 1.0-1 i386
mkdeb "$O" stable 1.0-1 all
mkdeb "$O" exim 1.0-1 all 'Provides: mta'
mkdeb "$O" mailer 1.0-1 all 'Depends: mta'
mkdeb "$O" secpkg 1:1.0-1 amd64
mkdeb "$N" app 2.0-1 all 'Depends: liba (>= 2.0), newdep (>= 1.5) | altdep'
mkdeb "$N" liba 2.0-1 amd64
mkdeb "$N" liba 2.0-1 i386
mkdeb "$N" stable 1.0-1 all
mkdeb "$N" exim 1.0-1 all 'Provides: mta'
mkdeb "$N" mailer 1.1-1 all 'Depends: mta'
mkdeb "$N" secpkg 1:1.1-1 amd64
mkdeb "$N" newdep 1.0-1 all
mkdeb "$N" altdep 1.0-1 all
# A DSA list for the new repository (codename bookworm): secpkg's fix.
printf '%s\n' '[20 Nov 2026] DSA-9001-1 secpkg - security update' \
    '	{CVE-2026-1111 CVE-2026-2222}' '	[bookworm] - secpkg 1:1.1-1' \
    '[19 Nov 2026] DSA-9000-1 stable - security update' '	{CVE-2026-0001}' \
    '	[bookworm] - stable 1.0-1' >"$T/dsa.list"
jp_expect 0 build -q --suite stable "$O"
jp_expect 0 build -q --suite stable --codename bookworm --advisories "$T/dsa.list" "$N"

R=$T/root
jp_apt_root "$R" "$O" stable main i386
jp_apt_ok "$R" update
jp_apt_ok "$R" install app liba liba:i386 stable mailer exim secpkg
# Now the root's sources name the new repository.
echo "deb [trusted=yes] file:$N stable main" >"$R/etc/apt/sources.list"
jp_apt_ok "$R" update

SOURCE_DATE_EPOCH=1790000000
export SOURCE_DATE_EPOCH
jp_expect 0 scan --root "$R" --host d1 -o "$T/d1.scan"
sh "$SCANSH" --root "$R" --host d1 -o "$T/d1.sh.scan" 2>"$T/err" ||
    fail "tools/jprepo-scan: $(cat "$T/err")"
cmp -s "$T/d1.scan" "$T/d1.sh.scan" ||
    fail "the two scanners differ: $(diff "$T/d1.scan" "$T/d1.sh.scan" | head)"
unset SOURCE_DATE_EPOCH
grep -q '^arch amd64$' "$T/d1.scan" || fail "scan arch: $(grep ^arch "$T/d1.scan")"

jp_expect 0 plan --repo "$N" --json "$T/d1.scan"
cp "$T/out" "$T/plan.json"

# apt_inst ARGS: "name:arch version" of every Inst line of apt-get -s ARGS.
apt_inst() {
	jp_apt_ok "$R" -s "$@"
	sed -n 's/^Inst \([^ ]*\) \(\[[^]]*\] \)\{0,1\}(\([^ ]*\) [^[]*\[\([^]]*\)\]).*/\1 \3 \4/p' \
	    "$T/apt.out" | awk '{ n = $1; sub(/:.*/, "", n); print n ":" $3, $2 }' | sort
}
apt_inst dist-upgrade >"$T/apt.dist"
apt_inst upgrade >"$T/apt.up"
[ -s "$T/apt.dist" ] || fail "apt-get -s dist-upgrade installs nothing: $(cat "$T/apt.out")"

python3 - "$T/plan.json" "$T/plan.dist" "$T/plan.up" <<'EOF'
import json, sys
h = json.load(open(sys.argv[1]))["hosts"][0]
need_new = {i["required_by"] for i in h["installs"]}
dist, up = [], []
for u in h["updates"]:
    line = "%s:%s %s" % (u["name"], u["to_arch"], u["to"])
    dist.append(line)
    if u["name"] not in need_new:
        up.append(line)
for i in h["installs"]:
    dist.append("%s:%s %s" % (i["name"], i["arch"], i["to"]))
open(sys.argv[2], "w").write("".join(sorted(l + "\n" for l in dist)))
open(sys.argv[3], "w").write("".join(sorted(l + "\n" for l in up)))
EOF
cmp -s "$T/plan.dist" "$T/apt.dist" ||
    fail "plan and apt-get -s dist-upgrade differ:
plan: $(tr '\n' ';' <"$T/plan.dist")
apt:  $(tr '\n' ';' <"$T/apt.dist")"
cmp -s "$T/plan.up" "$T/apt.up" ||
    fail "plan (updates needing no new package) and apt-get -s upgrade differ:
plan: $(tr '\n' ';' <"$T/plan.up")
apt:  $(tr '\n' ';' <"$T/apt.up")"
note "plan == apt dist-upgrade: $(tr '\n' ';' <"$T/apt.dist")"

# The versions are written as dpkg writes them (epoch kept).
python3 - "$T/plan.json" <<'EOF' || fail "plan content"
import json, sys
h = json.load(open(sys.argv[1]))["hosts"][0]
u = {(x["name"], x["arch"]): x for x in h["updates"]}
assert u[("secpkg", "amd64")]["from"] == "1:1.0-1", u
assert u[("secpkg", "amd64")]["to"] == "1:1.1-1", u
assert ("liba", "i386") in u and ("liba", "amd64") in u, u
assert h["unsatisfied"] == [], h["unsatisfied"]
adv = u[("secpkg", "amd64")]["advisories"]
assert [a["id"] for a in adv] == ["DSA-9001-1"], adv
assert adv[0]["type"] == "security" and adv[0]["cves"] == ["CVE-2026-1111", "CVE-2026-2222"], adv
# stable 1.0-1 is installed: its advisory is patched, secpkg's needed
assert h["advisories"] == {"needed": ["DSA-9001-1"], "patched": ["DSA-9000-1"]}, h["advisories"]
assert [i["name"] for i in h["installs"]] == ["altdep"], h["installs"]  # newdep 1.0 is not >= 1.5
EOF
exit 0
