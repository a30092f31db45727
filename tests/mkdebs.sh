#!/bin/sh
# mkdebs.sh: build a corpus of real Debian packages with dpkg-deb.
#
# usage: mkdebs.sh [-n COUNT] OUTDIR
#        mkdebs.sh -p NAME,VERSION[,ARCH] [-p ...] OUTDIR
#
# Writes .deb files under OUTDIR (created if missing), laid out like a
# Debian pool (pool/main/<letter>/<source>/) plus a few odd places, so that
# a repository builder has to walk recursively and keep the paths.
#   -n COUNT   also build COUNT small "fill-NNNNN" Architecture: all
#              packages into OUTDIR/fill/ (for bigger corpora: benchmarks,
#              kill tests)
#   -p N,V[,A] build only the named simple packages (like hello: one
#              script /usr/bin/N and /usr/share/N/VERSION; ARCH default
#              all), straight into OUTDIR, named N_V_A.deb with the epoch
#              left out as dpkg-name does
#
# Nothing is compiled; every package holds shell scripts and text files and
# no maintainer scripts, so that dpkg can install it into an empty root
# directory.  Times are clamped to SOURCE_DATE_EPOCH (default 1700000000):
# the same dpkg-deb writes the same bytes.  What the corpus covers (tests
# rely on it):
#   hello       1.0-1, 1.1-1, 2.0-1 all         several versions side by side
#   demo-lib    1.0-1 amd64 and i386            one name, two architectures;
#                                               Multi-Arch: same, Provides
#                                               demo-lib-api (= 1.0)
#   demo-app    3.2-1 amd64                     Pre-Depends, Depends on a
#                                               versioned virtual package and
#                                               on hello (>> 1.0), Recommends,
#                                               Suggests, Conflicts, Breaks,
#                                               Replaces, Provides
#   demo-doc    3.2-1 all                       Enhances demo-app; Section,
#                                               Priority, Homepage, Source
#                                               with a version, Built-Using
#   epochpkg    1:9.0-1 and 2:0.5-3 all         epochs (the lower version
#                                               wins); the second file named
#                                               like apt-get download does:
#                                               epochpkg_2%3a0.5-3_all.deb
#   tildepkg    1.0~rc1-1 and 1.0-1 all         tilde sorts before the release
#   descpkg     1.0-1 all                       multi-line description with
#                                               " ." paragraphs, verbatim
#                                               lines, UTF-8; unknown fields
#                                               (one lower case, one
#                                               multi-line), an empty field
#   xzpkg       1.0-1 all                       control.tar.xz, data.tar.xz
#   zstpkg      1.0-1 all                       control.tar.zst, data.tar.zst
#   plainpkg    1.0-1 all                       control.tar and data.tar
#                                               without compression
#   mixpkg      1.0-1 all                       control.tar.gz, data.tar.xz
#   sigpkg      1.0-1 all                       an extra "_gpgbuilder" ar
#                                               member after data.tar, as
#                                               dpkg-sig adds (deb(5))
#   lib+plus    1.0+dfsg-1~bpo12+1 all          '+', '.', '~' in name and
#                                               version; stored as
#                                               odd/dir.name/lib+plus_...
#   spaced      1.0-1 all                       in "odd/with space/", a file
#                                               name with ' ', '#', '[]', '%'
#   archonly    1.0-1 i386                      a foreign architecture only
# Every dependency can be met from the corpus itself (apt installs into an
# empty root), except those of demo-app's Suggests and of Conflicts/Breaks.
set -eu

count=0
only=
usage="usage: mkdebs.sh [-n COUNT] [-p NAME,VERSION[,ARCH]]... OUTDIR"
while getopts n:p: opt; do
	case $opt in
	n) count=$OPTARG ;;
	p) case $OPTARG in
	   *,*) only="$only $OPTARG" ;;
	   *) echo "$usage" >&2; exit 2 ;;
	   esac ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 1 ]; then
	echo "$usage" >&2
	exit 2
