// Package nginxtest starts a real nginx on loopback for the tests of the
// load generators and their parsers: the error-counting rules of client=go,
// client=ab and client=wrk are checked against the answers of the server
// the suite is most often pointed at, not only against Go test servers.
//
// Each Server is its own nginx process (daemon off, one process, no
// master) with its own configuration, prefix, logs and port in a temporary
// directory, stopped when the test ends. Start skips the test, with the
// reason, when nginx is not installed (Debian: apt-get install nginx-light).
package nginxtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The paths the server answers.
const (
	// LimitedPath is rate limited with limit_req (1 request/s, burst 5,
	// nodelay): after the first six requests nearly every answer is
	// nginx's 503 page, whose length differs from the 200's ("ok\n").
	LimitedPath = "/limited"
	// VaryingPath answers 200 with `conn $connection $request_id$connection_requests`:
	// every answer is good, but its length changes with the digits of the
	// connection number and of the request count on the connection.
	VaryingPath = "/varying"
	// OKPath answers 200 "ok\n" (a static file) without a limit.
	OKPath = "/ok"
)

// config is the server's nginx.conf; %[1]s is the prefix directory,
// %[2]d the port.
const config = `daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/plain;
  client_body_temp_path %[1]s/tmp;
  proxy_temp_path %[1]s/tmp;
  fastcgi_temp_path %[1]s/tmp;
  uwsgi_temp_path %[1]s/tmp;
  scgi_temp_path %[1]s/tmp;
  limit_req_zone $server_name zone=limited:1m rate=1r/s;
  server {
    listen 127.0.0.1:%[2]d;
    server_name teebench;
    root %[1]s/html;
    # limit_req runs in the preaccess phase, after "return" (rewrite
    # phase) would already have answered: the limited path serves a file.
    location = /limited { limit_req zone=limited burst=5 nodelay; try_files /ok =404; }
    location = /ok { }
    location = /varying { return 200 "conn $connection $request_id$connection_requests"; }
  }
}
`

// Server is a running nginx.
type Server struct {
	// URL is http://127.0.0.1:PORT, without a path.
	URL string
	cmd *exec.Cmd
	dir string
}

// Start starts nginx on a free loopback port and stops it when tb ends. It
// skips tb when nginx is not installed and fails it when nginx does not
// start (quoting its error log).
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := lookNginx()
	if err != nil {
		tb.Skipf("nginx is not installed (apt-get install nginx-light): %v", err)
	}
	var last error
	for range 3 { // a port taken between choosing and binding: try another
		s, err := start(tb, bin)
		if err == nil {
			return s
		}
		last = err
	}
	tb.Fatalf("nginxtest: %v", last)
	return nil
}

// lookNginx finds nginx on PATH or in /usr/sbin (not on a user's PATH on
// Debian).
func lookNginx() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", nil
	}
	return "", errors.New("no nginx on PATH or in /usr/sbin")
}

func start(tb testing.TB, bin string) (*Server, error) {
	dir := tb.TempDir()
	for _, d := range []string{"logs", "tmp", "html"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "html", "ok"), []byte("ok\n"), 0o644); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(config, dir, port)), 0o644); err != nil {
		return nil, err
	}
	logf := filepath.Join(dir, "logs", "error.log")
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-e", logf)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, dir: dir}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logf)
			return nil, fmt.Errorf("nginx exited (%v): %s %s", err, strings.TrimSpace(stderr.String()), strings.TrimSpace(string(log)))
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("nginx did not listen on %s within 10s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt) // SIGINT: nginx's fast shutdown
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	return s, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
