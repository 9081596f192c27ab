package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"stagebot/bot"
)

// probeTimeout bounds each readiness check: a hung snakefruit must make /readyz answer 503,
// not hang the probe.
const probeTimeout = 5 * time.Second

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if reasons := s.notReady(r.Context()); len(reasons) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready: "+strings.Join(reasons, "; "))
		return
	}
	fmt.Fprintln(w, "ready")
}

// notReady lists every reason the bot cannot do its work now; empty = ready.
func (s *Server) notReady(ctx context.Context) []string {
	var reasons []string
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := s.cfg.Service.Ready(ctx); err != nil {
		reasons = append(reasons, "storage: "+err.Error())
	}
	if s.cfg.Bot != nil {
		for _, a := range s.cfg.Bot.Adapters() {
			if !a.Connected() {
				why := "adapter " + a.Name() + " is not connected"
				// An adapter that knows why (IRC: SASL refused) says so.
				if r, ok := a.(interface{ NotReadyReason() string }); ok && r.NotReadyReason() != "" {
					why += ": " + r.NotReadyReason()
				}
				reasons = append(reasons, why)
			}
		}
		for _, c := range s.cfg.Bot.Delivery() {
			if c.Refusing() {
				reasons = append(reasons, refusal(c, s.cfg.Now()))
			}
		}
	}
	if s.cfg.Snakefruit != nil {
		if err := s.cfg.Snakefruit(ctx); err != nil {
			reasons = append(reasons, err.Error()) // it says "snakefruit:" itself
		}
	}
	return reasons
}

// refusal says which channel is behind and why, so whoever reads /readyz can fix it (voice
// the bot, unarchive, invite it) without reading the logs.
func refusal(c bot.ChannelStatus, now time.Time) string {
	where := "adapter " + c.Adapter
	if c.Channel != "" {
		where += " channel " + c.Channel
	}
	return fmt.Sprintf("%s refuses announcements, %d behind, for %s (%d attempts): %v",
		where, c.Backlog, now.Sub(c.Since).Round(time.Second), c.Failures, c.Err)
}
