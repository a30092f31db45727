#!/bin/sh
# Bad .rpm files (truncated, random bytes, empty, text, unreadable files
# and directories): each is named on stderr with a reason, left out, the
# others are published, exit status 1.  A FIFO or a dangling symlink named
# .rpm neither hangs the build nor gets published.  With --strict: exit 3
# and the previous repodata/ untouched.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd xmllint sha256sum mkfifo
need_jprepo

repo=$T/repo
jp_copy_corpus "$repo"
n=$(jp_count_rpms "$repo")
real=$repo/noarch/hello-2.0-1.noarch.rpm
jp_expect 0 build "$repo"
jp_md_pkgids "$repo" >"$T/good"
[ "$(wc -l <"$T/good")" -eq "$n" ] || fail "baseline build lists $(wc -l <"$T/good") of $n packages"

# named FILE: fail unless stderr of the last run names FILE (its path
# below the repository or its base name) on a line that also gives a reason.
named() {
	grep -F -- "${1##*/}" "$T/err" >"$T/lines" ||
	    fail "'$jp_cmd': stderr does not name '$1':
$(cat "$T/err")"
	# Take the name and the usual prefixes away; a reason must remain.
	sed -e "s|$1||g" -e "s|${1##*/}||g" -e 's/^jprepo[^:]*: //' \
	    -e 's/\(error\|warning\|note\): //g' "$T/lines" |
	    grep -Eq '[a-z]{4,}' ||
	    fail "'$jp_cmd': no reason given for '$1':
$(cat "$T/err")"
}

# published: the good packages, and only they, are in the metadata.
published() {
	jp_assert_repomd "$repo" "$1"
	jp_md_pkgids "$repo" >"$T/now"
	diff -u "$T/good" "$T/now" >&2 ||
	    fail "$1: published packages differ from the good ones (- good, + published)"
}

# bad NAME [skippable]: build with bad/NAME present (made by the caller);
# expect exit 1 with NAME reported and the rest published; then remove it.
# "skippable": NAME is not a regular file (FIFO, dangling symlink), which
# a walker may pass over silently as createrepo_c does; then exit 0 is
# fine too, but the build must not hang or publish it.
bad() {
	jp_cmd="jprepo build $repo (with bad/$1)"
	"$JPREPO" build "$repo" >"$T/out" 2>"$T/err" &
	pid=$!
	jp_bg $pid
	# A FIFO must not make the build hang (reading one blocks forever).
	i=0
	while kill -0 $pid 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 600 ] || { kill -9 $pid; fail "'$jp_cmd' hangs"; }
		sleep 0.1
	done
	wait $pid
	rc=$?
	if [ "${2:-}" = skippable ] && [ "$rc" = 0 ]; then
		jp_expect_summary "$n" - - - 0
	else
		[ "$rc" = 1 ] || fail "'$jp_cmd': exit $rc, want 1; stderr:
$(cat "$T/err")"
		named "bad/$1"
		jp_expect_summary "$n" - - - 1
	fi
	published "bad/$1"
	rm -f "$repo/bad/$1"
}

mkdir "$repo/bad"
head -c 1000 "$real" >"$repo/bad/truncated-lead.rpm"
bad truncated-lead.rpm
head -c 5000 "$real" >"$repo/bad/truncated-header.rpm"
bad truncated-header.rpm
head -c 8192 /dev/urandom >"$repo/bad/random.rpm"
bad random.rpm
{ head -c 96 "$real"; head -c 8192 /dev/urandom; } >"$repo/bad/lead-only.rpm"
bad lead-only.rpm
: >"$repo/bad/empty.rpm"
bad empty.rpm
printf 'this is not a package\n' >"$repo/bad/text.rpm"
bad text.rpm
mkfifo "$repo/bad/fifo.rpm"
bad fifo.rpm skippable
ln -s /nonexistent/x.rpm "$repo/bad/dangling.rpm"
bad dangling.rpm skippable

