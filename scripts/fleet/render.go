package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/teebench/teebench/internal/runner"
)

// Labels and environment variables shared with collect and with the
// container's entrypoint.
const (
	labelName = "app.kubernetes.io/name"
	labelRun  = "teebench.dev/run"
	labelArm  = "teebench.dev/arm"
	container = "bench"
	// envArm and envNode are turned into the result file's `arm:` and
	// `node:` config lines by the container's entrypoint.
	envArm  = "TEEBENCH_ARM"
	envNode = "TEEBENCH_NODE"
	// envMountConfigfs asks the entrypoint to mount configfs at
	// /sys/kernel/config when configfs-tsm is absent (Kata: the TD's own
	// configfs lives in the guest, not on the host).
	envMountConfigfs = "TEEBENCH_MOUNT_CONFIGFS"
)

// arm is one side of the comparison: a label, the RuntimeClass its pods
// run under and the build tags of the binaries the entrypoint runs (TAGS).
type arm struct {
	Label, RuntimeClass, Tags string
}

// defaultTags are the build tags of an arm's RuntimeClass: gpu when it
// names a GPU, and a TEE's tag (runner.TEETags: tdx, snp) when one of the
// name's dash-separated words is that tag (kata-qemu-tdx, kata-qemu-snp,
// kata-qemu-nvidia-gpu-snp): the run must then be a guest of that TEE and
// binds its evidence. kata-qemu-sev (SEV without SNP) names no TEE the
// suite attests, and so gets no TEE tag.
func defaultTags(runtimeClass string) string {
	var t []string
	if isGPU(runtimeClass) {
		t = append(t, runner.GPUTag)
	}
	words := strings.Split(runtimeClass, "-")
	for _, tag := range runner.TEETags() {
		if slices.Contains(words, tag) {
			t = append(t, tag)
		}
	}
	return strings.Join(t, ",")
}

// renderOptions are the flags of `fleet render`.
type renderOptions struct {
	Image        string
	Nodes        int
	Arms         []arm
	Run          string
	Namespace    string
	CPU, Memory  string
	Deadline     time.Duration
	Profile      string
	Attest       string // configfs, dstack or none
	GPUResource  string
	NodeSelector map[string]string
	PullPolicy   string
}

// dns1123 is a Kubernetes object name segment (RFC 1123 label).
var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func renderCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fleet render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o renderOptions
	var arms, selectors, tags multiFlag
	fs.StringVar(&o.Image, "image", "", "container `image` of teebench (required)")
	fs.IntVar(&o.Nodes, "nodes", 0, "`number` of nodes: pods per arm, one per node (required)")
	fs.Var(&arms, "arm", "`label=runtimeClass`, e.g. tdx=kata-qemu-tdx (repeat; at least one)")
	fs.StringVar(&o.Run, "run", "", "run `id` (Job name prefix and label; default teebench-<UTC time>)")
	fs.StringVar(&o.Namespace, "namespace", "", "`namespace` of the Jobs (default: kubectl's)")
	fs.StringVar(&o.CPU, "cpu", "4", "CPU request = limit per pod (whole CPUs for the static CPU manager)")
	fs.StringVar(&o.Memory, "memory", "16Gi", "memory request = limit per pod")
	fs.DurationVar(&o.Deadline, "deadline", 6*time.Hour, "activeDeadlineSeconds of each pod (the Job gets it times the number of arms)")
	fs.StringVar(&o.Profile, "profile", "report", "TEEBENCH_PROFILE of the runs: smoke, quick or report")
	fs.StringVar(&o.Attest, "attest", "configfs", "how a TD pod reaches its evidence: configfs, dstack (guest agent socket) or none")
	fs.StringVar(&o.GPUResource, "gpu-resource", "nvidia.com/pgpu", "extended `resource` one GPU per pod of an arm whose runtimeClass names a GPU")
	fs.Var(&tags, "tags", "`label=tags`: build tags (TAGS) of an arm's run, overriding the default from its runtimeClass (a TEE's tag, tdx or snp, if a word of it is that tag; gpu if it names a GPU; repeat)")
	fs.Var(&selectors, "node-selector", "`key=value` every pod's node must carry (repeat)")
	fs.StringVar(&o.PullPolicy, "pull-policy", "IfNotPresent", "imagePullPolicy: Always, IfNotPresent or Never")
	out := fs.String("o", "", "write the YAML to `file` instead of stdout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("render: unexpected arguments %q", fs.Args())
	}
	for _, a := range arms {
		label, rc, ok := strings.Cut(a, "=")
		if !ok || label == "" || rc == "" {
			return usagef("render: --arm %q: want label=runtimeClass, e.g. tdx=kata-qemu-tdx", a)
		}
		o.Arms = append(o.Arms, arm{label, rc, defaultTags(rc)})
	}
	for _, tg := range tags {
		label, t, ok := strings.Cut(tg, "=")
		found := false
		for i := range o.Arms {
			if o.Arms[i].Label == label {
				o.Arms[i].Tags, found = t, true
			}
		}
		if !ok || !found {
			return usagef("render: --tags %q: want label=tags for an arm given with --arm", tg)
		}
		if _, err := runner.TEEOf(t); err != nil {
			return usagef("render: --tags %q: %v", tg, err)
		}
	}
	if len(selectors) > 0 {
		o.NodeSelector = map[string]string{}
		for _, s := range selectors {
			k, v, ok := strings.Cut(s, "=")
			if !ok || k == "" {
				return usagef("render: --node-selector %q: want key=value", s)
			}
			o.NodeSelector[k] = v
		}
	}
	if o.Run == "" {
		o.Run = "teebench-" + strings.ToLower(time.Now().UTC().Format("20060102t150405z"))
	}
	jobs, err := renderJobs(o)
	if err != nil {
		return usageError{err.Error()}
	}
	data, err := marshalJobs(jobs, o)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	return nil
}

