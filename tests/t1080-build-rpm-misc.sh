#!/bin/sh
# jprepo build, odds and ends: source packages skipped with a note, one
# NEVRA under two paths (first path in byte order kept, a warning), a
# symlink to a package and a directory named *.rpm, --compress xz and
# zstd read by dnf, --help, usage errors (2), fatal errors (3), an empty
# repository, dot-directories not walked, -v and -q.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd xmllint dnf rpm rpmbuild od
need_jprepo

repo=$T/repo
jp_copy_corpus "$repo"
n=$(jp_count_rpms "$repo")

# Help and usage.
jp_expect 0 build --help
grep -q 'build' "$T/out" || fail "'$jp_cmd' prints no usage on stdout"
jp_expect 0 --help
grep -q 'build' "$T/out" || fail "'$jp_cmd' does not list the build command"
jp_expect 2 build --no-such-option "$repo"
[ ! -e "$repo/repodata" ] || fail "'$jp_cmd' created repodata/"
jp_expect 2 build
jp_expect 2 build "$repo" "$repo"
jp_expect 2 build -j 0 "$repo"
jp_expect 2 build -j many "$repo"
jp_expect 2 build --compress lzma "$repo"
jp_expect 2 build --wait soon "$repo"
jp_expect 2 no-such-command
[ ! -e "$repo/repodata" ] || fail "a usage error created repodata/"

# Fatal: no such directory, or not a directory.
jp_expect 3 build "$T/nonexistent"
jp_err_has nonexistent "the missing repository"
[ ! -e "$T/nonexistent" ] || fail "'$jp_cmd' created the repository"
: >"$T/plainfile"
jp_expect 3 build "$T/plainfile"
jp_err_has plainfile "the repository that is not a directory"

# An empty repository: valid metadata with no packages.
mkdir "$T/empty"
jp_expect 0 build "$T/empty"
jp_assert_repomd "$T/empty" "empty repository"
for t in primary filelists other; do
	jp_md_xml "$T/empty" $t "$T/e.xml"
	[ "$(jp_xp "$T/e.xml" 'string(/*/@packages)')" = 0 ] ||
	    fail "empty repository: $t does not say packages=\"0\""
done
jp_dnf "$T/empty" repoquery
[ "$rc" = 0 ] || fail "dnf cannot read the empty repository: $(cat "$T/dnf.err")"
[ ! -s "$T/dnf.out" ] || fail "dnf lists packages in the empty repository"

# A source package is skipped with a note; a duplicate NEVRA keeps the
# first path in byte order ("a-dup/" < "noarch/" < "zz-dup/") and warns.
# A symlink to a package outside is indexed under the link's path; a
# directory named *.rpm is walked into.
cp "$(jp_srpm_dir)"/hello-1.0-1.src.rpm "$repo/"
mkdir "$repo/a-dup" "$repo/zz-dup"
cp -p "$repo/noarch/hello-2.0-1.noarch.rpm" "$repo/a-dup/"
cp -p "$repo/noarch/hello-1.1-1.noarch.rpm" "$repo/zz-dup/"
sh "$JP_SRCDIR/tests/mkrpms.sh" -p linked,1.0,1 -p indir,1.0,1 \
    -p hidden,1.0,1 "$T/outside" || fail "mkrpms.sh -p"
# Dot-directories (and .jprepo/) are not walked.
mkdir -p "$repo/.hidden" "$repo/.jprepo/sub"
cp "$T/outside/hidden-1.0-1.noarch.rpm" "$repo/.hidden/"
cp "$T/outside/hidden-1.0-1.noarch.rpm" "$repo/.jprepo/sub/"
ln -s "$T/outside/linked-1.0-1.noarch.rpm" "$repo/link.rpm"
mkdir "$repo/dir.rpm"
mv "$T/outside/indir-1.0-1.noarch.rpm" "$repo/dir.rpm/"
jp_expect 0 build "$repo"
jp_err_has 'hello-1\.0-1\.src\.rpm' "the skipped source package"
jp_err_has 'zz-dup/hello-1\.1-1\.noarch\.rpm' "the duplicate left out"
jp_err_has 'noarch/hello-2\.0-1\.noarch\.rpm' "the duplicate left out"
jp_expect_summary $((n + 2)) $((n + 2)) 0 0 0
jp_assert_repomd "$repo"
jp_md_list "$repo" >"$T/list"
# Again, from the cache: the same packages, nothing added.
jp_expect 0 build "$repo"
jp_expect_summary $((n + 2)) 0 0 - 0
jp_md_list "$repo" >"$T/list2"
diff -u "$T/list" "$T/list2" >&2 || fail "a cached rebuild lists other packages"
awk '$2 ~ /\.src$/ || $4 ~ /src\.rpm$/' "$T/list" | grep -q . &&
    fail "the source package is listed"
grep -E '^hello ' "$T/list" | awk '{ print $2, $4 }' >"$T/hello"
printf '%s\n' '0:1.0-1.noarch noarch/hello-1.0-1.noarch.rpm' \
    '0:1.1-1.noarch noarch/hello-1.1-1.noarch.rpm' \
    '0:2.0-1.noarch a-dup/hello-2.0-1.noarch.rpm' >"$T/hello.want"
