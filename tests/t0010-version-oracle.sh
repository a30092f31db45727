#!/bin/sh
# t0010-version-oracle: hold the version module against the real tools.
#
# Generates version pairs deterministically (a fixed-seed Park-Miller
# generator in awk) mixing tildes, carets, epochs (empty, zero-padded,
# beyond 64 bits), leading zeros, letters, dots, plus signs, several
# segments and missing releases or revisions, and compares the answers of
# tests/vercmp (the library) with:
#   - rpm: rpm.vercmp() in ONE `rpm --eval '%{lua: ...}'` run over a file.
#     rpm 4.18's rpm.vercmp() takes full "E:V-R" strings (rpmverParse,
#     rpmverCmp), but sorts a missing release before a present one and
#     compares an empty one ("1.0-") as a release, where jp_rpm_evrcmp()
#     lets both match any release, as rpm's dependency matching does; for
#     such pairs rpm is given both sides without their releases, which is
#     exactly that rule;
#   - dpkg: `dpkg --compare-versions` per pair (valid versions only, plus
#     the empty version), and dpkg's own diagnosis of valid and broken
#     version strings against jp_deb_version_check().
# Prints the number of pairs checked and every disagreement; exits 1 on any.
set -u

: "${JP_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
VERCMP=$JP_BUILDDIR/tests/vercmp
me=t0010
if [ ! -x "$VERCMP" ]; then
	echo "$me: cannot find '$VERCMP': run 'make check', or set JP_BUILDDIR to the build tree" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/jp-t0010.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

fail=0
checked=0
TAB=$(printf '\t')

# The generator.  rnd(n) is an integer in [0, n); the products stay below
# 2^53, so every awk computes the same sequence.
GEN='
function rnd(n) { seed = (seed * 16807) % 2147483647; return seed % n }
function pick(s,   w, n) { n = split(s, w, " "); return w[rnd(n) + 1] }
function num(   r) {
	r = rnd(12)
	if (r < 5) return rnd(10) ""
	if (r < 7) return rnd(100) ""
	if (r < 8) return "0" rnd(10)
	if (r < 9) return "00" rnd(100)
	if (r < 10) return rnd(100000) ""
	return rnd(2) ""
}
function bignum(   s, n) {
	s = 1 + rnd(9); n = 18 + rnd(8)
	while (length(s) < n) s = s rnd(10)
	return s
}
# A version of 1 to 5 segments; seps holds the separators to pick from,
# words the letter runs.
function version(seps, words,   s, n, i, r) {
	s = (rnd(10) < 8) ? num() : pick(words)
	n = rnd(5)
	for (i = 0; i < n; i++) {
		r = rnd(10)
		s = s pick(seps) ((r < 6) ? num() : pick(words))
	}
	return s
}
# A small change to v that keeps its first character: a suffix, a zero
# put before a digit run, a last character changed or dropped.
function mutate(v, suffixes, chars,   r, p) {
	r = rnd(10)
	if (r < 4) return v pick(suffixes)
	if (r < 6 && match(substr(v, 2), /[0-9]+/))
		return substr(v, 1, RSTART) "0" substr(v, RSTART + 1)
	if (r < 8 && length(v) > 1)
		return substr(v, 1, length(v) - 1) pick(chars)
	if (length(v) > 1) return substr(v, 1, length(v) - 1)
	return v pick(suffixes)
}
'

