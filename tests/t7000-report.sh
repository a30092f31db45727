#!/bin/sh
# t7000-report: jprepo report over a fleet of scratch roots made by real
# dnf and dpkg, scanned by jprepo scan and planned by jprepo plan.
#
# The fleet (each host's state is designed, then checked):
#   web-sec      secpkg, critpkg, stable 1.0: security (Critical, Important,
#                Low), the Critical advisory out 91 days: over the SLA
#   web-low      secpkg 1.0: security (Important, Low), within the SLA
#   web-bug      bugpkg 1.0: updates (a bugfix advisory only)
#   web-ok       stable 1.0: patched
#   web-fail     b 1-1, then jprepo apply whose b-2-1 %pre fails: failed
#   web-applied  bugpkg, secpkg 1.0, then jprepo apply (ok): patched, with
#                its journal collected for --history
#   web-old      web-ok's root scanned 10 days before "now": stale
#   web-new      a scan the plan was not made from: unplanned
#   deb-upd      Debian root, tool 1.0-1 with 1.5-1 in the APT repo: updates
# Oracles: dnf updateinfo list --security and dnf list --upgrades per RPM
# root (the advisories and updates the report counts), rpm -q, jprepo
# history --json (the journal), and a Python computation of every number
# from the plan and scan files with "now" = SOURCE_DATE_EPOCH.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_root "dnf and dpkg install into scratch roots"
need_cmd rpmbuild dnf rpm dpkg dpkg-deb dpkg-query ldd python3

# 2026-12-01T00:00:00Z
NOW=1796083200

O=$T/old N=$T/new
mkdir -p "$O" "$N"
for p in secpkg critpkg bugpkg stable; do
	jp_mkrpm "$O" $p 1.0 1
