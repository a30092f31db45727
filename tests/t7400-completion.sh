#!/bin/sh
# Bash completion (tools/completion/jprepo.bash) against the program it
# completes: the commands equal those `jprepo --help` lists; for the global
# options and every command, the options completed equal the long options
# its --help lists, and an option is completed with a value exactly when
# the program's own option parser demands one (getopt: "requires an
# argument" / "doesn't allow an argument"); every word offered as an
# option's value is one the command accepts and its --help names.  File
# and directory arguments come from the file system (names with blanks
# whole), transaction IDs from a journal written with sqlite3, checked
# against `jprepo history`; without a journal jprepo is not run at all.
# Then real bash through a pseudo-terminal: readline completes what is
# typed (the function registered with `complete`, --opt=value split by
# bash itself).  Last, `make install DESTDIR=...` puts the file where
# bash-completion's on-demand loader finds it, and `make uninstall`
# removes it.
. "${JP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd bash python3 sqlite3
need_jprepo

comp_file=$JP_SRCDIR/tools/completion/jprepo.bash
[ -r "$comp_file" ] || fail "no completion file '$comp_file'"
bash -n "$comp_file" || fail "bash cannot parse '$comp_file'"

# comp WORD... (the last is the one being completed, or word $JP_CWORD):
# what _jprepo offers, one per line, sorted; run in the current directory
# like a shell would.
cat >"$T/comp.bash" <<'EOF'
. "$1" || exit 99
shift
COMP_WORDS=("$@")
COMP_CWORD=${JP_CWORD:-$(($# - 1))}
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
_jprepo || exit 98
[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
EOF
comp() {
	bash "$T/comp.bash" "$comp_file" "$@" 2>"$T/comp.err" ||
	    fail "_jprepo failed for '$*': $(cat "$T/comp.err")"
	[ -s "$T/comp.err" ] && fail "_jprepo wrote to stderr for '$*': $(cat "$T/comp.err")"
	return 0
}
# expect_comp "WANT LINES" WORD...: the completion of WORD... is exactly WANT
expect_comp() {
	want=$1
	shift
	printf '%s' "$want" | LC_ALL=C sort >"$T/want"
	[ -n "$want" ] && echo >>"$T/want"
	sed '/^$/d' "$T/want" >"$T/want.1"
	comp "$@" >"$T/got"
	diff -u "$T/want.1" "$T/got" >&2 ||
	    fail "completion of '$*' differs (- expected, + got)"
}

# long_options: the long options of a --help text on stdin, one per line,
# sorted, from its option table: lines "  -x, --name", "      --name" or
# "  --name" (continuation lines of a description are indented further).
long_options() {
	sed -n 's/^  \(-[A-Za-z0-9], \|    \)\{0,1\}--\([a-z][a-z0-9-]*\).*/--\2/p' |
	    LC_ALL=C sort -u
}

# --- commands ------------------------------------------------------------------
"$JPREPO" --help >"$T/help" || fail "jprepo --help failed"
sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$T/help" |
    LC_ALL=C sort >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 10 ] ||
    fail "cannot read the commands from jprepo --help: $(cat "$T/help")"
comp jprepo '' >"$T/got"
diff -u "$T/commands" "$T/got" >&2 ||
    fail "the commands completed differ from 'jprepo --help' (- help, + completion: edit _jprepo_commands)"
expect_comp "$(grep '^b' "$T/commands")" jprepo b
expect_comp "$(grep '^s' "$T/commands")" jprepo -q -v s
expect_comp "$(cat "$T/commands")" jprepo -C /tmp ''

# --- options of every command --------------------------------------------------
long_options <"$T/help" >"$T/want"
comp jprepo - >"$T/got"
diff -u "$T/want" "$T/got" >&2 ||
    fail "global options: completion differs from 'jprepo --help' (- help, + completion)"

# first CMD: the words that put CMD's own option parser in charge
first() {
	case $1 in
	bundle) echo bundle info ;;
	key) echo key generate ;;
	*) echo "$1" ;;
	esac
}

