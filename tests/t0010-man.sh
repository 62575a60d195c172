#!/bin/sh
# Man pages: every page builds with scdoc and has no mandoc errors; every
# tool in bin/ has a page; each page has the sections STYLE.md asks for.
. "$(dirname "$0")/lib.sh"

test_expect_success 'every man source builds and lints clean' '
	for m in "$ROOT"/man/*.scd; do
		scdoc <"$m" >page || { echo "scdoc failed on $m"; exit 1; }
		mandoc -Tlint -Werror page || { echo "mandoc errors in $m"; exit 1; }
	done
'

test_expect_success 'every tool has a man page' '
	for t in "$PP_BIN"/pp-*; do
		n=$(basename "$t")
		test -f "$ROOT/man/$n.1.scd" || { echo "no man/$n.1.scd"; exit 1; }
	done
'

test_expect_success 'tool pages have the standard sections' '
	for m in "$ROOT"/man/pp-*.1.scd; do
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -q "^# $s\$" "$m" || { echo "$m lacks # $s"; exit 1; }
		done
	done
'

test_done
