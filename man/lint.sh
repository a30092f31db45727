#!/bin/sh
# Lint every man page with mandoc: any warning or error fails the test.
# Exit 0 pass, 1 fail, 77 skip (mandoc missing).
if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: mandoc is not installed (apt-get install mandoc)"
	exit 77
fi

srcdir=${JP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}

status=0
n=0
for page in "$srcdir"/man/*.[1-9]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	# -Wwarning reports warnings and worse; style notes are not failures.
	out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
	rc=$?
	if [ -n "$out" ] || [ $rc -ne 0 ]; then
		echo "FAIL: ${page#"$srcdir"/} (mandoc exit $rc)"
		printf '%s\n' "$out"
		status=1
	else
		echo "ok: ${page#"$srcdir"/}"
	fi
done
if [ $n -eq 0 ]; then
	echo "FAIL: no man pages found under $srcdir/man"
	exit 1
fi
exit $status
