package dedup

import "golang.org/x/sys/cpu"

// The permutation loop is most of the work of a signature, so it runs in
// assembly where the CPU allows: AVX-512 (VPMULLQ, 16 permutations a step)
// or AVX2 (64-bit products from 32-bit multiplies, 4 a step); the portable
// loop covers the rest and other architectures. All give identical values.
var (
	useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
	useAVX2   = cpu.X86.HasAVX2
)

//go:noescape
func permMinAVX512(sig, a, b, hs []uint64)

//go:noescape
func permMinAVX2(sig, a, b, hs []uint64)

// permuteMin sets sig[j] = min over h in hs of ((a[j]*h+b[j]) mod 2^64) mod
// (2^61-1); sig is all ones when hs is empty.
func permuteMin(sig, a, b, hs []uint64) {
	if len(hs) > 0 {
		switch {
		case useAVX512 && len(sig) >= 8:
			n := len(sig) &^ 7
			permMinAVX512(sig[:n], a[:n], b[:n], hs)
			sig, a, b = sig[n:], a[n:], b[n:]
		case useAVX2 && len(sig) >= 4:
			n := len(sig) &^ 3
			permMinAVX2(sig[:n], a[:n], b[:n], hs)
			sig, a, b = sig[n:], a[n:], b[n:]
		}
	}
	permuteMinGo(sig, a, b, hs)
}
