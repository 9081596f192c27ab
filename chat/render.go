package chat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"stagebot"
)

// Renderer words what the bot says: the workflow's events, the commands' outcomes and
// refusals, help, with the configured command prefix. Every sentence a person reads is
// here (or in the commands' help registered beside them), so no prefix is ever hard-coded
// and the permission table is worded once.
type Renderer struct {
	// Prefix is command_prefix ("!" by default).
	Prefix string
}

// b builds a message part by part.
type b struct {
	r     Renderer
	parts []Part
}

func (r Renderer) start() *b { return &b{r: r} }

func (m *b) w(s string) *b {
	if s != "" {
		m.parts = append(m.parts, Part{Role: Words, Text: s})
	}
	return m
}

// strong is the bot's own words, to stand out where a network can show that.
func (m *b) strong(s string) *b {
	if s != "" {
		m.parts = append(m.parts, Part{Role: Strong, Text: s})
	}
	return m
}

// br ends a line of a list; inline is what stands for it on a one-line network.
func (m *b) br(inline string) *b {
	m.parts = append(m.parts, Part{Role: Break, Text: inline})
	return m
}

func (m *b) wf(format string, args ...any) *b { return m.w(fmt.Sprintf(format, args...)) }

// q quotes outside text. A URL in it loses its credentials (stagebot.RedactText) before
// anyone can read it.
func (m *b) q(s string) *b {
	if s != "" {
		m.parts = append(m.parts, Part{Role: Outside, Text: stagebot.RedactText(s)})
	}
	return m
}

func (m *b) id(fullOrShort string) *b {
	m.parts = append(m.parts, Part{Role: ID, Text: stagebot.ShortID(fullOrShort)})
	return m
}

func (m *b) file(f string) *b {
	m.parts = append(m.parts, Part{Role: Filename, Text: f})
	return m
}

// cmd is a command people type; the prefix is added by the guard.
func (m *b) cmd(name string, args ...string) *b {
	m.parts = append(m.parts, Part{Role: Command, Text: strings.Join(append([]string{name}, args...), " ")})
	return m
}

// who names a person as a record names them, without an IRC stranger's host
// (stagebot.PublicName).
func (m *b) who(display string) *b { return m.q(stagebot.PublicName(display)) }

// people names persons, as who does, joined as list joins them.
func (m *b) people(displays []string) *b {
	out := make([]string, len(displays))
	for i, d := range displays {
		out[i] = stagebot.PublicName(d)
	}
	return m.list(out, true)
}

// list quotes each of items, joined with commas and "and".
func (m *b) list(items []string, quote bool) *b {
	for i, it := range items {
		switch {
		case i == 0:
		case i == len(items)-1:
			m.w(" and ")
		default:
			m.w(", ")
		}
		if quote {
			m.q(it)
		} else {
			m.wf("%s", it)
		}
	}
	return m
}

// refs names requests as "[ID] FILENAME", comma-separated.
func (m *b) refs(rs []*stagebot.RequestRef) *b {
	for i, r := range rs {
		if i > 0 {
			m.w(", ")
		}
		m.w("[").id(r.ID).w("] ").file(r.Filename)
	}
	return m
}

// Text is the plain text of a message, for logs, notes and tests (no prefix added to
// commands: the prefix is the guard's).
func (m Message) Text() string {
	var s strings.Builder
	for _, p := range m.Parts {
		s.WriteString(p.Text)
	}
	return s.String()
}

// Plural is n with the noun in the right number: "1 approval", "2 approvals".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// head starts an announcement about r: "[ID] FILENAME WORD".
func (r Renderer) head(kind Kind, ref *stagebot.RequestRef, word string) *b {
	m := r.start()
	m.w("[").id(ref.ID).w("] ").file(ref.Filename).w(" " + word)
	_ = kind
	return m
}

// Event words an event for the channels.
func (r Renderer) Event(e stagebot.Event) Message {
	msg := Message{Kind: Announcement, AsksApproval: e.AsksApproval, ChannelWide: e.ChannelWide, RequestID: e.AboutRequest()}
	if e.Request == nil && e.Text != "" {
		// An older stagebot's record: its words, as they were (the guard still cleans them).
		if e.RequestID == "" {
			msg.Kind = Notice
		}
		msg.Parts = []Part{{Role: Words, Text: e.Text}}
		return msg
	}
	var m *b
	if e.Request == nil {
		msg.Kind = Notice
		m = r.notice(e)
	} else {
		m = r.about(e)
	}
	msg.Parts = m.parts
	for _, name := range e.Mention {
		msg.Parts = append(msg.Parts, Part{Role: Words, Text: " "}, Part{Role: Mention, Text: name})
	}
	return msg
}

