package fakeslack

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Home is the App Home view views.publish last set for a user.
type Home struct {
	ID     string
	Blocks string // JSON as published
	// Published counts views.publish calls for the user.
	Published int
}

// OpenHome opens one of the app's tabs ("home" or "messages") as user: an app_home_opened
// event, as Slack sends it (the view field only once a view was published for the user). It
// returns the event_id.
func (s *Server) OpenHome(user, tab string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := map[string]any{"type": "app_home_opened", "user": user, "channel": DM(user), "tab": tab,
		"event_ts": s.newTS()}
	if h, ok := s.homes[user]; ok {
		ev["view"] = s.viewJSON(h)
	}
	return s.enqueueEvent(ev)
}

// Home is the view last published to user's App Home.
func (v View) Home(user string) (Home, bool) {
	h, ok := v.s.homes[user]
	if !ok {
		return Home{}, false
	}
	return *h, true
}

// HomeText is the text of every block and element of user's App Home, a line each.
func (v View) HomeText(user string) string {
	h, ok := v.s.homes[user]
	if !ok {
		return ""
	}
	var blocks any
	if json.Unmarshal([]byte(h.Blocks), &blocks) != nil {
		return ""
	}
	var lines []string
	var walk func(x any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, y := range x {
				if t, ok := y.(string); ok && k == "text" {
					lines = append(lines, t)
				} else {
					walk(y)
				}
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(blocks)
	return strings.Join(lines, "\n")
}

// publishView is views.publish: a home view for a member, at most 100 blocks.
func (s *Server) publishView(p url.Values) (map[string]any, string) {
	user := p.Get("user_id")
	if _, ok := s.users[user]; !ok {
		return nil, "user_not_found"
	}
	var view struct {
		Type   string            `json:"type"`
		Blocks []json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal([]byte(p.Get("view")), &view) != nil || view.Type != "home" || len(view.Blocks) > 100 {
		return nil, "invalid_arguments"
	}
	blocks, _ := json.Marshal(view.Blocks)
	h, ok := s.homes[user]
	if !ok {
		h = &Home{ID: s.newID("V")}
		s.homes[user] = h
	}
	h.Blocks = string(blocks)
	h.Published++
	return map[string]any{"view": s.viewJSON(h)}, ""
}

// viewJSON is a published home view as Slack describes it; the caller holds mu.
func (s *Server) viewJSON(h *Home) map[string]any {
	return map[string]any{"id": h.ID, "team_id": TeamID, "type": "home", "close": nil, "submit": nil,
		"blocks": json.RawMessage(h.Blocks), "private_metadata": "", "callback_id": "",
		"state": map[string]any{"values": map[string]any{}}, "hash": s.newID("hash"), "clear_on_close": false,
		"notify_on_close": false, "root_view_id": h.ID, "previous_view_id": nil, "app_id": AppID,
		"external_id": "", "bot_id": BotID}
}