// isKata reports whether a RuntimeClass runs pods in their own VM (Kata
// Containers): hostPath volumes then come from the host, not from the
// pod's guest, so the TD's configfs cannot be mounted from the pod spec.
func isKata(runtimeClass string) bool { return strings.HasPrefix(runtimeClass, "kata") }

// isGPU reports whether a RuntimeClass is one of the NVIDIA GPU runtimes.
func isGPU(runtimeClass string) bool { return strings.Contains(runtimeClass, "gpu") }

// renderJobs builds one Indexed Job per arm. Every Job has Nodes pods, at
// most one benchmark pod of the run per node at a time (required pod
// anti-affinity on the run label, across arms, so arms never disturb each
// other), Guaranteed QoS (requests = limits), a deadline per pod, and the
// arm and node in the environment for the entrypoint's config lines.
func renderJobs(o renderOptions) ([]*batchv1.Job, error) {
	switch {
	case o.Image == "":
		return nil, fmt.Errorf("render: --image is required")
	case o.Nodes < 1:
		return nil, fmt.Errorf("render: --nodes %d: want at least 1", o.Nodes)
	case len(o.Arms) == 0:
		return nil, fmt.Errorf("render: at least one --arm label=runtimeClass is required")
	case !dns1123.MatchString(o.Run) || len(o.Run) > 40:
		return nil, fmt.Errorf("render: --run %q: want a lower-case RFC 1123 name of at most 40 characters", o.Run)
	case o.Deadline < time.Minute:
		return nil, fmt.Errorf("render: --deadline %v: want at least 1m", o.Deadline)
	}
	switch o.Profile {
	case "smoke", "quick", "report":
	default:
		return nil, fmt.Errorf("render: --profile %q: want smoke, quick or report", o.Profile)
	}
	switch o.Attest {
	case "configfs", "dstack", "none":
	default:
		return nil, fmt.Errorf("render: --attest %q: want configfs, dstack or none", o.Attest)
	}
	switch corev1.PullPolicy(o.PullPolicy) {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return nil, fmt.Errorf("render: --pull-policy %q: want Always, IfNotPresent or Never", o.PullPolicy)
	}
	cpu, err := resource.ParseQuantity(o.CPU)
	if err != nil || cpu.Sign() <= 0 {
		return nil, fmt.Errorf("render: --cpu %q: want a positive quantity such as 4", o.CPU)
	}
	mem, err := resource.ParseQuantity(o.Memory)
	if err != nil || mem.Sign() <= 0 {
		return nil, fmt.Errorf("render: --memory %q: want a positive quantity such as 16Gi", o.Memory)
	}
	seen := map[string]bool{}
	var jobs []*batchv1.Job
	for _, a := range o.Arms {
		if !dns1123.MatchString(a.Label) || len(a.Label) > 20 {
			return nil, fmt.Errorf("render: arm label %q: want a lower-case RFC 1123 name of at most 20 characters", a.Label)
		}
		if !dns1123.MatchString(a.RuntimeClass) {
			return nil, fmt.Errorf("render: arm %s: runtimeClass %q is not a valid RuntimeClass name", a.Label, a.RuntimeClass)
		}
		if seen[a.Label] {
			return nil, fmt.Errorf("render: arm %q given twice", a.Label)
		}
		seen[a.Label] = true
		jobs = append(jobs, job(o, a, cpu, mem))
	}
	return jobs, nil
}

