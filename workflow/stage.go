package workflow

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"stagebot"
	"stagebot/click"
	"stagebot/intake"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// Stage fetches, inspects and records a request. Landers only. The click must be sound, its
// source's own .click name (if any) must match its manifest, and its version must be newer
// than the one locked for the same name and architecture.
func (s *Service) Stage(ctx context.Context, actor stagebot.Identity, src intake.Source) (*stagebot.Request, error) {
	p := s.cfg.Team.Resolve(actor)
	if err := authorize(actStage, p, nil, s.cfg.Policy); err != nil {
		return nil, err
	}
	// Downloads take turns per person (intake.Fetcher's limiter): the person is who the
	// team says, so a member's IRC and Slack identities share one turn.
	src.Who = string(p.Who())
	id := s.cfg.NewID()
	look := s.lookAtFolder(ctx)
	var recorded *stagebot.Request
	if s.cfg.Preupload && s.cfg.Target != nil {
		hook, settle := s.follow(id)
		src.Follow = hook
		defer func() { settle(recorded) }()
	}
	res, err := s.cfg.Intake.Fetch(ctx, src)
	if err != nil {
		return nil, err
	}
	// The label comes from what the user gave (a URL's last segment, percent-decoded, an
	// attachment's name) and the problems may quote the click's own manifest: both are
	// user text the replies repeat.
	info := res.Info
	if !info.OK() {
		return nil, &stagebot.Refusal{Code: stagebot.EINVALID, Reason: stagebot.ReasonBadClick, Action: actStage, Who: p.Display(),
			Label: sourceName(src, res), Detail: problems(info)}
	}
	if res.Label != "" && res.Label != info.Filename {
		os.Remove(res.Path)
		return nil, &stagebot.Refusal{Code: stagebot.EINVALID, Reason: stagebot.ReasonMislabelled, Action: actStage, Who: p.Display(),
			Label: res.Label, Detail: info.Filename}
	}

	dir := s.clickDir(id)
	local := filepath.Join(dir, info.Filename)
	now := s.now()
	r := &stagebot.Request{
		ID: id, Name: info.Name, Version: info.Version, Arch: info.FileArch,
		Architectures: info.Architectures, Framework: info.Framework, NeedsFrameworks: info.NeedsFrameworks,
		Filename: info.Filename, Size: info.Size, SHA256: info.SHA256, SHA512: info.SHA512,
		Source: stagebot.RedactURL(stagebot.CleanText(src.Value)), LocalPath: local,
		Requester: actor, RequesterKey: p.Key, RequesterKeys: p.Keys(),
		Created: now, Updated: now,
	}
	if src.Follow != nil {
		r.Preupload = &stagebot.Preupload{Name: snakefruit.PendingName(id)}
	}
	if info.Signature != nil && info.Signature.Valid {
		r.Signer, r.SignerFingerprint = info.Signature.KeyID, info.Signature.Fingerprint
	}
	there, found := look.file(r.Filename, s.cfg.lookahead)
	err = s.update(func(tx *storage.Tx) error {
		if err := s.checkNewer(tx, r); err != nil {
			return err
		}
		if found && there.Size != r.Size && tx.FileOwner(r.Filename) == "" {
			// Its lock would refuse to replace that file: say so now.
			return &stagebot.Refusal{Code: stagebot.ECONFLICT, Reason: stagebot.ReasonOccupied, Action: actStage, Who: p.Display(),
				Detail: r.Filename}
		}
		// The copy is placed under the service lock, with the request's transaction: a
		// sweep of leftovers (which takes the same lock) never sees one without the other.
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		if err := os.Rename(res.Path, local); err != nil {
			return err
		}
		ev := stagebot.Event{Actor: p.Display(), Why: stagebot.WhyStaged, Framework: r.Framework, NeedsFrameworks: r.NeedsFrameworks,
			InStable: r.Framework != "" && len(r.NeedsFrameworks) == 0 && len(s.cfg.StableFrameworks) > 0}
		return s.move(tx, r, stagebot.StatePending, ev)
	})
	if err != nil {
		os.Remove(res.Path)
		os.RemoveAll(dir)
		return nil, err
	}
	recorded = r
	s.digestLater(r)
	return r, nil
}

// lookTimeout bounds a look at the folder begun with a !stage.
const lookTimeout = time.Minute

// folderLook is a look at snakefruit's folder begun with a !stage's download, so that a
// file of other bytes under the click's name is known, if snakefruit answers by the time the
// click is inspected: no !stage ever waits for snakefruit.
type folderLook chan []snakefruit.File

func (s *Service) lookAtFolder(ctx context.Context) folderLook {
	if s.cfg.Target == nil {
		return nil
	}
	look := make(folderLook, 1)
	// Not cancelled when the stage ends: a cancelled operation may cost others the
	// connection it shares with them. Its own timeout ends it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lookTimeout)
	s.looker(func() {
		defer cancel()
		files, err := s.cfg.Target.Files(ctx)
		if err != nil {
			files = nil // not known
		}
		look <- files
	})
	return look
}

// file is what the look found under name, once it answered within grace (at once when
// grace is 0).
func (l folderLook) file(name string, grace time.Duration) (snakefruit.File, bool) {
	var files []snakefruit.File
	if grace > 0 {
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case files = <-l:
		case <-timer.C:
		}
	} else {
		select {
		case files = <-l:
		default:
		}
	}
	i := slices.IndexFunc(files, func(f snakefruit.File) bool { return f.Name == name })
	if i < 0 {
		return snakefruit.File{}, false
	}
	return files[i], true
}

// checkNewer refuses a version that is not newer than what is locked, or what is already
// asked for, for the same name and architecture.
func (s *Service) checkNewer(tx *storage.Tx, r *stagebot.Request) error {
	others, err := tx.PackageRequests(r.Name, r.Arch, 0)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.State.Final() || o.ID == r.ID {
			continue
		}
		c, err := click.CompareVersions(r.Version, o.Version)
		if err != nil {
			return &stagebot.Refusal{Code: stagebot.EINVALID, Reason: stagebot.ReasonBadVersion, Action: actStage, Request: r.Ref(), Detail: err.Error()}
		}
		switch {
		case o.State.OnSnakefruit() && c <= 0:
			return &stagebot.Refusal{Code: stagebot.ECONFLICT, Reason: stagebot.ReasonNotNewer, Action: actStage, Request: r.Ref(), Other: o.Ref()}
		case c == 0 && o.State != stagebot.StateFailed:
			// A failed request does not block (contract section 3): it may be retried,
			// and if both end up approved the one locked first supersedes the other.
			return &stagebot.Refusal{Code: stagebot.ECONFLICT, Reason: stagebot.ReasonAlreadyRequested, Action: actStage, Request: r.Ref(), Other: o.Ref()}
		}
	}
	return nil
}

func sourceName(src intake.Source, res *intake.Result) string {
	if res.Label != "" {
		return res.Label
	}
	if res.Info != nil && res.Info.Filename != "" {
		return res.Info.Filename
	}
	return stagebot.RedactURL(src.Value)
}

func problems(info *click.Info) string {
	var msgs []string
	for _, p := range info.Problems {
		msgs = append(msgs, p.Message)
	}
	if len(msgs) == 0 {
		return "it is not a valid click"
	}
	return strings.Join(msgs, "; ")
}
