// Package dedup removes exact duplicates, near duplicates (MinHash LSH) and
// repeated line or sentence spans from a corpus split into tasks, in three
// phases that communicate only through files in a work directory.
//
// # Phases
//
// A corpus is split into tasks 0..T-1 (input files or slices); every
// document of a task has a row number. The three dedupers (Exact, MinHash,
// Lines) share one shape:
//
//	phase 1, per task, any order, any machine:
//	    w, _ := d.NewTaskWriter(workDir, task)
//	    w.Add(row, text) ... (rows increasing, gaps allowed)
//	    w.Close()        // writes the task's file atomically (temp + rename)
//	phase 2, once, after every task's phase 1:
//	    stats, _ := d.Cluster(ctx, workDir, T, ClusterConfig{Workers, MemoryBudget})
//	phase 3, per task:
//	    dec, _ := d.LoadDecisions(workDir, task)
//	    dec.Lookup(row)  // Exact, MinHash: Decision{Drop, KeptTask, KeptRow, ClusterID, ClusterSize}
//	    dec.Rewrite(row, text) // Lines: text without repeated spans
//
// Files live under workDir/exact, workDir/minhash and workDir/lines:
// p1/task-NNNNN.{hash,bands,sigs,spans} from phase 1, decisions/task-NNNNN.dec
// and decisions/_DONE.json (the Stats) from phase 2, and spill/ while phase 2
// runs. Every file starts with a 64-byte header (magic, kind, task, record
// size, rows, records, options fingerprint); phase 2 refuses files of another
// task, kind or option set, or truncated ones, and LoadDecisions refuses to
// read before _DONE.json exists. Phase 2 is idempotent: a rerun replaces the
// decisions and clears the spill folder. The number of rows of a task is
// 1 + its largest row added; phase 2 handles at most 2^32-2 rows in all.
//
// # Keeping rule and decisions
//
// Documents are ordered by (task, row). In every group of duplicates the
// smallest (task, row) is kept; all other members are dropped and point to
// it. Cluster ids number the groups from 0 (minhash: in order of kept
// document; exact: in hash order); unique documents have ClusterID -1 and
// ClusterSize 1. Results do not depend on the order phase 1 ran in, on the
// number of workers, nor on the memory budget.
//
// # Exact
//
// The 128-bit xxh3 of the text, after normalization "none" (bytes as is) or
// "simple" (below). Phase 1 sorts a task's (hash, row) records in memory (24
// bytes a document); phase 2 k-way merges all task files (at most 64 open at
// once, more are merged in rounds) and streams the groups on one goroutine
// (it is I/O-bound; Workers is unused); decisions are re-sorted by
// (task, row) with the external sort.
//
// # MinHash
//
// Signatures equal datatrove's MinhashDedupSignature for the same seed:
//   - text is normalized by "simple", datatrove's simplify_text with its
//     default TextNormConfig: lowercase (with Python's final-sigma rule),
//     each \p{Nd}+ run with at most one inner separator of . , ، ٫ ⎖ ⎗ ⎘
//     becomes "0", datatrove's PUNCTUATION characters and C0/C1 controls
//     become spaces, whitespace runs collapse to one space, then NFD with
//     nonspacing marks (Mn) removed, trimmed. Combining marks standing alone
//     between spaces leave a single space here where Python leaves two;
//   - tokens are the space-separated words of the normalized text. datatrove
//     tokenizes English with spaCy, which splits a few contractions of the
//     punctuation-free text further ("cannot" -> "can" "not", "dont" -> "do"
//     "nt"): signatures differ from datatrove's only on such tokens. With
//     cjk=auto (default) each Han, Hiragana, Katakana, Thai, Lao, Khmer or
//     Myanmar character is a token of its own, so unspaced scripts get
//     character n-grams; cjk=chars makes every character a token;
//     cjk=words never splits words;
//   - shingles are the n-grams of tokens (ngram=5), hashed with xxhash64 of
//     the tokens joined by single spaces (the normalized text itself when
//     tokens are space-separated: no copy);
//   - the permutations are (a*h + b) computed modulo 2^64 (numpy's uint64
//     wrap-around, as in datatrove) then modulo 2^61-1, with a drawn by
//     numpy.random.RandomState(seed).randint(1, 2^61-1, uint64, k) and then
//     b by randint(0, 2^61-1, uint64, k): MT19937 seeded by init_genrand,
//     64-bit draws as (first word << 32 | second word), masked rejection
//     sampling. k = buckets x hashes_per_bucket (14 x 8);
//   - the signature is the minimum of each permutation over the shingles; a
//     document with fewer than ngram tokens has none and is never a
//     duplicate (as in datatrove).
//
// The permutation loop runs in AVX-512 assembly where available (16 lanes a
// step), else in AVX2 assembly (4 lanes), else in portable Go; all give
// identical values (measured on a shared 2.8 GHz Xeon, English mail:
// ~60 MB per CPU-second with AVX-512, ~32 with AVX2, ~21 portable).
//
// LSH: band i's key is the xxh3-64 of its hashes_per_bucket values
// (little-endian). Phase 1 writes per document row + 14 keys (116 bytes);
// with a threshold it also writes the full signature indexed by row (896
// bytes). Phase 2 routes (key, id) records (16 bytes) to one external sorter
// per bucket; a sorter holds at most MemoryBudget/16/buckets records and
// spills sorted runs to disk beyond that. Buckets are then sorted/merged and
// scanned by Workers goroutines; consecutive records with equal keys are
// linked in a lock-free union-find that always hangs the larger root under
// the smaller, so each component's root is its smallest (task,row) whatever
// the interleaving. With threshold t, a document is linked to the first of
// the group's first 32 members whose estimated Jaccard (fraction of equal
// signature values) is >= t, instead of to its predecessor; verification
// keeps every task's .sigs file open (one descriptor per task). Phase 2 memory:
// the sort buffers (<= MemoryBudget; 224 bytes per document when all fit)
// plus 12 bytes per document (parent, size and cluster-id arrays).
//
// Two documents of Jaccard similarity s become candidates with probability
// 1-(1-s^r)^b (CandidateProbability); with b=14, r=8: 0.5 at s~0.68, 0.92
// at s=0.8, 0.99 at s=0.85.
//
// # Lines
//
// Units are lines ("line", each with its newline) or sentences ("sentence":
// ending after . ! ? followed by whitespace, after 。！？, or at a newline,
// trailing whitespace included). Every run of span (3) consecutive units is
// hashed (xxh3-64 of the units' normalized texts, trimmed, joined by single
// spaces; empty spans are skipped; documents with fewer units have none).
// Phase 2 sorts all (hash, task, row, position) records externally and marks
// every occurrence after the first. Phase 3 removes the units of every
// marked span, keeps the rest byte for byte, trims leading whitespace, and
// reports keep=false for a changed document left empty or with fewer than
// min_doc_words words (datatrove's SentenceDedupFilter rule).
package dedup
