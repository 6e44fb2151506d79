// Package cli is what the suite's commands (scripts/verify,
// scripts/fromlog ...) share in reading their command lines: a flag set
// that reports to the command's own stderr under its usage line, and one
// exit status for a bad command line.
package cli

import (
	"flag"
	"fmt"
	"io"
)

// ExitUsage is the exit status of a bad command line.
const ExitUsage = 2

// Flags returns the flag set of command name: its errors go to stderr, and
// -h or a bad flag prints usage (one or more lines) and then the flags.
func Flags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args with fs and reports whether the command may go on:
// false after a bad flag or -h (the flag package has printed why), and
// after printing the usage when fewer than minArgs arguments follow the
// flags.
func Parse(fs *flag.FlagSet, args []string, minArgs int) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	if fs.NArg() < minArgs {
		fs.Usage()
		return false
	}
	return true
}
