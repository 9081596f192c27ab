package slack

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"stagebot/internal/backoff"
)

// Socket Mode reconnect pacing: the first reconnect after a connection that stayed up for
// stableAfter is immediate (Slack asks apps to reconnect every few hours); each one after a
// shorter connection, or after a failed attempt, waits twice as long as the last, from
// reconnectMin up to reconnectMax.
const (
	reconnectMin = time.Second
	reconnectMax = 2 * time.Minute
	stableAfter  = time.Minute
)

// reconnectGate paces Socket Mode's connections. slack-go's RunContext reconnects by itself
// and backs off only between failed attempts of one reconnect: its backoff starts afresh each
// time a connection opens, so a connection that opens and dies at once (a socket cut right
// after hello) is redialled at once, forever, each time spending an apps.connections.open,
// which Slack rate-limits hard. The gate sits in the API client's transport and holds each
// apps.connections.open until the backoff has passed; only a connection that lived
// stableAfter resets it.
type reconnectGate struct {
	next http.RoundTripper
	// pace is the reconnect backoff; the first connection is not a reconnect and is not
	// paced.
	pace *backoff.Conn

	opens atomic.Int64
}

func newReconnectGate(next http.RoundTripper) *reconnectGate {
	return &reconnectGate{next: next, pace: &backoff.Conn{
		Policy:      backoff.Policy{Min: reconnectMin, Max: reconnectMax, Jitter: true},
		StableAfter: stableAfter,
		FreeFirst:   true,
	}}
}

// hello records that a connection is up.
func (g *reconnectGate) hello() { g.pace.Up() }

// delay is the wait before the next apps.connections.open. slack-go opens as soon as a
// connection ends, so the time since its hello is how long it lived.
func (g *reconnectGate) delay() time.Duration {
	if g.opens.Add(1) == 1 {
		return 0
	}
	return g.pace.Next()
}

func (g *reconnectGate) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/apps.connections.open") {
		if err := sleepCtx(req.Context(), g.delay()); err != nil {
			return nil, err
		}
	}
	return g.next.RoundTrip(req)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
