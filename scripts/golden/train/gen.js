// Golden data for tokenize/train. Run through scripts/gen-golden-train.sh.
//   node gen.js corpus DATA OUT   cut the training slice and the held-out texts
//   node gen.js hf OUT WORK V     train Hugging Face's BpeTrainer (byte-level) on the
//                                 slice; save its tokenizer.json and its bytes per
//                                 token on the held-out lines, pruned to V tokens
//   node gen.js encode OUT        encode the held-out texts with grist's trained
//                                 tokenizer.json files (ids and decoded text)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function readJSONL(file) {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
function writeGz(file, s) { fs.writeFileSync(file, zlib.gzipSync(Buffer.from(s, 'utf8'), { level: 9 })); }
function cut(s, n) { const a = Array.from(s); return a.length <= n ? s : a.slice(0, n).join(''); }
function heldOutLines(texts) { // the unit of the compression figures
  const out = [];
  for (const t of texts) for (const l of t.text.split('\n')) if (l.length > 0) out.push(l);
  return out;
}

const [, , mode, ...args] = process.argv;

if (mode === 'corpus') {
  const [dataDir, outDir] = args;
  const udhr = readJSONL(path.join(dataDir, 'udhr.jsonl.gz'));
  const spam = readJSONL(path.join(dataDir, 'spam-assassin.jsonl.gz'));
  const train = [];
  const held = [];
  udhr.forEach((d, i) => {
    if (i % 12 === 0) train.push(d.text);
    if (i % 24 === 6) held.push({ src: 'udhr/' + d.lang, text: cut(d.text, 600) });
  });
  spam.forEach((d, i) => {
    if (i % 50 === 0) train.push(cut(d.text, 2500));
    if (i % 40 === 25) held.push({ src: 'spam/' + d.id, text: cut(d.text, 1500) });
  });
  held.push({ src: 'extra', text: 'byte fallback 꿼쀐쮌휈뛠 and emoji 🙂👍🏽, zero\u200bwidth, tabs\tand\r\nCRLF' });
  // One document per line, as Hugging Face's trainer reads files.
  const lines = train.map((t) => t.replace(/\r?\n/g, ' ')).join('\n') + '\n';
  writeGz(path.join(outDir, 'corpus.txt.gz'), lines);
  fs.writeFileSync(path.join(outDir, 'corpus.txt'), lines);
  writeGz(path.join(outDir, 'heldout.jsonl.gz'), held.map((h) => JSON.stringify(h)).join('\n') + '\n');
  fs.writeFileSync(path.join(outDir, 'heldout-lines.txt'), heldOutLines(held).join('\n') + '\n');
  console.log(`corpus: ${train.length} docs, ${Buffer.byteLength(lines)} bytes; held out: ${held.length} texts`);
} else if (mode === 'hf') {
  const tk = require('tokenizers');
  const [outDir, workDir, vs] = args;
  const V = Number(vs);
  const t = new tk.Tokenizer(tk.BPE.empty());
  t.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  const t0 = Date.now();
  t.train([path.join(workDir, 'corpus.txt')]); // the default BpeTrainer: vocab_size 30000, min_frequency 0
  const secs = (Date.now() - t0) / 1000;
  const file = path.join(workDir, 'hf-bytelevel.json');
  t.save(file, false);
  const j = JSON.parse(fs.readFileSync(file, 'utf8'));
  writeGz(path.join(outDir, 'hf-bytelevel.merges.json.gz'), JSON.stringify({
    vocab_size: Object.keys(j.model.vocab).length,
    merges: j.model.merges }));
  // Prune to the first V ids (BPE learned to a smaller size is this prefix).
  const vocab = Object.entries(j.model.vocab).sort((a, b) => a[1] - b[1]).slice(0, V);
  const keep = new Set(vocab.map((e) => e[0]));
  j.model.vocab = Object.fromEntries(vocab);
  j.model.merges = j.model.merges.filter(([a, b]) => keep.has(a) && keep.has(b) && keep.has(a + b));
  const p = tk.Tokenizer.fromString(JSON.stringify(j));
  const lines = fs.readFileSync(path.join(workDir, 'heldout-lines.txt'), 'utf8').split('\n').filter(Boolean);
  (async () => {
    let bytes = 0; let toks = 0;
    for (const l of lines) { bytes += Buffer.byteLength(l); toks += (await p.encode(l)).getIds().length; }
    fs.writeFileSync(path.join(workDir, 'hf.json'), JSON.stringify({ vocab_size: V, bytes_per_token: bytes / toks, train_seconds: secs }));
    console.log(`hf: ${j.model.merges.length} merges kept, ${(bytes / toks).toFixed(4)} bytes/token`);
  })();
} else if (mode === 'encode') {
  const tk = require('tokenizers');
  const [outDir] = args;
  const held = readJSONL(path.join(outDir, 'heldout.jsonl.gz'));
  (async () => {
    for (const name of ['grist-bytelevel', 'grist-bytefallback', 'grist-unigram']) {
      const json = zlib.gunzipSync(fs.readFileSync(path.join(outDir, name + '.json.gz'))).toString('utf8');
      const t = tk.Tokenizer.fromString(json);
      const rows = [];
      for (const h of held) {
        const e = await t.encode(h.text, null, { addSpecialTokens: false });
        const ids = e.getIds();
        rows.push(JSON.stringify({ src: h.src, ids, decoded: await t.decode(ids, false) }));
      }
      writeGz(path.join(outDir, name + '.ids.jsonl.gz'), rows.join('\n') + '\n');
      console.log(`${name}: ${rows.length} texts encoded`);
    }
  })();
} else {
  console.error('usage: gen.js corpus|hf|encode ...');
  process.exit(2);
}
