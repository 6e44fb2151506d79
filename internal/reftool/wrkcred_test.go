package reftool

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// wrk against a loopback server that requires HTTP Basic credentials: the
// credentials from the URL reach the server (every answer 200, none 401),
// and wrk's command line (/proc/<pid>/cmdline, what ps shows every user)
// holds neither the password nor its base64 form while it runs.
func TestWrkCredentialsNotOnCommandLine(t *testing.T) {
	wrk, err := WrkLookup()
	if err != nil {
		t.Skip(err)
	}
	const user, pass = "alice", "s3cretPW"
	var ok, denied atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, has := r.BasicAuth(); !has || u != user || p != pass {
			denied.Add(1)
			w.Header().Set("WWW-Authenticate", `Basic realm="t"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		ok.Add(1)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://"+user+":"+pass+"@", 1)

	script, err := WrkScriptFile(t.TempDir(), url)
	if err != nil {
		t.Fatal(err)
	}
	args := WrkArgs(1, 2, time.Second, url, script)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := Run(ctx, wrk, args...)
		done <- result{out, err}
	}()

	// Read the command line of every process this test started while wrk
	// runs.
	secrets := []string{pass, "YWxpY2U6czNjcmV0UFc="} // base64("alice:s3cretPW")
	seen := 0
	var res result
poll:
	for {
		select {
		case res = <-done:
			break poll
		case <-time.After(20 * time.Millisecond):
		}
		for _, pid := range descendants(os.Getpid()) {
			cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if err != nil || !bytes.Contains(cmdline, []byte(script)) {
				continue
			}
			seen++
			for _, s := range secrets {
				if bytes.Contains(cmdline, []byte(s)) {
					t.Errorf("wrk's command line holds %q: %q", s, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
				}
			}
		}
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	if seen == 0 {
		t.Fatal("wrk's command line was never read while it ran")
	}
	r, err := ParseWrk(res.out)
	if err != nil {
		t.Fatal(err)
	}
	if ok.Load() == 0 || denied.Load() != 0 || r.Non2xx3xx != 0 {
		t.Errorf("server saw %d authorised and %d refused requests, wrk counted %d non-2xx; want all authorised", ok.Load(), denied.Load(), r.Non2xx3xx)
	}
	t.Logf("read wrk's command line %d times; %d authorised requests", seen, ok.Load())
}
