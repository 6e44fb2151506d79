package gateway

import (
	"bufio"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// childPrefix starts the one line a child process prints with its URLs and
// certificate.
const childPrefix = "teebench-gateway-child:"

// ServeChild runs a Target until in reaches EOF (the parent closed the pipe
// or died), after printing one line to out that StartChild reads. It is the
// body of the helper process that StartChild starts.
func ServeChild(in io.Reader, out io.Writer) error { return ServeChildWith(in, out, Options{}) }

// ServeChildWith is ServeChild with options for the Target.
func ServeChildWith(in io.Reader, out io.Writer, o Options) error {
	t, err := StartWith(o)
	if err != nil {
		return err
	}
	defer t.Close()
	cert := base64.StdEncoding.EncodeToString(t.cert)
	if _, err := fmt.Fprintf(out, "%s direct=%s proxy=%s handshake=%s cert=%s\n", childPrefix, t.DirectURL, t.ProxyURL, t.HandshakeAddr, cert); err != nil {
		return err
	}
	io.Copy(io.Discard, in)
	return nil
}

// Child is a Target running in a helper process, so that the load
// generator and the target do not share a Go scheduler, and a client in the
// benchmark process stands on the same footing as ab or wrk in theirs.
type Child struct {
	// DirectURL, ProxyURL, HandshakeAddr and CertPool are as in Target.
	DirectURL, ProxyURL, HandshakeAddr string
	CertPool                           *x509.CertPool

	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error

	closeOnce sync.Once
	closeErr  error
}

// StartChild starts cmd, which must end up calling ServeChild (for example
// the test binary re-executed with -test.run naming a helper test), and
// waits up to 10 s for its URLs. Close stops it.
func StartChild(cmd *exec.Cmd) (*Child, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("gateway: child stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		stdin.Close()
		return nil, fmt.Errorf("gateway: child stdout: %w", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("gateway: start child %s: %w", cmd.Path, err)
	}
	c := &Child{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		sent := false
		for sc.Scan() {
			if !sent && strings.HasPrefix(sc.Text(), childPrefix) {
				line <- sc.Text()
				sent = true
			}
		}
		close(line)
		c.done <- cmd.Wait()
	}()
	var l string
	select {
	case l = <-line:
	case <-time.After(10 * time.Second):
	}
	if l == "" {
		c.Close()
		return nil, fmt.Errorf("gateway: child %s printed no %q line within 10 s", cmd.Path, childPrefix)
	}
	for _, f := range strings.Fields(strings.TrimPrefix(l, childPrefix)) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "direct":
			c.DirectURL = v
		case "proxy":
			c.ProxyURL = v
		case "handshake":
			c.HandshakeAddr = v
		case "cert":
			der, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("gateway: child certificate: %w", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				c.Close()
				return nil, fmt.Errorf("gateway: child certificate: %w", err)
			}
			c.CertPool = x509.NewCertPool()
			c.CertPool.AddCert(cert)
		}
	}
	if c.DirectURL == "" || c.ProxyURL == "" || c.HandshakeAddr == "" || c.CertPool == nil {
		c.Close()
		return nil, fmt.Errorf("gateway: child line %q lacks direct, proxy, handshake or cert", l)
	}
	return c, nil
}

// Pid returns the child's process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// CPU returns the child's CPU time so far (user + system, all threads),
// from /proc/<pid>/stat at USER_HZ (10 ms) resolution.
func (c *Child) CPU() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("gateway: child CPU time: %w", err)
	}
	// fields after the ")" that closes the command name: state is field 3,
	// utime 14 and stime 15 (proc(5)).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if i < 0 || len(f) < 13 {
		return 0, errors.New("gateway: child CPU time: unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("gateway: child CPU time: unexpected /proc stat format")
	}
	const userHZ = 100 // the kernel's fixed user-space clock tick
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// Close stops the child: it closes its stdin, waits up to 5 s, then kills
// it. Later calls return the first call's result.
func (c *Child) Close() error {
	c.closeOnce.Do(func() {
		c.stdin.Close()
		select {
		case c.closeErr = <-c.done:
		case <-time.After(5 * time.Second):
			c.cmd.Process.Signal(syscall.SIGKILL)
			c.closeErr = <-c.done
		}
	})
	return c.closeErr
}
