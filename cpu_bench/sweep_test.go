package cpu_bench

import (
	"fmt"
	"testing"
)

func TestUpToCPUs(t *testing.T) {
	for n, want := range map[int]string{1: "[1]", 2: "[1 2]", 6: "[1 2 4 6]", 8: "[1 2 4 8]"} {
		if got := fmt.Sprint(upToCPUs(n)); got != want {
			t.Errorf("upToCPUs(%d) = %s, want %s", n, got, want)
		}
	}
}
