package slack

import (
	"regexp"
	"strings"

	"stagebot/bot"
	"stagebot/chat"
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

// text is a message as Slack mrkdwn, through the one output guard: a mention of a team
// member becomes a highlight of their Slack user.
func (a *Adapter) text(m chat.Message) string {
	return chat.Slack(m, a.cfg.CommandPrefix, a.mention)
}

// mention is how Slack highlights the team member named name: <@USERID> for a member with
// a Slack ID, else the name.
func (a *Adapter) mention(name string) string {
	if m, ok := a.cfg.Team.Member(name); ok && m.Slack != "" {
		return "<@" + m.Slack + ">"
	}
	return name
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
