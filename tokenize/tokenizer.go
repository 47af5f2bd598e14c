package tokenize

// Tokenizer turns bytes into token ids and back. Implementations are safe for
// concurrent use by many goroutines once loaded: per-call scratch state lives in
// the caller's buffers or in internal pools, never in shared fields.
type Tokenizer interface {
	// Name is the built-in name ("cl100k_base") or the path the tokenizer was loaded from.
	Name() string
	// Encode appends the ids of text to dst and returns the extended slice. It does not
	// allocate when dst has room. Special tokens spelt in text are encoded as ordinary
	// text unless the tokenizer was loaded with ParseSpecial. No BOS/EOS or template
	// tokens are added: see Special and PostProcessor.
	Encode(dst []int32, text []byte) []int32
	// Count returns the number of ids Encode would append.
	Count(text []byte) int
	// Decode appends the bytes of ids to dst. Decode(Encode(x)) == x for byte-level
	// models and wherever the original library round-trips.
	Decode(dst []byte, ids []int32) ([]byte, error)
	// Piece returns the token string of id as the original library shows it
	// ("▁나", "Ġthe", "<0xEA>").
	Piece(id int32) string
	// VocabSize is one more than the largest id, special tokens included.
	VocabSize() int
	// Special resolves a role ("bos", "eos", "pad", "mask", "cls", "sep", "unk") to an id.
	Special(role string) (int32, bool)
}

// Options shared by every loader.
type Options struct {
	// ParseSpecial makes Encode recognise special tokens spelt in the text. Off by
	// default, so scraped text cannot inject control tokens.
	ParseSpecial bool
	// AllowMissingBytes loads a byte-level BPE tokenizer.json whose
	// vocabulary lacks some byte values; by default that is an error, since
	// its encoder drops such bytes silently.
	AllowMissingBytes bool
}

// NonTextIDs lists in order the ids below VocabSize that are not ordinary
// text tokens: special and control tokens, and ids that name no token (the
// gaps of a vocabulary, such as cl100k_base's 100261-100275). MLM packing
// never draws them as random replacements and marks them as special. Every
// built-in tokenizer implements it.
type NonTextIDs interface {
	NonTextIDs() []int32
}
