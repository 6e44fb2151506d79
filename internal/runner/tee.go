package runner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/teebench/teebench/internal/tee"
)

// GPUTag is the build tag of the GPU benchmarks; every other tag a run
// accepts is the build tag of a TEE (tee.Kinds).
const GPUTag = "gpu"

// TEETags returns the build tags of tee.Kinds(), in their order. Nothing
// here names a TEE: a new Kind in internal/tee is a new accepted tag for
// the runner, the fleet, the entrypoint and the CI scripts.
func TEETags() []string {
	var ts []string
	for _, k := range tee.Kinds() {
		ts = append(ts, k.Tag())
	}
	return ts
}

// TEEOf returns the TEE a tag set ("gpu,snp", "tdx"; "" for none) is
// built for, or nil. Tags it does not know are an error naming them, and
// so are two TEE tags: a binary is built for one TEE.
func TEEOf(tags string) (tee.Kind, error) {
	var k tee.Kind
	for t := range strings.SplitSeq(tags, ",") {
		t = strings.TrimSpace(t)
		if t == "" || t == GPUTag {
			continue
		}
		i := slices.IndexFunc(tee.Kinds(), func(k tee.Kind) bool { return k.Tag() == t })
		if i < 0 {
			return nil, fmt.Errorf("unknown tag %q (want %s and at most one TEE tag: %s)", t, GPUTag, strings.Join(TEETags(), ", "))
		}
		if k != nil && k.Tag() != t {
			return nil, fmt.Errorf("tags %s and %s name two TEEs (%s, %s); a run is built for one", k.Tag(), t, k.Title(), tee.Kinds()[i].Title())
		}
		k = tee.Kinds()[i]
	}
	return k, nil
}

// TEE returns the TEE the run is built for (its TEE tag), or nil.
func (o *Options) TEE() tee.Kind {
	k, _ := TEEOf(o.TagsFlag()) // FromEnv refused what TEEOf refuses
	return k
}
