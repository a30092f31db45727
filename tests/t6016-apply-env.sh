#!/bin/sh
# t6016-apply-env: the package manager runs with a clean environment:
# only PATH, HOME, TMPDIR, TZ, TERM, USER, LOGNAME and the proxy variables
# of ours, LC_ALL and LANG set to C.UTF-8 (jprepo-apply(1), ENVIRONMENT).
# The manager is a `yum` in PATH that writes its environment to a file,
# then runs dnf.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo
need_root
need_cmd rpmbuild dnf rpm

R=$T/repo
mkdir -p "$R" "$T/bin"
jp_mkrpm "$R" one 1.0 1
jp_mkrpm "$R" one 2.0 1
jp -q build "$R"
[ "$rc" = 0 ] || fail "build: $(cat "$T/err")"
ROOT=$T/root
dnf -q -y --installroot="$ROOT" --setopt=reposdir=/dev/null --releasever=1 \
    --noplugins --repofrompath=r,"file://$R" --repo=r --setopt=r.gpgcheck=0 \
    install one-1.0-1 >"$T/dnf.out" 2>&1 ||
    fail "cannot install version 1: $(cat "$T/dnf.out")"

cat >"$T/bin/yum" <<EOF2
#!/bin/sh
env >>"$T/env.log"
echo ---- >>"$T/env.log"
exec "$(command -v dnf)" "\$@"
EOF2
chmod +x "$T/bin/yum"

PATH=$T/bin:$PATH LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 JP_SECRET=leak \
    PYTHONPATH=/nonexistent http_proxy=http://proxy.invalid:3128 \
    "$JPREPO" apply --pm yum --repo "$R" --root "$ROOT" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] || fail "apply: exit $rc: $(cat "$T/err")"
[ -s "$T/env.log" ] || fail "the fake yum was not run"
grep -q '^JP_SECRET=' "$T/env.log" && fail "JP_SECRET reached the package manager"
grep -q '^PYTHONPATH=' "$T/env.log" && fail "PYTHONPATH reached the package manager"
grep -q '^LC_ALL=de_DE' "$T/env.log" && fail "the caller's LC_ALL reached the package manager"
runs=$(grep -c '^----$' "$T/env.log")
for v in LC_ALL=C.UTF-8 LANG=C.UTF-8 http_proxy=http://proxy.invalid:3128 "PATH=$T/bin:"; do
	n=$(grep -c "^$v" "$T/env.log")
	[ "$n" = "$runs" ] || fail "$v in $n of $runs runs: $(cat "$T/env.log")"
done
[ "$(rpm --root "$ROOT" -q --qf '%{version}' one)" = 2.0 ] ||
    fail "one 2.0 is not installed"
exit 0
