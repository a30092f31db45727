# bash completion for jprepo(1)                              -*- shell-script -*-
#
# Completes jprepo's global options, its commands, each command's long
# options, the values of options that take a file, a directory or one of a
# fixed set of words, the positional arguments (directories for REPO,
# BUNDLEDIR and the like, files for PLAN and SCAN, the sub-commands of
# bundle and key, command names for help) and transaction IDs for history
# and rollback, read from `jprepo history --json` when the journal exists.
#
# The lists below are kept by hand: tests/t7400-completion.sh checks them
# against `jprepo --help` and every `jprepo COMMAND --help`, so a command or
# option added without its line here fails that test.
#
# Installed by `make install` as $(datadir)/bash-completion/completions/jprepo,
# where bash-completion loads it on first use; it needs only bash (>= 4.1)
# itself and works without bash-completion when sourced directly.

# The commands, as `jprepo --help` lists them.
_jprepo_commands='apply build bundle export help history import key plan report
rollback scan sign verify'

# _jprepo_options COMMAND: the long options COMMAND's --help lists ("" is the
# global options before the command).
_jprepo_options()
{
	case $1 in
	'') echo '--quiet --verbose --config --help --version' ;;
	apply) echo '--repo --root --pm --mode --dry-run --download-only
	    --window --security --keyring --host --suite --json
	    --quiet --verbose --help' ;;
	build) echo '--jobs --compress --no-cache --advisories --strict --wait
	    --suite --codename --component --origin --label --valid-for
	    --sign --homedir --passphrase-file --json
	    --quiet --verbose --help' ;;
	bundle) echo '--trust --store --json --quiet --verbose --help' ;;
	export) echo '--output --sign-key --sign-cert --since --request
	    --volume-size --store-name --no-readback --wait --json
	    --quiet --verbose --help' ;;
	help) echo '' ;;
	history) echo '--root --json --quiet --verbose --help' ;;
	import) echo '--trust --store --wait --sign --homedir --passphrase-file
	    --json --quiet --verbose --help' ;;
	key) echo '--homedir --algo --uid --expire --key --output --json
	    --quiet --verbose --help' ;;
	plan) echo '--repo --security --min-severity --advisory --output --json
	    --request-out --quiet --verbose --help' ;;
	rollback) echo '--root --repo --keyring --pm --suite --json
	    --quiet --verbose --help' ;;
	report) echo '--format --output --plan --history --sla --stale
	    --quiet --verbose --help' ;;
	scan) echo '--root --host --json --output --scan-dir --install-timer
	    --at --remove-timer --quiet --verbose --help' ;;
	sign) echo '--key --homedir --passphrase-file --wait --json
	    --quiet --verbose --help' ;;
	verify) echo '--keyring --packages --jobs --json
	    --quiet --verbose --help' ;;
	esac
}

# _jprepo_optarg COMMAND OPTION: what the value of OPTION is, or nothing
# (status 1) when OPTION takes no value.  "dir" and "file" complete paths,
# "word" completes nothing (a free value), anything else is the list of
# the values the option accepts.  Short options are listed with their long
# names so that `-o FILE` is skipped over like `--output FILE`.
_jprepo_optarg()
{
	local kind=''
	case $1:$2 in
	:-C) kind='dir' ;;
	:-c|:--config) kind='file' ;;
	*:--root|*:--store|*:--homedir|*:--history|*:--repo|\
	*:--scan-dir) kind='dir' ;;
	export:-o|export:--output) kind='dir' ;;
	*:--keyring|*:--trust|*:--sign-key|*:--sign-cert|*:--since|\
	*:--request|*:--request-out|*:--advisories|*:--passphrase-file|\
	*:--plan|*:-o|*:--output) kind='file' ;;
	*:--pm) kind='dnf yum zypper apt' ;;
	*:--mode) kind='one-by-one bulk' ;;
	*:--compress) kind='gz xz zstd' ;;
	*:--format) kind='text json html' ;;
	*:--algo) kind='rsa3072 ed25519' ;;
	*:--min-severity) kind='Low Moderate Important Critical' ;;
	*:-j|*:--jobs|*:--wait|*:--window|*:--host|*:--suite|*:--codename|\
	*:--component|*:--origin|*:--label|*:--valid-for|*:--sign|*:--uid|\
	*:--expire|*:-k|*:--key|*:--volume-size|*:--store-name|*:--advisory|\
	*:--sla|*:--stale|*:--at) kind='word' ;;
	esac
	[ -n "$kind" ] || return 1
	echo "$kind"
}

