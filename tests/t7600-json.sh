#!/bin/sh
# t7600-json: `--json` of build, sign, key, export and import.  Each
# command's standard output is one JSON object (python3's json parses all of
# it); its fields are checked against what is on disk afterwards (gpg for
# keys, gpgv for signatures, dnf and the Packages index for package counts,
# sha256sum and stat for files, the bundle's MANIFEST and `openssl cms` for
# bundles) and against the summary line the command still prints on
# stderr.  A command that fails prints nothing on stdout.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_cmd python3 gpg gpgv gpgconf rpmbuild rpm dnf dpkg-deb openssl sha256sum stat

# jj OUT STATUS ARGS...: run jprepo ARGS, expect exit STATUS, keep stdout in
# OUT (stderr in $T/err as jp does).
jj() {
	jj_out=$1
	shift
	jp_expect "$@"
	cp "$T/out" "$jj_out"
}

# changed_files DIR BEFORE: the files under DIR that are new or differ from
# the "sha256  path" list BEFORE (made by sums DIR), sorted.
sums() {
	(cd "$1" && find . -type f ! -path './.jprepo/*' -print0 |
	    LC_ALL=C sort -z | xargs -0r sha256sum) | sed 's|  \./|  |'
}
changed_files() {
	sums "$1" | LC_ALL=C sort >"$T/.after"
	LC_ALL=C sort "$2" >"$T/.before"
	LC_ALL=C comm -13 "$T/.before" "$T/.after" | sed 's/^[0-9a-f]*  //' |
	    LC_ALL=C sort
}

# --- key generate / key export -----------------------------------------------
H=$T/gnupg
jp_gpg_homes=$H
jj "$T/gen.json" 0 key generate --homedir "$H" --algo ed25519 \
    --uid 'JSON "test" <json@example.com>' --expire 30 --json
gpg --homedir "$H" --with-colons --list-secret-keys >"$T/gpg.keys" 2>/dev/null ||
    fail "gpg cannot list the generated key"
