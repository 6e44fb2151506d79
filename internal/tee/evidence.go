package tee

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
)

// WriteEvidence writes ev's files next to resultPath (resultPath+suffix).
// It never overwrites a file that exists, and removes what it wrote when any
// write fails. It returns the paths written.
func WriteEvidence(resultPath string, ev Evidence) ([]string, error) {
	suffixes := make([]string, 0, len(ev.Files))
	for s := range ev.Files {
		suffixes = append(suffixes, s)
	}
	sort.Strings(suffixes)
	var written []string
	for _, s := range suffixes {
		path := resultPath + s
		if err := WriteNew(path, ev.Files[s]); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			return nil, err
		}
		written = append(written, path)
	}
	return written, nil
}

// ReadEvidence reads k's side files of resultPath (Suffixes, and the
// optional ones that exist: SideSuffixes). It returns ok false and no
// error when none of Suffixes exists (no evidence), and an error naming the
// missing file when only some exist.
func ReadEvidence(resultPath string, k Kind) (ev Evidence, ok bool, err error) {
	ev = Evidence{TEE: k.Name(), Files: map[string][]byte{}}
	var missing []string
	for _, s := range k.Suffixes() {
		b, err := os.ReadFile(resultPath + s)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, resultPath+s)
			continue
		}
		if err != nil {
			return Evidence{}, false, fmt.Errorf("tee: %s evidence: %w", k.Title(), err)
		}
		ev.Files[s] = b
	}
	switch {
	case len(ev.Files) == 0:
		return Evidence{}, false, nil
	case len(missing) > 0:
		return Evidence{}, false, fmt.Errorf("tee: %s evidence of %s is incomplete: %s is missing", k.Title(), resultPath, missing[0])
	}
	for _, s := range SideSuffixes(k)[len(k.Suffixes()):] {
		b, err := os.ReadFile(resultPath + s)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Evidence{}, false, fmt.Errorf("tee: %s evidence: %w", k.Title(), err)
		}
		ev.Files[s] = b
	}
	return ev, true, nil
}

// WriteNew writes data to a file that must not exist yet (O_EXCL), and
// removes what it created if the write fails. Every evidence side file is
// written through it.
func WriteNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("tee: %s already exists; not overwriting it", path)
	}
	if err != nil {
		return fmt.Errorf("tee: %w", err)
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(path)
		return fmt.Errorf("tee: write %s: %w", path, err)
	}
	return nil
}
