#!/bin/sh
# jprepo apply, history and rollback with real dnf in scratch roots, rpm
# and dnf's own history as the oracles.  The image has a-1, b-1, c-1
# (installed by dnf itself); the repository has their updates, b-2 with a
# pre-install script that fails and c-2 requiring a new package d.
#  1. one by one: a-2, c-2 and d go in, b stays at 1 and is reported
#     failed, exit 1; the journal has the transaction with dnf's IDs, which
#     dnf's history confirms package by package; rollback puts a and c back
#     at 1 and removes d, journaled as a rollback of it; a second rollback
#     of the same transaction is refused; the rollback itself can be
#     rolled back (at the end).
#  2. bulk with b-2: nothing changes (rpm -qa as before), exit 1, the run
#     says it was undone, status "reverted".
#  3. bulk without a failing package: all in, exit 0, one dnf transaction;
#     a second apply has nothing to do; a rollback is refused when the host
#     moved on since (a downgraded by dnf itself), or for an unknown TXID.
#  4. a rollback whose earlier version left the repository fails before
#     touching the host (rpm database and both histories unchanged), naming
#     the missing version; with it back, the rollback works.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_root "dnf installs into scratch roots"
need_cmd dnf rpm rpmbuild python3 sha256sum
need_jprepo

repo=$T/repo
jp_apply_repo "$repo"
root0=$T/root0
jp_apply_root "$root0" "$repo" web01
v1="a-1-1.noarch b-1-1.noarch c-1-1.noarch"

# check_pm_ids ROOT JSON TXID: every package of transaction TXID recorded
# "ok" with a pm_id is in that dnf transaction at its to-version (or, when
# removed, at its from-version), by `dnf history info`.
check_pm_ids() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
t = [t for t in d["transactions"] if t["id"] == int(sys.argv[2])][0]
for p in t["packages"]:
    if p["result"] == "ok" and p.get("pm_id"):
        print(p["pm_id"], p["name"], p["to"] or p["from"], p["arch"])
' "$2" "$3" >"$T/pmids" || fail "cannot read $2"
	[ -s "$T/pmids" ] || fail "transaction $3: no package with a pm_id: $(cat "$2")"
	while read -r id name evr arch; do
		jp_dnf_info "$1" "$id"
		grep -Eq "[[:space:]]$name-$evr\\.$arch([[:space:]]|\$)" "$T/dnf.info" ||
		    fail "transaction $3 says dnf transaction $id changed $name-$evr.$arch; dnf history info $id says:
$(cat "$T/dnf.info")"
	done <"$T/pmids"
}

# --- 1. one by one -----------------------------------------------------------
r1=$T/r1
cp -a "$root0" "$r1"
ids0=$(jp_dnf_ids "$r1")
jp_expect 1 apply --repo "$repo" --root "$r1"
jp_assert_rpms "$r1" "a-2-1.noarch b-1-1.noarch c-2-1.noarch d-1-1.noarch" \
    "one-by-one apply with b-2 failing"
grep -Eq '^failed +b\.noarch.*preinstall refuses' "$T/out" ||
    fail "apply should report b failed with the script's message; stdout:
$(cat "$T/out")"
for n in a c; do
	grep -Eq "^ok +$n\\.noarch 1-1 -> 2-1" "$T/out" ||
	    fail "apply should report $n 1-1 -> 2-1 ok; stdout: $(cat "$T/out")"
done
ids1=$(jp_dnf_ids "$r1")
jp_history_json "$r1" "$T/h1.json"
jp_json "$T/h1.json" "history after a one-by-one apply" '
ts = d["transactions"]
assert len(ts) == 1, ts
t = ts[0]
assert isinstance(t["id"], int), t["id"]
assert t["mode"] == "one-by-one", t["mode"]
assert t["status"] == "partial", t["status"]
assert t["pm"] == "dnf", t["pm"]
assert t["pm_id"], "pm_id %r" % t["pm_id"]
assert t.get("started"), t
ids = t["pm_id"].split() if isinstance(t["pm_id"], str) else [str(i) for i in t["pm_id"]]
new = set(sys.argv[2].split()) - set(sys.argv[3].split())
assert set(ids) <= new, "pm_id %r not among the new dnf IDs %r" % (ids, new)
pk = {}
for p in t["packages"]:
    for k in ("name", "arch", "from", "to", "result"):
        assert k in p, (k, p)
    pk[p["name"]] = p
assert set(pk) == {"a", "b", "c", "d"}, pk
assert len(t["packages"]) == 4, "a package journaled twice: %r" % t["packages"]
for n in "ac":
    assert (pk[n]["from"], pk[n]["to"], pk[n]["result"]) == ("1-1", "2-1", "ok"), pk[n]
