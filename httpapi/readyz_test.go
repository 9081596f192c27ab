package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot/bot"
	"stagebot/storage"
	"stagebot/workflow"
)

type fakeAdapter struct {
	name      string
	connected bool
}

func (a fakeAdapter) Name() string                         { return a.name }
func (a fakeAdapter) Channels() []string                   { return []string{""} }
func (a fakeAdapter) Run(context.Context, bot.Inbox) error { return nil }
func (a fakeAdapter) Send(context.Context, string, bot.Outgoing) (string, error) {
	return "", nil
}
func (a fakeAdapter) Connected() bool { return a.connected }

type fakeBot struct {
	adapters []bot.Adapter
	delivery []bot.ChannelStatus
}

func (b fakeBot) Adapters() []bot.Adapter       { return b.adapters }
func (b fakeBot) Delivery() []bot.ChannelStatus { return b.delivery }

// /readyz names every reason it is not ready: a disconnected adapter, an unreachable target.
func TestReadyzReasons(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := workflow.New(workflow.Config{DB: db})
	down := errors.New("snakefruit: dial tcp: connection refused") // as a snakefruit.Prober says it
	tests := []struct {
		name     string
		adapters fakeBot
		probe    error
		code     int
		want     []string
	}{
		{"all well", fakeBot{adapters: []bot.Adapter{fakeAdapter{"irc", true}, fakeAdapter{"slack", true}},
			delivery: []bot.ChannelStatus{{Adapter: "irc", Channel: "#stage", Backlog: 2}}}, nil, 200, []string{"ready"}},
		{"adapter down", fakeBot{adapters: []bot.Adapter{fakeAdapter{"irc", false}, fakeAdapter{"slack", true}}}, nil, 503,
			[]string{"adapter irc is not connected"}},
		{"snakefruit down", fakeBot{adapters: []bot.Adapter{fakeAdapter{"irc", true}}}, down, 503, []string{"snakefruit: dial tcp"}},
		{"both", fakeBot{adapters: []bot.Adapter{fakeAdapter{"slack", false}}}, down, 503, []string{"adapter slack", "snakefruit:"}},
		{"a channel refuses", fakeBot{adapters: []bot.Adapter{fakeAdapter{"irc", true}}, delivery: []bot.ChannelStatus{
			{Adapter: "irc", Channel: "#stage"},
			{Adapter: "irc", Channel: "#quiet", Backlog: 3, Err: errors.New("404 cannot send to channel"), Since: time.Now().Add(-time.Minute), Failures: 4},
		}}, nil, 503, []string{"adapter irc channel #quiet refuses announcements, 3 behind, for 1m0s (4 attempts): 404 cannot send to channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Service: svc, Bot: tt.adapters, Snakefruit: func(context.Context) error { return tt.probe }})
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.code {
				t.Errorf("status %d, want %d (%s)", rec.Code, tt.code, rec.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("body %q lacks %q", rec.Body, w)
				}
			}
		})
	}
	db.Close()
	s := New(Config{Service: svc, Bot: fakeBot{}})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "storage") {
		t.Errorf("closed storage: %d %q, want 503 naming storage", rec.Code, rec.Body)
	}
}

// /metrics has the backlog of each channel and how many channels of each adapter refuse.
func TestMetricsPerChannel(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := workflow.New(workflow.Config{DB: db})
	fb := fakeBot{adapters: []bot.Adapter{fakeAdapter{"irc", true}, fakeAdapter{"slack", true}}, delivery: []bot.ChannelStatus{
		{Adapter: "irc", Channel: "#stage"},
		{Adapter: "irc", Channel: "#quiet", Backlog: 3, Err: errors.New("404"), Failures: 2},
		{Adapter: "slack", Channel: "C1", Backlog: 1},
	}}
	s := New(Config{Service: svc, Bot: fb})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`stagebot_announcement_queue_depth{adapter="irc",channel="#quiet"} 3`,
		`stagebot_announcement_queue_depth{adapter="irc",channel="#stage"} 0`,
		`stagebot_announcement_queue_depth{adapter="slack",channel="C1"} 1`,
		`stagebot_channels_refusing{adapter="irc"} 1`,
		`stagebot_channels_refusing{adapter="slack"} 0`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q:\n%s", want, grepLines(rec.Body.String(), "stagebot_"))
		}
	}
}

func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
