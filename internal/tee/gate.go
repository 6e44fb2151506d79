package tee

import (
	"crypto/sha512"
	"fmt"
)

// Tagged is the Kind this binary was built for, set by the gate file of
// its build tag (gate_snp.go: -tags snp); nil without a TEE tag. Each TEE's
// gate file is one init; gate_conflict.go refuses two TEE tags at once.
var Tagged Kind

// Check fails unless this machine is a guest of Tagged (guest evidence
// under Root, not a CPU flag), so that no result is labelled with a TEE by
// mistake. Without a TEE tag it accepts any machine.
func Check() error {
	if Tagged == nil {
		return nil
	}
	_, err := checkGuest(Tagged, Root)
	return err
}

// Manifest returns the identity lines of the Tagged guest (for SEV-SNP:
// snp-measurement, snp-policy, snp-tcb, ...) from fresh evidence, or fails
// as Check does; without a TEE tag it returns nothing.
func Manifest() ([]Line, error) {
	if Tagged == nil {
		return nil, nil
	}
	return manifestFor(Tagged, Root)
}

// checkGuest fails unless the files under root show a guest of k: the
// refusal a TEE's build tag makes (Check).
func checkGuest(k Kind, root string) (Detection, error) {
	d := k.Detect(root)
	if !d.Guest {
		return d, fmt.Errorf("built with -tags %s for %s, but %s; refusing to label results tee: %s",
			k.Tag(), k.Title(), d.Reason, k.Name())
	}
	return d, nil
}

// manifestFor returns the manifest lines of a guest of k: the identity lines
// of fresh evidence over a fixed report data when it can be attested, and
// otherwise an evidence line with the reason it cannot.
func manifestFor(k Kind, root string) ([]Line, error) {
	d, err := checkGuest(k, root)
	if err != nil {
		return nil, err
	}
	if !d.Attestable() {
		return []Line{{k.Tag() + "-evidence", d.Reason}}, nil
	}
	ev, err := k.Attest(sha512.Sum512([]byte("teebench manifest")))
	if err != nil {
		return nil, fmt.Errorf("built with -tags %s: %w", k.Tag(), err)
	}
	lines, err := k.Describe(ev)
	if err != nil {
		return nil, fmt.Errorf("built with -tags %s: %w", k.Tag(), err)
	}
	return lines, nil
}
