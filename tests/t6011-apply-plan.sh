#!/bin/sh
# jprepo apply with real dnf: what it does not do, and what it is told.
#  5. --dry-run (both modes) leaves the rpm database, dnf's history and the
#     journal as they were, and says what would go in.
#  6. --download-only installs nothing, exit 0, journaled as a download
#     (which rollback refuses: there is nothing to undo).
#  7. a PLAN from `jprepo scan` and `jprepo plan` is applied; a plan for
#     another host (its section renamed, or --host) is refused naming the
#     hosts it has; a plan older than the image's packages is refused
#     ("changed since"); refusals exit 3 and change nothing.
#     --security installs what dnf upgrade --security installs.
#  8. --window: a window that does not hold the present time is refused
#     (exit 3, nothing changed); one that does (from an hour before now to
#     an hour after, by date(1), across midnight when it must) works.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_root "dnf installs into scratch roots"
need_cmd dnf rpm rpmbuild python3 sha256sum date sed
need_jprepo

repo=$T/repo
jp_apply_repo "$repo"
# the repository without the failing b-2 (b-2 builds the same without it)
rm -f "$repo/b-2-1.noarch.rpm"
jp_mkrpm "$repo" b 2 1
jp_expect 0 build "$repo"
root0=$T/root0
jp_apply_root "$root0" "$repo" web01
v1="a-1-1.noarch b-1-1.noarch c-1-1.noarch"
v2="a-2-1.noarch b-2-1.noarch c-2-1.noarch d-1-1.noarch"

# unchanged ROOT SUM NTX IDS WHAT: fail unless ROOT's rpm database hashes
# to SUM, its journal has NTX transactions and dnf's history IDS.
unchanged() {
	[ "$(jp_rpmdb_sum "$1")" = "$2" ] ||
	    fail "$5: the rpm database of $1 changed"
	[ "$(jp_ntx "$1")" = "$3" ] ||
	    fail "$5: the journal has $(jp_ntx "$1") transactions, not $3"
	[ "$(jp_dnf_ids "$1")" = "$4" ] ||
	    fail "$5: dnf's history is '$(jp_dnf_ids "$1")', was '$4'"
}

# --- 6. --download-only --------------------------------------------------------------
r=$T/r6
cp -a "$root0" "$r"
jp_expect 0 apply --download-only --repo "$repo" --root "$r"
jp_assert_rpms "$r" "$v1" "--download-only"
jp_history_json "$r" "$T/h6.json"
jp_json "$T/h6.json" "history after --download-only" '
ts = d["transactions"]
assert len(ts) == 1, ts
assert ts[0]["kind"] == "download", ts[0]
assert ts[0]["status"] == "ok", ts[0]
assert {p["name"] for p in ts[0]["packages"]} >= {"a", "b", "c"}, ts[0]
'
txd=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["transactions"][0]["id"])' "$T/h6.json")
jp_expect 3 rollback --root "$r" "$txd"
jp_err_has 'download' "rollback of a download"

# --- 5. --dry-run (on the image with a journal already) --------------------------------
sum=$(jp_rpmdb_sum "$r")
ids=$(jp_dnf_ids "$r")
for mode in one-by-one bulk; do
	jp_expect 0 apply --dry-run --mode "$mode" --repo "$repo" --root "$r"
	unchanged "$r" "$sum" 1 "$ids" "--dry-run --mode $mode"
	jp_assert_rpms "$r" "$v1" "--dry-run --mode $mode"
	for n in a b c; do
		grep -Eq "^would +$n\\.noarch 1-1 -> 2-1" "$T/out" ||
		    fail "--dry-run --mode $mode: no 'would $n.noarch 1-1 -> 2-1' line: $(cat "$T/out")"
	done
done
# -n is --dry-run, and an image without a journal gets none
r=$T/r5
cp -a "$root0" "$r"
jp_expect 0 apply -n --repo "$repo" --root "$r"
jp_assert_rpms "$r" "$v1" "apply -n"
[ -e "$r/var/lib/jprepo/journal.sqlite" ] &&
    fail "a dry run created a journal"
grep -q would "$T/out" || fail "apply -n should say what would go in: $(cat "$T/out")"

