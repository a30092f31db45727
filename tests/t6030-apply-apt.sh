#!/bin/sh
# t6030-apply-apt: jprepo apply, history and rollback with the real apt-get
# and dpkg in scratch Debian roots (jprepo-apply(1), issue 7).
#
# The repository: hello 1.0-1 and 2.0-1 (all; 2.0 depends on libnew, which
# is new), libnew 1.0-1, tool 1.0-1 and 1.1-1 (native architecture), bad
# 1.0-1 and 1.1-1 (all; the pre-install script of 1.1-1 exits 1).  Every
# root starts with hello 1.0-1, tool 1.0-1 and bad 1.0-1, installed by dpkg
# itself.  The oracle for what is installed is dpkg-query over the root's
# database (jp_dpkg_states: packages left half-way count too).
#   --dry-run          exit 0, dpkg's database and apt's cache hash the
#                      same, no journal
#   --download-only    the packages are in the root's apt cache byte for
#                      byte as in the repository, nothing installed; a
#                      later apply installs them with the repository's
#                      copies gone
#   one-by-one         bad fails (exit 1), the others go in; history
#                      --json shows per package from, to and result, and
#                      the run's output (bad's preinst message) is kept
#   rollback           everything as before, libnew removed; history shows
#                      both transactions
#   bulk               exit 1 and nothing changed
#   rollback, old version gone from the repository: fails naming it,
#                      dpkg's database unchanged
#   signed repository  the right key installs; another key: exit 3,
#                      nothing changed, apt's NO_PUBKEY reported
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_root "dpkg installs into scratch roots and chroots for scripts"
need_cmd apt-get dpkg dpkg-deb dpkg-query ldd gpg gpgconf python3 sha256sum
need_jprepo

A=$(dpkg --print-architecture)
repo=$T/repo
jp_apply_mkdeb "$repo" hello 1.0-1 all
jp_apply_mkdeb "$repo" hello 2.0-1 all 'Depends: libnew (>= 1.0)'
jp_apply_mkdeb "$repo" libnew 1.0-1 "$A"
jp_apply_mkdeb "$repo" tool 1.0-1 "$A"
jp_apply_mkdeb "$repo" tool 1.1-1 "$A"
jp_apply_mkdeb "$repo" bad 1.0-1 all
jp_apply_mkdeb "$repo" bad 1.1-1 all preinst=1
jp_expect 0 build "$repo"
pool=$repo/pool/main

V1="ii bad 1.0-1 all
ii hello 1.0-1 all
ii tool 1.0-1 $A"
V2="ii bad 1.0-1 all
ii hello 2.0-1 all
ii libnew 1.0-1 $A
ii tool 1.1-1 $A"

# mkroot NAME: a root at version 1 of everything, its path in $r
mkroot() {
	r=$T/$1
	jp_apply_deb_root "$r" "$1"
	jp_dpkg_i "$r" "$pool/hello_1.0-1_all.deb" "$pool/tool_1.0-1_$A.deb" \
	    "$pool/bad_1.0-1_all.deb"
	expect_states "$r" "$V1" "the starting state"
}

# expect_states ROOT WANT WHAT: dpkg's view of ROOT is WANT
expect_states() {
	jp_dpkg_states "$1" >"$T/states"
	[ "$(cat "$T/states")" = "$2" ] ||
	    fail "$3: dpkg-query in $1 shows:
$(cat "$T/states")
expected:
$2"
}

# dbhash ROOT: a digest of dpkg's database and apt's cache in ROOT
dbhash() {
	(cd "$1" && find var/lib/dpkg var/cache/apt -type f ! -name lock \
	    ! -name 'lock-*' | LC_ALL=C sort | xargs sha256sum) | sha256sum
}

# history_json ROOT: jprepo history --json into $T/hist.json
history_json() {
	jp_expect 0 history --root "$1" --json
	cp "$T/out" "$T/hist.json"
}

# --- --dry-run ------------------------------------------------------------
mkroot dry
h0=$(dbhash "$r")
jp_expect 0 apply --repo "$repo" --root "$r" --pm apt --dry-run
[ "$(dbhash "$r")" = "$h0" ] ||
    fail "--dry-run changed dpkg's database or apt's cache in $r"
expect_states "$r" "$V1" "after --dry-run"
[ -e "$r/var/lib/jprepo/journal.sqlite" ] &&
    fail "--dry-run wrote a journal"

# --- --download-only, then apply from the cache ------------------------------
mkroot main
jp_expect 0 apply --repo "$repo" --root "$r" --pm apt --download-only
expect_states "$r" "$V1" "after --download-only"
for f in hello_2.0-1_all.deb libnew_1.0-1_$A.deb tool_1.1-1_$A.deb \
    bad_1.1-1_all.deb; do
	cmp -s "$pool/$f" "$r/var/cache/apt/archives/$f" ||
	    fail "--download-only: $f is not in the root's apt cache as in the repository: $(ls "$r/var/cache/apt/archives")"
done
mkdir -p "$T/away"
mv "$pool/hello_2.0-1_all.deb" "$pool/libnew_1.0-1_$A.deb" \
    "$pool/tool_1.1-1_$A.deb" "$T/away/"
jp_expect 1 apply --repo "$repo" --root "$r" --pm apt
mv "$T/away/"* "$pool/"
expect_states "$r" "$V2" "after one-by-one apply from the cache"
jp_err_has 'bad' "the failed package is named"

