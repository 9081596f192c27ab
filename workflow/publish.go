package workflow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"stagebot"
	"stagebot/snakefruit"
	"stagebot/storage"
)

const stepPublished = "published-command"

// runPublish publishes a promoted click once phasing ended: the publish command (when
// configured), then the flush from the list. A failing command leaves the click promoted
// and locked and is announced; the next phasing signal or !retry tries again.
func (s *Service) runPublish(ctx context.Context, job stagebot.Job) error {
	var r *stagebot.Request
	ownFile := false
	if err := s.view(func(tx *storage.Tx) error {
		var ok bool
		var err error
		r, ok, err = s.current(tx, job)
		if err == nil && (!ok || r.State != stagebot.StatePromoted) {
			err = errStale
		}
		ownFile = err == nil && tx.FileOwner(r.Filename) == r.ID
		return err
	}); err != nil {
		return err
	}
	if len(s.cfg.Publish.Command) > 0 && !slices.Contains(job.Done, stepPublished) {
		if out, err := s.publish(ctx, r); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return s.publishFailed(job, fmt.Sprintf("%v%s", err, out))
		}
		job.Done = append(job.Done, stepPublished)
		if err := s.update(func(tx *storage.Tx) error { return tx.PutJob(job) }); err != nil {
			return err
		}
	}
	// A person's line stays, with its file; a file the bot did not put there stays too.
	flush, ownFile := !r.PersonsLine, !r.PersonsLine && ownFile
	switch {
	case ownFile:
		if err := snakefruit.Unlock(ctx, s.cfg.Target, r.Filename); err != nil {
			return err
		}
	case flush:
		if err := snakefruit.Unlist(ctx, s.cfg.Target, r.Filename); err != nil {
			return err
		}
	}
	return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
		if flush {
			if err := tx.DisownLine(r.Filename); err != nil {
				return err
			}
		}
		if ownFile {
			if err := tx.DisownFile(r.Filename); err != nil {
				return err
			}
		}
		r.PublishErr, r.LastError, r.Attempt, r.NextTry = "", "", 0, zeroTime
		ev := stagebot.Event{Actor: "worker", Why: stagebot.WhyPublished, Removal: stagebot.RemovalFull}
		switch {
		case !flush:
			ev.Removal = stagebot.RemovalPersons
		case !ownFile:
			ev.Removal = stagebot.RemovalLineOnly
		}
		return s.move(tx, r, stagebot.StatePublished, ev)
	})
}

func (s *Service) publishFailed(job stagebot.Job, why string) error {
	return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
		r.PublishErr = why
		if err := s.note(tx, r, "worker", "publish-failed", why); err != nil {
			return err
		}
		return s.aside(tx, r, stagebot.Event{Kind: stagebot.EventPublishFailed, Actor: "worker", Cause: why})
	})
}

// publishCommand runs publish.command with the request's fields in its placeholders. The
// argv is never passed through a shell, so a version cannot inject anything.
func (s *Service) publishCommand(ctx context.Context, r *stagebot.Request) (string, error) {
	if r.SHA512 == "" {
		// The digest made while the request waited never ran (a restart came first).
		sum, err := sha512File(ctx, r.LocalPath)
		if err != nil {
			return "", fmt.Errorf("sha512 of %s: %w", r.Filename, err)
		}
		r.SHA512 = sum
	}
	receiptPath, err := s.receiptFile(r)
	if err != nil {
		return "", err
	}
	if receiptPath != "" {
		defer os.Remove(receiptPath)
	}
	repl := strings.NewReplacer("{path}", r.LocalPath, "{name}", r.Name, "{version}", r.Version,
		"{arch}", r.Arch, "{sha512}", r.SHA512, "{sha256}", r.SHA256, "{filename}", r.Filename,
		"{receipt}", receiptPath)
	argv := make([]string, len(s.cfg.Publish.Command))
	for i, a := range s.cfg.Publish.Command {
		argv[i] = repl.Replace(a)
	}
	tail, err := runCommand(ctx, argv, s.cfg.Publish.Timeout)
	if err != nil && tail != "" {
		return " (" + tail + ")", err
	}
	return "", err
}

// receiptFile writes r's receipt, byte for byte as kept, beside the bot's copy of the click
// for the publish command's {receipt}, and returns its path; the caller removes it once the
// command ran (and a crash's leftover goes with the copy when the request ends). "" when
// the command does not ask for it or r has no receipt: {receipt} is then an empty argument.
func (s *Service) receiptFile(r *stagebot.Request) (string, error) {
	if !slices.ContainsFunc(s.cfg.Publish.Command, func(a string) bool { return strings.Contains(a, "{receipt}") }) {
		return "", nil
	}
	var env []byte
	err := s.view(func(tx *storage.Tx) error {
		var err error
		env, err = tx.Receipt(r.ID)
		return err
	})
	if stagebot.ErrorCode(err) == stagebot.ENOTFOUND {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	dir := s.clickDir(r.ID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.Filename+".receipt.json")
	if err := os.WriteFile(path, env, 0o640); err != nil {
		os.Remove(path)
		return "", err
	}
	return path, nil
}
