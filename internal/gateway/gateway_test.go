package gateway

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDirectAndProxy(t *testing.T) {
	g, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	verified := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: g.CertPool}}, Timeout: 5 * time.Second}
	for _, u := range []string{g.DirectURL, g.ProxyURL} {
		resp, err := verified.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != VersionBody || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q %q", u, resp.StatusCode, body, resp.Header.Get("Content-Type"))
		}
		resp, err = verified.Get(strings.Replace(u, VersionPath, "/other", 1))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s /other: status %d, want 404", u, resp.StatusCode)
		}
	}
	// a client that does not trust the self-signed certificate fails
	if _, err := http.Get(g.ProxyURL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unverified GET: %v, want a certificate error", err)
	}
	verified.CloseIdleConnections()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{g.DirectURL, g.ProxyURL} {
		host := strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
		host = strings.TrimSuffix(host, VersionPath)
		if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Close", host)
		}
	}
}

// TestHelperChild is the body of the child process of TestStartChild.
func TestHelperChild(t *testing.T) {
	if os.Getenv("GATEWAY_TEST_CHILD") != "1" {
		t.Skip("helper process for TestStartChild")
	}
	if err := ServeChild(os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func TestStartChild(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHelperChild$")
	cmd.Env = append(os.Environ(), "GATEWAY_TEST_CHILD=1")
	c, err := StartChild(cmd)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: c.CertPool}}, Timeout: 5 * time.Second}
	for _, u := range []string{c.DirectURL, c.ProxyURL} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != VersionBody {
			t.Errorf("%s: body %q", u, body)
		}
	}
	if _, err := c.CPU(); err != nil {
		t.Error(err)
	}
	client.CloseIdleConnections()
	if err := c.Close(); err != nil {
		t.Fatalf("child exit: %v", err)
	}
	if err := cmd.Process.Signal(syscall.Signal(0)); err == nil {
		t.Error("child still running after Close")
	}
	// a command that never prints the line fails with a clear error
	if _, err := StartChild(exec.Command("true")); err == nil || !strings.Contains(err.Error(), "printed no") {
		t.Errorf("StartChild(true) = %v", err)
	}
}
