// run-js.cjs - the reference: Spotify's @spotify/basic-pitch 1.0.1 (JS,
// tfjs pure CPU backend) on raw audio. Not part of the test suite; used by
// make-golden.sh and bench/transcribe.sh.
//
//   node run-js.cjs MODEL_DIR IN.f32 OUTPREFIX [posteriors]
//
// IN.f32 is mono float32 little-endian at 22050 Hz. Writes
// OUTPREFIX.notes.json: {"n_frames", "default": [...], "nomelodia": [...],
// "upstream": [...], "upstream_nomelodia": [...]} with the notes of
// outputToNotesPoly under pp-transcribe's defaults (0.5, 0.3, 11 frames,
// melodia on / off) and the settings of upstream's own test (0.25, 0.25, 5
// with melodia; 0.5, 0.3, 5 without). With "posteriors", also
// OUTPREFIX.{note,onset,contour}.f32 ([n_frames, 88|88|264] float32).
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const bp = require('@spotify/basic-pitch');

async function main() {
	const [modelDir, input, prefix, want] = process.argv.slice(2);
	await tf.setBackend('cpu');
	const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'model.json')));
	const shard = fs.readFileSync(path.join(modelDir, manifest.weightsManifest[0].paths[0]));
	const weights = shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.length);
	const model = await tf.loadGraphModel(tf.io.fromMemory({
		modelTopology: manifest.modelTopology,
		weightSpecs: manifest.weightsManifest[0].weights,
		weightData: weights,
		format: manifest.format,
		generatedBy: manifest.generatedBy,
		convertedBy: manifest.convertedBy,
	}));
	const raw = fs.readFileSync(input);
	const audio = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
	const frames = [], onsets = [], contours = [];
	const t0 = Date.now();
	const b = new bp.BasicPitch(Promise.resolve(model));
	await b.evaluateModel(audio, (f, o, c) => {
		frames.push(...f); onsets.push(...o); contours.push(...c);
	}, () => {});
	const wall = (Date.now() - t0) / 1000;
	const copy = (m) => m.map((r) => r.slice());
	const notes = (on, fr, ml, mel) => frames.length === 0 ? [] :
		bp.noteFramesToTime(bp.outputToNotesPoly(copy(fr), copy(on), on_t(on), fr_t(fr), ml, true, null, null, mel));
	// thresholds come through closures below so that each call gets copies
	let ot = 0.5, ft = 0.3;
	const on_t = () => ot, fr_t = () => ft;
	const out = { n_frames: frames.length, wall_s: wall };
	ot = 0.5; ft = 0.3; out.default = notes(onsets, frames, 11, true);
	ot = 0.5; ft = 0.3; out.nomelodia = notes(onsets, frames, 11, false);
	ot = 0.25; ft = 0.25; out.upstream = notes(onsets, frames, 5, true);
	ot = 0.5; ft = 0.3; out.upstream_nomelodia = notes(onsets, frames, 5, false);
	// the frame-level view of the same notes (exact integers, no time rounding)
	ot = 0.5; ft = 0.3;
	out.default_frames = frames.length === 0 ? [] :
		bp.outputToNotesPoly(copy(frames), copy(onsets), 0.5, 0.3, 11, true, null, null, true);
	out.nomelodia_frames = frames.length === 0 ? [] :
		bp.outputToNotesPoly(copy(frames), copy(onsets), 0.5, 0.3, 11, true, null, null, false);
	fs.writeFileSync(prefix + '.notes.json', JSON.stringify(out));
	if (want === 'posteriors') {
		const dump = (m, w, name) => {
			const a = new Float32Array(m.length * w);
			m.forEach((r, i) => a.set(r, i * w));
			fs.writeFileSync(prefix + '.' + name + '.f32', Buffer.from(a.buffer));
		};
		dump(frames, 88, 'note'); dump(onsets, 88, 'onset'); dump(contours, 264, 'contour');
	}
	process.stderr.write(`run-js: ${input}: ${frames.length} frames, ${wall.toFixed(2)} s\n`);
}
main().catch((e) => { console.error(e); process.exit(1); });
