#!/bin/sh
# t7500-config: jprepo.conf(5).  A bundle of a small RPM repository (made
# by rpmbuild and jprepo build, exported with the signing key and
# certificate taken from a configuration) is imported with the store and
# trust certificate taken from the configuration: the imported repository
# equals the original file for file (diff -r) and serves dnf.  The
# command line wins over the file, a command's section over the top; a
# wrong trust certificate in the file makes the import fail and --trust on
# the command line repairs it.  -c beats $JPREPO_CONFIG, JPREPO_CONFIG=
# (empty) reads no file, -c is relative to the directory at that point of
# the command line.  Bad files are refused with FILE:LINE and exit 2 before
# anything is done.  Flags: `packages = true` for verify makes a damaged
# package fail the verification.  The default /etc/jprepo/jprepo.conf is
# not tested here (nothing is installed into /etc): JPREPO_CONFIG is set
# for every run.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_cmd openssl rpmbuild rpm diff

C=$T/certs
mkdir "$C" && jp_cms_certs "$C"
STORE=$T/store-src
jp_mkrpm "$STORE/base" hello 1.0 1
jp_mkrpm "$STORE/base" greet 2.1 3
jp_expect 0 build "$STORE/base"

# Never the machine's own configuration, whatever a run below forgets.
JPREPO_CONFIG=
export JPREPO_CONFIG

# --- export with the signing key and certificate from the file ------------
cat >"$T/export.conf" <<EOF
# signing material of the connected side
[export]
sign-key = $C/signer.key
sign-cert = $C/signer.pem
volume-size = 64K
EOF
jp_expect 0 -c "$T/export.conf" export -o "$T/bundle" "$STORE/base"
[ -f "$T/bundle/MANIFEST" ] || fail "export wrote no MANIFEST"
jp_cms_check "$T/bundle/MANIFEST" "$T/bundle/MANIFEST.sig" "$C/ca.pem" ||
    fail "MANIFEST.sig does not verify with openssl against the CA: the " \
    "configured signer was not used"
# 64K volumes: the repository (two packages and metadata) needs more than one
# only if it is bigger; the MANIFEST lists each volume's size.
awk '$1 == "volume" && $3 > 65536 { exit 1 }' "$T/bundle/MANIFEST" ||
    fail "a volume is bigger than the configured volume-size 64K"
# without the file, export has no key: usage error
jp_expect 2 export -o "$T/bundle-none" "$STORE/base"
[ ! -e "$T/bundle-none/MANIFEST" ] || fail "export without a key wrote a bundle"

# --- import: store and trust from the file ---------------------------------
cat >"$T/jprepo.conf" <<EOF
# air-gapped side
store = $T/store-top
trust = $C/ca.pem

[bundle]
trust = $C/ca.pem
EOF
JPREPO_CONFIG=$T/jprepo.conf jp_expect 0 import "$T/bundle"
diff -r "$STORE/base" "$T/store-top/base" -x .jprepo >"$T/diff" 2>&1 ||
    fail "imported repository differs from the original: $(cat "$T/diff")"
