#!/bin/sh
# pp-retrieve: the index (build, freshness), free-text and document queries,
# context/1 output, corpus validation and error cases. Runs on the fixture
# corpus tests/fixtures/retrieve/passages (6 passages), BM25 only.
. "$(dirname "$0")/lib.sh"

unset PP_EMBED_URL PP_EMBED_MODEL PP_EMBED_KEY PP_EMBED_TIMEOUT
FX=$FIXTURES/retrieve
IX=$TRASH/ix.sqlite

# jq-free JSON probes: py EXPR FILE prints EXPR evaluated on the document d.
py() {
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[2])); print($1)" "$1" "$2"
}

test_expect_success 'setup: a private copy of the fixture corpus' '
	mkdir -p "$TRASH/corpus" &&
	cp "$FX"/passages/*.jsonl "$TRASH/corpus/"
'

test_expect_success '--help and --version' '
	pp-retrieve --help >out &&
	grep -q "^usage: pp-retrieve \[-o FILE\] \[-k N\] \[-q TEXT\] \[--build\] \[--index FILE\] \[DOCUMENT\]$" out &&
	pp-retrieve --version >out &&
	grep -q "^pp-retrieve (pp) " out
'

test_expect_success 'usage errors exit 2 with one line and a hint' '
	test_expect_code 2 pp-retrieve -k 0 -q pedal 2>err &&
	grep -q "^pp-retrieve: -k .0.: not a number from 1 to 1000$" err &&
	test_expect_code 2 pp-retrieve --bogus 2>err &&
	test_expect_code 2 pp-retrieve a.json b.json 2>err &&
	grep -q "too many arguments" err &&
	test_expect_code 2 pp-retrieve -q "" 2>err
'

test_expect_success '--build builds the index once' '
	pp-retrieve --build --index "$IX" --corpus "$TRASH/corpus" >out &&
	grep -q "^index .*ix.sqlite.: 6 passages, built in [0-9.]* ms$" out &&
	test -f "$IX" &&
	pp-retrieve --build --index "$IX" --corpus "$TRASH/corpus" >out &&
	grep -q "^index .*: 6 passages, up to date$" out
'

test_expect_success '--build with a query reports on stderr, the document on stdout' '
	pp-retrieve --build --index "$IX" --corpus "$TRASH/corpus" -q pedal >ctx.json 2>err &&
	grep -q "^index .*: 6 passages, up to date$" err &&
	test "$(py "d[\"pp\"]" ctx.json)" = context/1
'

test_expect_success 'a new file time alone does not rebuild (content hash)' '
	touch -d "2001-01-01" "$TRASH/corpus/pedal.jsonl" &&
	pp-retrieve --build --index "$IX" --corpus "$TRASH/corpus" >out &&
	grep -q "up to date" out
'

test_expect_success 'a changed corpus rebuilds; --rebuild forces' '
	sed -n 1p "$TRASH/corpus/pedal.jsonl" | sed "s/fx-ped-001/fx-ped-009/" >>"$TRASH/corpus/pedal.jsonl" &&
	pp-retrieve --build --index "$IX" --corpus "$TRASH/corpus" >out &&
	grep -q ": 7 passages, built in" out &&
	pp-retrieve --rebuild --index "$IX" --corpus "$TRASH/corpus" >out &&
	grep -q ": 7 passages, built in" out &&
	cp "$FX"/passages/pedal.jsonl "$TRASH/corpus/"
'

test_expect_success 'free text: context/1 with the query, focus and ranked passages' '
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -q "blurred pedal in Chopin" >ctx.json 2>err &&
	test ! -s err &&
	test "$(py "d[\"pp\"]" ctx.json)" = context/1 &&
	test "$(py "d[\"retrieval\"][\"query\"]" ctx.json)" = "blurred pedal in Chopin" &&
	test "$(py "d[\"retrieval\"][\"mode\"], d[\"retrieval\"][\"k\"]" ctx.json)" = "bm25 5" &&
	test "$(py "[(f[\"name\"], f[\"pole\"]) for f in d[\"retrieval\"][\"focus\"]]" ctx.json)" = "[('"'pedal_clarity'"', '"'high'"')]" &&
	test "$(py "[p[\"n\"] for p in d[\"passages\"]][:3]" ctx.json)" = "[1, 2, 3]" &&
	test "$(py "d[\"passages\"][0][\"id\"]" ctx.json)" = fx-ped-001 &&
	test "$(py "d[\"passages\"][1][\"id\"]" ctx.json)" = fx-ped-003 &&
	test "$(py "sorted(d[\"passages\"][0])" ctx.json)" = "['"'composers'"', '"'dimensions'"', '"'id'"', '"'kind'"', '"'n'"', '"'score'"', '"'source'"', '"'text'"', '"'title'"', '"'topic'"']" &&
	test "$(py "d[\"passages\"][0][\"source\"][\"author\"]" ctx.json)" = "Joseph Banowetz" &&
	py "d[\"passages\"][0][\"score\"] > d[\"passages\"][1][\"score\"] > 0" ctx.json >ok && test "$(cat ok)" = True
'

test_expect_success '-k limits the passages' '
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -k 2 -q "pedal" >ctx.json &&
	test "$(py "len(d[\"passages\"]), d[\"retrieval\"][\"k\"]" ctx.json)" = "2 2"
'

test_expect_success 'a prediction document: focus, composer, problems, members kept' '
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" "$FX/predictions.json" >ctx.json &&
	test "$(py "[(f[\"name\"], f[\"pole\"], f[\"percentile\"]) for f in d[\"retrieval\"][\"focus\"]]" ctx.json)" = \
		"[('"'pedal_clarity'"', '"'high'"', 97.0), ('"'timbre_brightness'"', '"'low'"', 6.0)]" &&
	test "$(py "[(p[\"kind\"], p[\"measures\"]) for p in d[\"retrieval\"][\"problems\"]]" ctx.json)" = \
		"[('"'wrong_notes'"', ['"'2'"', '"'3'"']), ('"'rushing'"', ['"'2'"']), ('"'pedal_held'"', ['"'2'"'])]" &&
	grep -q "Chopin; Nocturne in D-flat major; wrong or missing notes in bars 2, 3; rushing in bar 2" ctx.json &&
	test "$(py "[p[\"id\"] for p in d[\"passages\"]][:3]" ctx.json)" = "['"'fx-ped-001'"', '"'fx-tim-003'"', '"'fx-ped-003'"']" &&
	test "$(py "d[\"id\"], d[\"summary\"][\"pitch_accuracy\"], len(d[\"dimensions\"])" ctx.json)" = "Chopin_op27_2_segment_04 0.93 19" &&
	py "d[\"performance_metrics\"][\"pp-retrieve\"][\"wall_s\"] > 0" ctx.json >ok && test "$(cat ok)" = True
'

test_expect_success 'a dimension marked "reliable": false is no focus' '
	jq "(.dimensions[] | select(.name == \"timbre_brightness\")) += {reliable: false}" \
		"$FX/predictions.json" >weak.json &&
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" weak.json >ctx.json &&
	test "$(py "[f[\"name\"] for f in d[\"retrieval\"][\"focus\"]]" ctx.json)" = "['"'pedal_clarity'"']"
'

test_expect_success 'the strongest alignment problem gets the last place (k >= 3)' '
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" "$FX/predictions.json" >ctx.json &&
	test "$(py "[(p[\"id\"], p.get(\"problem\")) for p in d[\"passages\"]][4]" ctx.json)" = "('"'fx-tim-002'"', '"'wrong_notes'"')" &&
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -k 3 "$FX/predictions.json" >ctx.json &&
	test "$(py "[(p[\"id\"], p.get(\"problem\")) for p in d[\"passages\"]]" ctx.json)" = \
		"[('"'fx-ped-001'"', None), ('"'fx-tim-003'"', None), ('"'fx-tim-002'"', '"'wrong_notes'"')]" &&
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -k 2 "$FX/predictions.json" >ctx.json &&
	test "$(py "[(p[\"id\"], p.get(\"problem\")) for p in d[\"passages\"]]" ctx.json)" = \
		"[('"'fx-ped-001'"', None), ('"'fx-tim-003'"', None)]"
'

test_expect_success 'bars without a printed number are counted from 1' '
	/usr/bin/python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
d[\"summary\"] = {\"measures\": [{\"wrong_pitch\": int(i in (3, 35)), \"tempo_ratio\": 1.0} for i in range(40)]}
json.dump(d, open(\"p40.json\", \"w\"))" "$FX/predictions.json" &&
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" p40.json >ctx.json &&
	test "$(py "d[\"retrieval\"][\"problems\"]" ctx.json)" = "[{'"'kind'"': '"'wrong_notes'"', '"'measures'"': ['"'4'"', '"'36'"']}]"
'

test_expect_success 'stdin and -o give the same document as a file argument' '
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" <"$FX/predictions.json" >a.json &&
	pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -o b.json - <"$FX/predictions.json" &&
	test "$(py "[p[\"id\"] for p in d[\"passages\"]]" a.json)" = "$(py "[p[\"id\"] for p in d[\"passages\"]]" b.json)"
'

# Scale direction: pedal_amount alone far from the middle, given as a value
# (no percentile: pp-retrieve computes it against data/reference.json).
test_expect_success 'scale direction: the low pole for a low percentile, the high for a high one' '
	for v in 0.15:fx-ped-002:low 0.95:fx-ped-003:high; do
		val=${v%%:*} rest=${v#*:} want=${rest%%:*} pole=${rest#*:}
		/usr/bin/python3 -c "import json,sys
ref = json.load(open(sys.argv[1]))[\"dimensions\"]
print(json.dumps({\"pp\": \"predictions/1\", \"dimensions\": {d[\"name\"]: (float(sys.argv[2]) if d[\"name\"] == \"pedal_amount\" else d[\"percentiles\"][10]) for d in ref}}))" \
			"$PP_DATADIR/reference.json" $val >p.json &&
		pp-retrieve --index "$IX" --corpus "$TRASH/corpus" p.json >ctx.json &&
		test "$(py "d[\"retrieval\"][\"focus\"][0][\"name\"], d[\"retrieval\"][\"focus\"][0][\"pole\"]" ctx.json)" = "pedal_amount $pole" &&
		test "$(py "d[\"passages\"][0][\"id\"]" ctx.json)" = $want || exit 1
	done
'

test_expect_success 'wrong document format: one line, exit 1' '
	echo "{\"pp\": \"notes/1\", \"notes\": []}" >notes.json &&
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" notes.json 2>err &&
	echo "pp-retrieve: '"'notes.json'"': expected predictions/1 or context/1, got notes/1" >want &&
	test_cmp want err
'

test_expect_success 'invalid JSON, missing or unknown dimensions: one line, exit 1' '
	echo "{\"pp\": \"predictions/1\", " >bad.json &&
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" bad.json 2>err &&
	test_one_line err && grep -q "^pp-retrieve: .bad.json.: line 2, column 0: invalid JSON" err &&
	echo "{\"pp\": \"predictions/1\"}" >nodims.json &&
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" nodims.json 2>err &&
	echo "pp-retrieve: '"'nodims.json'"': missing member '"'dimensions'"'" >want && test_cmp want err &&
	echo "{\"pp\": \"predictions/1\", \"dimensions\": [{\"name\": \"pedl\", \"value\": 0.5}]}" >unk.json &&
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" unk.json 2>err &&
	echo "pp-retrieve: '"'unk.json'"': dimensions[0]: unknown dimension '"'pedl'"'" >want && test_cmp want err &&
	echo "{\"pp\": \"predictions/1\", \"dimensions\": [{\"name\": \"pace\", \"value\": \"fast\"}]}" >str.json &&
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" str.json 2>err &&
	test_one_line err && grep -q "dimensions\[0\]: member .value. is not a number" err
'

test_expect_success 'a query with no searchable word: exit 1' '
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -q "the of and" 2>err &&
	echo "pp-retrieve: query '"'the of and'"' has no word to search for" >want && test_cmp want err
'

test_expect_success 'bad index paths: no directory, a file that is not an index' '
	test_expect_code 1 pp-retrieve --index "$TRASH/no/such/dir/ix.sqlite" --corpus "$TRASH/corpus" -q pedal 2>err &&
	test_one_line err && grep -q "^pp-retrieve: .*/no/such/dir/ix.sqlite.: cannot create the index: " err &&
	echo "my notes" >notes.txt && cp notes.txt notes.orig &&
	test_expect_code 1 pp-retrieve --index notes.txt --corpus "$TRASH/corpus" -q pedal 2>err &&
	echo "pp-retrieve: '"'notes.txt'"': not a pp knowledge index (remove it, or choose another --index)" >want &&
	test_cmp want err && test_cmp notes.orig notes.txt
