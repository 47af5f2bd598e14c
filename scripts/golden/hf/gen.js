// Trains small tokenizers with the Hugging Face `tokenizers` binding, saves their
// tokenizer.json into tokenize/testdata/hf and writes the ids the library produces
// for a fixed sample of the shared corpora. Run through scripts/gen-golden-hf.sh.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const tk = require('tokenizers');

const [, , dataDir, outDir, workDir] = process.argv;

function readJSONL(file) {
  return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
function cut(s, n) { // at most n code points
  const a = Array.from(s);
  return a.length <= n ? s : a.slice(0, n).join('');
}

const udhr = readJSONL(path.join(dataDir, 'udhr.jsonl.gz'));
const spam = readJSONL(path.join(dataDir, 'spam-assassin.jsonl.gz'));

// Training text: up to 4 articles per language and 800 emails.
const perLang = new Map();
const train = [];
const evalTexts = [];
for (const d of udhr) {
  const n = perLang.get(d.lang) || 0;
  perLang.set(d.lang, n + 1);
  if (n < 4) train.push(d.text);
  if (n >= 4 && n < 6) evalTexts.push({ src: 'udhr/' + d.lang, text: cut(d.text, 600) });
}
spam.slice(0, 800).forEach((d) => train.push(cut(d.text, 3000)));
spam.filter((_, i) => i % 20 === 7).slice(0, 300).forEach((d) => evalTexts.push({ src: 'spam/' + d.id, text: cut(d.text, 1500) }));
// A few texts with special and added tokens spelt in them.
const extra = [
  'Hello <mask> world </s> and [CLS] more [SEP] text [MASK] <s> end',
  '<unk> http://example.com [UNK] <pad>  http',
  '  leading and trailing spaces  ',
  'tabs\tand\nnewlines\r\n and   runs   of spaces',
  '나는 학교에 갔다 꿼쀐쮌휈뛠',
  'Ünïcödé façade naïve café — “quotes” ½ ﬁ ①',
  '中文字符测试，日本語のテキスト。',
  '12345 67.89 1,000,000',
  '',
  ' ',
  'emoji 🙂👍🏽 and zero\u200bwidth',
];
extra.forEach((t) => evalTexts.push({ src: 'extra', text: t }));

const trainFile = path.join(workDir, 'train.txt');
fs.writeFileSync(trainFile, train.join('\n') + '\n');

function save(name, tok) {
  const file = path.join(outDir, name + '.json');
  tok.save(file, false);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// Keeps the first `keep` learned BPE tokens (ids are assigned in merge order).
function pruneBPE(j, keep) {
  const m = j.model;
  const vocab = Object.entries(m.vocab).sort((a, b) => a[1] - b[1]).slice(0, keep);
  const set = new Set(vocab.map((e) => e[0]));
  const merges = [];
  const pre = m.continuing_subword_prefix || '';
  for (const mg of m.merges) {
    const [a, b] = Array.isArray(mg) ? mg : mg.split(' ');
    const merged = a + (pre && b.startsWith(pre) ? b.slice(pre.length) : b);
    if (set.has(a) && set.has(b) && set.has(merged)) merges.push(mg);
  }
  m.vocab = Object.fromEntries(vocab);
  m.merges = merges;
  return j;
}
function withTokens(j, head, tail) { // head: tokens put first, tail: appended at the end
  const m = j.model;
  const old = Object.entries(m.vocab).sort((a, b) => a[1] - b[1]).map((e) => e[0]).filter((t) => !head.includes(t) && !tail.includes(t));
  const all = head.concat(old, tail.filter((t) => !old.includes(t)));
  m.vocab = Object.fromEntries(all.map((t, i) => [t, i]));
  return j;
}
function byteTokens() {
  const a = [];
  for (let i = 0; i < 256; i++) a.push('<0x' + i.toString(16).toUpperCase().padStart(2, '0') + '>');
  return a;
}
function load(j) { return tk.Tokenizer.fromString(JSON.stringify(j)); }

const made = {};

// 1. Byte-level BPE (GPT-2 / RoBERTa style), pruned to 4000 learned tokens + the full byte alphabet.
{
  let t = new tk.Tokenizer(tk.BPE.empty());
  t.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  t.train([trainFile]);
  let j = pruneBPE(save('bytelevel-bpe', t), 4000);
  withTokens(j, [], tk.byteLevelAlphabet());
  t = load(j);
  t.addSpecialTokens(['<s>', '</s>', '<pad>', '<unk>']);
  t.addAddedTokens([new tk.AddedToken('<mask>', true, { leftStrip: true })]);
  t.addAddedTokens([new tk.AddedToken('http', false, {})]);
  t.setPostProcessor(tk.robertaProcessing(['</s>', t.tokenToId('</s>')], ['<s>', t.tokenToId('<s>')]));
  j = save('bytelevel-bpe', t);
  j.decoder = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true };
  made['bytelevel-bpe'] = j;
  // Same vocabulary with ignore_merges (Llama-3 style) and add_prefix_space.
  const k = JSON.parse(JSON.stringify(j));
  k.model.ignore_merges = true;
  k.pre_tokenizer.add_prefix_space = true;
  k.post_processor = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [j.model.vocab['<s>'] ?? t.tokenToId('<s>')], tokens: ['<s>'] } } };
  made['bytelevel-bpe-ignore-merges'] = k;
}

