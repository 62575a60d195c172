# tests/lib.sh - the shell test library (TAP), sourced by tests/tNNNN-*.sh.
#
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'title' 'commands'     # ok if the commands succeed
#   test_expect_success PREREQ 'title' '...'   # skipped unless PREREQ holds
#   test_must_fail pp-x args                   # exit 1..125 is a pass;
#                                              # a crash (>128), 127, 0 fail
#   test_cmp expected actual                   # diff -u, fails on difference
#   test_done
#
# Each test runs in a subshell with `set -e` semantics in the shared scratch
# directory $TRASH (removed at exit). Tools come from $PP_BIN (default: the
# tree's bin/), unit programs from $PP_UNIT. Prerequisites (lazy, cached):
#   SHARED    ../shared/data is present
#   FLUID     fluidsynth and a GM SoundFont are installed
#   GPU       a usable NVIDIA GPU (nvidia-smi works)
#   EXPENSIVE PP_TEST_EXPENSIVE=1 (long runs over the whole data set)
#   NOTSAN    not the sanitizer build (for timing-sensitive or huge runs)
# Never print lines that look like TAP from inside a test.

set -u
LC_ALL=C
export LC_ALL
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$TESTS_DIR/.." && pwd)
PP_BIN=${PP_BIN:-$ROOT/bin}
PP_UNIT=${PP_UNIT:-$ROOT/build/tests}
PP_SHARED=${PP_SHARED:-$ROOT/../shared/data}
PP_DATADIR=${PP_DATADIR:-$ROOT/data}
FIXTURES=$TESTS_DIR/fixtures
PATH=$PP_BIN:$PATH
export PATH PP_BIN PP_UNIT PP_SHARED PP_DATADIR FIXTURES ROOT
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/pp-test.XXXXXX")
trap 'cd /; rm -rf "$TRASH"' EXIT
cd "$TRASH"

test_count=0
test_failed=0
_prereq_cache=" "

_check_prereq() {
	case "$_prereq_cache" in
	*" $1=1 "*) return 0 ;;
	*" $1=0 "*) return 1 ;;
	esac
	if _eval_prereq "$1"; then
		_prereq_cache="$_prereq_cache$1=1 "
		return 0
	fi
	_prereq_cache="$_prereq_cache$1=0 "
	return 1
}

_eval_prereq() {
	case "$1" in
	SHARED) test -d "$PP_SHARED/percepiano" ;;
	FLUID) command -v fluidsynth >/dev/null 2>&1 &&
		test -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ;;
	GPU) command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1 ;;
	EXPENSIVE) test "${PP_TEST_EXPENSIVE:-0}" = 1 ;;
	NOTSAN) test "${PP_SANITIZED:-0}" != 1 ;;
	*) echo "# unknown prerequisite $1" >&2; return 1 ;;
	esac
}

# Defines a prerequisite by a command: test_lazy_prereq NAME 'commands'.
test_lazy_prereq() {
	if (eval "$2") >/dev/null 2>&1; then
		_prereq_cache="$_prereq_cache$1=1 "
	else
		_prereq_cache="$_prereq_cache$1=0 "
	fi
}

test_expect_success() {
	local prereq="" title body p missing=""
	if [ $# = 3 ]; then prereq=$1; shift; fi
	title=$1 body=$2
	test_count=$((test_count + 1))
	for p in $(echo "$prereq" | tr ',' ' '); do
		_check_prereq "$p" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "ok $test_count # skip $title (missing$missing)"
		return 0
	fi
	if (set -e; eval "$body") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $title"
	else
		echo "not ok $test_count - $title"
		sed 's/^/#   /' "$TRASH/.out"
		test_failed=$((test_failed + 1))
	fi
}

# Runs a command that must fail cleanly: exit 1-125. A crash (signal), a
# sanitizer report (exit 99 under PP_SANITIZED), "not found" (127) or
# success are failures.
test_must_fail() {
	local rc=0
	"$@" || rc=$?
	if [ $rc = 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $rc -gt 125 ]; then
		echo "test_must_fail: '$*' died (exit $rc)" >&2
		return 1
	elif [ "${PP_SANITIZED:-0}" = 1 ] && [ $rc = 99 ]; then
		echo "test_must_fail: '$*' tripped a sanitizer" >&2
		return 1
	fi
	return 0
}

# Exit status must be exactly the first argument.
test_expect_code() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	if [ $rc != "$want" ]; then
		echo "test_expect_code: '$*' exited $rc, wanted $want" >&2
		return 1
	fi
}

test_cmp() {
	diff -u "$1" "$2"
}

# Checks that a file holds exactly one line (an error message).
test_one_line() {
	test "$(wc -l <"$1")" -eq 1 || { echo "not one line:" >&2; cat "$1" >&2; return 1; }
}

test_done() {
	echo "1..$test_count"
	[ $test_failed = 0 ]
}
