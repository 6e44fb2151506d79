// Command fleet runs teebench on a Kubernetes fleet of Confidential
// Containers nodes and gathers the results.
//
//	go run ./scripts/fleet render --image IMG --nodes 3 --arm tdx=kata-qemu-tdx --arm vm=kata-qemu > jobs.yaml
//	kubectl apply -f jobs.yaml
//	go run ./scripts/fleet collect --run RUN -n NAMESPACE -o fleet-out    # from the Kubernetes API
//	go run ./scripts/fleet collect --logs saved-logs/ -o fleet-out        # from saved pod logs
//
// render writes one Indexed Job per arm; the Jobs differ only in their
// name, their arm and runtimeClassName (and what follows from it: the build
// tags TAGS, and one GPU for a GPU arm). collect rebuilds the result files from the pods' logs (the
// container prints each result file between marker lines), groups them by
// arm and renders the report with the report package (in this process).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage: go run ./scripts/fleet render|collect [flags]
  render   write the Indexed Jobs of one fleet run (YAML) to stdout or -o
  collect  rebuild result files from pod logs and render the report
run "go run ./scripts/fleet render -h" for a subcommand's flags
`

// run is the command with its arguments and output streams; it returns the
// exit status: 0 done, 1 failed, 2 usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "render":
		err = renderCommand(args[1:], stdout, stderr)
	case "collect":
		err = collectCommand(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "fleet: unknown subcommand %q\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintln(stderr, "fleet:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "fleet:", err)
		return 1
	}
}

// usageError is a bad command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
