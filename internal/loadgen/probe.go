package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// ProbeTimeout bounds Probe: a target that does not answer within it is
// reported as unreachable.
const ProbeTimeout = 5 * time.Second

// Probe sends one HTTP/1.0 request to t and fails, within ProbeTimeout,
// with an error naming the URL when the target cannot be reached, its TLS
// certificate does not verify, or it does not answer 2xx. Benchmarks call
// it before timing anything.
func Probe(ctx context.Context, t *Target) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	var tm timing
	cn, err := t.do(ctx, &net.Dialer{}, nil, false, ProbeTimeout, bufio.NewReaderSize(nil, 4096), &tm, nil)
	if cn != nil {
		cn.c.Close()
	}
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("loadgen: target %s did not answer within %v: %w", t.URL, ProbeTimeout, err)
		}
		return fmt.Errorf("loadgen: target %s: %w", t.URL, err)
	}
	if tm.status < 200 || tm.status > 299 {
		return fmt.Errorf("loadgen: target %s answered status %d, want 2xx", t.URL, tm.status)
	}
	return nil
}
