package reftool

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fixtures are real fio 3.33 output captured by testdata/fio/capture.sh.
func readFio(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fio", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(math.Abs(a), math.Abs(b))+1e-9 }

func TestParseFioJSONSingleJob(t *testing.T) {
	o, err := ParseFioJSON(readFio(t, "read_iops"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Version != "fio-3.33" || len(o.Jobs) != 1 || o.Jobs[0].Name != "read_iops" {
		t.Fatalf("version %q, %d jobs", o.Version, len(o.Jobs))
	}
	j := o.Jobs[0]
	// Values copied from the fixture.
	if j.Read.TotalIOs != 34980 || j.Read.Runtime != 501 || !near(j.Read.IOPS, 69820.359281) {
		t.Fatalf("read = %+v", j.Read)
	}
	if j.Read.Lat.N != 0 {
		t.Fatalf("gtod_reduce=1 job has %d timed I/Os", j.Read.Lat.N)
	}
	s := o.Summary()
	// For one job the summary is fio's own iops and bw_bytes.
	if math.Abs(s.Read.IOPS-j.Read.IOPS) > 0.01 {
		t.Errorf("IOPS %v, fio printed %v", s.Read.IOPS, j.Read.IOPS)
	}
	if math.Abs(s.Read.BytesPerSec-float64(j.Read.BWBytes)) > 1 {
		t.Errorf("B/s %v, fio printed %d", s.Read.BytesPerSec, j.Read.BWBytes)
	}
	if s.Write.IOs != 0 || s.Read.HasP99 || s.Read.LatN != 0 {
		t.Errorf("summary %+v", s)
	}
	// usr 3.4% + sys 33.6% of 500 ms.
	if want := 185 * time.Millisecond; s.CPU != want {
		t.Errorf("CPU %v, want %v", s.CPU, want)
	}
	if got, want := s.CPUPerIO(), 185*time.Millisecond/34980; got != want {
		t.Errorf("CPU/IO %v, want %v", got, want)
	}
}

func TestParseFioJSONLatency(t *testing.T) {
	for _, tc := range []struct {
		name string
		read bool
		n    int64
		p99  time.Duration
	}{
		{"read_latency", true, 18917, 329728},
		{"write_latency", false, 11385, 2932736},
	} {
		o, err := ParseFioJSON(readFio(t, tc.name))
		if err != nil {
			t.Fatal(err)
		}
		s := o.Summary()
		d, raw := s.Write, o.Jobs[0].Write
		if tc.read {
			d, raw = s.Read, o.Jobs[0].Read
		}
		if d.LatN != tc.n || !d.HasP99 || d.LatP99 != tc.p99 {
			t.Errorf("%s: LatN %d p99 %v (has %v), want %d %v", tc.name, d.LatN, d.LatP99, d.HasP99, tc.n, tc.p99)
		}
		if math.Abs(float64(d.LatMean)-raw.Lat.Mean) > 0.5 || d.LatMean <= 0 {
			t.Errorf("%s: mean %v, fio %v", tc.name, d.LatMean, raw.Lat.Mean)
		}
		// lat = slat + clat.
		if math.Abs(raw.Lat.Mean-(raw.Slat.Mean+raw.Clat.Mean)) > 0.01*raw.Lat.Mean {
			t.Errorf("%s: lat %v != slat %v + clat %v", tc.name, raw.Lat.Mean, raw.Slat.Mean, raw.Clat.Mean)
		}
	}
}

func TestParseFioJSONNumJobs(t *testing.T) {
	o, err := ParseFioJSON(readFio(t, "read_seq"))
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Jobs) != 4 {
		t.Fatalf("%d jobs, want 4 (numjobs=4)", len(o.Jobs))
	}
	s := o.Summary()
	var ios, bytes, rt int64
	var cpu float64
	for _, j := range o.Jobs {
		ios += j.Read.TotalIOs
		bytes += j.Read.IOBytes
		rt = max(rt, j.Read.Runtime)
		cpu += (j.UsrCPU + j.SysCPU) / 100 * float64(j.JobRuntime) * 1e6
	}
	if s.Read.IOs != ios || s.Read.Bytes != bytes || s.Read.Runtime != time.Duration(rt)*time.Millisecond {
		t.Fatalf("summary %+v, want ios %d bytes %d runtime %d ms", s.Read, ios, bytes, rt)
	}
	if want := float64(bytes) / (float64(rt) / 1000); !near(s.Read.BytesPerSec, want) {
		t.Errorf("B/s %v, want %v (group status: total / longest runtime)", s.Read.BytesPerSec, want)
	}
	if math.Abs(float64(s.CPU)-cpu) > 1 {
		t.Errorf("CPU %v, want %v ns", s.CPU, cpu)
	}
	if s.Read.HasP99 {
		t.Error("p99 claimed for a gtod_reduce multi-job run")
	}
}

func TestParseFioJSONMix(t *testing.T) {
	o, err := ParseFioJSON(readFio(t, "rw_mix"))
	if err != nil {
		t.Fatal(err)
	}
	s := o.Summary()
	j := o.Jobs[0]
	if math.Abs(s.Read.IOPS-j.Read.IOPS) > 0.01 || math.Abs(s.Write.IOPS-j.Write.IOPS) > 0.01 {
		t.Errorf("IOPS %v/%v, fio %v/%v", s.Read.IOPS, s.Write.IOPS, j.Read.IOPS, j.Write.IOPS)
	}
	frac := float64(s.Read.IOs) / float64(s.IOs())
	if frac < 0.7 || frac > 0.8 {
		t.Errorf("read fraction %.3f for rwmixread=75", frac)
	}
}

func TestParseFioJSONAllFixtures(t *testing.T) {
	for _, name := range []string{"read_iops", "write_iops", "read_bw", "write_bw", "read_latency",
		"write_latency", "read_seq", "write_seq", "rw_mix"} {
		o, err := ParseFioJSON(readFio(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s := o.Summary()
		if o.Jobs[0].Name != name || s.IOs() == 0 || s.IOPS() <= 0 || s.BytesPerSec() <= 0 || s.CPU <= 0 {
			t.Errorf("%s: summary %+v", name, s)
		}
	}
}

func TestParseFioJSONBad(t *testing.T) {
	good := readFio(t, "read_iops")
	withErr := strings.Replace(string(good), `"error" : 0,`, `"error" : 5,`, 1)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "no JSON object"},
		{"text", "fio: failed to open file\n", "no JSON object"},
		{"truncated", string(good[:len(good)/2]), "parsing fio JSON"},
		{"no jobs", `{"fio version" : "fio-3.33", "jobs" : []}`, "no jobs"},
		{"job error", withErr, `job "read_iops" failed with error 5`},
	} {
		_, err := ParseFioJSON([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	// A warning printed before the JSON document is skipped.
	if _, err := ParseFioJSON(append([]byte("note: both iodepth >= 1 and synchronous I/O engine are selected\n"), good...)); err != nil {
		t.Errorf("leading warning: %v", err)
	}
}
