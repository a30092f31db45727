#!/bin/sh
# t7300-ansible: samples/ansible/site.yml (role jprepo_apply) run by
# ansible-playbook over an inventory of local scratch dnf roots
# (ansible_connection=local, jprepo_root per host), issue 8.
#
# The repository is jp_apply_repo's: a, b, c at 1-1 and 2-1, d-1-1 (which
# c-2-1 requires); b-2-1's %pre fails.  Inventory host -> root's host name:
#   node1 -> web01  a-1 c-1      plan: a, c, d     apply exit 0
#   node2 -> web02  a-1          plan: a           apply exit 0
#   node3 -> web03  a-1 b-1 c-1  plan: a, b, c, d  apply exit 1 (b fails)
#   node4 -> web04  a-1          not in the plan   apply exit 3 (refused)
# With serial 2 the batches are node1+node2, node3+node4.
# Checks, with rpm, cmp, jprepo plan and the journal files as oracles:
#  1. --check: apply runs with --dry-run; rpm databases unchanged, no
#     journal, nothing collected.
#  2. the real run: ansible-playbook exits 2 (node4 failed) but runs both
#     batches (the apply task twice, node1+node2 then node3+node4); rpm
#     shows each root's versions; the plan was copied to each root; the
#     collected DIR/HOST.scan equal a fresh `jprepo scan` (but for the scan
#     time), DIR/HOST/journal.sqlite equal the roots' journals; web03's
#     failed update is recorded (apply.json, the scan's apply-failed line,
#     the summary) and web04's refusal too; the collected DIR is read by
#     `jprepo plan DIR` and, when `jprepo report` exists, by
#     `jprepo report --history DIR`.
#  2b. jprepo_window and jprepo_mode (-e): a closed window refuses, an open
#     one in bulk mode runs (node3's b fails again, undone, exit 1; with
#     jprepo_fail_on_failed_updates the host fails, its files collected).
#  2c. jprepo_plan empty: the host plans itself (node4 gets a-2).
#  3. nothing written next to the playbook (ANSIBLE_* keep Ansible's files
#     under $T).
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_root "dnf installs into scratch roots"
need_cmd ansible-playbook dnf rpm rpmbuild python3 cmp
need_jprepo

play=$JP_SRCDIR/samples/ansible/site.yml
[ -f "$play" ] || fail "no $play"

repo=$T/repo
jp_apply_repo "$repo"

# mkroot NODE HOST NVR...: a root for inventory host NODE named HOST with
# the packages NVR installed by dnf
mkroot() {
	mr_root=$T/roots/$1 mr_host=$2
	shift 2
	mkdir -p "$mr_root/etc" || fail "cannot create $mr_root"
	echo "$mr_host" >"$mr_root/etc/hostname"
	jp_dnf_root "$mr_root" "$repo" install "$@"
	[ "$rc" = 0 ] || fail "$jp_cmd: exit $rc: $(cat "$T/dnf.out" "$T/dnf.err")"
}
mkroot node1 web01 a-1-1.noarch c-1-1.noarch
mkroot node2 web02 a-1-1.noarch
mkroot node3 web03 a-1-1.noarch b-1-1.noarch c-1-1.noarch
mkroot node4 web04 a-1-1.noarch
mkdir -p "$T/scans"
for n in 1 2 3; do
	jp_expect 0 scan --root "$T/roots/node$n" -o "$T/scans/web0$n.scan"
done
jp_expect 0 scan --root "$T/roots/node4" -o "$T/web04.scan"
jp_expect 0 plan --repo "$repo" -o "$T/plan.json" "$T/scans"
jp_json "$T/plan.json" "the plan" '
hosts = {h["host"]: sorted(u["name"] for u in h["updates"]) for h in d["hosts"]}
assert sorted(hosts) == ["web01", "web02", "web03"], hosts
'

