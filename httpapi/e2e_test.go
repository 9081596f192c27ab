package httpapi_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagebot/httpapi"
	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
)

const secret = "test-webhook-secret-0123456789"

// startHTTPBot runs a whole bot with the HTTP server on a free port and returns its base URL.
func startHTTPBot(t *testing.T) (*bottest.Bot, string) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	b := bottest.Start(t, fmt.Sprintf("http:\n  listen: %s\n  webhook_secret: %s\n", addr, secret))
	base := "http://" + addr
	b.Eventually("the HTTP server answering", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return b, base
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func hook(t *testing.T, base string, body []byte, sig string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/hooks/click-sync", bytes.NewReader(body))
	if sig != "" {
		req.Header.Set(httpapi.SignatureHeader, sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST hook: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The webhook refuses what is unsigned, badly signed, stale or replayed, and changes
// nothing then; a good one is exactly one tick.
func TestClickSyncWebhook(t *testing.T) {
	b, base := startHTTPBot(t)
	id, file := b.Stage(clicktest.Spec{Name: "com.example.hooked", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})

	now := []byte(`{"time": "` + time.Now().UTC().Format(time.RFC3339) + `"}`)
	stale := []byte(`{"time": "` + time.Now().Add(-10*time.Minute).UTC().Format(time.RFC3339) + `"}`)
	refused := []struct {
		name string
		body []byte
		sig  string
	}{
		{"no signature", now, ""},
		{"wrong secret", now, httpapi.Sign([]byte("not-the-secret"), now)},
		{"signature of another body", now, httpapi.Sign([]byte(secret), stale)},
		{"stale time", stale, httpapi.Sign([]byte(secret), stale)},
	}
	for _, tt := range refused {
		if code := hook(t, base, tt.body, tt.sig); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tt.name, code)
		}
	}
	b.Say("alice> !status " + id)
	b.WaitFor(`^alice: ` + id + ` ` + regexp.QuoteMeta(file) + ` locked `)
	if n := b.Count(`click-sync tick \(`); n != 0 {
		t.Fatalf("refused webhooks ticked %d times", n)
	}

	good := httpapi.Sign([]byte(secret), now)
	if code := hook(t, base, now, good); code != http.StatusOK {
		t.Fatalf("good webhook: status %d, want 200", code)
	}
	b.WaitFor(`^\[` + id + `\] ` + regexp.QuoteMeta(file) + ` stored`)
	b.WaitFor(`click-sync tick \(webhook\)`)
	if code := hook(t, base, now, good); code != http.StatusUnauthorized {
		t.Errorf("replayed webhook: status %d, want 401", code)
	}
	b.Say("alice> !queue") // a marker: everything before it has been printed
	b.WaitFor(`^alice: 1 request`)
	if n := b.Count(`click-sync tick \(`); n != 1 {
		t.Fatalf("%d tick announcements, want exactly 1:\n%s", n, strings.Join(b.Lines(), "\n"))
	}
}

// /healthz, /readyz and the gauges /metrics reads at scrape time, of a running bot
// (TestMetricsAfterAFlow checks the rest of /metrics).
func TestHealthReadinessMetrics(t *testing.T) {
	b, base := startHTTPBot(t)
	b.Stage(clicktest.Spec{Name: "com.example.measured", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})

	if code, body := get(t, base+"/healthz"); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz: %d %s (storage open, console connected, snakefruit a local folder)", code, body)
	}
	code, body := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`stagebot_requests{state="locked"} 1`,
		`stagebot_requests{state="pending"} 0`,
		`stagebot_adapter_connected{adapter="console"} 1`,
		`stagebot_announcement_queue_depth{adapter="console",channel=""}`,
		`stagebot_channels_refusing{adapter="console"} 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// getMaybe is get for a server that may not answer yet: 0 and "" then.
func getMaybe(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
