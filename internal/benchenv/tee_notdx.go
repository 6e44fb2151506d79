//go:build !tdx

package benchenv

// tdxManifest adds nothing without the tdx build tag: the tee key comes
// from detection alone.
func tdxManifest(tee string) (Manifest, error) { return nil, nil }
