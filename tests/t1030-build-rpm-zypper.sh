#!/bin/sh
# zypper (libsolv, libzypp) installs from a repository jprepo built:
# explicit old versions, an update to the newest, dependency resolution,
# epochs, tilde and caret versions.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd zypper rpm
need_root "zypper --root"
need_jprepo

repo=$T/repo
root=$T/root
jp_copy_corpus "$repo"
jp_expect 0 build "$repo"

# zyp ARGS...: zypper on $root.
zyp() {
	zypper -n --root "$root" "$@" >"$T/zypper.log" 2>&1 ||
	    fail "'zypper $*' failed:
$(cat "$T/zypper.log")"
}

# expect LINE...: the rpm database in $root holds exactly these NEVRAs.
expect() {
	printf '%s\n' "$@" | LC_ALL=C sort >"$T/want"
	rpm --root "$root" -qa --qf '%{name}-%{epochnum}:%{version}-%{release}.%{arch}\n' |
	    LC_ALL=C sort >"$T/got"
	diff -u "$T/want" "$T/got" >&2 ||
	    fail "installed packages differ from the expected (- expected, + got); zypper said:
$(cat "$T/zypper.log")"
}

zyp ar -G "file://$repo" local
zyp refresh
zyp install 'hello=1.0-1' 'tildepkg=1.0~rc1-1'
expect hello-0:1.0-1.noarch tildepkg-0:1.0~rc1-1.noarch
zyp update
expect hello-0:2.0-1.noarch tildepkg-0:1.0-1.noarch
zyp install demo-app epochpkg caretpkg demo-files
expect hello-0:2.0-1.noarch tildepkg-0:1.0-1.noarch \
    demo-app-0:3.2-1.x86_64 demo-lib-0:1.0-1.x86_64 \
    epochpkg-2:0.5-3.noarch caretpkg-0:1.0^20240101git-1.noarch \
    demo-files-0:1.0-1.noarch
[ -f "$root/usr/share/demo/file with space.txt" ] ||
    fail "'/usr/share/demo/file with space.txt' not installed"
exit 0
