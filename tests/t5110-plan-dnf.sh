#!/bin/sh
# t5110-plan-dnf: jprepo plan against real dnf.  A scratch root gets old
# versions installed from an "old" repository; a "new" repository holds
# newer versions, a new dependency, an install-only kernel, an obsoleting
# package, an update whose requirement nothing provides, and advisories
# (security and bugfix).  The host is scanned by both scanners (jprepo
# scan and tools/jprepo-scan; their files must be equal), then planned.
# Oracles, each run on a copy of the root:
#   dnf upgrade -y            the packages added and removed equal the plan
#                             (updates' targets, new packages; replaced ones)
#   dnf upgrade --security -y likewise for jprepo plan --security
#   dnf updateinfo list       the advisories the plan says the host needs
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_root
need_cmd rpmbuild dnf rpm python3
SCANSH="$JP_SRCDIR/tools/jprepo-scan"
[ -f "$SCANSH" ] || fail "tools/jprepo-scan is missing"

mkdir -p "$T/old" "$T/new"
# old versions (jp_mkrpm: tests/lib.sh)
O=$T/old
jp_mkrpm "$O" app 1.0 1 'Requires: libA >= 1.0'
jp_mkrpm "$O" libA 1.0 1
jp_mkrpm "$O" kernel 5.0 1
jp_mkrpm "$O" oldname 1.0 1
jp_mkrpm "$O" broken 1.0 1
jp_mkrpm "$O" secpkg 1.0 1
jp_mkrpm "$O" bugpkg 1.0 1
jp_mkrpm "$O" stable 1.0 1
# new versions, beside the old ones
N=$T/new
cp "$O"/*.rpm "$N/"
jp_mkrpm "$N" app 2.0 1 'Requires: libA >= 2.0' 'Requires: newdep'
jp_mkrpm "$N" libA 2.0 1 'Provides: libA-api = 2'
jp_mkrpm "$N" newdep 1.0 1 'Requires: /usr/share/deeper/marker'
jp_mkrpm "$N" deeper 1.0 1
# deeper's file is what newdep needs: a file requirement through filelists
sed -i 's|^echo 1.0 > %{buildroot}/usr/share/deeper/1.0-1$|&\necho x > %{buildroot}/usr/share/deeper/marker|; s|^/usr/share/deeper/1.0-1$|&\n/usr/share/deeper/marker|' \
    "$T/spec/deeper-1.0-1.spec"
jp_rpmbuild_spec "$N" "$T/spec/deeper-1.0-1.spec" deeper-1.0-1.noarch.rpm
jp_mkrpm "$N" kernel 5.1 1
jp_mkrpm "$N" newname 2.0 1 'Obsoletes: oldname < 2.0' 'Provides: oldname = 2.0'
jp_mkrpm "$N" broken 2.0 1 'Requires: nothere >= 3'
jp_mkrpm "$N" secpkg 1.1 1
jp_mkrpm "$N" secpkg 1.2 1
jp_mkrpm "$N" bugpkg 1.1 1

cat >"$T/updateinfo.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="test@example.com" status="final" type="security" version="1">
    <id>TEST-SEC-1</id>
    <title>secpkg security update</title>
    <issued date="2026-11-01 00:00:00"/>
    <severity>Important</severity>
    <description>Fixes a flaw.</description>
    <references>
      <reference href="https://example.com/CVE-2026-0001" id="CVE-2026-0001" type="cve" title="CVE-2026-0001"/>
    </references>
    <pkglist><collection short="t"><name>t</name>
      <package name="secpkg" epoch="0" version="1.1" release="1" arch="noarch" src="secpkg-1.1-1.src.rpm">
        <filename>secpkg-1.1-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test@example.com" status="final" type="bugfix" version="1">
    <id>TEST-BUG-1</id>
    <title>bugpkg bug fix</title>
    <issued date="2026-11-02 00:00:00"/>
    <description>Fixes a bug.</description>
    <pkglist><collection short="t"><name>t</name>
      <package name="bugpkg" epoch="0" version="1.1" release="1" arch="noarch" src="bugpkg-1.1-1.src.rpm">
        <filename>bugpkg-1.1-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
EOF
jp_expect 0 build -q "$T/old"
jp_expect 0 build -q --advisories "$T/updateinfo.xml" "$T/new"

R=$T/root
jp_dnf "$T/old" --installroot="$R" install app libA kernel oldname broken \
    secpkg bugpkg stable
[ "$rc" = 0 ] || fail "dnf install into the root: $(cat "$T/dnf.err")"

# Both scanners, one file.
SOURCE_DATE_EPOCH=1790000000
export SOURCE_DATE_EPOCH
jp_expect 0 scan --root "$R" --host h1 -o "$T/h1.scan"
sh "$SCANSH" --root "$R" --host h1 -o "$T/h1.sh.scan" 2>"$T/err" ||
    fail "tools/jprepo-scan: $(cat "$T/err")"
cmp -s "$T/h1.scan" "$T/h1.sh.scan" ||
    fail "the two scanners differ: $(diff "$T/h1.scan" "$T/h1.sh.scan" | head -20)"
unset SOURCE_DATE_EPOCH

# dnf_delta ROOT ARGS...: run dnf ARGS -y on a copy of ROOT against the new
# repository; print "+NEVRA" and "-NEVRA" lines of what changed, sorted.
dnf_delta() {
	rm -rf "$T/copy"
	cp -a "$1" "$T/copy"
	shift
	rpm --root "$T/copy" -qa --qf '%{NAME}-%{EVR}.%{ARCH}\n' | sort >"$T/before"
	jp_dnf "$T/new" --installroot="$T/copy" "$@"
	[ "$rc" = 0 ] || fail "dnf $*: $(cat "$T/dnf.err")"
	rpm --root "$T/copy" -qa --qf '%{NAME}-%{EVR}.%{ARCH}\n' | sort >"$T/after"
	comm -13 "$T/before" "$T/after" | sed 's/^/+/'
	comm -23 "$T/before" "$T/after" | sed 's/^/-/'
}

# plan_delta JSON: the same lines predicted by a plan: +targets, +new
# packages, -replaced (not for install-only updates), minus the updates
# whose requirements fail (dnf skips those).
plan_delta() {
	python3 - "$1" <<'EOF' | sort
import json, sys
plan = json.load(open(sys.argv[1]))
h = plan["hosts"][0]
bad = {u["package"] for u in h["unsatisfied"]}
for u in h["updates"]:
    to = "%s-%s.%s" % (u["name"], u["to"], u["to_arch"])
    if to in bad:
        continue
    print("+" + to)
    if not u["installonly"]:
        old = u.get("obsoletes", u["name"])
        print("-%s-%s.%s" % (old, u["from"], u["arch"]))
for i in h["installs"]:
    print("+%s-%s.%s" % (i["name"], i["to"], i["arch"]))
EOF
}

jp_expect 0 plan --repo "$T/new" -o "$T/plan.json" "$T/h1.scan"
cp "$T/out" "$T/plan.txt"
plan_delta "$T/plan.json" >"$T/plan.delta"
dnf_delta "$R" upgrade --setopt=best=False --skip-broken | sort >"$T/dnf.delta"
cmp -s "$T/plan.delta" "$T/dnf.delta" ||
    fail "plan and dnf upgrade differ:
plan: $(tr '\n' ' ' <"$T/plan.delta")
dnf:  $(tr '\n' ' ' <"$T/dnf.delta")"
note "plan == dnf upgrade: $(tr '\n' ' ' <"$T/dnf.delta")"

# What the plan must say beyond the oracle: the kernel beside, the
# obsoleting package, the new dependencies and the failed requirement.
python3 - "$T/plan.json" <<'EOF' || fail "plan content: see above"
import json, sys
h = json.load(open(sys.argv[1]))["hosts"][0]
ups = {u["name"]: u for u in h["updates"]}
def need(c, msg):
    if not c:
        print(msg, file=sys.stderr); sys.exit(1)
need(ups["kernel"]["installonly"] is True and ups["kernel"]["to"] == "5.1-1", "kernel not beside")
need(ups["newname"]["obsoletes"] == "oldname", "newname does not replace oldname")
need(ups["secpkg"]["to"] == "1.2-1", "secpkg not to the newest")
need([a["id"] for a in ups["secpkg"]["advisories"]] == ["TEST-SEC-1"], "secpkg advisory")
need(ups["secpkg"]["advisories"][0]["cves"] == ["CVE-2026-0001"], "cves")
need(ups["secpkg"]["advisories"][0]["severity"] == "Important", "severity")
need("stable" not in ups, "stable has no update")
ins = {i["name"]: i["required_by"] for i in h["installs"]}
need(ins == {"newdep": "app", "deeper": "newdep"}, "installs: %r" % ins)
need(h["unsatisfied"] == [{"package": "broken-2.0-1.noarch", "requires": "nothere >= 3"}],
     "unsatisfied: %r" % h["unsatisfied"])
need(sorted(h["advisories"]["needed"]) == ["TEST-BUG-1", "TEST-SEC-1"], "needed")
EOF
grep -q '^h1 ' "$T/plan.txt" || fail "no text line for host h1: $(cat "$T/plan.txt")"
grep -q '^fleet: 1 host' "$T/plan.txt" || fail "no fleet summary"

# --security against dnf upgrade --security and dnf updateinfo.
jp_expect 0 plan --repo "$T/new" --security --json "$T/h1.scan"
cp "$T/out" "$T/sec.json"
plan_delta "$T/sec.json" >"$T/sec.delta"
dnf_delta "$R" upgrade --security --setopt=best=False | sort >"$T/dnfsec.delta"
cmp -s "$T/sec.delta" "$T/dnfsec.delta" ||
    fail "plan --security and dnf upgrade --security differ:
plan: $(tr '\n' ' ' <"$T/sec.delta")
dnf:  $(tr '\n' ' ' <"$T/dnfsec.delta")"
jp_dnf "$T/new" --installroot="$R" updateinfo list --security
awk '{print $1}' "$T/dnf.out" | sort -u >"$T/dnf.secids"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["hosts"][0]
ids = {a["id"] for u in h["updates"] for a in u["advisories"]}
print("\n".join(sorted(ids)))' "$T/sec.json" >"$T/plan.secids"
cmp -s "$T/plan.secids" "$T/dnf.secids" ||
    fail "security advisories: plan $(cat "$T/plan.secids") dnf $(cat "$T/dnf.secids")"

# A directory stands for its *.scan files, in name order: the same hosts.
mkdir "$T/scans"
cp "$T/h1.scan" "$T/scans/b.scan"
sed 's/^host h1$/host h0/' "$T/h1.scan" >"$T/scans/a.scan"
echo ignored >"$T/scans/notes.txt"
jp_expect 0 plan --repo "$T/new" --json "$T/scans"
python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
hosts = [h["host"] for h in p["hosts"]]
assert hosts == ["h0", "h1"], hosts
assert p["hosts"][0]["updates"] == p["hosts"][1]["updates"]' "$T/out" ||
    fail "plan of a directory: $(head -c 300 "$T/out")"

# --advisory and --min-severity filter.
jp_expect 0 plan --repo "$T/new" --advisory TEST-BUG-1 --json "$T/h1.scan"
cp "$T/out" "$T/bug.json"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["hosts"][0]
assert [u["name"] for u in h["updates"]] == ["bugpkg"], h["updates"]' "$T/bug.json" ||
    fail "--advisory TEST-BUG-1 did not give bugpkg alone"
jp_expect 0 plan --repo "$T/new" --min-severity Critical --json "$T/h1.scan"
cp "$T/out" "$T/crit.json"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["hosts"][0]
assert h["updates"] == [], h["updates"]' "$T/crit.json" ||
    fail "--min-severity Critical kept updates"
exit 0
