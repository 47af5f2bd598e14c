// Package pack turns tokenized documents into fixed-length training rows for causal
// language models (ar), masked language models (mlm) and fine-tuning (sft), and renders
// chat conversations into loss-masked segments.
//
// # Input
//
// A Packer receives documents as id sequences, in order, through Add (or AddLabeled
// with per-token labels for sft). It adds no BOS/EOS: the tokenize stage's add_bos and
// add_eos decide what a document carries, so in concat and bestfit rows documents are
// separated only by the ids they bring (usually their EOS). The Packer only writes
// the pad id (Tokens.Pad; TokensFor picks "pad", else "eos") and, for mlm, the row
// frame [CLS] ... [SEP] (cls else bos, sep else eos).
//
// # Strategies
//
//   - concat: documents are laid end to end and the stream is cut every seq_len ids
//     (seq_len-2 for mlm); a document crossing a cut is split (counted in SplitDocs).
//     The last partial row is padded or, with last: drop, dropped (its ids counted in
//     DroppedTokens, its documents in DroppedDocs or TruncatedDocs).
//   - bestfit: up to buffer_docs documents (or buffer_tokens ids) are buffered, then
//     packed best-fit-decreasing (Ding et al. 2024): documents longer than a row are
//     first cut into row-sized chunks (split_long) or truncated to one row; pieces are
//     taken longest first, ties in arrival order (document, then offset); each goes into
//     the open row with the least free space that holds it, else opens a row. Rows are
//     emitted in the order they opened, pieces in the order they were placed, all
//     padded to seq_len. Only documents longer than a row are ever split, and every id
//     is kept.
//   - none: one document per row, long documents chunked or truncated as in bestfit.
//
// sft examples longer than a row are dropped or truncated (sft_overlong); bestfit and
// none never split an sft example, while concat cuts the stream like any other.
//
// # Rows
//
// Every row has seq_len positions. ar and sft rows: input_ids; labels = input_ids (ar)
// or the caller's labels (sft), -100 on padding, unshifted (the trainer shifts);
// position_ids restarting at 0 at each document piece and counting 0, 1, ... over the
// padding run; seq_lens = piece lengths without padding; attention_mask 1/0, nil when
// the row has no padding. mlm rows: [CLS] ids [SEP] padding, position_ids 0..seq_len-1,
// seq_lens = [framed length], special_tokens_mask, attention_mask, and dupe_factor
// copies masked differently (Masker documents the exact draws). Example.Docs maps
// every piece back to (document, offset, row position, length).
//
// # Invariants
//
//   - Determinism: the rows depend only on the options, the tokens and the sequence of
//     Add/Flush calls; MLM masks depend only on (seed, stream, row index, copy) and the
//     row, never on goroutine scheduling.
//   - Bounded memory: concat holds one row; bestfit holds one buffer of documents; all
//     buffers are reused, so steady-state packing allocates nothing per token or row.
//   - A Packer is one stream, not safe for concurrent use; Masker and ChatTemplate are
//     immutable and safe for concurrent use. Reset makes a Packer a new stream that
//     keeps its grown buffers (the pipeline reuses one per worker across tasks).
//
// # Fine-tuning
//
// ChatTemplate renders messages (or prompt/completion as a user and an assistant turn)
// in the chatml or llama3 format, exactly as the published Jinja templates print them,
// into Segments: markup (template text, to encode with special tokens parsed) and
// content (plain text, so data cannot inject control tokens). Only assistant content
// and its end token (<|im_end|>, <|eot_id|>) train. EncodeSegments turns segments
// into ids and labels (-100 off the trained segments). DetectTemplate recognises the
// two formats in a tokenizer_config.json chat_template and refuses anything else.
package pack
