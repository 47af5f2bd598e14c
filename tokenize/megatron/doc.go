// Package megatron writes and reads token datasets in Megatron-LM's MMIDIDX indexed
// format, the input of Megatron-LM and NeMo pretraining.
//
// # Format
//
// A dataset is two files sharing a prefix. prefix.bin is the token ids of every
// sequence back to back, little-endian, in the index's dtype, with no header.
// prefix.idx is, little-endian:
//
//	9 bytes   "MMIDIDX\x00\x00"
//	uint64    version, 1
//	uint8     dtype code: 1 uint8, 2 int8, 3 int16, 4 int32, 5 int64,
//	          6 float64, 7 float32, 8 uint16
//	uint64    S, the number of sequences
//	uint64    D, the number of document indices (documents + 1)
//	int32[S]  sequence lengths, in tokens
//	int64[S]  sequence pointers, byte offsets into prefix.bin
//	int64[D]  document indices: 0, then the number of sequences after each document
//	int8[S]   sequence modes, multimodal datasets only
//
// as megatron/core/datasets/indexed_dataset.py (_IndexWriter, _IndexReader,
// IndexedDatasetBuilder) writes and reads it.
//
// # Rules
//
//   - DTypeForVocab is Megatron's DType.optimal_dtype: uint16 below 65,500 ids, else
//     int32. Writer refuses an id that does not fit the dtype.
//   - Writer.AddDocument writes one sequence and ends the document, as preprocess_data.py
//     does for each document without sentence splitting; AddSequence and EndDocument
//     give several sequences per document. Documents are written as given: Megatron
//     concatenates them and cuts training samples itself, so callers write tokenized
//     documents (with their EOD/EOS id appended), not packed rows.
//   - Token data stream to prefix.bin; lengths and document boundaries stay in memory
//     (12 bytes per single-sequence document) until Close writes prefix.idx.
//   - ParseIndex and Reader are written from the format above, independently of
//     Writer, and validate sizes and monotone document indices.
package megatron