assert (pk["d"]["from"], pk["d"]["to"], pk["d"]["result"]) == (None, "1-1", "ok"), pk["d"]
assert pk["b"]["from"] == "1-1" and pk["b"]["result"] == "failed", pk["b"]
assert all(p["arch"] == "noarch" for p in t["packages"])
' "$ids1" "$ids0"
tx1=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["transactions"][0]["id"])' "$T/h1.json")
check_pm_ids "$r1" "$T/h1.json" "$tx1"
# the text list names it too
jp_expect 0 history --root "$r1"
grep -Eq "^$tx1 .*one-by-one.*dnf.*partial" "$T/out" ||
    fail "history: no line for transaction $tx1: $(cat "$T/out")"

# rollback
jp_expect 0 rollback --root "$r1" "$tx1"
jp_assert_rpms "$r1" "$v1" "rollback of the one-by-one apply"
ids2=$(jp_dnf_ids "$r1")
jp_history_json "$r1" "$T/h2.json"
jp_json "$T/h2.json" "history after the rollback" '
ts = d["transactions"]
assert len(ts) == 2, ts
t1, t2 = ts
assert t1["id"] == int(sys.argv[2]) and t2["id"] > t1["id"], (t1["id"], t2["id"])
assert t2["kind"] == "rollback", t2["kind"]
assert t2["rollback_of"] == t1["id"], t2["rollback_of"]
assert t2["status"] == "ok", t2["status"]
assert t2["pm"] == "dnf", t2["pm"]
ids = t2["pm_id"].split() if isinstance(t2["pm_id"], str) else [str(i) for i in t2["pm_id"]]
new = set(sys.argv[3].split()) - set(sys.argv[4].split())
# one dnf history undo per dnf transaction of the apply: all are recorded
assert set(ids) == new, "rollback pm_id %r, dnf made %r" % (ids, new)
pk = {p["name"]: p for p in t2["packages"]}
assert set(pk) == {"a", "c", "d"}, pk
for n in "ac":
    assert (pk[n]["from"], pk[n]["to"], pk[n]["result"]) == ("2-1", "1-1", "ok"), pk[n]
assert (pk["d"]["from"], pk["d"]["to"], pk["d"]["result"]) == ("1-1", None, "ok"), pk["d"]
assert t1["status"] == "partial", t1
' "$tx1" "$ids2" "$ids1"
tx2=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["transactions"][1]["id"])' "$T/h2.json")
check_pm_ids "$r1" "$T/h2.json" "$tx2"

# a second rollback of the same transaction is refused, changing nothing
sum=$(jp_rpmdb_sum "$r1")
jp_expect 3 rollback --root "$r1" "$tx1"
jp_err_has "rolled back already" "second rollback of $tx1"
[ "$(jp_rpmdb_sum "$r1")" = "$sum" ] ||
    fail "a refused rollback changed the rpm database"
[ "$(jp_ntx "$r1")" = 2 ] || fail "a refused rollback added a transaction"
[ "$(jp_dnf_ids "$r1")" = "$ids2" ] || fail "a refused rollback ran dnf"

# --- 2. bulk with the failing b -----------------------------------------------
r2=$T/r2
cp -a "$root0" "$r2"
jp_expect 1 apply --mode bulk --repo "$repo" --root "$r2"
jp_assert_rpms "$r2" "$v1" "a failed bulk apply must leave the host as it was"
grep -Eqi 'undone|reverted|as it was' "$T/err" ||
    fail "a failed bulk apply should say it was undone; stderr: $(cat "$T/err")"
grep -q 'preinstall refuses' "$T/out" "$T/err" ||
    fail "a failed bulk apply should give dnf's reason: $(cat "$T/out" "$T/err")"
jp_history_json "$r2" "$T/h3.json"
jp_json "$T/h3.json" "history after a failed bulk apply" '
ts = d["transactions"]
assert len(ts) == 1, ts
t = ts[0]
assert t["mode"] == "bulk", t["mode"]
assert t["status"] == "reverted", t["status"]
assert t["pm"] == "dnf", t["pm"]
assert not [p for p in t["packages"] if p["result"] == "ok"], t["packages"]
names = [p["name"] for p in t["packages"]]
assert len(names) == len(set(names)), "a package journaled twice: %r" % names
assert {p["name"] for p in t["packages"]} >= {"a", "b", "c"}, t["packages"]
'

