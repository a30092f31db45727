#!/bin/sh
# t8100-hostile-inputs: the privileges-and-inputs review of issue 9 (HACKING,
# "Threat model"), against the real commands.
#
# 1. Modes.  Under umask 022, 077 and 002, every command that writes
#    (key generate/export, build --sign, sign, export, export --request,
#    import, scan -o/--scan-dir/--install-timer, plan -o/--request-out,
#    report -o, apply) runs on a fresh tree; then every path it made is
#    checked with stat: the GnuPG home 0700 and its private keys 0600
#    whatever the umask; the timer's files 0644 (scan directory 0750);
#    everything else exactly 0644 (files) or 0755 (directories) masked by
#    the umask; nothing world-writable.  A report and a plan written over
#    a file of mode 0666 owned by nobody are new files: root's, 0644 under
#    the umask.  No temporary file is left (TMPDIR stays empty).
# 2. Planted temporary names.  The temporary name of an atomic write is
#    predictable (FILE.tmp.PID; the PID is known when the test execs
#    jprepo): a symbolic link planted there is not followed (the file it
#    points to stays as it was) and a file planted there (0666, owned by
#    nobody) is not reused; scan -o, plan -o and report -o still write
#    their output, root's, 0644.
# 3. Hostile plans.  A real plan (jprepo plan) for a dnf system image,
#    with one field of the update replaced: names, arches and versions
#    that start with '-' or hold blanks, globs, '/', relations or a NUL
#    (\u0000); apply refuses each (exit 3, the field named) before dnf
#    runs: rpm -qa, dnf's history and the journal are as before.  The
#    untouched plan then applies (exit 0), as does a package whose name
#    and version use the rarer characters rpmbuild allows ('_' first,
#    '+', '~').
# 4. Hostile host names.  scan --scan-dir with the root's etc/hostname
#    "../x", "a/b", "..": refused, nothing written outside the scan
#    directory.  report --history DIR with scans of hosts named
#    "../outside", "/abs", "a/../../outside": no journal outside DIR is
#    read (the history of those hosts is null; a host named plainly gets
#    its journal: the control).  A collected journal whose transactions
#    table is a view over an endless recursive query is refused (exit 1,
#    named), not run.
# 5. Secret inputs.  A CMS signing key (export --sign-key) or a passphrase
#    file (sign --passphrase-file, with a key that has a passphrase; gpg
#    verifies the signature) readable by group or others is used with a
#    warning naming it and its mode; at 0600 there is none.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_root "dnf, dpkg and apt install into scratch roots; files owned by nobody"
need_cmd openssl gpg gpgconf dpkg dpkg-deb dpkg-query apt-get rpmbuild rpm \
    dnf python3 sqlite3 stat comm timeout

C=$T/certs
mkdir "$C" && jp_cms_certs "$C"

# --- 1. modes ------------------------------------------------------------------
jp_mkrpm "$T/pk/rpm" hello 1 1
jp_mkrpm "$T/pk/rpm" hello 2 1
jp_apply_mkdeb "$T/pk/deb" hello 1.0-1 all
jp_apply_mkdeb "$T/pk/deb" hello 2.0-1 all

# octal MODE & ~UMASK
masked() {
	printf '%o' $((0$1 & ~0$2))
}

# plant_nobody FILE: a file owned by nobody, mode 0666
plant_nobody() {
	echo planted >"$1" && chown nobody "$1" && chmod 666 "$1" ||
	    fail "cannot plant $1"
}

