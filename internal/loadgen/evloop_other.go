//go:build !linux

package loadgen

import "errors"

// loopAvailable says that this system has no event loop here: every
// connection is a goroutine.
const loopAvailable = false

func (r *closedRun) loop(nslots int, one bool, reserved int) error {
	return errors.New("event loop not available on this system")
}