# --- Ansible, self-contained under $T ---------------------------------------
A=$T/ansible
mkdir -p "$A/tmp" "$A/remote" "$A/home" "$A/pc" || fail "cannot create $A"
cat >"$A/ansible.cfg" <<EOF
[defaults]
home = $A/home
local_tmp = $A/tmp
remote_tmp = $A/remote
retry_files_enabled = False
nocolor = True
collections_path = $A/home/collections
roles_path = $A/home/roles
[persistent_connection]
control_path_dir = $A/pc
EOF
ANSIBLE_CONFIG=$A/ansible.cfg
ANSIBLE_HOME=$A/home
ANSIBLE_LOCAL_TEMP=$A/tmp
ANSIBLE_REMOTE_TEMP=$A/remote
ANSIBLE_NOCOLOR=1
ANSIBLE_FORCE_COLOR=0
ANSIBLE_RETRY_FILES_ENABLED=0
ANSIBLE_PERSISTENT_CONTROL_PATH_DIR=$A/pc
ANSIBLE_STDOUT_CALLBACK=default
ANSIBLE_LOAD_CALLBACK_PLUGINS=0
export ANSIBLE_CONFIG ANSIBLE_HOME ANSIBLE_LOCAL_TEMP ANSIBLE_REMOTE_TEMP \
    ANSIBLE_NOCOLOR ANSIBLE_FORCE_COLOR ANSIBLE_RETRY_FILES_ENABLED \
    ANSIBLE_PERSISTENT_CONTROL_PATH_DIR ANSIBLE_STDOUT_CALLBACK \
    ANSIBLE_LOAD_CALLBACK_PLUGINS

{
	echo "[fleet]"
	for n in 1 2 3 4; do
		echo "node$n jprepo_root=$T/roots/node$n"
	done
	echo "[fleet:vars]"
	echo "ansible_connection=local"
	echo "ansible_python_interpreter={{ ansible_playbook_python }}"
	echo "jprepo_bin=$JPREPO"
	echo "jprepo_repo=$repo"
} >"$T/inventory"

C=$T/collected
(cd "$JP_SRCDIR/samples/ansible" && find . | LC_ALL=C sort) >"$T/samples.before"
# playbook OUT ARGS...: run site.yml over the inventory with serial 2, the
# plan and the collect dir; output in OUT, status in $rc
playbook() {
	pb_out=$1
	shift
	(cd "$T" && ansible-playbook -i "$T/inventory" "$play" \
	    -e jprepo_serial=2 -e "jprepo_plan=$T/plan.json" \
	    -e "jprepo_collect_dir=$C" "$@") >"$pb_out" 2>&1 </dev/null
	rc=$?
}

# --- 1. --check -----------------------------------------------------------
for n in 1 2 3 4; do
	jp_rpmdb_sum "$T/roots/node$n" >"$T/sum$n"
done
playbook "$T/check.out" --check -v
# node4 fails (refused plan), the others dry-run
[ "$rc" = 2 ] || fail "ansible-playbook --check: exit $rc, want 2: $(cat "$T/check.out")"
for n in 1 2 3 4; do
	[ "$(jp_rpmdb_sum "$T/roots/node$n")" = "$(cat "$T/sum$n")" ] ||
	    fail "--check changed the rpm database of node$n"
	[ -e "$T/roots/node$n/var/lib/jprepo/journal.sqlite" ] &&
	    fail "--check left a journal in node$n"
done
[ -e "$C" ] && fail "--check collected files: $(find "$C")"
grep -q 'would  *b\.noarch 1-1 -> 2-1' "$T/check.out" ||
    fail "--check: no 'would b.noarch' of node3's dry run: $(cat "$T/check.out")"

# --- 2. the real run ------------------------------------------------------
playbook "$T/play.out" -v
[ "$rc" = 2 ] ||
    fail "ansible-playbook: exit $rc, want 2 (node4 failed): $(cat "$T/play.out")"
# the recap: node4 failed, the others not; node3 changed
recap() {
	sed -n '/^PLAY RECAP/,$p' "$T/play.out" |
	    sed -nE "s/^$1 +: .* $2=([0-9]+).*/\\1/p"
}
for n in 1 2 3; do
	[ "$(recap "node$n" failed)" = 0 ] ||
	    fail "node$n failed in the recap: $(sed -n '/^PLAY RECAP/,$p' "$T/play.out")"
done
[ "$(recap node4 failed)" = 1 ] ||
    fail "node4 should fail once in the recap: $(sed -n '/^PLAY RECAP/,$p' "$T/play.out")"
