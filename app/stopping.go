package app

import (
	"log/slog"
	"time"

	"stagebot"
	"stagebot/workflow"
)

// stopping logs a bot's stop: a line when it begins (why, and how long the work under way
// may still take), and one when it is over (how long it took, whether the grace period cut
// work off, and what stays queued for the next start).
type stopping struct {
	log   *slog.Logger
	svc   *workflow.Service
	grace time.Duration
	began time.Time
	why   []any
}

// begin is the stop's start: signal is the signal that asked for it ("" for none), else
// reason says why.
func (s *stopping) begin(signal, reason string) {
	s.began = time.Now()
	switch {
	case signal != "":
		s.why = []any{"signal", signal}
	case reason != "":
		s.why = []any{"reason", reason}
	default:
		s.why = []any{"reason", "cancelled"}
	}
	s.log.Info("stagebot stopping", append(s.why, "grace", s.grace.String())...)
}

// end is the stop's end, cutOff from group.stop. The database is still open: the jobs left
// are read from it.
func (s *stopping) end(cutOff bool) {
	// Durations as text: JSON would print them in nanoseconds.
	args := append(s.why, "took", time.Since(s.began).Round(time.Millisecond).String(), "cut_off", cutOff)
	if counts, err := s.svc.Counts(); err == nil {
		args = append(args, "jobs_queued", jobsQueued(counts))
	}
	s.log.Info("stagebot stopped", args...)
}

func jobsQueued(c stagebot.Counts) int {
	n := 0
	for _, k := range c.Jobs {
		n += k
	}
	return n
}
