package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"stagebot"
	"stagebot/bot"
	"stagebot/storage"
	"stagebot/workflow"
)

type fakeAdapter struct {
	name      string
	connected bool
}

func (a fakeAdapter) Name() string                                         { return a.name }
func (a fakeAdapter) Run(context.Context, bot.Handler) error               { return nil }
func (a fakeAdapter) Deliver(context.Context, stagebot.Announcement) error { return nil }
func (a fakeAdapter) Connected() bool                                      { return a.connected }

type fakeBot []bot.Adapter

func (b fakeBot) Adapters() []bot.Adapter { return b }

// /readyz names every reason it is not ready: a disconnected adapter, an unreachable target.
func TestReadyzReasons(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := workflow.New(workflow.Config{DB: db})
	down := errors.New("dial tcp: connection refused")
	tests := []struct {
		name     string
		adapters fakeBot
		probe    error
		code     int
		want     []string
	}{
		{"all well", fakeBot{fakeAdapter{"irc", true}, fakeAdapter{"slack", true}}, nil, 200, []string{"ready"}},
		{"adapter down", fakeBot{fakeAdapter{"irc", false}, fakeAdapter{"slack", true}}, nil, 503, []string{"adapter irc is not connected"}},
		{"snakefruit down", fakeBot{fakeAdapter{"irc", true}}, down, 503, []string{"snakefruit: dial tcp"}},
		{"both", fakeBot{fakeAdapter{"slack", false}}, down, 503, []string{"adapter slack", "snakefruit:"}},
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
