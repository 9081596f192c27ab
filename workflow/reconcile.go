package workflow

import (
	"context"

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
				// Lines locked before the bot recorded the lines it writes.
				if tx.LineOwner(r.Filename) == "" {
					if err := tx.OwnLine(r.Filename, r.ID); err != nil {
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
	var report []string
	for _, d := range diffs {
		s.log.Warn("snakefruit differs from the bot's records", "difference", d.String())
		if !d.Repaired {
			report = append(report, d.String())
		}
	}
	return s.update(func(tx *storage.Tx) error { return tx.SetMetaJSON(metaDifferences, report) })
}

// Differences are the unrepaired differences the last reconciliation found.
func (s *Service) Differences() []string {
	var out []string
	_ = s.view(func(tx *storage.Tx) error {
		_, err := tx.MetaJSON(metaDifferences, &out)
		return err
	})
	return append(out, s.Absent()...)
}
