//go:build !tdx

package benchenv

// RequireTDX reports whether the suite was built with the tdx tag.
const RequireTDX = false

// tdxManifest adds nothing without the tdx build tag: the tee key comes
// from detection alone.
func tdxManifest(tee string) (Manifest, error) { return nil, nil }