# All at once: each named, one failure each.
head -c 5000 "$real" >"$repo/bad/truncated-header.rpm"
head -c 8192 /dev/urandom >"$repo/bad/random.rpm"
: >"$repo/bad/empty.rpm"
jp build "$repo"
[ "$rc" = 1 ] || fail "'$jp_cmd' with three bad files: exit $rc, want 1"
named bad/truncated-header.rpm
named bad/random.rpm
named bad/empty.rpm
jp_expect_summary "$n" - - - 3
published "three bad files"
# -q keeps the errors, drops the rest.
jp -q build "$repo"
[ "$rc" = 1 ] || fail "'$jp_cmd' with three bad files: exit $rc, want 1"
named bad/random.rpm
! grep -q '^jprepo build: .*packages,' "$T/err" ||
    fail "'$jp_cmd' printed the summary: $(cat "$T/err")"
rm -f "$repo/bad/truncated-header.rpm" "$repo/bad/random.rpm" "$repo/bad/empty.rpm"

# --strict: fatal, and nothing changes.
jp_expect 0 build "$repo"
jp_repodata_sums "$repo" >"$T/before"
ls -la --time-style=full-iso "$repo/repodata" >"$T/before.ls"
head -c 5000 "$real" >"$repo/bad/truncated-header.rpm"
jp build --strict "$repo"
[ "$rc" = 3 ] || fail "'$jp_cmd': exit $rc, want 3; stderr:
$(cat "$T/err")"
named bad/truncated-header.rpm
jp_repodata_sums "$repo" >"$T/after"
ls -la --time-style=full-iso "$repo/repodata" >"$T/after.ls"
diff -u "$T/before" "$T/after" >&2 ||
    fail "'$jp_cmd' failed but changed repodata/"
diff -u "$T/before.ls" "$T/after.ls" >&2 ||
    fail "'$jp_cmd' failed but touched repodata/"
rm -f "$repo/bad/truncated-header.rpm"
jp_expect 0 build --strict "$repo"

# A package that was good, damaged afterwards: the cached record must not
# be reused; the file is reported and dropped from the metadata.
f=$repo/noarch/hello-1.1-1.noarch.rpm
cp -p "$f" "$T/saved.rpm"
gone=$(sha256sum <"$f" | cut -d' ' -f1)
head -c 3000 "$T/saved.rpm" >"$f"
jp build "$repo"
[ "$rc" = 1 ] || fail "'$jp_cmd' after truncating a published package: exit $rc, want 1; stderr:
$(cat "$T/err")"
named noarch/hello-1.1-1.noarch.rpm
jp_assert_repomd "$repo" "damaged package"
jp_md_pkgids "$repo" | grep -q "$gone" &&
    fail "'$jp_cmd' still publishes the damaged noarch/hello-1.1-1.noarch.rpm"
cp -p "$T/saved.rpm" "$f"
jp_expect 0 build "$repo"
published "package restored"

# Unreadable files and directories.  Root reads everything, so run jprepo
# without privileges on a repository it owns.
if prefix=$(jp_unpriv); then
	urepo=$T/urepo
	jp_copy_corpus "$urepo"
	chmod 755 "$T"
	cp "$real" "$urepo/unreadable.rpm"
	mkdir -p "$urepo/closed/inner"
	cp "$repo/noarch/hello-1.0-1.noarch.rpm" "$urepo/closed/inner/hidden.rpm"
	if [ -n "$prefix" ]; then
		chown -R 65534:65534 "$urepo"
	fi
	chmod 000 "$urepo/unreadable.rpm" "$urepo/closed"
	if $prefix test -r "$JPREPO" && ! $prefix test -r "$urepo/unreadable.rpm"; then
		jp_cmd="$prefix jprepo build $urepo"
		$prefix "$JPREPO" build "$urepo" >"$T/out" 2>"$T/err"
		rc=$?
		[ "$rc" = 1 ] || fail "'$jp_cmd' with an unreadable file and directory: exit $rc, want 1; stderr:
$(cat "$T/err")"
		named unreadable.rpm
		named closed
		jp_expect_summary "$n" - - - -
		jp_assert_repomd "$urepo" "unreadable"
		[ "$(jp_md_pkgids "$urepo" | wc -l)" -eq "$n" ] ||
		    fail "'$jp_cmd' did not publish the $n good packages"
	else
		note "cannot run jprepo unprivileged here: unreadable cases skipped"
	fi
	chmod 755 "$urepo/closed"
else
	note "setpriv not found: unreadable cases skipped"
fi
exit 0
