package slack

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
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
	now  func() time.Time

	mu      sync.Mutex
	opens   int
	cur     time.Duration
	helloAt time.Time // the current connection's hello; zero once its end was counted
}

func newReconnectGate(next http.RoundTripper) *reconnectGate {
	return &reconnectGate{next: next, now: time.Now}
}

// hello records that a connection is up.
func (g *reconnectGate) hello() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.helloAt = g.now()
}

// delay is the wait before the next apps.connections.open. slack-go opens as soon as a
// connection ends, so the time since its hello is how long it lived.
func (g *reconnectGate) delay() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.opens++
	if g.opens == 1 {
		return 0
	}
	if !g.helloAt.IsZero() && g.now().Sub(g.helloAt) >= stableAfter {
		g.cur = 0
	}
	g.helloAt = time.Time{}
	if g.cur == 0 {
		g.cur = reconnectMin / 2 // the next wait is drawn from [reconnectMin/2, reconnectMin]
		return 0
	}
	g.cur = min(2*g.cur, reconnectMax)
	// Drawn from [d/2, d]: many bots cut off together do not come back in lockstep.
	return g.cur/2 + rand.N(g.cur/2+1)
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
