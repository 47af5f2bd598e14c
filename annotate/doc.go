// Package annotate computes text signals (words, lines, paragraphs,
// sentences, n-gram repetition, stop words) that the quality filters share,
// plus text normalization; it knows nothing of YAML, Arrow or the pipeline.
//
// # Invariants
//
//   - Words, lines and paragraphs are Spans: byte offsets into the caller's
//     text, never copies. Lengths that rules compare ("characters") are code
//     points, as Python's len.
//   - Nothing allocates per word: splitters and the Repetition scratch keep
//     their buffers between documents (pool them; SplitWords does). Every
//     exported function without a receiver is safe for concurrent use.
//   - Whitespace is Python's str.isspace (Go's unicode.IsSpace plus
//     U+001C..U+001F), since the rules are datatrove's.
//
// # Words
//
// datatrove (0.10 and main) splits English words with a blank spaCy English
// pipeline (SpaCyTokenizer("en"), via the tokenizer_assignment table; older
// releases used NLTK's Treebank word_tokenize), keeping every non-blank
// token: punctuation marks and contraction parts are words of their own.
// Splitter.Split with an English or empty language follows spaCy's rules:
//
//  1. Split on whitespace runs. Each run of non-space characters (chunk) is
//     tokenized alone.
//  2. A chunk that is a special form is emitted as its listed parts:
//     contractions of pronouns, wh-words and auxiliaries with 'm 'll 've 're
//     's 'd n't (also without apostrophe: "dont" -> "do" "nt", "Im" -> "I"
//     "m"; not "ill", "its", "hell", "shell", "shed", "were", "well",
//     "whore"), "cannot" "gonna" "gotta" "let's" "y'all", 1-12 with am/pm,
//     abbreviations kept whole ("e.g.", "Mr.", "U.S." style state and month
//     abbreviations, single letters with a period), and emoticons.
//  3. Otherwise, repeatedly: if the remaining string is special, stop;
//     split off one prefix (one of § % = — – + (not before a digit), a run
//     of 2+ dots, a quote, bracket or punctuation mark , : ; ! ? ¿ ¡ ( ) [ ]
//     { } < > _ # * & and their CJK forms, a currency sign or US$ C$ A$, or a
//     symbol of category So); if what follows is special, stop. Then split
//     off one suffix, the longest of: the same punctuation and quotes, — –,
//     a run of 2+ dots or "……", 's/'S/’s/’S, "+" after a digit, a currency
//     sign or unit (km, kg, %, MB, ...) after a digit, "." after a digit, a
//     lowercase letter, one of % ² - + or a punctuation/quote character,
//     "." after two uppercase letters; if what precedes is special, stop.
//     Until nothing changes.
//  4. The core left is emitted whole if special or URL-like (optional
//     scheme://, optional user@, dotted host labels ending in a lowercase
//     top-level label of 2-63 letters, optional :port and /path); else it is
//     split at infixes, found left to right, never at position 0: a run of
//     2+ dots or "…", a So symbol, + - * ^ between digits, "." between a
//     lowercase and an uppercase letter, "," between letters, a hyphen (- –
//     — -- --- —— ~) after a letter or digit and before a letter, and : < >
//     = / after a letter or digit and before a letter.
//  5. Prefixes, core pieces, then suffixes (in text order) are the words.
//
// "Letter", "lowercase" and "uppercase" use Unicode categories, with
// uncased letters (Lo, Lm: Arabic, Devanagari, Hangul, ...) counting as both
// cases, which approximates spaCy's script tables.
//
// Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao,
// Khmer, Myanmar, Tibetan): datatrove gives them their own segmenters
// (jieba for Chinese, SudachiPy for Japanese, PyThaiNLP, ...) when the
// document language says so, and with the English tokenizer treats a whole
// run of such text as one huge word. grist splits any chunk containing them
// with Unicode word segmentation (UAX #29, github.com/clipperhouse/uax29):
// each ideograph and each kana syllable outside katakana runs is one word.
// For a non-English language the whole text is split with UAX #29 (Hangul
// words are space-separated eojeols, Arabic and Devanagari words are
// letter runs); whitespace segments are dropped, punctuation segments are
// words, as with spaCy.
//
// # Sentences
//
// datatrove splits English sentences with spaCy's Sentencizer over the same
// tokens. CountSentences and SentenceSpans reproduce it: the first token
// starts a sentence; a token that is exactly one sentence-final mark (. ! ?
// and the Sentence_Terminal marks of other scripts, such as । ። 。 ！ ？)
// arms a boundary; the next token that is neither such a mark nor made only
// of punctuation (Unicode P*) starts the next sentence. spaCy makes a token
// of every whitespace gap other than a single space, so such a gap after an
// armed boundary starts the next sentence too. An ellipsis token "..." is
// not a mark; "e.g." and "Mr." are single tokens and do not end sentences.
//
// # Lines and paragraphs
//
//   - SplitLines is Python's str.splitlines (\n \r \r\n \v \f \x1c \x1d \x1e
//     \x85 U+2028 U+2029; no empty line after a final break).
//   - SplitNewlines is text.split("\n"); SplitNewlineRuns is
//     re.split("\n+", text); SplitParagraphs is re.split(r"\n{2,}",
//     text.strip()).
//
// # Repetition
//
//   - Duplicates counts pieces equal to an earlier piece and their code
//     points (datatrove find_duplicates).
//   - TopNGramRunes: the word n-gram occurring most often (ties: the first
//     seen), its length with single spaces between words, times its count;
//     even a count of 1 counts (datatrove find_top_duplicate).
//   - DupNGramRunes walks word positions: an n-gram already seen adds its
//     length and jumps n words, else it is remembered and the walk moves one
//     word. n-grams are compared as their words concatenated WITHOUT a
//     separator, lengths exclude separators (datatrove find_all_duplicate).
//
// The counts are exact. Words are numbered in order of first occurrence
// (equal words, equal ids). Word n-grams are numbered level by level: an
// n-gram's key is its (n-1)-gram's number and its last word's id packed in
// 64 bits, exact, so the n-grams for n = 2, 3, 4 cost one lookup per
// position that may still repeat. A concatenation's key is a polynomial
// hash of its bytes, computed in O(1) from prefix hashes, checked byte for
// byte. Keys go into an open-addressing table reused across documents and
// emptied in O(1) (generation stamps); a hash collision costs a probe,
// never a wrong count. Positions that cannot repeat are not looked up at
// all: for top n-grams, those whose (n-1)-gram at the same or the next
// position occurs once (a word occurring once is a 1-gram occurring once);
// for duplicated n-grams of at least 8 bytes, those whose first 8 bytes
// start at no other word boundary.
//
// # Word cache
//
// WordCache (SharedWords for the filters) keeps the words of recently split
// documents, keyed by content (128-bit xxh3 and length) and splitter, so
// several rules over the same text split it once. Entries are evicted first
// in, first out within a bound on their number and span memory; a cached
// split is exactly Splitter.Split's. Count gives a document's number of
// words without copying them (fineweb_quality needs no more).
//
// # Speed
//
// The splitters and counters look bytes up in one ASCII class table
// (byteClass); runs of ASCII letters are found 8 bytes at a time; the most
// common ASCII chunk shapes (a word with one leading or trailing mark,
// numbers) take a fast path that gives the general rules' tokens
// (TestASCIIChunk, FuzzASCIIChunk check it against them). Line breaks
// and ASCII code point counts are also found 8 bytes at a time (one load; a
// bit trick per byte lane), and words of up to 8 bytes are copied for the
// n-gram keys with one load and one store. The optimized counters are
// checked against plain references written from the Python definitions
// (TestSplitLinesReference, TestCountGopherLinesReference,
// TestTrimSpaceReference, TestRepetitionReference, TestRepetitionCorpora,
// FuzzRepetition).
//
// # Character classes
//
// IsPunctuation is datatrove's PUNCTUATION_SET and IsTerminalPunctuation
// its TERMINAL_PUNCTUATION (tables generated in punct_table.go). IsAlpha is
// Python's str.isalpha (Unicode L*). IsWordRune is Python re's \w.
package annotate
