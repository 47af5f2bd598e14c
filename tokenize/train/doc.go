// Package train learns BPE and Unigram tokenizers from streamed documents and
// writes them as Hugging Face tokenizer.json files (and tiktoken rank files or
// SentencePiece .model files) that package tokenize, the Hugging Face library
// and spm_encode load to the same ids.
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
// no tiktoken file for these, and no SentencePiece .model file (only Unigram
// models get one).
//
// Unlike spm_train, byte_fallback training does not split words by Unicode
// script or at digits, and keeps white space as it is (identity normalization).
//
// # Unigram
//
// model: unigram (byte_fallback only) is SentencePiece's Unigram language
// model trainer (Kudo 2018; unigram_model_trainer.cc), over the same words,
// cut at the characters character_coverage leaves out:
//
//   - Seeds: every character kept, then the substrings of 2 to
//     max_piece_length characters (16 when 0) seen at least twice, by count x
//     length, highest first (ties by string), up to 10 x vocab_size pieces in
//     all (SentencePiece enumerates them with a suffix array, up to 1M); a ▁
//     only starts a piece. Initial score log(count x length) - log(total).
//   - EM: each word's lattice of seed pieces is built once; pieces then only
//     switch off. E step: forward-backward marginals times the word count; a
//     character switched off is the unknown piece, scored min score - 10. M
//     step: pieces expected fewer than 0.5 times go, the others score
//     digamma(expected) - digamma(sum). Two EM steps per round.
//   - Pruning, after each round until at most 1.1 x vocab_size pieces are
//     left: a piece whose own best segmentation is not itself goes, a piece
//     with no Viterbi count goes, a single character stays; the rest are ranked
//     by the likelihood lost when their Viterbi count moves to their
//     second-best segmentation (F x (log p - sum log p_alt), with the
//     per-piece alternative count, where spm_train uses the vocabulary size),
//     and the best 75% of the current size (at least 1.1 x vocab_size) stay.
//   - Finish: every kept character (one that was pruned scores the lowest
//     score plus 0.0001 per more frequent such character), then pieces by
//     score up to vocab_size. Ids: unk_token (0), the special tokens, the 256
//     byte pieces, then pieces by score, highest first (ties by piece), as
//     spm_train lays them out. Scores are rounded to multiples of 2^-12 so every
//     reader parses them exactly and equal segmentations tie exactly.
//
// Expected counts are summed in 16 fixed partitions of the sorted words, so
// the model does not depend on the number of workers. tokenizer.json holds a
// Unigram model (vocab of [piece, score], unk_id 0, byte_fallback) behind the
// Metaspace pre-tokenizer and the byte-fallback decoder of the BPE models (0
// scores for unk, special and byte pieces, which, as in any Hugging Face
// Unigram model, match their own spelling in text). tokenizer.model is a
// SentencePiece ModelProto: the pieces with scores and types (UNKNOWN,
// CONTROL for special tokens, BYTE, NORMAL), trainer_spec model_type UNIGRAM
// with byte_fallback and the ids of <s>, </s> and <pad>, normalizer_spec
// identity with add_dummy_prefix and escape_whitespaces, white space kept. The
// two agree except on text starting with a space (SentencePiece adds its dummy
// ▁ anyway, Metaspace does not) and on byte pieces spelt out in text.
package train
