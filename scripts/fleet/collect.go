package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/teebench/teebench/internal/logfile"
	"github.com/teebench/teebench/internal/report/cli"
)

// logSource is the log of one pod, from the API or from a saved file.
type logSource struct {
	Name string // pod name or file path, for messages
	Arm  string // the pod's arm label, or the arm given with --logs arm=path
	Data []byte
}

// collectOptions are the flags of `fleet collect`.
type collectOptions struct {
	Logs            []string
	Run, Namespace  string
	Kubeconfig      string
	Context         string
	Out             string
	Report          bool
	AllowUnfinished bool
}

func collectCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fleet collect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o collectOptions
	var logs multiFlag
	fs.Var(&logs, "logs", "`[arm=]path`: a saved pod log or a directory of *.log files, optionally with the arm of logs whose result file has no arm: line (repeat); instead of the Kubernetes API")
	fs.StringVar(&o.Run, "run", "", "run `id` given to render: its pods are read through the Kubernetes API")
	fs.StringVar(&o.Namespace, "n", "", "`namespace` of the run's pods (default: the kubeconfig context's)")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "kubeconfig `file` (default $KUBECONFIG, in-cluster, ~/.kube/config)")
	fs.StringVar(&o.Context, "context", "", "kubeconfig `context` (default the current one)")
	fs.StringVar(&o.Out, "o", "", "output `directory`: logs/, one directory of result files per arm, report.md (required)")
	fs.BoolVar(&o.Report, "report", true, "render report.md with scripts/report")
	fs.BoolVar(&o.AllowUnfinished, "allow-unfinished", false, "collect what finished pods printed and skip pods still pending or running")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Logs = logs
	switch {
	case fs.NArg() > 0:
		return usagef("collect: unexpected arguments %q", fs.Args())
	case o.Out == "":
		return usagef("collect: -o DIR is required")
	case (len(o.Logs) > 0) == (o.Run != ""):
		return usagef("collect: give either --logs (saved logs) or --run (Kubernetes API), not both or neither")
	}
	var srcs []logSource
	var err error
	if o.Run != "" {
		srcs, err = apiLogs(context.Background(), o, stderr)
	} else {
		srcs, err = savedLogs(o.Logs)
	}
	if err != nil {
		return err
	}
	arms, problems := rebuild(srcs, o.Out, stderr)
	for _, a := range arms {
		fmt.Fprintf(stdout, "arm %s: %d result file(s) in %s\n", a.Label, len(a.Results), filepath.Join(o.Out, a.Label))
	}
	if o.Report && len(arms) > 0 {
		md := filepath.Join(o.Out, "report.md")
		if err := renderReport(arms, md, stderr); err != nil {
			problems = append(problems, err)
		} else {
			fmt.Fprintf(stdout, "report: %s\n", md)
		}
	}
	if len(arms) == 0 {
		problems = append(problems, errors.New("no result file rebuilt from any log"))
	}
	return errors.Join(problems...)
}

// savedLogs reads log files, or the *.log files of directories, each
// argument optionally prefixed with its arm (arm=path).
func savedLogs(paths []string) ([]logSource, error) {
	var srcs []logSource
	for _, p := range paths {
		arm := ""
		if l, rest, ok := strings.Cut(p, "="); ok && dns1123.MatchString(l) {
			if _, err := os.Stat(p); err != nil { // a file literally named a=b wins
				arm, p = l, rest
			}
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("--logs: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			if files, err = filepath.Glob(filepath.Join(p, "*.log")); err != nil {
				return nil, fmt.Errorf("--logs %s: %w", p, err)
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("--logs %s: no *.log file in the directory", p)
			}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("--logs: %w", err)
			}
			srcs = append(srcs, logSource{Name: f, Arm: arm, Data: data})
		}
	}
	return srcs, nil
}

