#!/bin/sh
# t7200-nginx: samples/nginx/jprepo.conf serves a store made by `jprepo
# import` with the real nginx, and the real clients install from it over
# http://127.0.0.1:PORT/ with their signature checks on (issue 8).
#
# The connected side builds and signs an RPM-MD repository (a 1 and 2, c 1
# and 2 where c 2 requires the new d) and an APT one (hello 1.0-1 and
# 2.0-1 where 2.0-1 depends on the new libnew), exports both in a CMS
# signed bundle, and the bundle is imported into a new store.  nginx runs
# with the sample, only its listen and root lines changed, on a port of
# 127.0.0.1 the kernel had free, its workers as nobody.  Then:
#   HTTP (python's http.client, paths sent exactly as written): the
#     store's .jprepo/ (imports.sqlite, lock, each repository's bundle
#     file) is 403/404 however the path is spelled; no directory listing;
#     a symbolic link planted in the store is not followed; only GET and
#     HEAD (the store unchanged after PUT/DELETE/POST); the media types
#     and Cache-Control of metadata (no-cache) and packages (cacheable);
#     bodies equal the files, HEAD gives the size, ranges work.
#   dnf with repo_gpgcheck=1 and the key installs a 1 and c 1 into a
#     scratch root (rpm is the oracle); with another key it refuses and
#     installs nothing.
#   apt with signed-by= installs hello 1.0-1 (dpkg-query is the oracle);
#     with another key it refuses.
#   jprepo apply --repo http://127.0.0.1:PORT/NAME --keyring KEY brings
#     both roots up to date (another key: exit 3, nothing changed).
#   A second bundle (a 3, hello 3.0-1) imported while nginx runs: the very
#     next requests get the new repomd.xml and InRelease (nothing served
#     from a descriptor of the replaced files), and apply (dnf) and a raw
#     apt-get upgrade install the new versions.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_root "dnf and dpkg install into scratch roots; nginx's workers switch to nobody"
need_cmd nginx python3 openssl gpg gpgconf dnf rpm rpmbuild apt-get dpkg \
    dpkg-deb dpkg-query ldd sha256sum
# Straight to 127.0.0.1, whatever the environment says.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
# jprepo import makes files with the modes the umask allows; nginx's
# workers (nobody here) read the store as "others" (samples/nginx/README,
# "Permissions").
umask 022

sample=$JP_SRCDIR/samples/nginx/jprepo.conf
[ -f "$sample" ] || fail "no $sample"
A=$(dpkg --print-architecture)

# --- Keys -------------------------------------------------------------------
H=$T/gnupg
jp_test_key "$H" 'jprepo nginx test <nginx@example.com>' rsa3072
fpr=$jp_fpr
gpg --homedir "$H" --armor --export "$fpr" >"$T/key.asc" 2>"$T/gpg.err" &&
    gpg --homedir "$H" --export "$fpr" >"$T/key.gpg" 2>"$T/gpg.err" ||
    fail "cannot export the test key"
jp_test_key "$T/gnupg-wrong" 'another key <other@example.com>'
gpg --homedir "$T/gnupg-wrong" --armor --export "$jp_fpr" >"$T/wrong.asc" \
    2>"$T/gpg.err" &&
    gpg --homedir "$T/gnupg-wrong" --export "$jp_fpr" >"$T/wrong.gpg" 2>"$T/gpg.err" ||
    fail "cannot export the second test key"
C=$T/certs
mkdir "$C" && jp_cms_certs "$C"

# --- The connected side: two signed repositories, one bundle -----------------
S=$T/connected
jp_mkrpm "$S/rpm" a 1 1
jp_mkrpm "$S/rpm" a 2 1
jp_mkrpm "$S/rpm" c 1 1
jp_mkrpm "$S/rpm" c 2 1 'Requires: d'
jp_mkrpm "$S/rpm" d 1 1
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/rpm"
jp_apply_mkdeb "$S/deb" hello 1.0-1 all
jp_apply_mkdeb "$S/deb" hello 2.0-1 all 'Depends: libnew (>= 1.0)'
jp_apply_mkdeb "$S/deb" libnew 1.0-1 "$A"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/deb"
jp_expect 0 export -o "$T/bundle" --sign-key "$C/signer.key" \
    --sign-cert "$C/signer.pem" "$S/rpm" "$S/deb"