nopts=0
for cmd in $(cat "$T/commands"); do
	# shellcheck disable=SC2046
	"$JPREPO" $(first "$cmd") --help >"$T/help.$cmd" 2>&1 ||
	    fail "'jprepo $cmd --help' failed"
	long_options <"$T/help.$cmd" >"$T/want"
	comp jprepo "$cmd" -- >"$T/got"
	# "--" alone completes the options that start with it: all of them
	diff -u "$T/want" "$T/got" >&2 ||
	    fail "jprepo $cmd: options completed differ from its --help (- help, + completion: edit _jprepo_options)"
	for opt in $(cat "$T/want"); do
		nopts=$((nopts + 1))
		# the program's parser: a value refused, or taken (then refused
		# or the bogus option after it) and demanded when missing.
		# Each run stops at its first bad option: nothing is done.
		# shellcheck disable=SC2046
		"$JPREPO" $(first "$cmd") "$opt=x" --no-such-option \
		    </dev/null >/dev/null 2>"$T/e2"
		if grep -q "option '$opt' doesn't allow an argument" "$T/e2"; then
			takes=no
		else
			# shellcheck disable=SC2046
			"$JPREPO" $(first "$cmd") "$opt" </dev/null >/dev/null 2>"$T/e1"
			grep -q "option '$opt' requires an argument" "$T/e1" ||
			    fail "jprepo $cmd $opt: neither refuses a value nor demands one: $(cat "$T/e2" "$T/e1")"
			takes=yes
		fi
		if kind=$(bash -c '. "$1"; _jprepo_optarg "$2" "$3"' sh \
		    "$comp_file" "$cmd" "$opt"); then
			[ "$takes" = yes ] ||
			    fail "jprepo $cmd $opt takes no value, the completion expects one ($kind)"
		else
			[ "$takes" = no ] ||
			    fail "jprepo $cmd $opt needs a value, the completion does not know it"
			continue
		fi
		case $kind in
		dir|file|word) continue ;;
		esac
		# a fixed set of values: each is named in the help and gets
		# past the parser (then the bogus option after it is refused)
		comp jprepo "$cmd" "$opt" '' >"$T/vals"
		# shellcheck disable=SC2086
		[ "$(printf '%s\n' $kind | LC_ALL=C sort)" = "$(cat "$T/vals")" ] ||
		    fail "jprepo $cmd $opt '': completion is not '$kind': $(cat "$T/vals")"
		for v in $kind; do
			grep -qw -- "$v" "$T/help.$cmd" ||
			    fail "jprepo $cmd $opt: '$v' is not in its --help"
			# shellcheck disable=SC2046
			"$JPREPO" $(first "$cmd") "$opt" "$v" --no-such-option \
			    </dev/null >/dev/null 2>"$T/e3"
			grep -q "unrecognized option '--no-such-option'" "$T/e3" ||
			    fail "jprepo $cmd $opt $v: refused before the next option: $(cat "$T/e3")"
		done
	done
done
note "$nopts options checked against the program's parser"
[ "$nopts" -ge 80 ] || fail "only $nopts options found in the --help texts"

# values: a prefix, the --opt=value form bash splits into three words
expect_comp "dnf" jprepo apply --pm d
expect_comp "zypper" jprepo apply --pm = z
expect_comp "bulk
one-by-one" jprepo apply --mode =
expect_comp "xz" jprepo build --jobs 2 --compress x
expect_comp "" jprepo build --wait ''
expect_comp "--compress" jprepo build --wait 5 --compr
# a value that looks like an option is still the value
expect_comp "" jprepo build --label -
expect_comp "Critical" jprepo plan --min-severity C
# one word "--pm=d" (a COMP_WORDBREAKS without '=')
expect_comp "--pm=dnf" jprepo apply --pm=d
# after "--" only arguments
expect_comp "" jprepo plan --repo d1 -- --re
expect_comp "ed25519" jprepo key generate --algo e