# _jprepo_positional COMMAND INDEX: what the INDEX-th (from 0) argument of
# COMMAND that is not an option or an option's value is.
_jprepo_positional()
{
	case $1:$2 in
	help:0) echo command ;;
	help:*) echo none ;;
	bundle:0) echo 'verify info' ;;
	key:0) echo 'generate export' ;;
	key:*) echo none ;;
	history:0|rollback:0) echo txid ;;
	history:*|rollback:*) echo none ;;
	apply:0) echo file ;;
	apply:*) echo none ;;
	plan:*|report:*) echo file ;;
	bundle:1|import:0|sign:0|verify:0|build:0) echo dir ;;
	export:*) echo dir ;;
	*) echo none ;;
	esac
}

# _jprepo_compgen_words WORDS CUR: COMPREPLY from a word list.
_jprepo_compgen_words()
{
	local IFS=$' \t\n'
	# shellcheck disable=SC2207
	COMPREPLY=($(compgen -W "$1" -- "$2"))
}

# _jprepo_compgen_path dir|file CUR [DIR]: COMPREPLY from the file system,
# relative to DIR (jprepo -C DIR) when given, one element per name (names
# with blanks stay whole), as file names.
_jprepo_compgen_path()
{
	local IFS=$'\n' opt=-f
	[ "$1" = dir ] && opt=-d
	# shellcheck disable=SC2207
	COMPREPLY=($(
	    if [ -n "${3-}" ]; then cd -- "$3" 2>/dev/null || exit 0; fi
	    compgen "$opt" -- "$2"))
	# quote what needs it and add the slash after directories
	compopt -o filenames 2>/dev/null
}

# _jprepo_txids JPREPO ROOT: the IDs of the transactions in ROOT's journal,
# by `jprepo history --json` (jprepo-history(1): each transaction object
# starts a line with {"id": N); nothing without a journal, so that no
# completion ever runs the program for nothing.
_jprepo_txids()
{
	local root=${2:-/}
	[ -r "${root%/}/var/lib/jprepo/journal.sqlite" ] || return 0
	"$1" -q history --json ${2:+--root "$2"} 2>/dev/null |
	    sed -n 's/^[[:space:]]*{"id": \([0-9][0-9]*\),.*/\1/p'
}