history_json "$r"
python3 - "$T/hist.json" "$A" <<'EOF' || fail "history --json after apply: $(cat "$T/hist.json")"
import json, sys
d = json.load(open(sys.argv[1]))
arch = sys.argv[2]
tx = d["transactions"]
assert len(tx) == 2, tx
t = tx[-1]
for k in ("id", "started", "mode", "status", "pm", "pm_id", "packages"):
    assert k in t, k
assert t["pm"] == "apt" and t["mode"] == "one-by-one", t
assert t["status"] != "ok", t
got = {(p["name"], p["arch"]): (p["from"], p["to"], p["result"])
       for p in t["packages"]}
want_ok = {("hello", "all"): ("1.0-1", "2.0-1"),
           ("tool", arch): ("1.0-1", "1.1-1"),
           ("libnew", arch): (None, "1.0-1")}
for k, (f, to) in want_ok.items():
    assert got.get(k) == (f, to, "ok"), (k, got.get(k))
b = got.get(("bad", "all"))
assert b and b[0] == "1.0-1" and b[2] != "ok", b
EOF
txid=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["transactions"][-1]["id"])' "$T/hist.json")
# the package manager's output is kept: bad's own script said why
jp_expect 0 history --root "$r" "$txid"
grep -q 'preinst of bad 1.1-1 exits 1' "$T/out" ||
    fail "history $txid does not show apt's output with bad's preinst message"

# --- rollback ---------------------------------------------------------------
jp_expect 0 rollback --root "$r" "$txid"
expect_states "$r" "$V1" "after rollback of $txid"
history_json "$r"
python3 - "$T/hist.json" "$A" "$txid" <<'EOF' || fail "history --json after rollback: $(cat "$T/hist.json")"
import json, sys
d = json.load(open(sys.argv[1]))
arch, txid = sys.argv[2], int(sys.argv[3])
tx = d["transactions"]
assert len(tx) == 3, tx
assert tx[-2]["id"] == txid, tx
t = tx[-1]
assert t["id"] > txid and t["status"] == "ok" and t["pm"] == "apt", t
got = {(p["name"], p["arch"]): (p["from"], p["to"], p["result"])
       for p in t["packages"]}
assert got.get(("hello", "all")) == ("2.0-1", "1.0-1", "ok"), got
assert got.get(("tool", arch)) == ("1.1-1", "1.0-1", "ok"), got
assert got.get(("libnew", arch)) == ("1.0-1", None, "ok"), got
assert ("bad", "all") not in got, got
EOF

# --- bulk: a failure leaves the root as it was --------------------------------
mkroot bulk
jp_expect 1 apply --repo "$repo" --root "$r" --pm apt --mode bulk
expect_states "$r" "$V1" "after a failed bulk apply"
history_json "$r"
python3 - "$T/hist.json" <<'EOF' || fail "history --json after bulk: $(cat "$T/hist.json")"
import json, sys
t = json.load(open(sys.argv[1]))["transactions"][-1]
assert t["mode"] == "bulk" and t["status"] != "ok", t
assert all(p["result"] != "ok" for p in t["packages"]), t
EOF

# --- rollback when an old version is gone from the repository ------------------
mkroot miss
jp_expect 1 apply --repo "$repo" --root "$r" --pm apt
expect_states "$r" "$V2" "before the refused rollback"
history_json "$r"
txid=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["transactions"][-1]["id"])' "$T/hist.json")
mv "$pool/tool_1.0-1_$A.deb" "$T/away/"
jp_expect 0 build "$repo"
h0=$(dbhash "$r")
jp rollback --root "$r" "$txid"
[ "$rc" != 0 ] || fail "rollback without tool 1.0-1 in the repository succeeded"
jp_err_has 'tool' "the missing package is named"
jp_err_has '1\.0-1' "the missing version is named"
[ "$(dbhash "$r")" = "$h0" ] ||
    fail "the refused rollback changed dpkg's database or apt's cache"
expect_states "$r" "$V2" "after the refused rollback"
mv "$T/away/tool_1.0-1_$A.deb" "$pool/"
jp_expect 0 build "$repo"

# --- a signed repository ------------------------------------------------------
srepo=$T/srepo
mkdir -p "$srepo"
cp -R "$repo/pool" "$srepo/"
jp_expect 0 build "$srepo"
jp_test_key "$T/gpg-good" 'good <good@example.com>'
gpg --homedir "$T/gpg-good" --armor --export "$jp_fpr" >"$T/good.asc" 2>/dev/null
jp_test_key "$T/gpg-wrong" 'wrong <wrong@example.com>'
gpg --homedir "$T/gpg-wrong" --export "$jp_fpr" >"$T/wrong.gpg" 2>/dev/null
jp_expect 0 sign --key good --homedir "$T/gpg-good" "$srepo"
mkroot sig
h0=$(dbhash "$r")
jp_expect 3 apply --repo "$srepo" --root "$r" --pm apt --keyring "$T/wrong.gpg"
jp_err_has 'NO_PUBKEY' "apt's reason for refusing the signature"
[ "$(dbhash "$r")" = "$h0" ] ||
    fail "apply with the wrong key changed dpkg's database or apt's cache"
jp_expect 1 apply --repo "$srepo" --root "$r" --pm apt --keyring "$T/good.asc"
expect_states "$r" "$V2" "after apply from the signed repository"
exit 0
