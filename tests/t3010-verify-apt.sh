#!/bin/sh
# jprepo verify on an APT repository: InRelease and Release.gpg, the
# indexes Release lists, the packages the Packages indexes list; each
# broken link is named; gpgv and sha256sum agree with every verdict.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_cmd gpg gpgv gpgconf sha256sum gzip xz
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
jp_copy_deb_corpus "$R"
jp_expect 0 build "$R"
D=$R/dists/stable
[ -f "$D/Release" ] || fail "jprepo build wrote no dists/stable/Release"

sign() {
	gpg --homedir "$G" --batch --yes --local-user repo@example.org \
	    --clearsign -o "$D/InRelease" "$D/Release" 2>/dev/null &&
	gpg --homedir "$G" --batch --yes --local-user repo@example.org \
	    --armor --detach-sign -o "$D/Release.gpg" "$D/Release" 2>/dev/null ||
	    fail "gpg cannot sign"
}
gpgv_ok() {
	gpgv --keyring "$T/key.gpg" "$D/InRelease" >/dev/null 2>&1
}
flip() {
	jp_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	jp_b=$(( (jp_b + 1) % 256 ))
	printf "$(printf '\\%03o' "$jp_b")" |
	    dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}
# rehash: recompute every hash line of Release from the files (as an
# archive tool would after editing an index), then sign again.
rehash() {
	"$PY" - "$D" <<'PYEOF' || fail "cannot rewrite Release"
import hashlib, os, sys
d = sys.argv[1]
algos = {"MD5Sum": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
out, cur = [], None
for line in open(os.path.join(d, "Release")).read().split("\n"):
    if line and not line[0].isspace():
        cur = algos.get(line.split(":")[0])
    elif line and cur:
        name = line.split()[2]
        data = open(os.path.join(d, name), "rb").read()
        h = hashlib.new(cur, data).hexdigest()
        line = " %s %16d %s" % (h, len(data), name)
    out.append(line)
open(os.path.join(d, "Release"), "w").write("\n".join(out))
PYEOF
	sign
}
save() { rm -rf "$T/save"; cp -pR "$R" "$T/save"; }
restore() { rm -rf "$R"; cp -pR "$T/save" "$R"; }
V="verify --keyring $T/key.gpg"

sign
gpgv_ok || fail "gpgv rejects the InRelease gpg made"
jp_expect 0 $V --packages "$R"
ndeb=$(jp_count_debs "$R")
jp_err_has "apt, $ndeb packages, signature good"
save

jp_expect 0 verify --packages "$R"
jp_err_has 'signature not checked \(no --keyring\)'

jp_expect 0 $V --json "$R"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"repo", "format", "ok", "signature", "errors", "warnings", "packages"}, d
assert d["format"] == "apt" and d["ok"] is True and d["signature"] == "good", d
assert d["errors"] == [] and d["packages"] == int(sys.argv[2]), d
' "$T/out" "$ndeb" || fail "--json output: $(cat "$T/out")"

# Wrong key.
gpgv --keyring "$T/other.gpg" "$D/InRelease" >/dev/null 2>&1 &&
    fail "gpgv accepts InRelease with the stranger's key"
jp_expect 1 verify --keyring "$T/other.gpg" "$R"
jp_err_has 'error: dists/stable/InRelease: bad signature: .*signed by a key not in'

# Only Release + Release.gpg (no InRelease): good.
rm "$D/InRelease"
jp_expect 0 $V "$R"
# Neither signature: missing.
rm "$D/Release.gpg"
jp_expect 1 $V --json "$R"
jp_err_has 'signature missing'
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["signature"] == "missing" and d["ok"] is False, d
' "$T/out" || fail "--json without signatures: $(cat "$T/out")"
restore

# InRelease changed by one byte: gpgv and jprepo say bad.
sed -i 's/^Suite: stable/Suite: stablf/' "$D/InRelease"
gpgv_ok && fail "gpgv accepts a changed InRelease"
jp_expect 1 $V "$R"
jp_err_has 'error: dists/stable/InRelease: bad signature'
restore

# Release differs from the signed text of InRelease.
sed -i 's/^Suite: stable/Suite: stablf/' "$D/Release"
gpg --homedir "$G" --batch --yes --local-user repo@example.org \
    --armor --detach-sign -o "$D/Release.gpg" "$D/Release" 2>/dev/null
jp_expect 1 $V "$R"
jp_err_has 'error: dists/stable/Release: differs from the text of InRelease'
restore

# An index changed (Release still signed and unchanged): named.
flip "$D/main/binary-amd64/Packages.gz" 30
jp_expect 1 $V "$R"
jp_err_has 'error: dists/stable/main/binary-amd64/Packages.gz: sha256 '
restore

