#!/bin/sh
# pp-feedback's built-in writer on the fixture documents: length, valid
# citations, the strongest and weakest dimensions named with their poles,
# bar numbers from the alignment, saying less when parts are missing,
# determinism and variety; --check; bad input and usage.
. "$(dirname "$0")/lib.sh"

FB=$FIXTURES/feedback
# No user LLM configuration may leak into these tests.
XDG_CONFIG_HOME=$TRASH/config HOME=$TRASH
unset PP_LLM_URL PP_LLM_MODEL PP_LLM_KEY PP_LLM_TIMEOUT || true
export XDG_CONFIG_HOME HOME

# Bar numbers named in a text ("bar 5", "bars 5 and 13-14", "bars 3, 7").
bars_in() {
	grep -oE 'bars? [0-9]+(-[0-9]+)?((, | and )[0-9]+(-[0-9]+)?)*' "$1" |
		sed 's/^bars* //' | tr -s ',-' '  ' | sed 's/ and / /g' | tr ' ' '\n' | grep .
}

test_expect_success 'setup: feedback for every fixture' '
	for f in full noalign nopred chopin good; do
		pp-feedback -o $f.json "$FB/$f.json" 2>$f.err &&
		test ! -s $f.err &&
		jq -r .feedback.text $f.json >$f.txt || exit 1
	done
'

test_expect_success 'output is feedback/1 from the built-in writer' '
	for f in full noalign nopred chopin good; do
		test "$(jq -r ".pp, .feedback.source, .feedback.model" $f.json | tr "\n" " ")" = "feedback/1 builtin null " ||
		{ echo "$f"; exit 1; }
		jq -e ".performance_metrics[\"pp-feedback\"].wall_s >= 0" $f.json >/dev/null
	done
'

test_expect_success 'the upstream members are kept' '
	jq -S "del(.pp, .feedback, .performance_metrics[\"pp-feedback\"])" full.json >got &&
	jq -S "del(.pp)" "$FB/full.json" >want &&
	test_cmp want got
'

test_expect_success 'every text has 150-200 words and passes the checker' '
	for f in full noalign nopred chopin good; do
		w=$(jq .feedback.words $f.json)
		test "$w" -ge 150 && test "$w" -le 200 || { echo "$f: $w words"; exit 1; }
		n=$(wc -w <$f.txt)
		test "$n" -ge 150 && test "$n" -le 210 || { echo "$f: wc says $n"; exit 1; }
		pp-feedback --check $f.json || { echo "$f fails the checker"; exit 1; }
	done
'

test_expect_success 'every citation names a given passage, and each priority cites one' '
	for f in full noalign nopred chopin good; do
		grep -oE "\[[0-9]+\]" $f.txt | tr -d "[]" | sort -u >cited
		test -s cited || { echo "$f cites nothing"; exit 1; }
		jq -r ".passages[].n" "$FB/$f.json" | sort -u >given
		comm -23 cited given >bad
		test ! -s bad || { echo "$f cites unknown:"; cat bad; exit 1; }
		jq -r ".feedback.citations | length" $f.json >n
		test "$(cat n)" = "$(wc -l <cited | tr -d " ")"
	done
'