// 2. WordPiece with BertNormalizer and BertPreTokenizer (BERT uncased style), 3000 tokens.
{
  let t = new tk.Tokenizer(tk.WordPiece.empty());
  t.setNormalizer(tk.bertNormalizer());
  t.setPreTokenizer(tk.bertPreTokenizer());
  t.train([trainFile]);
  let j = save('wordpiece', t);
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  j.model.vocab = Object.fromEntries(Object.entries(j.model.vocab).sort((a, b) => a[1] - b[1]).slice(0, 3000 - specials.length));
  withTokens(j, specials, []);
  j.model.max_input_chars_per_word = 30;
  t = load(j);
  t.addSpecialTokens(specials);
  t.setPostProcessor(tk.bertProcessing(['[SEP]', 3], ['[CLS]', 2]));
  t.setDecoder(tk.wordPieceDecoder('##', true));
  made['wordpiece'] = save('wordpiece', t);
}

// 3. Unigram with Metaspace (T5 style), 2000 pieces; and a byte-fallback copy (Llama-1 style decoder).
{
  let t = new tk.Tokenizer(tk.Unigram.empty());
  t.setNormalizer(tk.sequenceNormalizer([tk.nfkcNormalizer(), tk.replace('``', '"')]));
  t.setPreTokenizer(tk.metaspacePreTokenizer('▁', 'always', true));
  t.train([trainFile]);
  let j = save('unigram', t);
  const vocab = j.model.vocab.slice().sort((a, b) => b[1] - a[1]);
  const keep = vocab.slice(0, 1997);
  j.model.vocab = [['<pad>', 0], ['</s>', 0], ['<unk>', 0]].concat(keep);
  j.model.unk_id = 2;
  j.model.byte_fallback = false;
  t = load(j);
  t.addSpecialTokens(['<pad>', '</s>', '<unk>']);
  t.setPostProcessor(tk.templateProcessing('$A </s>', '$A </s> $B </s>', [['</s>', 1]]));
  t.setDecoder(tk.metaspaceDecoder('▁', 'always', true));
  made['unigram'] = save('unigram', t);

  const k = JSON.parse(JSON.stringify(made['unigram']));
  const bytes = byteTokens().map((b) => [b, 0]);
  k.model.vocab = k.model.vocab.slice(0, 3).concat(bytes, k.model.vocab.slice(3));
  k.model.byte_fallback = true;
  k.added_tokens = k.added_tokens.map((a) => a);
  k.post_processor.special_tokens['</s>'].ids = [1];
  k.decoder = { type: 'Sequence', decoders: [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] };
  made['unigram-bytefallback'] = k;
}

