package bot

import (
	"stagebot"
)

// Handled is what became of one command, typed or given by a reaction or a button. The
// core logs each one and hands it to Config.Handled (the metrics): one place, so the log
// and the counts cannot disagree.
type Handled struct {
	// Command is the command's name, as typed when Known is false.
	Command string
	Known   bool
	Who     string
	// Via is ViaChat for a typed command, ViaDecision for a reaction or a button.
	Via string
	// Request is the request it concerned (full ID), "" when none is known.
	Request string
	// Outcome is OutcomeOK, OutcomeRefused or OutcomeError; Code says why when not ok.
	Outcome string
	Code    string
}

// How a command came.
const (
	ViaChat     = "chat"
	ViaDecision = "decision"
)

// Outcomes of a command: refused is the asker's to fix (not allowed, bad ID, bad click...),
// error is the bot's or an outside failure (stagebot.EINTERNAL).
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
	OutcomeError   = "error"
)

// codeLimited is the code of a command dropped past the person's command limit.
const codeLimited = "limited"

// outcome is the Outcome of a command that ended with code ("" = it ran).
func outcome(code string) string {
	switch code {
	case "":
		return OutcomeOK
	case stagebot.EINTERNAL:
		return OutcomeError
	}
	return OutcomeRefused
}

// handled logs h and counts it. A command dropped by the limit is logged at debug only:
// the limit exists for floods, which must not flood the log either (one info line per
// burst says the limit was reached).
func (b *Bot) handled(h Handled) {
	h.Outcome = outcome(h.Code)
	args := []any{"who", h.Who, "command", h.Command, "via", h.Via, "outcome", h.Outcome}
	if h.Request != "" {
		args = append(args, "id", stagebot.ShortID(h.Request))
	}
	if h.Code != "" {
		args = append(args, "code", h.Code)
	}
	if h.Code == codeLimited {
		b.log.Debug("command", args...)
	} else {
		b.log.Info("command", args...)
	}
	if b.cfg.Handled != nil {
		b.cfg.Handled(h)
	}
}
