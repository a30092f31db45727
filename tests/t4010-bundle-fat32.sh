#!/bin/sh
# t4010-bundle-fat32: a bundle travels on a FAT32 file system.  The bundle
# of a store with an RPM-MD and an APT repository, in several volumes, is
# copied onto a FAT32 image (mkfs.vfat, then mtools: nothing is mounted),
# listed there with mdir, read back with mcopy into a fresh directory and
# imported; the imported repositories pass `jprepo verify --keyring` and
# equal the originals.  The FAT size rule (jprepo-bundle(5): no file on
# FAT32 may exceed 4 GiB - 1 = 4294967295 bytes): the default volume size
# that `jprepo export --help` states is below it, and asking for volumes
# larger than that draws a warning naming FAT.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_cmd openssl gpg gpgconf
for c in mkfs.vfat mcopy mdir mmd minfo; do
	command -v "$c" >/dev/null 2>&1 ||
	    skip "needs '$c' (Debian packages dosfstools and mtools; tools/deps installs them)"
done
# mtools: no geometry checks on an image file, no host configuration
MTOOLS_SKIP_CHECK=1
MTOOLSRC=/dev/null
export MTOOLS_SKIP_CHECK MTOOLSRC

C=$T/certs
mkdir "$C" && jp_cms_certs "$C"
H=$T/gnupg
jp_test_key "$H" 'jprepo fat test <fat@example.com>'
fpr=$jp_fpr
gpg --homedir "$H" --export "$fpr" >"$T/key.gpg"
FATMAX=4294967295
# what a warning about the FAT limit says
FATWARN='FAT|4294967295|4 ?GiB'

# --- The FAT size rule ----------------------------------------------------------
# size_bytes SIZE: SIZE as jprepo-bundle(5) reads it (K, M, G, T and their
# KB/KiB forms are powers of 1024), in bytes; empty when not a size.
size_bytes() {
	echo "$1" | awk '{
		s = $0; sub(/[ ]*(i?B)$/, "", s)
		if (match(s, /^[0-9]+$/)) { print s; exit }
		if (!match(s, /^[0-9]+[ ]*[KMGT]$/)) exit
		n = s + 0; u = substr(s, length(s), 1)
		m = (u == "K") ? 1024 : (u == "M") ? 1048576 : (u == "G") ? 1073741824 : 1099511627776
		printf "%.0f\n", n * m }'
}
jp_expect 0 export --help
# the option's lines: from --volume-size to the next option
awk '/^ +(-[a-zA-Z], )?--volume-size/ { f = 1; print; next }
    f && /^ +-/ { exit } f' "$T/out" >"$T/vhelp"
[ -s "$T/vhelp" ] || fail "export --help does not describe --volume-size:
$(cat "$T/out")"
# The default as the help states it: a byte count, or N[KMGT][i][B], or
# "4 GiB - 1 MiB" or "4G minus 1M" style.
dflt=$(tr '\n' ' ' <"$T/vhelp" | sed -n 's/.*default:\{0,1\} *\([^),;]*\).*/\1/p' |
    sed 's/ *$//; s/−/-/g; s/ minus / - /')
case $dflt in
*' - '*)
	d1=$(size_bytes "${dflt%% - *}") d2=$(size_bytes "${dflt#* - }")
	[ -n "$d1" ] && [ -n "$d2" ] && dbytes=$((d1 - d2)) ;;
*)
	dbytes=$(size_bytes "$dflt") ;;
esac
[ -n "${dbytes:-}" ] || fail "cannot read the default volume size from export --help ('$dflt'):
$(cat "$T/vhelp")"
[ "$dbytes" -le "$FATMAX" ] ||
    fail "the default volume size $dflt ($dbytes bytes) does not fit a FAT32 file (max $FATMAX)"
[ "$dbytes" = 4293918720 ] ||
    fail "the default volume size $dflt ($dbytes bytes) is not the spec's 4 GiB - 1 MiB (4293918720)"
note "default volume size: $dflt = $dbytes bytes"

# --- A store and its bundle ---------------------------------------------------------
S=$T/store
jp_copy_corpus "$S/rpm"
jp_copy_deb_corpus "$S/deb"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/rpm"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/deb"

