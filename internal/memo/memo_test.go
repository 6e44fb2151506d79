package memo

import (
	"errors"
	"testing"
)

// TestGet: a value is made once per key; a failure is not kept.
func TestGet(t *testing.T) {
	var m Map[string, int]
	calls := 0
	mk := func(v int, err error) func() (int, error) {
		return func() (int, error) { calls++; return v, err }
	}
	if _, err := m.Get("a", mk(0, errors.New("no library"))); err == nil {
		t.Fatal("the failure was not returned")
	}
	if v, err := m.Get("a", mk(7, nil)); v != 7 || err != nil {
		t.Errorf("after a failure: %v, %v; want 7 (made again)", v, err)
	}
	if v, _ := m.Get("a", mk(8, nil)); v != 7 {
		t.Errorf("kept value %v, want 7", v)
	}
	if v, _ := m.Get("b", mk(9, nil)); v != 9 {
		t.Errorf("key b: %v, want 9", v)
	}
	if calls != 3 {
		t.Errorf("%d constructor calls, want 3", calls)
	}
}
