package cpu_bench

import (
	"math/rand/v2"
)

// lineWords is the number of uint64 in a 64-byte cache line: the chain
// visits one word per line so that every load touches a new line.
const lineWords = 8

// newChain returns a pointer-chasing array of size bytes: the first word
// of each 64-byte line holds the index of the next line's first word, and
// the lines form one random cycle through all of them (Sattolo's algorithm,
// fixed seed), so hardware prefetchers cannot guess the next address.
func newChain(size int) []uint64 {
	lines := size / (lineWords * 8)
	perm := make([]uint32, lines)
	for i := range perm {
		perm[i] = uint32(i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := lines - 1; i > 0; i-- { // Sattolo: j < i gives a single cycle
		j := r.IntN(i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	chain := make([]uint64, lines*lineWords)
	for i := range lines {
		next := perm[(i+1)%lines]
		chain[int(perm[i])*lineWords] = uint64(next) * lineWords
	}
	return chain
}

var sinkU64 uint64
