package workflow

import (
	"bytes"
	"slices"

	"stagebot"
	"stagebot/receipt"
	"stagebot/storage"
)

// The simulation's receipts: three seeds in four sign them (receipts.key set), the rest
// run without, so that both ways go through every schedule.

// simSigns reports whether seed's schedule runs with receipts.key.
func simSigns(seed uint64) bool { return seed%4 != 0 }

// checkReceipts, after every step: a request has a receipt exactly when it was ever locked
// (and receipts are on); a receipt, once seen, is the same bytes at every later look,
// across crashes; at first sight it verifies against the click it names, for its own
// request, with the time of its lock and the audit entry of the lock as the chain's head.
func (s *sim) checkReceipts(w world) {
	signs := s.cfg.Signer != nil
	var fresh []string
	for id, r := range w.requests {
		locked := slices.ContainsFunc(r.History, func(h stagebot.Transition) bool { return h.To == stagebot.StateLocked })
		env, has := w.receipts[id]
		switch {
		case has && !signs:
			s.fail("[%s] has a receipt, and receipts are off", r.ShortID())
		case has && !locked:
			s.fail("[%s] has a receipt but was never locked (%s)", r.ShortID(), r.State)
		case !has && locked && signs:
			s.fail("[%s] was locked but has no receipt", r.ShortID())
		case !has:
		case s.receipts[id] == nil:
			s.receipts[id] = env
			fresh = append(fresh, id)
		case !bytes.Equal(s.receipts[id], env):
			s.fail("[%s]'s receipt changed:\n%s\n%s", r.ShortID(), s.receipts[id], env)
		}
	}
	for id := range s.receipts {
		if _, ok := w.receipts[id]; !ok {
			s.fail("[%s]'s receipt is gone", stagebot.ShortID(id))
		}
	}
	slices.Sort(fresh)
	for _, id := range fresh {
		s.checkReceipt(w.requests[id], s.receipts[id])
	}
}

func (s *sim) checkReceipt(r *stagebot.Request, env []byte) {
	i := slices.IndexFunc(s.corpus, func(c simClick) bool { return c.sha256 == r.SHA256 })
	if i < 0 {
		s.fail("[%s] is for no click of the corpus", r.ShortID())
	}
	res, err := receipt.Verify(env, bytes.NewReader(s.corpus[i].bytes), s.cfg.Signer.Public())
	if err != nil {
		s.fail("[%s]'s receipt does not verify: %v", r.ShortID(), err)
	}
	p := res.Statement.Predicate
	lock := r.History[slices.IndexFunc(r.History, func(h stagebot.Transition) bool { return h.To == stagebot.StateLocked })]
	var head string
	err = s.db.View(func(tx *storage.Tx) error {
		log, err := tx.AuditLog(r.ID)
		if i := slices.IndexFunc(log, func(e storage.Entry) bool { return e.Action == string(stagebot.StateLocked) }); i >= 0 {
			head = log[i].Hash
		}
		return err
	})
	if err != nil {
		s.fail("read audit: %v", err)
	}
	if p.Request != r.ID || !p.LockedAt.Equal(lock.At) || p.AuditHead == "" || p.AuditHead != head ||
		res.Statement.Subject[0].Name != r.Filename || len(p.Approvals) == 0 {
		s.fail("[%s]'s receipt says request %s, locked at %s, audit head %s, subject %s, %d approvals; "+
			"want %s at %s, head %s, %s", r.ShortID(), p.Request, p.LockedAt, p.AuditHead, res.Statement.Subject[0].Name,
			len(p.Approvals), r.ID, lock.At, head, r.Filename)
	}
}
