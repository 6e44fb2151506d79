//go:build !tdx

// Command attest binds a TDX quote to a result file; it needs -tags tdx
// (see main.go). Built without the tag it only says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "attest: build with -tags tdx (go run -tags tdx ./scripts/attest RESULT_FILE); without it there is no quote to bind")
	os.Exit(2)
}
