package workflow

import (
	"slices"
	"strings"

	"stagebot"
	"stagebot/storage"
)

// Watch mode (click_sync.watch_list) keeps the synced click list in bbolt, so that every tick,
// whatever its source (schedule, webhook, !tick, the watcher), stores only the clicks that
// click-sync really picked up, and so that a restart compares against the last list seen
// instead of taking a new baseline.
const (
	metaSyncedList = "click_sync_watch"
	metaAbsent     = "click_sync_absent"
)

// SyncedList is the watch-mode state: where the list comes from and what it said last.
type SyncedList struct {
	Source      string   `json:"source"` // "" = watch mode off
	AbsentAfter int      `json:"absent_after"`
	Seen        bool     `json:"seen"` // a fetch succeeded: Lines is the baseline
	Lines       []string `json:"lines,omitempty"`
}

// absence counts the ticks a locked click was missing from the synced list.
type absence struct {
	Ticks     int  `json:"ticks"`
	Announced bool `json:"announced"`
}

// WatchSyncedList turns watch mode on for source. A different source than last time starts
// over with a new baseline: the old list says nothing about the new one.
func (s *Service) WatchSyncedList(source string, absentAfter int) error {
	return s.update(func(tx *storage.Tx) error {
		var st SyncedList
		if _, err := tx.MetaJSON(metaSyncedList, &st); err != nil {
			return err
		}
		if st.Source != source {
			st = SyncedList{Source: source}
		}
		st.AbsentAfter = absentAfter
		return tx.SetMetaJSON(metaSyncedList, st)
	})
}

// UnwatchSyncedList turns watch mode off (watch_list removed from the config), so ticks
// store every locked click again.
func (s *Service) UnwatchSyncedList() error {
	return s.update(func(tx *storage.Tx) error {
		if err := tx.SetMeta(metaAbsent, nil); err != nil {
			return err
		}
		return tx.SetMeta(metaSyncedList, nil)
	})
}

// SyncedListState returns the watch-mode state (zero when off).
func (s *Service) SyncedListState() SyncedList {
	var st SyncedList
	_ = s.view(func(tx *storage.Tx) error {
		_, err := tx.MetaJSON(metaSyncedList, &st)
		return err
	})
	return st
}

// ObserveSyncedList records one successful fetch of the synced list. The first is the
// baseline; a later one that differs is a tick. It reports whether it ticked.
func (s *Service) ObserveSyncedList(lines []string) (bool, error) {
	lines = CleanList(lines)
	st := s.SyncedListState()
	if st.Source == "" {
		return false, stagebot.Errorf(stagebot.ECONFLICT, "watch mode is off")
	}
	if st.Seen && slices.Equal(st.Lines, lines) {
		return false, nil
	}
	ticked := false
	if st.Seen {
		// Tick before recording the list: a crash in between ticks again after the restart
		// (harmless) rather than never.
		if _, err := s.Tick(stagebot.Identity{}, "synced list changed", listSet(lines)); err != nil {
			return false, err
		}
		ticked = true
	}
	err := s.update(func(tx *storage.Tx) error {
		var cur SyncedList
		if _, err := tx.MetaJSON(metaSyncedList, &cur); err != nil {
			return err
		}
		if cur.Source != st.Source {
			return nil // turned off or re-pointed meanwhile
		}
		cur.Seen, cur.Lines = true, lines
		return tx.SetMetaJSON(metaSyncedList, cur)
	})
	return ticked, err
}