# The merit dimensions and the pole they aim for; the others are two-sided.
MERIT='{"timing":-1,"pedal_clarity":-1,"timbre_depth":1,"dynamic_sophistication":-1,"balance":1,"interpretation":1}'
test_expect_success 'the strongest and weakest dimensions are named by their poles' '
	for f in full noalign chopin good; do
		jq -r --argjson m "$MERIT" "
			[.dimensions[] | select(\$m[.name]) |
			 {s: (if \$m[.name] > 0 then .percentile else 100 - .percentile end),
			  pole: (if .percentile >= 50 then .high else .low end)}] |
			(max_by(.s).pole, min_by(.s).pole) | split(\"/\")[0]" "$FB/$f.json" >poles
		while read p; do
			grep -q "$p" $f.txt || { echo "$f: pole \"$p\" not named"; exit 1; }
		done <poles
	done &&
	grep -q "balanced" full.txt && grep -q "unstable" full.txt &&
	grep -q "rich" chopin.txt && grep -q "blurred" chopin.txt
'

test_expect_success 'a dimension marked "reliable": false carries no advice' '
	jq "(.dimensions[] | select(.name == \"timing\")) += {reliable: false, held_out_r2: 0.09}" \
		"$FB/full.json" >weak.json &&
	pp-feedback -o weak.out weak.json &&
	jq -r .feedback.text weak.out >weak.txt &&
	grep -q "unstable" full.txt &&
	! grep -q "unstable" weak.txt &&
	grep -q "balanced" weak.txt &&
	pp-feedback --check weak.out
'

test_expect_success 'two-sided scales are talked about as fit, not fault' '
	grep -q "dark (92nd percentile)" chopin.txt &&
	grep -q "slow-paced (88th percentile)" chopin.txt &&
	grep -qE "not a fault|neither is a fault|rather than errors|rather than an error|not wrong" chopin.txt &&
	! grep -qiE "too (dark|slow)" chopin.txt
'

test_expect_success 'bar numbers come from the alignment' '
	for f in full nopred chopin good; do
		jq -r ".summary.measures[].number" "$FB/$f.json" | sort -u >known
		bars_in $f.txt | sort -u >named
		comm -23 named known >bad
		test ! -s bad || { echo "$f names unknown bars:"; cat bad; exit 1; }
	done &&
	jq -r ".summary.measures[] | select(.wrong_pitch + .missing > 0) | .number" \
		"$FB/full.json" >want &&
	printf "5\n13\n14\n" >expect && test_cmp expect want &&
	grep -q "bars 5 and 13-14" full.txt &&
	grep -q "bars 13-14 and 17-18" chopin.txt
'

test_expect_success 'practice assignments carry a tempo, a hand and repetitions' '
	grep -qE "(metronome at|♩ =) [0-9]+" full.txt &&
	grep -qE "hand" full.txt &&
	grep -qE "(three|four|five|six) (times|clean|correct)" full.txt &&
	grep -q "♩ = 40" chopin.txt
'

test_expect_success 'without an alignment it names no bars, notes or tempi' '
	! grep -qE "bars? [0-9]" noalign.txt &&
	! grep -qE "qpm|metronome at [0-9]" noalign.txt &&
	grep -q "Without an alignment" noalign.txt
'

test_expect_success 'without predictions it names no percentile or pole' '
	! grep -q "percentile" nopred.txt &&
	grep -q "Without the perceptual assessment" nopred.txt
'

test_expect_success 'an alignment/1 document alone gives feedback without citations' '
	jq ".pp = \"alignment/1\" | del(.dimensions, .model, .passages, .retrieval)" \
		"$FB/full.json" >align.json &&
	pp-feedback --text align.json >align.txt &&
	! grep -q "\[[0-9]" align.txt &&
	pp-feedback align.json >align-fb.json &&
	pp-feedback --check align-fb.json
'

test_expect_success 'same input, same bytes' '
	for f in full chopin; do
		pp-feedback --text "$FB/$f.json" >a &&
		pp-feedback --text "$FB/$f.json" >b &&
		cmp a b &&
		pp-feedback "$FB/$f.json" | jq "del(.performance_metrics)" >a &&
		pp-feedback "$FB/$f.json" | jq "del(.performance_metrics)" >b &&
		cmp a b || exit 1
	done
'

# The first three words of every sentence: the shape of a text.
shape() {
	tr "\n" " " <"$1" | sed "s/\([.;:]\) /\1\n/g" | sed "s/[0-9]\+/N/g" |
		awk "{print \$1, \$2, \$3}" | tr "\n" "|"
}
test_expect_success 'different inputs read differently' '
	for f in full noalign nopred chopin good; do shape $f.txt; echo; done >shapes &&
	test "$(sort -u shapes | wc -l)" -eq 5 &&
	head -n 1 full.txt nopred.txt chopin.txt noalign.txt good.txt | grep -v "^==>" |
		sed "s/ of .*//" | sort -u >openings &&
	test "$(grep -c . openings)" -ge 2
'

test_expect_success 'percentiles as fractions or from data/reference.json give the same text' '
	jq "(.dimensions[].percentile) |= . / 100" "$FB/full.json" >frac.json &&
	pp-feedback --text frac.json >frac.txt && test_cmp full.txt frac.txt &&
	jq "del(.dimensions[].percentile)" "$FB/full.json" >noperc.json &&
	pp-feedback noperc.json >noperc-fb.json && pp-feedback --check noperc-fb.json &&
	jq -r .feedback.text noperc-fb.json | grep -q "unstable"
'

test_expect_success '--check reports invented numbers, bars and citations' '
	echo "Your tempo reached 300 qpm in bar 999 [9], and the pedal was fine." >bad.txt &&
	test_expect_code 1 pp-feedback --check "$FB/full.json" bad.txt 2>err &&
	grep -q "bar 999 is not in the score" err &&
	grep -q "number 300 (tempo) is not in the facts" err &&
	grep -q "citation \[9\] names no passage (5 given)" err &&
	grep -q "fewer than 150" err &&
	jq -r .feedback.text full.json >ok.txt &&
	pp-feedback --check "$FB/full.json" ok.txt &&
	sed "s/150/157/" ok.txt >off.txt &&
	test_expect_code 1 pp-feedback --check "$FB/full.json" off.txt 2>err &&
	grep -q "number 157 (tempo) is not in the facts" err
'

test_expect_success '--check on a document without feedback fails in one line' '
	test_expect_code 1 pp-feedback --check "$FB/full.json" 2>err &&
	test_one_line err && grep -q "no feedback.text" err
'

test_expect_success 'bad input fails in one line' '
	echo "{\"pp\": \"notes/1\", \"notes\": []}" >notes.json &&
	test_expect_code 1 pp-feedback notes.json 2>err && test_one_line err &&
	grep -q "expected context/1" err &&
	jq ".dimensions = 7" "$FB/full.json" >baddim.json &&
	test_expect_code 1 pp-feedback baddim.json 2>err && test_one_line err &&
	grep -q "baddim.json.*dimensions" err &&
	jq ".summary.measures[2].qpm = \"fast\"" "$FB/full.json" >badbar.json &&
	test_expect_code 1 pp-feedback badbar.json 2>err && test_one_line err &&
	grep -q "measures\[2\].*qpm" err &&
	echo "{" >broken.json &&
	test_expect_code 1 pp-feedback broken.json 2>err && test_one_line err
'

test_expect_success 'usage errors exit 2, --help and --version exit 0' '
	test_expect_code 2 pp-feedback --bogus 2>err &&
	test_expect_code 2 pp-feedback --llm --builtin "$FB/full.json" 2>err &&
	test_expect_code 2 pp-feedback --check 2>err &&
	test_expect_code 2 pp-feedback a b 2>err &&
	pp-feedback --help >out && grep -q "^usage: pp-feedback" out &&
	pp-feedback --version >out && grep -q "pp-feedback" out
'

test_expect_success 'stdin in, -o out; a failed write exits 1 and leaves nothing' '
	pp-feedback --text -o out.txt <"$FB/good.json" && test_cmp good.txt out.txt &&
	test_expect_code 1 pp-feedback -o /dev/full "$FB/good.json" 2>err &&
	mkdir ro && chmod 555 ro &&
	{ test "$(id -u)" = 0 || { test_must_fail pp-feedback -o ro/x.json "$FB/good.json" 2>err && test ! -e ro/x.json; }; }
'

test_expect_success 'the man page examples run (without an LLM)' '
	cp "$FB/full.json" context.json &&
	pp-feedback --text context.json >ex1.txt && test -s ex1.txt &&
	pp-feedback -o feedback.json <context.json &&
	pp-feedback --check feedback.json &&
	jq -r .feedback.text feedback.json >draft.txt &&
	pp-feedback --check context.json draft.txt
'

test_done
