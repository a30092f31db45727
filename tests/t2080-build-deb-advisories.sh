#!/bin/sh
# t2080-build-deb-advisories: `jprepo build --advisories` over an APT
# repository takes the Debian Security Tracker's feeds (the DSA and DLA
# lists, the JSON dump) and publishes dists/SUITE/updateinfo.xml.gz,
# listed in the signed Release.
#
# The repository is the .deb corpus plus packages made here whose Source
# field differs from their name (a library, a -dev, a binNMU with
# "Source: NAME (VERSION)", an epoch).  The oracle for the advisories is an
# independent reader of the feeds (Python's json module, its own reading of
# the list format), dpkg-deb for the packages' fields and
# `dpkg --compare-versions` for every version comparison; it computes what
# updateinfo.xml.gz must hold (ids, types, severities, dates, references,
# and the lowest fixed version of each package name and architecture) and
# how many advisories are left out, and compares.  Release must list the
# file with its size and all four hashes and by-hash copies (the *sum
# tools), gpgv must accept InRelease, apt must still accept the signed
# repository, `jprepo verify` must check the file, and the fingerprint of
# the build must cover the feeds: an unchanged feed writes nothing, a
# changed one rebuilds.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd dpkg-deb dpkg python3 gzip gpg gpgv apt-get sha256sum
need_jprepo

data=$JP_SRCDIR/tests/data/debsec
repo=$T/repo
jp_copy_deb_corpus "$repo"

# mkpkg NAME VERSION ARCH [SOURCE]: a .deb under pool/main/s/SOURCE/.
mkpkg() {
	jp_src=${4:-$1}
	jp_d=$T/tree/$1_$2_$3
	mkdir -p "$jp_d/DEBIAN" "$jp_d/usr/share/doc/$1"
	echo "$1 $2" >"$jp_d/usr/share/doc/$1/VERSION"
	{
		echo "Package: $1"
		[ -z "${4:-}" ] || echo "Source: $4"
		echo "Version: $2"
		echo "Architecture: $3"
		echo "Maintainer: Test Maintainer <maint@example.com>"
		echo "Installed-Size: 4"
		echo "Description: $1 for the advisory tests"
	} >"$jp_d/DEBIAN/control"
	jp_dir=$repo/pool/main/s/${jp_src%% *}
	mkdir -p "$jp_dir"
	SOURCE_DATE_EPOCH=1700000000 dpkg-deb --root-owner-group -Zgzip \
	    --build "$jp_d" "$jp_dir/$1_$(echo "$2" | sed 's/^[0-9]*://')_$3.deb" \
	    >/dev/null 2>&1 || fail "dpkg-deb cannot build $1 $2"
}
mkpkg libfoo1 1.2-3 amd64 libfoo
mkpkg libfoo1 1.2-4 amd64 libfoo
mkpkg libfoo-dev 1.2-4 all libfoo
mkpkg libfoo-tools 1.2-4+b1 amd64 'libfoo (1.2-4)'
mkpkg openssl 3.0.15-1~deb12u1 amd64
mkpkg libssl3 3.0.11-1~deb12u2 amd64 openssl
mkpkg libssl3 3.0.15-1~deb12u1 amd64 openssl
mkpkg bind9-host 1:9.18.24-1 amd64 bind9

# The oracle: oracle.py REPO CODENAME UPDATEINFO.XML.GZ FEED...
cat >"$T/oracle.py" <<'EOF'
import datetime, gzip, json, os, re, subprocess, sys
import xml.etree.ElementTree as ET

repo, codename, published = sys.argv[1:4]
feeds = sys.argv[4:]
cmp_cache = {}

def ge(a, b):
    if (a, b) not in cmp_cache:
        cmp_cache[(a, b)] = subprocess.call(
            ["dpkg", "--compare-versions", a, "ge", b]) == 0
    return cmp_cache[(a, b)]

