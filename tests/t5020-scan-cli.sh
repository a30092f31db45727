#!/bin/sh
# jprepo scan and tools/jprepo-scan side by side: options and usage errors
# (exit 2), scan errors naming the path (exit 3: no root, no package
# database, unreadable root, bad journal), -o replacing its file
# atomically and leaving it alone on failure, --host, the rules that pick
# the package format, the manager and the architecture, os-release
# unquoting (the shell that sources the file is the oracle), hostname and
# machine-id, SOURCE_DATE_EPOCH (GNU date is the oracle), the outcome of the
# last apply from a journal.  Every successful scan is written by both and
# must be the same bytes.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd rpm dpkg dash
need_jprepo

scanner=$JP_SRCDIR/tools/jprepo-scan
[ -f "$scanner" ] || fail "no $scanner"
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH

# both STATUS ARGS...: jprepo scan ARGS and dash tools/jprepo-scan ARGS must
# both exit STATUS; stdout in $T/c.out and $T/s.out, stderr in $T/c.err and
# $T/s.err.  With status 0 the two outputs must be the same bytes.
both() {
	b_want=$1
	shift
	b_args="$*"
	$jp_as "$JPREPO" scan "$@" >"$T/c.out" 2>"$T/c.err"
	b_c=$?
	$jp_as dash "$scanner" "$@" >"$T/s.out" 2>"$T/s.err"
	b_s=$?
	[ "$b_c" = "$b_want" ] ||
	    fail "'jprepo scan $b_args': exit $b_c, want $b_want; stderr: $(cat "$T/c.err")"
	[ "$b_s" = "$b_want" ] ||
	    fail "'jprepo-scan $b_args': exit $b_s, want $b_want; stderr: $(cat "$T/s.err")"
	if [ "$b_want" = 0 ]; then
		cmp -s "$T/c.out" "$T/s.out" ||
		    fail "'scan $b_args': the writers differ:
$(diff -u "$T/c.out" "$T/s.out")"
	fi
	return 0
}
jp_as=

# both_err ERE: both writers' stderr match ERE.
both_err() {
	grep -Eq -- "$1" "$T/c.err" || fail "jprepo scan $b_args: stderr should match '$1': $(cat "$T/c.err")"
	grep -Eq -- "$1" "$T/s.err" || fail "jprepo-scan $b_args: stderr should match '$1': $(cat "$T/s.err")"
}

# field NAME: the value(s) of header line NAME in $T/c.out.
field() {
	sed -n "s/^$1 //p" "$T/c.out"
}

# expect_field NAME VALUE WHAT
expect_field() {
	ef_got=$(field "$1")
	[ "$ef_got" = "$2" ] || fail "$3: '$1' is '$ef_got', want '$2':
$(head -n 10 "$T/c.out")"
}

# deb_root DIR: a dpkg system image with one installed package.
deb_root() {
	mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
	cat >"$1/var/lib/dpkg/status" <<'EOF'
Package: base-files
Status: install ok installed
Priority: required
Architecture: amd64
Maintainer: Test <t@example.com>
Version: 12.4
Description: files
EOF
}

# rpm_root DIR [DBPATH]: an empty rpm database under DIR, where rpm puts
# it by default or at DBPATH.
rpm_root() {
	mkdir -p "$1"
	rpm --root "$1" ${2:+--dbpath "$2"} --initdb 2>"$T/rpm.err" ||
	    fail "rpm --initdb in $1: $(cat "$T/rpm.err")"
}

# --- usage errors: exit 2 ---------------------------------------------------
deb_root "$T/deb"
both 2 --bogus
both_err 'usage: jprepo(-| )scan'
both 2 --root "$T/deb" extra
both_err "unexpected argument 'extra'"
both 2 --host 'two words' --root "$T/deb"
both_err "--host"
both 2 --host '' --root "$T/deb"
both 2 --root ''
both 2 --root
both 2 -o '' --root "$T/deb"
for h in -h --help; do
	jp_expect 0 scan $h
	grep -q '^usage: jprepo scan \[--root DIR\] \[--host NAME\] \[-o FILE\]' "$T/out" ||
	    fail "jprepo scan $h: no usage line"
	dash "$scanner" $h >"$T/s.out" || fail "jprepo-scan $h failed"
	grep -q '^usage: jprepo-scan \[--root DIR\] \[--host NAME\] \[-o FILE\]' "$T/s.out" ||
	    fail "jprepo-scan $h: no usage line"