# two batches, in inventory order
grep -cE '^TASK \[jprepo_apply : Run jprepo apply\]' "$T/play.out" >"$T/nb"
[ "$(cat "$T/nb")" = 2 ] ||
    fail "serial 2 over 4 hosts: the apply task ran $(cat "$T/nb") times, want 2: $(cat "$T/play.out")"
awk '/^TASK \[jprepo_apply : Run jprepo apply\]/ { b = ++n; next }
    /^TASK / { b = 0 }
    b && match($0, /\[node[0-9]\]/) { print b, substr($0, RSTART + 1, 5) }' \
    "$T/play.out" | sort >"$T/batches"
printf '1 node1\n1 node2\n2 node3\n2 node4\n' | cmp -s - "$T/batches" ||
    fail "batches (batch host): want node1+node2 then node3+node4, got: $(cat "$T/batches")"

# versions, by rpm
v2="a-2-1.noarch c-2-1.noarch d-1-1.noarch"
jp_assert_rpms "$T/roots/node1" "$v2" "node1 (web01)"
jp_assert_rpms "$T/roots/node2" "a-2-1.noarch" "node2 (web02)"
jp_assert_rpms "$T/roots/node3" "$v2 b-1-1.noarch" "node3 (web03, b-2 fails)"
jp_assert_rpms "$T/roots/node4" "a-1-1.noarch" "node4 (web04, not in the plan)"

# the plan copied to each host
for n in 1 2 3 4; do
	cmp -s "$T/plan.json" "$T/roots/node$n/var/lib/jprepo/ansible/plan.json" ||
	    fail "the plan was not copied to node$n's root"
done

# the collected files, by the scans' host names
for n in 1 2 3 4; do
	h=web0$n r=$T/roots/node$n
	[ -f "$C/$h.scan" ] || fail "no $C/$h.scan: $(find "$C")"
	jp_expect 0 scan --root "$r" -o "$T/now.scan"
	grep -v '^scanned ' "$C/$h.scan" >"$T/a"
	grep -v '^scanned ' "$T/now.scan" >"$T/b"
	cmp -s "$T/a" "$T/b" ||
	    fail "$C/$h.scan is not node$n's scan: $(diff "$T/a" "$T/b")"
	grep -q "^host $h\$" "$C/$h.scan" || fail "$C/$h.scan is not $h's"
	if [ -f "$r/var/lib/jprepo/journal.sqlite" ]; then
		cmp -s "$r/var/lib/jprepo/journal.sqlite" "$C/$h/journal.sqlite" ||
		    fail "$C/$h/journal.sqlite differs from node$n's journal"
	else
		[ -e "$C/$h/journal.sqlite" ] &&
		    fail "$C/$h/journal.sqlite collected from node$n, which has no journal"
	fi
	[ -f "$C/$h/apply.json" ] || fail "no $C/$h/apply.json"
done
for n in 1 2 3; do
	[ -f "$C/web0$n/journal.sqlite" ] || fail "no journal collected from node$n"
	[ "$(jp_ntx "$T/roots/node$n")" = 1 ] ||
	    fail "node$n's journal has $(jp_ntx "$T/roots/node$n") transactions, want 1"
done
# what each host's journal says, against what apply.json recorded
jp_history_json "$T/roots/node3" "$T/h3.json"
jp_json "$T/h3.json" "node3's journal" '
t = d["transactions"][0]
assert t["status"] == "partial", t
assert t["host"] == "web03", t
got = sorted((p["name"], p["result"]) for p in t["packages"])
assert got == [("a", "ok"), ("b", "failed"), ("c", "ok"), ("d", "ok")], got
'
grep -q '^apply-failed b noarch 2-1$' "$C/web03.scan" ||
    fail "web03's collected scan has no 'apply-failed b noarch 2-1': $(cat "$C/web03.scan")"
for n in 1 2 3 4; do
	jp_json "$C/web0$n/apply.json" "node$n's apply.json" '
n = sys.argv[2]
want = {"1": (0, "ok", []), "2": (0, "ok", []), "3": (1, "updates failed", ["b"]),
    "4": (3, "failed", [])}[n]
assert d["inventory_hostname"] == "node" + n, d
assert d["host"] == "web0" + n, d
assert d["rc"] == want[0], d
assert d["status"] == want[1], d
assert [l.split()[1].split(".")[0] for l in d["failed"]] == want[2], d
assert all(l.split()[0] == "failed" for l in d["failed"]), d
if n == "4":
    assert any("web04" in l for l in d["stderr"]), d