// Note words an event for a request's history and the audit log: what the announcement
// says after its head, without mentions.
func (r Renderer) Note(e stagebot.Event) string {
	e.Mention = nil
	if e.Request == nil {
		return r.notice(e).text(r.Prefix)
	}
	m := r.start()
	r.detail(m, e)
	return m.text(r.Prefix)
}

// text is a builder's plain text with commands prefixed.
func (m *b) text(prefix string) string {
	var s strings.Builder
	for _, p := range m.parts {
		if p.Role == Command {
			s.WriteString(prefix)
		}
		s.WriteString(p.Text)
	}
	return s.String()
}

// Word is the contract's keyword an event about a request carries.
func Word(e stagebot.Event) string {
	switch e.Kind {
	case stagebot.EventState:
		if e.State == stagebot.StatePending {
			return stagebot.WordRequested
		}
		return string(e.State)
	case stagebot.EventReminder:
		return stagebot.WordRequested
	case stagebot.EventProgress:
		return "approved"
	case stagebot.EventTakenOff:
		return string(e.Request.State)
	case stagebot.EventPublishFailed:
		return "failed"
	case stagebot.EventAbsent:
		return "locked"
	case stagebot.EventRetrying:
		return "retrying"
	}
	return string(e.Kind)
}

func (r Renderer) about(e stagebot.Event) *b {
	m := r.head(Announcement, e.Request, Word(e))
	if e.Kind == stagebot.EventProgress {
		m.wf(" %d/%d", e.Missing.Have, e.Missing.Need)
		if e.QA != "" {
			m.w(", QA sign-off")
		}
		m.w(" by ").who(firstNonEmpty(e.QA, e.Actor)).w("; ")
		r.missing(m, e.Missing, e.Request)
		m.w(" needed")
		return m
	}
	d := r.start()
	r.detail(d, e)
	if len(d.parts) > 0 {
		m.w(": ")
		m.parts = append(m.parts, d.parts...)
	}
	return m
}

// detail words what an event about a request says after its head.
func (r Renderer) detail(m *b, e stagebot.Event) {
	id := e.Request.ID
	switch e.Kind {
	case stagebot.EventState:
		r.transition(m, e)
	case stagebot.EventProgress:
		m.wf("approved %d/%d by ", e.Missing.Have, e.Missing.Need).who(firstNonEmpty(e.QA, e.Actor))
	case stagebot.EventHeld:
		m.w("by ").who(e.Actor)
		if e.Reason != "" {
			m.w(": ").q(e.Reason)
		}
		if e.Why == stagebot.WhyHeldBack {
			m.w("; back to pending, approvals kept")
		}
		m.w("; not locked until ").cmd("unhold", stagebot.ShortID(id))
	case stagebot.EventUnheld:
		m.w("by ").who(e.Actor)
	case stagebot.EventReminder:
		m.wf("still waiting for approval after %s (", stagebot.FormatDuration(e.Age))
		if e.Missing != nil {
			r.missing(m, e.Missing, e.Request)
		}
		m.w("); ").cmd("approve", stagebot.ShortID(id))
	case stagebot.EventTakenOff:
		r.removal(m, e, true)
	case stagebot.EventRetrying:
		m.wf("%s attempt %d did not work: ", e.Job, e.Attempts).w(e.Cause)
		m.w("; still trying")
		if !e.Next.IsZero() {
			m.wf(", next at %s", e.Next.UTC().Format("15:04:05 UTC"))
		}
	case stagebot.EventPublishFailed:
		m.w("publication failed: ").w(e.Cause).w("; it stays locked; ").cmd("retry", stagebot.ShortID(id)).
			w(" or the next phasing signal tries again")
	case stagebot.EventAbsent:
		m.wf("still absent from the synced click list after %s; click-sync has not picked it up (is it in the list on snakefruit?)",
			Plural(e.Attempts, "tick", "ticks"))
	default:
		m.wf("%s", e.Kind)
	}
}

