#!/bin/sh
# The knowledge base (data/knowledge): every passage valid, ids unique,
# every pole of the 19 dimensions covered, README coverage table current.
. "$(dirname "$0")/lib.sh"

KB=$ROOT/data/knowledge
CHECK="/usr/bin/python3 $ROOT/tools/kb-check.py"

test_lazy_prereq PY3 'test -x /usr/bin/python3'

test_expect_success PY3 'the knowledge base validates (fields, ids, lengths, coverage >= 10 per pole, >= 400 passages)' '
	$CHECK "$KB"
'

test_expect_success PY3 'README coverage table matches the passages' '
	$CHECK --min-pole 0 --min-total 0 --check-readme "$KB"
'

test_expect_success PY3 'every line of every file is a JSON object with the file topic' '
	/usr/bin/python3 - "$KB" <<-PYEOF
	import glob, json, os, sys
	n = 0
	for p in glob.glob(os.path.join(sys.argv[1], "passages", "*.jsonl")):
	    t = os.path.basename(p)[:-6]
	    for line in open(p, encoding="utf-8"):
	        r = json.loads(line)
	        assert r["topic"] == t, (p, r["id"])
	        n += 1
	assert n >= 400, n
	PYEOF
'

# The validator must reject what it should: build small broken copies.
mkbad() {
	rm -rf bad && mkdir -p bad/knowledge/passages &&
	cp "$ROOT/data/dimensions.json" bad/ &&
	head -n 1 "$KB/passages/pedal.jsonl" >bad/knowledge/passages/pedal.jsonl
}

test_expect_success PY3 'a one-passage copy passes with no minimums' '
	mkbad && $CHECK --min-pole 0 --min-total 0 bad/knowledge
'

test_expect_success PY3 'the validator rejects a bad pole, a duplicate id, a bad line, too few words, an unknown kind' '
	mkbad &&
	sed "s/\"pole\": \"[a-z]*\"/\"pole\": \"middle\"/" "$KB/passages/pedal.jsonl" | head -n 1 >bad/knowledge/passages/pedal.jsonl &&
	! $CHECK --min-pole 0 --min-total 0 bad/knowledge 2>err && grep -q "bad dimension" err &&
	mkbad && head -n 1 "$KB/passages/pedal.jsonl" >>bad/knowledge/passages/pedal.jsonl &&
	! $CHECK --min-pole 0 --min-total 0 bad/knowledge 2>err && grep -q "duplicate id" err &&
	mkbad && echo "{not json" >>bad/knowledge/passages/pedal.jsonl &&
	! $CHECK --min-pole 0 --min-total 0 bad/knowledge 2>err && grep -q "bad JSON" err &&
	mkbad && echo "{\"id\":\"ped-999\",\"title\":\"t\",\"text\":\"too short\",\"dimensions\":[{\"name\":\"pace\",\"pole\":\"low\"}],\"topic\":\"pedal\",\"composers\":[],\"eras\":[],\"level\":\"all\",\"kind\":\"drill\",\"source\":{\"title\":\"a\",\"author\":\"b\"}}" >>bad/knowledge/passages/pedal.jsonl &&
	! $CHECK --min-pole 0 --min-total 0 bad/knowledge 2>err && grep -q "has 2 words" err &&
	mkbad && sed "s/\"kind\": \"[a-z]*\"/\"kind\": \"essay\"/" "$KB/passages/pedal.jsonl" | head -n 1 >bad/knowledge/passages/pedal.jsonl &&
	! $CHECK --min-pole 0 --min-total 0 bad/knowledge 2>err && grep -q "bad kind" err
'

test_expect_success PY3 'the validator enforces pole coverage and the total' '
	mkbad &&
	! $CHECK --min-pole 1 --min-total 0 bad/knowledge 2>err &&
	grep -q "pole low: 0 passages" err &&
	! $CHECK --min-pole 0 --min-total 2 bad/knowledge 2>err &&
	grep -q "1 passages (need 2)" err
'

test_done