# --- 7. PLAN ------------------------------------------------------------------------
r=$T/r7
cp -a "$root0" "$r"
jp_expect 0 scan --root "$r" -o "$T/web01.scan"
# a second host in the plan, with only a-1: its section must not be used
rw2=$T/web02
mkdir -p "$rw2/etc"
echo web02 >"$rw2/etc/hostname"
jp_dnf_root "$rw2" "$repo" install a-1-1.noarch
[ "$rc" = 0 ] || fail "$jp_cmd: $(cat "$T/dnf.out" "$T/dnf.err")"
jp_expect 0 scan --root "$rw2" -o "$T/web02.scan"
jp_expect 0 plan --repo "$repo" -o "$T/p.json" "$T/web02.scan" "$T/web01.scan"
jp_json "$T/p.json" "the plan" '
assert sorted(h["host"] for h in d["hosts"]) == ["web01", "web02"], d["hosts"]
'
# a plan for other hosts, by the names in the plan...
sed 's/"host": "web01"/"host": "web09"/' "$T/p.json" >"$T/p2.json"
cmp -s "$T/p.json" "$T/p2.json" && fail "cannot rename the host in the plan"
sum=$(jp_rpmdb_sum "$r")
ids=$(jp_dnf_ids "$r")
jp_expect 3 apply --repo "$repo" --root "$r" "$T/p2.json"
jp_err_has "web01" "the host asked for"
jp_err_has "web09" "the hosts the plan has"
jp_err_has "web02" "the hosts the plan has"
unchanged "$r" "$sum" 0 "$ids" "a plan for web09 and web02 on web01"
# ... or by --host
jp_expect 3 apply --repo "$repo" --root "$r" --host web03 "$T/p.json"
jp_err_has "web03" "the host asked for"
jp_err_has "web01" "the hosts the plan has"
unchanged "$r" "$sum" 0 "$ids" "--host web03 with a plan for web01"
# an image changed after the scan
rc7=$T/r7changed
cp -a "$r" "$rc7"
jp_dnf_root "$rc7" "$repo" install d-1-1.noarch
[ "$rc" = 0 ] || fail "$jp_cmd: $(cat "$T/dnf.out" "$T/dnf.err")"
sumc=$(jp_rpmdb_sum "$rc7")
idsc=$(jp_dnf_ids "$rc7")
jp_expect 3 apply --repo "$repo" --root "$rc7" "$T/p.json"
jp_err_has "changed since" "a plan older than the image"
unchanged "$rc7" "$sumc" 0 "$idsc" "an outdated plan"
# the plan on the image it was made for
jp_expect 0 apply --repo "$repo" --root "$r" "$T/p.json"
jp_assert_rpms "$r" "$v2" "apply of the plan"
jp_history_json "$r" "$T/h7.json"
jp_json "$T/h7.json" "history after applying a plan" '
ts = d["transactions"]
assert len(ts) == 1, ts
t = ts[0]
assert (t["kind"], t["status"], t["mode"]) == ("apply", "ok", "one-by-one"), t
assert t["host"] == "web01", t["host"]
assert t["plan"] and t["plan"].endswith("p.json"), t["plan"]
got = sorted((p["name"], p["from"], p["to"], p["result"]) for p in t["packages"])
assert got == [("a", "1-1", "2-1", "ok"), ("b", "1-1", "2-1", "ok"),
    ("c", "1-1", "2-1", "ok"), ("d", None, "1-1", "ok")], got
'

# --- --security, with dnf upgrade --security as the oracle ------------------------------
# a security advisory for c-2-1 (which brings d), none for a and b
cat >"$T/adv.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="security@example.com" status="final" type="security" version="1">
    <id>JPT-2026:0007</id>
    <title>Important: c security update</title>
    <issued date="2026-01-02 00:00:00"/>
    <severity>Important</severity>
    <summary>c fix</summary>
    <description>Fixes c.</description>
    <pkglist>
      <collection short="jpt">
        <name>jprepo test</name>
        <package name="c" version="2" release="1" epoch="0" arch="noarch" src="c-2-1.src.rpm">
          <filename>c-2-1.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
EOF
srepo=$T/secrepo
mkdir -p "$srepo"
cp -p "$repo"/*.rpm "$srepo/" || fail "cannot copy $repo"
jp_expect 0 build --advisories "$T/adv.xml" "$srepo"
rd=$T/rsec-dnf
cp -a "$root0" "$rd"
jp_dnf_root "$rd" "$srepo" upgrade --security
[ "$rc" = 0 ] || fail "$jp_cmd: $(cat "$T/dnf.out" "$T/dnf.err")"
want=$(jp_rpms "$rd")
[ "$want" != "$(jp_rpms "$root0")" ] ||
    fail "dnf upgrade --security changed nothing: the advisory is not seen"
r=$T/rsec
cp -a "$root0" "$r"
jp_expect 0 apply --security --repo "$srepo" --root "$r"
[ "$(jp_rpms "$r")" = "$want" ] ||
    fail "apply --security: rpm -qa says '$(jp_rpms "$r")', dnf upgrade --security made '$want'"

# --- 8. --window -------------------------------------------------------------------
# The window is local time, as date(1) prints it.  Closed: it opens in
# three hours and lasts one; open: from an hour ago to an hour from now
# (a window starting before midnight and ending after crosses it).
now=$(date +%s)
w_closed="$(date -d "@$((now + 3 * 3600))" +%a) $(date -d "@$((now + 3 * 3600))" +%H:%M)-$(date -d "@$((now + 4 * 3600))" +%H:%M)"
w_open="$(date -d "@$((now - 3600))" +%a) $(date -d "@$((now - 3600))" +%H:%M)-$(date -d "@$((now + 3600))" +%H:%M)"
r=$T/r8
cp -a "$root0" "$r"
sum=$(jp_rpmdb_sum "$r")
ids=$(jp_dnf_ids "$r")
jp_expect 3 apply --window "$w_closed" --repo "$repo" --root "$r"
jp_err_has "window" "outside '$w_closed'"
unchanged "$r" "$sum" 0 "$ids" "outside the window '$w_closed'"
jp_expect 2 apply --window "Sat 25:00-26:00" --repo "$repo" --root "$r"
jp_expect 2 apply --window "someday" --repo "$repo" --root "$r"
unchanged "$r" "$sum" 0 "$ids" "bad windows"
jp_expect 0 apply --window "$w_open" --repo "$repo" --root "$r"
jp_assert_rpms "$r" "$v2" "apply inside the window '$w_open'"
exit 0
