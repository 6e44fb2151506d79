package cputime

import (
	"os"
	"strings"
	"testing"
	"time"
)

// Of(self) grows by about the CPU time a busy loop burns, and agrees with
// getrusage.
func TestOfSelf(t *testing.T) {
	before, err := Of(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ru0, _ := Process()
	for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end); {
	}
	after, err := Of(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ru1, _ := Process()
	got, want := after-before, ru1-ru0
	if got <= 0 || want <= 0 {
		t.Fatalf("schedstat %v, getrusage %v", got, want)
	}
	// Generous: the two clocks differ in what they count at the edges.
	if r := float64(got) / float64(want); r < 0.7 || r > 1.3 {
		t.Errorf("schedstat measured %v, getrusage %v", got, want)
	}
}

func TestOfMissingProcess(t *testing.T) {
	if _, err := Of(1 << 30); err == nil || !strings.Contains(err.Error(), "threads of process") {
		t.Errorf("Of(no such pid): %v", err)
	}
}
