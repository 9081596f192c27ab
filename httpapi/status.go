package httpapi

import (
	_ "embed"
	"html/template"
	"net/http"
	"strings"
	"time"

	"stagebot"
)

//go:embed status.html
var statusHTML string

// recentFinished bounds how many finished requests the page shows under the live ones.
const recentFinished = 20

var statusTmpl = template.Must(template.New("status").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return stagebot.FormatTime(t)
	},
}).Parse(statusHTML))

type pageData struct {
	Now       time.Time
	Live      []reqView
	Finished  []reqView
	LastTick  time.Time
	Phasing   stagebot.Phasing
	Notes     []string
	Generated string
}

type reqView struct {
	*stagebot.Request
	Short string
	// People as the page shows them (see stagebot.PublicName): a member by team name, anyone else by
	// nick and network.
	Requester string
	Approvers []string
	QA        string
	// Held is the hold in words while it still matters (the request has not ended).
	Held string
	// AwaitsApproval: no approval yet, and one is still wanted.
	AwaitsApproval bool
	// Waiting is what the request waits for before its lock, as the API says it.
	Waiting  []string
	Timeline []stagebot.Transition
}

func (s *Server) viewOf(st stagebot.Status, now time.Time) reqView {
	r := st.Request.Shown()
	v := reqView{Request: r, Short: r.ShortID(), Requester: shown(r.Requester, r.RequesterKey),
		AwaitsApproval: r.State == stagebot.StatePending}
	for _, a := range r.ValidApprovals() {
		v.Approvers = append(v.Approvers, shown(a.By, a.Key))
	}
	if r.QASignoff != nil {
		v.QA = shown(r.QASignoff.By, r.QASignoff.Key)
	}
	if h := r.Hold; h != nil && !r.State.Final() {
		v.Held = stagebot.PublicName(h.Describe()) + " since " + stagebot.FormatTime(h.At)
	}
	v.Waiting = s.requestOf(st, now).WaitingFor
	for _, t := range r.History {
		t.Actor, t.Note = stagebot.PublicName(t.Actor), stagebot.PublicName(t.Note)
		v.Timeline = append(v.Timeline, t)
	}
	return v
}

func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.pageData()
	if err != nil {
		s.log.Error("status page", "err", err)
		http.Error(w, "cannot read the requests", http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	if err := statusTmpl.Execute(&b, data); err != nil {
		s.log.Error("status page", "err", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Inline style only, nothing from elsewhere: the page works offline and leaks nothing.
	// The script is the page's own (live.js), and it connects to nothing but this server.
	w.Header().Set("Content-Security-Policy",
		"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'self'; connect-src 'self'")
	w.Write([]byte(b.String()))
}

//go:embed live.js
var liveJS []byte

// liveScript is the status page's script: it subscribes to /api/events and, at each
// announcement, fetches the page again and puts its parts in place.
func (s *Server) liveScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(liveJS)
}

func (s *Server) pageData() (*pageData, error) {
	svc := s.cfg.Service
	live, err := svc.Queue()
	if err != nil {
		return nil, err
	}
	d := &pageData{Now: s.cfg.Now(), LastTick: svc.LastTick(), Phasing: svc.CurrentPhasing()}
	for _, n := range s.cfg.Renderer.Drift(svc.Differences()) {
		d.Notes = append(d.Notes, stagebot.PublicName(n))
	}
	for _, st := range live {
		d.Live = append(d.Live, s.viewOf(st, d.Now))
	}
	finished, err := svc.RecentFinished(recentFinished)
	if err != nil {
		return nil, err
	}
	for _, r := range finished {
		d.Finished = append(d.Finished, s.viewOf(stagebot.Status{Request: r}, d.Now))
	}
	d.Generated = d.Now.UTC().Format("2006-01-02 15:04:05 UTC")
	return d, nil
}
