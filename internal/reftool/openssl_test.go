package reftool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readOpenSSLFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "openssl", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseOpenSSLSpeed(t *testing.T) {
	for _, tc := range []struct {
		file string
		want map[int]float64
	}{
		{"speed-aead-b4096-s1.txt", map[int]float64{4096: 788623360.00}},
		{"speed-aead-b262144-s1.txt", map[int]float64{262144: 742827849.50}},
		{"speed-aead-usertime-b8192-s1.txt", map[int]float64{8192: 2225766400.00}},
		{"speed-evp-b8192-s1.txt", map[int]float64{8192: 1295374194.06}},
		{"speed-evp-default-sizes.txt", map[int]float64{16: 1246190.65, 64: 30313378.22, 256: 159580672.00,
			1024: 654386176.00, 8192: 1492508672.00, 16384: 1025916928.00}},
	} {
		got, err := ParseOpenSSLSpeed(readOpenSSLFixture(t, tc.file))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if got.Cipher != "AES-256-GCM" || len(got.BytesPerSec) != len(tc.want) {
			t.Errorf("%s: %+v", tc.file, got)
		}
		for size, v := range tc.want {
			if got.BytesPerSec[size] != v {
				t.Errorf("%s: %d bytes: %v B/s, want %v", tc.file, size, got.BytesPerSec[size], v)
			}
		}
	}
}

func TestParseOpenSSLSpeedErrors(t *testing.T) {
	for name, in := range map[string]string{
		"human-readable table": string(readOpenSSLFixture(t, "speed-evp-b8192-s1-human.txt")),
		"empty":                "",
		"rates without sizes":  "+F:25:AES-256-GCM:1.0\n",
		"rate count mismatch":  "+H:16:64\n+F:25:AES-256-GCM:1.0\n",
		"bad rate":             "+H:16\n+F:25:AES-256-GCM:fast\n",
		"zero rate":            "+H:16\n+F:25:AES-256-GCM:0.00\n",
		"bad size":             "+H:sixteen\n+F:25:AES-256-GCM:1.0\n",
		"two ciphers":          "+H:16\n+F:25:AES-256-GCM:1.0\n+F:26:AES-128-GCM:2.0\n",
	} {
		if res, err := ParseOpenSSLSpeed([]byte(in)); err == nil {
			t.Errorf("%s: parsed as %+v, want an error", name, res)
		}
	}
}

func TestOpenSSLArgs(t *testing.T) {
	got := OpenSSLSpeedArgs("aes-256-gcm", 8192, 3, true)
	want := []string{"speed", "-mr", "-seconds", "3", "-bytes", "8192", "-aead", "-evp", "aes-256-gcm"}
	if !slices.Equal(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
	if got := OpenSSLSpeedArgs("aes-256-gcm", 16, 1, false); slices.Contains(got, "-aead") {
		t.Errorf("args without aead = %q", got)
	}
	for v, want := range map[string]bool{
		string(readOpenSSLFixture(t, "version.txt")): true,
		"OpenSSL 1.1.1w  11 Sep 2023":                false,
		"LibreSSL 3.8.2":                             false,
		"OpenSSL 4.0.0 1 Apr 2026":                   true,
		"":                                           false,
	} {
		if got := OpenSSLHasAEAD([]byte(v)); got != want {
			t.Errorf("OpenSSLHasAEAD(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestOpenSSLSpeedReal runs the installed openssl for one second on 4 KiB
// buffers and parses what it prints (skipped without openssl).
func TestOpenSSLSpeedReal(t *testing.T) {
	path, err := OpenSSLLookup()
	if err != nil {
		if !errors.Is(err, ErrNotInstalled) {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ver, err := Run(ctx, path, "version")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(ctx, path, OpenSSLSpeedArgs("aes-256-gcm", 4096, 1, OpenSSLHasAEAD(ver))...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseOpenSSLSpeed(out)
	if err != nil {
		t.Fatalf("%s: %v", strings.TrimSpace(string(ver)), err)
	}
	if res.BytesPerSec[4096] <= 0 {
		t.Errorf("no 4096-byte rate in %+v", res)
	}
}
