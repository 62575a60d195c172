#!/bin/sh
# pp-retrieve against the judged query set (tests/retrieval/judged.jsonl:
# prediction profiles and free text, relevance by rules over the corpus
# metadata, written before tuning). Reports recall@5 and MRR; fails below
# recall@5 0.9. BM25 only (no embeddings endpoint).
. "$(dirname "$0")/lib.sh"

unset PP_EMBED_URL PP_EMBED_MODEL PP_EMBED_KEY PP_EMBED_TIMEOUT
test_lazy_prereq CORPUS 'test -d "$PP_DATADIR/knowledge/passages"'

test_expect_success CORPUS 'judged set: recall@5 >= 0.9' '
	/usr/bin/python3 "$TESTS_DIR/retrieval/judge.py" --bin "$PP_BIN/pp-retrieve" \
		--data "$PP_DATADIR" --index "$TRASH/ix.sqlite" \
		--judged "$TESTS_DIR/retrieval/judged.jsonl" >"$TRASH/report" ||
	{ cat "$TRASH/report"; exit 1; }
'
test -f "$TRASH/report" && sed -n "s/^/# /p" "$TRASH/report" | tail -2

test_expect_success CORPUS 'the judged set has at least 60 queries, both kinds' '
	test $(grep -c "\"type\": \"profile\"" "$TESTS_DIR/retrieval/judged.jsonl") -ge 30 &&
	test $(grep -c "\"type\": \"text\"" "$TESTS_DIR/retrieval/judged.jsonl") -ge 30 &&
	grep -q "^queries [0-9]* judged [0-9]* (no relevant passage in the corpus: 0)" "$TRASH/report"
'

test_done
