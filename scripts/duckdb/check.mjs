// Reads a grist output folder with DuckDB and compares it with manifest.json:
// row counts per shard and in total, the schema, and that ids are unique.
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
let failed = false;
const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjects();
for (const s of manifest.shards) {
  if (!s.path.endsWith('.parquet')) continue;
  const p = join(dir, s.path).replaceAll("'", "''");
  const [{ n }] = await q(`SELECT count(*)::BIGINT AS n FROM read_parquet('${p}')`);
  if (BigInt(n) !== BigInt(s.rows)) { console.log(`MISMATCH ${s.path}: duckdb ${n} rows, manifest ${s.rows}`); failed = true; }
}
const glob = join(dir, 'part-*.parquet').replaceAll("'", "''");
const [{ n, ids }] = await q(`SELECT count(*)::BIGINT AS n, count(DISTINCT id)::BIGINT AS ids FROM read_parquet('${glob}', union_by_name=true)`);
console.log(`duckdb: ${n} rows (${ids} distinct ids) in ${manifest.shards.length} shards; manifest: ${manifest.rows} rows`);
if (BigInt(n) !== BigInt(manifest.rows)) { console.log('MISMATCH total rows'); failed = true; }
const schema = await q(`DESCRIBE SELECT * FROM read_parquet('${glob}', union_by_name=true)`);
console.log('schema: ' + schema.map((c) => `${c.column_name} ${c.column_type}`).join(', '));
for (const want of ['id', 'text']) {
  if (!schema.some((c) => c.column_name === want)) { console.log(`MISSING column ${want}`); failed = true; }
}
process.exit(failed ? 1 : 0);
