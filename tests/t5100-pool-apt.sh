#!/bin/sh
# t5100-pool-apt: the package pool read from an APT repository
# (jp_pool_add_apt, printed by tests/aptread-dump) holds what apt itself
# reads from it: the same (name, architecture, version) set, the same
# Filename and source package name, and the same Depends/Pre-Depends and
# Conflicts/Breaks groups as `apt-cache depends` shows them (apt's parsed
# view: alternatives, operators, versions).  Once for an amd64 system
# (binary-amd64 and binary-all) and once for amd64 with i386 added against
# the pool of every architecture.  The repository is the .deb corpus
# (tests/mkdebs.sh) published by jprepo build, then again with a hand-made
# second suite that has only an InRelease and only Packages.xz indexes;
# last a hand-written index with architecture qualifiers (apt keeps them
# in the name, the pool drops them: compared without), the deprecated
# "<" and ">" (apt reads "<=" and ">="), and odd spacing.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need_jprepo
need_cmd apt-get apt-cache apt-ftparchive dpkg-deb xz gpg sha256sum
: "${APTREAD_DUMP:=$JP_BUILDDIR/tests/aptread-dump}"
[ -x "$APTREAD_DUMP" ] ||
    fail "test program '$APTREAD_DUMP' not found (make check builds it)"

jp_copy_deb_corpus "$T/repo"
jp_expect 0 build "$T/repo"

# apt_view ROOT OUT: the P, L and D lines (see aptread-dump.c) of what
# apt in ROOT has read, sorted.
apt_view() {
	jp_apt_cache "$1" pkgnames
	[ "$rc" = 0 ] || fail "apt-cache pkgnames: $(cat "$T/apt.err")"
	# every architecture apt knows of, native first
	jp_archs=$(APT_CONFIG=$1/apt.conf apt-config dump APT::Architectures |
	    sed -n 's/^APT::Architectures:: "\(.*\)";$/\1/p')
	[ -n "$jp_archs" ] || fail "no APT::Architectures in $1"
	jp_sel=
	for jp_n in $(cat "$T/apt.out"); do
		for jp_a in $jp_archs; do
			jp_sel="$jp_sel $jp_n:$jp_a"
		done
	done
	# shellcheck disable=SC2086
	jp_apt_cache "$1" show $jp_sel
	[ "$rc" = 0 ] || fail "apt-cache show: $(cat "$T/apt.err")"
	awk '
	function flush() {
		if (pkg == "") return
		src = source == "" ? pkg : source
		sub(/ .*/, "", src)
		print "P " pkg " " arch " " ver
		print "L " pkg " " arch " " ver " " src " " fn
		pkg = ""; source = ""
	}
	/^$/ { flush(); next }
	/^Package: / { pkg = substr($0, 10) }
	/^Architecture: / { arch = substr($0, 15) }
	/^Version: / { ver = substr($0, 10) }
	/^Source: / { source = substr($0, 9) }
	/^Filename: / { fn = substr($0, 11) }
	END { flush() }' "$T/apt.out" | LC_ALL=C sort -u >"$T/apt.pl"
	grep '^P ' "$T/apt.pl" >"$2"
	grep '^L ' "$T/apt.pl" >>"$2"
	# dependencies: one apt-cache depends per version
	jp_native=$(echo "$jp_archs" | head -n 1)
	grep '^P ' "$T/apt.pl" | while read -r _ jp_n jp_a jp_v; do
		jp_q=$jp_a
		[ "$jp_a" = all ] && jp_q=$jp_native
		jp_apt_cache "$1" depends -o APT::Cache::ShowVersion=1 \
		    --no-recommends --no-suggests --no-enhances --no-replaces \
		    "$jp_n:$jp_q=$jp_v"
		[ "$rc" = 0 ] ||
		    fail "apt-cache depends $jp_n:$jp_q=$jp_v: $(cat "$T/apt.err")"
		awk -v key="$jp_n:$jp_a=$jp_v" '
		NR == 1 || /^    / { next }
		{
			l = $0
			alt = substr(l, 2, 1) == "|"
			sub(/^[ |]+/, "", l)
			i = index(l, ": ")
			type = substr(l, 1, i - 1)
			rest = substr(l, i + 2)
			if (type == "PreDepends" || type == "Depends") t = "Req"
			else if (type == "Conflicts" || type == "Breaks") t = "Con"
			else next
			name = rest; sub(/ .*/, "", name)
			vers = substr(rest, length(name) + 1)
			gsub(/^<|>$/, "", name)
			sub(/:.*/, "", name)
			item = name vers
			if (open) group = group " | " item
			else group = "D " key " " t ": " item
			open = alt
			if (!open) print group
		}' "$T/apt.out"
	done | LC_ALL=C sort >>"$2"
}