done
# -q and -v are accepted; --opt=value and -oFILE forms too
both 0 -q --root "$T/deb"
both 0 -v --root="$T/deb" --host=h1
expect_field host h1 "--host=h1"
both 0 --root "$T/deb/"
cp "$T/c.out" "$T/slash.out"
both 0 --root "$T/deb"
cmp -s "$T/c.out" "$T/slash.out" || fail "a trailing slash on --root changes the scan"

# --- errors: exit 3, the path named -----------------------------------------
both 3 --root "$T/missing"
both_err "'$T/missing'"
: >"$T/afile"
both 3 --root "$T/afile"
both_err "'$T/afile'"
mkdir -p "$T/empty/var/lib/rpm" "$T/empty/etc"
echo 'ID=fedora' >"$T/empty/etc/os-release"
both 3 --root "$T/empty"
both_err "no package database under '$T/empty'"
[ -z "$(find "$T/empty" -type f ! -path "$T/empty/etc/os-release")" ] ||
    fail "a scan of a root without a database created files in it:
$(find "$T/empty" -type f)"
# A root that cannot be read: run as nobody.
jp_as=$(jp_unpriv) || jp_as=
if [ -n "$jp_as" ]; then
	mkdir "$T/locked"
	deb_root "$T/locked"
	chmod 711 "$T"
	chmod 000 "$T/locked"
	both 3 --root "$T/locked"
	both_err "'$T/locked'.*[Pp]ermission denied"
	chmod 755 "$T/locked"
	chmod 700 "$T"
	jp_as=
else
	note "cannot drop privileges: the unreadable root is not checked"
fi

# --- -o: atomic, and nothing changed on failure -------------------------------
for w in c s; do
	if [ $w = c ]; then run="$JPREPO scan"; else run="dash $scanner"; fi
	mkdir "$T/o$w"
	echo old >"$T/o$w/scan"
	$run --root "$T/empty" -o "$T/o$w/scan" 2>"$T/err" && fail "$run: scan of no database succeeded"
	[ "$(cat "$T/o$w/scan")" = old ] || fail "$run: a failed scan changed the -o file"
	$run --root "$T/deb" -o "$T/o$w/scan" 2>"$T/err" >"$T/stdout" ||
	    fail "$run -o: $(cat "$T/err")"
	[ ! -s "$T/stdout" ] || fail "$run -o also wrote to stdout"
	[ "$(head -n 1 "$T/o$w/scan")" = 'jprepo-scan 1' ] && [ "$(tail -n 1 "$T/o$w/scan")" = end ] ||
	    fail "$run -o: not a whole scan file"
	mkdir "$T/o$w/dir"
	$run --root "$T/deb" -o "$T/o$w/dir" 2>"$T/err"
	[ $? = 3 ] || fail "$run -o DIRECTORY: want exit 3"
	[ -z "$(ls -A "$T/o$w/dir")" ] || fail "$run -o DIRECTORY wrote into it"
	$run --root "$T/deb" -o "$T/o$w/nodir/scan" 2>"$T/err"
	[ $? = 3 ] || fail "$run -o in a missing directory: want exit 3"
	grep -q "$T/o$w/nodir" "$T/err" || fail "$run: the missing directory is not named: $(cat "$T/err")"
	left=$(cd "$T/o$w" && ls -A | grep -v -x -e scan -e dir)
	[ -z "$left" ] || fail "$run -o left files behind: $left"
done
cmp -s "$T/oc/scan" "$T/os/scan" || fail "-o files of the two writers differ"