# rpm reads the imported packages: the names and versions built above
rpm -qp --qf '%{NAME}-%{VERSION}-%{RELEASE}\n' "$T"/store-top/base/*.rpm |
    sort >"$T/nevr"
printf 'greet-2.1-3\nhello-1.0-1\n' | diff - "$T/nevr" >/dev/null ||
    fail "imported packages read by rpm: $(cat "$T/nevr")"
if command -v dnf >/dev/null 2>&1; then
	jp_dnf_nevras "$T/store-top/base" >"$T/dnf.list" 2>"$T/dnf.err" ||
	    fail "dnf cannot read the imported repository: $(cat "$T/dnf.err")"
	grep -q '^hello-0:1.0-1.noarch$' "$T/dnf.list" ||
	    fail "dnf does not list hello in the imported repository: $(cat "$T/dnf.list")"
fi

# bundle verify takes trust (section) and store (top) from the file: the
# bundle was imported into that store, so verify with --store refuses it as a
# replay; bundle info takes trust only and works.
JPREPO_CONFIG=$T/jprepo.conf jp bundle verify "$T/bundle"
[ "$rc" != 0 ] || fail "bundle verify against the store (from the file) " \
    "should refuse the bundle already imported there"
JPREPO_CONFIG=$T/jprepo.conf jp_expect 0 bundle verify --store "$T/nostore" "$T/bundle"
JPREPO_CONFIG=$T/jprepo.conf jp_expect 0 bundle info "$T/bundle"

# --- the command line wins ---------------------------------------------------
JPREPO_CONFIG=$T/jprepo.conf jp_expect 0 import --store "$T/store-cli" "$T/bundle"
[ -f "$T/store-cli/base/repodata/repomd.xml" ] ||
    fail "--store on the command line was not used"
# abbreviated, the way getopt_long accepts it
JPREPO_CONFIG=$T/jprepo.conf jp_expect 0 import --sto="$T/store-abbr" "$T/bundle"
[ -f "$T/store-abbr/base/repodata/repomd.xml" ] ||
    fail "--sto= on the command line was not used"

# a wrong trust certificate in the file: refused; --trust repairs it
cat >"$T/wrong-trust.conf" <<EOF
trust = $C/other-ca.pem
[import]
store = $T/store-wrong
EOF
jp_expect 3 -c "$T/wrong-trust.conf" import "$T/bundle"
[ ! -e "$T/store-wrong/base" ] || fail "a refused import changed the store"
jp_expect 0 -c "$T/wrong-trust.conf" import --trust "$C/ca.pem" "$T/bundle"
[ -f "$T/store-wrong/base/repodata/repomd.xml" ] ||
    fail "import with --trust on the command line did not land in the " \
    "configured store"

# a command's section beats the top
cat >"$T/section.conf" <<EOF
store = $T/store-notthis
trust = $C/ca.pem
[import]
store = $T/store-section
EOF
jp_expect 0 -c "$T/section.conf" import "$T/bundle"
[ -f "$T/store-section/base/repodata/repomd.xml" ] ||
    fail "[import] store was not used"
[ ! -e "$T/store-notthis" ] || fail "the top store was used over [import]'s"

# what was inserted is shown with -vv, with the file and line
jp_expect 0 -c "$T/section.conf" -vv import --store "$T/store-vv" "$T/bundle"
jp_err_has "section.conf:2: --trust=$C/ca.pem" "the inserted option at -vv"
if grep -q -- "--store=" "$T/err"; then
	fail "a store was inserted although --store was given: $(cat "$T/err")"
fi

# --- which file is read -------------------------------------------------------
# storeconf FILE STORE: a configuration for importing into STORE
storeconf() {
	printf 'trust = %s\n[import]\nstore = %s\n' "$C/ca.pem" "$2" >"$1"
}
# -c beats JPREPO_CONFIG
storeconf "$T/c.conf" "$T/store-c"
JPREPO_CONFIG=$T/jprepo.conf jp_expect 0 -c "$T/c.conf" import "$T/bundle"
[ -f "$T/store-c/base/repodata/repomd.xml" ] || fail "-c not used"
# JPREPO_CONFIG= reads no file: import lacks --store and --trust
JPREPO_CONFIG= jp_expect 2 import "$T/bundle"
# -c with an empty name reads none either
JPREPO_CONFIG=$T/jprepo.conf jp_expect 2 -c '' import "$T/bundle"
# a relative -c: relative to the directory current at that point
mkdir "$T/etc"
storeconf "$T/etc/rel.conf" "$T/store-rel1"
jp_expect 0 -C "$T/etc" -c rel.conf import "$T/bundle"
[ -f "$T/store-rel1/base/repodata/repomd.xml" ] || fail "-C DIR -c rel.conf not used"
storeconf "$T/etc/rel.conf" "$T/store-rel2"
(cd "$T/etc" && "$JPREPO" -c rel.conf -C / import "$T/bundle") \
    >"$T/out" 2>"$T/err" || fail "-c rel.conf -C /: $(cat "$T/err")"
[ -f "$T/store-rel2/base/repodata/repomd.xml" ] || fail "-c rel.conf -C / not used"
# a file that does not exist: -c and JPREPO_CONFIG name it, exit 2
jp_expect 2 -c "$T/nosuch.conf" import "$T/bundle"
jp_err_has "cannot read the configuration '$T/nosuch.conf'"
JPREPO_CONFIG=$T/nosuch.conf jp_expect 2 import "$T/bundle"
jp_err_has "nosuch.conf"
# -c after the command is not a global option: import refuses it
jp_expect 2 import -c "$T/section.conf" "$T/bundle"

# --- bad files: FILE:LINE, exit 2, nothing done --------------------------------
n=0
bad() {
	n=$((n + 1))
	printf '%s\n' "$1" >"$T/bad$n.conf"
	jp_expect 2 -c "$T/bad$n.conf" import --trust "$C/ca.pem" \
	    --store "$T/store-bad" "$T/bundle"
	jp_err_has "^jprepo import: error: $T/bad$n.conf:$2: $3" "bad file $n: $1"
	[ ! -e "$T/store-bad" ] || fail "a refused configuration let the import run"
}
bad "# ok
storre = /x" 2 "unknown key 'storre'"
bad "[import]
keyring = /k" 2 "unknown key 'keyring' in \\[import\\]"
bad "[nosuch]" 1 "unknown section \\[nosuch\\]"
bad "[import" 1 "bad section header"
bad "store /x" 1 "not a setting"
bad "store = /x # comment" 1 "'#' after a value"
bad "store = /x
store = /y" 2 "'store' is already set on line 1"
bad "[verify]
packages = yes" 2 "'packages' is a flag"
bad "store =" 1 "no value for 'store'"
# a broken file does not stand in the way of --help and --version
printf 'junk\n' >"$T/junk.conf"
jp_expect 0 -c "$T/junk.conf" --version
JPREPO_CONFIG=$T/junk.conf jp_expect 0 --help

# --- a flag: verify's packages = true checks package checksums -----------------
cp -r "$STORE/base" "$T/damaged"
f=$(ls "$T"/damaged/hello-*.rpm)
printf 'X' | dd of="$f" bs=1 seek=2000 conv=notrunc 2>/dev/null
jp_expect 0 verify "$T/damaged"
printf '[verify]\npackages = true\n' >"$T/verify.conf"
jp -c "$T/verify.conf" verify "$T/damaged"
[ "$rc" != 0 ] ||
    fail "verify with packages = true accepted a damaged package: $(cat "$T/err")"
jp_err_has "hello-1.0-1.noarch.rpm" "the damaged package named"
printf '[verify]\npackages = false\n' >"$T/verify.conf"
jp_expect 0 -c "$T/verify.conf" verify "$T/damaged"
exit 0
