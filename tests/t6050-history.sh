#!/bin/sh
# jprepo history: a journal written with sqlite3(1) in the schema of
# jprepo-journal(5) is shown as a text list (aligned, oldest first), one
# transaction in full (fields, packages, runs with their output) and JSON,
# which Python's own sqlite3 module checks field for field against the
# database.  Times are checked against date(1).  No journal: nothing on
# stdout, a note, exit 0 ({"transactions": []} with --json).  Refusals:
# usage errors (2), an unknown TXID, a newer format version, a file that is
# not a database (3, naming the file).  history never writes the journal.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd sqlite3 python3 sha256sum date
need_jprepo

# iso SECONDS: the ISO 8601 UTC time, by date(1)
iso() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

# --- usage errors ------------------------------------------------------------
for args in "--bogus" "abc" "0" "-1" "1 2" "1x" "--root"; do
	# shellcheck disable=SC2086
	jp_expect 2 history $args
	jp_err_has '^usage: jprepo history' "history $args"
	[ -s "$T/out" ] && fail "'history $args' wrote to stdout: $(cat "$T/out")"
done
jp_expect 2 history --root ''
jp_expect 0 history --help
grep -q '^usage: jprepo history' "$T/out" || fail "--help: no usage line"

# --- no journal -------------------------------------------------------------
mkdir -p "$T/empty"
jp_expect 0 history --root "$T/empty"
[ -s "$T/out" ] && fail "no journal: stdout should be empty: $(cat "$T/out")"
jp_err_has "no journal under '$T/empty'"
jp_expect 0 -q history --root "$T/empty"
[ -s "$T/err" ] && fail "-q: no note expected: $(cat "$T/err")"
jp_expect 0 history --root "$T/empty" --json
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"transactions": []}, d' "$T/out" || fail "no journal: --json: $(cat "$T/out")"
jp_expect 3 history --root "$T/empty" 1
jp_err_has "no transaction 1"
[ -e "$T/empty/var" ] && fail "history created files under the root"
# a root that is not there is a mistake, not a host without a journal
jp_expect 3 history --root "$T/nowhere"
jp_err_has "'$T/nowhere'"
[ -e "$T/nowhere" ] && fail "history created the root"

# --- a journal ----------------------------------------------------------------
root=$T/root
db=$root/var/lib/jprepo/journal.sqlite
mkdir -p "$root/var/lib/jprepo"
t1=1764275895
t2=1764362400
t3=1764448800
# The schema of jprepo-journal(5), and three transactions: a one-by-one
# apply with dnf (two manager transactions), a failed bulk apply with apt,
# a rollback of the first still running with an escape character in its
# message.
{ jp_journal_schema; cat <<EOF; } | sqlite3 "$db" || fail "cannot write the journal"
INSERT INTO transactions VALUES (1, $t1, $t1 + 75, 'apply', 'one-by-one',
  'ok', 'dnf', '12 13', 'file:///srv/repo', 'web01', 'web01.plan',
  '2 packages updated', NULL);
INSERT INTO packages VALUES (1, 1, 'hello', 'noarch', '1.0-1', '2.0-1', 'ok',
  NULL, '12', 1);
INSERT INTO packages VALUES (1, 2, 'libgreet', 'x86_64', NULL, '0.1-1', 'ok',
  NULL, '12', 1);
INSERT INTO packages VALUES (1, 3, 'zlib', 'x86_64', '1.2.11-1', '1.2.13-1',
  'ok', NULL, '13', 2);
INSERT INTO runs VALUES (1, 1, 'dnf -y install hello-2.0-1.noarch', 0,
  'Installing:' || char(10) || ' hello' || char(13) || char(10) || 'Complete!' || char(10),
  '12', $t1 + 1, $t1 + 30);
INSERT INTO runs VALUES (1, 2, 'dnf -y install zlib-1.2.13-1.x86_64', 0,
  'Complete!', '13', $t1 + 31, $t1 + 70);
INSERT INTO transactions VALUES (2, $t2, $t2 + 9, 'apply', 'bulk', 'failed',
  'apt', NULL, 'http://repo.example/debian', 'db02', NULL,
  'the package manager failed; nothing changed', NULL);
INSERT INTO packages VALUES (2, 1, 'zlib1g', 'amd64', '1:1.2.13.dfsg-1',
  '1:1.3.dfsg-1', 'failed', 'preinst exited 1', NULL, 1);
INSERT INTO packages VALUES (2, 2, 'bash', 'amd64', '5.2.15-2', '5.2.15-2+b1',
  'reverted', NULL, NULL, 1);
