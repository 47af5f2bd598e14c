// Package lang detects the language of documents with the models and rules
// of lingua-go (github.com/pemistahl/lingua-go v1.4.0, Apache-2.0, Copyright
// Peter M. Stahl), at about a hundred times its speed and without
// allocating; it knows nothing of YAML, Arrow or the pipeline. It embeds
// lingua's unigram, bigram and trigram models (4.7 MB) and its 4- and
// 5-gram models pruned to the 30,000 of each order per language that
// matter most (models/short.bin.gz, 12 MB), and does not import lingua-go,
// whose 124 MB of embedded models would otherwise be linked into every
// binary.
//
// # Accuracy modes
//
// lingua scores documents of 120 letters or more with trigrams in both of
// its modes; the modes differ only below 120 letters.
//
//   - compact (default): lingua-go's high accuracy mode with the pruned 4-
//     and 5-gram table. On whole UDHR articles it is as accurate as
//     lingua-go's high mode (testdata/accuracy.md: 98.6% against 98.5%, and no language lower);
//     its answers differ from lingua-go's on short texts only where a
//     pruned n-gram would have counted. With lingua's full models the same
//     scorer gives lingua-go's answers (TestShortParity). ~100 MB of memory.
//   - low: lingua-go's low accuracy mode: trigrams only, und under 3
//     letters; the same answers as lingua-go's low mode.
//   - high: lingua-go itself on documents under 120 letters, with its full
//     models (~2 GB when all are loaded, slow); available only when package
//     linguahigh is imported.
//
// # Invariants
//
//   - Detect returns a lower-case ISO 639-1 code of one of lingua's 75
//     languages (SupportedLanguages), or Undetermined ("und") with score 0
//     for text without letters, in a script no candidate language writes,
//     or when the best two languages tie; or "und" with the real score when
//     the score is below min_score.
//   - On the same text (max_chars: 0) in accuracy low or high the code is
//     the one lingua-go's DetectLanguageOf gives in the same accuracy mode,
//     and the score is lingua-go's ComputeLanguageConfidence of that
//     language to 1e-5 (the embedded log probabilities are rounded to
//     2^-20). The tests hold this on every UDHR article and on fuzzed
//     input. Accuracy compact gives the same as high from 120 letters on.
//   - A Detector is built once per run and is safe for concurrent use;
//     per-call scratch is pooled, so Detect does not allocate (accuracy high
//     allocates inside lingua-go for documents under 120 letters).
//   - The n-gram table is parsed once per process (~0.3 s, 16 MB of heap) and shared;
//     a Detector with a subset of languages keeps a copy holding only their
//     postings. The short-text table (accuracy compact) is parsed once per
//     process too (~2 s, ~80 MB of heap) and shared by all Detectors.
//
// # Rules, in order (those of lingua-go's detector)
//
//  1. Sample: a document of more than max_chars characters (code points) is
//     judged on 4 slices of max_chars/4 characters, starting at 0, 1/4, 1/2
//     and 3/4 of its bytes, each moved past the next ASCII whitespace and
//     cut back at the last one (when within 64 bytes). Then NFC
//     (golang.org/x/text/unicode/norm): un-normalised Vietnamese would
//     otherwise read as another language.
//  2. Words: the text is lower-cased (strings.ToLower) and split by the
//     regexp \p{Han}|\p{Hangul}|\p{Hiragana}|\p{Katakana}|\p{L}+: a Han,
//     Hangul or kana letter starting a word is a word alone, any other
//     letter starts a word over all following letters. Combining marks
//     (Mn, Mc) are not letters, so Indic words break at vowel signs. No
//     words: und.
//  3. Script and letter votes: each letter of a script written by exactly
//     one lingua language (Armenian hy, Bengali bn, Georgian ka, Greek el,
//     Gujarati gu, Gurmukhi pa, Hangul ko, Hebrew he, Hiragana and Katakana
//     ja, Tamil ta, Telugu te, Thai th) votes for it if it is a candidate;
//     a Han letter votes zh, kana ja (even if not candidates); a Latin,
//     Cyrillic or Devanagari letter unique to one candidate language
//     (ß de, ї uk, ő hu, ł pl, ř cs, ə az, ... see uniqueCharacters)
//     votes for it. A word votes for its most-voted language if that beats
//     the runner-up and is a candidate, else for nothing; a word with zh
//     and ja votes ja. Votes for nothing count only if at least half the
//     words cast them. The language with most word votes (ja if only zh and
//     ja) wins with score 1, unless tied. So Hebrew-script Yiddish is he,
//     and these scripts never reach n-gram scoring.
//  4. Candidate filter: the alphabet most words are wholly written in
//     (unless none, or several with equal counts) keeps the candidates
//     writing it; letters shared by few languages (ñ: es eu, ą ę: lt pl,
//     ø: da nb nn, ... see sharedCharacters) present in at least half the
//     words narrow them to the languages having them. One candidate left:
//     it, score 1. None: und (Ethiopic, Khmer, Tibetan ... text).
//  5. Under 120 letters, accuracy compact: per order n from 1 to 5, each
//     distinct n-gram of the words (of words of n letters or more) adds,
//     per candidate, the natural log of its probability in that language's
//     model, else of its longest prefix the model has, else nothing; a
//     4- or 5-gram the pruned table lacks for a language backs off the
//     same way. Each candidate's sum is divided by the number of the
//     text's distinct letters its unigram model has (lingua-go's
//     normalisation, with its quirk: when some candidate has none of the
//     letters, each such candidate adds Afrikaans's count once more to
//     Afrikaans's). The candidates with a negative sum compete as in the
//     trigram rule below. Accuracy high: lingua-go itself does this with its full models
//     (~120 MB zipped, ~2 GB in memory; package linguahigh registers the
//     scorer). Accuracy low and under 3 letters: und. From 120 letters on
//     every mode scores trigrams only.
//  6. Trigram scoring: each distinct trigram of the words adds, per
//     candidate, the natural log of the trigram's probability in that
//     language's model, else of its first two letters' bigram probability,
//     else of its first letter's unigram probability, else nothing. The
//     candidates with a negative sum compete; the best wins with its
//     softmax (exp(s_best) / sum exp(s_i)) as score, und if the best two
//     tie.
//
// # Test labels
//
// The accuracy tests read the UDHR corpus's BCP 47 tags as the truth,
// except for the translations listed in udhr_test.go's
// excludedTranslations, whose tag names a language lingua knows but whose
// text is another language or a divergent variety: udhr_code 068 (tagged
// fr, Welche, a Lorrain patois) and 062 (tagged sw, Chimwiini). Confusions
// between languages lingua claims (bs/hr/sr, id/ms) count as errors.
//
// # Score versus fasttext
//
// lingua's confidence compares the candidates' likelihoods only: over a
// sentence or more the sums differ by many nats, so the winner's softmax is
// close to 1 whether or not the text is in any language lingua knows (text
// in an unknown Latin-script language gets a confident known one). It is
// not the calibrated probability of fasttext's lid.176 that datatrove's
// LanguageFilter thresholds at 0.65. min_score defaults to 0 (off); it
// mainly turns short or mixed documents into und. To drop documents in
// unknown languages, use keep.
//
// # Speed
//
// lingua-go spends its time in regexps per character, maps per n-gram,
// goroutines per order and arbitrary-precision decimals (0.03-0.17 MB/s on
// UDHR articles). Here, per document and without allocation: one pass
// splits words with a 64 KiB rune table; the distinct trigrams are radix
// sorted; each trigram, its bigram and unigram prefixes are looked up in
// one open-addressing table of packed keys (gen_models.go converts
// lingua's models to models/ngrams.bin.gz, 4.7 MB embedded); postings are
// 4 bytes (language, fixed-point log probability). The backoff is resolved
// when the table is loaded: each bigram holds its backoff list (bigram,
// else unigram probability, per language) and each trigram posting its
// difference to that list, so scoring adds one list per distinct prefix
// (times the trigrams sharing it) and one delta per trigram posting, for
// all 75 languages without branches. Accuracy compact scores documents
// under 120 letters the same way over orders 1 to 5: each distinct prefix's
// list is added once, times the number of the text's distinct n-grams
// extending it; the 4- and 5-grams (1.5 million keys, 3.6 million
// postings) are keyed by a 64-bit hash of their letters.
//
// # Pruning
//
// gen_short.go keeps, per language and order, the n-grams with the largest
// estimated frequency times the change of log probability their removal
// would cause. Correct short UDHR articles (of 935; lingua-go high: 927)
// by n-grams kept per language and order: 10,000 (4.5 MB) 920; 20,000
// (8.5 MB) 929; 30,000 (12.2 MB, embedded) 930; 60,000 (22.2 MB) 928.
package lang
