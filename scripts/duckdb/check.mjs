// Reads a grist output folder with DuckDB and compares it with manifest.json:
// row counts per shard and in total, and the schema. Document outputs must
// hold id and text, with unique ids. Example outputs (manifest example_kind
// ar, mlm or sft) must hold the columns of their kind, every list seq_len
// long, and rows that obey the kind's rules, checked here in SQL:
// labels -100 wherever attention_mask is 0; ar and sft: a label is -100 or
// the row's id at that position, seq_lens add up to the manifest's tokens;
// mlm: no special position selected, the selected fraction within 0.01 of
// mask_prob (given as the second argument, default 0.15), and the
// attended positions equal to a whole number of copies of the manifest's
// tokens plus a [CLS] and a [SEP] per example.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const maskProb = Number(process.argv[3] ?? '0.15');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
let failed = false;
const fail = (msg) => { console.log('MISMATCH ' + msg); failed = true; };
const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const shards = manifest.shards.filter((s) => s.path.endsWith('.parquet'));
if (shards.length === 0) {
  console.log(`no Parquet shards in ${dir} (format ${manifest.format})`);
  process.exit(1);
}
for (const s of shards) {
  const p = join(dir, s.path).replaceAll("'", "''");
  const [{ n }] = await q(`SELECT count(*)::BIGINT AS n FROM read_parquet('${p}')`);
  if (BigInt(n) !== BigInt(s.rows)) fail(`${s.path}: duckdb ${n} rows, manifest ${s.rows}`);
}
const glob = join(dir, 'part-*.parquet').replaceAll("'", "''");
const from = `read_parquet('${glob}', union_by_name=true)`;
const schema = await q(`DESCRIBE SELECT * FROM ${from}`);
const types = Object.fromEntries(schema.map((c) => [c.column_name, c.column_type]));
console.log('schema: ' + schema.map((c) => `${c.column_name} ${c.column_type}`).join(', '));
const [{ n }] = await q(`SELECT count(*)::BIGINT AS n FROM ${from}`);
if (BigInt(n) !== BigInt(manifest.rows)) fail(`total rows: duckdb ${n}, manifest ${manifest.rows}`);
const want = (cols) => {
  for (const [c, t] of Object.entries(cols)) {
    if (types[c] !== t) fail(`column ${c}: duckdb ${types[c] ?? 'missing'}, want ${t}`);
  }
};
const kind = manifest.example_kind;
if (!kind) {
  want({ id: 'VARCHAR', text: 'VARCHAR' });
  const [{ ids }] = await q(`SELECT count(DISTINCT id)::BIGINT AS ids FROM ${from}`);
  console.log(`duckdb: ${n} rows (${ids} distinct ids) in ${shards.length} shards; manifest: ${manifest.rows} rows`);
  if (BigInt(ids) !== BigInt(n)) fail(`ids: ${ids} distinct of ${n}`);
} else {
  if (BigInt(n) !== BigInt(manifest.examples)) fail(`examples: duckdb ${n} rows, manifest ${manifest.examples}`);
  const lists = kind === 'mlm'
    ? { input_ids: 'INTEGER[]', attention_mask: 'TINYINT[]', special_tokens_mask: 'TINYINT[]', labels: 'INTEGER[]' }
    : { input_ids: 'INTEGER[]', labels: 'INTEGER[]', position_ids: 'INTEGER[]', attention_mask: 'TINYINT[]' };
  want(kind === 'mlm' ? lists : { ...lists, seq_lens: 'INTEGER[]' });
  const L = manifest.seq_len;
  // positions 1..len(input_ids) where a rule fails, summed over rows
  const bad = (cond) => `sum(len(list_filter(range(1, len(input_ids) + 1), i -> ${cond})))::BIGINT`;
  const rowLen = Object.keys(lists).map((c) => `len(${c}) <> ${L}`).join(' OR ');
  const attended = 'coalesce(list_sum(attention_mask), len(input_ids))';
  const [r] = await q(`SELECT
      count(*) FILTER (WHERE ${rowLen})::BIGINT AS bad_len,
      ${bad('attention_mask[i] = 0 AND labels[i] <> -100')} AS bad_pad,
      sum(${attended})::BIGINT AS attended,
      ${kind === 'mlm'
        ? `${bad('special_tokens_mask[i] = 1 AND labels[i] <> -100')} AS bad_special,
           ${bad('labels[i] <> -100')} AS selected,
           ${bad('special_tokens_mask[i] = 0')} AS candidates`
        : `${bad('labels[i] <> -100 AND labels[i] <> input_ids[i]')} AS bad_label,
           sum(list_sum(seq_lens))::BIGINT AS seq_tokens`}
    FROM ${from}`);
  console.log(`duckdb: ${n} ${kind} examples of ${L} in ${shards.length} shards: ${JSON.stringify(r)}; manifest: ${manifest.examples} examples, ${manifest.tokens} tokens`);
  if (r.bad_len !== '0') fail(`${r.bad_len} rows with a list not ${L} long`);
  if (r.bad_pad !== '0') fail(`${r.bad_pad} padding positions with a label`);
  if (kind === 'mlm') {
    if (r.bad_special !== '0') fail(`${r.bad_special} special positions selected`);
    const frac = Number(r.selected) / Number(r.candidates);
    if (!(Math.abs(frac - maskProb) <= 0.01)) fail(`selected fraction ${frac.toFixed(4)}, mask_prob ${maskProb}`);
    // every example is a copy of a row: [CLS], the row's tokens, [SEP]
    const c = (Number(r.attended) - 2 * Number(n)) / Number(manifest.tokens);
    if (!Number.isInteger(c) || c < 1 || Number(n) % c !== 0) {
      fail(`attended positions ${r.attended} are not copies x ${manifest.tokens} tokens + 2 x ${n} examples`);
    } else {
      console.log(`mlm: ${c} masked copies of each row, selected fraction ${frac.toFixed(4)}`);
    }
  } else {
    if (r.bad_label !== '0') fail(`${r.bad_label} labels neither -100 nor the id`);
    if (r.seq_tokens !== String(manifest.tokens)) fail(`seq_lens add up to ${r.seq_tokens}, manifest tokens ${manifest.tokens}`);
    if (r.attended !== String(manifest.tokens)) fail(`attended positions ${r.attended}, manifest tokens ${manifest.tokens}`);
  }
}
process.exit(failed ? 1 : 0);
