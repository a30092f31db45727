#!/bin/sh
# t4000-bundle-roundtrip: a store holding a signed RPM-MD and a signed APT
# repository travels in a bundle of several small volumes (a file split
# across volumes) to a new store: the bundle is checked byte by byte
# against its MANIFEST by an independent reader (python's tarfile and
# hashlib), MANIFEST.sig by `openssl cms -verify`; the imported trees equal
# the originals file for file (sha256 of each), pass `jprepo verify
# --keyring` and serve dnf (repo_gpgcheck=1) and apt (signed-by=) in
# scratch roots.  Then new package versions are added, the repositories
# rebuilt and signed, and an incremental bundle (`export --since`) carries
# exactly the changed files (the others as `keep`, the removed ones as
# `delete`); once imported, dnf and apt upgrade to the new versions.  A
# full bundle made later has a higher sequence than all earlier ones and
# imports too.  A file with the same content in both repositories travels
# once (`copy`) and lands in both.  `bundle info --json` agrees with the
# MANIFEST.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$JP_SRCDIR/tests/bundle-lib.sh"
need_jprepo
need_root "dnf and apt install into scratch roots"
need_cmd openssl gpg gpgconf dnf rpm rpmbuild apt-get dpkg dpkg-deb python3 diff

C=$T/certs
mkdir "$C" && jp_cms_certs "$C"
H=$T/gnupg
jp_test_key "$H" 'jprepo bundle test <bundle@example.com>' rsa3072
fpr=$jp_fpr
gpg --homedir "$H" --armor --export "$fpr" >"$T/key.asc"
gpg --homedir "$H" --export "$fpr" >"$T/key.gpg"
VOL=65536

# --- An independent reader of bundles ---------------------------------------
# checkbundle.py BUNDLEDIR VOLMAX LIST [STORE]: check BUNDLEDIR against the
# MANIFEST format of jprepo-bundle(5): line order and syntax, each volume's
# size (<= VOLMAX) and frame-sha256, each volume a tar archive (python's
# tarfile) whose entries are JPREPO-VOLUME and then exactly the parts the
# MANIFEST lists at exactly their offsets (mode 0644, owner 0, with STORE
# the mtime of the file in STORE), ending in 1024 zero bytes; each carried
# file's sha256 and size over its parts.  Writes "KIND SHA256 SIZE PATH"
# (file, copy, keep) and "delete - - PATH" lines to LIST; prints a summary
# "volumes=N split=N file=N copy=N keep=N delete=N id=ID seq=N base=B
# storeid=S".
cat >"$T/checkbundle.py" <<'EOF'
import hashlib, os, re, sys, tarfile

def die(msg):
    sys.stderr.write("checkbundle: %s\n" % msg)
    sys.exit(1)

bdir, volmax, listout = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = sys.argv[4] if len(sys.argv) > 4 else None
raw = open(os.path.join(bdir, "MANIFEST"), "rb").read()
if not raw.endswith(b"\n"):
    die("MANIFEST does not end in a line feed")
if b"\r" in raw:
    die("MANIFEST has a carriage return")
lines = raw[:-1].decode("utf-8").split("\n")
pos = 0
NUM = r"(?:0|[1-9][0-9]*)"       # decimal, no leading zeros
NUM1 = r"[1-9][0-9]*"

def take(rx, what):
    global pos
    if pos >= len(lines):
        die("MANIFEST ends before the %s line" % what)
    m = re.fullmatch(rx, lines[pos])
    if not m:
        die("MANIFEST line %d is not a %s line: %r" % (pos + 1, what, lines[pos]))
    pos += 1
    return m

def peek(word):
    return pos < len(lines) and lines[pos].startswith(word + " ")

