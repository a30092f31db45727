#!/bin/sh
# t4030-bundle-refusals: `jprepo import` refuses every damaged, foreign,
# untrusted or out-of-sequence bundle with exit 3 and a message naming the
# problem (jprepo-bundle(5), "Messages"), and leaves the store - which
# already holds an earlier import - byte for byte as it was
# (jp_tree_hash); `jprepo bundle verify` gives the same verdicts and
# touches nothing either, the bundle directory included.  Cases: one byte
# flipped in each volume in a tar header, in file data, in padding and in
# the end-of-archive blocks (positions from the MANIFEST's part offsets); a
# truncated, a missing and a swapped-in volume (from another bundle of the
# same repositories); no MANIFEST; one character of MANIFEST changed;
# MANIFEST.sig by another CA's key, by a self-signed key, by an expired
# signer, not CMS at all; the trust certificate of another CA; a replayed
# bundle and a full bundle older than the last import; incrementals whose
# base was not imported (gaps: the message names the base, not merely
# "the next sequence") and ones whose base is older than the last import.
# For the signature cases strace shows that no volume was opened.  A
# refused import does not create a missing store.  A good bundle passes
# `bundle verify` and imports from a read-only directory (as an
# unprivileged user, so that the permissions hold), which stays unchanged.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
# LeakSanitizer cannot work under ptrace (strace), which this test uses;
# in the sanitizer build the other bundle tests check for leaks.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
need_jprepo
need_cmd openssl od dd truncate

C=$T/certs
mkdir "$C" && jp_cms_certs "$C"
S=$T/store
A=$T/air
VOL=65536
EXPORT="export --sign-key $C/signer.key --sign-cert $C/signer.pem --volume-size 64K"

# bundle_id DIR / bundle_seq DIR: fields of DIR/MANIFEST.
bundle_id() {
	sed -n 's/^bundle \([0-9a-f]*\)$/\1/p' "$1/MANIFEST"
}
bundle_seq() {
	sed -n 's/^sequence \([0-9]*\)$/\1/p' "$1/MANIFEST"
}

# err_has WHAT PATTERN...: stderr of the last jp run matches every
# extended regular expression PATTERN, case-insensitively.
err_has() {
	jp_what=$1
	shift
	for jp_p in "$@"; do
		grep -Eiq -- "$jp_p" "$T/err" ||
		    fail "$jp_what: '$jp_cmd': stderr should match '$jp_p'; stderr:
$(cat "$T/err")"
	done
}

# Whether strace can trace jprepo here (a container may forbid ptrace).
traced=
if command -v strace >/dev/null 2>&1 &&
    strace -f -o /dev/null true >/dev/null 2>&1; then
	traced=1
else
	note "no working strace: not checking that volumes stay unopened"
fi

# refuse WHAT TRUST BUNDLE PATTERN...: `jprepo import` and `jprepo bundle
# verify` of BUNDLE with --trust TRUST both exit 3 with stderr matching
# every PATTERN; neither changes the store or the bundle.
refuse() {
	r_what=$1 r_trust=$2 r_b=$3
	shift 3
	note "case: $r_what"
	r_hs=$(jp_tree_hash "$A")
	r_hb=$(jp_tree_hash "$r_b")
	for r_cmd in import 'bundle verify'; do
		# shellcheck disable=SC2086
		jp $r_cmd --trust "$r_trust" --store "$A" "$r_b" </dev/null
		[ "$rc" = 3 ] || fail "$r_what: '$jp_cmd' exited $rc, want 3; stderr:
$(cat "$T/err")"
		note "  $r_cmd: $(head -n 2 "$T/err")"
		err_has "$r_what" "$@"
		[ "$(jp_tree_hash "$A")" = "$r_hs" ] ||
		    fail "$r_what: '$jp_cmd' refused but changed the store"
		[ "$(jp_tree_hash "$r_b")" = "$r_hb" ] ||
		    fail "$r_what: '$jp_cmd' changed the bundle directory"
	done
}

