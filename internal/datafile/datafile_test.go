package datafile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"A": 3}`), 0o644)
	os.WriteFile(bad, []byte(`{"A": `), 0o644)
	type doc struct{ A int }
	if v, err := Read[doc](good, json.Unmarshal); err != nil || v.A != 3 {
		t.Errorf("Read(good) = %+v, %v", v, err)
	}
	for _, p := range []string{bad, filepath.Join(dir, "absent.json")} {
		if _, err := Read[doc](p, json.Unmarshal); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("Read(%s): %v, want an error naming the file", p, err)
		}
	}
}
