// Command manifest prints this machine's environment manifest, the same
// `key: value` lines every benchmark package prints before its results
// (internal/benchenv). With -key it prints one value; scripts/bench.sh uses
// `-key tee` to name the result file.
//
// Built with a TEE's tag (-tags tdx, -tags snp: internal/tee) it fails on a
// machine that is not a guest of that TEE, as the benchmark packages do, and
// adds the guest's identity lines (tdx-mrtd, snp-measurement, ...).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/teebench/teebench/internal/benchenv"
)

func main() {
	key := flag.String("key", "", "print only the value of this manifest key")
	flag.Parse()
	m, err := benchenv.Full()
	if err != nil {
		fmt.Fprintln(os.Stderr, "manifest:", err)
		os.Exit(3)
	}
	if *key != "" {
		v := m.Get(*key)
		if v == "" {
			fmt.Fprintf(os.Stderr, "manifest: no value for key %q on this machine\n", *key)
			os.Exit(1)
		}
		fmt.Println(v)
		return
	}
	m.WriteTo(os.Stdout)
}
