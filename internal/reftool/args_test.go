package reftool

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teebench/teebench/internal/ioengine"
)

// ab and wrk get credentials from a URL the way each takes them (ab -A, a
// wrk header), never in the URL they are given.
func TestAbWrkArgs(t *testing.T) {
	const url = "http://user:s3cret@127.0.0.1:8080/prpc/Version?token=t"
	got := strings.Join(AbArgs(100, 4, true, url, "/tmp/p.csv"), " ")
	want := "-n 100 -c 4 -r -s 30 -k -e /tmp/p.csv -A user:s3cret http://127.0.0.1:8080/prpc/Version?token=t"
	if got != want {
		t.Errorf("AbArgs:\n got %s\nwant %s", got, want)
	}
	if got := strings.Join(AbArgs(10, 2, false, "http://h/", ""), " "); got != "-n 10 -c 2 -r -s 30 http://h/" {
		t.Errorf("AbArgs without keep-alive, csv and credentials: %s", got)
	}
	if AbCredentialNote(url) == "" || AbCredentialNote("http://h/") != "" {
		t.Errorf("AbCredentialNote: %q with credentials, %q without", AbCredentialNote(url), AbCredentialNote("http://h/"))
	}
	// wrk: the credentials go into the script file, never on the command line.
	got = strings.Join(WrkArgs(2, 50, 3*time.Second, url, "/tmp/s.lua"), " ")
	want = "-t 2 -c 50 -d 3s --timeout 30s --latency -s /tmp/s.lua http://127.0.0.1:8080/prpc/Version?token=t"
	if got != want {
		t.Errorf("WrkArgs:\n got %s\nwant %s", got, want)
	}
	p, err := WrkScriptFile(t.TempDir(), "http://h/")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != WrkScript {
		t.Errorf("WrkScriptFile wrote %q, %v", b, err)
	}
	p, err = WrkScriptFile(t.TempDir(), url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "wrk.headers[\"Authorization\"] = \"Basic dXNlcjpzM2NyZXQ=\"\n"+WrkScript {
		t.Errorf("WrkScriptFile with credentials wrote %q, %v", b, err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("script file mode: %v, %v; want 0600", fi.Mode(), err)
	}
}

// fio's options: ':' escaped in the file name, count-based runs split
// over the jobs without time_based.
func TestFioArgs(t *testing.T) {
	j := ioengine.Job{Name: "seq", RW: ioengine.Read, BlockSize: 1 << 20, IODepth: 16, NumJobs: 4, OffsetIncrement: 1 << 20,
		Size: 4 << 20, Runtime: time.Second}
	a := FioArgs(j, FioOptions{Path: "/d/a:b", NumberIOs: 10})
	for _, w := range []string{`--filename=/d/a\:b`, "--direct=0", "--io_size=3145728", "--lat_percentiles=1", "--numjobs=4", "--output-format=json"} {
		if !slices.Contains(a, w) {
			t.Errorf("%s missing from %v", w, a)
		}
	}
	if slices.Contains(a, "--time_based") {
		t.Errorf("count-based run is time-based: %v", a)
	}
	a = FioArgs(j, FioOptions{Path: "/d/f", Direct: true, GtodReduce: true})
	for _, w := range []string{"--direct=1", "--time_based", "--runtime=1000ms", "--gtod_reduce=1"} {
		if !slices.Contains(a, w) {
			t.Errorf("%s missing from %v", w, a)
		}
	}
}
