package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"stagebot"
)

// SignatureHeader carries the webhook body's HMAC-SHA256 as "sha256=HEX".
const SignatureHeader = "X-Stagebot-Signature"

// maxHookBody bounds the webhook body: it is one small JSON object.
const maxHookBody = 64 << 10

// Sign returns the header value for body under secret (for senders and tests).
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// hookError is why a webhook was refused, with the status that says so: 401 for what a
// sender without the secret could have sent (no or a bad signature, a stale time, a
// replay), 400 for a signed body that is not the webhook's JSON.
type hookError struct {
	status int
	msg    string
}

func (e *hookError) Error() string { return e.msg }

func unauthorized(format string, args ...any) *hookError {
	return &hookError{status: http.StatusUnauthorized, msg: fmt.Sprintf(format, args...)}
}

// hookBody is the webhook's JSON: {"time": RFC3339}; other keys are ignored.
type hookBody struct {
	Time *string `json:"time"`
}

// verifyHook checks a webhook: the signature over the exact body bytes, then the body's
// shape, then its time against now. It returns the signature's MAC as the replay key.
func verifyHook(secret, body []byte, header string, now time.Time, window time.Duration) (string, error) {
	if len(secret) == 0 {
		return "", unauthorized("no webhook secret configured")
	}
	hexMAC, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return "", unauthorized("missing or malformed %s", SignatureHeader)
	}
	got, err := hex.DecodeString(hexMAC)
	if err != nil || len(got) != sha256.Size {
		return "", unauthorized("malformed %s", SignatureHeader)
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return "", unauthorized("bad signature")
	}
	// Only a signed body is worth parsing: the time is trusted because the MAC covers it,
	// and whoever signed it holds the secret, so what is wrong with it is theirs to fix.
	var msg hookBody
	if err := json.Unmarshal(body, &msg); err != nil {
		return "", &hookError{status: http.StatusBadRequest, msg: `body is not the JSON {"time": RFC3339}: ` + jsonProblem(err)}
	}
	if msg.Time == nil {
		return "", &hookError{status: http.StatusBadRequest, msg: `body has no "time": it must be {"time": RFC3339}`}
	}
	at, err := time.Parse(time.RFC3339, *msg.Time)
	if err != nil {
		return "", &hookError{status: http.StatusBadRequest, msg: fmt.Sprintf(`body's "time" %q is not an RFC3339 time such as 2016-03-18T15:19:40Z`, cutQuote(*msg.Time))}
	}
	if d := now.Sub(at); d > window || d < -window {
		return "", unauthorized("stale: time %s is more than %s from now", *msg.Time, window)
	}
	return hex.EncodeToString(got), nil
}

// jsonProblem says what json.Unmarshal found wrong, without Go's type names where it can.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("%q must be a string, not a JSON %s", te.Field, te.Value)
		}
		return "it must be an object, not a JSON " + te.Value
	}
	return err.Error()
}

// cutQuote shortens a sender's text repeated in an answer.
func cutQuote(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// replayCache remembers signatures seen within the time window: a captured request sent
// again inside the window would otherwise tick again.
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time // signature -> when it stops mattering
}

func newReplayCache() *replayCache { return &replayCache{seen: map[string]time.Time{}} }

// first records sig and reports whether it was new. Entries past their expiry are dropped:
// by then the time check refuses the request anyway.
func (c *replayCache) first(sig string, now time.Time, keep time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, until := range c.seen {
		if now.After(until) {
			delete(c.seen, k)
		}
	}
	if _, dup := c.seen[sig]; dup {
		return false
	}
	c.seen[sig] = now.Add(keep)
	return true
}

func (s *Server) clickSyncHook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxHookBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body too large or unreadable (at most %d bytes)", maxHookBody))
		return
	}
	now := s.cfg.Now()
	sig, err := verifyHook([]byte(s.cfg.WebhookSecret), body, r.Header.Get(SignatureHeader), now, s.cfg.WebhookWindow)
	if err == nil && !s.replays.first(sig, now, 2*s.cfg.WebhookWindow) {
		err = unauthorized("replayed: this signature was already used")
	}
	if err != nil {
		status := http.StatusUnauthorized
		var he *hookError
		if errors.As(err, &he) {
			status = he.status
		}
		s.log.Warn("click-sync webhook refused", "remote", r.RemoteAddr, "status", status, "err", err)
		writeError(w, status, refusedWord(status)+": "+err.Error())
		return
	}
	res, err := s.cfg.Service.Tick(stagebot.Identity{}, "webhook", nil)
	if err != nil {
		s.log.Error("click-sync webhook tick", "err", err)
		writeError(w, http.StatusInternalServerError, "tick failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"stored": len(res.Stored)})
}

func refusedWord(status int) string {
	if status == http.StatusBadRequest {
		return "bad request"
	}
	return "unauthorized"
}
