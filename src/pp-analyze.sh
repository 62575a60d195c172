#!/bin/sh
# pp-analyze - the whole pp chain for one recording, in one command.
#
# REC may be audio (transcribed with pp-transcribe), MIDI or a notes/1
# document (aligned directly). Each stage's wall time goes into the final
# document's performance_metrics; intermediate files live in a temporary
# directory that is removed at exit; outputs are written atomically.
set -u

tool=pp-analyze
usage="usage: pp-analyze [-o FILE] [-r DIR] [--id ID] [--composer NAME] [--piece NAME] [--performer NAME] [--keep DIR] [--text] REC SCORE"

die() { echo "$tool: $*" >&2; exit 1; }
usage_error() {
	echo "$tool: $*" >&2
	echo "Try '$tool --help' for more information." >&2
	exit 2
}
need() { [ $# -ge 2 ] || usage_error "$1 needs a value"; }

out=- report= id= composer= piece= performer= keep= text=0
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help)
		echo "$usage"
		echo
		echo "Runs pp-transcribe (audio only), pp-align, pp-features, pp-infer,"
		echo "pp-retrieve and pp-feedback on REC against the MusicXML SCORE and"
		echo "writes the final feedback/1 document (stdout by default), with each"
		echo "stage's wall time in performance_metrics."
		echo
		echo "  -o, --output FILE   final document (default: stdout)"
		echo "  -r, --report DIR    also write the HTML report into DIR (pp-report)"
		echo "      --id ID         the performance's id (default: REC's file name)"
		echo "      --composer NAME, --piece NAME, --performer NAME"
		echo "                      identity shown in reports (member \"meta\")"
		echo "      --keep DIR      keep the intermediate files in DIR"
		echo "      --text          print the feedback text instead of the document"
		echo "  -h, --help          show this help"
		echo "  -V, --version       show the version"
		exit 0 ;;
	-V|--version)
		v=$(pp-report --version 2>/dev/null | awk '{print $NF}')
		echo "$tool (pp) ${v:-unknown}"
		exit 0 ;;
	-o|--output) need "$@"; out=$2; shift ;;
	-r|--report) need "$@"; report=$2; shift ;;
	--id) need "$@"; id=$2; shift ;;
	--composer) need "$@"; composer=$2; shift ;;
	--piece) need "$@"; piece=$2; shift ;;
	--performer) need "$@"; performer=$2; shift ;;
	--keep) need "$@"; keep=$2; shift ;;
	--text) text=1 ;;
	--) shift; break ;;
	-?*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
	shift
done
[ $# = 2 ] || usage_error "need REC and SCORE"
rec=$1 score=$2
[ -r "$rec" ] || die "'$rec': cannot open"
[ -r "$score" ] || die "'$score': cannot open"
[ -n "$id" ] || id=$(basename "$rec" | sed 's/\.[^.]*$//')

here=$(cd "$(dirname "$0")" && pwd)
PATH=$here:$PATH
if [ -n "$keep" ]; then
	mkdir -p "$keep" || die "'$keep': cannot create"
	tmp=$keep
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/pp-analyze.XXXXXX") || die "cannot create a temporary directory"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 1' INT TERM HUP
fi

now() { date +%s.%N; }
times=
# stage NAME CMD...: runs CMD, records its wall time, stops the chain on
# failure (the failing tool has already said why, in one line).
stage() {
	name=$1
	shift
	t0=$(now)
	"$@" || exit 1
	t1=$(now)
	times="$times $name=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')"
}

case $(head -c 4 "$rec" | od -An -c | tr -d ' ') in
MThd) kind=midi ;;
*)
	if head -c 200 "$rec" | grep -q '"pp"'; then kind=notes; else kind=audio; fi ;;
esac

if [ $kind = audio ]; then
	stage pp-transcribe pp-transcribe -o "$tmp/notes.json" "$rec"
	perf=$tmp/notes.json
else
	perf=$rec
fi
stage pp-align pp-align -s "$score" -o "$tmp/alignment.json" "$perf"
stage pp-features pp-features -o "$tmp/features.safetensors" "$tmp/alignment.json"
stage pp-infer pp-infer -o "$tmp/predictions.json" "$tmp/features.safetensors"
stage pp-retrieve pp-retrieve -o "$tmp/context.json" "$tmp/predictions.json"
stage pp-feedback pp-feedback -o "$tmp/feedback.json" "$tmp/context.json"

# Identity, audio and timings go into the final document.
metrics=$(for kv in $times; do echo "$kv"; done |
	jq -R 'split("=") | {(.[0]): {wall_s: (.[1] | tonumber)}}' | jq -s 'add')
audio=null
if [ $kind = audio ]; then
	audio=$(jq -n --arg p "$rec" '{path: $p}')
fi
jq --arg id "$id" --arg c "$composer" --arg p "$piece" --arg f "$performer" \
	--argjson m "$metrics" --argjson a "$audio" '
	.id = $id
	| .meta = ((.meta // {}) + ({composer: $c, piece: $p, performer: $f}
		| with_entries(select(.value != ""))))
	| .performance_metrics = ((.performance_metrics // {}) + $m)
	| if $a != null then .audio = $a else . end' \
	"$tmp/feedback.json" >"$tmp/final.json" || die "cannot assemble the final document"

if [ -n "$report" ]; then
	if [ $kind = audio ]; then
		pp-report -o "$report" --id "$id" --audio "$rec" "$tmp/final.json" || exit 1
	else
		pp-report -o "$report" --id "$id" "$tmp/final.json" || exit 1
	fi
fi

if [ $text = 1 ]; then
	jq -r '.feedback.text' "$tmp/final.json"
elif [ "$out" = - ]; then
	cat "$tmp/final.json"
else
	part=$(mktemp "$(dirname "$out")/.$(basename "$out").XXXXXX") || die "'$out': cannot create"
	if cp "$tmp/final.json" "$part" && mv "$part" "$out"; then
		:
	else
		rm -f "$part"
		die "'$out': cannot write"
	fi
fi
