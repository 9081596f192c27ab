// Package httpapi is stagebot's HTTP side (contract section 7): health and readiness for
// the service manager, Prometheus metrics, a status page for people that the announcements
// stream keeps current, a JSON API (requests, the audit log, the announcements as
// server-sent events), and the click-sync webhook. It changes nothing but through the
// workflow service, like every chat adapter, and reads the bot's records through it, the
// announcement outbox (at a cursor of its own) and the audit log.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// Service is what the server needs from the workflow.
type Service interface {
	// Ready reports whether storage answers.
	Ready(ctx context.Context) error
	Queue() ([]stagebot.Status, error)
	// Lookup finds a request by ID prefix or, failing that, a package's by name.
	Lookup(query string) ([]stagebot.Status, error)
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
	// Renderer words what the page and the API say, as the chat does (the configured
	// command prefix included).
	Renderer chat.Renderer
	// Feed is where /api/events reads the announcements; nil = no event stream.
	Feed Feed
	// Audit reads the audit log for /api/audit; nil = none.
	Audit AuditSource
	Log   *slog.Logger
	Now   func() time.Time
}

// Server serves the HTTP side.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	replays *replayCache
	srv     *http.Server
	hub     *hub
	// heartbeat and streamWriteTimeout pace the event streams (tests shorten them).
	heartbeat, streamWriteTimeout time.Duration
	pumpOnce                      sync.Once
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
	if cfg.Renderer.Prefix == "" {
		cfg.Renderer.Prefix = "!"
	}
	s := &Server{cfg: cfg, log: cfg.Log, mux: http.NewServeMux(), replays: newReplayCache(),
		hub: newHub(MaxEventStreams, streamBuffer), heartbeat: heartbeatEvery, streamWriteTimeout: streamWriteTimeout}
	// Made here, not in Serve: Shutdown may run before (or while) Serve starts, from
	// another goroutine, and must find the server it stops.
	s.srv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	// Event streams never end by themselves: Shutdown would wait for them until its
	// deadline.
	s.srv.RegisterOnShutdown(s.hub.close)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mux.HandleFunc("POST /hooks/click-sync", s.clickSyncHook)
	s.mux.HandleFunc("GET /{$}", s.statusPage)
	s.mux.HandleFunc("GET /live.js", s.liveScript)
	for path, h := range map[string]http.HandlerFunc{
		"/api/requests":      s.apiRequests,
		"/api/requests/{id}": s.apiRequest,
		"/api/audit":         s.apiAudit,
		"/api/events":        s.apiEvents,
	} {
		s.mux.HandleFunc("GET "+path, h)
		s.mux.HandleFunc(path, readOnly)
	}
	// Anything else under /api/ answers as the API does, in JSON.
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such API path: "+r.URL.Path)
	})
	return s
}

// readOnly answers a method other than GET (or HEAD) on an API path: the API only reads.
func readOnly(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	writeError(w, http.StatusMethodNotAllowed, "the API only reads: "+r.Method+" is not allowed here, GET is")
}

// Handler is the server's routes, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.mux }

// Serve serves on l until Shutdown (which may come first: then it returns at once). While
// it serves, the announcements are read for the event streams; when it returns, nothing it
// started reads storage any more.
func (s *Server) Serve(l net.Listener) error {
	if s.cfg.Feed != nil {
		var stopPump func()
		s.pumpOnce.Do(func() { stopPump = s.startPump() })
		if stopPump != nil {
			defer stopPump()
		}
	}
	err := s.srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// startPump runs the pump; the function it returns stops it and waits until it returned.
func (s *Server) startPump() func() {
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.pump(ctx)
	}()
	return func() {
		stop()
		<-done
	}
}

// Shutdown stops serving, letting requests in flight finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}
