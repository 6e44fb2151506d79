package scripts

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/teebench/teebench/internal/runner"
)

// TestComposeTags: every service of compose.yaml runs with a tag set the
// runner accepts (one TEE at most), and the SEV-SNP variant is there, with
// the same image as the CPU service and TAGS=snp.
func TestComposeTags(t *testing.T) {
	b, err := os.ReadFile("../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Services map[string]struct {
			Image       string
			Profiles    []string
			Environment map[string]string
		}
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	tees := map[string]string{}
	for name, s := range c.Services {
		tags := s.Environment["TAGS"]
		k, err := runner.TEEOf(tags)
		if err != nil {
			t.Errorf("service %s: TAGS=%s: %v", name, tags, err)
			continue
		}
		if k != nil {
			tees[name] = k.Name()
		}
	}
	snp := c.Services["teebench-snp"]
	if tees["teebench-snp"] != "sev-snp" || strings.Join(snp.Profiles, ",") != "snp" || snp.Image == "" || snp.Image != c.Services["teebench"].Image ||
		snp.Environment["TEEBENCH_IMAGE"] != snp.Image {
		t.Errorf("teebench-snp: %+v (TEE %q); want TAGS=snp, profile snp, the CPU service's image", snp, tees["teebench-snp"])
	}
	if tees["teebench"] != "tdx" || tees["teebench-gpu"] != "tdx" {
		t.Errorf("TEEs of the services: %v", tees)
	}
}