#
# rpm
#
if command -v rpm >/dev/null 2>&1; then
	# Each line: our pair "A B", then the pair given to rpm.
	awk -v seed=20240611 -v n=2500 "$GEN"'
	function rpmver() {
		return version(". . . + _ ~ ^ ~ ^ . .", "a b rc pre beta git p post el Z A svn x")
	}
	function rpmrel() {
		return version(". . _ ~ ^ +", "el fc git beta rc a p")
	}
	# "-" stands for no release, "" for an empty one ("1.0-").
	function release(   r) {
		r = rnd(30)
		if (r < 4) return "-"
		if (r < 5) return ""
		return rpmrel()
	}
	function epoch(   r) {
		r = rnd(20)
		if (r < 9) return "-"
		if (r < 11) return "0"
		if (r < 14) return (1 + rnd(20)) ""
		if (r < 16) return "0" rnd(10)
		if (r < 17) return ""
		if (r < 18) return "00"
		return bignum()
	}
	function evr(e, v, r) {
		return ((e == "-") ? "" : e ":") v ((r == "-") ? "" : "-" r)
	}
	BEGIN {
		sfx = "~rc1 ^git1 .0 a .1 ~ ^ +b 0 _1 ~~ ^1 p1"
		chr = "0 1 9 a z A . ~ ^ +"
		for (i = 0; i < n; i++) {
			ea = epoch(); va = rpmver(); ra = release()
			if (rnd(2)) {
				eb = (rnd(3) == 0) ? epoch() : ea
				vb = (rnd(4) == 0) ? va : mutate(va, sfx, chr)
				rb = release()
				if (rb != "-" && rb != "" && ra != "-" && ra != "" && rnd(3) != 0)
					rb = mutate(ra, sfx, chr)
				if (rnd(4) == 0) vb = va
			} else {
				eb = epoch(); vb = rpmver(); rb = release()
			}
			# A "-" inside the version when both releases are there:
			# only the last "-" starts the release.
			if (ra != "-" && ra != "" && rb != "-" && rb != "" && rnd(6) == 0) {
				x = num()
				va = va "-" x
				vb = vb "-" (rnd(2) ? x : num())
			}
			a = evr(ea, va, ra); b = evr(eb, vb, rb)
			if (ra == "-" || rb == "-" || ra == "" || rb == "") {
				ra = "-"; rb = "-"
			}
			print a " " b " " evr(ea, va, ra) " " evr(eb, vb, rb)
		}
	}' >"$tmp/rpm.gen"
	cut -d' ' -f1,2 <"$tmp/rpm.gen" >"$tmp/rpm.ours.in"
	cut -d' ' -f3,4 <"$tmp/rpm.gen" >"$tmp/rpm.oracle.in"
	"$VERCMP" rpm <"$tmp/rpm.ours.in" >"$tmp/rpm.ours" || fail=1
	rpm --eval "%{lua:
		local out = io.open([[$tmp/rpm.oracle]], 'w')
		for l in io.lines([[$tmp/rpm.oracle.in]]) do
			local sp = l:find(' ', 1, true)
			out:write(rpm.vercmp(l:sub(1, sp - 1), l:sub(sp + 1)), '\n')
		end
		out:close()
	}" >/dev/null || fail=1
	n=$(wc -l <"$tmp/rpm.gen")
	if [ ! -s "$tmp/rpm.oracle" ] || [ "$(wc -l <"$tmp/rpm.oracle")" -ne "$n" ] ||
	    [ "$(wc -l <"$tmp/rpm.ours")" -ne "$n" ]; then
		echo "$me: rpm: missing answers (rpm without lua?)" >&2
		fail=1
	else
		paste -d' ' "$tmp/rpm.gen" "$tmp/rpm.ours" "$tmp/rpm.oracle" |
		awk '$5 != $6 {
			printf "rpm: DISAGREE %s vs %s: jprepo %s, rpm.vercmp(%s, %s) %s\n", $1, $2, $5, $3, $4, $6
			bad++
		}
		END { exit bad > 0 }' || fail=1
		echo "$me: rpm: $n pairs checked against rpm $(rpm --version | awk '{print $NF}')"
		checked=$((checked + n))
	fi
else
	echo "$me: rpm not found: rpm order not checked"
fi

#
# dpkg
#
dcmp() {
	if dpkg --compare-versions -- "$1" lt "$2" 2>>"$tmp/dpkg.err"; then
		echo -1
	elif dpkg --compare-versions -- "$1" eq "$2" 2>>"$tmp/dpkg.err"; then
		echo 0
	else
		echo 1
	fi
}

