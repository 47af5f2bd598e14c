package train

import "unicode/utf8"

// byteRune maps a byte to the printable character GPT-2's bytes_to_unicode gives
// it: the printable Latin-1 bytes (33-126, 161-172, 174-255) stand for
// themselves, the other 68 bytes take U+0100 onwards in byte order.
var byteRune [256]rune

// byteRank orders bytes by the code point of their character, which is both the
// order of GPT-2's vocabulary and the order Hugging Face's BpeTrainer gives its
// initial alphabet; it is the id of the byte in a trained byte-level vocabulary.
var byteRank [256]int32

// rankByte inverts byteRank.
var rankByte [256]byte

func init() {
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174 {
			byteRune[b] = rune(b)
		} else {
			byteRune[b] = 256 + n
			n++
		}
	}
	r := int32(0)
	for _, lo := range [][2]int{{33, 126}, {161, 172}, {174, 255}} {
		for b := lo[0]; b <= lo[1]; b++ {
			byteRank[b] = r
			r++
		}
	}
	for b := 0; b < 256; b++ {
		if byteRune[b] >= 256 {
			byteRank[b] = r
			r++
		}
	}
	for b := 0; b < 256; b++ {
		rankByte[byteRank[b]] = byte(b)
	}
}

// appendByteLevel appends the byte-level spelling of raw bytes to dst.
func appendByteLevel(dst []byte, raw []byte) []byte {
	for _, b := range raw {
		dst = utf8.AppendRune(dst, byteRune[b])
	}
	return dst
}