# --- file and directory arguments ----------------------------------------------
mkdir -p "$T/fs/d1" "$T/fs/d 2" "$T/fs/.hidden"
: >"$T/fs/f1.pem"
: >"$T/fs/f 2.plan"
cd "$T/fs" || fail "cannot cd"
# bash's own file completion offers dot-files too (readline's
# match-hidden-files is on by default): so does ours
dirs=".hidden
d 2
d1"
files="$dirs
f 2.plan
f1.pem"
expect_comp "$dirs" jprepo import --store ''
expect_comp "d 2
d1" jprepo import --store = d
expect_comp "$files" jprepo import --trust ''
expect_comp "f 2.plan
f1.pem" jprepo import --trust = f
expect_comp "$dirs" jprepo --quiet build --wait 5 --compress xz ''
expect_comp "$files" jprepo -c ''
expect_comp "$files" jprepo --config = ''
expect_comp "$(cat "$T/commands")" jprepo -c f1.pem -q ''
expect_comp "$dirs" jprepo build -j 2 ''
[ "$(comp jprepo -C "$T" build fs/d)" = "$(printf 'fs/d 2\nfs/d1')" ] ||
    fail "a path with its directory"
expect_comp "$dirs" jprepo export -o ''
expect_comp "$files" jprepo key export -o ''
expect_comp "$dirs" jprepo apply --repo ''
expect_comp "$dirs" jprepo apply --root = ''
expect_comp "$files" jprepo apply --repo d1 ''
expect_comp "" jprepo apply --repo d1 plan1 ''
expect_comp "$files" jprepo plan --repo d1 f1.pem ''
expect_comp "$dirs" jprepo export --sign-key f1.pem --sign-cert f1.pem -o out d1 ''
expect_comp "$dirs" jprepo bundle verify --trust f1.pem ''
expect_comp ".hidden" jprepo verify .h
expect_comp "$files" jprepo plan --repo d1 -- ''
expect_comp "$files" jprepo report --format html --plan ''
expect_comp "$dirs" jprepo report --history ''
expect_comp "$files" jprepo report --history d1 -o out.html ''
expect_comp "$dirs" jprepo scan --install-timer --scan-dir ''
expect_comp "" jprepo scan --at ''
expect_comp "$(cat "$T/commands")" jprepo help ''
expect_comp "" jprepo help build ''
expect_comp "export
generate" jprepo key ''
expect_comp "info
verify" jprepo bundle ''

# --- transaction IDs -------------------------------------------------------------
# A journal in the schema of jprepo-journal(5) with IDs 1, 2 and 7; a
# wrapper stands for jprepo so that its runs can be counted.
mkdir -p "$T/bin" "$T/root/var/lib/jprepo" "$T/empty"
cat >"$T/bin/jprepo" <<EOF
#!/bin/sh
echo "\$*" >>"$T/runs"
exec "$JPREPO" "\$@"
EOF
chmod +x "$T/bin/jprepo"
{ jp_journal_schema; cat <<'EOF'; } | sqlite3 "$T/root/var/lib/jprepo/journal.sqlite" || fail "no journal"
INSERT INTO transactions VALUES (1, 1764275895, 1764275970, 'apply',
  'one-by-one', 'ok', 'dnf', '12', 'file:///srv/repo', 'web01', NULL,
  'a message with {"id": 99, in it' || char(10) || '    {"id": 98, x', NULL);
INSERT INTO packages VALUES (1, 1, 'hello', 'noarch', '1.0-1', '2.0-1', 'ok',
  NULL, '12', 1);
INSERT INTO transactions VALUES (2, 1764362400, 1764362409, 'apply', 'bulk',
  'failed', 'apt', NULL, 'file:///srv/deb', 'db02', NULL, NULL, NULL);
INSERT INTO transactions VALUES (7, 1764448800, NULL, 'rollback',
  'one-by-one', 'running', 'dnf', NULL, 'file:///srv/repo', 'web01', NULL,
  NULL, 1);
