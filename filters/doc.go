// Package filters implements document quality filters from the Gopher, C4
// and FineWeb papers as plain Go rules over text, with datatrove's defaults,
// order of checks and drop-reason names.
//
// # Invariants
//
//   - Every filter implements Filter (and LangFilter): Apply writes all its
//     signals, in Signals() order, whatever the decision, then returns the
//     first failing rule in datatrove's order. Filters are immutable after
//     construction and safe for concurrent use; per-call scratch is pooled.
//   - Options structs carry yaml/default/doc tags; defaults live only there.
//     A nil or 0 optional threshold disables its rule (Python truthiness, as
//     in datatrove); C4's integer limits take -1 to disable.
//   - Lengths ("characters") are code points, as Python's len.
//   - Where datatrove divides by zero (an empty document with a rule whose
//     denominator is the word or line count) grist treats the ratio as 0 and
//     the rule as passed; a mean word length without words is NaN and fails
//     no bound (numpy's mean of nothing).
//   - gopher_quality, gopher_repetition, fineweb_quality, length and
//     c4_quality (sentence mode) split a document's words through
//     annotate.SharedWords, so the stages of one pipeline split each
//     document once. When the document's words are cached, c4_quality
//     counts an English line's sentences over the document's words inside
//     the line (line breaks are whitespace, and the English rules tokenize
//     each whitespace-separated chunk alone); otherwise, and for lines
//     whose citations were removed, it splits the line.
//
// # Language
//
// datatrove's filters take one language for the whole run (English by
// default) and split words with that language's tokenizer. grist filters
// take a language option too, and ApplyLang lets the pipeline pass each
// document's own language ("" = unknown = the option's language). The
// language chooses the word splitter (annotate: English rules or Unicode
// word segmentation). In gopher_quality, the stop-word rule and the mean
// word length bounds are calibrated on the option's language (English stop
// words, English word lengths): they are skipped for documents whose known
// language differs; every other rule applies to all documents. So Korean,
// Japanese, Chinese, Arabic or Hindi documents with their language are not
// dropped for lacking "the" and "of" or for short CJK words, while without
// a language they are judged as English, as datatrove does.
//
// # Rules
//
// gopher_quality (GopherQualityFilter), in order: non-punctuation words
// (words with a character outside PUNCTUATION_SET) < min_doc_words
// gopher_short_doc, > max_doc_words gopher_long_doc; their mean length <
// min_avg_word_length gopher_below_avg_threshold, > max gopher_above_avg_
// threshold; count("#") / all words > max_symbol_word_ratio
// gopher_too_many_hashes; (count("...") + count("…")) / all words >
// max_symbol_word_ratio gopher_too_many_ellipsis (non-overlapping counts);
// of str.splitlines() lines, the share starting (after lstrip) with "•" or
// "-" > max_bullet_lines_ratio gopher_too_many_bullets, ending (after
// rstrip) with "..." or "…" > max_ellipsis_lines_ratio
// gopher_too_many_end_ellipsis; the share of all words with an alphabetic
// character < max_non_alpha_words_ratio gopher_below_alpha_threshold (the
// option is a MINIMUM despite its name, kept for datatrove configs);
// distinct stop words present (exact, case-sensitive) < min_stop_words
// gopher_enough_stop_words (the reason names the missing quality).
//
// gopher_repetition (GopherRepetitionFilter), in order, each "> threshold":
// paragraphs (re.split(r"\n{2,}", text.strip())) equal to an earlier one
// over paragraphs dup_para_frac, their characters over the text's
// dup_para_char_frac; lines (re.split("\n+", text)) likewise dup_line_frac
// and dup_line_char_frac; for n = 2, 3, 4 the top n-gram characters over
// the text's top_<n>_gram (skipped with fewer than n words); for n = 5..10
// the duplicated n-gram characters over the text's duplicated_<n>_n_grams
// (see annotate for the n-gram definitions and their quirks: spaces count
// in top n-grams, not in duplicated ones). The per-n thresholds are options
// top_2_gram_frac..top_4_gram_frac and dup_5_gram_frac..dup_10_gram_frac.
//
// c4_quality (C4QualityFilter), per str.splitlines() line, stripped: drop
// the line if a whitespace-separated word is longer than max_word_length;
// remove citations ([1], [], [edit], [citation needed]); drop the line if it
// does not end in . ? ! " ' or ends in "..." (tested after citation
// removal, without stripping again); drop it with fewer than
// min_words_per_line words (counted before citation removal); the document
// is dropped (lorem_ipsum) if the lowercased line contains "lorem ipsum";
// drop the line if it contains "javascript"; the document is dropped
// (curly_bracket) if the line contains "{"; drop the line if it contains a
// policy phrase; else the line is kept and its sentences counted. Note the
// document-level checks only see lines that survived the earlier line
// checks. Fewer than min_num_sentences sentences: too_few_sentences.
// Otherwise the text becomes the kept lines joined by "\n", stripped
// (Result.Rewritten when it differs). With split_paragraph false the units
// are the sentences of the whole text, each counting as one sentence, and
// are joined with " ".
//
// c4_badwords (C4BadWordsFilter): the LDNOOBW list of the document's
// language (badwords/, the commits datatrove pins; allowlisted "sm",
// "グロ", "女の子", "性" removed from every list as datatrove does); the
// lowercased text contains an entry preceded by the start or a non-word
// character and followed by the end or a non-word character (Python \W),
// or anywhere for ja, th and zh: document_removed_with_badwords, unless the
// keep_fraction draw keeps it. grist draws from a hash of (seed, text)
// instead of numpy's generator, so the kept documents are reproducible
// whatever the order and the number of workers. ISO 639-3 codes are mapped
// to the list names ("eng" -> en). No list for the language: the run fails
// (fail_on_missing_language, datatrove's default) or the document is kept.
//
// fineweb_quality (FineWebQualityFilter): lines are text.split("\n")
// without blank ones; none: empty. Then, in order: the share of lines whose
// last character is a stop char (TERMINAL_PUNCTUATION by default) <
// line_punct_thr line_punct_ratio (unless it is 0 and
// line_punct_exclude_zero); the lines are not stripped, so "end. " does not
// count (quirk kept); the share of lines of at most short_line_length
// characters > short_line_thr short_line_ratio; characters of lines equal
// to an earlier non-blank line over the text's characters without "\n" >
// char_duplicates_ratio char_dup_ratio (blank lines are never duplicates,
// quirk kept); newlines (all, blank lines included) per word >
// new_line_ratio list_ratio.
//
// length: characters < min_chars too_short_chars, > max_chars
// too_long_chars, non-punctuation words < min_words too_few_words, >
// max_words too_many_words; 0 leaves a bound open.
//
// The pipeline, not this package, owns the common "drop" option (annotate
// only: write the signals and the would-be reason as columns).
package filters