else:
    assert any(l.startswith("ok ") for l in d["stdout"]), d
' "$n"
done
# the summary names node3 and node4, not node1 and node2
sed -n '/^PLAY \[Summarize/,/^PLAY RECAP/p' "$T/play.out" >"$T/summary"
tr -d '\n' <"$T/summary" >"$T/summary1"
grep -q '"node3": \[ *"updates failed", *"failed  *b\.noarch 1-1 -> 2-1' "$T/summary1" ||
    fail "the summary does not name node3's failed b: $(cat "$T/summary")"
grep -q '"node4": \[ *"failed" *\]' "$T/summary1" ||
    fail "the summary does not name node4: $(cat "$T/summary")"
grep -Eq "node[12]" "$T/summary" &&
    fail "the summary names a host whose apply went in: $(cat "$T/summary")"

# the collected DIR as jprepo plan reads it: a directory of *.scan
jp_expect 0 plan --repo "$repo" -o "$T/plan2.json" "$C"
jp_json "$T/plan2.json" "the plan of the collected scans" '
hosts = {h["host"]: sorted(u["name"] for u in h["updates"]) for h in d["hosts"]}
assert hosts == {"web01": [], "web02": [], "web03": ["b"], "web04": ["a"]}, hosts
'

# --- 2b. --window and --mode reach jprepo apply --------------------------------
# node3 again, with the plan of the collected scans (b still to do): a
# closed window refuses (exit 3, nothing changed); an open one in bulk mode
# runs b alone as one transaction, which fails and is undone (exit 1).
now=$(date +%s)
w_closed="$(date -d "@$((now + 3 * 3600))" +%a) $(date -d "@$((now + 3 * 3600))" +%H:%M)-$(date -d "@$((now + 4 * 3600))" +%H:%M)"
w_open="$(date -d "@$((now - 3600))" +%a) $(date -d "@$((now - 3600))" +%H:%M)-$(date -d "@$((now + 3600))" +%H:%M)"
sum3=$(jp_rpmdb_sum "$T/roots/node3")
playbook "$T/play3.out" -v --limit node3 -e "jprepo_plan=$T/plan2.json" \
    -e "{\"jprepo_window\": \"$w_closed\", \"jprepo_mode\": \"bulk\"}"
[ "$rc" = 2 ] ||
    fail "a closed window: ansible-playbook exit $rc, want 2: $(cat "$T/play3.out")"
[ "$(jp_rpmdb_sum "$T/roots/node3")" = "$sum3" ] ||
    fail "a closed window changed node3's rpm database"
[ "$(jp_ntx "$T/roots/node3")" = 1 ] || fail "a closed window was journaled"
jp_json "$C/web03/apply.json" "node3's apply.json, closed window" '
assert d["rc"] == 3 and d["status"] == "failed", d
assert any("window" in l for l in d["stderr"]), d
'
grep -F -- "\"--window\", \"$w_closed\", \"--mode\", \"bulk\"" "$T/play3.out" >/dev/null ||
    fail "no '--window $w_closed --mode bulk' in the command: $(cat "$T/play3.out")"
playbook "$T/play4.out" -v --limit node3 -e "jprepo_plan=$T/plan2.json" \
    -e "{\"jprepo_window\": \"$w_open\", \"jprepo_mode\": \"bulk\",
    \"jprepo_fail_on_failed_updates\": true}"
# jprepo_fail_on_failed_updates: exit 1 fails the host, after collecting
[ "$rc" = 2 ] ||
    fail "an open window, failed updates fatal: ansible-playbook exit $rc, want 2: $(cat "$T/play4.out")"
grep -q '^TASK \[jprepo_apply : Fail when updates failed' "$T/play4.out" &&
    sed -n '/^TASK \[jprepo_apply : Fail when updates failed/,/^$/p' "$T/play4.out" |
    grep -q '^fatal: \[node3\]: FAILED!.*failed  *b\.noarch' ||
    fail "jprepo_fail_on_failed_updates: node3 should fail naming b: $(cat "$T/play4.out")"