fi
out=$1
case $count in
''|*[!0-9]*) echo "mkdebs.sh: -n wants a number" >&2; exit 2 ;;
esac
command -v dpkg-deb >/dev/null 2>&1 || {
	echo "mkdebs.sh: dpkg-deb not found" >&2
	exit 2
}

top=$(mktemp -d "${TMPDIR:-/tmp}/mkdebs.XXXXXX")
trap 'rm -rf "$top"' EXIT
mkdir -p "$out"
: "${SOURCE_DATE_EPOCH:=1700000000}"
export SOURCE_DATE_EPOCH

# tree NAME VERSION ARCH: a package tree in $top/NAME_VERSION_ARCH with
# /usr/bin/NAME and /usr/share/NAME/VERSION; prints its directory.  The
# caller writes DEBIAN/control.
tree() {
	d="$top/tree/$1_$2_$3"
	mkdir -p "$d/DEBIAN" "$d/usr/bin" "$d/usr/share/$1"
	printf '#!/bin/sh\necho "%s %s"\n' "$1" "$2" >"$d/usr/bin/$1"
	chmod 755 "$d/usr/bin/$1"
	printf '%s %s (%s)\n' "$1" "$2" "$3" >"$d/usr/share/$1/VERSION"
	echo "$d"
}

# deb DIR OUTFILE [COMPRESSOR]: dpkg-deb --build DIR (-Z sets the
# compression of control.tar and data.tar alike).
deb() {
	mkdir -p "$(dirname "$2")"
	dpkg-deb --root-owner-group -Z"${3:-gzip}" --build "$1" "$2" \
	    >"$top/log" 2>&1 || { cat "$top/log" >&2; exit 1; }
}

# simple NAME VERSION ARCH OUTFILE [EXTRA-FIELDS [COMPRESSOR]]: a package
# with the usual fields.
simple() {
	d=$(tree "$1" "$2" "$3")
	{
		printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$1" "$2" "$3"
		echo 'Maintainer: Test Maintainer <maint@example.com>'
		echo 'Installed-Size: 8'
		[ -z "${5:-}" ] || printf '%s\n' "$5"
		echo "Description: test package $1"
		echo " $1 is a package of the jprepo test corpus, version $2."
	} >"$d/DEBIAN/control"
	deb "$d" "$4" "${6:-gzip}"
}

# The name dpkg-name gives: NAME_VERSION-WITHOUT-EPOCH_ARCH.deb
debname() {
	echo "$1_${2#*:}_$3.deb"
}

if [ -n "$only" ]; then
	for p in $only; do
		n=${p%%,*}
		rest=${p#*,}
		case $rest in
		*,*) v=${rest%,*}; a=${rest##*,} ;;
		*) v=$rest; a=all ;;
		esac
		simple "$n" "$v" "$a" "$out/$(debname "$n" "$v" "$a")"
	done
	exit 0
fi

pool=$out/pool/main

# Several versions of one name side by side.
for v in 1.0-1 1.1-1 2.0-1; do
	simple hello "$v" all "$pool/h/hello/$(debname hello "$v" all)" \
	    'Section: utils
Priority: optional'
done

# One name, two architectures; the files differ by path, so both install.
for a in amd64 i386; do
	d=$(tree demo-lib 1.0-1 "$a")
	mkdir -p "$d/usr/lib/demo-lib/$a"
	echo "demo-lib for $a" >"$d/usr/lib/demo-lib/$a/libdemo.sh"
	rm -r "${d:?}/usr/bin"
	mv "$d/usr/share/demo-lib/VERSION" "$d/usr/lib/demo-lib/$a/VERSION"
	rmdir "$d/usr/share/demo-lib"
	cat >"$d/DEBIAN/control" <<EOF
