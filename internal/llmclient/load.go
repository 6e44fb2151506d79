package llmclient

import (
	"context"
	"fmt"
	"time"

	"github.com/teebench/teebench/internal/pace"
)

// Run sends every request under load l (paced by internal/pace) and waits
// for all of them. Outputs are in request order; Duration runs from the
// first dispatch until the last response ended (vLLM's
// benchmark_duration). Cancelling ctx stops dispatching: the requests not
// sent get reason "canceled", those in flight end with it or finish.
func Run(ctx context.Context, c *Client, reqs []Request, l pace.Load) ([]Output, time.Duration, error) {
	outs := make([]Output, len(reqs))
	started, dur, err := pace.Run(ctx, l, len(reqs), func(i int) { outs[i] = c.Do(ctx, reqs[i]) })
	if err != nil {
		return nil, 0, fmt.Errorf("llmclient: %w", err)
	}
	for i := started; i < len(reqs); i++ {
		outs[i] = Output{Reason: ReasonCanceled, Err: ctx.Err(), PromptLen: reqs[i].PromptLen}
	}
	return outs, dur, nil
}