take(r"jprepo-bundle 1", "jprepo-bundle 1")
bid = take(r"bundle ([0-9a-f]{32})", "bundle").group(1)
m = take(r"store ([0-9a-f]{32}) (\S.*)", "store")
storeid = m.group(1)
seq = int(take(r"sequence (%s)" % NUM1, "sequence").group(1))
m = take(r"base (-|[0-9a-f]{32} %s)" % NUM1, "base")
base = m.group(1)
take(r"created \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "created")
repos = []
while peek("repo"):
    repos.append(take(r"repo (?:rpm-md|apt) ([^ /]+)", "repo").group(1))
if not repos or repos != sorted(repos, key=lambda s: s.encode()):
    die("repo lines missing or not sorted: %r" % repos)
vols = []
while peek("volume"):
    m = take(r"volume (%s) (%s) ([0-9a-f]{64}) (\S+)" % (NUM1, NUM), "volume")
    if int(m.group(1)) != len(vols) + 1:
        die("volume %s out of order" % m.group(1))
    if m.group(4) != "vol-%04d.tar" % int(m.group(1)):
        die("volume %s is named %r" % (m.group(1), m.group(4)))
    vols.append((m.group(4), int(m.group(2)), m.group(3)))
if not vols:
    die("no volume lines")

def checkpath(p):
    comps = p.split("/")
    if len(comps) < 2 or comps[0] not in repos:
        die("path %r is not under a repo" % p)
    for c in comps:
        if c in ("", ".", ".."):
            die("bad component in path %r" % p)
        if c.startswith(".jprepo"):
            die("path %r should not travel" % p)
    if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in p):
        die("control character in path %r" % p)

entries = []          # (kind, sha, size, path, parts)
while pos < len(lines) and lines[pos].split(" ")[0] in ("file", "copy", "keep"):
    m = take(r"(file|copy|keep) ([0-9a-f]{64}) (%s) (.+)" % NUM, "file/copy/keep")
    kind, sha, size, path = m.group(1), m.group(2), int(m.group(3)), m.group(4)
    checkpath(path)
    parts = []
    if kind == "file":
        while peek("part"):
            p = take(r"part (%s) (%s) (%s)" % (NUM1, NUM, NUM), "part")
            parts.append(tuple(int(x) for x in p.groups()))
        if not parts:
            die("file %r has no part lines" % path)
        if sum(p[2] for p in parts) != size:
            die("parts of %r do not add up to %d" % (path, size))
        if size == 0 and len(parts) != 1:
            die("empty file %r has %d parts" % (path, len(parts)))
        for a, b in zip(parts, parts[1:]):
            if b[0] != a[0] + 1:
                die("parts of %r are not in consecutive volumes" % path)
    if kind == "keep" and base == "-":
        die("keep line in a full bundle: %r" % path)
    entries.append((kind, sha, size, path, parts))
deletes = []
while peek("delete"):
    p = take(r"delete (.+)", "delete").group(1)
    checkpath(p)
    deletes.append(p)
take(r"end", "end")
if pos != len(lines):
    die("lines after end")
if deletes and base == "-":
    die("delete lines in a full bundle")
keys = [e[3].encode() for e in entries]
if keys != sorted(keys) or len(set(keys)) != len(keys):
    die("file/copy/keep paths not sorted or not unique")
if [d.encode() for d in deletes] != sorted(d.encode() for d in deletes):
    die("delete lines not sorted")
if set(deletes) & set(e[3] for e in entries):
    die("a deleted path is also listed")
known = {(e[1], e[2]) for e in entries if e[0] in ("file", "keep")}
for e in entries:
    if e[0] == "copy" and (e[1], e[2]) not in known:
        die("copy %r has no file or keep with its sha256" % e[3])
    if e[0] != "file" and e[4]:
        die("%s %r has part lines" % (e[0], e[3]))

# The volumes, each read by tarfile.
pervol = [[] for _ in vols]
for e in entries:
    for (v, off, ln) in e[4]:
        if v > len(vols):
            die("part of %r in volume %d of %d" % (e[3], v, len(vols)))
        pervol[v - 1].append((e[3], off, ln, e))
