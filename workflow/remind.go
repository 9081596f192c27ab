package workflow

import (
	"fmt"

	"stagebot"
	"stagebot/storage"
)

// Remind mentions the landing team again for each request pending longer than
// policy.remind_after since it was made or last reminded. It returns how many it reminded.
func (s *Service) Remind() (int, error) {
	every := s.cfg.Policy.RemindAfter
	if every <= 0 {
		return 0, nil
	}
	n := 0
	err := s.update(func(tx *storage.Tx) error {
		n = 0
		active, err := tx.Active()
		if err != nil {
			return err
		}
		now := s.now()
		for _, r := range active {
			last := r.Created
			if r.RemindedAt.After(last) {
				last = r.RemindedAt
			}
			if r.State != stagebot.StatePending || now.Sub(last) < every {
				continue
			}
			r.RemindedAt = now
			if err := s.note(tx, r, "reminder", "remind", "still pending"); err != nil {
				return err
			}
			text := line(r, "requested", fmt.Sprintf("still waiting for approval after %s (%s); !approve %s", stagebot.FormatDuration(now.Sub(r.Created)), s.missing(r), r.ShortID()))
			if _, err := tx.Announce(stagebot.Announcement{At: now, RequestID: r.ID, Word: "requested", Text: text, Mention: s.approverNames(r)}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
