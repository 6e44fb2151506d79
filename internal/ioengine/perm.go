package ioengine

import "math/bits"

// perm is a pseudo-random permutation of [0, n): perm.at(i) for i = 0..n-1
// visits every block exactly once, like fio's random map. It is a bijective
// mix of the k-bit counter (k = bits needed for n-1) with cycle walking for
// values >= n; a new seed gives a new order for the next pass.
type perm struct {
	n, mask uint64
	shift   uint
	seed    uint64
}

func newPerm(n, seed uint64) perm {
	if n == 0 {
		n = 1
	}
	k := uint(bits.Len64(n - 1))
	if k == 0 {
		k = 1
	}
	s := k / 2
	if s == 0 {
		s = 1
	}
	return perm{n: n, mask: 1<<k - 1, shift: s, seed: seed}
}

// mix is a bijection on [0, mask]: odd multiplications, additions and
// xor-shifts are each invertible modulo 2^k.
func (p *perm) mix(x uint64) uint64 {
	x = (x*0x9E3779B97F4A7C15 + p.seed) & p.mask
	x ^= x >> p.shift
	x = (x * 0xBF58476D1CE4E5B9) & p.mask
	x ^= x >> p.shift
	x = (x*0x94D049BB133111EB + (p.seed >> 17)) & p.mask
	x ^= x >> p.shift
	return x
}

// at returns the i-th element of the permutation, i < n.
func (p *perm) at(i uint64) uint64 {
	x := p.mix(i)
	for x >= p.n {
		x = p.mix(x)
	}
	return x
}
