#!/bin/sh
# make-features.sh - align + features for every labelled PercePiano segment.
#
#   tools/make-features.sh [-j JOBS] [-b BINDIR] [-k] [--raw-only] [OUTDIR]
#
# -k keeps the segments whose raw features already exist (a resumed run).
# Reads ../shared/data/percepiano (or $PP_SHARED/percepiano): the labels
# file (labels/label_2round_mean_reg_19_with0_rm_highstd0.json, 1189
# segments), performances/<segment>.mid and scores/. Like PercePiano, every
# performance of a segment (Score2 ones included) is aligned to the
# segment's "_Score_" MusicXML; "_Score2_" is used only where no "_Score_"
# file exists. Writes, under OUTDIR (default ../features-out beside the
# repository, i.e. outside it):
#   align/<segment>.alignment.json   pp-align output
#   raw/<segment>.safetensors        pp-features --raw
#   stats.json                       pp-features --stats over the raw files
#                                    of the segments NOT in the composition
#                                    split's test set (data/splits/composition.json)
#   norm/<segment>.safetensors       pp-features --norm stats.json
#   failures.txt, report.txt         what failed (must be empty), numbers
# Exit status 1 if any segment failed.
set -eu
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JOBS=2
BIN=$ROOT/bin
RAW_ONLY=0
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	-j) JOBS=$2; shift 2 ;;
	-b) BIN=$2; shift 2 ;;
	-k) KEEP=1; shift ;;
	--raw-only) RAW_ONLY=1; shift ;;
	-h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "make-features.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
OUT=${1:-$ROOT/../features-out}
SHARED=${PP_SHARED:-$ROOT/../shared/data}/percepiano
LABELS=$SHARED/labels/label_2round_mean_reg_19_with0_rm_highstd0.json
SPLIT=$ROOT/data/splits/composition.json
for f in "$LABELS" "$BIN/pp-align" "$BIN/pp-features"; do
	[ -e "$f" ] || { echo "make-features.sh: '$f': missing" >&2; exit 1; }
done
mkdir -p "$OUT/align" "$OUT/raw" "$OUT/norm"
OUT=$(cd "$OUT" && pwd)
: >"$OUT/failures.txt"
jq -r 'keys[]' "$LABELS" >"$OUT/segments.txt"

# One segment: align, then raw features. $1 = segment name.
cat >"$OUT/one.sh" <<'EOF'
#!/bin/sh
seg=$1
name=$(printf '%s' "$seg" | sed 's/^ *//')
prefix=${name%_*}; prefix=${prefix%_*}; num=${name##*_}
score=$SHARED/scores/${prefix}_Score_${num}.musicxml
[ -f "$score" ] || score=$SHARED/scores/${prefix}_Score2_${num}.musicxml
a=$OUT/align/$name.alignment.json
[ "$KEEP" = 1 ] && [ -s "$OUT/raw/$name.safetensors" ] && exit 0
perf=$SHARED/performances/$seg.mid
# one file name starts with a space that its label key lacks
[ -f "$perf" ] || perf="$SHARED/performances/ $seg.mid"
if ! "$BIN/pp-align" -s "$score" -o "$a" "$perf" 2>"$OUT/align/$name.err" ||
   ! "$BIN/pp-features" --raw -o "$OUT/raw/$name.safetensors" "$a" 2>>"$OUT/align/$name.err"; then
	printf '%s\t%s\n' "$seg" "$(head -c 300 "$OUT/align/$name.err")" >>"$OUT/failures.txt"
fi
rm -f "$OUT/align/$name.err"
EOF
export OUT BIN SHARED KEEP
start=$(date +%s.%N)
tr '\n' '\0' <"$OUT/segments.txt" | xargs -0 -n 1 -P "$JOBS" sh "$OUT/one.sh"
t_raw=$(echo "$(date +%s.%N) - $start" | bc)

nseg=$(wc -l <"$OUT/segments.txt")
nfail=$(wc -l <"$OUT/failures.txt")
share=$(cat "$OUT"/align/*.alignment.json | jq -s -r \
	'[.[].summary] | "\(map(.matched) | add) of \(map(.notes_expected) | add) score notes matched (\((map(.matched) | add) * 1000 / (map(.notes_expected) | add) | round / 10)%)"')
{
	echo "segments: $nseg, failed: $nfail"
	echo "align + raw features: $t_raw s on $JOBS jobs"
	echo "$share"
} >"$OUT/report.txt"

if [ "$RAW_ONLY" = 0 ] && [ "$nfail" = 0 ]; then
	# statistics: the raw files of segments not in the composition test set
	jq -r '.test[]' "$SPLIT" | sort >"$OUT/test.txt"
	sed 's/^ *//' "$OUT/segments.txt" | sort | comm -23 - "$OUT/test.txt" >"$OUT/stats-segments.txt"
	sed "s|^|$OUT/raw/|; s|\$|.safetensors|" "$OUT/stats-segments.txt" | tr '\n' '\0' |
		xargs -0 -s 1500000 "$BIN/pp-features" --stats --id percepiano-comp-train -o "$OUT/stats.json"
	start=$(date +%s.%N)
	sed 's/^ *//' "$OUT/segments.txt" | tr '\n' '\0' | xargs -0 -n 1 -P "$JOBS" sh -c \
		'"$BIN/pp-features" --norm "$OUT/stats.json" -o "$OUT/norm/$1.safetensors" "$OUT/align/$1.alignment.json" ||
		 printf "%s\tnorm\n" "$1" >>"$OUT/failures.txt"' sh
	t_norm=$(echo "$(date +%s.%N) - $start" | bc)
	echo "normalized features: $t_norm s; statistics over $(wc -l <"$OUT/stats-segments.txt") segments" >>"$OUT/report.txt"
	nfail=$(wc -l <"$OUT/failures.txt")
fi
rm -f "$OUT/one.sh"
cat "$OUT/report.txt"
[ "$nfail" = 0 ]