func (r Renderer) transition(m *b, e stagebot.Event) {
	id := stagebot.ShortID(e.Request.ID)
	switch e.Why {
	case stagebot.WhyStaged:
		m.wf("%s %s %s by ", e.Request.Name, e.Request.Version, e.Request.Arch).who(e.Request.Requester)
		switch {
		case len(e.NeedsFrameworks) > 0:
			m.w("; needs ").list(e.NeedsFrameworks, true).w(" (not in stable yet)")
		case e.InStable:
			m.w("; framework ").q(e.Framework).w(" is already in stable")
		case e.Framework != "":
			m.w("; framework ").q(e.Framework)
		}
		m.w("; approve with ").cmd("approve", id)
	case stagebot.WhyWithdrawn:
		m.w("approval withdrawn by ").who(e.Actor).w("; waiting for approval again")
	case stagebot.WhyHeldBack:
		m.w("held by ").who(e.Actor).w("; back to pending, approvals kept")
	case stagebot.WhyApproved, stagebot.WhyUnheld:
		m.w("by ").people(e.By)
		if e.QA != "" {
			m.w(", QA sign-off by ").q(e.QA)
		}
		if e.Why == stagebot.WhyUnheld {
			m.w("; unheld by ").who(e.Actor)
		}
		m.w("; queued for locking")
	case stagebot.WhyRetried:
		m.w("retry by ").who(e.Actor).w(" after: ").w(e.Cause)
	case stagebot.WhyRejected, stagebot.WhyCancelled:
		m.w("by ").who(e.Actor)
		if e.Reason != "" {
			m.w(": ").q(e.Reason)
		}
		if e.Removal != stagebot.RemovalNone {
			m.w("; ")
			r.removal(m, e, false)
		}
		r.leftBare(m, e.Before)
	case stagebot.WhyExpired:
		m.wf("expired: pending for %s", stagebot.FormatDuration(e.Age))
	case stagebot.WhyNotNewer:
		m.file(e.Other.Filename).w(" [").id(e.Other.ID).w("] is already locked and not older")
	case stagebot.WhyOvertaken:
		m.w("by ").file(e.Other.Filename).w(" [").id(e.Other.ID).w("]")
		if e.Placed == stagebot.PlacedReplacing {
			m.w(", which took its place in the list")
		}
	case stagebot.WhyLocked:
		switch e.Placed {
		case stagebot.PlacedPersonsLine:
			m.w("on snakefruit; the list already named it (a person's line, left as it is)")
		case stagebot.PlacedReplacing:
			m.w("replaces ").file(e.Replaces).w(" in the list")
		default:
			m.w("on snakefruit and in the list")
		}
		if e.Receipt {
			m.w("; signed receipt kept")
		}
	case stagebot.WhyStored:
		m.w("click-sync picked it up; the next rc-proposed image carries it")
	case stagebot.WhyPromoted:
		m.w("in stable image ").q(e.Image).w("; phased updates start")
	case stagebot.WhyPublished:
		switch e.Removal {
		case stagebot.RemovalPersons:
			m.w("phasing ended; published (its list line is a person's and stays)")
		case stagebot.RemovalLineOnly:
			m.w("phasing ended; published and flushed from the list; its file in locked-clicks is not one the bot put there and stays")
		default:
			m.w("phasing ended; published and flushed from the list")
		}
	case stagebot.WhyGaveUp:
		m.w("after "+Plural(e.Attempts, "attempt", "attempts")+": ").w(e.Cause).w("; ").cmd("retry", id).w(" queues it again")
	default:
		if e.Actor != "" {
			m.w("by ").who(e.Actor)
		}
	}
}

// leftBare says that a cancel leaves a package with nothing staged, and what was there
// before the cancelled version superseded it.
func (r Renderer) leftBare(m *b, before *stagebot.RequestRef) {
	if before == nil {
		return
	}
	m.w("; ").q(before.Name).w(" has nothing staged now: before it, ").file(before.Filename).w(" [").id(before.ID).
		w("] was, which it superseded; ").cmd("stage", before.Filename).w(" to bring that back")
}

