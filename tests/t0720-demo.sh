#!/bin/sh
# examples/demo: the fixture manifest through every stage as make rules;
# make -j2 safe, incremental, a broken performance never stops the others;
# the cron wrapper locks and logs.
. "$(dirname "$0")/lib.sh"

# The whole chain must be built (every stage of the pipeline).
test_lazy_prereq CHAIN 'for t in pp-notes pp-synth pp-transcribe pp-align pp-features pp-infer pp-retrieve pp-feedback pp-report; do test -x "$PP_BIN/$t" || exit 1; done'

test_expect_success 'setup: a copy of the demo' '
	cp -R "$ROOT/examples/demo" "$TRASH/demo" &&
	rm -rf "$TRASH/demo/out" "$TRASH/demo/gen"
'

test_expect_success FLUID,CHAIN 'make -j2 demo builds every performance of the fixture manifest' '
	make -s -C "$TRASH/demo" BIN="$PP_BIN" -j2 demo >log 2>&1 || { cat log; exit 1; } &&
	for id in scale-played scale-deadpan scale-midi scale-audio; do
		test -f "$TRASH/demo/out/site/$id.html" &&
		test -f "$TRASH/demo/out/$id/final.json" || exit 1
	done &&
	grep -q "4 of 4 performances done" log &&
	test -f "$TRASH/demo/out/site/index.html" &&
	test "$(jq ".performances | length" "$TRASH/demo/out/site/api/performances.json")" = 4
'

test_expect_success FLUID,CHAIN 'the final document carries identity, every stage time and the audio' '
	f="$TRASH/demo/out/scale-audio/final.json" &&
	test "$(jq -r .pp "$f")" = feedback/1 &&
	test "$(jq -r .meta.performer "$f")" = "Fixture pianist (audio)" &&
	test "$(jq -r .audio.path "$f")" = gen/scale-perf.flac &&
	for s in pp-transcribe pp-align pp-features pp-infer pp-retrieve pp-feedback; do
		jq -e ".performance_metrics[\"$s\"].wall_s >= 0" "$f" >/dev/null || { echo "no $s"; exit 1; }
	done &&
	test -f "$TRASH/demo/out/site/audio/scale-audio.flac"
'

test_expect_success FLUID,CHAIN 'a second run recomputes nothing' '
	make -C "$TRASH/demo" BIN="$PP_BIN" -q pages
'

test_expect_success FLUID,CHAIN 'a changed input recomputes only its performance' '
	sleep 1 && touch "$TRASH/demo/fixtures/scale-deadpan.json" &&
	make -C "$TRASH/demo" BIN="$PP_BIN" -n pages >plan &&
	grep -q "scale-deadpan" plan && ! grep -q "out/scale-played/" plan
'

test_expect_success CHAIN 'a broken performance is reported and the others are still built' '
	cd "$TRASH/demo" &&
	printf "id\tinput\tscore\tcomposer\tpiece\tperformer\n" >broken.tsv &&
	printf "good\tfixtures/scale-deadpan.json\tfixtures/scale.musicxml\tc\tp\tf\n" >>broken.tsv &&
	echo "not xml" >fixtures/bad.musicxml &&
	printf "bad\tfixtures/scale-perf.json\tfixtures/bad.musicxml\tc\tp\tf\n" >>broken.tsv &&
	test_must_fail make -s BIN="$PP_BIN" MANIFEST=broken.tsv OUT=out-broken -j2 demo >log 2>&1 &&
	grep -q "bad.musicxml" log &&
	grep -q "demo: bad: failed" log &&
	grep -q "1 of 2 performances done" log &&
	test -f out-broken/site/good.html && ! test -f out-broken/bad/alignment.json
'

test_expect_success CHAIN 'the cron wrapper logs with timestamps and skips while locked' '
	cd "$TRASH/demo" &&
	PP_DEMO_LOG=$TRASH/cron.log PP_DEMO_LOCK=$TRASH/cron.lock \
		./pp-demo-cron.sh BIN="$PP_BIN" MANIFEST=broken.tsv OUT=out-broken &&
	grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z start: make" "$TRASH/cron.log" &&
	grep -q "Z end: exit" "$TRASH/cron.log" &&
	flock "$TRASH/cron.lock" sh -c "PP_DEMO_LOG=$TRASH/cron2.log PP_DEMO_LOCK=$TRASH/cron.lock ./pp-demo-cron.sh BIN=$PP_BIN" &&
	grep -q "another run holds" "$TRASH/cron2.log"
'

test_done
