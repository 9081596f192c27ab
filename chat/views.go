package chat

import (
	"strings"
	"time"

	"stagebot"
)

// The answers of the read-only commands and the commands' own words.

func reply(m *b) Message { return Message{Kind: Reply, Parts: m.parts} }

// Statuses words !status ID or PACKAGE: one line each.
func (r Renderer) Statuses(sts []stagebot.Status, now time.Time) Message {
	m := r.start()
	for i, st := range sts {
		if i > 0 {
			m.br(" · ")
		}
		r.status(m, st, now)
	}
	return reply(m)
}

// StatusLine is one request in one line, for views outside the chat (Slack's App Home).
func (r Renderer) StatusLine(st stagebot.Status, now time.Time) Message {
	m := r.start()
	r.status(m, st, now)
	return reply(m)
}

// status is one request: ID, filename, state word, then what matters now and, for one
// that has not ended, what it waits for.
func (r Renderer) status(m *b, st stagebot.Status, now time.Time) {
	req := st.Request
	m.id(req.ID).w(" ").file(req.Filename).w(" " + string(req.State))
	m.wf(" (%s %s %s, requested by ", req.Name, req.Version, req.Arch).who(req.RequesterDisplay()).w(" " + stagebot.Ago(now, req.Created))
	if as := req.ValidApprovals(); len(as) > 0 {
		var by []string
		for _, a := range as {
			by = append(by, stagebot.PublicName(a.Display()))
		}
		m.w("; approved by ").list(by, true)
	}
	if req.QASignoff != nil {
		m.w("; QA ").who(req.QASignoff.Display())
	}
	m.w(")")
	if req.Reason != "" && req.State.Final() {
		m.w("; reason: ").q(req.Reason)
	}
	if req.State == stagebot.StateFailed && req.LastError != "" {
		m.w("; failed: ").w(req.LastError)
	}
	if req.PublishErr != "" && req.State == stagebot.StatePromoted {
		m.w("; last publication failed: ").w(req.PublishErr)
	}
	if w := st.Waiting; len(w) > 0 {
		m.w("; waiting for ")
		for i, part := range w {
			if i > 0 {
				m.w(", ")
			}
			r.waiting(m, part, req, now)
		}
	}
}

// waiting words one thing a request waits for.
func (r Renderer) waiting(m *b, w stagebot.Waiting, req *stagebot.Request, now time.Time) {
	switch w.What {
	case stagebot.WaitApprovals:
		m.w(Plural(w.Count, "more landing-team approval", "more landing-team approvals"))
		if len(w.Who) > 0 {
			m.w(" (from ").list(w.Who, true).w(")")
		}
	case stagebot.WaitQA:
		m.w("a QA sign-off (").cmd("qa", req.ShortID()).w(")")
	case stagebot.WaitHold:
		m.w("its hold to be lifted: held by ").who(w.By)
		if w.Reason != "" {
			m.w(": ").q(w.Reason)
		}
		m.w(" ("+stagebot.Ago(now, w.Since)+"; ").cmd("unhold", req.ShortID()).w(")")
	case stagebot.WaitPreupload:
		m.w("its copy to snakefruit to finish")
	case stagebot.WaitWorker:
		if w.Attempt == 0 {
			m.wf("the worker (its %s is queued)", w.Job)
		} else {
			m.wf("the worker: %s attempt %d did not work: ", w.Job, w.Attempt).w(w.Reason)
			if !w.Next.IsZero() {
				m.w("; it tries again in " + stagebot.FormatDuration(max(w.Next.Sub(now), 0)))
			}
		}
	case stagebot.WaitClickSync:
		m.w("a click-sync tick")
	case stagebot.WaitPromotion:
		m.w("an image promotion")
	case stagebot.WaitPhasing:
		m.w("phasing to end")
	}
}

// Queue words !queue (and !status without argument): what differs on snakefruit, then the
// requests in flight, at most max of them.
func (r Renderer) Queue(sts []stagebot.Status, drift stagebot.Drift, max int, now time.Time) Message {
	m := r.start()
	if !drift.Empty() {
		r.drift(m, drift)
		m.br(" · ")
	}
	if len(sts) == 0 {
		m.w("the queue is empty")
		return reply(m)
	}
	m.w(Plural(len(sts), "request", "requests") + " in flight:")
	for i, st := range sts {
		if i == 0 {
			m.br(" ") // after the colon
		} else {
			m.br(" · ")
		}
		if i == max {
			m.wf("... and %d more", len(sts)-max)
			break
		}
		r.status(m, st, now)
	}
	return reply(m)
}

// drift words how snakefruit differs from the bot's records, in sentences.
func (r Renderer) drift(m *b, d stagebot.Drift) {
	m.w("snakefruit differs from the bot's records: ")
	first := true
	sep := func() {
		if !first {
			m.w("; ")
		}
		first = false
	}
	for _, f := range d.Files {
		sep()
		switch f.Kind {
		case "line-missing":
			m.file(f.Name).w(" is locked but the list does not name it")
		case "file-missing":
			m.w("the list names ").file(f.Name).w(", locked by the bot, but the file is not in the folder")
		case "duplicate-line":
			m.w("the list names ").file(f.Name).w(" more than once")
		case "line-without-file":
			m.w("the list names ").q(f.Name).w(", which is not in the folder")
		case "file-without-line":
			m.file(f.Name).w(" is in the folder but not in the list")
		case "stray-temp":
			m.w("a temporary file ").q(f.Name).w(" was left in the folder")
		default:
			m.q(f.Kind + " " + f.Name)
		}
	}
	for _, a := range d.Absent {
		sep()
		m.w("[").id(a.Request.ID).w("] ").file(a.Request.Filename).w(" is locked but absent from the synced click list after " +
			Plural(a.Ticks, "tick", "ticks"))
	}
}

