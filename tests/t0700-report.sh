#!/bin/sh
# pp-report: pages and static API from fixture documents; the page renders
# in headless Chromium without console errors (screenshot kept in $TRASH).
. "$(dirname "$0")/lib.sh"

test_lazy_prereq CHROMIUM 'command -v chromium'
F=$FIXTURES/report

test_expect_success 'report on a final document with audio' '
	sox -n -r 22050 -c 1 rec.wav synth 2 sine 440 &&
	pp-report -o site --audio rec.wav "$F/scale-demo.json" &&
	test -f site/scale-demo.html && test -f site/index.html &&
	test -f site/audio/scale-demo.wav &&
	test -f site/api/performances/scale-demo.json &&
	test -f site/api/analysis/scale-demo.json
'

test_expect_success 'the page shows every part: radar with both poles, roll, bars, audio, feedback' '
	grep -q "class=\"radar\"" site/scale-demo.html &&
	grep -q "sparse/dry &#8594;\|sparse/dry → saturated/wet" site/scale-demo.html &&
	grep -q "class=\"roll\"" site/scale-demo.html &&
	grep -q "wrong pitch" site/scale-demo.html &&
	grep -q "missing note" site/scale-demo.html &&
	grep -q "extra note" site/scale-demo.html &&
	grep -q "class=\"wave\"" site/scale-demo.html &&
	grep -q "<audio controls" site/scale-demo.html &&
	grep -q "Listening for the pedal" site/scale-demo.html &&
	grep -q "The Pianist&#39;s Guide to Pedaling" site/scale-demo.html
'

test_expect_success 'uncertain and weakly predicted dimensions are marked' '
	jq "(.dimensions[] | select(.name == \"timing\")) += {reliable: false, held_out_r2: -0.001} |
	    (.dimensions[] | select(.name == \"pace\")) += {uncertain: true}" \
		"$F/scale-demo.json" >weak.json &&
	pp-report -o weak weak.json &&
	grep -c "weakly predicted" weak/weak.html >n && test "$(cat n)" = 1 &&
	grep -q "(weakly predicted: held-out R<sup>2</sup> 0.00)" weak/weak.html &&
	grep -q "(uncertain)" weak/weak.html &&
	! grep -q "weakly predicted" site/scale-demo.html
'

test_expect_success 'no external resources in the page' '
	! grep -E "(src|href)=\"(https?:)?//" site/scale-demo.html
'

test_expect_success 'the static API holds the analysis' '
	/usr/bin/python3 - <<-\PY
	import json
	a = json.load(open("site/api/analysis/scale-demo.json"))
	assert len(a["dimensions"]) == 19, len(a["dimensions"])
	assert a["feedback"]["source"] == "builtin"
	assert "beats" not in a["summary"]
	p = json.load(open("site/api/performances.json"))["performances"]
	assert [x["id"] for x in p] == ["scale-demo"], p
	PY
'

test_expect_success 'an alignment-only document gives a page that says less' '
	pp-report -o site "$F/alignment-only.json" &&
	grep -q "No predictions in this document" site/alignment-only.html &&
	grep -q "No feedback in this document" site/alignment-only.html &&
	grep -q "class=\"roll\"" site/alignment-only.html
'

test_expect_success 'the gallery lists pages made by separate runs' '
	grep -q "alignment-only.html" site/index.html &&
	grep -q "scale-demo.html" site/index.html
'

test_expect_success 'a bad document is reported, the others still written' '
	mkdir docs && cp "$F/scale-demo.json" docs/a.json &&
	echo "{\"pp\": 3}" >docs/b.json &&
	test_must_fail pp-report -o site2 docs 2>err &&
	grep -q "b.json" err && test_one_line err &&
	test -f site2/a.html
'

test_expect_success 'a text file given as audio is refused in one line' '
	echo hello >fake.wav &&
	test_must_fail pp-report -o site3 --audio fake.wav "$F/scale-demo.json" 2>err &&
	test_one_line err && grep -q "fake.wav" err &&
	! test -f site3/scale-demo.html
'

test_expect_success CHROMIUM,NOTSAN 'the page renders in headless Chromium without console errors' '
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$TRASH/chrome" --enable-logging=stderr --v=0 \
		--window-size=1100,2400 --screenshot="$TRASH/report.png" \
		"file://$TRASH/site/scale-demo.html" 2>chrome.log &&
	test -s "$TRASH/report.png" &&
	! grep -E "CONSOLE|Uncaught" chrome.log
'

test_done
