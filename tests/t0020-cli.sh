#!/bin/sh
# t0020-cli: the command line every command shares: --version, --help,
# help, global and per-command -q/-v, -C, unknown commands and options
# (exit 2 with usage on stderr), and nothing but what was asked on stdout.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_jprepo

# --version prints the version configure was given.
want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$JP_BUILDDIR/config.h")
[ -n "$want" ] || fail "no PACKAGE_VERSION in '$JP_BUILDDIR/config.h'"
jp_expect 0 --version
[ "$(cat "$T/out")" = "jprepo $want" ] || fail "--version printed '$(cat "$T/out")', want 'jprepo $want'"
[ ! -s "$T/err" ] || fail "--version wrote to stderr: $(cat "$T/err")"

# --help and `help` list the commands on stdout.
jp_expect 0 --help
grep -q '^  build ' "$T/out" || fail "--help does not list 'build'"
jp_expect 0 help
grep -q '^  build ' "$T/out" || fail "'help' does not list 'build'"
jp_expect 0 build --help
grep -q -- '--strict' "$T/out" || fail "'build --help' does not show --strict"
grep -q -- '--suite' "$T/out" || fail "'build --help' does not show --suite"

# Usage errors: exit 2, usage on stderr, nothing on stdout.
for args in "" "frobnicate" "--no-such-option" "-x build" "build" \
    "build a b" "build --no-such-option ." "build -j" "build -j 0 ." \
    "build --compress bz2 ." "build --wait x ." "build --suite a/b ." \
    "build --valid-for 0 ." "help nosuch" "help a b"; do
	# shellcheck disable=SC2086
	jp_expect 2 $args
	[ ! -s "$T/out" ] || fail "'$jp_cmd' wrote to stdout: $(cat "$T/out")"
	grep -qiE 'usage|error' "$T/err" || fail "'$jp_cmd' gave no usage or error: $(cat "$T/err")"
done
jp_expect 2 frobnicate
jp_err_has "unknown command 'frobnicate'"
jp_expect 2 build --no-such-option .
jp_err_has "^jprepo build: unrecognized option '--no-such-option'"

# -C DIR: the command runs there; a missing DIR is an error (3).
mkdir "$T/repo"
jp_expect 0 -q -C "$T" build repo
[ -f "$T/repo/repodata/repomd.xml" ] || fail "-C did not run the build in '$T'"
jp_expect 3 -C "$T/no such dir" build repo
jp_err_has "cannot change to directory '$T/no such dir'"

# -q before or after the command silences the summary; -v adds detail.
jp_expect 0 build "$T/repo"
jp_err_has '0 packages' "summary"
jp_expect 0 -q build "$T/repo"
[ ! -s "$T/err" ] || fail "-q before the command still printed: $(cat "$T/err")"
jp_expect 0 build -q "$T/repo"
[ ! -s "$T/err" ] || fail "-q after the command still printed: $(cat "$T/err")"
jp_expect 0 -v build --no-cache "$T/repo"
jp_err_has "found 0 package files"

# help COMMAND shows the page of an installation moved from its prefix
# (through man(1), or the page source where man is missing).
mkdir -p "$T/prefix/bin" "$T/prefix/share/man/man1"
cp "$JPREPO" "$T/prefix/bin/jprepo"
cp "$JP_SRCDIR/man/jprepo-build.1" "$T/prefix/share/man/man1/"
MANPAGER=cat PAGER=cat MANWIDTH=80 "$T/prefix/bin/jprepo" help build >"$T/out" 2>"$T/err" ||
    fail "'jprepo help build' failed: $(cat "$T/err")"
grep -q "jprepo-build" "$T/out" || fail "'jprepo help build' did not show the page: $(head -5 "$T/out")"

# A full stdout is an error, not silent success.
if [ -w /dev/full ]; then
	"$JPREPO" --help >/dev/full 2>"$T/err"
	rc=$?
	[ "$rc" != 0 ] || fail "--help into /dev/full exited 0"
	grep -q "cannot write to standard output" "$T/err" ||
	    fail "--help into /dev/full: no error message: $(cat "$T/err")"
fi
exit 0