# check_modes DIR UMASK: the modes of what the commands made in DIR (the
# paths in DIR.after and not in DIR.before)
check_modes() {
	cm_w=$1 cm_u=$2
	cm_f=$(masked 644 "$cm_u") cm_d=$(masked 755 "$cm_u")
	(cd "$cm_w" && comm -13 "$cm_w.before" "$cm_w.after" |
	    tr '\n' '\0' | xargs -0 stat -c '%a %U %F|%n') >"$cm_w.modes" ||
	    fail "cannot stat the new files of $cm_w"
	while IFS='|' read -r cm_s cm_p; do
		cm_m=${cm_s%% *}
		cm_t=${cm_s#* }
		cm_t=${cm_t#* }
		case $cm_m in
		*[2367]) fail "umask $cm_u: $cm_p is world-writable ($cm_m)" ;;
		esac
		case $cm_t in
		directory) cm_want=$cm_d ;;
		*) cm_want=$cm_f ;;
		esac
		case $cm_p in
		./keys/gnupg)
			cm_want=700 ;;
		./keys/gnupg/private-keys-v1.d)
			cm_want=700 ;;
		./keys/gnupg/private-keys-v1.d/*)
			cm_want=600 ;;
		./keys/gnupg/*)
			# gpg's own files, inside a home only root can enter
			continue ;;
		./root/var/lib/jprepo/scans)
			cm_want=750 ;;
		./root/etc/*)
			# the timer's units or cron entry, and their
			# directories: cron and systemd must read them
			case $cm_t in
			directory) cm_want=755 ;;
			*) cm_want=644 ;;
			esac ;;
		./root/var/lib/jprepo | ./root/var/lib/jprepo/*)
			;;
		./root/*)
			# dpkg's and apt's files in the image
			continue ;;
		esac
		[ "$cm_m" = "$cm_want" ] ||
		    fail "umask $cm_u: $cm_p has mode $cm_m, want $cm_want ($cm_t)"
	done <"$cm_w.modes"
	grep -q '^[0-7]* [a-z]* regular.*|./store/rpm/repodata/repomd.xml$' \
	    "$cm_w.modes" || fail "umask $cm_u: the mode check saw no repomd.xml"
	grep -q '|./keys/gnupg/private-keys-v1.d/.*\.key$' "$cm_w.modes" ||
	    fail "umask $cm_u: the mode check saw no private key"
	grep -q '|./root/var/lib/jprepo/journal.sqlite$' "$cm_w.modes" ||
	    fail "umask $cm_u: the mode check saw no journal"
	for cm_r in report.html plan.json; do
		cm_s=$(stat -c '%a %U' "$cm_w/$cm_r")
		[ "$cm_s" = "$cm_f root" ] ||
		    fail "umask $cm_u: $cm_r written over a file of nobody's with mode 0666 is '$cm_s', want '$cm_f root'"
	done
}

for U in 022 077 002; do
	W=$T/u$U
	mkdir -p "$W/store" "$W/tmp" "$W/scans" "$W/scandir"
	cp -R "$T/pk/rpm" "$W/store/rpm" && cp -R "$T/pk/deb" "$W/store/deb" ||
	    fail "cannot copy the packages"
	jp_apply_deb_root "$W/root" host1
	jp_dpkg_i "$W/root" "$T/pk/deb/pool/main/hello_1.0-1_all.deb"
	plant_nobody "$W/report.html"
	plant_nobody "$W/plan.json"
	jp_gpg_homes="$jp_gpg_homes $W/keys/gnupg"
	(cd "$W" && find . | LC_ALL=C sort) >"$W.before"
	(
	umask "$U"
	TMPDIR=$W/tmp
	export TMPDIR
	jp_expect 0 key generate --homedir "$W/keys/gnupg" \
	    --uid 'T <t@example.com>' --algo ed25519
	fpr=$(cat "$T/out")
	G=$W/keys/gnupg
	jp_expect 0 key export --homedir "$G" --key "$fpr" -o "$W/keys/pub"
	jp_expect 0 build --sign "$fpr" --homedir "$G" "$W/store/rpm"
	jp_expect 0 build --sign "$fpr" --homedir "$G" "$W/store/deb"
	jp_expect 0 sign --key "$fpr" --homedir "$G" "$W/store/rpm"
	jp_expect 0 export -o "$W/bundle" --sign-key "$C/signer.key" \
	    --sign-cert "$C/signer.pem" "$W/store/rpm" "$W/store/deb"
	jp_expect 0 import --trust "$C/ca.pem" --store "$W/imported" "$W/bundle"
	jp_expect 0 scan --root "$W/root" -o "$W/scans/host1.scan"
	jp_expect 0 scan --root "$W/root" --scan-dir "$W/scandir"
	jp_expect 0 plan --repo "$W/store/deb" -o "$W/plan.json" \
	    --request-out "$W/request" "$W/scans"
	jp_expect 0 report --format html -o "$W/report.html" \
	    --plan "$W/plan.json" "$W/scans"
	jp_expect 0 export --request "$W/request" -o "$W/bundle-req" \
	    --sign-key "$C/signer.key" --sign-cert "$C/signer.pem" \
	    "$W/store/deb"
	jp_expect 0 apply --repo "$W/store/deb" --root "$W/root" --pm apt \
	    --keyring "$W/keys/pub.gpg" "$W/plan.json"
	jp_expect 0 scan --install-timer --root "$W/root" \
	    --scan-dir /var/lib/jprepo/scans
	gpgconf --homedir "$W/keys/gnupg" --kill all
	) || exit 1
	[ -z "$(ls -A "$W/tmp")" ] ||
	    fail "umask $U: temporary files left in TMPDIR: $(ls -A "$W/tmp")"
	left=$(cd "$W" && find . -name '*.tmp*' ! -path './root/*')
	[ -z "$left" ] || fail "umask $U: temporary files left: $left"
	(cd "$W" && find . | LC_ALL=C sort) >"$W.after"
	check_modes "$W" "$U"
	note "umask $U: $(wc -l <"$W.modes") new paths checked"
done

# --- 2. planted temporary names --------------------------------------------
# jp_planted KIND OUT ARGS...: run jprepo ARGS (which write OUT) with
# OUT.tmp.PID planted beforehand: KIND link (a symbolic link to $T/victim)
# or file (a file of nobody's, mode 0666)
jp_planted() {
	jp_pk=$1 jp_po=$2
	shift 2
	echo victim >"$T/victim"
	rm -f "$jp_po"
	jp_cmd="jprepo $* (with $jp_po.tmp.PID planted: $jp_pk)"
	(umask 022 && sh -c '
		kind=$1 out=$2 victim=$3
		shift 3
		if [ "$kind" = link ]; then
			ln -s "$victim" "$out.tmp.$$" || exit 99
		else
			echo planted >"$out.tmp.$$" && chown nobody "$out.tmp.$$" &&
			    chmod 666 "$out.tmp.$$" || exit 99
		fi
		exec "$JPREPO" "$@"' sh "$jp_pk" "$jp_po" "$T/victim" "$@" \
	    >"$T/out" 2>"$T/err")
	rc=$?
	[ "$rc" = 0 ] || fail "$jp_cmd: exit $rc: $(cat "$T/err")"
	[ "$(cat "$T/victim")" = victim ] ||
	    fail "$jp_cmd wrote through the planted link: $(head -c 200 "$T/victim")"
	[ -f "$jp_po" ] && [ ! -L "$jp_po" ] ||
	    fail "$jp_cmd: $jp_po is not a regular file"
	jp_ps=$(stat -c '%a %U' "$jp_po")
	[ "$jp_ps" = "644 root" ] ||
	    fail "$jp_cmd: $jp_po is '$jp_ps', want '644 root'"
	grep -q planted "$jp_po" && fail "$jp_cmd: $jp_po holds the planted bytes"
	return 0
}

P=$T/shared
mkdir -m 1777 "$P"
W=$T/u022
for k in link file; do
	jp_planted $k "$P/host1.scan" scan --root "$W/root" -o "$P/host1.scan"
	grep -q '^host host1$' "$P/host1.scan" || fail "scan -o wrote no scan"
	jp_planted $k "$P/plan.json" plan --repo "$W/store/deb" \
	    -o "$P/plan.json" "$W/scans"
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
	    "$P/plan.json" || fail "plan -o wrote no JSON plan"
	jp_planted $k "$P/report.txt" report -o "$P/report.txt" "$W/scans"
	grep -q host1 "$P/report.txt" || fail "report -o wrote no report"
done

# --- 3. hostile plans against apply with dnf -----------------------------------
R=$T/rpmrepo
jp_mkrpm "$R" a 1 1
jp_mkrpm "$R" a 2 1
jp_mkrpm "$R" 'lib_x++' 1.0~rc1 1
jp_mkrpm "$R" 'lib_x++' 1.0 1
jp_expect 0 build "$R"
D=$T/dnfroot
mkdir -p "$D/etc" && echo dnfhost >"$D/etc/hostname"
jp_dnf_root "$D" "$R" install a-1-1.noarch 'lib_x++-1.0~rc1-1.noarch'
[ "$rc" = 0 ] || fail "$jp_cmd: exit $rc: $(cat "$T/dnf.out" "$T/dnf.err")"
before="a-1-1.noarch lib_x++-1.0~rc1-1.noarch"
jp_assert_rpms "$D" "$before" "the image made by dnf"
ids0=$(jp_dnf_ids "$D")
jp_expect 0 scan --root "$D" -o "$T/dnf.scan"
jp_expect 0 plan --repo "$R" -o "$T/dnf-plan.json" "$T/dnf.scan"

# hostile FIELD VALUE: the plan with the update of a's FIELD set to VALUE
# (a JSON string, as written) is refused before dnf runs
hostile() {
	python3 - "$T/dnf-plan.json" "$T/bad-plan.json" "$1" "$2" <<'EOF' ||
import json, sys
src, dst, field, value = sys.argv[1:5]
text = open(src).read()
plan = json.loads(text)
ups = [u for u in plan["hosts"][0]["updates"] if u["name"] == "a"]
assert len(ups) == 1, plan
old = json.dumps(ups[0][field])
new = '"' + value + '"'
# replace the one occurrence in a's update, keeping the rest as written
i = text.index('"name": "a"')
j = text.index('"%s": %s' % (field, old), i)
text = text[:j] + '"%s": %s' % (field, new) + text[j + len(field) + 4 + len(old):]
json.loads(text)
open(dst, "w").write(text)
EOF
	    fail "cannot make a plan with $1 $2"
	jp_expect 3 apply --repo "$R" --root "$D" "$T/bad-plan.json"
	jp_err_has "$3" "$1 $2"
	jp_assert_rpms "$D" "$before" "after the plan with $1 $2"
	[ "$(jp_dnf_ids "$D")" = "$ids0" ] ||
	    fail "dnf ran for the plan with $1 $2: its history is $(jp_dnf_ids "$D")"
	[ ! -e "$D/var/lib/jprepo/journal.sqlite" ] || [ "$(jp_ntx "$D")" = 0 ] ||
	    fail "the plan with $1 $2 left a transaction in the journal"
}

N='bad package name'
V='bad version'
for v in '-a' '--setopt=tsflags=noscripts' 'a*' 'a?' '[a]' 'a b' \
    '/usr/share/a' 'a/../a' 'a\n' 'a\t' 'a>=1' 'a=2-1'; do
	hostile name "$v" "$N"
done
hostile name '' "$N"
for v in '-noarch' 'noarch --nogpgcheck' 'noarch*' 'no/arch'; do
	hostile to_arch "$v" 'bad architecture'
done
for v in '--2-1' '2-1*' '2-1 ' '2-1-' '2-1 --nogpgcheck' '2/1' '<2-1'; do
	hostile to "$v" "$V"
done
# a NUL in a string would cut the name short in C ("a"): refused too
hostile name 'a\u0000-x' 'NUL|bad package name'
# the control: the same plan, untouched, applies
jp_expect 0 apply --repo "$R" --root "$D" "$T/dnf-plan.json"
jp_assert_rpms "$D" "a-2-1.noarch lib_x++-1.0-1.noarch" "after the real plan"

# --- 4. hostile host names -----------------------------------------------------
S=$T/hostroot
jp_apply_deb_root "$S" x
mkdir -p "$T/sd/in"
: >"$T/find.after"
for h in '../x' 'a/b' '..' '/etc/x'; do
	echo "$h" >"$S/etc/hostname"
	(cd "$T" && find . | LC_ALL=C sort) >"$T/find.before"
	jp_expect 3 scan --root "$S" --scan-dir "$T/sd/in"
	jp_err_has 'host name' "host name '$h' refused"
	(cd "$T" && find . | LC_ALL=C sort) >"$T/find.after"
	new=$(comm -13 "$T/find.before" "$T/find.after")
	[ -z "$new" ] || fail "scan --scan-dir with host name '$h' wrote: $new"
done

# report --history: a journal as `jprepo apply` leaves it
H=$T/hist
mkjournal() {
	mkdir -p "$1" && jp_journal_schema | sqlite3 "$1/journal.sqlite" &&
	sqlite3 "$1/journal.sqlite" "INSERT INTO transactions (started, finished,
	    kind, mode, status, pm, host) VALUES (1700000000, 1700000100,
	    'apply', 'one-by-one', 'ok', 'apt', 'x');" ||
	    fail "cannot write a journal in $1"
}
mkjournal "$H/good"
mkjournal "$T/outside"
# so that DIR/a/../../outside names it
mkdir -p "$H/a"
mkdir -p "$T/hs"
i=0
for h in good ../outside "$T/outside" a/../../outside; do
	i=$((i + 1))
	sed "s|^host .*|host $h|" "$W/scans/host1.scan" >"$T/hs/$i.scan"
done
jp_expect 0 report --format json --history "$H" "$T/hs"
python3 - "$T/out" <<'EOF' || fail "report --history read a journal outside its directory: $(cat "$T/out")"
import json, sys
hosts = {h["host"]: h for h in json.load(open(sys.argv[1]))["hosts"]}
assert hosts["good"]["history"] is not None, "control: good has no history"
for h, v in hosts.items():
    if h != "good":
        assert v["history"] is None, (h, v["history"])
EOF
# a journal whose transactions table is a view over a recursive query
# that never ends (SQL of the file's maker): refused, the report does not
# hang (timeout is only a guard against that hang)
mkdir -p "$H/evil"
{
	echo 'PRAGMA user_version = 1;'
	jp_journal_schema | sed '/^PRAGMA/d' | awk '
	    /^CREATE TABLE transactions/ { skip = 1 }
	    skip && /;$/ { skip = 0; next }
	    !skip'
	echo "CREATE VIEW transactions AS WITH RECURSIVE c(x) AS (SELECT 1
	  UNION ALL SELECT x + 1 FROM c) SELECT x AS id, 1700000000 AS started,
	  1700000100 AS finished, 'apply' AS kind, 'bulk' AS mode, 'ok' AS
	  status, 'apt' AS pm, NULL AS pm_id, NULL AS repo, 'evil' AS host,
	  NULL AS plan, NULL AS message, NULL AS rollback_of FROM c;"
} | sqlite3 "$H/evil/journal.sqlite" || fail "cannot write the evil journal"
[ "$(sqlite3 "$H/evil/journal.sqlite" "SELECT type FROM sqlite_master
    WHERE name = 'transactions'")" = view ] || fail "the evil journal has no view"
sed "s|^host .*|host evil|" "$W/scans/host1.scan" >"$T/hs/evil.scan"
jp_cmd="jprepo report --history $H (a journal with a view)"
timeout 300 "$JPREPO" report --format json --history "$H" "$T/hs" \
    >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" != 124 ] || fail "$jp_cmd hangs in the journal's view"
[ "$rc" = 1 ] || fail "$jp_cmd: exit $rc, want 1: $(cat "$T/err")"
jp_err_has "evil/journal.sqlite.*a view where a table belongs"

# --- 5. secret inputs open to others ---------------------------------------------
# a CMS signing key or a passphrase file that its group or others can read
# is used, with a warning that names it and its mode
W=$T/u022
chmod 644 "$C/signer.key"
jp_expect 0 export -o "$T/b-open" --sign-key "$C/signer.key" \
    --sign-cert "$C/signer.pem" "$W/store/deb"
jp_err_has "private key '$C/signer.key' is open to everyone \(mode 0644\)"
chmod 600 "$C/signer.key"
jp_expect 0 export -o "$T/b-closed" --sign-key "$C/signer.key" \
    --sign-cert "$C/signer.pem" "$W/store/deb"
grep -q 'is open to' "$T/err" && fail "a key of mode 0600 was warned about: $(cat "$T/err")"

PH=$T/gnupg-pass
mkdir -m 700 "$PH"
jp_gpg_homes="$jp_gpg_homes $PH"
gpg --homedir "$PH" --batch --pinentry-mode loopback --passphrase 'pass word' \
    --quick-gen-key 'P <p@example.com>' ed25519 sign never 2>"$T/gpg.err" ||
    fail "cannot make a key with a passphrase: $(cat "$T/gpg.err")"
pfpr=$(gpg --homedir "$PH" --with-colons --list-secret-keys 2>/dev/null |
    awk -F: '$1 == "fpr" { print $10; exit }')
gpg --homedir "$PH" --export "$pfpr" >"$T/pass-key.gpg"
printf 'pass word\n' >"$T/pass"
chmod 640 "$T/pass"
jp_expect 0 sign --key "$pfpr" --homedir "$PH" --passphrase-file "$T/pass" \
    "$W/store/rpm"
jp_err_has "passphrase file '$T/pass' is open to its group \(mode 0640\)"
gpg --no-default-keyring --keyring "$T/pass-key.gpg" --homedir "$PH" \
    --verify "$W/store/rpm/repodata/repomd.xml.asc" \
    "$W/store/rpm/repodata/repomd.xml" 2>"$T/gpg.err" ||
    fail "gpg does not verify the signature made with --passphrase-file: $(cat "$T/gpg.err")"
chmod 600 "$T/pass"
jp_expect 0 sign --key "$pfpr" --homedir "$PH" --passphrase-file "$T/pass" \
    "$W/store/rpm"
grep -q 'is open to' "$T/err" &&
    fail "a passphrase file of mode 0600 was warned about: $(cat "$T/err")"
exit 0
