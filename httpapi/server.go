// Package httpapi is stagebot's HTTP side (contract section 7): health and readiness for
// the service manager, Prometheus metrics, a status page for people, and the click-sync
// webhook. It reads and changes nothing but through the workflow service, like every chat
// adapter.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"stagebot"
	"stagebot/bot"
)

// Service is what the server needs from the workflow.
type Service interface {
	// Ready reports whether storage answers.
	Ready(ctx context.Context) error
	Queue() ([]stagebot.Status, error)
	// RecentFinished lists the requests that ended, the most recently updated first.
	RecentFinished(limit int) ([]*stagebot.Request, error)
	Counts() (stagebot.Counts, error)
	LastTick() time.Time
	CurrentPhasing() stagebot.Phasing
	Differences() stagebot.Drift
	Tick(actor stagebot.Identity, source string, synced map[string]bool) (*stagebot.TickResult, error)
}

// Bot is what the server needs from the running bot.
type Bot interface {
	Adapters() []bot.Adapter
	// Delivery is how delivery to each channel stands.
	Delivery() []bot.ChannelStatus
}

// Config assembles a Server.
type Config struct {
	Service Service
	Bot     Bot
	// Snakefruit probes the target for /readyz; nil = not checked. Its error is shown as
	// it is, so it must say it is about snakefruit (as a snakefruit.Prober's do).
	Snakefruit func(ctx context.Context) error
	// WebhookSecret keys the click-sync webhook's HMAC; "" refuses every webhook, since an
	// empty key would make the signature something anyone can compute.
	WebhookSecret string
	// WebhookWindow is how far a webhook's time may be from ours; 0 = 5 minutes.
	WebhookWindow time.Duration
	// Metrics are the counters the bot feeds; nil = a set of its own that nothing feeds.
	Metrics *Metrics
	Log     *slog.Logger
	Now     func() time.Time
}

// Server serves the HTTP side.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	replays *replayCache
	srv     *http.Server
}

// New makes a Server.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WebhookWindow <= 0 {
		cfg.WebhookWindow = 5 * time.Minute
	}
	s := &Server{cfg: cfg, log: cfg.Log, mux: http.NewServeMux(), replays: newReplayCache()}
	// Made here, not in Serve: Shutdown may run before (or while) Serve starts, from
	// another goroutine, and must find the server it stops.
	s.srv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mux.HandleFunc("POST /hooks/click-sync", s.clickSyncHook)
	s.mux.HandleFunc("GET /{$}", s.statusPage)
	return s
}

// Handler is the server's routes, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Serve serves on l until Shutdown (which may come first: then it returns at once).
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops serving, letting requests in flight finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}
