package bot

import (
	"context"

	"stagebot"
	"stagebot/bot/floodgate"
	"stagebot/chat"
)

// inbox is what one adapter hands people's messages and decisions to: the core's Inbox,
// knowing which adapter it serves (a decision's Ref is that network's handle).
type inbox struct {
	b       *Bot
	adapter string
}

var _ Inbox = inbox{}

func (b *Bot) inboxFor(a Adapter) inbox { return inbox{b: b, adapter: a.Name()} }

// lane is where a person's work runs in order: their own lane, or on the console (one
// script, whoever speaks) the console's.
func laneOf(id stagebot.Identity) laneKey {
	if id.Network == stagebot.NetworkConsole {
		return "console"
	}
	return laneKey(id.Who())
}

// Message parses a chat line once and runs it: a read-only command at once when its
// person has nothing running (after it, else, in order), a !stage beside everything, any
// other command in its person's lane. Past the person's command limit it is dropped, with
// one "slow down" per burst.
func (in inbox) Message(ctx context.Context, m Inbound) {
	b := in.b
	c, ok := b.cfg.Commands.Parse(m.Text, m.BotNick, m.Direct)
	if !ok {
		return
	}
	m.Author = m.Author.Clean()
	if !b.admit(m.Author, Handled{Command: c.Name, Known: c.Known, Via: ViaChat}, firstNonNil(m.Private, m.Reply)) {
		return
	}
	run := func() { b.run(ctx, c, m) }
	key := laneOf(m.Author)
	switch {
	case c.Background:
		b.stages.Add(1)
		b.background.Go(func() {
			defer b.stages.Add(-1)
			run()
		})
	case c.ReadOnly && m.Author.Network != stagebot.NetworkConsole:
		if !b.lanes.runIdle(key, run) {
			b.lanes.do(key, run)
		}
	default:
		b.lanes.do(key, run)
	}
}

// admit applies the person's command limit to a command or a decision: whether it may go
// on. The first one past the limit is answered, once per burst, with "slow down" behind
// the person's own queued work (so it reads after their answers); the rest are dropped.
// The console (one script) is never limited.
func (b *Bot) admit(who stagebot.Identity, h Handled, answer func(chat.Message) error) bool {
	if who.Network == stagebot.NetworkConsole {
		return true
	}
	verdict := b.cfg.Limit.Check(who.Who())
	if verdict == floodgate.Allow {
		return true
	}
	h.Who, h.Code = string(who.Who()), codeLimited
	b.handled(h)
	if verdict == floodgate.Warn {
		b.log.Info("command limit reached; dropping the rest of the burst", "who", who.Who(), "via", h.Via)
		n, per := b.cfg.Limit.Rate()
		b.lanes.do(laneOf(who), func() { b.say(answer, b.cfg.Renderer.SlowDown(n, per)) })
	}
	return false
}

// run runs a parsed command and answers it.
func (b *Bot) run(ctx context.Context, c Command, m Inbound) {
	if m.Resolve != nil && !c.ReadOnly {
		m.Author = m.Resolve(ctx).Clean()
	}
	caller := Caller{Actor: m.Author, LocalPaths: m.LocalPaths, Attachments: m.Attachments, Say: m.Reply}
	h := Handled{Command: c.Name, Known: c.Known, Who: string(m.Author.Who()), Via: ViaChat}
	if c.TakesFiles && m.Attach != nil && len(m.Attachments) == 0 {
		atts, err := m.Attach(ctx)
		if err != nil {
			h.Code = stagebot.ErrorCode(err)
			b.handled(h)
			b.say(m.Reply, b.cfg.Renderer.Refusal(err))
			return
		}
		caller.Attachments = atts
	}
	ans := b.cfg.Commands.Run(ctx, c, caller)
	h.Request, h.Code = ans.Request, ans.Code
	if !ans.Done && h.Code == "" {
		h.Code = stagebot.EINTERNAL // a Commands that refuses without saying why
	}
	b.handled(h)
	if ans.Announced && m.AnnouncedHere {
		return
	}
	b.say(m.Reply, ans.Reply)
}

func (b *Bot) say(reply func(chat.Message) error, m chat.Message) {
	if reply == nil || len(m.Parts) == 0 {
		return
	}
	if err := reply(m); err != nil {
		b.log.Warn("reply failed", "err", err)
	}
}

func firstNonNil(fs ...func(chat.Message) error) func(chat.Message) error {
	for _, f := range fs {
		if f != nil {
			return f
		}
	}
	return nil
}

// Decision handles a reaction or a button on one of the bot's messages, in its person's
// lane: on a message about a request it decides on that request. Approvals and
// rejections count in the person's command limit as commands do.
func (in inbox) Decision(ctx context.Context, d Decision) {
	b := in.b
	d.Author = d.Author.Clean()
	// A withdrawal only takes back what the person gave: dropping it would leave an
	// approval counted that they removed, so the limit holds only what adds or decides.
	if d.Verb != VerbWithdraw && !b.admit(d.Author, Handled{Command: string(d.Verb), Known: true, Via: ViaDecision}, d.Private) {
		return
	}
	id := d.RequestID
	if id == "" && d.Ref != "" {
		id = b.cfg.Outbox.RefRequest(in.adapter, d.Ref)
	}
	if id == "" {
		if d.Verb != VerbWithdraw {
			b.say(d.Private, b.cfg.Renderer.NotAboutARequest())
		}
		return
	}
	b.lanes.do(laneOf(d.Author), func() {
		if d.Resolve != nil {
			d.Author = d.Resolve(ctx).Clean()
		}
		b.decide(d, id)
	})
}

func (b *Bot) decide(d Decision, id string) {
	var out *stagebot.Outcome
	var err error
	switch d.Verb {
	case VerbApprove:
		out, err = b.svc.Approve(d.Author, id)
	case VerbReject:
		out, err = b.svc.Reject(d.Author, id, "")
	case VerbWithdraw:
		out, err = b.svc.Withdraw(d.Author, id)
	default:
		return
	}
	h := Handled{Command: string(d.Verb), Known: true, Who: string(d.Author.Who()), Via: ViaDecision, Request: id, Code: stagebot.ErrorCode(err)}
	if out != nil && out.Request != nil {
		h.Request = out.Request.ID
	}
	b.handled(h)
	if err != nil {
		if d.Verb == VerbWithdraw && stagebot.ErrorCode(err) == stagebot.ECONFLICT {
			// Removing a reaction that never counted (or no longer can) is not worth a
			// message.
			return
		}
		b.say(d.Private, b.cfg.Renderer.Refusal(err))
		return
	}
	// A reaction has nobody to answer but the room: where the workflow announced the
	// outcome, the room has read it already.
	if out != nil && !out.Announced {
		b.say(d.Public, b.cfg.Renderer.Outcome(out))
	}
}
