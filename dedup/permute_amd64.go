package dedup

import (
	"time"

	"golang.org/x/sys/cpu"
)

// The permutation loop is most of the work of a signature, so it runs in
// assembly where the CPU allows: AVX-512 (VPMULLQ, 16 permutations a step)
// or AVX2 (64-bit products from 32-bit multiplies, 4 a step); the portable
// loop covers the rest and other architectures. All give identical values.
//
// A kernel the CPU supports is used only if it is faster than the portable
// loop on a short sample, timed once when the package loads: some virtual
// machines run the AVX2 kernel 30 times slower than the portable loop
// (measured on a Firecracker guest reporting an AMD EPYC with AVX2).
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
	hasAVX2   = cpu.X86.HasAVX2

	useAVX512, useAVX2 = pickKernels()
)

// pickKernels times each supported kernel against the portable loop (best of
// three runs on 112 permutations of 64 hashes, well under a millisecond on a
// normal CPU) and keeps those that are faster.
func pickKernels() (avx512, avx2 bool) {
	const k, n = 112, 64
	sig, a, b, hs := make([]uint64, k), make([]uint64, k), make([]uint64, k), make([]uint64, n)
	x := uint64(0x9e3779b97f4a7c15)
	for _, v := range [][]uint64{a, b, hs} {
		for i := range v {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			v[i] = x | 1
		}
	}
	best := func(f func(sig, a, b, hs []uint64)) time.Duration {
		d := time.Duration(1<<63 - 1)
		for range 3 {
			t0 := time.Now()
			f(sig, a, b, hs)
			d = min(d, time.Since(t0))
		}
		return d
	}
	portable := best(permuteMinGo)
	avx512 = hasAVX512 && best(permMinAVX512) < portable
	avx2 = hasAVX2 && best(permMinAVX2) < portable
	return avx512, avx2
}

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
