package slack

import (
	"regexp"
	"strings"

	"stagebot"
	"stagebot/bot"
)

// link is Slack's markup for a URL in message text: <https://x/y> or <https://x/y|label>.
var link = regexp.MustCompile(`<(https?://[^|>]+)(\|[^>]*)?>`)

// commandText turns a Slack message's text into what the command parser expects: a leading
// mention of the bot becomes "<@BOT>: rest" (Slack has no colon after a mention), links lose
// their angle brackets, and Slack's three escapes are undone.
func commandText(text, botUser string) string {
	t := strings.TrimSpace(text)
	if botUser != "" {
		for _, m := range []string{"<@" + botUser + ">", "<@" + botUser + "|"} {
			if !strings.HasPrefix(t, m) {
				continue
			}
			rest := t[len(m):]
			if strings.HasSuffix(m, "|") {
				end := strings.IndexByte(rest, '>')
				if end < 0 {
					break
				}
				rest = rest[end+1:]
			}
			rest = strings.TrimLeft(rest, " \t:,")
			t = "<@" + botUser + ">: " + rest
			break
		}
	}
	t = link.ReplaceAllString(t, "$1")
	return unescape(t)
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// escape makes text safe for Slack's mrkdwn: only &, < and > are special.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// line is an announcement as Slack text: the mentions as <@ID>, then the escaped line.
func line(team stagebot.Team, a stagebot.Event) string {
	a.Text = escape(a.Text)
	return bot.Line(team, a, stagebot.NetworkSlack)
}

// reactionVerb maps a reaction to a decision; removing an approval withdraws it. Skin tones
// ("+1::skin-tone-3") count as the plain reaction.
func reactionVerb(name string, added bool) (bot.Verb, bool) {
	name, _, _ = strings.Cut(name, "::")
	switch name {
	case "+1", "thumbsup", "white_check_mark", "heavy_check_mark":
		if added {
			return bot.VerbApprove, true
		}
		return bot.VerbWithdraw, true
	case "x":
		if added {
			return bot.VerbReject, true
		}
	}
	return "", false
}

// Button action IDs on the request message; the value is the request ID.
const (
	actionApprove = "stagebot_approve"
	actionReject  = "stagebot_reject"
)

func buttonVerb(actionID string) (bot.Verb, bool) {
	switch actionID {
	case actionApprove:
		return bot.VerbApprove, true
	case actionReject:
		return bot.VerbReject, true
	}
	return "", false
}

// messageRef is how a request message is remembered: channel and ts together, since a ts
// is only unique within its channel.
func messageRef(channel, ts string) string { return channel + ":" + ts }

// threadKey remembers, through the same store, which message heads a request's thread in a
// channel: the "request ID" stored under it is the thread's ts.
func threadKey(requestID, channel string) string { return "thread:" + requestID + ":" + channel }

// rootKey remembers the parent of a request's thread when the request message is itself a
// reply (`!stage` typed in a thread): the "request ID" stored under it is the parent's ts.
func rootKey(requestID, channel string) string { return "root:" + requestID + ":" + channel }

// threadOf remembers which request a person's thread, holding a request message, is about:
// the bot's own replies there (answers to commands asked in it) name that request.
func threadOf(channel, root string) string { return "under:" + channel + ":" + root }
