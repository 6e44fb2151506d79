package main

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// decodeJobs splits a YAML stream and decodes every document strictly into
// a batchv1.Job: an unknown or misspelt field is an error.
func decodeJobs(t *testing.T, data []byte) ([]batchv1.Job, error) {
	t.Helper()
	var jobs []batchv1.Job
	for _, doc := range strings.Split(string(data), "\n---\n") {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var j batchv1.Job
		if err := yaml.UnmarshalStrict([]byte(doc), &j); err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func render(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"render"}, args...), &out, &errb); code != 0 {
		t.Fatalf("fleet render %v: exit %d: %s", args, code, errb.String())
	}
	return out.Bytes()
}

// The acceptance case: 2 arms x 3 nodes, decoded strictly, matches the
// committed golden file and holds the properties the issue asks for.
func TestRenderTwoArmsThreeNodes(t *testing.T) {
	data := render(t, "--image", "ghcr.io/teebench/teebench:v1", "--nodes", "3",
		"--arm", "tdx=kata-qemu-tdx", "--arm", "vm=kata-qemu", "--run", "demo", "--namespace", "bench")
	golden, err := os.ReadFile("testdata/jobs-2x3.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, golden) {
		t.Errorf("render output differs from testdata/jobs-2x3.yaml (regenerate it if the change is intended):\n%s", data)
	}
	jobs, err := decodeJobs(t, data)
	if err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d Jobs, want 2", len(jobs))
	}
	for _, j := range jobs {
		s := j.Spec
		if j.APIVersion != "batch/v1" || j.Kind != "Job" {
			t.Errorf("%s: %s/%s, want batch/v1 Job", j.Name, j.APIVersion, j.Kind)
		}
		if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || *s.Completions != 3 || *s.Parallelism != 3 {
			t.Errorf("%s: not an Indexed Job of 3 completions in parallel: %+v", j.Name, s)
		}
		if s.ActiveDeadlineSeconds == nil || s.Template.Spec.ActiveDeadlineSeconds == nil {
			t.Errorf("%s: no activeDeadlineSeconds", j.Name)
		}
		aa := s.Template.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		if len(aa) != 1 || aa[0].TopologyKey != corev1.LabelHostname || aa[0].LabelSelector.MatchLabels[labelRun] != "demo" {
			t.Errorf("%s: anti-affinity is not one pod of the run per node: %+v", j.Name, aa)
		}
		if s.Template.Labels[labelRun] != "demo" {
			t.Errorf("%s: pod template lacks the run label its anti-affinity selects", j.Name)
		}
		for _, c := range s.Template.Spec.Containers {
			r := c.Resources
			if r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() || !reflect.DeepEqual(r.Requests, r.Limits) {
				t.Errorf("%s/%s: not Guaranteed QoS (requests %v, limits %v)", j.Name, c.Name, r.Requests, r.Limits)
			}
			var node *corev1.EnvVar
			for i := range c.Env {
				if c.Env[i].Name == envNode {
					node = &c.Env[i]
				}
			}
			if node == nil || node.ValueFrom == nil || node.ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
				t.Errorf("%s: %s is not spec.nodeName from the downward API", j.Name, envNode)
			}
		}
	}
	// The Jobs differ only in name, arm, runtimeClassName and the build tags
	// that follow from it.
	a, b := normalize(jobs[0]), normalize(jobs[1])
	if !reflect.DeepEqual(a, b) {
		ya, _ := yaml.Marshal(a)
		yb, _ := yaml.Marshal(b)
		t.Errorf("the Jobs differ in more than name, arm and runtimeClassName:\n%s\n---\n%s", ya, yb)
	}
	if v, ok := envValue(jobs[0].Spec.Template.Spec.Containers[0], "TAGS"); v != "tdx" {
		t.Errorf("tdx arm: TAGS=%q (set %v), want tdx", v, ok)
	}
	if v, ok := envValue(jobs[1].Spec.Template.Spec.Containers[0], "TAGS"); ok {
		t.Errorf("vm arm has TAGS=%q, want none", v)
	}
	if rc := *jobs[0].Spec.Template.Spec.RuntimeClassName + "," + *jobs[1].Spec.Template.Spec.RuntimeClassName; rc != "kata-qemu-tdx,kata-qemu" {
		t.Errorf("runtimeClassNames %s, want kata-qemu-tdx,kata-qemu", rc)
	}
}

// envValue returns a container's environment variable.
func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// normalize blanks what may differ between arms.
func normalize(j batchv1.Job) batchv1.Job {
	j = *j.DeepCopy()
	j.Name = ""
	delete(j.Labels, labelArm)
	delete(j.Spec.Template.Labels, labelArm)
	j.Spec.Template.Spec.RuntimeClassName = nil
	for i := range j.Spec.Template.Spec.Containers[0].Env {
		if e := &j.Spec.Template.Spec.Containers[0].Env[i]; e.Name == envArm {
			e.Value = ""
		}
	}
	j.Spec.Template.Spec.Containers[0].Env = slices.DeleteFunc(j.Spec.Template.Spec.Containers[0].Env, func(e corev1.EnvVar) bool { return e.Name == "TAGS" })
	return j
}

// The strict decode is a real check: a misspelt field fails it.
func TestStrictDecodeRejectsUnknownField(t *testing.T) {
	data := render(t, "--image", "img", "--nodes", "1", "--arm", "vm=kata-qemu", "--run", "x")
	bad := bytes.Replace(data, []byte("  completionMode:"), []byte("  completionMod:"), 1)
	if bytes.Equal(bad, data) {
		t.Fatal("completionMode not found in the output")
	}
	if _, err := decodeJobs(t, bad); err == nil || !strings.Contains(err.Error(), "completionMod") {
		t.Fatalf("strict decode of a misspelt field: err = %v, want an unknown field error", err)
	}
}