# --- The isolated side: the store ---------------------------------------------
ST=$T/store
jp_expect 0 import --trust "$C/ca.pem" --store "$ST" "$T/bundle"
for f in .jprepo/imports.sqlite rpm/.jprepo/bundle deb/.jprepo/bundle \
    rpm/repodata/repomd.xml rpm/repodata/repomd.xml.asc \
    deb/dists/stable/InRelease deb/dists/stable/Release.gpg; do
	[ -f "$ST/$f" ] || fail "the imported store has no $f (the test needs it)"
done
head -c 16 "$ST/.jprepo/imports.sqlite" | grep -q '^SQLite format 3' ||
    fail "$ST/.jprepo/imports.sqlite is not an SQLite database (the test needs one)"
# A link to a file outside the store, as an intruder might plant it.
ln -s /etc/passwd "$ST/rpm/passwd" || fail "cannot make a symbolic link in $ST"
# nginx's workers run as nobody: they must reach the store through $T.
chmod 711 "$T" || fail "cannot chmod $T"
if unpriv=$(jp_unpriv) && [ -n "$unpriv" ]; then
	$unpriv test -r "$ST/rpm/repodata/repomd.xml" ||
	    fail "user nobody cannot read $ST/rpm/repodata/repomd.xml: a directory above $T does not let others through (TMPDIR?)"
fi

# --- nginx with the sample ----------------------------------------------------
# The sample's placeholders, each exactly once: the listen and root lines.
lre='^[[:space:]]*listen 8080;$'
rre='^[[:space:]]*root /srv/jprepo/store;$'
[ "$(grep -c "$lre" "$sample")" = 1 ] &&
    [ "$(grep -c '^[[:space:]]*listen ' "$sample")" = 1 ] ||
    fail "$sample should have exactly one 'listen 8080;' line and no other listen"
[ "$(grep -c "$rre" "$sample")" = 1 ] ||
    fail "$sample should have exactly one 'root /srv/jprepo/store;' line"
! grep -Eq '^[[:space:]]*autoindex[[:space:]]+on' "$sample" ||
    fail "$sample turns autoindex on"
grep -Eq '^[[:space:]]*sendfile[[:space:]]+on;' "$sample" ||
    fail "$sample does not turn sendfile on"

N=$T/nginx
mkdir -p "$N/tmp" || fail "cannot create $N"
# nginx.conf: the main and http context around the sample; the
# temporary paths compiled into Debian's nginx (/var/lib/nginx) replaced.
# The http block sets what distributions' nginx.conf and mime.types set
# and the sample must override: other types for rpm, deb and xml (as
# Debian's /etc/nginx/mime.types has them), gzip on (Debian) for the
# types of metadata, sendfile off.
{
	if getent group nogroup >/dev/null 2>&1; then
		echo 'user nobody nogroup;'
	else
		echo 'user nobody nobody;'
	fi
	echo 'worker_processes 1;'
	echo 'events { worker_connections 64; }'
	echo 'http {'
	echo "	access_log $N/access.log;"
	echo '	types { application/x-redhat-package-manager rpm;'
	echo '		application/octet-stream deb; text/xml xml; }'
	echo '	default_type text/html;'
	echo '	sendfile off;'
	echo '	gzip on; gzip_min_length 1;'
	echo '	gzip_types text/plain application/xml text/xml application/pgp-signature;'
	for t in client_body proxy fastcgi uwsgi scgi; do
		echo "	${t}_temp_path $N/tmp/$t;"
	done
	echo "	include $N/jprepo.conf;"
	echo '}'
} >"$N/nginx.conf"

ngx_pid=
ngx_workers=
ngx_stop() {
	[ -n "$ngx_pid" ] || return 0
	kill -TERM "$ngx_pid" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$ngx_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$ngx_pid" 2>/dev/null
	# workers outlive a killed master: end them by their ids
	for p in $ngx_workers; do
		kill -9 "$p" 2>/dev/null
	done
	wait "$ngx_pid" 2>/dev/null
	ngx_pid=
}
trap 'ngx_rc=$?; ngx_stop; (exit $ngx_rc); jp_cleanup' EXIT