// removal words what taking a click off snakefruit does (done) or will do.
func (r Renderer) removal(m *b, e stagebot.Event, done bool) {
	both, line := "taking it off the list and out of locked-clicks", "taking it off the list"
	if done {
		both, line = "taken off the list and out of locked-clicks", "taken off the list"
	}
	switch e.Removal {
	case stagebot.RemovalFull:
		m.w(both)
	case stagebot.RemovalLineOnly:
		m.w(line).w("; its file in locked-clicks is not one the bot put there and stays")
	case stagebot.RemovalPersons:
		m.w("its list line is a person's and stays, and so does its file")
	case stagebot.RemovalUnlisted:
		if done {
			m.w("taken out of locked-clicks (the person's line that named it is gone)")
		} else {
			m.w("taking it out of locked-clicks unless a person's line still names it")
		}
	case stagebot.RemovalShared:
		if e.Other != nil && e.Other.ID != e.Request.ID {
			m.w("[").id(e.Other.ID).w("] has the same file on snakefruit, so its line and file stay")
		} else {
			m.w("it is on snakefruit, so its line and file stay")
		}
	case stagebot.RemovalLeftAlone:
		m.w("the list is left as it is")
	}
}

// missing words what a request still lacks: "1 more landing-team approval and a QA
// sign-off (!qa ID)".
func (r Renderer) missing(m *b, miss *stagebot.Missing, req *stagebot.RequestRef) {
	first := true
	if miss.Approvals > 0 {
		m.wf("%s", Plural(miss.Approvals, "more landing-team approval", "more landing-team approvals"))
		first = false
	}
	if miss.QA {
		if !first {
			m.w(" and ")
		}
		m.w("a QA sign-off (").cmd("qa", stagebot.ShortID(req.ID)).w(")")
		first = false
	}
	if first {
		m.w("nothing")
	}
}