// A GPU arm asks for one GPU; runc arms mount the node's configfs; dstack
// mounts the guest agent socket. All decode strictly.
func TestRenderRuntimeMounts(t *testing.T) {
	data := render(t, "--image", "img", "--nodes", "2", "--run", "x",
		"--arm", "gpu=kata-qemu-nvidia-gpu-tdx", "--arm", "node=runc")
	jobs, err := decodeJobs(t, data)
	if err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	gpu := jobs[0].Spec.Template.Spec.Containers[0]
	if v, _ := envValue(gpu, "TAGS"); v != "gpu,tdx" {
		t.Errorf("GPU TDX arm: TAGS=%q, want gpu,tdx", v)
	}
	if q := gpu.Resources.Limits["nvidia.com/pgpu"]; q.Value() != 1 {
		t.Errorf("GPU arm: nvidia.com/pgpu limit %v, want 1", q.String())
	}
	if len(gpu.VolumeMounts) != 0 {
		t.Errorf("Kata arm mounts %v from the host; the TD's configfs is in the guest", gpu.VolumeMounts)
	}
	runc := jobs[1].Spec.Template.Spec
	if len(runc.Volumes) != 1 || runc.Volumes[0].HostPath.Path != "/sys/kernel/config" {
		t.Errorf("runc arm volumes %+v, want the node's /sys/kernel/config", runc.Volumes)
	}
	data = render(t, "--image", "img", "--nodes", "1", "--run", "x", "--arm", "d=runc", "--attest", "dstack")
	jobs, err = decodeJobs(t, data)
	if err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	if v := jobs[0].Spec.Template.Spec.Volumes; len(v) != 1 || v[0].HostPath.Path != "/var/run/dstack.sock" {
		t.Errorf("dstack volumes %+v, want /var/run/dstack.sock", v)
	}
}

// TestRenderSNPArms: a kata-qemu-snp arm runs with TAGS=snp (the pod must
// be an SEV-SNP guest and binds its evidence, through the guest's own
// configfs like a TD), the GPU one with gpu,snp; kata-qemu-sev (SEV
// without SNP) and a class that only contains the letters get no TEE tag.
func TestRenderSNPArms(t *testing.T) {
	data := render(t, "--image", "img", "--nodes", "2", "--run", "x",
		"--arm", "snp=kata-qemu-snp", "--arm", "h100=kata-qemu-nvidia-gpu-snp", "--arm", "sev=kata-qemu-sev",
		"--arm", "vm=kata-qemu-snpx")
	jobs, err := decodeJobs(t, data)
	if err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	want := []struct{ rc, tags string }{{"kata-qemu-snp", "snp"}, {"kata-qemu-nvidia-gpu-snp", "gpu,snp"}, {"kata-qemu-sev", ""}, {"kata-qemu-snpx", ""}}
	if len(jobs) != len(want) {
		t.Fatalf("%d jobs, want %d", len(jobs), len(want))
	}
	for i, w := range want {
		spec := jobs[i].Spec.Template.Spec
		c := spec.Containers[0]
		v, ok := envValue(c, "TAGS")
		if *spec.RuntimeClassName != w.rc || v != w.tags || ok != (w.tags != "") {
			t.Errorf("job %s: runtimeClass %s, TAGS=%q (set %v); want %s, %q", jobs[i].Name, *spec.RuntimeClassName, v, ok, w.rc, w.tags)
		}
		if m, _ := envValue(c, envMountConfigfs); m != "1" || len(c.VolumeMounts) != 0 {
			t.Errorf("job %s: %s=%q, mounts %v; want the guest's configfs mounted by the entrypoint", jobs[i].Name, envMountConfigfs, m, c.VolumeMounts)
		}
	}
}

func TestRenderBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nodes", "1", "--arm", "a=kata"}, "--image is required"},
		{[]string{"--image", "i", "--nodes", "0", "--arm", "a=kata"}, "--nodes 0"},
		{[]string{"--image", "i", "--nodes", "1"}, "at least one --arm"},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "tdx"}, `--arm "tdx"`},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "TDX=kata"}, `arm label "TDX"`},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "a=kata", "--arm", "a=runc"}, "given twice"},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "a=kata", "--cpu", "lots"}, `--cpu "lots"`},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "a=kata", "--profile", "huge"}, `--profile "huge"`},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "a=kata", "--attest", "tpm"}, `--attest "tpm"`},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "a=kata", "--tags", "b=tdx"}, `--tags "b=tdx"`},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "a=kata", "--tags", "a=tdx,snp"}, "tags tdx and snp name two TEEs"},
		{[]string{"--image", "i", "--nodes", "1", "--arm", "a=kata", "--tags", "a=sgx"}, `unknown tag "sgx"`},
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"render"}, tc.args...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("render %v: exit %d, stderr %q; want exit 2 naming %q", tc.args, code, errb.String(), tc.want)
		}
	}
}

var update = flag.Bool("update", false, "rewrite testdata/jobs-2x3.yaml")

func TestMain(m *testing.M) {
	flag.Parse()
	if *update {
		var out, errb bytes.Buffer
		if run([]string{"render", "--image", "ghcr.io/teebench/teebench:v1", "--nodes", "3",
			"--arm", "tdx=kata-qemu-tdx", "--arm", "vm=kata-qemu", "--run", "demo", "--namespace", "bench"}, &out, &errb) != 0 {
			panic(errb.String())
		}
		if err := os.WriteFile("testdata/jobs-2x3.yaml", out.Bytes(), 0o644); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
