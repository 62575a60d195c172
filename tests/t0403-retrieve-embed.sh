#!/bin/sh
# pp-retrieve with dense vectors from an OpenAI-compatible embeddings
# endpoint: a local fake server (tests/retrieval/fake-embed.py, hashed bag
# of words) on 127.0.0.1. Normal answers give hybrid (BM25 + cosine, RRF)
# results; a 500, a timeout, malformed JSON, a short answer or no server at
# all give exactly the BM25 result and one warning line.
. "$(dirname "$0")/lib.sh"

unset PP_EMBED_URL PP_EMBED_MODEL PP_EMBED_KEY PP_EMBED_TIMEOUT
FX=$FIXTURES/retrieve
Q="blurred pedal in Chopin"

py() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[2])); print($1)" "$1" "$2"
}

# start_server MODE: starts the fake server, sets URL and SERVER_PID.
start_server() {
	rm -f port log
	/usr/bin/python3 "$TESTS_DIR/retrieval/fake-embed.py" "$1" port log >/dev/null 2>&1 &
	SERVER_PID=$!
	i=0
	while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	test -s port || { echo "fake server did not start"; return 1; }
	URL=http://127.0.0.1:$(cat port)/v1
}

stop_server() {
	kill "$SERVER_PID" 2>/dev/null || :
	wait "$SERVER_PID" 2>/dev/null || :
}

test_expect_success 'setup: the BM25 reference result' '
	pp-retrieve --index bm25.sqlite --corpus "$FX/passages" -q "$Q" >bm25.json 2>err &&
	test ! -s err &&
	py "[(p[\"id\"], p[\"score\"]) for p in d[\"passages\"]]" bm25.json >bm25.ids &&
	test "$(py "d[\"retrieval\"][\"mode\"]" bm25.json)" = bm25
'

test_expect_success 'normal endpoint: hybrid mode, vectors stored in the index' '
	start_server normal &&
	PP_EMBED_URL=$URL PP_EMBED_MODEL=fake-model pp-retrieve --index h.sqlite --corpus "$FX/passages" -q "$Q" >h.json 2>err &&
	test ! -s err &&
	test "$(py "d[\"retrieval\"][\"mode\"]" h.json)" = hybrid &&
	test "$(py "len(d[\"passages\"])" h.json)" = 5 &&
	test "$(py "sorted(p[\"id\"] for p in d[\"passages\"][:2])" h.json)" = "['"'fx-ped-001'"', '"'fx-ped-003'"']" &&
	py "all(0 < p[\"score\"] <= 2 / 61 + 1e-9 for p in d[\"passages\"])" h.json >ok && test "$(cat ok)" = True &&
	printf "normal 6 fake-model\nnormal 1 fake-model\n" >want && test_cmp want log &&
	PP_EMBED_URL=$URL PP_EMBED_MODEL=fake-model pp-retrieve --index h.sqlite --corpus "$FX/passages" -q "$Q" >h2.json &&
	printf "normal 6 fake-model\nnormal 1 fake-model\nnormal 1 fake-model\n" >want && test_cmp want log &&
	test "$(py "[p[\"id\"] for p in d[\"passages\"]]" h.json)" = "$(py "[p[\"id\"] for p in d[\"passages\"]]" h2.json)" &&
	stop_server
'

test_expect_success 'another model: the passages are embedded again' '
	start_server normal &&
	PP_EMBED_URL=$URL PP_EMBED_MODEL=other-model pp-retrieve --index h.sqlite --corpus "$FX/passages" -q "$Q" >h.json 2>err &&
	test ! -s err &&
	printf "normal 6 other-model\nnormal 1 other-model\n" >want && test_cmp want log &&
	stop_server
'

# check_degrades MODE: a fresh index and an index with stored vectors both
# fall back to the exact BM25 result with one warning line.
check_degrades() {
	start_server "$1" &&
	for ix in fresh-$1.sqlite h.sqlite; do
		PP_EMBED_TIMEOUT=1 PP_EMBED_URL=$URL PP_EMBED_MODEL=other-model \
			pp-retrieve --index $ix --corpus "$FX/passages" -q "$Q" >d.json 2>err &&
		test "$(py "d[\"retrieval\"][\"mode\"]" d.json)" = bm25 &&
		py "[(p[\"id\"], p[\"score\"]) for p in d[\"passages\"]]" d.json >d.ids &&
		test_cmp bm25.ids d.ids &&
		test_one_line err &&
		grep -q "^pp-retrieve: embeddings unavailable, BM25 only: .http://127.0.0.1:[0-9]*/v1/embeddings.: $2" err ||
		{ stop_server; return 1; }
	done
	stop_server
}

test_expect_success 'HTTP 500: BM25 results and one warning' '
	check_degrades 500 "HTTP 500: model overloaded"
'

test_expect_success 'timeout: BM25 results and one warning' '
	check_degrades slow "timed out after 1 s"
'

test_expect_success 'malformed JSON: BM25 results and one warning' '
	check_degrades malformed "reply is not JSON"
'

test_expect_success 'too few embeddings: BM25 results and one warning' '
	check_degrades short "malformed answer: expected"
'

test_expect_success 'no server listening: BM25 results and one warning' '
	start_server normal && stop_server &&
	PP_EMBED_URL=$URL pp-retrieve --index h.sqlite --corpus "$FX/passages" -q "$Q" >d.json 2>err &&
	test "$(py "d[\"retrieval\"][\"mode\"]" d.json)" = bm25 &&
	py "[(p[\"id\"], p[\"score\"]) for p in d[\"passages\"]]" d.json >d.ids &&
	test_cmp bm25.ids d.ids && test_one_line err
'

test_expect_success 'a bad PP_EMBED_TIMEOUT: embeddings off, BM25, one warning' '
	PP_EMBED_TIMEOUT=soon PP_EMBED_URL=http://127.0.0.1:9/v1 pp-retrieve --index h.sqlite --corpus "$FX/passages" -q "$Q" >d.json 2>err &&
	test "$(py "d[\"retrieval\"][\"mode\"]" d.json)" = bm25 &&
	echo "pp-retrieve: embeddings off: PP_EMBED_TIMEOUT '"'soon'"': not a number of seconds" >want &&
	test_cmp want err
'

test_done