INSERT INTO runs VALUES (2, 1, 'apt-get -y install zlib1g=1:1.3.dfsg-1', 100,
  NULL, NULL, $t2 + 1, $t2 + 8);
INSERT INTO transactions VALUES (3, $t3, NULL, 'rollback', 'one-by-one',
  'running', 'dnf', NULL, 'file:///srv/repo', 'web01', NULL,
  'undo ' || char(27) || '[31mred', 1);
EOF
sum=$(sha256sum "$db")

# --- the list --------------------------------------------------------------
jp_expect 0 history --root "$root"
cp "$T/out" "$T/list"
[ "$(wc -l <"$T/list")" = 4 ] || fail "list: want a header and 3 lines:
$(cat "$T/list")"
# the words of each line
awk '{ $1 = $1; print }' "$T/list" >"$T/words"
cat >"$T/want" <<EOF
ID STARTED KIND MODE PM PM-ID STATUS PACKAGES
1 $(iso $t1) apply one-by-one dnf 12,13 ok 3/3
2 $(iso $t2) apply bulk apt - failed 0/2
3 $(iso $t3) rollback one-by-one dnf - running 0/0
EOF
diff -u "$T/want" "$T/words" >&2 || fail "list: words differ (- expected, + got)"
# aligned: every column starts where its header does
python3 - "$T/list" <<'EOF' || fail "list: columns are not aligned: $(cat "$T/list")"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
starts = [m.start() for m in re.finditer(r"\S+", lines[0])]
for line in lines[1:]:
    got = [m.start() for m in re.finditer(r"\S+", line)]
    assert got == starts, (line, got, starts)
EOF

