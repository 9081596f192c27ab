package slack

import (
	"context"
	"errors"
	"time"

	"github.com/slack-go/slack"
)

// maxRateLimitWait bounds how long one call waits out 429s before it reports failure; the
// outbox retries it later, so nothing is dropped, and shutdown is never held up long.
const maxRateLimitWait = 2 * time.Minute

// call runs fn, waiting out Slack's Retry-After whenever it answers 429, so the order of
// posts is kept: the caller (for a write, its lane: writes.go) does not move on meanwhile,
// while every other lane does.
func call(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(maxRateLimitWait)
	for {
		err := fn()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		wait := max(rl.RetryAfter, 100*time.Millisecond)
		if time.Now().Add(wait).After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
