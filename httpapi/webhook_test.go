package httpapi

import (
	"strings"
	"testing"
	"time"
)

func TestVerifyHook(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Date(2016, 3, 18, 15, 19, 40, 0, time.UTC)
	body := func(at time.Time) []byte { return []byte(`{"time": "` + at.Format(time.RFC3339) + `"}`) }
	good := body(now)
	tests := []struct {
		name    string
		secret  []byte
		body    []byte
		header  string
		wantErr string
	}{
		{"good", secret, good, Sign(secret, good), ""},
		{"good with a little skew", secret, body(now.Add(-4 * time.Minute)), Sign(secret, body(now.Add(-4*time.Minute))), ""},
		{"uppercase hex", secret, good, "sha256=" + strings.ToUpper(strings.TrimPrefix(Sign(secret, good), "sha256=")), ""},
		{"missing header", secret, good, "", "missing"},
		{"no sha256= prefix", secret, good, strings.TrimPrefix(Sign(secret, good), "sha256="), "missing"},
		{"not hex", secret, good, "sha256=zz", "malformed"},
		{"truncated MAC", secret, good, Sign(secret, good)[:20], "malformed"},
		{"wrong secret", secret, good, Sign([]byte("other"), good), "bad signature"},
		{"body changed after signing", secret, body(now.Add(time.Second)), Sign(secret, good), "bad signature"},
		{"no secret configured", nil, good, Sign(nil, good), "no webhook secret"},
		{"stale", secret, body(now.Add(-6 * time.Minute)), Sign(secret, body(now.Add(-6*time.Minute))), "stale"},
		{"from the future", secret, body(now.Add(6 * time.Minute)), Sign(secret, body(now.Add(6*time.Minute))), "stale"},
		{"no time", secret, []byte(`{}`), Sign(secret, []byte(`{}`)), "RFC3339"},
		{"not JSON", secret, []byte(`tick`), Sign(secret, []byte(`tick`)), "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := verifyHook(tt.secret, tt.body, tt.header, now, 5*time.Minute)
			if tt.wantErr == "" {
				if err != nil || sig == "" {
					t.Fatalf("verifyHook = %q, %v; want ok", sig, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("verifyHook = %q, %v; want error containing %q", sig, err, tt.wantErr)
			}
		})
	}
}

func TestReplayCache(t *testing.T) {
	c := newReplayCache()
	now := time.Date(2016, 3, 18, 0, 0, 0, 0, time.UTC)
	if !c.first("a", now, 10*time.Minute) {
		t.Fatal("first sight of a refused")
	}
	if c.first("a", now.Add(time.Minute), 10*time.Minute) {
		t.Fatal("a replayed within the window was accepted")
	}
	if !c.first("b", now.Add(time.Minute), 10*time.Minute) {
		t.Fatal("a different signature was refused")
	}
	if !c.first("a", now.Add(11*time.Minute), 10*time.Minute) {
		t.Fatal("an expired entry was not dropped (the time check guards it from then on)")
	}
}