data = {}
for i, (name, size, fsha) in enumerate(vols):
    n = i + 1
    fn = os.path.join(bdir, name)
    blob = open(fn, "rb").read()
    if len(blob) != size:
        die("%s: %d bytes, MANIFEST says %d" % (name, len(blob), size))
    if size > volmax:
        die("%s: %d bytes, more than the volume size %d" % (name, size, volmax))
    tf = tarfile.open(fn, "r:")
    mem = tf.getmembers()
    if not mem or mem[0].name != "JPREPO-VOLUME" or not mem[0].isreg():
        die("%s: first entry is not JPREPO-VOLUME" % name)
    want = ("jprepo-bundle 1\nbundle %s\nvolume %d\n" % (bid, n)).encode()
    if tf.extractfile(mem[0]).read() != want:
        die("%s: JPREPO-VOLUME content is wrong" % name)
    if len(mem) - 1 != len(pervol[i]):
        die("%s: %d entries after JPREPO-VOLUME, MANIFEST has %d parts" %
            (name, len(mem) - 1, len(pervol[i])))
    for m, (path, off, ln, e) in zip(mem[1:], pervol[i]):
        if m.name != path or not m.isreg() or m.size != ln or m.offset_data != off:
            die("%s: entry %r size %d at %d, MANIFEST: %r %d at %d" %
                (name, m.name, m.size, m.offset_data, path, ln, off))
        if m.mode & 0o7777 != 0o644 or m.uid != 0 or m.gid != 0:
            die("%s: entry %r has mode %o uid %d gid %d" %
                (name, path, m.mode, m.uid, m.gid))
        if store is not None:
            mt = int(os.stat(os.path.join(store, path)).st_mtime)
            if int(m.mtime) != mt:
                die("%s: entry %r has mtime %d, the file %d" % (name, path, m.mtime, mt))
    last = mem[-1]
    end = last.offset_data + (last.size + 511) // 512 * 512
    if len(blob) != end + 1024 or blob[end:] != bytes(1024):
        die("%s: does not end right after the last entry with 1024 zero bytes" % name)
    h = hashlib.sha256()
    at = 0
    for (path, off, ln, e) in sorted(pervol[i], key=lambda x: x[1]):
        h.update(blob[at:off])
        data.setdefault(path, []).append(blob[off:off + ln])
        at = off + ln
    h.update(blob[at:])
    if h.hexdigest() != fsha:
        die("%s: frame sha256 %s, MANIFEST says %s" % (name, h.hexdigest(), fsha))
split = 0
for e in entries:
    if e[0] != "file":
        continue
    content = b"".join(data.get(e[3], []))
    if len(content) != e[2] or hashlib.sha256(content).hexdigest() != e[1]:
        die("the parts of %r do not give its size and sha256" % e[3])
    if len(e[4]) > 1:
        split += 1
with open(listout, "w") as f:
    for e in entries:
        f.write("%s %s %d %s\n" % (e[0], e[1], e[2], e[3]))
    for d in deletes:
        f.write("delete - - %s\n" % d)
count = lambda k: sum(1 for e in entries if e[0] == k)
print("volumes=%d split=%d file=%d copy=%d keep=%d delete=%d id=%s seq=%d base=%s storeid=%s" %
      (len(vols), split, count("file"), count("copy"), count("keep"), len(deletes),
       bid, seq, base.replace(" ", ":"), storeid))
EOF

# check_bundle DIR [STORE]: run checkbundle.py over DIR (list in DIR.list,
# summary fields as variables b_volumes, b_split, b_file, ...).
check_bundle() {
	python3 "$T/checkbundle.py" "$1" "$VOL" "$1.list" ${2:+"$2"} \
	    >"$T/cb.out" 2>"$T/cb.err" ||
	    fail "bundle $1 does not match its MANIFEST: $(cat "$T/cb.err")"
	for kv in $(cat "$T/cb.out"); do
		eval "b_${kv%%=*}=\${kv#*=}"
	done
}

# tree_list STORE: "sha256 size path" of every regular file in the
# repositories of STORE that should travel (nothing named .jprepo*), by
# path; fails on anything but files and directories there.
tree_list() {
	python3 - "$1" <<'EOF'
import hashlib, os, stat, sys
top = sys.argv[1]
out = []
for repo in sorted(os.listdir(top)):
    if repo.startswith(".jprepo"):
        continue
    for d, dirs, files in os.walk(os.path.join(top, repo)):
        dirs[:] = [x for x in dirs if not x.startswith(".jprepo")]
        for f in files:
            if f.startswith(".jprepo"):
                continue
            p = os.path.join(d, f)
            st = os.lstat(p)
            if not stat.S_ISREG(st.st_mode):
                sys.exit("not a regular file: " + p)
            b = open(p, "rb").read()
            out.append("%s %d %s" % (hashlib.sha256(b).hexdigest(), len(b),
                                     os.path.relpath(p, top)))
out.sort(key=lambda l: l.split(" ", 2)[2].encode())
print("\n".join(out))
EOF
}

