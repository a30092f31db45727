#!/bin/sh
# jprepo verify on an RPM-MD repository: a signed repository built by
# jprepo build passes; each broken link (signature, metadata file,
# package) is named; gpgv and sha256sum agree with every verdict.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_cmd gpg gpgv gpgconf sha256sum gzip
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs $PY"

# Two keys in private homes: the repository's and a stranger's.
G=$T/gnupg
G2=$T/gnupg2
jp_test_key "$G" 'jprepo test <repo@example.org>'
jp_test_key "$G2" 'stranger <other@example.org>'
gpg --homedir "$G" --export repo@example.org >"$T/key.gpg"
gpg --homedir "$G2" --export other@example.org >"$T/other.gpg"

R=$T/repo
jp_copy_corpus "$R"
jp_expect 0 build "$R"

sign() {
	gpg --homedir "$G" --batch --yes --local-user repo@example.org \
	    --armor --detach-sign -o "$R/repodata/repomd.xml.asc" \
	    "$R/repodata/repomd.xml" 2>/dev/null || fail "gpg cannot sign"
}
# gpgv is the oracle for the signature.
gpgv_ok() {
	gpgv --keyring "$T/key.gpg" "$R/repodata/repomd.xml.asc" \
	    "$R/repodata/repomd.xml" >/dev/null 2>&1
}
# flip FILE OFFSET: change one byte in place (the size stays).
flip() {
	jp_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	jp_b=$(( (jp_b + 1) % 256 ))
	printf "$(printf '\\%03o' "$jp_b")" |
	    dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}
save() { rm -rf "$T/save"; cp -pR "$R" "$T/save"; }
restore() { rm -rf "$R"; cp -pR "$T/save" "$R"; }
V="verify --keyring $T/key.gpg"

sign
gpgv_ok || fail "gpgv rejects the signature gpg made"
jp_expect 0 $V --packages "$R"
jp_err_has 'signature good' "summary"
npk=$(find "$R" -name '*.rpm' | wc -l | tr -d ' ')
jp_err_has "rpm-md, $npk packages" "every package counted"
jp_expect 0 $V -j 1 --packages "$R"
save

# Without --keyring: a warning, the rest still checked.
jp_expect 0 verify "$R"
jp_err_has 'signature not checked \(no --keyring\)'

# --json: the documented shape.
jp_expect 0 $V --json "$R"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"repo", "format", "ok", "signature", "errors", "warnings", "packages"}, d
assert d["format"] == "rpm-md" and d["ok"] is True and d["signature"] == "good", d
assert d["errors"] == [] and d["packages"] == int(sys.argv[2]), d
' "$T/out" "$npk" || fail "--json output: $(cat "$T/out")"

# The wrong key.
jp_expect 1 verify --keyring "$T/other.gpg" --json "$R"
jp_err_has 'repodata/repomd.xml: .*signed by a key not in'
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["signature"] == "bad", d
assert d["errors"][0]["file"] == "repodata/repomd.xml", d
' "$T/out" || fail "--json after a wrong key: $(cat "$T/out")"

# No signature with --keyring: an error.
rm "$R/repodata/repomd.xml.asc"
jp_expect 1 $V "$R"
jp_err_has 'repodata/repomd.xml.asc: signature missing'
restore

# One byte of repomd.xml changed: gpgv and jprepo say bad.
sed -i 's/<revision>/<revision>1/' "$R/repodata/repomd.xml"
gpgv_ok && fail "gpgv accepts a changed repomd.xml"
jp_expect 1 $V "$R"
jp_err_has 'error: repodata/repomd.xml: bad signature'
restore

