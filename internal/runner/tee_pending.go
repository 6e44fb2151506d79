package runner

import "slices"

// pendingKinds adds the TEEs whose Kind has not landed in internal/tee yet,
// so that a run with their tag keeps working meanwhile. TDX is moving into
// internal/tee as tee.TDX (tag tdx, side file .quote); once tee.Kinds()
// lists it this adds nothing, and this file goes away with the call in
// TEEKinds.
func pendingKinds(ks []TEEKind) []TEEKind {
	if !slices.ContainsFunc(ks, func(k TEEKind) bool { return k.Tag() == pendingTDX{}.Tag() }) {
		ks = append([]TEEKind{pendingTDX{}}, ks...) // first, as in tee.Kinds()
	}
	return ks
}

// pendingTDX stands in for tee.TDX until it lands.
type pendingTDX struct{}

func (pendingTDX) Name() string       { return "tdx" }
func (pendingTDX) Title() string      { return "TDX" }
func (pendingTDX) Tag() string        { return "tdx" }
func (pendingTDX) Suffixes() []string { return []string{".quote"} }
