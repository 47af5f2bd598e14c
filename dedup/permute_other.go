//go:build !amd64

package dedup

// Off amd64 the portable loop runs everywhere.
var useAVX512, useAVX2, hasAVX512, hasAVX2 = false, false, false, false

// permuteMin sets sig[j] = min over h in hs of ((a[j]*h+b[j]) mod 2^64) mod
// (2^61-1); sig is all ones when hs is empty.
func permuteMin(sig, a, b, hs []uint64) { permuteMinGo(sig, a, b, hs) }