// 4. BPE with byte_fallback: Metaspace pre-tokenizer, then a Llama-2 style copy (Prepend+Replace normalizer, no pre-tokenizer).
{
  let t = new tk.Tokenizer(tk.BPE.empty());
  t.setPreTokenizer(tk.metaspacePreTokenizer('▁', 'first', true));
  t.train([trainFile]);
  let j = pruneBPE(save('bpe-bytefallback', t), 3000);
  withTokens(j, ['<unk>', '<s>', '</s>'].concat(byteTokens()), []);
  j.model.byte_fallback = true;
  j.model.fuse_unk = true;
  j.model.unk_token = '<unk>';
  t = load(j);
  t.addSpecialTokens(['<unk>', '<s>', '</s>']);
  t.setPostProcessor(tk.templateProcessing('<s> $A', '<s> $A <s> $B', [['<s>', 1]]));
  t.setDecoder(tk.sequenceDecoder([tk.metaspaceDecoder('▁', 'first', true)]));
  j = save('bpe-bytefallback', t);
  j.decoder = { type: 'Sequence', decoders: [{ type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true }, { type: 'ByteFallback' }, { type: 'Fuse' }] };
  made['bpe-bytefallback'] = j;

  const k = JSON.parse(JSON.stringify(j));
  k.normalizer = { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] };
  k.pre_tokenizer = null;
  k.decoder = { type: 'Sequence', decoders: [
    { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] };
  made['bpe-llama'] = k;
}

