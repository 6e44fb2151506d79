package main

import (
	"bytes"
	"strings"
	"testing"
)

const fixtures = "../../internal/attest/testdata/"

// TestRun runs the command on internal/attest's fixtures and checks the exit
// status scripts and CI rely on: 0 verified, 1 a check failed, 2 usage.
func TestRun(t *testing.T) {
	roots := fixtures + "test-roots.pem"
	for _, c := range []struct {
		args []string
		code int
		out  string // in stdout+stderr
	}{
		{[]string{"-roots", roots, fixtures + "matching/result.txt"}, 0, "verdict:         VERIFIED"},
		{[]string{"-roots", roots, fixtures + "tampered/result.txt"}, 1, "report data does not match SHA-512 of the file"},
		{[]string{"-roots", roots, fixtures + "debug/result.txt"}, 1, "debug TD"},
		{[]string{"-roots", roots, "-allow-debug", fixtures + "debug/result.txt"}, 0, "debug TD accepted"},
		{[]string{fixtures + "matching/result.txt"}, 1, "signed by unknown authority"},
		{[]string{"-at", "2026-01-01T00:00:00Z", fixtures + "intel-sample/result.txt"}, 1, "check signature: ok"},
		{[]string{"-roots", roots, fixtures + "matching/result.txt", fixtures + "tampered/result.txt"}, 1, "NOT VERIFIED"},
		{[]string{fixtures + "no-such/result.txt"}, 1, "result file"},
		{[]string{"-at", "yesterday", fixtures + "matching/result.txt"}, 2, "want RFC 3339"},
		{[]string{"-roots", fixtures + "matching/result.txt", fixtures + "matching/result.txt"}, 2, "no PEM certificate"},
		{nil, 2, "usage"},
	} {
		var out bytes.Buffer
		if code := run(c.args, &out, &out); code != c.code || !strings.Contains(out.String(), c.out) {
			t.Errorf("verify %v: exit %d, want %d with %q in:\n%s", c.args, code, c.code, c.out, out.String())
		}
	}
}