'

test_expect_success 'output errors: /dev/full and a missing directory, exit 1' '
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -q pedal -o /dev/full 2>err &&
	test_one_line err &&
	test_expect_code 1 pp-retrieve --index "$IX" --corpus "$TRASH/corpus" -q pedal -o "$TRASH/none/x.json" 2>err &&
	test_one_line err && test ! -e "$TRASH/none"
'

# Corpus validation: each broken line gives one message naming file:line.
bad_corpus() {
	rm -rf bad && mkdir bad &&
	sed -n 1p "$FX/passages/pedal.jsonl" >bad/a.jsonl &&
	printf "%s\n" "$1" >>bad/a.jsonl &&
	test_expect_code 1 pp-retrieve --build --index "$TRASH/bad.sqlite" --corpus bad 2>err &&
	test_one_line err &&
	grep -q "^pp-retrieve: '.*bad/a.jsonl': line 2: $2" err || { cat err; return 1; }
}

test_expect_success 'corpus validation names the file and line' '
	good=$(sed -n 1p "$FX/passages/pedal.jsonl") &&
	bad_corpus "{\"id\": " "invalid JSON" &&
	bad_corpus "$(echo "$good" | sed "s/fx-ped-001/fx-x/; s/pedal_clarity/pedl/")" "passage .fx-x.: unknown dimension .pedl.$" &&
	bad_corpus "$(echo "$good" | sed "s/fx-ped-001/fx-x/; s/\"pole\": \"high\"/\"pole\": \"up\"/")" "passage .fx-x.: dimension .pedal_clarity.: pole must be" &&
	bad_corpus "$(echo "$good" | sed "s/fx-ped-001/fx-x/; s/\"kind\": \"drill\"/\"kind\": \"essay\"/")" "passage .fx-x.: unknown kind .essay." &&
	bad_corpus "$(echo "$good" | sed "s/fx-ped-001/fx-x/; s/\"title\": \"Clearing a blurred pedal\", //")" "passage .fx-x.: missing member .title.$" &&
	bad_corpus "$(echo "$good" | sed "s/fx-ped-001/fx-x/; s/\"source\": {[^}]*}/\"source\": \"Banowetz\"/")" "passage .fx-x.: member .source. must be" &&
	bad_corpus "$good" "duplicate id .fx-ped-001. (first at a.jsonl line 1)$" &&
	bad_corpus "[1, 2]" "not a JSON object$"