# pool_view ARCH OUT: the same lines from the pool.
pool_view() {
	"$APTREAD_DUMP" "${POOL_REPO:-$T/repo}" $1 >"$T/pool.raw" 2>"$T/pool.err" ||
	    fail "aptread-dump $T/repo $1: $(cat "$T/pool.err")"
	{
		grep '^P ' "$T/pool.raw" | LC_ALL=C sort -u
		awk '$1 == "V" { split($2, a, /[:=]/); i = index($2, "=")
			n = substr($2, 1, index($2, ":") - 1)
			r = substr($2, index($2, ":") + 1); ar = substr(r, 1, index(r, "=") - 1)
			v = substr($2, i + 1)
			# location may contain blanks: everything between source and
			# the last field
			loc = $0; sub(/^V [^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ /, "", loc)
			sub(/ [^ ]+$/, "", loc)
			print "L " n " " ar " " v " " $6 " " loc }' "$T/pool.raw" |
		    LC_ALL=C sort -u
		grep '^D ' "$T/pool.raw" | LC_ALL=C sort
	} >"$2"
}

compare() {
	diff -u "$1" "$2" >"$T/diff" ||
	    fail "$3: the pool (+) differs from apt's view (-):
$(cat "$T/diff")"
	[ "$(grep -c '^P ' "$1")" -ge "$4" ] ||
	    fail "$3: apt sees only $(grep -c '^P ' "$1") packages, want $4 or more"
}

# 1. amd64 only: binary-amd64 and binary-all
jp_apt_root "$T/r1" "$T/repo"
jp_apt_ok "$T/r1" update
apt_view "$T/r1" "$T/apt1"
pool_view amd64 "$T/pool1"
compare "$T/apt1" "$T/pool1" "amd64" 18
grep -q '^D demo-app:amd64=3.2-1 Req: hello (>> 1.0) | tildepkg (>= 1.0~)$' \
    "$T/apt1" || fail "apt's view lacks demo-app's alternative (test broken)"
grep -q '^P archonly ' "$T/pool1" && fail "amd64 pool holds the i386 archonly"

# 2. amd64 and i386 against every architecture
jp_apt_root "$T/r2" "$T/repo" stable main i386
jp_apt_ok "$T/r2" update
apt_view "$T/r2" "$T/apt2"
pool_view "" "$T/pool2"
compare "$T/apt2" "$T/pool2" "amd64+i386" 20
grep -q '^P archonly i386 1.0-1$' "$T/pool2" || fail "no archonly:i386 in the pool"

# 3. a second suite: InRelease only (clearsigned, signature not checked by
# the reader; apt checks it with the key), Packages.xz only, with the
# "all" packages in a second component and one package that only this
# suite has.  apt reads both suites.
export GNUPGHOME="$T/gnupg"
mkdir -m 700 "$GNUPGHOME"
jp_gpg_homes="$jp_gpg_homes $GNUPGHOME"
gpg --batch -q --passphrase '' --quick-gen-key 'Test <t@example.com>' \
    ed25519 sign never 2>/dev/null || fail "cannot make a test key"
gpg --batch -q --export >"$T/key.gpg"
s=$T/repo/dists/second
mkdir -p "$s/main/binary-amd64" "$s/extra/binary-all"
sh "$JP_SRCDIR/tests/mkdebs.sh" -p onlysecond,1.0-1,amd64 "$T/repo/extra" ||
    fail "cannot build onlysecond"
