#!/bin/sh
# t6015-apply-yum: `jprepo apply --pm yum` runs yum with the command lines
# of dnf (on EL 8 and later yum is dnf: here a yum in PATH that is dnf under
# that name).  Updates go in, the journal says yum and keeps yum's own
# command lines and transaction ids, and the rollback undoes them through
# `yum history undo`.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_root
need_cmd rpmbuild dnf rpm python3

R=$T/repo
mkdir -p "$R" "$T/bin"
jp_mkrpm "$R" one 1.0 1
jp_mkrpm "$R" one 2.0 1
jp_mkrpm "$R" two 1.0 1
jp_mkrpm "$R" two 2.0 1 'Requires: three'
jp_mkrpm "$R" three 1.0 1
jp -q build "$R"
[ "$rc" = 0 ] || fail "build: $(cat "$T/err")"

# the host: version 1 of one and two
ROOT=$T/root
dnf -q -y --installroot="$ROOT" --setopt=reposdir=/dev/null --releasever=1 \
    --noplugins --repofrompath=r,"file://$R" --repo=r --setopt=r.gpgcheck=0 \
    install one-1.0-1 two-1.0-1 >"$T/dnf.out" 2>&1 ||
    fail "cannot install version 1: $(cat "$T/dnf.out")"
installed() { rpm --root "$ROOT" -qa --qf '%{name}-%{version}\n' | sort | tr '\n' ' '; }
[ "$(installed)" = "one-1.0 two-1.0 " ] || fail "the root holds: $(installed)"

ln -s "$(command -v dnf)" "$T/bin/yum"
PATH=$T/bin:$PATH
export PATH

jp apply --pm yum --repo "$R" --root "$ROOT" --json
[ "$rc" = 0 ] || fail "apply --pm yum: exit $rc: $(cat "$T/err")"
[ "$(installed)" = "one-2.0 three-1.0 two-2.0 " ] ||
    fail "after apply the root holds: $(installed)"
# apply --json: the outcome as the journal has it
python3 - "$T/out" "$ROOT" <<'PY' || fail "apply --json: $(cat "$T/out")"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["transaction"] == 1 and a["status"] == "ok" and a["pm"] == "yum", a
assert a["kind"] == "apply" and a["mode"] == "one-by-one" and not a["dry_run"], a
assert a["root"] == sys.argv[2] and a["host"] is None, a
assert len(a["pm_id"].split()) == 2, a
got = sorted((u["name"], u["from"], u["to"], u["result"]) for u in a["updates"])
assert got == [("one", "1.0-1", "2.0-1", "ok"), ("two", "1.0-1", "2.0-1", "ok")], got
assert a["summary"] == {"updates": 2, "ok": 2, "failed": 0, "skipped": 0}, a
PY

jp history --root "$ROOT" --json
[ "$rc" = 0 ] || fail "history: $(cat "$T/err")"
python3 - "$T/out" <<'PY' || fail "history --json: $(cat "$T/out")"
import json, sys
t = json.load(open(sys.argv[1]))["transactions"]
assert len(t) == 1, t
t = t[0]
assert t["pm"] == "yum" and t["mode"] == "one-by-one" and t["status"] == "ok", t
ids = t["pm_id"].split()
assert len(ids) == 2 and all(i.isdigit() for i in ids), t["pm_id"]
got = sorted((p["name"], p["from"], p["to"], p["result"]) for p in t["packages"])
assert got == [("one", "1.0-1", "2.0-1", "ok"), ("three", None, "1.0-1", "ok"),
               ("two", "1.0-1", "2.0-1", "ok")], got
PY
# the journal keeps yum's command lines
jp history --root "$ROOT" 1
grep -q '^  \$ yum -y --installroot=' "$T/out" ||
    fail "history 1 shows no yum command line: $(cat "$T/out")"

jp rollback --root "$ROOT" --json 1
[ "$rc" = 0 ] || fail "rollback: exit $rc: $(cat "$T/err")"
python3 - "$T/out" <<'PY' || fail "rollback --json: $(cat "$T/out")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["transaction"] == 2 and r["rollback_of"] == 1 and r["status"] == "ok", r
assert r["pm"] == "yum" and r["pm_id"], r
got = sorted((p["name"], p["from"], p["to"], p["result"]) for p in r["packages"])
assert got == [("one", "2.0-1", "1.0-1", "ok"), ("three", "1.0-1", None, "ok"),
               ("two", "2.0-1", "1.0-1", "ok")], got
PY
[ "$(installed)" = "one-1.0 two-1.0 " ] ||
    fail "after the rollback the root holds: $(installed)"
jp history --root "$ROOT" 2
grep -q 'history undo' "$T/out" || fail "the rollback did not use yum history undo: $(cat "$T/out")"
grep -q '^  \$ yum ' "$T/out" || fail "the rollback did not run yum: $(cat "$T/out")"
exit 0
