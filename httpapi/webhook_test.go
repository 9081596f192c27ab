package httpapi

import (
	"errors"
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
		status  int
	}{
		{"good", secret, good, Sign(secret, good), "", 0},
		{"good with a little skew", secret, body(now.Add(-4 * time.Minute)), Sign(secret, body(now.Add(-4*time.Minute))), "", 0},
		{"uppercase hex", secret, good, "sha256=" + strings.ToUpper(strings.TrimPrefix(Sign(secret, good), "sha256=")), "", 0},
		{"other keys too", secret, []byte(`{"time": "2016-03-18T15:19:40Z", "source": "ci"}`), Sign(secret, []byte(`{"time": "2016-03-18T15:19:40Z", "source": "ci"}`)), "", 0},
		{"missing header", secret, good, "", "missing", 401},
		{"no sha256= prefix", secret, good, strings.TrimPrefix(Sign(secret, good), "sha256="), "missing", 401},
		{"not hex", secret, good, "sha256=zz", "malformed", 401},
		{"truncated MAC", secret, good, Sign(secret, good)[:20], "malformed", 401},
		{"wrong secret", secret, good, Sign([]byte("other"), good), "bad signature", 401},
		{"body changed after signing", secret, body(now.Add(time.Second)), Sign(secret, good), "bad signature", 401},
		{"no secret configured", nil, good, Sign(nil, good), "no webhook secret", 401},
		{"stale", secret, body(now.Add(-6 * time.Minute)), Sign(secret, body(now.Add(-6*time.Minute))), "stale", 401},
		{"from the future", secret, body(now.Add(6 * time.Minute)), Sign(secret, body(now.Add(6*time.Minute))), "stale", 401},
		{"unsigned garbage", secret, []byte(`tick`), "", "missing", 401},
		{"no time", secret, []byte(`{}`), Sign(secret, []byte(`{}`)), `no "time"`, 400},
		{"not JSON", secret, []byte(`tick`), Sign(secret, []byte(`tick`)), "not the JSON", 400},
		{"a list", secret, []byte(`[]`), Sign(secret, []byte(`[]`)), "must be an object, not a JSON array", 400},
		{"time a number", secret, []byte(`{"time": 1458314380}`), Sign(secret, []byte(`{"time": 1458314380}`)), `"time" must be a string, not a JSON number`, 400},
		{"time not RFC3339", secret, []byte(`{"time": "yesterday"}`), Sign(secret, []byte(`{"time": "yesterday"}`)), "not an RFC3339 time", 400},
		{"JSON then more", secret, append(good, " x"...), Sign(secret, append(good, " x"...)), "not the JSON", 400},
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
			var he *hookError
			if !errors.As(err, &he) || he.status != tt.status {
				t.Fatalf("verifyHook: %v answers %v, want %d", err, he, tt.status)
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