jp_assert_rpms "$T/roots/node3" "$v2 b-1-1.noarch" "node3 after the bulk run"
jp_history_json "$T/roots/node3" "$T/h3b.json"
jp_json "$T/h3b.json" "node3's journal after the bulk run" '
ts = d["transactions"]
assert len(ts) == 2, ts
t = max(ts, key=lambda t: int(t["id"]))
assert t["mode"] == "bulk", t
assert t["status"] != "ok", t
assert [p["name"] for p in t["packages"]] == ["b"], t
'
cmp -s "$T/roots/node3/var/lib/jprepo/journal.sqlite" "$C/web03/journal.sqlite" ||
    fail "the journal collected after the bulk run differs from node3's"
jp_json "$C/web03/apply.json" "node3's apply.json, bulk" '
assert d["rc"] == 1 and d["status"] == "updates failed", d
assert [l.split()[1] for l in d["failed"]] == ["b.noarch"], d
'

# jprepo report over the collected dir, when it exists
if "$JPREPO" report --help >/dev/null 2>&1; then
	jp_expect 0 report --format json --plan "$T/plan2.json" --history "$C" \
	    -o "$T/report.json" "$C/web01.scan" "$C/web02.scan" \
	    "$C/web03.scan" "$C/web04.scan"
	jp_json "$T/report.json" "jprepo report --history over the collected dir" '
h3 = json.load(open(sys.argv[2]))["transactions"]
last3 = max(h3, key=lambda t: int(t["id"]))
ntx = {"web01": int(sys.argv[3]), "web02": int(sys.argv[4]), "web03": len(h3)}
hosts = {h["host"]: h for h in d["hosts"]}
assert sorted(hosts) == ["web01", "web02", "web03", "web04"], sorted(hosts)
st = {h: hosts[h]["state"] for h in hosts}
assert st == {"web01": "patched", "web02": "patched", "web03": "failed",
    "web04": "updates"}, st
for h in ntx:
    assert hosts[h]["last_apply"] is not None, hosts[h]
    assert hosts[h]["history"]["transactions"] == ntx[h], (ntx[h], hosts[h])
assert str(hosts["web03"]["last_apply"]["txid"]) == str(last3["id"]), (last3, hosts["web03"])
assert hosts["web03"]["last_apply"]["status"] == last3["status"], (last3, hosts["web03"])
assert hosts["web04"]["last_apply"] is None, hosts["web04"]
assert hosts["web04"]["history"] is None, hosts["web04"]
' "$T/h3b.json" "$(jp_ntx "$T/roots/node1")" "$(jp_ntx "$T/roots/node2")"
else
	note "no 'jprepo report' in this build: the report over the collected dir is not checked"
fi

# --- 2c. no plan: the host plans itself --------------------------------------
# node4 (web04, left out of the plan) with jprepo_plan empty: jprepo apply
# plans it against the repository on the host; a-2 goes in.
playbook "$T/play5.out" -v --limit node4 -e '{"jprepo_plan": ""}'
[ "$rc" = 0 ] ||
    fail "no plan: ansible-playbook exit $rc, want 0: $(cat "$T/play5.out")"
jp_assert_rpms "$T/roots/node4" "a-2-1.noarch" "node4 planned on the host"
grep -F '"cmd": ["'"$JPREPO"'", "apply", "--repo", "'"$repo"'", "--root", "'"$T"'/roots/node4"]' \
    "$T/play5.out" >/dev/null ||
    fail "no plan: the command should end with --root ROOT: $(cat "$T/play5.out")"
cmp -s "$T/roots/node4/var/lib/jprepo/journal.sqlite" "$C/web04/journal.sqlite" ||
    fail "no plan: the journal collected from node4 differs from its own"
jp_json "$C/web04/apply.json" "node4's apply.json, no plan" '
assert d["rc"] == 0 and d["status"] == "ok", d
assert [l.split() for l in d["stdout"]] == [["ok", "a.noarch", "1-1", "->", "2-1"]], d
'

# --- 3. nothing written next to the playbook ---------------------------------
(cd "$JP_SRCDIR/samples/ansible" && find . | LC_ALL=C sort) >"$T/samples.after"
cmp -s "$T/samples.before" "$T/samples.after" ||
    fail "the runs wrote next to the playbook: $(diff "$T/samples.before" "$T/samples.after")"
exit 0