(cd "$T/repo" && apt-ftparchive packages extra) >"$T/extra.pkgs" ||
    fail "apt-ftparchive packages failed"
{
	xz -dc "$T/repo/dists/stable/main/binary-amd64/Packages.xz" |
	    awk 'BEGIN { RS = ""; ORS = "\n\n" } !/\nArchitecture: all\n/'
	cat "$T/extra.pkgs"
} | xz -c >"$s/main/binary-amd64/Packages.xz"
xz -dc "$T/repo/dists/stable/main/binary-all/Packages.xz" |
    xz -c >"$s/extra/binary-all/Packages.xz"
{
	printf 'Suite: second\nCodename: second\nArchitectures: amd64 all\n'
	printf 'Components: main extra\nDate: %s\nSHA256:\n' \
	    "$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
	# apt wants the uncompressed name listed even when only the .xz is
	# there (it ignores the index otherwise)
	for f in main/binary-amd64/Packages extra/binary-all/Packages; do
		printf ' %s %s %s\n' "$(xz -dc "$s/$f.xz" | sha256sum | cut -d' ' -f1)" \
		    "$(xz -dc "$s/$f.xz" | wc -c | tr -d ' ')" "$f"
		printf ' %s %s %s\n' "$(sha256sum <"$s/$f.xz" | cut -d' ' -f1)" \
		    "$(wc -c <"$s/$f.xz" | tr -d ' ')" "$f.xz"
	done
} >"$T/Release.second"
gpg --batch -q --clearsign -o "$s/InRelease" "$T/Release.second" ||
    fail "cannot clearsign"
jp_apt_root "$T/r3" "$T/repo" second "main extra"
sed -i "s|\[trusted=yes\]|[signed-by=$T/key.gpg]|" "$T/r3/etc/apt/sources.list"
echo "deb [trusted=yes] file:$T/repo stable main" >>"$T/r3/etc/apt/sources.list"
jp_apt_ok "$T/r3" update
apt_view "$T/r3" "$T/apt3"
pool_view amd64 "$T/pool3"
compare "$T/apt3" "$T/pool3" "two suites" 19
grep -q '^P onlysecond amd64 1.0-1$' "$T/apt3" ||
    fail "apt does not see onlysecond (test broken)"
# 4. relations written by hand
h=$T/hand/dists/s/main/binary-amd64
mkdir -p "$h"
cat >"$h/Packages" <<'EOF'
Package: quals
Source: qsrc (0.9)
Version: 1:1.0-1
Architecture: amd64
Pre-Depends: pa:any (>= 1)
Depends: a:any (>= 1.0), b:native | c (< 3) | dd:amd64,
 e (> 4),f(<<5)|g ( = 6 ) ,  h
Breaks: i (<< 2), j
Conflicts: k (> 1)
Provides: v (= 1.0)
Filename: pool/q.deb
Size: 1
SHA256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
Description: relations

Package: native
Version: 2
Architecture: amd64
Filename: pool/n.deb
Size: 1
SHA256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
Description: no relations
EOF
(cd "$T/hand/dists/s" &&
    apt-ftparchive -o APT::FTPArchive::Release::Suite=s \
    -o APT::FTPArchive::Release::Architectures=amd64 \
    -o APT::FTPArchive::Release::Components=main release . >"$T/Release.hand") ||
    fail "apt-ftparchive release failed"
mv "$T/Release.hand" "$T/hand/dists/s/Release"
jp_apt_root "$T/r4" "$T/hand" s main
jp_apt_ok "$T/r4" update
apt_view "$T/r4" "$T/apt4"
POOL_REPO=$T/hand pool_view amd64 "$T/pool4"
compare "$T/apt4" "$T/pool4" "hand-written relations" 2
grep -q '^D quals:amd64=1:1.0-1 Req: b | c (<= 3) | dd$' "$T/apt4" ||
    fail "apt's view of quals unexpected (test broken): $(cat "$T/apt4")"
exit 0
