package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"stagebot/bot"
	"stagebot/chat"
	"stagebot/config"
	"stagebot/httpapi"
	"stagebot/snakefruit"
	"stagebot/workflow"
)

// httpParts are the parts of the bot the HTTP server serves.
type httpParts struct {
	svc     *workflow.Service
	bot     *bot.Bot
	render  chat.Renderer
	feed    httpapi.Feed
	audit   httpapi.AuditSource
	metrics *httpapi.Metrics
}

// addHTTP adds to g the HTTP server, when the config has one. It listens at once, so that a
// port already taken stops the bot before it starts.
func addHTTP(g *group, cfg *config.Config, p httpParts, log *slog.Logger) error {
	h := cfg.HTTP
	if h == nil {
		return nil
	}
	// Not the worker's target: a probe on its connection, abandoned by a client that hung
	// up, would close that connection under an upload.
	probe, err := snakefruit.NewProber(cfg.SnakefruitConfig(), 0)
	if err != nil {
		return err // it says "snakefruit:" itself
	}
	l, err := net.Listen("tcp", h.Listen)
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	srv := httpapi.New(httpapi.Config{
		Service: p.svc, Bot: p.bot, WebhookSecret: h.WebhookSecret, Log: log.With("part", "http"),
		Snakefruit: probe.Probe, Renderer: p.render, Feed: p.feed, Audit: p.audit, Metrics: p.metrics,
	})
	g.add(part{name: "http",
		run:  func(context.Context) error { return srv.Serve(l) },
		halt: srv.Shutdown,
		// Serve closes it; one never served is closed here.
		close: func() { l.Close() },
	})
	log.Info("http listening", "addr", l.Addr().String())
	return nil
}
