package workers

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// Each gives every worker exactly its share; Shared does the total, over
// every worker index.
func TestEachShared(t *testing.T) {
	for _, n := range []int{1, 3} {
		var mu sync.Mutex
		per := map[int]int{}
		if err := Each(n, 5, func(w int) error { mu.Lock(); per[w]++; mu.Unlock(); return nil }); err != nil {
			t.Fatal(err)
		}
		for w := range n {
			if per[w] != 5 {
				t.Errorf("Each(%d, 5): worker %d ran %d times", n, w, per[w])
			}
		}
		var ops atomic.Int64
		bad := atomic.Bool{}
		if err := Shared(n, 100, func(w int) error {
			if w < 0 || w >= n {
				bad.Store(true)
			}
			ops.Add(1)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if ops.Load() != 100 || bad.Load() {
			t.Errorf("Shared(%d, 100): %d operations, worker index out of range %v", n, ops.Load(), bad.Load())
		}
	}
}

// Errors of every worker come back joined; a failing worker stops.
func TestErrors(t *testing.T) {
	e1, e2 := errors.New("one"), errors.New("two")
	var calls atomic.Int64
	err := Each(3, 10, func(w int) error {
		calls.Add(1)
		switch w {
		case 1:
			return e1
		case 2:
			return e2
		}
		return nil
	})
	if !errors.Is(err, e1) || !errors.Is(err, e2) {
		t.Errorf("Each: %v, want both errors", err)
	}
	if got := calls.Load(); got != 12 {
		t.Errorf("Each: %d calls, want 10 + 1 + 1 (failing workers stop)", got)
	}
	if err := Run(4, func(int) error { return nil }); err != nil {
		t.Errorf("Run without failures: %v", err)
	}
}
