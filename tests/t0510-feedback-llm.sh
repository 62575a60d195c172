#!/bin/sh
# pp-feedback's LLM mode against a local OpenAI-compatible server
# (tests/fixtures/feedback/llm-server.py on 127.0.0.1): a good answer, a
# slow one (timeout), HTTP 500, 429 then success, malformed JSON, a text
# that fails the checker (retried once, then replaced), configuration from
# a file. Every case must end in valid feedback with the right "source".
. "$(dirname "$0")/lib.sh"

FB=$FIXTURES/feedback
XDG_CONFIG_HOME=$TRASH/config HOME=$TRASH
unset PP_LLM_URL PP_LLM_MODEL PP_LLM_KEY PP_LLM_TIMEOUT || true
export XDG_CONFIG_HOME HOME

test_lazy_prereq PYTHON 'test -x /usr/bin/python3'

# The good answer: the built-in text with a greeting in front, so that it
# passes the checker and can be told apart.
pp-feedback --builtin --text "$FB/full.json" >builtin.txt
{ printf "Dear pianist, thank you. "; cat builtin.txt; } >good.txt
server=
if test -x /usr/bin/python3; then
	/usr/bin/python3 "$FB/llm-server.py" port log good.txt 2>server.err &
	server=$!
	trap 'kill $server 2>/dev/null; cd /; rm -rf "$TRASH"' EXIT
	for i in $(seq 50); do test -s port && break; sleep 0.1; done
fi
PORT=$(cat port 2>/dev/null || echo 1)

# feedback MODE [pp-feedback args]: runs against /MODE/v1 with a key.
feedback() {
	mode=$1
	shift
	PP_LLM_URL=http://127.0.0.1:$PORT/$mode/v1 PP_LLM_MODEL=test-model \
	PP_LLM_KEY=sk-test pp-feedback "$@" "$FB/full.json" >$mode.json 2>$mode.err
}

# expect MODE SOURCE: valid feedback/1 from SOURCE.
expect() {
	test "$(jq -r '.pp, .feedback.source' $1.json | tr '\n' ' ')" = "feedback/1 $2 " ||
		{ echo "$1: wanted $2, got:"; jq -c '.feedback | del(.text)' $1.json; cat $1.err; return 1; }
	pp-feedback --check $1.json
}

requests() { grep -c "^$1 " log || true; }

test_expect_success PYTHON 'the test server is up' '
	test -s port
'

test_expect_success PYTHON 'a good answer is taken, with the key sent as a bearer token' '
	feedback good &&
	expect good llm &&
	test ! -s good.err &&
	test "$(jq -r .feedback.model good.json)" = test-model &&
	jq -r .feedback.text good.json | grep -q "^Dear pianist" &&
	grep -q "^good 1 auth=1 problems=0 model=test-model" log
'

test_expect_success PYTHON 'a slow server times out: built-in, one line' '
	start=$(date +%s) &&
	PP_LLM_TIMEOUT=1 feedback slow &&
	test $(($(date +%s) - start)) -le 4 &&
	expect slow builtin &&
	test_one_line slow.err && grep -q "timed out after 1 s; using the built-in writer" slow.err &&
	test "$(jq -r .feedback.model slow.json)" = null
'

test_expect_success PYTHON 'HTTP 500 is retried, then the built-in writer answers' '
	feedback 500 &&
	expect 500 builtin &&
	test_one_line 500.err &&
	grep -q "HTTP 500: internal trouble (after 3 attempts); using the built-in writer" 500.err &&
	test "$(requests 500)" = 3
'

test_expect_success PYTHON 'HTTP 429 with Retry-After is waited out, then the answer is taken' '
	feedback 429 &&
	expect 429 llm && test ! -s 429.err &&
	test "$(requests 429)" = 2
'

test_expect_success PYTHON 'a malformed reply: built-in, one line' '
	feedback badjson &&
	expect badjson builtin &&
	test_one_line badjson.err && grep -q "reply is not JSON" badjson.err
'

test_expect_success PYTHON 'a text failing the checker is retried once with the problems, then replaced' '
	feedback badtext &&
	expect badtext builtin &&
	test_one_line badtext.err &&
	grep -q "failed the checker twice (bar 999 is not in the score)" badtext.err &&
	test "$(requests badtext)" = 2 &&
	grep -q "^badtext 2 auth=1 problems=1" log
'

test_expect_success PYTHON 'a corrected second answer is taken' '
	feedback fixthen &&
	expect fixthen llm && test ! -s fixthen.err &&
	grep -q "^fixthen 2 auth=1 problems=1" log
'

test_expect_success 'no server listening: built-in, one line' '
	PP_LLM_URL=http://127.0.0.1:1/v1 pp-feedback "$FB/full.json" >none.json 2>none.err &&
	expect none builtin && test_one_line none.err &&
	grep -q "Could.*connect" none.err
'

test_expect_success '--llm without a configuration: built-in, one line' '
	pp-feedback --llm "$FB/full.json" >nocfg.json 2>nocfg.err &&
	expect nocfg builtin && test_one_line nocfg.err &&
	grep -q "no LLM configured" nocfg.err
'

test_expect_success PYTHON '--builtin wins over a configured LLM and sends nothing' '
	before=$(requests good) &&
	feedback good --builtin && mv good.json b.json && mv good.err b.err &&
	expect b builtin && test ! -s b.err &&
	test "$(requests good)" = "$before"
'

test_expect_success PYTHON 'a configuration file gives url, model and key' '
	cat >llm.conf <<-EOC &&
	# test endpoint
	url = http://127.0.0.1:$PORT/good/v1/chat/completions
	model = conf-model
	key = sk-test
	EOC
	chmod 600 llm.conf &&
	pp-feedback --config llm.conf "$FB/full.json" >conf.json 2>conf.err &&
	expect conf llm && test ! -s conf.err &&
	test "$(jq -r .feedback.model conf.json)" = conf-model &&
	tail -n 1 log | grep -q "auth=1 problems=0 model=conf-model" &&
	mkdir -p config/pp && cp llm.conf config/pp/llm.conf &&
	pp-feedback "$FB/full.json" >dflt.json 2>dflt.err &&
	expect dflt llm
'

test_expect_success PYTHON 'a key in a file others can read is refused: built-in, one line' '
	chmod 644 llm.conf &&
	pp-feedback --config llm.conf "$FB/full.json" >open.json 2>open.err &&
	expect open builtin && test_one_line open.err &&
	grep -q "holds a key but others can read it" open.err
'

test_expect_success 'a malformed configuration file: built-in, one line naming the line' '
	printf "url http://x\n" >broken.conf &&
	pp-feedback --config broken.conf "$FB/full.json" >broken.json 2>broken.err &&
	expect broken builtin && test_one_line broken.err &&
	grep -q "broken.conf.: line 1: expected .name = value." broken.err
'

test_expect_success 'a broken default configuration is reported, not ignored' '
	mkdir -p config/pp && printf "colour = blue\n" >config/pp/llm.conf &&
	pp-feedback "$FB/full.json" >bdef.json 2>bdef.err &&
	expect bdef builtin && test_one_line bdef.err &&
	grep -q "llm.conf.: line 1: unknown setting .colour." bdef.err &&
	rm config/pp/llm.conf
'

test_done
