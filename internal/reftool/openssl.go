package reftool

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// OpenSSLLookup finds the openssl command-line program. The error wraps
// ErrNotInstalled when it is not on PATH.
func OpenSSLLookup() (string, error) {
	return Lookup("OpenSSL", "openssl")
}

// OpenSSLHasAEAD reports whether the `openssl version` line names an
// OpenSSL whose speed command has -aead (added in OpenSSL 3.0; LibreSSL
// and OpenSSL 1.x lack it).
func OpenSSLHasAEAD(version []byte) bool {
	f := strings.Fields(string(version))
	if len(f) < 2 || f[0] != "OpenSSL" {
		return false
	}
	major, _, _ := strings.Cut(f[1], ".")
	n, err := strconv.Atoi(major)
	return err == nil && n >= 3
}

// OpenSSLSpeedArgs returns the arguments of one single-process
// `openssl speed` run of cipher (an EVP name, e.g. "aes-256-gcm") on
// buffers of size bytes for seconds seconds, with machine-readable output
// (-mr). The rate is openssl's default: bytes per second of the process's
// user CPU time, which on a shared machine does not count the time the
// process waited for a CPU (-elapsed would). aead adds -aead: every buffer
// is one AEAD message with its own IV, 13 bytes of associated data and a
// tag, as cipher.AEAD.Seal does; without it openssl only streams the
// buffers through one running GCM context (no IV or tag per buffer).
func OpenSSLSpeedArgs(cipher string, size, seconds int, aead bool) []string {
	args := []string{"speed", "-mr", "-seconds", strconv.Itoa(seconds), "-bytes", strconv.Itoa(size)}
	if aead {
		args = append(args, "-aead")
	}
	return append(args, "-evp", cipher)
}

// OpenSSLSpeed is one parsed `openssl speed -mr` result for one cipher.
type OpenSSLSpeed struct {
	// Cipher is the name openssl prints, e.g. "AES-256-GCM".
	Cipher string
	// BytesPerSec maps each buffer size to its rate in bytes per second,
	// as the +F: line gives it (-mr prints bytes, not the 1000s of bytes
	// of the human-readable table).
	BytesPerSec map[int]float64
}

// ParseOpenSSLSpeed parses the standard output of `openssl speed -mr` for
// a cipher: the "+H:<size>:<size>..." line of buffer sizes and the
// "+F:<n>:<name>:<rate>:<rate>..." line of rates. The +DT and +R lines go
// to standard error and are not needed.
func ParseOpenSSLSpeed(out []byte) (*OpenSSLSpeed, error) {
	var sizes []int
	var res *OpenSSLSpeed
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "+H:"):
			sizes = sizes[:0]
			for _, s := range strings.Split(line[3:], ":") {
				n, err := strconv.Atoi(s)
				if err != nil || n <= 0 {
					return nil, fmt.Errorf("openssl speed: bad size %q in %q", s, line)
				}
				sizes = append(sizes, n)
			}
		case strings.HasPrefix(line, "+F:"):
			f := strings.Split(line, ":")
			if len(sizes) == 0 {
				return nil, fmt.Errorf("openssl speed: %q before any +H: line", line)
			}
			if len(f) != 3+len(sizes) {
				return nil, fmt.Errorf("openssl speed: %q has %d rates for %d sizes", line, len(f)-3, len(sizes))
			}
			if res != nil {
				return nil, fmt.Errorf("openssl speed: more than one cipher (%s, %s); run one at a time", res.Cipher, f[2])
			}
			res = &OpenSSLSpeed{Cipher: f[2], BytesPerSec: map[int]float64{}}
			for i, s := range f[3:] {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || v <= 0 {
					return nil, fmt.Errorf("openssl speed: bad rate %q for %d bytes in %q", s, sizes[i], line)
				}
				res.BytesPerSec[sizes[i]] = v
			}
		}
	}
	if res == nil {
		return nil, fmt.Errorf("openssl speed: no +F: result line (was -mr given?) in %d bytes of output", len(out))
	}
	return res, nil
}