# the repository's packages, as dpkg-deb reads them
debs = []
for top, dirs, files in os.walk(repo):
    rel = os.path.relpath(top, repo)
    if rel == "dists" or rel.startswith("dists/") or "/." in "/" + rel:
        continue
    for f in files:
        if not f.endswith(".deb"):
            continue
        path = os.path.join(top, f)
        out = subprocess.check_output(["dpkg-deb", "-f", path, "Package",
            "Version", "Architecture", "Source"], text=True)
        fields = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
        src, srcver = fields["Package"], fields["Version"]
        if "Source" in fields:
            m = re.match(r"^(\S+?)\s*(?:\((.*)\))?\s*$", fields["Source"])
            src = m.group(1)
            if m.group(2):
                srcver = m.group(2).strip()
        debs.append(dict(name=fields["Package"], ver=fields["Version"],
            arch=fields["Architecture"], src=src, srcver=srcver,
            filename=os.path.relpath(path, repo)))

def choose(fixes):
    chosen = {}
    for src, fixed in fixes:
        mine = {}
        for d in debs:
            if d["src"] != src or not ge(d["srcver"], fixed):
                continue
            k = (d["name"], d["arch"])
            if k not in mine or not ge(d["ver"], mine[k]["ver"]):
                mine[k] = d
        for k, d in mine.items():
            if k not in chosen or not ge(chosen[k]["ver"], d["ver"]):
                chosen[k] = d
    pkgs = set()
    for d in chosen.values():
        epoch, v = ("0", d["ver"])
        if ":" in v:
            epoch, v = v.split(":", 1)
        ver, _, relv = v.rpartition("-") if "-" in v else (v, "", "")
        pkgs.add((d["name"], epoch, ver, relv, d["arch"], d["src"],
            d["filename"]))
    return pkgs