_jprepo()
{
	local cur=${COMP_WORDS[COMP_CWORD]} word cmd='' i=1 n=0 kind prev=''
	local root='' dir='' prog=${COMP_WORDS[0]} last=$COMP_CWORD
	local dashdash='' joined=''

	COMPREPLY=()
	# bash splits --opt=value at '=' (COMP_WORDBREAKS): the value of
	# "--opt" "=" "va" is "va", of "--opt" "=" (cursor after '=') empty;
	# without '=' in COMP_WORDBREAKS the word is "--opt=va"
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
		joined=$prev=
	elif [ "$cur" = = ] && [ "$COMP_CWORD" -ge 2 ]; then
		prev=${COMP_WORDS[COMP_CWORD-1]}
		cur=
		last=$((COMP_CWORD - 1))
	elif [ "$COMP_CWORD" -ge 3 ] &&
	    [ "${COMP_WORDS[COMP_CWORD-1]}" = = ]; then
		prev=${COMP_WORDS[COMP_CWORD-2]}
		last=$((COMP_CWORD - 2))
	fi

	# the words before the cursor (before "--opt=" when completing its
	# value): global options, the command, its options with their values,
	# and the positional arguments so far
	while [ "$i" -lt "$last" ]; do
		word=${COMP_WORDS[i]}
		i=$((i + 1))
		if [ "$i" -lt "$last" ] && [ "${COMP_WORDS[i]}" = = ]; then
			# --opt=value, or an argument with '=': three words
			[ "$word" = --root ] && root=${COMP_WORDS[i+1]}
			i=$((i + 2))
			case $word in
			-*) ;;
			*) n=$((n + 1)) ;;
			esac
			continue
		fi
		case $word in
		--root=*)
			root=${word#--root=}
			continue
			;;
		--)
			# the rest are positional
			[ -n "$cmd" ] || return 0
			n=$((n + last - i))
			dashdash=1
			break
			;;
		-C?*)
			[ -z "$cmd" ] && dir=${word#-C}
			;;
		-*)
			_jprepo_optarg "$cmd" "$word" >/dev/null || continue
			if [ "$i" -eq "$last" ]; then
				# the current word is this option's value
				prev=$word
				break
			fi
			[ "$word" = --root ] && root=${COMP_WORDS[i]}
			[ "$word" = -C ] && dir=${COMP_WORDS[i]}
			i=$((i + 1))
			;;
		*)
			if [ -z "$cmd" ]; then
				cmd=$word
			else
				n=$((n + 1))
			fi
			;;
		esac
	done

	# a --root after the cursor counts too
	word=$((COMP_CWORD + 1))
	while [ "$word" -lt "${#COMP_WORDS[@]}" ]; do
		case ${COMP_WORDS[word]} in
		--root) [ "${COMP_WORDS[word+1]-}" = = ] && word=$((word + 1))
			root=${COMP_WORDS[word+1]-} ;;
		--root=*) root=${COMP_WORDS[word]#--root=} ;;
		--) break ;;
		esac
		word=$((word + 1))
	done

	case $dir in
	\~/*) dir=$HOME/${dir#\~/} ;;
	esac
	case $root in
	\~/*) root=$HOME/${root#\~/} ;;
	esac

	# the value of an option
	if [ -n "$prev" ]; then
		kind=$(_jprepo_optarg "$cmd" "$prev") || return 0
		case $kind in
		dir|file) _jprepo_compgen_path "$kind" "$cur" "$dir" ;;
		word) ;;
		*) _jprepo_compgen_words "$kind" "$cur" ;;
		esac
		# the whole "--opt=value" word is replaced
		[ -z "$joined" ] || COMPREPLY=("${COMPREPLY[@]/#/$joined}")
		return 0
	fi

	if [ -z "$cmd" ]; then
		case $cur in
		-*) _jprepo_compgen_words "$(_jprepo_options '')" "$cur" ;;
		*) _jprepo_compgen_words "$_jprepo_commands" "$cur" ;;
		esac
		return 0
	fi
	case $dashdash$cur in
	-*)
		_jprepo_compgen_words "$(_jprepo_options "$cmd")" "$cur"
		return 0
		;;
	esac
	kind=$(_jprepo_positional "$cmd" "$n")
	case $kind in
	none) ;;
	dir|file) _jprepo_compgen_path "$kind" "$cur" "$dir" ;;
	command) _jprepo_compgen_words "$_jprepo_commands" "$cur" ;;
	txid)
		# the program being completed, as typed, run where -C says
		case $prog in
		\~/*) prog=$HOME/${prog#\~/} ;;
		esac
		case $prog in
		/*) ;;
		*/*) prog=$PWD/$prog ;;
		*) prog=$(command -v "$prog" 2>/dev/null) || return 0 ;;
		esac
		[ -x "$prog" ] || return 0
		_jprepo_compgen_words "$(
		    if [ -n "$dir" ]; then cd -- "$dir" 2>/dev/null || exit; fi
		    _jprepo_txids "$prog" "$root")" "$cur"
		;;
	*) _jprepo_compgen_words "$kind" "$cur" ;;
	esac
	return 0
}

complete -F _jprepo jprepo
