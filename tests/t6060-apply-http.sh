#!/bin/sh
# t6060-apply-http: jprepo apply --repo http://... without a plan: the
# repository's metadata is fetched over HTTP for planning (http.c) and the
# package manager installs from the same URL (jprepo-apply(1), issue 7).
#
# The server is Python's http.server (a real, independent HTTP/1.0 server)
# on 127.0.0.1 at a port the kernel picks.  The oracles are rpm and
# dpkg-query over the roots' databases.
#   RPM-MD (dnf): the image has a-1, b-1, c-1 (installed by dnf itself);
#     the repository (jp_apply_repo) has their updates, b-2 failing in its
#     pre-install script and c-2 requiring the new d.
#     --dry-run         exit 0, the rpm database hashes the same
#     one by one        a-2, c-2 and d go in, b stays at 1, exit 1
#     a 404 repository  exit 3, the URL named, nothing changed
#   APT (apt-get): the image has hello 1.0-1; the repository has hello
#     2.0-1 (depending on the new libnew): both go in, exit 0; the same
#     with the repository's only component named "extra".
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_root "dnf and dpkg install into scratch roots"
need_cmd python3 dnf rpm rpmbuild sha256sum
need_jprepo

www=$T/www
mkdir -p "$www" || fail "cannot create $www"

# serve: start http.server over $www; its URL in $base
serve() {
	python3 -u -m http.server --bind 127.0.0.1 --directory "$www" 0 \
	    >"$T/http.log" 2>&1 &
	jp_bg $!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's/^Serving HTTP on .* port \([0-9][0-9]*\).*/\1/p' \
		    "$T/http.log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || fail "http.server did not start: $(cat "$T/http.log")"
	base=http://127.0.0.1:$port
}

serve

# --- RPM-MD with dnf ------------------------------------------------------
jp_apply_repo "$www/rpm"
root0=$T/root0
jp_apply_root "$root0" "$www/rpm" web01
v1="a-1-1.noarch b-1-1.noarch c-1-1.noarch"

r=$T/r-dry
cp -a "$root0" "$r"
sum0=$(jp_rpmdb_sum "$r")
jp apply --repo "$base/rpm/" --root "$r" --dry-run
[ "$rc" = 0 ] || fail "$jp_cmd: expected exit 0, got $rc: $(cat "$T/err")"
grep -Eq '^would +a\.noarch 1-1 -> 2-1' "$T/out" ||
    fail "--dry-run should show a 1-1 -> 2-1 planned from the metadata; stdout:
$(cat "$T/out")"
[ "$(jp_rpmdb_sum "$r")" = "$sum0" ] ||
    fail "--dry-run over http changed the rpm database of $r"
jp_assert_rpms "$r" "$v1" "after --dry-run"

r=$T/r-http
cp -a "$root0" "$r"
jp_expect 1 apply --repo "$base/rpm" --root "$r"
jp_assert_rpms "$r" "a-2-1.noarch b-1-1.noarch c-2-1.noarch d-1-1.noarch" \
    "one-by-one apply over http with b-2 failing"
grep -Eq '^failed +b\.noarch' "$T/out" ||
    fail "apply should report b failed; stdout: $(cat "$T/out")"

# nothing at that URL: exit 3 naming it, the root untouched
r=$T/r-404
cp -a "$root0" "$r"
sum0=$(jp_rpmdb_sum "$r")
jp_expect 3 apply --repo "$base/nothing/" --root "$r"
jp_err_has "$base/nothing/" "the URL of the missing repository"
jp_err_has "404" "the status"
[ "$(jp_rpmdb_sum "$r")" = "$sum0" ] ||
    fail "a failed apply changed the rpm database of $r"

# https cannot be fetched here: said so, nothing changed
jp apply --repo "https://127.0.0.1:$port/rpm/" --root "$r"
[ "$rc" = 2 ] || [ "$rc" = 3 ] ||
    fail "$jp_cmd: expected exit 2 or 3, got $rc: $(cat "$T/err")"
jp_err_has "https" "https refused"
[ "$(jp_rpmdb_sum "$r")" = "$sum0" ] ||
    fail "a refused https apply changed the rpm database of $r"

# a signed repository over http: refused without --keyring (its signature
# file is found over http), used with the key, refused with --keyring when
# unsigned
cp -a "$www/rpm" "$www/srpm"
jp_test_key "$T/gnupg" 'Test <t@example.com>'
jp_expect 0 sign --key "$jp_fpr" --homedir "$T/gnupg" "$www/srpm"
gpg --homedir "$T/gnupg" --armor --export "$jp_fpr" >"$T/key.asc" ||
    fail "cannot export the test key"
r=$T/r-signed
cp -a "$root0" "$r"
jp_expect 2 apply --repo "$base/srpm/" --root "$r" --dry-run
jp_err_has "--keyring" "the signed repository asks for its key"
jp_expect 0 apply --repo "$base/srpm/" --root "$r" --dry-run --keyring "$T/key.asc"
jp_expect 3 apply --repo "$base/rpm/" --root "$r" --dry-run --keyring "$T/key.asc"
jp_err_has "not signed" "--keyring with an unsigned repository"
jp_assert_rpms "$r" "$v1" "after the signed dry runs"

# --- APT with apt-get -----------------------------------------------------
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-deb \
    >/dev/null 2>&1; then
	echo "t6060: no apt-get or dpkg-deb: the APT part is left out" >&2
	exit 0
fi
A=$(dpkg --print-architecture)
jp_apply_mkdeb "$www/deb" hello 1.0-1 all
jp_apply_mkdeb "$www/deb" hello 2.0-1 all 'Depends: libnew (>= 1.0)'
jp_apply_mkdeb "$www/deb" libnew 1.0-1 "$A"
jp_expect 0 build "$www/deb"
rd=$T/rd
jp_apply_deb_root "$rd" deb01
jp_dpkg_i "$rd" "$www/deb/pool/main/hello_1.0-1_all.deb"
jp apply --repo "$base/deb/" --root "$rd"
[ "$rc" = 0 ] || fail "$jp_cmd: expected exit 0, got $rc: $(cat "$T/err")"
jp_dpkg_states "$rd" >"$T/states"
[ "$(cat "$T/states")" = "ii hello 2.0-1 all
ii libnew 1.0-1 $A" ] || fail "apply over http in $rd: dpkg-query shows:
$(cat "$T/states")"

# the same packages in a component that is not "main": apt must be pointed
# at the components the served Release lists
mkdir -p "$www/deb2" && cp -R "$www/deb/pool" "$www/deb2/" ||
    fail "cannot copy the pool to $www/deb2"
jp_expect 0 build --component extra "$www/deb2"
rd=$T/rd2
jp_apply_deb_root "$rd" deb02
jp_dpkg_i "$rd" "$www/deb2/pool/main/hello_1.0-1_all.deb"
jp apply --repo "$base/deb2" --root "$rd"
[ "$rc" = 0 ] || fail "$jp_cmd: expected exit 0, got $rc: $(cat "$T/err")"
jp_dpkg_states "$rd" >"$T/states"
[ "$(cat "$T/states")" = "ii hello 2.0-1 all
ii libnew 1.0-1 $A" ] ||
    fail "apply over http from component extra in $rd: dpkg-query shows:
$(cat "$T/states")"
exit 0
