#!/bin/sh
# pp-eval - evaluation front end: `pp-eval KIND ARGS...` runs pp-eval-KIND
# (alignment, transcription), found beside this script or on PATH.
set -u
case "${1:-}" in
--help|-h)
	cat <<'USAGE'
usage: pp-eval alignment [OPTIONS] TRUTH ESTIMATE
       pp-eval transcription [OPTIONS] REFERENCE ESTIMATE
       pp-eval --version

Scores an alignment or a transcription against a reference; each kind has
its own --help (pp-eval KIND --help) and man page (pp-eval-KIND(1)).
USAGE
	exit 0 ;;
--version)
	here=$(dirname "$0")
	for k in alignment transcription; do
		if [ -x "$here/pp-eval-$k" ]; then
			"$here/pp-eval-$k" --version | sed 's/^pp-eval-[a-z]*/pp-eval/'
			exit $?
		fi
	done
	echo "pp-eval (pp)"; exit 0 ;;
"")
	echo "pp-eval: missing KIND (alignment or transcription)" >&2
	echo "Try 'pp-eval --help' for more information." >&2
	exit 2 ;;
esac
kind=$1
shift
here=$(dirname "$0")
if [ -x "$here/pp-eval-$kind" ]; then
	exec "$here/pp-eval-$kind" "$@"
elif command -v "pp-eval-$kind" >/dev/null 2>&1; then
	exec "pp-eval-$kind" "$@"
fi
echo "pp-eval: unknown KIND '$kind' (alignment or transcription)" >&2
echo "Try 'pp-eval --help' for more information." >&2
exit 2