// notice words an event about no single request.
func (r Renderer) notice(e stagebot.Event) *b {
	m := r.start()
	switch e.Kind {
	case stagebot.EventTick:
		m.w("click-sync tick (")
		if e.Why == stagebot.WhyCommand {
			m.cmd("tick").w(" by ").who(e.Actor)
		} else {
			m.wf("%s", stagebot.PublicName(e.Actor))
		}
		m.w("): ")
		if len(e.Requests) == 0 {
			m.w("no newly locked clicks")
		} else {
			m.w("stored ").refs(e.Requests)
		}
	case stagebot.EventPromotion:
		m.w("image ").q(e.Image).w(" promoted to stable; phased updates start")
		if len(e.Requests) > 0 {
			m.w("; it carries ").refs(e.Requests)
		}
	case stagebot.EventPhasing:
		if e.Image != "" {
			m.w("phasing of image ").q(e.Image).wf(" at %d%%", e.Percent)
		} else {
			m.wf("phasing %d%%", e.Percent)
		}
		if e.Percent == 100 {
			m.wf(": phased updates ended; publishing %s", Plural(e.Count, "click", "clicks"))
		}
	case stagebot.EventRCProposed:
		m.w("rc-proposed image ").q(e.Image)
		if len(e.Requests) > 0 {
			m.w(" carries ").refs(e.Requests)
		} else {
			m.w(" is out")
		}
	default:
		m.wf("%s", e.Kind)
	}
	return m
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// Outcome words what an action did, for the person who asked. It never starts like an
// announcement: the ID comes first, without brackets.
func (r Renderer) Outcome(o *stagebot.Outcome) Message {
	m := r.start()
	req := o.Request
	id := req.ShortID()
	m.id(req.ID).w(" ")
	switch o.Kind {
	case stagebot.OutcomeApproved:
		m.w("approved; queued for locking")
	case stagebot.OutcomeSignoffRecorded:
		m.w("sign-off recorded; still waiting for ")
		r.missing(m, &o.Missing, req.Ref())
	case stagebot.OutcomeSignoffHeld:
		m.w("sign-off recorded; not queued for locking: held by ").who(req.Hold.Display()).w(" (").cmd("unhold", id).w(")")
	case stagebot.OutcomeWithdrawn:
		m.w("approval by ").who(o.Actor).w(" withdrawn")
	case stagebot.OutcomeRejected:
		m.w("rejected")
	case stagebot.OutcomeCancelled:
		m.w("cancelled")
		if o.Removal != stagebot.RemovalNone {
			m.w("; ")
			r.removal(m, stagebot.Event{Removal: o.Removal, Request: req.Ref()}, false)
		}
		r.leftBare(m, o.Before)
	case stagebot.OutcomeHeld:
		m.w("held by ").who(o.Actor)
		if req.Hold != nil && req.Hold.Reason != "" {
			m.w(": ").q(req.Hold.Reason)
		}
		m.w("; not locked until ").cmd("unhold", id)
	case stagebot.OutcomeUnheld:
		m.w("unheld")
	case stagebot.OutcomeUnheldApproved:
		m.w("unheld; approved and queued for locking")
	case stagebot.OutcomeUnheldWaiting:
		m.w("unheld; still waiting for ")
		r.missing(m, &o.Missing, req.Ref())
	case stagebot.OutcomeRetryQueued:
		m.w("queued for locking again")
	case stagebot.OutcomePublishRequeued:
		m.w("publication queued again")
	case stagebot.OutcomePublishStillQueue:
		m.w("publication is already queued")
	default:
		m.wf("%s", o.Kind)
	}
	return Message{Kind: Reply, RequestID: req.ID, Parts: m.parts}
}

// Refusal words why an action was refused: "refused: ..." for the asker.
func (r Renderer) Refusal(err error) Message {
	m := r.start().w("refused: ")
	r.refusalBody(m, err)
	return Message{Kind: Reply, Parts: m.parts}
}

// ErrorText is err worded as a sentence without "refused:", for logs and the CLI.
func (r Renderer) ErrorText(err error) string {
	m := r.start()
	r.refusalBody(m, err)
	return m.text(r.Prefix)
}

func (r Renderer) refusalBody(m *b, err error) {
	var f *stagebot.Refusal
	var e *stagebot.Error
	switch {
	case asRefusal(err, &f):
		r.refusal(m, f)
	case asError(err, &e):
		if len(e.Parts) == 0 {
			m.w(stagebot.RedactText(e.Message))
			return
		}
		for _, p := range e.Parts {
			if p.Outside {
				m.q(p.Text)
			} else {
				m.w(stagebot.RedactText(p.Text))
			}
		}
	default:
		m.w("internal error; the landing team can read the bot's log")
	}
}

func (r Renderer) refusal(m *b, f *stagebot.Refusal) {
	ref := func() { m.w("[").id(f.Request.ID).w("]") }
	switch f.Reason {
	case stagebot.ReasonNotPermitted:
		m.who(f.Who).w(" may not " + actionPhrase(f.Action))
		if f.Request != nil && stagebot.Permissions[f.Action].Requester {
			m.w(" ")
			ref()
		}
		m.w(": only " + r.roles(f.Action) + " may")
		if f.Action == stagebot.ActStage {
			m.w(" (team.landers)")
		}
	case stagebot.ReasonOwnRequest:
		m.who(f.Who).w(" may not " + actionPhrase(f.Action) + " ")
		ref()
		m.w(": it is their own request (no self-approval)")
	case stagebot.ReasonNotPending:
		ref()
		if f.Action == stagebot.ActQA {
			m.wf(" is %s, not pending: a sign-off changes nothing now", f.State)
		} else {
			m.wf(" is %s, not pending: nothing to approve", f.State)
		}
	case stagebot.ReasonAlreadyApproved:
		m.who(f.Who).w(" already approved ")
		ref()
	case stagebot.ReasonAlreadySignedOff:
		ref()
		m.w(" already has QA sign-off from ").who(f.By)
	case stagebot.ReasonNoApproval:
		m.who(f.Who).w(" has no approval on ")
		ref()
		m.w(" to withdraw")
	case stagebot.ReasonTooLateWithdraw:
		ref()
		m.wf(" is already %s: withdrawing an approval changes nothing now", f.State)
	case stagebot.ReasonNotRejectable:
		ref()
		m.wf(" is %s: only a request not yet locked can be rejected (use ", f.State).cmd("cancel").w(" to take a locked click off)")
	case stagebot.ReasonEnded:
		ref()
		m.wf(" is already %s", f.State)
	case stagebot.ReasonAlreadyHeld:
		ref()
		m.w(" is already held by ").who(f.By)
		if f.Detail != "" {
			m.w(": ").q(f.Detail)
		}
	case stagebot.ReasonTooLateHold:
		ref()
		switch f.State {
		case stagebot.StateApproved:
			m.w(" cannot be held, too late: locking")
		case stagebot.StateFailed:
			m.w(" cannot be held, too late: locking failed")
		default:
			m.wf(" cannot be held, too late: already %s", f.State)
		}
		m.w(" (").cmd("cancel", f.Request.ShortID()).w(" remains)")
	case stagebot.ReasonNotHeld:
		ref()
		m.w(" is not held")
	case stagebot.ReasonNothingToRetry:
		ref()
		m.wf(" is %s: nothing failed to retry", f.State)
	case stagebot.ReasonBeingPublished:
		ref()
		m.w(" is too late to cancel: it is being published")
	case stagebot.ReasonAlreadyRequested:
		m.file(f.Request.Filename).w(" is already requested as [").id(f.Other.ID).wf("] (%s)", f.Other.State)
	case stagebot.ReasonNotNewer:
		m.wf("%s %s is already locked as [", f.Other.Name, f.Other.Version).id(f.Other.ID).
			wf("]; stage a newer version than %s", f.Other.Version)
	case stagebot.ReasonBadVersion:
		m.w("version ").q(f.Request.Version).w(": ").q(f.Detail)
	case stagebot.ReasonBadClick:
		m.q(f.Label).w(" is not a click the bot can stage: ").q(f.Detail)
	case stagebot.ReasonMislabelled:
		m.q(f.Label).w(" is mislabelled: its manifest makes it ").q(f.Detail)
	case stagebot.ReasonOccupied:
		m.w("snakefruit already has a ").q(f.Detail).w(" with other bytes, put there by someone else, which the bot does not replace: ask them to remove or rename it, then stage again")
	default:
		m.w(string(f.Reason))
	}
}

// roles words who may take action a by their roles alone (stagebot.Permissions).
func (r Renderer) roles(a stagebot.Action) string {
	perm := stagebot.Permissions[a]
	var who []string
	if perm.Requester {
		who = append(who, "its requester")
	}
	for _, role := range perm.Roles {
		switch role {
		case stagebot.RoleLanding:
			who = append(who, "the landing team")
		case stagebot.RoleQA:
			who = append(who, "QA")
		case stagebot.RoleLander:
			who = append(who, "landers")
		}
	}
	if len(who) == 0 {
		return "anyone"
	}
	return joinOr(who)
}

// actionPhrase is what a person does when they take action a, as a refusal says it.
func actionPhrase(a stagebot.Action) string {
	switch a {
	case stagebot.ActStage:
		return "stage clicks"
	case stagebot.ActQA:
		return "sign off"
	case stagebot.ActPromote:
		return "report a promotion"
	case stagebot.ActPhasing:
		return "report phasing"
	}
	return string(a)
}

// Who words who may take action a (stagebot.Permissions), for help and the docs: "the
// landing team (not on their own request)", "its requester or the landing team".
func (r Renderer) Who(a stagebot.Action) string {
	if a == stagebot.ActWithdraw {
		return "whoever approved"
	}
	s := r.roles(a)
	if stagebot.Permissions[a].NotOwn {
		s += " (not on their own request)"
	}
	return s
}

func joinOr(items []string) string {
	switch len(items) {
	case 1:
		return items[0]
	case 2:
		return items[0] + " or " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// Age words how long ago t was, relative to now, for a view: "3m ago".
func Age(now, t time.Time) string { return stagebot.FormatDuration(now.Sub(t)) + " ago" }

func asRefusal(err error, f **stagebot.Refusal) bool { return errors.As(err, f) }
func asError(err error, e **stagebot.Error) bool     { return errors.As(err, e) }

// SlowDown is the one answer to a person past the command limit, per burst.
func (r Renderer) SlowDown(n int, per time.Duration) Message {
	return Message{Kind: Reply, Parts: r.start().wf("slow down: at most %s per %s; commands over that are ignored",
		Plural(n, "command", "commands"), stagebot.FormatDuration(per)).parts}
}

// NotAboutARequest answers an approval or rejection on a bot message that is about no
// request.
func (r Renderer) NotAboutARequest() Message {
	return Message{Kind: Reply, Parts: r.start().w("that message is about no request; react to a request's message, or use ").
		cmd("approve", "ID").w(" or ").cmd("reject", "ID").parts}
}
