// Package tokenize turns text into the token ids of a language model's vocabulary and
// back, bit for bit as the model's own tokenizer library does.
//
// # Invariants
//
//   - Every Tokenizer is immutable once loaded and safe for concurrent use; per-call
//     scratch lives in the caller's dst buffers, on the stack or in sync.Pools.
//   - Encode appends to dst and does not allocate when dst has room; Count gives the
//     length Encode would append without building ids.
//   - For byte-level models Decode(Encode(x)) == x for every byte string x, valid
//     UTF-8 or not.
//   - Special tokens spelt in text are ordinary text unless Options.ParseSpecial is set.
//
// # tiktoken encodings
//
// Builtin serves r50k_base (alias gpt2), p50k_base, cl100k_base and o200k_base offline;
// LoadTiktoken reads a .tiktoken rank file (lines "base64(token) rank"). Their split
// patterns, special tokens and vocabulary sizes are those of tiktoken's
// tiktoken_ext/openai_public.py:
//
//	r50k_base    GPT-2 pattern   <|endoftext|>=50256; 50257 ids
//	p50k_base    GPT-2 pattern   <|endoftext|>=50256; 50281 ids (rank 50256 is a hole)
//	cl100k_base  cl100k pattern  <|endoftext|>=100257 <|fim_prefix|>=100258
//	                             <|fim_middle|>=100259 <|fim_suffix|>=100260
//	                             <|endofprompt|>=100276; 100277 ids
//	o200k_base   o200k pattern   <|endoftext|>=199999 <|endofprompt|>=200018; 200019 ids
//
// The role "eos" is <|endoftext|>; no other role is defined. A rank file given to
// LoadTiktoken takes the pattern and specials of the built-in encoding its file name
// names ("cl100k_base.tiktoken"), or those of Llama 3 when it holds 128,000 ranks
// (bos <|begin_of_text|>=128000, eos <|end_of_text|>=128001, 256 specials, cl100k
// pattern); any other file is refused with an error saying so. Parse errors name the
// file and line ("cl100k_base.tiktoken:17: bad base64").
//
// Encoding is tiktoken's: the text is cut into pieces by the split pattern; a piece that
// is a token is that token; otherwise, starting from single bytes, the adjacent pair
// whose concatenation has the lowest rank is merged (leftmost first on a tie) until no
// adjacent pair concatenates to a token. Pieces of up to 64 bytes are merged by a scan
// over stack arrays, longer ones with a linked list and a min-heap; both give the same
// ids. Ranks live in an open-addressing hash table holding short tokens inline.
//
// # Pre-tokenizers
//
// The split patterns need look-ahead, which Go's regexp lacks, so each is a hand-written
// scanner over UTF-8 (ASCII by table, the BMP by a 64 KiB class table, other planes by
// the unicode package) returning exactly the matches of a backtracking engine. The
// tests hold them to the original patterns run by regexp2 on the sample corpora, on
// random mixes of every character class, and under fuzzing. Two rules go beyond the
// patterns:
//
//   - (?i:...) contractions fold case as the reference engine does (Unicode simple case
//     folding), so 'ſ (U+017F) counts as 's.
//   - Invalid UTF-8, which the reference never sees (Python str), is read one byte at a
//     time, each invalid byte being one character of no class, like U+FFFD; its bytes
//     are then merged like any other, so round trips hold.
//
// Unicode classes follow Go's unicode tables (Unicode 15.0).
//
// # Provenance
//
// The embedded rank files come from github.com/pkoukk/tiktoken-go-loader/assets (MIT
// licence), copies of OpenAI's published files. Goldens in testdata/tiktoken were made
// by the npm tiktoken package (scripts/gen-golden-tiktoken.sh).
//
// # Hugging Face tokenizer.json
//
// LoadHF reads a tokenizer.json and encodes as the Rust library does:
//
//  1. Added tokens are cut out of the text first, leftmost-longest. Tokens with
//     "normalized": false are matched on the input, the others on the normalized
//     text (their content normalized too). single_word, lstrip and rstrip follow the
//     library. Non-special added tokens are always matched; special ones only with
//     Options.ParseSpecial (without it they are plain text, like the library's
//     encode_special_tokens).
//  2. Each remaining piece is normalized (NFC, NFD, NFKC, NFKD, Lowercase with full
//     Unicode lowercasing, StripAccents, Replace with a string or a regex, Prepend,
//     Strip, BertNormalizer, Precompiled, Sequence), then pre-tokenized (ByteLevel,
//     Split, Whitespace, WhitespaceSplit, Metaspace, Digits, Punctuation,
//     BertPreTokenizer, Sequence) with the library's five split behaviors; Metaspace
//     prepend_scheme "first" prepends only to the piece at input offset 0.
//  3. Each word goes to the model: BPE (characters, continuing_subword_prefix,
//     end_of_word_suffix, byte_fallback to <0xXX>, unk with fuse_unk, then merges by
//     lowest rank, leftmost on ties, with a heap; ignore_merges takes a whole-word
//     vocabulary hit first; dropout is ignored), WordPiece (greedy longest match by
//     a trie, "##" continuation, unk for words over max_input_chars_per_word or not
//     covered), Unigram (Viterbi over a byte trie with float64 scores, min score - 10
//     for unknown characters, runs of unknowns fused, then byte_fallback or unk_id),
//     WordLevel.
//  4. EncodeWithSpecial adds the post-processor's ids for one sequence
//     (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence).
//
// Decode maps ids to tokens (added tokens by content) and runs the decoder chain
// (ByteLevel, Metaspace, WordPiece, ByteFallback, Fuse, Strip, Replace, BPEDecoder,
// Sequence); without a decoder tokens are joined by spaces. The ByteLevel decoder
// returns raw bytes, so byte-level models round-trip any input. An unknown component
// type is an error naming it and the file. Speed: GPT-2, cl100k and o200k Split
// regexes run on the hand-written scanners; a BPE after ByteLevel works on raw bytes
// (256-entry table); words are cached per pooled scratch. Other Split/Replace regexes
// run on regexp2 (.NET syntax, close to Oniguruma) and allocate. BertNormalizer,
// BertPreTokenizer and Punctuation use the Unicode tables of the unicode_categories
// crate the library uses (older than Go's).
//
// # SentencePiece .model
//
// LoadSentencePiece decodes the ModelProto wire format (pieces with score and type,
// trainer_spec, normalizer_spec) and encodes as spm_encode 0.1.97: the
// precompiled_charsmap double-array trie is searched for the longest rule at each
// position (user-defined symbols pass unchanged, invalid bytes become U+FFFD), extra
// white space is removed, the dummy prefix added and ' ' escaped to "▁"; then Unigram
// (Viterbi, float32 scores compared in double as spm does, user-defined pieces scored
// length*max_score-0.1, unknown characters min_score-10) or BPE (symbol pairs merged
// by highest piece score, leftmost on ties, user-defined symbols frozen, unused pieces
// resegmented). Unknown pieces become <0xXX> byte pieces with byte_fallback, else one
// unk per run. Decode follows spm_decode (control pieces vanish, unk is " ⁇ ", byte
// runs decode as UTF-8 with U+FFFD per bad byte, the leading dummy space is
// dropped). With ParseSpecial, control symbols in the text become their ids.
// EncodeWithSpecial adds BOS and EOS when the model defines them.
//
// Goldens in testdata/hf and testdata/spm come from npm tokenizers 0.23.2 and
// Debian's sentencepiece 0.1.97 (scripts/gen-golden-hf.sh, scripts/gen-golden-spm.sh).
package tokenize
