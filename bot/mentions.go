package bot

import (
	"strings"

	"stagebot"
)

// Mentions renders the team members named in an announcement for one network: IRC nicks
// (a highlight), Slack <@ID>, console names. Members without an identity on the network
// are named in plain text so nobody is silently left out.
func Mentions(team stagebot.Team, names []string, network string) string {
	var out []string
	for _, n := range names {
		m, ok := team.Member(n)
		if !ok {
			out = append(out, n)
			continue
		}
		switch {
		case network == stagebot.NetworkSlack && m.Slack != "":
			out = append(out, "<@"+m.Slack+">")
		case network == stagebot.NetworkIRC && m.IRC != "":
			out = append(out, m.Nick())
		default:
			out = append(out, m.Name)
		}
	}
	return strings.Join(out, " ")
}

// Line is an announcement as one line for a network: mentions first, as a highlight.
func Line(team stagebot.Team, a stagebot.Announcement, network string) string {
	if len(a.Mention) == 0 {
		return a.Text
	}
	return Mentions(team, a.Mention, network) + ": " + a.Text
}
