#!/bin/sh
# dnf installs from a repository jprepo built: old versions by NEVR, an
# upgrade to the newest, dependency resolution across packages and
# architectures, epochs, tilde and caret versions, odd file names.  dnf
# also checks each package against its pkgid.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd dnf rpm
need_root "dnf --installroot"
need_jprepo

repo=$T/repo
root=$T/root
jp_copy_corpus "$repo"
jp_expect 0 build "$repo"

# dnf_root ARGS...: dnf acting on $root with the jprepo repository only.
dnf_root() {
	dnf -y --installroot="$root" --setopt=reposdir=/dev/null \
	    --setopt=cachedir="$T/cache" --releasever=1 --noplugins \
	    --repofrompath=local,"file://$repo" --setopt=local.gpgcheck=0 \
	    "$@" >"$T/dnf.log" 2>&1 ||
	    fail "'dnf $*' failed:
$(cat "$T/dnf.log")"
}

# installed: the NEVRAs in $root, sorted.
installed() {
	rpm --root "$root" -qa --qf '%{name}-%{epochnum}:%{version}-%{release}.%{arch}\n' |
	    LC_ALL=C sort
}

# expect LINE...: the rpm database in $root holds exactly these NEVRAs.
expect() {
	printf '%s\n' "$@" | LC_ALL=C sort >"$T/want"
	installed >"$T/got"
	diff -u "$T/want" "$T/got" >&2 ||
	    fail "installed packages differ from the expected (- expected, + got); dnf said:
$(cat "$T/dnf.log")"
}

# Older versions chosen explicitly, one with a tilde.
dnf_root install hello-1.0-1 tildepkg-1.0~rc1
expect hello-0:1.0-1.noarch tildepkg-0:1.0~rc1-1.noarch

# Upgrade to the newest: hello 2.0 over 1.1 and 1.0; 1.0 over 1.0~rc1.
dnf_root upgrade
expect hello-0:2.0-1.noarch tildepkg-0:1.0-1.noarch

# Resolution: demo-app needs demo-lib(api) >= 1.0 (x86_64 chosen over
# i686) and hello > 1.0 (installed).  Epoch 2:0.5 beats 1:9.0; the caret
# version beats the plain one.
dnf_root install demo-app epochpkg caretpkg demo-files
expect hello-0:2.0-1.noarch tildepkg-0:1.0-1.noarch \
    demo-app-0:3.2-1.x86_64 demo-lib-0:1.0-1.x86_64 \
    epochpkg-2:0.5-3.noarch caretpkg-0:1.0^20240101git-1.noarch \
    demo-files-0:1.0-1.noarch

for f in "/usr/share/demo/file with space.txt" "/usr/share/demo/ünïcödé.txt" \
    "/usr/share/demo/a&b<c>.txt" /etc/demo/demo.conf /usr/bin/demo-app; do
	[ -f "$root$f" ] || fail "'$f' not installed"
done
exit 0
