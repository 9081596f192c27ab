package irc

import (
	"slices"
	"strings"

	"stagebot"
	"stagebot/chat"
)

// nicks writes each team member a message mentions as the nick that highlights them on
// IRC (stagebot.Member.Nick); a name the team does not know stays as it is.
func nicks(team stagebot.Team, m chat.Message) chat.Message {
	if !slices.ContainsFunc(m.Parts, func(p chat.Part) bool { return p.Role == chat.Mention }) {
		return m
	}
	parts := slices.Clone(m.Parts)
	for i, p := range parts {
		if p.Role != chat.Mention {
			continue
		}
		if member, ok := team.Member(p.Text); ok {
			parts[i].Text = member.Nick()
		}
	}
	m.Parts = parts
	return m
}

// highlighted is an announcement with the members it mentions at its end (as the
// renderer words it) moved to its front as nicks, "sil lead: [1a2b3c4d] ...": the
// highlight is what an IRC client notices first, and a line cut to fit keeps it.
func highlighted(team stagebot.Team, m chat.Message) chat.Message {
	m = nicks(team, m)
	end := len(m.Parts)
	var names []chat.Part
	for ; end > 0; end-- {
		p := m.Parts[end-1]
		if p.Role == chat.Mention {
			names = append(names, p)
		} else if p.Role != chat.Words || strings.TrimSpace(p.Text) != "" {
			break
		}
	}
	if len(names) == 0 {
		return m
	}
	slices.Reverse(names)
	parts := make([]chat.Part, 0, len(m.Parts)+len(names))
	for i, n := range names {
		if i > 0 {
			parts = append(parts, chat.Part{Role: chat.Words, Text: " "})
		}
		parts = append(parts, n)
	}
	parts = append(parts, chat.Part{Role: chat.Words, Text: ": "})
	m.Parts = append(parts, m.Parts[:end]...)
	return m
}
