package chat

import (
	"time"

	"stagebot"
)

// Waits words what a request waits for, one phrase each, as !status ends its line with
// them after "waiting for": for views that list them (the HTTP API, the status page).
func (r Renderer) Waits(st stagebot.Status, now time.Time) []string {
	out := make([]string, 0, len(st.Waiting))
	for _, w := range st.Waiting {
		m := r.start()
		r.waiting(m, w, st.Request, now)
		out = append(out, Plain(reply(m), r.Prefix))
	}
	return out
}