# --- host name and machine id -------------------------------------------------
mkdir -p "$T/deb/etc"
printf '  h1.example.org\t\nsecond line\n' >"$T/deb/etc/hostname"
both 0 --root "$T/deb"
expect_field host h1.example.org "etc/hostname, trimmed"
expect_field machine-id - "no etc/machine-id"
expect_field kernel - "--root"
both 0 --root "$T/deb" --host cli-name
expect_field host cli-name "--host over etc/hostname"
printf 'bad name\n' >"$T/deb/etc/hostname"
both 3 --root "$T/deb"
both_err "'bad name'.*--host"
both 0 --root "$T/deb" --host fixed
rm "$T/deb/etc/hostname"
: >"$T/deb/etc/machine-id"
both 0 --root "$T/deb"
expect_field host - "no etc/hostname"
expect_field machine-id - "empty etc/machine-id"
printf 'abcdef0123456789abcdef0123456789\n' >"$T/deb/etc/machine-id"
both 0 --root "$T/deb"
expect_field machine-id abcdef0123456789abcdef0123456789 "etc/machine-id"

# --- architecture of deb hosts: dpkg's -------------------------------------------
expect_field arch "$(dpkg --print-architecture)" "no var/lib/dpkg/arch (uname -m mapped)"
printf 'arm64\namd64\n' >"$T/deb/var/lib/dpkg/arch"
both 0 --root "$T/deb"
expect_field arch arm64 "var/lib/dpkg/arch"
rm "$T/deb/var/lib/dpkg/arch"

# --- os-release: unquoted as the shell does it ------------------------------------
# word/line: what the format makes of a value (blanks and controls as _).
word() { printf '%s' "$1" | tr '\001-\040\177' '[_*]'; }
line() { printf '%s' "$1" | tr '\001-\037\177' '[_*]'; }
cat >"$T/deb/etc/os-release" <<'EOF'
# comment line
NAME="Odd Linux"
ID=first
ID='my id'
VERSION_ID=1.0\ beta
PRETTY_NAME="A \"quoted\" \$name with \\ and \`tick\` and 'single' and	tab"
ID_LIKE="debian"
EOF
dash -c '. "$1" && printf %s "$ID" >"$2/sh.id" && printf %s "$VERSION_ID" >"$2/sh.ver" &&
    printf %s "$PRETTY_NAME" >"$2/sh.pn"' sh "$T/deb/etc/os-release" "$T" ||
    fail "dash cannot source the test's os-release"
sh_id=$(cat "$T/sh.id") sh_ver=$(cat "$T/sh.ver") sh_pn=$(cat "$T/sh.pn")
[ "$sh_id" = 'my id' ] || fail "the shell read ID as '$sh_id': test setup"
both 0 --root "$T/deb"
expect_field os "$(word "$sh_id") $(word "$sh_ver")" "os-release unquoted"
expect_field os-name "$(line "$sh_pn")" "PRETTY_NAME unquoted"
expect_field format deb "ID_LIKE=debian"
# only usr/lib/os-release
mkdir -p "$T/deb/usr/lib"
mv "$T/deb/etc/os-release" "$T/deb/usr/lib/os-release"
both 0 --root "$T/deb"
expect_field os "$(word "$sh_id") $(word "$sh_ver")" "usr/lib/os-release"
rm "$T/deb/usr/lib/os-release"
both 0 --root "$T/deb"
expect_field os '- -' "no os-release"
expect_field os-name - "no os-release"

