package workflow

import (
	"slices"
	"strings"

	"stagebot"
	"stagebot/storage"
)

// Lookup finds a request by ID prefix, or the newest requests of a package by name. Anyone.
func (s *Service) Lookup(query string) ([]stagebot.Status, error) {
	query = strings.TrimSpace(query)
	var out []stagebot.Status
	err := s.view(func(tx *storage.Tx) error {
		if looksLikeID(query) {
			r, err := tx.FindRequest(query)
			if err == nil {
				out = []stagebot.Status{s.status(tx, r)}
				return nil
			}
			if stagebot.ErrorCode(err) != stagebot.ENOTFOUND {
				return err
			}
		}
		rs, err := tx.PackageRequests(query, "", 0)
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return stagebot.Errorf(stagebot.ENOTFOUND, "no request with ID or package %q", stagebot.Quote(query))
		}
		// The package's current picture: what is in flight, else its latest request.
		for _, r := range rs {
			if !r.State.Final() {
				out = append(out, s.status(tx, r))
			}
		}
		if len(out) == 0 {
			out = []stagebot.Status{s.status(tx, rs[len(rs)-1])}
		}
		return nil
	})
	return out, err
}

func looksLikeID(q string) bool {
	if len(q) < stagebot.MinIDPrefix {
		return false
	}
	for _, c := range strings.ToLower(q) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '-') {
			return false
		}
	}
	return true
}

func (s *Service) status(tx *storage.Tx, r *stagebot.Request) stagebot.Status {
	st := stagebot.Status{Request: r}
	if j, ok, err := tx.JobFor(r.ID); err == nil && ok {
		st.Job = &j
	}
	st.Waiting = s.waiting(r, st.Job)
	return st
}

// waiting is what r waits for, from the policy's one answer to what is missing, its hold,
// its pre-upload and the worker's last attempt.
func (s *Service) waiting(r *stagebot.Request, job *stagebot.Job) []stagebot.Waiting {
	var out []stagebot.Waiting
	switch r.State {
	case stagebot.StatePending:
		m := s.cfg.Policy.Missing(r)
		if m.Approvals > 0 {
			out = append(out, stagebot.Waiting{What: stagebot.WaitApprovals, Count: m.Approvals, Who: s.approverNames(r)})
		}
		if m.QA {
			out = append(out, stagebot.Waiting{What: stagebot.WaitQA})
		}
		if r.Hold != nil {
			out = append(out, stagebot.Waiting{What: stagebot.WaitHold, By: r.Hold.Display(), Reason: r.Hold.Reason, Since: r.Hold.At})
		}
	case stagebot.StateApproved:
		if s.pre.get(r.ID) != nil {
			out = append(out, stagebot.Waiting{What: stagebot.WaitPreupload})
		}
	case stagebot.StateLocked:
		out = append(out, stagebot.Waiting{What: stagebot.WaitClickSync})
	case stagebot.StateStored:
		out = append(out, stagebot.Waiting{What: stagebot.WaitPromotion})
	case stagebot.StatePromoted:
		out = append(out, stagebot.Waiting{What: stagebot.WaitPhasing})
	}
	if job != nil && !r.State.Final() && job.Kind != stagebot.JobUnlock {
		w := stagebot.Waiting{What: stagebot.WaitWorker, Job: job.Kind, Attempt: job.Attempt, Reason: job.LastError}
		if job.Attempt > 0 {
			w.Next = job.NotBefore
		}
		out = append(out, w)
	}
	return out
}

// Queue lists every request not in a final state, oldest first. Anyone.
func (s *Service) Queue() ([]stagebot.Status, error) {
	var out []stagebot.Status
	err := s.view(func(tx *storage.Tx) error {
		active, err := tx.Active()
		if err != nil {
			return err
		}
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		byReq := map[string]*stagebot.Job{}
		for i := range jobs {
			byReq[jobs[i].RequestID] = &jobs[i]
		}
		for _, r := range active {
			out = append(out, stagebot.Status{Request: r, Job: byReq[r.ID], Waiting: s.waiting(r, byReq[r.ID])})
		}
		return nil
	})
	return out, err
}

// History lists a package's requests, newest last (at most limit). Anyone.
func (s *Service) History(pkg string, limit int) ([]*stagebot.Request, error) {
	pkg = strings.TrimSpace(pkg)
	if pkg == "" {
		return nil, stagebot.Errorf(stagebot.EINVALID, "no package named")
	}
	var out []*stagebot.Request
	err := s.view(func(tx *storage.Tx) error {
		var err error
		out, err = tx.PackageRequests(pkg, "", limit)
		return err
	})
	if err == nil && len(out) == 0 {
		return nil, stagebot.Errorf(stagebot.ENOTFOUND, "no requests for package %q", stagebot.Quote(pkg))
	}
	return out, err
}

// RecentFinished lists the requests in a final state, the most recently updated first (at
// most limit). Anyone.
func (s *Service) RecentFinished(limit int) ([]*stagebot.Request, error) {
	var finished []*stagebot.Request
	err := s.view(func(tx *storage.Tx) error {
		return tx.ForEachRequest(func(r *stagebot.Request) error {
			if r.State.Final() {
				finished = append(finished, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(finished, func(a, b *stagebot.Request) int { return b.Updated.Compare(a.Updated) })
	return finished[:min(len(finished), limit)], nil
}

// Counts counts the requests in each state and the jobs queued, in one transaction.
func (s *Service) Counts() (stagebot.Counts, error) {
	c := stagebot.Counts{Requests: map[stagebot.State]int{}, Jobs: map[stagebot.JobKind]int{}}
	err := s.view(func(tx *storage.Tx) error {
		if err := tx.ForEachRequest(func(r *stagebot.Request) error {
			c.Requests[r.State]++
			return nil
		}); err != nil {
			return err
		}
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		for _, j := range jobs {
			c.Jobs[j.Kind]++
			c.Retries += j.Attempt
		}
		return nil
	})
	return c, err
}

// Request is the record of the request with this full ID, or nil.
func (s *Service) Request(id string) *stagebot.Request {
	var r *stagebot.Request
	_ = s.view(func(tx *storage.Tx) error {
		var err error
		r, err = tx.Request(id)
		return err
	})
	return r
}
