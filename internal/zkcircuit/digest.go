package zkcircuit

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"slices"
)

// source holds the Go source of every circuit definition in this package
// (TestDigestCoversSources keeps the list complete), so that Digest changes
// whenever a circuit changes, even in a prebuilt test binary.
//
//go:embed rsa.go sha256.go
var source embed.FS

// Digest returns the hex SHA-256 of the circuits' Go source (file names and
// contents, in name order). zk_bench keys its on-disk cache of compiled
// circuits and keys by it: editing a circuit invalidates its cache entries.
func Digest() string {
	h := sha256.New()
	names, _ := fs.Glob(source, "*.go") // a valid constant pattern cannot fail
	slices.Sort(names)
	for _, n := range names {
		b, _ := source.ReadFile(n) // embedded: cannot fail
		h.Write([]byte(n + "\x00"))
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
