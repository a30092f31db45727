#!/bin/sh
# t7010-report-html: jprepo report --format html rendered by headless
# Chromium.  A small fleet of dnf roots (security over the SLA, patched,
# stale, unplanned, and a host whose name is markup) is scanned and
# planned; the page must be one self-contained file (no URL at all, no
# external resource), Chromium must render it without console errors, its
# DOM must hold the host table and both SVG charts, every number in the
# DOM must equal the JSON report's, and the inline sort script must run:
# a copy of the page with a script that clicks headers shows the rows in
# the order computed here from the JSON.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_root "dnf installs into scratch roots"
need_cmd rpmbuild dnf rpm python3 chromium

# 2026-12-01T00:00:00Z
NOW=1796083200
O=$T/old N=$T/new
mkdir -p "$O" "$N"
jp_mkrpm "$O" secpkg 1.0 1
jp_mkrpm "$O" stable 1.0 1
cp "$O"/*.rpm "$N/"
jp_mkrpm "$N" secpkg 1.1 1
cat >"$T/updateinfo.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="test@example.com" status="final" type="security" version="1">
    <id>TEST-SEC-9</id>
    <title>secpkg &lt;b&gt;fix&lt;/b&gt;</title>
    <issued date="2026-08-01 00:00:00"/>
    <severity>Moderate</severity>
    <description>Fixes a flaw.</description>
    <pkglist><collection short="t"><name>t</name>
      <package name="secpkg" epoch="0" version="1.1" release="1" arch="noarch" src="secpkg-1.1-1.src.rpm">
        <filename>secpkg-1.1-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
EOF
jp_expect 0 build -q "$O"
jp_expect 0 build -q --advisories "$T/updateinfo.xml" "$N"

for h in sec ok; do
	jp_dnf "$O" --installroot="$T/$h" install secpkg stable
	[ "$rc" = 0 ] || fail "dnf install into $h: $(cat "$T/dnf.err")"
done
jp_dnf "$O" --installroot="$T/ok" remove secpkg
[ "$rc" = 0 ] || fail "dnf remove in ok: $(cat "$T/dnf.err")"

mkdir "$T/scans"
SOURCE_DATE_EPOCH=$((NOW - 7200))
export SOURCE_DATE_EPOCH
jp_expect 0 scan --root "$T/sec" --host db-01 -o "$T/scans/1.scan"
jp_expect 0 scan --root "$T/ok" --host db-02 -o "$T/scans/2.scan"
# a host name that is markup: it must come out as text
jp_expect 0 scan --root "$T/sec" --host '<img/src=x/onerror=alert(1)>' \
    -o "$T/scans/3.scan"
SOURCE_DATE_EPOCH=$((NOW - 30 * 86400))
jp_expect 0 scan --root "$T/ok" --host db-04 -o "$T/scans/4.scan"
unset SOURCE_DATE_EPOCH
jp_expect 0 plan --repo "$N" -o "$T/plan.json" "$T/scans"
jp_expect 0 scan --root "$T/ok" --host db-05 -o "$T/scans/5.scan"

SOURCE_DATE_EPOCH=$NOW
export SOURCE_DATE_EPOCH
jp_expect 0 report --format json --plan "$T/plan.json" "$T"/scans/*.scan
cp "$T/out" "$T/report.json"
jp_expect 0 report --format html --plan "$T/plan.json" -o "$T/report.html" \
    "$T"/scans/*.scan
[ -s "$T/out" ] && fail "report -o printed on stdout: $(head -c 200 "$T/out")"
unset SOURCE_DATE_EPOCH
jp_json "$T/report.json" "the fleet as designed" '
s = {h["host"]: h["state"] for h in d["hosts"]}
assert s == {"db-01": "security", "db-02": "patched",
    "<img/src=x/onerror=alert(1)>": "security", "db-04": "stale",
    "db-05": "unplanned"}, s
assert d["fleet"]["over_sla"] == 2, d["fleet"]'

# Self-contained: no URL of any scheme, no external resource (parsed:
# the markup host name is in the page as text, and must stay text).
grep -Eiq 'https?:|ftp:|file:|data:' "$T/report.html" &&
    fail "report.html holds a URL: $(grep -Eio '.{30}(https?:|ftp:|file:|data:).{30}' "$T/report.html" | head -3)"
python3 - "$T/report.html" <<'EOF' || fail "report.html is not self-contained (see above)"
import html.parser, re, sys
class P(html.parser.HTMLParser):
    bad = []
    style = False
    css = ""
    def handle_starttag(self, tag, attrs):
        if tag in ("img", "link", "iframe", "object", "embed", "image",
                   "use", "base", "audio", "video", "source", "frame"):
            self.bad.append("<%s>" % tag)
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "srcset", "action",
                     "background", "poster", "data") or k.startswith("on"):
                self.bad.append("%s=%r on <%s>" % (k, v, tag))
            if k == "style" and v and re.search(r"url\(|@import", v):
                self.bad.append("style %r" % v)
        self.style = tag == "style"
    def handle_data(self, d):
        if self.style:
            self.css += d
page = open(sys.argv[1], encoding="utf-8").read()
p = P()
p.feed(page)
if re.search(r"url\(|@import", p.css):
    p.bad.append("url() or @import in the style sheet")
if page.count("<script>") != 1:
    p.bad.append("%d script elements" % page.count("<script>"))
if p.bad:
    print(p.bad)
    sys.exit(1)
EOF
grep -q '<img' "$T/report.html" && fail "the host name came out as markup"
grep -q '<script>' "$T/report.html" || fail "no inline script"
grep -q 'function jpSort(' "$T/report.html" || fail "no sort handler"

# chrome FILE OUT: Chromium's DOM of FILE into OUT, its log in OUT.log.
chrome() {
	HOME=$T/home timeout 120 chromium --headless=new --no-sandbox \
	    --disable-gpu --user-data-dir="$T/chrome" --no-first-run \
	    --disable-extensions --disable-background-networking \
	    --enable-logging=stderr --v=0 --dump-dom "file://$1" \
	    >"$2" 2>"$2.log" ||
	    fail "chromium on $1: exit $?: $(tail -n 5 "$2.log")"
	[ -s "$2" ] || fail "chromium dumped no DOM of $1: $(tail -n 5 "$2.log")"
	if grep -Eq 'Uncaught|:CONSOLE' "$2.log"; then
		fail "console errors in $1: $(grep -E 'Uncaught|CONSOLE' "$2.log" | head -5)"
	fi
	return 0
}
mkdir -p "$T/home"
chrome "$T/report.html" "$T/dom.html"

# The DOM against the JSON report.
python3 - "$T/report.json" "$T/dom.html" <<'EOF' ||
import html.parser, json, sys

rep = json.load(open(sys.argv[1]))
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = {}
        self.rects = {}
        self.rows = []
        self.tags = set()
        self.svg = []
        self.body = {}
        self.th = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "body":
            self.body = a
        if tag == "svg":
            self.svg.append(a.get("id"))
        if "id" in a and "data-value" in a:
            self.ids[a["id"]] = a["data-value"]
        if tag == "rect" and "data-count" in a:
            key = a.get("data-state") or "sev:" + a.get("data-severity", "?")
            self.rects[key] = int(a["data-count"])
        if tag == "tr" and "data-host" in a:
            self.rows.append({"host": a["data-host"], "attrs": a, "cells": {}})
        if tag == "td" and self.rows:
            self.rows[-1]["cells"][a["data-field"]] = a["data-sort"]
        if tag == "th":
            self.th.append(a.get("data-key"))
p = P()
p.feed(open(sys.argv[2], encoding="utf-8").read())
errors = []
def need(c, what):
    if not c:
        errors.append(what)

need(p.body.get("data-sortable") == "yes", "the inline script did not run: body %r" % p.body)
need("table" in p.tags, "no table")
need(p.svg == ["chart-states", "chart-severity"], "svg charts %r" % p.svg)
f = rep["fleet"]
need(p.ids.get("fleet-hosts") == str(f["hosts"]), "fleet-hosts")
need(p.ids.get("fleet-over-sla") == str(f["over_sla"]), "fleet-over-sla")
need(p.ids.get("sla-days") == str(rep["sla_days"]), "sla-days")
need(p.ids.get("stale-days") == str(rep["stale_days"]), "stale-days")
need(p.ids.get("generated") == rep["generated"], "generated")
for s, n in f["by_state"].items():
    need(p.ids.get("state-" + s) == str(n), "state-%s %r != %d" % (s, p.ids.get("state-" + s), n))
    need(p.rects.get(s) == n, "chart bar %s %r != %d" % (s, p.rects.get(s), n))
for s, n in f["advisories_by_severity"].items():
    need(p.ids.get("sev-" + s) == str(n), "sev-%s" % s)
    need(p.rects.get("sev:" + s) == n, "severity bar %s %r != %d" % (s, p.rects.get("sev:" + s), n))
need([r["host"] for r in p.rows] == [h["host"] for h in rep["hosts"]],
     "rows %r" % [r["host"] for r in p.rows])
for r, h in zip(p.rows, rep["hosts"]):
    c, a = r["cells"], r["attrs"]
    need(a["data-state"] == h["state"] and c["state"] == h["state"], h["host"] + " state")
    need(c["host"] == h["host"], h["host"] + " host cell")
    need(c["scanned"] == h["scanned"], h["host"] + " scanned")
    need(int(c["scan_age_days"]) == h["scan_age_days"], h["host"] + " age")
    need(a["data-stale"] == str(int(h["stale"])), h["host"] + " stale")
    need(a["data-over-sla"] == str(int(h["over_sla"])), h["host"] + " over_sla")
    need(a["data-apply-failed"] == str(int(h["apply_failed"])), h["host"] + " apply_failed")
    if h["updates"] is None:
        need(c["updates"] == "-1", h["host"] + " updates of an unplanned host")
    else:
        need(int(c["updates"]) == h["updates"], h["host"] + " updates")
        for s, n in h["security"].items():
            need(int(c[s]) == n, "%s %s %r != %d" % (h["host"], s, c[s], n))
        need(a["data-security-total"] == str(h["security_total"]), h["host"] + " total")
    o = h["oldest_security"]
    need(c["oldest_security"] == (o["id"] if o else ""), h["host"] + " oldest id")
    need(int(c["oldest_days"]) == (o["days"] if o else -1), h["host"] + " oldest days")
if errors:
    print("\n".join(errors))
    sys.exit(1)
EOF
    fail "the rendered page disagrees with the JSON report (see above)"

# The sort handler: a copy of the page whose extra script clicks headers
# and writes the orders it sees into the DOM.
python3 - "$T/report.html" "$T/sort.html" <<'EOF' || fail "cannot make sort.html"
import sys
page = open(sys.argv[1], encoding="utf-8").read()
probe = """<script>
function order() {
  return Array.prototype.map.call(document.querySelectorAll("#hosts tbody tr"),
    function (r) { return r.getAttribute("data-host"); }).join("|");
}
function click(key) {
  document.querySelector("#hosts th[data-key=" + key + "]").click();
  return order();
}
var out = [click("scan_age_days"), click("scan_age_days"), click("host"),
  click("oldest_days")];
var th = document.querySelector("#hosts th[data-key=oldest_days]");
document.body.setAttribute("data-probe", out.join(";") + ";" + th.className);
</script>
</body>"""
assert page.count("</body>") == 1
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", probe))
EOF
chrome "$T/sort.html" "$T/sort.dom"
python3 - "$T/report.json" "$T/sort.dom" <<'EOF' ||
import html.parser, json, sys
rep = json.load(open(sys.argv[1]))
class P(html.parser.HTMLParser):
    probe = None
    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.probe = dict(attrs).get("data-probe")
p = P()
p.feed(open(sys.argv[2], encoding="utf-8").read())
assert p.probe, "the probe did not run"
got = p.probe.split(";")
hosts = rep["hosts"]
age = lambda h: h["scan_age_days"]
# the second click reverses the ascending order (equal keys keep their order
# from the first sort)
first = sorted(hosts, key=age)
second = sorted(first, key=age, reverse=True)
# Python's reverse=True keeps equal items in their order, as the page's
# comparator returning -r does
third = sorted(second, key=lambda h: h["host"])
fourth = sorted(third, key=lambda h: h["oldest_security"]["days"]
                if h["oldest_security"] else -1)
want = ["|".join(h["host"] for h in l) for l in (first, second, third, fourth)]
assert got[:4] == want, "orders %r, want %r" % (got[:4], want)
assert got[4] == "asc", "header class %r" % got[4]
EOF
    fail "sorting by clicking headers: see above"
exit 0
