package fakeslack

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type apiFunc func(s *Server, p url.Values) (map[string]any, string)

// methods are the Web API methods the fake serves; each returns the fields besides "ok",
// or an error code.
var methods = map[string]apiFunc{
	"auth.test":             (*Server).authTest,
	"chat.postMessage":      (*Server).postMessage,
	"chat.update":           (*Server).update,
	"chat.postEphemeral":    (*Server).postEphemeral,
	"files.info":            (*Server).filesInfo,
	"users.info":            (*Server).usersInfo,
	"conversations.replies": (*Server).replies,
	"conversations.history": (*Server).history,
	"views.publish":         (*Server).publishView,
	"apps.connections.open": nil, // the app token's method, served apart
}

// writes are the methods that post to a channel, which a refusing channel turns away.
var writes = map[string]bool{"chat.postMessage": true, "chat.update": true, "chat.postEphemeral": true}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	p, token, err := params(r)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	if !s.awaitHolds(r, holdKey{method: method, channel: p.Get("channel")}) {
		return
	}
	// The answer is made under the lock and sent after it: HoldAnswers may keep a call
	// handled but unanswered.
	rec := httptest.NewRecorder()
	s.handleAPI(rec, method, p, token)
	if !s.awaitHolds(r, holdKey{method: method, channel: p.Get("channel"), answer: true}) {
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// handleAPI handles one Web API call, writing its answer to w.
func (s *Server) handleAPI(w http.ResponseWriter, method string, p url.Values, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	defer s.bump()
	if s.rateLimit(w, method, p.Get("channel")) {
		return
	}
	if until, ok := s.throttle[method]; ok && time.Now().Before(until) {
		secs := int(math.Ceil(time.Until(until).Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	if code, ok := s.revoked[token]; ok {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
		return
	}
	fn, known := methods[method]
	if !known {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	if method == "apps.connections.open" {
		if token != AppToken {
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		if s.failOpen > 0 {
			s.failOpen--
			writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "internal_error"})
			return
		}
		ws := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link/?ticket=" + s.newID("tk")
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "url": ws})
		return
	}
	if token != BotToken {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	if code, ok := s.refuse[p.Get("channel")]; ok && writes[method] {
		s.refusals[p.Get("channel")]++
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
		return
	}
	out, errCode := fn(s, p)
	if errCode != "" {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": errCode})
		return
	}
	if out == nil {
		out = map[string]any{}
	}
	out["ok"] = true
	writeJSON(w, http.StatusOK, out)
}

// params merges the query, a form body and a JSON body, as Slack accepts all three; the
// token comes from the Authorization header or a token field.
func params(r *http.Request) (url.Values, string, error) {
	p := r.URL.Query()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, "", err
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var m map[string]any
		if len(body) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, "", err
			}
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				p.Set(k, v)
			case bool, float64:
				p.Set(k, fmt.Sprint(v))
			default:
				js, _ := json.Marshal(v)
				p.Set(k, string(js))
			}
		}
	case len(body) > 0:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", err
		}
		for k, vs := range form {
			p[k] = vs
		}
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token == "" {
		token = p.Get("token")
	}
	return p, token, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) authTest(url.Values) (map[string]any, string) {
	return map[string]any{"url": "https://fake.slack.com/", "team": "Fake", "user": "stagebot",
		"team_id": TeamID, "user_id": BotUser, "bot_id": BotID}, ""
}

func (s *Server) postMessage(p url.Values) (map[string]any, string) {
	ch := p.Get("channel")
	if ch == "" {
		return nil, "channel_not_found"
	}
	if p.Get("text") == "" && p.Get("blocks") == "" {
		return nil, "no_text"
	}
	thread := p.Get("thread_ts")
	if thread != "" {
		parent := s.find(ch, thread)
		if parent == nil {
			return nil, "thread_not_found"
		}
		if parent.ThreadTS != "" {
			thread = parent.ThreadTS // Slack threads a reply to a reply under the parent
		}
	}
	m := &Message{Channel: ch, TS: s.newTS(), ThreadTS: thread, User: BotUser, BotID: BotID,
		Text: p.Get("text"), Blocks: p.Get("blocks")}
	s.messages = append(s.messages, m)
	// Slack tells the app about its own messages too; the bot must ignore them.
	s.enqueueEvent(s.messageEvent(m, ""))
	return map[string]any{"channel": ch, "ts": m.TS, "message": s.messageJSON(m)}, ""
}