fpr=$(awk -F: '$1 == "fpr" { print $10; exit }' "$T/gpg.keys")
# sec line: 4 algorithm (22 EdDSA), 6 created, 7 expires; uid line: 10 uid
sec=$(awk -F: '$1 == "sec" { print $4, $6, $7; exit }' "$T/gpg.keys")
uid=$(awk -F: '$1 == "uid" { print $10; exit }' "$T/gpg.keys")
jp_json "$T/gen.json" "key generate --json" '
fpr, sec, uid = sys.argv[2], sys.argv[3].split(), sys.argv[4]
assert sorted(d) == ["algo", "expire_days", "fingerprint", "uid"], d
assert d["fingerprint"] == fpr, (d["fingerprint"], fpr)
assert d["algo"] == "ed25519" and sec[0] == "22", (d["algo"], sec)
# gpg --with-colons escapes ":" and "\\" only; the uid has neither
assert d["uid"] == uid == "JSON \"test\" <json@example.com>", (d["uid"], uid)
assert d["expire_days"] == 30 == (int(sec[2]) - int(sec[1])) // 86400, (d, sec)
' "$fpr" "$sec" "$uid"
# Without --json the same command prints the fingerprint alone.
jp_gpg_homes="$jp_gpg_homes $T/gnupg2"
jp_expect 0 key generate --homedir "$T/gnupg2"
fpr2=$(gpg --homedir "$T/gnupg2" --with-colons --list-secret-keys 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
[ "$(cat "$T/out")" = "$fpr2" ] || fail "key generate printed '$(cat "$T/out")', not $fpr2"
jp_gpg_homes="$jp_gpg_homes $T/gnupg3"
jj "$T/gen2.json" 0 key generate --homedir "$T/gnupg3" --json
jp_json "$T/gen2.json" "key generate --json (defaults)" '
assert d["algo"] == "rsa3072" and d["expire_days"] is None, d
assert d["uid"] == "jprepo repository signing key", d
assert d["fingerprint"] != sys.argv[2], d
' "$fpr2"

jj "$T/exp.json" 0 key export --homedir "$H" --key "$fpr" -o "$T/pub" --json
jp_err_has "wrote '$T/pub.asc' and '$T/pub.gpg'" "the text output stays on stderr"
for f in "$T/pub.asc" "$T/pub.gpg"; do
	gpg --show-keys --with-colons "$f" 2>/dev/null | grep -q "^fpr:::::::::$fpr:" ||
	    fail "'$f' does not hold the key $fpr"
done
head -n 1 "$T/pub.asc" | grep -q "BEGIN PGP PUBLIC KEY BLOCK" || fail "pub.asc is not armored"
jp_json "$T/exp.json" "key export --json" '
import os
fpr, asc, gpg = sys.argv[2:5]
assert d["key"] == fpr, d
assert [f["path"] for f in d["files"]] == [asc, gpg], d
assert [f["armor"] for f in d["files"]] == [True, False], d
for f in d["files"]:
    assert f["size"] == os.stat(f["path"]).st_size > 0, f
' "$fpr" "$T/pub.asc" "$T/pub.gpg"
jp_expect 3 key export --homedir "$H" --key 0000000000000000 -o "$T/none" --json
[ -s "$T/out" ] && fail "a failed key export printed on stdout: $(cat "$T/out")"

# --- build (RPM-MD) ------------------------------------------------------------
S=$T/store
R=$S/rpm
mkdir -p "$R"
jp_mkrpm "$R" json-a 1.0 1
jp_mkrpm "$R" json-b 2.0 1
jp_mkrpm "$R/sub" json-c 3.0 1
echo "not an rpm" >"$R/bad.rpm"

# build_check JSON REPO FAILED: the JSON of a build against dnf's view of
# REPO, its primary metadata, and the summary line on stderr.
build_check() {
	jp_dnf_nevras "$2" >"$T/dnf.nevras"
	[ "$rc" = 0 ] || fail "dnf cannot read $2: $(cat "$T/dnf.err")"
	jp_json "$1" "build --json of $2" '
import os
repo, failed, ndnf, nmd = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
summary = [int(x) for x in sys.argv[6:11]]
keys = ["added", "cached", "component", "duplicates", "failed", "format", "key",
        "metadata", "packages", "removed", "repo", "seconds", "sources",
        "suite", "up_to_date"]
assert sorted(d) == keys, sorted(d)
assert d["repo"] == repo and d["format"] == "rpm-md", d
assert d["metadata"] == "repodata/repomd.xml", d
assert os.path.isfile(os.path.join(repo, d["metadata"])), d
assert d["suite"] is None and d["component"] is None, d
assert d["packages"] == ndnf == nmd, (d, ndnf, nmd)
assert len(d["failed"]) == failed, d
err = open(sys.argv[11]).read()
for f in d["failed"]:
    assert sorted(f) == ["error", "path"], f
    assert os.path.exists(os.path.join(repo, f["path"])), f
    assert "error: " + f["error"] + "\n" in err, (f, err)
assert [d["packages"], d["added"], d["removed"], d["cached"], len(d["failed"])] == summary, (d, summary)
assert isinstance(d["seconds"], float) and d["seconds"] >= 0, d
assert isinstance(d["up_to_date"], bool), d
' "$2" "$3" "$(wc -l <"$T/dnf.nevras")" "$(jp_md_packages "$2")" \
	    "$(jp_summary packages)" "$(jp_summary added)" "$(jp_summary removed)" \
	    "$(jp_summary reused)" "$(jp_summary failed)" "$T/err"
}

jj "$T/b1.json" 1 build --json "$R"
jp_err_has "bad\.rpm" "the bad package is still reported on stderr"
jp_expect_summary 3 3 0 0 1
build_check "$T/b1.json" "$R" 1
jp_json "$T/b1.json" "first build" '
assert d["added"] == 3 and d["cached"] == 0 and not d["up_to_date"], d
assert [f["path"] for f in d["failed"]] == ["bad.rpm"] and "bad.rpm" in d["failed"][0]["error"], d
assert d["key"] is None, d'

# --strict with a bad package: nothing published, nothing on stdout.
jp_expect 3 build --json --strict "$R"
[ -s "$T/out" ] && fail "a failed build printed on stdout: $(cat "$T/out")"
jp_expect 3 build --json "$T/no-such-repo"
[ -s "$T/out" ] && fail "a failed build printed on stdout: $(cat "$T/out")"

# A change: one package gone, one new, the bad file removed.
rm "$R/bad.rpm" "$R/sub/json-c-3.0-1.noarch.rpm"
jp_mkrpm "$R" json-d 4.0 1
jj "$T/b2.json" 0 build --json "$R"
jp_expect_summary 3 1 1 2 0
build_check "$T/b2.json" "$R" 0
jp_dnf_nevras "$R" | grep -q '^json-d-0:4.0-1.noarch$' || fail "dnf does not see json-d"

# Nothing changed: up to date, everything from the cache.
jj "$T/b3.json" 0 build -q --json "$R"
[ -s "$T/err" ] && fail "build -q --json printed on stderr: $(cat "$T/err")"
jp_json "$T/b3.json" "unchanged build" '
assert d["up_to_date"] is True and d["cached"] == d["packages"] == 3, d
assert d["added"] == 0 and d["removed"] == 0, d'

# --- sign (RPM-MD) ---------------------------------------------------------------
sums "$R" >"$T/before"
jj "$T/s1.json" 0 sign --key "$fpr" --homedir "$H" --json "$R"
jp_err_has "signed repodata/repomd.xml with key $fpr"
changed_files "$R" "$T/before" >"$T/changed"
gpgv --keyring "$T/pub.gpg" "$R/repodata/repomd.xml.asc" "$R/repodata/repomd.xml" \
    2>"$T/gpgv.err" || fail "gpgv refuses repomd.xml.asc: $(cat "$T/gpgv.err")"
jp_json "$T/s1.json" "sign --json (RPM-MD)" '
repo, fpr, changed = sys.argv[2], sys.argv[3], open(sys.argv[4]).read().split()
assert sorted(d) == ["files", "key", "repo", "rpm_md", "suites"], d
assert d["repo"] == repo and d["key"] == fpr and d["rpm_md"] is True, d
assert d["suites"] == [], d
assert d["files"] == ["repodata/repomd.xml.asc", "repodata/repomd.xml.key"], d
assert sorted(d["files"]) == changed, (d["files"], changed)
' "$R" "$fpr" "$T/changed"
jp_expect 3 sign --key "$fpr" --homedir "$H" --json "$T/no-such-repo"
[ -s "$T/out" ] && fail "a failed sign printed on stdout: $(cat "$T/out")"

# build --sign: the key in the JSON, and the signature good.
jp_mkrpm "$R" json-e 5.0 1
jj "$T/b4.json" 0 build --json --sign "$fpr" --homedir "$H" "$R"
build_check "$T/b4.json" "$R" 0
gpgv --keyring "$T/pub.gpg" "$R/repodata/repomd.xml.asc" "$R/repodata/repomd.xml" \
    2>"$T/gpgv.err" || fail "gpgv refuses repomd.xml.asc after build --sign: $(cat "$T/gpgv.err")"
jp_json "$T/b4.json" "build --sign --json" '
assert d["key"] == sys.argv[2] and d["packages"] == 4 and d["added"] == 1, d
' "$fpr"

# --- build and sign (APT) ----------------------------------------------------------
A=$S/apt
jp_apply_mkdeb "$A" json-x 1.0 amd64
jp_apply_mkdeb "$A" json-y 2.0-1 amd64
jp_apply_mkdeb "$A" json-z 1:3.0 amd64
jj "$T/a1.json" 0 build --json --suite jtest --component comp "$A"
jp_expect_summary 3 3 0 0 0
P=$A/dists/jtest/comp/binary-amd64/Packages
[ -f "$P" ] || fail "no $P"
jp_json "$T/a1.json" "build --json (APT)" '
import os
repo, npkgs, ndebs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
assert d["repo"] == repo and d["format"] == "apt", d
assert d["metadata"] == "dists/jtest/Release", d
assert os.path.isfile(os.path.join(repo, d["metadata"])), d
assert d["suite"] == "jtest" and d["component"] == "comp", d
assert d["packages"] == npkgs == ndebs == 3 and d["added"] == 3, (d, npkgs, ndebs)
assert d["failed"] == [] and d["key"] is None, d
' "$A" "$(grep -c '^Package:' "$P")" "$(jp_count_debs "$A")"
# a second suite of the same packages
jp_expect 0 build -q --suite another "$A"
sums "$A" >"$T/before"
jj "$T/s2.json" 0 sign --key "$fpr" --homedir "$H" --json "$A"
jp_err_has "signed 2 APT suites with key $fpr"
changed_files "$A" "$T/before" >"$T/changed"
for s in jtest another; do
	gpgv --keyring "$T/pub.gpg" "$A/dists/$s/InRelease" 2>"$T/gpgv.err" ||
	    fail "gpgv refuses dists/$s/InRelease: $(cat "$T/gpgv.err")"
	gpgv --keyring "$T/pub.gpg" "$A/dists/$s/Release.gpg" "$A/dists/$s/Release" \
	    2>"$T/gpgv.err" || fail "gpgv refuses dists/$s/Release.gpg: $(cat "$T/gpgv.err")"
done
jp_json "$T/s2.json" "sign --json (APT)" '
changed = open(sys.argv[2]).read().split()
assert d["rpm_md"] is False and d["suites"] == ["another", "jtest"], d
assert d["files"] == ["dists/another/InRelease", "dists/another/Release.gpg",
                      "dists/jtest/InRelease", "dists/jtest/Release.gpg"], d
assert sorted(d["files"]) == changed, (d["files"], changed)
' "$T/changed"

# --- export / import -----------------------------------------------------------------
C=$T/certs
mkdir "$C" && jp_cms_certs "$C"

# bundle_check JSON BUNDLEDIR: the fields a bundle's JSON shares with its
# MANIFEST (read here by a small independent parser) and the volumes on disk.
bundle_check() {
	jp_json "$1" "JSON of bundle $2" '
import os
bdir = sys.argv[2]
m = {"repo": [], "volume": [], "file": [], "copy": [], "keep": [], "delete": []}
for line in open(os.path.join(bdir, "MANIFEST"), encoding="utf-8").read().splitlines():
    w = line.split(" ")
    if w[0] in ("bundle", "sequence", "created"):
        m[w[0]] = w[1]
    elif w[0] == "store":
        m["store_id"], m["store"] = w[1], line.split(" ", 2)[2]
    elif w[0] == "base":
        m["base"] = None if w[1] == "-" else {"bundle": w[1], "sequence": int(w[2])}
    elif w[0] in m:
        m[w[0]].append(w[1:])
assert d["bundle"] == m["bundle"] and d["sequence"] == int(m["sequence"]), (d, m)
assert d["store"] == m["store"] and d["store_id"] == m["store_id"], (d, m)
assert d["created"] == m["created"] and d["base"] == m["base"], (d, m)
assert d["type"] == ("full" if m["base"] is None else "incremental"), d
assert d["repos"] and [(r["type"], r["name"]) for r in d["repos"]] == [tuple(r) for r in m["repo"]], (d, m)
vols = [{"number": int(v[0]), "size": int(v[1]), "name": v[3]} for v in m["volume"]]
assert d["volumes"] == vols, (d["volumes"], vols)
for v in d["volumes"]:
    assert os.stat(os.path.join(bdir, v["name"])).st_size == v["size"], v
f = d["files"]
assert f["carried"] == len(m["file"]) and f["copied"] == len(m["copy"]), (f, m)
assert f["kept"] == len(m["keep"]) and f["deleted"] == len(m["delete"]), (f, m)
assert f["bytes"] == sum(int(x[1]) for x in m["file"]), (f, m)
assert isinstance(d["seconds"], float) and d["seconds"] >= 0, d
' "$2"
}

# export_text_check JSON: the JSON against export's summary line on stderr.
export_text_check() {
	jp_json "$1" "export --json against its summary line" '
import re
err = open(sys.argv[2]).read()
m = re.search(r"bundle ([0-9a-f]{32}), store \x27(.*)\x27 sequence ([0-9]+) \(([a-z]+)[^)]*\): "
              r"([0-9]+) repositor(?:y|ies), ([0-9]+) files carried \([0-9.]+ MB\), ([0-9]+) copied, "
              r"(?:([0-9]+) kept, ([0-9]+) deleted, )?([0-9]+) volumes", err)
assert m, err
assert m.group(1) == d["bundle"] and m.group(2) == d["store"], (m.groups(), d)
assert int(m.group(3)) == d["sequence"] and m.group(4) == d["type"], (m.groups(), d)
assert int(m.group(5)) == len(d["repos"]) and int(m.group(6)) == d["files"]["carried"], (m.groups(), d)
assert int(m.group(7)) == d["files"]["copied"] and int(m.group(10)) == len(d["volumes"]), (m.groups(), d)
if m.group(8) is not None:
    assert int(m.group(8)) == d["files"]["kept"] and int(m.group(9)) == d["files"]["deleted"], (m.groups(), d)
' "$T/err"
}

B1=$T/bundle1
jj "$T/e1.json" 0 export -o "$B1" --sign-key "$C/signer.key" --sign-cert "$C/signer.pem" \
    --volume-size 64K --json "$R" "$A"
jp_cms_check "$B1/MANIFEST" "$B1/MANIFEST.sig" "$C/ca.pem" ||
    fail "openssl cms refuses the MANIFEST.sig of bundle 1"
bundle_check "$T/e1.json" "$B1"
export_text_check "$T/e1.json"
ls "$B1" | LC_ALL=C sort >"$T/b1.ls"
jp_json "$T/e1.json" "export --json (full)" '
out, listing = sys.argv[2], open(sys.argv[3]).read().split()
assert d["output"] == out and d["type"] == "full" and d["base"] is None, d
assert d["request"] is None, d
assert d["store"] == "store", d
assert len(d["volumes"]) > 1, d
assert sorted(["MANIFEST", "MANIFEST.sig"] + [v["name"] for v in d["volumes"]]) == listing, (d, listing)
assert d["repos"] == [{"name": "apt", "type": "apt"}, {"name": "rpm", "type": "rpm-md"}], d
' "$B1" "$T/b1.ls"
# bundle info --json (an existing schema) agrees on the shared fields.
jj "$T/i1.json" 0 bundle info --json "$B1"
python3 -c 'import json, sys
e, i = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("bundle", "store", "store_id", "sequence", "type", "base", "created", "volumes"):
    assert e[k] == i[k], (k, e[k], i[k])
assert e["repos"] == i["repos"], (e["repos"], i["repos"])
for k in ("carried", "copied", "kept", "deleted", "bytes"):
    assert e["files"][k] == i["files"][k], (k, e["files"], i["files"])
' "$T/e1.json" "$T/i1.json" 2>"$T/py.err" ||
    fail "export --json and bundle info --json disagree: $(cat "$T/py.err")"

S2=$T/store2
jj "$T/m1.json" 0 import --trust "$C/ca.pem" --store "$S2" --json "$B1"
bundle_check "$T/m1.json" "$B1"
for n in rpm apt; do
	sums "$S/$n" >"$T/orig.$n"
	sums "$S2/$n" >"$T/copy.$n"
	cmp -s "$T/orig.$n" "$T/copy.$n" || fail "imported $n differs from the original"
done
jp_json "$T/m1.json" "import --json (full)" '
import os, re
store, e = sys.argv[2], json.load(open(sys.argv[3]))
err = open(sys.argv[4]).read()
assert d["store_dir"] == store, d
for k in ("bundle", "store", "store_id", "sequence", "type", "base", "created", "volumes", "files"):
    if k != "files":
        assert d[k] == e[k], (k, d[k], e[k])
for k in ("carried", "copied", "kept", "deleted", "bytes"):
    assert d["files"][k] == e["files"][k], (k, d["files"], e["files"])
for r in d["repos"]:
    assert r["path"] == os.path.join(store, r["name"]) and os.path.isdir(r["path"]), r
assert [(r["name"], r["type"]) for r in d["repos"]] == [(r["name"], r["type"]) for r in e["repos"]], d
m = re.search(r"imported bundle ([0-9a-f]{32}), store \x27(.*)\x27 sequence ([0-9]+) \(full\): "
              r"([0-9]+) repositor(?:y|ies), ([0-9]+) files carried \([0-9.]+ MB\), "
              r"([0-9]+) copied, ([0-9]+) kept, ([0-9]+) deleted", err)
assert m, err
assert (m.group(1), m.group(2), int(m.group(3)), int(m.group(4))) == (d["bundle"], d["store"], d["sequence"], len(d["repos"])), (m.groups(), d)
assert [int(x) for x in m.group(5, 6, 7, 8)] == [d["files"][k] for k in ("carried", "copied", "kept", "deleted")], (m.groups(), d)
' "$S2" "$T/e1.json" "$T/err"
# The same bundle again is a replay: refused, nothing on stdout.
jp_expect 3 import --trust "$C/ca.pem" --store "$S2" --json "$B1"
[ -s "$T/out" ] && fail "a refused import printed on stdout: $(cat "$T/out")"

# Incremental: one package more, one less.
rm "$R/json-a-1.0-1.noarch.rpm"
jp_mkrpm "$R" json-f 6.0 1
jp_expect 0 build -q --sign "$fpr" --homedir "$H" "$R"
B2=$T/bundle2
jj "$T/e2.json" 0 export -o "$B2" --sign-key "$C/signer.key" --sign-cert "$C/signer.pem" \
    --since "$B1/MANIFEST" --json "$R" "$A"
bundle_check "$T/e2.json" "$B2"
export_text_check "$T/e2.json"
jp_json "$T/e2.json" "export --json (incremental)" '
e1 = json.load(open(sys.argv[2]))
assert d["type"] == "incremental", d
assert d["base"] == {"bundle": e1["bundle"], "sequence": e1["sequence"]}, (d["base"], e1)
assert d["sequence"] > e1["sequence"] and d["store_id"] == e1["store_id"], (d, e1)
assert d["files"]["kept"] > 0 and d["files"]["deleted"] >= 1, d
' "$T/e1.json"
jj "$T/m2.json" 0 import --trust "$C/ca.pem" --store "$S2" --json "$B2"
bundle_check "$T/m2.json" "$B2"
sums "$R" >"$T/orig.rpm"
sums "$S2/rpm" >"$T/copy.rpm"
cmp -s "$T/orig.rpm" "$T/copy.rpm" || fail "rpm differs from the original after the incremental import"
jp_json "$T/m2.json" "import --json (incremental)" '
e2 = json.load(open(sys.argv[2]))
assert d["type"] == "incremental" and d["bundle"] == e2["bundle"] and d["base"] == e2["base"], (d, e2)
assert d["files"] == {k: e2["files"][k] for k in d["files"]}, (d["files"], e2["files"])
' "$T/e2.json"

# A failed export prints nothing on stdout.
jp_expect 3 export -o "$B2" --sign-key "$C/signer.key" --sign-cert "$C/signer.pem" \
    --json "$R"
[ -s "$T/out" ] && fail "a failed export printed on stdout: $(cat "$T/out")"
exit 0
