package bot

import (
	"context"
	"strings"

	"stagebot"
	"stagebot/commands"
)

// Message runs a command found in a chat line and replies.
func (b *Bot) Message(ctx context.Context, m Message) {
	line, ok := commands.Parse(b.cfg.Commands.Prefix, m.BotNick, m.Text)
	if !ok {
		return
	}
	env := &commands.Env{Actor: m.Actor, LocalPaths: m.LocalPaths, Attachments: m.Attachments, Say: m.Reply}
	out := b.cfg.Commands.Exec(ctx, env, line)
	if out.Reply == "" || m.Reply == nil {
		return
	}
	if m.AnnouncedHere && out.Done && out.Command == "stage" {
		// The `requested` announcement answers it where the asker reads: a reply too
		// would say the same thing twice (contract section 3).
		return
	}
	if err := m.Reply(out.Reply); err != nil {
		b.log.Warn("reply failed", "actor", m.Actor.Key(), "err", err)
	}
}

var _ QuickAnswerer = (*Bot)(nil)

// Quick reports whether text is a read-only command (QuickAnswerer).
func (b *Bot) Quick(text, botNick string) bool {
	line, ok := commands.Parse(b.cfg.Commands.Prefix, botNick, text)
	return ok && b.cfg.Commands.ReadOnly(line)
}

var _ CommandClassifier = (*Bot)(nil)

// Classify reports whether text is a command and whether it only reads (CommandClassifier).
func (b *Bot) Classify(text, botNick string) (command, readOnly bool) {
	line, ok := commands.Parse(b.cfg.Commands.Prefix, botNick, text)
	return ok, ok && b.cfg.Commands.ReadOnly(line)
}

// Decide handles a reaction or a button on a request's message.
func (b *Bot) Decide(ctx context.Context, d Decision) {
	if d.RequestID == "" {
		return
	}
	// A reaction's actor enters here as a command's does in commands.Registry.Run: a Slack
	// display name is whatever its owner typed.
	d.Actor = d.Actor.Clean()
	var out *stagebot.Outcome
	var err error
	switch d.Verb {
	case VerbApprove:
		out, err = b.svc.Approve(d.Actor, d.RequestID)
	case VerbReject:
		out, err = b.svc.Reject(d.Actor, d.RequestID, "rejected by reaction")
	case VerbWithdraw:
		out, err = b.svc.Withdraw(d.Actor, d.RequestID)
	default:
		return
	}
	if err != nil {
		if d.Verb == VerbWithdraw && stagebot.ErrorCode(err) == stagebot.ECONFLICT {
			// Removing a reaction that never counted (or no longer can) is not worth a
			// message.
			return
		}
		if d.Private != nil {
			if perr := d.Private("refused: " + stagebot.ErrorMessage(err)); perr != nil {
				b.log.Warn("private reply failed", "err", perr)
			}
		}
		return
	}
	// A reaction has nobody to answer but the room: where the workflow announced the
	// outcome, the room has read it already.
	if d.Public != nil && out != nil && out.Message != "" && !out.Announced {
		_ = d.Public(out.Message)
	}
}

// Remember records the message that announced a request.
func (b *Bot) Remember(network, ref, requestID string) {
	if err := b.svc.RememberRef(network, ref, requestID); err != nil {
		b.log.Warn("remember message", "network", network, "err", err)
	}
}

// RequestFor returns the request a network's message announced.
func (b *Bot) RequestFor(network, ref string) string { return b.svc.ResolveRef(network, ref) }

var _ RequestReader = (*Bot)(nil)

// Request reads a request's current record (RequestReader).
func (b *Bot) Request(id string) *stagebot.Request {
	if id == "" {
		return nil
	}
	sts, err := b.svc.Lookup(id)
	if err != nil || len(sts) != 1 || sts[0].Request == nil || !strings.HasPrefix(sts[0].Request.ID, id) {
		return nil
	}
	return sts[0].Request
}

// Team is the configured team.
func (b *Bot) Team() stagebot.Team { return b.svc.Team() }

// Ready reports whether every adapter is connected.
func (b *Bot) Ready() bool {
	for _, a := range b.cfg.Adapters {
		if !a.Connected() {
			return false
		}
	}
	return true
}

// Adapters lists the adapters.
func (b *Bot) Adapters() []Adapter { return b.cfg.Adapters }
