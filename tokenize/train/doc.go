// Package train learns BPE tokenizers from streamed documents and writes them
// as Hugging Face tokenizer.json files (and tiktoken rank files) that package
// tokenize and the Hugging Face library load to the same ids.
//
// # Invariants
//
//   - Only word counts are kept: memory grows with the number of distinct words,
//     not with the text (a document sample keeps its documents until Train).
//   - Training is deterministic: the same documents and options give the same
//     tokenizer.json byte for byte, whatever the order of Add calls across
//     goroutines and the number of workers.
//   - A byte-level vocabulary holds all 256 bytes, seen or not, so every byte
//     string encodes and decodes back exactly. A byte_fallback vocabulary holds
//     the 256 pieces <0x00>..<0xFF>, so characters it lacks encode as bytes.
//   - vocab_size counts everything: bytes (or byte pieces), characters, learned
//     tokens and special tokens. Training stops earlier when no pair is left or
//     the best pair occurs fewer than min_frequency times.
//
// # Counting
//
// Add copies documents into 1 MiB batches; a pool of goroutines normalizes
// them (NFC/NFKC), cuts them at special tokens (which are not counted), splits
// them into words and counts the words of a batch in local maps, then adds
// those to 64 hash shards of the global count, each under its own lock.
//
// Words are cut as the written tokenizer.json cuts text: byte_level models by
// the GPT-2 pattern (a hand-written scanner holding to the regexp2 matches) or
// the cl100k (= llama3) or o200k patterns (regexp2); byte_fallback models as
// the Metaspace pre-tokenizer with prepend_scheme "always" and split: spaces
// become ▁, a ▁ starts the text unless it starts with a space, and every ▁
// starts a word.
//
// # Merges
//
// The rules are those of Hugging Face's BpeTrainer (models/bpe/trainer.rs):
//
//   - Initial symbols: byte_level, the 256 bytes, numbered in code point order
//     of their GPT-2 characters (which is GPT-2's vocabulary order);
//     byte_fallback, the characters covering character_coverage of all
//     character occurrences, most frequent first (SentencePiece's rule; ▁
//     always), numbered in code point order. Words are cut at characters left
//     out, so no learned token spans one.
//   - A pair's count is the sum over words of word count times the number of
//     adjacent positions holding it, overlapping ones included ("aaa" holds
//     "a a" twice).
//   - Each step merges the pair with the highest count; ties go to the pair
//     whose (left id, right id) is smallest. Learned tokens take the next id.
//   - A merge rewrites each word left to right without overlap ("aaa" becomes
//     "aa a").
//   - A merge whose result spells an existing token (made from another pair)
//     reuses its id and does not grow the vocabulary.
//   - max_piece_length bounds learned tokens in initial symbols (bytes or
//     characters). Hugging Face's trainer admits only pairs strictly shorter
//     than its max_token_length after the first step; here the bound is
//     inclusive at every step.
//
// Counts are kept incrementally: every pair has its count and the list of
// words holding it, and an indexed max-heap orders the pairs; a merge visits
// only the words on its pair's list and adjusts the counts of the neighbouring
// pairs of each occurrence. On the committed corpus slice the 29,794 merges
// equal those of Hugging Face's trainer (npm tokenizers 0.23.2) one for one.
// Where Hugging Face differs: after a merge that reuses an existing token id
// (rare) its queue may hold the new pairs in two entries and merge them in two
// steps; here they are merged in one.
//
// # Ids and files
//
// byte_level: ids 0-255 are the bytes in GPT-2 order, learned tokens follow in
// merge order, then the special tokens, so an id is also a tiktoken rank.
// tokenizer.json: a ByteLevel pre-tokenizer (GPT-2 pattern) or a Sequence of a
// Split on the pattern (Isolated) and a ByteLevel without regex, a ByteLevel
// decoder, a BPE model with merges written as pairs. The tiktoken rank file
// lists the byte strings of ids 0..n-1 ("base64 rank"); special tokens are not
// in it.
//
// byte_fallback: id 0 is unk_token, then the special tokens, the 256 byte
// pieces, the characters kept, then learned tokens. tokenizer.json: a Metaspace
// pre-tokenizer, a BPE model with byte_fallback and fuse_unk, and the Llama
// decoder (▁ to space, byte fallback, fuse, strip one leading space). There is
// no tiktoken file for these, and no SentencePiece .model file yet.
//
// Unlike spm_train, byte_fallback training does not split words by Unicode
// script or at digits, and keeps white space as it is (identity normalization).
package train