# A metadata file changed (re-signed, so only its checksum is wrong).
fl=$(ls "$R"/repodata/*-filelists.xml.gz)
flip "$fl" 20
sign
jp_expect 1 $V "$R"
jp_err_has "error: repodata/$(basename "$fl"): sha256 "
grep -q 'bad signature' "$T/err" && fail "signature reported bad"
restore

# A package changed, same size: sha256sum sees it, --packages names it,
# a size-only run passes.
p=$(find "$R" -name '*.rpm' | sort | head -n 1)
prel=${p#"$R"/}
old=$(sha256sum "$p" | cut -d' ' -f1)
flip "$p" 200
[ "$(sha256sum "$p" | cut -d' ' -f1)" != "$old" ] || fail "flip did nothing"
jp_expect 0 $V "$R"
jp_expect 1 $V --packages "$R"
jp_err_has "error: $prel: sha256 [0-9a-f]+, the metadata says $old"
jp_expect 1 $V --packages --json "$R"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ok"] is False and d["signature"] == "good", d
assert [e["file"] for e in d["errors"]] == [sys.argv[2]], d
' "$T/out" "$prel" || fail "--json after a changed package: $(cat "$T/out")"
restore

# A package truncated, then missing.
truncate -s -1 "$p"
jp_expect 1 $V "$R"
jp_err_has "error: $prel: size [0-9]+ bytes, the metadata says"
rm "$p"
jp_expect 1 $V "$R"
jp_err_has "error: $prel: missing"
restore

# A package nobody lists: a warning only.
cp "$p" "$R/x86_64/extra-copy.rpm"
jp_expect 0 $V --packages "$R"
jp_err_has 'warning: x86_64/extra-copy.rpm: not listed in the metadata'
# A name that is not UTF-8 still gives valid JSON.
cp "$p" "$R/x86_64/bad$(printf '\377')\"q.rpm"
jp_expect 0 $V --json "$R"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
w = sorted(x["file"] for x in d["warnings"])
assert w == ["x86_64/bad\ufffd\"q.rpm", "x86_64/extra-copy.rpm"], w
assert d["ok"] is True, d
' "$T/out" || fail "--json with a non-UTF-8 name: $(cat "$T/out")"
restore

# A hostile href in primary.xml (repomd.xml updated and re-signed, so the
# chain is good down to it): an error naming primary, and nothing outside
# REPO opened.
echo "secret" >"$T/outside.rpm"
pr=$(ls "$R"/repodata/*-primary.xml.gz)
gzip -dc "$pr" | sed "0,/<location href=\"[^\"]*\"/s//<location href=\"..\/outside.rpm\"/" |
    gzip -n >"$R/repodata/evil-primary.xml.gz"
rm "$pr"
"$PY" - "$R/repodata" "$(basename "$pr")" <<'PYEOF' || fail "cannot rewrite repomd.xml"
import hashlib, os, sys
d, old = sys.argv[1], sys.argv[2]
new = os.path.join(d, "evil-primary.xml.gz")
data = open(new, "rb").read()
oldsum = old.split("-")[0]
s = open(os.path.join(d, "repomd.xml")).read()
i = s.index('<data type="primary">'); j = s.index("</data>", i)
blk = s[i:j]
import re
blk = blk.replace(oldsum, hashlib.sha256(data).hexdigest(), 1)
blk = blk.replace("repodata/" + old, "repodata/evil-primary.xml.gz")
blk = re.sub(r"<size>\d+</size>", "<size>%d</size>" % len(data), blk)
open(os.path.join(d, "repomd.xml"), "w").write(s[:i] + blk + s[j:])
PYEOF
sign
if command -v strace >/dev/null 2>&1; then
	strace -f -e trace=open,openat,stat,newfstatat,statx,access,faccessat,faccessat2 \
	    -o "$T/trace" "$JPREPO" $V --packages "$R" >"$T/out" 2>"$T/err"
	rc=$?
	grep -q 'outside.rpm' "$T/trace" && fail "a file outside REPO was touched:
$(grep outside.rpm "$T/trace")"
else
	jp $V --packages "$R"
fi
[ "$rc" = 1 ] || fail "hostile href: expected exit 1, got $rc: $(cat "$T/err")"
jp_err_has "error: repodata/evil-primary.xml.gz: '\.\./outside\.rpm': unsafe file name"
grep -q 'bad signature' "$T/err" && fail "the re-signed repomd.xml is reported bad"
restore

# Usage and could-not-run.
jp_expect 2 verify
jp_expect 2 verify --bogus "$R"
jp_expect 3 verify "$T/nonexistent"
mkdir "$T/empty"
jp_expect 3 verify "$T/empty"
jp_err_has 'not a repository'
exit 0
