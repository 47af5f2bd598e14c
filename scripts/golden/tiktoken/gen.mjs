// Writes tokenize/testdata/tiktoken/golden.jsonl.gz: one JSON object per line with the
// input text, where it came from, and the ids npm tiktoken gives for each encoding.
//
// usage: node gen.mjs <udhr.jsonl.gz> <spam-assassin.jsonl.gz> <out.jsonl.gz>
import fs from "node:fs";
import zlib from "node:zlib";
import { get_encoding } from "tiktoken";

const [udhrPath, spamPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error("usage: node gen.mjs <udhr.jsonl.gz> <spam-assassin.jsonl.gz> <out.jsonl.gz>");
  process.exit(2);
}

function readJSONL(path) {
  const text = zlib.gunzipSync(fs.readFileSync(path)).toString("utf8");
  return text.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

// Python's tiktoken sees str, which is always valid Unicode; the JSON corpora may
// hold lone surrogates, which every side then reads as U+FFFD.
const wellFormed = (s) => s.toWellFormed();

// Cuts s into chunks of at most max UTF-16 units without splitting a surrogate pair.
function chunks(s, max) {
  const out = [];
  let i = 0;
  while (i < s.length) {
    let j = Math.min(i + max, s.length);
    if (j < s.length && /[\uD800-\uDBFF]/.test(s[j - 1])) j--;
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

const cases = [];

// Hand-written edge cases: whitespace and newline runs, contractions in every case,
// digit runs, scripts with combining marks, emoji, special tokens spelt as text.
const edge = [
  "x \n \n As",
  "hello world",
  "Hello, World!\n",
  "a\n  ",
  "a  ",
  "  a",
  " \n",
  "\n\n\nx",
  "x\r\ny\r\n\r\nz",
  "\r\n",
  "\r\n  \r\n\t z",
  "a\tb\t\tc \t d",
  "\t\t\n\t ",
  "   \n\n   \n   x",
  "trailing spaces    ",
  "   leading spaces",
  "1 12 123 1234 12345 123456 1234567",
  "3.14159 2,718 -42 +7 1e10 0x1F 1_000_000",
  "٣٤٥٦٧ ½¾ Ⅻ 𝟙𝟚𝟛𝟜",
  "I'm you're he's we've they'll I'd can't",
  "I'M YOU'RE HE'S WE'VE THEY'LL I'D CAN'T",
  "It'S 'LL 'Ll 'lL 'RE 'Re 'rE 'VE 'D 'M 'T",
  "'s't're've'm'll'd",
  "x'ſ y'ſt 'K 'k",
  // U+017F folds to s under the reference engine's (?i:...): these ids tell.
  " I'ſ",
  "x'ſ'type",
  "don't' ''s ' s '",
  "Dr. O'Neil's cat's toys' box",
  "emoji 😀😃😄 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️",
  "中文字符测试，句号。日本語のテキスト、カタカナ。한국어 텍스트입니다.",
  "e\u0301 a\u0308 n\u0303 \u0301\u0301x A\u0301B",
  "Ünïcödé ÀÉÎÕÜ àéîõü ǅungla ǈ ǋ",
  "ΑΒΓ αβγ Ωmega ωMEGA",
  "Привет МИР мир",
  "नमस्ते दुनिया",
  "مرحبا بالعالم",
  "שלום עולם",
  "ภาษาไทย",
  "<|endoftext|>",
  "text <|endoftext|> more <|fim_prefix|><|fim_middle|><|fim_suffix|> <|endofprompt|>",
  "<|endoftext",
  "path/to/file.go // comment\n/* block */\n",
  "!!!abc ...def ,ghi /jkl",
  "a/b\n/c\r\n//d",
  "URL: https://example.com/a?b=c&d=e#f",
  "foo@bar.com <tag attr=\"v\">",
  "$100 €50 ¥30 £20",
  "CamelCaseWordsHERE andMixedCASEword XMLHttpRequest",
  "ALLCAPS lower Title mIxEd",
  "\u00a0nbsp\u00a0\u00a0x\u2003em\u3000ideo\u2028line\u2029para\u0085nel",
  "\u000b\u000cvt ff",
  "tab\tand\u00a0nbsp\n",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  " ".repeat(300) + "x",
  "\n".repeat(50) + "y",
  "=".repeat(200),
  "ab".repeat(150),
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕿𝖊𝖝𝖙",
  "\ufffd replacement \ufffd\ufffd",
  "ﬁﬂ ligatures ǆ Ǆ",
  "ʰʲʷ modifier ˈstress ˌsec",
  "a\u200db\u200cc zero\u200bwidth",
  "",
  " ",
  "\n",
  "x",
];
for (const t of edge) cases.push({ src: "edge", text: t });

// Two articles of every UDHR language code: the two shortest of at least 200 UTF-16
// units (or the longest ones when a code has none that long), in file order.
const byCode = new Map();
for (const r of readJSONL(udhrPath)) {
  if (!byCode.has(r.udhr_code)) byCode.set(r.udhr_code, []);
  byCode.get(r.udhr_code).push(r);
}
for (const [code, rows] of byCode) {
  const long = rows.filter((r) => r.text.length >= 200);
  const pool = long.length >= 2 ? long : rows;
  const sorted = pool
    .map((r, i) => ({ r, i }))
    .sort((a, b) => (long.length >= 2 ? a.r.text.length - b.r.text.length : b.r.text.length - a.r.text.length) || a.i - b.i)
    .slice(0, 2)
    .sort((a, b) => a.i - b.i);
  const pick = sorted.map((x) => x.r);
  for (const r of pick) cases.push({ src: `udhr:${r.id}:${code}`, text: wellFormed(r.text) });
}

// Every 20th email (ham and spam), cut into chunks of 1200 units; the first chunk and,
// for one email in four, the second.
const spam = readJSONL(spamPath);
for (let i = 0; i < spam.length; i += 20) {
  const r = spam[i];
  const cs = chunks(wellFormed(r.text), 1200).slice(0, i % 80 === 0 ? 2 : 1);
  cs.forEach((c, k) => cases.push({ src: `spam:${r.id}:${k}`, text: c }));
}

const names = ["r50k_base", "p50k_base", "cl100k_base", "o200k_base"];
const encs = names.map((n) => get_encoding(n));
const lines = [];
for (const c of cases) {
  const row = { src: c.src, text: c.text };
  encs.forEach((e, k) => {
    // encode_ordinary: special tokens spelt in the text are ordinary text.
    row[names[k]] = Array.from(e.encode_ordinary(c.text));
  });
  lines.push(JSON.stringify(row));
}
// Special-token parsing goldens: same text, specials allowed.
for (const c of cases.filter((c) => c.src === "edge" && c.text.includes("<|"))) {
  const row = { src: "special", text: c.text };
  encs.forEach((e, k) => {
    row[names[k]] = Array.from(e.encode(c.text, "all"));
  });
  lines.push(JSON.stringify(row));
}
encs.forEach((e) => e.free());
fs.writeFileSync(outPath, zlib.gzipSync(lines.join("\n") + "\n", { level: 9 }));
console.error(`wrote ${lines.length} cases to ${outPath}`);
