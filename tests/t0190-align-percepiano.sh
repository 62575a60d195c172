#!/bin/sh
# pp-align over all 1202 PercePiano segments (SHARED, EXPENSIVE): none may
# fail or crash; the matched fraction of score notes is summarized.
. "$(dirname "$0")/lib.sh"
P=$PP_SHARED/percepiano

test_expect_success SHARED,EXPENSIVE 'every segment aligns (exit 0, valid summary)' '
	ls "$P/performances" >list &&
	: >fractions &&
	while IFS= read -r f; do
		base=${f%.mid}; seg=${base##*_}; rest=${base%_*}
		player=${rest##*_}; piece=${rest%_*}; piece=${piece# }
		case $player in Score2) sc=Score2 ;; *) sc=Score ;; esac
		pp-align -s "$P/scores/${piece}_${sc}_${seg}.musicxml" "$P/performances/$f" \
			-o out.json 2>err || { echo "failed: $f: $(cat err)"; exit 1; }
		jq -r "(.summary.matched / .summary.notes_expected)" out.json >>fractions
	done <list &&
	test "$(wc -l <fractions)" = 1202 &&
	sort -n fractions >sorted &&
	awk "{s += \$1} END {m = s / NR; print \"mean\", m; exit !(m > 0.95)}" sorted
'
test -s "$TRASH/sorted" && awk '{ a[NR] = $1; s += $1; low += $1 < 0.9 }
	END { printf "# matched fraction over %d segments: mean %.4f, min %.3f, 1st percentile %.3f, 5th %.3f, 10th %.3f, 25th %.3f, median %.3f; %d below 0.9\n",
		NR, s / NR, a[1], a[int(NR * 0.01) + 1], a[int(NR * 0.05) + 1], a[int(NR * 0.1) + 1],
		a[int(NR * 0.25) + 1], a[int(NR * 0.5) + 1], low }' "$TRASH/sorted"

test_done