# refuse_unopened WHAT TRUST BUNDLE PATTERN...: refuse, and strace shows
# that the import opened no volume (the signature comes first).
refuse_unopened() {
	refuse "$@"
	[ -n "$traced" ] || return 0
	strace -f -e trace=open,openat,openat2 -o "$T/strace.out" \
	    "$JPREPO" import --trust "$2" --store "$A" "$3" >/dev/null 2>&1
	if grep -E 'vol-[0-9]+\.tar' "$T/strace.out" >"$T/opened"; then
		fail "$1: the import opened a volume before refusing the signature:
$(cat "$T/opened")"
	fi
	grep -q 'MANIFEST' "$T/strace.out" ||
	    fail "$1: strace saw no MANIFEST opened: the trace is useless"
}

# mkcase NAME [FROM]: a copy of bundle FROM (default bundle 2) to damage;
# prints its path.
mkcase() {
	mc=$T/case-$1
	rm -rf "$mc"
	cp -R "${2:-$T/b2}" "$mc" || fail "cannot copy the bundle"
	echo "$mc"
}

# flip FILE OFFSET: invert every bit of the byte at OFFSET of FILE.
flip() {
	fb=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n')
	[ -n "$fb" ] || fail "no byte $2 in $1"
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((fb ^ 255)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc status=none ||
	    fail "cannot change byte $2 of $1"
	[ "$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' \n')" = $((fb ^ 255)) ] ||
	    fail "flip did not change byte $2 of $1"
}

# cms_sign MANIFEST SIG CERT KEY: a detached DER CMS signature by hand.
cms_sign() {
	openssl cms -sign -binary -md sha256 -in "$1" -signer "$3" -inkey "$4" \
	    -outform DER -out "$2" 2>"$T/openssl.err" ||
	    fail "openssl cms -sign: $(cat "$T/openssl.err")"
}

# --- A store that has imported bundle 1 ---------------------------------------
jp_copy_corpus "$S/rpm"
jp_copy_deb_corpus "$S/deb"
jp_expect 0 build "$S/rpm"
jp_expect 0 build "$S/deb"
jp_expect 0 $EXPORT -o "$T/b1" "$S/rpm" "$S/deb"
mkdir "$A"
jp_expect 0 import --trust "$C/ca.pem" --store "$A" "$T/b1"
[ -f "$A/rpm/repodata/repomd.xml" ] || fail "bundle 1 did not import"

# Bundle 2, incremental, big enough for several volumes of 64K: new files,
# one of them split over three volumes.
mkdir "$S/rpm/blobs" "$S/deb/blobs"
head -c 150000 /dev/urandom >"$S/rpm/blobs/big.bin"
head -c 30001 /dev/urandom >"$S/deb/blobs/small.bin"
printf 'odd\n' >"$S/deb/blobs/odd.txt"
sh "$JP_SRCDIR/tests/mkrpms.sh" -p newpkg,1.0,1 "$S/rpm/new" >"$T/mk.log" 2>&1 ||
    fail "mkrpms.sh -p newpkg: $(cat "$T/mk.log")"
jp_expect 0 build "$S/rpm"
jp_expect 0 $EXPORT --since "$T/b1/MANIFEST" -o "$T/b2" "$S/rpm" "$S/deb"
cp -R "$S" "$T/store-at-b2"
# The same state once more, another bundle: its volumes to swap in.
jp_expect 0 $EXPORT --since "$T/b1/MANIFEST" -o "$T/b2x" "$S/rpm" "$S/deb"
# A full bundle of that state: older than bundle 3 below.
jp_expect 0 $EXPORT -o "$T/bf" "$S/rpm" "$S/deb"
# Bundle 3 follows bundle 2 (for the gap); bundle 4 follows bundle 1 but is
# made after bundle 2 (out of order once bundle 2 is in).
# Bundle 5 follows bundle 2x (a gap whose base is not the next sequence).
printf 'three\n' >"$S/deb/blobs/three.txt"
jp_expect 0 $EXPORT --since "$T/b2/MANIFEST" -o "$T/b3" "$S/rpm" "$S/deb"
jp_expect 0 $EXPORT --since "$T/b1/MANIFEST" -o "$T/b4" "$S/rpm" "$S/deb"
jp_expect 0 $EXPORT --since "$T/b2x/MANIFEST" -o "$T/b5" "$S/rpm" "$S/deb"
id1=$(bundle_id "$T/b1") id2=$(bundle_id "$T/b2") id2x=$(bundle_id "$T/b2x")
[ "$(bundle_seq "$T/b2x")" = 3 ] || fail "bundle 2x has sequence $(bundle_seq "$T/b2x")"
[ "$(bundle_seq "$T/b2")" = 2 ] || fail "bundle 2 has sequence $(bundle_seq "$T/b2")"

# The parts of bundle 2: "VOLUME OFFSET LENGTH FILE-NUMBER" per part line.
awk '$1 == "file" { n++ } $1 == "part" { print $2, $3, $4, n }' "$T/b2/MANIFEST" \
    >"$T/parts"
awk '$1 == "volume" { print $2, $5, $3 }' "$T/b2/MANIFEST" >"$T/vols"
nvol=$(wc -l <"$T/vols" | tr -d ' ')
[ "$nvol" -ge 3 ] || fail "bundle 2 has $nvol volumes, the test wants >= 3"
while read -r v name size; do
	[ "$(wc -c <"$T/b2/$name" | tr -d ' ')" = "$size" ] ||
	    fail "$name is not $size bytes as MANIFEST says"
done <"$T/vols"

# vols_of_file N: a regular expression matching the names of the volumes
# holding parts of file number N.
vols_of_file() {
	awk -v n="$1" '$4 == n { print $1 }' "$T/parts" | while read -r vn; do
		awk -v v="$vn" '$1 == v { print $2 }' "$T/vols"
	done | sed 's/\./\\./g' | paste -sd'|' -
}

# --- One byte flipped in each volume -------------------------------------------
npad=0
while read -r v name size; do
	# the first part of this volume whose entry has a header in it, one with
	# data, one whose data does not end on a 512-byte boundary
	hdr=$(awk -v v="$v" '$1 == v && $2 >= 512 { print $2; exit }' "$T/parts")
	dat=$(awk -v v="$v" '$1 == v && $3 >= 2 { print $2 + int($3 / 2), $4; exit }' "$T/parts")
	pad=$(awk -v v="$v" '$1 == v && $3 % 512 != 0 { print $2 + $3, $2 + $3 + (512 - $3 % 512) - 1; exit }' "$T/parts")
	[ -n "$hdr" ] && [ -n "$dat" ] || fail "$name has no part with data"
	vre=$(echo "$name" | sed 's/\./\\./g')
	set -- "volume header" 0 "entry header (name)" $((hdr - 512)) \
	    "entry header (size field)" $((hdr - 512 + 124)) \
	    "end-of-archive block 1" $((size - 1024)) \
	    "end-of-archive block 2" $((size - 1))
	if [ -n "$pad" ]; then
		npad=$((npad + 1))
		set -- "$@" "padding (first byte)" "${pad% *}" "padding (last byte)" "${pad#* }"
	fi
	while [ $# -gt 0 ]; do
		b=$(mkcase "flip-$v-$2")
		flip "$b/$name" "$2"
		refuse "$name: byte $2 flipped ($1)" "$C/ca.pem" "$b" "$vre" 'sha256|damaged'
		rm -rf "$b"
		shift 2
	done
	b=$(mkcase "flip-$v-data")
	flip "$b/$name" "${dat% *}"
	refuse "$name: byte ${dat% *} flipped (file data)" "$C/ca.pem" "$b" \
	    "$(vols_of_file "${dat#* }")" 'sha256|damaged'
	rm -rf "$b"
done <"$T/vols"
[ "$npad" -ge 1 ] || fail "no volume has padding after a part: the padding case never ran"

# --- Truncated, missing, swapped volumes --------------------------------------
b=$(mkcase trunc1)
truncate -s -1 "$b/vol-0002.tar"
refuse "vol-0002.tar one byte short" "$C/ca.pem" "$b" 'vol-0002\.tar' 'size|truncated'
b=$(mkcase trunc2)
truncate -s 20480 "$b/vol-0001.tar"
refuse "vol-0001.tar cut to 20480 bytes" "$C/ca.pem" "$b" 'vol-0001\.tar' 'size|truncated'
b=$(mkcase missing)
rm "$b/vol-0002.tar"
refuse "vol-0002.tar missing" "$C/ca.pem" "$b" 'vol-0002\.tar' 'missing'
b=$(mkcase missing-last)
last=$(awk 'END { print $2 }' "$T/vols")
rm "$b/$last"
refuse "$last (the last volume) missing" "$C/ca.pem" "$b" "$(echo "$last" | sed 's/\./\\./g')" 'missing'
b=$(mkcase swapped)
cmp -s "$T/b2/vol-0002.tar" "$T/b2x/vol-0002.tar" &&
    fail "two bundles have identical volumes: the bundle id is not in them"
[ "$(wc -c <"$T/b2x/vol-0002.tar")" = "$(wc -c <"$T/b2/vol-0002.tar")" ] ||
    fail "the same content exported twice gives volumes of other sizes"
cp "$T/b2x/vol-0002.tar" "$b/vol-0002.tar"
refuse "vol-0002.tar from another bundle of the same repositories" "$C/ca.pem" "$b" \
    'belongs to bundle'
b=$(mkcase nomanifest)
rm "$b/MANIFEST"
refuse "no MANIFEST (incomplete bundle)" "$C/ca.pem" "$b" 'MANIFEST'

# --- Signatures -------------------------------------------------------------------
b=$(mkcase edit-seq)
sed -i 's/^sequence 2$/sequence 3/' "$b/MANIFEST"
cmp -s "$b/MANIFEST" "$T/b2/MANIFEST" && fail "sed did not edit the MANIFEST"
refuse_unopened "MANIFEST edited: sequence 2 -> 3" "$C/ca.pem" "$b" 'signature'
b=$(mkcase edit-sha)
awk 'BEGIN { d = 0 } !d && $1 == "file" { c = substr($2, 1, 1); $2 = (c == "0" ? "1" : "0") substr($2, 2); d = 1 } { print }' \
    "$T/b2/MANIFEST" >"$b/MANIFEST"
[ "$(cmp -l "$b/MANIFEST" "$T/b2/MANIFEST" | wc -l)" = 1 ] ||
    fail "the edited MANIFEST differs in other than one byte"
refuse_unopened "MANIFEST edited: one sha256 digit" "$C/ca.pem" "$b" 'signature'
b=$(mkcase other-key)
cms_sign "$b/MANIFEST" "$b/MANIFEST.sig" "$C/other.pem" "$C/other.key"
jp_cms_check "$b/MANIFEST" "$b/MANIFEST.sig" "$C/other-ca.pem" ||
    fail "openssl does not accept the signature by the other key with its CA"
refuse_unopened "MANIFEST.sig by another CA's signer" "$C/ca.pem" "$b" 'signature'
b=$(mkcase self-signed)
cms_sign "$b/MANIFEST" "$b/MANIFEST.sig" "$C/self.pem" "$C/self.key"
refuse_unopened "MANIFEST.sig by a self-signed key" "$C/ca.pem" "$b" 'signature'
refuse_unopened "trust: the certificate of another CA" "$C/other-ca.pem" "$T/b2" 'signature'
b=$(mkcase garbage-sig)
printf 'not a signature' >"$b/MANIFEST.sig"
refuse_unopened "MANIFEST.sig not DER CMS" "$C/ca.pem" "$b" 'signature'

# An expired signer.  Whether export signs with it at all is not in the
# spec; either way a bundle signed by it must not import.
jp export --sign-key "$C/expired.key" --sign-cert "$C/expired.pem" --volume-size 64K \
    --since "$T/b1/MANIFEST" -o "$T/b-expired" "$S/rpm" "$S/deb"
note "export with an expired signer certificate: exit $rc $(head -n 1 "$T/err")"
if [ "$rc" = 0 ]; then
	refuse_unopened "bundle exported with an expired signer" "$C/ca.pem" "$T/b-expired" 'signature'
else
	[ ! -e "$T/b-expired/MANIFEST" ] ||
	    fail "export failed (exit $rc) but wrote a MANIFEST"
fi
b=$(mkcase expired)
cms_sign "$b/MANIFEST" "$b/MANIFEST.sig" "$C/expired.pem" "$C/expired.key"
jp_cms_check "$b/MANIFEST" "$b/MANIFEST.sig" "$C/ca.pem" &&
    fail "openssl accepts the expired signer (broken oracle)"
refuse_unopened "MANIFEST.sig by an expired signer of the CA" "$C/ca.pem" "$b" 'signature'

# --- Sequence -----------------------------------------------------------------------
refuse "replay of bundle 1" "$C/ca.pem" "$T/b1" 'replay|not newer'
refuse "bundle 3 (base: bundle 2) before bundle 2 (gap)" "$C/ca.pem" "$T/b3" 'base' "$id2"
grep -Ewq '2' "$T/err" || fail "the gap message does not name sequence 2: $(cat "$T/err")"
refuse "bundle 5 (base: bundle 2x) before bundle 2x (gap)" "$C/ca.pem" "$T/b5" 'base' "$id2x"
grep -Ewq '3' "$T/err" || fail "the gap message does not name sequence 3: $(cat "$T/err")"
# Bundle 2 (sequence 2) is no step towards bundle 5: naming it misleads.
! grep -Ewq '2' "$T/err" ||
    fail "the gap message for bundle 5 (base: bundle 2x, sequence 3) names sequence 2, which bundle 5 does not need: $(cat "$T/err")"
# A refused import into a store that does not exist does not create it.
jp_expect 3 import --trust "$C/other-ca.pem" --store "$T/nostore" "$T/b2"
[ ! -e "$T/nostore" ] || fail "a refused import created the store directory"

# --- A good bundle: verified, imported from a read-only directory ---------------
h0=$(jp_tree_hash "$A")
jp_expect 0 bundle verify --trust "$C/ca.pem" --store "$A" "$T/b2"
[ "$(jp_tree_hash "$A")" = "$h0" ] || fail "bundle verify of a good bundle changed the store"
b=$(mkcase readonly)
chmod -R a-w "$b"
hb=$(jp_tree_hash "$b")
unpriv=$(jp_unpriv) || unpriv=
if [ -n "$unpriv" ]; then
	# nobody reads the bundle and the trust file, and owns the store
	chmod 755 "$T"
	chown -R 65534:65534 "$A"
	# shellcheck disable=SC2016
	if ! $unpriv sh -c 'test -r "$1/MANIFEST" && test -r "$2" && test -w "$3" &&
	    "$4" --version' sh "$b" "$C/ca.pem" "$A" "$JPREPO" >/dev/null 2>&1; then
		note "user nobody cannot reach the bundle, the trust file, the store or $JPREPO"
		unpriv=
	fi
fi
if [ -n "$unpriv" ]; then
	jp_cmd="jprepo import (as nobody) from a read-only bundle directory"
	$unpriv "$JPREPO" import --trust "$C/ca.pem" --store "$A" "$b" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 0 ] || fail "$jp_cmd: exit $rc: $(cat "$T/err")"
else
	note "cannot drop root: the read-only bundle directory is imported as root"
	jp_expect 0 import --trust "$C/ca.pem" --store "$A" "$b"
fi
[ "$(jp_tree_hash "$b")" = "$hb" ] || fail "the import changed the read-only bundle directory"
diff -r -x '.jprepo*' "$T/store-at-b2" "$A" >"$T/diff.out" 2>&1 ||
    fail "after bundle 2 the store differs from the exporting one: $(head -n 20 "$T/diff.out")"
grep -q "$id2" "$A/rpm/.jprepo/bundle" || fail "$A/rpm/.jprepo/bundle does not name bundle 2"

# Now bundle 2 again is a replay; bundles made from bundle 1 come too late.
refuse "replay of bundle 2" "$C/ca.pem" "$T/b2" 'replay|not newer'
refuse "bundle 2x (base: bundle 1) after bundle 2" "$C/ca.pem" "$T/b2x" 'base'
refuse "bundle 4 (base: bundle 1) after bundle 2" "$C/ca.pem" "$T/b4" 'base'
jp_expect 0 import --trust "$C/ca.pem" --store "$A" "$T/b3"
[ -f "$A/deb/blobs/three.txt" ] || fail "bundle 3 did not bring deb/blobs/three.txt"
# A full bundle made before bundle 3, carried in after it: not newer.
[ "$(bundle_seq "$T/bf")" -lt "$(bundle_seq "$T/b3")" ] ||
    fail "the full bundle made before bundle 3 has a higher sequence"
refuse "full bundle older than the last import" "$C/ca.pem" "$T/bf" 'replay|not newer'
exit 0
