// Package report renders what a finished grist run did as one self-contained
// HTML page.
//
// Invariants:
//   - The page needs nothing but itself: no network, no external scripts,
//     styles or fonts; charts are inline SVG drawn here, in Go.
//   - Every number shown comes from the run folder's stats.json and
//     manifest.json (or, for the decoded example, from its first shard); the
//     elements showing a count carry it as data-k (its key) and data-v (its
//     value) so the page can be checked against the files.
//   - Document text (samples, the decoded example, the config) is escaped by
//     html/template: a document cannot inject markup.
//   - The size is bounded by construction: histograms have fixed bins,
//     samples k documents of at most 500 characters per rejection reason, the
//     decoded example at most MaxExampleTokens tokens.
//
// The sections: the funnel (documents, bytes and tokens through each stage,
// drops by stage:reason), distributions (document length, language, quality
// signals with their thresholds, dedup cluster sizes), samples, tokens
// (tokens per document, padding, truncation and mask rates, a decoded
// example row) and the run (config, version, timings, throughput, memory).
package report
