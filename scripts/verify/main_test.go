package main

import (
	"bytes"
	"os"
	"path/filepath"
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
		{[]string{"-roots", roots, fixtures + "matching/result.txt"}, 1, "-allow-test-root accepts it"},
		{[]string{"-roots", roots, "-allow-test-root", fixtures + "matching/result.txt"}, 0, "verdict:         SIGNED AND BOUND, BUT NO POLICY"},
		{[]string{"-roots", roots, "-allow-test-root", fixtures + "bound/result.txt"}, 0, "which binds the file and 1 side file(s): result.skips.tsv"},
		{[]string{"-roots", roots, "-allow-test-root", fixtures + "tampered/result.txt"}, 1, "report data does not match SHA-512 of the file"},
		{[]string{"-roots", roots, "-allow-test-root", fixtures + "debug/result.txt"}, 1, "debug TD"},
		{[]string{"-roots", roots, "-allow-test-root", "-allow-debug", fixtures + "debug/result.txt"}, 0, "debug TD accepted"},
		{[]string{"-allow-test-root", fixtures + "matching/result.txt"}, 2, "-allow-test-root without -roots"},
		{[]string{"-policy", fixtures + "no-such.json", fixtures + "matching/result.txt"}, 2, "policy"},
		{[]string{fixtures + "matching/result.txt"}, 1, "signed by unknown authority"},
		{[]string{"-at", "2026-01-01T00:00:00Z", fixtures + "intel-sample/result.txt"}, 1, "check signature: ok"},
		{[]string{"-roots", roots, "-allow-test-root", fixtures + "matching/result.txt", fixtures + "tampered/result.txt"}, 1, "NOT VERIFIED"},
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

// TestPolicy is the acceptance sequence of issue 28: -print-policy's output
// makes the verdict VERIFIED; the same policy with one MRTD digit changed
// fails naming MRTD, expected and got.
func TestPolicy(t *testing.T) {
	roots := fixtures + "test-roots.pem"
	res := fixtures + "matching/result.txt"
	var pol, errb bytes.Buffer
	if code := run([]string{"-roots", roots, "-allow-test-root", "-print-policy", res}, &pol, &errb); code != 0 {
		t.Fatalf("-print-policy: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{`"mrtd": "6363b804`, `"rtmr1":`, `"rtmr2":`, `"min_tee_tcb_svn":`, `"td_attributes":`} {
		if !strings.Contains(pol.String(), want) {
			t.Errorf("policy lacks %s:\n%s", want, pol.String())
		}
	}
	if strings.Contains(pol.String(), `"rtmr3"`) || strings.Contains(pol.String(), `"rtmr0"`) {
		t.Errorf("policy pins RTMR0 or RTMR3 without -pin-all-rtmrs:\n%s", pol.String())
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "p.json")
	os.WriteFile(p, pol.Bytes(), 0o644)
	var out bytes.Buffer
	if code := run([]string{"-roots", roots, "-allow-test-root", "-policy", p, res}, &out, &out); code != 0 || !strings.Contains(out.String(), "verdict:         VERIFIED against policy") {
		t.Errorf("with its own policy: exit %d\n%s", code, out.String())
	}
	// Without -allow-test-root the policy does not help.
	out.Reset()
	if code := run([]string{"-roots", roots, "-policy", p, res}, &out, &out); code != 1 {
		t.Errorf("policy without -allow-test-root: exit %d", code)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, bytes.Replace(pol.Bytes(), []byte(`"mrtd": "6`), []byte(`"mrtd": "7`), 1), 0o644)
	out.Reset()
	want := "MRTD: expected 7363b804"
	if code := run([]string{"-roots", roots, "-allow-test-root", "-policy", bad, res}, &out, &out); code != 1 || !strings.Contains(out.String(), want) ||
		!strings.Contains(out.String(), "got 6363b804") {
		t.Errorf("changed MRTD: exit %d, want 1 naming %q:\n%s", code, want, out.String())
	}
}

// TestAttack7TestRoot: -roots (a test chain) used to print "verdict:
// VERIFIED" and exit 0. Now it exits 1 naming the test root unless
// -allow-test-root is given, and then the verdict still names it.
func TestAttack7TestRoot(t *testing.T) {
	roots := fixtures + "test-roots.pem"
	var out bytes.Buffer
	if code := run([]string{"-roots", roots, fixtures + "matching/result.txt"}, &out, &out); code != 1 ||
		!strings.Contains(out.String(), "verdict:         NOT VERIFIED: checked against a test root") || !strings.Contains(out.String(), roots) {
		t.Errorf("exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"-roots", roots, "-allow-test-root", fixtures + "matching/result.txt"}, &out, &out); code != 0 ||
		!strings.Contains(out.String(), "under the TEST root "+roots) {
		t.Errorf("-allow-test-root: exit %d\n%s", code, out.String())
	}
}
