package dedup

// randomState reproduces the draws of numpy's legacy
// numpy.random.RandomState(seed) that datatrove uses for its MinHash
// permutation parameters: MT19937 seeded with init_genrand(seed), 64-bit
// outputs built as (first 32-bit word << 32) | second word, and
// randint(low, high, dtype=uint64) by masked rejection sampling: draw
// next64() & mask, where mask is the smallest 2^k-1 >= high-1-low, until the
// value is <= high-1-low, then add low.
type randomState struct {
	mt  [624]uint32
	pos int
}

func newRandomState(seed uint32) *randomState {
	s := &randomState{}
	s.mt[0] = seed
	for i := 1; i < len(s.mt); i++ {
		prev := s.mt[i-1]
		s.mt[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	s.pos = len(s.mt)
	return s
}

func (s *randomState) twist() {
	const n, m = 624, 397
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	for i := 0; i < n; i++ {
		y := (s.mt[i] & upper) | (s.mt[(i+1)%n] & lower)
		v := s.mt[(i+m)%n] ^ (y >> 1)
		if y&1 != 0 {
			v ^= matrixA
		}
		s.mt[i] = v
	}
	s.pos = 0
}

func (s *randomState) next32() uint32 {
	if s.pos >= len(s.mt) {
		s.twist()
	}
	y := s.mt[s.pos]
	s.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

func (s *randomState) next64() uint64 {
	hi := uint64(s.next32())
	return hi<<32 | uint64(s.next32())
}

// randintUint64 fills out with numpy's RandomState.randint(low, high,
// dtype=np.uint64) draws (high exclusive, high-1-low >= 2^32 assumed, which
// holds for datatrove's 2^61-1 bound).
func (s *randomState) randintUint64(low, high uint64, out []uint64) {
	rng := high - 1 - low
	mask := rng
	for sh := uint(1); sh < 64; sh <<= 1 {
		mask |= mask >> sh
	}
	for i := range out {
		for {
			v := s.next64() & mask
			if v <= rng {
				out[i] = low + v
				break
			}
		}
	}
}