done
jp_mkrpm "$O" b 1 1
cp "$O"/*.rpm "$N/"
jp_mkrpm "$N" secpkg 1.1 1
jp_mkrpm "$N" critpkg 1.1 1
jp_mkrpm "$N" bugpkg 1.1 1
jp_mkrpm "$N" b 2 1 '%pre -p <lua>' 'error("preinstall refuses")'

# adv ID TYPE SEVERITY ISSUED PKG: one <update> of updateinfo.xml
adv() {
	cat <<EOF
  <update from="test@example.com" status="final" type="$2" version="1">
    <id>$1</id>
    <title>$1</title>
    <issued date="$4"/>
    ${3:+<severity>$3</severity>}
    <description>$1 for $jp_test.</description>
    <pkglist><collection short="t"><name>t</name>
      <package name="$5" epoch="0" version="1.1" release="1" arch="noarch" src="$5-1.1-1.src.rpm">
        <filename>$5-1.1-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
EOF
}
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<updates>'
	adv TEST-SEC-1 security Important "2026-11-20 00:00:00" secpkg
	adv TEST-LOW-1 security Low "2026-11-25 12:00:00" secpkg
	adv TEST-CRIT-1 security Critical "2026-09-01 00:00:00" critpkg
	adv TEST-BUG-1 bugfix "" "2026-10-01 00:00:00" bugpkg
	echo '</updates>'
} >"$T/updateinfo.xml"
jp_expect 0 build -q "$O"
jp_expect 0 build -q --advisories "$T/updateinfo.xml" "$N"

# rpmroot NAME PKG...: a root named NAME with PKGs installed by dnf from
# the old repository.
rpmroot() {
	r=$T/$1
	mkdir -p "$r/etc"
	echo "$1" >"$r/etc/hostname"
	shift
	jp_dnf "$O" --installroot="$r" install "$@"
	[ "$rc" = 0 ] || fail "dnf install $* into $r: $(cat "$T/dnf.err")"
}
rpmroot web-sec secpkg critpkg stable
rpmroot web-low secpkg
rpmroot web-bug bugpkg stable
rpmroot web-ok stable
rpmroot web-fail b
rpmroot web-applied bugpkg secpkg

# web-fail: b-2-1's %pre refuses; web-applied: every update goes in.
jp_expect 1 apply --repo "$N" --root "$T/web-fail"
jp_assert_rpms "$T/web-fail" "b-1-1.noarch" "after the failed apply"
jp_expect 0 apply --repo "$N" --root "$T/web-applied"
jp_assert_rpms "$T/web-applied" "bugpkg-1.1-1.noarch secpkg-1.1-1.noarch" \
    "after the apply"

# deb-upd: tool 1.0-1 installed by dpkg, 1.5-1 in the APT repository.
A=$(dpkg --print-architecture)
D=$T/apt
jp_apply_mkdeb "$D" tool 1.0-1 "$A"
jp_apply_mkdeb "$D" tool 1.5-1 "$A"
jp_expect 0 build -q "$D"
jp_apply_deb_root "$T/deb-upd" deb-upd
jp_dpkg_i "$T/deb-upd" "$D/pool/main/tool_1.0-1_$A.deb"

# The scans, an hour before "now"; web-old ten days before.
mkdir "$T/scans"
SOURCE_DATE_EPOCH=$((NOW - 3600))
export SOURCE_DATE_EPOCH
for h in web-sec web-low web-bug web-ok web-fail web-applied deb-upd; do
	jp_expect 0 scan --root "$T/$h" -o "$T/scans/$h.scan"
done
jp_expect 0 scan --root "$T/web-bug" --host web-new -o "$T/web-new.scan"
SOURCE_DATE_EPOCH=$((NOW - 10 * 86400))
jp_expect 0 scan --root "$T/web-ok" --host web-old -o "$T/scans/web-old.scan"
unset SOURCE_DATE_EPOCH
grep -q '^apply [0-9]* partial\|^apply [0-9]* failed\|^apply-failed ' \
    "$T/scans/web-fail.scan" ||
    fail "web-fail's scan has no failed apply: $(grep apply "$T/scans/web-fail.scan")"

jp_expect 0 plan --repo "$N" --repo "$D" -o "$T/plan.json" "$T/scans"
scans="$T/scans/web-sec.scan $T/scans/web-low.scan $T/scans/web-bug.scan
$T/scans/web-ok.scan $T/scans/web-fail.scan $T/scans/web-applied.scan
$T/scans/web-old.scan $T/web-new.scan $T/scans/deb-upd.scan"

# --history: web-fail's journal as collected (DIR/HOST/journal.sqlite),
# web-applied's as a copied root (DIR/HOST/var/lib/jprepo/...).
H=$T/collected
mkdir -p "$H/web-fail" "$H/web-applied/var/lib/jprepo"
cp "$T/web-fail/var/lib/jprepo/journal.sqlite" "$H/web-fail/" ||
    fail "web-fail has no journal"
cp "$T/web-applied/var/lib/jprepo/journal.sqlite" \
    "$H/web-applied/var/lib/jprepo/" || fail "web-applied has no journal"
jp_history_json "$T/web-fail" "$T/hist-web-fail.json"
jp_history_json "$T/web-applied" "$T/hist-web-applied.json"

# The oracles from dnf, per RPM root: security advisory ids and severity,
# and the number of packages with an update.
for h in web-sec web-low web-bug web-ok web-fail web-applied; do
	jp_dnf "$N" --installroot="$T/$h" updateinfo list --security
	[ "$rc" = 0 ] || fail "dnf updateinfo list in $h: $(cat "$T/dnf.err")"
	awk 'NF >= 3 { split($2, s, "/"); print $1, s[1] }' "$T/dnf.out" |
	    LC_ALL=C sort -u >"$T/$h.dnfsec"
	jp_dnf "$N" --installroot="$T/$h" list --upgrades
	[ "$rc" = 0 ] || fail "dnf list --upgrades in $h: $(cat "$T/dnf.err")"
	grep -c '\.noarch ' "$T/dnf.out" >"$T/$h.dnfupd" || true
done
[ -s "$T/web-sec.dnfsec" ] || fail "dnf lists no security advisory for web-sec"

# shellcheck disable=SC2086 # $scans is a list of paths
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --format json --plan "$T/plan.json" \
    --history "$H" $scans >"$T/report.json" 2>"$T/err" ||
    fail "jprepo report --format json: exit $?: $(cat "$T/err")"

# Every number, computed here from the plan and the scans.
# shellcheck disable=SC2086 # $scans is a list of paths
python3 - "$T/report.json" "$T/plan.json" "$NOW" "$T" $scans <<'EOF' ||
import calendar, json, os, sys, time

rep = json.load(open(sys.argv[1]))
plan = json.load(open(sys.argv[2]))
now = int(sys.argv[3])
T = sys.argv[4]
scans = sys.argv[5:]
errors = []

def need(cond, what):
    if not cond:
        errors.append(what)

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

def parse_issued(s):
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return calendar.timegm(time.strptime(s, fmt))
        except ValueError:
            pass
    return None

need(rep["format"] == "jprepo-report" and rep["version"] == 1, "format")
need(rep["generated"] == iso(now), "generated %r" % rep["generated"])
need(rep["sla_days"] == 30 and rep["stale_days"] == 7, "defaults")
need([h["host"] for h in rep["hosts"]] ==
     [os.path.basename(s)[:-5] for s in scans], "hosts in scan order")

planned = {h["host"]: h for h in plan["hosts"]}
sev_names = ["Critical", "Important", "Moderate", "Low"]
fleet_ids = {}
by_state = dict.fromkeys(["patched", "updates", "security", "failed",
                          "stale", "unplanned"], 0)
over = 0
for path, h in zip(scans, rep["hosts"]):
    name = h["host"]
    fields = {}
    failed = []
    for line in open(path):
        w = line.split()
        if w and w[0] in ("scanned", "apply", "os", "arch", "format", "manager"):
            fields[w[0]] = w[1:]
        if w and w[0] == "apply-failed":
            failed.append(" ".join(w[1:]))
    scanned = calendar.timegm(time.strptime(fields["scanned"][0],
                                            "%Y-%m-%dT%H:%M:%SZ"))
    need(h["scanned"] == fields["scanned"][0], name + " scanned")
    # "-" in a scan: unknown, the empty string as in the plan
    need([h["os"], h["os_version"]] == [v if v != "-" else "" for v in fields["os"]],
         "%s os %r %r" % (name, h["os"], fields["os"]))
    need(h["arch"] == fields["arch"][0], name + " arch")
    need(h["format"] == fields["format"][0], name + " format")
    need(h["manager"] == fields["manager"][0], name + " manager")
    age = max(0, (now - scanned) // 86400)
    stale = now - scanned > 7 * 86400
    need(h["scan_age_days"] == age, "%s age %r != %r" % (name, h["scan_age_days"], age))
    need(h["stale"] == stale, name + " stale")
    if "apply" in fields:
        a = list(fields["apply"])
        # the journal's ids are integers: the report gives them as numbers
        a[0] = int(a[0]) if a[0].isdigit() else a[0]
        la = h["last_apply"]
        need(la is not None and [la["txid"], la["status"], la["time"]] == a,
             "%s last_apply %r != %r" % (name, la, a))
        need(la["failed"] == failed, name + " apply-failed")
        apply_failed = bool(failed) or a[1] in ("failed", "partial", "reverted", "interrupted")
    else:
        need(h["last_apply"] is None, name + " last_apply")
        apply_failed = False
    need(h["apply_failed"] == apply_failed, name + " apply_failed")
    p = planned.get(name)
    sec = {}
    if p:
        need(h["updates"] == len(p["updates"]), name + " updates")
        for u in p["updates"]:
            for a in u["advisories"]:
                if a["type"] == "security":
                    sec[a["id"]] = a
    counts = dict.fromkeys(sev_names + ["other"], 0)
    for a in sec.values():
        counts[a["severity"] if a["severity"] in sev_names else "other"] += 1
        fleet_ids[a["id"]] = a["severity"]
    if p:
        need(h["security"] == counts and h["security_total"] == len(sec),
             "%s security %r != %r" % (name, h["security"], counts))
    else:
        need(h["updates"] is None and h["security"] is None and
             h["security_total"] is None, name + " unplanned: not null")
    dated = [(parse_issued(a["issued"]), a["id"]) for a in sec.values()
             if parse_issued(a["issued"]) is not None]
    if dated:
        t, aid = min(dated)
        days = (now - t) // 86400
        need(h["oldest_security"] == {"id": aid, "issued": sec[aid]["issued"],
                                      "days": days},
             "%s oldest %r" % (name, h["oldest_security"]))
        need(h["over_sla"] == (days > 30), name + " over_sla")
        over += days > 30
    else:
        need(h["oldest_security"] is None and not h["over_sla"], name + " oldest")
    if stale:
        state = "stale"
    elif apply_failed:
        state = "failed"
    elif not p:
        state = "unplanned"
    elif sec:
        state = "security"
    elif p["updates"]:
        state = "updates"
    else:
        state = "patched"
    need(h["state"] == state, "%s state %r != %r" % (name, h["state"], state))
    by_state[state] += 1
    # the oracles from dnf
    if os.path.exists(os.path.join(T, name + ".dnfsec")) and name != "web-old":
        dnf = sorted(l.split() for l in open(os.path.join(T, name + ".dnfsec")))
        mine = sorted([i, a["severity"]] for i, a in sec.items())
        need(dnf == mine, "%s: dnf says %r, the plan %r" % (name, dnf, mine))
        nupd = int(open(os.path.join(T, name + ".dnfupd")).read() or 0)
        need(h["updates"] == nupd, "%s: %d updates, dnf lists %d" % (name, h["updates"], nupd))
    # the journals
    hist = os.path.join(T, "hist-%s.json" % name)
    if os.path.exists(hist):
        txs = json.load(open(hist))["transactions"]
        ok = [t for t in txs if t["kind"] == "apply" and t["status"] == "ok"]
        want = {"transactions": len(txs),
                "last_ok": (ok[-1]["finished"] or ok[-1]["started"]) if ok else None,
                "last_ok_txid": ok[-1]["id"] if ok else None}
        need(h["history"] == want, "%s history %r != %r" % (name, h["history"], want))
    else:
        need(h["history"] is None, name + " history")

f = rep["fleet"]
need(f["hosts"] == len(scans), "fleet hosts")
need(f["by_state"] == by_state, "by_state %r != %r" % (f["by_state"], by_state))
sev = dict.fromkeys(sev_names + ["other"], 0)
for s in fleet_ids.values():
    sev[s if s in sev_names else "other"] += 1
need(f["advisories_by_severity"] == sev, "fleet severities %r != %r" % (f["advisories_by_severity"], sev))
need(f["over_sla"] == over, "over_sla")

# the states designed for this fleet
want = {"web-sec": "security", "web-low": "security", "web-bug": "updates",
        "web-ok": "patched", "web-fail": "failed", "web-applied": "patched",
        "web-old": "stale", "web-new": "unplanned", "deb-upd": "updates"}
got = {h["host"]: h["state"] for h in rep["hosts"]}
need(got == want, "states %r" % got)
hs = {h["host"]: h for h in rep["hosts"]}
need(hs["web-sec"]["oldest_security"]["id"] == "TEST-CRIT-1" and
     hs["web-sec"]["oldest_security"]["days"] == 91 and hs["web-sec"]["over_sla"],
     "web-sec oldest")
need(hs["web-low"]["oldest_security"]["id"] == "TEST-SEC-1" and
     hs["web-low"]["oldest_security"]["days"] == 11 and not hs["web-low"]["over_sla"],
     "web-low oldest")
need(f["advisories_by_severity"] == {"Critical": 1, "Important": 1,
     "Moderate": 0, "Low": 1, "other": 0}, "fleet advisories")
need(hs["web-applied"]["history"]["last_ok"] is not None, "web-applied last ok")
need(hs["web-fail"]["history"]["last_ok"] is None, "web-fail last ok")
if errors:
    print("\n".join(errors))
    sys.exit(1)
EOF
    fail "the JSON report disagrees (see above); report: $(cat "$T/report.json")"

# The text report: the same facts, one aligned line per host.
# shellcheck disable=SC2086
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --plan "$T/plan.json" --history "$H" \
    $scans >"$T/report.txt" 2>"$T/err" ||
    fail "jprepo report: exit $?: $(cat "$T/err")"
python3 - "$T/report.json" "$T/report.txt" <<'EOF' ||
import json, sys
rep = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split("\n")
errors = []
f = rep["fleet"]
want = "hosts by state: " + ", ".join("%s %d" % kv for kv in f["by_state"].items())
if want not in lines:
    errors.append("no line %r" % want)
want = "security advisories needed: " + ", ".join(
    "%s %d" % kv for kv in f["advisories_by_severity"].items())
if want not in lines:
    errors.append("no line %r" % want)
if "hosts over the SLA: %d" % f["over_sla"] not in lines:
    errors.append("no over-SLA line")
head = [i for i, l in enumerate(lines) if l.startswith("HOST ")]
if len(head) != 1:
    errors.append("no table header")
else:
    h = head[0]
    col = lines[h].index("STATE")
    rows = lines[h + 1:h + 1 + len(rep["hosts"])]
    for r, host in zip(rows, rep["hosts"]):
        w = r.split()
        if w[0] != host["host"] or w[1] != host["state"]:
            errors.append("row %r for %s/%s" % (r, host["host"], host["state"]))
        if r[col:].split()[0] != host["state"]:
            errors.append("row %r: state not in the STATE column" % r)
        upd = w[w.index(host["scanned"]) + 2 + (1 if host["stale"] else 0)]
        if upd != str(host["updates"]) and not (upd == "-" and host["state"] == "unplanned"):
            errors.append("row %r: updates %r" % (r, upd))
        if host["over_sla"] != ("OVER-SLA" in r):
            errors.append("row %r: OVER-SLA" % r)
for host in rep["hosts"]:
    if host["history"]:
        l = [x for x in lines if x.startswith("history %s: " % host["host"])]
        if len(l) != 1 or ("%d transaction" % host["history"]["transactions"]) not in l[0]:
            errors.append("history line of %s: %r" % (host["host"], l))
if errors:
    print("\n".join(errors))
    sys.exit(1)
EOF
    fail "the text report disagrees with the JSON (see above):
$(cat "$T/report.txt")"

# The HTML page holds the same numbers (Chromium renders it in t7010).
# shellcheck disable=SC2086
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --format html --plan "$T/plan.json" \
    --history "$H" $scans >"$T/report.html" 2>"$T/err" ||
    fail "jprepo report --format html: exit $?: $(cat "$T/err")"
python3 - "$T/report.json" "$T/report.html" <<'EOF' ||
import html.parser, json, sys
rep = json.load(open(sys.argv[1]))
class P(html.parser.HTMLParser):
    rows = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-host" in a:
            self.rows.append({"host": a["data-host"], "state": a["data-state"]})
        elif tag == "td" and self.rows:
            self.rows[-1][a["data-field"]] = a["data-sort"]
p = P()
p.feed(open(sys.argv[2], encoding="utf-8").read())
assert [r["host"] for r in p.rows] == [h["host"] for h in rep["hosts"]]
for r, h in zip(p.rows, rep["hosts"]):
    assert r["state"] == h["state"], (r, h["state"])
    if h["updates"] is not None:
        assert int(r["updates"]) == h["updates"], (r, h["updates"])
    hist = h["history"]
    assert int(r["transactions"]) == (hist["transactions"] if hist else -1), r
    assert r["last_ok"] == ((hist["last_ok"] or "") if hist else ""), r
    o = h["oldest_security"]
    assert int(r["oldest_days"]) == (o["days"] if o else -1), r
EOF
    fail "the HTML report disagrees with the JSON (see above)"

# -o writes the same bytes; no plan: scan facts only, every host unplanned
# but the stale and failed ones.
# shellcheck disable=SC2086
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --plan "$T/plan.json" --history "$H" \
    -o "$T/o.txt" $scans 2>"$T/err" || fail "report -o: $(cat "$T/err")"
cmp -s "$T/o.txt" "$T/report.txt" || fail "report -o differs from stdout"
# shellcheck disable=SC2086
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --format json $scans \
    >"$T/noplan.json" 2>"$T/err" || fail "report without a plan: $(cat "$T/err")"
jp_json "$T/noplan.json" "report without a plan" '
s = {h["host"]: h["state"] for h in d["hosts"]}
assert d["plan"] is False
assert s["web-old"] == "stale" and s["web-fail"] == "failed", s
assert all(v == "unplanned" for k, v in s.items() if k not in ("web-old", "web-fail")), s
assert all(h["security"] is None and h["oldest_security"] is None for h in d["hosts"])'

# A directory stands for its *.scan files in name order.
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --format json --plan "$T/plan.json" \
    "$T/scans" >"$T/dir.json" 2>"$T/err" || fail "report DIR: $(cat "$T/err")"
# shellcheck disable=SC2046 # the file names have no blanks
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --format json --plan "$T/plan.json" \
    $(LC_ALL=C ls "$T"/scans/*.scan) >"$T/files.json" 2>"$T/err" ||
    fail "report FILES: $(cat "$T/err")"
cmp -s "$T/dir.json" "$T/files.json" ||
    fail "report of the directory differs from its files in name order"
jp_json "$T/dir.json" "report DIR" 'assert len(d["hosts"]) == 8, len(d["hosts"])'

# --sla and --stale move the limits: 91 days is within --sla 91; a scan an
# hour old is stale with --stale 0.
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --format json --sla 91 --stale 0 \
    --plan "$T/plan.json" "$T/scans/web-sec.scan" >"$T/lim.json" 2>"$T/err" ||
    fail "report --sla 91 --stale 0: $(cat "$T/err")"
jp_json "$T/lim.json" "--sla 91 --stale 0" '
h = d["hosts"][0]
assert d["sla_days"] == 91 and d["stale_days"] == 0
assert h["over_sla"] is False and h["oldest_security"]["days"] == 91, h
assert h["stale"] is True and h["state"] == "stale", h
assert d["fleet"]["over_sla"] == 0'
SOURCE_DATE_EPOCH=$NOW "$JPREPO" report --format json --sla 90 \
    --plan "$T/plan.json" "$T/scans/web-sec.scan" >"$T/lim.json" 2>"$T/err" ||
    fail "report --sla 90: $(cat "$T/err")"
jp_json "$T/lim.json" "--sla 90" 'assert d["hosts"][0]["over_sla"] is True'

# Errors: usage (2), a scan that cannot be read (1, the others reported),
# a plan that is not one (3), nothing readable (3).
jp_expect 2 report --format xml "$T/scans/web-ok.scan"
jp_err_has "format"
jp_expect 2 report --sla soon "$T/scans/web-ok.scan"
jp_expect 2 report --stale -1 "$T/scans/web-ok.scan"
jp_expect 2 report
SOURCE_DATE_EPOCH=soon
export SOURCE_DATE_EPOCH
jp_expect 2 report "$T/scans/web-ok.scan"
jp_err_has "SOURCE_DATE_EPOCH"
unset SOURCE_DATE_EPOCH
jp_expect 2 report --bogus "$T/scans/web-ok.scan"
echo "not a scan" >"$T/bad.scan"
jp_expect 1 report --format json "$T/scans/web-ok.scan" "$T/bad.scan" \
    "$T/missing.scan"
jp_err_has "bad\.scan"
jp_err_has "missing\.scan"
jp_json "$T/out" "report with bad scans" '
assert [h["host"] for h in d["hosts"]] == ["web-ok"], d["hosts"]'
echo '{"format": "jprepo-plan", "version": 9, "hosts": []}' >"$T/v9.json"
jp_expect 3 report --plan "$T/v9.json" "$T/scans/web-ok.scan"
jp_err_has "v9\.json.*version 9"
jp_expect 3 report --plan "$T/scans/web-ok.scan" "$T/scans/web-ok.scan"
jp_err_has "cannot read the plan .*web-ok\.scan"
jp_expect 3 report "$T/bad.scan"
jp_expect 0 report --help
grep -q -- '--history DIR' "$T/out" || fail "--help does not name --history"
exit 0
