#!/bin/sh
# pp-synth: notes/1 or MIDI -> WAV/FLAC through FluidSynth. A C major scale
# (eight 0.4 s notes, one every 0.5 s) is rendered and checked for length,
# pitch of each note and the number of notes in its energy envelope.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq NUMPY '/usr/bin/python3 -c "import numpy"'

# analyse FILE: prints "seconds onsets pitch1 pitch2 ..." (pitches as
# rounded MIDI numbers of the spectral peak in each 0.5 s slot).
analyse() {
	/usr/bin/python3 - "$1" <<-\EOF
	import sys, wave
	import numpy as np
	w = wave.open(sys.argv[1])
	r = w.getframerate()
	x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
	x = x.reshape(-1, w.getnchannels()).mean(1) / 32768.0
	hop = int(0.05 * r)
	env = np.array([np.sqrt(np.mean(x[i:i + hop] ** 2))
	                for i in range(0, len(x) - hop, hop)])
	on = env > 0.25 * env.max()
	onsets = int(np.sum(on[1:] & ~on[:-1]) + on[0])
	out = ["%.3f" % (len(x) / r), str(onsets)]
	for k in range(8):
	    seg = x[int((k * 0.5 + 0.05) * r):int((k * 0.5 + 0.35) * r)]
	    sp = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), 1 << 16))
	    f = np.fft.rfftfreq(1 << 16, 1.0 / r)
	    sp[f < 50] = 0
	    out.append(str(int(round(69 + 12 * np.log2(f[sp.argmax()] / 440)))))
	print(" ".join(out))
	EOF
}

test_expect_success 'setup: a C major scale' '
	cat >scale.json <<-\EOF &&
	{"pp": "notes/1", "source": "scale", "notes": [
	 {"pitch": 60, "onset": 0.0, "offset": 0.4, "velocity": 80},
	 {"pitch": 62, "onset": 0.5, "offset": 0.9, "velocity": 80},
	 {"pitch": 64, "onset": 1.0, "offset": 1.4, "velocity": 80},
	 {"pitch": 65, "onset": 1.5, "offset": 1.9, "velocity": 80},
	 {"pitch": 67, "onset": 2.0, "offset": 2.4, "velocity": 80},
	 {"pitch": 69, "onset": 2.5, "offset": 2.9, "velocity": 80},
	 {"pitch": 71, "onset": 3.0, "offset": 3.4, "velocity": 80},
	 {"pitch": 72, "onset": 3.5, "offset": 3.9, "velocity": 80}]}
	EOF
	pp-notes -o scale.mid scale.json
'

test_expect_success FLUID 'the scale renders to WAV quietly: rate, channels, length' '
	pp-synth -o scale.wav scale.json 2>err &&
	test ! -s err &&
	test "$(soxi -r scale.wav)" = 44100 &&
	test "$(soxi -c scale.wav)" = 2 &&
	# 3.9 s of notes + 1 s of tail
	test "$(soxi -s scale.wav)" = 216090
'

test_expect_success FLUID,NUMPY 'the scale has eight notes of the right pitches' '
	analyse scale.wav >got &&
	echo "4.900 8 60 62 64 65 67 69 71 72" >expect &&
	test_cmp expect got
'

test_expect_success FLUID 'MIDI input gives the same bytes (deterministic)' '
	pp-synth -o scale2.wav scale.mid &&
	cmp scale.wav scale2.wav &&
	pp-synth <scale.json >scale3.wav &&
	cmp scale.wav scale3.wav
'

test_expect_success FLUID 'FLAC by extension or --format; rate and mono' '
	pp-synth -r 22050 --mono -o scale.flac scale.json &&
	head -c 4 scale.flac >magic && printf fLaC >expect && test_cmp expect magic &&
	test "$(soxi -r scale.flac)" = 22050 &&
	test "$(soxi -c scale.flac)" = 1 &&
	test "$(soxi -s scale.flac)" = 108045 &&
	pp-synth --format flac -r 22050 --mono scale.json >stdout.flac &&
	cmp scale.flac stdout.flac
'

test_expect_success FLUID 'the sustain pedal holds the sound' '
	cat >dry.json <<-\EOF &&
	{"pp": "notes/1", "duration": 2.0,
	 "notes": [{"pitch": 48, "onset": 0.0, "offset": 0.2, "velocity": 100}]}
	EOF
	sed "s/\"notes\"/\"pedal\": [{\"onset\": 0.0, \"offset\": 2.0}], \"notes\"/" dry.json >wet.json &&
	pp-synth --tail 0 -o dry.wav dry.json &&
	pp-synth --tail 0 -o wet.wav wet.json &&
	dry=$(sox dry.wav -n trim 1.0 0.5 stat 2>&1 | sed -n "s/^RMS *amplitude: *//p") &&
	wet=$(sox wet.wav -n trim 1.0 0.5 stat 2>&1 | sed -n "s/^RMS *amplitude: *//p") &&
	echo "dry $dry wet $wet" &&
	awk "BEGIN { exit !($wet > 20 * $dry && $wet > 0.001) }"
'

test_expect_success 'a missing or bad SoundFont: exit 1, one line, no output' '
	echo old >keep.wav &&
	test_expect_code 1 pp-synth -s nope.sf2 -o keep.wav scale.json 2>err &&
	echo "pp-synth: '\''nope.sf2'\'': cannot open: No such file or directory" >expect &&
	test_cmp expect err &&
	echo old >expect && test_cmp expect keep.wav &&
	echo "not a soundfont" >text.sf2 &&
	test_expect_code 1 env PP_SOUNDFONT=text.sf2 pp-synth -o new.wav scale.json 2>err &&
	echo "pp-synth: '\''text.sf2'\'': not a SoundFont file" >expect &&
	test_cmp expect err &&
	test ! -e new.wav
'

test_expect_success FLUID 'output errors: /dev/full, missing directory' '
	test_expect_code 1 pp-synth -o /dev/full scale.json 2>err &&
	test $(wc -l <err) = 1 &&
	test_expect_code 1 pp-synth -o no/dir/x.wav scale.json 2>err &&
	test $(wc -l <err) = 1 && test ! -e no
'

test_expect_success 'bad input and usage errors' '
	echo "{\"pp\": \"notes/1\"}" >bad.json &&
	test_expect_code 1 pp-synth bad.json 2>err &&
	echo "pp-synth: '\''bad.json'\'': missing member '\''notes'\''" >expect &&
	test_cmp expect err &&
	test_expect_code 2 pp-synth --rate 12 scale.json 2>err &&
	test_expect_code 2 pp-synth --format mp3 scale.json 2>err &&
	grep -q "unknown '\''mp3'\''" err
'

test_expect_success FLUID 'man page example runs' '
	cp scale.mid etude.mid &&
	pp-synth -o etude.wav etude.mid &&
	test "$(soxi -s etude.wav)" = 216090
'

test_done
