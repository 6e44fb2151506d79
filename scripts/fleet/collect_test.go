package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"github.com/teebench/teebench/internal/logfile"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The fixture logs are built here in the exact marker format of
// internal/logfile around a real result file (results/…, a quick-profile run
// of this repository). They stand in for a captured `docker run` of the
// container image until that image exists; the entrypoint's `arm:` and
// `node:` config lines are prepended as it will write them.

// realResult is the repository's committed result file.
func realResult(t *testing.T) []byte {
	t.Helper()
	paths, err := filepath.Glob("../../results/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no committed result file under results/ (%v)", err)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// resultFor is the result file a pod of arm on node would print.
func resultFor(t *testing.T, arm, node string) []byte {
	return append([]byte("arm: "+arm+"\nnode: "+node+"\n"), realResult(t)...)
}

// markedLog wraps files in the container's log format, with the progress
// lines bench.sh writes to stderr around them (pod logs merge both). A file
// that is not newline-terminated text (a quote) travels base64-encoded in
// 76-column lines, its begin line saying ` encoding=base64`, as the
// container branch's internal/logfile writes it.
func markedLog(files ...logfile.File) []byte {
	var b bytes.Buffer
	b.WriteString("bench.sh: profile=report count=6 tags=none -> /results/pod-none-20261130T000000Z.txt\n[1/1] cpu_bench ...\n")
	for _, f := range files {
		if err := logfile.Write(&b, f.Name, f.Data); err != nil {
			panic(err)
		}
	}
	b.WriteString("entrypoint: done\n")
	return b.Bytes()
}

const skipsTSV = "# teebench skips v1\nskip\tgpu_bench\t-\tno GPU here\n"

func TestCollectSavedLogsByteForByte(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	quote, err := os.ReadFile("../../internal/attest/testdata/matching/result.txt.quote")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, p := range []struct{ arm, node string }{{"tdx", "n1"}, {"tdx", "n2"}, {"vm", "n1"}, {"vm", "n2"}} {
		name := "demo-" + p.arm + "-0-" + p.node + "-none-20261130T000000Z"
		res := logfile.File{Name: name + ".txt", Data: resultFor(t, p.arm, p.node)}
		skips := logfile.File{Name: name + ".skips.tsv", Data: []byte(skipsTSV)}
		want[filepath.Join(p.arm, res.Name)] = res.Data
		want[filepath.Join(p.arm, skips.Name)] = skips.Data
		files := []logfile.File{res, skips}
		if p.arm == "tdx" { // a binary quote, base64 in the log
			files = append(files, logfile.File{Name: res.Name + ".quote", Data: quote})
			want[filepath.Join(p.arm, res.Name+".quote")] = quote
		}
		if err := os.WriteFile(filepath.Join(logs, "demo-"+p.arm+"-"+p.node+".log"), markedLog(files...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"collect", "--logs", logs, "-o", out, "--report=false"}, &stdout, &stderr); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, stderr.String())
	}
	for rel, data := range want {
		got, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: rebuilt file differs from the original (%d vs %d bytes)", rel, len(got), len(data))
		}
	}
	if !strings.Contains(stdout.String(), "arm tdx: 2 result file(s)") || !strings.Contains(stdout.String(), "arm vm: 2 result file(s)") {
		t.Errorf("collect summary:\n%s", stdout.String())
	}
}

// With the report on, collect hands every file to scripts/report under its
// arm's label and the report comes out.
func TestCollectRendersReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds scripts/report")
	}
	dir := t.TempDir()
	var logs []string
	for _, p := range []struct{ arm, node string }{{"tdx", "n1"}, {"vm", "n1"}} {
		res := logfile.File{Name: "pod-" + p.arm + ".txt", Data: resultFor(t, p.arm, p.node)}
		l := filepath.Join(dir, p.arm+".log")
		if err := os.WriteFile(l, markedLog(res), 0o644); err != nil {
			t.Fatal(err)
		}
		logs = append(logs, "--logs", l)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"collect", "-o", out}, logs...), &stdout, &stderr); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, stderr.String())
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"tdx", "vm"} {
		if !bytes.Contains(md, []byte(label)) {
			t.Errorf("report.md never names arm %s", label)
		}
	}
}

