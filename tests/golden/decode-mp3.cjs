// decode-mp3.cjs IN.mp3 OUT.f32 - decodes an MP3 the way upstream's own test
// did (web-audio-api 0.2.2, aurora.js), to float32 mono; used to find the
// decoder offset documented in tests/unit/bp_upstream_test.c. Needs
// `npm install web-audio-api@0.2.2` in tests/golden.
const fs = require('fs');
const { AudioContext } = require('web-audio-api');
const ctx = new AudioContext();
ctx.decodeAudioData(fs.readFileSync(process.argv[2]), (b) => {
  const x = b.getChannelData(0);
  console.error('rate', b.sampleRate, 'len', b.length, 'ch', b.numberOfChannels);
  fs.writeFileSync(process.argv[3], Buffer.from(new Float32Array(x).buffer));
  process.exit(0);
}, (e) => { console.error(e); process.exit(1); });