// History words !history PACKAGE.
func (r Renderer) History(rs []*stagebot.Request) Message {
	m := r.start()
	if len(rs) == 0 {
		m.w("no requests")
	}
	for i, req := range rs {
		if i > 0 {
			m.br(" · ")
		}
		m.id(req.ID).w(" ").file(req.Filename).w(" " + string(req.State) + " (" + stagebot.FormatTime(req.Created) + ", by ").
			who(req.RequesterDisplay()).w(")")
	}
	return reply(m)
}

// Requested answers a !stage where its announcement does not reach the asker.
func (r Renderer) Requested(req *stagebot.Request) Message {
	return reply(r.start().id(req.ID).wf(" requested: %s %s %s (", req.Name, req.Version, req.Arch).file(req.Filename).
		w("); waiting for approval"))
}

// Queued tells a lander their !stage waits for a download turn.
func (r Renderer) Queued(ahead int) Message {
	return reply(r.start().w("queued behind " + Plural(ahead, "download", "downloads") + "; your ").cmd("stage").
		w(" starts when its turn comes"))
}

// Fetching tells a lander their !stage's download is still under way: got bytes so far, of
// total (-1 when unknown).
func (r Renderer) Fetching(got, total int64) Message {
	m := r.start().w("still fetching your click: " + stagebot.FormatSize(got))
	if total >= 0 {
		m.w(" of " + stagebot.FormatSize(total))
	}
	return reply(m.w(" so far; the request follows once it is in and inspected"))
}

// OneClickPerStage refuses a !stage with several attachments.
func (r Renderer) OneClickPerStage() error {
	return stagebot.Errorf(stagebot.EINVALID, "attach one click per %sstage", r.Prefix)
}

// Ticked answers !tick.
func (r Renderer) Ticked(stored int) Message {
	return reply(r.start().w("tick recorded; " + Plural(stored, "click", "clicks") + " stored"))
}

// Promoted answers !promote.
func (r Renderer) Promoted(n int) Message {
	return reply(r.start().w("promotion recorded; " + Plural(n, "click", "clicks") + " promoted"))
}

// Phasing answers !phasing.
func (r Renderer) Phasing(percent, queued int) Message {
	if percent == 100 {
		return reply(r.start().w("phasing ended; " + Plural(queued, "click", "clicks") + " queued for publication"))
	}
	return reply(r.start().wf("phasing at %d%% recorded", percent))
}

// UnknownCommand answers a command that does not exist, with the nearest one there is.
func (r Renderer) UnknownCommand(name, near string) Message {
	m := r.start().w("unknown command ").q(r.Prefix + name)
	if near != "" {
		m.w("; did you mean ").cmd(near).w("? ")
	} else {
		m.w("; ")
	}
	return reply(m.cmd("help").w(" lists the commands"))
}

// Usage answers a command given without what it needs.
func (r Renderer) Usage(name, args string) Message {
	return reply(r.start().w("usage: ").cmd(name, args))
}

// CommandHelp is one command's help, as the command table registers it.
type CommandHelp struct {
	Name, Args string
	Action     stagebot.Action // "" for anyone
	Summary    string
	Example    string // its arguments in an example
	Also       string // reactions or buttons that stand for it
}

// Help words !help COMMAND: usage, what it does, who may, what else stands for it, an
// example.
func (r Renderer) Help(c CommandHelp) Message {
	m := r.start()
	if c.Args != "" {
		m.cmd(c.Name, c.Args)
	} else {
		m.cmd(c.Name)
	}
	m.w(": " + c.Summary + ". Who: ")
	if c.Action == "" {
		m.w("anyone")
	} else {
		m.w(r.Who(c.Action))
	}
	if c.Also != "" {
		m.w(". Also: " + c.Also)
	}
	m.w(". Example: ")
	if c.Example != "" {
		m.cmd(c.Name, c.Example)
	} else {
		m.cmd(c.Name)
	}
	return reply(m)
}

// Commands words !help: every command's usage.
func (r Renderer) Commands(all []CommandHelp) Message {
	m := r.start().w("commands: ")
	for i, c := range all {
		if i > 0 {
			m.w(", ")
		}
		if c.Args != "" {
			m.cmd(c.Name, c.Args)
		} else {
			m.cmd(c.Name)
		}
	}
	return reply(m.w(" — ").cmd("help", "COMMAND").w(" explains one"))
}

// HelpDoc is the command table as a document (for the README's and a page's reference):
// one line a command, with who may use it.
func (r Renderer) HelpDoc(all []CommandHelp) string {
	var lines []string
	for _, c := range all {
		lines = append(lines, r.Help(c).text(r.Prefix))
	}
	return strings.Join(lines, "\n")
}

// text is a message's plain text with commands prefixed.
func (m Message) text(prefix string) string {
	var s strings.Builder
	for _, p := range m.Parts {
		if p.Role == Command {
			s.WriteString(prefix)
		}
		s.WriteString(p.Text)
	}
	return s.String()
}

// Drift words how snakefruit differs from the bot's records, one sentence a difference, for
// the status page.
func (r Renderer) Drift(d stagebot.Drift) []string {
	var out []string
	for _, f := range d.Files {
		m := r.start()
		r.drift(m, stagebot.Drift{Files: []stagebot.FileDrift{f}})
		out = append(out, strings.TrimPrefix(Plain(reply(m), r.Prefix), "snakefruit differs from the bot's records: "))
	}
	for _, a := range d.Absent {
		m := r.start()
		r.drift(m, stagebot.Drift{Absent: []stagebot.Absence{a}})
		out = append(out, strings.TrimPrefix(Plain(reply(m), r.Prefix), "snakefruit differs from the bot's records: "))
	}
	return out
}
