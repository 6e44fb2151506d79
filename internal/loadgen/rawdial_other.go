//go:build !linux

package loadgen

import (
	"context"
	"errors"
	"os"
	"time"
)

// rawAddr is unused off Linux: resolveRaw always fails, so net.Dialer dials.
type rawAddr struct{}

func resolveRaw(string) (rawAddr, error) { return rawAddr{}, errors.New("raw dialling is Linux only") }

func dialRaw(context.Context, rawAddr, time.Time) (*os.File, error) {
	return nil, errors.New("raw dialling is Linux only")
}
