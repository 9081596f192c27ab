package slack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultAPITimeout bounds one Web API call, from sending it to reading the last byte of the
// answer: a Slack that never answers fails the call, which the outbox retries, instead of
// holding its lane for good.
const DefaultAPITimeout = 30 * time.Second

// timeoutTransport bounds each call through it by after. It sits below the reconnect gate,
// so the gate's pacing of apps.connections.open (up to reconnectMax) is not counted against
// the call, as an http.Client's Timeout would count it.
type timeoutTransport struct {
	next  http.RoundTripper
	after time.Duration
}

func (d timeoutTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), d.after)
	resp, err := d.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timedOut := ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil
		cancel()
		if timedOut {
			return nil, fmt.Errorf("slack gave no answer within %s: %w", d.after, err)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody ends the call's deadline once its answer is read and closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// fileTransport fetches files: their headers are bounded like an API call, their bodies are
// not, since a large click takes longer than any call should; how long a download may take
// and stall is the intake's to bound, through the context it reads with.
func fileTransport(timeout time.Duration) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = timeout
	return t
}