# same_trees A B WHAT: fail unless the repositories of stores A and B hold
# the same files with the same content (.jprepo* left out; empty
# directories do not travel).
same_trees() {
	tree_list "$1" >"$T/tree.a" || fail "cannot list $1"
	tree_list "$2" >"$T/tree.b" || fail "$3: cannot list $2"
	diff -u "$T/tree.a" "$T/tree.b" >"$T/diff.out" ||
	    fail "$3: the imported store differs from the exporting one (- $1, + $2):
$(head -n 30 "$T/diff.out")"
	[ -s "$T/tree.a" ] || fail "$3: $1 is empty"
}

# A fresh dnf cache for every call: the repository changes between them.
dnf_n=0
dnf_signed() { # dnf_signed ROOT REPO ARGS...
	jp_sr=$1 jp_srepo=$2
	shift 2
	dnf_n=$((dnf_n + 1))
	dnf -y --installroot="$jp_sr" --setopt=reposdir=/dev/null --releasever=1 \
	    --noplugins --setopt=cachedir="$T/dnfcache.$dnf_n" \
	    --repofrompath=local,"file://$jp_srepo" --setopt=local.gpgcheck=0 \
	    --setopt=local.repo_gpgcheck=1 --setopt=local.gpgkey="file://$T/key.asc" \
	    "$@" >"$T/dnf.out" 2>&1 ||
	    fail "dnf $* (repo_gpgcheck=1) over $jp_srepo failed:
$(tail -n 20 "$T/dnf.out")"
}
rpm_version() { # rpm_version ROOT NAME
	rpm --root "$1" -q --qf '%{version}-%{release}\n' "$2" 2>/dev/null
}
deb_version() { # deb_version ROOT NAME
	jp_dpkg_installed "$1" | awk -v n="$2" '$1 == n { print $2 }'
}

EXPORT="export --sign-key $C/signer.key --sign-cert $C/signer.pem --volume-size 64K"

# --- The connected side --------------------------------------------------------
S=$T/store
A=$T/air
jp_copy_corpus "$S/rpm"
jp_copy_deb_corpus "$S/deb"
mkdir "$T/later"
mv "$S/rpm/noarch/hello-2.0-1.noarch.rpm" "$S/deb/pool/main/h/hello/hello_2.0-1_all.deb" \
    "$T/later/" || fail "the corpus has no hello 2.0"
# One content in both repositories; a dot-file; build scratch that stays.
mkdir "$S/rpm/pub" "$S/deb/pub" "$S/deb/.jprepo-scratch"
cp "$T/key.asc" "$S/rpm/pub/jprepo.asc"
cp "$T/key.asc" "$S/deb/pub/jprepo.asc"
echo 'kept in the bundle' >"$S/rpm/.notes"
echo 'not in the bundle' >"$S/deb/.jprepo-scratch/junk"
echo 'not in the bundle' >"$S/deb/.jprepo-old"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/rpm"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/deb"
[ -f "$S/rpm/.jprepo/cache.sqlite" ] && [ -f "$S/deb/.jprepo/cache.sqlite" ] ||
    fail "jprepo build made no .jprepo/cache.sqlite (the test wants one left out)"
tree_list "$S" >"$T/sums1" || fail "cannot list $S"

# --- Bundle 1: full -----------------------------------------------------------
jp_expect 0 $EXPORT -o "$T/b1" "$S/rpm" "$S/deb"
for f in MANIFEST MANIFEST.sig vol-0001.tar; do
	[ -f "$T/b1/$f" ] || fail "export wrote no $f"
done
ls "$T/b1" | grep -Ev '^(MANIFEST|MANIFEST\.sig|vol-[0-9]{4}\.tar)$' >"$T/extra" &&
    fail "export left other files in the bundle: $(cat "$T/extra")"
jp_cms_check "$T/b1/MANIFEST" "$T/b1/MANIFEST.sig" "$C/ca.pem" ||
    fail "openssl cms -verify refuses MANIFEST.sig against the CA"
