package httpapi

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"stagebot"
)

// Request is one request as GET /api/requests lists it.
type Request struct {
	ID            string         `json:"id"`
	UUID          string         `json:"uuid"`
	Filename      string         `json:"filename"`
	Name          string         `json:"name"`
	Version       string         `json:"version"`
	Arch          string         `json:"arch"`
	Architectures []string       `json:"architectures"`
	Framework     string         `json:"framework"`
	Size          int64          `json:"size"`
	SHA256        string         `json:"sha256"`
	State         stagebot.State `json:"state"`
	// Held is true while a hold keeps the request from its lock; Hold says whose.
	Held      bool      `json:"held"`
	Hold      *Hold     `json:"hold"`
	Requester string    `json:"requester"`
	Approvals []Signoff `json:"approvals"`
	QA        *Signoff  `json:"qa"`
	// WaitingFor is what the request waits for before its lock, each as words that follow
	// "waiting for"; empty from locked on and once it ended.
	WaitingFor   []string `json:"waiting_for"`
	Reason       string   `json:"reason"`        // a rejection's or cancellation's
	LastError    string   `json:"last_error"`    // why the worker's last attempt failed
	PublishError string   `json:"publish_error"` // why the last publication failed
	Created      Time     `json:"created"`
	Updated      Time     `json:"updated"`
}

// RequestDetail is one request as GET /api/requests/{id} shows it.
type RequestDetail struct {
	Request
	SHA512 string `json:"sha512"`
	Signer string `json:"signer"` // the signing key's fingerprint; "" unsigned
	// Source is where the click came from, a URL without its credentials.
	Source       string  `json:"source"`
	Replaces     string  `json:"replaces"` // the filename its lock took the line of
	SupersededBy *Ref    `json:"superseded_by"`
	History      []Event `json:"history"`
	// Receipt is the path of the request's signed receipt; null without one.
	Receipt *string `json:"receipt"`
}

// Hold is who holds a request, since when and why.
type Hold struct {
	By     string `json:"by"`
	At     Time   `json:"at"`
	Reason string `json:"reason"`
}

// Signoff is an approval or a QA sign-off.
type Signoff struct {
	By string `json:"by"`
	At Time   `json:"at"`
}

// Ref names another request.
type Ref struct {
	ID   string `json:"id"`
	UUID string `json:"uuid"`
}

// Event is one line of a request's history: the state it entered, when, by whom and why.
type Event struct {
	At    Time           `json:"at"`
	State stagebot.State `json:"state"`
	By    string         `json:"by"`
	Note  string         `json:"note"`
}

// Requests is GET /api/requests's body.
type Requests struct {
	Requests []Request `json:"requests"`
	// Total counts the requests that matched, of which at most limit are listed.
	Total int `json:"total"`
}

// Listing bounds: a history of many thousand requests is served a page at a time.
const (
	defaultListLimit = 100
	maxListLimit     = 1000
)

// waitsBeforeLock are the states whose waits the API reports: from locked on, what comes
// next (a tick, a promotion, phasing) is the rest of the world's doing, not something the
// request lacks.
func waitsBeforeLock(s stagebot.State) bool {
	return s == stagebot.StatePending || s == stagebot.StateApproved
}