want, left = {}, 0
sev_of = {"low": 1, "unimportant": 1, "medium": 2, "high": 3}
sev_name = {1: "Low", 2: "Moderate", 3: "Important"}
groups = {}
for path in feeds:
    text = open(path, "rb").read()
    if text[:2] == b"\x1f\x8b":
        text = gzip.decompress(text)
    text = text.decode("utf-8")
    if text.lstrip().startswith("{"):
        issued = datetime.datetime.fromtimestamp(os.stat(path).st_mtime,
            datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        for src, issues in json.loads(text).items():
            for cve, info in issues.items():
                r = info.get("releases", {}).get(codename)
                if not r or r.get("status") != "resolved":
                    continue
                fixed = r.get("fixed_version")
                if not fixed or fixed == "0":
                    continue
                g = groups.setdefault((src, fixed), {"issued": issued,
                    "cves": {}})
                g["issued"] = min(g["issued"], issued)
                g["cves"].setdefault(cve, (info.get("description"),
                    r.get("urgency", "")))
        continue
    blocks, cur = [], None
    for line in text.splitlines():
        if line and not line[0].isspace():
            m = re.match(r"^\[([^\]]+)\]\s+(\S+)\s*(.*)$", line)
            date = datetime.datetime.strptime(m.group(1), "%d %b %Y")
            cur = dict(id=m.group(2), title=m.group(3),
                issued=date.strftime("%Y-%m-%d 00:00:00"), refs=[], fixes=[])
            blocks.append(cur)
            continue
        s = line.strip()
        if s.startswith("{"):
            cur["refs"] += s.strip("{}").split()
        m = re.match(r"^\[(\S+)\]\s+-\s+(\S+)\s+(\S+)", s)
        if m and m.group(1) == codename and not m.group(3).startswith("<"):
            cur["fixes"].append((m.group(2), m.group(3)))
    for b in blocks:
        if not b["fixes"]:
            continue
        pkgs = choose(b["fixes"])
        if not pkgs:
            left += 1
            continue
        want.setdefault(b["id"], dict(
            type="bugfix" if "bugfix update" in b["title"] else "security",
            title=b["title"], issued=b["issued"], severity=None,
            refs=[(b["id"], "self")] + [(r, "cve" if r.startswith("CVE-")
                else "other") for r in b["refs"]],
            pkgs=pkgs))
for (src, fixed), g in groups.items():
    pkgs = choose([(src, fixed)])
    if not pkgs:
        left += 1
        continue
    sev = max(sev_of.get(u.rstrip("*"), 0) for _, u in g["cves"].values())
    want["DEBIAN-%s-%s" % (src, fixed)] = dict(type="security",
        title="%s - security update" % src, issued=g["issued"],
        severity=sev_name.get(sev),
        refs=[(c, "cve" if c.startswith("CVE-") else "other")
            for c in sorted(g["cves"])], pkgs=pkgs)

got = {}
root = ET.fromstring(gzip.open(published).read())
assert root.tag == "updates", root.tag
for u in root.findall("update"):
    sev = u.find("severity")
    refs = [(r.get("id"), r.get("type")) for r in u.find("references")]
    for r in u.find("references"):
        assert r.get("href") == \
            "https://security-tracker.debian.org/tracker/" + r.get("id")
    colls = u.find("pkglist").findall("collection")
    assert len(colls) == 1 and colls[0].get("short") == codename
    pkgs = set()
    for p in colls[0].findall("package"):
        pkgs.add((p.get("name"), p.get("epoch"), p.get("version"),
            p.get("release"), p.get("arch"), p.get("src"),
            p.find("filename").text))
    got[u.find("id").text] = dict(type=u.get("type"),
        title=u.find("title").text, issued=u.find("issued").get("date"),
        severity=sev.text if sev is not None else None, refs=refs, pkgs=pkgs)

bad = 0
for k in sorted(set(want) | set(got)):
    if want.get(k) != got.get(k):
        bad = 1
        print("advisory %s:\n  want %s\n  got  %s" % (k, want.get(k),
            got.get(k)), file=sys.stderr)
print(len(got), left)
sys.exit(bad)
EOF

# check_ui CODENAME FEED...: updateinfo.xml.gz of the last build is what
# the oracle says; the published and left-out counts in $n_pub, $n_left.
check_ui() {
	jp_cn=$1
	shift
	ui=$repo/dists/stable/updateinfo.xml.gz
	[ -f "$ui" ] || fail "no dists/stable/updateinfo.xml.gz"
	gzip -t "$ui" || fail "updateinfo.xml.gz is not gzip"
	gzip -dc "$ui" | xmllint --noout - || fail "updateinfo.xml is not well-formed XML"
	python3 "$T/oracle.py" "$repo" "$jp_cn" "$ui" "$@" >"$T/oracle.out" 2>"$T/oracle.err" ||
	    fail "updateinfo.xml.gz differs from the oracle ($*):
$(cat "$T/oracle.err")"
	read -r n_pub n_left <"$T/oracle.out"
	[ "$n_pub" -gt 0 ] || fail "test bug: the oracle expects no advisory"
	if [ "$n_left" -gt 0 ]; then
		jp_err_has "$n_left advisor(y|ies) of release '$jp_cn' left out" \
		    "the note on the advisories that name no package"
	fi
}

# check_listed SUITEDIR: Release lists updateinfo.xml.gz in all four hash
# sections, with by-hash copies, and every listed file checks out.
check_listed() {
	for s in MD5Sum SHA1 SHA256 SHA512; do
		jp_release_sums "$1/Release" "$s" | grep -q ' updateinfo\.xml\.gz$' ||
		    fail "Release has no $s line for updateinfo.xml.gz"
	done
	h=$(sha256sum <"$1/updateinfo.xml.gz" | cut -d' ' -f1)
	jp_release_sums "$1/Release" SHA256 | grep -qx "$h $(wc -c <"$1/updateinfo.xml.gz" | tr -d ' ') updateinfo.xml.gz" ||
	    fail "Release's SHA256 line of updateinfo.xml.gz is not '$h SIZE'"
	jp_assert_release "$1" "with advisories"
}

H=$T/gnupg
jp_test_key "$H" 'jprepo test <test@example.com>'
fpr=$jp_fpr
gpg --homedir "$H" --export "$fpr" >"$T/key.gpg"
sign="--sign $fpr --homedir $H"
suite=$repo/dists/stable

# --- the DSA and DLA lists ------------------------------------------------
cp "$data/dsa.list" "$data/dla.list" "$T/"
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/dsa.list" \
    --advisories "$T/dla.list" "$repo"
check_ui bookworm "$T/dsa.list" "$T/dla.list"
# left out: libfoo 1.3-1 (too new), strongswan (absent), demo 2.0-1 (the
# demo-app and demo-doc binaries are 3.2-1, but built from demo 1.0-1)
[ "$n_pub" = 6 ] && [ "$n_left" = 3 ] ||
    fail "test bug: the lists should give 6 advisories and 3 left out, the oracle says $n_pub and $n_left"
check_listed "$suite"
gpgv --keyring "$T/key.gpg" "$suite/InRelease" 2>"$T/gpgv.err" ||
    fail "gpgv refuses InRelease: $(cat "$T/gpgv.err")"
gpg --homedir "$H" --batch --decrypt "$suite/InRelease" 2>/dev/null |
    grep -q ' updateinfo\.xml\.gz$' || fail "InRelease's signed text does not list updateinfo.xml.gz"

# apt still takes the signed repository
root=$T/root
jp_apt_root "$root" "$repo"
echo "deb [signed-by=$T/key.gpg] file:$repo stable main" >"$root/etc/apt/sources.list"
jp_apt_ok "$root" update
jp_apt_ok "$root" install libfoo-tools

# verify checks updateinfo.xml.gz like every file Release lists
jp_expect 0 verify --keyring "$T/key.gpg" "$repo"
cp "$suite/Release" "$T/Release.1"

# unchanged feeds: nothing written
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/dsa.list" \
    --advisories "$T/dla.list" "$repo"
jp_err_has 'up to date, nothing written' "a build with the same feeds"
cmp -s "$T/Release.1" "$suite/Release" || fail "Release changed though nothing did"

# a damaged updateinfo.xml.gz: verify names it, the next build repairs it
cp "$suite/updateinfo.xml.gz" "$T/ui.keep"
rm -f "$suite/updateinfo.xml.gz"
{ cat "$T/ui.keep"; echo x; } >"$suite/updateinfo.xml.gz"
jp_expect 1 verify --keyring "$T/key.gpg" "$repo"
jp_err_has 'updateinfo\.xml\.gz' "verify names the damaged file"
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/dsa.list" \
    --advisories "$T/dla.list" "$repo"
if grep -q 'up to date, nothing written' "$T/err"; then
	fail "the build did not notice the damaged updateinfo.xml.gz"
fi
cmp -s "$T/ui.keep" "$suite/updateinfo.xml.gz" ||
    fail "the rebuilt updateinfo.xml.gz differs from the first build's"
jp_expect 0 verify --keyring "$T/key.gpg" "$repo"

# a changed feed rebuilds: a new advisory for hello 2.0-1
printf '[20 Sep 2024] DSA-5800-1 hello - security update\n\t{CVE-2024-9999}\n\t[bookworm] - hello 2.0-1\n' \
    >>"$T/dsa.list"
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/dsa.list" \
    --advisories "$T/dla.list" "$repo"
if grep -q 'up to date, nothing written' "$T/err"; then
	fail "a changed feed did not rebuild"
fi
check_ui bookworm "$T/dsa.list" "$T/dla.list"
[ "$n_pub" = 7 ] || fail "after adding DSA-5800-1: $n_pub advisories, want 7"
gzip -dc "$suite/updateinfo.xml.gz" | grep -q '<id>DSA-5800-1</id>' ||
    fail "DSA-5800-1 not published"
check_listed "$suite"
jp_apt_ok "$root" update

# another codename: the bullseye lines count
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bullseye --advisories "$T/dsa.list" \
    --advisories "$T/dla.list" "$repo"
check_ui bullseye "$T/dsa.list" "$T/dla.list"
gzip -dc "$suite/updateinfo.xml.gz" | grep -q '<id>DLA-3899-1</id>' ||
    fail "--codename bullseye: DLA-3899-1 (bullseye) not published"
if gzip -dc "$suite/updateinfo.xml.gz" | grep -q '<id>DSA-5700-1</id>'; then
	fail "--codename bullseye: DSA-5700-1 (bookworm only) published"
fi

# --- the tracker's JSON -----------------------------------------------------
cp "$data/tracker.json" "$T/tracker.json"
touch -d '2024-09-15 12:34:56 UTC' "$T/tracker.json"
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/tracker.json" "$repo"
check_ui bookworm "$T/tracker.json"
[ "$n_pub" = 4 ] && [ "$n_left" = 2 ] ||
    fail "test bug: the JSON should give 4 advisories and 2 left out, the oracle says $n_pub and $n_left"
gzip -dc "$suite/updateinfo.xml.gz" | grep -q '<issued date="2024-09-15 12:34:56"/>' ||
    fail "JSON advisories are not dated with the file's time"
check_listed "$suite"
jp_apt_ok "$root" update
jp_expect 0 verify --keyring "$T/key.gpg" "$repo"

# compressed, together with the lists
gzip -c "$T/tracker.json" >"$T/tracker.json.gz"
touch -d '2024-09-15 12:34:56 UTC' "$T/tracker.json.gz"
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/tracker.json.gz" \
    --advisories "$T/dsa.list" --advisories "$T/dla.list" "$repo"
check_ui bookworm "$T/tracker.json.gz" "$T/dsa.list" "$T/dla.list"
[ "$n_pub" = 11 ] || fail "JSON and lists together: $n_pub advisories, want 11"

# unchanged JSON: nothing written; changed: rebuilt
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/tracker.json.gz" \
    --advisories "$T/dsa.list" --advisories "$T/dla.list" "$repo"
jp_err_has 'up to date, nothing written' "a build with the same JSON"
python3 - "$T/tracker.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["openssl"]["CVE-2024-5535"]["releases"]["bookworm"]["urgency"] = "high"
json.dump(d, open(sys.argv[1], "w"))
EOF
gzip -c "$T/tracker.json" >"$T/tracker.json.gz"
touch -d '2024-09-15 12:34:56 UTC' "$T/tracker.json.gz"
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm --advisories "$T/tracker.json.gz" \
    --advisories "$T/dsa.list" --advisories "$T/dla.list" "$repo"
if grep -q 'up to date, nothing written' "$T/err"; then
	fail "a changed JSON feed did not rebuild"
fi
check_ui bookworm "$T/tracker.json.gz" "$T/dsa.list" "$T/dla.list"
gzip -dc "$suite/updateinfo.xml.gz" | tr -d '\n' |
    grep -q '<id>DEBIAN-openssl-3.0.15-1~deb12u1</id>.*<severity>Important</severity>' ||
    fail "the changed urgency did not reach the advisory"

# --- refusals: nothing changes ----------------------------------------------
tree_sums() {
	(cd "$repo/dists" && find . -type f -exec sha256sum {} + | sort)
}
tree_sums >"$T/before"
cat >"$T/updateinfo.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<updates/>
EOF
jp_expect 3 build --codename bookworm --advisories "$T/updateinfo.xml" "$repo"
jp_err_has "advisories from '.*/updateinfo\.xml': it is an updateinfo\.xml file.*APT repository" \
    "an updateinfo.xml for an APT repository"
printf '{"libfoo": {"CVE-1": {"releases": [1,]}}}\n' >"$T/bad.json"
jp_expect 3 build --codename bookworm --advisories "$T/bad.json" "$repo"
jp_err_has "bad\.json': invalid JSON at byte 37: expected a value" \
    "a broken JSON feed"
printf '[32 Sep 2024] DSA-1-1 x - y\n' >"$T/bad.list"
jp_expect 3 build --codename bookworm --advisories "$T/bad.list" "$repo"
jp_err_has "bad\.list', line 1: cannot read the date" "a broken list"
jp_expect 3 build --codename bookworm --advisories "$T/missing.json" "$repo"
jp_err_has "missing\.json" "a missing feed"
tree_sums >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a refused build changed dists/"

# a feed for an RPM-MD repository is refused too
if command -v rpmbuild >/dev/null 2>&1; then
	rrepo=$T/rpm
	jp_copy_corpus "$rrepo"
	jp_expect 3 build --advisories "$T/tracker.json" "$rrepo"
	jp_err_has "advisories from '.*/tracker\.json': it is no updateinfo\.xml file.*RPM-MD" \
	    "a JSON feed for an RPM-MD repository"
	jp_expect 3 build --advisories "$T/dsa.list" "$rrepo"
	jp_err_has "advisories from '.*/dsa\.list': it is no updateinfo\.xml file" \
	    "a DSA list for an RPM-MD repository"
	[ ! -e "$rrepo/repodata" ] || fail "a refused RPM-MD build wrote repodata/"
else
	note "rpmbuild missing: the RPM-MD refusal is not checked"
fi

# --- without --advisories the file goes ---------------------------------------
# shellcheck disable=SC2086
jp_expect 0 build $sign --codename bookworm "$repo"
[ ! -e "$suite/updateinfo.xml.gz" ] || fail "updateinfo.xml.gz left after a build without --advisories"
if jp_release_sums "$suite/Release" SHA256 | grep -q ' updateinfo\.xml\.gz$'; then
	fail "Release still lists updateinfo.xml.gz"
fi
jp_assert_release "$suite" "without advisories"
jp_apt_ok "$root" update
exit 0
