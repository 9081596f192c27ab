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

// verifyHook checks a webhook: the signature over the exact body bytes, then the body's
// time against now. It returns the signature's MAC as the replay key.
func verifyHook(secret, body []byte, header string, now time.Time, window time.Duration) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("no webhook secret configured")
	}
	hexMAC, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return "", errors.New("missing or malformed " + SignatureHeader)
	}
	got, err := hex.DecodeString(hexMAC)
	if err != nil || len(got) != sha256.Size {
		return "", errors.New("malformed " + SignatureHeader)
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return "", errors.New("bad signature")
	}
	// Only a signed body is worth parsing: the time is trusted because the MAC covers it.
	var msg struct {
		Time string `json:"time"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		return "", fmt.Errorf("body: %v", err)
	}
	at, err := time.Parse(time.RFC3339, msg.Time)
	if err != nil {
		return "", fmt.Errorf("body: time must be RFC3339: %v", err)
	}
	if d := now.Sub(at); d > window || d < -window {
		return "", fmt.Errorf("stale: time %s is more than %s from now", msg.Time, window)
	}
	return hex.EncodeToString(got), nil
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
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	now := s.cfg.Now()
	sig, err := verifyHook([]byte(s.cfg.WebhookSecret), body, r.Header.Get(SignatureHeader), now, s.cfg.WebhookWindow)
	if err == nil && !s.replays.first(sig, now, 2*s.cfg.WebhookWindow) {
		err = errors.New("replayed: this signature was already used")
	}
	if err != nil {
		s.log.Warn("click-sync webhook refused", "remote", r.RemoteAddr, "err", err)
		http.Error(w, "unauthorized: "+err.Error(), http.StatusUnauthorized)
		return
	}
	res, err := s.cfg.Service.Tick(stagebot.Identity{}, "webhook", nil)
	if err != nil {
		s.log.Error("click-sync webhook tick", "err", err)
		http.Error(w, "tick failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]int{"stored": len(res.Stored)})
}
