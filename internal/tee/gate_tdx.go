//go:build tdx

package tee

// -tags tdx: the run requires a TDX guest.
func init() { Tagged = TDX }
