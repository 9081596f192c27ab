package httpapi

import (
	_ "embed"
	"html/template"
	"net/http"
	"strings"
	"time"

	"stagebot"
	"stagebot/chat"
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
	Short     string
	Approvers []string
	QA        string
	Job       string
	// Held is the hold in words while it still matters (the request has not ended).
	Held string
	// Requester as people must read it: a member by team name, anyone else unmistakably
	// not a member.
	Requester string
}

func viewOf(r *stagebot.Request, job *stagebot.Job) reqView {
	v := reqView{Request: r.Shown(), Short: r.ShortID(), Requester: r.RequesterDisplay()}
	for _, a := range r.ValidApprovals() {
		v.Approvers = append(v.Approvers, a.Display())
	}
	if r.QASignoff != nil {
		v.QA = r.QASignoff.Display()
	}
	if h := v.Request.Hold; h != nil && !r.State.Final() {
		v.Held = h.Describe() + " since " + stagebot.FormatTime(h.At)
	}
	if job != nil {
		v.Job = string(job.Kind) + " job queued"
		if job.Attempt > 0 {
			v.Job = string(job.Kind) + " job retrying after " + job.LastError
		}
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
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
	w.Write([]byte(b.String()))
}

func (s *Server) pageData() (*pageData, error) {
	svc := s.cfg.Service
	live, err := svc.Queue()
	if err != nil {
		return nil, err
	}
	d := &pageData{Now: s.cfg.Now(), LastTick: svc.LastTick(), Phasing: svc.CurrentPhasing(), Notes: chat.Renderer{}.Drift(svc.Differences())}
	for _, st := range live {
		d.Live = append(d.Live, viewOf(st.Request, st.Job))
	}
	finished, err := svc.RecentFinished(recentFinished)
	if err != nil {
		return nil, err
	}
	for _, r := range finished {
		d.Finished = append(d.Finished, viewOf(r, nil))
	}
	d.Generated = d.Now.UTC().Format("2006-01-02 15:04:05 UTC")
	return d, nil
}