jp_cms_check "$T/b1/MANIFEST" "$T/b1/MANIFEST.sig" "$C/other-ca.pem" &&
    fail "openssl cms -verify accepts MANIFEST.sig against another CA (broken oracle)"
check_bundle "$T/b1" "$S"
[ "$b_volumes" -ge 3 ] || fail "bundle 1 has $b_volumes volumes, want >= 3 at 64K"
[ "$b_split" -ge 1 ] || fail "no file of bundle 1 is split across volumes"
[ "$b_seq" = 1 ] && [ "$b_base" = - ] ||
    fail "bundle 1: sequence $b_seq base $b_base, want 1 and -"
id1=$b_id sid=$b_storeid
grep -q "^store $sid store\$" "$T/b1/MANIFEST" ||
    fail "bundle 1: the store name is not the parent directory's: $(grep '^store ' "$T/b1/MANIFEST")"
grep -qx 'repo apt deb' "$T/b1/MANIFEST" && grep -qx 'repo rpm-md rpm' "$T/b1/MANIFEST" ||
    fail "bundle 1: repo lines wrong: $(grep '^repo ' "$T/b1/MANIFEST")"
note "bundle 1: $(cat "$T/cb.out")"
# Exactly the store's files travel, with their sha256 and size.
cut -d' ' -f2- "$T/b1.list" | LC_ALL=C sort >"$T/listed"
LC_ALL=C sort "$T/sums1" >"$T/want"
diff -u "$T/want" "$T/listed" >"$T/d" ||
    fail "bundle 1 lists other files than the store holds (- store, + MANIFEST):
$(cat "$T/d")"
grep -q ' rpm/\.notes$' "$T/b1.list" || fail "the dot-file rpm/.notes does not travel"
# The shared content travels once: one file line, one copy line.
ksha=$(sha256sum <"$T/key.asc" | cut -d' ' -f1)
[ "$(grep -c "^file $ksha " "$T/b1.list")" = 1 ] &&
    grep -qx "copy $ksha [0-9]* rpm/pub/jprepo.asc" "$T/b1.list" ||
    fail "the key in both repositories is not carried once and copied once:
$(grep " $ksha " "$T/b1.list")"
dups=$(awk '$1 == "file" { print $2 }' "$T/b1.list" | sort | uniq -d)
[ -z "$dups" ] || fail "content carried twice in bundle 1: $dups"

# --- Import into a new store (made by the import) ------------------------------
jp_expect 0 import --trust "$C/ca.pem" --store "$A" "$T/b1"
same_trees "$S" "$A" "bundle 1"
for r in rpm deb; do
	grep -q "$id1" "$A/$r/.jprepo/bundle" 2>/dev/null ||
	    fail "$A/$r/.jprepo/bundle does not name bundle $id1"
	jp_expect 0 verify --packages --keyring "$T/key.gpg" "$A/$r"
done
[ ! -e "$A/.jprepo/import" ] || [ -z "$(ls -A "$A/.jprepo/import")" ] ||
    fail "the import left a staging tree: $(ls -A "$A/.jprepo/import")"
cmp -s "$A/rpm/pub/jprepo.asc" "$T/key.asc" && cmp -s "$A/deb/pub/jprepo.asc" "$T/key.asc" ||
    fail "the copied file did not land in both repositories"

dnf_signed "$T/root" "$A/rpm" install hello demo-app
[ "$(rpm_version "$T/root" hello)" = 1.1-1 ] ||
    fail "dnf installed hello $(rpm_version "$T/root" hello) from the import, want 1.1-1"
[ "$(rpm_version "$T/root" demo-app)" = 3.2-1 ] || fail "demo-app not installed by dnf"
jp_apt_root "$T/aroot" "$A/deb"
echo "deb [signed-by=$T/key.gpg] file:$A/deb stable main" >"$T/aroot/etc/apt/sources.list"
jp_apt_ok "$T/aroot" update
jp_apt_ok "$T/aroot" install hello demo-app
[ "$(deb_version "$T/aroot" hello)" = 1.1-1 ] ||
    fail "apt installed hello $(deb_version "$T/aroot" hello) from the import, want 1.1-1"

