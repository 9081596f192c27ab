package matrix

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"maunium.net/go/mautrix"

	"stagebot/bot"
)

// maxRateLimitWait bounds how long one call waits out M_LIMIT_EXCEEDED before it reports
// failure; the outbox retries an announcement later, so nothing is dropped, and shutdown
// is never held up long.
const maxRateLimitWait = 2 * time.Minute

// call is every call the adapter makes: bounded by CallTimeout, M_LIMIT_EXCEEDED waited out
// as the server says (retry_after_ms, or the Retry-After header of newer servers) so that
// the caller's order is kept (a write waits in its room's lane, and only there), and a
// refused token noted, which ends Run with a *bot.CredentialError.
func (a *Adapter) call(ctx context.Context, fn func(ctx context.Context) error) error {
	return a.callWithin(ctx, a.cfg.CallTimeout, fn)
}

func (a *Adapter) callWithin(ctx context.Context, timeout time.Duration, fn func(ctx context.Context) error) error {
	deadline := time.Now().Add(maxRateLimitWait)
	for {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err := fn(cctx)
		cancel()
		if code := errCode(err); credentialCode(code) {
			a.refusal.Refuse(a.log, "the homeserver refused the access token; stopping", &bot.CredentialError{Adapter: a.Name(), Setting: "matrix.access_token", Err: err})
			return err
		}
		wait, limited := retryAfter(err)
		if !limited || time.Now().Add(wait).After(deadline) {
			return err
		}
		a.log.Debug("rate-limited; waiting as the homeserver asks", "wait", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// credentialCode reports whether a Matrix error code says the access token is refused: no
// call made with it will ever work, so retrying is pointless and the operator must fix it.
func credentialCode(code string) bool {
	switch code {
	case "M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_USER_DEACTIVATED":
		return true
	}
	return false
}

// errCode is the Matrix error code of a refusal, "" for any other error.
func errCode(err error) string {
	var he mautrix.HTTPError
	if errors.As(err, &he) && he.RespError != nil {
		return he.RespError.ErrCode
	}
	return ""
}

// retryAfter reads a rate-limit answer: how long the server asks to wait, and whether err
// is one. A 429 that names no wait is waited out for a second.
func retryAfter(err error) (time.Duration, bool) {
	var he mautrix.HTTPError
	if !errors.As(err, &he) {
		return 0, false
	}
	limited := he.IsStatus(http.StatusTooManyRequests) || (he.RespError != nil && he.RespError.ErrCode == "M_LIMIT_EXCEEDED")
	if !limited {
		return 0, false
	}
	wait := time.Second
	if he.RespError != nil {
		if ms, ok := he.RespError.ExtraData["retry_after_ms"].(float64); ok && ms >= 0 {
			wait = time.Duration(ms) * time.Millisecond
			return max(wait, 10*time.Millisecond), true
		}
	}
	if he.Response != nil {
		if d, ok := parseRetryAfter(he.Response.Header.Get("Retry-After"), time.Now()); ok {
			wait = d
		}
	}
	return max(wait, 10*time.Millisecond), true
}

// parseRetryAfter reads an HTTP Retry-After value: seconds, or a date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
