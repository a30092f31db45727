#!/bin/sh
# Bad .deb files (truncated, random bytes, no control member, a control
# file without Version, an empty file, an invalid version) are each named
# on stderr and left out; the good ones are published; exit 1 — and again
# on the next build, which must not call the repository up to date.
# --strict: exit 3 and dists/ untouched.  A .rpm among the .deb files:
# exit 3, the message names one file of each kind, nothing changes.
# dpkg-deb is the oracle that the bad files are bad.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd dpkg dpkg-deb ar sha256sum awk
need_jprepo

repo=$T/repo
suite=$repo/dists/stable
jp_copy_deb_corpus "$repo"
ngood=$(jp_count_debs "$repo")
jp_expect 0 build "$repo"

# snap OUT: every file under dists/ with its sha256 and inode.
snap() {
	(cd "$repo" && find dists -type f | LC_ALL=C sort |
	    while IFS= read -r f; do
		printf '%s %s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" \
		    "$(stat -c %i "$f")" "$f"
	    done) >"$1"
}
# listed: the Filename of every stanza in the amd64 and i386 indexes.
listed() {
	cat "$suite"/main/binary-*/Packages | awk '/^Filename: / { sub(/^Filename: /, ""); print }' |
	    LC_ALL=C sort -u
}
listed >"$T/good.listed"
[ "$(wc -l <"$T/good.listed")" = "$ngood" ] ||
    fail "the good corpus: $(wc -l <"$T/good.listed") files listed, $ngood on disk"

# --- the bad files ---
bad=$repo/pool/bad
mkdir -p "$bad" "$T/mk"
good=$repo/pool/main/h/hello/hello_1.0-1_all.deb
# truncated in the middle of data.tar
size=$(wc -c <"$good")
head -c $((size - 100)) "$good" >"$bad/truncated_1.0_all.deb"
# random bytes (fixed seed: the test is the same every time)
awk 'BEGIN { srand(7); for (i = 0; i < 3000; i++) printf "%c", int(rand() * 255) + 1 }' \
    >"$bad/random_1.0_all.deb"
# an ar archive without control.tar
(cd "$T/mk" && ar x "$good" && ar qcD "$bad/nocontrol_1.0_all.deb" \
    debian-binary data.tar.gz) || fail "cannot make the no-control package"
# a control file without Version, and one with an invalid Version
for v in none '1.0 beta'; do
	d=$T/mk/p-$(echo "$v" | tr -c 'a-z0-9\n' _)
	mkdir -p "$d/DEBIAN" "$d/usr/share/doc"
	echo x >"$d/usr/share/doc/x"
	{
		echo "Package: badver"
		[ "$v" = none ] || echo "Version: $v"
		printf 'Architecture: all\nMaintainer: M <m@example.com>\nDescription: bad\n bad\n'
	} >"$d/DEBIAN/control"
	dpkg-deb --nocheck --root-owner-group --build "$d" \
	    "$bad/badver-$(echo "$v" | tr -c 'a-z0-9\n' _)_all.deb" >/dev/null 2>&1 ||
	    fail "dpkg-deb --nocheck cannot build the Version '$v' package"
done
: >"$bad/empty_1.0_all.deb"
badfiles="truncated_1.0_all.deb random_1.0_all.deb nocontrol_1.0_all.deb badver-none_all.deb badver-1_0_beta_all.deb empty_1.0_all.deb"
nbad=0
for b in $badfiles; do
	[ -f "$bad/$b" ] || fail "test setup: no $bad/$b"
	nbad=$((nbad + 1))
done
# The oracle agrees that they are bad.
for b in truncated_1.0_all.deb random_1.0_all.deb nocontrol_1.0_all.deb empty_1.0_all.deb; do
	dpkg-deb --info "$bad/$b" >/dev/null 2>&1 &&
	    dpkg-deb --fsys-tarfile "$bad/$b" >/dev/null 2>&1 &&
	    fail "test setup: dpkg-deb --info and --fsys-tarfile accept $b"
done
[ -z "$(dpkg-deb -f "$bad/badver-none_all.deb" Version 2>/dev/null)" ] ||
    fail "test setup: badver-none has a Version"
dpkg --validate-version '1.0 beta' >/dev/null 2>&1 &&
    fail "test setup: dpkg accepts the version '1.0 beta'"

# --strict first: exit 3, nothing changes.
snap "$T/before"
jp_expect 3 build --strict "$repo"
for b in $badfiles; do
	jp_err_has "pool/bad/$b" "--strict names every bad file"
done
snap "$T/after"
diff -u "$T/before" "$T/after" >"$T/d" ||
    fail "'$jp_cmd' exited 3 but changed dists/: $(cat "$T/d")"
left=$(find "$repo/dists" -mindepth 1 -maxdepth 1 ! -name stable)
[ -z "$left" ] || fail "'$jp_cmd' left $left behind"

# Without --strict: the good ones are published, exit 1, each bad one named.
for round in 1 2; do
	jp_expect 1 build "$repo"
	for b in $badfiles; do
		jp_err_has "pool/bad/$b" "round $round: every bad file is named"
	done
	jp_err_has "pool/bad/badver-none_all.deb.*Version" "the missing field is named"
	jp_expect_summary "$ngood" - - - "$nbad"
	listed >"$T/now.listed"
	diff -u "$T/good.listed" "$T/now.listed" >"$T/d" ||
	    fail "round $round: the indexes do not list exactly the good files: $(cat "$T/d")"
	jp_assert_release "$suite" "round $round with bad files"
done

# The bad files gone: exit 0.
rm -r "$bad"
jp_expect 0 build "$repo"
jp_expect_summary "$ngood" - - - 0

# A .rpm among the .deb files: exit 3, both named, nothing changed.
if command -v rpmbuild >/dev/null 2>&1; then
	sh "$JP_SRCDIR/tests/mkrpms.sh" -p stray,1.0,1 "$repo/rpms" >/dev/null ||
	    fail "mkrpms.sh -p stray"
	rpmfile=$(cd "$repo" && ls rpms/*.rpm)
else
	note "no rpmbuild: a file named .rpm stands for a package"
	mkdir -p "$repo/rpms"
	echo 'not really a package' >"$repo/rpms/stray-1.0-1.noarch.rpm"
	rpmfile=rpms/stray-1.0-1.noarch.rpm
fi
snap "$T/before"
jp_expect 3 build "$repo"
jp_err_has "$rpmfile" "the .rpm is named"
jp_err_has "\\.deb" "a .deb is named"
snap "$T/after"
diff -u "$T/before" "$T/after" >"$T/d" ||
    fail "'$jp_cmd' with a .rpm changed dists/: $(cat "$T/d")"
[ ! -e "$repo/repodata" ] || fail "'$jp_cmd' with a .rpm made repodata/"
jp_expect 3 build --strict "$repo"
exit 0