# --- New versions on the connected side; bundle 2: incremental ----------------
mv "$T/later/hello-2.0-1.noarch.rpm" "$S/rpm/noarch/"
mv "$T/later/hello_2.0-1_all.deb" "$S/deb/pool/main/h/hello/"
sh "$JP_SRCDIR/tests/mkrpms.sh" -p newpkg,1.0,1 "$S/rpm/new" >"$T/mk.log" 2>&1 ||
    fail "mkrpms.sh -p newpkg: $(cat "$T/mk.log")"
sh "$JP_SRCDIR/tests/mkdebs.sh" -p newpkg,1.0-1 "$S/deb/pool/main/n/newpkg" >"$T/mk.log" 2>&1 ||
    fail "mkdebs.sh -p newpkg: $(cat "$T/mk.log")"
rm "$S/rpm/noarch/zeroepoch-1-1.noarch.rpm" "$S/deb/pool/main/z/zstpkg/zstpkg_1.0-1_all.deb"
printf 'news of the day\n' >"$S/rpm/pub/NEWS"
printf 'news of the day\n' >"$S/deb/pub/NEWS"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/rpm"
jp_expect 0 build --sign "$fpr" --homedir "$H" "$S/deb"
tree_list "$S" >"$T/sums2" || fail "cannot list $S"

jp_expect 0 $EXPORT --since "$T/b1/MANIFEST" -o "$T/b2" "$S/rpm" "$S/deb"
jp_cms_check "$T/b2/MANIFEST" "$T/b2/MANIFEST.sig" "$C/ca.pem" ||
    fail "openssl cms -verify refuses bundle 2's MANIFEST.sig"
check_bundle "$T/b2" "$S"
note "bundle 2: $(cat "$T/cb.out")"
[ "$b_seq" = 2 ] && [ "$b_base" = "$id1:1" ] ||
    fail "bundle 2: sequence $b_seq base $b_base, want 2 and $id1:1"
[ "$b_storeid" = "$sid" ] || fail "bundle 2 has store id $b_storeid, bundle 1 $sid"
id2=$b_id
[ "$id2" != "$id1" ] || fail "bundles 1 and 2 have one id"
# Changed and new paths are carried (file or copy), unchanged ones kept,
# removed ones deleted; with the sha256 and size of the store's files.
LC_ALL=C sort "$T/sums2" >"$T/s2"
LC_ALL=C sort "$T/sums1" >"$T/s1"
# Metadata (REPO/repodata/..., REPO/dists/...) always travels, changed or
# not: the isolated side may have rebuilt and re-signed it (import --sign).
LC_ALL=C comm -13 "$T/s1" "$T/s2" >"$T/changed.only"
LC_ALL=C comm -12 "$T/s1" "$T/s2" >"$T/unchanged.all"
awk '{ split($3, p, "/"); if (p[2] == "repodata" || p[2] == "dists") print }' \
    "$T/unchanged.all" >"$T/unchanged.md"
grep -v -F -x -f "$T/unchanged.md" "$T/unchanged.all" >"$T/unchanged" || :
cat "$T/changed.only" "$T/unchanged.md" | LC_ALL=C sort >"$T/changed"
cut -d' ' -f3- "$T/s1" | LC_ALL=C sort >"$T/p1"
cut -d' ' -f3- "$T/s2" | LC_ALL=C sort >"$T/p2"
LC_ALL=C comm -23 "$T/p1" "$T/p2" >"$T/removed"
[ -s "$T/changed" ] && [ -s "$T/removed" ] || fail "the test changed nothing in the store"
awk '$1 == "file" || $1 == "copy"' "$T/b2.list" | cut -d' ' -f2- | LC_ALL=C sort >"$T/got"
diff -u "$T/changed" "$T/got" >"$T/d" ||
    fail "bundle 2 carries other files than those changed (- changed, + file/copy lines):
$(cat "$T/d")"
awk '$1 == "keep"' "$T/b2.list" | cut -d' ' -f2- | LC_ALL=C sort >"$T/got"
diff -u "$T/unchanged" "$T/got" >"$T/d" ||
    fail "bundle 2 keeps other files than the unchanged ones (- unchanged, + keep lines):
$(cat "$T/d")"
awk '$1 == "delete"' "$T/b2.list" | cut -d' ' -f4- | LC_ALL=C sort >"$T/got"
diff -u "$T/removed" "$T/got" >"$T/d" ||
    fail "bundle 2 deletes other files than those removed (- removed, + delete lines):
