package tee

import (
	"crypto/sha512"
	"fmt"
)

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