EOF
# the oracles: the database itself and jprepo history's list
ids=$(sqlite3 "$T/root/var/lib/jprepo/journal.sqlite" 'SELECT id FROM transactions ORDER BY id')
[ "$ids" = "$(printf '1\n2\n7')" ] || fail "sqlite3: ids $ids"
jp_expect 0 history --root "$T/root"
[ "$(awk 'NR > 1 { print $1 }' "$T/out")" = "$ids" ] ||
    fail "jprepo history lists other IDs than the journal holds: $(cat "$T/out")"
: >"$T/runs"
expect_comp "$ids" "$T/bin/jprepo" history --root "$T/root" ''
expect_comp "$ids" "$T/bin/jprepo" rollback --root = "$T/root" ''
expect_comp "7" "$T/bin/jprepo" -q rollback --pm dnf --root "$T/root" 7
expect_comp "$ids" "$T/bin/jprepo" -C "$T" rollback --root root ''
# the cursor before --root
JP_CWORD=2
export JP_CWORD
expect_comp "$ids" "$T/bin/jprepo" history '' --root "$T/root"
expect_comp "$ids" "$T/bin/jprepo" history '' --root = "$T/root"
expect_comp "$ids" "$T/bin/jprepo" history '' "--root=$T/root"
unset JP_CWORD
expect_comp "" "$T/bin/jprepo" rollback --root "$T/root" 1 ''
grep -q 'history --json --root' "$T/runs" ||
    fail "the IDs were not read with jprepo history --json: $(cat "$T/runs")"
: >"$T/runs"
expect_comp "" "$T/bin/jprepo" history --root "$T/empty" ''
expect_comp "" "$T/bin/jprepo" rollback --root "$T/nowhere" ''
expect_comp "" "$T/bin/jprepo" rollback --root "$T/root" --json --repo=d1 --keyring f1.pem 1 ''
[ -s "$T/runs" ] && fail "jprepo was run without a journal: $(cat "$T/runs")"
cd "$T" || fail "cannot cd"

# --- real bash, through a pseudo-terminal ------------------------------------------
# Type a line and TAB into an interactive bash that sourced the file, then
# have the completed line's words printed; readline does the completing.
mkdir -p "$T/tty/dir one" "$T/tty/dtwo"
: >"$T/tty/cert.pem"
cat >"$T/ptydrive.py" <<'EOF'
import os, pty, re, select, sys

comp, line = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(PS1='$ ', INPUTRC='/dev/null', HISTFILE='/dev/null',
                      TERM='dumb')
    os.execvp('bash', ['bash', '--norc', '--noprofile', '-i'])

buf = b''
def until(pattern, what):
    global buf
    while True:
        m = re.search(pattern, buf, re.S)
        if m:
            buf = buf[m.end():]
            return m
        r, _, _ = select.select([fd], [], [], 60)
        if not r:
            sys.exit('timed out waiting for %s: %r' % (what, buf))
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b''
        if not data:
            sys.exit('bash went away waiting for %s: %r' % (what, buf))
        buf += data

os.write(fd, b'. "$COMP" && echo "SOURCED""OK"\n'.replace(b'$COMP', comp.encode()))
until(rb'SOURCEDOK\r?\n', 'the file to be sourced')
# the line, TAB, then to its start (C-a) to make it printf's arguments
os.write(fd, line.encode() + b'\t\x01printf "<%s>" \x05; echo "EN""D"\n')
m = until(rb'((?:<[^>\r\n]*>)+)END\r?\n', 'the completed line')
print(m.group(1).decode())
os.write(fd, b'exit\n')
os.waitpid(pid, 0)
EOF
tty_comp() {
	(cd "$T/tty" && python3 "$T/ptydrive.py" "$comp_file" "$1") >"$T/tty.out" 2>&1 ||
	    fail "bash in a pty, '$1': $(cat "$T/tty.out")"
	[ "$(cat "$T/tty.out")" = "$2" ] ||
	    fail "bash in a pty completed '$1' to $(cat "$T/tty.out"), want $2"
}
tty_comp 'jprepo ap' '<jprepo><apply>'
tty_comp 'jprepo apply --pm=z' '<jprepo><apply><--pm=zypper>'
tty_comp 'jprepo build --compress zs' '<jprepo><build><--compress><zstd>'
tty_comp 'jprepo import --store di' '<jprepo><import><--store><dir one/>'
tty_comp 'jprepo bundle verify --trust=c' '<jprepo><bundle><verify><--trust=cert.pem>'
tty_comp 'jprepo verify --pack' '<jprepo><verify><--packages>'

