package irc

import (
	"strings"

	"stagebot/bot"
)

// Tags of the IRCv3 reactions draft (client-only tags, hence the "+").
const (
	tagReact   = "+draft/react"
	tagUnreact = "+draft/unreact"
	tagReply   = "+draft/reply"
)

var approveReactions = map[string]bool{"👍": true, "✅": true, "✔": true, "+1": true, ":+1:": true,
	":thumbsup:": true, ":white_check_mark:": true, ":heavy_check_mark:": true}
var rejectReactions = map[string]bool{"❌": true, ":x:": true}

// normalizeReaction drops emoji skin tones and the emoji presentation selector, so 👍🏽
// and ✔️ count as 👍 and ✔.
func normalizeReaction(r string) string {
	return strings.Map(func(c rune) rune {
		if c == '\uFE0F' || c == '\uFE0E' || (c >= 0x1F3FB && c <= 0x1F3FF) {
			return -1
		}
		return c
	}, strings.TrimSpace(r))
}

// reactionVerb maps a reaction (or its removal) to what it decides; ok is false for a
// reaction that means nothing to the bot.
func reactionVerb(reaction string, removed bool) (bot.Verb, bool) {
	r := normalizeReaction(reaction)
	switch {
	case approveReactions[r] && removed:
		return bot.VerbWithdraw, true
	case approveReactions[r]:
		return bot.VerbApprove, true
	case rejectReactions[r] && !removed:
		return bot.VerbReject, true
	}
	return "", false
}
