#!/bin/sh
# percepiano-manifest.sh [DATA] > percepiano.tsv - the demo manifest of the
# PercePiano segments (performance MIDI + its segment score), from
# ../shared/data/percepiano by default. Names with spaces (one upstream file
# starts with one) are linked under links/ because make cannot name them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-$here/../../../shared/data/percepiano}
[ -d "$data/performances" ] || { echo "percepiano-manifest: '$data': no performances/ here" >&2; exit 1; }
mkdir -p "$here/links"
printf 'id\tinput\tscore\tcomposer\tpiece\tperformer\n'
ls "$data/performances" | sort | while IFS= read -r f; do
	base=${f%.mid}
	clean=$(echo "$base" | sed 's/^ *//; s/ /_/g')
	seg=${clean##*_}
	rest=${clean%_*}
	player=${rest##*_}
	piece=${rest%_*}
	score="$data/scores/${piece}_Score_${seg}.musicxml"
	# Some segments only have the Score2 version of the score.
	[ -f "$score" ] || score="$data/scores/${piece}_Score2_${seg}.musicxml"
	[ -f "$score" ] || { echo "percepiano-manifest: $f: no score" >&2; continue; }
	input="$data/performances/$f"
	case "$input" in
	*" "*) ln -sf "$input" "$here/links/$clean.mid"; input="links/$clean.mid" ;;
	esac
	case $piece in
	Beethoven*) composer="Ludwig van Beethoven" ;;
	Schubert*) composer="Franz Schubert" ;;
	*) composer="" ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$clean" "$input" "$score" "$composer" "$piece" "player $player"
done
