#!/bin/sh
# --advisories FILE adds updateinfo to the repository: two files merged,
# a package named by an advisory but absent from the repository reported
# in a warning, and dnf shows the advisories exactly as it shows them from
# the same updateinfo added by createrepo_c + modifyrepo_c.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd dnf rpm xmllint createrepo_c modifyrepo_c
need_root "dnf --installroot"
need_jprepo

repo=$T/repo
jp_copy_corpus "$repo"

cat >"$T/adv1.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="security@example.com" status="final" type="security" version="1">
    <id>JPT-2024:0001</id>
    <title>Important: hello security update</title>
    <issued date="2024-01-02 00:00:00"/>
    <updated date="2024-01-03 00:00:00"/>
    <severity>Important</severity>
    <summary>hello fix</summary>
    <description>Fixes CVE-2024-0001 in hello &lt;&amp;&gt;.</description>
    <reboot_suggested>False</reboot_suggested>
    <references>
      <reference href="https://example.com/CVE-2024-0001" id="CVE-2024-0001" type="cve" title="CVE-2024-0001"/>
    </references>
    <pkglist>
      <collection short="jpt">
        <name>jprepo test</name>
        <package name="hello" version="2.0" release="1" epoch="0" arch="noarch" src="hello-2.0-1.src.rpm">
          <filename>hello-2.0-1.noarch.rpm</filename>
        </package>
        <package name="nothere" version="1.0" release="1" epoch="0" arch="x86_64" src="nothere-1.0-1.src.rpm">
          <filename>nothere-1.0-1.x86_64.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
EOF
cat >"$T/adv2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="bugs@example.com" status="stable" type="bugfix" version="2">
    <id>JPT-2024:0002</id>
    <title>epochpkg bug fix</title>
    <issued date="2024-02-01 00:00:00"/>
    <severity>Moderate</severity>
    <summary>epochpkg fix</summary>
    <description>Fixes a bug in epochpkg.</description>
    <references>
      <reference href="https://bugs.example.com/42" id="42" type="bugzilla" title="bug 42"/>
    </references>
    <pkglist>
      <collection short="jpt">
        <name>jprepo test</name>
        <package name="epochpkg" version="0.5" release="3" epoch="2" arch="noarch" src="epochpkg-0.5-3.src.rpm">
          <filename>epochpkg-0.5-3.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
EOF

# The oracle: the same packages with createrepo_c, both advisories in one
# updateinfo.xml added by modifyrepo_c.
oracle=$T/oracle
jp_copy_corpus "$oracle"
createrepo_c --no-database -q "$oracle" || fail "createrepo_c failed"
{
	sed -n '1,2p' "$T/adv1.xml"
	sed -e '1,2d' -e '$d' "$T/adv1.xml"
	sed -e '1,2d' -e '$d' "$T/adv2.xml"
	echo '</updates>'
} >"$T/updateinfo.xml"
xmllint --noout "$T/updateinfo.xml" || fail "test bug: merged updateinfo.xml"
modifyrepo_c --mdtype=updateinfo "$T/updateinfo.xml" "$oracle/repodata" >/dev/null ||
    fail "modifyrepo_c failed"

# First without advisories; then with them, nothing else changed: the
# build must still write updateinfo.
jp_expect 0 build "$repo"
[ -z "$(jp_md_href "$repo" updateinfo)" ] || fail "updateinfo without --advisories"
jp_expect 0 build --advisories "$T/adv1.xml" --advisories "$T/adv2.xml" "$repo"
jp_err_has 'nothere' "the advisory's package missing from the repository"
jp_assert_repomd "$repo"
[ -n "$(jp_md_href "$repo" updateinfo)" ] || fail "no updateinfo in repomd.xml"
jp_md_xml "$repo" updateinfo "$T/ui.xml"
ids=$(jp_xp "$T/ui.xml" "//*[local-name()='update']/*[local-name()='id']/text()" | sort | tr '\n' ' ')
[ "$ids" = "JPT-2024:0001 JPT-2024:0002 " ] ||
    fail "updateinfo holds advisories '$ids', want JPT-2024:0001 JPT-2024:0002"

# dnf, with old versions installed, sees the advisories as it sees the
# oracle's.
root=$T/root
dnf -q -y --installroot="$root" --setopt=reposdir=/dev/null \
    --setopt=cachedir="$T/cache" --releasever=1 --noplugins \
    --repofrompath=local,"file://$repo" --setopt=local.gpgcheck=0 \
    install hello-1.0-1 epochpkg-1:9.0-1 >"$T/dnf.log" 2>&1 ||
    fail "dnf install failed: $(cat "$T/dnf.log")"
for r in oracle repo; do
	eval "d=\$$r"
	for q in "list --all" "info --all"; do
		# shellcheck disable=SC2086
		dnf -q --installroot="$root" --setopt=reposdir=/dev/null \
		    --setopt=cachedir="$T/cache.$r" --releasever=1 --noplugins \
		    --repofrompath=r,"file://$d" --repo=r updateinfo $q \
		    >>"$T/ui.$r" 2>&1 ||
		    fail "dnf updateinfo $q over $r failed: $(cat "$T/ui.$r")"
	done
done
grep -q 'JPT-2024:0001.*hello-2.0-1.noarch' "$T/ui.oracle" &&
    grep -q 'JPT-2024:0002.*epochpkg-2:0.5-3.noarch' "$T/ui.oracle" ||
    fail "oracle broken: dnf does not list both advisories: $(cat "$T/ui.oracle")"
diff -u "$T/ui.oracle" "$T/ui.repo" >&2 ||
    fail "dnf updateinfo differs between createrepo_c+modifyrepo_c and jprepo (- oracle, + jprepo)"

# Other advisories, same packages: updateinfo follows.
jp_expect 0 build --advisories "$T/adv2.xml" "$repo"
jp_assert_repomd "$repo" "rebuilt with one advisories file"
jp_md_xml "$repo" updateinfo "$T/ui.xml"
ids=$(jp_xp "$T/ui.xml" "//*[local-name()='update']/*[local-name()='id']/text()" | sort | tr '\n' ' ')
[ "$ids" = "JPT-2024:0002 " ] ||
    fail "after a build with adv2.xml only, updateinfo holds '$ids', want JPT-2024:0002"

# Without --advisories the next build has no updateinfo.
jp_expect 0 build "$repo"
jp_assert_repomd "$repo" "rebuilt without --advisories"
[ -z "$(jp_md_href "$repo" updateinfo)" ] ||
    fail "updateinfo still published after a build without --advisories"

# A missing or malformed advisories file is fatal and changes nothing.
jp_repodata_sums "$repo" >"$T/before"
jp build --advisories "$T/missing.xml" "$repo"
[ "$rc" = 3 ] || fail "'$jp_cmd' (no such file): exit $rc, want 3; stderr:
$(cat "$T/err")"
jp_err_has 'missing\.xml' "the advisories file"
printf '<updates><update>\n' >"$T/broken.xml"
jp build --advisories "$T/broken.xml" "$repo"
[ "$rc" = 3 ] || fail "'$jp_cmd' (malformed XML): exit $rc, want 3; stderr:
$(cat "$T/err")"
jp_err_has 'broken\.xml' "the advisories file"
jp_repodata_sums "$repo" >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a failed build with bad --advisories changed repodata/"
exit 0