# ngx_start: nginx on a free port of 127.0.0.1 (in $port, URL in $base);
# another port when the one picked was taken in between.
ngx_start() {
	for _ in 1 2 3 4 5; do
		port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
		    fail "python3 cannot find a free port"
		sed -e "s|$lre|	listen 127.0.0.1:$port;|" \
		    -e "s|$rre|	root $ST;|" "$sample" >"$N/jprepo.conf" ||
		    fail "cannot write $N/jprepo.conf"
		grep -q "listen 127.0.0.1:$port;" "$N/jprepo.conf" &&
		    grep -q "root $ST;" "$N/jprepo.conf" ||
		    fail "the listen and root lines of the sample were not replaced"
		nginx -t -p "$N" -c "$N/nginx.conf" -e "$N/error.log" \
		    -g "pid $N/nginx.pid;" >"$N/t.out" 2>&1 ||
		    fail "nginx -t refuses the sample: $(cat "$N/t.out" "$N/error.log" 2>/dev/null)"
		: >"$N/error.log"
		nginx -p "$N" -c "$N/nginx.conf" -e "$N/error.log" \
		    -g "daemon off; pid $N/nginx.pid; error_log $N/error.log;" \
		    >"$N/stdout" 2>&1 &
		ngx_pid=$!
		for _ in $(seq 1 100); do
			kill -0 "$ngx_pid" 2>/dev/null || break
			if python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" \
			    2>/dev/null; then
				ngx_workers=$(ps -o pid= --ppid "$ngx_pid" 2>/dev/null)
				base=http://127.0.0.1:$port
				return 0
			fi
			sleep 0.1
		done
		if kill -0 "$ngx_pid" 2>/dev/null; then
			fail "nginx runs but does not accept on 127.0.0.1:$port: $(cat "$N/error.log")"
		fi
		wait "$ngx_pid" 2>/dev/null
		ngx_pid=
		grep -q 'in use' "$N/error.log" ||
		    fail "nginx did not start: $(cat "$N/stdout" "$N/error.log")"
		note "port $port was taken: another one"
	done
	fail "nginx found no free port"
}
ngx_start
note "nginx $(nginx -v 2>&1 | sed 's/.*\///') serves $ST at $base"

# --- HTTP, request by request ---------------------------------------------------
# httpcheck.py PORT STORE: the rules of the sample checked with raw
# requests (http.client sends the path as written: no normalisation on
# the client side).
cat >"$T/httpcheck.py" <<'EOF'
import glob, hashlib, http.client, os, re, sys

port, store = int(sys.argv[1]), sys.argv[2]
bad = []

