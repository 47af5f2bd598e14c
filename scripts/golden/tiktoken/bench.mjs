// Single-thread speed of npm tiktoken on the texts BenchmarkTiktokenEncode uses:
// English = the first 2000 ham emails of spam-assassin, multilingual = all of UDHR.
//
// usage: node bench.mjs <udhr.jsonl.gz> <spam-assassin.jsonl.gz>
import fs from "node:fs";
import zlib from "node:zlib";
import { get_encoding } from "tiktoken";

const [udhrPath, spamPath] = process.argv.slice(2);
const read = (p) =>
  zlib.gunzipSync(fs.readFileSync(p)).toString("utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l));
const ham = read(spamPath).filter((r) => r.label === "ham").slice(0, 2000).map((r) => r.text);
const udhr = read(udhrPath).map((r) => r.text);
const sets = { english: ham, multilingual: udhr };

for (const name of ["cl100k_base", "o200k_base"]) {
  const enc = get_encoding(name);
  for (const [set, docs] of Object.entries(sets)) {
    const bytes = docs.reduce((a, d) => a + Buffer.byteLength(d), 0);
    let tokens = 0;
    for (const d of docs) tokens += enc.encode_ordinary(d).length; // warm-up
    let runs = 0;
    const t0 = process.hrtime.bigint();
    let el = 0;
    while (runs < 3 || el < 3) {
      for (const d of docs) enc.encode_ordinary(d);
      runs++;
      el = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    const mbs = (bytes * runs) / el / 1e6;
    const tps = (tokens * runs) / el;
    console.log(`npm-tiktoken ${name}/${set}\t${mbs.toFixed(2)} MB/s\t${Math.round(tps)} tokens/s`);
  }
  enc.free();
}
