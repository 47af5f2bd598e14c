// Measures single-thread encode throughput of the Hugging Face `tokenizers`
// binding on the e-mail texts of tokenize/testdata/hf/texts.jsonl.gz, one
// document at a time (as BenchmarkHF* in package tokenize does).
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const tk = require('tokenizers');

const [, , testdata, ...names] = process.argv;
const texts = zlib.gunzipSync(fs.readFileSync(path.join(testdata, 'texts.jsonl.gz'))).toString('utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.src.startsWith('spam/')).map((e) => e.text);
const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

(async () => {
  for (const name of names) {
    const tok = tk.Tokenizer.fromFile(path.join(testdata, name + '.json'));
    for (const t of texts) await tok.encode(t, null, { addSpecialTokens: false }); // warm-up
    let rounds = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 3) {
      for (const t of texts) await tok.encode(t, null, { addSpecialTokens: false });
      rounds++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    }
    console.log(`npm tokenizers ${name} (one encode per document): ${((bytes * rounds) / elapsed / 1e6).toFixed(2)} MB/s`);
    // encodeBatch with RAYON_NUM_THREADS=1: one thread, no per-call overhead.
    await tok.encodeBatch(texts, { addSpecialTokens: false });
    rounds = 0;
    const s2 = process.hrtime.bigint();
    elapsed = 0;
    while (elapsed < 3) {
      await tok.encodeBatch(texts, { addSpecialTokens: false });
      rounds++;
      elapsed = Number(process.hrtime.bigint() - s2) / 1e9;
    }
    console.log(`npm tokenizers ${name} (encodeBatch, 1 thread): ${((bytes * rounds) / elapsed / 1e6).toFixed(2)} MB/s`);
  }
})();
