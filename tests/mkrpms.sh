#!/bin/sh
# mkrpms.sh: build a corpus of real RPM packages with rpmbuild.
#
# usage: mkrpms.sh [-n COUNT] [-s SRPMDIR] OUTDIR
#        mkrpms.sh -p NAME,VERSION,RELEASE [-p ...] OUTDIR
#
# Writes binary packages under OUTDIR (created if missing), in the
# subdirectories rpmbuild uses (noarch/, x86_64/, i686/) plus one nested
# directory, so that a repository builder has to walk recursively.
#   -n COUNT    also build COUNT small "fill-NNNNN" noarch packages into
#               OUTDIR/fill/ (for bigger corpora: benchmarks, kill tests)
#   -s SRPMDIR  also write a source package (hello) into SRPMDIR
#   -p N,V,R    build only the named simple noarch packages (like hello:
#               /usr/bin/NAME and /usr/share/NAME/VERSION), straight into
#               OUTDIR; VERSION may hold EPOCH: in front
#
# The packages contain only shell scripts and text files: nothing is
# compiled, payloads are uncompressed, so the base corpus takes a few
# seconds.  What the corpus covers (tests rely on it):
#   hello        1.0-1, 1.1-1, 2.0-1 noarch     several versions side by side
#   demo-lib     1.0-1 x86_64 and i686          one name, two architectures
#   demo-app     3.2-1 x86_64                   needs demo-lib(api) and hello
#   epochpkg     1:9.0-1 and 2:0.5-3 noarch     epochs (the lower version wins)
#   zeroepoch    0:1-1 noarch                   explicit epoch 0
#   tildepkg     1.0~rc1-1 and 1.0-1 noarch     tilde sorts before the release
#   caretpkg     1.0-1 and 1.0^20240101git-1    caret sorts after the release
#   deps         1.0-1 x86_64                   every dependency kind and flag
#   demo-files   1.0-1 noarch                   odd file names, %config, %ghost,
#                                               %dir, symlink, XML specials
#   xzpkg, zstpkg 1.0-1 noarch                  xz and zstd payloads
#   signedpkg    1.0-1 noarch                   OpenPGP-signed (when gpg and
#                                               rpmsign are found)
# Every package disables automatic dependencies, so that all requirements
# can be met from the corpus itself (dnf installs into an empty root).
set -eu

count=0
srpmdir=
only=
usage="usage: mkrpms.sh [-n COUNT] [-s SRPMDIR] [-p NAME,VERSION,RELEASE]... OUTDIR"
while getopts n:s:p: opt; do
	case $opt in
	n) count=$OPTARG ;;
	s) srpmdir=$OPTARG ;;
	p) case $OPTARG in
	   *,*,*) only="$only $OPTARG" ;;
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
''|*[!0-9]*) echo "mkrpms.sh: -n wants a number" >&2; exit 2 ;;
esac
command -v rpmbuild >/dev/null 2>&1 || {
	echo "mkrpms.sh: rpmbuild not found" >&2
	exit 2
}

top=$(mktemp -d "${TMPDIR:-/tmp}/mkrpms.XXXXXX")
trap 'rm -rf "$top"' EXIT
mkdir -p "$out" "$top/SPECS"
# Stable build times and file mtimes make the corpus reproducible.
: "${SOURCE_DATE_EPOCH:=1700000000}"
export SOURCE_DATE_EPOCH

# rpmbuild SPEC [TARGET]: build binary packages from SPEC.
build() {
	set -- "$1" "${2:-}"
	if [ -n "$2" ]; then
		rpmbuild --quiet --define "_topdir $top" \
		    --define "use_source_date_epoch_as_buildtime 1" \
		    --define "clamp_mtime_to_source_date_epoch 1" \
		    --target "$2" -bb "$1" >"$top/log" 2>&1 ||
		    { cat "$top/log" >&2; exit 1; }
	else
		rpmbuild --quiet --define "_topdir $top" \
		    --define "use_source_date_epoch_as_buildtime 1" \
		    --define "clamp_mtime_to_source_date_epoch 1" \
		    -bb "$1" >"$top/log" 2>&1 ||
		    { cat "$top/log" >&2; exit 1; }
	fi
}

# header NAME EPOCH VERSION RELEASE ARCH: the common preamble of a spec.
# EPOCH "-" means no Epoch tag; ARCH "-" means no BuildArch (use --target).
header() {
	cat <<EOF
%global _binary_payload ${payload:-w0.ufdio}
%define _build_id_links none
%define debug_package %{nil}
%define __os_install_post %{nil}
Name: $1
EOF
	[ "$2" = - ] || echo "Epoch: $2"
	cat <<EOF
Version: $3
Release: $4
Summary: Test package $1
License: MIT
URL: https://example.com/$1?a=1&b=2
Vendor: jprepo tests
Packager: Test Packager <packager@example.com>
Group: Applications/Testing
AutoReqProv: no
EOF
	[ "$5" = - ] || echo "BuildArch: $5"
}