// CleanList drops blank lines and surrounding spaces: what is left are filenames.
func CleanList(lines []string) []string {
	out := []string{}
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func listSet(lines []string) map[string]bool {
	set := make(map[string]bool, len(lines))
	for _, l := range lines {
		set[l] = true
	}
	return set
}

// watchTick is Tick's hook for watch mode, inside the tick's transaction: with no synced set
// given it uses the last synced list seen (an empty one before the first fetch, so nothing
// is stored on faith), and it counts how many ticks each locked click has been missing from
// it, announcing once a click missing for absent_after ticks. Outside watch mode it changes
// nothing. Accounting errors are logged, never allowed to cost the tick.
func (s *Service) watchTick(tx *storage.Tx, synced map[string]bool) map[string]bool {
	var st SyncedList
	if _, err := tx.MetaJSON(metaSyncedList, &st); err != nil || st.Source == "" {
		return synced
	}
	if synced == nil {
		synced = listSet(st.Lines)
	}
	if err := s.countAbsent(tx, st, synced); err != nil {
		s.log.Warn("click-sync absence accounting", "err", err)
	}
	return synced
}

func (s *Service) countAbsent(tx *storage.Tx, st SyncedList, synced map[string]bool) error {
	counts := map[string]absence{}
	if _, err := tx.MetaJSON(metaAbsent, &counts); err != nil {
		return err
	}
	active, err := tx.Active()
	if err != nil {
		return err
	}
	next := map[string]absence{}
	for _, r := range active {
		if r.State != stagebot.StateLocked || synced[r.Filename] {
			continue
		}
		a := counts[r.ID]
		a.Ticks++
		if st.AbsentAfter > 0 && a.Ticks >= st.AbsentAfter && !a.Announced {
			a.Announced = true
			ev := stagebot.Event{Kind: stagebot.EventAbsent, Actor: "click-sync", Attempts: a.Ticks}
			if err := s.aside(tx, r, ev); err != nil {
				return err
			}
			ev.Request = r.Ref()
			if err := tx.Audit(storage.Entry{At: s.now(), Actor: "click-sync", Action: "absent", RequestID: r.ID, Detail: s.notes(ev)}); err != nil {
				return err
			}
		}
		next[r.ID] = a
	}
	return tx.SetMetaJSON(metaAbsent, next)
}

// Absent are the locked clicks flagged as missing from the synced list, for !status.
func (s *Service) Absent() []stagebot.Absence {
	var out []stagebot.Absence
	_ = s.view(func(tx *storage.Tx) error {
		counts := map[string]absence{}
		if _, err := tx.MetaJSON(metaAbsent, &counts); err != nil {
			return err
		}
		for id, a := range counts {
			if !a.Announced {
				continue
			}
			r, err := tx.Request(id)
			if err != nil || r.State != stagebot.StateLocked {
				continue
			}
			out = append(out, stagebot.Absence{Request: r.Ref(), Ticks: a.Ticks})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b stagebot.Absence) int { return strings.Compare(a.Request.ID, b.Request.ID) })
	return out
}

// AnnounceRCImage announces a new full image in the rc-proposed channel with the stored
// requests it carries: the click-sync ticks that stored them came before the build.
func (s *Service) AnnounceRCImage(version string) error {
	return s.update(func(tx *storage.Tx) error {
		active, err := tx.Active()
		if err != nil {
			return err
		}
		var carried []*stagebot.RequestRef
		for _, r := range active {
			if r.State == stagebot.StateStored {
				carried = append(carried, r.Ref())
			}
		}
		return s.event(tx, stagebot.Event{Kind: stagebot.EventRCProposed, Actor: "image-watch", Image: version, Requests: carried})
	})
}

// metaImagesSeen keeps the image watcher's baselines, per channel and device.
const metaImagesSeen = "images_seen"

// ImagesSeen is what the image watcher last judged, by "channel/device" (empty before its
// first look).
func (s *Service) ImagesSeen() (map[string]stagebot.ImageSeen, error) {
	seen := map[string]stagebot.ImageSeen{}
	err := s.view(func(tx *storage.Tx) error {
		_, err := tx.MetaJSON(metaImagesSeen, &seen)
		return err
	})
	return seen, err
}

// KeepImagesSeen keeps the image watcher's baselines across restarts. It changes no
// request, so it wakes nobody.
func (s *Service) KeepImagesSeen(seen map[string]stagebot.ImageSeen) error {
	return s.cfg.DB.Update(func(tx *storage.Tx) error { return tx.SetMetaJSON(metaImagesSeen, seen) })
}