// job is the Indexed Job of one arm.
func job(o renderOptions, a arm, cpu, mem resource.Quantity) *batchv1.Job {
	n := int32(o.Nodes)
	podDeadline := int64(o.Deadline / time.Second)
	// Pods of different arms queue for the same nodes (anti-affinity across
	// the run), so a Job may wait for the other arms' pods first.
	jobDeadline := podDeadline * int64(len(o.Arms))
	labels := map[string]string{labelName: "teebench", labelRun: o.Run, labelArm: a.Label}
	res := corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}
	if isGPU(a.RuntimeClass) && o.GPUResource != "" {
		res[corev1.ResourceName(o.GPUResource)] = resource.MustParse("1")
	}
	env := []corev1.EnvVar{
		{Name: envArm, Value: a.Label},
		{Name: envNode, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		{Name: "TEEBENCH_PROFILE", Value: o.Profile},
	}
	if a.Tags != "" {
		env = append(env, corev1.EnvVar{Name: "TAGS", Value: a.Tags})
	}
	var mounts []corev1.VolumeMount
	var volumes []corev1.Volume
	var sec *corev1.SecurityContext
	switch o.Attest {
	case "configfs":
		if isKata(a.RuntimeClass) {
			// The TD is the pod's own VM: its configfs is in the guest
			// kernel. The entrypoint mounts it (CAP_SYS_ADMIN inside the
			// guest only); a hostPath would be the host's configfs.
			env = append(env, corev1.EnvVar{Name: envMountConfigfs, Value: "1"})
			sec = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}}}
		} else {
			// runc on a node that is itself a TD: the node's configfs.
			volumes = append(volumes, hostPathVolume("configfs", "/sys/kernel/config", corev1.HostPathDirectory))
			mounts = append(mounts, corev1.VolumeMount{Name: "configfs", MountPath: "/sys/kernel/config"})
		}
	case "dstack":
		volumes = append(volumes, hostPathVolume("dstack-sock", "/var/run/dstack.sock", corev1.HostPathSocket))
		mounts = append(mounts, corev1.VolumeMount{Name: "dstack-sock", MountPath: "/var/run/dstack.sock"})
	}
	rc := a.RuntimeClass
	return &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      o.Run + "-" + a.Label,
			Namespace: o.Namespace,
			Labels:    labels,
		},
		Spec: batchv1.JobSpec{
			CompletionMode:        ptr(batchv1.IndexedCompletion),
			Completions:           &n,
			Parallelism:           &n,
			BackoffLimitPerIndex:  ptr(int32(0)), // a failed benchmark pod is a result, not retried
			ActiveDeadlineSeconds: &jobDeadline,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RuntimeClassName:      &rc,
					RestartPolicy:         corev1.RestartPolicyNever,
					ActiveDeadlineSeconds: &podDeadline,
					NodeSelector:          o.NodeSelector,
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
							LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelRun: o.Run}},
							TopologyKey:   corev1.LabelHostname,
						}},
					}},
					Volumes: volumes,
					Containers: []corev1.Container{{
						Name:            container,
						Image:           o.Image,
						ImagePullPolicy: corev1.PullPolicy(o.PullPolicy),
						Env:             env,
						Resources:       corev1.ResourceRequirements{Requests: res, Limits: res.DeepCopy()},
						VolumeMounts:    mounts,
						SecurityContext: sec,
					}},
				},
			},
		},
	}
}

func hostPathVolume(name, path string, t corev1.HostPathType) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &t}}}
}

func ptr[T any](v T) *T { return &v }

// marshalJobs writes the Jobs as one YAML stream, a comment header first.
func marshalJobs(jobs []*batchv1.Job, o renderOptions) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# teebench fleet run %s: %d arm(s) x %d node(s), profile %s.\n", o.Run, len(jobs), o.Nodes, o.Profile)
	fmt.Fprintf(&b, "# kubectl apply -f FILE; then: go run ./scripts/fleet collect --run %s", o.Run)
	if o.Namespace != "" {
		fmt.Fprintf(&b, " -n %s", o.Namespace)
	}
	b.WriteString("\n")
	for _, j := range jobs {
		data, err := yaml.Marshal(j)
		if err != nil {
			return nil, fmt.Errorf("encoding Job %s: %w", j.Name, err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}