func (s *Server) requestOf(st stagebot.Status, now time.Time) Request {
	r := st.Request.Shown()
	out := Request{
		ID: r.ShortID(), UUID: r.ID, Filename: r.Filename, Name: r.Name, Version: r.Version, Arch: r.Arch,
		Architectures: nonNil(r.Architectures), Framework: r.Framework, Size: r.Size, SHA256: r.SHA256,
		State: r.State, Requester: shown(r.Requester, r.RequesterKey), Approvals: []Signoff{}, WaitingFor: []string{},
		Reason: r.Reason, LastError: r.LastError, PublishError: r.PublishErr,
		Created: Time(r.Created), Updated: Time(r.Updated),
	}
	if h := r.Hold; h != nil && !r.State.Final() {
		out.Held = true
		out.Hold = &Hold{By: shown(h.By, h.Key), At: Time(h.At), Reason: h.Reason}
	}
	for _, a := range r.ValidApprovals() {
		out.Approvals = append(out.Approvals, Signoff{By: shown(a.By, a.Key), At: Time(a.At)})
	}
	if q := r.QASignoff; q != nil {
		out.QA = &Signoff{By: shown(q.By, q.Key), At: Time(q.At)}
	}
	if waitsBeforeLock(r.State) {
		for _, w := range s.cfg.Renderer.Waits(stagebot.Status{Request: r, Job: st.Job, Waiting: st.Waiting}, now) {
			out.WaitingFor = append(out.WaitingFor, stagebot.PublicName(w))
		}
	}
	return out
}

func (s *Server) detailOf(st stagebot.Status, now time.Time) RequestDetail {
	r := st.Request.Shown()
	d := RequestDetail{Request: s.requestOf(st, now), SHA512: r.SHA512, Signer: r.Signer, Source: r.Source,
		Replaces: r.Replaces, History: []Event{}}
	if r.SupersededBy != "" {
		d.SupersededBy = &Ref{ID: stagebot.ShortID(r.SupersededBy), UUID: r.SupersededBy}
	}
	for _, h := range r.History {
		d.History = append(d.History, Event{At: Time(h.At), State: h.To, By: stagebot.PublicName(h.Actor), Note: stagebot.PublicName(h.Note)})
	}
	return d
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

func (s *Server) apiRequests(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := stagebot.State(q.Get("state"))
	if state != "" && !state.Valid() {
		var all []string
		for _, st := range stagebot.States {
			all = append(all, string(st))
		}
		writeError(w, http.StatusBadRequest, "state must be one of "+strings.Join(all, ", "))
		return
	}
	limit := defaultListLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			writeError(w, http.StatusBadRequest, "limit must be a whole number from 1 to "+strconv.Itoa(maxListLimit))
			return
		}
		limit = n
	}
	var all []stagebot.Status
	if state == "" || !state.Final() {
		live, err := s.cfg.Service.Queue()
		if err != nil {
			s.log.Error("api: requests", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot read the requests")
			return
		}
		all = append(all, live...)
	}
	if state == "" || state.Final() {
		ended, err := s.cfg.Service.RecentFinished(math.MaxInt)
		if err != nil {
			s.log.Error("api: requests", "err", err)
			writeError(w, http.StatusInternalServerError, "cannot read the requests")
			return
		}
		for _, req := range ended {
			all = append(all, stagebot.Status{Request: req})
		}
	}
	if state != "" {
		all = slices.DeleteFunc(all, func(st stagebot.Status) bool { return st.Request.State != state })
	}
	// Newest first, and in a stable order among requests made in the same instant.
	slices.SortFunc(all, func(a, b stagebot.Status) int {
		return cmp.Or(b.Request.Created.Compare(a.Request.Created), cmp.Compare(a.Request.ID, b.Request.ID))
	})
	body := Requests{Requests: []Request{}, Total: len(all)}
	now := s.cfg.Now()
	for _, st := range all[:min(len(all), limit)] {
		body.Requests = append(body.Requests, s.requestOf(st, now))
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, ok := requestID(raw)
	if !ok {
		notAnID(w, raw)
		return
	}
	sts, err := s.cfg.Service.Lookup(id)
	if err != nil {
		status := lookupStatus(err)
		if status == http.StatusInternalServerError {
			s.log.Error("api: request", "id", id, "err", err)
		}
		writeError(w, status, stagebot.ErrorMessage(err))
		return
	}
	// Lookup falls back to a package's requests when no ID matches: those are not this one.
	for _, st := range sts {
		if strings.HasPrefix(st.Request.ID, id) {
			writeJSON(w, http.StatusOK, s.detailOf(st, s.cfg.Now()))
			return
		}
	}
	notAnID(w, raw)
}
