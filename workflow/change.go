package workflow

import (
	"time"

	"stagebot"
)

// Change is one change of a request's state, as committed.
type Change struct {
	Request  string // full ID
	Filename string
	From     stagebot.State // "" for a new request
	To       stagebot.State
	Actor    string
	At       time.Time
	// Entered is when the request entered From (zero for a new request): At-Entered is how
	// long it stayed there.
	Entered time.Time
}

// tellChanges logs each committed change, one line each, and hands it to Config.Changed.
func (s *Service) tellChanges(cs []Change) {
	for _, c := range cs {
		s.log.Info("state change", "id", stagebot.ShortID(c.Request), "filename", c.Filename,
			"from", string(c.From), "to", string(c.To), "actor", c.Actor)
		if s.cfg.Changed != nil {
			s.cfg.Changed(c)
		}
	}
}
