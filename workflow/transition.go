package workflow

import (
	"stagebot"
	"stagebot/storage"
)

// move changes r's state inside tx: the request, its history line, its audit entry and its
// event are written together. ev says why and who (Why, Actor, Reason and what else its kind
// needs); move fills in the rest.
func (s *Service) move(tx *storage.Tx, r *stagebot.Request, to stagebot.State, ev stagebot.Event) error {
	ev.Kind, ev.State = stagebot.EventState, to
	if err := s.record(tx, r, to, ev); err != nil {
		return err
	}
	ev.At, ev.Request = r.Updated, r.Ref()
	if to == stagebot.StatePending {
		s.asking(r, &ev)
	}
	_, err := tx.Announce(ev)
	return err
}

// asking makes ev the event that asks the landing team to approve r (the request itself,
// pending again, each reminder): it mentions those it waits for and takes reactions.
func (s *Service) asking(r *stagebot.Request, ev *stagebot.Event) {
	ev.AsksApproval, ev.Mention = true, s.approverNames(r)
	m := s.cfg.Policy.Missing(r)
	ev.Missing = &m
}

// record changes r's state inside tx with its history line and audit entry, announcing
// nothing: a caller whose change is better told another way (a hold) announces it itself.
// The history and the audit log are read by people too (status page, `audit log`): their
// words are the configured Notes' (chat's), never this package's.
func (s *Service) record(tx *storage.Tx, r *stagebot.Request, to stagebot.State, ev stagebot.Event) error {
	now := s.now()
	from := r.State
	if err := s.dropPreupload(tx, r, to); err != nil {
		return err
	}
	c := Change{Request: r.ID, Filename: r.Filename, From: from, To: to, Actor: ev.Actor, At: now}
	if n := len(r.History); n > 0 {
		c.Entered = r.History[n-1].At
	}
	s.changes = append(s.changes, c)
	r.State = to
	r.Gen++
	r.Updated = now
	if to.Final() {
		s.ended = append(s.ended, r.ID)
	}
	ev.Kind, ev.State, ev.At, ev.Request = stagebot.EventState, to, now, r.Ref()
	note := stagebot.RedactText(s.notes(ev))
	r.History = append(r.History, stagebot.Transition{From: from, To: to, At: now, Actor: ev.Actor, Note: note})
	if err := tx.PutRequest(r); err != nil {
		return err
	}
	detail := string(from) + " -> " + string(to)
	if from == "" {
		detail = "-> " + string(to)
	}
	if note != "" {
		detail += ": " + note
	}
	return tx.Audit(storage.Entry{At: now, Actor: ev.Actor, Action: string(to), RequestID: r.ID, Detail: detail})
}

// notes words ev for the history and the audit log (Config.Notes).
func (s *Service) notes(ev stagebot.Event) string {
	if s.cfg.Notes == nil {
		return string(ev.Why)
	}
	return s.cfg.Notes(ev)
}

// aside announces an event about r that is not a transition (progress, a hold): its State
// stays empty, so that networks showing the request's state do not take it for one.
func (s *Service) aside(tx *storage.Tx, r *stagebot.Request, ev stagebot.Event) error {
	ev.At, ev.Request = s.now(), r.Ref()
	_, err := tx.Announce(ev)
	return err
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
func (s *Service) event(tx *storage.Tx, ev stagebot.Event) error {
	ev.At, ev.ChannelWide = s.now(), true
	if err := tx.Audit(storage.Entry{At: ev.At, Actor: ev.Actor, Action: string(ev.Kind), Detail: stagebot.RedactText(s.notes(ev))}); err != nil {
		return err
	}
	_, err := tx.Announce(ev)
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