def req(method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # as apt and dnf (libcurl) do: compressed transfers welcome
    hdr = {"Accept-Encoding": "gzip, deflate"}
    hdr.update(headers or {})
    c.request(method, path, body=body, headers=hdr)
    r = c.getresponse()
    data = r.read()
    c.close()
    h = {k.lower(): v for k, v in r.getheaders()}
    if r.status in (200, 206) and "content-encoding" in h:
        bad.append("%s %s: Content-Encoding %r: the file is not sent as it is"
                   % (method, path, h["content-encoding"]))
    return r.status, h, data

def sha(b):
    return hashlib.sha256(b).hexdigest()

def rd(rel):
    return open(os.path.join(store, rel), "rb").read()

# .jprepo/ and other dot-paths: never served, however spelled.
secret = rd(".jprepo/imports.sqlite")
for path, content in [
        ("/.jprepo/imports.sqlite", secret),
        ("/.jprepo/", None),
        ("/.jprepo", None),
        ("/%2ejprepo/imports.sqlite", secret),
        ("/%2Ejprepo/imports%2Esqlite", secret),
        ("/rpm/../.jprepo/imports.sqlite", secret),
        ("/rpm/%2e%2e/.jprepo/imports.sqlite", secret),
        ("//.jprepo/imports.sqlite", secret),
        ("/./.jprepo/imports.sqlite", secret),
        ("/.jprepo/imports.sqlite?x=1", secret),
        ("/rpm/.jprepo/bundle", rd("rpm/.jprepo/bundle")),
        ("/deb/.jprepo/bundle", rd("deb/.jprepo/bundle"))]:
    st, h, b = req("GET", path)
    if st not in (403, 404):
        bad.append("GET %s: status %d, want 403 or 404" % (path, st))
    if b"SQLite format 3" in b or (content and content in b):
        bad.append("GET %s: the body holds the file" % path)
for extra in glob.glob(os.path.join(store, ".jprepo", "*")):
    path = "/.jprepo/" + os.path.basename(extra)
    st, h, b = req("GET", path)
    if st not in (403, 404):
        bad.append("GET %s: status %d, want 403 or 404" % (path, st))

# no directory listings
for path in ["/", "/rpm/", "/rpm/repodata/", "/deb/", "/deb/dists/stable/",
             "/deb/pool/main/"]:
    st, h, b = req("GET", path)
    if st == 200:
        bad.append("GET %s: 200, a listing? %r" % (path, b[:200]))
    for name in (b"repomd.xml", b"InRelease", b"hello_", b".rpm"):
        if name in b:
            bad.append("GET %s: the body names %r (a listing)" % (path, name))

# a symbolic link planted in the store is not followed
st, h, b = req("GET", "/rpm/passwd")
if st == 200 or b"root:" in b:
    bad.append("GET /rpm/passwd (a link to /etc/passwd): status %d, served" % st)

# only GET and HEAD
for method in ("PUT", "DELETE", "POST", "PATCH", "OPTIONS", "PROPFIND", "MKCOL"):
    st, h, b = req(method, "/rpm/repodata/repomd.xml", body=b"x" * 16,
                   headers={"Content-Type": "application/xml"})
    if st not in (403, 405):
        bad.append("%s /rpm/repodata/repomd.xml: status %d, want 403 or 405"
                   % (method, st))
    if st == 405 and not re.search(r"\bGET\b", h.get("allow", "")):
        bad.append("%s: 405 without an Allow header naming GET (RFC 9110 15.5.6): %r"
                   % (method, h.get("allow")))

# type and caching of each kind of file; the body is the file
def cache(h):
    return [d.strip().lower() for d in h.get("cache-control", "").split(",") if d.strip()]

def check(rel, types, kind):
    path = "/" + rel
    st, h, b = req("GET", path)
    if st != 200:
        bad.append("GET %s: status %d" % (path, st))
        return
    if sha(b) != sha(rd(rel)):
        bad.append("GET %s: the body differs from the file" % path)
    ct = h.get("content-type", "").split(";")[0].strip()
    if ct not in types:
        bad.append("GET %s: Content-Type %r, want %s" % (path, ct, " or ".join(types)))
    cc = cache(h)
    if kind == "meta":
        if "no-cache" not in cc and "no-store" not in cc:
            bad.append("GET %s (metadata): Cache-Control %r, want no-cache" % (path, cc))
    else:
        ages = [int(d.split("=", 1)[1]) for d in cc if d.startswith("max-age=")]
        if "no-cache" in cc or "no-store" in cc or "private" in cc or not ages or ages[0] <= 0:
            bad.append("GET %s (%s): Cache-Control %r, want cacheable (max-age > 0)"
                       % (path, kind, cc))
    st, h, b = req("HEAD", path)
    if st != 200 or b or h.get("content-length") != str(len(rd(rel))):
        bad.append("HEAD %s: status %d, Content-Length %r, body %d bytes; want 200, %d, 0"
                   % (path, st, h.get("content-length"), len(b), len(rd(rel))))

XML = ("application/xml", "text/xml")
SIG = ("application/pgp-signature",)
repomd = rd("rpm/repodata/repomd.xml").decode()
check("rpm/repodata/repomd.xml", XML, "meta")
check("rpm/repodata/repomd.xml.asc", SIG, "meta")
if os.path.exists(os.path.join(store, "rpm/repodata/repomd.xml.key")):
    check("rpm/repodata/repomd.xml.key", ("application/pgp-keys",), "meta")
hrefs = re.findall(r'<location href="(repodata/[^"]+)"', repomd)
if not hrefs:
    bad.append("no <location href> in repomd.xml")
for href in hrefs:
    t = {"gz": ("application/gzip", "application/x-gzip"),
         "xz": ("application/x-xz",), "zst": ("application/zstd",),
         "xml": XML}[href.rsplit(".", 1)[1]]
    check("rpm/" + href, t, "content-addressed metadata")
rpms = sorted(os.path.relpath(p, store) for p in glob.glob(os.path.join(store, "rpm", "**", "*.rpm"), recursive=True))
if len(rpms) != 5:
    bad.append("the store holds %d .rpm files, want 5" % len(rpms))
for rel in rpms:
    check(rel, ("application/x-rpm",), "package")
for name in ("InRelease", "Release", "Release.gpg"):
    check("deb/dists/stable/" + name,
          SIG if name.endswith(".gpg") else ("text/plain",), "meta")
for p in sorted(glob.glob(os.path.join(store, "deb/dists/stable/*/binary-*/Packages*"))):
    rel = os.path.relpath(p, store)
    t = {"gz": ("application/gzip", "application/x-gzip"),
         "xz": ("application/x-xz",)}.get(rel.rsplit(".", 1)[-1], ("text/plain",))
    check(rel, t, "meta")
byhash = sorted(glob.glob(os.path.join(store, "deb/dists/stable/*/binary-*/by-hash/SHA256/*")))
if not byhash:
    bad.append("no by-hash files in the store")
for p in byhash:
    check(os.path.relpath(p, store), ("application/octet-stream", "application/gzip",
          "application/x-xz", "text/plain"), "content-addressed metadata")
debs = sorted(os.path.relpath(p, store) for p in glob.glob(os.path.join(store, "deb", "pool", "**", "*.deb"), recursive=True))
if len(debs) != 3:
    bad.append("the store holds %d .deb files, want 3" % len(debs))
for rel in debs:
    check(rel, ("application/vnd.debian.binary-package",), "package")

# a range, as dnf and apt ask for when they resume a download
rel = debs[0] if debs else rpms[0]
st, h, b = req("GET", "/" + rel, headers={"Range": "bytes=10-19"})
if st != 206 or b != rd(rel)[10:20]:
    bad.append("GET /%s with Range: bytes=10-19: status %d, %d bytes" % (rel, st, len(b)))

for m in bad:
    print(m)
sys.exit(1 if bad else 0)
EOF

sum0=$(jp_tree_hash "$ST")
python3 "$T/httpcheck.py" "$port" "$ST" >"$T/http.out" 2>&1 ||
    fail "nginx with $sample does not serve the store as it should:
$(cat "$T/http.out")"
[ "$(jp_tree_hash "$ST")" = "$sum0" ] ||
    fail "the store changed while nginx answered GET, HEAD, PUT, DELETE, POST..."
rm -f "$ST/rpm/passwd"

# access_log LINE-PATTERN WHAT: fail unless nginx logged a request matching
# the extended regular expression LINE-PATTERN since the last reset.
log_has() {
	grep -Eq "$1" "$N/access.log" ||
	    fail "nginx's access log shows no $2 (pattern '$1'):
$(cat "$N/access.log")"
}
log_reset() {
	cp "$N/access.log" "$T/access.$(date +%s%N)" && : >"$N/access.log"
}

# --- dnf over http, repo_gpgcheck=1 ------------------------------------------------
# dnf_http ROOT KEY ARGS...: dnf -y in ROOT with the store's rpm repository
# over http as its only repository, repomd.xml's signature demanded
# (REFERENCE.md "Real clients").
dnf_http() {
	jp_hr=$1 jp_hk=$2
	shift 2
	jp_cmd="dnf --installroot=$jp_hr (key $jp_hk) $*"
	dnf -y --installroot="$jp_hr" --setopt=reposdir=/dev/null \
	    --releasever=1 --noplugins \
	    --repofrompath=store,"$base/rpm/" --repo=store \
	    --setopt=store.gpgcheck=0 --setopt=store.repo_gpgcheck=1 \
	    --setopt=store.gpgkey="file://$jp_hk" \
	    "$@" >"$T/dnf.out" 2>"$T/dnf.err" </dev/null
	rc=$?
	return 0
}

RW=$T/dnf-wrong
mkdir -p "$RW/etc" && echo rpmwrong >"$RW/etc/hostname"
log_reset
dnf_http "$RW" "$T/wrong.asc" install a-1-1.noarch
[ "$rc" != 0 ] || fail "$jp_cmd: dnf installed with another key than the signer's"
[ -z "$(jp_rpms "$RW" 2>/dev/null)" ] ||
    fail "dnf with the wrong key installed: $(jp_rpms "$RW")"
grep -Eqi 'signature verification|bad gpg signature' "$T/dnf.out" "$T/dnf.err" ||
    fail "$jp_cmd: refused, but not for the signature: $(cat "$T/dnf.out" "$T/dnf.err")"
note "dnf, wrong key: $(grep -Ehi 'signature verification|bad gpg signature' "$T/dnf.out" "$T/dnf.err" | head -n 1)"
log_has '"GET /rpm/repodata/repomd\.xml\.asc HTTP/1\.[01]" 200 ' \
    "fetch of repomd.xml.asc by dnf with the wrong key"

RD=$T/dnf-root
mkdir -p "$RD/etc" && echo rpmhost >"$RD/etc/hostname"
log_reset
dnf_http "$RD" "$T/key.asc" install a-1-1.noarch c-1-1.noarch
[ "$rc" = 0 ] || fail "$jp_cmd: exit $rc: $(cat "$T/dnf.out" "$T/dnf.err")"
jp_assert_rpms "$RD" "a-1-1.noarch c-1-1.noarch" "dnf over http from nginx"
log_has '"GET /rpm/repodata/repomd\.xml\.asc HTTP/1\.[01]" 200 ' \
    "fetch of repomd.xml.asc by dnf"
log_has '"GET /rpm/([^ ]*/)?c-1-1\.noarch\.rpm HTTP/1\.[01]" 200 ' \
    "download of c-1-1.noarch.rpm by dnf"

# --- apt over http, signed-by= -----------------------------------------------------
# apt_http_root ROOT HOST KEY: a Debian image (jp_apply_deb_root) that apt
# can run in (jp_apt_root), its only source the store's deb repository
# over http, signed by KEY.
apt_http_root() {
	jp_apply_deb_root "$1" "$2"
	jp_apt_root "$1" "$base/deb"
	echo "deb [signed-by=$3] $base/deb stable main" >"$1/etc/apt/sources.list"
}

RAW=$T/apt-wrong
apt_http_root "$RAW" debwrong "$T/wrong.gpg"
log_reset
jp_apt "$RAW" update
[ "$rc" != 0 ] || grep -Eq '^(E|W):' "$T/apt.out" "$T/apt.err" ||
    fail "apt-get update with another key than the signer's: no complaint:
$(cat "$T/apt.out" "$T/apt.err")"
grep -Eqi 'NO_PUBKEY|signature|not signed' "$T/apt.out" "$T/apt.err" ||
    fail "apt-get update with the wrong key: not refused for the signature:
$(cat "$T/apt.out" "$T/apt.err")"
note "apt, wrong key: exit $rc: $(grep -Ehi 'NO_PUBKEY|signature|not signed' "$T/apt.out" "$T/apt.err" | head -n 1)"
log_has '"GET /deb/dists/stable/InRelease HTTP/1\.[01]" 200 ' \
    "fetch of InRelease by apt with the wrong key"
jp_apt "$RAW" install hello=1.0-1
[ "$rc" != 0 ] || fail "apt-get installed hello from a repository signed by another key"
[ -z "$(jp_dpkg_states "$RAW")" ] ||
    fail "apt with the wrong key installed: $(jp_dpkg_states "$RAW")"

RA=$T/apt-root
apt_http_root "$RA" debhost "$T/key.gpg"
log_reset
jp_apt_ok "$RA" update
jp_apt_ok "$RA" install hello=1.0-1
[ "$(jp_dpkg_states "$RA")" = "ii hello 1.0-1 all" ] ||
    fail "apt over http from nginx: dpkg-query shows: $(jp_dpkg_states "$RA")"
log_has '"GET /deb/dists/stable/InRelease HTTP/1\.[01]" 200 ' \
    "fetch of InRelease by apt"
log_has '"GET /deb/pool/main/hello_1\.0-1_all\.deb HTTP/1\.[01]" 200 ' \
    "download of hello_1.0-1_all.deb by apt"

# --- jprepo apply over http ----------------------------------------------------------
# another key: refused, nothing changed
sum=$(jp_rpmdb_sum "$RD")
jp_expect 3 apply --repo "$base/rpm" --root "$RD" --keyring "$T/wrong.asc"
[ "$(jp_rpmdb_sum "$RD")" = "$sum" ] ||
    fail "apply with the wrong key changed the rpm database of $RD"
jp_assert_rpms "$RD" "a-1-1.noarch c-1-1.noarch" "after apply with the wrong key"

log_reset
jp_expect 0 apply --repo "$base/rpm" --root "$RD" --keyring "$T/key.asc"
jp_assert_rpms "$RD" "a-2-1.noarch c-2-1.noarch d-1-1.noarch" \
    "jprepo apply over http from nginx"
log_has '"GET /rpm/([^ ]*/)?d-1-1\.noarch\.rpm HTTP/1\.[01]" 200 ' \
    "download of d-1-1.noarch.rpm during jprepo apply"

jp_expect 3 apply --repo "$base/deb" --root "$RA" --keyring "$T/wrong.gpg"
[ "$(jp_dpkg_states "$RA")" = "ii hello 1.0-1 all" ] ||
    fail "apply with the wrong key changed $RA: $(jp_dpkg_states "$RA")"

log_reset
jp_expect 0 apply --repo "$base/deb" --root "$RA" --keyring "$T/key.gpg"
[ "$(jp_dpkg_states "$RA")" = "ii hello 2.0-1 all
ii libnew 1.0-1 $A" ] || fail "jprepo apply over http from nginx in $RA: dpkg-query shows:
$(jp_dpkg_states "$RA")"
log_has '"GET /deb/pool/main/libnew_1\.0-1_[a-z0-9]+\.deb HTTP/1\.[01]" 200 ' \
    "download of libnew during jprepo apply"

# --- A new bundle imported while nginx serves -------------------------------------
jp_mkrpm "$S/rpm" a 3 1
jp_apply_mkdeb "$S/deb" hello 3.0-1 all 'Depends: libnew (>= 1.0)'
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/rpm"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/deb"
jp_expect 0 export -o "$T/bundle2" --sign-key "$C/signer.key" \
    --sign-cert "$C/signer.pem" "$S/rpm" "$S/deb"
for f in rpm/repodata/repomd.xml deb/dists/stable/InRelease; do
	cp "$ST/$f" "$T/old.$(basename "$f")"
done
jp_expect 0 import --trust "$C/ca.pem" --store "$ST" "$T/bundle2"
cat >"$T/fresh.py" <<'EOF'
import http.client, sys
port, store, old = int(sys.argv[1]), sys.argv[2], sys.argv[3]
bad = []
for rel, oldf in (("rpm/repodata/repomd.xml", "repomd.xml"),
                  ("deb/dists/stable/InRelease", "InRelease")):
    want = open(store + "/" + rel, "rb").read()
    if want == open(old + "." + oldf, "rb").read():
        bad.append("%s did not change with the second import (the test needs it)" % rel)
    for method in ("HEAD", "GET"):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request(method, "/" + rel)
        r = c.getresponse()
        b = r.read()
        c.close()
        if r.status != 200 or r.getheader("Content-Length") != str(len(want)):
            bad.append("%s /%s after the import: %d, Content-Length %s, want 200, %d"
                       % (method, rel, r.status, r.getheader("Content-Length"), len(want)))
        if method == "GET" and b != want:
            bad.append("GET /%s after the import: not the new file (%d bytes)" % (rel, len(b)))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
python3 "$T/fresh.py" "$port" "$ST" "$T/old" >"$T/fresh.out" 2>&1 ||
    fail "nginx after an import into the store it serves:
$(cat "$T/fresh.out")"

log_reset
jp_expect 0 apply --repo "$base/rpm" --root "$RD" --keyring "$T/key.asc"
jp_assert_rpms "$RD" "a-3-1.noarch c-2-1.noarch d-1-1.noarch" \
    "jprepo apply over http after the second import"
log_has '"GET /rpm/([^ ]*/)?a-3-1\.noarch\.rpm HTTP/1\.[01]" 200 ' \
    "download of a-3-1.noarch.rpm"
jp_apt_ok "$RA" update
jp_apt_ok "$RA" install hello
[ "$(jp_dpkg_states "$RA")" = "ii hello 3.0-1 all
ii libnew 1.0-1 $A" ] || fail "apt-get after the second import in $RA: dpkg-query shows:
$(jp_dpkg_states "$RA")"
log_has '"GET /deb/pool/main/hello_3\.0-1_all\.deb HTTP/1\.[01]" 200 ' \
    "download of hello_3.0-1_all.deb by apt"

# Nothing went wrong inside nginx (a worker that cannot read the store
# logs "Permission denied" here).
! grep -E '\[(crit|alert|emerg)\]|Permission denied' "$N/error.log" >"$T/ngerr" ||
    fail "nginx's error log: $(cat "$T/ngerr")"
exit 0
