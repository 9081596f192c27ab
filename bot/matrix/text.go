package matrix

import (
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"maunium.net/go/mautrix/id"

	"stagebot/chat"
)

// notice is the content of an m.notice the bot posts. m.mentions is always there (empty when
// the bot mentions nobody): without it clients fall back to highlighting names found in the
// body, and the body quotes what people typed.
type notice struct {
	MsgType       string     `json:"msgtype"`
	Body          string     `json:"body"`
	Format        string     `json:"format,omitempty"`
	FormattedBody string     `json:"formatted_body,omitempty"`
	Mentions      mentions   `json:"m.mentions"`
	RelatesTo     *relatesTo `json:"m.relates_to,omitempty"`
	NewContent    *notice    `json:"m.new_content,omitempty"`
}

type mentions struct {
	UserIDs []id.UserID `json:"user_ids,omitempty"`
}

type relatesTo struct {
	RelType       string     `json:"rel_type,omitempty"`
	EventID       id.EventID `json:"event_id,omitempty"`
	IsFallingBack bool       `json:"is_falling_back,omitempty"`
	InReplyTo     *inReplyTo `json:"m.in_reply_to,omitempty"`
}

type inReplyTo struct {
	EventID id.EventID `json:"event_id"`
}

// incoming is what the adapter reads of an event's content.
type incoming struct {
	MsgType       string `json:"msgtype"`
	Body          string `json:"body"`
	FormattedBody string `json:"formatted_body"`
	RelatesTo     struct {
		RelType   string     `json:"rel_type"`
		EventID   id.EventID `json:"event_id"`
		Key       string     `json:"key"`
		InReplyTo struct {
			EventID id.EventID `json:"event_id"`
		} `json:"m.in_reply_to"`
	} `json:"m.relates_to"`
	Redacts id.EventID `json:"redacts"`
}

// thread is the thread (its root) an event was said in, "" outside one.
func (in incoming) thread() id.EventID {
	if in.RelatesTo.RelType == "m.thread" {
		return in.RelatesTo.EventID
	}
	return ""
}

// content is a message as an m.notice through chat's one output guard: a mention of a team
// member with a Matrix ID is a pill, and the IDs mentioned (with also) are its m.mentions.
func (a *Adapter) content(m chat.Message, also []id.UserID) notice {
	var ids []id.UserID
	body, formatted := chat.Matrix(m, a.cfg.CommandPrefix, func(name string) (string, bool) {
		uid, ok := a.memberID(name)
		if ok && !slices.Contains(ids, uid) {
			ids = append(ids, uid)
		}
		return string(uid), ok
	})
	for _, uid := range also {
		if uid != "" && uid != a.self && !slices.Contains(ids, uid) {
			ids = append(ids, uid)
		}
	}
	return notice{MsgType: "m.notice", Body: body, Format: "org.matrix.custom.html", FormattedBody: formatted,
		Mentions: mentions{UserIDs: ids}}
}

// memberID is the Matrix user ID of the team member named name.
func (a *Adapter) memberID(name string) (id.UserID, bool) {
	if m, ok := a.cfg.Team.Member(name); ok && m.Matrix != "" {
		return id.UserID(m.Matrix), true
	}
	return "", false
}

// reply relates a message to the event it answers, in that event's thread if it was in one.
func reply(to, thread id.EventID) *relatesTo {
	r := &relatesTo{InReplyTo: &inReplyTo{EventID: to}}
	if thread != "" {
		r.RelType, r.EventID = "m.thread", thread
	}
	return r
}

// leadingPill matches an HTML message that starts with a pill: its target and its text.
var leadingPill = regexp.MustCompile(`^\s*<a href=["']https://matrix\.to/#/([^"'?]+)[^"']*["']>([^<]*)</a>`)

// commandText turns a message into what the command parser expects: a reply's quote of the
// message it answers (older clients put one in the body) is dropped, and a leading mention
// of the bot (its pill's text, its user ID, its localpart) becomes the bot's user ID, the
// name it is addressed by ("@stagebot:example.org: status ID").
func commandText(in incoming, self id.UserID) string {
	body := in.Body
	if in.RelatesTo.InReplyTo.EventID != "" {
		body = dropQuote(body)
	}
	t := strings.TrimSpace(body)
	names := []string{string(self)}
	if m := leadingPill.FindStringSubmatch(in.FormattedBody); m != nil {
		if target, err := url.PathUnescape(m[1]); err == nil && id.UserID(target) == self {
			names = append(names, strings.TrimSpace(html.UnescapeString(m[2])))
		}
	}
	if local, _, err := self.Parse(); err == nil {
		names = append(names, local, "@"+local)
	}
	for _, n := range names {
		if n == "" || len(t) <= len(n) || !strings.EqualFold(t[:len(n)], n) {
			continue
		}
		if c := t[len(n)]; c == ':' || c == ',' {
			return string(self) + t[len(n):]
		}
	}
	return t
}

// dropQuote drops the quote a reply's body starts with ("> <@x:y> what they said", then a
// blank line).
func dropQuote(body string) string {
	if !strings.HasPrefix(body, ">") {
		return body
	}
	lines := strings.Split(body, "\n")
	i := 0
	for i < len(lines) && strings.HasPrefix(lines[i], ">") {
		i++
	}
	if i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return strings.Join(lines[i:], "\n")
}