Package: demo-lib
Source: demo
Version: 1.0-1
Architecture: $a
Multi-Arch: same
Maintainer: Test Maintainer <maint@example.com>
Installed-Size: 12
Provides: demo-lib-api (= 1.0)
Section: libs
Priority: optional
Description: library-like package for $a
 Built for amd64 and i386 from one source.
EOF
	deb "$d" "$pool/d/demo/$(debname demo-lib 1.0-1 "$a")"
done

# A package apt has to resolve dependencies for.
d=$(tree demo-app 3.2-1 amd64)
cat >"$d/DEBIAN/control" <<'EOF'
Package: demo-app
Source: demo (1.0-1)
Version: 3.2-1
Architecture: amd64
Maintainer: Test Maintainer <maint@example.com>
Installed-Size: 20
Pre-Depends: demo-lib (>= 1.0)
Depends: demo-lib-api (>= 1.0), hello (>> 1.0) | tildepkg (>= 1.0~)
Recommends: demo-doc (= 3.2-1)
Suggests: not-in-corpus, other-missing (<= 9)
Conflicts: old-app (<< 2.0)
Breaks: hello (<< 1.0~)
Replaces: old-app (<< 2.0)
Provides: app-virtual (= 3.2), app-unversioned
Section: misc
Priority: optional
Homepage: https://example.com/demo-app?a=1&b=2
Description: demo application with dependencies
 Needs demo-lib-api (a virtual package with a version) and hello newer
 than 1.0.
EOF
deb "$d" "$pool/d/demo/$(debname demo-app 3.2-1 amd64)"

d=$(tree demo-doc 3.2-1 all)
cat >"$d/DEBIAN/control" <<'EOF'
Package: demo-doc
Source: demo (1.0-1)
Version: 3.2-1
Architecture: all
Maintainer: Test Maintainer <maint@example.com>
Installed-Size: 4
Enhances: demo-app
Built-Using: demo (= 1.0-1)
Section: doc
Priority: optional
Multi-Arch: foreign
Homepage: https://example.com/demo-doc
Description: documentation for demo-app
 Plain text.
EOF
deb "$d" "$pool/d/demo/$(debname demo-doc 3.2-1 all)"

# Epochs: 2:0.5-3 is newer than 1:9.0-1.
simple epochpkg 1:9.0-1 all "$pool/e/epochpkg/$(debname epochpkg 1:9.0-1 all)"
simple epochpkg 2:0.5-3 all "$pool/e/epochpkg/epochpkg_2%3a0.5-3_all.deb"

# Tilde: 1.0~rc1-1 < 1.0-1.
simple tildepkg 1.0~rc1-1 all "$pool/t/tildepkg/$(debname tildepkg 1.0~rc1-1 all)"
simple tildepkg 1.0-1 all "$pool/t/tildepkg/$(debname tildepkg 1.0-1 all)"

# Descriptions and fields a Packages writer must carry over as they are.
d=$(tree descpkg 1.0-1 all)
cat >"$d/DEBIAN/control" <<'EOF'
Package: descpkg
Version: 1.0-1
Architecture: all
Maintainer: Jörg Ünïcödé <jorg@example.com>
Installed-Size: 4
Essential: no
Section: text
Priority: extra
x-custom-lower: lower-case unknown field
X-Empty:
X-Multi-Line: first line
 second line
 .
 after a blank
Description: multi-line description — UTF-8
 The first paragraph, wrapped
 over two lines.
 .
 A second paragraph with a verbatim block:
   indented  by  three, spaces  kept
   $HOME & <specials> "quoted"
 .
 Last line.
EOF
deb "$d" "$pool/d/descpkg/$(debname descpkg 1.0-1 all)"

# Compressions of control.tar and data.tar.
simple xzpkg 1.0-1 all "$pool/x/xzpkg/$(debname xzpkg 1.0-1 all)" '' xz
simple zstpkg 1.0-1 all "$pool/z/zstpkg/$(debname zstpkg 1.0-1 all)" '' zstd
simple plainpkg 1.0-1 all "$pool/p/plainpkg/$(debname plainpkg 1.0-1 all)" '' none