func (s *Server) update(p url.Values) (map[string]any, string) {
	m := s.find(p.Get("channel"), p.Get("ts"))
	if m == nil {
		return nil, "message_not_found"
	}
	if m.User != BotUser {
		return nil, "cant_update_message"
	}
	if t := p.Get("text"); t != "" {
		m.Text = t
	}
	if b := p.Get("blocks"); b != "" {
		m.Blocks = b
	}
	m.Edits = append(m.Edits, m.Text)
	return map[string]any{"channel": m.Channel, "ts": m.TS, "text": m.Text}, ""
}

func (s *Server) postEphemeral(p url.Values) (map[string]any, string) {
	if p.Get("channel") == "" {
		return nil, "channel_not_found"
	}
	if _, ok := s.users[p.Get("user")]; !ok {
		return nil, "user_not_in_channel"
	}
	s.ephemeral = append(s.ephemeral, Ephemeral{Channel: p.Get("channel"), User: p.Get("user"),
		Text: p.Get("text"), ThreadTS: p.Get("thread_ts")})
	return map[string]any{"message_ts": s.newTS()}, ""
}

func (s *Server) filesInfo(p url.Values) (map[string]any, string) {
	f, ok := s.files[p.Get("file")]
	if !ok {
		return nil, "file_not_found"
	}
	if f.Deleted {
		return nil, "file_deleted"
	}
	return map[string]any{"file": s.fileJSON(f), "comments": []any{},
		"paging": map[string]any{"count": 100, "total": 0, "page": 1, "pages": 0}}, ""
}

func (s *Server) usersInfo(p url.Values) (map[string]any, string) {
	u, ok := s.users[p.Get("user")]
	if !ok {
		return nil, "user_not_found"
	}
	return map[string]any{"user": map[string]any{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "deleted": false, "real_name": u.RealName,
		"is_bot": false, "profile": map[string]any{"real_name": u.RealName, "display_name": u.DisplayName,
			"real_name_normalized": u.RealName, "display_name_normalized": u.DisplayName, "team": TeamID},
	}}, ""
}

func (s *Server) replies(p url.Values) (map[string]any, string) {
	ch, ts := p.Get("channel"), p.Get("ts")
	m := s.find(ch, ts)
	if m == nil {
		return nil, "thread_not_found"
	}
	root := ts
	if m.ThreadTS != "" {
		root = m.ThreadTS
	}
	oldest, latest := p.Get("oldest"), p.Get("latest")
	inclusive := p.Get("inclusive") == "true" || p.Get("inclusive") == "1"
	var out []any
	for _, x := range s.messages {
		if x.Channel != ch || (x.TS != root && x.ThreadTS != root) {
			continue
		}
		// oldest and latest bound the messages by ts, their own included only when inclusive.
		if oldest != "" && (x.TS < oldest || (!inclusive && x.TS == oldest)) {
			continue
		}
		if latest != "" && (x.TS > latest || (!inclusive && x.TS == latest)) {
			continue
		}
		out = append(out, s.messageJSON(x))
	}
	if lim, _ := strconv.Atoi(p.Get("limit")); lim > 0 && len(out) > lim {
		out = out[:lim]
	}
	return map[string]any{"messages": out, "has_more": false,
		"response_metadata": map[string]any{"next_cursor": ""}}, ""
}

