package workflow

import (
	"strings"
	"time"

	"stagebot"
	"stagebot/storage"
)

var zeroTime time.Time

// Tick records a click-sync run: every locked request becomes stored (when synced is not
// nil, only those whose filename is in it) and the tick is announced once. source names
// where it came from (schedule, !tick, webhook, watch).
func (s *Service) Tick(actor stagebot.Identity, source string, synced map[string]bool) (*stagebot.TickResult, error) {
	why := stagebot.Why("")
	if actor.Network != "" {
		p := s.cfg.Team.Resolve(actor)
		if err := authorize(actTick, p, nil, s.cfg.Policy); err != nil {
			return nil, err
		}
		source, why = p.Display(), stagebot.WhyCommand
	}
	res := &stagebot.TickResult{}
	err := s.update(func(tx *storage.Tx) error {
		res.Stored = nil
		synced := s.watchTick(tx, synced)
		active, err := tx.Active()
		if err != nil {
			return err
		}
		var stored []*stagebot.RequestRef
		for _, r := range active {
			if r.State != stagebot.StateLocked || (synced != nil && !synced[r.Filename]) {
				continue
			}
			if err := s.move(tx, r, stagebot.StateStored, stagebot.Event{Actor: "click-sync", Why: stagebot.WhyStored}); err != nil {
				return err
			}
			res.Stored = append(res.Stored, r)
			stored = append(stored, r.Ref())
		}
		if err := tx.SetMetaJSON("last_tick", s.now()); err != nil {
			return err
		}
		return s.event(tx, stagebot.Event{Kind: stagebot.EventTick, Actor: source, Why: why, Requests: stored})
	})
	return res, err
}

// LastTick is when the last click-sync tick was recorded (zero if never).
func (s *Service) LastTick() time.Time {
	var t time.Time
	_ = s.view(func(tx *storage.Tx) error {
		_, err := tx.MetaJSON("last_tick", &t)
		return err
	})
	return t
}

// Promote records that rc-proposed image `image` was promoted to stable: every stored
// request becomes promoted and phased updates start. QA or the landing team.
func (s *Service) Promote(actor stagebot.Identity, image string) ([]*stagebot.Request, error) {
	if actor.Network != "" {
		p := s.cfg.Team.Resolve(actor)
		if err := authorize(actPromote, p, nil, s.cfg.Policy); err != nil {
			return nil, err
		}
	}
	image = strings.TrimSpace(image)
	if image == "" {
		return nil, stagebot.Errorf(stagebot.EINVALID, "no image named")
	}
	var moved []*stagebot.Request
	err := s.update(func(tx *storage.Tx) error {
		moved = nil
		active, err := tx.Active()
		if err != nil {
			return err
		}
		var promoted []*stagebot.RequestRef
		for _, r := range active {
			if r.State != stagebot.StateStored {
				continue
			}
			if err := s.move(tx, r, stagebot.StatePromoted, stagebot.Event{Actor: s.actorName(actor, "image-watch"), Why: stagebot.WhyPromoted, Image: image}); err != nil {
				return err
			}
			moved = append(moved, r)
			promoted = append(promoted, r.Ref())
		}
		if err := tx.SetMetaJSON("phasing", stagebot.Phasing{Image: image, Percent: 0, At: s.now()}); err != nil {
			return err
		}
		return s.event(tx, stagebot.Event{Kind: stagebot.EventPromotion, Actor: s.actorName(actor, "image-watch"), Image: image, Requests: promoted})
	})
	return moved, err
}

// CurrentPhasing returns the last recorded phasing.
func (s *Service) CurrentPhasing() stagebot.Phasing {
	var p stagebot.Phasing
	_ = s.view(func(tx *storage.Tx) error {
		_, err := tx.MetaJSON("phasing", &p)
		return err
	})
	return p
}

// SetPhasing records phasing progress. At 100 phasing has ended: every promoted click is
// queued for publication (the publish command, then the flush from the list).
func (s *Service) SetPhasing(actor stagebot.Identity, percent int) (int, error) {
	if actor.Network != "" {
		p := s.cfg.Team.Resolve(actor)
		if err := authorize(actPhasing, p, nil, s.cfg.Policy); err != nil {
			return 0, err
		}
	}
	if percent < 0 || percent > 100 {
		return 0, stagebot.Errorf(stagebot.EINVALID, "phasing is a percentage from 0 to 100, not %d", percent)
	}
	queued := 0
	err := s.update(func(tx *storage.Tx) error {
		queued = 0
		var ph stagebot.Phasing
		if _, err := tx.MetaJSON("phasing", &ph); err != nil {
			return err
		}
		ph.Percent, ph.At = percent, s.now()
		if err := tx.SetMetaJSON("phasing", ph); err != nil {
			return err
		}
		if percent == 100 {
			active, err := tx.Active()
			if err != nil {
				return err
			}
			for _, r := range active {
				if r.State != stagebot.StatePromoted {
					continue
				}
				if _, busy, err := tx.JobFor(r.ID); err != nil {
					return err
				} else if busy {
					continue
				}
				if err := s.enqueue(tx, stagebot.JobPublish, r, false); err != nil {
					return err
				}
				queued++
			}
		}
		return s.event(tx, stagebot.Event{Kind: stagebot.EventPhasing, Actor: s.actorName(actor, "image-watch"),
			Image: ph.Image, Percent: percent, Count: queued})
	})
	return queued, err
}

// actorName is who did it, as chat shows them (stagebot.Person.Display); fallback names
// the bot's own watchers, which have no identity.
func (s *Service) actorName(id stagebot.Identity, fallback string) string {
	if id.Network == "" {
		return fallback
	}
	return s.cfg.Team.Resolve(id).Display()
}