# --- format: dpkg status and rpm database --------------------------------------
deb_root "$T/both"
rpm_root "$T/both"
mkdir -p "$T/both/etc"
for c in 'ID=debian:deb' 'ID=linuxmint ID_LIKE="ubuntu debian":deb' \
    'ID=fedora:rpm' 'ID=ubuntu:deb' '-:rpm'; do
	osr=${c%:*} want=${c##*:}
	if [ "$osr" = - ]; then
		rm -f "$T/both/etc/os-release"
	else
		printf '%s\n' $osr >"$T/both/etc/os-release"
	fi
	both 0 --root "$T/both"
	expect_field format "$want" "status and rpm database, os-release '$osr'"
done
echo ID=fedora >"$T/deb/etc/os-release"
both 0 --root "$T/deb"
expect_field format deb "dpkg status only, ID=fedora"
expect_field manager apt "deb"

# An rpm database in /var/lib/rpm, not where this rpm keeps its own:
# found, and read (rpm with --dbpath is the oracle).
rpm_root "$T/el" /var/lib/rpm
hello=$(find "$(jp_corpus)/rpms" -name 'hello-1.0-1.noarch.rpm' | head -n 1)
[ -n "$hello" ] || fail "no hello-1.0-1 in the corpus"
rpm --root "$T/el" --dbpath /var/lib/rpm -i --justdb --nodeps --nosignature \
    "$hello" 2>"$T/rpm.err" || fail "rpm -i --justdb: $(cat "$T/rpm.err")"
both 0 --root "$T/el"
expect_field format rpm "rpm database in var/lib/rpm"
rpm --root "$T/el" --dbpath /var/lib/rpm -qa \
    --qf 'pkg %{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH} %{SOURCERPM}\n' >"$T/want"
grep '^pkg ' "$T/c.out" >"$T/got"
diff -u "$T/want" "$T/got" >&2 || fail "var/lib/rpm: package lines differ from rpm -qa --dbpath"
grep -q '^pkg hello ' "$T/got" || fail "the hello put in var/lib/rpm is not in the scan"
# A relative --root (rpm takes only absolute ones: the writers make it so).
cp "$T/c.out" "$T/el.abs"
cd "$T" || fail "cannot change to $T"
both 0 --root el
cd / || fail "cannot change to /"
cmp -s "$T/c.out" "$T/el.abs" || fail "a relative --root gives another scan"

# --- manager of rpm hosts ----------------------------------------------------------
rpm_root "$T/rpm"
mkdir -p "$T/rpm/usr/bin" "$T/rpm/etc"
for c in zypper+dnf:zypper dnf:dnf dnf-3:dnf dnf5:dnf yum:yum dnf+yum:dnf; do
	bins=${c%:*} want=${c#*:}
	rm -f "$T/rpm/usr/bin/"*
	for b in $(echo "$bins" | tr + ' '); do
		: >"$T/rpm/usr/bin/$b"
	done
	both 0 --root "$T/rpm"
	expect_field manager "$want" "usr/bin: $bins"
done
rm -f "$T/rpm/usr/bin/"*
ln -s /nonexistent/yum-3 "$T/rpm/usr/bin/yum"
both 0 --root "$T/rpm"
expect_field manager yum "a dangling usr/bin/yum link"
rm -f "$T/rpm/usr/bin/"*
for c in 'ID="opensuse-leap" ID_LIKE="suse opensuse" VERSION_ID="15.5":zypper' \
    'ID="sles" VERSION_ID="15.4":zypper' \
    'ID="centos" VERSION_ID="7":yum' \
    'ID="ol" ID_LIKE="fedora" VERSION_ID="7.9":yum' \
    'ID="amzn" ID_LIKE="centos rhel fedora" VERSION_ID="2":yum' \
    'ID="amzn" ID_LIKE="fedora" VERSION_ID="2023":dnf' \
    'ID="rhel" VERSION_ID="8.9":dnf' \
    'ID="rhel":dnf' \
    'ID=fedora VERSION_ID=39:dnf' \
    '-:dnf'; do
	osr=${c%:*} want=${c##*:}
	if [ "$osr" = - ]; then
		rm -f "$T/rpm/etc/os-release"
	else
		printf '%s\n' $osr >"$T/rpm/etc/os-release"
	fi
	both 0 --root "$T/rpm"
	expect_field manager "$want" "no manager binary, os-release '$osr'"
	expect_field arch "$(uname -m)" "rpm host"
done

# --- SOURCE_DATE_EPOCH -----------------------------------------------------------
for t in 0 951782400 1709251199 4102444800 253402300799; do
	SOURCE_DATE_EPOCH=$t
	both 0 --root "$T/deb"
	expect_field scanned "$(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)" "SOURCE_DATE_EPOCH=$t"
done
for t in abc -5 1e9 253402300800 99999999999999999999; do
	SOURCE_DATE_EPOCH=$t
	both 3 --root "$T/deb"
	both_err SOURCE_DATE_EPOCH
done
SOURCE_DATE_EPOCH=1700000000

# --- the outcome of the last apply ---------------------------------------------------
if command -v sqlite3 >/dev/null 2>&1; then
	mkdir -p "$T/deb/var/lib/jprepo"
	sqlite3 "$T/deb/var/lib/jprepo/journal.sqlite" <<'EOF' || fail "cannot make a journal"
CREATE TABLE transactions(id INTEGER PRIMARY KEY, started, status TEXT, kind TEXT);
CREATE TABLE packages(txid INTEGER, name TEXT, arch TEXT, from_evr TEXT, to_evr TEXT, result TEXT);
INSERT INTO transactions VALUES (1, 1699990000, 'ok', 'apply'), (2, 1700000000, 'partial', 'apply');
INSERT INTO transactions VALUES (4, 1700000100, 'ok', 'rollback'), (5, 1700000200, 'ok', 'download');
INSERT INTO packages VALUES (1, 'older', 'noarch', '1-1', '2-1', 'failed');
INSERT INTO packages VALUES (2, 'hello', 'noarch', '0:1.0-1', '0:2.0-1', 'ok');
INSERT INTO packages VALUES (2, 'zlib', 'x86_64', '0:1.2-1', '0:1.3-1', 'failed');
INSERT INTO packages VALUES (2, 'zlib', 'x86_64', '0:1.2-1', '0:1.3-1', 'failed');
INSERT INTO packages VALUES (2, 'dep', 'x86_64', NULL, '0:1-1', 'reverted');
INSERT INTO packages VALUES (2, 'bash', 'x86_64', '0:5.0-1', '0:5.1-1', 'skipped');
INSERT INTO packages VALUES (2, 'kern', NULL, NULL, '0:6.1-1', 'failed');
INSERT INTO packages VALUES (4, 'zlib', 'x86_64', '0:1.3-1', '0:1.2-1', 'failed');
EOF
	both 0 --root "$T/deb"
	grep '^apply' "$T/c.out" >"$T/got"
	cat >"$T/want" <<'EOF'
apply 2 partial 2023-11-14T22:13:20Z
apply-failed bash x86_64 0:5.1-1
apply-failed kern - 0:6.1-1
apply-failed zlib x86_64 0:1.3-1
EOF
	diff -u "$T/want" "$T/got" >&2 || fail "apply lines differ (- expected, + got)"
	sed -n '10,11p' "$T/c.out" | grep -q '^scanned' &&
	    sed -n 11p "$T/c.out" | grep -q '^apply 2 ' ||
	    fail "the apply line does not follow the scanned line"
	# a newer transaction with a textual time and no failures
	sqlite3 "$T/deb/var/lib/jprepo/journal.sqlite" \
	    "INSERT INTO transactions VALUES (6, '2024-01-01 10:00:00', 'ok', 'apply')" ||
	    fail "cannot add to the journal"
	both 0 --root "$T/deb"
	[ "$(grep '^apply' "$T/c.out")" = 'apply 6 ok 2024-01-01_10:00:00' ] ||
	    fail "journal transaction 6: $(grep '^apply' "$T/c.out")"
	echo 'not a database' >"$T/deb/var/lib/jprepo/journal.sqlite"
	both 3 --root "$T/deb"
	both_err "journal '$T/deb/var/lib/jprepo/journal.sqlite'"
	rm -r "$T/deb/var/lib/jprepo"
else
	note "sqlite3 is not installed: the journal is not checked"
fi
exit 0