func (s *Server) history(p url.Values) (map[string]any, string) {
	ch := p.Get("channel")
	latest, inclusive := p.Get("latest"), p.Get("inclusive") == "true" || p.Get("inclusive") == "1"
	lim, _ := strconv.Atoi(p.Get("limit"))
	var out []any
	for _, x := range slices.Backward(s.messages) {
		if x.Channel != ch || x.ThreadTS != "" {
			continue
		}
		if latest != "" && (x.TS > latest || (!inclusive && x.TS == latest)) {
			continue
		}
		out = append(out, s.messageJSON(x))
		if lim > 0 && len(out) == lim {
			break
		}
	}
	return map[string]any{"messages": out, "has_more": false,
		"response_metadata": map[string]any{"next_cursor": ""}}, ""
}

// serveFile serves url_private_download from the API host, with the bot token only.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["files-pri"]++
	var id string
	var content []byte
	var pause time.Duration
	found := false
	for _, x := range s.files {
		if strings.HasPrefix(strings.TrimPrefix(r.URL.Path, "/files-pri/"), TeamID+"-"+x.ID+"/") &&
			!x.Deleted && !x.DownloadGone {
			id, content, pause, found = x.ID, x.Content, x.Trickle, true
		}
	}
	auth := r.Header.Get("Authorization") == "Bearer "+BotToken
	s.downloads++
	s.bump()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.downloads--
		s.bump()
		s.mu.Unlock()
	}()
	switch {
	case !auth:
		http.Error(w, "sign in", http.StatusForbidden)
	case !found:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		// In chunks, counting what was written, so a test can tell how much of a file the
		// bot read before it stopped.
		rc := http.NewResponseController(w)
		// A chunk is counted before it is written: once the bot has read a byte, the count
		// already includes it, so a test may check it as soon as its download returns.
		for rest := content; len(rest) > 0; {
			if len(rest) < len(content) && pause > 0 {
				select {
				case <-time.After(pause):
				case <-r.Context().Done():
					return
				}
			}
			n := min(len(rest), 32<<10)
			s.mu.Lock()
			s.served[id] += int64(n)
			s.bump()
			s.mu.Unlock()
			if _, err := w.Write(rest[:n]); err != nil {
				return
			}
			_ = rc.Flush()
			rest = rest[n:]
		}
	}
}

func (s *Server) fileJSON(f *File) map[string]any {
	base := s.srv.URL + "/files-pri/" + TeamID + "-" + f.ID
	size := f.Size
	if size == 0 {
		size = len(f.Content)
	}
	j := map[string]any{
		"id": f.ID, "created": 1700000000, "timestamp": 1700000000, "name": f.Name, "title": f.Name,
		"mimetype": "application/octet-stream", "filetype": "binary", "pretty_type": "Binary",
		"user": "", "editable": false, "size": size, "mode": "hosted", "is_external": false,
		"external_type": "", "is_public": true, "public_url_shared": false, "display_as_bot": false,
		"username": "", "url_private": base + "/" + f.Name,
		"url_private_download": base + "/download/" + f.Name,
		"permalink":            "https://fake.slack.com/files/" + f.ID, "comments_count": 0,
	}
	if f.NotReady {
		// An upload Slack is still processing has no download URL yet.
		delete(j, "url_private_download")
		delete(j, "url_private")
		j["size"] = 0
	}
	return j
}

func (s *Server) messageJSON(m *Message) map[string]any {
	j := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "user": m.User, "team": TeamID}
	if m.ThreadTS != "" {
		j["thread_ts"] = m.ThreadTS
		j["parent_user_id"] = ""
	}
	if m.BotID != "" {
		j["bot_id"] = m.BotID
		j["app_id"] = AppID
	}
	if m.Blocks != "" {
		j["blocks"] = json.RawMessage(m.Blocks)
	}
	if len(m.Files) > 0 {
		var fs []any
		for _, id := range m.Files {
			if f := s.files[id]; f != nil {
				fs = append(fs, s.fileJSON(f))
			}
		}
		j["files"] = fs
		j["upload"] = false
		j["display_as_bot"] = false
		j["subtype"] = "file_share"
	}
	if len(m.Edits) > 0 {
		j["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	return j
}