# simple NAME EPOCH VERSION RELEASE ARCH [EXTRA-PREAMBLE]: a package with one
# script in /usr/bin and one data file; writes $top/SPECS/<name>-<ver>.spec
# and prints its path.
simple() {
	spec="$top/SPECS/$1-$3-$4.spec"
	{
		header "$1" "$2" "$3" "$4" "$5"
		[ -z "${6:-}" ] || printf '%s\n' "$6"
		cat <<EOF

%description
$1 is a package of the jprepo test corpus, version $3-$4.

%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/$1
printf '#!/bin/sh\necho "$1 $3-$4"\n' > %{buildroot}/usr/bin/$1
chmod 755 %{buildroot}/usr/bin/$1
printf '%s\n' "$1 $3-$4 (%{_target_cpu})" > %{buildroot}/usr/share/$1/VERSION

%files
/usr/bin/$1
/usr/share/$1

%changelog
* Mon Jan 01 2024 Test Packager <packager@example.com> - $3-$4
- Release $3-$4 of $1
- Second line with XML specials: <tag> & "quotes"
* Sun Dec 31 2023 Ann O'Ther <ann@example.com> - 0.1-1
- Initial package
EOF
	} >"$spec"
	echo "$spec"
}

# -p: only the packages asked for.
if [ -n "$only" ]; then
	for p in $only; do
		n=${p%%,*}
		r=${p##*,}
		v=${p#*,}
		v=${v%,*}
		case $v in
		*:*) build "$(simple "$n" "${v%%:*}" "${v#*:}" "$r" noarch)" ;;
		*) build "$(simple "$n" - "$v" "$r" noarch)" ;;
		esac
	done
	mv "$top"/RPMS/noarch/*.rpm "$out/"
	exit 0
fi

# Several versions of one name side by side.
build "$(simple hello - 1.0 1 noarch)"
build "$(simple hello - 1.1 1 noarch)"
build "$(simple hello - 2.0 1 noarch)"

# One name, two architectures; %{_libdir} differs, so both can be installed.
spec="$top/SPECS/demo-lib.spec"
{
	header demo-lib - 1.0 1 -
	cat <<'EOF'
Provides: demo-lib(api) = 1.0

%description
A library-like package built for x86_64 and i686.

%install
mkdir -p %{buildroot}%{_libdir}/demo-lib
printf '%s\n' "demo-lib for %{_target_cpu}" > %{buildroot}%{_libdir}/demo-lib/libdemo.sh

%files
%{_libdir}/demo-lib

%changelog
* Mon Jan 01 2024 Test Packager <packager@example.com> - 1.0-1
- Initial package
EOF
} >"$spec"
build "$spec" x86_64
build "$spec" i686

# A package dnf has to resolve dependencies for.
build "$(simple demo-app - 3.2 1 - 'Requires: demo-lib(api) >= 1.0
Requires(pre): demo-lib
Requires: hello > 1.0')" x86_64

# Epochs: 2:0.5 is newer than 1:9.0; an explicit epoch 0.
build "$(simple epochpkg 1 9.0 1 noarch)"
build "$(simple epochpkg 2 0.5 3 noarch)"
build "$(simple zeroepoch 0 1 1 noarch)"

# Tilde and caret versions: 1.0~rc1 < 1.0 < 1.0^20240101git.
build "$(simple tildepkg - 1.0~rc1 1 noarch)"
build "$(simple tildepkg - 1.0 1 noarch)"
build "$(simple caretpkg - 1.0 1 noarch)"
build "$(simple caretpkg - 1.0^20240101git 1 noarch)"

# Every dependency kind with every comparison flag.  Not installable on
# purpose: it requires capabilities nothing provides.
build "$(simple deps - 1.0 1 - 'Requires: req-eq = 1.0, req-lt < 2.0, req-le <= 3.0-1
Requires: req-gt > 4, req-ge >= 5:6.0-7, req-plain
Requires: /usr/bin/hello
Requires(pre): req-pre
Requires(post): req-post >= 1
Requires(preun): req-preun
Requires(postun): req-postun
Provides: deps-virt = 1.0-1
Provides: deps-epoch = 3:4.5-6
Provides: deps-unversioned
Conflicts: conf-lt < 1.0
Conflicts: conf-plain
Obsoletes: obs-le <= 0.9-1
Obsoletes: obs-plain
Suggests: hello >= 1.0
Enhances: demo-app
Recommends: epochpkg = 2:0.5-3
Supplements: (hello and demo-lib)')" x86_64

# Odd file names and file kinds; XML specials in summary and changelog.
spec="$top/SPECS/demo-files.spec"
{
	header demo-files - 1.0 1 noarch
	cat <<'EOF'

%description
Files with spaces, non-ASCII names and XML specials: <&> "q" 'a'.
Second paragraph line — with a non-ASCII dash.

%install
d=%{buildroot}/usr/share/demo
mkdir -p "$d/empty" "$d/sub dir" %{buildroot}/etc/demo %{buildroot}/var/log %{buildroot}/usr/bin %{buildroot}/usr/sbin
echo space > "$d/file with space.txt"
echo unicode > "$d/ünïcödé.txt"
echo specials > "$d/a&b<c>.txt"
echo nested > "$d/sub dir/inner.txt"
ln -s "file with space.txt" "$d/link"
echo 'key = value' > %{buildroot}/etc/demo/demo.conf
echo 'other = 1' > %{buildroot}/etc/demo/other.conf
printf '#!/bin/sh\necho demo-files\n' > %{buildroot}/usr/bin/demo-files
printf '#!/bin/sh\necho demo-filesd\n' > %{buildroot}/usr/sbin/demo-filesd
chmod 755 %{buildroot}/usr/bin/demo-files %{buildroot}/usr/sbin/demo-filesd

%files
%dir /usr/share/demo
"/usr/share/demo/file with space.txt"
/usr/share/demo/ünïcödé.txt
"/usr/share/demo/a&b<c>.txt"
"/usr/share/demo/sub dir"
/usr/share/demo/link
%dir /usr/share/demo/empty
%dir /etc/demo
%config(noreplace) /etc/demo/demo.conf
%config /etc/demo/other.conf
%ghost /var/log/demo-files.log
/usr/bin/demo-files
/usr/sbin/demo-filesd

%changelog
* Tue Jan 02 2024 Jörg Ünïcödé <jorg@example.com> - 1.0-1
- Escapes: <&> and "double" and 'single' quotes
- A line with & alone and a </changelog> lookalike
* Mon Jan 01 2024 Test Packager <packager@example.com> - 0.9-1
- Older entry
EOF
} >"$spec"
build "$spec"

# Compressed payloads, as real packages have.
payload=w2.xzdio
build "$(simple xzpkg - 1.0 1 noarch)"
payload=w19.zstdio
build "$(simple zstpkg - 1.0 1 noarch)"
payload=

# A signed package: a signature header as vendors' packages have.
if command -v gpg >/dev/null 2>&1 && command -v rpmsign >/dev/null 2>&1; then
	build "$(simple signedpkg - 1.0 1 noarch)"
	GNUPGHOME=$top/gnupg
	export GNUPGHOME
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --passphrase '' --quick-gen-key 'jprepo test <test@example.com>' \
	    ed25519 sign never >"$top/log" 2>&1 &&
	    rpmsign --addsign --define '_gpg_name jprepo test' \
	    --define "__gpg $(command -v gpg)" \
	    "$top"/RPMS/noarch/signedpkg-1.0-1.noarch.rpm </dev/null >>"$top/log" 2>&1 ||
	    { cat "$top/log" >&2; exit 1; }
	gpgconf --kill gpg-agent >/dev/null 2>&1 || :
	unset GNUPGHOME
fi

# Optional filler packages: one spec, one subpackage each, one build.
if [ "$count" -gt 0 ]; then
	spec="$top/SPECS/fill.spec"
	{
		header fill - 1.0 1 noarch
		printf '\n%%description\nFiller packages.\n\n%%install\n'
		i=1
		while [ "$i" -le "$count" ]; do
			n=$(printf 'fill-%05d' "$i")
			printf 'mkdir -p %%{buildroot}/usr/share/%s\n' "$n"
			printf 'seq 1 %d > %%{buildroot}/usr/share/%s/data.txt\n' \
			    $((i % 50 * 200 + 10)) "$n"
			printf 'echo %s > %%{buildroot}/usr/share/%s/README\n' "$n" "$n"
			i=$((i + 1))
		done
		i=1
		while [ "$i" -le "$count" ]; do
			n=$(printf 'fill-%05d' "$i")
			printf '\n%%package -n %s\nSummary: Filler %d\n' "$n" "$i"
			printf '%%description -n %s\nFiller package %d.\n' "$n" "$i"
			printf '%%files -n %s\n/usr/share/%s\n' "$n" "$n"
			i=$((i + 1))
		done
	} >"$spec"
	build "$spec"
fi

# Lay the packages out: per-architecture directories, plus one package in
# a nested directory and the filler in fill/.
for dir in "$top"/RPMS/*; do
	[ -d "$dir" ] || continue
	arch=${dir##*/}
	mkdir -p "$out/$arch"
	for f in "$dir"/*.rpm; do
		case ${f##*/} in
		fill-*) mkdir -p "$out/fill"; mv "$f" "$out/fill/" ;;
		demo-files-*) mkdir -p "$out/nested/deeper"
			mv "$f" "$out/nested/deeper/" ;;
		*) mv "$f" "$out/$arch/" ;;
		esac
	done
done

if [ -n "$srpmdir" ]; then
	mkdir -p "$srpmdir"
	rpmbuild --quiet --define "_topdir $top" \
	    -bs "$top/SPECS/hello-1.0-1.spec" >"$top/log" 2>&1 ||
	    { cat "$top/log" >&2; exit 1; }
	mv "$top"/SRPMS/*.src.rpm "$srpmdir/"
fi
