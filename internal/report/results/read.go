package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/teebench/teebench/internal/benchname"
	"github.com/teebench/teebench/internal/tee"
)

// Input is one result file named on the command line, with the label of its
// arm when the argument had the form label=path.
type Input struct {
	// Label names the arm explicitly; "" groups the file's results by their
	// `tee:` config value.
	Label string
	// Path is the file's path, shown in errors and used to find its evidence.
	Path string
}

// ParseInputs turns command-line arguments into Inputs. An argument of the
// form label=path (label without '/' and the file not existing under the
// whole argument) names its arm. The path may be a file, a glob
// ("runs/tdx-*.txt") or a directory (every *.txt in it, sorted); a glob or
// directory that names no result file is an error.
func ParseInputs(args []string) ([]Input, error) {
	if len(args) == 0 {
		return nil, errors.New("no result files given")
	}
	var in []Input
	for _, a := range args {
		if a == "" {
			return nil, errors.New("empty file argument")
		}
		label, path := "", a
		if l, p, ok := strings.Cut(a, "="); ok && l != "" && !strings.Contains(l, "/") {
			if _, err := os.Stat(a); err != nil { // a file literally named a=b wins
				if p == "" {
					return nil, fmt.Errorf("argument %q: empty path after label", a)
				}
				label, path = l, p
			}
		}
		paths, err := expandPath(path)
		if err != nil {
			return nil, fmt.Errorf("argument %q: %w", a, err)
		}
		for _, p := range paths {
			in = append(in, Input{Label: label, Path: p})
		}
	}
	return in, nil
}

