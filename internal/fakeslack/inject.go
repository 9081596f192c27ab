package fakeslack

import (
	"encoding/json"
	"strings"
	"time"
)

// Say posts a top-level message as user and tells the app about it: a message event, and an
// app_mention too when it mentions the bot, as Slack sends both. It returns the ts.
func (s *Server) Say(channel, user, text string) string {
	return s.say(channel, "", user, text, nil)
}

// SayInThread posts a reply under the thread whose parent is threadTS.
func (s *Server) SayInThread(channel, threadTS, user, text string) string {
	return s.say(channel, threadTS, user, text, nil)
}

// SayWithFiles shares uploaded files with a message (subtype file_share).
func (s *Server) SayWithFiles(channel, user, text string, fileIDs ...string) string {
	return s.say(channel, "", user, text, fileIDs)
}

// DM is the ID of user's direct-message conversation with the bot. Slack's IDs of DMs start
// with D, as channels' start with C.
func DM(user string) string { return "D" + user }

// SayDM sends the bot a direct message as user (a message event with channel_type "im", as
// the message.im subscription delivers), sharing the files given. It returns the ts.
func (s *Server) SayDM(user, text string, fileIDs ...string) string {
	return s.say(DM(user), "", user, text, fileIDs)
}

func (s *Server) say(channel, thread, user, text string, files []string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &Message{Channel: channel, TS: s.newTS(), ThreadTS: thread, User: user, Text: text, Files: files}
	s.messages = append(s.messages, m)
	s.enqueueEvent(s.messageEvent(m, s.newID("cm")))
	// app_mention is for conversations the app is a member of, not its DMs.
	if strings.Contains(text, "<@"+BotUser+">") && channelType(channel) != "im" {
		ev := map[string]any{"type": "app_mention", "user": user, "text": text, "ts": m.TS,
			"channel": channel, "event_ts": m.TS, "team": TeamID}
		if thread != "" {
			ev["thread_ts"] = thread
		}
		if len(files) > 0 {
			ev["files"] = s.messageJSON(m)["files"]
		}
		s.enqueueEvent(ev)
	}
	return m.TS
}

// React adds a reaction (name without colons, as Slack sends it: "+1", "x") by user to the
// message (channel, ts). It returns the event_id.
func (s *Server) React(channel, ts, user, name string) string {
	return s.reaction("reaction_added", channel, ts, user, name)
}

// Unreact removes a reaction.
func (s *Server) Unreact(channel, ts, user, name string) string {
	return s.reaction("reaction_removed", channel, ts, user, name)
}

func (s *Server) reaction(kind, channel, ts, user, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	itemUser := ""
	if m := s.find(channel, ts); m != nil {
		itemUser = m.User
	}
	return s.enqueueEvent(map[string]any{"type": kind, "user": user, "reaction": name,
		"item_user": itemUser, "item": map[string]any{"type": "message", "channel": channel, "ts": ts},
		"event_ts": s.newTS()})
}

// Click presses the button with actionID on the message (channel, ts) as user: a
// block_actions interactive envelope carrying the button's value as the bot posted it.
// It reports false when the message has no such button.
func (s *Server) Click(channel, ts, user, actionID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.find(channel, ts)
	if m == nil || m.Blocks == "" {
		return false
	}
	var blocks []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			Type     string          `json:"type"`
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Text     json.RawMessage `json:"text"`
			Style    string          `json:"style"`
		} `json:"elements"`
	}
	if json.Unmarshal([]byte(m.Blocks), &blocks) != nil {
		return false
	}
	for _, b := range blocks {
		for _, el := range b.Elements {
			if b.Type != "actions" || el.Type != "button" || el.ActionID != actionID {
				continue
			}
			u := s.users[user]
			actionTS := s.newTS()
			action := map[string]any{"action_id": el.ActionID, "block_id": b.BlockID, "text": el.Text,
				"value": el.Value, "type": "button", "action_ts": actionTS}
			if el.Style != "" {
				action["style"] = el.Style
			}
			payload := map[string]any{
				"type":       "block_actions",
				"user":       map[string]any{"id": user, "username": u.Name, "name": u.Name, "team_id": TeamID},
				"api_app_id": AppID, "token": "fake-verification",
				"container":  map[string]any{"type": "message", "message_ts": m.TS, "channel_id": channel, "is_ephemeral": false},
				"trigger_id": s.newID("trig"),
				"team":       map[string]any{"id": TeamID, "domain": "fake"},
				"enterprise": nil, "is_enterprise_install": false,
				"channel":      map[string]any{"id": channel, "name": "stage"},
				"message":      s.messageJSON(m),
				"state":        map[string]any{"values": map[string]any{}},
				"response_url": s.srv.URL + "/actions/" + actionTS,
				"actions":      []any{action},
			}
			s.enqueue(&envelope{ID: s.newID("env-"), Type: "interactive", Payload: payload})
			return true
		}
	}
	return false
}

// Redeliver sends an already sent event again in a new envelope, as Slack does when it
// thinks the first delivery failed.
func (s *Server) Redeliver(eventID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.envelopes {
		if e.EventID == eventID {
			cp := &envelope{ID: s.newID("env-"), Type: e.Type, Payload: e.Payload, EventID: e.EventID, sent: 1}
			s.enqueue(cp)
			return
		}
	}
	s.t.Fatalf("fakeslack: no event %s to redeliver", eventID)
}

// LastEventID is the event_id of the newest events_api envelope.
func (s *Server) LastEventID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.envelopes) - 1; i >= 0; i-- {
		if s.envelopes[i].EventID != "" {
			return s.envelopes[i].EventID
		}
	}
	return ""
}

// enqueueEvent wraps an inner event in the Events API callback and a Socket Mode envelope;
// the caller holds mu. It returns the event_id.
func (s *Server) enqueueEvent(ev map[string]any) string {
	id := s.newID("Ev")
	payload := map[string]any{
		"token": "fake-verification", "team_id": TeamID, "api_app_id": AppID, "event": ev,
		"type": "event_callback", "event_id": id, "event_time": time.Now().Unix(),
		"authorizations": []any{map[string]any{"enterprise_id": nil, "team_id": TeamID, "user_id": BotUser,
			"is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false, "event_context": "4-fake-" + id,
	}
	s.enqueue(&envelope{ID: s.newID("env-"), Type: "events_api", Payload: payload, EventID: id})
	return id
}

// messageEvent is the message event Slack sends for m; the caller holds mu.
func (s *Server) messageEvent(m *Message, clientMsgID string) map[string]any {
	ev := s.messageJSON(m)
	delete(ev, "edited")
	ev["channel"] = m.Channel
	ev["event_ts"] = m.TS
	ev["channel_type"] = channelType(m.Channel)
	if clientMsgID != "" {
		ev["client_msg_id"] = clientMsgID
	}
	return ev
}

// channelType is the channel_type of a message event in channel, told by its ID as Slack's
// IDs tell it: D a direct message, G a private channel, C a public one.
func channelType(channel string) string {
	switch {
	case strings.HasPrefix(channel, "D"):
		return "im"
	case strings.HasPrefix(channel, "G"):
		return "group"
	}
	return "channel"
}

// EventIDOf is the event_id of the first events_api envelope whose inner event matches.
func (s *Server) EventIDOf(match func(ev map[string]any) bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.envelopes {
		if ev, ok := e.Payload["event"].(map[string]any); ok && e.EventID != "" && match(ev) {
			return e.EventID
		}
	}
	return ""
}
