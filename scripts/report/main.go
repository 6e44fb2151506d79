// Command report renders the teebench report from Go benchmark result
// files. It is a thin main around internal/report/cli's Command:
//
//	go run ./scripts/report [-o report.md] baseline.txt tee.txt [more.txt ...]
//	go run ./scripts/report -format json baseline.txt tee.txt
//	go run ./scripts/report -pr [-threshold 5%] [-fail-on-regression] base.txt head.txt
//
// It exits 1 on an error, including a significant regression over the
// threshold under -pr -fail-on-regression.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/teebench/teebench/internal/report/cli"
)

func main() {
	if err := cli.Command(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}