# --- make install ------------------------------------------------------------------
[ -f "$JP_BUILDDIR/Makefile" ] ||
    fail "no Makefile in '$JP_BUILDDIR' for make install: set JP_BUILDDIR to the build tree"
need_cmd make
inst=$T/inst
make -s -C "$JP_BUILDDIR" install DESTDIR="$inst" >"$T/make.log" 2>&1 ||
    fail "make install DESTDIR=$inst failed: $(tail -n 20 "$T/make.log")"
prefix=$(sed -n 's/^prefix = //p' "$JP_BUILDDIR/Makefile")
[ -n "$prefix" ] || fail "no prefix in '$JP_BUILDDIR/Makefile'"
installed=$(cd "$inst" && find . -path '*/bash-completion/completions/*' -type f)
[ "$installed" = "./${prefix#/}/share/bash-completion/completions/jprepo" ] ||
    fail "make install put the completion at '$installed', want $prefix/share/bash-completion/completions/jprepo"
cmp "$comp_file" "$inst$prefix/share/bash-completion/completions/jprepo" ||
    fail "the installed completion differs from the source"
[ "$(stat -c %a "$inst$prefix/share/bash-completion/completions/jprepo")" = 644 ] ||
    fail "the installed completion is not mode 644"
# bash-completion's own answers: its completionsdir (pkg-config) when
# jprepo has its prefix, and its on-demand loader finding the file
if pkg-config --exists bash-completion 2>/dev/null &&
    [ "$(pkg-config --variable=prefix bash-completion)" = "$prefix" ]; then
	want=$(pkg-config --variable=completionsdir bash-completion)
	[ -f "$inst$want/jprepo" ] ||
	    fail "not installed in bash-completion's completionsdir '$want'"
fi
bc=/usr/share/bash-completion/bash_completion
if [ -r "$bc" ]; then
	XDG_DATA_DIRS=$inst$prefix/share BASH_COMPLETION_USER_DIR=$T/none \
	    bash -c '. "$1" >/dev/null 2>&1; __load_completion jprepo &&
	    complete -p jprepo' sh "$bc" >"$T/loaded" 2>&1 ||
	    fail "bash-completion's loader did not find the installed file: $(cat "$T/loaded")"
	grep -q -- '-F _jprepo jprepo$' "$T/loaded" ||
	    fail "bash-completion loaded something else: $(cat "$T/loaded")"
	# and with bash-completion loaded, the function still works
	XDG_DATA_DIRS=$inst$prefix/share BASH_COMPLETION_USER_DIR=$T/none \
	    bash -c '. "$1" >/dev/null 2>&1; __load_completion jprepo || exit 1
	    COMP_WORDS=(jprepo apply --mode ""); COMP_CWORD=3; _jprepo
	    printf "%s\n" "${COMPREPLY[@]}"' sh "$bc" >"$T/loaded" 2>&1
	[ "$(LC_ALL=C sort "$T/loaded")" = "$(printf 'bulk\none-by-one')" ] ||
	    fail "with bash-completion loaded: $(cat "$T/loaded")"
else
	note "bash-completion is not installed: its loader not tried"
fi
make -s -C "$JP_BUILDDIR" uninstall DESTDIR="$inst" >"$T/make.log" 2>&1 ||
    fail "make uninstall failed: $(tail -n 20 "$T/make.log")"
[ -e "$inst$prefix/share/bash-completion/completions/jprepo" ] &&
    fail "make uninstall left the completion"
exit 0
