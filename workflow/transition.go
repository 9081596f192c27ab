package workflow

import (
	"fmt"
	"strings"
	"time"

	"stagebot"
	"stagebot/storage"
)

// move changes r's state inside tx: the request, its audit entry and its announcement are
// written together. text is the announcement's line after the ID, filename and word.
func (s *Service) move(tx *storage.Tx, r *stagebot.Request, to stagebot.State, actor, note string) error {
	note = stagebot.RedactText(note)
	if err := s.record(tx, r, to, actor, note); err != nil {
		return err
	}
	a := stagebot.Announcement{At: r.Updated, RequestID: r.ID, Word: string(to), Text: line(r, string(to), note)}
	if to == stagebot.StatePending {
		a = s.asking(r, r.Updated, note)
	}
	a.State = to
	_, err := tx.Announce(a)
	return err
}

// asking is the `requested` line: it asks the landing team to approve r, mentioning those
// it waits for (the request itself, pending again, each reminder).
func (s *Service) asking(r *stagebot.Request, at time.Time, note string) stagebot.Announcement {
	return stagebot.Announcement{At: at, RequestID: r.ID, Word: stagebot.WordRequested, AsksApproval: true,
		Text: line(r, stagebot.WordRequested, note), Mention: s.approverNames(r)}
}

// record changes r's state inside tx with its history line and audit entry, announcing
// nothing: a caller whose change is better told another way (a hold) announces it itself.
func (s *Service) record(tx *storage.Tx, r *stagebot.Request, to stagebot.State, actor, note string) error {
	// The history and the audit log are shown too (status page, `audit log`).
	note = stagebot.RedactText(note)
	now := s.now()
	from := r.State
	r.State = to
	r.Gen++
	r.Updated = now
	if to.Final() {
		s.ended = append(s.ended, r.ID)
	}
	r.History = append(r.History, stagebot.Transition{From: from, To: to, At: now, Actor: actor, Note: note})
	if err := tx.PutRequest(r); err != nil {
		return err
	}
	detail := fmt.Sprintf("%s -> %s", from, to)
	if from == "" {
		detail = "-> " + string(to)
	}
	if note != "" {
		detail += ": " + note
	}
	return tx.Audit(storage.Entry{At: now, Actor: actor, Action: string(to), RequestID: r.ID, Detail: detail})
}

// aside announces a line about r that is not a transition (a hold, progress): State stays
// empty so that adapters showing the request's state do not take it for one.
func (s *Service) aside(tx *storage.Tx, r *stagebot.Request, word, note string) error {
	return s.asideLine(tx, r, word, line(r, word, note))
}

// asideLine is aside for a caller that words the whole line itself.
func (s *Service) asideLine(tx *storage.Tx, r *stagebot.Request, word, text string) error {
	_, err := tx.Announce(stagebot.Announcement{At: s.now(), RequestID: r.ID, Word: word, Text: stagebot.RedactText(text)})
	return err
}

// line is the one-line form every announcement about a request has: ID, full filename,
// the contract's keyword, then details.
//
// The note passes through stagebot.RedactText: it may quote an error that names a URL, and
// announcements reach every channel.
func line(r *stagebot.Request, word, note string) string {
	note = stagebot.RedactText(note)
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s %s", r.ShortID(), r.Filename, word)
	if note != "" {
		b.WriteString(": ")
		b.WriteString(note)
	}
	return b.String()
}

// approverNames are the landing-team members a request waits for: every named member
// except the requester (who cannot approve unless self-approval is on).
func (s *Service) approverNames(r *stagebot.Request) []string {
	var out []string
	for _, m := range s.cfg.Team.Approvers() {
		if !s.cfg.Policy.SelfApproval && r.IsRequesterKey(stagebot.MemberKey(m.Name)) {
			continue
		}
		if r.ApprovedBy(stagebot.MemberKey(m.Name)) {
			continue
		}
		out = append(out, m.Name)
	}
	return out
}

// event records something that is not a request transition (a tick, a promotion, phasing):
// its audit entry and its announcement in one go.
func (s *Service) event(tx *storage.Tx, actor, word, text string) error {
	text = stagebot.RedactText(text)
	now := s.now()
	if err := tx.Audit(storage.Entry{At: now, Actor: actor, Action: word, Detail: text}); err != nil {
		return err
	}
	_, err := tx.Announce(stagebot.Announcement{At: now, Word: word, Text: text, ChannelWide: true})
	return err
}

// note records a change that keeps the state (an approval short of the policy, a retry
// scheduled) in the request and the audit log, without an announcement.
func (s *Service) note(tx *storage.Tx, r *stagebot.Request, actor, action, detail string) error {
	r.Updated = s.now()
	if err := tx.PutRequest(r); err != nil {
		return err
	}
	return tx.Audit(storage.Entry{At: r.Updated, Actor: actor, Action: action, RequestID: r.ID, Detail: detail})
}