# --- one transaction ----------------------------------------------------------
jp_expect 0 history --root "$root" 1
cp "$T/out" "$T/one"
field() {
	sed -n "s/^$1: *//p" "$T/one"
}
for f in "transaction 1" "started $(iso $t1)" "finished $(iso $((t1 + 75)))" \
    "kind apply" "mode one-by-one" "status ok" "pm dnf" "pm-id 12 13" \
    "repo file:///srv/repo" "host web01" "plan web01.plan" "rollback-of -" \
    "message 2 packages updated" "packages 3 ok of 3"; do
	name=${f%% *}
	want=${f#* }
	[ "$(field "$name")" = "$want" ] ||
	    fail "history 1: '$name' is '$(field "$name")', want '$want':
$(cat "$T/one")"
done
for re in '^  hello\.noarch +1\.0-1 +-> 2\.0-1 +ok +-$' \
    '^  libgreet\.x86_64 +- +-> 0\.1-1 +ok +-$' \
    '^  zlib\.x86_64 +1\.2\.11-1 +-> 1\.2\.13-1 +ok +-$' \
    "^run 1: exit status 0, $(iso $((t1 + 1))) to $(iso $((t1 + 30))), pm-id 12\$" \
    '^  \$ dnf -y install hello-2\.0-1\.noarch$' \
    '^    Installing:$' '^     hello$' '^    Complete!$' \
    '^run 2: exit status 0, '; do
	grep -Eq -- "$re" "$T/one" || fail "history 1: no line matching '$re':
$(cat "$T/one")"
done
# packages in seq order, before the runs
[ "$(grep -n -E '^  (hello|libgreet|zlib)\.' "$T/one" | cut -d: -f1 | tr '\n' ' ')" = \
    "$(grep -n -E '^  (hello|libgreet|zlib)\.' "$T/one" | sort -n | cut -d: -f1 | tr '\n' ' ')" ] ||
    fail "history 1: packages out of order"
grep -q "$(printf '\r')" "$T/one" && fail "history 1: a carriage return got through"

jp_expect 0 history --root "$root" 2
grep -Eq '^  zlib1g\.amd64 +1:1\.2\.13\.dfsg-1 +-> 1:1\.3\.dfsg-1 +failed +preinst exited 1$' "$T/out" ||
    fail "history 2: the failed package: $(cat "$T/out")"
grep -Eq '^run 1: exit status 100, ' "$T/out" || fail "history 2: the run: $(cat "$T/out")"
jp_expect 0 history --root "$root" 3
grep -q "$(printf '\033')" "$T/out" && fail "history 3: an escape character got through"
grep -q '^message: *undo ?\[31mred$' "$T/out" || fail "history 3: the message: $(cat "$T/out")"
grep -q '^finished: *-$' "$T/out" || fail "history 3: finished should be -: $(cat "$T/out")"
grep -q '^rollback-of: *1$' "$T/out" || fail "history 3: rollback-of: $(cat "$T/out")"

jp_expect 3 history --root "$root" 9
jp_err_has "no transaction 9 in '$db'"
[ -s "$T/out" ] && fail "history 9 wrote to stdout"

# --- JSON against the database ----------------------------------------------
# check.py DB JSON [TXID]: the JSON is what the database holds, by Python's
# sqlite3 module; the time strings by the time module.
cat >"$T/check.py" <<'EOF'
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.row_factory = sqlite3.Row
doc = json.load(open(sys.argv[2]))
one = int(sys.argv[3]) if len(sys.argv) > 3 else None
def iso(t):
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
assert list(doc) == ["transactions"], list(doc)
txs = db.execute("SELECT * FROM transactions ORDER BY id").fetchall()
if one is not None:
    txs = [t for t in txs if t["id"] == one]
got = doc["transactions"]
assert [t["id"] for t in got] == [t["id"] for t in txs], ([t["id"] for t in got], [t["id"] for t in txs])
for t, g in zip(txs, got):
    for k in ("kind", "mode", "status", "pm", "pm_id", "repo", "host", "plan", "message"):
        assert g[k] == t[k], (t["id"], k, g[k], t[k])
    assert g["started"] == iso(t["started"]), (g["started"], t["started"])
    assert g["finished"] == iso(t["finished"]), (g["finished"], t["finished"])
    assert g["rollback_of"] == t["rollback_of"], g["rollback_of"]
    assert g["pm_ids"] == (t["pm_id"] or "").split(), g["pm_ids"]
    pkgs = db.execute("SELECT * FROM packages WHERE txid = ? ORDER BY seq", (t["id"],)).fetchall()
    assert len(g["packages"]) == len(pkgs), (t["id"], g["packages"])
    for p, gp in zip(pkgs, g["packages"]):
        want = {"seq": p["seq"], "name": p["name"], "arch": p["arch"], "from": p["from_evr"],
                "to": p["to_evr"], "result": p["result"], "message": p["message"],
                "pm_id": p["pm_id"], "run": p["run"]}
        for k, v in want.items():
            assert gp[k] == v, (t["id"], p["seq"], k, gp[k], v)
    if one is None:
        assert "runs" not in g, "runs without TXID"
        continue
    runs = db.execute("SELECT * FROM runs WHERE txid = ? ORDER BY seq", (t["id"],)).fetchall()
    assert len(g["runs"]) == len(runs), g["runs"]
    for r, gr in zip(runs, g["runs"]):
        assert gr["seq"] == r["seq"] and gr["command"] == r["command"], gr
        assert gr["status"] == r["status"] and gr["output"] == r["output"], gr
        assert gr["started"] == iso(r["started"]) and gr["finished"] == iso(r["finished"]), gr
EOF
jp_expect 0 history --root "$root" --json
python3 "$T/check.py" "$db" "$T/out" || fail "--json differs from the database:
$(cat "$T/out")"
for id in 1 2 3; do
	jp_expect 0 history --json --root "$root" "$id"
	python3 "$T/check.py" "$db" "$T/out" "$id" || fail "--json $id differs from the database:
$(cat "$T/out")"
done

# history only reads
[ "$(sha256sum "$db")" = "$sum" ] || fail "history changed the journal"
[ -e "$db-journal" ] || [ -e "$db-wal" ] && fail "history left a SQLite journal"

# an empty file is an empty journal, and stays empty
mkdir -p "$T/root0/var/lib/jprepo"
: >"$T/root0/var/lib/jprepo/journal.sqlite"
jp_expect 0 history --root "$T/root0"
[ -s "$T/out" ] && fail "an empty journal: stdout should be empty: $(cat "$T/out")"
jp_err_has "no transactions in"
jp_expect 0 history --root "$T/root0" --json
python3 -c 'import json, sys
assert json.load(open(sys.argv[1])) == {"transactions": []}' "$T/out" ||
    fail "an empty journal: --json: $(cat "$T/out")"
[ -s "$T/root0/var/lib/jprepo/journal.sqlite" ] && fail "history wrote to an empty journal"

# --- refusals ---------------------------------------------------------------
sqlite3 "$db" 'PRAGMA user_version = 2' || fail "sqlite3 user_version"
jp_expect 3 history --root "$root"
jp_err_has "'$db'.*version 2 is newer"
jp_expect 3 history --root "$root" --json
[ -s "$T/out" ] && fail "a refused journal: stdout should be empty: $(cat "$T/out")"
printf 'not a database, just some text that is long enough to fill a header\n%.0s' 1 2 3 >"$db"
jp_expect 3 history --root "$root"
jp_err_has "'$db'"
jp_err_has "not a database"
exit 0