'

test_expect_success 'an empty corpus is an error' '
	rm -rf empty && mkdir empty &&
	test_expect_code 1 pp-retrieve --build --index "$TRASH/e.sqlite" --corpus empty 2>err &&
	test_one_line err && grep -q "no passages" err &&
	test_expect_code 1 pp-retrieve --build --index "$TRASH/e.sqlite" --corpus nowhere 2>err &&
	test_one_line err && grep -q "nowhere.: No such file or directory" err
'

test_expect_success 'default index under XDG_CACHE_HOME, auto-built when missing' '
	XDG_CACHE_HOME="$TRASH/cache" pp-retrieve --corpus "$TRASH/corpus" -q "dry pedal" >ctx.json &&
	test -f "$TRASH/cache/pp/knowledge.sqlite" &&
	test "$(py "d[\"passages\"][0][\"id\"]" ctx.json)" = fx-ped-002
'

test_expect_success 'no writable cache (installed, read-only): in-memory index, one warning' '
	mkdir -p ro && cp -R "$PP_DATADIR/." ro/ && rm -rf ro/knowledge/passages &&
	mkdir -p ro/knowledge/passages && cp "$FX"/passages/*.jsonl ro/knowledge/passages/ &&
	chmod -R a-w ro && touch stamp && sleep 1 &&
	env -u HOME -u XDG_CACHE_HOME PP_DATADIR="$TRASH/ro" pp-retrieve -q "blurred pedal" >ctx.json 2>err &&
	test_one_line err && grep -q "building it in memory" err &&
	test "$(py "d[\"passages\"][0][\"id\"]" ctx.json)" = fx-ped-001 &&
	test -z "$(find ro -newer stamp)" && chmod -R u+w ro
'

test_lazy_prereq CORPUS 'test -d "$PP_DATADIR/knowledge/passages"'

test_expect_success CORPUS 'the man page examples on the knowledge base' '
	XDG_CACHE_HOME="$TRASH/xdg" pp-retrieve --build >out &&
	grep -q "^index .*xdg/pp/knowledge.sqlite.: [0-9]* passages, built in" out &&
	XDG_CACHE_HOME="$TRASH/xdg" pp-retrieve -q "blurred pedal in Chopin" --pretty >ctx.json &&
	test "$(py "len(d[\"passages\"]), d[\"retrieval\"][\"focus\"][0][\"name\"]" ctx.json)" = "5 pedal_clarity" &&
	test $(wc -l <ctx.json) -gt 20
'

test_done