if command -v dpkg >/dev/null 2>&1; then
	# Valid versions only; the pair is split by a tab.  A few pairs hold
	# the empty version, which dpkg --compare-versions sorts first.
	awk -v seed=19970301 -v n=2000 "$GEN"'
	function words() { return "a b rc pre beta dfsg git ubuntu deb bpo Z A build" }
	# dpkg wants a digit first in the upstream version.
	function upstream(colon, dash,   u) {
		u = version(". . . + ~ ~ . + ." colon dash, words())
		return (u ~ /^[0-9]/) ? u : num() u
	}
	function revision() { return version(". + ~ . .", words()) }
	function epoch(   r) {
		r = rnd(20)
		if (r < 10) return "-"
		if (r < 12) return "0"
		if (r < 15) return (1 + rnd(20)) ""
		if (r < 17) return "0" rnd(10)
		if (r < 18) return "00"
		return pick("2147483647 2147483646 999999999 1000000000")
	}
	function ver(   e, r, u) {
		e = epoch(); r = (rnd(5) == 0) ? "-" : revision()
		u = upstream((e != "-" && rnd(6) == 0) ? " :" : "", (r != "-" && rnd(6) == 0) ? " -" : "")
		return mk(e, u, r)
	}
	function mk(e, u, r) { return ((e == "-") ? "" : e ":") u ((r == "-") ? "" : "-" r) }
	BEGIN {
		sfx = "~rc1 +b1 .0 a ~ .1 +dfsg 0 ~~ .a A"
		chr = "0 1 9 a z A Z . ~ +"
		for (i = 0; i < n; i++) {
			if (i % 200 == 7) { print "" "\t" ver(); continue }
			if (i % 200 == 8) { print ver() "\t" ""; continue }
			if (i % 200 == 9) { print "\t"; continue }
			if (rnd(2)) {
				ea = epoch(); ra = (rnd(5) == 0) ? "-" : revision()
				ua = upstream("", "")
				eb = (rnd(3) == 0) ? epoch() : ea
				ub = (rnd(4) == 0) ? ua : mutate(ua, sfx, chr)
				rb = (rnd(6) == 0) ? "-" : (ra == "-" || rnd(3) == 0) ? revision() : mutate(ra, sfx, chr)
				print mk(ea, ua, ra) "\t" mk(eb, ub, rb)
			} else
				print ver() "\t" ver()
		}
	}' >"$tmp/deb.gen"
	"$VERCMP" deb <"$tmp/deb.gen" >"$tmp/deb.ours" || fail=1
	: >"$tmp/dpkg.err"
	while IFS= read -r line; do
		dcmp "${line%%"$TAB"*}" "${line#*"$TAB"}"
	done <"$tmp/deb.gen" >"$tmp/deb.oracle"
	n=$(wc -l <"$tmp/deb.gen")
	if [ -s "$tmp/dpkg.err" ]; then
		echo "$me: dpkg: the generator made versions that dpkg does not take:" >&2
		sort -u "$tmp/dpkg.err" | head -20 >&2
		fail=1
	fi
	if [ "$(wc -l <"$tmp/deb.ours")" -ne "$n" ]; then
		echo "$me: dpkg: missing answers from vercmp" >&2
		fail=1
	else
		paste "$tmp/deb.gen" "$tmp/deb.ours" "$tmp/deb.oracle" |
		awk -F'\t' '$3 != $4 {
			printf "dpkg: DISAGREE [%s] vs [%s]: jprepo %s, dpkg %s\n", $1, $2, $3, $4
			bad++
		}
		END { exit bad > 0 }' || fail=1
	fi
	echo "$me: dpkg: $n pairs checked against dpkg $(dpkg-query -W -f '${Version}' dpkg 2>/dev/null)"
	checked=$((checked + n))

	# Every generated version is valid for us too.
	tr '\t' '\n' <"$tmp/deb.gen" | grep -v '^$' | sort -u >"$tmp/deb.valid"
	"$VERCMP" debcheck <"$tmp/deb.valid" | paste "$tmp/deb.valid" - |
	awk -F'\t' '$2 != "ok" {
		printf "dpkg: DISAGREE check [%s]: jprepo \"%s\", dpkg takes it\n", $1, $2
		bad++
	}
	END { exit bad > 0 }' || fail=1

	# Broken versions: curated ones, then valid ones with a character put
	# in or in front.  dpkg's message (error or warning) must be ours.
	{
		printf '%s\n' ' ' '1 2' ':1' 'a:1' '+:1' '1a:1' '0x1:1' '-1:1' \
		    '-0:1' '+1:1' '2147483647:1' '2147483648:1' \
		    '99999999999999999999:1' '-99999999999999999999:1' '1:' \
		    '1.0-' '-1' '1:-1' '-' 'a1' '~1' '1:a' '1_0' '1.0-a_b' \
		    '1:2:3' '1:1:' '1.0-2-3' ' 1.0 ' '1.0^1' '1-a:b' '1.0-1:' \
		    '1.0-~' '00:1' '1:1.0-a:b' "${TAB}1.0${TAB}" "1.0${TAB}1"
		awk -v seed=424242 -v n=300 "$GEN"'
		BEGIN {
			bad = "_ ^ @ , ! / = - : a A ~ . + 0 %"
			for (i = 0; i < n; i++) {
				v = version(". + ~ : -", "a b rc Z")
				c = pick(bad)
				r = rnd(6)
				if (r == 0) print c v
				else if (r == 1) print v c
				else {
					p = rnd(length(v) + 1)
					print substr(v, 1, p) c substr(v, p + 1)
				}
			}
		}'
	} | sort -u >"$tmp/syntax.in"
	"$VERCMP" debcheck <"$tmp/syntax.in" >"$tmp/syntax.ours"
	while IFS= read -r v; do
		msg=$(dpkg --compare-versions -- "$v" eq "$v" 2>&1 >/dev/null |
		    sed -n '1s/.* has bad syntax: //p')
		echo "${msg:-ok}"
	done <"$tmp/syntax.in" >"$tmp/syntax.oracle"
	ns=$(wc -l <"$tmp/syntax.in")
	paste "$tmp/syntax.in" "$tmp/syntax.ours" "$tmp/syntax.oracle" |
	awk -F'\t' '{ v = $1; for (i = 2; i < NF - 1; i++) v = v "\\t" $i }
	$(NF - 1) != $NF {
		printf "dpkg: DISAGREE check [%s]: jprepo \"%s\", dpkg \"%s\"\n", v, $(NF - 1), $NF
		bad++
	}
	END { exit bad > 0 }' || fail=1
	echo "$me: dpkg: $ns version strings checked against dpkg's diagnosis"
	checked=$((checked + ns))
else
	echo "$me: dpkg not found: dpkg order not checked"
fi

if [ "$checked" -eq 0 ]; then
	echo "$me: SKIP: neither rpm nor dpkg is installed"
	exit 77
fi
if [ "$fail" -ne 0 ]; then
	echo "$me: FAIL"
	exit 1
fi
echo "$me: $checked checks, all agree"
exit 0
