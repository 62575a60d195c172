#!/bin/sh
# Command-line conventions of every tool in bin/, whoever wrote it:
# --help exits 0 with "usage:" on stdout, --version exits 0 with
# "pp-TOOL (pp) ...", an unknown option exits 2 with one error line
# (plus, at most, the standard "Try 'pp-TOOL --help'" hint), and the first
# usage line of --help is the man page's first SYNOPSIS line.
. "$(dirname "$0")/lib.sh"

# Tools whose --help and man SYNOPSIS may differ, sorted, one a line,
# each with its reason (none so far).
synopsis_exceptions='
'

tools() {
	for t in "$PP_BIN"/pp-*; do
		[ -x "$t" ] && basename "$t"
	done
}

test_expect_success 'there are tools to check' '
	tools >list &&
	grep -qx pp-notes list &&
	grep -qx pp-synth list
'

test_expect_success 'every tool: --help exits 0 and prints usage on stdout' '
	for t in $(tools); do
		"$t" --help >out 2>err || { echo "$t --help failed"; exit 1; }
		grep -q "^usage: $t" out || { echo "$t: no usage: line"; exit 1; }
		test ! -s err || { echo "$t --help wrote to stderr"; exit 1; }
	done
'

test_expect_success 'every tool: --version exits 0 and names the tool' '
	for t in $(tools); do
		"$t" --version >out 2>err || { echo "$t --version failed"; exit 1; }
		grep -q "^$t (pp)" out || { echo "$t: bad --version:"; cat out; exit 1; }
	done
'

test_expect_success 'every tool: an unknown option is a usage error (exit 2), one line' '
	for t in $(tools); do
		rc=0
		"$t" --no-such-option-xyz </dev/null >out 2>err || rc=$?
		test $rc = 2 || { echo "$t: unknown option exited $rc"; cat err; exit 1; }
		test ! -s out || { echo "$t: wrote to stdout"; exit 1; }
		head -n 1 err | grep -q "^$t: .*no-such-option-xyz" ||
			{ echo "$t: first line does not name the option:"; cat err; exit 1; }
		n=$(wc -l <err)
		if [ "$n" = 2 ]; then
			sed -n 2p err | grep -qx "Try .$t --help. for more information\." ||
				{ echo "$t: unexpected second line:"; cat err; exit 1; }
		elif [ "$n" != 1 ]; then
			echo "$t: $n lines on stderr:"; cat err; exit 1
		fi
	done
'

# The first SYNOPSIS line of man/TOOL.1.scd without scdoc markup.
man_synopsis() {
	sed -n "/^# SYNOPSIS/,/^# /p" "$ROOT/man/$1.1.scd" |
		grep -v "^#" | grep -v "^\$" | head -n 1 |
		sed "s/\\\\_/@U@/g; s/[*_]//g; s/@U@/_/g; s/\\\\//g; s/  */ /g; s/ \$//"
}

test_expect_success 'every tool: --help usage line matches the man SYNOPSIS' '
	for t in $(tools); do
		if echo "$synopsis_exceptions" | grep -qx "$t .*"; then
			continue
		fi
		test -f "$ROOT/man/$t.1.scd" || { echo "$t: no man page"; exit 1; }
		"$t" --help | head -n 1 | sed "s/^usage: //; s/  */ /g; s/ \$//" >help
		man_synopsis "$t" >man
		test_cmp man help || { echo "$t: --help and man SYNOPSIS differ"; exit 1; }
	done
'

test_expect_success 'the exceptions list is sorted' '
	echo "$synopsis_exceptions" | grep -v "^\$" >exc || :
	sort exc >sorted &&
	test_cmp sorted exc
'

test_done
