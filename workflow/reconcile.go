package workflow

import (
	"context"

	"stagebot"

	"stagebot/snakefruit"
	"stagebot/storage"
)

const metaDifferences = "snakefruit_differences"

// Reconcile compares snakefruit with what bbolt says the bot locked, logs every
// difference, keeps them for !status and lets the snakefruit package repair what is the
// bot's own. It runs before the worker takes its first job, so nothing else touches the
// target meanwhile.
func (s *Service) Reconcile(ctx context.Context) error {
	if s.cfg.Target == nil {
		return nil
	}
	var owned []string
	err := s.update(func(tx *storage.Tx) error {
		active, err := tx.Active()
		for _, r := range active {
			if r.State.OnSnakefruit() && !r.PersonsLine {
				owned = append(owned, r.Filename)
				// Clicks locked before the bot recorded the lines it writes and the files it
				// places.
				if tx.LineOwner(r.Filename) == "" {
					if err := tx.OwnLine(r.Filename, r.ID); err != nil {
						return err
					}
				}
				if tx.FileOwner(r.Filename) == "" {
					if err := tx.OwnFile(r.Filename, r.ID); err != nil {
						return err
					}
				}
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	diffs, err := snakefruit.Reconcile(ctx, s.cfg.Target, owned)
	if err != nil {
		return err
	}
	for _, d := range diffs {
		s.log.Warn("snakefruit differs from the bot's records", "difference", d.String())
	}
	return s.keepDifferences(diffs)
}

// refreshDifferences looks again, after a job that may have changed the folder, at the
// differences still reported: the job may have settled them (a lock that a crash cut short
// between the file and its line, finished now), and a person may have since. With none
// reported it costs nothing; a look that fails keeps the report as it was.
func (s *Service) refreshDifferences(ctx context.Context) {
	var report []stagebot.FileDrift
	var owned []string
	if err := s.view(func(tx *storage.Tx) error {
		if _, err := tx.MetaJSON(metaDifferences, &report); err != nil || len(report) == 0 {
			return err
		}
		var err error
		owned, err = ownedFiles(tx)
		return err
	}); err != nil || len(report) == 0 {
		return
	}
	diffs, err := snakefruit.Differences(ctx, s.cfg.Target, owned)
	if err != nil {
		s.log.Debug("could not look at snakefruit's differences again", "err", err)
		return
	}
	if err := s.keepDifferences(diffs); err != nil {
		s.log.Warn("record snakefruit's differences", "err", err)
	}
}

// ownedFiles are the filenames of the clicks the bot locked under its own lines.
func ownedFiles(tx *storage.Tx) ([]string, error) {
	active, err := tx.Active()
	var owned []string
	for _, r := range active {
		if r.State.OnSnakefruit() && !r.PersonsLine {
			owned = append(owned, r.Filename)
		}
	}
	return owned, err
}

// keepDifferences records the differences not repaired, for !queue and the status page.
func (s *Service) keepDifferences(diffs []snakefruit.Difference) error {
	report := []stagebot.FileDrift{}
	for _, d := range diffs {
		if !d.Repaired {
			report = append(report, stagebot.FileDrift{Kind: string(d.Kind), Name: d.Name})
		}
	}
	return s.cfg.DB.Update(func(tx *storage.Tx) error { return tx.SetMetaJSON(metaDifferences, report) })
}

// Differences are the unrepaired differences the last look at snakefruit found, and the
// locked clicks missing from the synced list. A report an older version kept in words is
// not read: the next look makes a new one.
func (s *Service) Differences() stagebot.Drift {
	var out stagebot.Drift
	_ = s.view(func(tx *storage.Tx) error {
		_, err := tx.MetaJSON(metaDifferences, &out.Files)
		return err
	})
	out.Absent = s.Absent()
	return out
}