# --- 3. bulk without failures ---------------------------------------------------
# the same repository, but b-2 without the failing script
repog=$T/repog
mkdir -p "$repog"
cp -p "$repo"/*.rpm "$repog/" || fail "cannot copy $repo"
rm -f "$repog/b-2-1.noarch.rpm"
jp_mkrpm "$repog" b 2 1
jp_expect 0 build "$repog"
r3=$T/r3
cp -a "$root0" "$r3"
ids0=$(jp_dnf_ids "$r3")
jp_expect 0 apply --mode bulk --repo "$repog" --root "$r3"
v2="a-2-1.noarch b-2-1.noarch c-2-1.noarch d-1-1.noarch"
jp_assert_rpms "$r3" "$v2" "bulk apply"
ids1=$(jp_dnf_ids "$r3")
jp_history_json "$r3" "$T/h4.json"
jp_json "$T/h4.json" "history after a bulk apply" '
ts = d["transactions"]
assert len(ts) == 1, ts
t = ts[0]
assert (t["mode"], t["status"], t["pm"]) == ("bulk", "ok", "dnf"), t
ids = t["pm_id"].split() if isinstance(t["pm_id"], str) else [str(i) for i in t["pm_id"]]
new = set(sys.argv[2].split()) - set(sys.argv[3].split())
assert len(new) == 1 and set(ids) == new, "pm_id %r, dnf made %r" % (ids, new)
got = sorted((p["name"], p["from"], p["to"], p["result"]) for p in t["packages"])
assert got == [("a", "1-1", "2-1", "ok"), ("b", "1-1", "2-1", "ok"),
    ("c", "1-1", "2-1", "ok"), ("d", None, "1-1", "ok")], got
' "$ids1" "$ids0"
tx3=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["transactions"][0]["id"])' "$T/h4.json")
check_pm_ids "$r3" "$T/h4.json" "$tx3"

# one transaction in full, as text
jp_expect 0 history --root "$r3" "$tx3"
for n in a b c d; do
	grep -Eq "^ +$n\.noarch " "$T/out" ||
	    fail "history $tx3 does not list $n.noarch: $(cat "$T/out")"
done
# nothing left to do: exit 0, nothing changed
sum=$(jp_rpmdb_sum "$r3")
jp_expect 0 apply --mode bulk --repo "$repog" --root "$r3"
[ "$(jp_rpmdb_sum "$r3")" = "$sum" ] || fail "apply with nothing to do changed the rpm database"
[ "$(jp_dnf_ids "$r3")" = "$ids1" ] || fail "apply with nothing to do ran a dnf transaction"

# a rollback is refused when the host moved on since the transaction
r3m=$T/r3moved
cp -a "$r3" "$r3m"
jp_dnf_root "$r3m" "$repog" downgrade a-1-1.noarch
[ "$rc" = 0 ] || fail "$jp_cmd: $(cat "$T/dnf.out" "$T/dnf.err")"
sum=$(jp_rpmdb_sum "$r3m")
idsm=$(jp_dnf_ids "$r3m")
jp_expect 3 rollback --root "$r3m" "$tx3"
jp_err_has 'a\.noarch' "the package that moved"
[ "$(jp_rpmdb_sum "$r3m")" = "$sum" ] ||
    fail "a refused rollback (host changed) changed the rpm database"
[ "$(jp_dnf_ids "$r3m")" = "$idsm" ] || fail "a refused rollback (host changed) ran dnf"
[ "$(jp_ntx "$r3m")" = 1 ] || fail "a refused rollback (host changed) added a transaction"
# and for a transaction the journal does not have
jp_expect 3 rollback --root "$r3" 99
jp_err_has '99'
jp_expect 2 rollback --root "$r3" x1

# --- 4. rollback when an earlier version left the repository -----------------------
mkdir -p "$T/aside"
mv "$repog/a-1-1.noarch.rpm" "$T/aside/" || fail "cannot move a-1 aside"
jp_expect 0 build "$repog"
sum=$(jp_rpmdb_sum "$r3")
jp_expect 3 rollback --root "$r3" "$tx3"
jp_err_has 'a-(0:)?1-1\.noarch' "the missing earlier version"
jp_err_has 'nothing' "should say nothing was changed"
grep -q 'b-1-1' "$T/err" && fail "only a-1 is missing, but: $(cat "$T/err")"
[ "$(jp_rpmdb_sum "$r3")" = "$sum" ] ||
    fail "a refused rollback changed the rpm database"
jp_assert_rpms "$r3" "$v2" "refused rollback"
[ "$(jp_ntx "$r3")" = 1 ] || fail "a refused rollback added a transaction"
[ "$(jp_dnf_ids "$r3")" = "$ids1" ] || fail "a refused rollback ran dnf"
# with a-1 back, the rollback works
mv "$T/aside/a-1-1.noarch.rpm" "$repog/" || fail "cannot move a-1 back"
jp_expect 0 build "$repog"
jp_expect 0 rollback --root "$r3" "$tx3"
jp_assert_rpms "$r3" "$v1" "rollback of the bulk apply"
jp_history_json "$r3" "$T/h5.json"
jp_json "$T/h5.json" "history after the rollback of a bulk apply" '
ts = d["transactions"]
assert len(ts) == 2, ts
assert ts[1]["kind"] == "rollback" and ts[1]["rollback_of"] == ts[0]["id"], ts[1]
assert ts[1]["status"] == "ok", ts[1]
'

# --- 1, continued: the rollback of the rollback ------------------------------------
jp_expect 0 rollback --root "$r1" "$tx2"
jp_assert_rpms "$r1" "a-2-1.noarch b-1-1.noarch c-2-1.noarch d-1-1.noarch" \
    "rollback of rollback $tx2"
exit 0