// apiLogs reads the logs of the run's pods through the Kubernetes API and
// saves each under OUT/logs/<pod>.log.
func apiLogs(ctx context.Context, o collectOptions, stderr io.Writer) ([]logSource, error) {
	c, err := newKubeClient(o.Kubeconfig, o.Context)
	if err != nil {
		return nil, err
	}
	ns := o.Namespace
	if ns == "" {
		ns = c.namespace
	}
	if ns == "" {
		ns = "default"
	}
	pods, err := c.pods(ctx, ns, labelRun+"="+o.Run)
	if err != nil {
		return nil, err
	}
	if len(pods) == 0 {
		return nil, fmt.Errorf("no pod labelled %s=%s in namespace %s", labelRun, o.Run, ns)
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	var unfinished []string
	var srcs []logSource
	logDir := filepath.Join(o.Out, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			unfinished = append(unfinished, p.Name+" ("+string(p.Status.Phase)+")")
			continue
		}
		data, err := c.podLog(ctx, ns, p.Name, container)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(logDir, p.Name+".log"), data, 0o644); err != nil {
			return nil, fmt.Errorf("saving the log of %s: %w", p.Name, err)
		}
		if p.Status.Phase == corev1.PodFailed {
			fmt.Fprintf(stderr, "collect: pod %s failed (%s); using what its log holds\n", p.Name, p.Status.Reason)
		}
		srcs = append(srcs, logSource{Name: p.Name, Arm: p.Labels[labelArm], Data: data})
	}
	if len(unfinished) > 0 {
		if !o.AllowUnfinished {
			return nil, fmt.Errorf("pods not finished yet: %s (wait, or pass --allow-unfinished)", strings.Join(unfinished, ", "))
		}
		fmt.Fprintf(stderr, "collect: skipping unfinished pods: %s\n", strings.Join(unfinished, ", "))
	}
	return srcs, nil
}

// collectedArm is one arm's rebuilt result files.
type collectedArm struct {
	Label   string
	Results []string // paths of the *.txt result files
}

// rebuild extracts the files of every log into OUT/<arm>/. A log's arm is
// the `arm:` config line of its result file (written by the entrypoint
// from TEEBENCH_ARM), else its pod's arm label or the --logs arm=. Problems with one log do
// not stop the others; they are returned.
func rebuild(srcs []logSource, out string, stderr io.Writer) ([]collectedArm, []error) {
	var problems []error
	var arms []collectedArm
	index := map[string]int{}
	for _, s := range srcs {
		files, err := logfile.Parse(s.Data)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", s.Name, err))
			continue
		}
		if len(files) == 0 {
			problems = append(problems, fmt.Errorf("%s: no teebench-begin marker in the log (did the run print its results?)", s.Name))
			continue
		}
		arm := s.Arm
		for _, f := range files {
			if strings.HasSuffix(f.Name, ".txt") {
				if v := configValue(f.Data, "arm"); v != "" {
					if arm != "" && arm != v {
						fmt.Fprintf(stderr, "collect: %s: its pod label or --logs says arm %s, %s says %s; using %s\n", s.Name, arm, f.Name, v, v)
					}
					arm = v
				}
			}
		}
		if arm == "" || !dns1123.MatchString(arm) {
			problems = append(problems, fmt.Errorf("%s: no valid arm (no `arm:` config line in its result file, no %s label, no --logs arm=path)", s.Name, labelArm))
			continue
		}
		dir := filepath.Join(out, arm)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", s.Name, err))
			continue
		}
		i, ok := index[arm]
		if !ok {
			i = len(arms)
			index[arm] = i
			arms = append(arms, collectedArm{Label: arm})
		}
		for _, f := range files {
			p := filepath.Join(dir, f.Name)
			if old, err := os.ReadFile(p); err == nil {
				if !bytes.Equal(old, f.Data) {
					problems = append(problems, fmt.Errorf("%s: %s already exists with other contents (two pods wrote the same file name?)", s.Name, p))
					continue
				}
			} else if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				problems = append(problems, fmt.Errorf("%s: %w", s.Name, err))
				continue
			}
			if strings.HasSuffix(f.Name, ".txt") {
				arms[i].Results = append(arms[i].Results, p)
			}
		}
	}
	for i := range arms {
		sort.Strings(arms[i].Results)
	}
	return arms, problems
}

// configValue returns the first `key: value` config line of a result file.
func configValue(data []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// reportArgs are scripts/report's arguments: one label=file per result
// file, so every file of an arm lands in that arm.
func reportArgs(arms []collectedArm, md string) []string {
	args := []string{"-o", md}
	for _, a := range arms {
		for _, r := range a.Results {
			args = append(args, a.Label+"="+r)
		}
	}
	return args
}

// renderReport renders the report of the arms with the report package
// (cli.Command, what scripts/report runs), in this process.
func renderReport(arms []collectedArm, md string, stderr io.Writer) error {
	if err := cli.Command(reportArgs(arms, md), stderr, stderr); err != nil {
		return fmt.Errorf("rendering the report: %w", err)
	}
	return nil
}