$(cat "$T/d")"
nsha=$(printf 'news of the day\n' | sha256sum | cut -d' ' -f1)
grep -qx "file $nsha 16 deb/pub/NEWS" "$T/b2.list" &&
    grep -qx "copy $nsha 16 rpm/pub/NEWS" "$T/b2.list" ||
    fail "the new file in both repositories is not carried once and copied once:
$(grep "/NEWS" "$T/b2.list")"
s1=$(cat "$T"/b1/vol-*.tar | wc -c)
s2=$(cat "$T"/b2/vol-*.tar | wc -c)
[ "$s2" -lt "$s1" ] || fail "the incremental bundle ($s2 bytes) is not smaller than the full one ($s1)"
# bundle info agrees with the MANIFEST as checkbundle.py read it.
jp_expect 0 bundle info --trust "$C/ca.pem" --json "$T/b2"
python3 - "$T/out" "$id2" 2 "$b_volumes" "$b_file" "$b_copy" "$b_keep" "$b_delete" \
    >"$T/json.err" 2>&1 <<'EOF' || fail "bundle info --json $T/b2: $(cat "$T/json.err")"
import json, sys
d = json.load(open(sys.argv[1]))
want = sys.argv[2:]
got = [d["bundle"], str(d["sequence"]), str(len(d["volumes"])),
       str(d["files"]["carried"]), str(d["files"]["copied"]),
       str(d["files"]["kept"]), str(d["files"]["deleted"])]
if got != want:
    sys.exit("id, sequence, volumes, carried, copied, kept, deleted: %s, MANIFEST: %s" % (got, want))
if d["signature"] != "good":
    sys.exit("signature: %r with --trust of the right CA" % d["signature"])
EOF
jp_expect 3 bundle info --trust "$C/other-ca.pem" --json "$T/b2"
jp_expect 0 bundle verify --trust "$C/ca.pem" --store "$A" "$T/b2"

jp_expect 0 import --trust "$C/ca.pem" --store "$A" "$T/b2"
same_trees "$S" "$A" "bundle 2"
for r in rpm deb; do
	grep -q "$id2" "$A/$r/.jprepo/bundle" 2>/dev/null ||
	    fail "$A/$r/.jprepo/bundle does not name bundle $id2 after its import"
	jp_expect 0 verify --packages --keyring "$T/key.gpg" "$A/$r"
done

dnf_signed "$T/root" "$A/rpm" upgrade
dnf_signed "$T/root" "$A/rpm" install newpkg
[ "$(rpm_version "$T/root" hello)" = 2.0-1 ] ||
    fail "dnf upgraded hello to $(rpm_version "$T/root" hello) after the incremental import, want 2.0-1"
[ "$(rpm_version "$T/root" newpkg)" = 1.0-1 ] || fail "dnf did not install newpkg 1.0-1"
jp_apt_ok "$T/aroot" update
jp_apt_ok "$T/aroot" install hello newpkg
[ "$(deb_version "$T/aroot" hello)" = 2.0-1 ] ||
    fail "apt upgraded hello to $(deb_version "$T/aroot" hello) after the incremental import, want 2.0-1"
[ "$(deb_version "$T/aroot" newpkg)" = 1.0-1 ] || fail "apt did not install newpkg 1.0-1"

# --- Bundle 3: full again, later: a higher sequence; imports over bundle 2 ----
jp_expect 0 $EXPORT -o "$T/b3" "$S/rpm" "$S/deb"
check_bundle "$T/b3" "$S"
[ "$b_seq" -gt 2 ] && [ "$b_base" = - ] ||
    fail "the full bundle made after bundles 1 and 2 has sequence $b_seq base $b_base"
[ "$b_storeid" = "$sid" ] || fail "bundle 3 has store id $b_storeid, bundle 1 $sid"
id3=$b_id
jp_expect 0 import --trust "$C/ca.pem" --store "$A" "$T/b3"
same_trees "$S" "$A" "bundle 3"
grep -q "$id3" "$A/rpm/.jprepo/bundle" 2>/dev/null ||
    fail "$A/rpm/.jprepo/bundle does not name bundle $id3 after its import"
exit 0