# An index Release lists is missing: an error (every listed file).
rm "$D/main/binary-all/Packages.xz"
jp_expect 1 $V "$R"
jp_err_has 'error: dists/stable/main/binary-all/Packages.xz: missing'
restore

# Packages: same size changed, truncated, missing, unlisted.
p=$(find "$R/pool" -name '*.deb' | sort | head -n 1)
prel=${p#"$R"/}
old=$(sha256sum "$p" | cut -d' ' -f1)
grep -q "^SHA256: $old" "$D"/main/binary-*/Packages ||
    fail "the Packages indexes do not list $old for $prel"
flip "$p" 300
[ "$(sha256sum "$p" | cut -d' ' -f1)" != "$old" ] || fail "flip did nothing"
jp_expect 0 $V "$R"
jp_expect 1 $V --packages -j 2 "$R"
jp_err_has "error: $prel: sha256 [0-9a-f]+, the metadata says $old"
restore
truncate -s -1 "$p"
jp_expect 1 $V "$R"
jp_err_has "error: $prel: size [0-9]+ bytes, the metadata says"
rm "$p"
jp_expect 1 $V "$R"
jp_err_has "error: $prel: missing"
restore
cp "$p" "$R/pool/extra-copy.deb"
jp_expect 0 $V "$R"
jp_err_has 'warning: pool/extra-copy.deb: not listed in the metadata'
restore

# A hostile Filename (indexes and Release updated and re-signed): an error
# naming the index, nothing outside REPO opened.
echo secret >"$T/outside.deb"
pk=$D/main/binary-all/Packages
sed -i "0,/^Filename: .*/s//Filename: ..\/outside.deb/" "$pk"
gzip -n -c "$pk" >"$pk.gz"
xz -c "$pk" >"$pk.xz"
rehash
gpgv_ok || fail "gpgv rejects the re-signed InRelease"
if command -v strace >/dev/null 2>&1; then
	strace -f -e trace=open,openat,stat,newfstatat,statx,access,faccessat,faccessat2 \
	    -o "$T/trace" "$JPREPO" $V --packages "$R" >"$T/out" 2>"$T/err"
	rc=$?
	grep -q 'outside.deb' "$T/trace" && fail "a file outside REPO was touched:
$(grep outside.deb "$T/trace")"
else
	jp $V --packages "$R"
fi
[ "$rc" = 1 ] || fail "hostile Filename: expected exit 1, got $rc: $(cat "$T/err")"
jp_err_has "error: dists/stable/main/binary-all/Packages: '\.\./outside\.deb': unsafe file name"
grep -q 'bad signature\|sha256' "$T/err" && fail "more broken than expected: $(cat "$T/err")"
restore

# A hostile name in Release itself.
sed -i 's#^\( [0-9a-f]\{64\} \+[0-9]\+ \)main/binary-all/Packages$#\1../../../outside.deb#' "$D/Release"
grep -q 'outside.deb' "$D/Release" || fail "sed did not plant the name"
sign
jp_expect 1 $V "$R"
jp_err_has "error: dists/stable/InRelease: unsafe file name '\.\./\.\./\.\./outside\.deb'"
restore

# A size that is not a plain decimal number (sscanf("%llu") would take
# "-1" as 2^64-1, and "+5" or "0x10" as numbers): a bad line, named.
for bad in -1 +88 0x10 18446744073709551616; do
	restore
	sed -i "s#^\( [0-9a-f]\{64\} \+\)[0-9]\+\( main/binary-all/Packages\)\$#\1$bad\2#" "$D/Release"
	grep -q " $bad main/binary-all/Packages\$" "$D/Release" ||
	    fail "sed did not plant the size $bad"
	sign
	jp_expect 1 $V "$R"
	pat=$(printf '%s' "$bad" | sed 's/+/[+]/')
	jp_err_has "error: dists/stable/InRelease: bad SHA256 line '.* $pat main/binary-all/Packages'"
done
restore

# An expired Release (signed): apt refuses it, and so does verify.
sed -i 's/^Date: \(.*\)/Date: \1\nValid-Until: Mon, 01 Jan 2024 00:00:00 UTC/' "$D/Release"
grep -q '^Valid-Until: ' "$D/Release" || fail "sed did not add Valid-Until"
sign
gpgv_ok || fail "gpgv rejects the re-signed InRelease"
jp_expect 1 $V "$R"
jp_err_has 'error: dists/stable/InRelease: expired: Valid-Until'
restore
# A Valid-Until that jprepo build writes, in the future: fine.
jp_expect 0 build --valid-for 7 "$R"
grep -q '^Valid-Until: ' "$D/Release" || fail "build --valid-for wrote no Valid-Until"
sign
jp_expect 0 $V --packages "$R"
restore

jp_expect 2 verify -j 0 "$R"
jp_expect 3 verify --keyring "$T/no-such-key.gpg" "$R"
jp_expect 3 verify "$T/nonexistent"
exit 0
