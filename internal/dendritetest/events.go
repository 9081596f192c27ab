package dendritetest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Event is a room event as a client sees it in /sync or /messages.
type Event struct {
	RoomID   string         `json:"room_id"`
	EventID  string         `json:"event_id"`
	Type     string         `json:"type"`
	Sender   string         `json:"sender"`
	StateKey *string        `json:"state_key,omitempty"`
	Content  map[string]any `json:"content"`
	// Redacts is the event an m.room.redaction takes away (top level up to room version
	// 10, in the content from 11: both are read).
	Redacts  string         `json:"redacts,omitempty"`
	Unsigned map[string]any `json:"unsigned,omitempty"`
	// Invite marks an event of an invite's stripped state: the person is invited into
	// RoomID, and Sender of the m.room.member event with their state key invited them.
	Invite bool `json:"-"`
	// Raw is the event as the server sent it, for fields the helpers do not cover.
	Raw json.RawMessage `json:"-"`
}

func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	e.Raw = append(json.RawMessage(nil), b...)
	if e.Redacts == "" {
		e.Redacts, _ = e.Content["redacts"].(string)
	}
	return nil
}

func (e Event) String() string {
	content, _ := json.Marshal(e.Content)
	invite := ""
	if e.Invite {
		invite = " (invite)"
	}
	return fmt.Sprintf("%s %s %s from %s%s: %s", e.RoomID, e.EventID, e.Type, e.Sender, invite, content)
}

// Body is the text of a message (content.body).
func (e Event) Body() string { return str(e.Content, "body") }

// MsgType is a message's content.msgtype: m.text, m.notice, ...
func (e Event) MsgType() string { return str(e.Content, "msgtype") }

// Relation is what content["m.relates_to"] says.
type Relation struct {
	Type      string // rel_type: m.annotation, m.replace, m.thread, ...
	EventID   string // the event related to
	Key       string // an annotation's key (the reaction)
	InReplyTo string // m.in_reply_to.event_id: the event this one answers
}

// RelatesTo reads the event's relation; the zero Relation if it has none.
func (e Event) RelatesTo() Relation {
	rel, _ := e.Content["m.relates_to"].(map[string]any)
	r := Relation{Type: str(rel, "rel_type"), EventID: str(rel, "event_id"), Key: str(rel, "key")}
	if reply, ok := rel["m.in_reply_to"].(map[string]any); ok {
		r.InReplyTo = str(reply, "event_id")
	}
	return r
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// TextFrom matches a message (m.room.message, any msgtype) from sender ("" = anyone)
// whose body contains every one of parts.
func TextFrom(sender string, parts ...string) func(Event) bool {
	return func(e Event) bool {
		if e.Type != "m.room.message" || e.Invite || (sender != "" && e.Sender != sender) {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(e.Body(), p) {
				return false
			}
		}
		return true
	}
}

// OfType matches a room event of eventType from sender ("" = anyone), invites included.
func OfType(eventType, sender string) func(Event) bool {
	return func(e Event) bool {
		return e.Type == eventType && (sender == "" || e.Sender == sender)
	}
}

// In restricts match to the events of one room.
func In(roomID string, match func(Event) bool) func(Event) bool {
	return func(e Event) bool { return e.RoomID == roomID && match(e) }
}
