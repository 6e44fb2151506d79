// Package memo keeps what an expensive constructor made, once per process
// for each key: a library loaded with dlopen (internal/cuda's cuBLAS), a
// model's generated weights (internal/llmserver). A constructor that fails
// keeps nothing, so the next call tries again and reports its own error.
package memo

import "sync"

// Map holds one value per key. The zero Map is ready to use; it must not
// be copied after first use.
type Map[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]V
}

// Get returns the value kept for key, or makes it with build and keeps it
// when build succeeds. Calls are serialized: build runs at most once per key
// at a time, and not again once it succeeded.
func (c *Map[K, V]) Get(key K, build func() (V, error)) (V, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	if c.m == nil {
		c.m = map[K]V{}
	}
	c.m[key] = v
	return v, nil
}