diff -u "$T/hello.want" "$T/hello" >&2 ||
    fail "duplicates: hello listed differently (- expected, + got)"
grep -q '^hidden ' "$T/list" && fail "a package in a dot-directory is listed"
grep -q ' link\.rpm$' "$T/list" || fail "the symlinked package is not listed as link.rpm"
grep -q ' dir\.rpm/indir-1\.0-1\.noarch\.rpm$' "$T/list" ||
    fail "the package inside dir.rpm/ is not listed"
rm -rf "$repo/hello-1.0-1.src.rpm" "$repo/a-dup" "$repo/zz-dup" "$repo/link.rpm" \
    "$repo/dir.rpm" "$repo/.hidden"

# -v names each file read; -q prints nothing when all is well.
jp_expect 0 -v build --no-cache "$repo"
jp_err_has 'x86_64/demo-app-3\.2-1\.x86_64\.rpm' "-v names each file read"
jp_err_has 'deeper/demo-files-1\.0-1\.noarch\.rpm' "-v names each file read"
jp_expect 0 build -q --no-cache "$repo"
[ ! -s "$T/err" ] || fail "'$jp_cmd' printed: $(cat "$T/err")"

# Header text that is not UTF-8 (Latin-1, as old packages have) and holds
# control characters XML 1.0 forbids: the metadata must stay well-formed
# and the package readable by dnf (createrepo_c drops such a package).
hostile=$T/hostile
mkdir -p "$hostile/SPECS" "$T/hrepo"
cat >"$hostile/SPECS/enc.spec" <<'EOF'
%global _binary_payload w0.ufdio
%define _build_id_links none
%define _invalid_encoding_terminates_build 0
Name: enc
Version: 1
Release: 1
Summary: latin1 %{lua: print(string.char(0xe9))}t%{lua: print(string.char(0xe9))} ctl %{lua: print(string.char(1))} end
License: MIT
BuildArch: noarch
AutoReqProv: no
%description
Desc with %{lua: print(string.char(27))}[1m escape and %{lua: print(string.char(0xff))} byte.
%files
%changelog
* Mon Jan 01 2024 J%{lua: print(string.char(0xf6))}rg <j@example.com> - 1-1
- latin1 %{lua: print(string.char(0xe4))} and ctl %{lua: print(string.char(4))} end
EOF
rpmbuild --quiet --define "_topdir $hostile" -bb "$hostile/SPECS/enc.spec" \
    >"$hostile/log" 2>&1 || fail "rpmbuild enc.spec: $(cat "$hostile/log")"
cp "$hostile"/RPMS/noarch/enc-1-1.noarch.rpm "$T/hrepo/"
rpm -qp --qf '%{summary}' "$T/hrepo/enc-1-1.noarch.rpm" 2>/dev/null | od -An -c |
    grep -q '001' || fail "test bug: enc's summary has no control character"
jp_expect 0 build "$T/hrepo"
jp_assert_repomd "$T/hrepo" "header text with Latin-1 and control characters"
jp_dnf "$T/hrepo" repoquery --qf '%{name}|%{summary}' enc
[ "$rc" = 0 ] && grep -q '^enc|latin1 ' "$T/dnf.out" ||
    fail "dnf cannot read enc from a repository with odd header text: $(cat "$T/dnf.out" "$T/dnf.err")"
jp_dnf "$T/hrepo" repoquery --changelogs enc
grep -q 'latin1 .* and ctl' "$T/dnf.out" ||
    fail "dnf cannot read enc's changelog: $(cat "$T/dnf.out" "$T/dnf.err")"

# Compression: gz, xz, zstd; dnf reads each, the content is the same.
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
jp_expect 0 build --compress gz "$repo"
jp_md_content "$repo" "$T/c.gz"
for z in xz:xz zstd:zst; do
	alg=${z%%:*}
	ext=${z#*:}
	jp_expect 0 build --compress "$alg" "$repo"
	jp_assert_repomd "$repo" "--compress $alg"
	for t in primary filelists other; do
		case $(jp_md_href "$repo" $t) in
		repodata/*-$t.xml.$ext) ;;
		*) fail "--compress $alg: $t is '$(jp_md_href "$repo" $t)', want *-$t.xml.$ext" ;;
		esac
	done
	[ -z "$(find "$repo/repodata" -name '*.gz')" ] ||
	    fail "--compress $alg left .gz files in repodata/"
	jp_md_content "$repo" "$T/c.$ext"
	cmp -s "$T/c.gz" "$T/c.$ext" || fail "--compress $alg changed the metadata content"
	jp_dnf_nevras "$repo" >"$T/nevras.$ext"
	[ "$rc" = 0 ] || fail "dnf cannot read the $alg repository: $(cat "$T/dnf.err")"
	[ "$(wc -l <"$T/nevras.$ext")" -eq "$n" ] ||
	    fail "dnf sees $(wc -l <"$T/nevras.$ext") packages in the $alg repository, want $n"
	# Changelogs live in other.xml: dnf must read that file too.
	jp_dnf "$repo" repoquery --changelogs demo-files
	grep -q 'Escapes: <&> and "double"' "$T/dnf.out" ||
	    fail "dnf cannot read the $alg other.xml: $(cat "$T/dnf.out" "$T/dnf.err")"
done
exit 0