// 4b. BPE with continuing_subword_prefix and end_of_word_suffix, built from the
// WordPiece vocabulary: each "##" token gets a merge from two shorter tokens,
// and every one-character token a "</w>" twin. Pre-tokenized by a Sequence of
// WhitespaceSplit, Punctuation and Digits; BPEDecoder.
{
  const wp = made['wordpiece'];
  const entries = Object.entries(wp.model.vocab).sort((a, b) => a[1] - b[1]);
  const vocab = {};
  const add = (t) => { if (!(t in vocab)) vocab[t] = Object.keys(vocab).length; };
  entries.forEach(([t]) => add(t));
  entries.forEach(([t]) => { if (Array.from(t.replace(/^##/, '')).length === 1) add(t + '</w>'); });
  const merges = [];
  for (const [t] of entries) {
    const body = t.startsWith('##') ? t.slice(2) : t;
    const chars = Array.from(body);
    if (chars.length < 2) continue;
    for (let k = chars.length - 1; k >= 1; k--) {
      const left = (t.startsWith('##') ? '##' : '') + chars.slice(0, k).join('');
      const right = '##' + chars.slice(k).join('');
      if (left in vocab && right in vocab) { merges.push([left, right]); break; }
    }
  }
  made['bpe-prefix-suffix'] = {
    version: '1.0', truncation: null, padding: null, added_tokens: wp.added_tokens,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Isolated' }, { type: 'Digits', individual_digits: true }] },
    post_processor: wp.post_processor,
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
    model: { type: 'BPE', dropout: null, unk_token: '[UNK]', continuing_subword_prefix: '##', end_of_word_suffix: '</w>',
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}

// 4c. Whitespace pre-tokenizer, NFD + StripAccents + Lowercase, a Split regex
// (invert) and Strip, on the byte-fallback BPE vocabulary with a WordLevel-free setup.
{
  const j = JSON.parse(JSON.stringify(made['bpe-bytefallback']));
  j.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true }] };
  j.pre_tokenizer = { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: '[0-9]+' }, behavior: 'MergedWithPrevious', invert: false },
    { type: 'Whitespace' },
    { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false }] };
  made['bpe-misc-pretok'] = j;
}

// 5. A SentencePiece Unigram model converted the way the library's T5 converter
// does (Precompiled charsmap + Replace regex, Metaspace), from testdata/spm.
function readVarint(b, i) {
  let x = 0, shift = 0, c;
  do { c = b[i++]; x += (c & 0x7f) * 2 ** shift; shift += 7; } while (c & 0x80);
  return [x, i];
}
function fields(b) { // [[num, wiretype, value]]
  const out = [];
  for (let i = 0; i < b.length;) {
    let tag; [tag, i] = readVarint(b, i);
    const num = Math.floor(tag / 8), wt = tag & 7;
    if (wt === 0) { let v; [v, i] = readVarint(b, i); out.push([num, wt, v]); }
    else if (wt === 5) { out.push([num, wt, b.readFloatLE(i)]); i += 4; }
    else if (wt === 1) { i += 8; }
    else if (wt === 2) { let n; [n, i] = readVarint(b, i); out.push([num, wt, b.subarray(i, i + n)]); i += n; }
    else throw new Error('wire type ' + wt);
  }
  return out;
}
{
  const spmFile = path.join(outDir, '..', 'spm', 'unigram.model.gz');
  if (fs.existsSync(spmFile)) {
    const model = zlib.gunzipSync(fs.readFileSync(spmFile));
    const vocab = [];
    const added = [];
    let charsmap = null;
    for (const [num, wt, v] of fields(model)) {
      if (num === 1 && wt === 2) {
        let piece = '', score = 0, type = 1;
        for (const [n2, w2, v2] of fields(v)) {
          if (n2 === 1) piece = v2.toString('utf8');
          if (n2 === 2 && w2 === 5) score = v2;
          if (n2 === 3) type = v2;
        }
        if (type === 3) added.push({ id: vocab.length, content: piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
        vocab.push([piece, score]);
      }
      if (num === 3 && wt === 2) {
        for (const [n2, , v2] of fields(v)) if (n2 === 2) charsmap = Buffer.from(v2).toString('base64');
      }
    }
    made['spm-unigram-converted'] = {
      version: '1.0', truncation: null, padding: null, added_tokens: added,
      normalizer: { type: 'Sequence', normalizers: [
        { type: 'Precompiled', precompiled_charsmap: charsmap },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
      pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      post_processor: { type: 'TemplateProcessing', single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
        pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
        special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
      decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
      model: { type: 'Unigram', unk_id: 0, vocab, byte_fallback: false },
    };
  }
}

// Goldens.
(async () => {
  fs.writeFileSync(path.join(outDir, 'texts.jsonl.gz'), zlib.gzipSync(evalTexts.map((e) => JSON.stringify(e)).join('\n') + '\n', { level: 9 }));
  for (const [name, j] of Object.entries(made)) {
    const file = path.join(outDir, name + '.json');
    fs.writeFileSync(file, JSON.stringify(j));
    const t = tk.Tokenizer.fromFile(file);
    if (fs.statSync(file).size > 200000) { // large files are kept gzipped
      fs.writeFileSync(file + '.gz', zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
      fs.unlinkSync(file);
    }
    // Variants of another tokenizer are checked on every other text only.
    const variant = ['bytelevel-bpe-ignore-merges', 'unigram-bytefallback', 'bpe-llama', 'bpe-misc-pretok', 'bpe-prefix-suffix'].includes(name);
    const lines = [];
    for (let i = 0; i < evalTexts.length; i++) {
      const text = evalTexts[i].text;
      if (variant && i % 2 === 1 && evalTexts[i].src !== 'extra') continue;
      const e = await t.encode(text, null, { addSpecialTokens: false });
      const ids = e.getIds();
      const rec = { i, ids };
      if (i % 10 === 0 || evalTexts[i].src === 'extra') {
        rec.special = (await t.encode(text, null, { addSpecialTokens: true })).getIds();
      }
      // rt: decode gives the text back; dec: what decode gives instead (kept
      // for one text in four and the extra texts, to bound the file size).
      const dec = await t.decode(ids, false);
      if (dec === text) rec.rt = 1;
      else if (i % 4 === 0 || evalTexts[i].src === 'extra') rec.dec = dec;
      lines.push(JSON.stringify(rec));
    }
    fs.writeFileSync(path.join(outDir, name + '.golden.jsonl.gz'), zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
    console.log(name, 'vocab', t.getVocabSize(true), 'texts', lines.length);
  }
})();
