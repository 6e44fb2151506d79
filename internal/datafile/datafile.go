// Package datafile reads the suite's small structured files (a saved
// collateral file, an event log, a kubeconfig) into a value: the file's
// bytes decoded by the format's Unmarshal, an error naming the file.
package datafile

import (
	"fmt"
	"os"
)

// Read decodes the file at path with unmarshal (json.Unmarshal, or a YAML
// decoder with its signature) into a new T. A file that cannot be read or
// decoded is an error naming path.
func Read[T any](path string, unmarshal func([]byte, any) error) (T, error) {
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		return v, err // *PathError: it names path
	}
	if err := unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