# Mixed compressions, as older archives have: control.tar.gz, data.tar.xz.
simple mixpkg 1.0-1 all "$top/mix-gz.deb"
simple mixpkg 1.0-1 all "$top/mix-xz.deb" '' xz
mkdir "$top/mix"
(cd "$top/mix" && ar x "$top/mix-gz.deb" debian-binary control.tar.gz &&
    ar x "$top/mix-xz.deb" data.tar.xz &&
    ar qcD "$top/mix.deb" debian-binary control.tar.gz data.tar.xz) || exit 1
mkdir -p "$pool/m/mixpkg"
mv "$top/mix.deb" "$pool/m/mixpkg/$(debname mixpkg 1.0-1 all)"

# An extra member after data.tar, as dpkg-sig appends (deb(5): members
# whose names start with '_' are ignored).  ar in deterministic mode.
simple sigpkg 1.0-1 all "$top/sigpkg.deb"
mkdir "$top/ar"
(cd "$top/ar" && ar x "$top/sigpkg.deb" &&
    printf 'dpkg-sig-like signature block\n' >_gpgbuilder &&
    ar qcD "$top/sigpkg2.deb" debian-binary control.tar.gz data.tar.gz \
    _gpgbuilder) || exit 1
mkdir -p "$pool/s/sigpkg"
mv "$top/sigpkg2.deb" "$pool/s/sigpkg/$(debname sigpkg 1.0-1 all)"

# Odd but legal names: '+', '.', '~' in package name, version and path.
simple lib+plus 1.0+dfsg-1~bpo12+1 all \
    "$out/odd/dir.name/$(debname lib+plus 1.0+dfsg-1~bpo12+1 all)"

# Blanks and URI specials in a path: apt quotes Filename when it fetches.
simple spaced 1.0-1 all "$out/odd/with space/spaced_1.0-1_all #1 [x]%20.deb"

# Only a foreign architecture.
simple archonly 1.0-1 i386 "$pool/a/archonly/$(debname archonly 1.0-1 i386)"

# Optional filler packages, four dpkg-deb at a time.
if [ "$count" -gt 0 ]; then
	mkdir -p "$out/fill"
	i=1
	while [ "$i" -le "$count" ]; do
		printf 'fill-%05d %d\n' "$i" "$i"
		i=$((i + 1))
	done >"$top/fill.list"
	# one shell per package: tree, control, dpkg-deb
	cat >"$top/fill.sh" <<'EOF'
set -e
n=$1 i=$2
d=$MKDEBS_TOP/fill/$n
mkdir -p "$d/DEBIAN" "$d/usr/share/$n"
seq 1 $((i % 50 * 200 + 10)) >"$d/usr/share/$n/data.txt"
echo "$n" >"$d/usr/share/$n/README"
printf 'Package: %s\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Test Maintainer <maint@example.com>\nInstalled-Size: %d\nDescription: filler package %d\n Filler %d of the jprepo test corpus.\n' \
    "$n" $((i % 50 + 1)) "$i" "$i" >"$d/DEBIAN/control"
dpkg-deb --root-owner-group -Zgzip --build "$d" \
    "$MKDEBS_OUT/fill/${n}_1.0-1_all.deb" >/dev/null
rm -rf "$d"
EOF
	MKDEBS_TOP=$top MKDEBS_OUT=$out xargs -P 4 -n 2 sh "$top/fill.sh" \
	    <"$top/fill.list" >"$top/log" 2>&1 || { cat "$top/log" >&2; exit 1; }
	[ "$(find "$out/fill" -name '*.deb' | wc -l)" -eq "$count" ] || {
		echo "mkdebs.sh: not every filler package was built" >&2
		exit 1
	}
fi
exit 0