// A log without markers (the pod died before printing) is reported by
// name; the other logs are still collected.
func TestCollectReportsBadLogs(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.log")
	bad := filepath.Join(dir, "bad.log")
	os.WriteFile(ok, markedLog(logfile.File{Name: "a.txt", Data: resultFor(t, "vm", "n1")}), 0o644)
	os.WriteFile(bad, []byte("panic: out of memory\n"), 0o644)
	noArm := filepath.Join(dir, "noarm.log")
	os.WriteFile(noArm, markedLog(logfile.File{Name: "b.txt", Data: realResult(t)}), 0o644)
	var stdout, stderr bytes.Buffer
	code := run([]string{"collect", "--logs", ok, "--logs", bad, "--logs", noArm, "-o", filepath.Join(dir, "out"), "--report=false"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "bad.log: no teebench-begin marker") || !strings.Contains(stderr.String(), "noarm.log: no valid arm") {
		t.Fatalf("exit %d, stderr %q; want 1 naming bad.log and noarm.log", code, stderr.String())
	}
	// Given an arm on the command line, the log without an arm: line is collected.
	stderr.Reset()
	if code := run([]string{"collect", "--logs", "base=" + noArm, "-o", filepath.Join(dir, "out"), "--report=false"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--logs base=%s: exit %d: %s", noArm, code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "base", "b.txt")); err != nil {
		t.Errorf("--logs arm=path: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "vm", "a.txt")); err != nil {
		t.Errorf("the good log was not collected: %v", err)
	}
}

// collect --run reads pods and logs through the Kubernetes API (a loopback
// TLS server speaking the API's paths), authenticated by the kubeconfig's
// bearer token and trusting its certificate authority.
func TestCollectFromAPI(t *testing.T) {
	const token = "s3cret-token"
	logs := map[string][]byte{
		"demo-tdx-0-abcde": markedLog(logfile.File{Name: "demo-tdx-0-abcde-tdx-20261130T000000Z.txt", Data: resultFor(t, "tdx", "n1")}),
		"demo-vm-0-fghij":  markedLog(logfile.File{Name: "demo-vm-0-fghij-none-20261130T000000Z.txt", Data: resultFor(t, "vm", "n1")}),
	}
	phase := corev1.PodSucceeded
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(metav1.Status{Message: "Unauthorized"})
			return
		}
		switch {
		case r.URL.Path == "/api/v1/namespaces/bench/pods":
			if sel := r.URL.Query().Get("labelSelector"); sel != labelRun+"=demo" {
				t.Errorf("labelSelector %q", sel)
			}
			var list corev1.PodList
			for name := range logs {
				arm := strings.Split(name, "-")[1]
				list.Items = append(list.Items, corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{labelRun: "demo", labelArm: arm}},
					Status:     corev1.PodStatus{Phase: phase},
				})
			}
			json.NewEncoder(w).Encode(list)
		case strings.HasPrefix(r.URL.Path, "/api/v1/namespaces/bench/pods/") && strings.HasSuffix(r.URL.Path, "/log"):
			if c := r.URL.Query().Get("container"); c != container {
				t.Errorf("log of container %q, want %q", c, container)
			}
			name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/namespaces/bench/pods/"), "/log")
			w.Write(logs[name])
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: test
contexts:
- name: test
  context: {cluster: c, user: u, namespace: bench}
clusters:
- name: c
  cluster: {server: %q, certificate-authority: ca.pem}
users:
- name: u
  user: {token: %q}
`, srv.URL, token)
	os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o644)
	os.WriteFile(filepath.Join(dir, "kubeconfig"), []byte(kc), 0o600)
	out := filepath.Join(dir, "out")
	args := []string{"collect", "--run", "demo", "--kubeconfig", filepath.Join(dir, "kubeconfig"), "-o", out, "--report=false"}

	phase = corev1.PodRunning
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "pods not finished yet") {
		t.Fatalf("running pods: exit %d, stderr %q; want 1 and the unfinished pods named", code, stderr.String())
	}
	phase = corev1.PodSucceeded
	stdout.Reset()
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("collect --run: exit %d: %s", code, stderr.String())
	}
	for name, log := range logs {
		arm := strings.Split(name, "-")[1]
		files, _ := logfile.Parse(log)
		got, err := os.ReadFile(filepath.Join(out, arm, files[0].Name))
		if err != nil || !bytes.Equal(got, files[0].Data) {
			t.Errorf("%s: rebuilt file missing or different: %v", name, err)
		}
		saved, err := os.ReadFile(filepath.Join(out, "logs", name+".log"))
		if err != nil || !bytes.Equal(saved, log) {
			t.Errorf("%s: saved log missing or different: %v", name, err)
		}
	}

	// A wrong token is refused with the API's message.
	os.WriteFile(filepath.Join(dir, "kubeconfig"), []byte(strings.Replace(kc, token, "wrong", 1)), 0o600)
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "401 Unauthorized") {
		t.Fatalf("wrong token: exit %d, stderr %q", code, stderr.String())
	}
}

// The committed capture of the container's entrypoint (see
// testdata/README.md) gives back the result file it wrote, byte for byte.
func TestCollectEntrypointCapture(t *testing.T) {
	want, err := os.ReadFile("testdata/entrypoint-capture.vm-none-20261130T044009Z.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"collect", "--logs", "vm=testdata/entrypoint-capture.log", "-o", out, "--report=false"}, &stdout, &stderr); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(filepath.Join(out, "vm", "vm-none-20261130T044009Z.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rebuilt result file (%d bytes) differs from the one the entrypoint wrote (%d bytes)", len(got), len(want))
	}
	if _, err := os.Stat(filepath.Join(out, "vm", "vm-none-20261130T044009Z.md")); err != nil {
		t.Errorf("the report printed after the result file was not rebuilt: %v", err)
	}
}