// expandPath returns the result files a path names: itself, the files a
// glob matches, or the *.txt files of a directory.
func expandPath(path string) ([]string, error) {
	if st, err := os.Stat(path); err == nil {
		if !st.IsDir() {
			return []string{path}, nil
		}
		m, err := filepath.Glob(filepath.Join(path, "*.txt"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("directory %s holds no *.txt result file", path)
		}
		return m, nil
	}
	if !strings.ContainsAny(path, "*?[") {
		return []string{path}, nil // Read reports the missing file
	}
	m, err := filepath.Glob(path)
	if err != nil {
		return nil, fmt.Errorf("bad glob %q: %w", path, err)
	}
	var files []string
	for _, f := range m {
		if st, err := os.Stat(f); err == nil && !st.IsDir() {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no result file matches %q", path)
	}
	return files, nil
}

// Arm is one environment of the comparison: every result that shares a tee
// value (or a label).
type Arm struct {
	// Label is the tee value ("none", "tdx", ...) or the label=path label.
	Label string
	// Files are the result files that contributed to the arm, in order.
	Files []string
	// Env holds every file-level config value seen in the arm's results, by
	// key, in order of first appearance.
	Env map[string][]string
	// EnvKeys lists the keys of Env in order of first appearance.
	EnvKeys []string
	// Skips are the benchmarks the arm's runs skipped or failed, from the
	// R.skips.tsv files beside its result files (docs/design.md §5).
	Skips []Skip
	// Testbed is the arm's testbed: the values of TestbedKeys. Files are
	// pooled into one arm only within one testbed.
	Testbed string

	group string // the tee value or label the arm was named by
}

// TestbedKeys returns the manifest keys that identify one testbed: results
// of one tee value (or label) from machines that differ in any of them are
// separate arms ("tdx", "tdx#2"), never pooled. They are the machine's
// (cpu-model, vcpus, kernel, microcode) and each tee.Kind's TestbedKey.
func TestbedKeys() []string {
	keys := []string{"cpu-model", "vcpus", "kernel"}
	for _, k := range tee.Kinds() {
		keys = append(keys, k.TestbedKey())
	}
	return append(keys, "microcode")
}

// testbedOf returns the testbed signature of a result.
func testbedOf(res *benchfmt.Result) string {
	var parts []string
	for _, k := range TestbedKeys() {
		if v := res.GetConfig(k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// EnvValue returns the arm's value of a config key, with several distinct
// values joined by ", ".
func (a *Arm) EnvValue(key string) string {
	return strings.Join(a.Env[key], ", ")
}

func (a *Arm) addEnv(key, val string) {
	vs, ok := a.Env[key]
	if !ok {
		a.EnvKeys = append(a.EnvKeys, key)
	}
	for _, v := range vs {
		if v == val {
			return
		}
	}
	a.Env[key] = append(vs, val)
}

// Param is one sub-benchmark name part (benchname owns the parsing).
type Param = benchname.Param

// ID names one benchmark without its GOMAXPROCS suffix: the base name
// without "Benchmark" and the sub-benchmark parts.
type ID struct {
	Base   string
	Params []Param
}

// String returns the ID as it appears in a benchmark name,
// e.g. "Fio/job=read_iops/engine=go".
func (id ID) String() string {
	var b strings.Builder
	b.WriteString(id.Base)
	for _, p := range id.Params {
		b.WriteByte('/')
		if p.Key != "" {
			b.WriteString(p.Key)
			b.WriteByte('=')
		}
		b.WriteString(p.Value)
	}
	return b.String()
}

// Get returns the value of a key=value part, or "".
func (id ID) Get(key string) string {
	for _, p := range id.Params {
		if p.Key == key {
			return p.Value
		}
	}
	return ""
}

func ParseID(name benchfmt.Name) ID {
	base, params := benchname.Parse(name)
	return ID{Base: base, Params: params}
}

type seriesKey struct {
	id, unit string
}

// fileKey names one file's samples of a series within an arm.
type fileKey struct {
	seriesKey
	arm  int
	file string
}

// Dataset is everything read from the result files: the arms and, per
// benchmark and unit, the measured values of each arm.
type Dataset struct {
	// Arms are in the order they were first named; Arms[0] is the baseline.
	Arms []*Arm
	// Units is the unit metadata (better=, assume=) of all files.
	Units benchfmt.UnitMetadataMap

	ids  []ID
	seen map[string]bool
	vals map[seriesKey][][]float64 // [arm] values
	// units lists the units seen per ID, in order.
	units map[string][]string

	// Malformed lists the lines that were not valid result lines, each as
	// a *benchfmt.SyntaxError naming file:line. They are skipped (go test
	// interleaves "--- FAIL" output with a benchmark line when a benchmark
	// fails mid-line, and the results measured before must not be lost);
	// the report lists them and Command -strict makes them fatal.
	Malformed []error

	// Warnings are problems of the input that do not stop the report,
	// such as samples of one benchmark run with several GOMAXPROCS.
	Warnings []string
	procs    map[string]string // id+arm -> first GOMAXPROCS suffix seen
	iters    map[string][]int  // id -> per-arm sum of iterations
	byFile   map[fileKey][]float64
	pkgs     map[string]string            // id -> pkg: config value
	fileEnv  map[string]map[string]string // path -> key -> its first file-level config value
	runInfo  map[string]runInfo           // path -> its `# run key: value` lines
	hashes   map[string]string            // sha256 of a file's content -> its path
	labels   map[string]string            // path -> the label it was given
	queried  map[string]bool              // base names Find was asked for (rows in no section)
}

// runInfo is one file's run-info lines (suite revision, run time, tool
// versions), in order.
type runInfo struct {
	keys []string
	vals map[string]string
}

// RunInfo returns the run-info value of key in arm i's files (several
// distinct values joined by ", "), "" when none has it.
func (d *Dataset) RunInfo(i int, key string) string {
	var vals []string
	for _, f := range d.Arms[i].Files {
		if v := d.runInfo[f].vals[key]; v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, ", ")
}

// RunKeys returns the run-info keys of every file, in order of first
// appearance.
func (d *Dataset) RunKeys() []string {
	var keys []string
	for _, a := range d.Arms {
		for _, f := range a.Files {
			for _, k := range d.runInfo[f].keys {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
	}
	return keys
}

// Iterations returns the sum of the iteration counts (b.N) of arm i's
// samples of a benchmark: for the LLM and gateway benchmarks, requests.
func (d *Dataset) Iterations(id ID, arm int) int {
	it := d.iters[id.String()]
	if arm >= len(it) {
		return 0
	}
	return it[arm]
}

// Pkg returns the `pkg:` of a benchmark's results, "" when none was given.
func (d *Dataset) Pkg(id ID) string { return d.pkgs[id.String()] }

// Read reads the inputs into a Dataset. A file whose content (sha256)
// was given before is refused, naming both paths, unless the two were
// labelled as different arms (a run compared with itself): it would count
// its samples twice. Malformed lines are collected in
// Dataset.Malformed with their file:line; a file that cannot be opened, is
// empty, or holds no valid benchmark result is an error naming the file.
func Read(inputs []Input) (*Dataset, error) {
	if len(inputs) == 0 {
		return nil, errors.New("no result files given")
	}
	d := NewDataset()
	for _, in := range inputs {
		f, err := os.Open(in.Path)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("reading results: cannot read %s: %w", in.Path, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		if err == nil {
			sum := hex.EncodeToString(h.Sum(nil))
			if prev, dup := d.hashes[sum]; dup && (in.Label == "" || d.labels[prev] == in.Label) {
				f.Close()
				return nil, fmt.Errorf("%s and %s have the same content (sha256 %s): one run given twice would count its samples twice; give it once", prev, in.Path, sum[:12])
			}
			d.hashes[sum] = in.Path
			d.labels[in.Path] = in.Label
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("reading results: %s: %w", in.Path, err)
		}
		err = d.Add(f, in)
		f.Close()
		if err != nil {
			return nil, err
		}
		if err := d.addSkips(in); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *Dataset) init() {
	d.Units = benchfmt.UnitMetadataMap{}
	d.seen = map[string]bool{}
	d.vals = map[seriesKey][][]float64{}
	d.units = map[string][]string{}
	d.procs = map[string]string{}
	d.iters = map[string][]int{}
	d.byFile = map[fileKey][]float64{}
	d.pkgs = map[string]string{}
	d.fileEnv = map[string]map[string]string{}
	d.runInfo = map[string]runInfo{}
	d.hashes = map[string]string{}
	d.labels = map[string]string{}
}

// Add reads one result stream named in.Path into d.
func (d *Dataset) Add(r io.Reader, in Input) error {
	cr := &countReader{r: r}
	lr := newLineLimiter(cr, in.Path)
	br := benchfmt.NewReader(lr, in.Path)
	n := 0
	var bad []error
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			d.Malformed = append(d.Malformed, rec)
			bad = append(bad, rec)
		case *benchfmt.UnitMetadata:
			d.Units[rec.UnitMetadataKey] = rec
		case *benchfmt.Result:
			if err := d.addResult(rec, in); err != nil {
				return err
			}
			n++
		}
	}
	if err := br.Err(); err != nil {
		return fmt.Errorf("%s: %w", in.Path, err)
	}
	if lr.err != nil {
		return fmt.Errorf("%s: %w", in.Path, lr.err)
	}
	if len(lr.runKeys) > 0 {
		d.runInfo[in.Path] = runInfo{keys: lr.runKeys, vals: lr.runInfo}
	}
	for _, e := range lr.long {
		d.Malformed = append(d.Malformed, e)
		bad = append(bad, e)
	}
	if cr.nul {
		return fmt.Errorf("%s is not a text result file (it holds binary data)", in.Path)
	}
	if cr.n == 0 {
		return fmt.Errorf("%s: empty file (no benchmark results)", in.Path)
	}
	if n == 0 && len(bad) > 0 {
		return fmt.Errorf("%s: no valid benchmark results; first bad line: %w", in.Path, bad[0])
	}
	if n == 0 {
		return fmt.Errorf("%s: no benchmark results (no Benchmark... lines)", in.Path)
	}
	return nil
}

// countReader counts the bytes read through it and notes a NUL byte (a
// binary file, not a result file).
type countReader struct {
	r   io.Reader
	n   int64
	nul bool
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.nul = c.nul || bytes.IndexByte(p[:n], 0) >= 0
	return n, err
}

func (d *Dataset) addResult(res *benchfmt.Result, in Input) error {
	label := in.Label
	if label == "" {
		label = res.GetConfig("tee")
		if label == "" {
			label = "tee-unknown:" + in.Path
		}
	}
	tb := testbedOf(res)
	ai, same := -1, 0
	for i, a := range d.Arms {
		if a.group != label {
			continue
		}
		same++
		if a.Testbed == tb {
			ai = i
			break
		}
	}
	if ai < 0 {
		name := label
		if same > 0 {
			name = fmt.Sprintf("%s#%d", label, same+1)
			d.Warnings = append(d.Warnings, fmt.Sprintf("%s (arm %s) is from another testbed than the earlier %s files (%s, not %s): not pooled, reported as arm %s",
				in.Path, label, label, tb, d.Arms[slices.IndexFunc(d.Arms, func(a *Arm) bool { return a.group == label })].Testbed, name))
		}
		d.Arms = append(d.Arms, &Arm{Label: name, Env: map[string][]string{}, Testbed: tb, group: label})
		ai = len(d.Arms) - 1
		for k, v := range d.vals {
			d.vals[k] = append(v, nil)
		}
	}
	arm := d.Arms[ai]
	if len(arm.Files) == 0 || arm.Files[len(arm.Files)-1] != in.Path {
		known := false
		for _, f := range arm.Files {
			known = known || f == in.Path
		}
		if !known {
			arm.Files = append(arm.Files, in.Path)
		}
	}
	fe := d.fileEnv[in.Path]
	if fe == nil {
		fe = map[string]string{}
		d.fileEnv[in.Path] = fe
	}
	for _, c := range res.Config {
		if c.File {
			arm.addEnv(c.Key, string(c.Value))
			if _, ok := fe[c.Key]; !ok {
				fe[c.Key] = string(c.Value)
			}
		}
	}
	id := ParseID(res.Name)
	ids := id.String()
	_, procs := res.Name.Parts()
	suffix := ""
	if len(procs) > 0 && len(procs[len(procs)-1]) > 0 && procs[len(procs)-1][0] == '-' {
		suffix = string(procs[len(procs)-1])
	}
	pk := ids + "\x00" + arm.Label
	if prev, ok := d.procs[pk]; !ok {
		d.procs[pk] = suffix
	} else if prev != suffix {
		d.procs[pk] = suffix
		d.Warnings = append(d.Warnings, fmt.Sprintf("Benchmark%s ran with several GOMAXPROCS (%s, %s) in arm %s: their samples are merged", ids, prev, suffix, arm.Label))
	}
	if !d.seen[ids] {
		d.seen[ids] = true
		d.ids = append(d.ids, id)
	}
	it := d.iters[ids]
	for len(it) < len(d.Arms) {
		it = append(it, 0)
	}
	it[ai] += res.Iters
	d.iters[ids] = it
	if pkg := res.GetConfig("pkg"); pkg != "" {
		d.pkgs[ids] = pkg
	}
	for _, v := range res.Values {
		k := seriesKey{ids, v.Unit}
		vs, ok := d.vals[k]
		if !ok {
			vs = make([][]float64, len(d.Arms))
			d.units[ids] = append(d.units[ids], v.Unit)
		}
		vs[ai] = append(vs[ai], v.Value)
		d.vals[k] = vs
		fk := fileKey{k, ai, in.Path}
		d.byFile[fk] = append(d.byFile[fk], v.Value)
	}
	return nil
}

// Values returns the values of one benchmark and unit measured by arm i.
func (d *Dataset) Values(id ID, unit string, arm int) []float64 {
	vs := d.vals[seriesKey{id.String(), unit}]
	if arm >= len(vs) {
		return nil
	}
	return vs[arm]
}

// Has reports whether any arm measured the benchmark in that unit.
func (d *Dataset) Has(id ID, unit string) bool {
	for _, v := range d.vals[seriesKey{id.String(), unit}] {
		if len(v) > 0 {
			return true
		}
	}
	return false
}

// Find returns the benchmarks with base name base whose name has every
// key=value part in where, in order of first appearance (or numeric order of
// the key named by sortBy in FindSorted).
func (d *Dataset) Find(base string, where ...string) []ID {
	if d.queried != nil {
		d.queried[base] = true
	}
	var out []ID
next:
	for _, id := range d.ids {
		if id.Base != base {
			continue
		}
		for _, w := range where {
			k, v, _ := strings.Cut(w, "=")
			if id.Get(k) != v {
				continue next
			}
		}
		out = append(out, id)
	}
	return out
}

// FindSorted is Find with the result ordered by the numeric value of the
// name part key (e.g. threads, c), ties keeping their order.
func (d *Dataset) FindSorted(base, key string, where ...string) []ID {
	ids := d.Find(base, where...)
	sort.SliceStable(ids, func(i, j int) bool {
		return PartValue(ids[i].Get(key)) < PartValue(ids[j].Get(key))
	})
	return ids
}

// Distinct returns the distinct values of a name part among ids, in order.
func Distinct(ids []ID, key string) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		v := id.Get(key)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// NewDataset returns an empty Dataset, ready for Add.
func NewDataset() *Dataset {
	d := &Dataset{}
	d.init()
	return d
}

// IDs returns every benchmark of d, in order of first appearance.
func (d *Dataset) IDs() []ID { return d.ids }

// UnitsOf returns the units a benchmark was measured in, in order.
func (d *Dataset) UnitsOf(id ID) []string { return d.units[id.String()] }

// FileValues returns the samples of a benchmark and unit that one file of
// arm i contributed.
func (d *Dataset) FileValues(id ID, unit string, arm int, file string) []float64 {
	return d.byFile[fileKey{seriesKey{id.String(), unit}, arm, file}]
}

// TrackQueries starts recording the base names Find is asked for (so that
// Queried can name the rows no section asked for); stop ends it.
func (d *Dataset) TrackQueries() (stop func()) {
	d.queried = map[string]bool{}
	return func() { d.queried = nil }
}

// Queried reports whether Find was asked for base since TrackQueries.
func (d *Dataset) Queried(base string) bool { return d.queried[base] }

// PartValue reads the leading number of a name part such as "8", "64MiB" or
// "1k", with binary suffixes, for sorting; non-numbers sort last.
func PartValue(s string) float64 {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return math.Inf(1)
	}
	switch strings.ToLower(strings.TrimSuffix(s[i:], "B")) {
	case "k", "ki":
		v *= 1 << 10
	case "m", "mi":
		v *= 1 << 20
	case "g", "gi":
		v *= 1 << 30
	}
	return v
}

// EveryArm reports whether every arm measured some benchmark with base
// name base and the name parts in where.
func (d *Dataset) EveryArm(base string, where ...string) bool {
	ids := d.Find(base, where...)
	for i := range d.Arms {
		has := false
		for _, id := range ids {
			for _, u := range d.units[id.String()] {
				has = has || len(d.Values(id, u, i)) > 0
			}
		}
		if !has {
			return false
		}
	}
	return len(ids) > 0
}

// InEvery reports whether every arm measured the benchmark in that unit.
func (d *Dataset) InEvery(id ID, unit string) bool {
	for i := range d.Arms {
		if len(d.Values(id, unit, i)) == 0 {
			return false
		}
	}
	return true
}
