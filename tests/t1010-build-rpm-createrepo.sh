#!/bin/sh
# jprepo build and createrepo_c index the same packages; dnf must read the
# same thing from both repositories (every field of every package, file
# lists, changelogs), and the XML must hold the same elements and
# attributes once package order and list order are set aside.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd createrepo_c dnf rpm xmllint
need_jprepo

a=$T/jprepo
b=$T/createrepo
jp_copy_corpus "$a"
jp_copy_corpus "$b"
# A package file under a path with a space, non-ASCII, XML and URL
# specials: the location must still lead dnf to it.
sh "$JP_SRCDIR/tests/mkrpms.sh" -p oddpath,1.0,1 "$T/odd" || fail "mkrpms.sh -p"
odd='odd dir/ü&<x>#%20/oddpath 1.0 (1).rpm'
for r in "$a" "$b"; do
	mkdir -p "$r/${odd%/*}"
	cp -p "$T/odd/oddpath-1.0-1.noarch.rpm" "$r/$odd"
done
jp_expect 0 build "$a"
createrepo_c --no-database -q "$b" || fail "createrepo_c failed on the corpus"
jp_assert_repomd "$a"

# What dnf reads.
jp_dnf_dump "$b" "$T/dnf.createrepo"
jp_dnf_dump "$a" "$T/dnf.jprepo"
n=$(grep -c '^== ' "$T/dnf.createrepo")
[ "$n" = "$(jp_count_rpms "$b")" ] ||
    fail "oracle broken: dnf sees $n packages in the createrepo_c repository"
grep -q '^req-ge >= 5:6.0-7$' "$T/dnf.createrepo" ||
    fail "oracle broken: no versioned requirement in the dnf dump"
diff -u "$T/dnf.createrepo" "$T/dnf.jprepo" >"$T/dnf.diff" || {
	cat "$T/dnf.diff" >&2
	fail "dnf reads the jprepo repository differently from createrepo_c's (diff above: - createrepo_c, + jprepo)"
}

# dnf finds the file at the odd path and checks it against its pkgid.
if [ "$(id -u)" = 0 ]; then
	jp_dnf "$a" --installroot="$T/root" install oddpath
	[ "$rc" = 0 ] ||
	    fail "dnf cannot install the package at '$odd': $(cat "$T/dnf.out" "$T/dnf.err")"
	[ "$(rpm --root "$T/root" -q oddpath)" = oddpath-1.0-1.noarch ] ||
	    fail "dnf did not install oddpath-1.0-1.noarch from '$odd'"
else
	note "not root: dnf install from '$odd' skipped"
fi

# What the XML says, normalised: packages sorted, dependency and file lists
# sorted, everything else (attributes, text, changelog order) kept.
if command -v python3 >/dev/null 2>&1; then
	cat >"$T/norm.py" <<'EOF'
import sys, xml.etree.ElementTree as ET
LISTS = ("provides", "requires", "conflicts", "obsoletes", "suggests",
	 "enhances", "recommends", "supplements")
def local(e):
	return e.tag.split("}")[-1]
def canon(e, depth):
	attrs = " ".join('%s="%s"' % (k, v) for k, v in sorted(e.attrib.items()))
	text = (e.text or "").strip()
	head = "  " * depth + "%s %s|%s" % (e.tag, attrs, text)
	kids = [(local(c), canon(c, depth + 1)) for c in e]
	if local(e) in LISTS:
		kids.sort()
	else:
		# the order of <file> elements carries no meaning
		kids = [k for k in kids if k[0] != "file"] + \
		    sorted(k for k in kids if k[0] == "file")
	return "\n".join([head] + [k[1] for k in kids])
root = ET.parse(sys.argv[1]).getroot()
print(root.tag, sorted(root.attrib.items()))
for p in sorted(canon(p, 0) for p in root):
	print(p)
EOF
	for t in primary filelists other; do
		jp_md_xml "$a" $t "$T/a.$t.xml"
		jp_md_xml "$b" $t "$T/b.$t.xml"
		python3 "$T/norm.py" "$T/a.$t.xml" >"$T/a.$t.norm" ||
		    fail "cannot parse jprepo's $t"
		python3 "$T/norm.py" "$T/b.$t.xml" >"$T/b.$t.norm" ||
		    fail "cannot parse createrepo_c's $t"
		diff -u "$T/b.$t.norm" "$T/a.$t.norm" >"$T/$t.diff" || {
			head -n 200 "$T/$t.diff" >&2
			fail "$t.xml differs from createrepo_c's (diff above: - createrepo_c, + jprepo)"
		}
	done
else
	note "python3 not found: XML-level comparison skipped"
fi
exit 0
