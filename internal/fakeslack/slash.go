package fakeslack

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// Response is one message the app sent to a slash command's response_url.
type Response struct {
	Command string // the slash command's trigger_id, as Slash returned it
	Channel string
	User    string
	Text    string
	// ResponseType is "ephemeral" (Slack's default: the invoker alone sees it) or
	// "in_channel".
	ResponseType string
}

// Slash invokes a slash command as user in channel: a slash_commands Socket Mode envelope
// whose payload is the command's fields as Slack documents them for Socket Mode, with a
// response_url on this server. It returns the command's trigger_id, which names its
// Responses.
func (s *Server) Slash(channel, user, command, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	trigger := s.newID("trig")
	u := s.users[user]
	payload := map[string]any{
		"token": "fake-verification", "team_id": TeamID, "team_domain": "fake",
		"channel_id": channel, "channel_name": "stage", "user_id": user, "user_name": u.Name,
		"command": command, "text": text, "api_app_id": AppID, "is_enterprise_install": false,
		"response_url": s.srv.URL + "/commands/" + TeamID + "/" + trigger, "trigger_id": trigger,
	}
	s.slashes[trigger] = Response{Command: trigger, Channel: channel, User: user}
	s.enqueue(&envelope{ID: s.newID("env-"), Type: "slash_commands", Payload: payload})
	return trigger
}

// Responses are the messages sent to response_urls, in order.
func (v View) Responses() []Response { return append([]Response(nil), v.s.responses...) }

// serveResponse takes a message posted to a slash command's response_url: JSON with text
// and response_type (ephemeral when absent). Slack answers 404 for a URL it never gave out.
func (s *Server) serveResponse(w http.ResponseWriter, r *http.Request) {
	trigger := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	var msg struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Text == "" {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["response_url"]++
	resp, ok := s.slashes[trigger]
	if !ok {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	resp.Text, resp.ResponseType = msg.Text, msg.ResponseType
	if resp.ResponseType == "" {
		resp.ResponseType = "ephemeral"
	}
	s.responses = append(s.responses, resp)
	s.bump()
	_, _ = io.WriteString(w, "ok")
}