# Volumes over the FAT limit: exported (the spec allows any size), with a
# warning that names FAT.
jp_expect 0 export --sign-key "$C/signer.key" --sign-cert "$C/signer.pem" \
    --volume-size 4G -o "$T/big" "$S/rpm" "$S/deb"
jp_err_has "$FATWARN" "a volume size above 4294967295 bytes deserves a warning about FAT"
jp_expect 0 export --sign-key "$C/signer.key" --sign-cert "$C/signer.pem" \
    --volume-size "$FATMAX" -o "$T/max" "$S/rpm" "$S/deb"
! grep -Eq "$FATWARN" "$T/err" ||
    fail "--volume-size $FATMAX fits FAT32, yet export warns: $(cat "$T/err")"

B=$T/bundle
jp_expect 0 export --sign-key "$C/signer.key" --sign-cert "$C/signer.pem" \
    --volume-size 64K -o "$B" "$S/rpm" "$S/deb"
! grep -Eq "$FATWARN" "$T/err" || fail "--volume-size 64K: export warns about FAT: $(cat "$T/err")"
(cd "$B" && ls) | LC_ALL=C sort >"$T/names"
nvol=$(grep -c '^vol-[0-9]*\.tar$' "$T/names")
[ "$nvol" -ge 3 ] || fail "the bundle has $nvol volumes at 64K, want >= 3"
for v in "$B"/vol-*.tar; do
	[ "$(wc -c <"$v")" -le 65536 ] || fail "$v is larger than 64K"
done

# --- Onto FAT32 and back ----------------------------------------------------------------
img=$T/fat.img
mkfs.vfat -F 32 -n JPBUNDLE -C "$img" 40000 >"$T/mkfs.out" 2>&1 ||
    fail "mkfs.vfat -F 32: $(cat "$T/mkfs.out")"
minfo -i "$img" >"$T/minfo" 2>&1 || fail "minfo: $(cat "$T/minfo")"
grep -q 'disk type="FAT32' "$T/minfo" || fail "the image is not FAT32: $(cat "$T/minfo")"
mmd -i "$img" ::/bundle || fail "mmd ::/bundle failed"
mcopy -i "$img" "$B"/* ::/bundle/ >"$T/mcopy.out" 2>&1 ||
    fail "mcopy onto the FAT32 image: $(cat "$T/mcopy.out")"
mdir -i "$img" ::/bundle >"$T/mdir" 2>&1 || fail "mdir: $(cat "$T/mdir")"
cat "$T/mdir" >&2
mdir -b -i "$img" ::/bundle 2>&1 | sed 's|^::/bundle/||' | LC_ALL=C sort >"$T/fatnames"
diff -u "$T/names" "$T/fatnames" >"$T/d" ||
    fail "FAT gives back other names than written (- written, + mdir -b):
$(cat "$T/d")"
R=$T/readback
mkdir "$R"
while read -r n; do
	mcopy -n -i "$img" "::/bundle/$n" "$R/$n" >"$T/mcopy.out" 2>&1 </dev/null ||
	    fail "mcopy ::/bundle/$n back: $(cat "$T/mcopy.out")"
done <"$T/fatnames"
for n in $(cat "$T/names"); do
	cmp "$B/$n" "$R/$n" || fail "$n read back from FAT differs from the one written"
done
jp_cms_check "$R/MANIFEST" "$R/MANIFEST.sig" "$C/ca.pem" ||
    fail "openssl cms -verify refuses MANIFEST.sig read back from FAT"

A=$T/air
mkdir "$A"
jp_expect 0 bundle verify --trust "$C/ca.pem" "$R"
jp_expect 0 import --trust "$C/ca.pem" --store "$A" "$R"
for r in rpm deb; do
	jp_expect 0 verify --packages --keyring "$T/key.gpg" "$A/$r"
done
diff -r -x '.jprepo*' "$S" "$A" >"$T/diff.out" 2>&1 ||
    fail "the store imported from FAT differs from the exporting one:
$(head -n 30 "$T/diff.out")"
exit 0
