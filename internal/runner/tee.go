package runner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/tee"
)

// GPUTag is the build tag of the GPU benchmarks; every other tag a run
// accepts is the build tag of a TEE (TEEKinds).
const GPUTag = "gpu"

// TEEKind is what the runner and the scripts built on it need to know of a
// TEE: its `tee:` name, its title for messages, its build tag and the
// side-file suffixes of its evidence (the first one the main file). Every
// tee.Kind is one.
type TEEKind interface {
	Name() string
	Title() string
	Tag() string
	Suffixes() []string
}

// TEEKinds lists the TEEs a run can be built for: tee.Kinds(), nothing
// named here (a new TEE needs no edit in the runner, the fleet, the
// entrypoint or the CI scripts).
func TEEKinds() []TEEKind {
	var ks []TEEKind
	for _, k := range tee.Kinds() {
		ks = append(ks, k)
	}
	return pendingKinds(ks)
}

// TEETags returns the build tags of TEEKinds, in their order.
func TEETags() []string {
	var ts []string
	for _, k := range TEEKinds() {
		ts = append(ts, k.Tag())
	}
	return ts
}

// TEEOf returns the TEE a tag set ("gpu,snp", "tdx"; "" for none) is
// built for, or nil. Tags it does not know are an error naming them, and
// so are two TEE tags: a binary is built for one TEE.
func TEEOf(tags string) (TEEKind, error) {
	var k TEEKind
	for t := range strings.SplitSeq(tags, ",") {
		t = strings.TrimSpace(t)
		if t == "" || t == GPUTag {
			continue
		}
		i := slices.IndexFunc(TEEKinds(), func(k TEEKind) bool { return k.Tag() == t })
		if i < 0 {
			return nil, fmt.Errorf("unknown tag %q (want %s and at most one TEE tag: %s)", t, GPUTag, strings.Join(TEETags(), ", "))
		}
		if k != nil && k.Tag() != t {
			return nil, fmt.Errorf("tags %s and %s name two TEEs (%s, %s); a run is built for one", k.Tag(), t, k.Title(), TEEKinds()[i].Title())
		}
		k = TEEKinds()[i]
	}
	return k, nil
}

// TEENamed returns the TEE whose `tee:` name is name, or nil.
func TEENamed(name string) TEEKind {
	for _, k := range TEEKinds() {
		if k.Name() == name {
			return k
		}
	}
	return nil
}

// TEE returns the TEE the run is built for (its TEE tag), or nil.
func (o *Options) TEE() TEEKind {
	k, _ := TEEOf(o.TagsFlag()) // FromEnv refused what TEEOf refuses
	return k
}
